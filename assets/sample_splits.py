"""Re-derive the bundled sample's splits and BEIR folder from its passages, its first 360 queries and the added
queries of ``more_queries.jsonl``.

    python assets/sample_splits.py          # rewrites assets/sample/{train,validation,test}.jsonl and beir/

The passages and queries are the original CC0 text in ``assets/sample`` (see its README); this script decides
which query goes to which split and, for an added query, which same-topic passages are its hard negatives.

The first 360 queries (1 or 2 per passage): unseen part (whole passages held out): the 22 validation passages and
the 24 hand-picked test passages. Seen part (one query of a two-query passage held out, the other trained on, as a
knowledge base's passages are asked anew after tuning): passages drawn with a fixed seed round-robin over the 10
topics, per language, until test holds 60 English and 60 Chinese queries and validation 7 more per language where
passages are left. Everything else is training data.

The added queries (one more for every passage but the 24 hand-picked test ones, written later so that the sample
has more to learn from and a validation split that can see a gain): a validation passage's goes to validation (it
stays unseen); a passage with a held-out query of the seen part trains on its added query (two training
queries, one held out); of the other passages, a seeded draw of
ADDED_VALIDATION_SEEN_PER_LANG per language puts the added query in validation (seen), the rest train. The test
split is exactly the first 360 queries' test split. The script is deterministic and idempotent (it reads the
query pool from the current files, whatever split they sit in).
"""

from __future__ import annotations

import json
import random
import re
from collections import defaultdict
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent / "sample"
SPLITS = ("train", "validation", "test")
SEED = 20261202
MIN_TEST_PER_LANG = 60
VALIDATION_SEEN_PER_LANG = 7
ADDED_VALIDATION_SEEN_PER_LANG = 30
HARD_NEGATIVES = 3
ADDED = SAMPLE / "more_queries.jsonl"  # {"_id": passage id, "query": text}, one per passage but HAND_PICKED_TEST

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


def _terms(text: str, lang: str) -> set[str]:
    """Words of three or more letters (English) or character bigrams (Chinese): what a hard negative shares."""
    if lang == "zh":
        han = "".join(re.findall(r"[\u4e00-\u9fff]", text))
        return {han[i:i + 2] for i in range(len(han) - 1)}
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) >= 3}


def added_rows(passages: list[dict], added: list[dict]) -> list[dict]:
    """The sample's row layout for each added query: its passage as ``pos`` and as ``neg`` the HARD_NEGATIVES
    passages of the same topic and language that share the most words (English) or character bigrams (Chinese)
    with the query, ties in passage order, as the first 360 queries' negatives were picked."""
    meta = {p["_id"]: p for p in passages}
    rows = []
    for a in added:
        p = meta[a["_id"]]
        terms = _terms(a["query"], p["lang"])
        siblings = [o for o in passages if o["topic"] == p["topic"] and o["lang"] == p["lang"] and o is not p]
        ranked = sorted(siblings, key=lambda o: -len(terms & _terms(o["title"] + " " + o["text"], p["lang"])))
        rows.append({"query": a["query"], "pos": [p["text"]], "neg": [o["text"] for o in ranked[:HARD_NEGATIVES]],
                     "lang": p["lang"], "topic": p["topic"]})
    return rows


def assign(passages: list[dict], rows: list[dict], added: list[dict] = ()) -> dict[str, str]:
    """query text -> split name, for ``rows`` (the first 360 queries) and ``added`` ({"_id", "query"}).

    Unseen part: the VALIDATION and HAND_PICKED_TEST passages put all their queries in their split. Seen part:
    passages with two queries, drawn with a fixed seed round-robin over the topics per language, put one query
    (seeded) in test (until MIN_TEST_PER_LANG per language) or validation (VALIDATION_SEEN_PER_LANG per language)
    and the other in train, as a knowledge base's passages get new questions after training on others. The
    ``added`` queries are then placed by ``_assign_added``; they change none of the above.
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
    return _assign_added(passages, split, grouped, queries, added)


def _assign_added(passages: list[dict], split: dict[str, str], grouped: dict[str, str],
                  queries: dict[str, list[str]], added: list[dict]) -> dict[str, str]:
    """Add the added queries to ``split``: a validation passage's to validation; that of a passage with a held-out
    query of the seen part to train; of the others, ADDED_VALIDATION_SEEN_PER_LANG per language (seeded draw) to
    validation and the rest to train. A hand-picked test passage has none (it would stop being unseen)."""
    meta = {p["_id"]: p for p in passages}
    held = {i: {split[q] for q in queries[i]} for i in queries}
    rng = random.Random(SEED + 1)
    pool: dict[str, list[str]] = defaultdict(list)
    for a in sorted(added, key=lambda a: a["_id"]):
        i = a["_id"]
        if grouped[i] == "test":
            raise ValueError(f"{ADDED.name}: passage {i} is a hand-picked test passage; it takes no added query")
        if grouped[i] == "validation":
            split[a["query"]] = "validation"
        elif held[i] & {"test", "validation"}:  # the seen part: two training queries, as for every seen passage
            split[a["query"]] = "train"
        else:
            pool[meta[i]["lang"]].append(a["query"])
    for qs in pool.values():
        rng.shuffle(qs)
        for n, q in enumerate(qs):
            split[q] = "validation" if n < ADDED_VALIDATION_SEEN_PER_LANG else "train"
    return split


def read_added() -> list[dict]:
    """The added queries, ``[{"_id", "query"}]``, or none where the file is absent."""
    return _read(ADDED) if ADDED.exists() else []


def first_rows(rows: list[dict], added: list[dict]) -> list[dict]:
    """The rows of ``rows`` that are not ``added`` queries: the first 360 queries, as ``assign`` takes them."""
    extra = {a["query"] for a in added}
    return [r for r in rows if r["query"] not in extra]


def main() -> None:
    passages = _read(SAMPLE / "passages.jsonl")
    added = read_added()
    rows = first_rows([r for s in SPLITS for r in _read(SAMPLE / f"{s}.jsonl")], added)
    pid = {p["text"]: p["_id"] for p in passages}
    split = assign(passages, rows, added)
    rows += added_rows(passages, added)
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
