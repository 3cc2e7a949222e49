"""ONNX export on the tiny model: fp32 and int8 close to torch, Matryoshka truncation, a torch-free loader in a
subprocess, the CLI end to end with a BEIR folder, and bad input as one sentence."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.errors import StudioError
from core.export.onnx import CHECK_TEXTS, export_onnx, report_chart
from core.export.onnx_encode import encode_onnx
from core.run_folder import CONFIG_FILE, FINAL_DIR
from core.training import TrainConfig
from tests.conftest import ROOT
from tests.core.export.conftest import write_beir, write_run_with_test_split

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def exported(tiny_model_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("onnx") / "out"
    return export_onnx(tiny_model_path, out, int8=True, dims=[16])


def _torch_emb(model_path, texts):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_path), device="cpu").encode(texts, convert_to_numpy=True)


def _cos(a, b):
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return np.sum(a * b, axis=1)


def test_folder_contents_and_config(exported, tiny_model_path):
    out = exported.out_dir
    for name in ("model.onnx", "model.int8.onnx", "tokenizer.json", "onnx_config.json", "README.md"):
        assert (out / name).is_file(), name
    cfg = json.loads((out / "onnx_config.json").read_text())
    assert cfg["pooling"] == "mean" and cfg["normalize"] is True
    assert cfg["inputs"][:2] == ["input_ids", "attention_mask"]
    assert cfg["embedding_dimension"] == 32 and cfg["max_seq_length"] > 0
    assert "onnxruntime" in (out / "README.md").read_text() and "import torch" not in (out / "README.md").read_text()


class _WidthSpy:
    """An onnxruntime session that records the sequence width of every batch it runs."""

    def __init__(self, folder):
        import onnxruntime as ort

        self.sess, self.widths = ort.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"]), []

    def get_inputs(self):
        return self.sess.get_inputs()

    def run(self, names, feeds):
        self.widths.append(feeds["input_ids"].shape[1])
        return self.sess.run(names, feeds)


def test_the_loader_batches_texts_by_length_and_returns_them_in_the_callers_order(exported):
    long = "the sow farrowed twelve piglets and two were weak " * 6
    texts = [long, "pig", long + "again", "feed", long + "once more", "sow"]
    spy = _WidthSpy(exported.out_dir)
    got = encode_onnx(exported.out_dir, texts, batch_size=2, session=spy)
    assert spy.widths[-1] < 10 < spy.widths[0]  # the short texts share a batch instead of padding to a long one
    assert sorted(spy.widths, reverse=True) == spy.widths
    alone = np.concatenate([encode_onnx(exported.out_dir, [t]) for t in texts])
    assert np.allclose(got, alone, atol=1e-5)


def test_fp32_int8_and_dims_close_to_torch(exported, tiny_model_path):
    texts = CHECK_TEXTS[:10]
    ref = _torch_emb(tiny_model_path, texts)
    fp32 = encode_onnx(exported.out_dir, texts)
    assert fp32.shape == ref.shape
    assert _cos(fp32, ref).min() >= 0.99
    int8 = encode_onnx(exported.out_dir, texts, variant="int8")
    assert _cos(int8, ref).mean() >= 0.9
    d16 = encode_onnx(exported.out_dir, texts, dim=16)
    assert d16.shape == (10, 16)
    assert np.allclose(np.linalg.norm(d16, axis=1), 1.0, atol=1e-5)
    assert _cos(d16, ref[:, :16]).min() >= 0.99
    table = exported.table
    assert list(table["variant"]) == ["fp32", "fp32-16", "int8", "int8-16"]
    assert (table["cosine_to_torch"] >= 0.9).all() and table.loc[0, "cosine_to_torch"] >= 0.99
    assert table.loc[2, "size_mb"] < table.loc[0, "size_mb"]
    assert (table["texts_per_s"] > 0).all()


def test_chart_png(exported, tmp_path):
    path = report_chart(exported.table, tmp_path / "c.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_loads_with_onnxruntime_alone(exported, tiny_model_path, tmp_path):
    """A subprocess where torch cannot be imported encodes with the exported folder; same vectors as here."""
    texts = CHECK_TEXTS[:4]
    np.save(tmp_path / "here.npy", encode_onnx(exported.out_dir, texts))
    code = (
        "import sys, json; sys.modules['torch'] = None\n"
        "import numpy as np\n"
        "from core.export.onnx_encode import encode_onnx\n"
        f"e = encode_onnx({str(exported.out_dir)!r}, {texts!r}, variant='int8')\n"
        f"f = encode_onnx({str(exported.out_dir)!r}, {texts!r})\n"
        f"np.save({str(tmp_path / 'there.npy')!r}, f)\n"
        "assert 'transformers' not in sys.modules and 'sentence_transformers' not in sys.modules\n"
        "print(json.dumps(list(e.shape)))\n"
    )
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout.strip().splitlines()[-1]) == [4, 32]
    assert np.allclose(np.load(tmp_path / "there.npy"), np.load(tmp_path / "here.npy"), atol=1e-5)


def test_readme_loader_example_runs_with_onnxruntime_alone(exported, tiny_model_path, tmp_path):
    """The README's own example, run as written from inside the exported folder in a process where torch,
    transformers and the project cannot be imported: its vectors match torch's (cosine >= 0.99)."""
    readme = (exported.out_dir / "README.md").read_text(encoding="utf-8")
    code = readme.split("```python\n", 1)[1].split("```", 1)[0]
    texts = CHECK_TEXTS[:6]
    script = tmp_path / "loader.py"
    script.write_text(
        "import sys\nfor m in ('torch', 'transformers', 'sentence_transformers', 'core'):\n    sys.modules[m] = None\n"
        + code + f"\nnp.save({str(tmp_path / 'readme.npy')!r}, encode({texts!r}))\n"
        + f"np.save({str(tmp_path / 'readme16.npy')!r}, encode({texts!r}, dim=16))\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    res = subprocess.run([sys.executable, "-I", str(script)], cwd=exported.out_dir, env=env, capture_output=True,
                         text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    ref = _torch_emb(tiny_model_path, texts)
    assert _cos(np.load(tmp_path / "readme.npy"), ref).min() >= 0.99
    d16 = np.load(tmp_path / "readme16.npy")
    assert d16.shape == (6, 16) and _cos(d16, ref[:, :16]).min() >= 0.99


def _beir(folder: Path) -> Path:
    return write_beir(folder)


def test_cli_end_to_end_with_data(tiny_model_path, tmp_path):
    data = _beir(tmp_path / "beir")
    out = tmp_path / "cli-out"
    res = subprocess.run([sys.executable, "-m", "core", "export-onnx", str(tiny_model_path), "--out", str(out),
                          "--int8", "--dims", "16,8", "--data", str(data)],
                         cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert res.returncode == 0, res.stderr
    assert "ndcg@10" in res.stdout and "int8-8" in res.stdout and "fp32-16" in res.stdout
    assert f"NDCG@10 on {data} (4 queries, 4 passages, 4 relevant pairs)." in res.stdout
    assert (out / "onnx_report.png").is_file() and (out / "model.int8.onnx").is_file()
    table = pd.read_csv(out / "onnx_report.csv")
    assert len(table) == 6 and table["ndcg@10"].between(0, 1).all()


def test_cli_run_name(tiny_model_path, tmp_path, tmp_runs):
    run = tmp_runs / "onnx-run"
    run.mkdir(parents=True)
    shutil.copytree(tiny_model_path, run / FINAL_DIR)
    (run / CONFIG_FILE).write_text("name: onnx-run\n")
    from core.cli import main

    assert main(["export-onnx", "onnx-run", "--out", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "model.onnx").is_file()


def test_cli_run_is_measured_on_its_test_split_with_its_matryoshka_dims(tiny_model_path, tmp_path, tmp_runs, capsys):
    """A run exported without --data / --dims: NDCG@10 on the run's own test split (the same number torch gets
    there) and the Matryoshka dimensions it was trained with."""
    from sentence_transformers import SentenceTransformer

    from core.cli import main
    from core.training.data import run_split_evalset
    from core.training.delivery import per_query_ndcg

    run = write_run_with_test_split(tmp_runs, "mrl-run", tiny_model_path, matryoshka_dims=[32, 16])
    assert main(["export-onnx", "mrl-run", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    test = run_split_evalset(run, "test")
    assert (f"NDCG@10 on the test split of the run 'mrl-run' ({len(test.queries)} queries, {len(test.corpus)} "
            "passages).") in out
    table = pd.read_csv(tmp_path / "o" / "onnx_report.csv")
    assert list(table["variant"]) == ["fp32", "fp32-16"]
    torch_ndcg = np.mean(per_query_ndcg(SentenceTransformer(str(run / "final"), device="cpu"), test))
    assert abs(table.loc[0, "ndcg@10"] - torch_ndcg) < 0.02, (table.loc[0, "ndcg@10"], torch_ndcg)
    # the truncated variant against fp32 at full dimension, paired over the same queries: its difference (the
    # NDCG@10 columns' own), the interval around it, and whether it is beyond noise; fp32 itself is the reference
    from core.export.onnx import REFERENCE_GAIN, VERDICT

    assert pd.isna(table.loc[0, REFERENCE_GAIN]) and pd.isna(table.loc[0, VERDICT])
    diff, low, high = (float(x) for x in re.fullmatch(r"([-+][\d.]+) \[([-+][\d.]+), ([-+][\d.]+)\]",
                                                        table.loc[1, REFERENCE_GAIN]).groups())
    assert diff == pytest.approx(table.loc[1, "ndcg@10"] - table.loc[0, "ndcg@10"], abs=2e-4)
    assert low <= diff <= high and table.loc[1, VERDICT] in ("better", "worse", "no_difference")
    assert json.loads((tmp_path / "o" / "onnx_config.json").read_text())["dims"] == [16]
    # the folder's README names the run with its model folder, not "final" alone
    assert (tmp_path / "o" / "README.md").read_text(encoding="utf-8").startswith("# ONNX export of `mrl-run/final`")
    # --data and --dims override the run's defaults; a run whose data no longer reads still exports, without NDCG
    data_file = Path(TrainConfig.load(run / "config.yaml").data.train[0])
    data_file.unlink()
    assert main(["export-onnx", "mrl-run", "--out", str(tmp_path / "o2"), "--dims", "8"]) == 0
    out = capsys.readouterr().out
    assert "No NDCG@10: the test split of the run 'mrl-run' cannot be rebuilt" in out and data_file.name in out
    assert list(pd.read_csv(tmp_path / "o2" / "onnx_report.csv")["variant"]) == ["fp32", "fp32-8"]


def test_cli_run_exports_its_delivered_model(tiny_model_path, tmp_path, tmp_runs, capsys):
    """A run with final/ and a different delivered/: the export is delivered/ (its vectors, not final's)."""
    import torch
    from sentence_transformers import SentenceTransformer

    run = write_run_with_test_split(tmp_runs, "deliv-run", tiny_model_path)
    model = SentenceTransformer(str(tiny_model_path), device="cpu")
    torch.manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(torch.randn_like(p) * 0.3)
    model.save(str(run / "delivered"))
    from core.cli import main

    assert main(["export-onnx", "deliv-run", "--out", str(tmp_path / "o")]) == 0
    assert f"exported {run / 'delivered'}" in capsys.readouterr().out
    texts = CHECK_TEXTS[:6]
    got = encode_onnx(tmp_path / "o", texts)
    assert _cos(got, _torch_emb(run / "delivered", texts)).min() >= 0.99
    assert _cos(got, _torch_emb(run / "final", texts)).min() < 0.99


def _one_sentence(err) -> str:
    text = str(err)
    assert "\n" not in text and text.endswith((".", ")")) and "Traceback" not in text
    return text


def test_bad_folder_is_one_sentence(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(StudioError) as err:
        export_onnx(tmp_path / "empty", tmp_path / "out")
    _one_sentence(err.value)
    assert not (tmp_path / "out").exists()
    with pytest.raises(StudioError) as err:
        export_onnx(tmp_path / "missing", tmp_path / "out")
    assert "does not exist" in _one_sentence(err.value)


def test_bad_dims_and_bad_cli(tiny_model_path, tmp_path):
    with pytest.raises(StudioError) as err:
        export_onnx(tiny_model_path, tmp_path / "out", dims=[64])
    assert "1 to 32" in _one_sentence(err.value)
    assert not (tmp_path / "out").exists()
    res = subprocess.run([sys.executable, "-m", "core", "export-onnx", str(tmp_path / "nope"), "--out",
                          str(tmp_path / "o2")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 2 and res.stderr.startswith("error: ") and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_encode_bad_folder(tmp_path):
    with pytest.raises(StudioError) as err:
        encode_onnx(tmp_path, ["x"])
    assert "onnx_config.json" in _one_sentence(err.value)


def test_out_that_is_a_file_is_refused_before_loading(tmp_path, capsys):
    from core.cli import main

    afile = tmp_path / "afile"
    afile.write_text("keep", encoding="utf-8")
    model = tmp_path / "no-model"
    (model).mkdir()
    (model / "modules.json").write_text("[]", encoding="utf-8")
    assert main(["export-onnx", str(model), "--out", str(afile)]) == 2
    assert capsys.readouterr().err == f"error: The output folder '{afile}' is a file (expected a folder).\n"
    assert afile.read_text(encoding="utf-8") == "keep"


def test_a_model_with_its_own_code_is_refused_in_one_line_saying_how_to_allow_it(tiny_model_path, tmp_path, capsys):
    """A folder whose config.json points at its own Python code (auto_map): refused without running it, one line,
    naming the opt-in flag."""
    from core.cli import main

    model = tmp_path / "custom"
    shutil.copytree(tiny_model_path, model)
    marker = tmp_path / "code-ran"
    (model / "custom_bert.py").write_text(f"open({str(marker)!r}, 'w').close()\n", encoding="utf-8")
    cfg = json.loads((model / "config.json").read_text(encoding="utf-8"))
    cfg.update(model_type="studiocustombert", auto_map={"AutoConfig": "custom_bert.Config", "AutoModel": "custom_bert.Model"})
    (model / "config.json").write_text(json.dumps(cfg), encoding="utf-8")
    assert main(["export-onnx", str(model), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err == (f"error: The model '{model}' runs its own Python code when loaded; read that code, then export with "
                   "--trust-remote-code to allow it.\n")
    assert not marker.exists()


def test_a_long_load_error_is_one_line_cut_between_words():
    from core.export.onnx import _one_line

    text = _one_line(ValueError("word " * 30 + "\n second line " + "x" * 300))
    assert "\n" not in text and len(text) <= 201 and text.endswith("word second line…")
    assert _one_line(ValueError("short\n  reason")) == "short reason"


@pytest.mark.parametrize("dims, bad", [("0,-5", "0"), ("16,-5", "-5"), ("1.5", "1.5"), ("x", "x")])
def test_cli_dims_must_be_whole_numbers_of_at_least_1(tiny_model_path, tmp_path, capsys, dims, bad):
    from core.cli import main

    out = tmp_path / "o"
    assert main(["export-onnx", str(tiny_model_path), "--out", str(out), "--dims", dims]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (f"error: --dims: the dimensions must be whole numbers of at least 1, separated by commas (e.g. "
                   f"256,128), got '{bad}'.")
    assert not out.exists()


def test_cli_plain_folder_is_said_to_be_neither_a_model_nor_a_run(tmp_path, tmp_runs, capsys):
    """Not "the run 'plain' has no saved model yet": nothing will ever appear in a folder that is not a run."""
    from core.cli import main

    plain = tmp_path / "plain"
    (plain / "notes").mkdir(parents=True)
    (tmp_runs / "half").mkdir(parents=True)  # a folder in the runs folder without config.yaml
    for value in (str(plain), "half"):
        assert main(["export-onnx", value, "--out", str(tmp_path / "o")]) == 2
        assert capsys.readouterr().err == (f"error: The folder '{value}' is neither a model folder (with modules.json) "
                                           "nor a run folder (with config.yaml).\n")
    assert not (tmp_path / "o").exists()
    run = tmp_runs / "waiting"
    run.mkdir()
    (run / CONFIG_FILE).write_text("name: waiting\n", encoding="utf-8")
    assert main(["export-onnx", "waiting", "--out", str(tmp_path / "o")]) == 2
    assert "The run 'waiting' has no saved model yet" in capsys.readouterr().err


def test_a_gain_whose_interval_leaves_out_zero_but_the_test_does_not_back_it_shows_its_p_value():
    """The review saw "-0.0231 [-0.0517, -0.0024] no_difference": an interval below 0 beside *no difference*. The
    cell now carries the paired test's p-value in exactly that case (both tests must agree for a verdict)."""
    from core.evaluation.stats import PairedDiff
    from core.export.onnx import gain_cell

    def diff(low, high, verdict, p):
        return PairedDiff(n=40, mean_a=0.5, mean_b=0.48, diff=(low + high) / 2, ci_low=low, ci_high=high, p_value=p,
                          verdict=verdict, needed_n=100)

    assert gain_cell(diff(-0.0517, -0.0024, "no_difference", 0.0712)) == "-0.0271 [-0.0517, -0.0024], p = 0.07"
    assert gain_cell(diff(-0.0517, -0.0024, "worse", 0.01)) == "-0.0271 [-0.0517, -0.0024]"
    assert gain_cell(diff(-0.03, 0.01, "no_difference", 0.4)) == "-0.0100 [-0.0300, +0.0100]"


def test_a_run_that_delivered_its_base_exports_no_matryoshka_dimensions_by_default(tiny_model_path, tmp_runs):
    """The config asked for Matryoshka, but the run delivered its base model, which never trained that way: the
    export does not report its cut dimensions as the run's unless --dims asks, and says why."""
    import shutil

    from core.export.onnx import run_onnx_inputs

    run = write_run_with_test_split(tmp_runs, "mrl-base", tiny_model_path, matryoshka_dims=[32, 16])
    assert run_onnx_inputs(run).dims == [32, 16]  # no delivery record: the run's own dimensions
    shutil.copytree(run / "final", run / "delivered")
    (run / "delivery.json").write_text(json.dumps({"delivered": "base", "is_base": True, "folder": "delivered"}))
    got = run_onnx_inputs(run)
    assert got.dims == [] and got.measured_on.endswith(
        "The run delivered its base model, which was not trained with Matryoshka, so its dimensions 32, 16 are not "
        "exported by default; give --dims to measure them.")
    assert run_onnx_inputs(run, dims=[16]).dims == [16]


def test_export_data_leaves_out_the_runs_own_queries_and_a_refused_export_leaves_no_folder(tiny_model_path, tmp_path,
                                                                                           tmp_runs, capsys):
    """``export-onnx RUN --data FILE`` measures on FILE's queries the run did not train or validate on (as
    ``compare`` does) and says how many it left out; an export refused after the checks (a dimension out of range,
    data that does not exist) leaves no empty output folder."""
    from core.cli import main
    from core.training import TrainConfig

    run = write_run_with_test_split(tmp_runs, "own-data", tiny_model_path)
    data = TrainConfig.load(run / "config.yaml").data.train[0]  # every row: 24 training, 8 validation, 8 test
    assert main(["export-onnx", "own-data", "--out", str(tmp_path / "o"), "--data", data]) == 0
    out = capsys.readouterr().out
    assert re.search(r"NDCG@10 on .*own-data-data\.jsonl \(8 queries, \d+ passages, \d+ relevant pairs; 32 training or "
                     r"validation queries of the run left out\)\.", out), out
    for flags in (["--dims", "99999"], ["--data", str(tmp_path / "nosuch.jsonl")]):
        assert main(["export-onnx", "own-data", "--out", str(tmp_path / "refused"), *flags]) == 2
        capsys.readouterr()
        assert not (tmp_path / "refused").exists(), flags
