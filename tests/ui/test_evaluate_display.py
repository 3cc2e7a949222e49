"""What the Evaluate and Compare tabs show, found by a new user's click-through:

- the Evaluate metric table: a ``separation_auc`` row had empty cells (no per-query CI / p for a metric measured
  over all score pairs at once); now an empty cell reads "—" and a line says why, and a metric no model has a
  value for is no row;
- the verdict's query counts in the Evaluate headline: "68,461", and "more than 100,000" for an absurd count;
- the Compare tab: ↑/↓ marks were on the base list too (they belong to the tuned list, against the base), the
  gold column wrapped one character per line, passages were cut mid-word.

Unit tests on the tabs' render functions, then headless Chromium on a tiny run (skipped only when
/usr/bin/chromium is absent and CI is not set).
"""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from core.evaluation.search import SearchHit
from ui.strings import t

pytestmark = pytest.mark.timeout(240)


# ------------------------------------------------------------------------------------ Evaluate: the metric table


def _table() -> pd.DataFrame:
    """The shape ``evaluate_models`` gives (index reset): per-query metrics with CI and p, separation_auc without,
    triplet_accuracy with no value at all (a set without triplets), recall@1 with a base score of 0."""
    nan = np.nan
    return pd.DataFrame({
        "metric": ["ndcg@10", "recall@1", "separation_auc", "triplet_accuracy"],
        "base": [0.5123, 0.0, 0.574, nan], "tuned": [0.6507, 0.5, 0.652, nan],
        "Δ tuned": [0.1384, 0.5, 0.078, nan], "Δ% tuned": [27.0, nan, 13.6, nan],
        "CI low tuned": [-0.06, 0.1, nan, nan], "CI high tuned": [0.41, 0.8, nan, nan], "p tuned": [0.24, 0.03, nan, nan],
    })


def _view(table: pd.DataFrame):
    from ui.tabs.evaluate import EvalView

    empty = pd.DataFrame(columns=["query", "gold", "rank:base", "rank:tuned"])
    v = EvalView(headline="'tuned' vs base 'base' on ndcg@10: 0.6507 vs 0.5123 (+0.1384, +27.0%).", guard="",
                 verdicts=[], table=table, improved=empty, degraded=empty, n_queries=10, n_passages=60,
                 dataset="beir/test")
    v.labels = ["base", "tuned"]  # what EvalView.of(result) records
    return v


def test_shown_table_dashes_empty_cells_and_drops_a_metric_without_values():
    from ui.tabs.evaluate import MISSING, shown_table

    shown, not_per_query, zero_base = shown_table(_table(), ["base", "tuned"])
    assert list(shown["metric"]) == ["ndcg@10", "recall@1", "separation_auc"]  # triplet_accuracy: no value, no row
    auc = shown.set_index("metric").loc["separation_auc"]
    assert auc["base"] == 0.574 and auc["Δ% tuned"] == 13.6  # its scores are kept, as numbers
    assert [auc[c] for c in ("CI low tuned", "CI high tuned", "p tuned")] == [MISSING] * 3
    assert shown.set_index("metric").loc["recall@1", "Δ% tuned"] == MISSING
    assert not shown.isna().any().any()  # no empty cell left
    assert not_per_query == ["separation_auc"] and zero_base == ["recall@1"]
    # without labels the score columns are the ones that are not Δ / Δ% / CI / p
    assert shown_table(_table())[1:] == (["separation_auc"], ["recall@1"])
    # nothing missing: nothing to say, the numbers unchanged
    full = _table().iloc[:1]
    same, a, b = shown_table(full, ["base", "tuned"])
    assert a == b == [] and same.iloc[0].tolist() == full.iloc[0].tolist()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_render_shows_dashes_and_says_why(lang):
    from ui.tabs.evaluate import render

    head, table, _, _ = render(_view(_table()), lang)
    assert t("eval_dash_not_per_query", lang, metrics="separation_auc") in head
    assert t("eval_dash_zero_base", lang, metrics="recall@1") in head
    assert len(table) == 3 and not table.isna().any().any()
    metric_col = table.columns[0]
    auc = table[table[metric_col] == "separation_auc"].iloc[0]
    assert list(auc.iloc[-3:]) == ["—"] * 3
    # a table with nothing missing gets no note
    head2, *_ = render(_view(_table().iloc[:1]), lang)
    assert t("eval_dash_not_per_query", lang, metrics="separation_auc") not in head2
    assert "—" not in head2


def test_the_notes_read_as_sentences_in_both_languages():
    """The notes come from ui.strings (English and Chinese); a missing entry would show its bare key."""
    for lang in ("en", "zh"):
        note = t("eval_dash_not_per_query", lang, metrics="separation_auc")
        assert note != "eval_dash_not_per_query" and "separation_auc" in note and "—" in note
        assert "recall@1" in t("eval_dash_zero_base", lang, metrics="recall@1")
    assert re.search(r"[\u4e00-\u9fff]", t("eval_dash_not_per_query", "zh", metrics="separation_auc"))


def test_the_headline_writes_query_counts_with_a_separator():
    from core.evaluation.stats import NO_DIFFERENCE, PairedDiff
    from core.evaluation.verdict import verdict_parts
    from ui.tabs.evaluate import render

    def parts(needed):
        d = PairedDiff(n=12000, mean_a=0.5, mean_b=0.501, diff=0.001, ci_low=-0.01, ci_high=0.012, p_value=0.5,
                       verdict=NO_DIFFERENCE, needed_n=needed)
        return verdict_parts("tuned", "base", "ndcg@10", d)

    v = _view(_table().iloc[:1])
    v.verdicts, v.n_queries, v.n_passages = [parts(68461), parts(1024371)], 12000, 150000
    en = render(v, "en")[0]
    assert "over 12,000 queries" in en and "about 68,461 queries would be needed" in en
    assert "more than 100,000 queries would be needed" in en and "1024371" not in en and "1,024,371" not in en
    assert "Measured on 12,000 queries against 150,000 passages" in en
    zh = render(v, "zh")[0]
    assert "68,461" in zh and "100,000" in zh and "1024371" not in zh and "68461" not in zh


# ------------------------------------------------------------------------------------ Compare: the two lists


def _hits(changes, gold_at=None, text="feed for pigs"):
    return [SearchHit(doc_id=f"d{i}", text=text, score=0.9 - i / 100, rank=i + 1,
                      other_rank=None if c is None else i + 1 + c, rank_change=c, in_other=c is not None,
                      gold=(i == gold_at))
            for i, c in enumerate(changes)]


def test_rank_change_marks_are_on_the_tuned_list_only():
    from ui.tabs.compare import render

    base = _hits([-2, 3, 0, None], gold_at=1)  # the engine gives the base hits a change against the tuned model too
    tuned = _hits([2, -1, 0, None], gold_at=0)
    left, right = render([base, tuned], "en")
    for mark in ("↑", "↓", "rank-up", "rank-down", ">Δ</th>", f">{t('cmp_new', 'en')}<"):
        assert mark not in left, mark
    assert len(re.findall(r"<th[ >]", left)) == 4 and left.count("<td") == 4 * 4  # #, gold, score, passage
    assert "↑2" in right and "↓1" in right and ">=<" in right and f">{t('cmp_new', 'en')}<" in right
    assert "<th>Δ</th>" in right and len(re.findall(r"<th[ >]", right)) == 5 and right.count("<td") == 4 * 5
    assert left.count("data-gold='1'") == 1 and right.count("data-gold='1'") == 1


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_gold_column_does_not_wrap(lang):
    from ui.tabs.compare import render

    left, right = render([_hits([0]), _hits([0])], lang)
    for side in (left, right):
        gold_th = re.search(r"<th([^>]*)>" + re.escape(t("cmp_gold", lang)) + "</th>", side)
        assert gold_th and "white-space:nowrap" in gold_th.group(1), side
        assert "white-space:nowrap" not in re.search(r"<th([^>]*)>" + re.escape(t("cmp_passage", lang)), side).group(1)


EN_LONG = "Protein from soybean and corn is mixed with water so that the sows eat enough during the hot summer month. " * 5


def test_the_lists_cut_long_passages_at_a_word_boundary_with_an_ellipsis():
    from ui.tabs.compare import render

    assert EN_LONG[299].isalpha() and EN_LONG[300].isalpha()  # the old cut, text[:300], ended in "...during t"
    left, right = render([_hits([0], text=EN_LONG), _hits([0], text=EN_LONG)], "en")
    for side in (left, right):
        assert EN_LONG[:EN_LONG.rindex(" ", 0, 300)] + "…</td>" in side and "during t<" not in side
    zh = "猪场每天早上检查饲料并记录每头仔猪的体重" * 20
    left, _ = render([_hits([0], text=zh), _hits([0], text=zh)], "zh")
    assert zh[:300] + "…</td>" in left  # Chinese: cut at a character, the full length kept


def test_clip():
    from ui.tabs.compare import PASSAGE_CHARS, clip

    assert PASSAGE_CHARS == 300
    cut = clip(EN_LONG)
    assert cut == EN_LONG[:EN_LONG.rindex(" ", 0, 300)] + "…" and cut.endswith("eat enough during…")
    zh = "猪场每天早上检查饲料并记录每头仔猪的体重" * 20
    assert clip(zh) == zh[:300] + "…"
    # mixed: a cut between two Chinese characters stays where it is, a cut inside an English word goes back
    assert clip("猪" * 295 + "protein feed") == "猪" * 295 + "…"
    assert clip("猪" * 299 + "，猪猪") == "猪" * 299 + "…"  # no dangling comma before the ellipsis
    # short text unchanged; one endless word is cut where it must be; a shorter limit
    assert clip("feed for pigs") == "feed for pigs" and clip("") == ""
    assert clip("x" * 400) == "x" * 300 + "…"
    assert clip("feed for pigs needs protein", 14) == "feed for pigs…"


# ------------------------------------------------------------------------------------ headless Chromium


@pytest.fixture(scope="module")
def changed_run(studio):
    """A run whose tuned model is the tiny model with its weights nudged (fixed seed): rankings differ."""
    import torch
    from sentence_transformers import SentenceTransformer

    from core.training import TrainConfig

    rd = studio["runs"] / "display-run"
    if not (rd / "final").is_dir():
        rd.mkdir(parents=True, exist_ok=True)
        cfg = TrainConfig(name="display-run", model=studio["model"])
        trained = rd / "three-test-rows.jsonl"  # three test queries it trained on: Evaluate leaves them out
        test_rows = (studio["sample"] / "test.jsonl").read_text(encoding="utf-8").splitlines()
        trained.write_text("\n".join(test_rows[:3]) + "\n", encoding="utf-8")
        cfg.data.train = [str(trained)]
        cfg.save(rd / "config.yaml")
        model = SentenceTransformer(studio["model"], device="cpu")
        gen = torch.Generator().manual_seed(1)
        with torch.no_grad():
            for prm in model.parameters():
                prm.add_(0.05 * torch.randn(prm.shape, generator=gen))
        model.save(str(rd / "final"))
        (rd / "status.json").write_text(json.dumps({"status": "completed"}))
    yield "display-run"
    shutil.rmtree(rd, ignore_errors=True)


def _pick_run(page, picker: str, name: str) -> None:
    page.locator(f"{picker} input").click()
    page.get_by_role("option", name=re.compile(f"^{re.escape(name)} · ")).first.click()


# how many line boxes a header's text takes: 1 when it does not wrap
_LINES = """(sel) => [...document.querySelectorAll(sel)].map(th => {
    const r = document.createRange(); r.selectNodeContents(th);
    return [th.textContent, new Set([...r.getClientRects()].map(x => Math.round(x.top))).size]; })"""


def test_compare_and_evaluate_in_the_browser(page, changed_run):
    from playwright.sync_api import expect

    expect(page.locator("#data-status")).to_contain_text("Loaded", timeout=90_000)
    page.get_by_role("tab", name="5. Compare").click()
    _pick_run(page, "#cmp-run", changed_run)
    page.locator("#cmp-query textarea").fill("pig feed protein")
    page.locator("#cmp-go").click()
    expect(page.locator("#cmp-right tr[data-gold]")).to_have_count(10, timeout=90_000)
    expect(page.locator("#cmp-left tr[data-gold]")).to_have_count(10)
    # the tuned list marks how the tuned model moved each passage; the base list has no such column
    assert page.locator("#cmp-right .rank-up, #cmp-right .rank-down").count() > 0
    assert page.locator("#cmp-left .rank-up, #cmp-left .rank-down").count() == 0
    assert "Δ" in page.locator("#cmp-right thead").inner_text() and "Δ" not in page.locator("#cmp-left thead").inner_text()
    assert not re.search("[↑↓]", page.locator("#cmp-left").inner_text())
    for text, lines in page.evaluate(_LINES, "#cmp-left th, #cmp-right th"):
        assert lines == 1, (text, lines)

    page.get_by_role("tab", name="4. Evaluate").click()
    _pick_run(page, "#eval-run", changed_run)
    page.locator("#eval-go").click()
    expect(page.locator("#eval-headline")).to_contain_text("ndcg@10", timeout=90_000)
    expect(page.locator("#eval-headline")).to_contain_text(t("eval_dash_not_per_query", "en", metrics="separation_auc"))
    expect(page.locator("#eval-headline")).to_contain_text(t("eval_left_out", "en", n="3"))
    expect(page.locator("#eval-table")).to_contain_text("separation_auc")
    row = page.locator("#eval-table [role=row]", has_text="separation_auc").first  # gradio 6: a virtual grid
    cells = [c.strip() for c in row.locator("[role=gridcell]").all_inner_texts()]
    assert cells[-3:] == ["—", "—", "—"] and all(cells), cells

    # the Chinese page: the gold header 标准答案 on one line, the note in Chinese
    page.locator("#lang").get_by_text("中文").click()
    expect(page.locator("#eval-headline")).to_contain_text(
        t("eval_dash_not_per_query", "zh", metrics="separation_auc"), timeout=30_000)
    expect(page.locator("#eval-headline")).to_contain_text(t("eval_left_out", "zh", n="3"))
    page.get_by_role("tab", name="5. 对比").click()
    expect(page.locator("#cmp-right thead")).to_contain_text(t("cmp_gold", "zh"), timeout=30_000)
    for text, lines in page.evaluate(_LINES, "#cmp-left th, #cmp-right th"):
        assert lines == 1, (text, lines)
    page.locator("#lang").get_by_text("English").click()


def test_the_headline_names_what_tuned_and_base_stand_for(tmp_path):
    """'tuned' is the run's delivered/ folder, which may hold a blend or the base itself: the headline says which
    (from delivery.json), and the base model's name, in English and in Chinese."""
    import pandas as pd

    from ui.tabs.evaluate import EvalView, render, tuned_and_base

    rd = tmp_path / "pig-run"
    (rd / "delivered").mkdir(parents=True)
    (rd / "delivery.json").write_text(json.dumps({"delivered": "blend α 0.75"}), encoding="utf-8")
    models = tuned_and_base(rd, rd / "delivered", "minilm")
    assert models == {"run": "pig-run", "tuned": "delivered/ (blend α 0.75)", "base": "minilm"}
    assert tuned_and_base(rd, rd / "final", str(tmp_path / "models" / "my-base"))["base"] == "my-base"
    empty = pd.DataFrame(columns=["metric", "base", "tuned"])
    v = EvalView(headline="h", guard="", verdicts=[], table=empty, improved=empty, degraded=empty, models=models)
    assert "'tuned' is delivered/ (blend α 0.75) of run pig-run; 'base' is minilm." in render(v, "en")[0]
    assert "“tuned”是运行 pig-run 的 delivered/ (blend α 0.75)；“base”是 minilm。" in render(v, "zh")[0]


@pytest.mark.parametrize("lang,said", [
    ("en", "3 judgements of the data were left out: their query or passage id is not in its files"),
    ("zh", "数据中有 3 条相关性标注被略去"),
])
def test_the_headline_counts_judgements_that_name_missing_ids(lang, said):
    from ui.tabs.evaluate import render

    v = _view(_table().iloc[:1])
    v.n_queries, v.n_passages, v.unmatched = 20, 40, 3
    assert said in render(v, lang)[0]
    v.unmatched = 0
    assert said not in render(v, lang)[0]


@pytest.mark.parametrize("lang,said", [
    ("en", "Measured on 4 pairs (team-sts). 3 pairs of the evaluation data were left out: the run trained or validated "
           "on the same two texts, so they test nothing."),
    ("zh", "在 4 个句对（team-sts）上测得。 评估数据中有 3 个句对被排除"),
])
def test_a_pair_set_headline_says_how_many_pairs_were_left_out(lang, said):
    from ui.tabs.evaluate import render

    v = _view(_table().iloc[:1])
    v.n_queries, v.n_items, v.unit, v.left_out, v.dataset = None, 4, "pairs", 3, "team-sts"
    assert said in render(v, lang)[0]
