"""WAV files with their recipe inside: PCM 16/24-bit, LIST/INFO and ``id3 `` tags, and the recipe JSON.

We write the RIFF structure ourselves (it is small and fully specified) so the
metadata chunks sit before the audio, where players that read only the first
kilobytes still find them; every decoder skips chunks it does not know.

Tags are written twice, as every tagger and ffmpeg do:
* an ``id3 `` chunk holding an ID3v2.4 tag with UTF-8 frames, built by mutagen: what mutagen,
  ffmpeg, MediaInfo, exiftool, foobar2000 and most players read first;
* LIST/INFO, which has no standard text encoding. Readers assume a legacy code page: exiftool
  reads cp1252 unless a CSET chunk before the LIST names another one, MediaInfo reads Latin-1
  and ignores CSET (measured: UTF-8 INFO with CSET 65001 shows "CafÃ©" in MediaInfo). So INFO
  is Latin-1, which both read right; typographic punctuation becomes its ASCII look-alike and
  any other character outside Latin-1 becomes "?", the full text being in the ID3 tag.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from albumgen_desktop.core.errors import BadInputError

RECIPE_CHUNK = b"agen"  # our JSON recipe chunk id
ID3_CHUNK = b"id3 "  # the chunk id mutagen and ffmpeg write (mutagen also reads "ID3 ")
BIT_DEPTHS = (16, 24)
MAX_META_CHUNK_BYTES = 16 * 1024 * 1024


def _chunk(chunk_id: bytes, payload: bytes) -> bytes:
    pad = b"\x00" if len(payload) % 2 else b""
    return chunk_id + struct.pack("<I", len(payload)) + payload + pad


# Characters outside Latin-1 that have a plain look-alike inside it.
_LATIN1_LOOKALIKES = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"',
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2026": "...", "\u2022": "*", "\u20ac": "EUR",
    "\u2122": "TM", "\u2009": " ", "\u202f": " ",
})  # fmt: skip


def info_text(value: str) -> bytes:
    """``value`` as LIST/INFO bytes: Latin-1, look-alikes for typographic punctuation, "?" for the rest."""
    return value.translate(_LATIN1_LOOKALIKES).encode("latin-1", "replace")


def _info_chunk(info: dict[str, str]) -> bytes:
    body = b"INFO"
    for key, value in info.items():
        if value:
            body += _chunk(key.encode("ascii"), info_text(value) + b"\x00")
    return _chunk(b"LIST", body)


def id3_tag(
    *, title: str = "", artist: str = "", genre: str = "", comment: str = "", software: str = "",
    date: str = "", extra: dict[str, str] | None = None,
) -> bytes:  # fmt: skip
    """An ID3v2.4 tag (the bytes that go into a WAV ``id3 `` chunk), every frame UTF-8.

    TIT2 title, TPE1 artist, TCON genre, COMM comment (language "eng", no description), TSSE
    software, TDRC date (ISO 8601, e.g. "2024-05-01"), one TXXX frame per ``extra`` item
    (description -> text). Empty values are left out. Built with mutagen, which also reads it back.
    """
    import io

    from mutagen.id3 import COMM, ID3, TCON, TDRC, TIT2, TPE1, TSSE, TXXX

    tags = ID3()
    for frame, value in ((TIT2, title), (TPE1, artist), (TCON, genre), (TSSE, software), (TDRC, date)):
        if value:
            tags.add(frame(encoding=3, text=[value]))
    if comment:
        tags.add(COMM(encoding=3, lang="eng", desc="", text=[comment]))
    for desc, text in (extra or {}).items():
        tags.add(TXXX(encoding=3, desc=desc, text=[text]))
    buf = io.BytesIO()
    tags.save(buf, v2_version=4, padding=lambda _info: 0)
    return buf.getvalue()


def pcm_bytes(samples: np.ndarray, bits: int) -> bytes:
    """Interleaved little-endian PCM from float samples (clipped to -1..1)."""
    clipped = np.clip(np.nan_to_num(samples, nan=0.0), -1.0, 1.0)
    if bits == 16:
        return np.rint(clipped * 32767.0).astype("<i2").tobytes()
    if bits == 24:
        ints = np.rint(clipped * 8388607.0).astype("<i4").reshape(-1)
        return ints.view(np.uint8).reshape(-1, 4)[:, :3].tobytes()
    raise BadInputError(f"WAV bit depth must be one of {BIT_DEPTHS}, got {bits}")


def wav_bytes(
    samples: np.ndarray,
    sample_rate: int,
    *,
    bits: int = 16,
    info: dict[str, str] | None = None,
    id3: bytes | None = None,
    recipe_json: str | None = None,
) -> bytes:
    """A complete WAV file. ``info`` maps RIFF INFO ids (INAM, ICMT, ISFT, …) to text; ``id3``
    is an ID3v2 tag (see ``id3_tag``) stored in an ``id3 `` chunk."""
    if samples.ndim not in (1, 2) or samples.shape[0] == 0:
        raise BadInputError("there is no audio to write")
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    if not 1 <= channels <= 2:
        raise BadInputError(f"WAV export supports mono or stereo, got {channels} channels")
    if not np.isfinite(samples).all():
        raise BadInputError("the audio contains invalid samples (NaN or infinity)")
    data = pcm_bytes(samples, bits)
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", 1, channels, sample_rate, sample_rate * block, block, bits)
    body = b"WAVE" + _chunk(b"fmt ", fmt)
    if info:
        body += _info_chunk(info)
    if id3:
        body += _chunk(ID3_CHUNK, id3)
    if recipe_json is not None:
        body += _chunk(RECIPE_CHUNK, recipe_json.encode("utf-8"))
    body += _chunk(b"data", data)
    if len(body) + 8 > 0xFFFFFFFF:
        raise BadInputError("the audio is too long for a WAV file (4 GB limit)")
    return b"RIFF" + struct.pack("<I", len(body)) + body


def read_chunks(path: Path) -> dict[bytes, bytes]:
    """Top-level chunks of a RIFF/WAVE file; the data chunk and chunks over 16 MiB are skipped."""
    chunks: dict[bytes, bytes] = {}
    with open(path, "rb") as fh:
        head = fh.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            raise BadInputError(f"{Path(path).name} is not a WAV file")
        while True:
            header = fh.read(8)
            if len(header) < 8:
                break
            chunk_id, size = header[:4], struct.unpack("<I", header[4:])[0]
            if chunk_id == b"data" or size > MAX_META_CHUNK_BYTES:
                fh.seek(size + (size % 2), 1)  # audio, or a chunk too large to be metadata: never read whole
                continue
            payload = fh.read(size)
            if len(payload) < size:
                break
            if chunk_id != b"LIST" or payload[:4] == b"INFO" or b"LIST" not in chunks:
                chunks[chunk_id] = payload  # of several LIST chunks (INFO, adtl, ...) INFO is the one kept
            if size % 2:
                fh.read(1)
    return chunks


def decode_info_text(raw: bytes) -> str:
    """One INFO value as text. INFO has no declared encoding: valid UTF-8 with non-ASCII bytes
    is taken as UTF-8 (our exports before 0.10 and many Linux tools), anything else as cp1252,
    the Windows code page INFO writers use (Latin-1 for the bytes cp1252 leaves undefined)."""
    raw = raw.split(b"\x00", 1)[0]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def read_info(path: Path) -> dict[str, str]:
    """The RIFF INFO fields as text (see ``decode_info_text``)."""
    payload = read_chunks(path).get(b"LIST", b"")
    info: dict[str, str] = {}
    if payload[:4] != b"INFO":
        return info
    pos = 4
    while pos + 8 <= len(payload):
        key = payload[pos : pos + 4].decode("ascii", "replace")
        size = struct.unpack("<I", payload[pos + 4 : pos + 8])[0]
        value = payload[pos + 8 : pos + 8 + size]
        info[key] = decode_info_text(value).strip()
        pos += 8 + size + (size % 2)
    return info


def read_recipe_json(path: Path) -> str | None:
    raw = read_chunks(path).get(RECIPE_CHUNK)
    return None if raw is None else raw.decode("utf-8", "replace")
