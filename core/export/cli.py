"""``python -m core export-onnx RUN_OR_FOLDER --out DIR [--int8] [--dims 256,128] [--data EVAL]``."""

from __future__ import annotations

from pathlib import Path

from core.errors import StudioError


def resolve_model_dir(value: str) -> Path:
    """A sentence-transformers folder given directly, else a run (name or folder) and its model to export."""
    path = Path(str(value or ""))
    if (path / "modules.json").is_file():
        return path
    from core.export import export_model_dir
    from core.paths import run_dir_arg

    run = run_dir_arg(str(value))
    if not run.is_dir():
        raise StudioError(f"'{value}' is neither a model folder (with modules.json) nor a run.")
    return export_model_dir(run)


def parse_dims(text: str | None) -> list[int]:
    """``"256,128"`` -> ``[256, 128]``; empty -> ``[]``."""
    out = []
    for part in str(text or "").replace(" ", "").split(","):
        if not part:
            continue
        if not part.isdigit():
            raise StudioError(f"The dimension '{part}' is not a whole number (expected e.g. --dims 256,128).")
        out.append(int(part))
    return out


def cmd_export_onnx(args) -> int:
    from core.export.onnx import export_onnx, report_chart

    model_dir = resolve_model_dir(args.model)
    dims = parse_dims(args.dims)
    evalset = None
    if args.data:
        from core.evaluation import load_evalset

        evalset = load_evalset(args.data, split=args.split)
    report = export_onnx(model_dir, args.out, int8=args.int8, dims=dims, evalset=evalset)
    chart = report_chart(report.table, Path(args.out) / "onnx_report.png")
    report.table.to_csv(Path(args.out) / "onnx_report.csv", index=False)
    print(report.table.to_string(index=False))
    print(f"wrote {report.out_dir} ({', '.join(report.files)}); chart {chart}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("export-onnx", help="export a run's model (or a model folder) to ONNX, with a report",
                              description="Export to ONNX (torch.onnx.export, opset 17), optionally int8 and "
                                          "Matryoshka dimensions; prints cosine to torch, NDCG@10, size and speed.")
    p.add_argument("model", metavar="RUN_OR_FOLDER", help="a run name or folder, or a sentence-transformers folder")
    p.add_argument("--out", required=True, metavar="DIR", help="new (or empty) output folder")
    p.add_argument("--int8", action="store_true", help="also write model.int8.onnx (dynamic quantisation)")
    p.add_argument("--dims", metavar="D1,D2", default="", help="truncated dimensions to report, e.g. 256,128")
    p.add_argument("--data", metavar="EVAL", help="BEIR folder or data file for NDCG@10")
    p.add_argument("--split", default=None, help="BEIR qrels split (default: the only one, else test)")
    p.set_defaults(func=cmd_export_onnx)
