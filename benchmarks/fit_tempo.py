"""Fit the tempo analyser's metrical-level model on labelled sets (the `dev` part only).

    python benchmarks/fit_tempo.py --truth DEV/truth.json [--truth ...] [--lam 0.05] [--write]

For every file: the candidates and evidence of engines/audio_tempo.py (tempo_candidates); a
candidate is right when it is within 4% of the label. The model scores each candidate with a
small network (one tanh hidden layer plus a linear term on the standardised evidence); a
softmax over the file's candidates is fitted to put its mass on the right ones (maximum
likelihood with an L2 penalty, L-BFGS). Reports training accuracy, 5-fold cross-validated
accuracy (folds by file) and leave-one-kind-out accuracy (a kind the model never saw), then,
with --write, writes engines/audio_tempo_model.py. Candidate evidence is cached next to each
truth file (tempo_features.json) keyed by the analyser's source, so refits are quick.
The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _source_hash() -> str:
    text = "".join(
        (ROOT / "albumgen_desktop" / "engines" / n).read_text() for n in ("audio_signal.py", "audio_tempo.py")
    )
    text = text[: text.index("def candidate_scores(")]  # the evidence, not the model
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_rows(truth: Path) -> list[dict]:
    from albumgen_desktop.engines.audio_dsp import choose_window
    from albumgen_desktop.engines.audio_signal import SR, prepare
    from albumgen_desktop.engines.audio_tempo import tempo_candidates
    from albumgen_desktop.io.audio import load_audio

    cache_path = truth.parent / "tempo_features.json"
    key = _source_hash()
    cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}
    if cache.get("key") != key:
        cache = {"key": key, "rows": {}}
    rows = []
    for item in json.loads(truth.read_text()):
        if item["file"] not in cache["rows"]:
            path = truth.parent / item["file"]
            start, length = choose_window(path)
            y = load_audio(path, sample_rate=SR, start_seconds=start, max_seconds=length).samples
            cands, _ = tempo_candidates(prepare(y))
            cache["rows"][item["file"]] = [[b, f] for b, f in cands]
            if len(cache["rows"]) % 10 == 0:
                cache_path.write_text(json.dumps(cache))
            print(f"{item['file']}: {len(cands)} candidates", file=sys.stderr, flush=True)
        rows.append({"item": item, "cands": cache["rows"][item["file"]]})
    cache_path.write_text(json.dumps(cache))
    return rows


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

    def hits(self, p: np.ndarray, idx: list[int]) -> list[bool]:
        return [bool(self.y[i][int(np.argmax(self.score(p, self.x[i])))]) for i in idx]


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


def write_model(model: Model, p: np.ndarray, compound: dict) -> None:
    w1, b1, w2, v = model.unpack(p)

    def row(xs: np.ndarray) -> str:
        return "[" + ", ".join(f"{float(x):.5g}" for x in xs) + "]"

    text = (
        '"""Fitted weights of the tempo analyser\'s metrical-level model (written by benchmarks/fit_tempo.py)."""\n\n'
        + f"NAMES: list[str] = {model.names!r}\n"
        + f"MEAN: list[float] = {row(model.mean)}\n"
        + f"SCALE: list[float] = {row(model.scale)}\n"
        + "W1: list[list[float]] = [\n"
        + "".join(f"    {row(r)},\n" for r in w1)
        + "]\n"
        + f"B1: list[float] = {row(b1)}\n"
        + f"W2: list[float] = {row(w2)}\n"
        + f"V: list[float] = {row(v)}\n"
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
    ap.add_argument("--no-loko", action="store_true", help="skip the leave-one-kind-out runs")
    ap.add_argument("--write", action="store_true", help="write engines/audio_tempo_model.py")
    ap.add_argument("--errors", action="store_true", help="list the training errors")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))

    rows = [r for t in args.truth for r in load_rows(t)]
    names = sorted(rows[0]["cands"][0][1])
    model = Model(rows, names, args.hidden, args.lam)
    every = list(range(len(rows)))
    p = model.fit(every)
    train = model.hits(p, every)
    perm = np.random.default_rng(0).permutation(len(rows))
    cv: list[bool] = []
    cv_kind: dict[str, list[bool]] = {}
    for k in range(5):
        test = [int(i) for i in perm[k::5]]
        held = set(test)
        hits = model.hits(model.fit([i for i in every if i not in held]), test)
        cv += hits
        for i, h in zip(test, hits, strict=True):
            cv_kind.setdefault(model.kinds[i], []).append(h)
    loko: dict[str, float] = {}
    for kind in [] if args.no_loko else sorted(set(model.kinds)):
        test = [i for i in every if model.kinds[i] == kind]
        rest = [i for i in every if model.kinds[i] != kind]
        loko[kind] = float(np.mean(model.hits(model.fit(rest), test)))
    if args.errors:
        for i, ok in zip(every, train, strict=True):
            if not ok:
                r = rows[i]
                j = int(np.argmax(model.score(p, model.x[i])))
                got, ref = r["cands"][j][0], r["item"]["tempo_bpm"]
                name = r["item"]["file"][:44]
                print(f"  {r['item'].get('kind', ''):14s} {name:44s} {ref:6.1f} -> {got:6.1f} ({got / ref:.2f})")
    compound, compound_cv = fit_compound(rows)
    if args.write:
        write_model(model, p, compound)
    result = {
        "files": len(rows),
        "candidates_cover_label": round(float(np.mean([y.any() for y in model.y])), 4),
        "train_acc1": round(float(np.mean(train)), 4),
        "cv5_acc1": round(float(np.mean(cv)), 4),
        "compound_cv5_acc": round(compound_cv, 4),
        "cv5_by_kind": {k: round(float(np.mean(v)), 2) for k, v in sorted(cv_kind.items())},
        "leave_one_kind_out_acc1": round(float(np.mean(list(loko.values()))), 4) if loko else None,
        "by_kind_left_out": {k: round(v, 2) for k, v in loko.items()},
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
