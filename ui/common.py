"""Shared UI plumbing: the error-handling decorator, the language re-labeller, small formatting helpers.

- ``handler(fn)``: wraps an event handler (plain function or generator). A ``StudioError`` becomes a
  ``gr.Error`` carrying its one-sentence message in the page's language (``ui.strings.tr_engine``; shown as an
  error toast); any other exception is logged with its traceback on the server and shown as one short sentence.
  Never a stack trace in the page. The page's language is looked up by the event's session: the language
  switch calls ``remember_language`` and the wrapper asks Gradio for the ``gr.Request`` (it adds a parameter
  annotated ``gr.Request`` to the wrapped function's signature; the wrapped function's inputs are unchanged).
- ``Labeler``: components register the string key of their label / value / info; ``Labeler.updates(lang)``
  returns one ``gr.update`` per registered component, so one ``.change`` on the language switch re-labels
  the whole page (Gradio's own ``gr.I18n`` follows the browser locale only, not an in-page switch).
- ``LanguageViews``: dynamic text (results already on the page) shown again in the new language when the switch
  changes: each tab's last results live in ``gr.State``s, rendered by one pure function per output group.
- ``offer_download(path, move=False) -> str``: the ONLY way a file reaches a download output (``gr.File``):
  a copy (or, for a temp product, the file itself moved) in a fresh per-request folder under
  ``download_root()``; folders older than ``DOWNLOAD_TTL`` seconds are removed. Run and dataset folders are
  never served as such (``ui.app.launch_kwargs`` blocks them).
- ``current_request()`` / ``request_owner()`` / ``request_language()``: the event's request, its caller as a run
  owner (``core.training.owners``: the logged-in user, else the browser session) and its page language.
- ``public_mode() -> bool``: ``STUDIO_PUBLIC`` (``1/true/yes/on``; default on inside a Hugging Face Space,
  ``SPACE_ID`` set; ``0/false/no/off`` turns it off); ``refuse_in_public(key, lang)`` raises the
  ``StudioError`` sentence ``key`` (``public_off_hub`` / ``public_off_llm``) when it is on.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import logging
import math
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from core.errors import StudioError
from ui.inputs import remember_label_key
from ui.strings import t, tr_engine

log = logging.getLogger("studio.ui")

# session_hash -> "en" / "zh", set by the language switch (``remember_language``); bounded.
_SESSION_LANG: OrderedDict[str, str] = OrderedDict()
_SESSION_LANG_MAX = 10_000
_LANG_LOCK = threading.Lock()


def remember_language(request: gr.Request | None, lang: str) -> None:
    """Record the language the page of ``request``'s session shows (called by the language switch)."""
    key = getattr(request, "session_hash", None)
    if not key:
        return
    with _LANG_LOCK:
        _SESSION_LANG[key] = "zh" if lang == "zh" else "en"
        _SESSION_LANG.move_to_end(key)
        while len(_SESSION_LANG) > _SESSION_LANG_MAX:
            _SESSION_LANG.popitem(last=False)


def session_language(request: gr.Request | None) -> str:
    """The language last chosen in ``request``'s session ("en" when unknown)."""
    key = getattr(request, "session_hash", None)
    with _LANG_LOCK:
        return _SESSION_LANG.get(key, "en") if key else "en"


def _friendly(err: BaseException, lang: str = "en") -> str:
    first = (str(err).strip().splitlines() or [""])[0][:300]
    kind = type(err).__name__
    return t("unexpected_error", lang, kind=kind, detail=first) if first else t("unexpected_error_bare", lang, kind=kind)


def _convert(fn_name: str, err: BaseException, lang: str = "en") -> gr.Error:
    if isinstance(err, gr.Error):
        return gr.Error(tr_engine(str(err.message), lang), print_exception=False) if lang != "en" else err
    if isinstance(err, StudioError):
        log.info("%s: %s", fn_name, err)
        return gr.Error(tr_engine(str(err), lang), print_exception=False)
    log.exception("handler %s failed", fn_name)
    return gr.Error(_friendly(err, lang), print_exception=False)


_REQUEST_PARAM = "_studio_request"


def _split_request(args: tuple, kwargs: dict) -> tuple[tuple, dict, gr.Request | None]:
    """Take out the ``gr.Request`` Gradio passed for the added parameter (the wrapped function never asked)."""
    request = kwargs.pop(_REQUEST_PARAM, None)
    rest = []
    for a in args:
        if request is None and isinstance(a, gr.Request):
            request = a
        else:
            rest.append(a)
    return tuple(rest), kwargs, request


def _with_request_param(wrapper: Callable, fn: Callable) -> Callable:
    """Give ``wrapper`` ``fn``'s signature plus one positional parameter annotated ``gr.Request``.

    Gradio (``gradio.helpers.special_args``) reads ``inspect.signature`` and ``typing.get_type_hints`` of the
    event function and inserts the request at that parameter's position; API info and input counting skip
    such parameters, so the event's inputs stay those of ``fn``. The parameter goes after the last positional
    parameter (before ``*args``), with a default so direct calls need not pass it."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return wrapper
    hints = dict(getattr(fn, "__annotations__", {}) or {})
    if any(h is gr.Request for h in hints.values()):
        return wrapper  # fn asks for the request itself: it gets it as before, and so do we
    params = list(sig.parameters.values())
    at = next((i for i, p in enumerate(params) if p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)),
              len(params))
    extra = inspect.Parameter(_REQUEST_PARAM, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None,
                              annotation=gr.Request)
    try:
        wrapper.__signature__ = sig.replace(parameters=params[:at] + [extra] + params[at:])
    except ValueError:  # e.g. a required parameter after the insertion point: leave the signature alone
        return wrapper
    hints[_REQUEST_PARAM] = gr.Request
    wrapper.__annotations__ = hints  # a copy: functools.wraps shared fn's dict
    return wrapper


_REQUEST: contextvars.ContextVar[gr.Request | None] = contextvars.ContextVar("studio_request", default=None)


def current_request() -> gr.Request | None:
    """The ``gr.Request`` of the event being handled (set by ``handler``), None outside an event."""
    return _REQUEST.get()


def request_owner() -> str | None:
    """Who the current event's caller is, as a run owner (``core.training.owners.owner_key``): the logged-in
    user, else the browser session."""
    from core.training.owners import owner_key

    req = current_request()
    return owner_key(getattr(req, "username", None), getattr(req, "session_hash", None))


def usable_model(spec: str | None) -> str | None:
    """``spec`` when the caller may use it as a model (``core.training.owners.check_model_source``: on a shared
    studio a local folder only inside the caller's own runs); else a ModelSourceError with one sentence."""
    from core.training.owners import check_model_source

    check_model_source(spec, request_owner())
    return spec


def request_language() -> str:
    """The language the current event's page shows."""
    return session_language(current_request())


def handler(fn: Callable) -> Callable:
    """Turn engine errors into readable page messages in the session's language (see module docstring); the
    event's ``gr.Request`` is ``current_request()`` while ``fn`` runs."""
    if inspect.isgeneratorfunction(fn):
        @functools.wraps(fn)
        def gen_wrapper(*args, **kwargs):
            args, kwargs, request = _split_request(args, kwargs)
            gen = fn(*args, **kwargs)
            while True:  # each step may run in another worker thread: set the request for each
                token = _REQUEST.set(request)
                try:
                    out = next(gen)
                except StopIteration:
                    return
                except Exception as err:  # noqa: BLE001 - the whole point
                    raise _convert(fn.__name__, err, session_language(request)) from None
                finally:
                    _REQUEST.reset(token)
                yield out
        return _with_request_param(gen_wrapper, fn)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        args, kwargs, request = _split_request(args, kwargs)
        token = _REQUEST.set(request)
        try:
            return fn(*args, **kwargs)
        except Exception as err:  # noqa: BLE001
            raise _convert(fn.__name__, err, session_language(request)) from None
        finally:
            _REQUEST.reset(token)
    return _with_request_param(wrapper, fn)


def check_first(trigger: Callable, check: Callable, inputs) -> Any:
    """Run ``check(*inputs)`` (it raises the one-sentence error of a missing prerequisite: no run picked, no file
    chosen) as an event of its own with no outputs, and return it for ``.success(...)`` to chain the real event.
    A failed event badges each of its outputs "Error" and a failed load would clear them; this one has none, so
    the page shows the toast only. API callers call the chained event, which checks the same again."""
    @functools.wraps(check)
    def checked(*args) -> None:  # whatever ``check`` returns, this event has nothing to show
        check(*args)

    return trigger(handler(checked), inputs, None, api_name=False, show_progress="hidden")


class Labeler:
    """Registry of (component, attribute -> string key) for the language switch."""

    def __init__(self):
        self.items: list[tuple[gr.components.Component | gr.blocks.BlockContext, dict[str, str]]] = []

    def add(self, comp, label: str | None = None, value: str | None = None, info: str | None = None,
            placeholder: str | None = None, choices: list[tuple[str, Any]] | None = None):
        """Register ``comp``; each given key names a string in ui.strings. Returns ``comp``."""
        keys = {k: v for k, v in (("label", label), ("value", value), ("info", info), ("placeholder", placeholder)) if v}
        if label:
            remember_label_key(comp, label)  # Gradio's own input errors name the field in the session's language
        if choices:
            keys["choices"] = choices  # [(string key, value)]
        self.items.append((comp, keys))
        return comp

    @property
    def components(self) -> list:
        return [c for c, _ in self.items]

    def updates(self, lang: str) -> list:
        out = []
        for _, keys in self.items:
            kw = {}
            for attr, key in keys.items():
                if attr == "choices":
                    kw["choices"] = [(t(k, lang), v) for k, v in key]
                else:
                    kw[attr] = t(key, lang)
            out.append(gr.update(**kw))
        return out


def _render_msg(msg, lang: str) -> list:
    return [msg.render(lang)]


class LanguageViews:
    """Dynamic text that follows the language switch (``Ctx.views``).

    A tab keeps the language-free result of an action (an engine result or a small typed record, never rendered
    text) in a ``gr.State`` and writes one pure ``render(result, lang) -> [value per output]``.
    ``show = views.add(group, state, outputs, render)`` registers them; the action returns
    ``show(result, lang)`` = ``[result, *render(result, lang)]`` for the outputs ``[state, *outputs]`` (or uses
    ``render`` for the parts of a longer output list), so the action and the switch draw the same text with the
    same function. ``wire(lang)`` adds one ``lang.change`` event per group, API name ``<group>_language`` (input:
    the language; the states are read from the session), that renders every registered output again from its
    state; the outputs of a state still holding None are left as they are."""

    def __init__(self):
        self.groups: dict[str, list[tuple[Any, list, Callable]]] = {}

    def add(self, group: str, state, outputs: list, render: Callable, blank: Callable | None = None) -> Callable:
        """Register ``render`` for ``outputs``; ``blank(lang) -> [value per output]``, when given, is what they show
        in ``lang`` while ``state`` still holds None (an empty table's headers), else the switch leaves them."""
        self.groups.setdefault(group, []).append((state, list(outputs), render, blank))

        def show(result, lang: str = "en") -> list:
            return [result, *render(result, lang)]
        return show

    def add_text(self, group: str, state, output) -> Callable:
        """``add`` for one Markdown ``output`` showing a ``ui.strings.Msg`` kept in ``state``."""
        return self.add(group, state, [output], _render_msg)

    def rerender(self, group: str) -> Callable:
        """The ``lang.change`` function of ``group``: ``(lang, *results) -> [value per output]``."""
        items = self.groups[group]

        def rerender(lang: str, *results) -> list:
            out = []
            for (_, outs, render, blank), result in zip(items, results):
                if result is not None:
                    out += list(render(result, lang))
                else:
                    out += list(blank(lang)) if blank else [gr.skip()] * len(outs)
            return out
        rerender.__name__ = f"{group}_language"
        return rerender

    def wire(self, lang) -> None:
        for group, items in self.groups.items():
            lang.change(handler(self.rerender(group)), [lang, *(s for s, _, _, _ in items)],
                        [o for _, outs, _, _ in items for o in outs], api_name=f"{group}_language", show_progress="hidden")


def empty_table(keys, lang: str = "en"):
    """A table with no rows whose headers are the column ``keys`` in ``lang`` (``ui.strings.table_headers``): what a
    Dataframe shows before its action has run. Without headers Gradio shows the placeholders 1, 2, 3."""
    import pandas as pd

    from ui.strings import table_headers

    return pd.DataFrame(columns=table_headers(keys, lang))


def fmt_num(v: Any, digits: int = 4) -> str:
    if isinstance(v, bool) or v is None:
        return "-" if v is None else str(v)
    if isinstance(v, (int,)):
        return str(v)
    if isinstance(v, float):
        return "-" if not math.isfinite(v) else f"{v:.{digits}f}"
    return str(v)


def fmt_seconds(s: Any) -> str:
    if not isinstance(s, (int, float)) or not math.isfinite(s) or s < 0:
        return "-"
    s = int(round(s))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def progress_html(fraction: float | None, text: str) -> str:
    pct = max(0.0, min(1.0, fraction or 0.0)) * 100
    return (f'<div class="studio-progress" data-fraction="{pct / 100:.4f}">'
            f'<div class="studio-progress-bar" style="width:{pct:.1f}%"></div>'
            f'<span class="studio-progress-text">{text}</span></div>')


def error_box(message: str) -> str:
    return f'<div class="studio-error">⚠️ {message}</div>'


def progress_fn(progress, lang: str = "en"):
    """An engine ``ProgressFn`` that drives a ``gr.Progress`` bar: the stage in words of ``lang``
    (``ui.strings.stage_word``: "选择交付模型 2/5", not "deliver 2/5") and done/total."""
    from ui.strings import stage_word

    def fn(p):
        try:
            progress(p.fraction if p.fraction is not None else 0.0,
                     desc=f"{stage_word(p.stage, lang)} {p.done:,}/{f'{p.total:,}' if p.total else '?'}")
        except Exception:
            pass
    return fn


DOWNLOAD_TTL = 3600.0  # seconds a prepared download stays on disk


def download_root() -> Path:
    """Folder holding the per-request download folders (``STUDIO_DOWNLOAD_DIR``, else the system temp dir)."""
    root = Path(os.environ.get("STUDIO_DOWNLOAD_DIR") or Path(tempfile.gettempdir()) / "studio-downloads")
    root.mkdir(parents=True, exist_ok=True)
    return root


def _prune_downloads(root: Path, now: float) -> None:
    for old in root.iterdir():
        try:
            if old.is_dir() and now - old.stat().st_mtime > DOWNLOAD_TTL:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass


def offer_download(path: str | os.PathLike, move: bool = False) -> str:
    """Put the file ``path`` (one the user asked to download) in a fresh folder of its own and return the new
    path for a ``gr.File`` output. ``move=True`` for a temp file made for this download (no second copy).
    Raises ``StudioError`` when ``path`` is not a file."""
    src = Path(path)
    if not src.is_file():
        raise StudioError(f"The file '{src.name}' to download does not exist.")
    root = download_root()
    _prune_downloads(root, time.time())
    folder = root / uuid.uuid4().hex
    folder.mkdir()
    dest = folder / src.name
    if move:
        shutil.move(str(src), dest)
        try:
            src.parent.rmdir()  # the temp folder it was made in, when now empty
        except OSError:
            pass
    else:
        shutil.copyfile(src, dest)
    return str(dest)


def public_mode() -> bool:
    """True on a public deployment: Hub push and LLM endpoints are off (``core.deployment.public_mode``)."""
    from core.deployment import public_mode as _public

    return _public()


def refuse_in_public(key: str, lang: str = "en") -> None:
    """Raise StudioError with the sentence ``key`` when ``public_mode()`` is on."""
    if public_mode():
        raise StudioError(t(key, lang))
