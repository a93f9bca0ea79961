"""Key and mode: constant-Q chroma of the harmonic part against key profiles.

Frame-normalised constant-Q chroma of the harmonic part (median-filter HPSS)
correlated with the Albrecht-Shanahan key profiles. Confidence grows with the
margin between the best and second-best key.
"""

from __future__ import annotations

import numpy as np

from albumgen_desktop.engines.audio_signal import SR, Signal, chroma_from_cqt

# Key profiles (index 0 = tonic), major then minor.
_ALBRECHT_SHANAHAN = (
    np.array([0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.080, 0.008, 0.081]),
    np.array([0.220, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061, 0.052]),
)
# Krumhansl-Schmuckler: the textbook baseline, kept for the evaluation's side-by-side.
KRUMHANSL = (
    np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88]),
    np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17]),
)


def _profiles(which: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """(24, 12): rows 0..11 major keys C..B, 12..23 minor keys."""
    rows: list[np.ndarray] = []
    for mode_profile in which:
        p = (mode_profile - mode_profile.mean()) / mode_profile.std()
        rows.extend(np.roll(p, k) for k in range(12))
    return np.array(rows)


def _corr(profiles: np.ndarray, vec: np.ndarray) -> np.ndarray:
    v = (vec - vec.mean()) / (vec.std() + 1e-12)
    return profiles @ v / len(v)


def key_scores(sig: Signal) -> np.ndarray:
    """Correlation of the mean chroma (C3..B6, frames above 5% of peak energy) with the 24
    Albrecht-Shanahan profiles, after removing percussion. On the labelled sets these beat
    Krumhansl-Schmuckler by about 0.1 in MIREX score; Temperley's and Aarden's profiles,
    a bass-register tonic vote and overtone suppression were tried and each lowered it."""
    harmonic = sig.cqt_harmonic
    energy = harmonic[24:72].sum(axis=0)
    chroma = chroma_from_cqt(harmonic)[:, energy > 0.05 * (energy.max() + 1e-12)]
    return _corr(_profiles(_ALBRECHT_SHANAHAN), chroma.mean(axis=1))


def estimate_key(sig: Signal) -> tuple[int, str, float]:
    """(tonic pitch class 0..11 with 0 = C, "major" or "minor", confidence 0.2..0.95): the best of
    key_scores(); the confidence grows with its margin over the second-best key."""
    scores = key_scores(sig)
    order = np.argsort(scores)[::-1]
    best = int(order[0])
    margin = float(scores[order[0]] - scores[order[1]])
    conf = float(np.clip(0.4 + 4.0 * margin, 0.2, 0.95))
    return best % 12, ("major" if best < 12 else "minor"), conf


def baseline_key(y: np.ndarray) -> tuple[int, str]:
    """Krumhansl-Schmuckler on librosa's default chroma: the textbook baseline."""
    import librosa

    chroma = librosa.feature.chroma_cqt(y=y, sr=SR).mean(axis=1)
    best = int(np.argmax(_corr(_profiles(KRUMHANSL), chroma)))
    return best % 12, ("major" if best < 12 else "minor")
