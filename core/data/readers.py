"""Read any supported table file into a pandas DataFrame, keeping each row's original number.

``read_table(path, sheet=None) -> DataFrame``

Supported: CSV, TSV (``.tsv``, and ``.txt`` / ``.data`` / ``.tab`` files, tab-separated, often without a
header), JSON (a list of objects, an object holding such a list, an object of equal-length columns, or JSON
lines in a ``.json`` file), JSONL / NDJSON, Parquet, Excel (``.xlsx`` / ``.xlsm`` with openpyxl; ``.xls``
with xlrd when installed), and any text format above compressed as ``.gz``.

What is decided automatically (and recorded in ``df.attrs``):

- text encoding (``attrs["encoding"]``): a UTF-16 byte-order mark; else UTF-8 (with or without BOM) if the
  bytes are valid UTF-8; else GB18030 (a superset of GBK / GB2312, what Excel writes on Chinese Windows);
  else charset-normalizer's best guess.
- quoting (``attrs["quoting"]``: ``"minimal"`` or ``"none"``): files like the English STS-B TSV carry quote
  characters inside unquoted fields; when reading with standard CSV quoting gives ragged rows or swallows
  lines but reading with quoting off gives a clean table, quoting is turned off (``csv.QUOTE_NONE``).
- header (``attrs["header"]``: bool): the first row is a header when it holds a known column name
  (``query``, ``label``, ``问题``, ...); it is data when its last cell is a number (``s1<TAB>s2<TAB>label``)
  or it looks like the rows below it. Headerless tables get positional names ``col1``, ``col2``, ...

Every returned frame has an int column ``_row``: the row's original 1-based number as a spreadsheet user
counts it (header = row 1 for CSV / TSV / Excel), or the line number for JSON lines, or the record number
for JSON arrays and Parquet. Rows whose field count does not match the header are kept (padded) but listed
in ``attrs["read_issues"]`` (a list of ``Issue``) so the loader can report and exclude them.

Unreadable files raise ``DataError`` with one sentence naming the file and the problem.

Limits (module constants, each overridable by the environment variable of the same name; checked before the
data is expanded, so a small hostile file cannot exhaust memory):

- ``STUDIO_MAX_UNCOMPRESSED_BYTES``: what a ``.xlsx`` (sum of its zip members), a ``.parquet`` (uncompressed
  size in its metadata) or a ``.gz`` (decompressed as a stream, stopping at the limit) may expand to.
- ``STUDIO_MAX_ZIP_RATIO``: the largest expansion ratio of one ``.xlsx`` member above 1 MB (zip bombs).
- ``STUDIO_MAX_CELLS``: rows x columns of an Excel sheet (its dimension, and the rows actually read) or a
  Parquet file (its metadata).
- ``STUDIO_MAX_JSON_DEPTH``: how deeply JSON values may nest (each JSON line on its own).
- ``STUDIO_MAX_TEXT_BYTES`` / ``STUDIO_MAX_ROWS``: the size and the line count of a text data file (CSV, TSV,
  JSON lines; a ``.gz`` one once decompressed), checked before rows are built (a 100 MB file of 10-byte rows
  took 6.8 GB as rows). A data path that is not a regular file (a device such as ``/dev/zero``, a pipe) is
  refused before it is opened.
- ``STUDIO_MAX_COLUMNS``: the most columns a table (CSV/TSV row, JSON keys, Excel sheet, Parquet schema) may
  have; checked on the first rows' fields before the table is built.
- ``STUDIO_MAX_CELL_CHARS``: the longest text cell; a longer one is an error issue naming row and column and
  its row is left out.
- ``STUDIO_MAX_BAD_LINE_SHARE``: JSON lines that are not a JSON object are error issues naming the line and
  the good lines are read; the file is refused when no good line remains or more than this share is bad.

Other findings reported as issues rather than silently: NUL characters inside text (removed, a warning naming
row and column), a header that repeats a column name (a warning naming the new name). A file mostly in UTF-8
with some lines in another encoding is refused naming those lines.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any, Optional

import pandas as pd

from core.data.issues import Issue
from core.data.vocabulary import is_number, known_column_names, norm_name  # noqa: F401  (is_number, norm_name re-exported)
from core.errors import DataError
from core.jsonl import deep_message, parse_line, too_deep

csv.field_size_limit(2**31 - 1)

MAX_UNCOMPRESSED_BYTES = 1_000_000_000
MAX_ZIP_RATIO = 100
MAX_CELLS = 10_000_000
MAX_JSON_DEPTH = 32
MAX_CELL_CHARS = 1_000_000
MAX_COLUMNS = 1000  # training and evaluation tables have a handful of columns; a very wide file is refused
MAX_TEXT_BYTES = 500_000_000  # a text data file (CSV/TSV/JSON lines) as stored, before its rows are built
MAX_ROWS = 2_000_000  # lines of a text data file: tiny rows cost far more memory than their bytes
MAX_BAD_LINE_SHARE = 0.5
_RATIO_MIN_BYTES = 1_000_000  # smaller zip members may compress as well as they like


def limit(name: str) -> float:
    """The limit ``name`` (e.g. ``"MAX_CELLS"``): env var ``STUDIO_<name>`` when set, else the module constant."""
    default = globals()[name]
    raw = os.environ.get(f"STUDIO_{name}", "").strip()
    if not raw:
        return default
    try:
        value = type(default)(float(raw)) if isinstance(default, int) else float(raw)
    except ValueError:
        raise DataError(f"The environment variable STUDIO_{name} is '{raw}'; expected a number.") from None
    if value <= 0:
        raise DataError(f"The environment variable STUDIO_{name} is {raw}; expected a number above 0.")
    return value

TEXT_KINDS = {"csv", "tsv", "json", "jsonl"}
_SUFFIX_KIND = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "tsv",
    ".data": "tsv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".xls": "xls",
}
# Suffixes whose files usually have no header row (senteval_cn style ``s1<TAB>s2<TAB>label``).
_HEADERLESS_BY_DEFAULT = {".txt", ".data"}


def file_kind(path: str | os.PathLike) -> tuple[str, str, bool]:
    """Return ``(kind, inner_suffix, gzipped)`` for a path, e.g. ``("tsv", ".tsv", True)`` for ``x.tsv.gz``."""
    p = Path(path)
    suffixes = [s.lower() for s in p.suffixes]
    gz = bool(suffixes) and suffixes[-1] in (".gz", ".gzip")
    inner = suffixes[-2] if gz and len(suffixes) >= 2 else (suffixes[-1] if suffixes and not gz else "")
    kind = _SUFFIX_KIND.get(inner)
    if kind is None:
        supported = ", ".join(sorted(_SUFFIX_KIND)) + " (and .gz of the text ones)"
        raise DataError(f"{p.name} has a file type this app cannot read ('{inner or p.suffix or 'no extension'}'); supported: {supported}.")
    if gz and kind not in TEXT_KINDS:
        raise DataError(f"{p.name} is a compressed {kind} file; only text files (CSV, TSV, JSON, JSONL) can be read from .gz.")
    return kind, inner, gz


def decode_bytes(data: bytes, name: str = "file") -> tuple[str, str]:
    """Decode file bytes to text; return ``(text, encoding)``.

    Order: UTF-32 / UTF-16 BOM, strict UTF-8 (BOM stripped), strict GB18030, then charset-normalizer. A GB18030
    decoding whose characters are mostly rare ones (typical of Latin-1/cp1252 bytes read as GBK) is checked
    against charset-normalizer's guess, which wins when it names another encoding.
    """
    # UTF-32 first: its little-endian marker begins with UTF-16's.
    for boms, enc in (((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE), "utf-32"), ((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE), "utf-16")):
        if data.startswith(boms):
            try:
                return data.decode(enc), enc
            except UnicodeDecodeError as err:
                raise DataError(f"{name} starts with a {enc.upper()} marker but is not valid {enc.upper()} ({err.reason} at byte {err.start}).") from None
    try:
        enc = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
        return data.decode("utf-8-sig"), enc
    except UnicodeDecodeError:
        pass
    _refuse_mixed_encodings(data, name)
    try:
        text = data.decode("gb18030")
        if _plausible_chinese(text):
            return text, "gb18030"
        # e.g. Latin-1 "résumé": 0xE9 0x73 is also a (rare) GBK character; ask charset-normalizer
        guess = _charset_guess(data)
        if guess is None or guess[1].replace("_", "").lower() in ("gb18030", "gbk", "gb2312"):
            return text, "gb18030"
        return guess
    except UnicodeDecodeError:
        pass
    guess = _charset_guess(data)
    if guess is None:
        raise DataError(f"{name} is not a text file this app can decode (tried UTF-8, GB18030/GBK and automatic detection); save it as UTF-8.")
    return guess


def _refuse_mixed_encodings(data: bytes, name: str) -> None:
    """Raise ``DataError`` naming the lines when a file that is not valid UTF-8 is mostly UTF-8: at least one
    non-ASCII line is valid UTF-8 and the invalid lines are no more than half of the non-ASCII ones."""
    good, bad = 0, []
    for lineno, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            good += 1
        except UnicodeDecodeError:
            bad.append(lineno)
    if good and bad and len(bad) <= good:
        shown = ", ".join(str(n) for n in bad[:10]) + (", ..." if len(bad) > 10 else "")
        raise DataError(f"{name} mixes text encodings: {len(bad)} line(s) are not UTF-8 while the rest is (line {shown}); "
                        "save the whole file as UTF-8.")


def _charset_guess(data: bytes) -> Optional[tuple[str, str]]:
    """charset-normalizer's best guess, except that cp1252 (what Excel on Western-locale Windows writes) wins
    whenever it is one of the candidates: short samples cannot tell the single-byte code pages apart."""
    from charset_normalizer import from_bytes

    matches = from_bytes(data)
    best = matches.best()
    if best is None or not best.encoding:
        return None
    if best.encoding != "cp1252" and any("cp1252" in m.could_be_from_charset for m in matches):
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    return str(best), best.encoding


def _plausible_chinese(text: str, sample: int = 200_000) -> bool:
    """True when the non-ASCII characters of a GB18030 decoding are mostly common Chinese characters or
    Chinese punctuation (GB2312 rows 0xA1-0xA9 and level-1 hanzi 0xB0-0xD7), as in real GBK text."""
    common = total = 0
    for ch in text[:sample]:
        if ord(ch) < 128:
            continue
        total += 1
        try:
            lead = ch.encode("gb18030")[0]
        except UnicodeEncodeError:
            continue
        if 0xA1 <= lead <= 0xA9 or 0xB0 <= lead <= 0xD7:
            common += 1
    return total == 0 or common >= 0.6 * total


def _too_big(name: str, what: str, size: str) -> DataError:
    cap = int(limit("MAX_UNCOMPRESSED_BYTES"))
    return DataError(f"{name} {what} {size}, more than the {cap:,} bytes allowed (STUDIO_MAX_UNCOMPRESSED_BYTES); "
                     "it may be a compression bomb, so it was not read.")


def _check_text_size(data: bytes, name: str) -> None:
    """Refuse a text data file over ``MAX_TEXT_BYTES`` or ``MAX_ROWS`` lines with one sentence (before parsing)."""
    if len(data) > int(limit("MAX_TEXT_BYTES")):  # read one byte past the cap at most: the real size is not known
        raise _over_text_cap(name)
    rows_cap = int(limit("MAX_ROWS"))
    lines = data.count(b"\n")
    if lines > rows_cap:
        raise DataError(f"{name} has {lines:,} lines, more than the {rows_cap:,} rows allowed (STUDIO_MAX_ROWS); "
                        "split it into smaller files.")


def read_text_file(path: str | os.PathLike) -> bytes:
    """The bytes of a plain text file (a document, not a table) within ``MAX_TEXT_BYTES``; one sentence naming the
    file when it is not a regular file or is larger (read one byte past the limit at most)."""
    p = Path(path)
    if p.is_dir():
        raise DataError(f"'{p}' is a folder; choose a file.")
    if p.exists() and not p.is_file():
        raise DataError(f"'{p}' is not a regular file (a device, pipe or socket); choose a file.")
    data = _read_bytes(p, gz=False)
    if len(data) > int(limit("MAX_TEXT_BYTES")):
        raise _over_text_cap(p.name)
    return data


def check_text_file_size(path: str | os.PathLike) -> None:
    """Refuse, before reading, a text file larger than ``MAX_TEXT_BYTES`` (one sentence naming the file)."""
    p = Path(path)
    try:
        size = p.stat().st_size
    except OSError:
        return  # missing or unreadable: the reader says so in its own words
    if size > int(limit("MAX_TEXT_BYTES")):
        raise _over_text_cap(p.name)


def _over_text_cap(name: str) -> DataError:
    cap = int(limit("MAX_TEXT_BYTES"))
    return DataError(f"{name} holds more than the {cap:,} bytes of text allowed (STUDIO_MAX_TEXT_BYTES); "
                     "split it into smaller files.")


def _read_bytes(path: Path, gz: bool) -> bytes:
    try:
        if gz:
            cap = int(limit("MAX_UNCOMPRESSED_BYTES"))
            text_cap = int(limit("MAX_TEXT_BYTES"))
            with gzip.open(path, "rb") as fh:  # stream: stop one byte past the lower of the two limits
                data = fh.read(min(cap, text_cap) + 1)
            if len(data) > cap:
                raise _too_big(path.name, "expands when decompressed to", f"over {cap:,} bytes")
            return data  # over the text limit: _check_text_size says so
        cap = int(limit("MAX_TEXT_BYTES"))
        with open(path, "rb") as fh:  # one byte past the limit at most, whatever the file claims to hold
            return fh.read(cap + 1)
    except (OSError, EOFError, gzip.BadGzipFile) as err:
        raise DataError(f"{path.name} could not be read: {err}.") from None


# ----------------------------------------------------------------------------------------- delimited text


def _records(text: str, delimiter: str, quoting: int) -> list[tuple[int, list[str]]]:
    """Parse delimited text into ``(record_number, cells)``; blank lines are skipped but counted."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quoting=quoting, strict=False)
    out = []
    for i, cells in enumerate(reader, start=1):
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue
        out.append((i, cells))
    return out


def _width_profile(records: list[tuple[int, list[str]]]) -> Counter:
    return Counter(len(c) for _, c in records)


def _choose_quoting(text: str, delimiter: str) -> tuple[int, list[tuple[int, list[str]]]]:
    """Pick ``csv.QUOTE_MINIMAL`` unless quote characters inside fields break it and QUOTE_NONE does not."""
    try:
        minimal = _records(text, delimiter, csv.QUOTE_MINIMAL)
    except csv.Error:
        minimal = None
    if '"' not in text and minimal is not None:
        return csv.QUOTE_MINIMAL, minimal
    try:
        none = _records(text, delimiter, csv.QUOTE_NONE)
    except csv.Error:
        none = None
    if minimal is None:
        if none is None:
            raise csv.Error("the rows cannot be split into fields")
        return csv.QUOTE_NONE, none
    if none is None:
        return csv.QUOTE_MINIMAL, minimal
    none_w, min_w = _width_profile(none), _width_profile(minimal)
    none_clean = len(none_w) == 1
    min_clean = len(min_w) == 1
    if none_clean and (not min_clean or len(minimal) != len(none)):
        return csv.QUOTE_NONE, none
    if not min_clean and not none_clean:
        # neither is clean: keep whichever has more rows of the most common width
        if none_w.most_common(1)[0][1] > min_w.most_common(1)[0][1]:
            return csv.QUOTE_NONE, none
    return csv.QUOTE_MINIMAL, minimal


def _sniff_delimiter(text: str, kind: str, inner: str) -> str:
    head = text[:20000].splitlines()[:20]
    first = head[0] if head else ""
    if kind == "csv":
        if "," not in first and "\t" in first:
            return "\t"
        if "," not in first and ";" in first:
            return ";"
        return ","
    # tsv-ish: tab unless the lines clearly use commas and no tabs
    tabs = sum(line.count("\t") for line in head)
    commas = sum(line.count(",") for line in head)
    if inner != ".tsv" and tabs == 0 and commas >= len(head) > 0:
        return ","
    return "\t"


def looks_like_header(first: list[Any], rest: list[list[Any]], default: bool) -> bool:
    """Decide whether ``first`` (the first row) is a header row.

    Header: any cell is a known column name, or a column is numeric below but not in the first row.
    Data: the last cell is a number, the cells repeat, or a cell is long like a sentence.
    Otherwise ``default`` (True for CSV/TSV/Excel, False for .txt/.data).
    """
    cells = ["" if c is None else str(c) for c in first]
    known = known_column_names()
    if any(norm_name(c) in known for c in cells if c.strip()):
        return True
    if cells and is_number(first[-1]):
        return False
    if any(is_number(c) for c in first):
        return False
    nonempty = [c for c in cells if c.strip()]
    if len(set(nonempty)) < len(nonempty):
        return False
    sample = rest[:200]
    for j, cell in enumerate(first):
        col = [r[j] for r in sample if j < len(r) and str(r[j]).strip()]
        if col and not is_number(cell) and sum(is_number(v) for v in col) >= 0.9 * len(col):
            return True
    if any(len(c) > 60 for c in cells):
        return False
    return default


def check_columns(count: int, name: str) -> None:
    """Refuse a table of more than ``MAX_COLUMNS`` columns with one sentence (before it is built)."""
    cap = int(limit("MAX_COLUMNS"))
    if count > cap:
        raise DataError(f"{name} has {count:,} columns, more than the {cap:,} allowed (STUDIO_MAX_COLUMNS); "
                        "a training or evaluation table needs only its text and label columns.")


def _frame_from_rows(records: list[tuple[int, list[Any]]], header: bool, name: str) -> pd.DataFrame:
    if not records:
        raise DataError(f"{name} has no rows.")
    check_columns(max(len(cells) for _, cells in records), name)
    read_issues: list[Issue] = []
    if header:
        renamed: list[tuple[str, str]] = []
        names = _clean_names(records[0][1], renamed)
        body = records[1:]
        for original, new in renamed:
            read_issues.append(Issue(name, records[0][0], new, f"the header repeats the column name '{original}'; "
                                     f"this column is read as '{new}'", "warning", "duplicate_header"))
    else:
        width = Counter(len(c) for _, c in records).most_common(1)[0][0]
        names = [f"col{i + 1}" for i in range(width)]
        body = records
    width = len(names)
    rows, numbers = [], []
    for num, cells in body:
        cells = list(cells)
        if len(cells) != width:
            if len(cells) > width and all(not str(c).strip() for c in cells[width:]):
                cells = cells[:width]  # trailing empty fields (e.g. a trailing tab) are harmless
            else:
                what = "fewer" if len(cells) < width else "more"
                read_issues.append(Issue(name, num, None, f"has {len(cells)} fields, {what} than the {width} expected (check the separator or quote characters)", "error", "bad_field_count"))
                cells = (cells + [""] * width)[:width]
        rows.append(cells)
        numbers.append(num)
    df = pd.DataFrame(rows, columns=names, dtype=object) if rows else pd.DataFrame(columns=names, dtype=object)
    # columns with neither a header nor any value (e.g. an unused first column in Excel) are dropped
    blank = [n for j, n in enumerate(names) if (not header or not str(records[0][1][j]).strip())
             and all(isinstance(v, str) and not v.strip() for v in df[n].tolist())]
    if blank and len(blank) < len(names):
        df = df.drop(columns=blank)
    df.insert(0, "_row", pd.array(numbers, dtype="int64"))
    df.attrs["read_issues"] = read_issues
    df.attrs["header"] = header
    return df


def _clean_names(cells: list[Any], renamed: Optional[list[tuple[str, str]]] = None) -> list[str]:
    """Header cells as unique column names; a repeated name ``n`` becomes ``n.1``, ``n.2`` ... and each such
    ``(n, new)`` is appended to ``renamed``."""
    names, seen = [], Counter()
    for i, c in enumerate(cells):
        n = str(c).strip().lstrip("\ufeff") if c is not None else ""
        if not n or n.lower() == "nan":
            n = f"col{i + 1}"
        if n == "_row":
            n = "_row_original"
        seen[n] += 1
        if seen[n] > 1:
            new = f"{n}.{seen[n] - 1}"
            if renamed is not None:
                renamed.append((n, new))
            n = new
        names.append(n)
    return names


def _read_delimited(text: str, kind: str, inner: str, name: str, header: Optional[bool] = None) -> pd.DataFrame:
    delimiter = _sniff_delimiter(text, kind, inner)
    try:
        quoting, records = _choose_quoting(text, delimiter)
    except csv.Error as err:
        raise DataError(f"{name} cannot be read as {'CSV' if delimiter == ',' else 'tab-separated'} text: {err}.") from None
    if not records:
        raise DataError(f"{name} is empty.")
    if header is None:
        header = looks_like_header(records[0][1], [c for _, c in records[1:201]], default=inner not in _HEADERLESS_BY_DEFAULT)
    df = _frame_from_rows(records, header, name)
    df.attrs.update(delimiter=delimiter, quoting="none" if quoting == csv.QUOTE_NONE else "minimal")
    return df


# ------------------------------------------------------------------------------------------------- JSON


def _json_error(name: str, row: int, err: json.JSONDecodeError) -> DataError:
    return DataError(f"row {row} of {name} is not valid JSON: {err.msg} (column {err.colno}).",
                     [Issue(name, row, None, f"not valid JSON: {err.msg} (column {err.colno})", "error", "bad_json")])


def _read_jsonl(text: str, name: str) -> pd.DataFrame:
    """One JSON object per line. A bad line is an error issue naming it and the good lines are read; the file
    is refused when no good line remains or more than ``MAX_BAD_LINE_SHARE`` of the lines are bad."""
    max_depth = int(limit("MAX_JSON_DEPTH"))
    records, numbers, bad = [], [], []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        obj, problem, kind = parse_line(line, max_depth)
        if problem is not None:
            bad.append(Issue(name, lineno, None, problem, "error", kind))
            continue
        records.append(obj)
        numbers.append(lineno)
    if not records and not bad:
        raise DataError(f"{name} has no rows.")
    share = limit("MAX_BAD_LINE_SHARE")
    if not records or len(bad) > share * (len(bad) + len(records)):
        first = bad[0]
        verb = "" if first.message.startswith("is ") else "is "
        more = f" ({len(bad)} of {len(bad) + len(records)} lines are unusable)" if len(bad) > 1 else ""
        raise DataError(f"row {first.row} of {name} {verb}{first.message}{more}.", bad)
    df = _frame_from_records(records, numbers, name)
    df.attrs["read_issues"] = bad
    df.attrs["rows_skipped"] = len(bad)  # lines not in the frame at all
    return df


def _frame_from_records(records: list[dict], numbers: list[int], name: str = "the file") -> pd.DataFrame:
    keys: set = set()
    for record in records:
        keys.update(record)
    check_columns(len(keys), name)
    df = pd.DataFrame.from_records(records)
    df = df.astype(object)
    if "_row" in df.columns:
        df = df.rename(columns={"_row": "_row_original"})
    df.insert(0, "_row", pd.array(numbers, dtype="int64"))
    df.attrs["read_issues"] = []
    df.attrs["header"] = True
    return df


def _read_json(text: str, name: str) -> pd.DataFrame:
    stripped = text.lstrip()
    if not stripped:
        raise DataError(f"{name} is empty.")
    if stripped[0] not in "[{":
        raise DataError(f"{name} is not JSON: it starts with '{stripped[:20]}' instead of '[' or '{{'.")
    max_depth = int(limit("MAX_JSON_DEPTH"))
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as err:
        if stripped[0] == "{":  # probably JSON lines in a .json file
            return _read_jsonl(text, name)
        raise DataError(f"{name} is not valid JSON: {err.msg} at line {err.lineno}, column {err.colno}.") from None
    except RecursionError:
        raise DataError(f"{name} is {deep_message(max_depth)}.") from None
    if isinstance(obj, (dict, list)) and too_deep(obj, max_depth):
        raise DataError(f"{name} is {deep_message(max_depth)}.")
    if isinstance(obj, dict):
        lists = {k: v for k, v in obj.items() if isinstance(v, list)}
        record_lists = {k: v for k, v in lists.items() if v and all(isinstance(x, dict) for x in v)}
        if len(record_lists) == 1 or any(k in record_lists for k in ("data", "records", "rows", "examples")):
            key = next((k for k in ("data", "records", "rows", "examples") if k in record_lists), next(iter(record_lists or {"": None})))
            obj = record_lists[key]
        elif lists and len(lists) == len(obj) and len({len(v) for v in lists.values()}) == 1:
            n = len(next(iter(lists.values())))
            obj = [{k: v[i] for k, v in lists.items()} for i in range(n)]
        else:
            return _frame_from_records([obj], [1], name)
    if not isinstance(obj, list):
        raise DataError(f"{name} holds a JSON {type(obj).__name__}; expected a list of objects or one object per line.")
    bad = next((i for i, r in enumerate(obj) if not isinstance(r, dict)), None)
    if bad is not None:
        raise DataError(f"record {bad + 1} of {name} is a JSON {type(obj[bad]).__name__}, expected an object like {{\"query\": ..., \"positive\": ...}}.")
    if not obj:
        raise DataError(f"{name} holds an empty list.")
    return _frame_from_records(obj, list(range(1, len(obj) + 1)), name)


# ---------------------------------------------------------------------------------------- binary formats


def check_zip(path: Path) -> None:
    """Refuse an .xlsx or .docx whose zip members expand past ``MAX_UNCOMPRESSED_BYTES`` in total, or one of which (above
    1 MB) expands more than ``MAX_ZIP_RATIO`` times, before anything is decompressed."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError):
        return  # not a zip: openpyxl says so in its own words below
    total = sum(m.file_size for m in members)
    if total > limit("MAX_UNCOMPRESSED_BYTES"):
        raise _too_big(path.name, "expands when unzipped to", f"{total:,} bytes")
    ratio_cap = limit("MAX_ZIP_RATIO")
    for m in members:
        if m.file_size > _RATIO_MIN_BYTES and m.file_size > ratio_cap * max(m.compress_size, 1):
            ratio = m.file_size / max(m.compress_size, 1)
            raise DataError(f"{path.name} holds {m.filename}, which expands {ratio:,.0f} times ({m.compress_size:,} to "
                            f"{m.file_size:,} bytes), more than the {ratio_cap:g} times allowed (STUDIO_MAX_ZIP_RATIO); "
                            "it may be a zip bomb, so it was not read.")


def _too_many_cells(name: str, cells: str) -> DataError:
    cap = int(limit("MAX_CELLS"))
    return DataError(f"{name} has {cells} cells, more than the {cap:,} allowed (STUDIO_MAX_CELLS); split it into smaller files.")


def _read_excel(path: Path, sheet: Optional[str | int], engine: str, header: Optional[bool] = None) -> pd.DataFrame:
    name = path.name
    if engine == "openpyxl":
        check_zip(path)
    try:
        book = pd.ExcelFile(path, engine=engine)
    except Exception as err:  # openpyxl/xlrd raise many types for a broken file
        raise DataError(f"{name} could not be opened as an Excel workbook: {err}.") from None
    sheets = book.sheet_names
    if sheet is None:
        sheet_name: str | int = 0
    elif isinstance(sheet, int) or (isinstance(sheet, str) and sheet.isdigit() and sheet not in sheets):
        idx = int(sheet)
        if not 0 <= idx < len(sheets):
            raise DataError(f"{name} has no sheet number {idx}; its sheets are: {', '.join(sheets)}.")
        sheet_name = idx
    else:
        if sheet not in sheets:
            raise DataError(f"{name} has no sheet named '{sheet}'; its sheets are: {', '.join(sheets)}.")
        sheet_name = sheet
    max_cells = int(limit("MAX_CELLS"))
    width = 1
    if engine == "openpyxl":  # the sheet's declared dimension, read without loading its cells
        ws = book.book[sheets[sheet_name] if isinstance(sheet_name, int) else sheet_name]
        rows_d, cols_d = getattr(ws, "max_row", None) or 0, getattr(ws, "max_column", None) or 0
        if rows_d * cols_d > max_cells:
            raise _too_many_cells(name, f"{rows_d:,} rows x {cols_d:,} columns =" + f" {rows_d * cols_d:,}")
        width = max(1, cols_d)
    # never read more rows than the cell limit allows, whatever the dimension claims
    raw = book.parse(sheet_name, header=None, dtype=object, na_filter=False, nrows=max_cells // width + 1)
    if raw.size > max_cells:
        raise _too_many_cells(name, f"more than {max_cells:,}")
    records = []
    for i, values in enumerate(raw.itertuples(index=False), start=1):
        cells = ["" if (isinstance(v, float) and v != v) else v for v in values]
        if all(isinstance(c, str) and not c.strip() for c in cells):
            continue
        # trim trailing empty cells so ragged-looking sheets line up with their header
        records.append((i, cells))
    if not records:
        raise DataError(f"{name} (sheet {sheets[sheet_name] if isinstance(sheet_name, int) else sheet_name}) has no rows.")
    if header is None:
        header = looks_like_header(records[0][1], [c for _, c in records[1:201]], default=True)
    df = _frame_from_rows(records, header, name)
    df.attrs["sheet"] = sheets[sheet_name] if isinstance(sheet_name, int) else sheet_name
    df.attrs["sheets"] = list(sheets)
    return df


def _check_parquet(path: Path) -> None:
    """Refuse a Parquet file whose metadata promises more than ``MAX_CELLS`` cells or more than
    ``MAX_UNCOMPRESSED_BYTES`` uncompressed, before reading its data."""
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
    except Exception as err:  # pyarrow raises ArrowInvalid etc.
        raise DataError(f"{path.name} could not be read as Parquet: {err}.") from None
    cells = meta.num_rows * meta.num_columns
    if cells > limit("MAX_CELLS"):
        raise _too_many_cells(path.name, f"{meta.num_rows:,} rows x {meta.num_columns:,} columns = {cells:,}")
    check_columns(meta.num_columns, path.name)
    size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if size > limit("MAX_UNCOMPRESSED_BYTES"):
        raise _too_big(path.name, "expands when decompressed to", f"{size:,} bytes")


def _read_parquet(path: Path) -> pd.DataFrame:
    _check_parquet(path)
    try:
        df = pd.read_parquet(path)
    except Exception as err:  # pyarrow raises ArrowInvalid etc.
        raise DataError(f"{path.name} could not be read as Parquet: {err}.") from None
    df = df.reset_index(drop=True)
    records = df.to_dict(orient="records")
    for r in records:  # arrays from list columns become plain lists
        for k, v in r.items():
            if hasattr(v, "tolist") and not isinstance(v, (str, bytes)):
                r[k] = v.tolist()
    if not records:
        raise DataError(f"{path.name} has no rows.")
    return _frame_from_records(records, list(range(1, len(records) + 1)), path.name)


# ------------------------------------------------------------------------------------------------ cells


def _check_cells(df: pd.DataFrame, name: str, nul: bool = True, long: bool = True) -> None:
    """Add issues to ``df.attrs["read_issues"]`` for text cells (or list items) longer than
    ``MAX_CELL_CHARS`` (error: the row is left out; checked when ``long``) and remove NUL characters from
    cells (warning; checked when ``nul``)."""
    if not (nul or long):
        return
    max_chars = int(limit("MAX_CELL_CHARS")) if long else float("inf")
    issues = df.attrs.setdefault("read_issues", [])
    rows = df["_row"].tolist()
    for col in df.columns:
        if col == "_row" or df[col].dtype != object:
            continue
        values = df[col].tolist()
        changed = False
        for i, v in enumerate(values):
            texts = [v] if isinstance(v, str) else [x for x in v if isinstance(x, str)] if isinstance(v, list) else []
            if not texts:
                continue
            longest = len(texts[0]) if len(texts) == 1 else max(len(t) for t in texts)
            if longest > max_chars:
                issues.append(Issue(name, int(rows[i]), str(col), f"the cell holds {longest:,} characters, more than the "
                                    f"{max_chars:,} allowed (STUDIO_MAX_CELL_CHARS); the row is left out", "error", "cell_too_long"))
            nuls = sum(t.count("\x00") for t in texts) if nul else 0
            if nuls:
                values[i] = v.replace("\x00", "") if isinstance(v, str) else [x.replace("\x00", "") if isinstance(x, str) else x for x in v]
                changed = True
                issues.append(Issue(name, int(rows[i]), str(col), f"the cell held {nuls} NUL character(s) (binary or corrupted "
                                    "bytes); they were removed", "warning", "nul_character"))
        if changed:
            df[col] = pd.Series(values, index=df.index, dtype=object)


# ------------------------------------------------------------------------------------------------ public


def read_table(path: str | os.PathLike, sheet: Optional[str | int] = None, header: Optional[bool] = None) -> pd.DataFrame:
    """Read a data file into a DataFrame with a leading ``_row`` column (original 1-based row number).

    Inputs: ``path`` to a CSV/TSV/TXT/DATA/JSON/JSONL/Parquet/XLSX/XLS file (text ones may be ``.gz``);
    ``sheet`` (name or 0-based index) for Excel files, default the first sheet; ``header`` forces whether
    the first row of a CSV/TSV/Excel table is a header (default: decided by ``looks_like_header``).
    Output: DataFrame; text cells as ``str`` (empty cells as ``""``), JSON values as given (lists stay
    lists). ``attrs`` holds ``kind``, ``encoding``, ``delimiter``, ``quoting``, ``header``, ``read_issues``.
    Raises ``DataError`` naming the file (and the row for a bad JSON line) when it cannot be read.
    """
    p = Path(path)
    name = p.name
    if not p.exists():
        raise DataError(f"The data file '{p}' does not exist.")
    if p.is_dir():
        parts = {"corpus.jsonl": (p / "corpus.jsonl").is_file(), "queries.jsonl": (p / "queries.jsonl").is_file(),
                 "qrels/*.tsv": any((p / "qrels").glob("*.tsv")) if (p / "qrels").is_dir() else False}
        if any(parts.values()):  # part of a BEIR folder: say what it lacks, not just "a folder"
            missing = ", ".join(k for k, v in parts.items() if not v)
            raise DataError(f"'{p}' looks like a BEIR folder but has no {missing}; a BEIR folder needs corpus.jsonl, "
                            "queries.jsonl and qrels/*.tsv.")
        raise DataError(f"'{p}' is a folder; choose a data file inside it.")
    if not p.is_file():  # a device (/dev/zero), a pipe or a socket: reading it could never end
        raise DataError(f"'{p}' is not a regular file (a device, pipe or socket); choose a data file.")
    kind, inner, gz = file_kind(p)
    if kind == "excel":
        df = _read_excel(p, sheet, "openpyxl", header)
    elif kind == "xls":
        try:
            import xlrd  # noqa: F401
        except ImportError:
            raise DataError(f"{name} is an old Excel 97-2003 (.xls) file; reading it needs the 'xlrd' package, or save it as .xlsx or CSV.") from None
        df = _read_excel(p, sheet, "xlrd", header)
    elif kind == "parquet":
        df = _read_parquet(p)
    else:
        data = _read_bytes(p, gz)
        _check_text_size(data, name)
        if not data.strip():
            raise DataError(f"{name} is empty.")
        if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise DataError(f"{name} looks like a binary file, not {kind.upper()} text.")
        text, encoding = decode_bytes(data, name)
        if kind == "jsonl":
            df = _read_jsonl(text, name)
        elif kind == "json":
            df = _read_json(text, name)
        else:
            df = _read_delimited(text, kind, inner, name, header)
        df.attrs["encoding"] = encoding
        max_chars = limit("MAX_CELL_CHARS")
        # a cell can only be too long when a line is (or when a quoted CSV/TSV cell spans lines)
        long = len(text) > max_chars and ((kind in ("csv", "tsv") and '"' in text) or max(map(len, text.splitlines())) > max_chars)
        _check_cells(df, name, nul="\x00" in text or "\\u0000" in text, long=long)
    if kind in ("excel", "xls", "parquet"):
        _check_cells(df, name)
    df.attrs["kind"] = kind
    df.attrs["gzip"] = gz
    df.attrs.setdefault("read_issues", [])
    return df
