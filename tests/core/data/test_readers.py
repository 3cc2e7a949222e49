"""read_table: file types, encodings, quoting, header detection, row numbers and read errors (generated files)."""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest

from core.data import detect_format, load_data, read_table
from core.errors import DataError

ZH_ROWS = [("猪饲料需要什么蛋白", "玉米和豆粕提供蛋白"), ("母猪断奶体重", "仔猪断奶体重和母猪有关"), ("非洲猪瘟病毒", "非洲猪瘟是猪群的病毒病")]


def _csv_text(header=("问题", "答案"), rows=ZH_ROWS) -> str:
    return "\r\n".join([",".join(header)] + [",".join(r) for r in rows]) + "\r\n"


def test_gbk_csv_with_chinese_reads_without_naming_encoding(tmp_path):
    path = tmp_path / "导出.csv"
    path.write_bytes(_csv_text().encode("gbk"))
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")  # really not UTF-8
    df = read_table(path)
    assert df.attrs["encoding"] == "gb18030"
    assert list(df.columns) == ["_row", "问题", "答案"]
    assert df["问题"].tolist() == [r[0] for r in ZH_ROWS]
    assert df["_row"].tolist() == [2, 3, 4]  # header is row 1, as in Excel
    det = detect_format(df)
    assert det.format == "pair" and det.mapping == {"anchor": "问题", "positive": "答案"}


def test_utf8_bom_csv_header_has_no_bom(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + b"query,positive\nwhat is feed,feed for pigs\n")
    df = read_table(path)
    assert df.attrs["encoding"] == "utf-8-sig"
    assert list(df.columns) == ["_row", "query", "positive"]
    assert df.loc[0, "query"] == "what is feed"


def test_utf16_tab_text_as_excel_unicode_export(tmp_path):
    path = tmp_path / "unicode.txt"
    path.write_bytes("anchor\tpositive\n猪\t饲料\n".encode("utf-16"))
    df = read_table(path)
    assert df.attrs["encoding"] == "utf-16" and df.loc[0, "anchor"] == "猪"


def test_excel_xlsx_and_sheet_choice(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        pd.DataFrame({"sentence1": ["a man plays", "a dog runs"], "sentence2": ["a man is playing", "a cat eats"],
                      "score": [4.6, 0.4]}).to_excel(xw, sheet_name="sts", index=False)
        pd.DataFrame({"query": ["q1"], "answer": ["a1"]}).to_excel(xw, sheet_name="qa", index=False)
    df = read_table(path)
    assert df.attrs["sheet"] == "sts" and df["_row"].tolist() == [2, 3]
    assert detect_format(df).format == "scored_pair"
    qa = read_table(path, sheet="qa")
    assert qa.loc[0, "answer"] == "a1"
    with pytest.raises(DataError, match=r"book\.xlsx has no sheet named 'nope'; its sheets are: sts, qa"):
        read_table(path, sheet="nope")


def test_parquet_with_list_columns_is_qpn(tmp_path):
    path = tmp_path / "qpn.parquet"
    pd.DataFrame({"query": ["q1", "q2"], "pos": [["p1", "p2"], ["p3"]], "neg": [["n1"], ["n2", "n3"]]}).to_parquet(path)
    df = read_table(path)
    assert df.loc[0, "pos"] == ["p1", "p2"] and df["_row"].tolist() == [1, 2]
    det = detect_format(df)
    assert det.format == "qpn" and det.mapping == {"query": "query", "pos": "pos", "neg": "neg"}


def test_json_array_object_and_json_lines_in_dot_json(tmp_path):
    arr = tmp_path / "arr.json"
    arr.write_text(json.dumps([{"anchor": "a", "positive": "b", "negative": "c"}, {"anchor": "d", "positive": "e", "negative": "f"}]), encoding="utf-8")
    df = read_table(arr)
    assert df["_row"].tolist() == [1, 2] and detect_format(df).format == "triplet"
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"version": 1, "data": [{"question": "q", "context": "c"}]}), encoding="utf-8")
    assert read_table(wrapped).loc[0, "context"] == "c"
    lines = tmp_path / "lines.json"
    lines.write_text('{"sentence1": "x", "sentence2": "y", "label": "neutral"}\n\n{"sentence1": "z", "sentence2": "w", "label": "entailment"}\n', encoding="utf-8")
    df = read_table(lines)
    assert df["_row"].tolist() == [1, 3]  # line numbers, blank line counted


def test_gzip_tsv_and_quote_characters_inside_unquoted_fields(tmp_path):
    rows = [("split", "score", "sentence1", "sentence2"),
            ("train", "0.8", '"Then the captain was gone.', "Then the captain came back."),
            ("train", "1.2", '"Fairies don\'t exist" - fine.', '"Satyrs don\'t exist" - fine.'),
            ("dev", "2.2", 'He said "no".', 'She said "yes" twice'),
            ("test", "5.0", "A plane is taking off.", "An air plane is taking off.")]
    path = tmp_path / "sts.tsv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write("\n".join("\t".join(r) for r in rows) + "\n")
    df = read_table(path)
    assert df.attrs["quoting"] == "none" and df.attrs["gzip"] is True
    assert len(df) == 4
    assert df.loc[0, "sentence1"] == '"Then the captain was gone.'
    assert df["_row"].tolist() == [2, 3, 4, 5]


def test_properly_quoted_csv_keeps_standard_quoting(tmp_path):
    path = tmp_path / "quoted.csv"
    pd.DataFrame({"query": ['say "hi"', "a, b"], "positive": ["line1\nline2", "x"]}).to_csv(path, index=False)
    df = read_table(path)
    assert df.attrs["quoting"] == "minimal"
    assert df["query"].tolist() == ['say "hi"', "a, b"] and df.loc[0, "positive"] == "line1\nline2"
    assert df["_row"].tolist() == [2, 3]  # records, as a spreadsheet counts them


def test_headerless_data_file_gets_positional_names(tmp_path):
    path = tmp_path / "STS-B.train.data"
    path.write_text("一架飞机要起飞了。\t一架飞机正在起飞。\t5\n一个男人在吹笛子。\t一个人在吹长笛。\t3\n", encoding="utf-8")
    df = read_table(path)
    assert df.attrs["header"] is False and list(df.columns) == ["_row", "col1", "col2", "col3"]
    assert df["_row"].tolist() == [1, 2]
    # a headerless .csv is recognised too (last cell numeric, no known names)
    csvp = tmp_path / "noheader.csv"
    csvp.write_text("how are you,how do you do,1\nwhat time,where is it,0\n", encoding="utf-8")
    assert read_table(csvp).attrs["header"] is False


def test_invalid_json_line_is_reported_by_line_and_the_good_rows_are_read(tmp_path):
    path = tmp_path / "x.jsonl"
    good = json.dumps({"query": "q", "pos": ["p"], "neg": ["n"]})
    path.write_text("\n".join([good] * 16 + ['{"query": "q", "pos": ["p"] "neg": []}'] + [good]) + "\n", encoding="utf-8")
    df = read_table(path)
    assert df["_row"].tolist() == list(range(1, 17)) + [18]
    (issue,) = df.attrs["read_issues"]
    assert (issue.row, issue.severity, issue.kind) == (17, "error", "bad_json")
    assert str(issue) == "x.jsonl, row 17: not valid JSON: Expecting ',' delimiter (column 29)"
    loaded = load_data(path)
    assert len(loaded.df) == 17 and [str(i) for i in loaded.errors] == [str(issue)]
    assert loaded.summary()["rows_read"] == 18 and loaded.summary()["rows_excluded"] == 1


def test_jsonl_refused_when_no_good_line_or_most_lines_bad(tmp_path):
    path = tmp_path / "x.jsonl"
    good = json.dumps({"query": "q", "pos": ["p"]})
    path.write_text("\n".join([good, "{bad", "{worse", "[1]"]) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_table(path)
    msg = str(err.value)
    assert msg.startswith("row 2 of x.jsonl is not valid JSON: "), msg
    assert "(3 of 4 lines are unusable)" in msg
    assert [i.row for i in err.value.issues] == [2, 3, 4]
    path.write_text('{"query": "q", "pos": ["p"] "neg": []}\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"^row 1 of x\.jsonl is not valid JSON: Expecting ',' delimiter \(column 29\)\.$"):
        read_table(path)


def test_unreadable_files_raise_one_sentence(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        read_table(tmp_path / "missing.csv")
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    with pytest.raises(DataError, match=r"empty\.csv is empty"):
        read_table(tmp_path / "empty.csv")
    (tmp_path / "x.docx").write_text("hi", encoding="utf-8")
    with pytest.raises(DataError, match=r"x\.docx has a file type this app cannot read"):
        read_table(tmp_path / "x.docx")
    (tmp_path / "list.jsonl").write_text('["a", "b"]\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"row 1 of list\.jsonl is a JSON list, expected an object"):
        read_table(tmp_path / "list.jsonl")


def test_xls_without_xlrd_gives_clear_message(tmp_path):
    try:
        import xlrd  # noqa: F401
        pytest.skip("xlrd is installed; the message only appears without it")
    except ImportError:
        pass
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    with pytest.raises(DataError, match=r"old\.xls is an old Excel 97-2003 \(\.xls\) file; reading it needs the 'xlrd' package"):
        read_table(path)


def test_ragged_row_is_reported_and_left_out(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("anchor,positive\na,b\nc\nd,e\n", encoding="utf-8")
    loaded = load_data(path)
    assert loaded.df["_row"].tolist() == [2, 4]
    [issue] = [i for i in loaded.issues if i.kind == "bad_field_count"]
    assert issue.row == 3 and "has 1 fields, fewer than the 2 expected" in str(issue)


def test_western_codepage_csv_is_not_misread_as_gbk(tmp_path):
    path = tmp_path / "fr.csv"
    path.write_bytes("question,answer\nCafé résumé naïve,où est la gare déjà\nÜber,größe\n".encode("cp1252"))
    df = read_table(path)  # these bytes are also valid GB18030, as rare characters
    assert df.attrs["encoding"] == "cp1252"
    assert df["question"].tolist() == ["Café résumé naïve", "Über"]


def test_load_data_reports_progress(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("anchor,positive\na,b\n", encoding="utf-8")
    seen = []
    load_data(path, progress=seen.append)
    assert [(p.stage, p.done, p.total) for p in seen] == [("load", 1, 3), ("load", 2, 3), ("load", 3, 3)]
    assert seen[-1].message == "1 rows kept, 0 issues"


def test_excel_table_not_starting_at_a1_keeps_sheet_row_numbers(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws["B3"], ws["C3"] = "query", "positive"
    ws["B4"], ws["C4"] = "q1", "p1"
    ws["B6"], ws["C6"] = "q2", ""
    path = tmp_path / "offset.xlsx"
    wb.save(path)
    df = read_table(path)
    assert list(df.columns) == ["_row", "query", "positive"] and df["_row"].tolist() == [4, 6]
    loaded = load_data(path)
    assert [str(i) for i in loaded.errors] == ["offset.xlsx, row 6, column 'positive': empty cell, expected the positive text"]


def test_a_folder_is_refused_and_part_of_a_beir_folder_is_told_what_it_lacks(tmp_path):
    from core.data.readers import read_table
    from core.errors import DataError

    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(DataError, match=r"is a folder; choose a data file inside it\.$"):
        read_table(plain)
    beir = tmp_path / "beir_noq"
    (beir / "qrels").mkdir(parents=True)
    (beir / "corpus.jsonl").write_text('{"_id": "d1", "text": "x"}\n', encoding="utf-8")
    (beir / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"looks like a BEIR folder but has no queries\.jsonl; a BEIR folder needs "
                                        r"corpus\.jsonl, queries\.jsonl and qrels/\*\.tsv\.$"):
        read_table(beir)


def test_a_workbook_whose_first_sheet_is_notes_names_its_other_sheets(tmp_path):
    import pandas as pd

    from core.data import load_data
    from core.errors import DataError

    path = tmp_path / "two.xlsx"
    with pd.ExcelWriter(path) as w:
        pd.DataFrame({"notes": ["read me", "second"]}).to_excel(w, sheet_name="README", index=False)
        pd.DataFrame({"question": ["q1", "q2"], "answer": ["a1", "a2"]}).to_excel(w, sheet_name="data", index=False)
    with pytest.raises(DataError, match=r"^Could not tell what kind of data sheet 'README' of two\.xlsx holds \(columns: "
                                        r"'notes'\); its other sheets are data: move the data to the first sheet"):
        load_data(path)
    assert len(load_data(path, sheet="data").df) == 2
