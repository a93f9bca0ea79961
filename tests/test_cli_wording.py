"""What the CLI says on the inputs the fresh-eyes review tried and on others of the same kinds:
one line, exit 2 (3 for a model that isn't downloaded), the real range, the file it is about,
and help that says what each argument is."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PIL import Image

from albumgen_desktop.cli import build_parser, main
from albumgen_desktop.core.limits import COVER_SIZE, DURATION_S, GUIDANCE, SEED, STEPS, STRENGTH, VARIATIONS, Range
from albumgen_desktop.library.store import Library
from tests.test_library_faults import one_line, put_albums

OUT_OF_RANGE: list[tuple[str, str, Range, str]] = [
    ("music", "--duration", DURATION_S, value) for value in ("0", "-3", "0.49", "600.5", "100000", "nan", "inf")
] + [
    ("music", "--seed", SEED, value) for value in ("-1", "4294967296", "1.5", "x")
] + [
    ("cover", "--size", COVER_SIZE, value) for value in ("37", "511", "1025", "4096")
] + [
    ("cover", "--strength", STRENGTH, value) for value in ("2", "0", "0.04", "-0.5")
] + [
    ("cover", "--steps", STEPS, value) for value in ("0", "101")
] + [
    ("cover", "--guidance", GUIDANCE, value) for value in ("-1", "20.5")
] + [
    ("cover", "--variations", VARIATIONS, value) for value in ("0", "9")
]  # fmt: skip


@pytest.mark.parametrize(("command", "option", "limits", "value"), OUT_OF_RANGE)
def test_a_value_out_of_range_is_one_line_naming_the_real_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, option: str, limits: Range, value: str
) -> None:
    out = tmp_path / ("x.wav" if command == "music" else "x.png")
    assert main([command, "-o", str(out), "--engine", "sketch", f"{option}={value}"]) == 2
    err = one_line(capsys.readouterr().err)
    assert "usage:" not in err and err.startswith(f"albumgen {command}: {option} must be ")
    assert limits.describe() in err and value in err, err
    assert list(tmp_path.iterdir()) == []


def test_the_range_in_messages_is_the_range_accepted(tmp_path: Path) -> None:
    """Both ends of every range are accepted (the message's range is not narrower than the check's)."""
    parser = build_parser()
    for option, limits in (("--duration", DURATION_S), ("--seed", SEED)):
        for end in (limits.lo, limits.hi):
            text = f"{end:g}" if not limits.whole else str(int(end))
            args = parser.parse_args(["music", "-o", str(tmp_path / "x.wav"), option, text])
            assert float(getattr(args, option[2:])) == end
    for option, limits in (("--size", COVER_SIZE), ("--strength", STRENGTH), ("--steps", STEPS),
                           ("--guidance", GUIDANCE), ("--variations", VARIATIONS)):  # fmt: skip
        for end in (limits.lo, limits.hi):
            text = f"{end:g}" if not limits.whole else str(int(end))
            args = parser.parse_args(["cover", "-o", str(tmp_path / "x.png"), option, text])
            assert float(getattr(args, option[2:])) == end


@pytest.mark.parametrize("form", ["slash", "existing", "existing-png"])
def test_output_that_is_a_folder_is_said_to_be_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], form: str
) -> None:
    folder = tmp_path / ("out.png" if form == "existing-png" else "out")
    if form != "slash":
        folder.mkdir()
    text = str(folder) + ("/" if form == "slash" else "")
    command = ["cover", "-o", text, "--engine", "sketch"] if form == "existing-png" else ["music", "-o", text]
    assert main(command) == 2
    err = one_line(capsys.readouterr().err)
    said = "names a folder (it ends in /)" if form == "slash" else "is a folder"  # "slash" isn't made
    assert said in err and "must end in" not in err, err


def test_wrote_names_the_recipe_sidecar(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cover", "-o", str(tmp_path / "c.png"), "--engine", "sketch", "--size", "512",
                 "--variations", "2"]) == 0  # fmt: skip
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"wrote {tmp_path / 'c.png'} (+ c.png.json): ") and "(+ c-2.png.json)" in out[1]
    assert (tmp_path / "c.png.json").is_file() and (tmp_path / "c-2.png.json").is_file()
    assert main(["music", "-o", str(tmp_path / "m.wav"), "--engine", "sketch", "--duration", "1"]) == 0
    assert capsys.readouterr().out.startswith(f"wrote {tmp_path / 'm.wav'} (+ m.wav.json): 1 s, sketch")


@pytest.mark.parametrize(
    ("command", "extra", "unused"),
    [
        ("cover", ["--prompt", "pastel pink flowers, watercolour"], "your prompt was not used"),
        ("cover", ["--negative", "dark, red, stripes"], "your negative prompt was not used"),
        ("cover", ["--prompt", "a", "--negative", "b"], "your prompt and negative prompt were not used"),
        ("music", ["--prompt", "dreamy lo-fi piano"], "your prompt was not used"),
    ],
)
def test_sketch_engines_say_they_follow_the_sliders_not_the_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, extra: list[str], unused: str
) -> None:
    out = tmp_path / ("x.png" if command == "cover" else "x.wav")
    size = ["--size", "512"] if command == "cover" else ["--duration", "1"]
    assert main([command, "-o", str(out), "--engine", "sketch", *size, *extra]) == 0
    err = capsys.readouterr().err
    notes = [line for line in err.splitlines() if "follows the sliders" in line]
    assert len(notes) == 1 and unused in notes[0] and notes[0].startswith("albumgen: note: "), err
    # no text given: nothing to say
    assert main([command, "-o", str(out), "--engine", "sketch", *size]) == 0
    assert "follows the sliders" not in capsys.readouterr().err


def _tone(path: Path, seconds: float = 4.0) -> Path:
    t = np.arange(int(22050 * seconds)) / 22050
    sf.write(path, 0.3 * np.sin(2 * np.pi * 220 * t), 22050)
    return path


def test_library_import_of_a_track_or_a_picture_says_what_it_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    track = _tone(tmp_path / "track.wav")
    picture = tmp_path / "front.jpg"
    Image.new("RGB", (64, 64), (200, 30, 30)).save(picture)
    lib = tmp_path / "lib.sqlite"
    for path, kind in ((track, "an audio file"), (picture, "an image")):
        assert main(["library", "--library", str(lib), "import", str(path)]) == 2
        err = one_line(capsys.readouterr().err)
        assert f"{path.name} is {kind}" in err and "UTF-8" not in err, err
        assert f"albumgen library --library {lib} import {tmp_path}" in err, err
    assert not lib.exists()


def test_library_remove_of_an_unknown_id_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = tmp_path / "lib.sqlite"
    with Library(lib) as library:
        put_albums(library, 3)
        ids = [a.id for a in library.albums()]
    assert main(["library", "--library", str(lib), "remove", "999"]) == 2
    err = one_line(capsys.readouterr().err)
    assert "no album has id 999" in err and f"--library {lib} list" in err, err
    # the known ones go, the unknown one is named, the exit code says not all was done
    assert main(["library", "--library", str(lib), "remove", str(ids[0]), "1000", "1001"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "removed 1 album\n" and "no album has ids 1000, 1001" in one_line(captured.err)
    assert main(["library", "--library", str(lib), "remove", str(ids[1]), str(ids[2])]) == 0
    assert capsys.readouterr().out == "removed 2 albums\n"
    for bad in ("0", "-4", "x"):
        assert main(["library", "--library", str(lib), "remove", bad]) == 2
        assert "album id" in one_line(capsys.readouterr().err)


def test_models_verify_of_a_model_not_downloaded_exits_3_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    for model in ("musicgen-small", "taesd", "clip-b32"):
        assert main(["models", "verify", model]) == 3
        err = one_line(capsys.readouterr().err)
        assert f"{model} is not downloaded" in err and f"albumgen models download {model}" in err
        assert err.count("not downloaded") == 1


def test_models_list_columns_line_up(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = lines[0]
    starts = [header.index(h) for h in ("USE", "LICENCE", "STATE")]
    size_end = header.index("SIZE") + len("SIZE")
    rows = [line for line in lines[1:] if line and not line.startswith((" ", "bundle "))]
    assert len(rows) >= 8
    for row in rows:
        for start in starts:
            assert row[start - 2 : start] == "  " and row[start] != " ", (row, start)
        assert row[size_end - 1] != " " and row[size_end] == " ", row  # sizes right-aligned under SIZE
    assert "preview-decoder" not in "\n".join(lines) and "vlm " not in "\n".join(lines)


@pytest.mark.parametrize("command", ["analyze", "music", "cover"])
def test_help_says_what_every_argument_is(command: str) -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command").choices[command]  # type: ignore[union-attr]
    for action in sub._actions:
        assert action.help, (command, action.dest)
    text = sub.format_help()
    assert re.search(r"FILE\s+a cover image, a track", text) or command != "analyze"
    if command != "analyze":
        assert "(default: 0)" in text.split("--seed")[2]  # the seed's default is said, 0 included
        assert "0..4294967295" in text
    if command == "music":
        assert "0.5..600 seconds (default: 10.0)" in " ".join(text.split())
    assert "(default: auto)" in " ".join(text.split("--engine")[-1].split())


def test_a_read_only_file_system_is_said_as_such(tmp_path: Path) -> None:
    """A real read-only mount (tmpfs, in a private mount namespace so nothing outlives the test)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("no unshare")
    folder = tmp_path / "rofs"
    folder.mkdir()
    script = (
        f"mount -t tmpfs -o ro,size=1m tmpfs {folder} || exit 99; "
        f"{sys.executable} -m albumgen_desktop cover -o {folder}/x.png --engine sketch --size 512; echo rc=$?; "
        f"{sys.executable} -m albumgen_desktop library --library {folder}/lib.sqlite import {tmp_path}; echo rc=$?"
    )
    result = subprocess.run([unshare, "-m", "sh", "-c", script], capture_output=True, text=True, timeout=120)
    if result.returncode == 99 or "unshare failed" in result.stderr or "Operation not permitted" in result.stderr:
        pytest.skip(f"cannot mount a read-only file system here: {result.stderr.strip()}")
    assert result.stdout.split() == ["rc=2", "rc=2"], result
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2 and all("read-only file system" in line for line in lines), lines
    assert "no permission" not in result.stderr


def test_with_several_files_every_message_names_its_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(22050 * 3), 22050)
    short = tmp_path / "click.wav"
    sf.write(short, np.r_[np.ones(10), np.zeros(200)] * 0.5, 22050)
    tone = _tone(tmp_path / "tone.wav")
    assert main(["analyze", "--engine", "sketch", str(silent), str(tone), str(short)]) == 2
    captured = capsys.readouterr()
    assert captured.out.startswith("tone.wav: ") or captured.out.startswith(f"{tone}: ")
    errors = captured.err.strip().splitlines()
    assert errors and all(any(n in line for n in ("silent.wav", "tone.wav", "click.wav")) for line in errors), errors
    assert any("silent.wav" in line and "silent" in line.split("silent.wav", 1)[1] for line in errors), errors
    # the same when a silent file is the input of a generation
    assert main(["music", str(silent), "-o", str(tmp_path / "m.wav"), "--engine", "sketch"]) == 2
    assert "silent.wav" in one_line(capsys.readouterr().err)


def _python(code: str, cache: Path) -> subprocess.CompletedProcess[str]:
    import os

    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)


def test_an_empty_numba_cache_is_seen_without_importing_librosa(tmp_path: Path) -> None:
    code = (
        "import sys; from albumgen_desktop.engines.audio_warmup import audio_analyser_ready; "
        "print(audio_analyser_ready(), 'librosa' in sys.modules)"
    )
    assert _python(code, tmp_path / "empty").stdout.split() == ["False", "False"]


@pytest.mark.slow
def test_the_first_analysis_says_it_prepares_the_analyser_once(tmp_path: Path) -> None:
    """In a fresh numba cache the first analysis compiles librosa's kernels (about 20 s on 2 cores)
    and says so first, in one line; the next run has them cached and says nothing."""
    import os

    track = _tone(tmp_path / "tone.wav")
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    runs = [
        subprocess.run(
            [sys.executable, "-m", "albumgen_desktop", "analyze", "--engine", "sketch", str(track)],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
        )  # fmt: skip
        for _ in range(2)
    ]
    assert [r.returncode for r in runs] == [0, 0]
    assert runs[0].stderr.startswith("albumgen: first run: preparing the audio analyser"), runs[0].stderr
    assert runs[0].stderr.count("preparing the audio analyser") == 1
    assert "preparing" not in runs[1].stderr
    ready = _python("from albumgen_desktop.engines.audio_warmup import audio_analyser_ready as r; print(r())",
                    tmp_path / "numba")  # fmt: skip
    assert ready.stdout.strip() == "True"


LATIN1 = [b"caf\xe9", b"na\xefve", b"\xc0 bient\xf4t"]  # Latin-1 bytes that are not UTF-8


@pytest.mark.parametrize("stem", LATIN1)
def test_a_latin1_file_name_reads_the_same_in_errors_and_in_json(tmp_path: Path, stem: bytes) -> None:
    """The name is printed with \\xNN for the byte, never as Python's \\udcNN surrogate, on
    stderr (one line, exit 2) and on stdout (the JSON 'file' field) alike."""
    short = bytes(tmp_path) + b"/" + stem + b".wav"
    sf.write(short, np.zeros(8000, np.float32), 8000)  # 1 s: too short to analyse
    good = bytes(tmp_path) + b"/" + stem + b".png"
    Image.new("RGB", (64, 64), (200, 40, 40)).save(good)
    shown = stem.decode("latin-1").encode("ascii", "backslashreplace").decode()  # caf\xe9
    cli = [sys.executable, "-m", "albumgen_desktop", "analyze", "--json"]
    run = subprocess.run([*cli, short], capture_output=True)
    err = run.stderr.decode()
    assert run.returncode == 2 and err.count("\n") == 1, err
    assert f"{shown}.wav" in err and "\\udc" not in err
    run = subprocess.run([*cli, good], capture_output=True)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["file"].endswith(f"/{shown}.png")


@pytest.mark.parametrize("byte", [b"\xe9", b"\xff", b"\x80"])
def test_a_title_that_is_not_utf8_is_named_as_such(tmp_path: Path, byte: bytes, capsys) -> None:
    title = (b"X" + byte).decode("utf-8", "surrogateescape")  # as argv hands it over
    assert main(["music", "-o", str(tmp_path / "m.wav"), "--engine", "sketch", "--title", title]) == 2
    err = capsys.readouterr().err
    assert f"title is not UTF-8 text (byte \\x{byte[0]:02x})" in err and err.count("\n") == 1
    assert not (tmp_path / "m.wav").exists()


@pytest.mark.parametrize("name", ["text.wav", "notes.mp3", "scan.png"])
def test_library_import_of_a_file_named_like_media_but_not_media_says_so(tmp_path: Path, name: str, capsys) -> None:
    fake = tmp_path / name
    fake.write_text("hello, this is text\n")
    assert main(["library", "--library", str(tmp_path / "l.sqlite"), "import", str(fake)]) == 2
    err = capsys.readouterr().err
    assert f"{name} is neither an image nor an audio file" in err and "rows" not in err
