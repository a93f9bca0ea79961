"""The models kept warm between jobs, and how to let them go."""

from __future__ import annotations

import gc

from albumgen_desktop.core.warm_models import release_all


def unload_all() -> int:
    """Let every warm model go (core/warm_models.py: MusicGen, diffusion, CLAP, CLIP, VLM, whichever
    are loaded); returns how many were released."""
    released = release_all()
    gc.collect()
    return len(released)


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
