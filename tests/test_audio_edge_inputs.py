"""Inputs of issue 16's kinds with values its first tests did not use (found by a tester at stop 26):
music after a long silence, a metronome of very short clicks, the LFE alone, a name at the file
system's limit, AAC in MP4 given to `analyze`, and an analyser fault inside a folder import."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from albumgen_desktop.cli import main
from albumgen_desktop.core.errors import BadInputError
from albumgen_desktop.engines.audio_dsp import SR, analyse_file, analyse_samples
from tests import grooves

RATE = 44100


def _cli_json(path: Path | str, capsys: pytest.CaptureFixture[str]) -> dict:
    code = main(["analyze", "--json", "--engine", "sketch", str(path)])
    out, err = capsys.readouterr()
    assert code == 0, err
    return json.loads(out)


@pytest.mark.parametrize("silence_s", [3.0, 5.0, 10.0])
def test_two_seconds_of_music_after_silence_is_analysed_and_marked(silence_s: float) -> None:
    """It crashed in the metre (IndexError: fewer tracked beats than the file's length promises)."""
    music = grooves.slow_groove(100, tonic=2, seconds=2.0)
    y = np.concatenate([np.zeros(int(silence_s * SR), dtype=np.float32), music])
    result = analyse_samples(y)
    assert any("rest on a few beats" in w for w in result.warnings), result.warnings
    assert result.confidence["tempo_bpm"] <= 0.3 and result.confidence["time_signature"] <= 0.3


def _metronome(bpm: float, seconds: float, clicks: int | None = None, rate: int = RATE) -> np.ndarray:
    """10 ms clicks of a 1.5 kHz tone: under a second of sound in all however long the file."""
    y = np.zeros(int(seconds * rate), dtype=np.float32)
    k = np.arange(rate // 100)
    click = (0.8 * np.sin(2 * np.pi * 1500 * k / rate) * np.exp(-k / (rate / 500))).astype(np.float32)
    count = int(seconds * bpm / 60) if clicks is None else clicks
    for i in range(count):
        at = int((0.5 + i * 60 / bpm) * rate)
        y[at : at + len(click)] += click[: len(y) - at]
    return y


@pytest.mark.parametrize("bpm", [60.0, 63.0, 70.0])
def test_a_metronome_of_short_clicks_has_a_tempo(bpm: float, tmp_path: Path) -> None:
    path = tmp_path / "metronome.wav"
    sf.write(path, _metronome(bpm, 15.0), RATE)
    result = analyse_file(path)
    assert abs(result.tempo_bpm - bpm) <= 0.04 * bpm, result.tempo_bpm


@pytest.mark.parametrize("clicks", [1, 2, 3])
def test_a_few_clicks_are_still_refused(clicks: int) -> None:
    with pytest.raises(BadInputError, match="too little"):
        analyse_samples(_metronome(63.0, 15.0, clicks, rate=SR))


def test_sound_in_the_lfe_alone_is_analysed_and_its_loudness_explained(tmp_path: Path) -> None:
    """BS.1770 gives the LFE no weight: loudness -60, said in a warning; the analysis mixdown still
    hears its beat (it read "the audio is silent")."""
    bass = grooves.slow_groove(100, tonic=2, seconds=12.0)
    z = np.zeros_like(bass)
    path = tmp_path / "lfe.wav"
    sf.write(path, np.stack([z, z, z, bass, z, z], 1), SR)  # L R C LFE Ls Rs
    result = analyse_file(path)
    assert abs(result.tempo_bpm - 100) <= 4.0, result.tempo_bpm
    assert result.loudness_db == -60.0
    assert any("LFE" in w and "BS.1770" in w for w in result.warnings), result.warnings


def test_a_file_name_at_the_file_system_limit_is_analysed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """255 bytes leave no room for the recipe sidecar's ".json": its stat raised ENAMETOOLONG."""
    name = "M" * (255 - len(".wav")) + ".wav"
    try:
        sf.write(tmp_path / name, grooves.slow_groove(100, tonic=2, seconds=8.0), SR)
    except (OSError, RuntimeError):
        pytest.skip("this file system does not take 255-byte names")
    row = _cli_json(tmp_path / name, capsys)
    assert abs(row["features"]["tempo_bpm"] - 100) <= 4.0


def test_aac_in_mp4_is_analysed_by_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`analyze` judged the input with libsndfile alone; the decoder opens AAC through PyAV."""
    from tests.test_import_real_files import _image, make_m4a

    path = tmp_path / "song.m4a"
    make_m4a(path, _image((10, 20, 30), "JPEG"))
    row = _cli_json(path, capsys)
    assert row["features"]["loudness_db"] > -60.0


def _music_folder(tmp_path: Path, tonics: dict[str, int]) -> Path:
    """A folder with a cover and one 6 s groove per file name (at 100 BPM, on the given tonic)."""
    from PIL import Image

    folder = tmp_path / "music"
    folder.mkdir()
    Image.new("RGB", (64, 64), (200, 40, 40)).save(folder / "cover.jpg")
    for name, tonic in tonics.items():
        sf.write(folder / name, grooves.slow_groove(100, tonic=tonic, seconds=6.0), SR)
    return folder


def _import(folder: Path, tmp_path: Path):
    """import_music_folder into a new library with the sketch embedder; its report."""
    from albumgen_desktop.library.embedders import SketchEmbedder
    from albumgen_desktop.library.importer import import_music_folder
    from albumgen_desktop.library.store import Library

    library = Library(tmp_path / "lib.sqlite")
    try:
        return import_music_folder(library, folder, [SketchEmbedder()])
    finally:
        library.close()


@pytest.mark.skipif(os.name != "posix", reason="the fault is injected by name")
def test_a_folder_import_goes_on_after_an_analyser_fault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A fault of ours on one file (the IndexError above ended the whole import) skips that file
    with the reason and imports the rest."""
    from albumgen_desktop.library import importer

    folder = _music_folder(tmp_path, {"a.wav": 2, "b_fault.wav": 4, "c.wav": 7})
    real = importer._analyse_track

    def faulty(path: Path, genre_tag: str):
        if "fault" in path.name:
            raise IndexError("index 8 is out of bounds for axis 0 with size 7")
        return real(path, genre_tag)

    monkeypatch.setattr(importer, "_analyse_track", faulty)
    report = _import(folder, tmp_path)
    assert report.added == 2, report
    ((key, why),) = report.skipped
    assert Path(key).name == "b_fault.wav" and re.search(r"IndexError", why), why


@pytest.mark.skipif(os.name != "posix", reason="symbolic links and FIFOs")
def test_a_folder_import_names_links_and_pipes_it_passes_over(tmp_path: Path) -> None:
    folder = _music_folder(tmp_path, {"a.wav": 2})
    (folder / "gone.wav").symlink_to(tmp_path / "nowhere.wav")
    os.mkfifo(folder / "pipe.wav")
    report = _import(folder, tmp_path)
    assert report.added == 1, report
    skipped = {Path(k).name: why for k, why in report.skipped}
    assert skipped == {
        "gone.wav": "a link to a file that is not there",
        "pipe.wav": "not a regular file (a pipe or device)",
    }


@pytest.mark.parametrize("method", ["linear", "logarithmic"])
def test_a_sine_sweep_has_no_beat(method: str) -> None:
    """A sweep's energy moves from band to band; the log-mel flux saw its band crossings as onsets
    and read 105 BPM (confidence 0.84) and 192 BPM with no warning."""
    from scipy.signal import chirp

    t = np.arange(15 * SR) / SR
    lo, hi = (100.0, 5000.0) if method == "linear" else (20.0, 10000.0)
    y = (0.5 * chirp(t, lo, t[-1], hi, method=method)).astype(np.float32)
    try:
        result = analyse_samples(y)
    except BadInputError as exc:
        assert "no music found" in str(exc)
        return
    assert any("no steady beat" in w for w in result.warnings), result.warnings
    assert result.confidence["tempo_bpm"] <= 0.1
