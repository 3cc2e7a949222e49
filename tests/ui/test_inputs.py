"""Values Gradio itself cannot take (``ui.inputs``): one sentence naming the field, the value and what it takes, in
the session's language; a checkbox takes only true or false and a text field only text.

Unit tests build components in a throw-away ``gr.Blocks``; the end-to-end tests send bad values to the running
studio through gradio_client (the Chromium case is in ``test_browser_i18n.py``)."""

from __future__ import annotations

import re
from types import SimpleNamespace

import gradio as gr
import pytest

from tests.ui.test_i18n import _client, _error
from ui.inputs import expected, input_error, remember_label_key

HAN = re.compile(r"[\u4e00-\u9fff]")


def _fn(*blocks):
    return SimpleNamespace(inputs=list(blocks))


def test_each_kind_of_field_says_what_it_takes():
    with gr.Blocks():
        batch = gr.Number(32, precision=0, minimum=1, maximum=4096, label="Batch size")
        share = gr.Slider(0, 0.5, value=0.1, step=0.05, label="Share")
        top = gr.Slider(1, 30, value=10, step=1, label="Top k")
        lang = gr.Radio([("English", "en"), ("中文", "zh")], value="en", label="Language")
        models = gr.CheckboxGroup(["minilm", "e5"], label="Models")
        free = gr.Dropdown(["bm25"], value="bm25", allow_custom_value=True, label="Model")
        upload = gr.File(label="File")
        table = gr.Dataframe(label="Rows")
        flag = gr.Checkbox(label="Flag")
    assert expected(batch, "en") == "a whole number from 1 to 4096"
    assert expected(share, "en") == "a number from 0 to 0.5"
    assert expected(top, "en") == "a whole number from 1 to 30"
    assert expected(lang, "en") == "one of: en, zh"
    assert expected(models, "en") == "a list of values among: minilm, e5"
    assert expected(free, "en") == "text, such as one of: bm25"
    assert expected(upload, "en") == "a file uploaded to the studio"
    assert expected(table, "en") == "a table (headers and rows)"
    assert expected(flag, "zh") == "true 或 false"
    assert expected(batch, "zh") == "1 到 4096 之间的一个整数"


def test_the_first_value_gradio_cannot_take_is_named_with_the_label_in_the_session_language():
    with gr.Blocks():
        batch = gr.Number(32, precision=0, minimum=1, maximum=4096, label="Batch size")
        lang = gr.Radio(["en", "zh"], value="en", label="Language")
    remember_label_key(batch, "chunk_size")  # as ui.common.Labeler.add does: the label's string key
    fn = _fn(batch, lang)
    assert input_error(fn, [32, "en"]) == ""
    assert input_error(fn, ["lots", "en"]) == ("Passage size (characters): 'lots' cannot be used here; expected a whole "
                                               "number from 1 to 4096.")
    assert input_error(fn, [0, "en"]).startswith("Passage size (characters): 0 cannot be used here")
    assert input_error(fn, [32, "fr"]) == "Language: 'fr' cannot be used here; expected one of: en, zh."
    assert input_error(fn, ["lots", "en"], "zh") == "段落长度（字符）：不能使用 'lots'；需要1 到 4096 之间的一个整数。"
    assert input_error(fn, [32]) == "This action takes 2 values; 1 were sent."


def test_a_string_is_not_a_boolean_and_a_number_is_not_text():
    with gr.Blocks():
        flag = gr.Checkbox(label="Use the sample")
        name = gr.Textbox(label="Name")
        free = gr.Dropdown(["bm25"], value="bm25", allow_custom_value=True, label="Model")
    fn = _fn(flag, name, free)
    assert input_error(fn, [True, "run", "bm25"]) == ""
    assert input_error(fn, [None, None, None]) == ""
    assert input_error(fn, ["false", "run", "bm25"]) == ("Use the sample: 'false' cannot be used here; expected true or "
                                                         "false.")
    assert input_error(fn, [False, 5, "bm25"]) == "Name: 5 cannot be used here; expected text."
    assert input_error(fn, [False, "run", {"a": 1}]).startswith("Model: {'a': 1} cannot be used here")


def test_a_fraction_in_a_whole_number_box_is_refused_not_rounded():
    """Gradio's own preprocess rounds 3.5 to 4 for a box of precision 0; the studio refuses it (and true/false)."""
    with gr.Blocks():
        batch = gr.Number(32, precision=0, minimum=1, label="Batch size")
        lr = gr.Number(2e-5, label="Learning rate")
    fn = _fn(batch, lr)
    assert batch.preprocess(3.5) == 4  # what happened before
    assert input_error(fn, [3.5, 2e-5]) == "Batch size: 3.5 cannot be used here; expected a whole number of at least 1."
    assert input_error(fn, [4.0, 2e-5]) == input_error(fn, [4, 3e-5]) == ""
    assert input_error(fn, [4, True]) == "Learning rate: True cannot be used here; expected a number."
    with gr.Blocks():
        top = gr.Slider(1, 30, value=10, step=1, label="Top k")
        share = gr.Slider(0, 0.5, value=0.1, step=0.05, label="Share")
    assert input_error(_fn(top, share), [2.5, 0.15]) == "Top k: 2.5 cannot be used here; expected a whole number from 1 to 30."
    assert input_error(_fn(top, share), [3, 0.15]) == ""


def test_a_long_value_is_cut_in_the_sentence():
    with gr.Blocks():
        lang = gr.Radio(["en", "zh"], value="en", label="Language")
    said = input_error(_fn(lang), ["x" * 500])
    assert len(said) < 160 and "…" in said


@pytest.fixture(scope="module")
def fresh(studio):
    return _client(studio)


def test_the_studio_names_the_field_gradio_refused(fresh):
    """Before: a bare "Error" with no message (the handler never ran). Now one sentence per field kind."""
    assert _error(fresh, 5, api_name="/set_language") == "Language / 语言: 5 cannot be used here; expected one of: en, zh."
    said = _error(fresh, "bm25", "three", 50, 2, 0.05, "en", api_name="/build_mine")
    assert said == "Rank window: from: 'three' cannot be used here; expected a whole number of at least 0.", said
    said = _error(fresh, None, "all", False, "en", api_name="/export_zip")
    assert said.endswith(": 'all' cannot be used here; expected one of: delivered, final, best."), said
    said = _error(fresh, None, "delivered", "yes", "en", api_name="/export_zip")  # a string is not a boolean
    assert said.startswith("I understand this model is worse") and said.endswith("'yes' cannot be used here; expected "
                                                                                 "true or false."), said
    said = _error(fresh, None, "yes", 512, 64, "en", api_name="/build_passages")
    assert said == "Use the sample knowledge-base passages: 'yes' cannot be used here; expected true or false.", said


def test_the_sentence_follows_the_session_language(studio):
    c = _client(studio)  # a session of its own: the language switch stays in it
    c.predict("zh", api_name="/set_language")
    said = _error(c, "bm25", "three", 50, 2, 0.05, "zh", api_name="/build_mine")
    assert HAN.search(said) and "cannot be used" not in said and "'three'" in said, said
    c.predict("en", api_name="/set_language")
    assert "cannot be used here" in _error(c, "bm25", "three", 50, 2, 0.05, "en", api_name="/build_mine")
