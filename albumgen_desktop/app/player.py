"""Playback through sounddevice from a buffer that can grow while it plays (streamed chunks).

With no PortAudio library or no output device the player is disabled and says why;
everything else in the app keeps working. Thread-safe: the audio callback runs on PortAudio's
thread and reads the buffer under a lock.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np


class Player:
    """The sound library is opened on first use (not while the window is being built)."""

    def __init__(self) -> None:
        self._reason: str | None = None  # None: not looked at yet
        self._open_lock = threading.Lock()
        self._sd: Any = None
        self._stream: Any = None
        self._lock = threading.Lock()
        self._buffer = np.zeros(0, dtype=np.float32)
        self._pos = 0
        self.rate = 32000

    def _open(self) -> None:
        """Import sounddevice and look for an output device, once (any thread; the window does it
        on a worker after it shows, so that PortAudio's start-up never holds up the GUI)."""
        with self._open_lock:
            if self._reason is not None:
                return
            try:
                import sounddevice as sd
            except (ImportError, OSError):  # PortAudio library missing
                self._reason = "Playback is off: this computer has no PortAudio sound library installed."
                return
            try:
                sd.query_devices(kind="output")
                self._sd = sd
                self._reason = ""
            except (sd.PortAudioError, ValueError):
                self._reason = "Playback is off: no sound output device was found."

    @property
    def reason(self) -> str:
        """Why playback is off ("" when it works)."""
        self._open()
        return self._reason or ""

    @property
    def available(self) -> bool:
        self._open()
        return self._sd is not None

    @property
    def position_s(self) -> float:
        return self._pos / self.rate

    @property
    def duration_s(self) -> float:
        return len(self._buffer) / self.rate

    @property
    def playing(self) -> bool:
        return self._stream is not None and self._pos < len(self._buffer)

    def load(self, samples: np.ndarray, rate: int, start_s: float = 0.0) -> None:
        """Make ``samples`` (mono float) the buffer, paused at ``start_s``."""
        self._close()
        with self._lock:
            self._buffer = np.ascontiguousarray(samples, dtype=np.float32)
            self.rate = rate
            self._pos = int(min(max(0.0, start_s), len(self._buffer) / rate) * rate)

    def seek(self, seconds: float) -> None:
        """Jump to ``seconds`` (clamped to what is buffered); playback goes on from there."""
        with self._lock:
            self._pos = int(min(max(0.0, seconds), self.duration_s) * self.rate)

    def resume(self) -> None:
        """Play from the current position (from the start when at the end)."""
        if not self.available or self._stream is not None:
            return
        if self._pos >= len(self._buffer):
            self._pos = 0
        self._stream = self._sd.OutputStream(samplerate=self.rate, channels=1, dtype="float32", callback=self._callback)
        self._stream.start()

    def play(self, samples: np.ndarray, rate: int, start_s: float = 0.0) -> None:
        self.load(samples, rate, start_s)
        self.resume()

    def pause(self) -> None:
        self._close()

    def append(self, samples: np.ndarray) -> None:
        with self._lock:
            self._buffer = np.concatenate([self._buffer, samples.astype(np.float32)])

    def stop(self) -> None:
        """Stop and go back to the start."""
        self._close()
        with self._lock:
            self._pos = 0

    def _close(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None

    def _callback(self, out, frames, time_info, status) -> None:
        with self._lock:
            piece = self._buffer[self._pos : self._pos + frames]
            self._pos += len(piece)
        out[: len(piece), 0] = piece
        out[len(piece) :, 0] = 0.0
