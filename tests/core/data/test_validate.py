"""load_data validation: every bad row is reported with file, row and column, and left out; summary counts."""

from __future__ import annotations

import json

import pytest

from core.data import Issue, load_data
from core.data.validate import pick_scale


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_empty_cells_are_reported_with_file_row_column(tmp_path):
    path = _write(tmp_path / "pairs.csv", "question,context\nq1,c1\nq2,\n,c3\nq4,c4\n")
    loaded = load_data(path)
    assert loaded.df["_row"].tolist() == [2, 5]
    msgs = [str(i) for i in loaded.errors]
    assert msgs == ["pairs.csv, row 3, column 'context': empty cell, expected the positive text",
                    "pairs.csv, row 4, column 'question': empty cell, expected the anchor text"]
    s = loaded.summary()
    assert (s["rows_read"], s["rows_kept"], s["rows_excluded"], s["errors"]) == (4, 2, 2, 2)
    assert s["issues_by_kind"] == {"empty_cell": 2}


def test_wrong_label_type_names_expected_values(tmp_path):
    labels = ["entailment", "neutral", "contradiction"] * 3 + ["neutral", "entailment", "maybe", "contradiction"]
    rows = [{"premise": f"p{i}", "hypothesis": f"h{i}", "label": lab} for i, lab in enumerate(labels)]
    path = _write(tmp_path / "nli.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n")
    loaded = load_data(path)
    assert loaded.format == "labelled_pair"
    assert loaded.label_names == ["entailment", "neutral", "contradiction"]
    [err] = loaded.errors
    assert str(err) == "nli.jsonl, row 12, column 'label': expected a number or one of entailment/neutral/contradiction, got 'maybe'"
    assert len(loaded.df) == 12 and 12 not in loaded.df["_row"].tolist()
    assert loaded.df["label"].tolist()[:3] == [0, 1, 2]


def test_numeric_labels_reject_words_and_fractions(tmp_path):
    path = _write(tmp_path / "lcqmc.tsv", "s1\ts2\tlabel\n" + "a\tb\t0\nc\td\t1\ne\tf\tyes\ng\th\t0.5\n"
                  + "".join(f"i{k}\tj{k}\t{k % 2}\n" for k in range(16)))
    loaded = load_data(path)
    assert loaded.format == "labelled_pair" and loaded.label_names is None
    assert [str(i) for i in loaded.errors] == [
        "lcqmc.tsv, row 4, column 'label': expected a whole-number label (like 0 or 1), got 'yes'",
        "lcqmc.tsv, row 5, column 'label': expected a whole-number label (like 0 or 1), got '0.5'",
    ]


def test_positive_equal_to_negative_is_an_error(tmp_path):
    path = _write(tmp_path / "tri.csv", "anchor,positive,negative\nq1,p1,n1\nq2,same text,same text\nq3,p3,n3\n")
    loaded = load_data(path)
    [err] = loaded.errors
    assert err.row == 3 and err.column == "negative" and err.kind == "same_positive_negative"
    assert "the negative is the same text as the positive in column 'positive'" in str(err)
    assert loaded.df["anchor"].tolist() == ["q1", "q3"]


def test_scores_that_are_not_numbers(tmp_path):
    path = _write(tmp_path / "sts.csv", "sentence1,sentence2,score\na,b,4.5\nc,d,abc\ne,f,0\ng,h,\n")
    loaded = load_data(path)
    assert loaded.format == "scored_pair"
    assert [str(i) for i in loaded.errors] == [
        "sts.csv, row 3, column 'score': expected a number score, got 'abc'",
        "sts.csv, row 5, column 'score': empty cell, expected a number score",
    ]
    assert loaded.score_range == (0.0, 5.0)
    assert loaded.df["score_norm"].tolist() == [0.9, 0.0]


def test_declared_score_range_wins_and_out_of_range_is_clipped(tmp_path):
    path = _write(tmp_path / "s.csv", "sentence1,sentence2,score\na,b,3\nc,d,6\n")
    loaded = load_data(path, score_range=(1, 5))
    assert loaded.df["score_norm"].tolist() == [0.5, 1.0]
    [w] = loaded.warnings
    assert w.kind == "score_out_of_range" and w.row == 3


@pytest.mark.parametrize("lo, hi, scale", [(0, 1, (0, 1)), (0.2, 0.9, (0, 1)), (1, 5, (1, 5)), (0, 5, (0, 5)), (0, 4.6, (0, 5)),
                                           (-0.5, 0.7, (-1, 1)), (3, 80, (0, 100)), (-7, 300, (-7, 300))])
def test_score_scale_snapping(lo, hi, scale):
    assert pick_scale(lo, hi) == scale


def test_no_majority_dash_label_is_a_warning_and_left_out(tmp_path):
    rows = [{"sentence1": f"s{i}", "sentence2": f"t{i}", "label": lab} for i, lab in enumerate(["entailment", "-", "neutral", "contradiction"])]
    loaded = load_data(_write(tmp_path / "ocnli.json", "\n".join(json.dumps(r) for r in rows)))
    assert loaded.errors == []
    [w] = loaded.warnings
    assert (w.row, w.column, w.kind) == (2, "label", "no_majority")
    assert loaded.df["_row"].tolist() == [1, 3, 4]


def test_qpn_problems(tmp_path):
    rows = [
        {"query": "q1", "pos": ["p1", "p2"], "neg": ["p1", "n1"]},
        {"query": "q2", "pos": [], "neg": ["n2"]},
        {"query": "q3", "pos": "p3", "neg": ["n3"]},
        {"query": "", "pos": ["p4"], "neg": []},
        {"query": "q5", "pos": ["p5"], "neg": ["n5"], "pos_scores": [1.0, 0.5]},
    ]
    loaded = load_data(_write(tmp_path / "qpn.jsonl", "\n".join(json.dumps(r) for r in rows)), format="qpn",
                       mapping={"pos_scores": "pos_scores"})
    by_row = {}
    for i in loaded.issues:
        assert i.row not in by_row, loaded.issues  # one issue per row here
        by_row[i.row] = i
    assert by_row[1].severity == "warning" and by_row[1].kind == "positive_in_negatives"
    assert by_row[2].message == "expected at least one positive passage, got none"
    assert str(by_row[4]) == "qpn.jsonl, row 4, column 'query': empty cell, expected the query text"
    assert by_row[5].message == "has 2 scores for 1 passages; expected one score per passage"
    assert loaded.df["_row"].tolist() == [1, 3]
    assert loaded.df.loc[0, "neg"] == ["n1"]  # p1 removed from the negatives
    assert loaded.df.loc[1, "pos"] == ["p3"]  # a single string becomes a one-item list


def test_passages_given_as_objects_are_their_titled_text(tmp_path):
    """Tevatron / MS MARCO style rows (``positive_passages`` / ``negative_passages`` as ``{"docid", "title",
    "text"}`` objects) load as query-pos-neg rows, each passage its title and text joined as evaluation joins them;
    an object without a text field, or a passage that is a list, is one error naming the row, and the row is left
    out."""
    rows = [
        {"query_id": "1", "query": "what do pigs eat",
         "positive_passages": [{"docid": "d1", "title": "Feed", "text": "Pigs eat corn."}],
         "negative_passages": [{"docid": "d2", "title": "", "text": "The barn is red."}, {"docid": "d3", "text": " "}]},
        {"query_id": "2", "query": "how much do sows drink",
         "positive_passages": [{"docid": "d4", "contents": "Sows drink forty litres."}], "negative_passages": []},
        {"query_id": "3", "query": "when are piglets weaned", "positive_passages": [{"docid": "d5", "body": "x"}],
         "negative_passages": []},
        {"query_id": "4", "query": "what is a gilt", "positive_passages": [["a", "b"]], "negative_passages": []},
    ]
    loaded = load_data(_write(tmp_path / "tevatron.jsonl", "\n".join(json.dumps(r) for r in rows)))
    assert loaded.format == "qpn" and loaded.df["_row"].tolist() == [1, 2]
    assert loaded.df["pos"].tolist() == [["Feed Pigs eat corn."], ["Sows drink forty litres."]]
    assert loaded.df["neg"].tolist() == [["The barn is red."], []]
    errors = [str(i) for i in loaded.errors]
    assert errors == ["tevatron.jsonl, row 3, column 'positive_passages': positive passage 1 is an object without a "
                      "text field (expected one of text, contents, content, passage)",
                      "tevatron.jsonl, row 4, column 'positive_passages': positive passage 1 is a list, expected text"]
    assert [i.kind for i in loaded.issues if i.severity == "warning"] == ["empty_cell"]  # d3's blank text


def test_issue_str_and_dict():
    i = Issue("/x/data.csv", 7, "label", "expected a number, got 'x'", "error", "bad_label")
    assert str(i) == "data.csv, row 7, column 'label': expected a number, got 'x'"
    assert i.to_dict()["row"] == 7
