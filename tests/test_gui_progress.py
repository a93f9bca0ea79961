"""The progress panel: busy until a fraction comes, then a moving bar with the time left; a failure
shows as a failure (no full bar), and its row goes."""

from __future__ import annotations

import threading
import time

import pytest

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QProgressBar

from albumgen_desktop.app.jobs import ETA_MIN_ELAPSED_S, JobRunner
from albumgen_desktop.app.progress_panel import BAR_STEPS, ProgressPanel
from albumgen_desktop.core.errors import AlbumGenError
from albumgen_desktop.core.progress import Progress


@pytest.fixture
def runner(qtbot):
    r = JobRunner("progress-test")
    yield r
    r.shutdown()


def test_the_bar_moves_and_shows_the_time_left(runner: JobRunner, qtbot) -> None:
    panel = ProgressPanel()
    qtbot.addWidget(panel)
    go, finish = threading.Event(), threading.Event()

    def job(report, token):
        go.wait(10)
        report(Progress(0.0, "generating"))
        time.sleep(ETA_MIN_ELAPSED_S + 0.2)
        report(Progress(0.4, "generating"))
        finish.wait(10)
        return "ok"

    handle = runner.submit(job, "music")
    panel.track(handle, "Music")
    row = panel.rows[id(handle)]
    assert row.bar.maximum() == 0  # busy: it moves before the job's first report
    qtbot.waitUntil(lambda: "starting" in row.label.text(), timeout=10_000)
    go.set()
    # the first report, even at 0%, makes the bar a bar; no time left is promised on that
    qtbot.waitUntil(lambda: row.bar.maximum() == BAR_STEPS, timeout=10_000)
    assert "generating" in row.label.text() and "left" not in row.bar.format()
    qtbot.waitUntil(lambda: row.bar.value() == int(0.4 * BAR_STEPS), timeout=10_000)
    assert "left" in row.bar.format()
    finish.set()
    qtbot.waitUntil(lambda: not panel.rows, timeout=10_000)
    assert panel.outcome.text() == "Music: done."


def test_a_failure_shows_as_a_failure(runner: JobRunner, qtbot) -> None:
    panel = ProgressPanel()
    qtbot.addWidget(panel)

    def job(report, token):
        report(Progress(0.9, "decoding"))
        raise AlbumGenError("the model file is damaged")

    handle = runner.submit(job, "cover")
    panel.track(handle, "Cover")
    qtbot.waitUntil(lambda: not panel.rows, timeout=10_000)
    assert panel.outcome.text() == "Cover: failed." and "d0453a" in panel.outcome.styleSheet()
    assert all(bar.isHidden() or not bar.isVisibleTo(panel) for bar in panel.findChildren(QProgressBar))
