"""Integrated loudness of a whole file as it is, and its level second by second, in one pass.

The loudness is ITU-R BS.1770-4 / EBU R 128 integrated loudness (LUFS) over every channel of the
file at its own sample rate, each channel with its BS.1770 weight (surrounds +1.5 dB, the LFE
left out; see io/channels.py for how channels are identified). It is measured with libebur128
(pyebur128), the reference implementation many tools use, fed block by block so a long file
never sits in memory whole; pyloudnorm (which handles at most five channels and needs the whole
signal as one array) and ffmpeg's ebur128 filter are the oracles in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from albumgen_desktop.core.errors import BadInputError
from albumgen_desktop.io.audio import load_audio, missing_seconds, native_path
from albumgen_desktop.io.channels import bs1770_weight, file_layout
from albumgen_desktop.io.files import check_input_file


@dataclass(frozen=True)
class FileLevels:
    """``integrated_lufs`` is -inf for silence (or under 400 ms of audio); ``rms_per_second[i]`` is
    the RMS over all channels of second i (the last one may be partial); ``warnings`` are about
    the file itself (cut short, samples over full scale), one sentence each."""

    integrated_lufs: float
    rms_per_second: np.ndarray
    layout: tuple[str, ...]
    sample_rate: int
    warnings: tuple[str, ...] = ()


def _ebur128_channel(name: str, layout: tuple[str, ...]) -> int:
    import pyebur128 as e

    types = {
        "FL": e.ChannelType.LEFT, "FR": e.ChannelType.RIGHT, "FC": e.ChannelType.CENTER, "M": e.ChannelType.CENTER,
        "SL": e.ChannelType.M_PLUS_090, "SR": e.ChannelType.M_MINUS_090, "BC": e.ChannelType.M_PLUS_180,
        "LFE": e.ChannelType.UNUSED,
    }  # fmt: skip
    if name in ("BL", "BR"):
        surround = bs1770_weight(name, layout) > 1.0  # the +-110 degree surrounds of 5.1
        if name == "BL":
            return int(e.ChannelType.LEFT_SURROUND if surround else e.ChannelType.M_PLUS_135)
        return int(e.ChannelType.RIGHT_SURROUND if surround else e.ChannelType.M_MINUS_135)
    return int(types.get(name, e.ChannelType.CENTER))  # front, height and unknown channels weigh 1.0


def integrated_loudness(data: np.ndarray, rate: int, layout: tuple[str, ...] | None = None) -> float:
    """BS.1770-4 integrated loudness in LUFS of ``data`` (frames,) or (frames, channels) at ``rate`` Hz.

    -inf for silence or input shorter than one 400 ms gating block."""
    import pyebur128 as e

    x = data[:, None] if data.ndim == 1 else data
    channels = x.shape[1]
    layout = layout if layout is not None and len(layout) == channels else ("M",) * channels
    state = e.R128State(channels, rate, e.MeasurementMode.MODE_I)
    for c, name in enumerate(layout):
        state.set_channel(c, _ebur128_channel(name, layout))
    flat = np.ascontiguousarray(x, dtype=np.float32).ravel()
    if x.shape[0]:
        state.add_frames(flat, x.shape[0])
    return _global(state)


def _global(state: object) -> float:
    import pyebur128 as e

    level = float(e.get_loudness_global(state))
    return level if np.isfinite(level) and level > -70.0 else float("-inf")


def scan_file(path: str | Path) -> FileLevels:
    """Stream the whole file once: its integrated loudness and its RMS per second.

    Raises BadInputError for a file that cannot be opened or decoded."""
    import pyebur128 as e
    import soundfile as sf

    path = Path(path)
    check_input_file(path)
    try:
        f = sf.SoundFile(native_path(path))
    except (sf.LibsndfileError, RuntimeError, TypeError):
        return _scan_decoded(path)  # a format libsndfile cannot stream: whatever load_audio decodes
    with f:
        rate, channels = f.samplerate, f.channels
        layout = file_layout(f)
        state = e.R128State(channels, rate, e.MeasurementMode.MODE_I)
        for c, name in enumerate(layout):
            state.set_channel(c, _ebur128_channel(name, layout))
        rms: list[float] = []
        peaks = np.zeros(channels)
        try:
            for block in f.blocks(blocksize=rate, dtype="float32", always_2d=True):
                if not block.size:
                    continue
                if not np.isfinite(block).all():
                    raise BadInputError(f"{path.name} contains invalid samples (NaN or infinity)")
                state.add_frames(np.ascontiguousarray(block).ravel(), block.shape[0])
                rms.append(float(np.sqrt(np.mean(np.square(block, dtype=np.float64)))))  # float32 squares overflow
                peaks = np.maximum(peaks, np.abs(block).max(axis=0))
        except (sf.LibsndfileError, RuntimeError) as exc:
            raise BadInputError(f"{path.name} is damaged and cannot be decoded: {exc}") from None
        missing, held = missing_seconds(f), f.frames / rate
    lufs = _global(state)
    peak = float(peaks.max()) if channels else 0.0
    notes = file_warnings(missing, held, peak, lufs)
    lfe = np.array([name == "LFE" for name in layout])
    if lfe.any() and peaks[lfe].max() > 1e-4 and not (peaks[~lfe] > 1e-4).any():  # 1e-4: -80 dBFS, silence
        notes += (
            "only the LFE (subwoofer) channel has sound; ITU-R BS.1770 leaves the LFE out of loudness, so the "
            "loudness reads as silence (-60 LUFS)",
        )
    return FileLevels(lufs, np.asarray(rms), layout, rate, notes)


def file_warnings(missing_s: float, held_s: float, peak: float, lufs: float) -> tuple[str, ...]:
    """Sentences about a file's own faults: ``missing_s`` seconds its header announces that it does
    not hold (it holds ``held_s``), and a ``peak`` sample magnitude over full scale (1.0), which
    only floating-point files can store (``lufs``: its integrated loudness)."""
    notes = []
    if missing_s >= 0.05:
        notes.append(
            f"the file is cut short: its header announces {held_s + missing_s:.1f} s of audio and it holds "
            f"{held_s:.1f} s (a download or copy that did not finish?); only what is there was analysed"
        )
    if peak > 1.0:
        notes.append(
            f"its samples reach {20 * np.log10(peak):+.2f} dB over full scale (a floating-point file that was "
            "never normalised), so it would clip when played or converted"
            + (f"; its integrated loudness, {lufs:+.1f} LUFS, is over the 0 LUFS top of the range" if lufs > 0 else "")
        )
    return tuple(notes)


def _scan_decoded(path: Path) -> FileLevels:
    """scan_file for a file only load_audio can decode (held in memory, up to its 20-minute cap)."""
    audio = load_audio(path, mono=False)
    data, rate = audio.samples, audio.sample_rate
    n = data.shape[0] // rate + (1 if data.shape[0] % rate else 0)
    rms = np.array([np.sqrt(np.mean(data[i * rate : (i + 1) * rate] ** 2)) for i in range(n)])
    return FileLevels(integrated_loudness(data, rate, audio.layout), rms, audio.layout, rate)
