"""The result view and its transport: a cover large, music as a waveform with a playhead,
click-to-seek, Space to play or pause when focused, A/B at the same moment, an unsaved result."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("PySide6")

from PySide6.QtCore import QPoint, Qt

from albumgen_desktop.app.history import Result
from albumgen_desktop.app.player import Player
from albumgen_desktop.app.result_view import ResultView
from albumgen_desktop.app.transport import Transport
from albumgen_desktop.core.features import Features
from albumgen_desktop.core.recipe import Recipe

RATE = 8000


class FakeStream:
    """Shaped on sounddevice.OutputStream: the callback pulls frames; here each start pulls 0.25 s."""

    def __init__(self, **kwargs) -> None:
        self.callback = kwargs["callback"]
        self.rate = kwargs["samplerate"]

    def start(self) -> None:
        frames = self.rate // 4
        self.callback(np.zeros((frames, 1), dtype=np.float32), frames, None, None)

    def stop(self) -> None:
        pass

    def close(self) -> None:
        pass


class FakeSd:
    OutputStream = FakeStream


@pytest.fixture
def player(monkeypatch) -> Player:
    monkeypatch.setattr(Player, "available", property(lambda self: True))
    p = Player()
    p._sd = FakeSd()
    return p


def _music(seconds: float = 4.0, seed: int = 0) -> Result:
    t = np.arange(int(seconds * RATE)) / RATE
    audio = (0.5 * np.sin(2 * np.pi * 220 * t) * (t / seconds)).astype(np.float32)
    recipe = Recipe(kind="music", features=Features(), prompt="p", engine="sketch", seed=seed, title="Song")
    return Result(recipe, None, audio=audio, rate=RATE)


def _cover() -> Result:
    recipe = Recipe(kind="cover", features=Features(), prompt="p", engine="sketch", title="Sleeve")
    return Result(recipe, None, image=Image.new("RGB", (512, 512), (200, 40, 40)))


@pytest.fixture
def view(qtbot, player):
    transport = Transport(player)
    v = ResultView(transport)
    qtbot.addWidget(v)
    v.resize(700, 500)
    v.show()
    yield v
    transport.shutdown()


def test_a_cover_fills_the_view(view: ResultView) -> None:
    view.show_result(_cover())
    assert view.stack.currentWidget() is view.image and view.image.has_image()
    grab = view.image.grab().toImage()
    middle = grab.pixelColor(grab.width() // 2, grab.height() // 2)
    assert (middle.red(), middle.green(), middle.blue()) == (200, 40, 40)
    assert "Sleeve" in view.caption.text() and view.export_button.isEnabled()


def test_music_shows_its_waveform_and_click_seeks(view: ResultView, qtbot) -> None:
    result = _music(4.0)
    view.show_result(result)
    assert view.stack.currentWidget() is view.music_page
    wave = view.waveform
    assert wave.duration_s == pytest.approx(4.0) and wave.overview.shape == (2, 800)
    assert wave.overview[0, -1] > wave.overview[0, 10]  # the fade-in is visible
    qtbot.mouseClick(wave, Qt.MouseButton.LeftButton, pos=QPoint(wave.width() // 2, wave.height() // 2))
    assert view.transport.player.position_s == pytest.approx(2.0, abs=0.05)
    assert wave.position_s == pytest.approx(2.0, abs=0.05)


def test_space_toggles_play_and_pause_only_where_the_result_is_focused(view: ResultView, qtbot) -> None:
    view.show_result(_music(4.0))
    transport = view.transport
    view.waveform.setFocus()
    qtbot.keyClick(view.waveform, Qt.Key.Key_Space)
    assert transport.playing and view.play_button.text() == "Pause"
    position = transport.player.position_s
    qtbot.keyClick(view.waveform, Qt.Key.Key_Space)
    assert not transport.playing and view.play_button.text() == "Play"
    assert transport.player.position_s == position  # paused, not back to 0:00
    view.stop_button.click()
    assert transport.player.position_s == 0.0


def test_a_b_keeps_the_moment_when_switching_takes(view: ResultView) -> None:
    a, b = _music(4.0, seed=1), _music(4.0, seed=2)
    view.show_result(a)
    view.transport.seek(1.5)
    view.transport.play()
    position = view.transport.player.position_s
    view.show_result(b)
    assert view.transport.owner is b and view.transport.playing
    assert view.transport.player.position_s >= position  # B goes on from where A was


def test_an_unsaved_result_says_so_and_can_still_be_exported(view: ResultView) -> None:
    result = _cover()
    result.save_error = "No space left on device"
    view.show_result(result)
    assert not view.unsaved.isHidden() and "No space left on device" in view.unsaved.text()
    assert view.export_button.isEnabled() and not view.reveal_button.isEnabled()
    exported: list[object] = []
    view.export.connect(exported.append)
    view.export_button.click()
    assert exported == [result]


def test_nothing_chosen_shows_how_to_start(view: ResultView) -> None:
    view.show_result(None)
    assert view.stack.currentWidget() is view.empty and "Drop" in view.empty.text()
    assert not view.export_button.isEnabled() and not view.delete_button.isEnabled()
