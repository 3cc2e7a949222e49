"""Gradio studio over the engine in ``core/`` (layout and wiring only)."""
