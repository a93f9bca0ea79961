"""Synthetic training renders for the tempo model (benchmarks/fit_tempo.py), labelled by
construction: the app's own sketch music (engines/music_sketch.py) at random Features,
metronome click tracks, and accompaniment grooves.

    python benchmarks/make_synthetic_set.py OUT_DIR [--n 400] [--clicks 200] [--grooves 500] [--backbeats 0]
                                                    [--backbeat-variants 0] [--seed 100] [--seconds 20]

The scored kinds of make_eval_set.py lack two patterns: the sketch's drums keep a kick on every
beat with hats and snare set by energy and danceability (without them the model read quiet
sketches at 120-175 BPM at half tempo, 5 of 27 in a sweep), and a bare pulse with nothing
between the beats, which is the beat (a click track at 180 read as 90). Clicks are a noise
burst or a woodblock-like tone at 40-220 BPM (uniform in log tempo), the first of every 2, 3
or 4 accented or none. Grooves (additive tones and noise drums, so the model does not lean on
the soundfont's timbres) are the accompaniments whose roles mark the beat: a waltz's
oom-pah-pah at 84-200 BPM (bass on one, chords on two and three, at a random balance; without
them the model read plain fast waltzes at the bar with probability 1.00), 6/8 at 44-120
dotted quarters (a jig's bass-rest-chord in eighths and compound melody figures), a drum kit's
backbeat at 60-180 BPM (the rendered bands play at 60-90 and 150-180 only, and a rock beat
at 112 under chords struck on every beat was read at 56; kick on one and three, snare on two
and four, hi-hats on quarters, eighths or sixteenths), four-on-the-floor at 100-140 BPM, and
chords struck on every beat with nothing between at 60-180 BPM (without them songs of such
chords were read at the bar, 40-44 BPM, at 160 and 176). --backbeats adds backbeats under
hi-hats or a ride as loud as the drums or louder, at 8-22.05 kHz (backbeat_mix; scripts/training_sets.sh
renders 400 of them into their own set for the tempo fit); --backbeat-variants adds half-time
backbeats and quiet drums under a loud bass on every eighth, major and minor (300 in another set). Writes OUT_DIR/*.wav and OUT_DIR/truth.json (eval_analysis.py's --truth
format; tempo is the quarter note as the sketch plays it, or the click rate) and prints one
JSON object on its last line. Use seeds other than those of the tests (tests/test_music.py's
round trip uses 1, tests/test_audio_tempo_key.py's click tracks 2).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
NOTE = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]


def click_track(bpm: float, group: int, seconds: float, rng: np.random.Generator, sr: int = 22050) -> np.ndarray:
    """(samples,) float32 at `sr`: a click on every beat at `bpm`, the first of every `group`
    louder (and, for the tone, a fifth higher) unless `group` is 1; a 10 ms noise burst or a
    30 ms decaying tone at 800-2000 Hz, with up to 3 ms of timing jitter."""
    out = np.zeros(int(seconds * sr) + sr)
    tone_hz = float(rng.uniform(800, 2000)) if rng.random() < 0.5 else 0.0
    for b in range(int(seconds * bpm / 60) + 1):
        at = int((b * 60.0 / bpm + rng.uniform(0, 0.003)) * sr)
        accent = group > 1 and b % group == 0
        n = int((0.03 if tone_hz else 0.01) * sr)
        t = np.arange(n) / sr
        if tone_hz:
            click = np.sin(2 * np.pi * tone_hz * (1.5 if accent else 1.0) * t) * np.exp(-t * 150)
        else:
            click = rng.standard_normal(n) * np.exp(-t * 400)
        seg = out[at : at + n]
        seg += (1.0 if accent else 0.6) * click[: len(seg)]
    return (0.8 * out[: int(seconds * sr)] / (np.abs(out).max() + 1e-12)).astype(np.float32)


def _tone(hz: float, seconds: float, sr: int, decay: float, brightness: float) -> np.ndarray:
    """A harmonic tone: partials k = 1..8 at 1/k**brightness, 5 ms attack, exponential decay (1/s)."""
    t = np.arange(int(seconds * sr)) / sr
    wave = sum(np.sin(2 * np.pi * hz * k * t) / k**brightness for k in range(1, 9) if hz * k < sr / 2)
    return np.asarray(wave * np.minimum(1.0, t / 0.005) * np.exp(-t * decay))


def _drum(kind: str, rng: np.random.Generator, sr: int) -> np.ndarray:
    """A kick (falling sine), snare or clap (noise over a tone) or closed hi-hat (differenced noise)."""
    if kind == "kick":
        t = np.arange(int(0.25 * sr)) / sr
        return np.sin(2 * np.pi * (40 + rng.uniform(60, 120) * np.exp(-t * 30)) * t) * np.exp(-t * rng.uniform(12, 25))
    if kind == "snare":
        t = np.arange(int(0.2 * sr)) / sr
        body = np.sin(2 * np.pi * rng.uniform(160, 240) * t) * np.exp(-t * 30)
        return 0.7 * rng.standard_normal(len(t)) * np.exp(-t * rng.uniform(15, 35)) + 0.4 * body
    n = int(0.06 * sr)
    return np.diff(rng.standard_normal(n + 1)) * np.exp(-np.arange(n) / sr * rng.uniform(50, 140))


def backbeat_mix(
    bpm: float, key: int, seconds: float, rng: np.random.Generator, variant: str = "plain", minor: bool = False
) -> tuple[np.ndarray, int]:
    """(samples,) float32 and its sample rate: a backbeat (kick on one and three, snare on two and
    four) under a mix whose subdivisions are as loud as the drums or louder, the balance the
    grooves of accompaniment_groove() never reach (their hi-hats sit at 0.05-0.5 of the drums):
    closed hi-hats (10-50 ms decay) or a ride cymbal (inharmonic partials, 250 ms) on eighths,
    sixteenths or quarters at 0.3-3x the drums, optionally swung; the bass on every eighth or
    quarter at 0.2-1x, in any key and octave 1-2; triads per bar or per beat; rendered at 8, 11.025,
    16 or 22.05 kHz (band-limited files). Without them a 64 BPM groove whose hi-hats matched the
    kick read 128 in 6 of 7 keys (helper test of stop 26).

    ``variant`` "half_time": kick on one (and half the time on the "and" of three), snare on three
    only (read at 2/3 of its tempo with confidence 0.95 before); "quiet_drums": the drums at
    0.2-0.4 of their level under a bass on every eighth at 0.6-1x (read at double); "plain" draws
    nothing more, so its renders stay as they were. ``minor``: i and iv are minor triads (V major)."""
    sr = int(rng.choice([8000, 11025, 16000, 22050, 22050, 22050]))
    out = np.zeros(int((seconds + 2) * sr))
    beat = 60.0 / bpm
    drum_gain = rng.uniform(0.4, 1.0)
    sub_gain = drum_gain * float(np.exp(rng.uniform(np.log(0.3), np.log(3.0))))
    per_beat = int(rng.choice([1, 2, 2, 2, 4] if bpm < 110 else [1, 2, 2]))
    swing = float(rng.choice([0.0, 0.0, rng.uniform(0.1, 0.33)])) if per_beat == 2 else 0.0
    ride = rng.random() < 0.3
    bass_gain = rng.uniform(0.2, 1.0)
    bass_per_beat = int(rng.choice([1, 2, 2]))
    chord_gain = rng.uniform(0.04, 0.3)
    chords_per_bar = int(rng.choice([1, 4]))
    brightness = rng.uniform(0.6, 1.6)
    bass_octave = 24 + 12 * int(rng.integers(2))
    progression = PROGRESSIONS[int(rng.integers(len(PROGRESSIONS)))]
    kick_and_of_three = variant == "half_time" and rng.random() < 0.5
    if variant == "quiet_drums":
        drum_gain *= rng.uniform(0.2, 0.4)
        sub_gain *= rng.uniform(0.2, 0.4)
        bass_gain, bass_per_beat = rng.uniform(0.6, 1.0), 2

    def add(at: float, sound: np.ndarray, gain: float) -> None:
        i = int((at + rng.uniform(0, 0.004)) * sr)
        seg = out[i : i + len(sound)]
        seg += gain * sound[: len(seg)]

    def cymbal() -> np.ndarray:
        if not ride:
            n = int(0.1 * sr)
            return np.diff(rng.standard_normal(n + 1)) * np.exp(-np.arange(n) / sr / rng.uniform(0.01, 0.05))
        t = np.arange(int(0.6 * sr)) / sr
        partials = [f for f in (3150.0, 4720.0, 5830.0, 7410.0, 8290.0) if f < sr / 2] or [sr / 3]
        body = sum(np.sin(2 * np.pi * f * t) for f in partials) / len(partials)
        return (body + 0.3 * rng.standard_normal(len(t))) * np.exp(-t / 0.25)

    for b in range(int(seconds / beat) + 1):
        t = b * beat
        root = 12 * 4 + key + progression[(b // 4) % 4]
        if variant != "half_time":
            add(t, _drum("kick" if b % 2 == 0 else "snare", rng, sr), drum_gain)
        elif b % 4 in (0, 2):
            add(t, _drum("kick" if b % 4 == 0 else "snare", rng, sr), drum_gain)
            if b % 4 == 2 and kick_and_of_three:
                add(t + beat / 2, _drum("kick", rng, sr), drum_gain)
        for k in range(per_beat):
            lag = swing * beat / 2 if k == 1 else 0.0
            add(t + k * beat / per_beat + lag, cymbal(), sub_gain)
        for k in range(bass_per_beat):
            lag = swing * beat / 2 if k == 1 else 0.0
            bass = _tone(440.0 * 2 ** ((bass_octave + (root % 12) - 69) / 12), 0.9 * beat / bass_per_beat, sr, 3.0, 1.0)
            add(t + k * beat / bass_per_beat + lag, bass, bass_gain)
        if b % (4 // chords_per_bar) == 0:
            third = 3 if minor and (root - key) % 12 != 7 else 4  # minor: i and iv minor, V major
            for iv in (0, third, 7):
                tone = _tone(440.0 * 2 ** ((root + iv - 69) / 12), 4 * beat / chords_per_bar, sr, 1.0, brightness)
                add(t, tone, chord_gain)
    out = out[: int(seconds * sr)]
    return (0.8 * out / (np.abs(out).max() + 1e-12)).astype(np.float32), sr


GROOVES = ("waltz", "compound", "backbeat", "four_on_the_floor", "block")
PROGRESSIONS = [(0, 5, 7, 0), (0, 9, 5, 7), (0, 7, 9, 5), (0, 5, 0, 7)]  # chord roots, semitones over the tonic
# Melody rhythms within one beat, as (onset, length) in beats: a simple beat's quarter, eighths
# or rest; a compound beat's dotted quarter, long-short (quarter-eighth) or three eighths.
SIMPLE_FIGURES = (((0.0, 1.0),), ((0.0, 0.5), (0.5, 0.5)), ())
COMPOUND_FIGURES = (((0.0, 1.0),), ((0.0, 2 / 3), (2 / 3, 1 / 3)), ((0.0, 1 / 3), (1 / 3, 1 / 3), (2 / 3, 1 / 3)))


def accompaniment_groove(
    style: str, bpm: float, key: int, seconds: float, rng: np.random.Generator, sr: int = 22050
) -> tuple[np.ndarray, int]:
    """(samples,) float32 at `sr` and the Features time signature (3, 4 or 6): `style` in
    GROOVES at `bpm` beats (quarter notes; dotted quarters for "compound", 6/8) in the major
    `key` (pitch class 0..11), triads over a random progression changing every bar or two, an
    optional melody in the metre's figures.

    waltz: bass on one, chords on two and three (oom-pah-pah), drums 30%; compound: a bass note
    on each beat and a chord on its third eighth (a jig's backing; a siciliano's rocking
    bass-chord-chord is left to the rendered sets: in plain tones it is a fast waltz's
    oom-pah-pah note for note), kick on one and snare on four 30%; backbeat: kick on one and three, snare on
    two and four, hi-hats on quarters, eighths or sixteenths at 0.05-0.5 of the drums' level,
    bass on quarters or eighths, chords held for the bar or struck on every beat or half bar;
    four_on_the_floor: a kick on every beat, snare on two and four, an off-beat hi-hat; block:
    3/4 or 4/4 chords struck on every beat (the first accented) with nothing between (the melody
    in quarters too), a bass note per bar or per beat, kick and snare taking turns 50% (nothing sounds between the beats, so
    the pulse is the beat, however fast)."""
    out = np.zeros(int((seconds + 2) * sr))
    beat = 60.0 / bpm
    per_bar = {"waltz": 3, "compound": 2}.get(style, int(rng.choice([3, 4])) if style == "block" else 4)
    tonic = 48 + key
    bars_per_chord = int(rng.choice([1, 2]))
    progression = PROGRESSIONS[int(rng.integers(len(PROGRESSIONS)))]
    bass_gain, chord_gain = rng.uniform(0.2, 0.5), rng.uniform(0.04, 0.25)
    drum_gain = rng.uniform(0.4, 1.0)
    brightness = rng.uniform(0.6, 1.6)
    hats = int(rng.choice([1, 2, 4] if bpm < 100 else [1, 2]))  # hi-hats per beat
    bass_per_beat = int(rng.choice([1, 2])) if style in ("backbeat", "block") else 1
    chords_per_bar = int(rng.choice([1, 2, 4]))  # held, or struck on every beat as rhythm guitar does
    hat_gain = float(np.exp(rng.uniform(np.log(0.05), np.log(0.5))))
    melody = rng.random() < 0.7
    drums = style in ("backbeat", "four_on_the_floor") or rng.random() < (0.5 if style == "block" else 0.3)
    figures = {"compound": COMPOUND_FIGURES, "block": SIMPLE_FIGURES[::2]}.get(style, SIMPLE_FIGURES)

    def add(at: float, sound: np.ndarray, gain: float) -> None:
        i = int((at + rng.uniform(0, 0.004)) * sr)
        seg = out[i : i + len(sound)]
        seg += gain * sound[: len(seg)]

    def note(midi: float, at: float, length: float, gain: float, decay: float = 3.0) -> None:
        add(at, _tone(440.0 * 2 ** ((midi - 69) / 12), length, sr, decay, brightness), gain)

    def chord(root: int, at: float, length: float, gain: float = chord_gain, decay: float = 4.0) -> None:
        for iv in (0, 4, 7):
            note(root + 12 + iv, at, length, gain, decay)

    for bar in range(int(seconds / (per_bar * beat)) + 1):
        root = tonic + progression[(bar // bars_per_chord) % 4]
        for b in range(per_bar):
            t = (bar * per_bar + b) * beat
            if style == "waltz":
                if b == 0:
                    note(root - 12, t, beat, bass_gain)
                else:
                    chord(root, t, 0.7 * beat)
                if drums:
                    add(t, _drum("kick" if b == 0 else "hat", rng, sr), drum_gain * (1.0 if b == 0 else 0.4))
            elif style == "compound":
                note(root - 12, t, 2 * beat / 3, bass_gain)
                chord(root, t + 2 * beat / 3, 0.3 * beat)
                if drums:
                    add(t, _drum("kick" if b == 0 else "snare", rng, sr), drum_gain)
                    for k in range(3):
                        add(t + k * beat / 3, _drum("hat", rng, sr), drum_gain * 0.3)
            elif style == "block":
                if b == 0 or bass_per_beat == 2:
                    note(root - 12, t, (per_bar if b == 0 and bass_per_beat == 1 else 1) * beat, bass_gain, 1.5)
                chord(root, t, beat, chord_gain * (1.0 if b == 0 else 0.6), 3.0)
                if drums and b % 2 == 0:
                    add(t, _drum("kick", rng, sr), drum_gain)
                elif drums:
                    add(t, _drum("snare", rng, sr), drum_gain * 0.5)
            else:
                if style == "four_on_the_floor" or b % 2 == 0:
                    add(t, _drum("kick", rng, sr), drum_gain)
                if b % 2 == 1:
                    add(t, _drum("snare", rng, sr), drum_gain * 0.8)
                hat_at = [t + beat / 2] if style == "four_on_the_floor" else [t + k * beat / hats for k in range(hats)]
                for th in hat_at:
                    add(th, _drum("hat", rng, sr), drum_gain * hat_gain)
                for k in range(bass_per_beat):
                    note(root - 12, t + k * beat / bass_per_beat, 0.9 * beat / bass_per_beat, bass_gain)
                if b % (per_bar // chords_per_bar) == 0:
                    chord(root, t, per_bar * beat / chords_per_bar)
            if melody:
                for onset, length in figures[int(rng.integers(len(figures)))]:
                    pitch = root + 24 + int(rng.choice([0, 2, 4, 7, 9]))
                    note(pitch, t + onset * beat, length * beat, 0.2, 2.0)
    out = out[: int(seconds * sr)]
    return (0.8 * out / (np.abs(out).max() + 1e-12)).astype(np.float32), {"compound": 6}.get(style, per_bar)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--clicks", type=int, default=200, help="metronome click tracks")
    ap.add_argument("--grooves", type=int, default=500, help="accompaniment grooves")
    ap.add_argument("--backbeats", type=int, default=0, help="backbeats under loud subdivisions (backbeat_mix)")
    ap.add_argument("--backbeat-variants", type=int, default=0, help="half-time and quiet-drum backbeats")
    ap.add_argument("--seed", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=20.0)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    import soundfile as sf

    from albumgen_desktop.core.features import Features
    from albumgen_desktop.engines.music_sketch import RATE, render

    args.out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    truth = []
    for i in range(args.n):
        f = Features(
            acousticness=rng.random(), danceability=rng.random(), energy=rng.random(), valence=rng.random(),
            instrumentalness=rng.random(), tempo_bpm=float(round(rng.uniform(50, 200), 1)),
            key=int(rng.integers(12)), mode=("major", "minor")[int(rng.integers(2))],
            time_signature=int(rng.choice([3, 4])),
        )  # fmt: skip
        name = f"{i:03d}_sketch.wav"
        sf.write(args.out / name, render(f, args.seconds, seed=args.seed * 1000 + i), RATE, subtype="PCM_16")
        truth.append(
            {
                "file": name, "kind": "sketch", "source": "music_sketch", "piece": f"sketch-{args.seed}-{i}",
                "part": "dev", "tempo_bpm": f.tempo_bpm, "beat": "quarter", "time_signature": f.time_signature,
                "key": NOTE[f.key or 0], "mode": f.mode, "energy": f.energy, "danceability": f.danceability,
            }
        )  # fmt: skip
    rng = np.random.default_rng(args.seed + 1)  # its own stream: --n does not change the clicks
    for i in range(args.clicks):
        bpm = float(round(40.0 * 5.5 ** rng.random(), 1))
        group = int(rng.choice([1, 2, 3, 4]))
        name = f"{i:03d}_metronome.wav"
        sf.write(args.out / name, click_track(bpm, group, args.seconds, rng), 22050, subtype="PCM_16")
        truth.append(
            {
                "file": name, "kind": "metronome", "source": "clicks", "piece": f"metronome-{args.seed}-{i}",
                "part": "dev", "tempo_bpm": bpm, "beat": "click", "time_signature": 3 if group == 3 else 4,
                "key": "C", "mode": "major",
            }
        )  # fmt: skip
    rng = np.random.default_rng(args.seed + 2)
    for i in range(args.grooves):
        style = GROOVES[int(rng.choice(len(GROOVES), p=[0.25, 0.25, 0.25, 0.1, 0.15]))]
        lo, hi = {"waltz": (84, 200), "compound": (44, 120), "backbeat": (60, 180), "four_on_the_floor": (100, 140),
                  "block": (60, 180)}[style]  # fmt: skip
        bpm = float(round(lo * (hi / lo) ** rng.random(), 1))
        key = int(rng.integers(12))
        audio, metre = accompaniment_groove(style, bpm, key, args.seconds, rng)
        name = f"{i:03d}_groove_{style}.wav"
        sf.write(args.out / name, audio, 22050, subtype="PCM_16")
        truth.append(
            {
                "file": name, "kind": "groove", "source": style, "piece": f"groove-{args.seed}-{i}",
                "part": "dev", "tempo_bpm": bpm, "beat": "dotted quarter" if style == "compound" else "quarter", "time_signature": metre,
                "key": NOTE[key], "mode": "major",
            }
        )  # fmt: skip
    rng = np.random.default_rng(args.seed + 3)  # its own stream: the sets above stay as they were
    for i in range(args.backbeats):
        bpm = float(
            round(56 * (100 / 56) ** rng.random() if rng.random() < 0.7 else 150 * (180 / 150) ** rng.random(), 1)
        )
        key = int(rng.integers(12))
        audio, rate = backbeat_mix(bpm, key, args.seconds, rng)
        name = f"{i:03d}_backbeat_mix.wav"
        sf.write(args.out / name, audio, rate, subtype="PCM_16")
        truth.append(
            {
                "file": name, "kind": "groove", "source": "backbeat_mix", "piece": f"backbeat-{args.seed}-{i}",
                "part": "dev", "tempo_bpm": bpm, "beat": "quarter", "time_signature": 4, "key": NOTE[key], "mode": "major",
            }
        )  # fmt: skip
    rng = np.random.default_rng(args.seed + 4)
    for i in range(args.backbeat_variants):
        variant = ("half_time", "quiet_drums")[i % 2]
        bpm = float(
            round(56 * (100 / 56) ** rng.random() if rng.random() < 0.8 else 100 * (140 / 100) ** rng.random(), 1)
        )
        key, minor = int(rng.integers(12)), bool(rng.random() < 0.5)
        audio, rate = backbeat_mix(bpm, key, args.seconds, rng, variant, minor)
        name = f"{i:03d}_backbeat_{variant}.wav"
        sf.write(args.out / name, audio, rate, subtype="PCM_16")
        truth.append(
            {
                "file": name, "kind": "groove", "source": f"backbeat_{variant}", "piece": f"backbeat-{args.seed}-v{i}",
                "part": "dev", "tempo_bpm": bpm, "beat": "quarter", "time_signature": 4, "key": NOTE[key],
                "mode": "minor" if minor else "major",
            }
        )  # fmt: skip
    (args.out / "truth.json").write_text(json.dumps(truth, indent=1))
    print(json.dumps({"n": len(truth), "seed": args.seed, "out": str(args.out)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
