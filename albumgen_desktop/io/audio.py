"""Loading audio people drop in: any soundfile format, validated, mono on request, resampled."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from albumgen_desktop.core.errors import BadInputError
from albumgen_desktop.io.av_decode import AVAudioFile, open_with_av
from albumgen_desktop.io.channels import file_layout, mixdown
from albumgen_desktop.io.files import check_input_file

SUPPORTED = "WAV, FLAC, OGG/Vorbis, Opus, MP3, AIFF, AAC/ALAC (M4A, MP4)"
MAX_DECODE_SECONDS = 20 * 60  # never hold more than this in memory at once
_RATE_RANGE = (1000, 384_000)


@dataclass(frozen=True)
class Audio:
    """Float32 samples, shape (n,) for mono or (n, channels); ``layout`` names each channel's
    loudspeaker (see io/channels.py; ("M",) for a mixdown). Samples are in -1..1 (a mixdown keeps
    the file's power where that stays under full scale; see io/channels.mixdown)."""

    samples: np.ndarray
    sample_rate: int
    layout: tuple[str, ...] = ("M",)

    @property
    def duration(self) -> float:
        return self.samples.shape[0] / self.sample_rate

    @property
    def channels(self) -> int:
        return 1 if self.samples.ndim == 1 else self.samples.shape[1]


@dataclass(frozen=True)
class AudioInfo:
    frames: int
    sample_rate: int
    channels: int
    format: str

    @property
    def duration(self) -> float:
        return self.frames / self.sample_rate


def native_path(path: str | Path) -> str | bytes:
    """The path as a C library should get it. On POSIX a file name is bytes, and one that is not
    valid UTF-8 (a Latin-1 "caf\xe9.wav") reaches Python as a str with surrogates that cannot be
    encoded back: pass the original bytes. Windows names are Unicode, which soundfile opens with
    the wide-character API when given a str."""
    return os.fsencode(path) if os.name == "posix" else str(path)


def _open(path: Path) -> sf.SoundFile | AVAudioFile:
    check_input_file(path)
    try:
        return sf.SoundFile(native_path(path))
    except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
        if (decoder := open_with_av(path)) is not None:  # AAC/ALAC/MP4 that libsndfile can't decode
            return decoder
        raise BadInputError(f"{path.name} is not an audio file AlbumGen can read ({SUPPORTED}): {exc}") from None


def audio_info(path: str | Path) -> AudioInfo:
    path = Path(path)
    with _open(path) as f:
        return AudioInfo(frames=f.frames, sample_rate=f.samplerate, channels=f.channels, format=f.format)


# libsndfile logs each header field it corrects: "data : 441000 (should be 101428)" for a WAV's data
# chunk, "SSND : ..." for AIFF's, "riff : ..." for W64 (whose only size field is the file's), and
# for RF64 "Calculated frame count 220500 does not match value from 'ds64' chunk of 661500".
_SHORTENED_CHUNK = re.compile(r"^\s*(data|SSND|riff)\s*:\s*(\d+)\s*\(should be (\d+)\)", re.MULTILINE)
_SHORTENED_RF64 = re.compile(r"frame count (\d+) does not match value from 'ds64' chunk of (\d+)")
# Writers that cannot seek back leave a size field at a placeholder: 0xFFFFFFFF (ffmpeg, sox),
# 0x80000000 (arecord), 0x7FFFFFFF; no finished WAV under 4 GiB announces 2 GiB or more and
# holds less, so sizes from 2 GiB - 64 KiB up are taken as placeholders, not promises.
_PLACEHOLDER_FROM = 0x7FFF0000


def missing_seconds(f: sf.SoundFile) -> float:
    """Seconds of audio an open file's header announces but the file does not hold (a download or
    copy cut short), 0.0 when it holds all of it. soundfile exposes only the frames actually there;
    the header's own count is read from libsndfile's log of the fields it corrected (the only place
    it surfaces). A size left at a streaming placeholder (see _PLACEHOLDER_FROM) is not a promise."""
    if f.frames <= 0 or f.samplerate <= 0:
        return 0.0
    if (rf64 := _SHORTENED_RF64.search(f.extra_info)) is not None:
        return max(0, int(rf64.group(2)) - int(rf64.group(1))) / f.samplerate
    match = _SHORTENED_CHUNK.search(f.extra_info)
    if match is None:
        return 0.0
    announced, actual = int(match.group(2)), int(match.group(3))
    if announced >= _PLACEHOLDER_FROM or announced <= actual:
        return 0.0
    return (announced - actual) / (actual / f.frames * f.samplerate)


def resample(samples: np.ndarray, rate_in: int, rate_out: int) -> np.ndarray:
    if rate_in == rate_out:
        return samples
    import soxr

    return soxr.resample(samples, rate_in, rate_out, quality="HQ").astype(np.float32, copy=False)


def load_audio(
    path: str | Path,
    *,
    sample_rate: int | None = None,
    mono: bool = True,
    start_seconds: float = 0.0,
    max_seconds: float | None = None,
) -> Audio:
    """Read (part of) an audio file as float32; reject empty, NaN or absurd input."""
    path = Path(path)
    limit = MAX_DECODE_SECONDS if max_seconds is None else min(max_seconds, MAX_DECODE_SECONDS)
    with _open(path) as f:
        rate = f.samplerate
        if not _RATE_RANGE[0] <= rate <= _RATE_RANGE[1]:
            raise BadInputError(f"{path.name} has an unusable sample rate of {rate} Hz")
        if f.channels < 1:
            raise BadInputError(f"{path.name} has no audio channels")
        layout = file_layout(f)
        start = max(0, int(start_seconds * rate))
        if start and f.seekable():
            f.seek(min(start, max(f.frames, 0)))
        try:
            data = f.read(frames=int(limit * rate), dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise BadInputError(f"{path.name} is damaged and cannot be decoded: {exc}") from None
    if data.shape[0] == 0:
        raise BadInputError(f"{path.name} contains no audio samples")
    if not np.isfinite(data).all():
        raise BadInputError(f"{path.name} contains invalid samples (NaN or infinity)")
    samples = mixdown(data, layout) if mono else data
    if sample_rate is not None and sample_rate != rate:
        samples = resample(samples, rate, sample_rate)
        rate = sample_rate
    return Audio(samples=samples, sample_rate=rate, layout=(("M",) if mono else layout))
