"""A one-line label that never changes its height: text too long for it ends in "…" and its tooltip
holds the whole text. For the lines around buttons (the result's outcome line, notices, the model
manager's status): a label that wrapped to a second line moved the buttons under the pointer."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy


class ElidedLabel(QLabel):
    """``text()`` gives the whole text back; what shows is one line of it (line breaks become " · ")."""

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self._full = ""
        # Ignored width: the layout gives the room, the text follows (a hint from the elided text
        # would change with every resize); fixed height: one line, always.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.setMinimumWidth(40)
        self._fit()
        self.setText(text)

    def setText(self, text: str) -> None:
        self._full = text
        self._elide()

    def text(self) -> str:
        return self._full

    def shown_text(self) -> str:
        """What the label shows now (the whole text, or its start and "…")."""
        return super().text()

    def _fit(self) -> None:
        margins = self.contentsMargins()
        self.setFixedHeight(self.fontMetrics().height() + margins.top() + margins.bottom() + 2 * self.margin() + 2)

    def _elide(self) -> None:
        line = " · ".join(part.strip() for part in self._full.splitlines() if part.strip())
        width = max(0, self.contentsRect().width() - 2 * self.margin())
        shown = self.fontMetrics().elidedText(line, Qt.TextElideMode.ElideRight, width)
        super().setText(shown)
        self.setToolTip(self._full if shown != self._full else "")

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:
            self._fit()
            self._elide()
