"""Fixtures of the training tests: data files of every canonical format, written by the tests (tiny, zh + en);
``no_orphans`` for tests that start training children."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import pytest

from tests.conftest import tiny_pairs


def write_format_file(folder: Path, fmt: str, n: int = 40) -> Path:
    rng = random.Random(1)
    pairs = tiny_pairs(n)
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "pair":
        path = folder / "pairs.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["anchor", "positive"])
            w.writerows(pairs)
    elif fmt == "triplet":
        path = folder / "triplets.jsonl"
        with open(path, "w", encoding="utf-8") as fh:
            for i, (q, p) in enumerate(pairs):
                neg = pairs[(i + 3) % len(pairs)][1]
                fh.write(json.dumps({"anchor": q, "positive": p, "negative": neg}, ensure_ascii=False) + "\n")
    elif fmt == "qpn":
        path = folder / "qpn.jsonl"
        with open(path, "w", encoding="utf-8") as fh:
            for i, (q, p) in enumerate(pairs):
                negs = [pairs[(i + k) % len(pairs)][1] for k in (2, 3, 5)]
                fh.write(json.dumps({"query": q, "pos": [p], "neg": negs}, ensure_ascii=False) + "\n")
    elif fmt == "scored_pair":
        path = folder / "scored.tsv"
        with open(path, "w", encoding="utf-8") as fh:
            fh.write("sentence1\tsentence2\tscore\n")
            for i, (q, p) in enumerate(pairs):
                other = pairs[(i + 4) % len(pairs)][1]
                fh.write(f"{q}\t{p}\t{rng.uniform(3.5, 5):.2f}\n")
                fh.write(f"{q}\t{other}\t{rng.uniform(0, 1.5):.2f}\n")
    elif fmt == "labelled_pair":
        path = folder / "labelled.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["sentence1", "sentence2", "label"])
            for i, (q, p) in enumerate(pairs):
                w.writerow([q, p, 1])
                w.writerow([q, pairs[(i + 4) % len(pairs)][1], 0])
    elif fmt == "labelled_sentence":
        path = folder / "sentences.csv"
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["text", "label"])
            for i, (q, p) in enumerate(pairs):
                w.writerow([q, i % 10])
                w.writerow([p, i % 10])
    else:
        raise ValueError(fmt)
    return path


def reworded_copy(data: Path, out: Path) -> Path:
    """The rows of the qpn file ``data`` with each query reworded ("the " before it), written to ``out``: a
    validation set the tiny model learns from its training rows, though no query is a training query (validation
    leaves those out, and a plain copy of the training file is refused)."""
    rows = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines() if line.strip()]
    out.write_text("".join(json.dumps({**r, "query": "the " + r["query"]}, ensure_ascii=False) + "\n" for r in rows),
                   encoding="utf-8")
    return out


@pytest.fixture
def format_file(tmp_path):
    return lambda fmt, n=40: write_format_file(tmp_path / "data", fmt, n)


@pytest.fixture
def no_orphans():
    """Whatever happens in a test that starts training children (``start_run``), none outlives it."""
    yield
    from core.training import launch

    for proc in list(launch._CHILDREN.values()):
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    launch._CHILDREN.clear()
