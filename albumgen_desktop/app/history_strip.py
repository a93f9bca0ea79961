"""The results of this and earlier sessions as a strip (a grid when given room) of thumbnails:
covers as pictures, music as waveforms, each with a label that tells takes apart (title, kind,
engine / seed, take, time). Clicking one shows it large; Space plays it; Delete moves it to the
trash. Thumbnails of restored results are drawn from data read off the GUI thread."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QKeyEvent, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QListView, QListWidget, QListWidgetItem, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from albumgen_desktop.app.history import Result, label
from albumgen_desktop.app.result_view import to_qimage
from albumgen_desktop.app.waveform import draw_overview, faded

THUMB = 84
CELL = QSize(166, THUMB + 58)  # the thumbnail and three lines of label


def waveform_pixmap(overview: np.ndarray | None, size: int = THUMB) -> QPixmap:
    """A small waveform on a dark square; a flat line when there is nothing to draw."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(38, 40, 48))
    painter = QPainter(pixmap)
    if overview is not None and overview.ndim == 2 and overview.shape[1]:
        blue = QColor(120, 200, 255)
        draw_overview(painter, overview, QRectF(0, 8, size, size - 24), faded(blue, 110), blue)
    else:
        painter.setPen(QPen(QColor(120, 200, 255), 1))
        painter.drawLine(4, size // 2, size - 4, size // 2)
    painter.setPen(QColor(200, 200, 210))
    painter.drawText(4, size - 4, "♪")
    painter.end()
    return pixmap


def cover_pixmap(image: Any, size: int = THUMB) -> QPixmap:
    pixmap = QPixmap.fromImage(to_qimage(image))
    return pixmap.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)


def placeholder_pixmap(text: str, size: int = THUMB) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(70, 70, 78))
    painter = QPainter(pixmap)
    painter.setPen(QColor(220, 220, 220))
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, text)
    painter.end()
    return pixmap


class CellDelegate(QStyledItemDelegate):
    """The chosen result is marked as one cell (a tinted frame around its thumbnail and label);
    the style's own mark filled the label's full width under a narrower thumbnail."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        plain = QStyleOptionViewItem(option)
        plain.state &= ~QStyle.StateFlag.State_Selected
        plain.state &= ~QStyle.StateFlag.State_HasFocus
        if selected:
            accent = QColor(option.palette.highlight().color())
            fill = QColor(accent)
            fill.setAlpha(60)
            painter.save()
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            painter.setPen(QPen(accent, 2))
            painter.setBrush(fill)
            painter.drawRoundedRect(QRectF(option.rect).adjusted(2, 1, -2, -1), 6, 6)
            painter.restore()
        super().paint(painter, plain, index)


class HistoryStrip(QListWidget):
    current_changed = Signal(object)  # Result or None
    toggle_requested = Signal()  # Space on a music result
    delete_requested = Signal(object)  # Result

    def __init__(self) -> None:
        super().__init__()
        self.setAccessibleName("results")
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setGridSize(CELL)
        self.setWordWrap(True)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QListWidget.SelectionMode.SingleSelection)
        self.setMinimumHeight(CELL.height() + 12)
        self.setItemDelegate(CellDelegate(self))
        self._items: dict[int, QListWidgetItem] = {}
        self._detached: dict[int, QListWidgetItem] = {}
        self.currentItemChanged.connect(lambda item, _previous: self.current_changed.emit(self._result(item)))

    @staticmethod
    def _result(item: QListWidgetItem | None) -> Result | None:
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)

    def results(self) -> list[Result]:
        return [r for r in (self._result(self.item(i)) for i in range(self.count())) if r is not None]

    def add_result(self, result: Result, select: bool = True, row: int | None = None) -> None:
        """Add ``result`` (at ``row``, else at the end); a result removed before comes back as it was."""
        item = self._detached.pop(id(result), None)
        if item is not None:
            self._items[id(result)] = item
            self._place(item, select, row)
            return
        item = QListWidgetItem(label(result))
        item.setData(Qt.ItemDataRole.UserRole, result)
        item.setTextAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        item.setSizeHint(CELL)
        self._items[id(result)] = item
        if result.is_cover and result.image is not None:
            item.setIcon(QIcon(cover_pixmap(result.image)))
        elif not result.is_cover and result.audio is not None:
            item.setIcon(QIcon(waveform_pixmap(result.waveform())))
        else:
            item.setIcon(QIcon(placeholder_pixmap("…")))
        self.refresh(result)
        self._place(item, select, row)

    def _place(self, item: QListWidgetItem, select: bool, row: int | None) -> None:
        if row is None:
            self.addItem(item)
        else:
            self.insertItem(row, item)
        if select:
            self.setCurrentItem(item)
            self.scrollToItem(item)

    def refresh(self, result: Result) -> None:
        """Update the label and tooltip (saved/unsaved) of ``result``."""
        item = self._items.get(id(result))
        if item is None:
            return
        item.setText(label(result))
        where = str(result.history_path) if result.saved else f"Not saved: {result.save_error or 'unknown reason'}"
        item.setToolTip(f"{result.recipe.prompt}\n\n{where}")
        if not result.saved and result.save_error:
            item.setForeground(QColor("#d9822b"))

    def set_thumbnail(self, result: Result, kind: str, data: Any) -> None:
        """Data read off the GUI thread (see history.thumbnail_data) becomes the item's icon."""
        item = self._items.get(id(result))
        if item is None:
            return
        if kind == "image":
            item.setIcon(QIcon(cover_pixmap(data)))
        elif kind == "waveform":
            item.setIcon(QIcon(waveform_pixmap(data)))
        else:
            item.setIcon(QIcon(placeholder_pixmap("unreadable")))

    def row_of(self, result: Result) -> int:
        item = self._items.get(id(result))
        return -1 if item is None else self.row(item)

    def remove_result(self, result: Result) -> int:
        """Take ``result`` out of the strip; returns the row it had (-1 if absent)."""
        item = self._items.pop(id(result), None)
        if item is None:
            return -1
        row = self.row(item)
        self._detached[id(result)] = self.takeItem(row)  # kept for undo
        return row

    def select(self, result: Result) -> None:
        item = self._items.get(id(result))
        if item is not None:
            self.setCurrentItem(item)
            self.scrollToItem(item)

    def current_result(self) -> Result | None:
        return self._result(self.currentItem())

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.count() == 0:
            painter = QPainter(self.viewport())
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.viewport().rect(), Qt.AlignmentFlag.AlignCenter, "Your results will appear here.")
            painter.end()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.toggle_requested.emit()
            return
        if event.key() == Qt.Key.Key_Delete and self.current_result() is not None:
            self.delete_requested.emit(self.current_result())
            return
        super().keyPressEvent(event)
