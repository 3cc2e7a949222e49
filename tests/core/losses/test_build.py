"""Every registered loss builds on the tiny model for each format it accepts and gives a finite, trainable loss."""

from __future__ import annotations

import math

import pytest
import torch

from core.errors import ConfigError
from core.losses import LOSSES, build_loss, dataset_for_loss
from tests.core.losses.conftest import canonical_frame, frame_for, loss_forward

CASES = [(name, fmt) for name, spec in LOSSES.items() for fmt in spec.formats]


def test_every_required_loss_is_registered():
    required = {
        "MultipleNegativesRankingLoss", "CachedMultipleNegativesRankingLoss", "MegaBatchMarginLoss", "ContrastiveLoss",
        "OnlineContrastiveLoss", "SoftmaxLoss", "CosineSimilarityLoss", "CoSENTLoss", "AnglELoss", "TripletLoss",
        "BatchAllTripletLoss", "BatchHardTripletLoss", "BatchHardSoftMarginTripletLoss", "BatchSemiHardTripletLoss",
        "GISTEmbedLoss", "DistillKLDivLoss", "MarginMSELoss",
    }
    assert required <= set(LOSSES)
    import importlib

    for spec in LOSSES.values():  # st_class points at a real class of the installed sentence-transformers
        module, _, cls = spec.st_class.rpartition(".")
        assert getattr(importlib.import_module(module), cls).__name__ == spec.name
        assert spec.description["en"] and spec.description["zh"]


@pytest.mark.parametrize("name,fmt", CASES, ids=[f"{n}-{f}" for n, f in CASES])
def test_loss_builds_and_gives_finite_trainable_value(name, fmt, tiny_model):
    model = tiny_model
    model.zero_grad(set_to_none=True)
    kwargs = {}
    if name == "SoftmaxLoss":
        kwargs["num_labels"] = 2
    if name == "GISTEmbedLoss":
        kwargs["guide_model"] = model  # the tiny model guides itself: enough to exercise the filtering path
    loss = build_loss(name, model, {}, fmt, **kwargs)
    assert type(loss).__name__ == name
    frame = frame_for(name, fmt)
    if name == "GISTEmbedLoss" and fmt == "qpn":
        frame = frame.drop(columns=["negative_2"])  # GIST takes one negative per row
    ds = dataset_for_loss(frame, fmt, name)
    value = loss_forward(loss, model, ds)
    assert value.dim() == 0 and math.isfinite(float(value.detach()))
    value.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads, "the loss did not reach the model's weights"
    assert any(float(g.abs().sum()) > 0 for g in grads)
    assert all(torch.isfinite(g).all() for g in grads)
    model.zero_grad(set_to_none=True)


def test_params_reach_the_st_loss(tiny_model):
    mnrl = build_loss("MultipleNegativesRankingLoss", tiny_model, {"scale": 30}, "pair")
    assert mnrl.scale == 30.0
    by_temp = build_loss("MultipleNegativesRankingLoss", tiny_model, {"temperature": 0.05}, "pair")
    assert by_temp.scale == pytest.approx(20.0)
    cached = build_loss("CachedMultipleNegativesRankingLoss", tiny_model, {"mini_batch_size": 4}, "qpn")
    assert cached.mini_batch_size == 4
    trip = build_loss("TripletLoss", tiny_model, {"margin": 0.3, "distance_metric": "cosine"}, "triplet")
    assert trip.triplet_margin == 0.3
    gist = build_loss("GISTEmbedLoss", tiny_model, {"temperature": 0.05, "margin": 0.1}, "pair", guide_model=tiny_model)
    assert gist.temperature == 0.05 and gist.margin == 0.1 and gist.guide is tiny_model
    soft = build_loss("SoftmaxLoss", tiny_model, {}, "labelled_pair", num_labels=3)
    assert soft.classifier.out_features == 3


def test_matryoshka_wraps_any_loss(tiny_model):
    cases = [(n, s.formats[0]) for n, s in LOSSES.items() if n != "SoftmaxLoss"]
    cases.append(("CachedMultipleNegativesRankingLoss", "qpn"))
    for name, fmt in cases:
        guide = {"guide_model": tiny_model} if name == "GISTEmbedLoss" else {}
        loss = build_loss(name, tiny_model, {}, fmt, matryoshka_dims=[8, 32, 16], **guide)
        assert type(loss).__name__ == "MatryoshkaLoss"
        assert type(loss.loss).__name__ == name
        assert tuple(loss.matryoshka_dims) == (32, 16, 8)
        value = loss_forward(loss, tiny_model, dataset_for_loss(frame_for(name, fmt), fmt, name))
        assert math.isfinite(float(value.detach()))
        tiny_model.zero_grad(set_to_none=True)
    # a string list is accepted as the UI gives it
    assert tuple(build_loss("CoSENTLoss", tiny_model, {}, "scored_pair", matryoshka_dims="32, 16").matryoshka_dims) == (32, 16)


def test_matryoshka_rejects_bad_dims(tiny_model):
    with pytest.raises(ConfigError, match="larger than the model's embedding size 32"):
        build_loss("MultipleNegativesRankingLoss", tiny_model, {}, "pair", matryoshka_dims=[64, 32])
    with pytest.raises(ConfigError, match="matryoshka_dims"):
        build_loss("MultipleNegativesRankingLoss", tiny_model, {}, "pair", matryoshka_dims=[0, 16])
    with pytest.raises(ConfigError, match="SoftmaxLoss cannot be wrapped"):
        build_loss("SoftmaxLoss", tiny_model, {}, "labelled_pair", num_labels=2, matryoshka_dims=[16])


def test_softmax_needs_num_labels(tiny_model):
    with pytest.raises(ConfigError, match="number of labels"):
        build_loss("SoftmaxLoss", tiny_model, {}, "labelled_pair")


def test_gist_without_guide_is_a_clear_error(tiny_model):
    with pytest.raises(ConfigError, match="needs a guide model"):
        build_loss("GISTEmbedLoss", tiny_model, {}, "pair")


def test_build_refuses_incompatible_format(tiny_model):
    with pytest.raises(ConfigError, match="TripletLoss needs triplets"):
        build_loss("TripletLoss", tiny_model, {}, "pair")


def test_gist_loads_its_guide_from_a_model_source(tiny_model, tiny_model_path):
    """Without an already-loaded guide, the 'guide' parameter is loaded through core.models.load_model."""
    loss = build_loss("GISTEmbedLoss", tiny_model, {"guide": str(tiny_model_path)}, "triplet")
    assert loss.guide is not tiny_model
    assert loss.guide.get_embedding_dimension() == 32
    value = loss_forward(loss, tiny_model, dataset_for_loss(canonical_frame("triplet"), "triplet", "GISTEmbedLoss"))
    assert math.isfinite(float(value.detach()))
    tiny_model.zero_grad(set_to_none=True)


@pytest.mark.parametrize("name", ["MultipleNegativesRankingLoss", "CachedMultipleNegativesRankingLoss", "GISTEmbedLoss"])
def test_in_batch_losses_gather_across_processes_when_launched_with_several(name, tiny_model, monkeypatch):
    """Under torchrun / accelerate (WORLD_SIZE > 1) the in-batch negative pool spans every process."""
    from core.losses import gathers_across_devices, world_size

    kwargs = {"guide_model": tiny_model} if name == "GISTEmbedLoss" else {}
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert world_size() == 1
    assert not gathers_across_devices(build_loss(name, tiny_model, {}, "pair", **kwargs))
    monkeypatch.setenv("WORLD_SIZE", "4")
    assert world_size() == 4
    assert gathers_across_devices(build_loss(name, tiny_model, {}, "pair", **kwargs))
    wrapped = build_loss(name, tiny_model, {}, "pair", matryoshka_dims=[16], **kwargs)
    assert type(wrapped).__name__ == "MatryoshkaLoss" and gathers_across_devices(wrapped)
    assert not gathers_across_devices(build_loss(name, tiny_model, {}, "pair", gather_across_devices=False, **kwargs))
    assert not gathers_across_devices(build_loss("CoSENTLoss", tiny_model, {}, "scored_pair"))
