from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from albumgen_desktop.cli import main
from albumgen_desktop.core.errors import BadInputError
from albumgen_desktop.core.features import Features
from albumgen_desktop.engines.cover_sketch import paint
from albumgen_desktop.engines.typography import FONTS, set_title
from albumgen_desktop.io import png
from albumgen_desktop.io.metadata import read_recipe

CONTRASTS = {
    "dark_slow_acoustic": Features(
        valence=0.15, energy=0.2, danceability=0.2, acousticness=0.9, tempo_bpm=64, genre="folk"
    ),
    "bright_fast_electronic": Features(
        valence=0.9, energy=0.9, danceability=0.85, acousticness=0.05, tempo_bpm=140, genre="house"
    ),
    "neon_synthwave": Features(
        valence=0.5, energy=0.7, danceability=0.7, acousticness=0.1, tempo_bpm=118, genre="synthwave"
    ),
    "metal": Features(valence=0.1, energy=0.95, danceability=0.4, acousticness=0.2, tempo_bpm=170, genre="metal"),
    "ambient_pastel": Features(
        valence=0.7, energy=0.15, danceability=0.1, acousticness=0.6, tempo_bpm=70, genre="ambient"
    ),
}


def test_paint_is_deterministic_and_under_a_second_at_1024() -> None:
    f = CONTRASTS["bright_fast_electronic"]
    start = time.perf_counter()
    a = paint(f, 1024, seed=4, title="Night Drive")
    assert time.perf_counter() - start < 1.0
    assert a.size == (1024, 1024)
    assert np.array_equal(np.asarray(a), np.asarray(paint(f, 1024, seed=4, title="Night Drive")))
    assert not np.array_equal(np.asarray(a), np.asarray(paint(f, 1024, seed=5, title="Night Drive")))


def test_contrasting_features_look_different() -> None:
    images = {name: np.asarray(paint(f, 256, seed=1), dtype=np.float32) for name, f in CONTRASTS.items()}
    names = list(images)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert np.abs(images[a] - images[b]).mean() > 12, (a, b)
    assert images["bright_fast_electronic"].mean() > images["metal"].mean() + 40


def test_title_is_legible_on_light_and_dark_grounds() -> None:
    for colour in ((250, 250, 250), (5, 5, 5)):
        plain = Image.new("RGB", (512, 512), colour)
        titled = np.asarray(set_title(plain, "Night Drive", "The Artist"), dtype=np.float32)
        band = titled[380:500].mean(axis=2)
        # light glyphs over a dark halo: both extremes are present where the title sits
        assert band.max() > 235 and band.min() < 60


def test_every_bundled_font_renders_and_bad_choices_are_refused() -> None:
    for font in FONTS:
        set_title(Image.new("RGB", (512, 512)), "Título Ünïcode", font=font)
    with pytest.raises(BadInputError):
        set_title(Image.new("RGB", (64, 64)), "x", font="comic")
    with pytest.raises(BadInputError):
        set_title(Image.new("RGB", (64, 64)), "x", placement="left")


def test_cli_cover_sketch_writes_png_with_both_chunks(tmp_path: Path) -> None:
    import soundfile as sf

    from tests.synth import synth_song

    track = tmp_path / "track.wav"
    sf.write(track, synth_song(120, 9, "minor", seconds=6), 22050)
    out = tmp_path / "x.png"
    assert (
        main(["cover", str(track), "-o", str(out), "--engine", "sketch", "--title", "Night Drive", "--size", "512"])
        == 0
    )
    text = png.read_text(out)
    assert text["parameters"].startswith('album cover art for "Night Drive"')
    recipe = read_recipe(out)
    assert recipe.kind == "cover" and recipe.title == "Night Drive" and recipe.features.key == 9
    assert Image.open(out).size == (512, 512)
