"""The checks every input file gets before anything tries to decode it."""

from __future__ import annotations

from pathlib import Path

from albumgen_desktop.core.errors import BadInputError


def check_input_file(path: Path) -> None:
    """Exists, is a regular file, and is not empty; otherwise a BadInputError a person can act on."""
    if not path.exists():
        raise BadInputError(f"{path} does not exist")
    if path.is_dir():
        raise BadInputError(f"{path} is a folder; give an image or audio file")
    if not path.is_file():
        raise BadInputError(f"{path} is not a file")
    if path.stat().st_size == 0:
        raise BadInputError(f"{path.name} is empty (0 bytes)")
