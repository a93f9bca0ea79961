"""One row per running generation: what it is doing, a bar that moves (busy until the job's first
report, then its fraction), the time left once it can be told, and its own Cancel. A job that fails shows as a failure, not as
a full bar; the last outcome stays readable under the rows.

The panel keeps one height (two lines: at most one music and one cover job run at once), and the
outcome is one elided line, so the result's buttons above it never move."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from albumgen_desktop.app.elided import ElidedLabel
from albumgen_desktop.app.jobs import JobHandle
from albumgen_desktop.app.wording import remaining_text

BAR_STEPS = 1000
TICK_MS = 500
SLOTS = 2  # lines the panel keeps room for: the generation buttons allow one music and one cover job


class _Row(QWidget):
    def __init__(self, title: str, handle: JobHandle) -> None:
        super().__init__()
        self.title = title
        self.handle = handle
        self.label = QLabel(f"{title}: waiting…")
        self.label.setMinimumWidth(120)
        self.bar = QProgressBar()
        self.bar.setRange(0, 0)  # busy until a fraction arrives
        self.bar.setTextVisible(True)
        self.bar.setAccessibleName(f"{title} progress")
        self.cancel = QPushButton("✕")
        self.cancel.setToolTip(f"Cancel {title.lower()}")
        self.cancel.setFixedWidth(32)
        self.cancel.clicked.connect(handle.cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 2)
        layout.addWidget(self.bar, 3)
        layout.addWidget(self.cancel)
        handle.progress.connect(self.update_row)

    def update_row(self, *_: object) -> None:
        h = self.handle
        if h.first_report is None:
            self.label.setText(f"{self.title}: {'starting…' if h.started_at is not None else 'waiting…'}")
            return
        self.label.setText(f"{self.title}: {h.message or 'working'}")
        if self.bar.maximum() == 0:
            self.bar.setRange(0, BAR_STEPS)
        self.bar.setValue(int(BAR_STEPS * h.fraction))
        left = remaining_text(h.remaining_s())
        self.bar.setFormat(f"%p%  ·  {left}" if left else "%p%")


class ProgressPanel(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[int, _Row] = {}
        self.outcome = ElidedLabel("")
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.addWidget(self.outcome)
        self.column.addStretch(1)
        slot = max(QProgressBar().sizeHint().height(), QPushButton("✕").sizeHint().height(), self.outcome.height())
        self.setFixedHeight(SLOTS * slot + (SLOTS - 1) * self.column.spacing())
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._timer = QTimer(self)
        self._timer.setObjectName("progress-clock")
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self.outcome.hide()

    def track(self, handle: JobHandle, title: str) -> None:
        """Show ``handle`` until it ends; then its outcome (done, cancelled, failed) stays in one line."""
        row = _Row(title, handle)
        self.rows[id(handle)] = row
        self.column.insertWidget(len(self.rows) - 1, row)
        self.outcome.setVisible(bool(self.outcome.text()) and len(self.rows) < SLOTS)
        handle.finished.connect(lambda _r: self._end(handle, f"{title}: done.", "ok"))
        handle.cancelled.connect(lambda _p: self._end(handle, f"{title}: cancelled.", "info"))
        handle.failed.connect(lambda failure: self._end(handle, f"{title}: failed.", "error"))
        self._timer.start()

    def show_outcome(self, text: str, level: str = "info") -> None:
        colour = {"error": "#d0453a", "warning": "#d9822b"}.get(level, "")
        self.outcome.setStyleSheet(f"color: {colour};" if colour else "")
        self.outcome.setText(text)
        self.outcome.setVisible(bool(text) and len(self.rows) < SLOTS)

    def _end(self, handle: JobHandle, text: str, level: str) -> None:
        row = self.rows.pop(id(handle), None)
        if row is not None:
            row.hide()
            self.column.removeWidget(row)
            row.deleteLater()
        self.show_outcome(text, level)
        if not self.rows:
            self._timer.stop()

    def _tick(self) -> None:
        for row in self.rows.values():
            row.update_row()

    def stop(self) -> None:
        self._timer.stop()
