"""What an analysis rests on, as typed records: each says what it is (``type``, the key the CLI's
JSON carries), and ``to_dict`` gives the JSON shape of ``albumgen analyze --json``.

Kinds: the analysed stretch of a track (``AnalysisWindow``), zero-shot genre scores from CLAP or
CLIP (``ClapGenres``, ``ClipGenres``), the colour and texture statistics of the sketch reading
(``ImageStatsEvidence``), the nearest albums of the reference library (``Neighbours`` of
``NeighbourAlbum``), how much the library counted and why (``LibraryWeight``, the rule is in
library/retrieval.py), and the Features JSON a VLM wrote (``VlmFeatures``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, ClassVar


@dataclass(frozen=True)
class Evidence:
    """Base of every evidence record."""

    type: ClassVar[str] = ""

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, **asdict(self)}


@dataclass(frozen=True)
class AnalysisWindow(Evidence):
    """The stretch of a track the analysis read, in seconds from its start."""

    type: ClassVar[str] = "window"
    start_s: float
    end_s: float


@dataclass(frozen=True)
class GenreScores(Evidence):
    """The best zero-shot genres of ``model`` with their probabilities (0..1), best first."""

    model: str
    top: tuple[tuple[str, float], ...]
    by: ClassVar[str] = ""

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "model": self.model, "top": [[g, round(p, 3)] for g, p in self.top]}


@dataclass(frozen=True)
class ClapGenres(GenreScores):
    type: ClassVar[str] = "clap_genres"
    by: ClassVar[str] = "CLAP"


@dataclass(frozen=True)
class ClipGenres(GenreScores):
    type: ClassVar[str] = "clip_genres"
    by: ClassVar[str] = "CLIP"


@dataclass(frozen=True)
class ImageStatsEvidence(Evidence):
    """The colour and texture statistics the sketch reading of a cover used (engines/image_sketch.py)."""

    type: ClassVar[str] = "image_stats"
    stats: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, **{k: round(v, 3) for k, v in self.stats.items()}}


@dataclass(frozen=True)
class NeighbourAlbum:
    """One retrieved album: cosine ``similarity`` -1..1 of its cover embedding to the query and its
    blend ``weight`` (the neighbours' weights sum to 1); ``features`` in Features' JSON shape."""

    id: int
    title: str
    artist: str
    genre: str
    similarity: float
    weight: float
    features: dict[str, Any]

    def label(self) -> str:
        return f"{self.artist} — {self.title}" if self.artist else self.title


@dataclass(frozen=True)
class Neighbours(Evidence):
    """The ``k`` nearest albums of the reference library by ``model``'s cover embeddings, best first."""

    type: ClassVar[str] = "neighbours"
    model: str
    k: int
    albums: tuple[NeighbourAlbum, ...]

    def to_dict(self) -> dict[str, Any]:
        albums = [
            {**asdict(a), "similarity": round(a.similarity, 4), "weight": round(a.weight, 4)} for a in self.albums
        ]
        return {"type": self.type, "model": self.model, "k": self.k, "albums": albums}


@dataclass(frozen=True)
class LibraryWeight(Evidence):
    """How much the reference library counted (library/retrieval.py): ``albums`` covers in it,
    each neighbour's ``closeness`` 0..1 over the query's median similarity ``baseline``, their
    ``support``, the blend ``weight`` 0..1 for tempo and loudness and ``mood_weight`` for the
    mood values, whether its vote set key, mode, metre and genre, and the ``note`` saying why."""

    type: ClassVar[str] = "library_weight"
    albums: int
    k: int
    baseline: float
    closeness: tuple[float, ...]
    support: float
    weight: float
    mood_weight: float
    decides_categories: bool
    note: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type, "albums": self.albums, "k": self.k, "baseline": round(self.baseline, 4),
            "closeness": [round(c, 3) for c in self.closeness], "support": round(self.support, 3),
            "weight": round(self.weight, 3), "mood_weight": round(self.mood_weight, 3),
            "decides_categories": self.decides_categories, "note": self.note,
        }  # fmt: skip


@dataclass(frozen=True)
class VlmFeatures(Evidence):
    """The Features JSON ``model`` wrote under constrained decoding, with how many retrieved
    albums it saw as context."""

    type: ClassVar[str] = "vlm"
    model: str
    json: str
    context_albums: int
