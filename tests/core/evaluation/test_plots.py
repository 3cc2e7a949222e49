"""core.evaluation.plots: Chinese chart labels find a CJK font; what the validation curve draws."""

from pathlib import Path

import pytest


def test_a_cjk_font_installed_after_matplotlibs_cache_is_found_by_its_file(tmp_path):
    """Matplotlib's font list is a cache made once: a CJK font installed later was not in it and Chinese chart
    labels drew as boxes. The plots register the system's CJK font files themselves."""
    import os
    from types import SimpleNamespace

    from matplotlib import font_manager

    from core.evaluation.plots import _add_system_cjk_fonts

    wqy = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
    if not os.path.exists(wqy):
        if os.environ.get("CI"):
            pytest.fail(f"{wqy} is missing but CI is set: .ci/run installs fonts-wqy-zenhei")
        pytest.skip("fonts-wqy-zenhei is not installed")
    added = []
    fake = SimpleNamespace(findSystemFonts=lambda: [wqy, str(tmp_path / "DejaVuSans.ttf")],
                           fontManager=SimpleNamespace(addfont=added.append),
                           FontProperties=font_manager.FontProperties)
    assert _add_system_cjk_fonts(fake) == {"WenQuanYi Zen Hei"}
    assert added == [wqy]


def _drawn(monkeypatch):
    """Keep the figures the plots save (their lines, legend and axes are read after saving)."""
    import core.evaluation.plots as plots

    figures, save = [], plots._save

    def keep(fig, path):
        figures.append(fig)
        return save(fig, path)

    monkeypatch.setattr(plots, "_save", keep)
    return figures


def test_the_validation_curve_draws_the_base_level_and_each_evaluations_95_band_in_the_words_given(tmp_path,
                                                                                                   monkeypatch):
    from core.evaluation.plots import curve_chart

    figures = _drawn(monkeypatch)
    points, band = [(0, 0.5), (5, 0.58), (10, 0.6)], [(5, 0.54, 0.62), (10, 0.55, 0.65)]
    words = {"step": "步数", "base_model": "基础模型", "curve_band": "阴影：{n} 个验证查询"}
    out = curve_chart(points, band, "ndcg@10", tmp_path / "c.png", n_queries=1240, words=words)
    assert out.read_bytes().startswith(b"\x89PNG")
    ax = figures[-1].axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["ndcg@10", "基础模型", "阴影：1,240 个验证查询"]
    assert ax.get_xlabel() == "步数" and ax.get_ylabel() == "ndcg@10"
    curve, base = ax.get_lines()[:2]
    assert list(curve.get_xdata()) == [0, 5, 10] and list(curve.get_ydata()) == [0.5, 0.58, 0.6]
    assert list(base.get_ydata()) == [0.5, 0.5]  # the base model's level across the run
    # the shaded band starts at the base (no width at step 0) and spans each evaluation's interval
    (shade,) = ax.collections
    ys = shade.get_paths()[0].vertices[:, 1]
    assert min(ys) == 0.5 and max(ys) == 0.65  # from the base at step 0 up to the last evaluation's high end
    # without intervals (another metric, a run from before them): the curve and the base level only
    curve_chart(points, [], "ndcg@10", tmp_path / "plain.png")
    plain = figures[-1].axes[0]
    assert not plain.collections and [t.get_text() for t in plain.get_legend().get_texts()] == ["ndcg@10", "base model"]


def test_every_chart_is_drawn_without_pyplot_and_charts_drawn_at_once_from_threads_all_come_out(tmp_path, monkeypatch):
    """The studio draws charts from its live tick and from button handlers in the server's threads at once; pyplot's
    shared figure registry is not safe across threads (a fresh clone's CI saw a chart handler hang). Every chart
    function makes its own figure: pyplot's figure makers are made to fail here, and eight threads drawing the five
    kinds of chart together each get a whole PNG."""
    from concurrent.futures import ThreadPoolExecutor
    from types import SimpleNamespace

    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    from core.evaluation.plots import bar_chart, curve_chart, score_histograms
    from core.export.onnx import report_chart
    from core.training.delivery import blend_chart

    def refuse(*a, **k):
        raise AssertionError("a chart went through pyplot")

    for name in ("figure", "subplots", "gcf", "gca"):
        monkeypatch.setattr(plt, name, refuse)
    result = SimpleNamespace(labels=["base", "tuned"], metric_order=["ndcg@10", "mrr@10"],
                             metrics={"base": {"ndcg@10": 0.5, "mrr@10": 0.4}, "tuned": {"ndcg@10": 0.6, "mrr@10": 0.5}})
    rng = np.random.default_rng(0)
    dist = SimpleNamespace(label="base", positive=rng.normal(0.7, 0.1, 50), negative=rng.normal(0.3, 0.1, 200),
                           hard_negative=rng.normal(0.5, 0.1, 50), negative_source="random", threshold_f1=0.5, auc=0.9)
    curve = {"alphas": [0.0, 0.5, 1.0], "domain": [0.5, 0.6, 0.58], "general": {"en": [0.9, 0.9, 0.88]}}
    table = pd.DataFrame({"precision": ["fp32", "fp32", "int8", "int8"], "dim": [32, 64, 32, 64],
                          "ndcg@10": [0.5, 0.6, 0.49, 0.59]})
    charts = [lambda p: bar_chart(result, p), lambda p: score_histograms([dist, dist], p),
              lambda p: curve_chart([(0, 0.5), (5, 0.6)], [(5, 0.55, 0.65)], "ndcg@10", p, n_queries=10),
              lambda p: blend_chart(curve, p), lambda p: report_chart(table, p)]
    jobs = [(charts[i % len(charts)], tmp_path / f"chart-{i}.png") for i in range(40)]
    with ThreadPoolExecutor(8) as pool:
        out = list(pool.map(lambda job: job[0](job[1]), jobs))
    assert [Path(p) for p in out] == [p for _, p in jobs]
    for _, p in jobs:
        data = p.read_bytes()
        assert data.startswith(b"\x89PNG") and data.endswith(b"IEND\xaeB`\x82"), p.name
