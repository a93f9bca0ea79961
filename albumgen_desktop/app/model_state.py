"""What the window says about the neural engines' models: installed, not downloaded, damaged.

``model_state`` is the one place the window asks a manifest entry for its state, so the finer
states ("incomplete", "damaged") reach every combo box and message at once.
``engine_states`` touches the disk and runs on a worker thread, never on the GUI thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from albumgen_desktop.models.manifest import ModelEntry

INSTALLED = "installed"
NOT_DOWNLOADED = "not downloaded"
ENGINE_NAMES = {"musicgen": "MusicGen", "diffusion": "Diffusion", "sketch": "Sketch", "auto": "Auto"}
ENGINE_HINTS = {
    "sketch": "instant, no download",
    "musicgen": "neural music model",
    "diffusion": "neural cover model",
}


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

    if engine == "musicgen":
        return model_for_role("music")
    if cover_model and cover_model != "auto":
        return find_model(cover_model)
    return model_for_role("cover")


def engine_states(cover_model: str = "auto") -> dict[str, EngineState]:
    """The state of each neural engine's model, and "analysis" (installed when CLIP or CLAP is).
    Reads the model cache: call it off the GUI thread."""
    from albumgen_desktop.models.manifest import model_for_role

    states = {}
    for engine in ("musicgen", "diffusion"):
        entry = engine_model(engine, cover_model)
        states[engine] = EngineState(engine, entry.id, model_state(entry))
    analysers = [model_for_role(role) for role in ("image-analysis", "audio-analysis")]
    installed = [e.id for e in analysers if model_state(e) == INSTALLED]
    states["analysis"] = EngineState("analysis", ", ".join(installed), INSTALLED if installed else NOT_DOWNLOADED)
    return states


def engine_text(engine: str, states: dict[str, EngineState], neural: str) -> str:
    """The combo-box text of ``engine`` in a combo whose neural engine is ``neural``:
    'MusicGen (not downloaded)', 'Auto (Sketch for now)', 'Sketch (instant, no download)'."""
    name = ENGINE_NAMES.get(engine, engine)
    state = states.get(neural)
    if engine == "auto":
        return f"{name} (Sketch for now)" if state is not None and not state.ready else f"{name} (best available)"
    if engine == neural and state is not None and not state.ready:
        return f"{name} ({state.state})"
    return f"{name} ({ENGINE_HINTS[engine]})" if engine in ENGINE_HINTS else name
