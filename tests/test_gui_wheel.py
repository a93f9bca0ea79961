"""The mouse wheel scrolls the panels: a slider, number box or combo box under the pointer changes
only when it has keyboard focus. The wheel turns are real window-system events (QTest.wheelEvent
goes through QWindowSystemInterface, so Qt propagates an ignored turn to the parents as it does
for a mouse)."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QPoint
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractSlider, QAbstractSpinBox, QComboBox, QScrollBar, QWidget

from albumgen_desktop.app.window import MainWindow
from tests.guitools import no_dialogs, window

__all__ = ["no_dialogs", "window"]  # fixtures

DOWN = QPoint(0, -120)  # one notch of a mouse wheel, towards the artist


def _controls(window: MainWindow) -> list[QWidget]:
    found: list[QWidget] = []
    for column in (window.left, window.inputs_column):
        for w in column.inner.findChildren(QWidget):
            if isinstance(w, (QAbstractSlider, QAbstractSpinBox, QComboBox)) and not isinstance(w, QScrollBar):
                found.append(w)
    return found


def _value(w: QWidget) -> object:
    if isinstance(w, QComboBox):
        return w.currentIndex(), w.currentText()
    if isinstance(w, QAbstractSpinBox):
        return w.text()
    return w.value()  # type: ignore[attr-defined]


def _wheel(window: MainWindow, w: QWidget, qtbot) -> None:
    QTest.wheelEvent(window.windowHandle(), w.mapTo(window, w.rect().center()), DOWN)
    qtbot.wait(5)


def _column(window: MainWindow, w: QWidget):
    return window.left if window.left.isAncestorOf(w) else window.inputs_column


def test_the_wheel_over_an_unfocused_control_scrolls_the_panel(window: MainWindow, qtbot) -> None:
    window.resize(1000, 560)
    window.options.advanced.setChecked(True)  # the sampling boxes in view too
    qtbot.wait(50)
    controls = [w for w in _controls(window) if w.isVisibleTo(window)]
    assert len(controls) >= 25  # every feature row (slider and number), key, mode, metre, genre, options
    features, options = window.session.features, window.session.options
    scrolled = 0
    for w in controls:
        column = _column(window, w)
        window.setFocus()
        bar = column.verticalScrollBar()
        bar.setValue(0)
        column.ensureWidgetVisible(w, 0, 0)
        qtbot.wait(5)
        before, at = _value(w), bar.value()
        _wheel(window, w, qtbot)
        assert _value(w) == before, f"{w.accessibleName() or type(w).__name__} changed under the wheel"
        scrolled += bar.value() > at or at == bar.maximum()
    assert window.session.features == features
    assert window.session.options == options
    assert scrolled == len(controls)  # the column took every turn (or was already at its end)


def test_a_focused_control_still_takes_the_wheel(window: MainWindow, qtbot) -> None:
    row = window.features_panel.rows["energy"]
    window.left.ensureWidgetVisible(row.spin)
    before = window.session.features.energy
    row.spin.setFocus()
    qtbot.waitUntil(row.spin.hasFocus)
    _wheel(window, row.spin, qtbot)
    assert window.session.features.energy == pytest.approx(before - 0.01)
    assert window.session.source["energy"] == "you"
