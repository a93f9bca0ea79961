"""Audio that libsndfile can't decode (AAC and ALAC in MP4/M4A, raw ADTS AAC, CAF), decoded with
PyAV, whose wheels carry FFmpeg's decoders.

``open_with_av`` gives an object with the part of soundfile.SoundFile's interface io/audio.py
uses (samplerate, channels, frames, format, seekable/seek/read, context manager), so the loader
needs one fallback line. Only the container formats named in ``_FORMATS`` are opened, chosen
from the file's first bytes, so FFmpeg never probes a dropped file as a playlist or a
concatenation list (demuxers that open other files or URLs).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from albumgen_desktop.core.errors import BadInputError

# FFmpeg demuxer name for each container we decode, keyed by how the file starts.
_FORMATS = {"mp4": "MP4", "aac": "AAC (ADTS)", "caf": "CAF"}


def _container(head: bytes) -> str | None:
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mp4"  # ISO base media: .m4a, .mp4, .m4b, .3gp (FFmpeg's mov/mp4 demuxer)
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "aac"  # ADTS sync word with layer 0 (MP3 frames have a non-zero layer)
    if head[:4] == b"caff":
        return "caf"
    return None


class AVAudioFile:
    """A decoded audio stream read front to back; float32 samples in -1..1, shape (n, channels)."""

    def __init__(self, path: Path, container: Any, stream: Any, kind: str) -> None:
        self._path = path
        self._container = container
        self._stream = stream
        self.samplerate: int = int(stream.rate or stream.codec_context.sample_rate or 0)
        self.channels: int = int(stream.codec_context.channels or len(stream.layout.channels))
        seconds = 0.0
        if stream.duration is not None and stream.time_base is not None:
            seconds = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            seconds = container.duration / 1_000_000  # AV_TIME_BASE
        self.frames: int = max(0, int(round(seconds * self.samplerate)))  # from the container: an estimate
        self.format: str = _FORMATS[kind]
        self.subtype: str = str(stream.codec_context.name).upper()
        self._skip = 0
        self._pending: list[np.ndarray] = []
        self._frames_iter: Iterator[np.ndarray] | None = None

    def __enter__(self) -> AVAudioFile:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._container.close()

    def seekable(self) -> bool:
        return True

    def seek(self, frame: int) -> int:
        """Start reading at sample frame ``frame`` (decoded and dropped: exact, not keyframe-rounded)."""
        if self._frames_iter is not None:
            raise BadInputError(f"{self._path.name}: seek after reading is not supported")
        self._skip = max(0, int(frame))
        return self._skip

    def _decoded(self) -> Iterator[np.ndarray]:
        import av

        try:
            for frame in self._container.decode(self._stream):
                block = frame.to_ndarray()
                if frame.format.is_planar:  # (channels, n) planes
                    block = block.T
                else:  # packed: (1, n * channels)
                    block = block.reshape(-1, self.channels)
                yield _to_float(block, frame.format.name)
        except av.FFmpegError as exc:
            raise BadInputError(f"{self._path.name} is damaged and cannot be decoded: {exc}") from None

    def read(self, frames: int = -1, dtype: str = "float32", always_2d: bool = True) -> np.ndarray:
        """Up to ``frames`` frames (all that is left when negative) as float32 (n, channels)."""
        if dtype != "float32" or not always_2d:
            raise ValueError("AVAudioFile reads float32 (n, channels) only")
        if self._frames_iter is None:
            self._frames_iter = self._decoded()
        want = None if frames < 0 else frames
        have = sum(len(b) for b in self._pending)
        for block in self._frames_iter:
            if self._skip:
                drop = min(self._skip, len(block))
                block, self._skip = block[drop:], self._skip - drop
            if len(block):
                self._pending.append(block)
                have += len(block)
            if want is not None and have >= want:
                break
        data = np.concatenate(self._pending) if self._pending else np.zeros((0, self.channels), np.float32)
        if want is not None and len(data) > want:
            self._pending = [data[want:]]
            data = data[:want]
        else:
            self._pending = []
        return np.ascontiguousarray(data, dtype=np.float32)


def _to_float(block: np.ndarray, sample_format: str) -> np.ndarray:
    """FFmpeg sample formats (flt/fltp, dbl, s16, s32, u8 and planar forms) as float32 in -1..1."""
    name = sample_format.rstrip("p")
    if name in ("flt", "dbl"):
        return block.astype(np.float32, copy=False)
    scale = {"s16": 32768.0, "s32": 2147483648.0, "s64": 9223372036854775808.0}.get(name)
    if scale is not None:
        return (block.astype(np.float64) / scale).astype(np.float32)
    if name == "u8":
        return ((block.astype(np.float32) - 128.0) / 128.0).astype(np.float32)
    raise BadInputError(f"unsupported decoded sample format {sample_format}")


def open_with_av(path: str | Path) -> AVAudioFile | None:
    """The file's first audio stream through PyAV, or None when it is not an MP4/M4A, ADTS AAC
    or CAF file, has no audio stream, or PyAV is not installed (the caller's own error stands)."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            kind = _container(fh.read(16))
    except OSError:
        return None
    if kind is None:
        return None
    try:
        import av
    except ImportError:
        return None
    try:
        container = av.open(str(path), format=kind, mode="r")
    except (av.FFmpegError, OSError, ValueError):
        return None
    if not container.streams.audio:
        container.close()
        return None
    stream = container.streams.audio[0]
    stream.codec_context.thread_type = "AUTO"
    try:
        return AVAudioFile(path, container, stream, kind)
    except (AttributeError, TypeError, ValueError):
        container.close()
        return None
