"""WAV files with their recipe inside: PCM 16/24-bit, a RIFF LIST/INFO chunk, and the recipe JSON.

We write the RIFF structure ourselves (it is small and fully specified) so the
metadata chunks sit before the audio, where players that read only the first
kilobytes still find them; every decoder skips chunks it does not know.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from albumgen_desktop.core.errors import BadInputError

RECIPE_CHUNK = b"agen"  # our JSON recipe chunk id
BIT_DEPTHS = (16, 24)


def _chunk(chunk_id: bytes, payload: bytes) -> bytes:
    pad = b"\x00" if len(payload) % 2 else b""
    return chunk_id + struct.pack("<I", len(payload)) + payload + pad


def _info_chunk(info: dict[str, str]) -> bytes:
    body = b"INFO"
    for key, value in info.items():
        if value:
            body += _chunk(key.encode("ascii"), value.encode("utf-8") + b"\x00")
    return _chunk(b"LIST", body)


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
    recipe_json: str | None = None,
) -> bytes:
    """A complete WAV file. ``info`` maps RIFF INFO ids (INAM, ICMT, ISFT, …) to text."""
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
    if recipe_json is not None:
        body += _chunk(RECIPE_CHUNK, recipe_json.encode("utf-8"))
    body += _chunk(b"data", data)
    if len(body) + 8 > 0xFFFFFFFF:
        raise BadInputError("the audio is too long for a WAV file (4 GB limit)")
    return b"RIFF" + struct.pack("<I", len(body)) + body


def read_chunks(path: Path) -> dict[bytes, bytes]:
    """Top-level chunks of a RIFF/WAVE file (the data chunk's payload is skipped)."""
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
            if chunk_id == b"data":
                fh.seek(size + (size % 2), 1)
                continue
            payload = fh.read(size)
            if len(payload) < size:
                break
            chunks[chunk_id] = payload
            if size % 2:
                fh.read(1)
    return chunks


def read_info(path: Path) -> dict[str, str]:
    """The RIFF INFO fields as text."""
    payload = read_chunks(path).get(b"LIST", b"")
    info: dict[str, str] = {}
    if payload[:4] != b"INFO":
        return info
    pos = 4
    while pos + 8 <= len(payload):
        key = payload[pos : pos + 4].decode("ascii", "replace")
        size = struct.unpack("<I", payload[pos + 4 : pos + 8])[0]
        value = payload[pos + 8 : pos + 8 + size]
        info[key] = value.rstrip(b"\x00").decode("utf-8", "replace")
        pos += 8 + size + (size % 2)
    return info


def read_recipe_json(path: Path) -> str | None:
    raw = read_chunks(path).get(RECIPE_CHUNK)
    return None if raw is None else raw.decode("utf-8", "replace")
