"""The one config a training run needs, saved as ``config.yaml`` in its run folder.

``TrainConfig`` (model source, data files + mapping, split, loss + params, strategy, hyper-parameters,
evaluation, seed) round-trips through YAML: ``config.save(path)`` / ``TrainConfig.load(path)``; any run can be
re-run with ``python -m core train --config runs/<name>/config.yaml``. Unknown keys and bad values raise
``ConfigError`` naming the key. Secrets are never part of it: keys whose names look like secrets are refused.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Optional

import yaml

from core.errors import ConfigError
from core.paths import atomic_write_text

# Key names that hold secrets (``api_key``, ``hub_token``, ``password``...), but not ``max_tokens``.
_SECRET_KEY = re.compile(r"(^|_)(api_?key|token|secret|password|passwd|credentials?)$", re.IGNORECASE)


@dataclass
class DataConfig:
    """Training data. ``train`` files are read with ``core.data.load_data``; the validation set comes from
    ``validation`` files or, when none are given, from ``split`` of the training data (grouped by ``group_by``,
    default: the query/anchor text, so that no query straddles train and validation)."""

    train: list[str] = field(default_factory=list)
    format: Optional[str] = None
    mapping: Optional[dict[str, str]] = None
    validation: list[str] = field(default_factory=list)
    test: list[str] = field(default_factory=list)
    split: list[float] = field(default_factory=lambda: [0.9, 0.1, 0.0])
    group_by: Optional[str] = None
    # Hard negatives per row for query-pos-neg data: 1 (triplets) plus in-batch negatives is the
    # sentence-transformers standard; every extra one adds a full text per row to each step on CPU.
    neg_nums: int = 1
    max_rows: Optional[int] = None
    # General-domain BEIR set for the forgetting check (a folder, or one holding general_<lang>/); None: env
    # STUDIO_GENERAL_DIR, else <project root>/../shared/data/general_<lang>; "none" turns the check off.
    general: Optional[str] = None


@dataclass
class LossConfig:
    name: Optional[str] = None  # None: the default loss for the data format
    params: dict[str, Any] = field(default_factory=dict)
    matryoshka_dims: Optional[list[int]] = None
    guide_model: Optional[str] = None  # GISTEmbed guide: a model source spec


@dataclass
class StrategyConfig:
    name: str = "full"
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class HyperParams:
    epochs: float = 1.0
    batch_size: int = 32
    learning_rate: float = 2e-5
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    lr_scheduler: str = "linear"
    max_seq_length: Optional[int] = None  # None: keep the model's own
    max_steps: int = -1
    gradient_accumulation_steps: int = 1
    bf16: str = "auto"  # "auto" (CUDA with bf16 support), "true", "false"
    use_prompts: bool = True  # apply the model's query/passage prompts (e5) to the columns


@dataclass
class EvalConfig:
    eval_steps: Optional[int] = None  # None: about 5 evaluations per run
    metric_for_best: Optional[str] = None  # None: the evaluator's main metric (ndcg@10, spearman, ap, accuracy)
    save_steps: Optional[int] = None  # None: same as eval_steps
    save_total_limit: int = 2
    max_eval_queries: int = 2000
    evaluate_base: bool = True
    logging_steps: Optional[int] = None  # None: about 100 loss points per run


@dataclass
class TrainConfig:
    name: str = "run"
    model: str = "minilm"
    data: DataConfig = field(default_factory=DataConfig)
    loss: LossConfig = field(default_factory=LossConfig)
    strategy: StrategyConfig = field(default_factory=StrategyConfig)
    hyper: HyperParams = field(default_factory=HyperParams)
    eval: EvalConfig = field(default_factory=EvalConfig)
    seed: int = 42
    trust_remote_code: bool = False

    # -- serialisation -------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return asdict(self)

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), allow_unicode=True, sort_keys=False)

    def save(self, path: str | Path) -> Path:
        _refuse_secrets(self.to_dict(), "config")
        return atomic_write_text(path, self.to_yaml())

    @classmethod
    def from_dict(cls, raw: dict, where: str = "config") -> "TrainConfig":
        if not isinstance(raw, dict):
            raise ConfigError(f"{where}: expected a mapping of settings, got {type(raw).__name__}.")
        _refuse_secrets(raw, where)
        return _build(cls, raw, where)

    @classmethod
    def load(cls, path: str | Path) -> "TrainConfig":
        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"The config file '{p}' does not exist.")
        try:
            raw = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as err:
            raise ConfigError(f"The config file '{p}' is not valid YAML: {err}.") from None
        return cls.from_dict(raw, where=str(p))


def _refuse_secrets(raw: Any, where: str, prefix: str = "") -> None:
    if isinstance(raw, dict):
        for k, v in raw.items():
            key = f"{prefix}{k}"
            if _SECRET_KEY.search(str(k)) and v not in (None, "", {}):
                raise ConfigError(f"{where}: '{key}' looks like a secret; secrets are never stored in a config (use an environment variable).")
            _refuse_secrets(v, where, key + ".")


def _build(cls, raw: dict, where: str):
    known = {f.name: f for f in fields(cls)}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ConfigError(f"{where}: unknown setting '{unknown[0]}' (known: {', '.join(known)}).")
    kwargs = {}
    for name, value in raw.items():
        f = known[name]
        sub = _dataclass_type(cls, f)
        if sub is not None:
            if value is None:
                value = {}
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: '{name}' must be a mapping of settings.")
            kwargs[name] = _build(sub, value, f"{where}: {name}")
        else:
            kwargs[name] = value
    obj = cls(**kwargs)
    _check_types(obj, where)
    return obj


def _dataclass_type(cls, f):
    typ = {"data": DataConfig, "loss": LossConfig, "strategy": StrategyConfig, "hyper": HyperParams, "eval": EvalConfig}
    return typ.get(f.name) if cls is TrainConfig else None


def _check_types(obj, where: str) -> None:
    if isinstance(obj, HyperParams):
        _positive(obj.batch_size, "hyper.batch_size", where, int)
        _positive(obj.learning_rate, "hyper.learning_rate", where, (int, float))
        _positive(obj.epochs, "hyper.epochs", where, (int, float))
        if not 0 <= float(obj.warmup_ratio) < 1:
            raise ConfigError(f"{where}: 'warmup_ratio' must be in [0, 1), got {obj.warmup_ratio}.")
        if str(obj.bf16).lower() not in ("auto", "true", "false"):
            raise ConfigError(f"{where}: 'bf16' must be auto, true or false, got {obj.bf16!r}.")
    if isinstance(obj, DataConfig):
        if isinstance(obj.train, str):
            obj.train = [obj.train]
        if isinstance(obj.validation, str):
            obj.validation = [obj.validation]
        if isinstance(obj.test, str):
            obj.test = [obj.test]
        if len(obj.split) not in (2, 3) or any(float(x) < 0 for x in obj.split) or sum(obj.split) <= 0:
            raise ConfigError(f"{where}: 'split' must be two or three non-negative ratios like [0.9, 0.1, 0.0], got {obj.split}.")
        if int(obj.neg_nums) < 0:
            raise ConfigError(f"{where}: 'neg_nums' must be 0 or more, got {obj.neg_nums}.")


def _positive(value, name, where, types):
    if isinstance(value, bool) or not isinstance(value, types) or value <= 0:
        raise ConfigError(f"{where}: '{name.split('.')[-1]}' must be a positive number, got {value!r}.")


def replace(cfg: TrainConfig, **changes) -> TrainConfig:
    return dataclasses.replace(cfg, **changes)
