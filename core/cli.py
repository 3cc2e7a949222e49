"""``python -m core``: one sub-command per engine job.

Each area registers its own sub-commands in ``core/<area>/cli.py`` through ``register(subparsers)``; a
sub-command's handler takes the parsed ``argparse.Namespace`` and returns an exit code. A ``StudioError``
prints its one-sentence message (no traceback) and exits 2; no sub-command prints the help on stderr and exits 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from core.errors import StudioError

# Modules providing ``register(subparsers)``; order is the order shown in --help.
COMMAND_MODULES = [
    "core.models.cli",       # models
    "core.data.cli",         # inspect
    "core.training.cli",     # train, runs, stop
    "core.training.cli_select",  # select (choose the base model on the validation queries)
    "core.training.cli_hpo",  # hpo (a few trials around the recipe, with a time budget)
    "core.builder.cli_build",  # build (documents -> passages -> pairs)
    "core.builder.cli_mine",   # mine, clean, split, export
    "core.evaluation.cli",   # evaluate, compare, search
    "core.export.cli",       # export-onnx
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m core",
        description="Embedding studio engine: data, training, evaluation and export of sentence-transformers models.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as err:  # an area not built yet must not break the others
            if err.name and name.startswith(err.name):
                continue
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):  # no command: a usage error, like argparse's own (help on stderr, exit 2)
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except StudioError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
