#!/usr/bin/env bash
# Set up .venv for AlbumGen Desktop: system libraries, Python packages, CPU torch where no CUDA GPU.
# Idempotent: a second run with unchanged inputs returns at once.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
STAMP="$VENV/.albumgen-setup"
TORCH_VERSION="${ALBUMGEN_TORCH_VERSION:-2.13.0}"
CPU_TORCH_INDEX="https://download.pytorch.org/whl/cpu"
fingerprint=$(cat pyproject.toml scripts/setup_env.sh | sha256sum | cut -c1-16)

if [ -x "$VENV/bin/python" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$fingerprint" ]; then
    exit 0
fi

say() { printf 'setup: %s\n' "$*"; }

# --- system libraries (PortAudio for playback, the X/EGL libraries Qt needs, Xvfb for screenshots)
as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"; else return 1; fi
}
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
missing=()
have_lib libportaudio.so || missing+=(libportaudio2)
have_lib libEGL.so.1 || missing+=(libegl1)
have_lib libGL.so.1 || missing+=(libgl1)
have_lib libxkbcommon.so.0 || missing+=(libxkbcommon0)
have_lib libxkbcommon-x11.so.0 || missing+=(libxkbcommon-x11-0)
have_lib libfontconfig.so.1 || missing+=(libfontconfig1)
have_lib libdbus-1.so.3 || missing+=(libdbus-1-3)
# Qt's xcb platform plugin links against these (Qt 6 "X11 Requirements"); without one, Qt aborts
# naming only xcb-cursor0. albumgen_desktop/xcb_check.py says which one is missing.
have_lib libxcb-cursor.so.0 || missing+=(libxcb-cursor0)
have_lib libxcb-icccm.so.4 || missing+=(libxcb-icccm4)
have_lib libxcb-image.so.0 || missing+=(libxcb-image0)
have_lib libxcb-keysyms.so.1 || missing+=(libxcb-keysyms1)
have_lib libxcb-randr.so.0 || missing+=(libxcb-randr0)
have_lib libxcb-render-util.so.0 || missing+=(libxcb-render-util0)
have_lib libxcb-shape.so.0 || missing+=(libxcb-shape0)
have_lib libxcb-xinerama.so.0 || missing+=(libxcb-xinerama0)
have_lib libxcb-xkb.so.1 || missing+=(libxcb-xkb1)
command -v Xvfb >/dev/null || missing+=(xvfb)
# Independent tag readers the export tests check our WAV/PNG metadata against (skipped when absent).
command -v exiftool >/dev/null || missing+=(libimage-exiftool-perl)
command -v mediainfo >/dev/null || missing+=(mediainfo)
# ffmpeg: the loudness tests' second BS.1770 meter (ebur128) and the encoder of a real 5.1 Vorbis file.
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
if [ ${#missing[@]} -gt 0 ]; then
    if command -v apt-get >/dev/null && as_root true; then
        say "installing system packages: ${missing[*]}"
        as_root apt-get update -qq >/dev/null || true
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
            || say "could not install ${missing[*]}; playback or screenshots may be unavailable"
    else
        say "please install: ${missing[*]} (without PortAudio the app runs with playback disabled)"
    fi
fi

# --- Python >= 3.11
PYTHON=""
for candidate in "${PYTHON:-}" python3.13 python3.12 python3.11 python3; do
    [ -n "$candidate" ] || continue
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        PYTHON=$candidate
        break
    fi
done
[ -n "$PYTHON" ] || { say "Python 3.11 or newer is required"; exit 1; }

if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV with $($PYTHON --version)"
    "$PYTHON" -m venv "$VENV" || { as_root apt-get install -y -qq python3-venv >/dev/null && "$PYTHON" -m venv "$VENV"; }
fi
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check -q)

# --- torch: CPU build unless a CUDA GPU is present (the CUDA wheels are several GB)
if ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
    if command -v nvidia-smi >/dev/null && nvidia-smi -L >/dev/null 2>&1; then
        say "CUDA GPU found: installing torch $TORCH_VERSION with CUDA"
        "${PIP[@]}" install "torch==$TORCH_VERSION"
    else
        say "no CUDA GPU: installing the CPU build of torch $TORCH_VERSION"
        "${PIP[@]}" install "torch==$TORCH_VERSION+cpu" 2>/dev/null \
            || "${PIP[@]}" install "torch==$TORCH_VERSION+cpu" --extra-index-url "$CPU_TORCH_INDEX" 2>/dev/null \
            || "${PIP[@]}" install "torch==$TORCH_VERSION"
    fi
fi

say "installing AlbumGen Desktop and its packages"
"${PIP[@]}" install -e ".[dev]"
echo "$fingerprint" > "$STAMP"
# librosa compiles its numba kernels on first use (about 20 s here); do it now, not at the first analysis.
"$VENV/bin/python" -m albumgen_desktop.engines.audio_warmup 2>&1 | sed 's/^/setup: /' || true
# If Qt's X11 backend still cannot start, say which library it lacks (silent when all is well).
"$VENV/bin/python" -m albumgen_desktop.xcb_check --quiet --libraries 2>&1 | sed 's/^/setup: /' || true
say "done"
