"""The two prompt editors, bound to the session state: the music prompt (with its style) and the
cover prompt with its negative prompt. Each follows the sliders until the artist edits it; then it
is locked (a mark says so) until "Reset" brings the generated text back."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from albumgen_desktop.app.fields import PromptText
from albumgen_desktop.core.prompts import PROMPT_STYLES, TITLE_MAX_CHARS

LOCKED_TEXT = "✎ edited"
LOCKED_TIP = "Edited by you: the sliders no longer change this prompt. Reset brings the generated one back."
FOLLOWING_TIP = "Generated from the sliders; edit it to make it yours."


class _PromptBase(QWidget):
    def __init__(self, title: str) -> None:
        super().__init__()
        self.heading = QLabel(f"<b>{title}</b>")
        self.lock = QLabel("")
        self.lock.setToolTip(FOLLOWING_TIP)
        self.reset = QPushButton("Reset")
        self.reset.setToolTip("Bring back the prompt generated from the sliders")
        self.reset.setEnabled(False)
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
    def __init__(self, session) -> None:
        super().__init__("Music prompt")
        self.session = session
        self.text = PromptText("music prompt", 2, 8)
        self.text.setToolTip("The text MusicGen receives. " + FOLLOWING_TIP)
        self.style_combo = QComboBox()
        self.style_combo.addItems(PROMPT_STYLES)
        self.style_combo.setAccessibleName("prompt style")
        self.style_combo.setToolTip("concise: MusicGen-style captions; descriptive: a longer template")
        self.style_combo.setCurrentText(session.options.prompt_style)
        self.top.insertWidget(1, self.style_combo)
        self.column.addWidget(self.text)
        self.text.textChanged.connect(lambda: session.set_music_prompt(self.text.toPlainText()))
        self.reset.clicked.connect(session.reset_music_prompt)
        self.style_combo.currentTextChanged.connect(lambda style: session.set_option("prompt_style", style))
        session.music_prompt_changed.connect(self.show_prompt)
        self.show_prompt(session.music_prompt, session.music_prompt_locked)

    def show_prompt(self, text: str, locked: bool) -> None:
        self._set_text(self.text, text)
        self._show_lock(locked)


class CoverPromptEditor(_PromptBase):
    def __init__(self, session) -> None:
        super().__init__("Cover prompt")
        self.session = session
        self.text = PromptText("cover prompt", 2, 8)
        self.text.setToolTip("The text the diffusion model receives. " + FOLLOWING_TIP)
        self.negative = PromptText("negative prompt", 2, 4)
        self.negative.setToolTip("What the cover should avoid (used when guidance is above 1)")
        self.negative.setPlaceholderText("what the cover should avoid")
        negative_label = QLabel("Avoid")
        negative_label.setAlignment(Qt.AlignmentFlag.AlignLeft)
        self.column.addWidget(self.text)
        self.column.addWidget(negative_label)
        self.column.addWidget(self.negative)
        self.text.textChanged.connect(self._edited)
        self.negative.textChanged.connect(self._edited)
        self.reset.clicked.connect(session.reset_cover_prompt)
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
