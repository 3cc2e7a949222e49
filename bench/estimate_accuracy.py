"""The Train tab's time estimate against the real wall time of the same run (target: within ±30%).

Usage: .venv/bin/python bench/estimate_accuracy.py [--data sample financial] [--rows 500] [--model minilm]
       [--quick]

For each data set: ``core.training.estimate.estimate(config)`` (the Train tab's call: a two-step speed probe
plus the step plan), then the same config trained by ``python -m core train --config cfg.yaml`` in a fresh
process, timed from the command's start to its exit (imports, data, model load, base evaluation, training,
evaluations, saves and the delivered-model choice, as the user waits for them). The config is the studio's
default recipe (``recipe: auto``, every setting open) on:

- ``sample``: the bundled assets/sample (train.jsonl, validation.jsonl; Chinese and English);
- ``financial``: the first ``--rows`` question -> context pairs of ../shared/data/financial_qa_10k, a tenth
  held out for validation by the studio's split (skipped with a reason when the folder is absent).

Columns: estimate s, real s, ratio = estimate / real (1.00 is exact; the target is 0.70..1.30).
``--quick`` keeps only the sample. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"


def sample_config(model: str, work: Path):
    from core.training import TrainConfig

    cfg = TrainConfig(name="est-sample", model=model)
    cfg.data.train = [str(ROOT / "assets" / "sample" / "train.jsonl")]
    cfg.data.validation = [str(ROOT / "assets" / "sample" / "validation.jsonl")]
    return cfg


def financial_config(model: str, work: Path, rows: int):
    from core.training import TrainConfig

    src = SHARED / "financial_qa_10k" / "raw" / "Financial-QA-10k.csv"
    if not src.is_file():
        return None
    data = list(csv.DictReader(open(src, encoding="utf-8")))[:rows]
    path = work / "financial.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["question", "context"])
        w.writerows((r["question"], r["context"]) for r in data)
    cfg = TrainConfig(name="est-financial", model=model)
    cfg.data.train = [str(path)]
    cfg.data.format = "pair"
    cfg.data.mapping = {"anchor": "question", "positive": "context"}
    return cfg


def measure(cfg, work: Path) -> dict:
    from core.training.estimate import estimate

    est = estimate(cfg)
    cfg_path = work / f"{cfg.name}.yaml"
    cfg.save(cfg_path)
    run_dir = work / "runs" / cfg.name
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "core", "train", "--config", str(cfg_path), "--run-dir", str(run_dir)],
                          cwd=str(ROOT), capture_output=True, text=True,
                          env={**__import__("os").environ, "STUDIO_RUNS_DIR": str(work / "runs")})
    real = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"{cfg.name}: the run failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return {"data": cfg.name.removeprefix("est-"), "steps": est.total_steps, "estimate_s": round(est.seconds, 1),
            "real_s": round(real, 1), "ratio": round(est.seconds / real, 3),
            "breakdown": {k: round(v, 1) for k, v in est.breakdown.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", nargs="+", default=["sample", "financial"], choices=["sample", "financial"])
    ap.add_argument("--rows", type=int, default=500)
    ap.add_argument("--model", default="minilm")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    names = ["sample"] if args.quick else args.data
    results, skipped = [], {}
    with tempfile.TemporaryDirectory(prefix="bench-estimate-") as tmp:
        work = Path(tmp)
        (work / "runs").mkdir()
        for name in names:
            cfg = sample_config(args.model, work) if name == "sample" else financial_config(args.model, work, args.rows)
            if cfg is None:
                skipped[name] = f"{SHARED / 'financial_qa_10k'} is absent"
                continue
            results.append(measure(cfg, work))
    print("| data | steps | estimate s | real s | estimate / real |")
    print("|---|---|---|---|---|")
    for r in results:
        print(f"| {r['data']} | {r['steps']} | {r['estimate_s']} | {r['real_s']} | {r['ratio']:.2f} |")
    for name, why in skipped.items():
        print(f"skipped {name}: {why}")
    print(json.dumps({"model": args.model, "results": results, "skipped": skipped,
                      "within_30pct": all(0.7 <= r["ratio"] <= 1.3 for r in results)}))


if __name__ == "__main__":
    main()
