"""Encode texts with an exported ONNX folder using onnxruntime + tokenizers + numpy only (no torch).

- ``encode_onnx(folder, texts, variant="fp32", dim=None, prompt=None) -> np.ndarray``
- ``read_onnx_config(folder) -> dict`` (``onnx_config.json``: pooling, normalize, max_seq_length, prompts, inputs)

This module must not import torch: it is what a serving process without torch runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from core.errors import StudioError

VARIANT_FILES = {"fp32": "model.onnx", "int8": "model.int8.onnx"}
POOLING_MODES = ("mean", "cls", "max", "lasttoken")


class OnnxExportError(StudioError):
    """An ONNX export or an exported ONNX folder cannot be used."""


def read_onnx_config(folder) -> dict:
    """The ``onnx_config.json`` of an exported folder (raises ``OnnxExportError`` when absent or unreadable)."""
    path = Path(folder) / "onnx_config.json"
    if not path.is_file():
        raise OnnxExportError(f"The folder '{folder}' is not an ONNX export (expected onnx_config.json in it).")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise OnnxExportError(f"The file '{path}' is not valid JSON ({err}).") from None


def pool(token_emb: np.ndarray, mask: np.ndarray, mode: str) -> np.ndarray:
    """Sentence vectors from token embeddings ``(batch, seq, dim)`` and the attention mask ``(batch, seq)``."""
    m = mask.astype(np.float32)[..., None]
    if mode == "mean":
        return (token_emb * m).sum(axis=1) / np.clip(m.sum(axis=1), 1e-9, None)
    if mode == "cls":
        return token_emb[:, 0]
    if mode == "max":
        return np.where(m > 0, token_emb, -1e9).max(axis=1)
    if mode == "lasttoken":
        last = mask.sum(axis=1).astype(int) - 1
        return token_emb[np.arange(len(last)), np.clip(last, 0, None)]
    raise OnnxExportError(f"The pooling mode '{mode}' is not supported (expected one of {', '.join(POOLING_MODES)}).")


def normalize(x: np.ndarray) -> np.ndarray:
    return x / np.clip(np.linalg.norm(x, axis=1, keepdims=True), 1e-12, None)


def _tokenizer(folder: Path, max_len: int):
    """The folder's tokenizer cutting at ``max_len`` tokens, and the id it pads with (its own padding setting, else
    its ``<pad>`` / ``[PAD]`` token, else 0; padded positions are masked either way)."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tok.enable_truncation(max_length=int(max_len))
    pad = (tok.padding or {}).get("pad_id")
    if pad is None:
        pad = next((i for i in (tok.token_to_id("<pad>"), tok.token_to_id("[PAD]")) if i is not None), 0)
    tok.no_padding()
    return tok, int(pad)


def encode_onnx(folder, texts, variant: str = "fp32", dim: int | None = None, prompt: str | None = None,
                batch_size: int = 32, session=None) -> np.ndarray:
    """Embeddings ``(len(texts), dim)`` float32 of ``texts`` (``prompt`` prepended, or a prompt name from the
    config) with the ``variant`` model of ``folder``: pooling and normalisation as exported; with ``dim`` the
    vectors are cut to their first ``dim`` values (Matryoshka) and re-normalised."""
    import onnxruntime as ort

    folder = Path(folder)
    cfg = read_onnx_config(folder)
    if variant not in VARIANT_FILES:
        raise OnnxExportError(f"The ONNX variant '{variant}' is unknown (expected fp32 or int8).")
    model_file = folder / VARIANT_FILES[variant]
    if not model_file.is_file():
        raise OnnxExportError(f"The ONNX folder '{folder}' has no {model_file.name} (export it with that variant first).")
    full = int(cfg.get("embedding_dimension") or 0)
    if dim is not None and (int(dim) < 1 or (full and int(dim) > full)):
        raise OnnxExportError(f"The dimension {dim} is out of range (expected 1 to {full}).")
    prompts = cfg.get("prompts") or {}
    prefix = prompts.get(prompt, prompt) if prompt else ""
    texts = [prefix + str(t) for t in texts]
    tok, pad_id = _tokenizer(folder, cfg.get("max_seq_length") or 512)
    sess = session or ort.InferenceSession(str(model_file), providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    # tokenised once, then batched by token count (longest first, as sentence-transformers does) so a batch pads
    # to its own longest text, not to the longest of whatever came next in the caller's order
    encodings = tok.encode_batch(texts)
    order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
    out = []
    for start in range(0, len(order), batch_size):
        enc = [encodings[i] for i in order[start:start + batch_size]]
        width = max(len(e.ids) for e in enc)
        ids = np.full((len(enc), width), pad_id, dtype=np.int64)
        mask = np.zeros((len(enc), width), dtype=np.int64)
        types = np.zeros((len(enc), width), dtype=np.int64)
        for row, e in enumerate(enc):
            ids[row, :len(e.ids)], mask[row, :len(e.ids)], types[row, :len(e.ids)] = e.ids, 1, e.type_ids
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in names:
            feeds["token_type_ids"] = types
        token_emb = sess.run(None, {k: v for k, v in feeds.items() if k in names})[0]
        out.append(pool(token_emb, mask, cfg.get("pooling", "mean")))
    emb = np.concatenate(out, axis=0) if out else np.zeros((0, full), dtype=np.float32)
    if len(order):
        emb = emb[np.argsort(np.asarray(order))]  # back to the caller's order
    if cfg.get("normalize"):
        emb = normalize(emb)
    if dim is not None:
        emb = normalize(emb[:, :int(dim)])
    return emb.astype(np.float32)


__all__ = ["encode_onnx", "read_onnx_config", "pool", "normalize", "OnnxExportError", "VARIANT_FILES"]
