"""Runtime hook: librosa's numba functions cache compiled code; in a bundle the package folder
may be read-only, so point numba's cache at the user's cache folder."""

import os

if "NUMBA_CACHE_DIR" not in os.environ:
    os.environ["NUMBA_CACHE_DIR"] = os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "albumgen-desktop", "numba"
    )
