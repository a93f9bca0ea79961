"""Start the desktop app. The window shows before any model code (torch) is imported."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def history_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("albumgen-desktop", appauthor=False)) / "history"


def main(argv: list[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from albumgen_desktop.app.window import MainWindow

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0], *(argv or [])])
    app.setApplicationName("AlbumGen Desktop")
    app.setStyle("Fusion")  # follows the OS light/dark colour scheme on every platform
    from albumgen_desktop.app.settings import Settings

    settings = Settings()
    apply_settings_to_environment(settings)
    window = MainWindow(history_dir(), settings)
    window.show()
    from PySide6.QtCore import QTimer

    QTimer.singleShot(0, window.restore_history)
    from albumgen_desktop.app.first_launch import offer_first_launch

    probe = os.environ.get("ALBUMGEN_STARTUP_PROBE")
    if probe:  # the installer's start-up measurement: note when the window is up, then quit
        QTimer.singleShot(0, lambda: _report_shown(probe, app))
    else:
        QTimer.singleShot(300, lambda: offer_first_launch(window))  # after the window is on screen
    return app.exec()


def apply_settings_to_environment(settings) -> None:
    """Settings the model code reads when it first runs (after the window is up)."""
    if settings.get("threads"):
        os.environ["ALBUMGEN_THREADS"] = str(settings.get("threads"))
    if settings.get("device") != "auto":
        os.environ["ALBUMGEN_DEVICE"] = settings.get("device")
    if settings.get("model_dir"):
        os.environ["HF_HOME"] = settings.get("model_dir")  # hub_cache_dir() reads it at call time


def _report_shown(path: str, app) -> None:
    import time

    start = float(os.environ.get("ALBUMGEN_START", "0") or 0)
    Path(path).write_text(f"{time.time() - start:.3f} {'torch' in sys.modules}\n", encoding="utf-8")
    app.quit()
