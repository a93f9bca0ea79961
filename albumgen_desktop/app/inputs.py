"""What the artist opens: a cover, a track or an export (analysed on the analysis thread), a
folder (imported into the reference library), or the clipboard.

The input panel always describes what the sliders describe: while a file is analysed the last
input stays on screen with "Analysing …" under it, and when the analysis fails the panel goes
back to that input and the status says that the sliders were left as they were."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog

from albumgen_desktop.app.drop_area import display_name, local_paths
from albumgen_desktop.app.imports import import_gently, modules_for
from albumgen_desktop.app.wording import Notice, failure_notice, sentence

if TYPE_CHECKING:
    from albumgen_desktop.app.window import MainWindow

# What File ▸ Open offers first; the audio list is the library importer's (library/importer.py
# AUDIO_SUFFIXES), written out so that the window does not import the importer at start.
_IMAGES = "*.png *.jpg *.jpeg *.webp *.bmp *.tif *.tiff *.gif"
_AUDIO = "*.wav *.flac *.mp3 *.ogg *.oga *.opus *.m4a *.mp4 *.aac *.aif *.aiff"
OPEN_FILTER = f"Covers, tracks and exports ({_IMAGES} {_AUDIO});;Images ({_IMAGES});;Audio ({_AUDIO});;All files (*)"


class Inputs(QObject):
    def __init__(self, main: MainWindow) -> None:
        super().__init__(main)
        self.main = main
        self.shown: tuple[Path, Any, Any] | None = None  # (path, analysis, waveform) the panel shows

    def open_dialog(self) -> None:
        """File ▸ Open, in the folder of the last file opened (the home folder at first)."""
        start = self.main.settings.get("open_dir") or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self.main, "Open a cover, a track or an export", start, OPEN_FILTER)
        if path:
            self.main.settings.set("open_dir", str(Path(path).parent))
            self.open_path(Path(path))

    def open_path(self, path: Path) -> None:
        """A cover, a track or an export is analysed (its own thread); a folder goes to the library."""
        from albumgen_desktop.app.analysis_notes import input_overview
        from albumgen_desktop.services.analyse import analyse_input

        main = self.main
        main.notice.dismiss_topic("analyse")  # an earlier failure is not news any more
        if path.is_dir():
            main.show_library().import_path(path)
            return
        name = display_name(path)
        main.drop.name.setText(f"Analysing {name}…")
        main.say(f"Analysing {name}…")
        neural = main.neural_analysis

        def job(report, token):
            if neural:
                import_gently(modules_for(["analysis"]))
            analysis = analyse_input(path)
            audio = analysis.kind == "audio" or (analysis.kind == "recipe" and analysis.recipe.kind == "music")
            return path, analysis, input_overview(path) if audio else None

        handle = main.analysis_runner.submit(job, "analyse")
        handle.finished.connect(lambda found: self.show_analysis(*found))
        handle.failed.connect(lambda failure: self._failed(path, failure))

    def _failed(self, path: Path, failure) -> None:
        """The panel goes back to the input the sliders still describe; the notice says why."""
        main = self.main
        if self.shown is not None:
            before = self.shown[0]
            main.drop.name.setText(display_name(before))
            main.say(f"{display_name(path)} could not be analysed; the sliders still describe {display_name(before)}.")
        else:
            main.drop.name.setText("")
            main.say(f"{display_name(path)} could not be analysed; the sliders were left as they were.")
        main.warn(failure_notice("analyse", failure.error, failure.message))

    def show_analysis(self, path: Path, analysis, waveform=None) -> None:
        from albumgen_desktop.app.analysis_notes import evidence_lines
        from albumgen_desktop.core.evidence import Neighbours

        main = self.main
        self.shown = (path, analysis, waveform)
        if waveform is not None:
            main.drop.show_waveform(waveform)
        else:
            main.drop.show_image(path)
        main.drop.name.setText(display_name(path))
        if analysis.recipe is not None:
            main.transport.stop()
            main.session.apply_recipe(analysis.recipe)
        else:
            main.session.set_features(analysis.features, analysis.confidence, analysis.source, analysis)
        warnings = list(dict.fromkeys(sentence(w) for w in analysis.warnings))
        notes = [line for line in evidence_lines(analysis.evidence) if line not in warnings]  # each thing once
        main.drop.set_notes(warnings, notes)
        neighbours = [a.id for e in analysis.evidence if isinstance(e, Neighbours) for a in e.albums]
        if neighbours and main.library_dialog is not None:
            main.library_dialog.highlight(neighbours)
        what = {"image": "cover analysed", "audio": "track analysed", "recipe": "recipe restored"}.get(
            analysis.kind, f"{analysis.kind} analysed"
        )  # an export's recipe is read back as it was made, not analysed
        main.say(f"{display_name(path)}: {what}." + (" See the notes under it." if warnings else ""))
        if warnings:  # the notes must be in view when the status points at them
            QTimer.singleShot(0, lambda: main.left.ensureWidgetVisible(main.drop.warnings))

    def paste(self) -> None:
        """Clipboard: a copied file is opened; a copied picture is saved to the history folder and analysed."""
        main = self.main
        data = QApplication.clipboard().mimeData()
        paths = local_paths(data)
        if paths:
            self.open_path(paths[0])
            return
        if data is not None and data.hasImage():
            image = QApplication.clipboard().image()
            if not image.isNull():
                try:
                    main.history_dir.mkdir(parents=True, exist_ok=True)
                except OSError as exc:
                    main.warn(Notice(f"The pasted picture cannot be kept: {exc.strerror or exc}."))
                    return
                path = main.history_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-pasted.png"
                if image.save(str(path)):  # the format follows the .png name
                    self.open_path(path)
                    return
        main.say("The clipboard holds no picture or file.")
