"""What every `albumgen` command prints the same way: notes, "wrote" lines, aligned tables."""

from __future__ import annotations

import sys
from pathlib import Path

from albumgen_desktop.core.analysis import printable_path
from albumgen_desktop.core.errors import AlbumGenError

PROG = "albumgen"


def print_warnings(warnings: list[str], about: Path | None = None) -> None:
    """Each note on its own line; ``about`` names the file they are about (several may be given)."""
    where = f"{printable_path(about.name)}: " if about is not None else ""
    for w in warnings:
        print(f"{PROG}: note: {where}{w}", file=sys.stderr)


_first_run_said: list[str] = []


def say_first_run(note: str) -> None:
    """The one-line note before a slow one-time preparation (librosa's kernels), once a process."""
    if note not in _first_run_said:
        _first_run_said.append(note)
        print(f"{PROG}: {note}", file=sys.stderr, flush=True)


def naming(path: Path, exc: AlbumGenError) -> str:
    """``exc``'s message naming the file it is about, when it does not already."""
    text = str(exc)
    if path.name in text or printable_path(path.name) in text:
        return text
    return f"{printable_path(path)}: {text}"


def wrote(path: Path) -> str:
    """'wrote c.png (+ c.png.json)': the file and its recipe sidecar."""
    from albumgen_desktop.io.metadata import sidecar_path

    return f"wrote {printable_path(path)} (+ {printable_path(sidecar_path(path).name)})"


def table(rows: list[tuple[str, ...]], right: tuple[int, ...] = ()) -> list[str]:
    """Rows as lines of columns padded to the widest cell of each (two spaces apart); the
    columns numbered in ``right`` are right-aligned."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for r in rows:
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
    return lines
