"""ONNX export of a sentence-transformers folder, with optional int8 and Matryoshka dimensions, and a report.

- ``export_onnx(model_dir, out_dir, int8=False, dims=None, evalset=None, progress=None, trust_remote_code=False)
  -> OnnxReport``: a model folder with its own Python code loads only with ``trust_remote_code``;
  writes ``model.onnx`` (``torch.onnx.export``, opset 17, dynamic batch/sequence axes; inputs ``input_ids``,
  ``attention_mask`` and ``token_type_ids`` when the model takes them; output the token embeddings),
  ``model.int8.onnx`` with ``int8`` (onnxruntime dynamic quantisation, per-channel uint8 weights), the tokenizer files,
  ``onnx_config.json`` (pooling, normalize, max_seq_length, prompts) and a ``README.md`` loader example.
  The report has one row per variant (fp32, int8, and each dimension of ``dims`` for each precision): mean
  cosine to the torch embeddings of the same texts, NDCG@10 on ``evalset`` when given, size on disk, texts/s.
- ``report_chart(report, path) -> Path``: quality against embedding dimension, one line per precision.
- ``run_onnx_inputs(run_dir, dims=None) -> RunOnnxInputs``: what exporting a run measures by default: its test
  split (``core.training.data.run_split_evalset``) for NDCG@10, and its Matryoshka dimensions (config
  ``loss.matryoshka_dims``) when none are given; ``measured_on`` says which in one sentence.
- ``encode_onnx`` (in ``core.export.onnx_encode``, torch-free) encodes with an exported folder.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from core.export.onnx_encode import VARIANT_FILES, OnnxExportError, encode_onnx, normalize
from core.run_folder import CONFIG_FILE

OPSET = 17
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt",
                   "sentencepiece.bpe.model", "spiece.model", "merges.txt", "vocab.json", "added_tokens.json")
CHECK_TEXTS = [
    "How do I lower a sow's fever after farrowing?", "母猪产后发烧怎么办？", "What is the weaning weight of piglets?",
    "仔猪断奶体重是多少", "African swine fever vaccine progress", "非洲猪瘟疫苗的研究进展",
    "The company reported a net profit increase this quarter.", "公司本季度净利润增长。",
    "Interest rates rose and bank loans became more expensive.", "利率上升，银行贷款成本增加。",
    "A man is playing a guitar on the street.", "一个男人在街上弹吉他。", "The cat eats food from a blue bowl.",
    "猫从蓝色的碗里吃东西。", "Feed cost is the largest share of pig farm expenses.", "饲料成本占养猪场支出的最大部分。",
    "Annual revenue and cash flow of the company", "公司的年度收入和现金流", "How to keep water clean in the barn",
    "如何保持猪舍饮水清洁", "Corn and soybean prices in the market", "玉米和大豆的市场价格",
    "The child runs in the green park.", "孩子在绿色的公园里跑。", "Dividend tax on share income",
    "股票收入的股息税", "Manure management on a swine farm", "养猪场的粪便管理",
    "Growth and protein needs of a litter", "一窝仔猪的生长和蛋白质需求", "mixed 中英文 text: pig 猪 price 价格", "?",
]


@dataclass
class OnnxReport:
    """``table``: one row per variant (variant, precision, dim, cosine_to_torch, ndcg@10, size_mb, texts_per_s);
    ``out_dir``: the exported folder; ``files``: the files written."""

    table: pd.DataFrame
    out_dir: Path
    files: list[str] = field(default_factory=list)


@dataclass
class RunOnnxInputs:
    """``evalset``: the run's test split (a retrieval ``EvalSet``) or None; ``dims``: the dimensions to report;
    ``measured_on``: one sentence naming the set NDCG@10 is measured on, or why there is none."""

    evalset: object
    dims: list[int]
    measured_on: str


def run_onnx_inputs(run_dir, dims=None) -> RunOnnxInputs:
    """The defaults of exporting the run in ``run_dir`` (see the module docstring): ``dims`` given are kept,
    none (None or empty) take the run's Matryoshka dimensions."""
    from core.run_folder import DELIVERED_DIR
    from core.training.config import TrainConfig
    from core.training.data import run_split_evalset
    from core.training.delivery import read_delivery

    run_dir = Path(run_dir)
    cfg_path = run_dir / CONFIG_FILE
    dims = list(dims or [])
    base_note = ""
    if not dims and cfg_path.is_file():
        dims = [int(d) for d in TrainConfig.load(cfg_path).loss.matryoshka_dims or []]
        if dims and (run_dir / DELIVERED_DIR).is_dir() and read_delivery(run_dir).get("is_base"):
            # the delivered model is the base, which never trained with the Matryoshka loss: its cut embeddings
            # are not the run's to report (--dims still measures any the team asks for)
            base_note = (f" The run delivered its base model, which was not trained with Matryoshka, so its "
                         f"dimensions {', '.join(map(str, dims))} are not exported by default; give --dims to measure them.")
            dims = []
    from core.errors import StudioError

    try:
        evalset = run_split_evalset(run_dir, "test")
    except StudioError as err:  # the run's data moved or no longer reads: the export goes on without NDCG@10
        return RunOnnxInputs(evalset=None, dims=list(dims), measured_on=(
            f"No NDCG@10: the test split of the run '{run_dir.name}' cannot be rebuilt ({err}); "
            f"cosine to torch is measured on {len(CHECK_TEXTS)} built-in check texts.{base_note}"))
    if evalset is None:
        said = (f"No NDCG@10: the run '{run_dir.name}' has no retrieval test split; cosine to torch is measured "
                f"on {len(CHECK_TEXTS)} built-in check texts.")
    else:
        said = (f"NDCG@10 on the test split of the run '{run_dir.name}' ({len(evalset.queries)} queries, "
                f"{len(evalset.corpus)} passages).")
    return RunOnnxInputs(evalset=evalset, dims=list(dims), measured_on=said + base_note)


def _read_json(path: Path) -> dict | list:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise OnnxExportError(f"The file '{path}' cannot be read as JSON ({err}).") from None


def st_settings(model_dir: Path) -> dict:
    """Pooling mode, normalize, prompts of a sentence-transformers folder (its modules.json and module configs)."""
    modules_path = model_dir / "modules.json"
    if not modules_path.is_file():
        raise OnnxExportError(f"The folder '{model_dir}' is not a sentence-transformers model (expected modules.json in it).")
    modules = _read_json(modules_path)
    if not isinstance(modules, list):
        raise OnnxExportError(f"The file '{modules_path}' must hold a list of modules.")
    types = [str(m.get("type", "")) for m in modules]
    pooling = None
    for m in modules:
        if str(m.get("type", "")).endswith(".Pooling"):
            cfg = _read_json(model_dir / m.get("path", "") / "config.json")
            pooling = cfg.get("pooling_mode")
            if pooling is None:  # older configs: one flag per mode
                flags = {"mean": "pooling_mode_mean_tokens", "cls": "pooling_mode_cls_token",
                         "max": "pooling_mode_max_tokens", "lasttoken": "pooling_mode_lasttoken"}
                pooling = next((k for k, f in flags.items() if cfg.get(f)), "mean")
            if isinstance(pooling, (list, tuple)):
                pooling = pooling[0] if len(pooling) == 1 else "+".join(pooling)
    if pooling is None:
        raise OnnxExportError(f"The model '{model_dir}' has no Pooling module in modules.json (expected Transformer + Pooling).")
    if pooling not in ("mean", "cls", "max", "lasttoken"):
        raise OnnxExportError(f"The pooling mode '{pooling}' of '{model_dir}' cannot be exported (expected mean, cls, max or lasttoken).")
    other = [t.rsplit(".", 1)[-1] for t in types if not t.endswith((".Transformer", ".Pooling", ".Normalize"))]
    if other:
        raise OnnxExportError(f"The model '{model_dir}' has a {other[0]} module, which the ONNX export does not cover "
                              "(expected Transformer, Pooling and Normalize only).")
    st_cfg_path = model_dir / "config_sentence_transformers.json"
    st_cfg = _read_json(st_cfg_path) if st_cfg_path.is_file() else {}
    return {"pooling": pooling, "normalize": any(t.endswith(".Normalize") for t in types),
            "prompts": dict(st_cfg.get("prompts") or {}), "default_prompt_name": st_cfg.get("default_prompt_name")}


def _check_dims(dims, full: int) -> list[int]:
    out = []
    for d in dims or []:
        try:
            d = int(d)
        except (TypeError, ValueError):
            raise OnnxExportError(f"The dimension '{d}' is not a whole number (expected e.g. 256,128).") from None
        if d < 1 or d > full:
            raise OnnxExportError(f"The dimension {d} is out of range for this model (expected 1 to {full}).")
        if d != full and d not in out:
            out.append(d)
    return sorted(out, reverse=True)


class _TokenEmbeddings:
    """Wraps the Hugging Face model so the traced graph returns the last hidden state only."""

    def __new__(cls, hf_model, with_types: bool):
        import torch

        class Wrapper(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.model = hf_model

            def forward(self, input_ids, attention_mask, token_type_ids=None):
                kw = {"input_ids": input_ids, "attention_mask": attention_mask}
                if with_types:
                    kw["token_type_ids"] = token_type_ids
                return self.model(**kw).last_hidden_state

        return Wrapper().eval()


def _export_graph(st_model, path: Path) -> list[str]:
    import inspect

    import torch

    hf = st_model[0].auto_model
    with_types = "token_type_ids" in inspect.signature(hf.forward).parameters and \
        getattr(hf.config, "type_vocab_size", 0) > 0
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if with_types else [])
    ids = torch.ones((2, 8), dtype=torch.long)
    args = tuple([ids, torch.ones_like(ids)] + ([torch.zeros_like(ids)] if with_types else []))
    axes = {n: {0: "batch", 1: "sequence"} for n in names}
    axes["token_embeddings"] = {0: "batch", 1: "sequence"}
    wrapper = _TokenEmbeddings(hf, with_types)
    import warnings

    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes about shapes fixed at trace time; the axes stay dynamic
        # dynamo=False: the TorchScript exporter takes dynamic_axes and needs no onnxscript
        torch.onnx.export(wrapper, args, str(path), input_names=names, output_names=["token_embeddings"],
                          dynamic_axes=axes, opset_version=OPSET, do_constant_folding=True, dynamo=False)
    return names


def _copy_tokenizer(model_dir: Path, st_model, out_dir: Path) -> list[str]:
    copied = []
    for name in TOKENIZER_FILES:
        if (model_dir / name).is_file():
            shutil.copy2(model_dir / name, out_dir / name)
            copied.append(name)
    if "tokenizer.json" not in copied:
        tok = getattr(st_model[0], "tokenizer", None)
        if tok is None or not getattr(tok, "is_fast", False):
            raise OnnxExportError(f"The model '{model_dir}' has no fast tokenizer (tokenizer.json), which the ONNX loader needs.")
        tok.save_pretrained(str(out_dir))
        copied = [n for n in TOKENIZER_FILES if (out_dir / n).is_file()]
    return copied


README = """# ONNX export of `{name}`

Files: `model.onnx` (fp32){int8_line}, the tokenizer (`tokenizer.json`), `onnx_config.json`
(pooling `{pooling}`, normalize `{normalize}`, max_seq_length {max_len}, embedding dimension {dim}).
Inputs: {inputs}; output: `token_embeddings` (batch, sequence, {dim}); pool and normalise as below.

```python
import json
import numpy as np
import onnxruntime as ort
from tokenizers import Tokenizer

folder = "."  # this folder
cfg = json.load(open(f"{{folder}}/onnx_config.json"))
tok = Tokenizer.from_file(f"{{folder}}/tokenizer.json")
tok.enable_truncation(max_length=cfg["max_seq_length"])
tok.enable_padding()
sess = ort.InferenceSession(f"{{folder}}/model.onnx", providers=["CPUExecutionProvider"])
names = [i.name for i in sess.get_inputs()]

def encode(texts, dim=None):
    enc = tok.encode_batch(texts)
    feeds = {{"input_ids": np.array([e.ids for e in enc], dtype=np.int64),
             "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
             "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64)}}
    tokens = sess.run(None, {{k: v for k, v in feeds.items() if k in names}})[0]
    mask = feeds["attention_mask"][..., None].astype(np.float32)
    if cfg["pooling"] == "cls":
        emb = tokens[:, 0]
    elif cfg["pooling"] == "max":
        emb = np.where(mask > 0, tokens, -1e9).max(axis=1)
    elif cfg["pooling"] == "lasttoken":
        emb = tokens[np.arange(len(tokens)), feeds["attention_mask"].sum(1) - 1]
    else:
        emb = (tokens * mask).sum(1) / np.clip(mask.sum(1), 1e-9, None)
    if cfg["normalize"] or dim:
        emb = emb[:, :dim] if dim else emb
        emb = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    return emb

print(encode(["{example_query}"]).shape)
```

Prompts (prepend to the text): {prompts}. With `dim` (e.g. {dims}) vectors are cut to their first `dim` values and
re-normalised (Matryoshka; meaningful when the model was trained with a Matryoshka loss).
"""


def _size_mb(path: Path) -> float:
    total = path.stat().st_size
    data = path.with_name(path.name + ".data")
    if data.is_file():
        total += data.stat().st_size
    return round(total / 1e6, 3)


def _eval_texts(evalset):
    if evalset is None:
        return list(CHECK_TEXTS)
    if getattr(evalset, "kind", "") == "retrieval":
        return list(evalset.queries.values())[:64] + list(evalset.corpus.values())[:64]
    raise OnnxExportError("The evaluation set for the ONNX report must be a retrieval set (queries, corpus and qrels).")


def check_out_dir(out_dir) -> Path:
    """``out_dir`` as a Path when it is a new or empty folder; OnnxExportError (one sentence) when it is a file or
    holds files. Called before any loading."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise OnnxExportError(f"The output folder '{out_dir}' is a file (expected a folder).")
    if out_dir.exists() and any(out_dir.iterdir()):
        raise OnnxExportError(f"The output folder '{out_dir}' is not empty (choose a new folder).")
    return out_dir


def _one_line(err: BaseException, limit: int = 200) -> str:
    """``str(err)`` on one line, at most ``limit`` characters, cut between words (with "…")."""
    text = " ".join(str(err).split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(" .,;:") + "…"


def _load_st_model(model_dir: Path, trust_remote_code: bool):
    """The SentenceTransformer in ``model_dir`` on the CPU; OnnxExportError (one line) when it cannot be loaded,
    saying how to opt in when the folder needs its own Python code."""
    from core.errors import StudioError

    try:
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(model_dir), device="cpu", trust_remote_code=bool(trust_remote_code))
    except StudioError:
        raise
    except Exception as err:  # noqa: BLE001 - any load failure is one sentence
        if not trust_remote_code and "trust_remote_code" in str(err):  # transformers: the folder has custom code
            raise OnnxExportError(
                f"The model '{model_dir}' runs its own Python code when loaded; read that code, then export with "
                "--trust-remote-code to allow it.") from None
        name, detail = type(err).__name__, _one_line(err)
        raise OnnxExportError(f"The model '{model_dir}' cannot be loaded ({name}: {detail}).") from None


def export_onnx(model_dir, out_dir, int8: bool = False, dims=None, evalset=None, progress=None,
                trust_remote_code: bool = False) -> OnnxReport:
    """Export ``model_dir`` (a sentence-transformers folder) to ``out_dir`` and measure every variant (see the
    module docstring). ``progress`` (a ``core.progress.ProgressFn``) gets stage ``onnx``, done out of 100.
    ``trust_remote_code`` lets a folder's own Python code run when it is loaded. Raises ``OnnxExportError``."""
    from core.export.zip import check_model_dir

    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise OnnxExportError(f"The model folder '{model_dir}' does not exist.")
    check_model_dir(model_dir)
    settings = st_settings(model_dir)
    def note(fraction: float, message: str) -> None:
        if progress is not None:
            from core.progress import Progress

            progress(Progress(stage="onnx", done=int(round(fraction * 100)), total=100, message=message))

    texts = _eval_texts(evalset)
    out_dir = check_out_dir(out_dir)

    note(0.05, "loading the model")
    st_model = _load_st_model(model_dir, trust_remote_code)
    get_dim = getattr(st_model, "get_embedding_dimension", None) or st_model.get_sentence_embedding_dimension
    full = int(get_dim() or 0)
    dims = _check_dims(dims, full)
    max_len = int(st_model.max_seq_length or 512)

    from core.paths import out_folder

    out_folder(out_dir)
    note(0.15, "exporting model.onnx")
    try:
        inputs = _export_graph(st_model, out_dir / "model.onnx")
    except Exception as err:  # noqa: BLE001
        raise OnnxExportError(f"torch.onnx.export failed for '{model_dir}' ({type(err).__name__}: {str(err)[:200]}).") from None
    files = ["model.onnx"] + _copy_tokenizer(model_dir, st_model, out_dir)
    cfg = {**settings, "max_seq_length": max_len, "embedding_dimension": full, "inputs": inputs,
           "output": "token_embeddings", "opset": OPSET, "dims": dims, "variants": ["fp32"] + (["int8"] if int8 else [])}
    (out_dir / "onnx_config.json").write_text(json.dumps(cfg, ensure_ascii=False, indent=2), encoding="utf-8")
    files.append("onnx_config.json")
    if int8:
        note(0.4, "quantising to model.int8.onnx")
        from onnxruntime.quantization import QuantType, quantize_dynamic

        # per-channel uint8 weights: on MiniLM mean cosine to torch 0.9905 (per-tensor int8: 0.944) at the same size
        # and speed (BENCHMARKS.md, "ONNX int8")
        quantize_dynamic(str(out_dir / "model.onnx"), str(out_dir / "model.int8.onnx"), per_channel=True,
                         weight_type=QuantType.QUInt8)
        files.append("model.int8.onnx")
    prompts = ", ".join(f"{k}: '{v}'" for k, v in settings["prompts"].items() if v) or "none"
    from core.run_folder import MODEL_DIRS

    shown = model_dir.name  # a run's model folder is named with its run: "pig-run/delivered", not "delivered"
    if model_dir.name in MODEL_DIRS and (model_dir.parent / CONFIG_FILE).is_file():
        shown = f"{model_dir.parent.name}/{model_dir.name}"
    (out_dir / "README.md").write_text(README.format(
        name=shown, int8_line=", `model.int8.onnx` (int8 dynamic quantisation)" if int8 else "",
        pooling=settings["pooling"], normalize=settings["normalize"], max_len=max_len, dim=full,
        inputs=", ".join(f"`{n}`" for n in inputs), example_query="母猪产后发烧怎么办？", prompts=prompts,
        dims=", ".join(map(str, dims)) or "256"), encoding="utf-8")
    files.append("README.md")

    note(0.55, "measuring the variants")
    table = measure(st_model, out_dir, texts, cfg, evalset, note)
    return OnnxReport(table=table, out_dir=out_dir, files=files)


def _prompt_prefix(cfg: dict, name: str) -> str:
    return str((cfg.get("prompts") or {}).get(name) or "")


REFERENCE_GAIN = "ndcg@10 vs fp32 (95% CI)"  # the ONNX report's column: each variant's NDCG@10 against fp32's
VERDICT = "verdict"  # and whether that difference is beyond noise (core.evaluation.stats verdicts)
# the report's columns in order (the retrieval ones only when an evaluation set was given)
REPORT_COLUMNS = ("variant", "precision", "dim", "cosine_to_torch", "ndcg@10", REFERENCE_GAIN, VERDICT, "size_mb",
                  "texts_per_s")


def gain_cell(d) -> str:
    """The ``REFERENCE_GAIN`` cell of a ``PairedDiff``: "-0.0095 [-0.0230, -0.0010]"; when the interval leaves out 0
    but the paired test does not back it (the verdict stays *no difference*, ``core.evaluation.stats``), its p-value
    follows, ", p = 0.07", so the cell says why the verdict beside it is not *worse* or *better*."""
    from core.evaluation.stats import NO_DIFFERENCE, brief, brief_text

    text = brief_text(brief(d))
    if d.verdict == NO_DIFFERENCE and (d.ci_low > 0 or d.ci_high < 0):
        text += f", p = {d.p_value:.2f}"
    return text


def measure(st_model, out_dir: Path, texts: list[str], cfg: dict, evalset=None, note=None) -> pd.DataFrame:
    """One row per (precision, dimension): cosine to torch, NDCG@10 on ``evalset``, size (MB), texts/s; with an
    ``evalset`` also each variant's NDCG@10 against the first row's (fp32 at full dimension), paired
    over the same queries (``REFERENCE_GAIN``: "+0.0010 [-0.0020, +0.0040]", and ``VERDICT``), so a team sees
    whether int8 or a truncated dimension costs quality beyond noise."""
    import onnxruntime as ort

    from core.evaluation.stats import paired_difference

    note = note or (lambda f, m: None)
    full = cfg["embedding_dimension"]
    ref = np.asarray(st_model.encode(texts, convert_to_numpy=True, batch_size=32), dtype=np.float32)
    if evalset is not None:
        q_ids, d_ids = list(evalset.queries), list(evalset.corpus)
        qp, dp = _prompt_prefix(cfg, "query"), _prompt_prefix(cfg, "document")
    rows, reference = [], None
    for precision in cfg["variants"]:
        path = out_dir / VARIANT_FILES[precision]
        sess = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        t0 = time.perf_counter()
        emb = encode_onnx(out_dir, texts, variant=precision, session=sess)
        speed = len(texts) / max(time.perf_counter() - t0, 1e-9)
        if evalset is not None:
            q_emb = encode_onnx(out_dir, [evalset.queries[q] for q in q_ids], variant=precision, prompt=qp or None, session=sess)
            d_emb = encode_onnx(out_dir, [evalset.corpus[d] for d in d_ids], variant=precision, prompt=dp or None, session=sess)
        for dim in [full] + list(cfg["dims"]):
            a, b = normalize(emb[:, :dim]), normalize(ref[:, :dim])
            row = {"variant": precision if dim == full else f"{precision}-{dim}", "precision": precision, "dim": dim,
                   "cosine_to_torch": round(float(np.mean(np.sum(a * b, axis=1))), 5)}
            if evalset is not None:
                from core.evaluation.metrics import retrieval_metrics_from_embeddings

                res = retrieval_metrics_from_embeddings(normalize(q_emb[:, :dim]), normalize(d_emb[:, :dim]),
                                                        q_ids, d_ids, evalset.qrels)
                row["ndcg@10"] = round(float(res.metrics["ndcg@10"]), 5)
                scores = [float(v) for v in res.per_query["ndcg@10"]]
                if reference is None:
                    reference, row[REFERENCE_GAIN], row[VERDICT] = scores, "", ""
                else:
                    d = paired_difference(reference, scores)
                    row[REFERENCE_GAIN], row[VERDICT] = gain_cell(d), d.verdict
            row["size_mb"] = _size_mb(path)
            row["texts_per_s"] = round(speed, 1)
            rows.append(row)
        note(0.6 + 0.4 * len(rows) / (len(cfg["variants"]) * (1 + len(cfg["dims"]))), f"measured {precision}")
    return pd.DataFrame(rows, columns=[c for c in REPORT_COLUMNS if any(c in r for r in rows)])


def report_chart(table: pd.DataFrame, path, words: dict | None = None) -> Path:
    """A PNG of NDCG@10 (or, without an evaluation set, cosine to torch) against embedding dimension, one line
    per precision; ``words``: see ``core.evaluation.plots.chart_word``."""
    from core.evaluation.plots import _save, chart_word, new_figure

    metric = "ndcg@10" if "ndcg@10" in table.columns else "cosine_to_torch"
    fig, ax = new_figure((6, 4))
    for precision, part in table.groupby("precision", sort=False):
        part = part.sort_values("dim")
        ax.plot(part["dim"], part[metric], marker="o", label=precision)
    ax.set_xlabel(chart_word("dimension", words))
    ax.set_ylabel(metric)
    ax.set_title(chart_word("onnx_title", words, metric=metric))
    ax.grid(True, alpha=0.3)
    ax.legend()
    return _save(fig, path, dpi=100)


__all__ = ["export_onnx", "encode_onnx", "report_chart", "measure", "st_settings", "run_onnx_inputs", "RunOnnxInputs",
           "OnnxReport", "OnnxExportError"]
