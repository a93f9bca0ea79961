"""Per-feature error of the descriptor estimates on the calibration set, tuning and held-back parts.

    python benchmarks/eval_descriptors.py --labels SET/labels.json [--fit] [--cache]

Every file is analysed as the app does (engines.audio_dsp.analyse_file). Reported per part:

* instrumentalness, speechiness, liveness, acousticness: AUROC against the constructed label
  (instrumental vs sung or spoken; spoken words vs not; audience and hall vs studio; acoustic
  General MIDI instruments vs synth patches), the error rate at the 0.5 threshold and the mean
  absolute error against the 0/1 label;
* energy, danceability, valence: the share of calm/intense, rubato/groove and dark/bright pairs
  of one piece put in the right order;
* the issue's must-show checks on the held-back part, and the sanity renders' values.

``--fit`` refits the four logistic models on the tuning part only and rewrites
albumgen_desktop/engines/descriptor_weights.py (then re-run without it to report). ``--cache``
reuses measurements saved by an earlier run of the same set (for iterating on formulas).
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import pprint
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BINARY = {  # feature -> (label column, its value for the feature's "1")
    "instrumentalness": ("instrumental", 1),
    "speechiness": ("speech", 1),
    "liveness": ("live", 1),
    "acousticness": ("acoustic", 1),
}
PAIRS = {"energy": "energy", "danceability": "dance", "valence": "valence"}
# The measurements each logistic model may use (see engines/audio_descriptors.py for what they are;
# "x*" is every measurement whose name starts with x) and its L2 penalty. Chosen by 4-fold
# cross-validation over the tuning part's pieces, never by the held-back part.
TERMS: dict[str, tuple[list[str], float]] = {
    "instrumentalness": (["mfcc*", "contrast*", "vocal_variance", "syllabic", "hzcrr", "lster"], 3.0),
    "speechiness": (["syllabic", "lster", "hzcrr", "formant_flux", "vocal_variance", "pulse_clarity"], 1.0),
    "liveness": (["floor*", "noise_share", "decay_db_s", "contrast*"], 3.0),
    "acousticness": (["crest_db", "sub_bass", "sustain_flatness", "hf_harmonic", "flatness", "contrast*"], 3.0),
}
INVERT = {"instrumentalness": True}  # instrumentalness is fitted on "has voice" and reported as its complement


def auroc(scores: list[float], labels: list[int]) -> float:
    """Area under the ROC curve (Mann-Whitney U, ties counted half)."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y == 1]
    neg = [s for s, y in zip(scores, labels, strict=True) if y == 0]
    if not pos or not neg:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg)
    return float(wins / (len(pos) * len(neg)))


def analyse_all(rows: list[dict], base: Path, cache: Path | None) -> list[dict]:
    from albumgen_desktop.core.errors import BadInputError
    from albumgen_desktop.engines.audio_descriptors import estimate
    from albumgen_desktop.engines.audio_dsp import analyse_file

    saved = json.loads(cache.read_text()) if cache is not None and cache.exists() else {}
    out = []
    for i, row in enumerate(rows):
        hit = saved.get(row["file"])
        if hit is None:
            try:
                r = analyse_file(base / row["file"])
            except BadInputError as exc:
                print(f"{row['file']}: refused: {exc}", file=sys.stderr)
                continue
            hit = {"m": r.measurements, "lufs": r.loudness_db, "bpm": r.tempo_bpm, "mode": r.mode,
                   "key_conf": r.confidence["key"]}  # fmt: skip
            saved[row["file"]] = hit
        d = estimate(hit["m"], lufs=hit["lufs"], bpm=hit["bpm"], mode=hit["mode"], key_confidence=hit["key_conf"])
        out.append({**row, **hit, "values": d.values})
        if (i + 1) % 25 == 0:
            print(f"{i + 1}/{len(rows)}", file=sys.stderr, flush=True)
    if cache is not None:
        cache.write_text(json.dumps(saved))
    return out


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iters: int = 50) -> tuple[float, np.ndarray]:
    """L2-regularised logistic regression by Newton's method on standardised columns."""
    n, d = x.shape
    a = np.c_[np.ones(n), x]
    w = np.zeros(d + 1)
    reg = np.r_[0.0, np.full(d, l2)]
    for _ in range(iters):
        p = 1 / (1 + np.exp(-np.clip(a @ w, -40, 40)))
        grad = a.T @ (p - y) + reg * w
        hess = (a * (p * (1 - p))[:, None]).T @ a + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return float(w[0]), w[1:]


def fit(results: list[dict]) -> dict:
    tune = [r for r in results if r["split"] == "tune"]
    models = {}
    names = list(tune[0]["m"])
    for feature, (patterns, l2) in TERMS.items():
        terms = [n for n in names if any(n == p or (p.endswith("*") and n.startswith(p[:-1])) for p in patterns)]
        column, _ = BINARY[feature]
        rows = [r for r in tune if r.get(column) is not None]
        x = np.array([[r["m"][t] for t in terms] for r in rows])
        y = np.array([int(r[column]) for r in rows], dtype=float)
        if INVERT.get(feature):
            y = 1 - y
        mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
        bias, w = fit_logistic((x - mean) / scale, y, l2=l2)
        if INVERT.get(feature):
            bias, w = -bias, -w
        models[feature] = {
            "bias": round(bias, 4),
            "terms": {
                t: (round(float(m), 6), round(float(s), 6), round(float(c), 4))
                for t, m, s, c in zip(terms, mean, scale, w, strict=True)
            },  # fmt: skip
        }
    return models


def write_weights(models: dict, n_tune: int) -> None:
    lines = [
        '"""Fitted weights of the logistic descriptor models (written by benchmarks/eval_descriptors.py --fit).',
        "",
        f"Fitted on the tuning part of the calibration set ({n_tune} files; benchmarks/make_calibration_set.py,",
        "seed 0), never on the held-back part. Each term is (mean, scale, weight): the measurement is",
        "standardised with the tuning part's mean and standard deviation, then weighted.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        f"LOGISTIC: dict[str, dict] = {pprint.pformat(models, width=110, sort_dicts=False)}",
        "",
    ]
    path = ROOT / "albumgen_desktop" / "engines" / "descriptor_weights.py"
    path.write_text("\n".join(lines))


def report(results: list[dict], split: str) -> dict:
    part = [r for r in results if r["split"] == split]
    out: dict = {"files": len(part)}
    for feature, (column, _) in BINARY.items():
        rows = [r for r in part if r.get(column) is not None]
        scores = [r["values"][feature] for r in rows]
        labels = [int(r[column]) for r in rows]
        if INVERT.get(feature):
            labels = [label for label in labels]  # instrumentalness 1 = instrumental already
        errs = [abs(s - y) for s, y in zip(scores, labels, strict=True)]
        wrong = [(s >= 0.5) != (y == 1) for s, y in zip(scores, labels, strict=True)]
        out[feature] = {"auroc": round(auroc(scores, labels), 3), "error_rate_at_0.5": round(float(np.mean(wrong)), 3),
                        "mae": round(float(np.mean(errs)), 3), "n": len(rows)}  # fmt: skip
    for feature, key in PAIRS.items():
        groups: dict[str, dict[int, float]] = {}
        for r in part:
            if r.get(f"{key}_pair"):
                groups.setdefault(r[f"{key}_pair"], {})[int(r[f"{key}_rank"])] = r["values"][feature]
        pairs = [g for g in groups.values() if len(g) == 2]
        right = [g[1] > g[0] for g in pairs]
        gaps = [g[1] - g[0] for g in pairs]
        out[feature] = {"pairs_in_order": round(float(np.mean(right)), 3) if right else None, "pairs": len(pairs),
                        "mean_gap": round(float(np.mean(gaps)), 3) if gaps else None}  # fmt: skip
    return out


def must_show(results: list[dict]) -> dict:
    held = [r for r in results if r["split"] == "held"]
    inst_studio = [r for r in held if r["instrumental"] == 1 and r["live"] == 0]
    vocal = auroc([1 - r["values"]["instrumentalness"] for r in held], [1 - r["instrumental"] for r in held])
    live = auroc([r["values"]["liveness"] for r in held], [r["live"] for r in held])
    energy = report(results, "held")["energy"]["pairs_in_order"]
    inst_ok = float(np.mean([r["values"]["instrumentalness"] >= 0.7 for r in inst_studio]))
    live_ok = float(np.mean([r["values"]["liveness"] <= 0.3 for r in inst_studio]))
    return {
        "instrumental_vs_vocal_auroc": round(vocal, 3),
        "studio_vs_live_auroc": round(live, 3),
        "energy_pairs_in_order": energy,
        "instrumental_studio_instrumentalness_ge_0.7": round(inst_ok, 3),
        "instrumental_studio_liveness_le_0.3": round(live_ok, 3),
        "instrumental_studio_files": len(inst_studio),
        "passed": bool(vocal >= 0.9 and live >= 0.9 and (energy or 0) >= 0.9 and inst_ok >= 0.9 and live_ok >= 0.9),
    }


def sanity(results: list[dict]) -> list[dict]:
    names = ("instrumentalness", "liveness", "danceability", "energy", "valence", "acousticness", "speechiness")
    return [
        {"file": r["file"], "style": r["style"], "bpm": round(r["bpm"], 1), "mode": r["mode"],
         **{n: round(r["values"][n], 2) for n in names}}
        for r in results if r["version"] == "sanity"
    ]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--labels", type=Path, required=True)
    ap.add_argument("--fit", action="store_true", help="refit the logistic models on the tuning part")
    ap.add_argument("--cache", action="store_true", help="reuse saved measurements (for iterating)")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args(argv)
    rows = json.loads(args.labels.read_text())
    t0 = time.perf_counter()
    cache = args.labels.parent / "measurements.json" if args.cache else None
    results = analyse_all(rows, args.labels.parent, cache)
    seconds = time.perf_counter() - t0
    if args.fit:
        write_weights(fit(results), sum(r["split"] == "tune" for r in results))
        print("weights written; run again without --fit to report", file=sys.stderr)
        return 0
    if args.verbose:
        for r in results:
            vals = " ".join(f"{k[:5]}={v:.2f}" for k, v in r["values"].items())
            print(f"{r['file']:34s} {vals}", file=sys.stderr)
    summary = {
        "set": str(args.labels),
        "analysed": len(results),
        "refused": len(rows) - len(results),
        "seconds": round(seconds, 1),
        "tuning": report(results, "tune"),
        "held_back": report(results, "held"),
        "must_show_held_back": must_show(results),
        "sanity_held_back": sanity(results),
    }
    for line in summary["sanity_held_back"]:
        print(json.dumps(line), file=sys.stderr)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
