"""Turn a registry entry into a live sentence-transformers loss module, and pick its batch sampler.

``build_loss(name, model, params, data_format, num_labels=None, guide_model=None, matryoshka_dims=None)``
returns a ``torch.nn.Module`` ready for ``SentenceTransformerTrainer(loss=...)``.
``batch_sampler_for(name)`` returns the ``BatchSamplers`` value training must use with that loss.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from core.errors import ConfigError, ModelSourceError
from core.losses.registry import check_compatible, get_loss, validate_params


def batch_sampler_for(name: str):
    """The ST ``BatchSamplers`` value for loss ``name``.

    In-batch-negative losses → ``NO_DUPLICATES`` (a repeated text in a batch would be a false negative);
    batch triplet losses on labelled sentences → ``GROUP_BY_LABEL`` (every batch needs several labels with
    several sentences each); everything else → ``BATCH_SAMPLER``.
    """
    from sentence_transformers.base.sampler import BatchSamplers

    spec = get_loss(name)
    if spec.needs_no_duplicates:
        return BatchSamplers.NO_DUPLICATES
    if spec.formats == ("labelled_sentence",):
        return BatchSamplers.GROUP_BY_LABEL
    return BatchSamplers.BATCH_SAMPLER


def validate_matryoshka_dims(dims: Any, model_dim: int | None) -> list[int]:
    """Return ``dims`` as a descending list of distinct positive ints no larger than ``model_dim``.

    Accepts a list or a string like ``"768, 512, 256"``. Raises ConfigError for anything else.
    """
    from core.losses.params import Param, coerce_value

    values = coerce_value("Matryoshka", Param("matryoshka_dims", "int_list", [], min=1), dims)
    if not values:
        raise ConfigError("Matryoshka parameter 'matryoshka_dims' is empty but needs at least one dimension, like 768, 512, 256.")
    if model_dim is not None:
        too_big = [d for d in values if d > model_dim]
        if too_big:
            raise ConfigError(
                f"Matryoshka dimension {too_big[0]} is larger than the model's embedding size {model_dim}; "
                f"use dimensions between 1 and {model_dim}."
            )
    return sorted(set(values), reverse=True)


def _similarity(name: str):
    from sentence_transformers import util

    return util.cos_sim if name == "cosine" else util.dot_score


def _pairwise(name: str):
    """Row-wise similarity (query i with candidate i), what the distillation losses compare to the teacher."""
    from sentence_transformers import util

    return util.pairwise_cos_sim if name == "cosine" else util.pairwise_dot_score


def _scale(p: Mapping[str, Any]) -> float:
    return 1.0 / p["temperature"] if p.get("temperature") else p["scale"]


def _triplet_distance(choice: str):
    from sentence_transformers.sentence_transformer.losses import TripletDistanceMetric

    return {"euclidean": TripletDistanceMetric.EUCLIDEAN, "cosine": TripletDistanceMetric.COSINE,
            "manhattan": TripletDistanceMetric.MANHATTAN}[choice]


def _siamese_distance(choice: str):
    from sentence_transformers.sentence_transformer.losses import SiameseDistanceMetric

    return {"euclidean": SiameseDistanceMetric.EUCLIDEAN, "manhattan": SiameseDistanceMetric.MANHATTAN,
            "cosine_distance": SiameseDistanceMetric.COSINE_DISTANCE}[choice]


def _batch_distance(choice: str):
    from sentence_transformers.sentence_transformer.losses import BatchHardTripletLossDistanceFunction as D

    return {"euclidean": D.euclidean_distance, "cosine": D.cosine_distance}[choice]


def _load_guide(spec: str):
    if not spec:
        raise ConfigError("GISTEmbedLoss needs a guide model: set its 'guide' parameter to a model (Hub id or folder).")
    try:
        from core.models import load_model
    except ImportError as err:  # models area not installed: say so plainly
        raise ModelSourceError(f"The guide model '{spec}' cannot be loaded because core.models is unavailable ({err}).") from None
    return load_model(spec)


def world_size() -> int:
    """Number of training processes this run was launched with (``WORLD_SIZE`` set by torchrun / accelerate)."""
    try:
        return max(1, int(os.environ.get("WORLD_SIZE", "1")))
    except ValueError:
        return 1


def gathers_across_devices(loss) -> bool:
    """Whether ``loss`` (or the loss a Matryoshka wrapper holds) pools in-batch negatives across processes."""
    inner = getattr(loss, "loss", loss)
    return bool(getattr(inner, "gather_across_devices", False) or getattr(loss, "gather_across_devices", False))


def build_loss(
    name: str,
    model,
    params: Mapping[str, Any] | None,
    data_format: str,
    num_labels: int | None = None,
    guide_model=None,
    matryoshka_dims: list[int] | str | None = None,
    gather_across_devices: bool | None = None,
):
    """Build loss ``name`` for ``model`` trained on ``data_format`` data.

    Inputs: a SentenceTransformer ``model``; ``params`` (validated with ``validate_params``); the canonical
    ``data_format``; ``num_labels`` (SoftmaxLoss: number of classes, at least 2); ``guide_model`` (GISTEmbedLoss:
    an already loaded SentenceTransformer; when None, the ``guide`` parameter is loaded with
    ``core.models.load_model``); ``matryoshka_dims`` (wrap the loss in MatryoshkaLoss over these dimensions);
    ``gather_across_devices`` (in-batch-negative losses gather every process's embeddings, so the negative pool
    grows with the process count; None: on when launched with more than one process, see ``world_size()``).
    Output: the ``torch.nn.Module`` loss. Raises ConfigError for an incompatible format or bad parameter.
    """
    from sentence_transformers.sentence_transformer import losses as L

    spec = check_compatible(name, data_format)
    p = validate_params(spec.name, params)
    n = spec.name
    gather = world_size() > 1 if gather_across_devices is None else bool(gather_across_devices)

    if n == "MultipleNegativesRankingLoss":
        loss = L.MultipleNegativesRankingLoss(model, scale=_scale(p), similarity_fct=_similarity(p["similarity"]),
                                              gather_across_devices=gather)
    elif n == "CachedMultipleNegativesRankingLoss":
        loss = L.CachedMultipleNegativesRankingLoss(
            model, scale=_scale(p), similarity_fct=_similarity(p["similarity"]), mini_batch_size=p["mini_batch_size"],
            gather_across_devices=gather,
        )
    elif n == "GISTEmbedLoss":
        guide = guide_model if guide_model is not None else _load_guide(p["guide"])
        loss = L.GISTEmbedLoss(
            model, guide=guide, temperature=p["temperature"], margin_strategy=p["margin_strategy"], margin=p["margin"],
            gather_across_devices=gather,
        )
    elif n == "DistillKLDivLoss":
        loss = L.DistillKLDivLoss(model, similarity_fct=_pairwise(p["similarity"]),
                                  student_temperature=p["student_temperature"],
                                  teacher_temperature=p["teacher_temperature"])
    elif n == "MarginMSELoss":
        loss = L.MarginMSELoss(model, similarity_fct=_pairwise(p["similarity"]))
    elif n == "MegaBatchMarginLoss":
        loss = L.MegaBatchMarginLoss(
            model, positive_margin=p["positive_margin"], negative_margin=p["negative_margin"],
            use_mini_batched_version=True, mini_batch_size=p["mini_batch_size"],
        )
    elif n == "TripletLoss":
        loss = L.TripletLoss(model, distance_metric=_triplet_distance(p["distance_metric"]), triplet_margin=p["margin"])
    elif n == "CoSENTLoss":
        loss = L.CoSENTLoss(model, scale=p["scale"])
    elif n == "AnglELoss":
        loss = L.AnglELoss(model, scale=p["scale"])
    elif n == "CosineSimilarityLoss":
        loss = L.CosineSimilarityLoss(model)
    elif n == "OnlineContrastiveLoss":
        loss = L.OnlineContrastiveLoss(model, distance_metric=_siamese_distance(p["distance_metric"]), margin=p["margin"])
    elif n == "ContrastiveLoss":
        loss = L.ContrastiveLoss(
            model, distance_metric=_siamese_distance(p["distance_metric"]), margin=p["margin"],
            size_average=p["size_average"],
        )
    elif n == "SoftmaxLoss":
        if num_labels is None or int(num_labels) < 2:
            raise ConfigError(f"SoftmaxLoss needs the number of labels (at least 2) but got {num_labels!r}.")
        if matryoshka_dims:
            raise ConfigError("SoftmaxLoss cannot be wrapped in Matryoshka: its classifier needs the full embedding size.")
        if not any(p[k] for k in ("concatenation_sent_rep", "concatenation_sent_difference", "concatenation_sent_multiplication")):
            raise ConfigError("SoftmaxLoss needs at least one of its concatenation_* parameters set to true.")
        loss = L.SoftmaxLoss(
            model, embedding_dimension=model.get_embedding_dimension(), num_labels=int(num_labels),
            concatenation_sent_rep=p["concatenation_sent_rep"],
            concatenation_sent_difference=p["concatenation_sent_difference"],
            concatenation_sent_multiplication=p["concatenation_sent_multiplication"],
        )
    elif n in ("BatchAllTripletLoss", "BatchHardTripletLoss", "BatchSemiHardTripletLoss"):
        loss = getattr(L, n)(model, distance_metric=_batch_distance(p["distance_metric"]), margin=p["margin"])
    elif n == "BatchHardSoftMarginTripletLoss":
        loss = L.BatchHardSoftMarginTripletLoss(model, distance_metric=_batch_distance(p["distance_metric"]))
    else:  # pragma: no cover - every registry entry is handled above
        raise ConfigError(f"Loss '{n}' is registered but has no builder.")

    if matryoshka_dims:
        dims = validate_matryoshka_dims(matryoshka_dims, model.get_embedding_dimension())
        loss = L.MatryoshkaLoss(model, loss, matryoshka_dims=dims)
    return loss
