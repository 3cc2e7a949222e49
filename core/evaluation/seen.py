"""What a run trained on: its passages, to split a verdict into seen and unseen queries, and its queries, which an
honest test leaves out.

A query is *seen* when its gold passage is the positive of a training row: the model was taught which question
that passage answers (a knowledge base's passage asked anew). A passage that training showed only as a negative
does not make a query seen: in mined data nearly every passage is someone's negative, and being pushed away from
other questions teaches nothing about the questions it answers.

An evaluation query whose text is a query of the run's training or validation rows is not a test of the run at all
(it was taught, or it chose the checkpoint): ``evaluate_models`` leaves such queries out and says how many.

``training_texts(path, format=None, mapping=None) -> TrainingTexts``: every positive passage text and every query text
of one training data file in a retrieval format (pair / triplet / qpn); a ``ConfigError`` naming the file otherwise.
``run_training_texts(run_dir) -> TrainingTexts | None``: the same over the training split of a run, as the run split
its data, with its validation split's queries; for a run on scored or labelled pairs, the pairs of both splits (an
evaluation pair the run learned is left out the same way); None when the run has no training file or trains on
another format (then no seen / unseen split is made and nothing is left out).
``seen_queries(evalset, query_ids, passages) -> list[bool]``: which queries have a relevant passage among
``passages``, by its text as searched or, for a BEIR passage with a title, its bare text (what training data holds).
``run_of(spec) -> Path | None``: the run folder a model spec names (the run itself or one of its model folders).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from core.errors import ConfigError, StudioError
from core.run_folder import CONFIG_FILE


@dataclass
class TrainingTexts:
    """The texts a run learned from: ``passages`` (its positives) and ``queries`` (training and validation); for a
    run on scored or labelled pairs, ``pairs`` (each row's two texts, either order: ``pair_key``)."""

    passages: set[str] = field(default_factory=set)
    queries: set[str] = field(default_factory=set)
    pairs: set[frozenset] = field(default_factory=set)

    def __or__(self, other: TrainingTexts) -> TrainingTexts:
        return TrainingTexts(self.passages | other.passages, self.queries | other.queries, self.pairs | other.pairs)


PAIR_FORMATS = ("scored_pair", "labelled_pair")  # data whose rows are judged pairs: a run on them learned its pairs


def pair_key(a: str, b: str) -> frozenset:
    """The two texts of a pair, stripped, in no order (a pair asked the other way round is the same pair)."""
    return frozenset((str(a).strip(), str(b).strip()))


def training_texts(path: str, format: Optional[str] = None, mapping: Optional[dict] = None,
                   from_cli: bool = False) -> TrainingTexts:
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
    return row_texts(loaded.df, loaded.format)


def row_texts(df, fmt: str) -> TrainingTexts:
    """The positive passage texts and the query texts of pair / triplet / qpn rows
    (``core.evaluation.evalset.from_dataframe``'s qrels and queries)."""
    from core.evaluation.evalset import from_dataframe
    from core.training.evaluators import EVAL_NAME

    if df is None or len(df) == 0:
        return TrainingTexts()
    ev = from_dataframe(df, fmt, name=EVAL_NAME)
    return TrainingTexts({ev.corpus[d] for rels in ev.qrels.values() for d in rels},
                         {t.strip() for t in ev.queries.values()})


def run_training_texts(run_dir: str | Path) -> Optional[TrainingTexts]:
    """``TrainingTexts`` of the rows a run trained on and validated with: its splits rebuilt from its
    ``config.yaml`` as the run made them (``core.training.data.splits_for``: same files, shares and seed), so rows
    of its training file that the run held out (a test share) count as neither."""
    from core.training import TrainConfig
    from core.training.data import splits_for
    from core.training.evaluators import RETRIEVAL_FORMATS

    cfg_path = Path(run_dir) / CONFIG_FILE
    if not cfg_path.is_file():
        return None
    try:
        cfg = TrainConfig.load(cfg_path)
        if not [p for p in (cfg.data.train or []) if p and Path(p).is_file()]:
            return None
        splits = splits_for(cfg)
        if splits.format in PAIR_FORMATS:
            parts = [df for df in (splits.train, splits.validation) if df is not None]
            return TrainingTexts(pairs={pair_key(a, b) for df in parts for a, b in zip(df["sentence1"], df["sentence2"])})
        if splits.format not in RETRIEVAL_FORMATS:
            return None
        out = row_texts(splits.train, splits.format)
        if splits.validation is not None:
            out.queries |= row_texts(splits.validation, splits.format).queries
        return out
    except StudioError:  # not retrieval data, or a file that no longer reads: no split, the verdict stands
        return None


def run_of(spec) -> Optional[Path]:
    """The run folder of a model spec that is a run folder or one of its model folders (``delivered/``, ``final/``,
    ``best/``); None for anything else (a model id, a loaded model, a folder outside a run)."""
    from core.run_folder import MODEL_DIRS

    if not isinstance(spec, (str, Path)):
        return None
    p = Path(spec)
    if not p.is_dir():
        return None
    if (p / CONFIG_FILE).is_file():
        return p
    if p.name in MODEL_DIRS and (p.parent / CONFIG_FILE).is_file():
        return p.parent
    return None


def seen_queries(evalset, query_ids, passages: set[str]) -> list[bool]:
    """Per query id: does one of its relevant passages appear among the training ``passages`` (see module)?"""
    def known(d: str) -> bool:
        return evalset.corpus.get(d) in passages or evalset.untitled.get(d) in passages

    return [any(known(d) for d in evalset.qrels.get(q, {})) for q in query_ids]
