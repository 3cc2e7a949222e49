"""Load a data file into a canonical, validated frame.

``load_data(path, format=None, mapping=None, sheet=None, score_range=None, label_names=None, progress=None,
header=None) -> LoadedData``
reads the file (``read_table``), detects or applies the format and mapping (``resolve_format``), validates
every row (``validate``) and returns the canonical frame with the original row numbers in ``_row``.

``load_table(df, source, format=None, mapping=None, score_range=None, label_names=None, progress=None) -> LoadedData``
does the same for a table ``read_table`` already read from ``source`` (``load_data`` reads, then does this), so a
caller that read the file itself (the Data tab, for its column list) does not read it twice.

``to_dataset(loaded, columns=None) -> datasets.Dataset`` gives the canonical columns in order (no ``_row``).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

import pandas as pd

from core.data.formats import FORMATS, Detection, resolve_format
from core.data.issues import Issue
from core.data.readers import read_table
from core.data.validate import validate
from core.errors import DataError
from core.progress import ProgressFn, Tracker


@dataclass
class LoadedData:
    """A validated data file.

    ``source``: file path; ``format``: a ``FORMATS`` key; ``df``: canonical columns + ``_row``; ``issues``:
    every problem found (errors excluded their row); ``label_names``: id -> name for word labels (None for
    numeric labels / other formats); ``detection``: how format and mapping were chosen; ``rows_read``: data
    rows in the file; ``score_range``: (low, high) used for ``score_norm``; ``info``: reader facts
    (encoding, delimiter, quoting, header, sheet).
    """

    source: str
    format: str
    df: pd.DataFrame
    issues: list[Issue] = field(default_factory=list)
    label_names: Optional[list[str]] = None
    detection: Optional[Detection] = None
    rows_read: int = 0
    score_range: Optional[tuple[float, float]] = None
    info: dict = field(default_factory=dict)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def usable(self) -> bool:
        """True when at least one row survived validation."""
        return len(self.df) > 0

    def check_usable(self) -> None:
        """A ``DataError`` naming the file and its first error when no row survived validation (a file like that
        must not become the data a run trains on)."""
        if self.usable:
            return
        name = Path(self.source).name
        first = next((i for i in self.issues if i.severity == "error"), None)
        why = f" (row {first.row}: {first.message})" if first is not None and first.row is not None else (
            f" ({first.message})" if first is not None else "")
        raise DataError(f"{name}: none of its {self.rows_read:,} rows is usable{why}; fix the file and load it again.")

    def summary(self) -> dict:
        """Counts for display: rows read / kept / excluded, errors, warnings and issues per kind."""
        out = {
            "file": Path(self.source).name,
            "format": self.format,
            "rows_read": self.rows_read,
            "rows_kept": len(self.df),
            "rows_excluded": self.rows_read - len(self.df),
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "issues_by_kind": dict(Counter(i.kind or "other" for i in self.issues).most_common()),
        }
        if self.format == "qpn" and len(self.df):
            out["positives"] = int(sum(len(p) for p in self.df["pos"]))
            out["negatives"] = int(sum(len(n) for n in self.df["neg"]))
        if self.label_names is not None or self.format in ("labelled_pair", "labelled_sentence"):
            out["label_names"] = self.label_names
            if len(self.df):
                out["label_counts"] = {int(k): int(v) for k, v in self.df["label"].value_counts().sort_index().items()}
        if self.score_range is not None:
            out["score_range"] = list(self.score_range)
        return out


def load_data(path: Union[str, os.PathLike], format: Optional[str] = None, mapping: Optional[dict[str, str]] = None,
              sheet: Optional[Union[str, int]] = None, score_range: Optional[tuple[float, float]] = None,
              label_names: Optional[list[str]] = None, progress: Optional[ProgressFn] = None,
              header: Optional[bool] = None, keep: tuple[str, ...] = ()) -> LoadedData:
    """Read, detect, map and validate a data file.

    Inputs: ``path``; optional ``format`` (a ``FORMATS`` key) and ``mapping`` ({role: column}) which win over
    detection; ``sheet`` for Excel; ``score_range`` (low, high) to declare the score scale; ``label_names``
    to declare the label order (ids = positions); ``progress`` gets stage ``"load"`` with 3 steps
    (read, detect, validate); ``header`` forces header / no header for CSV/TSV/Excel (default: detected);
    ``keep``: other columns of the file to keep beside the canonical ones (``data.group_by``), where it has them.
    Output: ``LoadedData``. Raises ``DataError`` when the file cannot be read, the format cannot be told
    (asking for a format/mapping), or the mapping names a missing column.
    The file is read once (``read_table``); the rest is ``load_table`` on that table.
    """
    df = read_table(Path(path), sheet=sheet, header=header)
    return load_table(df, path, format=format, mapping=mapping, score_range=score_range, label_names=label_names,
                      progress=progress, keep=keep)


def load_table(df: pd.DataFrame, source: Union[str, os.PathLike], format: Optional[str] = None,
               mapping: Optional[dict[str, str]] = None, score_range: Optional[tuple[float, float]] = None,
               label_names: Optional[list[str]] = None, progress: Optional[ProgressFn] = None,
               keep: tuple[str, ...] = ()) -> LoadedData:
    """Detect, map and validate a table already read by ``read_table`` from the file ``source``.

    ``load_data(path, ...)`` is ``load_table(read_table(path, sheet, header), path, ...)``: the same format
    detection, mapping and validation, the same ``LoadedData`` and the same errors naming ``source``'s file
    name (row / column), without reading the file again (e.g. a caller that read it to show its columns).
    ``df`` must be ``read_table``'s frame (its ``_row`` column and ``attrs``: read issues, encoding, ...); it
    is not changed. Other inputs and ``progress`` as for ``load_data``.
    """
    if "_row" not in df.columns:
        raise ValueError("load_table needs the table as read_table returns it, with its '_row' column.")
    p = Path(source)
    tracker = Tracker("load", 3, progress, min_interval=0.0)
    if not len(df):  # a header line alone: say so rather than fail format detection on a table without rows
        cols = ", ".join(f"'{c}'" for c in df.columns if c != "_row")
        raise DataError(f"{p.name} has a header row ({cols}) but no data rows below it.")
    if mapping is None and format in (None, "qpn"):
        df = collapse_ntuple(df)
    tracker.update(1, f"read {len(df)} rows from {p.name}")
    detection = resolve_format(df, format, mapping, p.name)
    tracker.update(1, f"format {detection.format}")
    if detection.format not in FORMATS:
        cols = ", ".join(f"'{c}'" for c in df.columns if c != "_row")
        sheet, others = df.attrs.get("sheet"), [x for x in df.attrs.get("sheets") or [] if x != df.attrs.get("sheet")]
        if sheet is not None and others:  # a workbook whose first sheet is notes: the data may be on another
            raise DataError(f"Could not tell what kind of data sheet '{sheet}' of {p.name} holds (columns: {cols}); "
                            f"its other sheets are {', '.join(others)}: move the data to the first sheet (or give "
                            "--sheet NAME on the command line).")
        raise DataError(f"Could not tell what kind of data {p.name} holds (columns: {cols}); choose a format and map its columns, e.g. anchor=COLUMN positive=COLUMN.")
    checked = validate(df, detection, p.name, score_range=score_range, label_names=label_names)
    unread = unread_judgement(detection, p.name)
    if unread is not None:
        checked.issues.append(unread)
    for col in keep:  # a column the format does not use (a company, a document): each kept row's own value
        if col and col in df.columns and col not in checked.df.columns:
            by_row = df.drop_duplicates("_row").set_index("_row")[col]
            checked.df[col] = checked.df["_row"].map(by_row).to_numpy()
    tracker.update(1, f"{len(checked.df)} rows kept, {len(checked.issues)} issues")
    info = {k: df.attrs.get(k) for k in ("kind", "encoding", "delimiter", "quoting", "header", "sheet", "gzip") if k in df.attrs}
    return LoadedData(str(p), detection.format, checked.df, checked.issues, checked.label_names, detection,
                      rows_read=len(df) + int(df.attrs.get("rows_skipped", 0)), score_range=checked.score_range, info=info)


JUDGED = {"score": "scored_pair", "label": "labelled_pair"}  # a pair's judgement column and the format reading it


def unread_judgement(detection: Detection, name: str) -> Optional[Issue]:
    """A warning when the chosen format leaves unread a column that another reading of the file takes as each
    pair's score or label (``detection.alternatives``): read as pairs or qpn rows, every row is a matching pair,
    also those scored low or labelled as not matching. None when the format reads it, or no reading has one."""
    used = set(detection.mapping.values())
    if detection.format in ("scored_pair", "labelled_pair"):
        return None
    chosen = detection.format
    for alt in detection.alternatives:
        col = alt.mapping.get("score") if alt.format == JUDGED["score"] else None
        if col and col not in used:
            return Issue(name, None, col, f"Column '{col}' holds similarity scores that the {chosen} format does not "
                         "read: every row is taken as a matching pair, also those scored low; choose the scored_pair "
                         "format to use them.", "warning", "unread_judgement")
        col = alt.mapping.get("label") if alt.format == JUDGED["label"] else None
        if col and col not in used:
            return Issue(name, None, col, f"Column '{col}' holds match labels that the {chosen} format does not read: "
                         "every row is taken as a matching pair, also those labelled as not matching; choose the "
                         "labelled_pair format to use them.", "warning", "unread_judgement")
    return None


_NEG_N = re.compile(r"^(negative|neg)_(\d+)$", re.IGNORECASE)


def collapse_ntuple(df: pd.DataFrame) -> pd.DataFrame:
    """A sentence-transformers n-tuple table (``anchor, positive, negative_1..n``, n >= 2) as query-pos-neg lists.

    Returns ``df`` unchanged when it is not such a table; otherwise a frame with ``query``, ``pos`` (one
    passage) and ``neg`` (the non-empty negatives, in column order), plus ``_row`` and any other columns, so
    that re-importing an exported n-tuple table gives back every negative (a triplet reading keeps one).
    """
    cols = {str(c).lower(): c for c in df.columns}
    negs = sorted(((int(m.group(2)), c) for c in df.columns if (m := _NEG_N.match(str(c)))), key=lambda t: t[0])
    anchor = next((cols[n] for n in ("anchor", "query", "question") if n in cols), None)
    positive = next((cols[n] for n in ("positive", "pos") if n in cols), None)
    if len(negs) < 2 or anchor is None or positive is None or "neg" in cols:
        return df
    neg_cols = [c for _, c in negs]

    def cell_list(row) -> list:
        return [v for v in (row[c] for c in neg_cols) if isinstance(v, str) and v.strip()]

    out = df.drop(columns=neg_cols + [positive]).rename(columns={anchor: "query"})
    out["pos"] = [[v] if isinstance(v, str) else [] for v in df[positive]]
    out["neg"] = [cell_list(r) for _, r in df[neg_cols].iterrows()]
    out.attrs.update(df.attrs)
    return out


def to_dataset(loaded: Union[LoadedData, pd.DataFrame], columns: Optional[list[str]] = None):
    """Return a ``datasets.Dataset`` with the canonical columns in order and no ``_row``.

    ``loaded``: a ``LoadedData`` (its canonical columns, in ``FORMATS`` order) or any DataFrame (e.g. from
    ``qpn_to_rows``; all its columns except ``_row``). ``columns``: pick/reorder columns explicitly, e.g.
    ``["sentence1", "sentence2", "score_norm"]`` for a loss that wants 0..1 scores. Note that
    sentence-transformers treats a column named ``score`` or ``label`` as the target and every other column
    as an input, so pass the columns your loss expects.
    """
    from datasets import Dataset

    if isinstance(loaded, LoadedData):
        df = loaded.df
        default = [c for c in FORMATS[loaded.format]["columns"] if c in df.columns]
    else:
        df = loaded
        default = [c for c in df.columns if c != "_row"]
    cols = list(columns) if columns else default
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(f"The data has no column {', '.join(repr(c) for c in missing)}; its columns are: {', '.join(c for c in df.columns if c != '_row')}.")
    frame = df[cols].reset_index(drop=True)
    for c in cols:  # plain Python objects so pyarrow infers str / list<str> / float
        if frame[c].dtype != "int64" and frame[c].dtype != "float64":
            frame[c] = frame[c].astype(object)
    return Dataset.from_pandas(frame, preserve_index=False)
