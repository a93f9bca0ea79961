"""The model manager and the first-launch offer: what each model is, its licence and size,
download (bundles or one model) with progress and cancel on a thread of its own, verify,
remove, open the folder. Downloads go on when the dialog is closed."""

from __future__ import annotations

from PySide6.QtCore import Qt
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
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from albumgen_desktop.app.worker import WorkerHost
from albumgen_desktop.core.units import human_size

COLUMNS = ("Model", "Use", "Size", "Licence", "State")


def size_on_disk(entry) -> int:
    from albumgen_desktop.models.manifest import installed_snapshot

    snapshot = installed_snapshot(entry)
    if snapshot is None:
        return 0
    return sum(p.resolve().stat().st_size for p in snapshot.rglob("*") if p.is_file())


def any_neural_installed() -> bool:
    from albumgen_desktop.models.manifest import load_manifest

    return any(e.is_installed() for e in load_manifest())


class ModelManagerDialog(QDialog):
    def __init__(self, window) -> None:
        super().__init__(window)
        from albumgen_desktop.models.manifest import load_bundles, load_manifest

        self.window = window
        self.setWindowTitle("Models")
        self.resize(860, 460)
        self.entries = load_manifest()
        self.bundles = load_bundles()
        self.downloads = WorkerHost(self)  # its own thread: a download never holds up generation
        self.downloads.worker.progress.connect(self._progress)
        self.downloads.worker.finished.connect(self._finished)
        self.downloads.worker.failed.connect(self._failed)
        self.downloads.worker.cancelled.connect(self._cancelled)
        self._job: int | None = None

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
        self.cancel_button = QPushButton("Cancel download")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.downloads.cancel_all)
        self.progress = QProgressBar()
        self.file_label = QLabel("")
        self.detail = QLabel("")
        self.detail.setWordWrap(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)

        top = QHBoxLayout()
        top.addWidget(QLabel("Bundle"))
        top.addWidget(self.bundle, 1)
        top.addWidget(self.download_bundle)
        actions = QHBoxLayout()
        for b in (self.download_one, self.verify_button, self.remove_button, self.folder_button, self.cancel_button):
            actions.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.bundle_note)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.detail)
        layout.addLayout(actions)
        layout.addWidget(self.progress)
        layout.addWidget(self.file_label)
        self._bundle_changed()
        self.refresh()

    # -- view -----------------------------------------------------------------------------

    def refresh(self) -> None:
        for row, e in enumerate(self.entries):
            on_disk = size_on_disk(e)
            state = f"installed, {human_size(on_disk)} on disk" if on_disk else "not downloaded"
            licence = f"{e.license.name} ({'commercial use OK' if e.license.commercial else 'non-commercial'})"
            cells = (e.id, e.role, human_size(e.size_bytes), licence, state)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(f"{e.repo} @ {e.revision}\n{e.license.summary}\n{e.why}")
                self.table.setItem(row, col, item)

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

    def _selected(self):
        rows = sorted({i.row() for i in self.table.selectedItems()})
        return [self.entries[r] for r in rows]

    def _selection_changed(self) -> None:
        chosen = self._selected()
        if chosen:
            e = chosen[0]
            self.detail.setText(f"{e.id}: {e.why} Licence {e.license.name}: {e.license.summary}")

    # -- actions ----------------------------------------------------------------------------

    def start_bundle(self) -> None:
        bundle = self.bundles[self.bundle.currentIndex()]
        self.start([e for e in bundle.entries(self.entries) if not e.is_installed()])

    def start_selected(self) -> None:
        self.start(self._selected())

    def start(self, entries: list) -> None:
        """Download ``entries`` one after another on the download thread."""
        from albumgen_desktop.core.progress import Progress
        from albumgen_desktop.models.download import download_model

        if self._job is not None or not entries:
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

        self.progress.setValue(0)
        self.cancel_button.setEnabled(True)
        self.file_label.setText("Starting…")
        self._job = self.downloads.submit(job)

    def _progress(self, job_id: int, fraction: float, message: str) -> None:
        self.progress.setValue(int(100 * min(1.0, fraction)))
        self.file_label.setText(message)

    def _done(self, text: str) -> None:
        self._job = None
        self.cancel_button.setEnabled(False)
        self.file_label.setText(text)
        self.refresh()

    def _finished(self, job_id: int, ids) -> None:
        self.progress.setValue(100)
        self._done(f"Downloaded: {', '.join(ids)}.")

    def _failed(self, job_id: int, message: str) -> None:
        self._done(f"Download stopped: {message}")
        QMessageBox.warning(self, "AlbumGen", f"Download stopped:\n\n{message}")

    def _cancelled(self, job_id: int, _partial) -> None:
        self._done("Download paused; it resumes where it stopped next time.")

    def verify_selected(self) -> None:
        from albumgen_desktop.models.download import verify_model

        lines = []
        for e in self._selected():
            problems = verify_model(e) if e.is_installed() else ["not downloaded"]
            lines.append(f"{e.id}: " + ("OK" if not problems else "; ".join(problems)))
        self.detail.setText("\n".join(lines))

    def remove_selected(self) -> None:
        from albumgen_desktop.models.download import remove_model
        from albumgen_desktop.services.models_in_memory import unload_all

        chosen = [e for e in self._selected() if e.is_installed()]
        if not chosen:
            return
        names = ", ".join(e.id for e in chosen)
        answer = QMessageBox.question(self, "Remove models", f"Delete {names} from the model cache?")
        if answer != QMessageBox.StandardButton.Yes:
            return
        self.window.run_job("unload", lambda report, token: unload_all())  # no engine keeps files open
        for e in chosen:
            remove_model(e)
        self.refresh()

    def open_folder(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        from albumgen_desktop.models.manifest import hub_cache_dir

        chosen = self._selected()
        folder = chosen[0].cache_dir() if chosen and chosen[0].cache_dir().exists() else hub_cache_dir()
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def shutdown(self) -> None:
        self.downloads.shutdown()

    def focus_model(self, model_id: str) -> None:
        """Select and show the row of ``model_id`` (the main window's "Download…" opens the manager here)."""
        for row, entry in enumerate(self.entries):
            if entry.id == model_id:
                self.table.selectRow(row)
                self.table.scrollTo(self.table.model().index(row, 0))
                return


class FirstLaunchDialog(QDialog):
    """Shown once when no model is downloaded: pick a bundle (sizes and licences shown) or
    start with the sketch engines, which need no weights."""

    def __init__(self, window) -> None:
        super().__init__(window)
        from albumgen_desktop.models.manifest import load_bundles, load_manifest

        self.setWindowTitle("Welcome to AlbumGen")
        entries = load_manifest()
        self.bundles = load_bundles()
        text = QLabel(
            "AlbumGen works right away with its sketch engines (no downloads). For real music and cover "
            "models, download a bundle; you can do it later from Models ▸ Model manager. Downloads continue "
            "in the background and resume if interrupted."
        )
        text.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        self.choices: list[QRadioButton] = []
        for i, b in enumerate(self.bundles):
            licences = ", ".join(sorted({e.license.name for e in b.entries(entries)}))
            radio = QRadioButton(f"{b.name}: {human_size(b.size_bytes(entries))} — {b.summary} Licences: {licences}.")
            radio.setChecked(i == 0)
            self.choices.append(radio)
            layout.addWidget(radio)
        note = QLabel("MusicGen is CC-BY-NC-4.0: music made with it may not be used commercially.")
        note.setWordWrap(True)
        note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(note)
        buttons = QHBoxLayout()
        self.later = QPushButton("Use the sketch engines for now")
        self.later.clicked.connect(self.reject)
        self.download = QPushButton("Download")
        self.download.setDefault(True)
        self.download.clicked.connect(self.accept)
        buttons.addWidget(self.later)
        buttons.addWidget(self.download)
        layout.addLayout(buttons)

    def chosen_bundle(self) -> str:
        for radio, bundle in zip(self.choices, self.bundles, strict=True):
            if radio.isChecked():
                return bundle.id
        return self.bundles[0].id


def offer_first_launch(window) -> None:
    """The first-launch offer, once: a chosen bundle starts downloading in the model manager."""
    if window.settings.get("first_launch_done") or any_neural_installed():
        return
    window.settings.set("first_launch_done", 1)
    dialog = FirstLaunchDialog(window)
    if dialog.exec():
        window.show_models()
        manager = window.models_dialog
        manager.bundle.setCurrentIndex(manager.bundle.findData(dialog.chosen_bundle()))
        manager.start_bundle()
