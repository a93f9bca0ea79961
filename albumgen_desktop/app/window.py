"""The main window: wiring and menus. Inputs on the left (what was opened, the sliders), the
result large in the middle with the history under it, prompts and options on the right.
State lives in the session object; jobs run through job handles (app/jobs.py); the result
actions (keep, export, delete with undo, A/B) live in app/results.py."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from albumgen_desktop import __version__
from albumgen_desktop.app.drop_area import DropArea, DropCatcher
from albumgen_desktop.app.features_panel import FeaturesPanel
from albumgen_desktop.app.generation import Generation
from albumgen_desktop.app.history_strip import HistoryStrip
from albumgen_desktop.app.imports import import_gently, modules_for
from albumgen_desktop.app.jobs import JobRunner
from albumgen_desktop.app.notice_bar import NoticeBar
from albumgen_desktop.app.options_panel import OptionsPanel
from albumgen_desktop.app.progress_panel import ProgressPanel
from albumgen_desktop.app.prompt_editor import CoverPromptEditor, MusicPromptEditor, TitleField
from albumgen_desktop.app.radar import RadarChart
from albumgen_desktop.app.result_view import ResultView
from albumgen_desktop.app.results import Results
from albumgen_desktop.app.session import SessionState
from albumgen_desktop.app.settings import Settings, SettingsDialog
from albumgen_desktop.app.transport import Transport
from albumgen_desktop.app.warmup import Warmup
from albumgen_desktop.app.wording import Notice, failure_notice

if TYPE_CHECKING:
    from albumgen_desktop.app.library_panel import LibraryDialog
    from albumgen_desktop.app.models_dialog import ModelsDialog

MIN_SIZE = (1000, 560)  # fits a 1280x720 screen with its title bar and task bar
# How long a thread may hold the GIL while another waits for it (CPython's default is 5 ms). The
# GUI thread needs the GIL for every Python slot and paint; with jobs running Python between
# their torch/numpy calls, 1 ms cut the longest GUI stall of a tiny-MusicGen run from 71-78 ms
# to 42-49 ms on this (shared) 2-core machine, for a negligible cost to the jobs.
GIL_SWITCH_INTERVAL_S = 0.001


def offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def _scroll(*widgets: QWidget, min_width: int) -> QScrollArea:
    """A column that scrolls vertically and never gets narrower than ``min_width``."""
    inner = QWidget()
    column = QVBoxLayout(inner)
    for w in widgets:
        column.addWidget(w)
    column.addStretch(1)
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setWidget(inner)
    needed = inner.minimumSizeHint().width() + area.verticalScrollBar().sizeHint().width() + 2 * area.frameWidth()
    area.setMinimumWidth(max(min_width, needed))
    return area


class MainWindow(QMainWindow):
    def __init__(self, history_dir: Path, settings: Settings | None = None) -> None:
        super().__init__()
        sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
        self.settings = settings or Settings()
        self.history_dir = history_dir
        self.setWindowTitle(f"AlbumGen Desktop {__version__}")
        self.session = SessionState(self.settings.store, self.settings.get("engine"), self)
        self.generation_runner = JobRunner("generation", self)
        self.analysis_runner = JobRunner("analysis", self)
        self.history_runner = JobRunner("history", self)  # saves (fsync), restores, thumbnails
        self.transport = Transport(parent=self)
        self.undo_stack = QUndoStack(self)
        self.library_dialog: LibraryDialog | None = None
        self.models_dialog: ModelsDialog | None = None
        self.neural_analysis = False  # CLIP or CLAP installed: analysis imports torch

        self.drop = DropArea()
        self.radar = RadarChart()
        self.features_panel = FeaturesPanel(self.session)
        self.title_field = TitleField(self.session)
        self.music_prompt = MusicPromptEditor(self.session)
        self.cover_prompt = CoverPromptEditor(self.session)
        self.options = OptionsPanel(self.session, offline())
        self.notice = NoticeBar()
        self.result_view = ResultView(self.transport)
        self.progress = ProgressPanel()
        self.history = HistoryStrip()
        self.status = QLabel("Ready.")
        self.engines_label = QLabel("")
        self.music_button = QPushButton("Generate music")
        self.music_button.setToolTip("Music from the sliders and prompt (Ctrl+Return)")
        self.cover_button = QPushButton("Generate cover")
        self.cover_button.setToolTip("A cover from the sliders, title and cover prompt (Ctrl+Shift+Return)")
        self.both_button = QPushButton("Both")
        self.both_button.setToolTip("Music and a cover from the same recipe: a matching pair")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop every running generation (Escape)")
        self.cancel_button.setEnabled(False)
        self.drops = DropCatcher(self)
        self.results = Results(self)
        self.jobs = Generation(self)
        self.warmup = Warmup(self.generation_runner, self)
        self._memory_timer = QTimer(self)
        self._memory_timer.setObjectName("memory-check")
        self._memory_timer.setInterval(15_000)
        self._build_layout()
        self._build_menu()
        self._connect()
        self.drops.watch(self)  # the fields that take drops, now that they exist
        self._memory_timer.start()
        self.refresh_engines()
        self.history_runner.submit(lambda report, token: self.transport.player.reason, "sound")

    # -- building -------------------------------------------------------------------------------

    def _build_layout(self) -> None:
        left = _scroll(self.drop, self.radar, self.features_panel, min_width=310)
        title_row = QWidget()
        row = QHBoxLayout(title_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("<b>Title</b>"))
        row.addWidget(self.title_field, 1)
        inputs = _scroll(title_row, self.music_prompt, self.cover_prompt, self.options, min_width=300)
        buttons = QGridLayout()
        for i, b in enumerate((self.music_button, self.cover_button, self.both_button, self.cancel_button)):
            buttons.addWidget(b, i // 2, i % 2)
        right = QWidget()
        right_column = QVBoxLayout(right)
        right_column.setContentsMargins(0, 0, 0, 0)
        right_column.addWidget(inputs, 1)
        right_column.addLayout(buttons)
        top = QWidget()
        top_column = QVBoxLayout(top)
        top_column.setContentsMargins(0, 0, 0, 0)
        top_column.addWidget(self.notice)
        top_column.addWidget(self.result_view, 1)
        top_column.addWidget(self.progress)
        middle = QSplitter(Qt.Orientation.Vertical)
        middle.addWidget(top)
        middle.addWidget(self.history)
        middle.setStretchFactor(0, 1)
        middle.setCollapsible(0, False)
        middle.setCollapsible(1, False)
        self.columns = QSplitter()
        for pane in (left, middle, right):
            self.columns.addWidget(pane)
        for i in range(3):
            self.columns.setCollapsible(i, False)
        self.columns.setStretchFactor(1, 1)
        self.columns.setSizes([320, 700, 340])
        self.setCentralWidget(self.columns)
        self.statusBar().addWidget(self.status, 1)
        self.statusBar().addPermanentWidget(self.engines_label)
        self.setMinimumSize(*MIN_SIZE)
        screen = QApplication.primaryScreen()
        space = screen.availableGeometry() if screen is not None else None
        width = min(1600, space.width() - 40) if space is not None else 1360
        height = min(1000, space.height() - 60) if space is not None else 740
        self.resize(max(MIN_SIZE[0], width), max(MIN_SIZE[1], height))

    def _build_menu(self) -> None:
        def add(menu, text: str, slot, shortcut=None) -> QAction:
            action = QAction(text, self)
            if shortcut is not None:
                action.setShortcut(shortcut)
            action.triggered.connect(slot)
            menu.addAction(action)
            return action

        file = self.menuBar().addMenu("&File")
        add(file, "&Open…", self.open_dialog, QKeySequence.StandardKey.Open)
        add(file, "&Paste image or file", self.paste, QKeySequence.StandardKey.Paste)
        add(file, "&Export current result…", lambda: self.results.export(), QKeySequence("Ctrl+E"))
        file.addSeparator()
        add(file, "&Settings…", self.open_settings, QKeySequence.StandardKey.Preferences)
        add(file, "&Free model memory", self.jobs.free_models)
        add(file, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        edit = self.menuBar().addMenu("&Edit")
        undo = self.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        edit.addActions([undo, redo])
        generate = self.menuBar().addMenu("&Generate")
        add(generate, "&Music", self.jobs.music, QKeySequence("Ctrl+Return"))
        add(generate, "&Cover", self.jobs.cover, QKeySequence("Ctrl+Shift+Return"))
        add(generate, "&Both", self.jobs.both, QKeySequence("Ctrl+Alt+Return"))
        add(generate, "C&ancel", self.jobs.cancel_all, QKeySequence("Escape"))
        view = self.menuBar().addMenu("&View")
        add(view, "Compare with the previous result (A/B)", self.results.compare, QKeySequence("B"))
        library = self.menuBar().addMenu("&Library")
        add(library, "&Reference library…", self.show_library, QKeySequence("Ctrl+L"))
        models = self.menuBar().addMenu("&Models")
        add(models, "&Model manager…", lambda: self.show_models(), QKeySequence("Ctrl+M"))

    def _connect(self) -> None:
        self.session.features_changed.connect(self.radar.set_features)
        self.radar.set_features(self.session.features)
        self.drops.dropped.connect(self.open_path)
        self.drop.open_requested.connect(self.open_dialog)
        self.options.download_requested.connect(self.show_models)
        self.notice.download_requested.connect(self.show_models)
        self.music_button.clicked.connect(self.jobs.music)
        self.cover_button.clicked.connect(self.jobs.cover)
        self.both_button.clicked.connect(self.jobs.both)
        self.cancel_button.clicked.connect(self.jobs.cancel_all)
        self.history.current_changed.connect(self.results.show)
        self.history.toggle_requested.connect(self.result_view.toggle_play)
        self.history.delete_requested.connect(self.results.delete)
        self.result_view.use_recipe.connect(self.results.use_recipe)
        self.result_view.export.connect(self.results.export)
        self.result_view.reveal.connect(self.results.reveal)
        self.result_view.delete.connect(self.results.delete)
        self.result_view.compare.connect(self.results.compare)
        self.warmup.state_changed.connect(self.engines_label.setText)
        self._memory_timer.timeout.connect(self.jobs.check_memory)

    # -- notices ----------------------------------------------------------------------------------

    def say(self, text: str) -> None:
        self.status.setText(text)

    def warn(self, notice: Notice, undo=None) -> None:
        self.notice.show_notice(notice, undo)

    # -- engines and models -------------------------------------------------------------------

    def refresh_engines(self) -> None:
        """Read the models' states off the GUI thread; name them in the combos; warm what is installed."""
        from albumgen_desktop.app.model_state import engine_states

        cover_model = self.settings.get("cover_model")
        handle = self.analysis_runner.submit(lambda report, token: engine_states(cover_model), "engine-states")
        handle.finished.connect(self._engines_known)

    def _engines_known(self, states) -> None:
        self.options.set_engine_states(states)
        self.neural_analysis = states["analysis"].ready
        ready = [engine for engine in ("musicgen", "diffusion", "analysis") if states[engine].ready]
        names = {"musicgen": "MusicGen", "diffusion": "the diffusion model", "analysis": "the analysis models"}
        if not self.warmup.pending and not self.warmup.busy:
            self.warmup.start(["sketch", *ready], [names[e] for e in ready])
        if not ready:
            self.engines_label.setText("Offline: sketch engines ready." if offline() else "Sketch engines ready.")

    def show_models(self, model_id: str = "") -> ModelsDialog:
        from albumgen_desktop.app.models_dialog import ModelsDialog

        dialog = self.models_dialog
        if dialog is None:
            dialog = self.models_dialog = ModelsDialog(self)
            dialog.finished.connect(lambda _code: self.refresh_engines())
        dialog.show()
        dialog.raise_()
        dialog.refresh()
        if model_id:
            dialog.focus_model(model_id)
        return dialog

    def run_job(self, kind: str, job, on_done=None, on_progress=None, on_fail=None):
        """Run ``job`` on the generation thread (kept for the model manager's unload); returns its handle."""
        handle = self.generation_runner.submit(job, kind)
        if on_done is not None:
            handle.finished.connect(on_done)
        if on_progress is not None:
            handle.progress.connect(on_progress)
        if on_fail is not None:
            handle.failed.connect(lambda failure: on_fail(failure.message))
        return handle

    def show_library(self) -> LibraryDialog:
        from albumgen_desktop.app.library_panel import LibraryDialog

        dialog = self.library_dialog
        if dialog is None:
            dialog = self.library_dialog = LibraryDialog(self)
            dialog.imported.connect(self.say)
        dialog.show()
        dialog.raise_()
        dialog.refresh()
        return dialog

    def open_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self)
        if dialog.exec():
            self.session.set_option("engine", self.settings.get("engine"))
            self.refresh_engines()

    # -- input ----------------------------------------------------------------------------------

    def open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a cover, a track or an export")
        if path:
            self.open_path(Path(path))

    def open_path(self, path: Path) -> None:
        """A cover, a track or an export is analysed (its own thread); a folder goes to the library."""
        from albumgen_desktop.services.analyse import analyse_input

        if path.is_dir():
            self.show_library().import_path(path)
            return
        self.drop.clear(f"Analysing {path.name}…")
        self.say(f"Analysing {path.name}…")
        from albumgen_desktop.app.analysis_notes import input_overview

        neural = self.neural_analysis

        def job(report, token):
            if neural:
                import_gently(modules_for(["analysis"]))
            analysis = analyse_input(path)
            audio = analysis.kind == "audio" or (analysis.kind == "recipe" and analysis.recipe.kind == "music")
            return path, analysis, input_overview(path) if audio else None

        handle = self.analysis_runner.submit(job, "analyse")
        handle.finished.connect(lambda found: self.show_analysis(*found))
        handle.failed.connect(lambda failure: self._analysis_failed(path, failure))

    def _analysis_failed(self, path: Path, failure) -> None:
        self.drop.clear(path.name)
        self.say(f"{path.name} could not be analysed.")
        self.warn(failure_notice("analyse", failure.error, failure.message))

    def show_analysis(self, path: Path, analysis, waveform=None) -> None:
        from albumgen_desktop.app.analysis_notes import evidence_lines
        from albumgen_desktop.core.evidence import Neighbours

        if waveform is not None:
            self.drop.show_waveform(waveform)
        else:
            self.drop.show_image(path)
        self.drop.name.setText(path.name)
        if analysis.recipe is not None:
            self.transport.stop()
            self.session.apply_recipe(analysis.recipe)
        else:
            self.session.set_features(analysis.features, analysis.confidence, analysis.source, analysis)
        notes = evidence_lines(analysis.evidence)
        self.drop.set_notes(list(analysis.warnings), notes)
        neighbours = [a.id for e in analysis.evidence if isinstance(e, Neighbours) for a in e.albums]
        if neighbours and self.library_dialog is not None:
            self.library_dialog.highlight(neighbours)
        what = {"image": "cover", "audio": "track", "recipe": "recipe"}.get(analysis.kind, analysis.kind)
        self.say(f"{path.name}: {what} analysed." + (" See the notes under it." if analysis.warnings else ""))

    def paste(self) -> None:
        """Clipboard: a copied file is opened; a copied picture is saved to the history folder and analysed."""
        data = QApplication.clipboard().mimeData()
        if data is not None and data.hasUrls():
            for url in data.urls():
                if url.isLocalFile():
                    self.open_path(Path(url.toLocalFile()))
                    return
        if data is not None and data.hasImage():
            image = QApplication.clipboard().image()
            if not image.isNull():
                try:
                    self.history_dir.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    self.warn(Notice(f"The pasted picture cannot be kept: {exc.strerror or exc}."))
                    return
                path = self.history_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-pasted.png"
                if image.save(str(path)):  # the format follows the .png name
                    self.open_path(path)
                    return
        self.say("The clipboard holds no picture or file.")

    # -- life cycle -----------------------------------------------------------------------------

    def restore_history(self) -> None:
        self.results.restore()

    def closeEvent(self, event) -> None:
        from albumgen_desktop.app.trash import purge_holding

        self._memory_timer.stop()
        self.warmup.stop()
        self.progress.stop()
        self.transport.shutdown()
        self.drops.detach()
        if self.models_dialog is not None:
            self.models_dialog.shutdown()
        if self.library_dialog is not None:
            self.library_dialog.shutdown()
            self.library_dialog.close()
        for runner in (self.generation_runner, self.analysis_runner, self.history_runner):
            runner.shutdown()
        purge_holding(self.history_dir)
        super().closeEvent(event)
