"""The main window: drop a file, tweak the sliders and prompt, generate, listen, export."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from albumgen_desktop import __version__
from albumgen_desktop.app.features_panel import FeaturesPanel
from albumgen_desktop.app.history import Result, icon, label, restore, write_result
from albumgen_desktop.app.player import Player
from albumgen_desktop.app.radar import RadarChart
from albumgen_desktop.app.settings import Settings, SettingsDialog
from albumgen_desktop.app.worker import WorkerHost
from albumgen_desktop.core.errors import AlbumGenError
from albumgen_desktop.core.features import Features
from albumgen_desktop.core.prompts import PROMPT_STYLES, music_prompt


class DropArea(QLabel):
    """Accepts images, audio and AlbumGen exports; shows the cover or a waveform."""

    def __init__(self, on_path) -> None:
        super().__init__(
            "Drop a cover, a track or an AlbumGen export here\n(or use File ▸ Open…)\n\n"
            "Drop a music folder to add it to your reference library"
        )
        self.on_path = on_path
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setMinimumSize(260, 260)
        self.setAcceptDrops(True)
        self.setAccessibleName("input drop area")
        self.setStyleSheet("QLabel { border: 2px dashed palette(mid); border-radius: 8px; padding: 8px; }")

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.on_path(Path(url.toLocalFile()))
                break

    def show_image(self, path: Path) -> None:
        pixmap = QPixmap(str(path))
        if not pixmap.isNull():
            self.setPixmap(
                pixmap.scaled(260, 260, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
            )

    def show_waveform(self, samples: np.ndarray) -> None:
        from PySide6.QtGui import QColor, QPainter

        pixmap = QPixmap(260, 120)
        pixmap.fill(QColor(0, 0, 0, 0))
        painter = QPainter(pixmap)
        painter.setPen(self.palette().text().color())
        if samples.size:
            blocks = np.array_split(np.abs(samples), 260)
            for x, block in enumerate(blocks):
                h = int(58 * (float(block.max()) if block.size else 0.0))
                painter.drawLine(x, 60 - h, x, 60 + h)
        painter.end()
        self.setPixmap(pixmap)


class MainWindow(QMainWindow):
    def __init__(self, history_dir: Path, settings: Settings | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.setWindowTitle(f"AlbumGen Desktop {__version__}")
        self.history_dir = history_dir
        self.worker = WorkerHost(self)
        self.worker.worker.finished.connect(self._job_finished)
        self.worker.worker.failed.connect(self._job_failed)
        self.worker.worker.cancelled.connect(self._job_cancelled)
        self.worker.worker.progress.connect(self._job_progress)
        self.worker.worker.chunk.connect(self._job_chunk)
        self.worker.worker.preview.connect(self._job_preview)
        self._callbacks: dict[int, tuple] = {}
        self.library_dialog = None
        self.models_dialog = None
        self.player = Player()
        self.jobs: dict[int, str] = {}
        self.results: list[Result] = []
        self.prompt_locked = False
        self._started = 0.0
        self._streaming_job = 0

        self.drop = DropArea(self.open_path)
        self.features_panel = FeaturesPanel()
        self.features_panel.changed.connect(self._features_changed)
        self.radar = RadarChart()
        self.evidence = QLabel("")
        self.evidence.setWordWrap(True)

        self.prompt = QPlainTextEdit()
        self.prompt.setAccessibleName("music prompt")
        self.prompt.setToolTip("The text MusicGen receives. It follows the sliders until you edit it.")
        self.prompt.textChanged.connect(self._prompt_edited)
        self.prompt_style = QComboBox()
        self.prompt_style.addItems(PROMPT_STYLES)
        self.prompt_style.currentTextChanged.connect(lambda _: self._refresh_prompt())
        self.lock_label = QLabel("")
        self.reset_prompt = QPushButton("Reset to generated")
        self.reset_prompt.clicked.connect(self._unlock_prompt)
        self.reset_prompt.setEnabled(False)

        self.engine = QComboBox()
        self.engine.addItems(["auto", "sketch", "musicgen"])
        self.engine.setCurrentText(self.settings.get("engine"))
        self.engine.setToolTip("auto: MusicGen when its weights are downloaded, else the instant sketch engine")
        self.duration = QDoubleSpinBox()
        self.duration.setRange(1.0, 120.0)
        self.duration.setValue(10.0)
        self.duration.setSuffix(" s")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        dice = QPushButton("Random")
        dice.setToolTip("A new random seed")
        dice.clicked.connect(lambda: self.seed.setValue(int(np.random.default_rng().integers(0, 2**31 - 1))))
        self.title_edit = QLineEdit()
        self.title_edit.setPlaceholderText("album title (for covers)")
        self.title_edit.setAccessibleName("album title")
        self.cover_button = QPushButton("Generate cover")
        self.cover_button.setShortcut(QKeySequence("Ctrl+Shift+Return"))
        self.cover_button.clicked.connect(self.generate_cover)
        self.cover_preview = QLabel()
        self.cover_preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.cover_preview.setAccessibleName("cover preview")
        self.cover_engine = QComboBox()
        self.cover_engine.addItems(["auto", "sketch", "diffusion"])
        self.cover_engine.setAccessibleName("cover engine")
        self.cover_engine.setToolTip("auto: the diffusion model when it is downloaded, else the instant sketch painter")
        self.reference_path: Path | None = None
        self.reference_button = QPushButton("Reference image…")
        self.reference_button.setToolTip("Start the cover from this picture (img2img); click again to clear it")
        self.reference_button.clicked.connect(self._choose_reference)
        self.strength = QDoubleSpinBox()
        self.strength.setRange(0.05, 1.0)
        self.strength.setSingleStep(0.05)
        self.strength.setValue(0.6)
        self.strength.setToolTip("How far the cover may move away from the reference image (1 = ignore it)")
        self.typography = QCheckBox("Set the title on the cover")
        self.typography.setToolTip("Sketch covers always carry the title; for diffusion covers it is your choice")
        self.advanced = QGroupBox("Advanced")
        self.advanced.setCheckable(True)
        self.advanced.setChecked(False)
        self.advanced.setToolTip("Sampling settings; unchecked, every model uses its own defaults")
        self.music_guidance = QDoubleSpinBox()
        self.music_guidance.setRange(1.0, 10.0)
        self.music_guidance.setValue(3.0)
        self.music_guidance.setToolTip("How closely MusicGen follows the prompt (classifier-free guidance)")
        self.temperature = QDoubleSpinBox()
        self.temperature.setRange(0.1, 2.0)
        self.temperature.setSingleStep(0.1)
        self.temperature.setValue(1.0)
        self.temperature.setToolTip("MusicGen sampling temperature: lower is safer, higher is wilder")
        self.cover_steps = QSpinBox()
        self.cover_steps.setRange(0, 100)
        self.cover_steps.setSpecialValueText("model default")
        self.cover_steps.setToolTip("Diffusion steps (one-step models ignore more)")
        self.cover_guidance = QDoubleSpinBox()
        self.cover_guidance.setRange(-0.5, 20.0)
        self.cover_guidance.setValue(-0.5)
        self.cover_guidance.setSpecialValueText("model default")
        self.cover_guidance.setToolTip("Diffusion guidance; above 1 the negative prompt takes effect")
        advanced_form = QFormLayout(self.advanced)
        advanced_form.addRow("Music guidance", self.music_guidance)
        advanced_form.addRow("Temperature", self.temperature)
        advanced_form.addRow("Cover steps", self.cover_steps)
        advanced_form.addRow("Cover guidance", self.cover_guidance)
        self.both_button = QPushButton("Generate both")
        self.both_button.setToolTip("Music and a cover from the same recipe: a matching pair")
        self.both_button.clicked.connect(self.generate_both)
        self.cover_size = QSpinBox()
        self.cover_size.setRange(512, 1024)
        self.cover_size.setSingleStep(128)
        self.cover_size.setValue(1024)
        self.cover_size.setSuffix(" px")
        self.cover_size.setAccessibleName("cover size")
        self.variations = QSpinBox()
        self.variations.setRange(1, 8)
        self.variations.setToolTip("How many takes to make from one recipe (seed, seed+1, ...)")
        self.generate_button = QPushButton("Generate music")
        self.generate_button.setShortcut(QKeySequence("Ctrl+Return"))
        self.generate_button.clicked.connect(self.generate)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setShortcut(QKeySequence("Escape"))
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.worker.cancel_all)
        self.progress = QProgressBar()
        self.status = QLabel("Ready.")

        self.result_list = QListWidget()
        self.result_list.setAccessibleName("results")
        self.play_button = QPushButton("Play")
        self.play_button.setShortcut(QKeySequence("Space"))
        self.play_button.clicked.connect(self.play_selected)
        self.stop_button = QPushButton("Stop")
        self.stop_button.clicked.connect(self.stop_playback)
        self.export_button = QPushButton("Export…")
        self.export_button.setShortcut(QKeySequence("Ctrl+E"))
        self.export_button.clicked.connect(self.export_selected)
        self.use_recipe = QPushButton("Use this recipe")
        self.use_recipe.clicked.connect(self.use_selected_recipe)
        self.reveal_button = QPushButton("Show file")
        self.reveal_button.setToolTip("Open the history folder that holds this result")
        self.reveal_button.clicked.connect(self.reveal_selected)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setShortcut(QKeySequence.StandardKey.Delete)
        self.delete_button.clicked.connect(self.delete_selected)
        self.playhead = QSlider(Qt.Orientation.Horizontal)
        self.playhead.setRange(0, 1000)
        self.playhead.setAccessibleName("playhead")
        self.playhead.setToolTip("Where playback is; drag to jump")
        self.playhead.sliderReleased.connect(self._seek)
        self.play_time = QLabel("0:00 / 0:00")
        self._memory_timer = QTimer(self)
        self._memory_timer.setInterval(15_000)
        self._memory_timer.timeout.connect(self._check_memory)
        self._memory_timer.start()
        self._playhead_timer = QTimer(self)
        self._playhead_timer.setInterval(100)
        self._playhead_timer.timeout.connect(self._update_playhead)
        self.player_note = QLabel(self.player.reason)
        self.player_note.setWordWrap(True)
        if not self.player.available:
            self.play_button.setEnabled(False)
            self.stop_button.setEnabled(False)

        self._build_layout(dice)
        self._build_menu()
        self._refresh_prompt()

    def _build_layout(self, dice: QPushButton) -> None:
        left = QVBoxLayout()
        left.addWidget(self.drop)
        left.addWidget(self.radar)
        left.addWidget(self.evidence)
        left.addWidget(self.cover_preview)
        left.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.features_panel)
        right = QVBoxLayout()
        right.addWidget(QLabel("Prompt"))
        right.addWidget(self.prompt, 1)
        row = QHBoxLayout()
        row.addWidget(self.prompt_style)
        row.addWidget(self.lock_label, 1)
        row.addWidget(self.reset_prompt)
        right.addLayout(row)
        form = QFormLayout()
        form.addRow("Engine", self.engine)
        form.addRow("Duration", self.duration)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(dice)
        form.addRow("Seed", seed_row)
        form.addRow("Title", self.title_edit)
        form.addRow("Variations", self.variations)
        form.addRow("Cover engine", self.cover_engine)
        form.addRow("Cover size", self.cover_size)
        ref_row = QHBoxLayout()
        ref_row.addWidget(self.reference_button, 1)
        ref_row.addWidget(QLabel("strength"))
        ref_row.addWidget(self.strength)
        form.addRow("Reference", ref_row)
        form.addRow("", self.typography)
        right.addLayout(form)
        right.addWidget(self.advanced)
        buttons = QHBoxLayout()
        buttons.addWidget(self.generate_button)
        buttons.addWidget(self.cover_button)
        buttons.addWidget(self.both_button)
        buttons.addWidget(self.cancel_button)
        right.addLayout(buttons)
        right.addWidget(self.progress)
        right.addWidget(self.status)
        right.addWidget(QLabel("Results"))
        right.addWidget(self.result_list, 1)
        actions = QHBoxLayout()
        for b in (
            self.play_button,
            self.stop_button,
            self.use_recipe,
            self.export_button,
            self.reveal_button,
            self.delete_button,
        ):
            actions.addWidget(b)
        right.addLayout(actions)
        seek_row = QHBoxLayout()
        seek_row.addWidget(self.playhead, 1)
        seek_row.addWidget(self.play_time)
        right.addLayout(seek_row)
        right.addWidget(self.player_note)
        splitter = QSplitter()
        for layout in (left, None, right):
            w = QWidget()
            if layout is None:
                w = scroll
            else:
                w.setLayout(layout)
            splitter.addWidget(w)
        splitter.setSizes([280, 420, 420])
        self.setCentralWidget(splitter)
        self.resize(1200, 760)

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu("&File")
        actions = (
            ("&Open…", QKeySequence.StandardKey.Open, self._open_dialog),
            ("&Paste image or file", QKeySequence.StandardKey.Paste, self.paste),
            ("&Settings…", QKeySequence.StandardKey.Preferences, self._open_settings),
            ("&Free model memory", None, self.free_models),
            ("&Quit", QKeySequence.StandardKey.Quit, self.close),
        )
        for text, shortcut, slot in actions:
            action = QAction(text, self)
            if shortcut is not None:
                action.setShortcut(shortcut)
            action.triggered.connect(slot)
            menu.addAction(action)
        library = self.menuBar().addMenu("&Library")
        action = QAction("&Reference library…", self)
        action.setShortcut(QKeySequence("Ctrl+L"))
        action.triggered.connect(self.show_library)
        library.addAction(action)
        models = self.menuBar().addMenu("&Models")
        action = QAction("&Model manager…", self)
        action.setShortcut(QKeySequence("Ctrl+M"))
        action.triggered.connect(self.show_models)
        models.addAction(action)

    def show_library(self) -> None:
        from albumgen_desktop.app.library_panel import LibraryDialog

        if self.library_dialog is None:
            self.library_dialog = LibraryDialog(self)
        self.library_dialog.show()
        self.library_dialog.raise_()
        self.library_dialog.refresh()

    def show_models(self) -> None:
        from albumgen_desktop.app.models_dialog import ModelManagerDialog

        if self.models_dialog is None:
            self.models_dialog = ModelManagerDialog(self)
        self.models_dialog.show()
        self.models_dialog.raise_()
        self.models_dialog.refresh()

    def run_job(self, kind: str, job, on_done=None, on_progress=None, on_fail=None) -> int:
        """Run ``job`` on the worker; the callbacks run on the GUI thread."""
        job_id = self.worker.submit(job)
        self.jobs[job_id] = kind
        self._callbacks[job_id] = (on_done, on_progress, on_fail)
        return job_id

    def _choose_reference(self) -> None:
        if self.reference_path is not None:
            self.reference_path = None
            self.reference_button.setText("Reference image…")
            return
        path, _ = QFileDialog.getOpenFileName(self, "Reference image", "", "Images (*.png *.jpg *.jpeg *.webp)")
        if path:
            self.set_reference(Path(path))

    def set_reference(self, path: Path | None) -> None:
        self.reference_path = path
        self.reference_button.setText(f"✕ {path.name}" if path else "Reference image…")

    def paste(self) -> None:
        """Clipboard: a copied file is opened; a copied picture is saved to the history folder and analysed."""
        from PySide6.QtWidgets import QApplication

        data = QApplication.clipboard().mimeData()
        if data is None:
            return
        if data.hasUrls():
            for url in data.urls():
                if url.isLocalFile():
                    self.open_path(Path(url.toLocalFile()))
                    return
        if data.hasImage():
            image = QApplication.clipboard().image()
            if not image.isNull():
                self.history_dir.mkdir(parents=True, exist_ok=True)
                path = self.history_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-pasted.png"
                if image.save(str(path), "PNG"):
                    self.open_path(path)
                    return
        self.status.setText("The clipboard holds no picture or file.")

    def _check_memory(self) -> None:
        """Under memory pressure, let the warm models go (only between jobs)."""
        from albumgen_desktop.services.models_in_memory import available_memory_gb, unload_if_memory_low

        free = available_memory_gb()
        if not self.jobs and free is not None and free < 1.0:
            self._submit("free", lambda report, token: unload_if_memory_low(1.0))
            self.status.setText(f"Memory is low ({free:.1f} GB free): models unloaded.")

    def free_models(self) -> None:
        from albumgen_desktop.services.models_in_memory import unload_all

        self._submit("free", lambda report, token: unload_all())
        self.status.setText("Models unloaded.")

    def _open_settings(self) -> None:
        dialog = SettingsDialog(self.settings, self)
        if dialog.exec():
            self.engine.setCurrentText(self.settings.get("engine"))

    # --- prompt ---------------------------------------------------------------------------

    def _features_changed(self, features: Features) -> None:
        self.radar.set_features(features)
        self._refresh_prompt()

    def _refresh_prompt(self) -> None:
        if self.prompt_locked:
            return
        text = music_prompt(self.features_panel.features(), self.prompt_style.currentText())
        self.prompt.blockSignals(True)
        self.prompt.setPlainText(text)
        self.prompt.blockSignals(False)

    def _prompt_edited(self) -> None:
        self.prompt_locked = True
        self.lock_label.setText("🔒 Edited by you: the sliders no longer change it")
        self.reset_prompt.setEnabled(True)

    def _unlock_prompt(self) -> None:
        self.prompt_locked = False
        self.lock_label.setText("")
        self.reset_prompt.setEnabled(False)
        self._refresh_prompt()

    # --- input ---------------------------------------------------------------------------

    def _open_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a cover, track or export")
        if path:
            self.open_path(Path(path))

    def open_path(self, path: Path) -> None:
        from albumgen_desktop.services.analyze import analyze_file

        if path.is_dir():
            self.show_library()
            self.library_dialog.import_path(path)
            return
        self.status.setText(f"Analysing {path.name}…")
        self._submit("analyse", lambda report, token: (path, analyze_file(path)))

    def _show_analysis(self, path: Path, analysis) -> None:
        if analysis.kind == "image":
            self.drop.show_image(path)
        else:
            from albumgen_desktop.io.audio import load_audio

            try:
                self.drop.show_waveform(load_audio(path, sample_rate=8000, max_seconds=600).samples)
            except (AlbumGenError, OSError):  # a preview is optional
                pass
        self.features_panel.set_features(analysis.features, analysis.confidence, analysis.source)
        if analysis.recipe is not None and analysis.recipe.prompt_locked:
            self.prompt.setPlainText(analysis.recipe.prompt)
        notes = [*analysis.warnings]
        for item in analysis.evidence:
            if item.get("type") in ("clap_genres", "clip_genres"):
                who = "CLAP" if item["type"] == "clap_genres" else "CLIP"
                notes.append(f"{who} genres: " + ", ".join(f"{g} {p:.0%}" for g, p in item["top"]))
            elif item.get("type") == "neighbours":
                notes.append(f"Nearest albums in your library (k={item['k']}):")
                for a in item["albums"]:
                    who = f"{a['artist']} — {a['title']}" if a["artist"] else a["title"]
                    notes.append(f"  • {who} ({a['genre'] or 'no genre'}), similarity {a['similarity']:.2f}")
                if self.library_dialog is not None:
                    self.library_dialog.highlight([a["id"] for a in item["albums"]])
            elif item.get("type") == "vlm":
                notes.append(f"Features written by {item['model']} (constrained JSON)")
        self.evidence.setText("\n".join(notes))
        self.status.setText(f"{path.name}: analysed ({analysis.kind}).")

    # --- generation ------------------------------------------------------------------------

    def generate(self) -> None:
        from albumgen_desktop.services.music import MusicJob, generate_music

        job = MusicJob(
            features=self.features_panel.features(),
            prompt=self.prompt.toPlainText() if self.prompt_locked else "",
            prompt_locked=self.prompt_locked,
            duration_s=self.duration.value(),
            seed=self.seed.value(),
            engine=self.engine.currentText(),
            precision=self.settings.get("precision"),
            variations=self.variations.value(),
            **(
                {"guidance": self.music_guidance.value(), "temperature": self.temperature.value()}
                if self.advanced.isChecked()
                else {}
            ),
        )
        self.generate_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setValue(0)
        self._started = time.monotonic()
        self.status.setText("Generating…")
        self._submit("music", lambda report, token: generate_music(job, on_progress=report, cancel=token))

    def generate_both(self) -> None:
        """A matching pair: the music and the cover jobs share the sliders, prompt lock and seed."""
        self.generate()
        self.generate_cover()

    def _cover_guidance(self) -> float | None:
        if not self.advanced.isChecked() or self.cover_guidance.value() < 0:
            return None
        return self.cover_guidance.value()

    def generate_cover(self) -> None:
        from albumgen_desktop.services.cover import CoverJob, generate_cover

        reference = None
        if self.reference_path is not None:
            from albumgen_desktop.core.errors import AlbumGenError
            from albumgen_desktop.io.images import load_image

            try:
                reference = load_image(self.reference_path)
            except AlbumGenError as exc:
                QMessageBox.warning(self, "AlbumGen", f"The reference image cannot be used:\n\n{exc}")
                return
        job = CoverJob(
            features=self.features_panel.features(),
            title=self.title_edit.text(),
            seed=self.seed.value(),
            engine=self.cover_engine.currentText(),
            size=self.cover_size.value(),
            reference=reference,
            strength=self.strength.value(),
            typography=True if self.typography.isChecked() else None,
            variations=self.variations.value(),
            precision=self.settings.get("precision"),
            model_id=None if self.settings.get("cover_model") == "auto" else self.settings.get("cover_model"),
            steps=(self.cover_steps.value() or None) if self.advanced.isChecked() else None,
            guidance=self._cover_guidance(),
        )
        self.cover_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress.setValue(0)
        self._started = time.monotonic()
        self.status.setText("Making a cover…")
        self._submit("cover", lambda report, token: generate_cover(job, on_progress=report, cancel=token))

    def _submit(self, kind: str, job) -> None:
        job_id = self.worker.submit(job)
        self.jobs[job_id] = kind

    def _job_progress(self, job_id: int, fraction: float, message: str) -> None:
        callbacks = self._callbacks.get(job_id)
        if callbacks is not None and callbacks[1] is not None:
            callbacks[1](fraction, message)
            return
        if self.jobs.get(job_id) not in ("music", "cover"):
            return
        self.progress.setValue(int(100 * fraction))
        elapsed = time.monotonic() - self._started
        if 0.02 < fraction < 1.0:
            remaining = elapsed * (1 - fraction) / fraction
            self.status.setText(f"{message}… about {remaining:.0f} s left")

    def _job_chunk(self, job_id: int, piece, fraction: float) -> None:
        """Streamed MusicGen audio: start playing with the first chunk, append the rest."""
        from albumgen_desktop.services.music import STREAM_SAMPLE_RATE

        if self.jobs.get(job_id) != "music" or not self.player.available or piece.shape[1] == 0:
            return
        if self._streaming_job != job_id:
            self._streaming_job = job_id
            self.player.play(piece[0], STREAM_SAMPLE_RATE)
            self._playhead_timer.start()
        else:
            self.player.append(piece[0])

    def _job_preview(self, job_id: int, image, fraction: float) -> None:
        """A diffusion step's decoded latents: show the cover taking shape."""
        from PIL.ImageQt import ImageQt

        if self.jobs.get(job_id) == "cover":
            self.cover_preview.setPixmap(QPixmap.fromImage(ImageQt(image.convert("RGB").resize((260, 260)))))

    def _job_finished(self, job_id: int, result) -> None:
        kind = self.jobs.pop(job_id, "")
        self.worker.tokens.pop(job_id, None)
        callbacks = self._callbacks.pop(job_id, None)
        if callbacks is not None:
            if callbacks[0] is not None:
                callbacks[0](result)
            return
        if kind == "analyse":
            self._show_analysis(*result)
        elif kind == "music":
            self._music_done(result)
        elif kind == "cover":
            self._cover_done(result)

    def _keep(self, result: Result, text: str = "") -> None:
        """Results are never lost: each goes into the history folder before anything else."""
        suffix = ".png" if result.is_cover else ".wav"
        path = (
            self.history_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-{len(self.results):03d}-{result.recipe.kind}{suffix}"
        )
        try:
            self.history_dir.mkdir(parents=True, exist_ok=True)
            write_result(result, path)
            result.history_path = path
        except (AlbumGenError, OSError) as exc:  # the result stays in the list even if the disk refuses
            self.status.setText(f"Could not save to history: {exc}")
        self._list(result, text or label(result))
        self.result_list.setCurrentRow(self.result_list.count() - 1)

    def _list(self, result: Result, text: str) -> None:
        from PySide6.QtWidgets import QListWidgetItem

        self.results.append(result)
        item = QListWidgetItem(icon(result), text)
        item.setToolTip(result.recipe.prompt)
        self.result_list.addItem(item)

    def restore_history(self) -> None:
        """The results of earlier sessions, from the history folder (loaded lazily when used)."""
        for result in restore(self.history_dir):
            if all(r.history_path != result.history_path for r in self.results):
                self._list(result, label(result))

    def _music_done(self, result) -> None:
        self.generate_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.setValue(100)
        for audio, recipe in zip(result.audio, result.recipes, strict=True):
            self._keep(Result(recipe, None, audio=audio, rate=result.sample_rate))
        self.status.setText("Done. " + " ".join(result.notices))

    def _cover_done(self, result) -> None:
        from PIL.ImageQt import ImageQt

        self.cover_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress.setValue(100)
        for image, recipe in zip(result.images, result.recipes, strict=True):
            self._keep(Result(recipe, None, image=image))
        self.cover_preview.setPixmap(QPixmap.fromImage(ImageQt(result.image.resize((260, 260)))))
        self.status.setText("Done. " + " ".join(result.notices))

    def _job_failed(self, job_id: int, message: str) -> None:
        kind = self.jobs.pop(job_id, "")
        self.worker.tokens.pop(job_id, None)
        callbacks = self._callbacks.pop(job_id, None)
        if callbacks is not None and callbacks[2] is not None:
            callbacks[2](message)
            return
        self.generate_button.setEnabled(True)
        self.cover_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.status.setText("Failed.")
        QMessageBox.warning(
            self, "AlbumGen", f"{'Analysis' if kind == 'analyse' else 'Generation'} failed:\n\n{message}"
        )

    def _job_cancelled(self, job_id: int, partial) -> None:
        kind = self.jobs.pop(job_id, None)
        self.worker.tokens.pop(job_id, None)
        callbacks = self._callbacks.pop(job_id, None)
        if callbacks is not None:
            if callbacks[2] is not None:
                callbacks[2]("Cancelled.")
            return
        self.generate_button.setEnabled(True)
        self.cover_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        if kind == "cover" and partial is not None:
            for image, recipe in zip(partial.images, partial.recipes, strict=True):  # finished variations are kept
                self._keep(Result(recipe, None, image=image))
        self.status.setText("Cancelled.")

    # --- results ----------------------------------------------------------------------------

    def _selected(self) -> Result | None:
        row = self.result_list.currentRow()
        return self.results[row] if 0 <= row < len(self.results) else None

    def stop_playback(self) -> None:
        self.player.stop()
        self._playhead_timer.stop()

    def play_selected(self) -> None:
        from albumgen_desktop.core.errors import AlbumGenError

        result = self._selected()
        if result is None or result.is_cover or not self.player.available:
            return
        try:
            result.materialise()
        except AlbumGenError as exc:
            QMessageBox.warning(self, "AlbumGen", f"This result cannot be played:\n\n{exc}")
            return
        if result.audio is not None:
            self.player.play(result.audio, result.rate)
            self._playhead_timer.start()

    def _update_playhead(self) -> None:
        total = self.player.duration_s
        pos = self.player.position_s
        if not self.playhead.isSliderDown():
            self.playhead.setValue(int(1000 * pos / total) if total else 0)
        self.play_time.setText(f"{int(pos) // 60}:{int(pos) % 60:02d} / {int(total) // 60}:{int(total) % 60:02d}")
        if not self.player.playing:
            self._playhead_timer.stop()

    def _seek(self) -> None:
        self.player.seek(self.playhead.value() / 1000 * self.player.duration_s)

    def use_selected_recipe(self) -> None:
        result = self._selected()
        if result is not None:
            self.features_panel.set_features(result.recipe.features)
            self.seed.setValue(result.recipe.seed)

    def reveal_selected(self) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        result = self._selected()
        if result is not None and result.history_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(result.history_path.parent)))

    def delete_selected(self) -> None:
        """Remove the selected result from the list and its files from the history folder."""
        from albumgen_desktop.io.metadata import sidecar_path

        row = self.result_list.currentRow()
        if not 0 <= row < len(self.results):
            return
        result = self.results.pop(row)
        self.result_list.takeItem(row)
        if result.history_path is not None:
            for path in (result.history_path, sidecar_path(result.history_path)):
                path.unlink(missing_ok=True)

    def export_selected(self, path: Path | None = None) -> Path | None:
        """Export the selected result: WAV for music, PNG for a cover (atomic, with recipe)."""
        from albumgen_desktop.core.errors import AlbumGenError

        result = self._selected()
        if result is None:
            return None
        suffix = ".png" if result.is_cover else ".wav"
        if not path:
            kind = "PNG image (*.png)" if suffix == ".png" else "WAV audio (*.wav)"
            start = str(Path(self.settings.get("export_dir")) / f"albumgen{suffix}")
            name, _ = QFileDialog.getSaveFileName(self, "Export", start, kind)
            if not name:
                return None
            path = Path(name)
            self.settings.set("export_dir", str(path.parent))
        if path.suffix.lower() != suffix:
            path = path.with_suffix(suffix)
        try:
            write_result(result, path)
        except AlbumGenError as exc:
            QMessageBox.warning(self, "AlbumGen", f"Export failed:\n\n{exc}")
            return None
        self.status.setText(f"Exported {path.name}")
        return path

    def closeEvent(self, event) -> None:
        self._playhead_timer.stop()
        self._memory_timer.stop()
        self.player.stop()
        if self.models_dialog is not None:
            self.models_dialog.shutdown()
        if self.library_dialog is not None:
            self.library_dialog.close()
        self.worker.shutdown()
        super().closeEvent(event)
