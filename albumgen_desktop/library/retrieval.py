"""Top-k retrieval: the albums whose covers look most like this one, and their blended Features.

Exact search: one matrix-vector product over unit vectors (cosine similarity) and
an argpartition. 10k albums x 512 dimensions is a 20 MB matrix and a query takes a
few milliseconds; exact search stays fine to about 100k albums (200 MB, tens of
ms). Past that an approximate index (HNSW via hnswlib or faiss, or sqlite-vec
inside the same file) would replace ``top_k``; nothing else would change.

Blending follows AlbumGen (k = 5 beat k = 1 on every feature), with weights by
similarity: numeric features are the weighted mean; key, mode, time signature and
genre are weighted votes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields

import numpy as np

from albumgen_desktop.core.features import Features
from albumgen_desktop.library.store import Album, Library

DEFAULT_K = 5
_NUMERIC = ("acousticness", "danceability", "energy", "instrumentalness", "liveness", "speechiness", "valence",
            "loudness_db", "tempo_bpm")  # fmt: skip
_VOTED = ("key", "mode", "time_signature", "genre")


@dataclass(frozen=True)
class Neighbour:
    album: Album
    similarity: float
    weight: float

    def evidence(self) -> dict[str, object]:
        return {
            "id": self.album.id, "title": self.album.title, "artist": self.album.artist,
            "genre": self.album.genre, "similarity": round(self.similarity, 4), "weight": round(self.weight, 4),
            "features": self.album.features.to_dict(),
        }  # fmt: skip


def top_k(query: np.ndarray, matrix: np.ndarray, k: int = DEFAULT_K) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of the ``k`` most cosine-similar rows (best first) and their similarities.
    ``matrix`` rows must be unit length; ``query`` is normalised here."""
    if matrix.shape[0] == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    q = np.asarray(query, dtype=np.float32).ravel()
    q = q / max(float(np.linalg.norm(q)), 1e-12)
    sims = matrix @ q
    k = min(k, sims.shape[0])
    part = np.argpartition(-sims, k - 1)[:k]
    order = part[np.lexsort((part, -sims[part]))]  # best first; ties by row for a stable answer
    return order, sims[order]


def nearest(library: Library, model: str, query: np.ndarray, k: int = DEFAULT_K) -> list[Neighbour]:
    ids, matrix = library.matrix(model)
    if matrix.shape[0] and matrix.shape[1] != np.asarray(query).size:
        return []  # vectors of another size: a different model under the same name
    rows, sims = top_k(query, matrix, k)
    albums = library.get([int(ids[r]) for r in rows])
    raw = np.maximum(sims, 0.0) + 1e-6
    weights = raw / raw.sum() if raw.size else raw
    return [Neighbour(a, float(s), float(w)) for a, s, w in zip(albums, sims, weights, strict=True)]


def blend(neighbours: list[Neighbour]) -> Features:
    """The similarity-weighted mean (numbers) and vote (categories) of the neighbours' Features."""
    if not neighbours:
        raise ValueError("nothing to blend")
    total = sum(n.weight for n in neighbours)
    values: dict[str, object] = {}
    for name in _NUMERIC:
        values[name] = sum(getattr(n.album.features, name) * n.weight for n in neighbours) / total
    for name in _VOTED:
        votes: dict[object, float] = defaultdict(float)
        for n in neighbours:
            value = getattr(n.album.features, name)
            if value not in (None, ""):
                votes[value] += n.weight
        values[name] = max(votes.items(), key=lambda kv: (kv[1], str(kv[0])))[0] if votes else None
    if values["genre"] is None:
        values["genre"] = ""
    if values["mode"] is None:
        values["mode"] = Features().mode
    if values["time_signature"] is None:
        values["time_signature"] = Features().time_signature
    known = {f.name for f in fields(Features)}
    return Features.from_dict({k: v for k, v in values.items() if k in known})


def agreement(neighbours: list[Neighbour], name: str) -> float:
    """0..1: how much the neighbours agree on one feature (1 - spread), used as its confidence."""
    if not neighbours:
        return 0.0
    if name in _VOTED:
        votes: dict[object, float] = defaultdict(float)
        for n in neighbours:
            votes[getattr(n.album.features, name)] += n.weight
        return max(votes.values()) / sum(votes.values())
    vals = np.array([getattr(n.album.features, name) for n in neighbours], dtype=np.float64)
    span = {"loudness_db": 60.0, "tempo_bpm": 180.0}.get(name, 1.0)
    return float(max(0.0, 1.0 - 2.0 * vals.std() / span))
