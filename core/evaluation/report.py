"""A Markdown + HTML report of a ``ComparisonResult``, written into one folder (something to attach to a PR).

``write_report(result, folder, title=None, n_extremes=10) -> ReportFiles``
writes ``metrics.json`` and ``per_query.csv`` (``result.save``), ``chart.png`` (metric bars),
``score_histograms.png`` (positive vs negative cosine), ``report.md`` (images as relative files) and
``report.html`` (self-contained: images embedded as base64). All writes are atomic.
"""

from __future__ import annotations

import base64
import html
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from core.evaluation.compare import PER_QUERY_FILE
from core.evaluation.plots import bar_chart, score_histograms
from core.paths import atomic_write_text
from core.run_folder import METRICS_FILE

CHART_FILE, HISTOGRAMS_FILE = "chart.png", "score_histograms.png"
REPORT_MD, REPORT_HTML = "report.md", "report.html"
# every file ``write_report`` may write into its folder (the CLI refuses a folder holding one, unless --overwrite)
REPORT_FILES = (METRICS_FILE, PER_QUERY_FILE, CHART_FILE, HISTOGRAMS_FILE, REPORT_MD, REPORT_HTML)


@dataclass
class ReportFiles:
    folder: Path
    markdown: Path
    html: Path
    chart: Path
    histograms: Path | None
    metrics_json: Path
    per_query_csv: Path | None


def _fmt(v: Any, pct: bool = False) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)) or (v is pd.NA):
        return "–"
    if isinstance(v, float):
        return f"{v:+.1f}%" if pct else f"{v:.4f}"
    return str(v)


def _table_rows(result: Any) -> tuple[list[str], list[list[str]]]:
    table = result.table
    header = ["metric"] + [str(c) for c in table.columns]
    rows = []
    for metric, row in table.iterrows():
        cells = [str(metric)]
        for col in table.columns:
            v = row[col]
            if str(col).startswith("Δ% "):
                cells.append(_fmt(float(v) if v is not None else None, pct=True))
            elif str(col).startswith("Δ "):
                cells.append("–" if v is None or not math.isfinite(float(v)) else f"{float(v):+.4f}")
            elif str(col).startswith("verdict "):
                cells.append(str(v).replace("_", " ") if isinstance(v, str) else "–")
            else:
                cells.append(_fmt(float(v)))
        rows.append(cells)
    return header, rows


def _md_escape(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(_md_escape(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_escape(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _short(text: str, n: int = 120) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _extreme_rows(result: Any, df: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    header = ["query", "gold"] + [f"rank {lb}" for lb in result.labels] + ["change"]
    rows = []
    for _, r in df.iterrows():
        rows.append([_short(r["query"]), _short(r["gold"], 40)]
                    + [_fmt(r[f"rank:{lb}"]) for lb in result.labels]
                    + [_fmt(r[f"change:{result.tuned}"]) if pd.notna(r[f"change:{result.tuned}"]) else "–"])
    return header, rows


def _dist_rows(result: Any) -> tuple[list[str], list[list[str]]]:
    header = ["model", "positives (mean)", "negatives (mean)", "negatives from", "AUC", "threshold (max F1)",
              "F1 there", "threshold (Youden J)"]
    rows = []
    for d in result.distributions:
        s = d.summary()
        rows.append([d.label, f"{s['n_positive']} ({_fmt(s['positive_mean'])})",
                     f"{s['n_negative']} ({_fmt(s['negative_mean'])})", d.negative_source, _fmt(d.auc),
                     _fmt(d.threshold_f1), _fmt(d.f1_at_threshold), _fmt(d.threshold_youden)])
    return header, rows


def write_report(result: Any, folder: str | Path, title: str | None = None, n_extremes: int = 10) -> ReportFiles:
    """Write the report files for ``result`` into ``folder`` and return their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    saved = result.save(folder)
    title = title or f"Embedding evaluation: {result.title}"
    chart = bar_chart(result, folder / CHART_FILE)
    hist = score_histograms(result.distributions, folder / HISTOGRAMS_FILE) if result.distributions else None
    th, tr = _table_rows(result)
    dh, dr = _dist_rows(result)
    improved = result.most_improved(n_extremes) if result.per_query is not None else pd.DataFrame()
    degraded = result.most_degraded(n_extremes) if result.per_query is not None else pd.DataFrame()

    # ---- Markdown
    md = [f"# {title}", "", f"**Data:** {result.dataset} ({result.summary}); **main metric:** `{result.main_metric}`; "
          f"**base:** `{result.base}`.", ""]
    if result.guard_message:
        md += [f"> ⚠️ **{result.guard_message}**", ""]
    md += [result.headline, ""] + [f"**Verdict:** {line}  " for line in result.verdict_lines()]
    md += ["", "## Metrics", "", _md_table(th, tr), "", "![metrics](chart.png)", ""]
    if hist is not None:
        md += ["## Score distributions", "", _md_table(dh, dr), "", "![score histograms](score_histograms.png)", ""]
    if len(result.labels) > 1 and result.per_query is not None:
        for name, df in (("Most improved queries", improved), ("Most degraded queries", degraded)):
            md += [f"## {name} ({result.tuned} vs {result.base})", ""]
            md += [_md_table(*_extreme_rows(result, df)) if len(df) else "_none_", ""]
        md += ["Ranks are the position of the first relevant passage over the whole corpus; change = base rank − "
               "tuned rank (positive = better). All queries: `per_query.csv`.", ""]
    md_path = atomic_write_text(folder / REPORT_MD, "\n".join(md))

    # ---- HTML
    def img(path: Path | None, alt: str) -> str:
        if path is None:
            return ""
        data = base64.b64encode(Path(path).read_bytes()).decode("ascii")
        return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'

    parts = [f"<h1>{html.escape(title)}</h1>",
             f"<p><b>Data:</b> {html.escape(str(result.dataset))} ({html.escape(result.summary)}); <b>main metric:</b> "
             f"<code>{html.escape(result.main_metric)}</code>; <b>base:</b> <code>{html.escape(result.base)}</code>.</p>"]
    if result.guard_message:
        parts.append(f'<p class="warn">⚠️ {html.escape(result.guard_message)}</p>')
    parts += [f"<p>{html.escape(result.headline)}</p>"] + [
        f"<p><b>Verdict:</b> {html.escape(line)}</p>" for line in result.verdict_lines()]
    parts += ["<h2>Metrics</h2>", _html_table(th, tr), img(chart, "metrics")]
    if hist is not None:
        parts += ["<h2>Score distributions</h2>", _html_table(dh, dr), img(hist, "score histograms")]
    if len(result.labels) > 1 and result.per_query is not None:
        for name, df in (("Most improved queries", improved), ("Most degraded queries", degraded)):
            parts.append(f"<h2>{html.escape(name)} ({html.escape(result.tuned)} vs {html.escape(result.base)})</h2>")
            parts.append(_html_table(*_extreme_rows(result, df)) if len(df) else "<p><i>none</i></p>")
    style = ("body{font-family:system-ui,'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;max-width:1100px;"
             "margin:2em auto;padding:0 1em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
             "padding:4px 8px;text-align:left;font-size:14px}th{background:#f3f3f3}img{max-width:100%}"
             ".warn{background:#fee;border:2px solid #c00;padding:8px;font-weight:bold}")
    doc = (f'<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
           f"<style>{style}</style></head><body>{''.join(parts)}</body></html>")
    html_path = atomic_write_text(folder / REPORT_HTML, doc)
    return ReportFiles(folder=folder, markdown=md_path, html=html_path, chart=chart, histograms=hist,
                       metrics_json=saved["metrics"], per_query_csv=saved.get("per_query"))


__all__ = ["write_report", "ReportFiles"]
