# Sourced by fit_tempo.sh and fit_key.sh: render the training sets both fits use, once: the eval
# set's dev part only (eleven seeds, 25 pieces per kind: 3,300 renders, about 1.2 GB each 300),
# listed in the array `truths` as --truth arguments, and the synthetic set in $synthetic (400 of
# the app's own sketch music at random Features, 200 metronome click tracks and 500 accompaniment
# grooves). The test part (scripts/eval_audio.sh, seed 7) is never rendered here; the tempo fit's
# own sets are rendered in fit_tempo.sh.
source scripts/need_fluidsynth.sh
truths=()
for seed in 1 2 21 22 23 24 25 26 27 28 29; do
    out="out/tempo-train-dev-v2-s$seed"  # v2: repeats and backings keep the bar lines
    [ -f "$out/truth.json" ] || .venv/bin/python benchmarks/make_eval_set.py "$out" --part dev --seed "$seed" --per-kind 25 > /dev/null
    truths+=(--truth "$out/truth.json")
done
synthetic=out/tempo-train-synthetic-v2-s100
[ -f "$synthetic/truth.json" ] || .venv/bin/python benchmarks/make_synthetic_set.py "$synthetic" --seed 100 > /dev/null
