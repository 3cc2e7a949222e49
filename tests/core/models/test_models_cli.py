"""``python -m core models`` (list / convert / info) through ``core.cli.main``."""

from __future__ import annotations

import json

import pytest

from core.cli import build_parser, main


def test_models_lists_names(capsys):
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    assert "minilm (default)" in out and "multilingual-e5-small" in out and "bundled" in out
    assert main(["models", "list", "--json"]) == 0
    items = json.loads(capsys.readouterr().out)
    assert [i["name"] for i in items] == ["minilm", "multilingual-e5-small"]
    assert all(i["available"] for i in items)


def test_each_models_command_has_help(capsys):
    for argv in (["models", "--help"], ["models", "list", "--help"], ["models", "convert", "--help"],
                 ["models", "info", "--help"]):
        with pytest.raises(SystemExit) as exc:
            build_parser().parse_args(argv)
        assert exc.value.code == 0
        assert capsys.readouterr().out.startswith("usage: python -m core models")


def test_models_info_on_a_folder(tiny_model_path, capsys):
    assert main(["models", "info", str(tiny_model_path), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["kind"] == "local" and info["dimension"] == 32 and info["max_seq_length"] == 64
    assert info["path"] == str(tiny_model_path.resolve()) and len(info["fingerprint"]) == 20
    assert main(["models", "info", str(tiny_model_path)]) == 0
    assert "dimension:" in capsys.readouterr().out


def test_models_errors_are_one_line(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(["models", "info", "nobody/nothing-here"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: The model 'nobody/nothing-here'") and "\n" not in err
    assert main(["models", "info", str(tmp_path)]) == 2
    assert str(tmp_path) in capsys.readouterr().err
    assert main(["models", "convert", "no-such-source"]) == 2
    assert "not a built-in source" in capsys.readouterr().err
    assert main(["models", "convert", "minilm"]) == 0
    assert "needs no conversion" in capsys.readouterr().out


@pytest.mark.slow
def test_models_convert_uses_the_cache(e5_cache_root, monkeypatch, capsys):
    monkeypatch.setenv("STUDIO_CACHE_DIR", str(e5_cache_root))
    assert main(["models", "convert", "multilingual-e5-small"]) == 0
    assert capsys.readouterr().out.strip() == str(e5_cache_root / "models" / "multilingual-e5-small")


def test_models_info_refuses_a_bad_device_naming_the_flag(tiny_model_path, capsys):
    assert main(["models", "info", str(tiny_model_path), "--device", "bogus"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --device 'bogus' is not a device name") and "cpu, cuda" in err
    assert "could not be loaded" not in err and "\n" not in err


def test_models_info_refuses_an_empty_spec(capsys):
    assert main(["models", "info", ""]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: The model SPEC is empty") and "minilm" not in capsys.readouterr().out
    assert main(["models", "info", "  "]) == 2
    assert "SPEC is empty" in capsys.readouterr().err
