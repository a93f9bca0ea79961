"""The history strip: distinct labels for takes, thumbnails, selection, keys, removal and undo."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("PySide6")

from PySide6.QtCore import Qt

from albumgen_desktop.app.history import Result, overview
from albumgen_desktop.app.history_strip import HistoryStrip
from albumgen_desktop.core.features import Features
from albumgen_desktop.core.recipe import Recipe


def _covers(n: int) -> list[Result]:
    out = []
    for i in range(n):
        recipe = Recipe(kind="cover", features=Features(genre="jazz"), prompt="p", engine="sketch", seed=i,
                        title="Night Ferry")  # fmt: skip
        out.append(Result(recipe, None, image=Image.new("RGB", (64, 64), (40 * i, 90, 160)), take=(i + 1, n)))
    return out


@pytest.fixture
def strip(qtbot):
    s = HistoryStrip()
    qtbot.addWidget(s)
    s.resize(700, 200)
    s.show()
    return s


def test_takes_of_one_job_have_distinct_labels(strip: HistoryStrip) -> None:
    for r in _covers(4):
        strip.add_result(r)
    labels = [strip.item(i).text() for i in range(4)]
    assert len(set(labels)) == 4
    assert labels[1].splitlines() == ["Night Ferry", "cover · sketch", labels[1].splitlines()[2]]
    assert "seed 1" in labels[1] and "take 2/4" in labels[1]
    assert not strip.item(0).icon().isNull()


def test_clicking_a_take_makes_it_current(strip: HistoryStrip, qtbot) -> None:
    takes = _covers(4)
    for r in takes:
        strip.add_result(r, select=False)
    chosen: list[object] = []
    strip.current_changed.connect(chosen.append)
    rect = strip.visualItemRect(strip.item(1))
    qtbot.mouseClick(strip.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert chosen[-1] is takes[1] and strip.current_result() is takes[1]


def test_space_and_delete_on_the_strip(strip: HistoryStrip, qtbot) -> None:
    takes = _covers(2)
    for r in takes:
        strip.add_result(r)
    toggles: list[bool] = []
    deletes: list[object] = []
    strip.toggle_requested.connect(lambda: toggles.append(True))
    strip.delete_requested.connect(deletes.append)
    strip.setFocus()
    qtbot.keyClick(strip, Qt.Key.Key_Space)
    qtbot.keyClick(strip, Qt.Key.Key_Delete)
    assert toggles == [True] and deletes == [takes[1]]


def test_a_removed_result_comes_back_in_place_with_its_thumbnail(strip: HistoryStrip) -> None:
    takes = _covers(3)
    for r in takes:
        strip.add_result(r)
    icon = strip.item(1).icon().cacheKey()
    row = strip.remove_result(takes[1])
    assert row == 1 and strip.results() == [takes[0], takes[2]]
    strip.add_result(takes[1], row=row)
    assert strip.results() == takes and strip.item(1).icon().cacheKey() == icon


def test_restored_thumbnails_and_unsaved_marks(strip: HistoryStrip) -> None:
    recipe = Recipe(kind="music", features=Features(), prompt="p", engine="sketch")
    music = Result(recipe, None)
    strip.add_result(music)
    strip.set_thumbnail(music, "waveform", overview(np.sin(np.linspace(0, 200, 8000)).astype(np.float32)))
    assert not strip.item(0).icon().isNull()
    music.save_error = "Read-only file system"
    strip.refresh(music)
    assert "unsaved" in strip.item(0).text() and "Read-only file system" in strip.item(0).toolTip()
