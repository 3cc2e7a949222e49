"""Bad input for the endpoints the tab tests only call with good input (the endpoint audit in
``tests/endpoint_audit.py`` fails a whole-suite run when an endpoint lacks a good or a bad call)."""

from __future__ import annotations

import pytest

from tests.endpoint_audit import missing, whole_suite


@pytest.fixture(scope="module")
def fresh(studio):
    from gradio_client import Client

    return Client(studio["url"], verbose=False)


def test_language_must_be_one_of_the_page_languages(fresh):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="fr"):
        fresh.predict("fr", api_name="/set_language")
    with pytest.raises(AppError, match="fr"):
        fresh.predict("fr", api_name="/active_dataset")
    assert "Active dataset" in fresh.predict("en", api_name="/active_dataset")


def test_mining_before_any_pairs_is_one_sentence(fresh):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="Make query/passage pairs first"):
        fresh.predict("bm25", 0, 50, 2, 0.05, "en", api_name="/build_mine")


def test_runs_list_refuses_a_name_outside_the_runs_folder(fresh, studio):
    """The runs list keeps a picked run only when it is one of the runs; a path is never kept."""
    picked, table = fresh.predict("../../etc", api_name="/train_runs")
    assert picked != "../../etc"


def test_compare_without_a_run_is_one_sentence(fresh):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="Choose a trained run first"):
        fresh.predict(None, "pig feed", 10, "en", api_name="/compare")


def test_audit_names_each_missing_kind():
    seen = {"a": {True, False}, "b": {True}, "c": {False}}
    assert missing(["a", "b", "c", "d"], seen) == [
        "/b: no test calls it with bad input",
        "/c: no test calls it with good input",
        "/d: no test calls it with good input or bad input",
    ]


def test_audit_runs_only_on_the_whole_suite(pytestconfig):
    class Opt:
        keyword = ""
        markexpr = ""

    class Cfg:
        rootpath = pytestconfig.rootpath
        option = Opt()
        args: list = []

    assert whole_suite(Cfg())
    Cfg.args = ["tests/ui/test_endpoints.py"]
    assert not whole_suite(Cfg())
    Cfg.args, Cfg.option.keyword = [], "browser"
    assert not whole_suite(Cfg())
