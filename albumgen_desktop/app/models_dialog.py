"""The model manager.

The manager lists every model with its use, size, licence and state (installed, not downloaded,
incomplete, damaged), downloads a bundle or one model, verifies, removes and opens the folder;
downloads and verification run on a thread of their own (progress, cancel) and go on when the
dialog is closed. One status line gives the outcome of the last action in plain words and is
cleared when the next one starts."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from albumgen_desktop.app.elided import ElidedLabel
from albumgen_desktop.app.jobs import JobFailure, JobHandle, JobRunner
from albumgen_desktop.core.errors import AlbumGenError
from albumgen_desktop.core.units import human_size
from albumgen_desktop.models.manifest import ROLES, role_label

if TYPE_CHECKING:
    from albumgen_desktop.app.window import MainWindow
    from albumgen_desktop.models.manifest import ModelEntry

COLUMNS = ("Model", "Use", "Size", "Licence", "State")
STATE_COLUMN = 4
ROLE_NAMES = {role: role_label(role) for role in ROLES}  # one source: models/manifest.py role_label
DETAIL_LINES = 3  # the description's room is kept, so choosing a row never moves the buttons
NO_SELECTION = "Select a model to read what it does."
UNEXPECTED = (
    "It stopped because of an unexpected problem. Try again; if it keeps happening, the log folder has the details."
)
STATUS_STYLE = {"info": "", "ok": "color: #1b6e20;", "error": "color: #b3261e; font-weight: bold;"}


def size_on_disk(entry: Any) -> int:
    """Bytes the model takes in the cache (blobs once, partial downloads included)."""
    from albumgen_desktop.models.installed import size_on_disk as on_disk

    return on_disk(entry)


def role_name(role: str) -> str:
    """What a model of ``role`` does, in the manifest's words (models/manifest.py role_label)."""
    return ROLE_NAMES.get(role, role.replace("-", " ").capitalize())


def about(entry: Any) -> str:
    """What the model does for the artist: the manifest's ``summary`` (the developer's ``why`` notes
    are not for them), else what its role is."""
    return getattr(entry, "summary", "") or f"{role_name(entry.role)}."


def state_text(entry: Any) -> tuple[str, str, str]:
    """(state word, the State cell, its tooltip) for one model; the cell reads "installed, 605.0 MB
    on disk", "not downloaded", "incomplete: download to finish" or "damaged: download again"."""
    check = entry.check()
    state = check.state.value
    if state == "installed":
        return state, f"installed, {human_size(size_on_disk(entry))} on disk", "Ready to use."
    if state == "not downloaded":
        return state, "not downloaded", "Select it and press Download, or download a bundle."
    reasons = "\n".join(check.problems[:6])
    return state, check.state.label, f"{reasons}\nDownload it again to repair it; what is already right is kept."


class ModelsDialog(QDialog):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        from albumgen_desktop.models.manifest import load_bundles, load_manifest

        self.main_window = window
        self.setWindowTitle("Models")
        self.resize(900, 480)
        self.entries = load_manifest()
        self.bundles = load_bundles()
        self.downloads = JobRunner("downloads", self)  # its own thread: a download never holds up generation
        self._job: JobHandle | None = None
        self._job_kind = ""

        self.table = QTableWidget(len(self.entries), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setAccessibleName("models")
        self.bundle = QComboBox()
        for b in self.bundles:
            self.bundle.addItem(f"{b.name} ({human_size(b.size_bytes(self.entries))})", b.id)
        self.bundle.setAccessibleName("bundle")
        self.bundle_note = QLabel("")
        self.bundle_note.setWordWrap(True)
        self.bundle.currentIndexChanged.connect(self._bundle_changed)
        self.download_bundle = QPushButton("Download bundle")
        self.download_bundle.clicked.connect(self.start_bundle)
        self.download_one = QPushButton("Download selected")
        self.download_one.clicked.connect(self.start_selected)
        self.verify_button = QPushButton("Verify")
        self.verify_button.clicked.connect(self.verify_selected)
        self.remove_button = QPushButton("Remove")
        self.remove_button.clicked.connect(self.remove_selected)
        self.folder_button = QPushButton("Open folder")
        self.folder_button.clicked.connect(self.open_folder)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.downloads.cancel_all)
        self.progress = QProgressBar()
        # One line each (elided, the whole text in the tooltip): a status that wrapped to a second
        # line moved the buttons above it, and a click meant for Remove hit nothing.
        self.file_label = ElidedLabel("")  # what the running job is doing
        self.status = ElidedLabel("")  # the outcome of the last action
        self.status.setAccessibleName("status")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.detail = QLabel(NO_SELECTION)  # what the selected model is
        self.detail.setWordWrap(True)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.detail.setFixedHeight(DETAIL_LINES * self.detail.fontMetrics().lineSpacing() + 4)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self._states: list[str] = ["not downloaded"] * len(self.entries)  # per row, from refresh()

        top = QHBoxLayout()
        top.addWidget(QLabel("Bundle"))
        top.addWidget(self.bundle, 1)
        top.addWidget(self.download_bundle)
        actions = QHBoxLayout()
        for button in (self.download_one, self.verify_button, self.remove_button, self.folder_button,
                       self.cancel_button):  # fmt: skip
            actions.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.bundle_note)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addLayout(actions)
        layout.addWidget(self.progress)
        layout.addWidget(self.file_label)
        layout.addWidget(self.status)
        self._bundle_changed()
        self.refresh()
        self._fit_rows()

    # -- view -----------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read every model's state from the cache."""
        for row, e in enumerate(self.entries):
            word, state, why = state_text(e)
            self._states[row] = word
            licence = f"{e.license.name} ({'commercial use OK' if e.license.commercial else 'non-commercial'})"
            cells = (e.id, role_name(e.role), human_size(e.size_bytes), licence, state)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(
                    why if col == STATE_COLUMN else f"{about(e)}\nLicence: {e.license.summary}\nFrom {e.repo}"
                )
                if col == STATE_COLUMN and word in ("damaged", "incomplete"):
                    item.setForeground(QColor("#b3261e"))
                self.table.setItem(row, col, item)
        self._selection_changed()  # Verify and Remove follow the new states

    def _fit_rows(self) -> None:
        """Every model in view without scrolling (a handful of rows): the table asks for their
        height, and the dialog grows to it rather than leaving space empty under the status."""
        t = self.table
        t.resizeColumnsToContents()
        rows = sum(t.rowHeight(r) for r in range(t.rowCount()))
        t.setMinimumHeight(t.horizontalHeader().height() + rows + 2 * t.frameWidth())
        self.resize(max(self.width(), self.sizeHint().width()), self.sizeHint().height())

    def hideEvent(self, event) -> None:
        """An outcome is news while the dialog is open; reopened later it starts clean."""
        if self._job is None:
            self.set_status("")
            self.progress.setValue(0)
        super().hideEvent(event)

    def set_status(self, text: str, kind: str = "info") -> None:
        """One line (or two) for the outcome of the last action; ``kind``: info, ok or error."""
        self.status.setText(text)
        self.status.setStyleSheet(STATUS_STYLE[kind])

    def focus_model(self, model_id: str) -> None:
        """Select the row of ``model_id`` (an id or a repo) and scroll it into view; the main
        window's "Download…" buttons open the manager this way."""
        for row, e in enumerate(self.entries):
            if model_id in (e.id, e.repo):
                self.table.clearSelection()
                self.table.selectRow(row)
                self.table.scrollTo(self.table.model().index(row, 0), QAbstractItemView.ScrollHint.PositionAtCenter)
                self.table.setFocus()
                return
        self.set_status(f"There is no model called {model_id} in this version of AlbumGen.", "error")

    def _bundle_changed(self) -> None:
        bundle = self.bundles[self.bundle.currentIndex()] if self.bundles else None
        if bundle is None:
            return
        entries = bundle.entries(self.entries)
        licences = sorted({e.license.name for e in entries})
        self.bundle_note.setText(
            f"{bundle.summary} {len(entries)} models, {human_size(bundle.size_bytes(self.entries))}; "
            f"licences: {', '.join(licences)}."
        )

    def _selected(self) -> list:
        rows = sorted({i.row() for i in self.table.selectedItems()})
        return [self.entries[r] for r in rows]

    def _selection_changed(self) -> None:
        chosen = self._selected()
        rows = sorted({i.row() for i in self.table.selectedItems()})
        on_disk = any(self._states[r] != "not downloaded" for r in rows)  # nothing to check or remove otherwise
        self.verify_button.setEnabled(on_disk)
        self.remove_button.setEnabled(on_disk)
        if chosen:
            e = chosen[0]
            self.detail.setText(f"{e.id}: {about(e)} Licence {e.license.name}: {e.license.summary}")
        else:
            self.detail.setText(NO_SELECTION)

    # -- jobs -------------------------------------------------------------------------------

    def _begin(self, kind: str, job: Any, starting: str) -> None:
        self.set_status("")  # nothing from an earlier action stays on screen
        self.progress.setValue(0)
        self.cancel_button.setEnabled(True)
        self.file_label.setText(starting)
        self._job_kind = kind
        handle = self._job = self.downloads.submit(job, kind)
        handle.progress.connect(self._progress)
        handle.finished.connect(self._finished)
        handle.failed.connect(self._failed)
        handle.cancelled.connect(self._cancelled)

    def start_bundle(self) -> None:
        bundle = self.bundles[self.bundle.currentIndex()]
        todo = [e for e in bundle.entries(self.entries) if not e.is_installed()]
        if not todo:
            self.set_status(f"Everything in {bundle.name} is already installed.", "ok")
            return
        self.start(todo)

    def start_selected(self) -> None:
        chosen = self._selected()
        if not chosen:
            self.set_status("Select a model in the list first.", "info")
            return
        self.start(chosen)

    def start(self, entries: list) -> None:
        """Download ``entries`` one after another on the download thread."""
        from albumgen_desktop.core.progress import Progress
        from albumgen_desktop.models.download import download_model
        from albumgen_desktop.models.hub_settings import hub_offline

        if self._job is not None or not entries:
            return
        if hub_offline():
            self.set_status(
                "This computer is set to work offline, so models cannot be downloaded now. The sketch engines "
                "work without them.",
                "error",
            )
            return
        total = sum(e.size_bytes for e in entries) or 1

        def job(report, token):
            done_before = 0
            for e in entries:

                def forward(p, base=done_before) -> None:
                    report(Progress((base + p.done) / total, f"{p.model_id}: {p.filename} "
                                    f"{human_size(p.file_done)} of {human_size(p.file_total)}"))  # fmt: skip

                download_model(e, on_progress=forward, cancel=token)
                done_before += e.size_bytes
            return [e.id for e in entries]

        self._begin("download", job, "Asking the model hub…")

    def verify_selected(self) -> None:
        """Hash the selected models' files on the download thread; the outcome goes to the status line."""
        from albumgen_desktop.core.progress import Progress
        from albumgen_desktop.models.verify import verify_report

        chosen = self._selected()
        if not chosen:
            self.set_status("Select a model in the list first.", "info")
            return
        if self._job is not None:
            return
        absent = [e.id for e in chosen if e.state().value == "not downloaded"]
        if len(absent) == len(chosen):  # nothing to check: say so at once, with no bar that fills
            verb = "is" if len(absent) == 1 else "are"
            self.set_status(f"{', '.join(absent)} {verb} not downloaded, so there is nothing to check.", "info")
            self.progress.setValue(0)
            return

        def job(report, token):
            lines = []
            for e in chosen:
                if e.state().value == "not downloaded":
                    lines.append((e.id, None, "not downloaded"))
                    continue

                def forward(done: int, total: int, name: str = e.id) -> None:
                    report(
                        Progress(done / max(1, total), f"Checking {name}: {human_size(done)} of {human_size(total)}")
                    )

                result = verify_report(e, on_progress=forward, cancel=token)
                lines.append((e.id, result, ""))
            return lines

        self._begin("verify", job, f"Checking {', '.join(e.id for e in chosen)}…")

    def _progress(self, fraction: float, message: str) -> None:
        self.progress.setValue(int(100 * min(1.0, fraction)))
        self.file_label.setText(message)

    def _done(self) -> None:
        self._job = None
        self.cancel_button.setEnabled(False)
        self.file_label.setText("")
        self.refresh()

    def _finished(self, result: Any) -> None:
        self.progress.setValue(100)
        kind = self._job_kind
        self._done()
        if kind == "download":
            self.set_status(f"Downloaded and checked: {', '.join(result)}. Ready to use.", "ok")
            return
        lines, bad = [], False
        for model_id, report, note in result:
            if report is None:
                lines.append(f"{model_id} is {note}, so there is nothing to check.")
            elif report.problems:
                bad = True
                lines.append(f"{model_id} is damaged: download again ({'; '.join(report.problems[:2])}).")
            else:
                extra = f", {len(report.size_only)} by size only" if report.size_only else ""
                lines.append(f"{model_id}: OK, {len(report.hashed)} files match their hashes{extra}.")
        self.set_status("\n".join(lines), "error" if bad else "ok")

    def _failed(self, failure: JobFailure) -> None:
        what = "The download" if self._job_kind == "download" else "The check"
        self.progress.setValue(0)  # a failure shows as one, not as a full bar
        self._done()
        message = failure.message if isinstance(failure.error, AlbumGenError) else UNEXPECTED
        self.set_status(f"{what} stopped: {message}", "error")

    def _cancelled(self, _partial: Any) -> None:
        kind = self._job_kind
        self._done()
        if kind == "download":
            self.set_status("Download paused; it continues where it stopped next time.", "info")
        else:
            self.set_status("Check cancelled.", "info")

    # -- other actions -----------------------------------------------------------------------

    def remove_selected(self) -> None:
        chosen = [e for e in self._selected() if e.state().value != "not downloaded"]
        if not chosen:
            self.set_status("The selected model is not downloaded; there is nothing to remove.", "info")
            return
        if self._job is not None:
            self.set_status("Wait for the download or check to finish, or cancel it, before removing.", "info")
            return
        names = ", ".join(e.id for e in chosen)
        answer = QMessageBox.question(self, "Remove models", f"Delete {names} from the model cache?")
        if answer != QMessageBox.StandardButton.Yes:
            return
        freed = sum(size_on_disk(e) for e in chosen)
        self.set_status(f"Removing {names}…", "info")
        # The generation thread lets go of any engine that holds these files before they go.
        handle = self.main_window.jobs.free_models()
        handle.ended.connect(partial(self._remove, chosen, names, freed))

    def _remove(self, chosen: list[ModelEntry], names: str, freed: int) -> None:
        from albumgen_desktop.models.download import remove_model

        for e in chosen:
            remove_model(e)
        self.refresh()
        self.set_status(f"Removed {names}; {human_size(freed)} freed.", "ok")

    def open_folder(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices, QGuiApplication

        from albumgen_desktop.models.hub_settings import hub_cache_dir

        chosen = self._selected()
        folder = chosen[0].cache_dir() if chosen and chosen[0].cache_dir().exists() else hub_cache_dir()
        if not folder.exists():
            self.set_status(f"No model has been downloaded yet; models will go to {folder}.", "info")
            return
        if QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
            self.set_status(f"Opened {folder} in the file manager.", "ok")
        else:
            QGuiApplication.clipboard().setText(str(folder))
            self.set_status(f"No file manager could be opened. The folder is {folder} (copied to the clipboard).",
                            "error")  # fmt: skip

    def shutdown(self) -> None:
        self.downloads.shutdown()
