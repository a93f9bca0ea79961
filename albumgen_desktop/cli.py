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
import stat
import sys
import traceback
from pathlib import Path
from typing import Any

from albumgen_desktop import __version__
from albumgen_desktop.core.analysis import ENGINE_CHOICES, printable_path
from albumgen_desktop.core.engines import engine_choices
from albumgen_desktop.core.errors import AlbumGenError, BadInputError, NotAvailableError
from albumgen_desktop.core.features import Features
from albumgen_desktop.core.units import human_size
from albumgen_desktop.io.atomic import check_output_path

PROG = "albumgen"


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0 or value != value or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number: {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be a whole number: {text!r}") from None
    if not 0 <= value <= 2**32 - 1:
        raise argparse.ArgumentTypeError("seed must be between 0 and 4294967295")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0.05 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0.05 and 1")
    return value


def _size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must be a whole number of pixels: {text!r}") from None
    if not 512 <= value <= 1024:
        raise argparse.ArgumentTypeError("size must be between 512 and 1024 pixels")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="AlbumGen Desktop: music that fits a cover, a cover that fits a track.",
    )
    parser.add_argument("--version", action="version", version=f"AlbumGen Desktop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("analyze", aliases=["analyse"], help="read Features from covers, tracks or AlbumGen exports")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE")
    p.add_argument("--engine", choices=ENGINE_CHOICES, default="auto")
    p.add_argument("--library", type=Path, metavar="FILE", help="reference library (default: in the user data dir)")
    p.add_argument("--vlm", action="store_true", help="covers: let the VLM write the Features (needs smolvlm-256m)")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_analyse)

    p = sub.add_parser("music", help="generate music from a cover, Features or a prompt")
    p.add_argument("cover", nargs="?", type=Path, metavar="COVER")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.wav")
    p.add_argument("--features", type=Path, metavar="F.json")
    p.add_argument("--prompt")
    p.add_argument("--title", default="", help="track title (WAV tags and recipe)")
    p.add_argument("--artist", default="", help="artist name for the WAV tags (never taken from the style)")
    p.add_argument("--duration", type=_positive_float, default=10.0, metavar="S")
    p.add_argument("--seed", type=_seed, default=0)
    p.add_argument("--engine", choices=engine_choices("music"), default="auto")
    p.add_argument("--model", metavar="ID")
    p.add_argument("--melody", type=Path, metavar="REF", help="reference melody (needs musicgen-melody)")
    p.set_defaults(func=cmd_music)

    p = sub.add_parser("cover", help="generate a cover from a track, Features or a prompt")
    p.add_argument("audio", nargs="?", type=Path, metavar="AUDIO")
    p.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.png")
    p.add_argument("--features", type=Path, metavar="F.json")
    p.add_argument("--title", default="")
    p.add_argument("--artist", default="")
    p.add_argument("--prompt")
    p.add_argument("--negative", metavar="TEXT", help="negative prompt (models that use guidance)")
    p.add_argument("--size", type=_size, default=1024, metavar="N")
    p.add_argument("--seed", type=_seed, default=0)
    p.add_argument("--engine", choices=engine_choices("cover"), default="auto")
    p.add_argument("--model", metavar="ID")
    p.add_argument("--reference", type=Path, metavar="IMG", help="start from this image (img2img)")
    p.add_argument("--strength", type=_fraction, default=0.6, help="how far to move from the reference (0..1)")
    p.add_argument("--steps", type=int, metavar="N", help="sampling steps (default: the model's)")
    p.add_argument("--guidance", type=float, metavar="G", help="guidance scale (default: the model's)")
    p.add_argument("--variations", type=int, default=1, metavar="N", help="N covers: OUT.png, OUT-2.png, ...")
    p.add_argument(
        "--typography",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="set the title and artist on the cover (default: on for sketch, off for diffusion)",
    )
    p.add_argument("--font", choices=("sans", "serif", "condensed", "aileron"), default="sans")
    p.add_argument("--placement", choices=("bottom", "top", "centre"), default="bottom")
    p.add_argument("--precision", choices=("auto", "fp32", "bf16", "fp16"), default="auto")
    p.set_defaults(func=cmd_cover)

    p = sub.add_parser("models", help="list, download, verify or remove model weights")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    q = msub.add_parser("list", help="every model the app can use, with licence, size and state")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_models_list)
    q = msub.add_parser("download", help="download a model or a bundle (cpu-starter, cuda-full); resumes")
    q.add_argument("model_id", metavar="ID")
    q.set_defaults(func=cmd_models_download)
    q = msub.add_parser("remove", help="delete one model from the cache")
    q.add_argument("model_id", metavar="ID")
    q.set_defaults(func=cmd_models_remove)
    q = msub.add_parser("verify", help="check downloaded files against the manifest")
    q.add_argument("model_id", nargs="?", metavar="ID")
    q.set_defaults(func=cmd_models_verify)

    p = sub.add_parser("library", help="the reference library of albums that cover analysis retrieves from")
    p.add_argument("--library", type=Path, metavar="FILE", help="library file (default: in the user data dir)")
    lsub = p.add_subparsers(dest="library_command", metavar="ACTION", required=True)
    q = lsub.add_parser("import", help="import a music folder, or a features CSV with its covers")
    q.add_argument("path", type=Path, metavar="PATH")
    q.add_argument("--covers", type=Path, metavar="DIR", help="cover images of a CSV, named by row id")
    q.set_defaults(func=cmd_library_import)
    q = lsub.add_parser("list", help="the albums, sorted by artist")
    q.add_argument("--search", default="", metavar="TEXT")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_library_list)
    q = lsub.add_parser("stats", help="how many albums, from where, with which embeddings")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=cmd_library_stats)
    q = lsub.add_parser("remove", help="remove albums by id")
    q.add_argument("ids", nargs="+", type=int, metavar="ID")
    q.set_defaults(func=cmd_library_remove)
    q = lsub.add_parser("repair", help="check the library; if damaged, set it aside and start a new one")
    q.set_defaults(func=cmd_library_repair)

    p = sub.add_parser("selftest", help="run every pipeline end to end offline and report")
    p.set_defaults(func=cmd_selftest)

    p = sub.add_parser("gui", help="start the desktop app")
    p.set_defaults(func=cmd_gui)
    return parser


def _print_warnings(warnings: list[str]) -> None:
    for w in warnings:
        print(f"{PROG}: note: {w}", file=sys.stderr)


def cmd_analyse(args: argparse.Namespace) -> int:
    """Every file is analysed even when some fail; the exit code is the worst of them."""
    from albumgen_desktop.services.analyse import analyse_input

    library = _analysis_library(args)
    worst = 0
    for path in args.files:
        try:
            result = analyse_input(path, engine=args.engine, library=library, vlm=args.vlm)
        except AlbumGenError as exc:
            print(f"{PROG}: {exc}", file=sys.stderr)
            worst = max(worst, exc.exit_code)
            continue
        except OSError as exc:  # an I/O failure on this file (not bad input): report it, go on
            print(f"{PROG}: {path}: {exc.strerror or exc}", file=sys.stderr)
            worst = max(worst, 1)
            continue
        if args.json:
            print(json.dumps(result.to_dict(), ensure_ascii=False), flush=True)
        else:
            _print_warnings(result.warnings)
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
        raise BadInputError(f"no reference library at {args.library}")
    return args.library


def _features_for(args: argparse.Namespace, source: Path | None) -> tuple[Features, list[str]]:
    """Features from --features, else from the dropped file (analysed), else the defaults."""
    from albumgen_desktop.io.metadata import read_features_file
    from albumgen_desktop.services.analyse import analyse_input

    warnings: list[str] = []
    if args.features is not None:
        return read_features_file(args.features, warnings), warnings
    if source is not None:
        analysis = analyse_input(source, engine="auto")
        return analysis.features, analysis.warnings
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
    _print_warnings(warnings)
    job = MusicJob(
        features=features, prompt=args.prompt or "", duration_s=args.duration, seed=args.seed,
        engine=args.engine, model_id=args.model, melody=args.melody, title=args.title, artist=args.artist,
    )  # fmt: skip
    result = generate_music(job)
    _print_warnings(result.notices)
    export_wav(args.output, result.audio[0], result.sample_rate, result.recipes[0])
    print(f"wrote {args.output} ({args.duration:g} s, {result.recipes[0].engine})")
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
        precision=args.precision,
    )  # fmt: skip
    result = generate_cover(job)
    _print_warnings(result.notices)
    for i, (image, recipe) in enumerate(zip(result.images, result.recipes, strict=True)):
        path = args.output if i == 0 else args.output.with_name(f"{args.output.stem}-{i + 1}{args.output.suffix}")
        export_png(path, image, recipe)
        print(f"wrote {path} ({args.size}x{args.size}, {recipe.engine}, seed {recipe.seed})")
    return 0


def cmd_models_list(args: argparse.Namespace) -> int:
    from albumgen_desktop.models.installed import size_on_disk
    from albumgen_desktop.models.manifest import load_bundles, load_manifest

    entries = load_manifest()
    rows: list[dict[str, Any]] = []
    labels: list[str] = []
    for e in entries:
        check = e.check()
        labels.append(check.state.label)
        rows.append(
            {
                "id": e.id,
                "role": e.role,
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
            }
        )
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    for label, r in zip(labels, rows, strict=True):
        print(f"{r['id']:<16} {r['role']:<16} {human_size(r['size_bytes']):>9}  {r['license']:<14} {label}")
        print(f"{'':<16} {r['repo']}@{r['revision'][:12]}  {r['license_summary']}")
        for problem in r["problems"][:3]:
            print(f"{'':<16} {problem}")
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
            f"{entry.id}: {entry.repo}@{entry.revision[:12]}, {human_size(entry.size_bytes)}, "
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
    from albumgen_desktop.models.manifest import find_model, load_manifest
    from albumgen_desktop.models.verify import verify_report

    if args.model_id:
        entries = [find_model(args.model_id)]
    else:
        entries = [e for e in load_manifest() if e.state().value != "not downloaded"]
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


def _library(args: argparse.Namespace):
    from albumgen_desktop.library.store import Library

    return Library(args.library)


def cmd_library_import(args: argparse.Namespace) -> int:
    from albumgen_desktop.io.files import check_input_file, check_input_folder
    from albumgen_desktop.library.embedders import available_embedders
    from albumgen_desktop.library.importer import import_csv, import_music_folder

    if args.path.is_dir():
        check_input_folder(args.path)
    else:
        check_input_file(args.path)  # a FIFO or a device is refused here, not read forever
    if args.covers is not None:
        check_input_folder(args.covers)
    embedders = available_embedders()
    with _library(args) as library:
        if args.path.is_dir():
            report = import_music_folder(library, args.path, embedders)
        else:
            report = import_csv(library, args.path, embedders, covers=args.covers)
        _print_warnings(report.notes)
        for where, why in report.skipped[:20]:
            print(f"{PROG}: skipped {where}: {why}", file=sys.stderr)
        if len(report.skipped) > 20:
            print(f"{PROG}: ... and {len(report.skipped) - 20} more skipped", file=sys.stderr)
        models = ", ".join(e.model for e in embedders)
        print(f"{report.summary()} ({library.count()} in {library.path}; cover embeddings: {models})")
    return 0


def cmd_library_list(args: argparse.Namespace) -> int:
    with _library(args) as library:
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
        print("the library is empty; add albums with 'albumgen library import FOLDER|CSV'", file=sys.stderr)
    return 0


def cmd_library_stats(args: argparse.Namespace) -> int:
    with _library(args) as library:
        stats = library.stats()
    if args.json:
        print(json.dumps(stats.to_dict(), ensure_ascii=False))
        return 0
    print(f"{stats.albums} albums in {stats.path} ({human_size(stats.size_bytes)})")
    for source, n in sorted(stats.by_source.items()):
        print(f"  from {source}: {n}")
    for model, n in sorted(stats.embeddings.items()):
        print(f"  cover embeddings {model}: {n}")
    if stats.top_genres:
        print("  genres: " + ", ".join(f"{g} ({n})" for g, n in stats.top_genres))
    return 0


def cmd_library_remove(args: argparse.Namespace) -> int:
    with _library(args) as library:
        gone = library.remove(args.ids)
    print(f"removed {gone} album(s)")
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
    if hasattr(sys.stdout, "reconfigure"):  # a file name with a non-UTF-8 byte must not crash a print
        sys.stdout.reconfigure(errors="backslashreplace")
    parser = build_parser()
    args = parser.parse_args(argv)
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
