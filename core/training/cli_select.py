"""``python -m core select --data X [--model A --model B ...]``: choose the base model on your own data.

Scores every bundled model plus each ``--model`` (a registry name, a local folder or a Hub id) on the
validation queries the run would use (``core.training.select``) and prints the table, then a last line
``winner: <model> — <reason>``. ``--out DIR`` also writes ``selection.json`` and the bar chart
``selection.png`` (a folder already holding them is refused unless ``--overwrite``); ``--json`` prints the
report as JSON instead of the table. Exit 0 with a winner, 1 when no candidate could be scored, 2 on bad input
(one sentence).
"""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "select",
        help="compare candidate base models on your validation queries",
        description="Score the bundled models and any --model on the validation queries a run "
        "on --data would use (hit@1/5/10, MRR@10, NDCG@10 with its 95% interval, "
        "encode speed, languages) and name the model to start from.",
    )
    p.add_argument("--data", nargs="+", required=True, help="training data file(s), or one BEIR folder or .zip of one")
    p.add_argument(
        "--validation",
        nargs="+",
        default=[],
        help="validation file(s); default: split from --data as a run would (10%%, seeded, grouped by query)",
    )
    p.add_argument("--group-by", help="column (for a BEIR folder: query field) whose equal values stay in one "
                   "split, as train --group-by: the validation queries scored are those its run would hold out")
    p.add_argument("--format", help="data format override (pair, triplet, qpn)")
    p.add_argument(
        "--model",
        action="append",
        default=[],
        help="a candidate besides the bundled models: a registry name, a local folder or a Hub id (repeatable)",
    )
    p.add_argument("--no-bundled", action="store_true", help="score only the --model candidates")
    p.add_argument("--corpus", help="knowledge-base passages added to the pool (corpus JSONL or BEIR folder)")
    p.add_argument("--queries", type=int, default=None, help="validation queries scored (seeded sample; default 200)")
    p.add_argument("--max-passages", type=int, default=None, help="most passages searched (default: the run's 20000)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", help="folder for selection.json and the bar chart selection.png")
    p.add_argument("--overwrite", action="store_true", help="replace selection.json and selection.png in --out")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_select)


def _printer():
    from core.evaluation.cli import _printer as printer

    return printer()


def _check_flags(args) -> None:
    """Refuse bad --max-passages, --queries and --corpus values naming the flag the user typed (the config
    checks that follow would name config keys instead)."""
    from pathlib import Path

    from core.data.beir import CORPUS_FILE
    from core.errors import ConfigError, DataError

    if args.max_passages is not None and args.max_passages < 1:
        raise ConfigError(f"--max-passages must be a whole number of at least 1, got {args.max_passages}.")
    if args.queries is not None and args.queries < 1:
        raise ConfigError(f"--queries must be a whole number of at least 1, got {args.queries}.")
    if args.corpus is not None:
        corpus = Path(args.corpus)
        if not (corpus / CORPUS_FILE if corpus.is_dir() else corpus).is_file():
            raise DataError(f"--corpus '{args.corpus}' does not exist or is not a corpus (expected a corpus JSONL "
                            f"file or a BEIR folder with corpus.jsonl).")


def cmd_select(args) -> int:
    from core.training.cli import use_data
    from core.training.config import DataConfig, EvalConfig, TrainConfig, eval_passages

    _check_flags(args)
    cfg = TrainConfig()
    cfg.data = DataConfig(validation=list(args.validation), group_by=args.group_by or None)
    use_data(cfg, args.data)  # data files, or a BEIR folder / zip as a whole dataset; the flags below win
    if args.format:
        cfg.data.format = args.format
    if args.corpus:
        cfg.data.corpus = args.corpus
    cfg.eval = EvalConfig()
    cfg.seed = args.seed
    if args.max_passages is not None:
        cfg.eval.max_eval_passages = args.max_passages
    cfg = TrainConfig.from_dict(cfg.to_dict(), where="select")  # the same checks as a run's config

    from core.models import set_threads
    from core.paths import atomic_write_json, not_replacing, out_folder
    from core.training.select import MAX_QUERIES, select_for_data, selection_chart

    out = out_folder(args.out) if args.out else None  # refused before any model is scored
    if out is not None:
        not_replacing([out / "selection.json", out / "selection.png"], args.overwrite)
    set_threads()
    report = select_for_data(
        cfg.data,
        args.model,
        include_bundled=not args.no_bundled,
        seed=cfg.seed,
        max_queries=args.queries or MAX_QUERIES,
        max_passages=eval_passages(cfg),
        progress=_printer(),
    )
    if out is not None:
        atomic_write_json(out / "selection.json", report.to_dict())
        if any(r.ok for r in report.rows):
            selection_chart(report, out / "selection.png")
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        import pandas as pd

        print(
            f"{report.n_queries} validation queries over {report.n_passages} passages ({report.corpus}); "
            f"data language: {report.data_language}"
        )
        with pd.option_context(
            "display.width",
            220,
            "display.max_columns",
            20,
            "display.max_colwidth",
            80,
            "display.float_format",
            "{:.4f}".format,
        ):
            table = report.table()
            for col in ("texts/s", "seconds"):
                table[col] = [f"{v:.1f}" if isinstance(v, float) and v == v else "" for v in table[col]]
            print(table.to_string(index=False))
        if args.out:
            print(f"wrote {args.out}/selection.json" + (" and selection.png" if any(r.ok for r in report.rows) else ""))
    if not args.json:
        print(f"winner: {report.winner or 'none'} — {report.reason}")
    return 0 if report.winner else 1
