"""Download the files a manifest entry names into the standard Hugging Face cache.

huggingface_hub does the transfer (HF_HOME and HF_ENDPOINT honoured; files
already complete in the cache are not fetched again). Around it: a disk-space
check before starting, per-file and overall progress, a cancel token checked on
every 10 MB block, retries with backoff on server and network errors, sha256
verification where the manifest knows the hash, and one clear message for every
failure (offline, disk full, 401, 404, hash mismatch).

Not yet: resuming a half-downloaded file after the app was closed. Since
huggingface_hub 2.x a partial file is private to one process and deleted when
the download fails, so resume needs a downloader of our own (Range requests
into a kept ``.part`` file, then the cache layout written by us).
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


def _progress_class(
    entry: ModelEntry, filename: str, state: dict, on_progress: ProgressFn | None, cancel: CancelToken | None
):  # noqa: ANN202
    from tqdm.auto import tqdm

    class Progress(tqdm):
        """huggingface_hub reports every block here: the place to check cancel and report bytes."""

        def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
            kwargs["disable"] = True
            super().__init__(*args, **kwargs)
            self._file_total = int(kwargs.get("total") or 0)
            self._file_done = int(kwargs.get("initial") or 0)

        def update(self, n: float | None = 1) -> bool | None:
            if cancel is not None and cancel.cancelled:
                raise CancelledError(f"download of {entry.id} cancelled; it resumes where it stopped next time")
            self._file_done += int(n or 0)
            state["done"] += int(n or 0)
            if on_progress is not None:
                on_progress(
                    DownloadProgress(
                        entry.id, filename, self._file_done, self._file_total, state["done"], state["total"]
                    )
                )
            return super().update(n)

    return Progress


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fetch(entry: ModelEntry, filename: str, progress_class, retries: int, backoff_s: float) -> Path:  # noqa: ANN001
    from huggingface_hub import hf_hub_download
    from huggingface_hub.errors import (
        EntryNotFoundError,
        GatedRepoError,
        HfHubHTTPError,
        LocalEntryNotFoundError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    endpoint = os.environ.get("HF_ENDPOINT") or None
    for attempt in range(retries + 1):
        try:
            return Path(
                hf_hub_download(
                    entry.repo,
                    filename,
                    revision=entry.revision,
                    endpoint=endpoint,
                    cache_dir=hub_cache_dir(),  # huggingface_hub reads HF_HOME once, at import; we read it now
                    tqdm_class=progress_class,
                )
            )
        except (GatedRepoError, RepositoryNotFoundError) as exc:
            raise AlbumGenError(
                f"{entry.repo} is not available (HTTP {getattr(exc.response, 'status_code', '401/404')}): "
                "it may be gated or private; log in with a Hugging Face token that has access"
            ) from None
        except (EntryNotFoundError, RevisionNotFoundError):
            raise AlbumGenError(
                f"{filename} was not found in {entry.repo} at revision {entry.revision} (HTTP 404)"
            ) from None
        except LocalEntryNotFoundError:
            raise ModelMissingError(f"cannot reach the model hub to download {entry.id}; check the network") from None
        except (HfHubHTTPError, OSError) as exc:
            status = getattr(getattr(exc, "response", None), "status_code", None)
            if isinstance(exc, OSError) and getattr(exc, "errno", None) == 28:
                raise AlbumGenError(f"the disk filled up while downloading {entry.id}") from None
            if attempt == retries or (status is not None and status < 500 and status != 429):
                raise AlbumGenError(f"downloading {filename} of {entry.id} failed: {exc}") from None
            time.sleep(backoff_s * 2**attempt)
    raise AssertionError("unreachable")  # pragma: no cover


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
    state = {"done": 0, "total": entry.size_bytes}
    snapshot: Path | None = None
    for filename in entry.files:
        progress_class = _progress_class(entry, filename, state, on_progress, cancel)
        path = _fetch(entry, filename, progress_class, retries, backoff_s)
        expected = entry.sha256.get(filename)
        if expected and _sha256(path) != expected:
            _forget(path)
            path = _fetch(entry, filename, progress_class, retries, backoff_s)
            if _sha256(path) != expected:
                _forget(path)
                raise AlbumGenError(f"{filename} of {entry.id} failed its sha256 check twice; the download was removed")
        snapshot = path.parent if "/" not in filename else path.parents[filename.count("/")]
    assert snapshot is not None
    return snapshot


def _forget(path: Path) -> None:
    """Remove a cached file and the blob behind its snapshot link."""
    blob = path.resolve()
    path.unlink(missing_ok=True)
    blob.unlink(missing_ok=True)


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
