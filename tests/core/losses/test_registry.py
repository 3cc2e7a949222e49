"""Registry look-ups, format compatibility messages and parameter validation."""

from __future__ import annotations

import pytest

from core.errors import ConfigError
from core.losses import (
    DEFAULT_LOSS,
    FORMAT_NAMES,
    LOSSES,
    batch_sampler_for,
    check_compatible,
    default_loss_for,
    get_loss,
    losses_for,
    validate_params,
)


def test_losses_for_lists_only_compatible_losses_best_first():
    assert [s.name for s in losses_for("pair")] == [
        "MultipleNegativesRankingLoss", "CachedMultipleNegativesRankingLoss", "GISTEmbedLoss", "MegaBatchMarginLoss"]
    assert [s.name for s in losses_for("scored_pair")] == [
        "CoSENTLoss", "AnglELoss", "CosineSimilarityLoss", "DistillKLDivLoss", "MarginMSELoss"]
    assert "TripletLoss" in [s.name for s in losses_for("triplet")]
    assert "MegaBatchMarginLoss" not in [s.name for s in losses_for("triplet")]
    assert {s.name for s in losses_for("labelled_sentence")} == {
        "BatchAllTripletLoss", "BatchHardTripletLoss", "BatchSemiHardTripletLoss", "BatchHardSoftMarginTripletLoss"}
    for fmt in FORMAT_NAMES:
        listed = losses_for(fmt)
        assert listed, fmt
        assert all(fmt in s.formats for s in listed)
        # and every loss declaring the format is listed
        assert {s.name for s in listed} == {n for n, s in LOSSES.items() if fmt in s.formats}
        assert DEFAULT_LOSS[fmt] == listed[0].name


def test_default_loss_for_multiclass_pairs_is_softmax():
    assert default_loss_for("labelled_pair") == "OnlineContrastiveLoss"
    assert default_loss_for("labelled_pair", num_labels=3) == "SoftmaxLoss"
    assert default_loss_for("pair") == "MultipleNegativesRankingLoss"


def test_incompatible_pair_names_the_needed_formats():
    with pytest.raises(ConfigError) as err:
        check_compatible("CoSENTLoss", "triplet")
    msg = str(err.value)
    assert msg.startswith("CoSENTLoss needs scored pairs (sentence1, sentence2, score) or labelled pairs")
    assert "this data is 'triplet'" in msg
    with pytest.raises(ConfigError, match=r"MegaBatchMarginLoss needs pairs \(anchor, positive\); this data is 'qpn'"):
        check_compatible("MegaBatchMarginLoss", "qpn")
    with pytest.raises(ConfigError, match="labelled sentences"):
        check_compatible("BatchHardTripletLoss", "pair")
    assert check_compatible("cosentloss", "scored_pair").name == "CoSENTLoss"  # case-insensitive name


def test_unknown_names_are_config_errors():
    with pytest.raises(ConfigError, match="Unknown loss 'FooLoss'"):
        get_loss("FooLoss")
    with pytest.raises(ConfigError, match="Unknown data format 'csv'"):
        losses_for("csv")


def test_validate_params_fills_defaults_and_coerces():
    assert validate_params("MultipleNegativesRankingLoss", None) == {"scale": 20.0, "temperature": None,
                                                                     "similarity": "cosine"}
    p = validate_params("TripletLoss", {"margin": "0.5", "distance_metric": "COSINE"})
    assert p == {"distance_metric": "cosine", "margin": 0.5}
    p = validate_params("CachedMultipleNegativesRankingLoss", {"mini_batch_size": "16"})
    assert p["mini_batch_size"] == 16 and isinstance(p["mini_batch_size"], int)
    assert validate_params("ContrastiveLoss", {"size_average": "false"})["size_average"] is False


@pytest.mark.parametrize("name,params,fragment", [
    ("CachedMultipleNegativesRankingLoss", {"mini_batch_size": 0}, "'mini_batch_size' is 0 but must be between 1"),
    ("MultipleNegativesRankingLoss", {"scale": -1}, "'scale' is -1 but must be between 0.01 and 1000"),
    ("MultipleNegativesRankingLoss", {"scale": "big"}, "'scale' is 'big' but must be a number"),
    ("CachedMultipleNegativesRankingLoss", {"mini_batch_size": 2.5}, "must be a whole number"),
    ("TripletLoss", {"distance_metric": "hamming"}, "must be one of: euclidean, cosine, manhattan"),
    ("CoSENTLoss", {"margin": 1}, "CoSENTLoss has no parameter 'margin'; its parameters are: scale"),
    ("ContrastiveLoss", {"size_average": "maybe"}, "must be true or false"),
    ("MultipleNegativesRankingLoss", {"scale": float("nan")}, "must be a finite number"),
])
def test_bad_params_raise_one_clear_sentence(name, params, fragment):
    with pytest.raises(ConfigError) as err:
        validate_params(name, params)
    assert fragment in str(err.value)
    assert str(err.value).startswith(name)
    assert str(err.value).endswith(".")


def test_batch_samplers():
    from sentence_transformers.base.sampler import BatchSamplers

    for name in ("MultipleNegativesRankingLoss", "CachedMultipleNegativesRankingLoss", "GISTEmbedLoss",
                 "MegaBatchMarginLoss"):
        assert get_loss(name).in_batch_negatives and get_loss(name).needs_no_duplicates
        assert batch_sampler_for(name) == BatchSamplers.NO_DUPLICATES
    assert batch_sampler_for("BatchAllTripletLoss") == BatchSamplers.GROUP_BY_LABEL
    assert batch_sampler_for("CoSENTLoss") == BatchSamplers.BATCH_SAMPLER
    assert not get_loss("CoSENTLoss").needs_no_duplicates
