"""The checks every input file gets before anything reads it.

Everything the CLI or the GUI opens goes through :func:`open_input` (or
:func:`check_input_file`, which uses it): the path is opened without blocking
(``O_NONBLOCK``, so a FIFO with no writer does not hang the open) and the *opened*
file is checked to be a regular file, so a FIFO, a socket or ``/dev/zero`` is
refused at once instead of hanging or reading until memory runs out.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path
from typing import BinaryIO

from albumgen_desktop.core.errors import BadInputError

# O_NONBLOCK only matters for FIFOs and devices, which are refused right after the open;
# on a regular file it has no effect on reads, so the handle needs no flag reset.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_input(path: str | Path, *, max_bytes: int | None = None, allow_empty: bool = False) -> BinaryIO:
    """Open ``path`` for reading in binary mode, after checking that it is a regular file.

    Raises BadInputError (one sentence naming the path) when it does not exist, is a
    folder, a FIFO, a socket or a device, cannot be read (permissions), is empty
    (unless ``allow_empty``) or is larger than ``max_bytes``. Never blocks.
    """
    path = Path(path)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except FileNotFoundError:
        raise BadInputError(f"{path} does not exist") from None
    except IsADirectoryError:
        raise BadInputError(f"{path} is a folder; give a file") from None
    except PermissionError:
        raise BadInputError(f"no permission to read {path}") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a socket, or a device with nothing behind it
            raise BadInputError(f"{path} is not a regular file; give a file") from None
        if exc.errno == errno.ENOTDIR:
            raise BadInputError(f"{path} does not exist (a part of the path is a file)") from None
        raise BadInputError(f"{path} cannot be opened: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise BadInputError(f"{path} is a folder; give a file")
        if not stat.S_ISREG(info.st_mode):
            raise BadInputError(f"{path} is {_kind(info.st_mode)}, not a regular file; give a file")
        if info.st_size == 0 and not allow_empty:
            raise BadInputError(f"{path.name} is empty (0 bytes)")
        if max_bytes is not None and info.st_size > max_bytes:
            raise BadInputError(f"{path.name} is too large ({info.st_size:,} bytes; the limit is {max_bytes:,})")
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def check_input_file(path: str | Path) -> None:
    """Exists, is a regular file (not a FIFO, socket or device), readable and not empty;
    otherwise a BadInputError a person can act on. Returns at once for any kind of path."""
    open_input(path).close()


def read_input_bytes(path: str | Path, max_bytes: int, *, allow_empty: bool = False) -> bytes:
    """The whole content of a regular file of at most ``max_bytes`` bytes (see open_input)."""
    with open_input(path, max_bytes=max_bytes, allow_empty=allow_empty) as fh:
        try:
            data = fh.read(max_bytes + 1)
        except OSError as exc:
            raise BadInputError(f"{Path(path).name} cannot be read: {exc.strerror or exc}") from None
    if len(data) > max_bytes:  # it grew after the size check
        raise BadInputError(f"{Path(path).name} is too large (more than {max_bytes:,} bytes)")
    return data


def read_input_text(path: str | Path, max_bytes: int, *, encoding: str = "utf-8") -> str:
    """A regular file's text (see read_input_bytes); bytes that are not ``encoding`` are a BadInputError."""
    data = read_input_bytes(path, max_bytes)
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise BadInputError(f"{Path(path).name} is not {encoding.upper().replace('-SIG', '')} text") from None


def check_input_folder(path: str | Path) -> None:
    """Exists and is a folder; otherwise a BadInputError."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise BadInputError(f"{path} does not exist") from None
    except OSError as exc:
        raise BadInputError(f"{path} cannot be opened: {exc.strerror or exc}") from None
    if not stat.S_ISDIR(info.st_mode):
        raise BadInputError(f"{path} is not a folder")
