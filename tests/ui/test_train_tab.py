"""The Train tab's HTTP API (the endpoints the page calls), good and bad input: estimate, start, stop, resume,
open, runs; the displayed status and phases; the run pickers of the other tabs."""

from __future__ import annotations

import time

import pytest

from core.run_folder import EV_PROGRESS
from tests.ui.test_client import train_args

pytestmark = pytest.mark.timeout(400)


def _wait(pred, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError("timed out")


def _max_step(run_dir) -> int:
    from core.training import read_events

    steps = [e["step"] for e in read_events(run_dir)[0] if e["type"] == EV_PROGRESS]
    return max(steps) if steps else -1


def _idle(studio):
    from core.training import active_run

    _wait(lambda: active_run(studio["runs"]) is None)


def test_stop_when_nothing_runs_and_resume_of_unknown_run(client, studio):
    from gradio_client.exceptions import AppError

    _idle(studio)
    with pytest.raises(AppError, match="No training is running, so there is nothing to stop"):
        client.predict("en", api_name="/train_stop")
    with pytest.raises(AppError, match="There is no run named 'no-such-run'"):
        client.predict("no-such-run", "en", api_name="/train_resume")
    with pytest.raises(AppError, match="Choose a run in the runs list to resume"):
        client.predict(None, "en", api_name="/train_resume")
    with pytest.raises(AppError, match="Choose a run in the runs list to open"):
        client.predict(None, "en", api_name="/train_open")


def test_start_refuses_bad_settings_with_one_sentence(client, studio):
    """A value outside a number box's bounds (the config's range; ui.tabs.train_form.NUMBER_BOUNDS), or text sent
    to a number box, is refused before the handler runs: one sentence naming the box by its label in the session's
    language and what it takes (the config's sentence named the key: "'hyper.epochs' must be a number > 0 ...")."""
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=r"^Learning rate: -1 cannot be used here; expected a number from 0 to 10\.$"):
        client.predict(*train_args(studio["model"], "bad-lr", lr=-1), api_name="/train_start")
    with pytest.raises(AppError, match=r"^Epochs: 20000 cannot be used here; expected a number from 0 to 10000\.$"):
        client.predict(*train_args(studio["model"], "bad-epochs", epochs=20000), api_name="/train_estimate")
    with pytest.raises(AppError, match="Type a model folder path"):
        client.predict(*train_args("", "no-model"), api_name="/train_estimate")
    # a number box sent text (the page cannot, an API caller can)
    with pytest.raises(AppError, match=r"^Epochs: '\.\./x' cannot be used here; expected a number from 0 to 10000\.$"):
        client.predict(*train_args(studio["model"], "bad-epochs", epochs="../x"), api_name="/train_estimate")
    with pytest.raises(AppError, match=r"^Learning rate: 'fast' cannot be used here; expected a number from 0 to 10\.$"):
        client.predict(*train_args(studio["model"], "bad-batch", lr="fast"), api_name="/train_start")
    # a run name with folders in it is refused as --name is, not rewritten ('../escape' became 'escape')
    with pytest.raises(AppError, match=r"^'\.\./escape' is not a run name: use letters, digits"):
        client.predict(*train_args(studio["model"], "../escape", max_steps=2), api_name="/train_start")
    assert not (studio["runs"] / "escape").exists()
    # a Hub id is an id: a path or a URL typed there is refused at Start (it was read as a folder when the run began)
    for typed in ("../../etc/passwd", "http://169.254.169.254/latest", "a" * 300):
        args = train_args(studio["model"], "hub-id", max_steps=2)
        args[1], args[3] = "hub", typed
        with pytest.raises(AppError, match=r"^The repository id '.{1,101}' (must look like|is not valid)"):
            client.predict(*args, api_name="/train_start")
    assert not (studio["runs"] / "hub-id").exists()
    client.predict("zh", api_name="/set_language")  # errors follow the session's language
    with pytest.raises(AppError, match=r"^训练轮数：不能使用 -1；需要0 到 10000 之间的一个数字。$"):
        client.predict(*train_args(studio["model"], "bad-epochs", lang="zh", epochs=-1), api_name="/train_estimate")
    with pytest.raises(AppError, match=r"^训练轮数：不能使用 'x'；需要0 到 10000 之间的一个数字。$"):
        client.predict(*train_args(studio["model"], "bad-epochs", lang="zh", epochs="x"), api_name="/train_estimate")
    client.predict("en", api_name="/set_language")
    assert not (studio["runs"] / "bad-lr").exists()  # validated before anything is written
    assert not (studio["runs"] / "bad-batch").exists()


def test_estimate_plans_the_runs_steps(client, studio):
    est = client.predict(*train_args(studio["model"], "est-run", max_steps=-1, batch=8, epochs=2), api_name="/train_estimate")
    # 40 training rows (qpn, one negative each) in batches of 8 -> 5 steps per epoch, 2 epochs
    assert "10 steps" in est[0] and "base evaluation" in est[0]


@pytest.fixture(scope="module")
def done_run(client, studio) -> str:
    """A 4-step run started through the Train tab and run to its end ("done-run")."""
    from core.training import list_runs

    _idle(studio)
    client.predict(*train_args(studio["model"], "done-run", max_steps=4, eval_steps=2), api_name="/train_start")
    _wait(lambda: {r.name: r.status for r in list_runs(studio["runs"])}.get("done-run") == "completed")
    return "done-run"


def test_stop_then_resume_continues_the_run_and_pickers_prefer_completed_runs(client, studio, done_run, monkeypatch):
    from core.training import read_status, run_status

    _idle(studio)
    out = client.predict(*train_args(studio["model"], "stop-resume", max_steps=3000, eval_steps=1000),
                         api_name="/train_start")
    assert out[0].startswith("Training started: stop-resume")
    run_dir = studio["runs"] / "stop-resume"
    _wait(lambda: _max_step(run_dir) >= 3)
    assert run_status(run_dir) == "running"
    runs = client.predict(None, api_name="/train_runs")[1]["data"]
    assert ["stop-resume", "running"] == [r[:2] for r in runs if r[0] == "stop-resume"][0]
    assert "stop requested" in client.predict("en", api_name="/train_stop").lower()
    # "stopped" is shown only once the process is gone; Resume right then is accepted
    _wait(lambda: run_status(run_dir) == "stopped")
    stopped_at = read_status(run_dir)["step"]
    opened = client.predict("stop-resume", "en", api_name="/train_open")
    assert "stopped" in opened[3]
    resumed = client.predict("stop-resume", "en", api_name="/train_resume")
    assert resumed[0] == "Training resumed: stop-resume"
    _wait(lambda: _max_step(run_dir) > stopped_at + 2)  # it continues past the step it stopped at
    assert run_status(run_dir) == "running"
    client.predict("en", api_name="/train_stop")
    _wait(lambda: run_status(run_dir) == "stopped")

    # this stopped run is newer than the completed done-run: still done-run is preselected for Evaluate/Compare/Export
    from ui.tabs.runs_common import run_choices

    monkeypatch.setenv("STUDIO_RUNS_DIR", str(studio["runs"]))
    choices, latest = run_choices()
    labels = {v: label for label, v in choices}
    assert labels[done_run] == "done-run · completed" and labels["stop-resume"] == "stop-resume · stopped"
    assert choices[0][1] == "stop-resume" and latest == done_run


def test_open_shows_phases(client, done_run):
    opened = client.predict(done_run, "en", api_name="/train_open")
    log = opened[4]
    assert "phase: evaluating_base" in log and "phase: training" in log and "phase: saving (final)" in log
    assert "completed" in opened[3] and "100%" in opened[2]


def test_resume_of_a_run_that_trained_every_planned_step_is_refused(client, studio, done_run):
    """Resume on a completed run trained one more step and rewrote its models each time: refused, nothing touched."""
    from gradio_client.exceptions import AppError

    from core.training import read_status

    before = read_status(studio["runs"] / done_run)
    with pytest.raises(AppError, match=r"^The run 'done-run' has completed its 4 planned steps: there is nothing to resume"):
        client.predict(done_run, "en", api_name="/train_resume")
    assert read_status(studio["runs"] / done_run) == before


def _chinese_file(folder):
    import json

    rows = [{"query": f"母猪每天需要多少饲料{i}？", "pos": [f"母猪每天约需两公斤半饲料，第{i}条。"], "neg": ["猪舍温度保持在二十度。"]}
            for i in range(12)]
    path = folder / "zh.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def test_model_picker_shows_languages_and_follows_the_data(tmp_path):
    """The handler the page runs when the dataset changes: Chinese data preselects the multilingual model,
    English data keeps MiniLM (called directly: it is a module-level function of the tab)."""
    from ui.state import DataState
    from ui.tabs import train_form as T
    from ui.tabs.train import TrainUI

    labels = dict((v, label) for label, v in T.model_choices("en"))
    assert labels["minilm"] == "minilm · English"
    assert labels["multilingual-e5-small"].startswith("multilingual-e5-small · Chinese, English")
    assert "中文" in dict((v, label) for label, v in T.model_choices("zh"))["multilingual-e5-small"]

    ui = TrainUI(**{name: object() for name in ("lang", "data_state", "bundled", "model_note", "loss", "loss_md")},
                   loss_slots=[object() for _ in range(T.LOSS_SLOTS)])
    zh = DataState(train=str(_chinese_file(tmp_path)), format="qpn")
    out = T.on_data_change(ui, {ui.data_state: zh, ui.lang: "en", ui.bundled: "minilm"})
    assert out[ui.bundled]["value"] == "multilingual-e5-small"
    # the preselected loss's parameter boxes start empty (sent as nothing: the recipe decides), saying so
    shown = [out[s] for s in ui.loss_slots if out[s].get("visible")]
    assert shown and all(u["value"] is None for u in shown)
    assert shown[0]["label"] == "scale" and "Empty: the recipe decides, else the default (20.0)." in shown[0]["info"]
    assert "Chinese" in out[ui.model_note] and "multilingual-e5-small" in out[ui.model_note]
    en = {"train": str(tmp_path / "en.csv"), "format": "pair"}
    (tmp_path / "en.csv").write_text("anchor,positive\nhow much feed does a sow need,about 2.5 kg a day\n", encoding="utf-8")
    out = T.on_data_change(ui, {ui.data_state: en, ui.lang: "en", ui.bundled: "minilm"})
    assert out[ui.bundled]["value"] == "minilm"
    # the language recorded in the state wins over detection
    out = T.on_data_change(ui, {ui.data_state: DataState(train=en["train"], format="pair", language="zh"),
                                ui.lang: "zh", ui.bundled: "minilm"})
    assert out[ui.bundled]["value"] == "multilingual-e5-small" and "中文" in out[ui.model_note]


def test_zero_in_an_open_field_leaves_it_to_the_recipe(client, studio):
    """Gradio's number box sends 0 for an empty field (its front end sets a missing value to 0): epochs, batch
    size, learning rate and length at 0 are left open for the recipe, never refused as "less than minimum";
    warm-up 0 stays 0."""
    est = client.predict(*train_args(studio["model"], "open-run", epochs=0, batch=0, lr=0, max_seq=0, max_steps=-1,
                                     warmup=0), api_name="/train_estimate")
    yaml_text = est[2]
    assert "warmup_ratio: 0.0" in yaml_text  # 0 warm-up is a setting (no warm-up), not an open field
    for key in ("epochs:", "batch_size:", "learning_rate:", "max_seq_length:"):
        line = [ln for ln in yaml_text.splitlines() if ln.strip().startswith(key)]
        assert line and line[0].split(":", 1)[1].strip() in ("null", "~", ""), (key, line)
    assert "steps" in est[0]


def test_start_refuses_a_run_past_the_machines_memory(client, studio):
    """Settings given in the form that the memory model puts past this machine are refused by Start (the same
    ``core.training.memory`` check as ``python -m core train``) with what to change; nothing is written (the
    Chinese sentence: ``test_the_start_handler_refuses_a_run_past_the_machines_memory``)."""
    from gradio_client.exceptions import AppError

    huge = train_args(studio["model"], "too-big", batch=1_000_000, max_seq=64)  # ~TB of activations anywhere
    with pytest.raises(AppError, match=r"Batch 1000000 at 64 tokens needs ~[\d.]+ GB, this machine allows [\d.]+ GB"):
        client.predict(*huge, api_name="/train_start")
    assert not (studio["runs"] / "too-big").exists()


def test_the_start_handler_refuses_a_run_past_the_machines_memory(tmp_path, tiny_model_path, monkeypatch):
    """The Start button's handler itself (called directly, as the page calls it): the form's batch and length are
    checked against this machine's memory before a run folder exists; the sentence reads in Chinese too."""
    from core.errors import ConfigError
    from tests.conftest import tiny_pairs
    from ui.strings import tr_engine
    from ui.tabs import train_runs as T
    from ui.tabs.train import TrainUI

    monkeypatch.setenv("STUDIO_RUNS_DIR", str(tmp_path / "runs"))
    data = tmp_path / "pairs.csv"
    data.write_text("anchor,positive\n" + "".join(f"{q},{p}\n" for q, p in tiny_pairs(40)), encoding="utf-8")
    names = ("lang", "kind", "bundled", "mpath", "loss", "strategy", "recipe", "run_name", "epochs", "batch", "lr",
             "warmup", "max_steps", "max_seq", "eval_steps", "data_state")
    ui = TrainUI(**{n: object() for n in names})
    v = {ui.lang: "zh", ui.kind: "local", ui.mpath: str(tiny_model_path), ui.loss: "MultipleNegativesRankingLoss",
         ui.strategy: "full", ui.run_name: "too-big", ui.batch: 1_000_000, ui.max_seq: 64, ui.max_steps: 2,
         ui.data_state: {"train": str(data), "format": "pair"}}
    with pytest.raises(ConfigError, match=r"^Batch 1000000 at 64 tokens needs ~[\d.]+ GB, this machine allows") as err:
        T.on_start(ui, v)
    assert tr_engine(str(err.value), "zh").startswith("批大小 1000000、长度 64 个 token 约需")
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
