"""A waveform with a playhead: click or drag to seek, Space to play or pause, arrows to skip."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QMouseEvent, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QSizePolicy, QWidget

from albumgen_desktop.app.wording import duration_text

SKIP_S = 5.0


def overview_shade(overview: np.ndarray, width: int, height: int) -> np.ndarray:
    """A waveform overview (history.overview: peak and RMS rows, 0..1) as a ``height`` x ``width``
    uint8 map: 1 inside the peak band, 2 inside the RMS band, 0 elsewhere; one column per 2 px.
    Built with numpy (no per-column Python; the GIL is free while it fills): it runs per streamed chunk."""
    shade = np.zeros((max(1, height), max(1, width)), dtype=np.uint8)
    n = overview.shape[1] if overview.ndim == 2 else 0
    if n and width >= 2 and height >= 2:
        columns = width // 2
        idx = np.minimum((np.arange(columns) * n) // columns, n - 1)
        mid, half = (height - 1) / 2.0, height / 2.0 - 1
        distance = np.abs(np.arange(height, dtype=np.float32) - mid)[:, None]
        level = [np.maximum(0.5, overview[row, idx] * half)[None, :] for row in (0, 1)]
        shade[:, : columns * 2 : 2] = (distance <= level[0]).view(np.uint8) + (distance <= level[1]).view(np.uint8)
    return shade


def shade_image(shade: np.ndarray, peak: QColor, rms: QColor) -> QImage:
    """``overview_shade`` as an indexed image: the map is the pixel data, the colours its table
    (the peak band in ``peak``, the RMS band in ``rms``, the rest clear), so no pixel is touched."""
    data = np.ascontiguousarray(shade)
    image = QImage(data.data, data.shape[1], data.shape[0], data.shape[1], QImage.Format.Format_Indexed8).copy()
    image.setColorTable([0, peak.rgba(), rms.rgba()])
    return image


def draw_overview(painter: QPainter, overview: np.ndarray, rect: QRectF, peak: QColor, rms: QColor) -> None:
    """Draw a waveform overview into ``rect`` (see overview_shade)."""
    if rect.width() >= 2 and rect.height() >= 2:
        shade = overview_shade(overview, int(rect.width()), int(rect.height()))
        painter.drawImage(rect.topLeft(), shade_image(shade, peak, rms))


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
        self._renders: tuple[QPixmap, QPixmap] | None = None  # (played, rest) at the current size
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
        self._renders = None
        self.duration_s = max(0.0, duration_s)
        self.position_s = min(self.position_s, self.duration_s)
        self.update()

    def set_position(self, seconds: float, duration_s: float | None = None) -> None:
        if duration_s is not None and duration_s > self.duration_s:
            self.duration_s = duration_s
        self.position_s = seconds
        self.update()

    def _rendered(self) -> tuple[QPixmap, QPixmap]:
        """The waveform drawn once per data or size change, in the played and the rest colours;
        a paint is then two copies (it runs every 50 ms while playing)."""
        if self._renders is None or self._renders[0].size() != self.size():
            palette = self.palette()
            played, rest = palette.highlight().color(), palette.text().color()
            shade = overview_shade(self.overview, self.width(), max(1, self.height() - 26))
            renders = []
            for peak, rms in ((faded(played, 110), played), (faded(rest, 60), faded(rest, 170))):
                pixmap = QPixmap(self.size())
                pixmap.fill(Qt.GlobalColor.transparent)
                painter = QPainter(pixmap)
                painter.drawImage(0, 22, shade_image(shade, peak, rms))
                painter.end()
                renders.append(pixmap)
            self._renders = (renders[0], renders[1])
        return self._renders

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
        head_x = w * (self.position_s / self.duration_s) if self.duration_s else 0.0
        played, rest = self._rendered()
        painter.drawPixmap(0, 0, rest)
        painter.drawPixmap(
            QRectF(0, 0, head_x, h),
            played,
            QRectF(0, 0, head_x * played.devicePixelRatio(), h * played.devicePixelRatio()),
        )
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
