"""The OpenAI-compatible client against a real HTTP server on 127.0.0.1 (see conftest.FakeLLM)."""

from __future__ import annotations

import email.utils
import socket
import time

import pytest

from core.builder.llm import LLMClient, LLMConfig, LLMError, imap_unordered, parse_retry_after
from core.errors import ConfigError

KEY = "sk-test-SUPERSECRET-0123456789"


def _cfg(fake, **kw) -> LLMConfig:
    base = dict(base_url=fake.base_url, model="fake", api_key_env="STUDIO_TEST_LLM_API_KEY", timeout=0.5,
                max_retries=2, concurrency=2, backoff_base=0.01, backoff_max=0.05)
    base.update(kw)
    return LLMConfig(**base)


def _ask(client: LLMClient, passage: str):
    return client.chat([{"role": "user", "content": f'Write 1 question.\n"""\n{passage}\n"""'}])


def test_ok_answer_and_bearer_key_from_env(fake_llm, monkeypatch):
    monkeypatch.setenv("STUDIO_TEST_LLM_API_KEY", KEY)
    with LLMClient(_cfg(fake_llm)) as client:
        res = _ask(client, "Pigs eat corn.")
    assert "Question 1 about Pigs eat corn?" in res.text
    assert res.attempts == 1
    assert fake_llm.auth == [f"Bearer {KEY}"]
    assert KEY not in repr(client)


def test_key_passed_at_call_time_wins_and_no_key_sends_no_header(fake_llm, monkeypatch):
    monkeypatch.delenv("STUDIO_TEST_LLM_API_KEY", raising=False)
    with LLMClient(_cfg(fake_llm)) as client:
        _ask(client, "one")
    with LLMClient(_cfg(fake_llm), api_key="sk-call-time-key-000") as client:
        _ask(client, "two")
    assert fake_llm.auth == [None, "Bearer sk-call-time-key-000"]


def test_429_honours_retry_after(fake_llm):
    fake_llm.retry_after = "1"
    slept: list[float] = []
    with LLMClient(_cfg(fake_llm), sleep=slept.append) as client:
        res = _ask(client, "MARK_429 rate limited passage")
    assert res.attempts == 2
    times = fake_llm.times["MARK_429 rate limited passage"]
    assert len(times) == 2 and slept == [1.0]  # waited what the server asked, not the 0.05 s back-off
    assert client.stats["retries"] == 1 and client.stats["retry_reasons"] == {"rate_limit": 1}


def test_500_retried_then_recovered_or_failed(fake_llm):
    cfg = _cfg(fake_llm, max_retries=2)
    with LLMClient(cfg) as client:
        assert _ask(client, "MARK_FLAKY once").attempts == 2
        with pytest.raises(LLMError) as err:
            _ask(client, "MARK_500 always")
    assert err.value.kind == "server_error" and err.value.status == 500
    assert err.value.attempts == 3 and fake_llm.hits["MARK_500 always"] == 3
    assert "HTTP 500" in str(err.value)
    assert client.stats["requests"] == 5 and client.stats["retries"] == 3


def test_timeout_is_retried_then_recorded(fake_llm):
    # The server answers (200) only after 5 s: a client that waited for it would get that answer, not an error.
    fake_llm.slow = 5.0
    cfg = _cfg(fake_llm, timeout=0.3, max_retries=1)
    slept: list[float] = []
    with LLMClient(cfg, sleep=slept.append) as client:
        with pytest.raises(LLMError) as err:
            _ask(client, "MARK_SLOW passage")
    assert err.value.kind == "timeout" and err.value.attempts == 2
    assert fake_llm.hits["MARK_SLOW passage"] == 2
    assert len(slept) == 1 and slept[0] <= cfg.backoff_max  # one back-off between the two attempts, nothing more
    assert "0.3 s" in str(err.value)


def test_auth_and_bad_json_and_wrong_url(fake_llm):
    with LLMClient(_cfg(fake_llm, model="needs-auth")) as client:
        with pytest.raises(LLMError) as err:
            _ask(client, "x")
    assert err.value.kind == "auth" and err.value.attempts == 1  # not retried
    with LLMClient(_cfg(fake_llm, max_retries=1)) as client:
        with pytest.raises(LLMError) as err:
            _ask(client, "MARK_BADJSON")
    assert err.value.kind == "bad_response" and err.value.attempts == 2
    cfg = _cfg(fake_llm)
    cfg.base_url = fake_llm.base_url.replace("/v1", "/nowhere/x")
    with LLMClient(cfg) as client:
        with pytest.raises(LLMError) as err:
            _ask(client, "y")
    assert err.value.kind == "http_error" and err.value.status == 404


def test_connection_refused_is_a_connection_error():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = LLMConfig(base_url=f"http://127.0.0.1:{port}/v1", model="m", timeout=0.5, max_retries=1, backoff_base=0.01)
    with LLMClient(cfg) as client:
        with pytest.raises(LLMError) as err:
            client.chat([{"role": "user", "content": "hi"}])
    assert err.value.kind == "connection" and err.value.attempts == 2


def test_concurrency_through_thread_pool(fake_llm):
    fake_llm.delay = 0.3
    cfg = _cfg(fake_llm, concurrency=3)
    with LLMClient(cfg) as client:
        results = list(imap_unordered(lambda p: _ask(client, p).text, [f"passage {i}" for i in range(6)], cfg.concurrency))
    assert len(results) == 6 and all(err is None for _, _, err in results)
    assert fake_llm.max_in_flight == 3  # three requests were served at once, never more


def test_imap_unordered_reports_errors_and_stops_early():
    def fn(x):
        if x == 2:
            raise ValueError("boom")
        return x * 10

    out = {item: (res, err) for item, res, err in imap_unordered(fn, range(5), 2)}
    assert out[1] == (10, None) and isinstance(out[2][1], ValueError)
    started = []
    gen = imap_unordered(lambda x: started.append(x) or x, range(100), 2)
    next(gen)
    gen.close()
    assert len(started) < 100


def test_config_never_holds_the_key(monkeypatch, tmp_path):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    cfg = LLMConfig(base_url="https://api.example.com/v1/", model="gpt-x")
    assert cfg.resolve_api_key() == KEY
    assert cfg.endpoint == "https://api.example.com/v1/chat/completions"
    for text in (repr(cfg), str(cfg.to_dict())):
        assert KEY not in text
    assert LLMConfig.from_dict({**cfg.to_dict(), "api_key": KEY}) == cfg
    with pytest.raises(ConfigError) as err:
        LLMConfig(base_url="https://api.example.com/v1", model="m", api_key_env=KEY)
    assert KEY not in str(err.value) and "NAME of an environment variable" in str(err.value)
    LLMConfig(base_url="https://x/v1", model="m", api_key_env="MY_COMPANY_DEEPSEEK_API_KEY_2024")  # a long name is fine
    with pytest.raises(ConfigError, match="not valid"):
        LLMConfig(base_url="ftp://x", model="m")
    with pytest.raises(ConfigError, match="password"):
        LLMConfig(base_url="https://user:pw@x/v1", model="m")


@pytest.mark.parametrize("name", ["HOME", "HF_TOKEN", "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN", "PATH"])
def test_only_a_variable_named_like_an_api_key_is_sent(monkeypatch, name):
    """The key variable's value goes to whatever endpoint the user names: a variable not named like an API key
    (HOME, HF_TOKEN, AWS_SECRET_ACCESS_KEY...) is refused before any request, naming the rule; a shared studio does
    not lend the environment's key at all (``from_env=False``)."""
    with pytest.raises(ConfigError, match=rf"^The API key variable '{name}' is not named like an API key"):
        LLMConfig(base_url="https://x/v1", model="m", api_key_env=name)
    monkeypatch.setenv("DEEPSEEK_API_KEY", KEY)
    cfg = LLMConfig(base_url="https://x/v1", model="m", api_key_env="DEEPSEEK_API_KEY")
    assert cfg.resolve_api_key() == KEY and cfg.resolve_api_key(from_env=False) is None
    assert cfg.resolve_api_key("typed", from_env=False) == "typed"


def test_parse_retry_after_forms():
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("0.5") == 0.5
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    date = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= parse_retry_after(date) <= 31


class _DripServer:
    """A 127.0.0.1 HTTP server that answers 200 with a valid chat completion, one byte every ``gap`` seconds."""

    def __init__(self, gap: float):
        import http.server
        import threading

        body = b'{"choices": [{"message": {"content": "' + b"x" * 200 + b'"}}]}'
        self.sent = 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    for i in range(len(body)):
                        self.wfile.write(body[i:i + 1])
                        self.wfile.flush()
                        server.sent += 1
                        time.sleep(gap)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_slow_drip_answer_hits_the_total_deadline():
    drip = _DripServer(gap=0.1)  # each byte well inside the per-read timeout; the whole answer would take ~7 s
    try:
        cfg = LLMConfig(base_url=drip.base_url, model="m", timeout=1.0, max_retries=0)
        with LLMClient(cfg) as client:
            with pytest.raises(LLMError) as err:
                client.chat([{"role": "user", "content": "hi"}])
    finally:
        drip.close()
    assert err.value.kind == "timeout" and err.value.attempts == 1
    assert "did not arrive in full within 1 s" in str(err.value)
    assert 0 < drip.sent < 60  # cut off part-way, long before the 230-byte answer was complete


def test_answer_larger_than_max_bytes_is_refused(fake_llm):
    with LLMClient(_cfg(fake_llm, max_bytes=20, max_retries=0)) as client:
        with pytest.raises(LLMError) as err:
            _ask(client, "a normal passage")
    assert err.value.kind == "too_large" and "larger than 20 bytes" in str(err.value)


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:18902/v1?api_key=sk-AUDIT0123456789abcdef",
    "http://127.0.0.1:18902/v1?key=x&token=abc",
    "http://127.0.0.1:18902/v1?q=sk-AUDIT0123456789abcdefgh",
    "http://127.0.0.1:18902/hf_abcdefghijklmnopqrstuvwx/v1",
])
def test_a_key_in_the_base_url_is_refused_without_echoing_it(url):
    """The base URL is saved in the build report: a key in its query string or path is refused (like a user name
    and password), and the sentence does not repeat the URL."""
    with pytest.raises(ConfigError, match="carries what looks like a key") as info:
        LLMConfig(base_url=url, model="m")
    assert "AUDIT" not in str(info.value) and "abc" not in str(info.value)
    LLMConfig(base_url="https://x.openai.azure.com/openai/deployments/d?api-version=2024-02-01", model="gpt-4o-mini")
    with pytest.raises(ConfigError, match="model name looks like a key"):
        LLMConfig(base_url="http://127.0.0.1:18902/v1", model="sk-AUDIT0123456789abcdefgh")
