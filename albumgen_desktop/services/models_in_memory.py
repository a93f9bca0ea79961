"""The models kept warm between jobs, and how to let them go."""

from __future__ import annotations

import gc


def unload_all() -> int:
    """Drop every cached engine (MusicGen, diffusion, CLAP, CLIP, VLM); returns how many were released."""
    from albumgen_desktop.library import embedders
    from albumgen_desktop.services import analyze, cover, music

    caches = (music._engine_cache, cover._engine_cache, analyze._clap_cache, analyze._vlm_cache, embedders._clip_cache)
    released = sum(len(c) for c in caches)
    for cache in caches:
        cache.clear()
    gc.collect()
    return released
