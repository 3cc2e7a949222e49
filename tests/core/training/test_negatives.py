"""Mined hard negatives for data that has none: the recipe's choice, the guard, held-out passages, the run."""

from __future__ import annotations

import pandas as pd
import pytest

from core import losses as L
from core.run_folder import EV_LOG, EV_PHASE
from core.training import TrainConfig, read_events, run_training
from core.training.data import Splits
from core.training.negatives import as_qpn, can_mine, mine_for_training, wants_mining
from core.training.recipe import negatives_choice, plan_recipe
from tests.conftest import tiny_pairs


def _pairs_df(n=60, seed=0) -> pd.DataFrame:
    pairs = tiny_pairs(n, seed=seed)
    return pd.DataFrame({"anchor": [q for q, _ in pairs], "positive": [p for _, p in pairs]})


def test_only_data_without_negatives_and_in_batch_losses_are_mined():
    pairs = _pairs_df()
    qpn_with = pd.DataFrame({"query": ["a"], "pos": [["p"]], "neg": [["n"]]})
    qpn_without = pd.DataFrame({"query": ["a"], "pos": [["p"]], "neg": [[]]})
    assert can_mine("pair", pairs) and can_mine("qpn", qpn_without)
    assert not can_mine("qpn", qpn_with) and not can_mine("triplet", pairs) and not can_mine("pair", None)
    assert wants_mining("pair", pairs, L.LOSSES["MultipleNegativesRankingLoss"])
    assert wants_mining("pair", pairs, L.LOSSES["CachedMultipleNegativesRankingLoss"])
    assert not wants_mining("pair", pairs, L.LOSSES["CosineSimilarityLoss"])


def test_recipe_decides_negatives_with_a_reason():
    small = Splits("pair", _pairs_df(40), None, None)
    cfg = TrainConfig(model="minilm")
    value, reason = negatives_choice(cfg, small)
    # 40 passages: a batch of 32 already holds most of them as in-batch negatives
    assert value == "off" and "40 passages" in reason
    many = pd.DataFrame({"anchor": [f"question {i}" for i in range(300)],
                         "positive": [f"answer number {i} about pigs" for i in range(300)]})
    value, reason = negatives_choice(cfg, Splits("pair", many, None, None))
    assert value == "mined" and "once it is loaded" in reason
    cfg.loss.name = "CosineSimilarityLoss"
    assert negatives_choice(cfg, Splits("scored_pair", many.rename(columns={"anchor": "sentence1"}), None, None)) is None
    plain = plan_recipe(TrainConfig(recipe="plain", model="minilm"), Splits("pair", many, None, None))
    assert plain.config.data.hard_negatives == "off"
    given = TrainConfig(model="minilm")
    given.data.hard_negatives = "off"
    assert plan_recipe(given, Splits("pair", many, None, None), tokenizer=None).config.data.hard_negatives == "off"


def test_mining_never_uses_held_out_passages_or_the_positive(tiny_model_path):
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(tiny_model_path), device="cpu")
    df = _pairs_df(40)
    held_out = ["african swine fever virus is a disease of the herd"]  # also some training rows' positive
    extra = ["the farmer feeds the sow corn", "银行的贷款利率", "company profit report for the year"]
    mined = mine_for_training(df, "pair", model, passages=extra, exclude=held_out + ["银行的贷款利率"], seed=0)
    rows = mined.rows
    assert list(rows.columns) == ["query", "pos", "neg"] and len(rows) == len(as_qpn(df, "pair"))
    assert mined.mined > 0 and mined.pool >= len(extra) - 1
    for pos, neg in zip(rows["pos"], rows["neg"]):
        assert len(neg) <= 1
        assert not set(neg) & set(pos)
        assert "银行的贷款利率" not in neg and held_out[0] not in neg
    assert "hard negatives" in mined.summary() and "5%" in mined.summary()


def test_a_run_mines_when_the_recipe_says_so(tiny_model_path, tmp_path, tmp_runs):
    import json

    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps({"anchor": q, "positive": p}, ensure_ascii=False) + "\n"
                            for q, p in tiny_pairs(60)), encoding="utf-8")
    cfg = TrainConfig(name="mined", model=str(tiny_model_path))
    cfg.data.train = [str(data)]
    cfg.data.hard_negatives = "mined"
    cfg.hyper.max_steps = 2
    cfg.hyper.batch_size = 8
    status = run_training(cfg, tmp_runs / "mined")
    assert status["status"] == "completed", status
    events, _ = read_events(tmp_runs / "mined")
    phases = [e for e in events if e["type"] == EV_PHASE and e.get("phase") == "mining"]
    assert phases and phases[-1]["done"] == phases[-1]["total"] > 0
    assert any(e["type"] == EV_LOG and "hard negatives:" in e.get("message", "") for e in events)
    off = TrainConfig(name="off", model=str(tiny_model_path))
    off.data.train = [str(data)]
    off.data.hard_negatives = "off"
    off.hyper.max_steps = 1
    assert run_training(off, tmp_runs / "off")["status"] == "completed"
    events, _ = read_events(tmp_runs / "off")
    assert not any(e["type"] == EV_PHASE and e.get("phase") == "mining" for e in events)


def test_the_estimate_counts_mining_and_the_cli_flag_sets_it(tiny_model_path, tmp_path, capsys):
    import json

    from core.cli import main
    from core.training.estimate import estimate

    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps({"anchor": f"question {i} pig", "positive": f"answer {i} about the sow feed"})
                            + "\n" for i in range(120)), encoding="utf-8")
    found = {}
    for value in ("mined", "off"):
        cfg = TrainConfig(name="e", model=str(tiny_model_path))
        cfg.data.train = [str(data)]
        cfg.data.hard_negatives = value
        cfg.hyper.max_steps = 2
        est = estimate(cfg)
        found[value] = est.breakdown["mine"]
        assert not any("first measures on the validation queries" in n for n in est.notes), "the user chose"
    assert found["mined"] > 0 and found["off"] == 0
    open_cfg = TrainConfig(name="e", model=str(tiny_model_path))  # left open: the recipe plans mining, the run measures
    open_cfg.data.train = [str(data)]
    open_cfg.hyper.max_steps = 2
    est = estimate(open_cfg)
    assert est.breakdown["mine"] > 0 and any("first measures on the validation queries" in n for n in est.notes)
    out = tmp_path / "cfg.yaml"
    # the CLI's entry point, in this process (writing a config needs no child process)
    assert main(["train", "--data", str(data), "--hard-negatives", "off", "--write-config", str(out)]) == 0
    assert TrainConfig.load(out).data.hard_negatives == "off"
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--data", str(data), "--hard-negatives", "maybe"])
    assert exit_info.value.code == 2 and "invalid choice" in capsys.readouterr().err


class _Vectors:
    """A stand-in encoder with fixed unit vectors per text (the evidence's arithmetic, not a model's quality)."""

    prompts: dict = {}

    def __init__(self, table):
        import numpy as np

        self.table = {t: np.asarray(v, dtype=np.float32) / np.linalg.norm(v) for t, v in table.items()}

    def encode(self, texts, **_):
        import numpy as np

        return np.stack([self.table[t] for t in texts])


def _evidence_world(n=12, easy=200, hard_cos=0.8, second_cos=None):
    """n validation queries q_i with answer a_i (cosine 0.9); per query a distractor h_i (cosine ``hard_cos``);
    ``easy`` passages unrelated to every query; with ``second_cos``, a second labelled answer b_i per query."""
    import numpy as np

    dim = 3 * n + easy
    e = np.eye(dim)
    table = {}
    for i in range(n):
        table[f"q{i}"] = e[i]
        table[f"a{i}"] = 0.9 * e[i] + np.sqrt(1 - 0.81) * e[n + i]
        table[f"h{i}"] = hard_cos * e[i] + np.sqrt(1 - hard_cos ** 2) * e[2 * n + i]
        if second_cos is not None:
            table[f"b{i}"] = second_cos * e[i] + np.sqrt(1 - second_cos ** 2) * e[n + i]
    for j in range(easy):
        table[f"z{j}"] = e[3 * n + j]
    if second_cos is None:
        rows = pd.DataFrame({"anchor": [f"q{i}" for i in range(n)], "positive": [f"a{i}" for i in range(n)]})
        fmt = "pair"
    else:
        rows = pd.DataFrame({"query": [f"q{i}" for i in range(n)], "pos": [[f"a{i}", f"b{i}"] for i in range(n)],
                             "neg": [[] for _ in range(n)]})
        fmt = "qpn"
    return _Vectors(table), rows, fmt, [f"h{i}" for i in range(n)], [f"z{j}" for j in range(easy)]


def test_evidence_mines_only_when_the_mined_negative_is_what_the_base_model_confuses():
    from core.training.negatives import MINED_SHARE, negatives_evidence

    model, rows, fmt, hard, easy = _evidence_world()
    ev = negatives_evidence(model, rows, fmt, hard + easy, batch=16, scale=20.0)
    # each query's distractor sits 0.1 below its answer (weight e^-2), the rest far below
    assert ev.queries == 12 and ev.pool == 212 and ev.multi == 0 and ev.found == 12
    assert ev.share > 0.8 and ev.mined_loss > ev.in_batch_loss
    value, why = ev.choice()
    assert value == "mined" and "12 validation queries" in why and "batch 16, scale 20" in why
    easy_ev = negatives_evidence(model, rows, fmt, easy, batch=16, scale=20.0)
    # no passage is closer to a query than any other: a mined negative is one more random one, 1/(2*16-1) of the weight
    assert abs(easy_ev.share - 1 / 31) < 1e-6 and easy_ev.share < MINED_SHARE
    value, why = easy_ev.choice()
    assert value == "off" and why.startswith("in-batch negatives only: mined negatives would be little harder")
    assert negatives_evidence(model, rows.iloc[:0], fmt, easy, batch=16, scale=20.0) is None
    assert negatives_evidence(model, rows, fmt, [], batch=16, scale=20.0) is None


def test_evidence_refuses_mining_that_would_pick_the_query_s_own_answers():
    from core.training.negatives import negatives_evidence

    # a second answer at 0.84 escapes the guard (below 95% of 0.9) and outranks the 0.8 distractor
    model, rows, fmt, hard, easy = _evidence_world(second_cos=0.84)
    ev = negatives_evidence(model, rows, fmt, hard + easy, batch=16, scale=20.0)
    assert (ev.multi, ev.leaked) == (12, 12)
    value, why = ev.choice()
    assert value == "off" and "12 of 12 validation queries with several answers" in why
    # at 0.88 the guard skips it: the distractor is mined, no answer leaks
    model, rows, fmt, hard, easy = _evidence_world(second_cos=0.88)
    ev = negatives_evidence(model, rows, fmt, hard + easy, batch=16, scale=20.0)
    assert (ev.multi, ev.leaked) == (12, 0) and ev.choice()[0] == "mined"


def _measured_run(tiny_model_path, tmp_path, tmp_runs, name: str, rows: list[dict]):
    """``(config, events)`` of a 2-step run at batch 8 on ``rows`` (a JSONL training file), every other setting
    left to the recipe; the run must complete."""
    import json

    data = tmp_path / f"{name}.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    cfg = TrainConfig(name=name, model=str(tiny_model_path))
    cfg.data.train = [str(data)]
    cfg.hyper.max_steps = 2
    cfg.hyper.batch_size = 8
    status = run_training(cfg, tmp_runs / name)
    assert status["status"] == "completed", status
    return cfg, read_events(tmp_runs / name)[0]


@pytest.mark.parametrize("share, mined", [(0.0, True), (1.01, False)])
def test_the_run_follows_the_measured_choice(tiny_model_path, tmp_path, tmp_runs, monkeypatch, share, mined):
    """recipe auto plans mining, the base model's evidence on the validation queries decides, and the run does
    what the recipe event says (the threshold is forced both ways: the tiny model's numbers mean nothing)."""
    import core.training.negatives as N
    from core.run_folder import EV_RECIPE

    monkeypatch.setattr(N, "MINED_SHARE", share)
    _, events = _measured_run(tiny_model_path, tmp_path, tmp_runs, "measured",
                              [{"anchor": q, "positive": p} for q, p in tiny_pairs(120)])
    picks = [c for e in events if e["type"] == EV_RECIPE for c in e["choices"] if c["key"] == "data.hard_negatives"]
    assert [c["value"] for c in picks] == ["mined", "mined" if mined else "off"], picks
    assert "once it is loaded" in picks[0]["reason"] and "validation queries the base model's loss" in picks[1]["reason"]
    mining = [e for e in events if e["type"] == EV_PHASE and e.get("phase") == "mining"]
    assert bool(mining) == mined


def test_a_run_without_mining_trains_uncached_where_pairs_fit(tiny_model_path, tmp_path, tmp_runs, monkeypatch):
    """End to end: the recipe caches the loss for the three texts per row of planned mining; the evidence says
    in-batch; the run refits memory for two texts, says so in its recipe line and trains plain MNRL."""
    import json

    import core.training.memory as M
    import core.training.negatives as N
    from core.run_folder import EV_PLAN, EV_RECIPE
    from core.training.memory import model_shape, predict_peak

    shape = model_shape(str(tiny_model_path))
    pairs, triplets = (predict_peak(shape, 32, [64] * n).total_mb for n in (2, 3))
    monkeypatch.setenv("STUDIO_MEMORY_GB", "24")
    monkeypatch.setattr(M, "CACHE_ABOVE_MB", (pairs + triplets) / 2)
    monkeypatch.setattr(N, "MINED_SHARE", 1.01)  # the evidence says in-batch whatever the tiny model's numbers
    pad = " pig feed" * 40  # past the tiny model's 64 tokens: every text pads to 64
    data = tmp_path / "pairs.jsonl"
    data.write_text("".join(json.dumps({"anchor": q + pad, "positive": p + pad}) + "\n" for q, p in tiny_pairs(420)),
                    encoding="utf-8")
    cfg = TrainConfig(name="refit", model=str(tiny_model_path))
    cfg.data.train = [str(data)]
    cfg.hyper.max_steps = 1
    status = run_training(cfg, tmp_runs / "refit")
    assert status["status"] == "completed", status
    events, _ = read_events(tmp_runs / "refit")
    recipes = [e["choices"] for e in events if e["type"] == EV_RECIPE]
    first = {c["key"]: c["value"] for c in recipes[0]}
    assert first["loss.name"] == M.CACHED_LOSS and first["data.hard_negatives"] == "mined"
    later = {c["key"]: c for r in recipes[1:] for c in r}
    assert later["data.hard_negatives"]["value"] == "off"
    assert later["loss.name"]["value"] == "MultipleNegativesRankingLoss" and "not cached" in later["loss.name"]["reason"]
    assert next(e for e in events if e["type"] == EV_PLAN)["loss"] == "MultipleNegativesRankingLoss"
    assert not any(e["type"] == EV_PHASE and e.get("phase") == "mining" for e in events)


# ------------------------------------------------------------------------- the data's own negatives
def _own_rows(neg: str, n: int = 12) -> pd.DataFrame:
    """``_evidence_world``'s queries as query-pos-neg training rows whose negative is ``h`` (0.1 below the answer)
    or ``z`` (as far from the query as any other row's answer)."""
    return pd.DataFrame({"query": [f"q{i}" for i in range(n)], "pos": [[f"a{i}"] for i in range(n)],
                         "neg": [[f"{neg}{i}"] for i in range(n)]})


def test_the_datas_own_negatives_are_kept_only_when_the_base_model_confuses_them_with_the_answer():
    from core.training.negatives import MINED_SHARE, own_evidence

    model, _, _, _, _ = _evidence_world()
    ev = own_evidence(model, _own_rows("h"), batch=16, scale=20.0)
    assert ev.key == "data.neg_nums" and ev.queries == 12 and ev.share > 0.8 and ev.mined_loss > ev.in_batch_loss
    value, why = ev.choice()
    assert value == 1 and why.startswith("1 of the data's own hard negatives per query: on 12 training rows")
    easy = own_evidence(model, _own_rows("z"), batch=16, scale=20.0)
    # a negative no closer than another row's answer is one more random passage: 1/(2*16-1) of the weight
    assert abs(easy.share - 1 / 31) < 1e-6 and easy.share < MINED_SHARE
    value, why = easy.choice()
    assert value == 0 and why.startswith("in-batch negatives only: the data's own negatives would be little harder")
    assert "(a random passage of its language: 3%)" in why
    assert own_evidence(model, _own_rows("z").iloc[:1], batch=16, scale=20.0) is None, "one row: nothing to compare"
    assert own_evidence(model, _pairs_df(), batch=16, scale=20.0) is None, "pairs bring no negatives"


def test_the_recipe_plans_the_datas_own_negatives_only_for_losses_that_take_them():
    from core.training.recipe import own_negatives_choice

    rows = _own_rows("z")
    splits = Splits(format="qpn", train=rows, validation=None, test=None)
    value, why = own_negatives_choice(TrainConfig(), splits)
    assert value == 1 and "once it is loaded" in why
    cfg = TrainConfig()
    cfg.loss.name = "CoSENTLoss"
    assert own_negatives_choice(cfg, Splits(format="qpn", train=rows, validation=None, test=None)) is None
    bare = rows.assign(neg=[[] for _ in range(len(rows))])
    assert own_negatives_choice(TrainConfig(), Splits(format="qpn", train=bare, validation=None, test=None)) is None
    # the user's value stands, and plain keeps today's one negative per row without measuring
    fixed = TrainConfig(model="minilm")
    fixed.data.neg_nums = 3
    assert "data.neg_nums" not in {c.key for c in plan_recipe(fixed, splits).choices}
    plain = TrainConfig(model="minilm", recipe="plain")
    assert [(c.key, c.value) for c in plan_recipe(plain, splits).choices if c.key == "data.neg_nums"] == [("data.neg_nums", 1)]


@pytest.mark.parametrize("share, kept", [(0.0, True), (1.01, False)])
def test_the_run_trains_on_the_datas_own_negatives_as_measured(tiny_model_path, tmp_path, tmp_runs, monkeypatch, share, kept):
    """recipe auto plans one of the data's negatives per row; the base model's evidence on training rows decides
    and the run trains on three texts per row or two (the threshold is forced both ways)."""
    import core.training.negatives as N
    from core.run_folder import EV_PLAN, EV_RECIPE

    monkeypatch.setattr(N, "MINED_SHARE", share)
    pairs = tiny_pairs(120)
    cfg, events = _measured_run(tiny_model_path, tmp_path, tmp_runs, "own",
                                [{"query": q, "pos": [p], "neg": [pairs[(i + 7) % len(pairs)][1]]}
                                 for i, (q, p) in enumerate(pairs)])
    picks = [c for e in events if e["type"] == EV_RECIPE for c in e["choices"] if c["key"] == "data.neg_nums"]
    assert [c["value"] for c in picks] == [1, 1 if kept else 0], picks
    assert "training rows the base model's loss" in picks[1]["reason"]
    plan = next(e for e in events if e["type"] == EV_PLAN)
    assert plan["texts_per_row"] == (3 if kept else 2)
    assert not [e for e in events if e["type"] == EV_PHASE and e.get("phase") == "mining"]
    # the pre-run estimate weighs the negatives as the run does, and times what the run will train on
    from core.training.estimate import estimate

    cfg.name = "own-estimate"
    est = estimate(cfg)
    said = "so the time counts one of them per row." if kept else "so the time counts in-batch negatives only."
    assert any("weighed here as the run weighs them" in n and n.endswith(said) for n in est.notes), est.notes
    cfg.data.neg_nums = 0
    assert not any("weighed here" in n for n in estimate(cfg).notes), "the user chose: nothing to weigh"
