"""Queries from an LLM: prompts, answer parsing, well-formedness, generation and paraphrases.

- ``generate_queries_llm(passages, llm_config, api_key=None, n_per_passage=1, language="auto",
  prompt_template=None, out_path=..., progress=None) -> GenerationReport``: asks an OpenAI-compatible
  endpoint for questions (Chinese or English prompt per passage, by its share of CJK characters), parses
  the answers robustly (``parse_questions``), keeps only well-formed questions (``question_problem``) and
  appends one JSON line per passage to ``out_path`` as it goes (flushed; the journal of
  ``core.builder.jobs``). Re-running with the same ``out_path`` skips passages already answered, so an
  interrupted run never asks again for them; failed passages are asked again. ``report.rows`` holds the
  rows (``core.builder.rows.qpn_row``, ``synthetic: "llm"``); ``report.to_dict()`` the numbers.
- ``paraphrase_queries(rows, llm_config, ...) -> GenerationReport``: LLM rewrites of existing queries,
  marked ``augmented: true``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from core.builder.chunking import Passage, cjk_share
from core.builder.jobs import GenerationReport, Job, record_key, run_jobs
from core.builder.llm import LLMConfig
from core.builder.rows import norm_key, qpn_row
from core.errors import ConfigError
from core.progress import ProgressFn

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


def question_problem(question: str, passage: str = "", max_statement_chars: int = 64) -> str | None:
    """Why ``question`` is not a well-formed query, or None when it is. Well-formed: not empty, not too
    long, ends like a question (? ？ 吗 呢) or is short (at most ``max_statement_chars`` characters, like a
    keyword query), and is not a copy of the passage or a whole sentence lifted from it."""
    q = (question or "").strip()
    if len(norm_key(q)) < 2:
        return "empty"
    if len(q) > 300:
        return "too_long"
    questionish = q.rstrip("\"'”」").endswith(("?", "？", "吗", "呢", "么"))
    if passage:
        nq, np_ = norm_key(q), norm_key(passage)
        if nq == np_ or (len(nq) >= 0.5 * len(np_) and nq in np_):
            return "copies_passage"
        if not questionish and len(nq) >= 20 and nq in np_:
            return "copies_passage"
    if not questionish and len(q) > max_statement_chars:
        return "not_a_question"
    return None


# --------------------------------------------------------------------------------------- generation


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
        jobs.append(Job(record_key(f"{p.id}\x00{prompt}"), prompt, p.text, p, {"passage_id": p.id}))

    def validate(q: str, job: Job) -> str | None:
        return question_problem(q, job.context)

    report, records = run_jobs(jobs, llm_config, api_key, n, out_path, validate, parse_questions, "llm", progress, should_stop, retry_failed)
    if report.failed and not report.ok and not report.interrupted:  # nothing to build on: an error, not a result
        errs = ", ".join(f"{k}: {v}" for k, v in sorted(report.errors.items()))
        raise ConfigError(f"The LLM endpoint {llm_config.endpoint} gave no usable questions for any of the "
                          f"{report.failed} passages ({errs}); each answer is recorded in {Path(out_path).name}.")
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
        jobs.append(Job(record_key(f"para\x00{query}\x00{prompt}"), prompt, query, None, {"row": i, "query": query}))

    def validate(q: str, job: Job) -> str | None:
        if norm_key(q) == norm_key(job.context):
            return "same_as_original"
        if len(q) > 3 * len(job.context) + 40:
            return "too_long"
        return question_problem(q, "", max_statement_chars=max(64, 2 * len(job.context)))

    report, records = run_jobs(jobs, llm_config, api_key, n, out_path, validate, parse_questions, "paraphrase", progress, should_stop, True)
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
