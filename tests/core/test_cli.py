"""``python -m core --help`` lists every sub-command; each has its own --help; user errors print one line."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = ["models", "inspect", "train", "runs", "stop", "build", "mine", "clean", "split", "evaluate", "compare", "search"]


def _run(*args):
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_help_lists_subcommands_and_each_has_help():
    from core.cli import build_parser

    out = _run("--help")
    assert out.returncode == 0, out.stderr
    for name in EXPECTED:
        assert name in out.stdout, f"'{name}' missing from python -m core --help"
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in EXPECTED:
        text = sub.choices[name].format_help()
        assert text.startswith("usage: python -m core " + name), text[:80]


def test_user_error_is_one_sentence_not_a_traceback(tmp_path):
    out = _run("train", "--config", str(tmp_path / "missing.yaml"))
    assert out.returncode == 2
    assert "Traceback" not in out.stderr
    assert out.stderr.strip().startswith("error:") and "missing.yaml" in out.stderr


def test_no_command_prints_help_and_is_a_usage_error():
    out = _run()
    assert out.returncode == 2
    assert out.stderr.startswith("usage: python -m core") and "evaluate" in out.stderr and not out.stdout
