#!/usr/bin/env bash
# Build the labelled set from music21's scores (once) and evaluate the audio analyser on it.
# Usage: scripts/eval_audio.sh [N] [SEED]   (defaults: 120 pieces, seed 0)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-120}
seed=${2:-0}
out="out/evalset-n$n-s$seed"
if ! command -v fluidsynth >/dev/null || [ ! -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq >/dev/null || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fluidsynth fluid-soundfont-gm >/dev/null
    else
        sudo apt-get install -y fluidsynth fluid-soundfont-gm
    fi
fi
[ -f "$out/truth.json" ] || .venv/bin/python benchmarks/make_eval_set.py "$out" --n "$n" --seed "$seed" > /dev/null
.venv/bin/python benchmarks/eval_analysis.py --truth "$out/truth.json"
