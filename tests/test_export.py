from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import HealthCheck, given, settings
from PIL import Image

from albumgen_desktop.core.errors import AlbumGenError, BadInputError
from albumgen_desktop.core.features import Features
from albumgen_desktop.core.prompts import cover_prompt, music_prompt
from albumgen_desktop.core.recipe import ModelInfo, Recipe
from albumgen_desktop.io import atomic, png, wav
from albumgen_desktop.io.metadata import export_png, export_wav, read_recipe, sidecar_path
from tests.strategies import features

TONE = (0.5 * np.sin(np.linspace(0, 200 * np.pi, 8000))).astype(np.float32)
SMALL = Image.new("RGB", (16, 16), (200, 40, 90))


def music_recipe(f: Features, **kw) -> Recipe:
    return Recipe(kind="music", features=f, prompt=music_prompt(f), engine="sketch", seed=3, **kw)


@given(features)
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_features_survive_wav_round_trip(tmp_path: Path, f: Features) -> None:
    path = export_wav(tmp_path / "a.wav", TONE, 16000, music_recipe(f))
    back = read_recipe(path)
    assert back is not None and back.features == f
    assert read_recipe(sidecar_path(path)).features == f


@given(features)
@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_features_survive_png_round_trip(tmp_path: Path, f: Features) -> None:
    prompt, negative = cover_prompt(f, "Title ✓")
    recipe = Recipe(kind="cover", features=f, prompt=prompt, negative_prompt=negative, engine="sketch", title="Title ✓")
    back = read_recipe(export_png(tmp_path / "a.png", SMALL, recipe))
    assert back is not None and back.features == f and back.to_dict() == recipe.to_dict()


def test_recipe_found_through_sidecar_when_file_lost_its_metadata(tmp_path: Path) -> None:
    recipe = music_recipe(Features(genre="house"))
    path = export_wav(tmp_path / "a.wav", TONE, 16000, recipe)
    sf.write(path, TONE, 16000)  # another tool rewrote the audio without our chunks
    assert wav.read_recipe_json(path) is None
    assert read_recipe(path).features.genre == "house"


@pytest.mark.parametrize("bits, tolerance", [(16, 1 / 32767), (24, 1 / 8388607)])
def test_wav_pcm_is_exact_and_standard(tmp_path: Path, bits: int, tolerance: float) -> None:
    stereo = np.stack([TONE, -TONE], axis=1)
    recipe = music_recipe(Features(style="in the style of Someone Else"), title="Sommer", artist="Ünïcode Artist")
    path = export_wav(tmp_path / "s.wav", stereo, 44100, recipe, bits=bits)
    data, rate = sf.read(path, dtype="float64")
    assert rate == 44100 and data.shape == stereo.shape
    assert np.max(np.abs(data - stereo)) <= tolerance
    info = sf.info(str(path))
    assert info.subtype == f"PCM_{bits}"
    tags = wav.read_info(path)
    assert tags["INAM"] == "Sommer" and tags["IART"] == "Ünïcode Artist" and tags["ICMT"] == recipe.prompt


def test_png_parameters_text_is_readable_by_other_tools(tmp_path: Path) -> None:
    f = Features(genre="jazz")
    prompt, negative = cover_prompt(f, "Blue")
    recipe = Recipe(
        kind="cover", features=f, prompt=prompt, negative_prompt=negative, engine="diffusion", seed=42,
        model=ModelInfo("sdxs-512", "abc", "OpenRAIL++"), params={"steps": 1, "guidance": 0.0, "size": 512},
    )  # fmt: skip
    text = png.read_text(export_png(tmp_path / "c.png", SMALL, recipe))
    lines = text["parameters"].split("\n")
    assert lines[0] == prompt and lines[1] == f"Negative prompt: {negative}"
    assert lines[2].startswith("Steps: 1, Sampler: unknown, CFG scale: 0, Seed: 42, Size: 512x512, Model: sdxs-512")


def test_failed_export_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    recipe = music_recipe(Features())
    with pytest.raises(BadInputError):
        export_wav(tmp_path / "x.wav", np.array([0.1, np.nan], dtype=np.float32), 16000, recipe)
    calls = {"n": 0}
    real_replace = os.replace

    def flaky_replace(src: str, dst: str) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the sidecar fails after the WAV went in
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", flaky_replace)
    with pytest.raises(AlbumGenError, match="disk is full"):
        export_wav(tmp_path / "y.wav", TONE, 16000, recipe)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_existing_file_is_untouched_when_export_fails(tmp_path: Path) -> None:
    target = tmp_path / "keep.wav"
    target.write_bytes(b"precious")
    with pytest.raises(BadInputError):
        export_wav(target, np.zeros(0, dtype=np.float32), 16000, music_recipe(Features()))
    assert target.read_bytes() == b"precious" and [p.name for p in tmp_path.iterdir()] == ["keep.wav"]


def test_export_refuses_wrong_suffix_and_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(BadInputError, match=r"\.wav"):
        export_wav(tmp_path / "x.mp3", TONE, 16000, music_recipe(Features()))
    with pytest.raises(BadInputError, match="does not exist"):
        export_wav(tmp_path / "nope" / "x.wav", TONE, 16000, music_recipe(Features()))


def test_damaged_recipe_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "bad.png"
    path.write_bytes(png.png_bytes(SMALL, {"albumgen": '{"format": "albumgen-recipe", "version": 1}'}))
    with pytest.raises(BadInputError, match="damaged"):
        read_recipe(path)
    plain = tmp_path / "plain.png"
    SMALL.save(plain)
    assert read_recipe(plain) is None


def test_newer_recipe_version_asks_for_update() -> None:
    with pytest.raises(BadInputError, match="newer AlbumGen"):
        Recipe.from_json('{"format": "albumgen-recipe", "version": 99}')
