"""Build a labelled audio set from real scores: music21's corpus rendered with a General MIDI soundfont.

Every label is known by construction (the score's key and metre, the tempo we render at), so the
set measures the analyser, not an annotator. Twelve kinds, each from its own sources:

=============  ==========================================================  =====  ==========
kind           material                                                    metre  tempo
=============  ==========================================================  =====  ==========
chorale        Bach chorales, four voices (strings, organ, winds, choir)   4, 3   56..100
slow_movement  real Grave/Adagio/Largo movements (Corelli, Haydn, Mozart,  4, 3   40..66
               Beethoven, Schumann), and chorales set as an Adagio: the
               tune over repeated eighth-note chords, the bass restruck
               on every beat
reel           O'Neill's and Ryan's reels, hornpipes, strathspeys and airs   4      84..132
               in 4/4, 2/4 and C| (C| at 96..120 half notes)
jig            O'Neill's and Ryan's jigs in 6/8, half with a backing       6      88..126
siciliano      Essen folk songs in 6/8 over a rocking eighth-note backing  6      44..72
waltz          tunes in 3/4 over oom-pah-pah, slow (84..104) and fast      3      84..104,
               (Viennese, 150..200)                                               150..200
march          fife and fiddle tunes in 2/4 and 6/8 with a marching snare  4, 6   100..128
               and bass drum
ragtime        Joplin's Maple Leaf Rag, and 2/4 fiddle tunes over a stride   4      72..104
               left hand (bass on the beat, chord on the offbeat eighth)
lied           a voice and piano: Schubert, Schumann, Beach, Liliuokalani,   4, 3   52..112
               and Erk/Boehme songs over a piano figuration (block chords,
               broken chords or repeated eighths)
band_slow      a tune with bass, chords and a drum kit (backbeat, eighth   4, 6   60..90
               or sixteenth hi-hats, bass on every eighth; 6/8 at 50..76)
band_fast      the same at rock/punk speed (hi-hats on eighths or          4      150..180
               quarters, or a two-beat polka)
fast_triple    fast 3/4 tunes and minuets, plain or with a light backing   3      150..200
=============  ==========================================================  =====  ==========

**Tempo labels follow the notation's beat** (the convention of tempo markings, metronome marks
and the ballroom data sets): the quarter note in 2/4, 3/4 and 4/4 (a Viennese waltz at 180 is
180 quarters, as in the Ballroom data set), the half note in alla breve (C|, 2/2), the dotted
quarter in compound metres (6/8). **Metre labels** are beats per bar as the Features field
counts them: 3 for simple triple, 4 for simple duple and quadruple (2/4, 2/2 and 4/4 are not
told apart), 6 for compound duple (6/8).

Performance: a piece is played again and again to fill the length, each pass a whole number of
bars after the last (a pickup takes the place of the final bar's last beats, as players repeat a
tune), and a backing comes in on the first downbeat, so the bar line never moves (before
2026-11-30 a pass started where the last note ended, so 43 of the 120 seed-7 test pieces moved
their bar line at each repeat, and a backing started under the pickup, off the tune's beats by
the pickup's length). Velocities carry a metrical accent of random depth (downbeat > beat > offbeat,
none for some pieces), onsets a random jitter of up to ~10 ms for half of the pieces. A third
of the pieces are detuned by 10..40 cents either way (a pitch bend on every channel, less the
soundfont's own tuning of that instrument, which librosa measures once per program: FluidR3's
violin sits 15 cents flat, its choir 22), so that the label's key stays the nearest one;
instruments are panned across the stereo field; a fifth of the files are mixed
to mono; sample rates are 22.05, 44.1 and 48 kHz.

**Parts**: every source piece belongs to one part by a hash of its name: `dev` (tuned on) or
`test` (never tuned on); render the two with different seeds. Rendered with FluidSynth (Debian:
fluidsynth + fluid-soundfont-gm).

    python benchmarks/make_eval_set.py OUT_DIR [--part dev|test] [--per-kind 10] [--seed 0] [--seconds 30]
        [--soundfont PATH]

Writes OUT_DIR/*.wav and OUT_DIR/truth.json (eval_analysis.py's --truth format) and prints one
JSON object on its last line.
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

NOTE = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
SOUNDFONTS = ["/usr/share/sounds/sf2/FluidR3_GM.sf2", "/usr/share/sounds/sf2/default-GM.sf2"]
PARTS = ("dev", "test")

# General MIDI programs (0-based) by role.
MELODY = [73, 40, 71, 56, 0, 21, 24, 65, 68, 22, 11, 74, 41]
CHORDS = [0, 4, 25, 19, 48, 46, 1, 24, 5]
BASS = [32, 33, 34, 43, 35]
PIANO = [0, 1, 2]
VOICE = [52, 53, 85]  # choir aahs, voice oohs, lead voice
QUARTETS = [[40, 40, 41, 42], [48, 48, 48, 48], [19, 19, 19, 19], [73, 68, 71, 70], [0, 0, 0, 0], [52, 52, 52, 52]]
DRUM = {"kick": 36, "snare": 38, "hat": 42, "open_hat": 46, "ride": 51, "crash": 49, "side": 37}


@dataclass
class Piece:
    """A score as note events in quarter lengths (ql) from its start."""

    name: str
    source: str
    tonic: int
    mode: str  # "major" | "minor"
    numerator: int
    denominator: int
    notes: list[tuple[float, float, int, int]]  # (onset_ql, duration_ql, midi pitch, voice)
    bar_starts: list[float]
    length_ql: float
    marking: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def compound(self) -> bool:
        return self.denominator == 8 and self.numerator in (6, 9, 12)

    @property
    def alla_breve(self) -> bool:
        return self.denominator == 2

    @property
    def beat_ql(self) -> float:
        """The notated beat in quarter lengths: dotted quarter (compound), half (alla breve), quarter."""
        if self.compound:
            return 1.5
        return 4.0 / self.denominator

    @property
    def bar_ql(self) -> float:
        return self.numerator * 4.0 / self.denominator

    @property
    def period_ql(self) -> float:
        """Where the next pass through the piece starts: a whole number of bars, so that a repeat
        keeps the bar line where it was. A pickup takes the place of the final bar's last beats
        (as players repeat a tune), so the notes from `period_ql` on are left out of every pass."""
        pickup = self.bar_starts[1] if len(self.bar_starts) > 1 and self.bar_starts[0] < 0 else 0.0
        return max(1, math.ceil((self.length_ql - pickup) / self.bar_ql - 1e-6)) * self.bar_ql

    @property
    def beats_per_bar(self) -> int:
        return round(self.bar_ql / self.beat_ql)

    @property
    def time_signature(self) -> int:
        """The Features' beats-per-bar label: 6 for 6/8, 3 for simple triple, else 4."""
        if self.compound:
            return 6
        return 3 if self.beats_per_bar == 3 else 4

    @property
    def melody_voices(self) -> list[int]:
        return sorted({v for *_, v in self.notes})


def part_of(name: str) -> str:
    """The part a source piece belongs to, stable across runs and machines (CRC-32 of its name)."""
    return PARTS[zlib.crc32(name.encode()) % 2]


def soundfont() -> str:
    for path in SOUNDFONTS:
        if os.path.exists(path):
            return path
    raise SystemExit("no General MIDI soundfont: apt-get install fluid-soundfont-gm")


# --- reading scores -----------------------------------------------------------------------------------


def _notes_of(score, parts=None) -> tuple[list, list[float], float]:
    from music21 import stream

    notes: list[tuple[float, float, int, int]] = []
    bars: list[float] = []
    length = 0.0
    parts = list(score.parts) if parts is None else parts
    origin = None
    for v, part in enumerate(parts):
        part = part.stripTies()
        measures = list(part.getElementsByClass(stream.Measure))
        if not measures:
            continue
        if origin is None:
            origin = float(measures[0].offset)
        for m in measures:
            start = float(m.offset) - origin
            if v == 0:
                bars.append(start - float(m.paddingLeft or 0))
            for n in m.recurse().notes:
                if n.duration.quarterLength <= 0 or n.duration.isGrace:
                    continue
                onset = start + float(n.getOffsetInHierarchy(m))
                for p in n.pitches:
                    notes.append((onset, float(n.duration.quarterLength), int(p.midi), v))
                length = max(length, onset + float(n.duration.quarterLength))
    return notes, bars, length


def _key_by_ending(tonic_major: int, tonic_minor: int, first_bass: int, last_bass: int) -> tuple[int, str] | None:
    """Major or minor from the key signature's two candidate tonics and the bass at the start and
    end: both must agree, else the label is not unambiguous and the piece is skipped."""
    for tonic, mode in ((tonic_major, "major"), (tonic_minor, "minor")):
        if first_bass % 12 == tonic and last_bass % 12 == tonic:
            return tonic, mode
    return None


def bach_chorales(rng: random.Random, part: str, limit: int) -> list[Piece]:
    from music21 import corpus, key, meter

    out: list[Piece] = []
    paths = [p for p in corpus.getComposer("bach") if part_of(Path(str(p)).stem) == part]
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
        major, minor = ks.asKey("major").tonic.pitchClass, ks.asKey("minor").tonic.pitchClass
        if final == major:
            tonic, mode = major, "major"
        elif final == minor:
            tonic, mode = minor, "minor"
        else:
            continue  # a modal ending (Phrygian): no unambiguous label
        notes, bars, length = _notes_of(s)
        out.append(Piece(Path(str(path)).stem, "bach chorale", tonic, mode, ts.numerator, 4, notes, bars, length))
    return out


# Real slow movements: (corpus path, marking, tonic, mode). Tonic and mode
# are the movement's key as printed (key signature and the movement's first and last chord).
SLOW_MOVEMENTS = [
    ("corelli/opus3no1/1grave.xml", "Grave", 5, "major"),
    ("haydn/opus1no1/movement3.mxl", "Adagio", 3, "major"),
    ("mozart/k156/movement2.mxl", "Adagio", 4, "minor"),
    ("beethoven/opus59no2/movement2.mxl", "Molto Adagio", 4, "major"),
    ("schumann_robert/opus41no1/movement4.mxl", "Adagio", 5, "major"),
    ("beethoven/opus59no1/movement3.mxl", "Adagio molto e mesto", 5, "minor"),
]
LIEDER = [
    ("schubert/Lindenbaum.xml", "Massig", 4, "major"),
    ("schumann_robert/dichterliebe_no2.xml", "Nicht schnell", 9, "major"),
    ("beach/prayer_of_a_tired_child.musicxml", "Molto tranquillo", 3, "major"),
    ("liliuokalani/aloha_oe.mxl", "", 7, "major"),
]
RAGS = [
    ("joplin/maple_leaf_rag.mxl", "Tempo di marcia", 8, "major"),
]


def corpus_works(table, rng: random.Random, part: str, limit: int, source: str) -> list[Piece]:
    from music21 import corpus, meter

    out: list[Piece] = []
    rows = [r for r in table if part_of(r[0]) == part]
    rng.shuffle(rows)
    for path, marking, tonic, mode in rows[:limit]:
        try:
            s = corpus.parse(path)
        except Exception:
            continue
        ts = s.recurse().getElementsByClass(meter.TimeSignature).first()
        if ts is None:
            continue
        notes, bars, length = _notes_of(s)
        out.append(
            Piece(Path(path).stem, source, tonic, mode, ts.numerator, ts.denominator, notes, bars, length, marking)
        )
        out[-1].extra["score"] = path
    return out


_KEY_RE = re.compile(r"^K:\s*([A-G])([b#]?)\s*(m|min|maj)?\s*$", re.M)


@dataclass
class Tune:
    text: str
    metre: str
    tonic: int
    minor: bool
    name: str


def abc_tunes(files: list[str], metres: tuple[str, ...], part: str) -> list[Tune]:
    """Tunes from ABC collections whose M: field is one of `metres` and whose K: field names a
    major or minor key (modal tunes are left out: their key has no major/minor label)."""
    tunes = []
    for f in files:
        text = open(f, encoding="utf-8", errors="replace").read()
        for chunk in re.split(r"\n(?=X:)", text):
            if not chunk.startswith("X:"):
                continue
            meter_m = re.search(r"^M:\s*(\S+)", chunk, re.M)
            key_m = _KEY_RE.search(chunk)
            if not meter_m or not key_m or meter_m.group(1) not in metres:
                continue
            title = re.search(r"^T:\s*(.*)$", chunk, re.M)
            name = re.sub(r"\W+", "_", (title.group(1) if title else "tune").strip())[:40] or "tune"
            ident = f"{Path(f).name}:{name}:{zlib.crc32(chunk.encode())}"
            if part_of(ident) != part:
                continue
            tonic = (NOTE.index(key_m.group(1)) + {"": 0, "#": 1, "b": -1}[key_m.group(2)]) % 12
            tunes.append(Tune(chunk, meter_m.group(1), tonic, (key_m.group(3) or "") in ("m", "min"), name))
    return tunes


def _corpus_dir(name: str) -> str:
    from music21 import corpus

    return os.path.join(os.path.dirname(corpus.__file__), name)


def tune_pieces(
    tunes: list[Tune], rng: random.Random, limit: int, source: str, minor_share: float = 0.4
) -> list[Piece]:
    """Parse tunes until `limit` pieces: the melody must end on the tonic its K: field names and
    its thirds must agree with the mode (else the label is not known by construction)."""
    from music21 import converter, stream

    rng.shuffle(tunes)
    out: list[Piece] = []
    minor_budget = max(1, int(round(limit * minor_share)))
    for tune in sorted(tunes, key=lambda t: not t.minor):
        if len(out) >= limit:
            break
        if tune.minor and sum(p.mode == "minor" for p in out) >= minor_budget:
            continue
        try:
            s = converter.parse(tune.text, format="abc")
        except Exception:
            continue
        parts = list(s.parts) if hasattr(s, "parts") and len(s.parts) else [s]
        if not list(parts[0].getElementsByClass(stream.Measure)):
            continue
        notes, bars, length = _notes_of(s, [parts[0]])
        if len(notes) < 16 or length < 8:
            continue
        last = max(notes, key=lambda n: n[0])[2] % 12
        if last != tune.tonic:
            continue
        pcs = [(p - tune.tonic) % 12 for _, _, p, _ in notes]
        major_third, minor_third = pcs.count(4), pcs.count(3)
        if (tune.minor and major_third > minor_third) or (not tune.minor and minor_third > major_third):
            continue
        num, den = _metre(tune.metre)
        out.append(
            Piece(tune.name, source, tune.tonic, "minor" if tune.minor else "major", num, den, notes, bars, length)
        )
    return out


def _metre(text: str) -> tuple[int, int]:
    if text == "C":
        return 4, 4
    if text == "C|":
        return 2, 2
    a, b = text.split("/")
    return int(a), int(b)


# --- arranging ------------------------------------------------------------------------------------------


def harmonise(piece: Piece, per_bar: int = 1) -> list[tuple[float, float, int]]:
    """(start, length, root pitch class, third) of a diatonic triad per bar (or half bar): the
    one among I, IV, V, vi (i, iv, V, VI in minor) that covers most of the melody's notes there.
    The spans follow the score's bar lines (a pickup gets no chord: the backing comes in on the
    first downbeat) up to the next pass through the piece."""
    minor = piece.mode == "minor"
    degrees = [(0, 3 if minor else 4), (5, 3 if minor else 4), (7, 4), (8 if minor else 9, 4 if minor else 3)]
    span = piece.bar_ql / per_bar
    out = []
    t = piece.bar_starts[0] if piece.bar_starts else 0.0
    while t < -1e-6:
        t += span
    melody = [n for n in piece.notes if n[3] == 0]
    while t < piece.period_ql - 1e-6:
        pcs = [p % 12 for (o, d, p, v) in melody if t <= o < t + span]
        best, best_score = degrees[0], -1.0
        for root_off, third in degrees:
            root = (piece.tonic + root_off) % 12
            triad = {root, (root + third) % 12, (root + 7) % 12}
            score = sum(pc in triad for pc in pcs) + (0.5 if root_off == 0 else 0)
            if score > best_score:
                best, best_score = (root_off, third), score
        out.append((t, span, (piece.tonic + best[0]) % 12, best[1]))
        t += span
    return out


def _near(pc: int, low: int) -> int:
    """The MIDI pitch of pitch class `pc` at or above `low`."""
    return low + (pc - low) % 12


def backing(piece: Piece, style: str, rng: random.Random) -> list[tuple[float, float, int, int]]:
    """Accompaniment notes (voice 1 = chords, 2 = bass) in one of the textures the kinds use."""
    out: list[tuple[float, float, int, int]] = []
    beat = piece.beat_ql
    per_bar = 2 if piece.beats_per_bar == 4 and style in ("eighths", "arpeggio", "band") else 1
    for start, span, root, third in harmonise(piece, per_bar):
        triad = [root, (root + third) % 12, (root + 7) % 12]
        bass = _near(root, 36)
        chord = [_near(pc, 55) for pc in triad]
        n_beats = max(1, round(span / beat))
        for b in range(n_beats):
            t = start + b * beat
            if style == "block":
                out.append((t, beat * 0.9, bass, 2))
                out.extend((t, beat * 0.9, p, 1) for p in chord)
            elif style == "oompah":  # bass on the downbeat, chords on the other beats
                if b == 0:
                    out.append((t, beat * 0.8, bass, 2))
                else:
                    out.extend((t, beat * 0.6, p, 1) for p in chord)
            elif style == "stride":  # bass on the beat (root, then fifth), chord on the offbeat eighth
                out.append((t, beat * 0.45, bass if b % 2 == 0 else _near((root + 7) % 12, 36), 2))
                out.extend((t + beat / 2, beat * 0.4, p, 1) for p in chord)
            elif style == "eighths":  # Adagio texture: repeated eighth-note chords, a bass note per beat
                out.append((t, beat * 0.95, bass, 2))
                for k in range(2):
                    out.extend((t + k * beat / 2, beat * 0.45, p, 1) for p in chord[1:])
            elif style == "arpeggio":  # broken chord in eighths (Alberti when the order is low-high-mid-high)
                order = [chord[0], chord[2], chord[1], chord[2]]
                if b % 2 == 0:
                    out.append((t, beat * 0.95, bass, 2))
                for k in range(2):
                    out.append((t + k * beat / 2, beat * 0.45, order[(2 * b + k) % 4], 1))
            elif style == "rocking":  # compound: bass on the beat, broken chord on the eighths
                out.append((t, beat * 0.9, bass, 2))
                for k, p in enumerate((chord[0], chord[1], chord[2])):
                    out.append((t + k * beat / 3, beat / 3 * 0.9, p, 1))
            elif style == "jig":  # compound: bass on the beat, chord on its third eighth
                out.append((t, beat * 0.6, bass, 2))
                out.extend((t + 2 * beat / 3, beat / 3 * 0.8, p, 1) for p in chord)
            elif style == "band":  # bass on every eighth (or every third of a compound beat), chord pads
                sub = 3 if piece.compound else 2
                for k in range(sub):
                    out.append((t + k * beat / sub, beat / sub * 0.85, bass, 2))
                if b == 0:
                    out.extend((t, span * 0.95, p, 1) for p in chord)
    return out


def adagio_texture(piece: Piece) -> list[tuple[float, float, int, int]]:
    """A chorale set as a slow movement: the soprano sings; the alto and tenor become repeated
    eighth-note chords and the bass keeps its notes (each beat restruck)."""
    out = []
    for onset, dur, pitch, voice in piece.notes:
        if voice == 0:
            out.append((onset, dur, pitch, 0))
        elif voice == 3:
            k = 0.0
            while k < dur - 1e-6:
                out.append((onset + k, min(1.0, dur - k) * 0.95, pitch, 2))
                k += 1.0
        else:
            k = 0.0
            while k < dur - 1e-6:
                out.append((onset + k, 0.45, pitch, 1))
                k += 0.5
    return out


def drum_part(piece: Piece, pattern: str, rng: random.Random) -> list[tuple[float, int, int]]:
    """(onset_ql, drum note, velocity) for one pass through the piece."""
    hits: list[tuple[float, int, int]] = []
    beat = piece.beat_ql
    for bar in piece.bar_starts or [0.0]:
        for b in range(piece.beats_per_bar):
            t = bar + b * beat
            if t < 0 or t >= piece.period_ql:
                continue
            down = b == 0
            if pattern in ("rock8", "rock16", "rock4"):
                hits.append((t, DRUM["kick"] if b % 2 == 0 else DRUM["snare"], rng.randint(95, 118)))
                sub = {"rock8": 2, "rock16": 4, "rock4": 1}[pattern]
                for k in range(sub):
                    hits.append((t + k * beat / sub, DRUM["hat"], rng.randint(60, 80)))
            elif pattern == "twobeat":  # polka/punk: kick on the beat, snare on the offbeat eighth
                hits.append((t, DRUM["kick"], rng.randint(95, 115)))
                hits.append((t + beat / 2, DRUM["snare"], rng.randint(85, 105)))
                hits.append((t, DRUM["hat"], rng.randint(55, 75)))
            elif pattern == "compound":  # 6/8 ballad: kick on 1, snare on 4, hats on every eighth
                hits.append((t, DRUM["kick"] if b % 2 == 0 else DRUM["snare"], rng.randint(95, 115)))
                for k in range(3):
                    hits.append((t + k * beat / 3, DRUM["hat"], rng.randint(55, 78)))
            elif pattern == "waltz":  # kick on 1, snare/hat on 2 and 3
                hits.append((t, DRUM["kick"] if down else DRUM["snare"], rng.randint(85, 110) if down else 70))
                hits.append((t, DRUM["hat"], rng.randint(55, 75)))
            elif pattern == "march":  # bass drum on the beats, snare on the subdivisions, accents
                hits.append((t, DRUM["kick"], rng.randint(95, 115) if down else rng.randint(80, 95)))
                sub = 3 if piece.compound else 2
                for k in range(sub):
                    vel = rng.randint(95, 110) if k == 0 else rng.randint(55, 75)
                    hits.append((t + k * beat / sub, DRUM["snare"], vel))
        if pattern in ("rock8", "rock16", "compound") and rng.random() < 0.1:
            hits.append((bar, DRUM["crash"], 90))
    return hits


# --- kinds ----------------------------------------------------------------------------------------------


@dataclass
class Render:
    piece: Piece
    kind: str
    tempo_range: tuple[float, float]
    programs: dict[int, int]  # voice -> GM program
    drums: str | None = None
    extra_notes: list[tuple[float, float, int, int]] = field(default_factory=list)
    replace_notes: list[tuple[float, float, int, int]] | None = None


def _oneills() -> list[str]:
    return sorted(glob.glob(os.path.join(_corpus_dir("oneills1850"), "*.abc")))


def _ryans() -> list[str]:
    return sorted(glob.glob(os.path.join(_corpus_dir("ryansMammoth"), "*.abc")))


def _essen() -> list[str]:
    return sorted(glob.glob(os.path.join(_corpus_dir("essenFolksong"), "*.abc")))


def _folk_programs(rng: random.Random) -> dict[int, int]:
    return {0: rng.choice(MELODY), 1: rng.choice(CHORDS), 2: rng.choice(BASS)}


def kind_chorale(rng, part, n):
    return [Render(p, "chorale", (56, 100), dict(enumerate(rng.choice(QUARTETS)))) for p in bach_chorales(rng, part, n)]


def kind_slow_movement(rng, part, n):
    real = corpus_works(SLOW_MOVEMENTS, rng, part, max(1, n // 2), "slow movement")
    out = []
    for p in real:
        strings = rng.random() < 0.6
        programs = {v: ([40, 40, 41, 42, 43][v % 5] if strings else 0) for v in p.melody_voices}
        out.append(Render(p, "slow_movement", (40, 62), programs))
    chorales = bach_chorales(rng, part, n - len(out) + 4)
    for p in chorales[: n - len(out)]:
        programs = {0: rng.choice([40, 73, 68, 71, 0]), 1: rng.choice([0, 48, 46, 49]), 2: rng.choice([42, 32, 0])}
        out.append(Render(p, "slow_movement", (40, 66), programs, replace_notes=adagio_texture(p)))
    return out


def kind_reel(rng, part, n):
    tunes = abc_tunes(_oneills() + _ryans(), ("C", "4/4", "C|", "2/4"), part)
    out = []
    for p in tune_pieces(tunes, rng, n, "reel"):
        tempo = (96, 120) if p.alla_breve else (84, 132)
        style = rng.choice([None, "block", "stride"])
        extra = backing(p, style, rng) if style else []
        out.append(Render(p, "reel", tempo, _folk_programs(rng), extra_notes=extra))
    return out


def kind_jig(rng, part, n):
    tunes = abc_tunes(_oneills() + _ryans(), ("6/8",), part)
    out = []
    for p in tune_pieces(tunes, rng, n, "jig"):
        extra = backing(p, "jig", rng) if rng.random() < 0.5 else []
        out.append(Render(p, "jig", (88, 126), _folk_programs(rng), extra_notes=extra))
    return out


def kind_siciliano(rng, part, n):
    tunes = abc_tunes(_essen(), ("6/8",), part)
    out = []
    for p in tune_pieces(tunes, rng, n, "siciliano", minor_share=0.1):
        programs = {0: rng.choice([73, 68, 40, 71, 52]), 1: rng.choice([0, 46, 24]), 2: rng.choice([0, 42, 32])}
        out.append(Render(p, "siciliano", (44, 72), programs, extra_notes=backing(p, "rocking", rng)))
    return out


def kind_waltz(rng, part, n):
    tunes = abc_tunes(_oneills() + _essen(), ("3/4",), part)
    out = []
    for i, p in enumerate(tune_pieces(tunes, rng, n, "waltz", minor_share=0.25)):
        tempo = (150, 200) if i % 2 else (84, 104)
        drums = "waltz" if rng.random() < 0.3 else None
        out.append(Render(p, "waltz", tempo, _folk_programs(rng), drums, extra_notes=backing(p, "oompah", rng)))
    return out


def kind_fast_triple(rng, part, n):
    tunes = abc_tunes(_essen() + _oneills(), ("3/4",), part)
    out = []
    for p in tune_pieces(tunes[::-1], rng, n, "fast triple", minor_share=0.25):
        extra = backing(p, "block", rng) if rng.random() < 0.5 else []
        out.append(Render(p, "fast_triple", (150, 200), _folk_programs(rng), extra_notes=extra))
    return out


def kind_march(rng, part, n):
    fife = [os.path.join(_corpus_dir("miscFolk"), "americanfifeopus.abc")]
    tunes = abc_tunes(fife + _ryans(), ("2/4", "6/8"), part)
    out = []
    for p in tune_pieces(tunes, rng, n, "march", minor_share=0.15):
        programs = {0: rng.choice([72, 73, 56, 61, 71]), 1: rng.choice([61, 57, 58]), 2: rng.choice([58, 57, 32])}
        style = "jig" if p.compound else "stride"
        out.append(Render(p, "march", (100, 128), programs, "march", extra_notes=backing(p, style, rng)))
    return out


def kind_ragtime(rng, part, n):
    out = []
    for p in corpus_works(RAGS, rng, part, 1, "ragtime"):
        out.append(Render(p, "ragtime", (72, 100), dict.fromkeys(p.melody_voices, rng.choice(PIANO))))
    tunes = abc_tunes(_ryans(), ("2/4",), part)
    for p in tune_pieces(tunes, rng, n - len(out), "ragtime", minor_share=0.1):
        piano = rng.choice(PIANO)
        out.append(Render(p, "ragtime", (72, 104), {0: piano, 1: piano, 2: piano}, None, backing(p, "stride", rng)))
    return out


def kind_lied(rng, part, n):
    out = []
    for p in corpus_works(LIEDER, rng, part, max(1, n // 3), "lied"):
        voice = rng.choice(VOICE)
        programs = {v: (voice if v == 0 else rng.choice(PIANO)) for v in p.melody_voices}
        out.append(Render(p, "lied", (52, 100), programs))
    tunes = abc_tunes([f for f in _essen() if re.search(r"(erk|boehme|altdeu)", f)], ("4/4", "3/4", "2/4"), part)
    for p in tune_pieces(tunes, rng, n - len(out), "lied", minor_share=0.1):
        piano = rng.choice(PIANO)
        style = rng.choice(["block", "arpeggio", "eighths"])
        programs = {0: rng.choice(VOICE), 1: piano, 2: piano}
        out.append(Render(p, "lied", (60, 112), programs, None, backing(p, style, rng)))
    return out


def kind_band_slow(rng, part, n):
    tunes = abc_tunes(_oneills() + _essen(), ("C", "4/4", "6/8"), part)
    out = []
    for p in tune_pieces(tunes, rng, n, "band", minor_share=0.3):
        pattern = "compound" if p.compound else rng.choice(["rock8", "rock8", "rock16"])
        programs = {0: rng.choice([80, 81, 29, 30, 65, 56, 27]), 1: rng.choice([4, 5, 16, 18, 89, 90]), 2: 33}
        tempo = (50, 76) if p.compound else (60, 90)
        out.append(Render(p, "band_slow", tempo, programs, pattern, extra_notes=backing(p, "band", rng)))
    return out


def kind_band_fast(rng, part, n):
    tunes = abc_tunes(_ryans() + _essen(), ("C", "4/4", "2/4"), part)
    out = []
    for p in tune_pieces(tunes[::-1], rng, n, "band", minor_share=0.3):
        pattern = rng.choice(["rock8", "rock4", "twobeat"])
        programs = {0: rng.choice([80, 81, 29, 30, 65, 56, 27]), 1: rng.choice([29, 30, 4, 18]), 2: 33}
        style = "band" if pattern != "twobeat" else "stride"
        out.append(Render(p, "band_fast", (150, 180), programs, pattern, extra_notes=backing(p, style, rng)))
    return out


KINDS: dict[str, Callable[[random.Random, str, int], list[Render]]] = {
    "chorale": kind_chorale,
    "slow_movement": kind_slow_movement,
    "reel": kind_reel,
    "jig": kind_jig,
    "siciliano": kind_siciliano,
    "waltz": kind_waltz,
    "fast_triple": kind_fast_triple,
    "march": kind_march,
    "ragtime": kind_ragtime,
    "lied": kind_lied,
    "band_slow": kind_band_slow,
    "band_fast": kind_band_fast,
}


# --- rendering ------------------------------------------------------------------------------------------


def _accent(piece: Piece, onset: float) -> float:
    """1 on a downbeat, 0.5 on another beat, 0 between beats (metrical accent of a performance)."""
    bars = [b for b in piece.bar_starts if b <= onset + 1e-6]
    pos = onset - (bars[-1] if bars else 0.0)
    if abs(pos) < 1e-6:
        return 1.0
    ratio = pos / piece.beat_ql
    return 0.5 if abs(ratio - round(ratio)) < 1e-6 else 0.0


def passes(
    piece: Piece, notes: list[tuple[float, float, int, int]], reps: int
) -> Iterator[tuple[float, float, float, int, int]]:
    """(time_ql, onset_ql, duration_ql, pitch, voice) of `notes` played `reps` times in a row, each
    pass `piece.period_ql` after the last: a note from the period on is left out (the next pass's
    pickup takes its place) and none sounds past it."""
    period = piece.period_ql
    for r in range(reps):
        for onset, dur, pitch, v in notes:
            if onset < period - 1e-6:
                yield r * period + onset, onset, min(dur, period - onset), pitch, v


def render(job: Render, out_wav: Path, tempo: float, rng: random.Random, sf2: str, seconds: float) -> dict:
    import numpy as np
    import pretty_midi
    import soundfile as sf

    piece = job.piece
    spq = 60.0 / tempo / piece.beat_ql  # seconds per quarter length
    notes = job.replace_notes if job.replace_notes is not None else piece.notes
    notes = notes + job.extra_notes
    period = piece.period_ql
    reps = max(1, math.ceil((seconds + 1) / (period * spq)))
    pm = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    cents = rng.choice([0.0, 0.0, rng.uniform(10, 40) * rng.choice([-1, 1])])
    accent_depth = rng.choice([0.0, rng.uniform(4, 14)])
    jitter = rng.choice([0.0, 0.006])
    insts: dict[int, pretty_midi.Instrument] = {}
    for voice in sorted({n[3] for n in notes}):
        inst = pretty_midi.Instrument(program=job.programs.get(voice, job.programs.get(0, 0)))
        bend = cents - program_tuning(inst.program, sf2)
        inst.pitch_bends.append(pretty_midi.PitchBend(int(round(bend / 200 * 8191)), 0.0))
        inst.control_changes.append(pretty_midi.ControlChange(10, rng.randint(24, 104), 0.0))
        insts[voice] = inst
    end_time = seconds + 1
    for at, onset, dur, pitch, v in passes(piece, notes, reps):
        t = at * spq + (rng.gauss(0, jitter) if jitter else 0.0)
        if t >= end_time or t < 0:
            continue
        vel = (rng.randint(72, 92) if v == 0 else rng.randint(52, 70)) + accent_depth * _accent(piece, onset)
        p = min(max(pitch, 24), 103)
        insts[v].notes.append(pretty_midi.Note(int(min(127, vel)), p, t, t + max(0.05, dur * spq * 0.95)))
    pm.instruments.extend(insts.values())
    if job.drums:
        kit = pretty_midi.Instrument(program=0, is_drum=True)
        kit.control_changes.append(pretty_midi.ControlChange(10, 64, 0.0))
        hits = drum_part(piece, job.drums, rng)
        for r in range(reps):
            for onset, note, vel in hits:
                t = (r * period + onset) * spq + (rng.gauss(0, jitter) if jitter else 0.0)
                if 0 <= t < end_time:
                    kit.notes.append(pretty_midi.Note(vel, note, t, t + 0.08))
        pm.instruments.append(kit)
    rate = rng.choice([22050, 44100, 48000])
    channels = 1 if rng.random() < 0.2 else 2
    with tempfile.TemporaryDirectory() as tmp:
        mid = Path(tmp) / "x.mid"
        pm.write(str(mid))
        raw = Path(tmp) / "x.wav"
        cmd = ["fluidsynth", "-ni", "-q", "-g", "0.5", "-r", str(rate), "-T", "wav", "-F", str(raw), sf2, str(mid)]
        subprocess.run(cmd, check=True, capture_output=True)
        audio, got_rate = sf.read(raw, dtype="float32", always_2d=True)
    audio = audio[: int(seconds * got_rate)]
    if channels == 1:
        audio = audio.mean(axis=1, keepdims=True)
    peak = float(np.max(np.abs(audio))) or 1.0
    sf.write(out_wav, audio / peak * rng.uniform(0.5, 0.95), got_rate, subtype="PCM_16")
    return {"tuning_cents": round(cents, 1), "sample_rate": got_rate, "channels": channels}


_PROGRAM_TUNING: dict[int, float] = {}


def program_tuning(program: int, sf2: str) -> float:
    """How far (cents) the soundfont's samples for a GM program sit from A4 = 440 Hz, by
    librosa.estimate_tuning on a short render of a few notes across the register."""
    if program not in _PROGRAM_TUNING:
        import librosa
        import pretty_midi
        import soundfile as sf

        pm = pretty_midi.PrettyMIDI()
        inst = pretty_midi.Instrument(program=program)
        for i, pitch in enumerate((48, 55, 60, 64, 67, 72, 76)):
            inst.notes.append(pretty_midi.Note(90, pitch, 0.4 * i, 0.4 * i + 0.38))
        pm.instruments.append(inst)
        with tempfile.TemporaryDirectory() as tmp:
            pm.write(f"{tmp}/t.mid")
            cmd = ["fluidsynth", "-ni", "-q", "-r", "22050", "-T", "wav", "-F", f"{tmp}/t.wav", sf2, f"{tmp}/t.mid"]
            subprocess.run(cmd, check=True, capture_output=True)
            y, rate = sf.read(f"{tmp}/t.wav", dtype="float32", always_2d=True)
        _PROGRAM_TUNING[program] = 100.0 * float(librosa.estimate_tuning(y=y.mean(axis=1), sr=rate))
    return _PROGRAM_TUNING[program]


def metre_name(piece: Piece) -> str:
    return "C|" if piece.alla_breve and piece.numerator == 2 else f"{piece.numerator}/{piece.denominator}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--part", choices=PARTS, default="dev", help="dev: tuned on; test: never tuned on")
    ap.add_argument("--per-kind", type=int, default=10, help="pieces per kind")
    ap.add_argument("--kinds", default=",".join(KINDS), help="comma-separated subset of " + ", ".join(KINDS))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument(
        "--soundfont",
        type=Path,
        help="General MIDI soundfont (.sf2 or .sf3) to render with; default FluidR3_GM. The same seed with "
        "another soundfont gives the same pieces, tempos and keys in other instrument samples",
    )
    args = ap.parse_args(argv)
    if shutil.which("fluidsynth") is None:
        print("fluidsynth is not installed: apt-get install fluidsynth fluid-soundfont-gm", file=sys.stderr)
        return 2
    kinds = [k.strip() for k in args.kinds.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        print(f"unknown kind(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    if args.soundfont is not None and not args.soundfont.is_file():
        print(f"no soundfont at {args.soundfont}", file=sys.stderr)
        return 2
    sf2 = str(args.soundfont) if args.soundfont is not None else soundfont()
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    truth = []
    for kind in kinds:
        rng = random.Random(f"{args.seed}:{args.part}:{kind}")
        for job in KINDS[kind](rng, args.part, args.per_kind):
            lo, hi = job.tempo_range
            tempo = round(math.exp(rng.uniform(math.log(lo), math.log(hi))), 1)
            transpose = 0 if "score" in job.piece.extra else rng.randint(-5, 6)  # real works stay in their key
            if transpose:
                job.piece.notes = [(o, d, p + transpose, v) for o, d, p, v in job.piece.notes]
                job.extra_notes = [(o, d, p + transpose, v) for o, d, p, v in job.extra_notes]
                if job.replace_notes is not None:
                    job.replace_notes = [(o, d, p + transpose, v) for o, d, p, v in job.replace_notes]
            p = job.piece
            name = f"{len(truth):03d}_{kind}_{p.name}.wav"
            facts = render(job, args.out / name, tempo, rng, sf2, args.seconds)
            truth.append(
                {
                    "file": name,
                    "kind": kind,
                    "source": p.source,
                    "piece": p.name,
                    "part": args.part,
                    "tempo_bpm": tempo,
                    "beat": {1.5: "dotted quarter", 2.0: "half", 1.0: "quarter"}.get(p.beat_ql, f"{p.beat_ql} ql"),
                    "metre": metre_name(p),
                    "time_signature": p.time_signature,
                    "key": NOTE[(p.tonic + transpose) % 12],
                    "mode": p.mode,
                    "drums": job.drums or "",
                    "marking": p.marking,
                    "soundfont": Path(sf2).name,
                    **facts,
                }
            )
            t = truth[-1]
            print(f"{name}: {tempo} BPM ({t['beat']}), {t['key']} {t['mode']}, {t['metre']}, {facts}", flush=True)
    (args.out / "truth.json").write_text(json.dumps(truth, indent=1))
    summary = {"n": len(truth), "part": args.part, "seed": args.seed, "out": str(args.out)}
    summary["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
