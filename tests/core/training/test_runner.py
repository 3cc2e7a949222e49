"""Every format trains a few steps with its default loss, saves a plain model, and writes events."""

import json
import math

import pytest

from core.run_folder import (
    BEST_DIR,
    CONFIG_FILE,
    EV_BEST,
    EV_ERROR,
    EV_EVAL,
    EV_PLAN,
    EV_PROGRESS,
    EV_STATUS,
    EV_TRAIN,
    EV_WARNING,
    FINAL_DIR,
    STOP_FILE,
)
from core.training import TrainConfig, read_events, read_status, run_training
from core.training.runner import last_checkpoint

FORMATS = ["pair", "triplet", "qpn", "scored_pair", "labelled_pair", "labelled_sentence"]


def tiny_config(model_path, data_path, **hyper) -> TrainConfig:
    cfg = TrainConfig(name="t", model=str(model_path))
    cfg.data.train = [str(data_path)]
    cfg.data.split = [0.8, 0.2]
    cfg.hyper.batch_size = 8
    cfg.hyper.learning_rate = 5e-4
    cfg.hyper.max_steps = hyper.pop("max_steps", 4)
    cfg.eval.eval_steps = hyper.pop("eval_steps", 2)
    for k, v in hyper.items():
        setattr(cfg.hyper, k, v)
    return cfg


@pytest.mark.parametrize("fmt", FORMATS)
def test_each_format_trains_with_default_loss(fmt, tiny_model_path, format_file, tmp_runs):
    from sentence_transformers import SentenceTransformer

    from core.losses import DEFAULT_LOSS

    data = format_file(fmt)
    run_dir = tmp_runs / fmt
    status = run_training(tiny_config(tiny_model_path, data), run_dir)
    assert status["status"] == "completed", status
    events, _ = read_events(run_dir)
    types = [e["type"] for e in events]
    assert types[0] == "status" and events[0]["status"] == "running"
    plan = next(e for e in events if e["type"] == EV_PLAN)
    assert plan["loss"] == DEFAULT_LOSS[fmt]
    train = [e for e in events if e["type"] == EV_TRAIN]
    assert train and all(math.isfinite(e["loss"]) for e in train)
    evals = [e for e in events if e["type"] == EV_EVAL]
    assert evals[0]["step"] == 0, "the base model is evaluated before the first step"
    assert status["main_metric"] in evals[0]["metrics"]
    # every eval event says what it measured on: queries and passages, pairs, or triplets
    counted = ("n_queries", "n_pairs", "n_triplets")
    assert all(any(e["measured_on"].get(k, 0) > 0 for k in counted) for e in evals), [e["measured_on"] for e in evals]
    assert isinstance(status["baseline"], float)
    assert events[-1]["type"] == EV_STATUS and events[-1]["status"] == "completed"
    # The final model is a plain sentence-transformers folder.
    model = SentenceTransformer(str(run_dir / FINAL_DIR))
    emb = model.encode(["pig feed 猪饲料"])
    assert emb.shape == (1, 32)
    assert (run_dir / CONFIG_FILE).exists()
    again = TrainConfig.load(run_dir / CONFIG_FILE)
    assert again.data.train == [str(data)]


def test_trained_weights_change_and_best_is_saved(tiny_model_path, format_file, tmp_runs):
    import torch
    from sentence_transformers import SentenceTransformer

    run_dir = tmp_runs / "w"
    status = run_training(tiny_config(tiny_model_path, format_file("pair"), max_steps=6, eval_steps=3), run_dir)
    base = SentenceTransformer(str(tiny_model_path))
    tuned = SentenceTransformer(str(run_dir / FINAL_DIR))
    b = dict(base.named_parameters())
    moved = [n for n, p in tuned.named_parameters() if not torch.equal(p, b[n])]
    assert moved, "training changed no weight"
    assert (run_dir / BEST_DIR).is_dir() and status["best_step"] in (3, 6)
    assert last_checkpoint(run_dir) is not None


def test_each_evaluation_after_the_base_carries_its_paired_gain_over_the_base(tiny_model_path, format_file, tmp_runs):
    """The eval events' ``vs_base`` (the Train tab's 95% band): paired over the validation queries the event says it
    measured on, the gain is the metric minus the base's, and the last one is the delivery's own comparison of
    ``final/`` (the same per-query scores, the same rule)."""
    from core.run_folder import DELIVERY_FILE

    run_dir = tmp_runs / "band"
    run_training(tiny_config(tiny_model_path, format_file("pair"), max_steps=6, eval_steps=3), run_dir)
    evals = [e for e in read_events(run_dir)[0] if e["type"] == EV_EVAL]
    assert [e["step"] for e in evals] == [0, 3, 6]
    assert "vs_base" not in evals[0]  # the base itself
    base = evals[0]["metrics"]["ndcg@10"]
    for e in evals[1:]:
        gain = e["vs_base"]
        assert gain["metric"] == "ndcg@10" and gain["n"] == e["measured_on"]["n_queries"] > 0
        assert gain["diff"] == pytest.approx(e["metrics"]["ndcg@10"] - base, abs=1e-9)
        assert gain["ci_low"] <= gain["diff"] <= gain["ci_high"]
        assert gain["verdict"] in ("better", "worse", "no_difference")
    final = {c["name"]: c for c in json.loads((run_dir / DELIVERY_FILE).read_text(encoding="utf-8"))["candidates"]}["final"]
    assert {k: final["vs_base"][k] for k in ("n", "diff", "ci_low", "ci_high", "verdict")} == pytest.approx(
        {k: evals[-1]["vs_base"][k] for k in ("n", "diff", "ci_low", "ci_high", "verdict")})


def test_nan_loss_stops_with_clear_event(tiny_model_path, format_file, tmp_runs, monkeypatch):
    import torch

    import core.losses as L

    real = L.build_loss

    def nan_loss(*a, **kw):
        loss = real(*a, **kw)

        class NaNAfter(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.inner, self.calls = loss, 0

            def forward(self, *args, **kwargs):
                self.calls += 1
                out = self.inner(*args, **kwargs)
                return out * float("nan") if self.calls >= 3 else out

        return NaNAfter()

    monkeypatch.setattr(L, "build_loss", nan_loss)
    run_dir = tmp_runs / "nan"
    status = run_training(tiny_config(tiny_model_path, format_file("pair"), max_steps=20, eval_steps=50), run_dir)
    assert status["status"] == "failed"
    assert "loss became nan" in status["error"].lower()
    events, _ = read_events(run_dir)
    err = [e for e in events if e["type"] == EV_ERROR]
    assert err and err[-1]["step"] == 3
    assert (run_dir / FINAL_DIR).is_dir()


def test_stop_file_then_resume_in_process(tiny_model_path, format_file, tmp_runs, monkeypatch):
    """STOP after step 3 saves a loadable model + checkpoint; --resume finishes the remaining steps. The base
    model's per-query scores of step 0 are kept in the run folder: the resumed run's evaluation still carries its
    gain over the base, and its delivery does not search the base again (only the three blends)."""
    from sentence_transformers import SentenceTransformer

    import core.training.runner as R
    from core.run_folder import BASE_SCORES_FILE
    from core.training import delivery

    run_dir = tmp_runs / "stop"
    cfg = tiny_config(tiny_model_path, format_file("pair"), max_steps=10, eval_steps=100)

    # Write STOP from inside the loop at step 3, as the UI would from outside.
    original = R.EventLog.emit

    def emit(self, type, **fields):
        if type == "progress" and fields.get("step") == 3:
            (run_dir / STOP_FILE).write_text("x")
        return original(self, type, **fields)

    R.EventLog.emit = emit
    try:
        status = run_training(cfg, run_dir)
    finally:
        R.EventLog.emit = original
    assert status["status"] == "stopped" and status["step"] == 3
    assert not (run_dir / STOP_FILE).exists()
    SentenceTransformer(str(run_dir / FINAL_DIR)).encode(["ok"])
    assert last_checkpoint(run_dir).name == "checkpoint-3"

    kept = json.loads((run_dir / BASE_SCORES_FILE).read_text(encoding="utf-8"))
    searched = []
    real = delivery.per_query_ndcg
    monkeypatch.setattr(delivery, "per_query_ndcg", lambda m, ev, *a, **k: searched.append(m) or real(m, ev, *a, **k))
    status = run_training(cfg, run_dir, resume=True)
    assert status["status"] == "completed" and status["step"] == 10
    events, _ = read_events(run_dir)
    steps = [e["step"] for e in events if e["type"] == EV_PROGRESS]
    assert 4 in steps and steps[-1] == 10
    plan = [e for e in events if e["type"] == EV_PLAN]
    assert plan[-1]["resume_from"] == "checkpoint-3"
    last = [e for e in events if e["type"] == EV_EVAL][-1]
    assert last["step"] == 10 and last["vs_base"]["n"] == len(kept["scores"])
    assert last["vs_base"]["diff"] == pytest.approx(last["metrics"]["ndcg@10"] - status["baseline"], abs=1e-9)
    rec = json.loads((run_dir / "delivery.json").read_text(encoding="utf-8"))
    assert rec["candidates"][0]["ndcg@10"] == pytest.approx(sum(kept["scores"]) / len(kept["scores"]))
    # the blends, and best/ only when it is still the stopped process's model (this process knows only the scores
    # of what it saved): the base and final/ kept their scores across the resume
    after_resume = events[events.index(plan[-1]):]
    best_here = any(e["type"] == EV_BEST for e in after_resume)
    assert len(searched) == 3 + (0 if best_here else 1), (best_here, len(searched))


def test_tuned_worse_than_base_warns(tiny_model_path, format_file, tmp_runs, monkeypatch):
    """A run whose final metric is below the baseline says so loudly in events and status."""
    from core.training import evaluators

    calls = {"n": 0}
    real_short = evaluators.short_metrics

    def fake_short(metrics):
        out = real_short(metrics)
        if "ndcg@10" in out:
            calls["n"] += 1
            out["ndcg@10"] = 0.9 if calls["n"] == 1 else 0.1
        return out

    monkeypatch.setattr(evaluators, "short_metrics", fake_short)
    run_dir = tmp_runs / "worse"
    status = run_training(tiny_config(tiny_model_path, format_file("pair"), max_steps=4, eval_steps=2), run_dir)
    assert status["worse_than_base"] is True
    assert "WORSE" in status["warning"]
    events, _ = read_events(run_dir)
    assert any(e["type"] == EV_WARNING for e in events)


def test_bad_data_fails_with_message(tiny_model_path, tmp_path, tmp_runs):
    from core.errors import StudioError

    bad = tmp_path / "bad.csv"
    bad.write_text("foo,bar\n,\n", encoding="utf-8")
    cfg = tiny_config(tiny_model_path, bad)
    with pytest.raises(StudioError):
        run_training(cfg, tmp_runs / "bad")
    st = read_status(tmp_runs / "bad")
    assert st["status"] == "failed" and "bad.csv" in st["error"]


def test_qpn_without_negatives_trains_in_batch(tiny_model_path, tmp_path, tmp_runs):
    """A built dataset with no mined negatives (pseudo-queries) trains on in-batch negatives."""
    from tests.conftest import tiny_pairs

    path = tmp_path / "built.jsonl"
    path.write_text("".join(json.dumps({"query": q, "pos": [p], "neg": []}, ensure_ascii=False) + "\n"
                            for q, p in tiny_pairs(30)), encoding="utf-8")
    status = run_training(tiny_config(tiny_model_path, path, max_steps=2), tmp_runs / "noneg")
    assert status["status"] == "completed"
    events, _ = read_events(tmp_runs / "noneg")
    assert next(e for e in events if e["type"] == EV_PLAN)["train_rows"] == 24


def test_qpn_with_some_rows_lacking_negatives(tiny_model_path, tmp_path, tmp_runs):
    """After mining, a few queries may have no negative: they get a random one and the run says how many."""
    from tests.conftest import tiny_pairs

    pairs = tiny_pairs(30)
    path = tmp_path / "mined.jsonl"
    path.write_text("".join(json.dumps({"query": q, "pos": [p], "neg": [pairs[(i + 2) % 30][1]] if i % 3 else []},
                                       ensure_ascii=False) + "\n" for i, (q, p) in enumerate(pairs)), encoding="utf-8")
    cfg = tiny_config(tiny_model_path, path, max_steps=2)
    cfg.data.split = [1.0, 0.0]
    cfg.data.neg_nums = 1  # trained on whatever the base model says of them (the recipe would measure them)
    status = run_training(cfg, tmp_runs / "mixed")
    assert status["status"] == "completed", status
    events, _ = read_events(tmp_runs / "mixed")
    assert any("10 of 30 rows had no negative" in e.get("message", "") for e in events)


def test_nothing_of_training_is_alive_when_the_delivery_loads_its_models(tiny_model_path, format_file, tmp_runs,
                                                                         monkeypatch):
    """The delivery loads the base, final/ and blends; the trained model, its optimizer and the trainer must be gone
    by then (a sentence-transformers evaluator keeps ``model.similarity`` once it has run, so handing the
    evaluator to the delivery kept the whole model alive)."""
    import gc
    import weakref

    from transformers import Trainer

    import core.models as models_pkg
    import core.training.runner as R

    refs: dict[str, weakref.ref] = {}
    load = models_pkg.load_model

    def loading(*a, **kw):
        model = load(*a, **kw)
        refs.setdefault("model", weakref.ref(model))  # the first load of a run is the model it trains
        return model

    create = Trainer.create_optimizer

    def creating(self, *a, **kw):
        out = create(self, *a, **kw)
        refs["optimizer"], refs["trainer"] = weakref.ref(self.optimizer), weakref.ref(self)
        return out

    alive: dict[str, bool] = {}
    finish = R._deliver_and_finish

    def checking(run_dir, ended, log):
        gc.collect()
        alive.update({name: ref() is not None for name, ref in refs.items()})
        return finish(run_dir, ended, log)

    monkeypatch.setattr(models_pkg, "load_model", loading)
    monkeypatch.setattr(Trainer, "create_optimizer", creating)
    monkeypatch.setattr(R, "_deliver_and_finish", checking)
    status = run_training(tiny_config(tiny_model_path, format_file("pair")), tmp_runs / "free")
    assert status["status"] == "completed" and status.get("delivered")
    assert alive == {"model": False, "optimizer": False, "trainer": False}


def test_staged_run_logs_its_switch_in_one_sentence_in_both_languages(tiny_model_path, format_file, tmp_runs):
    """The staged strategy's switch is one params event (strategy, stage, step) folded into one log line that the
    UI's Chinese template covers whole (it used to put 'bitfit from step 2' inside the strategy name)."""
    from core.run_folder import EV_PARAMS
    from core.training.events import empty_view, fold_events
    from ui.strings import tr_engine

    cfg = tiny_config(tiny_model_path, format_file("pair"))
    cfg.strategy.name = "staged"
    run_dir = tmp_runs / "staged"
    assert run_training(cfg, run_dir)["status"] == "completed"
    events, _ = read_events(run_dir)
    params = [e for e in events if e["type"] == EV_PARAMS]
    switch = [e for e in params if e.get("stage")]
    assert len(switch) == 1 and switch[0]["strategy"] == "staged" and switch[0]["stage"] == "bitfit"
    assert switch[0]["step"] == 2 and 0 < switch[0]["trainable"] < switch[0]["total"]
    log = fold_events(empty_view(str(run_dir)), events)["log"]
    line = next(x for x in log if "second stage" in x)
    assert line.startswith("strategy staged, second stage bitfit from step 2: ")
    zh = tr_engine(line, "zh")
    assert zh.startswith("策略 staged：从第 2 步起进入第二阶段 bitfit，") and "from step" not in zh, zh


def _train_spying_on_dropout(setter: str, setting: str, tiny_model_path, format_file, tmp_runs, monkeypatch):
    """Train the tiny model with ``hyper.<setting>: 0`` while spying on ``core.strategies.registry.<setter>``:
    returns (what each call saw: (p, layers changed, {dropout layer name: p} right after it), final/'s config.json)."""
    from torch import nn

    import core.strategies.registry as registry

    seen = []
    real = getattr(registry, setter)

    def spy(model, p):
        changed = real(model, p)
        seen.append((p, changed, {n: m.p for n, m in model.named_modules() if isinstance(m, nn.Dropout)}))
        return changed

    monkeypatch.setattr(registry, setter, spy)
    cfg = tiny_config(tiny_model_path, format_file("pair"), max_steps=2, eval_steps=2)
    setattr(cfg.hyper, setting, 0)
    run_dir = tmp_runs / setting
    assert run_training(cfg, run_dir)["status"] == "completed"
    return seen, json.loads((run_dir / FINAL_DIR / "config.json").read_text())


def test_attention_dropout_setting_reaches_the_trained_model_and_not_its_config(tiny_model_path, format_file,
                                                                                tmp_runs, monkeypatch):
    """``hyper.attention_dropout: 0`` turns the attention probabilities' dropout off in the model the run trains and
    leaves its other dropout on; the saved config keeps the base's values."""
    seen, saved = _train_spying_on_dropout("set_attention_dropout", "attention_dropout", tiny_model_path, format_file,
                                           tmp_runs, monkeypatch)
    assert seen and all(p == 0 and changed == 2 for p, changed, _ in seen)  # the tiny model's two layers
    parents = [{n.rsplit(".", 2)[-2]: rate for n, rate in ps.items()} for _, _, ps in seen]
    assert all(ps["self"] == 0.0 and ps["output"] == 0.1 for ps in parents), seen
    assert saved["hidden_dropout_prob"] == 0.1 and saved["attention_probs_dropout_prob"] == 0.1


def test_dropout_setting_reaches_the_trained_model_and_not_its_config(tiny_model_path, format_file, tmp_runs,
                                                                      monkeypatch):
    """``hyper.dropout: 0`` turns every dropout layer of the model the run trains off; the saved model's config keeps
    the base's dropout, so it loads and trains further as its base did."""
    seen, saved = _train_spying_on_dropout("set_dropout", "dropout", tiny_model_path, format_file, tmp_runs,
                                           monkeypatch)
    assert seen and all(p == 0 and set(ps.values()) == {0.0} for p, _, ps in seen)
    assert saved["hidden_dropout_prob"] == 0.1 and saved["attention_probs_dropout_prob"] == 0.1


def test_the_next_run_from_the_same_base_on_the_same_validation_takes_the_bases_scores(tiny_model_path, format_file,
                                                                                      tmp_runs, tmp_path):
    """Step 0 scores the base model; a later run from the same base model on the same validation set, read the same
    way, takes that result (said in a log line, both languages) and searches nothing at step 0. Another validation
    set, a strategy that wraps the model (LoRA) or a damaged cache file evaluates the base again."""
    from core.run_folder import EV_LOG
    from core.training.runner import BASE_EVAL_KEPT
    from tests.core.training.conftest import write_format_file
    from ui.strings import tr_engine

    data = format_file("pair", 40)

    def run(name, data_path=data, **kw):
        cfg = tiny_config(tiny_model_path, data_path, max_steps=2, eval_steps=2)
        for k, v in kw.items():
            obj, attr = k.split("__")
            setattr(getattr(cfg, obj), attr, v)
        assert run_training(cfg, tmp_runs / name)["status"] == "completed"
        events = read_events(tmp_runs / name)[0]
        kept = any(e["type"] == EV_LOG and e["message"] == BASE_EVAL_KEPT for e in events)
        return kept, next(e for e in events if e["type"] == EV_EVAL and e["step"] == 0)

    kept, first = run("first")
    assert not kept
    files = list((tmp_path / "cache" / "validation-base").glob("*.json"))
    assert len(files) == 1
    kept, second = run("second")
    assert kept and second["metrics"] == first["metrics"] and second["measured_on"] == first["measured_on"]
    assert read_status(tmp_runs / "second")["baseline"] == read_status(tmp_runs / "first")["baseline"]
    # and trains the same: the step-0 search draws nothing from the random stream training uses
    from tests.core.training.test_delivery import _same_weights

    assert _same_weights(tmp_runs / "first" / FINAL_DIR, tmp_runs / "second" / FINAL_DIR)
    # what is taken is the kept file's result, not a search made again: a marked copy shows in the next run
    stored = json.loads(files[0].read_text(encoding="utf-8"))
    from core.training.events import is_bookkeeping

    # measures only: the time the first search took is not the next run's (nor is any in an eval event)
    assert stored["metrics"] and not [k for k in [*stored["metrics"], *second["metrics"]] if is_bookkeeping(k)]
    ndcg_key = next(k for k in stored["metrics"] if k.endswith("ndcg@10"))
    stored["metrics"][ndcg_key] = 0.123
    files[0].write_text(json.dumps(stored), encoding="utf-8")
    kept, marked = run("marked")
    assert kept and marked["metrics"]["ndcg@10"] == 0.123
    assert not run("other-data", write_format_file(tmp_path / "other", "pair", 48))[0]
    assert not run("lora", strategy__name="lora")[0]
    files[0].write_text('{"metrics": {"x": "high"}, "scores": [2]}', encoding="utf-8")
    kept, again = run("damaged")
    assert not kept and again["metrics"] == first["metrics"]
    assert "不再重新检索" in tr_engine(BASE_EVAL_KEPT, "zh")


def test_a_sentence_similarity_run_says_its_validation_was_measured_on_pairs(tiny_model_path, tmp_path, tmp_runs):
    """Scored sentence pairs (STS: each first sentence once) validate by correlation, not retrieval: the eval events
    and the status say how many pairs (measured_on was empty), and the recipe's split line speaks of first sentences,
    not of queries."""
    from tests.conftest import tiny_pairs

    pairs = tiny_pairs(40)
    data = tmp_path / "sts.csv"
    data.write_text("sentence1,sentence2,score\n" + "".join(f"{q},{p},{i % 6}\n" for i, (q, p) in enumerate(pairs)),
                    encoding="utf-8")
    cfg = tiny_config(tiny_model_path, data, max_steps=2)
    cfg.data.split = None
    status = run_training(cfg, tmp_runs / "sts")
    assert status["status"] == "completed", status
    events, _ = read_events(tmp_runs / "sts")
    evals = [e for e in events if e["type"] == EV_EVAL]
    assert evals and all(e["measured_on"] == {"n_pairs": evals[0]["measured_on"]["n_pairs"]} for e in evals)
    assert evals[0]["measured_on"]["n_pairs"] >= 5 and "spearman" in status["main_metric"]
    split = next(c for e in events if e["type"] == "recipe" for c in e["choices"] if c["key"] == "data.split")
    assert "distinct first sentences" in split["reason"] and "queries" not in split["reason"], split


def test_a_validation_file_asking_training_queries_is_trimmed_and_the_run_says_so(tiny_model_path, tmp_path, tmp_runs):
    """A run given a validation file that repeats training queries validates (and chooses its delivered model) on the
    other rows only, and says how many it left out in a warning event (the Train tab's log and the CLI's stderr); a
    test file that repeats training queries is trimmed and said the same way."""
    from tests.conftest import tiny_pairs

    pairs = tiny_pairs(58)
    train, val = tmp_path / "train.jsonl", tmp_path / "val.jsonl"
    train.write_text("".join(json.dumps({"anchor": q, "positive": p}) + "\n" for q, p in pairs[:40]), encoding="utf-8")
    val.write_text("".join(json.dumps({"anchor": q, "positive": p}) + "\n" for q, p in pairs[36:48]), encoding="utf-8")
    test = tmp_path / "test.jsonl"
    test.write_text("".join(json.dumps({"anchor": q, "positive": p}) + "\n" for q, p in pairs[38:40] + pairs[48:]),
                    encoding="utf-8")
    cfg = tiny_config(tiny_model_path, train, max_steps=2)
    cfg.data.split, cfg.data.validation, cfg.data.test = None, [str(val)], [str(test)]
    status = run_training(cfg, tmp_runs / "trim")
    assert status["status"] == "completed", status
    events, _ = read_events(tmp_runs / "trim")
    said = [e["message"] for e in events if e["type"] == EV_WARNING]
    assert any(m.startswith("4 of 12 validation rows ask a query of the training data") for m in said), said
    assert any(m.startswith("2 of 12 test rows ask a query of the training data") for m in said), said
    data = next(e for e in events if e["type"] == "data")
    assert data["counts"] == {"train": 40, "validation": 8, "test": 10}
    assert next(e for e in events if e["type"] == EV_EVAL)["measured_on"]["n_queries"] == 8
