"""Messages for people: what failed and what to do, without terminal commands or library internals.

The services' errors are written for the CLI too ("run 'albumgen models download …'", "use
--engine sketch", a raw ``urlopen`` error). The window says the same thing in its own terms and,
where a model is missing or damaged, offers the model manager at that model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from albumgen_desktop.core.errors import AlbumGenError, ModelMissingError

KIND_NAMES = {"music": "Music", "cover": "The cover", "analyse": "Analysis", "import": "The import"}
_COMMAND = re.compile(r"[;,]?\s*(?:run|try)\s+'albumgen [^']*'(?:\s+or\s+[^.;]*)?", re.IGNORECASE)
_CLI_OPTION = re.compile(r"\buse --engine sketch\b")
_NETWORK = re.compile(r"urlopen error|Errno -[23]|Name or service not known|Network is unreachable|timed out", re.I)


@dataclass(frozen=True)
class Notice:
    """A message for the window: ``model_id`` set means "offer Download… for this model"."""

    text: str
    level: str = "error"  # "error" | "warning" | "info"
    model_id: str | None = None
    topic: str = ""  # what it is about ("analyse", "delete", "music", …): news on that topic replaces it


def printable(text: str) -> str:
    """``text`` safe for a Qt label: a file-name byte kept as a surrogate shows as ``\\xe9`` (PySide
    cuts a string at the first lone surrogate)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def sentence(text: str) -> str:
    """``text`` cleaned of CLI advice, starting with a capital and ending with a full stop."""
    text = _CLI_OPTION.sub("choose the Sketch engine", _COMMAND.sub("", text)).strip()
    if not text:
        return ""
    first = text.split(" ", 1)[0]
    if not any(c in first for c in "-_0123456789./"):  # a model id or a file name keeps its spelling
        text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def model_label(model_id: str | None, fallback: str = "the model") -> str:
    """How a sentence names a model, from its manifest entry (models/manifest.py ModelEntry.label,
    the one source of these words): "sdxs-512" -> "the cover model (SDXS 512)". An id the manifest
    does not know is kept as spelled; no id gives ``fallback``."""
    if not model_id:
        return fallback
    from albumgen_desktop.models.manifest import find_model  # lazy: the window opens before any model code

    try:
        return find_model(model_id).label()
    except AlbumGenError:
        return model_id


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:] if text.startswith("the ") else text


def failure_notice(kind: str, error: BaseException, message: str, model_id: str | None = None) -> Notice:
    """The notice for a job of ``kind`` that failed with ``error`` (``message`` is its text);
    ``model_id`` is the model the job needed, if it needed one."""
    notice = _failure_notice(kind, error, message, model_id)
    return Notice(notice.text, notice.level, notice.model_id, kind)


def _failure_notice(kind: str, error: BaseException, message: str, model_id: str | None) -> Notice:
    what = KIND_NAMES.get(kind, "The job")
    lowered = message.lower()
    name = model_label(model_id)
    if isinstance(error, ModelMissingError) or "not downloaded" in lowered:
        if "offline" in lowered:
            return Notice(
                f"You are offline and {name} is not downloaded yet. The Sketch engine works without a download.",
                "warning",
                model_id,
            )
        return Notice(
            f"{_capital(name)} is not downloaded. Download it, or choose the Sketch engine (no download needed).",
            "warning",
            model_id,
        )
    if "damaged" in lowered or "corrupt" in lowered or "hash mismatch" in lowered:
        return Notice(
            f"{_capital(model_label(model_id, 'a model'))} looks damaged (a file is incomplete or corrupt). "
            "Download it again.",
            "error",
            model_id,
        )
    if _NETWORK.search(message):
        return Notice("No connection to the model hub: you seem to be offline. Try again when you are online.")
    return Notice(f"{what} failed: {sentence(message)}")


def model_notice(model_id: str, state: str, offline: bool = False) -> Notice:
    """What to say before a job when the engine the artist chose has no usable model (named by its
    manifest label: "The cover model (SDXS 512) is not downloaded. …")."""
    name = _capital(model_label(model_id))
    if state == "damaged":
        return Notice(f"{name} is damaged. Download it again to use it.", "error", model_id)
    if state == "incomplete":
        return Notice(f"{name} is only partly downloaded. Finish the download to use it.", "warning", model_id)
    where = " You are offline; download it when you are online." if offline else ""
    return Notice(f"{name} is not downloaded.{where} The Sketch engine works without it.", "warning", model_id)


def duration_text(seconds: float) -> str:
    """'0:07', '2:05', '1:02:03' for a non-negative number of seconds."""
    total = int(max(0.0, seconds) + 0.5)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def remaining_text(seconds: float | None) -> str:
    """'about 12 s left', 'about 3 min left', '' when unknown."""
    if seconds is None:
        return ""
    if seconds < 60:
        return f"about {max(1, round(seconds))} s left"
    return f"about {round(seconds / 60)} min left"
