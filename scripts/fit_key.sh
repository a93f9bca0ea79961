#!/usr/bin/env bash
# Render the training sets (scripts/training_sets.sh) and refit the learned key profiles,
# engines/audio_key_model.py, on the dev renders and the synthetic set (fitted on the dev renders
# alone, the profiles read the synthetic set's I-IV-V grooves a fifth low: both kinds of music
# are needed); a fresh dev render (seed 30) is scored beside them, never fitted on. About 40
# minutes on 2 cores the first time (the evidence is cached next to each set), a minute after.
# Usage: scripts/fit_key.sh [--write]   (without --write: report cross-validated scores only)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/training_sets.sh
check=out/key-check-dev-v2-s30
[ -f "$check/truth.json" ] || .venv/bin/python benchmarks/make_eval_set.py "$check" --part dev --seed 30 --per-kind 25 > /dev/null
.venv/bin/python benchmarks/fit_key.py "${truths[@]}" --truth "$synthetic/truth.json" --validate "$check/truth.json" "$@"
