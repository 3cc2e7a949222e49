"""Checks on the bundled sample dataset in assets/sample.

The sample is what a newcomer opens first, so these tests guard its integrity: every file parses as UTF-8
JSONL, counts sit in the documented ranges, every positive/negative is a real passage, negatives never equal
the positive, both languages appear in every split, a passage's queries straddle splits only as training queries
and one held-out query (the held-out splits' seen part; the rest of them is unseen), the added queries keep the
test split as it was and are held out only where their passage is, the BEIR folder matches the test split, and the
project's own loaders read it as intended.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "assets" / "sample"
BEIR = SAMPLE / "beir"
SPLITS = ("train", "validation", "test")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _jsonl(path: Path) -> list[dict]:
    raw = path.read_bytes()
    text = raw.decode("utf-8")  # raises on invalid UTF-8
    assert not text.startswith("\ufeff"), f"{path.name} starts with a BOM"
    rows = []
    for n, line in enumerate(text.splitlines(), 1):
        assert line.strip(), f"{path.name} line {n} is blank"
        obj = json.loads(line)
        assert isinstance(obj, dict), f"{path.name} line {n} is not a JSON object"
        rows.append(obj)
    # ensure_ascii=False: Chinese is stored as characters, not \u escapes
    assert "\\u" not in text, f"{path.name} contains \\u escapes (write with ensure_ascii=False)"
    return rows


@pytest.fixture(scope="module")
def passages() -> list[dict]:
    return _jsonl(SAMPLE / "passages.jsonl")


@pytest.fixture(scope="module")
def splits() -> dict[str, list[dict]]:
    return {s: _jsonl(SAMPLE / f"{s}.jsonl") for s in SPLITS}


@pytest.fixture(scope="module")
def mod():
    """assets/sample_splits.py, the script that derives the splits (not a package module)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("sample_splits", ROOT / "assets" / "sample_splits.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_passages_fields_counts_and_languages(passages):
    assert 200 <= len(passages) <= 300
    ids = [p["_id"] for p in passages]
    assert len(set(ids)) == len(ids), "duplicate passage _id"
    texts = [p["text"] for p in passages]
    assert len(set(texts)) == len(texts), "duplicate passage text"
    for p in passages:
        assert set(p) == {"_id", "title", "text", "lang", "topic"}, p["_id"]
        assert p["lang"] in {"zh", "en"}
        assert p["title"].strip() and p["text"].strip() and p["topic"].strip()
        has_cjk = bool(CJK.search(p["text"]))
        assert has_cjk == (p["lang"] == "zh"), f"{p['_id']}: lang {p['lang']} does not match its text"
        assert 60 <= len(p["text"]) <= 800, f"{p['_id']}: text length {len(p['text'])}"
    langs = Counter(p["lang"] for p in passages)
    assert min(langs.values()) >= 0.4 * len(passages), langs
    topics = Counter(p["topic"] for p in passages)
    assert len(topics) >= 8 and min(topics.values()) >= 10, topics


def test_split_counts_and_layout(splits):
    n = {s: len(rows) for s, rows in splits.items()}
    assert 250 <= n["train"] <= 400, n
    assert 100 <= n["validation"] <= 160, n  # about as large as test, so that delivery can see a gain
    # large enough for a real gain to be significant, in each language
    assert 120 <= n["test"] <= 180, n
    test_langs = Counter(r["lang"] for r in splits["test"])
    assert min(test_langs["en"], test_langs["zh"]) >= 60, test_langs
    assert 500 <= sum(n.values()) <= 650, n
    for s, rows in splits.items():
        for r in rows:
            assert set(r) == {"query", "pos", "neg", "lang", "topic"}, (s, r["query"])
            assert isinstance(r["query"], str) and r["query"].strip()
            assert isinstance(r["pos"], list) and len(r["pos"]) == 1
            assert isinstance(r["neg"], list) and 1 <= len(r["neg"]) <= 3
            assert r["lang"] in {"zh", "en"}
            assert bool(CJK.search(r["query"])) == (r["lang"] == "zh"), (s, r["query"])


def test_pos_and_neg_are_passages_and_differ(passages, splits):
    by_text = {p["text"]: p for p in passages}
    for s, rows in splits.items():
        for r in rows:
            pos = r["pos"][0]
            assert pos in by_text, f"{s}: pos of {r['query']!r} is not a passage"
            assert by_text[pos]["lang"] == r["lang"] and by_text[pos]["topic"] == r["topic"]
            assert len(set(r["neg"])) == len(r["neg"]), f"{s}: repeated negative for {r['query']!r}"
            for neg in r["neg"]:
                assert neg != pos, f"{s}: a negative equals the positive for {r['query']!r}"
                assert neg in by_text, f"{s}: a negative of {r['query']!r} is not a passage"
                # hard negatives come from the same topic and language, so lexical overlap can mislead
                assert by_text[neg]["topic"] == r["topic"] and by_text[neg]["lang"] == r["lang"]


def test_every_split_has_both_languages(splits):
    for s, rows in splits.items():
        langs = Counter(r["lang"] for r in rows)
        assert set(langs) == {"zh", "en"}, (s, langs)
        assert min(langs.values()) >= 0.3 * len(rows), (s, langs)


def test_queries_unique_and_held_out_queries_seen_or_unseen(passages, splits):
    """Each held-out query's passage is either never a training positive (the unseen part, whole passages held
    out) or the positive of training queries with this one query held out (the seen part: a knowledge base's
    passage asked anew).
    Both parts are large enough to be read on their own in each language of the test split."""
    seen: dict[str, str] = {}
    for s, rows in splits.items():
        for r in rows:
            assert r["query"] not in seen, f"query {r['query']!r} appears in {seen.get(r['query'])} and {s}"
            seen[r["query"]] = s
    splits_of_passage: dict[str, Counter] = {}
    for s, rows in splits.items():
        for r in rows:
            splits_of_passage.setdefault(r["pos"][0], Counter())[s] += 1
    for text, where in splits_of_passage.items():
        assert sum(where.values()) in (1, 2, 3), f"passage {text[:40]!r}: each passage should have 1-3 queries"
        if len(where) > 1:  # straddling: training queries and one held-out query, never validation and test
            held = where["validation"] + where["test"]
            assert where["train"] >= 1 and held == 1 and not (where["validation"] and where["test"]), (
                f"passage {text[:40]!r} straddles {dict(where)}")
    assert len(splits_of_passage) == len(passages), "every passage should have at least one query"
    trained = {r["pos"][0] for r in splits["train"]}
    for lang in ("en", "zh"):
        test = [r for r in splits["test"] if r["lang"] == lang]
        n_seen = sum(1 for r in test if r["pos"][0] in trained)
        assert n_seen >= 30 and len(test) - n_seen >= 12, (lang, n_seen, len(test))
    val_seen = sum(1 for r in splits["validation"] if r["pos"][0] in trained)
    assert 0 < val_seen < len(splits["validation"]), "validation should hold seen and unseen queries, as test does"


def test_beir_folder_matches_test_split(passages, splits):
    corpus = _jsonl(BEIR / "corpus.jsonl")
    queries = _jsonl(BEIR / "queries.jsonl")
    lines = (BEIR / "qrels" / "test.tsv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "query-id\tcorpus-id\tscore"
    assert [{k: d[k] for k in ("_id", "title", "text")} for d in corpus] == [
        {"_id": p["_id"], "title": p["title"], "text": p["text"]} for p in passages
    ], "corpus.jsonl must hold every passage"
    corpus_text = {d["_id"]: d["text"] for d in corpus}
    qtext = {q["_id"]: q["text"] for q in queries}
    assert len(qtext) == len(queries), "duplicate query _id"
    qrels = [line.split("\t") for line in lines[1:]]
    assert all(len(row) == 3 and row[2] == "1" for row in qrels)
    assert {q for q, _, _ in qrels} == set(qtext), "every query has a qrel and every qrel query exists"
    assert all(d in corpus_text for _, d, _ in qrels), "qrels name a corpus id that does not exist"
    test_pos = {r["query"]: r["pos"][0] for r in splits["test"]}
    assert sorted(qtext.values()) == sorted(test_pos), "queries.jsonl must be exactly the test split queries"
    for q, d, _ in qrels:
        assert corpus_text[d] == test_pos[qtext[q]], f"qrel {q}->{d} is not the test row's positive"


def test_splits_are_what_the_generator_derives(passages, splits, mod):
    """assets/sample_splits.py re-derives exactly the committed splits (idempotent, seeded)."""
    added = mod.read_added()
    rows = mod.first_rows([r for s in SPLITS for r in splits[s]], added)
    split = mod.assign(passages, rows, added)
    assert len(split) == sum(len(rows) for rows in splits.values())
    pid = {p["text"]: p["_id"] for p in passages}
    for s in SPLITS:
        assert all(split[r["query"]] == s for r in splits[s]), s
    assert set(mod.HAND_PICKED_TEST) <= {pid[r["pos"][0]] for r in splits["test"]}


def test_added_queries_leave_the_test_split_as_it_was(passages, splits, mod):
    """The added queries (more_queries.jsonl) are in train or validation, never test: the test split is the
    first 360 queries' one, so numbers before and after the addition are on the same 120 queries; their rows are
    what the generator builds (the passage as pos, same-topic negatives); and the first 360 queries' split is the
    one the generator derives without the added ones."""
    added = mod.read_added()
    assert len(added) == len(passages) - len(mod.HAND_PICKED_TEST)
    extra = {a["query"] for a in added}
    assert not extra & {r["query"] for r in splits["test"]}
    rows = {r["query"]: r for s in ("train", "validation") for r in splits[s]}
    built = mod.added_rows(passages, added)
    assert [rows[r["query"]] for r in built] == built
    first = mod.first_rows([r for s in SPLITS for r in splits[s]], added)
    assert len(first) == 360
    alone = mod.assign(passages, first)
    assert {q for q, s in alone.items() if s == "test"} == {r["query"] for r in splits["test"]}


def test_readme_states_origin_and_licence():
    text = (SAMPLE / "README.md").read_text(encoding="utf-8")
    assert "CC0" in text and "original" in text.lower()
    for name in ("passages.jsonl", "train.jsonl", "validation.jsonl", "test.jsonl", "beir"):
        assert name in text


def test_project_loaders_read_the_sample():
    """The data loader sees the split files as qpn with every row kept; the evaluator reads the BEIR folder."""
    data = pytest.importorskip("core.data")
    evaluation = pytest.importorskip("core.evaluation")
    for s in SPLITS:
        loaded = data.load_data(SAMPLE / f"{s}.jsonl")
        assert loaded.format == "qpn", (s, loaded.format)
        assert len(loaded.df) == loaded.rows_read and not loaded.errors, (s, loaded.summary())
    ev = evaluation.load_beir(BEIR)
    assert len(ev.queries) == len(_jsonl(BEIR / "queries.jsonl"))
    assert len(ev.corpus) == len(_jsonl(SAMPLE / "passages.jsonl"))
    assert all(len(rels) == 1 for rels in ev.qrels.values())
