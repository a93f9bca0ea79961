# Sourced by the scripts that render labelled audio: FluidSynth and the FluidR3 General MIDI soundfont
# (Debian packages), installed when missing.
if ! command -v fluidsynth >/dev/null || [ ! -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq >/dev/null || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fluidsynth fluid-soundfont-gm >/dev/null
    else
        sudo apt-get install -y fluidsynth fluid-soundfont-gm
    fi
fi
