"""Make a cover: Features (from a track, a file or defaults) and a title in, a PNG with its recipe out."""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image

from albumgen_desktop.core.errors import BadInputError, NotAvailableError
from albumgen_desktop.core.features import Features
from albumgen_desktop.core.progress import CancelToken, Progress, ProgressCallback, no_progress
from albumgen_desktop.core.prompts import clean_title, cover_prompt
from albumgen_desktop.core.recipe import Recipe

COVER_ENGINES = ("auto", "diffusion", "sketch")


@dataclass
class CoverJob:
    features: Features
    title: str = ""
    prompt: str = ""
    size: int = 1024
    seed: int = 0
    engine: str = "auto"
    font: str = "sans"


@dataclass
class CoverResult:
    image: Image.Image
    recipe: Recipe
    notices: list[str] = field(default_factory=list)


def generate_cover(
    job: CoverJob, on_progress: ProgressCallback = no_progress, cancel: CancelToken | None = None
) -> CoverResult:
    if job.engine not in COVER_ENGINES:
        raise BadInputError(f"cover engine must be one of {', '.join(COVER_ENGINES)}")
    if not 512 <= job.size <= 1024:
        raise BadInputError("cover size must be between 512 and 1024 pixels")
    title = clean_title(job.title)
    prompt, negative = cover_prompt(job.features, title)
    prompt = job.prompt.strip() or prompt
    notices: list[str] = []
    if job.engine == "diffusion":
        raise NotAvailableError("diffusion covers are not built yet in this version; use --engine sketch")
    if job.engine == "auto":
        notices.append("diffusion covers are not built yet; using the sketch painter (no weights needed)")
    from albumgen_desktop.engines.cover_sketch import paint

    on_progress(Progress(0.0, "painting"))
    if cancel is not None:
        cancel.raise_if_cancelled()
    image = paint(job.features, job.size, seed=job.seed, title=title, font=job.font)
    recipe = Recipe(
        kind="cover", features=job.features, prompt=prompt, negative_prompt=negative, title=title, engine="sketch",
        seed=job.seed, prompt_locked=bool(job.prompt.strip()), params={"size": job.size, "font": job.font},
    )  # fmt: skip
    on_progress(Progress(1.0, "done"))
    return CoverResult(image=image, recipe=recipe, notices=notices)
