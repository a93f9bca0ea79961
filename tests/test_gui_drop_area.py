"""The drop area and the window-wide drop catcher: a highlight while dragging, files open wherever
they land (a text field included, without becoming text), text drags still work."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragLeaveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QLineEdit, QVBoxLayout, QWidget

from albumgen_desktop.app.drop_area import DropArea, DropCatcher, local_paths
from albumgen_desktop.app.history import overview


@pytest.fixture
def host(qtbot):
    top = QWidget()
    field = QLineEdit("words")
    area = DropArea()
    layout = QVBoxLayout(top)
    layout.addWidget(field)
    layout.addWidget(area)
    catcher = DropCatcher(top)
    qtbot.addWidget(top)
    top.resize(400, 400)
    top.show()
    yield top, field, area, catcher
    catcher.detach()


def _mime(*paths: Path, text: str = "") -> QMimeData:
    mime = QMimeData()
    if paths:
        mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    if text:
        mime.setText(text)
    return mime


def _drag(target: QWidget, mime: QMimeData) -> QDragEnterEvent:
    event = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QApplication.sendEvent(target, event)
    return event


def _drop(target: QWidget, mime: QMimeData) -> QDropEvent:
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QApplication.sendEvent(target, event)
    return event


def test_a_file_dropped_on_a_text_field_opens_and_never_becomes_text(host, tmp_path: Path) -> None:
    top, field, area, catcher = host
    opened: list[Path] = []
    catcher.dropped.connect(opened.append)
    mime = _mime(tmp_path / "cover.png")
    assert _drag(field, mime).isAccepted()
    assert catcher.overlay.isVisible() and catcher.overlay.geometry() == top.rect()
    _drop(field, mime)
    assert opened == [tmp_path / "cover.png"] and field.text() == "words"
    assert not catcher.overlay.isVisible()


def test_the_highlight_goes_when_the_drag_leaves(host, tmp_path: Path, qtbot) -> None:
    top, field, area, catcher = host
    mime = _mime(tmp_path / "a.wav")
    _drag(area, mime)
    assert catcher.overlay.isVisible()
    QApplication.sendEvent(top, QDragLeaveEvent())  # from one widget to the next: leave, then enter
    _drag(catcher.overlay, mime)
    qtbot.wait(150)
    assert catcher.overlay.isVisible()
    QApplication.sendEvent(catcher.overlay, QDragLeaveEvent())  # out of the window
    qtbot.waitUntil(lambda: not catcher.overlay.isVisible(), timeout=2000)


def test_text_drags_are_left_alone(host) -> None:
    top, field, area, catcher = host
    event = _drag(field, _mime(text="dreamy"))
    assert not catcher.overlay.isVisible()
    assert event.type() == QEvent.Type.DragEnter  # the field handles it as usual
    web = QMimeData()
    web.setUrls([QUrl("https://example.com/cover.png")])
    assert local_paths(web) == []


def test_the_drop_area_shows_the_input(host, tmp_path: Path) -> None:
    from PIL import Image

    top, field, area, catcher = host
    picture = tmp_path / "in.png"
    Image.new("RGB", (300, 300), (10, 200, 10)).save(picture)
    area.show_image(picture)
    assert area.preview.pixmap().width() <= area.preview.height()
    area.show_waveform(overview(np.sin(np.linspace(0, 300, 20000)).astype(np.float32)))
    assert not area.preview.pixmap().isNull()
    area.set_notes(["the track is silent"], ["CLAP genres: ambient 40%"])
    assert not area.warnings.isHidden() and "silent" in area.warnings.text()
    area.clear("Analysing next.wav…")
    assert area.warnings.isHidden() and area.name.text() == "Analysing next.wav…"
