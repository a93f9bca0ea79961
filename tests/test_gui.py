"""Whole flows through the real window, offscreen, as an artist would drive it."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QMimeData, QPoint, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from albumgen_desktop.app.window import MainWindow
from albumgen_desktop.io.metadata import read_recipe
from tests.guitools import close_and_check, cover_png, no_dialogs, settings_at, use_sketch, wait_idle, window

__all__ = ["no_dialogs", "window"]  # fixtures


def test_image_to_music_and_back(window: MainWindow, qtbot, tmp_path: Path) -> None:
    window.open_path(cover_png(tmp_path / "cover.png"))
    wait_idle(qtbot, window)
    f = window.session.features
    assert f.mode == "major" and f.valence > 0.5  # a bright warm cover
    prompt = window.music_prompt.text
    before = prompt.toPlainText()
    window.features_panel.rows["tempo_bpm"].spin.setValue(97)
    assert "97 bpm" in prompt.toPlainText().lower() and prompt.toPlainText() != before
    assert window.features_panel.tags["tempo_bpm"].source == "you"
    prompt.setPlainText("my own words about a sunny song")
    assert window.session.music_prompt_locked and window.music_prompt.reset.isEnabled()
    window.features_panel.rows["tempo_bpm"].spin.setValue(120)
    assert prompt.toPlainText() == "my own words about a sunny song"
    use_sketch(window, 3.0)
    window.jobs.music()
    wait_idle(qtbot, window)
    results = window.history.results()
    assert len(results) == 1 and results[0].history_path is not None and results[0].history_path.is_file()
    out = window.results.export(None, tmp_path / "song.wav")
    assert out is not None
    recipe = read_recipe(out)
    assert recipe is not None
    assert recipe.prompt == "my own words about a sunny song" and recipe.features.tempo_bpm == 120
    window.music_prompt.reset.click()
    window.features_panel.rows["tempo_bpm"].spin.setValue(70)
    window.session.set_option("duration_s", 9.0)
    window.open_path(out)  # drop the export back in
    wait_idle(qtbot, window)
    assert window.session.features == recipe.features
    assert prompt.toPlainText() == "my own words about a sunny song"
    assert window.options.duration.value() == 3.0  # the export's length, not the stale one
    assert "song.wav" in window.drop.name.text()


def test_a_failing_analysis_is_said_in_the_window_and_it_stays_usable(
    window: MainWindow, qtbot, tmp_path: Path
) -> None:
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    window.open_path(bad)
    wait_idle(qtbot, window)
    assert window.notice.isVisible() and "Analysis failed" in window.notice.text.text()
    use_sketch(window, 1.0)
    window.jobs.music()
    wait_idle(qtbot, window)
    assert window.history.count() == 1


def test_generate_both_then_cancel_the_cover_after_the_music_finished(window: MainWindow, qtbot) -> None:
    """Escape and Cancel stay enabled while any job is alive: the cover can be cancelled after the music."""
    use_sketch(window, 1.0)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    seen: dict[str, object] = {}

    def music_ended() -> None:
        cover_alive = [h for h in window.jobs.alive() if h.kind == "cover"]
        seen["cover_alive"] = bool(cover_alive)
        seen["cancel_enabled"] = window.cancel_button.isEnabled()
        qtbot.keyClick(window, Qt.Key.Key_Escape)  # as the artist would
        seen["cover_cancelled"] = bool(cover_alive) and cover_alive[0].token.cancelled

    music = window.jobs.music()
    assert music is not None
    music.ended.connect(music_ended)
    window.session.set_option("variations", 8)  # a long cover: eight takes at full size
    window.session.set_option("cover_size", 1024)
    window.jobs.cover()
    wait_idle(qtbot, window)
    assert seen == {"cover_alive": True, "cancel_enabled": True, "cover_cancelled": True}
    kinds = [r.recipe.kind for r in window.history.results()]
    assert kinds[-1] == "music" and kinds.count("cover") < 8  # newest first; the cover stopped before 8 takes
    assert not window.cancel_button.isEnabled() and window.music_button.isEnabled()
    assert "cancelled" in window.status.text()


def test_both_makes_a_matching_pair_with_the_shared_title(window: MainWindow, qtbot) -> None:
    use_sketch(window)
    window.session.set_option("seed", 42)
    window.title_field.setText("Night Drive")
    window.both_button.click()
    wait_idle(qtbot, window)
    music, cover = sorted(window.history.results(), key=lambda r: r.recipe.kind, reverse=True)
    assert music.recipe.features == cover.recipe.features and music.recipe.seed == cover.recipe.seed == 42
    assert music.recipe.title == cover.recipe.title == "Night Drive"
    assert "Night Drive" in cover.recipe.prompt


def test_delete_moves_to_the_trash_and_undo_brings_it_back(window: MainWindow, qtbot, tmp_path: Path) -> None:
    use_sketch(window)
    window.jobs.cover()
    wait_idle(qtbot, window)
    result = window.history.results()[0]
    saved = result.history_path
    assert saved is not None
    sidecar = saved.with_name(saved.name + ".json")
    assert saved.is_file() and sidecar.is_file()
    window.result_view.delete_button.click()
    assert window.history.count() == 0 and not saved.exists() and not sidecar.exists()
    trash = Path(os.environ["XDG_DATA_HOME"]) / "Trash"  # the freedesktop.org home trash
    assert (trash / "files" / saved.name).is_file() and (trash / "info" / f"{saved.name}.trashinfo").is_file()
    assert "trash" in window.notice.text.text() and window.notice.undo.isVisible()
    window.notice.undo.click()
    assert saved.is_file() and sidecar.is_file() and window.history.count() == 1
    assert not (trash / "files" / saved.name).exists() and not (trash / "info" / f"{saved.name}.trashinfo").exists()
    assert window.history.current_result() is result and window.result_view.result is result
    window.undo_stack.redo()  # Edit ▸ Redo deletes it again, Edit ▸ Undo restores it
    assert not saved.exists()
    window.undo_stack.undo()
    assert saved.is_file()


def test_drop_on_the_prompt_opens_the_file_and_leaves_the_prompt_alone(
    window: MainWindow, qtbot, tmp_path: Path
) -> None:
    cover = cover_png(tmp_path / "dropped.png", (30, 60, 200))
    before = window.music_prompt.text.toPlainText()
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(cover))])
    target = window.music_prompt.text.viewport()
    pos = QPoint(10, 10)
    enter = QDragEnterEvent(
        pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted() and window.drops.overlay.isVisible()  # the whole window lights up
    drop = QDropEvent(pos, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, drop)
    assert not window.drops.overlay.isVisible()
    wait_idle(qtbot, window)
    assert "file://" not in window.music_prompt.text.toPlainText()
    assert not window.session.music_prompt_locked
    assert "dropped.png" in window.drop.name.text() and window.session.features.mode in ("major", "minor")
    assert window.music_prompt.text.toPlainText() != before or window.session.source  # analysed


def test_tab_goes_through_the_window_without_a_trap(window: MainWindow, qtbot) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=5000)
    prompts = (window.music_prompt.text.toPlainText(), window.cover_prompt.text.toPlainText())
    window.title_field.setFocus()
    visited = []
    for _ in range(200):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        visited.append(QApplication.focusWidget())
        if visited[-1] is window.title_field:
            break
    assert visited[-1] is window.title_field, "Tab never came back round: something keeps the focus"
    assert window.music_prompt.text in visited and window.cover_prompt.text in visited
    assert window.features_panel.rows["energy"].spin in visited
    after_prompt = visited[visited.index(window.music_prompt.text) + 1]
    assert after_prompt is not window.music_prompt.text
    assert (window.music_prompt.text.toPlainText(), window.cover_prompt.text.toPlainText()) == prompts
    assert not window.session.music_prompt_locked and not window.session.cover_prompt_locked


def test_space_in_a_number_field_keeps_its_value_and_plays_nothing(window: MainWindow, qtbot) -> None:
    use_sketch(window)
    window.jobs.music()
    wait_idle(qtbot, window)
    toggles: list[bool] = []
    window.transport.state_changed.connect(toggles.append)
    for box in (window.features_panel.rows["tempo_bpm"].spin, window.options.duration, window.options.seed):
        box.setFocus()
        text, value = box.text(), box.value()
        box.selectAll()
        qtbot.keyClick(box, Qt.Key.Key_Space)
        assert (box.text(), box.value()) == (text, value)
    assert not toggles


def test_history_restore_skips_a_bad_entry_with_a_note_and_keeps_the_rest(qtbot, tmp_path: Path, no_dialogs) -> None:
    first = MainWindow(tmp_path / "history", settings_at(tmp_path))
    qtbot.addWidget(first)
    use_sketch(first)
    first.session.set_option("variations", 3)
    first.jobs.cover()
    wait_idle(qtbot, first)
    close_and_check(first)
    paths = sorted((tmp_path / "history").glob("*.png"))
    assert len(paths) == 3
    bomb = "[" * 5000 + "]" * 5000  # a poisoned recipe: nested far deeper than any parser allows
    paths[1].with_name(paths[1].name + ".json").write_text('{"format": "albumgen-recipe", "x": ' + bomb + "}")
    paths[1].write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)  # and no recipe inside the file either
    again = MainWindow(tmp_path / "history", settings_at(tmp_path))
    qtbot.addWidget(again)
    again.show()
    again.restore_history()
    wait_idle(qtbot, again)
    try:
        restored = again.history.results()
        assert [r.history_path for r in restored] == [paths[0], paths[2]]
        assert again.notice.isVisible() and paths[1].name in again.notice.text.text()
        assert "skipped" in again.notice.text.text()
        assert all(r.audio is None and r.image is None for r in restored)  # loaded only when used
        again.history.select(restored[1])
        out = again.results.export(None, tmp_path / "again.png")
        assert out is not None and getattr(read_recipe(out), "kind", None) == "cover"
    finally:
        close_and_check(again)


def test_a_failed_save_is_shown_and_the_result_stays_marked_unsaved(qtbot, tmp_path: Path, no_dialogs) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the history folder should be")
    win = MainWindow(blocker / "history", settings_at(tmp_path))
    qtbot.addWidget(win)
    win.show()
    try:
        use_sketch(win)
        win.jobs.music()
        wait_idle(qtbot, win)
        result = win.history.current_result()
        assert result is not None and not result.saved and result.save_error
        assert "unsaved" in win.history.currentItem().text()
        assert win.notice.isVisible() and "could not be saved" in win.notice.text.text()
        assert win.result_view.unsaved.isVisible() and win.result_view.export_button.isEnabled()
        assert not win.result_view.reveal_button.isEnabled()
        out = win.results.export(None, tmp_path / "kept.wav")
        assert out is not None and getattr(read_recipe(out), "kind", None) == "music"
    finally:
        close_and_check(win)


def test_a_neural_engine_not_downloaded_is_named_and_offers_the_download(window: MainWindow, qtbot) -> None:
    combo = window.options.engine
    assert combo.itemText(combo.findData("musicgen")) == "MusicGen (not downloaded)"
    window.session.set_option("engine", "musicgen")
    assert window.options.download.isVisible() and "not downloaded" in window.options.model_note.text()
    assert window.jobs.music() is None  # nothing runs; the window says why
    text = window.notice.text.text()
    assert "The music model (MusicGen small) is not downloaded" in text and "albumgen models" not in text
    assert window.notice.download.isVisible()
    window.notice.download.click()
    manager = window.models_dialog
    assert manager is not None and manager.isVisible()
    chosen = manager.table.selectionModel().selectedRows()
    assert [manager.entries[i.row()].id for i in chosen] == ["musicgen-small"]


def test_use_this_recipe_clears_stale_playback_and_restores_length_and_seed(window: MainWindow, qtbot) -> None:
    use_sketch(window, 4.0)
    window.session.set_option("seed", 7)
    window.jobs.music()
    wait_idle(qtbot, window)
    window.transport.seek(2.0)
    window.session.set_option("seed", 99)
    window.session.set_option("duration_s", 30.0)
    window.result_view.use_button.click()
    assert window.options.seed.value() == 7 and window.options.duration.value() == 4.0
    assert window.transport.player.position_s == 0.0 and "recipe" in window.status.text()


@pytest.mark.slow
def test_streamed_music_plays_while_it_generates_and_memory_can_be_freed(
    window: MainWindow, qtbot, monkeypatch
) -> None:
    """Tiny MusicGen from the model cache: the first chunk starts the (mocked) player, later ones append."""
    from albumgen_desktop.models.manifest import model_for_role
    from albumgen_desktop.models.tiny import install_tiny
    from albumgen_desktop.services import music

    install_tiny(model_for_role("music"))
    calls: list[tuple[str, int]] = []
    player = window.transport.player
    monkeypatch.setattr(type(player), "available", property(lambda self: True))
    monkeypatch.setattr(player, "play", lambda samples, rate, start_s=0.0: calls.append(("play", len(samples))))
    monkeypatch.setattr(player, "append", lambda samples: calls.append(("append", len(samples))))
    window.session.set_option("engine", "musicgen")
    window.session.set_option("duration_s", 3.0)
    window.jobs.music()
    wait_idle(qtbot, window)
    assert calls and calls[0][0] == "play" and all(kind == "append" for kind, _ in calls[1:])
    assert sum(n for _, n in calls) == 3 * 32000
    assert window.history.results()[-1].recipe.engine == "musicgen"
    assert music._musicgen_slot.loaded
    window.jobs.free_models()
    wait_idle(qtbot, window)
    assert not music._musicgen_slot.loaded


@pytest.mark.slow
def test_diffusion_cover_with_live_previews_and_takes(window: MainWindow, qtbot) -> None:
    """A tiny multi-step SD pipeline from the model cache: previews show large while it runs."""
    from albumgen_desktop.models.manifest import find_model
    from albumgen_desktop.models.tiny import install_tiny

    install_tiny(find_model("sd15"))
    install_tiny(find_model("taesd"))
    window.settings.set("cover_model", "sd15")
    window.session.set_option("cover_engine", "diffusion")
    window.session.set_option("variations", 2)
    window.session.set_option("typography", True)
    window.session.set_option("advanced", True)
    window.session.set_option("cover_steps", 4)
    window.title_field.setText("Night Drive")
    shown: list[bool] = []
    handle = window.jobs.cover()
    assert handle is not None and window.cancel_button.isEnabled()
    handle.preview.connect(lambda image, fraction: shown.append(window.result_view.image.has_image()))
    wait_idle(qtbot, window)
    assert len(shown) >= 2 and all(shown)  # each step's preview, large in the middle
    recipes = [r.recipe for r in window.history.results()]
    assert [r.engine for r in recipes] == ["diffusion", "diffusion"]
    assert [r.seed for r in recipes] == [0, 1] and recipes[0].model is not None and recipes[0].model.id == "sd15"
    assert recipes[0].params["typography"] is True and recipes[0].params["steps"] == 4
    labels = [window.history.item(i).text() for i in range(2)]
    assert "take 1/2" in labels[0] and "take 2/2" in labels[1]


def test_folder_drop_fills_the_library_and_analysis_shows_the_neighbours(
    window: MainWindow, qtbot, tmp_path: Path, monkeypatch
) -> None:
    from tests.test_library import make_tagged_folder

    make_tagged_folder(tmp_path / "music", 8)
    window.open_path(tmp_path / "music")  # as a dropped folder
    wait_idle(qtbot, window)
    dialog = window.library_dialog
    assert dialog is not None and dialog.albums.count() == 8
    assert "8 added" in window.status.text()
    window.open_path(cover_png(tmp_path / "cover.png", (30, 160, 90), 120))
    wait_idle(qtbot, window)
    notes, warnings = window.drop.notes.text(), window.drop.warnings.text()
    assert "Closest covers in your library:" in notes and "% alike" in notes
    assert "k=" not in notes and "similarity" not in notes and "no genre" not in notes
    lines = [line.lstrip("⚠ ") for line in (notes + "\n" + warnings).splitlines() if line.strip()]
    assert len(lines) == len(set(lines))  # each thing said once
    assert sum(dialog.albums.item(i).text().startswith("★") for i in range(dialog.albums.count())) >= 1
    assert "8 albums" in dialog.summary.text() and not dialog.remove_button.isEnabled()  # nothing selected
    assert not dialog.remove_button.hasFocus()
    qtbot.waitUntil(lambda: not dialog.runner.handles, timeout=20_000)  # the covers are read
    assert len({dialog.albums.item(i).icon().cacheKey() for i in range(8)}) == 8  # each its own, no placeholder
    dialog.albums.item(0).setSelected(True)
    assert dialog.remove_button.isEnabled()
    asked: list[str] = []
    answer = QMessageBox.StandardButton.No
    monkeypatch.setattr(QMessageBox, "question", lambda parent, title, text, *a: asked.append(text) or answer)
    dialog.remove_selected()
    assert dialog.albums.count() == 8 and "Remove 1 album from the reference library" in asked[0]
    answer = QMessageBox.StandardButton.Yes
    dialog.remove_selected()
    assert dialog.albums.count() == 7 and "Removed 1 album." in dialog.summary.text()


def test_the_window_fits_a_1280_by_720_screen(window: MainWindow) -> None:
    hint = window.minimumSizeHint().expandedTo(window.minimumSize())
    assert hint.width() <= 1280 - 16 and hint.height() <= 720 - 80, hint  # frame, title bar, task bar
    window.resize(1000, 600)
    for i in range(window.columns.count()):
        pane = window.columns.widget(i)
        assert pane is not None
        assert pane.width() >= pane.minimumSizeHint().width() - 1 or pane.width() >= pane.minimumWidth()


def test_window_shows_without_importing_torch(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import os, sys; os.environ['QT_QPA_PLATFORM']='offscreen'\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from albumgen_desktop.app.window import MainWindow\n"
        "from pathlib import Path\n"
        "app = QApplication([]); w = MainWindow(Path(sys.argv[1])); w.show(); app.processEvents()\n"
        "print('torch' in sys.modules); w.close()\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def test_waveform_of_dropped_audio(window: MainWindow, qtbot, tmp_path: Path) -> None:
    import soundfile as sf

    from tests.synth import synth_song

    path = tmp_path / "track.wav"
    sf.write(path, synth_song(100, 2, "minor", seconds=6), 22050)
    window.open_path(path)
    wait_idle(qtbot, window)
    assert window.drop.preview.pixmap() is not None and not window.drop.preview.pixmap().isNull()
    assert window.session.features.key == 2
    assert np.isclose(window.features_panel.rows["tempo_bpm"].value(), 100, atol=4)
    assert window.features_panel.tags["key"].source and window.features_panel.tags["mode"].source


def test_settings_persist_and_apply(window: MainWindow, tmp_path: Path) -> None:
    from albumgen_desktop.app.settings import SettingsDialog

    dialog = SettingsDialog(window.settings)
    dialog.precision.setCurrentText("int8")
    dialog.engine.setCurrentText("sketch")
    dialog.accept()
    window.settings.store.sync()
    again = settings_at(tmp_path)
    assert again.get("precision") == "int8" and again.get("engine") == "sketch"


def test_paste_an_image(window: MainWindow, qtbot) -> None:
    from PySide6.QtGui import QColor, QImage

    image = QImage(64, 64, QImage.Format.Format_RGB32)
    image.fill(QColor(250, 180, 30))
    QApplication.clipboard().setImage(image)
    window.paste()
    wait_idle(qtbot, window)
    assert window.session.features.valence > 0.5


def test_memory_pressure_unloads_warm_models(window: MainWindow, qtbot, monkeypatch) -> None:
    from albumgen_desktop.services import models_in_memory, music

    music._musicgen_slot.get((Path("x"), "y"), object)
    monkeypatch.setattr(models_in_memory, "available_memory_gb", lambda: 0.4)
    window.jobs.check_memory()
    wait_idle(qtbot, window)
    assert not music._musicgen_slot.loaded and "Memory is low" in window.status.text()


def test_model_manager_downloads_from_a_local_hub_and_removes(
    window: MainWindow, qtbot, tmp_path: Path, monkeypatch
) -> None:
    import huggingface_hub.constants

    from albumgen_desktop.models.manifest import find_model
    from albumgen_desktop.models.tiny_diffusion import build_tiny_taesd
    from tests.hubserver import Hub

    folder = build_tiny_taesd(tmp_path / "taesd")
    hub = Hub()
    for name in ("config.json", "diffusion_pytorch_model.safetensors"):
        hub.files[("madebyollin/taesd", name)] = (folder / name).read_bytes()
    monkeypatch.setenv("HF_ENDPOINT", hub.url)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    try:
        manager = window.show_models("taesd")
        cells = [manager.table.item(r, c) for r in range(manager.table.rowCount()) for c in (0, 3)]
        texts = [cell.text() if cell is not None else "" for cell in cells]
        ids, licences = texts[0::2], texts[1::2]
        assert "taesd" in ids and "MIT" in licences[ids.index("taesd")]
        manager.start_selected()
        qtbot.waitUntil(lambda: manager._job is None, timeout=30_000)
        assert find_model("taesd").is_installed()
        assert "installed" in manager.table.item(ids.index("taesd"), 4).text()
        manager.verify_selected()
        qtbot.waitUntil(lambda: manager._job is None, timeout=30_000)
        assert "taesd: OK" in manager.status.text()
        monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
        manager.remove_selected()
        wait_idle(qtbot, window)
        assert not find_model("taesd").is_installed()
    finally:
        hub.close()


def test_first_launch_offer_comes_back_until_answered(window: MainWindow, monkeypatch) -> None:
    from albumgen_desktop.app import first_launch

    shown: list[str] = []
    press = [False, True]  # closed without a button (e.g. quitting), then "Use the sketch engines"

    def fake_exec(dialog) -> int:
        shown.append(dialog.chosen_bundle())
        if press.pop(0):
            dialog.later.click()
        return 0

    monkeypatch.setattr(first_launch.FirstLaunchDialog, "exec", fake_exec)
    for _ in range(3):
        first_launch.offer_first_launch(window)
    assert shown == ["cpu-starter", "cpu-starter"]  # offered again after the unanswered close, then never
    assert window.settings.get("first_launch_done")
    assert window.models_dialog is None
