"""What the Train tab shows, in either language: the run header's delivered-model line, the live charts' axis
titles and the number boxes' bounds (a value outside them is refused naming the box, not the config key).

Handlers are called directly (as the page calls them) with a ``TrainUI`` of placeholder components; the bounds are
read from the app as built."""

from __future__ import annotations

import json
import re

import pytest

from core.training.delivery import choose
from tests.core.training.test_delivery import _cand

HAN = re.compile(r"[\u4e00-\u9fff]")


def _ui():
    from ui.tabs.train import TrainUI

    return TrainUI(**{n: object() for n in ("loss_plot", "metric_plot", "prog", "run_head", "log_box", "view_state")})


def _head(tmp_path, monkeypatch, delivery: str, lang: str, **status) -> str:
    """The run header of a completed run whose status holds the delivery sentence ``delivery`` (and ``status``)."""
    from core.training import TrainConfig
    from core.training.events import empty_view
    from ui.tabs.train_runs import view_outputs

    monkeypatch.setenv("STUDIO_RUNS_DIR", str(tmp_path / "runs"))
    rd = tmp_path / "runs" / "deliver-run"
    rd.mkdir(parents=True, exist_ok=True)
    TrainConfig(name="deliver-run", model="minilm").save(rd / "config.yaml")
    (rd / "status.json").write_text(json.dumps({"status": "completed", "delivery": delivery,
                                                "delivery_change": "domain +18.4%, general en -0.9%", **status}))
    ui = _ui()
    return view_outputs(ui, empty_view(str(rd)), lang)[ui.run_head]


def _delivered_sentence() -> str:
    base = [0.5] * 50
    chosen, why = choose([_cand("base", base), _cand("final", [0.7] * 25 + [0.6] * 25, base)])
    assert chosen.name == "final"
    return why


def test_the_run_header_says_delivered_once(tmp_path, monkeypatch):
    """The header line is "Delivered: <the delivery's sentence>"; the sentence names the model without the word
    again (the page read "Delivered: Delivered final: ...")."""
    why = _delivered_sentence()
    assert why.startswith("final has the highest validation ndcg@10 (0.6500 vs base 0.5000, ")
    head = _head(tmp_path, monkeypatch, why, "en")
    line = head.split("\n\n")[1]
    assert line.startswith("**Delivered:** final has the highest validation ndcg@10") and line.count("Delivered") == 1, line
    assert line.endswith("(domain +18.4%, general en -0.9%)")


def test_a_run_delivered_before_shows_the_same_line(tmp_path, monkeypatch):
    """A run folder written before the sentence changed keeps "Delivered best: the highest ..." in its status:
    the header shows it as today's sentence, the word once."""
    old = ("Delivered best: the highest validation ndcg@10 (0.5800 vs base 0.4900, +0.0900, 95% CI [+0.0100, "
           "+0.1600]) among the candidates not worse than the base, on 42 queries.")
    line = _head(tmp_path, monkeypatch, old, "en").split("\n\n")[1]
    assert line.startswith("**Delivered:** best has the highest validation ndcg@10 (0.5800 vs base 0.4900,"), line
    assert line.count("Delivered") == 1


def test_the_run_header_says_delivered_once_in_chinese(tmp_path, monkeypatch):
    """The Chinese header: "交付：" once, then the sentence in Chinese (no English phrase left)."""
    line = _head(tmp_path, monkeypatch, _delivered_sentence(), "zh").split("\n\n")[1]
    assert line.startswith("**交付：** final 在不差于基础模型的候选中验证 ndcg@10 最高"), line
    assert line.count("交付") == 1 and "Delivered" not in line and "highest" not in line
    assert line.endswith("（领域 +18.4%，通用 en -0.9%）")


@pytest.mark.parametrize("lang, line", [
    ("en", "Validation: 1,240 queries against 2,420 passages (validation + training + kb.jsonl), each text read up to 512 "
           "tokens, as the delivered model reads it."),
    ("zh", "验证：1,240 个查询、2,420 个段落（验证集 + 训练集 + kb.jsonl），每段文本最多读 512 个 token，与交付模型一致。"),
])
def test_the_run_header_says_what_validation_was_measured_on(tmp_path, monkeypatch, lang, line):
    """The header ends with what the run's validation metric was measured on: its queries, its passages and where
    they came from, and the length each text was read up to (the delivered model's)."""
    on = {"n_queries": 1240, "n_passages": 2420, "corpus": "validation + training + kb.jsonl", "max_seq_length": 512}
    head = _head(tmp_path, monkeypatch, _delivered_sentence(), lang, validation=on)
    assert head.split("\n\n")[-1] == line
    del on["max_seq_length"]  # a run whose evaluator read at the model's own length
    last = _head(tmp_path, monkeypatch, _delivered_sentence(), lang, validation=on).split("\n\n")[-1]
    assert last == line.split(", each")[0].split("，每段")[0] + ("." if lang == "en" else "。")
    assert "Validation" not in _head(tmp_path, monkeypatch, _delivered_sentence(), lang)  # none recorded: no line


@pytest.mark.parametrize("lang, on, line", [
    ("en", {"n_pairs": 1200}, "Validation: 1,200 sentence pairs held out from the data."),
    ("zh", {"n_pairs": 1200}, "验证：从数据中留出的 1,200 个句子对。"),
    ("en", {"n_triplets": 90}, "Validation: 90 triplets made from the held-out rows."),
])
def test_the_run_header_says_what_a_pair_runs_validation_was_measured_on(tmp_path, monkeypatch, lang, on, line):
    """A run on sentence pairs (or labelled rows) validates by correlation or accuracy, not retrieval: its header
    still says what that was measured on (it said nothing, and its eval events recorded an empty measured_on)."""
    head = _head(tmp_path, monkeypatch, _delivered_sentence(), lang, validation=on)
    assert head.split("\n\n")[-1] == line


@pytest.mark.parametrize("lang,step,loss", [("en", "step", "loss"), ("zh", "步数", "损失")])
def test_the_loss_charts_axis_titles_follow_the_language(lang, step, loss):
    """The loss chart names its axes in the page's language (the Chinese page showed "step" and "loss")."""
    from core.training.events import empty_view
    from ui.tabs.train_runs import render_live

    loss_plot, *_ = render_live(_ui(), empty_view(), lang)
    assert (loss_plot["x_title"], loss_plot["y_title"]) == (step, loss)


def test_the_metric_chart_is_a_picture_drawn_once_per_content_and_language(monkeypatch):
    """The metric chart is the engine's validation curve (``curve_chart``) with the base level and each evaluation's
    95% band from the eval events' paired gains, drawn in the page's language: none before the first evaluation,
    the same file while nothing changed (the live tick does not redraw it), a new one for a new evaluation or the
    other language."""
    import core.evaluation.plots as plots
    from core.run_folder import EV_EVAL
    from core.training.events import empty_view, fold_events
    from ui.tabs.train_runs import render_live

    drawn = []
    chart = plots.curve_chart
    monkeypatch.setattr(plots, "curve_chart", lambda *a, **kw: drawn.append((a, kw)) or chart(*a, **kw))
    ui = _ui()
    assert render_live(ui, empty_view(), "en")[1] is None
    gain = {"metric": "ndcg@10", "n": 124, "diff": 0.08, "ci_low": 0.04, "ci_high": 0.12, "verdict": "better"}
    view = fold_events(empty_view("r"), [{"type": EV_EVAL, "step": 0, "metrics": {"ndcg@10": 0.5}},
                                         {"type": EV_EVAL, "step": 4, "metrics": {"ndcg@10": 0.58}, "vs_base": gain}])
    en = render_live(ui, view, "en")[1]
    assert open(en, "rb").read().startswith(b"\x89PNG")
    (points, band, metric, _), kw = drawn[-1]
    assert points == [(0, 0.5), (4, 0.58)] and metric == "ndcg@10" and kw["n_queries"] == 124
    assert band == [(4, pytest.approx(0.54), pytest.approx(0.62))]
    assert kw["words"]["base_model"] == "base model"
    assert render_live(ui, view, "en")[1] == en and len(drawn) == 1  # nothing changed: not drawn again
    zh = render_live(ui, view, "zh")[1]
    assert zh != en and drawn[-1][1]["words"]["base_model"] == "基础模型"
    later = fold_events(view, [{"type": EV_EVAL, "step": 8, "metrics": {"ndcg@10": 0.6}, "vs_base": gain}])
    assert render_live(ui, later, "en")[1] not in (en, zh) and len(drawn) == 3


@pytest.mark.parametrize("lang,headers,better,kept", [
    ("en", ["delivered", "vs base (95% CI)"], "+0.0856 [+0.0485, +0.1240] better", "base model 0.5278"),
    ("zh", ["交付模型", "相对基础模型（95% 置信区间）"], "+0.0856 [+0.0485, +0.1240] 更好", "基础模型 0.5278")])
def test_the_runs_table_shows_each_runs_delivered_model_and_how_sure_its_gain_is(lang, headers, better, kept):
    """Beside the base and the best evaluation (the highest of several, so flattering), the runs table shows the
    delivered model with its validation score and its paired gain over the base with the interval and the verdict,
    in the page's language; a run that delivered the base shows no gain; values that are not numbers (a damaged
    status file) show nothing, not an error."""
    from ui.tabs.train_runs import runs_table

    gain = {"n": 124, "diff": 0.0856, "ci_low": 0.0485, "ci_high": 0.124, "verdict": "better"}
    row = {"run": "r", "status": "completed", "position": None, "metric": "ndcg@10", "base": 0.5278, "best": 0.6055,
           "step": 33}
    rows = [dict(row, delivered="blend-0.5", delivered_metric=0.6134, gain=gain),
            dict(row, run="kept", delivered="base", delivered_metric=0.5278, gain=None),
            dict(row, run="running", status="running", delivered=None, delivered_metric=None, gain=None),
            dict(row, run="damaged", delivered="final", delivered_metric="x", gain=dict(gain, ci_low=None))]
    df = runs_table(rows, lang)
    assert list(df.columns[-3:-1]) == headers
    cells = {r[0]: list(r[-3:-1]) for r in df.itertuples(index=False)}
    assert cells == {"r": ["blend-0.5 0.6134", better], "kept": [kept, ""], "running": ["", ""],
                     "damaged": ["final", ""]}


def _number_boxes(tmp_path, monkeypatch) -> dict:
    """The Train tab's number boxes as built, by the ui.strings key of their label."""
    import gradio as gr

    monkeypatch.setenv("STUDIO_RUNS_DIR", str(tmp_path / "runs"))
    import ui.app

    app = ui.app.build_app()
    return {getattr(b, "_studio_label_key", None): b for b in app.blocks.values() if isinstance(b, gr.Number)}


# the Train tab's number boxes: ui.strings label key -> config key
BOXES = {"epochs": "hyper.epochs", "batch_size": "hyper.batch_size", "learning_rate": "hyper.learning_rate",
         "warmup": "hyper.warmup_ratio", "max_steps": "hyper.max_steps", "max_seq_length": "hyper.max_seq_length",
         "eval_steps": "eval.eval_steps"}


def _config_takes(key: str, value) -> bool:
    from core.errors import ConfigError
    from core.training.config import TrainConfig

    section, name = key.split(".")
    try:
        TrainConfig.from_dict({"model": "minilm", "data": {"train": ["train.jsonl"]}, section: {name: value}})
    except ConfigError:
        return False
    return True


def test_every_number_box_lets_through_only_what_the_config_takes(tmp_path, monkeypatch):
    """Each box has bounds, and the config takes every value within them (0 in an open box is sent as empty); just
    outside them, the box refuses the value before the handler runs."""
    import gradio as gr

    from ui.tabs.train_form import _open

    boxes = _number_boxes(tmp_path, monkeypatch)
    for label, key in BOXES.items():
        box = boxes[label]
        lo, hi = box.minimum, box.maximum
        assert lo is not None, label
        whole = box.precision == 0
        for value in (lo, hi) if hi is not None else (lo,):
            sent = _open(value, int if whole else float, key) if value == 0 and key != "hyper.warmup_ratio" else value
            assert _config_takes(key, sent), (key, value)
        for outside in (lo - 1, (hi + 1) if hi is not None else None):
            if outside is None:
                continue
            with pytest.raises(gr.Error, match="minimum|maximum"):
                box.preprocess(outside)


def test_an_epochs_value_out_of_range_is_refused_naming_the_box_in_the_pages_language(tmp_path, monkeypatch):
    """Epochs -1 (the page's example): the sentence names the box by its label and says what it takes, in
    Chinese on the Chinese page; before, the config's sentence showed the key hyper.epochs and "a number > 0"."""
    from ui.inputs import input_error

    boxes = _number_boxes(tmp_path, monkeypatch)
    fn = type("Fn", (), {"inputs": [boxes["epochs"]]})()
    assert input_error(fn, [-1], "en") == "Epochs: -1 cannot be used here; expected a number from 0 to 10000."
    zh = input_error(fn, [-1], "zh")
    assert zh == "训练轮数：不能使用 -1；需要0 到 10000 之间的一个数字。"
    assert "hyper." not in zh and not re.search(r"[A-Za-z]{3,}", zh)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_run_header_folds_the_recipes_choices_each_setting_once_as_the_run_used_it(tmp_path, monkeypatch, lang):
    """A finished run's log keeps its last lines, which no longer reach back to the recipe; the header keeps the
    recipe's choices in a folded list, one line per setting: a choice the run measured later (the negatives)
    replaces the planned one. In Chinese each line is translated."""
    from core.run_folder import EV_RECIPE
    from core.training import TrainConfig
    from core.training.events import empty_view, fold_events
    from ui.tabs.train_runs import view_outputs

    monkeypatch.setenv("STUDIO_RUNS_DIR", str(tmp_path / "runs"))
    rd = tmp_path / "runs" / "recipe-run"
    rd.mkdir(parents=True)
    TrainConfig(name="recipe-run", model="minilm").save(rd / "config.yaml")
    (rd / "status.json").write_text(json.dumps({"status": "completed"}))
    events = [{"type": EV_RECIPE, "recipe": "auto", "choices": [
        {"key": "hyper.learning_rate", "value": 5e-05, "reason": "lr 5e-05: small model (11M parameters besides the embeddings)"},
        {"key": "data.neg_nums", "value": 1, "reason": "planned"}]},
        {"type": EV_RECIPE, "recipe": "auto", "choices": [{"key": "data.neg_nums", "value": 0, "reason": "measured"}]}]
    view = fold_events(empty_view(str(rd)), events + [{"type": "log", "message": f"line {i}"} for i in range(60)])
    assert view["recipe"] == [["hyper.learning_rate", view["log"][0]], ["data.neg_nums", view["log"][2]]]
    ui = _ui()
    head = view_outputs(ui, view, lang)[ui.run_head]
    folded = head[head.index("<details>"):]
    assert folded.endswith("</details>") and folded.count("\n- ") == 2
    assert ("the recipe's 2 choices" if lang == "en" else "训练方案的 2 项选择") in folded
    assert "data.neg_nums = 0" in folded and "data.neg_nums = 1" not in folded
    if lang == "zh":
        assert "学习率" in folded or HAN.search(folded.split("\n- ")[1]), folded
    assert "<details>" not in view_outputs(ui, empty_view(str(rd)), lang)[ui.run_head]  # no choices: no block


def test_an_opened_run_gives_the_data_banner_the_format_the_run_read_its_data_as():
    """A config that leaves the format to detection (the Train tab's, the sample's) showed "train.jsonl · ? ·" in the
    active-dataset banner after Open run; the run's data event says what it read, and the banner takes that."""
    from core.run_folder import EV_DATA
    from core.training import TrainConfig
    from core.training.events import empty_view, fold_events
    from ui.tabs.train_form import data_state_from_config

    cfg = TrainConfig(name="r", model="minilm")
    cfg.data.train = ["/data/train.jsonl"]
    view = fold_events(empty_view("runs/r"), [{"type": EV_DATA, "format": "qpn", "counts": {"train": 3}}])
    assert view["data_format"] == "qpn"
    assert data_state_from_config(cfg, view["data_format"])["format"] == "qpn"
    assert data_state_from_config(cfg)["format"] is None  # nothing read yet: still open
    cfg.data.format = "pair"  # a format the config fixes is the one shown
    assert data_state_from_config(cfg, "qpn")["format"] == "pair"
