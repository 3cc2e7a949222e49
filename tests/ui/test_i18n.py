"""The page's language reaches its error messages: after the 中文 switch, errors come back in Chinese.

Drives the running studio through gradio_client: ``set_language`` in one session, then endpoints with bad input.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.timeout(240)

HAN = re.compile(r"[\u4e00-\u9fff]")


def _client(studio):
    from gradio_client import Client

    return Client(studio["url"], verbose=False)


def _error(c, *args, api_name):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError) as info:
        c.predict(*args, api_name=api_name)
    return str(info.value)


def test_errors_follow_the_language_switch(studio):
    c = _client(studio)
    # English first: a missing upload names what to do
    msg = _error(c, "upload", None, None, None, "en", 1, 10, api_name="/data_load")
    assert "Choose a training file" in msg and not HAN.search(msg)

    c.predict("zh", api_name="/set_language")
    msg = _error(c, "upload", None, None, None, "zh", 1, 10, api_name="/data_load")
    assert msg.strip() == "请先选择要上传的训练文件。"
    # an engine error with a value: an empty upload -> the engine's sentence in Chinese, the file name carried over
    from gradio_client import handle_file

    empty = studio["sample"].parent / "empty-upload.csv"
    empty.write_bytes(b"")
    msg = _error(c, "upload", None, handle_file(str(empty)), None, "zh", 1, 10, api_name="/data_load")
    assert HAN.search(msg) and "empty-upload.csv" in msg, msg
    # the Compare tab without a run
    msg = _error(c, None, "猪饲料", 5, "zh", api_name="/compare")  # (the data State is not an API input)
    assert HAN.search(msg) and "Choose" not in msg, msg

    # back to English in the same session
    c.predict("en", api_name="/set_language")
    msg = _error(c, "upload", None, None, None, "en", 1, 10, api_name="/data_load")
    assert "Choose a training file" in msg


def test_language_is_per_session(studio):
    zh, en = _client(studio), _client(studio)
    zh.predict("zh", api_name="/set_language")
    assert HAN.search(_error(zh, "upload", None, None, None, "zh", 1, 10, api_name="/data_load"))
    assert not HAN.search(_error(en, "upload", None, None, None, "en", 1, 10, api_name="/data_load"))


def test_compare_headers_follow_the_language():
    from types import SimpleNamespace

    from ui.tabs.compare import hits_html

    hits = [SimpleNamespace(gold=True, is_new=True, rank_change=0, rank=1, score=0.9, text="猪饲料")]
    zh, en = hits_html(hits, "基础模型", "zh"), hits_html(hits, "Base model", "en")
    assert "<th>段落</th>" in zh and "<th>分数</th>" in zh and ">新<" in zh
    assert "<th>passage</th>" in en and ">new<" in en
