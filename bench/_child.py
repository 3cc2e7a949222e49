"""What the benchmarks that measure in fresh processes share (``bench/memory.py``, ``bench/train_throughput.py``,
``bench/dense_mining.py``).

- ``DATA``: the shared data folder, ``../shared/data`` beside the repository (from a git worktree under
  ``wt/<branch>``: ``../../shared/data``); never copied into the repository.
- ``financial_pairs(data=DATA) -> list[(question, passage)] | None``: financial_qa_10k's relevant
  (query, passage) pairs in qrels order, or None when the set is absent.
- ``run_child(cmd, env=None) -> Child``: run a command to its end in a fresh process and measure it: exit code,
  stdout, stderr, wall seconds and the process's own peak RSS (``ru_maxrss`` returned by ``os.wait4``: the
  kernel's high-water mark of that process alone, not of this one or of earlier children).
  ``Child.result(prefix="")``: the last stdout line ``prefix + {...}`` decoded (a child prints its result as
  one JSON line).
- ``self_peak_mb()``: this process's peak RSS so far (what a child reports about its own phases).
- ``apply_sets(cfg, sets) -> TrainConfig``: ``cfg`` with ``KEY=VALUE`` settings fixed (``--set`` of the training
  benches: a YAML value at any depth, ``hyper.bf16=true``, ``loss.params.scale=20``), type-checked by the config.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = next(
    (p for p in (ROOT.parent / "shared" / "data", ROOT.parents[1] / "shared" / "data") if p.is_dir()),
    ROOT.parent / "shared" / "data",
)


def financial_pairs(data: Path = DATA) -> list[tuple[str, str]] | None:
    """financial_qa_10k's (question, passage) pairs with a positive qrels score, in qrels order."""
    folder = data / "financial_qa_10k"
    if not (folder / "qrels" / "all.tsv").is_file():
        return None
    texts = {}
    for name in ("corpus.jsonl", "queries.jsonl"):
        with open(folder / name, encoding="utf-8") as fh:
            texts[name] = {d["_id"]: d["text"] for d in map(json.loads, fh)}
    corpus, queries = texts["corpus.jsonl"], texts["queries.jsonl"]
    pairs = []
    for line in (folder / "qrels" / "all.tsv").read_text(encoding="utf-8").splitlines()[1:]:  # after the header
        q, d, score = line.split("\t")[:3]
        if float(score) > 0 and q in queries and d in corpus:
            pairs.append((queries[q], corpus[d]))
    return pairs


@dataclass
class Child:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    peak_mb: float

    def result(self, prefix: str = "") -> dict | None:
        """The last stdout line that is ``prefix`` followed by a JSON object, decoded; None when there is none."""
        lines = [ln[len(prefix) :] for ln in self.stdout.splitlines() if ln.startswith(prefix + "{")]
        return json.loads(lines[-1]) if lines else None


def run_child(cmd: list[str], env: dict | None = None, cwd: Path = ROOT) -> Child:
    """Run ``cmd`` in a fresh process until it ends (see the module docstring). Its output goes to temporary
    files, so a child that writes a lot never blocks on a full pipe while this process waits for it."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait for it again
        out.seek(0)
        err.seek(0)
        return Child(
            proc.returncode,
            out.read().decode(errors="replace"),
            err.read().decode(errors="replace"),
            seconds,
            usage.ru_maxrss / 1024,
        )


def self_peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def apply_sets(cfg, sets):
    """``core.training.config.apply_sets``: ``cfg`` with each ``KEY=VALUE`` of ``sets`` fixed (``train --set``)."""
    from core.training.config import apply_sets as fix

    return fix(cfg, list(sets or []))
