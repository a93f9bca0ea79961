"""The first-launch offer: when no model is downloaded, a bundle to download (sizes and licences
shown) or the sketch engines, which need no weights. Offline, it says so plainly and offers only
what can be done now (the sketch engines); the download waits for Models ▸ Model manager. It
counts as seen once the artist answered it with a button: quitting at it brings it back."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QRadioButton, QVBoxLayout

from albumgen_desktop.core.units import human_size


def any_neural_installed() -> bool:
    from albumgen_desktop.models.manifest import load_manifest

    return any(e.is_installed() for e in load_manifest())


class FirstLaunchDialog(QDialog):
    """Pick a bundle (sizes and licences shown) or start with the sketch engines, which need no
    weights. Offline there is nothing to pick: one button starts with the sketch engines.
    ``answered`` is True once a button was pressed (not when the dialog was closed otherwise)."""

    def __init__(self, window: Any, online: bool = True) -> None:
        super().__init__(window)
        from albumgen_desktop.models.manifest import load_bundles, load_manifest

        self.setWindowTitle("Welcome to AlbumGen")
        self.setMinimumWidth(560)
        self.setMaximumWidth(720)
        self.online = online
        self.answered = False
        entries = load_manifest()
        self.bundles = load_bundles()
        if online:
            message = (
                "AlbumGen works right away with its sketch engines (no downloads). For real music and cover "
                "models, download a bundle; you can also do it later from Models ▸ Model manager. Downloads "
                "continue in the background and resume if interrupted."
            )
        else:
            message = (
                "This computer is offline, so the models cannot be downloaded now.\n\n"
                "You can start right away: the sketch engines make music and covers without any download.\n\n"
                "When you are online, download a bundle from Models ▸ Model manager."
            )
        self.text = QLabel(message)
        self.text.setWordWrap(True)
        self.text.setAccessibleName("welcome")
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        self.choices: list[QRadioButton] = []
        for i, b in enumerate(self.bundles if online else []):  # offline nothing can be downloaded
            licences = ", ".join(sorted({e.license.name for e in b.entries(entries)}))
            radio = QRadioButton(f"{b.name}: {human_size(b.size_bytes(entries))}")
            radio.setChecked(i == 0)
            self.choices.append(radio)
            layout.addWidget(radio)
            about = QLabel(f"{b.summary} Licences: {licences}.")
            about.setWordWrap(True)
            about.setContentsMargins(24, 0, 0, 6)
            layout.addWidget(about)
        note = QLabel("MusicGen is CC-BY-NC-4.0: music made with it may not be used commercially.")
        note.setWordWrap(True)
        note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        note.setVisible(online)
        layout.addWidget(note)
        buttons = QHBoxLayout()
        self.later = QPushButton("Use the sketch engines now" if not online else "Use the sketch engines for now")
        self.later.clicked.connect(lambda: self._answer(False))
        self.download = QPushButton("Download")
        self.download.clicked.connect(lambda: self._answer(True))
        self.download.setVisible(online)
        self.download.setAutoDefault(online)
        self.download.setDefault(online)
        self.later.setAutoDefault(not online)
        self.later.setDefault(not online)
        buttons.addWidget(self.later)
        buttons.addWidget(self.download)
        layout.addLayout(buttons)
        (self.download if online else self.later).setFocus()

    def _answer(self, download: bool) -> None:
        self.answered = True
        self.accept() if download else self.reject()

    def chosen_bundle(self) -> str:
        offered = self.bundles[: len(self.choices)]  # offline no bundle is offered
        for radio, bundle in zip(self.choices, offered, strict=True):
            if radio.isChecked():
                return bundle.id
        return self.bundles[0].id


class _Reachability(QObject):
    """Carries the result of the connection probe from its thread to the GUI thread."""

    done = Signal(bool)


def offer_first_launch(window: Any) -> None:
    """The first-launch offer, until it is answered: a chosen bundle starts downloading in the model
    manager. Whether the hub can be reached is probed on a thread (up to 3 s) so the window never waits."""
    from albumgen_desktop.models.hub_settings import hub_offline, hub_reachable

    if window.settings.get("first_launch_done") or any_neural_installed():
        return
    if hub_offline():
        _show_first_launch(window, online=False)
        return
    carrier = _Reachability(window)

    def answered(online: bool) -> None:
        carrier.deleteLater()
        _show_first_launch(window, online)

    carrier.done.connect(answered)
    threading.Thread(target=lambda: carrier.done.emit(hub_reachable()), daemon=True, name="hub-probe").start()


def _show_first_launch(window: Any, online: bool) -> None:
    dialog = FirstLaunchDialog(window, online=online)
    accepted = dialog.exec()
    if dialog.answered:
        window.settings.set("first_launch_done", 1)
    if accepted and dialog.answered and online:
        window.show_models()
        manager = window.models_dialog
        manager.bundle.setCurrentIndex(manager.bundle.findData(dialog.chosen_bundle()))
        manager.start_bundle()
