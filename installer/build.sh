#!/usr/bin/env bash
# Build the one-folder bundle (dist/albumgen/), then check it the way a user's machine would
# run it: no virtualenv on PATH, no Python environment variables. Prints one JSON object last.
#   bash installer/build.sh            (make installer)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

bash scripts/setup_env.sh >&2
.venv/bin/python -m pip install --quiet "pyinstaller==6.16.0" >&2

start=$(date +%s)
.venv/bin/python -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller installer/albumgen.spec >&2
build_s=$(( $(date +%s) - start ))

BUNDLE="$ROOT/dist/albumgen"
cp resources/albumgen.desktop resources/albumgen.png "$BUNDLE/"
bundle_bytes=$(du -sb "$BUNDLE" | cut -f1)

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
clean_env=(env -i "HOME=$scratch/home" "PATH=/usr/bin:/bin" "LANG=C.UTF-8" "QT_QPA_PLATFORM=offscreen"
           "HF_HUB_OFFLINE=1" "HF_HOME=$scratch/hf" "XDG_CACHE_HOME=$scratch/cache" "XDG_DATA_HOME=$scratch/data"
           "XDG_CONFIG_HOME=$scratch/config" "XDG_STATE_HOME=$scratch/state")
mkdir -p "$scratch/home"
cd "$scratch"

version=$("${clean_env[@]}" "$BUNDLE/albumgen" --version)
echo "$version" >&2
selftest_start=$(date +%s)
if "${clean_env[@]}" "$BUNDLE/albumgen" selftest > "$scratch/selftest.log" 2>&1; then
    selftest=passed
else
    selftest=FAILED
fi
selftest_s=$(( $(date +%s) - selftest_start ))
cat "$scratch/selftest.log" >&2

# Start-up of the bundled GUI to the window shown, under a virtual X display (median of 3).
shown=()
for _ in 1 2 3; do
    rm -f "$scratch/shown"
    # xvfb-run sets DISPLAY for its child; keep only that (and XAUTHORITY) from its environment.
    SCRATCH="$scratch" APP="$BUNDLE/albumgen-desktop" xvfb-run -a -s "-screen 0 1280x800x24" bash -c '
        exec env -i "DISPLAY=$DISPLAY" "XAUTHORITY=${XAUTHORITY:-}" "HOME=$SCRATCH/home" "PATH=/usr/bin:/bin" \
            "LANG=C.UTF-8" "XDG_CONFIG_HOME=$SCRATCH/config" "XDG_DATA_HOME=$SCRATCH/data" "HF_HOME=$SCRATCH/hf" \
            "ALBUMGEN_STARTUP_PROBE=$SCRATCH/shown" "ALBUMGEN_START=$(date +%s.%N)" "$APP"' >&2 || true
    if [ -s "$scratch/shown" ]; then shown+=("$(cut -d' ' -f1 "$scratch/shown")"); fi
done
torch_at_show=$(cut -d' ' -f2 "$scratch/shown" 2>/dev/null || echo unknown)
gui_s=$(printf '%s\n' "${shown[@]:-nan}" | sort -n | sed -n 2p)
gui_s=${gui_s:-nan}

printf '{"build_s": %s, "bundle_bytes": %s, "bundle_mb": %s, "version": "%s", "selftest": "%s", "selftest_s": %s, ' \
    "$build_s" "$bundle_bytes" "$(( bundle_bytes / 1000000 ))" "$version" "$selftest" "$selftest_s"
printf '"gui_window_shown_s": %s, "gui_runs": "%s", "torch_imported_at_show": "%s"}\n' \
    "$gui_s" "${shown[*]:-}" "$torch_at_show"
[ "$selftest" = passed ]
