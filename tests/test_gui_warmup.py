"""Gentle imports and the idle warm-up: the collector is paused and restored, modules import once,
and the warm-up waits until nobody has touched the window for a while."""

from __future__ import annotations

import gc
import sys
import time

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget

from albumgen_desktop.app import warmup as warmup_module
from albumgen_desktop.app.imports import gc_paused, import_gently, modules_for
from albumgen_desktop.app.jobs import JobRunner
from albumgen_desktop.app.warmup import Warmup


def test_the_collector_is_paused_inside_and_restored_after() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
        with gc_paused():  # nested, as two threads importing at once
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()  # a caller who had it off keeps it off
    finally:
        gc.enable()


def test_import_gently_imports_each_module_once() -> None:
    for name in ("tabnanny", "pyclbr"):
        sys.modules.pop(name, None)
    assert import_gently(["tabnanny", "pyclbr"]) == ["tabnanny", "pyclbr"]
    assert "tabnanny" in sys.modules and import_gently(["tabnanny"]) == []
    assert modules_for(["musicgen", "diffusion"]).count("torch") == 1


def test_the_warm_up_waits_for_an_idle_moment(qtbot, monkeypatch) -> None:
    sys.modules.pop("colorsys", None)
    monkeypatch.setattr(warmup_module, "IDLE_MS", 400)
    runner = JobRunner("warmup-test")
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    warm = Warmup(runner)
    states: list[str] = []
    warm.state_changed.connect(states.append)
    monkeypatch.setattr(warmup_module, "modules_for", lambda engines: ["colorsys"])
    try:
        warm.start(["musicgen"], ["MusicGen"], delay_ms=0)
        end = time.monotonic() + 1.2
        while time.monotonic() < end:  # the artist keeps moving the mouse
            move = QMouseEvent(QEvent.Type.MouseMove, QPointF(5, 5), QPointF(5, 5), Qt.MouseButton.NoButton,
                               Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
            QApplication.sendEvent(widget, move)
            qtbot.wait(50)
            assert "colorsys" not in sys.modules
        qtbot.waitUntil(lambda: warm.done, timeout=10_000)
        assert "colorsys" in sys.modules and "colorsys" in warm.seconds
        assert states == ["Preparing MusicGen for the first use…", "MusicGen ready."]
    finally:
        warm.stop()
        runner.shutdown()
