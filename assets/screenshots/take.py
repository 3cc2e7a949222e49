"""Take the README's screenshots of the studio showing a real finished training run.

    PYTHONPATH=. .venv/bin/python assets/screenshots/take.py --run-dir RUN_FOLDER [--out assets/screenshots]

RUN_FOLDER is a finished run (e.g. the bundled MiniLM fine-tuned on the bundled sample with the studio's defaults,
as ``bench/sample_clickthrough.py --model minilm --keep DIR`` leaves it). It is copied (never changed) into a
temporary runs folder; the app (``python app.py``) is started on a free port with that runs folder and a temporary
cache, datasets and downloads folder; headless Chromium (/usr/bin/chromium, or $CHROMIUM) then writes full-page PNGs
into --out: data (sample loaded), build (the sample's passages and offline query/passage pairs), train (the run
opened), evaluate (base vs delivered on the sample's test set), compare (one query, both models), export (the run
chosen) and train_zh (the Train tab in 中文). The app is stopped at the end. Takes about 2 minutes on 2 CPU cores
(Evaluate and Compare encode with MiniLM). Needs Playwright (requirements-test.txt) and, for the ✅ gold marks, an
emoji font (Debian: fonts-noto-color-emoji).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUERY = "where does the missing feed go between what we buy and what the pigs eat"  # assets/sample/test.jsonl's first
BUSY = """() => ![...document.querySelectorAll('.wrap.generating, .wrap .eta-bar, .wrap .loading, .progress-text')]
                 .some(e => e.offsetParent !== null)"""  # Gradio's spinners and progress texts, when shown


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(tmp: Path, port: int) -> subprocess.Popen:
    cache = tmp / "cache"
    cache.mkdir()
    installed = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "embedding-studio" / "models"
    if installed.is_dir():  # the converted multilingual model, so the model list reads as on this machine
        (cache / "models").symlink_to(installed, target_is_directory=True)
    env = dict(os.environ, STUDIO_RUNS_DIR=str(tmp / "runs"), STUDIO_CACHE_DIR=str(cache),
               STUDIO_DATASETS_DIR=str(tmp / "datasets"), STUDIO_DOWNLOAD_DIR=str(tmp / "downloads"),
               GRADIO_SERVER_PORT=str(port), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               GRADIO_ANALYTICS_ENABLED="False", PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    for key in ("SPACE_ID", "STUDIO_AUTH", "STUDIO_PUBLIC", "STUDIO_SAMPLE_DIR"):
        env.pop(key, None)
    log = open(tmp / "server.log", "wb")
    proc = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=str(ROOT), env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    log.close()  # the app writes to its own copy of the file
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the app exited:\n" + (tmp / "server.log").read_text(errors="replace")[-3000:])
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            return proc
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the app did not start within 180 s")


def shoot(page, out: Path, name: str) -> None:
    page.wait_for_function(BUSY, timeout=300_000)
    page.wait_for_timeout(1500)  # let images and charts finish drawing
    errors = page.locator(".toast-body.error")
    if errors.count():
        raise SystemExit(f"{name}: an error toast is shown: {errors.first.inner_text()}")
    page.screenshot(path=str(out / f"{name}.png"), full_page=True)
    print(f"  {name}.png", flush=True)


def pick(page, selector: str, name: str) -> None:
    """Type ``name`` into a run picker until it keeps it (the page's load may set its default run later)."""
    box = page.locator(selector)
    for _ in range(5):
        box.fill(name)
        box.press("Enter")
        page.wait_for_timeout(1500)
        if box.input_value().startswith(name):
            return
    raise SystemExit(f"the picker {selector} did not keep {name}")


def drive(page, url: str, run: str, out: Path, query: str) -> None:
    from playwright.sync_api import expect

    long = 300_000
    tab = lambda label: page.get_by_role("tab", name=label).click()  # noqa: E731
    page.goto(url)
    status = page.locator("#data-status")
    expect(status).to_contain_text("Loaded", timeout=120_000)  # the page's load reads the sample
    page.locator("#data-load").click()  # the Load button, as a user clicks it
    page.wait_for_function(BUSY, timeout=long)
    expect(status).to_contain_text("Loaded")
    expect(page.locator("#data-preview")).to_contain_text("pig")
    shoot(page, out, "data")

    tab("2. Build")
    page.locator("#build-passages").click()
    expect(page.locator("#build-passages-md")).to_contain_text("passages", timeout=long)
    page.locator("#build-pairs").click()  # offline pseudo-queries with the BM25 round-trip check: no model, no LLM
    page.wait_for_function("() => document.querySelector('#build-pairs-md').innerText.trim().length > 0", timeout=long)
    shoot(page, out, "build")

    tab("3. Train")
    head = page.locator("#run-head")
    for _ in range(3):
        pick(page, "#run-pick input", run)
        page.locator("#open-run").click()
        try:
            expect(head).to_contain_text(f"{run} · ", timeout=30_000)
            break
        except AssertionError:
            continue
    expect(head).to_contain_text("Delivered:", timeout=60_000)
    expect(page.locator("#metric-plot img").first).to_be_visible(timeout=60_000)
    page.wait_for_function("() => document.querySelectorAll('#loss-plot .role-axis-title').length >= 2", timeout=60_000)
    head.locator("details summary").click()  # the recipe's choices, unfolded
    expect(head.locator("details li").first).to_be_visible(timeout=30_000)
    shoot(page, out, "train")

    tab("4. Evaluate")
    pick(page, "#eval-run input", run)
    page.locator("#eval-go").click()
    expect(page.locator("#eval-headline")).to_contain_text("ndcg@10", timeout=long)
    expect(page.locator("#eval-table")).to_contain_text("ndcg@10", timeout=60_000)
    page.wait_for_function("() => document.querySelectorAll('#tab-evaluate img').length >= 2",  # bars, histograms
                           timeout=60_000)
    shoot(page, out, "evaluate")

    tab("5. Compare")
    pick(page, "#cmp-run input", run)
    page.locator("#cmp-query textarea").fill(query)
    page.locator("#cmp-go").click()
    expect(page.locator("#cmp-left tr[data-gold]")).to_have_count(10, timeout=long)
    expect(page.locator("#cmp-right tr[data-gold]")).to_have_count(10, timeout=60_000)
    shoot(page, out, "compare")

    tab("6. Export")
    pick(page, "#exp-run input", run)
    expect(page.locator("#exp-card")).to_contain_text(run, timeout=60_000)
    shoot(page, out, "export")

    page.locator("#lang").get_by_text("中文").click()
    tab("3. 训练")
    expect(head).to_contain_text("交付：", timeout=60_000)
    expect(page.locator("#start")).to_have_text("开始训练", timeout=60_000)
    if not head.locator("details").evaluate("d => d.open"):  # redrawn in Chinese: unfold it again
        head.locator("details summary").click()
    expect(head.locator("details li").first).to_be_visible(timeout=30_000)
    shoot(page, out, "train_zh")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--run-dir", required=True, help="a finished run folder (copied, never changed)")
    ap.add_argument("--out", default=str(ROOT / "assets" / "screenshots"), help="where the PNGs go")
    ap.add_argument("--query", default=QUERY, help="the Compare tab's query")
    ap.add_argument("--scale", type=float, default=1.0, help="device scale factor of the screenshots")
    args = ap.parse_args()
    src = Path(args.run_dir).resolve()
    if not (src / "config.yaml").is_file() or not (src / "status.json").is_file():
        raise SystemExit(f"{src} is not a finished run folder (no config.yaml / status.json)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="studio-shots-") as tmp_name:
        tmp = Path(tmp_name)
        shutil.copytree(src, tmp / "runs" / src.name, symlinks=False)
        port = free_port()
        proc = start_app(tmp, port)
        try:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
                page = browser.new_page(viewport={"width": 1400, "height": 1000}, device_scale_factor=args.scale)
                page.set_default_timeout(60_000)
                try:
                    drive(page, f"http://127.0.0.1:{port}/", src.name, out, args.query)
                finally:
                    browser.close()
        finally:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    print(f"done in {time.monotonic() - started:.0f} s -> {out}")


if __name__ == "__main__":
    main()
