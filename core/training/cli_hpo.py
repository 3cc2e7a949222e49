"""``python -m core hpo --config X [--trials 4] [--budget-minutes 30]``: a few trials around the recipe.

Each trial is an ordinary run (``<name>-t1``, ``<name>-t2``, ...) trained one after another in this process; see
``core.training.hpo`` for the levers and the rule. Prints one line per trial and a last line
``winner: <run> ...``; writes ``<runs>/<name>.hpo.json``. Exit 0 with a winner, 1 when no trial finished with a
validation score, 2 on bad input (one sentence).
"""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    from core.training.cli import _help
    from core.training.hpo import MAX_TRIALS

    p = sub.add_parser(
        "hpo",
        help="hyper-parameter search with a time budget: a few trials around the recipe",
        description="Train a few trials around the recipe's settings (the recipe itself, learning rate x2 and "
        "x0.5, one more epoch, loss scale x0.5 and x2), each an ordinary run, and name the one whose delivered "
        "model scores highest on the validation queries. Settings fixed in the config are not searched.",
    )
    p.add_argument("--config", help="YAML config (see core/training/config.py)")
    p.add_argument("--data", nargs="+", help=_help("data.train") + " Used when no --config is given.")
    p.add_argument("--validation", nargs="+", default=[], help=_help("data.validation"))
    p.add_argument("--group-by", help=_help("data.group_by"))
    p.add_argument("--model", default=None, help=_help("model"))
    p.add_argument("--name", help="the trials are named <name>-t1, <name>-t2, ... (default: the config's name)")
    p.add_argument("--trials", type=int, default=4, help=f"how many trials, 1 to {MAX_TRIALS} (default 4)")
    p.add_argument("--budget-minutes", type=float, default=None,
                   help="start no trial once this many minutes minus the longest trial so far have passed")
    p.add_argument("--json", action="store_true", help="print the record as one JSON line (the last) instead of lines")
    p.set_defaults(func=cmd_hpo)


def cmd_hpo(args) -> int:
    from core.errors import ConfigError
    from core.training.cli import base_config
    from core.training.config import TrainConfig
    from core.training.hpo import search

    cfg = base_config(args.config, args.data, args.validation, group_by=args.group_by)
    if cfg is None:
        raise ConfigError("Give --config FILE or --data FILE.")
    if args.model is not None:
        cfg.model = args.model
    if args.name is not None:
        cfg.name = args.name
    cfg = TrainConfig.from_dict(cfg.to_dict())  # re-validate after the overrides
    record = search(cfg, trials=args.trials, budget_minutes=args.budget_minutes,
                    log=(lambda _m: None) if args.json else print)
    if args.json:
        print(json.dumps(record, ensure_ascii=False))  # one line, the last (training prints its own lines above)
    return 0 if record["winner"] else 1
