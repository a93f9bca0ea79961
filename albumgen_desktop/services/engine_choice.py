"""Which engine a job runs on: the neural one when its weights are downloaded, else the fallback."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def choose_engine(
    requested: str, neural: str, entry: Any, snapshot: Path | None, fallback: str, fallback_label: str
) -> tuple[str, list[str]]:
    """``requested`` is "auto", ``neural`` or ``fallback``. "auto" without usable weights (not
    downloaded, partial or damaged) falls back and says why in the returned notices; asking for the
    neural engine then raises the manifest entry's error (exit code 3 on the CLI)."""
    notices: list[str] = []
    engine = requested
    if engine == "auto":
        engine = neural if snapshot is not None else fallback
        if snapshot is None:
            notices.append(f"{entry.availability_note()}; using {fallback_label} (no weights needed)")
    if engine == neural and snapshot is None:
        raise entry.missing()
    return engine, notices
