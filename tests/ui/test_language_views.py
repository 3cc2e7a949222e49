"""Dynamic text already on the page follows the English/中文 switch (``ui.common.LanguageViews``).

Through gradio_client, in one session: an action runs in English, then the tab's ``<tab>_language`` endpoint (what
the page's language switch triggers) is called with "zh" and the same outputs come back in Chinese, and with "en"
in English again. A language that is not one of the switch's choices is refused.
"""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.timeout(240)

HAN = re.compile(r"[\u4e00-\u9fff]")
def skipped(value) -> bool:
    """An output the switch left as it is (Gradio's empty update)."""
    return isinstance(value, dict) and value.get("__type__") == "update" and "value" not in value


LANG_ENDPOINTS = ["/data_language", "/build_language", "/evaluate_language", "/compare_language", "/export_language"]


@pytest.fixture
def client(studio):
    """A fresh session with the sample loaded in English."""
    from gradio_client import Client

    c = Client(studio["url"], verbose=False)
    out = c.predict("sample", "train.jsonl", None, None, "en", 1, 10, api_name="/data_load")
    assert out[0].startswith("Loaded 40 of 40 rows")
    return c


def test_data_tab_status_counts_issues_and_roles_follow_the_switch(client):
    zh = client.predict("zh", api_name="/data_language")
    status, counts, issues, *maps = zh
    assert status.startswith("已从 train.jsonl 加载 40 行中的 40 行，格式：qpn。"), status
    assert "FlagEmbedding" in status and "holds lists" not in status
    assert counts["保留行数"] == 40 and "rows_kept" not in counts
    assert issues["headers"] == ["行号", "列", "级别", "信息"]
    assert [m["label"] for m in maps if m.get("visible")] == ["查询（query）", "正例（pos）", "负例（neg）"]
    # the switch changes labels only: the columns chosen in the dropdowns are left alone
    assert all("value" not in m for m in maps)
    status, counts, issues, *maps = client.predict("en", api_name="/data_language")
    assert status.startswith("Loaded 40 of 40 rows from train.jsonl as qpn.") and counts["rows_kept"] == 40
    assert issues["headers"] == ["row", "column", "severity", "message"]
    assert [m["label"] for m in maps if m.get("visible")] == ["query", "pos", "neg"]


def test_data_tab_failures_follow_the_switch(client, tmp_path):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    # a failed apply keeps the dataset; its sentence is redrawn in Chinese
    with pytest.raises(AppError):
        client.predict("en", 1, 10, "qpn", "no_such_column", None, None, None, None, None, api_name="/data_apply")
    status = client.predict("zh", api_name="/data_language")[0]
    assert "格式和列映射未生效" in status and "no_such_column" in status and "not applied" not in status, status
    # a failed upload clears the dataset; the status says why, in the language shown
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(AppError):
        client.predict("upload", None, handle_file(str(empty)), None, "en", 1, 10, api_name="/data_load")
    status, counts, issues, *maps = client.predict("zh", api_name="/data_language")
    assert "无法加载 empty.csv" in status and "Could not load" not in status, status
    assert counts == {} and issues["data"] == [] and not any(m.get("visible") for m in maps)
    assert "Could not load empty.csv" in client.predict("en", api_name="/data_language")[0]


def test_evaluate_headline_and_tables_follow_the_switch(client, same_model_run):
    en = client.predict(same_model_run, None, "en", api_name="/evaluate")
    assert "No detectable difference" in en[0] and en[1]["headers"][:3] == ["metric", "base", "tuned"]
    head, table, improved, degraded, data_md, blend_table = client.predict("zh", api_name="/evaluate_language")
    assert data_md == "评估数据: `beir`" and skipped(blend_table)  # no blend curve computed in this session
    assert "没有可检测的差异" in head and "个查询" in head and "No detectable" not in head, head
    assert "在 ndcg@10 上的得分" in head or "对比基础模型" in head, head  # the engine's headline, translated
    assert table["headers"][:3] == ["指标", "基础模型", "微调模型"] and "95% 置信下限 微调模型" in table["headers"]
    assert table["data"] == en[1]["data"]  # same numbers, other headers
    assert improved["headers"] == ["查询", "标准答案", "排名:基础模型", "排名:微调模型"] == degraded["headers"]
    back = client.predict("en", api_name="/evaluate_language")
    assert back[0] == en[0] and back[1]["headers"] == en[1]["headers"] and back[4] == "Evaluation data: `beir`"


def test_compare_tables_follow_the_switch(client, same_model_run):
    from tests.conftest import tiny_pairs

    query = tiny_pairs(60)[55][0]
    left_en, right_en = client.predict(same_model_run, query, 5, "en", api_name="/compare")
    assert "<th>passage</th>" in left_en and "Base model" in left_en and "Tuned model" in right_en
    left, right = client.predict("zh", api_name="/compare_language")
    assert "<th>段落</th>" in left and "<th>分数</th>" in right and "基础模型" in left and "微调模型" in right
    assert "<th>passage</th>" not in left + right
    assert left.count("<tr data-gold") == left_en.count("<tr data-gold") == 5  # the same hits, redrawn


def test_build_messages_and_tables_follow_the_switch(client, studio):
    passages_md = client.predict(None, True, 512, 64, "en", api_name="/build_passages")[0]
    assert passages_md == "**60** passages"
    pairs_md, _, rt_md, *_ = client.predict("pseudo", "", "", "", "", 1, "en", True, 3, "bm25", api_name="/build_pairs")
    assert "pairs from 60 passages" in pairs_md and rt_md.startswith("Round-trip check (BM25")
    mine_md, _, _, guard_md, _ = client.predict("bm25", 0, 50, 2, 0.2, "en", api_name="/build_mine")
    assert "suspected false negatives: " in mine_md and "candidates skipped" in guard_md
    report, _, clean_md = client.predict("en", api_name="/build_clean")
    split_md = client.predict("8:1:1", "en", api_name="/build_split")[1]
    use_md, data_status = client.predict("en", api_name="/build_use")[:2]
    assert use_md.startswith("Now training on") and data_status.startswith("Loaded the built set")

    (pass_df, pairs_df, rt_zh, rt_df, pass_zh, pairs_zh, guard_zh, review_zh, clean_zh, split_zh,
     use_zh, mine_zh, report_zh) = client.predict("zh", api_name="/build_language")
    assert pass_zh == "**60** 个段落"
    assert pass_df["headers"] == ["编号", "来源", "页码", "标题", "文本"]
    assert pairs_zh.startswith("由 60 个段落生成") and HAN.search(pairs_zh)
    assert pairs_df["headers"] == ["查询", "正例", "负例", "合成"]
    assert rt_zh.startswith("往返检验（BM25") and rt_df["headers"] == ["查询", "段落", "排名", "原因"]
    assert clean_zh.startswith("输入 ") and clean_md.split(" ")[0] in clean_zh
    assert split_zh.startswith("划分结果：") and split_md.removeprefix("Split: ").rstrip(".") in split_zh
    assert use_zh.startswith("现在用 ") and "Now training" not in use_zh
    assert "疑似假负例：" in mine_zh and "suspected" not in mine_zh and mine_zh.startswith("```")
    assert HAN.search(guard_zh) and "candidates skipped" not in guard_zh and review_zh == ""
    assert report_zh["输入行数"] == report["rows_in"] and "rows_in" not in report_zh
    # the Data tab shows the built set: its note above the status follows too
    assert client.predict("zh", api_name="/data_language")[0].startswith("已加载构建的数据集 ")
    back = client.predict("en", api_name="/build_language")
    assert back[10] == use_md and back[11] == mine_md and back[12] == report


def test_language_endpoints_refuse_a_language_not_offered(client):
    from gradio_client.exceptions import AppError

    for api in LANG_ENDPOINTS:
        with pytest.raises(AppError, match="not in the list of choices"):
            client.predict("fr", api_name=api)


def test_nothing_shown_yet_is_left_alone(studio):
    """A session that ran no action: the switch leaves the results area as it is (nothing to redraw)."""
    from gradio_client import Client

    c = Client(studio["url"], verbose=False)
    assert all(skipped(v) for v in c.predict("zh", api_name="/compare_language"))
    assert all(skipped(v) for v in c.predict("zh", api_name="/export_language"))


def test_msg_renders_keys_engine_sentences_and_markup_in_either_language():
    from ui.strings import Msg

    msg = Msg.cat(Msg.of("clean_said", rows_in=3, rows_out=2, rows_dropped=1), "\n\n- ", Msg.en("format chosen by you"),
                  "\n\n", Msg.of("apply_failed", error=Msg.en("format chosen by you"), label="a.csv", format="pair"))
    assert msg.render("en") == ("3 rows in, 2 kept, 1 dropped.\n\n- format chosen by you\n\n⚠️ The format and mapping "
                                "were not applied: format chosen by you Still active: a.csv as pair.")
    assert msg.render("zh") == ("输入 3 行，保留 2 行，删除 1 行。\n\n- 格式由你选择\n\n⚠️ 格式和列映射未生效：格式由你选择 "
                                "仍在使用：a.csv（格式 pair）。")


def test_rerender_draws_each_group_from_its_state_and_skips_empty_ones():
    import gradio as gr

    from ui.common import LanguageViews

    views = LanguageViews()
    with gr.Blocks():
        a, b, out_a, out_b1, out_b2 = gr.State(), gr.State(), gr.Markdown(), gr.Markdown(), gr.Markdown()
    show = views.add("tab", a, [out_a], lambda r, lang: [f"{lang}:{r}"])
    views.add("tab", b, [out_b1, out_b2], lambda r, lang: [lang, r])
    assert show(7, "zh") == [7, "zh:7"]  # the action's outputs: the state, then the render
    out = views.rerender("tab")("en", 5, None)
    assert out[0] == "en:5" and len(out) == 3 and all(o == gr.skip() for o in out[1:])
