"""Length-grouped no-duplicates batches (``core.training.sampler``): every row once per epoch, no text twice in a
batch, less padding than random batches, batches that change between epochs, and a run that trains with them."""

from __future__ import annotations

import random

import numpy as np
import pytest
import torch
from datasets import Dataset
from sentence_transformers.base.sampler import NoDuplicatesBatchSampler

from core.training.sampler import (
    LengthGroupedNoDuplicatesBatchSampler,
    column_lengths,
    grouped_step_factor,
    padding_shares,
    row_languages,
    row_lengths,
)


class WordTokenizer:
    """One token per word plus two special tokens, like a real tokenizer's call signature."""

    def __call__(self, texts, add_special_tokens=True, truncation=False):
        return {"input_ids": [[0] * (len(t.split()) + 2) for t in texts]}


def _dataset(n: int = 96, dup_every: int = 7, seed: int = 0) -> Dataset:
    rng = random.Random(seed)
    anchors, positives = [], []
    for i in range(n):
        anchors.append(f"query {i} " + "word " * rng.randint(1, 6))
        # some rows share their positive with another row: a duplicate the sampler must keep apart
        j = i - 1 if i % dup_every == 0 and i else i
        positives.append(f"passage {j} " + "text " * (5 + (j * 37) % 120))
    return Dataset.from_dict({"anchor": anchors, "positive": positives})


def _padding(batches, cols) -> float:
    padded = real = 0
    for b in batches:
        for c in cols:
            padded += int(c[b].max()) * len(b)
            real += int(c[b].sum())
    return 1 - real / padded


def _batches(sampler, epoch: int) -> list[list[int]]:
    sampler.set_epoch(epoch)
    return list(sampler)


def test_every_row_once_no_duplicate_text_and_less_padding_than_random_batches():
    ds = _dataset()
    tok = WordTokenizer()
    cols = column_lengths(ds, tok)
    grouped = LengthGroupedNoDuplicatesBatchSampler(ds, batch_size=8, drop_last=False, generator=torch.Generator(),
                                                    seed=3, lengths=row_lengths(ds, tok), group=4)
    plain = NoDuplicatesBatchSampler(ds, batch_size=8, drop_last=False, generator=torch.Generator(), seed=3)
    for epoch in range(3):
        batches = _batches(grouped, epoch)
        assert sorted(i for b in batches for i in b) == list(range(len(ds))), "each row exactly once per epoch"
        assert len(batches) == len(grouped)
        for b in batches:
            texts = [ds[i]["anchor"] for i in b] + [ds[i]["positive"] for i in b]
            assert len(set(texts)) == len(texts), f"a text appears twice in batch {b}"
        assert _padding(batches, cols) < 0.8 * _padding(_batches(plain, epoch), cols)
    assert _batches(grouped, 0) != _batches(grouped, 1), "batches change between epochs"
    assert _batches(grouped, 1) == _batches(grouped, 1), "an epoch's batches are reproducible (resume)"


def test_batch_order_is_shuffled_not_longest_first():
    ds = _dataset(n=128, dup_every=10**6)
    lengths = row_lengths(ds, WordTokenizer())
    sampler = LengthGroupedNoDuplicatesBatchSampler(ds, batch_size=8, drop_last=False, generator=torch.Generator(),
                                                    seed=0, lengths=lengths, group=16)
    longest = [int(lengths[b].max()) for b in _batches(sampler, 0)]
    assert longest != sorted(longest, reverse=True)


def test_drop_last_keeps_only_full_batches_and_lengths_must_match():
    ds = _dataset(n=30)
    lengths = row_lengths(ds, WordTokenizer())
    sampler = LengthGroupedNoDuplicatesBatchSampler(ds, batch_size=8, drop_last=True, generator=torch.Generator(),
                                                    lengths=lengths)
    assert all(len(b) == 8 for b in _batches(sampler, 0))
    with pytest.raises(ValueError):
        LengthGroupedNoDuplicatesBatchSampler(ds, batch_size=8, drop_last=True, lengths=lengths[:-1])


def _clustered(n: int = 120, cluster: int = 6) -> Dataset:
    """``cluster`` questions about one passage (a statute asked about many ways), each of the other rows its own
    passage; the shared passage is the shortest, so length grouping (longest first) puts the cluster at the end."""
    anchors = [f"question {i}" for i in range(n)]
    positives = ["the asked article" if i < cluster else f"passage {i} " + "text " * (5 + i % 40) for i in range(n)]
    return Dataset.from_dict({"anchor": anchors, "positive": positives})


def _repaired_passes(ds: Dataset, batch_size: int, seeds: int):
    """``(sampler, batches)`` of two epochs for each of ``seeds`` seeds (lengths from ``WordTokenizer``), each
    pass checked to hold every row exactly once."""
    lengths = row_lengths(ds, WordTokenizer())
    for seed in range(seeds):
        sampler = LengthGroupedNoDuplicatesBatchSampler(ds, batch_size=batch_size, drop_last=False,
                                                        generator=torch.Generator(), seed=seed, lengths=lengths)
        for epoch in range(2):
            batches = _batches(sampler, epoch)
            assert sorted(i for b in batches for i in b) == list(range(len(ds))), "each row exactly once"
            yield sampler, batches


def test_a_cluster_sharing_one_passage_does_not_end_as_batches_of_one():
    """Length grouping puts a cluster of rows sharing a passage side by side; left at the end of a pass, the greedy
    fill made one batch per row (MNRL's loss is 0 in a batch of one, and the pass yielded more batches than the
    trainer's schedule counts). The repair swaps those rows into full batches: as many batches as the plain
    sampler, no text twice in a batch, every row once."""
    ds = _clustered()
    for sampler, batches in _repaired_passes(ds, 16, seeds=5):
        for b in batches:
            texts = [ds[i]["anchor"] for i in b] + [ds[i]["positive"] for i in b]
            assert len(set(texts)) == len(texts), f"a text appears twice in batch {b}"
        sizes = sorted(len(b) for b in batches)
        assert len(batches) == len(sampler) == 8 and sizes == [8] + [16] * 7, sizes
    dropped = LengthGroupedNoDuplicatesBatchSampler(ds, batch_size=16, drop_last=True, generator=torch.Generator(),
                                                    seed=0, lengths=row_lengths(ds, WordTokenizer()))
    assert [len(b) for b in _batches(dropped, 0)] == [16] * 7


def test_a_lone_last_row_joins_a_full_batch_instead_of_training_a_step_alone():
    """225 rows at batch 16 leave one row over: alone in its batch it has no in-batch negative (MNRL's loss and
    gradient are 0, a wasted step). It joins a full batch holding none of its texts (17 rows), the sampler counts 14
    batches, and the step plan counts what the sampler yields; 226 rows keep their batch of two."""
    from core.training.schedule import batch_count

    for n, want in ((225, 14), (226, 15), (33, 2), (16, 1), (1, 1)):
        ds = _dataset(n=n, dup_every=n + 1 if n < 40 else 7)  # small sets: no shared passage, one batch holds all
        sampler = LengthGroupedNoDuplicatesBatchSampler(ds, batch_size=16, drop_last=False,
                                                        generator=torch.Generator(), seed=1,
                                                        lengths=row_lengths(ds, WordTokenizer()))
        for epoch in range(3):
            batches = _batches(sampler, epoch)
            assert sorted(i for b in batches for i in b) == list(range(n)), "each row exactly once"
            assert len(batches) == len(sampler) == batch_count(n, 16, fold_lone_row=True) == want, (n, len(batches))
            assert n == 1 or min(len(b) for b in batches) >= 2, [len(b) for b in batches]
            for b in batches:
                texts = [ds[i]["anchor"] for i in b] + [ds[i]["positive"] for i in b]
                assert len(set(texts)) == len(texts), f"a text appears twice in batch {b}"
    assert batch_count(225, 16) == 15  # the plain no-duplicates sampler's count (group_by_length off)


def test_a_cluster_larger_than_the_batches_is_spread_one_row_per_batch():
    """Twelve rows share one passage and the batch holds 8 (15 batches): the repair must never swap a second
    cluster row into a batch that already took one (it keeps each batch's texts up to date as it swaps)."""
    ds = _clustered(n=120, cluster=12)
    for _, batches in _repaired_passes(ds, 8, seeds=4):
        for b in batches:
            assert sum(ds[i]["positive"] == "the asked article" for i in b) <= 1, b
        assert sorted(len(b) for b in batches) == [8] * 15, [len(b) for b in batches]


def _bilingual(n: int = 96) -> Dataset:
    rng = random.Random(1)
    anchors, positives = [], []
    for i in range(n):
        if rng.random() < 0.5:
            anchors.append(f"母猪断奶后多久发情 {i}")
            positives.append(f"段落 {i} " + "猪 " * rng.randint(3, 60))
        else:
            anchors.append(f"when do sows return to heat {i}")
            positives.append(f"passage {i} " + "sow " * rng.randint(3, 60))
    return Dataset.from_dict({"anchor": anchors, "positive": positives})


def test_mixed_language_rows_are_batched_one_language_at_a_time():
    ds = _bilingual()
    keys = row_languages(ds)
    assert 0 < keys.sum() < len(ds) and all(k == (1 if "猪" in a else 0) for k, a in zip(keys, ds["anchor"]))
    lengths = row_lengths(ds, WordTokenizer())
    keyed = LengthGroupedNoDuplicatesBatchSampler(ds, batch_size=8, drop_last=False, generator=torch.Generator(),
                                                  seed=0, lengths=lengths, group=4, keys=keys)
    unkeyed = LengthGroupedNoDuplicatesBatchSampler(ds, batch_size=8, drop_last=False, generator=torch.Generator(),
                                                    seed=0, lengths=lengths, group=4)

    def mixed(batches):
        return sum(1 for b in batches if 0 < sum(int(keys[i]) for i in b) < len(b))

    for epoch in range(3):
        batches = _batches(keyed, epoch)
        assert sorted(i for b in batches for i in b) == list(range(len(ds))), "each row exactly once per epoch"
        # at most one batch per sorted group straddles the two languages (where one language's rows run out)
        assert mixed(batches) <= len(ds) // (8 * 4) + 1
        assert mixed(_batches(unkeyed, epoch)) > len(batches) // 2, "without keys most batches mix languages"
    one_language = np.zeros(len(ds), dtype=np.int64)
    same = LengthGroupedNoDuplicatesBatchSampler(ds, batch_size=8, drop_last=False, generator=torch.Generator(),
                                                 seed=0, lengths=lengths, group=4, keys=one_language)
    assert _batches(same, 0) == _batches(unkeyed, 0), "data of one language is batched exactly as before"
    with pytest.raises(ValueError):
        LengthGroupedNoDuplicatesBatchSampler(ds, batch_size=8, drop_last=True, lengths=lengths, keys=keys[:-1])


def test_padding_shares_and_step_factor():
    assert padding_shares([[10] * 20], 4) == (0.0, 0.0), "equal lengths pad nothing either way"
    rng = np.random.default_rng(0)
    lengths = [rng.integers(5, 300, size=400).tolist()]
    random_share, grouped_share = padding_shares(lengths, 16)
    assert 0 < grouped_share < random_share / 2
    ds = _dataset()
    factor = grouped_step_factor(ds, WordTokenizer(), None, 8)
    assert 0 < factor < 1, "grouped steps compute fewer padded positions"
    assert column_lengths(ds, WordTokenizer(), max_length=10)[1].max() == 10, "lengths are capped at max_length"


def test_a_run_trains_on_length_grouped_batches(tiny_model_path, format_file, tmp_runs, monkeypatch):
    from core.training import TrainConfig, read_events, run_training

    seen: list[list[int]] = []
    by_length: list[bool] = []  # per batch: was it made from the rows' lengths (or from equal ones: random order)
    original = LengthGroupedNoDuplicatesBatchSampler._iter_one_pass

    def recording(self, *a, **kw):
        for batch in original(self, *a, **kw):
            seen.append(list(batch))
            by_length.append(bool(self.lengths.any()))
            yield batch

    monkeypatch.setattr(LengthGroupedNoDuplicatesBatchSampler, "_iter_one_pass", recording)
    cfg = TrainConfig(name="g", model=str(tiny_model_path))
    cfg.data.train = [str(format_file("pair"))]
    cfg.data.split = [0.8, 0.2]
    cfg.hyper.batch_size, cfg.hyper.learning_rate, cfg.hyper.max_steps = 8, 5e-4, 3
    status = run_training(cfg, tmp_runs / "g")  # group_by_length left open: the recipe turns it on
    assert status["status"] == "completed", status
    assert seen and all(len(b) <= 8 for b in seen) and all(by_length)
    events, _ = read_events(tmp_runs / "g")
    choices = {c["key"]: c for e in events if e["type"] == "recipe" for c in e["choices"]}
    assert choices["hyper.group_by_length"]["value"] is True
    assert "padding" in choices["hyper.group_by_length"]["reason"]


    seen.clear()
    by_length.clear()
    cfg.name, cfg.hyper.group_by_length = "p", False
    assert run_training(cfg, tmp_runs / "p")["status"] == "completed"
    # group_by_length: false: rows in random order (every length equal), the lone last row still folded
    assert seen and not any(by_length), "group_by_length: false batches rows by their length"


def test_a_run_whose_rows_leave_one_over_trains_no_step_without_negatives(tiny_model_path, tmp_path, tmp_runs):
    """End to end: 17 training pairs at batch 8 (one row over). Every step of two epochs trains on in-batch
    negatives (no step's loss or gradient norm is 0), and the run makes the steps its plan counted (2 per epoch)."""
    import json

    from core.training import TrainConfig, read_events, run_training
    from tests.conftest import tiny_pairs

    train = tmp_path / "train.jsonl"
    train.write_text("".join(json.dumps({"anchor": q, "positive": p}) + "\n" for q, p in tiny_pairs(17)), encoding="utf-8")
    cfg = TrainConfig(name="lone", model=str(tiny_model_path))
    cfg.data.train = [str(train)]
    cfg.data.split = [1.0, 0.0]
    cfg.hyper.batch_size, cfg.hyper.epochs, cfg.hyper.learning_rate = 8, 2, 5e-4
    cfg.eval.evaluate_base = False
    status = run_training(cfg, tmp_runs / "lone")
    assert status["status"] == "completed", status
    events, _ = read_events(tmp_runs / "lone")
    steps = [e for e in events if e["type"] == "train" and "loss" in e]
    assert steps and all(e["loss"] > 0 for e in steps), steps
    assert all(e.get("grad_norm", 1) > 0 for e in steps), steps
    plan = next(e for e in events if e["type"] == "plan")
    assert plan["steps_per_epoch"] == 2 and plan["total_steps"] == 4, plan
    progress = [e for e in events if e["type"] == "progress"]
    assert progress[-1]["total_steps"] == 4 and progress[-1]["step"] == 4, progress[-1]


@pytest.mark.parametrize("value", ["yes", "true", 1])
def test_group_by_length_must_be_a_boolean(value):
    from core.errors import ConfigError
    from core.training import TrainConfig

    with pytest.raises(ConfigError, match=r"'hyper.group_by_length' must be true or false"):
        TrainConfig.from_dict({"hyper": {"group_by_length": value}})
    assert TrainConfig.from_dict({"hyper": {"group_by_length": False}}).hyper.group_by_length is False


def test_a_bilingual_run_batches_one_language_at_a_time(tiny_model_path, tmp_path, tmp_runs, monkeypatch):
    import json

    from core.training import TrainConfig, read_events, run_training

    keys_seen: list = []
    original = LengthGroupedNoDuplicatesBatchSampler.__init__

    def recording(self, *a, **kw):
        original(self, *a, **kw)
        keys_seen.append(self.keys)

    monkeypatch.setattr(LengthGroupedNoDuplicatesBatchSampler, "__init__", recording)
    ds = _bilingual(40)
    data = tmp_path / "bilingual.jsonl"
    data.write_text("".join(json.dumps({"anchor": a, "positive": p}, ensure_ascii=False) + "\n"
                            for a, p in zip(ds["anchor"], ds["positive"])), encoding="utf-8")
    cfg = TrainConfig(name="bi", model=str(tiny_model_path))
    cfg.data.train = [str(data)]
    cfg.data.split = [0.8, 0.2]
    cfg.hyper.batch_size, cfg.hyper.learning_rate, cfg.hyper.max_steps = 8, 5e-4, 2
    assert run_training(cfg, tmp_runs / "bi")["status"] == "completed"
    assert keys_seen and keys_seen[-1] is not None and 0 < keys_seen[-1].sum() < len(keys_seen[-1])
    events, _ = read_events(tmp_runs / "bi")
    choices = {c["key"]: c for e in events if e["type"] == "recipe" for c in e["choices"]}
    assert "one language per batch" in choices["hyper.group_by_length"]["reason"]


@pytest.mark.parametrize("grouped", [True, False])
def test_with_or_without_length_grouping_no_batch_trains_one_row_alone(grouped):
    """``hyper.group_by_length: false`` used to hand the run to sentence-transformers' own no-duplicates sampler,
    whose last batch of 225 rows at batch 16 holds one row (no in-batch negative: a step with a loss of 0). The
    runner's sampler folds it either way, and the step plan counts the batches it yields."""
    from types import SimpleNamespace

    from core.training.runner import _batch_sampler
    from core.training.sampler import LengthGrouped, groupable
    from core.training.schedule import batch_count

    ds = _dataset(n=225)
    model = SimpleNamespace(tokenizer=WordTokenizer(), max_seq_length=512)
    factory = _batch_sampler("MultipleNegativesRankingLoss", model, SimpleNamespace(group_by_length=grouped), ds)
    assert isinstance(factory, LengthGrouped) and groupable("MultipleNegativesRankingLoss")
    sampler = factory(ds, batch_size=16, drop_last=False, generator=torch.Generator(), seed=3)
    for epoch in range(3):
        batches = _batches(sampler, epoch)
        assert sorted(i for b in batches for i in b) == list(range(225))
        assert min(len(b) for b in batches) >= 2 and len(batches) == len(sampler) == batch_count(225, 16, True) == 14
    if not grouped:  # every row's length is equal: the rows come in random order, not sorted by length
        assert factory.keys is None and not factory.lengths.any()
    assert _batch_sampler("CoSENTLoss", model, SimpleNamespace(group_by_length=False), ds) is not None
