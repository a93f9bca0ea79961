"""The signal as it is: channels and loudness, DC, silence and non-music, odd file names.

Oracles: pyloudnorm (ITU-R BS.1770-4, on the original channels in its L R C Ls Rs order) and,
when installed, ffmpeg's ebur128 filter."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
import soundfile as sf

from albumgen_desktop.cli import main
from albumgen_desktop.core.errors import BadInputError
from albumgen_desktop.engines.audio_dsp import SR, analyse_file, analyse_samples
from albumgen_desktop.engines.audio_levels import integrated_loudness, scan_file
from albumgen_desktop.io.audio import load_audio
from albumgen_desktop.io.channels import default_layout, mixdown
from tests.synth import synth_song

RATE = 44100  # files at their own rate: the analyser must not measure loudness after resampling


@pytest.fixture(scope="module")
def song() -> np.ndarray:
    return synth_song(112, 9, "minor", seconds=12, sr=RATE) * 0.5


@pytest.fixture(scope="module")
def other() -> np.ndarray:
    return synth_song(112, 9, "minor", seconds=12, sr=RATE, drums=False, seed=3) * 0.3


def _pyloudnorm(data: np.ndarray, layout: tuple[str, ...]) -> float:
    """pyloudnorm on the original channels, in its L R C Ls Rs order, the LFE left out."""
    if data.ndim == 1:
        return float(pyloudnorm.Meter(RATE).integrated_loudness(data.astype(np.float64)))
    order = [layout.index(n) for n in ("FL", "FR", "FC", "BL", "BR") if n in layout]
    return float(pyloudnorm.Meter(RATE).integrated_loudness(data[:, order].astype(np.float64)))


def _ffmpeg(path: Path) -> float | None:
    if shutil.which("ffmpeg") is None:
        return None
    run = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(re.findall(r"I:\s+(-?[\d.]+) LUFS", run.stderr)[-1])


CHANNEL_CASES = ["mono", "stereo_identical", "stereo_different", "stereo_antiphase", "surround_centre_only",
                 "surround_all"]  # fmt: skip


def _channels(case: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    z = np.zeros_like(a)
    return {
        "mono": a,
        "stereo_identical": np.stack([a, a], 1),
        "stereo_different": np.stack([a, b], 1),
        "stereo_antiphase": np.stack([a, -a], 1),
        "surround_centre_only": np.stack([z, z, a, z, z, z], 1),  # L R C LFE Ls Rs
        "surround_all": np.stack([a, b, 0.5 * a, 0.8 * b, 0.4 * a, 0.6 * b], 1),
    }[case]


@pytest.mark.parametrize("case", CHANNEL_CASES)
def test_loudness_is_bs1770_on_the_original_channels(case: str, song, other, tmp_path: Path) -> None:
    data = _channels(case, song, other)
    path = tmp_path / f"{case}.wav"
    sf.write(path, data, RATE, subtype="PCM_24", format="WAVEX" if data.ndim == 2 and data.shape[1] > 2 else "WAV")
    layout = default_layout(1 if data.ndim == 1 else data.shape[1])
    expected = _pyloudnorm(data, layout)
    result = analyse_file(path)
    assert abs(result.loudness_db - expected) <= 0.5, (result.loudness_db, expected)
    ffmpeg = _ffmpeg(path)
    if ffmpeg is not None:
        assert abs(result.loudness_db - ffmpeg) <= 0.5, (result.loudness_db, ffmpeg)
    # The music itself is analysed whatever the channels: an anti-phase pair does not cancel.
    assert abs(result.tempo_bpm - 112) <= 0.04 * 112 and (result.key, result.mode) == (9, "minor")


def test_stereo_identical_reads_3_db_over_its_mono_and_surround_centre_as_its_mono(song, tmp_path: Path) -> None:
    """The issue's numbers: -17.3 LUFS for identical stereo where the mean downmix read -21.3."""
    mono, stereo, centre = tmp_path / "m.wav", tmp_path / "s.wav", tmp_path / "c.wav"
    z = np.zeros_like(song)
    sf.write(mono, song, RATE, subtype="PCM_24")
    sf.write(stereo, np.stack([song, song], 1), RATE, subtype="PCM_24")
    sf.write(centre, np.stack([z, z, song, z, z, z], 1), RATE, subtype="PCM_24", format="WAVEX")
    m, s, c = (scan_file(p).integrated_lufs for p in (mono, stereo, centre))
    assert abs((s - m) - 3.01) < 0.05, (m, s)
    assert abs(c - m) < 0.05, (m, c)


def test_surround_weights_follow_bs1770(song) -> None:
    """Surrounds count +1.5 dB (G = 1.41), the LFE not at all, fronts 1.0."""
    z = np.zeros_like(song)
    layout = default_layout(6)
    front = integrated_loudness(np.stack([song, z, z, z, z, z], 1), RATE, layout)
    surround = integrated_loudness(np.stack([z, z, z, z, song, z], 1), RATE, layout)
    lfe = integrated_loudness(np.stack([z, z, z, song, z, z], 1), RATE, layout)
    assert abs((surround - front) - 10 * np.log10(1.41)) < 0.02
    assert lfe == float("-inf")


def test_ogg_surround_uses_the_vorbis_channel_order(song, tmp_path: Path) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg (the oracle that writes a real 5.1 Vorbis file) is not installed")
    z = np.zeros_like(song)
    wav, ogg = tmp_path / "c.wav", tmp_path / "c.ogg"
    sf.write(wav, np.stack([z, z, z, song, z, z], 1), RATE, subtype="PCM_24", format="WAVEX")  # LFE only
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(wav), "-c:a", "libvorbis", str(ogg)], check=True)
    levels = scan_file(ogg)
    assert levels.layout == ("FL", "FC", "FR", "BL", "BR", "LFE")
    assert levels.integrated_lufs == float("-inf")  # the LFE is the sixth Vorbis channel, and excluded


def test_mixdown_keeps_anti_phase_and_centre_content(song) -> None:
    z = np.zeros_like(song)
    anti = mixdown(np.stack([song, -song], 1), ("FL", "FR"))
    assert np.sqrt(np.mean(anti**2)) > 0.9 * np.sqrt(2 * np.mean(song**2))
    centre = mixdown(np.stack([z, z, song, z, z, z], 1), default_layout(6))
    assert np.allclose(np.mean(centre**2), np.mean(song**2), rtol=1e-3)


def test_load_audio_mono_does_not_cancel_anti_phase(song, tmp_path: Path) -> None:
    path = tmp_path / "anti.wav"
    sf.write(path, np.stack([song, -song], 1), RATE, subtype="PCM_16")
    mono = load_audio(path, sample_rate=SR).samples
    assert np.max(np.abs(mono)) > 0.3


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


NOT_MUSIC = {
    "dc_offset": lambda n, rng: np.full(n, 0.25, dtype=np.float32),
    "one_click": lambda n, rng: np.where(np.arange(n) == n // 2, 0.9, 0.0).astype(np.float32),
    "click_with_dc": lambda n, rng: (0.2 + np.where(np.arange(n) == n // 3, 0.7, 0.0)).astype(np.float32),
    "white_noise": lambda n, rng: (0.2 * rng.standard_normal(n)).astype(np.float32),
    "brown_noise": lambda n, rng: (np.cumsum(rng.standard_normal(n)) / np.sqrt(n) * 0.3).astype(np.float32),
}


@pytest.mark.parametrize("name", sorted(NOT_MUSIC))
def test_not_music_exits_2_with_one_line(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / f"{name}.wav"
    sf.write(path, NOT_MUSIC[name](10 * RATE, np.random.default_rng(4)), RATE, subtype="FLOAT")
    code, out, err = _cli(["analyze", "--json", "--engine", "sketch", str(path)], capsys)
    assert code == 2 and out == "", (code, out, err)
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert re.search(r"silent|too little|no music", err), err


def test_dc_offset_under_music_changes_nothing(song) -> None:
    y = synth_song(96, 4, "major", seconds=12) * 0.5
    plain, offset = analyse_samples(y), analyse_samples(y + 0.3)
    assert (offset.key, offset.mode) == (plain.key, plain.mode) == (4, "major")
    assert abs(offset.tempo_bpm - plain.tempo_bpm) < 0.5 and abs(offset.loudness_db - plain.loudness_db) < 0.3


def test_beat_without_pitch_has_no_key_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A metronome (noise clicks at 120 BPM) is rhythm without pitch: analysed, key left empty."""
    rng = np.random.default_rng(2)
    y = np.zeros(12 * SR, dtype=np.float32)
    for t in np.arange(0, 12, 0.5):
        i = int(t * SR)
        y[i : i + 200] += rng.standard_normal(200).astype(np.float32) * np.exp(-np.arange(200) / 40) * 0.6
    path = tmp_path / "metronome.wav"
    sf.write(path, y, SR)
    code, out, err = _cli(["analyze", "--json", "--engine", "sketch", str(path)], capsys)
    assert code == 0, err
    row = json.loads(out)
    assert row["features"]["key"] is None and any("no pitched notes" in w for w in row["warnings"])
    assert row["confidence"]["key"] <= 0.1
    assert abs(row["features"]["tempo_bpm"] - 120) <= 0.04 * 120


def test_pitch_without_beat_warns_and_keeps_tempo_unconfident() -> None:
    t = np.arange(12 * SR) / SR
    drone = (0.3 * np.sin(2 * np.pi * 220 * t) + 0.2 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
    result = analyse_samples(drone)
    assert any("no steady beat" in w for w in result.warnings)
    assert result.confidence["tempo_bpm"] <= 0.1 and result.confidence["time_signature"] <= 0.1


def test_silence_and_dc_only_are_refused() -> None:
    with pytest.raises(BadInputError, match="silent"):
        analyse_samples(np.full(5 * SR, -0.4, dtype=np.float32))


@pytest.mark.skipif(os.name != "posix", reason="file names are bytes on POSIX only")
def test_file_name_with_a_latin1_byte_is_analysed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raw = os.fsencode(tmp_path) + b"/caf\xe9 \xff.wav"
    path = os.fsdecode(raw)  # 'caf\udce9 \udcff.wav': not encodable as UTF-8
    sf.write(tmp_path / "x.wav", synth_song(100, 2, "major", seconds=8), SR)
    os.rename(tmp_path / "x.wav", raw)
    code, out, err = _cli(["analyze", "--json", "--engine", "sketch", path], capsys)
    assert code == 0, err
    row = json.loads(out)
    assert row["file"].endswith("caf\\xe9 \\xff.wav")
    assert (row["features"]["key"], row["features"]["mode"]) == (2, "major")
    code, out, err = _cli(["analyze", "--engine", "sketch", path], capsys)
    assert code == 0 and "caf\\xe9" in out, err


@pytest.mark.skipif(os.name != "posix", reason="file names are bytes on POSIX only")
def test_folder_import_skips_what_it_cannot_read_and_goes_on(tmp_path: Path) -> None:
    from PIL import Image

    from albumgen_desktop.library.embedders import SketchEmbedder
    from albumgen_desktop.library.importer import import_music_folder
    from albumgen_desktop.library.store import Library

    folder = tmp_path / "music"
    folder.mkdir()
    Image.new("RGB", (64, 64), (200, 40, 40)).save(folder / "cover.jpg")
    sf.write(folder / "a_good.wav", synth_song(100, 2, "major", seconds=6), SR)
    (folder / "b_broken.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt garbage")
    sf.write(folder / "c.wav", synth_song(120, 7, "major", seconds=6), SR)
    os.rename(folder / "c.wav", os.fsencode(folder) + b"/c_caf\xe9.wav")
    sf.write(folder / "d_click.wav", np.where(np.arange(6 * SR) == SR, 0.9, 0.0).astype(np.float32), SR)
    library = Library(tmp_path / "lib.sqlite")
    try:
        report = import_music_folder(library, folder, [SketchEmbedder()])
    finally:
        library.close()
    assert report.added == 2, report
    skipped = {Path(k).name: why for k, why in report.skipped}
    assert set(skipped) == {"b_broken.wav", "d_click.wav"}, skipped
    assert all(why for why in skipped.values())


def test_offline_genre_is_an_explicit_unknown_the_prompts_leave_out(tmp_path: Path) -> None:
    from albumgen_desktop.core.prompts import cover_prompt, music_prompt
    from albumgen_desktop.services.analyse import analyse_input

    path = tmp_path / "song.wav"
    sf.write(path, synth_song(120, 7, "major", seconds=8), SR)
    result = analyse_input(path, engine="sketch")
    assert result.features.genre == "" and result.source["genre"] == "unknown" and result.confidence["genre"] == 0
    for style in ("concise", "descriptive"):
        text = music_prompt(result.features, style)
        assert text and "unknown" not in text and "  " not in text and " ," not in text, text
    cover, _ = cover_prompt(result.features, "Title")
    assert "unknown" not in cover and "  " not in cover, cover


@pytest.mark.parametrize("seconds", [2.0, 2.5, 2.9])
def test_a_short_file_is_analysed_without_library_warnings(seconds: float) -> None:
    """Between 2 and 3 s librosa's CQT warned "n_fft=1024 is too large for input signal" on
    stderr (its lowest octaves are decimated below one FFT): the user sees one line or none."""
    y = synth_song(120, 9, "minor", seconds=seconds, sr=SR)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = analyse_samples(y)
    assert 40 <= result.tempo_bpm <= 220


def _cut_short(full: Path, cut: Path, keep_seconds: float, rate: int, header_bytes: int) -> None:
    """A copy of ``full`` whose header still announces all of it: a download that stopped."""
    cut.write_bytes(full.read_bytes()[: header_bytes + 2 * int(keep_seconds * rate)])


@pytest.mark.parametrize("fmt", ["WAV", "AIFF", "RF64"])
def test_a_file_cut_short_is_analysed_and_says_so(fmt: str, song, tmp_path: Path) -> None:
    import wave

    full, cut = tmp_path / f"full.{fmt.lower()}", tmp_path / f"cut.{fmt.lower()}"
    sf.write(full, song, RATE, format=fmt, subtype="PCM_16")
    header = {"WAV": 44, "AIFF": 54, "RF64": 80}[fmt]  # bytes before the first sample in soundfile's files
    _cut_short(full, cut, 4.3, RATE, header)
    if fmt == "WAV":  # the standard library's parser reads what the header announces
        with wave.open(str(cut)) as w:
            assert w.getnframes() / w.getframerate() == pytest.approx(12.0)
    result = analyse_file(cut)
    assert result.warnings and "cut short" in result.warnings[0], result.warnings
    assert "announces 12.0 s" in result.warnings[0] and "holds 4.3 s" in result.warnings[0]
    assert result.key is not None and result.window[1] == pytest.approx(4.3, abs=0.01)
    assert not analyse_file(full).warnings


@pytest.mark.parametrize(
    ("riff", "data"), [(0xFFFFFFFF, 0xFFFFFFFF), (0x80000024, 0x80000000), (0x7FFFFFFF, 0x7FFFFFDB)]
)
def test_a_streamed_wav_with_placeholder_sizes_has_no_warning(riff: int, data: int, song, tmp_path: Path) -> None:
    """Writers that cannot seek back leave the RIFF and data sizes at a placeholder (ffmpeg to a
    pipe 0xFFFFFFFF, arecord 0x80000000): nothing is missing, so nothing is said."""
    import struct

    path = tmp_path / "streamed.wav"
    sf.write(path, song[: 6 * RATE], RATE, subtype="PCM_16")
    raw = bytearray(path.read_bytes())
    at = raw.find(b"data")
    raw[4:8], raw[at + 4 : at + 8] = struct.pack("<I", riff), struct.pack("<I", data)
    path.write_bytes(bytes(raw))
    assert sf.info(str(path)).frames == 6 * RATE
    assert scan_file(path).warnings == ()


@pytest.mark.parametrize("gain", [800.0, 1e6, 1e20])
def test_float_samples_over_full_scale_are_measured_and_said(gain: float, song, tmp_path: Path) -> None:
    """Measured as they are, analysed as if normalised: at 1e6 the tempo read half with a NaN
    confidence (float32 squares overflowed) and at 1e20 the file was refused as a click."""
    path = tmp_path / "unnormalised.wav"
    loud = song * gain
    sf.write(path, loud, RATE, subtype="FLOAT")
    levels = scan_file(path)
    assert levels.integrated_lufs == pytest.approx(_pyloudnorm(loud, ("M",)), abs=0.5)
    over = 20 * np.log10(np.max(np.abs(loud)))
    assert len(levels.warnings) == 1 and f"{over:+.2f} dB over full scale" in levels.warnings[0], levels.warnings
    assert f"{levels.integrated_lufs:+.1f} LUFS" in levels.warnings[0]
    result = analyse_file(path)
    assert result.loudness_db == 0.0 and "over full scale" in result.warnings[0]
    assert abs(result.tempo_bpm - 112) <= 0.04 * 112 and (result.key, result.mode) == (9, "minor")
    assert all(np.isfinite(v) for v in result.confidence.values())
