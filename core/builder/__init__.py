"""Dataset builder (documents -> passages -> pairs -> hard negatives -> clean -> split -> export).

Import the submodules directly: ``core.builder.documents``, ``chunking``, ``llm``, ``queries``,
``negatives``, ``clean``, ``split``, ``export``.
"""
