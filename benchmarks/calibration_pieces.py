"""The scores behind benchmarks/make_calibration_set.py: J.S. Bach's four-voice chorales and
O'Neill's 1850 Irish tunes from music21's corpus, as whole pieces with their key, mode and bars.

Kept apart from benchmarks/make_eval_set.py (whose tempo/key eval set now draws twelve kinds of
piece with dev/test parts) so that the calibration set keeps drawing the same pieces.
"""

from __future__ import annotations

import glob
import os
import random
import re
from dataclasses import dataclass
from pathlib import Path

NOTE = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]


@dataclass
class Piece:
    name: str
    tonic: int
    mode: str
    beats: int  # per bar, quarter-note beats
    # (onset_ql, duration_ql, midi_pitch, voice)
    notes: list[tuple[float, float, int, int]]
    bar_starts: list[float]  # in quarter lengths
    length_ql: float
    harmonised: bool


def _bars_and_notes(score, voices):
    from music21 import stream

    notes = []
    bars: list[float] = []
    length = 0.0
    for v, part in enumerate(voices):
        measures = list(part.getElementsByClass(stream.Measure))
        for m in measures:
            start = float(m.offset)
            if v == 0:
                bars.append(start - float(m.paddingLeft or 0))
            for n in m.recurse().notes:
                if n.duration.quarterLength <= 0:
                    continue
                onset = start + float(n.getOffsetInHierarchy(m))
                for p in n.pitches:
                    notes.append((onset, float(n.duration.quarterLength), int(p.midi), v))
                length = max(length, onset + float(n.duration.quarterLength))
    return notes, bars, length


def bach_pieces(limit: int, rng: random.Random) -> list[Piece]:
    from music21 import corpus, key, meter

    out: list[Piece] = []
    paths = corpus.getComposer("bach")
    rng.shuffle(paths)
    for path in paths:
        if len(out) >= limit:
            break
        try:
            s = corpus.parse(path)
        except Exception:
            continue
        ts = s.recurse().getElementsByClass(meter.TimeSignature).first()
        ks = s.recurse().getElementsByClass(key.KeySignature).first()
        if ts is None or ks is None or ts.ratioString not in ("3/4", "4/4") or len(s.parts) != 4:
            continue
        bass = s.parts[-1].flatten().notes
        if not len(bass):
            continue
        final = bass[-1].pitches[0].pitchClass
        major_tonic = ks.asKey("major").tonic.pitchClass
        minor_tonic = ks.asKey("minor").tonic.pitchClass
        if final == major_tonic:
            tonic, mode = major_tonic, "major"
        elif final == minor_tonic:
            tonic, mode = minor_tonic, "minor"
        else:
            continue  # modal ending (e.g. Phrygian): no unambiguous label
        notes, bars, length = _bars_and_notes(s, s.parts)
        name = Path(str(path)).stem
        out.append(Piece(name, tonic, mode, int(ts.numerator), notes, bars, length, True))
    return out


_KEY_RE = re.compile(r"^K:\s*([A-G])([b#]?)(m|min|maj)?\s*$", re.M)


def folk_pieces(limit: int, rng: random.Random) -> list[Piece]:
    from music21 import converter, corpus, stream

    root = os.path.dirname(corpus.__file__)
    tunes = []
    for f in sorted(glob.glob(os.path.join(root, "oneills1850", "*.abc"))):
        text = open(f, encoding="utf-8", errors="replace").read()
        for chunk in text.split("\nX:")[1:]:
            meter_m = re.search(r"^M:\s*(\S+)", chunk, re.M)
            key_m = _KEY_RE.search(chunk)
            if not meter_m or not key_m or meter_m.group(1) not in ("3/4", "C", "4/4"):
                continue
            tunes.append(("X:" + chunk, meter_m.group(1), key_m))
    rng.shuffle(tunes)
    # Balance: minor tunes are rarer; take them first up to half the budget.
    tunes.sort(key=lambda t: 0 if (t[2].group(3) or "").startswith("m") and t[2].group(3) != "maj" else 1)
    minor_budget = limit // 2
    out: list[Piece] = []
    for text, meter_text, key_m in tunes:
        if len(out) >= limit:
            break
        is_minor = (key_m.group(3) or "") in ("m", "min")
        if is_minor and sum(p.mode == "minor" for p in out) >= minor_budget:
            continue
        tonic = (NOTE.index(key_m.group(1)) + {"": 0, "#": 1, "b": -1}[key_m.group(2)]) % 12
        try:
            s = converter.parse(text, format="abc")
        except Exception:
            continue
        parts = list(s.parts) if hasattr(s, "parts") and len(s.parts) else [s]
        part = parts[0]
        if not list(part.getElementsByClass(stream.Measure)):
            continue
        notes, bars, length = _bars_and_notes(s, [part])
        if len(notes) < 16 or length < 8:
            continue
        beats = 3 if meter_text == "3/4" else 4
        harmonise = rng.random() < 0.5
        if harmonise:
            notes = notes + _accompaniment(notes, bars, length, tonic, is_minor, beats)
        title = re.search(r"^T:\s*(.*)$", text, re.M)
        name = re.sub(r"\W+", "_", (title.group(1) if title else "tune").strip())[:40]
        out.append(Piece(name, tonic, "minor" if is_minor else "major", beats, notes, bars, length, harmonise))
    return out


def _accompaniment(notes, bars, length, tonic, minor, beats):
    """Bass + chord per bar, the diatonic triad that best covers the bar's melody notes."""
    degrees = [
        (0, "min" if minor else "maj"),
        (5, "min" if minor else "maj"),
        (7, "maj"),
        (8 if minor else 9, "maj" if minor else "min"),
    ]
    out = []
    bar_edges = [b for b in bars if b >= 0] + [length]
    for start, end in zip(bar_edges, bar_edges[1:], strict=False):
        pcs = [p % 12 for (o, d, p, v) in notes if start <= o < end]
        if not pcs or end - start <= 0:
            continue
        best, best_score = degrees[0], -1
        for root_off, quality in degrees:
            root = (tonic + root_off) % 12
            triad = {root, (root + (3 if quality == "min" else 4)) % 12, (root + 7) % 12}
            score = sum(pc in triad for pc in pcs) + (0.5 if root_off == 0 else 0)
            if score > best_score:
                best, best_score = (root_off, quality), score
        root = (tonic + best[0]) % 12
        third = 3 if best[1] == "min" else 4
        out.append((start, min(beats, end - start), 36 + root, 2))
        for beat in range(int(min(beats, end - start))):
            on = start + beat
            if beats == 3 and beat == 0:
                continue
            for iv in (0, third, 7):
                out.append((on, 0.9, 55 + (root + iv - 55) % 12, 1))
    return out
