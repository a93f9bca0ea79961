"""The seven 0..1 descriptors on synthetic songs the models never saw (they were fitted on
FluidSynth renders): instrumental studio songs read instrumental and not live, the same songs
in a hall with an audience read live, calm and intense versions are ordered, and a slow steady
piece without drums is not danceable. The audience and room are made as in the calibration set
(benchmarks/make_calibration_set.py: Polack room response, Peltola applause, murmur)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from albumgen_desktop.engines.audio_descriptors import LOGISTIC, estimate, measure
from albumgen_desktop.engines.audio_dsp import SR, analyse_samples
from tests.synth import synth_song

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import make_calibration_set as calibration

SONGS = [(72, 0, "major", 4, True), (96, 9, "minor", 4, False), (140, 2, "minor", 3, True),
         (160, 5, "major", 4, False), (110, 3, "major", 3, True), (150, 8, "minor", 4, True)]  # fmt: skip


def _in_a_hall(y: np.ndarray, seed: int) -> np.ndarray:
    assert calibration.SR == SR
    rng = np.random.default_rng(seed)
    room = calibration.impulse_response(1.8, rng)
    hall = calibration.reverberate(y, room, 2.0)
    crowd = calibration.reverberate(calibration.audience(len(y) / SR, rng), room, 0.0)
    mix = hall + crowd / np.sqrt(np.mean(crowd**2)) * np.sqrt(np.mean(hall**2)) * 10 ** (-12 / 20)
    mono = mix.mean(axis=1)
    return (0.89 * mono / np.abs(mono).max()).astype(np.float32)


@pytest.fixture(scope="module")
def studio_and_live() -> list[tuple[object, object]]:
    out = []
    for i, case in enumerate(SONGS):
        y = synth_song(*case)
        out.append((analyse_samples(y), analyse_samples(_in_a_hall(y, i))))
    return out


def test_models_are_fitted() -> None:
    for name in ("instrumentalness", "speechiness", "liveness", "acousticness"):
        assert LOGISTIC[name]["terms"], name  # descriptor_weights.py holds real fitted weights


def test_instrumental_studio_songs_read_instrumental_and_not_live(studio_and_live) -> None:
    for studio, _ in studio_and_live:
        assert studio.instrumentalness >= 0.7, studio.measurements
        assert studio.liveness <= 0.3
        assert studio.speechiness <= 0.33


def test_the_same_songs_in_a_hall_with_an_audience_read_live(studio_and_live) -> None:
    for studio, live in studio_and_live:
        assert live.liveness >= studio.liveness + 0.25, (studio.liveness, live.liveness)
    assert np.median([live.liveness for _, live in studio_and_live]) >= 0.5
    assert all(live.instrumentalness >= 0.7 for _, live in studio_and_live)  # an audience is not a singer


def test_calm_and_intense_versions_are_ordered_in_energy() -> None:
    for bpm, tonic, mode in ((70, 0, "major"), (90, 9, "minor"), (120, 4, "major")):
        calm = analyse_samples(0.3 * synth_song(bpm, tonic, mode, drums=False))
        intense = analyse_samples(synth_song(bpm * 1.3, tonic, mode, drums=True))
        assert intense.energy > calm.energy + 0.1, (calm.energy, intense.energy)


def _chorale(bpm: float, seconds: float = 20.0) -> np.ndarray:
    """Four-part legato chords (I IV V I in D major), one per beat, with 60 ms swells: no drums."""
    chords = [(50, 54, 57, 62), (55, 59, 62, 67), (57, 61, 64, 69), (50, 54, 57, 62)]
    beat = int(60 / bpm * SR)
    t = np.arange(beat) / SR
    swell = np.minimum(1.0, t / 0.06) * np.minimum(1.0, (t[::-1] + 1 / SR) / 0.06)
    out = []
    for i in range(int(seconds * bpm / 60)):
        notes = chords[(i // 2) % 4]
        tone = sum(np.sin(2 * np.pi * 440 * 2 ** ((n - 69) / 12) * k * t) / k**1.5 for n in notes for k in (1, 2, 3))
        out.append(swell * tone)
    y = np.concatenate(out)
    return (0.5 * y / np.abs(y).max()).astype(np.float32)


def test_slow_steady_piece_without_drums_is_not_danceable_and_a_groove_is() -> None:
    slow = analyse_samples(_chorale(60))
    groove = analyse_samples(synth_song(120, 2, "major", drums=True, seconds=20))
    assert groove.danceability >= 0.7 and groove.danceability > slow.danceability + 0.2


def test_valence_follows_mode_tempo_and_register() -> None:
    happy = analyse_samples(synth_song(150, 0, "major", drums=True))
    sad = analyse_samples(0.5 * synth_song(66, 0, "minor", drums=False))
    assert happy.valence > sad.valence + 0.3 and sad.valence < 0.5


def test_estimates_stay_in_range_for_extreme_measurements() -> None:
    m = measure(synth_song(120, 0, "major", seconds=6), SR, 120.0)
    for scale in (0.0, 1e6):
        d = estimate({k: v * scale for k, v in m.items()}, lufs=-5.0, bpm=200.0, mode="minor", key_confidence=1.0)
        assert all(0.0 <= v <= 1.0 for v in d.values.values())
        assert all(0.0 < c <= 1.0 for c in d.confidence.values())
