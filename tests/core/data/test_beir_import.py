"""A BEIR folder, or a .zip of one, as a training dataset and as evaluation data (``core.data.beir_import``)."""

from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path

import pytest

from core.data.beir_import import beir_dataset, beir_folder, qpn_rows, unpack_beir_zip
from core.errors import DataError
from tests.conftest import gzip_beir, write_beir, zip_folder


def rows_of(path: str) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


def test_a_beir_folder_becomes_the_samples_layout_with_the_highest_grade_as_positives(tmp_path):
    folder = write_beir(tmp_path / "law")
    ds = beir_dataset(folder, out_root=tmp_path / "datasets")
    assert ds["format"] == "qpn" and Path(ds["train"]).parent.name.startswith("beir-law-")
    train = rows_of(ds["train"])
    # the grade-2 passage only, its title joined as evaluation joins it; the empty query and the one whose passage
    # is missing are skipped
    assert train[0] == {"query": "question 0 about pigs", "pos": ["Title 0 passage number 0 about pigs"]}
    assert train[1] == {"query": "question 1 about pigs", "pos": ["passage number 1 about pigs"]}
    assert len(train) == 4 and ds["counts"]["train"] == {"queries": 6, "rows": 4, "skipped": 2}
    assert [r["query"] for r in rows_of(ds["validation"])] == [f"question {i} about pigs" for i in range(4, 8)]
    assert len(rows_of(ds["test"])) == 4
    passages = rows_of(ds["passages"])
    assert len(passages) == 12 and passages[2] == {"_id": "d2", "text": "Title 2 passage number 2 about pigs"}
    # Evaluate's test set: the whole corpus with the test judgements alone
    from core.evaluation import load_evalset

    ev = load_evalset(ds["eval"])
    assert len(ev.corpus) == 12 and set(ev.qrels) == {f"q{i}" for i in range(8, 12)}
    assert sorted(p.name for p in (Path(ds["eval"]) / "qrels").iterdir()) == ["test.tsv"]


def test_the_same_folder_is_made_once_and_a_changed_one_again(tmp_path, monkeypatch):
    import core.data.beir_import as bi

    folder = write_beir(tmp_path / "law")
    first = beir_dataset(folder, out_root=tmp_path / "datasets")
    made = os.stat(first["train"]).st_mtime_ns
    with monkeypatch.context() as m:  # made already: its counts come from the folder, no row is built again
        m.setattr(bi, "read_beir", lambda *a, **k: pytest.fail("the BEIR files were read again"))
        again = beir_dataset(folder, out_root=tmp_path / "datasets")
    assert again == first and os.stat(first["train"]).st_mtime_ns == made
    with open(folder / "qrels" / "train.tsv", "a", encoding="utf-8") as fh:
        fh.write("q11\td3\t1\n")
    again = beir_dataset(folder, out_root=tmp_path / "datasets")
    assert again["train"] != first["train"] and len(rows_of(again["train"])) == 5


def test_without_train_judgements_a_seeded_share_of_the_test_queries_is_held_out_and_the_rest_trains(tmp_path):
    """A folder whose only judgements are ``test.tsv`` (many BEIR sets): a fifth of its queries is the test split,
    Evaluate's ``beir/`` set holds their judgements alone over the whole corpus, the others train; the same folder
    gives the same split; the summary line says how the split was made."""
    from core.data.beir_import import summary_line
    from core.evaluation import load_evalset

    folder = write_beir(tmp_path / "only-test", splits=("test",), n=40)
    ds = beir_dataset(folder, out_root=tmp_path / "datasets")
    train, test = rows_of(ds["train"]), rows_of(ds["test"])
    assert ds["validation"] is None  # the recipe holds out its validation share from the training rows
    assert len(test) == 8 and len(train) == 32
    assert not {r["query"] for r in train} & {r["query"] for r in test}
    assert ds["counts"]["split"] == {"file": "test.tsv", "queries": 40, "test_share": 0.2, "seed": 42, "group_by": None}
    ev = load_evalset(ds["eval"])
    assert len(ev.corpus) == 40 and sorted(ev.queries.values()) == sorted(r["query"] for r in test)
    assert "(no qrels/train.tsv: the 40 queries of qrels/test.tsv split, 20% held out as the test split with seed 42" \
        in summary_line(ds)
    assert rows_of(beir_dataset(folder, out_root=tmp_path / "again")["test"]) == test  # seeded: the same split


def test_queries_whose_positives_share_a_passage_land_on_one_side_of_the_split():
    from core.data.beir_import import split_queries

    # q0..q29 each with its own positive; q30..q39 all share d30 (one group of ten); grade-1 passages do not group
    qrels = {f"q{i}": {f"d{i}": 2, "d_common": 1} for i in range(30)}
    qrels.update({f"q{i}": {"d30": 1} for i in range(30, 40)})
    qrels["q_none"] = {"d0": 0}
    train, test = split_queries(qrels, share=0.2, seed=3)
    assert set(train) | set(test) == set(qrels) and not set(train) & set(test)
    assert 6 <= len(test) <= 10 and "q_none" in train
    shared = {f"q{i}" for i in range(30, 40)}
    assert shared <= set(train) or shared <= set(test)
    for seed in range(20):  # whichever side the group falls on, it is never cut in two
        tr, te = split_queries(qrels, share=0.2, seed=seed)
        assert shared <= set(tr) or shared <= set(te)
    with pytest.raises(DataError, match=r"^The judgements' 10 queries share their gold passages so widely"):
        split_queries({f"q{i}": {"d": 1} for i in range(10)})
    # the same question under two ids (asked of two filings) is one group too: a test question is never a training one
    texts = {q: f"question {q}" for q in qrels} | {"q1": "  what is the margin?", "q2": "what is the margin?"}
    for seed in range(20):
        tr, te = split_queries(qrels, share=0.2, seed=seed, texts=texts)
        assert {"q1", "q2"} <= set(tr) or {"q1", "q2"} <= set(te)
    # a query field's value (``groups``) joins its queries too; a query without one is a group of its own
    groups = {f"q{i}": f"firm{i % 4}" for i in range(0, 30, 2)}
    for seed in range(20):
        tr, te = split_queries(qrels, share=0.2, seed=seed, groups=groups)
        firms = [{groups[q] for q in side if q in groups} for side in (tr, te)]
        assert not firms[0] & firms[1]


def test_a_query_field_keeps_its_queries_on_one_side_of_the_split_and_in_the_rows(tmp_path):
    """``group_by`` names a field of queries.jsonl (here the company a question is about): no company is on both
    sides of the test split, the rows keep the field as a column (so validation can be held out the same way), the
    counts and the summary say so, and the grouped dataset is a folder of its own beside the ungrouped one."""
    from core.data.beir_import import summary_line

    folder = write_beir(tmp_path / "firms", splits=("test",), n=40, fields=lambda i: {"company": f"c{i % 8}"})
    plain = beir_dataset(folder, out_root=tmp_path / "datasets")
    ds = beir_dataset(folder, out_root=tmp_path / "datasets", group_by="company")
    assert ds["train"] != plain["train"] and ds["group_by"] == "company" and plain["group_by"] is None
    train, test = rows_of(ds["train"]), rows_of(ds["test"])
    assert {r["company"] for r in train} & {r["company"] for r in test} == set()
    assert len(test) == 10 and len(train) == 30  # whole companies of five: the nearest to a fifth without a cut
    assert "company" not in rows_of(plain["train"])[0]
    assert ds["counts"]["split"]["group_by"] == "company"
    assert ds["counts"]["group_by"] == {"field": "company", "values": 8, "queries": 40}
    assert "queries that share a gold passage, their text or their 'company' on one side" in summary_line(ds)
    for seed_folder in ("again", "and-again"):  # the same split each time
        assert rows_of(beir_dataset(folder, out_root=tmp_path / seed_folder, group_by="company")["test"]) == test


def test_a_query_field_that_is_missing_a_row_column_or_one_value_is_refused_with_one_sentence(tmp_path):
    folder = write_beir(tmp_path / "firms", splits=("test",), n=20, fields=lambda i: {"company": "acme", "page": i})
    with pytest.raises(DataError, match=r"^data\.group_by 'ticker': no query in queries\.jsonl of the BEIR data "
                                        r"'firms' has that field to keep its queries together by \(its query fields: "
                                        r"company, page\)\.$"):
        beir_dataset(folder, out_root=tmp_path / "datasets", group_by="ticker")
    with pytest.raises(DataError, match=r"^data\.group_by 'pos': .* 'pos' is a column of the training rows"):
        beir_dataset(folder, out_root=tmp_path / "datasets", group_by="pos")
    with pytest.raises(DataError, match=r"^The judgements' 20 queries fall into so few groups of equal values"):
        beir_dataset(folder, out_root=tmp_path / "datasets", group_by="company")  # one company: no test side
    assert not (tmp_path / "datasets").exists()  # nothing written for a refused field
    numbered = beir_dataset(folder, out_root=tmp_path / "datasets", group_by="page")  # a number is its text
    assert {r["page"] for r in rows_of(numbered["train"])} <= {str(i) for i in range(20)}


def test_a_folder_with_neither_train_nor_test_judgements_and_several_files_is_refused(tmp_path):
    folder = write_beir(tmp_path / "two", splits=("dev", "extra"))
    with pytest.raises(DataError, match=r"^The BEIR data 'two' has no qrels/train\.tsv and no qrels/test\.tsv to hold "
                                        r"out a test share from \(found: dev\.tsv, extra\.tsv\)"):
        beir_dataset(folder, out_root=tmp_path / "datasets")
    assert not (tmp_path / "datasets").exists()
    assert qpn_rows(folder, "dev")[1] == {"queries": 6, "rows": 6, "skipped": 0}
    lone = write_beir(tmp_path / "alldev", splits=("all",))  # one file, whatever its name, is split
    assert beir_dataset(lone, out_root=tmp_path / "datasets")["counts"]["split"]["file"] == "all.tsv"


@pytest.mark.parametrize("prefix", ["", "law/"])
def test_a_zip_of_a_beir_folder_trains_and_evaluates(tmp_path, prefix):
    folder = write_beir(tmp_path / "law")
    z = zip_folder(folder, tmp_path / "law.zip", prefix, extra={f"{prefix}README.md": "not taken", "other/x.txt": "no"})
    out = unpack_beir_zip(z, out_root=tmp_path / "datasets")
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and p.name != ".complete") == [
        "corpus.jsonl", "qrels/dev.tsv", "qrels/test.tsv", "qrels/train.tsv", "queries.jsonl"]
    assert unpack_beir_zip(z, out_root=tmp_path / "datasets") == out  # the same zip again: unpacked once
    ds = beir_dataset(z, out_root=tmp_path / "datasets")
    assert rows_of(ds["train"]) == rows_of(beir_dataset(folder, out_root=tmp_path / "d2")["train"])
    assert Path(ds["train"]).parent.name.startswith("beir-law-")
    from core.evaluation import load_evalset

    ev = load_evalset(z)
    assert len(ev.corpus) == 12


def test_a_gzipped_beir_folder_or_zip_is_read_decompressed_and_left_as_it_is(tmp_path, monkeypatch):
    """corpus.jsonl.gz / queries.jsonl.gz: the folder (or a zip of it) trains and evaluates as the plain one does,
    decompressed once into the datasets folder; the user's folder is not written; a file that expands past
    ``STUDIO_MAX_UNCOMPRESSED_BYTES`` is one sentence."""
    from core.data.beir_import import is_beir_folder
    from core.evaluation import load_evalset

    plain = write_beir(tmp_path / "plain")
    packed = gzip_beir(write_beir(tmp_path / "law"))
    before = sorted(p.name for p in packed.rglob("*"))
    assert is_beir_folder(packed)
    ds = beir_dataset(packed, out_root=tmp_path / "datasets")
    assert rows_of(ds["train"]) == rows_of(beir_dataset(plain, out_root=tmp_path / "d2")["train"])
    assert sorted(p.name for p in packed.rglob("*")) == before
    assert len(load_evalset(packed).corpus) == 12
    z = zip_folder(packed, tmp_path / "law.zip", "law/")
    assert rows_of(beir_dataset(z, out_root=tmp_path / "d3")["train"]) == rows_of(ds["train"])
    monkeypatch.setenv("STUDIO_MAX_UNCOMPRESSED_BYTES", "300")
    with pytest.raises(DataError, match=r"^corpus\.jsonl\.gz expands past STUDIO_MAX_UNCOMPRESSED_BYTES"):
        beir_dataset(packed, out_root=tmp_path / "d4")
    assert not (tmp_path / "d4").exists() or not any(p.name.startswith("beir-gz") for p in (tmp_path / "d4").iterdir())


def _hostile(tmp_path: Path, name: str, info: zipfile.ZipInfo | None = None, data: bytes = b"x") -> Path:
    folder = write_beir(tmp_path / "ok")
    z = zip_folder(folder, tmp_path / f"{name}.zip")
    with zipfile.ZipFile(z, "a") as zf:
        zf.writestr(info or name, data)
    return z


@pytest.mark.parametrize("member", ["../evil.txt", "/etc/evil.txt", "qrels/../../evil.txt", "C:/evil.txt"])
def test_a_zip_member_outside_its_folder_is_refused_before_anything_is_written(tmp_path, member):
    z = _hostile(tmp_path, "slip", zipfile.ZipInfo(member))
    with pytest.raises(DataError, match=r"a path outside the zip's own folder; it was not unpacked\.$"):
        unpack_beir_zip(z, out_root=tmp_path / "datasets")
    assert not (tmp_path / "datasets").exists() and not (tmp_path / "evil.txt").exists()


def test_a_zip_holding_a_link_is_refused(tmp_path):
    info = zipfile.ZipInfo("link.jsonl")
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    z = _hostile(tmp_path, "link", info, b"/etc/passwd")
    with pytest.raises(DataError, match=r"'link\.jsonl', a link; a BEIR zip holds plain files only\.$"):
        unpack_beir_zip(z, out_root=tmp_path / "datasets")


def test_a_zip_that_expands_past_the_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("STUDIO_MAX_UNCOMPRESSED_BYTES", "1000")
    z = zip_folder(write_beir(tmp_path / "big"), tmp_path / "big.zip")
    with pytest.raises(DataError, match=r"big\.zip expands when unzipped to"):
        unpack_beir_zip(z, out_root=tmp_path / "datasets")
    assert not (tmp_path / "datasets").exists()


def test_a_zip_without_a_beir_folder_or_not_a_zip_says_what_was_expected(tmp_path):
    plain = tmp_path / "plain.zip"
    with zipfile.ZipFile(plain, "w") as zf:
        zf.writestr("train.csv", "a,b\n")
    with pytest.raises(DataError, match=r"^plain\.zip holds no BEIR folder: expected corpus\.jsonl and queries\.jsonl side by side"):
        beir_folder(plain, out_root=tmp_path / "datasets")
    fake = tmp_path / "fake.zip"
    fake.write_text("not a zip")
    with pytest.raises(DataError, match=r"^fake\.zip is not a readable zip file"):
        beir_folder(fake, out_root=tmp_path / "datasets")
    no_qrels = tmp_path / "noq.zip"
    with zipfile.ZipFile(no_qrels, "w") as zf:
        zf.writestr("corpus.jsonl", '{"_id": "d", "text": "t"}\n')
        zf.writestr("queries.jsonl", '{"_id": "q", "text": "t"}\n')
    with pytest.raises(DataError, match=r"^noq\.zip has a corpus and queries but no qrels/<split>\.tsv"):
        beir_folder(no_qrels, out_root=tmp_path / "datasets")
    with pytest.raises(DataError, match=r"is not a BEIR folder"):
        beir_folder(tmp_path, out_root=tmp_path / "datasets")
