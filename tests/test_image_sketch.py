from __future__ import annotations

import time

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFilter

from albumgen_desktop.core.prompts import mood_words
from albumgen_desktop.engines.image_sketch import analyse_colours


def _gradient(top: tuple[int, ...], bottom: tuple[int, ...], size: int = 1024) -> Image.Image:
    t = np.linspace(0, 1, size)[:, None, None]
    arr = (np.array(top) * (1 - t) + np.array(bottom) * t) * np.ones((1, size, 1))
    return Image.fromarray(arr.astype(np.uint8))


def test_bright_warm_cover_reads_happier_than_dark_cold_one() -> None:
    bright, _, _ = analyse_colours(_gradient((255, 200, 60), (255, 120, 40)))
    dark, _, _ = analyse_colours(_gradient((10, 20, 60), (0, 0, 20)))
    assert bright.valence > dark.valence + 0.3
    assert bright.mode == "major" and dark.mode == "minor"


def test_neon_on_black_reads_as_synthwave_and_busy_texture_is_faster() -> None:
    arr = np.zeros((512, 512, 3), np.uint8)
    for offset in range(4):  # 4-pixel neon lines on black
        arr[offset::32] = (255, 0, 220)
        arr[:, offset::32] = (0, 240, 255)
    neon, _, stats = analyse_colours(Image.fromarray(arr))
    assert neon.genre == "synthwave" and stats.neon > 0.04
    calm, _, _ = analyse_colours(Image.new("RGB", (512, 512), (120, 110, 100)))
    assert neon.tempo_bpm > calm.tempo_bpm + 20


def test_sketch_analysis_is_fast_and_confidences_are_low() -> None:
    image = Image.fromarray(np.random.default_rng(0).integers(0, 255, (3000, 3000, 3), dtype=np.uint8))
    start = time.perf_counter()
    features, confidence, _ = analyse_colours(image)
    assert time.perf_counter() - start < 1.0
    assert all(0 < c <= 0.3 for c in confidence.values())
    assert 40 <= features.tempo_bpm <= 220 and -60 <= features.loudness_db <= 0


# --- colour-emotion directions on synthetic covers ------------------------------------------
# Four kinds of cover with a known direction (Valdez & Mehrabian 1994; Palmer et al. 2013;
# Whiteford et al. 2018), each drawn in several shades so that the test checks the kind, not
# one picture. Assertions are orderings between kinds, never single magic values.

SIZE = 384


def _silhouette(draw: ImageDraw.ImageDraw, fill: tuple[int, int, int]) -> None:
    s = SIZE / 512
    draw.ellipse((206 * s, 90 * s, 306 * s, 200 * s), fill=fill)  # head
    draw.polygon([(256 * s, 190 * s), (120 * s, SIZE), (392 * s, SIZE)], fill=fill)  # shoulders


def dark_red_silhouette(shade: int) -> Image.Image:
    """A black figure against a deep red sky (even shades) or a red figure on black (odd)."""
    red = 110 + 25 * shade
    if shade % 2 == 0:
        image = _gradient((red, 10, 6), (red // 5, 0, 0), SIZE)
        _silhouette(ImageDraw.Draw(image), (6, 0, 0))
        return image
    image = Image.new("RGB", (SIZE, SIZE), (8, 4, 4))
    _silhouette(ImageDraw.Draw(image), (red, 14, 10))
    return image.filter(ImageFilter.GaussianBlur(1.5))


def pastel_bright(shade: int) -> Image.Image:
    rng = np.random.default_rng(shade)
    image = Image.new("RGB", (SIZE, SIZE), (246, 240, 232))
    draw = ImageDraw.Draw(image)
    for colour in [(255, 200, 215), (190, 220, 250), (255, 245, 185), (200, 240, 205)][: 2 + shade % 3]:
        x, y = rng.uniform(0.2, 0.8, 2) * SIZE
        r = rng.uniform(0.15, 0.3) * SIZE
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    return image.filter(ImageFilter.GaussianBlur(10))


def grey_low_contrast(shade: int) -> Image.Image:
    level = 100 + 12 * shade
    image = _gradient((level + 12,) * 3, (level - 8,) * 3, SIZE)
    ImageDraw.Draw(image).rectangle((SIZE // 3, SIZE // 3, 2 * SIZE // 3, 2 * SIZE // 3), fill=(level,) * 3)
    return image


def saturated_neon(shade: int) -> Image.Image:
    arr = np.zeros((SIZE, SIZE, 3), np.uint8)
    arr[:] = (20, 0, 40)
    colours = [(255, 0, 220), (0, 240, 255), (160, 255, 0), (255, 40, 120)]
    step = 16 + 8 * shade
    for i in range(0, SIZE, step):
        arr[i : i + step // 2] = colours[(i // step + shade) % len(colours)]
    return Image.fromarray(arr)


SHADES = range(4)
KINDS = {"dark red": dark_red_silhouette, "pastel": pastel_bright, "grey": grey_low_contrast, "neon": saturated_neon}


@pytest.fixture(scope="module")
def readings() -> dict[str, list]:
    return {kind: [analyse_colours(draw(shade))[0] for shade in SHADES] for kind, draw in KINDS.items()}


def test_dark_red_silhouettes_read_tense_low_valence_and_minor(readings: dict[str, list]) -> None:
    for f in readings["dark red"]:
        assert f.mode == "minor", f
        # the low-valence row of the circumplex, with at least middling energy: brooding/tense or dark/aggressive
        assert mood_words(f) in (("brooding", "tense"), ("dark", "aggressive")), (mood_words(f), f)
    for f in readings["pastel"]:
        assert f.mode == "major", f


def test_valence_orders_pastel_over_grey_over_dark_red(readings: dict[str, list]) -> None:
    worst = {kind: min(f.valence for f in fs) for kind, fs in readings.items()}
    best = {kind: max(f.valence for f in fs) for kind, fs in readings.items()}
    assert worst["pastel"] > best["grey"] > best["dark red"]
    assert worst["neon"] > best["dark red"]


def test_energy_orders_neon_and_dark_red_over_grey_and_pastel(readings: dict[str, list]) -> None:
    calm = max(f.energy for kind in ("grey", "pastel") for f in readings[kind])
    assert min(f.energy for f in readings["dark red"]) > calm
    assert min(f.energy for f in readings["neon"]) > calm
    assert min(f.energy for f in readings["neon"]) > max(f.energy for f in readings["grey"]) + 0.3


def test_a_grey_picture_has_no_warmth() -> None:
    _, _, stats = analyse_colours(grey_low_contrast(1))
    assert stats.warmth == 0.0 and stats.chroma < 0.01


def test_sketch_painter_and_reader_agree_on_valence() -> None:
    """A sad cover painted by the sketch painter reads sadder than a happy one (a round trip)."""
    from albumgen_desktop.core.features import Features
    from albumgen_desktop.engines.cover_sketch import paint

    def read(valence: float) -> float:
        return float(
            np.mean([analyse_colours(paint(Features(valence=valence), 256, seed=s))[0].valence for s in range(3)])
        )

    assert read(0.1) < read(0.9) - 0.2
