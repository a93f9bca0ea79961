"""Build a labelled audio set from real scores: music21's corpus rendered with a GM soundfont.

Sources: J.S. Bach's chorales (four voices, key from the key signature and the
final bass note) and O'Neill's 1850 Irish tunes (key and mode from the ABC K:
field), in 3/4 and 4/4. Each piece gets a tempo drawn from 60..180 BPM (quarter
note), a random transposition, General MIDI instruments, and for about half a
drum kit; folk melodies get a simple diatonic accompaniment for half of them.
Rendered with FluidSynth (Debian: fluidsynth + fluid-soundfont-gm).

    python benchmarks/make_eval_set.py OUT_DIR [--n 120] [--seed 0] [--seconds 30]

Writes OUT_DIR/*.wav and OUT_DIR/truth.json in eval_analysis.py's --truth format.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

NOTE = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
SOUNDFONTS = ["/usr/share/sounds/sf2/FluidR3_GM.sf2", "/usr/share/sounds/sf2/default-GM.sf2"]
MELODY_PROGRAMS = [73, 40, 71, 56, 0, 21, 24, 65, 68, 22, 11]
CHORD_PROGRAMS = [0, 4, 25, 19, 48, 46, 1]
BASS_PROGRAMS = [32, 33, 34, 43]
VOICE_PROGRAMS = [
    [48, 48, 48, 42],
    [19, 19, 19, 19],
    [52, 52, 52, 52],
    [56, 60, 57, 58],
    [0, 0, 0, 0],
    [40, 40, 41, 42],
]


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


def soundfont() -> str:
    for path in SOUNDFONTS:
        if os.path.exists(path):
            return path
    raise SystemExit("no General MIDI soundfont: apt-get install fluid-soundfont-gm")


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

    out = []
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


def render(
    piece: Piece, out_wav: Path, tempo: float, transpose: int, drums: bool, seconds: float, rng: random.Random, sf2: str
) -> None:
    import pretty_midi

    spb = 60.0 / tempo
    reps = max(1, int(seconds / (piece.length_ql * spb)) + 1)
    pm = pretty_midi.PrettyMIDI(initial_tempo=tempo)
    voices = sorted({v for *_, v in piece.notes})
    if piece.name.startswith("bwv"):
        programs = rng.choice(VOICE_PROGRAMS)
    else:
        programs = [rng.choice(MELODY_PROGRAMS), rng.choice(CHORD_PROGRAMS), rng.choice(BASS_PROGRAMS), 0]
    insts = {v: pretty_midi.Instrument(program=programs[v % len(programs)]) for v in voices}
    end_time = seconds + 1
    for r in range(reps):
        base = r * piece.length_ql
        for onset, dur, pitch, v in piece.notes:
            t = (base + onset) * spb
            if t >= end_time:
                continue
            vel = rng.randint(70, 100) if v == 0 else rng.randint(55, 80)
            p = min(max(pitch + transpose, 24), 100)
            insts[v].notes.append(pretty_midi.Note(vel, p, t, t + max(0.05, dur * spb * 0.95)))
    pm.instruments.extend(insts.values())
    if drums:
        kit = pretty_midi.Instrument(program=0, is_drum=True)
        for r in range(reps):
            base = r * piece.length_ql
            for bar in piece.bar_starts:
                for beat in range(piece.beats):
                    t = (base + bar + beat) * spb
                    if t < 0 or t >= end_time:
                        continue
                    if piece.beats == 4:
                        hit = 36 if beat in (0, 2) else 38
                    else:
                        hit = 36 if beat == 0 else 38
                    kit.notes.append(pretty_midi.Note(rng.randint(90, 115), hit, t, t + 0.1))
                    for sub in (0, 0.5):
                        th = t + sub * spb
                        kit.notes.append(pretty_midi.Note(rng.randint(50, 80), 42, th, th + 0.05))
        pm.instruments.append(kit)
    with tempfile.TemporaryDirectory() as tmp:
        mid = Path(tmp) / "x.mid"
        pm.write(str(mid))
        raw = Path(tmp) / "x.wav"
        subprocess.run(
            ["fluidsynth", "-ni", "-q", "-g", "0.5", "-r", "22050", "-T", "wav", "-F", str(raw), sf2, str(mid)],
            check=True,
            capture_output=True,
        )
        import numpy as np
        import soundfile as sf

        audio, rate = sf.read(raw, dtype="float32")
        audio = audio[: int(seconds * rate)]
        peak = float(np.max(np.abs(audio))) or 1.0
        sf.write(out_wav, audio / peak * 0.9, rate, subtype="PCM_16")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--n", type=int, default=120, help="number of pieces (half chorales, half folk tunes)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=30.0)
    args = ap.parse_args(argv)
    if shutil.which("fluidsynth") is None:
        print("fluidsynth is not installed: apt-get install fluidsynth fluid-soundfont-gm", file=sys.stderr)
        return 2
    sf2 = soundfont()
    rng = random.Random(args.seed)
    pieces = bach_pieces(args.n // 2, rng) + folk_pieces(args.n - args.n // 2, rng)
    args.out.mkdir(parents=True, exist_ok=True)
    truth = []
    for i, piece in enumerate(pieces):
        tempo = round(rng.uniform(60, 180), 1)
        transpose = rng.randint(-5, 6)
        drums = rng.random() < 0.5
        name = f"{i:03d}_{piece.name}.wav"
        render(piece, args.out / name, tempo, transpose, drums, args.seconds, rng, sf2)
        truth.append(
            {
                "file": name,
                "tempo_bpm": tempo,
                "key": NOTE[(piece.tonic + transpose) % 12],
                "mode": piece.mode,
                "time_signature": piece.beats,
                "drums": drums,
                "source": "bach chorale" if piece.name.startswith("bwv") else "o'neill tune",
            }
        )
        print(f"{name}: {tempo} BPM, {truth[-1]['key']} {piece.mode}, {piece.beats}/4, drums={drums}", flush=True)
    (args.out / "truth.json").write_text(json.dumps(truth, indent=1))
    print(json.dumps({"n": len(truth), "out": str(args.out)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
