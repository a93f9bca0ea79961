"""Loudness normalisation to the Features' level (integrated LUFS) under a true-peak ceiling.

The loudness slider is a promise: an analysed track and the music made from its
recipe sit at the same integrated loudness. Raising the gain can push peaks past
full scale, so a look-ahead peak limiter on the 4x-oversampled signal keeps the
true peak under the ceiling (default -1 dBTP) without audible clipping. A target
louder than the material's crest factor allows under that ceiling (a dense mix at
-6 LUFS) is approached as far as clean limiting goes; the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

OVERSAMPLE = 4


@dataclass(frozen=True)
class LoudnessReport:
    input_lufs: float
    output_lufs: float
    true_peak_dbtp: float
    gain_db: float
    limited: bool


def integrated_lufs(audio: np.ndarray, rate: int) -> float:
    import pyloudnorm

    if audio.shape[-1] < int(0.4 * rate):
        return float("-inf")
    data = audio.T if audio.ndim == 2 else audio
    return float(pyloudnorm.Meter(rate).integrated_loudness(data.astype(np.float64)))


def true_peak(audio: np.ndarray) -> float:
    """Peak of the 4x oversampled signal (ITU-R BS.1770 style), linear."""
    from scipy.signal import resample_poly

    up = resample_poly(audio, OVERSAMPLE, 1, axis=-1)
    return float(np.max(np.abs(up))) if up.size else 0.0


def _limiter_gain(audio: np.ndarray, rate: int, ceiling: float) -> np.ndarray:
    from scipy.ndimage import minimum_filter1d, uniform_filter1d
    from scipy.signal import resample_poly

    mono_peak = np.max(np.abs(audio), axis=0) if audio.ndim == 2 else np.abs(audio)
    up = resample_poly(audio, OVERSAMPLE, 1, axis=-1)
    up_peak = np.max(np.abs(up), axis=0) if up.ndim == 2 else np.abs(up)
    n = mono_peak.shape[-1]
    peak = np.maximum(mono_peak, up_peak[: n * OVERSAMPLE].reshape(n, OVERSAMPLE).max(axis=1))
    needed = np.minimum(1.0, ceiling / np.maximum(peak, 1e-12))
    # Hold the lowest gain for 20 ms either side, then average over +-10 ms: every averaged
    # value comes from windows that contain the peak, so the gain never exceeds what it needs,
    # and it moves smoothly enough not to distort.
    hold = max(1, int(0.02 * rate))
    gain = minimum_filter1d(needed, size=2 * hold + 1)
    return uniform_filter1d(gain, size=2 * (hold // 2) + 1)


def normalise(
    audio: np.ndarray, rate: int, target_lufs: float, ceiling_dbtp: float = -1.0
) -> tuple[np.ndarray, LoudnessReport]:
    """``audio`` (samples,) or (channels, samples) scaled to ``target_lufs`` with peaks under the ceiling."""
    before = integrated_lufs(audio, rate)
    if not np.isfinite(before):  # silence or shorter than one 400 ms block: leave it alone
        tp = true_peak(audio)
        return audio, LoudnessReport(before, before, 20 * np.log10(max(tp, 1e-12)), 0.0, False)
    ceiling = 10 ** (ceiling_dbtp / 20)
    gain_db = float(target_lufs - before)
    out = audio
    level = before
    limited = False
    # Limiting lowers the loudness a little, so gain up and limit again until it settles.
    for step in range(8):
        boost = 1.0 if step == 0 else 1.5  # the limiter eats part of each boost; overshoot a little
        out = (out * 10 ** (boost * (target_lufs - level) / 20)).astype(np.float32)
        if true_peak(out) > ceiling:
            limited = True
            out = np.clip(out * _limiter_gain(out, rate, ceiling * 0.98), -ceiling, ceiling).astype(np.float32)
        level = integrated_lufs(out, rate)
        if abs(level - target_lufs) < 0.3:
            break
    tp = true_peak(out)
    return out, LoudnessReport(before, level, 20 * np.log10(max(tp, 1e-12)), gain_db, limited)
