"""The models kept warm between jobs, and how to let them go."""

from __future__ import annotations

import gc


def unload_all() -> int:
    """Drop every cached engine (MusicGen, CLAP); returns how many were released."""
    from albumgen_desktop.services import analyze, music

    released = len(music._engine_cache) + len(analyze._clap_cache)
    music._engine_cache.clear()
    analyze._clap_cache.clear()
    gc.collect()
    return released
