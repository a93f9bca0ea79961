"""Nothing edited for the previous state survives a new one: opening an export, using a recipe or
analysing a new input leaves only the prompts that the new state carries; every other prompt goes
back to the one built from the new sliders (unlocked)."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from albumgen_desktop.app.session import SessionState
from albumgen_desktop.app.window import MainWindow
from albumgen_desktop.core.features import Features
from albumgen_desktop.core.prompts import cover_prompt, music_prompt
from albumgen_desktop.core.recipe import Recipe
from tests.guitools import cover_png, no_dialogs, use_sketch, wait_idle, window

__all__ = ["no_dialogs", "window"]  # fixtures


@pytest.mark.parametrize("kind", ["music", "cover"])
@pytest.mark.parametrize("locked", [False, True])
def test_a_recipe_leaves_no_prompt_it_does_not_carry(qtbot, kind: str, locked: bool) -> None:
    s = SessionState()
    s.set_music_prompt("an old edited music prompt")
    s.set_cover_prompt("an old edited cover prompt", "old avoid")
    f = Features(energy=0.12, valence=0.8, tempo_bpm=91.0, genre="jazz")
    s.apply_recipe(Recipe(kind=kind, features=f, prompt="the recipe's prompt", negative_prompt="its avoid",
                          engine="sketch", prompt_locked=locked, title="Blue Hour"))  # fmt: skip
    music = ("the recipe's prompt", True) if kind == "music" and locked else (music_prompt(f, "concise"), False)
    cover = ("the recipe's prompt", "its avoid", True) if kind == "cover" and locked else (
        *cover_prompt(f, "Blue Hour"), False)  # fmt: skip
    assert (s.music_prompt, s.music_prompt_locked) == music
    assert (s.cover_prompt, s.cover_negative, s.cover_prompt_locked) == cover


def test_a_new_input_unlocks_both_prompts(qtbot) -> None:
    s = SessionState()
    s.set_music_prompt("edited for the last cover")
    s.set_cover_prompt("edited for the last cover", "")
    f = Features(energy=0.9, valence=0.2)
    s.set_features(f, {"energy": 0.7}, {"energy": "signal analysis"})
    assert (s.music_prompt, s.music_prompt_locked) == (music_prompt(f, "concise"), False)
    assert (s.cover_prompt, s.cover_prompt_locked) == (cover_prompt(f, "")[0], False)


def test_opening_an_exported_wav_drops_the_edited_cover_prompt(window: MainWindow, qtbot, tmp_path: Path) -> None:
    use_sketch(window, 1.0)
    window.session.edit_feature("energy", 0.16)
    window.jobs.music()
    wait_idle(qtbot, window)
    exported = window.results.export(window.history.results()[0], tmp_path / "exp.wav")
    assert exported is not None
    window.session.edit_feature("energy", 0.9)
    window.cover_prompt.text.setPlainText("a red sports car at noon")  # the artist's edit: locked
    qtbot.waitUntil(lambda: window.session.cover_prompt_locked)
    window.open_path(tmp_path / "exp.wav")
    wait_idle(qtbot, window)
    s = window.session
    assert s.features.energy == pytest.approx(0.16)
    assert not s.cover_prompt_locked
    assert s.cover_prompt == cover_prompt(s.features, s.title)[0]
    assert window.cover_prompt.text.toPlainText() == s.cover_prompt
    assert "red sports car" not in window.cover_prompt.text.toPlainText()


def test_analysing_a_cover_drops_an_edited_music_prompt(window: MainWindow, qtbot, tmp_path: Path) -> None:
    window.music_prompt.text.setPlainText("slow cello for the last cover")
    qtbot.waitUntil(lambda: window.session.music_prompt_locked)
    window.open_path(cover_png(tmp_path / "blue.png", (30, 60, 200)))
    wait_idle(qtbot, window)
    s = window.session
    assert not s.music_prompt_locked and s.music_prompt == music_prompt(s.features, s.options.prompt_style)
    assert window.music_prompt.text.toPlainText() == s.music_prompt
