"""The permission bits a newly created file gets: 0o666 less the process umask, as open() gives.

Atomic writes go through tempfile.mkstemp, which creates files 0o600 whatever the umask; an
exported cover or track must be readable by whoever the user's umask lets read their other files.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

_lock = threading.Lock()


def current_umask() -> int:
    """The process umask. Linux shows it in /proc/self/status (kernel 4.7+), which leaves it
    untouched; elsewhere it is read by setting and restoring it, under a lock."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _lock:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def new_file_mode() -> int:
    """``0o666 & ~umask``: the mode open(path, "w") would give a new file."""
    return 0o666 & ~current_umask()


def apply_new_file_mode(fd: int) -> None:
    """Give an open file (from mkstemp) the mode a new file would have. Best effort: where fchmod
    is missing (Windows) or refused (a FAT or network file system) the file keeps its mode."""
    if hasattr(os, "fchmod"):
        try:
            os.fchmod(fd, new_file_mode())
        except OSError:
            pass
