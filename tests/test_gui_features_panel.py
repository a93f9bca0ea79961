"""The features panel: key names by key signature, a source tag for every value, no Space trap."""

from __future__ import annotations

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt

from albumgen_desktop.app.features_panel import FeaturesPanel
from albumgen_desktop.app.session import SessionState
from albumgen_desktop.core.features import Features


@pytest.fixture
def session(qtbot):
    return SessionState()


def test_key_names_follow_the_key_signature(session, qtbot) -> None:
    panel = FeaturesPanel(session)
    qtbot.addWidget(panel)
    session.set_features(Features(key=10, mode="major"))
    assert panel.key.currentText() == "Bb"
    assert [panel.key.itemText(i) for i in (2, 4, 9)] == ["Db", "Eb", "Ab"]
    session.set_features(Features(key=1, mode="minor"))
    assert panel.key.currentText() == "C#"
    assert [panel.key.itemText(i) for i in (2, 9)] == ["C#", "G#"]
    panel.key.setCurrentIndex(4)  # Eb
    assert session.features.key == 3 and session.source["key"] == "you"


def test_every_value_has_a_compact_source_tag_with_the_detail_in_its_tooltip(session, qtbot) -> None:
    panel = FeaturesPanel(session)
    qtbot.addWidget(panel)
    names = list(panel.tags)
    assert {"key", "mode", "time_signature", "genre", "energy", "tempo_bpm"} <= set(names)
    session.set_features(Features(), {"key": 0.35, "mode": 0.8}, {"key": "dsp+clap", "mode": "sketch+library"})
    key_tip, mode_tip = panel.tags["key"].toolTip(), panel.tags["mode"].toolTip()
    assert "signal analysis" in key_tip and "CLAP" in key_tip and "35%" in key_tip
    assert "reference library" in mode_tip and "80%" in mode_tip
    assert all(tag.width() <= 16 for tag in panel.tags.values())  # never squeezes the sliders


def test_space_in_a_number_field_keeps_the_value(session, qtbot) -> None:
    panel = FeaturesPanel(session)
    qtbot.addWidget(panel)
    panel.show()
    spin = panel.rows["energy"].spin
    spin.setValue(0.73)
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClick(spin, Qt.Key.Key_Space)
    spin.interpretText()
    assert spin.value() == 0.73 and session.features.energy == 0.73
