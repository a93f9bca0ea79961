"""Key names spelled the way musicians read them.

A key is named after its key signature: keys whose signature has flats are spelled with flats
(F, Bb, Eb, Ab, Db major; D, G, C, F, Bb minor), keys with sharps with sharps. Where both spellings
have six accidentals, the more common one is used (F# major, Eb minor). Source: the circle of fifths
as tabulated in any harmony text, e.g. Aldwell & Schachter, *Harmony and Voice Leading*, ch. 1.
"""

from __future__ import annotations

MAJOR_NAMES: tuple[str, ...] = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
MINOR_NAMES: tuple[str, ...] = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "G#", "A", "Bb", "B")


def tonic_name(pitch_class: int, mode: str = "major") -> str:
    """The tonic of ``pitch_class`` (0 = C .. 11 = B) in ``mode`` ("major" or "minor"), e.g. 10 -> "Bb".

    Raises ValueError for a pitch class outside 0..11.
    """
    if not 0 <= pitch_class <= 11:
        raise ValueError(f"pitch class must be 0..11, got {pitch_class}")
    return (MINOR_NAMES if mode == "minor" else MAJOR_NAMES)[pitch_class]


def key_name(pitch_class: int, mode: str = "major") -> str:
    """'Bb major', 'C# minor': the tonic spelled by its key signature, then the mode."""
    return f"{tonic_name(pitch_class, mode)} {mode}"
