"""The passages a run trained on, to split a verdict into seen and unseen queries.

A query is *seen* when its gold passage is the positive of a training row: the model was taught which question
that passage answers (a knowledge base's passage asked anew). A passage that training showed only as a negative
does not make a query seen: in mined data nearly every passage is someone's negative, and being pushed away from
other questions teaches nothing about the questions it answers.

``training_passages(path, format=None, mapping=None) -> set[str]``: every positive passage text of one training
data file in a retrieval format (pair / triplet / qpn); a ``ConfigError`` naming the file otherwise.
``run_training_passages(run_dir) -> set[str] | None``: the same over every training file of a run's
``config.yaml`` (read with the run's format and column mapping), or None when the run has no such file (then no
seen / unseen split is made). ``seen_queries(evalset, query_ids, passages) -> list[bool]``: which queries have a
relevant passage among ``passages``, by its text as searched or, for a BEIR passage with a title, its bare text
(what training data holds).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from core.errors import ConfigError, StudioError
from core.run_folder import CONFIG_FILE


def training_passages(path: str, format: Optional[str] = None, mapping: Optional[dict] = None,
                      from_cli: bool = False) -> set[str]:
    """``from_cli``: the error names the ``--train-data`` option the path came from."""
    from core.data import load_data
    from core.training.evaluators import RETRIEVAL_FORMATS

    loaded = load_data(path, format=format, mapping=mapping)
    if loaded.format not in RETRIEVAL_FORMATS:
        if from_cli:
            raise ConfigError(f"--train-data '{path}' holds {loaded.format} rows (expected pair, triplet or qpn data "
                              "with passages).")
        raise ConfigError(f"The training data '{path}' holds {loaded.format} rows (expected pair, triplet or qpn "
                          "data with passages).")
    return row_positives(loaded.df, loaded.format)


def row_positives(df, fmt: str) -> set[str]:
    """The positive passage texts of pair / triplet / qpn rows (``core.evaluation.evalset.from_dataframe``'s qrels)."""
    from core.evaluation.evalset import from_dataframe
    from core.training.evaluators import EVAL_NAME

    if df is None or len(df) == 0:
        return set()
    ev = from_dataframe(df, fmt, name=EVAL_NAME)
    return {ev.corpus[d] for rels in ev.qrels.values() for d in rels}


def run_training_passages(run_dir: str | Path) -> Optional[set[str]]:
    from core.training import TrainConfig

    cfg_path = Path(run_dir) / CONFIG_FILE
    if not cfg_path.is_file():
        return None
    try:
        cfg = TrainConfig.load(cfg_path)
        paths = [p for p in (cfg.data.train or []) if p and Path(p).is_file()]
        if not paths:
            return None
        out: set[str] = set()
        for p in paths:
            out |= training_passages(p, cfg.data.format, cfg.data.mapping or None)
        return out
    except StudioError:  # not retrieval data, or a file that no longer reads: no split, the verdict stands
        return None


def seen_queries(evalset, query_ids, passages: set[str]) -> list[bool]:
    """Per query id: does one of its relevant passages appear among the training ``passages`` (see module)?"""
    def known(d: str) -> bool:
        return evalset.corpus.get(d) in passages or evalset.untitled.get(d) in passages

    return [any(known(d) for d in evalset.qrels.get(q, {})) for q in query_ids]
