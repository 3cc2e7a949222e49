"""``python -m core build``: documents -> passages -> (query, passage) pairs, in one folder.

``build_dataset(docs, out_dir, options, api_key=None, progress=None) -> dict`` does the work (the UI calls
it too) and writes into ``out_dir``:

- ``passages.jsonl``: one ``Passage`` per line (id, text, source, page, chunk_index, title);
- ``pairs.jsonl``: qpn rows (query, pos, neg=[], source, page, passage_id, synthetic, augmented);
- ``report.json``: documents, unreadable files, cleaning, chunking, generation numbers, LLM settings
  (never the API key);
- ``llm_answers.jsonl`` (mode ``llm``): the resumable answer log; run the same command again to continue;
- ``pairs_dropped.jsonl`` (modes ``llm``, ``ict``, ``title`` with the round-trip check on, the default): the
  generated rows whose query did not find its own source passage in the top k (``core.builder.roundtrip``), each
  with ``roundtrip_rank`` and ``roundtrip_reason``; ``report.json`` holds the numbers under ``roundtrip``.

``out_dir`` may not be (or be inside) a ``--docs`` folder, and a folder already holding these files is refused unless
``--overwrite`` (``overwrite=True``); an LLM build continuing its own ``llm_answers.jsonl`` is a resume and needs no
flag. ``--prompt-file`` is read in mode ``llm`` only, with the data files' rules (a regular file within
``STUDIO_MAX_TEXT_BYTES``, UTF-8 text).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core.builder.chunking import chunk
from core.builder.documents import clean_documents, load_documents
from core.builder.llm import LLMConfig
from core.builder.llm_queries import check_template, generate_queries_llm
from core.builder.pseudo_queries import pseudo_queries, simcse_rows
from core.builder.roundtrip import DROPPED_FILE, RETRIEVERS, check_k, check_retriever, roundtrip_filter
from core.errors import ConfigError, DataError
from core.jsonl import write_jsonl
from core.paths import atomic_write_json, not_replacing, out_folder
from core.progress import Progress, ProgressFn

MODES = ("llm", "ict", "title", "simcse")
CHECKED_MODES = ("llm", "ict", "title")  # SimCSE pairs a sentence with itself: nothing to check
PASSAGES_FILE, PAIRS_FILE, REPORT_FILE, ANSWERS_FILE = "passages.jsonl", "pairs.jsonl", "report.json", "llm_answers.jsonl"


@dataclass
class BuildOptions:
    """Everything ``build_dataset`` needs besides the documents and the output folder (no secrets)."""

    mode: str = "ict"
    chunk_size: int = 512
    overlap: int = 64
    unit: str = "chars"
    tokenizer: str | None = None
    repeat_share: float = 0.5
    drop_repeated: bool = True
    remove_patterns: list[str] = field(default_factory=list)
    seed: int = 42
    llm: LLMConfig | None = None
    questions_per_passage: int = 1
    language: str = "auto"
    prompt_template: str | None = None
    roundtrip: str = "bm25"  # "bm25", "dense" or "off"
    roundtrip_k: int | None = None  # None: core.builder.roundtrip.DEFAULT_K for the retriever
    roundtrip_model: str | None = None  # dense only; None: the default model

    def to_dict(self) -> dict:
        d = asdict(self)
        d["llm"] = self.llm.to_dict() if self.llm else None
        return d


def _check_out_dir(docs: Sequence[str | Path], out_dir: str | Path, mode: str, overwrite: bool) -> None:
    """Refuse, before any work, an output folder that is (or is inside) a ``--docs`` folder, and one that already
    holds a build's files unless ``overwrite``. An LLM build continuing its own answer log (``llm_answers.jsonl``)
    is a resume, not a replacement: its pairs are rebuilt from every answer logged."""
    out = Path(out_dir).expanduser().resolve()
    for doc in docs:
        folder = Path(doc).expanduser().resolve()
        if folder.is_dir() and (out == folder or folder in out.parents):
            raise ConfigError(f"--out '{out_dir}' is the --docs folder '{doc}' or inside it; choose an output folder outside "
                              "the documents.")
    if mode == "llm" and (out / ANSWERS_FILE).is_file():
        return
    not_replacing([Path(out_dir) / name for name in (PASSAGES_FILE, PAIRS_FILE, REPORT_FILE, DROPPED_FILE)], overwrite)


def build_dataset(
    docs: Sequence[str | Path],
    out_dir: str | Path,
    options: BuildOptions,
    api_key: str | None = None,
    progress: ProgressFn | None = None,
    overwrite: bool = False,
) -> dict:
    """Load, clean, chunk and pair ``docs``; write the files listed in the module docstring into
    ``out_dir`` and return the report dict. Raises DataError when no document could be read,
    ConfigError for bad options; an ``out_dir`` already holding a build is refused unless ``overwrite`` (an LLM
    build continuing its answer log is a resume)."""
    if options.mode not in MODES:
        raise ConfigError(f"The build mode '{options.mode}' is not known (expected one of {', '.join(MODES)}).")
    if options.mode == "llm" and options.llm is None:
        raise ConfigError("Mode 'llm' needs an endpoint: give --llm-base-url and --llm-model.")
    rt_model = None
    if options.roundtrip != "off":
        if options.roundtrip == "dense":
            from core.models import DEFAULT_MODEL

            rt_model = options.roundtrip_model or DEFAULT_MODEL
        check_retriever(options.roundtrip, rt_model)
        if options.roundtrip_k is not None:
            check_k(options.roundtrip_k)
        if rt_model is not None:  # a model that cannot be loaded is refused before anything is written or asked
            from core.evaluation.encoding import as_model

            rt_model = as_model(rt_model)
    if options.mode == "llm":
        check_template(options.prompt_template)
    _check_out_dir(docs, out_dir, options.mode, overwrite)
    created = not Path(out_dir).expanduser().exists()
    out = out_folder(out_dir)  # a file or an impossible folder (/proc/x) is one sentence, before any work
    try:
        loaded = load_documents(list(docs), progress=progress)
        problems = [p.to_dict() for p in loaded.problems]
        if not loaded:
            first = loaded.problems[0].message if loaded.problems else "no supported files"
            raise DataError(f"No readable document was found in {', '.join(map(str, docs))} ({first.rstrip('.')}).")
        documents, clean_report = clean_documents(
            loaded, min_share=options.repeat_share, patterns=options.remove_patterns,
            drop_repeated=options.drop_repeated,
        )
        passages = chunk(documents, size=options.chunk_size, overlap=options.overlap, unit=options.unit,
                         tokenizer=options.tokenizer, progress=progress)
        if not passages:
            raise DataError("The documents contain no text after cleaning (check the patterns to remove).")
    except Exception:  # a document error, or an option the chunker or cleaner refuses (a size below 1, a bad regex)
        if created and out.is_dir() and not any(out.iterdir()):
            out.rmdir()  # nothing was built: no empty output folder is left behind
        raise
    write_jsonl((p.to_dict() for p in passages), out / PASSAGES_FILE)

    generation = None
    if options.mode == "llm":
        rep = generate_queries_llm(
            passages, options.llm, api_key=api_key, n_per_passage=options.questions_per_passage,
            language=options.language, prompt_template=options.prompt_template, out_path=out / ANSWERS_FILE,
            progress=progress,
        )
        rows, generation = rep.rows, rep.to_dict()
    elif options.mode in ("ict", "title"):
        rows = pseudo_queries(passages, mode=options.mode, seed=options.seed, progress=progress)
    else:
        rows = simcse_rows(passages)
    generated = len(rows)
    roundtrip = None
    if options.roundtrip != "off" and options.mode in CHECKED_MODES:
        rt = roundtrip_filter(rows, passages, retriever=options.roundtrip, k=options.roundtrip_k, model=rt_model,
                              progress=progress)
        rows, roundtrip = rt.kept, rt.to_dict()
        write_jsonl(rt.dropped, out / DROPPED_FILE)
    write_jsonl(rows, out / PAIRS_FILE)

    report = {
        "documents": len(documents),
        "pages": sum(len(d.pages) for d in documents),
        "files_with_problems": problems,
        "cleaning": clean_report.to_dict(),
        "passages": len(passages),
        "mean_passage_chars": round(sum(len(p.text) for p in passages) / len(passages), 1),
        "pairs": len(rows),
        "pairs_generated": generated,
        "mode": options.mode,
        "options": options.to_dict(),
        "generation": generation,
        "roundtrip": roundtrip,
        "files": {"passages": PASSAGES_FILE, "pairs": PAIRS_FILE, "report": REPORT_FILE,
                  **({"llm_answers": ANSWERS_FILE} if options.mode == "llm" else {}),
                  **({"dropped": DROPPED_FILE} if roundtrip is not None else {})},
    }
    atomic_write_json(out / REPORT_FILE, report)
    return report


def print_progress(p: Progress) -> None:
    """One line per update: ``[stage] done/total  rate/s  eta``."""
    total = f"/{p.total}" if p.total is not None else ""
    rate = f"  {p.rate:.1f}/s" if p.rate else ""
    eta = f"  eta {p.eta_seconds:.0f}s" if p.eta_seconds is not None else ""
    msg = f"  {p.message}" if p.message else ""
    print(f"[{p.stage}] {p.done}{total}{rate}{eta}{msg}", flush=True)


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "build", help="documents -> passages -> (query, passage) pairs",
        description="Read .txt/.md/.pdf/.docx/.html files, cut them into passages and make training pairs "
                    "(LLM questions, inverse-cloze sentences, titles, or SimCSE self-pairs).",
    )
    p.add_argument("--docs", nargs="+", required=True, metavar="PATH", help="files or folders (folders recurse)")
    p.add_argument("--out", required=True, metavar="DIR", help="output folder (passages.jsonl, pairs.jsonl, report.json)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace the files of an earlier build in --out (an LLM build resumes its answer log without it)")
    p.add_argument("--mode", choices=MODES, default="ict", help="how queries are made (default: ict)")
    p.add_argument("--chunk-size", type=int, default=512)
    p.add_argument("--overlap", type=int, default=64)
    p.add_argument("--unit", choices=("chars", "tokens"), default="chars")
    p.add_argument("--tokenizer", metavar="DIR", help="local model folder whose tokenizer counts tokens (--unit tokens)")
    p.add_argument("--repeat-share", type=float, default=0.5,
                   help="drop lines found on at least this share of a document's pages (headers/footers)")
    p.add_argument("--keep-repeated", action="store_true", help="do not drop repeated header/footer lines")
    p.add_argument("--remove-regex", action="append", default=[], metavar="REGEX", help="delete matches (repeatable)")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--llm-base-url", help="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8000/v1")
    p.add_argument("--llm-model")
    p.add_argument("--llm-key-env", default="OPENAI_API_KEY", help="NAME of the environment variable holding the API key (a name with API_KEY in it, e.g. DEEPSEEK_API_KEY)")
    p.add_argument("--questions-per-passage", type=int, default=1)
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per request")
    p.add_argument("--max-retries", type=int, default=3)
    p.add_argument("--temperature", type=float, default=0.7)
    p.add_argument("--language", choices=("auto", "zh", "en"), default="auto")
    p.add_argument("--prompt-file", help="custom prompt template file with {passage} (and optionally {n})")
    p.add_argument("--roundtrip", choices=(*RETRIEVERS, "off"), default="bm25",
                   help="keep a generated query only when this retriever finds its source passage in the top k "
                        "(default: bm25; off keeps every query; dropped rows go to pairs_dropped.jsonl)")
    p.add_argument("--roundtrip-k", type=int, metavar="K", help="top k for the round-trip check (default: 3 for bm25, 5 for dense)")
    p.add_argument("--roundtrip-model", metavar="MODEL", help="model for --roundtrip dense (default: the default model)")
    p.set_defaults(func=_run)


def _check_repeat_share(value: float) -> None:
    """Refuse a ``--repeat-share`` that is not a share of the pages (0 to 1; NaN is refused too)."""
    if not 0 <= value <= 1:
        raise ConfigError(f"--repeat-share is a share of a document's pages and must be between 0 and 1 "
                          f"(e.g. 0.5), got {value}.")


def read_prompt_file(path: str) -> str:
    """The text of a ``--prompt-file`` (UTF-8), read with the data files' rules (a regular file within
    ``STUDIO_MAX_TEXT_BYTES``); one sentence naming the file when it is missing, not a file, too big or not text."""
    from core.data.readers import read_text_file

    if not Path(path).exists():
        raise ConfigError(f"The prompt file '{path}' does not exist.")
    data = read_text_file(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = None
    if text is None or "\x00" in text:  # not UTF-8, or a binary file that happens to decode as UTF-8
        raise ConfigError(f"The prompt file '{path}' is not UTF-8 text; save it as UTF-8.")
    return text


def _run(args: argparse.Namespace) -> int:
    _check_repeat_share(args.repeat_share)
    llm = None
    if args.mode == "llm" or args.llm_base_url:
        if not args.llm_base_url or not args.llm_model:
            raise ConfigError("Mode 'llm' needs both --llm-base-url and --llm-model.")
        llm = LLMConfig(base_url=args.llm_base_url, model=args.llm_model, api_key_env=args.llm_key_env,
                        temperature=args.temperature, timeout=args.timeout, max_retries=args.max_retries,
                        concurrency=args.concurrency)
        if args.mode == "llm" and not llm.resolve_api_key():
            print(f"note: environment variable {llm.api_key_env} is not set; requests are sent without an API key.",
                  file=sys.stderr)
    template = None
    if args.prompt_file and args.mode == "llm":
        template = read_prompt_file(args.prompt_file)
    elif args.prompt_file:
        print(f"note: --prompt-file is used by --mode llm only; mode {args.mode} does not read it.", file=sys.stderr)
    options = BuildOptions(
        mode=args.mode, chunk_size=args.chunk_size, overlap=args.overlap, unit=args.unit, tokenizer=args.tokenizer,
        repeat_share=args.repeat_share, drop_repeated=not args.keep_repeated, remove_patterns=list(args.remove_regex),
        seed=args.seed, llm=llm, questions_per_passage=args.questions_per_passage, language=args.language,
        prompt_template=template, roundtrip=args.roundtrip, roundtrip_k=args.roundtrip_k,
        roundtrip_model=args.roundtrip_model,
    )
    report = build_dataset(args.docs, args.out, options, progress=print_progress, overwrite=args.overwrite)
    for prob in report["files_with_problems"]:
        print(f"{prob['severity']}: {prob['message']}", file=sys.stderr)
    gen = report.get("generation")
    if gen:
        share = gen.get("well_formed_share")
        print(f"LLM: {gen['ok']}/{gen['passages']} passages ok, {gen['failed']} failed {gen['errors']}, "
              f"well-formed share {'n/a' if share is None else f'{share:.0%}'} at {gen['n_per_passage']} per passage, "
              f"{gen['retries']} retries, {gen['skipped_done']} already done")
    rt = report.get("roundtrip")
    if rt:
        print(rt["summary"])
        for d in rt["dropped_queries"][:20]:
            print(f"  dropped: {d['query']!r}: {d['reason']}")
        if rt["dropped"] > 20:
            print(f"  ... and {rt['dropped'] - 20} more in {Path(args.out) / DROPPED_FILE}")
    print(f"{report['documents']} documents, {report['pages']} pages -> {report['passages']} passages -> "
          f"{report['pairs']} pairs in {Path(args.out) / PAIRS_FILE}")
    import json

    print(json.dumps({k: v for k, v in report.items() if k not in ("options", "cleaning")}, ensure_ascii=False, indent=2))
    return 0 if report["pairs"] else 1
