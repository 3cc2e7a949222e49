"""Splitting a run's data: the validation split is sized so delivery can see a real gain."""

from __future__ import annotations

import json

import pytest

from core.training import TrainConfig
from core.training.config import DataConfig
from core.training.data import (
    PLAIN_SPLIT,
    VALIDATION_CAP,
    VALIDATION_TARGET,
    auto_validation_share,
    load_splits,
    splits_for,
)
from core.training.recipe import plan_recipe
from tests.core.training.conftest import write_format_file


def _pairs_file(tmp_path, n, per_query=1):
    path = tmp_path / "pairs.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            for j in range(per_query):
                fh.write(json.dumps({"anchor": f"question {i}", "positive": f"answer {i} part {j}"}) + "\n")
    return path


@pytest.mark.parametrize("groups, held", [
    (40, 10),          # small data: a quarter
    (300, 75),         # a quarter, still under the target
    (1000, VALIDATION_TARGET),
    (4000, 400),       # a tenth is more than the target: a tenth
    (50_000, VALIDATION_CAP),
])
def test_auto_share_holds_out_enough_queries(groups, held):
    assert round(auto_validation_share(groups) * groups) == held


def test_empty_split_sizes_validation_by_query_groups(tmp_path):
    # 300 questions with two rows each: the share counts questions, and no question straddles two splits
    data = DataConfig(train=[str(_pairs_file(tmp_path, 300, per_query=2))])
    splits = load_splits(data, seed=1)
    val_q, train_q = set(splits.validation["anchor"]), set(splits.train["anchor"])
    assert len(val_q) == 75 and len(train_q) == 225 and not val_q & train_q
    assert splits.sizing == {"share": 0.25, "groups": 300, "rule": "auto", "group_by": None, "held": 75}


def test_given_split_and_plain_recipe_keep_their_shares(tmp_path):
    path = str(_pairs_file(tmp_path, 300))
    given = load_splits(DataConfig(train=[path], split=[0.8, 0.2, 0.0]), seed=1)
    assert given.counts()["validation"] == 60 and given.sizing is None
    cfg = TrainConfig(recipe="plain")
    cfg.data.train = [path]
    plain = splits_for(cfg)
    assert plain.counts()["validation"] == round(PLAIN_SPLIT[1] * 300) and plain.sizing is None
    cfg.recipe = "auto"
    assert splits_for(cfg).counts()["validation"] == 75


def test_validation_files_are_not_resized(tmp_path):
    path = str(_pairs_file(tmp_path, 100))
    val = tmp_path / "val.jsonl"
    val.write_text(json.dumps({"anchor": "q", "positive": "p"}) + "\n", encoding="utf-8")
    splits = load_splits(DataConfig(train=[path], validation=[str(val)]), seed=1)
    assert splits.counts() == {"train": 100, "validation": 1, "test": 0} and splits.sizing is None


def test_a_validation_or_test_file_keeps_no_query_the_training_data_asks(tmp_path):
    """Validation chooses the delivered model and test proves it: rows of a validation or test file that ask a
    training query (same text) are left out with one warning that says how many; a file of training queries only is
    refused."""
    from core.errors import DataError

    path = str(_pairs_file(tmp_path, 50))
    val = tmp_path / "val.jsonl"
    rows = [{"anchor": " question 3 ", "positive": "another answer"}, {"anchor": "question 7", "positive": "x"},
            {"anchor": "a new question", "positive": "its answer"}, {"anchor": "another one", "positive": "p"}]
    val.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    splits = load_splits(DataConfig(train=[path], validation=[str(val)]))
    assert list(splits.validation["anchor"]) == ["a new question", "another one"]
    warning = splits.issues[0]
    assert warning.kind == "training_query" and warning.severity == "warning"
    assert warning.message == ("2 of 4 validation rows ask a query of the training data (e.g. 'question 3'); they "
                               "were left out of validation, which chooses the delivered model.")
    # a test file is trimmed the same way: the test measures the delivered model
    splits = load_splits(DataConfig(train=[path], test=[str(val)]))
    assert list(splits.test["anchor"]) == ["a new question", "another one"]
    assert splits.issues[0].message == ("2 of 4 test rows ask a query of the training data (e.g. 'question 3'); "
                                        "they were left out of the test, which measures the delivered model.")
    val.write_text("".join(json.dumps(r) + "\n" for r in rows[:2]), encoding="utf-8")
    with pytest.raises(DataError, match=r"^data\.validation \(val\.jsonl\) asks only queries of the training data"):
        load_splits(DataConfig(train=[path], validation=[str(val)]))
    with pytest.raises(DataError, match=r"^data\.test \(val\.jsonl\) asks only queries of the training data"):
        load_splits(DataConfig(train=[path], test=[str(val)]))


def test_recipe_says_how_validation_was_sized(tmp_path, tiny_model_path):
    cfg = TrainConfig(model=str(tiny_model_path))
    cfg.data.train = [str(_pairs_file(tmp_path, 300))]
    plan = plan_recipe(cfg, splits_for(cfg))
    choice = {c.key: c for c in plan.choices}["data.split"]
    assert choice.value == [0.75, 0.25, 0.0]
    assert choice.reason.startswith("validation 75 of 300 queries (25%)") and "beyond noise" in choice.reason
    assert plan.config.data.split is None, "the rule, not fixed ratios, stays in the config"


def test_a_split_file_with_no_usable_row_or_shared_with_training_is_refused(tmp_path):
    """A validation (or test, or training) file that gives no usable row is named, not silently left out (the run
    trained with no validation and no delivery); the training file given again as validation is refused."""
    from core.errors import DataError

    train = _pairs_file(tmp_path, 40)
    useless = tmp_path / "nested.jsonl"
    blank = tmp_path / "blank.jsonl"  # its positive column holds no text: the detection names it
    blank.write_text(json.dumps({"anchor": "", "positive": ""}) + "\n" + json.dumps({"anchor": "q", "positive": ""})
                     + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"^blank\.jsonl has no usable row for the pair format: its column\(s\) "
                                        r"'positive' hold no text in any row; fill them or remove the file\.$"):
        load_splits(DataConfig(train=[str(train)], validation=[str(blank)]))
    useless.write_text(json.dumps({"anchor": "q1", "positive": ""}) + "\n" + json.dumps({"anchor": "", "positive": "a"})
                       + "\n", encoding="utf-8")  # each row lacks one text
    with pytest.raises(DataError, match=r"^data\.train \(nested\.jsonl\) has no usable row"):
        load_splits(DataConfig(train=[str(useless)]))
    for key in ("validation", "test"):
        cfg = DataConfig(train=[str(train)], **{key: [str(useless)]})
        with pytest.raises(DataError, match=rf"^data\.{key} \(nested\.jsonl\) has no usable row; fix the rows its "
                                            rf"issues name, or leave data\.{key} empty\.$"):
            load_splits(cfg)
    same = DataConfig(train=[str(train)], validation=[str(tmp_path / "." / "pairs.jsonl")])
    with pytest.raises(DataError, match=r"^data\.validation lists pairs\.jsonl, which is also training data"):
        load_splits(same)
    # the same content under another name (one file uploaded twice lands in two upload folders) is the same file
    copy = tmp_path / "upload-2" / "my test.jsonl"
    copy.parent.mkdir()
    copy.write_bytes(train.read_bytes())
    with pytest.raises(DataError, match=r"^data\.test lists my test\.jsonl, which is also training data"):
        load_splits(DataConfig(train=[str(train)], test=[str(copy)]))
    copy.write_bytes(train.read_bytes().replace(b"question", b"Question"))  # same size, other queries: its own file
    assert len(load_splits(DataConfig(train=[str(train)], test=[str(copy)])).test) > 0
    assert len(load_splits(DataConfig(train=[str(train)])).validation) > 0  # a held-out part is still the default


def _firms_file(tmp_path, n, firms):
    """``n`` pairs, question i about company c{i % firms}, in a ``company`` column."""
    path = tmp_path / "firms.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(n):
            fh.write(json.dumps({"anchor": f"question {i}", "positive": f"answer {i}", "company": f"c{i % firms}"}) + "\n")
    return path


def test_a_group_column_keeps_its_groups_whole_and_validation_is_still_sized_in_queries(tmp_path, tiny_model_path):
    """``data.group_by``: no company is in both splits, and the share is the one for 2,000 queries (a tenth: 200),
    not for 40 groups (a quarter: 500 rows); the plan says how many queries that held out, in whole groups."""
    cfg = TrainConfig(model=str(tiny_model_path))
    cfg.data.train = [str(_firms_file(tmp_path, 2000, 40))]
    cfg.data.group_by = "company"
    splits = splits_for(cfg)
    assert not set(splits.validation["company"]) & set(splits.train["company"])
    assert splits.counts()["validation"] == 200
    assert splits.sizing == {"share": 0.1, "groups": 2000, "rule": "auto", "group_by": "company", "held": 200}
    choice = {c.key: c for c in plan_recipe(cfg, splits).choices}["data.split"]
    assert choice.reason.startswith("validation 200 of 2,000 queries (10%, whole 'company' groups): enough")


def test_rows_without_a_group_value_are_groups_of_their_own():
    import pandas as pd

    from core.training.data import group_keys, group_values

    df = pd.DataFrame({"company": ["a", None, "a", float("nan"), "", 7]})
    keys = group_keys(df, "company").tolist()
    assert keys[0] == keys[2] == "a" and keys[5] == "7"
    assert len({keys[1], keys[3], keys[4], "a", "7"}) == 5  # three blank rows, three groups
    assert group_values(df, "company") == 2  # the values: "a" and 7


def test_one_blank_rule_for_rows_and_beir_query_fields():
    """A blank value (missing, blank text, an empty list or object) is no group, whether it is a cell of the training
    rows or a field of a BEIR folder's queries.jsonl (``query_groups``); a list is one value."""
    import pandas as pd

    from core.data.beir_import import query_groups
    from core.training.data import group_keys, group_values

    cells = [None, "  ", [], {}, ["a", "b"], "x"]
    meta = {f"q{i}": {"company": v} for i, v in enumerate(cells)}
    assert sorted(query_groups(meta, "company", "set")) == ["q4", "q5"]
    df = pd.DataFrame({"company": cells})
    assert group_values(df, "company") == 2
    keys = group_keys(df, "company").tolist()
    assert len(set(keys)) == 6  # four blank rows, each its own group, and the two values


def test_a_few_large_groups_still_give_a_validation_split(tmp_path, tiny_model_path):
    """Three companies of 1,000 questions: a tenth rounds to no company, so one whole company validates (the plan
    says what share that is) rather than none; without data.group_by the split is as before."""
    cfg = TrainConfig(model=str(tiny_model_path))
    cfg.data.train = [str(_firms_file(tmp_path, 3000, 3))]
    cfg.data.group_by = "company"
    splits = splits_for(cfg)
    assert splits.counts() == {"train": 2000, "validation": 1000, "test": 0}
    assert len(set(splits.validation["company"])) == 1 and not set(splits.validation["company"]) & set(splits.train["company"])
    choice = {c.key: c for c in plan_recipe(cfg, splits).choices}["data.split"]
    assert choice.reason.startswith("validation 1000 of 3,000 queries (33%, whole 'company' groups)")


def test_a_runs_test_split_searches_every_passage_the_run_knows_and_its_validation_is_the_runners(tmp_path):
    """``run_split_evalset`` (the ONNX report's NDCG@10, the distributed test's validation): the test queries search
    their own passages, every training and validation passage and the knowledge base, not their own passages
    alone; the validation split is the pool the runner's evaluator searches."""
    from core.training.config import TrainConfig, eval_passages
    from core.training.data import run_split_evalset, splits_for
    from core.training.evaluators import row_passages, validation_retrieval

    data = write_format_file(tmp_path / "data", "pair", 60)
    kb = tmp_path / "kb.jsonl"
    only_kb = "a passage only the knowledge base holds"
    kb.write_text(json.dumps({"_id": "k1", "title": "KB", "text": only_kb}) + "\n", encoding="utf-8")
    cfg = TrainConfig(name="r", model="minilm")
    cfg.data.train, cfg.data.split, cfg.data.corpus = [str(data)], [0.6, 0.2, 0.2], str(kb)
    run = tmp_path / "run"
    run.mkdir()
    cfg.save(run / "config.yaml")
    splits = splits_for(TrainConfig.load(run / "config.yaml"))

    test = run_split_evalset(run, "test")
    texts = set(test.corpus.values())
    for part in (splits.train, splits.validation, splits.test):
        assert set(row_passages(part, "pair")) <= texts
    assert only_kb in texts and len(texts) == len(test.corpus)  # each passage once
    assert sorted(test.queries.values()) == sorted(splits.test["anchor"])
    gold = dict(zip(splits.test["anchor"], splits.test["positive"]))
    assert all({test.corpus[d] for d in test.qrels[q]} == {gold[text]} for q, text in test.queries.items())

    validation = run_split_evalset(run, "validation")
    queries, pool, relevant, _ = validation_retrieval(splits.validation, "pair", cfg.eval.max_eval_queries, cfg.seed,
                                                      splits.train, cfg.data.corpus, eval_passages(cfg))
    assert validation.queries == queries and validation.corpus == pool
    test_only = set(row_passages(splits.test, "pair")) - set(row_passages(splits.train, "pair")) - set(
        row_passages(splits.validation, "pair"))
    assert test_only and not test_only & set(pool.values())  # test passages stay out of the runner's validation
