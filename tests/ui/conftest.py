"""Start the studio once per test session in a child process, on a free port, with runs/cache/sample
folders in a temp dir and the tiny test model, so UI tests drive the real app over HTTP."""

from __future__ import annotations

import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, tiny_pairs


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_sample(folder: Path) -> Path:
    """A tiny qpn dataset in the sample layout (train/validation/test + passages.jsonl), tiny-model vocabulary."""
    folder.mkdir(parents=True, exist_ok=True)
    pairs = tiny_pairs(60)
    rows = []
    for i, (q, p) in enumerate(pairs):
        rows.append({"query": q, "pos": [p], "neg": [pairs[(i + 3) % len(pairs)][1]]})
    splits = {"train.jsonl": rows[:40], "validation.jsonl": rows[40:50], "test.jsonl": rows[50:]}
    for name, part in splits.items():
        (folder / name).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part), encoding="utf-8")
    # like assets/sample: a BEIR folder beside the splits (the whole corpus, test queries) for Evaluate/Compare
    from core.builder.dataset_files import export_beir
    from core.builder.split import build_retrieval_set

    export_beir(build_retrieval_set({"train": rows[:40], "validation": rows[40:50], "test": rows[50:]}), folder / "beir")
    passages = [{"id": f"p{i}", "text": p + "。 the pig feed is good. 猪的饲料很好。", "source": "kb.md"} for i, (_, p) in enumerate(pairs)]
    (folder / "passages.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in passages), encoding="utf-8")
    return folder


def _wait_started(proc, log_path: Path, port: int, timeout: float = 90) -> bool:
    """True once ``proc`` says it serves on ``port`` and the URL answers; False when it exited first."""
    mark = re.compile(rf"Running on local URL:\s+http://[\d.]+:{port}\b")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if mark.search(log_path.read_text(errors="replace")):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
                return True
            except urllib.error.HTTPError:  # up, but asks for a login
                return True
            except OSError:
                pass
        time.sleep(0.5)
    proc.kill()
    raise RuntimeError(f"studio did not start within {timeout:.0f} s")


def start_app(make_env, cwd: Path, log_path: Path):
    """Start ``python app.py`` in ``cwd`` with the environment ``make_env(port)`` on a free port; return
    (process, port, open log file) once that process serves. Another test worker may take the free port between
    _free_port() and the bind: then this app exits ("Cannot find empty port") while the other server answers the
    URL, so only the process's own "Running on local URL ...:<port>" line counts, and a lost race retries."""
    for _attempt in range(5):
        port = _free_port()
        env = dict(make_env(port), PYTHONUNBUFFERED="1")
        log = open(log_path, "wb")
        proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=str(cwd), env=env,
                                stdout=log, stderr=subprocess.STDOUT)
        if _wait_started(proc, log_path, port):
            return proc, port, log
        log.close()
        text = log_path.read_text(errors="replace")
        if "Cannot find empty port" not in text:
            raise RuntimeError("studio exited early:\n" + text[-3000:])
    raise RuntimeError("studio could not bind a free port in 5 attempts")


def stop_app(proc, log) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@contextlib.contextmanager
def running_studio(base: Path, tiny_model_path, runs: Path | None = None, drop: tuple = (), **extra_env):
    """Start the studio with its folders under ``base`` (runs in ``runs`` when given), plus ``extra_env`` and
    without the variables in ``drop``; yield dict(url, runs, datasets, sample, model, log)."""
    sample = write_sample(base / "sample")
    runs = runs or base / "runs"

    def make_env(port):
        env = dict(os.environ, STUDIO_RUNS_DIR=str(runs), STUDIO_CACHE_DIR=str(base / "cache"),
                   STUDIO_DATASETS_DIR=str(base / "datasets"),
                   STUDIO_SAMPLE_DIR=str(sample), GRADIO_SERVER_PORT=str(port), HF_HUB_OFFLINE="1",
                   STUDIO_TEST_LLM_API_KEY="sk-from-env-0123456789",  # the Build tab's "environment variable" option reads it
                   TRANSFORMERS_OFFLINE="1", GRADIO_ANALYTICS_ENABLED="False", TOKENIZERS_PARALLELISM="false",
                   PYTHONPATH=str(ROOT))
        env.pop("SPACE_ID", None)
        env.update(extra_env)
        for key in drop:
            env.pop(key, None)
        return env

    proc, port, log = start_app(make_env, ROOT, base / "server.log")
    try:
        yield {"url": f"http://127.0.0.1:{port}/", "runs": runs, "datasets": base / "datasets", "sample": sample,
               "model": str(tiny_model_path), "log": base / "server.log"}
    finally:
        stop_app(proc, log)


@pytest.fixture(scope="session")
def studio(tmp_path_factory, tiny_model_path):
    """URL of a running studio plus its folders: dict(url, runs, sample, model, log)."""
    with running_studio(tmp_path_factory.mktemp("studio"), tiny_model_path) as info:
        yield info


@pytest.fixture(scope="session")
def same_model_run(studio):
    """A run folder in the studio whose 'tuned' model is a copy of its base: the verdict is 'no detectable difference'."""
    import shutil

    from core.training import TrainConfig

    rd = studio["runs"] / "same-as-base"
    rd.mkdir(parents=True, exist_ok=True)
    TrainConfig(name="same-as-base", model=studio["model"]).save(rd / "config.yaml")
    shutil.copytree(studio["model"], rd / "final", dirs_exist_ok=True)
    (rd / "status.json").write_text(json.dumps({"status": "completed"}))
    return "same-as-base"


@pytest.fixture(scope="module")
def client(studio):
    """A session of each test module on the running studio, with the sample loaded (a module that needs a fresh
    session without data defines its own ``client``)."""
    from gradio_client import Client

    c = Client(studio["url"], verbose=False)
    out = c.predict("sample", "train.jsonl", None, None, "en", 1, 10, api_name="/data_load")
    assert "Loaded 40 of 40 rows" in out[0]
    return c


EXPECT_TIMEOUT_MS = 30_000
"""How long a browser test's ``expect`` waits by default. Playwright's own default is 5 s whatever the page's
timeout; on a loaded CI machine a click's event can wait that long in Gradio's queue behind the one before."""
with contextlib.suppress(ImportError):  # Playwright is a test dependency; without it the browser tests skip or fail
    from playwright.sync_api import expect as _expect

    _expect.set_options(timeout=EXPECT_TIMEOUT_MS)

CHROMIUM = Path("/usr/bin/chromium")  # Debian's chromium, driven by Playwright (the browser tests)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def page(studio):
    """A headless Chromium page on the running studio, one per test module; skipped where Chromium is missing,
    except under CI, where that fails."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing but CI is set: install the Debian 'chromium' package")
        pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium); browser test skipped outside CI")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        pg = browser.new_page(viewport={"width": 1440, "height": 1000})
        pg.set_default_timeout(60_000)
        pg.goto(studio["url"])
        try:
            yield pg
        finally:
            browser.close()


@pytest.fixture
def app_fns(tmp_path, monkeypatch):
    """The app's event functions by api name, from the app built in this process (no server), and a counter of
    the data files read from disk (``core.data.readers._read_bytes``, which every text read goes through)."""
    import core.data.readers as readers

    for name in ("runs", "datasets", "cache"):  # nothing is written under the repository
        monkeypatch.setenv(f"STUDIO_{name.upper()}_DIR", str(tmp_path / name))
    monkeypatch.setenv("STUDIO_SAMPLE_DIR", str(write_sample(tmp_path / "sample")))
    import ui.app

    app = ui.app.build_app()
    fns = {f.api_name: f.fn for f in app.fns.values() if isinstance(getattr(f, "api_name", None), str)}
    reads: list[str] = []
    real = readers._read_bytes
    monkeypatch.setattr(readers, "_read_bytes", lambda path, gz: reads.append(path.name) or real(path, gz))
    return fns, reads
