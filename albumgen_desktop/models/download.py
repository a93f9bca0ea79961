"""Download the files a manifest entry names into the standard Hugging Face cache.

Who does what:

- **huggingface_hub speaks the Hub protocol.** ``hf_hub_url`` builds each resolve URL;
  ``get_hf_file_metadata`` sends the HEAD, follows the Hub's own redirects (the 307 to
  ``/api/resolve-cache/...`` that small files get, renamed repos, relative or absolute on the same
  host) and stops at the first other host (the signed CDN URL of a weights file), so the commit
  (``X-Repo-Commit``), the etag (``X-Linked-Etag`` or ``ETag``), the size (``X-Linked-Size``, never a
  redirect's own ``Content-Length``) and the Xet data come from the library as the Hub changes. Its
  errors name what went wrong (RepoNotFound, GatedRepo, EntryNotFound, RevisionNotFound); its
  headers carry the token (HF_TOKEN or the saved login) and its HTTP session (proxies, offline
  guard) carries our GET requests too.
- **Ours: the byte transfer.** huggingface_hub 2.4 writes each download to a process-unique
  ``<etag>.<uuid>.incomplete`` and deletes it when anything fails (file_download.py,
  ``_download_to_tmp_and_move``), so a 2 GB file restarts from zero after a closed laptop or a
  killed app. We keep ``blobs/<etag>.incomplete`` (the name older huggingface_hub versions resumed
  from) across process restarts and continue it with a Range request, report progress and check a
  cancel token on every 1 MB block, and check the finished bytes against the etag (sha256 for LFS
  files, the git blob sha1 for the others) before they become ``blobs/<etag>``. The token goes
  only where huggingface_hub would send it (hub_settings.may_send_token): never to the CDN.

The cache layout is huggingface_hub's (``refs/``, ``snapshots/<commit>/``, ``blobs/<etag>``, the same
``.locks/`` files), so transformers, diffusers and ``snapshot_download(local_files_only=True)`` read
what we write. Where the file system has no symbolic links the snapshot entry is a hard link to
the blob, or else the blob itself moved there: nothing is ever stored twice.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from albumgen_desktop.core.errors import AlbumGenError, BadInputError, CancelledError, ModelMissingError
from albumgen_desktop.core.progress import CancelToken
from albumgen_desktop.models.hub_settings import hub_cache_dir, hub_endpoint, hub_offline, may_send_token
from albumgen_desktop.models.installed import (
    check_snapshot,
    file_identity,
    read_record,
    repo_folder,
    safetensors_problem,
    write_record,
)
from albumgen_desktop.models.manifest import ModelEntry
from albumgen_desktop.models.verify import matches_hash, verify_model

__all__ = ["DownloadProgress", "check_disk_space", "download_model", "offline", "remove_model", "verify_model"]

BLOCK = 1 << 20
METADATA_TIMEOUT_S = 30.0
READ_TIMEOUT_S = 60.0
RETRY_BACKOFF_S = 1.0  # first wait before a retry; doubles each time


@dataclass(frozen=True)
class DownloadProgress:
    """One progress report: bytes of the current file and of the whole model (both in bytes;
    ``total`` is the exact sum the hub announced for every file)."""

    model_id: str
    filename: str
    file_done: int
    file_total: int
    done: int
    total: int


ProgressFn = Callable[[DownloadProgress], None]


def offline() -> bool:
    """True when downloads must not be tried (HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE)."""
    return hub_offline()


@dataclass(frozen=True)
class RemoteFile:
    """What the hub says about one file, as huggingface_hub parsed it."""

    name: str
    resolve_url: str  # the /resolve/ URL we asked
    location: str  # where the bytes are: the same Hub origin, or a CDN
    commit: str
    etag: str
    size: int
    xet_hash: str | None


class _Absent(Exception):
    """An optional file the repo does not have."""


class _Retry(Exception):
    """A failure worth another try (server error, dropped connection, wrong bytes)."""


def _library_headers() -> dict[str, str]:
    from huggingface_hub.utils import build_hf_headers

    from albumgen_desktop import __version__

    headers = build_hf_headers(library_name="albumgen-desktop", library_version=__version__)
    headers["Accept-Encoding"] = "identity"  # byte ranges and sizes must mean the file's bytes
    return dict(headers)


def _explain(exc: Exception, entry: ModelEntry, filename: str, endpoint: str) -> AlbumGenError | _Retry | _Absent:
    """Map huggingface_hub's and httpx's errors to one sentence for a person (or a retry)."""
    import httpx2
    from huggingface_hub.errors import (
        FileMetadataError,
        GatedRepoError,
        HfHubHTTPError,
        OfflineModeIsEnabled,
        RemoteEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    if isinstance(exc, OfflineModeIsEnabled):
        return ModelMissingError(f"offline mode is on (HF_HUB_OFFLINE): {entry.id} cannot be downloaded now")
    if isinstance(exc, GatedRepoError):
        return AlbumGenError(
            f"{entry.repo} is gated: accept its terms on the Hugging Face website, then set HF_TOKEN to a token "
            "of that account"
        )
    if isinstance(exc, RepositoryNotFoundError):
        return AlbumGenError(
            f"{entry.repo} is not available: it may be private or gated, or gone; set HF_TOKEN to a Hugging Face "
            "token that has access"
        )
    if isinstance(exc, RevisionNotFoundError):
        return AlbumGenError(f"{entry.repo} has no revision {entry.revision!r}; the models manifest needs updating")
    if isinstance(exc, RemoteEntryNotFoundError):
        if filename in entry.optional_files:
            return _Absent(filename)
        return AlbumGenError(f"{filename} was not found in {entry.repo} at revision {entry.revision} (HTTP 404)")
    if isinstance(exc, HfHubHTTPError):
        status = exc.response.status_code if exc.response is not None else 0
        if status in (401, 403):
            return AlbumGenError(f"{entry.repo} refused access (HTTP {status}); set HF_TOKEN to a token with access")
        if status == 429 or status >= 500:
            return _Retry(f"the model hub is busy or failing (HTTP {status})")
        return AlbumGenError(f"downloading {filename} of {entry.id} failed: the model hub answered HTTP {status}")
    if isinstance(exc, FileMetadataError):
        return AlbumGenError(
            f"the server at {endpoint} does not answer like the Hugging Face Hub (no commit or etag for {filename}); "
            "check HF_ENDPOINT, proxy and firewall settings"
        )
    if isinstance(exc, httpx2.TimeoutException):
        return _Retry("the connection to the model hub timed out")
    if isinstance(exc, httpx2.ConnectError):
        return _Retry(f"cannot reach the model hub at {endpoint}: the computer seems to be offline")
    if isinstance(exc, (httpx2.TransportError, httpx2.StreamError, ConnectionError)):
        return _Retry("the connection to the model hub broke off")
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return AlbumGenError(f"the disk filled up while downloading {entry.id}; what arrived is kept")
    if isinstance(exc, OSError):
        return AlbumGenError(f"cannot write {entry.id} into the model folder {hub_cache_dir()}: {exc.strerror or exc}")
    raise exc


def _with_retries(action: Callable[[], Any], entry: ModelEntry, filename: str, retries: int, backoff_s: float) -> Any:
    import httpx2

    endpoint = hub_endpoint()
    for attempt in range(retries + 1):
        try:
            return action()
        except (_Retry, OSError, httpx2.HTTPError, httpx2.StreamError) as exc:  # huggingface_hub's errors are OSErrors
            outcome = exc if isinstance(exc, _Retry) else _explain(exc, entry, filename, endpoint)
            if isinstance(outcome, (AlbumGenError, _Absent)):
                raise outcome from None
            if attempt == retries:
                raise AlbumGenError(f"downloading {filename} of {entry.id} failed: {outcome}") from None
        time.sleep(backoff_s * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def _metadata(entry: ModelEntry, filename: str, revision: str) -> RemoteFile:
    from huggingface_hub import get_hf_file_metadata, hf_hub_url

    from albumgen_desktop import __version__

    endpoint = hub_endpoint()
    url = hf_hub_url(entry.repo, filename, revision=revision, endpoint=endpoint)
    meta = get_hf_file_metadata(
        url, timeout=METADATA_TIMEOUT_S, library_name="albumgen-desktop", library_version=__version__,
        endpoint=endpoint,
    )  # fmt: skip
    if not meta.commit_hash or not meta.etag:
        from huggingface_hub.errors import FileMetadataError

        raise FileMetadataError(f"no X-Repo-Commit or ETag for {url}")
    if meta.size is None:
        raise AlbumGenError(f"the model hub gave no size for {filename} of {entry.id}")
    xet_hash = meta.xet_file_data.file_hash if meta.xet_file_data is not None else None
    return RemoteFile(filename, url, meta.location, meta.commit_hash, meta.etag, meta.size, xet_hash)


def resolve_files(entry: ModelEntry, retries: int = 3, backoff_s: float = 1.0) -> list[RemoteFile]:
    """Ask the hub about every file of ``entry`` (optional ones it lacks are left out). The first
    answer fixes the commit; every other file is asked for at that commit, so one download never
    mixes two revisions."""
    remotes: list[RemoteFile] = []
    revision = entry.revision
    for filename in (*entry.files, *entry.optional_files):

        def ask(name: str = filename, at: str = revision) -> RemoteFile:
            return _metadata(entry, name, at)

        try:
            remote = _with_retries(ask, entry, filename, retries, backoff_s)
        except _Absent:
            continue
        remotes.append(remote)
        revision = remote.commit
    return remotes


# -- placing files in the cache ----------------------------------------------------------------


def _symlinks_disabled() -> bool:
    return os.environ.get("HF_HUB_DISABLE_SYMLINKS", "").strip().upper() in {"1", "ON", "YES", "TRUE"}


def _place(blob: Path, pointer: Path) -> None:
    """Make ``pointer`` (snapshots/<commit>/<file>) show ``blob``: a relative symlink as huggingface_hub
    makes; where links are impossible a hard link (the same bytes under two names); else the blob
    moves into the snapshot (huggingface_hub's choice for new blobs). Never a second copy."""
    pointer.parent.mkdir(parents=True, exist_ok=True)
    if os.path.lexists(pointer):
        pointer.unlink()
    if not _symlinks_disabled():
        try:
            os.symlink(os.path.relpath(blob, pointer.parent), pointer)
            return
        except OSError:
            pass
    try:
        os.link(blob, pointer)
        return
    except OSError:
        pass
    os.replace(blob, pointer)


def _write_ref(folder: Path, revision: str, commit: str) -> None:
    """refs/<revision> names the commit, written atomically (as huggingface_hub does)."""
    if revision == commit:
        return
    ref = folder / "refs" / revision
    ref.parent.mkdir(parents=True, exist_ok=True)
    if ref.is_file() and ref.read_text(encoding="utf-8").strip() == commit:
        return
    tmp = ref.with_name(f"{ref.name}.{os.getpid()}.tmp")
    tmp.write_text(commit, encoding="utf-8")
    os.replace(tmp, ref)


def _in_place(entry: ModelEntry, snapshot: Path, remote: RemoteFile, record: dict[str, Any]) -> bool:
    """The snapshot already shows this exact file (same etag, size, not marked damaged)."""
    pointer = snapshot / remote.name
    try:
        if not pointer.exists() or pointer.stat().st_size != remote.size:
            return False
        etag = os.path.basename(os.readlink(pointer)) if pointer.is_symlink() else record["files"].get(
            remote.name, {}).get("etag")  # fmt: skip
        if etag is not None and etag != remote.etag:
            return False
        mark = record["damaged"].get(remote.name)
        if mark and mark.get("identity") == file_identity(pointer):
            return False
        return not (remote.name.endswith(".safetensors") and safetensors_problem(pointer))
    except OSError:
        return False


def _bytes_to_write(folder: Path, remote: RemoteFile) -> int:
    blob = folder / "blobs" / remote.etag
    if blob.is_file() and blob.stat().st_size == remote.size:
        return 0
    partial = folder / "blobs" / f"{remote.etag}.incomplete"
    have = partial.stat().st_size if partial.is_file() else 0
    return max(0, remote.size - (have if have <= remote.size else 0))


def check_disk_space(entry: ModelEntry, needed: int, folder: Path | None = None) -> None:
    """Refuse before writing when the disk holding the cache has less than ``needed`` bytes free
    (``needed``: exactly what the download will write, see download_model)."""
    probe = folder or hub_cache_dir()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    free = shutil.disk_usage(probe).free
    if free < needed:
        raise AlbumGenError(
            f"not enough disk space for {entry.id}: {needed / 1e9:.2f} GB to download, {free / 1e9:.2f} GB free "
            f"in {probe}"
        )


# -- the byte transfer (ours) ------------------------------------------------------------------


def _transfer(entry: ModelEntry, remote: RemoteFile, partial: Path, report: Callable[[int], None],
              cancel: CancelToken | None) -> None:  # fmt: skip
    """Append the missing bytes of ``remote`` to ``partial`` with a Range request from where it stops."""
    import httpx2
    from huggingface_hub import get_session
    from huggingface_hub.utils import hf_raise_for_status

    start = partial.stat().st_size if partial.exists() else 0
    if start > remote.size:
        partial.unlink()
        start = 0
    report(start)
    if start == remote.size:
        return
    headers = _library_headers()
    if not may_send_token(remote.resolve_url, remote.location):
        headers.pop("authorization", None)
    if start:
        headers["Range"] = f"bytes={start}-"
    timeout = httpx2.Timeout(METADATA_TIMEOUT_S, read=READ_TIMEOUT_S)
    with get_session().stream("GET", remote.location, headers=headers, timeout=timeout, follow_redirects=True) as resp:
        if resp.status_code >= 400:
            resp.read()
            hf_raise_for_status(resp)
        resumed = start > 0 and resp.status_code == 206
        done = start if resumed else 0  # a server that ignores Range sends the whole file again
        with open(partial, "ab" if resumed else "wb") as fh:
            report(done)
            reported = done
            for block in resp.iter_bytes():  # pieces as they arrive: on disk at once, however the stream ends
                fh.write(block)
                fh.flush()  # what is on disk is what a restart resumes from
                done += len(block)
                if done - reported >= BLOCK or done >= remote.size:
                    report(done)
                    reported = done
                if cancel is not None and cancel.cancelled:
                    raise CancelledError(f"download of {entry.id} paused; it resumes where it stopped next time")
                if done > remote.size:
                    break
    if done != remote.size:
        raise _Retry(f"the connection closed after {done} of {remote.size} bytes of {remote.name}")


def _fetch(entry: ModelEntry, remote: RemoteFile, snapshot: Path, report: Callable[[int], None],
           cancel: CancelToken | None, retries: int, backoff_s: float) -> None:  # fmt: skip
    from filelock import FileLock

    folder = repo_folder(entry)
    blobs = folder / "blobs"
    blobs.mkdir(parents=True, exist_ok=True)
    blob = blobs / remote.etag
    partial = blobs / f"{remote.etag}.incomplete"
    lock = hub_cache_dir() / ".locks" / folder.name / f"{remote.etag}.lock"  # huggingface_hub's lock path
    lock.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(lock)):
        if blob.is_file() and (blob.stat().st_size != remote.size or not matches_hash(blob, remote.etag)):
            blob.unlink()  # a blob left from before is reused only when its bytes are right
        if not blob.is_file():

            def attempt() -> None:
                _transfer(entry, remote, partial, report, cancel)
                pinned = entry.sha256.get(remote.name)
                if not matches_hash(partial, remote.etag) or (pinned and not matches_hash(partial, pinned)):
                    partial.unlink()
                    raise _Retry(f"{remote.name} arrived with wrong bytes (its hash did not match)")
                os.replace(partial, blob)

            _with_retries(attempt, entry, remote.name, retries, backoff_s)
        else:
            report(remote.size)
        _place(blob, snapshot / remote.name)


def download_model(
    entry: ModelEntry,
    on_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
    retries: int = 3,
    backoff_s: float | None = None,
) -> Path:
    """Download (or finish, or repair) every file of ``entry``; returns its snapshot folder.

    Files already in place with the hub's etag and size are kept; a partial file continues where
    it stopped, also in a new process; damaged files are fetched again. Raises ModelMissingError
    when offline, AlbumGenError with one sentence for any other failure, CancelledError when
    ``cancel`` fires (what arrived is kept). Transient failures are retried ``retries`` times,
    waiting ``backoff_s`` seconds (default RETRY_BACKOFF_S), then twice as long each time."""
    if hub_offline():
        raise ModelMissingError(f"offline mode is on (HF_HUB_OFFLINE): {entry.id} cannot be downloaded now")
    backoff_s = RETRY_BACKOFF_S if backoff_s is None else backoff_s
    if any(ch in f for f in (*entry.files, *entry.optional_files) for ch in "*?["):
        raise BadInputError(f"manifest entry {entry.id} must list exact file names to download")
    remotes = resolve_files(entry, retries, backoff_s)
    commit = remotes[0].commit
    folder = repo_folder(entry)
    snapshot = folder / "snapshots" / commit
    record = read_record(entry, commit)
    todo = [r for r in remotes if not _in_place(entry, snapshot, r, record)]
    check_disk_space(entry, sum(_bytes_to_write(folder, r) for r in todo), folder)
    _write_ref(folder, entry.revision, commit)
    total = sum(r.size for r in remotes)
    done_by_file = {r.name: (0 if r in todo else r.size) for r in remotes}

    def reporter(remote: RemoteFile) -> Callable[[int], None]:
        def report(file_done: int) -> None:
            done_by_file[remote.name] = file_done
            if on_progress is not None:
                on_progress(DownloadProgress(
                    entry.id, remote.name, file_done, remote.size, sum(done_by_file.values()), total,
                ))  # fmt: skip

        return report

    for remote in remotes:
        if remote in todo:
            _fetch(entry, remote, snapshot, reporter(remote), cancel, retries, backoff_s)
        else:
            reporter(remote)(remote.size)
        record = read_record(entry, commit)
        record["files"][remote.name] = {"size": remote.size, "etag": remote.etag, "xet_hash": remote.xet_hash}
        record["damaged"].pop(remote.name, None)
        write_record(entry, commit, record)
    result = check_snapshot(entry)
    if result.snapshot != snapshot or result.state.value != "installed":
        raise AlbumGenError(f"{entry.id} was downloaded but does not check out: {'; '.join(result.problems)}")
    return snapshot


def remove_model(entry: ModelEntry) -> bool:
    """Delete ``entry`` from the cache with huggingface_hub's own cache deletion
    (``DeleteCacheStrategy`` for the whole repo folder, as ``scan_cache_dir().delete_revisions``
    builds it when every revision goes), which also removes the Xet shared blobs
    (``<cache>/blobs/<xx>/<hash>``) that no other model links to; then the lock files. The repo
    is named by its folder, not by commit hashes, so no other repo can be caught. False when
    nothing was there."""
    from huggingface_hub import DeleteCacheStrategy

    folder = repo_folder(entry)
    if not os.path.lexists(folder):
        return False
    cache = hub_cache_dir()
    DeleteCacheStrategy(
        expected_freed_size=0, blobs=frozenset(), refs=frozenset(), repos=frozenset({folder}), snapshots=frozenset(),
        cache_dir=cache,
    ).execute()  # fmt: skip
    if os.path.lexists(folder):
        shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(cache / ".locks" / folder.name, ignore_errors=True)
    return True


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(BLOCK), b""):
            digest.update(block)
    return digest.hexdigest()
