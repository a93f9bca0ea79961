"""The weights-free sketch renderer: a short procedural arrangement that follows the Features.

Drums, bass, chords and a lead, synthesised with numpy. What each Feature does:

* tempo, time signature: the grid; key and mode: the scale and a progression that
  states the tonic and its dominant (so the key is audible, and analysable);
* energy: note density (8ths or 16ths on the hats, busier lead) and velocity;
* danceability: backbeat strength, kick on every beat, swing on the off-beats;
* acousticness: timbre, from strummed piano-like chords that ring on (acoustic)
  to sustained detuned pads (electronic);
* valence: brightness (how many harmonics survive) and the progression chosen;
* instrumentalness: below 0.5 the lead gets a vowel-like formant voice.

Deterministic for a seed. It is the instant preview and offline fallback, not a
substitute for MusicGen.
"""

from __future__ import annotations

import numpy as np

from albumgen_desktop.core.features import Features
from albumgen_desktop.core.progress import CancelToken, FractionCallback

RATE = 32000
MAJOR = (0, 2, 4, 5, 7, 9, 11)
MINOR = (0, 2, 3, 5, 7, 8, 10)
# Scale degrees (0-based) per bar; every progression opens on the tonic and passes the dominant.
PROGRESSIONS_MAJOR = ((0, 3, 4, 0), (0, 5, 3, 4))
PROGRESSIONS_MINOR = ((0, 3, 4, 0), (0, 5, 3, 4))


def _hz(midi: float) -> float:
    return 440.0 * 2 ** ((midi - 69) / 12)


def _env(n: int, attack: float, decay: float) -> np.ndarray:
    t = np.arange(n) / RATE
    a = np.minimum(1.0, t / max(attack, 1e-4))
    return a * np.exp(-t * decay)


def _additive(freq: float, n: int, harmonics: int, rolloff: float, detune: float = 0.0) -> np.ndarray:
    t = np.arange(n) / RATE
    out = np.zeros(n)
    for k in range(1, harmonics + 1):
        if freq * k >= 0.45 * RATE:  # above Nyquist a harmonic folds back onto a wrong pitch
            break
        out += np.sin(2 * np.pi * freq * k * t * (1 + detune * (k % 2))) / k**rolloff
    return out


class _Mixer:
    def __init__(self, seconds: float) -> None:
        self.buf = np.zeros(int((seconds + 3) * RATE))

    def add(self, start_s: float, sig: np.ndarray, gain: float) -> None:
        i = int(start_s * RATE)
        if i >= len(self.buf) or i < 0:
            return
        n = min(len(sig), len(self.buf) - i)
        self.buf[i : i + n] += gain * sig[:n]


def _kick() -> np.ndarray:
    n = int(0.25 * RATE)
    t = np.arange(n) / RATE
    freq = 45 + 70 * np.exp(-t * 35)  # stays below C3, out of the range key finding listens to
    return np.sin(2 * np.pi * np.cumsum(freq) / RATE) * np.exp(-t * 14)


def _snare(rng: np.random.Generator, acoustic: float) -> np.ndarray:
    n = int(0.18 * RATE)
    t = np.arange(n) / RATE
    noise = rng.standard_normal(n) * np.exp(-t * (22 + 10 * acoustic))
    body = np.sin(2 * np.pi * 185 * t) * np.exp(-t * 30)
    return 0.7 * noise + 0.5 * body


def _hat(rng: np.random.Generator) -> np.ndarray:
    n = int(0.05 * RATE)
    noise = np.diff(rng.standard_normal(n + 1))
    return noise * np.exp(-np.arange(n) / RATE * 90) * 0.5


def _formant(sig: np.ndarray, vowel: int) -> np.ndarray:
    from scipy.signal import lfilter

    formants = ((730, 1090), (530, 1840), (300, 870))[vowel % 3]
    out = np.zeros_like(sig)
    for f in formants:
        r = 0.9  # broad resonances: a vowel colour without ringing at pitches of their own
        theta = 2 * np.pi * f / RATE
        out += lfilter([1 - r], [1, -2 * r * np.cos(theta), r * r], sig)
    return 0.5 * sig + 0.5 * out / (np.max(np.abs(out)) / (np.max(np.abs(sig)) + 1e-9) + 1e-9)


def render(
    features: Features,
    seconds: float,
    seed: int = 0,
    cancel: CancelToken | None = None,
    on_progress: FractionCallback | None = None,
) -> np.ndarray:
    """Mono float32 at RATE, peak-normalised to -1 dBFS (loudness is set afterwards).

    ``on_progress`` gets the fraction 0..1 rendered, four times a bar (after the chords, the
    bass, the drums and the lead), so even a two-bar sketch reports eight steps.
    """
    f = features
    rng = np.random.default_rng(seed)
    beats = f.time_signature
    spb = 60.0 / f.tempo_bpm
    scale = MAJOR if f.mode == "major" else MINOR
    tonic = 0 if f.key is None else f.key
    progressions = PROGRESSIONS_MAJOR if f.mode == "major" else PROGRESSIONS_MINOR
    progression = progressions[0 if f.valence >= 0.5 or f.energy >= 0.5 else 1]
    acoustic = f.acousticness
    bright_harmonics = 3 + int(7 * f.valence)
    velocity = 0.55 + 0.45 * f.energy
    swing = 0.12 * max(0.0, f.danceability - 0.5)
    mix = _Mixer(seconds)
    kick, hat = _kick(), _hat(rng)
    snare = _snare(rng, acoustic)
    n_bars = int(np.ceil(seconds / (beats * spb)))
    motif = rng.choice([0, 2, 4, 2, 1, 3], size=beats * 2)  # mostly chord tones, a few passing notes
    motif[0] = 2  # phrases open on the third: it carries the mode
    report = on_progress or (lambda _: None)

    def layer_done(bar: int, layer: int) -> None:
        report((bar + layer / 4) / n_bars)

    for bar in range(n_bars):
        if cancel is not None:
            cancel.raise_if_cancelled()
        t0 = bar * beats * spb
        degree = progression[bar % len(progression)]
        root = 48 + tonic + scale[degree]
        # harmonic minor: the dominant chord is major so the key is unambiguous
        third_deg = (degree + 2) % 7
        third = 48 + tonic + scale[third_deg] + (12 if degree + 2 >= 7 else 0)
        if f.mode == "minor" and degree == 4:
            third = root + 4
        fifth = root + 7
        chord_len = int(beats * spb * RATE)
        for note in (root, third, fifth):
            if acoustic >= 0.5:  # strummed on every beat, ringing on like a piano with the pedal down
                for b in range(beats):
                    n_pl = int(spb * RATE * (beats - b))
                    sig = _additive(_hz(note + 12), n_pl, bright_harmonics, 1.4) * _env(n_pl, 0.003, 1.2)
                    mix.add(t0 + b * spb + 0.004 * (note - root), sig, 0.07 * velocity * (1.0 if b == 0 else 0.6))
            else:
                sig = _additive(_hz(note + 12), chord_len, bright_harmonics, 1.6, detune=0.003)
                mix.add(t0, sig * _env(chord_len, 0.05, 0.6), 0.1)
        layer_done(bar, 1)
        for b in range(beats):
            bass_len = int(spb * RATE * 0.9)
            bass_note = root - 12 if b % 2 == 0 or f.danceability < 0.6 else root - 12 + 7
            # Harmonics carry the bass's pitch into the range people (and key finding) hear
            # as pitch; a pure low sine only leaks into the neighbouring notes.
            if acoustic >= 0.5:
                bass = _additive(_hz(bass_note), bass_len, 6, 1.0) * _env(bass_len, 0.005, 4.0)
            else:
                bass = _additive(_hz(bass_note), bass_len, 5, 0.8) * _env(bass_len, 0.005, 2.5)
            mix.add(t0 + b * spb, bass, 0.18 * velocity)
        layer_done(bar, 2)
        for b in range(beats):
            bt = t0 + b * spb
            downbeat = b == 0
            # Every beat has a kick, so the pulse is never ambiguous; danceability sets how hard.
            strong = downbeat or f.danceability >= 0.45 or (beats == 4 and b == 2)
            mix.add(bt, kick, (0.9 if downbeat else 0.75 if strong else 0.45) * velocity)
            backbeat = (b % 2 == 1) if beats % 2 == 0 else (b > 0)
            if backbeat and f.energy > 0.2:
                mix.add(bt, snare, 0.35 * velocity * (0.6 + 0.6 * f.danceability))
            subdivisions = 4 if f.energy > 0.7 else 2
            for s in range(subdivisions):
                offset = s / subdivisions + (swing if s % 2 == 1 else 0.0)
                mix.add(bt + offset * spb, hat, (0.12 if s == 0 else 0.06) * velocity)
        layer_done(bar, 3)
        notes_per_beat = 2 if f.energy > 0.5 else 1
        for i in range(beats * notes_per_beat):
            step = motif[i % len(motif)]
            midi = 72 + tonic + scale[(degree + step) % 7]
            n = int(spb / notes_per_beat * RATE * 0.9)
            sig = _additive(_hz(midi), n, bright_harmonics, 1.3) * _env(n, 0.01, 3.0)
            if f.instrumentalness < 0.5:
                sig = _formant(sig, bar + i)
            mix.add(t0 + i * spb / notes_per_beat, sig, 0.12 * velocity)
        layer_done(bar, 4)
    out = mix.buf[: int(seconds * RATE)]
    fade = min(len(out), int(0.05 * RATE))
    out[-fade:] *= np.linspace(1, 0, fade)
    peak = np.max(np.abs(out)) or 1.0
    return (out / peak * 10 ** (-1 / 20)).astype(np.float32)
