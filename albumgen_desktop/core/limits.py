"""The allowed ranges of the numbers a person gives (CLI options, the window's fields), in one
place, so that the engines' checks and the CLI's one-line messages state the same range.

Each is an inclusive ``Range``; ``describe()`` writes it the way messages do ("0.5..600 seconds").
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Range:
    """An inclusive range of ``kind`` (int or float) values, with the unit messages name."""

    lo: float
    hi: float
    unit: str = ""
    whole: bool = False  # whole numbers only

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return False
        if value != value:  # NaN
            return False
        return self.lo <= value <= self.hi and (not self.whole or float(value).is_integer())

    def describe(self) -> str:
        """'0.5..600 seconds', '512..1024 pixels', '0..4294967295'."""
        unit = f" {self.unit}" if self.unit else ""
        return f"{self.lo:g}..{self.hi:g}{unit}" if not self.whole else f"{int(self.lo)}..{int(self.hi)}{unit}"


# Music length: MusicGen streams windows of 30 s; ten minutes bounds memory and time (engines/musicgen.py).
DURATION_S = Range(0.5, 600.0, "seconds")
# A seed is a 32-bit unsigned integer (numpy's and torch's generators take it whole; A1111 writes it so).
SEED = Range(0, 2**32 - 1, whole=True)
# Cover side in pixels: below 512 a cover is too small for a sleeve; above 1024 the models only upscale.
COVER_SIZE = Range(512, 1024, "pixels", whole=True)
# img2img strength: under 0.05 the reference comes back almost unchanged (diffusers runs no step).
STRENGTH = Range(0.05, 1.0)
# Sampling steps and classifier-free guidance scale of the diffusion models.
STEPS = Range(1, 100, whole=True)
GUIDANCE = Range(0.0, 20.0)
# Takes per job (music or covers).
VARIATIONS = Range(1, 8, whole=True)
