"""`albumgen` start to finish: parse, run the command, turn errors into one line and an exit code."""

from __future__ import annotations

import os
import stat
import sys
import traceback
from pathlib import Path

from albumgen_desktop.cli.common import PROG
from albumgen_desktop.cli.parser import build_parser
from albumgen_desktop.core.errors import AlbumGenError


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
