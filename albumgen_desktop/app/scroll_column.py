"""A column of widgets that scrolls vertically and is never narrower than what it holds.

Qt's QScrollArea takes its minimum width once, from the widget it was given; a row that later
needs more room (a mark that appears, a longer label) was cut off at the right with no way to
see it. This area follows its contents: whenever the inner layout asks for a new size, the
area's minimum width is recomputed, so the splitter gives the column the room it needs.

The wheel scrolls the column: its sliders, number boxes and combo boxes take the wheel only when
focused (app/fields.py ``guard_wheel``, applied again whenever the layout changes, so rows added
later are guarded too)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QScrollArea, QVBoxLayout, QWidget

from albumgen_desktop.app.fields import guard_wheel


class ScrollColumn(QScrollArea):
    def __init__(self, *widgets: QWidget, min_width: int) -> None:
        super().__init__()
        self.floor = min_width
        self.inner = QWidget()
        column = QVBoxLayout(self.inner)
        for w in widgets:
            column.addWidget(w)
        column.addStretch(1)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWidget(self.inner)
        self.inner.installEventFilter(self)
        self.follow_contents()

    def needed_width(self) -> int:
        """The width the column needs to show every row whole (scroll bar and frame included)."""
        bar = self.verticalScrollBar().sizeHint().width()
        return self.inner.minimumSizeHint().width() + bar + 2 * self.frameWidth()

    def follow_contents(self) -> None:
        guard_wheel(self.inner)
        self.setMinimumWidth(max(self.floor, self.needed_width()))

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self.inner and event.type() == QEvent.Type.LayoutRequest:
            self.follow_contents()
        return False
