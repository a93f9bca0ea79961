"""The two prompt editors, bound to the session state: the music prompt (with its style) and the
cover prompt with its negative prompt. Each follows the sliders until the artist edits it; then it
is locked (a mark says so) until "Reset" brings the generated text back (Edit ▸ Undo takes the
reset back). When the engine that will run is a sketch engine, a line says that it follows the
sliders and that the text is for the neural model."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from albumgen_desktop.app.fields import PromptText
from albumgen_desktop.core.prompts import PROMPT_STYLES, TITLE_MAX_CHARS

LOCKED_TEXT = "✎ edited"
LOCKED_TIP = "Edited by you: the sliders no longer change this prompt. Reset brings the generated one back."
FOLLOWING_TIP = "Generated from the sliders; edit it to make it yours."
SKETCH_NOTES = {
    "music": "The Sketch engine follows the sliders, not this text; MusicGen uses the prompt.",
    "cover": "The Sketch painter follows the sliders, not this text; the diffusion model uses the prompts.",
}
MUSIC_LINES, COVER_LINES, NEGATIVE_LINES = 4, 5, 4  # the generated texts fit at 1366x768


class ResetPrompt(QUndoCommand):
    """Reset one prompt to the generated text; undo brings the artist's words back (locked)."""

    def __init__(self, session, which: str) -> None:
        super().__init__(f"Reset the {which} prompt")
        self.session, self.which = session, which
        s = session
        self.saved = (s.music_prompt,) if which == "music" else (s.cover_prompt, s.cover_negative)

    def redo(self) -> None:
        (self.session.reset_music_prompt if self.which == "music" else self.session.reset_cover_prompt)()

    def undo(self) -> None:
        if self.which == "music":
            self.session.set_music_prompt(*self.saved)
        else:
            self.session.set_cover_prompt(*self.saved)


class _PromptBase(QWidget):
    which = ""  # "music" | "cover"

    def __init__(self, title: str, session) -> None:
        super().__init__()
        self.session = session
        self.undo_stack: QUndoStack | None = None  # the window's: Reset can be undone
        self.heading = QLabel(f"<b>{title}</b>")
        self.lock = QLabel("")
        self.lock.setToolTip(FOLLOWING_TIP)
        # The mark's room is kept when it is empty: a row that widened on the first keystroke
        # pushed the whole right column past the window's edge (1366x768).
        self.lock.setMinimumWidth(self.lock.fontMetrics().horizontalAdvance(LOCKED_TEXT) + 2)
        self.reset = QPushButton("Reset")
        self.reset.setToolTip("Bring back the prompt generated from the sliders (Edit ▸ Undo takes it back)")
        self.reset.setEnabled(False)
        self.reset.clicked.connect(self._reset)
        self.sketch_note = QLabel(SKETCH_NOTES[self.which])
        self.sketch_note.setWordWrap(True)
        self.sketch_note.setStyleSheet("color: palette(placeholder-text);")
        self.sketch_note.hide()
        self.top = QHBoxLayout()
        self.top.setContentsMargins(0, 0, 0, 0)
        self.top.addWidget(self.heading)
        self.top.addStretch(1)
        self.top.addWidget(self.lock)
        self.top.addWidget(self.reset)
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.setSpacing(3)
        self.column.addLayout(self.top)

    def _reset(self) -> None:
        command = ResetPrompt(self.session, self.which)
        if self.undo_stack is not None:
            self.undo_stack.push(command)  # push runs redo()
        else:
            command.redo()

    def set_sketch(self, sketch: bool) -> None:
        """Whether the engine that will run follows the sliders only (the prompt is not used)."""
        self.sketch_note.setVisible(sketch)

    def _show_lock(self, locked: bool) -> None:
        self.lock.setText(LOCKED_TEXT if locked else "")
        self.lock.setToolTip(LOCKED_TIP if locked else FOLLOWING_TIP)
        self.reset.setEnabled(locked)

    @staticmethod
    def _set_text(box: PromptText, text: str) -> None:
        if box.toPlainText() != text:
            box.blockSignals(True)
            box.setPlainText(text)
            box.blockSignals(False)


class MusicPromptEditor(_PromptBase):
    which = "music"

    def __init__(self, session) -> None:
        super().__init__("Music prompt", session)
        self.text = PromptText("music prompt", MUSIC_LINES)
        self.text.setToolTip("The text MusicGen receives. " + FOLLOWING_TIP)
        self.style_combo = QComboBox()
        self.style_combo.addItems(PROMPT_STYLES)
        self.style_combo.setAccessibleName("prompt style")
        self.style_combo.setToolTip("concise: MusicGen-style captions; descriptive: a longer template")
        self.style_combo.setCurrentText(session.options.prompt_style)
        self.top.insertWidget(1, self.style_combo)
        self.column.addWidget(self.text)
        self.column.addWidget(self.sketch_note)
        self.text.textChanged.connect(lambda: session.set_music_prompt(self.text.toPlainText()))
        self.style_combo.currentTextChanged.connect(lambda style: session.set_option("prompt_style", style))
        session.music_prompt_changed.connect(self.show_prompt)
        self.show_prompt(session.music_prompt, session.music_prompt_locked)

    def show_prompt(self, text: str, locked: bool) -> None:
        self._set_text(self.text, text)
        self._show_lock(locked)


class CoverPromptEditor(_PromptBase):
    which = "cover"

    def __init__(self, session) -> None:
        super().__init__("Cover prompt", session)
        self.text = PromptText("cover prompt", COVER_LINES)
        self.text.setToolTip("The text the diffusion model receives. " + FOLLOWING_TIP)
        self.negative = PromptText("negative prompt", NEGATIVE_LINES)
        self.negative.setToolTip("What the cover should avoid (used when guidance is above 1)")
        self.negative.setPlaceholderText("what the cover should avoid")
        negative_label = QLabel("Avoid")
        negative_label.setAlignment(Qt.AlignmentFlag.AlignLeft)
        self.column.addWidget(self.text)
        self.column.addWidget(negative_label)
        self.column.addWidget(self.negative)
        self.column.addWidget(self.sketch_note)
        self.text.textChanged.connect(self._edited)
        self.negative.textChanged.connect(self._edited)
        session.cover_prompt_changed.connect(self.show_prompt)
        self.show_prompt(session.cover_prompt, session.cover_negative, session.cover_prompt_locked)

    def _edited(self) -> None:
        self.session.set_cover_prompt(self.text.toPlainText(), self.negative.toPlainText())

    def show_prompt(self, prompt: str, negative: str, locked: bool) -> None:
        self._set_text(self.text, prompt)
        self._set_text(self.negative, negative)
        self._show_lock(locked)


class TitleField(QLineEdit):
    """The title shared by the music (its recipe) and the cover (its prompt and lettering)."""

    def __init__(self, session) -> None:
        super().__init__(session.title)
        self.setPlaceholderText("album or track title (music and cover)")
        self.setAccessibleName("title")
        self.setMaxLength(TITLE_MAX_CHARS)
        self.textChanged.connect(session.set_title)
        session.title_changed.connect(lambda text: self.setText(text) if self.text() != text else None)
