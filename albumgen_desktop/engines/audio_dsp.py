"""Weights-free audio analysis: tempo, key/mode, metre, loudness and documented estimates.

The shared representations (onset envelopes, constant-Q transform) are computed once
(engines/audio_signal.py) and feed every estimator:

* **Tempo**: engines/audio_tempo.py.
* **Key and mode**: engines/audio_key.py.
* **Metre**: engines/audio_metre.py.
* **Loudness**: integrated LUFS of the whole file as it is: every channel with its
  ITU-R BS.1770-4 weight, at the file's own rate (engines/audio_levels.py).
* **Content checks** first (engines/signal_checks.py): DC removed, silence, a lone click and
  noise refused; no beat or no pitch marked with a warning.
* **The seven 0..1 descriptors** (energy, danceability, valence, acousticness,
  instrumentalness, speechiness, liveness): engines/audio_descriptors.py.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from albumgen_desktop.core.errors import BadInputError
from albumgen_desktop.engines.audio_key import baseline_key, estimate_key
from albumgen_desktop.engines.audio_metre import estimate_metre
from albumgen_desktop.engines.audio_signal import SR, Signal, prepare
from albumgen_desktop.engines.audio_tempo import estimate_tempo
from albumgen_desktop.io.audio import audio_info, load_audio

if TYPE_CHECKING:
    from albumgen_desktop.engines.signal_checks import Content

__all__ = ["SR", "DspResult", "analyse_file", "analyse_samples", "analysis_signal", "baseline_key", "choose_window"]

WINDOW_S = 40.0  # analysed at most; longer files get a representative window


@dataclass
class DspResult:
    tempo_bpm: float
    key: int | None  # None: no pitched content, so no key
    mode: str
    time_signature: int
    loudness_db: float
    energy: float
    danceability: float
    acousticness: float
    instrumentalness: float
    speechiness: float
    liveness: float
    valence: float
    confidence: dict[str, float] = field(default_factory=dict)
    window: tuple[float, float] = (0.0, 0.0)
    warnings: list[str] = field(default_factory=list)
    measurements: dict[str, float] = field(default_factory=dict)  # what the descriptors rest on

    def values(self) -> dict[str, object]:
        """The Features fields this analysis measured or estimated (no genre)."""
        names = ("acousticness", "danceability", "energy", "instrumentalness", "liveness", "speechiness", "valence",
                 "loudness_db", "tempo_bpm", "key", "mode", "time_signature")  # fmt: skip
        return {name: getattr(self, name) for name in names}


# --- window -----------------------------------------------------------------------------------


def choose_window(
    path: Path, seconds: float = WINDOW_S, rms_per_second: np.ndarray | None = None
) -> tuple[float, float]:
    """(start, length) of the part to analyse: the whole file when short, else the loudest
    stretch of the middle (intros, fade-outs and silence are not representative).
    ``rms_per_second`` (from engines.audio_levels.scan_file) saves decoding the file again."""
    info = audio_info(path)
    duration = info.duration
    if duration <= seconds + 1:
        return 0.0, duration
    if rms_per_second is None:
        from albumgen_desktop.engines.audio_levels import scan_file

        rms_per_second = scan_file(path).rms_per_second
    rms_arr = np.asarray(rms_per_second)
    span = int(seconds)
    lo, hi = int(0.15 * len(rms_arr)), max(int(0.85 * len(rms_arr)) - span, int(0.15 * len(rms_arr)) + 1)
    starts = np.arange(lo, min(hi, len(rms_arr) - span) + 1)
    if len(starts) == 0:
        return max(0.0, duration / 2 - seconds / 2), seconds
    sums = np.array([rms_arr[s : s + span].mean() for s in starts])
    best = int(starts[int(np.argmax(sums))])
    return float(best), seconds


# --- levels and estimates -----------------------------------------------------------------------


def _loudness_value(level: float) -> float:
    return float(np.clip(level, -60.0, 0.0)) if np.isfinite(level) else -60.0


def integrated_loudness(y: np.ndarray) -> float:
    """Integrated LUFS clamped to the Features' range (silence reads as -60)."""
    from albumgen_desktop.engines.loudness import integrated_lufs

    level = integrated_lufs(y, SR)
    return float(np.clip(level, -60.0, 0.0)) if np.isfinite(level) else -60.0


def analysis_signal(y: np.ndarray) -> tuple[np.ndarray, Content, Signal]:
    """The view every estimator reads of mono float32 samples ``y`` at SR (any length; over full
    scale is scaled to a peak of 1): (the samples without DC, the content check, the shared
    representations). Raises BadInputError for no samples, silence, under a second of sound, a
    lone click or noise (engines/signal_checks.check_content). The tempo and key
    fits (benchmarks/fit_tempo.py, fit_key.py) read their evidence through it too, so a model is
    fitted on what the analyser computes."""
    from albumgen_desktop.engines.signal_checks import check_content

    if len(y) == 0:
        raise BadInputError("the audio holds no samples")
    peak = float(np.max(np.abs(y)))
    if peak > 1.0:  # float samples over full scale (the file's own warning says so): the measures
        y = (y / peak).astype(np.float32)  # below assume -1..1, and squares of 1e6 overflow float32
    y, content = check_content(y, SR)  # DC removed; refuses silence, a lone click and noise
    with warnings.catch_warnings():
        # librosa's CQT halves the sample rate octave by octave, so under about 3 s the lowest
        # octaves hold fewer samples than its FFT and it warns on stderr; its result is padded
        # and valid, and the user has nothing to do about it.
        warnings.filterwarnings("ignore", message=r"n_fft=\d+ is too large for input signal", category=UserWarning)
        sig = prepare(y, pitch=content.pitch_onsets)
    return y, content, sig


def analyse_samples(y: np.ndarray, loudness_lufs: float | None = None) -> DspResult:
    """Analyse mono float32 samples at SR. ``loudness_lufs`` is the file's integrated loudness
    (engines.audio_levels); without it the loudness is measured on ``y``."""
    if len(y) < 2 * SR:
        raise BadInputError("the audio is shorter than 2 seconds, too short to analyse")
    y, content, sig = analysis_signal(y)
    bpm, tempo_conf = estimate_tempo(sig)
    key, mode, key_conf = estimate_key(sig, content.tonal)
    metre, metre_conf = estimate_metre(sig, bpm)
    lufs = integrated_loudness(y) if loudness_lufs is None else _loudness_value(loudness_lufs)
    from albumgen_desktop.engines.audio_descriptors import estimate, measure

    measurements = measure(y, SR, bpm)
    desc = estimate(measurements, lufs=lufs, bpm=bpm, mode=mode, key_confidence=key_conf)
    confidence = {
        "tempo_bpm": tempo_conf,
        "key": key_conf,
        "mode": key_conf,
        "time_signature": metre_conf,
        "loudness_db": 0.95,
        **desc.confidence,
    }
    result = DspResult(
        tempo_bpm=float(np.clip(bpm, 40, 220)),
        key=key,
        mode=mode,
        time_signature=metre,
        loudness_db=lufs,
        confidence=confidence,
        measurements=measurements,
        energy=desc.values["energy"],
        danceability=desc.values["danceability"],
        acousticness=desc.values["acousticness"],
        instrumentalness=desc.values["instrumentalness"],
        speechiness=desc.values["speechiness"],
        liveness=desc.values["liveness"],
        valence=desc.values["valence"],
    )
    if key is None and content.has_pitch:
        result.warnings.append(
            "the pitched notes fit no key (one held note or chord, drums or sound effects?): no key or mode"
        )
        result.confidence["valence"] = min(result.confidence.get("valence", 0.05), 0.05)
    content.apply(result)  # no beat or no pitch: low confidence, no key, a warning
    # JSON has no NaN: a measure that could not be taken is as good as no confidence at all.
    result.confidence = {k: (float(v) if np.isfinite(v) else 0.0) for k, v in result.confidence.items()}
    return result


def analyse_file(path: str | Path) -> DspResult:
    """The DSP reading of the track at ``path`` (its loudest stretch, see choose_window). Raises
    BadInputError naming the file when it cannot be decoded or holds no music to describe
    (silence, a click, noise, under 2 s)."""
    from albumgen_desktop.engines.audio_levels import scan_file

    path = Path(path)
    levels = scan_file(path)  # the whole file's loudness, as it is (all channels, own rate)
    start, length = choose_window(path, rms_per_second=levels.rms_per_second)
    audio = load_audio(path, sample_rate=SR, start_seconds=start, max_seconds=length)
    try:
        result = analyse_samples(audio.samples, loudness_lufs=levels.integrated_lufs)
    except BadInputError as exc:  # "the audio is silent": say which file (several may be analysed)
        raise BadInputError(f"{path.name}: {exc}") from None
    result.window = (start, start + audio.duration)
    result.warnings[:0] = levels.warnings
    return result
