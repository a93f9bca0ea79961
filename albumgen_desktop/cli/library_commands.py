"""`albumgen library import|list|stats|remove|repair`: the reference library from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from albumgen_desktop.cli.common import PROG, print_warnings, say_first_run
from albumgen_desktop.core.analysis import printable_path
from albumgen_desktop.core.errors import AlbumGenError, BadInputError
from albumgen_desktop.core.units import human_size


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
                say_first_run(FIRST_RUN_NOTE)
            report = import_music_folder(library, args.path, embedders)
        else:
            report = import_csv(library, args.path, embedders, covers=args.covers)
        print_warnings(report.notes)
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
