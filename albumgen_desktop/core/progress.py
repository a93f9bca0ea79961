"""One cancel mechanism and one progress type, shared by every job."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from albumgen_desktop.core.errors import CancelledError


class CancelToken:
    """Set from any thread; engines check it every step (MusicGen token, diffusion step)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self, partial: Any = None) -> None:
        if self._event.is_set():
            raise CancelledError("Cancelled.", partial=partial)


@dataclass(frozen=True)
class Progress:
    """``fraction`` 0..1 of the job; ``message`` for people; ``payload`` for a preview chunk or image."""

    fraction: float
    message: str = ""
    payload: Any = None


ProgressCallback = Callable[[Progress], None]
# What an engine reports: the fraction 0..1 of its own work done so far.
FractionCallback = Callable[[float], None]


def no_progress(_: Progress) -> None:
    return None


def stage(on_progress: ProgressCallback, start: float, end: float, message: str) -> FractionCallback:
    """A fraction callback for one stage of a job, mapped onto ``start..end`` of the job.

    The engine reports 0..1 of its own work; the job's Progress gets
    ``start + fraction * (end - start)``, clamped to that span and never going backwards, so a
    progress bar (and the remaining time estimated from it) only moves forward.
    Raises ValueError unless 0 <= start <= end <= 1.
    """
    if not 0.0 <= start <= end <= 1.0:
        raise ValueError(f"a stage must lie within 0..1, got {start}..{end}")
    last = [-1.0]

    def report(fraction: float) -> None:
        value = start + min(max(fraction, 0.0), 1.0) * (end - start)
        if value > last[0]:
            last[0] = value
            on_progress(Progress(value, message))

    return report
