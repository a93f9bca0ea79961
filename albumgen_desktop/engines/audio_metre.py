"""Metre: beats per bar from beat-synchronous accents, bass and harmony changes."""

from __future__ import annotations

import numpy as np

from albumgen_desktop.engines.audio_signal import FPS, Signal, chroma_from_cqt


def estimate_metre(sig: Signal, bpm: float) -> tuple[int, float]:
    """3 or 4 beats per bar, with a confidence."""
    import librosa

    period = 60.0 * FPS / bpm
    n_beats = int(len(sig.onset) / period)
    if n_beats < 12:
        return 4, 0.3
    # Beat phase: the offset maximising onset energy on the beat grid.
    phases = np.arange(int(period))
    grid_energy = [sig.onset[(p + period * np.arange(n_beats - 1)).astype(int)].sum() for p in phases]
    phase = int(phases[int(np.argmax(grid_energy))])
    frames = (phase + period * np.arange(n_beats - 1)).astype(int)
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
