"""Key names follow the key signature: flats in flat keys, sharps in sharp keys."""

from __future__ import annotations

import pytest

from albumgen_desktop.core.features import Features
from albumgen_desktop.core.keys import key_name, tonic_name


def _signature(pitch_class: int, mode: str) -> int:
    """Accidentals in the key signature: > 0 sharps, < 0 flats (6 counted as sharps, -6 for Eb minor)."""
    major = pitch_class if mode == "major" else (pitch_class + 3) % 12
    fifths = (major * 7) % 12
    return fifths if fifths <= 6 else fifths - 12


@pytest.mark.parametrize("mode", ["major", "minor"])
@pytest.mark.parametrize("pc", range(12))
def test_tonic_is_spelled_by_its_key_signature(pc: int, mode: str) -> None:
    name = tonic_name(pc, mode)
    accidentals = _signature(pc, mode)
    if accidentals < 0:
        assert "#" not in name
    if accidentals > 0 and not (mode == "minor" and pc == 3):  # D#/Eb minor: the flat spelling is used
        assert "b" not in name


@pytest.mark.parametrize(
    ("pc", "mode", "name"),
    [(10, "major", "Bb major"), (3, "major", "Eb major"), (8, "major", "Ab major"), (1, "major", "Db major"),
     (6, "major", "F# major"), (1, "minor", "C# minor"), (10, "minor", "Bb minor"), (8, "minor", "G# minor"),
     (3, "minor", "Eb minor"), (9, "minor", "A minor")],
)  # fmt: skip
def test_common_names(pc: int, mode: str, name: str) -> None:
    assert key_name(pc, mode) == name
    assert Features(key=pc, mode=mode).key_label == name


def test_pitch_class_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="0..11"):
        tonic_name(12)
