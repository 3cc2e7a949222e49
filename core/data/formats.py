"""Canonical data formats and automatic format detection.

``FORMATS``: format name -> ``{"required": [...], "optional": [...], "columns": [...], "description":
{"en": ..., "zh": ...}}``; ``columns`` is the canonical column order of a loaded frame (``score_norm`` is
derived by the loader).

``detect_format(df) -> Detection``: looks at column names (English, the Chinese-team names ``text`` /
``positive_text`` / ``negative_text`` / ``scored_text`` / ``score``, and a few Chinese words) and at the
values (lists, numbers, small word sets) and returns the best format, a mapping {canonical role: source
column}, a confidence in 0..1, the reasons in plain words, and the other formats that would also fit.

``resolve_format(df, format, mapping, name) -> Detection``: the same, but a user-given format and/or mapping
win; a mapping naming a column the file lacks raises ``DataError`` listing the available columns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Optional

import pandas as pd

from core.data.vocabulary import (  # noqa: F401  (re-exported: the column vocabulary lives in a leaf module)
    FIRST_NAMES,
    LABEL_NAMES,
    NEGATIVE_NAMES,
    NLI_LABELS,
    NO_MAJORITY,
    QPN_EXTRA_NAMES,
    QPN_NEG_NAMES,
    QPN_POS_NAMES,
    SCORE_NAMES,
    SECOND_NAMES,
    is_number,
    known_column_names,
    norm_name,
)
from core.errors import DataError

FORMATS: dict[str, dict] = {
    "pair": {
        "required": ["anchor", "positive"],
        "optional": [],
        "columns": ["anchor", "positive"],
        "description": {
            "en": "Query/question and a matching passage (positive). Other rows' passages act as negatives in training.",
            "zh": "查询/问题与一条匹配的段落（正例）；训练时同批次其他段落作为负例。",
        },
    },
    "triplet": {
        "required": ["anchor", "positive", "negative"],
        "optional": [],
        "columns": ["anchor", "positive", "negative"],
        "description": {
            "en": "Query, a matching passage and a non-matching (hard negative) passage.",
            "zh": "查询、一条匹配段落（正例）和一条不匹配段落（难负例）。",
        },
    },
    "scored_pair": {
        "required": ["sentence1", "sentence2", "score"],
        "optional": [],
        "columns": ["sentence1", "sentence2", "score", "score_norm"],
        "description": {
            "en": "Two sentences and a similarity score (e.g. STS-B 0-5, SICK 1-5); score_norm rescales it to 0..1.",
            "zh": "两个句子及相似度分数（如 STS-B 0-5、SICK 1-5）；score_norm 为归一化到 0..1 的分数。",
        },
    },
    "labelled_pair": {
        "required": ["sentence1", "sentence2", "label"],
        "optional": [],
        "columns": ["sentence1", "sentence2", "label"],
        "description": {
            "en": "Two sentences and a class label (0/1 paraphrase, or entailment/neutral/contradiction).",
            "zh": "两个句子及类别标签（0/1 是否同义，或 蕴含/中立/矛盾）。",
        },
    },
    "labelled_sentence": {
        "required": ["text", "label"],
        "optional": [],
        "columns": ["text", "label"],
        "description": {
            "en": "One text and a class label (for classification-style training).",
            "zh": "单条文本及其类别标签。",
        },
    },
    "qpn": {
        "required": ["query", "pos"],
        "optional": ["neg", "pos_scores", "neg_scores", "prompt", "type"],
        "columns": ["query", "pos", "neg", "pos_scores", "neg_scores", "prompt", "type"],
        "description": {
            "en": "FlagEmbedding / RAG-Retrieval lines {query, pos: [...], neg: [...]} with optional scores and prompt.",
            "zh": "FlagEmbedding / RAG-Retrieval 格式：{query, pos: [...], neg: [...]}，可带分数与提示词。",
        },
    },
}

# role aliases: any of these names, given in a user mapping, means the canonical role of the chosen format
ROLE_ALIASES = {
    "first": {"anchor", "sentence1", "text", "query", "question", "s1"},
    "second": {"positive", "sentence2", "pos", "s2", "passage"},
    "negative": {"negative", "neg"},
    "score": {"score"},
    "label": {"label"},
}
FORMAT_ROLES = {  # canonical role name per generic role
    "pair": {"first": "anchor", "second": "positive"},
    "triplet": {"first": "anchor", "second": "positive", "negative": "negative"},
    "scored_pair": {"first": "sentence1", "second": "sentence2", "score": "score"},
    "labelled_pair": {"first": "sentence1", "second": "sentence2", "label": "label"},
    "labelled_sentence": {"first": "text", "label": "label"},
    "qpn": {"first": "query", "second": "pos", "negative": "neg"},
}
ALIASES = {"scored": "scored_pair", "labeled_pair": "labelled_pair", "labeled_sentence": "labelled_sentence",
           "pairs": "pair", "triplets": "triplet", "query_pos_neg": "qpn"}


@dataclass
class Detection:
    """Result of format detection.

    ``format``: a key of ``FORMATS`` or ``"unknown"``; ``mapping``: {canonical role: source column};
    ``confidence``: 0..1; ``reasons``: plain-language sentences; ``alternatives``: other fitting formats
    (each a ``Detection`` with no alternatives of its own), best first.
    """

    format: str
    mapping: dict[str, str]
    confidence: float
    reasons: list[str] = field(default_factory=list)
    alternatives: list[Detection] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "format": self.format,
            "mapping": dict(self.mapping),
            "confidence": round(self.confidence, 3),
            "reasons": list(self.reasons),
            "alternatives": [{"format": a.format, "mapping": dict(a.mapping), "confidence": round(a.confidence, 3)} for a in self.alternatives],
        }


# ------------------------------------------------------------------------------------------ value profiles


def _is_list(v: Any) -> bool:
    return isinstance(v, (list, tuple)) or (hasattr(v, "tolist") and hasattr(v, "__len__") and not isinstance(v, (str, bytes)))


def _is_empty(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, float) and v != v:
        return True
    return isinstance(v, str) and not v.strip()


def profile_column(values: pd.Series) -> str:
    """Classify sample values: ``"list"``, ``"number"``, ``"words"`` (a small repeated set), ``"text"`` or ``"empty"``."""
    vals = [v for v in values.tolist() if not _is_empty(v)]
    if not vals:
        return "empty"
    if sum(_is_list(v) for v in vals) >= 0.5 * len(vals):
        return "list"
    body = [v for v in vals if not (isinstance(v, str) and v.strip() in NO_MAJORITY)]
    if body and sum(is_number(v) for v in body) >= 0.9 * len(body):
        return "number"
    words = {str(v).strip().lower() for v in body}
    short = all(len(w) <= 24 for w in words)
    if short and len(words & set(NLI_LABELS)) >= 2:
        return "words"
    if short and len(words) <= 20:
        if len(body) >= 4 and len(words) <= 0.5 * len(body):
            return "words"  # a small set of repeated values
        if len(body) < 4 and all(" " not in w and len(w) <= 12 for w in words) and len(words) < len(body):
            return "words"
    return "text"


def _mostly_numbers(values: pd.Series) -> bool:
    """True when at least half of the non-empty values are numbers (a score column with a few bad cells)."""
    vals = [v for v in values.tolist() if not _is_empty(v)]
    return bool(vals) and sum(is_number(v) for v in vals) >= 0.5 * len(vals)


def _short_values(values: pd.Series, max_len: int = 30, max_distinct: int = 50) -> bool:
    """True when a column's values look like class names: short and few."""
    vals = {str(v).strip() for v in values.tolist() if not _is_empty(v)}
    return bool(vals) and len(vals) <= max_distinct and all(len(v) <= max_len for v in vals)


def score_or_label(values: pd.Series, name_hint: str = "") -> tuple[str, str]:
    """Decide whether a value column holds scores or class labels; return ``(format, reason)``.

    Floats (any range) -> scored_pair. Integers: a score-like column name, or more than 3 distinct values
    (e.g. 0..5) -> scored_pair; at most 3 distinct values (0/1, 0/1/2) -> labelled_pair. Words -> labelled_pair.
    """
    vals = [v for v in values.tolist() if not _is_empty(v) and not (isinstance(v, str) and v.strip() in NO_MAJORITY)]
    nums = [x for x in (float(v) for v in vals if is_number(v)) if math.isfinite(x)]  # 1e400 is a row error later
    if vals and nums and len(nums) >= 0.5 * len(vals):
        fractions = [x for x in nums if x != int(x)]
        if len(fractions) > 0.1 * len(nums):
            return "scored_pair", f"'{name_hint}' holds decimal numbers ({min(nums):g}..{max(nums):g}), read as similarity scores"
        distinct = sorted({x for x in nums if x == int(x)})
        if name_hint and any(k in name_hint.lower() for k in ("score", "sim", "relat", "分", "相似")):
            return "scored_pair", f"'{name_hint}' is named like a score ({distinct[0]:g}..{distinct[-1]:g})"
        if len(distinct) <= 3:
            shown = "/".join(f"{d:g}" for d in distinct)
            return "labelled_pair", f"'{name_hint}' holds only the whole numbers {shown}, read as class labels"
        return "scored_pair", f"'{name_hint}' holds whole numbers {distinct[0]:g}..{distinct[-1]:g} ({len(distinct)} values), read as similarity scores"
    words = sorted({str(v).strip() for v in vals if not is_number(v)})[:6]
    return "labelled_pair", f"'{name_hint}' holds words ({', '.join(words)}), read as class labels"


# --------------------------------------------------------------------------------------------- detection


def _columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if c != "_row"]


def _by_name(cols: list[str], names: list[str], exclude: set[str], kinds: dict[str, str], want: set[str]) -> Optional[str]:
    normed = {}
    for c in cols:
        normed.setdefault(norm_name(c), c)
    for n in names:
        c = normed.get(n)
        if c is not None and c not in exclude and kinds.get(c) in want:
            return c
    return None


def _all_by_name(cols: list[str], names: list[str], exclude: set[str], kinds: dict[str, str], want: set[str]) -> list[str]:
    order = {n: i for i, n in enumerate(names)}
    hits = [c for c in cols if norm_name(c) in order and c not in exclude and kinds.get(c) in want]
    return sorted(hits, key=lambda c: order[norm_name(c)])


def detect_format(df: pd.DataFrame) -> Detection:
    """Guess the format and column mapping of a table read by ``read_table``.

    Input: a DataFrame (a ``_row`` column is ignored). Output: ``Detection``. Never raises; a table that
    fits nothing gets ``format="unknown"``, confidence 0 and a reason.
    """
    cands = _candidates(df)
    if not cands:
        cols = ", ".join(_columns(df)) or "(none)"
        return Detection("unknown", {}, 0.0, [f"found no pair of text columns (query/passage or sentence1/sentence2) and no text + label columns; columns are: {cols}"])
    cands.sort(key=lambda d: -d.confidence)
    best = cands[0]
    blank = [c for c in _columns(df) if c not in best.mapping.values() and bool(df[c].map(_is_empty).all())]
    if blank:  # e.g. a score column left empty: the data reads as another format, and the user should know why
        names = ", ".join(repr(str(c)) for c in blank)
        best.reasons.append(f"column(s) {names} are empty in every row, so they were not used")
    seen = {(best.format, tuple(sorted(best.mapping.items())))}
    for d in cands[1:]:
        key = (d.format, tuple(sorted(d.mapping.items())))
        if key not in seen:
            seen.add(key)
            best.alternatives.append(d)
    return best


def _candidates(df: pd.DataFrame) -> list[Detection]:
    cols = _columns(df)
    sample = df.head(500)
    kinds = {c: profile_column(sample[c]) for c in cols}
    out: list[Detection] = []
    text = {"text", "words"}  # a named text column may hold few distinct values in a small file
    value = {"number", "words"}

    # qpn: a query column and a list of positives
    q = _by_name(cols, FIRST_NAMES, set(), kinds, text)
    pos_list = _by_name(cols, QPN_POS_NAMES, set(), kinds, {"list"})
    if q and pos_list:
        mapping = {"query": q, "pos": pos_list}
        reasons = [f"'{pos_list}' holds lists of passages for the query in '{q}' (FlagEmbedding / RAG-Retrieval style)"]
        neg_list = _by_name(cols, QPN_NEG_NAMES, {pos_list}, kinds, {"list"})
        if neg_list:
            mapping["neg"] = neg_list
        for role, names in QPN_EXTRA_NAMES.items():
            want = {"list"} if role.endswith("_scores") else {"text", "words", "number"}
            c = _by_name(cols, names, set(mapping.values()), kinds, want)
            if c:
                mapping[role] = c
        out.append(Detection("qpn", mapping, 0.95, reasons))

    first = _by_name(cols, FIRST_NAMES, set(), kinds, text)
    second = _by_name(cols, SECOND_NAMES, {first} if first else set(), kinds, text) if first else None
    used = {c for c in (first, second) if c}
    neg = _by_name(cols, NEGATIVE_NAMES, used, kinds, text) if second else None
    scores = _all_by_name(cols, SCORE_NAMES, used, kinds, value | {"text"})
    scores = [c for c in scores if kinds[c] != "text" or _mostly_numbers(sample[c])]
    labels = _all_by_name(cols, LABEL_NAMES, used | set(scores), kinds, value | {"text"})
    labels = [c for c in labels if kinds[c] != "text" or _short_values(sample[c])]
    named = bool(first)

    if not named:  # positional: headerless files or unknown names
        texts = [c for c in cols if kinds[c] == "text"]
        values = [c for c in cols if kinds[c] in value]
        if texts:
            first = texts[0]
            second = texts[1] if len(texts) > 1 else None
            neg = texts[2] if len(texts) > 2 else None
            scores = labels = values[-1:]  # the last value column, e.g. s1<TAB>s2<TAB>label
    elif not second and not (labels or scores):  # a known first column, an unknown second one
        others = [c for c in cols if c != first and kinds[c] == "text"]
        if others:
            second, named = others[0], False
    conf = 1.0 if named else 0.75
    where = "named" if named else "by position"

    if first and second and neg:
        out.append(Detection("triplet", {"anchor": first, "positive": second, "negative": neg}, 0.95 * conf,
                             [f"text columns {where}: anchor '{first}', positive '{second}', negative '{neg}'"]))
    if first and second:
        for col in dict.fromkeys(scores + labels):
            fmt, why = score_or_label(df[col], str(col))
            name_is_score = col in scores and named and col not in labels
            c = 0.9 if (fmt == "scored_pair") == name_is_score or not named else 0.8
            out.append(Detection(fmt, {"sentence1": first, "sentence2": second, ("score" if fmt == "scored_pair" else "label"): col},
                                 c * conf, [f"sentence columns {where}: '{first}' and '{second}'", why]))
        pair_conf = (0.9 if not (scores or labels or neg) else 0.5) * conf
        out.append(Detection("pair", {"anchor": first, "positive": second}, pair_conf,
                             [f"text columns {where}: anchor '{first}', positive '{second}'"]))
        # other second-text candidates (e.g. 'answer' besides 'context') as alternatives
        for other in _all_by_name(cols, SECOND_NAMES, {first, second} | ({neg} if neg else set()), kinds, text):
            out.append(Detection("pair", {"anchor": first, "positive": other}, 0.4 * conf,
                                 [f"text columns {where}: anchor '{first}', positive '{other}'"]))
    elif first:
        for col in dict.fromkeys(labels + scores):
            out.append(Detection("labelled_sentence", {"text": first, "label": col}, 0.8 * conf,
                                 [f"one text column '{first}' and a label column '{col}'"]))
    return out


# ------------------------------------------------------------------------------------------ user override


def canonical_format(name: str) -> str:
    """Return the canonical format key for a user-typed name, or raise ``ConfigError``-like ``DataError``."""
    key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
    key = ALIASES.get(key, key)
    if key not in FORMATS:
        raise DataError(f"Unknown data format '{name}'; expected one of: {', '.join(FORMATS)}.")
    return key


def _generic_role(role: str) -> Optional[str]:
    r = role.strip().lower()
    for generic, names in ROLE_ALIASES.items():
        if r in names:
            return generic
    return None


def resolve_format(df: pd.DataFrame, format: Optional[str] = None, mapping: Optional[dict[str, str]] = None,
                   name: str = "file") -> Detection:
    """Detect the format, letting a user-given ``format`` and/or ``mapping`` win.

    ``mapping`` is {role: column}; roles may be the canonical ones of the format or their aliases (``anchor``
    and ``sentence1`` are interchangeable, as are ``positive``/``sentence2``/``pos``, ``negative``/``neg``).
    Roles left out are filled from detection. Raises ``DataError`` when a mapped column is missing (listing
    the available columns) or when a required role cannot be filled.
    """
    cols = _columns(df)
    available = ", ".join(f"'{c}'" for c in cols)
    detected = detect_format(df)
    fmt = canonical_format(format) if format else None
    user: dict[str, str] = {}
    for role, col in (mapping or {}).items():
        real = col if col in cols else next((c for c in cols if str(c).strip().lower() == str(col).strip().lower()), None)
        if real is None:
            raise DataError(f"The mapping {role}={col} names a column that {name} does not have; available columns: {available}.")
        user[str(role).strip()] = real
    if fmt is None and user:
        fmt = _format_from_roles(user, detected)
    if fmt is None:
        return detected
    roles = FORMAT_ROLES[fmt]
    canon_of = {g: r for g, r in roles.items()}
    extras = set(FORMATS[fmt]["optional"]) if fmt == "qpn" else set()
    final: dict[str, str] = {}
    for role, col in user.items():
        generic = _generic_role(role)
        if role in FORMATS[fmt]["required"] or role in extras:
            final[role] = col
        elif generic in canon_of:
            final[canon_of[generic]] = col
        else:
            raise DataError(f"The mapping {role}={col} uses a role the {fmt} format does not have; its roles are: {', '.join(FORMATS[fmt]['required'] + sorted(extras))}.")
    # fill the rest from the best detection candidate of this format
    pool = [detected] + detected.alternatives
    same = [d for d in pool if d.format == fmt]
    base = same[0].mapping if same else _translate(pool, fmt)
    for role, col in base.items():
        if role not in final and col not in final.values():
            final[role] = col
    missing = [r for r in FORMATS[fmt]["required"] if r not in final]
    if missing:
        need = ", ".join(f"'{m}'" for m in missing)
        empty = [c for c in cols if not df[c].map(lambda v: isinstance(v, str) and bool(v.strip())).any()
                 and not df[c].map(lambda v: isinstance(v, (list, tuple)) and len(v) > 0).any()]
        if empty:  # the column is there but holds no text, so detection could not use it
            blank = ", ".join(f"'{c}'" for c in empty)
            raise DataError(f"{name} has no usable row for the {fmt} format: its column(s) {blank} hold no text in any "
                            "row; fill them or remove the file.")
        raise DataError(f"The {fmt} format needs a column for {need} but none was found in {name}; map it (e.g. {missing[0]}=COLUMN) using one of the available columns: {available}.")
    order = FORMATS[fmt]["columns"]
    final = {r: final[r] for r in sorted(final, key=lambda r: order.index(r) if r in order else len(order))}
    reasons = ["format chosen by you" if format else f"format follows from your mapping ({fmt})"]
    if user:
        reasons.append("mapping given by you: " + ", ".join(f"{k}={v}" for k, v in user.items()))
    return Detection(fmt, final, 1.0, reasons, [d for d in pool if d.format != fmt or d.mapping != final])


def _translate(pool: list[Detection], fmt: str) -> dict[str, str]:
    """Reuse text columns of any detected candidate under another format's role names."""
    target = FORMAT_ROLES[fmt]
    for d in pool:
        src = FORMAT_ROLES.get(d.format, {})
        out = {}
        for generic, role in src.items():
            if generic in target and role in d.mapping:
                out[target[generic]] = d.mapping[role]
        if out:
            return out
    return {}


def _roles_fit(fmt: str, roles) -> bool:
    allowed = set(FORMATS[fmt]["required"]) | set(FORMATS[fmt]["optional"])
    return all(r in allowed or _generic_role(r) in FORMAT_ROLES[fmt] for r in roles)


def _format_from_roles(user: dict[str, str], detected: Detection) -> str:
    if detected.format in FORMATS and _roles_fit(detected.format, user):
        return detected.format
    generics = {_generic_role(r) or r for r in user}
    if {"query", "pos"} & set(user) or "neg" in user and "query" in user:
        return "qpn"
    if "negative" in generics:
        return "triplet"
    if "score" in generics:
        return "scored_pair"
    if "label" in generics:
        if "second" in generics or detected.format in ("pair", "triplet", "scored_pair", "labelled_pair"):
            return "labelled_pair"
        return "labelled_sentence"
    if detected.format in FORMATS and detected.format not in ("qpn",):
        return detected.format if detected.format in ("pair", "triplet") else "pair"
    return "pair"
