"""Start the desktop app. The window shows before any model code (torch) is imported."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def history_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("albumgen-desktop", appauthor=False)) / "history"


APP_NAME = "AlbumGen Desktop"  # the window class; resources/albumgen.desktop says StartupWMClass=AlbumGen Desktop
DESKTOP_FILE = "albumgen"  # resources/albumgen.desktop: the Wayland app id, and how a desktop finds the icon
ICON = Path(__file__).resolve().parent.parent / "resources" / "albumgen.png"


def make_app(argv: list[str] | None = None):
    """The QApplication, named so that a desktop shows it as AlbumGen with its icon.

    On X11 Qt sets WM_CLASS from argv[0] (the instance) and the application name (the class);
    started as ``python -m albumgen_desktop`` argv[0] is ``__main__.py``, so the instance name is
    given here. The window icon (``_NET_WM_ICON``) comes from the application's icon."""
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        app = existing
    else:
        QApplication.setApplicationName(APP_NAME)  # before the first window: Qt reads it for WM_CLASS
        app = QApplication([DESKTOP_FILE, *(argv or [])])
    app.setApplicationName(APP_NAME)
    app.setDesktopFileName(DESKTOP_FILE)
    if ICON.is_file():
        app.setWindowIcon(QIcon(str(ICON)))
    app.setStyle("Fusion")  # follows the OS light/dark colour scheme on every platform
    return app


def main(argv: list[str] | None = None) -> int:
    from albumgen_desktop.app.window import MainWindow

    app = make_app(argv)
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
