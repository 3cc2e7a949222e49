"""Embedding studio engine: fine-tune sentence-transformers models for retrieval.

No Gradio import anywhere below this package. The UI (``ui/``), the command line
(``python -m core``) and distributed launchers all call the same functions.
"""

__version__ = "0.1.0"
