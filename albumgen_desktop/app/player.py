"""Playback through sounddevice from a buffer that can grow while it plays (streamed chunks).

With no PortAudio library or no output device the player is disabled and says why;
everything else in the app keeps working.
"""

from __future__ import annotations

import threading

import numpy as np


class Player:
    def __init__(self) -> None:
        self.reason = ""
        self._sd = None
        try:
            import sounddevice as sd
        except (ImportError, OSError) as exc:  # PortAudio library missing
            self.reason = f"Playback is off: the PortAudio library is not installed ({exc})."
        else:
            try:
                sd.query_devices(kind="output")
                self._sd = sd
            except (sd.PortAudioError, ValueError) as exc:
                self.reason = f"Playback is off: no audio output device ({exc})."
        self._lock = threading.Lock()
        self._buffer = np.zeros(0, dtype=np.float32)
        self._pos = 0
        self._stream = None
        self.rate = 32000

    @property
    def available(self) -> bool:
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

    def seek(self, seconds: float) -> None:
        """Jump to ``seconds`` (clamped to what is buffered); playback goes on from there."""
        with self._lock:
            self._pos = int(min(max(0.0, seconds), self.duration_s) * self.rate)

    def play(self, samples: np.ndarray, rate: int, start_s: float = 0.0) -> None:
        self.stop()
        with self._lock:
            self._buffer = np.ascontiguousarray(samples, dtype=np.float32)
            self.rate = rate
            self._pos = int(min(max(0.0, start_s), len(self._buffer) / rate) * rate)
        if not self.available:
            return
        self._stream = self._sd.OutputStream(samplerate=rate, channels=1, dtype="float32", callback=self._callback)
        self._stream.start()

    def append(self, samples: np.ndarray) -> None:
        with self._lock:
            self._buffer = np.concatenate([self._buffer, samples.astype(np.float32)])

    def stop(self) -> None:
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
