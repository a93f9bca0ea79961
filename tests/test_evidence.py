"""Evidence records keep the JSON shape `albumgen analyze --json` has always printed."""

from __future__ import annotations

import json

from albumgen_desktop.core.analysis import Analysis
from albumgen_desktop.core.evidence import (
    AnalysisWindow,
    ClipGenres,
    ImageStatsEvidence,
    LibraryWeight,
    NeighbourAlbum,
    Neighbours,
    VlmFeatures,
)
from albumgen_desktop.core.features import Features


def test_every_kind_serialises_with_its_type_and_rounded_numbers() -> None:
    album = NeighbourAlbum(7, "Blue", "Ann", "jazz", 0.912345678, 0.25, Features().to_dict())
    items = [
        AnalysisWindow(1.0, 31.0),
        ClipGenres("clip-b32", (("jazz", 0.41234), ("ambient", 0.2))),
        ImageStatsEvidence({"brightness": 0.123456}),
        Neighbours("clip-b32", 5, (album,)),
        LibraryWeight(1, 5, 0.1, (0.9,), 0.9, 0.18, 0.108, False, "too few albums"),
        VlmFeatures("smolvlm-256m", "{}", 1),
    ]
    out = json.loads(json.dumps(Analysis("x.png", "image", Features(), evidence=items).to_dict()))["evidence"]
    assert [e["type"] for e in out] == ["window", "clip_genres", "image_stats", "neighbours", "library_weight", "vlm"]
    assert out[1]["top"] == [["jazz", 0.412], ["ambient", 0.2]]
    assert out[2] == {"type": "image_stats", "brightness": 0.123}
    assert out[3]["albums"][0]["similarity"] == 0.9123 and out[3]["albums"][0]["title"] == "Blue"
    assert out[4]["note"] == "too few albums" and out[4]["decides_categories"] is False
