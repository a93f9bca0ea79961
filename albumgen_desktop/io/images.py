"""Loading pictures people drop in, whatever their format, safely."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from albumgen_desktop.core.errors import BadInputError
from albumgen_desktop.io.files import check_input_file

MAX_PIXELS = 64_000_000  # 8000 x 8000; covers are rarely above 25 MP
_BACKGROUND = (255, 255, 255)


def _high_bit_depth_to_l(im: Image.Image) -> Image.Image:
    arr = np.asarray(im, dtype=np.float64)
    if im.mode.startswith("I;16"):
        scaled = arr / 257.0
    else:
        lo, hi = (float(arr.min()), float(arr.max())) if arr.size else (0.0, 1.0)
        scaled = (arr - lo) * (255.0 / (hi - lo)) if hi > lo else np.zeros_like(arr)
    return Image.fromarray(np.clip(np.rint(scaled), 0, 255).astype(np.uint8), mode="L")


def to_rgb(im: Image.Image) -> Image.Image:
    """Any Pillow mode to RGB; transparency is flattened onto white."""
    if im.mode == "RGB":
        return im
    if im.mode in ("I", "F") or im.mode.startswith("I;16"):
        return _high_bit_depth_to_l(im).convert("RGB")
    if im.mode == "P" and "transparency" in im.info:
        im = im.convert("RGBA")
    if im.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        rgba = im.convert("RGBA")
        base = Image.new("RGBA", rgba.size, _BACKGROUND + (255,))
        return Image.alpha_composite(base, rgba).convert("RGB")
    return im.convert("RGB")


def load_image(path: str | Path, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Open an image as RGB: EXIF orientation applied, first frame of an animation."""
    path = Path(path)
    check_input_file(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                width, height = im.size
                if width <= 0 or height <= 0:
                    raise BadInputError(f"{path.name} has no pixels")
                if width * height > max_pixels:
                    raise BadInputError(
                        f"{path.name} is {width}x{height} pixels, more than the {max_pixels // 1_000_000} MP limit"
                    )
                if getattr(im, "n_frames", 1) > 1:
                    im.seek(0)
                im.load()
                oriented = ImageOps.exif_transpose(im) or im
                return to_rgb(oriented).copy()
    except BadInputError:
        raise
    except UnidentifiedImageError:
        raise BadInputError(
            f"{path.name} is not an image format AlbumGen can read (PNG, JPEG, WebP, GIF, TIFF, BMP)"
        ) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadInputError(f"{path.name} declares too many pixels to load safely") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise BadInputError(f"{path.name} is damaged or truncated and cannot be read ({exc})") from None
