"""Download the files a manifest entry names into the standard Hugging Face cache.

Our own small HTTP client writes the standard cache layout (blobs/<etag>,
snapshots/<commit>/<file>, refs/<revision>) under HF_HOME, so transformers and
diffusers load the files with from_pretrained and other tools reuse them. We do
not use huggingface_hub's downloader because since 2.x it deletes a partial file
when a download stops; ours keeps ``<etag>.part`` and resumes it with a Range
request, also after the app was closed. Also: a disk-space check before
starting, per-file and overall progress, a cancel token checked on every 1 MB
block, retries with backoff on server and network errors, sha256 verification
(the manifest's hash, else the hub's LFS etag, which is the file's sha256), and
one clear message for every failure (offline, disk full, 401, 404, hash mismatch).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from albumgen_desktop.core.errors import AlbumGenError, BadInputError, CancelledError, ModelMissingError
from albumgen_desktop.core.progress import CancelToken
from albumgen_desktop.models.manifest import ModelEntry, hub_cache_dir, installed_snapshot

DISK_MARGIN = 1.1  # the cache needs the files plus some room


@dataclass(frozen=True)
class DownloadProgress:
    model_id: str
    filename: str
    file_done: int
    file_total: int
    done: int
    total: int


ProgressFn = Callable[[DownloadProgress], None]


def offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def check_disk_space(entry: ModelEntry, folder: Path | None = None) -> None:
    folder = folder or hub_cache_dir()
    probe = folder
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    needed = int(entry.size_bytes * DISK_MARGIN)
    if free < needed:
        raise AlbumGenError(
            f"not enough disk space for {entry.id}: {needed / 1e9:.1f} GB needed, {free / 1e9:.1f} GB free in {probe}"
        )


BLOCK = 1 << 20


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()


def _request(url: str, method: str = "GET", start: int = 0):
    """GET follows redirects (to the CDN); HEAD does not, because the hub puts the file's
    commit, etag and size on the redirect itself, and the CDN's answer lacks them."""
    from urllib.error import HTTPError
    from urllib.request import HTTPRedirectHandler, Request, build_opener

    from albumgen_desktop import __version__

    class KeepRedirect(HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    headers = {"User-Agent": f"albumgen-desktop/{__version__}", "Accept-Encoding": "identity"}
    token = os.environ.get("HF_TOKEN")
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if start:
        headers["Range"] = f"bytes={start}-"
    opener = build_opener(KeepRedirect) if method == "HEAD" else build_opener()
    try:
        return opener.open(Request(url, headers=headers, method=method), timeout=30)
    except HTTPError as exc:
        if method == "HEAD" and exc.code in (301, 302, 303, 307, 308):
            return exc  # its headers carry the metadata; Location is where the bytes are
        raise


@dataclass(frozen=True)
class _Remote:
    url: str
    commit: str
    etag: str
    size: int


def _head(entry: ModelEntry, filename: str) -> _Remote:
    from urllib.parse import quote

    endpoint = (os.environ.get("HF_ENDPOINT") or "https://huggingface.co").rstrip("/")
    return _head_url(
        entry, filename, f"{endpoint}/{entry.repo}/resolve/{quote(entry.revision, safe='')}/{quote(filename)}"
    )


def _head_url(entry: ModelEntry, filename: str, url: str, hops: int = 0) -> _Remote:
    from urllib.parse import urljoin

    if hops > 5:
        raise AlbumGenError(f"the model hub redirected {filename} of {entry.id} too many times")
    resp = _request(url, "HEAD")
    with resp:
        h = resp.headers
        etag = (h.get("X-Linked-Etag") or h.get("ETag") or "").removeprefix("W/").strip('"')
        size = int(h.get("X-Linked-Size") or h.get("Content-Length") or -1)
        commit = h.get("X-Repo-Commit") or ""
        location = h.get("Location")
    if location and location.startswith("/") and not commit:  # a renamed repo: follow the hub's own redirect
        return _head_url(entry, filename, urljoin(url, location), hops + 1)
    if not etag or not commit or size < 0:
        raise AlbumGenError(f"the model hub gave no file metadata for {filename} of {entry.id}")
    return _Remote(urljoin(url, location) if location else url, commit, etag, size)


def _transfer(entry: ModelEntry, filename: str, remote: _Remote, part: Path, report, cancel) -> None:
    """Append the missing bytes to ``part`` (a Range request from where it stopped)."""
    start = part.stat().st_size if part.exists() else 0
    if start > remote.size:
        part.unlink()
        start = 0
    if start == remote.size:
        return
    with _request(remote.url, "GET", start) as resp:
        mode = "ab" if start and resp.status == 206 else "wb"  # a server without ranges sends it all
        done = start if mode == "ab" else 0
        with open(part, mode) as fh:
            report(filename, done, remote.size, 0)
            while True:
                block = resp.read(BLOCK)
                if not block:
                    break
                fh.write(block)
                done += len(block)
                report(filename, done, remote.size, len(block))
                if cancel is not None and cancel.cancelled:
                    raise CancelledError(f"download of {entry.id} paused; it resumes where it stopped next time")
    if done != remote.size:
        raise OSError(f"connection closed after {done} of {remote.size} bytes")


def _place(entry: ModelEntry, filename: str, remote: _Remote, blob: Path) -> Path:
    """The Hugging Face cache layout: blobs/<etag>, snapshots/<commit>/<file> -> blob, refs/<revision>."""
    pointer = entry.cache_dir() / "snapshots" / remote.commit / filename
    pointer.parent.mkdir(parents=True, exist_ok=True)
    if pointer.is_symlink() or pointer.exists():
        pointer.unlink()
    try:
        os.symlink(os.path.relpath(blob, pointer.parent), pointer)
    except OSError:  # no symlinks (some Windows setups): a copy works the same for loaders
        shutil.copyfile(blob, pointer)
    if entry.revision != remote.commit:
        refs = entry.cache_dir() / "refs" / entry.revision
        refs.parent.mkdir(parents=True, exist_ok=True)
        refs.write_text(remote.commit)
    return pointer


class _Absent(Exception):
    pass


def _fetch(entry: ModelEntry, filename: str, report, cancel, retries: int, backoff_s: float) -> Path:
    from http.client import HTTPException
    from urllib.error import HTTPError, URLError

    for attempt in range(retries + 1):
        try:
            remote = _head(entry, filename)
            blobs = entry.cache_dir() / "blobs"
            blobs.mkdir(parents=True, exist_ok=True)
            blob = blobs / remote.etag
            if not blob.exists():
                part = blobs / (remote.etag + ".part")
                _transfer(entry, filename, remote, part, report, cancel)
                expected = entry.sha256.get(filename) or (remote.etag if len(remote.etag) == 64 else None)
                if expected and _sha256(part) != expected:
                    part.unlink()
                    raise _HashMismatch(filename)
                os.replace(part, blob)
            else:
                report(filename, remote.size, remote.size, remote.size)
            return _place(entry, filename, remote, blob)
        except HTTPError as exc:
            code = exc.headers.get("X-Error-Code", "") if exc.headers else ""
            if exc.code in (401, 403) or code in ("RepoNotFound", "GatedRepo"):
                raise AlbumGenError(
                    f"{entry.repo} is not available (HTTP {exc.code}): it may be gated or private; "
                    "set HF_TOKEN to a Hugging Face token that has access"
                ) from None
            if exc.code == 404 and filename in entry.optional_files:
                raise _Absent(filename) from None
            if exc.code == 404:
                raise AlbumGenError(
                    f"{filename} was not found in {entry.repo} at revision {entry.revision} (HTTP 404)"
                ) from None
            if attempt == retries or (exc.code < 500 and exc.code != 429):
                raise AlbumGenError(f"downloading {filename} of {entry.id} failed: HTTP {exc.code}") from None
        except _HashMismatch:
            if attempt == retries:
                raise AlbumGenError(
                    f"{filename} of {entry.id} kept failing its sha256 check; nothing was kept"
                ) from None
        except (URLError, HTTPException, TimeoutError, ConnectionError, OSError) as exc:
            if getattr(exc, "errno", None) == 28:
                raise AlbumGenError(
                    f"the disk filled up while downloading {entry.id}; the partial file is kept"
                ) from None
            if attempt == retries:
                raise AlbumGenError(f"downloading {filename} of {entry.id} failed: {exc}") from None
        time.sleep(backoff_s * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover


class _HashMismatch(Exception):
    pass


def download_model(
    entry: ModelEntry,
    on_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    retries: int = 3,
    backoff_s: float = 1.0,
) -> Path:
    """Download (or finish downloading) every file of ``entry``; returns its snapshot folder."""
    if offline():
        raise ModelMissingError(f"offline (HF_HUB_OFFLINE is set): {entry.id} cannot be downloaded now")
    if any(ch in f for f in entry.files for ch in "*?["):
        raise BadInputError(f"manifest entry {entry.id} must list exact file names to download")
    check_disk_space(entry)
    files_done: dict[str, int] = {}

    def report(filename: str, file_done: int, file_total: int, _block: int) -> None:
        files_done[filename] = file_done
        if on_progress is not None:
            done = sum(files_done.values())
            on_progress(DownloadProgress(entry.id, filename, file_done, file_total, done, max(done, entry.size_bytes)))

    snapshot: Path | None = None
    for filename in (*entry.files, *entry.optional_files):
        try:
            path = _fetch(entry, filename, report, cancel, retries, backoff_s)
        except _Absent:
            continue
        snapshot = path.parents[filename.count("/")]
    assert snapshot is not None
    return snapshot


def verify_model(entry: ModelEntry) -> list[str]:
    """Problems with the downloaded copy: missing files and sha256 mismatches (empty when fine)."""
    snapshot = installed_snapshot(entry)
    if snapshot is None:
        return [f"{entry.id} is not downloaded"]
    problems = []
    for filename in entry.files:
        path = snapshot / filename
        if not path.is_file():
            problems.append(f"{filename} is missing")
        elif entry.sha256.get(filename) and _sha256(path) != entry.sha256[filename]:
            problems.append(f"{filename} does not match its sha256")
    return problems


def remove_model(entry: ModelEntry) -> bool:
    folder = entry.cache_dir()
    if not folder.exists():
        return False
    shutil.rmtree(folder)
    return True
