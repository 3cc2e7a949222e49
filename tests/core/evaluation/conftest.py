"""Fixtures for evaluation tests: the tiny model loaded once, a toy retrieval set built from ``tiny_pairs``."""

from __future__ import annotations

import pytest

from tests.conftest import tiny_pairs


@pytest.fixture(scope="session")
def tiny_model(tiny_model_path):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(tiny_model_path), device="cpu")


@pytest.fixture
def toy_evalset():
    from core.evaluation.evalset import from_rows

    pairs = tiny_pairs(30)
    return from_rows([q for q, _ in pairs], [p for _, p in pairs], name="toy")


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    """Every test gets its own embedding cache folder."""
    monkeypatch.setenv("STUDIO_CACHE_DIR", str(tmp_path / "cache"))
