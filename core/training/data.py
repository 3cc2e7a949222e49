"""Turn a ``DataConfig`` into train / validation / test splits and trainer-ready datasets.

``load_splits(cfg) -> Splits`` reads every file with ``core.data.load_data`` (one format for all), splits
the training data when no validation file is given (seeded, grouped so one query never straddles two
splits), and keeps the canonical DataFrames. With ``data.split`` left empty the validation share is sized by
``auto_validation_share`` (enough queries for delivery to tell a real gain from noise); ``splits_for(config)``
is the one call that applies a run's recipe to it (``plain`` keeps a tenth). ``training_dataset(df, format, loss, neg_nums, seed)`` gives the
``datasets.Dataset`` in the columns the loss needs (query-pos-neg lists become anchor / positive /
negative_1..n rows first). ``run_split_evalset(run_dir, split)`` rebuilds a finished run's test or validation
split as a retrieval ``EvalSet`` (the ONNX report measures on the run's test set with it).
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pandas as pd

from core.builder.split import group_value, split_sizes
from core.errors import DataError
from core.run_folder import CONFIG_FILE
from core.training.config import DataConfig

# Column used to keep rows of one query together when splitting, per format.
GROUP_COLUMN = {"pair": "anchor", "triplet": "anchor", "qpn": "query", "scored_pair": "sentence1",
                "labelled_pair": "sentence1", "labelled_sentence": "text"}


# Sizing the validation split when data.split is left empty. Delivery (core.training.delivery) ships a tuned
# model only when it beats the base on validation beyond noise. Per-query NDCG@10 differences between a tuned
# and its base model spread with a standard deviation of about 0.2 (0.225 on financial_qa_10k's quick bench:
# CI half-width 0.036 on 150 queries), so seeing a +3-point gain at 95% takes about (1.96 * 0.2 / 0.03)^2 ~ 180
# queries; 30 queries (a tenth of 300 pairs) see only gains above ~7 points and delivery kept the base.
VALIDATION_TARGET = 200   # queries: enough to see a ~+3-point NDCG@10 gain
VALIDATION_MIN_SHARE = 0.10
VALIDATION_MAX_SHARE = 0.25  # never take more than a quarter of the data from training for the target
VALIDATION_CAP = 1000     # queries: beyond this validation only costs time
PLAIN_SPLIT = [0.9, 0.1, 0.0]
MIN_TRAIN_ROWS = 2  # the fewest training rows a run accepts (in-batch negatives need a second row)


def auto_validation_share(groups: int) -> float:
    """Validation share of ``groups`` query groups when ``data.split`` is empty: ``VALIDATION_TARGET`` queries
    where that is at most a quarter of the data, else a quarter; never under a tenth; at most
    ``VALIDATION_CAP`` queries."""
    if groups <= 0:
        return VALIDATION_MIN_SHARE
    want = max(VALIDATION_MIN_SHARE * groups, min(VALIDATION_TARGET, VALIDATION_MAX_SHARE * groups))
    return min(want, VALIDATION_CAP) / groups


@dataclass
class Splits:
    format: str
    train: pd.DataFrame
    validation: Optional[pd.DataFrame]
    test: Optional[pd.DataFrame]
    label_names: Optional[list[str]] = None
    issues: list = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    # How auto_validation_share sized the validation split ({"share", "groups", "rule": "auto"}); None when
    # data.split was given, the recipe is plain or validation came from files.
    sizing: Optional[dict] = None

    def counts(self) -> dict[str, int]:
        return {k: (0 if v is None else len(v)) for k, v in
                (("train", self.train), ("validation", self.validation), ("test", self.test))}


def _load_many(paths: list[str], cfg: DataConfig, fmt: Optional[str]):
    from core.data import load_data

    frames, issues, label_names, detected = [], [], None, fmt
    for path in paths:
        loaded = load_data(path, format=detected or cfg.format, mapping=cfg.mapping, keep=(cfg.group_by or "",))
        if detected and loaded.format != detected:
            raise DataError(f"'{path}' holds {loaded.format} data but '{paths[0]}' holds {detected}; use one format per run.")
        detected = loaded.format
        frames.append(loaded.df)
        issues.extend(loaded.issues)
        label_names = label_names or getattr(loaded, "label_names", None)
    if not frames:
        return None, [], None, detected
    df = pd.concat(frames, ignore_index=True)
    return df, issues, label_names, detected


def group_keys(df: pd.DataFrame, group_col: Optional[str]) -> pd.Series:
    """The split group of each row: its ``group_col`` value as text, or the row itself when there is no such column
    or the row has no value there (rows without one are not one group)."""
    if group_col and group_col in df.columns:
        return pd.Series([f"\0row {i}" if (g := group_value(v)) is None else g if isinstance(g, str) else str(g)
                          for i, v in enumerate(df[group_col])], index=df.index)
    return pd.Series(range(len(df)), index=df.index)


def group_values(df: pd.DataFrame, group_col: str) -> int:
    """How many distinct values ``group_col`` holds, blank cells left out (each of those is a group of one row)."""
    return len({g if isinstance(g, str) else str(g) for g in map(group_value, df[group_col]) if g is not None})


def group_split(df: pd.DataFrame, ratios: list[float], seed: int, group_col: Optional[str],
                every_split: bool = False) -> list[pd.DataFrame]:
    """Split ``df`` by ``ratios`` (normalised), seeded; rows sharing ``group_col`` stay in one split. ``every_split``:
    a split with a positive ratio gets at least one group, taken from the largest split while that keeps one
    (``core.builder.split.split_sizes``; a few large groups, such as three companies, would otherwise round a tenth
    down to none)."""
    total = float(sum(ratios))
    ratios = [r / total for r in ratios]
    keys = group_keys(df, group_col)
    groups = list(dict.fromkeys(keys.tolist()))
    random.Random(seed).shuffle(groups)
    bounds, acc = [], 0.0
    for r in ratios[:-1]:
        acc += r
        bounds.append(round(acc * len(groups)))
    if every_split:  # the builder's rule: an empty split with a share takes a group from the largest one
        bounds = list(itertools.accumulate(split_sizes(len(groups), ratios)))[:-1]
    assignment, start = {}, 0
    for i, end in enumerate(bounds + [len(groups)]):
        for g in groups[start:end]:
            assignment[g] = i
        start = end
    part = keys.map(assignment)
    return [df[part == i].reset_index(drop=True) for i in range(len(ratios))]


def check_group_by(group_by: Optional[str], columns) -> None:
    """A DataError naming ``columns`` (the training data's, ``_row`` left out) when ``group_by`` (``data.group_by``)
    is set and is not one of them."""
    if group_by and group_by not in columns:
        cols = [str(c) for c in columns if c != "_row"]
        raise DataError(f"data.group_by names the column '{group_by}', which the training data does not have (columns: {', '.join(cols)}).")


def _refuse_empty(key: str, files: list, frame: pd.DataFrame) -> None:
    """A data file list that gave no usable row is an error, not a split silently left out (a validation file
    with no usable row trained with no validation and no delivery)."""
    if len(frame) == 0:
        names = ", ".join(Path(str(f)).name for f in files)
        raise DataError(f"{key} ({names}) has no usable row; fix the rows its issues name, or leave {key} empty.")


def refuse_shared_files(cfg: DataConfig) -> None:
    """The same file as training data and as validation or test data, by path or by content (a copy under another
    name, or one file uploaded twice): the delivered model would be chosen (or tested) on the queries it trained on,
    so the proof would measure memory, not retrieval."""
    from core.data.beir_import import file_digest

    def real(f) -> Path:
        return Path(str(f)).expanduser().resolve()

    def size(path: Path) -> int | None:
        try:
            return path.stat().st_size if path.is_file() else None
        except OSError:
            return None

    def digest(path: Path) -> str | None:
        try:
            return file_digest(path)
        except OSError:  # unreadable here: reading the data says so in its own sentence
            return None

    train = {real(f) for f in cfg.train}
    sizes = {size(p) for p in train} - {None}
    digests: set[str] | None = None  # the training files' contents, read only when a file of the same size comes
    for key, files in (("data.validation", cfg.validation), ("data.test", cfg.test)):
        for f in files or []:
            same = real(f) in train
            if not same and size(real(f)) in sizes:  # a copy under another name (the same file uploaded twice)
                if digests is None:
                    digests = {digest(p) for p in train} - {None}
                same = digest(real(f)) in digests
            if same:
                raise DataError(f"{key} lists {Path(str(f)).name}, which is also training data (data.train); the "
                                "delivered model would be chosen on queries it trained on. Give a separate file, or "
                                f"leave {key} empty to hold out part of the training data.")


def without_training_queries(val: pd.DataFrame, train: pd.DataFrame, fmt: str, files,
                             key: str = "data.validation") -> tuple[pd.DataFrame, object]:
    """``(rows, issue)``: a validation (``key`` ``data.validation``) or test (``data.test``) file's retrieval rows
    without those that ask one of the training rows' queries (same text, as ``core.evaluation.seen`` compares an
    evaluation query with a run's), and the warning ``Issue`` that says how many were left out (None when none was).
    The delivered model is chosen on validation and proven on test: a query it trained on measures memory, not
    retrieval. A DataError when every row asks a training query."""
    from core.data.issues import Issue
    from core.evaluation.seen import row_texts
    from core.training.evaluators import RETRIEVAL_FORMATS

    if fmt not in RETRIEVAL_FORMATS or val is None or not len(val):
        return val, None
    taught = row_texts(train, fmt).queries
    col = GROUP_COLUMN[fmt]
    asked = val[col].map(lambda q: isinstance(q, str) and q.strip() in taught)
    n = int(asked.sum())
    if not n:
        return val, None
    names = ", ".join(Path(str(f)).name for f in files)
    test = key == "data.test"
    if n == len(val) and test:
        raise DataError(f"data.test ({names}) asks only queries of the training data; the test would measure queries "
                        "the model trained on. Give test rows with other queries, or leave data.test empty.")
    if n == len(val):
        raise DataError(f"data.validation ({names}) asks only queries of the training data; the delivered model would "
                        "be chosen on queries it trained on. Give validation rows with other queries, or leave "
                        "data.validation empty to hold out part of the training data.")
    shown, total = next(str(q).strip()[:60] for q, a in zip(val[col], asked) if a), len(val)
    if test:
        message = (f"{n} of {total} test rows ask a query of the training data (e.g. '{shown}'); they were left out "
                   "of the test, which measures the delivered model.")
    else:
        message = (f"{n} of {total} validation rows ask a query of the training data (e.g. '{shown}'); they were "
                   "left out of validation, which chooses the delivered model.")
    return val[~asked].reset_index(drop=True), Issue(names, None, col, message, severity="warning",
                                                     kind="training_query")


def load_splits(cfg: DataConfig, seed: int = 42, plain: bool = False) -> Splits:
    """Read ``cfg``'s files and split them (see the module docstring). ``plain``: an empty ``data.split`` means
    a plain script's 90/10 instead of ``auto_validation_share``."""
    if not cfg.train:
        raise DataError("No training data: give at least one file under data.train.")
    refuse_shared_files(cfg)
    train, issues, label_names, fmt = _load_many(list(cfg.train), cfg, cfg.format)
    _refuse_empty("data.train", cfg.train, train)
    if cfg.max_rows:
        train = train.sample(n=min(cfg.max_rows, len(train)), random_state=seed).reset_index(drop=True)
    val = test = None
    if cfg.validation:
        val, more, _, _ = _load_many(list(cfg.validation), cfg, fmt)
        issues += more
        _refuse_empty("data.validation", cfg.validation, val)
        val, taught = without_training_queries(val, train, fmt, cfg.validation)
        if taught is not None:
            issues.insert(0, taught)
    if cfg.test:
        test, more, _, _ = _load_many(list(cfg.test), cfg, fmt)
        issues += more
        _refuse_empty("data.test", cfg.test, test)
        test, taught = without_training_queries(test, train, fmt, cfg.test, key="data.test")
        if taught is not None:
            issues.insert(0, taught)
    check_group_by(cfg.group_by, train.columns)
    group_col = cfg.group_by or GROUP_COLUMN.get(fmt)
    sizing = None
    if cfg.split is not None:
        ratios = list(cfg.split) + [0.0] * (3 - len(cfg.split))
    elif plain or val is not None:
        ratios = list(PLAIN_SPLIT)
    else:  # sized in queries; with data.group_by the cut then falls between whole groups (of any size)
        queries = int(group_keys(train, GROUP_COLUMN.get(fmt)).nunique())
        share = auto_validation_share(queries)
        ratios = [1.0 - share, share, 0.0]
        sizing = {"share": share, "groups": queries, "rule": "auto", "group_by": cfg.group_by}
    want_val = val is None and ratios[1] > 0
    want_test = test is None and ratios[2] > 0
    if want_val or want_test:
        parts = group_split(train, [ratios[0], ratios[1] if want_val else 0.0, ratios[2] if want_test else 0.0], seed,
                            group_col, every_split=bool(cfg.group_by))
        train = parts[0]
        if want_val:
            val = parts[1]
        if want_test:
            test = parts[2]
    if len(train) == 0:
        raise DataError("The training split is empty after validation rows were removed: add rows or lower the split ratio.")
    if len(train) < MIN_TRAIN_ROWS:  # one row has no other row to learn against: its loss and gradient are 0
        raise DataError(f"The training split has {len(train)} row; training needs at least {MIN_TRAIN_ROWS} rows (each "
                        "row learns against the other rows' passages): add rows.")
    if sizing is not None:
        sizing["held"] = int(group_keys(val, GROUP_COLUMN.get(fmt)).nunique()) if val is not None else 0
    return Splits(fmt, train, val, test, label_names, issues, list(cfg.train), sizing=sizing)


def splits_for(config) -> Splits:
    """``load_splits`` for a ``TrainConfig``: its data, its seed and its recipe's split rule. Every place that
    needs a run's splits (runner, estimate, memory check, the finished run's test set) calls this."""
    return load_splits(config.data, seed=config.seed, plain=getattr(config, "recipe", "auto") == "plain")


def fill_missing_negatives(df: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, int, int]:
    """Query-pos-neg rows with no negative get one random passage from the pool of every other passage.

    Mining may leave some queries without candidates (e.g. a BM25 window with no overlap); all rows of a batch
    need the same number of texts, so such a row gets a random passage that is not one of its positives. A row
    for which no such passage exists is dropped. Returns (frame, rows filled, rows dropped).
    """
    empty = [i for i, n in enumerate(df["neg"]) if not len(n if n is not None else [])]
    if not empty:
        return df, 0, 0
    rng = random.Random(seed)
    pool = list(dict.fromkeys(t for col in ("pos", "neg") for ts in df[col] for t in (ts if ts is not None else [])))
    df = df.copy()
    negs, drop = list(df["neg"]), []
    for i in empty:
        own = set(df["pos"].iloc[i] or [])
        candidates = [t for t in rng.sample(pool, min(len(pool), len(own) + 20)) if t not in own]
        if candidates:
            negs[i] = candidates[:1]
        else:
            drop.append(i)
    df["neg"] = negs
    if drop:
        df = df.drop(index=df.index[drop]).reset_index(drop=True)
    return df, len(empty) - len(drop), len(drop)


def training_dataset(df: pd.DataFrame, data_format: str, loss_name: str, neg_nums: int, seed: int):
    """``(datasets.Dataset, notes)`` with the columns ``loss_name`` needs, from canonical rows of ``data_format``.

    Query-pos-neg rows become anchor / positive / negative_1..n rows first (RAG-Retrieval style); with no
    negative anywhere they train on (anchor, positive) with in-batch negatives; rows lacking negatives among
    rows that have them get a random one (``notes`` says how many).
    """
    from core.losses import dataset_for_loss
    from core.losses.distill import DISTILL_LOSSES, teacher_rows

    notes: list[str] = []
    if loss_name in DISTILL_LOSSES:
        rows = teacher_rows(df, data_format, n_negatives=max(1, neg_nums or 1), seed=seed)
        notes.append(f"distillation: {len(rows)} rows with the teacher's scores of 1 positive and "
                     f"{max(1, neg_nums or 1)} negatives each")
        return dataset_for_loss(rows, data_format, loss_name), notes
    if data_format == "qpn":
        from core.data import qpn_to_rows

        if neg_nums and not any(len(n or []) for n in df["neg"]):
            neg_nums = 0  # no mined negatives at all: train on (query, positive) with in-batch negatives
            notes.append("no row has negatives: training on (query, positive) pairs with in-batch negatives")
        elif neg_nums:
            total = len(df)
            df, filled, dropped = fill_missing_negatives(df, seed)
            if filled:
                notes.append(f"{filled} of {total} rows had no negative; each got a random passage from another query")
            if dropped:
                notes.append(f"{dropped} of {total} rows had no negative and no other passage to use; they were left out")
            if not len(df):
                raise DataError("No training row has a negative and there is no other passage to use as one; mine hard negatives or add data.")
        df = qpn_to_rows(df, neg_nums=neg_nums, seed=seed)
    return dataset_for_loss(df, data_format, loss_name), notes


def run_split_evalset(run_dir, split: str = "test"):
    """The retrieval ``EvalSet`` of a run's ``split`` (``test`` or ``validation``), rebuilt from the run's
    ``config.yaml`` exactly as the run split its data (same files, ratios and seed); None when the run has no
    such split or its data is not a retrieval format. A config or data file that no longer reads raises its
    ``StudioError`` sentence.

    Its queries search what the run's validation searches (``core.training.evaluators.validation_retrieval``):
    their own passages plus every passage of the run's other rows and of its knowledge base (``data.corpus``),
    not their own passages alone. ``validation`` is the runner's validation set itself (its query and passage
    caps); ``test`` is searched whole (every test query; the training and validation passages and the knowledge
    base join its passages)."""
    from pathlib import Path

    from core.evaluation.evalset import EvalSet
    from core.training.config import TrainConfig, eval_passages
    from core.training.evaluators import RETRIEVAL_FORMATS, retrieval_inputs, validation_retrieval

    if split not in ("test", "validation"):
        raise ValueError(split)
    cfg_path = Path(run_dir) / CONFIG_FILE
    if not cfg_path.is_file():
        return None
    cfg = TrainConfig.load(cfg_path)
    if not cfg.data.train:
        return None
    splits = splits_for(cfg)
    df = getattr(splits, split)
    if df is None or len(df) == 0:
        return None
    others = [d for d in (splits.train, splits.validation if split == "test" else None) if d is not None and len(d)]
    rows, fmt, other = retrieval_inputs(df, splits.format, pd.concat(others, ignore_index=True) if others else None)
    if fmt not in RETRIEVAL_FORMATS:
        return None
    if split == "validation":  # as the runner's evaluator searches it
        queries, pool, relevant, _ = validation_retrieval(rows, fmt, cfg.eval.max_eval_queries, cfg.seed, other,
                                                          cfg.data.corpus, eval_passages(cfg))
    else:
        queries, pool, relevant, _ = validation_retrieval(rows, fmt, len(rows), cfg.seed, other, cfg.data.corpus)
    return EvalSet(corpus=pool, queries=queries, qrels={q: {d: 1 for d in rels} for q, rels in relevant.items()},
                   name=f"{Path(run_dir).name} {split}")


def run_passages(run_dir) -> list[str]:
    """Every passage text the run in ``run_dir`` knows: those of its training, validation and test rows (read as its
    validation reads them) and of its knowledge base (``data.corpus``), each once; empty when the run has no
    readable config or retrieval data."""
    from pathlib import Path

    from core.errors import StudioError
    from core.training.config import TrainConfig
    from core.training.evaluators import RETRIEVAL_FORMATS, corpus_passages, retrieval_view, row_passages

    cfg_path = Path(run_dir) / CONFIG_FILE
    if not cfg_path.is_file():
        return []
    try:
        cfg = TrainConfig.load(cfg_path)
        if not cfg.data.train:
            return []
        splits = splits_for(cfg)
        parts = [d for d in (splits.train, splits.validation, splits.test) if d is not None and len(d)]
        rows, fmt = retrieval_view(pd.concat(parts, ignore_index=True), splits.format)
        if fmt not in RETRIEVAL_FORMATS:
            return []
        texts = row_passages(rows, fmt) + (corpus_passages(cfg.data.corpus) if cfg.data.corpus else [])
    except StudioError:  # the run's data no longer reads: the file is searched over its own passages
        return []
    return list(dict.fromkeys(texts))


def evalset_for(source, run_dir=None, split: Optional[str] = None, data_format: Optional[str] = None):
    """What a run is evaluated on when asked to evaluate ``source`` (a data file or a BEIR folder): the run's own
    test split as ``run_split_evalset`` builds it (its queries searching every passage the run knows) when
    ``source`` is the one test file the run in ``run_dir`` held out; any other retrieval data file's queries search
    their own passages plus every passage the run knows (``run_passages``), so a team's own question file is not a
    toy corpus of its gold passages; a BEIR folder (or zip) searches its own corpus, ``core.evaluation.load_evalset``.
    So ``compare --tuned runs/NAME``, ``compare --data FILE --tuned runs/NAME``, the Evaluate tab, its blend curve
    and the Compare tab measure a run the same way."""
    from pathlib import Path

    from core.data.beir_import import is_zip
    from core.evaluation.evalset import load_evalset
    from core.training.config import TrainConfig
    from core.training.evaluators import join_passages

    cfg_path = Path(run_dir) / CONFIG_FILE if run_dir is not None else None
    with_run = cfg_path is not None and cfg_path.is_file() and Path(source).is_file()  # a data file and a run
    if with_run:
        tests = TrainConfig.load(cfg_path).data.test or []
        if len(tests) == 1 and Path(tests[0]).expanduser().resolve() == Path(source).expanduser().resolve():
            ev = run_split_evalset(run_dir, "test")
            if ev is not None:
                return ev
    ev = load_evalset(source, split=split, data_format=data_format)
    # a BEIR zip is a folder: its own corpus
    if with_run and not is_zip(source) and hasattr(ev, "corpus") and join_passages(ev, run_passages(run_dir), "run"):
        ev.name = f"{Path(source).name} + runs/{Path(run_dir).name}"  # a label in both languages
    return ev
