"""librosa's compiled kernels: whether numba has them cached yet, and compiling them ahead.

librosa builds its numba kernels (peak picking, zero crossings, pitch interpolation, the
constant-Q helpers) with ``cache=True``: in a fresh install, importing ``librosa.util.utils`` and
the first analysis compile them and store the machine code; later runs load it in about a second.
Measured for one 12 s WAV, ``albumgen analyze --engine sketch`` in a fresh NUMBA_CACHE_DIR: 18.3 s
the first time, 4.5 s the next (a 2-core machine shared with other jobs; the review saw 27.9 s).
So the first audio analysis says so in one line (:data:`FIRST_RUN_NOTE`), and
``python -m albumgen_desktop.engines.audio_warmup`` compiles them ahead (what ``albumgen selftest``
also does, as it analyses a track).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

FIRST_RUN_NOTE = "first run: preparing the audio analyser (once, about half a minute)…"
# The kernel the check looks for: a gufunc librosa.util.utils compiles when it is imported.
_PROBE_MODULE = ("util", "utils")
_PROBE_FUNCTION = "_localmax"


def _index_name_glob() -> str:
    """numba's cache index name for the probe: ``<module>.<qualname>-<line>.py<XY>.nbi``
    (numba.core.caching, ``_CacheImpl`` and ``IndexDataCacheFile``)."""
    return f"{_PROBE_MODULE[1]}.{_PROBE_FUNCTION}-*.py{sys.version_info.major}{sys.version_info.minor}.nbi"


def _user_cache_dir() -> Path:
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("numba", appauthor=False))


def audio_analyser_ready() -> bool:
    """True when librosa's kernels need no compiling in this process: librosa is already loaded,
    or numba's cache holds the probe kernel. Looked up without importing librosa (importing it
    is what compiles them), where numba's cache locators put it: NUMBA_CACHE_DIR when it is set,
    else the package's own ``__pycache__`` or the user-wide cache. Our own lookup of
    numba's file names, because numba offers no query that does not import the function; a wrong
    answer only shows or hides the one-line note."""
    if "librosa.util.utils" in sys.modules:
        return True
    import importlib.util

    spec = importlib.util.find_spec("librosa")
    if spec is None or not spec.submodule_search_locations:
        return True  # no librosa: nothing to compile (the analysis will say what is missing)
    package = Path(next(iter(spec.submodule_search_locations)))
    pattern = _index_name_glob()
    # (folder, pattern): NUMBA_CACHE_DIR and the user-wide cache keep one sub-folder per source folder
    if os.environ.get("NUMBA_CACHE_DIR"):  # numba then looks nowhere else
        places = [(Path(os.environ["NUMBA_CACHE_DIR"]), f"*/{pattern}")]
    else:
        places = [(package / _PROBE_MODULE[0] / "__pycache__", pattern), (_user_cache_dir(), f"*/{pattern}")]
    return any(folder.is_dir() and any(folder.glob(glob)) for folder, glob in places)


def warm_audio_analyser() -> float:
    """Compile (or load) librosa's kernels by analysing three seconds of a synthetic tone with
    clicks; returns the seconds it took."""
    import numpy as np

    from albumgen_desktop.engines.audio_dsp import SR, analyse_samples

    start = time.perf_counter()
    t = np.arange(4 * SR) / SR
    tone = 0.3 * np.sin(2 * np.pi * 220 * t) * (np.sin(2 * np.pi * 2 * t) > 0)
    clicks = (np.mod(t, 0.5) < 0.01) * 0.5
    analyse_samples((tone + clicks).astype(np.float32))
    return time.perf_counter() - start


if __name__ == "__main__":  # pragma: no cover - a setup step
    ready = audio_analyser_ready()
    took = warm_audio_analyser()
    print(f"audio analyser {'was ready' if ready else 'prepared'} in {took:.1f} s")
