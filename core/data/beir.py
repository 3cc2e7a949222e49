"""Read a BEIR-layout folder: ``corpus.jsonl`` ({_id, title, text}), ``queries.jsonl`` ({_id, text, ...}),
``qrels/<split>.tsv`` (``query-id<TAB>corpus-id<TAB>score``, with or without a header; TREC 4-column lines too).

``CORPUS_FILE`` / ``QUERIES_FILE`` / ``BEIR_DIR`` name the layout; ``beir_beside(folder)`` is the one rule for "the BEIR
evaluation folder a dataset keeps beside its splits" (the sample, a built set).

``read_beir(folder, split=None) -> core.data.retrieval.RetrievalSet`` is the one reader behind the builder's round trip
(``core.builder.dataset_files.load_beir``) and the evaluation sets (``core.evaluation.load_beir``). ``split`` None
picks the only qrels file, else test > dev > validation > all. Errors name the file and line. Each file is a regular
file within ``STUDIO_MAX_TEXT_BYTES`` (checked before it is opened) and ``STUDIO_MAX_ROWS`` records.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Optional

from core.data.readers import check_text_file_size, limit
from core.data.retrieval import RetrievalSet
from core.errors import DataError
from core.jsonl import iter_jsonl

CORPUS_FILE = "corpus.jsonl"
QUERIES_FILE = "queries.jsonl"
BEIR_DIR = "beir"  # the BEIR folder a dataset keeps beside its train / validation / test files


def beir_beside(folder: str | Path | None) -> Optional[Path]:
    """``folder/beir`` when it holds a ``corpus.jsonl`` (the whole corpus with the test queries), else None."""
    if folder is None:
        return None
    beir = Path(folder) / BEIR_DIR
    return beir if (beir / CORPUS_FILE).is_file() else None


def read_jsonl_records(path: Path) -> list[dict]:
    """JSON objects with an ``_id`` from a JSONL file; an error names the file and line."""
    if path.exists() and not path.is_file():  # a folder, a device (/dev/zero) or a pipe: never read it
        raise DataError(f"{path} is not a regular file; a BEIR folder needs corpus.jsonl, queries.jsonl and "
                        "qrels/<split>.tsv as files.")
    if not path.is_file():
        raise DataError(f"{path} is missing; a BEIR folder needs corpus.jsonl, queries.jsonl and qrels/<split>.tsv.")
    check_text_file_size(path)
    rows_cap = int(limit("MAX_ROWS"))
    rows = []
    for lineno, obj in iter_jsonl(path, max_depth=int(limit("MAX_JSON_DEPTH"))):
        if not isinstance(obj, dict) or "_id" not in obj:
            raise DataError(f"{path}, line {lineno}: expected a JSON object with an '_id' field.")
        if len(rows) >= rows_cap:
            raise DataError(f"{path} has more than the {rows_cap:,} records allowed (STUDIO_MAX_ROWS); "
                            "split it or raise the limit.")
        rows.append(obj)
    return rows


def qrels_file(folder: Path, split: Optional[str]) -> Path:
    qdir = folder / "qrels"
    if split:
        path = qdir / f"{split}.tsv"
        if not path.is_file():
            found = sorted(p.stem for p in qdir.glob("*.tsv"))
            raise DataError(f"The BEIR folder '{folder}' has no qrels/{split}.tsv (found: {', '.join(found) or 'none'}).")
        return path
    files = sorted(qdir.glob("*.tsv"))
    if not files:
        raise DataError(f"The BEIR folder '{folder}' has no qrels/*.tsv file (expected e.g. qrels/test.tsv).")
    if len(files) == 1:
        return files[0]
    by_stem = {p.stem: p for p in files}
    for pref in ("test", "dev", "validation", "all"):
        if pref in by_stem:
            return by_stem[pref]
    raise DataError(f"The BEIR folder '{folder}' has several qrels files ({', '.join(sorted(by_stem))}); choose one with split=.")


def read_qrels(path: Path) -> dict[str, dict[str, int]]:
    if not path.is_file():
        raise DataError(f"{path} is not a regular file; a BEIR folder needs qrels/<split>.tsv as a file.")
    check_text_file_size(path)
    qrels: dict[str, dict[str, int]] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for lineno, row in enumerate(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
            if not row or not "".join(row).strip():
                continue
            if len(row) == 4:  # TREC style: qid 0 docid rel
                row = [row[0], row[2], row[3]]
            if len(row) < 2:
                raise DataError(f"{path}, line {lineno}: expected 'query-id<TAB>corpus-id<TAB>score', found {row!r}.")
            rel_text = row[2].strip() if len(row) > 2 else "1"
            try:
                rel = int(float(rel_text))
            except ValueError:
                if lineno == 1:
                    continue  # header line
                raise DataError(f"{path}, line {lineno}: relevance '{rel_text}' is not a number.") from None
            qrels.setdefault(row[0].strip(), {})[row[1].strip()] = rel
    return qrels


def read_beir(folder: str | Path, split: Optional[str] = None) -> RetrievalSet:
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"The BEIR folder '{folder}' does not exist.")
    corpus, titles = {}, {}
    for obj in read_jsonl_records(folder / CORPUS_FILE):
        d = str(obj["_id"])
        corpus[d] = str(obj.get("text") or "")
        if obj.get("title"):
            titles[d] = str(obj["title"])
    queries, meta = {}, {}
    for obj in read_jsonl_records(folder / QUERIES_FILE):
        qid = str(obj["_id"])
        queries[qid] = str(obj.get("text") or "")
        extra = {k: v for k, v in obj.items() if k not in {"_id", "text"}}
        if extra:
            meta[qid] = extra
    path = qrels_file(folder, split)
    return RetrievalSet(corpus=corpus, queries=queries, qrels=read_qrels(path), titles=titles, query_meta=meta, qrels_path=path)
