"""A small client for any OpenAI-compatible chat-completions endpoint (OpenAI, DeepSeek, Qwen/DashScope,
vLLM, Ollama, llama.cpp server, ...), built on httpx.

- ``LLMConfig(base_url, model, api_key_env="OPENAI_API_KEY", temperature, timeout, max_retries,
  concurrency, ...)``: holds no secret. The API key is read from the environment variable named by
  ``api_key_env`` or passed at call time (``LLMClient(config, api_key=...)``) and lives only in memory:
  ``to_dict``/``repr`` never contain it, nothing here writes it or logs it, and error messages are
  scrubbed of it.
- ``LLMClient.chat(messages) -> ChatResult(text, attempts)``: one request with retries and exponential
  back-off on HTTP 429 (``Retry-After`` honoured), 408, 5xx, timeouts, connection errors and unreadable
  answers; 401/403 and other 4xx fail at once. After the last try it raises ``LLMError(kind, message,
  attempts, status)``; callers turn that into a per-item failure record rather than a crash.
- ``imap_unordered(fn, items, concurrency)``: run ``fn`` over ``items`` in a thread pool, yielding
  ``(item, result, error)`` as each finishes; leaving the loop early cancels what has not started.
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import httpx

from core.errors import ConfigError, StudioError
from core.secrets import find_secret, looks_like_secret

log = logging.getLogger(__name__)

_KEY_PREFIX = re.compile(r"^(sk-|sk_|Bearer\s|AIza|ghp_|gho_|hf_|xai-|gsk_)")


def _looks_like_key(value: str) -> bool:
    """True when a value meant to be a variable NAME looks like a secret instead."""
    if _KEY_PREFIX.search(value):
        return True
    has_lower = any(c.islower() for c in value)
    has_digit = any(c.isdigit() for c in value)
    return len(value) >= 24 and has_lower and has_digit


KEY_VARIABLE = r"(?i)[A-Z_][A-Z0-9_]*API_KEY[A-Z0-9_]*"  # the environment variables an LLM request may take its key from


@dataclass
class LLMConfig:
    """Where and how to ask. No API key here: see ``resolve_api_key``.

    ``base_url``: e.g. ``https://api.openai.com/v1`` or ``http://127.0.0.1:8000/v1`` (``/chat/completions``
    is appended unless already there). ``timeout``: the wall-clock deadline in seconds for one try, from
    connecting to the last byte of the answer (a server that drips bytes slowly is cut off at it, not only one
    that goes silent); ``max_bytes``: the largest answer read; ``max_retries`` extra tries after
    the first; ``concurrency`` requests in flight; back-off waits ``backoff_base * 2**k`` seconds (capped
    by ``backoff_max``; a server's ``Retry-After`` is honoured up to ``max_wait``)."""

    base_url: str
    model: str
    api_key_env: str = "OPENAI_API_KEY"  # a variable named like an API key (``KEY_VARIABLE``), never the key itself
    temperature: float = 0.7
    timeout: float = 60.0
    max_retries: int = 3
    concurrency: int = 4
    max_tokens: int | None = 512
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    max_wait: float = 120.0
    max_bytes: int = 8_000_000

    def __post_init__(self) -> None:
        url = str(self.base_url or "").strip()
        if not re.match(r"^https?://[^/\s]+", url):
            raise ConfigError(f"The LLM base URL '{url}' is not valid (expected http://host[:port]/v1 or https://...).")
        if "@" in url.split("//", 1)[1].split("/", 1)[0]:
            raise ConfigError("The LLM base URL must not contain a user name or password; put the key in an environment variable.")
        if _url_holds_secret(url):  # the URL is saved in the build report: never echo it
            raise ConfigError("The LLM base URL carries what looks like a key (a key-named query parameter or a "
                              "key-shaped value); put the key in an environment variable instead.")
        self.base_url = url.rstrip("/")
        if not str(self.model or "").strip():
            raise ConfigError("The LLM model name is empty (expected e.g. 'gpt-4o-mini' or 'qwen2.5:7b').")
        if looks_like_secret(str(self.model)):
            raise ConfigError("The LLM model name looks like a key; give the model's name (e.g. 'gpt-4o-mini') and "
                              "put the key in an environment variable.")
        env = str(self.api_key_env or "").strip()
        if env and (_looks_like_key(env) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", env)):
            # never echo the value: it may be the key itself
            raise ConfigError(
                "The API key setting must be the NAME of an environment variable (e.g. OPENAI_API_KEY), "
                "and the value given looks like a key or is not a valid variable name."
            )
        if env and not re.fullmatch(KEY_VARIABLE, env):
            raise ConfigError(f"The API key variable '{env}' is not named like an API key (expected a name with API_KEY "
                              "in it, e.g. OPENAI_API_KEY): only such a variable is sent to an LLM endpoint, so no "
                              "other secret of this machine (HF_TOKEN, AWS_...) can be.")
        self.api_key_env = env
        for name, lo in (("timeout", 0.01), ("concurrency", 1), ("max_retries", 0), ("max_bytes", 1)):
            if getattr(self, name) < lo:
                raise ConfigError(f"The LLM setting {name}={getattr(self, name)} is out of range (expected at least {lo}).")
        self.concurrency = int(self.concurrency)
        self.max_retries = int(self.max_retries)

    @property
    def endpoint(self) -> str:
        return self.base_url if self.base_url.endswith("/chat/completions") else self.base_url + "/chat/completions"

    def to_dict(self) -> dict:
        """All settings, safe to save: never includes an API key."""
        d = asdict(self)
        d.pop("api_key", None)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> LLMConfig:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in known})

    def resolve_api_key(self, api_key: str | None = None, from_env: bool = True) -> str | None:
        """The key passed in, else (``from_env``) the value of ``api_key_env`` in the environment, else None. A
        shared studio passes ``from_env=False``: a user who picks the endpoint must not be lent the server's key."""
        if api_key:
            return api_key
        return os.environ.get(self.api_key_env) if self.api_key_env and from_env else None


def _url_holds_secret(url: str) -> bool:
    """A URL whose query parameters name a secret (``?api_key=…``, ``&token=…``) or whose text holds a key-shaped
    value (``core.secrets``)."""
    from urllib.parse import parse_qsl, urlsplit

    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    return find_secret(query) is not None or any(looks_like_secret(seg) for seg in parts.path.split("/"))


class _TooSlow(Exception):
    """An answer that missed its wall-clock deadline (``kind`` timeout) or grew past ``max_bytes`` (``kind``
    too_large) (internal)."""

    def __init__(self, message: str, kind: str = "timeout"):
        super().__init__(message)
        self.kind = kind


class LLMError(StudioError):
    """A request that failed after all its tries. ``kind`` is one of rate_limit, server_error, timeout,
    connection, auth, http_error, bad_response, too_large."""

    def __init__(self, kind: str, message: str, attempts: int = 1, status: int | None = None):
        super().__init__(message)
        self.kind, self.attempts, self.status = kind, attempts, status

    def to_dict(self) -> dict:
        return {"kind": self.kind, "message": str(self), "attempts": self.attempts, "status": self.status}


@dataclass
class ChatResult:
    text: str
    attempts: int = 1
    elapsed: float = 0.0
    usage: dict = field(default_factory=dict)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds, possibly fractional, or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - time.time())


class LLMClient:
    """Thread-safe chat-completions client. Use as a context manager or call ``close()``.

    ``stats`` counts ``requests`` (HTTP attempts), ``retries`` and retry reasons per kind."""

    def __init__(self, config: LLMConfig, api_key: str | None = None, sleep: Callable[[float], None] = time.sleep):
        self.config = config
        self._key = config.resolve_api_key(api_key)
        self._sleep = sleep
        self._lock = threading.Lock()
        self.stats: dict[str, Any] = {"requests": 0, "retries": 0, "retry_reasons": {}}
        limits = httpx.Limits(max_connections=max(1, config.concurrency), max_keepalive_connections=max(1, config.concurrency))
        self._http = httpx.Client(timeout=httpx.Timeout(config.timeout), limits=limits, follow_redirects=True)

    def __repr__(self) -> str:  # never show the key
        return f"LLMClient(endpoint={self.config.endpoint!r}, model={self.config.model!r}, key={'set' if self._key else 'none'})"

    @property
    def has_key(self) -> bool:
        return bool(self._key)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> LLMClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _scrub(self, text: str) -> str:
        text = " ".join(str(text).split())[:300]
        return text.replace(self._key, "***") if self._key else text

    def _count(self, retry_kind: str | None = None) -> None:
        with self._lock:
            if retry_kind is None:
                self.stats["requests"] += 1
            else:
                self.stats["retries"] += 1
                reasons = self.stats["retry_reasons"]
                reasons[retry_kind] = reasons.get(retry_kind, 0) + 1

    def _post(self, url: str, payload: dict, headers: dict) -> tuple[int, httpx.Headers, bytes]:
        """POST and read the whole answer within ``timeout`` seconds of wall-clock time and ``max_bytes``.

        httpx's own timeout applies to each read, so a server sending one byte every few seconds would never
        trip it; here the deadline covers the whole exchange (a read that stalls completely is still cut by
        httpx's per-read timeout of the same number of seconds).
        Raises ``_TooSlow`` (deadline or size) or httpx errors."""
        cfg = self.config
        deadline = time.monotonic() + cfg.timeout
        chunks: list[bytes] = []
        size = 0
        with self._http.stream("POST", url, json=payload, headers=headers) as resp:
            for chunk in resp.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size > cfg.max_bytes:
                    raise _TooSlow(f"the answer from {url} is larger than {cfg.max_bytes:,} bytes; it was cut off", "too_large")
                if time.monotonic() > deadline:
                    raise _TooSlow(f"the answer from {url} did not arrive in full within {cfg.timeout:g} s "
                                   f"({size:,} bytes received so far); the server is too slow")
            return resp.status_code, resp.headers, b"".join(chunks)

    def chat(self, messages: list[dict], temperature: float | None = None, max_tokens: int | None = None) -> ChatResult:
        """Send ``messages`` and return the first choice's text. Raises ``LLMError`` after the last try."""
        cfg = self.config
        payload: dict[str, Any] = {
            "model": cfg.model,
            "messages": messages,
            "temperature": cfg.temperature if temperature is None else temperature,
        }
        mt = cfg.max_tokens if max_tokens is None else max_tokens
        if mt:
            payload["max_tokens"] = int(mt)
        headers = {"Content-Type": "application/json"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        start = time.monotonic()
        attempt = 0
        while True:
            attempt += 1
            self._count()
            kind, message, status, wait_hint = "", "", None, None
            try:
                status, resp_headers, body = self._post(cfg.endpoint, payload, headers)
            except _TooSlow as err:
                kind, message = err.kind, str(err)
            except httpx.TimeoutException:
                kind, message = "timeout", f"no answer from {cfg.endpoint} within {cfg.timeout:g} s"
            except httpx.HTTPError as err:
                kind, message = "connection", f"could not reach {cfg.endpoint}: {self._scrub(err) or type(err).__name__}"
            else:
                if status == 200:
                    try:
                        data = json.loads(body)
                        choice = data["choices"][0]
                        text = choice.get("message", {}).get("content")
                        if text is None:
                            text = choice.get("text")
                        if not isinstance(text, str):
                            raise ValueError("no text in the first choice")
                        return ChatResult(text, attempt, time.monotonic() - start, data.get("usage") or {})
                    except Exception as err:
                        kind, message = "bad_response", f"the answer from {cfg.endpoint} is not a chat completion ({self._scrub(err)})"
                else:
                    text_body = self._scrub(body.decode("utf-8", "replace"))
                    message = f"HTTP {status} from {cfg.endpoint}" + (f": {text_body}" if text_body else "")
                    if status == 429:
                        kind, wait_hint = "rate_limit", parse_retry_after(resp_headers.get("Retry-After"))
                    elif status >= 500 or status == 408:
                        kind, wait_hint = "server_error", parse_retry_after(resp_headers.get("Retry-After"))
                    elif status in (401, 403):
                        kind = "auth"
                    else:
                        kind = "http_error"
            retryable = kind in ("rate_limit", "server_error", "timeout", "connection", "bad_response")
            if not retryable or attempt > cfg.max_retries:
                raise LLMError(kind, message, attempts=attempt, status=status)
            delay = min(cfg.backoff_max, cfg.backoff_base * (2 ** (attempt - 1))) * (1 + random.uniform(0, 0.25))
            if wait_hint is not None:
                delay = max(delay if kind != "rate_limit" else 0.0, wait_hint)
            delay = min(delay, cfg.max_wait)
            self._count(kind)
            log.info("LLM request failed (%s, try %d of %d); retrying in %.2f s", kind, attempt, cfg.max_retries + 1, delay)
            self._sleep(delay)


def imap_unordered(fn: Callable[[Any], Any], items: Iterable[Any], concurrency: int = 4) -> Iterator[tuple[Any, Any, BaseException | None]]:
    """Yield ``(item, result, None)`` or ``(item, None, error)`` as calls finish, at most ``concurrency``
    at a time. Items are submitted lazily; closing the generator cancels the rest and waits for the calls
    in flight."""
    it = iter(items)
    pool = ThreadPoolExecutor(max_workers=max(1, int(concurrency)), thread_name_prefix="llm")
    pending: dict[Future, Any] = {}
    try:
        def fill() -> None:
            while len(pending) < max(1, int(concurrency)):
                try:
                    item = next(it)
                except StopIteration:
                    return
                pending[pool.submit(fn, item)] = item

        fill()
        while pending:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for fut in done:
                item = pending.pop(fut)
                err = fut.exception()
                yield (item, None, err) if err is not None else (item, fut.result(), None)
            fill()
    finally:
        for fut in pending:
            fut.cancel()
        pool.shutdown(wait=True, cancel_futures=True)
