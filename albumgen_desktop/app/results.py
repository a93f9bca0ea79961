"""What happens to results: kept in the history folder first (or kept unsaved, visibly), shown
large when chosen, compared A/B, exported, revealed, deleted to the trash with undo, and brought
back from the history folder at start (bad entries skipped with a note)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from albumgen_desktop.app.history import (
    ENTRY_ERRORS,
    Result,
    newest_first,
    restore,
    save_to_history,
    thumbnail_data,
    write_result,
)
from albumgen_desktop.app.history_strip import THUMB
from albumgen_desktop.app.jobs import JobHandle
from albumgen_desktop.app.wording import Notice, sentence

if TYPE_CHECKING:
    from albumgen_desktop.app.window import MainWindow

SKIPPED_NAMED = 3  # how many skipped history entries the note names


class Results(QObject):
    def __init__(self, main: MainWindow) -> None:
        super().__init__(main)
        self.main = main
        self.current: Result | None = None
        self.previous: Result | None = None  # the other half of A/B
        self._index = 0
        self._saving: dict[int, JobHandle] = {}  # results whose history files are being written
        self._placing = False  # True while keep() puts a new result in the strip

    def keep(self, result: Result, select: bool = True, row: int = 0) -> JobHandle:
        """Results are never lost: into the history folder first, on the history thread (an atomic
        write ends in fsync, which can take long on a busy disk). If the disk refuses, the result
        stays in the session marked unsaved, and the window says so (Export still works).
        The newest results come first in the strip: ``row`` is the place among them (take 2 of a
        job goes after take 1)."""
        index, folder = self._index, self.main.history_dir
        self._index += 1
        self._placing = True  # the strip shows the new result: that is not the artist moving on
        try:
            self.main.history.add_result(result, select=select, row=row)
        finally:
            self._placing = False
        handle = self.main.history_runner.submit(lambda report, token: save_to_history(result, folder, index), "save")
        self._saving[id(result)] = handle
        handle.failed.connect(lambda failure: setattr(result, "save_error", failure.message))
        handle.ended.connect(lambda: self._saved(result))
        return handle

    def _saved(self, result: Result) -> None:
        self._saving.pop(id(result), None)
        self.main.history.refresh(result)
        if self.main.result_view.result is result:
            self.main.result_view.show_state(result)
        if not result.saved:
            self.main.warn(
                Notice(
                    f"A result could not be saved to the history folder ({result.save_error}). It stays in "
                    "this session marked unsaved; export it to keep it.",
                    "warning",
                )
            )

    def show(self, result: Result | None) -> None:
        """``result`` large in the middle (None: the empty state); restored files load here."""
        if result is not None and self.main.jobs.live_owner is not None:
            self.main.jobs.live_owner = None  # the artist chose what to look at
        if result is not None:
            try:
                result.materialise()
            except ENTRY_ERRORS as exc:
                self.main.warn(Notice(f"This result cannot be opened: {sentence(str(exc))}"))
        if result is not self.current:
            if not self._placing and self.current is not None:
                self.main.jobs.outcome_overtaken()  # the job's words are about what was shown before
            self.previous, self.current = self.current, result
        self.main.result_view.show_result(result)
        self.update_compare()

    def update_compare(self) -> None:
        """A/B only when there is an earlier result (still in the strip) to switch to."""
        ok = self.previous is not None and self.main.history.row_of(self.previous) >= 0
        self.main.result_view.compare_button.setEnabled(ok)
        if self.main.compare_action is not None:
            self.main.compare_action.setEnabled(ok)

    def compare(self) -> None:
        """A/B: back to the result looked at before (and, pressed again, forth)."""
        if self.previous is not None and self.main.history.row_of(self.previous) >= 0:
            self.main.history.select(self.previous)

    def use_recipe(self, result: Result) -> None:
        self.main.transport.stop()
        self.main.session.apply_recipe(result.recipe)
        self.main.say(f"Using the recipe of {result.recipe.title or result.recipe.kind} (seed {result.recipe.seed}).")

    def reveal(self, result: Result) -> None:
        """The result's file, selected in the file manager; without one, the path is given (and copied)."""
        from PySide6.QtGui import QGuiApplication

        from albumgen_desktop.app.reveal import show_in_file_manager

        path = result.history_path
        if path is None:
            return
        if show_in_file_manager(path):
            self.main.say(f"Showing {path.name} in the file manager.")
            return
        QGuiApplication.clipboard().setText(str(path))
        self.main.warn(Notice(f"No file manager could be opened. The file is {path} (copied to the clipboard).",
                              "warning", topic="reveal"))  # fmt: skip

    def export_name(self, result: Result) -> str:
        """The file name Export suggests: the title, else kind, seed and take ('cover-seed3-take2.png')."""
        r = result.recipe
        suffix = ".png" if result.is_cover else ".wav"
        stem = "".join(c if c.isalnum() or c in " -_.,'()&" else "-" for c in r.title.strip()).strip(" .")
        if not stem:
            stem = f"{r.kind}-seed{r.seed}"
        take = result.take
        if take is not None:
            stem += f"-take{take[0]}"
        return stem + suffix

    def export(self, result: Result | None = None, path: Path | None = None) -> Path | None:
        """Export ``result`` (default: the current one): WAV for music, PNG for a cover, with recipe."""
        from PySide6.QtWidgets import QFileDialog

        from albumgen_desktop.core.errors import AlbumGenError

        result = result or self.current
        if result is None:
            return None
        suffix = ".png" if result.is_cover else ".wav"
        if not path:
            kind = "PNG image (*.png)" if suffix == ".png" else "WAV audio (*.wav)"
            start = str(Path(self.main.settings.get("export_dir")) / self.export_name(result))
            name, _ = QFileDialog.getSaveFileName(self.main, "Export", start, kind)
            if not name:
                return None
            path = Path(name)
            self.main.settings.set("export_dir", str(path.parent))
        if path.suffix.lower() != suffix:
            path = path.with_suffix(suffix)
        try:
            write_result(result, path)
        except (AlbumGenError, OSError) as exc:
            self.main.warn(Notice(f"Export failed: {sentence(str(exc))}"))
            return None
        self.main.say(f"Exported {path.name}.")
        return path

    def delete(self, result: Result) -> None:
        """To the trash, with Undo in the notice and in Edit ▸ Undo (after its save, if that still runs)."""
        from albumgen_desktop.app.trash import DeleteResult

        saving = self._saving.get(id(result))
        if saving is not None:
            saving.ended.connect(lambda: self.delete(result))
            return
        if self.main.transport.owner is result:
            self.main.transport.clear()
        command = DeleteResult(self.main.history, result, self.main.history_dir)
        self.main.undo_stack.push(command)
        if command.error:
            self.main.warn(Notice(sentence(command.error)))
            return
        where = "to the trash" if command.in_system_trash else "away (this drive has no trash: gone when you quit)"
        name = result.recipe.title or result.recipe.kind
        text = f"Moved {name} (seed {result.recipe.seed}) {where}."
        self.main.warn(Notice(text, "info", topic="delete"), self.main.undo_stack.undo)
        self.main.say(text)
        self.update_compare()

    # -- the history folder ------------------------------------------------------------------------

    def restore(self) -> None:
        """The results of earlier sessions (read on the analysis thread), then their thumbnails."""
        folder = self.main.history_dir
        handle = self.main.history_runner.submit(lambda report, token: restore(folder), "restore")
        handle.finished.connect(self._restored)

    def _restored(self, report) -> None:
        known = {r.history_path for r in self.main.history.results()}
        fresh = [r for r in report.results if r.history_path not in known]
        for result in newest_first(fresh):  # after this session's results, newest first
            self.main.history.add_result(result, select=False)
        self._index = max(self._index, len(fresh))
        if report.skipped:
            names = ", ".join(f"{name} ({sentence(why)[:-1]})" for name, why in report.skipped[:SKIPPED_NAMED])
            more = f" and {len(report.skipped) - SKIPPED_NAMED} more" if len(report.skipped) > SKIPPED_NAMED else ""
            count = len(report.skipped)
            self.main.warn(
                Notice(
                    f"{count} history {'entry' if count == 1 else 'entries'} could not be read and "
                    f"{'was' if count == 1 else 'were'} skipped: {names}{more}. The other "
                    f"{len(report.results)} are here.",
                    "warning",
                )
            )
        if fresh:
            handle = self.main.history_runner.submit(
                lambda report_, token: [(r, *thumbnail_data(r, THUMB)) for r in fresh], "thumbnails"
            )
            handle.finished.connect(self._thumbnails)

    def _thumbnails(self, rows: list) -> None:
        for result, kind, data in rows:
            self.main.history.set_thumbnail(result, kind, data)
