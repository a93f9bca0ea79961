"""One table of engines: the CLI, the services and the window offer the same choices."""

from __future__ import annotations

import pytest

from albumgen_desktop.cli import build_parser
from albumgen_desktop.core.analysis import ENGINE_CHOICES
from albumgen_desktop.core.engines import engine_choices, engine_info, neural_engine
from albumgen_desktop.models.manifest import model_for_role
from albumgen_desktop.services.cover import COVER_ENGINES
from albumgen_desktop.services.music import MUSIC_ENGINES


def _choices(command: str) -> tuple[str, ...]:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    engine = next(a for a in sub.choices[command]._actions if a.dest == "engine")  # type: ignore[index]
    return tuple(engine.choices)


def test_cli_and_services_take_the_table_s_choices() -> None:
    assert set(_choices("music")) == set(MUSIC_ENGINES) == {"auto", "sketch", "musicgen"}
    assert set(_choices("cover")) == set(COVER_ENGINES) == {"auto", "sketch", "diffusion"}
    assert set(_choices("analyze")) == set(ENGINE_CHOICES) == set(engine_choices("analysis"))


@pytest.mark.parametrize("task", ["music", "cover", "analysis"])
def test_every_neural_engine_names_a_manifest_role(task: str) -> None:
    info = neural_engine(task)
    assert info.role is not None and model_for_role(info.role).role == info.role


def test_unknown_names_are_refused() -> None:
    with pytest.raises(ValueError, match="music engine must be one of auto, sketch, musicgen"):
        engine_info("music", "diffusion")
