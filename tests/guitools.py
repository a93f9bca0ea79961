"""Shared pieces of the GUI tests: a real MainWindow (offscreen) with its own settings file and
history folder, checks that nothing is left running, and waiting for every job runner to idle."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

pytest.importorskip("PySide6")

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QMessageBox

from albumgen_desktop.app.settings import Settings
from albumgen_desktop.app.window import MainWindow


@pytest.fixture
def no_dialogs(monkeypatch):
    """A message box nobody expected would wait forever offscreen: record it and fail instead."""
    seen: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: seen.append(text))
    monkeypatch.setattr(QMessageBox, "question", lambda parent, title, text, *a: seen.append(text))
    yield seen
    assert not seen, f"unexpected dialog: {seen}"


def settings_at(folder: Path) -> Settings:
    return Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def window(qtbot, tmp_path: Path, no_dialogs):
    win = MainWindow(tmp_path / "history", settings_at(tmp_path))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: bool(win.engines_label.text()), timeout=20_000)  # the model states are known
    yield win
    close_and_check(win)


def close_and_check(win: MainWindow) -> None:
    """Close ``win`` and fail if a thread or a timer of it is left running."""
    win.close()
    runners = [win.generation_runner, win.analysis_runner, win.history_runner]
    if win.library_dialog is not None:
        runners.append(win.library_dialog.runner)
    for runner in runners:
        assert runner.worker_thread.isFinished(), f"{runner.worker_thread.objectName()} was left running"
    if win.models_dialog is not None:
        assert win.models_dialog.downloads.worker_thread.isFinished(), "the download thread was left running"
    running = [t.objectName() or repr(t) for t in win.findChildren(QTimer) if t.isActive()]
    assert not running, f"timers left running: {running}"


def busy(win: MainWindow) -> bool:
    runners = [win.generation_runner, win.analysis_runner, win.history_runner]
    if win.library_dialog is not None:
        runners.append(win.library_dialog.runner)
    return any(r.handles for r in runners)


def wait_idle(qtbot, win: MainWindow, timeout: int = 60_000) -> None:
    qtbot.waitUntil(lambda: not busy(win), timeout=timeout)


def cover_png(path: Path, rgb: tuple[int, int, int] = (250, 200, 40), size: int = 200) -> Path:
    Image.new("RGB", (size, size), rgb).save(path)
    return path


def use_sketch(win: MainWindow, duration_s: float = 2.0) -> None:
    win.session.set_option("engine", "sketch")
    win.session.set_option("cover_engine", "sketch")
    win.session.set_option("duration_s", duration_s)
    win.session.set_option("cover_size", 512)
