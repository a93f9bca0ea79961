"""The reference library: one SQLite file in the user data dir.

Each row is a release with a cover: an album from a features CSV, or a track of
the artist's own music folder. Cover embeddings are kept per embedding model
(CLIP, or the weights-free sketch descriptor), because vectors of different
models cannot be compared; retrieval only looks at vectors of the model it
queries with. ``stamp`` (size and modification time of the source, or a hash of
a CSV row) lets a re-import skip what has not changed.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from albumgen_desktop.core.errors import (
    AlbumGenError,
    BadInputError,
    LibraryAccessError,
    LibraryBusyError,
    LibraryDamagedError,
)
from albumgen_desktop.core.features import Features

SCHEMA_VERSION = 1
# PRAGMA application_id marks the file as ours (https://www.sqlite.org/pragma.html#pragma_application_id);
# files written before it was set have 0 and are recognised by their meta table.
APPLICATION_ID = 0x4147454E  # "AGEN"
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE IF NOT EXISTS albums (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    artist TEXT NOT NULL DEFAULT '',
    genre TEXT NOT NULL DEFAULT '',
    features TEXT NOT NULL,
    source TEXT NOT NULL,
    source_key TEXT NOT NULL UNIQUE,
    stamp TEXT NOT NULL,
    added TEXT NOT NULL
)""",
    """CREATE TABLE IF NOT EXISTS embeddings (
    album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (album_id, model)
)""",
    "CREATE INDEX IF NOT EXISTS embeddings_by_model ON embeddings(model)",
)
# How long a write waits for another process's write (an import commits once per album, in
# milliseconds) before it gives up with "library busy".
BUSY_TIMEOUT_S = 15.0
REPAIR_HINT = "run 'albumgen library repair' to set it aside and start a new one with what can still be read"

# Primary result codes (https://www.sqlite.org/rescode.html); the extended code's low byte.
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY, _SQLITE_IOERR = 3, 5, 6, 8, 10
_SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 11, 13, 14, 26


def default_library_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("albumgen-desktop", appauthor=False)) / "library.sqlite"


@dataclass(frozen=True)
class LibraryStats:
    """What a library holds: albums by import source, cover embeddings by model, the ten most
    common genres (with counts) and the file's size on disk (database plus its WAL), in bytes."""

    path: str
    albums: int
    by_source: dict[str, int]
    embeddings: dict[str, int]
    top_genres: list[tuple[str, int]]
    size_bytes: int

    def to_dict(self) -> dict[str, object]:
        """The JSON shape of ``albumgen library stats --json``."""
        return {**asdict(self), "top_genres": [[g, n] for g, n in self.top_genres]}


@dataclass(frozen=True)
class Album:
    id: int
    title: str
    artist: str
    genre: str
    features: Features
    source: str
    source_key: str

    def label(self) -> str:
        return f"{self.artist} — {self.title}" if self.artist else self.title


def damaged(path: Path, detail: str) -> LibraryDamagedError:
    """The one-line report of a damaged library file: what, where, how to recover."""
    return LibraryDamagedError(f"the reference library {path} is damaged ({detail}); {REPAIR_HINT}", path, detail)


def _library_error(path: Path, exc: sqlite3.Error, busy_timeout: float) -> AlbumGenError:
    """One clear AlbumGenError for any SQLite failure on the library at ``path``."""
    code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
    text = str(exc)
    if code in (_SQLITE_BUSY, _SQLITE_LOCKED) or "database is locked" in text:
        return LibraryBusyError(
            f"the reference library {path} is busy: another AlbumGen has been writing to it for more than "
            f"{busy_timeout:.0f} s; try again when it has finished"
        )
    if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB) or "malformed" in text or "not a database" in text:
        return damaged(path, text)
    if code == _SQLITE_READONLY:
        return LibraryAccessError(
            f"the reference library {path} is read-only; make the file and its folder writable, "
            "or give another file with --library"
        )
    if code in (_SQLITE_CANTOPEN, _SQLITE_PERM):
        return LibraryAccessError(
            f"the reference library {path} cannot be opened or created; check that {path.parent} is a "
            "folder you can write in"
        )
    if code == _SQLITE_FULL:
        return AlbumGenError(f"the disk is full; the reference library {path} cannot grow")
    if code == _SQLITE_IOERR:
        return AlbumGenError(f"the reference library {path} could not be read or written ({text})")
    return damaged(path, text)


def _check_location(path: Path) -> None:
    """Path mistakes as one LibraryAccessError line, before SQLite sees them."""
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise LibraryAccessError(
            f"the reference library {path} cannot be created: a part of {parent} is a file, not a folder"
        ) from None
    except OSError as exc:
        raise LibraryAccessError(
            f"the reference library {path} cannot be created: {parent}: {exc.strerror or exc}"
        ) from None
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if not os.access(parent, os.W_OK):
            raise LibraryAccessError(
                f"the reference library {path} cannot be created: no permission to write in {parent}"
            ) from None
        return
    except OSError as exc:
        raise LibraryAccessError(f"the reference library {path} cannot be opened: {exc.strerror or exc}") from None
    if stat.S_ISDIR(info.st_mode):
        raise LibraryAccessError(f"the reference library {path} is a folder; give a file name")
    if not stat.S_ISREG(info.st_mode):
        raise LibraryAccessError(f"the reference library {path} is not a regular file")


class Library:
    """Open (or create) the library at ``path``. Safe to share between threads (one connection
    guarded by a lock) and between processes: SQLite in WAL mode keeps readers and the writer
    apart, every write is one ``BEGIN IMMEDIATE`` transaction that waits up to ``busy_timeout``
    seconds for another process's write, and creating the schema is idempotent, so any number of
    processes may open a new library at once.

    Errors: LibraryAccessError (path mistakes, read-only file), LibraryDamagedError (corrupt
    file; see :func:`repair_library`), LibraryBusyError (another writer past the timeout).
    """

    def __init__(self, path: Path | None = None, busy_timeout: float | None = None) -> None:
        self.path = Path(path) if path is not None else default_library_path()
        self.busy_timeout = BUSY_TIMEOUT_S if busy_timeout is None else float(busy_timeout)
        busy_timeout = self.busy_timeout
        self._lock = threading.RLock()
        self._matrices: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._bulk = 0
        _check_location(self.path)
        try:
            self._db = sqlite3.connect(self.path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise _library_error(self.path, exc, busy_timeout) from None
        try:
            with self._errors():
                self._db.execute("PRAGMA foreign_keys=ON")
                self._open_schema()
        except BaseException:
            self._db.close()
            raise

    def _open_schema(self) -> None:
        version = self._schema_version()
        if self._db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            try:  # once per file (it is stored in the file); a read-only or busy file stays as it is
                self._db.execute("PRAGMA journal_mode=WAL")
            except sqlite3.OperationalError:
                if version is None:
                    raise
        if version is None:  # new (or half-made) library: make it, once, whoever comes first
            with self._write():
                self._refuse_foreign_file()
                for statement in SCHEMA:
                    self._db.execute(statement)
                self._db.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
                )
                self._db.execute(f"PRAGMA application_id={APPLICATION_ID}")
            version = self._schema_version()
        if version is None or version > SCHEMA_VERSION:
            raise AlbumGenError(f"the reference library {self.path} was written by a newer AlbumGen; please update")

    def _schema_version(self) -> int | None:
        try:
            row = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return None
            raise
        if row is None:
            return None
        try:
            return int(row[0])
        except (TypeError, ValueError):
            raise damaged(self.path, f"schema version {row[0]!r}") from None

    def _refuse_foreign_file(self) -> None:
        app_id = self._db.execute("PRAGMA application_id").fetchone()[0]
        tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if app_id not in (0, APPLICATION_ID) or (tables and "meta" not in tables):
            raise LibraryAccessError(
                f"{self.path} is another program's database, not an AlbumGen library; give another file"
            )

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """SQLite errors as the library's own error types."""
        try:
            yield
        except sqlite3.Error as exc:
            raise _library_error(self.path, exc, self.busy_timeout) from None

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction (BEGIN IMMEDIATE: it takes the write lock up front, so it waits
        for another writer instead of failing halfway); inside bulk() it joins bulk's."""
        with self._lock, self._errors():
            if self._bulk:
                yield
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                with suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def _read(self) -> Iterator[None]:
        with self._lock, self._errors():
            yield

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Many writes in one transaction (a 10k-row import commits once, not 10k times)."""
        with self._write():
            self._bulk += 1
            try:
                yield
            finally:
                self._bulk -= 1

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing --------------------------------------------------------------------------

    def stamps(self, source: str) -> dict[str, str]:
        """source_key -> stamp of every row from ``source`` ('folder' or 'csv')."""
        with self._read():
            rows = self._db.execute("SELECT source_key, stamp FROM albums WHERE source=?", (source,)).fetchall()
        return dict(rows)

    def put(
        self,
        *,
        title: str,
        artist: str,
        features: Features,
        source: str,
        source_key: str,
        stamp: str,
        embeddings: dict[str, np.ndarray],
    ) -> int:
        """Insert or replace the row for ``source_key`` with its embeddings; returns its id.
        Idempotent, and safe against another process putting the same key at the same time
        (the read and the write are one IMMEDIATE transaction)."""
        if not embeddings:
            raise BadInputError(f"{source_key}: an album needs at least one cover embedding")
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._write():
            row = self._db.execute("SELECT id FROM albums WHERE source_key=?", (source_key,)).fetchone()
            values = (title, artist, features.genre, features.to_json(), source, stamp)
            if row is None:
                cur = self._db.execute(
                    "INSERT INTO albums (title, artist, genre, features, source, stamp, source_key, added) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (*values, source_key, now),
                )
                album_id = int(cur.lastrowid or 0)  # always set after an INSERT into a rowid table
            else:
                album_id = int(row[0])
                self._db.execute(
                    "UPDATE albums SET title=?, artist=?, genre=?, features=?, source=?, stamp=? WHERE id=?",
                    (*values, album_id),
                )
                self._db.execute("DELETE FROM embeddings WHERE album_id=?", (album_id,))
            for model, vector in embeddings.items():
                vec = np.asarray(vector, dtype=np.float32).ravel()
                self._db.execute(
                    "INSERT INTO embeddings (album_id, model, vector) VALUES (?, ?, ?)",
                    (album_id, model, vec.tobytes()),
                )
            self._matrices.clear()
        return album_id

    def remove(self, album_ids: list[int]) -> int:
        with self._write():
            cur = self._db.executemany("DELETE FROM albums WHERE id=?", [(int(i),) for i in album_ids])
            self._matrices.clear()
        return cur.rowcount

    def remove_sources(self, source_keys: list[str]) -> int:
        with self._write():
            cur = self._db.executemany("DELETE FROM albums WHERE source_key=?", [(k,) for k in source_keys])
            self._matrices.clear()
        return cur.rowcount

    # -- reading --------------------------------------------------------------------------

    def _album(self, row: tuple) -> Album:
        try:
            features = Features.from_dict(json.loads(row[4]))
            return Album(int(row[0]), str(row[1]), str(row[2]), str(row[3]), features, str(row[5]), str(row[6]))
        except (ValueError, TypeError, RecursionError, BadInputError) as exc:  # rows are ours: damage
            raise damaged(self.path, f"album {row[0]!r} cannot be read: {exc}") from None

    def albums(self, limit: int | None = None, offset: int = 0, search: str = "") -> list[Album]:
        sql = "SELECT id, title, artist, genre, features, source, source_key FROM albums"
        args: list[object] = []
        if search:
            sql += " WHERE title LIKE ? OR artist LIKE ? OR genre LIKE ?"
            args += [f"%{search}%"] * 3
        sql += " ORDER BY artist COLLATE NOCASE, title COLLATE NOCASE, id"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args += [int(limit), int(offset)]
        with self._read():
            rows = self._db.execute(sql, args).fetchall()
        return [self._album(r) for r in rows]

    def get(self, album_ids: list[int]) -> list[Album]:
        if not album_ids:
            return []
        marks = ",".join("?" * len(album_ids))
        with self._read():
            rows = self._db.execute(
                f"SELECT id, title, artist, genre, features, source, source_key FROM albums WHERE id IN ({marks})",
                [int(i) for i in album_ids],
            ).fetchall()
        by_id = {int(r[0]): self._album(r) for r in rows}
        return [by_id[int(i)] for i in album_ids if int(i) in by_id]

    def count(self) -> int:
        with self._read():
            return int(self._db.execute("SELECT COUNT(*) FROM albums").fetchone()[0])

    def matrix(self, model: str) -> tuple[np.ndarray, np.ndarray]:
        """(album ids, unit-length vectors as rows) for one embedding model; cached until a write."""
        with self._read():
            if model not in self._matrices:
                rows = self._db.execute(
                    "SELECT album_id, vector FROM embeddings WHERE model=? ORDER BY album_id", (model,)
                ).fetchall()
                ids = np.array([r[0] for r in rows], dtype=np.int64)
                sizes = {len(r[1]) if isinstance(r[1], bytes) else -1 for r in rows}
                if rows and (len(sizes) != 1 or min(sizes) <= 0 or min(sizes) % 4):
                    raise damaged(self.path, f"the {model} cover embeddings have mixed or broken sizes")
                if rows:
                    mat = np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
                    if not np.isfinite(mat).all():
                        raise damaged(self.path, f"the {model} cover embeddings hold invalid numbers")
                    norms = np.linalg.norm(mat, axis=1, keepdims=True)
                    mat = mat / np.maximum(norms, 1e-12)
                else:
                    mat = np.zeros((0, 0), dtype=np.float32)
                self._matrices[model] = (ids, np.ascontiguousarray(mat, dtype=np.float32))
            return self._matrices[model]

    def stats(self) -> LibraryStats:
        with self._read():
            by_source = dict(self._db.execute("SELECT source, COUNT(*) FROM albums GROUP BY source").fetchall())
            by_model = dict(self._db.execute("SELECT model, COUNT(*) FROM embeddings GROUP BY model").fetchall())
            genres = self._db.execute(
                "SELECT genre, COUNT(*) FROM albums WHERE genre != '' GROUP BY genre ORDER BY COUNT(*) DESC LIMIT 10"
            ).fetchall()
        size = sum(os.path.getsize(p) for p in (self.path, Path(f"{self.path}-wal")) if os.path.exists(p))
        return LibraryStats(
            path=str(self.path), albums=self.count(), by_source=by_source, embeddings=by_model,
            top_genres=[(str(g), int(n)) for g, n in genres], size_bytes=size,
        )  # fmt: skip

    def check(self) -> list[str]:
        """SQLite's structural check (PRAGMA quick_check: every page, O(size)), then every row and
        embedding read once; an empty list when the library is sound, else what is wrong."""
        with self._read():
            rows = [str(r[0]) for r in self._db.execute("PRAGMA quick_check").fetchall()]
            if rows != ["ok"]:  # one finding per line, without the "*** in database main ***" heading
                lines = (line.strip() for row in rows for line in row.splitlines())
                return [line for line in lines if line and not line.startswith("***")]
            try:  # sound pages can still hold rows we cannot use
                self.albums()
                for (model,) in self._db.execute("SELECT DISTINCT model FROM embeddings").fetchall():
                    self.matrix(str(model))
            except LibraryDamagedError as exc:
                return [exc.detail or str(exc)]
        return []


@dataclass(frozen=True)
class RepairReport:
    """What :func:`repair_library` did: ``moved_to`` is None when the library was sound."""

    path: Path
    moved_to: Path | None
    recovered: int
    problem: str = ""

    def summary(self) -> str:
        if self.moved_to is None:
            if not self.path.exists():
                return f"there is no reference library at {self.path} yet; nothing to repair"
            return f"the reference library {self.path} is sound; nothing to repair"
        return (
            f"moved the damaged library to {self.moved_to} and started a new one at {self.path} with "
            f"{self.recovered} album(s) that could still be read; import your folders or CSVs again for the rest"
        )


def library_problem(path: Path) -> str:
    """'' when the library at ``path`` opens and passes :meth:`Library.check`, else what is wrong
    (one line, e.g. "file is not a database", "Page 470: btreeInitPage() returns error code 11 and 99 more")."""
    try:
        with Library(path) as library:
            problems = library.check()
    except LibraryDamagedError as exc:
        return exc.detail or str(exc)
    if not problems:
        return ""
    return problems[0] + (f" and {len(problems) - 1} more" if len(problems) > 1 else "")


def repair_library(path: Path | None = None) -> RepairReport:
    """Set a damaged library aside and start a new one at the same path.

    The damaged file (with its -wal and -shm) is renamed to ``NAME.damaged-YYYYmmdd-HHMMSS``
    beside it (never deleted), then every album whose row and embeddings can still be read
    from it is copied into the new library. A sound library is left as it is. Raises
    LibraryAccessError for path mistakes and LibraryBusyError when another process is writing.
    """
    path = Path(path) if path is not None else default_library_path()
    _check_location(path)
    if not path.exists():
        return RepairReport(path, None, 0)  # nothing there yet: the first import makes it
    problem = library_problem(path)
    if not problem:
        return RepairReport(path, None, 0)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    try:
        for suffix in ("-wal", "-shm", ""):  # the main file last: a crash leaves it where it was
            side = Path(f"{path}{suffix}")
            if side.exists():
                os.replace(side, Path(f"{aside}{suffix}"))
    except OSError as exc:
        raise LibraryAccessError(f"the damaged library {path} cannot be moved aside: {exc.strerror or exc}") from None
    with Library(path) as fresh:
        recovered = _salvage(aside, fresh)
    return RepairReport(path, aside, recovered, problem)


def _salvage(damaged_path: Path, into: Library) -> int:
    """Copy every album (row and embeddings) that still reads cleanly; skip the rest."""
    try:
        db = sqlite3.connect(f"file:{damaged_path}?mode=ro", uri=True, timeout=1.0)
    except sqlite3.Error:
        return 0
    recovered = 0
    try:
        ids = _readable_ids(db)
        cols = "title, artist, features, source, source_key, stamp"
        for album_id in ids:
            try:
                row = db.execute(f"SELECT {cols} FROM albums WHERE id=?", (album_id,)).fetchone()
                vectors = db.execute("SELECT model, vector FROM embeddings WHERE album_id=?", (album_id,)).fetchall()
                if row is None or not vectors:
                    continue
                features = Features.from_dict(json.loads(row[2]))
                embeddings = {str(m): np.frombuffer(v, dtype=np.float32) for m, v in vectors}
                if not all(e.size and np.isfinite(e).all() for e in embeddings.values()):
                    continue
                into.put(title=str(row[0]), artist=str(row[1]), features=features, source=str(row[3]),
                         source_key=str(row[4]), stamp=str(row[5]), embeddings=embeddings)  # fmt: skip
                recovered += 1
            except (sqlite3.Error, ValueError, TypeError, RecursionError, BadInputError):
                continue
    finally:
        db.close()
    return recovered


def _readable_ids(db: sqlite3.Connection, max_probes: int = 1_000_000) -> list[int]:
    """Album ids of a damaged file: scanned from both ends of the table until a damaged page
    stops the scan, then the ids in between looked up one by one (each lookup takes its own path
    down the b-tree, so many of them avoid the damaged pages)."""
    found: set[int] = set()
    for order in ("ASC", "DESC"):
        try:
            for (album_id,) in db.execute(f"SELECT id FROM albums ORDER BY id {order}"):
                found.add(int(album_id))
        except (sqlite3.Error, TypeError, ValueError):
            pass
    try:
        top = int(db.execute("SELECT max(id) FROM albums").fetchone()[0] or 0)
    except (sqlite3.Error, TypeError, ValueError):
        top = max(found, default=0)
    for album_id in range(1, min(top, max_probes) + 1):
        if album_id in found:
            continue
        try:
            if db.execute("SELECT 1 FROM albums WHERE id=?", (album_id,)).fetchone() is not None:
                found.add(album_id)
        except sqlite3.Error:
            continue
    return sorted(found)
