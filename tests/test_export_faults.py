"""Exports under faults: a failed re-export keeps the old pair byte for byte, a writer killed between
its two renames leaves nothing a reader can see mismatched, abandoned temporary files are cleaned
(only ours, only dead writers'), and concurrent exports to one file never mix their halves."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from albumgen_desktop.cli import main
from albumgen_desktop.core.errors import AlbumGenError, BadInputError
from albumgen_desktop.core.features import Features
from albumgen_desktop.core.prompts import music_prompt
from albumgen_desktop.core.recipe import Recipe
from albumgen_desktop.io import atomic, wav
from albumgen_desktop.io.metadata import export_wav, read_recipe, sidecar_path
from tests.faults import unchangeable

ROOT = Path(__file__).resolve().parents[1]


def tone(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (0.3 * rng.standard_normal(4000)).astype(np.float32)


def recipe(seed: int) -> Recipe:
    f = Features(genre="jazz")
    return Recipe(kind="music", features=f, prompt=music_prompt(f), engine="sketch", seed=seed)


def embedded(path: Path) -> dict:
    """The recipe JSON inside a WAV, parsed."""
    text = wav.read_recipe_json(path)
    assert text is not None
    return json.loads(text)


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_failed_reexport_keeps_the_old_pair_byte_identical(tmp_path: Path, capsys) -> None:
    """The issue's case through the CLI: the old sidecar cannot be replaced (a real file-system
    condition: chattr +i as root), so the second export fails with exit 2 and the old WAV and
    sidecar are exactly as they were."""
    out = tmp_path / "old.wav"
    assert main(["music", "-o", str(out), "--engine", "sketch", "--duration", "1", "--seed", "1"]) == 0
    old_wav, old_side = out.read_bytes(), sidecar_path(out).read_bytes()
    capsys.readouterr()
    with unchangeable(sidecar_path(out)) as how:
        code = main(["music", "-o", str(out), "--engine", "sketch", "--duration", "2", "--seed", "2"])
        err = capsys.readouterr().err
        assert code == 2, err
        assert err.count("\n") == 1 and "no permission" in err and "internal error" not in err
        assert out.read_bytes() == old_wav, f"old WAV changed ({how})"
        assert sidecar_path(out).read_bytes() == old_side
    assert hidden(tmp_path) == []
    back = read_recipe(out)
    assert back is not None and back.seed == 1


@pytest.mark.parametrize("failing_call", [1, 2])
def test_a_failure_at_either_rename_restores_the_old_pair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing_call: int
) -> None:
    """Weaker than a real condition (os.replace is patched), but it reaches both renames: the WAV's
    (nothing changed yet) and the sidecar's (the new WAV is already in place and must go back)."""
    out = export_wav(tmp_path / "a.wav", tone(1), 16000, recipe(1))
    old_wav, old_side = out.read_bytes(), sidecar_path(out).read_bytes()
    calls = {"n": 0}
    real_replace = os.replace

    def flaky(src: str, dst: str) -> None:
        calls["n"] += 1
        if calls["n"] == failing_call:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", flaky)
    with pytest.raises(AlbumGenError, match="disk is full"):
        export_wav(out, tone(2), 16000, recipe(2))
    assert out.read_bytes() == old_wav and sidecar_path(out).read_bytes() == old_side
    assert hidden(tmp_path) == []


CHILD = textwrap.dedent(
    """
    import os, signal, sys
    import numpy as np
    sys.path.insert(0, {root!r})
    from albumgen_desktop.io import atomic
    from albumgen_desktop.io.metadata import export_wav
    from tests.test_export_faults import recipe, tone

    mode, target = sys.argv[1], sys.argv[2]
    real_replace, real_write = os.replace, os.write

    def replace_then_die(src, dst):
        if mode == "in-rollback" and str(dst) == target + ".json":
            raise PermissionError(1, "Operation not permitted")  # the sidecar cannot be replaced
        if mode == "in-rollback" and str(src).endswith(".old"):
            os.kill(os.getpid(), signal.SIGKILL)  # about to put the old WAV back
        real_replace(src, dst)
        if mode == "between-renames" and str(dst) == target:
            os.kill(os.getpid(), signal.SIGKILL)  # the WAV is in, its sidecar is not

    def write_then_die(fd, data):
        n = real_write(fd, bytes(data)[: len(data) // 2])
        os.kill(os.getpid(), signal.SIGKILL)  # half a temporary file on disk
        return n

    atomic.os.replace = replace_then_die
    if mode == "mid-write":
        atomic.os.write = write_then_die
    if mode == "hold":  # a live writer: stage a file and keep it
        staged = atomic._stage(atomic.Path(target), b"live")
        print(staged.tmp.name, flush=True)
        sys.stdin.read()
        sys.exit(0)
    export_wav(target, tone(2), 16000, recipe(2))
    """
)


def run_child(tmp_path: Path, mode: str, target: Path) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "child.py"
    script.write_text(CHILD.format(root=str(ROOT)))
    return subprocess.run(
        [sys.executable, str(script), mode, str(target)], capture_output=True, text=True, timeout=120, cwd=ROOT
    )


def test_writer_killed_between_renames_leaves_no_mismatch_a_reader_can_see(tmp_path: Path) -> None:
    out = export_wav(tmp_path / "a.wav", tone(1), 16000, recipe(1))
    done = run_child(tmp_path, "between-renames", out)
    assert done.returncode == -signal.SIGKILL, done.stderr
    # On disk right now: the new WAV, the old sidecar, the commit record and the new sidecar's
    # temporary file (so the test really stopped between the two renames).
    assert embedded(out)["seed"] == 2
    assert json.loads(sidecar_path(out).read_text())["seed"] == 1
    assert any(n.endswith(".commit") for n in hidden(tmp_path))
    # What a reader sees: the recipe of the WAV it holds, and a sidecar from the same export.
    back = read_recipe(out)
    assert back is not None and back.seed == 2
    assert json.loads(sidecar_path(out).read_text())["seed"] == 2
    assert json.loads(sidecar_path(out).read_text()) == embedded(out)
    assert hidden(tmp_path) == []


def test_writer_killed_while_putting_the_old_pair_back_is_rolled_back(tmp_path: Path) -> None:
    """The sidecar's rename fails, and the writer is killed while restoring the old WAV: the
    next reader finishes the rollback, so the old pair is back byte for byte."""
    out = export_wav(tmp_path / "a.wav", tone(1), 16000, recipe(1))
    old_wav, old_side = out.read_bytes(), sidecar_path(out).read_bytes()
    assert run_child(tmp_path, "in-rollback", out).returncode == -signal.SIGKILL
    assert out.read_bytes() != old_wav and any(n.endswith(".rollback") for n in hidden(tmp_path))
    back = read_recipe(out)
    assert back is not None and back.seed == 1
    assert out.read_bytes() == old_wav and sidecar_path(out).read_bytes() == old_side
    assert hidden(tmp_path) == []


def test_next_export_finishes_a_killed_commit_before_its_own(tmp_path: Path) -> None:
    out = export_wav(tmp_path / "a.wav", tone(1), 16000, recipe(1))
    assert run_child(tmp_path, "between-renames", out).returncode == -signal.SIGKILL
    other = export_wav(tmp_path / "b.wav", tone(3), 16000, recipe(3))  # same folder, other file
    assert json.loads(sidecar_path(out).read_text())["seed"] == 2 == embedded(out)["seed"]
    back = read_recipe(other)
    assert back is not None and back.seed == 3
    assert hidden(tmp_path) == []


def test_abandoned_temporary_files_are_cleaned_but_a_live_writers_survive(tmp_path: Path) -> None:
    out = export_wav(tmp_path / "a.wav", tone(1), 16000, recipe(1))
    old_wav = out.read_bytes()
    # A writer killed halfway through writing its temporary file.
    assert run_child(tmp_path, "mid-write", out).returncode == -signal.SIGKILL
    dead = [n for n in hidden(tmp_path) if n.endswith(".part")]
    assert len(dead) == 1 and out.read_bytes() == old_wav
    # A live writer holding its temporary file (another process, still running).
    script = tmp_path / "child.py"
    live = subprocess.Popen(
        [sys.executable, str(script), "hold", str(tmp_path / "c.wav")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )  # fmt: skip
    assert live.stdout is not None and live.stdin is not None
    try:
        live_name = live.stdout.readline().strip()
        assert live_name.startswith(".c.wav.agen-") and (tmp_path / live_name).exists()
        # Not ours: another program's temporary files, and a young file named like an old version's.
        foreign = [".notes.txt.part", ".draft.odt.a1b2c3d4.part", ".b.wav.k3j4h5g6.part"]
        for name in foreign:
            (tmp_path / name).write_bytes(b"keep")
        ancient = tmp_path / ".d.wav.q1w2e3r4.part"  # an old version's, two hours old
        ancient.write_bytes(b"old")
        os.utime(ancient, (time.time() - 7200, time.time() - 7200))
        export_wav(tmp_path / "b.wav", tone(4), 16000, recipe(4))  # the next write to the folder
        left = hidden(tmp_path)
        assert dead[0] not in left and ancient.name not in left
        assert live_name in left, "a live writer's temporary file was removed"
        assert set(foreign) <= set(left)
    finally:
        live.stdin.close()
        live.wait(timeout=30)
    export_wav(tmp_path / "b.wav", tone(5), 16000, recipe(5))
    assert live_name not in hidden(tmp_path)  # its writer is gone now (it exited without renaming)


WRITER = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {root!r})
    from albumgen_desktop.io.metadata import export_wav
    from tests.test_export_faults import recipe, tone

    first, count, target = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    for seed in range(first, first + count):
        export_wav(target, tone(seed % 7), 16000, recipe(seed))
    """
)


@pytest.mark.slow
def test_concurrent_exports_to_one_file_never_mix_their_halves(tmp_path: Path) -> None:
    """Three processes export to one path 15 times each while this one reads the pair (inside
    atomic.consistent, as read_recipe does): every read sees a WAV and sidecar of one export."""
    out = export_wav(tmp_path / "a.wav", tone(0), 16000, recipe(0))
    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(root=str(ROOT)))
    writers = [
        subprocess.Popen([sys.executable, str(script), str(1000 * (i + 1)), "15", str(out)], cwd=ROOT) for i in range(3)
    ]
    reads = 0
    while any(w.poll() is None for w in writers):
        with atomic.consistent(tmp_path):
            inside = embedded(out)
            side = json.loads(sidecar_path(out).read_text())
        assert inside == side
        reads += 1
    assert [w.wait() for w in writers] == [0, 0, 0]
    assert reads > 0 and hidden(tmp_path) == []
    assert embedded(out) == json.loads(sidecar_path(out).read_text())


def test_output_folder_that_cannot_be_written_fails_before_any_work(tmp_path: Path, capsys) -> None:
    """A read-only output folder is found at once (a probe file), before MusicGen or diffusion
    even look for their weights: exit 2, not exit 3 (missing model) after minutes."""
    folder = tmp_path / "ro"
    folder.mkdir()
    with unchangeable(folder):
        for args in (
            ["music", "-o", str(folder / "x.wav"), "--engine", "musicgen"],
            ["cover", "-o", str(folder / "x.png"), "--engine", "diffusion"],
        ):
            start = time.perf_counter()
            code = main(args)
            took = time.perf_counter() - start
            err = capsys.readouterr().err
            assert code == 2 and "no permission" in err and err.count("\n") == 1, err
            assert took < 1.0
        assert list(folder.iterdir()) == []
    (tmp_path / "a-file").write_bytes(b"x")
    with pytest.raises(BadInputError, match="not a folder"):
        atomic.check_output_path(tmp_path / "a-file" / "x.wav")
