#!/usr/bin/env bash
# Render the training sets (scripts/training_sets.sh) and refit the learned key profiles,
# engines/audio_key_model.py, on the dev renders and the synthetic set (fitted on the dev renders
# alone, the profiles read the synthetic set's I-IV-V grooves a fifth low: both kinds of music
# are needed). Scored beside them, never fitted on: a fresh dev render (seed 30) and other dev
# pieces (seed 31) rendered with FluidR3 and with MuseScore General, a soundfont no fit has heard.
# Tried and not kept: 1,200 more dev renders made with TimGM6mb and Csound's sf_GMbank in the fit
# moved those three from 0.958 / 0.980 / 0.976 to 0.960 / 0.968 / 0.970 (MIREX), lower on both
# seed-31 renders. Shipped (stop 33, the key read from the tuned pitch, lambda 3e-5 chosen by
# cross-validation on the fit's own files): 0.969 / 0.978 / 0.986. About 70 minutes on 2 cores
# the first time (rendering, then the evidence, cached next to each set), a minute after.
# Usage: scripts/fit_key.sh [--write]   (without --write: report cross-validated scores only)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/training_sets.sh
checks=()
for spec in "30:25:$fluidr3:" "31:10:$fluidr3:" "31:10:$musescore:-musescore"; do
    IFS=: read -r seed per_kind font suffix <<< "$spec"
    out="out/key-check-dev-v2-s$seed"
    [ "$per_kind" = 25 ] || out="$out-k$per_kind"
    out="$out$suffix"
    [ -f "$out/truth.json" ] || .venv/bin/python benchmarks/make_eval_set.py "$out" --part dev --seed "$seed" --per-kind "$per_kind" --soundfont "$font" > /dev/null
    checks+=(--validate "$out/truth.json")
done
.venv/bin/python benchmarks/fit_key.py "${truths[@]}" --truth "$synthetic/truth.json" "${checks[@]}" "$@"
