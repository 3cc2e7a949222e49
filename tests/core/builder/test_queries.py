"""Query generation: answer parsing, LLM generation with failures and resume, ICT/title/SimCSE, JSONL."""

from __future__ import annotations

import json

import pytest

from core.builder.chunking import Passage, chunk, passage_id, split_sentences
from core.builder.documents import Document, Page
from core.builder.llm import LLMConfig
from core.builder.llm_queries import (
    build_prompt,
    detect_language,
    generate_queries_llm,
    paraphrase_queries,
    parse_questions,
    question_problem,
)
from core.builder.pseudo_queries import pseudo_queries, simcse_rows
from core.errors import ConfigError, DataError
from core.jsonl import read_jsonl as load_jsonl
from core.jsonl import write_jsonl as save_jsonl

KEY = "sk-test-NEVER-WRITE-ME-987654321"


@pytest.mark.parametrize("answer,expected", [
    ('["What is X?", "How does Y work?"]', ["What is X?", "How does Y work?"]),
    ('```json\n{"questions": ["猪吃什么？"]}\n```', ["猪吃什么？"]),
    ('Sure! Here are the questions:\n1. What do pigs eat?\n2) Why is corn used?\nHope this helps.',
     ["What do pigs eat?", "Why is corn used?"]),
    ("- 什么是非洲猪瘟？\n- 如何预防？", ["什么是非洲猪瘟？", "如何预防？"]),
    ("Question 1: When are piglets weaned?\nQuestion 2: How heavy are they?", ["When are piglets weaned?", "How heavy are they?"]),
    ('Here you go: [{"question": "Who wrote it?"}] done', ["Who wrote it?"]),
    ("<think>let me think</think>\nWhat is the price of corn?", ["What is the price of corn?"]),
    ('"pig feed protein"', ["pig feed protein"]),
    ("Some prose first.\nIs this the question?\nMore prose after.", ["Is this the question?"]),
    ("I cannot help with that request.\nIt has no questions at all.", []),
    ("", []),
])
def test_parse_questions(answer, expected):
    assert parse_questions(answer) == expected


def test_question_problem():
    passage = "Pigs eat corn and soybean meal every day. They grow fast in summer."
    assert question_problem("What do pigs eat?", passage) is None
    assert question_problem("pig feed protein", passage) is None  # short keyword query
    assert question_problem("猪吃什么吗", "") is None
    assert question_problem("  ", passage) == "empty"
    assert question_problem(passage, passage) == "copies_passage"
    assert question_problem("Pigs eat corn and soybean meal every day.", passage) == "copies_passage"
    assert question_problem("This is a long statement that is not a question and keeps going for a while longer.", "") == "not_a_question"


def test_language_and_prompts():
    assert detect_language("猪的饲料需要玉米和豆粕 protein") == "zh"
    assert detect_language("Pigs need protein, 猪.") == "en"
    assert "段落" in build_prompt("猪吃玉米。", 2) and "2 个" in build_prompt("猪吃玉米。", 2)
    assert "Passage:" in build_prompt("Pigs eat corn.", 1)
    assert "Passage:" in build_prompt("猪吃玉米。", 1, language="en")
    custom = build_prompt("TEXT", 3, template='Give {n} as JSON like {"q": []}: {passage}')
    assert custom == 'Give 3 as JSON like {"q": []}: TEXT'


def _passages(texts: list[str], source: str = "doc.txt") -> list[Passage]:
    return [Passage(passage_id(source, 1, i), t, source, 1, i) for i, t in enumerate(texts)]


def _cfg(fake, **kw) -> LLMConfig:
    base = dict(base_url=fake.base_url, model="fake", api_key_env="STUDIO_TEST_LLM_API_KEY", timeout=0.5,
                max_retries=1, concurrency=3, backoff_base=0.01, backoff_max=0.05)
    base.update(kw)
    return LLMConfig(**base)


def test_generate_with_failures_report_and_resume(fake_llm, tmp_path, monkeypatch):
    monkeypatch.setenv("STUDIO_TEST_LLM_API_KEY", KEY)
    fake_llm.retry_after = "0.2"
    fake_llm.slow = 1.2
    texts = [
        "Pigs need protein from soybean meal.",
        "Piglets are weaned at four weeks.",
        "猪需要豆粕和玉米提供蛋白。",
        "MARK_MALFORMED sows drink water.",
        "MARK_500 the server always fails here.",
        "MARK_SLOW the server is too slow here.",
        "MARK_429 first rate limited then fine.",
        "MARK_FLAKY first a 500 then fine.",
    ]
    passages = _passages(texts)
    out = tmp_path / "run" / "answers.jsonl"
    report = generate_queries_llm(passages, _cfg(fake_llm), out_path=out)
    assert (report.passages, report.ok, report.failed) == (8, 5, 3)
    assert report.errors == {"malformed": 1, "server_error": 1, "timeout": 1}
    assert report.answered == 6  # 5 ok + 1 malformed answer
    assert report.well_formed_share == pytest.approx(5 / 6, abs=1e-3)
    assert report.retries == 4  # 500 x1, timeout x1, 429 x1, flaky x1
    assert report.retry_reasons == {"server_error": 2, "timeout": 1, "rate_limit": 1}
    assert fake_llm.hits["MARK_500 the server always fails here."] == 2
    # rows: qpn layout with metadata
    assert len(report.rows) == 5
    row = next(r for r in report.rows if r["passage_id"] == passages[0].id)
    assert row == {"query": "Question 1 about Pigs need protein?", "pos": [texts[0]], "neg": [], "source": "doc.txt",
                   "page": 1, "passage_id": passages[0].id, "synthetic": "llm", "augmented": False}
    # the Chinese passage got the Chinese prompt
    assert any("段落" in p and "猪需要豆粕" in p for p in fake_llm.prompts)
    # one JSON line per passage, with error records
    recs = load_jsonl(out)
    assert len(recs) == 8
    failed = {r["passage_id"]: r["error"]["kind"] for r in recs if r["status"] == "failed"}
    assert failed == {passages[3].id: "malformed", passages[4].id: "server_error", passages[5].id: "timeout"}

    # re-run: done passages are not asked again, failed ones are
    before = dict(fake_llm.hits)
    fake_llm.slow = 0.0
    again = generate_queries_llm(passages, _cfg(fake_llm), out_path=out)
    asked_again = {k for k, v in fake_llm.hits.items() if v != before.get(k, 0)}
    assert asked_again == {texts[3], texts[4], texts[5]}
    assert again.skipped_done == 5 and again.asked == 3
    assert again.ok == 6 and again.errors == {"malformed": 1, "server_error": 1}
    assert len(again.rows) == 6

    # the key never reaches a file
    for f in tmp_path.rglob("*"):
        if f.is_file():
            assert KEY not in f.read_text(encoding="utf-8", errors="replace")
    assert KEY not in json.dumps(again.to_dict())


def test_interrupted_run_resumes_without_asking_again(fake_llm, tmp_path):
    passages = _passages([f"Passage number {i} about pig feeding." for i in range(8)])
    out = tmp_path / "answers.jsonl"
    seen = []
    fake_llm.delay = 0.05

    def stop_after_three(p):
        seen.append(p.done)
        if p.done >= 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        generate_queries_llm(passages, _cfg(fake_llm, concurrency=1), out_path=out, progress=stop_after_three)
    done_first = len(load_jsonl(out))
    assert 3 <= done_first == seen[-1] < 8  # every finished passage was saved before the interruption
    assert fake_llm.total == done_first
    # simulate a crash mid-write: a torn last line is ignored and repaired
    with open(out, "a", encoding="utf-8") as fh:
        fh.write('{"key": "torn')
    report = generate_queries_llm(passages, _cfg(fake_llm), out_path=out)
    assert report.skipped_done == done_first and report.asked == 8 - done_first and report.ok == 8
    assert max(fake_llm.hits.values()) == 1 and fake_llm.total == 8  # nobody was asked twice
    assert len(report.rows) == 8


def test_two_questions_per_passage_counts_well_formed_share(fake_llm, tmp_path):
    passages = _passages(["Pigs need protein.", "Sows drink water.", "MARK_HALF piglets need warmth in winter."])
    report = generate_queries_llm(passages, _cfg(fake_llm), n_per_passage=2, out_path=tmp_path / "a.jsonl")
    # 2 + 2 + 1 well-formed of 3 x 2 asked (the half answer copied its passage once)
    assert report.well_formed_share == pytest.approx(5 / 6, abs=1e-3)
    assert report.rejected == {"copies_passage": 1}
    assert len(report.rows) == 5
    assert "write 2 different questions" in fake_llm.prompts[0]


def test_should_stop_and_bad_settings(fake_llm, tmp_path):
    passages = _passages([f"Text {i}." for i in range(5)])
    report = generate_queries_llm(passages, _cfg(fake_llm, concurrency=1), out_path=tmp_path / "a.jsonl",
                                  should_stop=lambda: fake_llm.total >= 2)
    assert report.interrupted and report.asked == 2 and fake_llm.total == 2
    with pytest.raises(ConfigError, match="placeholder"):
        generate_queries_llm(passages, _cfg(fake_llm), prompt_template="no placeholder", out_path=tmp_path / "b.jsonl")
    with pytest.raises(ConfigError, match="between 1 and 20"):
        generate_queries_llm(passages, _cfg(fake_llm), n_per_passage=0, out_path=tmp_path / "b.jsonl")


def test_paraphrases_are_marked_augmented(fake_llm, tmp_path):
    rows = [{"query": "What do pigs eat?", "pos": ["Pigs eat corn."], "neg": [], "passage_id": "p1", "synthetic": "llm"}]
    report = paraphrase_queries(rows, _cfg(fake_llm), out_path=tmp_path / "para.jsonl")
    assert report.ok == 1 and len(report.rows) == 1
    new = report.rows[0]
    assert new["augmented"] is True and new["augmented_from"] == "What do pigs eat?"
    assert new["query"] != "What do pigs eat?" and new["pos"] == ["Pigs eat corn."] and new["passage_id"] == "p1"
    again = paraphrase_queries(rows, _cfg(fake_llm), out_path=tmp_path / "para.jsonl")
    assert again.skipped_done == 1 and fake_llm.total == 1


EN_TEXT = ("Pigs need protein from soybean meal and corn. Dr. Smith measured a gain of 3.5 kg per week. "
           "Piglets are weaned at about four weeks of age. Weaning weight depends on the milk of the sow.")


def test_inverse_cloze_removes_the_query_sentence():
    doc = Document("feed.md", [Page("# Feeding pigs\n\n" + EN_TEXT + "\n\n## 断奶\n\n仔猪大约四周断奶。断奶体重和母猪的奶水有关。", 3)])
    passages = chunk([doc], size=len(EN_TEXT) + 20, overlap=0)
    rows = pseudo_queries(passages, mode="inverse_cloze", seed=7)
    assert len(rows) == len(passages) == 2
    for row, p in zip(rows, passages):
        assert row["synthetic"] == "ict" and row["page"] == 3 and row["passage_id"] == p.id
        assert row["query"] in split_sentences(p.text)
        assert row["query"] not in row["pos"][0]
        assert row["query"] not in (p.title, "Feeding pigs", "断奶")  # headings are never the query
        # the positive is the passage minus exactly that sentence
        assert sorted(split_sentences(row["pos"][0]) + [row["query"]]) == sorted(split_sentences(p.text))
    assert pseudo_queries(passages, mode="ict", seed=7) == rows  # deterministic
    seeds = {pseudo_queries(passages, mode="ict", seed=s)[0]["query"] for s in range(10)}
    assert len(seeds) > 1


def test_title_queries():
    doc = Document("guide.md", [Page("# Feeding pigs\n\n" + EN_TEXT + "\n\n## 断奶管理\n\n仔猪大约四周断奶。", 1),
                                Page("Water supply\nA sow drinks more than twenty litres a day. Water must be clean.", 2)])
    passages = chunk([doc], size=len(EN_TEXT) + 20, overlap=0)
    rows = pseudo_queries(passages, mode="title")
    assert [(r["query"], r["page"]) for r in rows] == [("Feeding pigs", 1), ("断奶管理", 1), ("Water supply", 2)]
    assert rows[0]["pos"] == [EN_TEXT]
    assert rows[1]["pos"] == ["仔猪大约四周断奶。"]
    assert rows[2]["pos"][0].startswith("A sow drinks") and all(r["synthetic"] == "title" for r in rows)
    with pytest.raises(ConfigError):
        pseudo_queries(passages, mode="cloze")


def test_simcse_rows():
    rows = simcse_rows(["Pigs eat corn every day.", "Pigs eat corn every day.", "短句子也可以。", "tiny"])
    assert [r["query"] for r in rows] == ["Pigs eat corn every day.", "短句子也可以。"]
    assert all(r["pos"] == [r["query"]] and r["neg"] == [] and r["synthetic"] == "simcse" for r in rows)
    p = _passages([EN_TEXT])[0]
    from_passage = simcse_rows([p])
    assert len(from_passage) == 4 and from_passage[0]["passage_id"] == p.id


def test_jsonl_round_trip_and_errors(tmp_path):
    rows = [{"query": "猪吃什么？", "pos": ["玉米"], "neg": []}, {"query": "q2", "pos": ["p"], "neg": ["n"]}]
    path = save_jsonl(rows, tmp_path / "out" / "pairs.jsonl")
    assert load_jsonl(path) == rows
    assert "猪吃什么" in path.read_text(encoding="utf-8")  # not \\u-escaped
    path.write_text('{"query": "a"}\nnot json\n', encoding="utf-8")
    with pytest.raises(DataError, match="(?i)line 2"):  # the one JSONL reader words it "<path>, line 2: ..."
        load_jsonl(path)
    assert load_jsonl(path, tolerant=True) == [{"query": "a"}]


def test_refused_key_stops_early_with_one_sentence(fake_llm, tmp_path):
    passages = _passages([f"Text number {i}." for i in range(20)])
    with pytest.raises(ConfigError) as err:
        generate_queries_llm(passages, _cfg(fake_llm, model="needs-auth", concurrency=1), out_path=tmp_path / "a.jsonl")
    assert "refused the API key (HTTP 401)" in str(err.value) and "STUDIO_TEST_LLM_API_KEY" in str(err.value)
    assert len(fake_llm.auth) == 3  # stopped after three refusals (not retried) instead of asking all 20


def test_an_endpoint_that_cannot_be_reached_stops_early_with_one_sentence(tmp_path):
    """No server at the URL (a closed port): three requests that could not connect stop the run with one sentence
    naming the endpoint, instead of trying every passage and then reporting 0 pairs as a result."""
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cfg = LLMConfig(base_url=f"http://127.0.0.1:{port}/v1", model="m", timeout=0.5, max_retries=0, concurrency=1)
    passages = _passages([f"Text number {i}." for i in range(20)])
    with pytest.raises(ConfigError, match=rf"^The LLM endpoint http://127\.0\.0\.1:{port}/v1/chat/completions could "
                                          r"not be reached for the first 3 requests \(could not reach .*\); check the "
                                          r"base URL and that the server is running\.$"):
        generate_queries_llm(passages, cfg, api_key="sk-x", out_path=tmp_path / "a.jsonl")
    assert len((tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()) == 3  # the journal keeps what was asked


def test_a_run_where_every_passage_failed_is_an_error_not_a_result(fake_llm, tmp_path, monkeypatch):
    """The endpoint answers, but never with a usable question: the run ends with one sentence naming the endpoint,
    the kinds of failure and the journal file, not with '0 pairs' shown as a success."""
    monkeypatch.setenv("STUDIO_TEST_LLM_API_KEY", KEY)
    passages = _passages([f"MARK_MALFORMED text number {i}." for i in range(4)])
    with pytest.raises(ConfigError, match=r"gave no usable questions for any of the 4 passages \(malformed: 4\); each "
                                          r"answer is recorded in b\.jsonl\.$"):
        generate_queries_llm(passages, _cfg(fake_llm), out_path=tmp_path / "b.jsonl")


def test_pseudo_queries_report_names_every_passage_without_a_query():
    from core.builder.pseudo_queries import pseudo_queries_report

    texts = [
        "Sows need clean water all day long. A lactating sow drinks forty litres of water every day.",
        "Piglets are weaned at about four weeks of age. Early weaning needs a warm nursery and creep feed.",
        "Pigs oink loudly when they are hungry in the morning.",  # one sentence: nothing left to be the passage
        "Pigs oink. Sows eat. Boars run.",  # every sentence too short to be a query
        "Barley is good feed for finishing pigs in winter. Barley is good feed for finishing pigs in winter.",
        "Vaccinate the herd against swine fever every year. Keep records of each vaccination.",
    ]
    ps = _passages(texts)
    rep = pseudo_queries_report(ps)
    assert len(rep.rows) + rep.skipped_total == rep.passages == 6
    assert rep.skipped["one_sentence"] == [f"doc.txt {ps[2].id}"]
    assert rep.skipped["short_sentences"] == [f"doc.txt {ps[3].id}"]
    lines = rep.sentences()
    assert f"1 passage gave no query: it has fewer than two sentences (one becomes the query, the rest the passage) (doc.txt {ps[2].id})." in lines
    assert any(x.startswith("1 passage gave no query: no sentence is long enough to be a query (at least 12 characters") for x in lines)
    # the plain function gives the same rows
    assert pseudo_queries(ps) == rep.rows
    title = pseudo_queries_report(ps, mode="title")
    assert title.skipped["no_title"] and not title.rows
