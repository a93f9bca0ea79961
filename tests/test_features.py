from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings

from albumgen_desktop.core.errors import BadInputError
from albumgen_desktop.core.features import (
    Features,
    from_albumgen_vlm,
    from_any_json,
    from_spotify,
    key_index,
)
from tests.strategies import features


@given(features)
@settings(max_examples=200)
def test_json_round_trip_is_exact(f: Features) -> None:
    assert Features.from_json(f.to_json()) == f


def test_defaults_are_valid_and_complete() -> None:
    f = Features()
    assert set(f.to_dict()) == {
        "acousticness", "danceability", "energy", "instrumentalness", "liveness", "speechiness", "valence",
        "loudness_db", "tempo_bpm", "key", "mode", "time_signature", "genre", "style",
    }  # fmt: skip


def test_constructor_is_strict() -> None:
    with pytest.raises(BadInputError, match="energy must be between 0 and 1"):
        Features(energy=1.01)
    with pytest.raises(BadInputError, match="finite"):
        Features(valence=math.nan)
    with pytest.raises(BadInputError, match="must be a number"):
        Features(energy=True)  # type: ignore[arg-type]


def test_slightly_out_of_range_is_clamped_with_a_warning() -> None:
    warnings: list[str] = []
    f = Features.from_dict({"energy": 1.017, "valence": -0.05, "loudness_db": 2.5}, warnings)
    assert (f.energy, f.valence, f.loudness_db) == (1.0, 0.0, 0.0)
    assert len(warnings) == 3 and "clamped" in warnings[0]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"energy": 3}, "between 0 and 1"),
        ({"loudness_db": -90}, "between -60 and 0"),
        ({"tempo_bpm": -5}, "tempo_bpm"),
        ({"time_signature": 2}, "3..7"),
        ({"time_signature": 4.5}, "whole number"),
        ({"key": 12}, "0..11"),
        ({"key": "H"}, "note name"),
        ({"mode": "dorian"}, "major' or 'minor"),
        ({"genre": "<script>"}, "genre may hold"),
        ({"genre": "x" * 41}, "too long"),
        ({"style": "a\x00b"}, "control characters"),
        ({"energgy": 0.5}, "did you mean 'energy'"),
        ({"energy": "0.5"}, "must be a number"),
    ],
)
def test_invalid_values_are_rejected_clearly(data: dict, message: str) -> None:
    with pytest.raises(BadInputError, match=message):
        Features.from_dict(data, [])


def test_tempo_is_octave_folded() -> None:
    warnings: list[str] = []
    assert Features.from_dict({"tempo_bpm": 280}, warnings).tempo_bpm == 140
    assert Features.from_dict({"tempo_bpm": 30}, warnings).tempo_bpm == 60
    assert len(warnings) == 2


@pytest.mark.parametrize("text", ['{"energy": NaN}', '{"energy": Infinity}', "[1, 2]", '"x"', "{", ""])
def test_bad_json_is_rejected(text: str) -> None:
    with pytest.raises(BadInputError):
        Features.from_json(text)


@pytest.mark.parametrize(
    "name, index", [("C", 0), ("c#", 1), ("Db", 1), ("F♯", 6), ("Bb", 10), ("B♭", 10), ("Cb", 11), ("E#", 5), (7, 7)]
)
def test_key_names(name: object, index: int) -> None:
    assert key_index(name) == index


SPOTIFY = {
    "danceability": 0.735, "energy": 0.578, "key": 5, "loudness": -11.84, "mode": 0, "speechiness": 0.0461,
    "acousticness": 0.514, "instrumentalness": 0.0902, "liveness": 0.159, "valence": 0.624, "tempo": 98.002,
    "type": "audio_features", "id": "06AKEBrKUckW0KREUWRnvT", "uri": "spotify:track:06AKEBrKUckW0KREUWRnvT",
    "track_href": "https://api/track", "analysis_url": "https://api/analysis", "duration_ms": 255349,
    "time_signature": 4,
}  # fmt: skip


def test_spotify_import() -> None:
    f = from_spotify(SPOTIFY)
    assert (f.key, f.mode, f.loudness_db, f.tempo_bpm, f.time_signature) == (5, "minor", -11.84, 98.002, 4)
    assert f.danceability == 0.735
    assert from_any_json(SPOTIFY) == f
    assert from_spotify({"audio_features": [SPOTIFY]}) == f


def test_spotify_no_key_and_unclear_metre() -> None:
    warnings: list[str] = []
    f = from_spotify({**SPOTIFY, "key": -1, "time_signature": 1}, warnings)
    assert f.key is None and f.time_signature == 4
    assert any("no key" in w for w in warnings) and any("unclear" in w for w in warnings)


def test_albumgen_vlm_import_fixes_its_known_failures() -> None:
    vlm = {
        "Album Name": "Blue", "Artist Name": "Joni Mitchell", "Album Genre": "male", "acousticness": "0.8",
        "danceability": 0.3, "energy": 0.25, "instrumentalness": 0.0, "liveness": 0.1, "loudness": 1.017,
        "speechiness": 0.04, "valence": 0.2, "tempo": "92", "key": "C#", "mode": "minor", "time_signature": "30",
    }  # fmt: skip
    warnings: list[str] = []
    f = from_albumgen_vlm(vlm, warnings)
    assert f.genre == "" and f.style == "Joni Mitchell"
    assert f.loudness_db == 0.0 and f.key == 1 and f.time_signature == 4 and f.acousticness == 0.8
    assert any("'male'" in w for w in warnings)
    assert any("loudness" in w for w in warnings) and any("time_signature" in w for w in warnings)
    assert from_any_json(vlm) == f


def test_albumgen_vlm_maps_genre_synonyms_and_loudness_scale() -> None:
    f = from_albumgen_vlm({"Album Genre": "Hip-Hop", "loudness": 0.5, "mode": 1, "time_signature": "3/4"})
    assert f.genre == "hip hop" and f.loudness_db == -30.0 and f.mode == "major" and f.time_signature == 3


def test_recipe_shape_is_recognised() -> None:
    f = Features(genre="jazz")
    assert from_any_json({"format": "albumgen-recipe", "features": json.loads(f.to_json())}) == f
