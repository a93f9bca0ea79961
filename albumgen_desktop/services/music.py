"""Make music: Features (from a cover, a file or defaults) and a prompt in, a WAV with its recipe out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from albumgen_desktop.core.engines import engine_choices
from albumgen_desktop.core.errors import BadInputError, NonFiniteOutputError
from albumgen_desktop.core.features import Features
from albumgen_desktop.core.progress import CancelToken, Progress, ProgressCallback, no_progress, stage
from albumgen_desktop.core.prompts import clean_title, music_prompt
from albumgen_desktop.core.recipe import ModelInfo, Recipe
from albumgen_desktop.core.warm_models import WarmSlot
from albumgen_desktop.services.engine_choice import choose_engine

MUSIC_ENGINES = engine_choices("music")
STREAM_SAMPLE_RATE = 32000  # every MusicGen checkpoint decodes with the 32 kHz EnCodec
SKETCH_RENDER_SHARE = 0.9  # of a sketch job's progress; loudness normalisation takes the rest
_musicgen_slot: WarmSlot[Any] = WarmSlot("musicgen")


@dataclass
class MusicJob:
    features: Features
    prompt: str = ""
    prompt_locked: bool = False
    duration_s: float = 10.0
    seed: int = 0
    engine: str = "auto"
    model_id: str | None = None
    melody: Path | None = None
    guidance: float = 3.0
    temperature: float = 1.0
    top_k: int = 250
    precision: str = "auto"
    variations: int = 1
    title: str = ""
    artist: str = ""  # as the user typed it (WAV tags); never the style reference


@dataclass
class MusicResult:
    audio: np.ndarray  # (variations, samples) float32, loudness-normalised
    sample_rate: int
    recipes: list[Recipe]
    notices: list[str] = field(default_factory=list)


def _music_model(job: MusicJob):
    from albumgen_desktop.models.manifest import find_model, installed_snapshot, model_for_role

    if job.model_id:
        entry = find_model(job.model_id)
        if entry.role not in ("music", "melody"):
            raise BadInputError(f"{entry.id} is not a music model")
    else:
        entry = model_for_role("melody" if job.melody else "music")
    return entry, installed_snapshot(entry)


def _musicgen(snapshot: Path, precision: str):
    from albumgen_desktop.engines.musicgen import MusicGenEngine

    return _musicgen_slot.get((snapshot, precision), lambda: MusicGenEngine(snapshot, precision=precision))


def _melody_audio(path: Path) -> tuple[np.ndarray, int]:
    from albumgen_desktop.io.audio import load_audio

    audio = load_audio(path, max_seconds=600)
    return audio.samples, audio.sample_rate


def _generate_finite(mg, request, chunk, cancel, model_id: str, snapshot: Path, on_progress, notices: list[str]):
    """MusicGen's audio, checked for NaN and infinity (the engine stops at the first bad chunk).
    Reduced precision (bf16, fp16, int8) that overflowed is retried once in fp32, without
    streaming (the chunks already played came from the failed run; the result replaces them).
    Returns (audio, the engine that made it); raises NonFiniteOutputError when fp32 fails too."""
    try:
        return mg.generate(request, on_chunk=chunk, cancel=cancel), mg
    except NonFiniteOutputError as exc:
        if mg.placement.precision == "fp32":
            raise NonFiniteOutputError(f"{model_id}: {exc}; nothing was written") from None
        notices.append(f"{model_id} overflowed in {mg.placement.precision} ({exc}); generated again in fp32")
        failed = mg.placement.precision
    on_progress(Progress(0.0, f"{failed} overflowed: generating again in fp32"))
    mg = _musicgen(snapshot, "fp32")

    def progress_only(piece: np.ndarray, fraction: float) -> None:
        on_progress(Progress(fraction, "generating again in fp32"))

    try:
        return mg.generate(request, on_chunk=progress_only, cancel=cancel), mg
    except NonFiniteOutputError as exc:
        raise NonFiniteOutputError(f"{model_id}: {exc}, in {failed} and again in fp32; nothing was written") from None


def generate_music(
    job: MusicJob,
    on_progress: ProgressCallback = no_progress,
    cancel: CancelToken | None = None,
    on_chunk: Callable[[np.ndarray, float], None] | None = None,
) -> MusicResult:
    from dataclasses import replace

    from albumgen_desktop.engines.musicgen import MusicRequest

    if job.engine not in MUSIC_ENGINES:
        raise BadInputError(f"music engine must be one of {', '.join(MUSIC_ENGINES)}")
    prompt = job.prompt.strip() or music_prompt(job.features)
    title, artist = clean_title(job.title), clean_title(job.artist)
    request = MusicRequest(
        prompt=prompt, duration_s=job.duration_s, seed=job.seed, guidance=job.guidance,
        temperature=job.temperature, top_k=job.top_k, variations=job.variations,
    )  # fmt: skip
    request.validate()  # one set of limits for every engine
    entry, snapshot = _music_model(job) if job.engine != "sketch" else (None, None)
    engine, notices = choose_engine(job.engine, "musicgen", entry, snapshot, "sketch", "the sketch engine")
    model_info = None
    if engine == "musicgen":
        assert entry is not None and snapshot is not None  # choose_engine picks musicgen only when both exist
        if job.melody:
            melody, melody_rate = _melody_audio(job.melody)
            request = replace(request, melody=melody, melody_rate=melody_rate)
        on_progress(Progress(0.0, f"loading {entry.id}"))
        mg = _musicgen(snapshot, job.precision)

        def chunk(piece: np.ndarray, fraction: float) -> None:
            on_progress(Progress(fraction, "generating", piece))
            if on_chunk is not None:
                on_chunk(piece, fraction)

        audio, mg = _generate_finite(mg, request, chunk, cancel, entry.id, snapshot, on_progress, notices)
        notices.extend(mg.notices)
        rate = mg.sample_rate
        model_info = ModelInfo(entry.id, entry.revision, entry.license.name)
        params = {"duration_s": job.duration_s, "guidance": job.guidance, "temperature": job.temperature,
                  "top_k": job.top_k, "precision": mg.placement.precision}  # fmt: skip
    else:
        from albumgen_desktop.engines.music_sketch import RATE, render

        if job.melody:
            notices.append("the sketch engine ignores the reference melody")
        on_progress(Progress(0.0, "rendering sketch"))
        n = job.variations
        takes = [
            render(job.features, job.duration_s, seed=job.seed + i, cancel=cancel,
                   on_progress=stage(on_progress, SKETCH_RENDER_SHARE * i / n, SKETCH_RENDER_SHARE * (i + 1) / n,
                                     "rendering sketch" if n == 1 else f"rendering sketch {i + 1} of {n}"))
            for i in range(n)
        ]  # fmt: skip
        audio = np.stack(takes)
        rate = RATE
        params = {"duration_s": job.duration_s}
        if on_chunk is not None:
            on_chunk(audio, 1.0)
    from albumgen_desktop.engines.loudness import normalise

    if not np.isfinite(audio).all():
        raise NonFiniteOutputError(f"the {engine} engine produced NaN or infinite samples; nothing was written")
    mastered = []
    mastering = stage(on_progress, SKETCH_RENDER_SHARE, 1.0, "mastering") if engine == "sketch" else None
    for i, take in enumerate(audio):
        out, _ = normalise(take, rate, job.features.loudness_db)
        mastered.append(out)
        if mastering is not None:
            mastering((i + 1) / len(audio))
    audio = np.stack(mastered)
    # MusicGen draws all variations in one batch from one seed; the sketch renders one seed each.
    recipes = [
        Recipe(
            kind="music",
            features=job.features,
            prompt=prompt,
            prompt_locked=job.prompt_locked or bool(job.prompt.strip()),
            title=title,
            artist=artist,
            engine=engine,
            seed=job.seed + (i if engine == "sketch" else 0),
            model=model_info,
            params={
                **params,
                **({"variation": i, "variations": len(audio)} if engine != "sketch" and len(audio) > 1 else {}),
            },
        )  # fmt: skip
        for i in range(len(audio))
    ]
    on_progress(Progress(1.0, "done"))
    return MusicResult(audio=audio, sample_rate=rate, recipes=recipes, notices=notices)
