#!/usr/bin/env bash
# Render the tempo model's training sets (the eval set's dev part only, eleven seeds, 25 pieces per
# kind: 3,300 renders, about 1.2 GB each 300; and 400 of the app's own sketch music at random
# Features, 200 metronome click tracks and 500 accompaniment grooves) and refit
# engines/audio_tempo_model.py on them (an ensemble of three fits; about 30 minutes on 2 cores).
# The test part (scripts/eval_audio.sh, seed 7) is never rendered here.
# Usage: scripts/fit_tempo.sh [--write]   (without --write: report cross-validated accuracy only)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/need_fluidsynth.sh
truths=()
for seed in 1 2 21 22 23 24 25 26 27 28 29; do
    out="out/tempo-train-dev-s$seed"
    [ -f "$out/truth.json" ] || .venv/bin/python benchmarks/make_eval_set.py "$out" --part dev --seed "$seed" --per-kind 25 > /dev/null
    truths+=(--truth "$out/truth.json")
done
synthetic=out/tempo-train-synthetic-v2-s100
[ -f "$synthetic/truth.json" ] || .venv/bin/python benchmarks/make_synthetic_set.py "$synthetic" --seed 100 > /dev/null
truths+=(--truth "$synthetic/truth.json")
.venv/bin/python benchmarks/fit_tempo.py "${truths[@]}" --hidden 32 --lam 1 --members 3 --no-loko "$@"
