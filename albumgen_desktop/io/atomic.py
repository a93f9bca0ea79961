"""Atomic file writes: a result is either completely on disk or not there at all."""

from __future__ import annotations

import errno
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from albumgen_desktop.core.errors import AlbumGenError, BadInputError
from albumgen_desktop.io.file_mode import apply_new_file_mode


def check_output_path(path: Path, suffix: str | None = None) -> None:
    """Fail before any work if ``path`` cannot be written: wrong suffix, a folder, no such folder."""
    if suffix is not None and path.suffix.lower() != suffix:
        raise BadInputError(f"{path.name}: the output file name must end in {suffix}")
    _check_target(path)


def _check_target(path: Path) -> None:
    if path.is_dir():
        raise BadInputError(f"{path} is a folder; give a file name to write")
    if not path.parent.is_dir():
        raise BadInputError(f"folder {path.parent} does not exist")


def _os_error(path: Path, exc: OSError) -> AlbumGenError:
    if exc.errno == errno.ENOSPC:
        return AlbumGenError(f"the disk is full; {path.name} was not written")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return BadInputError(f"no permission to write in {path.parent}")
    return AlbumGenError(f"could not write {path}: {exc.strerror or exc}")


def write_files_atomically(items: Iterable[tuple[Path, bytes]]) -> None:
    """Write every (path, bytes) pair, or none of them.

    Each file goes to a hidden temporary file in its target folder (same file
    system, so os.replace is atomic) and is synced before anything is renamed.
    If any write fails, every temporary file is removed and no target changes.
    """
    staged: list[tuple[str, Path]] = []
    try:
        for path, data in items:
            path = Path(path)
            _check_target(path)
            try:
                fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
            except OSError as exc:
                raise _os_error(path, exc) from None
            staged.append((tmp, path))
            try:
                apply_new_file_mode(fd)  # mkstemp makes 0600; an export gets 0666 & ~umask like any file
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
            except OSError as exc:
                raise _os_error(path, exc) from None
        done: list[Path] = []
        try:
            for tmp, path in staged:
                os.replace(tmp, path)
                done.append(path)
        except OSError as exc:
            for path in done:
                path.unlink(missing_ok=True)
            raise _os_error(path, exc) from None
        staged.clear()
    finally:
        for tmp, _ in staged:
            Path(tmp).unlink(missing_ok=True)


def write_bytes_atomically(path: Path, data: bytes) -> None:
    write_files_atomically([(Path(path), data)])
