"""Analyse a dropped file: an AlbumGen export restores its recipe; tracks go to the audio analysers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from albumgen_desktop.core.analysis import ENGINE_CHOICES, Analysis, uniform
from albumgen_desktop.core.errors import BadInputError, LibraryAccessError, LibraryBusyError, LibraryDamagedError
from albumgen_desktop.core.evidence import (
    AnalysisWindow,
    ClapGenres,
    ClipGenres,
    Evidence,
    ImageStatsEvidence,
    LibraryWeight,
    Neighbours,
    VlmFeatures,
)
from albumgen_desktop.core.features import Features
from albumgen_desktop.core.warm_models import WarmSlot
from albumgen_desktop.io.files import check_input_file
from albumgen_desktop.io.metadata import read_recipe

# How much the CLAP value counts against the DSP estimate, per feature. DSP owns
# what it measures well (tempo, key, metre, loudness); CLAP owns timbre and mood.
CLAP_WEIGHT = {
    "valence": 0.7,
    "energy": 0.4,
    "danceability": 0.4,
    "acousticness": 0.8,
    "instrumentalness": 0.85,
    "speechiness": 0.75,
    "liveness": 0.75,
}
GENRE_MIN_PROBABILITY = 0.15

_clap_slot: WarmSlot[Any] = WarmSlot("clap")


def input_kind(path: Path) -> str:
    """'image' or 'audio', judged by content (a mislabelled file is still recognised)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path):
            return "image"
    except Image.DecompressionBombError:
        return "image"  # load_image explains the pixel limit
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        pass
    from albumgen_desktop.io.audio import audio_info

    try:
        audio_info(path)  # libsndfile, else PyAV for AAC/ALAC in MP4 (.m4a), as the decoder does
        return "audio"
    except BadInputError:
        pass
    raise BadInputError(f"{path.name} is neither an image nor an audio file AlbumGen can read")


def clap_analyser(model_dir: Path) -> Any:
    """A loaded CLAP, kept warm for the next file."""
    from albumgen_desktop.engines.audio_clap import ClapAnalyser

    return _clap_slot.get(model_dir, lambda: ClapAnalyser(model_dir))


def analyse_audio(path: Path, engine: str = "auto", on_first_run: Callable[[str], None] | None = None) -> Analysis:
    """Track -> Features: the DSP measurements, blended with CLAP where it is installed.
    ``on_first_run`` gets one line before librosa's kernels are compiled (a fresh install's first
    analysis, engines/audio_warmup.py). Raises BadInputError naming the file for input that is
    not music (silent, too short, noise)."""
    from albumgen_desktop.engines.audio_dsp import analyse_file
    from albumgen_desktop.engines.audio_warmup import FIRST_RUN_NOTE, audio_analyser_ready

    if on_first_run is not None and not audio_analyser_ready():
        on_first_run(FIRST_RUN_NOTE)

    dsp = analyse_file(path)
    values: dict[str, Any] = dsp.values()
    confidence = dict(dsp.confidence)
    source = {name: "dsp" for name in values}
    warnings = list(dsp.warnings)
    evidence: list[Evidence] = [AnalysisWindow(round(dsp.window[0], 2), round(dsp.window[1], 2))]
    if engine in ("auto", "neural"):
        from albumgen_desktop.models.manifest import installed_snapshot, model_for_role

        entry = model_for_role("audio-analysis")
        snapshot = installed_snapshot(entry)
        if snapshot is None:
            if engine == "neural":
                raise entry.missing()
            warnings.append(
                f"{entry.label()} is not downloaded, so no genre is set and the other feature values come from "
                "measuring the sound alone"
            )
        else:
            from albumgen_desktop.io.audio import load_audio

            clap = clap_analyser(snapshot)
            start, end = dsp.window
            audio = load_audio(path, sample_rate=clap.sample_rate, start_seconds=start, max_seconds=end - start)
            result = clap.analyse(audio.samples)
            for name, w in CLAP_WEIGHT.items():
                p = result.values[name]
                values[name] = (1 - w) * values[name] + w * p
                clap_conf = min(0.9, 0.5 + abs(p - 0.5))
                confidence[name] = (1 - w) * confidence[name] + w * clap_conf
                source[name] = "dsp+clap"
            if result.genre_probability >= GENRE_MIN_PROBABILITY:
                values["genre"] = result.genre
                confidence["genre"] = result.genre_probability
                source["genre"] = "clap"
            else:
                warnings.append(f"{entry.label()} could not tell the genre, so none is set")
            evidence.append(ClapGenres(entry.id, tuple(result.top_genres)))
    if "genre" not in source:
        # Without CLAP there is no weights-free genre worth a guess: "unknown" is an empty genre
        # (the prompts leave it out) with zero confidence, rather than an invented one.
        confidence["genre"], source["genre"] = 0.0, "unknown"
    features = Features.from_dict(values, warnings)
    return Analysis(
        path=str(path),
        kind="audio",
        features=features,
        confidence=confidence,
        source=source,
        evidence=evidence,
        warnings=warnings,
    )


def analyse_input(
    path: str | Path,
    engine: str = "auto",
    library: Any = None,
    vlm: bool = False,
    on_first_run: Callable[[str], None] | None = None,
) -> Analysis:
    """A dropped file -> its Analysis: an AlbumGen export's recipe, a track's or a cover's reading.
    ``on_first_run`` gets a one-line note before a slow one-time preparation (see analyse_audio)."""
    if engine not in ENGINE_CHOICES:
        raise BadInputError(f"engine must be one of {', '.join(ENGINE_CHOICES)}, got {engine!r}")
    path = Path(path)
    check_input_file(path)
    warnings: list[str] = []
    try:
        recipe = read_recipe(path, warnings)
    except BadInputError as exc:
        recipe = None
        warnings.append(str(exc))
    if recipe is not None:
        return Analysis(
            path=str(path),
            kind="recipe",
            features=recipe.features,
            confidence=uniform(1.0),
            source=uniform("recipe"),
            warnings=warnings,
            recipe=recipe,
        )
    kind = input_kind(path)
    if kind == "audio":
        result = analyse_audio(path, engine, on_first_run)
        result.warnings[:0] = warnings
        return result
    result = analyse_cover(path, engine, library, vlm=vlm)
    result.warnings[:0] = warnings
    return result


# The most retrieval may count on the seven mood features against the cover's own reading
# (CLIP reads mood better than the colour sketch). How much it does count grows with the
# number and closeness of the neighbours: library/retrieval.py, Retrieval and blend_into.
RETRIEVAL_WEIGHT_NEURAL = 0.6
RETRIEVAL_WEIGHT_SKETCH = 0.75


def _open_library(library: Any) -> Any:
    """The given library (a Library, or the path of one), else the default one when it exists
    (analysis never creates it)."""
    from albumgen_desktop.library.store import Library, default_library_path

    if isinstance(library, str | Path):
        return Library(Path(library))
    if library is not None:
        return library

    return Library(default_library_path()) if default_library_path().exists() else None


def _library_weight(found: Any, mood_cap: float) -> LibraryWeight:
    """Evidence of how much the library counted, and why (library/retrieval.py, Retrieval)."""
    return LibraryWeight(
        albums=found.albums, k=found.k, baseline=found.baseline, closeness=tuple(found.closeness),
        support=found.support, weight=found.share, mood_weight=found.share * mood_cap,
        decides_categories=found.decides_categories, note=found.note(mood_cap),
    )  # fmt: skip


_vlm_slot: WarmSlot[Any] = WarmSlot("vlm")


def _vlm() -> Any:
    from albumgen_desktop.engines.vlm import FeaturesVlm
    from albumgen_desktop.models.manifest import installed_snapshot, model_for_role

    entry = model_for_role("vlm")
    snapshot = installed_snapshot(entry)
    if snapshot is None:
        raise entry.missing("analyse without the VLM step")
    return entry, _vlm_slot.get(snapshot, lambda: FeaturesVlm(snapshot))


def analyse_cover(path: Path, engine: str = "auto", library: Any = None, k: int = 5, vlm: bool = False) -> Analysis:
    """Cover -> Features: CLIP zero-shot (neural) or colour/texture rules (sketch), then the
    k nearest albums of the reference library, whose Features are blended in, with the
    albums and their similarity returned as evidence."""
    from albumgen_desktop.engines.image_sketch import analyse_colours
    from albumgen_desktop.io.images import load_image
    from albumgen_desktop.library.embedders import SketchEmbedder, clip_embedder
    from albumgen_desktop.library.retrieval import blend_into, retrieve

    image = load_image(path)
    warnings: list[str] = []
    evidence: list[Evidence] = []
    clip = None
    if engine in ("auto", "neural"):
        clip = clip_embedder(required=engine == "neural")
        if clip is None:
            from albumgen_desktop.models.manifest import model_for_role

            entry = model_for_role("image-analysis")
            warnings.append(
                f"{entry.label()} is not downloaded, so the feature values come from the cover's colours and texture"
            )
    if clip is not None:
        embedding = clip.embed([image])[0]
        shot = clip.zero_shot(embedding)
        features = shot.features()
        confidence = dict(shot.confidence)
        confidence.update({n: 0.2 for n in ("tempo_bpm", "loudness_db", "mode", "key", "time_signature")})
        source = {name: "clip" for name in confidence}
        evidence.append(ClipGenres(clip.model, tuple(shot.top_genres)))
        embedder_model, weight = clip.model, RETRIEVAL_WEIGHT_NEURAL
    else:
        features, confidence, stats = analyse_colours(image)
        source = {name: "sketch" for name in confidence}
        evidence.append(ImageStatsEvidence(dict(vars(stats))))
        sketch = SketchEmbedder()
        embedding = sketch.embed([image])[0]
        embedder_model, weight = sketch.model, RETRIEVAL_WEIGHT_SKETCH
    found, lib = None, None
    try:
        lib = _open_library(library)
        if lib is not None:
            found = retrieve(lib, embedder_model, embedding, k)
    except (LibraryDamagedError, LibraryBusyError, LibraryAccessError) as exc:
        warnings.append(f"{exc}; this cover was analysed without the reference library")
    finally:
        if lib is not None and lib is not library:
            lib.close()  # opened here: let the file go
    if found is not None:
        neighbours = found.neighbours
        if neighbours:
            features = blend_into(features, confidence, source, found, weight)
            evidence.append(Neighbours(embedder_model, k, tuple(n.evidence() for n in neighbours)))
            # the note on how much the library counted lives in this evidence only (the window
            # lists evidence and warnings both; the CLI prints it as a note)
            evidence.append(_library_weight(found, weight))
        else:
            warnings.append(
                "your reference library has no covers read this way yet, so it was not used "
                "(import your albums again to add them)"
            )
    if vlm:
        from albumgen_desktop.engines.vlm import context_text

        entry, model = _vlm()
        albums = next((e.albums for e in evidence if isinstance(e, Neighbours)), ())
        text, features = model.generate([image], context=context_text(albums))[0]
        for name in features.to_dict():
            if name in confidence or name in source:
                source[name] = "vlm"
                confidence[name] = 0.5
        evidence.append(VlmFeatures(entry.id, text, len(albums)))
    return Analysis(
        path=str(path), kind="image", features=features, confidence=confidence, source=source,
        evidence=evidence, warnings=warnings,
    )  # fmt: skip
