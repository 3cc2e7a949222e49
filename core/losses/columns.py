"""Shape canonical-format data into exactly the columns a loss trains on.

``dataset_for_loss(df_or_dataset, data_format, loss_name) -> datasets.Dataset``

Input: a pandas DataFrame (or ``datasets.Dataset``) with the canonical columns of ``data_format``
(core/README.md); ``qpn`` data must already be expanded to rows ``anchor, positive, negative_1..n`` (what
``core.data.qpn_to_rows`` produces). Helper columns such as ``_row`` are dropped.

Output columns (text columns first, in the order the loss reads them; label/score last):

| data | loss | columns |
|---|---|---|
| pair | in-batch losses | anchor, positive |
| triplet | in-batch losses, TripletLoss | anchor, positive, negative |
| qpn rows | in-batch losses | anchor, positive, negative_1..negative_n |
| qpn rows | GISTEmbedLoss (one negative at most) | anchor, positive[, negative] |
| scored_pair | CoSENT, AnglE, CosineSimilarity | sentence1, sentence2, score (= score_norm, float 0..1) |
| labelled_pair | Contrastive, OnlineContrastive | sentence1, sentence2, label (int 0/1) |
| labelled_pair | CoSENT, AnglE, CosineSimilarity | sentence1, sentence2, score (float 0.0/1.0) |
| labelled_pair | SoftmaxLoss | sentence1, sentence2, label (int class id) |
| labelled_sentence | Batch*TripletLoss | text, label (int) |

Empty or missing text raises DataError naming the row (``_row`` when present) and column; labels a loss
cannot use (non-binary labels for a binary loss) raise ConfigError.
"""

from __future__ import annotations

import math
import re
from typing import Any

from core.errors import ConfigError, DataError
from core.losses.registry import FORMAT_NAMES, check_compatible

_NEG_COL = re.compile(r"^negative_(\d+)$")
_SCORE_LOSSES = {"CoSENTLoss", "AnglELoss", "CosineSimilarityLoss"}
_DISTILL_LOSSES = {"DistillKLDivLoss", "MarginMSELoss"}


def _to_frame(data):
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return data.reset_index(drop=True)
    try:
        import datasets

        if isinstance(data, datasets.Dataset):
            return data.to_pandas()
    except ImportError:  # pragma: no cover
        pass
    raise ConfigError(f"Training data must be a pandas DataFrame or a datasets.Dataset, not {type(data).__name__}.")


def _row_label(df, i: int) -> Any:
    if "_row" in df.columns:
        value = df["_row"].iloc[i]
        try:
            return int(value)
        except (TypeError, ValueError):
            return value
    return i + 1


def _require(df, cols: list[str], data_format: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(
            f"The {data_format} data has no column '{missing[0]}'; {FORMAT_NAMES.get(data_format, data_format)} "
            f"need the columns {', '.join(cols)}."
        )


def _texts(df, col: str) -> list[str]:
    out = []
    for i, v in enumerate(df[col].tolist()):
        if v is None or (isinstance(v, float) and math.isnan(v)) or not isinstance(v, str):
            shown = "empty" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v!r} (not text)"
            raise DataError(f"Row {_row_label(df, i)}, column '{col}' is {shown}; expected text.")
        if not v.strip():
            raise DataError(f"Row {_row_label(df, i)}, column '{col}' is empty; expected text.")
        out.append(v)
    return out


def _ints(df, col: str) -> list[int]:
    out = []
    for i, v in enumerate(df[col].tolist()):
        try:
            f = float(v)
            ok = math.isfinite(f) and f.is_integer() and not isinstance(v, bool)
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise DataError(f"Row {_row_label(df, i)}, column '{col}' is {v!r}; expected a whole-number label id.")
        out.append(int(f))
    return out


def _scores(df, col: str) -> list[float]:
    out = []
    for i, v in enumerate(df[col].tolist()):
        try:
            f = float(v)
        except (TypeError, ValueError):
            f = float("nan")
        if not math.isfinite(f):
            raise DataError(f"Row {_row_label(df, i)}, column '{col}' is {v!r}; expected a number.")
        out.append(f)
    return out


def _negative_columns(df) -> list[str]:
    found = [(int(m.group(1)), c) for c in df.columns if (m := _NEG_COL.match(str(c)))]
    return [c for _, c in sorted(found)]


def _binary(df, loss: str) -> list[int]:
    labels = _ints(df, "label")
    bad = sorted({x for x in labels if x not in (0, 1)})
    if bad:
        i = next(k for k, x in enumerate(labels) if x not in (0, 1))
        raise ConfigError(
            f"{loss} needs binary labels 0/1 but row {_row_label(df, i)} has label {bad[0]} "
            f"(labels found: {sorted(set(labels))}); use SoftmaxLoss for more than two classes."
        )
    return labels


def _teacher_dataset(df, loss: str):
    """Distillation rows (``core.losses.distill.teacher_rows`` layout) as a Dataset with a list-valued label."""
    import datasets

    if "label" not in df.columns or "anchor" not in df.columns:
        raise ConfigError(f"{loss} trains on teacher-score rows; expand the data with core.losses.distill.teacher_rows "
                          "(anchor, positive, negative_1..n, label = teacher scores) first.")
    negatives = _negative_columns(df)
    if not negatives:
        raise DataError(f"{loss} needs at least one negative per row besides the positive.")
    cols: dict[str, list] = {c: _texts(df, c) for c in ["anchor", "positive"] + negatives}
    labels = []
    for i, v in enumerate(df["label"].tolist()):
        values = list(v) if isinstance(v, (list, tuple)) or hasattr(v, "tolist") else None
        if values is None or len(values) != len(negatives) + 1:
            raise DataError(f"Row {_row_label(df, i)}, column 'label' must hold {len(negatives) + 1} teacher scores "
                            f"(positive, then each negative), got {v!r}.")
        labels.append([float(x) for x in values])
    cols["label"] = labels
    features = {c: datasets.Value("string") for c in cols if c != "label"}
    features["label"] = datasets.Sequence(datasets.Value("float32"))
    return datasets.Dataset.from_dict(cols, features=datasets.Features(features))


def dataset_for_loss(df_or_dataset, data_format: str, loss_name: str):
    """Return a ``datasets.Dataset`` with the columns ``loss_name`` needs (see the module table)."""
    import datasets

    spec = check_compatible(loss_name, data_format)
    df = _to_frame(df_or_dataset)
    loss = spec.name
    cols: dict[str, list] = {}

    if loss in _DISTILL_LOSSES:
        return _teacher_dataset(df, loss)
    if data_format in ("pair", "triplet"):
        names = ["anchor", "positive"] + (["negative"] if data_format == "triplet" else [])
        _require(df, names, data_format)
        for c in names:
            cols[c] = _texts(df, c)
    elif data_format == "qpn":
        if "anchor" not in df.columns and {"query", "pos"} <= set(df.columns):
            raise ConfigError(
                "qpn data must be expanded into rows (anchor, positive, negative_1..n) with core.data.qpn_to_rows "
                "before it is given to a loss."
            )
        _require(df, ["anchor", "positive"], data_format)
        negatives = _negative_columns(df)
        if spec.max_negatives is not None and len(negatives) > spec.max_negatives:
            raise ConfigError(
                f"{loss} takes at most {spec.max_negatives} negative per row but this data has {len(negatives)} "
                f"({', '.join(negatives)}); use 1 negative per query or MultipleNegativesRankingLoss."
            )
        if spec.max_negatives == 1 and negatives:
            df = df.rename(columns={negatives[0]: "negative"})
            negatives = ["negative"]
        for c in ["anchor", "positive"] + negatives:
            cols[c] = _texts(df, c)
    elif data_format == "scored_pair":
        _require(df, ["sentence1", "sentence2"], data_format)
        cols["sentence1"] = _texts(df, "sentence1")
        cols["sentence2"] = _texts(df, "sentence2")
        if "score_norm" in df.columns:
            scores = _scores(df, "score_norm")
        else:
            _require(df, ["sentence1", "sentence2", "score"], data_format)
            scores = _scores(df, "score")
        for i, s in enumerate(scores):
            if s < 0.0 or s > 1.0:
                col = "score_norm" if "score_norm" in df.columns else "score"
                raise DataError(f"Row {_row_label(df, i)}, column '{col}' is {s:g}; expected a score between 0 and 1.")
        cols["score"] = [float(s) for s in scores]
    elif data_format == "labelled_pair":
        _require(df, ["sentence1", "sentence2", "label"], data_format)
        cols["sentence1"] = _texts(df, "sentence1")
        cols["sentence2"] = _texts(df, "sentence2")
        if loss == "SoftmaxLoss":
            labels = _ints(df, "label")
            if any(x < 0 for x in labels):
                i = next(k for k, x in enumerate(labels) if x < 0)
                raise DataError(f"Row {_row_label(df, i)}, column 'label' is {labels[i]}; expected a label id 0 or more.")
            cols["label"] = labels
        elif loss in _SCORE_LOSSES:
            cols["score"] = [float(x) for x in _binary(df, loss)]
        else:
            cols["label"] = _binary(df, loss)
    elif data_format == "labelled_sentence":
        _require(df, ["text", "label"], data_format)
        cols["text"] = _texts(df, "text")
        cols["label"] = _ints(df, "label")
    else:  # pragma: no cover - check_compatible rejects unknown formats
        raise ConfigError(f"Unknown data format '{data_format}'.")

    if not df.shape[0]:
        raise DataError(f"The {data_format} data has no rows to train on.")

    features = {}
    for c in cols:
        if c == "score":
            features[c] = datasets.Value("float32")
        elif c == "label":
            features[c] = datasets.Value("int64")
        else:
            features[c] = datasets.Value("string")
    return datasets.Dataset.from_dict(cols, features=datasets.Features(features))
