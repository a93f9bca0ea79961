"""Fit the tempo analyser's metrical-level model on labelled sets (the `dev` part only).

    python benchmarks/fit_tempo.py --truth DEV/truth.json [--truth ...] [--lam 0.05] [--write]

For every file: the candidates and evidence of engines/audio_tempo.py (tempo_candidates); a
candidate is right when it is within 4% of the label. The model scores each candidate with a
small network (one tanh hidden layer plus a linear term on the standardised evidence); a
softmax over the file's candidates is fitted to put its mass on the right ones (maximum
likelihood with an L2 penalty, L-BFGS); --members fits it from that many random starts and
averages their scores (an ensemble: refits vary less). Reports training accuracy, 5-fold cross-validated
accuracy (folds by source piece) and leave-one-kind-out accuracy (a kind the model never saw), then,
with --write, writes engines/audio_tempo_model.py. Candidate evidence is cached next to each
truth file (tempo_features.json) keyed by the analyser's code, so refits are quick.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from evidence_cache import (
    ANALYSER_VIEW,
    analyser_signal,
    cached_evidence,
    code_hash,
)  # benchmarks/ is on sys.path when a script runs

ROOT = Path(__file__).resolve().parents[1]


def _candidates(path: Path) -> list:
    """[[bpm, evidence], ...] of the file at ``path``: engines/audio_tempo.tempo_candidates."""
    from albumgen_desktop.engines.audio_tempo import tempo_candidates

    cands, _ = tempo_candidates(analyser_signal(path))
    return [[b, f] for b, f in cands]


def load_rows(truth: Path, workers: int = 1) -> list[dict]:
    """One row per file of ``truth``: its truth item and candidates, cached in tempo_features.json
    keyed by the code of the analyser's view of the samples (ANALYSER_VIEW), of the rhythm streams
    (audio_signal.py up to estimate_tuning: the tuning estimate and the pitch helpers after it feed
    the key, not the tempo) and of audio_tempo.py up to candidate_scores (the evidence, not the
    model). Uncached files are computed in ``workers`` processes."""
    key = code_hash([*ANALYSER_VIEW, ("audio_signal.py", "estimate_tuning"), ("audio_tempo.py", "candidate_scores")])
    return [
        {"item": item, "cands": cands}
        for item, cands in cached_evidence(truth, "tempo_features.json", key, _candidates, workers)
    ]


def piece_folds(rows: list[dict], folds: int = 5) -> list[int]:
    """Cross-validation fold of each row, by source piece: renders of one piece (several sets hold
    the same piece at other tempi and instruments) never sit on both sides of a split."""
    pieces = sorted({r["item"].get("piece", r["item"]["file"]) for r in rows})
    np.random.default_rng(0).shuffle(pieces)
    of = {p: i % folds for i, p in enumerate(pieces)}
    return [of[r["item"].get("piece", r["item"]["file"])] for r in rows]


class Model:
    """Candidate scorer: tanh(x W1 + b1) . w2 + x . v on standardised evidence x."""

    def __init__(self, rows: list[dict], names: list[str], hidden: int, lam: float):
        self.names, self.hidden, self.lam = names, hidden, lam
        allx = np.vstack([[[f[n] for n in names] for _, f in r["cands"]] for r in rows])
        self.mean = allx.mean(axis=0)
        self.scale = allx.std(axis=0) + 1e-6
        self.x = [
            np.clip((np.array([[f[n] for n in names] for _, f in r["cands"]]) - self.mean) / self.scale, -3, 3)
            for r in rows
        ]
        ref = [r["item"]["tempo_bpm"] for r in rows]
        self.y = [np.array([abs(b - t) <= 0.04 * t for b, _ in r["cands"]]) for r, t in zip(rows, ref, strict=True)]
        self.kinds = [r["item"].get("kind", "all") for r in rows]

    def unpack(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        d, h = len(self.names), self.hidden
        return p[: d * h].reshape(d, h), p[d * h : d * h + h], p[d * h + h : d * h + 2 * h], p[d * h + 2 * h :]

    def score(self, p: np.ndarray, x: np.ndarray) -> np.ndarray:
        w1, b1, w2, v = self.unpack(p)
        return np.tanh(x @ w1 + b1) @ w2 + x @ v

    def loss(self, p: np.ndarray, idx: list[int]) -> tuple[float, np.ndarray]:
        w1, b1, w2, v = self.unpack(p)
        total = 0.0
        g1, gb, g2, gv = np.zeros_like(w1), np.zeros_like(b1), np.zeros_like(w2), np.zeros_like(v)
        for i in idx:
            if not self.y[i].any():
                continue
            x = self.x[i]
            a = np.tanh(x @ w1 + b1)
            z = a @ w2 + x @ v
            q = np.exp(z - z.max())
            q /= q.sum()
            t = self.y[i]
            qt = q[t].sum()
            total -= np.log(qt + 1e-12)
            dz = q.copy()
            dz[t] -= q[t] / (qt + 1e-12)
            g2 += a.T @ dz
            gv += x.T @ dz
            da = np.outer(dz, w2) * (1 - a**2)
            g1 += x.T @ da
            gb += da.sum(axis=0)
        lam = self.lam
        total += lam * float(np.sum(w1**2) + np.sum(w2**2) + np.sum(v**2))
        grad = np.concatenate([(g1 + 2 * lam * w1).ravel(), gb, g2 + 2 * lam * w2, gv + 2 * lam * v])
        return total, grad

    def fit(self, idx: list[int], seed: int = 0) -> np.ndarray:
        from scipy.optimize import minimize

        d, h = len(self.names), self.hidden
        rng = np.random.default_rng(seed)
        p0 = np.concatenate([rng.normal(0, 0.3, d * h), np.zeros(h), rng.normal(0, 0.3, h), np.zeros(d)])
        res = minimize(self.loss, p0, args=(idx,), jac=True, method="L-BFGS-B", options={"maxiter": 600})
        return np.asarray(res.x)

    def fit_members(self, idx: list[int], members: int) -> list[np.ndarray]:
        """`members` fits from different random starts (an ensemble: L-BFGS lands in a different
        local optimum from each, and their mean score varies less between refits than one fit)."""
        return [self.fit(idx, seed=k) for k in range(members)]

    def ensemble_score(self, ps: list[np.ndarray], x: np.ndarray) -> np.ndarray:
        return np.mean([self.score(p, x) for p in ps], axis=0)

    def hits(self, ps: list[np.ndarray], idx: list[int]) -> list[bool]:
        return [bool(self.y[i][int(np.argmax(self.ensemble_score(ps, self.x[i])))]) for i in idx]


COMPOUND_NAMES = [
    f"{n}_{k}" for n in ("full", "tonal", "hat", "bass", "kick", "snare", "chord") for k in ("c2", "c3", "c4")
]
COMPOUND_NAMES += ["p3", "h3", "full_l3"]


def fit_compound(rows: list[dict], lam: float = 1.0) -> tuple[dict, float]:
    """Logistic regression (L2) for "the beat divides in three" on the evidence at the labelled tempo;
    returns the model and its 5-fold cross-validated accuracy."""
    from scipy.optimize import minimize

    x, y = [], []
    for r in rows:
        ref = r["item"]["tempo_bpm"]
        at_label = [f for b, f in r["cands"] if abs(b - ref) <= 0.04 * ref]
        if at_label:
            x.append([at_label[0][n] for n in COMPOUND_NAMES])
            y.append(float(r["item"].get("time_signature") == 6))
    xa, ya = np.array(x), np.array(y)
    mean, scale = xa.mean(axis=0), xa.std(axis=0) + 1e-6
    z = (xa - mean) / scale

    def nll(w: np.ndarray, idx: np.ndarray) -> tuple[float, np.ndarray]:
        q = 1 / (1 + np.exp(-(z[idx] @ w[:-1] + w[-1])))
        t = ya[idx]
        loss = -np.sum(t * np.log(q + 1e-12) + (1 - t) * np.log(1 - q + 1e-12)) + lam * float(w[:-1] @ w[:-1])
        return loss, np.r_[z[idx].T @ (q - t) + 2 * lam * w[:-1], np.sum(q - t)]

    every = np.arange(len(ya))
    perm = np.random.default_rng(0).permutation(len(ya))
    hits: list[bool] = []
    for k in range(5):
        test = perm[k::5]
        w = minimize(nll, np.zeros(z.shape[1] + 1), args=(np.setdiff1d(every, test),), jac=True).x
        hits += list(((z[test] @ w[:-1] + w[-1]) > 0) == (ya[test] > 0.5))
    w = minimize(nll, np.zeros(z.shape[1] + 1), args=(every,), jac=True).x
    return {"mean": mean, "scale": scale, "w": w[:-1], "b": float(w[-1])}, float(np.mean(hits))


def fit_temperature(held_out: list[tuple[np.ndarray, np.ndarray]]) -> tuple[float, dict[str, float]]:
    """The softmax temperature T that makes the scores' probabilities honest on files the model was
    not fitted on: maximum likelihood of the right candidates under softmax(score / T) over the
    cross-validation folds' held-out scores (temperature scaling, Guo et al. 2017). Returns T and,
    per confidence bin, the share of picks that were right (a reliability table)."""
    from scipy.optimize import minimize_scalar

    usable = [(z, y) for z, y in held_out if y.any()]

    def nll(log_t: float) -> float:
        total = 0.0
        for z, y in usable:
            q = np.exp((z - z.max()) / np.exp(log_t))
            total -= float(np.log(q[y].sum() / q.sum() + 1e-12))
        return total

    t = float(np.exp(minimize_scalar(nll, bounds=(-2.0, 3.0), method="bounded").x))
    bins: dict[str, list[bool]] = {}
    for z, y in usable:
        q = np.exp((z - z.max()) / t)
        q /= q.sum()
        conf = float(q.max())
        label = "<0.5" if conf < 0.5 else "0.5-0.8" if conf < 0.8 else "0.8-0.95" if conf < 0.95 else ">=0.95"
        bins.setdefault(label, []).append(bool(y[int(np.argmax(z))]))
    table = {k: round(float(np.mean(v)), 3) for k, v in bins.items()}
    table.update({f"n {k}": float(len(v)) for k, v in bins.items()})
    return t, table


def write_model(model: Model, ps: list[np.ndarray], compound: dict, temperature: float) -> None:
    members = [model.unpack(p) for p in ps]

    def row(xs: np.ndarray) -> str:
        return "[" + ", ".join(f"{float(x):.5g}" for x in xs) + "]"

    def stacked(part: int) -> str:
        if part == 0:
            return "".join("    [\n" + "".join(f"        {row(r)},\n" for r in m[0]) + "    ],\n" for m in members)
        return "".join(f"    {row(m[part])},\n" for m in members)

    text = (
        '"""Fitted weights of the tempo analyser\'s metrical-level model (written by benchmarks/fit_tempo.py)."""\n\n'
        + "# fmt: off\n"
        + f"NAMES: list[str] = {model.names!r}\n"
        + f"MEAN: list[float] = {row(model.mean)}\n"
        + f"SCALE: list[float] = {row(model.scale)}\n"
        + "# One row per ensemble member (fits from different random starts; their scores are averaged).\n"
        + f"W1: list[list[list[float]]] = [\n{stacked(0)}]\n"
        + f"B1: list[list[float]] = [\n{stacked(1)}]\n"
        + f"W2: list[list[float]] = [\n{stacked(2)}]\n"
        + f"V: list[list[float]] = [\n{stacked(3)}]\n"
        + "# Softmax temperature fitted on the cross-validation folds' held-out scores (fit_temperature).\n"
        + f"TEMPERATURE: float = {temperature:.4g}\n"
        + "\n# Compound metre: logistic regression on the evidence at the chosen tempo.\n"
        + f"COMPOUND_NAMES: list[str] = {COMPOUND_NAMES!r}\n"
        + f"COMPOUND_MEAN: list[float] = {row(compound['mean'])}\n"
        + f"COMPOUND_SCALE: list[float] = {row(compound['scale'])}\n"
        + f"COMPOUND_W: list[float] = {row(compound['w'])}\n"
        + f"COMPOUND_B: float = {compound['b']:.5g}\n"
    )
    (ROOT / "albumgen_desktop" / "engines" / "audio_tempo_model.py").write_text(text)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--truth", type=Path, action="append", required=True)
    ap.add_argument("--lam", type=float, default=1.0, help="L2 penalty on the weights")
    ap.add_argument("--hidden", type=int, default=8, help="hidden units")
    ap.add_argument("--members", type=int, default=1, help="ensemble members (random starts)")
    ap.add_argument("--no-loko", action="store_true", help="skip the leave-one-kind-out runs")
    ap.add_argument("--write", action="store_true", help="write engines/audio_tempo_model.py")
    ap.add_argument("--errors", action="store_true", help="list the training errors")
    ap.add_argument("--workers", type=int, default=2, help="processes computing uncached evidence")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))

    rows = [r for t in args.truth for r in load_rows(t, args.workers)]
    names = sorted(rows[0]["cands"][0][1])
    model = Model(rows, names, args.hidden, args.lam)
    every = list(range(len(rows)))
    ps = model.fit_members(every, args.members)
    train = model.hits(ps, every)
    compound, compound_cv = fit_compound(rows)
    if args.write:  # written now for whoever waits on it; the temperature follows after the folds
        from albumgen_desktop.engines import audio_tempo_model as previous

        write_model(model, ps, compound, float(getattr(previous, "TEMPERATURE", 1.0)))
    fold = piece_folds(rows)
    cv: list[bool] = []
    cv_kind: dict[str, list[bool]] = {}
    held_out_scores: list[tuple[np.ndarray, np.ndarray]] = []
    for k in range(5):
        test = [i for i in every if fold[i] == k]
        held = set(test)
        p_fold = model.fit_members([i for i in every if i not in held], args.members)
        hits = model.hits(p_fold, test)
        held_out_scores += [(model.ensemble_score(p_fold, model.x[i]), model.y[i]) for i in test]
        cv += hits
        for i, h in zip(test, hits, strict=True):
            cv_kind.setdefault(model.kinds[i], []).append(h)
    temperature, calibration = fit_temperature(held_out_scores)
    loko: dict[str, float] = {}
    for kind in [] if args.no_loko else sorted(set(model.kinds)):
        test = [i for i in every if model.kinds[i] == kind]
        rest = [i for i in every if model.kinds[i] != kind]
        loko[kind] = float(np.mean(model.hits(model.fit_members(rest, args.members), test)))
    if args.errors:
        for i, ok in zip(every, train, strict=True):
            if not ok:
                r = rows[i]
                j = int(np.argmax(model.ensemble_score(ps, model.x[i])))
                got, ref = r["cands"][j][0], r["item"]["tempo_bpm"]
                name = r["item"]["file"][:44]
                print(f"  {r['item'].get('kind', ''):14s} {name:44s} {ref:6.1f} -> {got:6.1f} ({got / ref:.2f})")
    if args.write:
        write_model(model, ps, compound, temperature)
    result = {
        "files": len(rows),
        "candidates_cover_label": round(float(np.mean([y.any() for y in model.y])), 4),
        "train_acc1": round(float(np.mean(train)), 4),
        "cv5_acc1": round(float(np.mean(cv)), 4),
        "compound_cv5_acc": round(compound_cv, 4),
        "confidence_temperature": round(temperature, 3),
        "cv5_calibration": calibration,
        "cv5_by_kind": {k: round(float(np.mean(v)), 2) for k, v in sorted(cv_kind.items())},
        "leave_one_kind_out_acc1": round(float(np.mean(list(loko.values()))), 4) if loko else None,
        "by_kind_left_out": {k: round(v, 2) for k, v in loko.items()},
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
