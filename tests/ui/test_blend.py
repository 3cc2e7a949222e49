"""The Evaluate tab's "Blend base ↔ tuned" section through gradio_client: the curve and the blend export."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from core.run_folder import CONFIG_FILE, FINAL_DIR

pytestmark = pytest.mark.timeout(900)  # setup trains a tiny run in-process


def _tiny_beir(folder: Path, pairs) -> Path:
    folder.mkdir(parents=True)
    (folder / "qrels").mkdir()
    (folder / "corpus.jsonl").write_text("".join(
        json.dumps({"_id": f"d{i}", "title": "", "text": p}, ensure_ascii=False) + "\n" for i, (_, p) in enumerate(pairs)), encoding="utf-8")
    (folder / "queries.jsonl").write_text("".join(
        json.dumps({"_id": f"q{i}", "text": q}, ensure_ascii=False) + "\n" for i, (q, _) in enumerate(pairs)), encoding="utf-8")
    (folder / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"q{i}\td{i}\t1\n" for i in range(len(pairs))), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def blend_run(studio, tmp_path_factory):
    """A finished tiny run in the studio's runs folder whose config names a general-domain folder."""
    from core.training import TrainConfig, run_training
    from tests.conftest import tiny_pairs

    general = tmp_path_factory.mktemp("general")
    pairs = tiny_pairs(40, seed=7)
    _tiny_beir(general / "general_en", [p for p in pairs if p[0][0].isascii()])
    _tiny_beir(general / "general_zh", [p for p in pairs if not p[0][0].isascii()])
    cfg = TrainConfig(name="blend-run", model=studio["model"])
    cfg.data.train = [str(studio["sample"] / "train.jsonl")]
    cfg.data.validation = [str(studio["sample"] / "validation.jsonl")]
    cfg.data.general = str(general)
    cfg.hyper.batch_size = 8
    cfg.hyper.learning_rate = 5e-4
    cfg.hyper.max_steps = 4
    cfg.eval.eval_steps = 2
    status = run_training(cfg, studio["runs"] / "blend-run")
    assert status["status"] == "completed", status
    return studio["runs"] / "blend-run"


@pytest.fixture(scope="module")
def client(studio):
    from gradio_client import Client

    c = Client(studio["url"], verbose=False)
    c.predict("sample", "train.jsonl", None, None, "en", 1, 10, api_name="/data_load")
    return c


def test_blend_curve_and_export(client, blend_run, tmp_path):
    import torch
    from sentence_transformers import SentenceTransformer

    from core.models.merge import interpolate

    png, table = client.predict("blend-run", None, api_name="/evaluate_blend")
    assert Path(png).is_file() and Path(png).stat().st_size > 1000
    import re

    heads = table["headers"]
    assert heads[0] == "α" and len(heads) == 7, heads
    m = re.fullmatch(r"domain ndcg@10 \((\d+) queries, (\d+) passages\)", heads[1])
    assert m and int(m.group(1)) > 0 and int(m.group(2)) >= int(m.group(1)), heads[1]
    assert heads[2:] == ["domain vs α 0 (95% CI)", "general en ndcg@10 (20 queries, 20 passages)", "general en vs α 0 (95% CI)",
                         "general zh ndcg@10 (20 queries, 20 passages)", "general zh vs α 0 (95% CI)"]
    rows = table["data"]
    assert [r[0] for r in rows] == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert all(0.0 <= float(r[i]) <= 1.0 for r in rows for i in (1, 3, 5))
    assert [rows[0][i] for i in (2, 4, 6)] == ["+0.0000 [+0.0000, +0.0000]"] * 3, "α 0 is the base: no change"
    for r in rows[1:]:  # each α's change from the base over the same queries, inside its interval
        for i in (2, 4, 6):
            d, lo, hi = (float(x) for x in re.fullmatch(r"([+-]\d\.\d{4}) \[([+-]\d\.\d{4}), ([+-]\d\.\d{4})\]", r[i]).groups())
            assert lo <= d <= hi and abs(d - (float(r[i - 1]) - float(rows[0][i - 1]))) < 2e-4, r
    # α = 0 is the base model: the same NDCG@10 as the Evaluate table's base column on the same set
    ev = client.predict("blend-run", None, "en", api_name="/evaluate")
    base_ndcg = next(r[1] for r in ev[1]["data"] if r[0] == "ndcg@10")
    assert abs(float(base_ndcg) - rows[0][1]) < 1e-3, (base_ndcg, rows[0])
    # the tables on the page follow the language switch: the blend table is evaluate_language's output before
    # the two redrawn charts
    *_, blend_zh, _bars, _hist = client.predict("zh", api_name="/evaluate_language")
    assert blend_zh["headers"][1] == f"领域 ndcg@10（{m.group(1)} 个查询，{m.group(2)} 个段落）"
    assert blend_zh["headers"][2:] == ["领域 相对 α 0 的变化（95% 置信区间）", "通用（en）ndcg@10（20 个查询，20 个段落）",
                                       "通用（en）相对 α 0 的变化（95% 置信区间）", "通用（zh）ndcg@10（20 个查询，20 个段落）",
                                       "通用（zh）相对 α 0 的变化（95% 置信区间）"]
    assert blend_zh["data"] == rows

    z = client.predict("blend-run", 0.25, api_name="/evaluate_blend_export")
    assert z.endswith("blend-0.25.zip")
    with zipfile.ZipFile(z) as zf:
        zf.extractall(tmp_path / "unz")
    folder = next(p.parent for p in (tmp_path / "unz").rglob("modules.json"))
    loaded = SentenceTransformer(str(folder), device="cpu")
    from core.training import TrainConfig

    base = TrainConfig.load(blend_run / CONFIG_FILE).model
    want = interpolate(base, str(blend_run / FINAL_DIR), 0.25).state_dict()
    got = loaded.state_dict()
    assert set(got) == set(want) and all(torch.equal(got[k], want[k]) for k in want)


def test_blend_bad_input_is_one_sentence(client, blend_run):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="Choose a trained run first"):
        client.predict(None, None, api_name="/evaluate_blend")
    with pytest.raises(AppError, match="There is no run named"):
        client.predict("no-such-run", 0.5, api_name="/evaluate_blend_export")
    with pytest.raises(AppError, match=r"^α \(0 = base, 1 = tuned\): 1\.5 cannot be used here; expected a number from 0 to 1\.$"):
        client.predict("blend-run", 1.5, api_name="/evaluate_blend_export")


def test_the_blend_curve_leaves_out_the_queries_the_run_trained_on(client, blend_run, studio):
    """As Evaluate does: a copy of the run whose training data holds five of the test queries draws its domain
    curve over the other test queries."""
    import re
    import shutil

    from core.evaluation import load_evalset
    from core.training import TrainConfig

    rd = studio["runs"] / "blend-leak"
    shutil.copytree(blend_run, rd)
    try:
        rows = (studio["sample"] / "test.jsonl").read_text(encoding="utf-8").splitlines()
        (rd / "five-test-rows.jsonl").write_text("\n".join(rows[:5]) + "\n", encoding="utf-8")
        cfg = TrainConfig.load(rd / CONFIG_FILE)
        cfg.name, cfg.data.train, cfg.data.validation = "blend-leak", [str(rd / "five-test-rows.jsonl")], []
        cfg.save(rd / CONFIG_FILE)
        n_test = len(load_evalset(studio["sample"] / "beir").queries)
        _png, table = client.predict("blend-leak", None, api_name="/evaluate_blend")
        m = re.fullmatch(r"domain ndcg@10 \((\d+) queries, (\d+) passages\)", table["headers"][1])
        assert m and int(m.group(1)) == n_test - 5, (table["headers"][1], n_test)
    finally:
        shutil.rmtree(rd, ignore_errors=True)
