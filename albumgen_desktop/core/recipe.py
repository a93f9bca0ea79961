"""The recipe: everything needed to understand and remake a result.

It travels inside every exported file (PNG tEXt ``albumgen``, WAV chunk, JSON
sidecar) so that dropping an export back into the app restores its sliders and
prompt. ``parameters`` is the one-line-per-field text other image tools read.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any

from albumgen_desktop import __version__
from albumgen_desktop.core.errors import BadInputError
from albumgen_desktop.core.features import Features, parse_json_object
from albumgen_desktop.core.infotext import format_infotext
from albumgen_desktop.core.prompts import PROMPT_STYLES

RECIPE_FORMAT = "albumgen-recipe"
RECIPE_VERSION = 1
KINDS: tuple[str, ...] = ("music", "cover")
SEED_MAX = 2**32 - 1


@dataclass(frozen=True)
class ModelInfo:
    """Which weights made a result, and under what licence."""

    id: str
    revision: str = ""
    license: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "revision": self.revision, "license": self.license}


@dataclass(frozen=True)
class Recipe:
    kind: str
    features: Features
    prompt: str
    engine: str
    seed: int = 0
    prompt_style: str = "concise"
    prompt_locked: bool = False
    negative_prompt: str = ""
    title: str = ""
    artist: str = ""  # as the user typed it; never the style reference
    model: ModelInfo | None = None
    params: dict[str, Any] = field(default_factory=dict)
    app_version: str = __version__
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise BadInputError(f"recipe kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if not isinstance(self.features, Features):
            raise BadInputError("recipe features must be Features")
        for name in ("prompt", "engine", "negative_prompt", "title", "artist", "app_version", "created"):
            if not isinstance(getattr(self, name), str):
                raise BadInputError(f"recipe {name} must be text")
        if self.prompt_style not in PROMPT_STYLES:
            raise BadInputError(f"recipe prompt_style must be one of {', '.join(PROMPT_STYLES)}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or not 0 <= self.seed <= SEED_MAX:
            raise BadInputError(f"seed must be a whole number 0..{SEED_MAX}, got {self.seed!r}")
        if not isinstance(self.prompt_locked, bool):
            raise BadInputError("recipe prompt_locked must be true or false")
        if not isinstance(self.params, dict) or not all(_is_plain(v) for v in self.params.values()):
            raise BadInputError("recipe params must be an object of plain values")

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": RECIPE_FORMAT,
            "version": RECIPE_VERSION,
            "kind": self.kind,
            "features": self.features.to_dict(),
            "prompt": self.prompt,
            "prompt_style": self.prompt_style,
            "prompt_locked": self.prompt_locked,
            "negative_prompt": self.negative_prompt,
            "title": self.title,
            "artist": self.artist,
            "seed": self.seed,
            "engine": self.engine,
            "model": self.model.to_dict() if self.model else None,
            "params": dict(self.params),
            "app_version": self.app_version,
            "created": self.created,
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @classmethod
    def from_dict(cls, data: Any, warnings: list[str] | None = None) -> Recipe:
        if not isinstance(data, dict) or data.get("format") != RECIPE_FORMAT:
            raise BadInputError("this JSON is not an AlbumGen recipe")
        version = data.get("version")
        if not isinstance(version, int) or version > RECIPE_VERSION:
            raise BadInputError(
                f"this recipe was written by a newer AlbumGen (format version {version}); please update the app"
            )
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if "features" not in values or "kind" not in values or "prompt" not in values or "engine" not in values:
            raise BadInputError("recipe is missing one of: kind, features, prompt, engine")
        values["features"] = Features.from_dict(values["features"], warnings)
        model = values.get("model")
        if model is not None:
            if not isinstance(model, dict) or not isinstance(model.get("id"), str):
                raise BadInputError("recipe model must be an object with an id")
            values["model"] = ModelInfo(
                id=model["id"], revision=str(model.get("revision", "")), license=str(model.get("license", ""))
            )
        return cls(**values)

    @classmethod
    def from_json(cls, text: str, warnings: list[str] | None = None) -> Recipe:
        return cls.from_dict(parse_json_object(text, "recipe"), warnings)

    def parameters_text(self) -> str:
        """The PNG ``parameters`` text in A1111's infotext shape (see core/infotext.py)."""
        return format_infotext(self.prompt, self.negative_prompt, self.infotext_settings())

    def infotext_settings(self) -> list[tuple[str, object]]:
        """The settings line as (key, value) pairs: A1111's leading keys, then ours.

        Diffusion covers give the scheduler's A1111 sampler name, the steps and guidance they ran
        with and the model's native size (a larger export is a Lanczos resize, written as A1111's
        "Postprocess upscale to"). The sketch painter paints once, with no sampler, no guidance and
        no weights, and says so in the same keys: Steps 1, Sampler "Sketch painter", CFG scale 0.
        """
        p = self.params
        size = p.get("size")
        if self.engine == "sketch":
            head: list[tuple[str, object]] = [
                ("Steps", 1), ("Sampler", "Sketch painter"), ("CFG scale", 0), ("Seed", self.seed),
                ("Size", f"{size}x{size}" if size else None), ("Model", "AlbumGen sketch"),
            ]  # fmt: skip
            tail: list[tuple[str, object]] = []
        else:
            native = p.get("native_size") or size
            head = [
                ("Steps", p.get("steps")), ("Sampler", p.get("sampler", "unknown")), ("CFG scale", p.get("guidance")),
                ("Seed", self.seed), ("Size", f"{native}x{native}" if native else None),
                ("Model", self.model.id if self.model else None),
            ]  # fmt: skip
            tail = [("Denoising strength", p.get("strength") if p.get("reference") else None)]
            if size and native and size != native:
                tail += [("Postprocess upscale to", f"{size}x{size}"), ("Postprocess upscaler", "Lanczos")]
        tail += [("Engine", self.engine), ("Version", f"AlbumGen {self.app_version}")]
        return head + tail


def _is_plain(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (str, int, bool)) or value is None:
        return True
    if isinstance(value, list):
        return all(_is_plain(v) for v in value)
    return False
