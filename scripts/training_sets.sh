# Sourced by fit_tempo.sh and fit_key.sh: render the shared training sets once (the eval set's dev part
# only, eleven seeds, 25 pieces per kind: 3,300 renders, about 1.2 GB each 300; and 400 of the app's
# own sketch music at random Features, 200 metronome click tracks and 500 accompaniment grooves)
# and list them in the array `truths` as --truth arguments. The test part (scripts/eval_audio.sh,
# seed 7) is never rendered here.
source scripts/need_fluidsynth.sh
truths=()
for seed in 1 2 21 22 23 24 25 26 27 28 29; do
    out="out/tempo-train-dev-v2-s$seed"  # v2: repeats and backings keep the bar lines
    [ -f "$out/truth.json" ] || .venv/bin/python benchmarks/make_eval_set.py "$out" --part dev --seed "$seed" --per-kind 25 > /dev/null
    truths+=(--truth "$out/truth.json")
done
synthetic=out/tempo-train-synthetic-v2-s100
[ -f "$synthetic/truth.json" ] || .venv/bin/python benchmarks/make_synthetic_set.py "$synthetic" --seed 100 > /dev/null
# The tempo fit only (fit_tempo.sh): backbeats under subdivisions as loud as the drums or louder
# (make_synthetic_set.py's backbeat_mix), at 8-22.05 kHz.
backbeats=out/tempo-train-backbeat-s300
[ -f "$backbeats/truth.json" ] || .venv/bin/python benchmarks/make_synthetic_set.py "$backbeats" --n 0 --clicks 0 --grooves 0 --backbeats 400 --seed 300 > /dev/null
variants=out/tempo-train-backbeat-variants-s301  # half-time and quiet-drum backbeats, major and minor
[ -f "$variants/truth.json" ] || .venv/bin/python benchmarks/make_synthetic_set.py "$variants" --n 0 --clicks 0 --grooves 0 --backbeat-variants 300 --seed 301 > /dev/null
