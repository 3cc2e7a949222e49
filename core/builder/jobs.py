"""A resumable, concurrent runner for LLM requests, with an append-only journal.

``run_jobs(jobs, llm_config, api_key, n, out_path, validate, parse, stage, progress, should_stop, retry_failed)
-> (GenerationReport, records)``: sends each ``Job``'s prompt to the OpenAI-compatible endpoint
(``llm_config.concurrency`` requests in flight), parses each answer with ``parse``, keeps the items
``validate`` accepts (duplicates dropped) and appends one JSON line per job to ``out_path`` as it goes
(flushed and fsynced). A job whose latest record is ``ok`` is never asked again; failed jobs are asked
again when ``retry_failed``. A torn last line (a crash mid-write) is ignored. Three refused API keys, or three
requests that could not reach the endpoint (``UNREACHABLE``), before any success stop the run with a
``ConfigError``. ``records`` maps each job key to its latest record; the report's counts cover every job's latest
record, so a resumed run reports the whole job.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from core.builder.chunking import Passage
from core.builder.llm import LLMClient, LLMConfig, LLMError, imap_unordered
from core.builder.rows import norm_key
from core.errors import ConfigError
from core.jsonl import dumps_line, read_jsonl
from core.progress import ProgressFn, Tracker

UNREACHABLE = ("connection", "timeout")  # failures that say the endpoint is not there: three in a row, none ok, stop


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
class Job:
    """One request: its journal ``key``, the ``prompt``, the text an answer must not copy, and what the
    journal line records beside the answer (``meta``)."""

    key: str
    prompt: str
    context: str  # text a question must not copy
    passage: Passage | None
    meta: dict


def record_key(passage_or_text: str) -> str:
    """Journal key of a job: a short hash of what makes it (passage id + prompt, or query + prompt)."""
    return hashlib.sha1(passage_or_text.encode("utf-8")).hexdigest()[:16]


def read_records(out_path: Path) -> dict[str, dict]:
    """Latest record per key from an append log (a torn last line is ignored)."""
    latest: dict[str, dict] = {}
    if out_path.exists():
        for rec in read_jsonl(out_path, tolerant=True):
            if "key" in rec:
                latest[str(rec["key"])] = rec
    return latest


def run_jobs(
    jobs: list[Job],
    llm_config: LLMConfig,
    api_key: str | None,
    n: int,
    out_path: str | os.PathLike,
    validate: Callable[[str, Job], str | None],
    parse: Callable[[str], list[str]],
    stage: str,
    progress: ProgressFn | None,
    should_stop: Callable[[], bool] | None,
    retry_failed: bool,
) -> tuple[GenerationReport, dict[str, dict]]:
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    records = read_records(out_path)
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

        def ask(job: Job) -> dict:
            if should_stop and should_stop():
                raise InterruptedError("stopped")
            messages = [{"role": "user", "content": job.prompt}]
            try:
                res = client.chat(messages)
            except LLMError as err:
                return {"status": "failed", "error": err.to_dict(), "attempts": err.attempts}
            found = parse(res.text)
            kept, rejected = [], {}
            for q in found:
                why = validate(q, job)
                if why is None and norm_key(q) not in {norm_key(k) for k in kept}:
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
        n_ok = n_auth = n_unreachable = 0
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
                    log.write(dumps_line(rec))
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
                elif kind in UNREACHABLE:
                    n_unreachable += 1
                    if n_unreachable >= 3 and n_ok == 0:
                        said = str((rec.get("error") or {}).get("message") or kind)[:200]
                        raise ConfigError(f"The LLM endpoint {llm_config.endpoint} could not be reached for the first "
                                          f"{n_unreachable} requests ({said}); check the base URL and that the server "
                                          "is running.")
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
