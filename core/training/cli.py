"""CLI: ``python -m core train``, ``python -m core runs``, ``python -m core stop``.

``command_line(config) -> str``: the ``python -m core train`` line with the flags this parser reads for a
config (and the exact ``--config`` equivalent), as the Train tab shows it.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path
from typing import Optional

from core.errors import ConfigError, DataError, StudioError
from core.run_folder import CONFIG_FILE, EVENTS_FILE


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train", help="fine-tune a model (from a config file or flags)",
                       description="Fine-tune a sentence-transformers model. Give --config (a run's config.yaml "
                                   "re-runs it), --run-dir (a folder holding config.yaml), or --data with flags.")
    p.add_argument("--config", help="YAML config (see core/training/config.py)")
    p.add_argument("--run-dir", help="run folder (default: runs/<name>); with --resume, the run to continue")
    p.add_argument("--resume", action="store_true", help="continue from the run folder's last checkpoint")
    # Flags that set a config field take their help from the field (core/training/config.py).
    p.add_argument("--data", nargs="+", help=_help("data.train") + " Or one BEIR folder (corpus.jsonl, queries.jsonl, "
                   "qrels/train.tsv; dev.tsv and test.tsv when there) or a .zip of one: its judgements become the "
                   "train / validation / test splits and its corpus the knowledge base; without train.tsv a seeded "
                   "fifth of the test.tsv (or only qrels file's) queries is held out as the test split and the rest "
                   "trains. Used when no --config is given.")
    p.add_argument("--validation", nargs="+", default=[], help=_help("data.validation"))
    p.add_argument("--test", nargs="+", default=[], help=_help("data.test") + " A run with test files is compared on "
                   "them by 'compare --tuned runs/NAME' when --data is not given.")
    p.add_argument("--group-by", help=_help("data.group_by"))
    p.add_argument("--format", help=_help("data.format"))
    p.add_argument("--model", default=None, help=_help("model"))
    p.add_argument("--loss", help=_help("loss.name"))
    p.add_argument("--strategy", help=_help("strategy.name"))
    p.add_argument("--epochs", type=float, help=_help("hyper.epochs"))
    p.add_argument("--batch-size", type=int, help=_help("hyper.batch_size"))
    p.add_argument("--lr", type=float, help=_help("hyper.learning_rate"))
    p.add_argument("--max-steps", type=int, help=_help("hyper.max_steps"))
    p.add_argument("--recipe", choices=("auto", "plain"), help=_help("recipe"))
    p.add_argument("--hard-negatives", choices=("mined", "off"), help=_help("data.hard_negatives"))
    p.add_argument("--model-selection", choices=("auto", "off"), help=_help("model_selection"))
    p.add_argument("--name", help=_help("name"))
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="sets",
                   help="fix any config setting, e.g. --set hyper.bf16=true --set data.neg_nums=7 (a YAML value, "
                        "type-checked; given after the other flags, it wins over them and the recipe)")
    p.add_argument("--write-config", help="only write the resulting config YAML here and exit")
    p.set_defaults(func=cmd_train)

    r = sub.add_parser("runs", help="list run folders with status and best metric")
    r.add_argument("--json", action="store_true")
    r.set_defaults(func=cmd_runs)

    s = sub.add_parser("stop", help="ask a running training to stop after its current step")
    s.add_argument("run", help="run folder or run name")
    s.set_defaults(func=cmd_stop)


def command_line(cfg) -> str:
    """The command that trains ``cfg`` (a ``TrainConfig``) from flags, then the exact equivalent through its YAML
    file (``<safe run name>.yaml``): loss / strategy parameters and the mapping exist only in the YAML."""
    from core.paths import safe_name

    parts = ["python", "-m", "core", "train", "--name", cfg.name]
    if cfg.model:
        parts += ["--model", cfg.model]
    parts += ["--data", *cfg.data.train]
    if getattr(cfg, "recipe", "auto") != "auto":
        parts += ["--recipe", cfg.recipe]
    if getattr(cfg, "model_selection", "off") != "off":
        parts += ["--model-selection", cfg.model_selection]
    if cfg.data.validation:
        parts += ["--validation", *cfg.data.validation]
    if cfg.data.test:
        parts += ["--test", *cfg.data.test]
    if cfg.data.group_by:
        parts += ["--group-by", cfg.data.group_by]
    if cfg.data.format:
        parts += ["--format", cfg.data.format]
    if cfg.loss.name:
        parts += ["--loss", cfg.loss.name]
    if cfg.strategy.name:
        parts += ["--strategy", cfg.strategy.name]
    for flag, value in (("--epochs", cfg.hyper.epochs), ("--batch-size", cfg.hyper.batch_size),
                        ("--lr", cfg.hyper.learning_rate)):
        if value is not None:  # an open setting is the recipe's to fill
            parts += [flag, f"{value:g}" if isinstance(value, float) else str(value)]
    if cfg.hyper.max_steps and cfg.hyper.max_steps > 0:
        parts += ["--max-steps", str(cfg.hyper.max_steps)]
    if cfg.data.hard_negatives:
        parts += ["--hard-negatives", cfg.data.hard_negatives]
    flags = " ".join(shlex.quote(p) for p in parts)
    yaml_name = shlex.quote(safe_name(cfg.name, default="run")) + ".yaml"
    note = ("# loss/strategy parameters, mapping and other settings live in the YAML; the exact equivalent is:\n"
            f"python -m core train --config {yaml_name}")
    search = ("# optional: a few trials around the recipe (lr, epochs, loss scale), each a run, within a time budget:\n"
              f"python -m core hpo --config {yaml_name} --trials 4 --budget-minutes 60")
    return flags + "\n\n" + note + "\n\n" + search


# The flags above that set a config field, as (flag, config key): the CLI help comes from that field.
FLAG_KEYS = (("--data", "data.train"), ("--validation", "data.validation"), ("--test", "data.test"),
             ("--group-by", "data.group_by"),
             ("--format", "data.format"), ("--model", "model"), ("--loss", "loss.name"), ("--strategy", "strategy.name"),
             ("--epochs", "hyper.epochs"), ("--batch-size", "hyper.batch_size"), ("--lr", "hyper.learning_rate"),
             ("--max-steps", "hyper.max_steps"), ("--recipe", "recipe"), ("--hard-negatives", "data.hard_negatives"),
             ("--name", "name"))


def _help(key: str) -> str:
    """Config key ``key``'s help text (``field(metadata={"help": ...})`` in core/training/config.py), escaped for
    argparse (which formats help with %)."""
    from core.training.config import field_help

    return field_help(key).replace("%", "%%")


def beir_data(data, group_by: Optional[str] = None) -> Optional[dict]:
    """The dataset of ``--data`` when it names one BEIR folder or ``.zip`` of one
    (``core.data.beir_import.beir_dataset``: its train / dev / test judgements as query-pos files and its corpus as
    the knowledge base, queries of one ``group_by`` field value kept on one side of a split it makes); None for data
    files. A BEIR folder among other files is refused: it is a dataset of its own."""
    from core.data.beir_import import beir_dataset, is_beir_folder, is_zip, summary_line

    given = [str(d) for d in (data or [])]
    beir = [d for d in given if is_zip(d) or is_beir_folder(d)]
    if not beir:
        return None
    if len(given) > 1:
        raise DataError(f"--data {beir[0]} is a BEIR dataset (corpus, queries and judgements); give it alone, "
                        "without other data files.")
    ds = beir_dataset(beir[0], group_by=group_by)
    print(summary_line(ds), file=sys.stderr)  # stdout stays what the command prints (a --json report)
    return ds


def base_config(config=None, data=None, validation=(), run_dir=None, group_by=None, test=()):
    """The config a command starts from: the YAML ``config``, else ``run_dir``'s config.yaml, else a new config
    training on ``data`` (with ``validation`` and ``test`` files; a BEIR folder or zip is read by ``beir_data``); None when none of
    them is given (the caller says what to give). ``group_by`` (``--group-by``), when given, is its
    ``data.group_by`` whichever it is ("" clears a YAML's), set before a BEIR folder is read: its split keeps those
    groups whole."""
    from core.paths import run_dir_arg
    from core.training.config import TrainConfig

    new = False
    if config:
        cfg = TrainConfig.load(config)
    elif run_dir and (run_dir_arg(run_dir) / CONFIG_FILE).exists():
        cfg = TrainConfig.load(run_dir_arg(run_dir) / CONFIG_FILE)
    elif data:
        cfg, new = TrainConfig(), True
        cfg.data.validation, cfg.data.test = list(validation), list(test)
    else:
        return None
    if group_by is not None:
        cfg.data.group_by = group_by or None
    return use_data(cfg, data) if new else cfg


def use_data(cfg, data):
    """``cfg`` training on ``data`` (``--data``): its files as the training files, or a BEIR folder's or zip's
    dataset (``beir_data``) as train, validation and test (unless such files are set), knowledge base and
    format; its ``data.group_by`` names the BEIR queries' field to keep together. Returns ``cfg``."""
    ds = beir_data(data, cfg.data.group_by)
    if ds is None:
        cfg.data.train = list(data)
        return cfg
    cfg.data.train = [ds["train"]]
    cfg.data.validation = list(cfg.data.validation) or ([ds["validation"]] if ds["validation"] else [])
    cfg.data.test = list(cfg.data.test) or ([ds["test"]] if ds["test"] else [])
    cfg.data.corpus = ds["passages"]
    cfg.data.format = ds["format"]
    return cfg


def absolute_paths(cfg):
    """``cfg`` with its data files, knowledge base, general-set folder and local model folder as absolute paths
    (those that exist from here), so the run's saved config.yaml resumes and re-runs from any folder."""
    from core.models.sources import local_folder

    def fixed(value):
        p = Path(value).expanduser()
        return str(p.resolve()) if p.exists() else value

    data = cfg.data
    data.train, data.validation, data.test = ([fixed(v) for v in files] for files in (data.train, data.validation, data.test))
    if data.corpus:
        data.corpus = fixed(data.corpus)
    if data.general and str(data.general).strip().lower() not in ("none", "off", "false"):
        data.general = fixed(data.general)
    if local_folder(cfg.model) is not None:
        cfg.model = fixed(cfg.model)
    return cfg


def _config_from_args(args):
    from core.paths import unknown_run
    from core.training.config import TrainConfig, apply_sets

    cfg = base_config(args.config, args.data, args.validation, args.run_dir, args.group_by, args.test)
    if cfg is None and args.run_dir and not args.data:  # a run to resume or re-run that is not there
        raise unknown_run(str(args.run_dir))
    if cfg is None:
        raise ConfigError("Give --config FILE, --run-dir DIR holding a config.yaml, or --data FILE.")
    if args.data and args.config:
        use_data(cfg, args.data)
    for files, key in ((args.validation, "validation"), (args.test, "test")):  # a flag given beats the YAML's files
        if files:
            setattr(cfg.data, key, list(files))
    for attr, target in (("format", (cfg.data, "format")), ("model", (cfg, "model")), ("name", (cfg, "name")),
                         ("epochs", (cfg.hyper, "epochs")), ("batch_size", (cfg.hyper, "batch_size")),
                         ("lr", (cfg.hyper, "learning_rate")), ("max_steps", (cfg.hyper, "max_steps")),
                         ("recipe", (cfg, "recipe")), ("hard_negatives", (cfg.data, "hard_negatives")),
                         ("model_selection", (cfg, "model_selection"))):
        value = getattr(args, attr)
        if value is not None:
            setattr(target[0], target[1], value)
    if args.loss:
        cfg.loss.name = args.loss
        cfg.loss.params = {}
    if args.strategy:
        cfg.strategy.name = args.strategy
        cfg.strategy.params = {}
    cfg = apply_sets(cfg, getattr(args, "sets", None) or [])
    return TrainConfig.from_dict(absolute_paths(cfg).to_dict())  # re-validate after overrides


def cmd_train(args) -> int:
    from core.training.events import is_main_process

    if args.write_config:
        cfg = _config_from_args(args)
        cfg.save(_config_target(args.write_config, cfg))
        print(f"wrote {args.write_config}")
        return 0
    try:
        return _train(args)
    finally:  # however the training ended (even a config that failed to load), the queue moves on
        if is_main_process():
            _advance_queue(args.run_dir)


def _config_target(value: str, cfg) -> Path:
    """Where ``--write-config`` may write: a ``.yaml`` / ``.yml`` path that is not a device or a folder and not one
    of the config's own data files (a typo there would have replaced the training data with YAML)."""
    target = Path(value).expanduser()
    if target.suffix.lower() not in (".yaml", ".yml"):
        raise ConfigError(f"--write-config {value}: a config is written as YAML; give a path ending in .yaml or .yml.")
    if target.exists() and not target.is_file():
        raise ConfigError(f"--write-config {value}: it is not a regular file (a folder or a device); give a .yaml path.")
    data = cfg.data
    for given in [*data.train, *data.validation, *data.test, data.corpus]:
        if given and Path(given).exists() and target.exists() and Path(given).resolve() == target.resolve():
            raise ConfigError(f"--write-config {value} is one of the config's own data files; give another path.")
    return target


def _checked_train_folder(run_dir: Path, args, queued: bool) -> None:
    """Refuse, before anything is written, a run folder the training must not write into: one outside the runs
    folder, a file, a folder that already holds a run or files other than a prepared config.yaml (without
    ``--resume``: its models and events would be overwritten or mixed), and ``--resume`` of a run that is not
    there."""
    from core.paths import runs_root, unknown_run

    root = runs_root().resolve()
    if run_dir.resolve().parent != root:
        raise StudioError(f"The run folder '{args.run_dir}' is outside the runs folder {root}; a training writes only "
                          "there (give a run name, or set STUDIO_RUNS_DIR to the folder that holds it).")
    if run_dir.exists() and not run_dir.is_dir():
        raise StudioError(f"'{run_dir}' is a file in the runs folder, not a run folder; choose another run name.")
    if args.resume:
        if not (run_dir / EVENTS_FILE).exists():
            raise unknown_run(run_dir.name)
        return
    if queued or not run_dir.is_dir() or {p.name for p in run_dir.iterdir()} <= {CONFIG_FILE}:
        return  # a new folder, or one prepared with only its config.yaml
    if (run_dir / EVENTS_FILE).exists():
        raise ConfigError(f"The run folder '{run_dir}' already holds a run; use --resume to continue it or --name for "
                          "a new one.")
    raise ConfigError(f"The folder '{run_dir}' already holds files that are not a run; choose a new run name.")


def _train(args) -> int:
    from core.paths import run_dir_arg, run_name_arg, run_path
    from core.training.events import is_main_process
    from core.training.runner import run_training

    cfg = _config_from_args(args)
    if args.run_dir:
        run_dir = run_dir_arg(args.run_dir)
    else:  # the run folder comes from the name (a name with folders in it is refused, spaces become '-')
        cfg.name = run_name_arg(cfg.name)
        run_dir = run_path(cfg.name)
    from core.training import read_status
    from core.training.runner import check_inputs

    queued = bool(args.run_dir) and read_status(run_dir).get("status") == "queued"
    if is_main_process():  # rank 0 alone decides (the others would see its first files); a launcher stops them all
        _checked_train_folder(run_dir, args, queued)
    if args.resume:
        from core.training.launch import refuse_finished_resume

        refuse_finished_resume(run_dir, cfg)
    # The data, the loss and the model are checked before any run folder is created or touched. A run the
    # studio queued (start_run checked it) is not: its own run records why it failed, for the Train tab to show.
    if not queued:
        splits = check_inputs(cfg)
        if not args.resume:  # settings this machine's memory cannot hold are refused before anything is written
            from core.training.memory import check_fits

            check_fits(cfg, splits)
    main_process = is_main_process()  # under torchrun / accelerate only rank 0 speaks: stdout is one status
    if main_process:
        print(f"run folder: {run_dir}")
    from contextlib import nullcontext

    from core.training.events import EchoLog

    with EchoLog(run_dir) if main_process else nullcontext():  # the Train tab's log lines, on stderr
        status = run_training(cfg, run_dir, resume=args.resume, exits_after=True, queued=queued)
    shown = ("status", "step", "main_metric", "baseline", "best_metric", "final_metric", "delivered", "delivered_metric",
             "delivered_gain", "warning")
    if main_process:
        print(json.dumps({k: status.get(k) for k in shown if k in status}, ensure_ascii=False, indent=2))
    if main_process and status.get("status") == "completed" and status.get("delivered"):
        print(next_step(run_dir), file=sys.stderr)
    return 0 if status.get("status") in ("completed", "stopped") else 1


def next_step(run_dir) -> str:
    """The line a finished run ends with: how to measure its delivered model on queries that chose nothing (its test
    split), or, when it has none, that its gain was measured on the validation queries that chose the model. Whether
    it has one is what the run itself split (the test count of its ``data`` event), not a reading of its config: a
    test share can round to no rows."""
    from core.run_folder import EV_DATA
    from core.training.events import read_events

    events, _ = read_events(run_dir)
    data = [e for e in events if e.get("type") == EV_DATA]
    held_out = bool(data) and int((data[-1].get("counts") or {}).get("test") or 0) > 0
    command = f"python -m core compare --tuned {shlex.quote(str(run_dir))}"
    if held_out:
        return f"next: measure the delivered model against its base on the run's held-out test queries: {command}"
    return (f"next: the gain above was measured on the validation queries that chose the delivered model; to measure it "
            f"on queries nothing was chosen on, train with --test FILE (rows held out of everything) and run "
            f"{command}, or run it with --data YOUR_TEST_DATA")


def _advance_queue(run_dir) -> None:
    """Start the next run waiting in the runs folder's queue (the UI's queue); ``run_dir`` (this process's run,
    ending) does not count as running."""
    from core.paths import runs_root
    from core.training.launch import advance_queue

    try:
        started = advance_queue(runs_root(), ignore=run_dir)
    except Exception as err:  # noqa: BLE001 - the UI's periodic refresh advances the queue too
        print(f"could not start the next queued run: {err}")
        return
    if started is not None:
        print(f"started the next queued run: {started.name}")


def cmd_runs(args) -> int:
    from core.training.launch import list_runs

    runs = list_runs()
    if args.json:
        print(json.dumps([{**r.__dict__, "path": str(r.path)} for r in runs], ensure_ascii=False, indent=2))
        return 0
    if not runs:
        print("no runs yet")
        return 0
    # upper-case headers and a rule under them: a run named 'run' must not read like the header row
    # DELIVERED: the delivered model and its validation score; VS_BASE: its paired gain over the base, 95% interval
    from core.evaluation.stats import brief_text

    header = (f"{'RUN':30} {'STATUS':12} {'METRIC':10} {'BASE':>8} {'BEST':>8} {'DELIVERED':18} {'VS_BASE':40} "
              f"{'STEP':>6}")
    print(header)
    print("-" * len(header))
    for r in runs:
        fmt = lambda v: f"{v:.4f}" if isinstance(v, (int, float)) and not isinstance(v, bool) else "-"
        status = f"{r.status} #{r.position}" if r.position else r.status
        delivered = f"{r.delivered} {fmt(r.delivered_metric)}" if isinstance(r.delivered, str) and r.delivered else "-"
        gain = brief_text(r.delivered_gain)
        gain = f"{gain} {r.delivered_gain.get('verdict')}" if gain else "-"
        print(f"{r.name[:30]:30} {status:12} {str(r.main_metric or '-'):10} {fmt(r.baseline):>8} {fmt(r.best_metric):>8} "
              f"{delivered[:18]:18} {gain:40} {str(r.step or '-'):>6}")
    return 0


def cmd_stop(args) -> int:
    from core.paths import run_dir_arg
    from core.training.launch import request_stop

    path = run_dir_arg(args.run, must_exist=True)
    done = request_stop(path)
    if done == "cancelled":
        print(f"{path.name} was waiting in the training queue; it is cancelled")
    elif done == "not_running":
        from core.training import run_status

        print(f"{path.name} is not running (it is {run_status(path)}); there is nothing to stop")
    else:
        print(f"stop requested for {path.name}")
    return 0
