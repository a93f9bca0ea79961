"""PNG files with their recipe inside: tEXt ``parameters`` and ``albumgen`` (iTXt when not Latin-1)."""

from __future__ import annotations

import io
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
    try:
        with Image.open(path) as im:
            if im.format != "PNG":
                return {}
            im.load()
            return {str(k): str(v) for k, v in getattr(im, "text", {}).items()}
    except (OSError, SyntaxError, ValueError) as exc:
        raise BadInputError(f"{Path(path).name} is a damaged PNG ({exc})") from None
