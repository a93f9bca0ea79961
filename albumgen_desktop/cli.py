"""`albumgen`: the command-line front end over the same services the app uses.

Exit codes: 0 success, 1 failure or not available, 2 bad input, 3 model missing offline,
75 reference library busy (another process kept writing; try again), 130 interrupted,
141 stdout closed early (``albumgen ... | head``; nothing is logged).
Errors are one line on stderr; a traceback goes to the log file only.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import stat
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from albumgen_desktop import __version__
from albumgen_desktop.core.analysis import ENGINE_CHOICES, printable_path
from albumgen_desktop.core.engines import engine_choices
from albumgen_desktop.core.errors import AlbumGenError, BadInputError, NotAvailableError
from albumgen_desktop.core.features import Features
from albumgen_desktop.core.limits import COVER_SIZE, DURATION_S, GUIDANCE, SEED, STEPS, STRENGTH, VARIATIONS, Range
from albumgen_desktop.core.units import human_size
from albumgen_desktop.io.atomic import check_output_path

PROG = "albumgen"


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: "albumgen music: --duration must be 0.5..600 seconds, got 0"
    and exit code 2, without the usage block (``--help`` still shows it)."""

    def error(self, message: str) -> NoReturn:
        match = re.match(r"argument (\S+): (.*)", message, re.DOTALL)
        if match:
            name, detail = match.groups()
            name = name.split("/")[-1]  # "-o/--output" -> "--output"
            message = f"{name} {detail}" if detail.startswith("must ") else f"{name}: {detail}"
        self.exit(2, f"{self.prog}: {message}\n")


class _HelpFormatter(argparse.HelpFormatter):
    """Help with each option's default, where it has one worth saying (not None, False or '')."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if (
            "%(default)" not in text
            and default is not None
            and not isinstance(default, bool)
            and default not in ("", argparse.SUPPRESS)
            and action.option_strings
        ):
            text += " (default: %(default)s)"
        return text


def _ranged(limits: Range, what: str = "") -> Callable[[str], Any]:
    """An argparse ``type`` for a number in ``limits``: the value, or an ArgumentTypeError that
    states the range ("must be 0.5..600 seconds, got 0"); whole numbers for a whole range."""

    def parse(text: str) -> int | float:
        kind = "a whole number " if limits.whole else "a number "
        try:
            value: int | float = int(text) if limits.whole else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be {kind}{limits.describe()}, got {text!r}") from None
        if value not in limits:
            raise argparse.ArgumentTypeError(f"must be {what}{limits.describe()}, got {text}")
        return value

    return parse


def _album_id(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an album id (a whole number), got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be an album id (1 or more), got {text}")
    return value


def _output(suffix: str, example: str) -> Callable[[str], Path]:
    """An argparse ``type`` for -o: a file name, not a folder ("out/" or an existing folder)."""

    def parse(text: str) -> Path:
        path = Path(text)
        if text.endswith(("/", os.sep)) or path.is_dir():
            what = "is a folder" if path.is_dir() else "names a folder (it ends in /)"
            raise argparse.ArgumentTypeError(
                f"must be a file name, and {printable_path(text)} {what}; e.g. -o {printable_path(path / example)}"
            )
        if path.suffix.lower() != suffix:
            raise argparse.ArgumentTypeError(f"must be a file name ending in {suffix}, got {printable_path(path)}")
        return path

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="AlbumGen Desktop: music that fits a cover, a cover that fits a track.",
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"AlbumGen Desktop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def command(name: str, help_text: str, **kw: Any) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help_text, description=help_text, formatter_class=_HelpFormatter, **kw)

    p = command("analyze", "read Features from covers, tracks or AlbumGen exports", aliases=["analyse"])
    p.add_argument(
        "files",
        nargs="+",
        type=Path,
        metavar="FILE",
        help="a cover image, a track (WAV, FLAC, MP3, OGG, M4A...) or an exported PNG/WAV/JSON",
    )
    p.add_argument("--engine", choices=ENGINE_CHOICES, default="auto",
                   help="sketch: colour and sound measurements, no download; neural: CLIP for covers, CLAP for "
                        "tracks; auto: neural where its model is downloaded")  # fmt: skip
    p.add_argument(
        "--library",
        type=Path,
        metavar="FILE",
        help="reference library to compare covers with (default: the one in the user data folder)",
    )
    p.add_argument("--vlm", action="store_true", help="covers: let the VLM write the Features (needs smolvlm-256m)")
    p.add_argument("--json", action="store_true", help="print one JSON object per file")
    p.set_defaults(func=cmd_analyse)

    p = command("music", "generate music from a cover, Features or a prompt")
    p.add_argument("cover", nargs="?", type=Path, metavar="COVER",
                   help="a cover image (or a track, or an export) to read the Features from; without it the "
                        "defaults")  # fmt: skip
    p.add_argument(
        "-o",
        "--output",
        type=_output(".wav", "music.wav"),
        required=True,
        metavar="OUT.wav",
        help="the WAV to write (its recipe goes in it and in OUT.wav.json)",
    )
    p.add_argument("--features", type=Path, metavar="F.json", help="Features JSON (or an export) instead of COVER")
    p.add_argument("--prompt", help="text prompt for MusicGen (the sketch engine follows the Features, not text)")
    p.add_argument("--title", default="", help="track title (WAV tags and recipe)")
    p.add_argument("--artist", default="", help="artist name for the WAV tags (never taken from the style)")
    p.add_argument(
        "--duration",
        type=_ranged(DURATION_S),
        default=10.0,
        metavar="S",
        help=f"length of the music, {DURATION_S.describe()}",
    )
    p.add_argument(
        "--seed",
        type=_ranged(SEED),
        default=0,
        help=f"random seed, {SEED.describe()}; the same seed and inputs give the same music",
    )
    p.add_argument(
        "--engine",
        choices=engine_choices("music"),
        default="auto",
        help="sketch: instant, no download; musicgen: the neural model; auto: musicgen when downloaded",
    )
    p.add_argument(
        "--model", metavar="ID", help="a music model id from 'albumgen models list' (default: musicgen-small)"
    )
    p.add_argument("--melody", type=Path, metavar="REF", help="reference melody to follow (needs musicgen-melody)")
    p.set_defaults(func=cmd_music)

    p = command("cover", "generate a cover from a track, Features or a prompt")
    p.add_argument(
        "audio",
        nargs="?",
        type=Path,
        metavar="AUDIO",
        help="a track (or an export) to read the Features from; without it the defaults",
    )
    p.add_argument(
        "-o",
        "--output",
        type=_output(".png", "cover.png"),
        required=True,
        metavar="OUT.png",
        help="the PNG to write (its recipe goes in it and in OUT.png.json)",
    )
    p.add_argument("--features", type=Path, metavar="F.json", help="Features JSON (or an export) instead of AUDIO")
    p.add_argument("--title", default="", help="album title (prompt, type on the cover, recipe)")
    p.add_argument("--artist", default="", help="artist name set on the cover with the title")
    p.add_argument("--prompt", help="text prompt for the diffusion model (the sketch painter follows the Features)")
    p.add_argument(
        "--negative",
        metavar="TEXT",
        help="what to avoid (negative prompt); used by models that run with guidance above 1",
    )
    p.add_argument(
        "--size",
        type=_ranged(COVER_SIZE),
        default=1024,
        metavar="N",
        help=f"side of the square cover, {COVER_SIZE.describe()}",
    )
    p.add_argument(
        "--seed", type=_ranged(SEED), default=0, help=f"random seed, {SEED.describe()}; variation N uses seed + N - 1"
    )
    p.add_argument(
        "--engine",
        choices=engine_choices("cover"),
        default="auto",
        help="sketch: instant, no download; diffusion: the neural model; auto: diffusion when downloaded",
    )
    p.add_argument("--model", metavar="ID", help="a cover model id from 'albumgen models list' (default: sdxs-512)")
    p.add_argument("--reference", type=Path, metavar="IMG", help="start from this image (img2img)")
    p.add_argument(
        "--strength",
        type=_ranged(STRENGTH),
        default=0.6,
        help=f"how far to move from the reference, {STRENGTH.describe()}",
    )
    p.add_argument(
        "--steps", type=_ranged(STEPS), metavar="N", help=f"sampling steps, {STEPS.describe()} (default: the model's)"
    )
    p.add_argument(
        "--guidance",
        type=_ranged(GUIDANCE),
        metavar="G",
        help=f"guidance scale (CFG), {GUIDANCE.describe()} (default: the model's)",
    )
    p.add_argument(
        "--variations",
        type=_ranged(VARIATIONS),
        default=1,
        metavar="N",
        help=f"how many covers, {VARIATIONS.describe()}: OUT.png, OUT-2.png, ...",
    )
    p.add_argument(
        "--typography",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="set the title and artist on the cover (default: on for sketch, off for diffusion)",
    )
    p.add_argument("--font", choices=("sans", "serif", "condensed", "aileron"), default="sans", help="typeface")
    p.add_argument("--placement", choices=("bottom", "top", "centre"), default="bottom", help="where the title sits")
    p.add_argument(
        "--precision",
        choices=("auto", "fp32", "bf16", "fp16"),
        default="auto",
        help="number format of the diffusion model; auto picks what the device runs well",
    )
    p.set_defaults(func=cmd_cover)

    p = command("models", "list, download, verify or remove model weights")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)

    def action(name: str, help_text: str) -> argparse.ArgumentParser:
        return msub.add_parser(name, help=help_text, description=help_text, formatter_class=_HelpFormatter)

    q = action("list", "every model the app can use, with licence, size and state")
    q.add_argument("--json", action="store_true", help="print one JSON array")
    q.add_argument("--verbose", "-v", action="store_true", help="also say why each model and revision was chosen")
    q.set_defaults(func=cmd_models_list)
    q = action("download", "download a model or a bundle (cpu-starter, cuda-full); resumes where it stopped")
    q.add_argument("model_id", metavar="ID", help="a model id or a bundle id from 'albumgen models list'")
    q.set_defaults(func=cmd_models_download)
    q = action("remove", "delete one model from the cache")
    q.add_argument("model_id", metavar="ID", help="a model id from 'albumgen models list'")
    q.set_defaults(func=cmd_models_remove)
    q = action("verify", "check downloaded files against the manifest (hashes where known)")
    q.add_argument("model_id", nargs="?", metavar="ID", help="one model id (default: every downloaded model)")
    q.set_defaults(func=cmd_models_verify)

    p = command("library", "the reference library of albums that cover analysis retrieves from")
    p.add_argument(
        "--library", type=Path, metavar="FILE", help="library file (default: library.sqlite in the user data folder)"
    )
    lsub = p.add_subparsers(dest="library_command", metavar="ACTION", required=True)

    def library_action(name: str, help_text: str) -> argparse.ArgumentParser:
        return lsub.add_parser(name, help=help_text, description=help_text, formatter_class=_HelpFormatter)

    q = library_action("import", "import a music folder, or a features CSV with its covers")
    q.add_argument(
        "path", type=Path, metavar="PATH", help="a folder of tracks with cover art, or a CSV of Spotify-style features"
    )
    q.add_argument("--covers", type=Path, metavar="DIR", help="cover images of a CSV, named by row id")
    q.set_defaults(func=cmd_library_import)
    q = library_action("list", "the albums, sorted by artist")
    q.add_argument("--search", default="", metavar="TEXT", help="only albums whose title, artist or genre holds TEXT")
    q.add_argument("--json", action="store_true", help="print one JSON array")
    q.set_defaults(func=cmd_library_list)
    q = library_action("stats", "how many albums, from where, with which cover embeddings")
    q.add_argument("--json", action="store_true", help="print one JSON object")
    q.set_defaults(func=cmd_library_stats)
    q = library_action("remove", "remove albums by id")
    q.add_argument("ids", nargs="+", type=_album_id, metavar="ID", help="album ids, as 'albumgen library list' shows")
    q.set_defaults(func=cmd_library_remove)
    q = library_action("repair", "check the library; if damaged, set it aside and start a new one")
    q.set_defaults(func=cmd_library_repair)

    p = command("selftest", "run every pipeline end to end offline and report")
    p.set_defaults(func=cmd_selftest)

    p = command("gui", "start the desktop app")
    p.set_defaults(func=cmd_gui)
    return parser


def _print_warnings(warnings: list[str], about: Path | None = None) -> None:
    """Each note on its own line; ``about`` names the file they are about (several may be given)."""
    where = f"{printable_path(about.name)}: " if about is not None else ""
    for w in warnings:
        print(f"{PROG}: note: {where}{w}", file=sys.stderr)


_first_run_said: list[str] = []


def _say_first_run(note: str) -> None:
    """The one-line note before a slow one-time preparation (librosa's kernels), once a process."""
    if note not in _first_run_said:
        _first_run_said.append(note)
        print(f"{PROG}: {note}", file=sys.stderr, flush=True)


def _naming(path: Path, exc: AlbumGenError) -> str:
    """``exc``'s message naming the file it is about, when it does not already."""
    text = str(exc)
    if path.name in text or printable_path(path.name) in text:
        return text
    return f"{printable_path(path)}: {text}"


def cmd_analyse(args: argparse.Namespace) -> int:
    """Every file is analysed even when some fail; the exit code is the worst of them."""
    from albumgen_desktop.core.evidence import LibraryWeight
    from albumgen_desktop.services.analyse import analyse_input

    library = _analysis_library(args)
    worst = 0
    for path in args.files:
        try:
            result = analyse_input(path, engine=args.engine, library=library, vlm=args.vlm, on_first_run=_say_first_run)
        except AlbumGenError as exc:
            print(f"{PROG}: {_naming(path, exc)}", file=sys.stderr)
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
            _print_warnings(notes, path)
            f = result.features
            key = f.key_label or f"unknown key, {f.mode}"
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
            exc.args = (_naming(args.features, exc),)
            raise
    if source is not None:
        try:
            analysis = analyse_input(source, engine="auto", on_first_run=_say_first_run)
        except AlbumGenError as exc:
            exc.args = (_naming(source, exc),)
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


def _wrote(path: Path) -> str:
    """'wrote c.png (+ c.png.json)': the file and its recipe sidecar."""
    from albumgen_desktop.io.metadata import sidecar_path

    return f"wrote {printable_path(path)} (+ {printable_path(sidecar_path(path).name)})"


def cmd_music(args: argparse.Namespace) -> int:
    from albumgen_desktop.io.metadata import export_wav
    from albumgen_desktop.services.music import MusicJob, generate_music

    check_output_path(args.output, ".wav")
    _check_inputs(args, "cover", "melody")
    features, warnings = _features_for(args, args.cover)
    _print_warnings(warnings)
    job = MusicJob(
        features=features, prompt=args.prompt or "", duration_s=args.duration, seed=args.seed,
        engine=args.engine, model_id=args.model, melody=args.melody, title=args.title, artist=args.artist,
        repeat_notes=True,
    )  # fmt: skip
    result = generate_music(job)
    _print_warnings(result.notices)
    export_wav(args.output, result.audio[0], result.sample_rate, result.recipes[0])
    print(f"{_wrote(args.output)}: {args.duration:g} s, {result.recipes[0].engine}")
    return 0


def cmd_cover(args: argparse.Namespace) -> int:
    from albumgen_desktop.io.images import load_image
    from albumgen_desktop.io.metadata import export_png
    from albumgen_desktop.services.cover import CoverJob, generate_cover

    check_output_path(args.output, ".png")
    _check_inputs(args, "audio", "reference")
    reference = load_image(args.reference) if args.reference is not None else None
    features, warnings = _features_for(args, args.audio)
    _print_warnings(warnings)
    job = CoverJob(
        features=features, title=args.title, artist=args.artist, prompt=args.prompt or "",
        negative_prompt=args.negative, size=args.size, seed=args.seed, engine=args.engine, model_id=args.model,
        reference=reference, strength=args.strength, steps=args.steps, guidance=args.guidance,
        variations=args.variations, typography=args.typography, font=args.font, placement=args.placement,
        precision=args.precision, repeat_notes=True,
    )  # fmt: skip
    result = generate_cover(job)
    _print_warnings(result.notices)
    for i, (image, recipe) in enumerate(zip(result.images, result.recipes, strict=True)):
        path = args.output if i == 0 else args.output.with_name(f"{args.output.stem}-{i + 1}{args.output.suffix}")
        export_png(path, image, recipe)
        print(f"{_wrote(path)}: {args.size}x{args.size}, {recipe.engine}, seed {recipe.seed}")
    return 0


def _table(rows: list[tuple[str, ...]], right: tuple[int, ...] = ()) -> list[str]:
    """Rows as lines of columns padded to the widest cell of each (two spaces apart); the
    columns numbered in ``right`` are right-aligned."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for r in rows:
        cells = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))]
        lines.append("  ".join(cells).rstrip())
    return lines


def cmd_models_list(args: argparse.Namespace) -> int:
    from albumgen_desktop.models.installed import size_on_disk
    from albumgen_desktop.models.manifest import load_bundles, load_manifest, role_label

    entries = load_manifest()
    rows: list[dict[str, Any]] = []
    labels: list[str] = []
    for e in entries:
        check = e.check()
        labels.append(check.state.label)
        rows.append(
            {
                "id": e.id,
                "name": e.display_name,
                "summary": e.summary,
                "role": e.role,
                "use": role_label(e.role),
                "repo": e.repo,
                "revision": e.revision,
                "size_bytes": e.size_bytes,
                "license": e.license.name,
                "license_summary": e.license.summary,
                "commercial_use": e.license.commercial,
                "tiers": list(e.tiers),
                "installed": check.state.value == "installed",
                "state": check.state.value,
                "problems": list(check.problems),
                "size_on_disk": size_on_disk(e),
                "resolved_commit": check.commit if check.snapshot is not None else None,
                "why": e.why,
            }
        )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    table = _table(
        [("ID", "USE", "SIZE", "LICENCE", "STATE")]
        + [(r["id"], r["use"], human_size(r["size_bytes"]), r["license"], label) for r, label in zip(rows, labels, strict=True)],
        right=(2,),
    )  # fmt: skip
    indent = " " * (max(len(r["id"]) for r in rows) + 2)
    print(table[0])
    for line, r in zip(table[1:], rows, strict=True):
        print(line)
        print(f"{indent}{r['name']}: {r['summary']}")
        print(f"{indent}{r['license_summary']}")
        for problem in r["problems"][:3]:
            print(f"{indent}{problem}")
        if args.verbose:
            print(f"{indent}{r['repo']}@{r['revision'][:12]}: {r['why']}")
    for b in load_bundles():
        print(f"bundle {b.id}: {b.name}, {human_size(b.size_bytes(entries))}: {', '.join(b.models)}")
    return 0


def cmd_models_download(args: argparse.Namespace) -> int:
    from albumgen_desktop.models.download import download_model
    from albumgen_desktop.models.manifest import find_model, load_bundles

    bundle = next((b for b in load_bundles() if b.id == args.model_id), None)
    if bundle is not None:
        entries = [e for e in bundle.entries() if not e.is_installed()]
        print(f"{bundle.name}: {human_size(bundle.size_bytes())} in all, {len(entries)} to download", file=sys.stderr)
    else:
        entries = [find_model(args.model_id)]
    for entry in entries:
        print(
            f"{entry.id} ({entry.display_name}): {entry.repo}@{entry.revision[:12]}, {human_size(entry.size_bytes)}, "
            f"licence {entry.license.name}",
            file=sys.stderr,
        )
        print(f"  {entry.license.summary}", file=sys.stderr)
        shown = {"pct": -1}

        def report(p, shown=shown) -> None:
            pct = int(100 * p.done / max(1, p.total))
            if pct != shown["pct"]:
                shown["pct"] = pct
                print(f"\r  {pct:3d}%  {p.filename}", end="", file=sys.stderr, flush=True)

        snapshot = download_model(entry, on_progress=report)
        print(f"\n{entry.id} is in {snapshot} (commit {snapshot.name})", file=sys.stderr)
    return 0


def cmd_models_verify(args: argparse.Namespace) -> int:
    from albumgen_desktop.core.errors import ModelMissingError
    from albumgen_desktop.models.manifest import ModelState, find_model, load_manifest
    from albumgen_desktop.models.verify import verify_report

    if args.model_id:
        entry = find_model(args.model_id)
        if entry.state() is ModelState.NOT_DOWNLOADED:
            raise ModelMissingError(
                f"{entry.id} is not downloaded, so there is nothing to verify; "
                f"run 'albumgen models download {entry.id}' first"
            )
        entries = [entry]
    else:
        entries = [e for e in load_manifest() if e.state() is not ModelState.NOT_DOWNLOADED]
    worst = 0
    for entry in entries:
        report = verify_report(entry)
        if report.problems:
            print(f"{entry.id}: {entry.state().label}: {'; '.join(report.problems)}")
            worst = 1
            continue
        note = f", {len(report.size_only)} by size only (no hash known)" if report.size_only else ""
        print(f"{entry.id}: ok ({len(report.hashed)} files hashed{note})")
    if not entries:
        print("no models are downloaded")
    return worst


def cmd_models_remove(args: argparse.Namespace) -> int:
    from albumgen_desktop.models.download import remove_model
    from albumgen_desktop.models.manifest import find_model

    entry = find_model(args.model_id)
    print(f"{entry.id}: {'removed' if remove_model(entry) else 'was not downloaded'}")
    return 0


def _library(args: argparse.Namespace, create: bool = True):
    """The library of --library (or the default one). Read-only commands pass ``create=False``:
    a library that is not there is then an error (or, for the default one, None) and nothing is made."""
    from albumgen_desktop.library.store import Library, default_library_path

    if not create and args.library is None and not default_library_path().exists():
        return None
    return Library(args.library, create=create)


def _library_flag(args: argparse.Namespace) -> str:
    """'--library PATH ' when the command was given one, so a suggested command acts on the same library."""
    from albumgen_desktop.library.store import default_library_path, library_option

    return library_option(args.library if args.library is not None else default_library_path())


TABLE_SUFFIXES = {".csv", ".tsv", ".txt", ""}  # what a features table may be called


def _not_a_collection(path: Path) -> str | None:
    """What ``path`` is when it is a track or a picture (not a features CSV), else None."""
    from albumgen_desktop.services.analyse import input_kind

    try:
        kind = input_kind(path)
    except AlbumGenError:
        if path.suffix.lower() in TABLE_SUFFIXES:
            return None  # read it as a CSV (which says what is wrong with it)
        raise  # named like a track or a picture but not one: say that, not "has no rows"
    return "an audio file" if kind == "audio" else "an image"


def cmd_library_import(args: argparse.Namespace) -> int:
    from albumgen_desktop.io.files import check_input_file, check_input_folder
    from albumgen_desktop.library.embedders import available_embedders
    from albumgen_desktop.library.importer import import_csv, import_music_folder

    if args.path.is_dir():
        check_input_folder(args.path)
    else:
        check_input_file(args.path)  # a FIFO or a device is refused here, not read forever
        kind = _not_a_collection(args.path)
        if kind is not None:
            import shlex

            folder = shlex.quote(printable_path(args.path.parent))
            raise BadInputError(
                f"{printable_path(args.path.name)} is {kind}; 'library import' takes a folder of tracks with "
                f"their covers or a features CSV: to import the folder it is in, run "
                f"'albumgen library {_library_flag(args)}import {folder}'"
            )
    if args.covers is not None:
        check_input_folder(args.covers)
    embedders = available_embedders()
    with _library(args) as library:
        if args.path.is_dir():
            from albumgen_desktop.engines.audio_warmup import FIRST_RUN_NOTE, audio_analyser_ready

            if not audio_analyser_ready():
                _say_first_run(FIRST_RUN_NOTE)
            report = import_music_folder(library, args.path, embedders)
        else:
            report = import_csv(library, args.path, embedders, covers=args.covers)
        _print_warnings(report.notes)
        for where, why in report.skipped[:20]:
            print(f"{PROG}: skipped {where}: {why}", file=sys.stderr)
        if len(report.skipped) > 20:
            print(f"{PROG}: ... and {len(report.skipped) - 20} more skipped", file=sys.stderr)
        models = ", ".join(e.model for e in embedders)
        print(f"{report.summary()} ({_albums(library.count())} in {library.path}; cover embeddings: {models})")
    return 0


def _albums(n: int) -> str:
    return f"{n} album" if n == 1 else f"{n} albums"


_EMPTY_LIBRARY = "the library is empty; add albums with 'albumgen library import FOLDER|CSV'"


def cmd_library_list(args: argparse.Namespace) -> int:
    library = _library(args, create=False)
    albums = []
    if library is not None:
        with library:
            albums = library.albums(search=args.search)
    if args.json:
        rows = [
            {"id": a.id, "title": a.title, "artist": a.artist, "genre": a.genre, "source": a.source,
             "features": a.features.to_dict()}
            for a in albums
        ]  # fmt: skip
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    for a in albums:
        f = a.features
        print(f"{a.id:6d}  {a.label()[:60]:60s}  {a.genre or '-':16s}  {f.tempo_bpm:5.0f} BPM  {f.key_label or '-'}")
    if not albums:
        print(_EMPTY_LIBRARY if not args.search else f"no album matches {args.search!r}", file=sys.stderr)
    return 0


def cmd_library_stats(args: argparse.Namespace) -> int:
    from albumgen_desktop.library.store import LibraryStats, default_library_path

    library = _library(args, create=False)
    if library is None:
        stats = LibraryStats(str(default_library_path()), 0, {}, {}, [], 0)
    else:
        with library:
            stats = library.stats()
    if args.json:
        print(json.dumps(stats.to_dict(), ensure_ascii=False))
        return 0
    print(f"{_albums(stats.albums)} in {stats.path} ({human_size(stats.size_bytes)})")
    for source, n in sorted(stats.by_source.items()):
        print(f"  from {source}: {n}")
    for model, n in sorted(stats.embeddings.items()):
        print(f"  cover embeddings {model}: {n}")
    if stats.top_genres:
        print("  genres: " + ", ".join(f"{g} ({n})" for g, n in stats.top_genres))
    return 0


def cmd_library_remove(args: argparse.Namespace) -> int:
    """Removes the albums that are there; an id that no album has is an error (exit 2) after."""
    from albumgen_desktop.library.store import library_option

    library = _library(args, create=False)
    if library is None:
        raise BadInputError(_EMPTY_LIBRARY)
    with library:
        ids = list(dict.fromkeys(args.ids))
        present = {a.id for a in library.get(ids)}
        gone = library.remove([i for i in ids if i in present])
    missing = [i for i in ids if i not in present]
    if gone:
        print(f"removed {_albums(gone)}")
    if missing:
        listing = ", ".join(map(str, missing))
        which = f"id {listing}" if len(missing) == 1 else f"ids {listing}"
        raise BadInputError(
            f"no album has {which}; 'albumgen library {library_option(library.path)}list' shows the ids"
        )
    return 0


def cmd_library_repair(args: argparse.Namespace) -> int:
    from albumgen_desktop.library.store import default_library_path, repair_library

    report = repair_library(args.library or default_library_path())
    if report.problem:
        print(f"{PROG}: the reference library {report.path} is damaged ({report.problem})", file=sys.stderr)
    print(report.summary())
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


def _log_crash() -> Path | None:
    try:
        from platformdirs import user_log_dir

        log_dir = Path(user_log_dir("albumgen-desktop", appauthor=False))
        log_dir.mkdir(parents=True, exist_ok=True)
        path = log_dir / "crash.log"
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(traceback.format_exc() + "\n")
        return path
    except OSError:
        return None


def main(argv: list[str] | None = None) -> int:
    import codecs

    from albumgen_desktop.core.analysis import escape_undecodable

    codecs.register_error("albumgen-escape", escape_undecodable)
    for stream in (sys.stdout, sys.stderr):  # a file name with a non-UTF-8 byte never crashes a print
        if hasattr(stream, "reconfigure"):  # and reads as caf\xe9.wav wherever it is printed
            stream.reconfigure(errors="albumgen-escape")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a one-line usage error (_Parser.error)
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # output to a pipe is buffered: a reader that left shows up here
        return code
    except BrokenPipeError:
        if _stdout_closed():
            return _quiet_exit_on_closed_stdout()
        where = _log_crash()
        hint = f"; details in {where}" if where else ""
        print(f"{PROG}: a connection was closed by the other side{hint}", file=sys.stderr)
        return 1
    except AlbumGenError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        where = _log_crash()
        hint = f"; details in {where}" if where else ""
        print(f"{PROG}: internal error: {type(exc).__name__}: {exc}{hint}", file=sys.stderr)
        return 1


def _stdout_closed() -> bool:
    """Whether stdout is a pipe whose reader has gone (a BrokenPipeError may also come from a socket)."""
    try:
        fd = sys.stdout.fileno()
        if not stat.S_ISFIFO(os.fstat(fd).st_mode) and not stat.S_ISSOCK(os.fstat(fd).st_mode):
            return False
    except (OSError, ValueError, AttributeError):
        return False
    try:
        import select

        poller = select.poll()
        poller.register(fd, 0)  # POLLERR is always reported: the read end is closed
        return any(mask & (select.POLLERR | select.POLLHUP) for _, mask in poller.poll(0))
    except (AttributeError, OSError, ValueError):  # no poll() (Windows): trust the exception
        return True


def _quiet_exit_on_closed_stdout() -> int:
    """`albumgen ... | head -1`: the reader has what it wanted. Point stdout at devnull so the
    interpreter's last flush does not raise again (the recipe in Python's docs, "Note on
    SIGPIPE"), and exit as a program stopped by SIGPIPE does: 128 + 13."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass
    return 141


def _ensure_std_streams() -> None:
    """A windowed build (no console) starts with sys.stdout/stderr set to None; anything that
    prints (warnings, tqdm, a library's logging) would then crash. Send them to the log folder."""
    if sys.stdout is not None and sys.stderr is not None:
        return
    try:
        from platformdirs import user_log_dir

        folder = Path(user_log_dir("albumgen-desktop", appauthor=False))
        folder.mkdir(parents=True, exist_ok=True)
        sink = open(folder / "output.log", "a", encoding="utf-8", buffering=1)
    except OSError:
        sink = open(os.devnull, "w", encoding="utf-8")
    if sys.stdout is None:
        sys.stdout = sink
    if sys.stderr is None:
        sys.stderr = sink


def gui_main() -> int:
    """Entry point of `albumgen-desktop` (also of the windowed bundle)."""
    _ensure_std_streams()
    return main(["gui"])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
