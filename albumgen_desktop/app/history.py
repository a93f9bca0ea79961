"""The results history: every result is written to a folder in the user data dir first, and the
list comes back from that folder at the next start. Files load lazily (play or export)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from albumgen_desktop.core.recipe import Recipe

ICON = 48
MAX_RESTORED = 500


@dataclass
class Result:
    recipe: Recipe
    history_path: Path | None
    audio: np.ndarray | None = None
    rate: int = 0
    image: object | None = None  # PIL image for covers

    @property
    def is_cover(self) -> bool:
        return self.recipe.kind == "cover"

    def materialise(self) -> None:
        """Load the samples or pixels of a result restored from the history folder."""
        if self.history_path is None or (self.audio is not None or self.image is not None):
            return
        if self.is_cover:
            from albumgen_desktop.io.images import load_image

            self.image = load_image(self.history_path)
        else:
            from albumgen_desktop.io.audio import load_audio

            audio = load_audio(self.history_path)
            self.audio, self.rate = audio.samples, audio.sample_rate


def write_result(result: Result, path: Path) -> None:
    """Atomic export with the recipe: PNG for a cover, WAV for music."""
    from albumgen_desktop.io.metadata import export_png, export_wav

    result.materialise()
    if result.is_cover:
        export_png(path, result.image, result.recipe)
    else:
        export_wav(path, result.audio, result.rate, result.recipe)


def label(result: Result) -> str:
    r = result.recipe
    if r.kind == "cover":
        return f"cover · {r.engine} · {r.title or 'untitled'} · seed {r.seed}"
    f = r.features
    return f"{r.engine} · {f.genre or 'music'} · {f.tempo_bpm:.0f} BPM · seed {r.seed}"


def restore(folder: Path) -> list[Result]:
    """The results kept in ``folder`` (oldest first); files without a readable recipe are skipped."""
    from albumgen_desktop.core.errors import AlbumGenError
    from albumgen_desktop.io.metadata import read_recipe

    if not folder.is_dir():
        return []
    found = []
    for path in sorted(p for p in folder.iterdir() if p.suffix in (".wav", ".png") and "-pasted" not in p.name):
        try:
            recipe = read_recipe(path)
        except (AlbumGenError, OSError):
            continue
        if recipe is not None:
            found.append(Result(recipe, path))
    return found[-MAX_RESTORED:]


def icon(result: Result) -> QIcon:
    """A thumbnail for a cover, a small waveform for music."""
    if result.is_cover:
        if result.image is not None:
            from PIL.ImageQt import ImageQt

            pixmap = QPixmap.fromImage(ImageQt(result.image.convert("RGB").resize((ICON, ICON))))
        else:
            pixmap = QPixmap(str(result.history_path))
        return QIcon(pixmap.scaled(ICON, ICON, Qt.AspectRatioMode.KeepAspectRatio))
    samples = result.audio
    if samples is None and result.history_path is not None:
        import soundfile as sf

        try:
            samples, _ = sf.read(str(result.history_path), dtype="float32", frames=32000 * 60, always_2d=True)
            samples = samples.mean(axis=1)
        except (RuntimeError, OSError):
            samples = np.zeros(0, dtype=np.float32)
    pixmap = QPixmap(ICON, ICON)
    pixmap.fill(QColor(40, 40, 48))
    painter = QPainter(pixmap)
    painter.setPen(QColor(120, 200, 255))
    if samples is not None and samples.size:
        peak = float(np.abs(samples).max()) or 1.0
        for x, block in enumerate(np.array_split(np.abs(samples), ICON)):
            h = int((ICON / 2 - 2) * (float(block.max()) / peak if block.size else 0.0))
            painter.drawLine(x, ICON // 2 - h, x, ICON // 2 + h)
    painter.end()
    return QIcon(pixmap)
