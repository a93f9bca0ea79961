"""How much the reference library counts in cover analysis: never much when it is tiny or far away.

The covers are real images embedded with the real sketch embedder (sketch-v1) and stored in a
real Library; nothing about similarity is stubbed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from albumgen_desktop.core.features import Features
from albumgen_desktop.engines.image_sketch import analyse_colours, sketch_embedding
from albumgen_desktop.library.retrieval import DEFAULT_K, retrieve
from albumgen_desktop.library.store import Library
from albumgen_desktop.services.analyse import analyse_input

MODEL = "sketch-v1"
# What the library says about its albums: deliberately unlike what the sketch reads off the
# query cover (a bright yellow disc), so any override shows.
LIBRARY_FEATURES = Features(
    genre="metal", tempo_bpm=200, key=6, mode="minor", time_signature=7, energy=0.05, valence=0.05, loudness_db=-40
)


def query_cover(shift: int = 0) -> Image.Image:
    """A bright yellow disc on sky blue; ``shift`` moves and recolours it a little (a near-duplicate)."""
    image = Image.new("RGB", (256, 256), (120 + shift, 180, 235))
    ImageDraw.Draw(image).ellipse((60 + shift, 60, 196 + shift, 196), fill=(250, 220 - shift, 40))
    return image


def unrelated_cover(i: int) -> Image.Image:
    rng = np.random.default_rng(100 + i)
    image = Image.new("RGB", (256, 256), tuple(int(c) for c in rng.integers(0, 256, 3)))
    draw = ImageDraw.Draw(image)
    for _ in range(6):
        x, y = rng.integers(0, 256, 2)
        draw.rectangle((int(x), int(y), int(x) + 60, int(y) + 20), fill=tuple(int(c) for c in rng.integers(0, 256, 3)))
    return image


def build(path: Path, covers: list[Image.Image]) -> Library:
    lib = Library(path)
    for i, image in enumerate(covers):
        lib.put(
            title=f"Album {i}", artist="", features=LIBRARY_FEATURES, source="csv", source_key=str(i), stamp="1",
            embeddings={MODEL: sketch_embedding(image)},
        )  # fmt: skip
    return lib


def analyse(tmp_path: Path, lib: Library, image: Image.Image):
    path = tmp_path / "query.png"
    image.save(path)
    return analyse_input(path, engine="sketch", library=lib)


def weight_evidence(result) -> dict:
    return next(e for e in result.evidence if e.type == "library_weight").to_dict()


@pytest.mark.parametrize("albums", [1, 2, DEFAULT_K - 1])
def test_a_tiny_library_never_overrides_the_analysis_and_says_why(tmp_path: Path, albums: int) -> None:
    # The library holds exact copies of the query cover: as close as albums can be.
    with build(tmp_path / "lib.sqlite", [query_cover()] * albums) as lib:
        result = analyse(tmp_path, lib, query_cover())
    own, _, _ = analyse_colours(query_cover())
    evidence = weight_evidence(result)
    assert evidence["albums"] == albums and not evidence["decides_categories"]
    assert evidence["weight"] <= (albums / DEFAULT_K) + 1e-9 < 1.0
    f = result.features
    for name in ("genre", "key", "mode", "time_signature"):
        assert getattr(f, name) == getattr(own, name), name
        assert result.source[name] == "sketch"
    # numbers move at most by the weight, never all the way to the library's values
    for name in ("tempo_bpm", "loudness_db", "energy", "valence"):
        moved = abs(getattr(f, name) - getattr(own, name))
        assert moved <= evidence["weight"] * abs(getattr(LIBRARY_FEATURES, name) - getattr(own, name)) + 1e-6
        assert abs(getattr(f, name) - getattr(LIBRARY_FEATURES, name)) > 0.3 * abs(
            getattr(LIBRARY_FEATURES, name) - getattr(own, name)
        )
    assert any(f"fewer than k = {DEFAULT_K}" in w for w in result.warnings), result.warnings
    assert f"fewer than k = {DEFAULT_K}" in evidence["note"]


def test_weight_grows_with_the_number_of_close_neighbours(tmp_path: Path) -> None:
    unrelated = [unrelated_cover(i) for i in range(12)]
    shares, decides = [], []
    for close in range(DEFAULT_K + 1):
        with build(tmp_path / f"lib{close}.sqlite", unrelated + [query_cover(3 * i + 2) for i in range(close)]) as lib:
            found = retrieve(lib, MODEL, sketch_embedding(query_cover()), DEFAULT_K)
            shares.append(found.share)
            decides.append(found.decides_categories)
    assert all(b > a for a, b in zip(shares, shares[1:], strict=False)), shares
    assert shares[0] < 0.2 and shares[-1] > 0.6, shares
    assert decides[0] is False and decides[-1] is True, decides


def test_weight_grows_with_similarity(tmp_path: Path) -> None:
    """The same library, queried by covers ever closer to its five near-duplicates."""
    unrelated = [unrelated_cover(i) for i in range(12)]
    with build(tmp_path / "lib.sqlite", unrelated + [query_cover(0)] * DEFAULT_K) as lib:
        shares = []
        grey = Image.new("RGB", query_cover().size, (128, 128, 128))  # like nothing in the library
        for blend_in in (0.0, 0.25, 0.5, 0.75, 1.0):  # from grey, step by step, to the query itself
            image = Image.blend(grey, query_cover(), blend_in)
            shares.append(retrieve(lib, MODEL, sketch_embedding(image), DEFAULT_K).share)
    assert all(b >= a for a, b in zip(shares, shares[1:], strict=False)), shares
    assert shares[-1] > 0.95 and shares[0] < shares[-1] - 0.3, shares


def test_a_library_of_unrelated_covers_barely_counts(tmp_path: Path) -> None:
    with build(tmp_path / "lib.sqlite", [unrelated_cover(i) for i in range(20)]) as lib:
        result = analyse(tmp_path, lib, query_cover())
    evidence = weight_evidence(result)
    assert evidence["albums"] == 20 and not evidence["decides_categories"] and evidence["weight"] < 0.35
    assert result.features.genre != "metal" and result.source["genre"] == "sketch"
    assert "look little like this cover" in evidence["note"] and evidence["note"] in result.warnings


def test_a_library_with_close_albums_decides_what_a_picture_cannot_show(tmp_path: Path) -> None:
    covers = [unrelated_cover(i) for i in range(12)] + [query_cover(3 * i + 2) for i in range(DEFAULT_K)]
    with build(tmp_path / "lib.sqlite", covers) as lib:
        result = analyse(tmp_path, lib, query_cover())
    evidence = weight_evidence(result)
    assert evidence["decides_categories"] and evidence["weight"] > 0.6
    f = result.features
    assert (f.genre, f.key, f.mode, f.time_signature) == ("metal", 6, "minor", 7)
    assert result.source["key"] == result.source["mode"] == "library"
    assert result.source["tempo_bpm"] == "sketch+library" and f.tempo_bpm > 170
    assert not any("library" in w for w in result.warnings)


def _labelled_everywhere(results: list) -> None:
    from albumgen_desktop.core.analysis import FEATURE_NAMES

    for result in results:
        for name in FEATURE_NAMES:
            assert 0.0 <= result.confidence[name] <= 1.0 and result.source[name], (result.kind, name)
        assert result.source["key"] != "default" and result.source["mode"] != "default"
        assert result.confidence["key"] > 0 and result.confidence["mode"] > 0


def test_every_value_of_a_cover_analysis_has_a_confidence_and_source(tmp_path: Path) -> None:
    image = tmp_path / "cover.png"
    query_cover().save(image)
    results = [analyse_input(image, engine="sketch")]
    for covers in ([query_cover()] * 2, [unrelated_cover(i) for i in range(8)] + [query_cover(2)] * DEFAULT_K):
        with build(tmp_path / f"lib{len(covers)}.sqlite", covers) as lib:
            results.append(analyse_input(image, engine="sketch", library=lib))
    _labelled_everywhere(results)


@pytest.mark.slow
def test_every_value_of_an_audio_analysis_has_a_confidence_and_source(tmp_path: Path) -> None:
    import soundfile as sf

    from tests.synth import synth_song

    song = tmp_path / "song.wav"
    sf.write(song, synth_song(120, 9, "minor", seconds=8.0), 22050)
    _labelled_everywhere([analyse_input(song, engine="sketch")])
