"""load_table: the loader given a table already read gives the same LoadedData as load_data given the path."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from core.data import load_data, load_table, read_table
from core.errors import DataError


def _same(a, b) -> None:
    """Two LoadedData are the same dataset: frame, format, issues (file, row, column, sentence), counts, facts."""
    pd.testing.assert_frame_equal(a.df, b.df)
    assert (a.source, a.format, a.rows_read, a.score_range, a.label_names, a.info) == \
           (b.source, b.format, b.rows_read, b.score_range, b.label_names, b.info)
    assert a.issues == b.issues
    assert a.detection.to_dict() == b.detection.to_dict()
    assert a.summary() == b.summary()


@pytest.fixture
def qa_csv(tmp_path):
    p = tmp_path / "qa.csv"
    p.write_text("question,answer,other\n"
                 "how do pigs digest corn,pigs digest corn in the small intestine,the barn roof is painted red\n"
                 "what water do sows need,,the tractor was bought in spring\n"  # empty answer: an issue naming row 3
                 "when are piglets weaned,piglets are weaned at about four weeks,the farm office opens at nine\n"
                 "when are piglets weaned,piglets are weaned at about four weeks,the farm office opens at nine\n",
                 encoding="utf-8")
    return p


@pytest.fixture
def docs_jsonl(tmp_path):
    p = tmp_path / "docs.jsonl"
    rows = [{"title": "corn", "body": "pigs digest corn in the small intestine", "grade": 4},
            {"title": "water", "body": "sows need clean water all day", "grade": "high"},
            {"title": "", "body": "piglets are weaned at about four weeks", "grade": 1}]
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n{not json\n", encoding="utf-8")
    return p


@pytest.mark.parametrize("fmt,mapping", [
    (None, {"anchor": "question", "positive": "other"}),
    ("pair", {"anchor": "question", "positive": "answer"}),
    (None, None),
])
def test_csv_table_gives_the_same_dataset_as_the_path(qa_csv, fmt, mapping):
    by_path = load_data(qa_csv, format=fmt, mapping=mapping)
    by_table = load_table(read_table(qa_csv), qa_csv, format=fmt, mapping=mapping)
    _same(by_path, by_table)
    assert by_table.source == str(qa_csv) and by_table.summary()["file"] == "qa.csv"
    assert by_table.issues and all(i.file == "qa.csv" and i.row in (3, 5) for i in by_table.issues)


@pytest.mark.parametrize("fmt,mapping,score_range", [
    ("scored_pair", {"sentence1": "title", "sentence2": "body", "score": "grade"}, (0, 5)),
    ("pair", {"anchor": "title", "positive": "body"}, None),
])
def test_jsonl_table_with_a_mapping_gives_the_same_dataset_as_the_path(docs_jsonl, fmt, mapping, score_range):
    by_path = load_data(docs_jsonl, format=fmt, mapping=mapping, score_range=score_range)
    by_table = load_table(read_table(docs_jsonl), str(docs_jsonl), format=fmt, mapping=mapping, score_range=score_range)
    _same(by_path, by_table)
    # the issues still name the file, the row and the column (the bad JSON line 4, the empty title of line 3)
    where = {(i.file, i.row, i.column) for i in by_table.issues}
    assert ("docs.jsonl", 4, None) in where and ("docs.jsonl", 3, "title") in where


def test_the_table_is_not_changed_by_loading(docs_jsonl):
    raw = read_table(docs_jsonl)
    before = raw.copy()
    load_table(raw, docs_jsonl, format="pair", mapping={"anchor": "title", "positive": "body"})
    pd.testing.assert_frame_equal(raw, before)


def _error(fn) -> str:
    with pytest.raises(DataError) as err:
        fn()
    return str(err.value)


def test_errors_name_the_file_as_the_path_does(tmp_path, qa_csv):
    # a mapped column that is not there
    kw = {"mapping": {"anchor": "question", "positive": "nope"}}
    said = _error(lambda: load_data(qa_csv, **kw))
    assert said == _error(lambda: load_table(read_table(qa_csv), qa_csv, **kw))
    assert "qa.csv does not have" in said
    # a format that cannot be told
    odd = tmp_path / "odd.csv"
    odd.write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    said = _error(lambda: load_data(odd))
    assert said == _error(lambda: load_table(read_table(odd), odd)) and "odd.csv" in said
    # a header row alone
    head = tmp_path / "head.csv"
    head.write_text("query,positive\n", encoding="utf-8")
    said = _error(lambda: load_data(head))
    assert said == _error(lambda: load_table(read_table(head), head))
    assert said == "head.csv has a header row ('query', 'positive') but no data rows below it."


def test_load_data_reads_the_file_once_and_hands_the_table_to_load_table(qa_csv, monkeypatch):
    import core.data.loader as loader

    seen = []
    real = loader.load_table
    monkeypatch.setattr(loader, "load_table", lambda df, source, **kw: seen.append(source) or real(df, source, **kw))
    load_data(qa_csv)
    assert [str(s) for s in seen] == [str(qa_csv)]


def test_progress_has_the_three_load_steps(qa_csv):
    got = []
    load_table(read_table(qa_csv), qa_csv, progress=got.append)
    assert [(p.stage, p.done, p.total) for p in got] == [("load", 1, 3), ("load", 2, 3), ("load", 3, 3)]
    assert got[0].message == "read 4 rows from qa.csv"


def test_a_table_without_row_numbers_is_refused(qa_csv):
    with pytest.raises(ValueError, match="_row"):
        load_table(read_table(qa_csv).drop(columns="_row"), qa_csv)
