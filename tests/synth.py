"""Synthetic songs with known tempo, key, mode and metre, for analyser tests (numpy only)."""

from __future__ import annotations

import numpy as np

MAJOR = [0, 2, 4, 5, 7, 9, 11]
MINOR = [0, 2, 3, 5, 7, 8, 11]  # harmonic minor: the leading tone makes the dominant major


def _tone(freq: float, length: int, sr: int, decay: float) -> np.ndarray:
    t = np.arange(length) / sr
    wave = sum(np.sin(2 * np.pi * freq * k * t) / k for k in range(1, 6))
    return wave * np.exp(-t * decay)


def _midi_hz(note: float) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


def synth_song(
    bpm: float,
    tonic: int,
    mode: str,
    beats: int = 4,
    drums: bool = True,
    seconds: float = 20.0,
    sr: int = 22050,
    seed: int = 0,
) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scale = MAJOR if mode == "major" else MINOR
    # I IV V I / i iv V i, one chord per bar
    degrees = [0, 3, 4, 0]
    spb = 60.0 / bpm
    n = int(seconds * sr)
    out = np.zeros(n + sr * 6)
    beat_len = int(spb * sr)
    n_beats = int(seconds / spb)
    for b in range(n_beats):
        bar, pos = divmod(b, beats)
        degree = degrees[bar % len(degrees)]
        root = scale[degree]
        third = scale[(degree + 2) % 7] + (12 if degree + 2 >= 7 else 0)
        fifth = scale[(degree + 4) % 7] + (12 if degree + 4 >= 7 else 0)
        start = int(b * spb * sr)
        accent = 1.0 if pos == 0 else 0.6
        for note in (48 + tonic + root, 48 + tonic + third, 48 + tonic + fifth):
            out[start : start + beat_len] += 0.12 * accent * _tone(_midi_hz(note), beat_len, sr, 3.0)
        if pos == 0:
            bass = _tone(_midi_hz(36 + tonic + root), beat_len * beats, sr, 1.5)
            out[start : start + len(bass)] += 0.25 * bass
        melody = 60 + tonic + scale[rng.choice([degree, (degree + 2) % 7, (degree + 4) % 7])]
        out[start : start + beat_len] += 0.15 * _tone(_midi_hz(melody), beat_len, sr, 4.0)
        if drums:
            kick_beats = (0, 2) if beats == 4 else (0,)
            if pos in kick_beats:
                t = np.arange(int(0.15 * sr)) / sr
                out[start : start + len(t)] += (
                    0.6 * np.sin(2 * np.pi * (50 + 80 * np.exp(-t * 30)) * t) * np.exp(-t * 20)
                )
            else:
                burst = rng.standard_normal(int(0.1 * sr)) * np.exp(-np.arange(int(0.1 * sr)) / sr * 40)
                out[start : start + len(burst)] += 0.3 * burst
            for half in (0, 1):
                h = start + int(half * spb * sr / 2)
                hat = np.diff(rng.standard_normal(int(0.03 * sr) + 1)) * np.exp(-np.arange(int(0.03 * sr)) / sr * 150)
                out[h : h + len(hat)] += 0.05 * hat
    out = out[:n]
    return (0.8 * out / np.max(np.abs(out))).astype(np.float32)
