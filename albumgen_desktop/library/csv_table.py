"""Reading the feature CSVs people download, in the shapes they really come in.

Three public shapes (headers checked against their published files):

* Kaggle "Spotify Tracks Dataset" (dataset.csv): an unnamed pandas index column, then
  ``track_id,artists,album_name,track_name,popularity,duration_ms,explicit,danceability,energy,
  key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo,
  time_signature,track_genre``; several artists are joined by ";".
* tidytuesday 2020-01-21 spotify_songs.csv: ``track_id,track_name,track_artist,track_popularity,
  track_album_id,track_album_name,track_album_release_date,playlist_name,playlist_id,
  playlist_genre,playlist_subgenre,danceability,energy,key,loudness,mode,speechiness,
  acousticness,instrumentalness,liveness,valence,tempo,duration_ms``.
* MusicOSet: tab-separated ``.csv`` files. musicoset_songfeatures/acoustic_features.csv holds
  ``song_id`` and the features; musicoset_metadata/songs.csv ``song_id, song_name, billboard,
  artists, popularity, explicit, song_type`` with artists as Python dict text
  ``{'3TVXtAsR1Inumwj472S9r4': 'Drake'}``; artists.csv ``artist_id, name, followers, popularity,
  artist_type, main_genre, genres, image_url`` with genres as Python list text; tracks.csv
  ``song_id, album_id, track_number, release_date, release_date_precision``; albums.csv
  ``album_id, name, billboard, artists, total_tracks, album_type, image_url``. A features file
  with song ids and no names is joined with those beside it (same folder or ../musicoset_metadata).

The file is parsed with the csv module, '"' as the quote character (csv.Sniffer guesses "'"
from list text such as "['pop', 'rap']" and then splits rows apart), and the delimiter is the
one of tab, ";", "," and "|" that the header line holds most of.
"""

from __future__ import annotations

import ast
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from albumgen_desktop.core.errors import BadInputError
from albumgen_desktop.core.genres import canonical_genre
from albumgen_desktop.io.files import read_input_bytes

MAX_CSV_ROWS = 1_000_000
MAX_CSV_BYTES = 1_000_000_000
MAX_FIELD_CHARS = 131_072  # csv's own default limit; a longer field means an unclosed quote
MAX_LITERAL_CHARS = 10_000  # dict/list text longer than this is not decoded
DELIMITERS = ("\t", ";", ",", "|")

TITLE_COLUMNS = ("album", "album_name", "track_album_name", "name", "song_name", "track_name", "title")
ARTIST_COLUMNS = ("artist", "artists", "track_artist", "artist_name", "artist_names", "album_artist")
GENRE_COLUMNS = ("track_genre", "genre", "genres", "main_genre", "artist_genres", "playlist_subgenre",
                 "playlist_genre")  # fmt: skip
# Ids that name a row (first found) and that cover files may be named after (all tried).
ROW_ID_COLUMNS = ("id", "track_id", "song_id", "spotify_id", "album_id", "track_album_id")
COVER_ID_COLUMNS = ("id", "track_id", "track_album_id", "album_id", "song_id", "spotify_id")
COVER_PATH_COLUMNS = ("cover", "image", "cover_path", "image_path", "cover_file")


@dataclass
class CsvTable:
    """A parsed CSV: lower-case column names, one dict per data row, and rows that were set aside.

    ``lines[i]`` is the file line on which ``rows[i]`` starts (1-based, the header is line 1).
    """

    path: Path
    delimiter: str
    columns: list[str]
    rows: list[dict[str, str]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def choose_delimiter(header_line: str) -> str:
    """The delimiter the header line holds most of (tab first on a tie); "," when it holds none."""
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_text(path: Path) -> str:
    data = read_input_bytes(path, MAX_CSV_BYTES)  # a FIFO, a device or an oversized file: BadInputError
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadInputError(f"{path.name} is not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV") from None


def read_csv_table(path: str | Path, max_rows: int = MAX_CSV_ROWS) -> CsvTable:
    """Parse ``path`` (see the module docstring). Rows with more cells than the header are set
    aside with the reason; shorter rows are padded with "". Raises BadInputError for a file that
    is not UTF-8, has no header, holds more than ``max_rows`` rows or a field longer than 128 KiB."""
    path = Path(path)
    text = _read_text(path)
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    if not header_line:
        raise BadInputError(f"{path.name} is empty")
    delimiter = choose_delimiter(header_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', doublequote=True,
                        strict=False)  # fmt: skip
    table: CsvTable | None = None
    previous_end = 0
    try:
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not any(c.strip() for c in cells):
                continue
            if any(len(c) > MAX_FIELD_CHARS for c in cells):
                raise BadInputError(f"{path.name} line {start}: a field is longer than 128 KiB (an unclosed quote?)")
            if table is None:
                table = CsvTable(path, delimiter, _column_names(cells))
                continue
            if len(table.rows) >= max_rows:
                raise BadInputError(f"{path.name} has more than {max_rows} rows")
            if len(cells) > len(table.columns):
                table.skipped.append(
                    (f"{path.name} line {start}", f"{len(cells)} fields where the header has {len(table.columns)}")
                )
                continue
            cells += [""] * (len(table.columns) - len(cells))
            row: dict[str, str] = {}
            for name, value in zip(table.columns, cells, strict=True):
                row.setdefault(name, value.strip())
            table.rows.append(row)
            table.lines.append(start)
    except csv.Error as exc:
        why = "a quoted field is never closed" if "field limit" in str(exc) else f"not valid CSV ({exc})"
        raise BadInputError(f"{path.name} line {previous_end + 1}: {why}") from None
    if table is None:
        raise BadInputError(f"{path.name} is empty")
    return table


def _column_names(cells: list[str]) -> list[str]:
    names = []
    for i, cell in enumerate(cells):
        name = cell.strip().strip('"').strip().lower()
        names.append(name or ("index" if i == 0 else f"column {i + 1}"))  # pandas writes its index unnamed
    return names


def literal_values(text: str) -> list[str] | None:
    """The strings in Python dict or list text (``{'id': 'Name'}`` gives its values,
    ``['pop', 'rap']`` its items); None when ``text`` is not such text.

    Decoded with ``ast.literal_eval`` (literals only, never code), on text of at most 10,000
    characters that starts with "[" or "{" and ends with the matching bracket.
    """
    text = text.strip()
    if len(text) > MAX_LITERAL_CHARS or len(text) < 2 or (text[0], text[-1]) not in (("[", "]"), ("{", "}")):
        return None
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list | tuple) else None
    if items is None:
        return None
    return [" ".join(str(v).split()) for v in items if isinstance(v, str | int | float) and str(v).strip()]


def artist_names(text: str, column: str) -> str:
    """Artist text as names joined by ", ": dict or list text decoded, Kaggle's "A;B" split."""
    values = literal_values(text)
    if values is not None:
        return ", ".join(values)
    if column == "artists" and ";" in text:
        return ", ".join(p.strip() for p in text.split(";") if p.strip())
    return " ".join(text.split())


def genre_of_label(label: str) -> str | None:
    """A genre vocabulary entry for a dataset's genre label: the label itself or a synonym, else
    its last one to three words, hyphens read as spaces (English compounds end in their head:
    "canadian hip hop" -> hip hop, "dance pop" -> pop, Kaggle's "j-rock" -> rock); None when
    nothing matches."""
    label = " ".join(label.replace("_", " ").split())
    if not label:
        return None
    found = canonical_genre(label) or canonical_genre(label.replace("-", " "))  # "k-pop" stays, "indie-pop" too
    if found:
        return found
    words = label.replace("-", " ").split()
    for n in (3, 2, 1):
        if len(words) > n:
            found = canonical_genre(" ".join(words[-n:]))
            if found:
                return found
    return None


def row_genre(row: dict[str, str]) -> str:
    """The first genre label in the row's genre columns that names a vocabulary genre."""
    for column in GENRE_COLUMNS:
        raw = row.get(column, "")
        if not raw:
            continue
        labels = literal_values(raw)
        if labels is None:
            labels = [p for p in raw.replace("|", ";").split(";")] if ";" in raw or "|" in raw else [raw]
        for label in labels:
            genre = genre_of_label(label)
            if genre:
                return genre
    return ""


def row_title(row: dict[str, str]) -> str:
    return next((" ".join(row[c].split()) for c in TITLE_COLUMNS if row.get(c, "").strip()), "")


def row_artist(row: dict[str, str]) -> str:
    return next((artist_names(row[c], c) for c in ARTIST_COLUMNS if row.get(c, "").strip()), "")


def row_id(row: dict[str, str]) -> str:
    return next((row[c] for c in ROW_ID_COLUMNS if row.get(c)), "")


# --- MusicOSet: features by song_id, names and genres in the metadata files beside them --------------


def _companion(csv_path: Path, name: str) -> Path | None:
    for folder in (
        csv_path.parent,
        csv_path.parent.parent / "musicoset_metadata",
        csv_path.parent / "musicoset_metadata",
    ):
        candidate = folder / name
        if candidate.is_file() and candidate.resolve() != csv_path.resolve():
            return candidate
    return None


def join_musicoset(table: CsvTable, notes: list[str]) -> None:
    """Fill in title, artists, album and genres of a MusicOSet features table in place from
    songs.csv, artists.csv, tracks.csv and albums.csv found beside it. Does nothing when the
    table has names already or no ``song_id`` column, or when songs.csv is not found."""
    if "song_id" not in table.columns or any(c in table.columns for c in TITLE_COLUMNS):
        return
    songs_path = _companion(table.path, "songs.csv")
    if songs_path is None:
        return
    songs = {r["song_id"]: r for r in read_csv_table(songs_path).rows if r.get("song_id")}
    artists: dict[str, dict[str, str]] = {}
    if (path := _companion(table.path, "artists.csv")) is not None:
        artists = {r["artist_id"]: r for r in read_csv_table(path).rows if r.get("artist_id")}
    album_of: dict[str, str] = {}
    album_name: dict[str, str] = {}
    if (path := _companion(table.path, "tracks.csv")) is not None:
        album_of = {r["song_id"]: r.get("album_id", "") for r in read_csv_table(path).rows if r.get("song_id")}
        if (path := _companion(table.path, "albums.csv")) is not None:
            album_name = {r["album_id"]: r.get("name", "") for r in read_csv_table(path).rows if r.get("album_id")}
    used = [songs_path.name] + [n for n, d in (("artists.csv", artists), ("tracks.csv", album_of)) if d]
    notes.append(f"joined {table.path.name} with {', '.join(used)} by song_id")
    for row in table.rows:
        song = songs.get(row.get("song_id", ""))
        if song is None:
            continue
        album_id = album_of.get(row["song_id"], "")
        row.setdefault("album_id", album_id)
        row.setdefault("album", album_name.get(album_id, ""))
        row.setdefault("song_name", song.get("song_name", ""))
        row.setdefault("artists", song.get("artists", ""))
        ids = _artist_ids(song.get("artists", ""))
        genres: list[str] = []
        for artist_id in ids:
            artist = artists.get(artist_id, {})
            genres += [artist.get("main_genre", "")] + (literal_values(artist.get("genres", "")) or [])
        row.setdefault("genres", repr([g for g in genres if g and g != "-"]))


def _artist_ids(text: str) -> list[str]:
    text = text.strip()
    if not text.startswith("{") or len(text) > MAX_LITERAL_CHARS:
        return []
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return []
    return [str(k) for k in value] if isinstance(value, dict) else []
