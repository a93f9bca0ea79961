"""Which engine a job runs on: the neural one when its weights are downloaded, else the fallback;
and the notes that tell a person what the sketch engines leave out."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

# Fallback notes already given in this process. The window runs for a whole session and says
# "the music model is not downloaded, so the sketch engine made this" after the first take only
# (its engine menu already reads "Auto (Sketch for now)"); the CLI is one process per command and
# asks for the note every time (``repeat_notes``).
_given: set[str] = set()
_given_lock = threading.Lock()


def _first_time(note: str) -> bool:
    with _given_lock:
        if note in _given:
            return False
        _given.add(note)
        return True


def forget_given_notes() -> None:
    """Let every fallback note be said again (a new session; tests)."""
    with _given_lock:
        _given.clear()


def choose_engine(
    requested: str,
    neural: str,
    entry: Any,
    snapshot: Path | None,
    fallback: str,
    fallback_label: str,
    repeat_notes: bool = False,
) -> tuple[str, list[str]]:
    """``requested`` is "auto", ``neural`` or ``fallback``. "auto" without usable weights (not
    downloaded, partial or damaged) falls back and says why in the returned notices, once per
    process unless ``repeat_notes``; asking for the neural engine then raises the manifest entry's
    error (exit code 3 on the CLI)."""
    notices: list[str] = []
    engine = requested
    if engine == "auto":
        engine = neural if snapshot is not None else fallback
        if snapshot is None:
            note = f"{entry.availability_note()}, so {fallback_label} made this (it needs no download)"
            if repeat_notes or _first_time(note):
                notices.append(note)
    if engine == neural and snapshot is None:
        raise entry.missing()
    return engine, notices


def _listing(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def sketch_ignores(engine_label: str, unused: list[str], reads_them: str) -> str:
    """One note for everything a sketch engine did not use, e.g. "the sketch painter follows the
    sliders (the feature values), not text: your prompt and negative prompt were not used (a
    diffusion model reads them)". ``unused`` names what the job carried; '' when it is empty."""
    if not unused:
        return ""
    verb = "was" if len(unused) == 1 else "were"
    pronoun = "it" if len(unused) == 1 else "them"
    return (
        f"{engine_label} follows the sliders (the feature values), not text or references: "
        f"your {_listing(unused)} {verb} not used ({reads_them} {pronoun})"
    )
