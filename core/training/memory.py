"""Peak training memory: predict it, fit the recipe's open settings to the machine, refuse what cannot fit.

Where the memory of a training step goes (measured by ``bench/memory.py``, BENCHMARKS.md "Memory"; the
constants below are fitted on those measurements, every one predicted within 5%):

- the process itself (interpreter, torch, transformers, tokenizer): ``BASE_MB``;
- weights (fp32, 4 bytes per parameter), gradients (4 bytes per trainable parameter) and AdamW's two moments
  (8 bytes per trainable parameter), plus two temporaries the size of the largest trainable tensor while
  AdamW updates it (its single-tensor CPU path). multilingual-e5-small: 118M parameters, 96M of them its
  250k-row word-embedding table: 2.5 GB in all, 1.8 GB of it gone when the table is frozen (strategy ``freeze``);
- activations kept for the backward pass, for every text of the batch at once (MNRL embeds every column of
  every row before its loss): per token and layer ``ACT_HIDDEN`` floats per hidden unit (Q/K/V, the
  feed-forward input and output, layer norms, dropout masks) plus ``ACT_ATTENTION`` floats per head and per
  key: on a CPU in training mode (attention dropout on), scaled-dot-product attention takes its math path,
  which keeps ``heads x L x L`` probability matrices. So activations grow as batch x texts per row x L x
  layers x (hidden + heads x L), quadratically in the length. With the attention dropout at 0
  (``hyper.attention_dropout`` or ``hyper.dropout``) attention takes its fused path, which keeps no
  probability matrices: the ``heads x L`` term goes, activations grow linearly in the length and keep
  ``ACT_HIDDEN_FUSED`` floats per token, layer and hidden unit. Freed activations stay in the process's heap
  (glibc keeps them for reuse), so the step's later allocations add to them: the parts simply add up.
  multilingual-e5-small, pairs, batch 32: ~43 GB at 512 tokens (the run a 24 GB machine killed), ~17 GB at 256,
  ~8.7 GB at 128; MiniLM (6 layers, 30k vocabulary) about half the activations and a fifth of the rest;
- bf16 autocast saves little memory on a CPU: only the matrix products' outputs are kept in 2 bytes (softmax,
  layer norms and dropout masks stay fp32: ``BF16_ACT``), and it adds a bf16 copy of the layers' weights;
- Cached MNRL (GradCache) keeps the activations of only ``mini_batch_size`` texts at a time and gives the same
  gradient as MNRL over the whole batch, so the in-batch negatives stay.

``predict_peak(shape, batch, lengths, ...) -> Prediction`` (``estimate`` and the recipe), ``fit_memory(plan,
splits, tokenizer)`` (called once from ``plan_recipe``: when the settings do not fit ``budget_mb()``,
``HEADROOM`` of the available memory or of ``STUDIO_MEMORY_GB``, it lowers what the user left open, cheapest
first, each with a reason: a cached loss, then the length, then the batch; settings the user gave that do not
fit are refused with one sentence saying what to change), ``check_fits(config)`` (the CLI and ``start_run``,
behind the UI's Start, call it before anything is written).
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from core.errors import ConfigError

MEMORY_ENV = "STUDIO_MEMORY_GB"  # the memory this machine offers a run, in GB (tests, shared machines)
HEADROOM = 0.6  # a run may use at most this share of the available memory
# Where a cached loss can get it there (the same gradient and in-batch negatives, 30-70% more time per step), the
# recipe keeps the predicted peak of a run on 256+ training pairs (recipe.LARGE_DATA_ROWS: batch 32, runs that
# hold a machine for a long time) under this, however much memory the machine has: a studio shares a laptop or a
# Space with other work, and multilingual-e5-small at batch 32 / 128 tokens would otherwise take ~6.7 GB. Smaller
# runs last minutes and keep their speed (the sample click-through: 406 s of training cached against 235 s).
CACHE_ABOVE_MB = 3 * 1024
MB = 2**20

# Fitted on bench/memory.py's measurements (BENCHMARKS.md "Memory"); see the module docstring.
BASE_MB = 450.0  # interpreter + torch + transformers + tokenizer, before the weights
ACT_HIDDEN = 30.5  # floats kept per token, layer and hidden unit
ACT_ATTENTION = 2.6  # floats kept per token, layer, head and key (softmax, dropout mask and output)
ACT_HIDDEN_FUSED = 25.0  # ACT_HIDDEN with the attention dropout at 0 (fused attention; fitted on 4 rows, 0.80-0.83x)
BF16_ACT = 0.88  # share of the fp32 activation bytes left under bf16 autocast (softmax, norms, masks stay fp32)
CACHED_LOSS = "CachedMultipleNegativesRankingLoss"
CACHEABLE = {"MultipleNegativesRankingLoss": CACHED_LOSS}
MIN_LENGTH = 64  # the recipe never cuts texts shorter than this to fit memory
MIN_BATCH = 8  # a loss with in-batch negatives keeps at least this many
MIN_BATCH_OTHER = 2  # any other loss (distillation, scored pairs): its rows do not need each other


@dataclass(frozen=True)
class Shape:
    """What the memory of a BERT-like encoder depends on (from its ``config.json``)."""

    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab: int
    max_positions: int
    max_length: int = 0  # the model's own max_seq_length (sentence_bert_config.json); 0: max_positions

    @property
    def own_length(self) -> int:
        return min(self.max_length or self.max_positions, self.max_positions)

    @property
    def embedding_params(self) -> int:
        return (self.vocab + self.max_positions + 2) * self.hidden + 2 * self.hidden

    @property
    def body_params(self) -> int:
        h, i = self.hidden, self.intermediate
        return self.layers * (4 * h * h + 2 * h * i + 9 * h + i) + h * h + h

    @property
    def params(self) -> int:
        return self.embedding_params + self.body_params


DEFAULT_SHAPE = Shape(hidden=384, layers=12, heads=12, intermediate=1536, vocab=250037, max_positions=512, max_length=512)


@dataclass
class Prediction:
    total_mb: float
    parts: dict[str, float] = field(default_factory=dict)  # MB per part: base, weights, grads, optimizer, activations

    @property
    def gb(self) -> float:
        return self.total_mb / 1024


def shape_from_config(cfg: dict, max_length: int = 0) -> Shape:
    h = int(cfg.get("hidden_size", 384))
    return Shape(hidden=h, layers=int(cfg.get("num_hidden_layers", 12)), heads=int(cfg.get("num_attention_heads", 12)),
                 intermediate=int(cfg.get("intermediate_size", 4 * h)), vocab=int(cfg.get("vocab_size", 30522)),
                 max_positions=int(cfg.get("max_position_embeddings", 512)), max_length=int(max_length or 0))


def read_shape(spec: Optional[str]) -> Optional[Shape]:
    """The shape of model source ``spec`` from its ``config.json``; None when it cannot be read."""
    try:
        from core.models import resolve_model

        root = Path(resolve_model(spec).path)
        own = 0  # the model's own max length: sentence_bert_config.json, else the tokenizer's model_max_length
        for name, key in (("sentence_bert_config.json", "max_seq_length"), ("tokenizer_config.json", "model_max_length")):
            if not own and (root / name).is_file():
                value = json.loads((root / name).read_text(encoding="utf-8")).get(key)
                own = int(value) if isinstance(value, (int, float)) and 0 < value < 100_000 else 0
        for cand in [root / "config.json", *sorted(root.glob("*/config.json"))]:
            if cand.is_file():
                cfg = json.loads(cand.read_text(encoding="utf-8"))
                if "hidden_size" in cfg:
                    return shape_from_config(cfg, own)
    except Exception:  # an unusable model: the runner says why with its own sentence
        pass
    return None


def model_shape(spec: Optional[str]) -> Shape:
    """``read_shape(spec)``, or ``DEFAULT_SHAPE`` when it cannot be read."""
    return read_shape(spec) or DEFAULT_SHAPE


def activation_bytes(shape: Shape, texts: int, length: int, bf16: bool = False, attention_probs: bool = True) -> float:
    """Bytes of activations kept for the backward pass of ``texts`` texts padded to ``length`` tokens;
    ``attention_probs``: attention keeps its probability matrices (attention dropout on: the math path)."""
    if attention_probs:
        per_token_layer = ACT_HIDDEN * shape.hidden + ACT_ATTENTION * shape.heads * length
    else:
        per_token_layer = ACT_HIDDEN_FUSED * shape.hidden
    return texts * length * shape.layers * per_token_layer * 4 * (BF16_ACT if bf16 else 1.0)


def predict_peak(shape: Shape, batch: int, lengths: list[int], bf16: bool = False,
                 cached_mini_batch: Optional[int] = None, trainable: Optional[int] = None,
                 total: Optional[int] = None, attention_probs: bool = True) -> Prediction:
    """Peak RSS of a training step: ``lengths`` holds the padded length of each text column (pairs: 2 columns,
    triplets 3); ``cached_mini_batch``: a cached loss's ``mini_batch_size`` (only that many texts keep
    activations at a time); ``trainable`` / ``total``: parameter counts (default: every parameter trains);
    ``attention_probs``: False when the attention dropout is 0 (``activation_bytes``)."""
    total = int(total or shape.params)
    trainable = total if trainable is None else int(trainable)
    if cached_mini_batch:
        acts = max(activation_bytes(shape, min(int(cached_mini_batch), batch), L, bf16, attention_probs)
                   for L in lengths)
    else:
        acts = sum(activation_bytes(shape, batch, L, bf16, attention_probs) for L in lengths)
    # the in-batch loss: every query against every passage of the batch (scores, softmax, their gradient)
    acts += 3 * batch * batch * max(1, len(lengths) - 1) * 4
    # AdamW (single-tensor path on a CPU) builds its update denominator for one parameter at a time: two
    # temporaries the size of the largest trainable tensor, the word-embedding table when it trains.
    largest = shape.vocab * shape.hidden if trainable > shape.body_params else shape.intermediate * shape.hidden
    parts = {"base": BASE_MB, "weights": total * 4 / MB, "grads": trainable * 4 / MB,
             "optimizer": trainable * 8 / MB, "optimizer_step": 2 * largest * 4 / MB if trainable else 0.0,
             "activations": acts / MB}
    if bf16:
        parts["bf16_weights"] = shape.body_params * 2 / MB
    return Prediction(sum(parts.values()), parts)


# -- the machine -------------------------------------------------------------------------------------------
def available_gb() -> float:
    """Memory this machine offers a run, in GB: ``STUDIO_MEMORY_GB`` when set, else the first GPU's memory when
    training runs on CUDA, else the available memory (``psutil``; /proc/meminfo ``MemAvailable`` without it),
    bounded by a cgroup limit where one is set."""
    env = os.environ.get(MEMORY_ENV, "").strip()
    if env:
        try:
            value = float(env)
        except ValueError:
            raise ConfigError(f"The environment variable {MEMORY_ENV} must be a number of GB, got {env!r}.") from None
        if not math.isfinite(value) or value <= 0:
            raise ConfigError(f"The environment variable {MEMORY_ENV} must be a number of GB above 0, got {env!r}.")
        return value
    try:  # training on a GPU: the activations, weights and optimizer states live in its memory
        import torch

        if torch.cuda.is_available():
            return torch.cuda.get_device_properties(0).total_memory / 1024**3
    except Exception:
        pass
    avail = None
    try:
        import psutil

        avail = psutil.virtual_memory().available
    except Exception:
        try:
            for line in Path("/proc/meminfo").read_text().splitlines():
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
        except OSError:
            pass
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(limit_file).read_text().strip()
            if text.isdigit() and int(text) < (1 << 50):
                avail = min(avail or int(text), int(text))
        except OSError:
            pass
    return (avail or 8 * 1024**3) / 1024**3


def budget_mb() -> float:
    """The most a run may use: ``HEADROOM`` of ``available_gb()``."""
    return available_gb() * 1024 * HEADROOM


# -- settings of a config ----------------------------------------------------------------------------------
def _texts_per_row(fmt: str, neg_nums: int, mined: bool = False, loss: Optional[str] = None,
                   own_negatives: bool = True) -> int:
    """Texts per training row; ``mined``: pairs get a mined negative first (``data.hard_negatives``); a
    distillation ``loss`` trains on a query, its positive and ``neg_nums`` scored passages per row whatever the
    data's format (``core.losses.distill.teacher_rows``); ``own_negatives`` False: query-pos-neg rows without a
    negative anywhere, which train as pairs (``core.training.data.training_dataset``)."""
    from core.losses.distill import DISTILL_LOSSES

    if loss in DISTILL_LOSSES or (mined and fmt in ("pair", "qpn")):
        return 2 + max(1, int(neg_nums or 1))
    return {"pair": 2, "triplet": 3, "qpn": 2 + (max(0, int(neg_nums)) if own_negatives else 0), "scored_pair": 2,
            "labelled_pair": 2, "labelled_sentence": 1}.get(fmt, 2)


def brings_negatives(splits) -> bool:
    """The training rows carry negatives of their own (query-pos-neg rows with some ``neg``; triplets)."""
    from core.training.negatives import can_mine

    return not can_mine(splits.format, splits.train)


def _trainable(shape: Shape, strategy: str, params: dict, frozen_words: bool = False) -> int:
    if strategy in ("full", "staged", None, ""):  # staged trains every weight until its switch: the peak is then
        return shape.params - (shape.vocab * shape.hidden if frozen_words else 0)
    if strategy == "freeze":
        return shape.body_params if params.get("embeddings", True) else shape.params
    return shape.body_params // 10  # bitfit, lora, prefix: a small share (bound; the estimate counts it exactly)


@dataclass
class Settings:
    """What the memory of a run depends on, read from a (recipe-filled) config."""

    batch: int
    length: int
    loss: str
    mini_batch: Optional[int]
    texts: int
    bf16: bool
    trainable: int
    query_length: int  # padded length of the query column (short queries pad to their own longest)
    attention_probs: bool = True  # attention dropout on: the probability matrices are kept (``activation_bytes``)

    def lengths(self) -> list[int]:
        q = min(self.length, self.query_length)
        return [q] + [self.length] * (self.texts - 1)


def settings_of(config, fmt: str, shape: Shape, query_length: Optional[int] = None, loss: Optional[str] = None,
                own_negatives: bool = True) -> Settings:
    from core import losses as L
    from core.models.device import bf16_enabled

    loss = loss or L.run_loss(config.loss.name, fmt) or "MultipleNegativesRankingLoss"
    mini = None
    if loss == CACHED_LOSS:
        mini = int((config.loss.params or {}).get("mini_batch_size") or 32)
    length = int(config.hyper.max_seq_length or shape.own_length)
    return Settings(batch=int(config.hyper.batch_size or 32), length=min(length, shape.max_positions), loss=loss,
                    mini_batch=mini, texts=_texts_per_row(fmt, config.data.negatives_per_row,
                                                          getattr(config.data, "hard_negatives", None) == "mined", loss,
                                                          own_negatives),
                    bf16=bf16_enabled(config.hyper.bf16),
                    trainable=_trainable(shape, config.strategy.name, config.strategy.params or {},
                                              bool(config.hyper.freeze_word_embeddings)),
                    query_length=int(query_length or length), attention_probs=attention_probs_kept(config))


def attention_probs_kept(config) -> bool:
    """Whether training keeps attention probability matrices: the attention dropout in effect
    (``hyper.attention_dropout``, else ``hyper.dropout``, else the model's own, taken as on) is above 0."""
    p = config.hyper.attention_dropout
    p = config.hyper.dropout if p is None else p
    return p is None or float(p) > 0


def predict_settings(shape: Shape, s: Settings) -> Prediction:
    return predict_peak(shape, s.batch, s.lengths(), bf16=s.bf16, cached_mini_batch=s.mini_batch,
                        trainable=s.trainable, attention_probs=s.attention_probs)


def predict_config(config, fmt: str, query_length: Optional[int] = None) -> Prediction:
    """Predicted peak RSS of training ``config`` (open settings as the runner would leave them)."""
    shape = model_shape(config.model)
    return predict_settings(shape, settings_of(config, fmt, shape, query_length))


# -- the recipe's rule ----------------------------------------------------------------------------------
def query_tokens(splits, tokenizer, cap: int) -> int:
    """The longest query (capped at ``cap``) of a seeded sample of training rows, in tokens."""
    from core.training.recipe import _QUERY_COLS, _texts, token_counts

    if tokenizer is None:
        return cap
    try:
        texts = _texts(splits.train, _QUERY_COLS.get(splits.format, []), 2000, 0)
        if not texts:
            return cap
        return max(token_counts(tokenizer, texts, cap))
    except Exception:
        return cap


def _gb(mb: float) -> str:
    return f"{mb / 1024:.1f}"


def fit_memory(plan, splits, tokenizer=None):
    """Make ``plan`` (a ``RecipePlan``) fit this machine; returns it (its config changed in place).

    When the predicted peak is above ``budget_mb()``, lower what the user left open, cheapest first, each with
    a ``Choice`` and its reason: (1) the in-batch loss becomes Cached MNRL with the largest ``mini_batch_size``
    that fits (same gradient, same negatives, ~20% more time); (2) the maximum length halves, not below
    ``MIN_LENGTH``; (3) the batch halves, not below ``MIN_BATCH`` (for a loss without in-batch negatives, such as
    distillation, the batch first and down to ``MIN_BATCH_OTHER``, then the length). When even that does not fit, or the settings
    that do not fit were given by the user, ``ConfigError`` says what to change."""
    from core import losses as L
    from core.training.recipe import Choice

    cfg = plan.config
    fmt = splits.format
    shape = model_shape(cfg.model)
    from core.training.recipe import LARGE_DATA_ROWS, train_rows

    allow = budget_mb()
    cap = min(allow, CACHE_ABOVE_MB) if train_rows(splits, cfg.loss.name) >= LARGE_DATA_ROWS else allow
    own = brings_negatives(splits)
    if predict_settings(shape, settings_of(cfg, fmt, shape, own_negatives=own)).total_mb <= cap:  # every text at full length
        return plan
    qlen = query_tokens(splits, tokenizer or tokenizer_for(cfg.model), shape.own_length)
    s = settings_of(cfg, fmt, shape, qlen, own_negatives=own)
    need = predict_settings(shape, s).total_mb
    if need <= cap:
        return plan
    filled = {c.key for c in plan.choices}
    open_loss = cfg.loss.name is None and s.loss in CACHEABLE and CACHEABLE[s.loss] in {x.name for x in L.losses_for(fmt)}
    open_length = "hyper.max_seq_length" in filled or cfg.hyper.max_seq_length is None
    open_batch = "hyper.batch_size" in filled
    first = (s.batch, s.length, need)

    def fits(limit: float = allow, **change) -> bool:
        t = Settings(**{**s.__dict__, **change})
        return predict_settings(shape, t).total_mb <= limit

    batch0, length0, need0 = first[0], first[1], _gb(first[2])
    why = f"batch {batch0} at {length0} tokens needs ~{need0} GB, this machine allows {_gb(allow)} GB"
    if open_loss:  # the cheapest lever: under the cap where a mini-batch gets there, else under the machine's budget
        limits = [(allow, why)] if need > allow else []  # under the machine's budget: only the cap asks for it
        if cap < allow:
            limits.insert(0, (cap, f"batch {batch0} at {length0} tokens needs ~{need0} GB; the recipe keeps a run "
                                   f"under {_gb(cap)} GB where caching can"))
        for limit, say in limits:
            mini = next((m for m in (32, 16, 8, 4) if m < s.batch and fits(limit, loss=CACHED_LOSS, mini_batch=m)), None)
            if mini is not None:
                cfg.loss.name = CACHED_LOSS
                cfg.loss.params = {**(cfg.loss.params or {}), "mini_batch_size": mini}
                plan.choices.append(Choice("loss.name", CACHED_LOSS,
                                           f"Cached MNRL (mini-batch {mini}): {say}; caching keeps the same gradient "
                                           "and every in-batch negative in less memory (~30% more time per step)"))
                return plan
    if need <= allow:  # over the cap but no cached loss gets under it: the machine has room
        return plan
    def shrink(attr: str, name: str, floor: int) -> bool:
        """Halve setting ``attr`` (``hyper.<name>``) down to ``floor`` until the run fits, and record the choice;
        True when the run fits afterwards."""
        value = getattr(s, attr)
        while value > floor and not fits(**{attr: value}):
            value = max(floor, value // 2)
        if value == getattr(s, attr):
            return False
        setattr(s, attr, value)
        setattr(cfg.hyper, name, value)
        plan.choices = [c for c in plan.choices if c.key != f"hyper.{name}"]
        plan.choices.append(Choice(f"hyper.{name}", value, f"batch {value}: {why}" if attr == "batch" else
                                   f"max length {value}: {why}"))
        return fits()

    from core.training.sampler import groupable

    # a loss with in-batch negatives keeps its batch (its negatives) and gives up length first; any other loss
    # (distillation, scored pairs) keeps the whole texts and gives up batch first
    in_batch = groupable(s.loss)
    levers = [("length", "max_seq_length", MIN_LENGTH, open_length),
              ("batch", "batch_size", MIN_BATCH if in_batch else MIN_BATCH_OTHER, open_batch)]
    for attr, name, floor, is_open in (levers if in_batch else levers[::-1]):
        if is_open and shrink(attr, name, floor):
            return plan
    raise refusal(shape, s, allow, fmt, s.loss in CACHEABLE)


def refit_without_negatives(plan, splits, tokenizer=None) -> list:
    """After the run measured that it trains without a negative column (``plan.config.data.hard_negatives`` now
    ``off`` on data without negatives, or ``data.neg_nums`` now 0 on data with its own): undo the cached loss
    ``fit_memory`` chose for three texts per row and fit again for two. Changes ``plan`` in place and returns the
    ``Choice`` objects that changed (empty when the recipe had not cached the loss, or rows keep three texts): the
    cached loss again (perhaps a larger mini-batch), or the format's own loss with the memory it needs."""
    from core import losses as L
    from core.training.recipe import Choice, RecipePlan

    cfg = plan.config
    cached = [c for c in plan.choices if c.key == "loss.name" and c.value == CACHED_LOSS]
    own = brings_negatives(splits)
    if not cached or _texts_per_row(splits.format, cfg.data.negatives_per_row, cfg.data.hard_negatives == "mined",
                                    own_negatives=own) > 2:  # still a negative column: mined, or the data's own
        return []
    cfg.loss.name = None
    cfg.loss.params = {k: v for k, v in (cfg.loss.params or {}).items() if k != "mini_batch_size"}
    rest = [c for c in plan.choices if c is not cached[0]]
    again = fit_memory(RecipePlan(cfg, list(rest)), splits, tokenizer)
    plan.choices = again.choices
    new = again.choices[len(rest):]
    if new:
        return new
    shape = model_shape(cfg.model)
    s = settings_of(cfg, splits.format, shape, query_tokens(splits, tokenizer or tokenizer_for(cfg.model), shape.own_length),
                    own_negatives=own)
    loss = L.run_loss(None, splits.format)
    choice = Choice("loss.name", loss, f"{loss}, not cached: without a hard negative a row has {s.texts} texts, and "
                                       f"batch {s.batch} at {s.length} tokens needs ~{_gb(predict_settings(shape, s).total_mb)} GB")
    plan.choices.append(choice)
    return [choice]


def _halvings(value: int, floor: int) -> list[int]:
    out = []
    while value // 2 >= floor:
        value //= 2
        out.append(value)
    return out


def changes_that_fit(shape: Shape, s: Settings, allow: float, fmt: str, can_cache: bool) -> list[str]:
    """At most two changes, cheapest first, that each make ``s`` fit ``allow`` MB: a cached loss, a shorter
    maximum length, a smaller batch; else the one advice left (freeze the embeddings, a smaller model)."""
    from core import losses as L

    def fits(**change) -> bool:
        return predict_settings(shape, Settings(**{**s.__dict__, **change})).total_mb <= allow

    options = []
    if can_cache and s.loss != CACHED_LOSS and CACHED_LOSS in {x.name for x in L.losses_for(fmt)}:
        m = next((m for m in (16, 8, 4) if m < s.batch and fits(loss=CACHED_LOSS, mini_batch=m)), None)
        if m is not None:
            options.append(f"use {CACHED_LOSS} with mini_batch_size {m}")
    length = next((n for n in _halvings(s.length, 32) if fits(length=n)), None)
    if length is not None:
        options.append(f"lower max_seq_length to {length}")
    batch = next((b for b in _halvings(s.batch, 1) if fits(batch=b)), None)
    if batch is not None:
        options.append(f"lower the batch size to {batch}")
    return options[:2] or ["use the strategy 'freeze' or a smaller model"]


def refusal(shape: Shape, s: Settings, allow: float, fmt: str, can_cache: bool) -> ConfigError:
    """The error for settings that do not fit: what they need, what the machine allows, what to change."""
    options = changes_that_fit(shape, s, allow, fmt, can_cache)
    batch, length = s.batch, s.length
    need_gb, allow_gb, avail_gb = _gb(predict_settings(shape, s).total_mb), _gb(allow), f"{available_gb():.1f}"
    share = f"{HEADROOM:.0%}"
    first, reason = (options[0], options[1]) if len(options) > 1 else ("", options[0])
    return ConfigError(
        f"Batch {batch} at {length} tokens needs ~{need_gb} GB, this machine allows {allow_gb} GB ({share} of "
        f"{avail_gb} GB available): {first} or {reason}." if first else
        f"Batch {batch} at {length} tokens needs ~{need_gb} GB, this machine allows {allow_gb} GB ({share} of "
        f"{avail_gb} GB available): {reason}.")


def tokenizer_for(model: Optional[str]):
    try:
        from core.models import resolve_model
        from core.training.recipe import _load_tokenizer

        return _load_tokenizer(resolve_model(model).path)
    except Exception:
        return None


def check_fits(config, splits=None) -> Any:
    """Raise ``ConfigError`` (one sentence, what to change) when ``config`` as the recipe fills it would not fit
    this machine's memory, or the data's ``DataError`` when it cannot be trained on; the CLI and the UI's Start call
    it before anything is written. Returns the plan."""
    from core.training.data import splits_for
    from core.training.recipe import plan_recipe

    if splits is None:  # data that cannot be trained on is refused here too, before anything is written
        splits = splits_for(config)
    return plan_recipe(config, splits)
