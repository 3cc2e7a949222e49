"""Drive every tab of the running studio through gradio_client (the same HTTP API the page uses).

The tests run in any order: the trained run they share comes from the ``ui_run`` fixture (trained once, through
the Train tab), and a test that loads other data puts the sample back even when it fails.
"""

from __future__ import annotations

import json
import time
import zipfile
from pathlib import Path

import pytest

from core.run_folder import METRICS_FILE, STATUS_FILE
from core.training import read_events

pytestmark = pytest.mark.timeout(240)

TRAIN_ARGS = dict(loss="MultipleNegativesRankingLoss", strategy="full", epochs=1, batch=8, lr=1e-4, warmup=0.1,
                  max_steps=4, max_seq=0, eval_steps=2)


def train_args(model: str, name: str, lang: str = "en", **over) -> list:
    a = dict(TRAIN_ARGS, **over)
    return [lang, "local", None, model, a["loss"], None, None, None, None, a["strategy"], None, None, None, name,
            a["epochs"], a["batch"], a["lr"], a["warmup"], a["max_steps"], a["max_seq"], a["eval_steps"]]


@pytest.fixture(scope="module")
def ui_run(client, studio) -> dict:
    """Start the run 'ui-run' through the Train tab, start a second one while it runs (it is queued), wait for
    both to end; return what the tab answered and the final statuses."""
    from gradio_client.exceptions import AppError

    out = client.predict(*train_args(studio["model"], "ui-run"), api_name="/train_start")
    try:  # Start clicked twice: the same settings again are refused, not queued as a silent copy
        client.predict(*train_args(studio["model"], "ui-run"), api_name="/train_start")
        twin = None
    except AppError as err:
        twin = str(err)
    # a second Start with other settings waits in the queue (instead of "a training is already running")
    second = client.predict(*train_args(studio["model"], "ui-run-2", lr=2e-4), api_name="/train_start")
    return {"start": out, "twin": twin, "second_start": second, "status": wait_status(studio["runs"], "ui-run"),
            "second_status": wait_status(studio["runs"], "ui-run-2")}


def wait_status(runs: Path, name: str, timeout: float = 150) -> dict:
    deadline = time.monotonic() + timeout
    st = {}
    while time.monotonic() < deadline:
        try:
            st = json.loads((runs / name / STATUS_FILE).read_text())
        except (OSError, json.JSONDecodeError):
            st = {}
        if st.get("status") in ("completed", "stopped", "failed"):
            return st
        time.sleep(0.5)
    raise AssertionError(f"run {name} did not finish: {st}")


def test_data_tab(client, studio):
    out = client.predict("sample", "train.jsonl", None, None, "en", 1, 10, api_name="/data_load")
    status, fmt, *maps = out[:8]
    counts, issues, preview, pages = out[8:]
    assert fmt["value"] == "qpn"
    assert [m["label"] for m in maps if m.get("visible")] == ["query", "pos", "neg"]
    assert counts["rows_kept"] == 40 and counts["positives"] == 40
    assert len(preview["data"]) == 10 and preview["headers"][0] == "_row" and pages == "/ 4"
    # an uploaded CSV with a bad row: the message names the row
    bad = studio["sample"].parent / "bad.csv"
    bad.write_text("query,positive\npig feed,feed for pigs needs protein\n,empty query here\nsow milk,piglets weaning weight\n",
                   encoding="utf-8")
    from gradio_client import handle_file

    try:
        out = client.predict("upload", None, handle_file(str(bad)), None, "en", 1, 10, api_name="/data_load")
        assert out[1]["value"] == "pair"
        rows = out[9]["data"]
        assert any(r[0] == 3 for r in rows), rows  # header = row 1, so the empty query is row 3
    finally:  # back to the sample for the other tabs
        client.predict("sample", "train.jsonl", None, None, "en", 1, 10, api_name="/data_load")


def test_data_errors_are_messages(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="Choose a training file"):
        client.predict("upload", None, None, None, "en", 1, 10, api_name="/data_load")


def test_build_tab(client, studio):
    n_pass = client.predict(None, True, 512, 64, api_name="/build_passages")
    assert n_pass[0].startswith("**60** passages")
    pairs = client.predict("pseudo", "", "", "", "OPENAI_API_KEY", 1, api_name="/build_pairs")
    assert "pairs" in pairs[0] and len(pairs[1]["data"]) > 10
    mined = client.predict("bm25", 0, 50, 2, 0.05, api_name="/build_mine")
    assert "```" in mined[0]
    assert any(r[2] > 0 for r in mined[2]["data"])  # rows now carry negatives
    report = client.predict(api_name="/build_clean")
    assert report[0]["rows_in"] >= report[0]["rows_out"] > 0
    # split into durable files (train/validation/test JSONL + a BEIR set), then train on them
    before = set(studio["datasets"].glob("built-*"))  # other tests of this session may have built sets too
    files = client.predict("8:1:1", api_name="/build_split")
    files = files[0] if isinstance(files, tuple) else files
    names = sorted(Path(f).name for f in files)
    assert names == ["corpus.jsonl", "queries.jsonl", "test.jsonl", "test.tsv", "train.jsonl", "validation.jsonl"]
    built = [p for p in set(studio["datasets"].glob("built-*")) - before if (p / "train.jsonl").is_file()]
    assert len(built) == 1, built
    assert built and (built[0] / "beir" / "qrels" / "test.tsv").is_file()
    n_train = sum(1 for _ in open(built[0] / "train.jsonl", encoding="utf-8"))
    try:
        client.predict(api_name="/build_use")  # the session's data is now the built set: the config says so
        est = client.predict(*train_args(studio["model"], "built-run"), api_name="/train_estimate")
        assert str(built[0] / "train.jsonl") in est[2] and str(built[0] / "validation.jsonl") in est[2]
        # validation searches (and mining draws from) the built knowledge base, not only the split's own passages
        assert f"corpus: {built[0] / 'beir'}" in est[2]
        assert n_train > 0
    finally:
        client.predict("sample", "train.jsonl", None, None, "en", 1, 10, api_name="/data_load")  # back to the sample
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="not numbers"):
        client.predict("a:b", api_name="/build_split")


def test_train_estimate(client, studio):
    est = client.predict(*train_args(studio["model"], "ui-run"), api_name="/train_estimate")
    assert "4 steps" in est[0]
    # the preselected loss with empty parameter boxes is left open for the recipe (scale, caching)
    assert "--model" in est[1] and "--loss" not in est[1]
    assert "name: ui-run" in est[2] and "loss:\n  name: null\n  params: {}" in est[2]
    # a parameter typed in keeps the loss and sends that parameter only
    args = train_args(studio["model"], "ui-run")
    args[5] = "30"  # the first parameter box of MultipleNegativesRankingLoss: scale
    est = client.predict(*args, api_name="/train_estimate")
    assert "--loss MultipleNegativesRankingLoss" in est[1]
    assert "loss:\n  name: MultipleNegativesRankingLoss\n  params:\n    scale: '30'\n" in est[2], est[2]
    # a loss other than the preselected one is kept as chosen
    est = client.predict(*train_args(studio["model"], "ui-run", loss="CachedMultipleNegativesRankingLoss"),
                         api_name="/train_estimate")
    assert "--loss CachedMultipleNegativesRankingLoss" in est[1]


def test_train_start_and_queue_second(client, ui_run, studio):
    out = ui_run["start"]
    assert out[0].startswith("Training started: ui-run")
    assert ui_run["twin"] and ui_run["twin"].startswith("The run ui-run is already "), ui_run["twin"]
    assert "with these same settings" in ui_run["twin"]
    second = ui_run["second_start"]
    assert second[0].startswith("Queued: ui-run-2, 1 in line"), second[0]
    assert "queued, 1 in line" in second[6]  # the run header
    assert ["ui-run-2", "queued, 1 in line"] in [r[:2] for r in second[2]["data"]]
    st = ui_run["status"]
    assert st["status"] == "completed", st
    assert ui_run["second_status"]["status"] == "completed"
    opened = client.predict("ui-run", "en", api_name="/train_open")
    loss_plot, metric_plot, prog, head = opened[:4]
    assert len(loss_plot["value"]["data"]) >= 1
    # the validation curve: a picture drawn from the run's eval events, each after the base with its paired gain
    assert Path(metric_plot).read_bytes().startswith(b"\x89PNG")  # gradio_client downloads it
    evals = [e for e in read_events(studio["runs"] / "ui-run")[0] if e["type"] == "eval"]
    assert evals[0]["step"] == 0 and len(evals) >= 2  # the curve starts at the base model
    assert all(e["vs_base"]["n"] == e["measured_on"]["n_queries"] for e in evals[1:])
    assert "completed" in head and "100%" in prog
    # opening restores the config into the form; the model note names the run's model (not the data's preselection)
    # and the recipe's choices are folded under the header
    assert "ui-run" in opened
    note = opened[-1]  # the states (model note, data) are not in the API answer
    assert note.startswith("The model of run ui-run: **") and str(studio["model"]) in note, note
    assert "<details><summary>Why these settings: the recipe's" in head
    runs = client.predict(None, api_name="/train_runs")
    assert "ui-run" in [r[0] for r in runs[1]["data"]]
    # the finished run's row names its delivered model with its validation score (the status's own)
    header, row = runs[1]["headers"], next(r for r in runs[1]["data"] if r[0] == "ui-run")
    delivered = row[header.index("delivered")]
    status = json.loads((studio["runs"] / "ui-run" / STATUS_FILE).read_text(encoding="utf-8"))
    assert delivered.startswith("base model " if status["delivered"] == "base" else status["delivered"] + " ")
    assert delivered.endswith(f"{status['delivered_metric']:.4f}")


def _english_phrases(text: str) -> list[str]:
    """Runs of three or more English words (identifiers such as hyper.batch_size or ndcg@10 left aside)."""
    import re

    return re.findall(r"\b[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}\b", text)


def test_opened_run_says_what_it_delivered_and_logs_in_the_page_language(client, ui_run):
    """The header names the delivered model with the delivery's sentence; the run log (recipe reasons, delivery,
    phases, status) follows the language switch: in Chinese no line is left as an English sentence."""
    import re

    st = ui_run["status"]
    assert st.get("delivery"), st
    _, _, _, head_en, log_en = client.predict("ui-run", "en", api_name="/train_open")[:5]
    assert "**Delivered:** " + st["delivery"] in head_en and st["delivery_change"] in head_en
    assert "recipe auto: hyper.max_seq_length = " in log_en and "delivery (domain " in log_en
    _, _, _, head_zh, log_zh = client.predict("ui-run", "zh", api_name="/train_open")[:5]
    assert "**交付：**" in head_zh and not _english_phrases(head_zh.split("**交付：**", 1)[1]), head_zh
    lines = [x for x in log_zh.splitlines() if x.strip()]
    assert len(lines) == len([x for x in log_en.splitlines() if x.strip()]) >= 8
    untranslated = [x for x in lines if not re.search(r"[\u4e00-\u9fff]", x) or _english_phrases(x)]
    assert not untranslated, untranslated
    assert any(x.startswith("训练方案 auto：hyper.max_seq_length = ") for x in lines)
    assert any(x.startswith("交付（领域 ") for x in lines)


def test_train_bad_model_folder(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="does not exist"):
        client.predict(*train_args("/nonexistent/model", "bad"), api_name="/train_start")


def test_evaluate_compare_export(client, studio, ui_run, tmp_path):
    from gradio_client.exceptions import AppError

    assert ui_run["status"]["status"] == "completed"
    ev = client.predict("ui-run", None, "en", api_name="/evaluate")
    assert "ndcg@10" in ev[0]
    metrics = [r[0] for r in ev[1]["data"]]
    assert "ndcg@10" in metrics and ev[1]["headers"][:3] == ["metric", "base", "tuned"]
    assert Path(ev[2]).is_file() and Path(ev[2]).stat().st_size > 1000
    assert (studio["runs"] / "ui-run" / METRICS_FILE).is_file()

    first = json.loads((studio["sample"] / "test.jsonl").read_text(encoding="utf-8").splitlines()[0])
    query = first["query"]  # a test-set query: its gold passage is known and marked wherever it ranks
    left, right = client.predict("ui-run", query, 30, "en", api_name="/compare")
    assert left.count("<tr data-gold") == 30 and right.count("<tr data-gold") == 30
    assert left.count("data-gold='1'") == 1 and right.count("data-gold='1'") == 1
    assert "Base model" in left and "Tuned model" in right

    card = client.predict("ui-run", api_name="/export_card")[0]
    assert "library_name: sentence-transformers" in card and "MultipleNegativesRankingLoss" in card
    z = client.predict("ui-run", "final", False, "en", api_name="/export_zip")
    with zipfile.ZipFile(z) as zf:
        names = zf.namelist()
    assert any(n.endswith("modules.json") for n in names) and any(n.endswith("README.md") for n in names)
    with pytest.raises(AppError, match="offline"):
        client.predict("ui-run", "final", False, "me/pig", "hf_secret", True, False, "en", api_name="/export_push")
    assert b"hf_secret" not in studio["log"].read_bytes()

    # a run marked worse than base needs the confirmation box
    st_path = studio["runs"] / "ui-run" / STATUS_FILE
    st = json.loads(st_path.read_text())
    st_path.write_text(json.dumps(dict(st, worse_than_base=True)))
    try:
        with pytest.raises(AppError, match="worse than the base model"):
            client.predict("ui-run", "final", False, "en", api_name="/export_zip")
        assert client.predict("ui-run", "final", True, "en", api_name="/export_zip").endswith(".zip")
        upd = client.predict("ui-run", api_name="/export_card")
        assert upd[1]["visible"] is True
    finally:
        st_path.write_text(json.dumps(st))


def test_language_switch_relabels(client):
    zh = client.predict("zh", api_name="/set_language")
    labels = json.dumps(zh, ensure_ascii=False)
    assert "损失函数" in labels and "训练记录" in labels and "识别出的格式" in labels
    en = client.predict("en", api_name="/set_language")
    assert "Detected format" in json.dumps(en) and "损失函数" not in json.dumps(en, ensure_ascii=False)
