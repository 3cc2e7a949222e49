"""A training config from a front end's plain settings, and a config's dataset back: what the studio's Train tab
turns its form into (and what it restores when a run or a YAML file is opened).

- ``config_from_settings(dataset, model, ...) -> TrainConfig``: ``dataset`` is a mapping (a dict or the
  studio's ``DataState``) with the ``train`` file (required), optional ``validation`` / ``test`` files, the
  knowledge base (``passages``, the Build tab's passage file, else ``eval``, a BEIR folder with the corpus:
  validation searches it and mined negatives come from it), ``format``, ``mapping`` and ``group_by`` (the column
  whose equal values stay in one split, ``data.group_by``). A setting given as
  ``None`` is left open for the recipe (``core.training.recipe``); the result is validated by
  ``TrainConfig.from_dict`` (a ``ConfigError`` naming the key).
- ``dataset_from_config(cfg) -> dict``: the dataset of a config with the same keys (``train``,
  ``validation``, ``test``, ``eval``, ``format``, ``mapping``, ``group_by``); ``eval`` is the ``beir`` folder beside the
  test split when it holds a ``corpus.jsonl`` (the bundled sample's layout), else ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional


def config_from_settings(
    dataset: Mapping[str, Any],
    model: str,
    name: Optional[str] = None,
    loss: Optional[str] = None,
    loss_params: Optional[dict] = None,
    strategy: Optional[str] = None,
    strategy_params: Optional[dict] = None,
    recipe: Optional[str] = None,
    epochs: Optional[float] = None,
    batch_size: Optional[int] = None,
    learning_rate: Optional[float] = None,
    warmup_ratio: Optional[float] = None,
    max_steps: Optional[int] = None,
    max_seq_length: Optional[int] = None,
    eval_steps: Optional[int] = None,
):
    """The ``TrainConfig`` for ``dataset`` and the settings (see the module docstring). An empty name is
    ``"run"``, no strategy ``"full"``, no recipe ``"auto"``, no ``max_steps`` ``-1`` (train for the epochs)."""
    from core.training.config import TrainConfig

    cfg = TrainConfig()
    cfg.name = (name or "").strip() or "run"
    cfg.model = model
    cfg.data.train = [dataset.get("train")]
    cfg.data.validation = [dataset.get("validation")] if dataset.get("validation") else []
    cfg.data.test = [dataset.get("test")] if dataset.get("test") else []
    cfg.data.corpus = dataset.get("passages") or dataset.get("eval") or None
    cfg.data.format = dataset.get("format")
    cfg.data.mapping = dataset.get("mapping") or None
    cfg.data.group_by = dataset.get("group_by") or None
    cfg.loss.name = loss or None
    cfg.loss.params = dict(loss_params or {})
    cfg.strategy.name = strategy or "full"
    cfg.strategy.params = dict(strategy_params or {})
    cfg.recipe = recipe or "auto"
    cfg.hyper.epochs = epochs
    cfg.hyper.batch_size = batch_size
    cfg.hyper.learning_rate = learning_rate
    cfg.hyper.warmup_ratio = warmup_ratio
    cfg.hyper.max_steps = -1 if max_steps is None else max_steps
    cfg.hyper.max_seq_length = max_seq_length
    cfg.eval.eval_steps = eval_steps
    return TrainConfig.from_dict(cfg.to_dict())


def dataset_from_config(cfg) -> dict:
    """The dataset ``cfg`` (a ``TrainConfig``) trains on, as ``config_from_settings`` takes it."""
    from core.data.beir import beir_beside

    test = cfg.data.test[0] if cfg.data.test else None
    beir = beir_beside(Path(test).parent) if test else None  # the sample's layout: its BEIR corpus beside the test split
    corpus = cfg.data.corpus
    return {
        "train": cfg.data.train[0] if cfg.data.train else None,
        "validation": cfg.data.validation[0] if cfg.data.validation else None,
        "test": test,
        "eval": str(beir) if beir else None,
        # a knowledge base of its own (the Build tab's passages, a BEIR dataset's corpus), not the evaluation folder
        "passages": corpus if corpus and corpus != (str(beir) if beir else None) else None,
        "format": cfg.data.format,
        "mapping": cfg.data.mapping or {},
        "group_by": cfg.data.group_by,
    }
