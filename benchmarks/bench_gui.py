"""How quickly the window appears, and whether the GUI keeps breathing while jobs run.

    python benchmarks/bench_gui.py [--offscreen]

window_shown_s: process start to the window shown, in a fresh process (which also reports whether
torch was imported by then). Stalls: the longest gap between ticks of a 5 ms QTimer on the GUI
thread, in the real event loop, each measured in a fresh process with a tiny random-weight
MusicGen installed (so torch is not yet imported and the first neural generation is really the
first):
  max_stall_ms_idle           nothing running (the machine's own noise floor)
  max_stall_ms_cpu_control    a 4 s numpy matrix job on the worker that holds no GIL while it
                              computes: what CPU contention alone costs on this machine now
  max_stall_ms_warmup         while the idle warm-up imports torch/transformers (nobody acts)
  max_stall_ms_sketch         a 20 s sketch generation
  max_stall_ms_musicgen_tiny  the first MusicGen generation (8 s), pressed after the warm-up
  max_stall_ms_musicgen_at_once  the same, pressed the moment the window shows (it imports)
The last line is one JSON object.
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

CHILD_SHOWN = """
import sys, time
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
        [sys.executable, "-c", CHILD_SHOWN, str(start), str(history)], capture_output=True, text=True, timeout=120
    )
    seconds, torch_loaded = out.stdout.split()[-2:]
    return float(seconds), torch_loaded == "True"


def _measure(app, run) -> tuple[float, float]:
    """(longest gap between 5 ms ticks in ms, seconds) while ``run(done)`` works; it calls done()."""
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer

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
    loop = QEventLoop()
    timer.start()
    started = time.monotonic()
    QTimer.singleShot(0, lambda: run(loop.quit))
    loop.exec()
    timer.stop()
    return float(max(gaps) if gaps else 0), time.monotonic() - started


def child_stalls(history: Path, at_once: bool) -> dict[str, float]:
    """Runs in a fresh process: the window, then the measurements (see the module docstring)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from albumgen_desktop.app.window import MainWindow

    app = QApplication.instance() or QApplication([])
    window = MainWindow(history)
    window.show()
    QTest.qWaitForWindowExposed(window)
    QTest.qWait(300)  # painted: the earliest moment a person could press Generate
    out: dict[str, float] = {}

    def generate(engine: str, seconds: float):
        def run(done) -> None:
            window.session.set_option("engine", engine)
            window.session.set_option("duration_s", seconds)
            handle = window.jobs.music()
            assert handle is not None, window.notice.text.text()
            handle.ended.connect(done)

        return run

    if at_once:  # Generate pressed as soon as the window is up: the job itself imports torch
        out["musicgen_at_once"], _ = _measure(app, generate("musicgen", 8.0))
        assert any(r.recipe.engine == "musicgen" for r in window.history.results())  # the strip is newest first
        window.close()
        return out

    def until_warm(done) -> None:
        def check() -> None:
            if window.warmup.done and not window.warmup.busy and not window.generation_runner.handles:
                done()
            else:
                QTimer.singleShot(20, check)

        check()

    out["warmup"], out["warmup_s"] = _measure(app, until_warm)
    out["idle"], _ = _measure(app, lambda done: QTimer.singleShot(2000, done))

    def control(done) -> None:
        def job(report, token):
            import numpy as np

            a = np.random.default_rng(0).standard_normal((600, 600))
            end = time.monotonic() + 4.0
            while time.monotonic() < end:
                a = np.tanh(a @ a.T / 600.0)  # BLAS: the GIL is released while it multiplies
            return float(a[0, 0])

        window.generation_runner.submit(job, "control").ended.connect(done)

    out["cpu_control"], _ = _measure(app, control)
    out["sketch"], _ = _measure(app, generate("sketch", 20.0))
    out["musicgen_tiny"], _ = _measure(app, generate("musicgen", 8.0))
    assert any(r.recipe.engine == "musicgen" for r in window.history.results())  # the strip is newest first
    window.close()
    return out


def stalls(root: Path, at_once: bool) -> dict[str, float]:
    code = (
        "import json, sys; from pathlib import Path; sys.path.insert(0, sys.argv[3])\n"
        "from bench_gui import child_stalls\n"
        "print(json.dumps(child_stalls(Path(sys.argv[1]), sys.argv[2] == 'at_once')))"
    )
    here = str(Path(__file__).parent)
    out = subprocess.run(
        [sys.executable, "-c", code, str(root / "history"), "at_once" if at_once else "idle_first", here],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if out.returncode != 0:
        raise SystemExit(f"stall measurement failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--offscreen", action="store_true", help="use Qt's offscreen platform (no display needed)")
    args = ap.parse_args(argv)
    if args.offscreen:
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for var, sub in (("HF_HOME", "hf"), ("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config")):
            os.environ[var] = str(root / sub)
        os.environ["HF_HUB_OFFLINE"] = "1"
        build = "from albumgen_desktop.models.manifest import model_for_role as m; from albumgen_desktop.models.tiny import install_tiny as i; i(m('music'))"
        subprocess.run([sys.executable, "-c", build], check=True, capture_output=True, timeout=600)
        shown_s, torch_loaded = window_shown(root / "history-shown")
        later = stalls(root, at_once=False)
        at_once = stalls(root, at_once=True)
    report = {
        "window_shown_s": round(shown_s, 3),
        "torch_imported_at_show": torch_loaded,
        "max_stall_ms_sketch": later["sketch"],
        "max_stall_ms_musicgen_tiny": later["musicgen_tiny"],
        "max_stall_ms_musicgen_at_once": at_once["musicgen_at_once"],
        "max_stall_ms_warmup": later["warmup"],
        "warmup_s": round(later["warmup_s"], 1),
        "max_stall_ms_idle": later["idle"],
        "max_stall_ms_cpu_control": later["cpu_control"],
        "max_stall_ms": max(later["sketch"], later["musicgen_tiny"]),
        "load_average_1min": round(os.getloadavg()[0], 1),
        "platform": os.environ.get("QT_QPA_PLATFORM", "native"),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
