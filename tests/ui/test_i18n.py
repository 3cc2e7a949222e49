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


def test_data_tab_dynamic_text_in_chinese(studio):
    from gradio_client import handle_file

    c = _client(studio)
    out = c.predict("sample", "train.jsonl", None, None, "zh", 1, 10, api_name="/data_load")
    status, counts, issues = out[0], out[8], out[9]
    assert status.startswith("已从 train.jsonl 加载")
    reasons = status.split("\n\n", 1)[1]
    assert "FlagEmbedding" in reasons and HAN.search(reasons) and "holds lists" not in reasons
    assert counts["保留行数"] == 40 and "rows_kept" not in counts
    # a validation message of a bad row, in Chinese, with the row's column named
    bad = studio["sample"].parent / "bad-zh.csv"
    bad.write_text("query,positive\npig feed,feed for pigs needs protein\n,empty query here\n", encoding="utf-8")
    out = c.predict("upload", None, handle_file(str(bad)), None, "zh", 1, 10, api_name="/data_load")
    issues = out[9]
    assert issues["headers"] == ["行号", "列", "级别", "信息"]
    assert any("空单元格" in row[3] for row in issues["data"]), issues["data"]
