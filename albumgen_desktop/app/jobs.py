"""Jobs on worker threads, reported through job handles (the shape of superqt's ``thread_worker``).

``JobRunner.submit(job, kind)`` returns a :class:`JobHandle` that lives on the GUI thread: its
typed signals (progress, chunk, preview, finished, failed, cancelled, ended) arrive there, and
``cancel()`` sets the job's token from any thread. Each runner owns one QThread and runs its jobs
in order; the window keeps one runner for generation, one for analysis and one for library
imports, so a long import never holds up a cover analysis or a generation.

A job is ``job(report, token) -> result``: it calls ``report(Progress)`` and checks ``token``; a
``CancelledError`` ends it as cancelled (with any partial result), an ``AlbumGenError`` as failed
with its message, anything else as failed with a readable line (the traceback goes to stderr).
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
import time
import traceback
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from albumgen_desktop.core.errors import AlbumGenError, CancelledError
from albumgen_desktop.core.progress import CancelToken, Progress

Job = Callable[[Callable[[Progress], None], CancelToken], Any]
# A remaining-time estimate is the rate since the first progress report, extrapolated. It is shown
# only once that rate rests on enough: the sketch engines' first 3% (import and set-up included)
# once promised "about 41 s left" for four covers that took 2 s.
ETA_MIN_ELAPSED_S = 1.0
ETA_MIN_GAIN = 0.05  # of the whole job
_threads: weakref.WeakSet[QThread] = weakref.WeakSet()


BACKGROUND_NICENESS = 10  # nice 10: a CFS weight about a tenth of the GUI thread's (sched(7))


def lower_thread_priority(niceness: int = BACKGROUND_NICENESS) -> None:
    """Raise the calling thread's nice value by ``niceness`` (Linux; elsewhere nothing happens).

    On a 2-core machine torch's compute threads took both cores and the GUI thread waited up to
    ~70 ms for one. Qt's QThread priorities are ignored under Linux's default SCHED_OTHER policy
    (QThread::Priority documentation), so the thread's own nice value is set: setpriority(2) on a
    thread id acts on that thread only, and threads it starts later (OpenMP's pool for torch,
    which libgomp creates per calling thread) inherit it. Raising one's nice value needs no
    privilege; a refusal is ignored."""
    if not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + niceness))
    except OSError:
        pass


@atexit.register
def _stop_threads() -> None:
    """A script that ends without closing the window must not abort in QThread's destructor."""
    for thread in list(_threads):
        thread.quit()
        thread.wait(5_000)


@dataclass(frozen=True)
class JobFailure:
    """Why a job failed: ``message`` is a sentence for a person; ``error`` the exception itself."""

    message: str
    error: BaseException


class JobHandle(QObject):
    """One submitted job, seen from the GUI thread."""

    progress = Signal(float, str)  # fraction 0..1, message
    chunk = Signal(object, float)  # audio piece (variations, samples), fraction
    preview = Signal(object, float)  # PIL image of a diffusion step, fraction
    finished = Signal(object)  # the job's result
    failed = Signal(object)  # JobFailure
    cancelled = Signal(object)  # partial result or None
    ended = Signal()  # after finished, failed or cancelled

    def __init__(self, job_id: int, kind: str, token: CancelToken, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.job_id = job_id
        self.kind = kind
        self.token = token
        self.fraction = 0.0
        self.message = ""
        self.started_at: float | None = None  # monotonic seconds when the worker began it
        self.first_report: tuple[float, float] | None = None  # (monotonic s, fraction) of the first report
        self.outcome = ""  # "", "finished", "failed", "cancelled"

    @property
    def alive(self) -> bool:
        return not self.outcome

    def cancel(self) -> None:
        """Ask the job to stop; it ends with ``cancelled`` at its next check (or at once if queued)."""
        self.token.cancel()

    def remaining_s(self, now: float | None = None) -> float | None:
        """Seconds left at the rate since the first progress report; None until at least
        ETA_MIN_ELAPSED_S have passed and ETA_MIN_GAIN of the job was done in them."""
        if self.first_report is None or self.fraction >= 1.0:
            return None
        since, fraction0 = self.first_report
        elapsed = (time.monotonic() if now is None else now) - since
        gained = self.fraction - fraction0
        if elapsed < ETA_MIN_ELAPSED_S or gained < ETA_MIN_GAIN:
            return None
        return elapsed * (1.0 - self.fraction) / gained

    def _set_progress(self, fraction: float, message: str, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        if self.started_at is None:
            self.started_at = now
        if self.first_report is None:
            self.first_report = (now, min(1.0, max(0.0, fraction)))
        self.fraction = min(1.0, max(self.fraction, fraction))
        self.message = message
        self.progress.emit(self.fraction, message)

    def _end(self, outcome: str, payload: object) -> None:
        self.outcome = outcome
        {"finished": self.finished, "failed": self.failed, "cancelled": self.cancelled}[outcome].emit(payload)
        self.ended.emit()


class _Worker(QObject):
    """Lives on the runner's thread; talks to the GUI thread only through its signals."""

    began = Signal(int)
    progress = Signal(int, float, str)
    chunk = Signal(int, object, float)
    preview = Signal(int, object, float)
    ended = Signal(int, str, object)  # job id, outcome, payload
    _run = Signal(int, object, object)

    def __init__(self) -> None:
        super().__init__()
        self._run.connect(self._execute)

    @Slot(int, object, object)
    def _execute(self, job_id: int, job: Job, token: CancelToken) -> None:
        if token.cancelled:  # cancelled while it waited in the queue
            self.ended.emit(job_id, "cancelled", None)
            return
        self.began.emit(job_id)

        def report(p: Progress) -> None:
            if p.payload is not None and hasattr(p.payload, "shape"):
                self.chunk.emit(job_id, p.payload, p.fraction)
            elif p.payload is not None and hasattr(p.payload, "getbbox"):
                self.preview.emit(job_id, p.payload, p.fraction)
            self.progress.emit(job_id, p.fraction, p.message)

        try:
            result = job(report, token)
        except CancelledError as exc:
            self.ended.emit(job_id, "cancelled", exc.partial)
        except AlbumGenError as exc:
            self.ended.emit(job_id, "failed", JobFailure(str(exc), exc))
        except Exception as exc:  # the window must stay usable whatever a job raises
            traceback.print_exc()
            self.ended.emit(job_id, "failed", JobFailure(f"Something went wrong: {type(exc).__name__}: {exc}", exc))
        else:
            self.ended.emit(job_id, "finished", result)


class JobRunner(QObject):
    """One worker thread and the handles of the jobs submitted to it."""

    handle_started = Signal(object)  # a JobHandle, when it is submitted
    handle_ended = Signal(object)  # a JobHandle, after its own ``ended``

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker_thread = QThread()
        self.worker_thread.setObjectName(f"albumgen-{name}")
        self._worker = _Worker()
        self._worker.moveToThread(self.worker_thread)
        self._worker.began.connect(self._began)
        self._worker.progress.connect(self._progress)
        self._worker.chunk.connect(self._chunk)
        self._worker.preview.connect(self._preview)
        self._worker.ended.connect(self._ended)
        # runs on the new thread as it starts: background work yields the CPU to the window
        self.worker_thread.started.connect(lower_thread_priority, Qt.ConnectionType.DirectConnection)
        self.worker_thread.start()
        _threads.add(self.worker_thread)
        self._next_id = 0
        self.handles: dict[int, JobHandle] = {}

    def submit(self, job: Job, kind: str = "job") -> JobHandle:
        """Queue ``job``; the returned handle reports it. Jobs of one runner run one after another."""
        self._next_id += 1
        handle = JobHandle(self._next_id, kind, CancelToken(), self)
        self.handles[handle.job_id] = handle
        self.handle_started.emit(handle)
        self._worker._run.emit(handle.job_id, job, handle.token)
        return handle

    def alive(self) -> list[JobHandle]:
        return [h for h in self.handles.values() if h.alive]

    def cancel_all(self) -> None:
        for handle in self.alive():
            handle.cancel()

    @Slot(int)
    def _began(self, job_id: int) -> None:
        handle = self.handles.get(job_id)
        if handle is not None:
            handle.started_at = time.monotonic()

    @Slot(int, float, str)
    def _progress(self, job_id: int, fraction: float, message: str) -> None:
        handle = self.handles.get(job_id)
        if handle is not None:
            handle._set_progress(fraction, message)

    @Slot(int, object, float)
    def _chunk(self, job_id: int, piece: object, fraction: float) -> None:
        handle = self.handles.get(job_id)
        if handle is not None:
            handle.chunk.emit(piece, fraction)

    @Slot(int, object, float)
    def _preview(self, job_id: int, image: object, fraction: float) -> None:
        handle = self.handles.get(job_id)
        if handle is not None:
            handle.preview.emit(image, fraction)

    @Slot(int, str, object)
    def _ended(self, job_id: int, outcome: str, payload: object) -> None:
        handle = self.handles.pop(job_id, None)
        if handle is not None:
            handle._end(outcome, payload)
            self.handle_ended.emit(handle)
            handle.setParent(None)  # Python owns it now: gone once nobody holds it

    def shutdown(self, wait_ms: int = 10_000) -> None:
        """Cancel what runs, stop the thread and wait for it (at most ``wait_ms``)."""
        self.cancel_all()
        self.worker_thread.quit()
        self.worker_thread.wait(wait_ms)
