"""The main window's menus: File, Edit (undo/redo), Generate, View, Library, Models."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence

if TYPE_CHECKING:
    from albumgen_desktop.app.window import MainWindow


def build_menus(window: MainWindow) -> None:
    def add(menu, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, window)
        if shortcut is not None:
            action.setShortcut(shortcut)
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    bar = window.menuBar()
    file = bar.addMenu("&File")
    add(file, "&Open…", window.inputs.open_dialog, QKeySequence.StandardKey.Open)
    add(file, "&Paste image or file", window.inputs.paste, QKeySequence.StandardKey.Paste)
    add(file, "&Export current result…", lambda: window.results.export(), QKeySequence("Ctrl+E"))
    file.addSeparator()
    add(file, "&Settings…", window.open_settings, QKeySequence.StandardKey.Preferences)
    add(file, "&Unload models (free memory)", window.jobs.free_models,
        tip="Let go of the music and cover models in memory; the next generation loads them again")  # fmt: skip
    add(file, "&Quit", window.close, QKeySequence.StandardKey.Quit)
    edit = bar.addMenu("&Edit")
    undo = window.undo_stack.createUndoAction(window, "&Undo")
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    redo = window.undo_stack.createRedoAction(window, "&Redo")
    redo.setShortcut(QKeySequence.StandardKey.Redo)
    edit.addActions([undo, redo])
    generate = bar.addMenu("&Generate")
    add(generate, "&Music", window.jobs.music, QKeySequence("Ctrl+Return"))
    add(generate, "&Cover", window.jobs.cover, QKeySequence("Ctrl+Shift+Return"))
    add(generate, "&Both", window.jobs.both, QKeySequence("Ctrl+Alt+Return"))
    add(generate, "C&ancel", window.jobs.cancel_all, QKeySequence("Escape"))
    view = bar.addMenu("&View")
    window.compare_action = add(view, "Compare with the previous result (A/B)", window.results.compare,
                                QKeySequence("B"))  # fmt: skip
    library = bar.addMenu("&Library")
    add(library, "&Reference library…", window.show_library, QKeySequence("Ctrl+L"))
    models = bar.addMenu("&Models")
    add(models, "&Model manager…", lambda: window.show_models(), QKeySequence("Ctrl+M"))
