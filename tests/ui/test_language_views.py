"""Dynamic text already on the page follows the English/中文 switch (``ui.common.LanguageViews``).

Through gradio_client, in one session: an action runs in English, then the tab's ``<tab>_language`` endpoint (what
the page's language switch triggers) is called with "zh" and the same outputs come back in Chinese, and with "en"
in English again. A language that is not one of the switch's choices is refused.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(240)

HAN = re.compile(r"[\u4e00-\u9fff]")
def skipped(value) -> bool:
    """An output the switch left as it is (Gradio's empty update)."""
    return isinstance(value, dict) and value.get("__type__") == "update" and "value" not in value


LANG_ENDPOINTS = ["/data_language", "/build_language", "/evaluate_language", "/compare_language", "/export_language",
                  "/train_language"]
# /train_language's outputs, by position: the base-model comparison (select section), the model picker, the loss and
# strategy help with their parameter boxes, the Start/Stop/Resume message, the estimate, the runs table, the live view
TRAIN_OUT = ["select_table", "select_verdict", "bundled", "model_note", "loss_md", "p0", "p1", "p2", "p3", "strat_md",
             "s0", "s1", "s2", "start_msg", "estimate", "runs", "loss_plot", "metric_plot", "progress", "run_head", "log"]


def train_language(client, lang: str) -> dict:
    out = client.predict(lang, api_name="/train_language")
    assert len(out) == len(TRAIN_OUT)
    return dict(zip(TRAIN_OUT, out))


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
    # a failed upload keeps the active dataset; the status says why and what is still active, in the language shown
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(AppError):
        client.predict("upload", None, handle_file(str(empty)), None, "en", 1, 10, api_name="/data_load")
    status, counts, issues, *maps = client.predict("zh", api_name="/data_language")
    assert "无法加载 empty.csv" in status and "仍在使用：sample: train.jsonl（格式 qpn）" in status, status
    assert "Could not load" not in status
    assert counts["保留行数"] == 40
    assert issues["headers"] == ["行号", "列", "级别", "信息"] and any(m.get("visible") for m in maps)
    assert "Could not load empty.csv" in client.predict("en", api_name="/data_language")[0]


def test_evaluate_headline_and_tables_follow_the_switch(client, same_model_run):
    en = client.predict(same_model_run, None, "en", api_name="/evaluate")
    assert "No detectable difference" in en[0] and en[1]["headers"][:3] == ["metric", "base", "tuned"]
    head, table, improved, degraded, data_md, picker, blend_table, bars, hist = client.predict("zh", api_name="/evaluate_language")
    # the pictures are redrawn with the Chinese words: new files whose pixels differ from the English ones
    for zh_png, en_png in ((bars, en[2]), (hist, en[3])):
        assert zh_png and en_png and zh_png != en_png
        assert Path(zh_png).read_bytes()[:4] == b"\x89PNG" and Path(zh_png).read_bytes() != Path(en_png).read_bytes()
    assert data_md == "评估数据: `beir`"
    # no blend curve computed in this session: the empty table's headers, in Chinese
    assert blend_table["headers"] == ["α", "领域 ndcg@10", "领域 相对 α 0 的变化（95% 置信区间）"]
    assert blend_table["data"] in ([], [["", "", ""]])
    # the run picker's labels are redrawn from the runs it listed; a gradio_client session runs no page-load event,
    # so it listed none (the browser test checks the labels: test_dynamic_text_on_the_page_follows_the_language_switch)
    assert skipped(picker)
    assert "没有可检测的差异" in head and "个查询" in head and "No detectable" not in head, head
    assert "在 ndcg@10 上的得分" in head or "对比基础模型" in head, head  # the engine's headline, translated
    assert table["headers"][:3] == ["指标", "基础模型", "微调模型"] and "95% 置信下限 微调模型" in table["headers"]
    # same numbers, other headers; the verdict column's words follow the language
    assert [r[:-1] for r in table["data"]] == [r[:-1] for r in en[1]["data"]]
    assert {r[-1] for r in table["data"]} == {"无可检测差异", "—"} and {r[-1] for r in en[1]["data"]} == {"no difference", "—"}
    assert improved["headers"] == ["查询", "标准答案", "排名:基础模型", "排名:微调模型"] == degraded["headers"]
    back = client.predict("en", api_name="/evaluate_language")
    assert back[0] == en[0] and back[1]["headers"] == en[1]["headers"] and back[4] == "Evaluation data: `beir`"


def test_compare_tables_follow_the_switch(client, same_model_run):
    from tests.conftest import tiny_pairs

    query = tiny_pairs(60)[55][0]
    left_en, right_en = client.predict(same_model_run, query, 5, "en", api_name="/compare")
    assert "<th>passage</th>" in left_en and "Base model" in left_en and "Tuned model" in right_en
    left, right, _picker = client.predict("zh", api_name="/compare_language")
    assert "<th>段落</th>" in left and "<th>分数</th>" in right and "基础模型" in left and "微调模型" in right
    assert "两个列表检索的是同样的" in right and "“tuned”是运行" in right  # what was searched, and which models
    assert "<th>passage</th>" not in left + right
    assert left.count("<tr data-gold") == left_en.count("<tr data-gold") == 5  # the same hits, redrawn


def test_build_messages_and_tables_follow_the_switch(client, studio):
    passages_md = client.predict(None, True, 512, 64, "en", api_name="/build_passages")[0]
    assert passages_md.startswith("**60** passages (the sample's passages come cut already")
    pairs_md, _, rt_md, *_ = client.predict("pseudo", "", "", "", "", 1, "en", True, 3, "bm25", api_name="/build_pairs")
    assert "pairs from 60 passages" in pairs_md and rt_md.startswith("Round-trip check (BM25")
    mine_md, _, _, guard_md, _ = client.predict("bm25", 0, 50, 2, 0.2, "en", api_name="/build_mine")
    assert "suspected false negatives: " in mine_md and "candidates skipped" in guard_md
    report, _, clean_md = client.predict("en", api_name="/build_clean")
    split_md = client.predict("8:1:1", "en", api_name="/build_split")[1]
    use_md, data_status = client.predict("en", api_name="/build_use")[:2]
    assert use_md.startswith("Now training on") and data_status.startswith("Loaded the built set")

    (pass_df, pairs_df, rt_zh, rt_df, pass_zh, pairs_zh, guard_zh, review_zh, clean_zh, split_zh,
     use_zh, mine_zh, report_zh, suspects_zh) = client.predict("zh", api_name="/build_language")
    assert pass_zh == "**60** 个段落（示例段落已预先切分：段落大小和重叠只作用于上传的文档）"
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
    assert suspects_zh["headers"] == ["编号", "保留", "查询", "候选", "分数", "正例", "排名"]
    # the Data tab shows the built set: its note above the status follows too
    assert client.predict("zh", api_name="/data_language")[0].startswith("已加载构建的数据集 ")
    back = client.predict("en", api_name="/build_language")
    assert back[10] == use_md and back[11] == mine_md and back[12] == report


@pytest.mark.timeout(600)
def test_train_estimate_messages_runs_and_run_view_follow_the_switch(client, studio):
    from core.training import run_status
    from tests.ui.test_client import train_args, wait_status
    from tests.ui.test_train_tab import _idle, _max_step, _wait

    est = client.predict(*train_args(studio["model"], "lang-est", max_steps=-1, batch=8, epochs=2),
                         api_name="/train_estimate")[0]
    assert "10 steps" in est and "base evaluation" in est
    zh = train_language(client, "zh")
    assert zh["estimate"].startswith("约 **") and "共 10 步" in zh["estimate"] and "基础模型评估" in zh["estimate"]
    assert "steps" not in zh["estimate"] and "base evaluation" not in zh["estimate"], zh["estimate"]
    notes = [ln for ln in zh["estimate"].splitlines() if ln.startswith("- ")]
    assert all(HAN.search(ln) for ln in notes), notes  # the engine's notes, in Chinese
    assert HAN.search(zh["strat_md"]) and skipped(zh["start_msg"]) and skipped(zh["runs"])
    assert zh["run_head"] == "未选择运行。"
    assert train_language(client, "en")["estimate"] == est

    # a run started in English, stopped after its first step: the messages, runs table and header follow the switch
    _idle(studio)
    run_dir = studio["runs"] / "lang-run"
    started = client.predict(*train_args(studio["model"], "lang-run", max_steps=3000, eval_steps=1000),
                             api_name="/train_start")
    assert started[0] == "Training started: lang-run"
    zh = train_language(client, "zh")
    assert zh["start_msg"] == "训练已开始：lang-run"
    assert zh["runs"]["headers"] == ["运行", "状态", "指标", "基础模型", "最佳", "交付模型", "相对基础模型（95% 置信区间）",
                                     "步数"]
    assert [r[1] for r in zh["runs"]["data"] if r[0] == "lang-run"][0] in ("排队中", "运行中")
    assert zh["estimate"].startswith("约 **")  # the estimate is still shown, in the language shown
    _wait(lambda: _max_step(run_dir) >= 1)
    assert "stop requested" in client.predict("en", api_name="/train_stop").lower()
    assert train_language(client, "zh")["start_msg"].startswith("已请求停止")
    _wait(lambda: run_status(run_dir) == "stopped")
    assert wait_status(studio["runs"], "lang-run")["status"] == "stopped"

    runs = client.predict(None, api_name="/train_runs")[1]
    assert runs["headers"] == ["run", "status", "metric", "base", "best", "delivered", "vs base (95% CI)", "step"]
    assert ["lang-run", "stopped"] in [r[:2] for r in runs["data"]]
    opened = client.predict("lang-run", "en", api_name="/train_open")
    prog_en, head_en, log_en = opened[2:5]
    assert head_en.startswith("**lang-run** · stopped · ") and ": base " in head_en, head_en
    assert "phase: training" in log_en
    zh = train_language(client, "zh")
    assert zh["runs"]["headers"][:2] == ["运行", "状态"] and ["lang-run", "已停止"] in [r[:2] for r in zh["runs"]["data"]]
    assert zh["run_head"].startswith("**lang-run** · 已停止 · ") and "：基础模型 " in zh["run_head"], zh["run_head"]
    assert "stopped" not in zh["run_head"] and "base" not in zh["run_head"]
    assert ("，最佳 " in zh["run_head"]) == (", best " in head_en)
    assert "步" in zh["progress"] and "step" not in zh["progress"] and "step" in prog_en, zh["progress"]
    # the run's own log lines, drawn again in Chinese without waiting for a timer tick
    assert len(zh["log"].splitlines()) == len(log_en.splitlines()) and "阶段：训练" in zh["log"]
    assert "phase: training" not in zh["log"] and "状态：已停止" in zh["log"]
    assert zh["start_msg"].startswith("已请求停止") and zh["estimate"].startswith("约 **")
    # opening the run restored its loss into the form: the loss help and its parameters' help follow too
    assert "仅显示适用于该数据格式的损失函数：qpn" in zh["loss_md"] and "标准检索损失" in zh["loss_md"]
    assert zh["p0"] == {"__type__": "update", "info": "softmax 前相似度的放大倍数（= 1 / 温度）；20 相当于温度 0.05。"
                                                      "留空：由训练方案决定，否则使用默认值（20.0）。"}
    assert skipped(zh["p3"]) and all("value" not in zh[k] for k in ("p0", "p1", "p2"))  # values stay as set
    en = train_language(client, "en")
    assert en["run_head"] == head_en and en["runs"]["headers"] == runs["headers"]
    assert en["start_msg"].startswith("Stop requested")


def test_train_select_table_and_verdict_follow_the_switch(client, studio):
    table, _, verdict, *_ = client.predict([], studio["model"], "en", api_name="/train_select")
    assert table["headers"][:2] == ["model", "languages"] and f"Winner: {studio['model']}" in verdict
    zh = train_language(client, "zh")
    assert zh["select_table"]["headers"][:2] == ["模型", "语言"]
    assert [r[0] for r in zh["select_table"]["data"]] == [r[0] for r in table["data"]]
    assert "胜出" in zh["select_verdict"] and "唯一完成打分的候选模型" in zh["select_verdict"]
    assert "Winner" not in zh["select_verdict"]
    assert train_language(client, "en")["select_verdict"] == verdict


def test_train_model_note_and_help_are_kept_without_a_language(tmp_path):
    """The handlers the page runs when the dataset, the loss or the strategy changes (no API of their own) keep a
    language-free record; the switch's render functions draw it in either language."""
    import json

    from core.losses import get_loss
    from ui.tabs import train_form as T
    from ui.tabs.train import TrainUI

    ui = TrainUI(**{n: object() for n in ("lang", "data_state", "bundled", "model_note", "loss", "loss_md", "loss_st",
                                            "model_st", "strategy", "strat_md", "strat_st")},
                   loss_slots=[object() for _ in range(T.LOSS_SLOTS)], strat_slots=[object() for _ in range(T.STRAT_SLOTS)])
    path = tmp_path / "zh.jsonl"
    path.write_text("".join(json.dumps({"query": f"母猪每天需要多少饲料{i}？", "pos": [f"母猪每天约需两公斤半饲料，第{i}条。"]},
                                       ensure_ascii=False) + "\n" for i in range(12)), encoding="utf-8")
    out = T.on_data_change(ui, {ui.data_state: {"train": str(path), "format": "qpn"}, ui.lang: "en", ui.bundled: "minilm"})
    assert out[ui.model_note].startswith("The data is Chinese: **multilingual-e5-small**")
    bundled, note = T.render_models(out[ui.model_st], "zh")
    assert note == "数据语言为中文：已预选覆盖该语言的 **multilingual-e5-small**。"
    assert dict((v, label) for label, v in bundled["choices"])["minilm"] == "minilm · 英文"
    assert out[ui.loss_st] == {"loss": "MultipleNegativesRankingLoss", "format": "qpn"}
    md, *slots = T.render_loss(out[ui.loss_st], "zh")
    assert md == T.loss_info("MultipleNegativesRankingLoss", "qpn", "zh") and HAN.search(md)
    assert [s.get("info", "") for s in slots[:3]] == [T.slot_info(p, "zh") for p in get_loss("MultipleNegativesRankingLoss").params]
    assert all(s.get("info", "").startswith(p.help["zh"]) for s, p in zip(slots, get_loss("MultipleNegativesRankingLoss").params))
    strat = T.on_strategy(ui, {ui.strategy: "lora", ui.lang: "en"})
    assert strat[ui.strat_st] == "lora"
    md, *slots = T.render_strategy("lora", "zh")
    assert md == T.strategy_info("lora", "zh") and HAN.search(md) and HAN.search(slots[0]["info"])


def test_language_endpoints_refuse_a_language_not_offered(client):
    from gradio_client.exceptions import AppError

    for api in LANG_ENDPOINTS:
        with pytest.raises(AppError, match=r"^Language / 语言: 'fr' cannot be used here; expected one of: en, zh\.$"):
            client.predict("fr", api_name=api)


def test_nothing_shown_yet_is_left_alone_but_the_empty_tables_headers_follow(studio):
    """A session that ran no action: the switch leaves the results' text as it is (nothing to redraw), and the
    empty tables show their column names in the language chosen (not Gradio's placeholders 1, 2, 3)."""
    from gradio_client import Client

    c = Client(studio["url"], verbose=False)
    assert all(skipped(v) for v in c.predict("zh", api_name="/compare_language"))
    push_md, onnx_table, picker = c.predict("zh", api_name="/export_language")
    assert skipped(push_md) and skipped(picker)
    assert onnx_table["headers"][:4] == ["版本", "精度", "维度", "与 torch 的余弦相似度"], onnx_table["headers"]
    head, table, improved, degraded, *_ = c.predict("zh", api_name="/evaluate_language")
    assert head == "" and table["headers"] == ["指标", "基础模型", "微调模型"]
    assert improved["headers"] == degraded["headers"] == ["查询", "标准答案", "排名:基础模型", "排名:微调模型"]
    build = c.predict("zh", api_name="/build_language")
    assert build[0]["headers"] == ["编号", "来源", "页码", "标题", "文本"] and build[1]["headers"] == ["查询", "正例", "负例", "合成"]
    assert build[3]["headers"] == ["查询", "段落", "排名", "原因"] and build[2] == ""
    zh = train_language(c, "zh")
    assert zh["select_table"]["headers"][:2] == ["模型", "语言"] and zh["select_verdict"] == ""
    en = train_language(c, "en")
    assert en["select_table"]["headers"][:3] == ["model", "languages", "hit@1"]
    assert c.predict("en", api_name="/export_language")[1]["headers"][0] == "variant"


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
