"""WAV tags other tools read: an ``id3 `` chunk (mutagen as the oracle; exiftool and MediaInfo
when installed) beside Latin-1 LIST/INFO, the typed artist and title, and exports that follow
the umask."""

from __future__ import annotations

import json
import os
import shutil
import stat
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from mutagen.wave import WAVE
from PIL import Image

from albumgen_desktop.cli import main
from albumgen_desktop.core.features import Features
from albumgen_desktop.core.recipe import Recipe
from albumgen_desktop.io import wav
from albumgen_desktop.io.metadata import export_png, export_wav, read_recipe, sidecar_path

TONE = (0.4 * np.sin(np.linspace(0, 300 * np.pi, 16000))).astype(np.float32)
TITLE, ARTIST = "Nuit Blanche ✓ 夜", "Zoë Ångström"
PROMPT = "warm “analogue” synths — café jazz, 90 BPM"


def _recipe(**kw) -> Recipe:
    f = Features(genre="jazz", style="in the style of Somebody Famous")
    return Recipe(kind="music", features=f, prompt=PROMPT, engine="sketch", seed=5, title=TITLE, artist=ARTIST, **kw)


def _chunk_ids(path: Path) -> list[bytes]:
    data = path.read_bytes()
    ids, pos = [], 12
    while pos + 8 <= len(data):
        cid, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        ids.append(cid)
        pos += 8 + size + size % 2
    return ids


def test_id3_chunk_is_read_by_mutagen_with_unicode_text(tmp_path: Path) -> None:
    path = export_wav(tmp_path / "t.wav", TONE, 16000, _recipe())
    tags = WAVE(path).tags
    assert tags is not None and tags.version[:2] == (2, 4)
    assert str(tags["TIT2"]) == TITLE and str(tags["TPE1"]) == ARTIST and str(tags["TCON"]) == "jazz"
    comments = tags.getall("COMM")
    assert [c.text[0] for c in comments] == [PROMPT]
    assert all(f.encoding == 3 for f in tags.values() if hasattr(f, "encoding"))  # UTF-8 frames
    assert str(tags["TSSE"]).startswith("AlbumGen Desktop ")
    recipe = json.loads(tags.getall("TXXX:albumgen")[0].text[0])
    assert recipe["title"] == TITLE and recipe["artist"] == ARTIST
    # tags sit before the audio; the audio is untouched
    ids = _chunk_ids(path)
    assert ids.index(b"id3 ") < ids.index(b"data") and ids.index(b"LIST") < ids.index(b"data")
    data, rate = sf.read(path, dtype="float32")
    assert rate == 16000 and np.max(np.abs(data - TONE)) <= 1 / 32767


def test_info_is_latin1_with_lookalikes_and_question_marks(tmp_path: Path) -> None:
    path = export_wav(tmp_path / "t.wav", TONE, 16000, _recipe())
    info = wav.read_info(path)
    assert info["INAM"] == "Nuit Blanche ? ?" and info["IART"] == ARTIST
    assert info["ICMT"] == 'warm "analogue" synths - café jazz, 90 BPM'
    raw = path.read_bytes()
    assert "Zoë Ångström".encode("latin-1") in raw and b"CSET" not in raw
    # INFO written by older exports (UTF-8) and by Windows tools (cp1252) both read back right
    assert wav.decode_info_text("Café".encode()) == "Café"
    assert wav.decode_info_text("“Café”".encode("cp1252")) == "“Café”"


@pytest.mark.slow
def test_artist_is_what_the_user_typed_never_the_style(tmp_path: Path) -> None:
    features = tmp_path / "f.json"
    features.write_text(json.dumps({"genre": "jazz", "style": "in the style of Somebody Famous"}))
    out = tmp_path / "m.wav"
    args = ["music", "-o", str(out), "--engine", "sketch", "--duration", "1", "--features", str(features)]
    assert main([*args, "--title", TITLE, "--artist", ARTIST]) == 0
    tags = WAVE(out).tags
    assert str(tags["TIT2"]) == TITLE and str(tags["TPE1"]) == ARTIST
    assert read_recipe(out).title == TITLE and read_recipe(out).artist == ARTIST
    assert main(args) == 0
    tags = WAVE(out).tags
    assert "TPE1" not in tags and "TIT2" not in tags
    assert "IART" not in wav.read_info(out) and "Somebody" not in out.read_bytes().decode("latin-1")[:200]


def test_recipe_survives_a_tool_that_keeps_tags_but_drops_our_chunk(tmp_path: Path) -> None:
    original = export_wav(tmp_path / "a.wav", TONE, 16000, _recipe())
    copy = tmp_path / "b.wav"
    sf.write(copy, TONE, 16000)  # a fresh file with none of our chunks ...
    retagged = WAVE(copy)
    retagged.add_tags()
    for frame in WAVE(original).tags.values():  # ... and the tags copied over, as a tagger does
        retagged.tags.add(frame)
    retagged.save()
    assert wav.read_recipe_json(copy) is None
    back = read_recipe(copy)
    assert back is not None and back.title == TITLE and back.features.genre == "jazz"


@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_exports_follow_the_umask(tmp_path: Path, umask: int, expected: int) -> None:
    old = os.umask(umask)
    try:
        wav_path = export_wav(tmp_path / "t.wav", TONE, 16000, _recipe())
        png_recipe = Recipe(kind="cover", features=Features(), prompt="p", engine="sketch", params={"size": 16})
        png_path = export_png(tmp_path / "c.png", Image.new("RGB", (16, 16)), png_recipe)
    finally:
        os.umask(old)
    for path in (wav_path, sidecar_path(wav_path), png_path, sidecar_path(png_path)):
        assert stat.S_IMODE(path.stat().st_mode) == expected, path.name


@pytest.mark.skipif(shutil.which("exiftool") is None, reason="exiftool is not installed")
def test_exiftool_reads_both_tag_sets(tmp_path: Path) -> None:
    path = export_wav(tmp_path / "t.wav", TONE, 16000, _recipe())
    out = subprocess.run(["exiftool", "-j", "-G1", "-a", str(path)], capture_output=True, text=True, check=True)
    tags = json.loads(out.stdout)[0]
    assert tags["ID3v2_4:Title"] == TITLE and tags["ID3v2_4:Artist"] == ARTIST
    assert tags["ID3v2_4:Comment"] == PROMPT and tags["ID3v2_4:Genre"] == "jazz"
    assert tags["RIFF:Title"] == "Nuit Blanche ? ?" and tags["RIFF:Artist"] == ARTIST  # no "ZoÃ«"


@pytest.mark.skipif(shutil.which("mediainfo") is None, reason="MediaInfo is not installed")
def test_mediainfo_reads_the_tags(tmp_path: Path) -> None:
    path = export_wav(tmp_path / "t.wav", TONE, 16000, _recipe())
    out = subprocess.run(["mediainfo", "--Output=JSON", str(path)], capture_output=True, text=True, check=True)
    general = next(t for t in json.loads(out.stdout)["media"]["track"] if t["@type"] == "General")
    # MediaInfo shows ID3 TIT2 as "Track" (Track name) and INFO INAM as "Title"
    assert general["Track"] == TITLE and general["Title"] == "Nuit Blanche ? ?" and general["Performer"] == ARTIST
    assert general["Genre"] == "jazz" and general["Comment"] == PROMPT
