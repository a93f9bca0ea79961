"""Settings that last across restarts (QSettings): precision, threads, default engine, export folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from albumgen_desktop.core.engines import engine_choices
from albumgen_desktop.models.device import PRECISIONS

DEFAULTS = {
    "precision": "auto", "threads": 0, "engine": "auto", "export_dir": str(Path.home()), "first_launch_done": 0,
    "cover_model": "auto",
    "device": "auto",
    "model_dir": "",
    "open_dir": "",
}  # fmt: skip


class Settings:
    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store or QSettings("AlbumGen", "AlbumGen Desktop")

    def get(self, key: str) -> Any:
        """The stored value of ``key`` (a DEFAULTS key) as the type of its default (int or str)."""
        value = self.store.value(key, DEFAULTS[key])
        if isinstance(DEFAULTS[key], int):
            try:
                return int(str(value))
            except ValueError:  # a hand-edited settings file
                return DEFAULTS[key]
        return str(value)

    def set(self, key: str, value: object) -> None:
        self.store.setValue(key, value)


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.settings = settings
        self.precision = QComboBox()
        self.precision.addItems(PRECISIONS)
        self.precision.setCurrentText(settings.get("precision"))
        self.precision.setToolTip(
            "auto: fp16 on CUDA, bf16 on CPUs with native bf16, else fp32. int8 is the fast CPU mode."
        )
        self.threads = QSpinBox()
        self.threads.setRange(0, 256)
        self.threads.setSpecialValueText("all cores")
        self.threads.setValue(settings.get("threads"))
        self.threads.setToolTip("Threads for model inference; takes effect at the next start.")
        self.engine = QComboBox()
        self.engine.addItems(list(engine_choices("music")))
        self.engine.setCurrentText(settings.get("engine"))
        from albumgen_desktop.models.manifest import load_manifest

        self.cover_model = QComboBox()
        self.cover_model.addItems(["auto"] + [e.id for e in load_manifest() if e.role in ("cover", "cover-quality")])
        self.cover_model.setCurrentText(settings.get("cover_model"))
        self.cover_model.setToolTip("auto: the quality model on a CUDA GPU when it is downloaded, else the CPU model")
        self.device = QComboBox()
        self.device.addItems(["auto", "cpu", "cuda"])
        self.device.setCurrentText(settings.get("device"))
        self.device.setToolTip("auto: the CUDA GPU when there is one. Takes effect at the next start.")
        self.model_dir = QLineEdit(settings.get("model_dir"))
        self.model_dir.setPlaceholderText("the standard Hugging Face cache")
        # wide enough for its placeholder and a usual path (a cut-off hint read "the Hugging Face…")
        self.model_dir.setMinimumWidth(self.model_dir.fontMetrics().horizontalAdvance("x" * 44))
        self.model_dir.setToolTip("Where model weights live; empty means the standard Hugging Face cache. "
                                  "Takes effect at the next start.")  # fmt: skip
        model_browse = QPushButton("Choose…")
        model_browse.clicked.connect(self._browse_models)  # a method, not a lambda: no reference cycle
        model_row = QHBoxLayout()
        model_row.addWidget(self.model_dir, 1)
        model_row.addWidget(model_browse)
        self.export_dir = QLineEdit(settings.get("export_dir"))
        self.export_dir.setMinimumWidth(self.model_dir.minimumWidth())
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.export_dir, 1)
        row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow("Device", self.device)
        form.addRow("Precision", self.precision)
        form.addRow("Threads", self.threads)
        form.addRow("Default music engine", self.engine)
        form.addRow("Cover model", self.cover_model)
        form.addRow("Model folder", model_row)
        form.addRow("Export folder", row)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse_models(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Model folder", self.model_dir.text())
        if folder:
            self.model_dir.setText(folder)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export folder", self.export_dir.text())
        if folder:
            self.export_dir.setText(folder)

    def accept(self) -> None:
        self.settings.set("precision", self.precision.currentText())
        self.settings.set("threads", self.threads.value())
        self.settings.set("engine", self.engine.currentText())
        self.settings.set("cover_model", self.cover_model.currentText())
        self.settings.set("device", self.device.currentText())
        self.settings.set("model_dir", self.model_dir.text().strip())
        self.settings.set("export_dir", self.export_dir.text())
        super().accept()
