"""Warm the engines' imports while the artist is idle, so that no generation pays for them.

Importing torch and transformers on a worker thread held the GIL in long stretches (a 5 ms GUI
timer saw gaps up to 269 ms; 750 ms on a loaded machine). ``imports.import_gently`` removes the
two big causes; what is left is moved to moments when nobody acts: after the window is up, one
module at a time is imported on the generation thread, each only once no mouse or key input has
come for IDLE_MS. A generation submitted meanwhile queues behind the module in progress (same
thread) and imports the rest the same gentle way. The status bar shows the state ("Preparing
MusicGen…", "ready"). Only engines whose models are installed are warmed; without models torch is
never imported.
"""

from __future__ import annotations

import sys
import time

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

from albumgen_desktop.app.imports import import_gently, modules_for
from albumgen_desktop.app.jobs import JobRunner

IDLE_MS = 700  # no input for this long counts as idle
FIRST_DELAY_MS = 800  # after the window is shown
INPUT_EVENTS = {
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.KeyPress,
    QEvent.Type.Wheel,
    QEvent.Type.DragMove,
}


def _import(module: str):
    def job(report, token):
        start = time.perf_counter()
        import_gently([module])
        return time.perf_counter() - start

    return job


class Warmup(QObject):
    state_changed = Signal(str)  # a line for the status bar ("" when there is nothing to say)

    def __init__(self, runner: JobRunner, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.pending: list[str] = []
        self.names: list[str] = []
        self.busy = False
        self.done = False
        self.seconds: dict[str, float] = {}
        self._last_input = time.monotonic()
        self._timer = QTimer(self)
        self._timer.setObjectName("warmup")
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._next)
        self._watching = False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() in INPUT_EVENTS:
            self._last_input = time.monotonic()
        return False

    def start(self, engines: list[str], names: list[str], delay_ms: int = FIRST_DELAY_MS) -> None:
        """Warm the imports of ``engines`` (e.g. ["musicgen"]); ``names`` are what the status calls them."""
        self.pending = [m for m in modules_for(engines) if m not in sys.modules]
        self.names = names
        self.done = not self.pending
        if self.pending:
            self._watch(True)  # input is watched only while there is something to warm
            if names:
                self.state_changed.emit(f"Preparing {' and '.join(names)} for the first use…")
            self._timer.start(delay_ms)

    def _next(self) -> None:
        if self.busy:
            return
        self.pending = [m for m in self.pending if m not in sys.modules]  # a job may have imported them
        if not self.pending:
            self._finish()
            return
        if any(h.kind != "warmup" for h in self.runner.alive()):
            self._timer.start(IDLE_MS)  # a job runs: it imports what it needs the same gentle way
            return
        idle_ms = (time.monotonic() - self._last_input) * 1000
        if idle_ms < IDLE_MS:  # someone is acting: wait for a quiet moment
            self._timer.start(int(IDLE_MS - idle_ms) + 20)
            return
        module = self.pending.pop(0)
        self.busy = True
        handle = self.runner.submit(_import(module), "warmup")
        handle.finished.connect(lambda seconds, m=module: self.seconds.__setitem__(m, seconds))
        handle.failed.connect(lambda _failure: self.pending.clear())  # the generation will say what is wrong
        handle.ended.connect(self._stage_ended)

    def _stage_ended(self) -> None:
        self.busy = False
        if self.pending:
            self._timer.start(0)
            return
        self._finish()

    def _finish(self) -> None:
        if self.done:
            return
        self.done = True
        self._timer.stop()
        self._watch(False)
        if self.names:
            text = " and ".join(self.names)
            self.state_changed.emit(f"{text[0].upper()}{text[1:]} ready.")

    def _watch(self, on: bool) -> None:
        app = QApplication.instance()
        if app is None or on == self._watching:
            return
        if on:
            app.installEventFilter(self)
        else:
            app.removeEventFilter(self)
        self._watching = on

    def stop(self) -> None:
        self.pending.clear()
        self._timer.stop()
        self._watch(False)
