"""dataset_for_loss: canonical frames become exactly the columns (and types) each loss reads."""

from __future__ import annotations

import datasets
import pandas as pd
import pytest

from core.errors import ConfigError, DataError
from core.losses import dataset_for_loss
from tests.core.losses.conftest import canonical_frame


@pytest.mark.parametrize("fmt,loss,columns", [
    ("pair", "MultipleNegativesRankingLoss", ["anchor", "positive"]),
    ("triplet", "MultipleNegativesRankingLoss", ["anchor", "positive", "negative"]),
    ("triplet", "TripletLoss", ["anchor", "positive", "negative"]),
    ("qpn", "CachedMultipleNegativesRankingLoss", ["anchor", "positive", "negative_1", "negative_2"]),
    ("scored_pair", "CoSENTLoss", ["sentence1", "sentence2", "score"]),
    ("scored_pair", "CosineSimilarityLoss", ["sentence1", "sentence2", "score"]),
    ("labelled_pair", "ContrastiveLoss", ["sentence1", "sentence2", "label"]),
    ("labelled_pair", "CoSENTLoss", ["sentence1", "sentence2", "score"]),
    ("labelled_pair", "SoftmaxLoss", ["sentence1", "sentence2", "label"]),
    ("labelled_sentence", "BatchHardTripletLoss", ["text", "label"]),
])
def test_columns_in_loss_order_and_helper_columns_dropped(fmt, loss, columns):
    df = canonical_frame(fmt)
    ds = dataset_for_loss(df, fmt, loss)
    assert isinstance(ds, datasets.Dataset)
    assert ds.column_names == columns
    assert len(ds) == len(df)
    first = df.iloc[0]
    assert ds[0][columns[0]] == first[{"pair": "anchor", "triplet": "anchor", "qpn": "anchor"}.get(fmt, columns[0])]


def test_types_scores_use_score_norm_and_labels_are_ints():
    ds = dataset_for_loss(canonical_frame("scored_pair"), "scored_pair", "CoSENTLoss")
    assert ds.features["score"].dtype == "float32"
    assert ds["score"][:2] == pytest.approx([0.9, 0.1])  # score_norm, not the raw 0..5 score
    ds = dataset_for_loss(canonical_frame("labelled_pair"), "labelled_pair", "OnlineContrastiveLoss")
    assert ds.features["label"].dtype == "int64" and ds["label"][:2] == [1, 0]
    ds = dataset_for_loss(canonical_frame("labelled_pair"), "labelled_pair", "AnglELoss")
    assert ds["score"][:2] == [1.0, 0.0]


def test_dataset_input_is_accepted():
    df = canonical_frame("pair")
    ds = dataset_for_loss(datasets.Dataset.from_pandas(df, preserve_index=False), "pair", "MultipleNegativesRankingLoss")
    assert ds.column_names == ["anchor", "positive"] and ds["anchor"] == df["anchor"].tolist()


def test_non_binary_labels_refused_for_binary_losses():
    df = canonical_frame("labelled_pair")
    df.loc[3, "label"] = 2
    with pytest.raises(ConfigError) as err:
        dataset_for_loss(df, "labelled_pair", "ContrastiveLoss")
    msg = str(err.value)
    assert "ContrastiveLoss needs binary labels 0/1" in msg and "row 5" in msg and "SoftmaxLoss" in msg
    with pytest.raises(ConfigError, match="CoSENTLoss needs binary labels"):
        dataset_for_loss(df, "labelled_pair", "CoSENTLoss")
    ds = dataset_for_loss(df, "labelled_pair", "SoftmaxLoss")  # multi-class is fine for Softmax
    assert sorted(set(ds["label"])) == [0, 1, 2]


def test_empty_text_names_row_and_column():
    df = canonical_frame("pair")
    df.loc[2, "positive"] = "  "
    with pytest.raises(DataError, match=r"Row 4, column 'positive' is empty; expected text\."):
        dataset_for_loss(df, "pair", "MultipleNegativesRankingLoss")
    df = canonical_frame("triplet")
    df.loc[0, "negative"] = None
    with pytest.raises(DataError, match="Row 2, column 'negative' is empty"):
        dataset_for_loss(df, "triplet", "TripletLoss")


def test_missing_column_and_out_of_range_score():
    with pytest.raises(DataError, match="no column 'negative'"):
        dataset_for_loss(canonical_frame("pair"), "triplet", "TripletLoss")
    df = canonical_frame("scored_pair")
    df.loc[1, "score_norm"] = 3.0
    with pytest.raises(DataError, match="Row 3, column 'score_norm' is 3; expected a score between 0 and 1"):
        dataset_for_loss(df, "scored_pair", "CoSENTLoss")
    raw = canonical_frame("scored_pair").drop(columns=["score_norm"])
    raw["score"] = [0.7] * len(raw)  # already 0..1: used as is
    assert dataset_for_loss(raw, "scored_pair", "CoSENTLoss")["score"][0] == pytest.approx(0.7)


def test_incompatible_format_and_unexpanded_qpn():
    with pytest.raises(ConfigError, match="needs scored pairs"):
        dataset_for_loss(canonical_frame("pair"), "pair", "CoSENTLoss")
    raw_qpn = pd.DataFrame({"query": ["q"], "pos": [["p"]], "neg": [["n"]]})
    with pytest.raises(ConfigError, match="qpn_to_rows"):
        dataset_for_loss(raw_qpn, "qpn", "MultipleNegativesRankingLoss")


def test_gist_takes_one_negative():
    df = canonical_frame("qpn")
    with pytest.raises(ConfigError, match="GISTEmbedLoss takes at most 1 negative per row but this data has 2"):
        dataset_for_loss(df, "qpn", "GISTEmbedLoss")
    ds = dataset_for_loss(df.drop(columns=["negative_2"]), "qpn", "GISTEmbedLoss")
    assert ds.column_names == ["anchor", "positive", "negative"]
