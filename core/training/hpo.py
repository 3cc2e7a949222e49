"""Hyper-parameter search with a time budget (optional, off unless asked): ``python -m core hpo``.

``search(config, trials=4, budget_minutes=None, runs_root=None, log=print) -> dict``

A few trials around the recipe, one lever at a time, each an ordinary run in the runs folder
(``<name>-t1``, ``<name>-t2``, ...; the runs list shows them, Evaluate / Compare / Export open them):

1. the recipe's own settings (``recipe: auto`` fills every open setting, as ``python -m core train`` does);
2. learning rate × 2;  3. learning rate × 0.5;  4. one more epoch;
5. loss scale × 0.5;  6. loss scale × 2 (only for in-batch losses with a scale, around the scale trial 1 used).

Settings the user fixed in the config are not searched. Every trial trains on the same training rows and is
scored on the same validation queries (the split is seeded by ``config.seed``), by the NDCG@10 of the model its
delivery step chose (``delivery.json``: never worse than the base beyond noise). A trial starts only while the
budget left exceeds the longest trial so far. The winner is the trial with the highest validation NDCG@10; the
record says that the best of several trials on one validation set is an optimistic estimate, and that the test
split (Evaluate) is the honest check.

Writes ``<runs root>/<name>.hpo.json`` (the trials, their settings and scores, the winner) and returns it.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Optional

from core.errors import ConfigError
from core.paths import atomic_write_json

HPO_SUFFIX = ".hpo.json"
MAX_TRIALS = 6
METRIC = "ndcg@10"


def levers(config) -> list[tuple[str, dict[str, float]]]:
    """The trials' changes in order: ``(label, {config key: factor or increment})``; the first is the recipe's
    own settings. Levers whose setting the user fixed are left out."""
    out: list[tuple[str, dict[str, float]]] = [("recipe", {})]
    if config.hyper.learning_rate is None:
        out += [("lr ×2", {"hyper.learning_rate": 2.0}), ("lr ×0.5", {"hyper.learning_rate": 0.5})]
    if config.hyper.epochs is None and not (config.hyper.max_steps and config.hyper.max_steps > 0):
        out.append(("epochs +1", {"hyper.epochs": 1.0}))
    if "scale" not in (config.loss.params or {}):
        out += [("scale ×0.5", {"loss.params.scale": 0.5}), ("scale ×2", {"loss.params.scale": 2.0})]
    return out


def _recipe_values(run_dir: Path) -> dict[str, Any]:
    """The settings a finished trial ran with: its recipe events' choices (the last value of each key) and the
    loss its plan event names (``loss.name``)."""
    from core.run_folder import EV_PLAN, EV_RECIPE
    from core.training.events import read_events

    events, _ = read_events(run_dir)
    values: dict[str, Any] = {}
    for e in events:
        if e.get("type") == EV_RECIPE:
            for c in e.get("choices", []):
                values[c["key"]] = c["value"]
        elif e.get("type") == EV_PLAN and e.get("loss"):
            values["loss.name"] = e["loss"]
    return values


LEVER_KEYS = ("hyper.learning_rate", "hyper.epochs", "loss.params.scale")  # what the levers change


def _setting(cfg, key: str):
    """The value of lever ``key`` in ``cfg`` (None when open): the loss scale lives in ``loss.params``."""
    from core.training.recipe import get_setting

    return (cfg.loss.params or {}).get("scale") if key == "loss.params.scale" else get_setting(cfg, key)


def trial_config(config, index: int, change: dict[str, float], first: dict[str, Any]):
    """Trial ``index``'s config: ``config`` with ``change`` applied to the values trial 1 ran with (``first``:
    an increment for the epochs, a factor for the others); None when the lever does not apply (e.g. the loss has
    no scale)."""
    from core.training.recipe import set_setting

    cfg = copy.deepcopy(config)
    cfg.name = f"{config.name}-t{index}"
    for key, step in change.items():
        base = first.get(key)
        if base is None:
            return None
        if key == "loss.params.scale":
            cfg.loss.name = cfg.loss.name or first.get("loss.name")  # parameters belong to a named loss
            cfg.loss.params = {**(cfg.loss.params or {}), "scale": round(float(base) * step, 2)}
        else:
            set_setting(cfg, key, float(base) + step if key == "hyper.epochs" else float(base) * step)
    if change and first:  # the other levers keep trial 1's values, so one thing changes at a time
        for key in ("hyper.learning_rate", "hyper.epochs"):
            if key not in change and _setting(cfg, key) is None and first.get(key) is not None:
                set_setting(cfg, key, first[key])
    return cfg


def _score(run_dir: Path) -> tuple[Optional[float], Optional[str], Optional[int]]:
    """(validation NDCG@10 of the delivered model, which candidate was delivered, validation queries)."""
    from core.training.delivery import read_delivery

    rec = read_delivery(run_dir)
    if not rec:
        return None, None, None
    by = {c["name"]: c for c in rec.get("candidates", [])}
    chosen = by.get(rec.get("delivered"))
    return (chosen or {}).get(METRIC), rec.get("delivered"), (rec.get("validation") or {}).get("queries")


def search(config, trials: int = 4, budget_minutes: Optional[float] = None, runs_root: Optional[Path] = None,
           log: Callable[[str], None] = print) -> dict:
    """Run up to ``trials`` trials (see the module docstring) within ``budget_minutes``; return the record."""
    from core.paths import inside, run_name_arg, run_path
    from core.paths import runs_root as default_runs_root
    from core.run_folder import EVENTS_FILE
    from core.training.data import splits_for
    from core.training.memory import check_fits
    from core.training.runner import run_training

    if isinstance(trials, bool) or not isinstance(trials, int) or not 1 <= trials <= MAX_TRIALS:
        raise ConfigError(f"--trials must be a whole number from 1 to {MAX_TRIALS}, got {trials!r}.")
    if budget_minutes is not None and (isinstance(budget_minutes, bool) or not budget_minutes > 0):
        raise ConfigError(f"--budget-minutes must be a positive number of minutes, got {budget_minutes!r}.")
    if getattr(config, "recipe", "auto") != "auto":
        raise ConfigError("The search varies the recipe's settings: set recipe: auto (not plain) to search.")
    root = Path(runs_root) if runs_root is not None else default_runs_root()
    name = run_name_arg(config.name, default="search")  # the rule ``train --name`` follows: no folders in it
    config = copy.deepcopy(config)
    config.name = name
    plan = levers(config)[:trials]
    for index in range(1, len(plan) + 1):  # refuse before anything runs: no trial overwrites an earlier run
        if (run_path(f"{name}-t{index}", root=root) / EVENTS_FILE).exists():
            raise ConfigError(f"The run folder '{name}-t{index}' already holds a run; give the search another name.")
    splits = splits_for(config)  # data that cannot be trained on is refused before a trial's folder is made
    check_fits(config, splits)  # settings this machine's memory cannot hold are refused before the first trial
    started = time.monotonic()
    longest = 0.0
    first: dict[str, Any] = {}
    rows: list[dict] = []
    for index, (label, change) in enumerate(plan, start=1):
        spent = time.monotonic() - started
        if budget_minutes is not None and index > 1 and spent + longest > budget_minutes * 60:
            log(f"trial {index} ({label}) not started: {spent / 60:.1f} of {budget_minutes:g} minutes spent and a "
                f"trial takes up to {longest / 60:.1f}")
            rows.append({"trial": index, "lever": label, "skipped": "time budget"})
            continue
        cfg = trial_config(config, index, change, first)
        if cfg is None:
            log(f"trial {index} ({label}) skipped: the run does not use this setting")
            rows.append({"trial": index, "lever": label, "skipped": "the run does not use this setting"})
            continue
        run_dir = run_path(cfg.name, root=root)
        log(f"trial {index}/{len(plan)} ({label}): {run_dir}")
        t0 = time.monotonic()
        status = run_training(cfg, run_dir)
        seconds = time.monotonic() - t0
        longest = max(longest, seconds)
        values = _recipe_values(run_dir)
        if index == 1:
            first = values
        score, delivered, queries = _score(run_dir)
        rows.append({"trial": index, "lever": label, "run": cfg.name, "status": status.get("status"),
                     "seconds": round(seconds, 1),  # what the trial ran with: set here, else the recipe's choice
                     "settings": {k: values.get(k) if _setting(cfg, k) is None else _setting(cfg, k) for k in LEVER_KEYS},
                     METRIC: score, "delivered": delivered, "validation_queries": queries})
        log(f"trial {index} ({label}): validation {METRIC} {score if score is None else round(score, 4)}, "
            f"delivered {delivered}, {seconds:.0f} s")
    scored = [r for r in rows if r.get(METRIC) is not None]
    winner = max(scored, key=lambda r: r[METRIC], default=None)
    record = {
        "name": name, "metric": METRIC, "trials": rows, "winner": winner and winner["run"],
        "seconds": round(time.monotonic() - started, 1), "budget_minutes": budget_minutes,
        "note": ("The winner is the trial whose delivered model scored highest on the validation queries. The best "
                 "of several trials on one validation set is an optimistic estimate of it: compare it with the "
                 "base on the test split (Evaluate) for the honest number."),
    }
    atomic_write_json(inside(root, root / f"{name}{HPO_SUFFIX}"), record)
    if winner is None:
        log("no trial finished with a validation score")
    else:
        log(f"winner: {winner['run']} ({winner['lever']}), validation {METRIC} {winner[METRIC]:.4f}")
    return record


__all__ = ["search", "levers", "trial_config", "HPO_SUFFIX", "MAX_TRIALS"]
