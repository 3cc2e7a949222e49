"""Every config field carries its help text, and the train CLI's flags read theirs from it."""

import argparse
import dataclasses

import pytest

from core.training import cli
from core.training.config import _SECTIONS, TrainConfig, field_help


def _keys() -> list[str]:
    keys = [f.name for f in dataclasses.fields(TrainConfig)]
    for section, owner in _SECTIONS.items():
        keys += [f"{section}.{f.name}" for f in dataclasses.fields(owner)]
    return keys


@pytest.mark.parametrize("key", _keys())
def test_every_config_field_has_help(key):
    text = field_help(key)
    assert len(text) >= 15 and text[0].isupper() and text.rstrip().endswith((".", ")")), (key, text)


def test_unknown_key_is_refused():
    with pytest.raises(KeyError):
        field_help("hyper.no_such_field")


def test_train_flags_take_their_help_from_the_config_fields():
    sub = argparse.ArgumentParser().add_subparsers()
    cli.register(sub)
    actions = {opt: a for a in sub.choices["train"]._actions for opt in a.option_strings}
    assert cli.FLAG_KEYS
    for flag, key in cli.FLAG_KEYS:
        assert actions[flag].help.startswith(field_help(key).replace("%", "%%")), flag
    # the % of a help text survives argparse's formatting
    text = sub.choices["train"].format_help()
    assert "5% of the positive" in " ".join(text.split())
