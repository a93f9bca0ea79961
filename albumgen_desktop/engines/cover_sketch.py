"""The weights-free sketch painter: an abstract cover that follows the Features.

* palette from valence (warm vs cool hues, light vs dark ground), energy
  (saturation and contrast) and genre (neon for synthwave, black and red for
  metal, earth for folk, navy and gold for jazz, pastels for ambient);
* composition from tempo and danceability: fast or danceable music gets
  rhythmic rings or stripes (more of them the faster it is), slow music a few
  large soft shapes with room around them; the time signature groups them;
* texture from acousticness: film grain and paper on acoustic music, clean
  gradients and glowing lines on electronic music;
* title and artist (the style field) set in a bundled font.

Deterministic for a seed; well under a second at 1024 x 1024.
"""

from __future__ import annotations

import colorsys

import numpy as np
from PIL import Image, ImageFilter

from albumgen_desktop.core.features import Features
from albumgen_desktop.core.progress import FractionCallback
from albumgen_desktop.engines.typography import set_title

GENRE_HUES: dict[str, tuple[float, float]] = {  # (main hue, accent hue) on 0..1
    "synthwave": (0.85, 0.52),
    "metal": (0.0, 0.0),
    "heavy metal": (0.0, 0.0),
    "folk": (0.08, 0.25),
    "indie folk": (0.08, 0.25),
    "jazz": (0.62, 0.12),
    "ambient": (0.55, 0.75),
    "techno": (0.6, 0.95),
    "house": (0.9, 0.1),
    "reggae": (0.33, 0.12),
}


def _rgb(h: float, s: float, v: float) -> np.ndarray:
    return np.array(colorsys.hsv_to_rgb(h % 1.0, min(max(s, 0), 1), min(max(v, 0), 1)))


def palette(f: Features, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(ground top, ground bottom, main, accent) as RGB 0..1."""
    warm = 0.02 + 0.1 * rng.random()
    cool = 0.55 + 0.15 * rng.random()
    main_hue = warm if f.valence >= 0.5 else cool
    accent_hue = main_hue + (0.5 if f.energy > 0.6 else 0.1)
    main_hue, accent_hue = GENRE_HUES.get(f.genre, (main_hue, accent_hue))
    sat = 0.25 + 0.7 * f.energy
    dark = f.valence < 0.4 or f.genre in ("synthwave", "metal", "heavy metal", "techno")
    ground_v = 0.08 + 0.1 * f.valence if dark else 0.75 + 0.2 * f.valence
    if f.genre in ("metal", "heavy metal"):
        sat = 0.9
    top = _rgb(main_hue + 0.04, sat * 0.5, ground_v)
    bottom = _rgb(main_hue - 0.04, sat * 0.7, ground_v * (0.6 if dark else 0.85))
    main = _rgb(main_hue, sat, 0.55 + 0.4 * f.energy if dark else 0.35 + 0.3 * f.energy)
    accent = _rgb(accent_hue, min(1.0, sat + 0.2), 0.95 if dark else 0.5)
    return top, bottom, main, accent


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
    top, bottom, main, accent = palette(f, rng)
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
        mask = band * (0.55 + 0.45 * group) * np.exp(-1.2 * np.hypot(x - cx, y - cy) ** 2)
        img = (
            img * (1 - mask[..., None]) + (main * (1 - group[..., None]) + accent * group[..., None]) * mask[..., None]
        )
        report(0.6)
    else:
        shapes = 2 + int(2 * f.energy)
        for i in range(shapes):
            bx, by = rng.uniform(-0.6, 0.6, size=2)
            radius = rng.uniform(0.25, 0.55) * (1.2 - 0.4 * f.energy)
            blob = np.exp(-((((x - bx) ** 2 + (y - by) ** 2) / radius**2) ** 2))
            colour = accent if i == 0 else main
            img = img * (1 - 0.85 * blob[..., None]) + colour * 0.85 * blob[..., None]
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
    else:  # glow: a blurred copy of the bright parts, added back
        glow = picture.filter(ImageFilter.GaussianBlur(size / 60))
        arr = np.asarray(picture, dtype=np.float32) + (1 - f.acousticness) * 0.6 * np.maximum(
            np.asarray(glow, dtype=np.float32) - 90, 0
        )
        picture = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    report(0.9)
    artist_text = f.style if artist is None else artist
    picture = set_title(picture, title, artist_text, font=font)
    report(1.0)
    return picture
