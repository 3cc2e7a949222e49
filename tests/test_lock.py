"""The committed lock files pin every package that the requirement files name, at a version they admit."""

from __future__ import annotations

from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]


def _requirements(path: Path) -> list[Requirement]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        out.append(Requirement(line))
    return out


def _lock(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or line.startswith("-"):
            continue
        name, sep, version = line.partition("==")
        assert sep, f"{path.name}: '{line}' is not an exact pin (name==version)"
        pins[canonicalize_name(name.split("[")[0])] = version.split(";")[0].strip()
    return pins


def unpinned(requirements: Path, lock: Path) -> list[str]:
    """Requirement lines of ``requirements`` that ``lock`` does not pin at a version they admit."""
    pins = _lock(lock)
    bad = []
    for req in _requirements(requirements):
        version = pins.get(canonicalize_name(req.name))
        if version is None or (req.specifier and not req.specifier.contains(version, prereleases=True)):
            bad.append(f"{req} (lock: {version or 'missing'})")
    return bad


@pytest.mark.parametrize("req_file, lock_file", [("requirements.txt", "requirements.lock"),
                                                  ("requirements-test.txt", "requirements-test.lock")])
def test_lock_pins_every_requirement(req_file, lock_file):
    bad = unpinned(ROOT / req_file, ROOT / lock_file)
    assert not bad, f"{lock_file} is stale for {req_file}: run `make lock` ({', '.join(bad)})"


def test_test_lock_agrees_with_app_lock():
    app, test = _lock(ROOT / "requirements.lock"), _lock(ROOT / "requirements-test.lock")
    assert {k: v for k, v in test.items() if k in app} == app


def test_unpinned_is_detected(tmp_path):
    (tmp_path / "r.txt").write_text("pandas>=2\nrequests\n", encoding="utf-8")
    (tmp_path / "r.lock").write_text("pandas==1.5.0\n    # via -r r.txt\n", encoding="utf-8")
    assert unpinned(tmp_path / "r.txt", tmp_path / "r.lock") == [
        "pandas>=2 (lock: 1.5.0)", "requests (lock: missing)"]


def test_space_installs_the_lock():
    """A Space pip-installs pre-requirements.txt first, then requirements.txt, each mounted alone into the build
    (``RUN --mount=target=pre-requirements.txt,source=pre-requirements.txt pip install -r pre-requirements.txt``),
    so pre-requirements.txt cannot point at another file: it must hold every pin of the app lock itself. The SDK
    version in the README front matter must be the locked gradio."""
    pre = ROOT / "pre-requirements.txt"
    for line in pre.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        assert not line.startswith("-"), f"pre-requirements.txt: '{line}' needs a file the Space build does not have"
    assert _lock(pre) == _lock(ROOT / "requirements.lock"), "pre-requirements.txt is stale: run `make lock`"
    assert not unpinned(ROOT / "requirements.txt", pre), "the Space's second install (requirements.txt) would change a pin"
    front = (ROOT / "README.md").read_text(encoding="utf-8").split("---")[1]
    meta = dict(line.split(":", 1) for line in front.strip().splitlines() if ":" in line)
    assert meta["sdk_version"].strip() == _lock(ROOT / "requirements.lock")["gradio"]
    assert meta["python_version"].strip().strip('"') == "3.11"
    assert meta["app_file"].strip() == "app.py" and meta["sdk"].strip() == "gradio"

