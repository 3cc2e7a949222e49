"""``python -m core mine | clean | split | export``: the second half of the dataset builder.

- ``mine --in FILE --out FILE [--method bm25|dense|hybrid|in_batch_only --model SPEC --num-negatives N
  --range-min A --range-max B --margin-rel R --margin-abs X --sample random|top --passages FILE]``: writes the
  rows with mined negatives (qpn JSONL) and ``<out>.mining.json`` beside it (stats, suspected false negatives,
  positive/negative conflicts); prints the stats table.
- ``clean --in FILE --out FILE [rule flags]``: writes the cleaned rows and ``<out>.clean.json`` (counts, examples).
- ``split --in FILE --out-dir DIR [--ratios 8:1:1 --group-by COL --seed N]``: writes ``train.jsonl``,
  ``validation.jsonl``, ``test.jsonl`` (names follow the ratio count) and ``beir/`` (``corpus.jsonl``,
  ``queries.jsonl``, ``qrels/test.tsv``) built from the last split. Every split named needs a share (``8:0:2`` is
  refused: ``8:2`` writes train and test); a split left empty for lack of rows is said on stderr.
- ``export --in FILE --out FILE --format qpn|st-parquet|st-csv [--num-negatives N]``.

``--out`` (and the report beside it) may not be the ``--in`` file; output files and folders are checked before
any work (``core.paths.out_file`` / ``out_folder``). An existing ``--out`` (or its report) is refused unless
``--overwrite`` is given; its extension must be one the command writes (``.jsonl`` for qpn rows, ``.parquet`` /
``.csv`` for the ST tables). ``split`` refuses an ``--out-dir`` already holding split files (an earlier split's
validation or test rows would stay beside the new ones) and an ``--in`` that is one of the files it writes.

Input files are read with ``core.data`` (any table format it knows); qpn rows keep their extra columns
(source, page, ticker, ...). Pair/triplet files are turned into qpn rows (anchor -> query, positive -> [pos]).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

from core.errors import ConfigError, DataError
from core.progress import Progress


def _progress(p: Progress) -> None:
    frac = f"{p.done}/{p.total}" if p.total else str(p.done)
    eta = f" eta {p.eta_seconds:.0f}s" if p.eta_seconds else ""
    print(f"\r[{p.stage}] {frac}{eta} {p.message}".rstrip(), end="", file=sys.stderr, flush=True)
    if p.total and p.done >= p.total:
        print(file=sys.stderr)


def _mapping(items: list[str]) -> dict[str, str]:
    from core.data.cli import parse_mapping

    return parse_mapping(items)


def read_rows(path: str | Path, mapping: dict[str, str] | None = None) -> list[dict]:
    """Read a data file into qpn rows (list of dicts), keeping columns the qpn mapping did not use.

    Pair / triplet files become ``{query, pos: [positive], neg: [negative]}``. Raises DataError for other
    formats or when nothing usable is left."""
    from core.data import load_data, read_table

    path = Path(path)
    if not path.exists():  # a folder or a device is refused by the reader in its own words
        raise DataError(f"Input file {path} does not exist.")
    loaded = load_data(path, mapping=mapping or None)
    df = loaded.df
    if loaded.format == "qpn":
        rows = df.to_dict("records")
    elif loaded.format in ("pair", "triplet"):
        rows = [
            {"query": r["anchor"], "pos": [r["positive"]],
             "neg": [r["negative"]] if loaded.format == "triplet" else [], "_row": r["_row"]}
            for r in df.to_dict("records")
        ]
    else:
        raise DataError(f"{path.name} holds '{loaded.format}' data; mining, cleaning and splitting need "
                        "query/positive rows (qpn, pair or triplet).")
    if not rows:
        errs = "; ".join(f"row {i.row}: {i.message}" for i in loaded.errors[:3])
        raise DataError(f"No usable rows in {path.name}" + (f" ({errs})." if errs else "."))
    used = set(loaded.detection.mapping.values()) if loaded.detection else set()
    raw = read_table(path)
    extra = [c for c in raw.columns if c not in used and c != "_row" and c not in rows[0]]
    if extra:
        by_row = raw.set_index("_row")[extra].to_dict("index")
        for r in rows:
            r.update(by_row.get(r["_row"], {}))
    for r in rows:
        r.pop("_row", None)
    return rows


def _beside(out: Path, suffix: str) -> Path:
    return out.with_name(out.stem + suffix)


def _same_file(a: Path, b: Path) -> bool:
    """True when ``a`` and ``b`` name one file (links and relative paths followed; ``b`` may not exist yet)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return a.resolve() == b.resolve()


QPN_SUFFIXES = (".jsonl", ".ndjson")  # what mine, clean and export --format qpn write: JSON lines
EXPORT_SUFFIXES = {"qpn": QPN_SUFFIXES, "st-parquet": (".parquet",), "st-csv": (".csv",)}


def _check_suffix(out: Path, suffixes: tuple[str, ...], fmt: str | None = None) -> None:
    """Refuse (ConfigError) an ``--out`` whose extension is not one of ``suffixes``, the formats the command (with
    ``--format fmt``) writes: ``clean --out x.csv`` would write JSON lines under a CSV name. A folder is left to
    ``out_file``'s sentence."""
    if out.is_dir() or out.suffix.lower() in suffixes:
        return
    allowed = " or ".join(suffixes)
    shown = "".join(out.suffixes[-2:])
    if not out.suffix:
        raise ConfigError(f"--out '{out}' has no extension; give a file ending in {allowed}.")
    if fmt is not None:
        raise ConfigError(f"--out '{out}' ends in '{shown}', but --format {fmt} writes {allowed} files; change the "
                          "extension or the --format.")
    raise ConfigError(f"--out '{out}' ends in '{shown}', a format this command does not write; give a file ending in {allowed}.")


def _outputs(inp: str, out: str, report_suffix: str | None = None, suffixes: tuple[str, ...] = QPN_SUFFIXES,
             overwrite: bool = False, fmt: str | None = None) -> Path:
    """Check the output file(s) of a command reading ``inp`` before any work; return ``out`` as a Path.

    Refuses (ConfigError) an ``out`` that is the input file, or whose report ``<out stem><report_suffix>`` is, or
    whose extension is not one of ``suffixes`` (those ``--format fmt`` writes); ``core.paths.out_file`` refuses an ``out`` that is a folder or
    cannot be written, ``not_replacing`` one (or a report) that already exists unless ``overwrite``."""
    from core.paths import not_replacing, out_file

    src, dest = Path(inp), Path(out).expanduser()
    if _same_file(src, dest):
        raise ConfigError(f"--out '{out}' is the input file '{inp}'; choose another output file so the input is not overwritten.")
    report = _beside(dest, report_suffix) if report_suffix else None
    if report is not None and _same_file(src, report):
        raise ConfigError(f"The report '{report}' written beside --out would overwrite the input file '{inp}'; choose another --out.")
    _check_suffix(dest, suffixes, fmt)
    checked = out_file(dest)
    not_replacing([dest] + ([report] if report is not None else []), overwrite)
    return checked


# ---------------------------------------------------------------------------------------------------- mine


def _check_mine_flags(args: argparse.Namespace) -> None:
    """Refuse (ConfigError, naming the flag typed) a mining setting the miner cannot use, before any file is read;
    the miner's own checks name its parameters, which a CLI user never typed."""
    if args.margin_abs is not None and not (math.isfinite(args.margin_abs) and args.margin_abs >= 0):
        raise ConfigError(f"--margin-abs must be a finite number of 0 or more (a score difference), got {args.margin_abs}.")
    if not (math.isfinite(args.margin_rel) and 0 <= args.margin_rel < 1):
        raise ConfigError(f"--margin-rel must be a number from 0 up to (not including) 1, e.g. 0.05, got {args.margin_rel}.")
    if args.num_negatives < 0:
        raise ConfigError(f"--num-negatives must be a whole number of 0 or more, got {args.num_negatives}.")
    if args.range_min < 0:
        raise ConfigError(f"--range-min must be a whole number of 0 or more, got {args.range_min}.")
    if args.range_max <= args.range_min:
        raise ConfigError(f"--range-max ({args.range_max}) must be larger than --range-min ({args.range_min}): "
                          "negatives are drawn from the candidates ranked between them.")
    if args.batch_size is not None and args.batch_size < 1:
        raise ConfigError(f"--batch-size must be a whole number of at least 1, got {args.batch_size}.")


def cmd_mine(args: argparse.Namespace) -> int:
    from core.builder.dataset_files import export_qpn_jsonl
    from core.builder.negatives import mine_negatives
    from core.paths import atomic_write_json

    _check_mine_flags(args)
    out = _outputs(args.inp, args.out, ".mining.json", overwrite=args.overwrite)
    rows = read_rows(args.inp, _mapping(args.map))
    passages = None
    if args.passages:
        passages = _read_passages(Path(args.passages))
    model = args.model
    if args.method in ("dense", "hybrid") and not model:
        raise DataError("--method dense/hybrid needs --model (a model name, folder or Hub id).")
    res = mine_negatives(
        rows, passages=passages, method=args.method, model=model, num_negatives=args.num_negatives,
        rank_window=(args.range_min, args.range_max), sample=args.sample,
        false_negative_margin_abs=args.margin_abs, false_negative_margin_rel=args.margin_rel,
        seed=args.seed, batch_size=args.batch_size, keep_existing=args.keep_existing,
        bm25_method=args.bm25_method, progress=None if args.quiet else _progress,
    )
    export_qpn_jsonl(res.rows, out)
    report = _beside(out, ".mining.json")
    atomic_write_json(report, {"stats": res.stats, "suspected_false_negatives": res.suspected_false_negatives,
                               "conflicts": res.conflicts})
    print(res.table())
    print(f"suspected false negatives: {res.suspected_total} ({len(res.suspected_false_negatives)} listed in {report})")
    print(f"wrote {len(rows)} rows to {out}")
    return 0


def _read_passages(path: Path) -> list[str]:
    from core.data import read_table

    df = read_table(path)
    for col in ("text", "passage", "content", "pos", "positive"):
        if col in df.columns:
            vals = df[col].tolist()
            out = []
            for v in vals:
                if isinstance(v, (list, tuple)):
                    out.extend(str(x) for x in v)
                elif isinstance(v, str) and v.strip():
                    out.append(v)
            return out
    cols = ", ".join(c for c in df.columns if c != "_row")
    raise DataError(f"{path.name} has no 'text' (or 'passage'/'content') column to take passages from (columns: {cols}).")


# --------------------------------------------------------------------------------------------------- clean


def cmd_clean(args: argparse.Namespace) -> int:
    from core.builder.clean import CleanConfig, clean_rows
    from core.builder.dataset_files import export_qpn_jsonl
    from core.paths import atomic_write_json

    for flag, value in (("--min-chars", args.min_chars), ("--max-chars", args.max_chars)):
        if value < 0:
            raise ConfigError(f"{flag} must be a whole number of 0 or more (0 = no limit), got {value}.")
    if args.near_jaccard is not None and not (math.isfinite(args.near_jaccard) and 0 < args.near_jaccard <= 1):
        raise ConfigError(f"--near-jaccard must be a number above 0 and at most 1 (the word-overlap share that makes "
                          f"two rows near duplicates, e.g. 0.9), got {args.near_jaccard}.")
    out = _outputs(args.inp, args.out, ".clean.json", overwrite=args.overwrite)
    rows = read_rows(args.inp, _mapping(args.map))
    cfg = CleanConfig(
        llm_empty=not args.keep_llm_empty, llm_empty_column=args.llm_empty_column,
        empty=not args.keep_empty, min_chars=args.min_chars or None, max_chars=args.max_chars or None,
        length_scope=args.length_scope, neg_equal_pos=not args.keep_neg_equal_pos,
        duplicate_passages=not args.keep_duplicate_passages, leakage=not args.keep_leakage,
        exact_duplicates=not args.keep_duplicates, near_duplicates=not args.keep_near_duplicates,
        near_jaccard=args.near_jaccard, duplicate_action=args.duplicate_action,
    )
    cleaned, report = clean_rows(rows, cfg, progress=None if args.quiet else _progress)
    export_qpn_jsonl(cleaned, out)
    atomic_write_json(_beside(out, ".clean.json"), report.to_dict())
    print(report.table())
    print(f"wrote {len(cleaned)} rows to {out}")
    return 0


# --------------------------------------------------------------------------------------------------- split


def cmd_split(args: argparse.Namespace) -> int:
    from core.builder.dataset_files import write_splits
    from core.builder.split import empty_split_warnings, parse_ratios, split_rows
    from core.paths import out_folder

    ratios = _ratios_with_shares(args.ratios, parse_ratios(args.ratios))
    _check_split_folder(args.inp, args.out_dir)
    rows = read_rows(args.inp, _mapping(args.map))
    parts = split_rows(rows, ratios=ratios, seed=args.seed, group_by=args.group_by)  # a bad --group-by: no folder made
    folder = out_folder(args.out_dir)
    for warning in empty_split_warnings(parts, ratios):
        print(f"warning: {warning}", file=sys.stderr)
    out = write_splits(parts, folder)
    for name, path in out.files.items():
        print(f"{name}: {out.counts[name]} rows -> {path}")
    print(f"retrieval set from '{out.eval_split}': {out.retrieval['queries']} queries, {out.retrieval['passages']} passages -> {out.beir}")
    return 0


def _check_split_folder(inp: str, out_dir: str) -> None:
    """Refuse (ConfigError) an ``--in`` that is one of the files split writes into ``out_dir``, and an ``out_dir``
    already holding split files: an earlier split's validation or test file left beside new ones would leak its
    rows into training, so the folder must be empty of them whatever the ratios."""
    from core.data.beir import BEIR_DIR, CORPUS_FILE, QUERIES_FILE

    folder = Path(out_dir).expanduser()
    splits = [folder / f"{name}.jsonl" for name in ("train", "validation", "test")]
    beir = folder / BEIR_DIR
    for path in splits + [beir / CORPUS_FILE, beir / QUERIES_FILE, beir / "qrels" / "test.tsv"]:
        if _same_file(Path(inp), path):
            raise ConfigError(f"--in '{inp}' is one of the files split writes into --out-dir '{out_dir}'; choose another "
                              "--out-dir so the input is not overwritten.")
    found = ", ".join(p.name for p in splits + [beir] if p.exists())
    if found:
        raise ConfigError(f"The output folder '{out_dir}' already holds split files ({found}); choose an empty folder "
                          "or remove them.")


def _ratios_with_shares(text: str, ratios: tuple[float, ...]) -> tuple[float, ...]:
    """``ratios`` when every split they name has a share; a zero share would write an empty split file, so it is
    refused (ConfigError naming the splits): fewer ratios write fewer splits."""
    from core.builder.split import _names_for

    names = _names_for(ratios, None)
    zero = ", ".join(n for n, r in zip(names, ratios) if r <= 0)
    if zero:
        raise ConfigError(f"--ratios '{text}' gives a zero share to {zero}, which would be written as an empty split; "
                          "give every split a share, or fewer ratios (9:1 writes train and test, 1 writes train only).")
    return ratios


# -------------------------------------------------------------------------------------------------- export


def _check_num_negatives(rows: list[dict], n: int | None) -> None:
    """Refuse a ``--num-negatives`` no row can fill (the ST table would have no row), saying how many rows have how
    many negatives; rows with fewer than ``n`` are otherwise left out of the table and the count is printed."""
    from collections import Counter

    from core.builder.clean import as_records

    if n is None:
        return
    if n < 0:
        raise ConfigError(f"--num-negatives must be 0 or more, got {n}.")
    counts = Counter(len([x for x in r["neg"] if x.strip()]) for r in as_records(rows)
                     if any(p.strip() for p in r["pos"]))
    if counts and max(counts) < n:
        most = max(counts)
        have = ", ".join(f"{k} ({count} row{'s' if count != 1 else ''})" for k, count in sorted(counts.items()))
        raise DataError(f"--num-negatives {n} leaves no row to export: the rows have {have} negatives; give "
                        f"--num-negatives {most} or fewer.")


def cmd_export(args: argparse.Namespace) -> int:
    from core.builder.dataset_files import export_qpn_jsonl, export_st_table

    out = _outputs(args.inp, args.out, suffixes=EXPORT_SUFFIXES[args.format], overwrite=args.overwrite, fmt=args.format)
    rows = read_rows(args.inp, _mapping(args.map))
    if args.format != "qpn":
        _check_num_negatives(rows, args.num_negatives)  # before the file is written
    if args.format == "qpn":
        res = export_qpn_jsonl(rows, out)
    else:
        res = export_st_table(rows, out, fmt=args.format.split("-", 1)[1], num_negatives=args.num_negatives)
    skipped = f", {res.rows_skipped} rows skipped (fewer than {res.num_negatives} negatives)" if res.rows_skipped else ""
    print(f"wrote {res.rows_written} rows to {res.path}{skipped}")
    if args.format != "qpn" and args.num_negatives is None and res.negatives_left_out:
        from core.builder.dataset_files import negative_counts

        counts = negative_counts(rows)
        fewest = sum(1 for c in counts if c == res.num_negatives)
        print(f"note: {res.negatives_left_out:,} negatives were left out: the table has {res.num_negatives} negative "
              f"column(s), the fewest any row has ({fewest:,} rows); give --num-negatives N to keep N per row (rows "
              f"with fewer are then skipped; the most any row has is {max(counts)}).", file=sys.stderr)
    return 0


# ------------------------------------------------------------------------------------------------ register


def _common(p: argparse.ArgumentParser, out: bool = True) -> None:
    p.add_argument("--in", dest="inp", required=True, metavar="FILE", help="input rows (qpn JSONL, CSV, Parquet, ...)")
    if out:
        p.add_argument("--out", required=True, metavar="FILE", help="output file")
        p.add_argument("--overwrite", action="store_true", help="replace an existing --out (and its report)")
    p.add_argument("--map", action="append", default=[], metavar="ROLE=COLUMN",
                   help="map a role to an input column, e.g. --map query=question --map pos=context")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")


def register(subparsers) -> None:
    p = subparsers.add_parser("mine", help="mine hard negatives (BM25 with jieba, dense model, or both)",
                              description="Mine hard negatives for query/positive rows; writes qpn JSONL and a "
                                          "<out>.mining.json report beside it.")
    _common(p)
    p.add_argument("--method", choices=("bm25", "dense", "hybrid", "in_batch_only"), default="bm25")
    p.add_argument("--model", metavar="SPEC", help="model for dense/hybrid: registry name, folder or Hub id")
    p.add_argument("--passages", metavar="FILE", help="extra passage pool (a file with a 'text' column)")
    p.add_argument("--num-negatives", type=int, default=7)
    p.add_argument("--range-min", type=int, default=30, help="skip this many top-ranked candidates (default 30)")
    p.add_argument("--range-max", type=int, default=200, help="consider candidates ranked below this (default 200)")
    p.add_argument("--margin-rel", type=float, default=0.05,
                   help="drop candidates scoring >= positive_score * (1 - R) as suspected false negatives")
    p.add_argument("--margin-abs", type=float, default=None,
                   help="drop candidates scoring >= positive_score - X as suspected false negatives")
    p.add_argument("--sample", choices=("random", "top"), default="random")
    p.add_argument("--keep-existing", action="store_true", help="keep the input's negatives first, mine the rest")
    p.add_argument("--bm25-method", choices=("lucene", "robertson", "atire", "bm25l", "bm25+"), default="lucene")
    p.add_argument("--batch-size", type=int, default=None,
                   help="texts per encode batch for dense mining (default: 16 on a CPU, 32 on a GPU)")
    p.add_argument("--seed", type=int, default=42)
    p.set_defaults(func=cmd_mine)

    p = subparsers.add_parser("clean", help="drop duplicates, empty/short/long texts, leakage and bad negatives",
                              description="Clean qpn rows; writes the rows and a <out>.clean.json report.")
    _common(p)
    p.add_argument("--min-chars", type=int, default=5, help="minimum text length (0 = no minimum)")
    p.add_argument("--max-chars", type=int, default=750, help="maximum text length (0 = no maximum)")
    p.add_argument("--length-scope", choices=("all", "query", "passages"), default="all")
    p.add_argument("--near-jaccard", type=float, default=None,
                   help="also merge queries whose character 3-gram Jaccard similarity is at least this (e.g. 0.85)")
    p.add_argument("--duplicate-action", choices=("merge", "drop"), default="merge")
    p.add_argument("--llm-empty-column", default="llm_empty")
    for flag, what in (("keep-llm-empty", "rows flagged as empty LLM answers"), ("keep-empty", "empty texts"),
                       ("keep-neg-equal-pos", "negatives equal to a positive"),
                       ("keep-duplicate-passages", "repeated passages inside a row"),
                       ("keep-leakage", "rows whose query is inside its positive"),
                       ("keep-duplicates", "exact duplicate queries"),
                       ("keep-near-duplicates", "near-duplicate queries")):
        p.add_argument(f"--{flag}", action="store_true", help=f"do not remove {what}")
    p.set_defaults(func=cmd_clean)

    p = subparsers.add_parser("split", help="split rows into train/validation/test (+ a BEIR set from test)",
                              description="Seeded split; with --group-by no group lands in two splits.")
    _common(p, out=False)
    p.add_argument("--out-dir", required=True, metavar="DIR")
    p.add_argument("--ratios", default="8:1:1", help="e.g. 8:1:1 or 95:5 (default 8:1:1)")
    p.add_argument("--group-by", metavar="COLUMN", help="keep rows sharing this column's value in one split")
    p.add_argument("--seed", type=int, default=42)
    p.set_defaults(func=cmd_split)

    p = subparsers.add_parser("export", help="write rows as qpn JSONL or a sentence-transformers table",
                              description="Export qpn rows for training.")
    _common(p)
    p.add_argument("--format", choices=("qpn", "st-parquet", "st-csv"), default="qpn")
    p.add_argument("--num-negatives", type=int, default=None,
                   help="negative columns in the ST table (default: the smallest count among the rows)")
    p.set_defaults(func=cmd_export)
