"""The weights-free sketch painter: an abstract cover that follows the Features.

* palette: core/palette.py's (music-colour associations, or the genre's own colours), the same
  one the cover prompt names, so the painting shows the colours the prompt says: the ground
  colour fills the picture (a slight light-to-dark gradient of it), the main colour the shapes,
  the accent every time-signature group's shape;
* composition from tempo and danceability: fast or danceable music gets
  rhythmic rings or stripes (more of them the faster it is), slow music a few
  large soft shapes with room around them; the time signature groups them;
* texture from acousticness: film grain and paper on acoustic music, a soft glow of the shapes
  on electronic music (a "lighten" blend, so it brightens without adding new colours);
* title and artist (the style field) set in a bundled font.

The sketch follows the Features only; prompt text is for the neural engines.
Deterministic for a seed; well under a second at 1024 x 1024.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter

from albumgen_desktop.core.features import Features
from albumgen_desktop.core.palette import cover_palette
from albumgen_desktop.core.progress import FractionCallback
from albumgen_desktop.engines.typography import set_title

# How far the ground's gradient runs above and below the ground colour (a share of its value):
# enough to give depth, small enough to stay that colour (under 6 CIELAB units).
GROUND_SPREAD = 0.07


def palette(f: Features) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(ground top, ground bottom, main, accent) as RGB 0..1, from core/palette.py's cover_palette."""
    chosen = cover_palette(f)
    ground = np.array(chosen.ground.rgb01)
    top = np.clip(ground * (1 + GROUND_SPREAD) + 0.02, 0, 1)
    bottom = np.clip(ground * (1 - GROUND_SPREAD), 0, 1)
    return top, bottom, np.array(chosen.main.rgb01), np.array(chosen.accent.rgb01)


def paint(
    f: Features,
    size: int = 1024,
    seed: int = 0,
    title: str = "",
    artist: str | None = None,
    font: str = "sans",
    on_progress: FractionCallback | None = None,
) -> Image.Image:
    """A ``size`` x ``size`` RGB cover for ``f``, deterministic for ``seed``.

    ``on_progress`` gets the fraction 0..1 painted after the ground, each shape, the texture
    and the type.
    """
    report = on_progress or (lambda _: None)
    rng = np.random.default_rng(seed)
    top, bottom, main, accent = palette(f)
    y, x = np.mgrid[0:size, 0:size].astype(np.float32) / (size - 1) * 2 - 1
    t = (y + 1) / 2
    img = top[None, None, :] * (1 - t[..., None]) + bottom[None, None, :] * t[..., None]
    report(0.15)
    cx, cy = rng.uniform(-0.35, 0.35, size=2)
    rhythmic = f.danceability >= 0.55 or f.tempo_bpm >= 118
    if rhythmic:
        freq = 2 + f.tempo_bpm / 25
        if rng.random() < 0.5:
            field = np.hypot(x - cx, y - cy)  # rings
        else:
            angle = rng.uniform(0, np.pi)
            field = x * np.cos(angle) + y * np.sin(angle)  # stripes
        wave = 0.5 + 0.5 * np.sin(2 * np.pi * freq * field + rng.uniform(0, 2 * np.pi))
        group = (np.floor(freq * field) % f.time_signature == 0).astype(np.float32)
        sharp = 6 + 20 * f.energy
        band = 1 / (1 + np.exp(-sharp * (wave - 0.55)))
        # full strength over the middle of the picture, fading towards the edges (ground shows there)
        mask = band * np.clip(1.8 * np.exp(-1.2 * np.hypot(x - cx, y - cy) ** 2), 0, 1)
        img = (
            img * (1 - mask[..., None]) + (main * (1 - group[..., None]) + accent * group[..., None]) * mask[..., None]
        )
        report(0.6)
    else:
        shapes = 2 + int(2 * f.energy)
        for i in range(shapes):
            bx, by = rng.uniform(-0.6, 0.6, size=2)
            # the accent (first) shape is never the smallest, so its colour is always there to see
            radius = rng.uniform(0.35 if i == 0 else 0.25, 0.55) * (1.2 - 0.4 * f.energy)
            blob = np.exp(-((((x - bx) ** 2 + (y - by) ** 2) / radius**2) ** 2))
            colour = accent if i == 0 else main
            img = img * (1 - 0.95 * blob[..., None]) + colour * 0.95 * blob[..., None]
            report(0.15 + 0.45 * (i + 1) / shapes)
    img = np.clip(img, 0, 1)
    picture = Image.fromarray((img * 255).astype(np.uint8))
    if f.acousticness >= 0.5:  # paper and film grain
        grain = rng.normal(0, 0.06 * f.acousticness, (size, size, 1))
        fibres = (
            np.asarray(
                Image.fromarray((rng.random((size // 4, size // 4)) * 255).astype(np.uint8)).resize(
                    (size, size), Image.Resampling.BICUBIC
                ),
                dtype=np.float32,
            )[..., None]
            / 255
        )
        arr = np.asarray(picture, dtype=np.float32) / 255 * (0.92 + 0.08 * fibres) + grain
        picture = Image.fromarray((np.clip(arr, 0, 1) * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.6))
    else:  # glow: a blurred copy of the picture, kept only where it is lighter ("lighten" blend)
        glow = np.asarray(picture.filter(ImageFilter.GaussianBlur(size / 60)), dtype=np.float32)
        arr = np.asarray(picture, dtype=np.float32)
        strength = 0.6 * (1 - f.acousticness)
        arr = arr + strength * np.maximum(glow - arr, 0)
        picture = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    report(0.9)
    artist_text = f.style if artist is None else artist
    picture = set_title(picture, title, artist_text, font=font)
    report(1.0)
    return picture
