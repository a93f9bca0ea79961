"""Whether a model in the Hugging Face cache is usable, file by file, without the network.

A model is *installed* when the snapshot of its pinned revision (the commit itself, or the commit
that ``refs/<revision>`` names) holds every file the manifest lists and each has the size the hub
announced. Sizes come from our download record (written as each file lands) or, for copies that
huggingface_hub made, from its tree cache (``trees/<commit>.json``); a ``.safetensors`` file must
also be as long as its own header says. ``models verify`` (models/verify.py) goes further and
hashes the content; what it finds wrong is remembered here until the file changes.

Layout (huggingface_hub's cache, file_download.py): ``<cache>/models--org--name/`` with
``refs/<revision>`` (a commit), ``snapshots/<commit>/<file>`` (a link to ``blobs/<etag>``, or the
file itself where links are impossible) and ``blobs/<etag>`` (git blob sha1 for plain files,
sha256 for LFS files). Ours adds ``.albumgen/<commit>.json`` beside them (sizes, etags, marks).
"""

from __future__ import annotations

import json
import os
import re
import struct
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from albumgen_desktop.models.hub_settings import hub_cache_dir

if TYPE_CHECKING:
    from albumgen_desktop.models.manifest import ModelEntry

COMMIT_RE = re.compile(r"[0-9a-f]{40}")
RECORD_DIR = ".albumgen"
RECORD_FORMAT = 1


class ModelState(StrEnum):
    """What the cache holds of a model; the value is the short word the CLI prints."""

    INSTALLED = "installed"
    NOT_DOWNLOADED = "not downloaded"
    INCOMPLETE = "incomplete"
    DAMAGED = "damaged"

    @property
    def label(self) -> str:
        """Wording for a person (model manager, combo boxes): what it is and what to do."""
        return {
            ModelState.INSTALLED: "installed",
            ModelState.NOT_DOWNLOADED: "not downloaded",
            ModelState.INCOMPLETE: "incomplete: download to finish",
            ModelState.DAMAGED: "damaged: download again",
        }[self]


@dataclass(frozen=True)
class SnapshotCheck:
    """The outcome of :func:`check_snapshot`: a state, the commit the revision resolves to (None
    when it does not resolve yet), its snapshot folder, and one line per file that is missing or wrong."""

    state: ModelState
    commit: str | None
    snapshot: Path | None
    problems: tuple[str, ...] = ()
    bad_files: frozenset[str] = frozenset()  # names of the files the problems are about


def repo_folder(entry: ModelEntry) -> Path:
    """``<cache>/models--org--name``: huggingface_hub's ``repo_folder_name`` for a model repo."""
    return hub_cache_dir() / ("models--" + entry.repo.replace("/", "--"))


def is_commit(revision: str) -> bool:
    return COMMIT_RE.fullmatch(revision) is not None


def resolve_commit(entry: ModelEntry) -> str | None:
    """The commit the manifest's revision names in the cache: the revision itself when it is a full
    commit, else the content of ``refs/<revision>`` (None when there is no such ref)."""
    if is_commit(entry.revision):
        return entry.revision
    ref = repo_folder(entry) / "refs" / entry.revision
    try:
        commit = ref.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    # huggingface_hub uses the ref's content as the snapshot folder name, whatever it is; so do we,
    # short of names that would leave the snapshots folder
    return commit if commit and "/" not in commit and "\\" not in commit and commit not in (".", "..") else None


# -- our record of what the hub said about each file ----------------------------------------


def record_path(entry: ModelEntry, commit: str) -> Path:
    return repo_folder(entry) / RECORD_DIR / f"{commit}.json"


def read_record(entry: ModelEntry, commit: str) -> dict[str, Any]:
    """``{"format": 1, "files": {name: {"size", "etag", "xet_hash"}}, "damaged": {name: mark}}``;
    an empty record when there is none or it cannot be read."""
    try:
        data = json.loads(record_path(entry, commit).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"format": RECORD_FORMAT, "files": {}, "damaged": {}}
    if not isinstance(data, dict) or data.get("format") != RECORD_FORMAT:
        return {"format": RECORD_FORMAT, "files": {}, "damaged": {}}
    data.setdefault("files", {})
    data.setdefault("damaged", {})
    return data


def write_record(entry: ModelEntry, commit: str, record: dict[str, Any]) -> None:
    path = record_path(entry, commit)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(record, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def _tree_sizes(entry: ModelEntry, commit: str) -> dict[str, int]:
    """File sizes from huggingface_hub's tree cache (``trees/<commit>.json``, _tree_cache.py), if any."""
    try:
        data = json.loads((repo_folder(entry) / "trees" / f"{commit}.json").read_text(encoding="utf-8"))
        files = data["files"] if data.get("format_version") == 1 else {}
        return {name: int(info.get("lfs_size") or info["size"]) for name, info in files.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def file_identity(path: Path) -> list[int]:
    """What a damage mark is tied to: inode, size and mtime of the file behind ``path``."""
    st = path.stat()
    return [st.st_ino, st.st_size, st.st_mtime_ns]


# -- safetensors self-check --------------------------------------------------------------------

_HEADER_CACHE: dict[tuple[str, int, int], str | None] = {}
MAX_HEADER = 100_000_000  # safetensors refuses headers over 100 MB too


def safetensors_problem(path: Path) -> str | None:
    """None when ``path`` is a safetensors file whose length is what its header says
    (8 + header length + end of the last tensor; format: github.com/huggingface/safetensors);
    else one line saying what is wrong. Results are cached per (path, size, mtime)."""
    st = path.stat()
    key = (str(path), st.st_size, st.st_mtime_ns)
    if key in _HEADER_CACHE:
        return _HEADER_CACHE[key]
    problem: str | None = None
    try:
        with open(path, "rb") as fh:
            prefix = fh.read(8)
            if len(prefix) < 8:
                raise ValueError("shorter than a safetensors header")
            (length,) = struct.unpack("<Q", prefix)
            if length > min(MAX_HEADER, st.st_size - 8):
                raise ValueError("its header length is impossible")
            header = json.loads(fh.read(length))
        ends = [int(v["data_offsets"][1]) for k, v in header.items() if k != "__metadata__"]
        expected = 8 + length + max(ends, default=0)
        if st.st_size != expected:
            problem = f"{path.name} has {st.st_size} of {expected} bytes"
    except (ValueError, KeyError, TypeError, IndexError, AttributeError, struct.error):
        problem = f"{path.name} is not a valid safetensors file"
    _HEADER_CACHE[key] = problem
    return problem


# -- the check ---------------------------------------------------------------------------------


def _has_partial(folder: Path) -> bool:
    blobs = folder / "blobs"
    return blobs.is_dir() and any(p.name.endswith(".incomplete") for p in blobs.iterdir())


def check_snapshot(entry: ModelEntry) -> SnapshotCheck:
    """Check ``entry``'s snapshot without reading whole files. Never raises for a broken cache:
    an unreadable file counts as damaged."""
    folder = repo_folder(entry)
    if not folder.is_dir():
        return SnapshotCheck(ModelState.NOT_DOWNLOADED, None, None)
    commit = resolve_commit(entry)
    snapshot = folder / "snapshots" / commit if commit else None
    if snapshot is None or not snapshot.is_dir():
        started = _has_partial(folder) or (commit is not None and not is_commit(entry.revision))
        state = ModelState.INCOMPLETE if started else ModelState.NOT_DOWNLOADED
        return SnapshotCheck(state, commit, None, ("no file is in place yet",) if started else ())
    assert commit is not None
    record = read_record(entry, commit)
    known = {**_tree_sizes(entry, commit), **{k: int(v["size"]) for k, v in record["files"].items() if "size" in v}}
    missing: dict[str, str] = {}
    damaged: dict[str, str] = {}
    optional_present = [f for f in entry.optional_files if os.path.lexists(snapshot / f)]
    for name in (*entry.files, *optional_present):
        path = snapshot / name
        if not os.path.lexists(path):
            missing[name] = f"{name} is missing"
            continue
        try:
            if not path.exists():
                damaged[name] = f"{name} points to a file that is gone"
                continue
            size = path.stat().st_size
            if name in known and size != known[name]:
                damaged[name] = f"{name} has {size} of {known[name]} bytes"
                continue
            if name.endswith(".safetensors") and (problem := safetensors_problem(path)):
                damaged[name] = problem
                continue
            mark = record["damaged"].get(name)
            if mark and mark.get("identity") == file_identity(path):
                damaged[name] = mark.get("reason") or f"{name} failed verification"
        except OSError as exc:
            damaged[name] = f"{name} cannot be read ({exc.strerror or exc})"
    bad = frozenset(damaged) | frozenset(missing)
    if damaged:
        return SnapshotCheck(ModelState.DAMAGED, commit, snapshot, (*damaged.values(), *missing.values()), bad)
    if missing:
        return SnapshotCheck(ModelState.INCOMPLETE, commit, snapshot, tuple(missing.values()), bad)
    return SnapshotCheck(ModelState.INSTALLED, commit, snapshot)


def size_on_disk(entry: ModelEntry) -> int:
    """Bytes the model takes in the cache: each blob once (links into it counted once), plus
    partial downloads. 0 when nothing is there."""
    folder = repo_folder(entry)
    seen: set[tuple[int, int]] = set()
    total = 0
    for sub in ("blobs", "snapshots"):
        base = folder / sub
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            try:
                st = path.stat()  # follows links: a link and its blob are one file
            except OSError:
                continue
            if not path.is_file() or (st.st_dev, st.st_ino) in seen:
                continue
            seen.add((st.st_dev, st.st_ino))
            total += st.st_size
    return total
