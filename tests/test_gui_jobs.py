"""Job handles: typed signals on the GUI thread, cancel before and during a job, remaining time."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest

pytest.importorskip("PySide6")

from albumgen_desktop.app.jobs import BACKGROUND_NICENESS, JobFailure, JobRunner
from albumgen_desktop.core.errors import BadInputError
from albumgen_desktop.core.progress import Progress


@pytest.fixture
def runner(qtbot):
    r = JobRunner("test")
    yield r
    r.shutdown()
    assert r.worker_thread.isFinished()


def test_a_job_reports_progress_and_its_result_on_the_gui_thread(runner: JobRunner, qtbot) -> None:
    gui = threading.current_thread()
    seen: list[tuple[str, object]] = []

    def job(report, token):
        assert threading.current_thread() is not gui
        for i in range(1, 5):
            report(Progress(i / 4, f"step {i}"))
        return 42

    handle = runner.submit(job, "count")
    handle.progress.connect(lambda f, m: seen.append((m, threading.current_thread() is gui)))
    handle.finished.connect(lambda result: seen.append(("result", result)))
    with qtbot.waitSignal(handle.ended, timeout=10_000):
        pass
    assert seen == [("step 1", True), ("step 2", True), ("step 3", True), ("step 4", True), ("result", 42)]
    assert handle.outcome == "finished" and not handle.alive and handle.fraction == 1.0
    assert not runner.alive() and not runner.handles


def test_failures_carry_a_sentence_and_the_error(runner: JobRunner, qtbot) -> None:
    failures: list[JobFailure] = []

    def bad_input(report, token):
        raise BadInputError("the file is not a picture")

    def bug(report, token):
        return 1 / 0

    for job in (bad_input, bug):
        handle = runner.submit(job)
        handle.failed.connect(failures.append)
        with qtbot.waitSignal(handle.ended, timeout=10_000):
            pass
    assert failures[0].message == "the file is not a picture" and isinstance(failures[0].error, BadInputError)
    assert failures[1].message.startswith("Something went wrong: ZeroDivisionError")


def test_cancel_a_running_and_a_queued_job(runner: JobRunner, qtbot) -> None:
    started = threading.Event()

    def slow(report, token):
        started.set()
        while True:
            token.raise_if_cancelled(partial="half")
            time.sleep(0.01)

    first = runner.submit(slow, "slow")
    queued = runner.submit(lambda report, token: "never", "queued")
    assert [h.kind for h in runner.alive()] == ["slow", "queued"]
    assert started.wait(10)
    partials: list[object] = []
    first.cancelled.connect(partials.append)
    queued.cancelled.connect(partials.append)
    queued.cancel()
    first.cancel()
    qtbot.waitUntil(lambda: not runner.alive(), timeout=10_000)
    assert partials == ["half", None] and first.outcome == queued.outcome == "cancelled"


def test_remaining_time_is_the_rate_since_the_first_report_and_waits_until_it_means_something() -> None:
    from albumgen_desktop.app.jobs import ETA_MIN_ELAPSED_S, JobHandle
    from albumgen_desktop.core.progress import CancelToken

    handle = JobHandle(1, "music", CancelToken())
    assert handle.remaining_s() is None
    handle._set_progress(0.10, "loading", now=100.0)  # set-up before the first report does not count
    assert handle.remaining_s(now=100.5) is None
    handle._set_progress(0.13, "generating", now=100.4)
    assert handle.remaining_s(now=100.4 + ETA_MIN_ELAPSED_S) is None  # 3% gained: too little to say
    handle._set_progress(0.30, "generating", now=110.0)
    assert handle.remaining_s(now=110.0) == pytest.approx(10.0 * 0.70 / 0.20)  # 20% in 10 s, 70% left
    early = JobHandle(2, "cover", CancelToken())
    early._set_progress(0.0, "painting 1 of 4", now=50.0)
    early._set_progress(0.5, "painting 3 of 4", now=50.6)  # fast, but not yet a second of evidence
    assert early.remaining_s(now=50.6) is None
    assert early.remaining_s(now=51.2) == pytest.approx(1.2)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="thread nice values are a Linux feature")
def test_worker_threads_and_the_threads_they_start_yield_the_cpu_to_the_window(runner: JobRunner, qtbot) -> None:
    """A job's thread runs at a higher nice value than the GUI thread, and so do threads it starts
    (torch's OpenMP pool): on 2 cores they took the CPU the window needed (stalls of 42-69 ms)."""

    def nice() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    def job(report, token):
        child: list[int] = []
        started = threading.Thread(target=lambda: child.append(nice()))
        started.start()
        started.join()
        return nice(), child[0]

    handle = runner.submit(job, "nice")
    got: list[tuple[int, int]] = []
    handle.finished.connect(got.append)
    with qtbot.waitSignal(handle.ended, timeout=10_000):
        pass
    gui = nice()
    assert got and got[0][0] == min(19, gui + BACKGROUND_NICENESS) and got[0][1] == got[0][0]
