"""Builder test helpers: a real OpenAI-compatible HTTP server on 127.0.0.1, and writers for PDF/DOCX files.

``serve_fake_llm()`` (the ``fake_llm`` fixture of tests/conftest.py): a ``FakeLLM`` serving
``POST /v1/chat/completions`` from a thread. What it answers depends on
markers in the prompt text:

- ``MARK_MALFORMED``: HTTP 200 with prose and no question;
- ``MARK_HALF``: HTTP 200 with one good question and one that copies the passage;
- ``MARK_429``: first request per passage gets HTTP 429 with ``Retry-After: <fake.retry_after>``;
- ``MARK_FLAKY``: first request per passage gets HTTP 500;
- ``MARK_500``: always HTTP 500;
- ``MARK_SLOW``: sleeps ``fake.slow`` seconds before answering (longer than the client timeout);
- ``MARK_BADJSON``: HTTP 200 whose body is not JSON;
- otherwise: a JSON array of ``n`` questions in a code fence with a bit of prose around it.

It counts requests per passage (``fake.hits[text]``), records Authorization headers, prompts, arrival
times per passage and the highest number of requests in flight at once.
"""

from __future__ import annotations

import contextlib
import json
import re
import textwrap
import threading
import time
from collections import Counter, defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class FakeLLM:
    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.auth: list[str | None] = []
        self.prompts: list[str] = []
        self.retry_after = "1"
        self.slow = 1.0
        self.delay = 0.0
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def total(self) -> int:
        return sum(self.hits.values())

    @staticmethod
    def passage_of(prompt: str) -> str:
        m = re.search(r'"""\n(.*?)\n"""', prompt, re.S)
        if m:
            return m.group(1)
        m = re.search(r"(?:Query|问题)[:：]\s*(.+)", prompt)
        return m.group(1).strip() if m else prompt

    def answer(self, prompt: str) -> tuple[int, dict, bytes, float]:
        passage = self.passage_of(prompt)
        with self.lock:
            self.hits[passage] += 1
            self.times[passage].append(time.monotonic())
            self.prompts.append(prompt)
            count = self.hits[passage]
        m = re.search(r"(\d+)", prompt)
        n = int(m.group(1)) if m else 1
        if "MARK_SLOW" in passage:
            return 200, {}, _completion('["too late?"]'), self.slow
        if "MARK_500" in passage or ("MARK_FLAKY" in passage and count == 1):
            return 500, {}, b'{"error": {"message": "internal error"}}', 0.0
        if "MARK_429" in passage and count == 1:
            return 429, {"Retry-After": self.retry_after}, b'{"error": {"message": "rate limited"}}', 0.0
        if "MARK_BADJSON" in passage:
            return 200, {}, b"<html>gateway says hi</html>", 0.0
        if "MARK_MALFORMED" in passage:
            return 200, {}, _completion("I am sorry, but I would rather talk about the weather today, which is lovely and warm."), 0.0
        if "MARK_HALF" in passage:
            return 200, {}, _completion(json.dumps(["What does the marked passage describe?", passage], ensure_ascii=False)), 0.0
        words = re.findall(r"\w+", passage)[:3]
        qs = [f"Question {i + 1} about {' '.join(words)}?" for i in range(n)]
        body = "Sure! Here you go:\n```json\n" + json.dumps(qs, ensure_ascii=False) + "\n```\nHope this helps."
        return 200, {}, _completion(body), self.delay


def _completion(content: str) -> bytes:
    return json.dumps({
        "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": "fake",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }, ensure_ascii=False).encode("utf-8")


def _handler(fake: FakeLLM):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(length) or b"{}")
            with fake.lock:
                fake.auth.append(self.headers.get("Authorization"))
                fake.in_flight += 1
                fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
            try:
                if self.path != "/v1/chat/completions":
                    status, headers, body, delay = 404, {}, b'{"error": "not found"}', 0.0
                elif payload.get("model") == "needs-auth":
                    status, headers, body, delay = 401, {}, b'{"error": {"message": "invalid api key"}}', 0.0
                else:
                    prompt = payload["messages"][-1]["content"]
                    status, headers, body, delay = fake.answer(prompt)
                if delay:
                    time.sleep(delay)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass
            finally:
                with fake.lock:
                    fake.in_flight -= 1

    return Handler


@contextlib.contextmanager
def serve_fake_llm():
    """A local OpenAI-compatible endpoint on 127.0.0.1 (``FakeLLM``: it records each request), shut down on exit."""
    fake = FakeLLM()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.server = server
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


# ------------------------------------------------------------------------------------ document writers


def write_pdf(path: Path, pages: list[list[str]], header: str | None = None, footer: str | None = "Page {n} of {total}") -> Path:
    """A text PDF (matplotlib's PDF backend) with one entry of ``pages`` per page; each entry is a list of
    paragraphs, wrapped at 70 characters. ``header``/``footer`` lines repeat on every page."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    with PdfPages(path) as pdf:
        for n, paragraphs in enumerate(pages, start=1):
            fig = plt.figure(figsize=(8.5, 11))
            y = 0.95
            if header:
                fig.text(0.08, y, header, fontsize=9)
                y -= 0.05
            for para in paragraphs:
                for line in textwrap.wrap(para, 70):
                    fig.text(0.08, y, line, fontsize=10)
                    y -= 0.025
                y -= 0.02
            if footer:
                fig.text(0.08, 0.03, footer.format(n=n, total=len(pages)), fontsize=9)
            pdf.savefig(fig)
            plt.close(fig)
    return path


def write_docx(path: Path, blocks: list[tuple[str, str]]) -> Path:
    """A .docx built from ``(kind, text)``: kind is "title", "h1", "h2", "p", "pagebreak" or "table"
    (text: rows separated by ';' and cells by '|')."""
    import docx
    from docx.enum.text import WD_BREAK

    d = docx.Document()
    for kind, text in blocks:
        if kind == "title":
            d.add_heading(text, level=0)
        elif kind in ("h1", "h2"):
            d.add_heading(text, level=int(kind[1]))
        elif kind == "pagebreak":
            d.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        elif kind == "table":
            rows = [r.split("|") for r in text.split(";")]
            table = d.add_table(rows=len(rows), cols=len(rows[0]))
            for i, row in enumerate(rows):
                for j, cell in enumerate(row):
                    table.cell(i, j).text = cell
        else:
            d.add_paragraph(text)
    d.save(str(path))
    return path
