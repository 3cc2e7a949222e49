"""Write built datasets (not models: those are ``core.export``) in the layouts trainers and evaluators read;
every file is written atomically.

- ``export_qpn_jsonl(rows, path) -> ExportResult``: one JSON object per line, ``{"query", "pos", "neg", ...}``
  (the FlagEmbedding / RAG-Retrieval layout); extra fields are kept (the loader bookkeeping column ``_row`` is not).
- ``export_st_table(rows, path, fmt=None, num_negatives=None) -> ExportResult``: a sentence-transformers table,
  ``anchor, positive, negative_1 .. negative_n`` (or ``anchor, positive`` when there are no negatives), as
  ``fmt`` ``"parquet"`` or ``"csv"`` (default from the file suffix). A row with several positives becomes one
  line per positive. ``n`` = ``num_negatives`` or the smallest negative count among the rows (a trainer needs
  the same column count everywhere); rows with fewer than ``n`` negatives are skipped and counted.
- ``export_beir(retrieval_set, folder, split="test") -> Path``: ``corpus.jsonl`` (``_id, title, text``),
  ``queries.jsonl`` (``_id, text``), ``qrels/<split>.tsv`` (header ``query-id\\tcorpus-id\\tscore``).
- ``load_beir(folder, split="test") -> RetrievalSet``: read such a folder back; ``st_table_to_rows(df)``: an ST
  table back into qpn rows.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.builder.clean import as_records
from core.data.beir import BEIR_DIR, CORPUS_FILE, QUERIES_FILE
from core.data.retrieval import RetrievalSet
from core.errors import ConfigError, DataError
from core.jsonl import write_jsonl
from core.paths import atomic_write_bytes, atomic_write_text

INTERNAL_COLUMNS = ("_row",)


@dataclass
class ExportResult:
    """Where the file went and what went in: ``rows_written`` lines, ``rows_skipped`` rows left out (too few
    negatives for the ST table), ``num_negatives`` negative columns (ST table), ``negatives_left_out`` negatives of
    written rows that found no column (the default width is the row with the fewest)."""

    path: Path
    rows_written: int
    rows_skipped: int = 0
    num_negatives: int | None = None
    negatives_left_out: int = 0  # negatives of written rows beyond the table's ``num_negatives`` columns


def _plain(v: Any) -> Any:
    """Make a value JSON-friendly: numpy scalars/arrays to Python, NaN to None."""
    if isinstance(v, np.ndarray):
        return [_plain(x) for x in v.tolist()]
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v


def export_qpn_jsonl(rows: Any, path: str | Path) -> ExportResult:
    """Write qpn rows as JSON lines (``query``, ``pos``, ``neg`` first, then the other fields)."""
    records = as_records(rows)
    lines = []
    for r in records:
        obj = {"query": r["query"], "pos": r["pos"], "neg": r["neg"]}
        for k, v in r.items():
            if k not in obj and k not in INTERNAL_COLUMNS:
                obj[str(k)] = _plain(v)
        lines.append(obj)
    path = write_jsonl(lines, path)
    return ExportResult(Path(path), len(lines))


def negative_counts(rows: Any) -> list[int]:
    """Each row's number of (non-blank) negatives, for the rows that have a positive."""
    return [len([n for n in r["neg"] if n.strip()]) for r in as_records(rows) if r["pos"]]


def st_table(rows: Any, num_negatives: int | None = None):
    """The sentence-transformers table as a DataFrame, the number of rows skipped for too few negatives, the number
    of negative columns, and the negatives of written rows beyond those columns (``ExportResult`` fields)."""
    import pandas as pd

    records = as_records(rows)
    counts = negative_counts(records)
    n = num_negatives if num_negatives is not None else (min(counts) if counts else 0)
    if n < 0:
        raise ConfigError(f"num_negatives is {n}; expected 0 or more.")
    out, skipped = [], 0
    for r in records:
        negs = [x for x in r["neg"] if x.strip()]
        pos = [p for p in r["pos"] if p.strip()]
        if not pos or len(negs) < n:
            skipped += 1
            continue
        for p in pos:
            line = {"anchor": r["query"], "positive": p}
            for j in range(n):
                line[f"negative_{j + 1}"] = negs[j]
            out.append(line)
    cols = ["anchor", "positive"] + [f"negative_{j + 1}" for j in range(n)]
    left_out = sum(c - n for c in counts if c >= n)
    return pd.DataFrame(out, columns=cols), skipped, n, left_out


def export_st_table(rows: Any, path: str | Path, fmt: str | None = None, num_negatives: int | None = None) -> ExportResult:
    """Write the sentence-transformers table (``anchor``, ``positive``, ``negative_1..n``) as parquet or csv."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".") or "parquet").lower()
    if fmt not in ("parquet", "csv"):
        raise ConfigError(f"Unknown table format '{fmt}' for {path.name}; expected 'parquet' or 'csv'.")
    df, skipped, n, left_out = st_table(rows, num_negatives)
    if fmt == "parquet":
        buf = io.BytesIO()
        df.to_parquet(buf, index=False)
        data = buf.getvalue()
    else:
        data = df.to_csv(index=False).encode("utf-8")
    atomic_write_bytes(path, data)
    return ExportResult(path, len(df), skipped, n, left_out)


def export_beir(retrieval_set: RetrievalSet, folder: str | Path, split: str = "test") -> Path:
    """Write ``corpus.jsonl``, ``queries.jsonl`` and ``qrels/<split>.tsv`` into ``folder``; return the folder."""
    from core.paths import safe_name

    folder = Path(folder)
    rs = retrieval_set
    qrels = ["query-id\tcorpus-id\tscore"]
    for q, docs in rs.qrels.items():
        for d, s in docs.items():
            if d not in rs.corpus:
                raise DataError(f"qrels of query '{q}' point to document '{d}', which is not in the corpus.")
            qrels.append(f"{q}\t{d}\t{int(s)}")
    write_jsonl(({"_id": d, "title": rs.titles.get(d, ""), "text": t} for d, t in rs.corpus.items()), folder / CORPUS_FILE)
    write_jsonl(({"_id": q, "text": t} for q, t in rs.queries.items()), folder / QUERIES_FILE)
    atomic_write_text(folder / "qrels" / f"{safe_name(split, default='test')}.tsv", "\n".join(qrels) + "\n")
    return folder


@dataclass
class SplitFiles:
    folder: Path
    files: dict[str, Path]  # split name -> qpn JSONL
    beir: Path  # BEIR retrieval set built from the evaluation split
    eval_split: str
    counts: dict[str, int]
    retrieval: dict[str, int]


def write_splits(parts: dict[str, Any], folder: str | Path) -> SplitFiles:
    """Write ``{split: rows}`` as ``<split>.jsonl`` (FlagEmbedding layout) plus a BEIR folder ``beir/`` built from
    the test split (or the last one): corpus = every passage of every split, queries and qrels of that split."""
    from core.builder.split import build_retrieval_set

    folder = Path(folder)
    files, counts = {}, {}
    for name, part in parts.items():
        res = export_qpn_jsonl(part, folder / f"{name}.jsonl")
        files[name], counts[name] = res.path, res.rows_written
    eval_split = "test" if "test" in parts and counts.get("test") else list(parts)[-1]
    rs = build_retrieval_set(parts, split=eval_split)
    beir = export_beir(rs, folder / BEIR_DIR, split="test")
    return SplitFiles(folder, files, beir, eval_split, counts, {"queries": len(rs.queries), "passages": len(rs.corpus)})


def load_beir(folder: str | Path, split: str = "test") -> RetrievalSet:
    """Read a BEIR folder (``corpus.jsonl``, ``queries.jsonl``, ``qrels/<split>.tsv``) into a ``RetrievalSet``
    (texts and titles as written, so an ``export_beir`` folder reads back unchanged)."""
    from core.data.beir import read_beir

    return read_beir(folder, split)


def st_table_to_rows(df) -> list[dict]:
    """Read a sentence-transformers table (``anchor``, ``positive``, ``negative_1..n``) back into qpn rows: lines
    with the same anchor become one row whose ``pos`` lists their positives (``neg`` from its first line)."""
    cols = [str(c) for c in df.columns]
    for need in ("anchor", "positive"):
        if need not in cols:
            raise DataError(f"The table has no '{need}' column; expected anchor, positive, negative_1..n.")
    neg_cols = sorted((c for c in cols if c.startswith("negative_") and c[9:].isdigit()), key=lambda c: int(c[9:]))
    rows: dict[str, dict] = {}
    for rec in df.to_dict("records"):
        q = str(rec["anchor"])
        row = rows.get(q)
        if row is None:
            row = rows[q] = {"query": q, "pos": [], "neg": [str(rec[c]) for c in neg_cols]}
        row["pos"].append(str(rec["positive"]))
    return list(rows.values())
