"""What an analysis rests on, in short lines for the input panel, and the input track's waveform."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from albumgen_desktop.app.history import overview
from albumgen_desktop.core.errors import AlbumGenError
from albumgen_desktop.core.evidence import Evidence, GenreScores, LibraryWeight, Neighbours, VlmFeatures

PREVIEW_RATE = 8000
PREVIEW_MAX_S = 600


def evidence_lines(evidence: list[Evidence]) -> list[str]:
    """'CLIP genres: synthwave 41%, …', 'Nearest albums in your library (k=5):', '  • Artist — Title …'."""
    lines: list[str] = []
    for item in evidence:
        if isinstance(item, GenreScores):
            lines.append(f"{item.by} genres: " + ", ".join(f"{g} {p:.0%}" for g, p in item.top))
        elif isinstance(item, Neighbours):
            lines.append(f"Nearest albums in your library (k={item.k}):")
            for a in item.albums:
                lines.append(f"  • {a.label()} ({a.genre or 'no genre'}), similarity {a.similarity:.2f}")
        elif isinstance(item, VlmFeatures):
            lines.append(f"Features written by {item.model} (constrained JSON)")
        elif isinstance(item, LibraryWeight):
            lines.append(item.note)
    return lines


def input_overview(path: Path) -> np.ndarray | None:
    """The waveform overview of an input track (None when it cannot be read as audio)."""
    from albumgen_desktop.io.audio import load_audio

    try:
        return overview(load_audio(path, sample_rate=PREVIEW_RATE, max_seconds=PREVIEW_MAX_S).samples)
    except (AlbumGenError, OSError, ValueError):
        return None
