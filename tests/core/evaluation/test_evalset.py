"""Evaluation sets from rows, canonical DataFrames and BEIR folders."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from core.errors import ConfigError, DataError
from core.evaluation.evalset import EvalSet, PairEvalSet, from_dataframe, from_rows, load_beir, load_evalset


def test_from_rows_deduplicates_passages_and_merges_queries():
    ev = from_rows(
        ["q a", "q b", "q a", "q c"],
        ["p1", "p2", "p3", ["p1", "p4"]],
        [["n1", "p2"], [], ["p1"], None],
    )
    assert sorted(ev.corpus.values()) == ["n1", "p1", "p2", "p3", "p4"]  # p1 once
    ids = {t: i for i, t in ev.corpus.items()}
    qa = next(q for q, t in ev.queries.items() if t == "q a")
    assert set(ev.qrels[qa]) == {ids["p1"], ids["p3"]}  # the two rows of "q a" merged
    # p1 is a positive of "q a", so it is never its negative; p2 is a negative
    assert ev.negatives[qa] == [ids["n1"], ids["p2"]]
    qc = next(q for q, t in ev.queries.items() if t == "q c")
    assert set(ev.qrels[qc]) == {ids["p1"], ids["p4"]}
    assert len(ev.queries) == 3


def test_from_dataframe_formats():
    trip = pd.DataFrame({"anchor": ["a", "b"], "positive": ["p", "q"], "negative": ["n", "p"]})
    ev = from_dataframe(trip, "triplet", name="t")
    assert isinstance(ev, EvalSet) and len(ev.corpus) == 3 and len(ev.triplets) == 2
    qpn = pd.DataFrame({"query": ["x"], "pos": [["p1", "p2"]], "neg": [["n1"]]})
    ev = from_dataframe(qpn, "qpn")
    assert len(next(iter(ev.qrels.values()))) == 2 and len(next(iter(ev.negatives.values()))) == 1
    sp = pd.DataFrame({"sentence1": ["a", "b"], "sentence2": ["c", "d"], "score": [5.0, 1.0], "score_norm": [1.0, 0.2]})
    ps = from_dataframe(sp, "scored_pair")
    assert isinstance(ps, PairEvalSet) and ps.scores == [1.0, 0.2]
    lp = pd.DataFrame({"sentence1": ["a", "b", "c"], "sentence2": ["c", "d", "e"], "label": [0, 1, 2]})
    ps = from_dataframe(lp, "labelled_pair", label_names=["neutral", "entailment", "contradiction"])
    assert ps.labels == [0, 1, 0]
    with pytest.raises(DataError, match="lacks column"):
        from_dataframe(pd.DataFrame({"anchor": ["a"]}), "pair", name="f")
    with pytest.raises(ConfigError):
        from_dataframe(pd.DataFrame({"text": ["a"], "label": [1]}), "labelled_sentence")


def _write_beir(folder, header: bool):
    folder.mkdir()
    (folder / "corpus.jsonl").write_text("\n".join(json.dumps(o) for o in [
        {"_id": "d1", "title": "T", "text": "alpha"}, {"_id": "d2", "title": "", "text": "beta"},
        {"_id": "d3", "text": "gamma"}]) + "\n", encoding="utf-8")
    (folder / "queries.jsonl").write_text("\n".join(json.dumps(o) for o in [
        {"_id": "q1", "text": "first", "ticker": "X"}, {"_id": "q2", "text": "second"},
        {"_id": "q3", "text": "no qrels"}, {"_id": "q4", "text": "  "}]), encoding="utf-8")
    (folder / "qrels").mkdir()
    lines = (["query-id\tcorpus-id\tscore"] if header else []) + ["q1\td1\t2", "q1\td3\t1", "q2\td2\t1", "q2\td3\t0",
                                                                   "q2\tmissing\t1", "q4\td1\t1"]
    (folder / "qrels" / "test.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("header", [True, False])
def test_load_beir_with_and_without_header(tmp_path, header):
    _write_beir(tmp_path / "b", header)
    ev = load_beir(tmp_path / "b")
    assert ev.corpus["d1"] == "T alpha" and ev.corpus["d2"] == "beta"
    assert ev.qrels == {"q1": {"d1": 2, "d3": 1}, "q2": {"d2": 1}}  # rel 0 and unknown ids dropped
    assert set(ev.queries) == {"q1", "q2"}  # q3 has no relevant passage, q4 no text (it asks nothing)
    assert ev.query_meta["q1"]["ticker"] == "X"
    assert ev.name == "b/test"
    assert load_evalset(tmp_path / "b").qrels == ev.qrels


def test_load_beir_errors_name_the_problem(tmp_path):
    _write_beir(tmp_path / "b", True)
    with pytest.raises(DataError, match="no qrels/dev.tsv"):
        load_beir(tmp_path / "b", split="dev")
    (tmp_path / "b" / "corpus.jsonl").write_text('{"_id": "d1", "text": "x"}\nnot json\n', encoding="utf-8")
    with pytest.raises(DataError, match="line 2"):
        load_beir(tmp_path / "b")
    with pytest.raises(DataError, match="does not exist"):
        load_evalset(tmp_path / "nothing")


def test_sample_keeps_positives_and_fills_corpus():
    ev = from_rows([f"q{i}" for i in range(20)], [f"p{i}" for i in range(20)], [[f"n{i}"] for i in range(20)])
    small = ev.sample(n_queries=5, corpus_size=12, seed=1)
    assert len(small.queries) == 5 and len(small.corpus) == 12
    for q, rels in small.qrels.items():
        assert set(rels) <= set(small.corpus) and set(small.negatives[q]) <= set(small.corpus)
    assert small.sample(corpus_size=3).corpus.keys() >= {d for r in small.qrels.values() for d in r}


@pytest.mark.parametrize("kwargs", [{"n_queries": -5}, {"n_queries": 0}, {"corpus_size": 0}, {"corpus_size": -1}])
def test_sample_refuses_sizes_below_one_in_one_sentence(kwargs):
    ev = from_rows([f"q{i}" for i in range(5)], [f"p{i}" for i in range(5)])
    (name, value), = kwargs.items()
    with pytest.raises(ConfigError, match=f"{name} must be a whole number of at least 1, got {value}"):
        ev.sample(**kwargs)


def test_load_evalset_reads_data_files_through_core_data(tmp_path):
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("anchor,positive\nwhat is pig feed,feed for pigs needs protein\n"
                     "bank loan rate,the bank loan interest rate will increase\nwhat is pig feed,pigs eat corn\n",
                     encoding="utf-8")
    ev = load_evalset(pairs)
    assert isinstance(ev, EvalSet) and len(ev.queries) == 2 and len(ev.corpus) == 3
    pig = next(q for q, t in ev.queries.items() if t == "what is pig feed")
    assert {ev.corpus[d] for d in ev.qrels[pig]} == {"feed for pigs needs protein", "pigs eat corn"}
    scored = tmp_path / "sts.tsv"
    scored.write_text("sentence1\tsentence2\tscore\na man plays\ta man is playing\t4.5\na dog runs\ta cat eats\t0.5\n"
                      "the car is red\tthe red car\t4.0\n", encoding="utf-8")
    ps = load_evalset(scored)
    assert isinstance(ps, PairEvalSet) and ps.kind == "scored_pair" and len(ps.scores) == 3
    assert ps.scores[0] > ps.scores[2] > ps.scores[1]
