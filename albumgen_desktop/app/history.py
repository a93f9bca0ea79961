"""The results history: every result is written to a folder in the user data dir first, and the
list comes back from that folder at the next start. Files load lazily (play or export).

A history entry that cannot be read (a damaged recipe, an unreadable file) is skipped with a
reason, and the rest come back; a result the disk refused stays in the session, marked unsaved.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from albumgen_desktop.core.errors import AlbumGenError
from albumgen_desktop.core.recipe import Recipe

MAX_RESTORED = 500
OVERVIEW_COLUMNS = 800  # the resolution of a result's waveform overview
# What can go wrong reading one history entry; JSON bombs end in RecursionError or OverflowError
# where a parser lacks limits. One bad entry must never hide the others.
ENTRY_ERRORS = (AlbumGenError, OSError, ValueError, RecursionError, OverflowError, MemoryError)


@dataclass(eq=False)
class Result:
    recipe: Recipe
    history_path: Path | None
    audio: np.ndarray | None = None
    rate: int = 0
    image: Any = None  # PIL image for covers
    save_error: str = ""  # why the history folder refused it ("" when saved or restored)
    overview_cache: np.ndarray | None = None  # see overview(): the waveform of a music result
    created: float = field(default_factory=time.time)
    take: tuple[int, int] | None = None  # (number, of how many) when one job made several

    @property
    def is_cover(self) -> bool:
        return self.recipe.kind == "cover"

    @property
    def saved(self) -> bool:
        return self.history_path is not None

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
            self.overview_cache = None

    def waveform(self) -> np.ndarray:
        """The waveform overview of the audio (see ``overview``); zeros when there is no audio."""
        if self.overview_cache is None:
            self.overview_cache = overview(self.audio if self.audio is not None else np.zeros(0, np.float32))
        return self.overview_cache

    @property
    def duration_s(self) -> float:
        return 0.0 if self.audio is None or not self.rate else len(self.audio) / self.rate


def overview(samples: np.ndarray, columns: int = OVERVIEW_COLUMNS) -> np.ndarray:
    """A waveform overview, shape (2, ``columns``) float32: row 0 the peak of |x| and row 1 the RMS
    over equal spans of ``samples`` (mono), both divided by the loudest peak (so 0..1)."""
    out = np.zeros((2, columns), dtype=np.float32)
    x = np.abs(np.asarray(samples, dtype=np.float32).ravel())
    if x.size == 0:
        return out
    starts = np.minimum(np.linspace(0, x.size, columns + 1).astype(np.int64)[:-1], x.size - 1)
    lengths = np.maximum(np.diff(np.append(starts, x.size)), 1)
    out[0] = np.maximum.reduceat(x, starts)  # one pass each, no Python loop (it runs per streamed chunk)
    out[1] = np.sqrt(np.add.reduceat(x * x, starts) / lengths)
    top = float(out[0].max())
    return out / top if top > 0 else out


def write_result(result: Result, path: Path) -> None:
    """Atomic export with the recipe: PNG for a cover, WAV for music."""
    from albumgen_desktop.io.metadata import export_png, export_wav

    result.materialise()
    if result.is_cover:
        export_png(path, result.image, result.recipe)
    elif result.audio is not None:
        export_wav(path, result.audio, result.rate, result.recipe)
    else:
        raise AlbumGenError("this result has no audio to write")


_TAKE = re.compile(r"-take(\d+)of(\d+)$")


def history_name(result: Result, index: int) -> str:
    """'20250101-120000-007-cover-take2of4.png': when, the session's count, the kind and the take
    (the recipe does not say which take of how many a result was, the file name does)."""
    suffix = ".png" if result.is_cover else ".wav"
    take = f"-take{result.take[0]}of{result.take[1]}" if result.take else ""
    return f"{time.strftime('%Y%m%d-%H%M%S')}-{index:03d}-{result.recipe.kind}{take}{suffix}"


def take_of(path: Path) -> tuple[int, int] | None:
    """The (take, of how many) a history file name carries, else None."""
    found = _TAKE.search(path.stem)
    if found is None:
        return None
    number, count = int(found.group(1)), int(found.group(2))
    return (number, count) if 1 <= number <= count else None


def newest_first(results: list[Result]) -> list[Result]:
    """``results`` (oldest first) turned newest first, the takes of one job kept in their order
    (take 1/4 … 4/4 left to right, as they came; a deleted take leaves a gap, not a new job)."""
    batches: list[list[Result]] = []
    for r in results:
        last = batches[-1][-1] if batches else None
        joins = (
            last is not None and r.take is not None and last.take is not None
            and r.take[1] == last.take[1] and r.take[0] > last.take[0] and r.recipe.kind == last.recipe.kind
        )  # fmt: skip
        if joins:
            batches[-1].append(r)
        else:
            batches.append([r])
    return [r for batch in reversed(batches) for r in batch]


def save_to_history(result: Result, folder: Path, index: int) -> bool:
    """Write ``result`` into ``folder``; on failure keep it unsaved with the reason in ``save_error``."""
    path = folder / history_name(result, index)
    while path.exists():  # never overwrite an earlier result
        index += 1
        path = folder / history_name(result, index)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_result(result, path)
    except (AlbumGenError, OSError) as exc:
        result.history_path, result.save_error = None, str(exc) or type(exc).__name__
        return False
    result.history_path, result.save_error = path, ""
    return True


def variation_of(recipe: Recipe) -> tuple[int, int] | None:
    """(number 1.., of how many) when the recipe is one take of several, else None."""
    index, count = recipe.params.get("variation"), recipe.params.get("variations")
    if isinstance(index, int) and isinstance(count, int) and count > 1:
        return index + 1, count
    return None


def label(result: Result) -> str:
    """Three lines telling results apart: 'Night Ferry' / 'cover · sketch' / 'seed 3 · take 2/4 · 14:05'."""
    r = result.recipe
    parts = [f"seed {r.seed}"]
    variation = result.take or variation_of(r)
    if variation is not None:
        parts.append(f"take {variation[0]}/{variation[1]}")
    parts.append(time.strftime("%H:%M", time.localtime(result.created)))
    if not result.saved and result.save_error:
        parts.append("unsaved")
    return "\n".join((r.title or "untitled", f"{r.kind} · {r.engine}", " · ".join(parts)))


@dataclass
class RestoreReport:
    results: list[Result]
    skipped: list[tuple[str, str]]  # (file name, reason) of entries that could not be read


def restore(folder: Path) -> RestoreReport:
    """The results kept in ``folder`` (oldest first, at most MAX_RESTORED); unreadable entries are
    skipped with a reason. Runs off the GUI thread (it reads every entry's recipe)."""
    from albumgen_desktop.io.metadata import read_recipe

    report = RestoreReport([], [])
    if not folder.is_dir():
        return report
    paths = sorted(p for p in folder.iterdir() if p.suffix in (".wav", ".png") and "-pasted" not in p.name)
    for path in paths[-MAX_RESTORED:]:
        try:
            recipe = read_recipe(path)
            created = path.stat().st_mtime
        except ENTRY_ERRORS as exc:
            report.skipped.append((path.name, str(exc) or type(exc).__name__))
            continue
        if recipe is not None:
            report.results.append(Result(recipe, path, created=created, take=take_of(path)))
    return report


def thumbnail_data(result: Result, size: int) -> tuple[str, Any]:
    """What a history thumbnail is drawn from, read off the GUI thread: ("image", a PIL image at
    most ``size`` px) for a cover, ("waveform", an overview) for music, ("none", None) if unreadable."""
    try:
        if result.is_cover:
            if result.image is not None:
                image = result.image.convert("RGB")
            elif result.history_path is None:
                return "none", None
            else:
                from albumgen_desktop.io.images import load_image

                image = load_image(result.history_path).convert("RGB")
            image.thumbnail((size, size))
            return "image", image
        if result.audio is None and result.history_path is not None:
            import soundfile as sf

            samples, _ = sf.read(str(result.history_path), dtype="float32", always_2d=True, frames=32000 * 600)
            return "waveform", overview(samples.mean(axis=1))
        return "waveform", result.waveform()
    except (*ENTRY_ERRORS, RuntimeError):  # soundfile raises RuntimeError for a file it cannot read
        return "none", None
