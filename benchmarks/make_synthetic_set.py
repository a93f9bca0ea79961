"""Synthetic training renders for the tempo model (benchmarks/fit_tempo.py), labelled by
construction: the app's own sketch music (engines/music_sketch.py) at random Features, and
metronome click tracks.

    python benchmarks/make_synthetic_set.py OUT_DIR [--n 400] [--clicks 200] [--seed 100] [--seconds 20]

The scored kinds of make_eval_set.py lack two patterns: the sketch's drums keep a kick on every
beat with hats and snare set by energy and danceability (without them the model read quiet
sketches at 120-175 BPM at half tempo, 5 of 27 in a sweep), and a bare pulse with nothing
between the beats, which is the beat (a click track at 180 read as 90). Clicks are a noise
burst or a woodblock-like tone at 40-220 BPM (uniform in log tempo), the first of every 2, 3
or 4 accented or none. Writes OUT_DIR/*.wav and OUT_DIR/truth.json (eval_analysis.py's --truth
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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--clicks", type=int, default=200, help="metronome click tracks")
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
    (args.out / "truth.json").write_text(json.dumps(truth, indent=1))
    print(json.dumps({"n": len(truth), "seed": args.seed, "out": str(args.out)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
