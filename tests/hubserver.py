"""A local imitation of the Hugging Face file endpoints that huggingface_hub's downloader uses.

Serves ``/{repo}/resolve/{revision}/{file}`` (HEAD and GET with Range) on 127.0.0.1 from
files the test makes, with switches for server errors and corrupted first responses.
"""

from __future__ import annotations

import hashlib
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class Hub:
    def __init__(self) -> None:
        self.files: dict[tuple[str, str], bytes] = {}  # (repo, filename) -> content
        self.fail_next: dict[str, int] = {}  # filename -> how many 5xx to send first
        self.corrupt_next: set[str] = set()  # filename -> serve wrong bytes once
        self.log: list[tuple[str, str, str]] = []  # (method, filename, range header)
        self.status_override: int | None = None
        self.redirect_weights = False  # like the real hub: .safetensors resolve to a CDN by 302
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                return

            def _redirect(self, filename: str, content: bytes) -> bool:
                if not (hub.redirect_weights and filename.endswith(".safetensors") and "/resolve/" in self.path):
                    return False
                self.send_response(302)
                self.send_header(
                    "Location", "/cdn/" + next(k for k in hub.files if k[1] == filename)[0] + "/" + filename
                )
                self.send_header("X-Repo-Commit", COMMIT)
                self.send_header("X-Linked-Etag", '"' + hashlib.sha256(content).hexdigest() + '"')
                self.send_header("X-Linked-Size", str(len(content)))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return True

            def _lookup(self):
                path = self.path.split("?")[0]
                cdn = re.match(r"^/cdn/(.+?/.+?)/(.+)$", path)
                if cdn:
                    return cdn.group(2), hub.files.get((cdn.group(1), cdn.group(2)))
                m = re.match(r"^/(.+?/.+?)/resolve/([^/]+)/(.+)$", path)
                if not m:
                    return None, None
                repo, _rev, filename = m.groups()
                return filename, hub.files.get((repo, filename))

            def _headers(
                self,
                filename: str,
                body: bytes,
                status: int = 200,
                extra: dict | None = None,
                full: bytes | None = None,
            ) -> None:
                self.send_response(status)
                self.send_header("X-Repo-Commit", COMMIT)
                self.send_header(
                    "ETag",
                    '"' + hashlib.sha256(body if full is None else full).hexdigest() + '"',
                )
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()

            def _refuse(self, status: int, code: str = "") -> None:
                self.send_response(status)
                if code:
                    self.send_header("X-Error-Code", code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_HEAD(self) -> None:
                filename, content = self._lookup()
                hub.log.append(("HEAD", filename or "", ""))
                if hub.status_override:
                    return self._refuse(hub.status_override, "RepoNotFound" if hub.status_override == 401 else "")
                if content is None:
                    return self._refuse(404, "EntryNotFound")
                if self._redirect(filename, content):
                    return
                self._headers(filename, content)

            def do_GET(self) -> None:
                filename, content = self._lookup()
                rng = self.headers.get("Range", "")
                hub.log.append(("GET", filename or "", rng))
                if content is None:
                    return self._refuse(404, "EntryNotFound")
                if self._redirect(filename, content):
                    return
                if hub.fail_next.get(filename, 0) > 0:
                    hub.fail_next[filename] -= 1
                    return self._refuse(503)
                original = content  # the ETag names the true bytes, as the hub's LFS sha256 does
                if filename in hub.corrupt_next:
                    hub.corrupt_next.discard(filename)
                    content = bytes(b ^ 0xFF for b in content)
                start = int(re.match(r"bytes=(\d+)-", rng).group(1)) if rng.startswith("bytes=") else 0
                body = content[start:]
                if start:
                    self._headers(
                        filename,
                        body,
                        206,
                        {"Content-Range": f"bytes {start}-{len(content) - 1}/{len(content)}"},
                        full=original,
                    )
                else:
                    self._headers(filename, body, full=original)
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
