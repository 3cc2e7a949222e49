"""Peak memory (RSS) of training, evaluation encoding and delivery: measured, and predicted by the estimate.

Usage: STUDIO_THREADS=2 .venv/bin/python bench/memory.py [--quick] [--only NAME ...]

Every configuration runs in its own fresh Python process (one after the other, ``bench._child.run_child``); its peak
RSS is the child's ``ru_maxrss`` returned by ``os.wait4`` (the kernel's high-water mark of that process alone). The child also
reports its RSS once the model is loaded (the baseline: interpreter, torch, tokenizer, weights).

Rows:
- ``step``: one training step of a plain sentence-transformers loop as ``SentenceTransformerTrainer`` runs it
  (tokenise each text column, ``model(features)``, the loss, ``backward``, AdamW ``step``, ``zero_grad(set_to_none)``),
  measured at the second step (a first step on two short rows creates the AdamW states, as in any run after its
  first step). Every text is cut to exactly ``length`` tokens (real passages joined until long enough), so every
  batch pads to ``length``: the worst case a run meets when one long text lands in a batch. ``texts`` is texts
  per row: 2 = (query, passage) pairs, 3 = triplets with a hard negative. ``bf16`` = ``torch.autocast`` bf16
  around forward and loss (what ``TrainingArguments(bf16=True)`` does on a CPU). ``loss`` MNRL or CachedMNRL.
- ``engine`` / ``plain``: 2 steps of ``python -m core train`` (a YAML config, no validation split) and of a plain
  sentence-transformers script (``SentenceTransformerTrainer`` + MNRL) on the same real pairs (few hundred rows
  of t2ranking_100 for Chinese, financial_qa_10k for English) at the same batch, length and precision.
- ``encode``: ``InformationRetrievalEvaluator`` as the runner builds it, at the row's batch, over a pool of
  real passages; ``deliver``: ``core.training.delivery.deliver`` (base, final, three blends) on a small set.

``predicted`` is ``core.training.memory.predict_peak`` for the row's settings (``estimate`` and the recipe use the
same function); ``error`` = predicted / measured - 1. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench._child import DATA, financial_pairs, run_child, self_peak_mb  # noqa: E402

MODELS = {"minilm": "en", "multilingual-e5-small": "zh"}


def grid(quick: bool) -> list[dict]:
    def step(model, batch, length, texts=2, bf16=False, loss="MNRL", mini=None, frozen=False, attn_off=False):
        return {"kind": "step", "model": model, "batch": batch, "length": length, "texts": texts, "bf16": bf16,
                "loss": loss, "mini": mini, "frozen": frozen, "attn_off": attn_off}

    e5 = "multilingual-e5-small"
    if quick:
        return [step("minilm", 8, 64), step("minilm", 8, 128), step(e5, 4, 128)]
    # most informative first: the run stops launching rows once --budget seconds have passed
    return [
        step("minilm", 16, 128), step(e5, 8, 128), step(e5, 8, 256), step("minilm", 16, 256),
        step(e5, 16, 128), step("minilm", 32, 128), step(e5, 8, 128, texts=3), step(e5, 8, 128, bf16=True),
        step(e5, 16, 128, loss="CachedMNRL", mini=4),
        {"kind": "engine", "model": e5, "batch": 8, "length": 128, "texts": 2, "bf16": False},
        {"kind": "plain", "model": e5, "batch": 8, "length": 128, "texts": 2, "bf16": False},
        {"kind": "encode", "model": e5, "batch": 32, "length": 256, "passages": 1000},
        {"kind": "deliver", "model": e5, "batch": 32, "length": 256, "passages": 200},
        step("minilm", 32, 256), step(e5, 32, 128), step(e5, 16, 256), step("minilm", 32, 256, bf16=True),
        # the recipe's e5 defaults (word table frozen) at batch 32 / 128 tokens: plain MNRL against Cached MNRL
        step(e5, 32, 128, frozen=True), step(e5, 32, 128, frozen=True, loss="CachedMNRL", mini=8),
        step(e5, 32, 128, frozen=True, loss="CachedMNRL", mini=16),
        # issue "speed" item 2: the whole run with the studio's defaults (batch 32 from 300 training pairs, 128 tokens)
        # beside the plain sentence-transformers script at the same batch and length
        {"kind": "defaults", "model": e5, "batch": 32, "length": 128, "texts": 2, "bf16": False, "pairs": 400,
         "steps": 4},
        {"kind": "plain", "model": e5, "batch": 32, "length": 128, "texts": 2, "bf16": False},
        # hyper.attention_dropout 0: attention's fused path keeps no L x L matrices
        step(e5, 8, 256, attn_off=True), step(e5, 16, 128, attn_off=True), step("minilm", 16, 256, attn_off=True),
        step(e5, 32, 128, frozen=True, loss="CachedMNRL", mini=16, attn_off=True),
    ]


# -- data ------------------------------------------------------------------------------------------------
def _zh_pairs() -> list[tuple[str, str]]:
    out = []
    with open(DATA / "t2ranking_100" / "raw" / "t2rank_100.jsonl", encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            out += [(row["query"], p) for p in row.get("pos") or []]
    return out


def pairs(lang: str, n: int) -> list[tuple[str, str]]:
    rows = _zh_pairs() if lang == "zh" else financial_pairs()
    random.Random(0).shuffle(rows)
    return rows[:n]


def long_texts(lang: str, n: int, tokenizer, length: int) -> list[str]:
    """``n`` texts of at least ``length`` tokens: real passages joined one after the other."""
    passages = [p for _, p in pairs(lang, 4000)]
    out, buf, i = [], [], 0
    while len(out) < n:
        buf.append(passages[i % len(passages)])
        i += 1
        text = " ".join(buf)
        if len(tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"]) >= length:
            out.append(text)
            buf = []
    return out


# -- children --------------------------------------------------------------------------------------------
def _load(cfg):
    from core.models import load_model, set_threads

    set_threads()
    model = load_model(cfg["model"], device="cpu")
    model.max_seq_length = int(cfg["length"])
    return model


def child_step(cfg: dict) -> dict:
    import contextlib

    import torch
    from sentence_transformers.sentence_transformer import losses

    model = _load(cfg)
    if cfg.get("frozen") or cfg.get("attn_off"):  # hyper.freeze_word_embeddings / attention_dropout, as a run applies them
        from core import strategies as S

        S.apply_for_run(model, "full", {}, bool(cfg.get("frozen")), attention_dropout=0.0 if cfg.get("attn_off") else None)
    base = self_peak_mb()
    tok = model.tokenizer
    lang = MODELS[cfg["model"]]
    b, texts = int(cfg["batch"]), int(cfg["texts"])
    cols = [long_texts(lang, b, tok, int(cfg["length"])) for _ in range(texts)]
    if cfg["loss"] == "CachedMNRL":
        loss = losses.CachedMultipleNegativesRankingLoss(model, mini_batch_size=int(cfg["mini"]))
    else:
        loss = losses.MultipleNegativesRankingLoss(model)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-9)
    model.train()
    autocast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if cfg["bf16"] else contextlib.nullcontext

    def one(columns):
        feats = [model.preprocess(c) for c in columns]
        with autocast():
            value = loss(feats, None)
        value.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        return int(feats[0]["input_ids"].shape[1])

    one([["a b"] * 2 for _ in range(texts)])  # creates the AdamW states (every run has them after step 1)
    t0 = time.perf_counter()
    padded = one(cols)
    return {"baseline_mb": base, "padded": padded, "seconds": time.perf_counter() - t0}


def _write_pairs(cfg: dict, folder: Path, n: int = 320) -> Path:
    path = folder / "pairs.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for q, p in pairs(MODELS[cfg["model"]], n):
            fh.write(json.dumps({"query": q, "passage": p}, ensure_ascii=False) + "\n")
    return path


def child_plain(cfg: dict) -> dict:
    """The plain sentence-transformers script at the same settings (2 steps, no evaluation, no saving)."""
    from datasets import Dataset
    from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss
    from sentence_transformers.sentence_transformer.training_args import BatchSamplers

    model = _load(cfg)
    base = self_peak_mb()
    rows = pairs(MODELS[cfg["model"]], 320)
    ds = Dataset.from_dict({"anchor": [q for q, _ in rows], "positive": [p for _, p in rows]})
    with tempfile.TemporaryDirectory() as tmp:
        args = SentenceTransformerTrainingArguments(
            output_dir=tmp, max_steps=2, per_device_train_batch_size=int(cfg["batch"]), learning_rate=2e-5,
            bf16=bool(cfg["bf16"]), batch_sampler=BatchSamplers.NO_DUPLICATES, save_strategy="no", report_to="none",
            disable_tqdm=True, use_cpu=True, seed=42)
        t0 = time.perf_counter()
        SentenceTransformerTrainer(model=model, args=args, train_dataset=ds,
                                   loss=MultipleNegativesRankingLoss(model)).train()
    return {"baseline_mb": base, "seconds": time.perf_counter() - t0}


def child_encode(cfg: dict) -> dict:
    import pandas as pd

    from core.training.evaluators import build_evaluator

    model = _load(cfg)
    base = self_peak_mb()
    rows = pairs(MODELS[cfg["model"]], int(cfg["passages"]))
    df = pd.DataFrame({"anchor": [q for q, _ in rows], "positive": [p for _, p in rows]})
    spec = build_evaluator(df, "pair", model, max_queries=200, batch_size=int(cfg["batch"]))
    t0 = time.perf_counter()
    spec.evaluator(model)
    return {"baseline_mb": base, "seconds": time.perf_counter() - t0, "texts": spec.texts}


def child_deliver(cfg: dict) -> dict:
    from core.evaluation.evalset import EvalSet
    from core.training.delivery import deliver

    model = _load(cfg)
    base = self_peak_mb()
    rows = pairs(MODELS[cfg["model"]], int(cfg["passages"]))
    ev = EvalSet(corpus={f"d{i}": p for i, (_, p) in enumerate(rows)},
                 queries={f"q{i}": q for i, (q, _) in enumerate(rows[:100])},
                 qrels={f"q{i}": {f"d{i}": 1} for i in range(min(100, len(rows)))}, name="validation")
    with tempfile.TemporaryDirectory() as tmp:
        model.save(str(Path(tmp) / "final"))
        t0 = time.perf_counter()
        deliver(tmp, model, ev, general="none", batch_size=int(cfg["batch"]))
    return {"baseline_mb": base, "seconds": time.perf_counter() - t0}


def run_engine(cfg: dict) -> dict:
    """``python -m core train`` (the real CLI) in a child; its peak RSS from ``os.wait4``.

    ``engine``: the plain recipe at the row's batch and length, 2 steps, no validation. ``defaults``: the studio's
    defaults (recipe auto, every setting open but the length) on ``cfg["pairs"]`` pairs, the whole run: memory
    fit, validation split, base evaluation, ``max_steps`` steps, evaluation, saves, delivery with its general check."""
    import yaml

    tmp = Path(tempfile.mkdtemp(prefix="bench-memory-"))
    try:
        if cfg["kind"] == "defaults":
            data = _write_pairs(cfg, tmp, n=int(cfg["pairs"]))
            conf = {"name": "mem", "model": cfg["model"], "data": {"train": [str(data)]},
                    "hyper": {"max_seq_length": int(cfg["length"]), "max_steps": int(cfg["steps"])}}
        else:
            data = _write_pairs(cfg, tmp)
            conf = {"name": "mem", "model": cfg["model"], "recipe": "plain",
                    "data": {"train": [str(data)], "split": [1.0, 0.0], "general": "none"},
                    "hyper": {"batch_size": int(cfg["batch"]), "max_seq_length": int(cfg["length"]), "max_steps": 2,
                              "epochs": 1, "bf16": "true" if cfg["bf16"] else "false"},
                    "eval": {"evaluate_base": False, "save_steps": 1000, "eval_steps": 1000}}
        (tmp / "c.yaml").write_text(yaml.safe_dump(conf, allow_unicode=True), encoding="utf-8")
        env = dict(os.environ, STUDIO_RUNS_DIR=str(tmp / "runs"), STUDIO_DATASETS_DIR=str(tmp / "ds"))
        child = run_child([sys.executable, "-m", "core", "train", "--config", str(tmp / "c.yaml")], env=env)
        err = child.stderr[-400:] if child.returncode else ""
        out = {"peak_mb": child.peak_mb, "seconds": child.seconds, "error": err or None}
        if cfg["kind"] == "defaults" and not err:  # what the recipe chose, from the run's own events
            from core.run_folder import EV_RECIPE
            from core.training import read_events

            events, _ = read_events(tmp / "runs" / "mem")
            out["recipe"] = {c["key"]: c["value"] for e in events if e.get("type") == EV_RECIPE for c in e["choices"]}
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


CHILDREN = {"step": child_step, "plain": child_plain, "encode": child_encode, "deliver": child_deliver}


def measure(cfg: dict) -> dict:
    if cfg["kind"] in ("engine", "defaults"):
        return run_engine(cfg)
    child = run_child([sys.executable, __file__, "--child", json.dumps(cfg)])
    res = (child.result() if child.returncode == 0 else None) or {"error": child.stderr[-400:]}
    res["peak_mb"] = child.peak_mb
    res["wall"] = child.seconds
    return res


def predicted(cfg: dict) -> float | None:
    from core.training.memory import model_shape, predict_peak

    shape = model_shape(cfg["model"])
    if cfg["kind"] in ("step", "engine", "plain"):  # ("defaults": the recipe's own choice, printed with the row)
        mini = cfg.get("mini") if cfg.get("loss") == "CachedMNRL" else None
        lengths = [int(cfg["length"])] * int(cfg["texts"])
        if cfg["kind"] != "step":  # real pairs: the query column pads to the longest query (as the recipe counts it)
            from core.models import resolve_model
            from core.training.recipe import _load_tokenizer

            tok = _load_tokenizer(resolve_model(cfg["model"]).path)
            ids = tok([q for q, _ in pairs(MODELS[cfg["model"]], 320)], add_special_tokens=True)["input_ids"]
            lengths[0] = min(lengths[0], max(len(x) for x in ids))
        trainable = shape.params - shape.vocab * shape.hidden if cfg.get("frozen") else None
        return predict_peak(shape, int(cfg["batch"]), lengths, bf16=bool(cfg["bf16"]), cached_mini_batch=mini,
                            trainable=trainable, attention_probs=not cfg.get("attn_off")).total_mb
    return None


def name(cfg: dict) -> str:
    if cfg["kind"] == "step":
        extra = ((f" {cfg['loss']}/{cfg['mini']}" if cfg.get("mini") else "") + (" frozen" if cfg.get("frozen") else "")
                 + (" attn-dropout-0" if cfg.get("attn_off") else ""))
        return (f"step {cfg['model']} b{cfg['batch']} L{cfg['length']} x{cfg['texts']} "
                f"{'bf16' if cfg['bf16'] else 'fp32'}{extra}")
    if cfg["kind"] == "defaults":
        return f"defaults {cfg['model']} {cfg['pairs']} pairs L{cfg['length']} (whole run)"
    return f"{cfg['kind']} {cfg['model']} b{cfg['batch']} L{cfg['length']}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="three small step configurations (under 2 minutes)")
    ap.add_argument("--only", nargs="*", help="run only rows whose name contains one of these words")
    ap.add_argument("--budget", type=float, help="start no new row after this many seconds (default 540, quick 100)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        cfg = json.loads(a.child)
        print(json.dumps(CHILDREN[cfg["kind"]](cfg)))
        return
    rows = []
    start = time.perf_counter()
    print(f"{'configuration':48} {'base MB':>8} {'peak MB':>8} {'pred MB':>8} {'error':>7} {'step s':>7} {'wall s':>7}",
          flush=True)
    budget = a.budget or (100.0 if a.quick else 540.0)
    skipped = []
    for cfg in grid(a.quick):
        n = name(cfg)
        if a.only and not any(w in n for w in a.only):
            continue
        if time.perf_counter() - start > budget:
            skipped.append(n)
            continue
        res = measure(cfg)
        pred = predicted(cfg)
        err = (pred / res["peak_mb"] - 1) if pred and res.get("peak_mb") and not res.get("error") else None
        rows.append({"name": n, **cfg, **res, "predicted_mb": pred, "rel_error": err})
        print(f"{n:48} {res.get('baseline_mb', 0):8.0f} {res['peak_mb']:8.0f} {(pred or 0):8.0f} "
              f"{('' if err is None else f'{err:+.0%}'):>7} {res.get('seconds', 0):7.1f} {res.get('wall', res.get('seconds', 0)):7.0f}"
              + (f"  ERROR {res['error'][-200:]}" if res.get("error") else ""), flush=True)
        if res.get("recipe"):
            print("    recipe:", "; ".join(f"{k}={v}" for k, v in res["recipe"].items()), flush=True)
    errs = [abs(r["rel_error"]) for r in rows if r.get("rel_error") is not None]
    engine = next((r["peak_mb"] for r in rows if r["kind"] == "engine"), None)
    plain = next((r["peak_mb"] for r in rows if r["kind"] == "plain"), None)
    print(json.dumps({"rows": len(rows), "max_abs_error": max(errs) if errs else None,
                      "engine_over_plain": (engine / plain) if engine and plain else None,
                      "seconds": round(time.perf_counter() - start, 1), "skipped": skipped,
                      "peaks_mb": {r["name"]: round(r["peak_mb"]) for r in rows}}))


if __name__ == "__main__":
    main()
