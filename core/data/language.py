"""Which language a dataset's texts are in: ``detect_language(texts) -> "en" | "zh" | "mixed"``.

The rule: over a sample of the texts (the first ``sample`` non-empty ones), the share of CJK ideographs among
all letters (CJK ideographs + Latin letters). At least ``zh_share`` -> ``"zh"``; at most ``en_share`` ->
``"en"``; between -> ``"mixed"``. Texts without any letter count as ``"en"`` (nothing says otherwise).
``text_language(text)`` gives one query's language (any CJK ideograph: ``"zh"``).
``languages_covered(model_language)`` says which of these a model source's language tag serves.
``file_language(path, format=None, mapping=None)`` detects a data file's language (loaded as ``load_data`` does).
"""

from __future__ import annotations

from collections.abc import Iterable

ZH_SHARE = 0.6
EN_SHARE = 0.1


def _is_cjk(ch: str) -> bool:
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2A6DF)


def text_language(text: str) -> str:
    """``"zh"`` when one short text (a query) holds any CJK ideograph, else ``"en"``: a query is one language."""
    return "zh" if isinstance(text, str) and any(_is_cjk(ch) for ch in text) else "en"


def cjk_share(texts: Iterable[str], sample: int = 500) -> float:
    """Share of CJK ideographs among CJK ideographs + Latin letters in the first ``sample`` texts (0 if none)."""
    cjk = latin = 0
    seen = 0
    for text in texts:
        if not isinstance(text, str) or not text.strip():
            continue
        for ch in text:
            if _is_cjk(ch):
                cjk += 1
            elif ch.isascii() and ch.isalpha():
                latin += 1
        seen += 1
        if seen >= sample:
            break
    letters = cjk + latin
    return cjk / letters if letters else 0.0


def detect_language(texts: Iterable[str], sample: int = 500, zh_share: float = ZH_SHARE,
                    en_share: float = EN_SHARE) -> str:
    """``"zh"``, ``"en"`` or ``"mixed"`` for ``texts`` (strings; other values are skipped)."""
    return language_of_share(cjk_share(texts, sample), zh_share, en_share)


def language_of_share(share: float, zh_share: float = ZH_SHARE, en_share: float = EN_SHARE) -> str:
    """``"zh"``, ``"en"`` or ``"mixed"`` for a share of CJK characters (the one rule ``detect_language`` and the
    recipe's ``data_language`` use)."""
    if share >= zh_share:
        return "zh"
    if share <= en_share:
        return "en"
    return "mixed"


def languages_covered(model_language: str) -> set[str]:
    """The data languages a model source serves: ``"en"`` -> {"en"}; ``"multilingual"`` -> all three;
    ``"zh"`` -> {"zh"}; anything else -> none known."""
    return {"en": {"en"}, "zh": {"zh"}, "multilingual": {"en", "zh", "mixed"}}.get(model_language, set())


def texts_of(df, limit: int = 500) -> list[str]:
    """Up to ``limit`` texts from a canonical data frame (string cells and lists of strings, ``_`` columns
    skipped), taken row by row so every column is represented."""
    out: list[str] = []
    cols = [c for c in df.columns if not str(c).startswith("_")]
    for _, row in df[cols].head(limit).iterrows():
        for v in row:
            if isinstance(v, str):
                out.append(v)
            elif isinstance(v, (list, tuple)):
                out.extend(x for x in v if isinstance(x, str))
        if len(out) >= limit:
            break
    return out[:limit]


def file_language(path: str, format: str | None = None, mapping: dict | None = None) -> str:
    """``detect_language`` over the texts of the data file ``path`` (read by ``core.data.load_data`` with the
    given format and column mapping; a file it cannot read raises its ``DataError``)."""
    from core.data.loader import load_data

    return detect_language(texts_of(load_data(path, format=format, mapping=mapping or None).df))
