"""``python -m core train`` on bad input and on resume: every check happens before a run folder is created or
touched (a typo never blocks the name, a failed resume never marks a finished run failed), the saved config holds
absolute paths (it resumes from any folder), and a run that trained every planned step is not trained again."""

from __future__ import annotations

import json
import shutil

import pytest

from core.cli import main
from core.run_folder import CHECKPOINTS_DIR, CONFIG_FILE, EV_DATA, EV_RECIPE, STATUS_FILE
from core.training import read_status
from core.training.config import TrainConfig

pytestmark = pytest.mark.usefixtures("no_orphans")  # tests/core/training/conftest.py


def _train(*args: str) -> int:
    return main(["train", *args, "--lr", "5e-4", "--batch-size", "8"])


def test_a_typo_leaves_no_run_folder_and_the_corrected_run_takes_the_name(tiny_model_path, format_file, tmp_runs,
                                                                           tmp_path, capsys):
    data = format_file("pair")
    for bad, said in ((["--data", str(tmp_path / "nonexist.jsonl"), "--model", str(tiny_model_path)], "does not exist"),
                      (["--data", str(data), "--model", str(tmp_path / "no-model")], "does not exist"),
                      (["--data", str(data), "--model", str(tiny_model_path), "--loss", "CoSENTLoss"], "CoSENTLoss")):
        assert _train(*bad, "--name", "t_typo", "--max-steps", "2") == 2
        assert said in capsys.readouterr().err
        assert not (tmp_runs / "t_typo").exists()
    assert _train("--data", str(data), "--model", str(tiny_model_path), "--name", "t_typo", "--max-steps", "2") == 0
    assert read_status(tmp_runs / "t_typo")["status"] == "completed"


def test_names_with_folders_are_refused_and_a_missing_run_is_named(tiny_model_path, format_file, tmp_runs, capsys):
    data = format_file("pair")
    for name in ("../escape", "/etc/passwd", "a/b"):
        assert _train("--data", str(data), "--model", str(tiny_model_path), "--name", name, "--max-steps", "2") == 2
        assert "is not a run name" in capsys.readouterr().err
    assert not (tmp_runs.parent / "escape").exists() and not list(tmp_runs.glob("*"))
    assert main(["train", "--run-dir", "nosuch", "--resume"]) == 2
    assert "There is no run named 'nosuch'" in capsys.readouterr().err


def test_the_saved_config_resumes_from_any_folder_and_a_finished_run_is_not_trained_again(
        tiny_model_path, format_file, tmp_runs, tmp_path, monkeypatch, capsys):
    """Relative --data and --model become absolute in config.yaml; resuming a run that trained all its planned
    steps is refused without touching it; raising max_steps resumes it, and a damaged status.json does not lose
    the base model's score (the step-0 evaluation event has it)."""
    work = tmp_path / "work"
    work.mkdir()
    source = format_file("pair")
    data = f"pairs{source.suffix}"
    shutil.copy(source, work / data)
    shutil.copytree(tiny_model_path, work / "model")
    monkeypatch.chdir(work)
    assert _train("--data", data, "--model", "./model", "--name", "relp", "--max-steps", "2") == 0
    run = tmp_runs / "relp"
    # the command line says what the Train tab's log says, in order, each once, and no raw trainer log dict
    printed = capsys.readouterr()
    said = printed.err.splitlines()
    assert not [ln for ln in (printed.out + printed.err).splitlines() if ln.lstrip().startswith("{'")], printed
    order = [next(i for i, line in enumerate(said) if line.startswith(head)) for head in
             ("data: pair", "recipe auto: ", "plan: 2 steps", "eval step 0: ", "eval step 2: ", "delivery (",
              "status: completed")]
    assert order == sorted(order) and sum(line.startswith("plan: ") for line in said) == 1, said
    saved = TrainConfig.load(run / CONFIG_FILE)
    assert saved.data.train == [str(work / data)] and saved.model == str(work / "model")
    before = read_status(run)
    assert before["status"] == "completed" and before["step"] == 2 and before["baseline"] is not None
    checkpoints = sorted(p.name for p in (run / CHECKPOINTS_DIR).iterdir())

    monkeypatch.chdir(tmp_path)  # elsewhere: the run's own config still finds its data and model
    assert main(["train", "--run-dir", "relp", "--resume"]) == 2
    assert "has completed its 2 planned steps: there is nothing to resume" in capsys.readouterr().err
    assert read_status(run) == before and sorted(p.name for p in (run / CHECKPOINTS_DIR).iterdir()) == checkpoints

    # its data moved: a resume asking for more steps is refused, and the finished run stays completed
    (work / data).rename(work / "moved")
    saved.hyper.max_steps = 4
    saved.save(run / CONFIG_FILE)
    assert main(["train", "--run-dir", "relp", "--resume"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert read_status(run)["status"] == "completed"
    (work / "moved").rename(work / data)

    (run / STATUS_FILE).write_text('{"status": ', encoding="utf-8")  # damaged
    assert main(["train", "--run-dir", "relp", "--resume"]) == 0
    said = capsys.readouterr().err.splitlines()  # only what the resumed process adds: step 0 was the first one's
    assert "status: completed" in said and not [line for line in said if line.startswith("eval step 0:")], said
    after = read_status(run)
    assert after["status"] == "completed" and after["step"] == 4
    assert after["baseline"] == pytest.approx(before["baseline"]), json.dumps(after)[:500]


def test_runs_table_header_cannot_be_mistaken_for_a_run_named_run(tmp_runs, capsys):
    """``python -m core runs``: a header that no run row can look like; each run's delivered model with its
    validation score and its gain over the base with the 95% interval and verdict (a damaged gain: "-")."""
    gain = {"n": 124, "diff": 0.0856, "ci_low": 0.0485, "ci_high": 0.124, "verdict": "better"}
    runs = (("run", {"status": "completed", "delivered": "blend-0.5", "delivered_metric": 0.6134, "delivered_gain": gain}),
            ("other", {"status": "failed"}),
            ("damaged", {"status": "completed", "delivered": "final", "delivered_metric": "high",
                         "delivered_gain": dict(gain, diff="0.1")}))
    for name, status in runs:
        (tmp_runs / name).mkdir(parents=True)
        (tmp_runs / name / CONFIG_FILE).write_text(f"name: {name}\n", encoding="utf-8")
        (tmp_runs / name / STATUS_FILE).write_text(json.dumps({"step": 3, **status}), encoding="utf-8")
    assert main(["runs"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["RUN", "STATUS", "METRIC", "BASE", "BEST", "DELIVERED", "VS_BASE", "STEP"]
    assert set(lines[1]) == {"-"} and len(lines[1]) == len(lines[0])
    rows = {line.split()[0]: line for line in lines[2:]}
    assert sorted(rows) == ["damaged", "other", "run"]
    assert "blend-0.5 0.6134" in rows["run"] and "+0.0856 [+0.0485, +0.1240] better" in rows["run"]
    assert "final -" in rows["damaged"] and "[" not in rows["damaged"]


def test_the_train_folder_is_checked_before_anything_is_written(tiny_model_path, format_file, tmp_runs, tmp_path,
                                                                capsys):
    """--run-dir outside the runs folder, a folder holding a finished run or a user's files (without --resume),
    a run name that is a file, and --resume of a run that is not there: each refused in one sentence, nothing
    written or deleted; a folder prepared with only its config.yaml still trains."""
    data = format_file("pair")
    common = ["--data", str(data), "--model", str(tiny_model_path), "--max-steps", "1"]
    outside = tmp_path / "elsewhere"
    assert _train(*common, "--run-dir", str(outside)) == 2
    assert "is outside the runs folder" in capsys.readouterr().err and not outside.exists()

    assert _train(*common, "--name", "done") == 0
    done = tmp_runs / "done"
    before = sorted(p.relative_to(done) for p in done.rglob("*"))
    assert _train(*common, "--run-dir", "done") == 2
    assert "already holds a run; use --resume" in capsys.readouterr().err
    assert sorted(p.relative_to(done) for p in done.rglob("*")) == before

    mine = tmp_runs / "mine"
    (mine / "final").mkdir(parents=True)
    (mine / "final" / "my_model.bin").write_bytes(b"precious")
    assert _train(*common, "--run-dir", "mine") == 2
    assert "already holds files that are not a run" in capsys.readouterr().err
    assert (mine / "final" / "my_model.bin").read_bytes() == b"precious"

    (tmp_runs / "notes.txt").write_text("x", encoding="utf-8")
    assert _train(*common, "--name", "notes.txt") == 2
    assert "is a file in the runs folder, not a run folder" in capsys.readouterr().err

    assert _train(*common, "--name", "nosuch2", "--resume") == 2
    assert "There is no run named 'nosuch2'" in capsys.readouterr().err and not (tmp_runs / "nosuch2").exists()

    prepared = tmp_runs / "prepared"
    prepared.mkdir()
    cfg = TrainConfig(name="prepared", model=str(tiny_model_path))
    cfg.data.train = [str(data)]
    cfg.hyper.max_steps = 1
    cfg.save(prepared / CONFIG_FILE)
    assert main(["train", "--run-dir", "prepared"]) == 0
    assert read_status(prepared)["status"] == "completed"


@pytest.mark.parametrize("sets, said", [
    (["hyper.epochs=abc"], "error: --set: 'hyper.epochs' must be a finite number (> 0 and <= 10000 or empty), got 'abc'."),
    (["nokey"], "error: --set 'nokey' must be KEY=VALUE with a config key such as hyper.epochs=2."),
    (["hyper..epochs=2"], "error: --set 'hyper..epochs=2' must be KEY=VALUE with a config key such as hyper.epochs=2."),
    (["hyper.nosuch=1"], "error: --set: unknown setting 'hyper.nosuch' (known: "),
    (["hyper.bf16=maybe"], "error: --set: 'hyper.bf16' must be"),
    (["hyper.epochs=2", "hyper.epochs.x.y=1"], "error: --set 'hyper.epochs.x.y=1': 'hyper.epochs' is a setting, not a "
                                               "group of settings."),
    (["trust_remote_code=yes"], "error: --set: 'trust_remote_code' must be true or false (a YAML boolean, not text)"),
    (["trust_remote_code=on"], "error: --set: 'trust_remote_code' must be true or false (a YAML boolean, not text)"),
])
def test_set_fixes_any_setting_type_checked(format_file, tmp_path, capsys, sets, said):
    """``train --set KEY=VALUE`` (the README's ``--set data.neg_nums=7``): a YAML value at any depth, after the other
    flags, type-checked like a config file, each mistake one sentence naming --set; nothing is written for them."""
    data = format_file("pair")
    target = tmp_path / "w.yaml"
    argv = ["train", "--data", str(data), "--write-config", str(target)]
    assert main([*argv[:3], "--batch-size", "8", "--set", "data.neg_nums=7", "--set", "hyper.batch_size=16",
                 "--set", "loss.name=MultipleNegativesRankingLoss", "--set", "loss.params.scale=30", *argv[3:]]) == 0
    saved = TrainConfig.load(target)
    assert (saved.data.neg_nums, saved.hyper.batch_size, saved.loss.params) == (7, 16, {"scale": 30})
    target.unlink()
    capsys.readouterr()
    assert main([*argv[:3], *[x for s in sets for x in ("--set", s)], *argv[3:]]) == 2
    assert capsys.readouterr().err.startswith(said)
    assert not target.exists()


def test_write_config_writes_yaml_only_and_never_over_the_data(format_file, tmp_path, capsys):
    data = tmp_path / "victim.jsonl"
    data.write_bytes(format_file("pair").read_bytes())
    kept = data.read_bytes()
    for target, said in ((data, "ending in .yaml or .yml"), (tmp_path, "ending in .yaml"),
                         ("/dev/full", "ending in .yaml")):
        assert main(["train", "--data", str(data), "--write-config", str(target)]) == 2
        assert said in capsys.readouterr().err
    (tmp_path / "dir.yaml").mkdir()
    assert main(["train", "--data", str(data), "--write-config", str(tmp_path / "dir.yaml")]) == 2
    assert "not a regular file" in capsys.readouterr().err
    assert data.read_bytes() == kept
    assert main(["train", "--data", str(data), "--write-config", str(tmp_path / "run.yaml")]) == 0
    assert TrainConfig.load(tmp_path / "run.yaml").data.train == [str(data)]


def test_a_length_the_model_cannot_read_is_refused_before_the_run(tiny_model_path, format_file, tmp_runs, capsys):
    """hyper.max_seq_length above what the model reads (the tiny model: 64 tokens) crashed mid-run on the first long
    text; it is refused by the CLI before a folder is made, and by the studio's Start."""
    from core.errors import ConfigError
    from core.models.sources import check_max_length, max_tokens
    from core.training import start_run

    assert max_tokens(tiny_model_path) == 64
    check_max_length(str(tiny_model_path), 64)
    data = format_file("pair")
    cfg = TrainConfig(name="long", model=str(tiny_model_path))
    cfg.data.train = [str(data)]
    cfg.hyper.max_seq_length = 100_000
    cfg.save(tmp_runs.parent / "long.yaml")
    assert main(["train", "--config", str(tmp_runs.parent / "long.yaml")]) == 2
    said = capsys.readouterr().err
    assert "hyper.max_seq_length is 100000, but the model" in said and "reads at most 64 tokens" in said
    assert not (tmp_runs / "long").exists()
    with pytest.raises(ConfigError, match="reads at most 64 tokens"):
        start_run(cfg)
    assert not (tmp_runs / "long").exists()


def test_stopping_a_finished_run_says_so_and_leaves_no_stop_file(tiny_model_path, format_file, tmp_runs, capsys):
    from core.run_folder import STOP_FILE

    assert _train("--data", str(format_file("pair")), "--model", str(tiny_model_path), "--name", "fin",
                  "--max-steps", "1") == 0
    capsys.readouterr()
    assert main(["stop", "fin"]) == 0
    assert "fin is not running (it is completed); there is nothing to stop" in capsys.readouterr().out
    assert not (tmp_runs / "fin" / STOP_FILE).exists()


def test_a_beir_folder_trains_as_a_whole_dataset_and_its_zip_is_compared_on_its_test_split(
        tiny_model_path, tmp_runs, tmp_path, capsys):
    """``train --data FOLDER``: the folder's train judgements train, its corpus is the knowledge base the validation
    searches, its test judgements are the run's test split; ``compare --data FOLDER.zip`` searches the test queries
    over the whole corpus. A BEIR folder given with another data file is refused before anything is written."""
    from tests.conftest import write_beir, zip_folder

    folder = write_beir(tmp_path / "pigs", n=36)
    assert _train("--data", str(folder), str(folder / "corpus.jsonl"), "--model", str(tiny_model_path),
                  "--name", "t_beir", "--max-steps", "2") == 2
    assert "is a BEIR dataset (corpus, queries and judgements); give it alone" in capsys.readouterr().err
    assert not (tmp_runs / "t_beir").exists()

    assert _train("--data", str(folder), "--model", str(tiny_model_path), "--name", "t_beir", "--max-steps", "2") == 0
    err = capsys.readouterr().err
    assert "BEIR dataset" in err and "12 train queries, 12 validation queries, 12 test queries" in err
    cfg = TrainConfig.load(tmp_runs / "t_beir" / CONFIG_FILE)
    made = tmp_path / "datasets"
    assert cfg.data.format == "qpn" and cfg.data.train[0].startswith(str(made))
    assert cfg.data.validation[0].endswith("validation.jsonl") and cfg.data.test[0].endswith("test.jsonl")
    assert cfg.data.corpus.endswith("passages.jsonl")
    status = read_status(tmp_runs / "t_beir")
    assert status["status"] == "completed" and status.get("delivered")
    events = [json.loads(line) for line in (tmp_runs / "t_beir" / "events.jsonl").read_text().splitlines()]
    on = next(e["measured_on"] for e in events if e["type"] == "eval")
    assert on["n_queries"] == 12 and on["n_passages"] == 36  # the dev queries over the whole corpus

    z = zip_folder(folder, tmp_path / "pigs.zip")
    assert main(["compare", "--data", str(z), "--base", str(tiny_model_path),
                 "--tuned", str(tmp_runs / "t_beir" / "delivered")]) == 0
    out = capsys.readouterr().out
    assert "verdict:" in out and "12 queries" in out


def test_a_gzipped_beir_folder_trains_and_is_compared_as_the_plain_one(tiny_model_path, tmp_runs, tmp_path, capsys):
    """``train --data FOLDER`` and ``compare --data FOLDER`` on a folder of corpus.jsonl.gz / queries.jsonl.gz (as the
    Hugging Face BeIR sets ship): the same splits as the plain folder gives, the user's folder left as it is."""
    from tests.conftest import gzip_beir, write_beir

    folder = gzip_beir(write_beir(tmp_path / "boars", n=36))
    before = sorted(p.name for p in folder.rglob("*"))
    assert _train("--data", str(folder), "--model", str(tiny_model_path), "--name", "t_gz", "--max-steps", "1") == 0
    assert "12 train queries, 12 validation queries, 12 test queries" in capsys.readouterr().err
    assert read_status(tmp_runs / "t_gz")["status"] == "completed"
    cfg = TrainConfig.load(tmp_runs / "t_gz" / CONFIG_FILE)
    assert cfg.data.corpus.endswith("passages.jsonl") and cfg.data.test[0].endswith("test.jsonl")
    assert main(["compare", "--data", str(folder), "--base", str(tiny_model_path), "--tuned", str(tmp_runs / "t_gz")]) == 0
    captured = capsys.readouterr()
    assert "verdict:" in captured.out and "12 queries" in captured.out
    assert sorted(p.name for p in folder.rglob("*")) == before


def test_group_by_keeps_a_query_field_whole_in_the_test_split_and_in_validation(tiny_model_path, tmp_runs, tmp_path,
                                                                               capsys):
    """``train --data FOLDER --group-by company``: the test split the studio holds out of a lone judgement file and
    the validation split the recipe holds out of training each take whole companies, the plan says so, the run
    trains, and its saved config and command keep the field."""
    from core.training.data import splits_for
    from core.training.events import read_events
    from tests.conftest import write_beir

    folder = write_beir(tmp_path / "firms", splits=("test",), n=40, fields=lambda i: {"company": f"c{i % 8}"})
    assert _train("--data", str(folder), "--group-by", "company", "--model", str(tiny_model_path), "--name", "t_firms",
                  "--max-steps", "1") == 0
    assert "their text or their 'company' on one side" in capsys.readouterr().err
    cfg = TrainConfig.load(tmp_runs / "t_firms" / CONFIG_FILE)
    assert cfg.data.group_by == "company"
    splits = splits_for(cfg)
    sides = [set(df["company"]) for df in (splits.train, splits.validation, splits.test)]
    assert all(sides) and not (sides[0] & sides[1] or sides[0] & sides[2] or sides[1] & sides[2])
    recipe = [c for e in read_events(tmp_runs / "t_firms")[0] if e["type"] == EV_RECIPE for c in e["choices"]]
    assert any("whole 'company' groups" in c["reason"] for c in recipe)
    # the field is checked before any run folder is made
    assert _train("--data", str(folder), "--group-by", "ticker", "--model", str(tiny_model_path), "--name", "t_nofield") != 0
    assert "no query in queries.jsonl of the BEIR data 'firms' has that field" in capsys.readouterr().err
    assert not (tmp_runs / "t_nofield").exists()


def test_a_beir_folder_with_test_judgements_only_trains_on_four_fifths_and_is_compared_on_the_rest(
        tiny_model_path, tmp_runs, tmp_path, capsys):
    """Many BEIR sets ship one judgement file: ``train --data FOLDER`` holds a seeded fifth of its queries out as
    the test split and trains on the rest; ``compare --data FOLDER --tuned RUN`` compares the run's delivered model
    and leaves out the queries the run trained or validated on, so it measures the held-out ones."""
    from tests.conftest import write_beir

    folder = write_beir(tmp_path / "sows", splits=("test",), n=40)
    assert _train("--data", str(folder), "--model", str(tiny_model_path), "--name", "t_lone", "--max-steps", "2") == 0
    err = capsys.readouterr().err
    assert "32 train queries, 8 test queries (no qrels/train.tsv: the 40 queries of qrels/test.tsv split, 20% held out" in err
    cfg = TrainConfig.load(tmp_runs / "t_lone" / CONFIG_FILE)
    assert cfg.data.test[0].endswith("test.jsonl") and not cfg.data.validation
    assert main(["compare", "--data", str(folder), "--base", str(tiny_model_path),
                 "--tuned", str(tmp_runs / "t_lone")]) == 0  # the run folder: its delivered model
    captured = capsys.readouterr()
    assert "left out 32 evaluation queries that are training or validation queries of the run; measured on the other 8" \
        in captured.err
    data_line = next(line for line in captured.err.splitlines() if line.startswith("data: "))
    assert data_line.endswith("(40 queries, 40 passages, 80 relevant pairs); the compared run's training and "
                              "validation queries among them are left out"), data_line
    assert "verdict:" in captured.out and " 8 queries" in captured.out


def test_a_run_trained_with_test_files_is_compared_on_them_without_data_or_base(tiny_model_path, format_file, tmp_runs,
                                                                               tmp_path, capsys):
    """``train --test FILE`` holds those rows out of training and validation; ``compare --tuned runs/NAME`` with no
    --data and no --base then compares the model the run started from with its delivered model on them, their
    queries searching every passage the run knows. Without a test split, or with a --tuned model that is not a run,
    compare asks for --data in one sentence."""
    import csv

    from tests.conftest import tiny_pairs

    data = format_file("pair", 40)
    test = tmp_path / "held" / "test.csv"
    test.parent.mkdir()
    with open(test, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([("anchor", "positive"), *tiny_pairs(52)[40:]])
    assert _train("--data", str(data), "--test", str(data), "--model", str(tiny_model_path), "--name", "t_same",
                  "--max-steps", "1") == 2
    assert "data.test lists pairs.csv, which is also training data" in capsys.readouterr().err
    assert not (tmp_runs / "t_same").exists()

    assert _train("--data", str(data), "--test", str(test), "--model", str(tiny_model_path), "--name", "t_test",
                  "--max-steps", "2") == 0
    cfg = TrainConfig.load(tmp_runs / "t_test" / CONFIG_FILE)
    assert cfg.data.test == [str(test)]
    said = capsys.readouterr().err.strip().splitlines()[-1]
    assert said == f"next: measure the delivered model against its base on the run's held-out test queries: python -m core compare --tuned {tmp_runs / 't_test'}"
    assert main(["compare", "--tuned", str(tmp_runs / "t_test")]) == 0
    captured = capsys.readouterr()
    assert "data: t_test test (12 queries, 52 passages, " in captured.err, captured.err  # 40 trained on + 12 held out
    assert "verdict:" in captured.out and "12 queries" in captured.out
    # the run's own test file given as --data is read the same way (and the Evaluate tab's evalset_for does it too)
    assert main(["compare", "--tuned", str(tmp_runs / "t_test"), "--data", str(test)]) == 0
    assert "data: t_test test (12 queries, 52 passages, " in capsys.readouterr().err
    from core.training.data import evalset_for

    other = tmp_path / "held" / "other.csv"  # any other file: its rows search every passage the run knows too
    other.write_text("anchor,positive\nsow question one,a passage no run has seen\n" + "".join(
        f"{q},{p}\n" for q, p in tiny_pairs(52)[44:]), encoding="utf-8")
    mixed = evalset_for(other, tmp_runs / "t_test")
    assert len(mixed.queries) == 9 and len(mixed.corpus) == 53  # its 9 passages (8 the run's test ones) + 44 more
    assert mixed.name == "other.csv + runs/t_test", mixed.name
    assert len(evalset_for(other).corpus) == 9, "without a run: the file's own passages"
    assert len(evalset_for(test, tmp_runs / "t_test").corpus) == 52 and len(evalset_for(test).corpus) == 12

    assert _train("--data", str(data), "--model", str(tiny_model_path), "--name", "t_notest", "--max-steps", "1") == 0
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith(
        "next: the gain above was measured on the validation queries that chose the delivered model; ")
    # a test share that rounds to no rows holds nothing out: the line reads the run's own split, not its config
    tiny = TrainConfig(name="t_tiny_share", model=str(tiny_model_path))
    tiny.data.train, tiny.data.split = [str(data)], [0.9, 0.09, 0.01]  # 1% of 40 rows: none
    tiny.save(tmp_path / "tiny.yaml")
    assert _train("--config", str(tmp_path / "tiny.yaml"), "--max-steps", "1") == 0
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith(
        "next: the gain above was measured on the validation queries that chose the delivered model; ")
    from core.training import read_events

    counts = [e["counts"] for e in read_events(tmp_runs / "t_tiny_share")[0] if e["type"] == EV_DATA]
    assert counts and counts[-1]["test"] == 0, counts
    assert main(["compare", "--tuned", str(tmp_runs / "t_notest")]) == 2
    assert capsys.readouterr().err.strip() == ("error: Give --data: the run 't_notest' has no test split (it trained "
                                               "with no test file and no test share in data.split), so there is "
                                               "nothing held out to compare on.")
    assert main(["compare", "--tuned", str(tiny_model_path)]) == 2
    assert "Give --base: --tuned" in capsys.readouterr().err
    assert main(["compare", "--tuned", str(tiny_model_path), "--base", str(tiny_model_path)]) == 2
    assert "Give --data: --tuned" in capsys.readouterr().err
