"""Turn a raw table plus a format mapping into canonical columns, reporting every problem row.

``validate(df, detection, name, score_range=None, label_names=None) -> Validated``

Each problem becomes an ``Issue`` naming the file, the original row number (``_row``), the file's column and
what was expected. Rows with an ``error`` are left out of the canonical frame; so are OCNLI-style ``-``
labels (a ``warning``: the annotators had no majority). Nothing is dropped silently.

Checks: empty cells; text cells holding lists/objects; scores that are not numbers; labels of the wrong
type or outside the label set; triplets whose positive equals the negative (error) or anchor equals
positive (warning); qpn rows with no positive, positives also listed as negatives (warning, the passage is
removed from the negatives), score lists whose length does not match; exact duplicate rows (warning, kept).

Score normalisation (``score_norm`` in 0..1): from ``score_range`` when given, else the observed min..max
snapped to the smallest common scale that contains it, tried in this order: 0..1, -1..1, 1..5 (SICK),
0..5 (STS-B), 0..10, 0..100; if none fits, the observed min..max.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Optional

import pandas as pd

from core.data.formats import FORMATS, NLI_LABELS, NO_MAJORITY, Detection
from core.data.issues import Issue
from core.data.readers import is_number

COMMON_SCALES = [(0.0, 1.0), (-1.0, 1.0), (1.0, 5.0), (0.0, 5.0), (0.0, 10.0), (0.0, 100.0)]


@dataclass
class Validated:
    """Output of ``validate``: canonical frame (+ ``_row``), issues, label names and the score range used."""

    df: pd.DataFrame
    issues: list[Issue] = field(default_factory=list)
    label_names: Optional[list[str]] = None
    score_range: Optional[tuple[float, float]] = None


def _empty(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return isinstance(v, str) and not v.strip()


def _as_list(v: Any) -> Any:
    if hasattr(v, "tolist") and not isinstance(v, (str, bytes)):
        v = v.tolist()
    return v


def _show(v: Any, limit: int = 40) -> str:
    s = str(v)
    return s if len(s) <= limit else s[: limit - 1] + "…"


def pick_scale(lo: float, hi: float) -> tuple[float, float]:
    """Smallest common scale containing [lo, hi], else (lo, hi) (or (lo, lo + 1) when all scores are equal)."""
    for a, b in COMMON_SCALES:
        if a <= lo and hi <= b:
            return a, b
    return (lo, hi) if hi > lo else (lo, lo + 1.0)


class _Checker:
    def __init__(self, df: pd.DataFrame, name: str):
        self.df, self.name = df, name
        self.rows = df["_row"].tolist()
        self.issues: list[Issue] = []
        self.excluded: set[int] = set()  # positional indices

    def add(self, i: int, column: Optional[str], message: str, severity: str = "error", kind: str = "", exclude: Optional[bool] = None) -> None:
        self.issues.append(Issue(self.name, int(self.rows[i]), column, message, severity, kind))
        if exclude if exclude is not None else severity == "error":
            self.excluded.add(i)

    def text(self, col: str, role: str) -> list[Optional[str]]:
        out: list[Optional[str]] = []
        for i, v in enumerate(self.df[col].tolist()):
            v = _as_list(v)
            if _empty(v):
                self.add(i, col, f"empty cell, expected the {role} text", kind="empty_cell")
                out.append(None)
            elif isinstance(v, (list, dict, tuple)):
                self.add(i, col, f"expected the {role} text, got a {type(v).__name__}", kind="bad_text")
                out.append(None)
            else:
                out.append(str(v).strip())
        return out


def validate(df: pd.DataFrame, detection: Detection, name: str, score_range: Optional[tuple[float, float]] = None,
             label_names: Optional[list[str]] = None) -> Validated:
    """Build the canonical frame for ``detection.format`` from ``df`` using ``detection.mapping``.

    Inputs: raw frame from ``read_table`` (with ``_row``), a resolved ``Detection``, the file name for
    messages, an optional declared ``score_range`` (scored_pair) and ``label_names`` (labelled formats).
    Output: ``Validated`` whose ``df`` has ``FORMATS[format]["columns"]`` (qpn: those present) plus ``_row``.
    """
    fmt, m = detection.format, detection.mapping
    ck = _Checker(df.reset_index(drop=True), name)
    for issue in df.attrs.get("read_issues", []):
        ck.issues.append(issue)
    bad_rows = {iss.row for iss in df.attrs.get("read_issues", []) if iss.severity == "error"}
    for i, r in enumerate(ck.rows):
        if r in bad_rows:
            ck.excluded.add(i)

    out = pd.DataFrame({"_row": ck.df["_row"].astype("int64")})
    names: Optional[list[str]] = None
    used_range: Optional[tuple[float, float]] = None
    if fmt == "qpn":
        out = _qpn(ck, m, out)
    else:
        roles = {"anchor": "anchor", "positive": "positive", "negative": "negative", "sentence1": "first sentence",
                 "sentence2": "second sentence", "text": "input"}
        for role in FORMATS[fmt]["required"]:
            if role in roles:
                out[role] = ck.text(m[role], roles[role])
        if fmt == "triplet":
            for i, (p, n) in enumerate(zip(out["positive"], out["negative"])):
                if p is not None and p == n:
                    ck.add(i, m["negative"], f"the negative is the same text as the positive in column '{m['positive']}'; expected a different passage", kind="same_positive_negative")
        if fmt in ("pair", "triplet"):
            for i, (a, p) in enumerate(zip(out["anchor"], out["positive"])):
                if a is not None and a == p:
                    ck.add(i, m["positive"], f"the positive is the same text as the anchor in column '{m['anchor']}'", "warning", "same_anchor_positive")
        if fmt == "scored_pair":
            out["score"], out["score_norm"], used_range = _scores(ck, m["score"], score_range)
        if fmt in ("labelled_pair", "labelled_sentence"):
            out["label"], names = _labels(ck, m["label"], label_names)
        _duplicates(ck, out, [c for c in FORMATS[fmt]["required"] if c in ("anchor", "positive", "negative", "sentence1", "sentence2", "text")], m)

    keep = [i for i in range(len(out)) if i not in ck.excluded]
    out = out.iloc[keep].reset_index(drop=True)
    if fmt == "labelled_pair" or fmt == "labelled_sentence":
        out["label"] = out["label"].astype("int64")
    if fmt == "scored_pair":
        out["score"] = out["score"].astype("float64")
        out["score_norm"] = out["score_norm"].astype("float64")
    cols = [c for c in FORMATS[fmt]["columns"] if c in out.columns]
    out = out[cols + ["_row"]]
    ck.issues.sort(key=lambda x: (x.row if x.row is not None else -1))
    return Validated(out, ck.issues, names, used_range)


def _scores(ck: _Checker, col: str, declared: Optional[tuple[float, float]]):
    vals: list[Optional[float]] = []
    for i, v in enumerate(ck.df[col].tolist()):
        if _empty(v):
            ck.add(i, col, "empty cell, expected a number score", kind="empty_cell")
            vals.append(None)
        elif not is_number(v) or not math.isfinite(float(v)):
            ck.add(i, col, f"expected a number score, got '{_show(v)}'", kind="bad_score")
            vals.append(None)
        else:
            vals.append(float(v))
    good = [v for i, v in enumerate(vals) if v is not None and i not in ck.excluded]
    if declared is not None:
        lo, hi = float(declared[0]), float(declared[1])
        for i, v in enumerate(vals):
            if v is not None and not lo <= v <= hi:
                ck.add(i, col, f"score {v:g} is outside the declared range {lo:g}..{hi:g}; it was clipped", "warning", "score_out_of_range")
    elif good:
        lo, hi = pick_scale(min(good), max(good))
    else:
        lo, hi = 0.0, 1.0
    span = (hi - lo) or 1.0
    norm = [None if v is None else min(1.0, max(0.0, (v - lo) / span)) for v in vals]
    return vals, norm, (lo, hi)


def _labels(ck: _Checker, col: str, declared: Optional[list[str]]):
    raw = ck.df[col].tolist()
    body = [v for v in raw if not _empty(v) and not (isinstance(v, str) and v.strip() in NO_MAJORITY)]
    words = [str(v).strip().lower() for v in body if not is_number(v)]
    if declared:
        names = [str(n).strip().lower() for n in declared]
        mode = "names"
    elif words and sum(w in NLI_LABELS for w in words) >= 0.5 * len(words):
        names, mode = list(NLI_LABELS), "names"
    elif body and len(words) <= 0.5 * len(body):
        names, mode = None, "numeric"
    else:
        names = sorted(set(words))
        mode = "words"
    if mode == "numeric":
        expected = "expected a whole-number label (like 0 or 1)"
    elif mode == "names":
        expected = f"expected a number or one of {'/'.join(names)}"
    else:
        expected = f"expected one of {'/'.join(names)}"
    ids: list[Optional[int]] = []
    for i, v in enumerate(raw):
        if _empty(v):
            ck.add(i, col, "empty cell, expected a label", kind="empty_cell")
            ids.append(None)
            continue
        s = str(v).strip()
        if s in NO_MAJORITY:
            ck.add(i, col, f"label '{s}' means the annotators reached no majority; the row was left out", "warning", "no_majority", exclude=True)
            ids.append(None)
            continue
        if mode != "words" and is_number(v):
            x = float(v)
            if x != int(x) or x < 0 or (names is not None and x >= len(names)):
                ck.add(i, col, f"{expected}, got '{_show(v)}'", kind="bad_label")
                ids.append(None)
            else:
                ids.append(int(x))
            continue
        key = s.lower()
        if names is not None and key in names:
            ids.append(names.index(key))
        else:
            ck.add(i, col, f"{expected}, got '{_show(v)}'", kind="bad_label")
            ids.append(None)
    return ids, names


def _duplicates(ck: _Checker, out: pd.DataFrame, cols: list[str], m: dict[str, str]) -> None:
    seen: dict[tuple, int] = {}
    keys = list(zip(*(out[c].tolist() for c in cols)))
    for i, key in enumerate(keys):
        if i in ck.excluded or any(k is None for k in key):
            continue
        if key in seen:
            ck.add(i, None, f"repeats row {ck.rows[seen[key]]} (same {', '.join(m[c] for c in cols)}); kept", "warning", "duplicate")
        else:
            seen[key] = i


def _text_list(ck: _Checker, i: int, v: Any, col: str, what: str) -> Optional[list[str]]:
    v = _as_list(v)
    if isinstance(v, str):
        s = v.strip()
        if s.startswith("["):
            try:
                v = json.loads(s)
            except json.JSONDecodeError:
                ck.add(i, col, f"expected a list of {what} passages, got text that starts like a JSON list but is not valid JSON", kind="bad_list")
                return None
        else:
            v = [s] if s else []
    if not isinstance(v, (list, tuple)):
        ck.add(i, col, f"expected a list of {what} passages, got {type(v).__name__} '{_show(v)}'", kind="bad_list")
        return None
    items = []
    for j, x in enumerate(v, start=1):
        if _empty(x):
            ck.add(i, col, f"{what} passage {j} is empty; it was skipped", "warning", "empty_cell")
        elif isinstance(x, dict):  # a passage object (Tevatron / MS MARCO style: {"docid", "title", "text"})
            text = passage_text(x)
            if text is None:
                ck.add(i, col, f"{what} passage {j} is an object without a text field (expected one of "
                               f"{', '.join(PASSAGE_TEXT_KEYS)})", kind="bad_list")
                return None
            if text:
                items.append(text)
            else:
                ck.add(i, col, f"{what} passage {j} is empty; it was skipped", "warning", "empty_cell")
        elif isinstance(x, list):
            ck.add(i, col, f"{what} passage {j} is a list, expected text", kind="bad_list")
            return None
        else:
            items.append(str(x).strip())
    return items


PASSAGE_TEXT_KEYS = ("text", "contents", "content", "passage")  # where a passage object keeps its text


def passage_text(x: dict) -> Optional[str]:
    """The text of a passage given as an object (``{"docid", "title", "text"}``, Tevatron's and many MS MARCO
    files' layout): its first ``PASSAGE_TEXT_KEYS`` field that is text, with its ``title`` joined as evaluation
    joins them (``core.data.retrieval.titled``); None when it has no such field."""
    from core.data.retrieval import titled

    text = next((x[k] for k in PASSAGE_TEXT_KEYS if isinstance(x.get(k), str)), None)
    if text is None:
        return None
    title = x.get("title")
    return titled(title if isinstance(title, str) else None, text)


def _qpn(ck: _Checker, m: dict[str, str], out: pd.DataFrame) -> pd.DataFrame:
    out["query"] = ck.text(m["query"], "query")
    pos_all, neg_all, ps_all, ns_all = [], [], [], []
    neg_col, ps_col, ns_col = m.get("neg"), m.get("pos_scores"), m.get("neg_scores")
    for i in range(len(ck.df)):
        pos = _text_list(ck, i, ck.df[m["pos"]].iat[i], m["pos"], "positive")
        if pos is not None and not pos:
            ck.add(i, m["pos"], "expected at least one positive passage, got none", kind="no_positive")
        neg: Optional[list[str]] = []
        raw_neg = _as_list(ck.df[neg_col].iat[i]) if neg_col is not None else None
        if raw_neg is not None and not (isinstance(raw_neg, float) and math.isnan(raw_neg)):
            neg = _text_list(ck, i, raw_neg, neg_col, "negative")
        ps = _score_list(ck, i, ps_col, pos)
        ns = _score_list(ck, i, ns_col, neg)
        if pos and neg:
            overlap = [j for j, n in enumerate(neg) if n in set(pos)]
            if overlap:
                ck.add(i, neg_col, f"{len(overlap)} passage(s) listed as both positive and negative for this query; removed from the negatives", "warning", "positive_in_negatives")
                neg = [n for j, n in enumerate(neg) if j not in overlap]
                if ns is not None:
                    ns = [s for j, s in enumerate(ns) if j not in overlap]
        pos_all.append(pos)
        neg_all.append(neg)
        ps_all.append(ps)
        ns_all.append(ns)
    out["pos"] = pos_all
    out["neg"] = neg_all
    if ps_col:
        out["pos_scores"] = ps_all
    if ns_col:
        out["neg_scores"] = ns_all
    for role in ("prompt", "type"):
        if role in m:
            out[role] = ["" if _empty(v) else str(v) for v in ck.df[m[role]].tolist()]
    return out


def _score_list(ck: _Checker, i: int, col: Optional[str], items: Optional[list[str]]) -> Optional[list[float]]:
    if col is None or items is None:
        return None
    v = _as_list(ck.df[col].iat[i])
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None  # optional: this row has no scores
    if not isinstance(v, (list, tuple)) or not all(is_number(x) for x in v):
        ck.add(i, col, f"expected a list of numbers, got '{_show(v)}'", kind="bad_score")
        return None
    if len(v) != len(items):
        ck.add(i, col, f"has {len(v)} scores for {len(items)} passages; expected one score per passage", kind="bad_score")
        return None
    return [float(x) for x in v]
