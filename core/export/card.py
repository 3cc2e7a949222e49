"""Model card (markdown with Hugging Face YAML front matter) for a training run.

``model_card(run_dir) -> str`` reads the run folder only (no model is loaded):

- ``config.yaml``: base model, data files and format, loss and its parameters, strategy, hyper-parameters;
- ``status.json``: status, main metric, baseline, best and final values, the worse-than-base verdict;
- ``events.jsonl``: the first and last ``eval`` events (step 0 = the base model, last = the tuned model), so
  the card has a base-vs-tuned table even when no separate evaluation was run;
- ``metrics.json`` (written by the evaluation step, when present): a ``{model: {metric: value}}`` mapping (or a
  report with such a mapping under ``"metrics"`` / ``"table"``) shown as a second table.

``card_metrics(run_dir) -> list[tuple[str, float | None, float | None]]`` gives the (metric, base, tuned) rows.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Optional

import yaml

from core.errors import StudioError


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def _read_config(run_dir: Path) -> dict:
    path = run_dir / "config.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError:
        raise StudioError(f"The run folder '{run_dir}' has no config.yaml; it is not a training run.") from None
    except yaml.YAMLError:
        raise StudioError(f"The file '{path}' is not valid YAML.") from None
    return raw if isinstance(raw, dict) else {}


def _eval_events(run_dir: Path) -> list[dict]:
    out = []
    try:
        with open(run_dir / "events.jsonl", encoding="utf-8") as fh:
            for line in fh:
                try:
                    ev = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if ev.get("type") == "eval" and isinstance(ev.get("metrics"), dict):
                    out.append(ev)
    except OSError:
        pass
    return out


def _num(v: Any) -> Optional[float]:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def card_metrics(run_dir: str | os.PathLike) -> list[tuple[str, Optional[float], Optional[float]]]:
    """(metric, base value, tuned value) from the run's first (step 0) and last validation evaluations."""
    evals = _eval_events(Path(run_dir))
    if not evals:
        return []
    base = evals[0]["metrics"] if evals[0].get("step") == 0 else {}
    tuned = evals[-1]["metrics"] if (len(evals) > 1 or not base) else {}
    names = list(dict.fromkeys([*base, *tuned]))
    return [(n, _num(base.get(n)), _num(tuned.get(n))) for n in names]


def _fmt(v: Optional[float]) -> str:
    return f"{v:.4f}" if v is not None else "-"


def _metrics_json_table(data: Any) -> list[str]:
    if isinstance(data, dict):
        for key in ("metrics", "table", "models"):
            if isinstance(data.get(key), dict):
                data = data[key]
                break
    if not isinstance(data, dict) or not data or not all(isinstance(v, dict) for v in data.values()):
        return []
    models = list(data)
    names = list(dict.fromkeys(k for v in data.values() for k, x in v.items() if _num(x) is not None))
    if not names:
        return []
    lines = ["| metric | " + " | ".join(models) + " |", "|---|" + "---|" * len(models)]
    for n in names:
        lines.append(f"| {n} | " + " | ".join(_fmt(_num(data[m].get(n))) for m in models) + " |")
    return lines


def model_card(run_dir: str | os.PathLike) -> str:
    """Markdown model card for the run in ``run_dir`` (see module docstring)."""
    run_dir = Path(run_dir)
    cfg = _read_config(run_dir)
    status = _read_json(run_dir / "status.json") or {}
    data = cfg.get("data") or {}
    loss = cfg.get("loss") or {}
    strategy = cfg.get("strategy") or {}
    hyper = cfg.get("hyper") or {}
    base_model = str(cfg.get("model") or status.get("model") or "unknown")
    name = str(cfg.get("name") or run_dir.name)
    fmt = data.get("format") or "auto-detected"
    loss_name = loss.get("name") or "the default loss for the data format"

    front = {
        "library_name": "sentence-transformers",
        "pipeline_tag": "sentence-similarity",
        "tags": ["sentence-transformers", "sentence-similarity", "feature-extraction", "embedding-studio"],
        "language": ["zh", "en"],
    }
    if "/" in base_model and not Path(base_model).exists():
        front["base_model"] = base_model  # a Hub id; local folders and bundled names are not Hub ids
    lines = ["---", yaml.safe_dump(front, allow_unicode=True, sort_keys=False).strip(), "---", "",
             f"# {name}", "",
             f"A sentence-transformers embedding model fine-tuned from **{base_model}** with Embedding Studio.", ""]

    if status.get("worse_than_base"):
        lines += [f"> **Warning:** the tuned model scored worse than the base model on the validation set "
                  f"({status.get('main_metric')}: {_fmt(_num(status.get('final_metric')))} vs "
                  f"{_fmt(_num(status.get('baseline')))}).", ""]

    lines += ["## Training", "", "| setting | value |", "|---|---|",
              f"| base model | {base_model} |",
              f"| training data | {', '.join(Path(str(p)).name for p in data.get('train') or []) or '-'} |",
              f"| validation data | {', '.join(Path(str(p)).name for p in data.get('validation') or []) or 'split from training data'} |",
              f"| data format | {fmt} |",
              f"| loss | {loss_name} |"]
    if loss.get("params"):
        lines.append(f"| loss parameters | {', '.join(f'{k}={v}' for k, v in loss['params'].items())} |")
    if loss.get("matryoshka_dims"):
        lines.append(f"| matryoshka dims | {', '.join(map(str, loss['matryoshka_dims']))} |")
    lines.append(f"| strategy | {strategy.get('name', 'full')} |")
    if strategy.get("params"):
        lines.append(f"| strategy parameters | {', '.join(f'{k}={v}' for k, v in strategy['params'].items())} |")
    for key in ("epochs", "batch_size", "learning_rate", "warmup_ratio", "weight_decay", "lr_scheduler", "max_steps"):
        if key in hyper and hyper[key] is not None and not (key == "max_steps" and hyper[key] in (-1, 0)):
            lines.append(f"| {key.replace('_', ' ')} | {hyper[key]} |")
    lines.append(f"| seed | {cfg.get('seed', '-')} |")
    if status.get("step") is not None:
        lines.append(f"| steps trained | {status['step']} |")
    lines.append(f"| run status | {status.get('status', 'unknown')} |")
    lines.append("")

    rows = card_metrics(run_dir)
    if rows:
        lines += ["## Validation: base vs tuned", "", "| metric | base | tuned | change |", "|---|---|---|---|"]
        for n, b, t in rows:
            change = f"{t - b:+.4f}" if (b is not None and t is not None) else "-"
            lines.append(f"| {n} | {_fmt(b)} | {_fmt(t)} | {change} |")
        lines.append("")
    elif status.get("baseline") is not None:
        lines += ["## Validation", "", f"{status.get('main_metric')}: base {_fmt(_num(status.get('baseline')))}, "
                  f"best {_fmt(_num(status.get('best_metric')))}, final {_fmt(_num(status.get('final_metric')))}.", ""]

    table = _metrics_json_table(_read_json(run_dir / "metrics.json"))
    if table:
        lines += ["## Evaluation", "", *table, ""]

    lines += ["## Usage", "", "```python", "from sentence_transformers import SentenceTransformer", "",
              'model = SentenceTransformer("path/to/this/folder")',
              'embeddings = model.encode(["猪的饲料需要多少蛋白?", "How much protein does pig feed need?"])',
              "```", ""]
    return "\n".join(lines)
