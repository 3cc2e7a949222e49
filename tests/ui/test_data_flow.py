"""The Data tab's flow when an upload's format cannot be detected, and its preview pager, on the running studio.

An upload that is read but whose format (or column mapping) cannot be detected is kept: its columns are offered in
the mapping dropdowns and Apply reads it with the format and mapping chosen by hand (before, the load cleared the
active dataset and Apply answered "Load data in the Data tab first"). Through gradio_client, then in headless
Chromium (the pager's layout, the whole flow on the Chinese page).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(240)

NO_MAPS = [None] * 6
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def client(studio):
    """A fresh session (its own active dataset) on the running studio."""
    from gradio_client import Client

    return Client(studio["url"], verbose=False)


@pytest.fixture
def docs_jsonl(tmp_path) -> Path:
    """Queries with lists of passages under names the detection does not know: nothing is detected, and it reads
    as qpn once mapped by hand (query=ask, pos=docs)."""
    p = tmp_path / "docs.jsonl"
    rows = [{"ask": "how do pigs digest corn", "docs": ["pigs digest corn in the small intestine"]},
            {"ask": "what water do sows need", "docs": ["sows need clean water all day"]},
            {"ask": "when are piglets weaned", "docs": ["piglets are weaned at about four weeks"]}]
    p.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return p


def load_sample(c):
    return c.predict("sample", "train.jsonl", None, None, "en", 1, 10, api_name="/data_load")


def upload(c, path: Path, lang: str = "en"):
    from gradio_client import handle_file

    return c.predict("upload", None, handle_file(str(path)), None, lang, 1, 10, api_name="/data_load")


def banner(c, lang: str = "en") -> str:
    return c.predict(lang, api_name="/active_dataset")


def test_an_undetected_upload_is_kept_to_map_by_hand(client, docs_jsonl):
    load_sample(client)
    out = upload(client, docs_jsonl)  # no error: the file waits for its mapping
    status, fmt, *maps = out[:8]
    preview = out[10]
    assert "Could not tell what kind of data docs.jsonl holds" in status and "docs.jsonl is kept" in status, status
    assert "Until then the active dataset is still sample: train.jsonl (qpn)." in status
    assert status.count("⚠️") == 1  # the sentence's own sign, not the box's too
    shown = [m for m in maps if m.get("visible")]
    assert fmt["value"] == "pair" and [m["label"] for m in shown] == ["anchor", "positive"]
    assert all(m["choices"] == [["ask", "ask"], ["docs", "docs"]] for m in shown), shown
    assert preview["headers"][1:] == ["ask", "docs"] and len(preview["data"]) == 3  # its rows, to map by
    assert banner(client) == "**Active dataset:** sample: train.jsonl · qpn · 40 rows"  # not active yet
    # Apply reads the kept file, never "Load data in the Data tab first": another format, its roles to map ...
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=r"The qpn format needs a column for 'query', 'pos'"):
        client.predict("en", 1, 10, "qpn", "ask", "docs", *NO_MAPS[2:], api_name="/data_apply")
    assert banner(client) == "**Active dataset:** sample: train.jsonl · qpn · 40 rows"
    # ... mapped: the file is the active dataset
    out = client.predict("en", 1, 10, "qpn", "ask", "docs", *NO_MAPS[2:], api_name="/data_apply")
    assert out[0].startswith("Loaded 3 of 3 rows from docs.jsonl as qpn.") and out[1]["value"] == "qpn"
    assert [m["label"] for m in out[2:8] if m.get("visible")] == ["query", "pos"]
    assert banner(client) == "**Active dataset:** docs.jsonl · qpn · 3 rows"
    assert banner(client, "zh") == "**当前数据集：** docs.jsonl · qpn · 3 行"


def test_an_undetected_upload_with_no_dataset_active_and_its_chinese_status(client, docs_jsonl):
    out = upload(client, docs_jsonl, "zh")
    status = out[0]
    assert "docs.jsonl 已保留" in status and "无法判断 docs.jsonl 是哪种数据" in status
    assert "Could not" not in status
    assert "仍是" not in status  # no dataset was active to stay
    assert "none" in banner(client)
    en = client.predict("en", api_name="/data_language")[0]
    assert "docs.jsonl is kept" in en and "Until then" not in en
    # a failed apply with no dataset active says so (not "Still active: None")
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError):
        client.predict("en", 1, 10, "qpn", "ask", "docs", *NO_MAPS[2:], api_name="/data_apply")
    status = client.predict("en", api_name="/data_language")[0]
    assert "not applied" in status and "No dataset is active yet." in status and "None" not in status, status
    out = client.predict("en", 1, 10, "qpn", "ask", "docs", *NO_MAPS[2:], api_name="/data_apply")
    assert out[0].startswith("Loaded 3 of 3 rows") and "docs.jsonl · qpn · 3 rows" in banner(client)


# ------------------------------------------------------------------------------------------------ browser


@pytest.fixture(scope="module")
def browser():
    from tests.ui.conftest import ARGS, CHROMIUM

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed; the browser check is skipped")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _rect(locator, closest: str = "") -> dict:
    """The page rectangle of ``locator``'s element (or of its closest ``closest`` ancestor)."""
    return locator.evaluate(f"(e) => {{ const n = {'e.closest(' + repr(closest) + ')' if closest else 'e'}; "
                            "const r = n.getBoundingClientRect(); return {x: r.x, y: r.y, w: r.width, h: r.height}; }")


@pytest.mark.parametrize("width", [1280, 800])
def test_the_pager_is_one_line(browser, studio, width):
    """Page box, "/ N" and rows-per-page box side by side, each its own width, "/ N" level with the page number
    (the two boxes were stacked in one stretched grey box, "/ N" floating above at the far side)."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": width, "height": 800})
    try:
        page.set_default_timeout(60_000)
        page.goto(studio["url"])
        expect(page.locator("#data-status")).to_contain_text("Loaded 40 of 40 rows", timeout=90_000)
        tab = page.locator("#tab-data")
        count_text = tab.get_by_text("/ 4", exact=True)
        expect(count_text).to_be_visible()
        number, size = tab.get_by_label("Page", exact=True), tab.get_by_label("Rows per page", exact=True)
        n, s, c = _rect(number), _rect(size), _rect(count_text)
        n_block, s_block = _rect(number, ".block"), _rect(size, ".block")

        def mid(b):
            return b["y"] + b["h"] / 2

        assert abs(mid(n) - mid(s)) <= 2, (n, s)  # one line
        assert abs(mid(c) - mid(n)) <= 8, (c, n)  # "/ 4" level with the page number
        assert n["x"] + n["w"] <= c["x"] < c["x"] + c["w"] <= s["x"], (n, c, s)  # in this order
        assert n_block["w"] <= 200 and s_block["w"] <= 220, (n_block, s_block)  # not stretched
    finally:
        page.close()


def test_mapping_an_undetected_upload_by_hand_on_the_chinese_page(browser, studio, docs_jsonl):
    """The whole flow as a user clicks it, in Chinese: the upload is kept (no error badges over the dropdowns),
    picking qpn turns the dropdowns into its roles, Apply makes the file the active dataset."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.set_default_timeout(60_000)
        page.goto(studio["url"])
        status, banner_line = page.locator("#data-status"), page.locator("#active-dataset")
        expect(status).to_contain_text("Loaded 40 of 40 rows", timeout=90_000)
        page.locator("#lang").get_by_text("中文").click()
        expect(status).to_contain_text("已从 train.jsonl 加载", timeout=30_000)
        page.locator("#data-source").get_by_text("上传文件").click()
        page.locator("#upload-train input[type=file]").set_input_files(str(docs_jsonl))
        expect(page.locator("#upload-train")).to_contain_text(re.compile(r"docs\s*\.jsonl"))  # name and extension: two spans
        page.locator("#data-load").click()
        expect(status).to_contain_text("docs.jsonl 已保留", timeout=30_000)
        expect(status).to_contain_text("当前数据集仍是 sample: train.jsonl")
        expect(banner_line).to_contain_text("sample: train.jsonl")
        expect(page.locator("#tab-data .error")).to_have_count(0)  # no "Error" badge covers the dropdowns
        page.locator("#data-format input").click()
        page.get_by_role("option", name="qpn", exact=True).click()
        for label, column in (("查询（query）", "ask"), ("正例（pos）", "docs")):
            box = page.get_by_label(label, exact=True)
            expect(box).to_be_visible(timeout=30_000)
            box.click()
            options = page.locator(f"#{box.get_attribute('aria-controls')}")  # this dropdown's list
            options.get_by_role("option", name=column, exact=True).click()
        page.locator("#data-apply").click()
        expect(status).to_contain_text("已从 docs.jsonl 加载 3 行中的 3 行，格式：qpn。", timeout=30_000)
        expect(banner_line).to_contain_text("docs.jsonl · qpn · 3 行")
    finally:
        page.close()


def test_a_test_file_uploaded_beside_the_training_file_is_what_evaluate_measures_on(browser, studio, tmp_path):
    """Upload a training file and a test file in the Data tab, Load: the status says the test file is held out, and
    the Evaluate tab names it as its evaluation data. The training file given again as the test file is refused at
    Load with one sentence, and the active dataset stays."""
    from playwright.sync_api import expect

    train, held = tmp_path / "pairs.csv", tmp_path / "held-out.csv"
    train.write_text("question,answer\n" + "".join(f"pig question {i},pig answer {i}\n" for i in range(12)),
                     encoding="utf-8")
    held.write_text("question,answer\nsow question,sow answer\n", encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.set_default_timeout(60_000)
        page.goto(studio["url"])
        status = page.locator("#data-status")
        expect(status).to_contain_text("Loaded 40 of 40 rows", timeout=90_000)
        page.locator("#data-source").get_by_text("Upload files").click()
        page.locator("#upload-train input[type=file]").set_input_files(str(train))
        # the training file again as the test file: refused at Load in one sentence, the sample stays active
        page.locator("#upload-test input[type=file]").set_input_files(str(train))
        page.locator("#data-load").click()
        toast = page.locator('[data-testid="toast-text"]').filter(has_text="which is also training data")
        expect(toast.first).to_contain_text("data.test lists pairs.csv, which is also training data (data.train)",
                                            timeout=30_000)
        expect(status).to_contain_text("Could not load pairs.csv: data.test lists pairs.csv, which is also training data")
        expect(status).to_contain_text("Still active: sample: train.jsonl")
        page.locator("#upload-test button[aria-label='Clear']").click()
        page.locator("#upload-test input[type=file]").set_input_files(str(held))
        expect(page.locator("#upload-test")).to_contain_text(re.compile(r"held-out\s*\.csv"))
        page.locator("#data-load").click()
        expect(status).to_contain_text("Test file held-out.csv: held out of training and validation", timeout=30_000)
        expect(status).to_contain_text("Loaded 12 of 12 rows")
        page.get_by_role("tab", name="4. Evaluate").click()
        expect(page.locator("#tab-evaluate")).to_contain_text("held-out.csv")
    finally:
        page.close()
