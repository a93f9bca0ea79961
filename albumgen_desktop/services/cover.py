"""Make a cover: Features (from a track, a file or defaults) and a title in, a PNG with its recipe out."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from albumgen_desktop.core.engines import engine_choices
from albumgen_desktop.core.errors import BadInputError, CancelledError, NonFiniteOutputError
from albumgen_desktop.core.features import Features
from albumgen_desktop.core.progress import CancelToken, Progress, ProgressCallback, no_progress, stage
from albumgen_desktop.core.prompts import NEGATIVE_PROMPT, clean_title, cover_prompt
from albumgen_desktop.core.recipe import ModelInfo, Recipe
from albumgen_desktop.core.warm_models import WarmSlot
from albumgen_desktop.services.engine_choice import choose_engine

COVER_ENGINES = engine_choices("cover")
_diffusion_slot: WarmSlot[Any] = WarmSlot("diffusion")


@dataclass
class CoverJob:
    features: Features
    title: str = ""
    artist: str = ""
    prompt: str = ""
    negative_prompt: str | None = None  # None: the built-in one
    size: int = 1024
    seed: int = 0
    engine: str = "auto"
    model_id: str | None = None
    font: str = "sans"
    placement: str = "bottom"
    typography: bool | None = None  # None: on for sketch covers, off for neural ones
    reference: Image.Image | None = None
    strength: float = 0.6
    steps: int | None = None
    guidance: float | None = None
    variations: int = 1
    precision: str = "auto"


@dataclass
class CoverResult:
    images: list[Image.Image]
    recipes: list[Recipe]
    notices: list[str] = field(default_factory=list)

    @property
    def image(self) -> Image.Image:
        return self.images[0]

    @property
    def recipe(self) -> Recipe:
        return self.recipes[0]


def _cover_model(job: CoverJob):
    """The requested model, else the quality model on CUDA when it is installed, else the CPU default."""
    from albumgen_desktop.models.manifest import find_model, installed_snapshot, model_for_role

    if job.model_id:
        entry = find_model(job.model_id)
        if entry.role not in ("cover", "cover-quality"):
            raise BadInputError(f"{entry.id} is not a cover model")
        return entry, installed_snapshot(entry)
    default = model_for_role("cover")
    if _cuda_available():
        quality = model_for_role("cover-quality")
        snapshot = installed_snapshot(quality)
        if snapshot is not None:
            return quality, snapshot
    return default, installed_snapshot(default)


def _cuda_available() -> bool:
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        return False
    import torch

    return torch.cuda.is_available()


def _engine(entry: Any, snapshot: Path, precision: str) -> Any:
    from albumgen_desktop.engines.diffusion import CoverDiffusionEngine, ModelDefaults
    from albumgen_desktop.models.manifest import find_model, installed_snapshot

    def load() -> CoverDiffusionEngine:
        d = entry.defaults
        defaults = ModelDefaults(
            steps=int(d.get("steps", 1)), guidance=float(d.get("guidance", 0.0)),
            native_size=int(d.get("native_size", 512)),
        )  # fmt: skip
        preview = None if defaults.one_step else installed_snapshot(find_model("taesd"))
        return CoverDiffusionEngine.load(
            snapshot, defaults, precision=precision, preview_folder=preview, variant=entry.variant,
            scheduler=d.get("scheduler"),
        )  # fmt: skip

    return _diffusion_slot.get((snapshot, precision, entry.id), load)


def _validate(job: CoverJob) -> None:
    if job.engine not in COVER_ENGINES:
        raise BadInputError(f"cover engine must be one of {', '.join(COVER_ENGINES)}")
    if not 512 <= job.size <= 1024:
        raise BadInputError("cover size must be between 512 and 1024 pixels")
    if not 1 <= job.variations <= 8:
        raise BadInputError("variations must be between 1 and 8")


def generate_cover(
    job: CoverJob, on_progress: ProgressCallback = no_progress, cancel: CancelToken | None = None
) -> CoverResult:
    _validate(job)
    pasted_notes: list[str] = []
    job = _split_pasted_prompt(job, pasted_notes)
    title = clean_title(job.title)
    artist = clean_title(job.artist)
    prompt, negative = cover_prompt(job.features, title)
    prompt = job.prompt.strip() or prompt
    negative = NEGATIVE_PROMPT if job.negative_prompt is None else job.negative_prompt.strip()
    entry, snapshot = _cover_model(job) if job.engine != "sketch" else (None, None)
    engine, notices = choose_engine(job.engine, "diffusion", entry, snapshot, "sketch", "the sketch painter")
    notices += pasted_notes
    if engine == "sketch" and job.reference is not None:
        notices.append("the sketch painter ignores the reference image")
    if engine == "sketch" and job.negative_prompt:
        notices.append("the sketch painter ignores the negative prompt")
    common = {
        "kind": "cover", "features": job.features, "prompt": prompt, "title": title, "artist": artist,
        "prompt_locked": bool(job.prompt.strip()), "engine": engine,
    }  # fmt: skip
    if engine == "diffusion":
        images, recipes = _diffuse(job, entry, snapshot, prompt, negative, common, notices, on_progress, cancel)
    else:
        images, recipes = _sketch(job, title, artist, common, on_progress, cancel)
    on_progress(Progress(1.0, "done"))
    return CoverResult(images=images, recipes=recipes, notices=notices)


def _split_pasted_prompt(job: CoverJob, notes: list[str]) -> CoverJob:
    """A prompt pasted from another image tool (A1111 infotext: prompt, ``Negative prompt:``
    line, settings line) split into prompt, negative prompt and seed instead of being nested.
    An explicit negative prompt wins over a pasted one."""
    from dataclasses import replace

    from albumgen_desktop.core.infotext import split_pasted

    pasted = split_pasted(job.prompt)
    if pasted is None:
        return job
    taken = ["prompt"]
    changes: dict[str, Any] = {"prompt": pasted.prompt}
    if pasted.negative_prompt and job.negative_prompt is None:
        changes["negative_prompt"] = pasted.negative_prompt
        taken.append("negative prompt")
    if pasted.seed is not None:
        changes["seed"] = pasted.seed
        taken.append(f"seed {pasted.seed}")
    ignored = [k for k in pasted.settings if k != "Seed"]
    note = f"the pasted prompt holds another tool's settings: took its {', '.join(taken)}"
    if ignored:
        note += f"; not applied: {', '.join(ignored[:12])}{', ...' if len(ignored) > 12 else ''}"
    notes.append(note)
    return replace(job, **changes)


def _sketch(job: CoverJob, title: str, artist: str, common: dict, on_progress: ProgressCallback, cancel):
    from albumgen_desktop.engines.cover_sketch import paint
    from albumgen_desktop.engines.typography import set_title

    images: list[Image.Image] = []
    recipes: list[Recipe] = []
    with_type = job.typography is not False
    n = job.variations
    for i in range(n):
        on_progress(Progress(i / n, "painting"))
        if cancel is not None:
            cancel.raise_if_cancelled(partial=CoverResult(images, recipes) if images else None)
        # the painter's own steps take 90% of each variation, the type the rest
        part = stage(on_progress, i / n, (i + 0.9) / n, "painting" if n == 1 else f"painting {i + 1} of {n}")
        image = paint(job.features, job.size, seed=job.seed + i, title="", artist="", on_progress=part)
        if with_type:
            image = set_title(image, title, artist, font=job.font, placement=job.placement)
        images.append(image)
        recipes.append(Recipe(
            **common, negative_prompt="", seed=job.seed + i,
            params={"size": job.size, **_type_params(job, with_type, title, artist)},
        ))  # fmt: skip
    return images, recipes


def _type_params(job: CoverJob, with_type: bool, title: str, artist: str) -> dict:
    if not with_type or not (title or artist):
        return {"typography": False}
    return {"typography": True, "font": job.font, "placement": job.placement, **({"artist": artist} if artist else {})}


def _diffuse(job, entry, snapshot, prompt, negative, common, notices, on_progress, cancel):
    from albumgen_desktop.engines.diffusion import DiffusionRequest
    from albumgen_desktop.engines.typography import set_title

    request = DiffusionRequest(
        prompt=prompt, negative_prompt=negative, seed=job.seed, steps=job.steps, guidance=job.guidance,
        reference=job.reference, strength=job.strength, variations=job.variations,
    )  # fmt: skip
    request.validate()
    on_progress(Progress(0.0, f"loading {entry.id}"))
    engine = _engine(entry, snapshot, job.precision)
    guidance = engine.defaults.guidance if job.guidance is None else job.guidance
    if guidance <= 1.0 and negative and job.negative_prompt:
        notices.append(f"{entry.id} runs without guidance, so the negative prompt has no effect")
    done: list[int] = [0]

    def on_step(step: int, total: int, preview: Image.Image | None) -> None:
        fraction = (done[0] + step / total) / job.variations
        on_progress(Progress(min(fraction, 0.99), f"step {step} of {total}", preview))

    with_type = bool(job.typography)
    model = ModelInfo(entry.id, entry.revision, entry.license.name)
    images: list[Image.Image] = []
    recipes: list[Recipe] = []
    for i in range(job.variations):
        one = DiffusionRequest(**{**request.__dict__, "seed": job.seed + i, "variations": 1})
        try:
            raw, engine = _generate_finite(engine, one, on_step, cancel, entry, snapshot, notices)
        except CancelledError as exc:
            exc.partial = CoverResult(images, recipes, notices) if images else None  # finished variations are kept
            raise
        params = {
            "size": job.size, "native_size": engine.defaults.native_size, "steps": job.steps or engine.defaults.steps,
            "guidance": guidance, "precision": engine.placement.precision, "sampler": _sampler_name(engine),
            **({"reference": True, "strength": job.strength} if job.reference is not None else {}),
            **_type_params(job, with_type, common["title"], clean_title(job.artist)),
        }  # fmt: skip
        images.append(_finish(raw, job.size, with_type, set_title, job, common["title"]))
        recipes.append(Recipe(
            **common, negative_prompt=negative if guidance > 1.0 else "", seed=job.seed + i, model=model,
            params=params,
        ))  # fmt: skip
        done[0] += 1
    return images, recipes


def _sampler_name(engine: Any) -> str:
    """The A1111 name of the pipeline's scheduler (for the PNG infotext)."""
    from albumgen_desktop.core.infotext import a1111_sampler

    scheduler = engine.pipe.scheduler
    return a1111_sampler(type(scheduler).__name__, dict(scheduler.config))


def _generate_finite(engine, request, on_step, cancel, entry, snapshot: Path, notices: list[str]):
    """One image, checked for NaN and infinity by the engine's decode. A half-precision UNet
    that overflowed (fp16/bf16, a known diffusers failure) is retried once in fp32, and the
    fp32 engine is kept for the remaining variations. Returns (image, the engine that made it);
    raises NonFiniteOutputError when fp32 fails too."""
    try:
        return engine.generate(request, on_step=on_step, cancel=cancel)[0], engine
    except NonFiniteOutputError as exc:
        if engine.placement.precision == "fp32":
            raise NonFiniteOutputError(f"{entry.id}: {exc}; nothing was written") from None
        failed = engine.placement.precision
        notices.append(f"{entry.id} overflowed in {failed} ({exc}); generated again in fp32")
    engine = _engine(entry, snapshot, "fp32")
    try:
        return engine.generate(request, on_step=on_step, cancel=cancel)[0], engine
    except NonFiniteOutputError as exc:
        raise NonFiniteOutputError(f"{entry.id}: {exc}, in {failed} and again in fp32; nothing was written") from None


def _finish(image: Image.Image, size: int, with_type: bool, set_title, job: CoverJob, title: str) -> Image.Image:
    """The model's native square scaled to the asked size (Lanczos), then the optional type."""
    if image.size != (size, size):
        image = image.resize((size, size), Image.Resampling.LANCZOS)
    if with_type:
        image = set_title(image, title, clean_title(job.artist), font=job.font, placement=job.placement)
    return image
