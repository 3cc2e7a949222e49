"""The importers on the real public files in ../shared/data; expected counts are computed independently here."""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter

from core.data import load_data, qpn_to_rows, read_table, to_dataset


def _lines(path, opener=open):
    with opener(path, "rt", encoding="utf-8") as fh:
        return [line.rstrip("\n").rstrip("\r") for line in fh if line.strip()]


def test_t2ranking_qpn_with_overlapping_positive_negative(shared_data):
    path = shared_data / "t2ranking_100" / "raw" / "t2rank_100.jsonl"
    raw = [json.loads(line) for line in _lines(path)]
    n_pos = sum(len(r["pos"]) for r in raw)
    overlap_rows = [i + 1 for i, r in enumerate(raw) if set(r["pos"]) & set(r["neg"])]
    n_neg_kept = sum(len([n for n in r["neg"] if n not in set(r["pos"])]) for r in raw)
    loaded = load_data(path)
    assert loaded.format == "qpn" and loaded.detection.mapping == {"query": "query", "pos": "pos", "neg": "neg"}
    assert len(loaded.df) == len(raw) == 100
    assert overlap_rows and [i.row for i in loaded.issues if i.kind == "positive_in_negatives"] == overlap_rows
    assert all(i.severity == "warning" and i.column == "neg" for i in loaded.issues)
    s = loaded.summary()
    assert (s["positives"], s["negatives"]) == (n_pos, n_neg_kept) == (505, 1494)
    rows = qpn_to_rows(loaded, neg_nums=7, seed=42)
    assert len(rows) == n_pos and list(rows.columns)[2:] == [f"negative_{k}" for k in range(1, 8)]
    # the negatives of each expanded row come from its own query and never equal one of its positives
    first = raw[0]
    assert set(rows.iloc[0, 2:]) <= set(first["neg"]) - set(first["pos"])
    # more negatives than a query has: resampled with replacement
    wide = qpn_to_rows(loaded, neg_nums=20, seed=0)
    assert wide.shape == (n_pos, 22)
    assert Counter(wide.iloc[0, 2:]).most_common(1)[0][1] == 2  # 15 negatives, 20 slots


def test_zh_stsb_headerless_scores_0_to_5(shared_data):
    path = shared_data / "zh_pairs" / "senteval_cn" / "STS-B.train.data"
    lines = _lines(path)
    expected = Counter(line.split("\t")[2] for line in lines)
    loaded = load_data(path)
    assert loaded.info["header"] is False
    assert loaded.format == "scored_pair"
    assert loaded.detection.mapping == {"sentence1": "col1", "sentence2": "col2", "score": "col3"}
    assert len(loaded.df) == len(lines) == 5231 and loaded.errors == []
    assert Counter(f"{s:g}" for s in loaded.df["score"]) == expected
    assert loaded.score_range == (0.0, 5.0)
    assert loaded.df.loc[0, ["sentence1", "sentence2"]].tolist() == lines[0].split("\t")[:2]
    assert loaded.df.loc[0, "score_norm"] == float(lines[0].split("\t")[2]) / 5
    assert loaded.df["_row"].iloc[-1] == len(lines)


def test_lcqmc_binary_labels(shared_data):
    path = shared_data / "zh_pairs" / "senteval_cn" / "LCQMC.test.data"
    lines = _lines(path)
    expected = Counter(int(line.split("\t")[2]) for line in lines)
    loaded = load_data(path)
    assert loaded.format == "labelled_pair" and loaded.label_names is None
    assert len(loaded.df) == len(lines) == 12500
    assert dict(Counter(loaded.df["label"].tolist())) == dict(expected) == {0: 6250, 1: 6250}


def test_english_stsb_gzip_tsv_with_quote_characters(shared_data):
    path = shared_data / "en_pairs" / "stsb" / "stsbenchmark.tsv.gz"
    lines = _lines(path, gzip.open)
    body = lines[1:]
    quoted = [r for r in body if r.split("\t")[6].startswith('"') or r.split("\t")[7].startswith('"')]
    assert quoted, "the file should contain fields starting with a quote character"
    splits = Counter(r.split("\t")[0] for r in body)
    df = read_table(path)
    assert df.attrs["quoting"] == "none"
    assert len(df) == len(body) == 8628
    assert dict(df["split"].value_counts()) == dict(splits) == {"train": 5749, "dev": 1500, "test": 1379}
    loaded = load_data(path)
    assert loaded.format == "scored_pair" and len(loaded.df) == 8628 and loaded.errors == []
    assert loaded.score_range == (0.0, 5.0)
    # a row whose sentence starts with an unmatched quote keeps it and does not swallow the next line
    row = body.index(quoted[0]) + 2
    got = loaded.df[loaded.df["_row"] == row].iloc[0]
    assert got["sentence1"] == quoted[0].split("\t")[6] and got["sentence2"] == quoted[0].split("\t")[7]
    assert got["score"] == float(quoted[0].split("\t")[5])


def test_sick_relatedness_and_entailment_override(shared_data):
    path = shared_data / "en_pairs" / "sick" / "SICK.txt"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    loaded = load_data(path)
    assert loaded.format == "scored_pair"
    assert loaded.detection.mapping == {"sentence1": "sentence_A", "sentence2": "sentence_B", "score": "relatedness_score"}
    assert len(loaded.df) == len(rows) == 9840
    assert loaded.score_range == (1.0, 5.0)
    assert abs(loaded.df["score"].mean() - sum(float(r["relatedness_score"]) for r in rows) / len(rows)) < 1e-9
    assert loaded.df["score_norm"].min() == 0.0 and loaded.df["score_norm"].max() == 1.0
    alt = [a.format for a in loaded.detection.alternatives]
    assert "labelled_pair" in alt
    nli = load_data(path, format="labelled_pair", mapping={"label": "entailment_label"})
    assert nli.label_names == ["entailment", "neutral", "contradiction"]
    expected = Counter(r["entailment_label"].lower() for r in rows)
    got = Counter(nli.label_names[i] for i in nli.df["label"])
    assert got == expected and expected["neutral"] == 5595


def test_ocnli_dash_labels_are_warned_and_left_out(shared_data):
    path = shared_data / "zh_pairs" / "ocnli" / "dev.json"
    raw = [json.loads(line) for line in _lines(path)]
    dashes = [i + 1 for i, r in enumerate(raw) if r["label"] == "-"]
    loaded = load_data(path)
    assert loaded.format == "labelled_pair" and loaded.label_names == ["entailment", "neutral", "contradiction"]
    warned = [i.row for i in loaded.issues if i.kind == "no_majority"]
    assert warned == dashes and len(dashes) == 50
    assert len(loaded.df) == len(raw) - len(dashes) == 2950
    assert loaded.summary()["rows_excluded"] == 50
    assert not set(dashes) & set(loaded.df["_row"])
    counts = Counter(r["label"] for r in raw if r["label"] != "-")
    assert loaded.summary()["label_counts"] == {0: counts["entailment"], 1: counts["neutral"], 2: counts["contradiction"]}


def test_financial_qa_csv_question_to_context(shared_data):
    path = shared_data / "financial_qa_10k" / "raw" / "Financial-QA-10k.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    bad = [i + 2 for i, r in enumerate(rows) if not r["question"].strip() or not r["context"].strip()]
    loaded = load_data(path)
    assert loaded.format == "pair" and loaded.detection.mapping == {"anchor": "question", "positive": "context"}
    assert [a.mapping for a in loaded.detection.alternatives if a.format == "pair"][0] == {"anchor": "question", "positive": "answer"}
    assert len(loaded.df) == len(rows) - len(bad)
    assert sorted({i.row for i in loaded.errors}) == bad
    assert all(i.column in ("question", "context") and "empty cell" in i.message for i in loaded.errors)
    assert loaded.df.loc[0, "positive"] == rows[0]["context"]
    ds = to_dataset(loaded)
    assert ds.column_names == ["anchor", "positive"] and len(ds) == len(rows) - len(bad)
