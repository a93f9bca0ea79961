"""The reference library: SQLite store, exact top-k retrieval, imports, and cover analysis with evidence."""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from albumgen_desktop.cli import main
from albumgen_desktop.core.errors import AlbumGenError, CancelledError
from albumgen_desktop.core.features import Features
from albumgen_desktop.core.progress import CancelToken
from albumgen_desktop.library.embedders import SketchEmbedder
from albumgen_desktop.library.importer import embedded_art, import_csv, import_music_folder
from albumgen_desktop.library.retrieval import blend, nearest, top_k
from albumgen_desktop.library.store import Library
from albumgen_desktop.services.analyse import analyse_input

GENRES = ("rock", "jazz", "house", "folk", "metal", "ambient", "pop", "hip hop")


def _png(colour: tuple[int, int, int], size: int = 64, stripes: bool = False) -> bytes:
    image = Image.new("RGB", (size, size), colour)
    if stripes:
        px = np.asarray(image).copy()
        px[:, ::8] = 255 - px[:, ::8]
        image = Image.fromarray(px)
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def make_tagged_folder(folder: Path, n: int, seed: int = 0) -> list[Path]:
    """``n`` short FLAC files, each with tags and an embedded front cover."""
    from mutagen.flac import FLAC, Picture

    rng = np.random.default_rng(seed)
    sr = 22050
    paths = []
    for i in range(n):
        sub = folder / f"artist{i % 7}" / f"album{i % 13}"
        sub.mkdir(parents=True, exist_ok=True)
        path = sub / f"track{i:03d}.flac"
        t = np.arange(int(2.5 * sr)) / sr
        bpm = rng.uniform(70, 170)
        beat = (t * bpm / 60) % 1.0
        tone = np.sin(2 * np.pi * rng.uniform(110, 440) * t) * (0.4 + 0.6 * np.exp(-beat * 8))
        sf.write(path, (0.3 * tone).astype(np.float32), sr)
        audio = FLAC(path)
        audio["title"] = f"Song {i}"
        audio["album"] = f"Album {i % 13}"
        audio["artist"] = f"Artist {i % 7}"
        audio["genre"] = GENRES[i % len(GENRES)]
        pic = Picture()
        pic.type = 3
        pic.mime = "image/png"
        red, green, blue = (int(c) for c in rng.integers(0, 256, 3))
        pic.data = _png((red, green, blue), stripes=bool(i % 2))
        audio.add_picture(pic)
        audio.save()
        paths.append(path)
    return paths


def test_exact_top_k_matches_brute_force_on_10k_within_50_ms(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    n, dim = 10_000, 512
    vectors = rng.normal(size=(n, dim)).astype(np.float32)
    with Library(tmp_path / "lib.sqlite") as lib:
        with lib.bulk():
            for i in range(n):
                lib.put(
                    title=f"Album {i}", artist="", features=Features(energy=float(i % 100) / 100), source="csv",
                    source_key=f"synthetic#{i}", stamp="1", embeddings={"clip": vectors[i]},
                )  # fmt: skip
        ids, matrix = lib.matrix("clip")
        unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
        queries = rng.normal(size=(30, dim)).astype(np.float32)
        times = []
        for q in queries:
            start = time.perf_counter()
            found = nearest(lib, "clip", q, k=5)
            times.append(time.perf_counter() - start)
            brute = np.argsort(-(unit @ (q / np.linalg.norm(q))), kind="stable")[:5]
            assert [a.album.source_key for a in found] == [f"synthetic#{int(ids[b]) - 1}" for b in brute]
            sims = [a.similarity for a in found]
            assert sims == sorted(sims, reverse=True)
        assert float(np.median(times)) <= 0.050, times


def test_top_k_handles_fewer_rows_than_k_and_an_empty_matrix() -> None:
    m = np.eye(3, dtype=np.float32)
    rows, sims = top_k(np.array([0, 1, 0.1]), m, k=5)
    assert list(rows) == [1, 2, 0] and sims[0] > sims[1]
    rows, _ = top_k(np.ones(3), np.zeros((0, 0), dtype=np.float32))
    assert rows.size == 0


def test_blend_weights_by_similarity_and_votes_categories(tmp_path: Path) -> None:
    with Library(tmp_path / "lib.sqlite") as lib:
        base = np.array([1.0, 0.0, 0.0], dtype=np.float32)
        for i, (energy, genre, key) in enumerate([(0.9, "metal", 2), (0.8, "metal", 2), (0.1, "folk", 7)]):
            vec = base + np.array([0, i * 0.3, 0], dtype=np.float32) if i < 2 else np.array([0, 0, 1], np.float32)
            lib.put(
                title=f"A{i}", artist="", features=Features(energy=energy, genre=genre, key=key), source="csv",
                source_key=str(i), stamp="1", embeddings={"m": vec},
            )  # fmt: skip
        found = nearest(lib, "m", base, k=3)
        assert [n.album.title for n in found] == ["A0", "A1", "A2"]
        assert found[0].weight > found[1].weight > found[2].weight
        f = blend(found)
        assert f.genre == "metal" and f.key == 2 and 0.8 < f.energy < 0.9


def test_music_folder_import_is_incremental(tmp_path: Path) -> None:
    paths = make_tagged_folder(tmp_path / "music", 200)
    (tmp_path / "music" / "no_art.flac").write_bytes(paths[0].read_bytes())
    from mutagen.flac import FLAC

    bare = FLAC(tmp_path / "music" / "no_art.flac")
    bare.clear_pictures()
    bare.save()
    with Library(tmp_path / "lib.sqlite") as lib:
        start = time.perf_counter()
        first = import_music_folder(lib, tmp_path / "music", [SketchEmbedder()])
        first_s = time.perf_counter() - start
        assert (first.added, first.updated, first.unchanged) == (200, 0, 0), first
        assert [why for _, why in first.skipped] == ["no cover art (embedded or cover/folder.jpg)"]
        assert lib.count() == 200
        album = next(a for a in lib.albums(search="Album 7") if a.source_key.endswith("track007.flac"))
        assert album.title == "Album 7" and album.artist == "Artist 0" and album.genre == GENRES[7]

        start = time.perf_counter()
        second = import_music_folder(lib, tmp_path / "music", [SketchEmbedder()])
        second_s = time.perf_counter() - start
        assert (second.added, second.updated, second.unchanged) == (0, 0, 200)
        assert second_s < first_s / 10  # nothing unchanged is opened, analysed or embedded

        os.utime(paths[3], ns=(time.time_ns(), time.time_ns() + 5_000_000_000))
        paths[4].unlink()
        third = import_music_folder(lib, tmp_path / "music", [SketchEmbedder()])
        assert (third.added, third.updated, third.removed, third.unchanged) == (0, 1, 1, 198)
        assert lib.count() == 199


def test_folder_art_is_used_when_nothing_is_embedded(tmp_path: Path) -> None:
    folder = tmp_path / "music" / "album"
    folder.mkdir(parents=True)
    sr = 22050
    sf.write(folder / "a.wav", (0.2 * np.sin(np.arange(3 * sr) / sr * 2 * np.pi * 220)).astype(np.float32), sr)
    assert embedded_art(folder / "a.wav") is None
    (folder / "cover.png").write_bytes(_png((10, 200, 40)))
    with Library(tmp_path / "lib.sqlite") as lib:
        report = import_music_folder(lib, tmp_path / "music", [SketchEmbedder()])
        assert report.added == 1 and lib.albums()[0].title == "a"


def test_import_cancel_keeps_what_was_done(tmp_path: Path) -> None:
    make_tagged_folder(tmp_path / "music", 6)
    cancel = CancelToken()
    seen: list[str] = []

    def progress(p) -> None:
        seen.append(p.message)
        if len(seen) == 3:
            cancel.cancel()

    with Library(tmp_path / "lib.sqlite") as lib:
        with pytest.raises(CancelledError) as info:
            import_music_folder(lib, tmp_path / "music", [SketchEmbedder()], on_progress=progress, cancel=cancel)
        assert lib.count() == cast(Any, info.value.partial).added == 3


def _csv_library(tmp_path: Path) -> Path:
    covers = tmp_path / "covers"
    covers.mkdir()
    rows = ["id,name,artists,genres,acousticness,danceability,energy,instrumentalness,liveness,loudness,"
            "speechiness,valence,tempo,key,mode,time_signature"]  # fmt: skip
    palette = {"metal": (20, 20, 20), "pop": (250, 120, 200), "folk": (150, 110, 60)}
    for i in range(30):
        genre = list(palette)[i % 3]
        energy = {"metal": 0.95, "pop": 0.7, "folk": 0.2}[genre]
        tempo = {"metal": 170, "pop": 118, "folk": 84}[genre]
        rows.append(
            f"a{i},Record {i},Band {i},\"['{genre}']\",0.2,0.5,{energy},0.1,0.1,-7,0.05,0.5,{tempo},{i % 12},1,4"
        )
        (covers / f"a{i}.png").write_bytes(_png(palette[genre], stripes=genre == "metal"))
    path = tmp_path / "albums.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_csv_import_then_cover_analysis_returns_neighbours_as_evidence(tmp_path: Path) -> None:
    csv_path = _csv_library(tmp_path)
    with Library(tmp_path / "lib.sqlite") as lib:
        report = import_csv(lib, csv_path, [SketchEmbedder()], covers=tmp_path / "covers")
        assert report.added == 30
        assert import_csv(lib, csv_path, [SketchEmbedder()], covers=tmp_path / "covers").unchanged == 30
        cover = tmp_path / "query.png"
        Image.open(io.BytesIO(_png((22, 22, 22), stripes=True))).save(cover)
        result = analyse_input(cover, engine="sketch", library=lib)
    neighbours = next(e for e in result.evidence if e.type == "neighbours").to_dict()
    assert neighbours["k"] == 5 and len(neighbours["albums"]) == 5
    assert {a["genre"] for a in neighbours["albums"]} == {"metal"}
    # 10 identical covers among 30: closeness ~1, so the library all but decides what a picture cannot show
    assert result.features.genre == "metal" and result.features.tempo_bpm == pytest.approx(170, abs=0.5)
    assert result.source["tempo_bpm"] == "sketch+library" and result.source["genre"] == "library"


def test_neural_cover_analysis_with_tiny_clip(tmp_path: Path) -> None:
    from albumgen_desktop.core.warm_models import release_all
    from albumgen_desktop.library.embedders import available_embedders
    from albumgen_desktop.models.manifest import find_model
    from albumgen_desktop.models.tiny import install_tiny

    release_all()
    install_tiny(find_model("clip-b32"))
    csv_path = _csv_library(tmp_path)
    embedders = available_embedders()
    assert [e.model for e in embedders] == ["sketch-v1", "clip-b32"]
    with Library(tmp_path / "lib.sqlite") as lib:
        import_csv(lib, csv_path, embedders, covers=tmp_path / "covers")
        assert lib.stats().embeddings == {"sketch-v1": 30, "clip-b32": 30}
        cover = tmp_path / "query.png"
        Image.open(io.BytesIO(_png((250, 120, 200)))).save(cover)
        result = analyse_input(cover, engine="neural", library=lib)
    kinds = [e.type for e in result.evidence]
    assert kinds == ["clip_genres", "neighbours", "library_weight"]
    assert result.evidence[1].model == "clip-b32"
    assert result.source["valence"] == "clip+library"
    release_all()


def test_neural_cover_analysis_without_clip_exits_3(tmp_path: Path, capsys) -> None:
    cover = tmp_path / "c.png"
    Image.new("RGB", (64, 64), (1, 2, 3)).save(cover)
    assert main(["analyze", str(cover), "--engine", "neural"]) == 3
    assert "clip-b32" in capsys.readouterr().err


def test_cli_library_commands(tmp_path: Path, capsys) -> None:
    csv_path = _csv_library(tmp_path)
    lib = tmp_path / "lib.sqlite"
    assert main(["library", "--library", str(lib), "import", str(csv_path), "--covers", str(tmp_path / "covers")]) == 0
    assert "30 added" in capsys.readouterr().out
    assert main(["library", "--library", str(lib), "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["albums"] == 30 and stats["by_source"] == {"csv": 30}
    assert main(["library", "--library", str(lib), "list", "--json", "--search", "Record 1"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["title"] for r in rows} == {"Record 1", *(f"Record {i}" for i in range(10, 20))}
    assert main(["library", "--library", str(lib), "remove", str(rows[0]["id"])]) == 0
    capsys.readouterr()
    cover = tmp_path / "q.png"
    Image.open(io.BytesIO(_png((150, 110, 60)))).save(cover)
    assert main(["analyze", str(cover), "--json", "--engine", "sketch", "--library", str(lib)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [e["type"] for e in out["evidence"]][-2:] == ["neighbours", "library_weight"]
    assert out["features"]["genre"] == "folk"


def test_bad_library_inputs_are_clear(tmp_path: Path, capsys) -> None:
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(b"this is not a database" * 100)
    with pytest.raises(AlbumGenError, match="is damaged .*albumgen library repair"):
        Library(broken)
    bad_csv = tmp_path / "x.csv"
    bad_csv.write_text("name,colour\nA,red\n")
    assert main(["library", "--library", str(tmp_path / "l.sqlite"), "import", str(bad_csv)]) == 2
    assert "feature columns" in capsys.readouterr().err
    assert main(["library", "--library", str(tmp_path / "l.sqlite"), "import", str(tmp_path / "missing")]) == 2
