"""The app's identity on the desktop: its name, its desktop file and its icon, checked on a real X
server (Xvfb) with xprop where those are installed: WM_CLASS is what a task bar groups windows by,
_NET_WM_ICON the picture it shows."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

pytest.importorskip("PySide6")

from albumgen_desktop.app.main import APP_NAME, DESKTOP_FILE, ICON, make_app

CHILD = """
import os, subprocess, sys, tempfile
from albumgen_desktop.app.main import make_app
from albumgen_desktop.app.window import MainWindow
from pathlib import Path
app = make_app()
w = MainWindow(Path(tempfile.mkdtemp()) / "history")
w.show()
for _ in range(20):
    app.processEvents()
wid = str(int(w.winId()))
for prop in (["WM_CLASS"], ["-f", "_NET_WM_ICON", "32c", "-len", "16", "_NET_WM_ICON"]):
    print(subprocess.run(["xprop", "-id", wid, *prop], capture_output=True, text=True).stdout.strip())
w.close()
"""


def test_the_application_names_itself_and_carries_its_icon(qapp) -> None:
    app = make_app()
    assert app is qapp and app.applicationName() == APP_NAME and app.desktopFileName() == DESKTOP_FILE
    assert ICON.is_file() and not app.windowIcon().isNull()
    desktop = (ICON.parent.parent.parent / "resources" / "albumgen.desktop").read_text(encoding="utf-8")
    assert f"StartupWMClass={APP_NAME}" in desktop and f"Icon={DESKTOP_FILE}" in desktop


@pytest.mark.skipif(not (shutil.which("xvfb-run") and shutil.which("xprop")), reason="needs xvfb-run and xprop")
def test_the_x_window_has_its_class_and_icon(tmp_path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "c"),
           "XDG_DATA_HOME": str(tmp_path / "d"), "HF_HUB_OFFLINE": "1"}  # fmt: skip
    out = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1366x768x24", sys.executable, "-c", CHILD],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert f'WM_CLASS(STRING) = "{DESKTOP_FILE}", "{APP_NAME}"' in out.stdout, out.stdout + out.stderr
    assert "_NET_WM_ICON(CARDINAL) = 256, 256" in out.stdout, out.stdout  # width and height, then the pixels
