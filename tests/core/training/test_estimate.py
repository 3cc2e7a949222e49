import math

from core.run_folder import EV_PARAMS, EV_PLAN, EV_PROGRESS
from core.training import TrainConfig
from core.training.estimate import estimate


def test_estimate_counts_steps_params_and_memory(tiny_model_path, format_file):
    cfg = TrainConfig(model=str(tiny_model_path))
    cfg.data.train = [str(format_file("pair", n=100))]
    cfg.data.split = [0.9, 0.1]
    cfg.hyper.batch_size = 8
    cfg.hyper.epochs = 2
    full = estimate(cfg)
    assert full.rows == 90
    assert full.total_steps == math.ceil(90 / 8) * 2
    from core.training.memory import BASE_MB

    assert full.seconds > 0 and full.peak_memory_mb > BASE_MB  # the process itself, plus the tiny model's share
    assert full.trainable_parameters == full.parameters
    cfg.strategy.name, cfg.strategy.params = "lora", {"r": 4}
    lora = estimate(cfg)
    assert lora.trainable_parameters < full.trainable_parameters / 2
    assert lora.peak_memory_mb < full.peak_memory_mb
    assert "steps" in full.human()


def test_estimate_minilm_is_minutes_not_hours():
    """MiniLM, 1,000 pairs, batch 32: on a 2-core CPU this takes minutes (measured ~2-4 min)."""
    import csv
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "p.csv")
        with open(path, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["anchor", "positive"])
            for i in range(1000):
                w.writerow([f"what is the sow feed ration number {i}", "sows need about 2.5 kg of feed per day " * 4])
        cfg = TrainConfig(model="minilm")
        cfg.data.train = [path]
        est = estimate(cfg)
    assert est.parameters > 20_000_000
    assert 10 < est.seconds < 3600


def test_estimate_agrees_with_the_run_on_steps_and_parameters(tiny_model_path, format_file, tmp_runs):
    """Under gradient accumulation and a LoRA strategy, the estimate plans the steps the runner makes and counts
    the trainable parameters the run reports."""
    from core.training import read_events, run_training
    from tests.core.training.test_runner import tiny_config

    cfg = tiny_config(tiny_model_path, format_file("pair", n=70), max_steps=-1, eval_steps=3,
                      gradient_accumulation_steps=2)
    cfg.hyper.batch_size, cfg.hyper.epochs = 4, 1  # explicit: the recipe would pick 3 epochs for 56 pairs
    cfg.strategy.name, cfg.strategy.params = "lora", {"r": 4}
    est = estimate(cfg)
    run_training(cfg, tmp_runs / "agree")
    events, _ = read_events(tmp_runs / "agree")
    plan = next(e for e in events if e["type"] == EV_PLAN)
    params = next(e for e in events if e["type"] == EV_PARAMS)
    last = max(e["step"] for e in events if e["type"] == EV_PROGRESS)
    assert est.total_steps == plan["total_steps"] == last == math.ceil(math.ceil(56 / 4) / 2)
    assert (est.trainable_parameters, est.parameters) == (params["trainable"], params["total"])
    assert est.breakdown["evaluate_base"] > 0 and est.breakdown["evaluate"] > 0 and est.breakdown["load_model"] > 0
    assert abs(sum(est.breakdown.values()) - est.seconds) < 1e-6
    # the delivered-model choice searches validation for the three blends and the base (LoRA wrapped it at step
    # 0); best/ and final/ keep the training's scores (general check off)
    assert abs(est.breakdown["deliver"] - 4 * est.breakdown["evaluate_base"]) < 1e-6


def test_probe_is_cached_per_model_and_settings(tiny_model_path, format_file):
    from core.training import estimate as E

    E.clear_probe_cache()
    cfg = TrainConfig(model=str(tiny_model_path))
    cfg.data.train = [str(format_file("pair", n=60))]
    cfg.hyper.batch_size = 8
    estimate(cfg)
    estimate(cfg)
    assert len(E._PROBES) == 1  # same model and settings: measured once
    cfg.hyper.batch_size = 4
    estimate(cfg)
    assert len(E._PROBES) == 2  # another batch size measures again
    cfg.strategy.name = "bitfit"
    estimate(cfg)
    assert len(E._PROBES) == 3
    E.clear_probe_cache()
    assert not E._PROBES


def test_delivery_time_counts_only_the_models_delivery_searches_itself():
    """The blends are always searched; best/ and final/ keep the training's scores unless bf16 made them at another
    precision; the base keeps its step-0 scores unless it was not evaluated then or LoRA / prefix wrapped it."""
    from core.training.estimate import _delivery_seconds

    cfg = TrainConfig()
    cfg.data.general = "none"  # no general-domain pass: only the validation searches are counted

    def searches(**kw) -> float:
        return _delivery_seconds(cfg, "pair", ["q"], one_eval=1.0, evals=4, texts_per_second=10.0, **kw)

    assert searches() == 3  # three blends
    assert searches(bf16=True) == 3 + 2 + 1  # ... best/, final/ and the base too
    cfg.strategy.name = "lora"
    assert searches() == 4
    cfg.strategy.name, cfg.eval.evaluate_base = "full", False
    assert searches() == 4
    assert _delivery_seconds(cfg, "scored_pair", ["q"], 1.0, 4, 10.0) == 0.0  # not retrieval: no delivery


def test_delivery_time_counts_no_search_again_where_the_runs_length_cut_a_validation_text(tiny_model_path):
    """Trained at a shorter length than the delivered one (the base's own), the run's validation still reads at the
    delivered length (``core.training.evaluators.read_at``): delivery takes the training's scores of base, best/ and
    final/ whether or not the training length cut a validation text, and searches only the blends."""
    from core.training.estimate import _delivery_seconds

    cfg = TrainConfig(model=str(tiny_model_path))  # the tiny model reads 64 tokens
    cfg.data.general = "none"
    long_text = " ".join(["pig"] * 40)  # 42 tokens with [CLS] and [SEP]

    def searches(length, texts) -> float:
        cfg.hyper.max_seq_length = length
        return _delivery_seconds(cfg, "pair", texts, one_eval=1.0, evals=4, texts_per_second=10.0)

    for length in (16, 48, 64):
        assert searches(length, ["pig feed"]) == searches(length, ["pig feed", long_text]) == 3


def test_the_probe_steps_a_cached_loss_in_its_mini_batches_and_bounds_its_work_on_long_texts(tiny_model_path,
                                                                                              format_file, monkeypatch):
    """The Train tab's estimate runs its probe in the studio's own process. On long passages the recipe picks Cached
    MNRL because the whole batch's activations do not fit (t2ranking with multilingual-e5-small: batch 32 at 512
    tokens needs ~43 GB), and a probe that ran the whole batch at once was killed by the kernel, taking the studio
    with it. Now a cached loss is probed as it trains: an embedding pass without gradients, then each mini-batch
    back-propagated on its own; and a probe step trains at most ``PROBE_TOKENS`` positions, its time scaled to the
    whole batch; the probe with another loss or mini-batch is measured again."""
    import torch

    from core.training import estimate as E

    assert E.probe_rows(32, 2, 128) == 32  # the whole batch fits the probe's positions
    assert E.probe_rows(32, 3, 512) == E.PROBE_TOKENS // (3 * 512) < 32
    assert E.probe_rows(32, 3, 10 ** 6) == 1
    monkeypatch.setattr(E, "PROBE_TOKENS", 6 * 2 * 16)  # tiny model: 6 rows of 2 texts at 16 tokens per probe step
    E.clear_probe_cache()
    seen: list[tuple[int, bool]] = []  # (texts in a forward pass, gradients on)
    from core.models import load_model

    real_load = load_model

    def spy_load(*a, **k):
        model = real_load(*a, **k)
        model[0].register_forward_pre_hook(
            lambda mod, args: seen.append((len(args[0]["input_ids"]), torch.is_grad_enabled())))
        return model

    monkeypatch.setattr("core.models.load_model", spy_load)
    cfg = TrainConfig(model=str(tiny_model_path))
    cfg.data.train = [str(format_file("pair", n=80))]
    cfg.hyper.batch_size, cfg.hyper.max_seq_length = 16, 16
    cfg.loss.name, cfg.loss.params = "CachedMultipleNegativesRankingLoss", {"mini_batch_size": 4}
    est = estimate(cfg)
    training = [(n, grad) for n, grad in seen if grad]
    assert training and max(n for n, _ in training) <= 4  # never more than a mini-batch's activations
    assert any(not grad for n, grad in seen[:len(seen) // 2])  # GradCache's pass without gradients comes too
    assert sum(n for n, _ in training) == 3 * 2 * 6  # 3 probe steps x 2 columns x 6 of the batch's 16 rows
    assert est.breakdown["train"] > 0
    seen.clear()
    cfg.loss.params = {"mini_batch_size": 8}
    estimate(cfg)
    assert max(n for n, grad in seen if grad) == 6  # measured again: a mini-batch of 8 holds the probe's 6 rows
    assert len(E._PROBES) == 2
