"""Model handles and prompt-aware encoding shared by evaluation, comparison, search (and training).

- ``as_model(spec_or_model)``: a ``SentenceTransformer`` from a spec string / path (via ``core.models.load_model``
  when that package exists, else a plain local folder) or the already-loaded model itself.
- ``model_label(spec)``: a short display label for a spec or a ``(label, spec)`` pair.
- ``query_prompt_name(model)`` / ``corpus_prompt_name(model)``: the prompt names a model defines for queries
  (``"query"``) and passages (``"document"``, ``"passage"`` or ``"corpus"``), or ``None``.
- ``encode_queries(model, texts)`` / ``encode_corpus(model, texts)``: L2-normalised float32 matrices
  ``[len(texts), dim]``, with the right prompt applied, reporting progress in batches, in batches small enough
  that long texts' attention stays within ``ATTENTION_MB`` (``attention_safe_batch``).
- ``encode_batch(model, batch_size=None)``: the one rule for how many texts every search encodes at once: the
  device's size (``ENCODE_BATCH_CPU`` on a CPU, ``ENCODE_BATCH`` elsewhere) unless the caller gives one, then
  ``attention_safe_batch``. Validation, delivery, the general check, Evaluate, Compare and model choice all use it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import ModelSourceError
from core.progress import ProgressFn, Tracker
from core.run_folder import BEST_DIR, FINAL_DIR

CORPUS_PROMPT_NAMES = ("document", "passage", "corpus")
ENCODE_CHUNK = 256  # texts per progress report at most
PROGRESS_STEPS = 10  # a small corpus still reports about this many times (whole batches each)


def encode_step(n_texts: int, batch_size: int) -> int:
    """Texts per encode call and progress report: ``ENCODE_CHUNK``, or fewer whole batches for a corpus small
    enough that it would otherwise report only once (the sample's 191 passages: 6 reports of 32)."""
    batch_size = max(1, int(batch_size))
    per_report = -(-n_texts // PROGRESS_STEPS)
    return max(batch_size, min(ENCODE_CHUNK, -(-per_report // batch_size) * batch_size))


ATTENTION_MB = 256  # encoding: the attention scores of one batch may take at most this much (no_grad, fp32)


def attention_safe_batch(model: Any, batch_size: int, budget_mb: float | None = None) -> int:
    """``batch_size``, lowered so one batch's attention scores and probabilities (2 x batch x heads x L x L floats
    at the model's ``max_seq_length`` L) stay under ``budget_mb``: multilingual-e5-small at 512 tokens, batch 32,
    would hold ~0.8 GB of them per layer; batch 8 holds 0.2 GB and encodes as fast per text on a CPU."""
    batch_size = max(1, int(batch_size))
    budget_mb = ATTENTION_MB if budget_mb is None else budget_mb
    try:
        length = int(model.max_seq_length)
        config = model[0].auto_model.config
        heads = int(getattr(config, "num_attention_heads", 0) or 0)
    except Exception:
        return batch_size
    if length <= 0 or heads <= 0:
        return batch_size
    fits = int(budget_mb * 2**20 // (2 * heads * length * length * 4))
    return max(1, min(batch_size, fits))


ENCODE_BATCH = 32  # texts per encode batch on a GPU: sentence-transformers' own default
# On a CPU smaller batches pad less and keep attention in cache: the sample's passages encode 38 -> 42 texts/s with
# MiniLM (batch 32 -> 16), long web passages 5-17% faster, short sentences at the same rate (BENCHMARKS.md,
# "The click-through's Evaluate step as the tab runs it, and encode batch sizes").
ENCODE_BATCH_CPU = 16


def encode_batch(model: Any, batch_size: int | None = None) -> int:
    """Texts per encode batch for ``model``: ``batch_size`` when the caller gives one, else ``ENCODE_BATCH_CPU`` when
    the model sits on a CPU and ``ENCODE_BATCH`` on any other device; then lowered by ``attention_safe_batch`` so
    long texts' attention stays bounded. A search's batch is a choice of speed and memory, not of the training:
    the training's batch size does not enter it."""
    if not batch_size:
        device = str(getattr(model, "device", "cpu"))
        batch_size = ENCODE_BATCH_CPU if device.startswith("cpu") else ENCODE_BATCH
    return attention_safe_batch(model, batch_size)


def _is_model(obj: Any) -> bool:
    return hasattr(obj, "encode") and hasattr(obj, "prompts")


def split_labelled(spec: Any) -> tuple[str | None, Any]:
    """``(label, spec)`` -> (label, spec); anything else -> (None, spec)."""
    if isinstance(spec, tuple) and len(spec) == 2 and isinstance(spec[0], str):
        return spec[0], spec[1]
    return None, spec


def model_label(spec: Any) -> str:
    """Short display label: the given label, a folder name (``<run>/final``, ``<pkg>/model`` keep their parent),
    a registry name / hub id as given, or the model's class name."""
    label, spec = split_labelled(spec)
    if label:
        return label
    if _is_model(spec):
        name = getattr(spec, "_studio_label", None) or getattr(getattr(spec, "model_card_data", None), "model_name", None)
        return str(name or type(spec).__name__)
    text = str(spec).rstrip("/\\")
    p = Path(text)
    if p.exists():
        if p.name in {FINAL_DIR, BEST_DIR, "model"} or p.name.startswith("checkpoint-"):
            return f"{p.parent.name}/{p.name}"
        return p.name or text
    return text


def as_model(spec: Any, device: str | None = None) -> Any:
    """Return a loaded ``SentenceTransformer`` for a spec string/path, a ``(label, spec)`` pair, or a loaded model.

    Raises ``ModelSourceError`` with one sentence when the spec cannot be loaded.
    """
    label, spec = split_labelled(spec)
    if _is_model(spec):
        return spec
    text = str(spec)
    try:
        from core.models import load_model  # lazy: built in parallel by another area
    except ImportError:
        load_model = None
    if load_model is not None:
        model = load_model(text, device=device)
    else:
        if not Path(text).is_dir():
            raise ModelSourceError(
                f"The model '{text}' is not a local sentence-transformers folder (expected a folder with modules.json)."
            )
        from sentence_transformers import SentenceTransformer

        try:
            model = SentenceTransformer(text, device=device or "cpu", local_files_only=True)
        except Exception as err:  # noqa: BLE001 - turned into one user-facing sentence
            raise ModelSourceError(f"The model folder '{text}' could not be loaded: {err}.") from err
    try:
        model._studio_source = text  # remembered for fingerprints and labels
        model._studio_label = label or model_label(text)
    except Exception:  # noqa: BLE001 - some wrappers refuse attributes; labels then fall back
        pass
    return model


def _prompt(model: Any, name: str) -> str | None:
    prompts = getattr(model, "prompts", None) or {}
    value = prompts.get(name)
    return name if value else None


def query_prompt_name(model: Any) -> str | None:
    """``"query"`` when the model defines a non-empty query prompt, else ``None``."""
    return _prompt(model, "query")


def corpus_prompt_name(model: Any) -> str | None:
    """The first of ``document``/``passage``/``corpus`` the model defines with a non-empty prompt, else ``None``."""
    for name in CORPUS_PROMPT_NAMES:
        if _prompt(model, name):
            return name
    return None


def prompt_text(model: Any, kind: str) -> str:
    """The prompt string applied for ``kind`` in {"query", "corpus"} ("" when none)."""
    name = query_prompt_name(model) if kind == "query" else corpus_prompt_name(model)
    return (getattr(model, "prompts", None) or {}).get(name, "") if name else ""


@contextlib.contextmanager
def torch_threads(n: int):
    """Temporarily use ``n`` torch threads (a single short query is faster and steadier on one thread)."""
    import torch

    old = torch.get_num_threads()
    if n and n != old:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        if n and n != old:
            torch.set_num_threads(old)


_MEMO: dict[int, dict[tuple[str, str], np.ndarray]] = {}  # id(model) -> (kind, text) -> row, inside ``remembered``


@contextlib.contextmanager
def remembered(model: Any):
    """Within the block, a text ``model`` already encoded as the same kind (query or passage) is not encoded again.
    For the few hundred texts a run reads before training, while the weights do not change (the scale calibration
    and the negatives evidence read the same seeded training rows); the rows are dropped when the block ends."""
    key = id(as_model(model))
    _MEMO[key] = {}
    try:
        yield model
    finally:
        _MEMO.pop(key, None)


def _encode(model: Any, texts: Sequence[str], kind: str, batch_size: int | None, progress: ProgressFn | None,
            stage: str) -> np.ndarray:
    texts = [str(t) for t in texts]
    memo = _MEMO.get(id(model))
    if memo is None or not texts:
        return _encode_texts(model, texts, kind, batch_size, progress, stage)
    missing = list(dict.fromkeys(t for t in texts if (kind, t) not in memo))
    if missing:
        memo.update(zip(((kind, t) for t in missing), _encode_texts(model, missing, kind, batch_size, progress, stage)))
    return np.stack([memo[(kind, t)] for t in texts])


def _encode_texts(model: Any, texts: list[str], kind: str, batch_size: int | None, progress: ProgressFn | None,
                  stage: str) -> np.ndarray:
    dim_fn = getattr(model, "get_embedding_dimension", None) or getattr(model, "get_sentence_embedding_dimension", None)
    if not texts:
        dim = int(dim_fn() or 0) if dim_fn else 0
        return np.zeros((0, dim), dtype=np.float32)
    if kind == "query":
        fn, name = getattr(model, "encode_query", None), query_prompt_name(model)
    else:
        fn, name = getattr(model, "encode_document", None), corpus_prompt_name(model)
    batch_size = encode_batch(model, batch_size)
    kwargs: dict[str, Any] = dict(batch_size=batch_size, show_progress_bar=False, convert_to_numpy=True,
                                  normalize_embeddings=True)
    if fn is None:  # very old API: plain encode with an explicit prompt name
        fn = model.encode
    if name:
        kwargs["prompt_name"] = name
    elif fn is not model.encode:
        kwargs["prompt"] = ""  # no fallback to a default prompt meant for something else
    tracker = Tracker(stage, len(texts), progress)
    # longest first over all texts, as sentence-transformers sorts within one call: the progress chunks then pad
    # no more than one whole call would (general_zh with MiniLM: 48.5 s chunked in file order, 41.1 s sorted)
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    parts = []
    step = encode_step(len(texts), batch_size)
    for start in range(0, len(texts), step):
        chunk = [texts[i] for i in order[start:start + step]]
        parts.append(np.asarray(fn(chunk, **kwargs), dtype=np.float32))
        tracker.update(len(chunk))
    sorted_rows = np.concatenate(parts, axis=0)
    out = np.empty_like(sorted_rows)
    out[np.asarray(order)] = sorted_rows  # back to the caller's order
    return normalize(out)


def normalize(matrix: np.ndarray) -> np.ndarray:
    """Row-wise L2 normalisation as float32 (zero rows stay zero)."""
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


def encode_queries(model: Any, texts: Iterable[str], batch_size: int | None = None, progress: ProgressFn | None = None) -> np.ndarray:
    """Encode queries with the model's query prompt (if any). Returns normalised float32 ``[n, dim]``."""
    texts = list(texts)
    if len(texts) == 1:
        with torch_threads(1):
            return _encode(as_model(model), texts, "query", batch_size, progress, "embed-queries")
    return _encode(as_model(model), texts, "query", batch_size, progress, "embed-queries")


def encode_corpus(model: Any, texts: Iterable[str], batch_size: int | None = None, progress: ProgressFn | None = None) -> np.ndarray:
    """Encode passages with the model's document/passage prompt (if any). Returns normalised float32 ``[n, dim]``."""
    return _encode(as_model(model), list(texts), "corpus", batch_size, progress, "embed-corpus")


__all__ = [
    "as_model", "model_label", "split_labelled", "query_prompt_name", "corpus_prompt_name", "prompt_text",
    "encode_queries", "encode_corpus", "encode_batch", "normalize", "torch_threads",
]
