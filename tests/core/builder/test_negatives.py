"""Hard-negative mining on real Chinese data (BM25 + jieba, dense with the tiny model, hybrid) and toy cases."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from core.builder.bm25 import BM25Index
from core.builder.clean import text_key
from core.builder.negatives import DROP_RULES, mine_negatives
from core.errors import ConfigError, DataError


def _t2(shared_data, n=None):
    path = shared_data / "t2ranking_100/raw/t2rank_100.jsonl"
    rows = [json.loads(line) for line in open(path, encoding="utf-8")]
    return rows[:n] if n else rows


def _overlaps(rows):
    """(row index, passage) pairs listed as both positive and negative of the same query, found independently."""
    return {(i, n) for i, r in enumerate(rows) for n in r["neg"] if n in set(r["pos"])}


def _pool(rows):
    return list(dict.fromkeys(p for r in rows for p in r["pos"] + r["neg"]))


def _check_stats_add_up(res, rows_out):
    s = res.stats
    assert s["considered"] == s["kept"] + s["not_sampled"] + sum(s["dropped"].values())
    assert s["kept"] + s["existing_kept"] == sum(len(r["neg"]) for r in rows_out)
    assert set(s["dropped"]) == set(DROP_RULES)
    assert s["dropped"]["guard_abs"] + s["dropped"]["guard_rel"] == len(res.suspected_false_negatives)


def test_bm25_mining_on_t2ranking(shared_data):
    rows = _t2(shared_data)
    overlaps = _overlaps(rows)
    assert len(overlaps) >= 3  # the data set's known quirk is really there
    lo, hi = 5, 60
    res = mine_negatives(rows, method="bm25", num_negatives=5, rank_window=(lo, hi), sample="top")
    out = res.rows
    assert isinstance(out, list) and len(out) == len(rows)
    # every conflict in the input was reported, and none of those passages is a mined negative
    assert {(c["row"] - 1, c["passage"]) for c in res.conflicts} == overlaps
    for i, p in overlaps:
        assert p not in out[i]["neg"]
    # no mined negative is a positive of its query; most queries got the full count
    for r in out:
        keys = {text_key(p) for p in r["pos"]}
        assert not any(text_key(n) in keys for n in r["neg"])
        assert len(r["neg"]) == len(r["neg_scores"]) <= 5
    assert sum(len(r["neg"]) == 5 for r in out) >= 90
    _check_stats_add_up(res, out)
    assert res.stats["dropped"]["is_positive"] > 0 and res.stats["dropped"]["outside_window"] > 0

    # rank window honoured: recompute each negative's rank among non-positive passages independently
    pool = _pool(rows)
    index = BM25Index(pool)
    idx, _ = index.search([r["query"] for r in rows], k=len(pool))
    for i, r in enumerate(out):
        ranking = [pool[j] for j in idx[i] if pool[j] not in set(rows[i]["pos"])]
        for n in r["neg"]:
            assert lo <= ranking.index(n) < hi
        # sample="top": the picks are the best-ranked eligible ones, in order
        ranks = [ranking.index(n) for n in r["neg"]]
        assert ranks == sorted(ranks)

    # the positive score range sits above the kept range (BM25 finds positives first)
    sr = res.stats["score_ranges"]
    assert sr["bm25_positive"]["median"] > sr["bm25_kept"]["median"]


def test_guard_catches_near_copy_of_positive():
    pos = "african swine fever virus is a disease of the pig herd"
    rows = [{"query": "african swine fever virus pig herd", "pos": [pos], "neg": []},
            {"query": "bank loan interest rate", "pos": ["the bank loan interest rate will increase this year"], "neg": []}]
    passages = [
        pos + " today",  # near copy: scores about as high as the positive
        "swine fever in the herd",
        "the pig herd needs water",
        "virus disease report",
        "company annual revenue and profit",
    ]
    res = mine_negatives(rows, passages=passages, method="bm25", num_negatives=3, rank_window=(0, 10),
                         sample="top", false_negative_margin_rel=0.1, bm25_method="robertson")
    sus = [s for s in res.suspected_false_negatives if s["query"] == rows[0]["query"]]
    assert [s["candidate"] for s in sus] == [pos + " today"]
    assert sus[0]["rule"] == "guard_rel" and sus[0]["score"] >= sus[0]["positive_score"] * 0.9
    assert pos + " today" not in res.rows[0]["neg"] and len(res.rows[0]["neg"]) == 3
    # without the guard it is the top pick
    res2 = mine_negatives(rows, passages=passages, method="bm25", num_negatives=3, rank_window=(0, 10),
                          sample="top", false_negative_margin_rel=None)
    assert res2.rows[0]["neg"][0] == pos + " today" and not res2.suspected_false_negatives
    # absolute margin: a huge margin flags every overlapping candidate
    res3 = mine_negatives(rows, passages=passages, method="bm25", num_negatives=3, rank_window=(0, 10),
                          false_negative_margin_rel=None, false_negative_margin_abs=100.0)
    assert res3.stats["dropped"]["guard_abs"] > 0 and res3.stats["kept"] == 0
    _check_stats_add_up(res3, res3.rows)


def test_random_sampling_is_seeded_and_keep_existing(shared_data):
    rows = _t2(shared_data, 20)
    a = mine_negatives(rows, num_negatives=4, rank_window=(2, 40), seed=1)
    b = mine_negatives(rows, num_negatives=4, rank_window=(2, 40), seed=1)
    c = mine_negatives(rows, num_negatives=4, rank_window=(2, 40), seed=2)
    assert [r["neg"] for r in a.rows] == [r["neg"] for r in b.rows]
    assert [r["neg"] for r in a.rows] != [r["neg"] for r in c.rows]
    # keep_existing: the input's negatives (minus any that are positives) come first
    k = mine_negatives(rows, num_negatives=20, rank_window=(2, 40), keep_existing=True)
    for src, r in zip(rows, k.rows):
        existing = [n for n in dict.fromkeys(src["neg"]) if n not in set(src["pos"])][:20]
        assert r["neg"][: len(existing)] == existing
        assert len(set(r["neg"])) == len(r["neg"])
    assert k.stats["existing_kept"] > 0
    _check_stats_add_up(k, k.rows)


def test_dense_mining_with_tiny_model(shared_data, tiny_model_path):
    from sentence_transformers import SentenceTransformer

    rows = _t2(shared_data, 25)
    model = SentenceTransformer(str(tiny_model_path), device="cpu")
    lo, hi = 3, 30
    res = mine_negatives(pd.DataFrame(rows), method="dense", model=model, num_negatives=4, rank_window=(lo, hi),
                         sample="random", false_negative_margin_rel=None,
                         false_negative_margin_abs=0.0, batch_size=32)
    out = res.rows
    assert isinstance(out, pd.DataFrame) and len(out) == 25
    _check_stats_add_up(res, out.to_dict("records"))
    # an untrained tiny model scores everything alike, so the guard has plenty to drop
    assert res.stats["kept"] > 0 and res.stats["dropped"]["guard_abs"] > 0
    pool = _pool(rows)
    p = model.encode_document(pool, normalize_embeddings=True)
    q = model.encode_query([r["query"] for r in rows], normalize_embeddings=True)
    sims = q @ p.T
    for i, r in enumerate(out.to_dict("records")):
        assert not set(r["neg"]) & set(rows[i]["pos"])
        order = [pool[j] for j in np.argsort(-sims[i], kind="stable") if pool[j] not in set(rows[i]["pos"])]
        for n, s in zip(r["neg"], r["neg_scores"]):
            assert lo - 1 <= order.index(n) <= hi  # +-1 for float ties between numpy and torch
            assert s == pytest.approx(float(sims[i][pool.index(n)]), abs=1e-4)
            # the guard (absolute margin 0): nothing kept scores as high as the best positive
            best_pos = max(float(sims[i][pool.index(x)]) for x in rows[i]["pos"])
            assert s < best_pos


def test_hybrid_mining(shared_data, tiny_model_path):
    from sentence_transformers import SentenceTransformer

    rows = _t2(shared_data, 15)
    model = SentenceTransformer(str(tiny_model_path), device="cpu")
    res = mine_negatives(rows, method="hybrid", model=model, num_negatives=3, rank_window=(2, 20), sample="top",
                         false_negative_margin_rel=None, false_negative_margin_abs=0.0)
    assert all(len(r["neg"]) == 3 for r in res.rows)
    for src, r in zip(rows, res.rows):
        assert not set(r["neg"]) & set(src["pos"])
    assert res.stats["score_ranges"]["bm25_kept"] and res.stats["score_ranges"]["dense_kept"]
    assert {s["method"] for s in res.suspected_false_negatives} <= {"bm25", "dense"}
    _check_stats_add_up(res, res.rows)


def test_in_batch_only_and_errors():
    rows = [{"query": "pig feed", "pos": ["feed for pigs"], "neg": ["bank loan"], "source": "a"}]
    res = mine_negatives(rows, method="in_batch_only")
    assert res.rows == [{"query": "pig feed", "pos": ["feed for pigs"], "neg": [], "source": "a"}]
    assert res.stats["kept"] == 0
    with pytest.raises(ConfigError):
        mine_negatives(rows, method="magic")
    with pytest.raises(ConfigError):
        mine_negatives(rows, rank_window=(10, 5))
    with pytest.raises(ConfigError, match="model"):
        mine_negatives(rows, method="dense")
    with pytest.raises(DataError, match="Row 2"):
        mine_negatives(rows + [{"query": "q", "pos": [], "neg": []}])


@pytest.mark.parametrize("batch_size", [0, -3])
def test_a_batch_size_below_one_is_refused_before_mining(batch_size):
    """Refused up front (it used to be a ValueError from range() deep in dense encoding); no model is needed."""
    rows = [{"query": "pig feed", "pos": ["feed for pigs"], "neg": []}]
    with pytest.raises(ConfigError, match=f"batch_size is {batch_size}; expected 1 or more"):
        mine_negatives(rows, method="dense", model="no-such-model", batch_size=batch_size)


def test_dense_mining_applies_model_prompts(tiny_model_path):
    from sentence_transformers import SentenceTransformer

    from tests.conftest import tiny_pairs

    pairs = tiny_pairs(20)
    rows = [{"query": q, "pos": [p], "neg": []} for q, p in pairs]
    model = SentenceTransformer(str(tiny_model_path), device="cpu")
    model.prompts = {"query": "query: ", "passage": "passage: "}
    res = mine_negatives(rows, method="dense", model=model, num_negatives=2, rank_window=(0, 10), sample="top",
                         false_negative_margin_rel=None)
    pool = [p for _, p in pairs]
    plain = SentenceTransformer(str(tiny_model_path), device="cpu")
    q = plain.encode(["query: " + r["query"] for r in rows], normalize_embeddings=True)
    d = plain.encode(["passage: " + p for p in pool], normalize_embeddings=True)
    q0 = plain.encode([r["query"] for r in rows], normalize_embeddings=True)
    d0 = plain.encode(pool, normalize_embeddings=True)
    differs = False
    for i, r in enumerate(res.rows):
        assert len(r["neg"]) == 2
        for n, s in zip(r["neg"], r["neg_scores"]):
            j = pool.index(n)
            assert s == pytest.approx(float(q[i] @ d[j]), abs=1e-4)  # scored with the prompts
            differs |= abs(s - float(q0[i] @ d0[j])) > 1e-3
    assert differs  # and the prompts really changed the scores


def test_suspect_list_is_capped_but_counts_are_complete():
    rows = [{"query": f"pig feed protein {i}", "pos": [f"pig feed protein soybean {i}"], "neg": []} for i in range(6)]
    passages = [f"pig feed protein soybean corn {i}" for i in range(6)]
    full = mine_negatives(rows, passages=passages, num_negatives=2, rank_window=(0, 20),
                          false_negative_margin_abs=100.0, false_negative_margin_rel=None)
    capped = mine_negatives(rows, passages=passages, num_negatives=2, rank_window=(0, 20),
                            false_negative_margin_abs=100.0, false_negative_margin_rel=None, max_suspects=3)
    assert full.stats["dropped"]["guard_abs"] == capped.stats["dropped"]["guard_abs"] > 3
    assert len(full.suspected_false_negatives) == full.stats["dropped"]["guard_abs"]
    assert len(capped.suspected_false_negatives) == 3


def _guard_case():
    pos = "african swine fever virus is a disease of the pig herd"
    rows = [{"query": "african swine fever virus pig herd", "pos": [pos], "neg": []},
            {"query": "bank loan interest rate", "pos": ["the bank loan interest rate will increase this year"], "neg": []},
            {"query": "pig herd water needs", "pos": ["the pig herd needs water every day"], "neg": []}]
    passages = [pos + " today", "swine fever in the herd", "the pig herd needs water", "virus disease report",
                "company annual revenue and profit", "the bank loan interest rate will increase this year again"]
    return rows, passages


def test_guard_sentence_counts_from_stats_and_review_drops_rows():
    from core.builder.negatives import apply_review

    rows, passages = _guard_case()
    res = mine_negatives(rows, passages=passages, method="bm25", num_negatives=2, rank_window=(0, 10),
                         sample="top", false_negative_margin_rel=0.1, bm25_method="robertson")
    n = res.stats["dropped"]["guard_rel"]
    assert n >= 2 and n == res.suspected_total == len(res.suspected_false_negatives)
    assert res.guard_sentence() == (f"{n:,} candidates skipped because they scored within 10% of the positive "
                                    "(they may be right answers rather than negatives).")
    # every suspect names its row (1-based) and that row's query
    assert all(res.rows[s["row"] - 1]["query"] == s["query"] for s in res.suspected_false_negatives)
    first = res.suspected_false_negatives[0]
    kept, gone = apply_review(res.rows, res.suspected_false_negatives, [0])
    assert gone == [first["row"]] and len(kept) == 2 and first["query"] not in [r["query"] for r in kept]
    kept_all, gone_all = apply_review(res.rows, res.suspected_false_negatives, range(len(res.suspected_false_negatives)))
    assert gone_all == sorted({s["row"] for s in res.suspected_false_negatives})
    assert len(kept_all) == 3 - len(gone_all)
    kept_none, gone_none = apply_review(res.rows, res.suspected_false_negatives, [])
    assert gone_none == [] and kept_none == res.rows


def test_review_bad_input_is_one_sentence():
    from core.builder.negatives import apply_review

    rows, passages = _guard_case()
    res = mine_negatives(rows, passages=passages, method="bm25", num_negatives=2, rank_window=(0, 10),
                         sample="top", false_negative_margin_rel=0.1, bm25_method="robertson")
    total = len(res.suspected_false_negatives)
    with pytest.raises(DataError, match=f"Suspect {total} is not in the review list \\(it has {total} suspects"):
        apply_review(res.rows, res.suspected_false_negatives, [total])
    with pytest.raises(DataError, match="which is not in the rows any more; mine again"):
        apply_review(res.rows[1:], res.suspected_false_negatives, [0])


def test_guard_sentence_when_off_and_absolute():
    rows, passages = _guard_case()
    off = mine_negatives(rows, passages=passages, method="bm25", num_negatives=2, rank_window=(0, 10),
                         false_negative_margin_rel=None)
    assert off.guard_sentence().startswith("The false-negative guard was off")
    ab = mine_negatives(rows, passages=passages, method="bm25", num_negatives=2, rank_window=(0, 10),
                        false_negative_margin_rel=None, false_negative_margin_abs=100.0)
    assert ab.guard_sentence().startswith(f"{ab.stats['dropped']['guard_abs']:,} candidates skipped because they "
                                          "scored within 100 of the positive's score")


def test_dense_topk_in_blocks_equals_the_full_matrix(monkeypatch):
    import torch

    from core.builder.negatives import _dense_topk

    rng = np.random.default_rng(0)
    q = rng.standard_normal((37, 16)).astype(np.float32)
    p = rng.standard_normal((250, 16)).astype(np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    p /= np.linalg.norm(p, axis=1, keepdims=True)
    full = q @ p.T
    want_idx = np.argsort(-full, axis=1, kind="stable")[:, :12]
    blocks = []
    real_topk = torch.topk

    def spy(sims, k, dim):
        blocks.append(tuple(sims.shape))
        return real_topk(sims, k, dim=dim)

    monkeypatch.setattr(torch, "topk", spy)
    idx, sc = _dense_topk(q, p, 12, max_bytes=4 * 250 * 5)  # room for 5 queries' similarities per block
    np.testing.assert_array_equal(idx, want_idx)
    np.testing.assert_allclose(sc, np.take_along_axis(full, want_idx, axis=1), rtol=1e-5, atol=1e-6)
    # 37 queries went through in blocks of 5 (the last one 2): never the whole 37 x 250 matrix
    assert blocks == [(5, 250)] * 7 + [(2, 250)]
    # the default budget caps a block at 512 queries and k at the pool size
    blocks.clear()
    idx2, _ = _dense_topk(q, p[:8], 50)
    assert idx2.shape == (37, 8) and blocks == [(37, 8)]


def test_guard_rule_is_the_one_false_negative_guard():
    """The miner and the recipe's mining evidence (core.training.negatives) both call it."""
    from core.builder.negatives import guard_rule

    assert guard_rule(0.86, 0.9, margin_rel=0.05) == "guard_rel"  # within 5% of the positive
    assert guard_rule(0.85, 0.9, margin_rel=0.05) is None
    assert guard_rule(0.85, 0.9, margin_abs=0.1, margin_rel=0.05) == "guard_abs"
    assert guard_rule(0.5, 0.9) is None, "no margin: no guard"
    # a positive with a negative score still guards what scores above 95% of it, as the miner always did
    assert guard_rule(-0.05, -0.1, margin_rel=0.05) == "guard_rel" and guard_rule(-0.2, -0.1, margin_rel=0.05) is None
