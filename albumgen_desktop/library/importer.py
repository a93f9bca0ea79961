"""Fill the reference library from a music folder or a features CSV with covers.

Music folder: every audio file with cover art (embedded: ID3 APIC, FLAC/Ogg
pictures, MP4 covr; else cover/folder/front.jpg|png beside it) becomes a row:
title (album, else track title), artist and genre from its tags (ID3 in MP3, WAV
and AIFF, WAV LIST/INFO, Vorbis comments, MP4 atoms: io/tags.py), Features from the
audio analyser (AAC/ALAC in MP4 decoded through PyAV: io/av_decode.py), one
embedding of its cover per available embedder. A re-import skips files whose size
and modification time are unchanged (without opening them) and drops rows of files
that are gone. Each row is its own transaction, so cancelling leaves a
consistent library with what was done so far.

CSV: the Kaggle Spotify tracks, tidytuesday spotify_songs and MusicOSet shapes, or
any table with Spotify-style feature columns (acousticness ... valence, loudness,
tempo, key, mode, time_signature), titles, artists and genres mapped as
library/csv_table.py describes, plus the cover as a path column (cover, image,
cover_path, image_path) or a file in the covers folder named after one of the row's
ids (id, track_id, track_album_id, album_id, song_id, spotify_id). Rows that cannot
be used are reported with their line number and the reason.
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from albumgen_desktop.core.analysis import printable_path
from albumgen_desktop.core.errors import AlbumGenError, BadInputError, CancelledError
from albumgen_desktop.core.features import Features, from_spotify
from albumgen_desktop.core.genres import canonical_genre
from albumgen_desktop.core.progress import CancelToken, Progress, ProgressCallback, no_progress
from albumgen_desktop.io.tags import embedded_art, read_tags
from albumgen_desktop.library import csv_table
from albumgen_desktop.library.embedders import Embedder
from albumgen_desktop.library.store import Library

AUDIO_SUFFIXES = {".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".mp4", ".aac", ".wav", ".aif", ".aiff"}
FOLDER_ART = ("cover", "folder", "front", "album", "albumart")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
NO_COVER = (
    "no cover art: none embedded in the file and no picture named "
    f"{'/'.join(FOLDER_ART)} ({', '.join(IMAGE_SUFFIXES)}) beside it"
)


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file or row, why)
    notes: list[str] = field(default_factory=list)  # what the import did that the user should know

    def summary(self) -> str:
        parts = [f"{self.added} added", f"{self.updated} updated", f"{self.unchanged} unchanged"]
        if self.removed:
            parts.append(f"{self.removed} removed")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        return ", ".join(parts)


def _stamp(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


def folder_art(folder: Path) -> Path | None:
    for stem in FOLDER_ART:
        for suffix in IMAGE_SUFFIXES:
            for name in (stem + suffix, stem.capitalize() + suffix, stem.upper() + suffix):
                candidate = folder / name
                if candidate.is_file():
                    return candidate
    return None


def _tags(path: Path) -> tuple[str, str, str]:
    """(title, artist, genre) of a track for its library row: the album name (the library holds
    albums) else the track title else the file name; the album artist else the artist."""
    tags = read_tags(path)
    return tags.album or tags.title or printable_path(path.stem), tags.album_artist or tags.artist, tags.genre


def _cover_image(path: Path) -> Image.Image | None:
    from albumgen_desktop.io.images import load_image

    data = embedded_art(path)
    if data is not None:
        try:
            with Image.open(io.BytesIO(data)) as im:
                im.load()
                return im.convert("RGB")
        except (OSError, Image.DecompressionBombError, ValueError, SyntaxError):
            pass
    art = folder_art(path.parent)
    if art is None:
        return None
    try:
        return load_image(art)
    except AlbumGenError:
        return None


def _analyse_track(path: Path, genre_tag: str) -> Features:
    """Features from the audio analyser (DSP, no weights needed); the genre from the file's tag."""
    from albumgen_desktop.engines.audio_dsp import analyse_file

    values = analyse_file(path).values()
    genre = canonical_genre(genre_tag) if genre_tag else None
    return Features.from_dict({**values, "genre": genre or ""})


def _store(library: Library, report: ImportReport, known: dict[str, str], embedders: list[Embedder],
           cover: Image.Image, *, title: str, artist: str, features: Features, source: str, source_key: str,
           stamp: str) -> None:  # fmt: skip
    """Embed the cover with every embedder, write the row, count it as added or updated."""
    library.put(title=title, artist=artist, features=features, source=source, source_key=source_key, stamp=stamp,
                embeddings={e.model: e.embed([cover])[0] for e in embedders})  # fmt: skip
    if source_key in known:
        report.updated += 1
    else:
        report.added += 1


def import_music_folder(
    library: Library,
    folder: Path,
    embedders: list[Embedder],
    on_progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> ImportReport:
    folder = Path(folder).resolve()
    if not folder.is_dir():
        raise BadInputError(f"{folder} is not a folder")
    named = sorted(p for p in folder.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES and not p.is_dir())
    files = [p for p in named if p.is_file()]
    known = library.stamps("folder")
    report = ImportReport()
    for path in named:
        if not path.is_file():  # named like a track, yet nothing to read: say so rather than pass over it
            why = "a link to a file that is not there" if path.is_symlink() else "not a regular file (a pipe or device)"
            report.skipped.append((printable_path(path), why))
    # Keys are printable paths: SQLite text cannot hold the surrogates of a non-UTF-8 file name.
    prefix = printable_path(folder) + os.sep
    present = {printable_path(p) for p in files}
    gone = [k for k in known if k.startswith(prefix) and k not in present and not Path(k).is_file()]
    if gone:
        report.removed = library.remove_sources(gone)
    for i, path in enumerate(files):
        if cancel is not None and cancel.cancelled:
            raise CancelledError(f"import cancelled after {i} of {len(files)} files; {report.summary()}", report)
        on_progress(Progress(i / max(1, len(files)), f"{i + 1} of {len(files)}: {path.name}"))
        key = printable_path(path)
        stamp = _stamp(path)
        if known.get(key) == stamp:
            report.unchanged += 1
            continue
        # A file that cannot be read is skipped with the reason, and the import goes on.
        try:
            cover = _cover_image(path)
            if cover is None:
                report.skipped.append((key, NO_COVER))
                continue
            title, artist, genre_tag = _tags(path)
            features = _analyse_track(path, genre_tag)
        except AlbumGenError as exc:
            report.skipped.append((key, str(exc)))
            continue
        except (OSError, ValueError, RuntimeError, MemoryError) as exc:
            report.skipped.append((key, f"cannot be read: {type(exc).__name__}: {exc}"))
            continue
        except Exception as exc:  # noqa: BLE001 - a fault of ours on one file must not cost the rest of the folder
            report.skipped.append(
                (key, f"could not be analysed ({type(exc).__name__}: {exc}); a bug, please report it")
            )
            continue
        _store(library, report, known, embedders, cover, title=title, artist=artist, features=features,
               source="folder", source_key=key, stamp=stamp)  # fmt: skip
    on_progress(Progress(1.0, report.summary()))
    return report


def _csv_cover(row: dict[str, str], base: Path, covers: Path | None) -> Path | None:
    """The cover of a CSV row: a path column (relative to the covers folder, else the CSV's
    folder), else a file in the covers folder named after one of the row's ids."""
    for col in csv_table.COVER_PATH_COLUMNS:
        if row.get(col):
            candidate = Path(row[col])
            candidate = candidate if candidate.is_absolute() else (covers or base) / candidate
            if candidate.is_file():
                return candidate
    if covers is not None:
        for col in csv_table.COVER_ID_COLUMNS:
            value = row.get(col, "")
            if value and "/" not in value and "\\" not in value and value not in (".", ".."):
                for suffix in IMAGE_SUFFIXES:
                    candidate = covers / f"{value}{suffix}"
                    if candidate.is_file():
                        return candidate
    return None


_SPOTIFY_NUMBERS = ("acousticness", "danceability", "energy", "instrumentalness", "liveness", "speechiness",
                    "valence", "loudness", "tempo", "key", "mode", "time_signature")  # fmt: skip


def _spotify_values(row: dict[str, str]) -> dict[str, object]:
    """The feature columns of one CSV row as numbers, and its genre (see csv_table.row_genre)."""
    out: dict[str, object] = {}
    for name in _SPOTIFY_NUMBERS:
        if row.get(name):
            try:
                out[name] = float(row[name].replace(",", "."))
            except ValueError:
                raise BadInputError(f"column {name} is not a number: {row[name][:40]!r}") from None
    genre = csv_table.row_genre(row)
    if genre:
        out["genre"] = genre
    return out


def import_csv(
    library: Library,
    csv_path: Path,
    embedders: list[Embedder],
    covers: Path | None = None,
    on_progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> ImportReport:
    """Import a features CSV (Kaggle Spotify tracks, tidytuesday spotify_songs, MusicOSet, or any
    table with Spotify-style feature columns; see library/csv_table.py) with its covers.

    Rows that cannot be used are skipped with the reason (line number and why) in the report;
    a file that cannot be used at all raises BadInputError.
    """
    from albumgen_desktop.io.images import load_image

    csv_path = Path(csv_path).resolve()
    table = csv_table.read_csv_table(csv_path)
    report = ImportReport()
    csv_table.join_musicoset(table, report.notes)
    report.skipped += table.skipped
    if not table.rows:
        raise BadInputError(f"{csv_path.name} has no rows")
    if not {"energy", "valence"} <= set(table.columns):
        raise BadInputError(
            f"{csv_path.name} has no Spotify-style feature columns (energy, valence, ...); "
            f"its columns are: {', '.join(table.columns[:12])}"
        )
    known = library.stamps("csv")
    seen: dict[str, int] = {}
    covers_dir = Path(covers) if covers else None
    for i, (row, line) in enumerate(zip(table.rows, table.lines, strict=True)):
        if cancel is not None and cancel.cancelled:
            raise CancelledError(f"import cancelled after {i} of {len(table.rows)} rows; {report.summary()}", report)
        on_progress(Progress(i / len(table.rows), f"row {i + 1} of {len(table.rows)}"))
        where = f"{csv_path.name} line {line}"
        row_id = csv_table.row_id(row) or f"line {line}"
        key = f"{csv_path}#{row_id}"
        if key in seen:
            report.skipped.append((where, f"same id {row_id!r} as line {seen[key]}"))
            continue
        seen[key] = line
        cover_path = _csv_cover(row, csv_path.parent, covers_dir)
        if cover_path is None:
            ids = [f"{c}={row[c]}" for c in csv_table.COVER_ID_COLUMNS if row.get(c)]
            looked = f" (looked for {', '.join(ids[:3])} in {covers_dir})" if covers_dir and ids else ""
            report.skipped.append((where, f"no cover image found{looked}"))
            continue
        digest = hashlib.sha256(repr(sorted(row.items())).encode()).hexdigest()[:16]
        stamp = f"{digest}:{_stamp(cover_path)}"
        if known.get(key) == stamp:
            report.unchanged += 1
            continue
        warnings: list[str] = []
        try:
            features = from_spotify(_spotify_values(row), warnings)
            cover = load_image(cover_path)
        except AlbumGenError as exc:
            report.skipped.append((where, str(exc)))
            continue
        title = csv_table.row_title(row) or row_id
        _store(library, report, known, embedders, cover, title=title[:200], artist=csv_table.row_artist(row)[:200],
               features=features, source="csv", source_key=key, stamp=stamp)  # fmt: skip
    report.skipped.sort(key=lambda item: int(item[0].rsplit(" ", 1)[-1]) if item[0][-1:].isdigit() else 0)
    on_progress(Progress(1.0, report.summary()))
    return report
