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
    assert ("document", ["zero", "one", "two", "three"], "passage") in a.calls
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
