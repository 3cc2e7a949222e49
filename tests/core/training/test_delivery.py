"""The delivered model: candidates scored on validation, one rule picks, a regression is never delivered."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from core.evaluation.evalset import from_rows
from core.evaluation.stats import paired_difference
from core.export import export_model_dir
from core.run_folder import BEST_DIR, EV_LOG, FINAL_DIR
from core.training import TrainConfig, read_events, read_status, run_training
from core.training.delivery import (
    BASE_DELIVERED,
    DELIVERED,
    DELIVERY_JSON,
    Candidate,
    change_sentence,
    choose,
    deliver,
    general_dir,
    languages_of,
    status_fields,
)
from tests.conftest import tiny_pairs
from tests.core.training.conftest import reworded_copy


def _params(path_or_model):
    from sentence_transformers import SentenceTransformer

    m = path_or_model if hasattr(path_or_model, "state_dict") else SentenceTransformer(str(path_or_model), device="cpu")
    return m.state_dict()


def _same_weights(a, b) -> bool:
    a, b = _params(a), _params(b)
    return set(a) == set(b) and all(torch.equal(a[k], b[k]) for k in a)


def _evalset(n=60):
    pairs = tiny_pairs(n, seed=3)
    return from_rows([q for q, _ in pairs], [[p] for _, p in pairs], name="validation")


def _noisy_copy(src, dst, seed=0):
    """A model folder with the architecture of ``src`` and pure-noise weights (a degraded 'tuned' model)."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(src), device="cpu")
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen))
    model.save(str(dst))
    return dst


def test_training_run_delivers_a_plain_model_and_explains_it(tiny_model_path, format_file, tmp_runs, monkeypatch):
    from sentence_transformers import SentenceTransformer

    from core.training import delivery

    searched = []  # the models the delivery encodes itself: base and the blends, not best/ and final/
    real_per_query = delivery.per_query_ndcg
    monkeypatch.setattr(delivery, "per_query_ndcg", lambda m, ev, *a, **k: searched.append(ev) or real_per_query(m, ev, *a, **k))

    data = format_file("qpn", 60)
    cfg = TrainConfig(name="d", model=str(tiny_model_path))
    cfg.data.train = [str(data)]
    own = reworded_copy(data, tmp_runs.parent / f"own-rows{data.suffix}")  # learnable validation: the run's rows reworded
    cfg.data.validation = [str(own)]
    cfg.data.general = "none"
    cfg.hyper.batch_size = 8
    cfg.hyper.learning_rate = 5e-4
    cfg.hyper.max_steps = 6
    cfg.eval.eval_steps = 3
    run_dir = tmp_runs / "d"
    status = run_training(cfg, run_dir)
    assert status["status"] == "completed", status
    rec = json.loads((run_dir / DELIVERY_JSON).read_text(encoding="utf-8"))
    names = [c["name"] for c in rec["candidates"]]
    assert names == ["base", "best", "final", "blend-0.25", "blend-0.5", "blend-0.75"]
    for c in rec["candidates"]:
        assert 0.0 <= c["ndcg@10"] <= 1.0
        assert c["vs_base"]["n"] == rec["validation"]["queries"] == 60
        assert c["vs_base"]["verdict"] in ("better", "worse", "no_difference")
    assert rec["candidates"][0]["vs_base"]["diff"] == 0.0
    # base (step 0), best/ and final/ keep the scores the training's own evaluation measured for them: only the
    # three blends are searched
    assert len(searched) == 3
    by_name = {c["name"]: c for c in rec["candidates"]}
    assert by_name["base"]["ndcg@10"] == pytest.approx(status["baseline"], abs=1e-9)
    assert by_name["best"]["ndcg@10"] == pytest.approx(status["best_metric"], abs=1e-9)
    assert by_name["final"]["ndcg@10"] == pytest.approx(status["final_metric"], abs=1e-9)
    # ... and they are what a fresh search of the saved folder (the base at the run's length) gives
    again = real_per_query(SentenceTransformer(str(run_dir / "best"), device="cpu"), searched[0])
    assert sum(again) / len(again) == pytest.approx(by_name["best"]["ndcg@10"], abs=1e-4)
    base_again = SentenceTransformer(str(tiny_model_path), device="cpu")
    base_again.max_seq_length = SentenceTransformer(str(run_dir / "final"), device="cpu").max_seq_length
    again = real_per_query(base_again, searched[0])
    assert sum(again) / len(again) == pytest.approx(by_name["base"]["ndcg@10"], abs=1e-4)
    # the recorded choice follows the rule
    by = {c["name"]: c for c in rec["candidates"]}
    if not any(c["vs_base"]["verdict"] == "better" for c in rec["candidates"][1:]):
        assert rec["delivered"] == "base" and "delivered model is the base model" in rec["reason"]
    else:
        ok = [c for c in rec["candidates"] if c["vs_base"]["verdict"] != "worse"]
        assert by[rec["delivered"]]["ndcg@10"] == max(c["ndcg@10"] for c in ok)
    assert rec["general"] == {"en": {"skipped": rec["general"]["en"]["skipped"]}, "zh": rec["general"]["zh"]}
    assert "turned off" in rec["general"]["en"]["skipped"]
    assert rec["change"].startswith("domain ")
    # delivered/ is a plain sentence-transformers folder with the chosen weights
    delivered = SentenceTransformer(str(run_dir / DELIVERED), device="cpu")
    assert delivered.encode(["猪饲料 pig feed"]).shape == (1, 32)
    if rec["delivered"] in ("final", "best"):
        assert _same_weights(delivered, run_dir / rec["delivered"])
    elif rec["delivered"] == "base":
        assert _same_weights(delivered, tiny_model_path)
    # an event, before the final status, and the status names the choice
    events, _ = read_events(run_dir)
    types = [e["type"] for e in events]
    ev = events[types.index("delivery")]
    assert ev["delivered"] == rec["delivered"] and ev["message"] == rec["reason"] and ev["change"] == rec["change"]
    assert types.index("delivery") < len(types) - 1 and events[-1]["status"] == "completed"
    st = read_status(run_dir)
    assert st["delivered"] == rec["delivered"]
    # ... with its validation score and its gain over the base (the runs list shows them): the record's own
    assert st["delivered_metric"] == by[rec["delivered"]]["ndcg@10"]
    if rec["delivered"] == "base":
        assert st["delivered_gain"] is None
    else:
        assert st["delivered_gain"] == {k: by[rec["delivered"]]["vs_base"][k] for k in ("n", "diff", "ci_low", "ci_high",
                                                                                        "verdict")}
    assert any(e["type"] == EV_LOG and "Delivery: scoring" in e.get("message", "") for e in events)
    # the progress bar's phase during the delivery (after the last training progress event)
    delivering = [i for i, e in enumerate(events) if e["type"] == "phase" and e.get("phase") == "delivering"]
    assert delivering and delivering[0] > max(i for i, e in enumerate(events) if e["type"] == "progress")
    assert any("Delivery: scoring" in events[i].get("what", "") for i in delivering)
    # Export / Compare / the card default to the delivered model
    assert export_model_dir(run_dir) == run_dir / DELIVERED


def test_a_run_trained_shorter_than_it_delivers_validates_at_the_delivered_length_and_searches_only_the_blends(
        tiny_model_path, format_file, tmp_runs, monkeypatch):
    """Trained at 16 tokens, which cuts validation passages, delivered at the tiny model's own 64: validation during
    training reads at 64 (``read_at``), so its scores of the base, best/ and final/ are what delivery would measure
    and only the blends are searched; training itself went on at 16."""
    from sentence_transformers import SentenceTransformer

    from core.training import delivery

    searched, lengths = [], []
    real_per_query = delivery.per_query_ndcg
    monkeypatch.setattr(delivery, "per_query_ndcg",
                        lambda m, ev, *a, **k: searched.append(ev) or real_per_query(m, ev, *a, **k))
    data = format_file("qpn", 60)
    cfg = TrainConfig(name="short", model=str(tiny_model_path))
    cfg.data.train = [str(data)]
    own = reworded_copy(data, tmp_runs.parent / f"own-rows-short{data.suffix}")
    cfg.data.validation = [str(own)]
    cfg.data.general = "none"
    cfg.hyper.batch_size, cfg.hyper.learning_rate, cfg.hyper.max_steps, cfg.hyper.max_seq_length = 8, 5e-4, 6, 16
    cfg.eval.eval_steps = 3
    from sentence_transformers import SentenceTransformerTrainer

    real_step = SentenceTransformerTrainer.training_step

    def step(self, model, *a, **k):
        lengths.append(self.model.max_seq_length)
        return real_step(self, model, *a, **k)

    monkeypatch.setattr(SentenceTransformerTrainer, "training_step", step)
    run_dir = tmp_runs / "short"
    status = run_training(cfg, run_dir)
    assert status["status"] == "completed", status
    assert lengths and set(lengths) == {16}, "training reads at its own length between the evaluations"
    assert len(searched) == 3, "base, best/ and final/ keep the training's scores: only the blends are searched"
    assert not delivery.evalset_fits(SentenceTransformer(str(tiny_model_path), device="cpu"), searched[0], 16)
    rec = json.loads((run_dir / DELIVERY_JSON).read_text(encoding="utf-8"))
    by_name = {c["name"]: c for c in rec["candidates"]}
    assert by_name["final"]["ndcg@10"] == pytest.approx(status["final_metric"], abs=1e-9)
    final = SentenceTransformer(str(run_dir / FINAL_DIR), device="cpu")
    assert final.max_seq_length == 16, "final/ keeps the training length"
    at_64 = delivery.scores_at(final, searched[0], 64)
    assert sum(at_64) / len(at_64) == pytest.approx(by_name["final"]["ndcg@10"], abs=1e-4)
    at_16 = delivery.scores_at(final, searched[0], 16)
    assert at_16 != pytest.approx(at_64, abs=1e-6), "read at 16 the passages are cut: other scores"
    # the eval events and the status (the Train tab's header) say the length validation read at
    on = read_status(run_dir)["validation"]
    assert on["max_seq_length"] == 64 and on["n_queries"] == rec["validation"]["queries"]
    assert on["n_passages"] == rec["validation"]["passages"] and on["corpus"].startswith("validation")
    evals = [e for e in read_events(run_dir)[0] if e["type"] == "eval"]
    assert evals and all(e["measured_on"]["max_seq_length"] == 64 for e in evals)


def test_degraded_model_is_not_delivered_the_base_is(tiny_model_path, tmp_path):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    _noisy_copy(tiny_model_path, run_dir / FINAL_DIR)
    rec = deliver(run_dir, str(tiny_model_path), _evalset(), general="none")
    by = {c["name"]: c for c in rec["candidates"]}
    assert by["final"]["vs_base"]["verdict"] == "worse", by["final"]
    assert rec["delivered"] == "base" and rec["is_base"]
    assert rec["reason"].endswith("so the delivered model is the base model.")
    fields = status_fields(rec)
    assert fields["delivered_gain"] is None and fields["delivered_metric"] == by["base"]["ndcg@10"]
    assert rec["reason"].count(". ") == 0, "one sentence"
    assert _same_weights(run_dir / DELIVERED, tiny_model_path)
    assert export_model_dir(run_dir) == run_dir / DELIVERED
    # every blend candidate loads with plain sentence-transformers when delivered: rebuild and compare one
    from core.models.merge import interpolate

    half = interpolate(str(tiny_model_path), str(run_dir / FINAL_DIR), 0.5)
    half.save(str(tmp_path / "half"))
    assert _same_weights(tmp_path / "half", half)


def test_the_checkpoints_are_scored_on_the_base_models_device(tiny_model_path, tmp_path, monkeypatch):
    """best/ and final/ load where the base model sits (on a GPU machine: the GPU, not the CPU beside it), so every
    candidate is scored on one device."""
    from sentence_transformers import SentenceTransformer

    from core.training import delivery

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    _noisy_copy(tiny_model_path, run_dir / FINAL_DIR)
    asked = []
    real = delivery._loader
    monkeypatch.setattr(delivery, "_loader", lambda path, device=None: asked.append((path.name, device))
                        or real(path, device))
    base = SentenceTransformer(str(tiny_model_path), device="cpu")
    deliver(run_dir, base, _evalset(), general="none")
    assert asked == [(FINAL_DIR, str(base.device))], asked


def _cand(name, scores, base=None):
    c = Candidate(name, name, load=lambda: None)
    c.per_query, c.mean = list(scores), sum(scores) / len(scores)
    c.vs_base = paired_difference(base if base is not None else scores, scores)
    return c


def test_rule_picks_best_mean_among_not_worse():
    base = [0.5] * 50
    better = [0.7] * 25 + [0.6] * 25  # clearly better
    higher_noisy = [1.0] * 25 + [0.3] * 25  # higher mean (0.65 vs 0.65)... made higher below
    higher_noisy[0] = 1.0
    worse = [0.2] * 50
    cands = [_cand("base", base), _cand("final", better, base), _cand("blend-0.5", worse, base)]
    chosen, why = choose(cands)
    assert chosen.name == "final" and why.startswith("final has the highest validation ndcg@10")
    assert cands[2].vs_base.verdict == "worse"
    # nothing better than the base: the base, in one sentence naming the best try
    flat = [_cand("base", base), _cand("final", [0.5] * 49 + [0.6], base), _cand("blend-0.5", worse, base)]
    chosen, why = choose(flat)
    assert chosen.name == "base"
    assert "No candidate beat the base model beyond noise on 50 validation queries" in why
    assert "final" in why and why.endswith("the delivered model is the base model.")
    assert "paired test" not in why


def test_a_base_kept_on_an_interval_above_0_says_the_paired_test_held_it_back():
    """Four validation queries, each +0.1: the bootstrap interval is [+0.1, +0.1], yet the sign-flip test cannot
    reach 5% on 4 queries; the sentence says so instead of showing an interval above 0 beside "beyond noise"."""
    base = [0.5] * 4
    chosen, why = choose([_cand("base", base), _cand("final", [0.6] * 4, base)])
    assert chosen.name == "base" and "95% CI [+0.1000, +0.1000]" in why
    assert "but the paired test's p = 0.12: too few queries to tell)" in why, why
    from ui.strings import tr_engine

    zh = tr_engine(why, "zh")
    assert "但配对检验的 p = 0.12：查询太少，无法判断" in zh and "paired" not in zh, zh

def test_an_earlier_checkpoint_ahead_of_final_only_within_noise_is_not_preferred():
    """best/ is the highest of the run's evaluations on these very queries, so a lead over final/ within noise is
    the winner's curse: final/ is delivered and the sentence says why (English and Chinese); a lead beyond noise
    still wins; best/ with final/'s own scores (the same weights) is not held back."""
    from core.training.delivery import held_back
    from ui.strings import tr_engine

    base = [0.5] * 60
    final = [0.7] * 30 + [0.6] * 30
    best_noisy = list(final)
    best_noisy[0], best_noisy[1] = 0.9, 0.8  # +0.005 on average: within noise of final/
    cands = [_cand("base", base), _cand("best", best_noisy, base), _cand("final", final, base)]
    assert held_back(cands[1:]) is cands[1]
    chosen, why = choose(cands)
    assert chosen.name == "final", why
    assert "best/ scored +0.0050 above final/ (95% CI [" in why and "so it was not preferred." in why
    zh = tr_engine(why, "zh")
    assert "best/ 比 final/ 高 +0.0050" in zh and "没有优先选用它" in zh and "preferred" not in zh, zh

    best_clear = [min(1.0, x + 0.2) for x in final]  # beyond noise: it competes, and wins
    cands = [_cand("base", base), _cand("best", best_clear, base), _cand("final", final, base)]
    assert held_back(cands[1:]) is None
    chosen, why = choose(cands)
    assert chosen.name == "best" and "not preferred" not in why

    same = [_cand("base", base), _cand("best", final, base), _cand("final", final, base)]
    assert held_back(same[1:]) is None and choose(same)[0].name == "best"  # ties keep the earlier, as before


def test_an_earlier_checkpoint_held_back_is_not_a_reason_to_leave_the_base():
    """best/ better than the base, final/ not, and best/ ahead of final/ only within noise: nothing is better than
    the base once best/ is held back, so the base is delivered and the sentence names both reasons."""
    base = [0.5] * 40
    final = [0.7, 0.3] * 20  # the base's mean, query by query far from it: no difference
    best = [0.55] * 40  # +0.05 on every query: better than the base; against final/ +0.05 ± 0.2: within noise
    cands = [_cand("base", base), _cand("best", best, base), _cand("final", final, base)]
    from core.evaluation.stats import paired_difference

    assert paired_difference(final, best).verdict != "better"
    chosen, why = choose(cands)
    assert chosen.name == "base", why
    assert "No candidate beat the base model beyond noise" in why and "best/ scored" in why


def test_missing_model_is_a_clear_error(tiny_model_path, tmp_path):
    from core.errors import StudioError

    (tmp_path / "empty").mkdir()
    with pytest.raises(StudioError, match="no saved model"):
        deliver(tmp_path / "empty", str(tiny_model_path), _evalset(10), general="none")


def _tiny_beir(folder, pairs):
    folder.mkdir(parents=True)
    with open(folder / "corpus.jsonl", "w", encoding="utf-8") as fh:
        for i, (_, p) in enumerate(pairs):
            fh.write(json.dumps({"_id": f"d{i}", "title": "", "text": p}, ensure_ascii=False) + "\n")
    with open(folder / "queries.jsonl", "w", encoding="utf-8") as fh:
        for i, (q, _) in enumerate(pairs):
            fh.write(json.dumps({"_id": f"q{i}", "text": q}, ensure_ascii=False) + "\n")
    (folder / "qrels").mkdir()
    (folder / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"q{i}\td{i}\t1\n" for i in range(len(pairs))), encoding="utf-8")
    return folder


def test_general_guard_on_a_tiny_beir_folder(tiny_model_path, tmp_path, monkeypatch):
    monkeypatch.delenv("STUDIO_GENERAL_DIR", raising=False)
    pairs = tiny_pairs(40, seed=5)
    shared = tmp_path / "shared"
    _tiny_beir(shared / "general_en", [p for p in pairs if p[0][0].isascii()])
    _tiny_beir(shared / "general_zh", [p for p in pairs if not p[0][0].isascii()])
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    _noisy_copy(tiny_model_path, run_dir / FINAL_DIR)
    said = []
    rec = deliver(run_dir, str(tiny_model_path), _evalset(), alphas=(), general=str(shared),
                  progress=lambda p: said.append(p.message))
    assert [c["name"] for c in rec["candidates"]] == ["base", "final"]
    assert rec["delivered"] == "base", "the noisy final/ is not delivered"
    for lang in ("en", "zh"):  # the base was delivered: its general retrieval is unchanged, nothing is scored
        assert rec["general"][lang] == {"skipped": BASE_DELIVERED, "unchanged": True}
    assert not [m for m in said if "General-domain check" in m], said
    assert rec["change"] == ("domain +0.0%, general en unchanged (the base model is delivered), "
                             "general zh unchanged (the base model is delivered)")
    events_free = json.loads((run_dir / DELIVERY_JSON).read_text(encoding="utf-8"))
    assert events_free["general"] == rec["general"]
    # a tuned model delivered (the base made worse, so final/ beats it) is scored on both sets
    noise = _noisy_copy(tiny_model_path, tmp_path / "noise-base")
    shutil.rmtree(run_dir / FINAL_DIR)
    shutil.copytree(tiny_model_path, run_dir / FINAL_DIR)
    rec = deliver(run_dir, str(noise), _evalset(), alphas=(), general=str(shared))
    assert rec["delivered"] == "final", rec["reason"]
    # what the run's status keeps of it (the runs list): the delivered model, its score, its gain and how sure
    final = rec["candidates"][1]
    fields = status_fields(rec)
    assert (fields["delivered"], fields["delivered_metric"]) == ("final", final["ndcg@10"])
    assert fields["delivered_gain"]["verdict"] == "better" and fields["delivered_gain"]["n"] == final["vs_base"]["n"]
    assert fields["delivered_gain"]["ci_low"] > 0 and fields["delivery"] == rec["reason"]
    for lang in ("en", "zh"):
        g = rec["general"][lang]
        assert g["folder"] == str(shared / f"general_{lang}") and g["queries"] == 20 and g["passages"] == 20
        assert 0 < g["base"] <= 1 and 0 < g["delivered"] <= 1 and g["vs_base"]["n"] == 20
    # env var instead of the config field; an absent folder is skipped with the reason
    monkeypatch.setenv("STUDIO_GENERAL_DIR", str(shared / "general_en"))
    assert general_dir("en") == (shared / "general_en", "env STUDIO_GENERAL_DIR")
    assert general_dir("zh")[0] is None and "general_zh" in general_dir("zh")[1]
    monkeypatch.setenv("STUDIO_GENERAL_DIR", str(tmp_path / "nowhere"))
    rec = deliver(run_dir, str(tiny_model_path), _evalset(), alphas=())
    assert "no general-domain set for 'en'" in rec["general"]["en"]["skipped"]
    assert rec["change"].endswith("general en skipped, general zh skipped")


def test_general_change_is_measured_when_a_tuned_model_is_delivered(tiny_model_path, tmp_path):
    """Deliver a model better than base on validation (base = noise) and measure its general-set change."""
    pairs = tiny_pairs(40, seed=5)
    shared = tmp_path / "shared"
    _tiny_beir(shared / "general_en", pairs)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    shutil.copytree(tiny_model_path, run_dir / FINAL_DIR)
    noise = _noisy_copy(tiny_model_path, tmp_path / "noise-base")
    rec = deliver(run_dir, str(noise), _evalset(), alphas=(), general=str(shared))
    assert rec["delivered"] == "final", rec["reason"]
    # what the run's status keeps of it (the runs list): the delivered model, its score, its gain and how sure
    final = rec["candidates"][1]
    fields = status_fields(rec)
    assert (fields["delivered"], fields["delivered_metric"]) == ("final", final["ndcg@10"])
    assert fields["delivered_gain"]["verdict"] == "better" and fields["delivered_gain"]["n"] == final["vs_base"]["n"]
    assert fields["delivered_gain"]["ci_low"] > 0 and fields["delivery"] == rec["reason"]
    g = rec["general"]["en"]
    assert g["delivered"] > g["base"] and g["relative"] > 0
    assert "general en +" in rec["change"] and rec["change"].startswith("domain +")


def test_languages_and_sentence():
    assert languages_of(["pig feed", "sow"]) == ["en"]
    assert languages_of(["猪饲料", "母猪"]) == ["zh"]
    assert languages_of(["猪饲料", "sow feed"]) == ["en", "zh"]
    assert change_sentence(0.081, {"en": {"relative": -0.009}}) == "domain +8.1%, general en −0.9%"


def test_export_model_dir_prefers_delivered_then_best_then_final(tiny_model_path, tmp_path):
    run = tmp_path / "r"
    run.mkdir()
    shutil.copytree(tiny_model_path, run / FINAL_DIR)
    assert export_model_dir(run) == run / FINAL_DIR
    shutil.copytree(tiny_model_path, run / BEST_DIR)
    assert export_model_dir(run) == run / BEST_DIR
    shutil.copytree(tiny_model_path, run / DELIVERED)
    assert export_model_dir(run) == run / DELIVERED
    assert export_model_dir(run, "final") == run / FINAL_DIR


def test_best_with_the_weights_of_final_is_scored_once(tiny_model_path, tmp_path, monkeypatch):
    """When the best checkpoint is the last step, best/ and final/ hold the same weights: delivery scores them
    once (the same per-query NDCG@10 for both) instead of searching the validation pool twice."""
    from core.training import delivery as D

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    _noisy_copy(tiny_model_path, run_dir / FINAL_DIR, seed=1)
    shutil.copytree(run_dir / FINAL_DIR, run_dir / BEST_DIR)
    assert D.weights_digest(run_dir / BEST_DIR) == D.weights_digest(run_dir / FINAL_DIR)
    assert D.weights_digest(run_dir / FINAL_DIR) != D.weights_digest(tiny_model_path)
    calls = []
    real = D.per_query_ndcg
    monkeypatch.setattr(D, "per_query_ndcg", lambda m, e, b=32, p=None: calls.append(m) or real(m, e, b, p))
    rec = deliver(run_dir, str(tiny_model_path), _evalset(), alphas=(), general="none")
    by = {c["name"]: c for c in rec["candidates"]}
    assert by["best"]["ndcg@10"] == by["final"]["ndcg@10"]
    assert len(calls) == 2  # base, then best; final reused best's scores


@pytest.mark.parametrize("strategy", ["lora", "prefix"])
def test_a_wrapped_strategy_has_the_base_searched_again(strategy, tiny_model_path, format_file, tmp_runs, monkeypatch):
    """LoRA and prefix tuning wrap the model before the step-0 evaluation, so that score is not the base model's:
    delivery searches the base itself."""
    from sentence_transformers import SentenceTransformer

    from core.training import delivery

    searched = []
    real = delivery.per_query_ndcg
    monkeypatch.setattr(delivery, "per_query_ndcg", lambda m, ev, *a, **k: searched.append(ev) or real(m, ev, *a, **k))
    data = format_file("qpn", 40)
    own = reworded_copy(data, tmp_runs.parent / f"own-rows{data.suffix}")  # validation: the training rows reworded
    cfg = TrainConfig(name="w", model=str(tiny_model_path))
    cfg.data.train, cfg.data.validation, cfg.data.general = [str(data)], [str(own)], "none"
    cfg.strategy.name = strategy
    cfg.hyper.batch_size, cfg.hyper.max_steps, cfg.eval.eval_steps = 8, 2, 2
    status = run_training(cfg, tmp_runs / "w")
    assert status["status"] == "completed", status
    rec = json.loads((tmp_runs / "w" / DELIVERY_JSON).read_text(encoding="utf-8"))
    assert len(searched) == 1 + (0 if rec["blends_skipped"] else 3)  # the base, then the blends if any
    base = SentenceTransformer(str(tiny_model_path), device="cpu")
    base.max_seq_length = SentenceTransformer(str(tmp_runs / "w" / "final"), device="cpu").max_seq_length
    again = real(base, searched[0])
    assert rec["candidates"][0]["ndcg@10"] == pytest.approx(sum(again) / len(again), abs=1e-6)


def test_every_candidate_is_scored_and_delivered_at_the_base_models_own_length(tiny_model_path, tmp_path, monkeypatch):
    """The run trained at 16 tokens (final/ says so), the base reads 64: base, final/ and the blends are searched at
    64 tokens, the length a delivered model keeps (a shorter training length is for speed, not a cut of the team's
    long passages), and the base model keeps its own length afterwards."""
    from sentence_transformers import SentenceTransformer

    from core.training import delivery as D

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    tuned = SentenceTransformer(str(tiny_model_path), device="cpu")  # the good model, so a tuned one is delivered
    tuned.max_seq_length = 16
    tuned.save(str(run_dir / FINAL_DIR))
    base = SentenceTransformer(str(_noisy_copy(tiny_model_path, tmp_path / "noisy", seed=3)), device="cpu")
    assert base.max_seq_length == 64
    lengths = {}
    real = D.per_query_ndcg
    monkeypatch.setattr(D, "per_query_ndcg",
                        lambda m, e, b=32, p=None: lengths.setdefault(len(lengths), m.max_seq_length) and real(m, e, b, p))
    rec = deliver(run_dir, base, _evalset(), general="none")
    assert [c["name"] for c in rec["candidates"]] == ["base", "final", "blend-0.25", "blend-0.5", "blend-0.75"]
    assert list(lengths.values()) == [64] * 5
    assert base.max_seq_length == 64
    assert rec["delivered"] != "base", rec["reason"]
    assert SentenceTransformer(str(run_dir / DELIVERED), device="cpu").max_seq_length == 64 == rec["max_seq_length"]
    assert SentenceTransformer(str(run_dir / FINAL_DIR), device="cpu").max_seq_length == 16  # the run's record


def test_a_run_trained_longer_than_the_base_reads_is_delivered_at_its_own_length(tiny_model_path, tmp_path,
                                                                                  monkeypatch):
    """A length the user set above the base model's own (96 > 64; the tiny model has 128 positions) is kept: the
    candidates are scored at 96 and the delivered tuned model reads 96."""
    from sentence_transformers import SentenceTransformer

    from core.training import delivery as D

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    tuned = SentenceTransformer(str(tiny_model_path), device="cpu")
    tuned.max_seq_length = 96
    tuned.save(str(run_dir / FINAL_DIR))
    base = SentenceTransformer(str(_noisy_copy(tiny_model_path, tmp_path / "noisy", seed=3)), device="cpu")
    lengths = []
    real = D.per_query_ndcg
    monkeypatch.setattr(D, "per_query_ndcg", lambda m, e, b=32, p=None: lengths.append(m.max_seq_length) or real(m, e, b, p))
    rec = deliver(run_dir, base, _evalset(), alphas=(0.5,), general="none")
    assert lengths == [96, 96, 96] and base.max_seq_length == 64
    assert rec["delivered"] != "base", rec["reason"]
    assert SentenceTransformer(str(run_dir / DELIVERED), device="cpu").max_seq_length == 96


@pytest.mark.parametrize("trained, reused", [(16, False), (48, True)])
def test_the_trainings_own_scores_are_reused_only_where_the_runs_length_cut_no_validation_text(
        tiny_model_path, tmp_path, trained, reused):
    """Scores the training measured at its own length are the delivered length's scores only when no validation text
    is longer than the run's length (the tiny Chinese passages are ~20 tokens: 16 cuts some, 48 none)."""
    from sentence_transformers import SentenceTransformer

    from core.training import delivery as D

    run_dir = tmp_path / "run"
    run_dir.mkdir()
    tuned = SentenceTransformer(str(tiny_model_path), device="cpu")
    tuned.max_seq_length = trained
    tuned.save(str(run_dir / FINAL_DIR))
    ev = _evalset()
    assert D.evalset_fits(tuned, ev, trained) is reused
    marker = [0.123] * len(ev.queries)  # no real search gives exactly this
    rec = deliver(run_dir, str(tiny_model_path), ev, alphas=(), general="none",
                  known_scores={"base": marker, "final": marker})
    got = {c["name"]: c["ndcg@10"] for c in rec["candidates"]}
    assert (got["base"] == pytest.approx(0.123)) is reused
    assert (got["final"] == pytest.approx(0.123)) is reused
    # scores the training's evaluation read at the delivered length (read_at) are taken whatever the run's length
    rec = deliver(run_dir, str(tiny_model_path), ev, alphas=(), general="none",
                  known_scores={"base": marker, "final": marker}, known_length=64)
    got = {c["name"]: c["ndcg@10"] for c in rec["candidates"]}
    assert got["base"] == pytest.approx(0.123) and got["final"] == pytest.approx(0.123)


def test_the_base_models_general_scores_are_reused_by_the_next_run(tiny_model_path, tmp_path, monkeypatch):
    """The general check scores a base model once; a later run from the same base reads its scores."""
    from core.training.delivery import base_scores_key, cached_base_scores, general_set

    monkeypatch.setenv("STUDIO_CACHE_DIR", str(tmp_path / "cache"))
    shared = tmp_path / "shared"
    _tiny_beir(shared / "general_en", tiny_pairs(40, seed=5))
    ev, folder, _, _ = general_set("en", str(shared))
    key = base_scores_key(str(tiny_model_path), folder, ev)
    assert key and cached_base_scores(key) is None
    said = []
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    shutil.copytree(tiny_model_path, run_dir / FINAL_DIR)
    noise = _noisy_copy(tiny_model_path, tmp_path / "noise-base")
    first = deliver(run_dir, str(noise), _evalset(), alphas=(), general=str(shared))
    length = first["general"]["en"]["max_seq_length"]  # the delivered length, which the check scored at
    assert cached_base_scores(base_scores_key(str(noise), folder, ev, length)) is not None
    assert cached_base_scores(base_scores_key(str(noise), folder, ev, length // 2)) is None  # another length: not these
    second = deliver(run_dir, str(noise), _evalset(), alphas=(), general=str(shared),
                     progress=lambda p: said.append(p.message))
    assert any("from an earlier run" in m for m in said)
    assert second["general"]["en"]["base"] == first["general"]["en"]["base"]
    # another base model (another folder fingerprint) does not take these scores
    assert base_scores_key(str(tiny_model_path), folder, ev) != base_scores_key(str(noise), folder, ev)


def test_the_general_check_scores_base_and_delivered_model_at_the_delivered_length(tiny_model_path, tmp_path,
                                                                                     monkeypatch):
    """The run trained at 16 tokens: on the general set the base and the delivered model are both scored at the
    length the delivered model keeps (the base's own 64), so the change is the weights' and what a team gets; the
    record says the length, and the base model keeps its own length afterwards."""
    from sentence_transformers import SentenceTransformer

    from core.training import delivery as D

    monkeypatch.setenv("STUDIO_CACHE_DIR", str(tmp_path / "cache"))
    shared = tmp_path / "shared"
    _tiny_beir(shared / "general_en", tiny_pairs(40, seed=5))
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    tuned = SentenceTransformer(str(tiny_model_path), device="cpu")  # the tuned model: the good one
    tuned.max_seq_length = 16
    tuned.save(str(run_dir / FINAL_DIR))
    base = SentenceTransformer(str(_noisy_copy(tiny_model_path, tmp_path / "noisy", seed=3)), device="cpu")
    assert base.max_seq_length == 64
    general = []  # (model, length) of each general-set search (40 queries; validation has 60)
    real = D.per_query_ndcg
    monkeypatch.setattr(D, "per_query_ndcg", lambda m, e, b=32, p=None: (
        general.append(("base" if m is base else "other", m.max_seq_length)) if len(e.queries) == 40 else None
    ) or real(m, e, b, p))
    rec = D.deliver(run_dir, base, _evalset(), alphas=(), general=str(shared))
    assert rec["delivered"] == "final", rec["reason"]
    assert general == [("base", 64), ("other", 64)]
    assert rec["general"]["en"]["max_seq_length"] == 64
    assert base.max_seq_length == 64


def test_the_blend_curve_and_an_exported_blend_use_the_delivered_length(tiny_model_path, tmp_path, monkeypatch):
    """Evaluate's blend curve scores every α at the delivered length (the base's own 64, not the tuned model's 16),
    like delivery, so its α = 0 point is the base as delivery scored it; an exported blend keeps that length, like a
    delivered one."""
    from sentence_transformers import SentenceTransformer

    from core.training import delivery as D

    tuned = SentenceTransformer(str(tiny_model_path), device="cpu")
    tuned.max_seq_length = 16
    tuned.save(str(tmp_path / "tuned"))
    base = SentenceTransformer(str(_noisy_copy(tiny_model_path, tmp_path / "noisy", seed=3)), device="cpu")
    lengths = []
    real = D.per_query_ndcg
    monkeypatch.setattr(D, "per_query_ndcg", lambda m, e, b=32, p=None: lengths.append(m.max_seq_length) or real(m, e, b, p))
    curve = D.blend_curve(base, str(tmp_path / "tuned"), _evalset(), alphas=(0.0, 1.0), general="none")
    assert lengths == [64, 64]
    assert curve["domain"][0] == pytest.approx(sum(real(base, _evalset())) / 60, abs=1e-6)
    D.export_blend(base, str(tmp_path / "tuned"), 0.5, tmp_path / "out")
    assert SentenceTransformer(str(tmp_path / "out" / "blend-0.5"), device="cpu").max_seq_length == 64


def test_the_general_check_leaves_out_a_language_the_base_model_does_not_cover(tmp_path):
    """MiniLM is English-only: the check (and the estimate, and the blend curve) skips general zh with the reason,
    keeps general en, and a model of unknown languages is checked in every language."""
    from core.training.delivery import general_set, unserved_reason

    shared = tmp_path / "shared"
    pairs = tiny_pairs(20, seed=4)
    _tiny_beir(shared / "general_en", [p for p in pairs if p[0][0].isascii()] or pairs)
    _tiny_beir(shared / "general_zh", pairs)
    reason = unserved_reason("zh", "minilm")
    assert reason == "the base model minilm covers en only: it has no general zh retrieval to guard"
    assert unserved_reason("en", "minilm") is None
    assert unserved_reason("zh", "multilingual-e5-small") is None and unserved_reason("en", "multilingual-e5-small") is None
    assert unserved_reason("zh", str(tmp_path / "no-card-model")) is None and unserved_reason("zh", None) is None
    ev, folder, why, full = general_set("zh", str(shared), "minilm")
    assert ev is None and folder is None and why == reason and full == 0
    assert general_set("en", str(shared), "minilm")[0] is not None
    assert general_set("zh", str(shared), None)[0] is not None


def test_the_estimate_counts_no_general_check_for_a_language_the_model_lacks(tiny_model_path, tmp_path):
    from core.training import TrainConfig
    from core.training.estimate import _delivery_seconds

    shared = tmp_path / "shared"
    pairs = tiny_pairs(20, seed=4)
    _tiny_beir(shared / "general_zh", pairs)
    cfg = TrainConfig()
    cfg.data.general = str(shared)
    queries = [q for (q, _p) in pairs]  # English and Chinese: both languages checked where the model covers them
    cfg.model = str(tiny_model_path)  # languages unknown: checked in Chinese
    with_zh = _delivery_seconds(cfg, "pair", queries, 0.0, 1, 100.0)
    cfg.model = "minilm"
    without = _delivery_seconds(cfg, "pair", queries, 0.0, 1, 100.0)
    assert with_zh > 0 and without == 0


def test_the_run_says_a_general_language_was_left_out_because_the_base_model_lacks_it(tmp_path):
    """The delivery's change sentence (the Train tab's header, the card's summary) tells an uncovered language from
    a set that is missing, in both languages of the UI."""
    from core.training.delivery import change_sentence, general_check
    from ui.strings import tr_list

    shared = tmp_path / "shared"
    _tiny_beir(shared / "general_zh", tiny_pairs(10, seed=2))
    gen = general_check(None, None, ["zh"], configured=str(shared), base_spec="minilm")  # no model is needed
    assert gen == {"zh": {"skipped": "the base model minilm covers en only: it has no general zh retrieval to guard",
                          "uncovered": True}}
    sentence = change_sentence(0.05, {"en": {"relative": -0.01}, **gen, "xx": {"skipped": "no set"}})
    assert sentence == ("domain +5.0%, general en −1.0%, general zh skipped (not a language of the base model), "
                        "general xx skipped")
    assert tr_list(sentence, "zh") == "领域 +5.0%，通用 en −1.0%，通用 zh 已跳过（不是基础模型支持的语言），通用 xx 已跳过"


def _forgetting_setup(tiny_model_path, tmp_path, sigma=0.3):
    """A run whose tuned model (the tiny model as ``final/``) beats its base (the tiny model with seeded noise of
    ``sigma`` times each weight's spread) on validation, and a general-domain set labelled so that what the tuning
    changed costs general retrieval: each query's gold passage is the one the base scores most above ``final/``.
    The blends fall in between, so the nearer a blend is to the base the less it loses."""
    from sentence_transformers import SentenceTransformer

    pairs = [p for p in tiny_pairs(40, seed=5) if p[0][0].isascii()]
    tuned = SentenceTransformer(str(tiny_model_path), device="cpu")
    base = SentenceTransformer(str(tiny_model_path), device="cpu")
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in base.parameters():
            p.add_(torch.randn(p.shape, generator=gen) * sigma * (p.std() if p.numel() > 1 else 1))
    base.save(str(tmp_path / "base"))

    def cos(m):
        q = m.encode([a for a, _ in pairs], convert_to_tensor=True, normalize_embeddings=True)
        return q @ m.encode([b for _, b in pairs], convert_to_tensor=True, normalize_embeddings=True).T

    gold = (cos(base) - cos(tuned)).argmax(dim=1).tolist()
    folder = _tiny_beir(tmp_path / "shared" / "general_en", pairs)
    (folder / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"q{i}\td{g}\t1\n" for i, g in enumerate(gold)), encoding="utf-8")
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    shutil.copytree(tiny_model_path, run_dir / FINAL_DIR)
    return run_dir, tmp_path / "base", tmp_path / "shared"


def test_a_candidate_that_forgets_general_retrieval_is_passed_over_for_one_nearer_the_base(
        tiny_model_path, tmp_path, monkeypatch):
    from core.evaluation.stats import WORSE
    from core.models.merge import interpolate
    from core.training.delivery import fell_beyond
    from ui.strings import tr_engine

    monkeypatch.setenv("STUDIO_CACHE_DIR", str(tmp_path / "cache"))
    run_dir, base, shared = _forgetting_setup(tiny_model_path, tmp_path)
    said = []
    rec = deliver(run_dir, str(base), _evalset(), general=str(shared), progress=lambda p: said.append(p.message))
    by = {c["name"]: c for c in rec["candidates"]}
    assert by["final"]["vs_base"]["verdict"] == "better" and by["final"]["ndcg@10"] == max(c["ndcg@10"] for c in rec["candidates"])
    over = {p["name"]: p["general"]["en"]["vs_base"] for p in rec["passed_over"]}
    assert "final" in over, rec["reason"]  # the highest on validation, but it forgot
    assert over["final"]["verdict"] == WORSE and over["final"]["ci_high"] < -0.01  # shown to lose more than 1 point
    chosen = rec["delivered"]
    assert chosen.startswith("blend-") and chosen not in over
    assert by[chosen]["vs_base"]["verdict"] == "better"
    assert not fell_beyond(rec["general"], 0.01), rec["general"]
    # every candidate scored higher on validation than the one delivered was passed over, and said so
    assert set(over) == {n for n, c in by.items() if c["ndcg@10"] > by[chosen]["ndcg@10"]}
    assert rec["reason"].startswith(f"{chosen} has the highest validation ndcg@10 (")
    assert ("among the candidates above the base not shown to lose more than 0.0100 of general-domain ndcg@10; passed "
            "over: final (general en -") in rec["reason"]
    assert "General-domain check (en): candidate final" in said
    # what was delivered is the blend that passed: its weights, at the delivered length
    alpha = float(chosen.split("-")[1])
    assert _same_weights(run_dir / DELIVERED, interpolate(str(base), str(run_dir / FINAL_DIR), alpha))
    assert json.loads((run_dir / DELIVERY_JSON).read_text(encoding="utf-8"))["passed_over"] == rec["passed_over"]
    zh = tr_engine(rec["reason"], "zh")
    assert "未选用：final（通用 en -" in zh and "passed" not in zh and "general" not in zh, zh
    # the rule turned off (data.general_max_drop 1): the highest on validation, as before
    rec = deliver(run_dir, str(base), _evalset(), general=str(shared), max_drop=1.0)
    assert rec["delivered"] == "final" and rec["passed_over"] == []
    assert rec["reason"].startswith("final has the highest validation ndcg@10") and fell_beyond(rec["general"], 0.01)


def test_when_every_candidate_forgets_the_one_that_forgets_least_is_delivered_and_the_run_says_so(
        tiny_model_path, tmp_path, monkeypatch):
    from core.training.delivery import largest_fall
    from ui.strings import tr_engine

    monkeypatch.setenv("STUDIO_CACHE_DIR", str(tmp_path / "cache"))
    run_dir, base, shared = _forgetting_setup(tiny_model_path, tmp_path)
    rec = deliver(run_dir, str(base), _evalset(), alphas=(0.75,), general=str(shared))  # both fall beyond noise
    tried = {p["name"]: largest_fall(p["general"]) for p in rec["passed_over"]}
    tried[rec["delivered"]] = largest_fall(rec["general"])
    assert set(tried) == {"final", "blend-0.75"} and rec["delivered"] == min(tried, key=tried.get), tried
    assert rec["delivered"] == "blend-0.75", "the blend nearer the base loses less"
    assert ("lost the least general-domain ndcg@10, though it too is shown to lose more than 0.0100; the others: final "
            "(general en -") in rec["reason"]
    assert "但也被证实下降超过了 0.0100；其他候选：final（通用 en -" in tr_engine(rec["reason"], "zh")
    # only one candidate above the base, and it forgets: delivered, and said so
    rec = deliver(run_dir, str(base), _evalset(), alphas=(), general=str(shared))
    assert rec["delivered"] == "final" and rec["passed_over"] == []
    assert rec["reason"].startswith("final is the only candidate with a validation ndcg@10 above the base (")
    assert rec["reason"].endswith("and it is shown to lose more than 0.0100 of general-domain ndcg@10.")
    assert "是唯一验证 ndcg@10 高于基础模型的候选" in tr_engine(rec["reason"], "zh")


def test_the_blend_curve_says_what_each_point_was_measured_on_and_how_sure_its_change_is(tiny_model_path, tmp_path):
    """Each α's change from α 0 (the base) is a paired difference over the same queries with its interval, and the
    curve records how many queries and passages the domain and general points were measured on."""
    from core.training.delivery import blend_curve

    pairs = tiny_pairs(40, seed=5)
    shared = tmp_path / "shared"
    _tiny_beir(shared / "general_en", [p for p in pairs if p[0][0].isascii()])
    noisy = _noisy_copy(tiny_model_path, tmp_path / "noisy", seed=3)
    ev = _evalset()
    seen = []
    curve = blend_curve(str(noisy), str(tiny_model_path), ev, alphas=(0.0, 0.5, 1.0), general=str(shared),
                        progress=seen.append)
    # the bar moves while each α's sets are encoded, not only from one α to the next: fractions between the α
    # steps, never backwards, ending at the whole
    shares = [p.fraction for p in seen if p.fraction is not None]
    assert shares == sorted(shares) and shares[-1] == 1 and len({round(x, 3) for x in shares}) > 6, shares
    assert any(0 < x < 1 / 3 for x in shares), "progress inside the first α"
    assert curve["measured"]["domain"] == {"queries": len(ev.queries), "passages": len(ev.corpus)}
    assert curve["measured"]["general"] == {"en": {"queries": 20, "passages": 20}}
    assert "zh" in curve["general_skipped"], "no general_zh folder: said, not scored"
    zero = curve["vs_base"]["domain"][0]
    assert zero["diff"] == 0 and zero["ci_low"] == 0 and zero["ci_high"] == 0 and zero["n"] == len(ev.queries)
    tuned = curve["vs_base"]["domain"][2]  # the tiny model against pure noise: clearly better
    assert tuned["diff"] == pytest.approx(curve["domain"][2] - curve["domain"][0], abs=1e-9)
    assert tuned["verdict"] == "better" and tuned["ci_low"] > 0
    g = curve["vs_base"]["general"]["en"]
    assert len(g) == 3 and g[1]["diff"] == pytest.approx(curve["general"]["en"][1] - curve["general"]["en"][0], abs=1e-9)
    # α 0 left out: no reference, so no change is claimed
    curve = blend_curve(str(noisy), str(tiny_model_path), ev, alphas=(0.5, 1.0), general="none")
    assert curve["vs_base"]["domain"] == [None, None]


def test_a_check_that_encodes_reports_its_texts_as_they_are_encoded(tiny_model_path):
    """``per_query_ndcg`` tells its progress the texts encoded so far, queries then passages, up to their sum: the
    delivery's general check (minutes at 512 tokens) moves the Train tab's bar with it."""
    from sentence_transformers import SentenceTransformer

    from core.training.delivery import ENCODING, per_query_ndcg

    ev = _evalset()
    seen = []
    per_query_ndcg(SentenceTransformer(str(tiny_model_path), device="cpu"), ev, progress=seen.append)
    total = len(ev.queries) + len(ev.corpus)
    assert {p.stage for p in seen} == {ENCODING} and {p.total for p in seen} == {total}
    done = [p.done for p in seen]
    assert done == sorted(done) and done[-1] == total and any(d == len(ev.queries) for d in done)


def test_the_blend_curve_and_delivery_share_the_base_models_general_scores(tiny_model_path, tmp_path, monkeypatch):
    """α 0 of the blend curve is the base model's own weights at the delivered length: its general-set scores come
    from (and go to) the same cache as the delivery's general check, so neither scores the base twice."""
    from core.training import delivery as D

    monkeypatch.setenv("STUDIO_CACHE_DIR", str(tmp_path / "cache"))
    pairs = tiny_pairs(40, seed=5)
    shared = tmp_path / "shared"
    _tiny_beir(shared / "general_en", [p for p in pairs if p[0][0].isascii()])
    noisy = str(_noisy_copy(tiny_model_path, tmp_path / "noisy", seed=3))
    searched = []
    real = D.per_query_ndcg
    monkeypatch.setattr(D, "per_query_ndcg", lambda m, e, b=32, p=None: searched.append(e.name) or real(m, e, b, p))
    ev = _evalset()
    first = D.blend_curve(noisy, str(tiny_model_path), ev, alphas=(0.0, 1.0), general=str(shared))
    assert searched.count("validation") == 2 and len(searched) == 4, searched  # the base's general scores computed
    searched.clear()
    again = D.blend_curve(noisy, str(tiny_model_path), ev, alphas=(0.0, 1.0), general=str(shared))
    assert searched.count("validation") == 2 and len(searched) == 3, searched  # ... and now read from the cache
    assert again["general"] == first["general"] and again["vs_base"] == first["vs_base"]
    # the delivery of a run from the same base reads them too
    run_dir = tmp_path / "run"
    shutil.copytree(tiny_model_path, run_dir / FINAL_DIR)
    said = []
    rec = deliver(run_dir, noisy, ev, alphas=(), general=str(shared), progress=lambda p: said.append(p.message))
    assert rec["delivered"] == "final"
    assert "General-domain check (en): base model's scores from an earlier run" in said, said
    assert rec["general"]["en"]["base"] == pytest.approx(first["general"]["en"][0], abs=1e-9)


def test_the_blend_chart_shades_each_line_with_the_interval_of_its_change(tiny_model_path, tmp_path, monkeypatch):
    """Each line of the blend chart carries a band: the base's score plus the 95% interval of each α's change from it
    (zero width at α 0); the legend says what the shading is, in the chart's language."""
    import core.evaluation.plots as plots
    from core.training.delivery import blend_chart, blend_curve
    from ui.strings import chart_words

    pairs = tiny_pairs(40, seed=5)
    shared = tmp_path / "shared"
    _tiny_beir(shared / "general_en", [p for p in pairs if p[0][0].isascii()])
    monkeypatch.setenv("STUDIO_CACHE_DIR", str(tmp_path / "cache"))
    curve = blend_curve(str(_noisy_copy(tiny_model_path, tmp_path / "noisy", seed=3)), str(tiny_model_path), _evalset(),
                        alphas=(0.0, 0.5, 1.0), general=str(shared))
    figs = []
    real = plots._save
    monkeypatch.setattr(plots, "_save", lambda fig, path: figs.append(fig) or real(fig, path))
    png = blend_chart(curve, tmp_path / "blend.png", words=chart_words("zh"))
    assert png.stat().st_size > 1000
    ax = figs[0].axes[0]
    bands = [c for c in ax.collections if len(c.get_paths()) and len(c.get_paths()[0].vertices)]
    assert len(bands) == 2, "one band per line: domain and general en"
    d = curve["vs_base"]["domain"][2]
    ys = [v[1] for v in bands[0].get_paths()[0].vertices]
    base = curve["domain"][0]
    assert min(ys) <= base + d["ci_low"] + 1e-9 and max(ys) >= base + d["ci_high"] - 1e-9
    assert "阴影：相对 α 0 变化的 95% 区间" in [t.get_text() for t in ax.get_legend().get_texts()]
    # a curve without intervals (kept from an older version) is drawn without bands
    figs.clear()
    blend_chart({k: v for k, v in curve.items() if k != "vs_base"}, tmp_path / "plain.png")
    assert not [c for c in figs[0].axes[0].collections if len(c.get_paths())]
