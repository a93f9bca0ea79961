"""Old words go: a job's outcome leaves the status bar once the artist looks at another result, an
opened export says its recipe was restored (not analysed), and a tooltip says where a value came
from without stacking colons."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from albumgen_desktop.app.window import MainWindow
from albumgen_desktop.app.wording import Notice
from albumgen_desktop.core.features import Features
from tests.guitools import no_dialogs, use_sketch, wait_idle, window

__all__ = ["no_dialogs", "window"]  # fixtures


def test_a_jobs_outcome_goes_when_another_result_is_chosen(window: MainWindow, qtbot) -> None:
    use_sketch(window, 1.0)
    window.jobs.cover()
    wait_idle(qtbot, window)
    cover = window.history.results()[0]
    window.jobs.music()
    wait_idle(qtbot, window)
    assert window.result_view.result is window.history.results()[0] is not cover  # the new take is shown
    assert window.status.text().startswith("Music: done") and window.progress.outcome.isVisible()
    window.warn(Notice("Music failed: something.", topic="music"))
    window.history.select(cover)  # the artist moves on
    assert window.result_view.result is cover
    assert "Music: done" not in window.status.text()
    assert not window.progress.outcome.isVisible() and not window.notice.isVisible()
    window.say("Exported x.png.")  # news said after the outcome is not taken away by the next choice
    window.history.select(window.history.results()[0])
    assert window.status.text() == "Exported x.png."


def test_an_opened_export_says_its_recipe_was_restored(window: MainWindow, qtbot, tmp_path: Path) -> None:
    use_sketch(window)
    window.jobs.cover()
    wait_idle(qtbot, window)
    assert window.results.export(window.history.results()[0], tmp_path / "exp-cover.png") is not None
    window.open_path(tmp_path / "exp-cover.png")
    wait_idle(qtbot, window)
    assert window.status.text() == "exp-cover.png: recipe restored."


@pytest.mark.parametrize("source", ["dsp", "clip+library", "recipe", "you", ""])
def test_source_tooltips_say_where_a_value_came_from_in_plain_lines(window: MainWindow, source: str) -> None:
    window.session.set_features(Features(), {"valence": 0.54}, {"valence": source})
    tip = window.features_panel.tags["valence"].toolTip()
    lines = tip.split("\n")
    assert lines[0] == "Valence"
    assert all(line.count(":") <= 1 for line in lines), tip
    if source == "dsp":
        assert lines[1:] == ["From signal analysis of the audio", "Confidence: 54%"]
