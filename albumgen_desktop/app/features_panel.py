"""A slider and a number for every feature, grouped as a musician thinks of them."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from albumgen_desktop.core.errors import AlbumGenError
from albumgen_desktop.core.features import DESCRIPTIONS, NOTE_NAMES, Features
from albumgen_desktop.core.genres import GENRES

GROUPS = (
    ("Mood", ("valence", "energy", "danceability")),
    ("Sound", ("acousticness", "instrumentalness", "speechiness", "liveness", "loudness_db")),
    ("Music", ("tempo_bpm", "key", "mode", "time_signature")),
    ("Style", ("genre", "style")),
)
RANGES = {"loudness_db": (-60.0, 0.0, 0.5, " dB"), "tempo_bpm": (40.0, 220.0, 1.0, " BPM")}
SLIDER_STEPS = 1000


class NumberRow(QWidget):
    changed = Signal()

    def __init__(self, name: str, lo: float, hi: float, step: float, suffix: str = "") -> None:
        super().__init__()
        self.lo, self.hi = lo, hi
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, SLIDER_STEPS)
        self.spin = QDoubleSpinBox()
        self.spin.setRange(lo, hi)
        self.spin.setSingleStep(step)
        self.spin.setDecimals(2 if hi <= 1 else 1)
        self.spin.setSuffix(suffix)
        self.confidence = QLabel("")
        self.confidence.setMinimumWidth(70)
        for w in (self.slider, self.spin):
            w.setToolTip(DESCRIPTIONS[name])
            w.setAccessibleName(name.replace("_", " "))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 3)
        layout.addWidget(self.spin, 1)
        layout.addWidget(self.confidence)
        self.slider.valueChanged.connect(self._from_slider)
        self.spin.valueChanged.connect(self._from_spin)

    def _from_slider(self, pos: int) -> None:
        value = self.lo + (self.hi - self.lo) * pos / SLIDER_STEPS
        if abs(value - self.spin.value()) > 1e-9:
            self.spin.blockSignals(True)
            self.spin.setValue(value)
            self.spin.blockSignals(False)
            self.changed.emit()

    def _from_spin(self, value: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(round((value - self.lo) / (self.hi - self.lo) * SLIDER_STEPS))
        self.slider.blockSignals(False)
        self.changed.emit()

    def value(self) -> float:
        return self.spin.value()

    def set_value(self, value: float) -> None:
        self.spin.blockSignals(True)
        self.slider.blockSignals(True)
        self.spin.setValue(value)
        self.slider.setValue(round((value - self.lo) / (self.hi - self.lo) * SLIDER_STEPS))
        self.spin.blockSignals(False)
        self.slider.blockSignals(False)


class FeaturesPanel(QWidget):
    """Emits ``changed`` with a valid Features whenever the artist moves anything."""

    changed = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, NumberRow] = {}
        outer = QVBoxLayout(self)
        self.key = QComboBox()
        self.key.addItems(["no key", *NOTE_NAMES])
        self.mode = QComboBox()
        self.mode.addItems(["major", "minor"])
        self.time_signature = QSpinBox()
        self.time_signature.setRange(3, 7)
        self.time_signature.setSuffix(" / 4")
        self.genre = QComboBox()
        self.genre.setEditable(True)
        self.genre.addItems(["", *GENRES])
        self.style = QLineEdit()
        self.style.setPlaceholderText("an artist, era or scene (optional)")
        extras = {
            "key": self.key,
            "mode": self.mode,
            "time_signature": self.time_signature,
            "genre": self.genre,
            "style": self.style,
        }
        for title, names in GROUPS:
            box = QGroupBox(title)
            form = QFormLayout(box)
            for name in names:
                if name in extras:
                    widget = extras[name]
                    widget.setToolTip(DESCRIPTIONS[name])
                    widget.setAccessibleName(name.replace("_", " "))
                else:
                    lo, hi, step, suffix = RANGES.get(name, (0.0, 1.0, 0.01, ""))
                    widget = self.rows[name] = NumberRow(name, lo, hi, step, suffix)
                    widget.changed.connect(self._emit)
                form.addRow(name.replace("_db", "").replace("_bpm", "").replace("_", " ").capitalize(), widget)
            outer.addWidget(box)
        outer.addStretch(1)
        self.key.currentIndexChanged.connect(self._emit)
        self.mode.currentIndexChanged.connect(self._emit)
        self.time_signature.valueChanged.connect(self._emit)
        self.genre.currentTextChanged.connect(self._emit)
        self.style.textChanged.connect(self._emit)
        self._features = Features()
        self.set_features(self._features)

    def features(self) -> Features:
        return self._features

    def _read(self) -> Features:
        values = {name: row.value() for name, row in self.rows.items()}
        key = self.key.currentIndex() - 1
        return replace(
            self._features,
            **values,
            key=None if key < 0 else key,
            mode=self.mode.currentText(),
            time_signature=self.time_signature.value(),
            genre=self.genre.currentText()[:40],
            style=self.style.text()[:80],
        )

    def _emit(self, *_: object) -> None:
        try:
            self._features = self._read()
        except AlbumGenError:  # a half-typed genre is not an error worth a dialog
            return
        self.changed.emit(self._features)

    def set_features(
        self, f: Features, confidence: dict[str, float] | None = None, source: dict[str, str] | None = None
    ) -> None:
        widgets = [*self.rows.values(), self.key, self.mode, self.time_signature, self.genre, self.style]
        for w in widgets:
            w.blockSignals(True)
        for name, row in self.rows.items():
            row.set_value(getattr(f, name))
            conf = (confidence or {}).get(name)
            row.confidence.setText("" if conf is None else f"{(source or {}).get(name, '')} {conf:.0%}")
        self.key.setCurrentIndex(0 if f.key is None else f.key + 1)
        self.mode.setCurrentText(f.mode)
        self.time_signature.setValue(f.time_signature)
        self.genre.setCurrentText(f.genre)
        self.style.setText(f.style)
        for w in widgets:
            w.blockSignals(False)
        self._features = f
        self.changed.emit(f)
