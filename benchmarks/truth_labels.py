"""Labels of recordings for benchmarks/eval_analysis.py, as annotators and datasets write them.

A truth file is JSON (a list of objects, or an object with a "files" or "items" list) or a
delimited text table (.csv, .tsv or .txt: a header row, then one row per recording; the
delimiter, comma, semicolon or tab, is detected from the header). Column names are read without
regard to case, spaces, underscores or a unit in brackets ("Time Signature", "TimeSignature",
"Tempo (BPM)", "File Name"). Each entry names its audio in
"file" (also "filename", "path" or "audio") relative to the truth file, and may carry any of:

- tempo: "tempo_bpm", "bpm" or "tempo", beats per minute (a number, "120", "120 BPM"; 0 is
  Spotify's "no tempo");
- key: "key" as a note name ("F#", "Gb", "bb", "B♭"), a whole key ("F# minor", "Gbm", "A Min",
  "C major", "c#:maj"; mir_eval's, GiantSteps' and Beatport's spellings) or a pitch class 0..11
  (Spotify's audio features: -1 for none); the mode in "mode", "scale" or "key_scale" (major/minor,
  maj/min, or Spotify's 1/0) unless the key string carries it; a key without a mode is read as
  major, as Spotify and MIREX do. A lower-case note name is a note, not a minor key;
- metre: "time_signature" (3, 4 or 6 as the Features field counts beats per bar, 2 and 12 as
  2/4 and 12/8, or "3/4", "6/8", "C", "2/2") or "metre"/"meter"; 0 and 1 are Spotify's "no
  time signature".

A label that is missing, empty, "none", "X", "N" or -1 leaves that measure unscored for the file,
so a set labelled for tempo only is scored for tempo only. A label that is present but
unreadable, two labels for one measure that disagree (a "bpm" and a "tempo" column, a key's own
mode and a "mode" column), a malformed table or a file with no entries raises ValueError naming
the truth file and the entry: a typo should not silently shrink the set.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from albumgen_desktop.core.errors import BadInputError
from albumgen_desktop.core.features import key_index

# Column names as _column() squashes them.
_FILE = ("file", "filename", "path", "audio")
_TEMPO = ("tempobpm", "bpm", "tempo")
_KEY_FIELDS = ("key",)
_MODE = ("mode", "scale", "keyscale")
_METRE = ("timesignature", "metre", "meter")
_OTHER = ("kind", "part")  # read by eval_analysis.py for its breakdowns
_NONE = {"", "none", "x", "n", "n/a", "na", "-1", "null", "unknown"}
_MODES = {"major": "major", "maj": "major", "minor": "minor", "min": "minor", "1": "major", "0": "minor"}
# "F# minor", "Gbm", "A Min", "c#:maj": a tonic, then an optional mode (':' is the chord-label
# style). The mode words in any case; the one-letter forms are case-sensitive (m minor, M major).
_KEY = re.compile(r"^\s*([A-Ga-g](?:[#♯b♭]|\s*sharp|\s*flat)?)\s*[:\s]?\s*((?i:major|minor|maj|min)|m|M)?\s*$")


@dataclass(frozen=True)
class Labels:
    """What one entry labels: tempo in BPM, (tonic 0..11 with 0 = C, "major"|"minor"), beats per
    bar (3, 4, 6, ...); None where the entry does not label it."""

    file: str
    tempo_bpm: float | None
    key: tuple[int, str] | None
    time_signature: int | None


def _column(name: str) -> str:
    """'Time Signature', 'time_signature' -> 'timesignature'; 'Tempo (BPM)' -> 'tempo'."""
    return re.sub(r"[^0-9a-z]", "", re.sub(r"\(.*?\)|\[.*?\]", "", str(name)).lower())


def _normalised(entry: dict[Any, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in entry.items():
        if key is None:  # csv.DictReader: a row with more cells than the header
            raise ValueError(f"{where}: more cells than the header has columns")
        name = _column(key)
        if name in out and not _blank(out[name]) and not _blank(value) and not _same(out[name], value):
            raise ValueError(f"{where}: two columns read as {name!r} disagree ({out[name]!r}, {value!r})")
        if name not in out or not _blank(value):
            out[name] = value
    return out


def _text(path: Path) -> str:
    """The file's text: UTF-16 by its byte-order mark, else UTF-8 (with or without Excel's and
    Notepad's byte-order mark), else Windows-1252, which spreadsheets on Windows save CSV in."""
    data = path.read_bytes()
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="strict")


def _read_table(path: Path) -> list[dict[str, Any]]:
    lines = _text(path).splitlines()
    header = next((line for line in lines if line.strip()), None)
    if header is None:
        return []
    try:
        dialect: Any = csv.Sniffer().sniff(header, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel_tab if path.suffix.lower() == ".tsv" else csv.excel
    rows = []
    reader = csv.DictReader(lines, dialect=dialect, strict=True)
    try:
        for row in reader:
            if all(_blank(v) for k, v in row.items() if k is not None):
                continue  # a row of empty cells (a spreadsheet's trailing ",,")
            rows.append(_normalised(row, f"{path}: line {reader.line_num}"))
    except csv.Error as exc:
        if "end of data" not in str(exc):
            raise ValueError(f"{path}: line {reader.line_num}: {exc}") from None
        odd = next((n for n, line in enumerate(lines, 1) if line.count('"') % 2), "?")
        raise ValueError(f"{path}: line {odd}: a quote is opened and never closed") from None
    if rows and not any(name in rows[0] for name in _FILE):
        raise ValueError(f"{path}: no file column (one of {', '.join(_FILE)}) in the header {header!r}")
    return rows


def read_truth(path: Path) -> list[dict[str, Any]]:
    """The entries of the truth file at ``path``, each a dict with normalised column names (see
    the module docstring). JSON unless the suffix is .csv, .tsv or .txt. Prints the columns it
    does not read to stderr. Raises ValueError, naming ``path``, for a file that cannot be read or
    decoded, is malformed or holds no entries."""
    try:
        if path.suffix.lower() in (".csv", ".tsv", ".txt"):
            entries = _read_table(path)
        else:
            data = json.loads(_text(path))
            if isinstance(data, dict):
                data = data.get("files", data.get("items"))
            if not isinstance(data, list) or not all(isinstance(e, dict) for e in data):
                raise ValueError(f"{path}: expected a list of entries (or an object with a 'files' or 'items' list)")
            entries = [_normalised(e, f"{path}: entry {i + 1}") for i, e in enumerate(data)]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path}: {exc}") from None
    if not entries:
        raise ValueError(f"{path}: no entries")
    known = set(_FILE + _TEMPO + _KEY_FIELDS + _MODE + _METRE + _OTHER)
    ignored = sorted({name for e in entries for name in e if name} - known)
    if ignored:
        print(f"{path}: ignored columns: {', '.join(ignored)}", file=sys.stderr)
    return entries


def _blank(value: Any) -> bool:
    return value is None or not str(value).strip()


def _same(a: Any, b: Any) -> bool:
    """Whether two cells read the same ("120" and 120.0, " Minor" and "minor")."""
    return str(_whole(a)).strip().lower() == str(_whole(b)).strip().lower()


def _label(entry: dict[str, Any], names: tuple[str, ...], parse: Callable[[Any, str], Any], where: str) -> Any:
    """``parse(value, where)`` of the columns in ``names`` the entry labels; None when it labels
    none of them. Raises ValueError when two of them read differently ("bpm" 120 and "tempo" 90;
    "mode" 1 and "scale" minor), or as ``parse`` does."""
    named = [(n, entry[n]) for n in names if n in entry and str(_whole(entry[n])).strip().lower() not in _NONE]
    readings = [parse(value, where) for _, value in named]
    if any(r != readings[0] for r in readings[1:]):
        said = ", ".join(f"{n} {v!r}" for n, v in named)
        raise ValueError(f"{where}: the labels disagree ({said})")
    return readings[0] if readings else None


def _whole(value: Any) -> Any:
    """A whole number written as a float or a numeric string (pandas and Excel write 5.0, "1.0",
    "-1.0") as an int; anything else unchanged."""
    if isinstance(value, bool):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return int(number) if number.is_integer() else value


def _mode(value: Any, where: str) -> str:
    mode = _MODES.get(str(_whole(value)).strip().lower())
    if mode is None:
        raise ValueError(f"{where}: mode must be major or minor (or 1/0), got {value!r}")
    return mode


def _key(entry: dict[str, Any], where: str) -> tuple[int, str] | None:
    value = _whole(_label(entry, _KEY_FIELDS, lambda v, _: v, where))
    if value is None or value == -1:
        return None
    named_mode = None
    if isinstance(value, str):
        m = _KEY.match(value)
        if not m:
            raise ValueError(f"{where}: unreadable key {value!r} (e.g. 'F#', 'Bb minor', 'Gbm')")
        value, suffix = re.sub(r"\s*sharp", "#", re.sub(r"\s*flat", "b", m.group(1))), m.group(2)
        if suffix:
            named_mode = "major" if suffix == "M" or suffix.lower() in ("major", "maj") else "minor"
    try:
        tonic = key_index(value)
    except BadInputError as e:
        raise ValueError(f"{where}: {e}") from None
    if tonic is None:
        return None
    column_mode = _label(entry, _MODE, _mode, where)
    if named_mode and column_mode and named_mode != column_mode:
        raise ValueError(f"{where}: key {entry.get('key')!r} disagrees with mode {column_mode!r}")
    return tonic, named_mode or column_mode or "major"


def _tempo(value: Any, where: str) -> float | None:
    text = re.sub(r"\s*bpm\s*$", "", str(value).strip(), flags=re.IGNORECASE)
    if isinstance(value, bool) or not re.fullmatch(r"[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?", text):
        raise ValueError(f"{where}: tempo must be a number of BPM, got {value!r}")
    bpm = float(text)
    if bpm == 0:
        return None  # Spotify's audio features: 0 when no tempo was found
    if bpm >= 1000:
        raise ValueError(f"{where}: tempo {bpm:g} BPM is not a musical tempo (0 < BPM < 1000)")
    return bpm


def _metre(value: Any, where: str) -> int | None:
    """Beats per bar as the Features field counts them: simple duple and quadruple (2/4, 4/4, 2/2,
    C, C|, a bare 2) are 4, simple triple 3, compound duple and quadruple (6/8, 12/8, a bare 12)
    6, others their numerator (5/4 is 5); 0 and 1 (Spotify's "no time signature") unscored."""
    text = str(_whole(value)).strip().upper()
    if text in ("C", "C|", "¢"):
        return 4
    m = re.fullmatch(r"(\d+)(?:\s*/\s*(\d+))?", text)
    if not m or (m.group(2) and m.group(2) not in ("1", "2", "4", "8", "16", "32")):
        raise ValueError(f"{where}: time signature must be beats per bar or like '3/4', got {value!r}")
    beats, unit = int(m.group(1)), m.group(2)
    if beats <= 1:
        return None
    if beats == 12 or (beats == 6 and unit in ("8", "16")):
        return 6
    return 4 if beats in (2, 4) else beats


def labels(entry: dict[str, Any], where: str = "") -> Labels:
    """The Labels of one entry of read_truth(). Raises ValueError (naming ``where`` and the file)
    for an entry with no file name or a label that is present but unreadable."""
    entry = _normalised(entry, where)
    file = next((str(entry[n]).strip() for n in _FILE if not _blank(entry.get(n))), None)
    if file is None:
        raise ValueError(f"{where}: an entry names no file (one of {', '.join(_FILE)})")
    where = f"{where}: {file}" if where else file
    tempo = _label(entry, _TEMPO, _tempo, where)
    return Labels(file, tempo, _key(entry, where), _label(entry, _METRE, _metre, where))
