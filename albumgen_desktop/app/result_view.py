"""The current result, large: a cover fills the view (kept square, smoothly scaled), music shows
its waveform with a playhead and play/pause/stop. Live previews (diffusion steps, streamed music)
show here while a job runs. The actions on the result sit under it."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QImage, QKeyEvent, QPainter, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from albumgen_desktop.app.history import Result, label
from albumgen_desktop.app.transport import Transport
from albumgen_desktop.app.waveform import WaveformView

EMPTY_TEXT = (
    "Drop a cover, a track or an AlbumGen export anywhere in this window\n"
    "(or File ▸ Open…, or paste with Ctrl+V).\n\n"
    "Or press Generate to start from the sliders."
)


def to_qimage(image: Any) -> QImage:
    """A PIL image as a QImage that owns its pixels."""
    rgb = image.convert("RGB")
    data = rgb.tobytes()
    return QImage(data, rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888).copy()


class ImageView(QWidget):
    """A picture as large as the view allows, aspect kept, centred."""

    def __init__(self) -> None:
        super().__init__()
        self._pixmap = QPixmap()
        self._scaled = QPixmap()
        self._scaled_for = QSize()
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("cover")

    def sizeHint(self) -> QSize:
        return QSize(512, 512)

    def set_image(self, image: Any) -> None:
        """A PIL image, a QImage, or None to clear."""
        if image is None:
            self._pixmap = QPixmap()
        else:
            self._pixmap = QPixmap.fromImage(image if isinstance(image, QImage) else to_qimage(image))
        self._scaled = QPixmap()
        self.update()

    def has_image(self) -> bool:
        return not self._pixmap.isNull()

    def paintEvent(self, event) -> None:
        if self._pixmap.isNull():
            return
        if self._scaled.isNull() or self._scaled_for != self.size():
            self._scaled = self._pixmap.scaled(
                self.size(), Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
            )
            self._scaled_for = self.size()
        painter = QPainter(self)
        x = (self.width() - self._scaled.width()) // 2
        y = (self.height() - self._scaled.height()) // 2
        painter.drawPixmap(QRect(x, y, self._scaled.width(), self._scaled.height()), self._scaled)
        painter.end()


def _button(text: str) -> QToolButton:
    """A compact push button: the action row must fit the middle column at 1280 px."""
    button = QToolButton()
    button.setText(text)
    button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
    button.setMinimumHeight(28)
    return button


class ResultView(QWidget):
    use_recipe = Signal(object)  # Result
    export = Signal(object)
    reveal = Signal(object)
    delete = Signal(object)
    compare = Signal()  # A/B: the result looked at before

    def __init__(self, transport: Transport) -> None:
        super().__init__()
        self.transport = transport
        self.result: Result | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setAccessibleName("current result")
        self.caption = QLabel("")
        self.caption.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.caption.setWordWrap(True)
        self.unsaved = QLabel("")
        self.unsaved.setWordWrap(True)
        self.unsaved.setStyleSheet("color: #d9822b;")
        self.unsaved.hide()
        self.empty = QLabel(EMPTY_TEXT)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("QLabel { border: 2px dashed palette(mid); border-radius: 8px; color: palette(mid); }")
        self.image = ImageView()
        self.waveform = WaveformView()
        self.play_button = _button("Play")
        self.play_button.setToolTip("Play or pause (Space when the result is focused)")
        self.stop_button = _button("Stop")
        self.player_note = QLabel("")  # filled when music is first shown (the sound library opens then)
        self.player_note.setWordWrap(True)
        self.player_note.hide()
        music = QWidget()
        music_layout = QVBoxLayout(music)
        music_layout.setContentsMargins(0, 0, 0, 0)
        music_layout.addWidget(self.waveform, 1)
        controls = QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(self.stop_button)
        controls.addWidget(self.player_note, 1)
        controls.addStretch(0)  # Play and Stop stay together at the left when there is no note
        music_layout.addLayout(controls)
        self.stack = QStackedWidget()
        for page in (self.empty, self.image, music):
            self.stack.addWidget(page)
        self.music_page = music
        self.use_button = _button("Use recipe")
        self.use_button.setToolTip("Put this result's sliders, prompt, title, seed and length back")
        self.export_button = _button("Export…")
        self.reveal_button = _button("Show file")
        self.reveal_button.setToolTip("Open the history folder that holds this result")
        self.delete_button = _button("Delete")
        self.delete_button.setToolTip("Move this result to the trash (Edit ▸ Undo brings it back)")
        self.compare_button = _button("A/B")
        self.compare_button.setToolTip("Switch to the result you looked at before, and back (key B)")
        actions = QHBoxLayout()
        for b in (self.compare_button, self.use_button, self.export_button, self.reveal_button, self.delete_button):
            actions.addWidget(b)
        actions.insertStretch(1, 1)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.caption)
        column.addWidget(self.stack, 1)
        column.addWidget(self.unsaved)
        column.addLayout(actions)
        self.play_button.clicked.connect(self.toggle_play)
        self.stop_button.clicked.connect(transport.stop)
        self.waveform.seek_requested.connect(transport.seek)
        self.waveform.toggle_requested.connect(self.toggle_play)
        transport.position_changed.connect(self._position)
        transport.state_changed.connect(lambda playing: self.play_button.setText("Pause" if playing else "Play"))
        for button, signal in (
            (self.use_button, self.use_recipe),
            (self.export_button, self.export),
            (self.reveal_button, self.reveal),
            (self.delete_button, self.delete),
        ):
            button.clicked.connect(lambda _=False, s=signal: self.result is not None and s.emit(self.result))
        self.compare_button.clicked.connect(self.compare.emit)
        self.show_result(None)

    def show_result(self, result: Result | None) -> None:
        """Show ``result`` large (None: the empty state). Music is loaded under the playhead, paused."""
        self.result = result
        for b in (self.use_button, self.export_button, self.delete_button):
            b.setEnabled(result is not None)
        self.reveal_button.setEnabled(result is not None and result.saved)
        if result is None:
            self.caption.setText("")
            self.unsaved.hide()
            self.stack.setCurrentWidget(self.empty)
            return
        self.caption.setText("<b>{}</b>  ·  {}".format(*label(result).split("\n", 1)).replace("\n", "  ·  "))
        self.caption.setToolTip(result.recipe.prompt)
        self.show_state(result)
        if result.is_cover:
            self.image.set_image(result.image)
            self.stack.setCurrentWidget(self.image)
            return
        self.stack.setCurrentWidget(self.music_page)
        if result.audio is not None:
            self.waveform.set_audio(result.waveform(), result.duration_s)
            playing = self.transport.playing
            position = self.transport.player.position_s if self.transport.owner is not None else 0.0
            self.transport.load(result, result.audio, result.rate, start_s=position if playing else 0.0)
            if playing and not self.transport.playing:
                self.transport.play()  # A/B keeps playing at the same moment of the other take
        self._enable_transport()

    def show_state(self, result: Result) -> None:
        """Saved or not: the unsaved line and the buttons that need a file in the history folder."""
        self.reveal_button.setEnabled(result.saved)
        self.unsaved.setVisible(bool(result.save_error))
        if result.save_error:
            self.unsaved.setText(f"Not saved to the history folder ({result.save_error}). Export it to keep it.")

    def show_live_image(self, image: Any, caption: str) -> None:
        """A diffusion step's preview, while no finished result is chosen over it."""
        self.result = None
        self.caption.setText(caption)
        self.unsaved.hide()
        self.image.set_image(image)
        self.stack.setCurrentWidget(self.image)

    def show_live_music(self, samples: np.ndarray, rate: int, caption: str) -> None:
        """Streamed music so far (mono samples at ``rate``): the waveform grows while it plays."""
        from albumgen_desktop.app.history import overview

        self.result = None
        self.caption.setText(caption)
        self.unsaved.hide()
        self.waveform.set_audio(overview(samples), len(samples) / rate)
        self.stack.setCurrentWidget(self.music_page)
        self._enable_transport()

    def _enable_transport(self) -> None:
        ok = self.transport.available
        self.play_button.setEnabled(ok)
        self.stop_button.setEnabled(ok)
        reason = self.transport.player.reason
        self.player_note.setText(reason)
        self.player_note.setVisible(bool(reason))

    def toggle_play(self) -> None:
        if self.stack.currentWidget() is self.music_page and self.transport.available:
            self.transport.toggle()

    def _position(self, position: float, duration: float) -> None:
        if self.transport.owner is self.result or self.result is None:
            self.waveform.set_position(position, duration)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.toggle_play()
            return
        super().keyPressEvent(event)
