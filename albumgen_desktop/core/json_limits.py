"""JSON from outside (features files, recipes inside WAV/PNG files, sidecars) parsed with limits.

The standard library's parser has no depth limit (its C scanner recurses, so
``[[[[...`` 2,000 deep ends in RecursionError) and turns a 5,000-digit integer
into ValueError, a 400-digit one into an int that overflows ``float()`` later.
Every document we read is small and shallow (a recipe nests four levels), so we
check the nesting depth, the total size and the length of every number before
(or while) parsing, and every failure is one ``BadInputError``. orjson caps depth
at 1024 but not number length and would be a compiled dependency for ten lines.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

from albumgen_desktop.core.errors import BadInputError

MAX_DEPTH = 32  # a recipe nests 4 levels (recipe > features / params > list)
MAX_CHARS = 4_000_000  # recipes are ~2 kB; PNG text chunks are capped at 4 MB too
MAX_NUMBER_CHARS = 40  # a float64 needs at most 24 characters; 2**64 has 20 digits

_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)  # unrolled loop: linear, no backtracking
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def nesting_depth(text: str) -> int:
    """The deepest nesting of arrays/objects in ``text`` (brackets inside strings do not count)."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def loads(text: str | bytes, what: str, *, max_depth: int = MAX_DEPTH, max_chars: int = MAX_CHARS) -> Any:
    """Parse untrusted JSON text; ``what`` names it in messages ("recipe", "features.json").

    Refused with BadInputError: more than ``max_chars`` characters, nesting deeper than
    ``max_depth``, a number longer than MAX_NUMBER_CHARS characters or outside float64's
    range, NaN/Infinity literals, bytes that are not UTF-8, and any syntax error.
    """
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadInputError(f"{what} is not UTF-8 text") from None
    if len(text) > max_chars:
        raise BadInputError(f"{what} is too large ({len(text):,} characters; the limit is {max_chars:,})")
    if nesting_depth(text) > max_depth:
        raise BadInputError(f"{what} nests deeper than {max_depth} levels; it is not an AlbumGen document")
    try:
        return json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise BadInputError(f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except _NumberError as exc:
        raise BadInputError(f"{what} JSON {exc}") from None
    except (RecursionError, ValueError, OverflowError, MemoryError) as exc:  # belt and braces
        raise BadInputError(f"{what} cannot be read as JSON ({type(exc).__name__})") from None


class _NumberError(ValueError):
    pass


def _int(token: str) -> int:
    if len(token) > MAX_NUMBER_CHARS:
        raise _NumberError(f"contains a {len(token)}-digit number")
    return int(token)


def _float(token: str) -> float:
    if len(token) > MAX_NUMBER_CHARS:
        raise _NumberError(f"contains a {len(token)}-character number")
    value = float(token)
    if not math.isfinite(value):
        raise _NumberError(f"contains {token}, which is outside the range of numbers")
    return value


def _constant(name: str) -> Any:
    raise _NumberError(f"contains {name}, which is not a number")
