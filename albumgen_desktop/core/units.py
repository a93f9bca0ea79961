"""Sizes for people."""

from __future__ import annotations


def human_size(n: float) -> str:
    """Bytes as the hub shows them (powers of 1000): 605.0 MB, 2.4 GB."""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} GB"  # pragma: no cover
