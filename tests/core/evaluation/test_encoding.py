"""Encoding batches stay small enough that long texts' attention fits ``ATTENTION_MB``; the embeddings do not
depend on the batch."""

from __future__ import annotations

import numpy as np

from core.evaluation.encoding import (
    ATTENTION_MB,
    ENCODE_BATCH,
    ENCODE_BATCH_CPU,
    attention_safe_batch,
    encode_batch,
    encode_corpus,
)


class _Config:
    def __init__(self, heads):
        self.num_attention_heads = heads


class _Body:
    def __init__(self, heads):
        self.auto_model = type("M", (), {"config": _Config(heads)})()


class _Shape(list):
    """What ``attention_safe_batch`` reads of a model: ``max_seq_length`` and ``model[0].auto_model.config``."""

    def __init__(self, length, heads, device="cpu"):
        super().__init__([_Body(heads)])
        self.max_seq_length = length
        self.device = device


def test_long_texts_get_smaller_batches_short_ones_keep_theirs():
    e5_long = attention_safe_batch(_Shape(512, 12), 32)
    assert e5_long == 10  # 2 x 10 x 12 x 512 x 512 x 4 bytes = 240 MB <= 256 MB
    assert 2 * e5_long * 12 * 512 * 512 * 4 <= ATTENTION_MB * 2**20 < 2 * (e5_long + 1) * 12 * 512 * 512 * 4
    assert attention_safe_batch(_Shape(128, 12), 32) == 32
    assert attention_safe_batch(_Shape(256, 12), 32) == 32
    assert attention_safe_batch(_Shape(8192, 16), 32) == 1, "never below one text"
    assert attention_safe_batch(object(), 16) == 16, "a model it cannot read keeps the batch"


def test_every_search_encodes_at_the_devices_batch_unless_told_and_long_texts_still_shrink_it():
    assert (ENCODE_BATCH_CPU, ENCODE_BATCH) == (16, 32)
    assert encode_batch(_Shape(128, 12)) == 16, "on a CPU"
    assert encode_batch(_Shape(128, 12, device="cuda:0")) == 32
    assert encode_batch(_Shape(128, 12, device="mps")) == 32
    assert encode_batch(_Shape(128, 12), 64) == 64, "a size the caller gives is kept"
    assert encode_batch(_Shape(512, 12, device="cuda:0")) == 10, "the attention bound applies on every device"
    assert encode_batch(_Shape(512, 12), 64) == 10


def test_the_validation_evaluator_and_the_miner_encode_at_the_devices_batch_not_the_trainings(tiny_model_path,
                                                                                              monkeypatch):
    """The runner builds its evaluator without a batch size and the training's miner passes none: both take
    ``encode_batch``'s 16 on a CPU, whatever the run's training batch."""
    import pandas as pd
    from sentence_transformers import SentenceTransformer

    from core.training.evaluators import build_evaluator
    from core.training.negatives import mine_for_training

    model = SentenceTransformer(str(tiny_model_path), device="cpu")
    df = pd.DataFrame({"anchor": [f"sow {i} farrowing question" for i in range(20)],
                       "positive": [f"passage about herd {i} and its farrowing pen" for i in range(20)]})
    assert build_evaluator(df, "pair", model).evaluator.batch_size == ENCODE_BATCH_CPU
    sizes = []
    real = model.encode_document

    def spy(texts, *a, **k):
        sizes.append(k.get("batch_size"))
        return real(texts, *a, **k)

    monkeypatch.setattr(model, "encode_document", spy)
    mine_for_training(df, "pair", model, passages=[f"distractor passage number {i}" for i in range(40)])
    assert sizes and set(sizes) == {ENCODE_BATCH_CPU}, sizes


def test_the_embeddings_do_not_depend_on_the_batch(tiny_model_path, monkeypatch):
    from sentence_transformers import SentenceTransformer

    from core.evaluation import encoding

    model = SentenceTransformer(str(tiny_model_path), device="cpu")
    texts = [f"猪场 passage {i} " + "word " * (i % 40) for i in range(24)]
    full = encode_corpus(model, texts, batch_size=32)
    batches = []
    original = model.encode_document

    def spy(chunk, **kw):
        batches.append(kw["batch_size"])
        return original(chunk, **kw)

    monkeypatch.setattr(model, "encode_document", spy)
    monkeypatch.setattr(encoding, "ATTENTION_MB", 0.05)  # the tiny model's batches must shrink
    small = encode_corpus(model, texts, batch_size=32)
    assert batches and max(batches) < 32
    assert np.allclose(full, small, atol=1e-5)


def test_texts_are_encoded_longest_first_across_progress_chunks_and_returned_in_order(tiny_model_path, monkeypatch):
    """Each progress chunk holds texts of similar length (little padding), and row i is still text i."""
    from sentence_transformers import SentenceTransformer

    from core.evaluation import encoding

    model = SentenceTransformer(str(tiny_model_path), device="cpu")
    texts = [f"pig farm {i} " + "word " * ((i * 7) % 30) for i in range(40)]
    chunks: list[list[str]] = []
    original = model.encode_document

    def spy(chunk, **kw):
        chunks.append(list(chunk))
        return original(chunk, **kw)

    monkeypatch.setattr(model, "encode_document", spy)
    monkeypatch.setattr(encoding, "ENCODE_CHUNK", 8)
    out = encode_corpus(model, texts, batch_size=4)
    assert len(chunks) > 1
    lengths = [len(t) for chunk in chunks for t in chunk]
    assert lengths == sorted(lengths, reverse=True)
    one_by_one = np.vstack([encode_corpus(model, [t], batch_size=1) for t in texts])
    assert np.allclose(out, one_by_one, atol=1e-5)


def test_inside_remembered_a_text_is_encoded_once_per_kind_and_rows_come_back_in_order(tiny_model_path, monkeypatch):
    """The run's planning (scale calibration, negatives evidence) reads the same training rows: inside
    ``remembered`` each (kind, text) is encoded once; outside the block nothing is kept."""
    from sentence_transformers import SentenceTransformer

    from core.evaluation.encoding import encode_queries, remembered

    model = SentenceTransformer(str(tiny_model_path), device="cpu")
    seen: list[str] = []
    for name in ("encode_document", "encode_query"):
        original = getattr(model, name)

        def spy(chunk, _original=original, **kw):
            seen.extend(chunk)
            return _original(chunk, **kw)

        monkeypatch.setattr(model, name, spy)
    texts = [f"sow {i} " + "feed " * i for i in range(6)]
    plain = encode_corpus(model, texts)
    seen.clear()
    with remembered(model):
        first = encode_corpus(model, texts[:4])
        again = encode_corpus(model, texts[::-1])
        queries = encode_queries(model, texts[:2])
    assert sorted(seen) == sorted(texts + texts[:2]), "each passage once, and the queries once as queries"
    assert np.allclose(first, plain[:4], atol=1e-5) and np.allclose(again, plain[::-1], atol=1e-5)
    assert queries.shape == (2, plain.shape[1])
    seen.clear()
    encode_corpus(model, texts[:2])
    assert seen == [texts[1], texts[0]], "outside the block every call encodes (longest first)"
