"""``python -m core evaluate | compare | search`` end to end on a toy BEIR folder with the tiny model."""

from __future__ import annotations

import json
import shutil

import pytest

from core.cli import main
from core.run_folder import METRICS_FILE
from tests.conftest import tiny_pairs


@pytest.fixture
def beir(tmp_path):
    folder = tmp_path / "beir"
    (folder / "qrels").mkdir(parents=True)
    pairs = tiny_pairs(20)
    (folder / "corpus.jsonl").write_text("".join(
        json.dumps({"_id": f"d{i}", "title": "", "text": p}, ensure_ascii=False) + "\n" for i, (_, p) in enumerate(pairs)),
        encoding="utf-8")
    (folder / "queries.jsonl").write_text("".join(
        json.dumps({"_id": f"q{i}", "text": q}, ensure_ascii=False) + "\n" for i, (q, _) in enumerate(pairs)),
        encoding="utf-8")
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + "".join(
        f"q{i}\td{i}\t1\n" for i in range(len(pairs))), encoding="utf-8")
    return folder


@pytest.fixture
def damaged_copy(tiny_model_path, tmp_path):
    """A copy of the tiny model whose word embeddings are all one vector (token identity erased): certainly
    worse at retrieval."""
    from safetensors.torch import load_file, save_file

    copy = tmp_path / "damaged"
    shutil.copytree(tiny_model_path, copy)
    weights = next(copy.rglob("*.safetensors"))
    tensors = load_file(str(weights))
    name = next(n for n in tensors if "word_embeddings" in n)
    tensors[name] = tensors[name][0:1].repeat(tensors[name].shape[0], 1).contiguous()
    save_file(tensors, str(weights), metadata={"format": "pt"})
    return copy


def test_evaluate_writes_report(beir, tiny_model_path, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["evaluate", "--data", str(beir), "--model", f"tiny={tiny_model_path}", "--out", str(out), "--k", "1", "5"]) == 0
    printed = capsys.readouterr().out
    assert "ndcg@10" in printed and "recall@5" in printed and "tiny" in printed
    data = json.loads((out / METRICS_FILE).read_text(encoding="utf-8"))
    assert data["labels"] == ["tiny"] and 0 < data["metrics"]["tiny"]["ndcg@10"] <= 1
    for name in ("per_query.csv", "chart.png", "score_histograms.png", "report.md", "report.html"):
        assert (out / name).is_file(), name


def test_compare_flags_a_worse_model(beir, tiny_model_path, damaged_copy, tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(["compare", "--data", str(beir), "--base", str(tiny_model_path), "--tuned", str(damaged_copy),
                 "--out", str(out), "--fail-if-worse"])
    err = capsys.readouterr().err
    data = json.loads((out / METRICS_FILE).read_text(encoding="utf-8"))
    assert data["labels"] == ["base", "tuned"]
    assert data["metrics"]["tuned"]["ndcg@10"] < data["metrics"]["base"]["ndcg@10"]
    assert code == 3 and data["worse_than_base"] and "WORSE" in err
    nd = data["deltas_vs_base"]["tuned"]["ndcg@10"]
    assert nd["verdict"] == "worse" and nd["ci_high"] < 0 and nd["ci_low"] <= nd["diff"] <= nd["ci_high"]


def test_search_prints_both_lists(beir, tiny_model_path, damaged_copy, capsys):
    query = tiny_pairs(20)[3][0]
    assert main(["search", "--corpus", str(beir), "--model", f"a={tiny_model_path}", "--model", f"b={damaged_copy}",
                 "--query", query, "-k", "20"]) == 0
    out = capsys.readouterr().out
    assert "=== a ===" in out and "=== b ===" in out and out.count("\n  1. ") == 2 and "20. " in out
    assert "[gold]" in out  # whole corpus shown, and the query is a BEIR query: its passage is marked


def test_bad_data_is_one_sentence(tiny_model_path, tmp_path, capsys):
    assert main(["evaluate", "--data", str(tmp_path / "missing"), "--model", str(tiny_model_path)]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_model_compared_with_itself_is_no_difference(beir, tiny_model_path, tmp_path, capsys):
    out = tmp_path / "same"
    code = main(["compare", "--data", str(beir), "--base", str(tiny_model_path), "--tuned", str(tiny_model_path),
                 "--out", str(out), "--fail-if-worse"])
    printed = capsys.readouterr().out
    assert code == 0
    verdicts = [ln for ln in printed.splitlines() if ln.startswith("verdict:")]
    assert verdicts[0] == ("verdict: No detectable difference between 'tuned' and 'base' on ndcg@10 over 20 queries "
                           "(they score the same on every query).")
    # the set is half English, half Chinese: one verdict per query language too
    assert [v.split(" over ")[0].endswith(lang) for v, lang in
            zip(verdicts[1:], ("(English queries)", "(Chinese queries)"))] == [True, True] and len(verdicts) == 3
    nd = json.loads((out / METRICS_FILE).read_text(encoding="utf-8"))["deltas_vs_base"]["tuned"]["ndcg@10"]
    assert nd["ci_low"] <= 0 <= nd["ci_high"] and nd["verdict"] == "no_difference"


@pytest.mark.parametrize("title", ["", "Swine notes"])
def test_seen_and_unseen_queries_get_their_own_verdict(beir, tiny_model_path, damaged_copy, tmp_path, capsys, title):
    """With a BEIR title, the corpus searched is 'title text' while training data holds the bare text: a passage
    is still recognised as seen."""
    train = tmp_path / "train.jsonl"
    pairs = tiny_pairs(20)
    if title:
        corpus = beir / "corpus.jsonl"
        rows = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()]
        corpus.write_text("".join(json.dumps(dict(r, title=title), ensure_ascii=False) + "\n" for r in rows),
                          encoding="utf-8")
    train.write_text("".join(json.dumps({"anchor": f"other {i}", "positive": p}, ensure_ascii=False) + "\n"
                             for i, (_, p) in enumerate(pairs[:8])), encoding="utf-8")
    out = tmp_path / "split"
    code = main(["compare", "--data", str(beir), "--base", str(tiny_model_path), "--tuned", str(damaged_copy),
                 "--train-data", str(train), "--out", str(out)])
    printed = capsys.readouterr().out
    assert code == 0  # no --fail-if-worse
    lines = [ln for ln in printed.splitlines() if ln.startswith("verdict:")]
    assert len(lines) == 5 and "20 queries" in lines[0] and "worse" in lines[0]
    assert "also answers a training query" in lines[1] and "8 queries" in lines[1]
    assert "answers no training query" in lines[2] and "12 queries" in lines[2]
    data = json.loads((out / METRICS_FILE).read_text(encoding="utf-8"))
    assert [v["subset"] for v in data["verdicts"]["tuned"]] == ["", "seen", "unseen", "en", "zh"]
    assert "(English queries)" in lines[3] and "10 queries" in lines[3] and "(Chinese queries)" in lines[4]


def test_a_passage_trained_on_only_as_a_negative_leaves_its_query_unseen(beir, tmp_path):
    """Seen means a training positive: in mined data nearly every passage is some row's negative."""
    from core.evaluation import load_beir
    from core.evaluation.seen import seen_queries, training_texts

    pairs = tiny_pairs(20)
    train = tmp_path / "train.jsonl"
    train.write_text("".join(json.dumps({"query": f"other {i}", "pos": [pairs[i][1]], "neg": [pairs[i + 10][1]]},
                                        ensure_ascii=False) + "\n" for i in range(5)), encoding="utf-8")
    passages = training_texts(str(train)).passages
    assert passages == {pairs[i][1] for i in range(5)}
    ev = load_beir(beir)
    assert seen_queries(ev, [f"q{i}" for i in range(20)], passages) == [i < 5 for i in range(20)]


def test_train_data_without_passages_is_one_clear_sentence(beir, tiny_model_path, tmp_path, capsys):
    bad = tmp_path / "scored.tsv"
    bad.write_text("sentence1\tsentence2\tscore\na\tb\t0.5\nc\td\t0.1\n", encoding="utf-8")
    code = main(["compare", "--data", str(beir), "--base", str(tiny_model_path), "--tuned", str(tiny_model_path),
                 "--train-data", str(bad)])
    err = capsys.readouterr().err
    assert code != 0 and "--train-data" in err and "expected pair, triplet or qpn" in err


@pytest.mark.parametrize("flags, said", [
    (["--queries", "-5"], "--queries must be a whole number of at least 1, got -5."),
    (["--queries", "0"], "--queries must be a whole number of at least 1, got 0."),
    (["--corpus-size", "0"], "--corpus-size must be a whole number of at least 1, got 0."),
    (["--corpus-size", "-1"], "--corpus-size must be a whole number of at least 1, got -1."),
    (["--k", "0", "-3"], "--k must be a whole number of at least 1, got 0."),
])
def test_evaluate_refuses_counts_below_one_before_loading_anything(beir, tmp_path, capsys, flags, said):
    """The model does not exist: the flag is refused before any model is loaded or data sampled."""
    assert main(["evaluate", "--data", str(beir), "--model", str(tmp_path / "no-model"), *flags]) == 2
    err = capsys.readouterr().err
    assert err == f"error: {said}\n"


@pytest.mark.parametrize("command", ["evaluate", "compare"])
def test_an_out_that_is_a_file_is_refused_before_evaluating(beir, tmp_path, capsys, command):
    afile = tmp_path / "afile"
    afile.write_text("keep", encoding="utf-8")
    models = (["--model", str(tmp_path / "no-model")] if command == "evaluate"
              else ["--base", str(tmp_path / "no-model"), "--tuned", str(tmp_path / "no-model")])
    assert main([command, "--data", str(beir), *models, "--out", str(afile)]) == 2
    assert capsys.readouterr().err == f"error: The output folder '{afile}' is a file (expected a folder).\n"
    assert afile.read_text(encoding="utf-8") == "keep"


@pytest.mark.parametrize("flags, said", [
    (["-k", "0"], "-k must be a whole number of at least 1, got 0."),
    (["-k", "-2"], "-k must be a whole number of at least 1, got -2."),
    (["--width", "0"], "--width must be a whole number of at least 1, got 0."),
])
def test_search_refuses_counts_below_one(beir, tmp_path, capsys, flags, said):
    assert main(["search", "--corpus", str(beir), "--model", str(tmp_path / "no-model"), "--query", "q", *flags]) == 2
    assert capsys.readouterr().err == f"error: {said}\n"


def test_search_reads_a_gb18030_text_corpus(tiny_model_path, tmp_path, capsys):
    """A .txt corpus is decoded like every data file, not read as UTF-8 with replacement characters."""
    corpus = tmp_path / "corpus.txt"
    corpus.write_bytes("猪饲料需要蛋白质和能量\n母猪产仔后的护理要点\n".encode("gb18030"))
    assert main(["search", "--corpus", str(corpus), "--model", str(tiny_model_path), "--query", "猪饲料", "-k", "2"]) == 0
    out = capsys.readouterr().out
    assert "猪饲料需要蛋白质和能量" in out and "母猪产仔后的护理要点" in out and "\ufffd" not in out


def test_evaluate_seed_below_zero_is_refused_like_select(beir, tmp_path, capsys):
    assert main(["evaluate", "--data", str(beir), "--model", str(tmp_path / "no-model"), "--seed", "-1",
                 "--queries", "5"]) == 2
    assert capsys.readouterr().err == "error: --seed must be a whole number from 0 to 4294967295, got -1.\n"


@pytest.mark.parametrize("command", ["evaluate", "compare"])
def test_an_earlier_report_is_kept_unless_overwrite(beir, tiny_model_path, tmp_path, capsys, command):
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.md").write_text("my notes\n", encoding="utf-8")
    models = (["--model", str(tiny_model_path)] if command == "evaluate"
              else ["--base", str(tiny_model_path), "--tuned", str(tiny_model_path)])
    assert main([command, "--data", str(beir), *models, "--out", str(out)]) == 2
    assert capsys.readouterr().err == (f"error: '{out / 'report.md'}' already exists; give --overwrite to replace it, "
                                       "or choose another output.\n")
    assert sorted(p.name for p in out.iterdir()) == ["report.md"]
    assert (out / "report.md").read_text(encoding="utf-8") == "my notes\n"
    assert main([command, "--data", str(beir), *models, "--out", str(out), "--overwrite"]) == 0
    assert (out / "report.md").read_text(encoding="utf-8").startswith("# Embedding evaluation")


def test_a_runs_training_texts_are_the_rows_it_trained_and_validated_on_not_its_held_out_test_share(tmp_path):
    """A run that held a test share out of its training file did not learn those rows: their queries are not
    training queries (an evaluation on them keeps them) and their passages do not make a query seen."""
    from core.evaluation.seen import run_training_texts
    from core.run_folder import CONFIG_FILE
    from core.training import TrainConfig
    from core.training.data import splits_for

    rows = [{"query": f"{q} number {i}", "pos": [f"{p} number {i}"]} for i, (q, p) in enumerate(tiny_pairs(40))]
    train = tmp_path / "rows.jsonl"
    train.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    run = tmp_path / "run"
    run.mkdir()
    cfg = TrainConfig(name="held")
    cfg.data.train, cfg.data.split = [str(train)], [0.6, 0.2, 0.2]
    cfg.save(run / CONFIG_FILE)
    splits = splits_for(cfg)
    held = {q.strip() for q in splits.test["query"]}
    assert len(held) == 8
    texts = run_training_texts(run)
    assert texts.queries == {q.strip() for q in splits.train["query"]} | {q.strip() for q in splits.validation["query"]}
    assert not texts.queries & held and len(texts.queries) == 32
    assert texts.passages == {p for ps in splits.train["pos"] for p in ps}
    assert run_training_texts(tmp_path / "nowhere") is None


def test_compare_on_scored_pairs_prints_a_verdict_over_pairs(tiny_model_path, tmp_path, capsys):
    """A scored-pair file (no passages): ``compare`` prints a ``verdict:`` line counting pairs and metrics.json
    keeps the Spearman interval and the pair count."""
    data = tmp_path / "scored.tsv"
    rows = [("pig feed protein", "feed for pigs needs protein", 4.5), ("bank loan rate", "the bank rate rises", 3.0),
            ("sow weaning weight", "dog runs", 0.5), ("猪饲料蛋白", "猪的饲料需要蛋白", 4.0), ("年度收入", "年度报告", 3.5)]
    data.write_text("sentence1\tsentence2\tscore\n" + "".join(f"{a}\t{b}\t{s}\n" for a, b, s in rows), encoding="utf-8")
    out = tmp_path / "report"
    assert main(["compare", "--data", str(data), "--base", str(tiny_model_path), "--tuned", str(tiny_model_path),
                 "--out", str(out)]) == 0
    said = capsys.readouterr().out
    assert "verdict: No detectable difference between 'tuned' and 'base' on spearman over 5 pairs " in said, said
    saved = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert saved["measured_on"]["n_pairs"] == 5
    spearman = saved["deltas_vs_base"]["tuned"]["spearman"]
    assert spearman["ci_low"] <= 0 <= spearman["ci_high"] and spearman["verdict"] == "no_difference"


def test_judgements_naming_missing_ids_are_counted_not_dropped_silently(beir, tiny_model_path, tmp_path, capsys):
    """qrels lines whose query or passage id the BEIR folder does not have are left out, and the data line and
    metrics.json say how many (a team's export with mismatched ids would otherwise be scored on fewer queries
    without a word)."""
    with open(beir / "qrels" / "test.tsv", "a", encoding="utf-8") as fh:
        fh.write("q0\tno-such-doc\t1\nno-such-query\td1\t1\nq2\td3\t0\n")  # a 0 grade is not a judgement of relevance
    out = tmp_path / "report"
    assert main(["evaluate", "--data", str(beir), "--model", str(tiny_model_path), "--out", str(out)]) == 0
    err = capsys.readouterr().err
    assert ("20 queries, 20 passages, 20 relevant pairs; 2 judgements left out: their query or passage id is not in "
            "the files, or the query has no text") in err, err
    saved = json.loads((out / METRICS_FILE).read_text(encoding="utf-8"))
    assert saved["measured_on"]["unmatched_judgements"] == 2


def test_a_model_that_does_not_exist_is_said_before_the_data_is_read(beir, tmp_path, capsys):
    """evaluate: the data line (printed once the data is read) never comes; compare without --base: the missing
    --tuned is named as missing, not as a reason to give --base."""
    assert main(["evaluate", "--data", str(beir), "--model", "nosuch"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: 'nosuch' is not a known model name") and "data:" not in err, err
    missing = tmp_path / "runs" / "gone"
    assert main(["compare", "--tuned", str(missing)]) == 2
    err = capsys.readouterr().err
    assert "--base" not in err and str(missing) in err, err


def test_compare_leaves_out_pairs_a_scored_pair_run_learned(tiny_model_path, tmp_path, capsys):
    """A run trained on scored pairs, compared on a file that repeats three of its pairs (one the other way round):
    those rows test nothing, so they are left out and said, and the verdict counts the other four."""
    import shutil

    from core.run_folder import CONFIG_FILE, FINAL_DIR, STATUS_FILE
    from core.training import TrainConfig

    pairs = tiny_pairs(20)
    run = tmp_path / "runs" / "sts-run"
    run.mkdir(parents=True)
    train = run / "sts-train.tsv"
    train.write_text("sentence1\tsentence2\tscore\n" + "".join(f"{q}\t{p}\t{i % 5}\n" for i, (q, p) in enumerate(pairs[:12])),
                     encoding="utf-8")
    cfg = TrainConfig(name="sts-run", model=str(tiny_model_path))
    cfg.data.train, cfg.data.split = [str(train)], [0.8, 0.2]
    cfg.save(run / CONFIG_FILE)
    shutil.copytree(tiny_model_path, run / FINAL_DIR)
    (run / STATUS_FILE).write_text(json.dumps({"status": "completed"}))
    rows = [pairs[0], pairs[5][::-1], pairs[11], *pairs[14:18]]
    data = tmp_path / "team-sts.tsv"
    data.write_text("sentence1\tsentence2\tscore\n" + "".join(f"{a}\t{b}\t{i}\n" for i, (a, b) in enumerate(rows)),
                    encoding="utf-8")
    out = tmp_path / "report"
    assert main(["compare", "--data", str(data), "--tuned", str(run / FINAL_DIR), "--base", str(tiny_model_path),
                 "--out", str(out)]) == 0
    printed = capsys.readouterr()
    assert ("left out 3 evaluation pairs that are training or validation pairs of the run; measured on the other 4"
            in printed.err), printed.err
    assert "over 4 pairs" in printed.out, printed.out
    saved = json.loads((out / METRICS_FILE).read_text(encoding="utf-8"))
    assert saved["measured_on"]["n_pairs"] == 4 and saved["measured_on"]["left_out_training_queries"] == 3
