"""Check a downloaded model's bytes against what they should be, with no network.

Each file is hashed and compared with, in order: the sha256 pinned in the manifest; the name of
the blob its snapshot link points to (huggingface_hub names blobs by etag: sha256 for LFS files,
the git blob sha1 for the rest); the etag our download record kept (for snapshots without links);
huggingface_hub's tree cache (``lfs_sha256`` or ``blob_id``). A file with none of these is checked
by size only and said so. What fails is marked damaged (models/installed.py) so that the CLI, the
model manager and ``auto`` stop using it until it is downloaded again.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from albumgen_desktop.core.errors import CancelledError
from albumgen_desktop.core.progress import CancelToken
from albumgen_desktop.models.installed import (
    ModelState,
    check_snapshot,
    file_identity,
    read_record,
    repo_folder,
    write_record,
)

if TYPE_CHECKING:
    from albumgen_desktop.models.manifest import ModelEntry

BLOCK = 1 << 20
_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX40 = re.compile(r"[0-9a-f]{40}")


def hash_kind(digest: str) -> str | None:
    """ "sha256" for 64 hex digits, "git-sha1" for 40, None for anything else."""
    if _HEX64.fullmatch(digest):
        return "sha256"
    if _HEX40.fullmatch(digest):
        return "git-sha1"
    return None


def content_digest(path: Path, kind: str, on_block: Callable[[int], None] | None = None) -> str:
    """Hex digest of a file: ``kind`` "sha256", or "git-sha1", the hash git gives a blob:
    sha1(b"blob <size>\\0" + content) (git's object format, as the Hub's ETag for non-LFS files)."""
    digest = hashlib.sha256() if kind == "sha256" else hashlib.sha1(usedforsecurity=False)
    if kind == "git-sha1":
        digest.update(b"blob %d\0" % path.stat().st_size)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(BLOCK), b""):
            digest.update(block)
            if on_block is not None:
                on_block(len(block))
    return digest.hexdigest()


def matches_hash(path: Path, expected: str) -> bool:
    """Whether the file's content has digest ``expected`` (True when its kind is unknown)."""
    kind = hash_kind(expected)
    return kind is None or content_digest(path, kind) == expected


def _tree_hashes(entry: ModelEntry, commit: str) -> dict[str, str]:
    try:
        data = json.loads((repo_folder(entry) / "trees" / f"{commit}.json").read_text(encoding="utf-8"))
        files = data["files"] if data.get("format_version") == 1 else {}
        return {name: info.get("lfs_sha256") or info["blob_id"] for name, info in files.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def expected_digest(entry: ModelEntry, snapshot: Path, name: str, record_etag: str | None,
                    tree: dict[str, str]) -> tuple[str, str] | None:  # fmt: skip
    """(digest, where it comes from) for one file, or None when nothing says what it should be."""
    if entry.sha256.get(name):
        return entry.sha256[name], "its pinned sha256"
    pointer = snapshot / name
    if pointer.is_symlink():
        blob_name = os.path.basename(os.readlink(pointer))
        if hash_kind(blob_name):
            return blob_name, "its blob name"
    for digest, source in ((record_etag, "the hub's etag"), (tree.get(name), "huggingface_hub's tree cache")):
        if digest and hash_kind(digest):
            return digest, source
    return None


@dataclass
class VerifyReport:
    """``problems``: one line per missing or wrong file (empty: all good); ``hashed``: files whose
    content was checked; ``size_only``: files no hash is known for (present with the right size)."""

    problems: list[str] = field(default_factory=list)
    hashed: list[str] = field(default_factory=list)
    size_only: list[str] = field(default_factory=list)


def verify_report(
    entry: ModelEntry,
    on_progress: Callable[[int, int], None] | None = None,
    cancel: CancelToken | None = None,
) -> VerifyReport:
    """Hash every file of ``entry``'s snapshot (see the module docstring). ``on_progress(done,
    total)`` in bytes; ``cancel`` stops between blocks (CancelledError, no marks written)."""
    result = check_snapshot(entry)
    report = VerifyReport()
    if result.state is ModelState.NOT_DOWNLOADED:
        report.problems.append(f"{entry.id} is not downloaded")
        return report
    if result.snapshot is None or result.commit is None:
        report.problems.append(f"{entry.id} is only partly downloaded")
        return report
    report.problems.extend(result.problems)
    snapshot, commit = result.snapshot, result.commit
    record = read_record(entry, commit)
    tree = _tree_hashes(entry, commit)
    names = [n for n in (*entry.files, *entry.optional_files) if n not in result.bad_files and (snapshot / n).exists()]
    total = sum((snapshot / n).stat().st_size for n in names)
    done = 0

    def on_block(size: int) -> None:
        nonlocal done
        done += size
        if cancel is not None and cancel.cancelled:
            raise CancelledError(f"verification of {entry.id} stopped")
        if on_progress is not None:
            on_progress(done, total)

    marks: dict[str, dict[str, object]] = {}
    for name in names:
        path = snapshot / name
        expected = expected_digest(entry, snapshot, name, record["files"].get(name, {}).get("etag"), tree)
        if expected is None:
            report.size_only.append(name)
            on_block(path.stat().st_size)
            continue
        digest, source = expected
        kind = hash_kind(digest)
        assert kind is not None
        if content_digest(path, kind, on_block) != digest:
            reason = f"{name} does not match {source}"
            report.problems.append(reason)
            marks[name] = {"identity": file_identity(path), "reason": reason}
        else:
            report.hashed.append(name)
    record = read_record(entry, commit)
    record["damaged"] = {k: v for k, v in record["damaged"].items() if k not in names} | marks
    write_record(entry, commit, record)
    return report


def verify_model(entry: ModelEntry) -> list[str]:
    """Problems with the downloaded copy (missing, wrong size, wrong content); empty when fine."""
    return verify_report(entry).problems
