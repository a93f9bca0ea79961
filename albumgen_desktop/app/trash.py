"""Delete with undo: a result's files go to the system trash (Qt's ``QFile.moveToTrash``, the
freedesktop.org trash on Linux) and come back from it on undo. The command lives on the window's
QUndoStack, so Edit ▸ Undo (Ctrl+Z) and the notice's Undo button both bring it back.

Where the system has no trash (some network or removable drives), the files wait in a hidden
folder of the history folder until the app closes, so undo still works for the session.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from PySide6.QtCore import QFile, QStandardPaths
from PySide6.QtGui import QUndoCommand

from albumgen_desktop.app.history import Result
from albumgen_desktop.io.metadata import sidecar_path

HOLDING = ".deleted"  # inside the history folder, for systems without a trash


def move_to_trash(path: Path, history_dir: Path) -> tuple[Path, bool]:
    """Move ``path`` to the trash; returns (where it is now, whether that is the system trash)."""
    # Qt's freedesktop.org trash lives in the user data folder and fails when that folder does not
    # exist yet (a fresh account): make it, as any XDG application would.
    data = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
    if data:
        Path(data).mkdir(parents=True, exist_ok=True)
    handle = QFile(str(path))
    if handle.moveToTrash():
        return Path(handle.fileName()), True
    holding = history_dir / HOLDING
    holding.mkdir(parents=True, exist_ok=True)
    target = holding / path.name
    os.replace(path, target)
    return target, False


def put_back(now: Path, original: Path) -> None:
    """Undo ``move_to_trash``: the file goes home and its trash entry (``.trashinfo``) goes away."""
    original.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(str(now), str(original))
    info = now.parent.parent / "info" / (now.name + ".trashinfo")  # freedesktop.org trash layout
    if now.parent.name == "files" and info.is_file():
        info.unlink()


def purge_holding(history_dir: Path) -> None:
    """At close: what waited in the holding folder is deleted for good."""
    shutil.rmtree(history_dir / HOLDING, ignore_errors=True)


class DeleteResult(QUndoCommand):
    """Take a result out of the history strip and its files (file + recipe sidecar) to the trash."""

    def __init__(self, strip, result: Result, history_dir: Path) -> None:
        first_line = (result.recipe.title or result.recipe.kind) + f", seed {result.recipe.seed}"
        super().__init__(f"Delete {first_line}")
        self.strip = strip
        self.result = result
        self.history_dir = history_dir
        self.row = -1
        self.moved: list[tuple[Path, Path]] = []  # (original, where it is now)
        self.in_system_trash = True
        self.error = ""

    def redo(self) -> None:
        self.error = ""
        self.moved = []
        if self.result.history_path is not None:
            for path in (self.result.history_path, sidecar_path(self.result.history_path)):
                if not path.exists():
                    continue
                try:
                    now, system = move_to_trash(path, self.history_dir)
                except OSError as exc:
                    self.error = f"{path.name} could not be moved to the trash: {exc.strerror or exc}"
                    self.undo_files()
                    self.setObsolete(True)  # nothing happened: the undo stack drops this command
                    return
                self.moved.append((path, now))
                self.in_system_trash = self.in_system_trash and system
        self.row = self.strip.remove_result(self.result)

    def undo_files(self) -> None:
        for original, now in reversed(self.moved):
            put_back(now, original)
        self.moved = []

    def undo(self) -> None:
        self.undo_files()
        self.strip.add_result(self.result, select=True, row=self.row if self.row >= 0 else None)
