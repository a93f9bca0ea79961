"""The model manager and the first-launch offer in the real window, offscreen, against the local hub."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QMessageBox

from albumgen_desktop.app import first_launch
from albumgen_desktop.app.first_launch import FirstLaunchDialog
from albumgen_desktop.app.models_dialog import ModelsDialog
from albumgen_desktop.models.manifest import find_model
from tests.hubserver import COMMIT, Hub
from tests.test_download import weights

RAW = ("Traceback", "Errno", "urlopen", "ConnectError", "httpx", "Exception", "Error:")


@pytest.fixture
def window(qtbot, tmp_path: Path, monkeypatch):
    from albumgen_desktop.app.settings import Settings
    from albumgen_desktop.app.window import MainWindow

    monkeypatch.setattr(QMessageBox, "warning", lambda *a, **k: pytest.fail(f"unexpected message box: {a[2]}"))
    win = MainWindow(tmp_path / "history", Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)))
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
    if win.models_dialog is not None:
        assert win.models_dialog.downloads.worker_thread.isFinished(), "the download thread was left running"


def manager(window) -> ModelsDialog:
    window.show_models()
    assert isinstance(window.models_dialog, ModelsDialog)
    return window.models_dialog


def row_of(dialog: ModelsDialog, model_id: str) -> int:
    return [e.id for e in dialog.entries].index(model_id)


def cell(dialog: ModelsDialog, model_id: str):
    item = dialog.table.item(row_of(dialog, model_id), 4)
    assert item is not None
    return item


def state_cell(dialog: ModelsDialog, model_id: str) -> str:
    return cell(dialog, model_id).text()


def serve(hub: Hub, model_id: str) -> None:
    entry = find_model(model_id)
    hub.commits[entry.repo] = entry.revision if len(entry.revision) == 40 else COMMIT
    for name in entry.files:
        hub.files[(entry.repo, name)] = weights(40_000) if name.endswith(".safetensors") else b'{"x": 1}'


def put_in_cache(model_id: str, skip: str = "", truncate: str = "") -> None:
    """A snapshot written as huggingface_hub lays it out, for states without a download."""
    entry = find_model(model_id)
    snapshot = entry.cache_dir() / "snapshots" / COMMIT
    for name in entry.files:
        if name == skip:
            continue
        path = snapshot / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = weights(40_000) if name.endswith(".safetensors") else b"{}"
        path.write_bytes(data[:-100] if name == truncate else data)
    (entry.cache_dir() / "refs").mkdir(parents=True, exist_ok=True)
    (entry.cache_dir() / "refs" / "main").write_text(COMMIT)


def test_each_model_shows_its_state_and_focus_model_selects_it(window, qtbot) -> None:
    put_in_cache("taesd")
    put_in_cache("clip-b32", truncate="model.safetensors")
    put_in_cache("clap-music", skip="tokenizer.json")
    dialog = manager(window)
    assert state_cell(dialog, "taesd").startswith("installed, ") and "on disk" in state_cell(dialog, "taesd")
    assert state_cell(dialog, "clip-b32") == "damaged: download again"
    assert "model.safetensors has" in cell(dialog, "clip-b32").toolTip()
    assert state_cell(dialog, "sdxs-512") == "not downloaded"
    dialog.focus_model("clip-b32")
    assert dialog.table.currentRow() == row_of(dialog, "clip-b32")
    assert [i.row() for i in dialog.table.selectedItems()] == [row_of(dialog, "clip-b32")] * 5
    assert dialog.detail.text().startswith("clip-b32:")
    dialog.focus_model("laion/larger_clap_music_and_speech")  # a repo works too
    assert dialog.table.currentRow() == row_of(dialog, "clap-music")
    dialog.focus_model("no-such-model")
    assert "no model called no-such-model" in dialog.status.text()


def test_download_verify_open_and_remove_each_say_what_happened(window, qtbot, hub, monkeypatch) -> None:
    from PySide6.QtGui import QDesktopServices, QGuiApplication

    serve(hub, "taesd")
    dialog = manager(window)
    dialog.focus_model("taesd")
    dialog.start_selected()
    qtbot.waitUntil(lambda: dialog._job is None, timeout=30_000)
    assert dialog.status.text() == "Downloaded and checked: taesd. Ready to use."
    assert state_cell(dialog, "taesd").startswith("installed")
    dialog.verify_selected()
    assert dialog.status.text() == ""  # the last outcome is cleared as the next action starts
    qtbot.waitUntil(lambda: dialog._job is None, timeout=30_000)
    assert dialog.status.text() == "taesd: OK, 2 files match their hashes."
    opened: list[str] = []

    def open_url(url) -> bool:
        opened.append(url.toLocalFile())
        return True

    monkeypatch.setattr(QDesktopServices, "openUrl", open_url)
    dialog.open_folder()
    assert opened == [str(find_model("taesd").cache_dir())] and dialog.status.text().startswith("Opened ")
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: False)
    dialog.open_folder()
    assert "No file manager could be opened" in dialog.status.text()
    assert QGuiApplication.clipboard().text() == str(find_model("taesd").cache_dir())
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    dialog.remove_selected()
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Removed taesd; "), timeout=30_000)
    assert dialog.status.text().startswith("Removed taesd; ") and state_cell(dialog, "taesd") == "not downloaded"


def test_a_failure_is_human_and_does_not_outlive_a_later_success(window, qtbot, hub) -> None:
    serve(hub, "taesd")
    del hub.files[("madebyollin/taesd", "config.json")]
    dialog = manager(window)
    dialog.focus_model("taesd")
    dialog.start_selected()
    qtbot.waitUntil(lambda: dialog._job is None, timeout=30_000)
    text = dialog.status.text()
    assert text.startswith("The download stopped: config.json was not found in madebyollin/taesd")
    assert dialog.progress.value() == 0 and not any(raw in text for raw in RAW)
    serve(hub, "taesd")
    dialog.start_selected()
    qtbot.waitUntil(lambda: dialog._job is None, timeout=30_000)
    assert dialog.status.text() == "Downloaded and checked: taesd. Ready to use."


def test_an_unreachable_hub_is_reported_as_offline_in_plain_words(window, qtbot, hub, monkeypatch) -> None:
    from albumgen_desktop.models import download

    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    closed = f"http://127.0.0.1:{probe.getsockname()[1]}"
    probe.close()  # nothing listens there: connections are refused, as with no network
    monkeypatch.setenv("HF_ENDPOINT", closed)
    monkeypatch.setattr(download, "RETRY_BACKOFF_S", 0.0)
    dialog = manager(window)
    dialog.focus_model("taesd")
    dialog.start_selected()
    qtbot.waitUntil(lambda: dialog._job is None, timeout=30_000)
    text = dialog.status.text()
    assert "cannot reach the model hub" in text and "the computer seems to be offline" in text
    assert not any(raw in text for raw in RAW)


def test_offline_mode_says_so_before_trying(window) -> None:
    dialog = manager(window)  # the test session runs with HF_HUB_OFFLINE=1
    dialog.focus_model("taesd")
    dialog.start_selected()
    assert dialog._job is None
    assert dialog.status.text().startswith("This computer is set to work offline")


def test_first_launch_offline_says_it_plainly_and_defaults_to_the_sketch_engines(window, monkeypatch) -> None:
    shown: list[FirstLaunchDialog] = []

    answers = iter([None, "later"])  # quit at the dialog (no button), then answer it

    def exec_(dialog: FirstLaunchDialog) -> int:
        shown.append(dialog)
        if next(answers) == "later":
            dialog.later.click()  # "Use the sketch engines now"
        return dialog.result()

    monkeypatch.setattr(FirstLaunchDialog, "exec", exec_)
    first_launch.offer_first_launch(window)  # HF_HUB_OFFLINE=1: no probe, answer at once
    first_launch.offer_first_launch(window)  # not answered the first time: offered again
    first_launch.offer_first_launch(window)  # answered: not again
    assert len(shown) == 2
    dialog = shown[0]
    text = dialog.text.text()
    assert "This computer is offline" in text and "sketch engines" in text and "Models ▸ Model manager" in text
    assert dialog.later.isDefault() and not dialog.download.isDefault()
    assert dialog.later.text() == "Use the sketch engines now"
    # offline nothing can be chosen or downloaded: no bundle choices, no Download button
    assert not dialog.choices and dialog.download.isHidden()
    online = FirstLaunchDialog(window, online=True)
    assert online.download.isDefault() and not online.later.isDefault() and "offline" not in online.text.text()
    assert len(online.choices) >= 2 and not online.download.isHidden()


def test_first_launch_probes_the_hub_off_the_gui_thread(window, qtbot, hub, monkeypatch) -> None:
    shown: list[bool] = []

    def exec_(dialog: FirstLaunchDialog) -> int:
        shown.append(dialog.online)
        return 0

    monkeypatch.setattr(FirstLaunchDialog, "exec", exec_)
    first_launch.offer_first_launch(window)
    qtbot.waitUntil(lambda: bool(shown), timeout=10_000)
    assert shown == [True]  # the local hub answers


def test_the_manager_speaks_to_artists_and_holds_still(window, qtbot) -> None:
    from albumgen_desktop.app.models_dialog import ROLE_NAMES, about

    dialog = manager(window)
    qtbot.waitUntil(dialog.isVisible)
    uses = [dialog.table.item(r, 1).text() for r in range(dialog.table.rowCount())]
    assert set(uses) <= set(ROLE_NAMES.values()) and "preview-decoder" not in uses and "vlm" not in uses
    buttons_y = dialog.verify_button.mapTo(dialog, dialog.verify_button.rect().topLeft()).y()
    dialog.focus_model("musicgen-small")
    qtbot.wait(20)
    entry = find_model("musicgen-small")
    assert about(entry) in dialog.detail.text() and entry.why not in dialog.detail.text()
    assert "safetensors" not in dialog.detail.text() and "safetensors" not in dialog.table.item(0, 0).toolTip()
    assert dialog.verify_button.mapTo(dialog, dialog.verify_button.rect().topLeft()).y() == buttons_y
    table = dialog.table  # every model in view: no rows hidden behind a scroll bar
    assert table.verticalScrollBar().maximum() == 0 or not table.verticalScrollBar().isVisible()


def test_verify_of_a_model_that_is_not_there_says_so_and_outcomes_do_not_outlive_the_dialog(window, qtbot) -> None:
    dialog = manager(window)
    dialog.focus_model("musicgen-small")
    dialog.verify_selected()
    assert dialog._job is None and dialog.progress.value() == 0
    assert dialog.status.text() == "musicgen-small is not downloaded, so there is nothing to check."
    assert "1b6e20" not in dialog.status.styleSheet()  # not a green "all is well"
    dialog.start_selected()  # offline: an error
    assert dialog.status.text()
    dialog.close()
    window.show_models()
    assert dialog.status.text() == ""  # reopened later, the old error is gone
