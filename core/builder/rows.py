"""The builder's output rows and their files.

Rows use the qpn layout of FlagEmbedding / RAG-Retrieval (``core.data`` format ``qpn``), so the
hard-negative miner can fill ``neg`` later::

    {"query": str, "pos": [passage text], "neg": [], "source": str|None, "page": int|None,
     "passage_id": str|None, "synthetic": "llm"|"ict"|"title"|"simcse", "augmented": bool}

- ``qpn_row(query, passage, pos_text=None, synthetic=None, augmented=False, **extra)``: one such row.
- ``norm_key(text)``: lower-cased text without punctuation or spaces (compares questions and sentences).
- Files of rows are written and read with ``core.jsonl.write_jsonl`` / ``read_jsonl``.
"""

from __future__ import annotations

import re
from typing import Any

from core.builder.chunking import Passage

SYNTHETIC_KINDS = ("llm", "ict", "title", "simcse")


def norm_key(s: str) -> str:
    """``s`` lower-cased with every non-word character and underscore removed."""
    return re.sub(r"[\W_]+", "", s.lower())


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
