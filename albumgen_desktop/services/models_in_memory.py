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


def available_memory_gb() -> float | None:
    """MemAvailable from /proc/meminfo (Linux); None where it cannot be read."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) / 1024**2
    except (OSError, ValueError):
        return None
    return None


def unload_if_memory_low(threshold_gb: float = 1.0) -> int:
    """Let the warm models go when the machine runs short of memory; returns how many went."""
    free = available_memory_gb()
    if free is None or free >= threshold_gb:
        return 0
    return unload_all()
