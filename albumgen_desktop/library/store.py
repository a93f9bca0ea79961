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
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from albumgen_desktop.core.errors import AlbumGenError, BadInputError
from albumgen_desktop.core.features import Features

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS albums (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    artist TEXT NOT NULL DEFAULT '',
    genre TEXT NOT NULL DEFAULT '',
    features TEXT NOT NULL,
    source TEXT NOT NULL,
    source_key TEXT NOT NULL UNIQUE,
    stamp TEXT NOT NULL,
    added TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS embeddings (
    album_id INTEGER NOT NULL REFERENCES albums(id) ON DELETE CASCADE,
    model TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (album_id, model)
);
CREATE INDEX IF NOT EXISTS embeddings_by_model ON embeddings(model);
"""


def default_library_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("albumgen-desktop", appauthor=False)) / "library.sqlite"


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


class Library:
    """Open (or create) the library at ``path``. Safe to share between threads: one
    connection guarded by a lock (SQLite in WAL mode keeps readers and the writer apart)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else default_library_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(SCHEMA)
            version = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise AlbumGenError(f"the reference library {self.path} cannot be opened: {exc}") from None
        if version is None:
            self._db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            self._db.commit()
        elif int(version[0]) > SCHEMA_VERSION:
            raise AlbumGenError(f"the reference library {self.path} was written by a newer AlbumGen")
        self._lock = threading.RLock()
        self._matrices: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._bulk = 0

    @contextmanager
    def bulk(self) -> Iterator[None]:
        """Many writes in one transaction (a 10k-row import commits once, not 10k times)."""
        with self._lock:
            self._bulk += 1
            try:
                yield
            except BaseException:
                self._bulk -= 1
                if not self._bulk:
                    self._db.rollback()
                raise
            self._bulk -= 1
            if not self._bulk:
                self._db.commit()

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with self._lock:
            if self._bulk:
                yield
                return
            with self._db:
                yield

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing --------------------------------------------------------------------------

    def stamps(self, source: str) -> dict[str, str]:
        with self._lock:
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
        """Insert or replace the row for ``source_key`` with its embeddings; returns its id."""
        if not embeddings:
            raise BadInputError(f"{source_key}: an album needs at least one cover embedding")
        now = datetime.now(UTC).isoformat(timespec="seconds")
        with self._transaction():
            row = self._db.execute("SELECT id FROM albums WHERE source_key=?", (source_key,)).fetchone()
            values = (title, artist, features.genre, features.to_json(), source, stamp)
            if row is None:
                cur = self._db.execute(
                    "INSERT INTO albums (title, artist, genre, features, source, stamp, source_key, added) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (*values, source_key, now),
                )
                album_id = int(cur.lastrowid)
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
        with self._lock, self._db:
            cur = self._db.executemany("DELETE FROM albums WHERE id=?", [(int(i),) for i in album_ids])
            self._matrices.clear()
        return cur.rowcount

    def remove_sources(self, source_keys: list[str]) -> int:
        with self._lock, self._db:
            cur = self._db.executemany("DELETE FROM albums WHERE source_key=?", [(k,) for k in source_keys])
            self._matrices.clear()
        return cur.rowcount

    # -- reading --------------------------------------------------------------------------

    def _album(self, row: tuple) -> Album:
        features = Features.from_dict(json.loads(row[4]))
        return Album(int(row[0]), row[1], row[2], row[3], features, row[5], row[6])

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
        with self._lock:
            rows = self._db.execute(sql, args).fetchall()
        return [self._album(r) for r in rows]

    def get(self, album_ids: list[int]) -> list[Album]:
        if not album_ids:
            return []
        marks = ",".join("?" * len(album_ids))
        with self._lock:
            rows = self._db.execute(
                f"SELECT id, title, artist, genre, features, source, source_key FROM albums WHERE id IN ({marks})",
                [int(i) for i in album_ids],
            ).fetchall()
        by_id = {int(r[0]): self._album(r) for r in rows}
        return [by_id[int(i)] for i in album_ids if int(i) in by_id]

    def count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM albums").fetchone()[0])

    def matrix(self, model: str) -> tuple[np.ndarray, np.ndarray]:
        """(album ids, unit-length vectors as rows) for one embedding model; cached until a write."""
        with self._lock:
            if model not in self._matrices:
                rows = self._db.execute(
                    "SELECT album_id, vector FROM embeddings WHERE model=? ORDER BY album_id", (model,)
                ).fetchall()
                ids = np.array([r[0] for r in rows], dtype=np.int64)
                if rows:
                    mat = np.stack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
                    norms = np.linalg.norm(mat, axis=1, keepdims=True)
                    mat = mat / np.maximum(norms, 1e-12)
                else:
                    mat = np.zeros((0, 0), dtype=np.float32)
                self._matrices[model] = (ids, np.ascontiguousarray(mat, dtype=np.float32))
            return self._matrices[model]

    def stats(self) -> dict[str, object]:
        with self._lock:
            by_source = dict(self._db.execute("SELECT source, COUNT(*) FROM albums GROUP BY source").fetchall())
            by_model = dict(self._db.execute("SELECT model, COUNT(*) FROM embeddings GROUP BY model").fetchall())
            genres = self._db.execute(
                "SELECT genre, COUNT(*) FROM albums WHERE genre != '' GROUP BY genre ORDER BY COUNT(*) DESC LIMIT 10"
            ).fetchall()
        size = sum(os.path.getsize(p) for p in (self.path, Path(f"{self.path}-wal")) if os.path.exists(p))
        return {
            "path": str(self.path),
            "albums": self.count(),
            "by_source": by_source,
            "embeddings": by_model,
            "top_genres": [[g, n] for g, n in genres],
            "size_bytes": size,
        }
