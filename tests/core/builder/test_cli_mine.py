"""``python -m core mine | clean | split | export`` end to end on real and toy files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from core.builder.cli_mine import read_rows
from core.builder.dataset_files import load_beir
from core.cli import main
from core.data import load_data

ROOT = __import__("pathlib").Path(__file__).resolve().parents[3]


def _jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_mine_cli_on_t2ranking(shared_data, tmp_path, capsys):
    src = shared_data / "t2ranking_100/raw/t2rank_100.jsonl"
    rows = _jsonl(src)[:40]
    inp = tmp_path / "in.jsonl"
    inp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "mined.jsonl"
    code = main(["mine", "--in", str(inp), "--out", str(out), "--num-negatives", "3", "--range-min", "2",
                 "--range-max", "40", "--margin-rel", "0.05", "--quiet"])
    assert code == 0
    text = capsys.readouterr().out
    assert "candidates considered" in text and "suspected false negatives:" in text
    mined = _jsonl(out)
    assert len(mined) == 40
    for src_row, r in zip(rows, mined):
        assert r["query"] == src_row["query"] and len(r["neg"]) == 3
        assert not {n.strip() for n in r["neg"]} & {p.strip() for p in src_row["pos"]}
    report = json.loads((tmp_path / "mined.mining.json").read_text(encoding="utf-8"))
    s = report["stats"]
    assert s["kept"] == 120 and s["rank_window"] == [2, 40]
    assert s["considered"] == s["kept"] + s["not_sampled"] + sum(s["dropped"].values())
    assert len(report["suspected_false_negatives"]) == s["dropped"]["guard_rel"] + s["dropped"]["guard_abs"]
    assert f"suspected false negatives: {len(report['suspected_false_negatives'])}" in text
    assert load_data(out).format == "qpn"


def test_clean_and_export_cli(tmp_path, capsys):
    rows = [
        {"query": "What do pigs eat?", "pos": ["Pigs eat corn and soybean meal."], "neg": ["Banks lend money."], "farm": "A"},
        {"query": "What do pigs eat?", "pos": ["Pigs eat corn and soybean meal."], "neg": ["Rates rose."], "farm": "A"},
        {"query": "When are piglets weaned?", "pos": ["Piglets are weaned at 21 days."],
         "neg": ["Piglets are weaned at 21 days.", "Corn prices fell."], "farm": "B"},
    ]
    inp = tmp_path / "rows.jsonl"
    inp.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "clean.jsonl"
    assert main(["clean", "--in", str(inp), "--out", str(out), "--quiet"]) == 0
    cleaned = _jsonl(out)
    assert [r["query"] for r in cleaned] == ["What do pigs eat?", "When are piglets weaned?"]
    assert cleaned[0]["neg"] == ["Banks lend money.", "Rates rose."] and cleaned[0]["farm"] == "A"
    assert cleaned[1]["neg"] == ["Corn prices fell."]
    rep = json.loads((tmp_path / "clean.clean.json").read_text())
    assert rep["counts"]["exact_duplicate"] == 1 and rep["counts"]["neg_equal_pos"] == 0  # loader removed it first
    assert "exact_duplicate" in capsys.readouterr().out

    table = tmp_path / "train.parquet"
    assert main(["export", "--in", str(out), "--out", str(table), "--format", "st-parquet"]) == 0
    df = pd.read_parquet(table)
    assert list(df.columns) == ["anchor", "positive", "negative_1"] and len(df) == 2


def test_split_cli_financial_by_ticker(shared_data, tmp_path, capsys):
    src = shared_data / "financial_qa_10k/raw/Financial-QA-10k.csv"
    rows = read_rows(src)  # pair file -> qpn rows, ticker column kept
    assert rows[0]["ticker"] == "NVDA" and rows[0]["pos"] and rows[0]["neg"] == []
    out_dir = tmp_path / "split"
    assert main(["split", "--in", str(src), "--out-dir", str(out_dir), "--ratios", "8:1:1",
                 "--group-by", "ticker", "--seed", "42", "--quiet"]) == 0
    parts = {n: _jsonl(out_dir / f"{n}.jsonl") for n in ("train", "validation", "test")}
    assert sum(len(p) for p in parts.values()) == len(rows)
    owner = {}
    for name, part in parts.items():
        for r in part:
            assert owner.setdefault(r["ticker"], name) == name
    rs = load_beir(out_dir / "beir")
    assert len(rs.queries) == len(parts["test"])
    assert [rs.queries[f"q{i}"] for i in range(len(parts["test"]))] == [r["query"] for r in parts["test"]]
    for i, r in enumerate(parts["test"]):
        assert [rs.corpus[d] for d in rs.qrels[f"q{i}"]] == r["pos"]
    assert "test:" in capsys.readouterr().out


def test_cli_errors_are_one_line(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "core", "mine", "--in", str(tmp_path / "nope.jsonl"),
                           "--out", str(tmp_path / "o.jsonl")], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "does not exist" in proc.stderr
    proc = subprocess.run([sys.executable, "-m", "core", "split", "--in", str(tmp_path / "x.jsonl"),
                           "--out-dir", str(tmp_path), "--ratios", "8:a"], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def _rows_file(tmp_path, name="rows.jsonl"):
    rows = [{"query": f"question {i} about pigs", "pos": [f"answer {i} about pig feed"], "neg": []} for i in range(6)]
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def _one_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    return err


@pytest.mark.parametrize("command", ["clean", "mine", "export"])
def test_out_that_is_the_input_is_refused_and_the_input_kept(tmp_path, capsys, command):
    inp = _rows_file(tmp_path)
    before = inp.read_bytes()
    for out in (inp, tmp_path / "." / "rows.jsonl"):
        assert main([command, "--in", str(inp), "--out", str(out), "--quiet"]) == 2
        assert "is the input file" in _one_error(capsys)
    assert inp.read_bytes() == before


@pytest.mark.parametrize("command, suffix", [("clean", ".clean.json"), ("mine", ".mining.json")])
def test_a_report_beside_out_that_is_the_input_is_refused(tmp_path, capsys, command, suffix):
    inp = _rows_file(tmp_path, f"rows{suffix}")
    before = inp.read_bytes()
    assert main([command, "--in", str(inp), "--out", str(tmp_path / "rows.jsonl"), "--quiet"]) == 2
    assert "would overwrite the input file" in _one_error(capsys)
    assert inp.read_bytes() == before and not (tmp_path / "rows.jsonl").exists()


@pytest.mark.parametrize("command", ["clean", "mine", "export"])
def test_out_that_is_a_folder_or_cannot_be_written_is_one_sentence(tmp_path, capsys, command):
    inp = _rows_file(tmp_path)
    (tmp_path / "afile").write_text("keep", encoding="utf-8")
    for out, said in ((tmp_path, "it is a folder"), (tmp_path / "afile" / "o.jsonl", "cannot be created or written"),
                      (Path("/proc/no-such-studio-folder/o.jsonl"), "cannot be created or written")):
        assert main([command, "--in", str(inp), "--out", str(out), "--quiet"]) == 2
        err = _one_error(capsys)
        assert str(out) in err and said in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "rows.jsonl"]


@pytest.mark.parametrize("flags, said", [
    (["--batch-size", "0"], "--batch-size must be a whole number of at least 1, got 0."),
    (["--num-negatives", "-1"], "--num-negatives must be a whole number of 0 or more, got -1."),
    (["--range-min", "-3"], "--range-min must be a whole number of 0 or more, got -3."),
    (["--range-min", "50", "--range-max", "40"], "--range-max (40) must be larger than --range-min (50): negatives are "
                                                 "drawn from the candidates ranked between them."),
    (["--margin-rel", "1.5"], "--margin-rel must be a number from 0 up to (not including) 1, e.g. 0.05, got 1.5."),
    (["--margin-rel", "nan"], "--margin-rel must be a number from 0 up to (not including) 1, e.g. 0.05, got nan."),
])
def test_mine_flags_are_refused_by_the_flag_typed_before_anything_is_read(tmp_path, capsys, flags, said):
    """The miner's own checks name its parameters (``num_negatives``, ``rank_window``); the CLI names the flag the
    user typed, before the input or the model is read (the model here does not exist)."""
    inp = _rows_file(tmp_path)
    assert main(["mine", "--in", str(inp), "--out", str(tmp_path / "m.jsonl"), "--method", "dense",
                 "--model", str(tmp_path / "no-model"), *flags, "--quiet"]) == 2
    assert _one_error(capsys) == f"error: {said}\n"
    assert not (tmp_path / "m.jsonl").exists()


@pytest.mark.parametrize("value", ["0", "1.5", "-0.2", "nan"])
def test_clean_near_jaccard_is_refused_by_its_flag(tmp_path, capsys, value):
    inp = _rows_file(tmp_path)
    assert main(["clean", "--in", str(inp), "--out", str(tmp_path / "c.jsonl"), "--near-jaccard", value, "--quiet"]) == 2
    assert _one_error(capsys).startswith(f"error: --near-jaccard must be a number above 0 and at most 1 (the word-overlap "
                                         f"share that makes two rows near duplicates, e.g. 0.9), got {float(value)}.")
    assert not (tmp_path / "c.jsonl").exists()


def test_split_out_dir_that_is_a_file_is_refused(tmp_path, capsys):
    inp = _rows_file(tmp_path)
    afile = tmp_path / "afile"
    afile.write_text("keep", encoding="utf-8")
    assert main(["split", "--in", str(inp), "--out-dir", str(afile)]) == 2
    assert _one_error(capsys) == f"error: The output folder '{afile}' is a file (expected a folder).\n"
    assert afile.read_text(encoding="utf-8") == "keep"


def test_split_refuses_a_zero_share_and_fewer_ratios_write_fewer_splits(tmp_path, capsys):
    inp = _rows_file(tmp_path)
    out = tmp_path / "split"
    assert main(["split", "--in", str(inp), "--out-dir", str(out), "--ratios", "1:0:0"]) == 2
    assert "'1:0:0' gives a zero share to validation, test" in _one_error(capsys)
    assert not out.exists()
    assert main(["split", "--in", str(inp), "--out-dir", str(out), "--ratios", "8:2"]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["beir", "test.jsonl", "train.jsonl"]


def test_split_says_when_a_split_is_empty_for_lack_of_rows(tmp_path, capsys):
    inp = tmp_path / "two.jsonl"
    inp.write_text("".join(json.dumps({"query": f"q{i} pigs", "pos": [f"p{i} feed"], "neg": []}) + "\n" for i in range(2)),
                   encoding="utf-8")
    assert main(["split", "--in", str(inp), "--out-dir", str(tmp_path / "s"), "--ratios", "8:1:1"]) == 0
    assert "warning: The " in capsys.readouterr().err


def test_export_num_negatives_no_row_can_fill_is_refused(tmp_path, capsys):
    rows = [{"query": "q1", "pos": ["p1"], "neg": ["n1", "n2"]}, {"query": "q2", "pos": ["p2"], "neg": ["n3"]},
            {"query": "q3", "pos": ["p3"], "neg": []}]
    inp = tmp_path / "rows.jsonl"
    inp.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    table = tmp_path / "t.csv"
    assert main(["export", "--in", str(inp), "--out", str(table), "--format", "st-csv", "--num-negatives", "5"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("error: --num-negatives 5 leaves no row to export: the rows have 0 (1 row), 1 (1 row), 2 (1 row) "
                   "negatives; give --num-negatives 2 or fewer.")
    assert not table.exists()
    assert main(["export", "--in", str(inp), "--out", str(table), "--format", "st-csv", "--num-negatives", "-1"]) == 2
    assert "error: --num-negatives must be 0 or more, got -1." in capsys.readouterr().err
    # rows that can fill it are written; the others are said to be skipped
    assert main(["export", "--in", str(inp), "--out", str(table), "--format", "st-csv", "--num-negatives", "2"]) == 0
    assert "wrote 1 rows" in capsys.readouterr().out and len(pd.read_csv(table)) == 1
    # left to its default the table is as wide as the row with the fewest negatives (none here): every row is
    # written, and the negatives that found no column are said, with how to keep them (they went without a word)
    wide = tmp_path / "default.csv"
    assert main(["export", "--in", str(inp), "--out", str(wide), "--format", "st-csv"]) == 0
    said = capsys.readouterr()
    assert "wrote 3 rows" in said.out and list(pd.read_csv(wide).columns) == ["anchor", "positive"]
    assert said.err.strip() == ("note: 3 negatives were left out: the table has 0 negative column(s), the fewest any "
                                "row has (1 rows); give --num-negatives N to keep N per row (rows with fewer are then "
                                "skipped; the most any row has is 2).")


def test_split_with_a_group_by_column_the_rows_lack_writes_no_folder(tmp_path, capsys):
    inp = _rows_file(tmp_path, "rows.jsonl")
    assert main(["split", "--in", str(inp), "--out-dir", str(tmp_path / "out"), "--group-by", "nosuch"]) == 2
    assert "nosuch" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()  # refused before the output folder was made


def test_split_refuses_an_input_it_would_overwrite(tmp_path, capsys):
    folder = tmp_path / "data"
    folder.mkdir()
    inp = _rows_file(folder, "train.jsonl")
    before = inp.read_bytes()
    assert main(["split", "--in", str(inp), "--out-dir", str(folder)]) == 2
    assert _one_error(capsys) == (f"error: --in '{inp}' is one of the files split writes into --out-dir '{folder}'; "
                                  "choose another --out-dir so the input is not overwritten.\n")
    assert inp.read_bytes() == before and sorted(p.name for p in folder.iterdir()) == ["train.jsonl"]


def test_split_refuses_a_folder_holding_an_earlier_split(tmp_path, capsys):
    """8:1:1 then 9:1 into one folder would leave the first split's validation.jsonl, whose rows are also in the new
    train.jsonl: refused, and the folder left as it was."""
    inp = _rows_file(tmp_path)
    out = tmp_path / "split"
    assert main(["split", "--in", str(inp), "--out-dir", str(out), "--ratios", "8:1:1"]) == 0
    capsys.readouterr()
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert main(["split", "--in", str(inp), "--out-dir", str(out), "--ratios", "9:1"]) == 2
    assert _one_error(capsys) == (f"error: The output folder '{out}' already holds split files (train.jsonl, "
                                  "validation.jsonl, test.jsonl, beir); choose an empty folder or remove them.\n")
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    other = tmp_path / "other"  # a folder holding other files is fine
    other.mkdir()
    (other / "notes.txt").write_text("keep", encoding="utf-8")
    assert main(["split", "--in", str(inp), "--out-dir", str(other), "--ratios", "9:1"]) == 0
    assert sorted(p.name for p in other.iterdir()) == ["beir", "notes.txt", "test.jsonl", "train.jsonl"]


@pytest.mark.parametrize("command, report", [("clean", "out.clean.json"), ("mine", "out.mining.json"), ("export", None)])
def test_an_existing_out_is_kept_unless_overwrite(tmp_path, capsys, command, report):
    inp = _rows_file(tmp_path)
    out = tmp_path / "out.jsonl"
    for existing in [out] + ([tmp_path / report] if report else []):
        existing.write_text("mine, keep\n", encoding="utf-8")
        assert main([command, "--in", str(inp), "--out", str(out), "--quiet"]) == 2
        assert _one_error(capsys) == (f"error: '{existing}' already exists; give --overwrite to replace it, or "
                                      "choose another output.\n")
        assert existing.read_text(encoding="utf-8") == "mine, keep\n"
        existing.unlink()
        if existing != out:
            assert not out.exists()
    out.write_text("mine, keep\n", encoding="utf-8")
    assert main([command, "--in", str(inp), "--out", str(out), "--quiet", "--overwrite"]) == 0
    assert len(_jsonl(out)) == 6


@pytest.mark.parametrize("command, out, fmt, said", [
    ("clean", "cl.csv", None, "ends in '.csv', a format this command does not write; give a file ending in .jsonl or .ndjson."),
    ("clean", "cl.parquet", None, "ends in '.parquet', a format this command does not write"),
    ("clean", "cl.xlsx", None, "ends in '.xlsx', a format this command does not write"),
    ("clean", "cl.jsonl.gz", None, "ends in '.jsonl.gz', a format this command does not write"),
    ("mine", "m.csv", None, "ends in '.csv', a format this command does not write"),
    ("clean", "cl", None, "has no extension; give a file ending in .jsonl or .ndjson."),
    ("export", "ex.xlsx", "st-parquet", "ends in '.xlsx', but --format st-parquet writes .parquet files; change the extension or the --format."),
    ("export", "ex.parquet", "st-csv", "ends in '.parquet', but --format st-csv writes .csv files"),
    ("export", "ex.csv", "qpn", "ends in '.csv', but --format qpn writes .jsonl or .ndjson files"),
])
def test_an_out_extension_the_command_does_not_write_is_refused(tmp_path, capsys, command, out, fmt, said):
    inp = _rows_file(tmp_path)
    argv = [command, "--in", str(inp), "--out", str(tmp_path / out), "--quiet"] + (["--format", fmt] if fmt else [])
    assert main(argv) == 2
    assert _one_error(capsys).startswith(f"error: --out '{tmp_path / out}' {said}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rows.jsonl"]


@pytest.mark.parametrize("value", ["nan", "inf", "-1"])
def test_mine_margin_abs_must_be_finite_and_not_negative(tmp_path, capsys, value):
    inp = _rows_file(tmp_path)
    assert main(["mine", "--in", str(inp), "--out", str(tmp_path / "m.jsonl"), "--margin-abs", value, "--quiet"]) == 2
    err = _one_error(capsys)
    assert err.startswith("error: --margin-abs must be a finite number of 0 or more (a score difference), got ")
    assert not (tmp_path / "m.jsonl").exists()


@pytest.mark.parametrize("flag", ["--min-chars", "--max-chars"])
def test_clean_length_limits_must_not_be_negative(tmp_path, capsys, flag):
    inp = _rows_file(tmp_path)
    assert main(["clean", "--in", str(inp), "--out", str(tmp_path / "c.jsonl"), flag, "-5", "--quiet"]) == 2
    assert _one_error(capsys) == f"error: {flag} must be a whole number of 0 or more (0 = no limit), got -5.\n"
    assert not (tmp_path / "c.jsonl").exists()


def test_an_input_that_is_a_device_is_not_said_to_be_missing(tmp_path, capsys):
    assert main(["mine", "--in", "/dev/zero", "--out", str(tmp_path / "m.jsonl"), "--quiet"]) == 2
    assert _one_error(capsys) == ("error: '/dev/zero' is not a regular file (a device, pipe or socket); choose a data "
                                  "file.\n")
