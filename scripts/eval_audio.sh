#!/usr/bin/env bash
# Build the labelled sets from music21's scores (once) and evaluate the audio analyser on them,
# beside the textbook baseline: the dev part (tuned on) and the test part (never tuned on), and the
# test part again rendered with MuseScore General, a soundfont no fit has heard (its instruments'
# samples, not FluidR3's; about 20 minutes to render the first time: FluidSynth decompresses the
# .sf3 for every file), and with TimGM6mb, whose samples the tempo fit has heard on dev pieces
# only. Reported whole, by part, by kind and by set.
# Usage: scripts/eval_audio.sh [PER_KIND] [DEV_SEED] [TEST_SEED]   (defaults: 10 pieces per kind, seeds 0 and 7)
set -euo pipefail
cd "$(dirname "$0")/.."
per_kind=${1:-10}
dev_seed=${2:-0}
test_seed=${3:-7}
source scripts/need_fluidsynth.sh
truths=()
for spec in "dev:$dev_seed:" "test:$test_seed:" "test:$test_seed:$musescore" "test:$test_seed:$timgm6mb"; do
    IFS=: read -r part seed font <<< "$spec"
    out="out/evalset-$part-s$seed-k$per_kind-v2"  # v2: repeats and backings keep the bar lines
    [ -z "$font" ] || out="$out-$(basename "${font%.*}")"
    [ -f "$out/truth.json" ] || .venv/bin/python benchmarks/make_eval_set.py "$out" --part "$part" --seed "$seed" --per-kind "$per_kind" ${font:+--soundfont "$font"} > /dev/null
    truths+=(--truth "$out/truth.json")
done
.venv/bin/python benchmarks/eval_analysis.py "${truths[@]}"
