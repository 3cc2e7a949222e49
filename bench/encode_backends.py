"""Encoding speed: PyTorch (what every search in the studio runs) against the exported ONNX model under onnxruntime,
fp32 and int8, on the same texts in the same process (CPU).

Usage: .venv/bin/python bench/encode_backends.py [--quick] [--models minilm e5] [--repeats 2] [--data ../shared/data]

Texts: the bundled sample's 242 passages (English and Chinese, ~100-200 tokens), and without ``--quick`` also 200
general_zh web passages (long: most reach 512 tokens). Each model reads at its own maximum length (MiniLM 256,
multilingual-e5-small 512). PyTorch: ``SentenceTransformer.encode`` at the studio's encode batch
(``core.evaluation.encoding.encode_batch``); onnxruntime: ``core.export.onnx_encode.encode_onnx`` (what an exported
folder's loader runs) on ``export_onnx``'s files, at the same batch, both sorting texts by length. Repeats alternate
the backends; the table gives the best rate of each. Cosine: each text's embedding against PyTorch's.
The question it answers: is onnxruntime a faster engine for the studio's own searches (validation, delivery's
blends and general check, Evaluate)?
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT / "assets" / "sample" / "passages.jsonl"


def _texts(path: Path, field: str, n: int | None = None) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        rows = [json.loads(line)[field] for line in fh if line.strip()]
    return rows[:n] if n else rows


def _best_rate(fn, texts, repeats):
    best, out = 0.0, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn(texts)
        best = max(best, len(texts) / (time.perf_counter() - t0))
    return best, out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="MiniLM on the sample's passages only, one repeat")
    ap.add_argument("--models", nargs="+", default=["minilm", "multilingual-e5-small"])
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--data", default=str(ROOT.parent / "shared" / "data"))
    args = ap.parse_args()

    import numpy as np
    import onnxruntime as ort
    from sentence_transformers import SentenceTransformer

    from core.evaluation.encoding import encode_batch
    from core.export.onnx import export_onnx
    from core.export.onnx_encode import VARIANT_FILES, encode_onnx
    from core.models import resolve_model
    from core.models.device import set_threads

    threads = set_threads()
    models = ["minilm"] if args.quick else args.models
    repeats = 1 if args.quick else max(1, args.repeats)
    sets = {"sample passages": _texts(SAMPLE, "text")}
    general_zh = Path(args.data) / "general_zh" / "corpus.jsonl"
    if not args.quick and general_zh.is_file():
        sets["general_zh passages"] = _texts(general_zh, "text", 200)

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in models:
            folder = Path(resolve_model(name).path)
            model = SentenceTransformer(str(folder), device="cpu")
            batch = encode_batch(model)
            out = Path(tmp) / name
            export_onnx(folder, out, int8=True)
            sessions = {}
            for variant, file in VARIANT_FILES.items():
                so = ort.SessionOptions()
                so.intra_op_num_threads, so.inter_op_num_threads = threads, 1
                sessions[variant] = ort.InferenceSession(str(out / file), so, providers=["CPUExecutionProvider"])
            for label, texts in sets.items():
                torch_rate, ref = _best_rate(
                    lambda t: model.encode(t, batch_size=batch, normalize_embeddings=True), texts, repeats)
                rows.append({"model": name, "texts": f"{label} ({len(texts)})", "backend": "torch fp32",
                             "texts_per_s": round(torch_rate, 1), "vs_torch": 1.0, "min_cosine": 1.0})
                for variant, sess in sessions.items():
                    rate, emb = _best_rate(
                        lambda t, v=variant, s=sess: encode_onnx(out, t, variant=v, batch_size=batch, session=s),
                        texts, repeats)
                    cos = np.sum(emb * ref, axis=1) / np.linalg.norm(emb, axis=1) / np.linalg.norm(ref, axis=1)
                    rows.append({"model": name, "texts": f"{label} ({len(texts)})", "backend": f"onnxruntime {variant}",
                                 "texts_per_s": round(rate, 1), "vs_torch": round(rate / torch_rate, 2),
                                 "min_cosine": round(float(cos.min()), 4)})

    print(f"threads {threads}, encode batch as the studio's searches (core.evaluation.encoding.encode_batch)")
    print("| model | texts | backend | texts/s | vs torch | min cosine to torch |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['model']} | {r['texts']} | {r['backend']} | {r['texts_per_s']} | {r['vs_torch']} | {r['min_cosine']} |")
    fp32 = [r["vs_torch"] for r in rows if r["backend"] == "onnxruntime fp32"]
    int8 = [r["vs_torch"] for r in rows if r["backend"] == "onnxruntime int8"]
    print(json.dumps({"onnx_fp32_vs_torch": fp32, "onnx_int8_vs_torch": int8, "threads": threads,
                      "quick": bool(args.quick)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
