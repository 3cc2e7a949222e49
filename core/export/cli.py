"""``python -m core export-onnx RUN_OR_FOLDER --out DIR [--int8] [--dims 256,128] [--data EVAL] [--trust-remote-code]``.

A run exports its delivered model (``export_model_dir``) and is measured on its own test split, with its
Matryoshka dimensions when it was trained with them (``run_onnx_inputs``); ``--data`` / ``--dims`` override.
``python -m core zip RUN --out FILE.zip [--which delivered|best|final]``: the run's model with its model card as
README.md, as the Export tab's download.
``python -m core push RUN --repo NAME/MODEL [--public] [--onnx] [--which delivered|best|final]``: the token
comes from ``HF_TOKEN`` (never an argument: command lines are visible to every user of the machine)."""

from __future__ import annotations

from pathlib import Path

from core.errors import StudioError


def resolve_export_source(value: str) -> tuple[Path, Path | None]:
    """(model folder, run folder or None): a sentence-transformers folder given directly, else a run (name or
    folder) and its model to export."""
    path = Path(str(value or ""))
    if (path / "modules.json").is_file():
        return path, None
    from core.export import shipped_model_dir
    from core.paths import run_dir_arg
    from core.run_folder import CONFIG_FILE

    run = run_dir_arg(str(value))
    if not run.is_dir():
        raise StudioError(f"'{value}' is neither a model folder (with modules.json) nor a run.")
    if not (run / CONFIG_FILE).is_file():  # a plain folder: it has no saved model to wait for
        raise StudioError(f"The folder '{value}' is neither a model folder (with modules.json) nor a run folder "
                          "(with config.yaml).")
    return shipped_model_dir(run), run


def parse_dims(text: str | None, field: str = "--dims") -> list[int]:
    """``"256,128"`` -> ``[256, 128]``; empty -> ``[]``. A part that is not a whole number of at least 1 (``0``,
    ``-5``, ``1.5``) is refused naming ``field`` (the flag on the command line, the box's label in the Export tab)."""
    out = []
    for part in str(text or "").replace(" ", "").split(","):
        if not part:
            continue
        if not part.isdigit() or int(part) < 1:
            shown = part[:20]
            raise StudioError(f"{field}: the dimensions must be whole numbers of at least 1, separated by commas "
                              f"(e.g. 256,128), got '{shown}'.")
        out.append(int(part))
    return out


def _own_data(args, run) -> tuple:
    """(evaluation set, the line saying what it measures) of ``--data``: for a run, its queries that the run trained
    or validated on are left out as ``compare`` leaves them out (``core.evaluation.seen``), and the line says how
    many; a file of training queries only is refused."""
    from core.evaluation import EvalSet, load_evalset

    evalset = load_evalset(args.data, split=args.split)
    left = ""
    if run is not None and isinstance(evalset, EvalSet):
        from core.evaluation.compare import without_training_queries
        from core.evaluation.seen import run_training_texts

        training = run_training_texts(run)
        if training is not None and training.queries:
            evalset, n = without_training_queries(evalset, training.queries)
            if n:
                left = f"; {n:,} training or validation queries of the run left out"
    return evalset, f"NDCG@10 on {args.data} ({evalset.summary()}{left})."


def cmd_export_onnx(args) -> int:
    from core.export.onnx import check_out_dir, export_onnx, report_chart, run_onnx_inputs
    from core.paths import out_folder

    model_dir, run = resolve_export_source(args.model)
    dims = parse_dims(args.dims)
    out = check_out_dir(args.out)  # a file or a full folder is refused before loading (made only once all is read)
    made = not out.exists()
    evalset, measured_on = None, None
    if args.data:
        evalset, measured_on = _own_data(args, run)
    elif run is not None:
        inputs = run_onnx_inputs(run, dims)
        evalset, dims, measured_on = inputs.evalset, inputs.dims, inputs.measured_on
    out_folder(out)
    try:
        report = export_onnx(model_dir, args.out, int8=args.int8, dims=dims, evalset=evalset,
                             trust_remote_code=args.trust_remote_code)
    except BaseException:
        if made and out.is_dir() and not any(out.iterdir()):  # a refused export leaves no empty folder behind
            out.rmdir()
        raise
    chart = report_chart(report.table, Path(args.out) / "onnx_report.png")
    report.table.to_csv(Path(args.out) / "onnx_report.csv", index=False)
    print(f"exported {model_dir}")
    if measured_on:
        print(measured_on)
    print(report.table.to_string(index=False))
    print(f"wrote {report.out_dir} ({', '.join(report.files)}); chart {chart}")
    return 0


def cmd_zip(args) -> int:
    import sys

    from core.export import shipped_model_dir, zip_run
    from core.export.zip import zip_path
    from core.paths import run_dir_arg
    from core.training import read_status

    run = run_dir_arg(args.run, must_exist=True)
    src = shipped_model_dir(run, args.which)  # a run training or with no saved model: refused before anything is written
    out = zip_path(args.out)
    if out.exists():
        raise StudioError(f"--out: '{out}' already exists; give a new file name.")
    if read_status(run).get("worse_than_base") and src.name != "delivered":
        print(f"warning: the run ended worse than its base model on validation, and {src.name}/ is its tuned model, "
              "not the delivered one.", file=sys.stderr)
    path = zip_run(run, out, args.which)
    print(f"wrote {path} ({src.name}/ of run {run.name}, with its model card as README.md)")
    return 0


def cmd_push(args) -> int:
    from core.export import push_run
    from core.paths import run_dir_arg

    run = run_dir_arg(args.run, must_exist=True)
    from core.export.hub import env_token

    if not env_token():  # the command line takes no token argument (it would stay in the shell's history)
        raise StudioError("push reads the access token from HF_TOKEN: set HF_TOKEN to a Hugging Face token with write "
                          "permission (it is used for this push only and never written anywhere).")
    url = push_run(run, args.repo, token=None, private=not args.public, which=args.which, onnx=args.onnx)
    print(f"pushed {run.name} to {url}" + (" (with onnx/)" if args.onnx else ""))
    return 0


def _run_and_which(p, verb: str) -> None:
    """The RUN argument and ``--which`` choice that ``zip`` and ``push`` share (``export_model_dir``'s order)."""
    p.add_argument("run", metavar="RUN", help="a run name or folder")
    p.add_argument("--which", choices=["delivered", "best", "final"], default=None,
                   help=f"the model to {verb} (default: delivered, else best, else final)")


def register(subparsers) -> None:
    p = subparsers.add_parser("export-onnx", help="export a run's model (or a model folder) to ONNX, with a report",
                              description="Export to ONNX (torch.onnx.export, opset 17), optionally int8 and "
                                          "Matryoshka dimensions; prints cosine to torch, NDCG@10, size and speed.")
    p.add_argument("model", metavar="RUN_OR_FOLDER", help="a run name or folder, or a sentence-transformers folder")
    p.add_argument("--out", required=True, metavar="DIR", help="new (or empty) output folder")
    p.add_argument("--int8", action="store_true", help="also write model.int8.onnx (dynamic quantisation)")
    p.add_argument("--dims", metavar="D1,D2", default="", help="truncated dimensions to report, e.g. 256,128 (default for a run: "
                   "its Matryoshka dimensions)")
    p.add_argument("--data", metavar="EVAL", help="BEIR folder or data file for NDCG@10 (default for a run: its test split)")
    p.add_argument("--split", default=None, help="BEIR qrels split (default: the only one, else test)")
    p.add_argument("--trust-remote-code", action="store_true",
                   help="let a model folder's own Python code run when it is loaded (read that code first)")
    p.set_defaults(func=cmd_export_onnx)

    p = subparsers.add_parser("zip", help="zip a run's delivered model with its model card",
                              description="Write a run's model (delivered, else best, else final; or --which) as "
                                          "one zip file with its model card as README.md, as the Export tab's "
                                          "download.")
    _run_and_which(p, "zip")
    p.add_argument("--out", required=True, metavar="FILE.zip", help="the zip file to write (new; .zip is added)")
    p.set_defaults(func=cmd_zip)

    p = subparsers.add_parser("push", help="push a run's delivered model and card to the Hugging Face Hub",
                              description="Push a run's model (private unless --public) with its model card, "
                                          "optionally with its ONNX export under onnx/. The token is read from "
                                          "HF_TOKEN (never given on the command line) and never written.")
    _run_and_which(p, "push")
    p.add_argument("--repo", required=True, metavar="NAME/MODEL", help="the Hub repository, e.g. my-team/pig-model")
    p.add_argument("--public", action="store_true", help="create a public repository (default: private)")
    p.add_argument("--onnx", action="store_true", help="also upload an ONNX export (fp32 + int8) under onnx/")
    p.set_defaults(func=cmd_push)
