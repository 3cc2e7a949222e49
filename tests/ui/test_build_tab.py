"""Build tab through gradio_client: every step with good and bad input, LLM mode against a scripted local
OpenAI-compatible server, the false-negative review, what cleaning and splitting dropped, and "use the built set"."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.timeout(300)

TYPED_KEY = "sk-typed-by-user-0123456789abcdef"
ENV_KEY = "sk-from-env-0123456789"  # set for the studio process in tests/ui/conftest.py


@pytest.fixture
def client(studio):
    from gradio_client import Client

    return Client(studio["url"], verbose=False)


def sample_passages(c):
    return c.predict(None, True, 512, 64, api_name="/build_passages")


def pairs(c, mode="pseudo", url="", model="", key="", env="", n=1, lang="en", rt=True, k=3, rt_model="bm25"):
    return c.predict(mode, url, model, key, env, n, lang, rt, k, rt_model, api_name="/build_pairs")


def mine(c, lo=0, hi=50, n=2, margin=0.05):
    return c.predict("bm25", lo, hi, n, margin, "en", api_name="/build_mine")


def test_passages_good_and_bad(client, tmp_path):
    from gradio_client import handle_file
    from gradio_client.exceptions import AppError

    said = sample_passages(client)[0]
    assert said.startswith("**60** passages") and "the passage size and overlap apply to uploaded documents" in said
    with pytest.raises(AppError, match="Upload documents or tick the sample passages box first"):
        client.predict(None, False, 512, 64, api_name="/build_passages")
    bad = tmp_path / "notes.xyz"
    bad.write_text("hello", encoding="utf-8")
    out = None
    try:
        out = client.predict([handle_file(str(bad))], False, 512, 64, api_name="/build_passages")
    except AppError as err:
        assert "notes.xyz" in str(err) and "Unexpected error" not in str(err)
    if out is not None:
        assert "notes.xyz" in out[0]


def test_an_unreadable_document_is_named_by_its_file_name_not_the_servers_upload_path(client, tmp_path):
    """Uploads live in the server's temporary folder: the line for a file that could not be read names the file as
    its owner knows it, in the studio's words (python-docx said "Package not found at '/tmp/gradio/...'")."""
    from gradio_client import handle_file

    good, bad = tmp_path / "farm notes.txt", tmp_path / "fake.docx"
    good.write_text("Sows need clean water every day. Piglets need a warm nest.", encoding="utf-8")
    bad.write_bytes(b"not a word file at all")
    out = client.predict([handle_file(str(good)), handle_file(str(bad))], False, 512, 64, api_name="/build_passages")
    assert ("- fake.docx: 'fake.docx' could not be read: it is not a readable Word document (a .docx is a zip of XML "
            "files; is it another kind of file named .docx?).") in out[0], out[0]
    assert "gradio" not in out[0] and "/tmp" not in out[0], out[0]


def test_llm_mode_sends_the_typed_key(client, fake_llm):
    sample_passages(client)
    out = pairs(client, "llm", fake_llm.base_url, "fake-model", TYPED_KEY, "STUDIO_NO_SUCH_API_KEY", 1, rt=False)
    assert out[0].startswith("**60** pairs from 60 passages (LLM)"), out[0]
    assert fake_llm.auth and set(fake_llm.auth) == {f"Bearer {TYPED_KEY}"}
    assert len(out[1]["data"]) == 60 and "Question 1 about" in out[1]["data"][0][0]


def test_llm_mode_reads_the_named_environment_variable(client, fake_llm, studio):
    sample_passages(client)
    out = pairs(client, "llm", fake_llm.base_url, "fake-model-env", "", "STUDIO_TEST_LLM_API_KEY", 1)
    assert "pairs from 60 passages (LLM)" in out[0]
    assert set(fake_llm.auth) == {f"Bearer {ENV_KEY}"}
    assert ENV_KEY.encode() not in studio["log"].read_bytes() and TYPED_KEY.encode() not in studio["log"].read_bytes()


def test_llm_mode_bad_input(client, fake_llm):
    from gradio_client.exceptions import AppError

    sample_passages(client)
    with pytest.raises(AppError, match=r"^LLM mode needs the endpoint's base URL"):
        pairs(client, "llm", "", "fake", TYPED_KEY, "", 1)
    with pytest.raises(AppError, match=r"^LLM mode needs an API key: type it, or name an environment variable that holds "
                                       r"it \(the variable STUDIO_NO_SUCH_API_KEY is not set\)\."):
        pairs(client, "llm", fake_llm.base_url, "fake", "", "STUDIO_NO_SUCH_API_KEY", 1)
    with pytest.raises(AppError, match=r"^LLM mode needs an API key"):
        pairs(client, "llm", fake_llm.base_url, "fake", "  ", "", 1)
    with pytest.raises(AppError, match="must be the NAME of an environment variable"):
        pairs(client, "llm", fake_llm.base_url, "fake", "", TYPED_KEY, 1)
    with pytest.raises(AppError, match="LLM mode needs"):
        pairs(client, "llm", "", "fake", "", "", 1)
    # any variable of the server's environment would go to the URL typed here: only API-key names are read
    for name in ("HOME", "HF_TOKEN", "AWS_SECRET_ACCESS_KEY"):
        with pytest.raises(AppError, match=rf"^The API key variable '{name}' is not named like an API key"):
            pairs(client, "llm", fake_llm.base_url, "fake", "", name, 1)
    with pytest.raises(AppError, match="大模型模式需要接口地址"):
        pairs(client, "llm", "", "fake", TYPED_KEY, "", 1, "zh")
    assert fake_llm.total == 0  # nothing was sent


def test_steps_before_their_input_are_refused(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=r"Make passages first \(step 1\)"):
        pairs(client)
    with pytest.raises(AppError, match=r"Make query/passage pairs first \(step 2\)"):
        mine(client)
    with pytest.raises(AppError, match=r"Make query/passage pairs first \(step 2\)"):
        client.predict("en", api_name="/build_clean")
    with pytest.raises(AppError, match=r"Make query/passage pairs first \(step 2\)"):
        client.predict("8:1:1", "en", api_name="/build_split")
    with pytest.raises(AppError, match=r"Split the built set first \(step 5\)"):
        client.predict("en", api_name="/build_use")
    with pytest.raises(AppError, match="no suspected false negatives to review"):
        client.predict("en", api_name="/build_drop_suspects")
    with pytest.raises(AppError, match="no suspected false negatives to review"):
        client.predict({"headers": ["id", "keep"], "data": []}, "en", api_name="/build_review")


def _kb(tmp_path: Path) -> list:
    """Two documents: a knowledge-base page (several passages) and a one-sentence note (gives no pseudo-query)."""
    from gradio_client import handle_file

    kb = tmp_path / "kb.md"
    kb.write_text("# Feeding\n\nSows need clean water all day long. A lactating sow drinks up to forty litres of water "
                  "every day. Water quality matters for milk yield.\n\n# Weaning\n\nPiglets are weaned at about four weeks "
                  "of age. Early weaning needs a warm nursery and a creep feed. Weaned piglets eat pellets.\n",
                  encoding="utf-8")
    note = tmp_path / "note.txt"
    note.write_text("Pigs oink loudly when they are hungry in the morning.\n", encoding="utf-8")
    return [handle_file(str(kb)), handle_file(str(note))]


def test_silent_drops_are_reported_and_small_split_gets_a_test_set(client, tmp_path, studio):
    out = client.predict(_kb(tmp_path), False, 200, 0, api_name="/build_passages")
    assert out[0].startswith("**3** passages")
    got = pairs(client)
    assert got[0].startswith("**2** pairs from 3 passages (inverse cloze).")
    assert "1 passage gave no query: it has fewer than two sentences" in got[0] and "note.txt" in got[0]
    report, _, clean_md = client.predict("en", api_name="/build_clean")
    assert clean_md.startswith(f"{report['rows_in']} rows in, {report['rows_out']} kept")
    assert report["rows_in"] == 2 and len(report["why"]) == len([k for k in report["counts"]])
    files, split_md = client.predict("8:1:1", "en", api_name="/build_split")
    # 2 rows: test gets one first; the empty validation split is warned about, not written silently
    assert "train 1" in split_md and "test 1" in split_md and "validation 0" in split_md
    assert "⚠️ The validation split is empty: 2 rows are too few" in split_md


def test_leakage_drop_says_why(client, tmp_path):
    from gradio_client import handle_file

    # a passage that repeats one sentence: the query taken from it is still inside the rest -> leakage
    doc = tmp_path / "repeat.txt"
    doc.write_text("Barley is good feed for finishing pigs in winter. Barley is good feed for finishing pigs in winter.\n",
                   encoding="utf-8")
    client.predict([handle_file(str(doc))], False, 512, 0, api_name="/build_passages")
    assert pairs(client)[0].startswith("**1** pairs")
    report, _, clean_md = client.predict("en", api_name="/build_clean")
    assert report["counts"] == {"leakage": 1} and report["rows_out"] == 0
    assert ("1 row dropped (leakage): the query appears word for word inside its positive passage, so the pair teaches "
            "copying, not retrieval; e.g. row 1: 'Barley is good feed for finishing pigs in winter.' is inside") in clean_md


def test_review_suspects_one_by_one_and_drop_all(client):
    from gradio_client.exceptions import AppError

    sample_passages(client)
    n_rows = len(pairs(client)[1]["data"])
    mine_md, table, rows_df, guard_md, review_md = mine(client, 0, 50, 2, 0.2)
    total = int(mine_md.split("suspected false negatives: ")[1].split()[0])
    assert total > 2
    # what training does with them: the recipe weighs them first (core.training.negatives.own_evidence)
    assert mine_md.rstrip().endswith("Set `data.neg_nums` to 1 in the Train tab's config to keep them whatever.")
    zh_md, zh_table = client.predict("bm25", 0, 50, 2, 0.2, "zh", api_name="/build_mine")[:2]
    assert "用推荐方案训练时会先衡量这些负例" in zh_md and "weighs these negatives" not in zh_md
    assert zh_table["headers"] == ["编号", "保留", "查询", "候选", "分数", "正例", "排名"]  # the review reads by position
    zh_table["data"][0][1] = False
    out = client.predict(zh_table, "zh", api_name="/build_review")
    assert out[1] == f"复核已应用：删除 1 行（1 个查询），剩余 {n_rows - 1} 行。"
    assert len(pairs(client)[1]["data"]) == n_rows  # fresh pairs and suspects for the English review below
    mine_md, table, rows_df, guard_md, review_md = mine(client, 0, 50, 2, 0.2)
    assert guard_md.startswith(f"{total:,} candidates skipped because they scored within 20% of the positive")
    assert table["headers"] == ["id", "keep", "query", "candidate", "score", "positive", "rank"]
    assert len(table["data"]) == min(total, 300) and all(r[1] is True for r in table["data"])
    assert f"Showing {min(total, 300)} of {total:,} suspects" in guard_md
    # untick two suspects of different queries: exactly their rows leave the set
    data = table["data"]
    first, other = data[0], next(r for r in data if r[2] != data[0][2])
    for r in (first, other):
        r[1] = False
    out = client.predict({"headers": table["headers"], "data": data}, "en", api_name="/build_review")
    assert out[1] == f"Review applied: 2 rows dropped (2 queries), {n_rows - 2} rows left."
    assert len(out[2]["data"]) == min(n_rows - 2, 300) and out[0]["data"] == []
    # the review is done: it cannot be applied twice to rows whose numbers changed
    with pytest.raises(AppError, match="no suspected false negatives"):
        client.predict({"headers": table["headers"], "data": data}, "en", api_name="/build_review")
    # mine again, then drop every suspect's row (not only the 300 shown)
    mine_md, table, *_ = mine(client, 0, 50, 2, 0.2)
    out = client.predict("en", api_name="/build_drop_suspects")
    dropped = int(out[1].split("Review applied: ")[1].split()[0])
    assert dropped >= 1 and out[1].endswith(f"{n_rows - 2 - dropped} rows left.")
    # a table that is not a review table is refused in one sentence
    pairs(client)
    mine(client, 0, 50, 2, 0.2)
    with pytest.raises(AppError, match="The review table has 2 columns; expected the 7 columns id, keep, query"):
        client.predict({"headers": ["id", "query"], "data": [[0, "x"]]}, "en", api_name="/build_review")
    with pytest.raises(AppError, match="Suspect 999999 is not in the review list"):
        client.predict({"headers": table["headers"], "data": [[999999, False, "", "", 0, 0, 0]]}, "en", api_name="/build_review")


def test_mine_bad_window(client):
    from gradio_client.exceptions import AppError

    sample_passages(client)
    pairs(client)
    with pytest.raises(AppError, match=r"rank_window \(10, 5\) is invalid"):
        mine(client, 10, 5)


def test_use_built_set_confirms_and_the_data_tab_names_it(client, studio):
    from gradio_client.exceptions import AppError

    client.predict("sample", "train.jsonl", None, None, "en", 1, 10, api_name="/data_load")
    sample_passages(client)
    pairs(client)
    mine(client)
    client.predict("en", api_name="/build_clean")
    files, split_md = client.predict("8:1:1", "en", api_name="/build_split")
    folder = max(studio["datasets"].glob("built-*"), key=lambda p: p.stat().st_mtime)  # the split just written
    assert sorted(Path(f).name for f in files)[-1] == "validation.jsonl" and (folder / "train.jsonl").is_file()
    n_train = sum(1 for _ in open(folder / "train.jsonl", encoding="utf-8"))
    out = client.predict("en", api_name="/build_use")
    shown = f"{studio['datasets'].name}/{folder.name}/train.jsonl"
    assert out[0] == f"Now training on {shown}: {n_train} rows, format qpn."
    status = out[1]
    assert status.startswith(f"Loaded the built set {shown}: {n_train} rows as qpn.")
    assert "sample" not in status.split("\n")[0]
    assert client.predict("en", api_name="/active_dataset") == f"**Active dataset:** built: {shown} · qpn · {n_train} rows"
    assert out[2]["value"] == "qpn" and len(out[11]["data"]) == min(10, n_train)  # the Data tab's preview: built rows
    with pytest.raises(AppError, match="not numbers"):
        client.predict("a:b", "en", api_name="/build_split")


BOILERPLATE = {"the pig feed is good.", "猪的饲料很好。"}  # ends every sample passage (tests/ui/conftest.py)


def _dropped_file_rows(path) -> list[dict]:
    import json

    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def test_roundtrip_check_on_and_off(client, studio):
    sample_passages(client)
    md, table, rt_md, dropped, file = pairs(client)
    kept = len(table["data"])
    n_dropped = int(rt_md.split(" generated queries kept, ")[1].split()[0])
    assert rt_md.startswith(f"Round-trip check (BM25, top 3 of 60 passages): {kept} of {kept + n_dropped} generated "
                            f"queries kept, {n_dropped} dropped (their source passage ranked below 3).")
    assert md.startswith(f"**{kept}** pairs from 60 passages (inverse cloze).")
    # the sentence every passage ends with cannot single out its passage: those inverse-cloze queries go, with why
    assert n_dropped > 0 and dropped["headers"] == ["query", "passage", "rank", "why"]
    assert {r[0] for r in dropped["data"]} <= BOILERPLATE and len(dropped["data"]) == n_dropped
    assert all(r[3].startswith(("source passage at rank ", "no word in common")) and r[2] > 3 for r in dropped["data"])
    # one sentence, one ranking: at most k = 3 passages can rank within its top 3
    assert all(sum(r[0] == b for r in table["data"]) <= 3 for b in BOILERPLATE)
    # nothing is lost: the dropped rows are saved under the datasets folder and offered for download
    saved = _dropped_file_rows(file)
    assert len(saved) == n_dropped and all(r["roundtrip_rank"] > 3 and r["roundtrip_reason"] and r["pos"] for r in saved)
    assert f"The {n_dropped} dropped rows are saved in {studio['datasets'].name}/roundtrip-" in rt_md
    assert len(list(studio["datasets"].glob("roundtrip-*/pairs_dropped.jsonl"))) >= 1
    # off: every generated query stays
    md, table, rt_md, dropped, file = pairs(client, rt=False)
    assert len(table["data"]) == kept + n_dropped and md.startswith(f"**{kept + n_dropped}** pairs")
    assert rt_md == "Round-trip check off: every generated query is kept." and dropped["data"] == [] and file is None
    # k is a parameter: with k = the pool size nothing is dropped
    assert pairs(client, k=60)[2].startswith(f"Round-trip check (BM25, top 60 of 60 passages): {kept + n_dropped} of")
    # Chinese page
    md, table, rt_md, dropped, file = pairs(client, lang="zh")
    assert rt_md.startswith(f"往返检验（BM25，60 个段落中的前 3 名）：{kept + n_dropped} 个生成的查询中保留 {kept} 个，"
                            f"删除 {n_dropped} 个") and "已保存到" in rt_md
    assert dropped["headers"] == ["查询", "段落", "排名", "原因"]
    assert all(r[3].startswith(("来源段落排在第", "与来源段落没有共同的词")) for r in dropped["data"])


def test_roundtrip_check_of_llm_questions_and_a_dense_retriever(client, fake_llm, studio):
    sample_passages(client)
    # the fake LLM asks "Question 1 about <first three words>?": the same question for every passage of a topic
    md, table, rt_md, dropped, _ = pairs(client, "llm", fake_llm.base_url, "fake-rt", TYPED_KEY, "", 1)
    n_dropped = len(dropped["data"])
    assert md.startswith(f"**{60 - n_dropped}** pairs from 60 passages (LLM).") and len(table["data"]) == 60 - n_dropped
    assert rt_md.startswith(f"Round-trip check (BM25, top 3 of 60 passages): {60 - n_dropped} of 60 generated")
    assert 0 < n_dropped < 60 and all(r[0].startswith("Question 1 about ") for r in dropped["data"])
    # the base model as the retriever (here the tiny test model), k 5 by choice
    md, table, rt_md, dropped, _ = pairs(client, rt_model=studio["model"], k=5)
    label = Path(studio["model"]).name
    assert rt_md.startswith(f"Round-trip check ({label}, top 5 of 60 passages): {len(table['data'])} of ")
    assert all(r[2] > 5 and r[3].startswith("source passage at rank ") for r in dropped["data"])


def test_roundtrip_bad_settings(client, fake_llm):
    from gradio_client.exceptions import AppError

    sample_passages(client)
    for k in (0, -2):
        with pytest.raises(AppError, match=rf"^The round-trip top-k must be a whole number of at least 1 \(got {k}\)\.$"):
            pairs(client, k=k)
    client.predict("zh", api_name="/set_language")  # errors follow the session's language
    with pytest.raises(AppError, match=r"^往返检验的 top-k 必须是不小于 1 的整数（收到 0）。$"):
        pairs(client, k=0, lang="zh")
    client.predict("en", api_name="/set_language")
    # checked before any question is asked
    with pytest.raises(AppError, match="round-trip top-k"):
        pairs(client, "llm", fake_llm.base_url, "fake", TYPED_KEY, "", 1, k=0)
    assert fake_llm.total == 0
    with pytest.raises(AppError, match=r"^The model folder '/no/such/model-folder' does not exist\.$"):
        pairs(client, "llm", fake_llm.base_url, "fake", TYPED_KEY, "", 1, rt_model="/no/such/model-folder")
    assert fake_llm.total == 0


def test_using_a_built_set_reads_its_train_file_once(app_fns, tmp_path):
    """"Use the built set" checks the split's train.jsonl and shows its columns in the Data tab from one read."""
    from tests.ui.conftest import write_sample

    fns, reads = app_fns
    folder = write_sample(tmp_path / "built-1")
    out = fns["build_use"](str(folder), "en")
    said = out[0].render("en")
    assert said.startswith("Now training on ") and "40 rows, format qpn" in said
    assert reads == ["train.jsonl"]


def test_split_keeps_each_documents_queries_in_one_split(client, tmp_path, studio):
    """"Keep together: document" puts every query of one source document in one split (the test then asks about
    documents never trained on) and says so in both languages; the default splits rows at random."""
    import json

    from gradio_client import handle_file

    topics = ["water", "feed", "weaning", "housing", "vaccines", "manure"]
    docs = []
    for i, topic in enumerate(topics):
        doc = tmp_path / f"doc{i}.md"
        doc.write_text(f"# {topic} one\n\nSows need {topic} rules every day. Farmers check {topic} each morning. "
                       f"Records of {topic} are kept.\n\n# {topic} two\n\nPiglets react to {topic} changes fast. "
                       f"Good {topic} keeps piglets healthy. Bad {topic} costs money.\n", encoding="utf-8")
        docs.append(handle_file(str(doc)))
    client.predict(docs, False, 200, 0, api_name="/build_passages")
    assert "pairs from" in pairs(client)[0]
    _files, split_md = client.predict("4:1:1", "en", "source", api_name="/build_split")
    folder = max(studio["datasets"].glob("built-*"), key=lambda p: p.stat().st_mtime)
    sources = {}
    for name in ("train", "validation", "test"):
        with open(folder / f"{name}.jsonl", encoding="utf-8") as fh:
            sources[name] = [json.loads(line)["source"] for line in fh]
    found = {s for rows in sources.values() for s in rows}
    assert len(found) >= 4 and all(sources.values())
    assert not (set(sources["train"]) & set(sources["test"]) or set(sources["train"]) & set(sources["validation"])
                or set(sources["validation"]) & set(sources["test"]))  # no document in two splits
    assert f"Each document stays in one split ({len(found)} in all)." in split_md, split_md
    _files, split_md = client.predict("4:1:1", "zh", "source", api_name="/build_split")
    assert f"每个文档都留在同一个划分中（共 {len(found)} 个）。" in split_md, split_md
    _files, split_md = client.predict("4:1:1", "en", api_name="/build_split")  # the default: rows at random
    assert "stays in one split" not in split_md
