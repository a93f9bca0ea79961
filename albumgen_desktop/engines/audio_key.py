"""Key and mode: key profiles learned from labelled renders, read off constant-Q pitch evidence.

The evidence (key_evidence) is five pitch-class profiles of the tuned pitch in the harmonic part
(median-filter HPSS) of the tuning-centred constant-Q transform (audio_signal.tuned_semitones: a
snare or tom ringing between the semitones, as TimGM6mb's does around C3-C#3, does not count as a
note): the mean frame-normalised chroma, the bass register's spectrum folded to pitch classes,
the log-compressed spectrum of the melody and harmony registers, and how often each major and
each minor triad fits best. Each key scores the dot product of the evidence, rotated to that
key's tonic, with a learned profile per mode: a multinomial logistic regression over the 24 keys
with weights shared across transpositions, the data-driven counterpart of the
Krumhansl-Schmuckler correlation (profiles trained on audio: Gómez 2006, "Tonal description of
music audio signals", PhD thesis, UPF; van de Par et al. 2006, "Musical key extraction from
audio using profile training", ISMIR). benchmarks/fit_key.py fits them on the eval set's dev
renders and synthetic grooves (audio_key_model.py): fitted on the renders alone, they read the
grooves' I-IV-V loops a fifth low (0.83 MIREX against 0.96 for the Albrecht-Shanahan
correlation), since the renders' classical openings so often move to the dominant.

The reported key is the most probable one, and its probability is the confidence. Key clarity
(Gómez 2006, 4.3; MIRtoolbox's mirkeystrength) is the largest correlation of the mean chroma
with the Albrecht-Shanahan profiles: pitched sound that fits no key gets no key, as does sound
whose pitched part is too weak to carry one (drums alone, with pitched kick and toms).
"""

from __future__ import annotations

import numpy as np

from albumgen_desktop.engines.audio_signal import HOP, SR, Signal, chroma_from_cqt

# Key profiles (index 0 = tonic), major then minor: Albrecht & Shanahan 2013, "The use of large
# corpora to train a new type of key-finding algorithm", Music Perception 31(1).
_ALBRECHT_SHANAHAN = (
    np.array([0.238, 0.006, 0.111, 0.006, 0.137, 0.094, 0.016, 0.214, 0.009, 0.080, 0.008, 0.081]),
    np.array([0.220, 0.006, 0.104, 0.123, 0.019, 0.103, 0.012, 0.214, 0.062, 0.022, 0.061, 0.052]),
)
# Krumhansl-Schmuckler: the textbook baseline, kept for the evaluation's side-by-side.
KRUMHANSL = (
    np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88]),
    np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17]),
)
# Key clarity of the 4,200 labelled files the model is fitted on (every one tonal: FluidR3
# renders and synthetic files): 0.63 at the lowest, 0.72 at the 0.5th percentile; 0.68-0.74 the
# lowest of each of the four dev check sets (660 renders, FluidR3 and MuseScore General). Measured
# at stop 30, before the key was read from the tuned pitch, when TimGM6mb's snare (ringing at
# C-C#) filled a march's mean chroma: of 600 dev renders made with TimGM6mb, 0.36 at
# the lowest, 14 under 0.5 (12 marches, 2 bands), 10 of those 14 read exactly by the model. Drums
# alone (a tuned tom, a ride cymbal) are caught by the weak-content gate in estimate_key first,
# so this gate catches only pitched sound whose chroma is nearly flat: 1 of 12 synthetic atonal
# passages (twelve-tone rows, random notes, random three-note chords: 0.30-0.79; 0.28-0.84 from
# the three bins summed, also 1 under 0.35), so most atonal music is given a key.
KEY_CLARITY_MIN = 0.35
_CQT_FPS = SR / (2 * HOP)  # audio_signal.prepare computes the CQT at twice the onset hop
_SOFT_TRIAD = 8.0  # softmax sharpness of the per-second chord fit (correlations are -1..1)


def _profiles(which: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """(24, 12): rows 0..11 major keys C..B, 12..23 minor keys."""
    rows: list[np.ndarray] = []
    for mode_profile in which:
        p = (mode_profile - mode_profile.mean()) / mode_profile.std()
        rows.extend(np.roll(p, k) for k in range(12))
    return np.array(rows)


def _standardise(vec: np.ndarray) -> np.ndarray:
    return (vec - vec.mean()) / (vec.std() + 1e-12)


def _corr(profiles: np.ndarray, vec: np.ndarray) -> np.ndarray:
    return profiles @ _standardise(vec) / len(vec)


def _fold(spectrum: np.ndarray, lo_octave: int, hi_octave: int) -> np.ndarray:
    """(12,) pitch classes of a semitone spectrum (84 bins from C1) over octaves lo..hi-1."""
    return spectrum[lo_octave * 12 : hi_octave * 12].reshape(-1, 12).sum(axis=0)


def _triads() -> np.ndarray:
    """(24, 12) zero-mean unit-length templates: 12 major triads from C, then 12 minor."""
    major, minor = np.zeros(12), np.zeros(12)
    major[[0, 4, 7]] = minor[[0, 3, 7]] = 1.0
    rows = np.array([np.roll(t, k) for t in (major, minor) for k in range(12)])
    rows -= rows.mean(axis=1, keepdims=True)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _sounding_frames(cqt: np.ndarray) -> np.ndarray:
    """(frames,) bool: frames of an (84, frames) semitone CQT whose C3..B6 energy is above 5% of
    the loudest frame's."""
    energy = cqt[24:72].sum(axis=0)
    return np.asarray(energy > 0.05 * (energy.max() + 1e-12))


def _chroma_seconds(cqt: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """(seconds, 12): frame-normalised chroma (C3..B6) of an (84, frames) semitone CQT's sounding
    frames, averaged second by second over the seconds that sound, so a held chord and a busy
    passage weigh by their length."""
    chroma = chroma_from_cqt(cqt)
    per = max(1, int(round(_CQT_FPS)))
    rows = [
        chroma[:, a : a + per][:, keep[a : a + per]].mean(axis=1)
        for a in range(0, chroma.shape[1], per)
        if keep[a : a + per].any()
    ]
    return np.array(rows) if rows else np.zeros((0, 12))


EVIDENCE = ("chroma", "bass", "log_spectrum", "major_triads", "minor_triads")


def key_evidence(sig: Signal) -> np.ndarray:
    """(5, 12) pitch-class evidence, column 0 = C, one row per name in EVIDENCE: the mean chroma
    (C3..B6); the mean semitone spectrum of C2..B3 folded to pitch classes (bass), each frame
    scaled by its C3..B6 level; the same log-compressed (log(1 + 100 x)) over C3..B6; and the
    share of seconds best fitted by each major and each minor triad (a softmax over the 24 triad
    correlations, scaled by 5 to the standardised rows' range). Rows 0-2 are standardised (mean
    0, standard deviation 1). All zero when nothing sounds."""
    keep = _sounding_frames(sig.cqt_tuned)
    seconds = _chroma_seconds(sig.cqt_tuned, keep)
    if not len(seconds):
        return np.zeros((len(EVIDENCE), 12))
    frames = sig.cqt_tuned[:, keep]
    normed = frames / (np.linalg.norm(frames[24:72], axis=0, keepdims=True) + 1e-9)
    fit = (seconds - seconds.mean(axis=1, keepdims=True)) @ _triads().T
    soft = np.exp(_SOFT_TRIAD * (fit - fit.max(axis=1, keepdims=True)))
    triads = (soft / soft.sum(axis=1, keepdims=True)).mean(axis=0) * 5.0
    return np.array(
        [
            _standardise(seconds.mean(axis=0)),
            _standardise(_fold(normed.mean(axis=1), 1, 3)),
            _standardise(_fold(np.log1p(100 * normed).mean(axis=1), 2, 6)),
            triads[:12],
            triads[12:],
        ]
    )


def key_clarity(evidence: np.ndarray) -> float:
    """-1..1: the largest correlation of the mean chroma (key_evidence row 0) with the 24
    Albrecht-Shanahan key profiles (Gómez 2006's key strength); low for sound that fits no key."""
    return float(_corr(_profiles(_ALBRECHT_SHANAHAN), evidence[0]).max())


def key_probabilities(evidence: np.ndarray) -> np.ndarray:
    """(24,) probability of each key, summing to 1: rows 0..11 C..B major, 12..23 C..B minor.
    The softmax of each key's score, the dot product of ``evidence`` (key_evidence) rotated to
    that key's tonic with the learned profile of its mode (audio_key_model.py, written by
    benchmarks/fit_key.py), divided by the temperature fitted on held-out folds."""
    from albumgen_desktop.engines import audio_key_model as m

    weights = np.asarray(m.PROFILES)  # (2 modes, len(EVIDENCE), 12), index 0 = the tonic
    rotated = np.stack([np.roll(evidence, -k, axis=1) for k in range(12)])  # (12 tonics, rows, 12)
    scores = np.concatenate(
        [np.einsum("krj,rj->k", rotated, weights[0]), np.einsum("krj,rj->k", rotated, weights[1]) + m.MINOR_BIAS]
    )
    scores = scores / m.TEMPERATURE
    p = np.exp(scores - scores.max())
    return np.asarray(p / p.sum())


# Tonal share (signal_checks) and harmonic share (harmonic_share) of 180 renders with drums and
# without (the eval set's dev part, synthetic grooves): at least 0.42 and 0.587; drums alone
# with a tuned tom or kick: at most 0.357 and 0.534. Below both, there is no key to hear.
WEAK_TONAL_SHARE = 0.4
WEAK_HARMONIC_SHARE = 0.56


# Pitch movement (pitch_movement) of 1,320 keyed files (the eval set's dev renders of seeds 30
# and 0, the synthetic grooves and sketch music): 0.0095 at the lowest (fast band arrangements,
# whose hi-hats and bass sit in every second), 0.016 at the 0.5th percentile; one note, one
# interval or one chord held throughout (sine tones, harmonic tones C2..G5, a power chord, a
# triad): at most 0.003. A single harmonic tone spells its own major triad in its partials, so
# the profiles alone read a held A as A major at 0.95.
STATIC_PITCH_MAX = 0.005


def pitch_movement(sig: Signal) -> float:
    """0..1: how much the pitched content changes over time: the mean cosine distance between
    each sounding second's chroma (C3..B6, as key_evidence averages it) and their mean. 0 for
    one note, interval or chord held throughout; median 0.18 on the labelled renders (chorales
    0.16, slow movements 0.22), 0.04-0.05 for marches and fast band arrangements, whose drums
    and cymbals sound alike in every second."""
    seconds = _chroma_seconds(sig.cqt_harmonic, _sounding_frames(sig.cqt_harmonic))
    if len(seconds) < 2:
        return 0.0
    mean = seconds.mean(axis=0)
    mean = mean / (np.linalg.norm(mean) + 1e-12)
    unit = seconds / (np.linalg.norm(seconds, axis=1, keepdims=True) + 1e-12)
    return float(np.mean(1.0 - unit @ mean))


def harmonic_share(sig: Signal) -> float:
    """0..1: the share of the C2..B6 constant-Q magnitude left after harmonic-percussive
    separation (sustained partials rather than hits)."""
    total = float(sig.cqt[12:72].sum())
    return float(sig.cqt_harmonic[12:72].sum()) / total if total > 0 else 0.0


def estimate_key(sig: Signal, tonal_share: float = 1.0) -> tuple[int | None, str, float]:
    """(tonic pitch class 0..11 with 0 = C or None when no key fits, "major" or "minor",
    confidence 0.05..0.95): the most probable key under key_probabilities(), its probability the
    confidence. ``tonal_share`` is signal_checks.tonal_share of the same audio.

    None, with confidence 0.05, when the key clarity is under KEY_CLARITY_MIN, when the pitched
    content is too weak to carry a key (a tonal share under WEAK_TONAL_SHARE and a harmonic share
    under WEAK_HARMONIC_SHARE together: drums alone, whose kick and toms are pitched hits), or
    when it never moves (pitch_movement under STATIC_PITCH_MAX: one note or chord held, which
    no key can be heard in).

    The most probable key, not the one with the highest expected MIREX score: that score gives a
    key a fifth above the truth 0.5 and one a fifth below 0, so it would favour the dominant
    whenever tonic and dominant compete, for the same score in cross-validation."""
    evidence = key_evidence(sig)
    weak = tonal_share < WEAK_TONAL_SHARE and harmonic_share(sig) < WEAK_HARMONIC_SHARE
    if weak or key_clarity(evidence) < KEY_CLARITY_MIN or pitch_movement(sig) < STATIC_PITCH_MAX:
        return None, "major", 0.05
    p = key_probabilities(evidence)
    best = int(np.argmax(p))
    return best % 12, ("major" if best < 12 else "minor"), float(np.clip(p[best], 0.05, 0.95))


def baseline_key(y: np.ndarray) -> tuple[int, str]:
    """Krumhansl-Schmuckler on librosa's default chroma: the textbook baseline."""
    import librosa

    chroma = librosa.feature.chroma_cqt(y=y, sr=SR).mean(axis=1)
    best = int(np.argmax(_corr(_profiles(KRUMHANSL), chroma)))
    return best % 12, ("major" if best < 12 else "minor")
