"""The reference library under ordinary faults: many processes at once, a writer holding the lock,
a damaged file, and path mistakes. Each ends in a result or one clear line, never an internal error."""

from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from albumgen_desktop.cli import main
from albumgen_desktop.core.errors import LibraryAccessError, LibraryBusyError, LibraryDamagedError
from albumgen_desktop.core.features import Features
from albumgen_desktop.library import store
from albumgen_desktop.library.store import Library, default_library_path, repair_library
from tests.faults import damage_sqlite, make_fifo, unchangeable
from tests.test_library import _csv_library, _png, make_tagged_folder

ROOT = Path(__file__).resolve().parents[1]


def put_albums(lib: Library, n: int, start: int = 0, dim: int = 512) -> None:
    rng = np.random.default_rng(start)
    with lib.bulk():
        for i in range(start, start + n):
            lib.put(
                title=f"Album {i}", artist=f"Artist {i % 17}", features=Features(genre="rock", energy=0.5),
                source="csv", source_key=f"k{i}", stamp="s", embeddings={"sketch-v1": rng.standard_normal(dim)},
            )  # fmt: skip


def integrity(path: Path) -> str:
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


def one_line(err: str) -> str:
    assert err.count("\n") == 1 and "internal error" not in err and "Traceback" not in err, err
    return err


OPENER = textwrap.dedent(
    """
    import os, sys, time
    sys.path.insert(0, {root!r})
    import numpy as np
    from albumgen_desktop.core.features import Features
    from albumgen_desktop.library.store import Library

    path, go, me = sys.argv[1], sys.argv[2], int(sys.argv[3])
    while not os.path.exists(go):
        time.sleep(0.0005)
    with Library(path) as lib:
        lib.put(title="t", artist="a", features=Features(), source="csv", source_key="same",
                stamp=str(me), embeddings={{"m": np.ones(8)}})
        lib.put(title="t", artist="a", features=Features(), source="csv", source_key=f"own{{me}}",
                stamp=str(me), embeddings={{"m": np.ones(8)}})
    """
)


@pytest.mark.slow
def test_six_concurrent_first_opens_all_succeed(tmp_path: Path) -> None:
    """Six processes open one new library at the same instant (they wait for a 'go' file) and
    write the same key: every process exits 0, in each of five rounds."""
    script = tmp_path / "opener.py"
    script.write_text(OPENER.format(root=str(ROOT)))
    for round_ in range(5):
        path, go = tmp_path / f"lib{round_}.sqlite", tmp_path / f"go{round_}"
        procs = [
            subprocess.Popen(
                [sys.executable, str(script), str(path), str(go), str(i)], stderr=subprocess.PIPE, text=True
            )
            for i in range(6)
        ]
        time.sleep(1.5)  # let all six import and reach the starting line
        go.touch()
        results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in procs]
        assert all(code == 0 for code, _ in results), results
        assert integrity(path) == "ok"
        with Library(path) as lib:
            assert sorted(a.source_key for a in lib.albums()) == sorted(["same", *(f"own{i}" for i in range(6))])


def test_a_writer_holding_the_lock_gives_library_busy_and_readers_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    path = tmp_path / "lib.sqlite"
    with Library(path) as lib:
        put_albums(lib, 3)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a write
    try:
        with Library(path, busy_timeout=0.5) as lib:
            assert lib.count() == 3  # WAL: reading does not wait for the writer
            start = time.perf_counter()
            with pytest.raises(LibraryBusyError, match="is busy.*try again") as busy:
                put_albums(lib, 1, start=10)
            waited = time.perf_counter() - start
            assert 0.4 < waited < 5 and busy.value.exit_code == 75
        monkeypatch.setattr(store, "BUSY_TIMEOUT_S", 0.5)
        csv_path = _csv_library(tmp_path)
        code = main(["library", "--library", str(path), "import", str(csv_path), "--covers", str(tmp_path / "covers")])
        err = one_line(capsys.readouterr().err)
        assert code == 75 and "busy" in err and str(path) in err
        assert main(["library", "--library", str(path), "list"]) == 0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert main(["library", "--library", str(path), "import", str(csv_path), "--covers", str(tmp_path / "covers")]) == 0


@pytest.fixture
def damaged_library(tmp_path: Path) -> tuple[Path, int]:
    """A real library of 600 albums (about 400 pages) with 40% of its pages overwritten in the middle."""
    path = tmp_path / "damaged.sqlite"
    with Library(path) as lib:
        put_albums(lib, 600)
    hit = damage_sqlite(path)
    assert hit > 50
    return path, 600


def test_damaged_library_is_one_line_naming_it_and_the_repair(damaged_library, capsys) -> None:
    path, _ = damaged_library
    for action in (["list"], ["stats"], ["list", "--json"]):
        assert main(["library", "--library", str(path), *action]) == 2, action
        err = one_line(capsys.readouterr().err)
        assert str(path) in err and "damaged" in err and "albumgen library repair" in err
    with pytest.raises(LibraryDamagedError) as exc:
        with Library(path) as lib:
            lib.albums()
            lib.matrix("sketch-v1")
    assert exc.value.path == path


def test_cover_analysis_with_a_damaged_default_library_goes_on_with_a_note(damaged_library, tmp_path, capsys) -> None:
    path, _ = damaged_library
    default = default_library_path()
    default.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(path, default)
    cover = tmp_path / "cover.png"
    Image.open(io.BytesIO(_png((150, 110, 60)))).save(cover)
    assert main(["analyze", str(cover), "--engine", "sketch"]) == 0
    captured = capsys.readouterr()
    assert "damaged" in captured.err and "without the reference library" in captured.err
    assert "internal error" not in captured.err and str(cover) in captured.out
    # cover -> music with the same default library
    out = tmp_path / "m.wav"
    assert main(["music", str(cover), "-o", str(out), "--engine", "sketch", "--duration", "1"]) == 0
    assert out.is_file() and "damaged" in capsys.readouterr().err


def test_repair_sets_the_damaged_file_aside_and_keeps_what_reads(damaged_library, capsys) -> None:
    path, total = damaged_library
    assert main(["library", "--library", str(path), "repair"]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert out.count("\n") == 1 and "damaged" in one_line(captured.err)
    aside = next(p for p in path.parent.glob(f"{path.name}.damaged-*") if not p.name.endswith(("-wal", "-shm")))
    assert str(aside) in out and aside.stat().st_size > 0
    assert integrity(path) == "ok"
    with Library(path) as lib:
        recovered = lib.count()
        assert 0 < recovered < total  # some albums survive, those on the damaged pages do not
        assert lib.check() == []
        assert lib.matrix("sketch-v1")[1].shape == (recovered, 512)
    assert f"{recovered} album(s)" in out
    assert main(["library", "--library", str(path), "list"]) == 0
    report = repair_library(path)  # now sound: nothing moves
    assert report.moved_to is None and "nothing to repair" in report.summary()


def test_a_file_that_is_not_a_database_is_reported_and_repaired(tmp_path: Path, capsys) -> None:
    path = tmp_path / "lib.sqlite"
    path.write_bytes(os.urandom(50_000))
    assert main(["library", "--library", str(path), "stats"]) == 2
    assert "damaged" in one_line(capsys.readouterr().err)
    report = repair_library(path)
    assert report.moved_to is not None and report.recovered == 0 and integrity(path) == "ok"


def test_library_path_mistakes_are_exit_2_with_one_line(tmp_path: Path, capsys) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_bytes(b"x")
    folder = tmp_path / "folder.sqlite"
    folder.mkdir()
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE invoices (n INTEGER)")
    fifo = make_fifo(tmp_path / "fifo.sqlite")
    cases = {
        "parent is a file": (a_file / "lib.sqlite", "is a file"),
        "a folder": (folder, "is a folder"),
        "a FIFO": (fifo, "not a regular file"),
        "another program's database": (other, "another program's database"),
    }
    for name, (path, words) in cases.items():
        start = time.perf_counter()
        assert main(["library", "--library", str(path), "list"]) == 2, name
        err = one_line(capsys.readouterr().err)
        assert words in err and str(path) in err, (name, err)
        assert time.perf_counter() - start < 1.0, name
    with sqlite3.connect(other) as db:  # untouched
        assert [r[0] for r in db.execute("SELECT name FROM sqlite_master")] == ["invoices"]


def test_unwritable_folder_and_read_only_library_file_are_exit_2(tmp_path: Path, capsys) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    with unchangeable(locked):
        assert main(["library", "--library", str(locked / "lib.sqlite"), "list"]) == 2
        assert "cannot be created" in one_line(capsys.readouterr().err)
    path = tmp_path / "lib.sqlite"
    with Library(path) as lib:
        put_albums(lib, 2)
    csv_path = _csv_library(tmp_path)
    with unchangeable(path):
        code = main(["library", "--library", str(path), "import", str(csv_path), "--covers", str(tmp_path / "covers")])
        err = one_line(capsys.readouterr().err)
        assert code == 2 and "read-only" in err and str(path) in err
        code = main(["library", "--library", str(path), "list"])
        captured = capsys.readouterr()
        assert code in (0, 2), captured
        if code == 2:
            one_line(captured.err)
    with pytest.raises(LibraryAccessError):
        Library(a_file_in(tmp_path) / "x.sqlite")


def a_file_in(folder: Path) -> Path:
    path = folder / "plain"
    path.write_bytes(b"x")
    return path


@pytest.mark.slow
def test_four_processes_importing_one_folder_into_one_library(tmp_path: Path) -> None:
    """The stress test: four `albumgen library import` of the same folder into one new library at
    once. All exit 0, the file passes integrity_check, and every track is in it exactly once."""
    files = make_tagged_folder(tmp_path / "music", 12)
    path = tmp_path / "lib.sqlite"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "albumgen_desktop",
                "library",
                "--library",
                str(path),
                "import",
                str(tmp_path / "music"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )  # fmt: skip
        for _ in range(4)
    ]
    results = [(p.wait(timeout=600), p.stdout.read() if p.stdout else "", p.stderr.read() if p.stderr else "")
               for p in procs]  # fmt: skip
    assert [code for code, _, _ in results] == [0, 0, 0, 0], results
    assert not any("internal error" in err or "Traceback" in err for _, _, err in results)
    assert integrity(path) == "ok"
    db = sqlite3.connect(path)
    keys = [r[0] for r in db.execute("SELECT source_key FROM albums")]
    db.close()
    assert sorted(keys) == sorted(str(f.resolve()) for f in files)
    assert len(set(keys)) == len(keys) == 12
