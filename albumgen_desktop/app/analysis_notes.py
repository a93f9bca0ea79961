"""What an analysis rests on, in short lines for the input panel, and the input track's waveform."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from albumgen_desktop.app.history import overview
from albumgen_desktop.core.errors import AlbumGenError

PREVIEW_RATE = 8000
PREVIEW_MAX_S = 600


def evidence_lines(evidence: list[dict[str, Any]]) -> list[str]:
    """'CLIP genres: synthwave 41%, …', 'Nearest albums in your library (k=5):', '  • Artist — Title …'."""
    lines: list[str] = []
    for item in evidence:
        kind = item.get("type")
        if kind in ("clap_genres", "clip_genres"):
            who = "CLAP" if kind == "clap_genres" else "CLIP"
            lines.append(f"{who} genres: " + ", ".join(f"{g} {p:.0%}" for g, p in item.get("top", [])))
        elif kind == "neighbours":
            lines.append(f"Nearest albums in your library (k={item.get('k', len(item.get('albums', [])))}):")
            for a in item.get("albums", []):
                who = f"{a['artist']} — {a['title']}" if a.get("artist") else a.get("title", "?")
                lines.append(f"  • {who} ({a.get('genre') or 'no genre'}), similarity {a.get('similarity', 0):.2f}")
        elif kind == "vlm":
            lines.append(f"Features written by {item.get('model', 'the VLM')} (constrained JSON)")
        elif isinstance(item.get("note"), str):
            lines.append(item["note"])
    return lines


def input_overview(path: Path) -> np.ndarray | None:
    """The waveform overview of an input track (None when it cannot be read as audio)."""
    from albumgen_desktop.io.audio import load_audio

    try:
        return overview(load_audio(path, sample_rate=PREVIEW_RATE, max_seconds=PREVIEW_MAX_S).samples)
    except (AlbumGenError, OSError, ValueError):
        return None
