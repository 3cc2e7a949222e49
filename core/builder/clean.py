"""Clean qpn rows (``query``, ``pos`` list, ``neg`` list, + metadata) before training.

``clean_rows(rows, rules=CleanConfig(), progress=None) -> (rows, CleanReport)``. ``rows`` is a list of dicts or
a DataFrame; the result has the same kind. Each rule is optional and counted; the report keeps a few examples per
rule. Rules, in the order they run (a dropped row is counted once, under the first rule that dropped it):

1. ``llm_empty``: rows whose flag column (default ``llm_empty``) is true (the LLM gave no answer) are dropped.
2. ``empty``: an empty query drops the row; empty positives / negatives are removed from their lists.
3. ``length``: texts shorter than ``min_chars`` or longer than ``max_chars`` (defaults 5 and 750 characters;
   ``length_scope`` = ``"all"``, ``"query"`` or ``"passages"``): a query out of bounds drops the row, a passage out
   of bounds is removed from its list.
4. ``no_positive``: a row left with no positive is dropped.
5. ``duplicate_passage``: a passage repeated inside one row's ``pos`` or ``neg`` is removed.
6. ``neg_equal_pos``: a negative equal to a positive of the same query (after Unicode/whitespace normalisation)
   is removed.
7. ``leakage``: rows whose query occurs verbatim (case-insensitive, normalised) inside one of its positives.
8. ``exact_duplicate``: a query identical to an earlier kept query; ``duplicate_action="merge"`` (default) adds
   its positives/negatives to the earlier row, ``"drop"`` discards them.
9. ``near_duplicate``: queries equal after NFKC + lowercase + removing punctuation/whitespace, and, when
   ``near_jaccard`` is set, queries whose character 3-gram Jaccard similarity to an earlier kept query is at least
   that value (MinHash + LSH buckets for candidates, then the exact Jaccard is checked). Same merge/drop action.

Score lists (``pos_scores`` / ``neg_scores``) stay aligned: removing a passage removes its score.

Also here, shared by the builder's mining/split/export modules: ``as_records`` (rows -> list of dicts with list
``pos``/``neg``), ``like_input`` (back to the caller's kind), ``text_key`` and ``query_key`` (normalisation).
"""

from __future__ import annotations

import math
import re
import unicodedata
import zlib
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from core.errors import ConfigError, DataError
from core.progress import ProgressFn, Tracker

# ----------------------------------------------------------------------------------------------- row helpers

_WS = re.compile(r"\s+")
_PUNCT_WS = re.compile(r"[\W_]+", re.UNICODE)


def text_key(text: Any) -> str:
    """Identity key of a passage: NFKC, whitespace runs collapsed to one space, stripped (case kept)."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", str(text or ""))).strip()


def query_key(text: Any) -> str:
    """Near-duplicate key of a query: NFKC, lowercase, every punctuation and whitespace character removed."""
    return _PUNCT_WS.sub("", unicodedata.normalize("NFKC", str(text or "")).casefold())


def _is_missing(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and math.isnan(v):
        return True
    return False


def _as_list(v: Any, row: int, column: str) -> list[str]:
    if _is_missing(v):
        return []
    if isinstance(v, str):
        return [v]
    if isinstance(v, (list, tuple, np.ndarray)):
        return ["" if _is_missing(x) else str(x) for x in list(v)]
    raise DataError(f"Row {row}, column '{column}': expected a list of texts, got {type(v).__name__} {v!r:.60}.")


def as_records(rows: Any) -> list[dict]:
    """Copy qpn rows (list of dicts or DataFrame) into a list of dicts with ``query`` str and list ``pos``/``neg``.

    Raises DataError when there is no ``query`` or ``pos`` field. Other fields are kept as they are."""
    try:
        import pandas as pd

        if isinstance(rows, pd.DataFrame):
            missing = [c for c in ("query", "pos") if c not in rows.columns]
            if missing:
                raise DataError(
                    f"The rows have no '{missing[0]}' column; expected qpn rows with query, pos and neg "
                    f"(columns found: {', '.join(map(str, rows.columns))})."
                )
            rows = rows.to_dict("records")
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    out: list[dict] = []
    for i, r in enumerate(rows, start=1):
        if not isinstance(r, dict):
            raise DataError(f"Row {i}: expected a dict with query/pos/neg, got {type(r).__name__}.")
        if "query" not in r or "pos" not in r:
            raise DataError(f"Row {i} has no '{'query' if 'query' not in r else 'pos'}' field; expected query, pos, neg.")
        rec = dict(r)
        q = rec.get("query")
        rec["query"] = "" if _is_missing(q) else str(q)
        rec["pos"] = _as_list(rec.get("pos"), i, "pos")
        rec["neg"] = _as_list(rec.get("neg"), i, "neg")
        out.append(rec)
    return out


def like_input(records: list[dict], original: Any):
    """Return ``records`` as a DataFrame when ``original`` was one, else as the list."""
    try:
        import pandas as pd

        if isinstance(original, pd.DataFrame):
            df = pd.DataFrame(records)
            for c in ("query", "pos", "neg"):
                if c not in df.columns:
                    df[c] = pd.Series([[] if c != "query" else ""] * len(df), dtype=object)
            return df
    except ImportError:  # pragma: no cover
        pass
    return records


# ------------------------------------------------------------------------------------------------- config

RULES = (
    "llm_empty",
    "empty_query",
    "empty_positive",
    "empty_negative",
    "query_too_short",
    "query_too_long",
    "positive_too_short",
    "positive_too_long",
    "negative_too_short",
    "negative_too_long",
    "no_positive",
    "duplicate_passage",
    "neg_equal_pos",
    "leakage",
    "exact_duplicate",
    "near_duplicate",
)
ROW_RULES = ("llm_empty", "empty_query", "query_too_short", "query_too_long", "no_positive", "leakage",
             "exact_duplicate", "near_duplicate")


@dataclass
class CleanConfig:
    """Which cleaning rules run (each ``True``/value turns one on; ``None`` or ``False`` turns it off)."""

    llm_empty: bool = True
    llm_empty_column: str = "llm_empty"
    empty: bool = True
    min_chars: int | None = 5
    max_chars: int | None = 750
    length_scope: str = "all"  # "all" | "query" | "passages"
    neg_equal_pos: bool = True
    duplicate_passages: bool = True
    leakage: bool = True
    exact_duplicates: bool = True
    near_duplicates: bool = True
    near_jaccard: float | None = None  # e.g. 0.85: also catch queries whose char-3-gram Jaccard >= this
    duplicate_action: str = "merge"  # "merge" | "drop"
    max_examples: int = 5

    def validate(self) -> None:
        if self.length_scope not in ("all", "query", "passages"):
            raise ConfigError(f"length_scope is '{self.length_scope}'; expected 'all', 'query' or 'passages'.")
        if self.duplicate_action not in ("merge", "drop"):
            raise ConfigError(f"duplicate_action is '{self.duplicate_action}'; expected 'merge' or 'drop'.")
        if self.near_jaccard is not None and not (0 < self.near_jaccard <= 1):
            raise ConfigError(f"near_jaccard is {self.near_jaccard}; expected a number in (0, 1].")
        if self.min_chars and self.max_chars and self.min_chars > self.max_chars:
            raise ConfigError(f"min_chars ({self.min_chars}) is larger than max_chars ({self.max_chars}).")


RULE_WHY = {
    "llm_empty": "the LLM gave no answer for the row",
    "empty_query": "the query is empty",
    "empty_positive": "a positive passage is empty",
    "empty_negative": "a negative passage is empty",
    "query_too_short": "the query is shorter than {min_chars} characters",
    "query_too_long": "the query is longer than {max_chars} characters",
    "positive_too_short": "a positive passage is shorter than {min_chars} characters",
    "positive_too_long": "a positive passage is longer than {max_chars} characters",
    "negative_too_short": "a negative passage is shorter than {min_chars} characters",
    "negative_too_long": "a negative passage is longer than {max_chars} characters",
    "no_positive": "no positive passage is left",
    "duplicate_passage": "the same passage is listed twice in one row",
    "neg_equal_pos": "a negative is the same text as a positive of its query",
    "leakage": "the query appears word for word inside its positive passage, so the pair teaches copying, not retrieval",
    "exact_duplicate": "the same query appears in an earlier row",
    "near_duplicate": "the query differs from an earlier one only in case, punctuation or spacing",
}


@dataclass
class CleanReport:
    """What cleaning did: ``counts[rule]`` (rows dropped for row rules, items removed for list rules) and up to
    ``max_examples`` examples per rule."""

    rows_in: int = 0
    rows_out: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {r: 0 for r in RULES})
    examples: dict[str, list[dict]] = field(default_factory=lambda: {r: [] for r in RULES})

    @property
    def rows_dropped(self) -> int:
        return sum(self.counts[r] for r in ROW_RULES)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["rows_dropped"] = self.rows_dropped
        return d

    def sentences(self, rules: CleanConfig | None = None) -> list[str]:
        """One plain sentence per rule that fired: what it removed, why, and its first example, e.g.
        "1 row dropped (leakage): the query appears word for word inside its positive passage, ...; e.g. row 3: 'sows'"."""
        cfg = rules or CleanConfig()
        out = []
        for rule in RULES:
            n = self.counts.get(rule, 0)
            if not n:
                continue
            what = f"{n} row{'s' if n != 1 else ''} dropped" if rule in ROW_RULES else f"{n} passage{'s' if n != 1 else ''} removed"
            why = RULE_WHY[rule].format(min_chars=cfg.min_chars, max_chars=cfg.max_chars)
            ex = (self.examples.get(rule) or [None])[0]
            tail = ""
            if ex:
                cut = (lambda x: x if len(x) <= 80 else x[:79] + "…")
                tail = f"; e.g. row {ex.get('row')}: {cut(ex.get('text') or ex.get('query') or '')!r}"
                if ex.get("passage"):
                    tail += f" is inside {cut(ex['passage'])!r}"
            out.append(f"{what} ({rule}): {why}{tail}.")
        return out

    def table(self) -> str:
        """Plain-text table: one line per rule that fired."""
        lines = [f"rows in: {self.rows_in}   rows out: {self.rows_out}   rows dropped: {self.rows_dropped}"]
        for r in RULES:
            if self.counts[r]:
                kind = "rows" if r in ROW_RULES else "items"
                lines.append(f"  {r:<20} {self.counts[r]:>7} {kind}")
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------- near dups


class _MinHashLSH:
    """MinHash signatures of character 3-gram sets, banded into buckets to find candidate near-duplicates."""

    P = (1 << 31) - 1

    def __init__(self, num_perm: int = 64, bands: int = 16, seed: int = 1):
        rng = np.random.default_rng(seed)
        self.a = rng.integers(1, self.P, size=num_perm, dtype=np.int64)
        self.b = rng.integers(0, self.P, size=num_perm, dtype=np.int64)
        self.bands, self.rows = bands, num_perm // bands
        self.buckets: dict[tuple, list[int]] = {}

    @staticmethod
    def shingles(key: str) -> set[str]:
        if len(key) < 3:
            return {key}
        return {key[i : i + 3] for i in range(len(key) - 2)}

    def signature(self, sh: set[str]) -> np.ndarray:
        x = np.fromiter((zlib.crc32(s.encode("utf-8")) % self.P for s in sh), dtype=np.int64, count=len(sh))
        return ((np.outer(x, self.a) + self.b) % self.P).min(axis=0)

    def candidates(self, sig: np.ndarray) -> set[int]:
        out: set[int] = set()
        for band in range(self.bands):
            k = (band, sig[band * self.rows : (band + 1) * self.rows].tobytes())
            out.update(self.buckets.get(k, ()))
        return out

    def add(self, item: int, sig: np.ndarray) -> None:
        for band in range(self.bands):
            k = (band, sig[band * self.rows : (band + 1) * self.rows].tobytes())
            self.buckets.setdefault(k, []).append(item)


# -------------------------------------------------------------------------------------------------- clean


def _scores_of(rec: dict, col: str) -> list | None:
    """The ``pos_scores``/``neg_scores`` list aligned with ``rec[col]``, or None when absent or not aligned."""
    sc = rec.get(f"{col}_scores")
    if isinstance(sc, (list, tuple, np.ndarray)) and len(sc) == len(rec[col]):
        return list(sc)
    return None


def _keep(rec: dict, col: str, idxs: list[int]) -> None:
    """Keep only the items of ``rec[col]`` at ``idxs`` (and the matching entries of its score list, if any)."""
    sc = _scores_of(rec, col)
    if sc is not None:
        rec[f"{col}_scores"] = [sc[i] for i in idxs]
    elif f"{col}_scores" in rec and not _is_missing(rec[f"{col}_scores"]):
        rec[f"{col}_scores"] = None  # was not aligned: drop rather than mislead
    rec[col] = [rec[col][i] for i in idxs]


def _truthy(v: Any) -> bool:
    if _is_missing(v):
        return False
    if isinstance(v, str):
        return v.strip().lower() in ("1", "true", "yes", "y")
    return bool(v)


def clean_rows(rows: Any, rules: CleanConfig | None = None, progress: ProgressFn | None = None):
    """Apply the cleaning ``rules`` to qpn ``rows``; return ``(clean_rows, CleanReport)`` (rows in input order,
    same kind as the input: list of dicts or DataFrame)."""
    cfg = rules or CleanConfig()
    cfg.validate()
    records = as_records(rows)
    report = CleanReport(rows_in=len(records))
    tracker = Tracker("clean", len(records), progress)

    def hit(rule: str, n: int = 1, **example) -> None:
        report.counts[rule] += n
        if example and len(report.examples[rule]) < cfg.max_examples:
            report.examples[rule].append(example)

    check_q = cfg.length_scope in ("all", "query")
    check_p = cfg.length_scope in ("all", "passages")

    def length_rule(text: str) -> str | None:
        n = len(text.strip())
        if cfg.min_chars and n < cfg.min_chars:
            return "too_short"
        if cfg.max_chars and n > cfg.max_chars:
            return "too_long"
        return None

    kept: list[dict] = []
    exact_index: dict[str, int] = {}
    near_index: dict[str, int] = {}
    lsh = _MinHashLSH() if (cfg.near_duplicates and cfg.near_jaccard) else None
    shingle_sets: list[set[str]] = []

    def merge_into(target: dict, src: dict) -> None:
        """Add ``src``'s positives/negatives that ``target`` lacks (scores follow when both rows have them)."""
        for col in ("pos", "neg"):
            t_sc, s_sc = _scores_of(target, col), _scores_of(src, col)
            have = {text_key(x) for x in target[col]}
            for j, x in enumerate(src[col]):
                if text_key(x) not in have:
                    have.add(text_key(x))
                    target[col].append(x)
                    if t_sc is not None:
                        t_sc.append(s_sc[j] if s_sc is not None else None)
            if t_sc is not None:
                target[f"{col}_scores"] = t_sc if all(v is not None for v in t_sc) else None
        pos_keys = {text_key(p) for p in target["pos"]}
        _keep(target, "neg", [j for j, n in enumerate(target["neg"]) if text_key(n) not in pos_keys])

    for i, rec in enumerate(records):
        tracker.update(1)
        q = rec["query"]
        row_no = i + 1
        if cfg.llm_empty and _truthy(rec.get(cfg.llm_empty_column)):
            hit("llm_empty", row=row_no, query=q)
            continue
        if cfg.empty:
            if not q.strip():
                hit("empty_query", row=row_no, query=q)
                continue
            for col, rule in (("pos", "empty_positive"), ("neg", "empty_negative")):
                before = len(rec[col])
                _keep(rec, col, [j for j, t in enumerate(rec[col]) if t.strip()])
                if len(rec[col]) != before:
                    hit(rule, before - len(rec[col]), row=row_no, query=q)
        if cfg.min_chars or cfg.max_chars:
            if check_q:
                why = length_rule(q)
                if why:
                    hit(f"query_{why}", row=row_no, query=q, chars=len(q.strip()))
                    continue
            if check_p:
                for col, name in (("pos", "positive"), ("neg", "negative")):
                    keep = []
                    for j, t in enumerate(rec[col]):
                        why = length_rule(t)
                        if why:
                            hit(f"{name}_{why}", row=row_no, query=q, chars=len(t.strip()), text=t[:120])
                        else:
                            keep.append(j)
                    _keep(rec, col, keep)
        if not rec["pos"]:
            hit("no_positive", row=row_no, query=q)
            continue
        if cfg.duplicate_passages:
            for col in ("pos", "neg"):
                seen: set[str] = set()
                keep = []
                for j, t in enumerate(rec[col]):
                    k = text_key(t)
                    if k in seen:
                        hit("duplicate_passage", row=row_no, query=q, column=col, text=t[:120])
                    else:
                        seen.add(k)
                        keep.append(j)
                _keep(rec, col, keep)
        if cfg.neg_equal_pos:
            pos_keys = {text_key(p) for p in rec["pos"]}
            keep = []
            for j, t in enumerate(rec["neg"]):
                if text_key(t) in pos_keys:
                    hit("neg_equal_pos", row=row_no, query=q, text=t[:120])
                else:
                    keep.append(j)
            _keep(rec, "neg", keep)
        if cfg.leakage:
            qn = text_key(q).casefold()
            inside = next((p for p in rec["pos"] if qn in text_key(p).casefold()), None)
            if inside is not None:
                hit("leakage", row=row_no, query=q, passage=inside[:160])
                continue
        if cfg.exact_duplicates:
            ek = q.strip()
            j = exact_index.get(ek)
            if j is not None:
                hit("exact_duplicate", row=row_no, query=q, duplicate_of_row=kept[j].get("_clean_row"))
                if cfg.duplicate_action == "merge":
                    merge_into(kept[j], rec)
                continue
        if cfg.near_duplicates:
            nk = query_key(q)
            j = near_index.get(nk) if nk else None
            sig = None
            if j is None and lsh is not None:
                sh = _MinHashLSH.shingles(nk)
                sig = lsh.signature(sh)
                for c in sorted(lsh.candidates(sig)):
                    other = shingle_sets[c]
                    jac = len(sh & other) / max(1, len(sh | other))
                    if jac >= cfg.near_jaccard:
                        j = c
                        break
            if j is not None:
                hit("near_duplicate", row=row_no, query=q, duplicate_of=kept[j]["query"])
                exact_index.setdefault(q.strip(), j)  # a later exact copy of this query counts as exact
                if cfg.duplicate_action == "merge":
                    merge_into(kept[j], rec)
                continue
        rec["_clean_row"] = row_no
        kept.append(rec)
        idx = len(kept) - 1
        exact_index.setdefault(q.strip(), idx)
        if cfg.near_duplicates:
            near_index.setdefault(query_key(q), idx)
            if lsh is not None:
                sh = _MinHashLSH.shingles(query_key(q))
                shingle_sets.append(sh)
                lsh.add(idx, sig if sig is not None else lsh.signature(sh))
            else:
                shingle_sets.append(set())
    for rec in kept:
        rec.pop("_clean_row", None)
    report.rows_out = len(kept)
    return like_input(kept, rows), report
