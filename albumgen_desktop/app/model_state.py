"""What the window says about the neural engines' models: installed, not downloaded, damaged.

``model_state`` is the one place the window asks a manifest entry for its state, so the finer
states ("incomplete", "damaged") reach every combo box and message at once.
``engine_states`` touches the disk and runs on a worker thread, never on the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from albumgen_desktop.core.engines import AUTO, SKETCH, engine_info, neural_engine

if TYPE_CHECKING:
    from albumgen_desktop.models.manifest import ModelEntry

INSTALLED = "installed"
NOT_DOWNLOADED = "not downloaded"
ENGINE_TASKS = {neural_engine(task).name: task for task in ("music", "cover")}  # the two generation combos


def model_state(entry: ModelEntry) -> str:
    """ "installed", "not downloaded", "incomplete" or "damaged" for a manifest entry (models/installed.py)."""
    return entry.state().value


@dataclass(frozen=True)
class EngineState:
    engine: str  # "musicgen" | "diffusion"
    model_id: str
    state: str  # see model_state

    @property
    def ready(self) -> bool:
        return self.state == INSTALLED


def engine_model(engine: str, cover_model: str = "auto") -> ModelEntry:
    """The manifest entry a neural engine runs on (``cover_model`` is the Settings choice)."""
    from albumgen_desktop.models.manifest import find_model, model_for_role

    info = engine_info(ENGINE_TASKS[engine], engine)
    if info.task == "cover" and cover_model and cover_model != "auto":
        return find_model(cover_model)
    assert info.role is not None  # the combos' neural engines all have a model
    return model_for_role(info.role)


def engine_states(cover_model: str = "auto") -> dict[str, EngineState]:
    """The state of each neural engine's model, and "analysis" (installed when CLIP or CLAP is).
    Reads the model cache: call it off the GUI thread."""
    from albumgen_desktop.models.manifest import model_for_role

    states = {}
    for engine in ENGINE_TASKS:
        entry = engine_model(engine, cover_model)
        states[engine] = EngineState(engine, entry.id, model_state(entry))
    analysers = [model_for_role(role) for role in ("image-analysis", "audio-analysis")]
    installed = [e.id for e in analysers if model_state(e) == INSTALLED]
    states["analysis"] = EngineState("analysis", ", ".join(installed), INSTALLED if installed else NOT_DOWNLOADED)
    return states


def engine_text(engine: str, states: dict[str, EngineState], neural: str) -> str:
    """The combo-box text of ``engine`` in a combo whose neural engine is ``neural``:
    'MusicGen (not downloaded)', 'Auto (Sketch for now)', 'Sketch (instant, no download)'."""
    state = states.get(neural)
    if engine == AUTO:
        return "Auto (Sketch for now)" if state is not None and not state.ready else "Auto (best available)"
    info = engine_info(ENGINE_TASKS[neural], engine)
    if engine == neural and state is not None and not state.ready:
        return f"{info.label} ({state.state})"
    return f"{info.label} ({info.hint})"


def resolved_engine(task: str, choice: str, states: dict[str, EngineState]) -> str:
    """The engine a ``task`` ("music" | "cover") job chosen as ``choice`` will run: "auto" is the
    neural engine when its model is installed, else the sketch engine (as the services decide)."""
    if choice != AUTO:
        return choice
    neural = neural_engine(task).name
    state = states.get(neural)
    return neural if state is not None and state.ready else SKETCH
