"""Generation options, bound to the session state: the shared seed and takes; the music
engine and length; the cover engine, size, reference picture and lettering; sampling settings.
Engines whose model is not downloaded (or damaged) say so in the combo boxes, and a "Download…"
button offers the model manager at that model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from albumgen_desktop.app.fields import NumberBox, WholeBox
from albumgen_desktop.app.model_state import EngineState, engine_text, resolved_engine
from albumgen_desktop.app.session import Options
from albumgen_desktop.app.wording import model_notice
from albumgen_desktop.core.engines import engine_choices

MUSIC_ENGINES = engine_choices("music")
COVER_ENGINES = engine_choices("cover")


def _row(*widgets: QWidget, stretch_first: bool = True) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for i, w in enumerate(widgets):
        layout.addWidget(w, 1 if (i == 0 and stretch_first) else 0)
    return box


class OptionsPanel(QWidget):
    download_requested = Signal(str)  # a model id: open the model manager at it

    def __init__(self, session, offline: bool = False) -> None:
        super().__init__()
        self.session = session
        self.offline = offline
        self.states: dict[str, EngineState] = {}
        o = session.options
        self.seed = WholeBox(0, 2**31 - 1)
        self.seed.setAccessibleName("seed")
        self.seed.setToolTip("The same seed and recipe make the same result")
        self.dice = QPushButton("Random")
        self.dice.setToolTip("A new random seed")
        self.variations = WholeBox(1, 8)
        self.variations.setAccessibleName("takes")
        self.variations.setToolTip("How many takes to make from one recipe (seed, seed+1, …)")
        self.engine = self._engine_combo(MUSIC_ENGINES, "music engine")
        self.duration = NumberBox(1.0, 120.0, 1.0, 1, " s")
        self.duration.setAccessibleName("duration")
        self.cover_engine = self._engine_combo(COVER_ENGINES, "cover engine")
        self.cover_size = WholeBox(512, 1024, 128, " px")
        self.cover_size.setAccessibleName("cover size")
        self.reference_button = QPushButton("Reference picture…")
        self.reference_button.setToolTip("Start the cover from this picture (img2img); click again to clear it")
        self.strength = NumberBox(0.05, 1.0, 0.05, 2)
        self.strength.setAccessibleName("reference strength")
        self.strength.setToolTip("How far the cover may move away from the reference picture (1 = ignore it)")
        self.typography = QCheckBox("Set the title on the cover")
        self.typography.setToolTip(
            "Letter the title (and the Style field, as the artist) onto the cover. Until you tick or untick it,"
            " it follows the engine: on for the Sketch painter, off for the diffusion model."
        )
        self.model_note = QLabel("")
        self.model_note.setWordWrap(True)
        self.download = QPushButton("Download…")
        self.download.setToolTip("Open the model manager at this model")
        self._note_model: str | None = None
        # A check box over a group that is shown only when ticked: a checkable QGroupBox left an
        # empty grey frame under its title when folded.
        self.advanced = QCheckBox("Sampling (advanced)")
        self.advanced.setToolTip("Unticked, every model uses its own defaults")
        self.sampling = QGroupBox()
        self.music_guidance = NumberBox(1.0, 10.0, 0.5, 1)
        self.music_guidance.setToolTip("How closely MusicGen follows the prompt (classifier-free guidance)")
        self.temperature = NumberBox(0.1, 2.0, 0.1, 2)
        self.temperature.setToolTip("MusicGen sampling temperature: lower is safer, higher is wilder")
        self.cover_steps = WholeBox(0, 100)
        self.cover_steps.setSpecialValueText("model default")
        self.cover_steps.setToolTip("Diffusion steps (one-step models ignore more)")
        self.cover_guidance = NumberBox(-0.5, 20.0, 0.5, 1)
        self.cover_guidance.setSpecialValueText("model default")
        self.cover_guidance.setToolTip("Diffusion guidance (CFG); above 1 the negative prompt takes effect")
        self._build()
        self.show_options(o)
        self._connect()
        session.options_changed.connect(self.show_options)
        self.set_engine_states({})

    def _engine_combo(self, engines: tuple[str, ...], name: str) -> QComboBox:
        combo = QComboBox()
        for engine in engines:
            combo.addItem(engine, engine)
        combo.setAccessibleName(name)
        combo.setToolTip("Auto: the neural model when it is downloaded, else the instant sketch engine")
        return combo

    def _build(self) -> None:
        shared = QFormLayout()
        shared.addRow("Seed", _row(self.seed, self.dice))
        shared.addRow("Takes", self.variations)
        music = QGroupBox("Music")
        form = QFormLayout(music)
        form.addRow("Engine", self.engine)
        form.addRow("Length", self.duration)
        cover = QGroupBox("Cover")
        form = QFormLayout(cover)
        form.addRow("Engine", self.cover_engine)
        form.addRow("Size", self.cover_size)
        form.addRow("Reference", self.reference_button)
        form.addRow("Strength", self.strength)
        form.addRow(self.typography)
        advanced = QFormLayout(self.sampling)
        advanced.addRow("Music guidance", self.music_guidance)
        advanced.addRow("Temperature", self.temperature)
        advanced.addRow("Cover steps", self.cover_steps)
        advanced.addRow("Cover guidance", self.cover_guidance)
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.addLayout(shared)
        column.addWidget(music)
        column.addWidget(cover)
        column.addWidget(_row(self.model_note, self.download))
        column.addWidget(self.advanced)
        column.addWidget(self.sampling)

    def _connect(self) -> None:
        s = self.session
        self.seed.valueChanged.connect(lambda v: s.set_option("seed", v))
        self.dice.clicked.connect(lambda: s.set_option("seed", int(np.random.default_rng().integers(0, 2**31 - 1))))
        self.variations.valueChanged.connect(lambda v: s.set_option("variations", v))
        self.engine.currentIndexChanged.connect(lambda _: self._engine_chosen("engine", self.engine))
        self.duration.valueChanged.connect(lambda v: s.set_option("duration_s", v))
        self.cover_engine.currentIndexChanged.connect(lambda _: self._engine_chosen("cover_engine", self.cover_engine))
        self.cover_size.valueChanged.connect(lambda v: s.set_option("cover_size", v))
        self.reference_button.clicked.connect(self._choose_reference)
        self.strength.valueChanged.connect(lambda v: s.set_option("strength", v))
        self.typography.toggled.connect(lambda v: s.set_option("typography", v))
        self.advanced.toggled.connect(lambda v: s.set_option("advanced", v))
        self.advanced.toggled.connect(self._fold_advanced)
        self.music_guidance.valueChanged.connect(lambda v: s.set_option("music_guidance", v))
        self.temperature.valueChanged.connect(lambda v: s.set_option("temperature", v))
        self.cover_steps.valueChanged.connect(lambda v: s.set_option("cover_steps", v))
        self.cover_guidance.valueChanged.connect(lambda v: s.set_option("cover_guidance", v))
        self.download.clicked.connect(lambda: self.download_requested.emit(self._note_model or ""))

    def _fold_advanced(self, open_: bool) -> None:
        """Unticked, the sampling settings fold away instead of sitting there greyed out."""
        self.sampling.setVisible(open_)

    def _engine_chosen(self, option: str, combo: QComboBox) -> None:
        self.session.set_option(option, combo.currentData())
        self._update_note()

    def show_options(self, o: Options) -> None:
        pairs = (
            (self.seed, o.seed), (self.variations, o.variations), (self.duration, o.duration_s),
            (self.cover_size, o.cover_size), (self.strength, o.strength), (self.music_guidance, o.music_guidance),
            (self.temperature, o.temperature), (self.cover_steps, o.cover_steps),
            (self.cover_guidance, o.cover_guidance),
        )  # fmt: skip
        for box, value in pairs:
            if box.value() != value:
                box.blockSignals(True)
                if isinstance(box, WholeBox):
                    box.setValue(int(value))
                else:
                    box.setValue(float(value))
                box.blockSignals(False)
        for combo, engine in ((self.engine, o.engine), (self.cover_engine, o.cover_engine)):
            index = combo.findData(engine)
            if index >= 0 and index != combo.currentIndex():
                combo.blockSignals(True)
                combo.setCurrentIndex(index)
                combo.blockSignals(False)
        self._show_typography()
        self.advanced.setChecked(o.advanced)
        self._fold_advanced(o.advanced)
        name = Path(o.reference).name if o.reference else ""
        self.reference_button.setText(f"✕ {name}" if name else "Reference picture…")
        self.reference_button.setToolTip(o.reference or "Start the cover from a picture (img2img)")
        self._update_note()

    def set_engine_states(self, states: dict[str, EngineState]) -> None:
        """Name each engine with its model's state: 'MusicGen (not downloaded)'."""
        self.states = states
        for combo, neural in ((self.engine, "musicgen"), (self.cover_engine, "diffusion")):
            for i in range(combo.count()):
                combo.setItemText(i, engine_text(combo.itemData(i), states, neural))
        self._update_note()
        self._show_typography()  # "auto" may now mean the other engine

    def _show_typography(self) -> None:
        """Ticked as the artist set it, else as the engine that will run letters by default
        (services/cover.py: sketch covers yes, neural ones no)."""
        o = self.session.options
        on = o.typography if o.typography is not None else (
            resolved_engine("cover", o.cover_engine, self.states) == "sketch")  # fmt: skip
        if self.typography.isChecked() != on:
            self.typography.blockSignals(True)
            self.typography.setChecked(on)
            self.typography.blockSignals(False)

    def _update_note(self) -> None:
        """A line and a Download… button when a chosen neural engine has no usable model."""
        notice = None
        for combo, neural in ((self.engine, "musicgen"), (self.cover_engine, "diffusion")):
            state = self.states.get(neural)
            if combo.currentData() == neural and state is not None and not state.ready:
                notice = model_notice(state.model_id, state.state, self.offline)
                break
        self._note_model = notice.model_id if notice else None
        self.model_note.setText(notice.text if notice else "")
        self.model_note.setVisible(notice is not None)
        self.download.setVisible(notice is not None)

    def _choose_reference(self) -> None:
        if self.session.options.reference:
            self.session.set_option("reference", "")
            return
        path, _ = QFileDialog.getOpenFileName(self, "Reference picture", "", "Images (*.png *.jpg *.jpeg *.webp)")
        if path:
            self.session.set_option("reference", path)
