"""A line above the result for what the artist should know now: a failure, a model that is not
downloaded (with "Download…"), a result that could not be saved, a deletion (with "Undo").

Its room is kept when it is hidden and it is one line high (elided; the tooltip has the whole
text), so a notice coming or going never pushes the result and its buttons."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton

from albumgen_desktop.app.elided import ElidedLabel
from albumgen_desktop.app.wording import Notice, printable

COLOURS = {"error": "#d0453a", "warning": "#d9822b", "info": "palette(highlight)"}


class NoticeBar(QFrame):
    download_requested = Signal(str)  # model id

    def __init__(self) -> None:
        super().__init__()
        self.setAccessibleName("notice")
        self.text = ElidedLabel("")
        self.download = QPushButton("Download…")
        self.download.setToolTip("Open the model manager at this model")
        self.undo = QPushButton("Undo")
        self.close_button = QPushButton("✕")
        self.close_button.setFixedWidth(30)
        self.close_button.setToolTip("Dismiss")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.download)
        layout.addWidget(self.undo)
        layout.addWidget(self.close_button)
        height = max(b.sizeHint().height() for b in (self.download, self.undo, self.close_button))
        self.setFixedHeight(height + 8 + 2 * self.frameWidth())  # the margins: 4 above, 4 below
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)
        self._model_id: str | None = None
        self._undo: Callable[[], None] | None = None
        self.download.clicked.connect(lambda: self.download_requested.emit(self._model_id or ""))
        self.undo.clicked.connect(self._do_undo)
        self.close_button.clicked.connect(self.dismiss)
        self.level = ""
        self.topic = ""
        self.hide()

    def show_notice(self, notice: Notice, undo: Callable[[], None] | None = None) -> None:
        self.level, self.topic = notice.level, notice.topic
        self.setStyleSheet(f"NoticeBar {{ border: 1px solid {COLOURS.get(notice.level, '')}; border-radius: 4px; }}")
        self.text.setText(printable(notice.text))
        self._model_id = notice.model_id
        self._undo = undo
        self.download.setVisible(notice.model_id is not None)
        self.undo.setVisible(undo is not None)
        self.show()

    def _do_undo(self) -> None:
        undo, self._undo = self._undo, None
        self.dismiss()
        if undo is not None:
            undo()

    def dismiss(self) -> None:
        self._undo = None
        self.topic = ""
        self.text.setText("")
        self.hide()

    def dismiss_topic(self, *topics: str) -> None:
        """Take the notice away if it is about one of ``topics`` (it has been overtaken)."""
        if not self.isHidden() and self.topic in topics:
            self.dismiss()
