"""One error hierarchy whose messages a person can act on.

Every error carries the CLI exit code it maps to, so the CLI and the GUI
never have to guess how serious something is.
"""

from __future__ import annotations


class AlbumGenError(Exception):
    """Base class: ``str(err)`` is a complete sentence meant for the user."""

    exit_code = 1


class BadInputError(AlbumGenError):
    """The user gave us something we cannot use (file, JSON, option)."""

    exit_code = 2


class ModelMissingError(AlbumGenError):
    """A neural engine was asked for but its weights are not on disk (and we are offline)."""

    exit_code = 3


class NotAvailableError(AlbumGenError):
    """A feature that this build does not provide yet, or that this machine cannot run."""

    exit_code = 1


class CancelledError(AlbumGenError):
    """The user cancelled; any partial result travels with the exception."""

    exit_code = 130

    def __init__(self, message: str = "Cancelled.", partial: object | None = None) -> None:
        super().__init__(message)
        self.partial = partial


class LibraryBusyError(AlbumGenError):
    """Another process held the reference library's write lock for longer than the busy timeout."""

    exit_code = 75  # EX_TEMPFAIL in sysexits.h: a temporary failure, the command may be retried


class LibraryDamagedError(BadInputError):
    """The reference library file is not a sound SQLite database (corrupt pages, not a database).

    ``path`` is the library file; ``library.store.repair_library(path)`` (``albumgen library
    repair``) moves it aside and starts a new one with the albums that can still be read.
    """

    def __init__(self, message: str, path: object = None, detail: str = "") -> None:
        super().__init__(message)
        self.path = path
        self.detail = detail  # what SQLite or the check found, without the advice


class LibraryAccessError(BadInputError):
    """The reference library cannot be opened or created where it is asked for: its folder is a
    file or cannot be written, or the file itself is read-only, a folder or not a regular file."""


class NonFiniteOutputError(AlbumGenError):
    """A model produced NaN or infinite values (reduced-precision overflow, damaged weights);
    nothing built from them is kept. ``str(err)`` says what produced them."""

    exit_code = 1
