"""The one config a training run needs, saved as ``config.yaml`` in its run folder.

``TrainConfig`` (model source, data files + mapping, split, loss + params, strategy, hyper-parameters,
evaluation, seed) round-trips through YAML: ``config.save(path)`` / ``TrainConfig.load(path)``; any run can be
re-run with ``python -m core train --config runs/<name>/config.yaml``.

``TrainConfig.load`` / ``from_dict`` / ``save`` all call ``validate()``: every field's type and range (booleans
are YAML booleans, whole numbers are ints, numbers finite), unknown keys, the loss and strategy and their
parameters, and secrets (``core.secrets``: by key name or value shape, at any depth) -> ``ConfigError`` naming
the key. YAML is read by a bounded safe loader (no aliases, at most ``MAX_NODES`` values, ``MAX_DEPTH`` levels,
``MAX_CONFIG_BYTES``), and must be UTF-8.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

from core.errors import ConfigError
from core.paths import atomic_write_text
from core.secrets import refuse_secrets

HARD_NEGATIVES = ("mined", "off")  # data.hard_negatives (None: the recipe decides)


def _f(default: Any = dataclasses.MISSING, help: str = "", factory: Any = dataclasses.MISSING) -> Any:
    """A config field with its help text (read by ``field_help``: the CLI flags and the docs)."""
    if factory is not dataclasses.MISSING:
        return field(default_factory=factory, metadata={"help": help})
    return field(default=default, metadata={"help": help})


@dataclass
class DataConfig:
    """Training data. ``train`` files are read with ``core.data.load_data``; the validation set comes from
    ``validation`` files or, when none are given, from ``split`` of the training data (grouped by ``group_by``,
    default: the query/anchor text, so that no query straddles train and validation)."""

    train: list[str] = _f(factory=list, help="Training data file(s): CSV, TSV, JSON, JSONL, Parquet or Excel, any format "
                          "the data tab detects.")
    format: Optional[str] = _f(None, "Data format override (pair, triplet, scored_pair, labelled_pair, labelled_sentence, "
                               "qpn); empty: detected from the columns.")
    mapping: Optional[dict[str, str]] = _f(None, "Which file column plays which role, e.g. {anchor: question, positive: "
                                           "answer}; empty: detected from the column names.")
    validation: list[str] = _f(factory=list, help="Validation file(s); empty: a share of the training data (data.split).")
    test: list[str] = _f(factory=list, help="Test file(s), held out of training and validation.")
    split: Optional[list[float]] = _f(None, "Train / validation / test shares of the training data when no validation "
                                      "file is given, like [0.8, 0.2, 0.0]; empty: the recipe sizes validation to "
                                      "see a real gain (about 200 queries, a tenth to a quarter of the data; plain "
                                      "recipe: a tenth).")
    group_by: Optional[str] = _f(None, "Column whose equal values stay in one split, such as the document or company "
                                 "a question is about; for a BEIR folder, a field of its queries.jsonl (kept whole on "
                                 "one side of the test split it holds out, too); empty: the query/anchor text, so no "
                                 "query straddles train and validation.")
    # 1 (triplets) plus in-batch negatives is the sentence-transformers standard; every extra one adds a full
    # text per row to each step on CPU.
    neg_nums: Optional[int] = _f(None, (
        "Hard negatives per row taken from query-pos-neg (qpn) data that brings its own; 0 trains on in-batch "
        "negatives only; empty: the recipe decides (1, or 0 when the base model scores the data's negatives little "
        "higher than random passages on a sample of training rows; recipe plain: 1)."))

    @property
    def negatives_per_row(self) -> int:
        """``neg_nums`` as the run trains it: empty (not yet decided) counts as 1."""
        return 1 if self.neg_nums is None else int(self.neg_nums)
    max_rows: Optional[int] = _f(None, "Use at most this many training rows (seeded sample); empty: all.")
    hard_negatives: Optional[str] = _f(None, (
        "Negatives for data that has none ((query, positive) pairs): 'mined' takes one per query with the base "
        "model from the training and knowledge-base passages, skipping candidates within 5% of the positive's "
        "score as likely unlabelled answers; 'off' trains on in-batch negatives only; empty: the recipe decides, "
        "from the base model's loss on the validation queries with and without a mined negative."))
    corpus: Optional[str] = _f(None, (
        "Knowledge-base passages (a corpus JSONL with 'text' per line, or a BEIR folder) added to the passages "
        "validation queries search, so validation looks like retrieval over the real corpus."))
    general: Optional[str] = _f(None, (
        "General-domain BEIR set for the forgetting check (a folder, or one holding general_<lang>/); empty: env "
        "STUDIO_GENERAL_DIR, else ../shared/data/general_<lang>; 'none' turns the check off."))
    general_max_drop: float = _f(0.01, (
        "Largest loss of general-domain NDCG@10 (0.01 = 1 point) the delivered model may be shown to have: a candidate "
        "whose whole 95% interval of the change lies below it is passed over for the next best candidate better than "
        "the base, and if every one is, the one that loses least is delivered and the run says so; 1 turns it off."))


@dataclass
class LossConfig:
    name: Optional[str] = _f(None, "Loss name (core.losses); empty: the default loss for the data format.")
    params: dict[str, Any] = _f(factory=dict, help="The loss's parameters, e.g. {scale: 20}; each loss lists its own.")
    matryoshka_dims: Optional[list[int]] = _f(None, "Embedding sizes to train for as well (Matryoshka), e.g. [256, 128]; "
                                              "empty: the full size only.")
    guide_model: Optional[str] = _f(None, "Guide model for the GISTEmbed loss (a model source like 'model').")


@dataclass
class StrategyConfig:
    name: str = _f("full", "Which weights train (core.strategies): full, bitfit, prefix, freeze, lora, staged.")
    params: dict[str, Any] = _f(factory=dict, help="The strategy's parameters; each strategy lists its own.")


@dataclass
class HyperParams:
    # Empty (None) = left open: the run's recipe fills it from the data and the model (core/training/recipe.py).
    epochs: Optional[float] = _f(None, "Passes over the training data; empty: the recipe decides.")
    batch_size: Optional[int] = _f(None, "Rows per step (also the in-batch negatives per query); empty: the recipe decides.")
    learning_rate: Optional[float] = _f(None, "Peak learning rate; empty: the recipe decides.")
    warmup_ratio: Optional[float] = _f(None, "Share of the steps spent warming the learning rate up; empty: the recipe decides.")
    weight_decay: float = _f(0.01, "AdamW weight decay.")
    lr_scheduler: str = _f("linear", "Learning-rate schedule after warm-up (linear, cosine, cosine_with_restarts, "
                           "polynomial, constant, constant_with_warmup, inverse_sqrt).")
    max_seq_length: Optional[int] = _f(None, "Longest input in tokens while training (longer texts are cut); empty: the recipe's choice. The "
                                         "delivered model reads up to the base model's own length, or this one if longer.")
    max_steps: int = _f(-1, "Stop after this many optimizer steps (-1: train for the given epochs).")
    gradient_accumulation_steps: int = _f(1, "Batches added up before each optimizer step (a larger effective batch "
                                          "in the same memory; in-batch negatives stay per batch).")
    bf16: str = _f("auto", "Mixed precision in bfloat16: auto (on CUDA with bf16 support), true or false.")
    use_prompts: bool = _f(True, "Apply the model's query/passage prompts (e5: 'query: ', 'passage: ') to the columns.")
    freeze_word_embeddings: Optional[bool] = _f(None, "Keep the word-embedding table as the base model has it (the "
                                                "optimizer skips it); empty: the recipe decides (frozen for "
                                                "multilingual vocabularies of 100,000+ tokens).")
    dropout: Optional[float] = _f(None, "Dropout probability inside the model while it trains, from 0 (off: faster "
                                  "steps) to below 1; empty: the model's own (the recipe keeps it).")
    attention_dropout: Optional[float] = _f(None, "Dropout on the attention probabilities while training, from 0 "
                                            "(off: on a CPU about 13% faster steps and no heads x length x length "
                                            "matrices kept) to below 1; the model's other dropout stays. Empty: as "
                                            "hyper.dropout leaves it (the recipe keeps the model's own).")
    group_by_length: Optional[bool] = _f(None, "Put rows of similar length, and of one language where the data mixes "
                                         "Chinese and English, in the same batch (less padding, faster steps; rows "
                                         "still never share a text within a batch) for in-batch-negative losses; "
                                         "empty: the recipe decides (on).")


MAX_EVAL_PASSAGES = 20000  # eval.max_eval_passages when neither the user nor the recipe sized the pool


def eval_passages(config) -> int:
    """The most passages the run's validation searches: ``eval.max_eval_passages``, else ``MAX_EVAL_PASSAGES``.
    Every reader of validation's pool cap (the evaluator, the estimate, model selection) calls this; mining keeps
    ``MAX_EVAL_PASSAGES`` (``core.training.negatives.planned_pool``)."""
    return config.eval.max_eval_passages or MAX_EVAL_PASSAGES


@dataclass
class EvalConfig:
    eval_steps: Optional[int] = _f(None, "Evaluate every this many steps; empty: about 5 evaluations per run.")
    metric_for_best: Optional[str] = _f(None, "Metric that picks best/; empty: the evaluator's main metric (ndcg@10, "
                                        "spearman, ap, accuracy).")
    save_steps: Optional[int] = _f(None, "Save a checkpoint every this many steps; empty: same as eval.eval_steps.")
    save_total_limit: int = _f(2, "Checkpoints kept on disk (older ones are deleted).")
    max_eval_queries: int = _f(2000, "Most validation queries evaluated (a seeded sample above this, for time).")
    max_eval_passages: Optional[int] = _f(None, (
        "Most passages validation searches (training, validation and data.corpus passages; random distractors "
        "are dropped above this, for time). Never below 2000 where the data has that many. Empty: the recipe sizes "
        "it to the training's work (recipe plain, and a run without a recipe choice: 20000)."))
    evaluate_base: bool = _f(True, "Evaluate the base model before training, so every curve starts at the baseline.")
    logging_steps: Optional[int] = _f(None, "Log the loss every this many steps; empty: about 100 loss points per run.")


@dataclass
class TrainConfig:
    name: str = _f("run", "Run name; the run folder is runs/<name>. A plain name: letters, digits, '-', '_' and '.' "
                          "inside it; a name with a folder in it ('../x', 'a/b') is refused.")
    model: Optional[str] = _f(None, "Model source: minilm, multilingual-e5-small, a folder or a Hub id; empty: the "
                              "recipe picks one that covers the data's language.")
    recipe: str = _f("auto", "How settings left empty are filled: auto from the data and the model, each with a "
                     "reason in the run's 'recipe' event; plain: a plain sentence-transformers script's settings.")
    model_selection: str = _f("off", "How an empty 'model' is filled. auto: the recipe scores the bundled models that cover "
                              "the data's language on the validation queries (python -m core select) and starts "
                              "from the winner; off: the data's language alone picks the model.")
    data: DataConfig = _f(factory=DataConfig, help="Training, validation and test data.")
    loss: LossConfig = _f(factory=LossConfig, help="The loss and its parameters.")
    strategy: StrategyConfig = _f(factory=StrategyConfig, help="Which weights train.")
    hyper: HyperParams = _f(factory=HyperParams, help="Optimisation settings.")
    eval: EvalConfig = _f(factory=EvalConfig, help="Validation, checkpoints and logging.")
    seed: int = _f(42, "Random seed (splits, sampling, initialisation).")
    trust_remote_code: bool = _f(False, "Allow a model folder's own Python code to run when it is loaded.")

    # -- serialisation -------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return asdict(self)

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False)

    def save(self, path: str | Path) -> Path:
        """Validate fully (``validate``), then write the YAML atomically: nothing is written for a bad config."""
        self.validate("config")
        return atomic_write_text(path, self.to_yaml())

    def validate(self, where: str = "config") -> TrainConfig:
        """Check every field's type and range, the loss and strategy parameters and that no secret is
        carried; raise ``ConfigError`` naming the key. Returns ``self`` (values normalised in place)."""
        _refuse_secrets(self.to_dict(), where)
        for section, owner in (("", self), ("data", self.data), ("loss", self.loss), ("strategy", self.strategy),
                               ("hyper", self.hyper), ("eval", self.eval)):
            if section and not isinstance(owner, _SECTIONS[section]):
                raise ConfigError(f"{where}: '{section}' must be a mapping of settings.")
            for fname, check in _FIELDS[section].items():
                key = f"{section}.{fname}" if section else fname
                setattr(owner, fname, check(getattr(owner, fname), key, where))
        _check_relations(self, where)
        return self

    @classmethod
    def from_dict(cls, raw: dict, where: str = "config") -> TrainConfig:
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: expected a mapping of settings, got {type(raw).__name__}.")
        _refuse_secrets(raw, where)
        kwargs = {}
        _refuse_unknown(raw, _FIELDS[""].keys() | _SECTIONS.keys(), "", where)
        for name, value in raw.items():
            if name in _SECTIONS:
                if value is None:
                    value = {}
                if not isinstance(value, dict):
                    raise ConfigError(f"{where}: '{name}' must be a mapping of settings, got {_shown(value)}.")
                _refuse_unknown(value, _FIELDS[name].keys(), name, where)
                kwargs[name] = _SECTIONS[name](**{str(k): v for k, v in value.items()})
            else:
                kwargs[name] = value
        return cls(**kwargs).validate(where)

    @classmethod
    def load(cls, path: str | Path, shown: Optional[str] = None) -> TrainConfig:
        """The config in the YAML file ``path``; its messages name the file as ``shown`` (default: the path; an
        upload's server-side path means nothing to the person who uploaded it, so the UI gives its name)."""
        p = Path(path)
        if p.is_dir():
            raise ConfigError(f"The config file '{p}' is a folder; give the config file inside it (a run folder's "
                              "is config.yaml).")
        if not p.is_file():
            raise ConfigError(f"The config file '{p}' does not exist.")
        return cls.from_dict(load_yaml(p, shown), where=shown or str(p))


# -- YAML: safe, bounded, no aliases --------------------------------------------------------------------

MAX_CONFIG_BYTES = 1_000_000
MAX_NODES = 20_000
MAX_DEPTH = 50


class _BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses aliases (``*ref``: the 'billion laughs' bomb), more than ``MAX_NODES``
    nodes and nesting deeper than ``MAX_DEPTH``."""

    def __init__(self, stream):
        super().__init__(stream)
        self._nodes = 0
        self._depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _Refused(f"uses a YAML alias ('*{event.anchor}') at line {event.start_mark.line + 1}; "
                           "aliases and anchors are not allowed in a config")
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise _Refused(f"has more than {MAX_NODES} values; a training config is far smaller")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _Refused(f"is nested more than {MAX_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        """A mapping whose keys are each written once: a key set twice would silently keep the last value."""
        seen: dict = {}
        for key_node, _ in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is None:
                continue
            if key in seen:
                raise _Refused(f"sets '{key}' twice (lines {seen[key] + 1} and {key_node.start_mark.line + 1}); "
                               "keep one")
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


# YAML 1.1 reads yes/no/on/off as booleans: ``trust_remote_code: yes`` would turn remote code on, and
# ``model_selection: off`` would become False. A config's booleans are ``true`` / ``false`` (YAML 1.2); any other
# word stays a string, which the type check refuses for a boolean key with one sentence.
_BOOL_TAG = "tag:yaml.org,2002:bool"
_BoundedLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
_BoundedLoader.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


class _Num(float):
    """A bound shown as written (``1000000``, ``0.5``), not in ``:g`` exponent form."""

    def __format__(self, spec):
        return str(int(self)) if self.is_integer() else repr(float(self))


class _Refused(Exception):
    pass


def load_yaml(path: Path, shown: Optional[str] = None) -> Any:
    """Parse the YAML file ``path`` safely (see ``_BoundedLoader``); ConfigError with one sentence otherwise, naming
    the file as ``shown`` (default: its path)."""
    name, path = shown or str(path), Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError(f"The config file '{name}' is {size:,} bytes; a config is at most {MAX_CONFIG_BYTES:,} bytes.")
        data = path.read_bytes()
    except OSError as err:
        raise ConfigError(f"The config file '{name}' cannot be read ({err.strerror or err}).") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise ConfigError(f"The config file '{name}' is not UTF-8 text (byte {err.start} cannot be decoded); "
                          "save it as UTF-8.") from None
    loader = None
    try:
        loader = _BoundedLoader(text)  # its reader refuses control characters (a NUL byte) right away
        return loader.get_single_data() or {}
    except _Refused as err:
        raise ConfigError(f"The config file '{name}' {err}.") from None
    except yaml.reader.ReaderError as err:  # a control character: a binary file, not a config
        raise ConfigError(f"The config file '{name}' holds a control character (#x{err.character:04x}) at position "
                          f"{err.position}; a config is YAML text.") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        # PyYAML names tokens in angle brackets ('<stream end>'), which a page would read as an HTML tag and drop
        problem = problem.replace("'<", "'").replace(">'", "'").replace("<", "").replace(">", "")
        raise ConfigError(f"The config file '{name}' is not valid YAML{at}: {problem}.") from None
    except RecursionError:
        raise ConfigError(f"The config file '{name}' is nested too deeply to be a config.") from None
    finally:
        if loader is not None:
            loader.dispose()


# -- field checks ----------------------------------------------------------------------------------------

def _refuse_secrets(raw: Any, where: str) -> None:
    refuse_secrets(raw, where)


def _refuse_unknown(raw: dict, known, section: str, where: str) -> None:
    for k in raw:
        if not isinstance(k, str) or k not in known:
            key = f"{section}.{k}" if section else str(k)
            raise ConfigError(f"{where}: unknown setting '{key}' (known: {', '.join(sorted(known))}).")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _bad(where: str, key: str, expected: str, value: Any) -> ConfigError:
    return ConfigError(f"{where}: '{key}' must be {expected}, got {_shown(value)}.")


def _bool(value, key, where):
    if not isinstance(value, bool):
        raise _bad(where, key, "true or false (a YAML boolean, not text)", value)
    return value


def _bool_or_empty(value, key, where):
    return None if value is None else _bool(value, key, where)


def _int(lo=None, hi=None, optional=False):
    def check(value, key, where):
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad(where, key, _range_text("a whole number", lo, hi) + (" or empty" if optional else ""), value)
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise _bad(where, key, _range_text("a whole number", lo, hi), value)
        return value
    return check


def _float(lo=None, hi=None, lo_open=False, hi_open=False, optional=False):
    def check(value, key, where):
        if value is None and optional:
            return None
        expected = _range_text("a number", lo, hi, lo_open, hi_open) + (" or empty" if optional else "")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise _bad(where, key, f"a finite number ({expected[len('a number '):] or 'any value'})", value)
        v = float(value)
        if lo is not None and (v < lo or (lo_open and v == lo)) or hi is not None and (v > hi or (hi_open and v == hi)):
            raise _bad(where, key, expected, value)
        return value  # as written (an int stays an int: ``epochs: 2`` is saved as 2)
    return check


def _max_steps(value, key, where):
    """-1 (train for the epochs) or a step count of at least 1: transformers reads 0 as "not set" and would train
    every step of the epochs, not none."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not (value == -1 or value >= 1):
        raise _bad(where, key, "-1 (train for the epochs) or a whole number >= 1", value)
    return value


def _range_text(what, lo, hi, lo_open=False, hi_open=False):
    lo, hi = (None if v is None else _Num(v) for v in (lo, hi))
    if lo is not None and hi is not None:
        return f"{what} {'>' if lo_open else '>='} {lo:g} and {'<' if hi_open else '<='} {hi:g}"
    if lo is not None:
        return f"{what} {'>' if lo_open else '>='} {lo:g}"
    if hi is not None:
        return f"{what} {'<' if hi_open else '<='} {hi:g}"
    return what


def _str(optional=False, choices=None, nonempty=True, max_len=1000):
    def check(value, key, where):
        if value is None and optional:
            return None
        expected = ("one of: " + ", ".join(choices)) if choices else "text"
        if not isinstance(value, str):
            raise _bad(where, key, expected + (" or empty" if optional else ""), value)
        if nonempty and not value.strip():
            if optional:
                return None
            raise _bad(where, key, "non-empty text", value)
        if len(value) > max_len:
            raise _bad(where, key, f"at most {max_len} characters", value)
        if choices and value not in choices:
            raise _bad(where, key, expected, value)
        return value
    return check


def _str_list(value, key, where):
    if isinstance(value, str):
        value = [value]
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(x, str) and x.strip() for x in value):
        raise _bad(where, key, "a file path or a list of file paths", value)
    return list(value)


def _mapping(value, key, where):
    if value is None:
        return None
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise _bad(where, key, "a mapping of column names (text: text)", value)
    return dict(value) or None


def _params(value, key, where):
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise _bad(where, key, "a mapping of parameter names to values", value)
    return dict(value)


def _split(value, key, where):
    if value is None:
        return None
    ok = (isinstance(value, list) and len(value) in (2, 3)
          and all(not isinstance(x, bool) and isinstance(x, (int, float)) and math.isfinite(x) and 0 <= x <= 1e6 for x in value)
          and value[0] > 0)
    if not ok:
        raise _bad(where, key, "two or three non-negative ratios (train first, above 0) like [0.9, 0.1, 0.0]", value)
    return list(value)


def _dims(value, key, where):
    if value is None:
        return None
    if not isinstance(value, list) or not value or not all(not isinstance(x, bool) and isinstance(x, int) and x >= 1 for x in value):
        raise _bad(where, key, "a list of whole numbers >= 1 like [768, 512, 256] or empty", value)
    return list(value)


def _bf16(value, key, where):
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, str) or value.strip().lower() not in ("auto", "true", "false"):
        raise _bad(where, key, "auto, true or false", value)
    return value.strip().lower()


def _formats() -> tuple[str, ...]:
    from core.data import FORMATS

    return tuple(FORMATS)


def _format(value, key, where):
    return _str(optional=True, choices=_formats())(value, key, where)


# Schedulers that need no extra arguments (transformers' ``SchedulerType`` values).
LR_SCHEDULERS = ("linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup",
                 "inverse_sqrt")

_SECTIONS = {"data": DataConfig, "loss": LossConfig, "strategy": StrategyConfig, "hyper": HyperParams, "eval": EvalConfig}
_FIELDS: dict[str, dict[str, Any]] = {
    "": {"name": _str(max_len=200), "model": _str(optional=True), "recipe": _str(choices=("auto", "plain")),
         "model_selection": _str(choices=("auto", "off")),
         "seed": _int(0, 2**32 - 1), "trust_remote_code": _bool},
    "data": {"train": _str_list, "format": _format, "mapping": _mapping, "validation": _str_list, "test": _str_list,
             "split": _split, "group_by": _str(optional=True), "neg_nums": _int(0, 1000, optional=True),
             "max_rows": _int(1, optional=True),
             "hard_negatives": _str(choices=HARD_NEGATIVES, optional=True), "corpus": _str(optional=True), "general": _str(optional=True),
             "general_max_drop": _float(0, 1)},
    "loss": {"name": _str(optional=True), "params": _params, "matryoshka_dims": _dims, "guide_model": _str(optional=True)},
    "strategy": {"name": _str(), "params": _params},
    # warm-up below 1: transformers reads warmup_steps >= 1 as a step count, not a share
    "hyper": {"epochs": _float(0, 10_000, lo_open=True, optional=True), "batch_size": _int(1, 1_000_000, optional=True),
              "learning_rate": _float(0, 10, lo_open=True, optional=True),
              "warmup_ratio": _float(0, 1, hi_open=True, optional=True),
              "weight_decay": _float(0, 10), "lr_scheduler": _str(choices=LR_SCHEDULERS),
              "max_seq_length": _int(1, 1_000_000, optional=True), "max_steps": _max_steps,
              "gradient_accumulation_steps": _int(1, 1_000_000), "bf16": _bf16, "use_prompts": _bool,
              "freeze_word_embeddings": _bool_or_empty, "group_by_length": _bool_or_empty,
              "dropout": _float(0, 1, hi_open=True, optional=True),
              "attention_dropout": _float(0, 1, hi_open=True, optional=True)},
    "eval": {"eval_steps": _int(1, optional=True), "metric_for_best": _str(optional=True),
             "save_steps": _int(1, optional=True), "save_total_limit": _int(1), "max_eval_queries": _int(1),
             "evaluate_base": _bool, "logging_steps": _int(1, optional=True),
             "max_eval_passages": _int(1, optional=True)},
}


def _check_relations(cfg: TrainConfig, where: str) -> None:
    """Checks across fields: the loss and strategy exist and their parameters fit (``validate_params``)."""
    from core import losses as L

    if cfg.loss.name is not None:
        try:
            cfg.loss.name = L.get_loss(cfg.loss.name).name
        except ConfigError as err:
            raise ConfigError(f"{where}: 'loss.name': {err}") from None
    loss_name = L.run_loss(cfg.loss.name, cfg.data.format)
    if loss_name is not None:
        try:
            if cfg.data.format:
                L.check_compatible(loss_name, cfg.data.format)
            L.validate_params(loss_name, cfg.loss.params)
        except ConfigError as err:
            raise ConfigError(f"{where}: 'loss.params': {err}") from None
    elif cfg.loss.params:
        raise ConfigError(f"{where}: 'loss.params' is set but 'loss.name' is not; name the loss the parameters belong to.")
    from core.strategies.registry import get_strategy, validate_strategy_params

    try:
        cfg.strategy.name = get_strategy(cfg.strategy.name).name
    except ConfigError as err:
        raise ConfigError(f"{where}: 'strategy.name': {err}") from None
    try:
        validate_strategy_params(cfg.strategy.name, cfg.strategy.params)
    except ConfigError as err:
        raise ConfigError(f"{where}: 'strategy.params': {err}") from None


def field_help(key: str) -> str:
    """The help text of config key ``key`` (``"model"``, ``"data.hard_negatives"``, ``"hyper.learning_rate"``)."""
    section, _, name = key.rpartition(".")
    owner = _SECTIONS[section] if section else TrainConfig
    for f in dataclasses.fields(owner):
        if f.name == name:
            return f.metadata.get("help", "")
    raise KeyError(f"'{key}' is not a config key")


def apply_sets(cfg: TrainConfig, sets: list[str]) -> TrainConfig:
    """``cfg`` with each ``KEY=VALUE`` of ``sets`` fixed (``train --set hyper.bf16=true``; any depth, e.g.
    ``loss.params.scale=30``): the value is read as a config file's YAML (``_set_value``) and the whole config
    type-checked again by ``from_dict``, whose messages name ``--set``. A ConfigError for an item without ``=``,
    with an empty key, or with a key that goes through a setting as if it were a group."""
    if not sets:
        return cfg
    raw = cfg.to_dict()
    for item in sets:
        key, eq, value = str(item).partition("=")
        if not eq or not key.strip() or any(not part for part in key.strip().split(".")):
            raise ConfigError(f"--set '{item}' must be KEY=VALUE with a config key such as hyper.epochs=2.")
        *head, last = key.strip().split(".")
        node = raw
        for i, part in enumerate(head):
            if node.get(part) is None:  # an open group (or setting) becomes a group to fill
                node[part] = {}
            node = node[part]
            if not isinstance(node, dict):
                join = ".".join(head[:i + 1])
                raise ConfigError(f"--set '{item}': '{join}' is a setting, not a group of settings.")
        node[last] = _set_value(value)
    return TrainConfig.from_dict(raw, where="--set")


def _set_value(text: str) -> Any:
    """A ``--set`` value read as a config file reads it (``_BoundedLoader``: ``true`` / ``false`` are the booleans,
    ``yes`` / ``on`` stay words the type check refuses for a boolean key, so ``--set trust_remote_code=yes`` does not
    turn remote code on); text that is not YAML stays text; empty is None."""
    if not text.strip():
        return None
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    except (yaml.YAMLError, _Refused, RecursionError):
        return text
    finally:
        loader.dispose()


def replace(cfg: TrainConfig, **changes) -> TrainConfig:
    return dataclasses.replace(cfg, **changes)
