"""On-disk cache of corpus embeddings, keyed by model fingerprint and corpus hash.

Files: ``core.paths.cache_root()/embeddings/<model_key>-<corpus_hash>.npy`` (normalised float32 matrix) and
``...ids.json`` (the ordered ids plus model and prompt details), both written atomically. A model change
(weights, prompts, max length) or a corpus change (any id or text, or their order) gives another key, so a
stale matrix is never reused.

- ``corpus_hash(ids, texts)``: sha256 of the ordered (id, text) pairs (hex, 16 chars).
- ``model_key(model_or_spec)``: fingerprint of the model's source folder (``core.models.model_fingerprint``
  when available) or of its weights when it was loaded elsewhere, combined with the corpus prompt and max length.
- ``embed_corpus_cached(model, ids, texts, progress=None, cache_dir=None) -> CachedEmbeddings``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.evaluation.encoding import as_model, encode_corpus, prompt_text
from core.paths import atomic_write_bytes, atomic_write_json, cache_root
from core.progress import Progress, ProgressFn


@dataclass
class CachedEmbeddings:
    """``ids`` in row order, ``matrix`` normalised float32 [len(ids), dim], ``path`` of the .npy file,
    ``hit`` True when read from disk."""

    ids: list[str]
    matrix: np.ndarray
    path: Path
    hit: bool


def corpus_hash(ids: Sequence[str], texts: Sequence[str]) -> str:
    """sha256 (first 16 hex chars) of the ordered ids and texts."""
    h = hashlib.sha256()
    for i, t in zip(ids, texts):
        for part in (str(i), str(t)):
            b = part.encode("utf-8")
            h.update(len(b).to_bytes(8, "little"))
            h.update(b)
    h.update(str(len(ids)).encode())
    return h.hexdigest()[:16]


def _folder_fingerprint(path: Path) -> str:
    """Cheap fingerprint of a model folder: every file's relative path, size and mtime, plus the content of small
    files (configs). Editing any file (e.g. a weight file) changes it."""
    h = hashlib.sha256()
    for p in sorted(path.rglob("*")):
        if not p.is_file():
            continue
        st = p.stat()
        h.update(f"{p.relative_to(path).as_posix()}|{st.st_size}|{st.st_mtime_ns}".encode())
        if st.st_size <= 1_000_000:
            h.update(p.read_bytes())
    return h.hexdigest()


def _weights_fingerprint(model: Any) -> str:
    """Fingerprint of an in-memory model: a hash over all parameters and buffers (names, shapes, bytes)."""
    import torch

    h = hashlib.blake2b(digest_size=32)
    with torch.no_grad():
        for name, tensor in model.state_dict().items():
            h.update(name.encode())
            h.update(str(tuple(tensor.shape)).encode())
            t = tensor.detach().cpu().contiguous()
            if t.dtype == torch.bfloat16:
                t = t.float()
            h.update(t.numpy().tobytes())
    return h.hexdigest()


def source_fingerprint(spec_or_path: str | os.PathLike) -> str:
    """Fingerprint of a model source: ``core.models.model_fingerprint`` when present, else of the local folder."""
    try:
        from core.models import model_fingerprint  # lazy: the models area owns this
    except ImportError:
        model_fingerprint = None
    if model_fingerprint is not None:
        return str(model_fingerprint(str(spec_or_path)))
    p = Path(spec_or_path)
    if p.is_dir():
        return _folder_fingerprint(p)
    return hashlib.sha256(str(spec_or_path).encode()).hexdigest()


def model_key(model_or_spec: Any) -> str:
    """Cache key part for a model (hex, 16 chars); includes the corpus prompt and max sequence length.

    A model loaded from a path here keeps that path, so the key is the folder fingerprint (a changed file on disk
    gives a new key); any other loaded model is keyed by a hash of its weights.
    """
    model = as_model(model_or_spec)
    source = getattr(model, "_studio_source", None)
    fp = source_fingerprint(source) if source else _weights_fingerprint(model)
    extra = f"|{prompt_text(model, 'corpus')}|{getattr(model, 'max_seq_length', '')}"
    return hashlib.sha256((fp + extra).encode()).hexdigest()[:16]


def cache_paths(key: str, chash: str, cache_dir: str | os.PathLike | None = None) -> tuple[Path, Path]:
    base = Path(cache_dir) if cache_dir else cache_root() / "embeddings"
    return base / f"{key}-{chash}.npy", base / f"{key}-{chash}.ids.json"


def embed_corpus_cached(model: Any, ids: Sequence[str], texts: Sequence[str], progress: ProgressFn | None = None,
                        cache_dir: str | os.PathLike | None = None, batch_size: int | None = None,
                        use_cache: bool = True) -> CachedEmbeddings:
    """Embed ``texts`` (passages, with the model's corpus prompt) once per (model, corpus) and reuse the file later.

    Returns ``CachedEmbeddings``; reports ``embed-corpus`` progress while encoding (one final report on a hit).
    """
    model = as_model(model)
    ids, texts = [str(i) for i in ids], [str(t) for t in texts]
    key, chash = model_key(model), corpus_hash(ids, texts)
    npy, meta = cache_paths(key, chash, cache_dir)
    if use_cache and npy.is_file() and meta.is_file():
        try:
            stored = json.loads(meta.read_text(encoding="utf-8"))
            matrix = np.load(npy, allow_pickle=False)
            if stored.get("ids") == ids and matrix.shape[0] == len(ids):
                if progress:
                    progress(Progress("embed-corpus", len(ids), len(ids), message="loaded from cache"))
                return CachedEmbeddings(ids, matrix.astype(np.float32, copy=False), npy, True)
        except (OSError, ValueError, json.JSONDecodeError):
            pass  # unreadable cache entry: recompute and overwrite
    matrix = encode_corpus(model, texts, batch_size=batch_size, progress=progress)
    if use_cache:
        buf = io.BytesIO()
        np.save(buf, matrix, allow_pickle=False)
        atomic_write_bytes(npy, buf.getvalue())
        atomic_write_json(meta, {"ids": ids, "model_key": key, "corpus_hash": chash, "dim": int(matrix.shape[1]),
                                 "model": getattr(model, "_studio_label", None)})
    return CachedEmbeddings(ids, matrix, npy, False)


__all__ = ["CachedEmbeddings", "corpus_hash", "model_key", "source_fingerprint", "cache_paths", "embed_corpus_cached"]
