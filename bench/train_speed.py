"""Training, defaults vs defaults: the studio's recommended settings against a plain sentence-transformers
script with the library's defaults, side by side in one run (issue 12, targets 1 and 2).

Usage: STUDIO_THREADS=2 .venv/bin/python bench/train_speed.py [--quick] [--sets financial_qa_10k,zh_domain_law_stard]
                                                               [--pairs N] [--test-queries N] [--corpus N]
                                                               [--set KEY=VALUE ...]

Data (``bench.quality.load_set``, the split the quality bench uses): financial_qa_10k (English, bundled MiniLM) split
by ticker, so no company is in both training and test; zh_domain_law_stard (Chinese, bundled multilingual-e5-small)
with the authors' train/test split. ``--pairs`` training (question, passage) pairs from the training queries
(default 300 financial, 80 law: the plain side's 3 epochs of e5 at up to 512 tokens take 3-16 s a step on 2 shared
cores, and the full run must stay near 15-25 minutes), ``--test-queries`` test queries (default 200) searched over
a corpus of ``--corpus`` passages (default 1,500; every relevant passage kept, seeded distractors;
``EvalSet.sample``). ``--quick``: financial_qa_10k only, 32 pairs, 30 queries, 300 passages (about 1.5 minutes). Both sides train on the SAME pairs (one JSONL file) and are scored on the
SAME test queries and corpus.

Sides, each in its own fresh Python process (``bench._child.run_child``; one after the other, never two at once),
with ``STUDIO_GENERAL_DIR=none`` (the forgetting check is measured by ``bench/quality.py``) and temporary run
folders:

- ``studio``: ``core.training.run_training`` with a ``TrainConfig`` that leaves every setting open (recipe
  ``auto``, model empty: what ``python -m core train --data X`` does). The recipe picks the model, max length,
  batch, learning rate, epochs, negatives, frozen word embeddings...; its choices (the run's ``recipe`` events) are
  printed. The run validates on a split of the pairs, evaluates during training and delivers a model
  (``runs/<name>/delivered/``, else ``final/``): both are scored on the test set.
- ``plain``: ``SentenceTransformer(<the same base model>)`` + ``SentenceTransformerTrainer`` +
  ``SentenceTransformerTrainingArguments(output_dir=...)`` with every other argument at its default
  (sentence-transformers 6 / transformers 5: batch 8, lr 5e-5, 3 epochs, warm-up 0, weight decay 0, fp32 on a
  CPU, ``BatchSamplers.BATCH_SAMPLER``, a checkpoint every 500 steps) + ``MultipleNegativesRankingLoss`` at the
  model's own max_seq_length; no evaluator. The model is saved after the clock stops and scored like the others.

Columns, per set and side:
- ``train s``: start of training -> end of the last optimizer step, evaluations and saves inside that span left
  out (studio: the time in its ``training`` phase between the first and last ``progress`` events; plain: a
  callback at train begin and at every step end). ``wall s``: the whole child process (imports, model load,
  mining, evaluations, delivery, saving).
- ``pairs/s`` = training rows x epochs / train s (the studio trains on its training split, not the validation
  rows); ``steps/s`` = optimizer steps / train s.
- ``tok/s``: real (non-padding) tokens the model saw per train second, and ``pad``: the share of padded positions,
  both counted by a global forward pre-hook on the sentence-transformers ``Transformer`` module in training mode
  (the attention mask of every batch as the sampler formed it and the collator padded it; evaluation encodes run
  in eval mode and are not counted).
- ``GFLOP/s`` = 6 x non-embedding parameters x real tokens / train s (the usual training-FLOPs estimate; attention
  scores and padded positions not counted, so this is useful work), ``%peak`` its share of this machine's
  matrix-product rate at the side's precision (``matmul_rates``: 1024^3 ``torch.matmul`` and ``F.linear`` in fp32
  and bf16 at the same thread count, the better of the two; ``prec`` is the dtype a forward hook saw leaving
  nn.Linear in training).
- ``RSS GB``: the child's peak RSS (``ru_maxrss`` from ``os.wait4``): the whole run, the studio's validation
  evaluations and delivery included.
- ``in steps``: the peak of a 0.1 s RSS sampler inside the training steps (studio: its
  ``training`` phase; plain: train begin -> last step); the studio's peak per phase is printed below the table.
- ``NDCG@10`` on the test queries, ``vs base`` the paired difference to the untouched base model with its 95%
  bootstrap CI and verdict (``core.evaluation.stats.paired_difference``).
Ratio rows: studio / plain pairs/s, tok/s, train s and peak RSS, and studio - plain test NDCG@10 (paired, 95% CI),
for the delivered and the final model. Target (issue 12): >= 1.5x pairs/s at equal or better NDCG@10; peak RSS of
e5 training with the defaults <= 3 GB. Last line: one JSON object with the headline figures.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._child import DATA, apply_sets, run_child  # noqa: E402

MODELS = {"en": "minilm", "zh": "multilingual-e5-small"}
# training pairs per set in the full mode: what lets the plain side (3 epochs at the model's own length; e5 at 512
# tokens takes 8-16 s a step on 2 shared cores) finish with the rest within ~25 minutes
SETS_DEFAULT = {"financial_qa_10k": 300, "zh_domain_law_stard": 80}


# -- measured in the child -------------------------------------------------------------------------------
def _token_counter() -> dict:
    """A global forward pre-hook counting real tokens and padded positions of every training-mode forward of a
    sentence-transformers ``Transformer`` module (its first argument is the features dict with the attention mask)."""
    import torch
    from sentence_transformers.base.modules.transformer import Transformer

    seen = {"real": 0, "positions": 0, "batches": 0}

    def hook(module, args):
        if not (module.training and isinstance(module, Transformer) and args and isinstance(args[0], dict)):
            return
        mask = args[0].get("attention_mask")
        if isinstance(mask, torch.Tensor):
            seen["real"] += int(mask.sum())
            seen["positions"] += int(mask.numel())
            seen["batches"] += 1

    torch.nn.modules.module.register_module_forward_pre_hook(hook)
    return seen


class _RssSampler:
    """A daemon thread sampling this process's RSS (``VmRSS``) every ``every`` seconds: ``samples`` is a list of
    (wall-clock time, MB), so a peak can be placed in a phase of the run (ru_maxrss gives only the whole run's)."""

    def __init__(self, every: float = 0.1):
        import threading

        self.samples: list[tuple[float, float]] = []
        self.every = every
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            with open("/proc/self/status", encoding="ascii") as fh:
                kb = next((int(ln.split()[1]) for ln in fh if ln.startswith("VmRSS:")), 0)
            self.samples.append((time.time(), kb / 1024))
            time.sleep(self.every)

    def peak(self, start: float = 0.0, end: float = float("inf")) -> float:
        return max((mb for t, mb in self.samples if start <= t <= end), default=0.0)


def _plain(a, rss: _RssSampler) -> dict:
    from datasets import Dataset
    from sentence_transformers import (
        SentenceTransformer,
        SentenceTransformerTrainer,
        SentenceTransformerTrainingArguments,
    )
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from transformers import TrainerCallback

    from core.models import resolve_model

    model = SentenceTransformer(resolve_model(a.model).path, device="cpu")
    rows = [json.loads(line) for line in open(a.data_file, encoding="utf-8")]
    ds = Dataset.from_list(rows)
    stamps: list[float] = []

    class Stamp(TrainerCallback):
        def on_train_begin(self, args, state, control, **kw):
            stamps.append(time.perf_counter())
            wall.append(time.time())

        def on_step_end(self, args, state, control, **kw):
            stamps.append(time.perf_counter())
            wall[1:] = [time.time()]

    wall: list[float] = []
    args = SentenceTransformerTrainingArguments(output_dir=str(Path(a.work) / "plain-checkpoints"))
    trainer = SentenceTransformerTrainer(model=model, args=args, train_dataset=ds,
                                         loss=MultipleNegativesRankingLoss(model), callbacks=[Stamp()])
    trainer.train()
    out_dir = Path(a.work) / "plain-model"
    model.save(str(out_dir))
    return {"train_s": stamps[-1] - stamps[0], "steps": trainer.state.global_step, "rows": len(rows),
            "epochs": float(args.num_train_epochs), "batch": args.per_device_train_batch_size,
            "lr": args.learning_rate, "max_seq_length": model.max_seq_length,
            "batch_sampler": str(args.batch_sampler), "models": {"plain": str(out_dir)},
            "train_rss_mb": rss.peak(wall[0], wall[-1]), "rss_by_phase": {"training": rss.peak(wall[0], wall[-1])}}


def _studio(a, rss: _RssSampler) -> dict:
    from core.training import TrainConfig, read_events, run_training

    cfg = TrainConfig(name="studio")  # every setting open: recipe auto, model chosen from the data
    cfg.data.train = [str(a.data_file)]
    cfg = apply_sets(cfg, a.set)  # --set: one lever fixed instead of left to the recipe
    run_dir = Path(a.work) / "runs" / "studio"
    status = run_training(cfg, run_dir)
    if status.get("status") != "completed":
        raise SystemExit(f"studio run ended {status.get('status')}: {status.get('error')}")
    events = read_events(run_dir)[0]
    ts = lambda e: datetime.fromisoformat(e["time"]).timestamp()  # noqa: E731
    prog = [e for e in events if e["type"] == "progress"]
    t0, t1 = ts(prog[0]), ts(prog[-1])
    phases = [e for e in events if e["type"] == "phase"]
    train_s = 0.0
    for e, nxt in zip(phases, phases[1:] + [None]):
        if e.get("phase") != "training":
            continue
        start, end = max(ts(e), t0), min(ts(nxt) if nxt else t1, t1)
        train_s += max(0.0, end - start)
    by_phase: dict[str, float] = {"setup": rss.peak(0.0, ts(phases[0]))}
    for e, nxt in zip(phases, phases[1:] + [None]):
        name = "delivery" if e.get("phase") == "done" else e.get("phase", "?")
        by_phase[name] = max(by_phase.get(name, 0.0), rss.peak(ts(e), ts(nxt) if nxt else float("inf")))
    plan = next(e for e in events if e["type"] == "plan")
    params = next(e for e in events if e["type"] == "params")
    choices = [c for e in events if e["type"] == "recipe" for c in e.get("choices", [])]
    delivered = run_dir / "delivered"
    models = {"studio/final": str(run_dir / "final")}
    if delivered.is_dir():
        models = {"studio": str(delivered), **models}
    delivery = run_dir / "delivery.json"
    chosen = json.loads(delivery.read_text(encoding="utf-8")).get("delivered") if delivery.is_file() else None
    hyper = {c["key"]: c["value"] for c in choices}
    return {"train_s": train_s, "steps": prog[-1]["step"], "rows": plan["train_rows"],
            "epochs": plan["total_steps"] / max(1, plan["steps_per_epoch"]), "batch": hyper.get("hyper.batch_size"),
            "lr": hyper.get("hyper.learning_rate"), "max_seq_length": hyper.get("hyper.max_seq_length"),
            "model": hyper.get("model"), "loss": plan.get("loss"), "trainable": params.get("trainable"),
            "total_params": params.get("total"), "frozen_word_embeddings": params.get("frozen_word_embeddings"),
            "choices": choices, "delivered": chosen, "models": models,
            "evaluations": sum(1 for e in events if e["type"] == "eval"),
            "train_rss_mb": by_phase.get("training", 0.0), "rss_by_phase": by_phase}


def _child(a) -> int:
    from bench.train_throughput import _dtype_probe

    dtypes = _dtype_probe()
    tokens = _token_counter()
    from core.models import set_threads

    threads = set_threads()
    rss = _RssSampler()
    out = _plain(a, rss) if a.one == "plain" else _studio(a, rss)
    out.update(tokens=tokens, linear_dtypes=sorted(dtypes), threads=threads)
    print("RESULT " + json.dumps(out, ensure_ascii=False))
    return 0


# -- measured in the parent ------------------------------------------------------------------------------
def matmul_rates(n: int = 1024, seconds: float = 1.0) -> dict[str, float]:
    """This machine's FLOP/s for n x n x n products, best of repeated timings: ``torch.matmul`` and
    ``torch.nn.functional.linear`` (what nn.Linear runs; on this CPU's torch build bf16 matmul takes a slow path
    that linear does not) in fp32 and bf16. Keys ``matmul_fp32``, ``linear_fp32``, ..., and ``fp32`` / ``bf16``:
    the better of the two, the peak a training step's share is taken of."""
    import torch

    rates = {}
    for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16)):
        x, y = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
        for op, fn in (("matmul", torch.matmul), ("linear", torch.nn.functional.linear)):
            fn(x, y)  # warm-up
            best, end = float("inf"), time.perf_counter() + seconds
            while time.perf_counter() < end:
                t = time.perf_counter()
                fn(x, y)
                best = min(best, time.perf_counter() - t)
            rates[f"{op}_{name}"] = 2 * n**3 / best
        rates[name] = max(rates[f"matmul_{name}"], rates[f"linear_{name}"])
    return rates


def non_embedding_params(model) -> int:
    import torch

    return sum(p.numel() for m in model.modules() if not isinstance(m, torch.nn.Embedding)
               for p in m.parameters(recurse=False))


def _run_side(side: str, model: str, data_file: Path, work: Path, sets=()) -> tuple[dict, float, float]:
    cmd = [sys.executable, __file__, "--one", side, "--model", model, "--data-file", str(data_file), "--work", str(work)]
    cmd += [f"--set={item}" for item in sets]
    env = dict(os.environ, TOKENIZERS_PARALLELISM="false", HF_HUB_OFFLINE="1", TRANSFORMERS_VERBOSITY="error",
               STUDIO_GENERAL_DIR="none", STUDIO_RUNS_DIR=str(work / "runs"))
    child = run_child(cmd, env=env)
    result = child.result("RESULT ")
    if child.returncode != 0 or result is None:
        sys.stderr.write(child.stdout[-3000:] + child.stderr[-3000:])
        raise SystemExit(f"{side} on {data_file.name} failed (exit {child.returncode}).")
    return result, child.seconds, child.peak_mb


def _pairs_for(name: str, a) -> int:
    return a.pairs or (32 if a.quick else SETS_DEFAULT.get(name, 300))


def _fmt_ci(d) -> str:
    return f"{d.diff:+.4f} [{d.ci_low:+.4f}, {d.ci_high:+.4f}] {d.verdict}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="financial_qa_10k only: 32 pairs, 30 test queries, 300 passages")
    ap.add_argument("--sets", default=None, help=f"comma-separated (default {','.join(SETS_DEFAULT)})")
    ap.add_argument("--pairs", type=int, default=None, help="training pairs per set (default: financial 300, law 80; quick 32)")
    ap.add_argument("--test-queries", type=int, default=None, help="test queries per set (default 200; quick 30)")
    ap.add_argument("--corpus", type=int, default=None, help="passages searched (default 1500; quick 300)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="fix one studio setting instead of the recipe (a lever), e.g. hyper.freeze_word_embeddings=true")
    ap.add_argument("--one", choices=["plain", "studio"], help=argparse.SUPPRESS)
    ap.add_argument("--model", help=argparse.SUPPRESS)
    ap.add_argument("--data-file", help=argparse.SUPPRESS)
    ap.add_argument("--work", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        return _child(a)
    if not DATA.is_dir():
        print(f"skipped: {DATA} is absent")
        print(json.dumps({"bench": "train_speed", "skipped": "no shared data"}))
        return 0
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    names = a.sets.split(",") if a.sets else (["financial_qa_10k"] if a.quick else list(SETS_DEFAULT))
    n_test = a.test_queries or (30 if a.quick else 200)
    corpus = a.corpus or (300 if a.quick else 1500)

    from bench.quality import load_set
    from core.evaluation.stats import paired_difference
    from core.models import load_model, set_threads
    from core.training.delivery import per_query_ndcg

    threads = set_threads()
    peak = matmul_rates()
    print(f"torch threads {threads}; GFLOP/s at 1024^3: " + ", ".join(
        f"{op} {dt} {peak[f'{op}_{dt}'] / 1e9:.1f}" for dt in ("fp32", "bf16") for op in ("matmul", "linear")), flush=True)
    summary: dict = {"bench": "train_speed", "threads": threads, "pairs": {n: _pairs_for(n, a) for n in names},
                     "matmul_gflops": {k: round(v / 1e9, 1) for k, v in peak.items()}, "sets": {}}
    for name in names:
        lang, pairs, test, _ = load_set(name, _pairs_for(name, a), n_test, corpus)
        base_spec = MODELS[lang]
        with tempfile.TemporaryDirectory(prefix="bench-train-speed-") as tmp:
            work = Path(tmp)
            data_file = work / f"{name}.jsonl"
            data_file.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs), encoding="utf-8")
            sides = {}
            for side in ("plain", "studio"):  # one after the other, each in a fresh process
                load = os.getloadavg()[0]
                res, wall, rss = _run_side(side, base_spec, data_file, work, a.set if side == "studio" else ())
                res.update(wall_s=wall, peak_mb=rss, load_before=load)
                sides[side] = res
                print(f"  {name}: {side} done in {wall:.0f} s, peak RSS {rss / 1024:.2f} GB (1-min load average "
                      f"before it {load:.2f})", flush=True)
            base = load_model(base_spec)
            n_params = non_embedding_params(base)
            scores = {"base": per_query_ndcg(base, test)}
            del base
            from sentence_transformers import SentenceTransformer

            for side in ("plain", "studio"):
                for label, path in sides[side]["models"].items():
                    scores[label] = per_query_ndcg(SentenceTransformer(path, device="cpu"), test)
        summary["sets"][name] = _report(name, lang, base_spec, pairs, test, sides, scores, n_params, peak,
                                        paired_difference)
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def _report(name, lang, base_spec, pairs, test, sides, scores, n_params, peak, paired_difference) -> dict:
    """Print one set's tables; return its headline figures."""
    figs = {}
    for side, r in sides.items():
        tok = r["tokens"]
        prec = "bf16" if "bfloat16" in r["linear_dtypes"] else "fp32"
        flops = 6 * n_params * tok["real"] / r["train_s"]
        figs[side] = {"train_s": r["train_s"], "wall_s": r["wall_s"], "pairs_s": r["rows"] * r["epochs"] / r["train_s"],
                      "steps_s": r["steps"] / r["train_s"], "tok_s": tok["real"] / r["train_s"],
                      "pad": 1 - tok["real"] / max(1, tok["positions"]), "gflops": flops / 1e9,
                      "peak_share": flops / peak[prec], "precision": prec, "rss_gb": r["peak_mb"] / 1024,
                      "train_rss_gb": r["train_rss_mb"] / 1024,
                      "rows": r["rows"], "epochs": r["epochs"], "load_before": r["load_before"], "steps": r["steps"], "batch": r["batch"],
                      "lr": r["lr"], "max_seq_length": r["max_seq_length"]}
    st = sides["studio"]
    print(f"\n{name} ({lang}, {base_spec}): {len(pairs)} training pairs; test {len(test.queries)} queries over "
          f"{len(test.corpus)} passages; {n_params / 1e6:.1f}M non-embedding parameters")
    if st.get("model") not in (None, base_spec):
        print(f"NOTE: the studio's recipe picked {st['model']}, the plain side trained {base_spec}.")
    print("studio recipe: " + "; ".join(f"{c['key']}={c['value']}" for c in st["choices"]))
    print(f"studio run: loss {st['loss']}, trainable {st['trainable']:,} of {st['total_params']:,} parameters, "
          f"{st['evaluations']} validation evaluations, delivered: {st['delivered']}")
    print(f"{'side':7} {'rows':>5} {'ep':>4} {'batch':>5} {'len':>4} {'lr':>7} {'steps':>5} {'train s':>8} "
          f"{'wall s':>7} {'pairs/s':>8} {'steps/s':>7} {'tok/s':>7} {'pad':>5} {'GFLOP/s':>8} {'%peak':>6} "
          f"{'prec':>4} {'RSS GB':>6} {'in steps':>8}")
    for side, f in figs.items():
        print(f"{side:7} {f['rows']:>5} {f['epochs']:>4.1f} {f['batch']!s:>5} {f['max_seq_length']!s:>4} "
              f"{f['lr'] or 0:>7.1e} {f['steps']:>5} {f['train_s']:>8.1f} {f['wall_s']:>7.1f} {f['pairs_s']:>8.1f} "
              f"{f['steps_s']:>7.2f} {f['tok_s']:>7.0f} {f['pad']:>5.1%} {f['gflops']:>8.1f} "
              f"{f['peak_share']:>6.1%} {f['precision']:>4} {f['rss_gb']:>6.2f} {f['train_rss_gb']:>8.2f}")
    print("studio peak RSS by phase (GB): " + ", ".join(f"{k} {v / 1024:.2f}" for k, v in st["rss_by_phase"].items()))
    print(f"{'model':13} {'NDCG@10':>8}  {'vs base (95% CI, verdict)':>40}")
    quality = {}
    for label, per_q in scores.items():
        d = paired_difference(scores["base"], per_q)
        quality[label] = {"ndcg@10": d.mean_b, "vs_base": d.diff, "ci": [d.ci_low, d.ci_high], "verdict": d.verdict}
        print(f"{label:13} {d.mean_b:8.4f}  {_fmt_ci(d) if label != 'base' else '-':>40}")
    p, s = figs["plain"], figs["studio"]
    ratios = {"pairs_s": s["pairs_s"] / p["pairs_s"], "tok_s": s["tok_s"] / p["tok_s"],
              "train_s": s["train_s"] / p["train_s"], "wall_s": s["wall_s"] / p["wall_s"], "rss": s["rss_gb"] / p["rss_gb"],
              "train_rss": s["train_rss_gb"] / p["train_rss_gb"]}
    print(f"studio / plain: pairs/s {ratios['pairs_s']:.2f}x, tok/s {ratios['tok_s']:.2f}x, train s "
          f"{ratios['train_s']:.2f}x, wall s {ratios['wall_s']:.2f}x, peak RSS {ratios['rss']:.2f}x "
          f"(in the steps {ratios['train_rss']:.2f}x)")
    for label in [x for x in scores if x.startswith("studio")]:
        d = paired_difference(scores["plain"], scores[label])
        quality[label]["vs_plain"] = d.diff
        quality[label]["vs_plain_ci"] = [d.ci_low, d.ci_high]
        quality[label]["vs_plain_verdict"] = d.verdict
        print(f"{label} - plain NDCG@10: {_fmt_ci(d)}")
    head = "studio" if "studio" in scores else "studio/final"
    met_speed = ratios["pairs_s"] >= 1.5
    met_quality = quality[head]["vs_plain_verdict"] != "worse"
    print(f"target >= 1.5x pairs/s at equal or better NDCG@10: {'met' if met_speed and met_quality else 'MISSED'} "
          f"({ratios['pairs_s']:.2f}x; NDCG@10 {quality[head]['vs_plain_verdict']} than plain)"
          + (f"; studio peak RSS {s['rss_gb']:.2f} GB, {s['train_rss_gb']:.2f} GB in the steps (target <= 3 GB)"
             if lang == "zh" else ""))
    return {"lang": lang, "model": base_spec, "sides": figs, "quality": quality, "ratios": ratios,
            "recipe": {c["key"]: c["value"] for c in st["choices"]}, "delivered": st["delivered"],
            "target_met": met_speed and met_quality}


if __name__ == "__main__":
    raise SystemExit(main())
