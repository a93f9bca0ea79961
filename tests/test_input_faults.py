"""Inputs that are not what they claim: FIFOs and devices, JSON bombs (deep, huge numbers) in
features files, sidecars and the recipe chunks inside WAV and PNG files, and a closed stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from albumgen_desktop.cli import main
from albumgen_desktop.core import json_limits
from albumgen_desktop.core.errors import BadInputError
from albumgen_desktop.core.features import Features, parse_json_object
from albumgen_desktop.core.recipe import Recipe
from albumgen_desktop.io import png, wav
from albumgen_desktop.io.files import check_input_file, read_input_bytes
from albumgen_desktop.io.metadata import read_features_file, read_recipe, sidecar_path
from tests.faults import make_fifo

ROOT = Path(__file__).resolve().parents[1]
TONE = (0.3 * np.sin(np.arange(3 * 16000) * 2 * np.pi * 220 / 16000)).astype(np.float32)  # 3 s: analysable

DEEP = "[" * 2000 + "]" * 2000
BOMBS: dict[str, str | bytes] = {
    "nested 2,000 deep": '{"energy": ' + DEEP + "}",
    "nested objects": '{"a":' * 5000 + "1" + "}" * 5000,
    "400-digit integer": '{"energy": 1' + "0" * 400 + "}",
    "5,000-digit integer": '{"tempo_bpm": ' + "9" * 5000 + "}",
    "400-digit float": '{"energy": 0.' + "1" * 400 + "}",
    "1e400": '{"energy": 1e400}',
    "NaN": '{"energy": NaN}',
    "-Infinity": '{"loudness_db": -Infinity}',
    "not JSON": "{energy: 0.5",
    "a list": "[0.5]",
    "invalid UTF-8": b'{"genre": "\xff\xfe"}',
}
RECIPE_BOMBS: dict[str, str] = {
    "deep params": '{"format": "albumgen-recipe", "version": 1, "kind": "music", "prompt": "p", "engine": "sketch", '
    '"features": {}, "params": {"x": ' + DEEP + "}}",
    "huge seed": '{"format": "albumgen-recipe", "version": 1, "kind": "music", "prompt": "p", "engine": "sketch", '
    '"features": {}, "seed": 1' + "0" * 400 + "}",
    "huge version": '{"format": "albumgen-recipe", "version": 1' + "0" * 5000 + "}",
    "float features": '{"format": "albumgen-recipe", "version": 1, "kind": "music", "prompt": "p", '
    '"engine": "sketch", "features": {"energy": 1e999}}',
    "truncated": '{"format": "albumgen-recipe", "version": 1, "kind": "mus',
}


def as_bytes(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode("utf-8")


@pytest.mark.parametrize("name", list(BOMBS))
def test_json_bombs_are_bad_input(name: str) -> None:
    with pytest.raises(BadInputError):
        Features.from_json(BOMBS[name])  # type: ignore[arg-type]  # bytes too: the limits decode them
    with pytest.raises(BadInputError):
        parse_json_object(BOMBS[name], "features")


@pytest.mark.parametrize("name", ["nested 2,000 deep", "400-digit integer", "5,000-digit integer", "1e400"])
def test_json_bomb_features_file_exits_2_with_one_line(tmp_path: Path, name: str, capsys) -> None:
    bomb = tmp_path / "bomb.json"
    bomb.write_bytes(as_bytes(BOMBS[name]))
    out = tmp_path / "x.wav"
    assert main(["music", "--features", str(bomb), "-o", str(out), "--engine", "sketch"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "internal error" not in err and "bomb.json" in err, err
    assert not out.exists()


@given(st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
                    max_leaves=30))  # fmt: skip
@settings(max_examples=200, deadline=None)
def test_any_json_value_as_recipe_or_features_is_a_result_or_bad_input(value: object) -> None:
    text = json.dumps(value)  # NaN/Infinity included: json.dumps writes them
    for data in (text, json.dumps({"format": "albumgen-recipe", "version": 1, "kind": "music", "prompt": "p",
                                   "engine": "sketch", "features": value, "params": value})):  # fmt: skip
        try:
            Recipe.from_json(data)
        except BadInputError:
            pass
        try:
            Features.from_json(data)
        except BadInputError:
            pass


def test_depth_check_ignores_brackets_inside_strings() -> None:
    assert json_limits.nesting_depth('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "b": [1, [2]]}') == 3
    assert json_limits.loads('{"s": "' + "[" * 5000 + '"}', "x") == {"s": "[" * 5000}


def wav_with_recipe(path: Path, recipe_json: str | None) -> Path:
    path.write_bytes(wav.wav_bytes(TONE, 16000, recipe_json=recipe_json))
    return path


def png_with_recipe(path: Path, recipe_json: str) -> Path:
    path.write_bytes(png.png_bytes(Image.new("RGB", (32, 32), (30, 90, 160)), {png.RECIPE_KEY: recipe_json}))
    return path


@pytest.mark.parametrize("name", list(RECIPE_BOMBS))
def test_embedded_recipe_bombs_are_the_damaged_recipe_error(tmp_path: Path, name: str) -> None:
    """In a WAV `agen` chunk, a PNG `albumgen` chunk and a sidecar: always BadInputError saying the
    recipe is damaged (what the GUI's history restore relies on), never Recursion/Overflow/ValueError."""
    payload = RECIPE_BOMBS[name]
    plain = tmp_path / "plain.wav"
    sf.write(plain, TONE, 16000)
    sidecar_path(plain).write_text(payload)
    for path in (
        wav_with_recipe(tmp_path / "a.wav", payload),
        png_with_recipe(tmp_path / "a.png", payload),
        plain,
        sidecar_path(plain),
    ):
        with pytest.raises(BadInputError, match="recipe in .* is damaged"):
            read_recipe(path)


def test_analyze_goes_on_past_bombs_and_bad_files_and_exits_non_zero_at_the_end(tmp_path: Path, capsys) -> None:
    good = tmp_path / "good.wav"
    sf.write(good, TONE, 16000)
    wav_bomb = wav_with_recipe(tmp_path / "bomb.wav", RECIPE_BOMBS["deep params"])
    png_bomb = png_with_recipe(tmp_path / "bomb.png", RECIPE_BOMBS["huge seed"])
    text = tmp_path / "notes.wav"
    text.write_text("not audio")
    last = tmp_path / "last.wav"
    sf.write(last, TONE, 16000)
    files = [good, wav_bomb, text, png_bomb, last]
    assert main(["analyze", *map(str, files), "--engine", "sketch"]) == 2
    captured = capsys.readouterr()
    analysed = [line.split(":")[0] for line in captured.out.splitlines()]
    assert analysed == [str(good), str(wav_bomb), str(png_bomb), str(last)]  # the bombs as audio / image
    assert captured.err.count("is damaged") == 2 and "notes.wav" in captured.err
    assert "internal error" not in captured.err
    # without the bad file: exit 0, the damaged recipes are notes
    assert main(["analyze", str(wav_bomb), str(png_bomb), "--engine", "sketch"]) == 0


@pytest.mark.timeout(30)
def test_fifos_and_devices_are_refused_at_once(tmp_path: Path, capsys) -> None:
    """A FIFO with no writer would block a plain open() forever; /dev/zero would be read until
    memory runs out. Every command that takes a file refuses both in well under a second."""
    fifo = make_fifo(tmp_path / "pipe.csv")
    fifo_wav = make_fifo(tmp_path / "pipe.wav")
    fifo_json = make_fifo(tmp_path / "pipe.json")
    out = tmp_path / "o.wav"
    commands = [
        ["library", "--library", str(tmp_path / "l.sqlite"), "import", str(fifo)],
        ["library", "--library", str(tmp_path / "l.sqlite"), "import", "/dev/zero"],
        ["analyze", str(fifo_wav)],
        ["analyze", "/dev/zero"],
        ["music", "--features", str(fifo_json), "-o", str(out), "--engine", "sketch"],
        ["music", "--features", "/dev/zero", "-o", str(out), "--engine", "sketch"],
        ["music", "--melody", str(fifo_wav), "-o", str(out), "--engine", "sketch"],
        ["cover", "--reference", "/dev/zero", "-o", str(tmp_path / "o.png"), "--engine", "sketch"],
        ["cover", str(fifo_wav), "-o", str(tmp_path / "o.png"), "--engine", "sketch"],
    ]
    for args in commands:
        start = time.perf_counter()
        code = main(args)
        took = time.perf_counter() - start
        err = capsys.readouterr().err
        assert code == 2, (args, err)
        assert err.count("\n") == 1 and ("pipe" in err or "device" in err), (args, err)
        assert took < 1.0, (args, took)
    for path in (fifo, "/dev/zero"):
        with pytest.raises(BadInputError, match="not a regular file"):
            check_input_file(path)
        with pytest.raises(BadInputError):
            read_input_bytes(path, 1000)
        with pytest.raises(BadInputError):
            read_features_file(path)


def test_cli_fifo_in_a_fresh_process_exits_2_within_a_second(tmp_path: Path) -> None:
    """As a user runs it: a fresh process, timed against the same command on a missing file (same
    start-up, no FIFO), so the FIFO itself must cost under a second."""

    def run(path: Path) -> tuple[subprocess.CompletedProcess[str], float]:
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "albumgen_desktop", "library", "--library", str(tmp_path / "l.sqlite"),
             "import", str(path)],
            capture_output=True, text=True, timeout=60, cwd=ROOT,
        )  # fmt: skip
        return done, time.perf_counter() - start

    baseline, base_s = run(tmp_path / "missing.csv")
    done, took = run(make_fifo(tmp_path / "albums.csv"))
    assert baseline.returncode == 2
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "pipe" in done.stderr, done.stderr
    assert took - base_s < 1.0, (took, base_s)


def crash_log() -> Path:
    from platformdirs import user_log_dir

    return Path(user_log_dir("albumgen-desktop", appauthor=False)) / "crash.log"


@pytest.mark.parametrize("command", [["models", "list"], ["models", "list", "--json"], ["library", "list"]])
def test_closed_stdout_ends_quietly_without_a_crash_log(tmp_path: Path, command: list[str]) -> None:
    """`albumgen models list | head -1`: the reader goes away; exit 0 or 141, nothing on stderr,
    no crash-log entry. Both a pipe whose reader closed before the first write and a real
    `| head -1` on long output."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if command[0] == "library":
        from albumgen_desktop.library.store import Library
        from tests.test_library_faults import put_albums

        lib_path = tmp_path / "l.sqlite"
        with Library(lib_path) as lib:
            put_albums(lib, 3000, dim=4)
        command = ["library", "--library", str(lib_path), "list"]
    read_end, write_end = os.pipe()
    os.close(read_end)
    closed = subprocess.run(
        [sys.executable, "-m", "albumgen_desktop", *command], stdout=write_end, stderr=subprocess.PIPE,
        text=True, env=env, timeout=120, cwd=ROOT,
    )  # fmt: skip
    os.close(write_end)
    assert closed.returncode in (0, 141) and closed.stderr == "", closed.stderr
    head = subprocess.run(
        ["bash", "-o", "pipefail", "-c", f"{sys.executable} -m albumgen_desktop {' '.join(command)} | head -1"],
        capture_output=True, text=True, env=env, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert head.returncode in (0, 141) and head.stderr == "" and head.stdout.count("\n") == 1, head
    assert not crash_log().exists()
