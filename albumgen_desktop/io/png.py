"""PNG files with their recipe inside: tEXt ``parameters`` and ``albumgen`` (iTXt when not Latin-1)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

from PIL import Image, PngImagePlugin

from albumgen_desktop.core.errors import BadInputError

PARAMETERS_KEY = "parameters"
RECIPE_KEY = "albumgen"


def png_bytes(image: Image.Image, text: dict[str, str]) -> bytes:
    if image.width <= 0 or image.height <= 0:
        raise BadInputError("there is no image to write")
    info = PngImagePlugin.PngInfo()
    for key, value in text.items():
        info.add_text(key, value)  # Pillow switches to iTXt for non-Latin-1 text
    buf = io.BytesIO()
    image.save(buf, format="PNG", pnginfo=info, optimize=False)
    return buf.getvalue()


def read_text(path: Path) -> dict[str, str]:
    """tEXt, zTXt and iTXt chunks, read from the file's chunk list without decoding pixels
    (so a decompression bomb or a damaged image still gives up its recipe, or a clear error)."""
    out: dict[str, str] = {}
    with open(path, "rb") as fh:
        if fh.read(8) != b"\x89PNG\r\n\x1a\n":
            return out
        while True:
            header = fh.read(8)
            if len(header) < 8:
                break
            size, kind = struct.unpack(">I", header[:4])[0], header[4:]
            if kind in (b"tEXt", b"zTXt", b"iTXt"):
                data = fh.read(size)
                if len(data) < size:
                    raise BadInputError(f"{Path(path).name} is a truncated PNG")
                key, value = _text_chunk(kind, data)
                if key:
                    out[key] = value
                fh.seek(4, 1)
            else:
                fh.seek(size + 4, 1)
            if kind == b"IEND":
                break
    return out


MAX_TEXT_BYTES = 4_000_000


def _inflate(data: bytes) -> bytes:
    """zlib with a size cap: a compressed text chunk must not expand into gigabytes."""
    return zlib.decompressobj().decompress(data, MAX_TEXT_BYTES)


def _text_chunk(kind: bytes, data: bytes) -> tuple[str, str]:
    key, _, rest = data.partition(b"\x00")
    try:
        if kind == b"tEXt":
            return key.decode("latin-1"), rest.decode("latin-1")
        if kind == b"zTXt":
            return key.decode("latin-1"), _inflate(rest[1:]).decode("latin-1")
        compressed, rest = rest[0], rest[2:]
        _language, _, rest = rest.partition(b"\x00")
        _translated, _, text = rest.partition(b"\x00")
        return key.decode("latin-1"), (_inflate(text) if compressed else text).decode("utf-8")
    except (zlib.error, UnicodeDecodeError, IndexError):
        return "", ""
