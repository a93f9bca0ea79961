"""Input: the drop area that shows what was opened (a cover, or a track's waveform, with the
analysis' notes and warnings), and the window-wide drop catcher: a file dropped anywhere in the
window opens, with a highlight while it is dragged over, and never lands in a text field as a URL."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

import numpy as np
from PySide6.QtCore import QEvent, QObject, QRectF, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QMouseEvent, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from albumgen_desktop.core.analysis import printable_path

PREVIEW = 150
LEAVE_MS = 60  # a leave not followed by an enter within this long means the drag left the window
HINT = "Drop a cover, a track, an export\nor a music folder anywhere here\n(click to choose a file)"


def url_path(url: QUrl) -> Path:
    """The local path of a ``file:`` URL, its bytes kept as they are.

    A file manager percent-encodes a file name's raw bytes (``caf%E9.wav`` for a Latin-1 "café");
    ``QUrl.toLocalFile`` decodes them as UTF-8 and turns such a byte into U+FFFD, a path that does
    not exist. Decoding to bytes and then with the file system's own decoding (``os.fsdecode``:
    undecodable bytes become surrogates) gives back the very path the file manager had.
    A URL with a remote host (``file://server/share``) is left to Qt (a UNC path on Windows)."""
    host = url.host()
    if host and host.lower() != "localhost":
        return Path(url.toLocalFile())
    encoded = url.path(QUrl.ComponentFormattingOption.FullyEncoded)
    path = os.fsdecode(unquote_to_bytes(encoded))
    if sys.platform == "win32" and len(path) > 2 and path[0] == "/" and path[2] == ":":
        path = path[1:]  # /C:/Music -> C:/Music
    return Path(path)


def local_paths(mime: Any) -> list[Path]:
    """The local files and folders a drag or the clipboard carries (web links are ignored)."""
    if mime is None or not mime.hasUrls():
        return []
    return [url_path(url) for url in mime.urls() if url.isLocalFile()]


def display_name(path: Path) -> str:
    """``path``'s name for a label, as the CLI prints it: a byte that is not UTF-8 shows as ``\\xe9``
    (a Qt string cannot hold the surrogate that keeps it in the path: PySide cuts the text there)."""
    return printable_path(path.name or path)


class DropArea(QWidget):
    """What was opened, small: its picture or waveform, its name, and what the analysis noted."""

    open_requested = Signal()  # a click: choose a file

    def __init__(self) -> None:
        super().__init__()
        self.setAccessibleName("input")
        self.preview = QLabel(HINT)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setFixedHeight(PREVIEW)
        self.preview.setMinimumWidth(160)
        self.preview.setWordWrap(True)
        self.preview.setStyleSheet("QLabel { border: 2px dashed palette(mid); border-radius: 8px; }")
        self.preview.setCursor(Qt.CursorShape.PointingHandCursor)
        self.preview.setToolTip("Click to open a file, or drop one anywhere in the window")
        self.name = QLabel("")
        self.name.setWordWrap(True)
        self.warnings = QLabel("")
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet("color: #d9822b;")
        self.warnings.hide()
        self.notes = QLabel("")
        self.notes.setWordWrap(True)
        self.notes.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notes.hide()
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        for w in (self.preview, self.name, self.warnings, self.notes):
            column.addWidget(w)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if self.preview.geometry().contains(event.position().toPoint()):
            self.open_requested.emit()
        super().mousePressEvent(event)

    def clear(self, name: str = "") -> None:
        """Back to the hint (and a name such as 'Analysing cover.png…')."""
        self.preview.clear()
        self.preview.setText(HINT)
        self.name.setText(name)
        self.set_notes([], [])

    def show_image(self, path: Path) -> None:
        pixmap = QPixmap()
        try:  # read by Python: Qt cannot open a path whose name is not UTF-8
            pixmap.loadFromData(path.read_bytes())
        except OSError:
            pass
        if pixmap.isNull():
            self.preview.setText(display_name(path))
            return
        self.preview.setPixmap(
            pixmap.scaled(
                PREVIEW - 8, PREVIEW - 8, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
        )

    def show_waveform(self, overview: np.ndarray) -> None:
        """``overview``: see history.overview (the input track)."""
        from albumgen_desktop.app.waveform import draw_overview, faded

        width, height = max(160, self.preview.width() - 12), PREVIEW - 16
        pixmap = QPixmap(width, height)
        pixmap.fill(QColor(0, 0, 0, 0))
        painter = QPainter(pixmap)
        text = self.palette().text().color()
        draw_overview(painter, overview, QRectF(0, 0, width, height), faded(text, 90), text)
        painter.end()
        self.preview.setPixmap(pixmap)

    def set_notes(self, warnings: list[str], notes: list[str]) -> None:
        self.warnings.setText("\n".join(f"⚠ {w}" for w in warnings))
        self.warnings.setVisible(bool(warnings))
        self.notes.setText("\n".join(notes))
        self.notes.setVisible(bool(notes))


class DropOverlay(QWidget):
    """The highlight over the whole window while a file is dragged over it."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setAccessibleName("drop highlight")
        self.hide()

    def cover_parent(self) -> None:
        parent = self.parentWidget()
        if parent is not None:
            self.setGeometry(parent.rect())
        self.raise_()
        self.show()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        accent = QColor(self.palette().highlight().color())
        fill = QColor(accent)
        fill.setAlpha(50)
        painter.fillRect(self.rect(), fill)
        painter.setPen(QPen(accent, 4, Qt.PenStyle.DashLine))
        painter.drawRect(self.rect().adjusted(3, 3, -4, -4))
        painter.setPen(self.palette().text().color())
        font = painter.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        painter.setFont(font)
        painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "Drop to open")
        painter.end()


class DropCatcher(QObject):
    """Catches file drags for every widget of ``window``.

    A drag goes to the deepest widget that accepts drops, else up to the window (which accepts
    them). So the catcher filters the window and each widget in it that accepts drops (text
    fields, number fields); ``watch`` adds widgets made later. Not an application-wide filter:
    that would run Python for every event of the app, and contend for the GIL with the jobs."""

    dropped = Signal(object)  # Path

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._leaving = False
        window.setAcceptDrops(True)  # drags over widgets that take none go up to the window
        self.overlay = DropOverlay(window)
        self._watched: list[QWidget] = []
        self.watch(window)

    def watch(self, root: QWidget) -> None:
        """Filter ``root`` and its descendants that accept drops (call after building them)."""
        for widget in [root, *root.findChildren(QWidget)]:
            if (widget is root or widget.acceptDrops()) and widget not in self._watched:
                widget.installEventFilter(self)
                self._watched.append(widget)

    def _left(self) -> None:
        if self._leaving:
            self.overlay.hide()

    def detach(self) -> None:
        for widget in self._watched:
            widget.removeEventFilter(self)
        self._watched.clear()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop, QEvent.Type.DragLeave):
            return False
        if not isinstance(obj, QWidget) or obj.window() is not self._window:
            return False
        if kind == QEvent.Type.DragLeave:
            # Moving between widgets is a leave then an enter; leaving the window is a leave alone.
            self._leaving = True
            QTimer.singleShot(LEAVE_MS, self._left)
            return False
        self._leaving = False
        assert isinstance(event, (QDragEnterEvent, QDropEvent))
        paths = local_paths(event.mimeData())
        if not paths:
            return False  # text drags inside the window behave as usual
        event.acceptProposedAction()
        if kind == QEvent.Type.Drop:
            self.overlay.hide()
            self.dropped.emit(paths[0])
        elif not self.overlay.isVisible():
            self.overlay.cover_parent()
        return True
