"""Training throughput: a plain sentence-transformers script against our engine (``core.training.run_training``).

Usage: .venv/bin/python bench/train_throughput.py [--steps 20] [--batch 16] [--seq 128] [--rows 2000]
                                                  [--precisions fp32 bf16] [--repeats 1] [--data auto|financial|sample]

Both sides train the bundled MiniLM (``core.models.resolve_model("minilm").path``) with
MultipleNegativesRankingLoss on the same (question, passage) pairs, in the same order (NO_DUPLICATES batch
sampler, seed 42), with the same batch size, max_seq_length, step count, learning rate 5e-5, warmup 0.1, weight
decay 0.01. Data: the first ``--rows`` financial_qa_10k question -> passage pairs from ../shared/data (English),
or the bundled assets/sample/train.jsonl (query, first positive; Chinese) when that is absent. The pairs are
written to a temporary JSONL file (never into the repository).

(a) plain: ``SentenceTransformer(path)`` + ``SentenceTransformerTrainer`` + ``MultipleNegativesRankingLoss``,
    no evaluation, no saving; ``time.perf_counter()`` around ``trainer.train()`` only, and a callback stamping
    the start of training and the end of every step.
(b) engine: ``run_training(TrainConfig)`` with split [1.0, 0.0] (no validation set, so no evaluator),
    evaluate_base false and eval/save steps beyond the last step, so nothing but training runs between the
    first and the last step. Its step times come from the ``progress`` events in events.jsonl (one at the start
    of training, one per step end: the same two moments as the plain callback; millisecond timestamps). Its
    per-step extra work is what a user gets: a ``progress`` and a ``train`` event per step (each an fsync'd
    line in events.jsonl), a finite-loss check, the STOP-file check. The end-to-end time (data loading, model
    loading, the final checkpoint and the ``final/`` save; library imports excluded on both sides) is shown
    separately.

Every configuration runs in its own fresh Python process (one after the other, never two at once), so no run
inherits another's warm caches. Columns: train s = start of training -> end of the last step; samples/s =
steps x batch / train s; steady samples/s leaves the first step (warm-up) out; ratio = engine / plain
samples/s at the same precision, bf16/fp32 = bf16 / fp32 samples/s of the same trainer. "Linear out" is the
dtype a global forward hook saw coming out of the model's nn.Linear layers during training: bfloat16 proves
the bf16 autocast really ran on the CPU (TrainingArguments(bf16=True) -> accelerate's
``torch.autocast("cpu", dtype=torch.bfloat16)`` around the model's forward).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._child import DATA, financial_pairs, run_child  # noqa: E402

SAMPLE = ROOT / "assets" / "sample" / "train.jsonl"


# -- data ------------------------------------------------------------------------------------------------
def _sample_pairs() -> list[dict]:
    pairs = []
    with open(SAMPLE, encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            if d.get("pos"):
                pairs.append({"anchor": d["query"], "positive": d["pos"][0]})
    return pairs


def _write_pairs(kind: str, rows: int, folder: Path) -> tuple[Path, str, int]:
    found = financial_pairs() if kind in ("auto", "financial") else None
    pairs = [{"anchor": q, "positive": p} for q, p in found] if found is not None else None
    name = "financial_qa_10k"
    if pairs is None:
        if kind == "financial":
            raise SystemExit(f"--data financial: {DATA / 'financial_qa_10k'} is absent.")
        pairs, name = _sample_pairs(), "assets/sample/train.jsonl"
    random.Random(42).shuffle(pairs)
    pairs = pairs[:rows]
    path = folder / "pairs.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for p in pairs:
            fh.write(json.dumps(p, ensure_ascii=False) + "\n")
    return path, name, len(pairs)


# -- one measured run (child process) --------------------------------------------------------------------
def _dtype_probe():
    """Install a global forward hook recording the output dtypes of nn.Linear layers in training mode."""
    import torch

    seen: set[str] = set()

    def hook(module, inputs, output):
        if module.training and isinstance(module, torch.nn.Linear) and isinstance(output, torch.Tensor):
            seen.add(str(output.dtype).replace("torch.", ""))

    torch.nn.modules.module.register_module_forward_hook(hook)
    return seen


def _plain(a) -> dict:
    import torch
    from datasets import Dataset
    from sentence_transformers import (
        SentenceTransformer,
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.base.sampler import BatchSamplers
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from transformers import TrainerCallback

    from core.models import resolve_model

    t_load = time.perf_counter()
    model = SentenceTransformer(resolve_model("minilm").path, device="cpu")
    model.max_seq_length = a.seq
    rows = [json.loads(line) for line in open(a.data_file, encoding="utf-8")]
    ds = Dataset.from_list(rows)
    loss = MultipleNegativesRankingLoss(model)
    load_s = time.perf_counter() - t_load
    stamps: list[float] = []

    class Stamp(TrainerCallback):
        def on_train_begin(self, args, state, control, **kw):
            stamps.append(time.perf_counter())

        def on_step_end(self, args, state, control, **kw):
            stamps.append(time.perf_counter())

    args = SentenceTransformerTrainingArguments(
        output_dir=str(Path(a.work) / "plain"), max_steps=a.steps, per_device_train_batch_size=a.batch,
        learning_rate=5e-5, warmup_ratio=0.1, weight_decay=0.01, bf16=a.precision == "bf16",
        batch_sampler=BatchSamplers.NO_DUPLICATES, eval_strategy="no", save_strategy="no", report_to="none",
        disable_tqdm=True, use_cpu=True, seed=42, data_seed=42, dataloader_num_workers=0,
    )
    trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=ds, loss=loss, callbacks=[Stamp()])
    t = time.perf_counter()
    trainer.train()
    wall = time.perf_counter() - t
    return {"stamps": [s - stamps[0] for s in stamps], "train_call_s": wall, "load_s": load_s,
            "threads": torch.get_num_threads(), "steps_done": trainer.state.global_step}


def _engine(a) -> dict:
    import datasets  # noqa: F401  (imported before the clock starts, as in the plain script)
    import sentence_transformers  # noqa: F401
    import torch
    from sentence_transformers import SentenceTransformerTrainer  # noqa: F401

    from core.training import TrainConfig, read_events, run_training
    from core.training.config import DataConfig, EvalConfig, HyperParams

    cfg = TrainConfig(
        name="bench", model="minilm",
        data=DataConfig(train=[str(a.data_file)], format="pair", split=[1.0, 0.0]),
        hyper=HyperParams(batch_size=a.batch, learning_rate=5e-5, warmup_ratio=0.1, weight_decay=0.01,
                          max_seq_length=a.seq, max_steps=a.steps, bf16="true" if a.precision == "bf16" else "false"),
        eval=EvalConfig(evaluate_base=False, eval_steps=10**6, save_steps=10**6),
    )
    run_dir = Path(a.work) / "engine"
    t = time.perf_counter()
    status = run_training(cfg, run_dir)
    total = time.perf_counter() - t
    events = read_events(run_dir)[0]
    ts = lambda e: datetime.fromisoformat(e["time"]).timestamp()  # noqa: E731
    prog = [e for e in events if e["type"] == "progress"]
    stamps = [ts(e) - ts(prog[0]) for e in prog]
    started = next(ts(e) for e in events if e["type"] == "status" and e.get("status") == "running")
    ended = next(ts(e) for e in reversed(events) if e["type"] == "status")
    train_ev = [e for e in events if e["type"] == "train"]
    return {"stamps": stamps, "run_training_s": total, "setup_s": ts(prog[0]) - started,
            "after_s": ended - ts(prog[-1]), "status": status.get("status"), "threads": torch.get_num_threads(),
            "engine_sps": train_ev[-1].get("samples_per_second") if train_ev else None,
            "steps_done": prog[-1]["step"], "n_events": len(events)}


def _child(a) -> int:
    seen = _dtype_probe()
    out = _plain(a) if a.one == "plain" else _engine(a)
    out["linear_dtypes"] = sorted(seen)
    print("RESULT " + json.dumps(out))
    return 0


# -- parent: run every configuration, print the table ----------------------------------------------------
def _run_one(mode: str, precision: str, a, data_file: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"bench-{mode}-") as work:
        cmd = [sys.executable, __file__, "--one", mode, "--precision", precision, "--data-file", str(data_file),
               "--work", work, "--steps", str(a.steps), "--batch", str(a.batch), "--seq", str(a.seq)]
        env = dict(os.environ, TOKENIZERS_PARALLELISM="false", HF_HUB_OFFLINE="1", TRANSFORMERS_VERBOSITY="error")
        child = run_child(cmd, env=env)
    result = child.result("RESULT ")
    if child.returncode != 0 or result is None:
        sys.stderr.write(child.stdout[-3000:] + child.stderr[-3000:])
        raise SystemExit(f"{mode} {precision} failed (exit {child.returncode}).")
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq", type=int, default=128, help="max_seq_length")
    ap.add_argument("--rows", type=int, default=2000, help="training pairs written to the temporary file")
    ap.add_argument("--precisions", nargs="+", default=["fp32", "bf16"], choices=["fp32", "bf16"])
    ap.add_argument("--repeats", type=int, default=1, help="runs per configuration (the median is shown)")
    ap.add_argument("--data", default="auto", choices=["auto", "financial", "sample"])
    ap.add_argument("--one", choices=["plain", "engine"], help=argparse.SUPPRESS)
    ap.add_argument("--precision", default="fp32", help=argparse.SUPPRESS)
    ap.add_argument("--data-file", help=argparse.SUPPRESS)
    ap.add_argument("--work", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        return _child(a)

    results: dict[tuple[str, str], list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-train-data-") as tmp:
        data_file, data_name, n_rows = _write_pairs(a.data, a.rows, Path(tmp))
        print(f"data: {n_rows} pairs from {data_name}; {a.steps} steps x batch {a.batch}, max_seq_length {a.seq}, "
              f"MiniLM, MultipleNegativesRankingLoss", file=sys.stderr)
        for r in range(a.repeats):
            for precision in a.precisions:
                for mode in ("plain", "engine"):
                    res = _run_one(mode, precision, a, data_file)
                    results.setdefault((mode, precision), []).append(res)
                    sps = a.steps * a.batch / res["stamps"][-1]
                    print(f"  run {r + 1}: {mode} {precision}: {sps:.1f} samples/s", file=sys.stderr)

    def med(mode, precision, key):
        vals = [f(x) for x in results[(mode, precision)] for f in [key]]
        return statistics.median(vals)

    train_s = lambda x: x["stamps"][-1]  # noqa: E731
    steady_sps = lambda x: (len(x["stamps"]) - 2) * a.batch / (x["stamps"][-1] - x["stamps"][1])  # noqa: E731
    print(f"\n{'trainer':<8} {'precision':<9} {'steps':>5} {'train s':>8} {'samples/s':>10} {'steady s/s':>10} "
          f"{'engine/plain':>12} {'bf16/fp32':>9} {'Linear out':>10} {'wall s':>7}  notes")
    for precision in a.precisions:
        for mode in ("plain", "engine"):
            xs = results[(mode, precision)]
            t = med(mode, precision, train_s)
            sps = a.steps * a.batch / t
            ratio = "1" if mode == "plain" else f"{(a.steps * a.batch / t) / (a.steps * a.batch / med('plain', precision, train_s)):.3f}"
            bf = "-"
            if precision == "bf16" and ("fp32" in a.precisions):
                bf = f"{med(mode, 'fp32', train_s) / t:.3f}"
            dt = "+".join(sorted({d for x in xs for d in x["linear_dtypes"]}))
            if mode == "plain":
                wall = med(mode, precision, lambda x: x["train_call_s"])
                note = f"trainer.train() {wall:.1f}s; model+data load {med(mode, precision, lambda x: x['load_s']):.1f}s"
            else:
                wall = med(mode, precision, lambda x: x["run_training_s"])
                eng = med(mode, precision, lambda x: x["engine_sps"] or 0.0)
                note = (f"run_training() {wall:.1f}s = setup {med(mode, precision, lambda x: x['setup_s']):.1f}s + "
                        f"steps {t:.1f}s + end saves {med(mode, precision, lambda x: x['after_s']):.1f}s; "
                        f"its own train-event samples/s {eng:.1f}")
            print(f"{mode:<8} {precision:<9} {xs[0]['steps_done']:>5} {t:>8.2f} {sps:>10.1f} "
                  f"{med(mode, precision, steady_sps):>10.1f} {ratio:>12} {bf:>9} {dt:>10} {wall:>7.1f}  {note}")
    threads = {x["threads"] for xs in results.values() for x in xs}
    print(f"\ntorch threads: {', '.join(map(str, sorted(threads)))}; {a.repeats} run(s) per row (median shown), "
          "each in a fresh process; train s = start of training -> end of the last step.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
