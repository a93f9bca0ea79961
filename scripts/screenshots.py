"""Screenshots of the real window in its main states, saved to out/ (run under Xvfb by `make screenshot`)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtWidgets import QApplication

from albumgen_desktop.app.window import MainWindow


def pump(app: QApplication, window: MainWindow, until_idle: bool = True, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and (window.jobs if until_idle else True):
        app.processEvents()
        time.sleep(0.02)
        if not until_idle:
            break
    app.processEvents()


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication([])
    app.setStyle("Fusion")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_DATA_HOME"] = str(Path(tmp) / "data")  # an empty library, not the user's
        window = MainWindow(Path(tmp) / "history")
        window.show()
        pump(app, window)
        window.grab().save(str(out / "screen-1-empty.png"))
        cover = Path(tmp) / "cover.png"
        y, x = np.mgrid[0:400, 0:400]
        rgb = np.stack([120 + 120 * np.sin(x / 40), 40 + 30 * np.cos(y / 50), 160 + 90 * np.sin((x + y) / 70)], axis=-1)
        Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8)).save(cover)
        window.open_path(cover)
        pump(app, window)
        window.grab().save(str(out / "screen-2-after-analysis.png"))
        window.engine.setCurrentText("sketch")
        window.duration.setValue(120.0)
        window.generate()
        for _ in range(25):
            pump(app, window, until_idle=False)
            time.sleep(0.02)
        window.grab().save(str(out / "screen-3-generating.png"))
        pump(app, window, seconds=120)
        window.title_edit.setText("Night Drive")
        window.generate_cover()
        pump(app, window)
        window.grab().save(str(out / "screen-4-results.png"))
        window.show_models()
        pump(app, window)
        window.models_dialog.grab().save(str(out / "screen-5-models.png"))
        window.show_library()
        pump(app, window)
        window.library_dialog.grab().save(str(out / "screen-6-library.png"))
        window.close()
    print(f"wrote 6 screenshots to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "out")))
