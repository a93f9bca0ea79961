"""One palette source: the colours the cover prompt names are the colours the sketch painter paints.

The painted picture is read back in CIELAB through Little CMS (Pillow's ImageCms, the same
conversion the cover reading uses), and each pixel is matched to the nearest named colour.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from PIL import Image, ImageCms

from albumgen_desktop.core.features import Features
from albumgen_desktop.core.palette import GENRE_PALETTES, LIGHT_GROUND_Y, Palette, cover_palette, relative_luminance
from albumgen_desktop.core.prompts import cover_prompt
from albumgen_desktop.engines.cover_sketch import paint
from tests.strategies import features

# A CIELAB distance (CIE76) under which two colours read as the same named colour: ISCC-NBS
# name blocks are roughly this wide around their centroids in the mid-lightness range.
SAME_COLOUR = 20.0

KINDS = {
    "dark, tense": Features(valence=0.1, energy=0.9, danceability=0.4, acousticness=0.2, tempo_bpm=150),
    "pastel, calm": Features(valence=0.9, energy=0.1, danceability=0.2, acousticness=0.7, tempo_bpm=70),
    "bright, happy": Features(valence=0.9, energy=0.9, danceability=0.8, acousticness=0.2, tempo_bpm=128),
    "neon, energetic": Features(
        valence=0.6, energy=0.9, danceability=0.8, acousticness=0.05, tempo_bpm=118, genre="synthwave"
    ),
    "sad, calm": Features(valence=0.1, energy=0.1, danceability=0.2, acousticness=0.9, tempo_bpm=64),
    "no input": Features(),
}


def _lab(image: Image.Image) -> np.ndarray:
    """(N, 3) L*, a*, b* per pixel, through Little CMS."""
    transform = ImageCms.buildTransformFromOpenProfiles(
        ImageCms.createProfile("sRGB"), ImageCms.createProfile("LAB"), "RGB", "LAB"
    )
    raw = np.asarray(ImageCms.applyTransform(image.convert("RGB"), transform))
    lab = np.stack(
        [raw[..., 0] * (100 / 255), raw[..., 1].view(np.int8).astype(float), raw[..., 2].view(np.int8).astype(float)],
        axis=-1,
    )
    return lab.reshape(-1, 3)


def _shares(image: Image.Image, palette: Palette) -> tuple[float, list[float]]:
    """(share of pixels within SAME_COLOUR of a palette colour, share nearest to each colour)."""
    pixels = _lab(image)
    swatches = _lab(Image.fromarray(np.array([[c.rgb for c in palette.colours]], dtype=np.uint8)))
    distance = np.linalg.norm(pixels[:, None, :] - swatches[None, :, :], axis=-1)
    near = distance.min(axis=1) < SAME_COLOUR
    nearest = distance.argmin(axis=1)
    return float(near.mean()), [float(((nearest == i) & near).mean()) for i in range(len(swatches))]


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_painting_shows_the_colours_the_prompt_names(kind: str) -> None:
    f = KINDS[kind]
    palette = cover_palette(f)
    prompt, _ = cover_prompt(f)
    for word in palette.words():
        assert word in prompt, (word, prompt)
    for seed in range(3):
        covered, each = _shares(paint(f, 256, seed=seed), palette)
        # most pixels are one of the named colours; the rest are soft edges where two of them blend
        assert covered >= 0.7, (kind, seed, covered)
        assert each[0] >= 0.4, (kind, seed, each)  # the ground dominates
        assert min(each) >= 0.03, (kind, seed, each)  # and main and accent are there to see


def test_a_painting_does_not_match_another_kinds_palette() -> None:
    """The check above can fail: the dark cover is not the pastel palette, nor the reverse."""
    dark, pastel = KINDS["dark, tense"], KINDS["pastel, calm"]
    assert _shares(paint(dark, 256, seed=0), cover_palette(pastel))[0] < 0.1
    assert _shares(paint(pastel, 256, seed=0), cover_palette(dark))[0] < 0.1


def test_palettes_follow_music_colour_associations() -> None:
    """Palmer 2013: happy and fast is lighter and yellower, sad and slow darker and bluer;
    Whiteford 2018: loud and agitated is darker and redder."""

    def lightness(f: Features) -> float:
        return float(
            _lab(Image.fromarray(np.array([[c.rgb for c in cover_palette(f).colours]], np.uint8)))[:, 0].mean()
        )

    happy_fast, sad_slow = Features(valence=0.9, energy=0.9), Features(valence=0.1, energy=0.1)
    assert lightness(happy_fast) > lightness(sad_slow) + 20
    assert "yellow" in cover_palette(happy_fast).phrase() and "blue" in cover_palette(sad_slow).phrase()
    assert "red" in cover_palette(Features(valence=0.1, energy=0.9)).phrase()
    for genre, own in GENRE_PALETTES.items():
        assert cover_palette(Features(genre=genre, valence=0.5, energy=0.5)) == own
        # sad music keeps a genre's colours only where they are dark (never ambient's ice blue)
        sad = cover_palette(Features(genre=genre, valence=0.1, energy=0.1))
        assert relative_luminance(sad.ground) <= LIGHT_GROUND_Y
        assert sad == (
            own
            if relative_luminance(own.ground) <= LIGHT_GROUND_Y
            else cover_palette(Features(valence=0.1, energy=0.1))
        )


def _picture(ground: tuple[int, int, int], shape: tuple[int, int, int]) -> Image.Image:
    """A flat picture with a figure in the middle (a silhouette against a ground)."""
    a = np.zeros((256, 256, 3), np.uint8)
    a[:] = ground
    yy, xx = np.mgrid[:256, :256]
    figure = ((xx - 128) ** 2 + (yy - 100) ** 2 < 70**2) | ((abs(xx - 128) < 50) & (yy > 150))
    a[figure] = shape
    return Image.fromarray(a)


PICTURES = {  # the review's inputs, and two more of the same kinds
    "dark red and black silhouette": ((10, 5, 5), (150, 10, 15), "dark"),
    "black and crimson": ((0, 0, 0), (190, 0, 40), "dark"),
    "pastel pink": ((248, 200, 210), (240, 180, 200), "light"),
    "pale blue and cream": ((200, 220, 240), (245, 235, 200), "light"),
}


@pytest.mark.parametrize("name", list(PICTURES))
def test_from_a_picture_to_a_sketch_cover_the_prompt_and_the_painting_agree(tmp_path: Path, name: str) -> None:
    """The whole path the review took: a picture is read (sketch engine), its Features give the
    cover prompt and the sketch painting; the painting shows the colours the prompt names, and
    is dark for a dark picture and light for a light one (no teal stripes for a dark red picture,
    no muddy browns for a pastel one)."""
    from albumgen_desktop.services.analyse import analyse_cover
    from albumgen_desktop.services.cover import CoverJob, generate_cover

    ground, shape, lightness = PICTURES[name]
    path = tmp_path / "in.png"
    _picture(ground, shape).save(path)
    f = analyse_cover(path, engine="sketch").features
    result = generate_cover(CoverJob(features=f, engine="sketch", size=512, typography=False))
    palette = cover_palette(f)
    assert all(word in result.recipe.prompt for word in palette.words()), result.recipe.prompt
    covered, each = _shares(result.image.resize((256, 256)), palette)
    assert covered >= 0.7 and each[0] >= 0.4, (name, palette.phrase(), covered, each)
    mean_l = float(_lab(result.image.resize((128, 128)))[:, 0].mean())
    assert (mean_l < 45) if lightness == "dark" else (mean_l > 65), (name, palette.phrase(), mean_l)


def test_no_palette_says_a_word_twice() -> None:
    """'pastel palette of ... pastel pink', 'palette ... pale grey' would read as a stutter."""
    from albumgen_desktop.core.palette import _GRID
    from tests.test_prompts import same_stem

    for palette in [*GENRE_PALETTES.values(), *(p for row in _GRID for p in row)]:
        words = [w for w in palette.phrase().replace(",", " ").split() if w not in ("of", "and")]
        for i, a in enumerate(words):
            assert not any(same_stem(a, b) for b in words[i + 1 :]), palette.phrase()


@given(features)
@settings(max_examples=200, deadline=None)
def test_every_prompt_names_its_palette(f: Features) -> None:
    prompt, _ = cover_prompt(f)
    assert all(word in prompt for word in cover_palette(f).words()), prompt
