"""Turn passages into (query, passage) training rows.

Rows use the qpn layout of FlagEmbedding / RAG-Retrieval (``core.data`` format ``qpn``), so the
hard-negative miner can fill ``neg`` later::

    {"query": str, "pos": [passage text], "neg": [], "source": str|None, "page": int|None,
     "passage_id": str|None, "synthetic": "llm"|"ict"|"title"|"simcse", "augmented": bool}

- ``generate_queries_llm(passages, llm_config, api_key=None, n_per_passage=1, language="auto",
  prompt_template=None, out_path=..., progress=None) -> GenerationReport``: asks an OpenAI-compatible
  endpoint for questions (Chinese or English prompt per passage, by its share of CJK characters), parses
  the answers robustly (``parse_questions``), keeps only well-formed questions (``question_problem``) and
  appends one JSON line per passage to ``out_path`` as it goes (flushed). Re-running with the same
  ``out_path`` skips passages already answered, so an interrupted run never asks again for them; failed
  passages are asked again. ``report.rows`` holds the rows; ``report.to_dict()`` the numbers.
- ``pseudo_queries(passages, mode="inverse_cloze"|"title", seed=42)``: inverse cloze task (one sentence
  becomes the query and is removed from its passage) or headings / short first lines as queries;
  ``pseudo_queries_report(...) -> PseudoReport`` gives the same rows plus why each passage that gave no query
  was skipped (``report.sentences()``: "1 passage gave no query: it has fewer than two sentences (p5).").
- ``simcse_rows(sentences)``: each sentence paired with itself (unsupervised SimCSE).
- ``paraphrase_queries(rows, llm_config, ...) -> GenerationReport``: LLM rewrites of existing queries,
  marked ``augmented: true``.
- ``save_jsonl(rows, path)`` (atomic) and ``load_jsonl(path)``.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from core.builder.chunking import Passage, cjk_share, is_cjk, split_sentences
from core.builder.llm import LLMClient, LLMConfig, LLMError, imap_unordered
from core.errors import ConfigError, DataError
from core.paths import atomic_write_text
from core.progress import ProgressFn, Tracker

PROMPT_EN = """Read the passage below and write {n} different questions that a person might type into a search box and that this passage answers.
Each question must be answerable from the passage alone, must be written in English, and must not copy a sentence of the passage.

Passage:
\"\"\"
{passage}
\"\"\"

Reply with only a JSON array of {n} strings, for example: ["What is ...?"]"""

PROMPT_ZH = """阅读下面的段落，写出 {n} 个不同的、用户可能在搜索框里输入并且这段文字能够回答的问题。
每个问题都必须只凭这段文字就能回答，使用中文，不要照抄段落里的句子。

段落：
\"\"\"
{passage}
\"\"\"

只回复一个包含 {n} 个字符串的 JSON 数组，例如：["……是什么？"]"""

PARAPHRASE_EN = """Rewrite the search query below in {n} different ways that keep exactly the same meaning (different words, same intent). Write in English.

Query: {passage}

Reply with only a JSON array of {n} strings."""

PARAPHRASE_ZH = """用 {n} 种不同的说法改写下面的搜索问题，意思必须完全相同（换用不同的词语，意图不变），使用中文。

问题：{passage}

只回复一个包含 {n} 个字符串的 JSON 数组。"""

SYNTHETIC_KINDS = ("llm", "ict", "title", "simcse")


def detect_language(text: str) -> str:
    """"zh" when at least 30% of the letters are Chinese characters, else "en"."""
    return "zh" if cjk_share(text) >= 0.3 else "en"


def build_prompt(passage_text: str, n: int, language: str = "auto", template: str | None = None) -> str:
    """Fill a template: ``{passage}`` and ``{n}`` are replaced (other braces are left alone, so JSON
    examples in a template are fine)."""
    if template is None:
        lang = detect_language(passage_text) if language == "auto" else language
        template = PROMPT_ZH if lang == "zh" else PROMPT_EN
    return template.replace("{n}", str(n)).replace("{passage}", passage_text)


def check_template(template: str | None) -> None:
    """Raise ConfigError unless a custom prompt template contains ``{passage}``."""
    if template is not None and "{passage}" not in template:
        raise ConfigError("The prompt template must contain the placeholder {passage} (and may contain {n}).")


# ------------------------------------------------------------------------------------------- parsing

_FENCE = re.compile(r"```[a-zA-Z]*\s*\n?(.*?)```", re.S)
_THINK = re.compile(r"<think>.*?</think>", re.S | re.I)
_ITEM = re.compile(
    r"^\s*(?:[-*•·]\s+|\(?\d{1,2}[.)、．:：]\s*|[（(]\d{1,2}[)）]\s*|[一二三四五六七八九十]+[、.．]\s*|"
    r"(?:Q|Question|问题|查询|Query)\s*\d*\s*[:：.]\s*)(.+)$",
    re.I,
)
_LABEL = re.compile(r"^\s*(?:Q\d*|Question\s*\d*|Query\s*\d*|问题\s*\d*|查询\s*\d*)\s*[:：]\s*", re.I)
_KEYS = ("questions", "queries", "question", "query", "问题", "paraphrases", "rewrites", "items", "results")


def _strip_item(s: str) -> str:
    s = str(s).strip()
    s = _LABEL.sub("", s)
    s = s.strip().strip(",，").strip()
    for a, b in (('"', '"'), ("'", "'"), ("“", "”"), ("「", "」"), ("`", "`"), ("**", "**")):
        if len(s) >= 2 * len(a) and s.startswith(a) and s.endswith(b):
            s = s[len(a):-len(b)].strip()
    return " ".join(s.split())


def _from_json(obj: Any) -> list[str] | None:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, list):
        out = []
        for x in obj:
            if isinstance(x, str):
                out.append(x)
            elif isinstance(x, dict):
                for k in _KEYS:
                    if isinstance(x.get(k), str):
                        out.append(x[k])
                        break
        return out
    if isinstance(obj, dict):
        for k in _KEYS:
            if k in obj:
                return _from_json(obj[k])
        lists = [v for v in obj.values() if isinstance(v, list)]
        if len(lists) == 1:
            return _from_json(lists[0])
        strings = [v for v in obj.values() if isinstance(v, str)]
        return strings or None
    return None


def parse_questions(text: str) -> list[str]:
    """Questions found in an LLM answer: a JSON array, a JSON object with a ``questions``-like key, a
    numbered or bulleted list, lines ending in a question mark, or a single short line — inside or outside
    code fences, with prose around them ignored. Returns cleaned strings (may be empty)."""
    if not text:
        return []
    text = _THINK.sub("", str(text)).strip()
    fenced = _FENCE.findall(text)
    candidates = [f.strip() for f in fenced] + [text]
    for cand in candidates:
        for snippet in _json_snippets(cand):
            try:
                got = _from_json(json.loads(snippet))
            except (ValueError, TypeError):
                continue
            if got:
                cleaned = [_strip_item(x) for x in got if str(x).strip()]
                cleaned = [x for x in cleaned if x]
                if cleaned:
                    return cleaned
    body = fenced[0] if fenced else text
    lines = [ln.strip() for ln in body.splitlines() if ln.strip()]
    items = [m.group(1) for ln in lines if (m := _ITEM.match(ln))]
    if items:
        return [x for x in (_strip_item(i) for i in items) if x]
    asked = [ln for ln in lines if ln.rstrip("\"'”」").endswith(("?", "？"))]
    if asked:
        return [x for x in (_strip_item(a) for a in asked) if x]
    if len(lines) == 1:
        one = _strip_item(lines[0])
        return [one] if one else []
    return []


def _json_snippets(text: str) -> list[str]:
    """The whole text, then the outermost [...] and {...} spans."""
    out = [text]
    for open_c, close_c in (("[", "]"), ("{", "}")):
        i, j = text.find(open_c), text.rfind(close_c)
        if 0 <= i < j:
            out.append(text[i: j + 1])
    return out


def _norm(s: str) -> str:
    return re.sub(r"[\W_]+", "", s.lower())


def question_problem(question: str, passage: str = "", max_statement_chars: int = 64) -> str | None:
    """Why ``question`` is not a well-formed query, or None when it is. Well-formed: not empty, not too
    long, ends like a question (? ？ 吗 呢) or is short (at most ``max_statement_chars`` characters, like a
    keyword query), and is not a copy of the passage or a whole sentence lifted from it."""
    q = (question or "").strip()
    if len(_norm(q)) < 2:
        return "empty"
    if len(q) > 300:
        return "too_long"
    questionish = q.rstrip("\"'”」").endswith(("?", "？", "吗", "呢", "么"))
    if passage:
        nq, np_ = _norm(q), _norm(passage)
        if nq == np_ or (len(nq) >= 0.5 * len(np_) and nq in np_):
            return "copies_passage"
        if not questionish and len(nq) >= 20 and nq in np_:
            return "copies_passage"
    if not questionish and len(q) > max_statement_chars:
        return "not_a_question"
    return None


# ---------------------------------------------------------------------------------------------- jsonl


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


# --------------------------------------------------------------------------------------- LLM queries


@dataclass
class GenerationReport:
    """Outcome of an LLM generation run over ``passages`` items (passages, or queries to paraphrase).

    Counts cover every item's latest record in the answers file (so a resumed run reports the whole job);
    ``asked`` / ``skipped_done`` / ``requests`` / ``retries`` are for this run only.
    ``well_formed_share`` = well-formed questions kept / (n_per_passage x items that got an answer)."""

    passages: int = 0
    n_per_passage: int = 1
    skipped_done: int = 0
    asked: int = 0
    ok: int = 0
    failed: int = 0
    questions: int = 0
    answered: int = 0
    well_formed_share: float | None = None
    errors: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    retries: int = 0
    retry_reasons: dict[str, int] = field(default_factory=dict)
    elapsed_seconds: float = 0.0
    out_path: str | None = None
    interrupted: bool = False
    rows: list[dict] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "rows"}
        d["rows"] = len(self.rows)
        return d

    def summary(self) -> str:
        share = "n/a" if self.well_formed_share is None else f"{self.well_formed_share:.0%}"
        errs = ", ".join(f"{k}: {v}" for k, v in sorted(self.errors.items())) or "none"
        return (f"{self.ok} of {self.passages} passages got questions ({self.failed} failed: {errs}); "
                f"well-formed share {share} at {self.n_per_passage} per passage; {self.retries} retries.")


@dataclass
class _Job:
    key: str
    prompt: str
    context: str  # text a question must not copy
    passage: Passage | None
    meta: dict


def _record_key(passage_or_text: str) -> str:
    return hashlib.sha1(passage_or_text.encode("utf-8")).hexdigest()[:16]


def _read_records(out_path: Path) -> dict[str, dict]:
    """Latest record per key from an append log (a torn last line is ignored)."""
    latest: dict[str, dict] = {}
    if out_path.exists():
        for rec in load_jsonl(out_path, tolerant=True):
            if "key" in rec:
                latest[str(rec["key"])] = rec
    return latest


def _run_jobs(
    jobs: list[_Job],
    llm_config: LLMConfig,
    api_key: str | None,
    n: int,
    out_path: str | os.PathLike,
    validate: Callable[[str, _Job], str | None],
    stage: str,
    progress: ProgressFn | None,
    should_stop: Callable[[], bool] | None,
    retry_failed: bool,
) -> tuple[GenerationReport, dict[str, dict]]:
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    records = _read_records(out_path)
    todo = [j for j in jobs if not (records.get(j.key, {}).get("status") == "ok"
                                    or (not retry_failed and j.key in records))]
    report = GenerationReport(passages=len(jobs), n_per_passage=n, skipped_done=len(jobs) - len(todo),
                              out_path=str(out_path))
    tracker = Tracker(stage, len(todo), progress)
    write_lock = threading.Lock()
    if out_path.exists() and out_path.stat().st_size:
        with open(out_path, "rb") as fh:
            fh.seek(-1, os.SEEK_END)
            torn = fh.read(1) != b"\n"
    else:
        torn = False

    with LLMClient(llm_config, api_key=api_key) as client, open(out_path, "a", encoding="utf-8") as log:
        if torn:
            log.write("\n")

        def ask(job: _Job) -> dict:
            if should_stop and should_stop():
                raise InterruptedError("stopped")
            messages = [{"role": "user", "content": job.prompt}]
            try:
                res = client.chat(messages)
            except LLMError as err:
                return {"status": "failed", "error": err.to_dict(), "attempts": err.attempts}
            found = parse_questions(res.text)
            kept, rejected = [], {}
            for q in found:
                why = validate(q, job)
                if why is None and _norm(q) not in {_norm(k) for k in kept}:
                    kept.append(q)
                else:
                    rejected[why or "duplicate"] = rejected.get(why or "duplicate", 0) + 1
            rec: dict[str, Any] = {"status": "ok" if kept else "failed", "questions": kept[:n],
                                   "found": len(found), "rejected": rejected, "attempts": res.attempts,
                                   "raw": res.text[:2000]}
            if not kept:
                rec["error"] = {"kind": "malformed", "message": f"no well-formed question in the answer ({len(found)} candidates)",
                                "attempts": res.attempts, "status": 200}
            return rec

        results = imap_unordered(ask, todo, llm_config.concurrency)
        n_ok = n_auth = 0
        try:
            for job, rec, err in results:
                if err is not None:
                    if isinstance(err, InterruptedError):
                        report.interrupted = True
                        break
                    rec = {"status": "failed", "error": {"kind": "internal", "message": str(err)[:300]}, "attempts": 0}
                rec = {"key": job.key, **job.meta, "n_requested": n, **rec,
                       "time": datetime.now(timezone.utc).isoformat(timespec="seconds")}
                with write_lock:
                    log.write(json.dumps(rec, ensure_ascii=False) + "\n")
                    log.flush()
                    os.fsync(log.fileno())
                records[job.key] = rec
                report.asked += 1
                kind = (rec.get("error") or {}).get("kind")
                if rec["status"] == "ok":
                    n_ok += 1
                elif kind == "auth":
                    n_auth += 1
                    if n_auth >= 3 and n_ok == 0:
                        status = (rec.get("error") or {}).get("status")
                        raise ConfigError(
                            f"The LLM endpoint {llm_config.endpoint} refused the API key (HTTP {status}) for the first "
                            f"{n_auth} requests; check that the environment variable {llm_config.api_key_env} holds a valid key."
                        )
                tracker.update(1, f"{rec['status']}")
                if should_stop and should_stop():
                    report.interrupted = True
                    break
        finally:
            results.close()
            report.requests = client.stats["requests"]
            report.retries = client.stats["retries"]
            report.retry_reasons = dict(client.stats["retry_reasons"])

    # totals over every job's latest record
    wf = 0
    for job in jobs:
        rec = records.get(job.key)
        if rec is None:
            continue
        kind = (rec.get("error") or {}).get("kind")
        if rec.get("status") == "ok":
            report.ok += 1
        else:
            report.failed += 1
            report.errors[kind or "unknown"] = report.errors.get(kind or "unknown", 0) + 1
        if rec.get("status") == "ok" or kind == "malformed":
            report.answered += 1
            got = len(rec.get("questions") or [])
            wf += min(n, got)
            report.questions += got
            for k, v in (rec.get("rejected") or {}).items():
                report.rejected[k] = report.rejected.get(k, 0) + int(v)
    report.well_formed_share = round(wf / (n * report.answered), 4) if report.answered else None
    report.elapsed_seconds = round(time.monotonic() - start, 3)
    return report, records


def generate_queries_llm(
    passages: Sequence[Passage],
    llm_config: LLMConfig,
    api_key: str | None = None,
    n_per_passage: int = 1,
    language: str = "auto",
    prompt_template: str | None = None,
    out_path: str | os.PathLike = "llm_questions.jsonl",
    progress: ProgressFn | None = None,
    should_stop: Callable[[], bool] | None = None,
    retry_failed: bool = True,
) -> GenerationReport:
    """Ask the LLM for ``n_per_passage`` questions per passage; see the module docstring.

    ``language``: "auto" (per passage), "zh" or "en" (picks the built-in prompt; ignored with a custom
    ``prompt_template``). ``out_path``: the append log used for resuming (one JSON line per passage: key,
    passage_id, status, questions, error, attempts, raw answer). Returns a ``GenerationReport`` whose
    ``rows`` are qpn rows marked ``synthetic: "llm"``."""
    if language not in ("auto", "zh", "en"):
        raise ConfigError(f"The language '{language}' is not supported (expected auto, zh or en).")
    if not 1 <= int(n_per_passage) <= 20:
        raise ConfigError(f"Questions per passage must be between 1 and 20 (got {n_per_passage}).")
    check_template(prompt_template)
    n = int(n_per_passage)
    jobs = []
    for p in passages:
        prompt = build_prompt(p.text, n, language, prompt_template)
        # the key covers the prompt: a changed passage or template is asked again
        jobs.append(_Job(_record_key(f"{p.id}\x00{prompt}"), prompt, p.text, p, {"passage_id": p.id}))

    def validate(q: str, job: _Job) -> str | None:
        return question_problem(q, job.context)

    report, records = _run_jobs(jobs, llm_config, api_key, n, out_path, validate, "llm", progress, should_stop, retry_failed)
    for job in jobs:
        rec = records.get(job.key)
        if rec and rec.get("status") == "ok":
            for q in (rec.get("questions") or [])[:n]:
                report.rows.append(qpn_row(q, job.passage, synthetic="llm"))
    return report


def paraphrase_queries(
    rows: Sequence[dict],
    llm_config: LLMConfig,
    api_key: str | None = None,
    n_per_query: int = 1,
    language: str = "auto",
    out_path: str | os.PathLike = "llm_paraphrases.jsonl",
    progress: ProgressFn | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> GenerationReport:
    """Ask the LLM to rewrite each row's query ``n_per_query`` times. ``report.rows`` holds only the new
    rows: same positives/negatives/metadata, new query, ``augmented: True``, ``augmented_from`` = the
    original query. Resumable through ``out_path`` like ``generate_queries_llm``."""
    if not 1 <= int(n_per_query) <= 10:
        raise ConfigError(f"Paraphrases per query must be between 1 and 10 (got {n_per_query}).")
    n = int(n_per_query)
    jobs = []
    for i, row in enumerate(rows):
        query = str(row.get("query") or "").strip()
        if not query:
            continue
        lang = detect_language(query) if language == "auto" else language
        prompt = (PARAPHRASE_ZH if lang == "zh" else PARAPHRASE_EN).replace("{n}", str(n)).replace("{passage}", query)
        jobs.append(_Job(_record_key(f"para\x00{query}\x00{prompt}"), prompt, query, None, {"row": i, "query": query}))

    def validate(q: str, job: _Job) -> str | None:
        if _norm(q) == _norm(job.context):
            return "same_as_original"
        if len(q) > 3 * len(job.context) + 40:
            return "too_long"
        return question_problem(q, "", max_statement_chars=max(64, 2 * len(job.context)))

    report, records = _run_jobs(jobs, llm_config, api_key, n, out_path, validate, "paraphrase", progress, should_stop, True)
    for job in jobs:
        rec = records.get(job.key)
        if rec and rec.get("status") == "ok":
            base = rows[job.meta["row"]]
            for q in (rec.get("questions") or [])[:n]:
                new = dict(base)
                new.update({"query": q, "pos": list(base.get("pos") or []), "neg": list(base.get("neg") or []),
                            "augmented": True, "augmented_from": job.context})
                report.rows.append(new)
    return report


# ------------------------------------------------------------------------------------ pseudo queries


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
    if len(first) <= max_chars and not _TITLE_END.search(first) and len(_norm(first)) >= 2 and not first.isdigit():
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
        if len(_norm(rest)) < 4:
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
                k = _norm(s)
                if k in seen:
                    continue
                seen.add(k)
            rows.append(qpn_row(s, p, pos_text=s, synthetic="simcse"))
    return rows
