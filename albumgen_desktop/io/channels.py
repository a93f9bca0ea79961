"""Which loudspeaker each channel of a file feeds, and a mono mixdown for analysis that loses nothing.

Layouts come from the file when it says (libsndfile's channel map: the WAVE_FORMAT_EXTENSIBLE
channel mask, CAF/AIFF layout chunks), else from the format's default order for that many
channels: WAVE/FLAC/AIFF use Microsoft's default speaker order (KSAUDIO_SPEAKER_* masks: L R C
LFE Ls Rs for 5.1), Ogg Vorbis and Opus the Vorbis I specification's order (section 4.3.9;
RFC 7845 section 5.1.1.2: L C R Ls Rs LFE for 5.1). libsndfile does not reorder Ogg channels.

Speaker names: M (mono), FL FR FC LFE BL BR FLC FRC BC SL SR, and TC TFL TFC TFR TBL TBC TBR
for the height layer.
"""

from __future__ import annotations

import numpy as np

# libsndfile's SF_CHANNEL_MAP_* values (sndfile.h) -> speaker names.
_SNDFILE_MAP = {
    1: "M", 2: "FL", 3: "FR", 4: "FC", 5: "FL", 6: "FR", 7: "FC", 8: "BC", 9: "BL", 10: "BR", 11: "LFE",
    12: "FLC", 13: "FRC", 14: "SL", 15: "SR", 16: "TC", 17: "TFL", 18: "TFR", 19: "TFC", 20: "TBL",
    21: "TBR", 22: "TBC",
}  # fmt: skip
_SFC_GET_CHANNEL_MAP_INFO = 0x1100

_WAVE_DEFAULT = {
    1: ("M",),
    2: ("FL", "FR"),
    3: ("FL", "FR", "FC"),
    4: ("FL", "FR", "BL", "BR"),
    5: ("FL", "FR", "FC", "BL", "BR"),
    6: ("FL", "FR", "FC", "LFE", "BL", "BR"),
    7: ("FL", "FR", "FC", "LFE", "BC", "SL", "SR"),
    8: ("FL", "FR", "FC", "LFE", "BL", "BR", "SL", "SR"),
}
_VORBIS_DEFAULT = {
    1: ("M",),
    2: ("FL", "FR"),
    3: ("FL", "FC", "FR"),
    4: ("FL", "FR", "BL", "BR"),
    5: ("FL", "FC", "FR", "BL", "BR"),
    6: ("FL", "FC", "FR", "BL", "BR", "LFE"),
    7: ("FL", "FC", "FR", "SL", "SR", "BC", "LFE"),
    8: ("FL", "FC", "FR", "SL", "SR", "BL", "BR", "LFE"),
}


def default_layout(channels: int, container: str = "WAV") -> tuple[str, ...]:
    """Speaker names of ``channels`` channels in the container's default order.

    ``container`` is libsndfile's major format name ("WAV", "FLAC", "OGG", ...); "OGG" (Vorbis,
    Opus) uses the Vorbis order, everything else the WAVE order. Channels past eight, or counts
    with no standard order, are front channels ("FL", "FR", "FC", then "?" for unknown ones).
    """
    table = _VORBIS_DEFAULT if container.upper() == "OGG" else _WAVE_DEFAULT
    if channels in table:
        return table[channels]
    return tuple(("FL", "FR", "FC")[i] if i < 3 else "?" for i in range(channels))


def file_layout(sound_file: object) -> tuple[str, ...]:
    """Speaker names of an open ``soundfile.SoundFile``: its own channel map when it has one, else
    the container's default (see ``default_layout``)."""
    import soundfile as sf

    f = sound_file
    channels = int(f.channels)  # type: ignore[attr-defined]
    try:
        buf = sf._ffi.new("int[]", channels)
        ok = sf._snd.sf_command(f._file, _SFC_GET_CHANNEL_MAP_INFO, buf, channels * sf._ffi.sizeof("int"))  # type: ignore[attr-defined]
        codes = list(buf)
    except (AttributeError, TypeError):  # a soundfile without the cffi handles: fall back to the defaults
        ok, codes = 0, []
    if ok and all(c in _SNDFILE_MAP for c in codes):
        return tuple(_SNDFILE_MAP[c] for c in codes)
    return default_layout(channels, str(f.format))  # type: ignore[attr-defined]


def bs1770_weight(name: str, layout: tuple[str, ...]) -> float:
    """ITU-R BS.1770-4 channel weight G (Table 3): 1.41 for loudspeakers at 60..120 degrees azimuth
    below 30 degrees elevation, 0 for the LFE, else 1.0. BL/BR are the +-110 degree surrounds of
    5.1 (ITU-R BS.775) unless the layout also has side channels, when they sit at +-135..150."""
    if name == "LFE":
        return 0.0
    if name in ("SL", "SR"):
        return 1.41
    if name in ("BL", "BR"):
        return 1.0 if ("SL" in layout or "SR" in layout) else 1.41
    return 1.0


def mixdown(data: np.ndarray, layout: tuple[str, ...] | None = None) -> np.ndarray:
    """(frames, channels) -> (frames,) float32: a mono signal for analysis.

    Each channel counts with the square root of its BS.1770 weight (the LFE not at all, unless
    nothing else sounds), and its
    polarity is aligned with the strongest channel first, so anti-phase content (a right channel
    that is the inverted left) adds up instead of cancelling. The result is scaled so that its
    mean square equals the weighted sum of the channels' mean squares: the mono signal is as
    loud, by BS.1770's count of channel power, as the file (a 5.1 file with sound only in the
    centre reads as loud as that centre channel), unless that would pass full scale: then the
    whole mixdown is scaled to a peak of 1.0.
    """
    if data.ndim == 1:
        return np.ascontiguousarray(data, dtype=np.float32)
    n_ch = data.shape[1]
    if n_ch == 1:
        return np.ascontiguousarray(data[:, 0], dtype=np.float32)
    layout = layout if layout is not None and len(layout) == n_ch else default_layout(n_ch)
    weights = np.array([bs1770_weight(name, layout) for name in layout])
    x = data.astype(np.float64, copy=False)
    power = np.mean(x**2, axis=0)
    if not np.any(weights * power > 0):
        # Sound only in the LFE: BS.1770 leaves it out of loudness, but its bass line still has a
        # beat and notes to analyse (a zero mixdown read as "the audio is silent").
        weights = np.ones(n_ch)
    ref = int(np.argmax(weights * power))
    signs = np.ones(n_ch)
    for c in range(n_ch):
        if c != ref and weights[c] > 0 and power[c] > 0:
            signs[c] = -1.0 if float(np.dot(x[:, c], x[:, ref])) < 0 else 1.0
    mono = x @ (signs * np.sqrt(weights))
    target = float(np.sum(weights * power))
    got = float(np.mean(mono**2))
    if got > 0:
        mono *= np.sqrt(target / got)
    peak = float(np.max(np.abs(mono))) if mono.size else 0.0
    if peak > 1.0:  # never past full scale: players and encoders downstream expect -1..1
        mono /= peak
    return mono.astype(np.float32)
