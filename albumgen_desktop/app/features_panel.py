"""A slider and a number for every feature, grouped as a musician thinks of them, each with a
compact source/confidence tag. Bound to the session state: it shows ``features_changed`` and
``provenance_changed``, and reports the artist's edits through ``session.edit_feature``."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from albumgen_desktop.app.fields import NumberBox, Slider, WholeBox
from albumgen_desktop.app.source_tag import SourceTag
from albumgen_desktop.core.features import DESCRIPTIONS, Features
from albumgen_desktop.core.genres import GENRES
from albumgen_desktop.core.keys import tonic_name

GROUPS = (
    ("Mood", ("valence", "energy", "danceability")),
    ("Sound", ("acousticness", "instrumentalness", "speechiness", "liveness", "loudness_db")),
    ("Music", ("tempo_bpm", "key", "mode", "time_signature")),
    ("Style", ("genre", "style")),
)
RANGES = {"loudness_db": (-60.0, 0.0, 0.5, " LUFS"), "tempo_bpm": (40.0, 220.0, 1.0, " BPM")}  # lo, hi, step, unit
SLIDER_STEPS = 1000
MIN_WIDTH = 270  # the panel scrolls rather than squeezing below this
SPIN_WIDTH = 92  # fits "-60.0 LUFS" and "220.0 BPM" with the arrows (Fusion, default font)
SHORT_NAMES = {  # the row labels; the full name and meaning are in each row's tooltip
    "acousticness": "Acoustic",
    "danceability": "Dance",
    "instrumentalness": "Instrumental",
    "speechiness": "Speech",
    "liveness": "Live",
    "loudness_db": "Loudness",
    "tempo_bpm": "Tempo",
    "time_signature": "Metre",
}


FULL_NAMES = {"loudness_db": "Loudness", "tempo_bpm": "Tempo", "time_signature": "Metre (time signature)"}


def row_label(name: str) -> str:
    return SHORT_NAMES.get(name, name.replace("_", " ").capitalize())


def feature_tip(name: str) -> str:
    """'Valence: Musical positiveness …' (the full name, then what it means)."""
    return f"{FULL_NAMES.get(name, name.replace('_', ' ').capitalize())}: {DESCRIPTIONS[name]}"


class NumberRow(QWidget):
    edited = Signal(float)

    def __init__(self, name: str, lo: float, hi: float, step: float, suffix: str = "") -> None:
        super().__init__()
        self.lo, self.hi = lo, hi
        self.slider = Slider()
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setMinimumWidth(60)
        self.spin = NumberBox(lo, hi, step, 2 if step < 0.1 else 1, suffix)
        self.spin.setFixedWidth(SPIN_WIDTH)  # one width for every row, so the slider tracks line up
        self.tag = SourceTag(row_label(name))
        for w in (self.slider, self.spin):
            w.setToolTip(feature_tip(name))
            w.setAccessibleName(name.replace("_", " "))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.slider, 3)
        layout.addWidget(self.spin, 1)
        layout.addWidget(self.tag)
        self.slider.valueChanged.connect(self._from_slider)
        self.spin.valueChanged.connect(self._from_spin)

    def _from_slider(self, pos: int) -> None:
        value = self.lo + (self.hi - self.lo) * pos / SLIDER_STEPS
        if abs(value - self.spin.value()) > 1e-9:
            self.spin.blockSignals(True)
            self.spin.setValue(value)
            self.spin.blockSignals(False)
            self.edited.emit(self.spin.value())

    def _from_spin(self, value: float) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(round((value - self.lo) / (self.hi - self.lo) * SLIDER_STEPS))
        self.slider.blockSignals(False)
        self.edited.emit(value)

    def value(self) -> float:
        return self.spin.value()

    def set_value(self, value: float) -> None:
        for w in (self.spin, self.slider):
            w.blockSignals(True)
        self.spin.setValue(value)
        self.slider.setValue(round((value - self.lo) / (self.hi - self.lo) * SLIDER_STEPS))
        for w in (self.spin, self.slider):
            w.blockSignals(False)


def _tagged(widget: QWidget, tag: SourceTag) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(widget, 1)
    layout.addWidget(tag)
    return box


class FeaturesPanel(QWidget):
    """Shows the session's features; every edit goes to ``session.edit_feature``."""

    def __init__(self, session) -> None:
        super().__init__()
        self.session = session
        self.rows: dict[str, NumberRow] = {}
        self.tags: dict[str, SourceTag] = {}
        # No explicit minimum width: one below what the rows need (270 px against 287) made the
        # column squeeze the rows and the sliders covered their labels. The layout's minimum holds.
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.key = QComboBox()
        self.key.addItem("no key")
        self.key.addItems([tonic_name(pc) for pc in range(12)])
        self.mode = QComboBox()
        self.mode.addItems(["major", "minor"])
        self.time_signature = WholeBox(3, 7, suffix=" / 4")
        self.genre = QComboBox()
        self.genre.setEditable(True)
        self.genre.addItems(["", *GENRES])
        self.genre.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.style_field = QLineEdit()
        self.style_field.setPlaceholderText("artist, era or scene")
        self.style_field.setMaxLength(80)
        extras: dict[str, QWidget] = {
            "key": self.key,
            "mode": self.mode,
            "time_signature": self.time_signature,
            "genre": self.genre,
            "style": self.style_field,
        }
        labels: list[QLabel] = []
        for title, names in GROUPS:
            box = QGroupBox(title)
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            for name in names:
                if name in extras:
                    widget = extras[name]
                    widget.setToolTip(feature_tip(name))
                    widget.setAccessibleName(name.replace("_", " "))
                    self.tags[name] = SourceTag(row_label(name))
                    field = _tagged(widget, self.tags[name])
                else:
                    lo, hi, step, suffix = RANGES.get(name, (0.0, 1.0, 0.01, ""))
                    row = self.rows[name] = NumberRow(name, lo, hi, step, suffix)
                    self.tags[name] = row.tag
                    row.edited.connect(lambda value, n=name: self.session.edit_feature(n, value))
                    field = row
                label = QLabel(row_label(name))
                labels.append(label)
                form.addRow(label, field)
            outer.addWidget(box)
        # One label column for all the groups: with a form each, "Instrumental" made the Sound
        # group's sliders shorter than the Mood group's.
        width = max(label.sizeHint().width() for label in labels)
        for label in labels:
            label.setMinimumWidth(width)
        self.key.currentIndexChanged.connect(self._key_edited)
        self.mode.currentTextChanged.connect(lambda text: self._edit("mode", text))
        self.time_signature.valueChanged.connect(lambda value: self._edit("time_signature", value))
        self.genre.currentTextChanged.connect(lambda text: self._edit("genre", text[:40]))
        self.style_field.textChanged.connect(lambda text: self._edit("style", text))
        session.features_changed.connect(self.show_features)
        session.provenance_changed.connect(self.show_provenance)
        self.show_features(session.features)
        self.show_provenance(session.confidence, session.source)

    def _edit(self, name: str, value: object) -> None:
        self.session.edit_feature(name, value)

    def _key_edited(self, index: int) -> None:
        self.session.edit_feature("key", None if index <= 0 else index - 1)

    def _widgets(self) -> list[QWidget]:
        return [*self.rows.values(), self.key, self.mode, self.time_signature, self.genre, self.style_field]

    def show_features(self, f: Features) -> None:
        widgets = self._widgets()
        for w in widgets:
            w.blockSignals(True)
        for name, row in self.rows.items():
            row.set_value(getattr(f, name))
        for pc in range(12):  # spelled by the key signature of the current mode: Bb major, C# minor
            self.key.setItemText(pc + 1, tonic_name(pc, f.mode))
        self.key.setCurrentIndex(0 if f.key is None else f.key + 1)
        self.mode.setCurrentText(f.mode)
        self.time_signature.setValue(f.time_signature)
        if self.genre.currentText() != f.genre:
            self.genre.setCurrentText(f.genre)
        if self.style_field.text() != f.style:
            self.style_field.setText(f.style)
        for w in widgets:
            w.blockSignals(False)

    def show_provenance(self, confidence: dict[str, float], source: dict[str, str]) -> None:
        for name, tag in self.tags.items():
            tag.set(source.get(name, ""), confidence.get(name))

    def sizeHint(self):
        hint = super().sizeHint()
        hint.setWidth(max(MIN_WIDTH, min(hint.width(), 340)))
        return hint
