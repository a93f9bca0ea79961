#!/usr/bin/env bash
# Build the descriptor calibration set (once) and report the per-feature error of the estimates.
# Usage: scripts/calibrate_audio.sh [PIECES] [SEED]   (defaults: 16 pieces, seed 0; half are held back)
set -euo pipefail
cd "$(dirname "$0")/.."
pieces=${1:-16}
seed=${2:-0}
out="out/calibration-p$pieces-s$seed"
need=()
command -v fluidsynth >/dev/null || need+=(fluidsynth)
[ -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ] || need+=(fluid-soundfont-gm)
command -v espeak-ng >/dev/null || need+=(espeak-ng)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq >/dev/null || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    else
        sudo apt-get install -y "${need[@]}"
    fi
fi
[ -f "$out/labels.json" ] || .venv/bin/python benchmarks/make_calibration_set.py "$out" --pieces "$pieces" --seed "$seed" > /dev/null
.venv/bin/python benchmarks/eval_descriptors.py --labels "$out/labels.json"
