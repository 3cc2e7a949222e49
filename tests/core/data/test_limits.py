"""Hostile and careless files: compression bombs, deep JSON, NULs, mixed encodings, repeated headers, huge cells.

Each bomb is built on the fly, small on disk; the limits are lowered through their environment variables where
that keeps the test's own memory small.
"""

from __future__ import annotations

import gzip
import json
import struct
import zipfile
import zlib

import pandas as pd
import pytest

from core.data import load_data, read_table
from core.data import readers as R
from core.errors import DataError


def _xlsx(path, rows=(("query", "positive"), ("q1", "p1"), ("q2", "p2"))):
    pd.DataFrame(list(rows[1:]), columns=list(rows[0])).to_excel(path, index=False)
    return path


def _replace_member(src, dst, member: str, write) -> None:
    """Copy the zip ``src`` to ``dst`` with ``member``'s content produced by ``write(fh)`` (streamed)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        for item in zin.infolist():
            if item.filename == member:
                with zout.open(member, "w", force_zip64=True) as fh:
                    write(fh)
            else:
                zout.writestr(item, zin.read(item.filename))


def _sheet_writer(n_rows: int, dimension: str | None = None, numbered: bool = True):
    """Stream a sheet of ``n_rows`` two-cell rows; unnumbered rows (``r`` is optional) are all identical, so
    they compress as a zip bomb does."""
    def write(fh):
        dim = f'<dimension ref="{dimension}"/>' if dimension else ""
        fh.write(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/'
                 b'spreadsheetml/2006/main">' + dim.encode() + b"<sheetData>")
        if numbered:
            row = '<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>aaaaaaaaaaaaaaaaaaaa</t></is></c><c r="B{r}" t="inlineStr"><is><t>bbbb</t></is></c></row>'
        else:
            row = '<row><c t="inlineStr"><is><t>aaaaaaaaaaaaaaaaaaaa</t></is></c><c t="inlineStr"><is><t>bbbb</t></is></c></row>'
        for r in range(1, n_rows + 1):
            fh.write(row.format(r=r).encode())
        fh.write(b"</sheetData></worksheet>")
    return write


def test_xlsx_zip_bomb_refused_by_ratio_before_parsing(tmp_path):
    bomb = tmp_path / "bomb.xlsx"
    _replace_member(_xlsx(tmp_path / "ok.xlsx"), bomb, "xl/worksheets/sheet1.xml", _sheet_writer(100_000, numbered=False))
    assert bomb.stat().st_size < 100_000  # ~10 MB of XML inside
    with pytest.raises(DataError) as err:
        read_table(bomb)
    msg = str(err.value)
    assert msg.startswith("bomb.xlsx holds xl/worksheets/sheet1.xml, which expands ") and "STUDIO_MAX_ZIP_RATIO" in msg
    assert msg.count(".") >= 1 and "\n" not in msg


def test_xlsx_total_uncompressed_size_limit(tmp_path, monkeypatch):
    path = _xlsx(tmp_path / "ok.xlsx")
    total = sum(m.file_size for m in zipfile.ZipFile(path).infolist())
    assert len(read_table(path)) == 2
    monkeypatch.setenv("STUDIO_MAX_UNCOMPRESSED_BYTES", str(total - 1))
    with pytest.raises(DataError, match=rf"^ok\.xlsx expands when unzipped to {total:,} bytes, more than the {total - 1:,} bytes allowed \(STUDIO_MAX_UNCOMPRESSED_BYTES\)"):
        read_table(path)


def test_xlsx_cell_limit_from_dimension_and_from_rows_read(tmp_path, monkeypatch):
    monkeypatch.setenv("STUDIO_MAX_ZIP_RATIO", "100000")
    claims = tmp_path / "claims.xlsx"  # declares 1,000,000 x 26 cells, holds 10 rows
    _replace_member(_xlsx(tmp_path / "ok.xlsx"), claims, "xl/worksheets/sheet1.xml", _sheet_writer(10, "A1:Z1000000"))
    with pytest.raises(DataError, match=r"claims\.xlsx has 1,000,000 rows x 26 columns = 26,000,000 cells, more than the 10,000,000 allowed \(STUDIO_MAX_CELLS\)"):
        read_table(claims)
    lies = tmp_path / "lies.xlsx"  # declares one cell, holds 3,000 rows x 2 columns
    _replace_member(_xlsx(tmp_path / "ok.xlsx"), lies, "xl/worksheets/sheet1.xml", _sheet_writer(3000, "A1"))
    assert len(read_table(lies)) == 2999  # + the first row, read as the header
    monkeypatch.setenv("STUDIO_MAX_CELLS", "1000")
    with pytest.raises(DataError, match=r"lies\.xlsx has more than 1,000 cells, more than the 1,000 allowed"):
        read_table(lies)


def test_parquet_limits_from_metadata(tmp_path, monkeypatch):
    path = tmp_path / "rep.parquet"
    frame = pd.DataFrame({"query": [f"question {i}" for i in range(50_000)], "positive": ["the same passage " * 20] * 50_000})
    frame.to_parquet(path, use_dictionary=False, compression="zstd")
    assert path.stat().st_size < 1_000_000  # compressed pages: small on disk, ~18 MB when decompressed
    monkeypatch.setenv("STUDIO_MAX_UNCOMPRESSED_BYTES", "1000000")
    with pytest.raises(DataError, match=r"^rep\.parquet expands when decompressed to [\d,]+ bytes, more than the 1,000,000 bytes allowed"):
        read_table(path)
    monkeypatch.delenv("STUDIO_MAX_UNCOMPRESSED_BYTES")
    monkeypatch.setenv("STUDIO_MAX_CELLS", "99999")
    with pytest.raises(DataError, match=r"^rep\.parquet has 50,000 rows x 2 columns = 100,000 cells, more than the 99,999 allowed \(STUDIO_MAX_CELLS\)"):
        read_table(path)
    monkeypatch.setenv("STUDIO_MAX_CELLS", "100000")
    assert len(read_table(path)) == 50_000


def test_a_very_wide_table_is_refused_with_one_sentence_in_every_format(tmp_path, monkeypatch):
    """A small file of many columns (a 1.3 MB CSV of 200,000 columns held a worker for 84 s) is refused before
    its table is built, naming the count and the limit; a table at the limit loads."""
    width = 1001
    header = ",".join(f"c{i}" for i in range(width))
    (tmp_path / "wide.csv").write_text(header + "\n" + ",".join("x" for _ in range(width)) + "\n", encoding="utf-8")
    (tmp_path / "wide.tsv").write_text("\t".join("x" for _ in range(width)) + "\n", encoding="utf-8")
    (tmp_path / "wide.jsonl").write_text(json.dumps({"query": "q", "pos": ["p"]}) + "\n"
                                         + json.dumps({f"k{i}": "x" for i in range(width)}) + "\n", encoding="utf-8")
    pd.DataFrame({f"c{i}": ["x"] for i in range(width)}).to_parquet(tmp_path / "wide.parquet")
    for name in ("wide.csv", "wide.tsv", "wide.jsonl", "wide.parquet"):
        with pytest.raises(DataError, match=rf"^{name.replace('.', '[.]')} has 1,00[0-9] columns, more than the 1,000 "
                                            r"allowed \(STUDIO_MAX_COLUMNS\); a training or evaluation table needs only"):
            load_data(tmp_path / name)
    monkeypatch.setenv("STUDIO_MAX_COLUMNS", "2000")
    assert read_table(tmp_path / "wide.csv").shape == (1, width + 1)  # the _row column beside the file's


def test_a_device_or_a_pipe_is_refused_before_it_is_opened(tmp_path):
    """/dev/zero behind a data file's name grew to 17 GB in 30 s, and a pipe blocked for ever."""
    import os

    (tmp_path / "zero.jsonl").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "pipe.csv")
    for name in ("zero.jsonl", "pipe.csv"):
        with pytest.raises(DataError, match=r"is not a regular file \(a device, pipe or socket\); choose a data file\.$"):
            load_data(tmp_path / name)


def test_text_files_are_capped_in_bytes_and_in_lines_before_rows_are_built(tmp_path, monkeypatch):
    """A 100 MB CSV of 10-byte rows took 6.8 GB as rows: text data files are capped by size and by lines."""
    path = tmp_path / "tiny_rows.csv"
    path.write_text("query,positive\n" + "".join(f"q{i},p{i}\n" for i in range(5000)), encoding="utf-8")
    gz = tmp_path / "tiny_rows.csv.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    monkeypatch.setenv("STUDIO_MAX_ROWS", "4000")
    for p in (path, gz):
        with pytest.raises(DataError, match=rf"^{p.name.replace('.', '[.]')} has 5,001 lines, more than the 4,000 rows "
                                            r"allowed \(STUDIO_MAX_ROWS\); split it into smaller files\.$"):
            read_table(p)
    monkeypatch.setenv("STUDIO_MAX_ROWS", "5001")
    assert len(read_table(path)) == 5000
    monkeypatch.setenv("STUDIO_MAX_TEXT_BYTES", "10000")
    for p in (path, gz):  # read one byte past the cap at most, never the whole file (nor a .gz's whole content)
        with pytest.raises(DataError, match=rf"^{p.name.replace('.', '[.]')} holds more than the 10,000 bytes of text "
                                            r"allowed \(STUDIO_MAX_TEXT_BYTES\); split it into smaller files\.$"):
            read_table(p)


def _gzip_of_zeros(path, total: int, chunk: int = 1 << 20) -> None:
    """Write a valid .gz of ``total`` zero bytes without compressing them all: each 1 MiB block is deflated
    once (after a full flush the deflate output of identical input is identical) and repeated."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(chunk)
    block = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
    again = comp.compress(zeros) + comp.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(total // chunk):
        crc = zlib.crc32(zeros, crc)
    with open(path, "wb") as fh:
        fh.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff")
        fh.write(block)
        for _ in range(total // chunk - 1):
            fh.write(again)
        fh.write(comp.flush())
        fh.write(struct.pack("<II", crc, total & 0xFFFFFFFF))


def test_gz_bomb_is_streamed_and_stopped_at_the_limit(tmp_path, monkeypatch):
    small = tmp_path / "small.csv.gz"
    _gzip_of_zeros(small, 4 << 20)
    with gzip.open(small, "rb") as fh:  # the builder makes a real gzip stream
        assert fh.read() == bytes(4 << 20)
    bomb = tmp_path / "bomb.csv.gz"
    _gzip_of_zeros(bomb, 2 << 30)  # 2 GiB of zeros, ~2 MB on disk
    assert bomb.stat().st_size < 5_000_000
    monkeypatch.setenv("STUDIO_MAX_UNCOMPRESSED_BYTES", "1000000")
    with pytest.raises(DataError, match=r"^bomb\.csv\.gz expands when decompressed to over 1,000,000 bytes, more than the 1,000,000 bytes allowed"):
        read_table(bomb)
    ok = tmp_path / "ok.csv.gz"
    with gzip.open(ok, "wt", encoding="utf-8") as fh:
        fh.write("query,positive\nq,p\n")
    assert len(read_table(ok)) == 1


def test_default_limits_are_sane():
    assert R.MAX_UNCOMPRESSED_BYTES == 1_000_000_000 and R.MAX_CELLS == 10_000_000 and R.MAX_ZIP_RATIO == 100


def test_bad_limit_variable_is_one_sentence(tmp_path, monkeypatch):
    monkeypatch.setenv("STUDIO_MAX_CELLS", "lots")
    with pytest.raises(DataError, match=r"^The environment variable STUDIO_MAX_CELLS is 'lots'; expected a number\.$"):
        read_table(_xlsx(tmp_path / "ok.xlsx"))


def test_deeply_nested_json_refused_with_one_sentence(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(DataError, match=r"^deep\.json is nested more than 32 levels deep \(STUDIO_MAX_JSON_DEPTH\); expected flat records\.$"):
        read_table(deep)
    medium = tmp_path / "medium.json"  # parses fine, still too deep to be records
    nested: object = "p"
    for _ in range(34):
        nested = [nested]
    medium.write_text(json.dumps([{"query": "q", "positive": nested}]), encoding="utf-8")
    with pytest.raises(DataError, match="medium.json is nested more than 32 levels deep"):
        read_table(medium)
    lines = tmp_path / "deep.jsonl"
    good = json.dumps({"query": "q", "positive": "p"})
    lines.write_text("\n".join([good, good, '{"query": ' + "[" * 100_000 + "]" * 100_000 + "}", good]) + "\n", encoding="utf-8")
    df = read_table(lines)
    assert df["_row"].tolist() == [1, 2, 4]
    (issue,) = df.attrs["read_issues"]
    assert issue.row == 3 and issue.kind == "json_too_deep" and "nested more than 32 levels deep" in issue.message


def test_nul_after_the_first_4kb_is_removed_and_named(tmp_path):
    path = tmp_path / "nul.csv"
    rows = [f"question {i},passage {i}" for i in range(400)]
    rows[300] = "question 300,pass\x00age 300"
    path.write_text("query,positive\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert path.read_bytes().index(b"\x00") > 4096
    loaded = load_data(path)
    assert len(loaded.df) == 400 and "\x00" not in "".join(loaded.df["positive"])
    assert loaded.df["positive"].iloc[300] == "passage 300"
    (w,) = [i for i in loaded.warnings if i.kind == "nul_character"]
    assert (w.row, w.column) == (302, "positive")
    assert "NUL" in str(w) and str(w).startswith("nul.csv, row 302, column 'positive'")


def test_mixed_encodings_name_the_lines(tmp_path):
    path = tmp_path / "mixed.tsv"
    lines = ["query\tpositive"] + [f"猪饲料问题 {i}\t玉米和豆粕 {i}" for i in range(20)]
    data = "\n".join(lines).encode("utf-8") + b"\n" + "母猪断奶\t仔猪体重".encode("gbk") + b"\n"
    path.write_bytes(data)
    with pytest.raises(DataError, match=r"^mixed\.tsv mixes text encodings: 1 line\(s\) are not UTF-8 while the rest is \(line 22\); save the whole file as UTF-8\.$"):
        read_table(path)
    gbk = tmp_path / "gbk.tsv"  # a file wholly in GBK is still read
    gbk.write_bytes("\n".join(lines).encode("gbk") + b"\n")
    assert read_table(gbk).attrs["encoding"] == "gb18030"


def test_duplicate_header_names_are_reported(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("query,positive,positive\nq1,p1,p1b\nq2,p2,p2b\n", encoding="utf-8")
    df = read_table(path)
    assert list(df.columns) == ["_row", "query", "positive", "positive.1"]
    (w,) = df.attrs["read_issues"]
    assert (w.row, w.column, w.severity, w.kind) == (1, "positive.1", "warning", "duplicate_header")
    assert str(w) == "dup.csv, row 1, column 'positive.1': the header repeats the column name 'positive'; this column is read as 'positive.1'"
    assert "duplicate_header" in load_data(path).summary()["issues_by_kind"]


def test_huge_cell_is_an_error_naming_row_and_column(tmp_path, monkeypatch):
    path = tmp_path / "big.csv"
    big = "x" * 50_000_000
    path.write_text(f"query,positive\nq1,p1\nq2,{big}\nq3,p3\n", encoding="utf-8")
    del big
    loaded = load_data(path)
    assert loaded.df["_row"].tolist() == [2, 4]
    (e,) = [i for i in loaded.errors if i.kind == "cell_too_long"]
    assert str(e) == ("big.csv, row 3, column 'positive': the cell holds 50,000,000 characters, more than the 1,000,000 "
                      "allowed (STUDIO_MAX_CELL_CHARS); the row is left out")
    js = tmp_path / "big.jsonl"  # inside a list of passages too, with a lowered limit
    js.write_text(json.dumps({"query": "q", "pos": ["p" * 200]}) + "\n" + json.dumps({"query": "q2", "pos": ["ok"]}) + "\n")
    monkeypatch.setenv("STUDIO_MAX_CELL_CHARS", "100")
    df = read_table(js)
    (e,) = df.attrs["read_issues"]
    assert (e.row, e.column, e.kind) == (1, "pos", "cell_too_long")


def test_deep_json_line_in_a_beir_corpus_names_the_line(tmp_path):
    from core.data.beir import read_jsonl_records

    path = tmp_path / "corpus.jsonl"
    path.write_text('{"_id": "d1", "text": "ok"}\n{"_id": "d2", "text": ' + "[" * 100_000 + "]" * 100_000 + "}\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"corpus\.jsonl, line 2: nested more than 32 levels deep \(STUDIO_MAX_JSON_DEPTH\); expected flat records\.$"):
        read_jsonl_records(path)
    path.write_text('{"_id": "d1", "text": "ok"}\n{"_id": \n', encoding="utf-8")
    with pytest.raises(DataError, match=r"corpus\.jsonl, line 2: not valid JSON: Expecting value \(column 8\); expected one JSON object per line\.$"):
        read_jsonl_records(path)


def _beir(folder, corpus_lines: int = 3):
    (folder / "qrels").mkdir(parents=True)
    with open(folder / "corpus.jsonl", "w", encoding="utf-8") as fh:
        for i in range(corpus_lines):
            fh.write(json.dumps({"_id": f"d{i}", "text": f"passage {i}"}) + "\n")
    (folder / "queries.jsonl").write_text(json.dumps({"_id": "q1", "text": "query"}) + "\n", encoding="utf-8")
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td0\t1\n", encoding="utf-8")
    return folder


def test_a_beir_folder_is_held_to_the_text_and_row_limits(tmp_path, monkeypatch):
    """The BEIR reader (evaluation sets, the Build tab's round trip) checks each file's size before opening it
    and stops counting records at the row limit, so a huge corpus is refused in one sentence, not read whole."""
    from core.data.beir import read_beir

    folder = _beir(tmp_path / "beir", corpus_lines=50)
    assert len(read_beir(folder).corpus) == 50
    monkeypatch.setenv("STUDIO_MAX_ROWS", "40")
    with pytest.raises(DataError, match=r"corpus\.jsonl has more than the 40 records allowed \(STUDIO_MAX_ROWS\); "
                                        r"split it or raise the limit\.$"):
        read_beir(folder)
    monkeypatch.delenv("STUDIO_MAX_ROWS")
    monkeypatch.setenv("STUDIO_MAX_TEXT_BYTES", "500")
    with pytest.raises(DataError, match=r"^corpus\.jsonl holds more than the 500 bytes of text allowed "
                                        r"\(STUDIO_MAX_TEXT_BYTES\)"):
        read_beir(folder)


def test_a_beir_qrels_entry_that_is_a_pipe_is_refused_not_read(tmp_path):
    import os

    from core.data.beir import read_beir

    folder = _beir(tmp_path / "beir")
    (folder / "qrels" / "test.tsv").unlink()
    os.mkfifo(folder / "qrels" / "test.tsv")  # opening a pipe with no writer would block for ever
    with pytest.raises(DataError, match=r"test\.tsv is not a regular file; a BEIR folder needs qrels/<split>\.tsv as a file\.$"):
        read_beir(folder)


def test_documents_are_held_to_the_text_and_zip_limits(tmp_path, monkeypatch):
    """The Build tab's documents: a text or HTML file over the text limit and a .docx zip bomb are problems
    naming the file; the other files of the batch are read."""
    from core.builder.documents import load_documents
    from tests.core.builder.conftest import write_docx

    (tmp_path / "small.txt").write_text("pig feed and water", encoding="utf-8")
    (tmp_path / "big.txt").write_text("sow " * 400, encoding="utf-8")
    (tmp_path / "big.html").write_text("<p>" + "boar " * 400 + "</p>", encoding="utf-8")
    write_docx(tmp_path / "fine.docx", [("p", "farrowing crate")])
    _replace_member(tmp_path / "fine.docx", tmp_path / "bomb.docx", "word/document.xml",
                    lambda fh: [fh.write(b" " * (1 << 20)) for _ in range(8)])
    monkeypatch.setenv("STUDIO_MAX_TEXT_BYTES", "1000")
    monkeypatch.setenv("STUDIO_MAX_UNCOMPRESSED_BYTES", "4000000")
    loaded = load_documents(tmp_path)
    assert sorted(d.source.rsplit("/", 1)[-1] for d in loaded) == ["fine.docx", "small.txt"]
    said = {p.path.rsplit("/", 1)[-1]: p.message for p in loaded.problems}
    assert "more than the 1,000 bytes of text allowed (STUDIO_MAX_TEXT_BYTES)" in said["big.txt"]
    assert "more than the 1,000 bytes of text allowed (STUDIO_MAX_TEXT_BYTES)" in said["big.html"]
    assert "bomb.docx expands when unzipped to" in said["bomb.docx"]
    assert "STUDIO_MAX_UNCOMPRESSED_BYTES" in said["bomb.docx"]
