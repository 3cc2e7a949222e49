"""One retrieval-set type: the BEIR reader, the builder's split and the evaluation set all give a RetrievalSet."""

from core.builder.dataset_files import export_beir, load_beir
from core.builder.split import build_retrieval_set
from core.data import RetrievalSet
from core.data.beir import read_beir
from core.evaluation import EvalSet, load_evalset


def _rows():
    return {
        "train": [{"query": "q train", "pos": ["p1"], "neg": ["n1"]}],
        "test": [{"query": "q test", "pos": ["p2", "p1"], "neg": []}],
    }


def test_built_written_read_and_evaluated_sets_are_one_type(tmp_path):
    built = build_retrieval_set(_rows(), split="test")
    assert type(built) is RetrievalSet
    built.titles = {"d1": "Title"}
    folder = export_beir(built, tmp_path / "beir")

    read = read_beir(folder)
    assert type(read) is RetrievalSet and read.qrels_path == folder / "qrels" / "test.tsv"
    assert (read.corpus, read.queries, read.qrels, read.titles) == (built.corpus, built.queries, built.qrels, built.titles)
    assert load_beir(folder).corpus == built.corpus

    ev = load_evalset(folder)
    assert isinstance(ev, EvalSet) and isinstance(ev, RetrievalSet)
    assert ev.corpus == read.titled_corpus() and ev.corpus["d1"] == "Title n1"  # d0 p1, d1 n1, d2 p2 (first seen)
    assert ev.qrels == {"q0": {"d2": 1, "d0": 1}} and ev.name == "beir/test"


def test_titled_corpus_strips_and_joins():
    rs = RetrievalSet(corpus={"a": " text ", "b": "x"}, queries={}, qrels={}, titles={"a": " T "})
    assert rs.titled_corpus() == {"a": "T text", "b": "x"}


def test_a_beir_file_that_is_a_device_is_refused_not_read(tmp_path):
    """A corpus.jsonl that links to /dev/zero (a device: reading it never ends) is refused, and said to be no
    regular file rather than missing."""
    import pytest

    from core.errors import DataError

    folder = export_beir(build_retrieval_set(_rows(), split="test"), tmp_path / "beir")
    (folder / "corpus.jsonl").unlink()
    (folder / "corpus.jsonl").symlink_to("/dev/zero")
    with pytest.raises(DataError, match=r"corpus\.jsonl is not a regular file; a BEIR folder needs"):
        read_beir(folder)
