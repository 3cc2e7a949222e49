"""Dataset builder (documents -> passages -> pairs -> hard negatives -> clean -> split -> export).

Import the submodules directly: ``core.builder.documents``, ``chunking``, ``llm``, ``llm_queries``,
``jobs``, ``pseudo_queries``, ``rows``,
``negatives``, ``clean``, ``split``, ``export``.
"""
