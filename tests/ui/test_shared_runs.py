"""Two browser sessions on a shared server (``STUDIO_MULTI_USER=1``, no login: a run belongs to the session that
started it): B neither sees nor stops, opens, resumes, evaluates, compares nor exports A's run; B's Start waits
in the training queue and starts by itself when A's run ends; a queued run is cancelled by Stop."""

from __future__ import annotations

import json
import os
import time

import pytest

from tests.ui.conftest import running_studio
from tests.ui.test_client import train_args, wait_status

pytestmark = pytest.mark.timeout(400)


@pytest.fixture(scope="module")
def shared(tmp_path_factory, tiny_model_path):
    with running_studio(tmp_path_factory.mktemp("shared"), tiny_model_path, STUDIO_MULTI_USER="1") as info:
        yield info


def _session(url: str):
    from gradio_client import Client

    c = Client(url, verbose=False)
    assert "Loaded 40 of 40 rows" in c.predict("sample", "train.jsonl", None, None, "en", 1, 10, api_name="/data_load")[0]
    return c


def _wait(pred, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.3)
    raise AssertionError("timed out")


def _events(run_dir) -> list:
    from core.training import read_events

    return read_events(run_dir)[0]


def test_a_second_session_cannot_see_or_touch_the_first_ones_run(shared):
    from gradio_client.exceptions import AppError

    runs, model = shared["runs"], shared["model"]
    a, b = _session(shared["url"]), _session(shared["url"])
    out = a.predict(*train_args(model, "a-run", max_steps=3000, eval_steps=1000), api_name="/train_start")
    assert out[0] == "Training started: a-run"
    assert json.loads((runs / "a-run" / "owner.json").read_text())["owner"].startswith("session:")
    _wait(lambda: any(e["type"] == "progress" for e in _events(runs / "a-run")))

    # B sees no run, and A's run is refused exactly as an unknown one
    assert b.predict(None, api_name="/train_runs")[1]["data"] == []
    with pytest.raises(AppError, match="No training is running, so there is nothing to stop"):
        b.predict("en", api_name="/train_stop")
    for api in ("/train_open", "/train_resume"):
        with pytest.raises(AppError, match="There is no run named 'a-run'"):
            b.predict("a-run", "en", api_name=api)
    assert not (runs / "a-run" / "STOP").exists()

    # B's Start waits in the queue (shown in the header and the runs table, in the page's language)
    queued = b.predict(*train_args(model, "b-run", lang="zh", max_steps=2, eval_steps=1), api_name="/train_start")
    assert queued[0].startswith("已排队：b-run，第 1 位"), queued[0]
    assert "排队中，第 1 位" in queued[6]
    assert [r[0] for r in b.predict(None, api_name="/train_runs")[1]["data"]] == ["b-run"]
    assert [r[0] for r in a.predict(None, api_name="/train_runs")[1]["data"]] == ["a-run"]

    # A queues a second run behind B's, then Stop takes it out of the queue; the next Stop stops A's training
    a2 = a.predict(*train_args(model, "a-later", max_steps=2, eval_steps=1), api_name="/train_start")
    assert a2[0].startswith("Queued: a-later, 2 in line")
    assert "was waiting in the training queue" in a.predict("en", api_name="/train_stop")
    assert json.loads((runs / "a-later" / "status.json").read_text())["cancelled"] is True
    assert "stop requested" in a.predict("en", api_name="/train_stop").lower()
    assert wait_status(runs, "a-run")["status"] == "stopped"
    assert wait_status(runs, "b-run")["status"] == "completed"  # started by itself once A's run ended
    assert not any(e.get("status") == "running" for e in _events(runs / "a-later"))

    # B cannot evaluate, compare, blend or export A's model (A can)
    assert "ndcg@10" in a.predict("a-run", None, "en", api_name="/evaluate")[0]
    for args, api in ((("a-run", None, "en"), "/evaluate"), (("a-run", "pig", 5, "en"), "/compare"),
                      (("a-run",), "/export_card"), (("a-run", "final", False, "en"), "/export_zip"),
                      (("a-run", "final", False, False, "", "en"), "/export_onnx"), (("a-run", None), "/evaluate_blend"),
                      (("a-run", 0.5), "/evaluate_blend_export")):
        with pytest.raises(AppError, match="There is no run named 'a-run'"):
            b.predict(*args, api_name=api)
    assert b.predict("b-run", "final", False, "en", api_name="/export_zip").endswith(".zip")
    with pytest.raises(AppError, match="There is no run named 'b-run'"):
        a.predict("b-run", "final", False, "en", api_name="/export_zip")

    # nor use A's model by typing its folder (a base model to train from, a candidate to score), directly or
    # through a link; the runs and datasets folders themselves are refused alike, in the page's language
    link = runs / "b-run" / "looks-mine"
    link.symlink_to(runs / "a-run" / "final", target_is_directory=True)
    taken = [str(runs / "a-run" / "final"), str(runs / "a-run") + "/../a-run/final", str(link), str(runs),
             str(shared["datasets"])]
    for folder in taken:
        with pytest.raises(AppError, match="is not available on this shared studio"):
            b.predict(*train_args(folder, "stolen"), api_name="/train_start")
        with pytest.raises(AppError, match="is not available on this shared studio"):
            b.predict([], folder, "en", api_name="/train_select")
    b.predict("zh", api_name="/set_language")  # errors follow the session's language
    with pytest.raises(AppError, match="在这个共享的工作室里不可用"):
        b.predict(*train_args(str(runs / "a-run" / "final"), "stolen", lang="zh"), api_name="/train_start")
    b.predict("en", api_name="/set_language")
    assert not (runs / "stolen").exists()
    # A may train from its own run's model, and B from a folder outside the studio's folders (a team server)
    assert "ndcg@10" in str(a.predict([], str(runs / "a-run" / "final"), "en", api_name="/train_select"))
    assert "ndcg@10" in str(b.predict([], str(model), "en", api_name="/train_select"))


def test_the_train_tabs_periodic_refresh_advances_a_stalled_queue(tmp_runs, monkeypatch):
    """The running training was killed (it never started the next run): the Train tab's timer tick, even in a
    session showing no run, starts the queued run, at most once per ``ADVANCE_EVERY`` seconds."""
    from core.training import launch, queue_position, read_status
    from core.training.events import EventLog
    from ui.tabs import train_runs
    from ui.tabs.train import TrainUI

    dead = tmp_runs / "killed"
    dead.mkdir(parents=True)
    (dead / "config.yaml").write_text("name: killed\n", encoding="utf-8")
    EventLog(dead).status("running")  # this test process's pid: alive for now
    waiting = tmp_runs / "next"
    waiting.mkdir()
    (waiting / "config.yaml").write_text("name: next\n", encoding="utf-8")  # the child fails fast: that is fine
    launch._set_status(waiting, "queued", waiting=True, queued_at=time.time(), resume=False, name="next")
    ui = TrainUI()
    monkeypatch.setattr(train_runs, "_ADVANCED", [0.0])
    try:
        assert train_runs.on_tick(ui, {ui.view_state: {}}) == {}
        assert queue_position(waiting) == 1  # the killed run still counted as running (its pid is alive)
        json_path = dead / "status.json"
        json_path.write_text(json_path.read_text().replace(f'"pid": {os.getpid()}', '"pid": 999999999'))
        train_runs.on_tick(ui, {ui.view_state: {}})  # within ADVANCE_EVERY of the last call: nothing done
        assert queue_position(waiting) == 1
        monkeypatch.setattr(train_runs, "_ADVANCED", [0.0])
        train_runs.on_tick(ui, {ui.view_state: {}})
        assert queue_position(waiting) is None and read_status(waiting).get("waiting") is False
        assert (waiting / "pid").is_file()
    finally:  # the started child has done its part (it exists); it need not import the engine to fail
        for proc in list(launch._CHILDREN.values()):
            proc.kill()
            proc.wait(timeout=60)
        launch._CHILDREN.clear()


def test_a_shared_studio_does_not_lend_the_servers_api_key_to_an_endpoint_a_user_picks(shared, fake_llm):
    """On a shared studio a user may name any endpoint: the key in the server's environment is not sent there (the
    user types their own), in one sentence in the page's language; a typed key still works."""
    from gradio_client.exceptions import AppError

    from tests.ui.test_build_tab import pairs, sample_passages

    c = _session(shared["url"])
    sample_passages(c)
    with pytest.raises(AppError, match=r"^LLM mode on a shared studio needs your own API key typed in"):
        pairs(c, "llm", fake_llm.base_url, "fake", "", "STUDIO_TEST_LLM_API_KEY", 1)
    with pytest.raises(AppError, match=r"^在共享的工作室中使用大模型模式，请输入您自己的 API 密钥"):
        pairs(c, "llm", fake_llm.base_url, "fake", "", "STUDIO_TEST_LLM_API_KEY", 1, "zh")
    assert fake_llm.total == 0  # nothing was sent
    out = pairs(c, "llm", fake_llm.base_url, "fake", "sk-typed-by-user-0123456789abcdef", "STUDIO_TEST_LLM_API_KEY", 1,
                rt=False)
    assert "pairs from 60 passages (LLM)" in out[0]
    assert set(fake_llm.auth) == {"Bearer sk-typed-by-user-0123456789abcdef"}
