"""The time-frequency views every rhythm and pitch estimator reads, computed once per analysis.

* onset envelopes: positive log-mel spectral flux, full band and below ~200 Hz (kick, bass);
* a constant-Q transform with three bins per semitone, folded to semitones, plain and after
  harmonic-percussive separation (median filtering, Fitzgerald 2010).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SR = 22050
HOP = 256
FPS = SR / HOP


@dataclass
class Signal:
    y: np.ndarray
    onset: np.ndarray  # full-band onset strength, FPS frames
    onset_low: np.ndarray  # below ~200 Hz (kick, bass)
    cqt: np.ndarray  # (84, frames) constant-Q magnitude per semitone, C1..B7, hop 2*HOP
    cqt_harmonic: np.ndarray  # the same after harmonic-percussive separation
    duration: float
    tuning: float = 0.0  # deviation of the pitch grid from A4 = 440 Hz, in semitones, -0.5..0.5


def prepare(y: np.ndarray) -> Signal:
    import librosa

    mel = librosa.feature.melspectrogram(y=y, sr=SR, n_fft=2048, hop_length=HOP, n_mels=64, fmax=8000)
    log_mel = np.log1p(100 * mel)
    flux = np.maximum(0.0, np.diff(log_mel, axis=1, prepend=log_mel[:, :1]))
    onset = flux.mean(axis=0)
    onset_low = flux[:8].mean(axis=0)
    # Three bins per semitone, centred on the pitches of the recording's own tuning (estimated
    # first: a band at A4 = 452 Hz sits 46 cents sharp, nearly a semitone bin away from 440), so
    # that folding three bins into one semitone keeps each note whole. 12 bins per octave would
    # leak half of each note into its neighbours, which blurs the key profile.
    tuning = estimate_tuning(y)
    fmin = librosa.note_to_hz("C1") * 2 ** ((tuning - 1 / 3) / 12)
    fine = np.abs(librosa.cqt(y, sr=SR, hop_length=HOP * 2, fmin=fmin, n_bins=252, bins_per_octave=36))
    return Signal(
        y=y,
        onset=onset,
        onset_low=onset_low,
        cqt=_fold_semitones(fine),
        cqt_harmonic=_fold_semitones(harmonic_part(fine)),
        duration=len(y) / SR,
        tuning=tuning,
    )


def estimate_tuning(y: np.ndarray) -> float:
    """Deviation of the recording's pitch grid from A4 = 440 Hz in semitones (-0.5..0.5, 0.01 steps):
    librosa's estimate (a histogram of parabolic-interpolated STFT peak frequencies folded onto the
    equal-tempered semitone). 0.0 when the input has no pitched content to measure."""
    import warnings

    import librosa

    with warnings.catch_warnings():  # "empty frequency set" on unpitched input: that is the 0.0 case
        warnings.simplefilter("ignore", UserWarning)
        tuning = float(librosa.estimate_tuning(y=y, sr=SR, n_fft=2048))
    return tuning if np.isfinite(tuning) else 0.0


def _fold_semitones(fine: np.ndarray) -> np.ndarray:
    return fine.reshape(84, 3, fine.shape[1]).sum(axis=1)


def harmonic_part(cqt: np.ndarray) -> np.ndarray:
    """Harmonic-percussive separation by median filtering (Fitzgerald 2010) with a soft mask on
    the 36-bin-per-octave CQT: drum hits are short and broadband, notes sustain on one pitch.
    Raised the key score on pieces with drums from about 0.83 to 0.88 on the labelled sets."""
    from scipy.ndimage import median_filter

    along_time = median_filter(cqt, size=(1, 9))
    along_pitch = median_filter(cqt, size=(27, 1))
    mask = along_time**2 / (along_time**2 + along_pitch**2 + 1e-12)
    return cqt * mask


def chroma_from_cqt(cqt: np.ndarray, lo_octave: int = 2, hi_octave: int = 6) -> np.ndarray:
    """(12, frames) chroma of octaves lo..hi-1 (0 = C1), each frame scaled to unit length."""
    part = cqt[lo_octave * 12 : hi_octave * 12]
    chroma = part.reshape(-1, 12, part.shape[1]).sum(axis=0)
    return chroma / (np.linalg.norm(chroma, axis=0, keepdims=True) + 1e-9)
