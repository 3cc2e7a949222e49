"""Exports round-trip: qpn JSONL and ST tables through core.data, BEIR through load_beir."""

from __future__ import annotations

import json

import pytest

from core.builder.dataset_files import (
    export_beir,
    export_qpn_jsonl,
    export_st_table,
    load_beir,
    st_table_to_rows,
)
from core.builder.split import RetrievalSet, build_retrieval_set
from core.data import load_data, read_table
from core.errors import ConfigError, DataError

ROWS = [
    {"query": "What does pig feed need?", "pos": ["Pig feed needs protein from soybean and corn."],
     "neg": ["The bank loan rate rose.", "Sows wean piglets at 21 days."], "source": "feed.pdf", "page": 3,
     "synthetic": "llm"},
    {"query": "猪饲料的蛋白质从哪里来？", "pos": ["猪饲料的蛋白质来自豆粕。", "玉米也提供少量蛋白质。"],
     "neg": ["银行贷款利率上升。", "公司年度收入增加。"], "source": "饲料.docx", "page": None, "synthetic": "ict"},
    {"query": "Why did revenue increase?", "pos": ["Revenue increased because sales grew, a \"record\" year; up 5%."],
     "neg": ["Cash, debt\nand assets.", "Tax rate was 21%."], "source": "10k.html", "page": 12, "synthetic": None},
]


def _qpn(rows):
    return [(r["query"], list(r["pos"]), list(r["neg"])) for r in rows]


def test_qpn_jsonl_round_trip(tmp_path):
    path = tmp_path / "out" / "rows.jsonl"
    res = export_qpn_jsonl(ROWS, path)
    assert res.rows_written == 3 and path.is_file()
    loaded = load_data(path)
    assert loaded.format == "qpn" and not loaded.errors
    assert _qpn(loaded.df.to_dict("records")) == _qpn(ROWS)
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert lines == ROWS  # extra fields kept, Chinese written as-is, None as null
    assert "猪饲料" in path.read_text(encoding="utf-8")
    assert [p.name for p in path.parent.iterdir()] == ["rows.jsonl"]  # no temp file left behind


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_st_table_round_trip(tmp_path, fmt):
    path = tmp_path / f"train.{fmt}"
    res = export_st_table(ROWS, path)
    assert (res.rows_written, res.num_negatives, res.rows_skipped) == (4, 2, 0)  # one line per positive
    df = read_table(path)
    assert [c for c in df.columns if c != "_row"] == ["anchor", "positive", "negative_1", "negative_2"]
    assert _qpn(st_table_to_rows(df)) == _qpn(ROWS)
    # core.data reads the n-tuple table back with every negative (one row per positive)
    loaded = load_data(path)
    assert loaded.format == "qpn" and not loaded.errors
    got = [(q, list(p), list(n)) for q, p, n in zip(loaded.df["query"], loaded.df["pos"], loaded.df["neg"])]
    assert got == [(r["query"], [p], list(r["neg"])) for r in ROWS for p in r["pos"]]


def test_st_table_negative_count_and_pairs(tmp_path):
    rows = [dict(ROWS[0]), {**ROWS[2], "neg": ["only one"]}]
    res = export_st_table(rows, tmp_path / "t.parquet", num_negatives=2)
    assert (res.rows_written, res.rows_skipped) == (1, 1)
    pairs = [{**r, "neg": []} for r in ROWS]
    res = export_st_table(pairs, tmp_path / "pairs.csv")
    assert res.num_negatives == 0
    loaded = load_data(tmp_path / "pairs.csv")
    assert loaded.format == "pair" and len(loaded.df) == 4
    assert list(loaded.df["positive"]) == [p for r in ROWS for p in r["pos"]]
    with pytest.raises(ConfigError):
        export_st_table(ROWS, tmp_path / "x.xlsx")


def test_beir_round_trip(tmp_path):
    rs = build_retrieval_set({"train": ROWS[:1], "test": ROWS[1:]})
    folder = export_beir(rs, tmp_path / "beir")
    assert (folder / "qrels" / "test.tsv").read_text().splitlines()[0] == "query-id\tcorpus-id\tscore"
    first = json.loads((folder / "corpus.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert set(first) == {"_id", "title", "text"}
    back = load_beir(folder)
    assert back.corpus == rs.corpus and back.queries == rs.queries and back.qrels == rs.qrels
    assert len(back.qrels["q0"]) == 2
    with pytest.raises(DataError, match="qrels"):
        export_beir(RetrievalSet({"d0": "x"}, {"q0": "y"}, {"q0": {"d9": 1}}), tmp_path / "bad")
    with pytest.raises(DataError, match="validation"):
        load_beir(folder, split="validation")


def test_load_beir_reads_shared_t2ranking(shared_data):
    rs = load_beir(shared_data / "t2ranking_100")
    assert len(rs.queries) == 100 and len(rs.corpus) == 1987
    assert all(d in rs.corpus for rel in rs.qrels.values() for d in rel)
