"""Gradio's own input checks, in the studio's words and the session's language.

Before an event's function runs, Gradio checks and converts each input value (``Blocks.preprocess_data``: the
component's data model, then its ``preprocess``). A value it cannot take (text for a number, a number outside a
slider, a value that is not one of a dropdown's choices, a dict for a file) raised an exception that the page showed
as a bare "Error" and the API answered with no message: our handlers, which give every other error one sentence
(``ui.common.handler``), never ran.

``StudioBlocks`` is the app's ``gr.Blocks``: when preprocessing fails it finds the first input Gradio cannot take
and raises ``gr.Error`` with one sentence naming the field (its label in the session's language), the value given
and what the field expects, e.g. "Batch size: 'lots' cannot be used here; expected a number from 1 to 4096."
``input_error(block_fn, inputs, lang)`` builds that sentence.
"""

from __future__ import annotations

import contextvars
from types import SimpleNamespace
from typing import Any

import gradio as gr

from ui.strings import t

_LANG: contextvars.ContextVar[str] = contextvars.ContextVar("studio_input_lang", default="en")
_LABEL_KEY = "_studio_label_key"  # set by ui.common.Labeler.add: the ui.strings key of a component's label
_MAX_CHOICES = 12
_MAX_VALUE_CHARS = 60


def remember_label_key(comp: Any, key: str) -> None:
    """Record that ``comp``'s label is the string ``key`` of ``ui.strings`` (for the sentences below)."""
    try:
        setattr(comp, _LABEL_KEY, key)
    except AttributeError:  # a block that takes no attributes has no input to name
        pass


def _field(block: Any, index: int, lang: str) -> str:
    key = getattr(block, _LABEL_KEY, None)
    if key:
        return t(key, lang)
    label = getattr(block, "label", None)
    return str(label) if label else t("input_field_unnamed", lang, n=index + 1)


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 1] + "…"


def _num(x: Any) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def _choice_values(block: Any) -> str:
    values = [c[1] if isinstance(c, (tuple, list)) and len(c) == 2 else c for c in (getattr(block, "choices", None) or [])]
    shown = ", ".join(str(v) for v in values[:_MAX_CHOICES])
    return shown + (", …" if len(values) > _MAX_CHOICES else "")


def _whole(block: Any) -> bool:
    """Whether a number field takes whole numbers only: a box of precision 0, or a slider whose step and bounds are
    whole."""
    if isinstance(block, gr.Slider):
        return all(float(v).is_integer() for v in (block.step or 1, block.minimum, block.maximum) if v is not None)
    return getattr(block, "precision", None) == 0


def expected(block: Any, lang: str) -> str:
    """What ``block`` takes, as a phrase ("a number from 1 to 4096", "one of: en, zh", "a table")."""
    if isinstance(block, (gr.Number, gr.Slider)):
        lo, hi = getattr(block, "minimum", None), getattr(block, "maximum", None)
        kind = t("input_whole_number" if _whole(block) else "input_number", lang)
        if lo is not None and hi is not None:
            return t("input_expect_range", lang, kind=kind, lo=_num(lo), hi=_num(hi))
        if lo is not None:
            return t("input_expect_min", lang, kind=kind, lo=_num(lo))
        if hi is not None:
            return t("input_expect_max", lang, kind=kind, hi=_num(hi))
        return kind
    if isinstance(block, gr.CheckboxGroup):
        return t("input_expect_subset", lang, choices=_choice_values(block))
    if isinstance(block, gr.Dropdown) and getattr(block, "allow_custom_value", False):
        choices = _choice_values(block)
        return t("input_expect_text_like", lang, choices=choices) if choices else t("input_expect_text", lang)
    if isinstance(block, (gr.Dropdown, gr.Radio)):
        if isinstance(block, gr.Dropdown) and getattr(block, "multiselect", False):
            return t("input_expect_subset", lang, choices=_choice_values(block))
        return t("input_expect_choice", lang, choices=_choice_values(block))
    if isinstance(block, gr.Checkbox):
        return t("input_expect_bool", lang)
    if isinstance(block, gr.File):
        many = getattr(block, "file_count", "single") != "single"
        return t("input_expect_files" if many else "input_expect_file", lang)
    if isinstance(block, gr.Dataframe):
        return t("input_expect_table", lang)
    if isinstance(block, gr.Textbox):
        return t("input_expect_text", lang)
    return t("input_expect_other", lang)


def _typed(block: Any, value: Any) -> bool:
    """The studio's own type rule where Gradio passes a value through or changes it: a checkbox takes true or false
    (a string is not a boolean), a text box or a free-text dropdown takes text, a whole-number box takes a whole
    number (Gradio would round 3.5 to 4) and no number field takes true or false."""
    if value is None:
        return True
    if isinstance(block, (gr.Number, gr.Slider)):
        if isinstance(value, bool):
            return False
        if _whole(block) and isinstance(value, float) and not value.is_integer():
            return False  # Gradio would round 3.5 to 4 (a box) or pass 2.5 on (a slider) without a word
        return True
    if isinstance(block, gr.Checkbox):
        return isinstance(value, bool)
    if isinstance(block, gr.Textbox):
        return isinstance(value, str)
    if isinstance(block, gr.Dropdown) and getattr(block, "allow_custom_value", False):
        if getattr(block, "multiselect", False):
            return isinstance(value, list) and all(isinstance(v, str) for v in value)
        return isinstance(value, str)
    return True


def _refused(block_fn: Any, inputs: list[Any], lang: str, gradio_too: bool) -> str:
    """The sentence for the first input that breaks the studio's type rule (and, with ``gradio_too``, that Gradio's
    own checks refuse), or ""."""
    for i, (block, value) in enumerate(zip(block_fn.inputs, inputs)):
        if getattr(block, "stateful", False) or not hasattr(block, "preprocess"):
            continue
        if not _typed(block, value) or (gradio_too and not _takes(block, value)):
            return t("input_refused", lang, field=_field(block, i, lang), value=_shown(value), expected=expected(block, lang))
    return ""


def _takes(block: Any, value: Any) -> bool:
    """Whether Gradio's own checks accept ``value`` for ``block`` (its data model, then its preprocess)."""
    try:
        model = getattr(block, "data_model", None)
        if model is not None and value is not None:
            value = model.model_validate(value, context={"validate_meta": True})
        block.preprocess(value)
    except Exception:  # noqa: BLE001 - any failure means Gradio would refuse it
        return False
    return True


def input_error(block_fn: Any, inputs: list[Any], lang: str = "en") -> str:
    """One sentence for the first of ``inputs`` that ``block_fn``'s input components cannot take, or for a wrong
    number of values; a general sentence when each value alone is fine (e.g. a file outside the upload folder)."""
    if len(inputs) < len(block_fn.inputs):
        return t("input_count", lang, need=len(block_fn.inputs), got=len(inputs))
    return _refused(block_fn, inputs, lang, gradio_too=True)


def _language_of(session_hash: str | None) -> str:
    from ui.common import session_language

    return session_language(SimpleNamespace(session_hash=session_hash))  # it reads only the session hash


class StudioBlocks(gr.Blocks):
    """``gr.Blocks`` whose input-preprocessing failures are one sentence in the session's language (see above)."""

    async def process_api(self, block_fn, inputs, state=None, request=None, iterator=None, session_hash=None,
                          *args, **kwargs):
        token = _LANG.set(_language_of(session_hash))
        try:
            return await super().process_api(block_fn, inputs, state, request, iterator, session_hash, *args, **kwargs)
        finally:
            _LANG.reset(token)

    async def preprocess_data(self, block_fn, inputs, state, explicit_call=False):
        typed = _refused(block_fn, list(inputs), _LANG.get(), gradio_too=False)  # type checks only: cheap
        if typed:
            raise gr.Error(typed, print_exception=False)
        try:
            return await super().preprocess_data(block_fn, inputs, state, explicit_call)
        except Exception as err:  # noqa: BLE001 - every refusal gets the studio's sentence
            sentence = input_error(block_fn, list(inputs), _LANG.get())
            if sentence:
                raise gr.Error(sentence, print_exception=False) from None
            if isinstance(err, gr.Error):
                raise  # Gradio's own sentence (e.g. a file outside the upload folder)
            raise gr.Error(t("input_refused_unknown", _LANG.get()), print_exception=False) from None
