"""Seeded splits, group-aware splits on real data (no ticker in two splits), retrieval set building."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest

from core.builder.split import build_retrieval_set, parse_ratios, split_rows
from core.errors import ConfigError, DataError


def _rows(n=100):
    return [{"query": f"question {i}", "pos": [f"passage {i}"], "neg": [f"passage {(i + 1) % n}"], "grp": i % 7}
            for i in range(n)]


def test_plain_split_is_seeded_and_exact():
    rows = _rows(100)
    a = split_rows(rows, (0.8, 0.1, 0.1), seed=3)
    b = split_rows(rows, (0.8, 0.1, 0.1), seed=3)
    c = split_rows(rows, (0.8, 0.1, 0.1), seed=4)
    assert list(a) == ["train", "validation", "test"]
    assert [len(v) for v in a.values()] == [80, 10, 10]
    assert a == b and a["test"] != c["test"]
    seen = Counter(r["query"] for part in a.values() for r in part)
    assert len(seen) == 100 and set(seen.values()) == {1}
    # order inside a split follows the input order
    idx = [int(r["query"].split()[1]) for r in a["train"]]
    assert idx == sorted(idx)
    two = split_rows(rows, (0.95, 0.05))
    assert list(two) == ["train", "test"] and [len(v) for v in two.values()] == [95, 5]
    assert parse_ratios("8:1:1") == pytest.approx((0.8, 0.1, 0.1)) and parse_ratios("95/5") == pytest.approx((0.95, 0.05))
    with pytest.raises(ConfigError):
        parse_ratios("8:x")
    with pytest.raises(ConfigError):
        split_rows(rows, (0.5, -0.5, 1))


def test_grouped_split_keeps_groups_whole():
    rows = _rows(100)
    parts = split_rows(pd.DataFrame(rows), (0.6, 0.2, 0.2), seed=1, group_by="grp")
    assert all(isinstance(p, pd.DataFrame) for p in parts.values())
    owner = {}
    for name, part in parts.items():
        for g in part["grp"]:
            assert owner.setdefault(g, name) == name
    assert sum(len(p) for p in parts.values()) == 100 and all(len(p) for p in parts.values())
    with pytest.raises(DataError, match="ticker"):
        split_rows(rows, group_by="ticker")


def test_financial_split_by_ticker(shared_data):
    raw = pd.read_csv(shared_data / "financial_qa_10k/raw/Financial-QA-10k.csv").dropna(subset=["question", "context"])
    rows = [{"query": q, "pos": [c], "neg": [], "ticker": t} for q, c, t in zip(raw.question, raw.context, raw.ticker)]
    parts = split_rows(rows, (0.8, 0.1, 0.1), seed=42, group_by="ticker")
    tickers = {name: {r["ticker"] for r in part} for name, part in parts.items()}
    assert not tickers["train"] & tickers["validation"]
    assert not tickers["train"] & tickers["test"]
    assert not tickers["validation"] & tickers["test"]
    assert set().union(*tickers.values()) == set(raw.ticker)
    n = len(rows)
    for name, ratio in (("train", 0.8), ("validation", 0.1), ("test", 0.1)):
        assert abs(len(parts[name]) / n - ratio) < 0.03, (name, len(parts[name]))
    # another seed gives another (still clean) assignment
    other = split_rows(rows, (0.8, 0.1, 0.1), seed=7, group_by="ticker")
    assert {r["ticker"] for r in other["test"]} != tickers["test"]

    rs = build_retrieval_set(parts, "test")
    assert len(rs.queries) == len(parts["test"])
    assert len(rs.corpus) == raw.context.nunique()  # all passages of all splits, deduplicated
    for qid, rel in rs.qrels.items():
        (doc,) = rel
        r = parts["test"][int(qid[1:])]
        assert rs.queries[qid] == r["query"] and rs.corpus[doc] == r["pos"][0]


def test_retrieval_set_dedups_and_includes_negatives():
    parts = {"train": [{"query": "a", "pos": ["p1"], "neg": ["n1", "p2"]}],
             "test": [{"query": "b", "pos": ["p2", "p3"], "neg": ["p1"]}, {"query": "c", "pos": [], "neg": []}]}
    rs = build_retrieval_set(parts)
    assert rs.corpus == {"d0": "p1", "d1": "n1", "d2": "p2", "d3": "p3"}
    assert rs.queries == {"q0": "b"} and rs.qrels == {"q0": {"d2": 1, "d3": 1}}
    with pytest.raises(ConfigError, match="validation"):
        build_retrieval_set(parts, "validation")


def _numbered(n):
    return [{"query": f"q{i}", "pos": [f"p{i}"], "neg": []} for i in range(n)]


@pytest.mark.parametrize("n,sizes", [(1, [1, 0, 0]), (2, [1, 0, 1]), (3, [1, 1, 1]), (5, [3, 1, 1]), (6, [4, 1, 1]),
                                     (10, [8, 1, 1]), (100, [80, 10, 10])])
def test_small_data_still_gets_a_test_split(n, sizes):
    from core.builder.split import split_sizes

    assert split_sizes(n, (0.8, 0.1, 0.1)) == sizes
    parts = split_rows(_numbered(n), (0.8, 0.1, 0.1))
    assert [len(parts[k]) for k in ("train", "validation", "test")] == sizes
    assert sorted(r["query"] for p in parts.values() for r in p) == sorted(f"q{i}" for i in range(n))


def test_empty_split_is_warned():
    from core.builder.split import empty_split_warnings

    parts = split_rows(_numbered(2), (0.8, 0.1, 0.1))
    assert empty_split_warnings(parts, (0.8, 0.1, 0.1)) == [
        "The validation split is empty: 2 rows are too few to give each of the 3 splits one, or its group would not fit; "
        "add data or change the ratios."]
    assert empty_split_warnings(split_rows(_numbered(10), (0.8, 0.1, 0.1)), (0.8, 0.1, 0.1)) == []
    # a split asked to be empty (ratio 0) is not warned about
    assert empty_split_warnings(split_rows(_numbered(4), (1, 0, 0)), (1, 0, 0)) == []
