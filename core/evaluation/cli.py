"""``python -m core evaluate | compare | search`` (registered by ``register(subparsers)``).

- ``evaluate --data PATH_OR_BEIR --model SPEC [--model SPEC ...] --out DIR``: metrics table on stdout, and
  metrics.json, per_query.csv, chart.png, score_histograms.png, report.md, report.html in DIR (a DIR already
  holding one of them is refused unless ``--overwrite``).
- ``compare --data ... --base SPEC --tuned SPEC --out DIR``: the same for base vs tuned, with the guard sentence
  when the tuned model is worse (``--fail-if-worse`` then exits 3).
- ``search --corpus PATH --model SPEC [--model SPEC] --query TEXT [-k 10]``: side-by-side results.
A model may be given as ``LABEL=SPEC`` to name it in tables.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from core.errors import ConfigError
from core.progress import Progress
from core.run_folder import CONFIG_FILE


def _printer() -> Any:
    last = [0.0]

    def show(p: Progress) -> None:
        now = time.monotonic()
        finished = p.total is not None and p.done >= p.total
        if finished or now - last[0] >= 2.0:
            last[0] = now
            total = f"/{p.total}" if p.total is not None else ""
            eta = f", eta {p.eta_seconds:.0f}s" if p.eta_seconds and not finished else ""
            print(f"[{p.stage}] {p.done}{total}{eta} {p.message}".rstrip(), file=sys.stderr, flush=True)

    return show


def _model_arg(text: str) -> Any:
    """``LABEL=SPEC`` -> (label, spec); plain spec otherwise (a path containing '=' that exists stays a path)."""
    if "=" in text and not Path(text).exists():
        label, spec = text.split("=", 1)
        if label and spec:
            return (label, spec)
    return text


def _at_least_one(flag: str, value: int | None) -> None:
    """Refuse (ConfigError naming ``flag``) a given whole-number option below 1; ``None`` means not given."""
    if value is not None and value < 1:
        raise ConfigError(f"{flag} must be a whole number of at least 1, got {value}.")


SEED_MAX = 2**32 - 1  # the seed range a run's config accepts


def _check_options(args: argparse.Namespace) -> None:
    """Refuse bad --k / --queries / --corpus-size / --seed values, an unusable --out folder and one holding an
    earlier report (unless --overwrite) before any loading or encoding; creates the --out folder."""
    for k in args.k:
        _at_least_one("--k", k)
    _at_least_one("--queries", args.queries)
    _at_least_one("--corpus-size", args.corpus_size)
    if not 0 <= args.seed <= SEED_MAX:
        raise ConfigError(f"--seed must be a whole number from 0 to {SEED_MAX}, got {args.seed}.")
    if args.out:
        from core.evaluation.report import REPORT_FILES
        from core.paths import not_replacing, out_folder

        folder = out_folder(args.out)
        not_replacing([folder / name for name in REPORT_FILES], args.overwrite)


def _load(args: argparse.Namespace, models: list[Any]) -> Any:
    """The evaluation set: ``--data`` (a run's own test file read as the run's test split, ``evalset_for``), else the
    ``--tuned`` run's test split; sampled down when --queries / --corpus-size are given."""
    from core.evaluation.evalset import EvalSet
    from core.evaluation.seen import run_of
    from core.training.data import evalset_for

    if args.data:
        runs = [r for r in (run_of(_spec(m)) for m in models[::-1]) if r is not None]  # compare: the tuned run first
        ev = evalset_for(args.data, runs[0] if runs else None, split=args.split, data_format=args.format)
    else:
        ev = run_test_set(models[-1])
    if isinstance(ev, EvalSet) and (args.queries is not None or args.corpus_size is not None):
        ev = ev.sample(n_queries=args.queries, corpus_size=args.corpus_size, seed=args.seed)
    return ev


def _run(args: argparse.Namespace, models: list[Any]) -> int:
    import pandas as pd

    from core.evaluation.compare import evaluate_models
    from core.evaluation.report import write_report

    _check_options(args)
    _found(models)  # a model that does not exist is said before the data is read
    ev = _load(args, models)
    training = _training(args, models)
    what = "pairs" if training is not None and training.pairs else "queries"
    guard = f"; the compared run's training and validation {what} among them are left out" if training else ""
    print(f"data: {getattr(ev, 'name', args.data)} ({ev.summary()}){guard}", file=sys.stderr)
    result = evaluate_models(models, ev, k_values=args.k, progress=_printer(), use_cache=not args.no_cache,
                             training=training)
    if result.left_out_queries:
        print(f"left out {result.left_out_queries:,} evaluation {result.unit} that are training or validation "
              f"{result.unit} of the run; measured on the other {result.n_items:,}", file=sys.stderr)
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.float_format", "{:.4f}".format):
        print(result.table.to_string())
    print(result.headline)
    for line in result.verdict_lines():
        print(f"verdict: {line}")
    if result.guard_message:
        print("\n" + "!" * 80 + f"\n{result.guard_message}\n" + "!" * 80, file=sys.stderr)
    if args.out:
        files = write_report(result, args.out)
        print(f"report: {files.html} (also {files.markdown.name}, metrics.json, chart.png)")
    if getattr(args, "fail_if_worse", False) and result.worse_than_base:
        return 3
    return 0


def _training(args: argparse.Namespace, models: list[Any]):
    """What the compared runs learned from (``core.evaluation.seen.TrainingTexts``): the ``--train-data`` file, else
    every run folder (or run model folder) among the models; None when there is neither."""
    from core.evaluation.seen import run_of, run_training_texts, training_texts

    if getattr(args, "train_data", None):
        return training_texts(args.train_data, from_cli=True)
    found = None
    for m in models:
        rd = run_of(_spec(m))
        texts = run_training_texts(rd) if rd is not None else None
        if texts is not None:
            found = texts if found is None else found | texts
    return found


def _found(models: list[Any]) -> None:
    """Resolve every model spec (``core.models.sources.resolve_model``), so a typo is one sentence before any data
    is read or model loaded."""
    from core.models.sources import resolve_model

    for m in models:
        if isinstance(_spec(m), str):
            resolve_model(_spec(m))


def cmd_evaluate(args: argparse.Namespace) -> int:
    return _run(args, [_model_arg(m) for m in args.model])


def _spec(model: Any) -> Any:
    return model[1] if isinstance(model, tuple) else model


def tuned_run(tuned: Any, flag: str) -> Path:
    """The run folder of ``compare``'s ``--tuned`` model (a run folder or one of its model folders), which gives
    ``flag`` its default; a ConfigError saying to give ``flag`` when it is not a run."""
    from core.evaluation.seen import run_of

    run = run_of(_spec(tuned))
    if run is None:
        raise ConfigError(f"Give {flag}: --tuned {_spec(tuned)} is not a run folder (runs/NAME or one of its model "
                          "folders), so there is no run to take it from.")
    return run


def run_test_set(tuned: Any) -> Any:
    """``compare`` without ``--data``: the test split of the ``--tuned`` run (``core.training.data.run_split_evalset``:
    its test queries searching every passage the run knows); a ConfigError when the run has none."""
    from core.training.data import run_split_evalset

    run = tuned_run(tuned, "--data")
    ev = run_split_evalset(run, "test")
    if ev is None:
        raise ConfigError(f"Give --data: the run '{run.name}' has no test split (it trained with no test file and no "
                          "test share in data.split), so there is nothing held out to compare on.")
    return ev


def cmd_compare(args: argparse.Namespace) -> int:
    if args.base is None:  # the base model the --tuned run started from
        from core.training.config import TrainConfig

        _found([_model_arg(args.tuned)])  # a --tuned that does not exist is said as such, not as a missing --base
        args.base = TrainConfig.load(tuned_run(_model_arg(args.tuned), "--base") / CONFIG_FILE).model
    base, tuned = _model_arg(args.base), _model_arg(args.tuned)
    if isinstance(base, str):
        base = ("base", base)
    if isinstance(tuned, str):
        tuned = ("tuned", tuned)
    return _run(args, [base, tuned])


def _short(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _text_lines(path: Path) -> list[str]:
    """The non-empty lines of a .txt corpus, decoded like every data file (BOMs, UTF-8, GB18030, ...)."""
    from core.data.readers import decode_bytes

    text, _encoding = decode_bytes(path.read_bytes(), str(path))
    return [ln.strip() for ln in text.splitlines() if ln.strip()]


def cmd_search(args: argparse.Namespace) -> int:
    from core.evaluation.evalset import EvalSet, load_evalset
    from core.evaluation.search import SideBySide

    _at_least_one("-k", args.k)
    _at_least_one("--width", args.width)
    path = Path(args.corpus)
    if path.is_file() and path.suffix.lower() == ".txt":
        corpus: Any = _text_lines(path)
    else:
        corpus = load_evalset(path, split=args.split)
        if not isinstance(corpus, EvalSet):
            raise ConfigError(f"The corpus '{path}' holds {corpus.kind} rows, not passages (expected a BEIR folder, "
                              "pair/triplet/qpn data or a .txt file with one passage per line).")
    sbs = SideBySide([_model_arg(m) for m in args.model], corpus, progress=_printer(), use_cache=not args.no_cache)
    results = sbs.search(args.query, k=args.k)
    for label, hits in zip(sbs.labels, results):
        print(f"\n=== {label} ===")
        for h in hits:
            change = "" if h.rank_change is None else (" new" if h.is_new else f" {h.rank_change:+d}")
            gold = " [gold]" if h.gold else ""
            print(f"{h.rank:>3}. {h.score:.4f}{change:>6}{gold} {h.doc_id}: {_short(h.text, args.width)}")
    return 0


def _common(p: argparse.ArgumentParser, data_help: str = "") -> None:
    p.add_argument("--data", required=not data_help, help="BEIR folder (corpus.jsonl, queries.jsonl, qrels/), a .zip "
                   "of one, or a data file" + data_help)
    p.add_argument("--split", default=None, help="qrels split of a BEIR folder (default: test, dev, ... or the only one)")
    p.add_argument("--format", default=None, help="data format when detection is ambiguous (pair, triplet, qpn, ...)")
    p.add_argument("--out", default=None, help="folder for metrics.json, per_query.csv, charts and report.md/html")
    p.add_argument("--overwrite", action="store_true", help="replace the report files of an earlier run in --out")
    p.add_argument("--k", type=int, nargs="+", default=[1, 5, 10, 100], help="cut-offs for recall@k / hit@k")
    p.add_argument("--queries", type=int, default=None, help="evaluate a random sample of this many queries")
    p.add_argument("--corpus-size", type=int, default=None, help="shrink the corpus to this many passages (keeps positives)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-cache", action="store_true", help="do not read or write the corpus embedding cache")
    p.add_argument("--train-data", default=None, help="training data file: split verdicts into queries whose gold "
                   "passage is one of its positives (seen) and the others (unseen), and leave out evaluation queries "
                   "that are its queries (default: the training data of a run given as a model)")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("evaluate", help="evaluate one or more models on retrieval or pair data",
                              description="Evaluate models; the first --model is the base for deltas.")
    _common(p)
    p.add_argument("--model", action="append", required=True, help="model spec or LABEL=SPEC (repeatable)")
    p.set_defaults(func=cmd_evaluate)

    p = subparsers.add_parser("compare", help="compare a tuned model with its base",
                              description="Base vs tuned on one data set, with a warning when tuned is worse.")
    _common(p, "; default: the test split of the --tuned run (its test queries searching every passage the run "
               "knows)")
    p.add_argument("--base", default=None, help="base model spec or LABEL=SPEC; default: the model the --tuned run "
                   "started from")
    p.add_argument("--tuned", required=True, help="tuned model spec or LABEL=SPEC: a run folder (its delivered "
                   "model), one of its model folders, or any model")
    p.add_argument("--fail-if-worse", action="store_true", help="exit 3 when the tuned model is worse on the main metric beyond noise (its 95%% CI lies below 0)")
    p.set_defaults(func=cmd_compare)

    p = subparsers.add_parser("search", help="side-by-side search with one or two models",
                              description="Search a corpus with each model and show rank changes between them.")
    p.add_argument("--corpus", required=True, help="BEIR folder, pair/qpn data file, or .txt with one passage per line")
    p.add_argument("--split", default=None)
    p.add_argument("--model", action="append", required=True, help="model spec or LABEL=SPEC (give two to compare)")
    p.add_argument("--query", required=True)
    p.add_argument("-k", type=int, default=10)
    p.add_argument("--width", type=int, default=100, help="characters of passage text to show")
    p.add_argument("--no-cache", action="store_true")
    p.set_defaults(func=cmd_search)
