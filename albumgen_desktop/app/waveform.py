"""A waveform with a playhead: click or drag to seek, Space to play or pause, arrows to skip."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from albumgen_desktop.app.wording import duration_text

SKIP_S = 5.0


def draw_overview(painter: QPainter, overview: np.ndarray, rect: QRectF, split_x: float, colours: tuple) -> None:
    """Draw a waveform overview (history.overview: peak and RMS rows, 0..1) into ``rect``, one
    line per 2 px: the peak light, the RMS strong; left of ``split_x`` in the first colour pair."""
    (played_peak, played_rms), (rest_peak, rest_rms) = colours
    n = overview.shape[1] if overview.ndim == 2 else 0
    if n == 0:
        return
    mid = rect.center().y()
    half_height = rect.height() / 2 - 1
    columns = max(1, int(rect.width()) // 2)
    idx = np.minimum((np.arange(columns) * n) // columns, n - 1)
    peak, rms = overview[0, idx], overview[1, idx]
    for col in range(columns):
        x = rect.left() + col * 2 + 1
        played = x <= split_x
        for value, colour in ((peak[col], played_peak if played else rest_peak),
                              (rms[col], played_rms if played else rest_rms)):  # fmt: skip
            h = max(0.5, float(value) * half_height)
            painter.setPen(QPen(colour, 1.4))
            painter.drawLine(QPointF(x, mid - h), QPointF(x, mid + h))


def faded(colour: QColor, alpha: int) -> QColor:
    out = QColor(colour)
    out.setAlpha(alpha)
    return out


class WaveformView(QWidget):
    seek_requested = Signal(float)  # seconds
    toggle_requested = Signal()  # Space: play or pause

    def __init__(self) -> None:
        super().__init__()
        self.overview = np.zeros((2, 0), dtype=np.float32)
        self.duration_s = 0.0
        self.position_s = 0.0
        self.setMinimumSize(200, 90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("waveform")
        self.setToolTip("Click or drag to jump; Space plays or pauses; ← → skip 5 s")
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def sizeHint(self) -> QSize:
        return QSize(480, 200)

    def set_audio(self, overview: np.ndarray, duration_s: float) -> None:
        """``overview``: see history.overview (the whole take); ``duration_s``: its length."""
        self.overview = np.asarray(overview, dtype=np.float32)
        self.duration_s = max(0.0, duration_s)
        self.position_s = min(self.position_s, self.duration_s)
        self.update()

    def set_position(self, seconds: float, duration_s: float | None = None) -> None:
        if duration_s is not None and duration_s > self.duration_s:
            self.duration_s = duration_s
        self.position_s = seconds
        self.update()

    def _seconds_at(self, x: float) -> float:
        return max(0.0, min(1.0, x / max(1, self.width()))) * self.duration_s

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.duration_s > 0:
            self.setFocus(Qt.FocusReason.MouseFocusReason)
            self.seek_requested.emit(self._seconds_at(event.position().x()))

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton and self.duration_s > 0:
            self.seek_requested.emit(self._seconds_at(event.position().x()))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space:
            self.toggle_requested.emit()
        elif key == Qt.Key.Key_Left and self.duration_s:
            self.seek_requested.emit(max(0.0, self.position_s - SKIP_S))
        elif key == Qt.Key.Key_Right and self.duration_s:
            self.seek_requested.emit(min(self.duration_s, self.position_s + SKIP_S))
        elif key == Qt.Key.Key_Home:
            self.seek_requested.emit(0.0)
        else:
            super().keyPressEvent(event)

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        w, h = self.width(), self.height()
        palette = self.palette()
        painter.fillRect(self.rect(), palette.base())
        played = palette.highlight().color()
        rest = palette.text().color()
        head_x = w * (self.position_s / self.duration_s) if self.duration_s else 0.0
        colours = ((faded(played, 110), played), (faded(rest, 60), faded(rest, 170)))
        draw_overview(painter, self.overview, QRectF(0, 22, w, h - 26), head_x, colours)
        if self.duration_s:
            painter.setPen(QPen(palette.text().color(), 2))
            painter.drawLine(QPointF(head_x, 0), QPointF(head_x, h))
        if self.hasFocus():
            painter.setPen(QPen(palette.highlight().color(), 1, Qt.PenStyle.DashLine))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(0.5, 0.5, w - 1, h - 1))
        painter.setPen(palette.text().color())
        painter.drawText(
            QRectF(6, 4, w - 12, 18),
            Qt.AlignmentFlag.AlignRight,
            f"{duration_text(self.position_s)} / {duration_text(self.duration_s)}",
        )
        painter.end()
