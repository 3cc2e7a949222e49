"""The Export tab's ``export_onnx`` endpoint through gradio_client, with a run holding the tiny model: a good call
(zip with the ONNX folder, the report table, the chart) and bad calls (no saved model, bad dimensions, no run) as one
sentence."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.core.export.conftest import write_run_with_test_split
from tests.ui.test_export_tab import _make_run

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def onnx_studio(studio, tiny_model_path):
    """The session's studio (no studio of its own: a launch costs seconds) with this module's runs: 'onnx-run' holding
    the tiny model, 'onnx-no-model' without a saved model, 'test-split-run' whose data has a test split."""
    from gradio_client import Client

    runs, sample = studio["runs"], studio["sample"]
    _make_run(runs, "onnx-run", tiny_model_path, sample / "train.jsonl")
    _make_run(runs, "onnx-no-model", None, sample / "train.jsonl")
    write_run_with_test_split(runs, "test-split-run", tiny_model_path, matryoshka_dims=[32, 8])
    return dict(studio, client=Client(studio["url"], verbose=False))


def test_export_onnx_good(onnx_studio):
    c = onnx_studio["client"]
    z, table, chart, note = c.predict("onnx-run", "final", False, True, "16", "en", api_name="/export_onnx")
    runs = Path(onnx_studio["runs"]).resolve()
    assert runs not in Path(z).resolve().parents
    with zipfile.ZipFile(z) as zf:
        names = zf.namelist()
    for name in ("model.onnx", "model.int8.onnx", "tokenizer.json", "onnx_config.json", "README.md"):
        assert f"onnx-run-final-onnx/{name}" in names, names
    headers, rows = table["headers"], table["data"]
    assert headers[:4] == ["variant", "precision", "dim", "cosine_to_torch"]
    assert [r[0] for r in rows] == ["fp32", "fp32-16", "int8", "int8-16"]
    assert rows[0][3] >= 0.99 and all(r[3] >= 0.9 for r in rows)
    assert Path(chart).read_bytes()[:4] == b"\x89PNG"
    # the report table on the page follows the language switch: same rows, Chinese headers
    _, table_zh, _picker = c.predict("zh", api_name="/export_language")
    assert table_zh["headers"][:4] == ["版本", "精度", "维度", "与 torch 的余弦相似度"] and table_zh["data"] == rows
    # this run's data has no test split: the note says so, and the table has no NDCG@10
    assert note == ("No NDCG@10: the run 'onnx-run' has no retrieval test split; cosine to torch is measured on 32 "
                    "built-in check texts.")
    assert "ndcg@10" not in headers


def test_export_onnx_measures_the_runs_test_split(onnx_studio):
    """A run with a test split and Matryoshka dimensions: NDCG@10 on that split, its dimensions by default."""
    c = onnx_studio["client"]
    _, table, _, note = c.predict("test-split-run", "delivered", False, False, "", "zh", api_name="/export_onnx")
    # its 8 test queries search every passage the run knows: their own 8 and the 32 it trained and validated on
    assert note.startswith("NDCG@10 在运行 'test-split-run' 的测试集上测得（8 条查询，40 段文本）。 这里用的是该运行自己的测试行")
    assert "所以两处的 NDCG@10 可能略有差异" in note  # why Evaluate's number on a BEIR folder can differ
    rows = table["data"]
    assert [r[0] for r in rows] == ["fp32", "fp32-8"]
    ndcg = table["headers"].index("NDCG@10") if "NDCG@10" in table["headers"] else table["headers"].index("ndcg@10")
    assert all(0 <= r[ndcg] <= 1 for r in rows)
    # the truncated variant against fp32 at full dimension, paired over the same 8 queries, its verdict in Chinese
    gain, verdict = table["headers"].index("ndcg@10 相对 fp32（95% 置信区间）"), table["headers"].index("结论")
    assert rows[0][gain] == "" and rows[0][verdict] == ""
    assert rows[1][gain].startswith(("+", "-")) and " [" in rows[1][gain]
    assert rows[1][verdict] in ("更好", "更差", "无可检测差异")
    _, table_en, _picker = onnx_studio["client"].predict("en", api_name="/export_language")
    assert table_en["headers"][gain:verdict + 1] == ["ndcg@10 vs fp32 (95% CI)", "verdict"]
    assert table_en["data"][1][gain] == rows[1][gain] and table_en["data"][1][verdict] in ("better", "worse",
                                                                                             "no difference")


def test_export_onnx_bad(onnx_studio):
    from gradio_client.exceptions import AppError

    c = onnx_studio["client"]
    with pytest.raises(AppError, match="has no saved model yet"):
        c.predict("onnx-no-model", "final", False, False, "", "en", api_name="/export_onnx")
    with pytest.raises(AppError, match=r"The dimension 64 is out of range for this model \(expected 1 to 32\)"):
        c.predict("onnx-run", "final", False, False, "64", "en", api_name="/export_onnx")
    with pytest.raises(AppError, match="^截断维度：维度必须是不小于 1 的整数"):
        c.predict("onnx-run", "final", False, False, "abc", "zh", api_name="/export_onnx")
    with pytest.raises(AppError, match=r"^Truncated dimensions: the dimensions must be whole numbers of at least 1, "
                                       r"separated by commas \(e\.g\. 256,128\), got '-5'\.$"):  # no CLI flag in the page
        c.predict("onnx-run", "final", False, False, "-5", "en", api_name="/export_onnx")
