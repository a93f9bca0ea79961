"""Export results with their recipe, and recover the recipe from any exported file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from albumgen_desktop.core.errors import BadInputError
from albumgen_desktop.core.features import Features, from_any_json, parse_json_object
from albumgen_desktop.core.recipe import RECIPE_FORMAT, Recipe
from albumgen_desktop.io import png, wav
from albumgen_desktop.io.atomic import check_output_path, consistent, write_files_atomically
from albumgen_desktop.io.files import check_input_file, read_input_text

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# The ID3 TXXX description (and Vorbis comment / MP4 freeform name) holding the recipe JSON, so
# the recipe survives tools that keep tags but drop unknown RIFF chunks (taggers, ffmpeg).
RECIPE_TAG = "albumgen"


def sidecar_path(path: Path) -> Path:
    """``song.wav`` -> ``song.wav.json`` (a music/cover pair with one stem keeps two sidecars)."""
    path = Path(path)
    return path.with_name(path.name + ".json")


def _existing_sidecar(path: Path) -> Path | None:
    """The sidecar of ``path`` when it exists. A name at the file system's limit (255 bytes on
    ext4) has no room for ".json": stat raises ENAMETOOLONG, which Path.is_file() passes on."""
    sidecar = sidecar_path(path)
    try:
        return sidecar if sidecar.is_file() else None
    except OSError:
        return None


def _sidecar_bytes(recipe: Recipe) -> bytes:
    return (recipe.to_json() + "\n").encode("utf-8")


def export_wav(path: str | Path, samples: np.ndarray, sample_rate: int, recipe: Recipe, bits: int = 16) -> Path:
    """Write ``path`` and its sidecar atomically, together."""
    path = Path(path)
    check_output_path(path, ".wav")
    software = f"AlbumGen Desktop {recipe.app_version} ({recipe.engine})"
    recipe_json = recipe.to_json(indent=None)
    info = {
        "INAM": recipe.title,
        "IART": recipe.artist,
        "IGNR": recipe.features.genre,
        "ICMT": recipe.prompt,
        "ISFT": software,
        "ICRD": recipe.created[:10],
    }
    id3 = wav.id3_tag(
        title=recipe.title, artist=recipe.artist, genre=recipe.features.genre, comment=recipe.prompt,
        software=software, date=recipe.created[:10], extra={RECIPE_TAG: recipe_json},
    )  # fmt: skip
    data = wav.wav_bytes(samples, sample_rate, bits=bits, info=info, id3=id3, recipe_json=recipe_json)
    write_files_atomically([(path, data), (sidecar_path(path), _sidecar_bytes(recipe))])
    return path


def export_png(path: str | Path, image: Image.Image, recipe: Recipe) -> Path:
    path = Path(path)
    check_output_path(path, ".png")
    text = {png.PARAMETERS_KEY: recipe.parameters_text(), png.RECIPE_KEY: recipe.to_json(indent=None)}
    data = png.png_bytes(image, text)
    write_files_atomically([(path, data), (sidecar_path(path), _sidecar_bytes(recipe))])
    return path


def _embedded_recipe_json(path: Path) -> str | None:
    with open(path, "rb") as fh:
        head = fh.read(12)
    if head.startswith(PNG_SIGNATURE):
        return png.read_text(path).get(png.RECIPE_KEY)
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return wav.read_recipe_json(path) or _recipe_from_tags(path)
    if path.suffix.lower() == ".json":
        return read_input_text(path, MAX_RECIPE_BYTES, encoding="utf-8-sig")
    return _recipe_from_tags(path)


def _recipe_from_tags(path: Path) -> str | None:
    """The recipe JSON from an audio file's tags (ID3 TXXX, Vorbis comment or MP4 freeform)."""
    from albumgen_desktop.io.tags import read_tags

    text = read_tags(path).extra.get(RECIPE_TAG)
    return text if text and f'"{RECIPE_FORMAT}"' in text else None


def read_recipe(path: str | Path, warnings: list[str] | None = None) -> Recipe | None:
    """The recipe carried by an exported file (embedded, or in its sidecar); None if it has none.

    A recipe that is present but damaged raises BadInputError naming the file.
    """
    path = Path(path)
    if not path.is_file():
        check_input_file(path)  # says why: missing, a folder, a FIFO, a device
    with consistent(path.parent):  # no export half-done: one killed between its renames is finished first
        text = _embedded_recipe_json(path)
        sidecar = _existing_sidecar(path) if text is None else None
        if sidecar is not None:
            path = sidecar
            text = read_input_text(path, MAX_RECIPE_BYTES, encoding="utf-8-sig")
    if text is None:
        return None
    if path.suffix.lower() == ".json" and f'"{RECIPE_FORMAT}"' not in text:
        return None
    try:
        return Recipe.from_json(text, warnings)
    except BadInputError as exc:
        raise BadInputError(f"the AlbumGen recipe in {path.name} is damaged: {exc}") from None


MAX_FEATURES_FILE_BYTES = 1_000_000
MAX_RECIPE_BYTES = 4_000_000


def read_features_file(path: str | Path, warnings: list[str] | None = None) -> Features:
    """Features from a JSON file (ours, a recipe, Spotify's or AlbumGen's VLM shape) or an export."""
    path = Path(path)
    check_input_file(path)
    if path.suffix.lower() != ".json":
        recipe = read_recipe(path, warnings)
        if recipe is None:
            raise BadInputError(f"{path.name} carries no AlbumGen recipe; give a features .json file")
        return recipe.features
    text = read_input_text(path, MAX_FEATURES_FILE_BYTES, encoding="utf-8-sig")
    return from_any_json(parse_json_object(text, path.name), warnings)
