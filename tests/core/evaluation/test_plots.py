"""core.evaluation.plots: Chinese chart labels find a CJK font."""

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
