"""Start the desktop app. The window shows before any model code (torch) is imported."""

from __future__ import annotations

import sys
from pathlib import Path


def history_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("albumgen-desktop", appauthor=False)) / "history"


def main(argv: list[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from albumgen_desktop.app.window import MainWindow

    app = QApplication.instance() or QApplication([sys.argv[0], *(argv or [])])
    app.setApplicationName("AlbumGen Desktop")
    app.setStyle("Fusion")  # follows the OS light/dark colour scheme on every platform
    from albumgen_desktop.app.settings import Settings

    settings = Settings()
    if settings.get("threads"):
        import os

        os.environ["ALBUMGEN_THREADS"] = str(settings.get("threads"))  # read when torch is first set up
    window = MainWindow(history_dir(), settings)
    window.show()
    from PySide6.QtCore import QTimer

    from albumgen_desktop.app.models_dialog import offer_first_launch

    QTimer.singleShot(300, lambda: offer_first_launch(window))  # after the window is on screen
    return app.exec()
