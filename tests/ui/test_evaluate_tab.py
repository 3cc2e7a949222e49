"""The Evaluate tab through gradio_client: verdict sentence in the chosen language, CI columns, what it measured on."""

from __future__ import annotations

import json
import shutil

import pytest

from core.run_folder import CONFIG_FILE, FINAL_DIR, METRICS_FILE, STATUS_FILE

pytestmark = pytest.mark.timeout(240)


@pytest.mark.parametrize("lang,needle,measured,ci,word", [
    ("en", "No detectable difference between 'tuned' and 'base' on ndcg@10", "Measured on",
     ["CI low tuned", "CI high tuned", "p tuned", "verdict tuned"], "no difference"),
    ("zh", "没有可检测的差异", "个查询", ["95% 置信下限 微调模型", "95% 置信上限 微调模型", "p 值 微调模型", "结论 微调模型"],
     "无可检测差异"),
])
def test_verdict_sentence_and_ci_columns(client, same_model_run, studio, lang, needle, measured, ci, word):
    ev = client.predict(same_model_run, None, lang, api_name="/evaluate")
    assert needle in ev[0] and measured in ev[0]
    headers = ev[1]["headers"]
    assert all(h in headers for h in ci), headers
    # every metric row has its own verdict word (a model against itself: no difference on each)
    verdicts = {r[0]: r[headers.index(ci[-1])] for r in ev[1]["data"]}
    assert verdicts["ndcg@10"] == word and verdicts["recall@1"] == word, verdicts
    data = json.loads((studio["runs"] / same_model_run / METRICS_FILE).read_text(encoding="utf-8"))
    nd = data["deltas_vs_base"]["tuned"]["ndcg@10"]
    assert nd["ci_low"] <= 0 <= nd["ci_high"] and nd["verdict"] == "no_difference"


def test_no_run_chosen_is_one_clear_sentence(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="Choose a trained run first"):
        client.predict(None, None, "en", api_name="/evaluate")


def _finished_run(studio, name: str, train_lines: list[str]):
    """A completed run ``name`` in the studio's runs folder whose ``final/`` is the tiny model and whose config
    trains on ``train_lines`` (JSON lines written to its folder). Returns (run folder, training file)."""
    from core.training import TrainConfig

    rd = studio["runs"] / name
    rd.mkdir(parents=True, exist_ok=True)
    train = rd / "train-rows.jsonl"
    train.write_text("\n".join(train_lines) + "\n", encoding="utf-8")
    cfg = TrainConfig(name=name, model=studio["model"])
    cfg.data.train = [str(train)]
    cfg.save(rd / CONFIG_FILE)
    shutil.copytree(studio["model"], rd / FINAL_DIR, dirs_exist_ok=True)
    (rd / STATUS_FILE).write_text(json.dumps({"status": "completed"}))
    return rd, train


def test_verdict_is_split_into_seen_and_unseen_queries(client, studio):
    """The Evaluate tab reads the run's training data: queries whose gold passage answers one of its queries and
    queries whose gold passage answers none each get their own verdict sentence."""
    test_rows = (studio["sample"] / "test.jsonl").read_text(encoding="utf-8").splitlines()
    # the passages of half the test rows, each asked anew by another question
    asked_anew = [dict(json.loads(r), query=f"asked anew: {json.loads(r)['query']}") for r in test_rows[: len(test_rows) // 2]]
    _finished_run(studio, "seen-split", [json.dumps(r, ensure_ascii=False) for r in asked_anew])
    en = client.predict("seen-split", None, "en", api_name="/evaluate")[0]
    assert "(queries whose gold passage also answers a training query)" in en
    assert "(queries whose gold passage answers no training query)" in en
    zh = client.predict("seen-split", None, "zh", api_name="/evaluate")[0]
    assert "也是某个训练查询的答案的查询" in zh and "不是任何训练查询的答案的查询" in zh
    # the sample's test set is bilingual: the English and the Chinese queries each get a verdict too
    assert "(English queries)" in en and "(Chinese queries)" in en
    assert "（英文查询）" in zh and "（中文查询）" in zh


def test_evaluation_queries_the_run_trained_on_are_left_out_and_counted(client, studio):
    """A test query that is also a training query tests nothing: the tab leaves it out and says how many it left
    out, in both languages; metrics.json records the count; an evaluation made only of training queries is one
    clear sentence."""
    from gradio_client.exceptions import AppError

    test_rows = (studio["sample"] / "test.jsonl").read_text(encoding="utf-8").splitlines()
    rd, train = _finished_run(studio, "trained-on-test", test_rows[:7])  # seven test rows, as they are
    en = client.predict("trained-on-test", None, "en", api_name="/evaluate")[0]
    assert "7 queries of the evaluation data were left out: the run trained or validated on the same question" in en
    data = json.loads((rd / METRICS_FILE).read_text(encoding="utf-8"))
    assert data["measured_on"]["left_out_training_queries"] == 7
    n_test = len({json.loads(r)["query"] for r in test_rows})
    assert data["measured_on"]["n_queries"] == n_test - 7 and f"Measured on {n_test - 7:,} queries" in en
    zh = client.predict("trained-on-test", None, "zh", api_name="/evaluate")[0]
    assert "评估数据中有 7 个查询被排除" in zh

    train.write_text("\n".join(test_rows) + "\n", encoding="utf-8")  # every test query is a training query
    with pytest.raises(AppError, match=r"is a training or validation query of the run: there is nothing left to test"):
        client.predict("trained-on-test", None, "en", api_name="/evaluate")


def test_the_metric_table_shows_relative_changes_to_one_decimal():
    """Scores keep 4 decimals; a relative change read "8.4739" (per cent to 4 decimals) and now reads 8.5."""
    import pandas as pd

    from ui.tabs.evaluate import _rounded

    table = pd.DataFrame({"metric": ["ndcg@10"], "base": [0.512934], "tuned": [0.556391], "Δ tuned": [0.043457],
                          "Δ% tuned": [8.473912]})
    shown = _rounded(table)
    assert shown.loc[0, "Δ% tuned"] == 8.5 and shown.loc[0, "tuned"] == 0.5564 and shown.loc[0, "Δ tuned"] == 0.0435


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_separation_auc_shows_dashes_with_the_reason_not_empty_cells(client, same_model_run, lang):
    """separation_auc is one number over all score pairs: it has no per-query CI or p-value. Those cells were empty;
    they now read "—" and a line under the verdicts says why; no cell of the table is empty."""
    from ui.strings import t

    ev = client.predict(same_model_run, None, lang, api_name="/evaluate")
    assert t("eval_dash_not_per_query", lang, metrics="separation_auc") in ev[0]
    rows = {r[0]: r for r in ev[1]["data"]}
    assert rows["separation_auc"][-3:] == ["—", "—", "—"], rows["separation_auc"]
    assert 0 <= float(rows["separation_auc"][1]) <= 1  # its score is still there
    assert all(c is not None and c != "" for r in ev[1]["data"] for c in r), ev[1]["data"]


def test_a_runs_own_test_file_is_searched_with_every_passage_the_run_knows(client, studio):
    """Open run brings the run's test file as the active dataset's; Evaluate then measures the run's test rows as
    ``compare --tuned runs/NAME`` does (``core.training.data.evalset_for``): their queries search their own passages
    and every passage the run trained and validated on, not their own alone."""
    import csv

    from core.training import TrainConfig
    from tests.conftest import tiny_pairs

    pairs = tiny_pairs(52)
    rd, _ = _finished_run(studio, "own-test", [json.dumps({"anchor": q, "positive": p}) for q, p in pairs[:40]])
    test = rd / "held-out.csv"
    with open(test, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([("anchor", "positive"), *pairs[40:]])
    cfg = TrainConfig.load(rd / CONFIG_FILE)
    cfg.data.test = [str(test)]
    cfg.save(rd / CONFIG_FILE)
    client.predict("own-test", "en", api_name="/train_open")
    said = client.predict("own-test", None, "en", api_name="/evaluate")[0]
    assert "Measured on 12 queries against 52 passages (own-test test)." in said, said
    # the headline says what the two names stand for (the run has no delivered/ here: its final/ is measured)
    assert "'tuned' is final/ of run own-test; 'base' is " in said, said
    # the Compare tab searches the same passages: a training query finds its training passage among them
    left, right = client.predict("own-test", pairs[0][0], 30, "en", api_name="/compare")
    assert pairs[0][1] in left and pairs[0][1] in right
    # under the lists: what both searched and what 'tuned' and 'base' are
    assert "Both lists search the same 52 passages (own-test test). &#x27;tuned&#x27; is final/ of run own-test" in right
    # a question file of the team's own, uploaded in Evaluate: its queries search the run's passages too, and the
    # sentence names both (before, its 3 gold passages were the whole corpus)
    from gradio_client import handle_file

    own = rd.parent / "team-questions.csv"
    with open(own, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([("anchor", "positive"), ("sow question new", "a passage the run never saw"),
                                  *pairs[48:50]])
    said = client.predict("own-test", handle_file(str(own)), "en", api_name="/evaluate")[0]
    assert "Measured on 3 queries against 53 passages (team-questions.csv + runs/own-test)." in said, said


def test_a_team_file_uploaded_in_the_page_is_measured_with_the_runs_passages_in_both_languages(page, studio):
    """In the browser: a question file uploaded in the Evaluate tab for a run searches its own passages and every
    passage the run knows, and the headline names both (``FILE + runs/NAME``), in English and after the 中文 switch."""
    import csv
    import re

    from playwright.sync_api import expect

    from tests.conftest import tiny_pairs

    pairs = tiny_pairs(52)
    rd, _ = _finished_run(studio, "page-upload", [json.dumps({"anchor": q, "positive": p}) for q, p in pairs[:40]])
    own = rd.parent / "page-questions.csv"
    with open(own, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([("anchor", "positive"), ("sow question new", "a passage the run never saw"),
                                  *pairs[48:50]])
    page.goto(studio["url"])
    expect(page.locator("#data-status")).to_contain_text("Loaded", timeout=90_000)
    page.get_by_role("tab", name="4. Evaluate").click()
    picker = page.locator("#eval-run input")
    expect(picker).to_be_editable(timeout=60_000)
    picker.click()
    page.get_by_role("option", name=re.compile(r"^page-upload · ")).first.click()
    page.locator("#eval-upload input[type=file]").set_input_files(str(own))
    expect(page.locator("#eval-upload")).to_contain_text("page-questions", timeout=30_000)
    page.locator("#eval-go").click()
    headline = page.locator("#eval-headline")
    expect(headline).to_contain_text("Measured on 3 queries against 43 passages (page-questions.csv + runs/page-upload).",
                                     timeout=120_000)
    expect(headline).to_contain_text("'tuned' is final/ of run page-upload; 'base' is ")
    page.locator("#lang").get_by_text("中文").click()
    expect(headline).to_contain_text("在 3 个查询、43 个段落（page-questions.csv + runs/page-upload）上测得。", timeout=30_000)
    expect(headline).to_contain_text("“tuned”是运行 page-upload 的 final/；“base”是 ")
    page.locator("#lang").get_by_text("English").click()
    expect(headline).to_contain_text("(page-questions.csv + runs/page-upload)", timeout=30_000)


@pytest.mark.parametrize("lang,measured,verdict", [
    ("en", "Measured on 12 pairs (scored-pairs).",
     "No detectable difference between 'tuned' and 'base' on spearman over 12 pairs (they score the same on every pair)."),
    ("zh", "在 12 个句对（scored-pairs）上测得。", "在 12 个句对上，“tuned”与“base”在 spearman 上没有可检测的差异（每个句对得分都相同）。"),
])
def test_a_scored_pair_file_gets_a_verdict_over_its_pairs(client, studio, lang, measured, verdict):
    """Evaluate on a file of scored pairs (no passages to search): the headline says how many pairs it measured
    on and the verdict sentence counts pairs; the Spearman row has its interval. Before, a pair file got neither."""
    import csv

    from gradio_client import handle_file

    from tests.conftest import tiny_pairs

    pairs = tiny_pairs(12)
    rd, _ = _finished_run(studio, f"pairs-{lang}", [json.dumps({"anchor": q, "positive": p}) for q, p in pairs])
    own = rd.parent / "scored-pairs.csv"
    with open(own, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([("sentence1", "sentence2", "score"), *[(q, p, i % 5) for i, (q, p) in enumerate(pairs)]])
    said, table = client.predict(f"pairs-{lang}", handle_file(str(own)), lang, api_name="/evaluate")[:2]
    assert measured in said and verdict in said, said
    rows = {r[0]: r for r in table["data"]}
    ci = table["headers"].index("CI low tuned" if lang == "en" else "95% 置信下限 微调模型")
    assert rows["spearman"][ci] == 0 and rows["pearson"][ci] == "—", rows
