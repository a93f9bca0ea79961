"""Input fields without keyboard or scrolling traps.

- Number fields ignore Space (it used to replace the selected value with a blank) and, like
  sliders, ignore the mouse wheel unless focused, so scrolling a panel never changes a value.
- Text boxes move focus with Tab (Ctrl+Tab inserts a tab if anyone wants one) and never take a
  dropped file as text: the window opens dropped files wherever they land.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QWheelEvent
from PySide6.QtWidgets import QDoubleSpinBox, QPlainTextEdit, QSizePolicy, QSlider, QSpinBox


class _NoSpace:
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space:
            event.accept()  # a space is never part of a number: swallow it, keep the value
            return
        super().keyPressEvent(event)  # type: ignore[misc]

    def wheelEvent(self, event: QWheelEvent) -> None:
        if not self.hasFocus():  # type: ignore[attr-defined]
            event.ignore()  # let the panel scroll
            return
        super().wheelEvent(event)  # type: ignore[misc]


class NumberBox(_NoSpace, QDoubleSpinBox):
    def __init__(self, lo: float, hi: float, step: float, decimals: int = 2, suffix: str = "") -> None:
        super().__init__()
        self.setRange(lo, hi)
        self.setSingleStep(step)
        self.setDecimals(decimals)
        self.setSuffix(suffix)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setKeyboardTracking(False)  # one change when typing is done, not one per digit


class WholeBox(_NoSpace, QSpinBox):
    def __init__(self, lo: int, hi: int, step: int = 1, suffix: str = "") -> None:
        super().__init__()
        self.setRange(lo, hi)
        self.setSingleStep(step)
        self.setSuffix(suffix)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setKeyboardTracking(False)


class Slider(QSlider):
    def __init__(self) -> None:
        super().__init__(Qt.Orientation.Horizontal)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if not self.hasFocus():
            event.ignore()
            return
        super().wheelEvent(event)


class PromptText(QPlainTextEdit):
    """A prompt box: Tab leaves it, a dropped file never becomes text in it, and it keeps one
    height (``lines`` lines, then it scrolls): a box that grew and shrank with its text moved
    everything under it while the artist typed."""

    def __init__(self, accessible_name: str, lines: int = 4) -> None:
        super().__init__()
        self.lines = lines
        self.setTabChangesFocus(True)
        self.setAccessibleName(accessible_name)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self._fit()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit()

    def _fit(self) -> None:
        margins = self.contentsMargins()
        text = self.lines * self.fontMetrics().lineSpacing() + 2 * self.document().documentMargin()
        self.setFixedHeight(int(text + margins.top() + margins.bottom() + 2))

    def canInsertFromMimeData(self, source) -> bool:
        return not source.hasUrls() and super().canInsertFromMimeData(source)
