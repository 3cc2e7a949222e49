"""Data import: read any table file, detect its format, validate rows, convert for training.

Public API:

- ``FORMATS``: format -> {required, optional, columns, description{en, zh}}
- ``read_table(path, sheet=None, header=None) -> DataFrame`` (with ``_row``)
- ``detect_format(df) -> Detection``
- ``load_data(path, format=None, mapping=None, sheet=None, score_range=None, label_names=None, progress=None, header=None) -> LoadedData``
- ``load_table(df, source, format=None, mapping=None, score_range=None, label_names=None, progress=None) -> LoadedData``:
  the same for a table ``read_table`` already read from ``source`` (the file is not read again)
- ``qpn_to_rows(data, neg_nums=7, seed=42, prompt=None, keep_row=False) -> DataFrame``
- ``to_dataset(loaded, columns=None) -> datasets.Dataset``
- dataclasses ``LoadedData``, ``Detection``, ``Issue``, ``RetrievalSet`` (corpus / queries / qrels: the one
  retrieval-set type; ``core.data.beir.read_beir(folder, split)`` reads a BEIR folder into it)
"""

from core.data.formats import FORMATS, Detection, detect_format
from core.data.issues import Issue
from core.data.loader import LoadedData, load_data, load_table, to_dataset
from core.data.qpn import qpn_to_rows
from core.data.readers import read_table
from core.data.retrieval import RetrievalSet

__all__ = [
    "FORMATS",
    "Detection",
    "Issue",
    "LoadedData",
    "detect_format",
    "load_data",
    "load_table",
    "qpn_to_rows",
    "RetrievalSet",
    "read_table",
    "to_dataset",
]
