"""The `albumgen` argument parser: subcommands, help texts with units and ranges, one-line usage errors."""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from albumgen_desktop import __version__
from albumgen_desktop.cli.common import PROG
from albumgen_desktop.cli.generate import cmd_analyse, cmd_cover, cmd_gui, cmd_music, cmd_selftest
from albumgen_desktop.cli.library_commands import (
    cmd_library_import,
    cmd_library_list,
    cmd_library_remove,
    cmd_library_repair,
    cmd_library_stats,
)
from albumgen_desktop.cli.model_commands import (
    cmd_models_download,
    cmd_models_list,
    cmd_models_remove,
    cmd_models_verify,
)
from albumgen_desktop.core.analysis import ENGINE_CHOICES, printable_path
from albumgen_desktop.core.engines import engine_choices
from albumgen_desktop.core.limits import COVER_SIZE, DURATION_S, GUIDANCE, SEED, STEPS, STRENGTH, VARIATIONS, Range


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
