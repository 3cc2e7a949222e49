"""``python -m core inspect FILE [--format F] [--map role=col ...] [--sheet S] [--[no-]header] [--rows N] [--json] [--group-by FIELD]``

Prints the detected (or chosen) format, the column mapping and why, row counts, the first issues with their
row numbers and a few preview rows. Exit code 0 when the file is usable (at least one row kept), 2 when not.
"""

from __future__ import annotations

import argparse
import json
import sys

from core.errors import ConfigError, DataError


def register(subparsers) -> None:
    p = subparsers.add_parser("inspect", help="check a data file: format, column mapping, problems, preview",
                              description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("file", help="CSV / TSV / TXT / JSON / JSONL / Parquet / Excel file (text ones may be .gz), or a BEIR "
                                "folder or .zip of one (its training rows are checked)")
    p.add_argument("--format", dest="format", default=None, help="force a format: pair, triplet, scored_pair, labelled_pair, labelled_sentence, qpn")
    p.add_argument("--map", dest="mapping", action="append", default=[], metavar="ROLE=COLUMN",
                   help="map a role to a column, e.g. --map anchor=question --map positive=context (repeatable)")
    p.add_argument("--sheet", default=None, help="Excel sheet name or 0-based number")
    p.add_argument("--header", action=argparse.BooleanOptionalAction, default=None,
                   help="force the first row to be (--header) or not be (--no-header) column names; default: detected")
    p.add_argument("--rows", type=int, default=3, help="preview rows to show (default 3)")
    p.add_argument("--issues", type=int, default=10, help="issues to list (default 10)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    p.add_argument("--group-by", default=None, metavar="FIELD",
                   help="for a BEIR folder or zip: the query field whose queries stay on one side of the split, as "
                        "train --group-by makes it")
    p.set_defaults(func=run_inspect)


def parse_mapping(items: list[str]) -> dict[str, str]:
    """``["anchor=question", ...]`` -> ``{"anchor": "question"}``; raises DataError for a malformed item."""
    out = {}
    for item in items or []:
        if "=" not in item:
            raise DataError(f"--map expects ROLE=COLUMN (e.g. anchor=question), got '{item}'.")
        role, col = item.split("=", 1)
        if not role.strip() or not col.strip():
            raise DataError(f"--map expects ROLE=COLUMN (e.g. anchor=question), got '{item}'.")
        out[role.strip()] = col.strip()
    return out


def _short(v, n: int = 70) -> str:
    if isinstance(v, list):
        return f"[{len(v)} items] " + _short(v[0] if v else "", n - 12)
    s = str(v).replace("\n", " ").replace("\t", " ")
    return s if len(s) <= n else s[: n - 1] + "…"


def run_inspect(args: argparse.Namespace) -> int:
    from core.data.loader import load_data

    for flag, value in (("--rows", args.rows), ("--issues", args.issues)):
        if value < 0:
            raise ConfigError(f"{flag} must be a whole number of 0 or more, got {value}.")
    sheet = args.sheet
    if isinstance(sheet, str) and sheet.isdigit():
        sheet = int(sheet)
    from core.data.beir_import import beir_dataset, is_beir_folder, is_zip, summary_line

    beir = beir_dataset(args.file, group_by=args.group_by) if is_zip(args.file) or is_beir_folder(args.file) else None
    if beir is not None:  # a BEIR folder or zip: the training rows it gives are what is checked
        args.file = beir["train"]
        if not args.json:
            print(summary_line(beir))
    loaded = load_data(args.file, format=args.format, mapping=parse_mapping(args.mapping), sheet=sheet, header=args.header)
    summary = loaded.summary()
    det = loaded.detection
    if args.json:
        obj = {
            "summary": summary,
            "detection": det.to_dict() if det else None,
            "info": loaded.info,
            "issues": [i.to_dict() for i in loaded.issues[: args.issues]],
            "preview": json.loads(loaded.df.head(args.rows).to_json(orient="records", force_ascii=False)),
            "usable": loaded.usable,
            **({"beir": {k: beir[k] for k in ("source", "train", "validation", "test", "passages", "counts")}}
               if beir else {}),
        }
        print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))
        return 0 if loaded.usable else 2
    out = sys.stdout
    print(f"file:     {loaded.source}", file=out)
    info = ", ".join(f"{k}={v}" for k, v in loaded.info.items() if v is not None)
    if info:
        print(f"read as:  {info}", file=out)
    conf = f" (confidence {det.confidence:.2f})" if det else ""
    print(f"format:   {loaded.format}{conf}", file=out)
    if det:
        print("mapping:  " + ", ".join(f"{role} <- '{col}'" for role, col in det.mapping.items()), file=out)
        for r in det.reasons:
            print(f"  why: {r}", file=out)
        for a in det.alternatives[:3]:
            print(f"  also possible: {a.format} " + ", ".join(f"{k}<-'{v}'" for k, v in a.mapping.items()), file=out)
    print(f"rows:     {summary['rows_read']} read, {summary['rows_kept']} kept, {summary['rows_excluded']} left out; "
          f"{summary['errors']} errors, {summary['warnings']} warnings", file=out)
    for key in ("positives", "negatives", "label_names", "label_counts", "score_range"):
        if key in summary:
            print(f"{key + ':':<10}{summary[key]}", file=out)
    if summary["issues_by_kind"]:
        print("issues:   " + ", ".join(f"{k}: {v}" for k, v in summary["issues_by_kind"].items()), file=out)
    for issue in loaded.issues[: args.issues]:
        print(f"  [{issue.severity}] {issue}", file=out)
    if len(loaded.issues) > args.issues:
        print(f"  ... and {len(loaded.issues) - args.issues} more", file=out)
    if args.rows > 0 and len(loaded.df):
        print("preview:", file=out)
        for rec in loaded.df.head(args.rows).to_dict(orient="records"):
            row = rec.pop("_row")
            print(f"  row {row}: " + " | ".join(f"{k}={_short(v)}" for k, v in rec.items()), file=out)
    if not loaded.usable:
        print("not usable: no row passed the checks.", file=out)
    return 0 if loaded.usable else 2
