"""The one retrieval-set type: a corpus, queries and their relevant passages (qrels).

``RetrievalSet(corpus, queries, qrels, titles={}, query_meta={}, qrels_path=None)``:

- ``corpus`` {doc id: text} (a BEIR title kept apart in ``titles`` {doc id: title}, only where non-empty);
- ``queries`` {query id: text}, with extra query fields (ticker, lang, ...) in ``query_meta`` {query id: {...}};
- ``qrels`` {query id: {doc id: relevance}};
- ``qrels_path``: the qrels file it was read from, when read from a BEIR folder.

``core.data.beir.read_beir`` reads a BEIR folder into one, ``core.builder.split.build_retrieval_set`` builds one
from split rows and ``core.builder.dataset_files.export_beir`` writes one. ``core.evaluation.EvalSet`` is the
same type with the evaluation's checks (only queries with a relevant passage in the corpus count) and extras
(a name, mined negatives, triplets).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional


@dataclass
class RetrievalSet:
    corpus: dict[str, str]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]
    titles: dict[str, str] = field(default_factory=dict)
    query_meta: dict[str, dict] = field(default_factory=dict)
    qrels_path: Optional[Path] = None

    def titled_corpus(self) -> dict[str, str]:
        """{doc id: ``title + ' ' + text``} (stripped; the text alone where there is no title): ``titled``."""
        return {d: titled(self.titles.get(d), t) for d, t in self.corpus.items()}


def titled(title: str | None, text: str) -> str:
    """A passage as the studio trains on it and searches it: its title and its text joined by a space (stripped;
    the text alone where there is no title)."""
    return f"{title.strip()} {text.strip()}".strip() if title and title.strip() else text.strip()


__all__ = ["RetrievalSet", "titled"]
