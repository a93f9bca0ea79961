"""Importing what artists already have: tagged WAV, AIFF and AAC-in-MP4 files, and feature CSVs in
the three public shapes (real headers, made-up rows)."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from albumgen_desktop.cli import main
from albumgen_desktop.core.errors import BadInputError
from albumgen_desktop.io.audio import audio_info, load_audio
from albumgen_desktop.io.tags import embedded_art, read_tags
from albumgen_desktop.library.csv_table import genre_of_label, literal_values, read_csv_table
from albumgen_desktop.library.embedders import SketchEmbedder
from albumgen_desktop.library.importer import import_csv, import_music_folder
from albumgen_desktop.library.store import Library

SR = 22050


def _tone(seconds: float = 3.0, freq: float = 220.0) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    beat = (t * 2.0) % 1.0
    return (0.3 * np.sin(2 * np.pi * freq * t) * (0.4 + 0.6 * np.exp(-beat * 8))).astype(np.float32)


def _image(colour: tuple[int, int, int], fmt: str = "PNG") -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(buf, format=fmt)
    return buf.getvalue()


def _id3_frames(title: str, artist: str, album: str, genre: str, cover: bytes) -> list:
    from mutagen.id3 import APIC, TALB, TCON, TIT2, TPE1

    return [
        TIT2(encoding=3, text=[title]), TPE1(encoding=3, text=[artist]), TALB(encoding=3, text=[album]),
        TCON(encoding=3, text=[genre]), APIC(encoding=3, mime="image/png", type=3, desc="", data=cover),
    ]  # fmt: skip


def make_tagged_wav(path: Path, cover: bytes) -> None:
    """A WAV as a tagger leaves it: an id3 chunk (mutagen) with title, artist, album, genre, front cover."""
    from mutagen.wave import WAVE

    sf.write(path, _tone(freq=330), SR)
    audio = WAVE(path)
    audio.add_tags()
    for frame in _id3_frames("Été Indien", "Zoë Ångström", "Saisons", "jazz", cover):
        audio.tags.add(frame)
    audio.save()


def make_info_wav(path: Path) -> None:
    """A WAV as Windows tools write it: LIST/INFO only, text in cp1252, no ID3."""
    sf.write(path, _tone(freq=262), SR)
    fields = {b"INAM": "Café “Noir”", b"IART": "Björk Guðmundsdóttir", b"IPRD": "Nocturnes", b"IGNR": "Ambient"}
    body = b"INFO"
    for key, value in fields.items():
        text = value.encode("cp1252") + b"\x00"
        body += key + struct.pack("<I", len(text)) + text + (b"\x00" if len(text) % 2 else b"")
    data = bytearray(path.read_bytes())
    chunk = b"LIST" + struct.pack("<I", len(body)) + body
    data[12:12] = chunk  # right after the RIFF header, before fmt and data
    data[4:8] = struct.pack("<I", len(data) - 8)
    path.write_bytes(bytes(data))


def make_tagged_aiff(path: Path, cover: bytes) -> None:
    from mutagen.aiff import AIFF

    sf.write(path, _tone(freq=440), SR, format="AIFF", subtype="PCM_16")
    audio = AIFF(path)
    audio.add_tags()
    for frame in _id3_frames("Hivernale", "Søren Kierkegaard Trio", "Hiver", "folk", cover):
        audio.tags.add(frame)
    audio.save()


def make_m4a(path: Path, cover: bytes) -> None:
    """AAC in MP4 encoded by PyAV (FFmpeg's native AAC encoder), tags and covr added by mutagen."""
    import av
    from mutagen.mp4 import MP4, MP4Cover

    samples = _tone(freq=196)
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("aac", rate=SR, layout="mono")
        pts = 0
        for start in range(0, len(samples), 1024):
            block = np.ascontiguousarray(samples[None, start : start + 1024])
            frame = av.AudioFrame.from_ndarray(block, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = SR, pts
            pts += frame.samples
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    tags = MP4(path)
    tags["\xa9nam"], tags["\xa9ART"], tags["\xa9alb"], tags["\xa9gen"] = "夜の街", "Ōkami Band", "東京", "Synthwave"
    tags["covr"] = [MP4Cover(cover, imageformat=MP4Cover.FORMAT_JPEG)]
    tags.save()


def test_aac_in_mp4_decodes_through_pyav(tmp_path: Path) -> None:
    path = tmp_path / "t.m4a"
    make_m4a(path, _image((1, 2, 3), "JPEG"))
    info = audio_info(path)
    assert (info.sample_rate, info.channels, info.format) == (SR, 1, "MP4")
    assert info.duration == pytest.approx(3.0, abs=0.05)
    audio = load_audio(path)
    reference = _tone(freq=196)
    # AAC is lossy and starts with the encoder's priming samples: compare the level and the pitch
    assert abs(float(np.sqrt(np.mean(audio.samples**2))) - float(np.sqrt(np.mean(reference**2)))) < 0.02
    spectrum = np.abs(np.fft.rfft(audio.samples[: 2 * SR]))
    assert np.argmax(spectrum) / 2.0 == pytest.approx(196, abs=1)
    tail = load_audio(path, start_seconds=2.0, mono=False)
    assert tail.samples.shape[1] == 1 and 0.9 * SR < tail.samples.shape[0] < 1.1 * SR


def test_non_media_is_not_handed_to_ffmpeg(tmp_path: Path) -> None:
    playlist = tmp_path / "list.m4a"
    playlist.write_text("#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n")
    with pytest.raises(BadInputError, match="not an audio file"):
        load_audio(playlist)
    damaged = tmp_path / "damaged.m4a"
    good = tmp_path / "good.m4a"
    make_m4a(good, _image((1, 2, 3), "JPEG"))
    damaged.write_bytes(good.read_bytes()[:600])  # moov box cut short
    with pytest.raises(BadInputError):
        load_audio(damaged)


def test_tags_from_id3_info_and_mp4(tmp_path: Path) -> None:
    cover = _image((200, 30, 30))
    make_tagged_wav(tmp_path / "a.wav", cover)
    make_info_wav(tmp_path / "b.wav")
    make_tagged_aiff(tmp_path / "c.aiff", cover)
    make_m4a(tmp_path / "d.m4a", _image((30, 30, 200), "JPEG"))
    a, b, c, d = (read_tags(tmp_path / n) for n in ("a.wav", "b.wav", "c.aiff", "d.m4a"))
    assert (a.title, a.artist, a.album, a.genre) == ("Été Indien", "Zoë Ångström", "Saisons", "jazz")
    assert (b.title, b.artist, b.album, b.genre) == ("Café “Noir”", "Björk Guðmundsdóttir", "Nocturnes", "Ambient")
    assert (c.title, c.artist, c.album, c.genre) == ("Hivernale", "Søren Kierkegaard Trio", "Hiver", "folk")
    assert (d.title, d.artist, d.album, d.genre) == ("夜の街", "Ōkami Band", "東京", "Synthwave")
    assert embedded_art(tmp_path / "a.wav") == cover and embedded_art(tmp_path / "c.aiff") == cover
    assert Image.open(io.BytesIO(embedded_art(tmp_path / "d.m4a"))).format == "JPEG"


@pytest.mark.slow
def test_folder_import_of_wav_aiff_and_m4a_with_tags_and_covers(tmp_path: Path) -> None:
    music = tmp_path / "music"
    (music / "info").mkdir(parents=True)
    make_tagged_wav(music / "wave.wav", _image((200, 30, 30)))
    make_tagged_aiff(music / "hiver.aiff", _image((30, 200, 30)))
    make_m4a(music / "nuit.m4a", _image((30, 30, 200), "JPEG"))
    make_info_wav(music / "info" / "noir.wav")
    (music / "info" / "folder.jpg").write_bytes(_image((90, 90, 90), "JPEG"))
    with Library(tmp_path / "lib.sqlite") as lib:
        report = import_music_folder(lib, music, [SketchEmbedder()])
        assert (report.added, report.skipped) == (4, []), report
        rows = {Path(a.source_key).name: a for a in lib.albums()}
    assert {n: (r.title, r.artist, r.genre) for n, r in rows.items()} == {
        "wave.wav": ("Saisons", "Zoë Ångström", "jazz"),
        "hiver.aiff": ("Hiver", "Søren Kierkegaard Trio", "folk"),
        "nuit.m4a": ("東京", "Ōkami Band", "synthwave"),
        "noir.wav": ("Nocturnes", "Björk Guðmundsdóttir", "ambient"),
    }
    colours = {"wave.wav": (200, 30, 30), "hiver.aiff": (30, 200, 30), "nuit.m4a": (30, 30, 200)}
    with Library(tmp_path / "lib.sqlite") as lib:
        ids, matrix = lib.matrix("sketch-v1")
    for name, colour in colours.items():  # each row holds the embedding of its own embedded cover
        expected = SketchEmbedder().embed(
            [Image.open(io.BytesIO(_image(colour, "JPEG" if name.endswith("a") else "PNG")))]
        )[0]
        stored = matrix[list(ids).index(rows[name].id)]
        assert float(np.dot(stored, expected)) > 0.99, name
        assert rows[name].features.tempo_bpm > 0


# --- CSV ------------------------------------------------------------------------------------------

FEATURES = "danceability,energy,key,loudness,mode,speechiness,acousticness,instrumentalness,liveness,valence,tempo"
KAGGLE_HEADER = (
    ",track_id,artists,album_name,track_name,popularity,duration_ms,explicit,danceability,energy,key,loudness,mode,"
    "speechiness,acousticness,instrumentalness,liveness,valence,tempo,time_signature,track_genre"
)
TIDY_HEADER = (
    "track_id,track_name,track_artist,track_popularity,track_album_id,track_album_name,track_album_release_date,"
    "playlist_name,playlist_id,playlist_genre,playlist_subgenre,danceability,energy,key,loudness,mode,speechiness,"
    "acousticness,instrumentalness,liveness,valence,tempo,duration_ms"
)


def _covers(folder: Path, names: list[str]) -> Path:
    folder.mkdir(exist_ok=True)
    for i, name in enumerate(names):
        (folder / f"{name}.jpg").write_bytes(_image((40 * i % 256, 90, 200 - 30 * i % 200), "JPEG"))
    return folder


def _import(tmp_path: Path, csv_path: Path, covers: Path):
    with Library(tmp_path / "lib.sqlite") as lib:
        report = import_csv(lib, csv_path, [SketchEmbedder()], covers=covers)
        rows = {a.source_key.rsplit("#", 1)[1]: (a.title, a.artist, a.genre) for a in lib.albums()}
    return report, rows


def test_kaggle_spotify_tracks_shape(tmp_path: Path) -> None:
    lines = [
        KAGGLE_HEADER,
        "0,5SuOikwiRyPMVoIQDJUgSV,Gen Hoshino,Comedy,Comedy,73,230666,False,0.676,0.461,1,-6.746,0,0.143,0.0322,"
        "1.01e-06,0.358,0.715,87.917,4,acoustic",
        '1,4qPNDBW1i3p13qLCt0Ki3A,Ingrid Michaelson;ZAYN,"Hold On, We\'re Going Home",To Begin Again,57,214240,False,'
        "0.526,0.44,0,-9.734,1,0.0305,0.838,0,0.113,0.154,119.949,4,indie-pop",
        "2,1iJBSr7s7jYXzM8EGcbK5b,Kina Grannis,Crazy Rich Asians,Can't Help Falling In Love,71,201933,False,0.438,"
        "0.359,0,-9.734,1,0.0557,0.21,0,0.117,0.12,76.332,4,hip-hop",
        "3,6lfxq3CG4xtTiEg7opyCyx,Chord Overstreet,Hold On,Hold On,82,198853,False,0.266,0.0596,0,-18.515,1,0.0363,"
        "0.905,7.07e-05,0.132,0.143,181.74,3,j-rock",
        "4,0000000000000000000000,No Cover,Lost,Lost,1,1000,False,0.5,0.5,0,-9,1,0.05,0.5,0,0.1,0.5,100,4,pop",
        "5,5SuOikwiRyPMVoIQDJUgSV,Gen Hoshino,Comedy,Comedy,73,230666,False,0.676,0.461,1,-6.746,0,0.143,0.0322,"
        "1.01e-06,0.358,0.715,87.917,4,j-pop",  # the dataset lists a track once per genre
    ]
    path = tmp_path / "dataset.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ids = ["5SuOikwiRyPMVoIQDJUgSV", "4qPNDBW1i3p13qLCt0Ki3A", "1iJBSr7s7jYXzM8EGcbK5b", "6lfxq3CG4xtTiEg7opyCyx"]
    report, rows = _import(tmp_path, path, _covers(tmp_path / "covers", ids))
    assert report.added == 4
    assert rows == {
        ids[0]: ("Comedy", "Gen Hoshino", "acoustic"),
        ids[1]: ("Hold On, We're Going Home", "Ingrid Michaelson, ZAYN", "indie pop"),
        ids[2]: ("Crazy Rich Asians", "Kina Grannis", "hip hop"),
        ids[3]: ("Hold On", "Chord Overstreet", "rock"),
    }
    assert [w for w, _ in report.skipped] == ["dataset.csv line 6", "dataset.csv line 7"]
    assert "no cover image found (looked for track_id=0000000000000000000000" in report.skipped[0][1]
    assert "same id '5SuOikwiRyPMVoIQDJUgSV' as line 2" in report.skipped[1][1]


def test_tidytuesday_spotify_songs_shape_finds_covers_by_album_id(tmp_path: Path) -> None:
    lines = [
        TIDY_HEADER,
        "6f807x0ima9a1j3VPbc7VN,I Don't Care (with Justin Bieber) - Loud Luxury Remix,Ed Sheeran,66,"
        "2oCs0DGTsRO98Gh5ZSl2Cx,I Don't Care (with Justin Bieber) [Loud Luxury Remix],2019-06-14,Pop Remix,"
        "37i9dQZF1DXcZDD7cfEKhW,pop,dance pop,0.748,0.916,6,-2.634,1,0.0583,0.102,0,0.0653,0.518,122.036,194754",
        "0r7CVbZTWZgbTCYdfa2P31,Memories - Dillon Francis Remix,Maroon 5,67,63rPSO264uRjW1X5E6cWv6,"
        "Memories (Dillon Francis Remix),2019-12-13,Pop Remix,37i9dQZF1DXcZDD7cfEKhW,pop,dance pop,0.726,0.815,11,"
        "-4.969,1,0.0373,0.0724,0.00421,0.357,0.693,99.972,162600",
        "1z1Hg7Vb0AhHDiEmnDE79l,All the Time - Don Diablo Remix,Zara Larsson,70,1HoSmj2eLcsrR0vE9gThr4,"
        "All the Time (Don Diablo Remix),2019-07-05,Pop Remix,37i9dQZF1DXcZDD7cfEKhW,edm,electro house,0.675,0.931,"
        "1,-3.432,0,0.0742,0.0794,2.33e-05,0.11,0.613,124.008,176616",
    ]
    path = tmp_path / "spotify_songs.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    covers = _covers(
        tmp_path / "covers", ["2oCs0DGTsRO98Gh5ZSl2Cx", "63rPSO264uRjW1X5E6cWv6", "1z1Hg7Vb0AhHDiEmnDE79l"]
    )
    report, rows = _import(tmp_path, path, covers)
    assert report.added == 3 and report.skipped == []
    assert rows == {
        "6f807x0ima9a1j3VPbc7VN": ("I Don't Care (with Justin Bieber) [Loud Luxury Remix]", "Ed Sheeran", "pop"),
        "0r7CVbZTWZgbTCYdfa2P31": ("Memories (Dillon Francis Remix)", "Maroon 5", "pop"),
        "1z1Hg7Vb0AhHDiEmnDE79l": ("All the Time (Don Diablo Remix)", "Zara Larsson", "house"),
    }


def _tsv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join("\t".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")


def test_musicoset_files_are_joined_by_song_id(tmp_path: Path) -> None:
    root = tmp_path / "musicoset"
    meta, feats = root / "musicoset_metadata", root / "musicoset_songfeatures"
    _tsv(meta / "songs.csv", ["song_id", "song_name", "billboard", "artists", "popularity", "explicit", "song_type"], [
        ["3CRDbSIZ4r5MsZ0YwxuEkn", "Stressed Out", "('Stressed Out', 'Twenty One Pilots')",
         "{'3YQKmKGau1PzlVlkL1iodx': 'Twenty One Pilots'}", "80", "False", "Solo"],
        ["7KXjTSCq5nL1LoYtL7XAwS", "HUMBLE.", "('HUMBLE.', 'Kendrick Lamar')",
         "{'2YZyLoL8N0Wb9xBt1NhZWg': 'Kendrick Lamar', '0Y5tJX1MQlPlqiwlOH1tJY': 'Travis Scott'}", "83", "True",
         "Collaboration"],
    ])  # fmt: skip
    _tsv(meta / "artists.csv", ["artist_id", "name", "followers", "popularity", "artist_type", "main_genre", "genres",
                                "image_url"], [
        ["3YQKmKGau1PzlVlkL1iodx", "Twenty One Pilots", "9000000", "83", "band", "modern rock",
         "['modern rock', 'pop', 'rock']", "https://i.scdn.co/image/x"],
        ["2YZyLoL8N0Wb9xBt1NhZWg", "Kendrick Lamar", "15000000", "91", "singer", "conscious hip hop",
         "['conscious hip hop', 'hip hop', 'rap', 'west coast rap']", "https://i.scdn.co/image/y"],
    ])  # fmt: skip
    _tsv(meta / "tracks.csv", ["song_id", "album_id", "track_number", "release_date", "release_date_precision"], [
        ["3CRDbSIZ4r5MsZ0YwxuEkn", "3cQO7jp5S9qLBoIVtbkSM1", "2", "2015-05-15", "day"],
        ["7KXjTSCq5nL1LoYtL7XAwS", "4eLPsYPBmXABThSJ821sqY", "8", "2017-04-14", "day"],
    ])  # fmt: skip
    _tsv(meta / "albums.csv", ["album_id", "name", "billboard", "artists", "total_tracks", "album_type", "image_url"], [
        ["3cQO7jp5S9qLBoIVtbkSM1", "Blurryface", "Blurryface", "{'3YQKmKGau1PzlVlkL1iodx': 'Twenty One Pilots'}",
         "14", "album", "https://i.scdn.co/image/z"],
    ])  # fmt: skip
    header = ["song_id", "duration_ms", "key", "mode", "time_signature", "acousticness", "danceability", "energy",
              "instrumentalness", "liveness", "loudness", "speechiness", "valence", "tempo"]  # fmt: skip
    _tsv(feats / "acoustic_features.csv", header, [
        ["3CRDbSIZ4r5MsZ0YwxuEkn", "202333", "4", "0", "4", "0.046", "0.734", "0.637", "2.29e-05", "0.0602",
         "-5.677", "0.141", "0.648", "169.977"],
        ["7KXjTSCq5nL1LoYtL7XAwS", "177000", "1", "0", "4", "0.000282", "0.908", "0.621", "5.39e-05", "0.0958",
         "-6.638", "0.102", "0.421", "150.011"],
    ])  # fmt: skip
    covers = _covers(tmp_path / "covers", ["3cQO7jp5S9qLBoIVtbkSM1", "7KXjTSCq5nL1LoYtL7XAwS"])
    report, rows = _import(tmp_path, feats / "acoustic_features.csv", covers)
    assert report.added == 2 and report.skipped == [] and "joined acoustic_features.csv" in report.notes[0]
    assert rows == {
        "3CRDbSIZ4r5MsZ0YwxuEkn": ("Blurryface", "Twenty One Pilots", "rock"),
        "7KXjTSCq5nL1LoYtL7XAwS": ("HUMBLE.", "Kendrick Lamar, Travis Scott", "hip hop"),
    }


def test_comma_csv_with_quoted_list_text_imports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """csv.Sniffer took "'" as the quote character here and the import ended in AttributeError."""
    lines = [
        "id,name,artists,genres," + FEATURES,
        "a1,Night Drive,\"['Kavinsky', 'Lovefoxxx']\",\"['pop', 'rap']\",0.6,0.8,4,-5,1,0.05,0.1,0.2,0.2,0.6,120",
        "a2,Sunday,\"['Nils Frahm']\",\"['neoclassical', 'ambient']\",0.2,0.2,0,-18,0,0.04,0.9,0.9,0.1,0.3,70",
        "a3,Broken,Someone,\"['rock']\",0.5,lots,0,-8,1,0.05,0.1,0.0,0.1,0.5,120",
        "a4,Too Many,X,\"['rock']\",0.5,0.5,0,-8,1,0.05,0.1,0.0,0.1,0.5,120,extra,cells",
    ]
    path = tmp_path / "albums.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    covers = _covers(tmp_path / "covers", ["a1", "a2", "a3", "a4"])
    lib = tmp_path / "lib.sqlite"
    assert main(["library", "--library", str(lib), "import", str(path), "--covers", str(covers)]) == 0
    captured = capsys.readouterr()
    assert "2 added" in captured.out and "2 skipped" in captured.out
    assert "skipped albums.csv line 4: column energy is not a number: 'lots'" in captured.err
    assert "skipped albums.csv line 5: 17 fields where the header has 15" in captured.err
    with Library(lib) as library:
        got = {a.title: (a.artist, a.genre) for a in library.albums()}
    assert got == {"Night Drive": ("Kavinsky, Lovefoxxx", "pop"), "Sunday": ("Nils Frahm", "ambient")}


def test_csv_reader_edges(tmp_path: Path) -> None:
    semicolon = tmp_path / "eu.csv"
    semicolon.write_text('name;energy;valence\n"Ä, Ö";0,5;0,7\n', encoding="utf-8")
    table = read_csv_table(semicolon)
    assert table.delimiter == ";" and table.rows == [{"name": "Ä, Ö", "energy": "0,5", "valence": "0,7"}]
    unclosed = tmp_path / "unclosed.csv"
    unclosed.write_text('name,energy\n"never closed,1\n' + "x" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(BadInputError, match="line 2"):
        read_csv_table(unclosed)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name,energy\nCaf\xe9,1\n".encode("latin-1"))
    with pytest.raises(BadInputError, match="not UTF-8"):
        read_csv_table(latin)
    assert literal_values("{'id': 'Name', 'id2': 'Other'}") == ["Name", "Other"]
    assert literal_values("['a', 'b']") == ["a", "b"]
    assert literal_values("[" * 5000 + "]" * 5000) is None  # nested too deep: not decoded, no crash
    assert literal_values("__import__('os').system('true')") is None
    assert literal_values("[1 for x in 'ab']") is None
    assert [genre_of_label(g) for g in ("canadian hip hop", "dance pop", "indie-pop", "j-rock", "neoclassical")] == [
        "hip hop", "pop", "indie pop", "rock", None,
    ]  # fmt: skip
