#!/usr/bin/env bash
# Render the training sets (scripts/training_sets.sh and the tempo fit's own below) and refit
# engines/audio_tempo_model.py on them (an ensemble of three fits; 6,600 files: 4,500 rendered with
# FluidSynth, 2,100 synthetic). The first run on 2 cores took 86 minutes: making the files and
# computing their evidence overlapped in two processes, then 20 minutes the fits; a refit after a
# change to the model alone reads the cached evidence.
# Usage: scripts/fit_tempo.sh [--write]   (without --write: report cross-validated accuracy only)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/training_sets.sh
# Backbeats under subdivisions as loud as the drums or louder
# (make_synthetic_set.py's backbeat_mix), at 8-22.05 kHz.
backbeats=out/tempo-train-backbeat-s300
[ -f "$backbeats/truth.json" ] || .venv/bin/python benchmarks/make_synthetic_set.py "$backbeats" --n 0 --clicks 0 --grooves 0 --backbeats 400 --seed 300 > /dev/null
variants=out/tempo-train-backbeat-variants-s301  # half-time and quiet-drum backbeats, major and minor
[ -f "$variants/truth.json" ] || .venv/bin/python benchmarks/make_synthetic_set.py "$variants" --n 0 --clicks 0 --grooves 0 --backbeat-variants 300 --seed 301 > /dev/null
# 1,200 more dev renders in other instruments' samples (TimGM6mb, sf_GMbank), so that the fit does
# not learn FluidR3's drums and attacks; and 300 more click tracks.
timbres=()
for spec in "41:$timgm6mb" "42:$timgm6mb" "43:$gmbank" "44:$gmbank"; do
    IFS=: read -r seed font <<< "$spec"
    out="out/tempo-train-dev-v2-s$seed-$(basename "${font%.*}")"
    [ -f "$out/truth.json" ] || .venv/bin/python benchmarks/make_eval_set.py "$out" --part dev --seed "$seed" --per-kind 25 --soundfont "$font" > /dev/null
    timbres+=(--truth "$out/truth.json")
done
clicks=out/tempo-train-clicks-s302
[ -f "$clicks/truth.json" ] || .venv/bin/python benchmarks/make_synthetic_set.py "$clicks" --n 0 --clicks 300 --grooves 0 --seed 302 > /dev/null
.venv/bin/python benchmarks/fit_tempo.py "${truths[@]}" --truth "$synthetic/truth.json" --truth "$backbeats/truth.json" --truth "$variants/truth.json" "${timbres[@]}" --truth "$clicks/truth.json" --hidden 32 --lam 1 --members 3 --no-loko "$@"
