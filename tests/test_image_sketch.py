from __future__ import annotations

import time

import numpy as np
from PIL import Image

from albumgen_desktop.engines.image_sketch import analyse_image


def _gradient(top: tuple[int, int, int], bottom: tuple[int, int, int], size: int = 1024) -> Image.Image:
    t = np.linspace(0, 1, size)[:, None, None]
    arr = (np.array(top) * (1 - t) + np.array(bottom) * t) * np.ones((1, size, 1))
    return Image.fromarray(arr.astype(np.uint8))


def test_bright_warm_cover_reads_happier_than_dark_cold_one() -> None:
    bright, _, _ = analyse_image(_gradient((255, 200, 60), (255, 120, 40)))
    dark, _, _ = analyse_image(_gradient((10, 20, 60), (0, 0, 20)))
    assert bright.valence > dark.valence + 0.3
    assert bright.mode == "major" and dark.mode == "minor"


def test_neon_on_black_reads_as_synthwave_and_busy_texture_is_faster() -> None:
    arr = np.zeros((512, 512, 3), np.uint8)
    for offset in range(4):  # 4-pixel neon lines on black
        arr[offset::32] = (255, 0, 220)
        arr[:, offset::32] = (0, 240, 255)
    neon, _, stats = analyse_image(Image.fromarray(arr))
    assert neon.genre == "synthwave" and stats.neon > 0.04
    calm, _, _ = analyse_image(Image.new("RGB", (512, 512), (120, 110, 100)))
    assert neon.tempo_bpm > calm.tempo_bpm + 20


def test_sketch_analysis_is_fast_and_confidences_are_low() -> None:
    image = Image.fromarray(np.random.default_rng(0).integers(0, 255, (3000, 3000, 3), dtype=np.uint8))
    start = time.perf_counter()
    features, confidence, _ = analyse_image(image)
    assert time.perf_counter() - start < 1.0
    assert all(0 < c <= 0.3 for c in confidence.values())
    assert 40 <= features.tempo_bpm <= 220 and -60 <= features.loudness_db <= 0
