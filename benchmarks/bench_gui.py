"""How quickly the window appears, and whether the GUI keeps breathing while jobs run.

    python benchmarks/bench_gui.py [--offscreen]

window_shown_s: process start to the window shown (measured in a fresh process,
which also reports whether torch was imported by then). max_stall_ms: the longest
gap between ticks of a 5 ms GUI timer while a sketch generation and a tiny-model
MusicGen generation run on the worker thread. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import os, sys, time
start = float(sys.argv[1])
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from albumgen_desktop.app.window import MainWindow
from pathlib import Path
app = QApplication([])
w = MainWindow(Path(sys.argv[2]))
w.show()
def shown():
    print(time.time() - start, 'torch' in sys.modules, flush=True)
    w.close()
    app.quit()
QTimer.singleShot(0, shown)
app.exec()
"""


def window_shown(history: Path) -> tuple[float, bool]:
    start = time.time()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(start), str(history)], capture_output=True, text=True, timeout=120
    )
    seconds, torch_loaded = out.stdout.split()
    return float(seconds), torch_loaded == "True"


def stalls(history: Path) -> dict[str, float]:
    from PySide6.QtCore import QElapsedTimer, QTimer
    from PySide6.QtWidgets import QApplication

    from albumgen_desktop.app.window import MainWindow
    from albumgen_desktop.models.manifest import model_for_role
    from albumgen_desktop.models.tiny import install_tiny

    install_tiny(model_for_role("music"))
    app = QApplication.instance() or QApplication([])
    window = MainWindow(history)
    window.show()
    clock = QElapsedTimer()
    clock.start()
    gaps: list[int] = []
    last = [clock.elapsed()]

    def tick() -> None:
        now = clock.elapsed()
        gaps.append(now - last[0])
        last[0] = now

    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    results: dict[str, float] = {}
    for engine in ("sketch", "musicgen"):
        window.engine.setCurrentText(engine)
        window.duration.setValue(20.0 if engine == "sketch" else 8.0)
        gaps.clear()
        last[0] = clock.elapsed()
        timer.start()
        window.generate()
        deadline = time.monotonic() + 300
        while window.jobs and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.001)
        timer.stop()
        results[engine] = max(gaps) if gaps else 0.0
    window.close()
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--offscreen", action="store_true", help="use Qt's offscreen platform (no display needed)")
    args = ap.parse_args(argv)
    if args.offscreen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["HF_HOME"] = str(Path(tmp) / "hf")
        shown_s, torch_loaded = window_shown(Path(tmp) / "history")
        stall = stalls(Path(tmp) / "history2")
    report = {
        "window_shown_s": round(shown_s, 3),
        "torch_imported_at_show": torch_loaded,
        "max_stall_ms": max(stall.values()),
        "max_stall_ms_sketch": stall["sketch"],
        "max_stall_ms_musicgen_tiny": stall["musicgen"],
        "platform": os.environ.get("QT_QPA_PLATFORM", "native"),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
