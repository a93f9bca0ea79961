"""Import the neural engines' libraries without stalling the GUI thread (no Qt here: it runs on
worker threads).

Measured with a 1 ms ticker thread while ``import torch, transformers`` and MusicGen's modeling
module ran on another thread (2 cores, shared): the ticker saw gaps of 600-800 ms. Two causes,
both holding the GIL in one long stretch:

1. ``dlopen`` of libtorch_cpu.so (≈0.8 s of C++ static initialisers) runs inside
   ``ctypes.CDLL``, which keeps the GIL. Calling ``dlopen`` itself as a ctypes foreign function
   releases the GIL for the call (ctypes does that for every CDLL function), so the library is
   loaded first that way; torch's own import then finds it loaded.
2. The cyclic garbage collector: tens of thousands of new objects per module trigger full
   collections that walk every object (hundreds of ms each by the end). The collector is paused
   while the libraries import, and what they created is then frozen (``gc.freeze``) so later
   collections skip it.

With both, the longest gap fell to 60-70 ms on the same loaded machine (benchmarks/bench_gui.py
measures the whole effect). No library offers this; it is a few lines around the standard import.
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import importlib.util
import os
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

# What each neural engine imports, heaviest first.
ENGINE_MODULES: dict[str, tuple[str, ...]] = {
    "musicgen": (
        "torch",
        "transformers",
        "transformers.models.musicgen.modeling_musicgen",
        "transformers.models.t5.modeling_t5",
        "transformers.models.t5.tokenization_t5",
        "transformers.models.encodec.modeling_encodec",
        "albumgen_desktop.engines.musicgen",
        "albumgen_desktop.engines.musicgen_decoder",
    ),
    "diffusion": (
        "torch",
        "transformers",
        "diffusers",
        "diffusers.pipelines.stable_diffusion.pipeline_stable_diffusion",
        "albumgen_desktop.engines.diffusion",
    ),
    "analysis": ("torch", "transformers"),
    # The sketch engines and loudness normalisation (scipy.signal via pyloudnorm): no torch.
    "sketch": (
        "scipy.signal",
        "scipy.stats",
        "pyloudnorm",
        "albumgen_desktop.engines.loudness",
        "albumgen_desktop.engines.music_sketch",
        "albumgen_desktop.engines.cover_sketch",
    ),
}

_lock = threading.Lock()
# Two threads importing torch at once can see it half-initialised ("partially initialized module
# 'torch' has no attribute 'Tensor'"): Python's per-module import locks do not cover a package whose
# submodules import each other. Every heavy import of the app goes through this one lock.
import_lock = threading.RLock()
_paused = 0
_was_enabled = True
_preloaded = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic collection while the block runs (any thread); afterwards what it made is frozen."""
    global _paused, _was_enabled
    with _lock:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _lock:
            _paused -= 1
            if _paused == 0:
                gc.freeze()  # the imported modules' objects: never collected, never walked again
                if _was_enabled:
                    gc.enable()


def preload_torch_library() -> bool:
    """dlopen libtorch_cpu.so with the GIL released; False where there is nothing to preload."""
    global _preloaded
    if _preloaded or "torch" in sys.modules or not sys.platform.startswith("linux"):
        return _preloaded
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return False
    library = Path(next(iter(spec.submodule_search_locations))) / "lib" / "libtorch_cpu.so"
    if not library.is_file():
        return False
    libdl = ctypes.CDLL(None)  # the process itself: dlopen is in libc (glibc 2.34+) or libdl
    libdl.dlopen.restype = ctypes.c_void_p
    libdl.dlopen.argtypes = (ctypes.c_char_p, ctypes.c_int)
    _preloaded = bool(libdl.dlopen(os.fsencode(library), os.RTLD_NOW))  # flags of an extension's dependency
    return _preloaded


def modules_for(engines: Iterable[str]) -> list[str]:
    """The modules ``engines`` import, in order, each once."""
    out: list[str] = []
    for engine in engines:
        out += [m for m in ENGINE_MODULES.get(engine, ()) if m not in out]
    return out


def import_gently(modules: Iterable[str]) -> list[str]:
    """Import ``modules`` (torch's library preloaded, the collector paused); returns those it imported.

    Raises ImportError like ``import`` does.
    """
    todo = [m for m in modules if m not in sys.modules]
    if not todo:
        return []
    with import_lock, gc_paused():
        todo = [m for m in todo if m not in sys.modules]  # another thread may have done some meanwhile
        if "torch" in todo:
            preload_torch_library()
        for module in todo:
            importlib.import_module(module)
    return todo
