"""Audit: every public Gradio endpoint of the studio is called by the tests with good and with bad input.

Every ``gradio_client.Client.predict`` a test makes is recorded (endpoint, whether it answered or raised) as a
JSON line in a folder shared by the pytest-xdist workers. When a whole-suite run ends (no file, ``-k`` or
``-m`` selection) and every test passed, the controlling process lists the app's public endpoints
(``ui.app.build_app``) and fails the run, naming each endpoint that no test called with good input (a call
that answered) or with bad input (a call the app refused with an error).

Wired from ``tests/conftest.py``: ``install()`` at import time (every process), ``configure(config)`` in
``pytest_configure`` and ``finish(session)`` in ``pytest_sessionfinish``.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

AUDIT_DIR_ENV = "STUDIO_TEST_ENDPOINT_AUDIT_DIR"
# Endpoints with no input to refuse, each with the reason; a test still shows how they treat a wrong value.
NO_BAD_INPUT = {
    "train_runs": "its one input (the picked run) is kept only when it names a run; any other value is dropped "
                  "(tests/ui/test_endpoints.py::test_runs_list_refuses_a_name_outside_the_runs_folder)",
}


def _record(api_name: str, ok: bool) -> None:
    folder = os.environ.get(AUDIT_DIR_ENV)
    if not folder:
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(Path(folder) / f"{worker}.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"api": str(api_name).lstrip("/"), "ok": ok}) + "\n")


def install() -> None:
    """Wrap ``Client.predict`` so each call is recorded (once per process)."""
    try:
        from gradio_client import Client
    except ImportError:
        return
    if getattr(Client.predict, "_audited", False):
        return
    real = Client.predict

    def predict(self, *args, api_name=None, **kwargs):
        try:
            out = real(self, *args, api_name=api_name, **kwargs)
        except Exception:
            _record(api_name, False)
            raise
        _record(api_name, True)
        return out

    predict._audited = True
    Client.predict = predict


def configure(config) -> None:
    """In the controlling process: a fresh audit folder, inherited by the workers through the environment."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    os.environ[AUDIT_DIR_ENV] = tempfile.mkdtemp(prefix="endpoint-audit-")


def whole_suite(config) -> bool:
    """True when the run selects every test: no path, ``-k`` or ``-m`` narrowing the default ``testpaths``."""
    args = [a for a in config.args if a]
    default = not args or [Path(a).resolve() for a in args] == [Path(config.rootpath, "tests").resolve()]
    return default and not config.option.keyword and not config.option.markexpr


def public_endpoints() -> list[str]:
    from ui.app import build_app

    demo = build_app()
    return sorted({fn.api_name for fn in demo.fns.values()
                   if fn.api_name and getattr(fn, "api_visibility", "public") == "public"})


def calls() -> dict[str, set[bool]]:
    folder = os.environ.get(AUDIT_DIR_ENV)
    seen: dict[str, set[bool]] = {}
    for f in Path(folder).glob("*.jsonl") if folder else []:
        for line in f.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            seen.setdefault(rec["api"], set()).add(bool(rec["ok"]))
    return seen


def missing(endpoints: list[str], seen: dict[str, set[bool]]) -> list[str]:
    """One sentence per endpoint that lacks a good or a bad call."""
    out = []
    for name in endpoints:
        kinds = seen.get(name, set()) | ({False} if name in NO_BAD_INPUT else set())
        lacks = [what for what, flag in (("good input", True), ("bad input", False)) if flag not in kinds]
        if lacks:
            out.append(f"/{name}: no test calls it with {' or '.join(lacks)}")
    return out


def finish(session) -> None:
    """In the controlling process, after a whole-suite run that passed: fail if an endpoint lacks a call."""
    if os.environ.get("PYTEST_XDIST_WORKER") or session.exitstatus != 0 or not whole_suite(session.config):
        return
    gaps = missing(public_endpoints(), calls())
    if gaps:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        text = "endpoint audit failed (every Gradio endpoint needs a good and a bad call through gradio_client):\n  "
        text += "\n  ".join(gaps)
        if reporter is not None:
            reporter.write_line(text, red=True)
        session.exitstatus = 1
