"""detect_format from column names and values; user overrides of format and mapping."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from core.data import FORMATS, detect_format, load_data
from core.errors import DataError


def _df(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    return pd.DataFrame({"_row": list(range(2, n + 2)), **cols})


def _jsonl(path, rows):
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def test_formats_table_describes_every_format_in_two_languages():
    assert set(FORMATS) == {"pair", "triplet", "scored_pair", "labelled_pair", "labelled_sentence", "qpn"}
    for spec in FORMATS.values():
        assert spec["required"] and set(spec["required"]) <= set(spec["columns"])
        assert spec["description"]["en"] and spec["description"]["zh"]
    assert FORMATS["scored_pair"]["columns"] == ["sentence1", "sentence2", "score", "score_norm"]


@pytest.mark.parametrize("cols, fmt, mapping", [
    ({"question": ["q1", "q2", "q3"], "answer": ["a1", "a2", "a3"]}, "pair", {"anchor": "question", "positive": "answer"}),
    ({"s1": ["x", "y", "z"], "s2": ["u", "v", "w"]}, "pair", {"anchor": "s1", "positive": "s2"}),
    ({"premise": ["p1", "p2", "p3"], "hypothesis": ["h1", "h2", "h3"], "label": ["entailment", "neutral", "contradiction"]},
     "labelled_pair", {"sentence1": "premise", "sentence2": "hypothesis", "label": "label"}),
    ({"anchor": ["a", "b", "c"], "pos": ["p", "q", "r"], "hard_negative": ["n", "m", "o"]},
     "triplet", {"anchor": "anchor", "positive": "pos", "negative": "hard_negative"}),
    ({"sentence_A": ["a", "b", "c"], "sentence_B": ["d", "e", "f"], "similarity": ["0.1", "0.95", "0.5"]},
     "scored_pair", {"sentence1": "sentence_A", "sentence2": "sentence_B", "score": "similarity"}),
    ({"text1": ["a", "b", "c", "d"], "text2": ["e", "f", "g", "h"], "label": ["0", "1", "1", "0"]},
     "labelled_pair", {"sentence1": "text1", "sentence2": "text2", "label": "label"}),
    ({"text1": ["a", "b", "c", "d", "e"], "text2": ["e", "f", "g", "h", "i"], "label": ["0", "1", "2", "3", "5"]},
     "scored_pair", {"sentence1": "text1", "sentence2": "text2", "score": "label"}),
    ({"text": ["good pig feed", "bad weather today", "sow is sick", "price is up"], "label": ["farm", "other", "farm", "market"]},
     "labelled_sentence", {"text": "text", "label": "label"}),
])
def test_detect_from_names_and_values(cols, fmt, mapping):
    det = detect_format(_df(**cols))
    assert det.format == fmt, det
    assert det.mapping == mapping
    assert det.reasons and 0 < det.confidence <= 1


def test_chinese_team_field_names(tmp_path):
    pair = load_data(_jsonl(tmp_path / "pair.jsonl", [{"text": "猪饲料", "positive_text": "玉米豆粕"}, {"text": "母猪", "positive_text": "断奶"}]))
    assert pair.format == "pair" and pair.detection.mapping == {"anchor": "text", "positive": "positive_text"}
    assert pair.df["anchor"].tolist() == ["猪饲料", "母猪"]
    tri = load_data(_jsonl(tmp_path / "tri.jsonl", [{"text": "猪饲料", "positive_text": "玉米豆粕", "negative_text": "银行贷款"}]))
    assert tri.format == "triplet" and tri.df.loc[0, "negative"] == "银行贷款"
    sc = load_data(_jsonl(tmp_path / "sc.jsonl", [{"text": "猪饲料", "scored_text": "玉米豆粕", "score": 0.9},
                                                   {"text": "猪饲料", "scored_text": "银行贷款", "score": 0.1}]))
    assert sc.format == "scored_pair"
    assert sc.detection.mapping == {"sentence1": "text", "sentence2": "scored_text", "score": "score"}
    assert sc.df["score_norm"].tolist() == [0.9, 0.1]


def test_qpn_with_flagembedding_extras(tmp_path):
    rows = [{"query": "q1", "pos": ["p1", "p2"], "neg": ["n1"], "pos_scores": [0.9, 0.8], "neg_scores": [0.1],
             "prompt": "Represent this query: ", "type": "normal"}]
    loaded = load_data(_jsonl(tmp_path / "fe.jsonl", rows))
    assert loaded.format == "qpn"
    assert loaded.detection.mapping == {"query": "query", "pos": "pos", "neg": "neg", "pos_scores": "pos_scores",
                                        "neg_scores": "neg_scores", "prompt": "prompt", "type": "type"}
    assert loaded.df.loc[0, "pos_scores"] == [0.9, 0.8] and loaded.df.loc[0, "prompt"] == "Represent this query: "


def test_user_format_and_mapping_win(tmp_path):
    path = tmp_path / "qa.csv"
    pd.DataFrame({"question": ["q1", "q2"], "answer": ["a1", "a2"], "context": ["c1", "c2"]}).to_csv(path, index=False)
    assert load_data(path).detection.mapping == {"anchor": "question", "positive": "context"}
    loaded = load_data(path, mapping={"positive": "answer"})
    assert loaded.format == "pair" and loaded.df["positive"].tolist() == ["a1", "a2"]
    tri = load_data(path, format="triplet", mapping={"negative": "answer"})
    assert tri.df.iloc[0][["anchor", "positive", "negative"]].tolist() == ["q1", "c1", "a1"]
    # the same roles under another format's names
    sp = load_data(path, mapping={"anchor": "question", "positive": "context", "label": "answer"}, format="labelled_pair")
    assert sp.detection.mapping == {"sentence1": "question", "sentence2": "context", "label": "answer"}


def test_mapping_naming_a_missing_column_lists_the_available_ones(tmp_path):
    path = tmp_path / "qa.csv"
    pd.DataFrame({"question": ["q1"], "context": ["c1"]}).to_csv(path, index=False)
    with pytest.raises(DataError) as err:
        load_data(path, mapping={"positive": "contxt"})
    assert str(err.value) == "The mapping positive=contxt names a column that qa.csv does not have; available columns: 'question', 'context'."


def test_format_needing_a_column_the_file_lacks(tmp_path):
    path = tmp_path / "qa.csv"
    pd.DataFrame({"question": ["q1"], "context": ["c1"]}).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"The triplet format needs a column for 'negative' but none was found in qa\.csv; map it"):
        load_data(path, format="triplet")
    with pytest.raises(DataError, match="Unknown data format 'quadruplet'"):
        load_data(path, format="quadruplet")


def test_undetectable_file_asks_for_a_mapping(tmp_path):
    path = tmp_path / "ids.csv"
    pd.DataFrame({"id": [1, 2, 3], "value": [3, 4, 5]}).to_csv(path, index=False)
    with pytest.raises(DataError, match=r"Could not tell what kind of data ids\.csv holds \(columns: 'id', 'value'\)"):
        load_data(path)


def test_mapping_of_an_optional_qpn_role_keeps_qpn(tmp_path):
    path = _jsonl(tmp_path / "q.jsonl", [{"query": "q", "pos": ["p"], "neg": ["n"], "instruction_text": "Query: "}])
    loaded = load_data(path, mapping={"prompt": "instruction_text"})
    assert loaded.format == "qpn" and loaded.df.loc[0, "prompt"] == "Query: "


def test_known_first_column_with_unknown_second_falls_back_to_position():
    det = detect_format(_df(question=["q1", "q2", "q3"], reply_body=["r1", "r2", "r3"], ticker=["A", "A", "B"]))
    assert det.format == "pair" and det.mapping == {"anchor": "question", "positive": "reply_body"}
    assert det.confidence < 0.9 and "by position" in det.reasons[0]


@pytest.mark.parametrize("big", ["1e400", "-1e400"])
def test_a_score_too_large_for_a_float_is_a_row_error_like_inf(tmp_path, big):
    """1e400 spells a number but is infinite as a float: detection must not crash, the row is left out."""
    path = tmp_path / "x.csv"
    path.write_text(f"sentence1,sentence2,score\na b,c d,0.5\ne f,g h,{big}\ni j,k l,0.2\n", encoding="utf-8")
    loaded = load_data(path)
    assert loaded.format == "scored_pair"
    assert list(loaded.df["_row"]) == [2, 4]
    errors = [i for i in loaded.issues if i.severity == "error"]
    assert [(i.row, i.column) for i in errors] == [(3, "score")]
    assert big in errors[0].message


def test_a_column_empty_in_every_row_is_named_in_the_reasons(tmp_path):
    """A score column left blank makes the file read as pairs; the detection says why instead of dropping it
    silently (the CLI's inspect and the Data tab show the reasons)."""
    path = tmp_path / "pairs.csv"
    path.write_text("sentence1,sentence2,score\na b,c d,\ne f,g h,\n", encoding="utf-8")
    got = load_data(path)
    assert got.format == "pair"
    assert "column(s) 'score' are empty in every row, so they were not used" in got.detection.reasons
    filled = tmp_path / "scored.csv"
    filled.write_text("sentence1,sentence2,score\na b,c d,0.5\ne f,g h,0.1\n", encoding="utf-8")
    assert not any("empty in every row" in r for r in load_data(filled).detection.reasons)


@pytest.mark.parametrize("header, rows, fmt, said", [
    ("sentence1\tsentence2\tscore", ["a cat sits\ta cat is sitting\t4.5", "the dog\ta car\t0.2", "big house\tlarge home\t4.0"],
     "qpn", "Column 'score' holds similarity scores that the qpn format does not read: every row is taken as a matching "
            "pair, also those scored low; choose the scored_pair format to use them."),
    ("sentence1\tsentence2\tlabel", ["a cat sits\ta cat is sitting\t1", "the dog\ta car\t0", "big house\tlarge home\t1"],
     "pair", "Column 'label' holds match labels that the pair format does not read: every row is taken as a matching "
             "pair, also those labelled as not matching; choose the labelled_pair format to use them."),
])
def test_a_forced_format_that_leaves_scores_or_labels_unread_warns(tmp_path, header, rows, fmt, said):
    """STS-style pairs forced to qpn or pair would train every pair as a match, the 0.2-scored ones too: the
    loaded data carries a warning naming the column; read as detected, it carries none."""
    from core.data import load_data

    path = tmp_path / "judged.tsv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    forced = load_data(path, format=fmt)
    assert [(i.severity, i.column, i.message) for i in forced.issues] == [("warning", header.split("\t")[2], said)]
    assert len(forced.df) == 3
    assert load_data(path).issues == []
