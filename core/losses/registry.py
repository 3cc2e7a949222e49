"""The loss registry: which sentence-transformers losses the studio offers, what data each needs, its knobs.

- ``LOSSES``: ``{name: LossSpec}`` in registry order.
- ``losses_for(format)``: the losses usable with one canonical data format, best first.
- ``DEFAULT_LOSS[format]`` and ``default_loss_for(format, num_labels)``: the recommended loss.
- ``get_loss(name)``: the spec, or ConfigError naming the known losses.
- ``check_compatible(name, format)``: ConfigError saying which formats the loss needs.
- ``validate_params(name, params)``: defaults filled, types and ranges checked (ConfigError).

Parameter names follow sentence-transformers 6.2 where one exists (``scale``, ``mini_batch_size``,
``margin``…); ``temperature`` is offered beside ``scale`` for the in-batch ranking losses (ST takes only
``scale``; ``scale = 1 / temperature``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.errors import ConfigError
from core.losses.params import Param, validate_values

# Canonical format names (see core/README.md) and how a message names them.
FORMAT_NAMES: dict[str, str] = {
    "pair": "pairs (anchor, positive)",
    "triplet": "triplets (anchor, positive, negative)",
    "qpn": "query/positives/negatives rows (query, pos, neg)",
    "scored_pair": "scored pairs (sentence1, sentence2, score)",
    "labelled_pair": "labelled pairs (sentence1, sentence2, label)",
    "labelled_sentence": "labelled sentences (text, label)",
}
FORMAT_ORDER = tuple(FORMAT_NAMES)


@dataclass(frozen=True)
class LossSpec:
    """One loss the studio offers.

    ``name`` is the sentence-transformers class name; ``st_class`` its import path; ``formats`` the
    canonical data formats it trains on; ``params`` its user knobs; ``description`` ``{"en", "zh"}``;
    ``needs_no_duplicates``: batches must not repeat a text (else a duplicate is a false negative);
    ``in_batch_negatives``: other rows of the batch serve as negatives (bigger batches help).
    ``binary_labels_only``: on ``labelled_pair`` data the labels must be 0/1.
    ``max_negatives``: most negative columns a row may carry (``None``: any number).
    """

    name: str
    st_class: str
    formats: tuple[str, ...]
    params: tuple[Param, ...] = ()
    description: Mapping[str, str] = field(default_factory=dict)
    needs_no_duplicates: bool = False
    in_batch_negatives: bool = False
    binary_labels_only: bool = False
    max_negatives: int | None = None

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)


_ST = "sentence_transformers.sentence_transformer.losses."


def _h(en: str, zh: str) -> dict[str, str]:
    return {"en": en, "zh": zh}


_SCALE = Param(
    "scale", "float", 20.0, min=0.01, max=1000.0,
    help=_h("Multiplier on the similarities before the softmax (= 1 / temperature); 20 means temperature 0.05.",
            "softmax 前相似度的放大倍数（= 1 / 温度）；20 相当于温度 0.05。"),
)
_TEMPERATURE = Param(
    "temperature", "float", None, min=0.001, max=10.0,
    help=_h("Optional temperature; when set it replaces scale (scale = 1 / temperature).",
            "可选的温度；设置后代替 scale（scale = 1 / 温度）。"),
)
_SIMILARITY = Param(
    "similarity", "choice", "cosine", choices=("cosine", "dot"),
    help=_h("Similarity between embeddings: cosine (default) or dot product (then use scale 1).",
            "向量相似度：余弦（默认）或点积（此时建议 scale 设为 1）。"),
)
_MINI_BATCH = Param(
    "mini_batch_size", "int", 32, min=1, max=65536,
    help=_h("Rows embedded at once inside a batch; lowers memory, not the result.",
            "批内每次编码的行数；只降低显存占用，不改变结果。"),
)


def _dist(choices: tuple[str, ...], default: str) -> Param:
    return Param(
        "distance_metric", "choice", default, choices=choices,
        help=_h("How far two embeddings are: " + ", ".join(choices) + ".", "两个向量的距离度量：" + "、".join(choices) + "。"),
    )


def _margin(default: float, en: str, zh: str, name: str = "margin") -> Param:
    return Param(name, "float", default, min=0.0, max=100.0, help=_h(en, zh))


_IN_BATCH = ("pair", "triplet", "qpn")

_SPECS: list[LossSpec] = [
    LossSpec(
        "MultipleNegativesRankingLoss", _ST + "MultipleNegativesRankingLoss", _IN_BATCH,
        (_SCALE, _TEMPERATURE, _SIMILARITY),
        _h("The standard retrieval loss (InfoNCE): each query must pick its own positive among all passages in the "
           "batch; extra negative columns are added as harder candidates. Bigger batches help.",
           "标准检索损失（InfoNCE）：每个查询要在整批段落中找出自己的正例；负例列作为更难的候选。批越大越好。"),
        needs_no_duplicates=True, in_batch_negatives=True,
    ),
    LossSpec(
        "CachedMultipleNegativesRankingLoss", _ST + "CachedMultipleNegativesRankingLoss", _IN_BATCH,
        (_SCALE, _TEMPERATURE, _SIMILARITY, _MINI_BATCH),
        _h("MultipleNegativesRankingLoss with gradient caching: very large batches in little memory, a bit slower.",
           "带梯度缓存的 MultipleNegativesRankingLoss：用很少显存跑超大批次，速度稍慢。"),
        needs_no_duplicates=True, in_batch_negatives=True,
    ),
    LossSpec(
        "GISTEmbedLoss", _ST + "GISTEmbedLoss", _IN_BATCH,
        (
            Param("guide", "str", "", help=_h(
                "Guide model (a model source: Hub id or folder) that filters in-batch negatives that look like positives.",
                "引导模型（模型来源：Hub id 或本地目录），用于剔除批内像正例的假负例。")),
            Param("temperature", "float", 0.01, min=0.001, max=10.0, help=_h(
                "Softmax temperature (lower is sharper).", "softmax 温度（越小越尖锐）。")),
            Param("margin_strategy", "choice", "absolute", choices=("absolute", "relative"), help=_h(
                "How the margin is applied when filtering false negatives.", "过滤假负例时边距的用法。")),
            _margin(0.0, "Negatives whose guide similarity is within this margin of the positive are dropped.",
                    "引导模型相似度与正例相差在此边距内的负例会被剔除。"),
        ),
        _h("Like MultipleNegativesRankingLoss, but a guide model removes in-batch negatives that are probably "
           "positives; good for noisy or repetitive data.",
           "与 MultipleNegativesRankingLoss 类似，但用引导模型剔除可能是正例的批内负例；适合噪声多或重复多的数据。"),
        needs_no_duplicates=True, in_batch_negatives=True, max_negatives=1,
    ),
    LossSpec(
        "MegaBatchMarginLoss", _ST + "MegaBatchMarginLoss", ("pair",),
        (
            _margin(0.8, "The positive's cosine similarity should reach at least this.", "正例余弦相似度至少应达到此值。",
                    name="positive_margin"),
            _margin(0.3, "The hardest in-batch negative's cosine similarity should stay below this.",
                    "批内最难负例的余弦相似度应低于此值。", name="negative_margin"),
            Param("mini_batch_size", "int", 50, min=1, max=65536, help=_h(
                "Rows embedded at once inside a batch.", "批内每次编码的行数。")),
        ),
        _h("Finds the hardest negative for each pair inside a large batch and applies a margin loss; needs big batches "
           "(500+).", "在大批次内为每对找出最难负例并施加边距损失；需要很大的批次（500 以上）。"),
        needs_no_duplicates=True, in_batch_negatives=True,
    ),
    LossSpec(
        "TripletLoss", _ST + "TripletLoss", ("triplet",),
        (
            _dist(("euclidean", "cosine", "manhattan"), "euclidean"),
            _margin(5.0, "The negative must be at least this much farther from the anchor than the positive "
                    "(with normalized embeddings, cosine distance and a margin near 0.5 suit better).",
                    "负例到锚点的距离至少要比正例远这么多（向量归一化时，余弦距离配 0.5 左右的边距更合适）。"),
        ),
        _h("Classic triplet loss: pull the positive closer to the anchor than the negative by a margin.",
           "经典三元组损失：让正例比负例离锚点更近，且至少相差一个边距。"),
    ),
    LossSpec(
        "CoSENTLoss", _ST + "CoSENTLoss", ("scored_pair", "labelled_pair"), (_SCALE,),
        _h("Learns from similarity scores by ranking every pair in the batch against the others; usually the best "
           "choice for scored pairs, also works with 0/1 labels.",
           "根据相似度分数训练，对批内所有样本对的排序进行优化；打分数据通常的首选，也适用于 0/1 标签。"),
        binary_labels_only=True,
    ),
    LossSpec(
        "AnglELoss", _ST + "AnglELoss", ("scored_pair", "labelled_pair"), (_SCALE,),
        _h("CoSENT with an angle-based similarity that avoids saturated cosine gradients.",
           "使用基于角度相似度的 CoSENT，避免余弦梯度饱和。"),
        binary_labels_only=True,
    ),
    LossSpec(
        "CosineSimilarityLoss", _ST + "CosineSimilarityLoss", ("scored_pair", "labelled_pair"), (),
        _h("Regresses the cosine similarity of each pair onto its score (0..1) with mean squared error.",
           "用均方误差让每对句子的余弦相似度逼近其分数（0..1）。"),
        binary_labels_only=True,
    ),
    LossSpec(
        "OnlineContrastiveLoss", _ST + "OnlineContrastiveLoss", ("labelled_pair",),
        (
            _dist(("cosine_distance", "euclidean", "manhattan"), "cosine_distance"),
            _margin(0.5, "Dissimilar pairs (label 0) should be at least this far apart.", "不相似的对（标签 0）距离至少为此值。"),
        ),
        _h("Contrastive loss on the hard cases of the batch only (similar pairs far apart, dissimilar pairs close); "
           "labels must be 0/1.", "只在批内难例上计算的对比损失（相似对离得远、不相似对离得近）；标签须为 0/1。"),
        binary_labels_only=True,
    ),
    LossSpec(
        "ContrastiveLoss", _ST + "ContrastiveLoss", ("labelled_pair",),
        (
            _dist(("cosine_distance", "euclidean", "manhattan"), "cosine_distance"),
            _margin(0.5, "Dissimilar pairs (label 0) should be at least this far apart.", "不相似的对（标签 0）距离至少为此值。"),
            Param("size_average", "bool", True, help=_h("Average over the batch (else sum).", "对批次取平均（否则求和）。")),
        ),
        _h("Pulls similar pairs (label 1) together and pushes dissimilar pairs (label 0) beyond a margin.",
           "拉近相似对（标签 1），把不相似对（标签 0）推远到边距之外。"),
        binary_labels_only=True,
    ),
    LossSpec(
        "SoftmaxLoss", _ST + "SoftmaxLoss", ("labelled_pair",),
        (
            Param("concatenation_sent_rep", "bool", True, help=_h("Feed u and v to the classifier.", "分类器输入包含 u 和 v。")),
            Param("concatenation_sent_difference", "bool", True, help=_h("Feed |u - v| to the classifier.", "分类器输入包含 |u - v|。")),
            Param("concatenation_sent_multiplication", "bool", False, help=_h("Feed u * v to the classifier.", "分类器输入包含 u * v。")),
        ),
        _h("Trains a classifier over (u, v, |u-v|) on pair labels such as NLI entailment/neutral/contradiction; the "
           "classifier is discarded after training.",
           "在 (u, v, |u-v|) 上训练分类器来学习句对标签（如 NLI 的蕴含/中立/矛盾）；分类器训练后丢弃。"),
    ),
    LossSpec(
        "BatchAllTripletLoss", _ST + "BatchAllTripletLoss", ("labelled_sentence",),
        (_dist(("euclidean", "cosine"), "euclidean"),
         _margin(5.0, "Margin between same-label and other-label distances.", "同标签与异标签距离之间的边距。")),
        _h("Uses every valid (anchor, same label, other label) triplet in the batch.", "使用批内所有有效的（锚点、同标签、异标签）三元组。"),
    ),
    LossSpec(
        "BatchHardTripletLoss", _ST + "BatchHardTripletLoss", ("labelled_sentence",),
        (_dist(("euclidean", "cosine"), "euclidean"),
         _margin(5.0, "Margin between same-label and other-label distances.", "同标签与异标签距离之间的边距。")),
        _h("For each sentence uses only the farthest same-label and the closest other-label sentence in the batch.",
           "每个句子只使用批内最远的同标签句和最近的异标签句。"),
    ),
    LossSpec(
        "BatchSemiHardTripletLoss", _ST + "BatchSemiHardTripletLoss", ("labelled_sentence",),
        (_dist(("euclidean", "cosine"), "euclidean"),
         _margin(5.0, "Margin between same-label and other-label distances.", "同标签与异标签距离之间的边距。")),
        _h("Uses negatives that are farther than the positive but still within the margin (semi-hard).",
           "使用比正例远、但仍在边距内的负例（半难例）。"),
    ),
    LossSpec(
        "DistillKLDivLoss", _ST + "DistillKLDivLoss", ("qpn", "scored_pair"),
        (
            Param("student_temperature", "float", 0.05, min=0.001, max=100.0, help=_h(
                "Divides the student's similarities before the softmax (0.05 suits cosine scores in [-1, 1]).",
                "学生模型相似度在 softmax 前除以该温度（余弦相似度取 0.05 较合适）。")),
            Param("teacher_temperature", "float", 0.05, min=0.001, max=100.0, help=_h(
                "Divides the teacher's scores before the softmax; lower makes the teacher's ranking sharper.",
                "教师分数在 softmax 前除以该温度；越小教师的排序越尖锐。")),
            _SIMILARITY,
        ),
        _h("Distillation: the student's softmax over each query's candidates is pulled towards the teacher's "
           "(KL divergence). Needs teacher scores: qpn rows with pos_scores / neg_scores, or scored pairs with "
           "several scored passages per query.",
           "蒸馏：让学生模型对每个查询候选段落的 softmax 分布接近教师模型的分布（KL 散度）。需要教师分数："
           "带 pos_scores / neg_scores 的 qpn 数据，或每个查询有多个打分段落的打分对。"),
    ),
    LossSpec(
        "MarginMSELoss", _ST + "MarginMSELoss", ("qpn", "scored_pair"),
        (_SIMILARITY,),
        _h("Distillation: the student's score margin between the positive and each negative is regressed onto "
           "the teacher's margin (mean squared error). Needs teacher scores like DistillKLDivLoss.",
           "蒸馏：让学生模型正例与每个负例之间的分差回归到教师模型的分差（均方误差）。与 DistillKLDivLoss 一样需要教师分数。"),
    ),
    LossSpec(
        "BatchHardSoftMarginTripletLoss", _ST + "BatchHardSoftMarginTripletLoss", ("labelled_sentence",),
        (_dist(("euclidean", "cosine"), "euclidean"),),
        _h("Batch-hard triplet loss with a soft margin (no margin to tune).", "软边距的批内最难三元组损失（无需调边距）。"),
    ),
]

LOSSES: dict[str, LossSpec] = {s.name: s for s in _SPECS}

# Best first, per format.
_RANKING: dict[str, tuple[str, ...]] = {
    "pair": ("MultipleNegativesRankingLoss", "CachedMultipleNegativesRankingLoss", "GISTEmbedLoss", "MegaBatchMarginLoss"),
    "triplet": ("MultipleNegativesRankingLoss", "CachedMultipleNegativesRankingLoss", "GISTEmbedLoss", "TripletLoss"),
    "qpn": ("MultipleNegativesRankingLoss", "CachedMultipleNegativesRankingLoss", "GISTEmbedLoss", "DistillKLDivLoss",
            "MarginMSELoss"),
    "scored_pair": ("CoSENTLoss", "AnglELoss", "CosineSimilarityLoss", "DistillKLDivLoss", "MarginMSELoss"),
    "labelled_pair": ("OnlineContrastiveLoss", "CoSENTLoss", "ContrastiveLoss", "AnglELoss", "CosineSimilarityLoss",
                      "SoftmaxLoss"),
    "labelled_sentence": ("BatchAllTripletLoss", "BatchHardTripletLoss", "BatchSemiHardTripletLoss",
                          "BatchHardSoftMarginTripletLoss"),
}

DEFAULT_LOSS: dict[str, str] = {fmt: names[0] for fmt, names in _RANKING.items()}


def _check_format(data_format: str) -> None:
    if data_format not in FORMAT_NAMES:
        raise ConfigError(f"Unknown data format '{data_format}'; expected one of: {', '.join(FORMAT_ORDER)}.")


def get_loss(name: str) -> LossSpec:
    """Return the spec of loss ``name`` (exact class name, case-insensitive) or raise ConfigError."""
    if name in LOSSES:
        return LOSSES[name]
    for key, spec in LOSSES.items():
        if key.lower() == str(name).strip().lower():
            return spec
    raise ConfigError(f"Unknown loss '{name}'; expected one of: {', '.join(LOSSES)}.")


def losses_for(data_format: str) -> list[LossSpec]:
    """Losses that train on ``data_format``, best first. Unknown format → ConfigError."""
    _check_format(data_format)
    return [LOSSES[n] for n in _RANKING[data_format]]


def default_loss_for(data_format: str, num_labels: int | None = None) -> str:
    """The recommended loss name; ``labelled_pair`` with more than two labels gets SoftmaxLoss."""
    _check_format(data_format)
    if data_format == "labelled_pair" and num_labels is not None and num_labels > 2:
        return "SoftmaxLoss"
    return DEFAULT_LOSS[data_format]


def run_loss(name: str | None, data_format: str | None) -> str | None:
    """The loss a run trains with: the configured ``name``, else ``DEFAULT_LOSS`` of ``data_format`` (None when
    neither is known). The one rule the runner, the recipe, the estimate, the memory fit and the config check use."""
    return name or (DEFAULT_LOSS.get(data_format) if data_format else None)


def _formats_phrase(formats: tuple[str, ...]) -> str:
    names = [FORMAT_NAMES[f] for f in formats]
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " or " + names[-1]


def check_compatible(name: str, data_format: str) -> LossSpec:
    """Return the spec if loss ``name`` trains on ``data_format``; else ConfigError naming what it needs."""
    spec = get_loss(name)
    _check_format(data_format)
    if data_format not in spec.formats:
        better = ", ".join(s.name for s in losses_for(data_format))
        raise ConfigError(
            f"{spec.name} needs {_formats_phrase(spec.formats)}; this data is '{data_format}' "
            f"(losses for it: {better})."
        )
    return spec


def validate_params(name: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Return ``params`` completed with defaults and type-checked for loss ``name`` (ConfigError if not)."""
    spec = get_loss(name)
    return validate_values(spec.name, spec.params, params)
