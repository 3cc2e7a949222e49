"""BM25 side by side: our ``core.builder.bm25.BM25Index`` (bm25s) against ``rank_bm25.BM25Okapi``.

Usage: .venv/bin/python bench/bm25.py [--queries 1000] [--datasets financial_qa_10k t2ranking_100] [-k 10]
                                      [--repeat-corpus 1] [--repeats 2] [--threads 2]
Data: ../shared/data/financial_qa_10k (English, 6,757 passages) and ../shared/data/t2ranking_100 (Chinese,
1,987 passages), BEIR layout. When the data is absent the script says so and exits 0.

Both sides get exactly the same tokens: rank-bm25 is fed ``core.builder.bm25.tokenize`` (jieba search mode for
Chinese runs, lowercase ``\\w+`` words otherwise, the same stopwords), and that tokenisation is counted in its
build and search times just as it is inside ``BM25Index``. Per dataset the table shows, measured one after the
other in this run: index build time, search time for N queries (top-k, query tokenisation included), queries/s,
the time ratio ours / rank-bm25 (< 1 means ours is faster), top-1 agreement with rank-bm25 (same best passage)
and hit@k against the qrels. Every time is the fastest of ``--repeats`` runs, after a warm-up. ``BM25Index`` is timed with its default scoring (``lucene`` idf) and with
``robertson`` (the classic Okapi idf that ``BM25Okapi`` also uses, apart from its epsilon floor for terms in more
than half of the passages). ``--repeat-corpus R`` indexes the corpus R times over (bigger pool, same queries).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"
DATASETS = ("financial_qa_10k", "t2ranking_100")


def _read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _load(name: str) -> tuple[list[str], list[str], list[set[int]]] | None:
    """(passages, queries, relevant passage indices per query) of a BEIR folder, or None when absent."""
    folder = DATA / name
    if not (folder / "corpus.jsonl").is_file() or not (folder / "queries.jsonl").is_file():
        return None
    corpus = _read_jsonl(folder / "corpus.jsonl")
    queries = _read_jsonl(folder / "queries.jsonl")
    pos = {d["_id"]: i for i, d in enumerate(corpus)}
    rel: dict[str, set[int]] = {}
    for qrel in sorted((folder / "qrels").glob("*.tsv")):
        for line in qrel.read_text(encoding="utf-8").splitlines()[1:]:
            parts = line.split("\t")
            if len(parts) >= 3 and parts[1] in pos and float(parts[2]) > 0:
                rel.setdefault(parts[0], set()).add(pos[parts[1]])
    texts = [((d.get("title") or "") + " " + d["text"]).strip() for d in corpus]
    return texts, [q["text"] for q in queries], [rel.get(q["_id"], set()) for q in queries]


def _time(fn, repeats: int = 1):
    """(result, fastest wall time in seconds over ``repeats`` calls)."""
    best = float("inf")
    for _ in range(max(1, repeats)):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return out, best


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--queries", type=int, default=1000, help="queries per dataset (at most the dataset's own)")
    ap.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    ap.add_argument("-k", type=int, default=10)
    ap.add_argument("--repeat-corpus", type=int, default=1, help="index the corpus this many times over")
    ap.add_argument("--threads", type=int, default=2, help="BM25Index n_threads")
    ap.add_argument("--repeats", type=int, default=2, help="time every step this many times, keep the fastest")
    args = ap.parse_args()

    loaded = {name: _load(name) for name in args.datasets}
    missing = [n for n, v in loaded.items() if v is None]
    if len(missing) == len(loaded):
        print(f"No benchmark data: none of {', '.join(args.datasets)} is under {DATA}; nothing to measure.")
        return 0
    for n in missing:
        print(f"skipping {n}: {DATA / n} is absent")

    import numpy as np
    from rank_bm25 import BM25Okapi

    from core.builder.bm25 import BM25Index, _jieba, tokenize

    _jieba()  # load jieba's dictionary once, outside every timing
    BM25Index(["warm-up passage", "预热的段落"]).search(["warm-up 预热"], k=1)  # imports, stopword lists
    BM25Okapi(tokenize(["warm-up passage", "预热的段落"])).get_scores(["warm"])
    r = args.repeats
    k = args.k
    rows = []
    for name, data in loaded.items():
        if data is None:
            continue
        passages, queries, rel = data
        passages = passages * max(1, args.repeat_corpus)
        n_docs = len(passages) // max(1, args.repeat_corpus)
        queries, rel = queries[: args.queries], rel[: args.queries]
        print(f"{name}: {len(passages)} passages, {len(queries)} queries, top-{k}", file=sys.stderr)

        def hit(idx) -> float:
            got = [bool(set(int(i) % n_docs for i in row) & r) for row, r in zip(idx, rel) if r]
            return 100.0 * sum(got) / max(1, len(got))

        # rank-bm25, fed our tokens
        (toks, t_tok) = _time(lambda: tokenize(passages), r)
        (okapi, t_fit) = _time(lambda: BM25Okapi(toks, k1=1.5, b=0.75), r)
        ref_build = t_tok + t_fit

        def ref_search():
            out = np.zeros((len(queries), k), dtype=np.int64)
            for j, q in enumerate(tokenize(queries)):
                s = okapi.get_scores(q)
                top = np.argpartition(-s, k - 1)[:k]
                out[j] = top[np.lexsort((top, -s[top]))]
            return out

        ref_idx, ref_t = _time(ref_search, r)
        rows.append((name, "rank_bm25.BM25Okapi (+ our tokenize)", ref_build, ref_t, len(queries), None, None, hit(ref_idx),
                     f"tokenize {t_tok:.2f}s + fit {t_fit:.2f}s"))
        for method in ("lucene", "robertson"):
            index, build = _time(lambda: BM25Index(passages, method=method, n_threads=args.threads), r)
            (idx, _), t = _time(lambda: index.search(queries, k=k), r)
            agree = 100.0 * float(np.mean(idx[:, 0] % n_docs == ref_idx[:, 0] % n_docs))
            rows.append((name, f"BM25Index method={method}", build, t, len(queries), (build / ref_build, t / ref_t), agree,
                         hit(idx), ""))

    print(f"\n{'dataset':<17} {'what':<38} {'build s':>8} {'search s':>9} {'q/s':>9} {'build ratio':>11} "
          f"{'search ratio':>12} {'top-1 agree':>11} {f'hit@{k}':>7}")
    for name, what, build, t, nq, ratio, agree, h, note in rows:
        r_b = f"{ratio[0]:.3f}" if ratio else "1"
        r_s = f"{ratio[1]:.3f}" if ratio else "1"
        ag = f"{agree:.1f}%" if agree is not None else "-"
        print(f"{name:<17} {what:<38} {build:>8.2f} {t:>9.2f} {nq / t:>9.0f} {r_b:>11} {r_s:>12} {ag:>11} {h:>6.1f}%"
              + (f"  ({note})" if note else ""))
    print("\nratio = ours / rank-bm25 time (below 1: ours is faster); agreement = same top-1 passage as rank-bm25; "
          f"hit@{k} = a qrels-relevant passage in the top {k}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
