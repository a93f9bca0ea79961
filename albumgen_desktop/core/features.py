"""Features: the one data type every direction of the app passes through.

Validation policy (one path, used by the constructor and every importer):

* Types are strict. A number must be an int or float (never a bool); text must be
  a string. ``key`` also accepts a note name ("C#", "Db", "F♯"); ``mode`` accepts
  "major"/"minor" in any case.
* NaN and infinities are rejected.
* A number slightly outside its range (by at most 10% of the range's span, e.g.
  a loudness of 1.017 on a 0..1 scale, or valence -0.02) is clamped to the edge
  and a warning is recorded: such values come from rounding and scale slips.
  Anything further out is rejected, because guessing would hide a real error.
  Tempo is the exception: it is folded by octaves (halved or doubled) into
  40..220 BPM, because a tempo of 280 BPM almost always means 140.
* Unknown keys are rejected, with the closest known key suggested. Missing keys
  take their defaults, so a hand-written file may name only what it cares about.

Importers (:func:`from_spotify`, :func:`from_albumgen_vlm`) are lenient where
the real-world shape demands it (strings for numbers, loudness on 0..1, key -1),
but finish through the same validation.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from albumgen_desktop.core import json_limits
from albumgen_desktop.core.errors import BadInputError
from albumgen_desktop.core.genres import canonical_genre
from albumgen_desktop.core.keys import key_name

UNIT_FEATURES: tuple[str, ...] = (
    "acousticness",
    "danceability",
    "energy",
    "instrumentalness",
    "liveness",
    "speechiness",
    "valence",
)

NOTE_NAMES: tuple[str, ...] = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
MODES: tuple[str, ...] = ("major", "minor")

TEMPO_RANGE = (40.0, 220.0)
LOUDNESS_RANGE = (-60.0, 0.0)
TIME_SIGNATURE_RANGE = (3, 7)
GENRE_MAX_CHARS = 40
STYLE_MAX_CHARS = 80
CLAMP_TOLERANCE = 0.10  # of the range's span

DESCRIPTIONS: dict[str, str] = {
    "acousticness": "How likely the music is played on acoustic instruments rather than electronic ones.",
    "danceability": "How suitable the groove is for dancing: steady beat, strong pulse, regular rhythm.",
    "energy": "Perceived intensity and activity: fast, loud and dense music feels energetic.",
    "instrumentalness": "How likely the track has no vocals; 1 means purely instrumental.",
    "liveness": "How much it sounds like a live performance with an audience.",
    "speechiness": "How much spoken word there is; high values mean talk, rap or poetry.",
    "valence": "Musical positiveness: high is happy or euphoric, low is sad or angry.",
    "loudness_db": "Overall loudness of the master in dB (integrated LUFS), from -60 (very quiet) to 0.",
    "tempo_bpm": "Speed of the beat in beats per minute.",
    "key": "The tonal centre (pitch class) of the music.",
    "mode": "Major (brighter) or minor (darker) tonality.",
    "time_signature": "Beats per bar: 3 for a waltz, 4 for most pop, 5 or 7 for odd metres.",
    "genre": "The style family the music belongs to, e.g. 'synthwave' or 'indie folk'.",
    "style": "Optional reference: an artist, era or scene the music should evoke.",
}

_FLAT_TO_SHARP = {"DB": "C#", "EB": "D#", "GB": "F#", "AB": "G#", "BB": "A#", "CB": "B", "FB": "E"}
_SHARP_ALIASES = {"E#": "F", "B#": "C"}
_ALLOWED_GENRE = re.compile(r"^[\w &'+/.-]*$")


def key_index(value: Any) -> int | None:
    """Pitch class 0..11 from an int or a note name; None for "no key". Raises BadInputError."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise BadInputError(f"key must be a pitch class 0..11 or a note name, got {value!r}")
    if isinstance(value, int):
        if 0 <= value <= 11:
            return value
        raise BadInputError(f"key must be a pitch class 0..11, got {value}")
    if isinstance(value, float) and value.is_integer() and 0 <= value <= 11:
        return int(value)
    if isinstance(value, str):
        name = value.strip().upper().replace("♯", "#").replace("♭", "B").replace("SHARP", "#")
        name = name.replace(" ", "")
        if len(name) == 2 and name[1] == "B" and name[0] in "ABCDEFG":
            name = _FLAT_TO_SHARP.get(name, name)
        name = _SHARP_ALIASES.get(name, name)
        if name in NOTE_NAMES:
            return NOTE_NAMES.index(name)
    raise BadInputError(f"key must be a pitch class 0..11 or a note name like 'C#' or 'Eb', got {value!r}")


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise BadInputError(f"{name} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise BadInputError(f"{name} must be a finite number, got {value!r}")
    return number


def _in_range(name: str, value: float, lo: float, hi: float, warnings: list[str] | None) -> float:
    if lo <= value <= hi:
        return value
    slack = (hi - lo) * CLAMP_TOLERANCE
    if warnings is None or not (lo - slack <= value <= hi + slack):
        raise BadInputError(f"{name} must be between {lo:g} and {hi:g}, got {value:g}")
    clamped = min(max(value, lo), hi)
    warnings.append(f"{name} {value:g} is outside {lo:g}..{hi:g}; clamped to {clamped:g}")
    return clamped


def _fold_tempo(value: float, warnings: list[str] | None) -> float:
    lo, hi = TEMPO_RANGE
    if lo <= value <= hi:
        return value
    if value <= 0 or warnings is None:
        raise BadInputError(f"tempo_bpm must be between {lo:g} and {hi:g} BPM, got {value:g}")
    folded = value
    while folded > hi:
        folded /= 2
    while folded < lo:
        folded *= 2
    if not lo <= folded <= hi:  # pragma: no cover - the range spans more than an octave
        raise BadInputError(f"tempo_bpm {value:g} cannot be folded into {lo:g}..{hi:g}")
    warnings.append(f"tempo_bpm {value:g} is outside {lo:g}..{hi:g}; read as {folded:g} (octave folded)")
    return folded


def clean_text(name: str, value: Any, max_chars: int) -> str:
    """A short text field (title, genre, style) with its whitespace folded: "" for None.

    Raises BadInputError naming ``name`` for non-text, bytes that are not UTF-8 (which Python
    keeps as lone surrogates, e.g. a Latin-1 "é" typed in a C-locale terminal), control
    characters, or more than ``max_chars`` characters."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadInputError(f"{name} must be text, got {value!r}")
    text = re.sub(r"\s+", " ", value).strip()
    undecodable = [ch for ch in text if 0xDC80 <= ord(ch) <= 0xDCFF]
    if undecodable:
        byte = ord(undecodable[0]) - 0xDC00
        raise BadInputError(f"{name} is not UTF-8 text (byte \\x{byte:02x})")
    if any(not ch.isprintable() for ch in text):
        raise BadInputError(f"{name} contains control characters")
    if len(text) > max_chars:
        raise BadInputError(f"{name} is too long ({len(text)} characters, at most {max_chars})")
    return text


def _genre(value: Any) -> str:
    text = clean_text("genre", value, GENRE_MAX_CHARS).lower()
    text = re.sub(r"\s+music$", "", text)
    if not _ALLOWED_GENRE.match(text):
        raise BadInputError(f"genre may hold letters, digits, spaces and & ' + / . - only, got {value!r}")
    if text and not any(ch.isalpha() for ch in text):
        raise BadInputError(f"genre must contain a word, got {value!r}")
    return canonical_genre(text) or text


def _mode(value: Any) -> str:
    if isinstance(value, str) and value.strip().lower() in MODES:
        return value.strip().lower()
    raise BadInputError(f"mode must be 'major' or 'minor', got {value!r}")


def _time_signature(value: Any) -> int:
    number = _number("time_signature", value)
    if not number.is_integer():
        raise BadInputError(f"time_signature must be a whole number of beats, got {value!r}")
    lo, hi = TIME_SIGNATURE_RANGE
    if not lo <= number <= hi:
        raise BadInputError(f"time_signature must be {lo}..{hi} beats per bar, got {value!r}")
    return int(number)


def _normalise(name: str, value: Any, warnings: list[str] | None) -> Any:
    """Validate one field. ``warnings`` None means strict: no clamping allowed."""
    if name in UNIT_FEATURES:
        return _in_range(name, _number(name, value), 0.0, 1.0, warnings)
    if name == "loudness_db":
        return _in_range(name, _number(name, value), *LOUDNESS_RANGE, warnings)
    if name == "tempo_bpm":
        return _fold_tempo(_number(name, value), warnings)
    if name == "key":
        return key_index(value)
    if name == "mode":
        return _mode(value)
    if name == "time_signature":
        return _time_signature(value)
    if name == "genre":
        return _genre(value)
    if name == "style":
        return clean_text(name, value, STYLE_MAX_CHARS)
    raise BadInputError(f"unknown feature {name!r}")  # pragma: no cover - guarded by callers


@dataclass(frozen=True)
class Features:
    """A complete, valid recipe of acoustic features. Construction validates strictly."""

    acousticness: float = 0.5
    danceability: float = 0.5
    energy: float = 0.5
    instrumentalness: float = 0.5
    liveness: float = 0.1
    speechiness: float = 0.05
    valence: float = 0.5
    loudness_db: float = -12.0
    tempo_bpm: float = 110.0
    key: int | None = 0
    mode: str = "major"
    time_signature: int = 4
    genre: str = ""
    style: str = field(default="")

    def __post_init__(self) -> None:
        for f in fields(self):
            object.__setattr__(self, f.name, _normalise(f.name, getattr(self, f.name), None))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    @property
    def key_label(self) -> str:
        """'Bb major', 'C# minor' (spelled by key signature, see core/keys.py), or '' when no key is set."""
        return "" if self.key is None else key_name(self.key, self.mode)

    @classmethod
    def from_dict(cls, data: Any, warnings: list[str] | None = None) -> Features:
        """Validate a mapping of our own JSON shape. Clamp notes go to ``warnings``."""
        if not isinstance(data, Mapping):
            raise BadInputError(f"features must be a JSON object, got {type(data).__name__}")
        names = [f.name for f in fields(cls)]
        unknown = [k for k in data if k not in names]
        if unknown:
            hints = []
            for k in unknown:
                close = difflib.get_close_matches(str(k), names, n=1)
                hints.append(f"{k!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
            raise BadInputError("unknown feature key " + ", ".join(hints))
        sink: list[str] = [] if warnings is None else warnings
        values = {k: _normalise(k, v, sink) for k, v in data.items()}
        return cls(**values)

    @classmethod
    def from_json(cls, text: str, warnings: list[str] | None = None) -> Features:
        return cls.from_dict(parse_json_object(text, "features"), warnings)


def parse_json_object(text: str | bytes, what: str) -> dict[str, Any]:
    """Parse JSON that must be an object, within core/json_limits.py's limits (depth, size,
    number length; NaN/Infinity refused). Every failure is a BadInputError naming ``what``."""
    data = json_limits.loads(text, what)
    if not isinstance(data, dict):
        raise BadInputError(f"{what} JSON must be an object {{...}}, got {type(data).__name__}")
    return data


# --- importers for real-world shapes --------------------------------------------------------

_SPOTIFY_IGNORED = {"type", "id", "uri", "track_href", "analysis_url", "duration_ms"}


def _loose_number(name: str, value: Any) -> float:
    if isinstance(value, str):
        try:
            value = float(value.strip().split("/")[0].replace(",", "."))
        except ValueError:
            raise BadInputError(f"{name} must be a number, got {value!r}") from None
    return _number(name, value)


def from_spotify(data: Any, warnings: list[str] | None = None) -> Features:
    """Spotify Web API audio-features (key -1..11, mode 0/1, loudness in dB, tempo in BPM)."""
    sink: list[str] = [] if warnings is None else warnings
    if isinstance(data, Mapping) and isinstance(data.get("audio_features"), list):
        items = data["audio_features"]
        if not items:
            raise BadInputError("audio_features list is empty")
        if len(items) > 1:
            sink.append(f"{len(items)} tracks given; using the first")
        data = items[0]
    if not isinstance(data, Mapping):
        raise BadInputError("Spotify audio features must be a JSON object")
    out: dict[str, Any] = {}
    for name in UNIT_FEATURES:
        if name in data:
            out[name] = data[name]
    if "loudness" in data:
        out["loudness_db"] = data["loudness"]
    if "tempo" in data:
        out["tempo_bpm"] = data["tempo"]
    if "key" in data:
        key = _number("key", data["key"])
        if key == -1:
            out["key"] = None
            sink.append("no key was detected for this track (key -1)")
        else:
            out["key"] = key_index(key)
    if "mode" in data:
        mode = _number("mode", data["mode"])
        if mode not in (0, 1):
            raise BadInputError(f"Spotify mode must be 0 (minor) or 1 (major), got {data['mode']!r}")
        out["mode"] = "major" if mode == 1 else "minor"
    if "time_signature" in data:
        ts = _number("time_signature", data["time_signature"])
        if ts < TIME_SIGNATURE_RANGE[0] or ts > TIME_SIGNATURE_RANGE[1]:
            sink.append(f"time_signature {ts:g} is outside 3..7 (Spotify's 'unclear'); using 4")
            ts = 4
        out["time_signature"] = ts
    for name in ("genre", "style"):
        if name in data:
            out[name] = data[name]
    unknown = set(data) - set(out) - _SPOTIFY_IGNORED - {"loudness", "tempo"}
    if unknown:
        sink.append("ignored keys: " + ", ".join(sorted(map(str, unknown))))
    return Features.from_dict(out, sink)


def _simple_key(name: str) -> str:
    return re.sub(r"[^a-z]", "", name.lower())


def from_albumgen_vlm(data: Any, warnings: list[str] | None = None) -> Features:
    """AlbumGen's VLM JSON: "Artist Name", "Album Genre", "key": "C#", "time_signature": "4",
    numbers often as strings and loudness on a 0..1 scale (0 = -60 dB, 1 = 0 dB).

    Genres must name an entry of the vocabulary; an invented one (AlbumGen's VLM
    wrote "male") is dropped with a warning rather than carried into prompts.
    """
    sink: list[str] = [] if warnings is None else warnings
    if not isinstance(data, Mapping):
        raise BadInputError("AlbumGen JSON must be an object")
    flat = {_simple_key(str(k)): v for k, v in data.items()}
    out: dict[str, Any] = {}
    for name in UNIT_FEATURES:
        if name in flat:
            out[name] = _loose_number(name, flat[name])
    if "loudness" in flat:
        level = _in_range("loudness", _loose_number("loudness", flat["loudness"]), 0.0, 1.0, sink)
        out["loudness_db"] = LOUDNESS_RANGE[0] + level * (LOUDNESS_RANGE[1] - LOUDNESS_RANGE[0])
    if "tempo" in flat:
        out["tempo_bpm"] = _loose_number("tempo", flat["tempo"])
    if "key" in flat:
        raw_key = flat["key"]
        if isinstance(raw_key, str) and raw_key.strip().lstrip("-").isdigit():
            raw_key = int(raw_key.strip())
        out["key"] = None if raw_key in (-1, "", None) else key_index(raw_key)
    if "mode" in flat:
        raw_mode = flat["mode"]
        if isinstance(raw_mode, str) and raw_mode.strip() in ("0", "1"):
            raw_mode = int(raw_mode.strip())
        if isinstance(raw_mode, (int, float)) and not isinstance(raw_mode, bool):
            raw_mode = "major" if raw_mode == 1 else "minor"
        out["mode"] = raw_mode
    if "timesignature" in flat:
        ts = _loose_number("time_signature", flat["timesignature"])
        if not (TIME_SIGNATURE_RANGE[0] <= ts <= TIME_SIGNATURE_RANGE[1]) or not ts.is_integer():
            sink.append(f"time_signature {flat['timesignature']!r} is not 3..7 beats per bar; using 4")
            ts = 4
        out["time_signature"] = ts
    genre_raw = flat.get("albumgenre", flat.get("genre"))
    if genre_raw not in (None, ""):
        genre = canonical_genre(str(genre_raw))
        if genre is None:
            sink.append(f"genre {genre_raw!r} is not a known genre; dropped")
        else:
            out["genre"] = genre
    artist = flat.get("artistname", flat.get("artist"))
    if isinstance(artist, str) and artist.strip():
        out["style"] = artist.strip()[:STYLE_MAX_CHARS]
    return Features.from_dict(out, sink)


def from_any_json(data: Any, warnings: list[str] | None = None) -> Features:
    """Recognise our own shape, a recipe, Spotify's or AlbumGen's VLM JSON, and import it."""
    if isinstance(data, Mapping):
        if data.get("format") == "albumgen-recipe" and "features" in data:
            return Features.from_dict(data["features"], warnings)
        keys = {_simple_key(str(k)) for k in data}
        if "audiofeatures" in keys or data.get("type") == "audio_features":
            return from_spotify(data, warnings)
        if {"albumgenre", "artistname", "albumname"} & keys:
            return from_albumgen_vlm(data, warnings)
        if "tempo" in data or "loudness" in data:
            if isinstance(data.get("mode"), (int, float)) or isinstance(data.get("key"), int):
                return from_spotify(data, warnings)
            return from_albumgen_vlm(data, warnings)
    return Features.from_dict(data, warnings)
