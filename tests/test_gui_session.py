"""The session state: provenance of edits, prompt locks, the shared title, persisted options, recipes."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("PySide6")

from PySide6.QtCore import QSettings

from albumgen_desktop.app.session import SessionState, load_options
from albumgen_desktop.core.features import Features
from albumgen_desktop.core.prompts import cover_prompt, music_prompt
from albumgen_desktop.core.recipe import Recipe


def _store(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)


def test_an_edit_is_validated_and_marked_as_the_artists(qtbot) -> None:
    s = SessionState()
    s.set_features(Features(energy=0.2), {"energy": 0.4}, {"energy": "sketch"})
    assert s.edit_feature("energy", 0.9) and s.features.energy == 0.9
    assert s.source["energy"] == "you" and s.confidence["energy"] == 1.0
    assert not s.edit_feature("tempo_bpm", -5.0) and s.features.tempo_bpm == Features().tempo_bpm
    assert s.music_prompt == music_prompt(s.features)


def test_prompts_lock_on_edit_and_come_back_on_reset(qtbot) -> None:
    s = SessionState()
    s.set_music_prompt("my words")
    s.set_cover_prompt("my picture", "no text")
    s.edit_feature("tempo_bpm", 150.0)
    assert (s.music_prompt, s.music_prompt_locked) == ("my words", True)
    assert (s.cover_prompt, s.cover_negative, s.cover_prompt_locked) == ("my picture", "no text", True)
    job = s.cover_job()
    assert job.prompt == "my picture" and job.negative_prompt == "no text"
    s.reset_music_prompt()
    s.reset_cover_prompt()
    assert s.music_prompt == music_prompt(s.features) and "150 bpm" in s.music_prompt
    assert (s.cover_prompt, s.cover_negative) == cover_prompt(s.features, "")
    assert s.cover_job().prompt == "" and s.cover_job().negative_prompt is None  # the service builds them


def test_the_title_reaches_the_cover_prompt_and_both_jobs(qtbot) -> None:
    s = SessionState()
    s.set_title("Night Ferry")
    assert '"Night Ferry"' in s.cover_prompt
    assert s.music_job().title == s.cover_job().title == "Night Ferry"


def test_options_persist_across_sessions(qtbot, tmp_path: Path) -> None:
    s = SessionState(_store(tmp_path))
    s.set_option("engine", "sketch")
    s.set_option("duration_s", 42.5)
    s.set_option("typography", False)  # the default is on
    s.set_option("variations", 3)
    s.set_option("reference", "/some/picture.png")  # a file that may be gone next time: not kept
    s._store.sync()
    again = load_options(_store(tmp_path))
    assert (again.engine, again.duration_s, again.typography, again.variations) == ("sketch", 42.5, False, 3)
    assert again.reference == ""
    job = SessionState(_store(tmp_path)).music_job()
    assert job.engine == "sketch" and job.duration_s == 42.5 and job.variations == 3


def test_a_damaged_settings_value_takes_its_default(qtbot, tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.setValue("options/duration_s", "lots")
    store.setValue("options/prompt_style", "poetic")
    options = load_options(store)
    assert options.duration_s == 10.0 and options.prompt_style == "concise"


def test_a_recipe_brings_back_features_prompt_title_seed_and_length(qtbot) -> None:
    s = SessionState()
    f = Features(tempo_bpm=133.0, genre="house")
    recipe = Recipe(kind="music", features=f, prompt="warehouse", engine="sketch", seed=77, prompt_locked=True,
                    title="Night Ferry", params={"duration_s": 12.0})  # fmt: skip
    s.apply_recipe(recipe)
    assert s.features == f and s.music_prompt == "warehouse" and s.music_prompt_locked
    assert (s.title, s.options.seed, s.options.duration_s) == ("Night Ferry", 77, 12.0)
    assert set(s.source.values()) == {"recipe"}
    cover = Recipe(kind="cover", features=f, prompt="neon pier", negative_prompt="blur", engine="sketch",
                   prompt_locked=True)  # fmt: skip
    s.apply_recipe(cover)
    assert (s.cover_prompt, s.cover_negative, s.cover_prompt_locked) == ("neon pier", "blur", True)


def test_advanced_sampling_reaches_the_jobs_only_when_on(qtbot) -> None:
    s = SessionState()
    s.set_option("temperature", 0.7)
    s.set_option("cover_steps", 6)
    s.set_option("cover_guidance", 4.5)
    assert s.music_job().temperature == 1.0 and s.cover_job().steps is None and s.cover_job().guidance is None
    s.set_option("advanced", True)
    assert s.music_job().temperature == 0.7 and s.cover_job().steps == 6 and s.cover_job().guidance == 4.5
