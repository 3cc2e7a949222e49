"""The in-batch loss's scale (1 / temperature) when fine-tuning multilingual-e5-small on the bundled sample.

    .venv/bin/python bench/loss_scale.py [--scales 20 50 100] [--epochs 1] [--lr 5e-5]

For each scale: multilingual-e5-small trained with a plain ``SentenceTransformerTrainer`` on
``assets/sample/train.jsonl`` (210 rows: query, first positive, first negative), batch 16, NO_DUPLICATES batches,
warm-up 10%, max length 160, word embeddings frozen, the model's query/passage prompts on; then
``core.evaluation.evaluate_models`` base vs tuned on the sample's 120 test queries over all 242 passages (verdicts
with 95% bootstrap CIs, overall and per query language). Only the scale changes between rows. The recipe's own
choice (``core.training.temperature``) is printed beside them. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT / "assets" / "sample"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", type=float, nargs="+", default=[20.0, 50.0, 100.0])
    ap.add_argument("--epochs", type=float, default=1.0)
    ap.add_argument("--lr", type=float, default=5e-5)
    args = ap.parse_args()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch
    from datasets import Dataset
    from sentence_transformers import (
        SentenceTransformer,
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from sentence_transformers.sentence_transformer.training_args import BatchSamplers

    from core.evaluation import evaluate_models, load_beir
    from core.evaluation.verdict import render
    from core.models import resolve_model, set_threads
    from core.training.temperature import calibrated_scale

    set_threads()
    path = str(resolve_model("multilingual-e5-small").path)
    rows = [json.loads(line) for line in open(SAMPLE / "train.jsonl", encoding="utf-8")]
    ds = Dataset.from_dict({"anchor": [r["query"] for r in rows], "positive": [r["pos"][0] for r in rows],
                            "negative": [r["neg"][0] for r in rows]})
    ev = load_beir(SAMPLE / "beir")
    base = SentenceTransformer(path, device="cpu")
    recipe_scale, gap = calibrated_scale(base, [r["query"] for r in rows[:64]], [r["pos"][0] for r in rows[:64]])
    print(f"recipe's calibrated scale on the first 64 training pairs: {recipe_scale:g} (gap {gap:.3f})")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for scale in args.scales:
            torch.manual_seed(0)
            model = SentenceTransformer(path, device="cpu")
            model.max_seq_length = 160
            model[0].auto_model.get_input_embeddings().weight.requires_grad_(False)
            out = Path(tmp) / f"scale-{scale:g}"
            targs = SentenceTransformerTrainingArguments(
                output_dir=str(out), num_train_epochs=args.epochs, per_device_train_batch_size=16,
                learning_rate=args.lr, warmup_steps=0.1, batch_sampler=BatchSamplers.NO_DUPLICATES,
                save_strategy="no", report_to=[], seed=42,
                prompts={"anchor": "query: ", "positive": "passage: ", "negative": "passage: "})
            t0 = time.monotonic()
            SentenceTransformerTrainer(model=model, args=targs, train_dataset=ds,
                                       loss=MultipleNegativesRankingLoss(model, scale=scale)).train()
            seconds = time.monotonic() - t0
            model.save(str(out / "model"))
            res = evaluate_models([("base", path), ("tuned", str(out / "model"))], ev, use_cache=True)
            verdicts = res.verdicts.get("tuned", [])
            row = {"scale": scale, "train_seconds": round(seconds, 1), "base": res.metrics["base"].get("ndcg@10"),
                   "tuned": res.metrics["tuned"].get("ndcg@10"),
                   "verdicts": {v["subset"] or "all": v["key"].replace("verdict_", "") for v in verdicts}}
            results.append(row)
            print(f"scale {scale:g}: test ndcg@10 {row['base']:.4f} -> {row['tuned']:.4f} ({seconds:.0f} s training)")
            for v in verdicts:
                print("   ", render(v))
    print(json.dumps({"bench": "loss_scale", "model": "multilingual-e5-small", "epochs": args.epochs, "lr": args.lr,
                      "recipe_scale": recipe_scale, "gap": round(gap, 4), "rows": results}))


if __name__ == "__main__":
    main()
