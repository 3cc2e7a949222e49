"""Split documents into passages without cutting sentences.

- ``split_sentences(text) -> list[str]``: Chinese boundaries after 。！？； (plus closing quotes ”’」』 and
  brackets after them, and half-width !? between Chinese characters); English boundaries after . ! ?
  followed by a space and a capital / digit / CJK character, not after abbreviations ("e.g.", "Dr.",
  initials like "J." or "U.S.") and never inside decimals ("3.5") or list numbers ("1. First").
  Blank lines, Markdown headings (``# Title``) and list items also end a sentence; the lines of a wrapped
  paragraph (PDF) are joined first (no space between Chinese characters, "exam-\\nple" de-hyphenated).
- ``chunk(documents, size=512, overlap=64, unit="chars"|"tokens", tokenizer=None) -> list[Passage]``:
  sentences are packed into passages of at most ``size`` units; neighbouring passages share whole trailing
  sentences up to ``overlap`` units; only a single sentence longer than ``size`` is hard-split (at a comma
  or space when one is near). Passages never span two pages; ``Passage.title`` is the Markdown heading in
  force. Ids are stable: a hash of source, page and chunk index.
"""

from __future__ import annotations

import hashlib
import re
import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from core.errors import ConfigError, ModelSourceError
from core.progress import ProgressFn, Tracker


@dataclass
class Passage:
    """A chunk of one page. ``page`` counts from 1; ``chunk_index`` counts passages within the document."""

    id: str
    text: str
    source: str
    page: int
    chunk_index: int
    title: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Passage:
        return cls(
            id=str(d["id"]), text=str(d["text"]), source=str(d.get("source", "")), page=int(d.get("page", 1) or 1),
            chunk_index=int(d.get("chunk_index", 0) or 0), title=d.get("title") or None,
        )


def passage_id(source: str, page: int, chunk_index: int) -> str:
    """Stable id: first 16 hex digits of sha1(source, page, chunk index)."""
    return hashlib.sha1(f"{source}\x00{page}\x00{chunk_index}".encode()).hexdigest()[:16]


# ------------------------------------------------------------------------------------------ characters


def is_cjk(c: str) -> bool:
    """True for Chinese/Japanese ideographs and CJK punctuation."""
    o = ord(c)
    return (
        0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF or 0x20000 <= o <= 0x2FFFF
        or 0x3000 <= o <= 0x303F or 0xFF00 <= o <= 0xFFEF or 0x3040 <= o <= 0x30FF
    )


def cjk_share(text: str) -> float:
    """Share of CJK ideographs among letters (CJK + alphabetic); 0.0 for text without letters."""
    cjk = sum(1 for c in text if is_cjk(c) and c.isalpha())
    letters = sum(1 for c in text if c.isalpha())
    return cjk / letters if letters else 0.0


def _joiner(left: str, right: str) -> str:
    if not left or not right:
        return ""
    return "" if is_cjk(left[-1]) and is_cjk(right[0]) else " "


# ------------------------------------------------------------------------------------------ paragraphs

_HEADING = re.compile(r"^(#{1,6})\s+(\S.*?)\s*#*\s*$")
_LIST_ITEM = re.compile(r"^(?:[-*•·▪●○◦]\s+|\(?\d{1,3}[.)、．]\s*|[（(][一二三四五六七八九十\d]+[)）]\s*|[一二三四五六七八九十]+、)")
_LINE_END_TERMINAL = re.compile(r"[。！？；.!?:：…”’」』\"')）]$")


@dataclass
class _Para:
    text: str
    heading: bool = False  # a Markdown heading (its text, without the #)
    line: bool = False  # a stand-alone short line (title-like) kept apart from its neighbours


def _paragraphs(text: str) -> list[_Para]:
    """Group lines into paragraphs: blank lines, headings, list items and short title-like lines break;
    other line breaks are soft (wrapped text) and are joined."""
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lengths = [len(x) for x in lines if x and not _HEADING.match(x)]
    median = statistics.median(lengths) if len(lengths) >= 3 else None
    paras: list[_Para] = []
    cur: list[str] = []

    def flush() -> None:
        if cur:
            joined = cur[0]
            for nxt in cur[1:]:
                if joined.endswith("-") and len(joined) > 1 and joined[-2].isalpha() and nxt[:1].islower():
                    joined = joined[:-1] + nxt
                else:
                    joined += _joiner(joined, nxt) + nxt
            paras.append(_Para(joined))
            cur.clear()

    for i, line in enumerate(lines):
        if not line:
            flush()
            continue
        m = _HEADING.match(line)
        if m:
            flush()
            paras.append(_Para(m.group(2), heading=True))
            continue
        if _LIST_ITEM.match(line):
            flush()
            cur.append(line)
            continue
        nxt = next((x for x in lines[i + 1:] if x), "") if i + 1 < len(lines) and lines[i + 1] else ""
        at_start = not cur or bool(_LINE_END_TERMINAL.search(cur[-1]))
        short = len(line) <= 60 and (median is None or len(line) < 0.6 * median)
        if (at_start and short and nxt and not _LINE_END_TERMINAL.search(line) and not line.endswith((",", "，", "、"))
                and (nxt[0].isupper() or nxt[0].isdigit() or is_cjk(nxt[0]) or nxt[0] in "#\"“「(（")):
            flush()
            paras.append(_Para(line, line=True))
            continue
        cur.append(line)
    flush()
    return paras


# ------------------------------------------------------------------------------------------- sentences

_TERMINATOR = re.compile(r"(?:[。！？；]|[.!?]|…)+[”’」』\"'）)\]】》]*")
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "vs", "e.g", "i.e", "fig", "figs", "no", "nos", "vol",
    "pp", "inc", "ltd", "co", "corp", "dept", "univ", "approx", "est", "al", "cf", "jan", "feb", "mar", "apr",
    "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "mt", "gen", "col", "capt", "rev", "hon", "a.m",
    "p.m", "ph.d", "u.s", "u.k", "eq", "ref", "refs", "ed", "eds", "resp", "viz",
}
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")
_INITIALS = re.compile(r"^(?:[A-Za-z]\.)*[A-Za-z]$")


def _is_boundary(text: str, m: re.Match, sent_start: int) -> bool:
    term = m.group()
    rest = text[m.end():]
    if not rest.strip():
        return True
    if any(c in term for c in "。！？；"):
        return True
    before = text[: m.start()]
    if not rest[0].isspace():
        # half-width ! ? or . between Chinese characters (e.g. "真的吗?然后")
        return bool(before) and is_cjk(before[-1]) and is_cjk(rest[0]) and term[0] in "!?…."
    nxt = rest.lstrip()[0]
    if nxt.islower():
        return False
    if not (nxt.isupper() or nxt.isdigit() or is_cjk(nxt) or nxt in "\"'“‘「『([（【#*-•"):
        return False
    if term[0] == ".":
        wm = _WORD_BEFORE.search(before)
        if wm:
            word = wm.group(1)
            if word.lower().rstrip(".") in _ABBREVIATIONS or _INITIALS.match(word):
                return False
        if re.fullmatch(r"\s*\(?\d{1,3}", text[sent_start: m.start()]):  # "1. First item"
            return False
    return True


def _split_para(text: str) -> list[str]:
    out: list[str] = []
    start = 0
    for m in _TERMINATOR.finditer(text):
        if m.end() <= start:
            continue
        if _is_boundary(text, m, start):
            piece = text[start: m.end()].strip()
            if piece:
                out.append(piece)
            start = m.end()
    tail = text[start:].strip()
    if tail:
        out.append(tail)
    return out


def split_sentences(text: str) -> list[str]:
    """Split ``text`` into sentences (see module docstring). Headings come out as their own sentence
    without the ``#`` marks; whitespace at the ends is stripped; no empty strings."""
    out: list[str] = []
    for para in _paragraphs(text):
        if para.heading or para.line:
            out.append(para.text)
        else:
            out.extend(_split_para(para.text))
    return out


# ----------------------------------------------------------------------------------------------- units

_APPROX_TOKEN = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]|[A-Za-z]+|\d+|[^\sA-Za-z\d]")


class Measure:
    """Length of text in characters or tokens, and where to cut to stay within a budget.

    ``tokenizer``: a Hugging Face tokenizer (anything with ``encode``), a callable returning a token list,
    a path to a local tokenizer / model folder, or None (tokens are then approximated: one per Chinese
    character, word, number or punctuation mark)."""

    def __init__(self, unit: str = "chars", tokenizer: Any = None):
        if unit not in ("chars", "tokens"):
            raise ConfigError(f"The chunk unit '{unit}' is not known (expected 'chars' or 'tokens').")
        self.unit = unit
        self.approximate = unit == "tokens" and tokenizer is None
        self._count: Callable[[str], int]
        if unit == "chars":
            self._count = len
        elif tokenizer is None:
            self._count = lambda t: len(_APPROX_TOKEN.findall(t))
        else:
            tok = load_tokenizer(tokenizer) if isinstance(tokenizer, (str, Path)) else tokenizer
            if hasattr(tok, "encode"):
                self._count = lambda t: len(tok.encode(t, add_special_tokens=False))
            elif callable(tok):
                self._count = lambda t: len(tok(t))
            else:
                raise ConfigError("The tokenizer must be a tokenizer object, a callable or a local folder path.")

    def length(self, text: str) -> int:
        return len(text) if self.unit == "chars" else self._count(text)

    def cut(self, text: str, budget: int) -> int:
        """Largest index ``i`` such that ``length(text[:i]) <= budget`` (at least 1 for non-empty text)."""
        if self.unit == "chars":
            return max(1, min(budget, len(text)))
        lo, hi = 1, len(text)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self._count(text[:mid]) <= budget:
                lo = mid
            else:
                hi = mid - 1
        return lo


def load_tokenizer(path: str | Path):
    """Load a tokenizer from a local folder (a Hugging Face or sentence-transformers model folder)."""
    from transformers import AutoTokenizer

    p = Path(path)
    candidates = [p] + [c.parent for c in sorted(p.glob("*/tokenizer_config.json"))] if p.is_dir() else []
    for cand in candidates:
        try:
            return AutoTokenizer.from_pretrained(str(cand), trust_remote_code=False, local_files_only=True)
        except Exception:
            continue
    raise ModelSourceError(f"No tokenizer could be loaded from '{path}' (expected a local model folder with tokenizer files).")


def _hard_split(text: str, size: int, overlap: int, measure: Measure) -> list[str]:
    """Cut one over-long sentence into pieces of at most ``size`` units, preferring a comma or space near
    the end of each piece; consecutive pieces share about ``overlap`` units."""
    pieces: list[str] = []
    rest = text
    while rest:
        if measure.length(rest) <= size:
            pieces.append(rest)
            break
        cut = measure.cut(rest, size)
        window = rest[:cut]
        for marks in ("，,、；;：:", " "):  # a clause mark near the end, else a space
            soft = max(window.rfind(c) for c in marks)
            if soft >= int(cut * 0.7) and cut < len(rest):
                cut = soft + 1
                break
        piece = rest[:cut].strip()
        if piece:
            pieces.append(piece)
        back = 0
        if overlap > 0:
            tail = rest[:cut]
            # keep at most `overlap` units of the end of this piece at the start of the next
            back = len(tail) - _cut_from_end(tail, overlap, measure)
            if back:
                lo = len(tail) - back
                for marks in ("，,、；;：:", " "):  # start the overlap after a clause mark, else a space
                    cands = [i for i in (tail.find(c, max(0, lo - 1)) for c in marks) if 0 <= i < len(tail) - 1]
                    if cands:
                        back = len(tail) - min(cands) - 1
                        break
        nxt = cut - back if 0 < back < cut else cut
        rest = rest[nxt:].lstrip()
    return pieces


def _cut_from_end(text: str, budget: int, measure: Measure) -> int:
    """Smallest index ``i`` such that ``length(text[i:]) <= budget``."""
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi) // 2
        if measure.length(text[mid:]) <= budget:
            hi = mid
        else:
            lo = mid + 1
    return lo


# ------------------------------------------------------------------------------------------- packing


@dataclass
class _Unit:
    text: str
    para: int
    length: int
    heading: bool
    title: str | None


def _join(units: Sequence[_Unit]) -> str:
    out = ""
    for k, u in enumerate(units):
        if k == 0:
            out = u.text
        elif u.para != units[k - 1].para:
            out += "\n" + u.text
        else:
            out += _joiner(out, u.text) + u.text
    return out


def chunk(
    documents: Sequence[Any],
    size: int = 512,
    overlap: int = 64,
    unit: str = "chars",
    tokenizer: Any = None,
    progress: ProgressFn | None = None,
) -> list[Passage]:
    """Cut ``documents`` (``core.builder.documents.Document``) into ``Passage`` objects.

    ``size``/``overlap`` are in ``unit`` ("chars" or "tokens"). Raises ConfigError for sizes that make no
    sense (size < 16 or overlap outside 0..size/2)."""
    if int(size) < 16:
        raise ConfigError(f"The chunk size {size} is too small (expected at least 16 {unit}).")
    if overlap < 0 or overlap > size // 2:
        raise ConfigError(f"The chunk overlap {overlap} must be between 0 and half the chunk size ({size // 2}).")
    measure = Measure(unit, tokenizer)
    tracker = Tracker("chunk", len(documents), progress)
    passages: list[Passage] = []
    for doc in documents:
        index = 0
        title: str | None = None
        for page in doc.pages:
            units: list[_Unit] = []
            for p_i, para in enumerate(_paragraphs(page.text)):
                if para.heading:
                    title = para.text
                sents = [para.text] if (para.heading or para.line) else _split_para(para.text)
                for s in sents:
                    units.append(_Unit(s, p_i, measure.length(s), para.heading, title))
            for units_of_chunk in _pack(units, size, overlap, measure):
                text = _join(units_of_chunk).strip()
                if not text:
                    continue
                first = units_of_chunk[0]
                passages.append(Passage(
                    id=passage_id(doc.source, page.page_number, index), text=text, source=doc.source,
                    page=page.page_number, chunk_index=index, title=first.title,
                ))
                index += 1
        tracker.update(1, Path(doc.source).name)
    return passages


def _pack(units: list[_Unit], size: int, overlap: int, measure: Measure) -> list[list[_Unit]]:
    chunks: list[list[_Unit]] = []
    cur: list[_Unit] = []

    def cur_len(extra: _Unit | None = None) -> int:
        items = cur + ([extra] if extra else [])
        return sum(u.length for u in items) + max(0, len(items) - 1)  # one joiner each, as an estimate

    def emit() -> list[_Unit]:
        """Close the current chunk; a trailing heading moves on to the next chunk."""
        carry: list[_Unit] = []
        while len(cur) > 1 and cur[-1].heading:
            carry.insert(0, cur.pop())
        if cur:
            chunks.append(list(cur))
        return carry

    for u in units:
        if u.length > size:
            carry = emit()
            cur.clear()
            cur.extend(carry)
            if cur:
                chunks.append(list(cur))
                cur.clear()
            for piece in _hard_split(u.text, size, overlap, measure):
                chunks.append([_Unit(piece, u.para, measure.length(piece), False, u.title)])
            continue
        if cur and cur_len(u) > size:
            carry = emit()
            tail: list[_Unit] = []
            if overlap > 0 and not carry and not u.heading:
                total = 0
                for prev in reversed(chunks[-1]):
                    if prev.heading or total + prev.length > overlap:
                        break
                    tail.insert(0, prev)
                    total += prev.length + 1
                if len(tail) == len(chunks[-1]):
                    tail = tail[1:]  # the next chunk must hold something new besides the overlap
            cur.clear()
            cur.extend(carry + tail)
            while cur and cur_len(u) > size:
                cur.pop(0)
        cur.append(u)
    emit()
    return chunks
