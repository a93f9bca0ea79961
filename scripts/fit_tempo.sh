#!/usr/bin/env bash
# Render the training sets (scripts/training_sets.sh) and refit engines/audio_tempo_model.py on
# them and on the synthetic sets (an ensemble of three fits; once rendered, about 37 minutes for
# the evidence of 5,100 files in two processes, then the fits: 34 minutes while other jobs shared
# the cores).
# Usage: scripts/fit_tempo.sh [--write]   (without --write: report cross-validated accuracy only)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/training_sets.sh
.venv/bin/python benchmarks/fit_tempo.py "${truths[@]}" --truth "$synthetic/truth.json" --truth "$backbeats/truth.json" --truth "$variants/truth.json" --hidden 32 --lam 1 --members 3 --no-loko "$@"
