"""Evaluation: metrics, base-vs-tuned comparison, score histograms, side-by-side search with an on-disk
embedding cache, and reports. Nothing here imports gradio; models and data are imported lazily.

Public API:
- data: ``EvalSet``, ``PairEvalSet``, ``from_rows``, ``from_dataframe``, ``from_loaded``, ``load_beir``, ``load_evalset``
- encoding: ``as_model``, ``encode_queries``, ``encode_corpus``, ``query_prompt_name``, ``corpus_prompt_name``
- metrics: ``retrieval_metrics``, ``retrieval_metrics_from_embeddings``, ``correlation``, ``binary_metrics``,
  ``average_precision``, ``triplet_accuracy``, ``separation_auc``
- comparison: ``evaluate_models`` -> ``ComparisonResult``; ``bar_chart``, ``score_histograms``; ``write_report``
- scores: ``ScoreDistribution``, ``score_distribution``, ``suggest_threshold``
- search: ``SideBySide``, ``SearchHit``; cache: ``embed_corpus_cached``, ``corpus_hash``, ``model_key``
"""

from core.evaluation.compare import ComparisonResult, build_table, evaluate_models
from core.evaluation.embed_cache import CachedEmbeddings, corpus_hash, embed_corpus_cached, model_key
from core.evaluation.encoding import (
    as_model,
    corpus_prompt_name,
    encode_corpus,
    encode_queries,
    model_label,
    query_prompt_name,
)
from core.evaluation.evalset import (
    EvalSet,
    PairEvalSet,
    from_dataframe,
    from_loaded,
    from_rows,
    is_beir_folder,
    load_beir,
    load_evalset,
)
from core.evaluation.metrics import (
    MAIN_METRIC,
    RetrievalMetrics,
    average_precision,
    binary_metrics,
    correlation,
    retrieval_metrics,
    retrieval_metrics_from_embeddings,
    separation_auc,
    triplet_accuracy,
)
from core.evaluation.plots import bar_chart, score_histograms
from core.evaluation.report import ReportFiles, write_report
from core.evaluation.scores import ScoreDistribution, score_distribution, suggest_threshold
from core.evaluation.search import SearchHit, SideBySide

__all__ = [
    "ComparisonResult", "build_table", "evaluate_models", "CachedEmbeddings", "corpus_hash", "embed_corpus_cached",
    "model_key", "as_model", "corpus_prompt_name", "encode_corpus", "encode_queries", "model_label",
    "query_prompt_name", "EvalSet", "PairEvalSet", "from_dataframe", "from_loaded", "from_rows", "is_beir_folder",
    "load_beir", "load_evalset", "MAIN_METRIC", "RetrievalMetrics", "average_precision", "binary_metrics",
    "correlation", "retrieval_metrics", "retrieval_metrics_from_embeddings", "separation_auc", "triplet_accuracy",
    "bar_chart", "score_histograms", "ReportFiles", "write_report", "ScoreDistribution", "score_distribution",
    "suggest_threshold", "SearchHit", "SideBySide",
]
