"""Playback control for the window (the shape of buzz's ``audio_player``): one player, a playhead
that follows it while it plays, and play/pause/stop/seek. Owned by the result view; streamed
MusicGen chunks go through it too."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from albumgen_desktop.app.player import Player

PLAYHEAD_MS = 50


class Transport(QObject):
    position_changed = Signal(float, float)  # position, duration in seconds
    state_changed = Signal(bool)  # playing

    def __init__(self, player: Player | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.player = player or Player()
        self.owner: object = None  # what is loaded (a Result, or the job streaming into it)
        self._timer = QTimer(self)
        self._timer.setObjectName("playhead")
        self._timer.setInterval(PLAYHEAD_MS)
        self._timer.timeout.connect(self._tick)

    @property
    def available(self) -> bool:
        return self.player.available

    @property
    def playing(self) -> bool:
        return self.player.playing

    def load(self, owner: object, samples: np.ndarray, rate: int, start_s: float = 0.0) -> None:
        """Put ``samples`` under the playhead (paused at ``start_s``) unless ``owner`` is loaded already."""
        if owner is self.owner and owner is not None:
            return
        self.owner = owner
        self.player.load(samples, rate, start_s)
        self._announce()

    def clear(self) -> None:
        """Nothing loaded: stop, and the playhead reads 0:00 / 0:00."""
        self.owner = None
        self.player.load(np.zeros(0, np.float32), self.player.rate)
        self._announce()

    def play(self) -> None:
        self.player.resume()
        if self.player.playing:
            self._timer.start()
        self._announce()

    def pause(self) -> None:
        self.player.pause()
        self._announce()

    def toggle(self) -> None:
        self.pause() if self.player.playing else self.play()

    def stop(self) -> None:
        self.player.stop()
        self._announce()

    def seek(self, seconds: float) -> None:
        self.player.seek(seconds)
        self._announce()

    def stream_start(self, owner: object, piece: np.ndarray, rate: int) -> None:
        """The first streamed chunk: it starts playing at once (if a device is there)."""
        self.owner = owner
        self.player.play(piece, rate)
        self._timer.start()
        self._announce()

    def stream_append(self, piece: np.ndarray) -> None:
        self.player.append(piece)

    def _tick(self) -> None:
        self.position_changed.emit(self.player.position_s, self.player.duration_s)
        if not self.player.playing:
            self._timer.stop()
            self.state_changed.emit(False)

    def _announce(self) -> None:
        if not self.player.playing:
            self._timer.stop()
        self.position_changed.emit(self.player.position_s, self.player.duration_s)
        self.state_changed.emit(self.player.playing)

    def shutdown(self) -> None:
        self._timer.stop()
        self.player.stop()
