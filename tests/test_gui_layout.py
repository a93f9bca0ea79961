"""The window's layout at a laptop's size: nothing is cut off when the artist edits, nothing moves
while they type, and the prompt boxes say when the engine that will run does not read them."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFormLayout, QWidget

from albumgen_desktop.app.window import MainWindow
from tests.guitools import no_dialogs, window

__all__ = ["no_dialogs", "window"]  # fixtures

LAPTOP = (1366, 768)


def _fits(column) -> bool:
    """Every row of a scrolling column is whole: its contents need no more width than it shows."""
    return column.inner.minimumSizeHint().width() <= column.viewport().width()


def test_editing_a_prompt_at_1366x768_leaves_the_right_column_whole(window: MainWindow, qtbot) -> None:
    window.resize(*LAPTOP)
    qtbot.waitUntil(lambda: window.width() == LAPTOP[0])
    right = window.inputs_column
    assert _fits(right)
    window.music_prompt.text.setPlainText(window.music_prompt.text.toPlainText() + " Add a cello solo.")
    window.cover_prompt.negative.setPlainText("dark, red, stripes")
    qtbot.wait(50)  # the layout settles
    assert window.music_prompt.lock.text() and window.cover_prompt.lock.text()
    assert _fits(right), (right.inner.minimumSizeHint().width(), right.viewport().width())
    assert window.width() <= LAPTOP[0]
    title = window.title_field
    right_edge = title.mapTo(right.inner, title.rect().topRight()).x()
    assert right_edge <= right.viewport().width()  # the Title field is not cut off at the right


def test_a_column_follows_a_row_that_needs_more_room(window: MainWindow, qtbot) -> None:
    """Whatever widens a row later, the column's minimum width follows (no silent clipping)."""
    window.resize(*LAPTOP)
    right = window.inputs_column
    before = right.minimumWidth()
    window.music_prompt.heading.setText("<b>" + "A much longer heading for the music prompt " * 2 + "</b>")
    qtbot.waitUntil(lambda: right.minimumWidth() > before, timeout=2000)
    assert right.minimumWidth() >= right.needed_width()


def test_prompt_boxes_keep_their_height_while_typing(window: MainWindow, qtbot) -> None:
    boxes = (window.music_prompt.text, window.cover_prompt.text, window.cover_prompt.negative)
    heights = [b.height() for b in boxes]
    below = window.options.mapTo(window, window.options.rect().topLeft()).y()
    for box in boxes:
        box.setPlainText("one short line")
    qtbot.wait(50)
    assert [b.height() for b in boxes] == heights
    for box in boxes:
        box.setPlainText("a long line of words that wraps again and again " * 12)
    qtbot.wait(50)
    assert [b.height() for b in boxes] == heights
    assert window.options.mapTo(window, window.options.rect().topLeft()).y() == below  # nothing under them moved


def test_the_prompts_say_when_the_sketch_engines_will_not_read_them(window: MainWindow, qtbot) -> None:
    music, cover = window.music_prompt, window.cover_prompt
    window.session.set_option("engine", "auto")  # no model is downloaded: Auto runs the Sketch engine
    window.session.set_option("cover_engine", "auto")
    assert music.sketch_note.isVisibleTo(window) and cover.sketch_note.isVisibleTo(window)
    assert "sliders" in music.sketch_note.text() and "MusicGen" in music.sketch_note.text()
    assert "diffusion" in cover.sketch_note.text()
    window.options.engine.setCurrentIndex(window.options.engine.findData("musicgen"))
    assert not music.sketch_note.isVisibleTo(window) and cover.sketch_note.isVisibleTo(window)
    window.options.cover_engine.setCurrentIndex(window.options.cover_engine.findData("diffusion"))
    assert not cover.sketch_note.isVisibleTo(window)
    window.options.cover_engine.setCurrentIndex(window.options.cover_engine.findData("sketch"))
    assert cover.sketch_note.isVisibleTo(window)


def test_reset_of_an_edited_prompt_can_be_undone(window: MainWindow, qtbot) -> None:
    window.music_prompt.text.setPlainText("my own words")
    window.cover_prompt.negative.setPlainText("dark, red, stripes")
    window.music_prompt.reset.click()
    window.cover_prompt.reset.click()
    assert not window.session.music_prompt_locked and window.session.cover_negative != "dark, red, stripes"
    window.undo_stack.undo()
    assert window.session.cover_prompt_locked and window.cover_prompt.negative.toPlainText() == "dark, red, stripes"
    assert "reset the cover prompt" in window.status.text().lower()
    window.undo_stack.undo()
    assert window.session.music_prompt_locked and window.music_prompt.text.toPlainText() == "my own words"
    window.undo_stack.redo()
    assert not window.session.music_prompt_locked


def test_slider_tracks_line_up_across_the_groups(window: MainWindow, qtbot) -> None:
    window.resize(*LAPTOP)
    qtbot.wait(50)
    rows = window.features_panel.rows
    lefts = {name: row.slider.mapTo(window, row.slider.rect().topLeft()).x() for name, row in rows.items()}
    widths = {name: row.slider.width() for name, row in rows.items()}
    assert len(set(lefts.values())) == 1, lefts
    assert len(set(widths.values())) == 1, widths  # Loudness (its LUFS field) no shorter than the rest
    assert rows["valence"].slider.focusPolicy() == Qt.FocusPolicy.StrongFocus


def test_at_the_smallest_size_every_control_of_the_right_column_is_reachable(window: MainWindow, qtbot) -> None:
    """Asked for 1000x560 the window keeps the width its columns need (README: about 1030 px); no
    control of the right column is cut off: each lies inside the column's width, reachable by its
    vertical scroll, and the buttons under it lie inside the window."""
    from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QPlainTextEdit

    window.resize(1000, 560)
    qtbot.wait(100)  # the layout settles
    assert window.height() == 560 and 1000 <= window.width() <= 1060
    assert sum(window.columns.sizes()) <= window.columns.width()
    right = window.inputs_column
    pane = window.columns.widget(2)
    assert pane is not None and right.geometry().right() < pane.width()
    assert pane.geometry().right() < window.columns.width()  # the right pane is not clipped by the splitter
    kinds = (QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QPlainTextEdit)
    controls = [w for w in right.inner.findChildren(QWidget) if isinstance(w, kinds) and w.isVisibleTo(window)]
    assert len(controls) >= 15
    for w in controls:
        left_edge = w.mapTo(right.inner, w.rect().topLeft()).x()
        right_edge = w.mapTo(right.inner, w.rect().topRight()).x()
        assert 0 <= left_edge and right_edge < right.viewport().width(), (
            w.accessibleName() or type(w).__name__,
            right_edge,
        )
    for button in (window.music_button, window.cover_button, window.both_button, window.cancel_button):
        corner = button.mapTo(window, button.rect().bottomRight())
        assert corner.x() < window.width() and corner.y() < window.height(), button.text()
    for name, row in window.features_panel.rows.items():  # the left column: no slider over its label
        group = row.parentWidget()
        form = group.layout() if group is not None else None
        assert isinstance(form, QFormLayout)
        label = form.labelForField(row)
        assert label is not None
        end, start = label.mapTo(window, label.rect().topRight()).x(), row.slider.mapTo(window, QPoint(0, 0)).x()
        assert end < start, name
