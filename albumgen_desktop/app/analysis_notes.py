"""What an analysis rests on, in short lines for the input panel, and the input track's waveform."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from albumgen_desktop.app.history import overview
from albumgen_desktop.app.wording import sentence
from albumgen_desktop.core.errors import AlbumGenError
from albumgen_desktop.core.evidence import Evidence, GenreScores, LibraryWeight, Neighbours, VlmFeatures

PREVIEW_RATE = 8000
PREVIEW_MAX_S = 600


def evidence_lines(evidence: list[Evidence]) -> list[str]:
    """What the analysis rests on, for the artist: 'Genre guesses (CLIP): synthwave 41%, …',
    'Closest covers in your library:', '  • Artist — Title (house), 82% alike'. Parameter names
    (k) and raw similarities stay in the CLI's JSON; a similarity -1..1 shows as 0..100% alike."""
    lines: list[str] = []
    for item in evidence:
        if isinstance(item, GenreScores):
            lines.append(f"Genre guesses ({item.by}): " + ", ".join(f"{g} {p:.0%}" for g, p in item.top))
        elif isinstance(item, Neighbours) and item.albums:
            lines.append("Closest covers in your library:")
            for a in item.albums:
                genre = f" ({a.genre})" if a.genre else ""
                alike = max(0.0, min(1.0, a.similarity))
                lines.append(f"  • {a.label()}{genre}, {alike:.0%} alike")
        elif isinstance(item, VlmFeatures):
            lines.append(f"Sliders read from the picture by {item.model}")
        elif isinstance(item, LibraryWeight):
            lines.append(sentence(item.note))
    return lines


def input_overview(path: Path) -> np.ndarray | None:
    """The waveform overview of an input track (None when it cannot be read as audio)."""
    from albumgen_desktop.io.audio import load_audio

    try:
        return overview(load_audio(path, sample_rate=PREVIEW_RATE, max_seconds=PREVIEW_MAX_S).samples)
    except (AlbumGenError, OSError, ValueError):
        return None
