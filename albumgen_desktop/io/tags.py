"""Reading the tags of audio files people already have: title, artist, album, genre, cover art.

mutagen reads every tag format involved: ID3 (MP3, and the ``id3 `` chunk of WAV and AIFF),
Vorbis comments (FLAC, Ogg, Opus), MP4 atoms (M4A/MP4) and APEv2. WAV's LIST/INFO chunk, which
mutagen does not read, comes from io/wav.py and fills whatever the ID3 tag leaves empty.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from albumgen_desktop.core.errors import AlbumGenError
from albumgen_desktop.io import wav

MAX_TAG_CHARS = 200  # a title, artist, album or genre longer than this is cut
MAX_EXTRA_CHARS = 1_000_000  # a free-form tag (the recipe JSON) longer than this is ignored


@dataclass(frozen=True)
class AudioTags:
    """Tag text of one file; "" where the file has none. ``extra`` holds free-form tags by
    lower-case name (ID3 TXXX description, Vorbis comment name, MP4 ``----`` atom name)."""

    title: str = ""
    artist: str = ""
    album_artist: str = ""
    album: str = ""
    genre: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", "replace")
    return " ".join(str(value).split())[:MAX_TAG_CHARS]


def _open(path: Path) -> Any:
    import mutagen

    try:
        return mutagen.File(path)
    except (mutagen.MutagenError, OSError, ValueError, EOFError):
        return None


def _from_id3(tags: Any) -> AudioTags:
    def frame(name: str) -> str:
        found = tags.getall(name)
        return _text(found[0].text) if found and getattr(found[0], "text", None) else ""

    genres = tags.getall("TCON")
    genre = _text(genres[0].genres) if genres else ""  # .genres resolves ID3v1 numbers: "(17)" -> Rock
    extra = {f.desc.lower(): str(f.text[0]) for f in tags.getall("TXXX") if f.text and f.desc}
    return AudioTags(frame("TIT2"), frame("TPE1"), frame("TPE2"), frame("TALB"), genre, _cap(extra))


def _from_mp4(tags: Any) -> AudioTags:
    def atom(name: str) -> str:
        return _text(tags.get(name) or "")

    genre = atom("\xa9gen")
    if not genre and tags.get("gnre"):  # iTunes' numeric genre: ID3v1 number + 1
        from mutagen.id3 import TCON

        genre = _text(TCON(text=[f"({int(tags['gnre'][0]) - 1})"]).genres)
    extra = {}
    for key, values in tags.items():
        if key.startswith("----:") and values:
            extra[key.rsplit(":", 1)[-1].lower()] = bytes(values[0]).decode("utf-8", "replace")
    return AudioTags(atom("\xa9nam"), atom("\xa9ART"), atom("aART"), atom("\xa9alb"), genre, _cap(extra))


def _from_vorbis(tags: Any) -> AudioTags:
    """Vorbis comments (FLAC, Ogg) and APEv2 (keys compared without case)."""
    lower: dict[str, Any] = {}
    for key, value in tags.items():
        lower.setdefault(str(key).lower(), value)

    def get(name: str) -> str:
        value = lower.get(name)
        if value is not None and hasattr(value, "value"):  # APEv2 item
            value = value.value
        return _text(value) if value is not None else ""

    known = {"title", "artist", "albumartist", "album artist", "album", "genre"}
    extra = {k: (v[0] if isinstance(v, list) else str(v)) for k, v in lower.items() if k not in known}
    return AudioTags(get("title"), get("artist"), get("albumartist") or get("album artist"), get("album"),
                     get("genre"), _cap({k: str(v) for k, v in extra.items()}))  # fmt: skip


def _cap(extra: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in extra.items() if len(v) <= MAX_EXTRA_CHARS}


def _riff_info(path: Path) -> AudioTags:
    try:
        info = wav.read_info(path)
    except (OSError, AlbumGenError):
        return AudioTags()
    return AudioTags(
        title=_text(info.get("INAM", "")), artist=_text(info.get("IART", "")), album=_text(info.get("IPRD", "")),
        genre=_text(info.get("IGNR", "")),
    )  # fmt: skip


def _is_wave(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            head = fh.read(12)
    except OSError:
        return False
    return head[:4] == b"RIFF" and head[8:12] == b"WAVE"


def read_tags(path: str | Path) -> AudioTags:
    """The tags of an audio file; an empty AudioTags for a file with none or one mutagen can't read.

    Never raises for unreadable or damaged files: tags are a bonus, the audio decides.
    """
    path = Path(path)
    audio = _open(path)
    tags = getattr(audio, "tags", None) if audio is not None else None
    found = AudioTags()
    if tags is not None:
        if hasattr(tags, "getall"):
            found = _from_id3(tags)
        elif type(tags).__name__ == "MP4Tags":
            found = _from_mp4(tags)
        elif hasattr(tags, "items"):
            found = _from_vorbis(tags)
    if _is_wave(path):
        info = _riff_info(path)
        found = AudioTags(
            found.title or info.title, found.artist or info.artist, found.album_artist, found.album or info.album,
            found.genre or info.genre, found.extra,
        )  # fmt: skip
    return found


def embedded_art(path: str | Path) -> bytes | None:
    """The front cover stored inside an audio file (ID3 APIC, FLAC/Ogg picture, MP4 covr), if any."""
    audio = _open(Path(path))
    if audio is None:
        return None
    pictures = getattr(audio, "pictures", None)  # FLAC
    if pictures:
        front = [p for p in pictures if p.type == 3] or pictures
        return bytes(front[0].data)
    tags = audio.tags
    if tags is None:
        return None
    if hasattr(tags, "getall"):  # ID3 (mp3, wav, aiff)
        frames = tags.getall("APIC")
        if frames:
            front = [f for f in frames if f.type == 3] or frames
            return bytes(front[0].data)
        return None
    covr = tags.get("covr") if hasattr(tags, "get") else None  # MP4
    if covr:
        return bytes(covr[0])
    blocks = tags.get("metadata_block_picture") if hasattr(tags, "get") else None  # Ogg
    if blocks:
        import mutagen
        from mutagen.flac import Picture

        try:
            return bytes(Picture(base64.b64decode(blocks[0])).data)
        except (ValueError, mutagen.MutagenError):
            return None
    return None
