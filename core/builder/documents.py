"""Read documents (.txt, .md, .pdf, .docx, .html/.htm) into pages of text, and clean them.

- ``load_documents(paths, progress=None) -> LoadedDocuments``: files and folders (folders recurse) become
  ``Document(source, pages=[Page(text, page_number)])``. PDF keeps one ``Page`` per PDF page (pypdf);
  .docx is split at explicit page breaks (python-docx); .txt/.md/.html are one page each. Text files are
  decoded by BOM, then UTF-8, then GB18030 / the charset-normalizer guess. The result is a list of
  documents with a ``problems`` attribute: one ``FileProblem(path, message, severity)`` per file that could
  not be read (or read only partly); one bad file never stops the batch. The data importer's limits hold:
  a text or HTML file over ``STUDIO_MAX_TEXT_BYTES``, a .docx that unzips past ``STUDIO_MAX_UNCOMPRESSED_BYTES``
  or ``STUDIO_MAX_ZIP_RATIO``, and a path that is not a regular file are problems, never read into memory.
- Headings are kept as Markdown heading lines (``# Title``) whatever the input format, so the chunker and
  the title-query mode see them the same way.
- ``clean_text(text)``: normalise spaces and line ends. ``repeated_lines(pages)`` / ``drop_repeated_lines
  (pages)``: header, footer and link-banner lines that recur on most pages. ``compile_patterns`` /
  ``remove_patterns``: user regular expressions whose matches are deleted. ``clean_documents`` runs all three.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from core.data.readers import check_zip, read_text_file
from core.errors import ConfigError, DataError
from core.progress import ProgressFn, Tracker

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".pdf", ".docx", ".html", ".htm")


@dataclass
class Page:
    """One page of text; ``page_number`` counts from 1."""

    text: str
    page_number: int = 1


@dataclass
class Document:
    """A file's text. ``source`` is the path as found (str); ``pages`` in reading order."""

    source: str
    pages: list[Page] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.pages)

    @property
    def n_chars(self) -> int:
        return sum(len(p.text) for p in self.pages)


@dataclass
class FileProblem:
    """A file that could not be read (``severity="error"``) or was read only partly (``"warning"``)."""

    path: str
    message: str
    severity: str = "error"

    def to_dict(self) -> dict:
        return {"path": self.path, "message": self.message, "severity": self.severity}


class LoadedDocuments(list):
    """A ``list[Document]`` that also carries ``problems: list[FileProblem]`` (one per unreadable file)."""

    def __init__(self, documents: Iterable[Document] = (), problems: Iterable[FileProblem] = ()):
        super().__init__(documents)
        self.problems: list[FileProblem] = list(problems)

    @property
    def errors(self) -> list[FileProblem]:
        return [p for p in self.problems if p.severity == "error"]


# --------------------------------------------------------------------------------------------- loading


def find_files(paths: Sequence[str | Path]) -> tuple[list[Path], list[FileProblem]]:
    """Expand files and folders (recursively, sorted) into supported files; the rest become problems."""
    files: list[Path] = []
    problems: list[FileProblem] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                if not child.is_file() or any(part.startswith(".") for part in child.relative_to(p).parts):
                    continue
                if child.suffix.lower() in SUPPORTED_SUFFIXES:
                    files.append(child)
                else:
                    problems.append(FileProblem(str(child), _unsupported(child), "warning"))
        elif p.is_file():
            if p.suffix.lower() in SUPPORTED_SUFFIXES:
                files.append(p)
            else:
                problems.append(FileProblem(str(p), _unsupported(p)))
        elif p.exists():  # a device such as /dev/zero, a pipe, a socket: never opened
            problems.append(FileProblem(str(p), f"'{p}' is not a regular file (a device, pipe or socket); choose a file or a folder."))
        else:
            problems.append(FileProblem(str(p), f"'{p}' does not exist (expected a file or a folder)."))
    seen: set[Path] = set()
    unique = []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique, problems


def _unsupported(p: Path) -> str:
    kind = p.suffix or "(no extension)"
    return f"'{p}' was skipped: file type {kind} is not supported (expected one of {', '.join(SUPPORTED_SUFFIXES)})."


def load_documents(paths: Sequence[str | Path] | str | Path, progress: ProgressFn | None = None) -> LoadedDocuments:
    """Read every supported file under ``paths`` (files or folders).

    Returns a ``LoadedDocuments`` (a list of ``Document``) whose ``problems`` lists unreadable,
    unsupported or empty files with one sentence each. Never raises for a single bad file.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    files, problems = find_files(list(paths))
    tracker = Tracker("load", len(files), progress)
    docs: list[Document] = []
    for f in files:
        try:
            doc, warnings = read_document(f)
        except Exception as err:  # one bad file must not stop the batch
            problems.append(FileProblem(str(f), f"'{f}' could not be read: {_one_line(err)}."))
            tracker.update(1, f.name)
            continue
        problems.extend(FileProblem(str(f), w, "warning") for w in warnings)
        if not any(p.text.strip() for p in doc.pages):
            problems.append(FileProblem(str(f), _no_text(f)))
        else:
            doc.pages = [p for p in doc.pages if p.text.strip()]
            docs.append(doc)
        tracker.update(1, f.name)
    return LoadedDocuments(docs, problems)


def _no_text(path: Path) -> str:
    """The sentence for a file read without error but holding no text; only a PDF can be a scanned image."""
    if path.suffix.lower() == ".pdf":
        return f"'{path}' contains no extractable text (a scanned PDF needs OCR first)."
    return f"'{path}' contains no extractable text."


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    return text[:300].rstrip(".")


def read_document(path: str | Path) -> tuple[Document, list[str]]:
    """Read one file; returns the document and warning sentences. Raises on unreadable files."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".txt", ".md", ".markdown"):
        text = decode_bytes(read_text_file(path), str(path))
        return Document(str(path), [Page(text, 1)]), []
    if suffix == ".pdf":
        return _read_pdf(path)
    if suffix == ".docx":
        return Document(str(path), _read_docx(path)), []
    if suffix in (".html", ".htm"):
        data = read_text_file(path)
        return Document(str(path), [Page(html_to_text(data) if data.strip() else "", 1)]), []
    raise ValueError(_unsupported(path))


def decode_bytes(data: bytes, name: str = "text") -> str:
    """Decode text bytes with the data importer's detection (``core.data.readers.decode_bytes``: BOMs, UTF-8,
    GB18030 when it reads as Chinese, then charset-normalizer). Raises ValueError when nothing fits."""
    from core.data.readers import decode_bytes as detect

    try:
        return detect(data, name)[0]
    except DataError as err:
        raise ValueError(str(err)) from None


@contextmanager
def _quiet_pypdf():
    """Silence pypdf's logger while a PDF is read: its raw lines (``invalid pdf header: b'hello'``, ``EOF marker
    not found``) would reach the console; the file's problems are reported as one sentence instead."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        yield
    finally:
        logger.setLevel(level)


def _read_pdf(path: Path) -> tuple[Document, list[str]]:
    """Pages of a PDF and warning sentences (pypdf's logger quiet meanwhile). Raises ValueError saying the file
    is not a readable PDF when pypdf cannot open it (e.g. a text file named .pdf), or that it is encrypted."""
    with _quiet_pypdf():
        return _read_pdf_pages(path)


def _not_a_pdf(path: Path, err: Exception) -> ValueError:
    """The sentence for a file pypdf cannot open: not a PDF at all (no ``%PDF-`` header) or a damaged one."""
    try:
        with path.open("rb") as f:
            head = f.read(1024)
    except OSError:
        head = b""
    if not head:
        return ValueError("it is empty, so it is not a readable PDF")
    if b"%PDF-" not in head:
        return ValueError("it is not a readable PDF (it does not start with '%PDF-'; is it another kind of file "
                          "named .pdf?)")
    return ValueError(f"it is not a readable PDF (damaged: {_one_line(err)})")


def _read_pdf_pages(path: Path) -> tuple[Document, list[str]]:
    import pypdf
    from pypdf.errors import PdfReadError

    try:
        reader = pypdf.PdfReader(str(path))
    except PdfReadError as err:
        raise _not_a_pdf(path, err) from None
    if reader.is_encrypted:
        try:
            ok = reader.decrypt("")
        except Exception:
            ok = 0
        if not ok:
            raise ValueError("the PDF is encrypted with a password")
    pages: list[Page] = []
    failed: list[int] = []
    empty: list[int] = []
    for i, page in enumerate(reader.pages, start=1):
        try:
            text = page.extract_text() or ""
        except Exception:
            failed.append(i)
            continue
        if not text.strip():
            empty.append(i)
        pages.append(Page(text, i))
    warnings = []
    if failed:
        warnings.append(f"'{path}': text could not be extracted from page(s) {_ranges(failed)}; they were skipped.")
    if empty and len(empty) < len(reader.pages):
        warnings.append(f"'{path}': page(s) {_ranges(empty)} have no text layer (scanned images?) and were skipped.")
    return Document(str(path), pages), warnings


def _ranges(nums: list[int]) -> str:
    return ", ".join(str(n) for n in nums[:20]) + (" ..." if len(nums) > 20 else "")


def _read_docx(path: Path) -> list[Page]:
    """Paragraphs and tables in body order; headings become ``#`` lines; explicit page breaks split pages."""
    import docx
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_zip(path)  # a zip bomb is refused before python-docx expands it
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError) as err:  # python-docx's own words name the full path
        raise ValueError("it is not a readable Word document (a .docx is a zip of XML files; is it another kind "
                         "of file named .docx?)") from err
    pages: list[list[str]] = [[]]
    body = document.element.body
    blocks = []
    for child in body.iterchildren():  # content controls (w:sdt) wrap paragraphs and tables
        if child.tag == qn("w:sdt"):
            content = child.find(qn("w:sdtContent"))
            blocks.extend(content.iterchildren() if content is not None else [])
        else:
            blocks.append(child)
    for child in blocks:
        if child.tag == qn("w:p"):
            para = Paragraph(child, document)
            if para.paragraph_format.page_break_before and any(pages[-1]):
                pages.append([])
            style = (para.style.name if para.style is not None else "") or ""
            # split the paragraph text at hard page breaks inside its runs
            pieces = [""]
            for node in child.iter():
                if node.tag == qn("w:t"):
                    pieces[-1] += node.text or ""
                elif node.tag == qn("w:tab"):
                    pieces[-1] += "\t"
                elif node.tag in (qn("w:br"), qn("w:cr")):
                    if node.get(qn("w:type")) == "page":
                        pieces.append("")
                    else:
                        pieces[-1] += "\n"
            for k, piece in enumerate(pieces):
                if k > 0:
                    pages.append([])
                if piece.strip():
                    pages[-1].append(_heading_prefix(style) + piece.strip())
        elif child.tag == qn("w:tbl"):
            table = Table(child, document)
            for row in table.rows:
                cells: list[str] = []
                for cell in row.cells:
                    t = " ".join(cell.text.split())
                    if t and (not cells or cells[-1] != t):  # merged cells repeat their text
                        cells.append(t)
                if cells:
                    pages[-1].append(" | ".join(cells))
    return [Page("\n\n".join(lines), i) for i, lines in enumerate(pages, start=1)]


def _heading_prefix(style: str) -> str:
    s = style.lower()
    if s == "title":
        return "# "
    m = re.match(r"heading\s*(\d)", s) or re.match(r"标题\s*(\d)", s)
    if m:
        return "#" * min(int(m.group(1)), 6) + " "
    return ""


def html_to_text(raw: bytes | str) -> str:
    """Visible text of an HTML page: drops script/style/nav (and similar), keeps headings as ``#`` lines."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(raw, "html.parser")
    for tag in soup(["script", "style", "nav", "noscript", "template", "svg", "iframe", "button", "form"]):
        tag.decompose()
    title = soup.title.get_text(" ", strip=True) if soup.title else ""
    if soup.head is not None:
        soup.head.decompose()
    for level in range(1, 7):
        for h in soup.find_all(f"h{level}"):
            h.insert_before("\n\n" + "#" * level + " ")
            h.insert_after("\n\n")
    for block in soup.find_all(["p", "div", "li", "tr", "br", "section", "article", "table", "blockquote", "pre"]):
        block.insert_after("\n")
    text = soup.get_text("")
    text = "\n".join(" ".join(line.split()) for line in text.splitlines())
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    text = re.sub(r"^(#{1,6}) *\n+", r"\1 ", text, flags=re.M)
    if title and not re.search(r"^# ", text, flags=re.M):
        text = f"# {title}\n\n{text}"
    return text


# --------------------------------------------------------------------------------------------- cleaning

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Normalise whitespace: one space inside lines, no trailing spaces, at most one blank line in a row,
    no invisible characters. Line structure is kept (the chunker uses it)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _line_key(line: str) -> str:
    """Lines that differ only in numbers ("Page 3 of 9") count as the same line."""
    return re.sub(r"\d+", "#", " ".join(line.split())).lower()


def repeated_lines(pages: Sequence[Page], min_share: float = 0.5, min_pages: int = 3, max_len: int = 200) -> set[str]:
    """Keys (see ``_line_key``) of lines found on at least ``min_share`` of the pages (counted once per
    page; numbers are ignored, so "Page 3 of 9" and a bare page number "3" repeat). Only documents with at least ``min_pages`` pages are looked at; lines longer than ``max_len``
    characters are never treated as headers/footers."""
    if len(pages) < max(min_pages, 2):
        return set()
    counts: Counter[str] = Counter()
    for page in pages:
        keys = {_line_key(line) for line in page.text.splitlines() if line.strip() and len(line.strip()) <= max_len}
        counts.update(keys)
    need = max(2, min_share * len(pages))
    return {k for k, c in counts.items() if c >= need and k.strip()}


def drop_repeated_lines(pages: Sequence[Page], min_share: float = 0.5, min_pages: int = 3, max_len: int = 200) -> list[Page]:
    """Return new pages without the header/footer/banner lines found by ``repeated_lines``."""
    keys = repeated_lines(pages, min_share, min_pages, max_len)
    if not keys:
        return [Page(p.text, p.page_number) for p in pages]
    out = []
    for p in pages:
        kept = [line for line in p.text.splitlines() if _line_key(line) not in keys or not line.strip()]
        out.append(Page("\n".join(kept), p.page_number))
    return out


def compile_patterns(patterns: Iterable[str] | None) -> list[re.Pattern]:
    """Compile user regular expressions (multi-line mode). Raises ConfigError naming the first bad one."""
    compiled = []
    for pat in patterns or []:
        if not pat:
            continue
        try:
            compiled.append(re.compile(pat, re.MULTILINE))
        except re.error as err:
            raise ConfigError(f"The regular expression '{pat}' is invalid ({err}); fix or remove it.") from None
    return compiled


def remove_patterns(text: str, patterns: Sequence[re.Pattern | str]) -> str:
    """Delete every match of each pattern from ``text``."""
    for pat in compile_patterns([p for p in patterns if isinstance(p, str)]) + [p for p in patterns if not isinstance(p, str)]:
        text = pat.sub("", text)
    return text


@dataclass
class CleanReport:
    """What cleaning removed: repeated line keys per source, and characters before/after."""

    removed_lines: dict[str, list[str]] = field(default_factory=dict)
    chars_before: int = 0
    chars_after: int = 0

    def to_dict(self) -> dict:
        return {"removed_lines": self.removed_lines, "chars_before": self.chars_before, "chars_after": self.chars_after}


def clean_documents(
    documents: Sequence[Document],
    min_share: float = 0.5,
    min_pages: int = 3,
    patterns: Iterable[str] | None = None,
    drop_repeated: bool = True,
) -> tuple[list[Document], CleanReport]:
    """Clean every document: whitespace (``clean_text``), repeated header/footer lines (when
    ``drop_repeated``), then deletion of ``patterns`` matches. Pages left empty are dropped.
    Returns new documents and a ``CleanReport``. Raises ConfigError for an invalid pattern."""
    compiled = compile_patterns(patterns)
    report = CleanReport()
    out = []
    for doc in documents:
        pages = [Page(clean_text(p.text), p.page_number) for p in doc.pages]
        report.chars_before += sum(len(p.text) for p in doc.pages)
        if drop_repeated:
            keys = repeated_lines(pages, min_share, min_pages)
            if keys:
                report.removed_lines[doc.source] = sorted(keys)
                pages = drop_repeated_lines(pages, min_share, min_pages)
        if compiled:
            pages = [Page(remove_patterns(p.text, compiled), p.page_number) for p in pages]
        pages = [Page(clean_text(p.text), p.page_number) for p in pages]
        pages = [p for p in pages if p.text]
        report.chars_after += sum(len(p.text) for p in pages)
        if pages:
            out.append(Document(doc.source, pages))
    return out, report
