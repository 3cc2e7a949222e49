"""The Export tab's API endpoints through gradio_client, each with good and bad input, on a studio of its own
whose Hub is a local stand-in on 127.0.0.1 (``HF_ENDPOINT``), so a push really goes over HTTP: a good push, a
refused token, then the stand-in shut down (nothing listens: the network-less case)."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import pytest

from core.run_folder import CONFIG_FILE, EV_DATA, EV_EVAL, EVENTS_FILE, FINAL_DIR, STATUS_FILE
from tests.core.export.fakehub import FakeHub
from tests.ui.conftest import running_studio, write_sample

pytestmark = pytest.mark.timeout(240)

TOKEN = "hf_secret_export_tab_42"


def _make_run(runs: Path, name: str, model_src: Path | None, train_file: Path) -> Path:
    from core.training import TrainConfig

    run = runs / name
    run.mkdir(parents=True)
    if model_src is not None:
        shutil.copytree(model_src, run / FINAL_DIR)
    cfg = TrainConfig(name=name, model="minilm")
    cfg.data.train = [str(train_file)]
    cfg.loss.name = "MultipleNegativesRankingLoss"
    cfg.save(run / CONFIG_FILE)
    (run / STATUS_FILE).write_text(json.dumps({"status": "completed", "main_metric": "ndcg@10", "baseline": 0.4,
                                                 "best_metric": 0.5, "final_metric": 0.5, "step": 4}))
    events = [{"type": EV_DATA, "format": "qpn", "counts": {"train": 40, "validation": 10, "test": 10}},
              {"type": EV_EVAL, "step": 0, "metrics": {"ndcg@10": 0.4, "model_preparation_time": 0.01}},
              {"type": EV_EVAL, "step": 4, "metrics": {"ndcg@10": 0.5, "model_preparation_time": 0.01}}]
    (run / EVENTS_FILE).write_text("".join(json.dumps(e) + "\n" for e in events))
    return run


@pytest.fixture(scope="module")
def export_studio(tmp_path_factory, tiny_model_path):
    base = tmp_path_factory.mktemp("export-studio")
    sample = write_sample(base / "sample")
    runs = base / "runs"
    _make_run(runs, "exp-run", tiny_model_path, sample / "train.jsonl")
    _make_run(runs, "no-model", None, sample / "train.jsonl")
    hub = FakeHub()
    try:
        with running_studio(base, tiny_model_path, runs=runs, HF_ENDPOINT=hub.url,
                            drop=("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_TOKEN")) as info:
            from gradio_client import Client

            yield {"client": Client(info["url"], verbose=False), "runs": runs, "hub": hub, "log": info["log"]}
    finally:
        hub.close()


def test_export_card(export_studio):
    from gradio_client.exceptions import AppError

    c = export_studio["client"]
    preview, warn, confirm = c.predict("exp-run", api_name="/export_card")
    # the front matter is a code block in the preview, not markdown bullets
    assert preview.startswith("```yaml\nlibrary_name: sentence-transformers\n")
    assert "base_model: sentence-transformers/all-MiniLM-L6-v2" in preview
    assert "**sentence-transformers/all-MiniLM-L6-v2**" in preview and "**minilm**" not in preview
    assert "| data size | 40 train / 10 validation / 10 test rows |" in preview
    assert "| ndcg@10 | 0.4000 | 0.5000 | +0.1000 |" in preview and "model_preparation_time" not in preview
    assert warn["visible"] is False and confirm["visible"] is False
    with pytest.raises(AppError, match="There is no run named 'no-such-run'"):
        c.predict("no-such-run", api_name="/export_card")


def test_export_zip(export_studio, tmp_path):
    from gradio_client.exceptions import AppError

    c = export_studio["client"]
    z = c.predict("exp-run", "final", False, "en", api_name="/export_zip")
    with zipfile.ZipFile(z) as zf:
        names = zf.namelist()
        readme = zf.read("exp-run-final/README.md").decode()
    assert "exp-run-final/modules.json" in names
    assert readme.startswith("---\nlibrary_name: sentence-transformers")  # the card itself, not the preview
    # "delivered" (the tab's default) falls back to the run's best/ then final/ when nothing was delivered,
    # and the archive is named after the folder it holds
    z = c.predict("exp-run", "delivered", False, "en", api_name="/export_zip")
    assert Path(z).name in ("exp-run-best.zip", "exp-run-final.zip")
    with pytest.raises(AppError, match="has no saved model yet"):
        c.predict("no-model", "final", False, "en", api_name="/export_zip")
    with pytest.raises(AppError, match="Choose a trained run first"):
        c.predict(None, "final", False, "en", api_name="/export_zip")


def test_export_push(export_studio):
    from gradio_client.exceptions import AppError

    c = export_studio["client"]
    hub = export_studio["hub"]
    # bad input is refused before anything is sent
    with pytest.raises(AppError, match="must look like 'your-name/model-name'"):
        c.predict("exp-run", "final", False, "no-namespace", TOKEN, True, False, "en", api_name="/export_push")
    with pytest.raises(AppError, match="Enter a Hugging Face access token"):
        c.predict("exp-run", "final", False, "me/pig-model", "  ", True, False, "en", api_name="/export_push")
    assert not hub.requests or all("/api/repos/create" != r[1] for r in hub.requests)

    msg, token_box = c.predict("exp-run", "final", False, "me/pig-model", TOKEN, True, False, "en", api_name="/export_push")
    assert msg == f"Pushed to {hub.url}/me/pig-model" and token_box == ""
    # the message on the page follows the language switch (the token is in no state to redraw from)
    assert c.predict("zh", api_name="/export_language")[0] == f"已推送到 {hub.url}/me/pig-model"
    assert c.predict("en", api_name="/export_language")[0] == msg
    files = hub.files["me/pig-model"]
    assert hub.repos["me/pig-model"]["visibility"] == "private"
    assert "modules.json" in files and files["README.md"].decode().startswith("---\nlibrary_name:")
    assert ("POST", "/api/repos/create", f"Bearer {TOKEN}") in hub.requests
    assert not any(k.startswith("onnx/") for k in files)
    # with the ONNX box ticked the ONNX export arrives under onnx/, next to the model and its card
    msg, _ = c.predict("exp-run", "delivered", False, "me/pig-onnx", TOKEN, True, True, "zh", api_name="/export_push")
    assert msg == f"已推送到 {hub.url}/me/pig-onnx"
    files = hub.files["me/pig-onnx"]
    assert {"modules.json", "README.md", "onnx/model.onnx", "onnx/model.int8.onnx", "onnx/onnx_config.json",
            "onnx/README.md", "onnx/onnx_report.csv", "onnx/onnx_report.png"} <= set(files)
    assert b"onnxruntime" in files["onnx/README.md"] and files["README.md"].startswith(b"---\nlibrary_name:")

    hub.status = 401  # the Hub refuses the token
    with pytest.raises(AppError, match=r"^The Hub did not accept the token \(HTTP 401\)"):
        c.predict("exp-run", "final", False, "me/pig-model", TOKEN, True, False, "en", api_name="/export_push")
    url = hub.url
    hub.close()  # nothing listens any more: the network-less case
    with pytest.raises(AppError) as info:
        c.predict("exp-run", "final", False, "me/pig-model", TOKEN, True, False, "en", api_name="/export_push")
    assert str(info.value) == (f"The Hugging Face Hub at {url} cannot be reached (no connection); check the network "
                               "connection (and HF_ENDPOINT if you set it) or download the zip instead.")
    assert TOKEN.encode() not in export_studio["log"].read_bytes()
    for f in export_studio["runs"].rglob("*"):
        if f.is_file():
            assert TOKEN.encode() not in f.read_bytes(), f


def test_the_card_follows_the_model_chosen_to_export_and_a_choice_off_the_list_is_refused(export_studio):
    """/export_card with the model choice: the card of a run that delivered a blend names final/ when final/ is
    chosen, and the delivered blend by default; a choice that is not one of the radio's (a path) is refused, by
    the card and by the zip, before any folder is read."""
    from gradio_client.exceptions import AppError

    from core.run_folder import DELIVERED_DIR, DELIVERY_FILE

    c = export_studio["client"]
    run = export_studio["runs"] / "exp-run"
    record = {"delivered": "blend-0.5", "delivered_source": "blend α 0.5 of base and final/", "reason": "chosen.",
              "metric": "ndcg@10", "validation": {"queries": 10, "passages": 20},
              "candidates": [{"name": "base", "ndcg@10": 0.4}, {"name": "blend-0.5", "ndcg@10": 0.55}]}
    (run / DELIVERY_FILE).write_text(json.dumps(record))
    shutil.copytree(run / FINAL_DIR, run / DELIVERED_DIR)
    try:
        default = c.predict("exp-run", api_name="/export_card")[0]
        assert "This folder holds **blend-0.5**" in default and "not final/" in default
        final = c.predict("exp-run", FINAL_DIR, api_name="/export_card")[0]
        assert "This folder holds **final**, chosen at export; the run delivered **blend-0.5**" in final
        assert "## Validation: base vs tuned" in final
        for bad in ("../../..", "/etc"):
            with pytest.raises(AppError):
                c.predict("exp-run", bad, api_name="/export_card")
            with pytest.raises(AppError):
                c.predict("exp-run", bad, False, "en", api_name="/export_zip")
    finally:
        (run / DELIVERY_FILE).unlink()
        shutil.rmtree(run / DELIVERED_DIR)
