"""The reference library window: browse (each album with its cover, read off the GUI thread),
search, import (with progress and cancel, on a thread of its own, so an import never holds up
analysis or generation), remove (after a confirmation naming what goes)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from albumgen_desktop.app.history_strip import placeholder_pixmap
from albumgen_desktop.app.jobs import JobHandle, JobRunner

THUMB = 48
MAX_THUMBS = 400  # covers read per listing (the list holds at most 2000 albums)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def read_covers(albums: list[tuple[int, str, str]], size: int = THUMB, cancel=None) -> list[tuple[int, object]]:
    """(album id, a PIL image at most ``size`` px) for the albums of a music folder import whose
    track is still there (its embedded picture, else the folder's cover file). A CSV row keeps no
    cover path, so it has none. Runs off the GUI thread."""
    import io as bytes_io

    from PIL import Image

    from albumgen_desktop.io.tags import embedded_art
    from albumgen_desktop.library.importer import folder_art

    out: list[tuple[int, object]] = []
    for album_id, source, key in albums[:MAX_THUMBS]:
        if cancel is not None and cancel.cancelled:
            break
        track = Path(key)
        if source != "folder" or not track.is_file():
            continue
        try:
            data = embedded_art(track)
            art = folder_art(track.parent) if data is None else None
            with Image.open(bytes_io.BytesIO(data) if data is not None else art) as im:  # type: ignore[arg-type]
                im.draft("RGB", (size * 2, size * 2))  # JPEG: decode at a fraction of full size
                image = im.convert("RGB")
            image.thumbnail((size, size))
            out.append((album_id, image))
        except (OSError, ValueError, SyntaxError, TypeError, Image.DecompressionBombError):
            continue
    return out


def _embedder_name(model: str) -> str:
    """'sketch-v1' -> 'colour and texture', a CLIP model id -> 'CLIP'."""
    if model.startswith("sketch"):
        return "colour and texture"
    return "CLIP" if "clip" in model.lower() else model


class LibraryDialog(QDialog):
    """Non-modal: imports run on the dialog's own job runner and report back here."""

    imported = Signal(str)  # the summary line of a finished import, for the main window

    def __init__(self, parent=None, library_path: Path | None = None) -> None:
        super().__init__(parent)
        from albumgen_desktop.library.store import default_library_path

        self.runner = JobRunner("library", self)
        self.library_path = library_path or default_library_path()
        self.setWindowTitle("Reference library")
        self.resize(620, 520)
        self.search = QLineEdit()
        self.search.setPlaceholderText("search title, artist or genre")
        self.search.setAccessibleName("library search")
        self.search.textChanged.connect(self._search_changed)
        self.albums = QListWidget()
        self.albums.setAccessibleName("library albums")
        self.albums.setSelectionMode(QListWidget.SelectionMode.ExtendedSelection)
        self.albums.setIconSize(QSize(THUMB, THUMB))
        self.albums.itemSelectionChanged.connect(self._selection_changed)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.import_folder_button = QPushButton("Import music folder…")
        self.import_folder_button.setToolTip(
            "Tracks with cover art (embedded or folder.jpg); only new or changed files"
        )
        self.import_folder_button.clicked.connect(self._choose_folder)
        self.import_csv_button = QPushButton("Import CSV with covers…")
        self.import_csv_button.setToolTip("Spotify-style feature columns plus a cover path or a covers folder")
        self.import_csv_button.clicked.connect(self._choose_csv)
        self.cancel_button = QPushButton("Cancel import")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self._cancel)
        self.remove_button = QPushButton("Remove selected…")
        self.remove_button.setToolTip("Take the selected albums out of the library (your files stay where they are)")
        self.remove_button.setEnabled(False)
        self.remove_button.clicked.connect(self.remove_selected)
        self._job: JobHandle | None = None  # the running import
        self._highlighted: set[int] = set()
        self._covers: JobHandle | None = None  # the running cover read

        buttons = QHBoxLayout()
        for b in (self.import_folder_button, self.import_csv_button, self.cancel_button, self.remove_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.albums, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.progress)
        layout.addLayout(buttons)

    def _open(self):
        from albumgen_desktop.library.store import Library

        return Library(self.library_path)

    def _search_changed(self, _text: str) -> None:
        self.refresh()

    def refresh(self) -> None:
        from albumgen_desktop.core.errors import AlbumGenError

        self.albums.clear()
        if not self.library_path.exists():
            self.summary.setText("Your library is empty. Import a music folder or a CSV of albums with covers.")
            return
        try:
            with self._open() as library:
                albums = library.albums(limit=2000, search=self.search.text().strip())
                stats = library.stats()
        except AlbumGenError as exc:
            self.summary.setText(str(exc))
            return
        blank = QIcon(placeholder_pixmap("♪", THUMB))  # until (or unless) its cover is read
        for album in albums:
            f = album.features
            facts = [x for x in (album.genre, f"{f.tempo_bpm:.0f} BPM", f.key_label) if x]
            item = QListWidgetItem(f"{album.label()}\n{' · '.join(facts)}")
            item.setData(Qt.ItemDataRole.UserRole, album.id)
            item.setIcon(blank)
            if album.id in self._highlighted:
                item.setText("★ " + item.text())
                item.setToolTip("Used by the last cover analysis")
            self.albums.addItem(item)
        indexed = ", ".join(f"{n} by {_embedder_name(m)}" for m, n in stats.embeddings.items()) or "none yet"
        self.summary.setText(f"{_plural(stats.albums, 'album')} · covers indexed: {indexed}")
        self.summary.setToolTip(str(self.library_path))
        self._selection_changed()
        self._read_covers([(a.id, a.source, a.source_key) for a in albums])

    def _read_covers(self, albums: list[tuple[int, str, str]]) -> None:
        if self._covers is not None:
            self._covers.cancel()
        handle = self._covers = self.runner.submit(lambda report, token: read_covers(albums, cancel=token), "covers")
        handle.finished.connect(self._show_covers)
        handle.ended.connect(lambda: setattr(self, "_covers", None) if self._covers is handle else None)

    def _show_covers(self, covers: list) -> None:
        from albumgen_desktop.app.result_view import to_qimage

        icons = {album_id: QIcon(QPixmap.fromImage(to_qimage(image))) for album_id, image in covers}
        for i in range(self.albums.count()):
            item = self.albums.item(i)
            icon = icons.get(item.data(Qt.ItemDataRole.UserRole))
            if icon is not None:
                item.setIcon(icon)

    def _selection_changed(self) -> None:
        self.remove_button.setEnabled(bool(self.albums.selectedItems()) and self._job is None)

    def highlight(self, album_ids: list[int]) -> None:
        """Mark the albums an analysis used (its evidence)."""
        self._highlighted = set(album_ids)
        if self.isVisible():
            self.refresh()

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Music folder to import")
        if folder:
            self.import_path(Path(folder))

    def _choose_csv(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Features CSV", "", "CSV (*.csv *.tsv *.txt)")
        if not path:
            return
        covers = QFileDialog.getExistingDirectory(self, "Folder of cover images (cancel if the CSV names paths)")
        self.import_path(Path(path), Path(covers) if covers else None)

    def import_path(self, path: Path, covers: Path | None = None) -> None:
        """Import a music folder or a CSV on the worker thread, with progress and cancel."""
        if self._job is not None:
            return
        library_path = self.library_path

        def job(report, token):
            from albumgen_desktop.library.embedders import available_embedders
            from albumgen_desktop.library.importer import import_csv, import_music_folder
            from albumgen_desktop.library.store import Library

            with Library(library_path) as library:
                if path.is_dir():
                    return import_music_folder(library, path, available_embedders(), report, token)
                return import_csv(library, path, available_embedders(), covers, report, token)

        self.progress.setVisible(True)
        self.progress.setValue(0)
        self.cancel_button.setEnabled(True)
        self.import_folder_button.setEnabled(False)
        self.import_csv_button.setEnabled(False)
        self.summary.setText(f"Importing {path.name}…")
        handle = self._job = self.runner.submit(job, "import")
        handle.progress.connect(self._progress)
        handle.finished.connect(self._done)
        handle.failed.connect(lambda failure: self._failed(failure.message))
        handle.cancelled.connect(lambda _partial: self._cancelled())

    def _progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(100 * fraction))
        self.summary.setText(message)

    def _finish(self) -> None:
        self._job = None
        self.progress.setVisible(False)
        self.cancel_button.setEnabled(False)
        self.import_folder_button.setEnabled(True)
        self.import_csv_button.setEnabled(True)
        self.albums.setFocus()  # not the Remove button: Space or Return there must not remove anything

    def _done(self, report) -> None:
        self._finish()
        self.refresh()
        text = f"Import finished: {report.summary()}."
        if report.skipped:
            text += f" First skipped: {Path(report.skipped[0][0]).name} ({report.skipped[0][1]})."
        self.summary.setText(self.summary.text() + "\n" + text)
        self.imported.emit(text)

    def _failed(self, message: str) -> None:
        from albumgen_desktop.app.wording import sentence

        self._finish()
        self.refresh()
        QMessageBox.warning(self, "AlbumGen", f"The import stopped: {sentence(message)}")

    def _cancelled(self) -> None:
        self._finish()
        self.refresh()
        self.summary.setText(self.summary.text() + "\nImport cancelled; what was imported so far is kept.")

    def _cancel(self) -> None:
        if self._job is not None:
            self._job.cancel()

    def shutdown(self) -> None:
        self.runner.shutdown()

    def remove_selected(self) -> None:
        """After a confirmation that names what goes (the music files themselves are not touched)."""
        from albumgen_desktop.core.errors import AlbumGenError

        items = self.albums.selectedItems()
        ids = [item.data(Qt.ItemDataRole.UserRole) for item in items]
        if not ids or self._job is not None:
            return
        names = [item.text().split("\n")[0].removeprefix("★ ") for item in items]
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        answer = QMessageBox.question(
            self, "Remove from the library",
            f"Remove {_plural(len(ids), 'album')} from the reference library ({shown})? Your music files stay "
            "where they are; import the folder again to bring them back.",
        )  # fmt: skip
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            with self._open() as library:
                removed = library.remove(ids)
        except AlbumGenError as exc:
            self.summary.setText(str(exc))
            return
        self.refresh()
        self.summary.setText(self.summary.text() + f"\nRemoved {_plural(removed, 'album')}.")
