"""Whole flows through the real window, offscreen, as an artist would drive it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("PySide6")

from PySide6.QtCore import QThread
from PySide6.QtWidgets import QMessageBox

from albumgen_desktop.app.window import MainWindow
from albumgen_desktop.io.metadata import read_recipe


@pytest.fixture(autouse=True)
def _dialogs_never_block(monkeypatch):
    """A message box nobody expected would wait forever offscreen: record it and fail instead."""
    seen: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: seen.append(text))
    monkeypatch.setattr(QMessageBox, "question", lambda parent, title, text, *a: seen.append(text))
    yield
    assert not seen, f"unexpected dialog: {seen}"


@pytest.fixture
def window(qtbot, tmp_path: Path):
    from PySide6.QtCore import QSettings

    from albumgen_desktop.app.settings import Settings

    store = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(tmp_path / "history", Settings(store))
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
    thread: QThread = win.worker.thread
    assert thread.isFinished(), "the worker thread was left running"
    if win.models_dialog is not None:
        assert win.models_dialog.downloads.thread.isFinished(), "the download thread was left running"
    from PySide6.QtCore import QTimer

    running = [t.objectName() or repr(t) for t in win.findChildren(QTimer) if t.isActive()]
    assert not running, f"timers left running: {running}"


def _wait_idle(qtbot, win: MainWindow, timeout: int = 60_000) -> None:
    qtbot.waitUntil(lambda: not win.jobs, timeout=timeout)


def test_image_to_music_and_back(window: MainWindow, qtbot, tmp_path: Path, monkeypatch) -> None:
    cover = tmp_path / "cover.png"
    Image.new("RGB", (200, 200), (250, 200, 40)).save(cover)
    window.open_path(cover)
    _wait_idle(qtbot, window)
    f = window.features_panel.features()
    assert f.mode == "major" and f.valence > 0.5  # a bright warm cover
    before = window.prompt.toPlainText()
    window.features_panel.rows["tempo_bpm"].spin.setValue(97)
    assert "97 bpm" in window.prompt.toPlainText().lower() and window.prompt.toPlainText() != before
    window.prompt.setPlainText("my own words about a sunny song")
    assert window.prompt_locked and window.reset_prompt.isEnabled()
    window.features_panel.rows["tempo_bpm"].spin.setValue(120)
    assert window.prompt.toPlainText() == "my own words about a sunny song"
    window.engine.setCurrentText("sketch")
    window.duration.setValue(3.0)
    window.generate()
    _wait_idle(qtbot, window)
    assert window.result_list.count() == 1
    assert window.results[0].history_path is not None and window.results[0].history_path.is_file()
    out = window.export_selected(tmp_path / "song.wav")
    recipe = read_recipe(out)
    assert recipe.prompt == "my own words about a sunny song" and recipe.features.tempo_bpm == 120
    window._unlock_prompt()
    window.features_panel.rows["tempo_bpm"].spin.setValue(70)
    window.open_path(out)  # drop the export back in
    _wait_idle(qtbot, window)
    assert window.features_panel.features() == recipe.features
    assert window.prompt.toPlainText() == "my own words about a sunny song"


def test_failing_job_shows_a_message_and_the_app_stays_usable(
    window: MainWindow, qtbot, tmp_path: Path, monkeypatch
) -> None:
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: shown.append(text))
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    window.open_path(bad)
    _wait_idle(qtbot, window)
    assert shown and "failed" in shown[0]
    window.engine.setCurrentText("sketch")
    window.duration.setValue(1.0)
    window.generate()
    _wait_idle(qtbot, window)
    assert window.result_list.count() == 1


def test_cancel_mid_generation(window: MainWindow, qtbot) -> None:
    window.engine.setCurrentText("sketch")
    window.duration.setValue(120.0)
    window.generate()
    window.worker.cancel_all()
    _wait_idle(qtbot, window)
    assert window.status.text() == "Cancelled." and window.result_list.count() == 0
    assert window.generate_button.isEnabled() and not window.cancel_button.isEnabled()


def test_playback_disabled_reason_is_shown_without_a_device(window: MainWindow) -> None:
    if window.player.available:
        assert window.play_button.isEnabled()
    else:
        assert "Playback is off" in window.player_note.text() and not window.play_button.isEnabled()


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
    _wait_idle(qtbot, window)
    assert window.drop.pixmap() is not None and not window.drop.pixmap().isNull()
    assert window.features_panel.features().key == 2
    assert np.isclose(window.features_panel.rows["tempo_bpm"].value(), 100, atol=4)


def test_audio_to_cover_and_back(window: MainWindow, qtbot, tmp_path: Path) -> None:
    import soundfile as sf

    from tests.synth import synth_song

    track = tmp_path / "track.wav"
    sf.write(track, synth_song(132, 7, "major", seconds=6), 22050)
    window.open_path(track)
    _wait_idle(qtbot, window)
    window.title_edit.setText("Night Drive")
    window.generate_cover()
    _wait_idle(qtbot, window)
    assert window.results[-1].image is not None and window.results[-1].history_path.is_file()
    out = window.export_selected(tmp_path / "cover.png")
    recipe = read_recipe(out)
    assert recipe.kind == "cover" and recipe.title == "Night Drive"
    window.features_panel.rows["energy"].spin.setValue(0.01)
    window.open_path(out)
    _wait_idle(qtbot, window)
    assert window.features_panel.features() == recipe.features


def test_radar_follows_the_sliders(window: MainWindow) -> None:
    window.features_panel.rows["energy"].spin.setValue(0.9)
    assert window.radar.values[2] == pytest.approx(0.9)
    image = window.radar.grab().toImage()
    assert image.width() > 0 and not image.isNull()


def test_settings_persist_and_apply(window: MainWindow, tmp_path: Path) -> None:
    from PySide6.QtCore import QSettings

    from albumgen_desktop.app.settings import Settings, SettingsDialog

    dialog = SettingsDialog(window.settings)
    dialog.precision.setCurrentText("int8")
    dialog.engine.setCurrentText("sketch")
    dialog.accept()
    window.settings.store.sync()
    again = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    assert again.get("precision") == "int8" and again.get("engine") == "sketch"


def test_paste_an_image_and_delete_a_result(window: MainWindow, qtbot, tmp_path: Path) -> None:
    from PySide6.QtGui import QColor, QImage
    from PySide6.QtWidgets import QApplication

    image = QImage(64, 64, QImage.Format.Format_RGB32)
    image.fill(QColor(250, 180, 30))
    QApplication.clipboard().setImage(image)
    window.paste()
    _wait_idle(qtbot, window)
    assert window.features_panel.features().valence > 0.5
    window.title_edit.setText("Pasted")
    window.generate_cover()
    _wait_idle(qtbot, window)
    saved = window.results[-1].history_path
    assert saved.is_file()
    window.delete_selected()
    assert window.result_list.count() == 0 and not saved.exists() and not saved.with_name(saved.name + ".json").exists()


def test_streamed_music_plays_while_it_generates_and_memory_can_be_freed(
    window: MainWindow, qtbot, monkeypatch
) -> None:
    """Tiny MusicGen from the model cache: the first chunk starts the (mocked) player, later ones append."""
    from albumgen_desktop.models.manifest import model_for_role
    from albumgen_desktop.models.tiny import install_tiny
    from albumgen_desktop.services import music

    install_tiny(model_for_role("music"))
    calls: list[tuple[str, int]] = []
    monkeypatch.setattr(type(window.player), "available", property(lambda self: True))
    monkeypatch.setattr(window.player, "play", lambda samples, rate: calls.append(("play", len(samples))))
    monkeypatch.setattr(window.player, "append", lambda samples: calls.append(("append", len(samples))))
    window.engine.setCurrentText("musicgen")
    window.duration.setValue(3.0)
    window.generate()
    _wait_idle(qtbot, window)
    assert calls and calls[0][0] == "play" and all(kind == "append" for kind, _ in calls[1:])
    assert sum(n for _, n in calls) == 3 * 32000
    assert window.results[-1].recipe.engine == "musicgen"
    assert music._engine_cache
    window.free_models()
    _wait_idle(qtbot, window)
    assert not music._engine_cache


def test_diffusion_cover_with_live_previews_variations_and_typography(window: MainWindow, qtbot) -> None:
    """A tiny multi-step SD pipeline from the model cache: previews arrive while it runs."""
    from albumgen_desktop.models.manifest import find_model
    from albumgen_desktop.models.tiny import install_tiny

    install_tiny(find_model("sd15"))
    install_tiny(find_model("taesd"))
    window.settings.set("cover_model", "sd15")
    previews: list[object] = []
    window.worker.worker.preview.connect(lambda job, image, fraction: previews.append(image))
    window.cover_engine.setCurrentText("diffusion")
    window.variations.setValue(2)
    window.typography.setChecked(True)
    window.advanced.setChecked(True)
    window.cover_steps.setValue(4)
    window.title_edit.setText("Night Drive")
    window.generate_cover()
    assert window.cancel_button.isEnabled()
    _wait_idle(qtbot, window)
    assert len(previews) >= 2 and not window.cover_preview.pixmap().isNull()
    recipes = [r.recipe for r in window.results]
    assert [r.engine for r in recipes] == ["diffusion", "diffusion"]
    assert [r.seed for r in recipes] == [0, 1] and recipes[0].model.id == "sd15"
    assert recipes[0].params["typography"] is True and recipes[0].params["steps"] == 4
    assert all(r.history_path.is_file() for r in window.results)


def test_folder_drop_fills_the_library_and_analysis_shows_the_neighbours(
    window: MainWindow, qtbot, tmp_path: Path
) -> None:
    from tests.test_library import make_tagged_folder

    make_tagged_folder(tmp_path / "music", 8)
    window.open_path(tmp_path / "music")  # as a dropped folder
    _wait_idle(qtbot, window)
    dialog = window.library_dialog
    assert dialog is not None and dialog.albums.count() == 8
    assert "8 added" in window.status.text()
    cover = tmp_path / "cover.png"
    Image.new("RGB", (120, 120), (30, 160, 90)).save(cover)
    window.open_path(cover)
    _wait_idle(qtbot, window)
    assert "Nearest albums in your library (k=5)" in window.evidence.text()
    assert sum(dialog.albums.item(i).text().startswith("★") for i in range(dialog.albums.count())) == 5
    dialog.albums.item(0).setSelected(True)
    dialog.remove_selected()
    assert dialog.albums.count() == 7


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
        window.show_models()
        manager = window.models_dialog
        ids = [manager.table.item(r, 0).text() for r in range(manager.table.rowCount())]
        assert "taesd" in ids and "MIT" in manager.table.item(ids.index("taesd"), 3).text()
        assert "GB" in manager.bundle.currentText()
        manager.table.selectRow(ids.index("taesd"))
        manager.start_selected()
        qtbot.waitUntil(lambda: manager._job is None, timeout=30_000)
        assert find_model("taesd").is_installed()
        assert "installed" in manager.table.item(ids.index("taesd"), 4).text()
        manager.verify_selected()
        qtbot.waitUntil(lambda: manager._job is None, timeout=30_000)
        assert "taesd: OK" in manager.status.text()
        monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
        manager.remove_selected()
        _wait_idle(qtbot, window)
        assert not find_model("taesd").is_installed()
    finally:
        hub.close()


def test_first_launch_offer_is_made_once(window: MainWindow, monkeypatch) -> None:
    from albumgen_desktop.app import models_dialog

    shown: list[str] = []

    def fake_exec(dialog) -> int:
        shown.append(dialog.chosen_bundle())
        return 0  # "Use the sketch engines for now"

    monkeypatch.setattr(models_dialog.FirstLaunchDialog, "exec", fake_exec)
    models_dialog.offer_first_launch(window)
    models_dialog.offer_first_launch(window)
    assert shown == ["cpu-starter"]
    assert window.models_dialog is None


def test_playhead_follows_and_seeks(window: MainWindow, qtbot, monkeypatch) -> None:
    from albumgen_desktop.app.player import Player

    monkeypatch.setattr(Player, "available", property(lambda self: True))

    class FakeStream:
        def __init__(self, **kwargs) -> None:
            self.callback = kwargs["callback"]

        def start(self) -> None:
            out = np.zeros((8000, 1), dtype=np.float32)
            self.callback(out, 8000, None, None)  # a quarter of a second "played"

        def stop(self) -> None:
            pass

        def close(self) -> None:
            pass

    class FakeSd:
        OutputStream = FakeStream

    window.player._sd = FakeSd()
    window.engine.setCurrentText("sketch")
    window.duration.setValue(4.0)
    window.play_button.setEnabled(True)
    window.generate()
    _wait_idle(qtbot, window)
    window.play_selected()
    qtbot.waitUntil(lambda: window.playhead.value() > 0, timeout=5000)
    assert window.play_time.text().startswith("0:00 / 0:04")
    window.playhead.setValue(500)
    window._seek()
    assert abs(window.player.position_s - 2.0) < 0.01
    window.stop_playback()
    assert not window._playhead_timer.isActive()


def test_both_makes_a_matching_pair_and_advanced_settings_reach_the_recipe(window: MainWindow, qtbot) -> None:
    window.engine.setCurrentText("sketch")
    window.cover_engine.setCurrentText("sketch")
    window.duration.setValue(2.0)
    window.seed.setValue(42)
    window.advanced.setChecked(True)
    window.temperature.setValue(0.7)
    window.generate_both()
    _wait_idle(qtbot, window)
    kinds = sorted(r.recipe.kind for r in window.results)
    assert kinds == ["cover", "music"]
    music, cover = sorted(window.results, key=lambda r: r.recipe.kind, reverse=True)
    assert music.recipe.features == cover.recipe.features and music.recipe.seed == cover.recipe.seed == 42


def test_memory_pressure_unloads_warm_models(window: MainWindow, qtbot, monkeypatch) -> None:
    from albumgen_desktop.services import models_in_memory, music

    music._engine_cache[("x", "y")] = object()
    monkeypatch.setattr(models_in_memory, "available_memory_gb", lambda: 0.4)
    window._check_memory()
    _wait_idle(qtbot, window)
    assert not music._engine_cache and "Memory is low" in window.status.text()


def test_results_come_back_after_a_restart_with_thumbnails(window: MainWindow, qtbot, tmp_path: Path) -> None:
    window.engine.setCurrentText("sketch")
    window.cover_engine.setCurrentText("sketch")
    window.cover_size.setValue(512)
    window.duration.setValue(2.0)
    window.generate_both()
    _wait_idle(qtbot, window)
    assert window.result_list.count() == 2
    assert not window.result_list.item(0).icon().isNull()
    again = MainWindow(tmp_path / "history", window.settings)
    qtbot.addWidget(again)
    again.restore_history()
    try:
        assert sorted(r.recipe.kind for r in again.results) == ["cover", "music"]
        assert all(r.audio is None and r.image is None for r in again.results)  # loaded only when used
        again.result_list.setCurrentRow([r.recipe.kind for r in again.results].index("cover"))
        out = again.export_selected(tmp_path / "again.png")
        assert read_recipe(out).kind == "cover"
        assert again.results[again.result_list.currentRow()].image.size == (512, 512)
    finally:
        again.close()


def test_device_and_model_folder_settings_reach_the_model_code(window: MainWindow, tmp_path: Path, monkeypatch) -> None:
    import os

    from albumgen_desktop.app.main import apply_settings_to_environment
    from albumgen_desktop.models.manifest import hub_cache_dir

    monkeypatch.setenv("ALBUMGEN_DEVICE", "auto")  # restored after the test
    monkeypatch.setenv("HF_HOME", os.environ["HF_HOME"])
    window.settings.set("device", "cpu")
    window.settings.set("model_dir", str(tmp_path / "models"))
    apply_settings_to_environment(window.settings)
    assert os.environ["ALBUMGEN_DEVICE"] == "cpu"
    assert hub_cache_dir() == tmp_path / "models" / "hub"
