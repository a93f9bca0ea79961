"""Every engine the app can run, in one table: the CLI's choices, the services' checks and the
window's combo boxes all come from here.

A task ("music", "cover", "analysis") has a weights-free sketch engine and a neural one whose
model the manifest names by role; "auto" picks the neural engine when its model is installed.
"""

from __future__ import annotations

from dataclasses import dataclass

AUTO = "auto"
SKETCH = "sketch"


@dataclass(frozen=True)
class EngineInfo:
    """One engine of one task. ``role`` is the manifest role of its model (None: no weights)."""

    task: str
    name: str
    label: str
    hint: str
    role: str | None = None

    @property
    def neural(self) -> bool:
        return self.role is not None


ENGINES: tuple[EngineInfo, ...] = (
    EngineInfo("music", SKETCH, "Sketch", "instant, no download"),
    EngineInfo("music", "musicgen", "MusicGen", "neural music model", role="music"),
    EngineInfo("cover", SKETCH, "Sketch", "instant, no download"),
    EngineInfo("cover", "diffusion", "Diffusion", "neural cover model", role="cover"),
    EngineInfo("analysis", SKETCH, "Sketch", "DSP and colour statistics, no download"),
    EngineInfo("analysis", "neural", "Neural", "CLIP for covers, CLAP for tracks", role="image-analysis"),
)
TASKS: tuple[str, ...] = ("music", "cover", "analysis")


def engines_for(task: str) -> tuple[EngineInfo, ...]:
    """The engines of ``task`` (sketch first). Raises ValueError for an unknown task."""
    found = tuple(e for e in ENGINES if e.task == task)
    if not found:
        raise ValueError(f"unknown task {task!r}; one of {', '.join(TASKS)}")
    return found


def engine_choices(task: str) -> tuple[str, ...]:
    """What a user may ask for: "auto", then each engine's name, e.g. ("auto", "sketch", "musicgen")."""
    return (AUTO, *(e.name for e in engines_for(task)))


def neural_engine(task: str) -> EngineInfo:
    """The neural engine of ``task`` (MusicGen, Diffusion, Neural analysis)."""
    return next(e for e in engines_for(task) if e.neural)


def engine_info(task: str, name: str) -> EngineInfo:
    """The engine called ``name`` in ``task``. Raises ValueError when there is none."""
    for e in engines_for(task):
        if e.name == name:
            return e
    raise ValueError(f"{task} engine must be one of {', '.join(engine_choices(task))}, got {name!r}")
