"""The pitch-change onset stream and the harmonic-rhythm evidence of the tempo analyser, and the
confidence temperature fitted on held-out folds (benchmarks/fit_tempo.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from albumgen_desktop.core.errors import BadInputError
from albumgen_desktop.engines.audio_signal import FPS, HOP, SR, log_frequency_filterbank, pitch_flux
from albumgen_desktop.engines.signal_checks import check_content
from tests import grooves

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


def _legato_line(midis: list[float], note_s: float) -> np.ndarray:
    """A steady-level sine line whose pitch steps by a semitone at each note change (no attack:
    a bowed or sung legato line), with 5 Hz vibrato of +-30 cents."""
    t = np.arange(int(len(midis) * note_s * SR)) / SR
    midi = np.repeat(np.asarray(midis, dtype=float), int(note_s * SR))[: len(t)]
    midi = midi + 0.3 * np.sin(2 * np.pi * 5.0 * t)
    phase = 2 * np.pi * np.cumsum(440.0 * 2 ** ((midi - 69) / 12)) / SR
    return (0.3 * np.sin(phase)).astype(np.float32)


def test_log_frequency_filterbank_has_24_bands_per_octave_and_no_empty_band() -> None:
    bank = log_frequency_filterbank()
    assert bank.shape[1] == 2048 // 2 + 1
    assert bank.shape[0] == int(np.log2(5000 / 110) * 24)  # 110 Hz..5 kHz at 24 per octave
    assert (bank.sum(axis=1) > 0).all()
    peaks = np.argmax(bank, axis=1) * SR / 2048
    upper = peaks[peaks > 1000]
    ratios = upper[1:] / upper[:-1]
    assert abs(np.median(ratios) - 2 ** (1 / 24)) < 0.01


def test_pitch_flux_marks_legato_semitone_steps_and_ignores_vibrato() -> None:
    import librosa

    note_s = 0.5
    y = _legato_line([69, 70, 69, 70, 71, 70, 71, 72, 71, 72, 73, 72], note_s)
    power = np.abs(librosa.stft(y, n_fft=2048, hop_length=HOP)) ** 2
    flux = pitch_flux(power)
    changes = (np.arange(1, 12) * note_s * FPS).round().astype(int)
    at_changes = np.array([flux[c - 3 : c + 6].max() for c in changes])
    between = np.array([flux[c + 12 : c + int(note_s * FPS) - 12].max() for c in changes[:-1]])
    assert np.median(at_changes) > 4 * np.median(between), (at_changes, between)


def test_fit_temperature_softens_over_confident_scores() -> None:
    from fit_tempo import fit_temperature

    rng = np.random.default_rng(0)
    held_out = []
    for _ in range(400):
        y = np.zeros(4, dtype=bool)
        right = int(rng.integers(4))
        y[right] = True
        z = rng.normal(0.0, 1.0, 4)
        # Right 70% of the time, yet always with a score gap of 8 (softmax 0.999).
        pick = right if rng.random() < 0.7 else (right + 1) % 4
        z[pick] += 8.0
        held_out.append((z, y))
    t, table = fit_temperature(held_out)
    assert t > 3.0
    top = np.exp(np.array([8.0, 0, 0, 0]) / t)
    assert 0.55 < top[0] / top.sum() < 0.85  # the tempered confidence is near the 70% right
    assert sum(v for k, v in table.items() if k.startswith("n ")) == 400


@pytest.mark.parametrize("seed", range(4))
def test_a_legato_chorale_has_a_steady_beat(seed: int) -> None:
    # Bowed, sung or organ lines change pitch without an attack; on the attack envelope alone the
    # content check read 3 of these 4 (and 16 of the 120 dev renders, most chorales and slow
    # movements) as "no steady beat: tempo and time signature are guesses".
    _, content = check_content(grooves.legato_voices(seed=seed), SR)
    assert content.has_pitch and content.has_beat, content
    assert not content.warnings()


def test_noise_still_has_no_beat() -> None:
    noise = (0.1 * np.random.default_rng(1).standard_normal(10 * SR)).astype(np.float32)
    with pytest.raises(BadInputError, match="no music found"):
        check_content(noise, SR)


def _edited_engines(tmp_path: Path, name: str, old: str, new: str) -> Path:
    """A copy of the repository's engines/ under tmp_path with one text edit in `name`."""
    import shutil

    engines = Path(__file__).resolve().parents[1] / "albumgen_desktop" / "engines"
    root = tmp_path / f"edit{len(list(tmp_path.iterdir()))}"
    shutil.copytree(engines, root / "albumgen_desktop" / "engines")
    path = root / "albumgen_desktop" / "engines" / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return root


def test_tempo_evidence_cache_follows_the_rhythm_streams_not_the_key_code(tmp_path: Path, monkeypatch) -> None:
    """The tempo evidence cache (about an hour to recompute) is kept when only the key's pitch
    helpers change (the tuning estimate, the semitone folding), and dropped when the rhythm
    streams or the tempo evidence change."""
    import evidence_cache
    import fit_tempo

    keys: dict[str, str] = {}

    def key_of(root: Path) -> str:
        monkeypatch.setattr(evidence_cache, "ROOT", root)
        seen: list[str] = []
        monkeypatch.setattr(
            fit_tempo, "cached_evidence", lambda truth, name, key, compute, *workers: seen.append(key) or []
        )
        fit_tempo.load_rows(tmp_path / "truth.json")
        return seen[0]

    keys["repo"] = key_of(Path(__file__).resolve().parents[1])
    keys["tuning"] = key_of(
        _edited_engines(tmp_path, "audio_signal.py", "chosen = pitched &", "chosen = 1 * pitched &")
    )
    keys["fold"] = key_of(
        _edited_engines(tmp_path, "audio_signal.py", "def _fold_semitones(", "def _fold_semitones(*_: object, ")
    )
    keys["streams"] = key_of(_edited_engines(tmp_path, "audio_signal.py", "size=(1, 17)", "size=(1, 19)"))
    keys["tempo"] = key_of(_edited_engines(tmp_path, "audio_tempo.py", "SUB = 12", "SUB = 24"))
    # The analyser's view of the samples before any evidence (DC removal): the fit reads the
    # evidence through audio_dsp.analysis_signal as the analyser does.
    keys["dc"] = key_of(_edited_engines(tmp_path, "signal_checks.py", "butter(2, 20.0", "butter(2, 30.0"))
    assert keys["tuning"] == keys["repo"] and keys["fold"] == keys["repo"]
    assert keys["streams"] != keys["repo"] and keys["tempo"] != keys["repo"] and keys["dc"] != keys["repo"]
