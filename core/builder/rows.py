"""The builder's output rows and their files.

Rows use the qpn layout of FlagEmbedding / RAG-Retrieval (``core.data`` format ``qpn``), so the
hard-negative miner can fill ``neg`` later::

    {"query": str, "pos": [passage text], "neg": [], "source": str|None, "page": int|None,
     "passage_id": str|None, "synthetic": "llm"|"ict"|"title"|"simcse", "augmented": bool}

- ``qpn_row(query, passage, pos_text=None, synthetic=None, augmented=False, **extra)``: one such row.
- ``norm_key(text)``: lower-cased text without punctuation or spaces (compares questions and sentences).
- ``save_jsonl(rows, path)`` (atomic) and ``load_jsonl(path, tolerant=False)``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from core.builder.chunking import Passage
from core.errors import DataError
from core.paths import atomic_write_text

SYNTHETIC_KINDS = ("llm", "ict", "title", "simcse")


def norm_key(s: str) -> str:
    """``s`` lower-cased with every non-word character and underscore removed."""
    return re.sub(r"[\W_]+", "", s.lower())


def save_jsonl(rows: Iterable[dict], path: str | os.PathLike) -> Path:
    """Write ``rows`` as UTF-8 JSON lines, atomically."""
    text = "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows)
    return atomic_write_text(path, text)


def load_jsonl(path: str | os.PathLike, tolerant: bool = False) -> list[dict]:
    """Read JSON lines. A line that is not a JSON object raises DataError naming the line, unless
    ``tolerant`` (then it is skipped: used for append logs whose last line may be cut short)."""
    rows = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                if not isinstance(obj, dict):
                    raise ValueError("not an object")
            except ValueError:
                if tolerant:
                    continue
                raise DataError(f"Line {n} of '{path}' is not a JSON object (expected one JSON object per line).") from None
            rows.append(obj)
    return rows


def qpn_row(query: str, passage: Passage | None, pos_text: str | None = None, synthetic: str | None = None,
            augmented: bool = False, **extra: Any) -> dict:
    """One output row in the qpn layout with the builder's metadata columns."""
    row = {
        "query": query,
        "pos": [pos_text if pos_text is not None else (passage.text if passage else query)],
        "neg": [],
        "source": passage.source if passage else None,
        "page": passage.page if passage else None,
        "passage_id": passage.id if passage else None,
        "synthetic": synthetic,
        "augmented": bool(augmented),
    }
    row.update(extra)
    return row
