"""Hand-made canonical-format frames (tiny, zh + en) and a helper that runs one loss forward pass."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import tiny_pairs


def canonical_frame(fmt: str, n: int = 12) -> pd.DataFrame:
    """A DataFrame with the canonical columns of ``fmt`` (core/README.md) plus ``_row``."""
    pairs = tiny_pairs(n)
    rows = []
    for i, (q, p) in enumerate(pairs):
        other = pairs[(i + 3) % n][1]
        if fmt == "pair":
            rows.append({"anchor": q, "positive": p})
        elif fmt == "triplet":
            rows.append({"anchor": q, "positive": p, "negative": other})
        elif fmt == "qpn":  # already expanded by core.data.qpn_to_rows
            rows.append({"anchor": q, "positive": p, "negative_1": other, "negative_2": pairs[(i + 5) % n][1]})
        elif fmt == "scored_pair":
            rows.append({"sentence1": q, "sentence2": p, "score": 4.5, "score_norm": 0.9})
            rows.append({"sentence1": q, "sentence2": other, "score": 0.5, "score_norm": 0.1})
        elif fmt == "labelled_pair":
            rows.append({"sentence1": q, "sentence2": p, "label": 1})
            rows.append({"sentence1": q, "sentence2": other, "label": 0})
        elif fmt == "labelled_sentence":
            rows.append({"text": q, "label": i % 4})
            rows.append({"text": p, "label": i % 4})
        else:
            raise ValueError(fmt)
    df = pd.DataFrame(rows)
    df.insert(0, "_row", range(2, len(df) + 2))
    return df


@pytest.fixture(scope="module")
def tiny_model(tiny_model_path):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(tiny_model_path), device="cpu")


def loss_forward(loss, model, ds):
    """Run ``loss`` on the whole dataset as one batch the way the trainer does; return the loss tensor."""
    import torch

    label_col = next((c for c in ("label", "score") if c in ds.column_names), None)
    text_cols = [c for c in ds.column_names if c != label_col]
    features = [model.preprocess(ds[c]) for c in text_cols]
    labels = torch.tensor(ds[label_col]) if label_col else None
    return loss(features, labels)


def scored_qpn_frame(n: int = 12, pos_score: float = 0.9, neg_scores: tuple[float, float] = (0.4, 0.1)) -> pd.DataFrame:
    """Canonical (unexpanded) qpn rows with teacher scores, as FlagEmbedding / RAG-Retrieval distillation data."""
    pairs = tiny_pairs(n)
    rows = [{"_row": i + 1, "query": q, "pos": [p], "neg": [pairs[(i + 3) % n][1], pairs[(i + 5) % n][1]],
             "pos_scores": [pos_score], "neg_scores": list(neg_scores)} for i, (q, p) in enumerate(pairs)]
    return pd.DataFrame(rows)


def frame_for(name: str, fmt: str) -> pd.DataFrame:
    """The frame loss ``name`` trains on for ``fmt``: teacher-score rows for the distillation losses, else the
    canonical frame."""
    from core.losses.distill import DISTILL_LOSSES, teacher_rows

    if name in DISTILL_LOSSES:
        source = scored_qpn_frame() if fmt == "qpn" else canonical_frame(fmt)
        return teacher_rows(source, fmt, n_negatives=2)
    return canonical_frame(fmt)
