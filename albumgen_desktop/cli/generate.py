"""`albumgen analyse|music|cover|selftest|gui`: the commands that analyse and make things."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from albumgen_desktop.cli.common import PROG, naming, print_warnings, say_first_run, wrote
from albumgen_desktop.core.analysis import printable_path
from albumgen_desktop.core.errors import AlbumGenError, BadInputError, NotAvailableError
from albumgen_desktop.core.features import Features
from albumgen_desktop.io.atomic import check_output_path


def cmd_analyse(args: argparse.Namespace) -> int:
    """Every file is analysed even when some fail; the exit code is the worst of them."""
    from albumgen_desktop.core.evidence import LibraryWeight
    from albumgen_desktop.services.analyse import analyse_input

    library = _analysis_library(args)
    worst = 0
    for path in args.files:
        try:
            result = analyse_input(path, engine=args.engine, library=library, vlm=args.vlm, on_first_run=say_first_run)
        except AlbumGenError as exc:
            print(f"{PROG}: {naming(path, exc)}", file=sys.stderr)
            worst = max(worst, exc.exit_code)
            continue
        except OSError as exc:  # an I/O failure on this file (not bad input): report it, go on
            print(f"{PROG}: {printable_path(path)}: {exc.strerror or exc}", file=sys.stderr)
            worst = max(worst, 1)
            continue
        if args.json:
            print(json.dumps(result.to_dict(), ensure_ascii=False), flush=True)
        else:
            notes = result.warnings + [e.note for e in result.evidence if isinstance(e, LibraryWeight)]
            print_warnings(notes, path)
            f = result.features
            # A mode without a key is printed only when something read it (a cover's mood, a
            # recipe); an audio analysis that found no key has no mode to report either.
            key = f.key_label or ("unknown key" + (f", {f.mode}" if result.confidence.get("mode", 0.0) > 0.05 else ""))
            print(
                f"{printable_path(path)}: {f.genre or 'no genre'}, {f.tempo_bpm:.0f} BPM, {key}, {f.time_signature}/4, "
                f"energy {f.energy:.2f}, valence {f.valence:.2f}, loudness {f.loudness_db:.1f} dB "
                f"(from {result.kind})"
            )
    return worst


def _analysis_library(args: argparse.Namespace) -> Path | None:
    """The --library path (opened per file by the analysis, which notes a damaged or busy one)."""
    if getattr(args, "library", None) is None:
        return None
    if not args.library.exists():
        raise BadInputError(f"there is no reference library at {printable_path(args.library)}")
    return args.library


def _features_for(args: argparse.Namespace, source: Path | None) -> tuple[Features, list[str]]:
    """Features from --features, else from the dropped file (analysed), else the defaults.
    Errors name the file they are about."""
    from albumgen_desktop.io.metadata import read_features_file
    from albumgen_desktop.services.analyse import analyse_input

    warnings: list[str] = []
    if args.features is not None:
        try:
            return read_features_file(args.features, warnings), [f"{args.features.name}: {w}" for w in warnings]
        except AlbumGenError as exc:
            exc.args = (naming(args.features, exc),)
            raise
    if source is not None:
        try:
            analysis = analyse_input(source, engine="auto", on_first_run=say_first_run)
        except AlbumGenError as exc:
            exc.args = (naming(source, exc),)
            raise
        return analysis.features, [f"{printable_path(source.name)}: {w}" for w in analysis.warnings]
    return Features(), warnings


def _check_inputs(args: argparse.Namespace, *names: str) -> None:
    from albumgen_desktop.io.files import check_input_file

    for name in names:
        value = getattr(args, name)
        if value is not None:
            check_input_file(value)
    if args.prompt is not None and not args.prompt.strip():
        raise BadInputError("--prompt is empty")


def cmd_music(args: argparse.Namespace) -> int:
    from albumgen_desktop.io.metadata import export_wav
    from albumgen_desktop.services.music import MusicJob, generate_music

    check_output_path(args.output, ".wav")
    _check_inputs(args, "cover", "melody")
    features, warnings = _features_for(args, args.cover)
    print_warnings(warnings)
    job = MusicJob(
        features=features, prompt=args.prompt or "", duration_s=args.duration, seed=args.seed,
        engine=args.engine, model_id=args.model, melody=args.melody, title=args.title, artist=args.artist,
        repeat_notes=True,
    )  # fmt: skip
    result = generate_music(job)
    print_warnings(result.notices)
    export_wav(args.output, result.audio[0], result.sample_rate, result.recipes[0])
    print(f"{wrote(args.output)}: {args.duration:g} s, {result.recipes[0].engine}")
    return 0


def cmd_cover(args: argparse.Namespace) -> int:
    from albumgen_desktop.io.images import load_image
    from albumgen_desktop.io.metadata import export_png
    from albumgen_desktop.services.cover import CoverJob, generate_cover

    check_output_path(args.output, ".png")
    _check_inputs(args, "audio", "reference")
    reference = load_image(args.reference) if args.reference is not None else None
    features, warnings = _features_for(args, args.audio)
    print_warnings(warnings)
    job = CoverJob(
        features=features, title=args.title, artist=args.artist, prompt=args.prompt or "",
        negative_prompt=args.negative, size=args.size, seed=args.seed, engine=args.engine, model_id=args.model,
        reference=reference, strength=args.strength, steps=args.steps, guidance=args.guidance,
        variations=args.variations, typography=args.typography, font=args.font, placement=args.placement,
        precision=args.precision, repeat_notes=True,
    )  # fmt: skip
    result = generate_cover(job)
    print_warnings(result.notices)
    for i, (image, recipe) in enumerate(zip(result.images, result.recipes, strict=True)):
        path = args.output if i == 0 else args.output.with_name(f"{args.output.stem}-{i + 1}{args.output.suffix}")
        export_png(path, image, recipe)
        print(f"{wrote(path)}: {args.size}x{args.size}, {recipe.engine}, seed {recipe.seed}")
    return 0


def cmd_selftest(args: argparse.Namespace) -> int:
    from albumgen_desktop.services.selftest import run_selftest

    return 0 if run_selftest(lambda line: print(line, flush=True)) else 1


def cmd_gui(args: argparse.Namespace) -> int:
    from albumgen_desktop.xcb_check import diagnose

    if not (x11 := diagnose()).ok:  # say which library is missing before Qt aborts with a misleading message
        raise NotAvailableError(x11.message())
    try:
        from albumgen_desktop.app.main import main as gui_main
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.startswith("albumgen_desktop.app"):
            raise NotAvailableError(
                "the desktop window is not built yet in this version; use the albumgen command"
            ) from None
        raise
    return gui_main([])
