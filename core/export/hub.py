"""Push a saved model folder to the Hugging Face Hub.

``push_to_hub(model_dir, repo_id, token, private=True, card=None, api=None) -> str`` creates the repository
(private by default; an existing one is reused) and uploads the folder in one commit; returns the repo URL.
The token lives only in memory for the call: it is never written to a file, an environment variable or a
log, and the huggingface_hub token cache is not touched. ``card`` (markdown) replaces ``README.md`` in the
upload. Every failure is one ``StudioError`` sentence (``push_error_message``): offline (``HF_HUB_OFFLINE``),
endpoint unreachable (no network, or a wrong ``HF_ENDPOINT``), bad token (401), no write permission (403),
unknown namespace (404), invalid name (400/409/422).
``api`` lets tests pass a stand-in for ``huggingface_hub.HfApi``. An empty ``token`` takes ``HF_TOKEN`` from
the environment (``env_token``); nothing else (not the huggingface_hub login cache) is read.
``onnx_dir`` (an ONNX export folder) is uploaded under ``onnx/`` in the same repository.

``push_run(run_dir, repo_id, token=None, private=True, which=None, onnx=False, progress=None) -> str``: the one
call of the Export tab and ``python -m core push``: the run's delivered model (``export_model_dir``) with its
model card, and with ``onnx`` an ONNX export of it (fp32 + int8, the run's Matryoshka dimensions, the report
measured on the run's test split) made in a temporary folder that is removed afterwards. The repository id and
the token are checked before anything is exported or sent.
"""

from __future__ import annotations

import os
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
    shown = repo_id if len(repo_id) <= 100 else repo_id[:100] + "…"  # a long paste is not echoed whole
    if repo_id.count("/") != 1:
        raise StudioError(f"The repository id '{shown}' must look like 'your-name/model-name'.")
    try:
        validate_repo_id(repo_id)
    except HFValidationError:
        raise StudioError(f"The repository id '{shown}' is not valid: use letters, digits, '-', '_' and '.' "
                          "in 'your-name/model-name'.") from None
    return repo_id


OFFLINE_MESSAGE = ("The Hugging Face Hub cannot be reached: this studio runs offline (HF_HUB_OFFLINE is set); "
                   "download the zip instead.")
# transport failures of httpx / httpx2 (huggingface_hub's HTTP client) and of the standard library, by class name
_UNREACHABLE = {"TransportError", "TimeoutException", "ConnectError", "NetworkError", "ConnectionError",
                "TimeoutError", "gaierror"}


def hub_endpoint() -> str:
    """The Hub address pushes go to: ``HF_ENDPOINT`` as set now, else https://huggingface.co."""
    return (os.environ.get("HF_ENDPOINT") or "https://huggingface.co").strip().rstrip("/")


def _class_names(err: BaseException) -> set[str]:
    return {c.__name__ for c in type(err).__mro__}


def push_error_message(err: BaseException, repo_id: str, endpoint: Optional[str] = None) -> str:
    """One sentence saying why a push of ``repo_id`` failed: offline, endpoint unreachable, bad token (401), no
    write permission (403), namespace not found (404), invalid repository name (400/422), or another HTTP status."""
    where = (endpoint or hub_endpoint()).rstrip("/")
    names = _class_names(err)
    if "OfflineModeIsEnabled" in names:
        return OFFLINE_MESSAGE
    code = getattr(getattr(err, "response", None), "status_code", None)
    if code is None and names & _UNREACHABLE:
        kind = "the connection timed out" if names & {"TimeoutException", "TimeoutError"} else "no connection"
        return (f"The Hugging Face Hub at {where} cannot be reached ({kind}); check the network connection "
                "(and HF_ENDPOINT if you set it) or download the zip instead.")
    namespace = repo_id.split("/", 1)[0]
    if code == 401:
        return ("The Hub did not accept the token (HTTP 401): it is invalid or expired; create a token with "
                "write permission at https://huggingface.co/settings/tokens.")
    if code == 403:
        return (f"The token is not allowed to write to '{namespace}' (HTTP 403); use a token with write "
                "permission for that user or organisation.")
    if code == 404:
        return (f"The Hub has no user or organisation '{namespace}' that this token can write to (HTTP 404); "
                "check the first part of 'your-name/model-name'.")
    if code in (400, 409, 422):
        return (f"The Hub refused the repository name '{repo_id}' (HTTP {code}); use letters, digits, '-', '_' "
                "and '.' in 'your-name/model-name', and a name not used by another repository type.")
    if code is not None:
        return f"The Hub rejected the upload to '{repo_id}' (HTTP {code}); try again later or download the zip instead."
    if isinstance(err, OSError):
        return (f"The model could not be uploaded to '{repo_id}' ({err.strerror or type(err).__name__}); check "
                "the model folder and the network, or download the zip instead.")
    return f"The upload to '{repo_id}' failed ({type(err).__name__}); try again later or download the zip instead."


TOKEN_ENV = "HF_TOKEN"
NO_TOKEN_MESSAGE = ("Enter a Hugging Face access token with write permission to push to the Hub "
                    "(or set HF_TOKEN in the environment).")


def env_token() -> str:
    """``HF_TOKEN`` from the environment, stripped; "" when unset."""
    return (os.environ.get(TOKEN_ENV) or "").strip()


def _token(token: Optional[str]) -> str:
    token = (token or "").strip() or env_token()
    if not token:
        raise StudioError(NO_TOKEN_MESSAGE)
    return token


def push_to_hub(model_dir: str | os.PathLike, repo_id: str, token: Optional[str], private: bool = True,
                card: Optional[str] = None, api: Any = None, onnx_dir: str | os.PathLike | None = None) -> str:
    """Upload ``model_dir`` to ``repo_id``; returns the repository URL (see module docstring)."""
    src = check_model_dir(model_dir)
    repo_id = check_repo_id(repo_id)
    token = _token(token)
    if api is None and hub_offline():
        raise StudioError(OFFLINE_MESSAGE)
    if api is None:
        from huggingface_hub import HfApi

        api = HfApi(endpoint=hub_endpoint(), token=token)
    ignore = ["README.md"] if card is not None else None
    try:
        url = api.create_repo(repo_id=repo_id, token=token, private=private, exist_ok=True, repo_type="model")
        api.upload_folder(folder_path=str(src), repo_id=repo_id, token=token, repo_type="model",
                          commit_message="Upload model from Embedding Studio", ignore_patterns=ignore)
        if onnx_dir is not None:
            api.upload_folder(folder_path=str(onnx_dir), path_in_repo="onnx", repo_id=repo_id, token=token,
                              repo_type="model", commit_message="Add ONNX export from Embedding Studio")
        if card is not None:
            api.upload_file(path_or_fileobj=card.encode("utf-8"), path_in_repo="README.md", repo_id=repo_id,
                            token=token, repo_type="model", commit_message="Add model card")
    except StudioError:
        raise
    except Exception as err:  # noqa: BLE001 - every failure becomes one sentence
        raise StudioError(push_error_message(err, repo_id, getattr(api, "endpoint", None))) from None
    return str(getattr(url, "url", None) or url or f"https://huggingface.co/{repo_id}")


def push_run(run_dir: str | os.PathLike, repo_id: str, token: Optional[str] = None, private: bool = True,
             which: Optional[str] = None, onnx: bool = False, progress: Any = None, api: Any = None) -> str:
    """Push a run's model, card and optionally its ONNX export; returns the repository URL (module docstring)."""
    import shutil
    import tempfile
    from pathlib import Path

    from core.export import model_card, shipped_model_dir

    run_dir = Path(run_dir)
    src = shipped_model_dir(run_dir, which)
    repo_id = check_repo_id(repo_id)
    token = _token(token)
    if api is None and hub_offline():
        raise StudioError(OFFLINE_MESSAGE)
    card = model_card(run_dir, holds=src.name)
    if not onnx:
        return push_to_hub(src, repo_id, token, private=private, card=card, api=api)
    from core.export.onnx import export_onnx, report_chart, run_onnx_inputs

    work = Path(tempfile.mkdtemp(prefix="studio-push-onnx-"))
    try:
        inputs = run_onnx_inputs(run_dir)
        report = export_onnx(src, work / "onnx", int8=True, dims=inputs.dims, evalset=inputs.evalset, progress=progress)
        report.table.to_csv(report.out_dir / "onnx_report.csv", index=False)
        report_chart(report.table, report.out_dir / "onnx_report.png")
        return push_to_hub(src, repo_id, token, private=private, card=card, api=api, onnx_dir=report.out_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
