"""Estimate time and memory of a training run before it starts (shown in the Train tab and the CLI).

``estimate(config) -> Estimate`` reads the data (row count, text lengths) and the model's ``config.json``
(no weights are loaded), then applies the usual transformer cost model: ~6 x parameters FLOPs per trained
token (2 forward + 4 backward; frozen layers skip their weight gradients), plus attention; this machine's
measured matmul speed (a 0.1 s probe, cached per process) times an efficiency factor for training. Memory:
fp32 weights + gradients and AdamW state for trainable parameters + activations for one batch.
Accurate to a factor of about two: it is a plan, not a promise; the run's own ETA takes over once it starts.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Optional

from core.training.config import TrainConfig

TEXTS_PER_ROW = {"pair": 2, "triplet": 3, "scored_pair": 2, "labelled_pair": 2, "labelled_sentence": 1}
TRAIN_EFFICIENCY = 0.35  # share of peak matmul speed a training step reaches on CPU (measured with MiniLM)


@dataclass
class Estimate:
    seconds: float
    peak_memory_mb: float
    total_steps: int
    rows: int
    tokens_per_text: float
    parameters: int
    trainable_parameters: int
    notes: list[str] = field(default_factory=list)

    def human(self) -> str:
        m, s = divmod(int(self.seconds), 60)
        h, m = divmod(m, 60)
        t = f"{h} h {m} min" if h else (f"{m} min {s} s" if m else f"{s} s")
        return f"~{t}, ~{self.peak_memory_mb / 1024:.1f} GB peak, {self.total_steps} steps"


@lru_cache(maxsize=1)
def machine_gflops() -> float:
    """fp32 matmul speed of this machine (GFLOP/s), measured once in ~0.1 s."""
    import torch

    n = 512
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    reps, start = 0, time.perf_counter()
    while time.perf_counter() - start < 0.1:
        torch.mm(a, b)
        reps += 1
    return 2 * n**3 * reps / (time.perf_counter() - start) / 1e9


def _model_shape(path: str) -> dict:
    root = Path(path)
    for cand in [root / "config.json", *sorted(root.glob("*/config.json"))]:
        if cand.is_file():
            cfg = json.loads(cand.read_text(encoding="utf-8"))
            if "hidden_size" in cfg:
                return cfg
    return {}


def estimate(config: TrainConfig, splits=None) -> Estimate:
    from core.models import resolve_model
    from core.training.data import load_splits

    from core.training.recipe import plan_recipe

    notes: list[str] = []
    splits = splits or load_splits(config.data, seed=config.seed)
    config = plan_recipe(config, splits).config  # the settings the run will use
    df = splits.train
    texts = TEXTS_PER_ROW.get(splits.format, 2 + int(config.data.neg_nums))
    sample = df.head(500)
    lengths = []
    for col in sample.columns:
        if col.startswith("_"):
            continue
        for v in sample[col]:
            if isinstance(v, str):
                lengths.append(_tokens(v))
            elif isinstance(v, (list, tuple)):
                lengths.extend(_tokens(x) for x in v if isinstance(x, str))
    shape = _model_shape(resolve_model(config.model).path)
    hidden = int(shape.get("hidden_size", 384))
    layers = int(shape.get("num_hidden_layers", 6))
    vocab = int(shape.get("vocab_size", 30522))
    ffn = int(shape.get("intermediate_size", 4 * hidden))
    max_len = int(config.hyper.max_seq_length or shape.get("max_position_embeddings", 512) or 512)
    max_len = min(max_len, 512)
    tok = min(max_len, (sum(lengths) / len(lengths)) if lengths else 64) + 2
    per_layer = 4 * hidden * hidden + 2 * hidden * ffn
    body = layers * per_layer
    emb = vocab * hidden
    total = body + emb
    trainable = _trainable(config, body, emb, layers, per_layer, hidden)
    h = config.hyper
    rows = len(df) if splits.format != "qpn" else int(sum(len(p) for p in df["pos"]))
    steps = h.max_steps if h.max_steps and h.max_steps > 0 else math.ceil(rows / h.batch_size) * h.epochs
    steps = max(1, int(math.ceil(steps)))
    tokens_per_step = h.batch_size * texts * tok
    backward = 2.0 if trainable < 0.05 * total else 4.0  # frozen bodies skip weight gradients
    flops = tokens_per_step * ((2 + backward) * body + 4 * layers * tok * hidden)
    speed = machine_gflops() * 1e9 * TRAIN_EFFICIENCY
    if _on_cuda():
        speed *= 20
        notes.append("CUDA available: estimate assumes a GPU ~20x this CPU.")
    seconds = steps * flops / speed
    evals = max(1, steps // max(1, config.eval.eval_steps or max(1, steps // 5))) + 1
    val_rows = 0 if splits.validation is None else len(splits.validation)
    seconds += evals * val_rows * texts * tok * 2 * body / speed
    weights = total * 4
    optim = trainable * (4 + 8)
    acts = h.batch_size * texts * max_len * hidden * layers * 34 * (1 if trainable < 0.05 * total else 1.0)
    peak = (weights + optim + acts) / 2**20 + 700  # + python, torch and tokenizer overhead
    if emb > body and trainable >= emb:
        notes.append("The word-embedding table dominates optimizer memory; freezing it (strategy 'freeze') saves "
                     f"~{emb * 12 / 2**30:.1f} GB.")
    return Estimate(seconds, peak, steps, rows, tok, total, trainable, notes)


def _tokens(text: str) -> float:
    cjk = sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")
    return cjk + (len(text) - cjk) / 4.0


def _trainable(config: TrainConfig, body: int, emb: int, layers: int, per_layer: int, hidden: int) -> int:
    name, p = config.strategy.name, config.strategy.params or {}
    if name == "bitfit":
        return layers * (6 * hidden + 4 * hidden)
    if name == "prefix":
        return int(p.get("prefix_length", 8)) * hidden
    if name == "lora":
        r = int(p.get("r", p.get("rank", 8)))
        return layers * 4 * 2 * r * hidden
    if name == "freeze":
        k = int(p.get("layers", 0) or 0)
        keep = body - min(k, layers) * per_layer
        return keep + (0 if p.get("embeddings", True) else emb)
    return body + emb


def _on_cuda() -> bool:
    try:
        import torch

        return torch.cuda.is_available()
    except Exception:
        return False
