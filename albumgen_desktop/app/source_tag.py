"""A compact mark for where a value came from and how sure it is: a small pie that fills with the
confidence, coloured by the source; the detail is in its tooltip. It never needs more than 16 px,
so long source names ("sketch+library") can no longer squeeze the sliders."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

SOURCE_NAMES = {
    "dsp": "signal analysis of the audio",
    "clap": "CLAP (audio model)",
    "sketch": "colour and texture analysis of the picture",
    "clip": "CLIP (image model)",
    "library": "your reference library (nearest albums)",
    "vlm": "the vision-language model",
    "recipe": "the recipe in the file you opened",
    "you": "you",
}
COLOURS = {  # by the last (deciding) part of the source
    "you": QColor(230, 160, 40),
    "recipe": QColor(120, 170, 120),
    "library": QColor(170, 120, 210),
}
DEFAULT_COLOUR = QColor(80, 160, 230)
SIZE = 14


def describe(source: str, confidence: float | None) -> str:
    """Tooltip text: 'From CLIP (image model) + your reference library\\nConfidence: 54%'."""
    if not source:
        return "Default value (nothing analysed yet)"
    if source == "you":
        return "Set by you"
    names = " + ".join(SOURCE_NAMES.get(part, part) for part in source.split("+"))
    text = f"From {names}"
    if confidence is not None:
        text += f"\nConfidence: {confidence:.0%}"
    return text


class SourceTag(QWidget):
    def __init__(self, what: str) -> None:
        super().__init__()
        self.what = what
        self.source = ""
        self.confidence: float | None = None
        self.setFixedSize(SIZE + 2, SIZE + 2)
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.set("", None)

    def sizeHint(self) -> QSize:
        return QSize(SIZE + 2, SIZE + 2)

    def set(self, source: str, confidence: float | None) -> None:
        self.source, self.confidence = source, confidence
        text = describe(source, confidence)
        self.setToolTip(f"{self.what}\n{text}")  # "Valence" over "From …": one colon per line at most
        self.setAccessibleName(f"{self.what} source")
        self.setAccessibleDescription(text[:1].upper() + text[1:].replace("\n", ", "))
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(1.5, 1.5, SIZE - 1, SIZE - 1)
        colour = COLOURS.get(self.source.split("+")[-1], DEFAULT_COLOUR) if self.source else QColor(140, 140, 140)
        painter.setPen(QPen(colour, 1.2))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(rect)
        if self.source:
            share = 1.0 if self.confidence is None else max(0.0, min(1.0, self.confidence))
            painter.setPen(Qt.PenStyle.NoPen)
            painter.setBrush(colour)
            if share >= 0.999:
                painter.drawEllipse(rect)
            else:
                painter.drawPie(rect, 90 * 16, -int(360 * 16 * share))
        painter.end()
