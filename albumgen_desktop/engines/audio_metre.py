"""Metre: beats per bar (3 or 4) and whether the beat divides in three (compound: reported as 6).

On the beat grid tracked at the analysed tempo (engines/audio_tempo.py's evidence):

* **Compound or simple**: a logistic regression on how strong each rhythm stream is halfway, a
  third and a quarter of the way between beats, and on triple alternation, fitted by
  benchmarks/fit_tempo.py on the dev part of the eval set. A 6/8 jig, a siciliano or a 6/8
  ballad divide the beat in three; reported as 6 (six eighths per bar, the beat being the
  dotted quarter).
* **3 or 4 beats per bar**: beat-synchronous accents (onsets, low-band energy, harmonic change, bass
  change) folded over candidate bar lengths and their autocorrelation at 3, 6 against 4, 8 beats.
"""

from __future__ import annotations

import numpy as np

from albumgen_desktop.engines.audio_signal import FPS, Signal, chroma_from_cqt
from albumgen_desktop.engines.audio_tempo import SUB, _Grid


def compound_probability(evidence: dict[str, float]) -> float:
    """Probability (0..1) that the beat divides in three, from the evidence at the beat level."""
    from albumgen_desktop.engines import audio_tempo_model as m

    x = np.array([evidence[n] for n in m.COMPOUND_NAMES])
    z = (x - np.asarray(m.COMPOUND_MEAN)) / np.asarray(m.COMPOUND_SCALE)
    return float(1.0 / (1.0 + np.exp(-(z @ np.asarray(m.COMPOUND_W) + m.COMPOUND_B))))


def estimate_metre(sig: Signal, bpm: float) -> tuple[int, float]:
    """(time signature, confidence): 6 for a beat that divides in three (6/8, at a dotted-quarter
    `bpm`), else 3 or 4 beats per bar."""
    period = 60.0 * FPS / bpm
    if len(sig.onset) / period < 12:
        return 4, 0.3
    grid = _Grid(sig.streams, bpm)
    beats = grid.frames[::SUB]
    if len(beats) < MIN_BEATS:  # music under a few seconds, after silence: too few beats to fold into bars
        return 4, 0.3
    p = compound_probability(grid.evidence(SUB))
    if p > 0.5:
        return 6, float(np.clip(p, 0.5, 0.9))
    metre, conf = _three_or_four(sig, beats)
    return metre, float(min(conf, 1.0 - p))


# Bars of 3 and 4 are told apart by the accents' autocorrelation up to 8 beats (_three_or_four),
# which needs 9 beats; the beat tracker follows the sounding part only, so a long silence before
# two seconds of music leaves fewer beats than the file's length promises.
MIN_BEATS = 12


def _three_or_four(sig: Signal, beats: np.ndarray) -> tuple[int, float]:
    import librosa

    frames = np.round(beats[:-1]).astype(int)
    period = float(np.median(np.diff(beats)))
    win = max(1, int(period * 0.15))

    def at_beats(x: np.ndarray) -> np.ndarray:
        return np.array([x[max(0, f - win) : f + win + 1].max() for f in frames])

    accents = [at_beats(sig.onset), at_beats(sig.onset_low)]
    cframes = np.clip(frames // 2, 0, sig.cqt.shape[1] - 1)
    for lo, hi in ((2, 7), (1, 3)):  # harmonic change, bass change
        beat_chroma = chroma_from_cqt(sig.cqt, lo, hi)[:, cframes]
        accents.append(np.r_[0.0, 1 - np.sum(beat_chroma[:, 1:] * beat_chroma[:, :-1], axis=0)])

    score = {3: 0.0, 4: 0.0}
    for acc in accents:
        acc = (acc - acc.mean()) / (acc.std() + 1e-9)
        for m in (3, 4):
            # Best bar phase: mean accent on the downbeat minus elsewhere.
            best = max(acc[p::m].mean() - np.delete(acc, np.arange(p, len(acc), m)).mean() for p in range(m))
            score[m] += best
        ac = librosa.autocorrelate(acc, max_size=9)
        ac = ac / (ac[0] + 1e-9)
        score[3] += 0.5 * (ac[3] + ac[6]) - 0.5 * (ac[4] + ac[8]) * 0.5
        score[4] += 0.5 * (ac[4] + ac[8]) - 0.5 * (ac[3] + ac[6]) * 0.5
    metre = 3 if score[3] > score[4] else 4
    conf = float(np.clip(0.5 + 0.25 * abs(score[3] - score[4]), 0.3, 0.9))
    return metre, conf
