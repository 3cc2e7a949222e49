"""Queries without an LLM: inverse cloze, titles and SimCSE self-pairs.

- ``pseudo_queries(passages, mode="inverse_cloze"|"title", seed=42)``: inverse cloze task (one sentence
  becomes the query and is removed from its passage) or headings / short first lines as queries;
  ``pseudo_queries_report(...) -> PseudoReport`` gives the same rows plus why each passage that gave no query
  was skipped (``report.sentences()``: "1 passage gave no query: it has fewer than two sentences (p5).").
- ``simcse_rows(sentences)``: each sentence paired with itself (unsupervised SimCSE).

Rows are ``core.builder.rows.qpn_row`` rows marked ``synthetic: "ict"`` / ``"title"`` / ``"simcse"``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.builder.chunking import Passage, is_cjk, split_sentences
from core.builder.rows import norm_key, qpn_row
from core.errors import ConfigError
from core.progress import ProgressFn, Tracker


def _find_span(text: str, sentence: str) -> tuple[int, int] | None:
    """Where ``sentence`` sits in ``text``, allowing whitespace/line breaks to differ."""
    i = text.find(sentence)
    if i >= 0:
        return i, i + len(sentence)
    chars = [re.escape(c) for c in sentence if not c.isspace()]
    if not chars:
        return None
    m = re.search(r"\s*".join(chars), text)
    return (m.start(), m.end()) if m else None


def _tidy(text: str) -> str:
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    return re.sub(r"\n{2,}", "\n", text).strip()


def _query_sized(s: str, min_chars: int) -> bool:
    if any(is_cjk(c) for c in s):
        return len(s) >= max(4, min_chars // 2)
    return len(s) >= min_chars and len(s.split()) >= 3


_TITLE_END = re.compile(r"[.。!?！？;；:：,，]$")


def _title_of(passage: Passage, max_chars: int = 80) -> tuple[str, str] | None:
    """(title, body) when the passage starts with its heading or a short title-like first line."""
    text = passage.text
    first, _, body = text.partition("\n")
    first, body = first.strip(), body.strip()
    if not body:
        return None
    if passage.title and first == passage.title.strip():
        return first, body
    if len(first) <= max_chars and not _TITLE_END.search(first) and len(norm_key(first)) >= 2 and not first.isdigit():
        if split_sentences(text)[0] == first:  # really a line of its own, not the start of a sentence
            return first, body
    return None


SKIP_REASONS = {
    "one_sentence": "it has fewer than two sentences (one becomes the query, the rest the passage)",
    "short_sentences": "no sentence is long enough to be a query (at least {min} characters and 3 words, half for Chinese)",
    "rest_too_short": "too little text is left once the query sentence is taken out",
    "not_found": "the chosen sentence could not be located in the passage text",
    "no_title": "it does not start with a heading or a short title-like line",
}


@dataclass
class PseudoReport:
    """``rows``: the pairs made; ``skipped`` {reason: [passage ids]} for passages that gave no query (reasons in
    ``SKIP_REASONS``); ``passages``: how many went in, so ``passages == len(rows) + sum(skipped)``."""

    rows: list[dict]
    passages: int
    skipped: dict[str, list[str]] = field(default_factory=dict)
    min_query_chars: int = 12

    @property
    def skipped_total(self) -> int:
        return sum(len(v) for v in self.skipped.values())

    def sentences(self) -> list[str]:
        """One plain sentence per reason, e.g. "1 passage gave no query: it has fewer than two sentences (p5)."."""
        out = []
        for reason, ids in self.skipped.items():
            why = SKIP_REASONS[reason].format(min=self.min_query_chars)
            shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5} more" if len(ids) > 5 else "")
            out.append(f"{len(ids)} passage{'s' if len(ids) != 1 else ''} gave no query: {why} ({shown}).")
        return out


def pseudo_queries(
    passages: Sequence[Passage],
    mode: str = "inverse_cloze",
    seed: int = 42,
    min_query_chars: int = 12,
    progress: ProgressFn | None = None,
) -> list[dict]:
    """The rows of ``pseudo_queries_report`` (same arguments)."""
    return pseudo_queries_report(passages, mode, seed, min_query_chars, progress).rows


def pseudo_queries_report(
    passages: Sequence[Passage],
    mode: str = "inverse_cloze",
    seed: int = 42,
    min_query_chars: int = 12,
    progress: ProgressFn | None = None,
) -> PseudoReport:
    """Queries without an LLM, with the reason for every passage that gave none.

    ``mode="inverse_cloze"`` (alias "ict"): for each passage with at least two sentences, one sentence
    (chosen with a generator seeded by ``seed`` and the passage id, so results do not depend on order)
    becomes the query and is removed from the positive. Sentences shorter than ``min_query_chars``
    (half for Chinese) are not chosen; a heading is never chosen.
    ``mode="title"``: a passage that starts with a Markdown heading or a short title-like first line gives
    (title, rest of the passage). Rows are marked ``synthetic: "ict"`` / ``"title"``."""
    mode = {"ict": "inverse_cloze", "titles": "title"}.get(mode, mode)
    if mode not in ("inverse_cloze", "title"):
        raise ConfigError(f"The pseudo-query mode '{mode}' is not known (expected inverse_cloze or title).")
    tracker = Tracker(mode, len(passages), progress)
    report = PseudoReport(rows=[], passages=len(passages), min_query_chars=min_query_chars)

    def skip(reason: str, p: Passage) -> None:
        where = f"{Path(str(p.source)).name} " if p.source else ""
        report.skipped.setdefault(reason, []).append(f"{where}{p.id}")

    for p in passages:
        tracker.update(1)
        if mode == "title":
            got = _title_of(p)
            if got:
                report.rows.append(qpn_row(got[0], p, pos_text=got[1], synthetic="title"))
            else:
                skip("no_title", p)
            continue
        sentences = split_sentences(p.text)
        titled = _title_of(p)
        if titled and sentences and sentences[0] == titled[0]:
            sentences = sentences[1:]
        if len(sentences) < 2:
            skip("one_sentence", p)
            continue
        choices = [s for s in sentences if _query_sized(s, min_query_chars)]
        if not choices:
            skip("short_sentences", p)
            continue
        rng = random.Random(f"{seed}:{p.id}")
        query = rng.choice(choices)
        span = _find_span(p.text, query)
        if span is None:
            skip("not_found", p)
            continue
        rest = _tidy(p.text[: span[0]] + " " + p.text[span[1]:])
        if len(norm_key(rest)) < 4:
            skip("rest_too_short", p)
            continue
        report.rows.append(qpn_row(query, p, pos_text=rest, synthetic="ict"))
    return report


def simcse_rows(sentences: Iterable[str | Passage], min_chars: int = 8, dedupe: bool = True) -> list[dict]:
    """Each sentence paired with itself (``synthetic: "simcse"``). Strings are used as given; a
    ``Passage`` contributes its sentences with its metadata. Sentences shorter than ``min_chars`` (half
    for Chinese) are dropped; duplicates too when ``dedupe``."""
    rows: list[dict] = []
    seen: set[str] = set()
    for item in sentences:
        if isinstance(item, Passage):
            pairs = [(s, item) for s in split_sentences(item.text)]
        else:
            pairs = [(str(item).strip(), None)]
        for s, p in pairs:
            if len(s) < (max(4, min_chars // 2) if any(is_cjk(c) for c in s) else min_chars):
                continue
            if dedupe:
                k = norm_key(s)
                if k in seen:
                    continue
                seen.add(k)
            rows.append(qpn_row(s, p, pos_text=s, synthetic="simcse"))
    return rows
