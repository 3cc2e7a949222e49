"""Side-by-side search: ranks, rank changes between the two lists, gold marks, and cached corpora."""

from __future__ import annotations

import numpy as np

from core.evaluation.evalset import EvalSet
from core.evaluation.search import SideBySide

from .fakes import VectorModel

DOCS = {"d0": "zero", "d1": "one", "d2": "two", "d3": "three"}
DOC_VECS = {"zero": [1, 0], "one": [0.8, 0.6], "two": [0.6, 0.8], "three": [0, 1]}


def _models():
    a = VectorModel({**DOC_VECS, "q": [1, 0]})   # scores d0 1.0, d1 .8, d2 .6, d3 0
    b = VectorModel({**DOC_VECS, "q": [0, 1]})   # scores d3 1.0, d2 .8, d1 .6, d0 0
    return a, b


def test_rank_changes_between_two_lists():
    a, b = _models()
    sbs = SideBySide([("base", a), ("tuned", b)], DOCS, use_cache=False)
    base, tuned = sbs.search("q", k=3)
    assert [h.doc_id for h in base] == ["d0", "d1", "d2"]
    assert [h.doc_id for h in tuned] == ["d3", "d2", "d1"]
    assert [round(h.score, 4) for h in base] == [1.0, 0.8, 0.6]
    # base list vs the tuned model's whole-corpus ranks: d0 is 4th there, d1 3rd, d2 2nd
    assert [(h.rank, h.other_rank, h.rank_change, h.in_other) for h in base] == [
        (1, 4, 3, False), (2, 3, 1, True), (3, 2, -1, True)]
    # tuned list vs base ranks: d3 is 4th under base (new), d2 3rd, d1 2nd
    assert [(h.rank, h.other_rank, h.rank_change, h.is_new) for h in tuned] == [
        (1, 4, 3, True), (2, 3, 1, False), (3, 2, -1, False)]
    assert all(h.gold is None for h in base + tuned)  # no qrels known
    assert sbs.labels == ["base", "tuned"]


def test_gold_marked_from_evalset_and_prompts_used():
    a, b = _models()
    a.prompts = {"query": "query: ", "passage": "passage: "}
    ev = EvalSet(corpus=DOCS, queries={"q1": "q"}, qrels={"q1": {"d2": 1}})
    sbs = SideBySide([a, b], ev, use_cache=False)
    base, tuned = sbs.search("q", k=4)
    assert [h.gold for h in base] == [False, False, True, False]
    assert next(h for h in tuned if h.gold).doc_id == "d2" and tuned[1].gold
    # the model with prompts got prompt names for both sides; the other got none
    assert ("document", ["three", "zero", "one", "two"], "passage") in a.calls  # longest first (encoding.py)
    assert ("query", ["q"], "query") in a.calls
    assert ("query", ["q"], None) in b.calls
    # unknown query text: gold unknown; an explicit query_id still marks it
    assert all(h.gold is None for h in sbs.search("zero", k=2)[0])
    assert [h.gold for h in sbs.search("zero", k=4, query_id="q1")[0]].count(True) == 1


def test_single_model_and_list_corpus(tiny_model):
    sbs = SideBySide([tiny_model], ["pig feed protein", "bank loan interest rate", "猪饲料蛋白"])
    (hits,) = sbs.search("pig feed", k=5)
    assert len(hits) == 3 and [h.rank for h in hits] == [1, 2, 3]
    assert hits[0].other_rank is None and hits[0].in_other is None
    assert all(hits[i].score >= hits[i + 1].score for i in range(2))
    assert {h.doc_id for h in hits} == {"p0", "p1", "p2"}
    # reopening uses the cache and gives identical scores
    again = SideBySide([tiny_model], ["pig feed protein", "bank loan interest rate", "猪饲料蛋白"])
    assert again.cache_hits == [True]
    np.testing.assert_allclose([h.score for h in again.search("pig feed", k=3)[0]], [h.score for h in hits], rtol=1e-5)


def test_cold_start_reports_each_phase_and_a_restart_reuses_the_disk_cache(tiny_model_path, tmp_path, monkeypatch):
    import shutil

    import core.evaluation.embed_cache as embed_cache
    from core.evaluation.encoding import encode_batch
    from core.paths import cache_root

    tuned = tmp_path / "run" / "final"
    shutil.copytree(tiny_model_path, tuned)
    (tuned / "trained.txt").write_text("another model folder, so another cache key\n", encoding="utf-8")
    corpus = [f"passage {i} about pig feed, 猪饲料 {i}" for i in range(40)]
    events = []
    first = SideBySide([("base", str(tiny_model_path)), ("tuned", str(tuned))], corpus, progress=events.append)
    assert first.cache_hits == [False, False]
    phases = [(e.stage, e.done, e.total, e.message) for e in events]
    assert phases[0] == ("load-model", 0, 2, "base")
    load_tuned = phases.index(("load-model", 1, 2, "tuned"))
    assert {m.split(":")[0] for s, _, _, m in phases[1:load_tuned] if s == "embed-corpus"} == {"base"}
    assert ("embed-corpus", 40, 40, "base") in phases[:load_tuned]
    # a small corpus still moves the bar: a report between none and all (whole encode batches of the device's size)
    assert any(s == "embed-corpus" and 0 < d < 40 and d % encode_batch(first.models[0]) == 0
               for s, d, _, _ in phases[:load_tuned]), phases
    assert ("embed-corpus", 40, 40, "tuned") in phases[load_tuned:]
    assert phases[-1] == ("ready", 2, 2, "base, tuned")
    assert len(list((cache_root() / "embeddings").glob("*.npy"))) == 2  # one matrix per model, on disk

    # a restart: nothing in memory, the models load again from their folders, and no passage is encoded again
    def no_encoding(*args, **kwargs):
        raise AssertionError("the corpus was encoded again instead of read from the disk cache")

    monkeypatch.setattr(embed_cache, "encode_corpus", no_encoding)
    events.clear()
    again = SideBySide([("base", str(tiny_model_path)), ("tuned", str(tuned))], corpus, progress=events.append)
    assert again.cache_hits == [True, True]
    assert [e.message for e in events if e.stage == "embed-corpus"] == ["base: loaded from cache",
                                                                       "tuned: loaded from cache"]
    for a, b in zip(first.matrices, again.matrices):
        np.testing.assert_array_equal(a, b)
    assert [h.doc_id for h in again.search("pig feed 3", k=5)[1]] == [h.doc_id for h in first.search("pig feed 3", k=5)[1]]


def test_encode_step_reports_a_small_corpus_several_times():
    from core.evaluation.encoding import ENCODE_CHUNK, encode_step

    assert encode_step(191, 32) == 32  # the sample's corpus: 6 reports instead of 1
    assert encode_step(10_000, 32) == ENCODE_CHUNK
    assert encode_step(700, 32) == 96  # whole batches, about ten reports
    assert encode_step(5, 32) == 32 and encode_step(0, 16) == 16
    assert encode_step(100, 512) == 512
