"""End to end: PDF + DOCX -> load -> clean -> chunk -> pairs, through ``python -m core build``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from core.builder.chunking import split_sentences
from core.cli import main
from core.jsonl import read_jsonl as load_jsonl
from tests.core.builder.conftest import write_docx, write_pdf

ROOT = Path(__file__).resolve().parents[3]
KEY = "sk-test-CLI-KEY-must-not-leak-4242"

EN_PARAS = [
    ["Pigs need protein from soybean meal and corn. Dr. Smith measured a gain of 3.5 kg per week on this diet, "
     "which is more than the old feed gave. Fat gives energy, e.g. in winter when the barn is cold."],
    ["Piglets are weaned at about four weeks of age. Weaning weight depends on the milk of the sow and on "
     "creep feed offered from the second week. Light piglets need extra care after weaning."],
    ["African swine fever is a virus disease of the herd. There is no vaccine yet, so farms rely on strict "
     "biosecurity at the gate. Trucks are washed and dried before they enter."],
    ["Water intake rises with temperature. A sow drinks more than twenty litres a day in summer. Nipple "
     "drinkers must deliver at least two litres per minute."],
]
ZH_PARAS = ["母猪断奶后要增加饲料。仔猪需要保温，温度不能低于三十度！", "猪舍每天要清理粪便；地面要保持干燥。为什么要通风？因为氨气有害。"]


def _all_sentences() -> set[str]:
    out: set[str] = set()
    for page in EN_PARAS:
        for para in page:
            out.update(split_sentences(para))
    for para in ZH_PARAS:
        out.update(split_sentences(para))
    return out


@pytest.fixture
def docs(tmp_path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    write_pdf(folder / "swine manual.pdf", EN_PARAS, header="ACME Farms Confidential | www.acme.example")
    write_docx(folder / "猪场管理.docx", [("title", "猪场管理手册"), ("p", ZH_PARAS[0]), ("pagebreak", ""),
                                         ("h1", "清洁与通风"), ("p", ZH_PARAS[1])])
    (folder / "unsupported.xlsx").write_bytes(b"PK")
    return folder


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_build_ict_end_to_end(docs, tmp_path, capsys):
    out = tmp_path / "out"
    code, stdout, stderr = _run(["build", "--docs", str(docs), "--out", str(out), "--mode", "ict",
                                 "--chunk-size", "120", "--overlap", "30"], capsys)
    assert code == 0, stderr
    assert "[load] 2/2" in stdout and "[chunk]" in stdout
    assert "unsupported.xlsx" in stderr and "not supported" in stderr
    passages = load_jsonl(out / "passages.jsonl")
    pairs = load_jsonl(out / "pairs.jsonl")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))

    pdf_passages = [p for p in passages if p["source"].endswith(".pdf")]
    docx_passages = [p for p in passages if p["source"].endswith(".docx")]
    assert sorted({p["page"] for p in pdf_passages}) == [1, 2, 3, 4]
    assert sorted({p["page"] for p in docx_passages}) == [1, 2]
    assert all(len(p["text"]) <= 120 for p in passages)
    assert len(pdf_passages) >= 8  # pages are split into several passages
    # the repeated PDF header and "Page N of 4" footer are gone
    assert not any("ACME" in p["text"] or "of 4" in p["text"] for p in passages)
    assert report["cleaning"]["removed_lines"]
    # no passage cut inside a sentence (headings aside)
    sentences = _all_sentences()
    titles = {"猪场管理手册", "清洁与通风"}
    for p in passages:
        for s in split_sentences(p["text"]):
            assert s in sentences or s in titles, f"cut sentence {s!r}"
    # the page of each passage is where its text is
    weaning = next(p for p in pdf_passages if "Piglets are weaned" in p["text"])
    assert weaning["page"] == 2
    # ICT pairs: the query sentence is taken out of its passage
    by_id = {p["id"]: p for p in passages}
    expected = {p["id"] for p in passages if len([s for s in split_sentences(p["text"]) if s not in titles]) >= 2}
    assert len(expected) >= 3
    assert {r["passage_id"] for r in pairs} == expected  # every passage with two sentences or more gives a pair
    for row in pairs:
        src = by_id[row["passage_id"]]
        assert row["synthetic"] == "ict" and row["neg"] == [] and row["page"] == src["page"]
        assert row["query"] in src["text"] and row["query"] not in row["pos"][0]
        assert row["query"] in sentences
    assert report["documents"] == 2 and report["pages"] == 6
    assert report["passages"] == len(passages) and report["pairs"] == len(pairs)
    assert any(pr["path"].endswith("unsupported.xlsx") for pr in report["files_with_problems"])


def test_build_title_and_simcse_modes(docs, tmp_path, capsys):
    code, _, err = _run(["build", "--docs", str(docs), "--out", str(tmp_path / "t"), "--mode", "title"], capsys)
    assert code == 0, err
    titles = [r["query"] for r in load_jsonl(tmp_path / "t" / "pairs.jsonl")]
    assert titles == ["猪场管理手册", "清洁与通风"]
    code, _, err = _run(["build", "--docs", str(docs / "猪场管理.docx"), "--out", str(tmp_path / "s"), "--mode", "simcse"], capsys)
    assert code == 0, err
    rows = load_jsonl(tmp_path / "s" / "pairs.jsonl")
    assert {r["synthetic"] for r in rows} == {"simcse"} and all(r["pos"] == [r["query"]] for r in rows)
    assert "仔猪需要保温，温度不能低于三十度！" in {r["query"] for r in rows}


def test_build_llm_mode_key_never_written_and_resume(docs, tmp_path, capsys, fake_llm, monkeypatch):
    monkeypatch.setenv("STUDIO_TEST_CLI_API_KEY", KEY)
    out = tmp_path / "llm-out"
    argv = ["build", "--docs", str(docs), "--out", str(out), "--mode", "llm", "--llm-base-url", fake_llm.base_url,
            "--llm-model", "fake", "--llm-key-env", "STUDIO_TEST_CLI_API_KEY", "--questions-per-passage", "2",
            "--concurrency", "2", "--timeout", "0.5", "--chunk-size", "200"]
    code, stdout, err = _run(argv, capsys)
    assert code == 0, err
    assert "well-formed share 100% at 2 per passage" in stdout
    assert "[llm]" in stdout
    passages = load_jsonl(out / "passages.jsonl")
    pairs = load_jsonl(out / "pairs.jsonl")
    assert len(pairs) == 2 * len(passages)
    assert all(r["synthetic"] == "llm" and r["query"].endswith("?") for r in pairs)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["generation"]["ok"] == len(passages) and report["generation"]["well_formed_share"] == 1.0
    assert report["options"]["llm"]["api_key_env"] == "STUDIO_TEST_CLI_API_KEY"
    assert set(fake_llm.auth) == {f"Bearer {KEY}"}
    asked = fake_llm.total
    assert asked == len(passages)

    # run again: nothing is asked, same pairs
    code, stdout, _ = _run(argv, capsys)
    assert code == 0 and fake_llm.total == asked
    assert f"{len(passages)} already done" in stdout
    assert load_jsonl(out / "pairs.jsonl") == pairs

    # the key is in no file of the output folder, nor in what was printed
    for f in out.rglob("*"):
        assert KEY not in f.read_bytes().decode("utf-8", errors="replace"), f
    assert KEY not in stdout


def test_build_errors_are_one_line(tmp_path, capsys):
    code, _, err = _run(["build", "--docs", str(tmp_path / "nothing-here"), "--out", str(tmp_path / "o")], capsys)
    assert code == 2 and err.startswith("error: No readable document") and err.count("\n") == 1
    assert not (tmp_path / "o").exists()  # nothing was built: no empty output folder is left behind
    (tmp_path / "doc.txt").write_text("Sows need water. Piglets need warmth.", encoding="utf-8")
    for bad in (["--chunk-size", "-5"], ["--remove-regex", "(["]):  # an option refused once the work begins
        code, _, err = _run(["build", "--docs", str(tmp_path / "doc.txt"), "--out", str(tmp_path / "o2"), *bad], capsys)
        assert code == 2 and err.startswith("error: ") and err.count("\n") == 1, err
        assert not (tmp_path / "o2").exists(), bad  # no empty output folder either
    (tmp_path / "mine").mkdir()  # a folder the user made stays, even empty
    assert _run(["build", "--docs", str(tmp_path / "nothing-here"), "--out", str(tmp_path / "mine")], capsys)[0] == 2
    assert (tmp_path / "mine").is_dir()
    (tmp_path / "a.txt").write_text("Some text here.", encoding="utf-8")
    code, _, err = _run(["build", "--docs", str(tmp_path / "a.txt"), "--out", str(tmp_path / "o"),
                         "--remove-regex", "([unclosed"], capsys)
    assert code == 2 and "'([unclosed'" in err and err.count("\n") == 1
    code, _, err = _run(["build", "--docs", str(tmp_path / "a.txt"), "--out", str(tmp_path / "o"), "--mode", "llm"], capsys)
    assert code == 2 and "--llm-base-url" in err
    code, _, err = _run(["build", "--docs", str(tmp_path / "a.txt"), "--out", str(tmp_path / "o"), "--mode", "llm",
                         "--llm-base-url", "http://127.0.0.1:9/v1", "--llm-model", "m", "--llm-key-env", KEY], capsys)
    assert code == 2 and KEY not in err and "NAME of an environment variable" in err


def test_python_dash_m_core_build(tmp_path):
    (tmp_path / "a.md").write_text("# Pig feed\n\nPigs need protein. Corn gives energy to the herd.", encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "core", "build", "--docs", str(tmp_path / "a.md"), "--out",
                          str(tmp_path / "o"), "--mode", "title"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    rows = load_jsonl(tmp_path / "o" / "pairs.jsonl")
    assert rows[0]["query"] == "Pig feed" and rows[0]["pos"] == ["Pigs need protein. Corn gives energy to the herd."]


def test_build_roundtrip_drops_an_off_topic_llm_question(docs, tmp_path, capsys, fake_llm, monkeypatch):
    monkeypatch.setenv("STUDIO_TEST_CLI_API_KEY", KEY)
    # the fake LLM answers this passage with a question about nothing in it ("What does the marked passage describe?")
    (docs / "marked.txt").write_text("MARK_HALF Boars are kept apart from sows in separate pens.\n", encoding="utf-8")
    base = ["build", "--docs", str(docs), "--mode", "llm", "--llm-base-url", fake_llm.base_url, "--llm-model", "fake",
            "--llm-key-env", "STUDIO_TEST_CLI_API_KEY", "--chunk-size", "200"]
    out = tmp_path / "rt"
    code, stdout, err = _run([*base, "--out", str(out)], capsys)
    assert code == 0, err
    passages = load_jsonl(out / "passages.jsonl")
    pairs = load_jsonl(out / "pairs.jsonl")
    dropped = load_jsonl(out / "pairs_dropped.jsonl")
    marked = next(p for p in passages if "MARK_HALF" in p["text"])
    assert [r["query"] for r in dropped] == ["What does the marked passage describe?"]
    assert dropped[0]["passage_id"] == marked["id"] and dropped[0]["pos"] == [marked["text"]]
    assert dropped[0]["roundtrip_reason"] == (f"no word in common with its source passage (rank {len(passages)} of "
                                              f"{len(passages)}, top 3 needed)")
    assert len(pairs) == len(passages) - 1 and marked["id"] not in {r["passage_id"] for r in pairs}
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    rt = report["roundtrip"]
    assert (rt["retriever"], rt["k"], rt["checked"], rt["kept"], rt["dropped"]) == ("bm25", 3, len(passages), len(pairs), 1)
    assert rt["dropped_queries"][0]["reason"] == dropped[0]["roundtrip_reason"]
    assert report["pairs"] == len(pairs) and report["pairs_generated"] == len(passages)
    assert report["files"]["dropped"] == "pairs_dropped.jsonl"
    assert (f"Round-trip check (BM25, top 3 of {len(passages)} passages): {len(pairs)} of {len(passages)} generated "
            "queries kept, 1 dropped (their source passage ranked below 3).") in stdout
    assert "dropped: 'What does the marked passage describe?': no word in common" in stdout

    # off: every question stays, no dropped file
    code, _, err = _run([*base, "--out", str(tmp_path / "off"), "--roundtrip", "off"], capsys)
    assert code == 0, err
    assert len(load_jsonl(tmp_path / "off" / "pairs.jsonl")) == len(passages)
    assert not (tmp_path / "off" / "pairs_dropped.jsonl").exists()
    assert json.loads((tmp_path / "off" / "report.json").read_text(encoding="utf-8"))["roundtrip"] is None


def test_build_roundtrip_dense_and_bad_settings(docs, tmp_path, capsys, tiny_model_path):
    out = tmp_path / "dense"
    code, stdout, err = _run(["build", "--docs", str(docs), "--out", str(out), "--mode", "ict", "--roundtrip", "dense",
                              "--roundtrip-model", str(tiny_model_path), "--roundtrip-k", "1"], capsys)
    assert code == 0, err
    rt = json.loads((out / "report.json").read_text(encoding="utf-8"))["roundtrip"]
    assert rt["retriever"] != "bm25" and rt["k"] == 1 and rt["checked"] == rt["kept"] + rt["dropped"] > 0
    assert len(load_jsonl(out / "pairs_dropped.jsonl")) == rt["dropped"]
    assert len(load_jsonl(out / "pairs.jsonl")) == rt["kept"]
    for bad, message in ((["--roundtrip-k", "0"], "The round-trip top-k must be a whole number of at least 1 (got 0)."),
                         (["--roundtrip", "dense", "--roundtrip-model", " "],
                          "The round-trip check with a dense retriever needs a model"),
                         (["--roundtrip", "dense", "--roundtrip-model", str(tmp_path / "no-model")],
                          f"The model folder '{tmp_path / 'no-model'}' does not exist.")):
        code, _, err = _run(["build", "--docs", str(docs), "--out", str(tmp_path / "bad"), *bad], capsys)
        assert code == 2 and err.startswith(f"error: {message}") and err.count("\n") == 1
        assert not (tmp_path / "bad").exists()  # refused before anything is written


def test_build_out_that_cannot_be_a_folder_is_one_sentence(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("Some text here.", encoding="utf-8")
    (tmp_path / "afile").write_text("keep", encoding="utf-8")
    for out, said in ((tmp_path / "afile", "is a file (expected a folder)"), (tmp_path / "afile" / "sub", "cannot be created"),
                      ("/proc/no-such-studio-folder", "cannot be created")):
        code, _, err = _run(["build", "--docs", str(tmp_path / "a.txt"), "--out", str(out), "--mode", "title"], capsys)
        assert code == 2 and err.startswith(f"error: The output folder '{out}' ")
        assert said in err and err.count("\n") == 1
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "keep"


@pytest.mark.parametrize("share", ["5", "-0.1", "1.01", "nan"])
def test_build_repeat_share_outside_0_to_1_is_refused(tmp_path, capsys, share):
    (tmp_path / "a.txt").write_text("Some text here.", encoding="utf-8")
    out = tmp_path / "o"
    code, _, err = _run(["build", "--docs", str(tmp_path / "a.txt"), "--out", str(out), "--repeat-share", share], capsys)
    assert code == 2 and err.startswith("error: --repeat-share is a share of a document's pages and must be between 0 "
                                        "and 1") and err.count("\n") == 1
    assert not out.exists()


def _llm_args(url: str = "http://127.0.0.1:9/v1") -> list[str]:
    return ["--mode", "llm", "--llm-base-url", url, "--llm-model", "m", "--llm-key-env", "STUDIO_NO_SUCH_API_KEY_VAR"]


def _limited_memory() -> None:
    """In the child: at most 2 GB of data, so reading /dev/zero whole fails fast instead of taking the machine."""
    import resource

    resource.setrlimit(resource.RLIMIT_DATA, (2 * 1024**3, 2 * 1024**3))


def test_prompt_file_is_read_within_the_readers_rules_and_only_in_llm_mode(tmp_path, capsys):
    """/dev/zero, a fifo and a binary file are one sentence each (no hang, no memory blow-up, no traceback), before
    anything is written; a mode that does not use the prompt does not read it. The device and the pipe run in a
    child process with a time and memory limit."""
    import os

    (tmp_path / "a.txt").write_text("Pigs need protein. Corn gives energy to the herd.", encoding="utf-8")
    fifo = tmp_path / "prompt.fifo"
    os.mkfifo(fifo)
    binary = tmp_path / "prompt.bin"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe")
    out = tmp_path / "o"
    build = ["build", "--docs", str(tmp_path / "a.txt"), "--out", str(out), *_llm_args(), "--prompt-file"]
    for prompt in ("/dev/zero", str(fifo)):
        res = subprocess.run([sys.executable, "-m", "core", *build, prompt], cwd=ROOT, capture_output=True, text=True,
                             timeout=120, preexec_fn=_limited_memory)
        assert res.returncode == 2 and res.stderr.splitlines()[-1] == (
            f"error: '{prompt}' is not a regular file (a device, pipe or socket); choose a file."), res.stderr[-500:]
        assert not out.exists()
    code, _, err = _run([*build, str(tmp_path)], capsys)  # a folder is named as one, not as a device
    assert code == 2 and err.splitlines()[-1] == f"error: '{tmp_path}' is a folder; choose a file."
    assert not out.exists()
    for prompt, said in ((str(binary), "is not UTF-8 text; save it as UTF-8."), (str(tmp_path / "none.txt"), "does not exist.")):
        code, _, err = _run([*build, prompt], capsys)
        assert code == 2 and err.splitlines()[-1] == f"error: The prompt file '{prompt}' {said}"
        assert not out.exists()
    code, _, err = _run(["build", "--docs", str(tmp_path / "a.txt"), "--out", str(out), "--roundtrip", "off",
                         "--prompt-file", "/dev/zero"], capsys)  # the default mode, ict
    assert code == 0, err
    assert "note: --prompt-file is used by --mode llm only" in err and load_jsonl(out / "pairs.jsonl")


def test_prompt_file_without_its_placeholder_is_refused_before_anything_is_written(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("Pigs need protein.", encoding="utf-8")
    (tmp_path / "p.txt").write_text("Ask a question.", encoding="utf-8")
    code, _, err = _run(["build", "--docs", str(tmp_path / "a.txt"), "--out", str(tmp_path / "o"), *_llm_args(),
                         "--prompt-file", str(tmp_path / "p.txt")], capsys)
    assert code == 2 and "must contain the placeholder {passage}" in err
    assert not (tmp_path / "o").exists()


def test_build_refuses_to_replace_an_earlier_build_unless_overwrite(tmp_path, capsys):
    (tmp_path / "a.md").write_text("# Pig feed\n\nPigs need protein. Corn gives energy to the herd.", encoding="utf-8")
    out = tmp_path / "o"
    out.mkdir()
    (out / "pairs.jsonl").write_text("my hand-edited pairs\n", encoding="utf-8")
    code, _, err = _run(["build", "--docs", str(tmp_path / "a.md"), "--out", str(out), "--mode", "title"], capsys)
    assert code == 2 and err == (f"error: '{out / 'pairs.jsonl'}' already exists; give --overwrite to replace it, or "
                                 "choose another output.\n")
    assert (out / "pairs.jsonl").read_text(encoding="utf-8") == "my hand-edited pairs\n"
    assert sorted(p.name for p in out.iterdir()) == ["pairs.jsonl"]
    code, _, err = _run(["build", "--docs", str(tmp_path / "a.md"), "--out", str(out), "--mode", "title",
                         "--overwrite"], capsys)
    assert code == 0, err
    assert load_jsonl(out / "pairs.jsonl")[0]["query"] == "Pig feed"


@pytest.mark.parametrize("where", [".", "sub"])
def test_build_out_in_the_docs_folder_is_refused(docs, tmp_path, capsys, where):
    out = docs / where
    code, _, err = _run(["build", "--docs", str(docs), "--out", str(out), "--mode", "title"], capsys)
    assert code == 2 and err.startswith(f"error: --out '{out}' is the --docs folder '{docs}' or inside it")
    assert err.count("\n") == 1 and not (docs / "sub").exists() and not (docs / "pairs.jsonl").exists()


def test_build_docs_that_are_not_regular_files_are_said_so(tmp_path, capsys):
    import os

    fifo = tmp_path / "docs.fifo"
    os.mkfifo(fifo)
    for doc in ("/dev/zero", str(fifo)):
        code, _, err = _run(["build", "--docs", doc, "--out", str(tmp_path / "o")], capsys)
        assert code == 2 and f"'{doc}' is not a regular file (a device, pipe or socket)" in err
        assert "does not exist" not in err
