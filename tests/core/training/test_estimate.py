import math

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
    assert full.seconds > 0 and full.peak_memory_mb > 700
    assert full.trainable_parameters == full.parameters
    cfg.strategy.name, cfg.strategy.params = "lora", {"r": 4}
    lora = estimate(cfg)
    assert lora.trainable_parameters < full.trainable_parameters / 2
    assert lora.peak_memory_mb < full.peak_memory_mb
    assert "steps" in full.human()


def test_estimate_minilm_is_minutes_not_hours():
    """MiniLM, 1,000 pairs, batch 32: on a 2-core CPU this takes minutes (measured ~2-4 min)."""
    import tempfile, csv, os

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
