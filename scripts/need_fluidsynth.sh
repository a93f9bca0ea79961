# Sourced by the scripts that render labelled audio: FluidSynth and four General MIDI soundfonts
# (Debian packages), installed when missing: FluidR3, which every eval set and most training sets
# are rendered with; TimGM6mb and Csound's sf_GMbank, which render part of the tempo fit's training
# sets in other instruments' samples; and MuseScore General, which renders the checks in
# instruments no fit has heard. The sourcing scripts read the paths from $fluidr3, $timgm6mb,
# $gmbank and $musescore.
fluidr3=/usr/share/sounds/sf2/FluidR3_GM.sf2
timgm6mb=/usr/share/sounds/sf2/TimGM6mb.sf2
gmbank=/usr/share/sounds/sf2/sf_GMbank.sf2
musescore=/usr/share/sounds/sf3/MuseScore_General_Lite.sf3
fonts=("$fluidr3:fluid-soundfont-gm" "$timgm6mb:timgm6mb-soundfont" "$gmbank:csound-soundfont"
    "$musescore:musescore-general-soundfont-small")
need=()
command -v fluidsynth >/dev/null || need+=(fluidsynth)
for spec in "${fonts[@]}"; do
    [ -f "${spec%%:*}" ] || need+=("${spec##*:}")
done
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        apt-get update -qq >/dev/null || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    else
        sudo apt-get install -y "${need[@]}"
    fi
fi
