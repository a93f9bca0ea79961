"""Evaluate the DSP audio analyser on labelled sets, side by side with the textbook baseline.

    python benchmarks/eval_analysis.py --truth SET/truth.json [--truth OTHER/truth.json ...]
                                       [--limit N] [--no-baseline] [--verbose]

A truth file is a JSON list of {"file": path relative to it, "tempo_bpm": number, "key": "F#" or
"Gb", "mode": "major"|"minor", "time_signature": 3|4|6} with optional "kind" and "part" (as
benchmarks/make_eval_set.py writes them), or any labelled recordings in the spellings
benchmarks/truth_labels.py reads (CSV too; "Bb minor", "Gbm", Spotify's key 0..11 and mode 1/0,
"6/8"); a measure a file has no label for is not scored for it. A file the analyser cannot read
(or that it refuses, such as silence) counts as a miss on every measure it is labelled for and is
listed under "failed"; the run goes on.
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
from typing import TYPE_CHECKING

from truth_labels import Labels, labels, read_truth  # benchmarks/ is on sys.path when a script runs

from albumgen_desktop.core.errors import BadInputError
from albumgen_desktop.core.features import key_index

if TYPE_CHECKING:
    from albumgen_desktop.engines.audio_dsp import DspResult

NOTE = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]


def pitch_class(name: str) -> int:
    """0..11 (0 = C) of a note name as truth files spell it ("F#", "Gb", "Cb"): core.features.key_index.
    Raises BadInputError for a name that is not a note."""
    pc = key_index(name)
    if pc is None:
        raise BadInputError(f"no pitch class in {name!r}")
    return pc


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
    """Accuracy1, Accuracy2, the key score, the exact-key rate and metre accuracy, each over the
    rows labelled for it (a row holds "acc1"/"acc2", "key_score" or "metre_ok" only when its file
    is labelled for that measure), with the count of those rows."""
    out: dict[str, float] = {}
    tempo = [r for r in rows if "acc1" in r]
    keyed = [r for r in rows if "key_score" in r]
    metred = [r for r in rows if "metre_ok" in r]
    if tempo:
        out[f"{prefix}tempo_acc1"] = round(sum(r["acc1"] for r in tempo) / len(tempo), 4)
        out[f"{prefix}tempo_acc2"] = round(sum(r["acc2"] for r in tempo) / len(tempo), 4)
    if keyed:
        out[f"{prefix}key_score"] = round(sum(r["key_score"] for r in keyed) / len(keyed), 4)
        out[f"{prefix}key_exact"] = round(sum(r["key_score"] == 1.0 for r in keyed) / len(keyed), 4)
    if metred:
        out[f"{prefix}metre_acc"] = round(sum(r["metre_ok"] for r in metred) / len(metred), 4)
    if not prefix and len(tempo) != len(rows):
        out["n_tempo"] = len(tempo)
    if not prefix and len(keyed) != len(rows):
        out["n_key"] = len(keyed)
    if not prefix and len(metred) != len(rows):
        out["n_metre"] = len(metred)
    return out


def _report(ours: list[dict], base: list[dict]) -> dict:
    out: dict = {"n": len(ours), **summarise(ours)}
    if base:
        out.update(summarise(base, "baseline_"))
    errors: dict[str, int] = defaultdict(int)
    for r in ours:
        if r.get("tempo_error", "ok") != "ok":
            errors[r["tempo_error"]] += 1
    out["tempo_errors"] = dict(sorted(errors.items()))
    return out


def score(lab: Labels, tempo_bpm: float | None, key: tuple[int | None, str] | None, metre: int | None) -> dict:
    """The measures of one reading against ``lab``, only those it is labelled for. A reading of
    None (the file could not be analysed) misses every labelled measure."""
    row: dict = {}
    if lab.tempo_bpm is not None:
        est = tempo_bpm if tempo_bpm is not None else 0.0
        row["acc1"], row["acc2"] = tempo_hits(est, lab.tempo_bpm) if est > 0 else (False, False)
        row["tempo_error"] = tempo_error_kind(est, lab.tempo_bpm) if est > 0 else "failed"
    if lab.key is not None:
        row["key_score"] = key_score(key, lab.key) if key is not None else 0.0
    if lab.time_signature is not None:
        row["metre_ok"] = metre == lab.time_signature
    return row


def _analyse(path: Path) -> tuple[DspResult | None, str]:
    """(the analyser's DspResult, "") or (None, why it failed): one unreadable or refused file
    must not end a run over hundreds of recordings."""
    from albumgen_desktop.engines.audio_dsp import analyse_file

    try:
        return analyse_file(path), ""
    except BadInputError as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001 - reported per file under "failed", never hidden
        return None, f"{type(exc).__name__}: {exc}"


def _print_row(where: dict, lab: Labels, r: DspResult, row: dict) -> None:
    """One line of --verbose: the reading beside the labels, with what it got wrong."""
    flags = ("TEMPO " if not row.get("acc1", True) else "") + ("KEY " if row.get("key_score", 1) != 1 else "")
    flags += "METRE" if not row.get("metre_ok", True) else ""
    ref_key = "-" if lab.key is None else f"{NOTE[lab.key[0]]} {lab.key[1]}"
    key = "none" if r.key is None else NOTE[r.key]
    print(
        f"{where['part']}/{lab.file}: tempo {r.tempo_bpm:.1f} (ref {lab.tempo_bpm}, "
        f"conf {r.confidence['tempo_bpm']:.2f}) key {key} {r.mode} (ref {ref_key}) "
        f"metre {r.time_signature} (ref {lab.time_signature}) {flags}",
        flush=True,
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--truth", type=Path, required=True, action="append", help="a truth file, JSON or CSV (repeatable)")
    ap.add_argument("--limit", type=int, default=0, help="at most this many files per truth file")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--verbose", action="store_true", help="one line per file")
    args = ap.parse_args(argv)

    ours: list[dict] = []
    base: list[dict] = []
    failed: dict[str, str] = {}
    seconds = 0.0
    if args.limit < 0:
        ap.error("--limit must be 0 (every file) or more")
    sets = []
    for truth in args.truth:  # every truth file is read and checked before anything is analysed
        try:
            entries = read_truth(truth)
            labelled = [labels(e, str(truth)) for e in entries]
        except ValueError as exc:
            print(f"eval_analysis: {exc}", file=sys.stderr)
            return 2
        if args.limit:
            entries, labelled = entries[: args.limit], labelled[: args.limit]
        sets.append((truth, entries, labelled))
    for truth, entries, labelled in sets:
        for entry, lab in zip(entries, labelled, strict=True):
            path = truth.parent / lab.file
            start = time.perf_counter()
            r, why = _analyse(path)
            seconds += time.perf_counter() - start
            where = {
                "file": lab.file,
                "part": str(entry.get("part") or truth.parent.name),
                "kind": str(entry.get("kind") or "all"),
                "set": truth.parent.name,
            }
            if r is None:
                failed[f"{truth.parent.name}/{lab.file}"] = why
                print(f"{where['part']}/{lab.file}: FAILED {why}", file=sys.stderr, flush=True)
                ours.append({**where, **score(lab, None, None, None)})
            else:
                ours.append({**where, **score(lab, r.tempo_bpm, (r.key, r.mode), r.time_signature)})
            if not args.no_baseline:
                b_tempo, b_key = baseline(path) if r is not None else (None, None)
                base.append({**where, **score(Labels(lab.file, lab.tempo_bpm, lab.key, None), b_tempo, b_key, None)})
            if args.verbose and r is not None:
                _print_row(where, lab, r, ours[-1])

    result = _report(ours, base)
    for field in ("part", "kind", "set"):
        groups = sorted({r[field] for r in ours})
        if len(groups) > 1:
            result[f"by_{field}"] = {
                g: _report([r for r in ours if r[field] == g], [b for b in base if b[field] == g]) for g in groups
            }
    if failed:
        result["failed"] = failed
    result["seconds_per_file"] = round(seconds / max(1, len(ours)), 3)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
