"""Validation searches the whole passage pool the run knows, not only the validation rows' own passages."""

from __future__ import annotations

import json

import pandas as pd

from core.training import read_events, run_training
from core.training.evaluators import MIN_POOL, passages_of, read_corpus_texts, validation_pool
from tests.conftest import tiny_pairs


def _pairs(n, offset=0):
    return pd.DataFrame({"anchor": [f"question {i}" for i in range(offset, offset + n)],
                         "positive": [f"passage number {i}" for i in range(offset, offset + n)]})


def test_pool_holds_train_passages_and_the_knowledge_base():
    val, train = _pairs(10), _pairs(50, offset=100)
    kb = [f"knowledge base text {i}" for i in range(30)] + ["passage number 3"]  # one repeats a validation passage
    ev = validation_pool(val, "pair", train_df=train, corpus_texts=kb)
    assert len(ev.queries) == 10
    assert len(ev.corpus) == 10 + 50 + 30  # distinct texts only
    texts = set(ev.corpus.values())
    assert "passage number 120" in texts and "knowledge base text 7" in texts
    for q, rels in ev.qrels.items():  # gold passages keep their ids
        assert all(d in ev.corpus for d in rels)
    assert ev.name.startswith("10 validation queries over 90 passages (validation + training + knowledge base)")


def test_cap_keeps_gold_and_never_goes_below_the_floor():
    val, train = _pairs(20), _pairs(6000, offset=1000)
    ev = validation_pool(val, "pair", train_df=train, max_passages=100)  # asked for 100: the floor wins
    assert len(ev.corpus) == MIN_POOL
    gold = {d for rels in ev.qrels.values() for d in rels}
    assert gold <= set(ev.corpus)
    assert "sampled from 6020" in ev.name
    again = validation_pool(val, "pair", train_df=train, max_passages=100)
    assert again.corpus == ev.corpus, "the sample is seeded"
    big = validation_pool(val, "pair", train_df=train, max_passages=3000)
    assert len(big.corpus) == 3000


def test_passages_of_qpn_lists_positives_and_negatives():
    df = pd.DataFrame({"query": ["q"], "pos": [["a", "b"]], "neg": [["c", " "]]})
    assert passages_of(df, "qpn") == ["a", "b", "c"]


def test_read_corpus_texts_from_beir_and_jsonl(tmp_path):
    (tmp_path / "beir").mkdir()
    (tmp_path / "beir" / "corpus.jsonl").write_text(
        json.dumps({"_id": "1", "title": "Feed", "text": "pigs eat corn"}) + "\n", encoding="utf-8")
    assert read_corpus_texts(str(tmp_path / "beir")) == ["Feed pigs eat corn"]
    (tmp_path / "kb.jsonl").write_text(json.dumps({"id": "p1", "text": "母猪需要蛋白质"}, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
    assert read_corpus_texts(str(tmp_path / "kb.jsonl")) == ["母猪需要蛋白质"]


def test_a_run_validates_over_the_pool(tiny_model_path, tmp_path, tmp_runs):
    from tests.core.training.test_runner import tiny_config

    pairs = tiny_pairs(40)
    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps({"anchor": q, "positive": p}, ensure_ascii=False) + "\n" for q, p in pairs),
                    encoding="utf-8")
    kb = tmp_path / "kb.jsonl"
    kb.write_text("".join(json.dumps({"text": f"extra passage {w}"}) + "\n" for w in ("pig", "sow", "boar")),
                  encoding="utf-8")
    cfg = tiny_config(tiny_model_path, data)
    cfg.data.corpus = str(kb)
    status = run_training(cfg, tmp_runs / "pool")
    assert status["status"] == "completed", status
    events, _ = read_events(tmp_runs / "pool")
    plan = next(e for e in events if e["type"] == "plan")
    # 8 validation queries (0.2 of 40) search all 40 distinct passages + the 3 knowledge-base ones
    assert "validation queries over 43 passages (validation + training + knowledge base)" in plan["evaluator"]
