"""The recipe's mined-vs-in-batch choice, as the runner makes it: what the base model's evidence on each set's
validation queries says (``core.training.negatives.negatives_evidence``), without training.

    .venv/bin/python bench/negatives_choice.py [--sets financial_qa_10k,...] [--pairs N] [--sample]

For each set the training pairs are ``bench/quality.py``'s (same split, same seed, 1,000 by default); the run's
recipe splits them, picks the model, batch and scale as ``python -m core train`` would, and the evidence is read
on up to 64 validation queries against up to 1,000 passages of the mining pool. ``--sample`` adds the bundled
sample (its own validation file; the sample's rows bring negatives, so only the measurement is shown), and
``--own FILE[:MODEL]`` any query-pos-neg file that brings negatives. Where the data brings negatives, the row also
shows what the runner's ``own_evidence`` says of them on training rows (share, and ``data.neg_nums`` 1 or 0).
Prints one row per set (loss with in-batch negatives, with a mined one, the mined share, labelled answers the
guard lets through, the choice, seconds) and, last, one JSON line. Needs ``../shared/data`` for the shared sets.
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


def measure(cfg, model_override: str | None = None) -> dict:
    """The evidence and choice for one config, as the runner computes them (recipe, model, scale, pool)."""
    from core import losses as L
    from core.models import load_model
    from core.training.data import splits_for
    from core.training.negatives import measures_own_negatives, negatives_evidence, own_evidence, planned_pool
    from core.training.recipe import plan_recipe
    from core.training.temperature import scale_choice

    splits = splits_for(cfg)
    plan = plan_recipe(cfg, splits)
    config = plan.config
    if model_override:
        config.model = model_override
    loss = L.run_loss(config.loss.name, splits.format)
    t0 = time.monotonic()
    model = load_model(config.model)
    if config.hyper.max_seq_length:
        model.max_seq_length = int(config.hyper.max_seq_length)
    params = L.validate_params(loss, config.loss.params)
    picked = scale_choice(loss, params, config.loss.params, model, splits.train, splits.format, config.seed)
    scale = picked[0] if picked else float(params.get("scale") or 20.0)
    if config.data.hard_negatives != "mined":
        config.data.hard_negatives = "mined"  # measure anyway (e.g. data that brings its negatives)
    planned = planned_pool(config, splits, loss)
    if planned is None:  # rows with negatives: rank against the rows' own passages
        from core.training.evaluators import row_passages

        planned = (row_passages(splits.train, splits.format), [])
    ev = negatives_evidence(model, splits.validation, splits.format, planned[0], int(config.hyper.batch_size), scale,
                            seed=config.seed)
    seconds = time.monotonic() - t0
    value, why = ev.choice()
    row = {"model": config.model, "batch": ev.batch, "scale": ev.scale, "queries": ev.queries, "pool": ev.pool,
           "in_batch_loss": ev.in_batch_loss, "mined_loss": ev.mined_loss, "share": ev.share, "multi": ev.multi,
           "leaked": ev.leaked, "choice": value, "why": why, "seconds": round(seconds, 1)}
    if measures_own_negatives(plan):  # the data brings negatives: the runner's own_evidence decides data.neg_nums
        t1 = time.monotonic()
        own = own_evidence(model, splits.train, int(config.hyper.batch_size), scale, seed=config.seed)
        if own is not None:
            own_value, own_why = own.choice()
            row.update(own_rows=own.queries, own_share=own.share, own_choice=own_value, own_why=own_why,
                       own_seconds=round(time.monotonic() - t1, 1))
    return row


def main() -> None:
    from bench.quality import SETS, load_set
    from core.models import set_threads
    from core.training import TrainConfig

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--pairs", type=int, default=1000)
    ap.add_argument("--sample", action="store_true", help="also the bundled sample, with MiniLM and with e5")
    ap.add_argument("--own", action="append", default=[], metavar="FILE[:MODEL]",
                    help="also a query-pos-neg file that brings its own negatives (a tenth held out for validation)")
    args = ap.parse_args()
    set_threads()
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in [s for s in args.sets.split(",") if s]:
            _, pairs, _, _ = load_set(name, args.pairs, 1, None)
            path = Path(tmp) / f"{name}.jsonl"
            path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs), encoding="utf-8")
            cfg = TrainConfig(recipe="auto")
            cfg.data.train = [str(path)]
            out[name] = measure(cfg)
            print(json.dumps({name: out[name]}, ensure_ascii=False), flush=True)
        if args.sample:
            sample = ROOT / "assets" / "sample"
            for model in ("minilm", "multilingual-e5-small"):
                cfg = TrainConfig(recipe="auto", model=model)
                cfg.data.train, cfg.data.validation = [str(sample / "train.jsonl")], [str(sample / "validation.jsonl")]
                out[f"sample ({model})"] = measure(cfg)
                print(json.dumps({f"sample ({model})": out[f"sample ({model})"]}, ensure_ascii=False), flush=True)
        for spec in args.own:
            path, _, model = spec.partition(":")
            cfg = TrainConfig(recipe="auto", model=model or None)
            cfg.data.train = [path]
            key = f"{Path(path).name} ({model or 'recipe'})"
            out[key] = measure(cfg)
            print(json.dumps({key: out[key]}, ensure_ascii=False), flush=True)
    print(f"{'set':34} {'model':22} {'batch':>5} {'scale':>5} {'queries':>7} {'pool':>5} {'in-batch':>8} {'mined':>7} "
          f"{'share':>6} {'leaked':>7} {'choice':>6} {'s':>5} {'own share':>9} {'own neg/row':>11}")
    for name, r in out.items():
        leak = f"{r['leaked']}/{r['multi']}" if r["multi"] else "-"
        print(f"{name:34} {r['model']:22} {r['batch']:5d} {r['scale']:5g} {r['queries']:7d} {r['pool']:5d} "
              f"{r['in_batch_loss']:8.4f} {r['mined_loss']:7.4f} {r['share']:6.0%} {leak:>7} {r['choice']:>6} {r['seconds']:5.0f} "
              + (f"{r['own_share']:9.0%} {r['own_choice']:11d}" if "own_share" in r else f"{'-':>9} {'-':>11}"))
    print(json.dumps({"bench": "negatives_choice", "pairs": args.pairs, "sets": out}, ensure_ascii=False))


if __name__ == "__main__":
    main()
