"""The eight Spotify-style descriptors, each estimated from what it is defined to measure.

Definitions are Spotify's Web API "audio features" reference (quoted per feature below). Each
estimate starts from a few signal measurements chosen for that definition (``measure``); the
measurements and their sources:

* Voice (instrumentalness, speechiness):
  - ``vocal_variance``: variance of MFCCs 1..5 within one-second windows (Lehner, Widmer and
    Sonnleitner 2014, "On the reduction of false positives in singing voice detection", ICASSP):
    a voice changes its vowel formants several times a second; an instrument keeps its timbre.
  - ``syllabic``: share of the 2..8 Hz modulation in the 0.5..20 Hz modulation spectrum of the
    speech band's (300..3400 Hz) envelope (Scheirer and Slaney 1997, "Construction and
    evaluation of a robust multifeature speech/music discriminator", ICASSP: 4 Hz modulation).
  - ``hzcrr`` and ``lster``: high zero-crossing-rate ratio and low short-time energy ratio
    (Lu, Zhang and Jiang 2002, "Content analysis for audio classification and segmentation",
    IEEE TSAP 10(7)): unvoiced consonants and the pauses between syllables.
  - ``formant_flux``: frame-to-frame change of the 300..3400 Hz spectral envelope (MFCCs 2..8
    of that band) on frames without a broadband onset: formant transitions inside notes.
* Audience and room (liveness):
  - ``floor_flatness``, ``floor_level``: spectral flatness (Wiener entropy) and level relative to
    the median of the quietest fifth of frames, 1..8 kHz: an audience fills the gaps with noise.
  - ``noise_share``: share of the 1..8 kHz energy outside spectral peaks (noise: applause, crowd).
  - ``floor_share``, ``floor_peaky``: the stationary floor by minimum statistics (Martin 2001),
    its share of the energy and how peaky (tonal) it is: reverberation and an audience raise a
    noise-like floor under the notes.
  - ``decay_db_s``: the fastest sustained level decay (5th percentile of 300 ms slopes, dB/s):
    in a reverberant hall nothing decays faster than the room (Ratnam et al. 2003, "Blind
    estimation of reverberation time", JASA 114(5)).
* Sources (acousticness): MFCC means 1..8 (the standard timbre description: Logan 2000, "Mel
  frequency cepstral coefficients for music modeling", ISMIR), crest factor, sub-bass share
  (< 60 Hz), ``sustain_flatness`` (how still sustained partials hold their level: synth
  oscillators do not move, strings, winds and decaying strings do), ``hf_harmonic`` (share of the
  harmonic energy above 4 kHz: sawtooth and square waves reach the top of the spectrum).
* Rhythm (danceability): ``pulse_clarity`` (onset autocorrelation at the beat, Lartillot et al.
  2008, "Multi-feature modeling of pulse clarity", ISMIR), ``percussive_share`` (median-filter
  HPSS, Fitzgerald 2010), ``tempo_stability`` (spread of the beat period over 6 s windows),
  ``low_pulse`` (the same autocorrelation on the bass band: kick and bass on the beat).
* Intensity (energy): integrated loudness, ``onset_rate`` (onsets per second), ``centroid_hz``
  and ``spread_hz`` (spectral centroid and spread), ``flatness`` (Wiener entropy), the
  percussive share.
* Valence: mode (with the key estimate's confidence), speed as heard (``onset_rate``),
  ``centroid_hz`` and ``pitch_height``
  (the energy-weighted mean pitch of the harmonic part), following the cues listeners use
  (Gabrielsson and Lindstrom 2010, "The role of structure in the musical expression of
  emotions", Handbook of Music and Emotion; Eerola, Lartillot and Toiviainen 2009, "Prediction
  of multidimensional emotional ratings in music from audio using multivariate regression
  models", ISMIR).

Spotify's definitions of the four fitted ones: instrumentalness "predicts whether a track contains
no vocals ... rap or spoken word tracks are clearly vocal"; speechiness "detects the presence of
spoken words ... values above 0.66 describe tracks that are probably made entirely of spoken
words"; liveness "detects the presence of an audience in the recording"; acousticness "a
confidence measure ... of whether the track is acoustic".

``estimate`` turns measurements into 0..1 values. Instrumentalness, speechiness, liveness and
acousticness are logistic models whose weights were fitted on the tuning half of the
calibration set (benchmarks/make_calibration_set.py; benchmarks/eval_descriptors.py --fit)
and checked on the held-back half; energy, danceability and valence are fixed formulas
documented in their functions, checked on the set's calm/intense, groove/rubato and
bright/dark pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from albumgen_desktop.engines.descriptor_weights import LOGISTIC

HOP = 512
N_FFT = 2048


def _sigmoid(x: float) -> float:
    return float(1.0 / (1.0 + np.exp(-np.clip(x, -40, 40))))


def _band_rows(freqs: np.ndarray, lo: float, hi: float) -> np.ndarray:
    return (freqs >= lo) & (freqs < hi)


def _flatness(power: np.ndarray, axis: int = 0) -> np.ndarray:
    p = power + 1e-12
    return np.exp(np.mean(np.log(p), axis=axis)) / np.mean(p, axis=axis)


def _acf(x: np.ndarray) -> np.ndarray:
    x = x - x.mean()
    n = len(x)
    spec = np.fft.rfft(x, 2 * n)
    ac = np.fft.irfft(spec * np.conj(spec))[:n]
    if ac[0] <= 0:
        return np.zeros(n)
    return ac / ac[0] * n / np.maximum(1, n - np.arange(n))


def _at_lag(ac: np.ndarray, lag: float) -> float:
    """Largest autocorrelation within +-4% of ``lag`` frames."""
    lo, hi = int(lag * 0.96), int(np.ceil(lag * 1.04)) + 1
    if lo < 1 or lo >= len(ac):
        return 0.0
    return float(np.max(ac[lo : min(hi, len(ac))]))


def _peak_share(power: np.ndarray) -> np.ndarray:
    """Per column of (bins, frames) ``power``: the share of energy in bins 8 dB above the running
    median over 15 bins (about 160 Hz at 22.05 kHz): near 1 for notes, about 0.1 for noise."""
    from scipy.ndimage import median_filter

    local = median_filter(power, size=(15, 1), mode="nearest")
    peaks = power > 10**0.8 * local
    return (power * peaks).sum(axis=0) / (power.sum(axis=0) + 1e-12)


def measure(y: np.ndarray, sr: int, bpm: float) -> dict[str, float]:
    """Signal measurements of mono ``y`` (float32 at ``sr`` Hz, the analysis window) with the
    estimated tempo ``bpm``; names and sources in the module docstring."""
    import librosa

    fps = sr / HOP
    stft = np.abs(librosa.stft(y, n_fft=N_FFT, hop_length=HOP)) ** 2
    freqs = librosa.fft_frequencies(sr=sr, n_fft=N_FFT)
    # Mel bands by a plain matrix product (librosa's einsum is several times slower here).
    mel = librosa.filters.mel(sr=sr, n_fft=N_FFT, n_mels=64, fmax=sr / 2) @ stft
    log_mel = librosa.power_to_db(mel, ref=np.max(mel) + 1e-12, top_db=80)
    mfcc = librosa.feature.mfcc(S=log_mel, n_mfcc=13)
    frames = stft.shape[1]
    out: dict[str, float] = {}
    harm, perc = librosa.decompose.hpss(mel, kernel_size=(17, 9))
    harm_db = librosa.power_to_db(harm, ref=np.max(harm) + 1e-12, top_db=80)
    harm_cc = librosa.feature.mfcc(S=harm_db, n_mfcc=13)

    # --- voice
    win = max(4, int(round(fps)))
    chunks = [mfcc[1:6, i : i + win] for i in range(0, frames - win + 1, win)]
    out["vocal_variance"] = float(np.mean([c.var(axis=1).mean() for c in chunks])) if chunks else 0.0
    # The same on the harmonic part only, so drums do not read as a voice; the upper quartile of
    # windows, because a voice may sing in only part of the excerpt.
    chunks_h = [harm_cc[1:6, i : i + win] for i in range(0, frames - win + 1, win)]
    var_h = [c.var(axis=1).mean() for c in chunks_h]
    out["vocal_variance_h"] = float(np.percentile(var_h, 75)) if var_h else 0.0
    h_energy = harm.sum(axis=0)
    ls_h = [
        np.mean(h_energy[i : i + win] < 0.5 * h_energy[i : i + win].mean()) for i in range(0, frames - win + 1, win)
    ]
    out["lster_h"] = float(np.mean(ls_h)) if ls_h else 0.0
    delta_h = np.diff(harm_cc[2:9], axis=1)
    out["mfcc_delta_h"] = float(np.mean(np.std(delta_h, axis=1)))
    delta = np.diff(mfcc[1:9], axis=1)
    out["mfcc_delta"] = float(np.mean(np.std(delta, axis=1)))
    speech_rows = _band_rows(freqs, 300, 3400)
    env = np.sqrt(stft[speech_rows].sum(axis=0))
    env_spec = np.abs(np.fft.rfft(env - env.mean()))
    env_f = np.fft.rfftfreq(len(env), 1 / fps)
    out["syllabic"] = float(
        env_spec[(env_f > 2) & (env_f < 8)].sum() / (env_spec[(env_f > 0.5) & (env_f < 20)].sum() + 1e-12)
    )
    zcr = librosa.feature.zero_crossing_rate(y, frame_length=N_FFT, hop_length=HOP)[0][:frames]
    energy = stft.sum(axis=0)
    hz, ls = [], []
    for i in range(0, frames - win + 1, win):
        z, e = zcr[i : i + win], energy[i : i + win]
        hz.append(np.mean(z > 1.5 * z.mean()))
        ls.append(np.mean(e < 0.5 * e.mean()))
    out["hzcrr"] = float(np.mean(hz)) if hz else 0.0
    out["lster"] = float(np.mean(ls)) if ls else 0.0
    band_mel = librosa.filters.mel(sr=sr, n_fft=N_FFT, n_mels=24, fmin=300, fmax=3400) @ stft
    band_cc = librosa.feature.mfcc(S=librosa.power_to_db(band_mel + 1e-12), n_mfcc=9)[2:9]
    flux_full = np.maximum(0.0, np.diff(log_mel, axis=1)).mean(axis=0)
    calm = flux_full < np.percentile(flux_full, 60)
    cc_change = np.sqrt(np.sum(np.diff(band_cc, axis=1) ** 2, axis=0))
    out["formant_flux"] = float(np.median(cc_change[calm])) if calm.any() else 0.0

    # --- audience and room
    hi_rows = _band_rows(freqs, 1000, 8000)
    loud_order = np.argsort(energy)
    quiet = loud_order[: max(1, frames // 5)]
    floor_power = stft[hi_rows][:, quiet]
    out["floor_flatness"] = float(np.median(_flatness(floor_power)))
    hi_energy = stft[hi_rows].sum(axis=0)
    out["floor_level"] = float(10 * np.log10((np.percentile(hi_energy, 10) + 1e-12) / (np.median(hi_energy) + 1e-12)))
    band = stft[hi_rows]
    sampled = band[:, ::4]  # every fourth frame (93 ms apart) is plenty for a share, at a quarter of the cost
    peaky = _peak_share(sampled)
    out["noise_share"] = float(1 - np.average(peaky, weights=sampled.sum(axis=0) + 1e-12))
    # Minimum statistics (Martin 2001, "Noise power spectral density estimation based on optimal
    # smoothing and minimum statistics", IEEE TSAP 9(5)): per bin, the minimum of the smoothed
    # power over 1.5 s follows the stationary floor; notes come and go above it.
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    smooth = uniform_filter1d(band, size=5, axis=1)
    floor = minimum_filter1d(smooth, size=int(1.5 * fps), axis=1)
    out["floor_share"] = float(floor.sum() / (smooth.sum() + 1e-12))
    mean_floor = floor.mean(axis=1)
    out["floor_peaky"] = float(_peak_share(mean_floor[:, None])[0])
    decays = []
    span = max(2, int(0.3 * fps))
    for lo, hi in ((200, 1000), (1000, 4000)):
        level = 10 * np.log10(stft[_band_rows(freqs, lo, hi)].sum(axis=0) + 1e-12)
        slope = (level[span:] - level[:-span]) * fps / span
        active = level[:-span] > level.max() - 45
        if active.sum() > 10:
            decays.append(-np.percentile(slope[active], 5))
    out["decay_db_s"] = float(np.mean(decays)) if decays else 0.0

    # --- sources (and timbre in general: the voice models use these too)
    for k in range(1, 13):
        out[f"mfcc{k}"] = float(mfcc[k].mean())
        out[f"mfcc_sd{k}"] = float(mfcc[k].std())
    # Spectral contrast (Jiang et al. 2002, "Music type classification by spectral contrast
    # feature", ICME): peak-to-valley level per octave band; noise fills valleys, partials carve them.
    contrast = librosa.feature.spectral_contrast(S=np.sqrt(stft), sr=sr, n_bands=6, fmin=100.0)
    for k in range(contrast.shape[0]):
        out[f"contrast{k}"] = float(contrast[k].mean())
    out["crest_db"] = float(20 * np.log10((np.max(np.abs(y)) + 1e-9) / (np.sqrt(np.mean(y**2)) + 1e-9)))
    out["sub_bass"] = float(stft[freqs < 60].sum() / (stft.sum() + 1e-12))
    out["percussive_share"] = float(perc.sum() / (harm.sum() + perc.sum() + 1e-12))
    # Drums rather than struck strings: percussive energy where kick (< 150 Hz) and snare, hats
    # and cymbals (> 4 kHz) sound; a piano's hammer attacks sit in between.
    mel_f = librosa.mel_frequencies(n_mels=64, fmax=sr / 2)
    drum_rows = (mel_f < 150) | (mel_f > 4000)
    out["drum_share"] = float(perc[drum_rows].sum() / (harm.sum() + perc.sum() + 1e-12))
    h_db = librosa.power_to_db(harm + 1e-12)
    strong = h_db > h_db.max() - 30
    steps = np.abs(np.diff(h_db, axis=1))
    both = strong[:, 1:] & strong[:, :-1]
    out["sustain_flatness"] = float(np.mean(steps[both] < 0.5)) if both.any() else 0.0
    out["hf_harmonic"] = float(harm[mel_f >= 4000].sum() / (harm[mel_f >= 500].sum() + 1e-12))

    # --- rhythm and intensity
    onset = flux_full
    ac = _acf(onset)
    period = 60.0 * fps / max(bpm, 1.0)
    out["pulse_clarity"] = float(np.clip(max(_at_lag(ac, period), _at_lag(ac, 2 * period)), 0, 1))
    low = np.maximum(0.0, np.diff(log_mel[:6], axis=1)).mean(axis=0)
    out["low_pulse"] = float(np.clip(_at_lag(_acf(low), period), 0, 1))
    periods = []
    w = int(6 * fps)
    for i in range(0, len(onset) - w + 1, w // 2):
        a = _acf(onset[i : i + w])
        lo, hi = int(period * 0.8), min(int(period * 1.25) + 1, len(a))
        if hi > lo + 1:
            periods.append(lo + int(np.argmax(a[lo:hi])))
    out["tempo_stability"] = float(1 - np.std(periods) / (np.mean(periods) + 1e-9)) if len(periods) > 1 else 0.5
    mad = np.median(np.abs(onset - np.median(onset))) + 1e-9
    peaks = librosa.util.peak_pick(onset, pre_max=3, post_max=3, pre_avg=8, post_avg=8, delta=0.0, wait=3)
    strong_peaks = peaks[onset[peaks] > np.median(onset) + 5 * mad] if len(peaks) else peaks
    out["onset_rate"] = float(len(strong_peaks) / (len(y) / sr))
    total = stft.sum(axis=0) + 1e-12
    centroid = (freqs @ stft) / total
    spread = np.sqrt(np.maximum(((freqs**2) @ stft) / total - centroid**2, 0.0))
    weights = total / total.sum()
    out["centroid_hz"] = float(np.sum(centroid * weights))
    out["spread_hz"] = float(np.sum(spread * weights))
    out["flatness"] = float(np.median(_flatness(stft[_band_rows(freqs, 60, 8000), ::2])))
    pitch_mel = harm[(mel_f >= 80) & (mel_f <= 2000)]
    pitch_f = mel_f[(mel_f >= 80) & (mel_f <= 2000)]
    out["pitch_height"] = float(
        np.sum(12 * np.log2(pitch_f / 440.0)[:, None] * pitch_mel) / (pitch_mel.sum() + 1e-12) + 69
    )
    return out


@dataclass
class Descriptors:
    """The eight 0..1 values and a confidence 0..1 for each."""

    values: dict[str, float]
    confidence: dict[str, float] = field(default_factory=dict)


def _logistic(name: str, m: dict[str, float]) -> float:
    """The fitted model ``name``: each measurement standardised as on the tuning set and clipped to
    +-3 standard deviations, so a value far outside what the model saw (synthetic noise drums, a
    test tone) cannot push the estimate to an extreme by itself."""
    model = LOGISTIC[name]
    z = float(model["bias"])
    for key, (mean, scale, weight) in model["terms"].items():
        z += weight * float(np.clip((m[key] - mean) / scale, -3.0, 3.0))
    return _sigmoid(z)


def energy(m: dict[str, float], lufs: float) -> float:
    """Spotify: "a perceptual measure of intensity and activity. Typically, energetic tracks feel
    fast, loud, and noisy ... dynamic range, perceived loudness, timbre, onset rate, and general
    entropy." A logistic sum of: integrated loudness (+0.12 per LU above -20 LUFS), onset rate
    (+0.45 per onset/s above 3; how fast it feels, whatever the metrical level of the tempo
    estimate), brightness (+0.8 per kHz of centroid above 1.5 kHz), spectral spread (+0.5 per kHz
    above 1.5 kHz) and percussive share (+4 per unit above 0.25)."""
    z = (
        0.12 * (lufs + 20)
        + 0.45 * (m["onset_rate"] - 3)
        + 0.8 * (m["centroid_hz"] - 1500) / 1000
        + 0.5 * (m["spread_hz"] - 1500) / 1000
        + 4.0 * (m["percussive_share"] - 0.25)
    )
    return _sigmoid(z)


def danceability(m: dict[str, float], bpm: float) -> float:
    """Spotify: "how suitable a track is for dancing based on a combination of musical elements
    including tempo, tempo stability, beat strength, and overall regularity." A logistic sum of
    beat strength (drums: percussive energy of kick and cymbal bands, +25 per unit above 0.05;
    bass pulse, +1 per unit above 0.3), regularity (pulse clarity, +2.5 per unit above 0.5),
    tempo stability (+10 per unit above 0.97) and tempo (+3 per unit of a Gaussian around 120 BPM,
    half an octave wide, above 0.6: dance music sits at 100..130 BPM, Moelants 2002, "Preferred
    tempo reconsidered", ICMPC), less 0.5. Without drums a steady slow piece stays under 0.5."""
    tempo_fit = float(np.exp(-0.5 * (np.log2(max(bpm, 1.0) / 120) / 0.5) ** 2))
    z = (
        25.0 * (m["drum_share"] - 0.05)
        + 1.0 * (m["low_pulse"] - 0.3)
        + 2.5 * (m["pulse_clarity"] - 0.5)
        + 10.0 * (m["tempo_stability"] - 0.97)
        + 3.0 * (tempo_fit - 0.6)
        - 0.5
    )
    return _sigmoid(z)


def valence(m: dict[str, float], mode: str, key_confidence: float) -> float:
    """Spotify: "the musical positiveness conveyed by a track. Tracks with high valence sound more
    positive (e.g. happy, cheerful, euphoric), while tracks with low valence sound more negative
    (e.g. sad, depressed, angry)." Listeners hear major mode, fast tempo, high pitch and bright
    timbre as happier (Gabrielsson and Lindstrom 2010). A logistic sum of mode (+-1.0, scaled by
    the key confidence), speed as heard (+0.35 per onset/s above 3: event rate, so a tempo
    estimate off by an octave cannot make a Grave cheerful), pitch height (+0.06 per semitone
    above MIDI 60) and brightness (+0.5 per kHz of centroid above 1.5 kHz)."""
    sign = 1.0 if mode == "major" else -1.0
    z = (
        1.0 * sign * float(np.clip(key_confidence, 0, 1))
        + 0.35 * (m["onset_rate"] - 3)
        + 0.06 * (m["pitch_height"] - 60)
        + 0.5 * (m["centroid_hz"] - 1500) / 1000
    )
    return _sigmoid(z)


def estimate(m: dict[str, float], *, lufs: float, bpm: float, mode: str, key_confidence: float) -> Descriptors:
    """The eight descriptors from ``measure``'s output and the analysis' loudness (LUFS), tempo
    (BPM), mode and key confidence. Every value is in 0..1."""
    values = {
        "instrumentalness": _logistic("instrumentalness", m),
        "speechiness": _logistic("speechiness", m),
        "liveness": _logistic("liveness", m),
        "acousticness": _logistic("acousticness", m),
        "energy": energy(m, lufs),
        "danceability": danceability(m, bpm),
        "valence": valence(m, mode, key_confidence),
    }
    confidence = {name: float(np.clip(0.35 + 0.6 * abs(v - 0.5), 0.35, 0.65)) for name, v in values.items()}
    return Descriptors(values=values, confidence=confidence)
