"""Typed state shared by the tabs (held in ``Ctx.data_state``, a ``gr.State``).

``DataState`` is the one description of the active dataset: the Data tab makes it from a loaded file, the
Build tab from a split it wrote, and Train / Evaluate / Compare read it. Nothing else builds this dict-like
record, so every tab agrees on its keys.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class DataState:
    """The active dataset.

    - ``train`` / ``validation`` / ``test``: data files that go into the training config as they are.
    - ``eval``: what Evaluate / Compare search over (a BEIR folder with the whole corpus when there is one).
    - ``format`` / ``mapping`` / ``roles``: the detected (or chosen) format and its column mapping.
    - ``rows``: rows kept after validation; ``label``: the name shown to the user ("sample: train.jsonl").
    - ``language``: ``"en"``, ``"zh"`` or ``"mixed"`` as detected from the text (for the model picker).
    - ``passages``: an optional knowledge-base passage file (JSONL) from the Build tab.
    - ``group_by``: the column (for a BEIR zip, the field of its queries) whose equal values stay in one split
      (``data.group_by``); ``group_choices``: the columns or query fields the Data tab offers for it.
    - ``opened_run``: the run whose config this dataset came from (the Train tab's Open run). The Train tab then
      keeps that run's loss and model instead of picking the defaults for the data, as it does for a new dataset.
    """

    train: str
    validation: str | None = None
    test: str | None = None
    eval: str | None = None
    format: str | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    roles: list[str] = field(default_factory=list)
    rows: int = 0
    label: str = ""
    language: str | None = None
    passages: str | None = None
    group_by: str | None = None
    group_choices: list[str] = field(default_factory=list)
    opened_run: str | None = None

    def get(self, key: str, default: Any = None) -> Any:
        """Dict-style read, so code written against the old dict keeps working during the move."""
        return getattr(self, key, default)

    def __getitem__(self, key: str) -> Any:
        """``state["train"]`` as with the old dict (a KeyError for an unknown key)."""
        if key not in self.__dataclass_fields__:
            raise KeyError(key)
        return getattr(self, key)

    def to_dict(self) -> dict:
        return asdict(self)


def banner_text(value: Any, lang: str = "en") -> str:
    """The one line naming the active dataset (shown in the app header on every tab):
    "Active dataset: <label> · <format> · <rows> rows", or a line saying none is loaded."""
    from ui.strings import t

    state = as_state(value)
    if state is None:
        return t("banner_none", lang)
    label = state.label or Path(state.train).name
    if state.opened_run and not isinstance(state.rows, int):  # rows not counted: say where the dataset came from
        return t("banner_run", lang, label=label, format=state.format or "?", run=state.opened_run)
    rows = f"{state.rows:,}" if isinstance(state.rows, int) else "?"
    return t("banner", lang, label=label, format=state.format or "?", rows=rows)


def as_state(value: Any) -> DataState | None:
    """``value`` as a ``DataState`` (accepts a ``DataState``, a dict with its keys, or None)."""
    if value is None or isinstance(value, DataState):
        return value
    if isinstance(value, dict) and value.get("train"):
        known = {k: v for k, v in value.items() if k in DataState.__dataclass_fields__}
        return DataState(**known)
    return None
