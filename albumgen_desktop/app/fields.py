"""Input fields without keyboard or scrolling traps.

- Number fields ignore Space (it used to replace the selected value with a blank).
- Sliders, number boxes and combo boxes inside a scrolling column take the mouse wheel only when
  they have keyboard focus (``guard_wheel``, the one place for it); otherwise the wheel scrolls the
  column, so scrolling a panel never changes a value.
- Text boxes move focus with Tab (Ctrl+Tab inserts a tab if anyone wants one) and never take a
  dropped file as text: the window opens dropped files wherever they land.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QDoubleSpinBox,
    QPlainTextEdit,
    QScrollBar,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QWidget,
)

_GUARDED = "albumgen_wheel_guarded"  # a dynamic property: the guard is installed once per control


class WheelGuard(QObject):
    """An event filter: a wheel turn over an unfocused control is passed on to its parents (the
    scroll area scrolls) instead of changing the value. Qt's controls take the wheel whenever the
    pointer is over them, focused or not (QComboBox and QAbstractSpinBox even take focus from it:
    Qt.WheelFocus), so a column scrolled with the wheel changed whatever slid under the pointer."""

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Wheel and isinstance(obj, QWidget) and not obj.hasFocus():
            event.ignore()  # not accepted: QApplication offers it to the parent widgets in turn
            return True  # and the control itself never sees it
        return False


_GUARD = WheelGuard()


def guard_wheel(root: QWidget) -> None:
    """Every slider, number box and combo box under ``root`` takes focus only by click or Tab
    (Qt.StrongFocus) and the wheel only when focused. Idempotent: call it again after adding rows."""
    for control in root.findChildren(QWidget):
        if not isinstance(control, (QAbstractSlider, QAbstractSpinBox, QComboBox)) or isinstance(control, QScrollBar):
            continue
        if control.property(_GUARDED):
            continue
        control.setProperty(_GUARDED, True)
        control.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        control.installEventFilter(_GUARD)


class _NoSpace:
    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space:
            event.accept()  # a space is never part of a number: swallow it, keep the value
            return
        super().keyPressEvent(event)  # type: ignore[misc]


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
