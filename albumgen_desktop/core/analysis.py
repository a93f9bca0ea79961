"""What an analysis returns: Features plus, for each value, how sure we are and who said so."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from typing import Any

from albumgen_desktop.core.engines import engine_choices
from albumgen_desktop.core.evidence import Evidence
from albumgen_desktop.core.features import Features
from albumgen_desktop.core.recipe import Recipe

ENGINE_CHOICES: tuple[str, ...] = engine_choices("analysis")
FEATURE_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Features))


def printable_path(path: str | os.PathLike[str]) -> str:
    """``path`` for display and JSON: a file-name byte that is not UTF-8 (which Python keeps as a
    lone surrogate, e.g. Latin-1 "caf\xe9.wav" on Linux) is written as ``\xe9``, so printing
    never fails and the JSON stays valid UTF-8."""
    return os.fspath(path).encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


@dataclass
class Analysis:
    """Features of one input, with a confidence 0..1 and a source label for every feature.

    ``evidence`` lists what the values rest on (e.g. the k nearest albums of the
    reference library); ``recipe`` is set when the input was an AlbumGen export.
    """

    path: str
    kind: str  # "image" | "audio" | "recipe"
    features: Features
    confidence: dict[str, float] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    recipe: Recipe | None = None

    def __post_init__(self) -> None:
        # Every value carries a confidence and a source, key and mode included: what no
        # analyser spoke to is the Features default, said so with confidence 0.
        for name in FEATURE_NAMES:
            self.confidence.setdefault(name, 0.0)
            self.source.setdefault(name, "default")

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": printable_path(self.path),
            "kind": self.kind,
            "features": self.features.to_dict(),
            "confidence": {k: round(v, 3) for k, v in self.confidence.items()},
            "source": dict(self.source),
            "evidence": [e.to_dict() for e in self.evidence],
            "warnings": list(self.warnings),
            "prompt": self.recipe.prompt if self.recipe else None,
        }


def uniform(value: float | str, names: tuple[str, ...] = FEATURE_NAMES) -> dict[str, Any]:
    return {name: value for name in names}
