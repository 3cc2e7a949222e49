"""Model choice as a lever: which bundled model ``python -m core select`` picks on a set's own validation
queries, against the model the data's language alone would pick (the recipe's rule with
``model_selection: off``).

    .venv/bin/python bench/select_models.py [--sets en_domain_climate_fever,financial_qa_10k] [--pairs N]
                                            [--data-dir ../shared/data]

For each set, the training pairs are those of ``bench/quality.py`` (same split, same seed); a run on them holds
out 10% as validation, and that is what both bundled models are scored on (``core.training.select``, at most
200 queries, the run's passage pool). Prints one table per set (NDCG@10 with its 95% interval, texts/s,
seconds per model; the winner and its reason; the language rule's pick and the NDCG@10 difference) and, last,
one JSON line. Speeds depend on how busy the machine is; NDCG@10 does not. Needs ``../shared/data``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from bench.quality import SETS, load_set
    from core.models import set_threads
    from core.training import TrainConfig
    from core.training.data import splits_for
    from core.training.recipe import plan_recipe
    from core.training.select import select_models

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="en_domain_climate_fever,financial_qa_10k")
    ap.add_argument("--pairs", type=int, default=1000, help="training pairs per set (10%% become validation)")
    ap.add_argument("--data-dir", default=None, help="the shared data folder (default: ../shared/data)")
    args = ap.parse_args()
    if args.data_dir:
        import bench.quality

        bench.quality.DATA = Path(args.data_dir)
    set_threads()
    out = {}
    for name in [s for s in args.sets.split(",") if s]:
        if name not in SETS:
            raise SystemExit(f"unknown set {name!r} (known: {', '.join(SETS)})")
        _, pairs, _, _ = load_set(name, args.pairs, 1, None)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "pairs.jsonl"
            path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs), encoding="utf-8")
            cfg = TrainConfig(recipe="auto", model_selection="off")
            cfg.data.train = [str(path)]
            splits = splits_for(cfg)
            t0 = time.monotonic()
            report = select_models(splits, seed=cfg.seed, max_passages=cfg.eval.max_eval_passages)
            seconds = time.monotonic() - t0
            rule = plan_recipe(cfg, splits).config.model
        rows = {r.model: r for r in report.rows if r.ok}
        print(f"\n## {name}: {report.n_queries} validation queries over {report.n_passages} passages "
              f"(data {report.data_language}), {seconds:.0f} s")
        print(f"{'model':24} {'ndcg@10':>8} {'95% CI':>15} {'hit@1':>6} {'hit@10':>6} {'texts/s':>8} {'s':>6}")
        for r in report.rows:
            if not r.ok:
                print(f"{r.model:24} error: {r.error}")
                continue
            ci = f"{r.ndcg_ci[0]:.3f}-{r.ndcg_ci[1]:.3f}"
            print(f"{r.model:24} {r.metrics['ndcg@10']:8.4f} {ci:>15} {r.metrics['hit@1']:6.3f} "
                  f"{r.metrics['hit@10']:6.3f} {r.texts_per_second:8.1f} {r.seconds:6.1f}")
        gain = None
        if report.winner in rows and rule in rows:
            gain = rows[report.winner].metrics["ndcg@10"] - rows[rule].metrics["ndcg@10"]
        print(f"winner: {report.winner} — {report.reason}")
        print(f"language rule: {rule}; winner minus rule NDCG@10: {gain:+.4f}" if gain is not None
              else f"language rule: {rule}")
        out[name] = {"n_queries": report.n_queries, "n_passages": report.n_passages, "seconds": round(seconds, 1),
                     "winner": report.winner, "reason": report.reason, "language_rule": rule,
                     "winner_minus_rule_ndcg@10": gain,
                     "models": {m: {"ndcg@10": r.metrics["ndcg@10"], "ci": list(r.ndcg_ci),
                                    "texts_per_second": r.texts_per_second} for m, r in rows.items()}}
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
