"""Re-derive the bundled sample's splits and BEIR folder from its passages and its 360 queries.

    python assets/sample_splits.py          # rewrites assets/sample/{train,validation,test}.jsonl and beir/

The passages and queries are the original CC0 text in ``assets/sample`` (see its README); this script only
decides which query goes to which split. Unseen part (whole passages held out): the 22 validation passages and
the 24 hand-picked test passages. Seen part (one query of a two-query passage held out, the other trained on, as a
knowledge base's passages are asked anew after tuning): passages drawn with a fixed seed round-robin over the 10
topics, per language, until test holds 60 English and 60 Chinese queries and validation 7 more per language where
passages are left. Everything else is training data. The script is deterministic and idempotent (it reads the
query pool from the current files, whatever split they sit in).
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent / "sample"
SPLITS = ("train", "validation", "test")
SEED = 20261202
MIN_TEST_PER_LANG = 60
VALIDATION_SEEN_PER_LANG = 7

VALIDATION = """biosecurity-en-02 biosecurity-zh-10 breeding-en-02 breeding-zh-03 breeding-zh-05 disease-en-05 disease-en-10
disease-zh-09 economics-en-10 economics-zh-09 farrowing-en-09 farrowing-zh-01 housing-en-03 housing-en-06 housing-en-10
housing-zh-08 housing-zh-10 manure-en-11 piglets-en-08 piglets-zh-08 vaccination-zh-07 vaccination-zh-10""".split()
HAND_PICKED_TEST = """biosecurity-en-10 biosecurity-zh-07 breeding-en-11 breeding-zh-09 breeding-zh-10 disease-en-07
disease-en-13 disease-zh-06 disease-zh-07 economics-en-12 economics-zh-05 farrowing-en-04 farrowing-zh-08 feeding-en-03
feeding-en-07 feeding-zh-02 housing-en-12 housing-zh-07 manure-en-06 manure-zh-05 piglets-en-06 piglets-zh-02
vaccination-en-12 vaccination-zh-04""".split()


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _write(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    tmp.replace(path)


def assign(passages: list[dict], rows: list[dict]) -> dict[str, str]:
    """query text -> split name.

    Unseen part: the VALIDATION and HAND_PICKED_TEST passages put all their queries in their split. Seen part:
    passages with two queries, drawn with a fixed seed round-robin over the topics per language, put one query
    (seeded) in test (until MIN_TEST_PER_LANG per language) or validation (VALIDATION_SEEN_PER_LANG per language)
    and the other in train, as a knowledge base's passages get new questions after training on others.
    """
    pid = {p["text"]: p["_id"] for p in passages}
    meta = {p["_id"]: p for p in passages}
    queries: dict[str, list[str]] = defaultdict(list)
    for r in sorted(rows, key=lambda r: r["query"]):
        queries[pid[r["pos"][0]]].append(r["query"])
    grouped = {p["_id"]: "train" for p in passages}
    for i in VALIDATION:
        grouped[i] = "validation"
    for i in HAND_PICKED_TEST:
        grouped[i] = "test"
    split = {q: grouped[i] for i, qs in queries.items() for q in qs}
    rng = random.Random(SEED)
    for lang in ("en", "zh"):
        by_topic: dict[str, list[str]] = defaultdict(list)
        for i in sorted(grouped):
            if grouped[i] == "train" and meta[i]["lang"] == lang and len(queries[i]) == 2:
                by_topic[meta[i]["topic"]].append(i)
        for ids in by_topic.values():
            rng.shuffle(ids)
        topics = sorted(by_topic)
        want = {"test": MIN_TEST_PER_LANG, "validation": None}
        have = {s: sum(len(queries[i]) for i, t in grouped.items() if t == s and meta[i]["lang"] == lang)
                for s in want}
        want["validation"] = have["validation"] + VALIDATION_SEEN_PER_LANG
        k = 0
        for s in ("test", "validation"):
            while have[s] < want[s] and any(by_topic.values()):
                ids = by_topic[topics[k % len(topics)]]
                k += 1
                if ids:
                    chosen = ids.pop()
                    split[rng.choice(queries[chosen])] = s
                    have[s] += 1
    return split


def main() -> None:
    passages = _read(SAMPLE / "passages.jsonl")
    rows = [r for s in SPLITS for r in _read(SAMPLE / f"{s}.jsonl")]
    pid = {p["text"]: p["_id"] for p in passages}
    split = assign(passages, rows)
    order = {p["_id"]: n for n, p in enumerate(passages)}
    rows.sort(key=lambda r: (order[pid[r["pos"][0]]], r["query"]))
    out = {s: [r for r in rows if split[r["query"]] == s] for s in SPLITS}
    for s in SPLITS:
        _write(SAMPLE / f"{s}.jsonl", out[s])
    beir = SAMPLE / "beir"
    _write(beir / "corpus.jsonl", [{"_id": p["_id"], "title": p["title"], "text": p["text"]} for p in passages])
    queries = [{"_id": f"q{n:03d}", "text": r["query"], "lang": r["lang"], "topic": r["topic"]}
               for n, r in enumerate(out["test"], 1)]
    _write(beir / "queries.jsonl", queries)
    qrels = "query-id\tcorpus-id\tscore\n" + "".join(
        f"{q['_id']}\t{pid[r['pos'][0]]}\t1\n" for q, r in zip(queries, out["test"]))
    (beir / "qrels").mkdir(parents=True, exist_ok=True)
    (beir / "qrels" / "test.tsv").write_text(qrels, encoding="utf-8")
    trained = {r["pos"][0] for r in out["train"]}
    for s in SPLITS:
        langs = {lang: sum(1 for r in out[s] if r["lang"] == lang) for lang in ("en", "zh")}
        seen = sum(1 for r in out[s] if r["pos"][0] in trained) if s != "train" else 0
        print(f"{s}: {len(out[s])} queries {langs}, {len({pid[r['pos'][0]] for r in out[s]})} passages"
              + (f", {seen} of them on a passage a training query also answers" if s != "train" else ""))


if __name__ == "__main__":
    main()
