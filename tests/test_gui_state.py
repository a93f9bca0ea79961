"""What the window says stays true: after a failed analysis the input panel still describes the
sliders, old messages go when they are overtaken, both cancelled jobs are mentioned, and what
was opened, generated and restored is named and ordered as the artist expects."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QMimeData, QUrl
from PySide6.QtWidgets import QApplication

from albumgen_desktop.app.window import MainWindow
from tests.guitools import close_and_check, cover_png, no_dialogs, settings_at, use_sketch, wait_idle, window

__all__ = ["no_dialogs", "window"]  # fixtures


def _not_audio(path: Path) -> Path:
    path.write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk" + bytes(range(256)) * 4)
    return path


def test_a_failed_analysis_leaves_the_panel_describing_the_sliders(window: MainWindow, qtbot, tmp_path: Path) -> None:
    window.open_path(cover_png(tmp_path / "sunny.png"))
    wait_idle(qtbot, window)
    features, prompt = window.session.features, window.session.music_prompt
    picture = window.drop.preview.pixmap().toImage()
    window.open_path(_not_audio(tmp_path / "notaudio.wav"))
    wait_idle(qtbot, window)
    assert window.session.features == features and window.session.music_prompt == prompt
    assert window.drop.name.text() == "sunny.png"  # the name under the picture is the input the sliders show
    assert window.drop.preview.pixmap().toImage() == picture
    assert "notaudio.wav could not be analysed" in window.status.text() and "sunny.png" in window.status.text()
    assert window.notice.isVisible() and "Analysis failed" in window.notice.text.text()
    window.open_path(cover_png(tmp_path / "green.png", (30, 160, 90)))  # a later good open
    wait_idle(qtbot, window)
    assert not window.notice.isVisible()  # the failure is not news any more
    assert window.drop.name.text() == "green.png"


def test_a_failure_on_the_first_open_says_the_sliders_were_left_alone(window: MainWindow, qtbot, tmp_path) -> None:
    window.open_path(_not_audio(tmp_path / "notaudio.wav"))
    wait_idle(qtbot, window)
    assert window.drop.name.text() == "" and "left as they were" in window.status.text()
    window.open_path(tmp_path)  # a folder import overtakes the failure too
    assert not window.notice.isVisible()
    wait_idle(qtbot, window)


def test_a_latin1_file_name_pasted_as_a_url_opens(window: MainWindow, qtbot, tmp_path: Path) -> None:
    if sys.platform == "win32" or os.fsencode("é") != "é".encode():
        pytest.skip("a file name of raw bytes needs a byte-named file system with UTF-8 names")
    folder = os.fsencode(tmp_path)
    raw = folder + b"/caf\xe9.png"
    cover_png(Path(os.fsdecode(raw)))
    mime = QMimeData()
    mime.setData("text/uri-list", b"file://" + folder.replace(b" ", b"%20") + b"/caf%E9.png\r\n")
    assert mime.hasUrls() and mime.urls()[0].isLocalFile()
    assert "\ufffd" in mime.urls()[0].toLocalFile()  # what Qt alone makes of it: a file that does not exist
    QApplication.clipboard().setMimeData(mime)
    window.paste()
    wait_idle(qtbot, window)
    assert not window.notice.isVisible(), window.notice.text.text()
    assert "analysed" in window.status.text() and window.drop.name.text() == "caf\\xe9.png"  # as the CLI prints it
    assert window.session.features.valence > 0.5


def test_the_delete_notice_goes_with_undo_and_outcomes_go_with_later_actions(
    window: MainWindow, qtbot, tmp_path: Path
) -> None:
    use_sketch(window, 1.0)
    window.jobs.cover()
    wait_idle(qtbot, window)
    assert window.progress.outcome.isVisible() and "Cover: done" in window.progress.outcome.text()
    result = window.history.results()[0]
    window.results.delete(result)
    assert window.notice.isVisible() and "Undo" == window.notice.undo.text()
    assert "Moved" in window.status.text() and not window.progress.outcome.isVisible()
    window.undo_stack.undo()  # Ctrl+Z, not the notice's button
    assert not window.notice.isVisible() and window.history.results() == [result]
    assert "Undone" in window.status.text()
    assert window.results.export(result, tmp_path / "x.png") is not None
    assert window.status.text() == "Exported x.png."


def test_escape_after_both_reports_both_cancellations(window: MainWindow, qtbot) -> None:
    use_sketch(window, 60.0)
    window.session.set_option("cover_size", 1024)
    window.session.set_option("variations", 8)
    window.jobs.both()
    window.jobs.cancel_all()
    wait_idle(qtbot, window)
    status = window.status.text()
    assert "Music: cancelled" in status and "Cover: cancelled" in status, status
    assert window.progress.outcome.text() == status


def test_analysis_notes_come_into_view_when_the_status_points_at_them(window: MainWindow, qtbot, tmp_path) -> None:
    import soundfile as sf

    from tests.synth import synth_song

    window.resize(1366, 768)
    window.left.verticalScrollBar().setValue(window.left.verticalScrollBar().maximum())
    path = tmp_path / "track.wav"
    sf.write(path, synth_song(100, 2, "minor", seconds=4), 22050)
    window.open_path(path)  # no CLAP model here: the analysis notes that the genre is unknown
    wait_idle(qtbot, window)
    qtbot.wait(50)
    assert "See the notes" in window.status.text() and window.left.verticalScrollBar().maximum() > 0
    warnings = window.drop.warnings
    top = warnings.mapTo(window.left.inner, warnings.rect().topLeft()).y()
    scrolled = window.left.verticalScrollBar().value()
    assert scrolled <= top and top + warnings.height() <= scrolled + window.left.viewport().height()


def test_show_file_without_a_file_manager_says_where_the_file_is(window: MainWindow, qtbot) -> None:
    """Offscreen Qt has no desktop services and this test has no session bus: nothing can open."""
    use_sketch(window, 1.0)
    window.jobs.cover()
    wait_idle(qtbot, window)
    result = window.history.results()[0]
    os.environ.pop("DBUS_SESSION_BUS_ADDRESS", None)
    window.results.reveal(result)
    assert window.notice.isVisible() and "No file manager" in window.notice.text.text()
    assert str(result.history_path) in window.notice.text.text()
    assert QApplication.clipboard().text() == str(result.history_path)


def test_the_title_box_is_honoured_by_the_sketch_painter(window: MainWindow, qtbot) -> None:
    use_sketch(window)
    window.title_field.setText("Night Ferry")
    assert window.options.typography.isChecked()  # lettering is on unless the artist turns it off
    window.jobs.cover()
    wait_idle(qtbot, window)
    window.options.typography.setChecked(False)
    window.jobs.cover()
    wait_idle(qtbot, window)
    plain, lettered = window.history.results()  # newest first
    assert lettered.recipe.params["typography"] is True and plain.recipe.params["typography"] is False
    assert np.asarray(lettered.image).tolist() != np.asarray(plain.image).tolist()


def test_a_recipe_brings_back_the_avoid_text(window: MainWindow, qtbot) -> None:
    from dataclasses import replace

    from albumgen_desktop.core.recipe import Recipe

    use_sketch(window)
    window.jobs.cover()
    wait_idle(qtbot, window)
    made = window.history.results()[0].recipe
    assert isinstance(made, Recipe)
    recipe = replace(made, prompt="pastel pink flowers, watercolour", negative_prompt="dark, red, stripes",
                     prompt_locked=True)  # fmt: skip
    window.cover_prompt.reset.click()
    window.session.apply_recipe(recipe)
    assert window.cover_prompt.negative.toPlainText() == "dark, red, stripes"
    assert window.cover_prompt.text.toPlainText() == "pastel pink flowers, watercolour"


def test_history_newest_first_with_takes_in_order_and_kept_after_a_restart(qtbot, tmp_path: Path, no_dialogs) -> None:
    first = MainWindow(tmp_path / "history", settings_at(tmp_path))
    qtbot.addWidget(first)
    first.show()
    assert not first.result_view.compare_button.isEnabled()  # nothing to compare on a first launch
    use_sketch(first)
    first.jobs.music()
    wait_idle(qtbot, first)
    first.session.set_option("variations", 3)
    first.jobs.cover()
    wait_idle(qtbot, first)
    labels = [first.history.item(i).text() for i in range(first.history.count())]
    assert [line.split("\n")[1].split(" · ")[0] for line in labels] == ["cover"] * 3 + ["music"]
    assert ["take 1/3" in labels[0], "take 2/3" in labels[1], "take 3/3" in labels[2]] == [True] * 3
    assert labels[0].startswith("untitled")  # not the genre
    assert first.result_view.compare_button.isEnabled()
    suggested = first.results.export_name(first.history.results()[1])
    assert suggested == "cover-seed1-take2.png"
    close_and_check(first)
    again = MainWindow(tmp_path / "history", settings_at(tmp_path))
    qtbot.addWidget(again)
    again.show()
    again.restore_history()
    wait_idle(qtbot, again)
    try:
        assert [again.history.item(i).text().split("\n")[2].split(" · ")[:2] for i in range(3)] == [
            ["seed 0", "take 1/3"], ["seed 1", "take 2/3"], ["seed 2", "take 3/3"]
        ]  # fmt: skip
        assert again.history.item(3).text().split("\n")[1].startswith("music")
    finally:
        close_and_check(again)


def test_open_starts_where_the_last_file_was_opened(window: MainWindow, qtbot, tmp_path, monkeypatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    asked: list[tuple[str, str]] = []
    path = cover_png(tmp_path / "sunny.png")

    def fake(parent, caption, folder, filters):  # the dialog itself cannot run offscreen
        asked.append((folder, filters))
        return str(path), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", fake)
    window.open_dialog()
    window.open_dialog()
    wait_idle(qtbot, window)
    assert asked[0][0] == str(Path.home()) and asked[1][0] == str(tmp_path)
    assert asked[0][1].startswith("Covers, tracks and exports (") and "*.wav" in asked[0][1]


def test_a_path_is_read_from_a_url_as_bytes() -> None:
    from albumgen_desktop.app.drop_area import url_path

    assert url_path(QUrl("file:///tmp/r/in/caf%E9.wav")) == Path(os.fsdecode(b"/tmp/r/in/caf\xe9.wav"))
    assert url_path(QUrl("file:///tmp/caf%C3%A9%20x.wav")) == Path("/tmp/café x.wav")
    assert url_path(QUrl.fromLocalFile("/tmp/a b#c?.wav")) == Path("/tmp/a b#c?.wav")
    assert url_path(QUrl("file://localhost/tmp/x.png")) == Path("/tmp/x.png")
