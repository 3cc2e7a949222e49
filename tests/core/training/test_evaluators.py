"""Validation searches the whole passage pool the run knows (training + validation + knowledge base), capped."""

import json

import pandas as pd
import pytest

from core.errors import DataError
from core.run_folder import EV_EVAL
from core.training import TrainConfig, read_events, run_training
from core.training.evaluators import (
    MIN_POOL,
    build_evaluator,
    gain_over_base,
    retrieval_sets,
    row_passages,
    save_base_scores,
    saved_base_scores,
)


def _pairs(prefix, n):
    return pd.DataFrame({"anchor": [f"{prefix} query {i}" for i in range(n)],
                         "positive": [f"{prefix} passage {i}" for i in range(n)]})


def test_pool_holds_training_and_knowledge_base_passages(tiny_model_path, tmp_path):
    from sentence_transformers import SentenceTransformer

    val, train = _pairs("val", 5), _pairs("train", 30)
    kb = tmp_path / "corpus.jsonl"
    # a BEIR knowledge base keeps titles apart; one of its passages is a validation row's own passage
    kb.write_text("".join(json.dumps({"_id": f"d{i}", "title": "kb", "text": f"doc {i}"}) + "\n" for i in range(10))
                  + json.dumps({"_id": "v2", "title": "A title", "text": "val passage 2"}) + "\n")
    model = SentenceTransformer(str(tiny_model_path))
    spec = build_evaluator(val, "pair", model, train_df=train, corpus=str(kb), max_passages=10_000)
    corpus = set(spec.evaluator.corpus)
    assert set(train["positive"]) <= corpus and set(val["positive"]) <= corpus and "doc 3" in corpus
    # the row's passage is in the pool once: no title-prefixed near-duplicate of the gold passage
    assert not any(c.startswith(("A title", "kb ")) for c in corpus)
    assert spec.measured_on == {"n_queries": 5, "n_passages": 45, "corpus": "validation + training + corpus.jsonl"}
    assert "45 passages" in spec.description


def test_qpn_negatives_of_training_rows_are_in_the_pool():
    train = pd.DataFrame({"query": ["q1"], "pos": [["p1"]], "neg": [["n1", "n2"]]})
    assert row_passages(train, "qpn") == ["p1", "n1", "n2"]


def test_cap_keeps_needed_passages_and_never_goes_below_the_floor():
    val = _pairs("val", 20)
    extra = [f"distractor {i}" for i in range(MIN_POOL + 1500)]
    q, corpus, rel = retrieval_sets(val, "pair", extra_passages=extra, max_passages=10)  # below the floor
    assert len(corpus) == MIN_POOL
    assert all(d in corpus for r in rel.values() for d in r), "every gold passage stays in the pool"
    q2, corpus2, _ = retrieval_sets(val, "pair", extra_passages=extra, max_passages=MIN_POOL + 100, seed=42)
    q3, corpus3, _ = retrieval_sets(val, "pair", extra_passages=extra, max_passages=MIN_POOL + 100, seed=42)
    assert len(corpus2) == MIN_POOL + 100 and corpus2 == corpus3, "sampling is seeded"
    _, full, _ = retrieval_sets(val, "pair", extra_passages=extra, max_passages=None)
    assert len(full) == 20 + len(extra)


def test_missing_corpus_file_is_one_clear_sentence(tiny_model_path, tmp_path):
    from sentence_transformers import SentenceTransformer

    with pytest.raises(DataError, match="data.corpus"):
        build_evaluator(_pairs("v", 3), "pair", SentenceTransformer(str(tiny_model_path)),
                        corpus=str(tmp_path / "nope.jsonl"))


def test_run_eval_events_say_what_was_measured(tiny_model_path, format_file, tmp_runs):
    data = format_file("pair")
    cfg = TrainConfig(name="t", model=str(tiny_model_path))
    cfg.data.train = [str(data)]
    cfg.data.split = [0.8, 0.2]
    cfg.hyper.batch_size = 8
    cfg.hyper.max_steps = 2
    cfg.eval.eval_steps = 2
    status = run_training(cfg, tmp_runs / "pool")
    assert status["status"] == "completed", status
    events, _ = read_events(tmp_runs / "pool")
    on = [e["measured_on"] for e in events if e["type"] == EV_EVAL][0]
    n_val = on["n_queries"]
    assert on["corpus"] == "validation + training"
    assert on["n_passages"] > n_val, "validation passages plus the training ones"
    cfg.data.corpus = "x.jsonl"
    cfg.eval.max_eval_passages = 3000
    cfg.save(tmp_runs / "c.yaml")
    back = TrainConfig.load(tmp_runs / "c.yaml")
    assert back.data.corpus == "x.jsonl" and back.eval.max_eval_passages == 3000


def _teacher_scores(n_queries: int = 12, per_query: int = 5, herd: str = "herd") -> pd.DataFrame:
    """RAG-Retrieval-style distillation rows: several scored passages per query, the first one scored highest."""
    rows = []
    for q in range(n_queries):
        for j in range(per_query):
            rows.append({"sentence1": f"how do sows of {herd} {q} farrow", "sentence2": f"{herd} {q} passage {j} on farrowing",
                         "score": 0.9 - 0.15 * j})
    return pd.DataFrame(rows)


def test_scored_pairs_whose_queries_repeat_are_evaluated_by_retrieval(tiny_model_path):
    """A teacher's scores of several passages per query are a retrieval set: each query's top-scored passage is its
    answer and the others join the pool. One-off scored pairs (sentence similarity) keep the correlation."""
    from sentence_transformers import SentenceTransformer

    from core.training.evaluators import retrieval_view

    df = _teacher_scores(3, 4)
    view, fmt = retrieval_view(df, "scored_pair")
    assert fmt == "qpn" and list(view["query"]) == [f"how do sows of herd {q} farrow" for q in range(3)]
    assert view["pos"][0] == ["herd 0 passage 0 on farrowing"] and len(view["neg"][0]) == 3
    sts = pd.DataFrame({"sentence1": ["a cat", "a dog", "a pig"], "sentence2": ["a kitten", "a puppy", "a hog"],
                        "score": [0.9, 0.8, 0.7]})
    assert retrieval_view(sts, "scored_pair") == (sts, "scored_pair")
    assert retrieval_view(_pairs("x", 3), "pair")[1] == "pair"

    model = SentenceTransformer(str(tiny_model_path))
    spec = build_evaluator(df, "scored_pair", model, train_df=_teacher_scores(6, 3, herd="flock"))
    assert spec.main_metric == "ndcg@10" and spec.measured_on["n_queries"] == 3
    assert spec.measured_on["n_passages"] == 12 + 6 * 3  # validation and training passages, each once
    assert build_evaluator(sts, "scored_pair", model).main_metric == "spearman"


def test_a_distillation_run_on_teacher_scores_gets_a_delivered_model(tiny_model_path, tmp_path, tmp_runs):
    """End to end: scored {query, content, score} lines with DistillKLDivLoss validate by retrieval, so the run
    chooses a delivered model (never a regression) like any retrieval run."""
    data = tmp_path / "distill.jsonl"
    df = _teacher_scores(16, 4)
    data.write_text("".join(json.dumps({"query": a, "content": b, "score": c}) + "\n"
                            for a, b, c in zip(df["sentence1"], df["sentence2"], df["score"])), encoding="utf-8")
    cfg = TrainConfig(name="distill", model=str(tiny_model_path))
    cfg.data.train = [str(data)]
    cfg.data.neg_nums = 3
    cfg.loss.name = "DistillKLDivLoss"
    cfg.hyper.max_steps = 2
    status = run_training(cfg, tmp_runs / "distill")
    assert status["status"] == "completed", status
    assert status["main_metric"] == "ndcg@10" and status.get("delivered"), status
    assert (tmp_runs / "distill" / "delivered" / "modules.json").is_file()
    events, _ = read_events(tmp_runs / "distill")
    assert any(e["type"] == EV_EVAL and "ndcg@10" in e["metrics"] for e in events)


def test_read_at_scores_at_the_given_length_and_hands_the_model_back_as_it_was(tiny_model_path, monkeypatch):
    """An evaluator told to read at 64 tokens scores a model that trains at 16 exactly as the same model at 64 would
    be scored, not as at 16 (the passages are longer than 16 tokens); it bounds one batch's attention at that length
    (``attention_safe_batch``) and gives back the model's 16 tokens and its own batch size afterwards."""
    from sentence_transformers import SentenceTransformer

    import core.evaluation.encoding as E
    from core.training.evaluators import build_evaluator, last_per_query, read_at

    pairs = [(f"how do sows of herd {i} farrow", "herd " + " ".join(f"w{i}x{j}" for j in range(30))) for i in range(12)]
    df = pd.DataFrame({"anchor": [q for q, _ in pairs], "positive": [p for _, p in pairs]})
    model = SentenceTransformer(str(tiny_model_path), device="cpu")
    spec = build_evaluator(df, "pair", model, batch_size=8)

    def scores(length, reading=None):
        model.max_seq_length = length
        read_at(spec.evaluator, reading)
        spec.evaluator(model)
        return last_per_query(spec.evaluator)

    at_64, at_16 = scores(64), scores(16)
    assert at_16 != pytest.approx(at_64, abs=1e-6), "cut at 16 the passages read differently"
    batches = []
    real = E.attention_safe_batch
    monkeypatch.setattr(E, "attention_safe_batch", lambda m, b, *a: batches.append((m.max_seq_length, b)) or 3)
    seen = []
    real_encode = model.encode_document

    def encode_document(texts, *a, **k):
        seen.append((model.max_seq_length, k.get("batch_size")))
        return real_encode(texts, *a, **k)

    monkeypatch.setattr(model, "encode_document", encode_document)
    assert scores(16, reading=64) == pytest.approx(at_64, abs=1e-6)
    assert batches == [(64, 8)] and seen and all(s == (64, 3) for s in seen), (batches, seen)
    assert model.max_seq_length == 16 and spec.evaluator.batch_size == 8
    assert real(model, 8) == 8  # (the real rule at 16 tokens keeps the tiny model's batch)


def test_gain_over_base_is_the_paired_rule_and_needs_the_same_queries():
    same = gain_over_base([0.2, 0.5, 1.0], [0.2, 0.5, 1.0])
    assert same == {"metric": "ndcg@10", "n": 3, "diff": 0.0, "ci_low": 0.0, "ci_high": 0.0, "verdict": "no_difference"}
    up = gain_over_base([0.0] * 10, [1.0] * 10)  # every query up by 1: beyond noise on 10 queries
    assert (up["diff"], up["ci_low"], up["ci_high"], up["verdict"]) == (1.0, 1.0, 1.0, "better")
    assert gain_over_base([0.1, 0.2], [0.1]) is None  # not the same queries
    assert gain_over_base(None, [0.1]) is None and gain_over_base([0.1], None) is None


def test_the_base_scores_kept_for_a_resume_are_read_back_only_for_the_same_validation_at_the_same_length(tmp_path):
    """``save_base_scores`` / ``saved_base_scores``: read back for the very set and length they were measured on;
    another query, passage or relevant pair, another length, or a damaged or tampered file gives None."""
    from core.run_folder import BASE_SCORES_FILE
    from core.training.evaluators import _per_query_evaluator_class

    ir = _per_query_evaluator_class()

    def evaluator(corpus_text="pig feed", rel="d1"):
        return ir({"q1": "feed", "q2": "pens"}, {"d1": corpus_text, "d2": "pig pens"}, {"q1": {rel}, "q2": {"d2"}})

    save_base_scores(tmp_path, evaluator(), [0.5, 1.0], 64)
    assert saved_base_scores(tmp_path, evaluator(), 64) == [0.5, 1.0]
    assert saved_base_scores(tmp_path, evaluator(), 128) is None  # read at another length
    assert saved_base_scores(tmp_path, evaluator(corpus_text="pig food"), 64) is None  # another passage text
    assert saved_base_scores(tmp_path, evaluator(rel="d2"), 64) is None  # another relevant pair
    path = tmp_path / BASE_SCORES_FILE
    kept = json.loads(path.read_text(encoding="utf-8"))
    for bad in (dict(kept, scores=[0.5]), dict(kept, scores=[0.5, "1"]), dict(kept, scores=[0.5, 7.0]),
                dict(kept, metric="mrr@10")):
        path.write_text(json.dumps(bad), encoding="utf-8")
        assert saved_base_scores(tmp_path, evaluator(), 64) is None, bad
    path.write_text("{", encoding="utf-8")
    assert saved_base_scores(tmp_path, evaluator(), 64) is None
    # a validation that is not retrieval (no digest) against a file claiming none: not read either
    path.write_text(json.dumps(dict(kept, validation=None)), encoding="utf-8")
    assert saved_base_scores(tmp_path, object(), 64) is None
    save_base_scores(tmp_path / "none", evaluator(), [], 64)  # no scores: nothing written
    assert not (tmp_path / "none").exists()


def test_an_evaluations_metrics_leave_out_the_trainers_bookkeeping():
    """One rule (``is_bookkeeping``) for what an evaluation reports that is time, not quality: the eval events'
    metrics, the model card and the Train tab's log all leave it out."""
    from core.training.evaluators import short_metrics
    from core.training.events import is_bookkeeping

    raw = {"eval_val_cosine_ndcg@10": 0.5, "eval_val_cosine_accuracy@1": 0.25, "eval_loss": 1.5,
           "eval_model_preparation_time": 0.003, "eval_runtime": 2.0, "eval_samples_per_second": 9.0,
           "eval_steps_per_second": 1.0, "epoch": 1.0, "eval_val_spearman_cosine": "n/a"}
    assert short_metrics(raw) == {"ndcg@10": 0.5, "hit@1": 0.25, "loss": 1.5}
    assert [k for k in raw if is_bookkeeping(k)] == ["eval_model_preparation_time", "eval_runtime",
                                                      "eval_samples_per_second", "eval_steps_per_second", "epoch"]
