"""One worker object on one QThread: runs jobs in order, reports through signals only."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from albumgen_desktop.core.errors import AlbumGenError, CancelledError
from albumgen_desktop.core.progress import CancelToken, Progress

Job = Callable[[Callable[[Progress], None], CancelToken], Any]


class Worker(QObject):
    """Lives on its own thread. ``submit`` from the GUI thread; results come back as signals."""

    progress = Signal(int, float, str)  # job id, fraction, message
    chunk = Signal(int, object, float)  # job id, audio piece (variations, samples), fraction
    preview = Signal(int, object, float)  # job id, preview image (PIL), fraction
    finished = Signal(int, object)  # job id, result
    failed = Signal(int, str)  # job id, message for a person
    cancelled = Signal(int, object)  # job id, partial result or None
    _run = Signal(int, object, object)

    def __init__(self) -> None:
        super().__init__()
        self._run.connect(self._execute)

    @Slot(int, object, object)
    def _execute(self, job_id: int, job: Job, token: CancelToken) -> None:
        def report(p: Progress) -> None:
            if p.payload is not None and hasattr(p.payload, "shape"):
                self.chunk.emit(job_id, p.payload, p.fraction)
            elif p.payload is not None and hasattr(p.payload, "getbbox"):
                self.preview.emit(job_id, p.payload, p.fraction)
            self.progress.emit(job_id, p.fraction, p.message)

        try:
            result = job(report, token)
        except CancelledError as exc:
            self.cancelled.emit(job_id, exc.partial)
        except AlbumGenError as exc:
            self.failed.emit(job_id, str(exc))
        except Exception as exc:
            traceback.print_exc()
            self.failed.emit(job_id, f"Something went wrong: {type(exc).__name__}: {exc}")
        else:
            self.finished.emit(job_id, result)


class WorkerHost(QObject):
    """Owns the thread; the window talks to this."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker_thread = QThread()
        self.worker_thread.setObjectName("albumgen-worker")
        self.worker = Worker()
        self.worker.moveToThread(self.worker_thread)
        self.worker_thread.start()
        self._next_id = 0
        self.tokens: dict[int, CancelToken] = {}

    def submit(self, job: Job) -> int:
        self._next_id += 1
        token = CancelToken()
        self.tokens[self._next_id] = token
        self.worker._run.emit(self._next_id, job, token)
        return self._next_id

    def cancel_all(self) -> None:
        for token in self.tokens.values():
            token.cancel()

    def shutdown(self) -> None:
        self.cancel_all()
        self.worker_thread.quit()
        self.worker_thread.wait(10_000)
