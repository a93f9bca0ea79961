"""Weights-free cover analysis: colour and texture statistics mapped to Features.

The mapping (each value 0..1 unless noted; all are sketches, reported with low confidence):

* valence  = 0.45 * brightness + 0.35 * warmth + 0.2 * saturation
* energy   = 0.4 * saturation + 0.35 * contrast + 0.25 * edge density
* danceability = 0.5 * saturation + 0.3 * edge density + 0.2 * warmth
* acousticness = 1 - (0.5 * saturation + 0.3 * edge density + 0.2 * neon), where neon
  is the share of very saturated, bright magenta/cyan pixels
* tempo    = 70 + 90 * (0.6 * edge density + 0.4 * energy) BPM
* loudness = -20 + 14 * contrast dB
* mode     = major when valence >= 0.5, else minor
* key      = the dominant hue around the colour wheel, laid on the circle of fifths
  (red C, orange G, yellow D, ... a synaesthetic convention, not a measurement)
* genre    = a rule on the same statistics (neon on dark: synthwave; dark and
  harsh: metal; very dark and calm: ambient; pale and soft: indie pop; muted
  warm: folk; grey and busy: jazz; bright and saturated: pop; otherwise rock).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from albumgen_desktop.core.features import Features

ANALYSIS_SIZE = 256
_FIFTHS = (0, 7, 2, 9, 4, 11, 6, 1, 8, 3, 10, 5)  # C G D A E B F# C# G# D# A# F


@dataclass(frozen=True)
class ImageStats:
    brightness: float
    saturation: float
    contrast: float
    edges: float
    warmth: float
    neon: float
    hue: float  # 0..1 around the wheel, weighted by saturation


def image_stats(image: Image.Image) -> ImageStats:
    small = image.convert("RGB").resize((ANALYSIS_SIZE, ANALYSIS_SIZE), Image.Resampling.BILINEAR)
    hsv = np.asarray(small.convert("HSV"), dtype=np.float64) / 255.0
    h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    grey = np.asarray(small.convert("L"), dtype=np.float64) / 255.0
    gx = np.abs(np.diff(grey, axis=1)).mean()
    gy = np.abs(np.diff(grey, axis=0)).mean()
    weights = s * v + 1e-6
    angle = 2 * np.pi * h
    hue = (np.arctan2((np.sin(angle) * weights).sum(), (np.cos(angle) * weights).sum()) / (2 * np.pi)) % 1.0
    # Warm hues: reds through yellows (0..0.17 and 0.92..1 on PIL's 0..1 wheel).
    warm_mask = (h < 0.17) | (h > 0.92)
    warmth = float((warm_mask * weights).sum() / weights.sum())
    neon_mask = (s > 0.6) & (v > 0.6) & (((h > 0.45) & (h < 0.55)) | ((h > 0.78) & (h < 0.92)))
    return ImageStats(
        brightness=float(v.mean()),
        saturation=float(s.mean()),
        contrast=float(min(1.0, grey.std() * 3.5)),
        edges=float(min(1.0, (gx + gy) * 6)),
        warmth=warmth,
        neon=float(neon_mask.mean()),
        hue=float(hue),
    )


def _genre(st: ImageStats) -> str:
    if st.neon > 0.04 and st.brightness < 0.5:
        return "synthwave"
    if st.brightness < 0.3 and st.contrast > 0.5:
        return "metal"
    if st.brightness < 0.3:
        return "ambient"
    if st.brightness > 0.7 and st.saturation < 0.3:
        return "indie pop"
    if st.saturation < 0.35 and st.warmth > 0.5:
        return "folk"
    if st.saturation < 0.15 and st.edges > 0.35:
        return "jazz"
    if st.saturation > 0.5 and st.brightness > 0.55:
        return "pop"
    return "rock"


def analyse_image(image: Image.Image) -> tuple[Features, dict[str, float], ImageStats]:
    """(Features, confidence per feature, the statistics they came from)."""
    st = image_stats(image)
    valence = 0.45 * st.brightness + 0.35 * st.warmth + 0.2 * st.saturation
    energy = 0.4 * st.saturation + 0.35 * st.contrast + 0.25 * st.edges
    features = Features(
        valence=float(np.clip(valence, 0, 1)),
        energy=float(np.clip(energy, 0, 1)),
        danceability=float(np.clip(0.5 * st.saturation + 0.3 * st.edges + 0.2 * st.warmth, 0, 1)),
        acousticness=float(np.clip(1 - (0.5 * st.saturation + 0.3 * st.edges + 0.2 * min(1.0, st.neon * 10)), 0, 1)),
        instrumentalness=0.5,
        liveness=0.1,
        speechiness=0.05,
        tempo_bpm=float(70 + 90 * np.clip(0.6 * st.edges + 0.4 * energy, 0, 1)),
        loudness_db=float(-20 + 14 * st.contrast),
        key=_FIFTHS[int(round(st.hue * 12)) % 12],
        mode="major" if valence >= 0.5 else "minor",
        time_signature=4,
        genre=_genre(st),
    )
    confidence = {
        name: 0.25 for name in ("valence", "energy", "danceability", "acousticness", "tempo_bpm", "loudness_db")
    }
    confidence.update(
        key=0.1, mode=0.2, genre=0.2, time_signature=0.1, instrumentalness=0.1, liveness=0.1, speechiness=0.1
    )
    return features, confidence, st


SKETCH_EMBEDDING = "sketch-v1"


def sketch_embedding(image: Image.Image) -> np.ndarray:
    """A weights-free cover descriptor for the reference library, unit length (cosine ready):
    a hue x saturation x value histogram (72), the mean colour of a 4 x 4 grid (48) and a
    gradient-orientation histogram (8), each square-rooted so that big bins do not swamp
    the rest (the Hellinger trick)."""
    small = image.convert("RGB").resize((64, 64), Image.Resampling.BILINEAR)
    hsv = np.asarray(small.convert("HSV"), dtype=np.float64) / 255.0
    h = np.minimum((hsv[..., 0] * 8).astype(int), 7)
    s = np.minimum((hsv[..., 1] * 3).astype(int), 2)
    v = np.minimum((hsv[..., 2] * 3).astype(int), 2)
    hist = np.bincount((h * 9 + s * 3 + v).ravel(), minlength=72) / h.size
    rgb = np.asarray(small, dtype=np.float64) / 255.0
    grid = rgb.reshape(4, 16, 4, 16, 3).mean(axis=(1, 3)).ravel() / 4
    grey = rgb.mean(axis=2)
    gy, gx = np.gradient(grey)
    magnitude = np.hypot(gx, gy)
    orientation = np.minimum(((np.arctan2(gy, gx) % np.pi) / np.pi * 8).astype(int), 7)
    edges = np.bincount(orientation.ravel(), weights=magnitude.ravel(), minlength=8)
    edges = edges / (magnitude.sum() + 1e-9) * min(1.0, magnitude.mean() * 20)
    vec = np.sqrt(np.concatenate([hist, grid, edges]))
    return (vec / (np.linalg.norm(vec) + 1e-12)).astype(np.float32)
