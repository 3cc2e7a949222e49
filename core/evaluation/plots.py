"""PNG charts with matplotlib (Agg backend, no display needed).

- ``bar_chart(result, path, metrics=None)``: grouped bars, one group per metric, one bar per model.
- ``score_histograms(distributions, path)``: overlaid histograms of positive vs negative cosine scores, one panel
  per model, with the suggested threshold drawn.
- ``curve_chart(points, band, metric, path)``: a training run's validation curve with the base model's level and
  each evaluation's 95% interval shaded.
Axis and legend words come from ``words`` (``CHART_WORDS`` keys; English by default): the UI passes the page
language's words (``ui.strings.chart_words``). Labels may be Chinese: a CJK font is used when one is installed; otherwise missing glyphs render as boxes and
matplotlib's missing-glyph warnings are silenced (never an error).
"""

from __future__ import annotations

import io
import logging
import os
import threading
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Optional

import numpy as np

from core.paths import atomic_write_bytes

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
             "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "AR PL UMing CN", "AR PL UKai CN", "Droid Sans Fallback",
             "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC", "Arial Unicode MS")
_CONFIGURED = False
_CONFIGURE_LOCK = threading.Lock()
# the words every chart draws, by key; callers give their own (another language) through ``words=``
CHART_WORDS: dict[str, str] = {
    "score": "score", "evaluation": "Evaluation", "cosine": "cosine similarity", "density": "density",
    "negative": "negative", "hard_negative": "hard negative (top-scored non-relevant)", "positive": "positive",
    "threshold": "threshold", "alpha": "α  (0 = base, 1 = tuned)", "domain": "domain", "general": "general",
    "band": "shaded: 95% interval of the change from α 0",
    "dimension": "embedding dimension", "onnx_title": "ONNX: {metric} by dimension and precision",
    "texts_per_s": "texts/s", "models_title": "Base models on {queries} validation queries, {passages} passages",
    "step": "step", "base_model": "base model",
    "curve_band": "shaded: 95% interval of the gain over the base model, paired over {n} validation queries",
}


def chart_word(key: str, words: Optional[Mapping[str, str]] = None, **fmt) -> str:
    """``words[key]`` (else the English ``CHART_WORDS[key]``), ``{placeholders}`` filled from ``fmt``."""
    text = (words or {}).get(key) or CHART_WORDS[key]
    return text.format(**fmt) if fmt else text


def _configure() -> None:
    """Set matplotlib's Agg backend and a CJK-capable font list, once per process (thread-safe)."""
    global _CONFIGURED
    with _CONFIGURE_LOCK:
        if _CONFIGURED:
            return
        import matplotlib
        from matplotlib import font_manager

        matplotlib.use("Agg")
        available = {f.name for f in font_manager.fontManager.ttflist}
        if not any(name in available for name in CJK_FONTS):
            available |= _add_system_cjk_fonts(font_manager)
        cjk = [name for name in CJK_FONTS if name in available]
        rc = matplotlib.rcParams
        rc["font.sans-serif"] = cjk + ["DejaVu Sans"] + [
            f for f in rc.get("font.sans-serif", []) if f not in cjk and f != "DejaVu Sans"]
        rc["font.family"] = "sans-serif"
        rc["axes.unicode_minus"] = False
        logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
        _CONFIGURED = True


def new_figure(figsize: tuple[float, float], ncols: int = 1, **subplots: Any) -> tuple[Any, Any]:
    """``(figure, axes)`` for one chart: ``ncols`` 1 gives one axes, more give ``fig.subplots(1, ncols, ...)``.

    Every chart is drawn on its own ``matplotlib.figure.Figure``, never through pyplot, whose figure registry is
    shared and not safe across threads: the studio draws charts from its live tick and from button handlers in
    the server's threads at once."""
    from matplotlib.figure import Figure

    _configure()
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(1, ncols, **subplots) if ncols > 1 or subplots else fig.subplots()


def colour_cycle() -> list[str]:
    """The default line and bar colours, in order."""
    import matplotlib

    _configure()
    return list(matplotlib.rcParams["axes.prop_cycle"].by_key().get("color", ["C0", "C1", "C2"]))


_CJK_FILE_HINTS = ("wqy", "noto", "cjk", "droid", "uming", "ukai", "simhei", "simsun", "msyh", "pingfang",
                   "hiragino", "sourcehan", "heiti")


def _add_system_cjk_fonts(font_manager: Any) -> set[str]:
    """Register the system's CJK font files with matplotlib and return their family names. Matplotlib keeps its
    font list in a cache made once; a font installed after that (``apt-get install fonts-wqy-zenhei``) is not in
    it, and Chinese labels drew as boxes."""
    names: set[str] = set()
    for path in font_manager.findSystemFonts():
        if any(hint in Path(path).name.lower() for hint in _CJK_FILE_HINTS):
            try:
                font_manager.fontManager.addfont(path)
                names.add(font_manager.FontProperties(fname=path).get_name())
            except Exception:  # noqa: BLE001 - an unreadable font file is skipped
                continue
    return names


def _save(fig: Any, path: str | os.PathLike, dpi: int = 110) -> Path:
    """Write ``fig`` (from ``new_figure``) as a PNG to ``path`` atomically and return the path."""
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*[Gg]lyph.*missing.*")
        warnings.filterwarnings("ignore", message=".*missing from (current )?font.*")
        fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    return atomic_write_bytes(path, buf.getvalue())


def bar_chart(result: Any, path: str | os.PathLike, metrics: Sequence[str] | None = None, title: str | None = None,
              words: Optional[Mapping[str, str]] = None) -> Path:
    """Grouped bar chart of ``result.metrics`` ({label: {metric: value}}) for ``metrics`` (default: all shared
    metrics in ``result.metric_order``). Writes a PNG to ``path`` and returns it."""
    labels = list(result.labels)
    names = list(metrics or getattr(result, "metric_order", None) or next(iter(result.metrics.values())).keys())
    names = [m for m in names if all(m in result.metrics[lb] for lb in labels)]
    if metrics is None:  # hit@k equals recall@k when every query has one relevant passage: show it once
        names = [m for m in names if not (m.startswith("hit@") and f"recall@{m[4:]}" in names and all(
            result.metrics[lb][m] == result.metrics[lb][f"recall@{m[4:]}"] for lb in labels))]
    x = np.arange(len(names))
    width = 0.8 / max(len(labels), 1)
    fig, ax = new_figure((max(6.0, 1.1 * len(names) + 2), 4.2))
    colors = colour_cycle()
    for i, lb in enumerate(labels):
        vals = [float(result.metrics[lb][m]) for m in names]
        bars = ax.bar(x + (i - (len(labels) - 1) / 2) * width, vals, width, label=lb, color=colors[i % len(colors)])
        for b, v in zip(bars, vals):
            if np.isfinite(v):
                ax.annotate(f"{v:.3f}", (b.get_x() + b.get_width() / 2, b.get_height()), ha="center", va="bottom",
                            fontsize=7, rotation=90 if len(labels) > 2 else 0, xytext=(0, 2), textcoords="offset points")
    ax.set_xticks(x)
    ax.set_xticklabels(names, rotation=20)
    finite = [float(v) for lb in labels for v in result.metrics[lb].values() if np.isfinite(v)]
    top = max([1.0] + finite) if finite and max(finite) > 1 else 1.0
    ax.set_ylim(min([0.0] + finite), top * 1.12)
    ax.set_ylabel(chart_word("score", words))
    ax.set_title(title or getattr(result, "title", "") or chart_word("evaluation", words))
    ax.legend(loc="upper left", fontsize=8, ncol=min(len(labels), 3))
    ax.grid(axis="y", alpha=0.3)
    return _save(fig, path)


def curve_chart(points: Sequence[tuple[int, float]], band: Sequence[tuple[int, float, float]], metric: str,
                path: str | os.PathLike, n_queries: Optional[int] = None,
                words: Optional[Mapping[str, str]] = None, title: Optional[str] = None) -> Path:
    """The validation curve of a training run: ``metric`` at each evaluation (``points``: (step, value), step 0 the
    base model), the base model's level across the run (dashed) and, where ``band`` is given ((step, low, high):
    each evaluation's 95% interval from its paired gain over the base, ``core.training.events.fold_events``), that
    interval shaded from the base at step 0, its legend saying it is paired over ``n_queries`` validation queries.
    ``title`` (optional) is drawn above the plot. Writes a PNG to ``path`` and returns it. The Train tab draws it
    from its live tick (``new_figure``)."""
    from matplotlib.ticker import MaxNLocator

    fig, ax = new_figure((6.4, 3.0))
    if title:
        ax.set_title(title, fontsize=10)
    drawn = ax.plot([s for s, _ in points], [v for _, v in points], marker="o", markersize=4, label=metric)[0]
    base = next((v for s, v in points if s == 0), None)
    if base is not None:
        ax.axhline(base, color="grey", linestyle="--", linewidth=1, label=chart_word("base_model", words))
        if band:
            at = [0] + [s for s, _, _ in band]
            ax.fill_between(at, [base] + [lo for _, lo, _ in band], [base] + [hi for _, _, hi in band],
                            color=drawn.get_color(), alpha=0.18, linewidth=0,
                            label=chart_word("curve_band", words, n=f"{n_queries:,}" if n_queries else "?"))
    ax.set_xlabel(chart_word("step", words))
    ax.set_ylabel(metric)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # steps are whole numbers
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)  # under the plot: no line hidden
    return _save(fig, path)


def score_histograms(distributions: Sequence[Any], path: str | os.PathLike, bins: int = 40,
                     words: Optional[Mapping[str, str]] = None) -> Path:
    """One panel per ``ScoreDistribution``: positive vs negative cosine histograms (density), AUC in the title,
    the F1-optimal threshold as a dashed line. Writes a PNG to ``path``."""
    n = max(len(distributions), 1)
    fig, axes = new_figure((5.0 * n, 3.6), ncols=n, sharey=False, squeeze=False)
    allv = np.concatenate([np.concatenate([d.positive, d.negative]) for d in distributions]) if distributions else np.zeros(1)
    lo, hi = (float(np.min(allv)), float(np.max(allv))) if allv.size else (-1.0, 1.0)
    edges = np.linspace(min(lo, 0.0) if lo < 0 else lo, hi if hi > lo else lo + 1e-3, bins + 1)
    for ax, d in zip(axes[0], distributions):
        if len(d.negative):
            ax.hist(d.negative, bins=edges, alpha=0.55, density=True, label=f"{chart_word('negative', words)} ({d.negative_source}, n={len(d.negative)})", color="#d62728")
        hard = getattr(d, "hard_negative", None)
        if hard is not None and len(hard):
            ax.hist(np.clip(hard, edges[0], edges[-1]), bins=edges, alpha=0.45, density=True,
                    label=f"{chart_word('hard_negative', words)} (n={len(hard)})", color="#ff7f0e")
        if len(d.positive):
            ax.hist(d.positive, bins=edges, alpha=0.55, density=True, label=f"{chart_word('positive', words)} (n={len(d.positive)})", color="#1f77b4")
        if np.isfinite(d.threshold_f1):
            ax.axvline(d.threshold_f1, ls="--", color="black", lw=1, label=f"{chart_word('threshold', words)} {d.threshold_f1:.3f}")
        ax.set_title(f"{d.label}  (AUC {d.auc:.3f})", fontsize=10)
        ax.set_xlabel(chart_word("cosine", words))
        ax.legend(fontsize=7)
    axes[0][0].set_ylabel(chart_word("density", words))
    return _save(fig, path)


__all__ = ["CHART_WORDS", "chart_word", "new_figure", "colour_cycle", "bar_chart", "curve_chart", "score_histograms"]
