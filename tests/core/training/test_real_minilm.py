"""The real thing, small: fine-tune the bundled MiniLM on a few hundred financial QA pairs and see NDCG@10
on held-out pairs (other companies) go up. Takes a few minutes on one CPU core
(10 training steps, 200 validation queries, then the delivered-model choice)."""

import csv

import pytest

from core.run_folder import EV_EVAL
from core.training import TrainConfig, read_events, run_training


@pytest.mark.slow
def test_minilm_financial_qa_ndcg_goes_up(shared_data, tmp_path, tmp_runs):
    rows = list(csv.DictReader(open(shared_data / "financial_qa_10k" / "raw" / "Financial-QA-10k.csv", encoding="utf-8")))
    tickers = sorted({r["ticker"] for r in rows})
    val_tickers = set(tickers[::4])  # held-out companies: no ticker in both files
    train = [r for r in rows if r["ticker"] not in val_tickers][:320]
    val = [r for r in rows if r["ticker"] in val_tickers][:200]
    for name, part in (("train.csv", train), ("val.csv", val)):
        with open(tmp_path / name, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["question", "context"])
            w.writerows((r["question"], r["context"]) for r in part)

    cfg = TrainConfig(name="minilm-fin", model="minilm")
    cfg.data.train = [str(tmp_path / "train.csv")]
    cfg.data.validation = [str(tmp_path / "val.csv")]
    cfg.data.format = "pair"
    cfg.data.mapping = {"anchor": "question", "positive": "context"}
    cfg.hyper.epochs = 1
    cfg.hyper.batch_size = 32
    cfg.hyper.learning_rate = 1e-4
    cfg.hyper.max_seq_length = 128
    cfg.hyper.warmup_ratio = 0.1
    cfg.data.general = "none"  # the general-domain check has its own tests; here it would double the run's time
    status = run_training(cfg, tmp_runs / "minilm-fin")
    assert status["status"] == "completed", status
    events, _ = read_events(tmp_runs / "minilm-fin")
    curve = [(e["step"], e["metrics"]["ndcg@10"]) for e in events if e["type"] == EV_EVAL]
    print("ndcg@10 by step:", curve)
    assert curve[0][0] == 0
    assert status["final_metric"] > status["baseline"] + 0.005, curve
    assert status["worse_than_base"] is False
