"""Cover embedders for the library: CLIP when its weights are installed, the sketch descriptor always."""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
from PIL import Image

from albumgen_desktop.core.warm_models import WarmSlot

_clip_slot: WarmSlot[Any] = WarmSlot("clip")


class Embedder(Protocol):
    model: str

    def embed(self, images: list[Image.Image]) -> np.ndarray:
        """One unit-length row per image."""
        ...


class SketchEmbedder:
    def __init__(self) -> None:
        from albumgen_desktop.engines.image_sketch import SKETCH_EMBEDDING

        self.model = SKETCH_EMBEDDING

    def embed(self, images: list[Image.Image]) -> np.ndarray:
        from albumgen_desktop.engines.image_sketch import sketch_embedding

        return np.stack([sketch_embedding(im) for im in images])


def clip_embedder(required: bool = False) -> Any | None:
    """The installed CLIP (kept warm), or None; with ``required`` a missing model is an error."""
    from albumgen_desktop.models.manifest import installed_snapshot, model_for_role

    entry = model_for_role("image-analysis")
    snapshot = installed_snapshot(entry)
    if snapshot is None:
        if required:
            raise entry.missing()
        return None
    from albumgen_desktop.engines.image_clip import ClipAnalyser

    return _clip_slot.get(snapshot, lambda: ClipAnalyser(snapshot, model_id=entry.id))


def available_embedders() -> list[Embedder]:
    """Every embedder this machine can run: imports store one vector per embedder, so the
    library keeps working for retrieval whether or not CLIP is installed later."""
    embedders: list[Embedder] = [SketchEmbedder()]
    clip = clip_embedder()
    if clip is not None:
        embedders.append(clip)
    return embedders
