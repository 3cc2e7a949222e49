"""Exceptions whose message is one clear sentence meant for the user (shown as-is in UI and CLI)."""

from __future__ import annotations


class StudioError(Exception):
    """Base class: ``str(err)`` is a complete, user-facing sentence. No traceback is shown for these."""


class DataError(StudioError):
    """A data file cannot be used. ``issues`` holds per-row findings when there are several."""

    def __init__(self, message: str, issues: list | None = None):
        super().__init__(message)
        self.issues = list(issues or [])


class ModelSourceError(StudioError):
    """A model cannot be found or loaded (offline Hub id, bad folder, failed conversion)."""


class ConfigError(StudioError):
    """A configuration value is invalid (unknown loss, incompatible format, out-of-range parameter)."""
