"""Data tab through gradio_client: load, apply format / mapping, failed loads, and the header's active-dataset line."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(240)

NO_MAPS = [None] * 6


@pytest.fixture
def client(studio):
    """A fresh session (its own active dataset) on the running studio."""
    from gradio_client import Client

    return Client(studio["url"], verbose=False)


def load_sample(c):
    return c.predict("sample", "train.jsonl", None, None, "en", 1, 10, api_name="/data_load")


def upload(c, path: Path):
    from gradio_client import handle_file

    return c.predict("upload", None, handle_file(str(path)), None, "en", 1, 10, api_name="/data_load")


def banner(c, lang: str = "en") -> str:
    return c.predict(lang, api_name="/active_dataset")


def preview_col(out, name: str) -> list:
    preview = out[10]
    i = preview["headers"].index(name)
    return [r[i] for r in preview["data"]]


@pytest.fixture
def qa_csv(tmp_path) -> Path:
    p = tmp_path / "qa.csv"
    p.write_text("question,answer,other\n"
                 "how do pigs digest corn,pigs digest corn in the small intestine,the barn roof is painted red\n"
                 "what water do sows need,sows need clean water all day,the tractor was bought in spring\n"
                 "when are piglets weaned,piglets are weaned at about four weeks,the farm office opens at nine\n",
                 encoding="utf-8")
    return p


def test_apply_on_the_sample_keeps_its_files(client, studio):
    load_sample(client)
    out = client.predict("en", 1, 10, "qpn", "query", "pos", "neg", None, None, None, api_name="/data_apply")
    assert out[0].startswith("Loaded 40 of 40 rows") and out[1]["value"] == "qpn"
    assert [m["value"] for m in out[2:5]] == ["query", "pos", "neg"]
    assert banner(client) == "**Active dataset:** sample: train.jsonl · qpn · 40 rows"
    # the sample's validation / test / BEIR paths survive the apply (the train config still gets them)
    from tests.ui.test_client import train_args

    est = client.predict(*train_args(studio["model"], "apply-check"), api_name="/train_estimate")
    assert str(studio["sample"] / "validation.jsonl") in est[2] and str(studio["sample"] / "test.jsonl") in est[2]


def test_apply_changes_mapping_and_format(client, qa_csv):
    out = upload(client, qa_csv)
    assert out[1]["value"] == "pair" and [m["value"] for m in out[2:4]] == ["question", "answer"]
    # map the positive to another column: the preview shows that column's text
    out = client.predict("en", 1, 10, "pair", "question", "other", *NO_MAPS[2:], api_name="/data_apply")
    preview = out[10]
    assert preview["headers"][:3] == ["_row", "anchor", "positive"]
    assert [r[2] for r in preview["data"]][0] == "the barn roof is painted red"
    assert banner(client) == "**Active dataset:** qa.csv · pair · 3 rows"
    # a new format whose extra role cannot be detected: the error names it, and its roles are now offered to map
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=r"The triplet format needs a column for 'negative'"):
        client.predict("en", 1, 10, "triplet", "question", "other", *NO_MAPS[2:], api_name="/data_apply")
    assert banner(client) == "**Active dataset:** qa.csv · pair · 3 rows"  # still the pair reading
    out = client.predict("en", 1, 10, "triplet", "question", "answer", "other", *NO_MAPS[3:], api_name="/data_apply")
    assert out[1]["value"] == "triplet" and "as triplet" in out[0]
    assert preview_col(out, "negative")[0] == "the barn roof is painted red"
    assert [m["label"] for m in out[2:8] if m.get("visible")] == ["anchor", "positive", "negative"]
    assert "· triplet ·" in banner(client)
    assert banner(client, "zh") == "**当前数据集：** qa.csv · triplet · 3 行"


def test_apply_bad_mapping_is_one_sentence_and_keeps_the_dataset(client, qa_csv):
    from gradio_client.exceptions import AppError

    upload(client, qa_csv)
    with pytest.raises(AppError, match=r"positive=no_such_column names a column that qa.csv does not have; "
                                       r"available columns: 'question', 'answer', 'other'"):
        client.predict("en", 1, 10, "pair", "question", "no_such_column", *NO_MAPS[2:], api_name="/data_apply")
    assert banner(client) == "**Active dataset:** qa.csv · pair · 3 rows"


def test_apply_without_data(client):
    from gradio_client.exceptions import AppError

    assert "none" in banner(client)
    with pytest.raises(AppError, match="Load data in the Data tab first"):
        client.predict("en", 1, 10, "pair", "a", "b", *NO_MAPS[2:], api_name="/data_apply")


@pytest.mark.parametrize("name,content,error", [
    ("empty.csv", b"", "empty.csv is empty"),
    ("noise.csv", bytes(range(256)) * 4, "looks like a binary file"),
    # read and detected, but each row lacks one text: no row to train on, so it does not become the dataset
    ("useless.csv", b"question,answer\nwhat do sows eat,\n,barley and wheat\n",
     r"useless\.csv: none of its 2 rows is usable \(row \d: .*\); fix the file and load it again\."),
])
def test_an_unreadable_upload_keeps_the_active_dataset(client, tmp_path, name, content, error):
    """A file that cannot be read (or has no usable row): the error is raised, the dataset active before stays active and the status says
    so (it used to be cleared, so Apply then said "load data first")."""
    from gradio_client.exceptions import AppError

    load_sample(client)
    assert "sample: train.jsonl · qpn · 40 rows" in banner(client)
    bad = tmp_path / name
    bad.write_bytes(content)
    with pytest.raises(AppError, match=error):
        upload(client, bad)
    assert banner(client) == "**Active dataset:** sample: train.jsonl · qpn · 40 rows"
    status = client.predict("en", api_name="/data_language")[0]
    assert f"Could not load {name}: " in status and "Still active: sample: train.jsonl as qpn." in status, status
    out = client.predict("en", 1, 10, "qpn", "query", "pos", "neg", *NO_MAPS[3:], api_name="/data_apply")
    assert out[0].startswith("Loaded 40 of 40 rows")


def test_an_unreadable_upload_with_no_dataset_says_none_is_active(client, tmp_path):
    from gradio_client.exceptions import AppError

    bad = tmp_path / "empty.csv"
    bad.write_bytes(b"")
    with pytest.raises(AppError, match="empty.csv is empty"):
        upload(client, bad)
    assert banner(client) == "**Active dataset:** none. Load data in the Data tab or use a built set."
    assert "No dataset is active now" in client.predict("en", api_name="/data_language")[0]
    with pytest.raises(AppError, match="Load data in the Data tab first"):
        client.predict("en", 1, 10, "qpn", None, None, *NO_MAPS[2:], api_name="/data_apply")
    from tests.ui.test_client import train_args

    with pytest.raises(AppError):
        client.predict(*train_args("unused", "nope"), api_name="/train_estimate")


def test_a_missing_upload_keeps_the_active_dataset(client):
    from gradio_client.exceptions import AppError

    load_sample(client)
    with pytest.raises(AppError, match="Choose a training file"):
        client.predict("upload", None, None, None, "en", 1, 10, api_name="/data_load")
    assert "sample: train.jsonl · qpn · 40 rows" in banner(client)


def test_banner_in_the_browser_on_every_tab(studio):
    """Headless Chromium: the header line names the sample once the page has loaded it, and stays visible on the
    tabs that use the dataset."""
    from tests.ui.conftest import ARGS, CHROMIUM

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not installed; the browser check is skipped")
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(60_000)
            page.goto(studio["url"])
            line = page.locator("#active-dataset")
            expect(line).to_contain_text("Active dataset: sample: train.jsonl · qpn · 40 rows", timeout=90_000)
            for name in ("2. Build", "3. Train", "4. Evaluate", "5. Compare"):
                page.get_by_role("tab", name=name).click()
                expect(line).to_be_visible()
                expect(line).to_contain_text("sample: train.jsonl")
        finally:
            browser.close()


# ---------------------------------------------------------------------------------------- in-process: reads per load


def _last(gen) -> list:
    *_, out = list(gen)
    return out


def test_an_upload_is_read_once(app_fns, qa_csv):
    """Loading an upload reads the file once: the table read for the mapping dropdowns is the one checked (it used to
    be read again by ``load_data``, doubling time and peak memory for a large file)."""
    fns, reads = app_fns
    out = _last(fns["data_load"]("upload", None, str(qa_csv), None, "en", 1, 10, None, None))
    assert out[1].format == "pair" and len(out[1].df) == 3 and out[2] == ["question", "answer", "other"]
    assert reads == ["qa.csv"]


def test_an_upload_kept_to_map_by_hand_is_read_once(app_fns, tmp_path):
    fns, reads = app_fns
    p = tmp_path / "docs.jsonl"
    p.write_text('{"ask": "how do pigs digest corn", "docs": ["pigs digest corn in the small intestine"]}\n'
                 '{"ask": "what water do sows need", "docs": ["sows need clean water all day"]}\n', encoding="utf-8")
    out = _last(fns["data_load"]("upload", None, str(p), None, "en", 1, 10, None, None))
    assert out[-1] is not None and out[-1].train == str(p)  # pending: kept to map by hand
    assert "Could not tell what kind of data docs.jsonl holds" in out[5] and out[2] == ["ask", "docs"]
    assert reads == ["docs.jsonl"]


def test_the_sample_is_read_once(app_fns):
    fns, reads = app_fns
    out = _last(fns["data_load"]("sample", "train.jsonl", None, None, "en", 1, 10, None, None))
    assert out[1].format == "qpn" and len(out[1].df) == 40
    assert reads == ["train.jsonl"]


def test_a_beir_zip_upload_is_a_whole_dataset_that_trains_and_evaluates(client, studio, tmp_path):
    """A .zip of a BEIR folder: its train judgements are the training rows, its dev ones the validation, its corpus
    the knowledge base the run searches, its test set what Evaluate searches; a zip that holds no BEIR folder is
    one sentence and the dataset active before stays."""
    import yaml
    from gradio_client.exceptions import AppError

    from tests.conftest import write_beir, zip_folder
    from tests.ui.test_client import train_args

    folder = write_beir(tmp_path / "pigs", n=36)
    out = upload(client, zip_folder(folder, tmp_path / "pigs.zip", "pigs/"))
    assert out[0].startswith("Loaded 12 of 12 rows from train.jsonl as qpn."), out[0]
    assert banner(client) == "**Active dataset:** pigs.zip (BEIR) · qpn · 12 rows"
    assert client.predict("en", api_name="/evaluate_language")[4] == "Evaluation data: `beir`"
    est, _cli, config_yaml, _file = client.predict(*train_args(studio["model"], "beir-est", max_steps=2),
                                                   api_name="/train_estimate")
    assert "2 steps" in est, est
    data = yaml.safe_load(config_yaml)["data"]
    assert data["train"][0].endswith("/train.jsonl") and data["validation"][0].endswith("/validation.jsonl")
    assert data["test"][0].endswith("/test.jsonl") and data["corpus"].endswith("/passages.jsonl")

    lone = zip_folder(write_beir(tmp_path / "sows", splits=("test",), n=40), tmp_path / "sows.zip")
    out = upload(client, lone)  # test judgements only: a fifth of the queries held out as the test split, said so
    assert out[0].startswith("This BEIR data has no qrels/train.tsv: 8 of the 40 queries of qrels/test.tsv (20%, "
                             "seeded; queries that share a gold passage or their text stay together) are held out as "
                             "the test split, and the other 32 train.\n\nLoaded 32 of 32 rows from train.jsonl as qpn."), out[0]
    assert banner(client) == "**Active dataset:** sows.zip (BEIR) · qpn · 32 rows"
    assert client.predict("en", api_name="/evaluate_language")[4] == "Evaluation data: `beir`"

    plain = tmp_path / "plain.zip"
    import zipfile

    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("train.csv", "a,b\n")
    with pytest.raises(AppError, match=r"plain\.zip holds no BEIR folder: expected corpus\.jsonl and queries\.jsonl"):
        upload(client, plain)
    assert banner(client) == "**Active dataset:** sows.zip (BEIR) · qpn · 32 rows"


def test_keep_together_groups_a_beir_zips_split_and_a_files_validation(client, studio, tmp_path, qa_csv):
    """"Keep together" (``data.group_by``) read at Load: a BEIR zip's test split and the run's validation take whole
    companies, the status says so in both languages and the Train tab's config keeps the field; a field or column
    the data does not have is one sentence naming those it has, and the active dataset stays."""
    import yaml
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    from tests.conftest import write_beir, zip_folder
    from tests.ui.test_client import train_args

    firms = zip_folder(write_beir(tmp_path / "firms", splits=("test",), n=40, fields=lambda i: {"company": f"c{i % 8}"}),
                       tmp_path / "firms.zip")
    out = client.predict("upload", None, handle_file(str(firms)), None, "en", 1, 10, "company", api_name="/data_load")
    assert out[0].startswith("This BEIR data has no qrels/train.tsv: 10 of the 40 queries of qrels/test.tsv (20%, ")
    assert "the other 30 train.\n\nRows with the same 'company' (8 values) stay on one side of every split: " \
           "training, validation and test never share one.\n\nLoaded 30 of 30 rows" in out[0], out[0]
    config_yaml = client.predict(*train_args(studio["model"], "firms-est", max_steps=2), api_name="/train_estimate")[2]
    assert yaml.safe_load(config_yaml)["data"]["group_by"] == "company"
    zh = client.predict("zh", api_name="/data_language")[0]
    assert "'company' 相同的行（共 8 个取值）在每次划分中都留在同一边" in zh, zh

    with pytest.raises(AppError, match=r"data\.group_by 'ticker': no query in queries\.jsonl of the BEIR data "
                                       r"'firms\.zip' has that field to keep its queries together by \(its query "
                                       r"fields: company\)\."):
        client.predict("upload", None, handle_file(str(firms)), None, "en", 1, 10, "ticker", api_name="/data_load")
    assert banner(client) == "**Active dataset:** firms.zip (BEIR) · qpn · 30 rows"

    out = client.predict("upload", None, handle_file(str(qa_csv)), None, "en", 1, 10, "other", api_name="/data_load")
    assert out[0].startswith("Rows with the same 'other' (3 values) stay on one side of every split"), out[0]
    config_yaml = client.predict(*train_args(studio["model"], "qa-est", max_steps=2), api_name="/train_estimate")[2]
    assert yaml.safe_load(config_yaml)["data"]["group_by"] == "other"
    with pytest.raises(AppError, match=r"data\.group_by names the column 'nope', which the training data does not "
                                       r"have \(columns: question, answer, other\)\."):
        client.predict("upload", None, handle_file(str(qa_csv)), None, "en", 1, 10, "nope", api_name="/data_load")
    assert banner(client) == "**Active dataset:** qa.csv · pair · 3 rows"
    out = upload(client, qa_csv)  # left empty: no grouping
    config_yaml = client.predict(*train_args(studio["model"], "qa-est", max_steps=2), api_name="/train_estimate")[2]
    assert yaml.safe_load(config_yaml)["data"]["group_by"] is None


def test_a_tevatron_style_upload_loads_its_passage_objects(client, tmp_path):
    """Rows whose passages are objects (``{"docid", "title", "text"}``, Tevatron / MS MARCO style) load as qpn with
    each passage's title and text, shown in the preview."""
    import json

    rows = [{"query_id": str(i), "query": f"question {i} about sows",
             "positive_passages": [{"docid": f"d{i}", "title": f"Title {i}", "text": f"answer {i} about sows"}],
             "negative_passages": [{"docid": f"n{i}", "title": "", "text": f"unrelated text {i}"}]} for i in range(3)]
    path = tmp_path / "tevatron.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    out = upload(client, path)
    assert out[0].startswith("Loaded 3 of 3 rows from tevatron.jsonl as qpn."), out[0]
    assert preview_col(out, "pos")[0] == "Title 0 answer 0 about sows"


def test_an_uploaded_test_file_is_held_out_and_the_train_config_keeps_it(client, studio, tmp_path, qa_csv):
    """The Data tab's test file (optional): read at Load (a file that cannot be read is one sentence and the active
    dataset stays), said in the status in both languages, kept as the run's data.test by the Train tab's config, and
    refused beside a BEIR zip, which brings its own test judgements."""
    import yaml
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    from tests.conftest import write_beir, zip_folder
    from tests.ui.test_client import train_args

    held = tmp_path / "held-out.csv"
    held.write_text("question,answer\nwhat do sows eat,sows eat corn and soybean meal\n", encoding="utf-8")
    out = client.predict("upload", None, handle_file(str(qa_csv)), None, "en", 1, 10, None, handle_file(str(held)),
                         api_name="/data_load")
    assert out[0].startswith("Test file held-out.csv: held out of training and validation; Evaluate measures"), out[0]
    config_yaml = client.predict(*train_args(studio["model"], "held-est", max_steps=2), api_name="/train_estimate")[2]
    assert [Path(p).name for p in yaml.safe_load(config_yaml)["data"]["test"]] == ["held-out.csv"]
    assert "测试文件 held-out.csv：不参与训练和验证" in client.predict("zh", api_name="/data_language")[0]

    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"\x00\x01\x02")
    with pytest.raises(AppError, match="bad.bin"):
        client.predict("upload", None, handle_file(str(qa_csv)), None, "en", 1, 10, None, handle_file(str(bad)),
                       api_name="/data_load")
    assert banner(client) == "**Active dataset:** qa.csv · pair · 3 rows"
    twice = tmp_path / "again" / "qa copy.csv"  # the training file uploaded again as the test file
    twice.parent.mkdir()
    twice.write_bytes(qa_csv.read_bytes())
    with pytest.raises(AppError, match=r"data\.test lists qa copy\.csv, which is also training data \(data\.train\); "
                                       r"the delivered model would be chosen on queries it trained on\."):
        client.predict("upload", None, handle_file(str(qa_csv)), None, "en", 1, 10, None, handle_file(str(twice)),
                       api_name="/data_load")
    with pytest.raises(AppError, match=r"data\.validation lists qa copy\.csv, which is also training data"):
        client.predict("upload", None, handle_file(str(qa_csv)), handle_file(str(twice)), "en", 1, 10,
                       api_name="/data_load")
    assert banner(client) == "**Active dataset:** qa.csv · pair · 3 rows"
    firms = zip_folder(write_beir(tmp_path / "firms", splits=("test",), n=20), tmp_path / "firms.zip")
    with pytest.raises(AppError, match=r"firms\.zip is a BEIR folder's zip, which brings its own test judgements; "
                                       r"leave the test file empty\."):
        client.predict("upload", None, handle_file(str(firms)), None, "en", 1, 10, None, handle_file(str(held)),
                       api_name="/data_load")


def test_an_uploaded_file_is_kept_where_a_run_finds_it_after_the_upload_folder_is_gone(client, studio, tmp_path):
    """A web upload lands in the server's temporary folder, which a restart empties; the run's config names its
    data files (Resume, Evaluate and Compare read them again). The Data tab keeps the file it loads under the
    datasets folder, and the config the Train tab writes names that copy; the same content uploaded again is one
    copy."""
    import yaml

    from tests.ui.test_client import train_args

    rows = "question,answer\n" + "".join(f"what is pig fact {i},pig fact {i} is a thing\n" for i in range(30))
    mine = tmp_path / "team pairs.csv"
    mine.write_text(rows, encoding="utf-8")
    assert upload(client, mine)[0].startswith("Loaded 30 of 30 rows from team pairs.csv")
    _est, _cli, config_yaml, _file = client.predict(*train_args(studio["model"], "kept-upload", max_steps=2),
                                                    api_name="/train_estimate")
    train = Path(yaml.safe_load(config_yaml)["data"]["train"][0])
    uploads = (studio["datasets"] / "uploads").resolve()
    assert uploads in train.resolve().parents and train.name == "team-pairs.csv", train
    assert train.read_text(encoding="utf-8") == rows
    again = tmp_path / "again" / "team pairs.csv"
    again.parent.mkdir()
    again.write_text(rows, encoding="utf-8")
    upload(client, again)
    assert len(list(uploads.rglob("team-pairs.csv"))) == 1  # (other tests of this studio upload other files)


@pytest.mark.parametrize("lang, said", [
    ("en", "Column 'score' holds similarity scores that the pair format does not read"),
    ("zh", "列 'score' 是相似度分数，pair 格式不会读取它"),
])
def test_reading_scored_pairs_as_plain_pairs_warns_in_the_issues_table(client, tmp_path, lang, said):
    """STS-style pairs read as the pair format: every row would train as a match, the 0.2-scored one too. The
    issues table says which column goes unread and which format reads it."""
    sts = tmp_path / "sts.tsv"
    sts.write_text("sentence1\tsentence2\tscore\na cat sits\ta cat is sitting\t4.5\nthe dog\ta car\t0.2\n"
                   "big house\tlarge home\t4.0\n", encoding="utf-8")
    assert upload(client, sts)[1]["value"] == "scored_pair"
    out = client.predict(lang, 1, 10, "pair", "sentence1", "sentence2", *NO_MAPS[2:], api_name="/data_apply")
    assert any(said in " ".join(str(c) for c in row) for row in out[9]["data"]), out[9]
