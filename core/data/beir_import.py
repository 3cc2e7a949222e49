"""A BEIR folder, or a ``.zip`` of one, as data the studio trains and evaluates on.

BEIR is how retrieval data usually travels (``corpus.jsonl``, ``queries.jsonl``, ``qrels/<split>.tsv``; see
``core.data.beir``). Two steps turn it into what the rest of the studio reads:

- ``beir_folder(path) -> Path``: the folder as given, or the BEIR folder inside a ``.zip`` unpacked under
  ``core.paths.datasets_root()/beir-zip-<content hash>/`` (reused when the same zip comes again). Only the layout's
  own files are taken from the zip (``corpus.jsonl``, ``queries.jsonl``, ``qrels/*.tsv`` under the shallowest folder
  holding the first two); a member with an absolute path, a ``..`` part or a link is refused, and so is a zip that
  expands past ``STUDIO_MAX_UNCOMPRESSED_BYTES`` or one of whose members expands more than ``STUDIO_MAX_ZIP_RATIO``
  times (``core.data.readers.check_zip``), before anything is written.
- A folder (or zip) whose ``corpus.jsonl`` / ``queries.jsonl`` come gzipped (``.gz``, as the Hugging Face BeIR sets
  ship) is read from a decompressed copy under ``datasets_root()/beir-gz-<hash>/`` (``ungzip_beir``), made once and
  bounded by ``STUDIO_MAX_UNCOMPRESSED_BYTES``; the user's folder is never written.
- ``beir_dataset(path) -> dict``: the dataset the Train tab and ``python -m core train --data`` train on, in the
  sample's layout (``core.training.settings.config_from_settings`` takes it): ``train.jsonl`` from
  ``qrels/train.tsv``, ``validation.jsonl`` from ``qrels/dev.tsv`` (or ``validation.tsv``) when there is one,
  ``test.jsonl`` from ``qrels/test.tsv`` when there is one, each a query-pos JSON lines file (``qpn`` format);
  ``passages.jsonl``, every passage of the corpus (the run's knowledge base: validation searches it, mining draws
  negatives from it); and ``beir/``, the corpus and queries with the test judgements alone, which Evaluate
  searches. Written once under ``datasets_root()/beir-<name>-<hash of the inputs>/``; a later call hashes the
  inputs, finds the folder's counts in its ``DONE_FILE`` and builds no rows again.

A folder without ``qrels/train.tsv`` (many BEIR sets ship their judgements as one ``test.tsv`` or ``all.tsv``) has
its judgements split by query (``split_queries``): ``qrels/test.tsv``, else the folder's only qrels file, gives a
seeded ``TEST_SHARE`` of its queries to the test split and the rest to training, and queries whose positives share a
passage stay on one side, so no test query's gold passage was taught as a training positive. ``group_by`` names a
field of ``queries.jsonl`` (the company or document a question is about) whose queries of one value stay on one side
too; the rows keep it as a column, so the validation split held out of training (``data.group_by``) keeps the same
groups whole. The dataset's counts say so (``counts["split"]``, ``counts["group_by"]``) and so does ``summary_line``. A folder with several qrels files, none of them train or
test, is refused with a sentence naming them.

A passage's text is its title and text joined as evaluation joins them (``RetrievalSet.titled_corpus``), so the model
trains on what the test searches. A query's positives are its judged passages of the highest grade it has (graded
judgements such as 2 "supports" over 1 "topical": the grade-1 passages are neither positives nor negatives).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import zipfile
from pathlib import Path, PurePosixPath
from typing import Optional

from core.data.beir import CORPUS_FILE, QUERIES_FILE, read_beir, read_qrels
from core.errors import DataError

QRELS_DIR = "qrels"
TRAIN_SPLIT = "train"
VALIDATION_SPLITS = ("dev", "validation", "valid")  # the first one present is the validation split
TEST_SPLIT = "test"
BEIR_SUBDIR = "beir"  # core.data.beir.BEIR_DIR: where the dataset keeps its test set, as the sample does
PASSAGES_FILE = "passages.jsonl"
DONE_FILE = ".complete"  # written last: a folder without it is a half-written one and is made again


GZ = ".gz"  # corpus.jsonl.gz / queries.jsonl.gz: how many BEIR downloads ship (the Hugging Face BeIR sets)


def layout_file(folder: Path, name: str) -> Optional[Path]:
    """``folder/name``, else ``folder/name.gz``, when it is a file; None when neither is."""
    return next((p for p in (folder / name, folder / (name + GZ)) if p.is_file()), None)


def is_beir_folder(path: str | os.PathLike) -> bool:
    """True when ``path`` is a folder holding ``corpus.jsonl`` and ``queries.jsonl``, each possibly gzipped (the
    BEIR layout)."""
    p = Path(path)
    return p.is_dir() and layout_file(p, CORPUS_FILE) is not None and layout_file(p, QUERIES_FILE) is not None


def is_zip(path: str | os.PathLike) -> bool:
    return Path(path).suffix.lower() == ".zip"


# ------------------------------------------------------------------------------------------------ the zip


def file_digest(path: Path) -> str:
    """A digest of a file's whole content (sha256, 16 hex characters): equal for two files holding the same bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def _safe_parts(name: str, zip_name: str) -> tuple[str, ...]:
    """The parts of a member's path; a DataError for an absolute path or a ``..`` part."""
    pure = PurePosixPath(name.replace("\\", "/"))
    if pure.is_absolute() or name.startswith(("/", "\\")) or ".." in pure.parts or (pure.parts and ":" in pure.parts[0]):
        raise DataError(f"{zip_name} holds '{name}', a path outside the zip's own folder; it was not unpacked.")
    return tuple(p for p in pure.parts if p not in ("", "."))


def _beir_members(zf: zipfile.ZipFile, zip_name: str) -> tuple[tuple[str, ...], dict[str, zipfile.ZipInfo]]:
    """(the BEIR root's parts inside the zip, {path below that root: member}) for the layout's files only."""
    files: dict[tuple[str, ...], zipfile.ZipInfo] = {}
    for info in zf.infolist():
        parts = _safe_parts(info.filename, zip_name)
        mode = info.external_attr >> 16
        if mode and stat.S_ISLNK(mode):
            raise DataError(f"{zip_name} holds '{info.filename}', a link; a BEIR zip holds plain files only.")
        if parts and not info.is_dir():
            files[parts] = info
    def has(root: tuple[str, ...], name: str) -> bool:
        return root + (name,) in files or root + (name + GZ,) in files

    roots = sorted((p[:-1] for p in files if p[-1] in (CORPUS_FILE, CORPUS_FILE + GZ) and has(p[:-1], QUERIES_FILE)),
                   key=len)
    if not roots:
        raise DataError(f"{zip_name} holds no BEIR folder: expected corpus.jsonl and queries.jsonl side by side "
                        "(with qrels/<split>.tsv beside them), at the zip's top or in one folder.")
    root = roots[0]
    keep: dict[str, zipfile.ZipInfo] = {}
    for parts, info in files.items():
        rel = parts[len(root):]
        if parts[:len(root)] != root:
            continue
        if (len(rel) == 1 and rel[0] in (CORPUS_FILE, QUERIES_FILE, CORPUS_FILE + GZ, QUERIES_FILE + GZ)) or \
                (len(rel) == 2 and rel[0] == QRELS_DIR and rel[1].endswith(".tsv")):
            keep["/".join(rel)] = info
    if not any(k.startswith(QRELS_DIR + "/") for k in keep):
        raise DataError(f"{zip_name} has a corpus and queries but no qrels/<split>.tsv judgements beside them.")
    return root, keep


def unpack_beir_zip(path: str | os.PathLike, out_root: Optional[Path] = None) -> Path:
    """The BEIR folder of the zip ``path``, unpacked (see the module docstring); returns the folder."""
    from core.data.readers import check_zip, limit
    from core.paths import atomic_replace_dir, datasets_root

    src = Path(path)
    if not src.is_file():
        raise DataError(f"The BEIR zip '{src}' does not exist or is not a file.")
    try:
        zf = zipfile.ZipFile(src)
    except (zipfile.BadZipFile, OSError) as err:
        raise DataError(f"{src.name} is not a readable zip file ({err}).") from None
    with zf:
        check_zip(src)  # the whole zip's size and each member's expansion, before anything is read
        _, members = _beir_members(zf, src.name)
        if sum(m.file_size for m in members.values()) > limit("MAX_UNCOMPRESSED_BYTES"):
            raise DataError(f"{src.name}'s BEIR files expand past STUDIO_MAX_UNCOMPRESSED_BYTES; split the corpus.")
        out = (out_root or datasets_root()) / f"beir-zip-{file_digest(src)}"
        if (out / DONE_FILE).is_file():
            return out

        def write(tmp: Path) -> None:
            for rel, info in members.items():
                target = tmp / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as fh, open(target, "wb") as dst:
                    shutil.copyfileobj(fh, dst, 1 << 20)
            (tmp / DONE_FILE).write_text(src.name, encoding="utf-8")

        atomic_replace_dir(out, write)
    return out


def ungzip_beir(folder: Path, out_root: Optional[Path] = None) -> Path:
    """``folder`` when its corpus and queries are plain JSON lines; else a copy with them decompressed, under
    ``core.paths.datasets_root()/beir-gz-<digest of the files>/`` (made once; the user's folder is never written),
    stopping with a DataError when the files expand past ``STUDIO_MAX_UNCOMPRESSED_BYTES``."""
    import gzip

    from core.data.readers import limit
    from core.paths import atomic_replace_dir, datasets_root

    sources = {name: layout_file(folder, name) for name in (CORPUS_FILE, QUERIES_FILE)}
    if not any(src.suffix == GZ for src in sources.values()):
        return folder
    qrels = sorted((folder / QRELS_DIR).glob("*.tsv")) if (folder / QRELS_DIR).is_dir() else []
    h = hashlib.sha256()
    for p in [*sources.values(), *qrels]:
        h.update(p.name.encode() + b"\0" + file_digest(p).encode())
    out = (out_root or datasets_root()) / f"beir-gz-{h.hexdigest()[:16]}"
    if (out / DONE_FILE).is_file():
        return out
    cap = int(limit("MAX_UNCOMPRESSED_BYTES"))

    def write(tmp: Path) -> None:
        left = cap
        for name, src in sources.items():
            try:
                with (gzip.open(src, "rb") if src.suffix == GZ else open(src, "rb")) as fh, open(tmp / name, "wb") as dst:
                    while chunk := fh.read(1 << 20):
                        left -= len(chunk)
                        if left < 0:
                            raise DataError(f"{src.name} expands past STUDIO_MAX_UNCOMPRESSED_BYTES "
                                            f"({cap:,} bytes with the other files); split the corpus.")
                        dst.write(chunk)
            except (OSError, EOFError) as err:
                raise DataError(f"{src.name} could not be read: {err}.") from None
        (tmp / QRELS_DIR).mkdir()
        for p in qrels:
            shutil.copyfile(p, tmp / QRELS_DIR / p.name)
        (tmp / DONE_FILE).write_text(str(folder), encoding="utf-8")

    atomic_replace_dir(out, write)
    return out


def beir_folder(path: str | os.PathLike, out_root: Optional[Path] = None) -> Path:
    """``path`` when it is a BEIR folder, the unpacked folder when it is a ``.zip`` of one; its corpus and queries
    decompressed first when they are gzipped (``ungzip_beir``); a DataError saying what was expected otherwise."""
    p = Path(path)
    if is_zip(p):
        return ungzip_beir(unpack_beir_zip(p, out_root), out_root)
    if is_beir_folder(p):
        return ungzip_beir(p, out_root)
    if p.is_dir():
        raise DataError(f"The folder '{p}' is not a BEIR folder (expected corpus.jsonl, queries.jsonl and "
                        "qrels/<split>.tsv).")
    raise DataError(f"'{p}' is neither a BEIR folder nor a .zip of one.")


# -------------------------------------------------------------------------------------------- the dataset


def _splits(folder: Path) -> dict:
    """{"train" / "validation" / "test": the qrels file of that split or None, "split": the file whose queries are
    split into train and test when there is no train file (test.tsv, else the only file; see ``split_queries``),
    "found": the qrels files' names}."""
    qrels = folder / QRELS_DIR
    found = {p.stem: p for p in sorted(qrels.glob("*.tsv"))} if qrels.is_dir() else {}
    validation = next((found[s] for s in VALIDATION_SPLITS if s in found), None)
    lone = None
    if TRAIN_SPLIT not in found:
        lone = found.get(TEST_SPLIT) or (next(iter(found.values())) if len(found) == 1 else None)
        if lone is not None and lone == validation:  # its only file is a dev file: it is split, not a validation
            validation = None
    return {"train": found.get(TRAIN_SPLIT), "validation": validation, "test": found.get(TEST_SPLIT),
            "split": lone, "found": ", ".join(f"{s}.tsv" for s in found) or "none"}


def qpn_rows(folder: Path, split: str) -> tuple[list[dict], dict]:
    """(query-pos rows, counts) of ``split``'s judgements: each judged query with text and at least one judged
    passage in the corpus, its positives the passages of its highest grade above 0 (titles joined as evaluation
    joins them). ``counts``: ``queries`` judged, ``rows`` made, ``skipped`` (no text, or no positive passage in the
    corpus)."""
    rs = read_beir(folder, split)
    return _rows(rs.titled_corpus(), rs.queries, rs.qrels)


def _rows(texts: dict[str, str], queries: dict[str, str], qrels: dict[str, dict[str, int]],
          group_by: Optional[str] = None, groups: Optional[dict[str, str]] = None) -> tuple[list[dict], dict]:
    """``qpn_rows`` of judgements ``qrels`` over ``texts`` (doc id -> titled passage) and ``queries``; with
    ``group_by``, a row whose query has a value in ``groups`` keeps it in a column of that name (so the validation
    split held out of the training rows, ``data.group_by``, keeps the same groups whole)."""
    rows, skipped = [], 0
    for qid, judged in qrels.items():
        query = (queries.get(qid) or "").strip()
        top = _top_graded(judged, lambda d: bool((texts.get(d) or "").strip()))
        if not query or not top:
            skipped += 1
            continue
        row = {"query": query, "pos": [texts[d] for d in top]}
        if group_by and (groups or {}).get(qid):
            row[group_by] = groups[qid]
        rows.append(row)
    return rows, {"queries": len(qrels), "rows": len(rows), "skipped": skipped}


ROW_COLUMNS = ("query", "pos", "neg")  # the columns of the rows made here: no query field may take their name


def query_groups(meta: dict[str, dict], field: str, name: str) -> dict[str, str]:
    """{query id: the value of the query field ``field`` in ``queries.jsonl`` (``meta``: query id -> its extra
    fields, ``RetrievalSet.query_meta``) as text} for the queries that have a value there; a number or a true/false is
    its text, a list or an object its JSON. A DataError naming the fields there are when no query has ``field``, or
    when ``field`` is a column the rows need (``ROW_COLUMNS``). ``name`` is the data's name for the sentences."""
    if field in ROW_COLUMNS:
        raise DataError(f"data.group_by '{field}': the BEIR data '{name}' keeps its queries together by a field of "
                        f"queries.jsonl, and '{field}' is a column of the training rows; name another field.")
    from core.builder.split import group_value  # here: core.builder imports core.data

    values = {}
    for qid, extra in meta.items():
        v = extra.get(field)
        if group_value(v) is None:  # the split's one blank rule: no value, blank text, an empty list or object
            continue
        values[qid] = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False, sort_keys=True)
    if not values:
        fields = sorted({k for extra in meta.values() for k in extra})
        have = ", ".join(fields[:12]) + (", ..." if len(fields) > 12 else "") if fields else "none besides _id and text"
        raise DataError(f"data.group_by '{field}': no query in queries.jsonl of the BEIR data '{name}' has that field "
                        f"to keep its queries together by (its query fields: {have}).")
    return values


def _top_graded(judged: dict[str, int], keep=None) -> list[str]:
    """A query's positives: its judged passages (those ``keep`` accepts, all by default) of the highest grade above 0
    among them, in the judgements' order; [] when there is none."""
    graded = {d: g for d, g in judged.items() if g > 0 and (keep is None or keep(d))}
    top = max(graded.values(), default=None)
    return [d for d, g in graded.items() if g == top]


TEST_SHARE = 0.2  # the share of a lone judgement file's queries held out as the test split
SPLIT_SEED = 42


def _positives(qrels: dict[str, dict[str, int]]) -> dict[str, set]:
    """{query id: its positives (``_top_graded``)} for the queries that have one."""
    return {qid: set(top) for qid, judged in qrels.items() if (top := _top_graded(judged))}


def split_queries(qrels: dict[str, dict[str, int]], share: float = TEST_SHARE, seed: int = SPLIT_SEED,
                  texts: Optional[dict[str, str]] = None, groups: Optional[dict[str, str]] = None,
                  ) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
    """(training judgements, test judgements) of ``qrels``: about ``share`` of the queries, drawn with ``seed``, go to
    the test side. Queries whose positives (``_positives``) share a passage form one group and land on one side:
    a test query's gold passage is never a training positive. So do queries with the same text (``texts``: query id
    -> text, compared without surrounding spaces): a test question is never a training question. So do queries with
    the same value in ``groups`` (query id -> a query field's value, such as the company a question is about; see
    ``query_groups``): no company is on both sides. Queries with no positive stay with training (they make no row).
    A DataError when the groups leave no test query (one group holds nearly every query)."""
    import random

    positives = _positives(qrels)
    for q in positives:  # the same question (or field value) under two ids: one group, through a pseudo passage
        text = (texts or {}).get(q, "").strip()
        if text:
            positives[q] = positives[q] | {("text", text)}
        value = (groups or {}).get(q)
        if value:
            positives[q] = positives[q] | {("group", value)}
    parent = {q: q for q in positives}

    def root(q: str) -> str:
        while parent[q] != q:
            parent[q] = parent[parent[q]]
            q = parent[q]
        return q

    holder: dict = {}  # passage id (or ("text", query text)) -> the first query holding it
    for q, docs in positives.items():
        for d in docs:
            if d in holder:
                parent[root(q)] = root(holder[d])
            else:
                holder[d] = q
    joined: dict[str, list[str]] = {}
    for q in positives:
        joined.setdefault(root(q), []).append(q)
    order = sorted(joined.values(), key=lambda g: g[0])
    random.Random(seed).shuffle(order)
    target = max(1, round(share * len(positives)))
    test: set[str] = set()
    for group in order:  # a group that would overshoot the target by a quarter is left to training
        if len(test) < target and len(test) + len(group) <= max(target * 1.25, target + 1):
            test |= set(group)
    if not test:
        if groups:
            raise DataError(f"The judgements' {len(positives):,} queries fall into so few groups of equal values that "
                            "no test share can be held out apart from the training queries; group by a field with "
                            "more values, or give qrels/train.tsv and qrels/test.tsv yourself.")
        raise DataError(f"The judgements' {len(positives):,} queries share their gold passages so widely that no test "
                        "share can be held out apart from the training queries; give qrels/train.tsv and "
                        "qrels/test.tsv yourself.")
    return ({q: j for q, j in qrels.items() if q not in test}, {q: j for q, j in qrels.items() if q in test})


def _write_qrels(path: Path, qrels: dict[str, dict[str, int]]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("query-id\tcorpus-id\tscore\n")
        fh.writelines(f"{q}\t{d}\t{g}\n" for q, judged in qrels.items() for d, g in judged.items())


GROUP_BLANK_RULE = "blank-v2: none, blank text, empty list or object"  # in the digest of a group_by folder
SPLIT_RULE = "split-v2: test share, seed, groups by shared positive and by query text"  # in the digest of a split folder


def _inputs_digest(folder: Path, split: bool = False, group_by: Optional[str] = None) -> str:
    """A digest of the BEIR files' contents (corpus, queries, every qrels file), of ``SPLIT_RULE`` when the
    judgements are split here (a changed rule makes the dataset again) and of the query field ``group_by``."""
    h = hashlib.sha256()
    for p in [folder / CORPUS_FILE, folder / QUERIES_FILE, *sorted((folder / QRELS_DIR).glob("*.tsv"))]:
        h.update(p.name.encode() + b"\0" + file_digest(p).encode())
    if split:
        h.update(SPLIT_RULE.encode())
    if group_by:  # with the blank rule (``core.builder.split.group_value``) its groups were made by
        h.update(b"group_by\0" + group_by.encode() + b"\0" + GROUP_BLANK_RULE.encode())
    return h.hexdigest()[:12]


def beir_dataset(path: str | os.PathLike, out_root: Optional[Path] = None, group_by: Optional[str] = None) -> dict:
    """The training dataset of the BEIR folder (or zip) ``path`` (see the module docstring): ``{"train",
    "validation", "test", "passages", "eval", "format": "qpn", "source", "counts", "group_by", "query_fields"}``
    (the fields of ``queries.jsonl`` besides ``_id`` and ``text``, which ``group_by`` may name), paths as strings
    (validation and test None when the folder has no such split). Without ``qrels/train.tsv`` the test (or lone)
    judgements are split by query (``split_queries``); a folder with neither train nor test judgements and several
    files is refused. ``group_by``: a field of ``queries.jsonl`` (``query_groups``) whose queries of one value stay
    on one side of that split, kept in the rows as a column of that name (``data.group_by`` then holds validation
    out the same way); None or "" groups by nothing more."""
    from core.paths import atomic_replace_dir, datasets_root, safe_name

    folder = beir_folder(path, out_root)
    splits = _splits(folder)
    lone = splits["split"]
    if splits["train"] is None and lone is None:
        raise DataError(f"The BEIR data '{Path(path).name}' has no qrels/train.tsv and no qrels/test.tsv to hold out "
                        f"a test share from (found: {splits['found']}): name the judgements to train on "
                        "qrels/train.tsv, or the ones to split into training and test queries qrels/test.tsv.")
    group_by = (group_by or "").strip() or None
    name = safe_name(Path(path).stem if is_zip(path) else Path(path).name, "beir", 40)
    out = (out_root or datasets_root()) / f"beir-{name}-{_inputs_digest(folder, lone is not None, group_by)}"
    counts = _made(out)
    if counts is None:  # not made yet (or half made): read the corpus and queries once for every split
        rs = read_beir(folder, TRAIN_SPLIT if lone is None else lone.stem)
        groups = query_groups(rs.query_meta, group_by, Path(path).name) if group_by else None
        texts = rs.titled_corpus()
        judged = {split: read_qrels(splits[split]) for split in ("validation", "test")
                  if splits[split] is not None and splits[split] != lone}  # the lone file is read once, as rs.qrels
        judged["train"] = rs.qrels
        if lone is not None:  # no train judgements: a seeded test share of the lone file's queries, the rest trains
            judged["train"], judged["test"] = split_queries(rs.qrels, texts=rs.queries, groups=groups)
        source = f"qrels/{lone.name if lone is not None else 'train.tsv'}"
        rows = {split: _rows(texts, rs.queries, judged[split], group_by, groups)
                for split in ("train", "validation", "test") if split in judged}
        if not rows["train"][0]:
            raise DataError(f"The BEIR data '{Path(path).name}': none of the {rows['train'][1]['queries']} training "
                            f"queries of {source} has a text and a judged passage in corpus.jsonl, so there is nothing "
                            "to train on.")
        counts = {split: c for split, (_, c) in rows.items()}
        if lone is not None:
            counts["split"] = {"file": lone.name, "queries": len(rs.qrels), "test_share": TEST_SHARE, "seed": SPLIT_SEED,
                               "group_by": group_by}
        counts["query_fields"] = sorted({k for extra in rs.query_meta.values() for k in extra})
        if group_by:
            counts["group_by"] = {"field": group_by, "values": len(set(groups.values())),
                                  "queries": sum(q in groups for q in rs.qrels)}

        def write(tmp: Path) -> None:
            for split, (made, _) in rows.items():
                with open(tmp / f"{split}.jsonl", "w", encoding="utf-8") as fh:
                    fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in made)
            with open(tmp / PASSAGES_FILE, "w", encoding="utf-8") as fh:
                fh.writelines(json.dumps({"_id": d, "text": t}, ensure_ascii=False) + "\n" for d, t in texts.items() if t)
            if "test" in judged:  # Evaluate's test set: the whole corpus, the test judgements alone
                beir = tmp / BEIR_SUBDIR
                (beir / QRELS_DIR).mkdir(parents=True)
                shutil.copyfile(folder / CORPUS_FILE, beir / CORPUS_FILE)
                shutil.copyfile(folder / QUERIES_FILE, beir / QUERIES_FILE)
                _write_qrels(beir / QRELS_DIR / f"{TEST_SPLIT}.tsv", judged["test"])
            (tmp / DONE_FILE).write_text(json.dumps({"source": str(path), "counts": counts}), encoding="utf-8")

        atomic_replace_dir(out, write)
    has = {split: bool(counts.get(split, {}).get("rows")) for split in ("validation", "test")}
    return {
        "train": str(out / "train.jsonl"),
        "validation": str(out / "validation.jsonl") if has["validation"] else None,
        "test": str(out / "test.jsonl") if has["test"] else None,
        "passages": str(out / PASSAGES_FILE),
        "eval": str(out / BEIR_SUBDIR) if has["test"] else None,
        "format": "qpn",
        "source": str(path),
        "counts": counts,
        "group_by": group_by,
        "query_fields": counts.get("query_fields") or [],
    }


def _made(out: Path) -> Optional[dict]:
    """The counts a finished dataset folder ``out`` recorded in its ``DONE_FILE``; None when it is not there or was
    left half-written or unreadable (it is then made again)."""
    try:
        record = json.loads((out / DONE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    counts = record.get("counts") if isinstance(record, dict) else None
    if not isinstance(counts, dict) or not isinstance(counts.get("train"), dict) or "query_fields" not in counts:
        return None  # unusable, or made before the counts listed the query fields: made again
    return counts


def summary_line(ds: dict) -> str:
    """One line saying what ``beir_dataset`` made: the queries per split and where the files are."""
    counts = ds["counts"]
    parts = [f"{counts[s]['rows']:,} {s} queries" for s in ("train", "validation", "test") if s in counts]
    split = counts.get("split")
    field = split.get("group_by") if split else None
    together = f"a gold passage, their text or their '{field}'" if field else "a gold passage or their text"
    how = (f" (no qrels/train.tsv: the {split['queries']:,} queries of qrels/{split['file']} split, "
           f"{round(100 * split['test_share'])}% held out as the test split with seed {split['seed']}, queries that share "
           f"{together} on one side)") if split else ""
    return (f"BEIR dataset {ds['source']}: {', '.join(parts)}{how}; passages from its corpus -> "
            f"{Path(ds['train']).parent}")


__all__ = ["is_beir_folder", "is_zip", "layout_file", "unpack_beir_zip", "ungzip_beir", "beir_folder", "qpn_rows", "split_queries", "query_groups",
           "beir_dataset", "summary_line"]
