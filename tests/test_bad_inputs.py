from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from albumgen_desktop.cli import main
from albumgen_desktop.core.errors import BadInputError
from albumgen_desktop.io.audio import load_audio
from albumgen_desktop.io.images import load_image
from albumgen_desktop.io.metadata import read_features_file
from tests.badinputs import make_corpus


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    return make_corpus(tmp_path_factory.mktemp("corpus"))


def _load(path: Path) -> object:
    if path.suffix == ".json":
        return read_features_file(path)
    head = path.read_bytes()[:4]
    if head.startswith(b"\x89PNG") or path.suffix in (".jpg", ".gif") and head:
        return load_image(path)
    if head[:4] in (b"RIFF", b"fLaC") or path.suffix in (".wav", ".mp3", ".flac"):
        return load_audio(path, sample_rate=32000)
    return load_image(path)


CASES = [
    "zero_byte_png", "zero_byte_wav", "truncated_png", "truncated_wav", "text_as_mp3", "wav_named_png",
    "png_named_wav", "decompression_bomb", "zero_samples", "nan_samples", "six_channels", "8bit_8khz", "noise_flac",
    "cmyk_jpeg", "grey_16bit", "palette_alpha", "animated_gif", "json_nan", "json_out_of_range", "json_not_object",
    "json_broken", "json_binary",
]  # fmt: skip


@pytest.mark.parametrize("name", CASES)
def test_each_bad_input_is_an_error_or_handled(corpus: dict[str, tuple[Path, str]], name: str) -> None:
    path, expect = corpus[name]
    if expect == "error":
        with pytest.raises(BadInputError) as info:
            _load(path)
        message = str(info.value)
        assert message and "Traceback" not in message and len(message.splitlines()) == 1
    else:
        result = _load(path)
        assert result is not None


def test_handled_images_are_sensible(corpus: dict[str, tuple[Path, str]]) -> None:
    cmyk = np.asarray(load_image(corpus["cmyk_jpeg"][0]))
    assert cmyk.shape == (24, 24, 3) and cmyk[..., 0].mean() > 200 and cmyk[..., 1].mean() < 60  # red
    grey = np.asarray(load_image(corpus["grey_16bit"][0]))
    assert 120 <= grey.mean() <= 135  # 32768/65535 is mid-grey, not clipped white
    palette = np.asarray(load_image(corpus["palette_alpha"][0]))
    assert palette[0, 0].tolist() == [255, 255, 255]  # transparent index flattened onto white
    assert palette[-1, -1].tolist() == [200, 0, 0]


def test_handled_audio_is_sensible(corpus: dict[str, tuple[Path, str]]) -> None:
    six = load_audio(corpus["six_channels"][0])
    assert six.samples.ndim == 1 and six.sample_rate == 16000
    lofi = load_audio(corpus["8bit_8khz"][0], sample_rate=32000)
    assert lofi.sample_rate == 32000 and abs(lofi.duration - 1.0) < 0.01
    assert np.isfinite(lofi.samples).all() and lofi.samples.dtype == np.float32


def test_audio_window_and_cap(corpus: dict[str, tuple[Path, str]]) -> None:
    audio = load_audio(corpus["six_channels"][0], start_seconds=0.5, max_seconds=0.25)
    assert audio.samples.shape[0] == 4000


@pytest.mark.parametrize("name", [n for n in CASES if n.startswith("json")])
def test_cli_rejects_bad_features_with_exit_2_and_writes_nothing(
    corpus: dict[str, tuple[Path, str]], name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = corpus[name]
    for command, out in (("music", "x.wav"), ("cover", "x.png")):
        code = main([command, "--features", str(path), "-o", str(tmp_path / out)])
        err = capsys.readouterr().err
        assert code == 2, err
        assert err.startswith("albumgen: ") and len(err.strip().splitlines()) == 1
        assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", CASES)
def test_cli_analyze_never_crashes(corpus: dict[str, tuple[Path, str]], name: str, capsys) -> None:
    path, expect = corpus[name]
    code = main(["analyze", "--json", str(path)])
    err = capsys.readouterr().err
    assert code in (0, 2), err  # analysed, or refused as bad input
    assert "Traceback" not in err
    if code:
        assert len(err.strip().splitlines()) == 1
    assert (code == 0) == (
        expect == "ok" and name not in ("six_channels", "8bit_8khz", "noise_flac", "wav_named_png")
    ), (
        name,
        err,
    )  # the audio files of the corpus are all shorter than the 2 s an analysis needs
