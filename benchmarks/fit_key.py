"""Fit the key analyser's learned key profiles on labelled sets (the `dev` part only).

    python benchmarks/fit_key.py --truth DEV/truth.json [--truth ...] [--validate OTHER/truth.json ...]
        [--lam 3e-4] [--write]

For every file: the pitch-class evidence of engines/audio_key.py (key_evidence, cached next to
each truth file in key_features.json, keyed by the analyser's code). The model gives each of the
24 keys the score <evidence rotated to its tonic, profile of its mode> (+ a bias for minor); a
softmax over the 24 keys is fitted to the labelled key by maximum likelihood with an L2 penalty
(multinomial logistic regression with weights shared across the 12 transpositions; L-BFGS).
Reports, beside the Albrecht-Shanahan correlation the analyser used before (the baseline):
5-fold cross-validated MIREX key score (mir_eval.key.weighted_score) and exact rate (folds by source piece), the same per
kind, and the score on each --validate set (files from other seeds or other synthesis, never
fitted on). The softmax temperature is fitted on the folds' held-out scores. With --write,
writes engines/audio_key_model.py. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
import textwrap
from pathlib import Path

import numpy as np
from eval_analysis import NOTE, pitch_class
from evidence_cache import (
    ANALYSER_VIEW,
    analyser_signal,
    cached_evidence,
    code_hash,
)  # benchmarks/ is on sys.path when a script runs
from fit_tempo import fit_temperature, piece_folds

ROOT = Path(__file__).resolve().parents[1]


def _evidence(path: Path) -> dict:
    """The key evidence of the file at ``path`` as the analyser sees it (its analysis window)."""
    from albumgen_desktop.engines.audio_key import key_clarity, key_evidence

    evidence = key_evidence(analyser_signal(path))
    return {"evidence": evidence.round(6).tolist(), "clarity": round(key_clarity(evidence), 6)}


def load_rows(truth: Path, workers: int) -> list[dict]:
    """One row per file of ``truth`` with a key label; click tracks (kind "metronome") carry the
    key of the set's generator but sound no pitch, so they are left out."""
    key = code_hash([*ANALYSER_VIEW, ("audio_signal.py", None), ("audio_key.py", "key_clarity")])
    rows = []
    for item, ev in cached_evidence(truth, "key_features.json", key, _evidence, workers):
        if item.get("key") and item.get("kind") != "metronome":
            label = pitch_class(item["key"]) + (12 if item["mode"] == "minor" else 0)
            rows.append({"item": item, "x": np.array(ev["evidence"]), "y": label, "clarity": ev["clarity"]})
    return rows


def _rotated(x: np.ndarray) -> np.ndarray:
    """(n, rows, 12) evidence -> (n, 12 tonics, rows, 12), each rotated so column 0 is the tonic."""
    return np.stack([np.roll(x, -k, axis=2) for k in range(12)], axis=1)


def _scores(params: np.ndarray, rot: np.ndarray) -> np.ndarray:
    rows = rot.shape[2]
    w = params[:-1].reshape(2, rows, 12)
    major = np.einsum("nkrj,rj->nk", rot, w[0])
    minor = np.einsum("nkrj,rj->nk", rot, w[1]) + params[-1]
    return np.concatenate([major, minor], axis=1)


def fit(rot: np.ndarray, y: np.ndarray, lam: float) -> np.ndarray:
    """Profiles (2 * rows * 12 weights, then the minor bias) maximising the L2-penalised likelihood."""
    from scipy.optimize import minimize

    n, rows = len(y), rot.shape[2]

    def loss(params: np.ndarray) -> tuple[float, np.ndarray]:
        z = _scores(params, rot)
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        g = p.copy()
        g[np.arange(n), y] -= 1.0
        g /= n
        grad = np.concatenate(
            [
                np.einsum("nk,nkrj->rj", g[:, :12], rot).ravel(),
                np.einsum("nk,nkrj->rj", g[:, 12:], rot).ravel(),
                [g[:, 12:].sum()],
            ]
        )
        w = params[:-1]
        grad[:-1] += 2 * lam * w
        return float(-np.log(p[np.arange(n), y] + 1e-12).mean() + lam * (w**2).sum()), grad

    start = np.zeros(2 * rows * 12 + 1)
    return np.asarray(minimize(loss, start, jac=True, method="L-BFGS-B", options={"maxiter": 1000}).x)


def _key_name(index: int) -> str:
    return f"{NOTE[index % 12]} {'minor' if index >= 12 else 'major'}"


@functools.cache
def mirex_table() -> np.ndarray:
    """(24 estimates, 24 references) MIREX weighted key scores from mir_eval, the published scorer."""
    import mir_eval

    return np.array([[mir_eval.key.weighted_score(_key_name(r), _key_name(e)) for r in range(24)] for e in range(24)])


def _mirex(pred: np.ndarray, y: np.ndarray) -> float:
    return round(float(mirex_table()[pred, y].mean()), 4)


def _baseline(rot: np.ndarray) -> np.ndarray:
    """The Albrecht-Shanahan correlation of the mean chroma (evidence row 0): the analyser before."""
    from albumgen_desktop.engines.audio_key import _ALBRECHT_SHANAHAN, _corr, _profiles

    return np.array([int(np.argmax(_corr(_profiles(_ALBRECHT_SHANAHAN), r[0, 0]))) for r in rot])


def write_model(params: np.ndarray, rows: int, temperature: float, note: str) -> None:
    from albumgen_desktop.engines.audio_key import EVIDENCE

    w = params[:-1].reshape(2, rows, 12)

    def row(xs: np.ndarray) -> str:
        return "[" + ", ".join(f"{float(x):.5g}" for x in xs) + "]"

    def mode(m: int) -> str:
        return (
            "    [\n"
            + "".join(f"        {row(r)},  # {name}\n" for r, name in zip(w[m], EVIDENCE, strict=True))
            + "    ],\n"
        )

    text = (
        '"""Fitted key profiles of the key analyser (written by benchmarks/fit_key.py)."""\n\n'
        + "# fmt: off\n"
        + "".join(f"# {line}\n" for line in textwrap.wrap(note, 96, break_on_hyphens=False))
        + "# PROFILES[mode][evidence row][pitch class above the tonic]; mode 0 major, 1 minor.\n"
        + f"PROFILES: list[list[list[float]]] = [\n{mode(0)}{mode(1)}]\n"
        + f"MINOR_BIAS: float = {params[-1]:.5g}\n"
        + "# Softmax temperature fitted on the cross-validation folds' held-out scores (fit_temperature).\n"
        + f"TEMPERATURE: float = {temperature:.4g}\n"
    )
    (ROOT / "albumgen_desktop" / "engines" / "audio_key_model.py").write_text(text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--truth", type=Path, action="append", required=True, help="a set to fit on")
    ap.add_argument("--validate", type=Path, action="append", default=[], help="a set to score only")
    ap.add_argument("--lam", type=float, default=3e-5, help="L2 penalty on the profile weights")
    ap.add_argument("--workers", type=int, default=2, help="processes computing uncached evidence")
    ap.add_argument("--write", action="store_true", help="write engines/audio_key_model.py")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))

    rows = [r for t in args.truth for r in load_rows(t, args.workers)]
    rot = _rotated(np.array([r["x"] for r in rows]))
    y = np.array([r["y"] for r in rows])
    kinds = np.array([r["item"].get("kind", "") for r in rows])
    params = fit(rot, y, args.lam)
    fold = np.array(piece_folds(rows))
    held_out = np.zeros((len(rows), 24))
    for k in range(5):
        held_out[fold == k] = _scores(fit(rot[fold != k], y[fold != k], args.lam), rot[fold == k])
    temperature, calibration = fit_temperature(
        [(z, np.arange(24) == label) for z, label in zip(held_out, y, strict=True)]
    )
    cv, base = np.argmax(held_out, axis=1), _baseline(rot)
    validation = {}
    for truth in args.validate:
        vrows = load_rows(truth, args.workers)
        vrot = _rotated(np.array([r["x"] for r in vrows]))
        vy = np.array([r["y"] for r in vrows])
        vpred = np.argmax(_scores(params, vrot), axis=1)
        validation[truth.parent.name] = {
            "files": len(vrows),
            "mirex": _mirex(vpred, vy),
            "exact": round(float(np.mean(vpred == vy)), 4),
            "baseline_mirex": _mirex(_baseline(vrot), vy),
            "min_clarity": round(min(r["clarity"] for r in vrows), 3),
        }
    if args.write:
        note = f"Fitted on {len(rows)} files ({', '.join(t.parent.name for t in args.truth)}), lambda {args.lam:g}."
        write_model(params, rot.shape[2], temperature, note)
    clarity = np.array([r["clarity"] for r in rows])
    result = {
        "files": len(rows),
        "pieces": len({r["item"].get("piece", r["item"]["file"]) for r in rows}),
        "train_mirex": _mirex(np.argmax(_scores(params, rot), axis=1), y),
        "cv5_mirex": _mirex(cv, y),
        "cv5_exact": round(float(np.mean(cv == y)), 4),
        "baseline_mirex": _mirex(base, y),
        "baseline_exact": round(float(np.mean(base == y)), 4),
        "confidence_temperature": round(temperature, 3),
        "cv5_calibration": calibration,
        "cv5_by_kind": {
            k: [_mirex(cv[kinds == k], y[kinds == k]), _mirex(base[kinds == k], y[kinds == k])]
            for k in sorted(set(kinds))
        },
        "clarity_percentiles_0_0.5_5": [round(float(v), 3) for v in np.percentile(clarity, [0, 0.5, 5])],
        "validation": validation,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
