"""Nothing moves under the pointer: the result's buttons stay where they are whatever the lines
around them say (an outcome of one or two lines, progress rows, a notice), and the model
manager's buttons stay put when a row is chosen or a long status comes; Verify and Remove are off
for a model that is not downloaded."""

from __future__ import annotations

import threading

import pytest

pytest.importorskip("PySide6")

from PySide6.QtWidgets import QWidget

from albumgen_desktop.app.window import MainWindow
from albumgen_desktop.app.wording import Notice
from tests.guitools import no_dialogs, use_sketch, wait_idle, window

__all__ = ["no_dialogs", "window"]  # fixtures

LONG = "Music: done. " + "The music model (MusicGen small) is not downloaded, so the sketch engine made it. " * 4


def _at(w: QWidget, top: QWidget) -> tuple[int, int]:
    p = w.mapTo(top, w.rect().topLeft())
    return p.x(), p.y()


def _buttons(window: MainWindow) -> list[tuple[int, int]]:
    v = window.result_view
    return [_at(b, window) for b in (v.use_button, v.export_button, v.reveal_button, v.delete_button)]


def test_the_result_buttons_stay_put(window: MainWindow, qtbot) -> None:
    window.resize(1366, 768)
    use_sketch(window, 1.0)
    window.jobs.cover()
    wait_idle(qtbot, window)
    qtbot.wait(20)
    where = _buttons(window)
    image_top = _at(window.result_view, window)
    release = threading.Event()
    handles = [window.generation_runner.submit(lambda report, token: release.wait(10), k) for k in ("music", "cover")]
    states = [
        lambda: window.progress.show_outcome("Cover: done."),
        lambda: window.progress.show_outcome(LONG, "warning"),  # two lines' worth in a one-line slot
        lambda: window.progress.track(handles[0], "Music"),
        lambda: window.progress.track(handles[1], "Cover"),  # both generations running
        lambda: window.warn(Notice(LONG * 2, "warning", "musicgen-small", "music")),
        lambda: window.notice.dismiss(),
        lambda: window.say("Ready."),
    ]
    for change in states:
        change()
        qtbot.wait(20)
        assert _buttons(window) == where
        assert _at(window.result_view, window) == image_top  # nor does a notice push the centre column
    release.set()
    wait_idle(qtbot, window)
    qtbot.wait(20)
    assert _buttons(window) == where
    assert window.progress.outcome.text() == "Cover: done."


def test_a_long_outcome_is_one_line_with_the_whole_text_in_its_tooltip(window: MainWindow, qtbot) -> None:
    window.progress.show_outcome(LONG)
    qtbot.wait(10)
    outcome = window.progress.outcome
    assert outcome.text() == LONG and outcome.toolTip() == LONG
    assert outcome.shown_text().endswith("…") and outcome.height() < 2 * outcome.fontMetrics().lineSpacing()


def test_the_model_manager_buttons_stay_put_and_follow_the_state(window: MainWindow, qtbot) -> None:
    from albumgen_desktop.models.manifest import find_model
    from albumgen_desktop.models.tiny import install_tiny

    install_tiny(find_model("taesd"))
    dialog = window.show_models()
    qtbot.wait(20)
    buttons = (dialog.download_one, dialog.verify_button, dialog.remove_button, dialog.folder_button)
    where = [_at(b, dialog) for b in buttons]
    row = {e.id: i for i, e in enumerate(dialog.entries)}
    dialog.table.selectRow(row["sdxs-512"])  # not downloaded
    qtbot.wait(20)
    assert not dialog.verify_button.isEnabled() and not dialog.remove_button.isEnabled()
    dialog.set_status("A long outcome. " * 30 + "\nand a second line", "error")
    qtbot.wait(20)
    assert [_at(b, dialog) for b in buttons] == where
    dialog.table.selectRow(row["taesd"])  # installed
    qtbot.wait(20)
    assert dialog.verify_button.isEnabled() and dialog.remove_button.isEnabled()
    assert [_at(b, dialog) for b in buttons] == where
    dialog.table.clearSelection()
    assert not dialog.remove_button.isEnabled()
