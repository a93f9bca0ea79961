"""Top-k retrieval: the albums whose covers look most like this one, and their blended Features.

Exact search: one matrix-vector product over unit vectors (cosine similarity) and
an argpartition. 10k albums x 512 dimensions is a 20 MB matrix and a query takes a
few milliseconds; exact search stays fine to about 100k albums (200 MB, tens of
ms). Past that an approximate index (HNSW via hnswlib or faiss, or sqlite-vec
inside the same file) would replace ``top_k``; nothing else would change.

Blending follows AlbumGen (k = 5 beat k = 1 on every feature), with weights by
similarity: numeric features are the weighted mean; key, mode, time signature and
genre are weighted votes.

How much the blend counts against the cover's own reading (:class:`Retrieval`) grows with
the number of close neighbours and how close they are, so that a tiny library, or one with
nothing like this cover, never overrides the analysis:

* baseline b = the median cosine similarity of the query to every cover in the library: what
  an unrelated cover looks like to this query with this embedder (its "conformity", Levi &
  Gilboa 2025, The Double-Ellipsoid Geometry of CLIP; the median, so that a cluster of
  near-duplicates does not raise it). This keeps the rule free of per-embedder constants:
  CLIP and the sketch histogram have very different similarity scales.
* closeness c_i = clip((s_i - b) / (1 - b), 0, 1) for each of the k nearest: the share of the
  way from "unrelated" to "identical".
* support = sum of c_i (0..k), share = support / k (0..1). A library with fewer than k covers
  can never reach share 1.
* numeric features move by share (tempo, loudness: a picture cannot show them) or by
  share x the cover-analysis cap on mood (services/analyse.py).
* key, mode, time signature and genre follow the neighbours' vote only when the library holds
  at least k covers, support is at least k/2 and the vote outweighs the cover's own reading
  (share x agreement > (1 - share) x own confidence); otherwise the cover's own values stay.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, fields

import numpy as np

from albumgen_desktop.core.evidence import NeighbourAlbum
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

    def evidence(self) -> NeighbourAlbum:
        a = self.album
        return NeighbourAlbum(a.id, a.title, a.artist, a.genre, self.similarity, self.weight, a.features.to_dict())


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
    """The ``k`` albums whose ``model`` embeddings are most cosine-similar to ``query``, best
    first, with blend weights (similarity share, summing to 1). [] when none match its size."""
    return retrieve(library, model, query, k).neighbours


@dataclass(frozen=True)
class Retrieval:
    """The k nearest albums and how much they may count (the rule is in the module docstring)."""

    neighbours: list[Neighbour]
    albums: int  # covers in the library embedded with this model
    k: int
    baseline: float  # median cosine similarity of the query to every cover
    closeness: tuple[float, ...]  # per neighbour, 0..1

    @property
    def support(self) -> float:
        """Sum of the neighbours' closeness, 0..k: the effective number of close albums."""
        return float(sum(self.closeness))

    @property
    def share(self) -> float:
        """0..1: how far the library's blend may move a value the cover cannot show."""
        return self.support / self.k if self.k else 0.0

    @property
    def decides_categories(self) -> bool:
        """Whether the neighbours' vote may set key, mode, time signature and genre."""
        return self.albums >= self.k and self.support >= self.k / 2

    def note(self, mood_cap: float) -> str:
        """One sentence for people: what the library did and why."""
        if self.albums < self.k:
            covers = "cover" if self.albums == 1 else "covers"
            reason = f"The reference library has {self.albums} {covers} to compare with, fewer than k = {self.k}"
        elif not self.decides_categories:
            reason = (
                f"The {self.k} nearest albums look little like this cover (closeness {self.support:.1f} of {self.k})"
            )
        else:
            reason = f"The {self.k} nearest albums look close (closeness {self.support:.1f} of {self.k})"
        if self.share < 0.005:
            effect = "so it is not blended in"
        else:
            effect = f"so it moves tempo and loudness by {self.share:.0%} and mood by {self.share * mood_cap:.0%}"
        if self.decides_categories:
            return f"{reason}, {effect}, and its vote sets key, mode, metre and genre where it outweighs the cover."
        return f"{reason}, {effect}; key, mode, metre and genre are the cover's own."


def retrieve(library: Library, model: str, query: np.ndarray, k: int = DEFAULT_K) -> Retrieval:
    """The ``k`` nearest albums to ``query`` (any length-matching vector; normalised here) among
    the ``model`` embeddings of ``library``, with the closeness that sets their weight."""
    ids, matrix = library.matrix(model)
    if matrix.shape[0] == 0 or matrix.shape[1] != np.asarray(query).size:
        return Retrieval([], 0, k, 0.0, ())  # none yet, or another model under the same name
    rows, sims = top_k(query, matrix, k)
    albums = library.get([int(ids[r]) for r in rows])
    raw = np.maximum(sims, 0.0) + 1e-6
    weights = raw / raw.sum()
    neighbours = [Neighbour(a, float(s), float(w)) for a, s, w in zip(albums, sims, weights, strict=True)]
    q = np.asarray(query, dtype=np.float32).ravel()
    baseline = float(np.median(matrix @ (q / max(float(np.linalg.norm(q)), 1e-12))))
    closeness = tuple(float(np.clip((s - baseline) / max(1.0 - baseline, 1e-6), 0.0, 1.0)) for s in sims)
    return Retrieval(neighbours, int(matrix.shape[0]), k, baseline, closeness)


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


_MOOD = ("acousticness", "danceability", "energy", "instrumentalness", "liveness", "speechiness", "valence")


def blend_into(
    features: Features, confidence: dict[str, float], source: dict[str, str], found: Retrieval, mood_cap: float
) -> Features:
    """The cover's own ``features`` moved towards the neighbours' blend by the rule in the module
    docstring; ``confidence`` (0..1) and ``source`` labels are updated in place for every value
    the library changed ("sketch+library" for a blend, "library" for a vote it won).
    ``mood_cap`` (0..1) caps the weight on the seven mood features. Raises ValueError without
    neighbours."""
    neighbours = found.neighbours
    retrieved = blend(neighbours)
    values = features.to_dict()
    for name in _NUMERIC:
        weight = found.share * (mood_cap if name in _MOOD else 1.0)
        if weight <= 0.0:
            continue
        values[name] = (1 - weight) * values[name] + weight * getattr(retrieved, name)
        confidence[name] = (1 - weight) * confidence.get(name, 0.0) + weight * agreement(neighbours, name)
        source[name] = f"{source.get(name, 'default')}+library"
    if found.decides_categories:
        for name in _VOTED:
            vote = getattr(retrieved, name)
            agree = agreement(neighbours, name)
            if vote not in (None, "") and found.share * agree > (1 - found.share) * confidence.get(name, 0.0):
                values[name] = vote
                confidence[name] = found.share * agree
                source[name] = "library"
    return Features.from_dict(values)
