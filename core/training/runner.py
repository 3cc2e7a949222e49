"""Run one training in this process: ``run_training(config, run_dir, resume=False) -> dict``.

This is the single code path behind the UI (which starts it as a child process through
``core.training.launch``), the CLI (``python -m core train``) and distributed launchers (``torchrun`` /
``accelerate launch python -m core train ...``: every rank runs it, only rank 0 writes to the run folder).

What it does, in order: load and split the data; load the model source; apply the strategy; build the loss
and the evaluator; evaluate the base model (step 0, so every curve starts at the baseline); train with
``SentenceTransformerTrainer``, writing ``train`` / ``eval`` / ``progress`` events, saving checkpoints and the
best model; stop cleanly on a ``STOP`` file or SIGTERM/SIGINT (finish the step, save a loadable model,
status ``stopped``) or on a NaN/inf loss (status ``failed`` with a clear event); save ``final/`` in plain
sentence-transformers layout; compare the final validation metric with the baseline and say so loudly when
the tuned model is worse.
"""

from __future__ import annotations

import copy
import errno
import json
import os
import shutil
import signal
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from core.errors import StudioError
from core.models.device import bf16_enabled
from core.run_folder import (
    BEST_DIR,
    CHECKPOINTS_DIR,
    CONFIG_FILE,
    EV_BEST,
    EV_DATA,
    EV_ERROR,
    EV_EVAL,
    EV_LOG,
    EV_PARAMS,
    EV_PHASE,
    EV_PLAN,
    EV_PROGRESS,
    EV_RECIPE,
    EV_TRAIN,
    EV_WARNING,
    FINAL_DIR,
    PHASE_DELIVERING,
)
from core.training.config import TrainConfig, eval_passages
from core.training.events import STOP_FILE, EventLog, is_main_process
from core.training.schedule import plan_steps

CHECKPOINTS = CHECKPOINTS_DIR  # the names this module used before core/run_folder.py
FINAL = FINAL_DIR
BEST = BEST_DIR


DISK_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EIO)
_DISK_WORDS = ("no space left on device", "disk quota exceeded", "input/output error", "os error 28")


class DiskError(StudioError):
    """The run folder could not be written (disk full, quota exceeded, I/O error)."""


def is_disk_error(err: BaseException) -> bool:
    """True for an ``OSError`` with ENOSPC / EDQUOT / EIO, or any error whose text says so (safetensors wraps
    the OS error in its own exception type)."""
    if isinstance(err, OSError) and err.errno in DISK_ERRNOS:
        return True
    return any(w in str(err).lower() for w in _DISK_WORDS)


def disk_error_message(err: BaseException, run_dir: Path) -> str:
    """One sentence for a disk error while writing ``run_dir``."""
    reason = os.strerror(err.errno) if isinstance(err, OSError) and err.errno else str(err)
    where = f" ({Path(err.filename).name})" if isinstance(err, OSError) and err.filename else ""
    return (f"Writing the run folder {run_dir.name} failed: {reason}{where}; the run ended as failed, free disk space "
            "and resume it (the last complete checkpoint is kept).")


def _checkpoint_complete(path: Path) -> bool:
    """A checkpoint is complete when its ``trainer_state.json`` (written last by the trainer) parses."""
    try:
        json.loads((path / "trainer_state.json").read_text(encoding="utf-8"))
        return True
    except (OSError, ValueError):
        return False


def _checkpoint_dirs(run_dir: Path) -> list[Path]:
    return [p for p in (run_dir / CHECKPOINTS).glob("checkpoint-*") if p.is_dir() and p.name.split("-")[-1].isdigit()]


def last_checkpoint(run_dir: Path) -> Optional[Path]:
    ckpts = [p for p in _checkpoint_dirs(run_dir) if _checkpoint_complete(p)]  # complete ones only
    return max(ckpts, key=lambda p: int(p.name.split("-")[-1])) if ckpts else None


def clean_partial_checkpoints(run_dir: Path, log: Optional[EventLog] = None) -> list[str]:
    """Remove checkpoint folders left incomplete by a crash (no readable ``trainer_state.json``); each removal
    is a ``log`` event. Returns the names removed."""
    removed = []
    for path in sorted(_checkpoint_dirs(run_dir), key=lambda p: int(p.name.split("-")[-1])):
        if not _checkpoint_complete(path):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path.name)
            if log is not None:
                log.emit(EV_LOG, message=f"Removed the incomplete checkpoint {path.name} (left by an interrupted save).")
    return removed


def bf16_warning(bf16_on: bool, on_cuda: bool, native: Optional[bool]) -> Optional[str]:
    """The warning for bf16 autocast on a CPU without bfloat16 instructions (``native`` False, from
    ``core.models.device.cpu_bf16_native``), else None."""
    if bf16_on and not on_cuda and native is False:
        return ("bf16 is on, but this CPU has no bfloat16 instructions (avx512_bf16 / amx_bf16), so every step runs "
                "emulated, many times slower than fp32 (about 25x measured on an AVX2 machine); set hyper.bf16 to "
                "auto or false.")
    return None


def _prompts_for(model, dataset_columns: list[str], fmt: str, use: bool) -> Optional[dict[str, str]]:
    """Column -> prompt string, from the model's own prompts (e5: query/passage)."""
    prompts = getattr(model, "prompts", None) or {}
    if not use or "query" not in prompts:
        return None
    q = prompts["query"]
    p = next((prompts[n] for n in ("passage", "document", "corpus") if n in prompts), q)
    retrieval = fmt in ("pair", "triplet", "qpn")
    out = {}
    for col in dataset_columns:
        if col in ("label", "score"):
            continue
        out[col] = q if (col == "anchor" or not retrieval) else p
    return out or None


def _save_plain(model, report, path: Path) -> None:
    """Save ``model`` in plain sentence-transformers layout, atomically: a finalized copy when the strategy's
    machinery must go first (LoRA merged, prefix dropped; the run keeps training the original), else the model
    itself (no copy of its weights in memory)."""
    from core.strategies import finalize_for_save, needs_finalize

    tmp = path.with_name(f".{path.name}.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    plain = finalize_for_save(copy.deepcopy(model), report) if needs_finalize(report) else model
    plain.save(str(tmp))
    if path.exists():
        old = path.with_name(f".{path.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(path, old)
        os.replace(tmp, path)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, path)


BASE_EVAL_KEPT = ("Base model's validation scores from an earlier run with the same base model, validation set and "
                  "length: not searched again")
PHASES = ("loading_model", "evaluating_base", "training", "evaluating", "saving", "finishing", PHASE_DELIVERING, "done")


def evaluator_texts(evaluator) -> Optional[int]:
    """How many texts one run of ``evaluator`` encodes (queries + corpus, both sides of pairs...); None if unknown."""
    if evaluator is None:
        return None
    subs = getattr(evaluator, "evaluators", None)
    if subs:
        parts = [evaluator_texts(e) for e in subs]
        return None if any(p is None for p in parts) else sum(parts)
    names = ("queries", "corpus", "sentences1", "sentences2", "anchors", "positives", "negatives")
    found = [len(getattr(evaluator, n)) for n in names if isinstance(getattr(evaluator, n, None), (list, tuple, dict))]
    return sum(found) if found else None


class _Phases:
    """``phase`` events (what the run is doing now, with its own progress) and ``status.json``'s ``phase``.

    ``enter(phase, step=, total=, what=)`` starts a phase; while an evaluation runs, a forward hook on the model
    (``count_forward``) counts encoded texts and emits ``phase`` events with ``done``/``total`` at most every
    ``every`` seconds."""

    def __init__(self, log: EventLog, every: float = 1.0):
        self.log, self.every = log, every
        self.current: dict[str, Any] = {}
        self.counting, self.done, self._last = False, 0, 0.0

    def enter(self, phase: str, step: Optional[int] = None, total: Optional[int] = None, what: Optional[str] = None,
              counting: bool = False) -> None:
        self.current = {k: v for k, v in (("phase", phase), ("step", step), ("total", total), ("what", what))
                        if v is not None}
        self.counting, self.done, self._last = counting, 0, time.monotonic()
        self.log.emit(EV_PHASE, **self.current, done=0)
        self.log.update_status(phase=phase, phase_what=what)

    def finish(self) -> None:
        """Emit the phase's final count (an evaluation ends with ``done == total``)."""
        if self.counting:
            self.counting = False
            self.log.emit(EV_PHASE, **self.current, done=self.done)

    def count_forward(self, module, args, output) -> None:
        if not self.counting:
            return
        try:  # a dict of features (a plain dict or a tokenizer's BatchEncoding)
            emb = output["sentence_embedding"]
        except (KeyError, TypeError, IndexError):
            emb = None
        self.done += int(emb.shape[0]) if emb is not None and getattr(emb, "ndim", 0) >= 1 else 0
        total = self.current.get("total")
        if total:
            self.done = min(self.done, int(total))
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            self.log.emit(EV_PHASE, **self.current, done=self.done)


class _Stopper:
    """Turns SIGTERM/SIGINT into a graceful stop request (the current step finishes)."""

    def __init__(self):
        self.requested = False
        self._old = {}

    def install(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            try:
                self._old[sig] = signal.signal(sig, self._handle)
            except ValueError:  # not the main thread
                pass

    def _handle(self, signum, frame):
        self.requested = True

    def restore(self):
        for sig, old in self._old.items():
            signal.signal(sig, old)


def _baseline_from_events(run_dir: Path, metric: Optional[str]) -> Optional[float]:
    """The base model's ``metric`` from the run's step-0 evaluation event, or None."""
    from core.training.events import read_events

    for ev in read_events(run_dir)[0]:
        if ev.get("type") == EV_EVAL and ev.get("step") == 0:
            value = (ev.get("metrics") or {}).get(metric)
            if isinstance(value, (int, float)):
                return float(value)
    return None


def check_inputs(config: TrainConfig):
    """Read ``config``'s data (every file, the split) and find its model, raising the first problem's sentence;
    nothing is written. The CLI calls it before it creates or touches a run folder, so a typo never leaves a
    run folder behind (blocking the name) and a resume whose data moved never marks a finished run failed.
    Returns the ``Splits``."""
    from core import losses as L
    from core.models.sources import check_max_length, resolve_model
    from core.training.data import splits_for

    config.validate()
    splits = splits_for(config)
    loss = L.run_loss(config.loss.name, splits.format)
    if loss is not None:
        L.check_compatible(loss, splits.format)
    resolve_model(config.model)
    check_max_length(config.model, config.hyper.max_seq_length)
    return splits


def run_training(config: TrainConfig, run_dir: str | Path, resume: bool = False, exits_after: bool = False,
                 queued: bool = False) -> dict:
    """Train per ``config`` into ``run_dir``; returns the final status dict (also in ``status.json``).

    ``exits_after`` (the CLI, a child of ``start_run``): the process exits when the run ends, so its pid stays
    in ``status.json`` and a process still exiting shows as ``stopping``. Called inside a process that lives on
    (a notebook, a test), the pid is cleared when the run ends, or the run would count as running for as long
    as that process lives. ``queued``: the studio queued this run (``launch.start_run`` cleared any old stop
    request then), so a stop file found at start is the user's Stop pressed while the process was starting up,
    and the run stops after its first step instead of forgetting it."""
    run_dir = Path(run_dir)
    config.validate()  # every field, loss/strategy parameters and secrets, before anything is written
    log = EventLog(run_dir)
    if log.enabled:
        run_dir.mkdir(parents=True, exist_ok=True)
        config.save(run_dir / CONFIG_FILE)
        if not queued:  # a stop request left by an earlier process (a killed run) is not this run's
            (run_dir / STOP_FILE).unlink(missing_ok=True)
    stopper = _Stopper()
    stopper.install()
    log.status("running", name=config.name, model=config.model, resumed=bool(resume), started=time.time())
    try:
        ended = _train(config, run_dir, resume, log, stopper)
        if ended is not None:  # None: the run already ended as failed (a NaN loss)
            _deliver_and_finish(run_dir, ended, log)
    except StudioError as err:
        log.emit(EV_ERROR, message=str(err))
        log.status("failed", error=str(err))
        raise
    except Exception as err:  # unexpected: keep the traceback in the log, a sentence in the status
        if is_disk_error(err):  # disk full / quota / I/O error: one sentence, the run ends as failed
            msg = disk_error_message(err, run_dir)
            _best_effort(log.emit, "error", message=msg, kind="disk")
            _best_effort(log.status, "failed", error=msg)
            raise DiskError(msg) from None
        log.emit(EV_ERROR, message=f"Unexpected error {type(err).__name__}: {err}", traceback=traceback.format_exc())
        log.status("failed", error=f"Unexpected error {type(err).__name__}: {err}")
        raise
    finally:
        stopper.restore()
        if log.enabled:
            _best_effort((run_dir / STOP_FILE).unlink, missing_ok=True)
            if not exits_after:
                _best_effort(log.update_status, pid=None)
    return dict(log.current)


def _with_mined_negatives(config: TrainConfig, splits, model, planned, phases: _Phases, log: EventLog):
    """``(training rows, their format, negatives per row)``: the splits' training rows as they are, or, with
    ``data.hard_negatives: mined`` on data without negatives, query-pos-neg rows with one negative mined by the
    base model (``core.training.negatives``; validation and test passages are never negatives). ``planned``:
    ``planned_pool``'s ``(pool, held-out passages)``, or None when the run does not mine."""
    from core.training.negatives import as_qpn, mine_for_training

    if planned is None:
        return splits.train, splits.format, config.data.negatives_per_row
    pool, held_out = planned
    phases.enter("mining", total=len(as_qpn(splits.train, splits.format)) + len(pool), counting=True)
    # the pool is already filtered and capped: mining_pool leaves it as it is
    mined = mine_for_training(splits.train, splits.format, model, passages=pool, exclude=held_out, seed=config.seed)
    phases.finish()
    log.emit(EV_LOG, message=mined.summary())
    return mined.rows, "qpn", max(1, config.data.negatives_per_row)


def measured_choices(recipe, splits, model, loss_name: str, loss_params: dict, planned,
                     log) -> tuple[str, dict, object]:
    """What the recipe measures with the base ``model`` before training (``recipe: auto``; ``plain`` measures
    nothing): the in-batch loss's scale (``core.training.temperature.scale_choice``), then the negatives
    (``_decide_negatives``), each change a ``recipe`` event on ``log``. Returns ``(loss name, loss params, planned
    pool)``; ``recipe.config`` is changed in place. The run and the Train tab's estimate both call it."""
    if recipe.config.recipe == "plain":
        return loss_name, loss_params, planned
    from core.evaluation.encoding import remembered
    from core.training.recipe import Choice
    from core.training.temperature import scale_choice

    config = recipe.config
    with remembered(model):  # both read the same seeded training rows: each text is encoded once
        picked = scale_choice(loss_name, loss_params, config.loss.params, model, splits.train, splits.format,
                              config.seed)
        if picked is not None:
            loss_params["scale"] = picked[0]
            log.emit(EV_RECIPE, recipe=config.recipe, choices=[Choice("loss.params.scale", *picked).to_dict()])
        return _decide_negatives(recipe, splits, model, loss_name, loss_params, planned, log)


def _decide_negatives(recipe, splits, model, loss_name: str, loss_params: dict, planned,
                      log: EventLog) -> tuple[str, dict, object]:
    """``(loss name, loss params, planned pool)`` to train with once the base model has spoken. When the recipe
    planned mining, the base model's evidence on the validation queries (``core.training.negatives.
    negatives_evidence``, ranked against ``planned``, ``planned_pool``'s result) sets ``data.hard_negatives``;
    when it planned the data's own negatives, their evidence on a sample of training rows (``own_evidence``) sets
    ``data.neg_nums`` (1 or 0). Without a negative column (no mining: the pool becomes None) the memory fit is
    redone for two texts per row (``core.training.memory.refit_without_negatives``), which may drop a cached
    loss. The changes go to a ``recipe`` event; the calibrated ``scale`` in ``loss_params`` is kept."""
    from core import losses as L
    from core.training.memory import refit_without_negatives
    from core.training.negatives import measures_mining, measures_own_negatives, negatives_evidence, own_evidence
    from core.training.recipe import Choice

    config = recipe.config
    kept_scale = loss_params.get("scale")
    batch, scale = int(config.hyper.batch_size or 32), float(kept_scale or 20.0)
    if measures_mining(recipe):
        evidence = None if planned is None else negatives_evidence(
            model, splits.validation, splits.format, planned[0], batch, scale, seed=config.seed)
    elif measures_own_negatives(recipe):
        evidence = own_evidence(model, splits.train, batch, scale, seed=config.seed)
    else:
        return loss_name, loss_params, planned
    if evidence is None:  # nothing to measure on: the plan stands
        return loss_name, loss_params, planned
    decided = Choice(evidence.key, *evidence.choice())  # its reasons: NegativesEvidence.choice's sentences
    if evidence.key == "data.neg_nums":
        config.data.neg_nums = decided.value
    else:
        config.data.hard_negatives = decided.value
        if decided.value != "mined":
            planned = None
    changed = [decided] + refit_without_negatives(recipe, splits)
    if len(changed) > 1:  # the loss (and perhaps the batch or length) fit again for two texts per row
        loss_name = L.run_loss(config.loss.name, splits.format)
        loss_params = L.validate_params(loss_name, config.loss.params)
        if kept_scale is not None and "scale" in loss_params:
            loss_params["scale"] = kept_scale
        if config.hyper.max_seq_length:
            model.max_seq_length = int(config.hyper.max_seq_length)
    log.emit(EV_RECIPE, recipe=config.recipe, choices=[c.to_dict() for c in changed])
    return loss_name, loss_params, planned


def _strategy_callbacks(model, report, log: EventLog) -> list:
    """Callbacks a strategy needs during training (``staged``: the switch to its second stage, logged)."""
    from core import strategies as S

    def switched(step: int, trainable: int, total: int) -> None:
        log.emit(EV_PARAMS, strategy=report.name, stage=report.state["then"], trainable=trainable, total=total, step=step)
        log.emit(EV_LOG, message=f"staged strategy: second stage ({report.state['then']}) from step {step}; "
                                f"{trainable:,} of {total:,} weights train")

    cb = S.stage_switch(model, report, switched)
    return [cb] if cb is not None else []


def _batch_sampler(loss_name: str, model, hyper, train_ds):
    """The loss's batch sampler (``batch_sampler_for``). A loss with in-batch negatives gets the studio's
    no-duplicates sampler (``core.training.sampler``), which folds a lone last row into a full batch: with
    ``hyper.group_by_length``, batches of rows of similar length and one language; without, rows in random order
    (every length equal), the batches sentence-transformers' own sampler makes but for that lone row, whose
    batch would have no negative and a loss of 0."""
    import numpy as np

    from core import losses as L
    from core.training.sampler import LengthGrouped, groupable, groups_by_length, row_languages, row_lengths

    if groups_by_length(loss_name, hyper):
        return LengthGrouped(row_lengths(train_ds, model.tokenizer, model.max_seq_length), keys=row_languages(train_ds))
    if groupable(loss_name):
        return LengthGrouped(np.zeros(len(train_ds), dtype=np.int64))
    return L.batch_sampler_for(loss_name)


def _best_effort(fn, *args, **kwargs) -> None:
    """Call ``fn``; an OSError (the disk is still full) is ignored, the run is ending anyway."""
    try:
        fn(*args, **kwargs)
    except OSError:
        pass


def _train(config: TrainConfig, run_dir: Path, resume: bool, log: EventLog, stopper: _Stopper) -> Optional[_Ended]:
    import torch
    from sentence_transformers import SentenceTransformerTrainer, SentenceTransformerTrainingArguments
    from transformers import TrainerCallback, set_seed

    from core import losses as L
    from core import strategies as S
    from core.models import load_model, set_threads
    from core.training.data import splits_for, training_dataset
    from core.training.evaluators import (
        base_eval_key,
        build_evaluator,
        gain_over_base,
        keep_base_eval,
        kept_base_eval,
        last_per_query,
        save_base_scores,
        saved_base_scores,
        short_metrics,
    )

    set_threads()
    set_seed(config.seed)
    splits = splits_for(config)
    counts = splits.counts()
    log.emit(EV_DATA, format=splits.format, counts=counts, issues=len(splits.issues),
             issue_examples=[str(getattr(i, "message", i)) for i in splits.issues[:5]])
    for issue in splits.issues:  # a whole split's notice (no row of its own), such as validation rows left out
        if getattr(issue, "row", 0) is None and getattr(issue, "severity", "") == "warning":
            log.emit(EV_WARNING, message=issue.message)
    from core.training.recipe import plan_recipe

    given_epochs = config.hyper.epochs  # as the config gives it (None: the recipe's), for a later resume's check
    recipe = plan_recipe(config, splits)
    config = recipe.config
    log.emit(EV_RECIPE, recipe=config.recipe, choices=recipe.to_dicts())
    log.update_status(model=config.model)

    loss_name = L.run_loss(config.loss.name, splits.format)
    L.check_compatible(loss_name, splits.format)
    loss_params = L.validate_params(loss_name, config.loss.params)

    phases = _Phases(log)
    phases.enter("loading_model")
    model = load_model(config.model, trust_remote_code=config.trust_remote_code)
    own_length = getattr(model, "max_seq_length", None)  # the base model's own: part of the delivered length
    if config.hyper.max_seq_length:
        from core.models.sources import check_max_length

        check_max_length(config.model, config.hyper.max_seq_length)  # (for run_training called directly)
        model.max_seq_length = int(config.hyper.max_seq_length)
    from core.training.negatives import planned_pool

    planned = planned_pool(config, splits, loss_name)  # read once: the evidence and the mining rank the same pool
    loss_name, loss_params, planned = measured_choices(recipe, splits, model, loss_name, loss_params, planned, log)
    model.register_forward_hook(phases.count_forward)  # counts texts while a phase counts (mining, evaluations)
    report = S.apply_for_run(model, config.strategy.name, config.strategy.params, bool(config.hyper.freeze_word_embeddings),
                             config.hyper.dropout, config.hyper.attention_dropout)
    log.emit(EV_PARAMS, strategy=report.name, trainable=report.trainable, total=report.total,
             frozen_word_embeddings=bool(config.hyper.freeze_word_embeddings))

    train_df, train_format, neg_nums = _with_mined_negatives(config, splits, model, planned, phases, log)
    train_ds, notes = training_dataset(train_df, train_format, loss_name, neg_nums, config.seed)
    for note in notes:
        log.emit(EV_LOG, message=note)
    guide = load_model(config.loss.guide_model) if config.loss.guide_model else None
    num_labels = len(splits.label_names) if splits.label_names else (
        int(splits.train["label"].max()) + 1 if "label" in splits.train.columns else None)
    loss = L.build_loss(loss_name, model, loss_params, splits.format, num_labels=num_labels, guide_model=guide,
                        matryoshka_dims=config.loss.matryoshka_dims)
    spec = build_evaluator(splits.validation, splits.format, model, splits.label_names,
                           max_queries=config.eval.max_eval_queries, seed=config.seed,
                           train_df=splits.train, corpus=config.data.corpus, max_passages=eval_passages(config))
    main_metric = config.eval.metric_for_best or (spec.main_metric if spec else None)
    read_length = None
    if spec is not None:  # validation reads what delivered/ will read (its scores are then delivery's too)
        from core.training.delivery import shipped_length
        from core.training.evaluators import read_at

        length = shipped_length(own_length, getattr(model, "max_seq_length", None))
        read_length = length if read_at(spec.evaluator, length) else None
        if read_length:
            spec.measured_on["max_seq_length"] = read_length  # each eval event, and the Train tab, says it
        if spec.measured_on:
            log.update_status(validation=spec.measured_on)

    from core.training.sampler import groupable

    h = config.hyper
    texts_per_row = len([c for c in train_ds.column_names if c not in ("label", "score")])  # query, positive, negatives
    plan = plan_steps(len(train_ds), h, config.eval, eval_texts=spec.texts if spec else 0,
                      texts_per_row=texts_per_row, fold_lone_row=groupable(loss_name), world_size=L.world_size())
    per_epoch, total_steps = plan.steps_per_epoch, plan.total_steps
    eval_steps, save_steps, logging_steps = plan.eval_steps, plan.save_steps, plan.logging_steps
    overrides = dict(getattr(report, "trainer_overrides", None) or {})
    args = SentenceTransformerTrainingArguments(
        output_dir=str(run_dir / CHECKPOINTS),
        num_train_epochs=h.epochs,
        max_steps=h.max_steps if h.max_steps and h.max_steps > 0 else -1,
        per_device_train_batch_size=h.batch_size,
        per_device_eval_batch_size=h.batch_size,
        gradient_accumulation_steps=h.gradient_accumulation_steps,
        learning_rate=h.learning_rate,
        warmup_steps=float(h.warmup_ratio),  # transformers 5: a float below 1 is a share of the steps
        weight_decay=overrides.pop("weight_decay", h.weight_decay),
        lr_scheduler_type=h.lr_scheduler,
        bf16=bf16_enabled(h.bf16),
        batch_sampler=_batch_sampler(loss_name, model, h, train_ds),
        prompts=_prompts_for(model, list(train_ds.column_names), splits.format, h.use_prompts),
        eval_strategy="steps" if spec else "no",
        eval_steps=eval_steps,
        save_strategy="steps",
        save_steps=save_steps,
        save_total_limit=config.eval.save_total_limit,
        logging_steps=logging_steps,
        logging_first_step=True,
        seed=config.seed,
        data_seed=config.seed,
        report_to="none",
        disable_tqdm=True,
        dataloader_num_workers=0,
        use_cpu=not torch.cuda.is_available(),
        **overrides,
    )

    from core.models.device import cpu_bf16_native

    slow_bf16 = bf16_warning(bool(args.bf16), torch.cuda.is_available(), cpu_bf16_native() if args.bf16 else None)
    if slow_bf16:
        log.emit(EV_WARNING, message=slow_bf16)

    state: dict[str, Any] = {"best": None, "best_step": None, "baseline": None, "last_eval": None, "nonfinite": None,
                             "t0": time.monotonic(), "step0": 0, "main_metric": main_metric}

    eval_texts = evaluator_texts(spec.evaluator) if spec else None

    class StudioTrainer(SentenceTransformerTrainer):
        def evaluate(self, *a, **kw):
            step = self.state.global_step
            phases.enter("evaluating_base" if step == 0 and state["baseline"] is None else "evaluating",
                         step=step, total=eval_texts, counting=True)
            try:
                return super().evaluate(*a, **kw)
            finally:
                phases.finish()
                phases.enter("training" if not state.get("train_done") else "finishing", step=step)

        def _save_checkpoint(self, *a, **kw):
            step = self.state.global_step
            phases.enter("saving", step=step, what="checkpoint")
            try:
                return super()._save_checkpoint(*a, **kw)
            finally:
                phases.enter("training" if not state.get("train_done") else "finishing", step=step)

        def training_step(self, *a, **kw):
            out = super().training_step(*a, **kw)
            if not torch.isfinite(out.detach()).all():
                state["nonfinite"] = float(out.detach().float().mean())
                self.control.should_training_stop = True
            return out

    class Events(TrainerCallback):
        def on_train_begin(self, args, st, control, **kw):
            state["t0"], state["step0"] = time.monotonic(), st.global_step
            phases.enter("training", step=st.global_step, total=st.max_steps)
            log.emit(EV_PROGRESS, step=st.global_step, total_steps=st.max_steps, fraction=st.global_step / max(st.max_steps, 1), eta_seconds=None)

        def on_log(self, args, st, control, logs=None, **kw):
            logs = logs or {}
            if "loss" in logs:
                log.emit(EV_TRAIN, step=st.global_step, epoch=st.epoch, loss=logs.get("loss"),
                         learning_rate=logs.get("learning_rate"), grad_norm=logs.get("grad_norm"),
                         samples_per_second=_rate(st) * h.batch_size * h.gradient_accumulation_steps)

        def on_step_end(self, args, st, control, **kw):
            rate = _rate(st)
            remaining = (st.max_steps - st.global_step) / rate if rate else None
            log.emit(EV_PROGRESS, step=st.global_step, total_steps=st.max_steps,
                     fraction=st.global_step / max(st.max_steps, 1), eta_seconds=remaining, steps_per_second=rate)
            if state["nonfinite"] is not None:
                control.should_training_stop = True
            if stopper.requested or (run_dir / STOP_FILE).exists():
                if not state.get("stopping"):
                    state["stopping"] = True
                    log.status("stopping", step=st.global_step)
                control.should_training_stop = True
                control.should_save = True
                control.should_evaluate = False  # a stop does not wait for an evaluation (it can take minutes)

        def on_evaluate(self, args, st, control, metrics=None, **kw):
            short = short_metrics(metrics or {})
            kept = state.pop("kept_scores", None)  # the base's, kept by an earlier run (``kept_base_eval``)
            state["last_scores"] = kept if kept is not None else (last_per_query(spec.evaluator) if spec else None)
            if st.global_step == 0:
                state["step0_metrics"] = dict(metrics or {})
            gain = gain_over_base(state.get("base_scores"), state["last_scores"]) if st.global_step > 0 else None
            log.emit(EV_EVAL, step=st.global_step, epoch=st.epoch, metrics=short,
                     measured_on=spec.measured_on if spec else {}, **({"vs_base": gain} if gain else {}))
            value = short.get(main_metric) if main_metric else None
            state["last_eval"] = (st.global_step, value)
            if value is None:
                return
            if st.global_step == 0 and state["baseline"] is None:
                state["baseline"] = value
                state["base_scores"] = state["last_scores"]
                if is_main_process():  # a resumed run reads them back (its gains over the base, the delivery)
                    save_base_scores(run_dir, spec.evaluator, state["base_scores"], read_length)
                log.update_status(baseline=value, main_metric=main_metric)
                return
            if state["best"] is None or value > state["best"]:
                state["best"], state["best_step"] = value, st.global_step
                state["best_scores"] = state["last_scores"]
                if is_main_process():
                    phases.enter("saving", step=st.global_step, what="best")
                    _save_plain(model, report, run_dir / BEST)
                    phases.enter("evaluating", step=st.global_step)
                log.update_status(best_metric=value, best_step=st.global_step, main_metric=main_metric)
                log.emit(EV_BEST, step=st.global_step, metric=main_metric, value=value)

    def _rate(st) -> Optional[float]:
        done = st.global_step - state["step0"]
        elapsed = time.monotonic() - state["t0"]
        return done / elapsed if done > 0 and elapsed > 0 else None

    trainer = StudioTrainer(model=model, args=args, train_dataset=train_ds, loss=loss,
                            evaluator=spec.evaluator if spec else None, callbacks=[Events(), *_strategy_callbacks(model, report, log)])
    from transformers.trainer_callback import PrinterCallback

    trainer.remove_callback(PrinterCallback)  # its raw log dicts on stdout: the run's events say it in words
    if resume and is_main_process():
        clean_partial_checkpoints(run_dir, log)
    ckpt = last_checkpoint(run_dir) if resume else None
    if resume and ckpt is None:
        log.emit(EV_LOG, message="No complete checkpoint found; starting from the beginning.")
    log.emit(EV_PLAN, total_steps=total_steps, steps_per_epoch=per_epoch, eval_steps=eval_steps, save_steps=save_steps,
             evaluations=plan.evaluations_during_training() + int(plan.final_evaluation_needed()),
             eval_texts=spec.texts if spec else 0,
             train_rows=len(train_ds), texts_per_row=texts_per_row, loss=loss_name, loss_params=loss_params, main_metric=main_metric,
             evaluator=spec.description if spec else None, resume_from=ckpt.name if ckpt else None, given_epochs=given_epochs,
             world_size=L.world_size(), gather_across_devices=L.gathers_across_devices(loss))
    if spec and config.eval.evaluate_base and ckpt is None:  # step 0: the base model, so every curve starts there
        # the same base model on the same validation set, read the same way, scores the same: an earlier run's result
        # is taken (not for a strategy that wraps the model, a precision other than fp32, or several processes)
        same_as_base = not (args.bf16 or args.fp16 or S.needs_finalize(report) or L.world_size() > 1)
        base_key = base_eval_key(config.model, spec.evaluator, read_length,
                                 f"prompts={config.hyper.use_prompts}|dims={config.loss.matryoshka_dims}|"
                                 f"own={getattr(model, 'max_seq_length', None)}") if same_as_base else None
        kept = kept_base_eval(base_key, spec.evaluator)
        if kept is not None:
            phases.enter("evaluating_base", step=0, total=eval_texts, counting=True)
            log.emit(EV_LOG, message=BASE_EVAL_KEPT)
            state["kept_scores"] = kept[1]
            Events().on_evaluate(args, trainer.state, trainer.control, metrics=kept[0])
            phases.finish()
        else:
            trainer.evaluate()
            if is_main_process():
                keep_base_eval(base_key, state.get("step0_metrics") or {}, state.get("base_scores"))
    elif ckpt is not None:
        prev = log.current
        state["baseline"], state["best"], state["best_step"] = prev.get("baseline"), prev.get("best_metric"), prev.get("best_step")
        if state["baseline"] is None:  # status.json lost it (damaged): the step-0 evaluation event still has it
            state["baseline"] = _baseline_from_events(run_dir, main_metric)
            if state["baseline"] is not None:
                log.update_status(baseline=state["baseline"], main_metric=main_metric)
        if spec is not None:  # the base's per-query scores of step 0, when this is the validation set they scored
            state["base_scores"] = saved_base_scores(run_dir, spec.evaluator, read_length)

    if ckpt is None:  # the same random stream whether the base was searched at step 0 or its result was kept
        set_seed(config.seed)
    trainer.train(resume_from_checkpoint=str(ckpt) if ckpt else None)
    step = trainer.state.global_step
    state["train_done"] = True

    if state["nonfinite"] is not None:
        msg = (f"The loss became {state['nonfinite']} at step {step}; training stopped. Lower the learning rate, "
               "check the data for empty texts, or turn off bf16.")
        log.emit(EV_ERROR, message=msg, step=step)
        if is_main_process():
            _save_plain(model, report, run_dir / FINAL)
        log.status("failed", error=msg, step=step)
        return None

    stopped = bool(state.get("stopping"))
    # Final evaluation of the model being saved, also when stopped (unless the last step was just evaluated), so
    # final_metric always describes this model, never an earlier evaluation such as the step-0 baseline.
    if spec and (state["last_eval"] is None or state["last_eval"][0] != step):
        if stopped:
            log.emit(EV_LOG, message=f"Evaluating the model as stopped at step {step}.")
        trainer.evaluate()
    if is_main_process():
        phases.enter("saving", step=step, what="final")
        _save_plain(model, report, run_dir / FINAL)
    phases.enter("done", step=step)
    final_value = state["last_eval"][1] if state["last_eval"] and state["last_eval"][0] == step else None
    verdict = {}
    if state["baseline"] is not None and final_value is not None:
        worse = final_value < state["baseline"]
        verdict = {"final_metric": final_value, "worse_than_base": worse}
        if worse:
            msg = (f"WARNING: the tuned model is WORSE than the base model on the validation set "
                   f"({main_metric} {final_value:.4f} vs {state['baseline']:.4f}). Check the data and loss before using it.")
            log.emit(EV_WARNING, message=msg, metric=main_metric, base=state["baseline"], tuned=final_value)
            verdict["warning"] = msg
    # the validation scores of the models saved as best/ and final/ in this process, and of the base at step 0
    # when the strategy had not changed it (LoRA and prefix wrap it), reused by the delivery when they were
    # computed at the precision it scores at (fp32)
    known = {}
    if not (args.bf16 or args.fp16):
        known = {BEST: state.get("best_scores"), FINAL: state.get("last_scores") if final_value is not None else None,
                 "base": None if S.needs_finalize(report) else state.get("base_scores")}
    from core.training.delivery import evalset_from_evaluator

    # the validation set as plain data: an evaluator that has run keeps the model's similarity method, which would
    # keep the whole trained model alive through the delivery
    return _Ended(config=config, evalset=evalset_from_evaluator(spec.evaluator) if spec else None, stopped=stopped,
                  step=step, verdict=verdict, known_scores={k: v for k, v in known.items() if v},
                  known_length=read_length)


@dataclass
class _Ended:
    """What the end of a run needs once training's own objects (model, optimizer, trainer) are gone."""

    config: TrainConfig
    evalset: Any  # the validation EvalSet, or None when validation is not retrieval
    stopped: bool
    step: int
    verdict: dict
    known_scores: dict
    known_length: Optional[int] = None  # the tokens validation read each text up to (the delivered length)


def _deliver_and_finish(run_dir: Path, ended: _Ended, log: EventLog) -> None:
    """Choose the delivered model (never ship a regression) and write the final status. Runs after ``_train`` has
    returned, so the trained model, its optimizer and the trainer are freed before delivery loads the base,
    ``final/`` and the blends (multilingual-e5-small: ~0.5 GB per copy)."""
    from core.models.device import release_memory
    from core.training.delivery import deliver_run

    release_memory()  # the training step's freed activations go back to the system before models are loaded
    delivery = (deliver_run(run_dir, ended.config, ended.evalset, log, known_scores=ended.known_scores,
                            known_length=ended.known_length) if is_main_process() else {})
    if is_main_process():  # the delivery's phase is over: the run's last phase is "done" again
        log.emit(EV_PHASE, phase="done", step=ended.step, done=0)
        log.update_status(phase="done", phase_what=None)
    log.status("stopped" if ended.stopped else "completed", step=ended.step, final_model=FINAL, **ended.verdict,
               **delivery)
