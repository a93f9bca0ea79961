"""The generation options: engines named with their model's state, Download…, binding."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from albumgen_desktop.app.model_state import EngineState
from albumgen_desktop.app.options_panel import OptionsPanel
from albumgen_desktop.app.session import SessionState


@pytest.fixture
def session(qtbot):
    return SessionState()


def test_engines_without_their_model_say_so_and_offer_the_download(session, qtbot) -> None:
    panel = OptionsPanel(session)
    qtbot.addWidget(panel)
    panel.show()
    states = {
        "musicgen": EngineState("musicgen", "musicgen-small", "not downloaded"),
        "diffusion": EngineState("diffusion", "sdxs-512", "damaged"),
    }
    panel.set_engine_states(states)
    texts = [panel.engine.itemText(i) for i in range(panel.engine.count())]
    assert texts == ["Auto (Sketch for now)", "Sketch (instant, no download)", "MusicGen (not downloaded)"]
    assert panel.cover_engine.itemText(2) == "Diffusion (damaged)"
    assert panel.download.isHidden()
    panel.cover_engine.setCurrentIndex(2)
    assert session.options.cover_engine == "diffusion" and not panel.download.isHidden()
    assert "The cover model (SDXS 512) is damaged" in panel.model_note.text()  # its manifest label, not the id
    with qtbot.waitSignal(panel.download_requested) as signal:
        panel.download.click()
    assert signal.args == ["sdxs-512"]
    panel.set_engine_states({**states, "diffusion": EngineState("diffusion", "sdxs-512", "installed")})
    assert panel.download.isHidden() and panel.cover_engine.itemText(2) == "Diffusion (neural cover model)"


def test_options_follow_the_session_both_ways(session, qtbot) -> None:
    panel = OptionsPanel(session)
    qtbot.addWidget(panel)
    panel.duration.setValue(33.0)
    panel.variations.setValue(4)
    assert session.options.duration_s == 33.0 and session.options.variations == 4
    session.set_option("seed", 1234)
    assert panel.seed.value() == 1234
    panel.dice.click()
    assert session.options.seed == panel.seed.value()
    assert not panel.music_guidance.isVisibleTo(panel)  # sampling settings fold away until asked for
    assert panel.sampling.isHidden()  # and leave no empty frame behind
    panel.advanced.setChecked(True)
    assert session.options.advanced and panel.music_guidance.isVisibleTo(panel)
