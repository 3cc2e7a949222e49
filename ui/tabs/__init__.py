"""One module per tab; each exposes ``build(ctx) -> dict`` that lays out components and wires events."""
