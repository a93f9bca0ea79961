"""Weights-free cover analysis: colour and texture statistics mapped to Features.

Mood comes from colour-emotion research, read in CIELAB (lightness L* and chroma C*, the
standard stand-ins for the Munsell value and chroma those studies used):

* Valdez & Mehrabian 1994 (J. Exp. Psychol. General 123:394): pleasure rises with
  brightness and, less, with saturation (standardised weights .69 and .22); arousal rises
  with saturation and falls with brightness (.60 and -.31).
* Palmer, Schloss, Xu & Prado-Leon 2013 (PNAS 110:8836): faster music in the major mode goes
  with lighter, more saturated, yellower colours; slower minor music with darker,
  desaturated, bluer ones.
* Whiteford, Schloss, Helwig & Palmer 2018 (i-Perception 9(6)): loud, punchy, distorted,
  agitated music goes with darker, redder, more saturated colours.

So (each 0..1 unless noted; all are sketches, reported with low confidence):

* valence = 0.1 + 0.69 L + 0.22 C + 0.15 yellow - 0.25 red (1 - L) - 0.1 contrast
  (the V&M weights; yellow lifts and dark red lowers it, after Palmer and Whiteford)
* energy  = 0.25 + 0.6 C - 0.31 (L - 0.5) + 0.25 contrast + 0.2 edges + 0.2 red C
  (the V&M weights, plus redness after Whiteford; contrast and edge density as visual
  activity are our own assumption)
* mode    = major when valence >= 0.5, else minor (Palmer: darker, bluer, greyer = minor)
* danceability = 0.5 * saturation + 0.3 * edge density + 0.2 * warmth
* acousticness = 1 - (0.5 * saturation + 0.3 * edge density + 0.2 * neon), where neon
  is the share of very saturated, bright magenta/cyan pixels
* tempo    = 70 + 90 * (0.6 * edge density + 0.4 * energy) BPM
* loudness = -20 + 14 * contrast dB
* key      = the dominant hue around the colour wheel, laid on the circle of fifths
  (red C, orange G, yellow D, ... a synaesthetic convention, not a measurement)
* genre    = a rule on the HSV statistics (neon on dark: synthwave; dark and harsh: metal;
  very dark and calm, or grey and still: ambient; pale and soft: indie pop; muted warm: folk; grey and busy:
  jazz; bright and saturated: pop; otherwise rock).

L is mean L*/100, C mean C*/100 (capped at 1), contrast the RMS contrast of L* (2.5 sd/100,
capped), and red/yellow the chroma-weighted shares of pixels whose CIELAB hue angle is red
(340..65 degrees) or yellow (65..115), scaled down for images with mean chroma under 20 so
that a grey picture has no colour to speak of; warmth is red + yellow.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageCms

from albumgen_desktop.core.features import Features

ANALYSIS_SIZE = 256
LAB_SIZE = 128
_FIFTHS = (0, 7, 2, 9, 4, 11, 6, 1, 8, 3, 10, 5)  # C G D A E B F# C# G# D# A# F
_RED_DEG = (340.0, 65.0)
_YELLOW_DEG = (65.0, 115.0)
_BLUE_DEG = (200.0, 320.0)
_CHROMA_FLOOR = 20.0  # C* below which an image counts as (partly) grey for the hue shares


@dataclass(frozen=True)
class ImageStats:
    brightness: float  # HSV value, mean (genre rules)
    saturation: float  # HSV saturation, mean (genre rules)
    contrast: float
    edges: float
    warmth: float
    neon: float
    hue: float  # 0..1 around the wheel, weighted by saturation
    lightness: float  # CIELAB L*/100, mean
    chroma: float  # CIELAB C*/100, mean, capped at 1
    redness: float  # chroma-weighted share of red hues
    yellowness: float
    blueness: float


@lru_cache(maxsize=1)
def _srgb_to_lab() -> ImageCms.ImageCmsTransform:
    return ImageCms.buildTransformFromOpenProfiles(
        ImageCms.createProfile("sRGB"), ImageCms.createProfile("LAB"), "RGB", "LAB"
    )


def _lab(small: Image.Image) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(L* 0..100, C* >= 0, hue angle 0..360 degrees) per pixel, through Little CMS (Pillow)."""
    lab = ImageCms.applyTransform(small, _srgb_to_lab())
    assert lab is not None
    raw = np.asarray(lab)
    lightness = raw[..., 0].astype(np.float64) * (100.0 / 255.0)
    a = raw[..., 1].view(np.int8).astype(np.float64)  # Pillow stores a*, b* as signed bytes
    b = raw[..., 2].view(np.int8).astype(np.float64)
    return lightness, np.hypot(a, b), np.degrees(np.arctan2(b, a)) % 360.0


def _hue_share(chroma: np.ndarray, angle: np.ndarray, band: tuple[float, float]) -> float:
    lo, hi = band
    inside = (angle >= lo) & (angle < hi) if lo < hi else (angle >= lo) | (angle < hi)
    return float((chroma * inside).sum() / max(chroma.sum(), _CHROMA_FLOOR * chroma.size))


def image_stats(image: Image.Image) -> ImageStats:
    """The statistics the sketch reading rests on, from a 256 x 256 copy of ``image``."""
    small = image.convert("RGB").resize((ANALYSIS_SIZE, ANALYSIS_SIZE), Image.Resampling.BILINEAR)
    hsv = np.asarray(small.convert("HSV"), dtype=np.float64) / 255.0
    h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    grey = np.asarray(small.convert("L"), dtype=np.float64) / 255.0
    gx = np.abs(np.diff(grey, axis=1)).mean()
    gy = np.abs(np.diff(grey, axis=0)).mean()
    weights = s * v + 1e-6
    angle = 2 * np.pi * h
    hue = (np.arctan2((np.sin(angle) * weights).sum(), (np.cos(angle) * weights).sum()) / (2 * np.pi)) % 1.0
    neon_mask = (s > 0.6) & (v > 0.6) & (((h > 0.45) & (h < 0.55)) | ((h > 0.78) & (h < 0.92)))
    # colour statistics are means and shares: a 128 px copy moves them by under 0.05 (the test covers), at a quarter of the cost
    lightness, chroma, hue_deg = _lab(small.resize((LAB_SIZE, LAB_SIZE), Image.Resampling.BILINEAR))
    redness = _hue_share(chroma, hue_deg, _RED_DEG)
    yellowness = _hue_share(chroma, hue_deg, _YELLOW_DEG)
    return ImageStats(
        brightness=float(v.mean()),
        saturation=float(s.mean()),
        contrast=float(min(1.0, lightness.std() / 100.0 * 2.5)),
        edges=float(min(1.0, (gx + gy) * 6)),
        warmth=redness + yellowness,  # a grey picture has none (no hue is "warm" without chroma)
        neon=float(neon_mask.mean()),
        hue=float(hue),
        lightness=float(lightness.mean() / 100.0),
        chroma=float(min(1.0, chroma.mean() / 100.0)),
        redness=redness,
        yellowness=yellowness,
        blueness=_hue_share(chroma, hue_deg, _BLUE_DEG),
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
    if st.saturation < 0.1 and st.contrast < 0.2 and st.edges < 0.1:
        return "ambient"
    if st.saturation < 0.35 and st.warmth > 0.5:
        return "folk"
    if st.saturation < 0.15 and st.edges > 0.35:
        return "jazz"
    if st.saturation > 0.5 and st.brightness > 0.55:
        return "pop"
    return "rock"


def valence_of(st: ImageStats) -> float:
    """Pleasure from colour, 0..1: Valdez & Mehrabian's weights on lightness and chroma, lifted by
    yellow (Palmer et al. 2013), lowered by dark red (Whiteford et al. 2018) and by harsh contrast."""
    raw = (
        0.1 + 0.69 * st.lightness + 0.22 * st.chroma + 0.15 * st.yellowness
        - 0.25 * st.redness * (1.0 - st.lightness) - 0.1 * st.contrast
    )  # fmt: skip
    return float(np.clip(raw, 0.0, 1.0))


def energy_of(st: ImageStats) -> float:
    """Arousal from colour and texture, 0..1: Valdez & Mehrabian's weights (chroma up, lightness
    down), saturated red up (Whiteford et al. 2018), contrast and edge density up (our assumption)."""
    raw = (
        0.25 + 0.6 * st.chroma - 0.31 * (st.lightness - 0.5) + 0.25 * st.contrast + 0.2 * st.edges
        + 0.2 * st.redness * st.chroma
    )  # fmt: skip
    return float(np.clip(raw, 0.0, 1.0))


def analyse_colours(image: Image.Image) -> tuple[Features, dict[str, float], ImageStats]:
    """(Features, confidence per feature 0..1, the statistics they came from) for a cover."""
    st = image_stats(image)
    valence = valence_of(st)
    energy = energy_of(st)
    features = Features(
        valence=valence,
        energy=energy,
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
