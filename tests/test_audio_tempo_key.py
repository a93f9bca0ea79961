"""Rhythm and pitch cases issue 16 found failing, each with its true value (tests/grooves.py renders them)."""

from __future__ import annotations

import numpy as np
import pytest

from albumgen_desktop.engines.audio_dsp import analyse_samples
from albumgen_desktop.engines.audio_key import estimate_key
from albumgen_desktop.engines.audio_signal import estimate_tuning, prepare
from tests import grooves


@pytest.mark.parametrize(
    ("tonic", "mode", "cents", "a4"),
    [
        (0, "major", 46.0, 440.0),  # C major 46 cents sharp: read as F minor before tuning was estimated
        (0, "major", 0.0, 452.0),  # the same with A4 = 452 Hz
        (9, "minor", 46.0, 440.0),  # A minor 46 cents sharp: read as F major before
        (9, "minor", -40.0, 440.0),
        (2, "major", -33.0, 440.0),
        (7, "minor", 28.0, 440.0),
        (10, "major", 0.0, 432.0),  # A4 = 432 Hz, 32 cents flat
    ],
)
def test_key_and_mode_exact_off_440(tonic: int, mode: str, cents: float, a4: float) -> None:
    y = grooves.progression(tonic, mode, cents=cents, a4=a4)
    sig = prepare(y)
    expected_cents = cents + 1200 * np.log2(a4 / 440.0)
    assert abs(100 * sig.tuning - expected_cents) <= 5, (sig.tuning, expected_cents)
    key, got_mode, _ = estimate_key(sig)
    assert (key, got_mode) == (tonic, mode)


def test_tuning_of_unpitched_input_is_zero() -> None:
    rng = np.random.default_rng(0)
    assert estimate_tuning(np.zeros(22050 * 3, dtype=np.float32)) == 0.0
    assert -0.5 <= estimate_tuning(rng.standard_normal(22050 * 3).astype(np.float32)) <= 0.5


def test_detuned_render_reads_its_key_through_the_whole_analysis() -> None:
    y = grooves.slow_groove(96, tonic=4)
    ratio = 2 ** (46 / 1200)  # a tape 46 cents fast: pitch and tempo both scale
    import soxr

    sharp = soxr.resample(y, int(round(22050 * ratio)), 22050).astype(np.float32)
    result = analyse_samples(sharp)
    assert (result.key, result.mode) == (4, "major")
