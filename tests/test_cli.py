from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from albumgen_desktop.cli import main
from albumgen_desktop.core.features import Features
from albumgen_desktop.core.prompts import cover_prompt, music_prompt
from albumgen_desktop.core.recipe import Recipe
from albumgen_desktop.io.metadata import export_png, export_wav


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "albumgen_desktop", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_help_lists_every_command() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("analyze", "music", "cover", "models", "library", "selftest", "gui"):
        assert command in result.stdout


def test_version() -> None:
    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.startswith("AlbumGen Desktop ")


def test_analyze_restores_recipes_one_json_per_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    music_f = Features(genre="ambient", tempo_bpm=70, key=2, mode="minor")
    cover_f = Features(genre="techno", tempo_bpm=132)
    wav_path = export_wav(
        tmp_path / "m.wav",
        np.zeros(1600, dtype=np.float32),
        16000,
        Recipe(kind="music", features=music_f, prompt=music_prompt(music_f), engine="sketch"),
    )
    png_path = export_png(
        tmp_path / "c.png",
        Image.new("RGB", (8, 8)),
        Recipe(kind="cover", features=cover_f, prompt=cover_prompt(cover_f)[0], engine="sketch"),
    )
    assert main(["analyze", "--json", str(wav_path), str(png_path)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert Features.from_dict(first["features"]) == music_f and first["kind"] == "recipe"
    assert first["source"]["tempo_bpm"] == "recipe" and first["confidence"]["key"] == 1.0
    assert Features.from_dict(second["features"]) == cover_f


def test_analyze_goes_on_after_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = Features(genre="folk")
    good = export_wav(
        tmp_path / "g.wav", np.zeros(100, dtype=np.float32), 8000,
        Recipe(kind="music", features=f, prompt=music_prompt(f), engine="sketch"),
    )  # fmt: skip
    code = main(["analyze", "--json", str(tmp_path / "missing.png"), str(good)])
    captured = capsys.readouterr()
    assert code == 2 and "does not exist" in captured.err
    assert json.loads(captured.out)["features"]["genre"] == "folk"


def test_bad_option_values_exit_2_without_traceback(tmp_path: Path) -> None:
    for args in (
        ["music", "-o", str(tmp_path / "x.wav"), "--duration", "-3"],
        ["cover", "-o", str(tmp_path / "x.png"), "--size", "4096"],
        ["music", "-o", str(tmp_path / "x.mp3")],
        ["music", str(tmp_path / "nope.png"), "-o", str(tmp_path / "x.wav")],
        ["cover", "-o", str(tmp_path / "x.png"), "--title", "x" * 500],
        ["models", "download", "no-such-model"],
        ["music", "-o", str(tmp_path / "x.wav"), "--engine", "sketch", "--duration", "5000"],
        ["music", str(tmp_path), "-o", str(tmp_path / "x.wav")],
    ):
        result = run_cli(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_missing_cover_weights_is_one_clear_line_and_exit_3(tmp_path: Path) -> None:
    result = run_cli("cover", "-o", str(tmp_path / "x.png"), "--engine", "diffusion")
    assert result.returncode == 3 and "sdxs-512" in result.stderr and "not downloaded" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.png").exists()


def test_models_list_json() -> None:
    result = run_cli("models", "list", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {"musicgen-small", "sdxs-512", "taesd"} <= {r["id"] for r in rows}
    for row in rows:
        assert row["license"] and row["revision"] and row["size_bytes"] > 0 and row["installed"] is False


@pytest.mark.slow
def test_selftest_passes() -> None:
    result = run_cli("selftest")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "selftest passed" in result.stdout
