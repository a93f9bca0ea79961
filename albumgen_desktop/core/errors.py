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


class NonFiniteOutputError(AlbumGenError):
    """A model produced NaN or infinite values (reduced-precision overflow, damaged weights);
    nothing built from them is kept. ``str(err)`` says what produced them."""

    exit_code = 1
