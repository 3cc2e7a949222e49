"""The column vocabulary: the column-name synonyms the format detector and the readers recognise, and the two
small value helpers both use. A leaf module (imports nothing from ``core``), so ``formats`` and ``readers``
both depend on it and not on each other.
"""

from __future__ import annotations

import re
from typing import Any

# Column-name synonyms, normalised (lower case, spaces/dashes -> "_"), in priority order.
FIRST_NAMES = [
    "anchor", "query", "question", "sentence1", "sentence_1", "s1", "text1", "text_1", "premise", "sentence_a",
    "sent1", "q", "text", "source", "input", "问题", "查询", "问句", "句子1", "文本1", "文本",
]
SECOND_NAMES = [
    "positive", "pos", "positive_text", "passage", "context", "document", "doc", "content", "sentence2",
    "sentence_2", "s2", "text2", "text_2", "hypothesis", "sentence_b", "sent2", "scored_text", "answer",
    "response", "target", "正例", "正样本", "段落", "文档", "句子2", "文本2", "答案", "回答",
]
NEGATIVE_NAMES = ["negative", "neg", "hard_negative", "negative_text", "hard_neg", "negative_1", "负例", "负样本"]
SCORE_NAMES = ["score", "similarity", "similarity_score", "relatedness_score", "relatedness", "sim", "分数", "得分", "相似度"]
LABEL_NAMES = ["label", "gold_label", "entailment_label", "labels", "class", "category", "y", "标签", "类别"]
QPN_POS_NAMES = ["pos", "positive", "positives", "pos_list", "positive_passages"]
QPN_NEG_NAMES = ["neg", "negative", "negatives", "neg_list", "hard_negatives", "negative_passages"]
QPN_EXTRA_NAMES = {
    "pos_scores": ["pos_scores", "positive_scores", "scores"],
    "neg_scores": ["neg_scores", "negative_scores"],
    "prompt": ["prompt", "prompt_for_query", "query_prompt", "instruction"],
    "type": ["type", "task_type"],
}
NLI_LABELS = ["entailment", "neutral", "contradiction"]
NO_MAJORITY = {"-"}

_NUMBER = re.compile(r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$")


def known_column_names() -> set[str]:
    """Every column name the detector recognises (normalised), used to spot header rows."""
    names = set(FIRST_NAMES + SECOND_NAMES + NEGATIVE_NAMES + SCORE_NAMES + LABEL_NAMES + QPN_POS_NAMES + QPN_NEG_NAMES)
    for v in QPN_EXTRA_NAMES.values():
        names.update(v)
    names.update({"id", "idx", "split", "genre", "sid", "pair_id", "qid", "pid", "title", "ticker"})
    return names


def norm_name(name: Any) -> str:
    """Normalise a column name for matching: lower case, spaces and dashes as ``_``, trimmed."""
    return re.sub(r"[\s\-]+", "_", str(name).strip().lstrip("\ufeff").lower())


def is_number(value: Any) -> bool:
    """True for ints/floats (not NaN, not bool) and for strings that spell a number."""
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return value == value  # NaN is not a usable number
    return isinstance(value, str) and bool(_NUMBER.match(value))
