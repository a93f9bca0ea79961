"""Evaluate the DSP audio analyser on labelled sets, side by side with the textbook baseline.

    python benchmarks/eval_analysis.py --truth SET/truth.json [--truth OTHER/truth.json ...]
                                       [--limit N] [--no-baseline] [--verbose]

A truth file is a JSON list of {"file": path relative to it, "tempo_bpm": number, "key": "F#" or
"Gb", "mode": "major"|"minor", "time_signature": 3|4|6} with optional "kind" and "part" (as
benchmarks/make_eval_set.py writes them; any other labelled recordings work the same way).
Tempo labels are the notated beat (see make_eval_set.py): quarter in simple metres, half in
alla breve, dotted quarter in compound metres.

Metrics (MIREX): tempo Accuracy1 (within 4% of the label), Accuracy2 (within 4% of the label or
of 2x, 3x, 1/2, 1/3 of it), the weighted key score (1 exact, 0.5 a fifth above, 0.3
relative, 0.2 parallel; MIREX audio key detection, scored by mir_eval.key), the exact key rate, metre accuracy. All
files are reported together, by "part", by "kind" and by set (the folder of each truth file: the
same part rendered with two soundfonts is two sets). The baseline is librosa's default beat tracker
(librosa.beat.beat_track) for tempo and Krumhansl-Schmuckler profiles on librosa's chroma_cqt
for key, on the same analysis window. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

NOTE = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
FLATS = {"Db": "C#", "Eb": "D#", "Gb": "F#", "Ab": "G#", "Bb": "A#", "Cb": "B", "Fb": "E", "E#": "F", "B#": "C"}


def pitch_class(name: str) -> int:
    return NOTE.index(FLATS.get(name, name))


def tempo_hits(est: float, ref: float) -> tuple[bool, bool]:
    """(Accuracy1, Accuracy2) of one estimate: within 4% of the label, or of a metrical relative."""
    from albumgen_desktop.engines.audio_tempo import within_accuracy2

    return abs(est - ref) <= 0.04 * ref, within_accuracy2(est, ref)


def tempo_error_kind(est: float, ref: float) -> str:
    """'ok', or the nearest simple ratio est/ref for an error ('2', '1/2', '3/2', ...)."""
    if abs(est - ref) <= 0.04 * ref:
        return "ok"
    ratios = {"2": 2, "1/2": 0.5, "3": 3, "1/3": 1 / 3, "3/2": 1.5, "2/3": 2 / 3, "4/3": 4 / 3, "3/4": 0.75, "4": 4}
    name, r = min(ratios.items(), key=lambda kv: abs(est / ref / kv[1] - 1))
    return name if abs(est / ref / r - 1) <= 0.04 else "other"


def key_score(est: tuple[int | None, str], ref: tuple[int, str]) -> float:
    """The MIREX weighted key score as mir_eval (the published scorer) computes it; an estimate of
    no key (None: the analyser found no key) scores 0."""
    import mir_eval

    (ek, em), (rk, rm) = est, ref
    return float(mir_eval.key.weighted_score(f"{NOTE[rk]} {rm}", "X" if ek is None else f"{NOTE[ek]} {em}"))


def baseline(path: Path) -> tuple[float, tuple[int, str]]:
    import librosa
    import numpy as np

    from albumgen_desktop.engines.audio_dsp import choose_window
    from albumgen_desktop.engines.audio_key import baseline_key
    from albumgen_desktop.engines.audio_signal import SR
    from albumgen_desktop.io.audio import load_audio

    start, length = choose_window(path)
    y = load_audio(path, sample_rate=SR, start_seconds=start, max_seconds=length).samples
    tempo, _ = librosa.beat.beat_track(y=y, sr=SR)
    return float(np.atleast_1d(tempo)[0]), baseline_key(y)


def summarise(rows: list[dict], prefix: str = "") -> dict[str, float]:
    n = max(1, len(rows))
    out = {
        f"{prefix}tempo_acc1": sum(r["acc1"] for r in rows) / n,
        f"{prefix}tempo_acc2": sum(r["acc2"] for r in rows) / n,
        f"{prefix}key_score": sum(r["key_score"] for r in rows) / n,
        f"{prefix}key_exact": sum(r["key_score"] == 1.0 for r in rows) / n,
    }
    if rows and "metre_ok" in rows[0]:
        out[f"{prefix}metre_acc"] = sum(r["metre_ok"] for r in rows) / n
    return {k: round(v, 4) for k, v in out.items()}


def _report(ours: list[dict], base: list[dict]) -> dict:
    out: dict = {"n": len(ours), **summarise(ours)}
    if base:
        out.update(summarise(base, "baseline_"))
    errors: dict[str, int] = defaultdict(int)
    for r in ours:
        if r["tempo_error"] != "ok":
            errors[r["tempo_error"]] += 1
    out["tempo_errors"] = dict(sorted(errors.items()))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--truth", type=Path, required=True, action="append", help="a truth.json (repeatable)")
    ap.add_argument("--limit", type=int, default=0, help="at most this many files per truth file")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--verbose", action="store_true", help="one line per file")
    args = ap.parse_args(argv)

    from albumgen_desktop.engines.audio_dsp import analyse_file

    ours: list[dict] = []
    base: list[dict] = []
    seconds = 0.0
    for truth in args.truth:
        items = json.loads(truth.read_text())
        if args.limit:
            items = items[: args.limit]
        for item in items:
            path = truth.parent / item["file"]
            ref_key = (pitch_class(item["key"]), item["mode"])
            start = time.perf_counter()
            r = analyse_file(path)
            seconds += time.perf_counter() - start
            acc1, acc2 = tempo_hits(r.tempo_bpm, item["tempo_bpm"])
            row = {
                "file": item["file"],
                "part": item.get("part", truth.parent.name),
                "kind": item.get("kind", "all"),
                "set": truth.parent.name,
                "acc1": acc1,
                "acc2": acc2,
                "tempo_error": tempo_error_kind(r.tempo_bpm, item["tempo_bpm"]),
                "key_score": key_score((r.key, r.mode), ref_key),
                "metre_ok": r.time_signature == item.get("time_signature", 4),
            }
            ours.append(row)
            if not args.no_baseline:
                b_tempo, b_key = baseline(path)
                b1, b2 = tempo_hits(b_tempo, item["tempo_bpm"])
                base.append(
                    {
                        "part": row["part"],
                        "kind": row["kind"],
                        "set": row["set"],
                        "acc1": b1,
                        "acc2": b2,
                        "tempo_error": tempo_error_kind(b_tempo, item["tempo_bpm"]),
                        "key_score": key_score(b_key, ref_key),
                    }
                )
            if args.verbose:
                flags = ("" if acc1 else "TEMPO ") + ("" if row["key_score"] == 1 else "KEY ")
                flags += "" if row["metre_ok"] else "METRE"
                print(
                    f"{row['part']}/{item['file']}: tempo {r.tempo_bpm:.1f} (ref {item['tempo_bpm']}, "
                    f"conf {r.confidence['tempo_bpm']:.2f}) key {'none' if r.key is None else NOTE[r.key]} {r.mode} (ref {item['key']} "
                    f"{item['mode']}) metre {r.time_signature} (ref {item.get('time_signature')}) {flags}",
                    flush=True,
                )

    result = _report(ours, base)
    for field in ("part", "kind", "set"):
        groups = sorted({r[field] for r in ours})
        if len(groups) > 1:
            result[f"by_{field}"] = {
                g: _report([r for r in ours if r[field] == g], [b for b in base if b[field] == g]) for g in groups
            }
    result["seconds_per_file"] = round(seconds / max(1, len(ours)), 3)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
