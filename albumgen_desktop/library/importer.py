"""Fill the reference library from a music folder or a features CSV with covers.

Music folder: every audio file with cover art (embedded: ID3 APIC, FLAC/Ogg
pictures, MP4 covr; else cover/folder/front.jpg|png beside it) becomes a row:
title, artist and genre from its tags, Features from the audio analyser, one
embedding of its cover per available embedder. A re-import skips files whose size
and modification time are unchanged (without opening them) and drops rows of files
that are gone. Each row is its own transaction, so cancelling leaves a
consistent library with what was done so far.

CSV: MusicOSet/Spotify-style columns (acousticness ... valence, loudness, tempo,
key, mode, time_signature; name/album/title; artist(s); genre(s)) plus the cover
as a path column (cover, image, cover_path, image_path) or a file in the covers
folder named after the row's id (id, album_id, spotify_id).
"""

from __future__ import annotations

import base64
import csv
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
from albumgen_desktop.library.embedders import Embedder
from albumgen_desktop.library.store import Library

AUDIO_SUFFIXES = {".mp3", ".flac", ".ogg", ".oga", ".opus", ".m4a", ".mp4", ".aac", ".wav", ".aif", ".aiff"}
FOLDER_ART = ("cover", "folder", "front", "album", "albumart")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")
MAX_CSV_ROWS = 1_000_000


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file or row, why)

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


def _first(tags: object, *names: str) -> str:
    for name in names:
        try:
            value = tags.get(name) if tags is not None else None  # type: ignore[union-attr]
        except (KeyError, ValueError):
            value = None
        if value:
            text = value[0] if isinstance(value, list) else value
            return str(text).strip()[:200]
    return ""


def embedded_art(path: Path) -> bytes | None:
    """The front cover stored inside an audio file, if any."""
    import mutagen

    try:
        audio = mutagen.File(path)
    except (mutagen.MutagenError, OSError, ValueError):
        return None
    if audio is None:
        return None
    pictures = getattr(audio, "pictures", None)  # FLAC
    if pictures:
        front = [p for p in pictures if p.type == 3] or pictures
        return front[0].data
    tags = audio.tags
    if tags is None:
        return None
    if hasattr(tags, "getall"):  # ID3 (mp3, wav, aiff)
        frames = tags.getall("APIC")
        if frames:
            front = [f for f in frames if f.type == 3] or frames
            return front[0].data
    covr = tags.get("covr") if hasattr(tags, "get") else None  # MP4
    if covr:
        return bytes(covr[0])
    blocks = tags.get("metadata_block_picture") if hasattr(tags, "get") else None  # Ogg
    if blocks:
        from mutagen.flac import Picture

        try:
            return Picture(base64.b64decode(blocks[0])).data
        except (ValueError, mutagen.MutagenError):
            return None
    return None


def folder_art(folder: Path) -> Path | None:
    for stem in FOLDER_ART:
        for suffix in IMAGE_SUFFIXES:
            for name in (stem + suffix, stem.capitalize() + suffix, stem.upper() + suffix):
                candidate = folder / name
                if candidate.is_file():
                    return candidate
    return None


def _tags(path: Path) -> tuple[str, str, str]:
    import mutagen

    try:
        audio = mutagen.File(path, easy=True)
    except (mutagen.MutagenError, OSError, ValueError):
        audio = None
    tags = audio.tags if audio is not None else None
    title = _first(tags, "album", "title") or printable_path(path.stem)
    artist = _first(tags, "albumartist", "artist")
    genre = _first(tags, "genre")
    return title, artist, genre


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
           cover: Image.Image, **row: object) -> None:  # fmt: skip
    """Embed the cover with every embedder, write the row, count it as added or updated."""
    library.put(**row, embeddings={e.model: e.embed([cover])[0] for e in embedders})
    if row["source_key"] in known:
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
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file())
    known = library.stamps("folder")
    report = ImportReport()
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
                report.skipped.append((key, "no cover art (embedded or cover/folder.jpg)"))
                continue
            title, artist, genre_tag = _tags(path)
            features = _analyse_track(path, genre_tag)
        except AlbumGenError as exc:
            report.skipped.append((key, str(exc)))
            continue
        except (OSError, ValueError, RuntimeError, MemoryError) as exc:
            report.skipped.append((key, f"cannot be read: {type(exc).__name__}: {exc}"))
            continue
        _store(library, report, known, embedders, cover, title=title, artist=artist, features=features,
               source="folder", source_key=key, stamp=stamp)  # fmt: skip
    on_progress(Progress(1.0, report.summary()))
    return report


_COVER_COLUMNS = ("cover", "image", "cover_path", "image_path", "cover_file")
_ID_COLUMNS = ("id", "album_id", "spotify_id", "song_id")


def _csv_cover(row: dict[str, str], base: Path, covers: Path | None) -> Path | None:
    for col in _COVER_COLUMNS:
        if row.get(col):
            candidate = Path(row[col])
            candidate = candidate if candidate.is_absolute() else (covers or base) / candidate
            if candidate.is_file():
                return candidate
    if covers is not None:
        for col in _ID_COLUMNS:
            if row.get(col):
                for suffix in IMAGE_SUFFIXES:
                    candidate = covers / f"{row[col]}{suffix}"
                    if candidate.is_file():
                        return candidate
    return None


_SPOTIFY_NUMBERS = ("acousticness", "danceability", "energy", "instrumentalness", "liveness", "speechiness",
                    "valence", "loudness", "tempo", "key", "mode", "time_signature")  # fmt: skip


def _spotify_values(row: dict[str, str]) -> dict[str, object]:
    """The feature columns of one CSV row as numbers, and its first recognised genre."""
    out: dict[str, object] = {}
    for name in _SPOTIFY_NUMBERS:
        if row.get(name):
            try:
                out[name] = float(row[name].replace(",", "."))
            except ValueError:
                raise BadInputError(f"column {name} is not a number: {row[name]!r}") from None
    raw = row.get("genre") or row.get("genres") or ""
    for part in raw.strip("[]").replace("|", ",").replace(";", ",").split(","):
        genre = canonical_genre(part.strip().strip("'\"")) if part.strip() else ""
        if genre:
            out["genre"] = genre
            break
    return out


def import_csv(
    library: Library,
    csv_path: Path,
    embedders: list[Embedder],
    covers: Path | None = None,
    on_progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
) -> ImportReport:
    from albumgen_desktop.io.images import load_image

    csv_path = Path(csv_path).resolve()
    try:
        text = csv_path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInputError(f"{csv_path.name} cannot be read as a UTF-8 CSV: {exc}") from None
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.DictReader(io.StringIO(text), dialect=dialect))
    if not rows:
        raise BadInputError(f"{csv_path.name} has no rows")
    if len(rows) > MAX_CSV_ROWS:
        raise BadInputError(f"{csv_path.name} has more than {MAX_CSV_ROWS} rows")
    rows = [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items()} for row in rows]
    if not {"energy", "valence"} <= set(rows[0]):
        raise BadInputError(f"{csv_path.name} has no Spotify-style feature columns (energy, valence, ...)")
    known = library.stamps("csv")
    report = ImportReport()
    for i, row in enumerate(rows):
        if cancel is not None and cancel.cancelled:
            raise CancelledError(f"import cancelled after {i} of {len(rows)} rows; {report.summary()}", report)
        on_progress(Progress(i / len(rows), f"row {i + 1} of {len(rows)}"))
        row_id = next((row[c] for c in _ID_COLUMNS if row.get(c)), str(i + 1))
        key = f"{csv_path}#{row_id}"
        cover_path = _csv_cover(row, csv_path.parent, Path(covers) if covers else None)
        if cover_path is None:
            report.skipped.append((key, "no cover image found for this row"))
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
            report.skipped.append((key, str(exc)))
            continue
        title = next((row[c] for c in ("album", "album_name", "name", "title") if row.get(c)), row_id)
        artist = next((row[c] for c in ("artist", "artists", "artist_name") if row.get(c)), "")
        _store(library, report, known, embedders, cover, title=title[:200], artist=artist[:200], features=features,
               source="csv", source_key=key, stamp=stamp)  # fmt: skip
    on_progress(Progress(1.0, report.summary()))
    return report
