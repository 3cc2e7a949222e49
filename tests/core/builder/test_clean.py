"""Cleaning rules: each counted exactly on toy rows, duplicates counted on the real financial QA data."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from core.builder.clean import CleanConfig, clean_rows, query_key
from core.errors import ConfigError, DataError

P1 = "Pigs need protein from soybean meal and corn."
P2 = "The bank raised its loan interest rate this year."


def _toy():
    return [
        {"query": "What do pigs eat?", "pos": [P1], "neg": [P2, P1, "  "], "source": "a"},       # 1 neg==pos, 1 empty neg
        {"query": "What do pigs eat?", "pos": ["Pigs eat corn and soybean."], "neg": [P2]},        # exact dup -> merged
        {"query": "what do PIGS eat", "pos": [P1], "neg": []},                                     # near dup (key)
        {"query": "", "pos": [P1], "neg": []},                                                     # empty query
        {"query": "hi?", "pos": [P1], "neg": []},                                                  # query too short
        {"query": "Bank loan rate", "pos": ["shrt", P2], "neg": ["x" * 800]},                     # pos too short, neg too long
        {"query": "bank raised its loan", "pos": [P2], "neg": []},                                 # leakage
        {"query": "Interest this year?", "pos": [P2], "neg": [], "llm_empty": True},              # llm empty
        {"query": "Which feed for sows?", "pos": ["tiny"], "neg": []},                             # no positive left
        {"query": "Which loan for farms?", "pos": [P2, P2 + " "], "neg": [P1, P1]},                # duplicate passages
    ]


def test_each_rule_counted_on_toy_rows():
    rows, rep = clean_rows(_toy(), CleanConfig())
    c = rep.counts
    assert (c["neg_equal_pos"], c["empty_negative"], c["exact_duplicate"], c["near_duplicate"]) == (1, 1, 1, 1)
    assert (c["empty_query"], c["query_too_short"], c["positive_too_short"], c["negative_too_long"]) == (1, 1, 2, 1)
    assert (c["leakage"], c["llm_empty"], c["no_positive"], c["duplicate_passage"]) == (1, 1, 1, 2)
    assert rep.rows_in == 10 and rep.rows_out == 3 and rep.rows_dropped == 7
    assert [r["query"] for r in rows] == ["What do pigs eat?", "Bank loan rate", "Which loan for farms?"]
    first = rows[0]
    # merged: the exact duplicate's positive and negative are added, negatives never equal a positive
    assert first["pos"] == [P1, "Pigs eat corn and soybean."] and first["neg"] == [P2] and first["source"] == "a"
    assert rows[1] == {"query": "Bank loan rate", "pos": [P2], "neg": []}
    assert rows[2]["pos"] == [P2] and rows[2]["neg"] == [P1]
    assert rep.examples["leakage"][0]["query"] == "bank raised its loan"
    assert "exact_duplicate" in rep.table() and rep.to_dict()["rows_dropped"] == 7


def test_rules_can_be_turned_off_and_drop_action():
    cfg = CleanConfig(min_chars=None, max_chars=None, leakage=False, llm_empty=False, near_duplicates=False,
                      duplicate_action="drop")
    rows, rep = clean_rows(_toy(), cfg)
    assert rep.counts["leakage"] == rep.counts["llm_empty"] == rep.counts["near_duplicate"] == 0
    assert rep.counts["query_too_short"] == 0 and rep.counts["exact_duplicate"] == 1
    assert rows[0]["pos"] == [P1]  # drop: the duplicate's positive was not merged
    assert len(rows) == 10 - 2  # empty query + exact duplicate
    with pytest.raises(ConfigError):
        clean_rows(_toy(), CleanConfig(duplicate_action="keep"))
    with pytest.raises(DataError):
        clean_rows([{"question": "x"}])


def test_near_duplicates_by_minhash():
    rows = [
        {"query": "What was the total revenue of the company in 2023?", "pos": [P1], "neg": []},
        {"query": "What was the total revenue of the company in 2022?", "pos": [P2], "neg": []},
        {"query": "How many employees did the company have at year end?", "pos": [P1], "neg": []},
        {"query": "非洲猪瘟病毒是如何传播的？", "pos": [P1], "neg": []},
        {"query": "非洲猪瘟病毒是如何传播的呢？", "pos": [P2], "neg": []},
    ]
    plain, rep0 = clean_rows(rows, CleanConfig(duplicate_action="drop"))
    assert rep0.counts["near_duplicate"] == 0 and len(plain) == 5
    out, rep = clean_rows(rows, CleanConfig(near_jaccard=0.8, duplicate_action="drop"))
    assert rep.counts["near_duplicate"] == 2
    assert [r["query"] for r in out] == [rows[0]["query"], rows[2]["query"], rows[3]["query"]]
    assert query_key("  What, do PIGS eat?! ") == "whatdopigseat"


def test_dataframe_in_dataframe_out():
    df = pd.DataFrame(_toy())
    out, rep = clean_rows(df)
    assert isinstance(out, pd.DataFrame) and len(out) == 3 and rep.rows_out == 3
    assert list(out["query"]) == ["What do pigs eat?", "Bank loan rate", "Which loan for farms?"]


def test_financial_duplicates_counted(shared_data):
    raw = pd.read_csv(shared_data / "financial_qa_10k/raw/Financial-QA-10k.csv")
    rows = [{"query": q, "pos": [c], "neg": [], "ticker": t} for q, c, t in zip(raw.question, raw.context, raw.ticker)]
    expected_exact = int(raw.question.str.strip().duplicated().sum())
    assert expected_exact > 0
    only_dups = CleanConfig(llm_empty=False, empty=False, min_chars=None, max_chars=None, neg_equal_pos=False,
                            duplicate_passages=False, leakage=False, near_duplicates=False)
    out, rep = clean_rows(rows, only_dups)
    assert rep.counts["exact_duplicate"] == expected_exact
    assert len(out) == len(rows) - expected_exact
    keys = raw.question.map(query_key)
    expected_near = int(keys.duplicated().sum()) - expected_exact
    t = time.monotonic()
    out2, rep2 = clean_rows(rows, CleanConfig(near_jaccard=0.9, min_chars=None, max_chars=None, leakage=False))
    elapsed = time.monotonic() - t
    # two questions in the file are empty: dropped as empty_query here, not counted as duplicates
    assert rep2.counts["empty_query"] == int(raw.question.isna().sum()) == 2
    assert rep2.counts["exact_duplicate"] == int(raw.question.dropna().str.strip().duplicated().sum())
    assert rep2.counts["near_duplicate"] >= expected_near
    c2 = rep2.counts
    assert len(out2) == len(rows) - rep2.rows_dropped
    assert rep2.rows_dropped == c2["empty_query"] + c2["no_positive"] + c2["exact_duplicate"] + c2["near_duplicate"]
    assert elapsed < 30  # 7,000 rows with MinHash near-duplicates
    # with the default rules other drops come first (long passages), and each dropped row is counted once
    out3, rep3 = clean_rows(rows)
    assert rep3.rows_in - rep3.rows_out == rep3.rows_dropped and rep3.counts["positive_too_long"] > 0


def test_score_lists_stay_aligned(tmp_path):
    from core.builder.dataset_files import export_qpn_jsonl
    from core.data import load_data

    rows = [
        {"query": "What do pigs eat?", "pos": [P1], "pos_scores": [0.9],
         "neg": [P2, P1, "Sows need water.", P2], "neg_scores": [0.5, 0.8, 0.3, 0.5]},
        {"query": "What do pigs eat?", "pos": ["Pigs eat corn and soybean."], "pos_scores": [0.7],
         "neg": ["Corn prices fell today."], "neg_scores": [0.2]},
    ]
    out, rep = clean_rows(rows)
    assert rep.counts["neg_equal_pos"] == 1 and rep.counts["duplicate_passage"] == 1
    (r,) = out
    assert r["pos"] == [P1, "Pigs eat corn and soybean."] and r["pos_scores"] == [0.9, 0.7]
    assert r["neg"] == [P2, "Sows need water.", "Corn prices fell today."] and r["neg_scores"] == [0.5, 0.3, 0.2]
    path = export_qpn_jsonl(out, tmp_path / "c.jsonl").path
    loaded = load_data(path)
    assert not loaded.errors and list(loaded.df["neg_scores"][0]) == [0.5, 0.3, 0.2]


def test_every_dropped_row_says_which_rule_and_shows_an_example():
    rows = [
        {"query": "sow feed", "pos": ["Good sow feed has protein and fibre for the litter."], "neg": []},  # leakage
        {"query": "when are piglets weaned", "pos": ["At about four weeks."], "neg": []},
        {"query": "when are piglets weaned", "pos": ["Weaning happens at four weeks."], "neg": []},  # exact duplicate
        {"query": "   ", "pos": ["Anything at all here."], "neg": []},  # empty query
    ]
    cleaned, report = clean_rows(rows, CleanConfig(duplicate_action="drop"))
    assert len(cleaned) == 1 and report.rows_dropped == 3
    lines = report.sentences()
    assert ("1 row dropped (leakage): the query appears word for word inside its positive passage, so the pair teaches "
            "copying, not retrieval; e.g. row 1: 'sow feed' is inside 'Good sow feed has protein and fibre for the litter.'.") in lines
    assert "1 row dropped (exact_duplicate): the same query appears in an earlier row; e.g. row 3: 'when are piglets weaned'." in lines
    assert any(x.startswith("1 row dropped (empty_query): the query is empty") for x in lines)
    assert len(lines) == 3
    short = clean_rows([{"query": "ok query here", "pos": ["tiny", "a long enough passage"], "neg": []}])[1]
    assert short.sentences() == ["1 passage removed (positive_too_short): a positive passage is shorter than 5 characters; "
                                 "e.g. row 1: 'tiny'."]
