"""core/README.md's run-folder and event tables agree with the constants in core/run_folder.py, and every event
type the engine writes is one of those constants."""

import ast
import re
from pathlib import Path

import core.run_folder as rf

ROOT = Path(__file__).resolve().parents[2]


def _table(heading_start: str) -> dict[str, str]:
    """{name: constant} from the markdown table that follows the line starting with ``heading_start``."""
    lines = (ROOT / "core" / "README.md").read_text(encoding="utf-8").splitlines()
    i = next(n for n, line in enumerate(lines) if line.startswith(heading_start))
    rows = {}
    for line in lines[i + 1:]:
        if rows and not line.startswith("|"):
            break
        m = re.match(r"^\| `([^`]+)` \| `([A-Z_]+)` \|", line)
        if m:
            rows[m.group(1).rstrip("/")] = m.group(2)
    return rows


def _constants(prefix_or_names) -> dict[str, str]:
    return {v: k for k, v in vars(rf).items() if k.isupper() and isinstance(v, str) and prefix_or_names(k)}


def test_run_folder_table_matches_the_constants():
    documented = _table("The names below are constants")
    assert documented == _constants(lambda k: k.endswith(("_FILE", "_DIR")))
    assert set(documented) == set(rf.RUN_FILES)


def test_event_table_matches_the_constants():
    documented = _table("Event lines:")
    assert documented == _constants(lambda k: k.startswith("EV_"))
    assert set(documented) == set(rf.EVENT_TYPES) and len(rf.EVENT_TYPES) == len(set(rf.EVENT_TYPES))


def test_every_event_the_engine_emits_is_a_constant():
    """``.emit(<type>, ...)`` anywhere in core/ names a documented type (a literal or an ``EV_*`` constant)."""
    emitted = set()
    for path in (ROOT / "core").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "emit" and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant):
                    emitted.add((path.name, arg.value))
                elif isinstance(arg, (ast.Name, ast.Attribute)):
                    name = arg.id if isinstance(arg, ast.Name) else arg.attr
                    if name.startswith("EV_"):
                        emitted.add((path.name, getattr(rf, name)))
    assert {t for _, t in emitted} <= set(rf.EVENT_TYPES), emitted
    assert len(emitted) >= 10  # the walk does find the runner's and delivery's events
