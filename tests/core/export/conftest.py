"""Helpers for the export tests: a tiny BEIR folder and a finished run folder whose data has a test split."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import tiny_pairs


def write_beir(folder: Path) -> Path:
    """Four zh/en queries, each with one relevant passage, as a BEIR folder (qrels/test.tsv)."""
    (folder / "qrels").mkdir(parents=True)
    docs = {"d1": "母猪产后发烧需要降温和补液", "d2": "The company reported a net profit increase",
            "d3": "Piglets weaning weight is about seven kilograms", "d4": "玉米和大豆的市场价格"}
    queries = {"q1": "母猪发烧怎么办", "q2": "company profit", "q3": "weaning weight of piglets", "q4": "玉米价格"}
    (folder / "corpus.jsonl").write_text("".join(json.dumps({"_id": k, "text": v}, ensure_ascii=False) + "\n"
                                                 for k, v in docs.items()), encoding="utf-8")
    (folder / "queries.jsonl").write_text("".join(json.dumps({"_id": k, "text": v}, ensure_ascii=False) + "\n"
                                                  for k, v in queries.items()), encoding="utf-8")
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + "".join(
        f"q{i}\td{i}\t1\n" for i in range(1, 5)))
    return folder


def write_run_with_test_split(runs: Path, name: str, model_src: Path, matryoshka_dims=None) -> Path:
    """A finished run: ``final/`` = ``model_src``, config.yaml over 40 zh/en qpn rows split 60/20/20."""
    from core.training import TrainConfig

    run = runs / name
    run.mkdir(parents=True)
    shutil.copytree(model_src, run / "final")
    data = runs.parent / f"{name}-data.jsonl"
    data.write_text("".join(json.dumps({"query": q, "pos": [p], "neg": []}, ensure_ascii=False) + "\n"
                            for q, p in tiny_pairs(40)), encoding="utf-8")
    cfg = TrainConfig(name=name, model=str(model_src))
    cfg.data.train = [str(data)]
    cfg.data.split = [0.6, 0.2, 0.2]
    cfg.loss.name = "MultipleNegativesRankingLoss"
    cfg.loss.matryoshka_dims = matryoshka_dims
    cfg.save(run / "config.yaml")
    return run
