"""The main window: wiring and menus. Inputs on the left (what was opened, the sliders), the
result large in the middle with the history under it, prompts and options on the right.
State lives in the session object; jobs run through job handles (app/jobs.py); the result
actions (keep, export, delete with undo, A/B) live in app/results.py."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from albumgen_desktop import __version__
from albumgen_desktop.app.drop_area import DropArea, DropCatcher
from albumgen_desktop.app.features_panel import FeaturesPanel
from albumgen_desktop.app.generation import Generation
from albumgen_desktop.app.history_strip import HistoryStrip
from albumgen_desktop.app.inputs import Inputs
from albumgen_desktop.app.jobs import JobRunner
from albumgen_desktop.app.menus import build_menus
from albumgen_desktop.app.notice_bar import NoticeBar
from albumgen_desktop.app.options_panel import OptionsPanel
from albumgen_desktop.app.progress_panel import ProgressPanel
from albumgen_desktop.app.prompt_editor import CoverPromptEditor, MusicPromptEditor, TitleField
from albumgen_desktop.app.radar import RadarChart
from albumgen_desktop.app.result_view import ResultView
from albumgen_desktop.app.results import Results
from albumgen_desktop.app.scroll_column import ScrollColumn
from albumgen_desktop.app.session import SessionState
from albumgen_desktop.app.settings import Settings, SettingsDialog
from albumgen_desktop.app.transport import Transport
from albumgen_desktop.app.warmup import Warmup
from albumgen_desktop.app.wording import Notice, printable

if TYPE_CHECKING:
    from albumgen_desktop.app.library_panel import LibraryDialog
    from albumgen_desktop.app.models_dialog import ModelsDialog

# The smallest first size; fits a 1280x720 screen with its title bar and task bar. The window's
# minimum width is not fixed: it follows what the three columns need (the layout's minimum, about
# 1020 px at the default font), so no column is ever cut off; 560 px is its minimum height.
MIN_SIZE = (1000, 560)
# How long a thread may hold the GIL while another waits for it (CPython's default is 5 ms). The
# GUI thread needs the GIL for every Python slot and paint; with jobs running Python between
# their torch/numpy calls, 1 ms cut the longest GUI stall of a tiny-MusicGen run from 71-78 ms
# to 42-49 ms on this (shared) 2-core machine, for a negligible cost to the jobs.
GIL_SWITCH_INTERVAL_S = 0.001


def offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


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
        self.compare_action: QAction | None = None  # View ▸ A/B (menus.py)
        self._undo_index = 0

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
        self.inputs = Inputs(self)
        self.jobs = Generation(self)
        self.warmup = Warmup(self.generation_runner, self)
        self._memory_timer = QTimer(self)
        self._memory_timer.setObjectName("memory-check")
        self._memory_timer.setInterval(15_000)
        self._build_layout()
        build_menus(self)
        self._connect()
        self.drops.watch(self)  # the fields that take drops, now that they exist
        self._memory_timer.start()
        self.results.update_compare()
        self.refresh_engines()
        self.history_runner.submit(lambda report, token: self.transport.player.reason, "sound")

    # -- building -------------------------------------------------------------------------------

    def _build_layout(self) -> None:
        left = self.left = ScrollColumn(self.drop, self.radar, self.features_panel, min_width=300)
        title_row = QWidget()
        row = QHBoxLayout(title_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("<b>Title</b>"))
        row.addWidget(self.title_field, 1)
        inputs = self.inputs_column = ScrollColumn(
            title_row, self.music_prompt, self.cover_prompt, self.options, min_width=300
        )
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
        self.columns.setSizes([330, 690, 340])
        self.setCentralWidget(self.columns)
        self.statusBar().addWidget(self.status, 1)
        self.statusBar().addPermanentWidget(self.engines_label)
        # Only the height is fixed: with an explicit minimum width Qt let the window be narrower
        # than its columns and the splitter cut off the right one (Title, Reset, Random, Generate).
        self.setMinimumHeight(MIN_SIZE[1])
        screen = QApplication.primaryScreen()
        space = screen.availableGeometry() if screen is not None else None
        width = min(1600, space.width() - 40) if space is not None else 1360
        height = min(1000, space.height() - 60) if space is not None else 740
        self.resize(max(MIN_SIZE[0], width), max(MIN_SIZE[1], height))

    def _connect(self) -> None:
        self.session.features_changed.connect(self.radar.set_features)
        self.radar.set_features(self.session.features)
        self.drops.dropped.connect(self.inputs.open_path)
        self.drop.open_requested.connect(self.inputs.open_dialog)
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
        self.session.options_changed.connect(lambda _options: self.show_engine_choice())
        self.undo_stack.indexChanged.connect(self._undo_moved)
        for editor in (self.music_prompt, self.cover_prompt):
            editor.undo_stack = self.undo_stack

    # -- notices ----------------------------------------------------------------------------------

    def _undo_moved(self, index: int) -> None:
        """A delete's notice (with its Undo) goes once anything is undone or done after it."""
        self.notice.dismiss_topic("delete")
        if index < self._undo_index:
            what = self.undo_stack.text(index)
            self.say(f"Undone: {what[:1].lower()}{what[1:]}.")
        self._undo_index = index

    def say(self, text: str) -> None:
        """The status line; the line of the last generation's outcome goes (it is old news now)."""
        self.status.setText(printable(text))
        self.progress.show_outcome("")

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
        self.show_engine_choice()

    def show_engine_choice(self) -> None:
        """What follows from the engines that will run: the sketch engines do not read the prompts."""
        from albumgen_desktop.app.model_state import resolved_engine

        states, o = self.options.states, self.session.options
        self.music_prompt.set_sketch(resolved_engine("music", o.engine, states) == "sketch")
        self.cover_prompt.set_sketch(resolved_engine("cover", o.cover_engine, states) == "sketch")

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
        self.inputs.open_dialog()

    def open_path(self, path: Path) -> None:
        self.inputs.open_path(path)

    def show_analysis(self, path: Path, analysis, waveform=None) -> None:
        self.inputs.show_analysis(path, analysis, waveform)

    def paste(self) -> None:
        self.inputs.paste()

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
