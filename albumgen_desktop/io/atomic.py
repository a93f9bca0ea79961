"""Atomic exports: a file and its sidecar are both new, or both as they were.

:func:`write_files_atomically` (the only writer of exports) works in steps:

1. *Stage.* Each new file goes to a hidden temporary file beside its target,
   ``.NAME.agen-TOKEN.part`` (same folder, so the rename is atomic), locked by this
   process while it lives, and synced.
2. Under the *folder lock* (``flock`` on the folder; it keeps two exports to one folder
   from interleaving their renames, and cleaners away from a commit in progress):
   a. *Clean.* Finish or remove what dead writers left (see :func:`recover_folder`).
   b. *Commit record.* ``.FIRST.agen-TX.commit`` lists the (temporary, target)
      pairs and the backups; it is synced before any target changes.
   c. *Backup.* Each existing target is hard-linked (copied where the file system has
      no hard links) to ``.NAME.agen-TX.old``.
   d. *Rename* in the given order (the file first, its sidecar last).
   e. If a rename fails, every target already renamed gets its backup back (or is
      removed if it did not exist before): the old pair is intact, byte for byte.
   f. Remove the backups, then the commit record.

A writer killed during (d) leaves a commit record and synced temporary files: the
next export to that folder, or the next :func:`recover_folder` (``read_recipe``
calls it), finishes the renames, so a file and its sidecar never stay from
different runs. A writer killed before (b) leaves only temporary files: nobody
holds their lock, so the next export to that folder removes them. A live writer's
temporary file is locked and survives any cleaning.

Without ``fcntl`` (Windows) there is no folder lock, and files of ours count as
abandoned once they are an hour old.
"""

from __future__ import annotations

import errno
import json
import os
import re
import secrets
import shutil
import stat
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from albumgen_desktop.core.errors import AlbumGenError, BadInputError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

MARK = "agen-"
_OURS = re.compile(r"^\.(?P<target>.+)\.agen-(?P<token>[0-9a-f]{8})\.(?P<kind>part|old|commit|rollback)$")
# Temporary files of versions before the commit protocol (tempfile.mkstemp names, never locked).
_LEGACY = re.compile(r"^\.(?P<target>.+\.(?:wav|png|json))\.[a-z0-9_]{8}\.part$")
ABANDONED_AFTER_S = 3600.0  # unlocked legacy files, or any file of ours where locks do not work
FOLDER_LOCK_TIMEOUT_S = 30.0


def check_output_path(path: Path, suffix: str | None = None) -> None:
    """Fail before any work if ``path`` cannot be written: wrong suffix, a folder, no such
    folder, or a folder this process cannot create files in (probed with a real file)."""
    path = Path(path)
    if suffix is not None and path.suffix.lower() != suffix:
        raise BadInputError(f"{path.name}: the output file name must end in {suffix}")
    _check_target(path)
    probe, fd = _create_locked(path.parent / "albumgen-probe", path)  # cleaned like any .part of ours if killed
    with suppress(OSError):
        os.unlink(probe)
    os.close(fd)


def _check_target(path: Path) -> None:
    if path.is_dir():
        raise BadInputError(f"{path} is a folder; give a file name to write")
    if not path.parent.is_dir():
        if path.parent.exists():
            raise BadInputError(f"{path.parent} is not a folder")
        raise BadInputError(f"folder {path.parent} does not exist")


def _os_error(path: Path, exc: OSError) -> AlbumGenError:
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        return AlbumGenError(f"the disk is full; {path.name} was not written")
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return BadInputError(f"no permission to write {path.name} in {path.parent}")
    return AlbumGenError(f"could not write {path}: {exc.strerror or exc}")


# -- locks ------------------------------------------------------------------------------------


def _try_lock(fd: int) -> bool | None:
    """Exclusive non-blocking lock: True taken, False held by someone else, None locks unsupported."""
    if fcntl is None:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:
        return None
    return True


@contextmanager
def _folder_lock(folder: Path, timeout: float = FOLDER_LOCK_TIMEOUT_S) -> Iterator[bool]:
    """Hold the folder's lock; yields False where the file system cannot lock (then no lock)."""
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        yield False
        return
    try:
        deadline = time.monotonic() + timeout
        while (taken := _try_lock(fd)) is False:
            if time.monotonic() > deadline:
                raise AlbumGenError(f"another program kept writing to {folder} for {timeout:.0f} s; try again")
            time.sleep(0.01)
        yield bool(taken)
    finally:
        os.close(fd)  # releases the lock


def _abandoned(path: Path) -> bool:
    """No live process holds this file's lock (or, where locks do not work, it is an hour old)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return False
    try:
        taken = _try_lock(fd)
        if taken is None:
            return time.time() - os.fstat(fd).st_mtime > ABANDONED_AFTER_S
        return taken
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    with suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# -- staging ----------------------------------------------------------------------------------


@dataclass
class _Staged:
    tmp: Path
    target: Path
    fd: int  # kept open (and locked) until the export is over; -1 once closed


def _create_locked(target: Path, export: Path | None = None) -> tuple[Path, int]:
    """A new ``.NAME.agen-TOKEN.part`` beside ``target``, opened for writing and locked.
    Errors name ``export`` (the file the user asked for) when given."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    for attempt in range(8):
        tmp = target.with_name(f".{target.name}.{MARK}{secrets.token_hex(4)}.part")
        try:
            fd = os.open(tmp, flags, 0o666)  # the umask decides, as for any file the user saves
        except FileExistsError:
            continue
        except OSError as exc:
            raise _os_error(export or target, exc) from None
        taken = _try_lock(fd)
        try:
            same = taken is not False and os.path.samestat(os.fstat(fd), os.stat(tmp))
        except OSError:
            same = False
        if same or attempt == 7:  # (a file system whose inode numbers are not stable: go on)
            return tmp, fd
        os.close(fd)  # a cleaner took it between our create and our lock; take another name
    raise AlbumGenError(f"could not create a temporary file for {(export or target).name}")


def _stage(target: Path, data: bytes) -> _Staged:
    tmp, fd = _create_locked(target)
    staged = _Staged(tmp, target, fd)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    except OSError as exc:
        _discard(staged)
        raise _os_error(target, exc) from None
    except BaseException:
        _discard(staged)
        raise
    if fcntl is None:  # Windows cannot rename a file it holds open; there is no lock to keep anyway
        os.close(fd)
        staged.fd = -1
    return staged


def _discard(staged: _Staged) -> None:
    with suppress(OSError):
        os.unlink(staged.tmp)
    if staged.fd >= 0:
        with suppress(OSError):
            os.close(staged.fd)
        staged.fd = -1


# -- commit -----------------------------------------------------------------------------------


def _write_record(path: Path, record: dict) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags, 0o666)
    try:
        os.write(fd, json.dumps(record).encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def _backup(target: Path, backup: Path) -> bool:
    """Keep the current ``target`` as ``backup``; False when there is no current target."""
    if not os.path.lexists(target):
        return False
    try:
        os.link(target, backup, follow_symlinks=False)
    except (OSError, NotImplementedError):  # FAT/exFAT and some network shares: no hard links
        shutil.copy2(target, backup, follow_symlinks=False)
    return True


def _commit(staged: list[_Staged], token: str) -> None:
    folder = staged[0].target.parent
    record_path = folder / f".{staged[0].target.name}.{MARK}{token}.commit"
    backups = {s.target: s.target.with_name(f".{s.target.name}.{MARK}{token}.old") for s in staged}
    existed = {s.target: os.path.lexists(s.target) for s in staged}
    record = {  # names only: the folder may be moved or mounted elsewhere before a recovery
        "pairs": [[s.tmp.name, s.target.name, backups[s.target].name, existed[s.target]] for s in staged],
    }
    try:
        _write_record(record_path, record)
    except OSError as exc:
        raise _os_error(staged[0].target, exc) from None
    _fsync_folder(folder)
    done: list[_Staged] = []
    try:
        try:
            for s in staged:
                if existed[s.target]:
                    _backup(s.target, backups[s.target])
            for s in staged:
                os.replace(s.tmp, s.target)
                done.append(s)
        except OSError as exc:
            failed = staged[len(done)].target if len(done) < len(staged) else staged[-1].target
            if done:  # put the old pair back; a crash from here on is rolled back, not forward
                rollback = record_path.with_suffix(".rollback")
                with suppress(OSError):
                    os.replace(record_path, rollback)
                    record_path = rollback
                for s in reversed(done):
                    if not _restore(s.target, backups[s.target], existed[s.target]):
                        backups.pop(s.target)  # could not put it back: keep the old file as its backup
            raise _os_error(failed, exc) from None
        _fsync_folder(folder)
    finally:
        for b in backups.values():
            with suppress(OSError):
                os.unlink(b)
        with suppress(OSError):
            os.unlink(record_path)


def _restore(target: Path, backup: Path, existed: bool) -> bool:
    """Put a target's previous state back: its backup, or no file at all if there was none."""
    try:
        if existed:
            os.replace(backup, target)
        else:
            os.unlink(target)
    except FileNotFoundError:
        return True  # already done
    except OSError:
        return False
    return True


def write_files_atomically(items: Iterable[tuple[Path, bytes]]) -> None:
    """Write every (path, bytes) pair, or none of them; existing files are replaced together.

    Order matters: the pairs are renamed in the order given (put the main file first and
    its sidecar last). On any failure (disk full, permission, a target that cannot be
    replaced) every target keeps its previous content and AlbumGenError/BadInputError says
    why. All paths must be in one folder (ValueError otherwise), which is locked for the commit.
    """
    pairs = [(Path(p), data) for p, data in items]
    if len({p.parent for p, _ in pairs}) > 1:
        raise ValueError("write_files_atomically writes into one folder at a time")
    for path, _ in pairs:
        _check_target(path)
    staged: list[_Staged] = []
    try:
        for path, data in pairs:
            staged.append(_stage(path, data))
        if not staged:
            return
        folder = staged[0].target.parent
        with _folder_lock(folder) as locked:
            _recover(folder, locked)
            _commit(staged, secrets.token_hex(4))
    finally:
        for s in staged:
            _discard(s)


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """One file, atomically (see write_files_atomically)."""
    write_files_atomically([(Path(path), data)])


# -- recovery ---------------------------------------------------------------------------------


def _finish_commit(record_path: Path) -> None:
    """A dead writer's commit: rolled forward from its synced temporary files (``.commit``), or
    back from its backups when it died while putting the old pair back (``.rollback``)."""
    folder = record_path.parent
    try:
        record = json.loads(record_path.read_text(encoding="utf-8"))
        pairs = [
            (folder / _plain_name(tmp), folder / _plain_name(target), folder / _plain_name(backup), bool(existed))
            for tmp, target, backup, existed in record["pairs"]
        ]
    except (OSError, ValueError, KeyError, TypeError):
        # Unreadable: the writer died while writing it, before any rename. Nothing to finish.
        with suppress(OSError):
            os.unlink(record_path)
        return
    forward = record_path.suffix == ".commit"
    for tmp, target, backup, existed in pairs:
        if forward and os.path.lexists(tmp):
            try:
                os.replace(tmp, target)
            except OSError:
                return  # keep the record: a later recovery tries again
        elif not forward and not os.path.lexists(tmp) and not _restore(target, backup, existed):
            return  # (a target whose temporary file is gone was renamed: it goes back)
    _fsync_folder(folder)
    for _, _, backup, _ in pairs:
        with suppress(OSError):
            os.unlink(backup)
    with suppress(OSError):
        os.unlink(record_path)


def _plain_name(name: object) -> str:
    if not isinstance(name, str) or not name or name in (".", "..") or "/" in name or os.sep in name:
        raise ValueError(f"not a file name: {name!r}")
    return name


def _recover(folder: Path, locked: bool) -> bool:
    """Finish dead commits, then remove abandoned files of ours. ``locked``: we hold the folder
    lock, so any commit record there is a dead writer's; without it, only hour-old ones are.
    Returns whether the folder held any file of ours (or a legacy one)."""
    try:
        names = [e.name for e in os.scandir(folder) if e.name.startswith(".")]
    except OSError:
        return True
    ours = [(n, m) for n in names if (m := _OURS.match(n))]
    for name, m in ours:
        if m["kind"] in ("commit", "rollback") and (locked or _older_than(folder / name, ABANDONED_AFTER_S)):
            _finish_commit(folder / name)
    for name, m in ours:
        path = folder / name
        if m["kind"] in ("part", "old") and os.path.lexists(path) and _abandoned(path):
            with suppress(OSError):
                os.unlink(path)
    legacy = [name for name in names if _LEGACY.match(name)]
    for name in legacy:
        if _older_than(folder / name, ABANDONED_AFTER_S):
            with suppress(OSError):
                os.unlink(folder / name)
    return bool(ours or legacy)


def _older_than(path: Path, seconds: float) -> bool:
    try:
        info = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and time.time() - info.st_mtime > seconds


def recover_folder(folder: Path, timeout: float = 5.0) -> None:
    """Finish what a killed export left in ``folder`` (a commit cut between its renames) and remove
    abandoned temporary files of ours. Best effort: never raises; waits at most ``timeout`` s for
    an export in progress."""
    with consistent(folder, timeout):
        pass


@contextmanager
def consistent(folder: Path, timeout: float = 5.0) -> Iterator[None]:
    """Read a file and its sidecar inside this block to see them from one export: it holds the
    folder lock (no commit can run) after finishing any commit a killed writer left. Best effort:
    where the folder cannot be locked (or an export holds it past ``timeout`` s) the block runs
    anyway; it never raises for those reasons."""
    folder = Path(folder)
    try:
        lock = _folder_lock(folder, timeout)
        locked = lock.__enter__()
    except (OSError, AlbumGenError):
        yield
        return
    try:
        with suppress(OSError):
            _recover_unless_settled(folder, locked)
        yield
    finally:
        lock.__exit__(None, None, None)


# Folder -> its modification time (ns) after a scan that found no file of ours. Any create,
# rename or unlink in a folder changes its mtime, so while it is unchanged there is nothing to
# recover and the scan (0.6 ms per 1,000 files) is skipped; 500 history reads stay cheap. Only
# recorded when the folder last changed 2 s before the scan, so coarse clocks cannot hide a change.
_settled: dict[str, int] = {}
_SETTLE_NS = 2_000_000_000


def _recover_unless_settled(folder: Path, locked: bool) -> None:
    key = os.path.abspath(folder)
    before = os.stat(folder).st_mtime_ns
    if _settled.get(key) == before:
        return
    _settled.pop(key, None)
    found = _recover(folder, locked)
    if not found and time.time_ns() - before > _SETTLE_NS:
        _settled[key] = before
