"""Estimate time and memory of a training run before it starts (shown in the Train tab and the CLI).

``estimate(config) -> Estimate`` prepares what the runner prepares, with the runner's own functions: the data
splits and training dataset (``core.training.data``), the step plan (``core.training.schedule.plan_steps``),
the model with its strategy applied (``core.models.load_model`` + ``core.strategies.apply_strategy``, so the
trainable-parameter count is the run's). It then measures, on this machine, with this model and these
settings, a short speed probe: two training steps (forward + backward + AdamW) on real training rows (a cached
loss in its mini-batches; at most ``PROBE_TOKENS`` token positions a step, the time scaled to the whole batch) and
the encoding speed of the first validation texts. The probe runs in the caller's process (the studio's, for
the Train tab), so its work and memory stay bounded on long texts. The time is: process start + model load + base evaluation + steps x
step time + evaluations during training + the final evaluation + checkpoint / model saves + the
delivered-model choice (candidates scored on validation, the general-domain check).

The probe result is cached per (model, strategy, batch size, sequence length, loss, data format, sample texts), so
changing any of them measures again; ``clear_probe_cache()`` empties it. Memory: ``core.training.memory.predict_peak``
(process baseline + fp32 weights + gradients and AdamW state of the trainable parameters + the activations of
one batch as a function of batch x texts per row x length x layers x (hidden + heads x length); fitted on
``bench/memory.py``). A plan, not a promise: the run's own ETA takes over once it trains.
"""

from __future__ import annotations

import hashlib
import random
import time
from dataclasses import dataclass, field

from core.training.config import TrainConfig, eval_passages

TEXTS_PER_ROW = {"pair": 2, "triplet": 3, "scored_pair": 2, "labelled_pair": 2, "labelled_sentence": 1}
STARTUP_SECONDS = 12.0  # a fresh ``python -m core train`` process: imports, data reading, evaluator set-up
SAVE_BYTES_PER_SECOND = 150e6  # checkpoint writing (weights + optimizer state) on a plain disk
PROBE_STEPS = 2
# the probe's work is bounded, so that the estimate itself stays quick and small on long texts (it runs in the
# studio's own process): a probe step trains at most this many token positions (rows x texts x max length) and
# its time is scaled to the whole batch; the encoding probe reads at most twice as many
PROBE_TOKENS = 8192
PROBE_ENCODE_TEXTS = 96


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
    breakdown: dict[str, float] = field(default_factory=dict)  # seconds per phase (load, base eval, train...)

    def human(self) -> str:
        m, s = divmod(int(self.seconds), 60)
        h, m = divmod(m, 60)
        t = f"{h} h {m} min" if h else (f"{m} min {s} s" if m else f"{s} s")
        return f"~{t}, ~{self.peak_memory_mb / 1024:.1f} GB peak, {self.total_steps} steps"


@dataclass(frozen=True)
class Probe:
    """What the speed probe measured for one model + settings."""

    load_seconds: float
    step_seconds: float
    encode_texts_per_second: float
    trainable: int
    total: int
    tokens_per_text: float


_PROBES: dict[str, Probe] = {}


def clear_probe_cache() -> None:
    _PROBES.clear()


def probe_key(config: TrainConfig, fmt: str, texts: list[list[str]]) -> str:
    """Cache key of a probe: the model, strategy, batch and sequence settings, the loss (a cached loss steps in
    mini-batches), the data format and the sample texts (so other data measures again)."""
    h = config.hyper
    parts = [config.model, config.strategy.name, repr(sorted((config.strategy.params or {}).items())),
             str(h.batch_size), str(h.max_seq_length), str(h.gradient_accumulation_steps),
             str(h.freeze_word_embeddings), str(config.loss.name),
             str((config.loss.params or {}).get("mini_batch_size")), fmt, _device(),
             hashlib.sha1(repr(texts).encode("utf-8")).hexdigest()]
    return "|".join(parts)


def estimate(config: TrainConfig, splits=None) -> Estimate:
    from core import losses as L
    from core.training.data import splits_for, training_dataset
    from core.training.recipe import plan_recipe
    from core.training.schedule import plan_steps

    notes: list[str] = []
    splits = splits or splits_for(config)
    recipe = plan_recipe(config, splits)
    config = recipe.config  # the settings the run will use
    loss_name = L.run_loss(config.loss.name, splits.format)
    from core.training.negatives import measures_mining, measures_own_negatives

    loaded = None  # (model, its own length, load seconds) when the negatives are weighed before the probe
    if config.recipe != "plain" and measures_own_negatives(recipe):
        # the run weighs the data's own negatives with the base model before it trains (a forward pass over a
        # sample of rows): measured here the same way, so the estimate times the rows and the loss the run keeps
        from core.training.negatives import planned_pool
        from core.training.runner import measured_choices

        loaded = _load(config)
        measured_choices(recipe, splits, loaded[0], loss_name, L.validate_params(loss_name, config.loss.params),
                         planned_pool(config, splits, loss_name), _NoLog())
        loss_name = L.run_loss(config.loss.name, splits.format)
        notes.append("The base model finds the data's own negatives harder than in-batch ones (weighed here as the run "
                     "weighs them), so the time counts one of them per row." if config.data.neg_nums else
                     "The base model finds the data's own negatives little harder than in-batch ones (weighed here as "
                     "the run weighs them), so the time counts in-batch negatives only.")
    train_df, train_format, neg_nums, mine_texts = _training_rows(config, splits, loss_name)
    if mine_texts and measures_mining(recipe):
        notes.append("The time counts mining one hard negative per query; the run first measures on the validation "
                     "queries whether mined negatives are harder than in-batch ones, and without them skips mining "
                     "and trains on two texts per row instead of three.")
    train_ds, _ = training_dataset(train_df, train_format, loss_name, neg_nums, config.seed)
    columns = [c for c in train_ds.column_names if c not in ("label", "score")]
    batches = _sample_batches(train_ds, columns, config.hyper.batch_size, config.seed)
    from core.training.evaluators import retrieval_inputs

    # what the run's evaluator searches (query-grouped scored pairs as qpn rows), read once for both uses below
    val_df, eval_fmt, val_train = retrieval_inputs(splits.validation, splits.format, splits.train)
    val_texts = _validation_texts(val_df, eval_fmt, config, val_train)
    from core.training.sampler import groupable, grouped_step_factor, groups_by_length

    plan = plan_steps(len(train_ds), config.hyper, config.eval, eval_texts=len(val_texts), texts_per_row=len(columns),
                      fold_lone_row=groupable(loss_name))

    from core.training.memory import (
        brings_negatives,
        model_shape,
        predict_peak,
        query_tokens,
        settings_of,
        tokenizer_for,
    )
    tok = tokenizer_for(config.model)  # read once: the grouped steps' lengths and the memory model's query length
    shape = model_shape(config.model)
    ms = settings_of(config, splits.format, shape, query_tokens(splits, tok, shape.own_length),
                     own_negatives=brings_negatives(splits))
    key = probe_key(config, splits.format, batches)
    probe = _PROBES.get(key)
    if probe is None:  # a cached loss is probed as it trains: its memory plan holds only a mini-batch's activations
        probe = _PROBES[key] = _measure(config, batches, _encode_sample(val_texts, shape.own_length),
                                        mini_batch=ms.mini_batch, loaded=loaded)
    del loaded

    eval_texts = len(val_texts)
    one_eval = eval_texts / probe.encode_texts_per_second if eval_texts else 0.0
    has_eval = eval_texts > 0
    base_eval = one_eval if has_eval and config.eval.evaluate_base else 0.0
    evals = plan.evaluations_during_training() + int(plan.final_evaluation_needed()) if has_eval else 0
    ckpt_bytes = probe.total * 4 + probe.trainable * 8
    saves = plan.checkpoint_saves() * ckpt_bytes / SAVE_BYTES_PER_SECOND
    model_saves = (1 + (min(evals, 3) if has_eval else 0)) * probe.total * 4 / SAVE_BYTES_PER_SECOND  # final/ + best/
    train = plan.total_steps * config.hyper.gradient_accumulation_steps * probe.step_seconds
    if tok is not None and groups_by_length(loss_name, config.hyper):  # the probe's batches are random, the run's grouped
        train *= grouped_step_factor(train_ds, tok, config.hyper.max_seq_length, config.hyper.batch_size, config.seed)
    deliver = _delivery_seconds(config, eval_fmt, val_texts, one_eval, evals, probe.encode_texts_per_second,
                                bf16=ms.bf16)
    mine = mine_texts / probe.encode_texts_per_second
    breakdown = {"startup": STARTUP_SECONDS, "load_model": probe.load_seconds, "mine": mine, "evaluate_base": base_eval,
                 "train": train, "evaluate": evals * one_eval, "save": saves + model_saves, "deliver": deliver}
    seconds = sum(breakdown.values())
    if _device() == "cuda":
        notes.append("Measured on the GPU; other work on it changes the time.")

    memory = predict_peak(shape, ms.batch, ms.lengths(), bf16=ms.bf16, cached_mini_batch=ms.mini_batch,
                          trainable=probe.trainable, total=probe.total)
    peak = memory.total_mb
    emb = shape.vocab * shape.hidden
    if probe.trainable >= emb > probe.total - emb:
        notes.append("The word-embedding table dominates optimizer memory; freezing it (strategy 'freeze') saves "
                     f"~{emb * 20 / 2**30:.1f} GB.")  # its gradient, AdamW moments and AdamW step temporaries
    rows = len(train_ds)
    return Estimate(seconds, peak, plan.total_steps, rows, probe.tokens_per_text, probe.total, probe.trainable,
                    notes, breakdown)


def _training_rows(config: TrainConfig, splits, loss_name: str):
    """``(rows, format, negatives per row, texts mining encodes)`` as the run will train: with mined negatives
    (``core.training.negatives``) each query gets one negative (here a random stand-in: same columns, same cost)
    and mining encodes every training query and pool passage once."""
    from core.training.data import fill_missing_negatives
    from core.training.negatives import as_qpn, planned_pool

    planned = planned_pool(config, splits, loss_name)
    if planned is None:
        return splits.train, splits.format, config.data.negatives_per_row, 0
    rows = as_qpn(splits.train, splits.format)
    texts = len(rows) + len(planned[0])
    rows, _, _ = fill_missing_negatives(rows, config.seed)
    return rows, "qpn", max(1, config.data.negatives_per_row), texts


def _delivery_seconds(config: TrainConfig, fmt: str, val_texts: list[str], one_eval: float, evals: int,
                      texts_per_second: float, bf16: bool = False) -> float:
    """Time of the delivered-model choice at the end of a retrieval run (``core.training.delivery``): each blend
    scored on validation (the base, best/ and final/ keep the training's own scores, read at the delivered length
    by ``core.training.evaluators.read_at``, except under bf16, or for the base when it was not evaluated at step 0
    or LoRA / prefix wrapped it), then the base and the delivered
    model on the general-domain set of each language of the validation texts. A candidate the forgetting guard
    passes over (``data.general_max_drop``) costs one more general-set pass each; that is known only at the end,
    so it is not counted."""
    from core.strategies import needs_finalize
    from core.training.delivery import (
        ALPHAS,
        base_scores_key,
        cached_base_scores,
        general_set,
        languages_of,
        shipped_length,
    )
    from core.training.evaluators import RETRIEVAL_FORMATS

    if fmt not in RETRIEVAL_FORMATS or not val_texts or texts_per_second <= 0:
        return 0.0
    from core.training.memory import model_shape

    length = shipped_length(model_shape(config.model).own_length, config.hyper.max_seq_length)  # what delivery uses
    tuned = (2 if evals > 1 else 1) if bf16 else 0
    base = int(bf16 or not config.eval.evaluate_base or needs_finalize(config.strategy.name or "full"))
    seconds = (len(ALPHAS) + tuned + base) * one_eval
    for lang in languages_of(val_texts):
        ev, folder, _, _ = general_set(lang, getattr(config.data, "general", None), config.model)
        if ev is None:  # the run will say why it skips the set (turned off, absent, a language the model lacks)
            continue
        texts = len(ev.queries) + len(ev.corpus)
        # the delivered model; the base model too unless an earlier run from it left its scores
        key = base_scores_key(config.model, folder, ev, length)  # scored at the delivered length, as the run will
        passes = 1 + int(cached_base_scores(key) is None)
        seconds += passes * texts / texts_per_second
    return seconds


def _device() -> str:
    try:
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    except Exception:
        return "cpu"


def _encode_sample(texts: list[str], length: int) -> list[str]:
    """The validation texts the encoding probe reads (the first ones, queries first, as the estimate's time model
    was fitted on): ``PROBE_ENCODE_TEXTS``, fewer at long lengths (``2 * PROBE_TOKENS / length``, at least 8)."""
    return list(texts[:min(PROBE_ENCODE_TEXTS, max(8, 2 * PROBE_TOKENS // max(1, int(length))))])


def probe_rows(batch: int, texts_per_row: int, length: int) -> int:
    """Rows a probe step trains: the whole ``batch`` when its ``texts_per_row`` texts at ``length`` tokens fit in
    ``PROBE_TOKENS`` positions, else as many rows as fit (at least 1); the step time is scaled by
    ``batch / probe_rows`` (a step's compute grows with its rows)."""
    return max(1, min(int(batch), PROBE_TOKENS // max(1, int(texts_per_row) * int(length))))


def _features(model, texts: list[str], device) -> dict:
    """The model's tokenised inputs for ``texts``, on ``device``."""
    feats = model.preprocess(texts) if hasattr(model, "preprocess") else model.tokenize(texts)
    return {k: v.to(device) if hasattr(v, "to") else v for k, v in feats.items()}


def _sample_batches(train_ds, columns: list[str], batch_size: int, seed: int) -> list[list[str]]:
    """``PROBE_STEPS + 1`` batches of real training texts, one list of texts per column and batch."""
    n = len(train_ds)
    rng = random.Random(seed)
    out = []
    for _ in range(PROBE_STEPS + 1):
        idx = [rng.randrange(n) for _ in range(min(batch_size, n))] if n else []
        rows = train_ds.select(idx) if idx else []
        for col in columns:
            out.append([str(x) for x in (rows[col] if idx else [])])
    return out


def _validation_texts(df, fmt: str, config: TrainConfig, train_df=None) -> list[str]:
    """The texts one evaluation encodes, as the runner's evaluator reads them (queries + whole corpus for
    retrieval formats, both sides of pairs otherwise); ``df`` / ``fmt`` / ``train_df`` as
    ``core.training.evaluators.retrieval_inputs`` gives them."""
    if df is None or len(df) == 0:
        return []
    from core.training.evaluators import RETRIEVAL_FORMATS, validation_retrieval

    if fmt in RETRIEVAL_FORMATS:
        queries, corpus, _, _ = validation_retrieval(df, fmt, config.eval.max_eval_queries, config.seed, train_df,
                                                     config.data.corpus, eval_passages(config))
        texts = list(queries.values()) + list(corpus.values())
        if fmt == "triplet":
            texts += [str(x) for c in ("anchor", "positive", "negative") for x in df[c]]
        return [str(t) for t in texts]
    cols = {"scored_pair": ("sentence1", "sentence2"), "labelled_pair": ("sentence1", "sentence2"),
            "labelled_sentence": ("text", "text", "text")}.get(fmt, ())
    return [str(x) for c in cols if c in df.columns for x in df[c]]


class _NoLog:
    """An event log that keeps nothing (the estimate measures what the run measures, without a run folder)."""

    def emit(self, *args, **kwargs) -> None:
        return None


def _load(config: TrainConfig) -> tuple[object, int | None, float]:
    """``(model, its own max length, seconds)``: the model loaded as the runner loads it (training length applied)."""
    from core.models import load_model, set_threads

    set_threads()
    start = time.perf_counter()
    model = load_model(config.model, trust_remote_code=config.trust_remote_code)
    own_length = getattr(model, "max_seq_length", None)
    if config.hyper.max_seq_length:
        model.max_seq_length = int(config.hyper.max_seq_length)
    return model, own_length, time.perf_counter() - start


def _measure(config: TrainConfig, batches: list[list[str]], val_sample: list[str],
             mini_batch: int | None = None, loaded: tuple[object, int | None, float] | None = None) -> Probe:
    """Load the model as the runner does, apply the strategy, time training steps and encoding.

    A step runs as the run's loss runs it: with ``mini_batch`` (a cached loss, GradCache) every text of the step is
    first embedded without gradients, then each mini-batch of texts is embedded again and back-propagated on its
    own, so the probe's time counts the extra pass and its memory holds one mini-batch's activations, as the
    memory plan that chose the cached loss assumed (the whole batch at once can need many times the machine's
    memory on long passages)."""
    import torch

    from core import strategies as S

    model, own_length, load_seconds = loaded or _load(config)  # ``loaded``: the model the negatives were weighed with
    if config.hyper.max_seq_length:  # (the measurement may have refit it)
        model.max_seq_length = int(config.hyper.max_seq_length)
    start = time.perf_counter()
    report = S.apply_for_run(model, config.strategy.name, config.strategy.params, bool(config.hyper.freeze_word_embeddings),
                             config.hyper.dropout, config.hyper.attention_dropout)
    load_seconds += time.perf_counter() - start
    device = next(model.parameters()).device
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-9) if params else None
    per_step = max(1, len(batches) // (PROBE_STEPS + 1))
    batch = max((len(texts) for texts in batches), default=1)
    rows = probe_rows(batch, per_step, model.max_seq_length)
    lengths: list[int] = []
    model.train()
    times = []
    for i in range(PROBE_STEPS + 1):
        t0 = time.perf_counter()
        loss = None
        step = [texts[:rows] for texts in batches[i * per_step:(i + 1) * per_step] if texts]
        chunks = [texts[j:j + mini_batch] for texts in step for j in range(0, len(texts), mini_batch)] if mini_batch else step
        if mini_batch:
            with torch.no_grad():  # GradCache's first pass: every embedding, no activations kept
                for texts in chunks:
                    model(_features(model, texts, device))
        for texts in chunks:
            feats = _features(model, texts, device)
            lengths.append(int(feats["attention_mask"].sum()) / max(1, len(texts)))
            part = model(feats)["sentence_embedding"].pow(2).mean()
            if mini_batch and part.requires_grad:
                part.backward()  # one mini-batch's activations at a time
            else:
                loss = part if loss is None else loss + part
        if loss is not None and loss.requires_grad:
            loss.backward()
        if opt is not None:
            opt.step()
            opt.zero_grad(set_to_none=True)
        times.append(time.perf_counter() - t0)
    step_seconds = min(times[1:]) if len(times) > 1 else times[0]  # the first step warms up kernels
    step_seconds *= batch / rows  # the whole batch's step
    model.eval()
    from core.training.delivery import shipped_length

    # the run's validation reads at the delivered length (core.training.evaluators.read_at), so the probe does too
    model.max_seq_length = shipped_length(own_length, model.max_seq_length) or model.max_seq_length
    enc_rate = 1e9
    if val_sample:
        from core.evaluation.encoding import encode_batch

        size = encode_batch(model)  # as the run's validation and delivery encode
        model.encode(val_sample[:8], batch_size=size)  # warm-up
        t0 = time.perf_counter()
        model.encode(val_sample, batch_size=size)
        enc_rate = len(val_sample) / max(1e-6, time.perf_counter() - t0)
    tok = sum(lengths) / len(lengths) if lengths else 64.0
    del model, opt
    from core.models.device import release_memory

    release_memory()  # the studio's own process ran the probe: hand its memory back
    return Probe(load_seconds, step_seconds, enc_rate, int(report.trainable), int(report.total), tok)
