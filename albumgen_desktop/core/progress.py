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


def no_progress(_: Progress) -> None:
    return None
