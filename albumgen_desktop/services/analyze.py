"""Analyse a dropped file: an AlbumGen export restores its recipe; covers and tracks go to analysers."""

from __future__ import annotations

from pathlib import Path

from albumgen_desktop.core.analysis import ENGINE_CHOICES, Analysis, uniform
from albumgen_desktop.core.errors import BadInputError, NotAvailableError
from albumgen_desktop.io.metadata import read_recipe

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff"}
AUDIO_SUFFIXES = {".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".aif", ".aiff"}


def input_kind(path: Path) -> str:
    """'image' or 'audio', judged by content (a mislabelled file is still recognised)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path):
            return "image"
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        pass
    import soundfile as sf

    try:
        sf.info(str(path))
        return "audio"
    except (sf.LibsndfileError, RuntimeError, TypeError):
        pass
    raise BadInputError(f"{path.name} is neither an image nor an audio file AlbumGen can read")


def _check_path(path: Path) -> None:
    if not path.exists():
        raise BadInputError(f"{path} does not exist")
    if path.is_dir():
        raise BadInputError(f"{path} is a folder; give an image or audio file")
    if path.stat().st_size == 0:
        raise BadInputError(f"{path.name} is empty (0 bytes)")


def analyze_file(path: str | Path, engine: str = "auto") -> Analysis:
    if engine not in ENGINE_CHOICES:
        raise BadInputError(f"engine must be one of {', '.join(ENGINE_CHOICES)}, got {engine!r}")
    path = Path(path)
    _check_path(path)
    warnings: list[str] = []
    try:
        recipe = read_recipe(path, warnings)
    except BadInputError as exc:
        recipe = None
        warnings.append(str(exc))
    if recipe is not None:
        return Analysis(
            path=str(path),
            kind="recipe",
            features=recipe.features,
            confidence=uniform(1.0),
            source=uniform("recipe"),
            warnings=warnings,
            recipe=recipe,
        )
    kind = input_kind(path)
    raise NotAvailableError(
        f"{path.name}: analysing {'cover images' if kind == 'image' else 'audio tracks'} is not built yet "
        "(only AlbumGen exports, which carry their recipe, can be read so far)"
    )
