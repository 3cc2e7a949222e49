"""The recommended recipe: fill every setting the user left open from the data and the model, with a reason.

``plan_recipe(config, splits, tokenizer=None) -> RecipePlan``

Input: a ``TrainConfig`` whose open settings are ``None`` (``model``, ``hyper.epochs``,
``hyper.learning_rate``, ``hyper.batch_size``, ``hyper.max_seq_length``, ``hyper.warmup_ratio``), the run's
``Splits`` (``core.training.data.load_splits``) and optionally the model's tokenizer (anything with
``__call__(texts)['input_ids']``; loaded from the chosen model when not given).
Output: ``RecipePlan(config, choices)`` — a copy of the config with every open setting filled, and one
``Choice(key, value, reason)`` per filled setting, e.g. ``("hyper.max_seq_length", 192, "95% of passages fit
in 192 tokens (longest 742)")``. Settings the user gave are never changed.

``config.recipe`` picks the rule book:

- ``"plain"``: a plain sentence-transformers script's settings (minilm, 1 epoch, batch 32, lr 2e-5, warm-up
  10%, the model's own maximum length). Reproduces the behaviour before the recipe existed.
- ``"auto"`` (default): general rules from fine-tuning practice, independent of any particular data set:
  the model covers the data's language (multilingual-e5-small for Chinese or mixed text, MiniLM for
  English); the maximum length covers 95% of the texts (padding and attention cost grow with it, and on
  CPU most of the step time and memory is there); the learning rate falls with model size (small models
  take larger steps); small data sets get more epochs so the model sees enough steps (a few hundred pairs
  are seen three times, tens of thousands once); warm-up 10%. The delivered-model choice after training
  guards against any of these doing harm. With ``model_selection: auto`` the model is the winner of
  ``core.training.select.recipe_choice`` (the bundled models covering the data's language scored on the
  validation queries) whenever there are two to choose between.

The same function serves the runner (before training) and the estimate, so both see the same settings.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

WARMUP_RATIO = 0.1  # share of the steps spent warming up, in both recipes (and the Train tab's default)
PLAIN = {"model": "minilm", "hyper.epochs": 1.0, "hyper.batch_size": 32, "hyper.learning_rate": 2e-5,
         "hyper.warmup_ratio": WARMUP_RATIO, "data.hard_negatives": "off", "data.neg_nums": 1,
         "hyper.group_by_length": False}
RECIPES = ("auto", "plain")
# Text columns per format: which hold queries and which hold passages.
_QUERY_COLS = {"pair": ["anchor"], "triplet": ["anchor"], "qpn": ["query"], "scored_pair": ["sentence1"],
               "labelled_pair": ["sentence1"], "labelled_sentence": ["text"]}
_PASSAGE_COLS = {"pair": ["positive"], "triplet": ["positive", "negative"], "qpn": ["pos", "neg"],
                 "scored_pair": ["sentence2"], "labelled_pair": ["sentence2"], "labelled_sentence": []}
_SAMPLE = 2000  # texts measured for the length rule (seeded sample)
LARGE_DATA_ROWS = 256  # from this many training pairs: batch 32, and the 3 GB memory cap (core.training.memory)


@dataclass
class Choice:
    """One filled setting: the dotted config key, the value chosen, and why in one line."""

    key: str
    value: Any
    reason: str

    def to_dict(self) -> dict:
        return {"key": self.key, "value": self.value, "reason": self.reason}


@dataclass
class RecipePlan:
    config: Any  # TrainConfig with every open setting filled
    choices: list[Choice] = field(default_factory=list)

    def to_dicts(self) -> list[dict]:
        return [c.to_dict() for c in self.choices]


def _texts(df, cols: Sequence[str], limit: int, seed: int) -> list[str]:
    out: list[str] = []
    if df is None:
        return out
    for col in cols:
        if col not in df.columns:
            continue
        for v in df[col].tolist():
            if isinstance(v, str):
                out.append(v)
            elif isinstance(v, (list, tuple)) or hasattr(v, "tolist"):
                out.extend(x for x in list(v) if isinstance(x, str))
    if len(out) > limit:
        import random

        out = random.Random(seed).sample(out, limit)
    return out


def data_language(splits, seed: int = 0) -> tuple[str, float]:
    """``("zh" | "en" | "mixed", share of CJK characters)`` of the training texts (a seeded sample)."""
    cols = _QUERY_COLS.get(splits.format, []) + _PASSAGE_COLS.get(splits.format, [])
    texts = _texts(splits.train, cols, 500, seed)
    from core.data.language import cjk_share, language_of_share

    # the same rule as the Train tab's model picker (core.data.language), so both pick the same model
    share = cjk_share(texts, sample=len(texts) or 1)
    return language_of_share(share), share


def token_counts(tokenizer, texts: Sequence[str], cap: int | None = None) -> list[int]:
    """The token count of each of ``texts`` (special tokens included, nothing cut), at most ``cap`` when given: the
    one count behind the length rule, the memory model's query length and the length-grouped batches."""
    if not texts:
        return []
    try:  # verbose=False: counting a text longer than the model reads is the point, not an "indexing error" to log
        ids = tokenizer(list(texts), add_special_tokens=True, truncation=False, verbose=False)["input_ids"]
    except TypeError:  # a tokenizer-like callable without transformers' ``verbose`` (the tests' word tokenizer)
        ids = tokenizer(list(texts), add_special_tokens=True, truncation=False)["input_ids"]
    return [min(len(x), cap) for x in ids] if cap else [len(x) for x in ids]


def length_quantile(tokenizer, texts: Sequence[str], q: float = 0.95) -> tuple[int, int]:
    """``(q-quantile, max)`` of the token counts of ``texts`` (special tokens included)."""
    if not texts:
        return 0, 0
    lengths = sorted(token_counts(tokenizer, texts))
    k = min(len(lengths) - 1, max(0, math.ceil(q * len(lengths)) - 1))
    return lengths[k], lengths[-1]


# Word embeddings are frozen by the recipe for multilingual vocabularies: a team's data shows a small share of a
# 250k-token table, training the rest only moves the tokens it does see away from those it does not, and the
# table's gradient and AdamW states are most of the training memory (e5-small: 96M of 118M weights).
MULTILINGUAL_VOCAB = 100_000
FREEZE_WORDS_WITH = ("full", "staged")  # strategies that would otherwise train the table


def get_setting(config, key: str):
    """The value of a dotted config key (``hyper.learning_rate``) of a ``TrainConfig``."""
    obj = config
    for part in key.split("."):
        obj = getattr(obj, part)
    return obj


def set_setting(config, key: str, value) -> None:
    """Set a dotted config key of a ``TrainConfig`` (no type check: the caller's value is already typed)."""
    *head, last = key.split(".")
    obj = config
    for part in head:
        obj = getattr(obj, part)
    setattr(obj, last, value)


def _load_tokenizer(model_path: str):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(model_path, local_files_only=True)


def train_rows(splits, loss: str | None = None) -> int:
    """Training pairs of ``splits`` (a qpn row counts once per positive): what the recipe's size rules read.
    With a distillation ``loss`` on scored pairs a training row is one query with its scored passages
    (``core.losses.distill.teacher_rows``), so the rows are the distinct queries."""
    from core.losses.distill import DISTILL_LOSSES

    df = splits.train
    if loss in DISTILL_LOSSES and splits.format == "scored_pair" and "sentence1" in df.columns:
        return int(df["sentence1"].nunique())
    if splits.format == "qpn" and "pos" in df.columns:
        return int(sum(len(p or []) for p in df["pos"]))
    return int(len(df))


def plan_recipe(config, splits, tokenizer=None) -> RecipePlan:
    """Fill the open settings of ``config`` (see the module docstring); the input config is not changed."""
    from core.errors import ConfigError
    from core.training.memory import fit_memory

    recipe = getattr(config, "recipe", "auto") or "auto"
    if recipe not in RECIPES:
        raise ConfigError(f"'recipe' must be one of {', '.join(RECIPES)}, got {recipe!r}.")
    cfg = copy.deepcopy(config)
    choices: list[Choice] = []

    def fill(key: str, value, reason: str) -> None:
        if get_setting(cfg, key) is None:
            set_setting(cfg, key, value)
            choices.append(Choice(key, value, reason))

    if recipe == "plain":
        for key, value in PLAIN.items():
            fill(key, value, "plain sentence-transformers setting")
        return fit_memory(RecipePlan(cfg, choices), splits, tokenizer)

    rows = train_rows(splits, cfg.loss.name)
    if splits.sizing is not None:  # data.split was empty: core.training.data.auto_validation_share sized it
        choices.append(validation_choice(splits))
    lang, share = data_language(splits, seed=cfg.seed)
    if cfg.model is None and getattr(cfg, "model_selection", "off") == "auto":
        from core.training.select import recipe_choice  # scores the candidates on the validation queries

        picked = recipe_choice(splits, cfg)
        if picked:
            fill("model", *picked)
    if cfg.model is None:  # the Train tab's picker rule (core.models.model_for_language), so both pick the same
        from core.models import model_for_language

        name = model_for_language(lang, None) or "multilingual-e5-small"
        what = {"en": "English", "zh": "Chinese"}.get(lang, "mixed Chinese/English")
        fill("model", name, f"{name}: the data is English ({share:.0%} Chinese characters)" if lang == "en" else
             f"{name}: the data is {what} ({share:.0%} Chinese characters) and MiniLM is English-only")

    from core.models import resolve_model

    model_path = None
    try:
        model_path = resolve_model(cfg.model).path
    except Exception:  # the runner reports an unusable model with its own sentence
        pass

    try:
        tok = tokenizer or (_load_tokenizer(model_path) if model_path else None)
    except Exception:
        tok = None
    if get_setting(cfg, "hyper.max_seq_length") is None:
        if tok is not None:
            passages = _texts(splits.train, _PASSAGE_COLS.get(splits.format, []), _SAMPLE, cfg.seed)
            queries = _texts(splits.train, _QUERY_COLS.get(splits.format, []), _SAMPLE, cfg.seed)
            p95, longest = length_quantile(tok, passages or queries)
            model_max = int(getattr(tok, "model_max_length", 512) or 512)
            model_max = model_max if model_max < 100_000 else 512
            length = max(64, min(model_max, int(math.ceil(p95 / 32) * 32)))
            what = "passages" if passages else "texts"
            fill("hyper.max_seq_length", length,
                 f"max length {length} while training: 95% of {what} fit ({p95} tokens; longest {longest}; model limit "
                 f"{model_max}); the delivered model reads longer texts as far as the base model does")

    from core.training.memory import read_shape

    shape = read_shape(model_path) if model_path else None  # the folder resolved above, not resolved again
    body = shape.body_params if shape is not None else None
    if body is not None and body < 30e6:
        lr, size = 5e-5, f"small model ({body / 1e6:.0f}M parameters besides the embeddings)"
    elif body is not None and body < 150e6:
        lr, size = 3e-5, f"mid-size model ({body / 1e6:.0f}M parameters besides the embeddings)"
    else:
        lr, size = 2e-5, "large or unknown-size model"
    fill("hyper.learning_rate", lr, f"lr {lr:g}: {size}")

    if rows < 1000:
        epochs = 3.0
    elif rows < 5000:
        epochs = 2.0
    else:
        epochs = 1.0
    fill("hyper.epochs", epochs, f"{epochs:g} epochs: {rows:,} training pairs" if epochs != 1 else
         f"1 epoch: {rows:,} training pairs")

    batch = 32 if rows >= LARGE_DATA_ROWS else max(8, 2 ** int(math.log2(max(8, rows // 8))))
    from core import losses as L
    from core.training.sampler import groupable

    if not groupable(L.run_loss(cfg.loss.name, splits.format)):  # no in-batch negatives to grow
        fill("hyper.batch_size", batch, f"batch {batch}: {rows} training rows give enough steps")
    else:
        fill("hyper.batch_size", batch, f"batch {batch}: in-batch negatives grow with the batch"
             + ("" if batch == 32 else f"; kept small so {rows} pairs give enough steps"))
    fill("hyper.warmup_ratio", WARMUP_RATIO, "warm-up 10% of the steps")  # the sentence names WARMUP_RATIO
    if shape is not None and (cfg.strategy.name or "full") in FREEZE_WORDS_WITH:
        table = shape.vocab * shape.hidden
        if shape.vocab >= MULTILINGUAL_VOCAB:
            fill("hyper.freeze_word_embeddings", True,
                 f"word embeddings frozen: {shape.vocab:,}-token vocabulary ({table / shape.params:.0%} of the weights); "
                 "tokens the data never shows keep their place, and the optimizer skips the table")
        else:
            fill("hyper.freeze_word_embeddings", False, f"word embeddings train: {shape.vocab:,}-token vocabulary")
    grouping = grouping_choice(cfg, splits, tok if get_setting(cfg, "hyper.group_by_length") is None else None)
    if grouping is not None:
        fill("hyper.group_by_length", *grouping)
    pool = pool_choice(cfg, splits, rows)
    if pool is not None:
        fill("eval.max_eval_passages", *pool)
    negatives = negatives_choice(cfg, splits)
    if negatives is not None:
        fill("data.hard_negatives", *negatives)
    own = own_negatives_choice(cfg, splits)
    if own is not None:
        fill("data.neg_nums", *own)
    return fit_memory(RecipePlan(cfg, choices), splits, tokenizer)  # fit this machine (core.training.memory)


def validation_choice(splits) -> Choice:
    """The ``data.split`` line of the plan: how many validation queries ``auto_validation_share`` held out and why."""
    from core.training.data import VALIDATION_TARGET

    share, groups = splits.sizing["share"], splits.sizing["groups"]
    held = splits.sizing.get("held", round(share * groups))
    value = [round(1 - share, 4), round(share, 4), 0.0]
    from core.training.evaluators import RETRIEVAL_FORMATS

    if splits.format not in RETRIEVAL_FORMATS:  # sentence pairs or labelled rows: no queries, no retrieval delivery
        return Choice("data.split", value, f"validation {held} of {groups:,} distinct first sentences ({share:.0%}); "
                                           "the rows of one sentence stay on one side")
    if held >= VALIDATION_TARGET:
        why = "enough for delivery to see a ~3-point NDCG@10 gain beyond noise"
    else:
        why = (f"as many as a quarter of the data allows; delivery sees only gains of "
               f"~{3 * (VALIDATION_TARGET / max(held, 1)) ** 0.5:.0f}+ points beyond noise on {held}")
    field = splits.sizing.get("group_by")
    if field:  # whole groups: the share held out is what the groups' sizes gave, not the share asked for
        share = held / max(groups, 1)
        return Choice("data.split", value, f"validation {held} of {groups:,} queries ({share:.0%}, whole "
                                           f"'{field}' groups): {why}")
    return Choice("data.split", value, f"validation {held} of {groups:,} queries ({share:.0%}): {why}")


def grouping_choice(cfg, splits, tokenizer=None) -> tuple[bool, str] | None:
    """``(value, reason)`` for ``hyper.group_by_length``: on for losses that batch without duplicates (in-batch
    negatives), with the padding it saves on a seeded sample of the training rows when ``tokenizer`` is given."""
    from core import losses as L
    from core.training.sampler import groupable, language_keys, padding_shares

    if not groupable(L.run_loss(cfg.loss.name, splits.format)):
        return None
    saved = mixed = None
    df = splits.train
    cols = [c for c in _QUERY_COLS.get(splits.format, []) + _PASSAGE_COLS.get(splits.format, []) if c in df.columns]
    rows = df.sample(n=min(len(df), _SAMPLE), random_state=cfg.seed) if len(df) > _SAMPLE else df
    if tokenizer is not None and cols and len(rows):
        cap = int(cfg.hyper.max_seq_length or 512)
        lengths = []
        for col in cols:  # a list column (qpn's pos / neg): its first text
            texts = [v if isinstance(v, str) else (list(v)[0] if v is not None and len(v) else "") for v in rows[col]]
            lengths.append(token_counts(tokenizer, [t if isinstance(t, str) else "" for t in texts], cap))
        random_share, grouped_share = padding_shares(lengths, int(cfg.hyper.batch_size or 32), cfg.seed)
        saved = f"{random_share:.0%} -> {grouped_share:.0%}"
    zh = float(language_keys(list(rows[cols[0]])).mean()) if cols and len(rows) else 0.0  # the sampler's keys
    if 0 < zh < 1:
        mixed = f"{zh:.0%}"
    # one whole sentence per case, so each is one template of ui.strings.ENGINE_ZH
    if saved and mixed:
        reason = (f"batches of similar length: padding {saved} of the positions on this data; one language per batch "
                  f"({mixed} of the rows Chinese), so no in-batch negative is a give-away (rows never share a text "
                  "within a batch)")
    elif saved:
        reason = f"batches of similar length: padding {saved} of the positions on this data (rows never share a text within a batch)"
    elif mixed:
        reason = (f"batches of similar length; one language per batch ({mixed} of the rows Chinese), so no in-batch "
                  "negative is a give-away (rows never share a text within a batch)")
    else:
        reason = "batches of similar length (rows never share a text within a batch)"
    return True, reason


SEARCH_BUDGET = 0.5  # a run's fixed validation searches cost at most half the training's compute (in texts encoded)


def pool_choice(cfg, splits, rows: int) -> tuple[int, str] | None:
    """``(eval.max_eval_passages, reason)`` when validation's passage pool would cost more than the training it
    checks, else None (the pool is searched whole, up to ``config.MAX_EVAL_PASSAGES``).

    Every run searches its pool at least ``2 + len(core.training.delivery.ALPHAS)`` times (the base model, the
    trained one, each blend); a search encodes the pool once, a training step encodes its texts about
    ``BACKWARD_FACTOR`` times (forward and backward). The cap keeps those searches within ``SEARCH_BUDGET`` of the
    training, never below ``core.training.evaluators.MIN_POOL`` passages: every passage a validation query needs
    stays and the distractors are a seeded sample. Issue "honest proof" item 1 allows this cap for time only; the
    test set is searched whole. The uncapped pool is the one the runner's evaluator would search
    (``evaluators.validation_retrieval`` without a cap)."""
    from core.training.config import MAX_EVAL_PASSAGES
    from core.training.delivery import ALPHAS
    from core.training.evaluators import MIN_POOL, RETRIEVAL_FORMATS, retrieval_inputs, validation_retrieval
    from core.training.schedule import BACKWARD_FACTOR, plan_steps

    view, fmt, train_view = retrieval_inputs(splits.validation, splits.format, splits.train)
    if view is None or not len(view) or fmt not in RETRIEVAL_FORMATS or not cfg.hyper.batch_size:
        return None
    queries, passages, _, _ = validation_retrieval(view, fmt, cfg.eval.max_eval_queries, cfg.seed, train_view,
                                                   cfg.data.corpus, None)
    pool = len(passages)
    steps = plan_steps(rows, cfg.hyper, cfg.eval).total_steps
    encoded = steps * int(cfg.hyper.batch_size) * max(1, int(cfg.hyper.gradient_accumulation_steps)) * 2 * BACKWARD_FACTOR
    searches = 2 + len(ALPHAS)
    cap = max(MIN_POOL, min(MAX_EVAL_PASSAGES, int(SEARCH_BUDGET * encoded / searches) - len(queries)))
    if pool <= cap:
        return None
    return cap, (f"validation searches {cap:,} of the {pool:,} passages (every one its queries need, the rest a "
                 f"seeded sample): its {searches} searches (base, trained model, {len(ALPHAS)} blends) then cost about "
                 f"half of the {steps:,} training steps' work; the test set is searched whole")


def negatives_choice(cfg, splits) -> tuple[str, str] | None:
    """``(value, reason)`` for ``data.hard_negatives``, or None when the data brings its own negatives or is
    not retrieval data. Mining is planned for in-batch-negative losses on data that has no negative; the runner
    then measures on the validation queries whether to go ahead (``core.training.negatives.negatives_evidence``);
    bench/quality.py's ``mined`` vs ``in-batch`` rows measure the effect."""
    from core import losses as L
    from core.training.negatives import MIN_POOL, can_mine, pool_size, wants_mining

    if not can_mine(splits.format, splits.train):
        return None
    loss_name = L.run_loss(cfg.loss.name, splits.format)
    spec = L.LOSSES.get(loss_name or "")
    if not wants_mining(splits.format, splits.train, spec):
        return "off", f"in-batch negatives only: {loss_name} takes no negative column"
    pool = pool_size(splits.train, splits.format)
    if pool < MIN_POOL and not cfg.data.corpus:
        return "off", f"in-batch negatives only: {pool} passages, a batch already covers most of them"
    return "mined", ("1 mined hard negative per query planned: the base model's closest wrong passage; once it is "
                     "loaded, the base model checks on the validation queries that mined negatives add to learn from")


def own_negatives_choice(cfg, splits) -> tuple[int, str] | None:
    """``(value, reason)`` for ``data.neg_nums`` on query-pos-neg data that brings its own negatives, trained with
    a loss that takes a negative column beside its in-batch ones; None otherwise (data without negatives:
    ``negatives_choice``). One negative per row is planned; the runner then scores the data's negatives with the
    base model on a sample of training rows (``core.training.negatives.own_evidence``) and drops them when they are
    little harder than in-batch negatives: they would cost a third more compute per step for nothing to learn."""
    from core import losses as L
    from core.training.negatives import can_mine, takes_negative_column

    df = splits.train
    if splits.format != "qpn" or df is None or not len(df) or "neg" not in df.columns or can_mine(splits.format, df):
        return None
    if not takes_negative_column(L.LOSSES.get(L.run_loss(cfg.loss.name, splits.format) or "")):
        return None
    return 1, ("1 of the data's own hard negatives per query planned; once it is loaded, the base model checks on a "
               "sample of training rows that they are harder than in-batch negatives")
