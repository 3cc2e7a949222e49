"""A small stand-in for the Hugging Face Hub on 127.0.0.1, speaking the part of its HTTP API that
``huggingface_hub.HfApi.create_repo`` / ``upload_folder`` / ``upload_file`` use (repo creation, pre-upload and
NDJSON commits with base64 file content). It records what arrives: created repos, files committed per repo, the
Authorization headers. ``FakeHub(status=401)`` answers every request with that status instead.
Used with ``HF_ENDPOINT=hub.url``; ``close()`` stops it."""

from __future__ import annotations

import base64
import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional


class FakeHub:
    def __init__(self, status: Optional[int] = None):
        self.status = status
        self.requests: list[tuple[str, str, str]] = []  # (method, path, Authorization header)
        self.repos: dict[str, dict] = {}  # repo id -> create_repo payload
        self.files: dict[str, dict[str, bytes]] = {}  # repo id -> {path in repo: content}
        hub = self

        class Handler(BaseHTTPRequestHandler):
            # HTTP/1.0: one request per connection, so once closed nothing answers (no kept-alive socket)
            protocol_version = "HTTP/1.0"

            def _body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else b""
                if self.headers.get("Content-Encoding") == "gzip":
                    data = gzip.decompress(data)
                return data

            def _send(self, code: int, payload) -> None:
                body = json.dumps(payload).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _handle(self):
                body = self._body()
                hub.requests.append((self.command, self.path, self.headers.get("Authorization", "")))
                if hub.status is not None:
                    return self._send(hub.status, {"error": f"status {hub.status}"})
                path = self.path.split("?", 1)[0]
                if self.command == "POST" and path == "/api/repos/create":
                    payload = json.loads(body or b"{}")
                    repo = f"{payload.get('organization') or 'me'}/{payload['name']}"
                    hub.repos[repo] = payload
                    hub.files.setdefault(repo, {})
                    return self._send(200, {"url": f"{hub.url}/{repo}", "name": repo})
                if self.command == "POST" and path == "/api/validate-yaml":
                    return self._send(200, {"errors": [], "warnings": []})
                parts = path.strip("/").split("/")
                # /api/models/{ns}/{name}/preupload/{rev}  and  /api/models/{ns}/{name}/commit/{rev}
                if self.command == "POST" and len(parts) >= 6 and parts[:2] == ["api", "models"]:
                    repo = f"{parts[2]}/{parts[3]}"
                    if parts[4] == "preupload":
                        files = json.loads(body)["files"]
                        return self._send(200, {"files": [{"path": f["path"], "uploadMode": "regular",
                                                           "shouldIgnore": False} for f in files],
                                                "commitOid": "0" * 40})
                    if parts[4] == "commit":
                        for line in body.decode().splitlines():
                            item = json.loads(line)
                            if item.get("key") == "file":
                                value = item["value"]
                                hub.files.setdefault(repo, {})[value["path"]] = base64.b64decode(value["content"])
                        return self._send(200, {"commitUrl": f"{hub.url}/{repo}/commit/{'1' * 40}",
                                                "commitOid": "1" * 40, "success": True})
                return self._send(404, {"error": f"no route {self.command} {path}"})

            do_GET = do_POST = do_PUT = do_HEAD = _handle

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stop serving and free the port (afterwards nothing listens there); safe to call twice."""
        if self.thread.is_alive():
            self.server.shutdown()
            self.thread.join(5)
        self.server.server_close()
