"""qpn_to_rows (RAG-Retrieval expansion) and to_dataset."""

from __future__ import annotations

import json
from collections import Counter

import pandas as pd
import pytest

from core.data import load_data, qpn_to_rows, to_dataset
from core.errors import DataError


def _qpn_file(tmp_path, rows, name="qpn.jsonl"):
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return load_data(path)


def test_one_row_per_positive_with_neg_nums_negatives(tmp_path):
    loaded = _qpn_file(tmp_path, [
        {"query": "q1", "pos": ["p1", "p2", "p3"], "neg": [f"n1_{k}" for k in range(10)]},
        {"query": "q2", "pos": ["p4"], "neg": [f"n2_{k}" for k in range(10)]},
    ])
    rows = qpn_to_rows(loaded, neg_nums=7, seed=1)
    assert len(rows) == 4  # = number of positives
    assert list(rows.columns) == ["anchor", "positive"] + [f"negative_{k}" for k in range(1, 8)]
    assert rows["positive"].tolist() == ["p1", "p2", "p3", "p4"]
    negs = rows.iloc[0, 2:].tolist()
    assert len(set(negs)) == 7 and all(n.startswith("n1_") for n in negs)  # enough negatives: no repeats
    assert all(n.startswith("n2_") for n in rows.iloc[3, 2:])
    again = qpn_to_rows(loaded.df, neg_nums=7, seed=1)
    assert again.equals(rows)  # seeded
    assert not qpn_to_rows(loaded.df, neg_nums=7, seed=2).equals(rows)


def test_fewer_negatives_are_resampled_with_replacement(tmp_path):
    loaded = _qpn_file(tmp_path, [{"query": "q", "pos": ["p1", "p2"], "neg": ["a", "b", "c"]}])
    rows = qpn_to_rows(loaded, neg_nums=7, seed=0)
    assert len(rows) == 2
    for _, r in rows.iterrows():
        negs = r.iloc[2:].tolist()
        counts = Counter(negs)
        assert len(negs) == 7 and set(negs) == {"a", "b", "c"}  # every negative used ...
        assert max(counts.values()) <= 3  # ... at most ceil(7/3) times, as RAG-Retrieval does


def test_neg_nums_zero_and_rows_without_negatives(tmp_path):
    loaded = _qpn_file(tmp_path, [{"query": "q1", "pos": ["p1", "p2"]}, {"query": "q2", "pos": ["p3"], "neg": []}])
    assert loaded.df["neg"].tolist() == [[], []]
    rows = qpn_to_rows(loaded, neg_nums=0)
    assert list(rows.columns) == ["anchor", "positive"] and rows.values.tolist() == [["q1", "p1"], ["q1", "p2"], ["q2", "p3"]]
    with pytest.raises(DataError, match=r"row 1 of .*qpn\.jsonl has no negatives but neg_nums=2"):
        qpn_to_rows(loaded, neg_nums=2)


def test_prompt_is_prepended_to_the_query_only(tmp_path):
    loaded = _qpn_file(tmp_path, [{"query": "猪瘟", "pos": ["p"], "neg": ["n"], "prompt": "为这个句子生成表示："},
                                  {"query": "feed", "pos": ["p2"], "neg": ["n2"]}])
    rows = qpn_to_rows(loaded, neg_nums=1, prompt="query: ", keep_row=True)
    assert rows["anchor"].tolist() == ["为这个句子生成表示：猪瘟", "query: feed"]
    assert rows["positive"].tolist() == ["p", "p2"] and rows["_row"].tolist() == [1, 2]


def test_to_dataset_columns_in_canonical_order(tmp_path):
    path = tmp_path / "sts.csv"
    pd.DataFrame({"score": [4.0, 0.0], "sentence2": ["b", "d"], "sentence1": ["a", "c"], "id": [1, 2]}).to_csv(path, index=False)
    loaded = load_data(path)
    ds = to_dataset(loaded)
    assert ds.column_names == ["sentence1", "sentence2", "score", "score_norm"]
    assert ds[0] == {"sentence1": "a", "sentence2": "b", "score": 4.0, "score_norm": 0.8}
    ds2 = to_dataset(loaded, columns=["sentence1", "sentence2", "score_norm"])
    assert ds2.column_names == ["sentence1", "sentence2", "score_norm"]
    with pytest.raises(DataError, match="The data has no column 'label'"):
        to_dataset(loaded, columns=["label"])


def test_to_dataset_of_qpn_and_expanded_rows(tmp_path):
    loaded = _qpn_file(tmp_path, [{"query": "q1", "pos": ["p1"], "neg": ["n1", "n2"]}, {"query": "q2", "pos": ["p2", "p3"]}])
    ds = to_dataset(loaded)
    assert ds.column_names == ["query", "pos", "neg"]
    assert ds[1] == {"query": "q2", "pos": ["p2", "p3"], "neg": []}
    rows = to_dataset(qpn_to_rows(loaded, neg_nums=0, keep_row=True))
    assert rows.column_names == ["anchor", "positive"] and len(rows) == 3
