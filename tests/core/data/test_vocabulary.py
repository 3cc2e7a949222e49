"""The column vocabulary is a leaf: the detector (formats) and the readers both use it, never each other."""

import ast
from pathlib import Path

import core.data.formats as formats
import core.data.readers as readers
from core.data.vocabulary import is_number, known_column_names, norm_name


def _core_imports(module) -> set[str]:
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    return {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("core")}


def test_formats_and_readers_do_not_import_each_other():
    assert "core.data.readers" not in _core_imports(formats)
    assert "core.data.formats" not in _core_imports(readers)
    assert _core_imports(__import__("core.data.vocabulary", fromlist=["x"])) == set()


def test_vocabulary_helpers():
    assert norm_name("  Sentence-1 ") == "sentence_1"
    assert norm_name("\ufeffQuery Text") == "query_text"
    assert is_number("3.5") and is_number(2) and not is_number(True) and not is_number(float("nan"))
    assert not is_number("3.5 stars")
    names = known_column_names()
    assert {"anchor", "positive", "score", "label", "pos", "neg", "问题", "ticker"} <= names
