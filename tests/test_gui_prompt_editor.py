"""The prompt editors: lock on edit, reset, the negative prompt, Tab and drops."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QMimeData, Qt, QUrl

from albumgen_desktop.app.prompt_editor import CoverPromptEditor, MusicPromptEditor, TitleField
from albumgen_desktop.app.session import SessionState


@pytest.fixture
def session(qtbot):
    return SessionState()


def test_the_music_prompt_locks_on_edit_and_resets(session, qtbot) -> None:
    editor = MusicPromptEditor(session)
    qtbot.addWidget(editor)
    generated = editor.text.toPlainText()
    assert generated and not editor.reset.isEnabled() and not editor.lock.text()
    editor.text.setPlainText("slow tape hiss and a lonely piano")
    assert session.music_prompt_locked and editor.reset.isEnabled() and "edited" in editor.lock.text()
    session.edit_feature("tempo_bpm", 170.0)
    assert editor.text.toPlainText() == "slow tape hiss and a lonely piano"
    editor.reset.click()
    assert not session.music_prompt_locked and "170 bpm" in editor.text.toPlainText().lower()
    editor.style_combo.setCurrentText("descriptive")
    assert editor.text.toPlainText() == session.music_prompt != generated


def test_the_cover_prompt_and_its_negative_are_editable(session, qtbot) -> None:
    editor = CoverPromptEditor(session)
    title = TitleField(session)
    qtbot.addWidget(editor)
    qtbot.addWidget(title)
    title.setText("Paper Moons")
    assert '"Paper Moons"' in editor.text.toPlainText() and editor.negative.toPlainText()
    editor.negative.setPlainText("people, faces")
    assert session.cover_prompt_locked and session.cover_negative == "people, faces"
    editor.reset.click()
    assert session.cover_negative != "people, faces" and not session.cover_prompt_locked


def test_tab_leaves_a_prompt_and_a_dropped_file_is_not_text(session, qtbot) -> None:
    editor = MusicPromptEditor(session)
    qtbot.addWidget(editor)
    editor.show()
    editor.text.setFocus()
    before = editor.text.toPlainText()
    qtbot.keyClick(editor.text, Qt.Key.Key_Tab)
    assert editor.text.toPlainText() == before and not session.music_prompt_locked
    assert not editor.text.hasFocus()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile("/tmp/cover.png")])
    assert not editor.text.canInsertFromMimeData(mime)
    words = QMimeData()
    words.setText("dreamy")
    assert editor.text.canInsertFromMimeData(words)
