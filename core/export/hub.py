"""Push a saved model folder to the Hugging Face Hub.

``push_to_hub(model_dir, repo_id, token, private=True, card=None, api=None) -> str`` creates the repository
(private by default; an existing one is reused) and uploads the folder in one commit; returns the repo URL.
The token lives only in memory for the call: it is never written to a file, an environment variable or a
log, and the huggingface_hub token cache is not touched. ``card`` (markdown) replaces ``README.md`` in the
upload. When offline (``HF_HUB_OFFLINE``) or the Hub cannot be reached, a one-sentence ``StudioError`` says so.
``api`` lets tests pass a stand-in for ``huggingface_hub.HfApi``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Optional

from core.errors import StudioError
from core.export.zip import check_model_dir

_TRUE = ("1", "true", "yes", "on")


def hub_offline() -> bool:
    """True when the environment says not to contact the Hub."""
    return any(os.environ.get(v, "").strip().lower() in _TRUE for v in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def check_repo_id(repo_id: str) -> str:
    """``user/name`` with Hub-legal characters, or StudioError naming the value."""
    from huggingface_hub.utils import HFValidationError, validate_repo_id

    repo_id = (repo_id or "").strip()
    if repo_id.count("/") != 1:
        raise StudioError(f"The repository id '{repo_id}' must look like 'your-name/model-name'.")
    try:
        validate_repo_id(repo_id)
    except HFValidationError:
        raise StudioError(f"The repository id '{repo_id}' is not valid: use letters, digits, '-', '_' and '.' "
                          "in 'your-name/model-name'.") from None
    return repo_id


def push_to_hub(model_dir: str | os.PathLike, repo_id: str, token: str, private: bool = True,
                card: Optional[str] = None, api: Any = None) -> str:
    """Upload ``model_dir`` to ``repo_id``; returns the repository URL (see module docstring)."""
    src = check_model_dir(model_dir)
    repo_id = check_repo_id(repo_id)
    token = (token or "").strip()
    if not token:
        raise StudioError("Enter a Hugging Face access token with write permission to push to the Hub.")
    if api is None and hub_offline():
        raise StudioError("The Hugging Face Hub cannot be reached: this studio runs offline (HF_HUB_OFFLINE is set); "
                          "download the zip instead.")
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi(token=token)
    try:
        from huggingface_hub.errors import HfHubHTTPError
    except ImportError:  # pragma: no cover - older huggingface_hub
        HfHubHTTPError = OSError  # type: ignore[assignment,misc]
    ignore = ["README.md"] if card is not None else None
    try:
        url = api.create_repo(repo_id=repo_id, token=token, private=private, exist_ok=True, repo_type="model")
        api.upload_folder(folder_path=str(src), repo_id=repo_id, token=token, repo_type="model",
                          commit_message="Upload model from Embedding Studio", ignore_patterns=ignore)
        if card is not None:
            api.upload_file(path_or_fileobj=card.encode("utf-8"), path_in_repo="README.md", repo_id=repo_id,
                            token=token, repo_type="model", commit_message="Add model card")
    except HfHubHTTPError as err:
        code = getattr(getattr(err, "response", None), "status_code", None)
        if code in (401, 403):
            raise StudioError(f"The Hub refused the token for '{repo_id}' (HTTP {code}); use a token with write "
                              "permission for that namespace.") from None
        raise StudioError(f"The Hub rejected the upload to '{repo_id}' (HTTP {code or 'error'}).") from None
    except (OSError, ConnectionError) as err:
        raise StudioError(f"The Hugging Face Hub cannot be reached ({type(err).__name__}); check the network or "
                          "download the zip instead.") from None
    return str(getattr(url, "url", None) or url or f"https://huggingface.co/{repo_id}")
