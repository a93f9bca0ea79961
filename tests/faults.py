"""Real faults for the fault-tolerance tests: files nobody may change, damaged SQLite pages, FIFOs."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _really_unchangeable(path: Path) -> bool:
    """Whether this process is now refused a change of ``path`` (root ignores permission bits)."""
    try:
        if path.is_dir():
            probe = path / ".probe"
            probe.write_bytes(b"")
            probe.unlink()
            return False
        with open(path, "ab"):
            return False
    except OSError:
        return True


@contextmanager
def unchangeable(path: Path) -> Iterator[str]:
    """Make ``path`` (a file or a folder) impossible to replace or write into, for this process too.

    As root (this container) permission bits stop nothing, so the immutable attribute is used
    (``chattr +i``: needs CAP_LINUX_IMMUTABLE and a file system that has it, such as ext4). As a
    normal user a folder gets mode 0555; a file cannot be made unreplaceable without root, so
    that case is skipped. Yields the method used; everything is undone afterwards.
    """
    if os.geteuid() != 0:
        if not path.is_dir():
            pytest.skip("only root can make a file unreplaceable in a folder it may write")
        mode = path.stat().st_mode
        path.chmod(0o555)
        try:
            yield "chmod 555"
        finally:
            path.chmod(mode)
        return
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed")
    made = subprocess.run(["chattr", "+i", str(path)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"chattr +i does not work here: {made.stderr.strip()}")
    try:
        if not _really_unchangeable(path):
            pytest.skip("chattr +i did not stop changes here")
        yield "chattr +i"
    finally:
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)


def damage_sqlite(path: Path, fraction: tuple[float, float] = (0.3, 0.7), seed: int = 0) -> int:
    """Overwrite the pages between ``fraction`` of a real SQLite file with random bytes (the header
    page stays intact, so the file still opens as SQLite); returns the number of pages hit."""
    import random

    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big") or 65536
    pages = len(data) // page
    first, last = max(1, int(pages * fraction[0])), max(2, int(pages * fraction[1]))
    rng = random.Random(seed)
    for p in range(first, min(last, pages)):
        data[p * page : (p + 1) * page] = rng.randbytes(page)
    path.write_bytes(bytes(data))
    return min(last, pages) - first


def make_fifo(path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    os.mkfifo(path)
    return path
