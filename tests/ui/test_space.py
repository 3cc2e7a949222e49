"""The repository runs as a Hugging Face Space as it is: started with a Space's environment, app.py binds
0.0.0.0 on the given port and keeps runs and datasets on the persistent storage."""

from __future__ import annotations

import os
import time
import urllib.request

import pytest

from tests.conftest import ROOT
from tests.ui.conftest import start_app, stop_app

pytestmark = pytest.mark.timeout(240)


def _listening(port: int) -> set[str]:
    """Local addresses (hex, as /proc/net/tcp shows them) with a socket listening on ``port``."""
    out = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table, encoding="ascii").read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            addr, hexport = local.rsplit(":", 1)
            if state == "0A" and int(hexport, 16) == port:
                out.add(addr)
    return out


def test_app_as_a_space_binds_all_interfaces_and_uses_persistent_storage(tmp_path, tiny_model_path):
    data = tmp_path / "data"
    data.mkdir()

    def make_env(port):
        env = {k: v for k, v in os.environ.items() if not k.startswith("STUDIO_")}
        env.update(SPACE_ID="team/embedding-studio", SPACE_DATA_DIR=str(data), PORT=str(port),
                   GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", PYTHONPATH=str(ROOT))
        env.pop("GRADIO_SERVER_PORT", None)
        return env

    proc, port, log = start_app(make_env, tmp_path, tmp_path / "server.log")
    deadline = time.monotonic() + 180
    try:
        addrs = _listening(port)
        assert addrs and all(set(a) == {"0"} for a in addrs), f"expected 0.0.0.0 / [::], got {addrs}"
        assert (data / "runs").is_dir() and (data / "datasets").is_dir()
        assert not (tmp_path / "runs").exists(), "nothing is written to the working folder inside a Space"
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5).read().decode("utf-8", "replace")
        assert "Embedding Studio" in page
        # the model stack is imported in the background once the app is up (ui.app.warm_engine_imports), so the
        # first Evaluate / Compare click does not wait for torch + sentence-transformers
        maps = f"/proc/{proc.pid}/maps"
        while time.monotonic() < deadline and "libtorch" not in open(maps, encoding="utf-8", errors="replace").read():
            time.sleep(0.5)
        assert "libtorch" in open(maps, encoding="utf-8", errors="replace").read(), "torch was not imported in the background"
    finally:
        stop_app(proc, log)


def test_space_launch_settings_default_to_all_interfaces_on_7860_and_persistent_storage(monkeypatch, tmp_path):
    """Without a port in the environment a Space serves on 0.0.0.0:7860 (the Space's default app_port); runs,
    datasets and the cache go to the persistent storage when it is mounted, else to the working folder."""
    from core.paths import cache_root, datasets_root, runs_root
    from ui.app import launch_kwargs

    for var in ("PORT", "GRADIO_SERVER_PORT", "STUDIO_RUNS_DIR", "STUDIO_DATASETS_DIR", "STUDIO_CACHE_DIR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SPACE_ID", "team/embedding-studio")
    monkeypatch.setenv("SPACE_DATA_DIR", str(tmp_path / "not-mounted"))
    kw = launch_kwargs()
    assert (kw["server_name"], kw["server_port"]) == ("0.0.0.0", 7860)
    assert runs_root() == tmp_path / "runs" and datasets_root() == tmp_path / "datasets"
    from ui.app import storage_note

    # no persistent storage: the server log says where runs go and that a restart loses them
    assert storage_note().startswith(f"This Space has no persistent storage at {tmp_path / 'not-mounted'} (mounted "
                                     f"and writable): runs and uploaded data are kept in {tmp_path} and are lost")
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("SPACE_DATA_DIR", str(data))
    kw = launch_kwargs()
    assert (runs_root(), datasets_root(), cache_root()) == (data / "runs", data / "datasets", data / "cache")
    assert storage_note() == ""
    assert set(kw["blocked_paths"]) == {str(data / "runs"), str(data / "datasets")}
    monkeypatch.delenv("SPACE_ID")
    assert launch_kwargs()["server_name"] == "127.0.0.1" and runs_root() == tmp_path / "runs"
    assert storage_note() == ""  # a workstation keeps its runs folder
