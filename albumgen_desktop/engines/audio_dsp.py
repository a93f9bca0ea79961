"""Weights-free audio analysis: tempo, key/mode, metre, loudness and documented estimates.

The shared representations (onset envelopes, constant-Q transform) are computed once
(engines/audio_signal.py) and feed every estimator:

* **Tempo**: engines/audio_tempo.py.
* **Key and mode**: engines/audio_key.py.
* **Metre**: engines/audio_metre.py.
* **Loudness**: integrated LUFS (ITU-R BS.1770-4, pyloudnorm).
* **Energy, danceability**: from loudness, brightness, onset density, pulse
  clarity and beat regularity (documented formulas below).
* **Acousticness, instrumentalness, speechiness, liveness**: rough spectral
  estimates, reported with low confidence; the CLAP layer refines them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from albumgen_desktop.core.errors import BadInputError
from albumgen_desktop.engines.audio_key import baseline_key, estimate_key
from albumgen_desktop.engines.audio_metre import estimate_metre
from albumgen_desktop.engines.audio_signal import FPS, HOP, SR, Signal, prepare
from albumgen_desktop.engines.audio_tempo import _acf, _at, estimate_tempo
from albumgen_desktop.io.audio import audio_info, load_audio

__all__ = ["SR", "DspResult", "analyse_file", "analyse_samples", "baseline_key", "choose_window"]

WINDOW_S = 40.0  # analysed at most; longer files get a representative window


@dataclass
class DspResult:
    tempo_bpm: float
    key: int
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

    def values(self) -> dict[str, object]:
        """The Features fields this analysis measured or estimated (no genre)."""
        names = ("acousticness", "danceability", "energy", "instrumentalness", "liveness", "speechiness", "valence",
                 "loudness_db", "tempo_bpm", "key", "mode", "time_signature")  # fmt: skip
        return {name: getattr(self, name) for name in names}


# --- window -----------------------------------------------------------------------------------


def choose_window(path: Path, seconds: float = WINDOW_S) -> tuple[float, float]:
    """(start, length) of the part to analyse: the whole file when short, else the loudest
    stretch of the middle (intros, fade-outs and silence are not representative)."""
    info = audio_info(path)
    duration = info.duration
    if duration <= seconds + 1:
        return 0.0, duration
    import soundfile as sf

    rate = info.sample_rate
    rms: list[float] = []
    with sf.SoundFile(str(path)) as f:
        for block in f.blocks(blocksize=rate, dtype="float32", always_2d=True):
            rms.append(float(np.sqrt(np.mean(block**2))) if block.size else 0.0)
    rms_arr = np.asarray(rms)
    span = int(seconds)
    lo, hi = int(0.15 * len(rms_arr)), max(int(0.85 * len(rms_arr)) - span, int(0.15 * len(rms_arr)) + 1)
    starts = np.arange(lo, min(hi, len(rms_arr) - span) + 1)
    if len(starts) == 0:
        return max(0.0, duration / 2 - seconds / 2), seconds
    sums = np.array([rms_arr[s : s + span].mean() for s in starts])
    best = int(starts[int(np.argmax(sums))])
    return float(best), seconds


# --- levels and estimates -----------------------------------------------------------------------


def integrated_loudness(y: np.ndarray) -> float:
    """Integrated LUFS clamped to the Features' range (silence reads as -60)."""
    from albumgen_desktop.engines.loudness import integrated_lufs

    level = integrated_lufs(y, SR)
    return float(np.clip(level, -60.0, 0.0)) if np.isfinite(level) else -60.0


def _sigmoid(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-x)))


def descriptors(sig: Signal, bpm: float, lufs: float) -> dict[str, float]:
    import librosa

    y = sig.y
    centroid = float(np.mean(librosa.feature.spectral_centroid(y=y, sr=SR, hop_length=1024)))
    flatness = librosa.feature.spectral_flatness(y=y, hop_length=1024)[0]
    rms = librosa.feature.rms(y=y, hop_length=1024)[0]
    rms_db = 20 * np.log10(rms + 1e-6)
    crest_db = float(20 * np.log10((np.max(np.abs(y)) + 1e-9) / (np.sqrt(np.mean(y**2)) + 1e-9)))
    onset_rate = float(np.mean(sig.onset > (np.median(sig.onset) + 2 * sig.onset.std())) * FPS)
    ac = _acf(sig.onset)
    lag = 60.0 * FPS / bpm
    pulse = float(np.clip(_at(ac, np.array([lag]))[0], 0, 1))
    spec = np.abs(np.fft.rfft(y[: SR * 20]))
    freqs = np.fft.rfftfreq(min(len(y), SR * 20), 1 / SR)
    total = spec.sum() + 1e-9
    sub_bass = float(spec[freqs < 60].sum() / total)
    speech_band = float(spec[(freqs > 300) & (freqs < 3400)].sum() / total)
    # Syllable-rate (3-8 Hz) modulation of the speech band envelope: speech and singing carry it.
    env = np.abs(librosa.feature.rms(y=y, hop_length=HOP)[0])
    env_spec = np.abs(np.fft.rfft(env - env.mean()))
    env_f = np.fft.rfftfreq(len(env), 1 / FPS)
    syllabic = float(env_spec[(env_f > 3) & (env_f < 8)].sum() / (env_spec[(env_f > 0.5) & (env_f < 20)].sum() + 1e-9))
    quiet = np.percentile(rms_db, 10)
    loud = np.percentile(rms_db, 90)
    return {
        "centroid": centroid,
        "flatness": float(np.median(flatness)),
        "crest_db": crest_db,
        "onset_rate": onset_rate,
        "pulse": pulse,
        "sub_bass": sub_bass,
        "speech_band": speech_band,
        "syllabic": syllabic,
        "dynamic_db": float(loud - quiet),
        "lufs": lufs,
    }


def estimates(d: dict[str, float], bpm: float) -> dict[str, float]:
    """Documented estimates; each maps descriptors to 0..1 with a logistic curve.

    energy: loudness (-30..-6 LUFS), brightness (centroid) and onset density.
    danceability: pulse clarity at the beat, tempo near 90..130 BPM, bass on the beat.
    acousticness: high crest factor and dynamics, little sub-bass, low flatness.
    instrumentalness: little syllabic modulation in the speech band.
    speechiness: strong syllabic modulation with noisy (flat) spectra.
    liveness: a high noise floor in the quietest tenth of the track.
    """
    energy = _sigmoid(0.18 * (d["lufs"] + 16) + 1.2 * (d["centroid"] - 1800) / 1000 + 0.35 * (d["onset_rate"] - 2.5))
    tempo_fit = np.exp(-0.5 * (np.log2(bpm / 115) / 0.35) ** 2)
    danceability = _sigmoid(4 * (d["pulse"] - 0.25) + 1.5 * (tempo_fit - 0.5) + 0.5 * (d["sub_bass"] * 20 - 0.5))
    acousticness = _sigmoid(
        0.25 * (d["crest_db"] - 14)
        + 0.1 * (d["dynamic_db"] - 12)
        - 40 * (d["sub_bass"] - 0.03)
        - 8 * (d["flatness"] - 0.05)
    )
    instrumentalness = _sigmoid(-12 * (d["syllabic"] - 0.28))
    speechiness = _sigmoid(10 * (d["syllabic"] - 0.4) + 15 * (d["flatness"] - 0.15)) * 0.9
    liveness = _sigmoid(0.25 * (12 - d["dynamic_db"]) - 1.5) * 0.8
    return {
        "energy": float(energy),
        "danceability": float(danceability),
        "acousticness": float(acousticness),
        "instrumentalness": float(instrumentalness),
        "speechiness": float(speechiness),
        "liveness": float(liveness),
    }


def analyse_samples(y: np.ndarray) -> DspResult:
    """Analyse mono float32 samples at SR."""
    if len(y) < 2 * SR:
        raise BadInputError("the audio is shorter than 2 seconds, too short to analyse")
    peak = float(np.max(np.abs(y)))
    if peak < 1e-4:
        raise BadInputError("the audio is silent")
    sig = prepare(y)
    bpm, tempo_conf = estimate_tempo(sig)
    key, mode, key_conf = estimate_key(sig)
    metre, metre_conf = estimate_metre(sig, bpm)
    lufs = integrated_loudness(y)
    desc = descriptors(sig, bpm, lufs)
    est = estimates(desc, bpm)
    # Valence estimate: major mode, faster tempo and brighter timbre read as happier.
    mode_sign = 1.0 if mode == "major" else -1.0
    est["valence"] = _sigmoid(1.2 * mode_sign * key_conf + 0.015 * (bpm - 110) + (desc["centroid"] - 1800) / 1500)
    confidence = {
        "tempo_bpm": tempo_conf,
        "key": key_conf,
        "mode": key_conf,
        "time_signature": metre_conf,
        "loudness_db": 0.95,
        "energy": 0.6,
        "danceability": 0.5,
        "acousticness": 0.3,
        "instrumentalness": 0.25,
        "speechiness": 0.3,
        "liveness": 0.2,
        "valence": 0.35,
    }
    return DspResult(
        tempo_bpm=float(np.clip(bpm, 40, 220)),
        key=key,
        mode=mode,
        time_signature=metre,
        loudness_db=lufs,
        confidence=confidence,
        **est,
    )


def analyse_file(path: str | Path) -> DspResult:
    path = Path(path)
    start, length = choose_window(path)
    audio = load_audio(path, sample_rate=SR, start_seconds=start, max_seconds=length)
    result = analyse_samples(audio.samples)
    result.window = (start, start + audio.duration)
    return result
