"""Where the Hugging Face cache is, whether we are offline, which hub to ask, and who gets the token.

huggingface_hub reads these settings once, when ``huggingface_hub.constants`` is first imported.
The app changes them while it runs (the model-folder setting sets HF_HOME, the self-test points
HF_HOME at a scratch folder), so a value read from the constants could be stale. These
functions apply the library's own rules (``huggingface_hub/constants.py``, 2.4) to the
environment as it is now; ``tests/test_hub_settings.py`` checks each rule against the constants
of a fresh process started with that environment, so a change in the library shows up there.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_ENDPOINT = "https://huggingface.co"
# Origins huggingface_hub treats as the Hub itself (utils/_http.py ``_HUB_ORIGINS``): the
# Authorization header may go to these and to the origin of the configured endpoint, nowhere else.
_HUB_ORIGINS = (("https", "huggingface.co", 443), ("https", "hf.co", 443), ("https", "hub-ci.huggingface.co", 443))
_TRUE = {"1", "ON", "YES", "TRUE"}  # constants.ENV_VARS_TRUE_VALUES, compared upper-case


def _is_true(value: str | None) -> bool:
    return value is not None and value.strip().upper() in _TRUE


def _expand(path: str) -> str:
    return os.path.expandvars(os.path.expanduser(path))


def hf_home() -> Path:
    """HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface; ``~`` and ``$VARS`` expanded."""
    default = os.path.join(os.getenv("XDG_CACHE_HOME", os.path.join(os.path.expanduser("~"), ".cache")), "huggingface")
    return Path(_expand(os.getenv("HF_HOME", default)))


def hub_cache_dir() -> Path:
    """The model cache folder: HF_HUB_CACHE, then HUGGINGFACE_HUB_CACHE, then HF_HOME/hub.

    Same precedence and expansion as ``huggingface_hub.constants.HF_HUB_CACHE`` (the legacy
    HUGGINGFACE_HUB_CACHE is expanded only through HF_HUB_CACHE's expansion, as there)."""
    legacy = os.getenv("HUGGINGFACE_HUB_CACHE", str(hf_home() / "hub"))
    return Path(_expand(os.getenv("HF_HUB_CACHE", legacy)))


def hub_offline() -> bool:
    """True when HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE is set to 1/on/yes/true (either one), or
    when huggingface_hub was already imported in offline mode (its requests then refuse to go out)."""
    if _is_true(os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE")):
        return True
    import sys

    constants = sys.modules.get("huggingface_hub.constants")
    return bool(constants is not None and constants.is_offline_mode())


def hub_endpoint() -> str:
    """HF_ENDPOINT without a trailing slash, else https://huggingface.co."""
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def _origin(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    default_port = {"http": 80, "https": 443}.get(parts.scheme, 0)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default_port


def may_send_token(resolve_url: str, target_url: str) -> bool:
    """Whether a request to ``target_url`` may carry the Hub token, given that the file was
    resolved at ``resolve_url``: only when both have the same origin (scheme, host, port) or the
    target is a Hub origin. A signed CDN or storage URL never gets it: huggingface_hub drops the
    header for these (file_download.py ``_get_metadata_or_catch_error``) and presigned storage
    rejects requests that carry one."""
    target = _origin(target_url)
    return target == _origin(resolve_url) or target in _HUB_ORIGINS or target == _origin(hub_endpoint())


def hub_reachable(timeout_s: float = 3.0) -> bool:
    """Whether a TCP connection to the hub's host opens within ``timeout_s`` seconds (False at once
    when offline mode is on). Says nothing about the Hub's answers; used to word the first-launch
    offer, never to decide a download."""
    import socket

    if hub_offline():
        return False
    scheme, host, port = _origin(hub_endpoint())
    if not host:
        return False
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False
