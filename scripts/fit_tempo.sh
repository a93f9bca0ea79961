#!/usr/bin/env bash
# Render the tempo model's training sets (the eval set's dev part only, eight seeds, 25 pieces per
# kind: 2,400 renders, about 1.2 GB each 300; and 400 of the app's own sketch music at random
# Features with 200 metronome click tracks) and refit engines/audio_tempo_model.py on them.
# The test part (scripts/eval_audio.sh, seed 7) is never rendered here.
# Usage: scripts/fit_tempo.sh [--write]   (without --write: report cross-validated accuracy only)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/need_fluidsynth.sh
truths=()
for seed in 1 2 21 22 23 24 25 26; do
    out="out/tempo-train-dev-s$seed"
    [ -f "$out/truth.json" ] || .venv/bin/python benchmarks/make_eval_set.py "$out" --part dev --seed "$seed" --per-kind 25 > /dev/null
    truths+=(--truth "$out/truth.json")
done
synthetic=out/tempo-train-synthetic-s100
[ -f "$synthetic/truth.json" ] || .venv/bin/python benchmarks/make_synthetic_set.py "$synthetic" --seed 100 > /dev/null
truths+=(--truth "$synthetic/truth.json")
.venv/bin/python benchmarks/fit_tempo.py "${truths[@]}" --hidden 32 --lam 1 --no-loko "$@"
