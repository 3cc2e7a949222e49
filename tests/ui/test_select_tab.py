"""The Train tab's "Compare base models on my data" section through gradio_client: the table, the chart, the
verdict and the model picker set to the winner; bad input as one sentence. Candidates are the tiny test model
(a local folder) so no bundled model is loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(400)


def _value(update):
    return update.get("value") if isinstance(update, dict) else update


def test_compare_scores_the_models_and_sets_the_picker_to_the_winner(client, studio):
    missing = str(Path(studio["sample"]) / "no-such-model")
    table, chart, verdict, kind, _bundled, path = client.predict(
        [], f"{studio['model']}\n{missing}\n", "en", api_name="/train_select"
    )
    assert table["headers"][:7] == ["model", "languages", "hit@1", "hit@5", "hit@10", "mrr@10", "ndcg@10"]
    assert {"ndcg@10 95% CI", "texts/s", "error"} <= set(table["headers"])
    rows = {r[0]: dict(zip(table["headers"], r)) for r in table["data"]}
    assert set(rows) == {studio["model"], missing}
    good, bad = rows[studio["model"]], rows[missing]
    assert 0.0 <= good["hit@1"] <= good["hit@10"] <= 1.0 and 0.0 <= good["ndcg@10"] <= 1.0
    assert good["texts/s"] > 0 and not good["error"]
    assert "does not exist" in bad["error"], bad
    assert bad["ndcg@10"] is None or bad["ndcg@10"] != bad["ndcg@10"], "no score for a model that did not load"
    assert Path(chart).read_bytes()[:4] == b"\x89PNG"
    assert f"Winner: {studio['model']}" in verdict and "the only candidate" in verdict
    assert "validation queries over" in verdict
    assert _value(kind) == "local" and _value(path) == studio["model"]
    assert path.get("visible") is True and _bundled.get("visible") is False


def test_compare_in_chinese(client, studio):
    table, _, verdict, *_ = client.predict([], studio["model"], "zh", api_name="/train_select")
    assert table["headers"][:2] == ["模型", "语言"]
    assert "胜出" in verdict and "唯一完成打分的候选模型" in verdict


def test_compare_bad_input_is_one_sentence(client, studio):
    from gradio_client import Client
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="No model to compare"):
        client.predict([], "  \n", "en", api_name="/train_select")
    fresh = Client(studio["url"], verbose=False)  # no data loaded in this session
    with pytest.raises(AppError, match="Load data in the Data tab first"):
        fresh.predict([], studio["model"], "en", api_name="/train_select")
    fresh.predict("zh", api_name="/set_language")  # errors follow the page's language
    fresh.predict("sample", "train.jsonl", None, None, "zh", 1, 10, api_name="/data_load")
    with pytest.raises(AppError, match="没有可比较的模型"):
        fresh.predict([], "", "zh", api_name="/train_select")
