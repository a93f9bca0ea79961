"""A radar chart of the seven 0..1 features: the recipe's shape at a glance."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from albumgen_desktop.core.features import UNIT_FEATURES, Features

LABELS = {
    "acousticness": "acoustic",
    "danceability": "dance",
    "energy": "energy",
    "instrumentalness": "instrumental",
    "liveness": "live",
    "speechiness": "speech",
    "valence": "valence",
}


class RadarChart(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.values = [0.5] * len(UNIT_FEATURES)
        self.setMinimumSize(220, 200)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("feature radar chart")
        self.setToolTip("The seven 0..1 features of the current recipe")

    def set_features(self, f: Features) -> None:
        self.values = [getattr(f, name) for name in UNIT_FEATURES]
        self.update()

    def _point(self, i: int, r: float, cx: float, cy: float, radius: float) -> QPointF:
        angle = -math.pi / 2 + 2 * math.pi * i / len(self.values)
        return QPointF(cx + r * radius * math.cos(angle), cy + r * radius * math.sin(angle))

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        cx, cy = self.width() / 2, self.height() / 2 + 4
        radius = min(self.width(), self.height()) / 2 - 28
        text = self.palette().text().color()
        grid = QColor(text)
        grid.setAlpha(60)
        painter.setPen(QPen(grid, 1))
        for ring in (0.25, 0.5, 0.75, 1.0):
            painter.drawPolygon(QPolygonF([self._point(i, ring, cx, cy, radius) for i in range(len(self.values))]))
        for i in range(len(self.values)):
            painter.drawLine(QPointF(cx, cy), self._point(i, 1.0, cx, cy, radius))
        accent = self.palette().highlight().color()
        fill = QColor(accent)
        fill.setAlpha(90)
        painter.setPen(QPen(accent, 2))
        painter.setBrush(fill)
        painter.drawPolygon(QPolygonF([self._point(i, v, cx, cy, radius) for i, v in enumerate(self.values)]))
        painter.setPen(text)
        for i, name in enumerate(UNIT_FEATURES):
            p = self._point(i, 1.18, cx, cy, radius)
            painter.drawText(int(p.x()) - 40, int(p.y()) - 8, 80, 16, Qt.AlignmentFlag.AlignCenter, LABELS[name])
        painter.end()
