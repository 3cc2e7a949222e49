"""``python -m core inspect``: detected format, mapping, counts, issues with row numbers, preview; exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from core.cli import main

ROOT = Path(__file__).resolve().parents[3]


def test_inspect_prints_format_mapping_issues_and_preview(tmp_path, capsys):
    path = tmp_path / "tri.csv"
    path.write_text("query,pos,neg\nq1,p1,n1\nq2,same,same\nq3,,n3\nq4,p4,n4\n", encoding="utf-8")
    code = main(["inspect", str(path), "--rows", "2"])
    out = capsys.readouterr().out
    assert code == 0
    assert "format:   triplet" in out
    assert "anchor <- 'query', positive <- 'pos', negative <- 'neg'" in out
    assert "rows:     4 read, 2 kept, 2 left out; 2 errors, 0 warnings" in out
    assert "[error] tri.csv, row 3, column 'neg': the negative is the same text as the positive" in out
    assert "[error] tri.csv, row 4, column 'pos': empty cell, expected the positive text" in out
    assert "row 2: anchor=q1 | positive=p1 | negative=n1" in out and "row 5:" in out


def test_inspect_with_format_and_map_override(tmp_path, capsys):
    path = tmp_path / "qa.csv"
    path.write_text("question,answer,context\nq1,a1,c1\nq2,a2,c2\n", encoding="utf-8")
    code = main(["inspect", str(path), "--map", "positive=answer", "--json"])
    obj = json.loads(capsys.readouterr().out)
    assert code == 0 and obj["usable"] is True
    assert obj["detection"]["mapping"] == {"anchor": "question", "positive": "answer"}
    assert obj["preview"][0] == {"anchor": "q1", "positive": "a1", "_row": 2}


def test_inspect_exit_2_when_nothing_usable_or_mapping_wrong(tmp_path, capsys):
    path = tmp_path / "empty_cells.csv"
    path.write_text("anchor,positive\na,\n,b\n", encoding="utf-8")
    assert main(["inspect", str(path)]) == 2
    assert "not usable: no row passed the checks." in capsys.readouterr().out
    good = tmp_path / "ok.csv"
    good.write_text("anchor,positive\na,b\n", encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "core", "inspect", str(good), "--map", "positive=nope"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    assert out.stderr.strip() == "error: The mapping positive=nope names a column that ok.csv does not have; available columns: 'anchor', 'positive'."
    assert main(["inspect", str(good), "--map", "positive"]) == 2
    assert "--map expects ROLE=COLUMN" in capsys.readouterr().err


def test_inspect_no_header_option(tmp_path, capsys):
    path = tmp_path / "pairs.tsv"  # .tsv defaults to a header row; this one has none
    path.write_text("猪饲料\t玉米豆粕\n母猪\t断奶\n", encoding="utf-8")
    assert main(["inspect", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["rows_read"] == 1  # first row taken as the header
    assert main(["inspect", str(path), "--no-header", "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["summary"]["rows_read"] == 2 and obj["detection"]["mapping"] == {"anchor": "col1", "positive": "col2"}


def test_inspect_header_only_file_says_it_has_no_data_rows(tmp_path, capsys):
    for name, text, extra in (("headeronly.csv", "query,pos\n", []), ("h.tsv", "anchor\tpositive\n\n", []),
                              ("h2.csv", "anchor,positive\n", ["--format", "pair"])):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        assert main(["inspect", str(path), *extra]) == 2
        err = capsys.readouterr().err.strip()
        cols = "'query', 'pos'" if name == "headeronly.csv" else "'anchor', 'positive'"
        assert err == f"error: {name} has a header row ({cols}) but no data rows below it."


def test_inspect_counts_below_zero_are_refused(tmp_path, capsys):
    """``--issues -2`` printed "... and 6 more" for 4 issues; ``--rows -1`` was taken as no preview."""
    path = tmp_path / "tri.csv"
    path.write_text("query,pos,neg\nq1,p1,n1\nq2,same,same\nq3,,n3\nq4,p4,n4\n", encoding="utf-8")
    for flag in ("--issues", "--rows"):
        assert main(["inspect", str(path), flag, "-2"]) == 2
        cap = capsys.readouterr()
        assert cap.err == f"error: {flag} must be a whole number of 0 or more, got -2.\n" and not cap.out
    assert main(["inspect", str(path), "--issues", "0", "--rows", "0"]) == 0
    out = capsys.readouterr().out
    assert "... and 2 more" in out and "preview:" not in out


def test_inspect_a_beir_folder_checks_the_training_rows_it_gives(tmp_path, capsys, monkeypatch):
    from tests.conftest import write_beir, zip_folder

    monkeypatch.setenv("STUDIO_DATASETS_DIR", str(tmp_path / "datasets"))
    folder = write_beir(tmp_path / "pigs", n=36)
    assert main(["inspect", str(folder), "--rows", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"BEIR dataset {folder}: 12 train queries, 12 validation queries, 12 test queries;")
    assert "format:   qpn" in out and "rows:     12 read, 12 kept, 0 left out" in out
    assert main(["inspect", str(zip_folder(folder, tmp_path / "pigs.zip")), "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["beir"]["counts"]["train"] == {"queries": 14, "rows": 12, "skipped": 2} and obj["usable"] is True
    assert main(["inspect", str(write_beir(tmp_path / "two", splits=("dev", "extra")))]) == 2
    assert "has no qrels/train.tsv and no qrels/test.tsv to hold out a test share from (found: dev.tsv, extra.tsv)" \
        in capsys.readouterr().err
    assert main(["inspect", str(write_beir(tmp_path / "only-test", splits=("test",), n=40))]) == 0
    assert "32 train queries, 8 test queries (no qrels/train.tsv: the 40 queries of qrels/test.tsv split" \
        in capsys.readouterr().out
    firms = write_beir(tmp_path / "firms", splits=("test",), n=40, fields=lambda i: {"company": f"c{i % 8}"})
    assert main(["inspect", str(firms), "--group-by", "company"]) == 0
    assert "30 train queries, 10 test queries" in capsys.readouterr().out  # whole companies of five
    assert main(["inspect", str(firms), "--group-by", "ticker"]) == 2
    assert "(its query fields: company)" in capsys.readouterr().err
