"""A local stand-in for huggingface.co and its CDN, answering the way the real ones answer today.

Shaped on real responses (no test reaches the real network):

- Small (non-LFS) files: ``HEAD /{repo}/resolve/{rev}/{file}`` answers **307** with a *relative*
  ``Location: /api/resolve-cache/models/{repo}/{commit}/{file}?%2F{repo}%2Fresolve%2F{rev}%2F{file}=&etag=%22{sha1}%22``,
  ``X-Repo-Commit``, ``Accept-Ranges: bytes``, ``Content-Type: text/plain; charset=utf-8`` and a short
  body whose ``Content-Length`` is the body's (262 bytes in a captured answer for
  mlx-community/Qwen3.5-9B-4bit, quoted in raullenchai/Rapid-MLX#1122; the same Location form in
  huggingface/swift-transformers#209). The resolve-cache URL then answers 200 with the file, its
  git blob sha1 as ``ETag`` and its own size.
- Weights (LFS, Xet-backed): **302** with an *absolute* ``Location`` on another host (a signed
  ``cas-bridge.xethub.hf.co`` URL in real answers), ``X-Linked-Etag`` (the sha256), ``X-Linked-Size``,
  ``X-Xet-Hash`` and ``Link: <.../xet-read-token/{commit}>; rel="xet-auth", <.../reconstruction/{hash}>;
  rel="xet-reconstruction-info"`` (captured from ``curl -I`` on Qwen/Qwen3-0.6B, padeoe/hf-mirror-site#51),
  while ``ETag`` names the LFS pointer, not the file. Here the second host is a second server on
  127.0.0.2 (another origin, as a CDN is) that records the headers of every request it receives.
- Renamed repos: 307 to the new name, with a relative or an absolute same-host ``Location``.
- Errors: 401 with ``X-Error-Code: RepoNotFound`` for a repo that does not exist, 403 ``GatedRepo``,
  404 ``RevisionNotFound``, 404 ``EntryNotFound`` with ``X-Repo-Commit`` (the codes huggingface_hub's
  ``hf_raise_for_status`` reads).

Fault injection on the responses that carry file bytes (the resolve-cache URL and the CDN):
``fail_next`` (5xx first), ``corrupt_next`` (wrong bytes once), ``drop_after`` (close the connection
after N bytes, once), ``ignore_range`` (answer a Range request with the whole file) and
``pause_after`` (stop after N bytes until an event is set: lets a test kill a client mid-file).
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, unquote

import pytest

COMMIT = "0123456789abcdef0123456789abcdef01234567"
LFS_SUFFIXES = (".safetensors", ".bin", ".model", ".pt", ".onnx", ".msgpack", ".h5", ".gguf")
LFS_MIN_SIZE = 10 * 1024 * 1024  # bigger files are LFS whatever their name, as .gitattributes makes them


def git_blob_sha1(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def is_lfs(name: str, data: bytes) -> bool:
    return name.endswith(LFS_SUFFIXES) or len(data) >= LFS_MIN_SIZE


def lfs_pointer(data: bytes) -> bytes:
    sha = hashlib.sha256(data).hexdigest()
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha}\nsize {len(data)}\n".encode()


def xet_hash(data: bytes) -> str:
    """Stands in for the Xet merkle hash: 64 hex digits that are not the sha256 (as on the Hub)."""
    return hashlib.sha256(b"xet:" + data).hexdigest()


@dataclass
class Seen:
    """One request a server received."""

    server: str  # "hub" or "cdn"
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names
    sent: int = 0  # body bytes of a file this request got


class _Server:
    def __init__(self, host: str, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer((host, 0), handler)
        self.httpd.daemon_threads = True
        self.url = f"http://{host}:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Hub:
    """``files[(repo, name)] = bytes`` makes a repo; ``commits[repo]`` its commit (COMMIT by default);
    ``refs[(repo, ref)]`` extra refs (``main`` always names the commit)."""

    def __init__(self) -> None:
        self.files: dict[tuple[str, str], bytes] = {}
        self.commits: dict[str, str] = {}
        self.refs: dict[tuple[str, str], str] = {}
        self.renamed: dict[str, tuple[str, str]] = {}  # old repo -> (new repo, "relative" | "absolute")
        self.gated: set[str] = set()
        self.xet = True  # LFS files are Xet-backed (X-Xet-Hash and the xet-auth Link)
        self.status_override: int | None = None
        self.fail_next: dict[str, int] = {}
        self.corrupt_next: set[str] = set()
        self.drop_after: dict[str, int] = {}
        self.pause_after: dict[str, tuple[int, threading.Event]] = {}
        self.ignore_range = False
        self.log: list[tuple[str, str, str]] = []  # (method, file name, Range header) of HEADs and byte GETs
        self.requests: list[Seen] = []  # every request to the hub
        self.cdn_requests: list[Seen] = []  # every request to the CDN, with its headers
        self._lock = threading.Lock()
        self.hub = _Server("127.0.0.1", self._handler("hub"))
        self.cdn = _Server("127.0.0.2", self._handler("cdn"))
        self.url = self.hub.url

    # -- the repo model -------------------------------------------------------------------------

    def commit_of(self, repo: str) -> str:
        return self.commits.get(repo, COMMIT)

    def repo_exists(self, repo: str) -> bool:
        return any(r == repo for r, _ in self.files)

    def resolve_revision(self, repo: str, revision: str) -> str | None:
        commit = self.commit_of(repo)
        if revision in ("main", commit):
            return commit
        return self.refs.get((repo, revision))

    def _by_sha256(self, sha: str) -> tuple[str, bytes] | None:
        for (_, name), data in list(self.files.items()):
            if hashlib.sha256(data).hexdigest() == sha:
                return name, data
        return None

    def close(self) -> None:
        self.hub.close()
        self.cdn.close()

    # -- HTTP ---------------------------------------------------------------------------------------

    def _handler(self, server: str) -> type[BaseHTTPRequestHandler]:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                return

            def do_HEAD(self) -> None:
                self._route(head=True)

            def do_GET(self) -> None:
                self._route(head=False)

            # responses
            def _send(self, status: int, headers: dict[str, str], body: bytes, head: bool) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if not head:
                    self.wfile.write(body)

            def _error(self, status: int, code: str, message: str, head: bool, commit: str | None = None) -> None:
                headers = {"Content-Type": "application/json", "X-Error-Code": code, "X-Error-Message": message}
                if commit:
                    headers["X-Repo-Commit"] = commit
                self._send(status, headers, b'{"error":"%s"}' % message.encode(), head)

            def _redirect(self, status: int, location: str, headers: dict[str, str], head: bool) -> None:
                reason = "Temporary Redirect" if status == 307 else "Found"
                body = f"{reason}. Redirecting to {location}".encode()
                self._send(status, {"Content-Type": "text/plain; charset=utf-8", "Location": location, **headers},
                           body, head)  # fmt: skip

            def _route(self, head: bool) -> None:
                path, _, query = self.path.partition("?")
                seen = Seen(server, self.command, self.path, {k.lower(): v for k, v in self.headers.items()})
                self.seen = seen
                with hub._lock:
                    (hub.requests if server == "hub" else hub.cdn_requests).append(seen)
                if server == "cdn":
                    return self._cdn(path, head)
                if hub.status_override:
                    code = {401: "RepoNotFound", 403: "GatedRepo"}.get(hub.status_override, "")
                    return self._error(hub.status_override, code, "refused", head)
                cache = re.match(r"^/api/resolve-cache/models/([^/]+/[^/]+)/([0-9a-f]{40})/(.+)$", path)
                if cache:
                    repo, commit, name = cache.group(1), cache.group(2), unquote(cache.group(3))
                    data = hub.files.get((repo, name))
                    hub.log.append((self.command, name, self.headers.get("Range", "")))
                    if data is None or commit != hub.commit_of(repo):
                        return self._error(404, "EntryNotFound", "Entry not found", head, commit)
                    return self._bytes(name, data, {"ETag": f'"{git_blob_sha1(data)}"', "X-Repo-Commit": commit}, head)
                resolve = re.match(r"^/([^/]+/[^/]+)/resolve/([^/]+)/(.+)$", path)
                if not resolve:
                    return self._error(404, "", "Not found", head)
                repo, rev, name = resolve.group(1), unquote(resolve.group(2)), unquote(resolve.group(3))
                if repo in hub.renamed:
                    new, how = hub.renamed[repo]
                    target = f"/{new}/resolve/{quote(rev, safe='')}/{quote(name)}"
                    return self._redirect(307, target if how == "relative" else hub.url + target, {}, head)
                if not hub.repo_exists(repo):
                    return self._error(401, "RepoNotFound", "Repository not found", head)
                if repo in hub.gated:
                    return self._error(403, "GatedRepo", "Access to this model is restricted", head)
                commit = hub.resolve_revision(repo, rev)
                if commit is None:
                    return self._error(404, "RevisionNotFound", "Invalid rev id", head)
                data = hub.files.get((repo, name))
                if self.command == "HEAD":
                    hub.log.append(("HEAD", name, ""))
                if data is None:
                    return self._error(404, "EntryNotFound", "Entry not found", head, commit)
                if not is_lfs(name, data):
                    etag = git_blob_sha1(data)
                    cached = (f"/api/resolve-cache/models/{repo}/{commit}/{quote(name)}"
                              f"?{quote(f'/{repo}/resolve/{rev}/{name}', safe='')}=&etag=%22{etag}%22")  # fmt: skip
                    headers = {"X-Repo-Commit": commit, "ETag": f'"{etag}"', "Accept-Ranges": "bytes",
                               "X-Powered-By": "huggingface-moon"}  # fmt: skip
                    return self._redirect(307, cached, headers, head)
                sha = hashlib.sha256(data).hexdigest()
                signed = (f"{hub.cdn.url}/repos/{sha[:2]}/{sha[2:4]}/{sha}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                          f"&X-Amz-Expires=3600&X-Amz-Signature={hashlib.sha1(sha.encode()).hexdigest()}")  # fmt: skip
                headers = {
                    "X-Repo-Commit": commit, "X-Linked-Etag": f'"{sha}"', "X-Linked-Size": str(len(data)),
                    "ETag": f'"{git_blob_sha1(lfs_pointer(data))}"', "Accept-Ranges": "bytes",
                }  # fmt: skip
                if hub.xet:
                    xh = xet_hash(data)
                    headers["X-Xet-Hash"] = xh
                    headers["Link"] = (f'<{hub.url}/api/models/{repo}/xet-read-token/{commit}>; rel="xet-auth", '
                                       f'<{hub.cdn.url}/reconstruction/{xh}>; rel="xet-reconstruction-info"')  # fmt: skip
                return self._redirect(302, signed, headers, head)

            def _cdn(self, path: str, head: bool) -> None:
                found = re.match(r"^/repos/[0-9a-f]{2}/[0-9a-f]{2}/([0-9a-f]{64})$", path)
                hit = hub._by_sha256(found.group(1)) if found else None
                if hit is None:
                    return self._send(404, {"Content-Type": "application/xml"}, b"<Error>NoSuchKey</Error>", head)
                name, data = hit
                hub.log.append((self.command, name, self.headers.get("Range", "")))
                self._bytes(name, data, {"ETag": f'"{hashlib.md5(data, usedforsecurity=False).hexdigest()}"'}, head)

            def _bytes(self, name: str, data: bytes, headers: dict[str, str], head: bool) -> None:
                """Serve a file's bytes with Range, and the fault injection."""
                if not head and hub.fail_next.get(name, 0) > 0:
                    hub.fail_next[name] -= 1
                    return self._send(503, {"Content-Type": "text/plain"}, b"Service Unavailable", head)
                content = data
                if not head and name in hub.corrupt_next:
                    hub.corrupt_next.discard(name)
                    content = bytes(b ^ 0xFF for b in data)
                rng = self.headers.get("Range", "")
                m = re.match(r"bytes=(\d+)-$", rng)
                start = int(m.group(1)) if m and not hub.ignore_range else 0
                if start > len(content):
                    return self._send(416, {"Content-Range": f"bytes */{len(content)}"}, b"", head)
                body = content[start:]
                self.send_response(206 if start else 200)
                for k, v in {"Content-Type": "application/octet-stream", "Accept-Ranges": "bytes", **headers}.items():
                    self.send_header(k, v)
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{len(content) - 1}/{len(content)}")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if head:
                    return
                limit = hub.drop_after.pop(name, None)
                pause = hub.pause_after.pop(name, None)
                try:
                    sent = 0
                    for i in range(0, len(body), 64 * 1024):
                        piece = body[i : i + 64 * 1024]
                        if limit is not None and sent + len(piece) > limit:
                            piece = piece[: limit - sent]
                        if pause is not None and sent + len(piece) > pause[0]:
                            piece = piece[: pause[0] - sent]
                        self.wfile.write(piece)
                        sent += len(piece)
                        self.seen.sent += len(piece)
                        if limit is not None and sent >= limit:
                            self.wfile.flush()
                            self.close_connection = True
                            return  # the client sees the connection close mid-file
                        if pause is not None and sent >= pause[0]:
                            self.wfile.flush()
                            pause[1].wait(60)
                            pause = None
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

        return Handler


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hub]:
    """A running local hub; huggingface_hub set up as if HF_ENDPOINT had pointed at it from the start."""
    import socket

    import huggingface_hub.constants as constants

    from tests import netguard

    getaddrinfo, connect = netguard.wrappers()  # conftest.py does it too; kept for runs without it
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    server = Hub()
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_TOKEN", "HF_HUB_DISABLE_SYMLINKS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.setattr(constants, "ENDPOINT", server.url)
    monkeypatch.setattr(
        constants, "HUGGINGFACE_CO_URL_TEMPLATE", server.url + "/{repo_id}/resolve/{revision}/{filename}"
    )
    yield server
    server.close()
