"""Loading .txt/.md/.pdf/.docx/.html into pages, encodings, per-file problems, and cleaning."""

from __future__ import annotations

import codecs
import logging

import pytest

from core.builder.documents import (
    Document,
    Page,
    clean_documents,
    clean_text,
    compile_patterns,
    decode_bytes,
    drop_repeated_lines,
    html_to_text,
    load_documents,
    repeated_lines,
)
from core.errors import ConfigError
from core.progress import Progress
from tests.core.builder.conftest import write_docx, write_pdf

PDF_PAGES = [
    ["Pigs need protein from soybean meal and corn. Dr. Smith measured a gain of 3.5 kg per week on this feed."],
    ["Piglets are weaned at about four weeks. Weaning weight depends on the milk of the sow."],
    ["African swine fever is a virus disease of the herd. There is no vaccine yet, so farms rely on biosecurity."],
    ["Water intake rises with temperature. A sow drinks more than twenty litres a day in summer."],
]


def test_pdf_pages_and_repeated_header_footer_removed(tmp_path):
    pdf = write_pdf(tmp_path / "swine.pdf", PDF_PAGES, header="ACME Farms Confidential | www.acme.example")
    docs = load_documents([pdf])
    assert not docs.problems
    assert len(docs) == 1
    doc = docs[0]
    assert [p.page_number for p in doc.pages] == [1, 2, 3, 4]
    assert "ACME Farms Confidential" in doc.pages[0].text and "Page 1 of 4" in doc.pages[0].text
    assert "Weaning weight depends" in doc.pages[1].text

    cleaned, report = clean_documents(docs)
    pages = cleaned[0].pages
    assert [p.page_number for p in pages] == [1, 2, 3, 4]
    for p in pages:
        assert "ACME" not in p.text and "Page " not in p.text
    assert "Dr. Smith measured a gain of 3.5 kg" in " ".join(pages[0].text.split())
    assert report.removed_lines[str(pdf)]  # header and "Page # of #" footer
    assert any("page # of #" in k for k in report.removed_lines[str(pdf)])
    assert report.chars_after < report.chars_before


def test_docx_headings_tables_and_page_breaks(tmp_path):
    path = write_docx(tmp_path / "guide.docx", [
        ("title", "Swine Feeding Guide"),
        ("p", "Pigs need protein. Corn gives energy."),
        ("table", "Feed|Protein;Soybean meal|44%"),
        ("pagebreak", ""),
        ("h1", "母猪管理"),
        ("p", "母猪断奶后要增加饲料。仔猪需要保温！"),
    ])
    docs = load_documents([path])
    assert not docs.errors
    pages = docs[0].pages
    assert [p.page_number for p in pages] == [1, 2]
    assert pages[0].text.startswith("# Swine Feeding Guide")
    assert "Soybean meal | 44%" in pages[0].text
    assert pages[1].text.startswith("# 母猪管理")
    assert "仔猪需要保温！" in pages[1].text


def test_html_drops_script_style_nav_keeps_headings(tmp_path):
    html = """<html><head><title>Pig farm</title><style>p {color: red}</style></head>
    <body><nav>Home | About | Contact</nav><script>var secret = 1;</script>
    <h2>Feeding</h2><p>Pigs eat <b>corn</b> and soybean meal.</p><ul><li>First point.</li><li>Second point.</li></ul>
    </body></html>"""
    (tmp_path / "page.html").write_text(html, encoding="utf-8")
    docs = load_documents([tmp_path / "page.html"])
    text = docs[0].pages[0].text
    assert "## Feeding" in text
    assert "Pigs eat corn and soybean meal." in text
    assert "First point." in text and "Second point." in text
    for gone in ("Home | About", "secret", "color: red"):
        assert gone not in text
    assert html_to_text("<p>only text</p>").startswith("only text")


@pytest.mark.parametrize("encoding,prefix", [
    ("utf-8", b""), ("utf-8-sig", b""), ("gb18030", b""), ("utf-16", b""), ("gbk", b""),
])
def test_text_encodings(tmp_path, encoding, prefix):
    text = "猪的饲料需要玉米和豆粕。非洲猪瘟是猪群的病毒病！Pigs eat corn."
    path = tmp_path / f"doc-{encoding}.txt"
    path.write_bytes(prefix + text.encode(encoding))
    docs = load_documents([path])
    assert not docs.problems
    assert docs[0].pages[0].text == text


def test_decode_bytes_bom_and_latin1():
    assert decode_bytes(codecs.BOM_UTF8 + "héllo".encode()) == "héllo"
    assert decode_bytes("猪舍通风".encode("utf-32")) == "猪舍通风"  # BOM written by the codec
    assert decode_bytes("猪舍通风 养猪".encode("gb18030")) == "猪舍通风 养猪"
    assert decode_bytes("café au lait, naïve résumé".encode("cp1252")).startswith("caf")
    assert "咖啡" not in decode_bytes("café au lait, naïve résumé, déjà vu".encode("cp1252"))


def test_folder_recursion_and_problems_do_not_stop_the_batch(tmp_path):
    (tmp_path / "docs" / "sub").mkdir(parents=True)
    (tmp_path / "docs" / "a.md").write_text("# A\n\nAlpha text.", encoding="utf-8")
    (tmp_path / "docs" / "sub" / "b.txt").write_text("Beta text.", encoding="utf-8")
    (tmp_path / "docs" / "sub" / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (tmp_path / "docs" / "sub" / "empty.txt").write_text("   \n", encoding="utf-8")
    (tmp_path / "docs" / "image.png").write_bytes(b"\x89PNG")
    (tmp_path / "notes.xyz").write_text("x", encoding="utf-8")
    seen: list[Progress] = []
    docs = load_documents([tmp_path / "docs", tmp_path / "missing.txt", tmp_path / "notes.xyz"], progress=seen.append)
    assert sorted(d.source.rsplit("/", 1)[-1] for d in docs) == ["a.md", "b.txt"]
    msgs = {p.path.rsplit("/", 1)[-1]: p for p in docs.problems}
    assert "could not be read" in msgs["broken.pdf"].message and msgs["broken.pdf"].severity == "error"
    assert "no extractable text" in msgs["empty.txt"].message
    assert "not supported" in msgs["image.png"].message and msgs["image.png"].severity == "warning"
    assert "does not exist" in msgs["missing.txt"].message
    assert "not supported" in msgs["notes.xyz"].message and msgs["notes.xyz"].severity == "error"
    assert seen and seen[-1].stage == "load" and seen[-1].done == seen[-1].total == 4


def test_clean_text_whitespace():
    raw = "Line\u00a0one \t has   spaces \r\n\r\n\r\n\r\nLine\u200b two  \n"
    assert clean_text(raw) == "Line one has spaces\n\nLine two"


def test_repeated_lines_threshold_and_min_pages():
    bodies = ["Body text about pigs.", "Body text about sows.", "Body text about feed.", "Body text about water."]
    pages = [Page(f"Annual Report 2024\n{b}\n{i}", i) for i, b in enumerate(bodies, start=1)]
    keys = repeated_lines(pages)
    assert "annual report #" in keys  # numbers are ignored when comparing lines
    assert "#" in keys  # bare page numbers
    out = drop_repeated_lines(pages)
    assert all("Annual Report" not in p.text for p in out)
    assert [p.text for p in out] == bodies
    # a line on 1 of 4 pages stays; with a stricter share a line on half the pages stays too
    pages2 = [Page("Banner\nA", 1), Page("Banner\nB", 2), Page("C", 3), Page("D", 4)]
    assert repeated_lines(pages2, min_share=0.5)
    assert not repeated_lines(pages2, min_share=0.75)
    assert not repeated_lines(pages[:2])  # too few pages to judge


def test_user_patterns_and_invalid_regex():
    doc = Document("x.txt", [Page("Keep this. [ad] Buy now! [/ad] Keep that.\nCopyright 2024 ACME", 1)])
    cleaned, _ = clean_documents([doc], patterns=[r"\[ad\].*?\[/ad\]", r"^Copyright.*$"])
    assert cleaned[0].pages[0].text == "Keep this. Keep that."
    with pytest.raises(ConfigError) as err:
        compile_patterns(["ok", "bad[("])
    assert "'bad[('" in str(err.value)


def test_docx_text_inside_content_controls(tmp_path):
    import docx
    from docx.oxml import OxmlElement

    path = write_docx(tmp_path / "form.docx", [("p", "Before the control.")])
    d = docx.Document(str(path))
    para = d.add_paragraph("Inside a content control.")
    sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    para._p.addprevious(sdt)
    content.append(para._p)
    sdt.append(content)
    d.save(str(path))
    text = load_documents([path])[0].pages[0].text
    assert text == "Before the control.\n\nInside a content control."


def test_a_file_named_pdf_that_is_not_one_is_said_so_and_pypdf_stays_quiet(tmp_path, caplog):
    (tmp_path / "x.pdf").write_text("hello\n", encoding="utf-8")
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (tmp_path / "empty.pdf").write_bytes(b"")
    with caplog.at_level(logging.DEBUG):
        docs = load_documents([tmp_path / "x.pdf", tmp_path / "broken.pdf", tmp_path / "empty.pdf"])
    msgs = {p.path.rsplit("/", 1)[-1]: p.message for p in docs.problems}
    assert msgs["x.pdf"] == (f"'{tmp_path / 'x.pdf'}' could not be read: it is not a readable PDF (it does not start "
                             f"with '%PDF-'; is it another kind of file named .pdf?).")
    assert "it is not a readable PDF (damaged: Stream has ended unexpectedly)" in msgs["broken.pdf"]
    assert "it is empty, so it is not a readable PDF" in msgs["empty.pdf"]
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]  # no raw 'invalid pdf header' lines
    assert logging.getLogger("pypdf").level == logging.NOTSET  # the logger is restored after the read


def test_a_file_named_docx_that_is_not_one_is_said_so_in_the_studios_words(tmp_path):
    """python-docx says 'Package not found at <full path>'; the studio says what is wrong with the file instead."""
    (tmp_path / "notes.docx").write_bytes(b"just some bytes, not a zip")
    (tmp_path / "other.docx").write_bytes(b"PK\x03\x04 a broken zip header")
    docs = load_documents([tmp_path / "notes.docx", tmp_path / "other.docx"])
    for p in docs.problems:
        assert p.message == (f"'{p.path}' could not be read: it is not a readable Word document (a .docx is a zip of "
                             "XML files; is it another kind of file named .docx?)."), p.message
    assert len(docs.problems) == 2


def test_only_an_empty_pdf_mentions_ocr_and_an_empty_html_is_read_quietly(tmp_path, recwarn):
    (tmp_path / "empty.html").write_bytes(b"")
    (tmp_path / "blank.htm").write_text("<html><body>  </body></html>", encoding="utf-8")
    docs = load_documents([tmp_path / "empty.html", tmp_path / "blank.htm"])
    assert not docs
    for problem in docs.problems:
        assert problem.message.endswith("contains no extractable text.") and "OCR" not in problem.message
    assert not [w for w in recwarn if "REPLACEMENT CHARACTER" in str(w.message)]


def test_a_device_or_pipe_given_as_a_document_is_not_said_to_be_missing(tmp_path):
    import os

    from core.builder.documents import find_files

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    files, problems = find_files(["/dev/zero", fifo, tmp_path / "missing.txt"])
    assert files == []
    assert [p.message for p in problems] == [
        "'/dev/zero' is not a regular file (a device, pipe or socket); choose a file or a folder.",
        f"'{fifo}' is not a regular file (a device, pipe or socket); choose a file or a folder.",
        f"'{tmp_path / 'missing.txt'}' does not exist (expected a file or a folder).",
    ]
