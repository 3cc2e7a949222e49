"""core.jsonl: the one JSON-lines reader (line-numbered one-sentence errors) and atomic writer."""

import pytest

from core.errors import DataError
from core.jsonl import iter_jsonl, parse_line, read_jsonl, read_new_lines, write_jsonl


def test_write_then_read_round_trips_non_ascii(tmp_path):
    rows = [{"query": "什么是 RAG?", "pos": ["检索增强生成"], "neg": []}, {"query": "café", "n": 2}]
    path = write_jsonl(rows, tmp_path / "sub" / "rows.jsonl")
    assert path.read_text(encoding="utf-8").count("\n") == 2
    assert "检索增强生成" in path.read_text(encoding="utf-8")  # not \u-escaped
    assert read_jsonl(path) == rows
    assert not [p for p in path.parent.iterdir() if p != path]  # no temp file left behind


def test_bad_line_names_file_and_line(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"a": 1}\n\n{"a": \n', encoding="utf-8")
    with pytest.raises(DataError, match=r"x\.jsonl, line 3: not valid JSON: Expecting value \(column 6\); expected one JSON object per line\.$"):
        read_jsonl(path)
    assert read_jsonl(path, tolerant=True) == [{"a": 1}]


def test_non_object_line_is_refused_unless_tolerant(tmp_path):
    path = tmp_path / "x.jsonl"
    path.write_text('{"a": 1}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"x\.jsonl, line 2: a JSON list is not an object; expected one JSON object per line\.$"):
        read_jsonl(path)
    assert read_jsonl(path, tolerant=True) == [{"a": 1}]
    assert [v for _, v in iter_jsonl(path)] == [{"a": 1}, [1, 2]]  # iter_jsonl leaves the record check to its caller


def test_nesting_too_deep(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text('{"a": 1}\n' + '{"a": ' * 5 + "1" + "}" * 5 + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"deep\.jsonl, line 2: nested more than 3 levels deep \(STUDIO_MAX_JSON_DEPTH\); expected flat records\.$"):
        read_jsonl(path, max_depth=3)
    assert len(read_jsonl(path)) == 2  # no depth limit asked for


def test_byte_order_mark_is_ignored(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes('\ufeff{"_id": "d1"}\n'.encode())
    assert read_jsonl(path) == [{"_id": "d1"}]


def test_parse_line_problems():
    assert parse_line('{"a": 1}', 32) == ({"a": 1}, None, "")
    assert parse_line("[1]", 32)[1].startswith("is a JSON list, expected an object")
    assert parse_line("{oops", 32)[2] == "bad_json"
    assert parse_line('{"a": [[[1]]]}', 2)[2] == "json_too_deep"


def test_read_new_lines_reads_on_from_an_offset_and_leaves_a_line_being_written(tmp_path):
    path = tmp_path / "log.jsonl"
    assert read_new_lines(path, 7) == ([], 7)  # no file yet: nothing, the offset kept
    path.write_bytes('{"n": 1, "t": "母猪"}\n{"n": 2}\n{"n": 3, "t": "tor'.encode())
    rows, offset = read_new_lines(path)
    assert rows == [{"n": 1, "t": "母猪"}, {"n": 2}]
    assert offset == len('{"n": 1, "t": "母猪"}\n{"n": 2}\n'.encode())  # a byte offset, up to the last newline
    assert read_new_lines(path, offset) == ([], offset)  # the unterminated line is not consumed
    with open(path, "ab") as fh:
        fh.write(b'n"}\n')  # the writer finishes its line
    rows, end = read_new_lines(path, offset)
    assert rows == [{"n": 3, "t": "torn"}] and end == path.stat().st_size


def test_read_new_lines_skips_lines_that_are_not_json_objects(tmp_path):
    path = tmp_path / "log.jsonl"
    path.write_bytes(b'{"n": 1, "t": "tra\n\n12\n[1]\n\xff\xfe\n{"n": 2}\n')  # a torn line ended by the next write
    rows, offset = read_new_lines(path)
    assert rows == [{"n": 2}] and offset == path.stat().st_size


def test_a_line_that_is_not_utf8_is_named_not_a_traceback(tmp_path):
    p = tmp_path / "corpus.jsonl"
    p.write_bytes(b'\xef\xbb\xbf{"_id": "a", "text": "ok"}\n{"_id": "b", "text": "\xff\xfe bad"}\n')
    with pytest.raises(DataError, match=r"corpus\.jsonl, line 2: not valid JSON: the bytes are not UTF-8 text; "
                                        r"expected one JSON object per line\.$"):
        read_jsonl(p)
    assert read_jsonl(p, tolerant=True) == [{"_id": "a", "text": "ok"}]  # the byte-order mark is not a problem


def test_a_damaged_status_file_reads_as_no_status(tmp_path):
    """One run folder with a status.json that is not UTF-8, not JSON or not an object never breaks the runs list."""
    from core.run_folder import STATUS_FILE
    from core.training.events import read_status

    for data in (b"\xff\xfe\x00garbage", b"{not json", b"[1, 2]", b"\"running\""):
        (tmp_path / STATUS_FILE).write_bytes(data)
        assert read_status(tmp_path) == {}
    (tmp_path / STATUS_FILE).write_text('{"status": "completed"}', encoding="utf-8")
    assert read_status(tmp_path) == {"status": "completed"}
