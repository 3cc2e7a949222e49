"""What the round-trip check would drop from real, correct (query, passage) pairs.

Usage: .venv/bin/python bench/roundtrip.py [--datasets financial_qa_10k t2ranking_100 ...] [--queries 2000] [--data DIR]
Data: ../shared/data BEIR folders (when one is absent the script says so and skips it).

Every pair here is right by construction (a query with a passage the qrels mark relevant), so every pair the
check drops is a loss: the share kept at k = 1, 3, 5, 10 is the check's recall on good pairs, and the price of
the default (BM25, k = 3) on each kind of data. financial_qa_10k's questions were written by an LLM from their
10-K passage (the setting the check is for); the others are human queries. Each query's first relevant passage is
its source; the pool is the whole corpus (``core.builder.roundtrip.roundtrip_filter``, BM25, run once: the ranks
give every k). Time: the whole check (index build + scoring every query against every passage).
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
DATASETS = ("financial_qa_10k", "en_domain_climate_fever", "t2ranking_100", "zh_domain_law_stard")
KS = (1, 3, 5, 10)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=list(DATASETS))
    ap.add_argument("--queries", type=int, default=2000, help="first N queries with a relevant passage")
    ap.add_argument("--data", type=Path, default=DATA, help="folder of the shared data sets (default: ../shared/data)")
    args = ap.parse_args()

    from core.builder.chunking import Passage
    from core.builder.roundtrip import roundtrip_filter
    from core.evaluation import load_beir

    results = []
    print("| dataset | lang | pairs | pool | kept k=1 | kept k=3 | kept k=5 | kept k=10 | median rank | check s |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in args.datasets:
        folder = args.data / name
        if not (folder / "corpus.jsonl").is_file():
            print(f"| {name} | absent, skipped | | | | | | | | |")
            continue
        split = next(s for s in ("all", "train", "test") if (folder / "qrels" / f"{s}.tsv").is_file())
        ev = load_beir(folder, split)
        passages = [Passage(id=d, text=t, source=name, page=1, chunk_index=i) for i, (d, t) in enumerate(ev.corpus.items())]
        rows = []
        for q, rels in ev.qrels.items():
            good = [d for d, g in rels.items() if g > 0 and d in ev.corpus]
            if good and ev.queries.get(q, "").strip() and ev.corpus[good[0]].strip():  # a few real rows are empty
                rows.append({"query": ev.queries[q], "pos": [ev.corpus[good[0]]], "neg": [], "passage_id": good[0]})
            if len(rows) >= args.queries:
                break
        start = time.perf_counter()
        rep = roundtrip_filter(rows, passages, k=1)
        took = time.perf_counter() - start
        ranks = sorted(rep.ranks)
        kept = {k: sum(r <= k for r in ranks) / len(ranks) for k in KS}
        lang = "zh" if name.startswith(("t2", "zh")) else "en"
        print(f"| {name} | {lang} | {len(rows):,} | {rep.pool:,} | " + " | ".join(f"{kept[k]:.1%}" for k in KS)
              + f" | {ranks[len(ranks) // 2]} | {took:.1f} |")
        results.append({"dataset": name, "pairs": len(rows), "pool": rep.pool, "seconds": round(took, 2),
                        "median_rank": ranks[len(ranks) // 2], **{f"kept_k{k}": round(kept[k], 4) for k in KS}})
    print(json.dumps({"bench": "roundtrip", "results": results}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
