"""Attacks on the running studio over HTTP, each reproduced and shown refused:

- a run name that leads out of the runs folder (an uploaded config resumed as a training run);
- Gradio's file route reading run and dataset files (only an asked-for download is served);
- on a public deployment (login, upload limit, ``STUDIO_PUBLIC``): no Hub push, no LLM endpoint, no big upload.
"""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from core.run_folder import CONFIG_FILE, EVENTS_FILE, LOG_FILE, PID_FILE, STATUS_FILE
from tests.test_security import make_evil_model
from tests.ui.conftest import running_studio
from tests.ui.test_client import train_args

pytestmark = pytest.mark.timeout(300)


def _upload(url: str, path: Path, cookies=None) -> httpx.Response:
    """POST a file to Gradio's upload route, as any visitor can; the answer names the server-side path."""
    with open(path, "rb") as fh:
        return httpx.post(url + "gradio_api/upload", files={"files": (path.name, fh)}, cookies=cookies, timeout=60)


def test_resume_and_open_refuse_a_run_name_outside_the_runs_folder(client, studio, tiny_model_path, tmp_path):
    from gradio_client.exceptions import AppError

    from core.training import TrainConfig

    marker = tmp_path / "MARKER"
    evil = make_evil_model(tiny_model_path, tmp_path / "evil", marker)
    cfg = TrainConfig(name="attack", model=str(evil), trust_remote_code=True)  # a real true: only the path stops it
    cfg.data.train = [str(studio["sample"] / "train.jsonl")]
    cfg.hyper.max_steps = 1
    local = tmp_path / CONFIG_FILE
    cfg.save(local)
    resp = _upload(studio["url"], local)
    assert resp.status_code == 200, resp.text
    upload_dir = Path(resp.json()[0]).parent
    assert (upload_dir / CONFIG_FILE).is_file()
    runs = studio["runs"]
    runs.mkdir(parents=True, exist_ok=True)
    (runs / "linked").symlink_to(upload_dir, target_is_directory=True)  # a symlink planted inside runs/
    rel = os.path.relpath(upload_dir, runs)
    names = [rel, rel + "/", "./" + rel, str(upload_dir), "../" + upload_dir.name, "..", "../gradio_tmp/x",
             "linked", "a\\..\\b", "ok\x00x"]
    try:
        for name in names:
            for api in ("/train_resume", "/train_open"):
                with pytest.raises(AppError) as err:
                    client.predict(name, "en", api_name=api)
                assert any(s in str(err.value) for s in ("is not a run name", "outside the runs folder")), (name, err.value)
    finally:
        (runs / "linked").unlink()
    # nothing was started: start_run writes the pid and status before it returns
    for p in (PID_FILE, STATUS_FILE, LOG_FILE, EVENTS_FILE):
        assert not (upload_dir / p).exists()
    assert not marker.exists()
    assert {p.name for p in upload_dir.iterdir()} == {CONFIG_FILE}


def test_file_route_serves_no_run_or_dataset_file_but_a_requested_download(client, studio):
    run = studio["runs"] / "served"
    run.mkdir(parents=True, exist_ok=True)
    (run / CONFIG_FILE).write_text("name: served\nmodel: secret-model-path\n", encoding="utf-8")
    (run / EVENTS_FILE).write_text('{"type": EV_STATUS}\n', encoding="utf-8")
    built = studio["datasets"] / "built-x"
    built.mkdir(parents=True, exist_ok=True)
    (built / "train.jsonl").write_text('{"query": "private question", "pos": ["p"]}\n', encoding="utf-8")
    for p in (run / CONFIG_FILE, run / EVENTS_FILE, built / "train.jsonl", studio["sample"] / "train.jsonl"):
        r = httpx.get(studio["url"] + "gradio_api/file=" + str(p), timeout=30)
        assert 400 <= r.status_code < 500, (p, r.status_code)
        assert b"secret-model-path" not in r.content and b"private question" not in r.content and b"status" not in r.content
    # what the user asked for (the config YAML of the form) downloads, from a copy made for the request
    est = client.predict(*train_args(studio["model"], "dl-run"), api_name="/train_estimate")
    got = Path(est[3])
    assert got.read_text(encoding="utf-8").startswith("name: dl-run")
    assert not any(studio["runs"].glob("dl-run*"))  # estimating writes no run folder


@pytest.fixture(scope="module")
def public(tmp_path_factory, tiny_model_path):
    with running_studio(tmp_path_factory.mktemp("public"), tiny_model_path, STUDIO_PUBLIC="1",
                        STUDIO_AUTH="alice:wonder-land-7,bob:builder-9", STUDIO_MAX_UPLOAD_MB="0.05") as info:
        yield info


def _login(url: str, user: str, password: str) -> httpx.Response:
    return httpx.post(url + "login", data={"username": user, "password": password}, timeout=30)


def test_public_deployment_needs_a_login(public):
    assert httpx.get(public["url"] + "config", timeout=30).status_code in (401, 403)
    assert _login(public["url"], "alice", "wrong").status_code >= 400
    ok = _login(public["url"], "bob", "builder-9")
    assert ok.status_code == 200
    cfg = httpx.get(public["url"] + "config", cookies=ok.cookies, timeout=30)
    assert cfg.status_code == 200 and "Hub push and LLM endpoints are turned off" in cfg.text


def test_public_deployment_refuses_llm_endpoints_and_hub_push(public):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    from tests.core.builder.conftest import serve_fake_llm

    with serve_fake_llm() as fake:
        c = Client(public["url"], auth=("alice", "wonder-land-7"), verbose=False)
        assert c.predict(None, True, 512, 64, api_name="/build_passages")[0].startswith("**60** passages")
        url = f"http://127.0.0.1:{fake.server.server_address[1]}/v1"
        with pytest.raises(AppError, match="public deployment: LLM endpoints are turned off"):
            c.predict("llm", url, "fake", "sk-typedin0123456789abcdef", "OPENAI_API_KEY", 1, api_name="/build_pairs")
        assert fake.auth == []  # the endpoint was never called
        with pytest.raises(AppError, match="public deployment: pushing to the Hugging Face Hub is turned off"):
            c.predict(None, "final", False, "me/pig", "hf_x", True, False, "en", api_name="/export_push")
        # the offline query mode still works
        assert "pairs" in c.predict("pseudo", "", "", "", "OPENAI_API_KEY", 1, api_name="/build_pairs")[0]


def test_public_deployment_refuses_an_upload_over_the_limit(public, tmp_path):
    cookies = _login(public["url"], "alice", "wonder-land-7").cookies
    small = tmp_path / "small.csv"
    small.write_text("query,positive\n" + "a,b\n" * 100, encoding="utf-8")
    big = tmp_path / "big.csv"
    big.write_text("query,positive\n" + "a,b\n" * 30_000, encoding="utf-8")  # 120 KB > 0.05 MB
    assert _upload(public["url"], small, cookies).status_code == 200
    r = _upload(public["url"], big, cookies)
    assert r.status_code == 413, (r.status_code, r.text[:300])
    assert _upload(public["url"], small).status_code in (401, 403)  # and nobody uploads without a login


def test_launch_kwargs_follow_the_environment(monkeypatch, tmp_path):
    from core.errors import ConfigError
    from ui.app import launch_kwargs
    from ui.common import public_mode

    monkeypatch.setenv("STUDIO_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.setenv("STUDIO_DATASETS_DIR", str(tmp_path / "datasets"))
    for var in ("STUDIO_AUTH", "STUDIO_MAX_UPLOAD_MB", "STUDIO_PUBLIC", "SPACE_ID"):
        monkeypatch.delenv(var, raising=False)
    kw = launch_kwargs()
    assert "auth" not in kw and kw["max_file_size"] == 200 * 1024 * 1024 and "allowed_paths" not in kw
    assert set(kw["blocked_paths"]) == {str(tmp_path / "runs"), str(tmp_path / "datasets")}
    assert not public_mode()
    monkeypatch.setenv("STUDIO_AUTH", " alice:pa:ss , bob:x")
    monkeypatch.setenv("STUDIO_MAX_UPLOAD_MB", "1.5")
    kw = launch_kwargs()
    assert kw["auth"] == [("alice", "pa:ss"), ("bob", "x")] and kw["max_file_size"] == int(1.5 * 1024 * 1024)
    monkeypatch.setenv("SPACE_ID", "me/studio")
    assert public_mode() and launch_kwargs()["server_name"] == "0.0.0.0"
    monkeypatch.setenv("STUDIO_PUBLIC", "0")
    assert not public_mode()
    for var, value, key in (("STUDIO_AUTH", "alice", "STUDIO_AUTH entry 1"), ("STUDIO_AUTH", "a:b,:c", "entry 2"),
                            ("STUDIO_MAX_UPLOAD_MB", "lots", "STUDIO_MAX_UPLOAD_MB"), ("STUDIO_MAX_UPLOAD_MB", "-1", "STUDIO_MAX_UPLOAD_MB")):
        monkeypatch.setenv("STUDIO_AUTH", "a:b")
        monkeypatch.setenv("STUDIO_MAX_UPLOAD_MB", "5")
        monkeypatch.setenv(var, value)
        with pytest.raises(ConfigError, match=key):
            launch_kwargs()


def test_offer_download_copies_into_a_fresh_folder(tmp_path, monkeypatch):
    from core.errors import StudioError
    from ui import common

    monkeypatch.setenv("STUDIO_DOWNLOAD_DIR", str(tmp_path / "dl"))
    src = tmp_path / "runs" / "r" / CONFIG_FILE
    src.parent.mkdir(parents=True)
    src.write_text("name: r\n", encoding="utf-8")
    a, b = Path(common.offer_download(src)), Path(common.offer_download(src))
    assert a != b and a.parent.parent == b.parent.parent == tmp_path / "dl" and a.read_text() == "name: r\n"
    assert src.is_file()  # a copy: the run folder is untouched
    made = tmp_path / "tmpzip" / "m.zip"
    made.parent.mkdir()
    made.write_bytes(b"zip")
    moved = Path(common.offer_download(made, move=True))
    assert moved.read_bytes() == b"zip" and not made.exists() and not made.parent.exists()
    old = a.parent
    os.utime(old, (0, 0))
    common.offer_download(src)
    assert not old.exists()  # downloads older than DOWNLOAD_TTL are cleaned up
    with pytest.raises(StudioError):
        common.offer_download(tmp_path / "missing.txt")
