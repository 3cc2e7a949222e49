"""Runs on a shared server: each run belongs to whoever started it (``core.training.owners``), and a second
training waits in a queue that advances by itself when the running one ends (``core.training.launch``)."""

from __future__ import annotations

import json
import time

import pytest

from core.errors import ConfigError, StudioError
from core.training import queue_position, read_events, read_status, request_stop, start_run, wait
from core.training.owners import may_access, owned_run, owner_key, record_owner, run_owner, visible_runs
from tests.core.training.test_runner import tiny_config

pytestmark = pytest.mark.usefixtures("no_orphans")  # tests/core/training/conftest.py


@pytest.fixture
def deployment(monkeypatch):
    """A clean deployment environment: no login, not public, no override."""
    for var in ("STUDIO_AUTH", "STUDIO_PUBLIC", "SPACE_ID", "STUDIO_MULTI_USER"):
        monkeypatch.delenv(var, raising=False)
    return monkeypatch


def _fake_run(root, name, owner=None):
    path = root / name
    path.mkdir(parents=True)
    (path / "config.yaml").write_text(f"name: {name}\n", encoding="utf-8")
    (path / "status.json").write_text(json.dumps({"status": "completed", "updated": time.time()}), encoding="utf-8")
    record_owner(path, owner)
    return path


def test_multi_user_mode_follows_the_deployment(deployment):
    from core.deployment import multi_user

    assert not multi_user()  # a workstation: single-user, every run visible as before
    deployment.setenv("STUDIO_AUTH", "alice:x")
    assert multi_user()
    deployment.delenv("STUDIO_AUTH")
    deployment.setenv("SPACE_ID", "me/studio")  # a Space is public by default
    assert multi_user()
    deployment.setenv("STUDIO_MULTI_USER", "0")  # the override wins both ways
    assert not multi_user()
    deployment.delenv("SPACE_ID")
    deployment.setenv("STUDIO_MULTI_USER", "yes")
    assert multi_user()
    deployment.setenv("STUDIO_MULTI_USER", "maybe")
    with pytest.raises(ConfigError, match="STUDIO_MULTI_USER must be 1 or 0"):
        multi_user()


def test_owner_key_names_the_user_or_hashes_the_session():
    assert owner_key("alice", "sess123") == "user:alice"
    key = owner_key(None, "sess123")
    assert key.startswith("session:") and "sess123" not in key and key == owner_key(None, "sess123")
    assert key != owner_key(None, "sess124") and owner_key(None, None) is None


def test_runs_are_visible_and_usable_only_by_their_owner(deployment, tmp_runs):
    alice, bob = owner_key("alice"), owner_key(None, "bob-session")
    a = _fake_run(tmp_runs, "a-run", alice)
    b = _fake_run(tmp_runs, "b-run", bob)
    _fake_run(tmp_runs, "cli-run")  # from the command line: no owner
    assert json.loads((b / "owner.json").read_text()) == {"owner": bob}
    assert "bob-session" not in (b / "owner.json").read_text()  # the session id itself never reaches disk
    record_owner(a, bob)  # resuming never changes hands
    assert run_owner(a) == alice

    # single-user: everything as before
    assert {r.name for r in visible_runs(alice)} == {"a-run", "b-run", "cli-run"}
    assert owned_run("b-run", alice) == b and may_access(b, None)

    deployment.setenv("STUDIO_MULTI_USER", "1")
    assert [r.name for r in visible_runs(alice)] == ["a-run"]
    assert [r.name for r in visible_runs(bob)] == ["b-run"]
    assert visible_runs(None) == [] and visible_runs(owner_key("carol")) == []
    assert owned_run("a-run", alice) == a
    with pytest.raises(StudioError) as other:
        owned_run("b-run", alice)
    with pytest.raises(StudioError) as unknown:
        owned_run("no-such-run", alice)
    # another owner's run is refused with the very sentence an unknown run gets: nothing leaks its existence
    assert str(other.value).replace("b-run", "X") == str(unknown.value).replace("no-such-run", "X")
    assert str(other.value) == "There is no run named 'b-run'."  # and not where the runs are kept
    with pytest.raises(StudioError, match="There is no run named 'cli-run'"):
        owned_run("cli-run", alice)  # a run without an owner belongs to nobody in the UI of a shared server
    with pytest.raises(StudioError, match="is not a run name"):
        owned_run("../a-run", alice)  # names still go through the one resolver first


def test_a_model_folder_is_usable_only_where_its_run_is(deployment, tmp_runs, tmp_path, tiny_model_path):
    """On a shared studio a typed model folder inside the runs folder must be the caller's own run's; the runs,
    datasets and cache folders are refused, a link into another run too; a public studio takes no other server
    folder; a refused folder gets one sentence whether it exists or not. Names and Hub ids always pass."""
    from core.errors import ModelSourceError
    from core.training.owners import check_model_source

    alice, bob = owner_key("alice"), owner_key("bob")
    a = _fake_run(tmp_runs, "a-run", alice)
    (a / "final").mkdir()
    b = _fake_run(tmp_runs, "b-run", bob)
    (b / "into-a").symlink_to(a / "final", target_is_directory=True)
    datasets = tmp_path / "datasets"
    deployment.setenv("STUDIO_DATASETS_DIR", str(datasets))
    deployment.setenv("STUDIO_CACHE_DIR", str(tmp_path / "cache"))
    check_model_source(str(a / "final"), bob)  # single-user: every folder, as before

    deployment.setenv("STUDIO_MULTI_USER", "1")
    check_model_source(str(a / "final"), alice)
    check_model_source(str(tiny_model_path), bob)  # a folder outside the studio's own (a team server's models)
    for spec in ("minilm", "BAAI/bge-small-zh-v1.5", "", None):
        check_model_source(spec, bob)
    refused = [str(a / "final"), str(b / "into-a"), str(b / ".." / "a-run" / "final"), str(tmp_runs),
               str(a / "no-such-folder"), str(tmp_runs / "no-such-run" / "final"), str(datasets / "x"),
               str(tmp_path / "cache" / "models")]
    sentences = []
    for spec in refused:
        with pytest.raises(ModelSourceError, match="is not available on this shared studio") as err:
            check_model_source(spec, bob)
        sentences.append(str(err.value).replace(spec, "X"))
    assert len(set(sentences)) == 1, "the same sentence whether the folder exists or not"
    check_model_source(str(b / "into-a"), alice)  # the link leads into alice's own run

    deployment.setenv("STUDIO_PUBLIC", "1")  # public: nothing on the server outside the caller's runs
    check_model_source(str(a / "final"), alice)
    for spec in (str(tiny_model_path), "/etc", "/no/such/folder", "./models"):
        with pytest.raises(ModelSourceError, match="is not available on this shared studio"):
            check_model_source(spec, bob)
    check_model_source("BAAI/bge-small-zh-v1.5", bob)


def test_queue_order_advance_on_end_and_cancel(tiny_model_path, format_file, tmp_runs, deployment):
    """A runs; B, C, D wait in start order; C is cancelled; stopping A makes A's own process start B, and B's
    start D, with no other caller advancing the queue."""
    data = format_file("pair", n=200)
    long = tiny_config(tiny_model_path, data, max_steps=5000, eval_steps=10000)
    long.name = "a"
    a = start_run(long, owner="user:alice")
    assert read_status(a)["status"] == "queued" and not read_status(a).get("waiting")  # started at once
    queued = {}
    for name, owner in (("b", "user:bob"), ("c", "user:bob"), ("d", "user:carol")):
        cfg = tiny_config(tiny_model_path, data, max_steps=1, eval_steps=1)
        cfg.name, cfg.seed = name, ord(name)  # bob's two runs differ (the same settings twice are refused)
        queued[name] = start_run(cfg, owner=owner)
    b, c, d = queued["b"], queued["c"], queued["d"]
    assert [queue_position(p) for p in (a, b, c, d)] == [None, 1, 2, 3]
    assert run_owner(b) == "user:bob" and not (b / "pid").exists()
    with pytest.raises(StudioError, match="is already queued"):
        start_run(tiny_config(tiny_model_path, data), run_dir=b)
    assert request_stop(c) == "cancelled"
    assert [queue_position(p) for p in (b, c, d)] == [1, None, 2]
    deadline = time.monotonic() + 120
    while not any(e["type"] == "progress" for e in read_events(a)[0]) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert request_stop(a) == "requested"
    assert wait(a, timeout=120)["status"] == "stopped"
    for run in (b, d):  # started by the previous run's process as it exited
        deadline = time.monotonic() + 180
        while read_status(run).get("status") not in ("completed", "failed") and time.monotonic() < deadline:
            time.sleep(0.3)
        assert read_status(run)["status"] == "completed", (run / "train.log").read_text()[-2000:]
    started = {p.name: next(e["time"] for e in read_events(p)[0] if e.get("status") == "running") for p in (b, d)}
    assert started["b"] < started["d"]
    assert read_status(c)["status"] == "stopped" and read_status(c)["cancelled"]
    assert not any(e.get("status") == "running" for e in read_events(c)[0]) and not (c / "pid").exists()
    assert "started the next queued run: b" in (a / "train.log").read_text()
