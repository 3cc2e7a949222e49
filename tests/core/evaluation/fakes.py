"""A deterministic stand-in model: texts map to fixed vectors, so rankings can be worked out by hand."""

from __future__ import annotations

import numpy as np


class VectorModel:
    """Looks like a SentenceTransformer to the evaluation code (encode_query / encode_document / prompts)."""

    def __init__(self, vectors: dict[str, list[float]], prompts: dict | None = None):
        self.vectors = {k: np.asarray(v, dtype=np.float32) for k, v in vectors.items()}
        self.prompts = dict(prompts or {})
        self.max_seq_length = 8
        self.calls: list[tuple[str, list[str], str | None]] = []

    def _vec(self, texts):
        return np.stack([self.vectors[t] for t in texts])

    def encode(self, texts, prompt_name=None, prompt=None, **kw):
        self.calls.append(("encode", list(texts), prompt_name))
        return self._vec(texts)

    def encode_query(self, texts, prompt_name=None, prompt=None, **kw):
        self.calls.append(("query", list(texts), prompt_name))
        return self._vec(texts)

    def encode_document(self, texts, prompt_name=None, prompt=None, **kw):
        self.calls.append(("document", list(texts), prompt_name))
        return self._vec(texts)

    def state_dict(self):
        import torch

        return {k: torch.tensor(v) for k, v in sorted(self.vectors.items())}
