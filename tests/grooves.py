"""Small numpy renders of the rhythm and pitch cases issue 16 found failing, with their true values.

Each is a few lines of synthesis (additive tones, noise drums) so a test states its input exactly:
slow backbeat grooves, slow movements over steady eighths, compound 6/8, fast waltzes, and chord
progressions tuned away from A4 = 440 Hz. Tempo is the notated beat: the quarter note in simple
metres, the dotted quarter in compound metres.
"""

from __future__ import annotations

import numpy as np

SR = 22050
MAJOR_PROGRESSION = [(0, 4, 7), (5, 9, 12), (7, 11, 14), (0, 4, 7)]  # I IV V I, semitones over the tonic
MINOR_PROGRESSION = [(0, 3, 7), (5, 8, 12), (7, 11, 14), (0, 3, 7)]  # i iv V i


def _hz(midi: float, a4: float = 440.0) -> float:
    return a4 * 2 ** ((midi - 69) / 12)


def tone(midi: float, seconds: float, a4: float = 440.0, decay: float = 2.0, partials: int = 6) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    f = _hz(midi, a4)
    wave = sum(np.sin(2 * np.pi * f * k * t) / k for k in range(1, partials + 1) if f * k < SR / 2)
    attack = np.minimum(1.0, t / 0.01)
    return np.asarray(wave * attack * np.exp(-t * decay))


def kick(rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(0.2 * SR)) / SR
    return np.sin(2 * np.pi * (45 + 90 * np.exp(-t * 35)) * t) * np.exp(-t * 18)


def snare(rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(0.18 * SR)) / SR
    return 0.6 * rng.standard_normal(len(t)) * np.exp(-t * 25) + 0.4 * np.sin(2 * np.pi * 190 * t) * np.exp(-t * 30)


def hihat(rng: np.random.Generator) -> np.ndarray:
    n = int(0.05 * SR)
    return np.diff(rng.standard_normal(n + 1)) * np.exp(-np.arange(n) / SR * 90)


def _add(out: np.ndarray, at: float, sound: np.ndarray, gain: float) -> None:
    i = int(at * SR)
    if i >= len(out):
        return
    seg = sound[: len(out) - i]
    out[i : i + len(seg)] += gain * seg


def _finish(out: np.ndarray) -> np.ndarray:
    return (0.8 * out / (np.max(np.abs(out)) + 1e-12)).astype(np.float32)


def slow_groove(bpm: float, tonic: int = 0, seconds: float = 30.0, seed: int = 0) -> np.ndarray:
    """Kick on beats 1 and 3, snare on 2 and 4, hi-hat and bass on every eighth at equal level,
    one major chord per bar (I IV V I): the groove issue 16 saw read at double tempo."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * SR) + SR)
    beat = 60.0 / bpm
    n_beats = int(seconds / beat) + 1
    for b in range(n_beats):
        t = b * beat
        chord = MAJOR_PROGRESSION[(b // 4) % 4]
        _add(out, t, kick(rng) if b % 2 == 0 else snare(rng), 0.9)
        if b % 4 == 0:
            for iv in chord:
                _add(out, t, tone(60 + tonic + iv, 4 * beat, decay=0.6), 0.12)
        for half in (0, 1):
            te = t + half * beat / 2
            _add(out, te, hihat(rng), 0.35)
            _add(out, te, tone(36 + tonic + chord[0], beat / 2 * 0.9, decay=3.0, partials=3), 0.35)
    return _finish(out[: int(seconds * SR)])


def backbeat_mix(
    bpm: float,
    tonic: int = 0,
    mode: str = "major",
    hats: float = 1.0,
    bass: float = 1.0,
    drums: float = 1.0,
    per_beat: int = 2,
    ride: bool = False,
    seconds: float = 20.0,
    sr: int = SR,
    seed: int = 0,
) -> np.ndarray:
    """The slow groove as a tester mixed it (stop 26): kick on one and three, snare on two and
    four, and hi-hats (a 20 ms noise burst; or a ride's inharmonic ring) and bass notes on every
    eighth, each at its own level: ``hats`` and ``bass`` relative to the kick, ``drums`` scaling
    kick, snare and hats against the bass and chords; ``per_beat`` hi-hats per beat (4:
    sixteenths); rendered at ``sr``. The model read 64 BPM as 128 in 6 of 7 keys at equal level."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int((seconds + 1) * sr))
    beat = 60.0 / bpm
    t_k, t_s = np.arange(int(0.3 * sr)) / sr, np.arange(int(0.2 * sr)) / sr
    kick_hit = np.sin(2 * np.pi * np.cumsum(50 + 100 * np.exp(-t_k / 0.03)) / sr) * np.exp(-t_k / 0.08)
    prog = MAJOR_PROGRESSION if mode == "major" else MINOR_PROGRESSION

    def add(at: float, sound: np.ndarray, gain: float) -> None:
        i = int(at * sr)
        seg = out[i : i + len(sound)]
        seg += gain * sound[: len(seg)]

    def cymbal() -> np.ndarray:
        if ride:
            t = np.arange(int(0.6 * sr)) / sr
            ring = sum(np.sin(2 * np.pi * f * t) for f in (3150, 4720, 5830, 7410, 8290) if f < sr / 2)
            return (ring + 0.3 * rng.standard_normal(len(t))) * np.exp(-t / 0.25) * 0.25
        n = int(0.1 * sr)
        return np.diff(rng.standard_normal(n + 1)) * np.exp(-np.arange(n) / sr / 0.02) * 0.5

    def note(midi: float, length: float, partials: int) -> np.ndarray:
        t = np.arange(int(length * sr)) / sr
        f = 440.0 * 2 ** ((midi - 69) / 12)
        return sum(0.6**k * np.sin(2 * np.pi * f * (k + 1) * t) for k in range(partials) if f * (k + 1) < sr / 2)

    for b in range(int(seconds / beat) + 1):
        t = b * beat
        chord = prog[(b // 4) % 4]
        if b % 2 == 0:
            add(t, kick_hit, drums)
        else:
            snare_hit = 0.6 * rng.standard_normal(len(t_s)) + 0.4 * np.sin(2 * np.pi * 190 * t_s)
            add(t, snare_hit * np.exp(-t_s / 0.05), 0.7 * drums)
        for k in range(per_beat):
            add(t + k * beat / per_beat, cymbal(), hats * drums)
        for k in range(2):
            length = 0.45 * beat
            decay = np.exp(-np.arange(int(length * sr)) / sr / 0.15)
            add(t + k * beat / 2, note(36 + tonic + chord[0], length, 3) * decay, 0.5 * bass)
        if b % 4 == 0:
            length = 4 * beat
            ramp = np.minimum(1.0, np.arange(int(length * sr)) / (0.01 * sr))
            add(t, sum(note(60 + tonic + iv, length, 4) for iv in chord) * ramp, 0.12)
    out = out[: int(seconds * sr)]
    return (0.8 * out / (np.max(np.abs(out)) + 1e-12)).astype(np.float32)


def slow_movement(bpm: float, tonic: int = 2, mode: str = "minor", seconds: float = 30.0, seed: int = 0) -> np.ndarray:
    """An Adagio in 4/4: a melody in quarter and half notes over steady repeated eighth-note
    chords and a bass note per beat, one harmony per half bar."""
    rng = np.random.default_rng(seed)
    prog = MAJOR_PROGRESSION if mode == "major" else MINOR_PROGRESSION
    scale = [0, 2, 4, 5, 7, 9, 11] if mode == "major" else [0, 2, 3, 5, 7, 8, 11]
    out = np.zeros(int(seconds * SR) + 2 * SR)
    beat = 60.0 / bpm
    n_beats = int(seconds / beat) + 1
    b = 0
    while b < n_beats:
        chord = prog[(b // 2) % 4]
        t = b * beat
        length = 2 if rng.random() < 0.4 and b % 2 == 0 else 1
        note = 72 + tonic + scale[int(rng.integers(0, 7))]
        _add(out, t, tone(note, length * beat, decay=0.8), 0.22)
        for k in range(length):
            tb = t + k * beat
            _add(out, tb, tone(36 + tonic + chord[0], beat * 0.95, decay=1.0), 0.3)
            for half in (0, 1):
                for iv in chord[1:]:
                    _add(out, tb + half * beat / 2, tone(60 + tonic + iv, beat / 2 * 0.9, decay=2.0), 0.07)
        b += length
    return _finish(out[: int(seconds * SR)])


def compound_jig(bpm: float, tonic: int = 7, seconds: float = 30.0, seed: int = 0) -> np.ndarray:
    """6/8 at a dotted-quarter pulse of `bpm`: a melody in quarter-eighth and eighth-eighth-eighth
    groups, a bass note on each dotted quarter and a chord on the third eighth of each group."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * SR) + SR)
    eighth = 60.0 / bpm / 3
    n_beats = int(seconds / (3 * eighth)) + 1
    scale = [0, 2, 4, 5, 7, 9, 11]
    for b in range(n_beats):
        t = b * 3 * eighth
        chord = MAJOR_PROGRESSION[(b // 2) % 4]
        _add(out, t, tone(36 + tonic + chord[0], 2 * eighth, decay=2.0), 0.35)
        for iv in chord:
            _add(out, t + 2 * eighth, tone(60 + tonic + iv, eighth * 0.9, decay=3.0), 0.06)
        pattern = (0, 2) if rng.random() < 0.5 else (0, 1, 2)
        for k in pattern:
            length = (2 if k == 0 else 1) if pattern == (0, 2) else 1
            note = 72 + tonic + scale[int(rng.integers(0, 7))]
            _add(out, t + k * eighth, tone(note, length * eighth * 0.95, decay=2.5), 0.25 if k == 0 else 0.18)
    return _finish(out[: int(seconds * SR)])


def fast_waltz(bpm: float, tonic: int = 5, seconds: float = 30.0, seed: int = 0, eighths: bool = False) -> np.ndarray:
    """3/4 at a quarter of `bpm`: bass on beat 1, chords on 2 and 3 (oom-pah-pah), a melody of
    dotted halves and quarters, or with `eighths` of quarters and eighth-note pairs as waltz tunes
    move (the beat divides in two: what tells it from a 6/8 at a third of the tempo, whose beat
    divides in three; tests/grooves.siciliano is the plain version's pattern note for note)."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * SR) + 2 * SR)
    beat = 60.0 / bpm
    n_bars = int(seconds / (3 * beat)) + 1
    scale = [0, 2, 4, 5, 7, 9, 11]
    for bar in range(n_bars):
        t = bar * 3 * beat
        chord = MAJOR_PROGRESSION[(bar // 2) % 4]
        _add(out, t, tone(36 + tonic + chord[0], beat, decay=2.5), 0.4)
        for k in (1, 2):
            for iv in chord:
                _add(out, t + k * beat, tone(60 + tonic + iv, beat * 0.7, decay=4.0), 0.07)
        if eighths:
            for k in range(3):
                halves = (0.0, 0.5) if rng.random() < 0.5 else (0.0,)
                for h in halves:
                    note = 72 + tonic + scale[int(rng.integers(0, 7))]
                    _add(out, t + (k + h) * beat, tone(note, beat / len(halves), decay=3.0), 0.2)
        elif rng.random() < 0.5:
            _add(out, t, tone(72 + tonic + scale[int(rng.integers(0, 7))], 3 * beat, decay=0.7), 0.25)
        else:
            for k in range(3):
                _add(out, t + k * beat, tone(72 + tonic + scale[int(rng.integers(0, 7))], beat, decay=2), 0.2)
    return _finish(out[: int(seconds * SR)])


def siciliano(bpm: float, tonic: int = 2, seconds: float = 30.0, seed: int = 0) -> np.ndarray:
    """6/8 at a slow dotted-quarter pulse of `bpm` over a rocking backing: a bass note on each
    dotted quarter and chords on its second and third eighths (bass-chord-chord, the pattern of a
    fast waltz's oom-pah-pah three times as fast), a melody in long-short (quarter-eighth) and
    dotted-quarter figures, one harmony per bar."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * SR) + 2 * SR)
    eighth = 60.0 / bpm / 3
    scale = [0, 2, 4, 5, 7, 9, 11]
    for b in range(int(seconds / (3 * eighth)) + 1):
        t = b * 3 * eighth
        chord = MAJOR_PROGRESSION[(b // 2) % 4]
        _add(out, t, tone(36 + tonic + chord[0], 3 * eighth, decay=1.5), 0.35)
        for k in (1, 2):
            for iv in chord:
                _add(out, t + k * eighth, tone(60 + tonic + iv, eighth * 0.9, decay=3.0), 0.06)
        figure = ((0, 2), (2, 1)) if rng.random() < 0.6 else ((0, 3),)
        for k, length in figure:
            note = 72 + tonic + scale[int(rng.integers(0, 7))]
            _add(out, t + k * eighth, tone(note, length * eighth * 0.95, decay=1.5), 0.25 if k == 0 else 0.18)
    return _finish(out[: int(seconds * SR)])


def progression(tonic: int, mode: str, cents: float = 0.0, a4: float = 440.0, seconds: float = 16.0) -> np.ndarray:
    """Block chords I IV V I (i iv V i in minor) with the tonic in the bass, one chord a second,
    tuned `cents` away from the reference `a4`."""
    prog = MAJOR_PROGRESSION if mode == "major" else MINOR_PROGRESSION
    ref = a4 * 2 ** (cents / 1200)
    out = np.zeros(int(seconds * SR) + SR)
    for i in range(int(seconds)):
        chord = prog[i % 4]
        _add(out, float(i), tone(36 + tonic + chord[0], 1.0, a4=ref, decay=1.5), 0.35)
        for iv in chord:
            _add(out, float(i), tone(60 + tonic + iv, 1.0, a4=ref, decay=1.5), 0.2)
        _add(out, float(i), tone(72 + tonic + chord[i % 3], 1.0, a4=ref, decay=1.5), 0.15)
    return _finish(out[: int(seconds * SR)])


def legato_voices(beat_s: float = 1.0, beats: int = 24, seed: int = 1) -> np.ndarray:
    """Four sustained organ-like voices (six partials, steady level, no attacks); at each beat each
    voice steps to a neighbouring note with a 40 ms glide or holds (45% move): a chorale played
    legato, whose beat shows only in its pitch changes."""
    rng = np.random.default_rng(seed)
    n = int(beats * beat_s * SR)
    out = np.zeros(n)
    glide = int(0.04 * SR)
    for base in (48, 55, 60, 64):
        notes = [float(base)]
        for _ in range(1, beats):
            notes.append(notes[-1] + (float(rng.choice([-2, -1, 1, 2])) if rng.random() < 0.45 else 0.0))
        midi = np.repeat(np.array(notes), int(beat_s * SR))[:n]
        midi = np.convolve(np.pad(midi, (glide, glide), mode="edge"), np.ones(glide) / glide, mode="same")
        midi = midi[glide : glide + n]
        phase = 2 * np.pi * np.cumsum(_hz(0.0) * 2 ** (midi / 12)) / SR
        out += 0.1 * sum(np.sin(k * phase) / k for k in range(1, 7))
    return _finish(out)


def four_on_the_floor(
    bpm: float, tonic: int = 9, clap: bool = True, seconds: float = 30.0, seed: int = 0
) -> np.ndarray:
    """House and techno's pattern: a kick on every beat, an open hi-hat on every offbeat, a clap on
    2 and 4 (or none), an offbeat bass note and a chord stab per bar."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * SR) + SR)
    beat = 60.0 / bpm
    for b in range(int(seconds / beat) + 1):
        t = b * beat
        chord = MINOR_PROGRESSION[(b // 4) % 4]
        _add(out, t, kick(rng), 1.0)
        if clap and b % 2 == 1:
            _add(out, t, snare(rng), 0.6)
        _add(out, t + beat / 2, hihat(rng), 0.4)
        _add(out, t + beat / 2, tone(36 + tonic + chord[0], beat / 2 * 0.8, decay=4.0, partials=3), 0.3)
        if b % 4 == 0:
            for iv in chord:
                _add(out, t, tone(60 + tonic + iv, beat, decay=3.0), 0.12)
    return _finish(out[: int(seconds * SR)])


def drum_kit(bpm: float, tom_hz: float = 110.0, seconds: float = 20.0, seed: int = 0) -> np.ndarray:
    """Drums alone: kick and snare taking turns on the beats, a hi-hat on each, and a tuned tom
    (a decaying sine at ``tom_hz``) on the offbeat of every eighth beat: pitched, but no key."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * SR))
    beat = 60.0 / bpm
    t = np.arange(int(0.3 * SR)) / SR
    tom = np.sin(2 * np.pi * tom_hz * t) * np.exp(-t * 8)
    for b in range(int(seconds / beat)):
        _add(out, b * beat, kick(rng) if b % 2 == 0 else snare(rng), 1.0)
        _add(out, b * beat, hihat(rng), 0.3)
        if b % 8 == 7:
            _add(out, (b + 0.5) * beat, tom, 0.8)
    return _finish(out)


def vibrato_tune(
    tonic: int, cents: float, depth_cents: float = 30.0, seed: int = 0, seconds: float = 12.0
) -> np.ndarray:
    """A tune in eighths with vibrato (5.5 Hz, +-``depth_cents``) over soft block chords I IV V I
    in major, all ``cents`` away from A4 = 440 Hz. A vibrato's pitch dwells at its extremes, so
    the pitch deviations pile up ``depth_cents`` either side of the tuning, across the +-50 wrap."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * SR) + SR)
    t = np.arange(int(0.5 * SR)) / SR
    scale = [0, 2, 4, 5, 7, 9, 11, 12]
    for i in range(int(seconds)):
        for iv in MAJOR_PROGRESSION[i % 4]:
            _add(out, float(i), tone(48 + tonic + iv + cents / 100, 1.0, decay=1.5, partials=4), 0.08)
        for half in (0.0, 0.5):
            note = 72 + tonic + scale[rng.integers(0, 8)]
            deviation = cents + depth_cents * np.sin(2 * np.pi * 5.5 * t + rng.uniform(0, 2 * np.pi))
            phase = 2 * np.pi * np.cumsum(_hz(note) * 2 ** (deviation / 1200)) / SR
            _add(out, i + half, sum(np.sin(k * phase) / k for k in range(1, 5)) * np.minimum(1.0, t / 0.03), 0.3)
    return _finish(out[: int(seconds * SR)])


def held_notes(midis: list[int], seconds: float = 20.0, partials: int = 6) -> np.ndarray:
    """One note, interval or chord (MIDI numbers) held throughout, re-struck every 2 s; partials=1: sine tones."""
    out = np.zeros(int(seconds * SR))
    for start in np.arange(0.0, seconds, 2.0):
        for m in midis:
            _add(out, float(start), tone(m, 2.0, partials=partials), 1.0)
    return _finish(out)


def ringing_snare(rng: np.random.Generator, hz: float) -> np.ndarray:
    """A snare whose shell rings at ``hz`` (with its second and third partials) under the noise
    burst: a tuned ring, which no pitch evidence can tell from a note."""
    t = np.arange(int(0.5 * SR)) / SR
    ring = sum(np.sin(2 * np.pi * hz * k * t) / k for k in (1, 2, 3)) * np.exp(-t * 5)
    return 0.5 * rng.standard_normal(len(t)) * np.exp(-t * 25) + ring


def resonant_noise(rng: np.random.Generator, hz: float, samples: int) -> np.ndarray:
    """``samples`` of white noise through a second-order resonator at ``hz``, an eighth of ``hz``
    wide (scipy's iirpeak, Q = 8): a band of sound around one pitch that no note sits on."""
    from scipy.signal import iirpeak, lfilter

    b, a = iirpeak(hz, 8.0, fs=SR)
    return np.asarray(lfilter(b, a, rng.standard_normal(samples)))


def resonant_snare(rng: np.random.Generator, hz: float) -> np.ndarray:
    """A snare whose body resonates in a band around ``hz`` (resonant_noise), louder than the
    burst and decaying 15 dB in its first 100 ms. Shaped on TimGM6mb's snare (note 38 rendered
    by FluidSynth): its ring fills 110-175 Hz, two semitones around 135-145 Hz (C3-C#3, off the
    semitone grid), 8 dB above the noise over 1 kHz and 15 dB down 100 ms after the hit."""
    t = np.arange(int(0.6 * SR)) / SR
    ring = resonant_noise(rng, hz, len(t))
    ring *= 0.35 / (np.sqrt(np.mean(ring[: int(0.05 * SR)] ** 2)) + 1e-12)
    return np.asarray(0.5 * rng.standard_normal(len(t)) * np.exp(-t * 25) + ring * np.exp(-t * 17))


def ringing_snare_march(
    bpm: float,
    tonic: int,
    snare_midi: float = 61,
    snare_gain: float = 0.4,
    seconds: float = 30.0,
    seed: int = 0,
    resonant: bool = False,
) -> np.ndarray:
    """A 2/4 march in ``tonic`` major: a tune in eighths over a bass on every beat (I IV V I, two
    beats each), a kick on every other beat and a snare ringing at MIDI ``snare_midi`` on every
    beat and offbeat (the offbeat at 0.6 of ``snare_gain``): a tuned ring (ringing_snare), or a
    band around that pitch (resonant_snare) when ``resonant``."""
    shell = resonant_snare if resonant else ringing_snare
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * SR) + SR)
    beat = 60.0 / bpm
    scale = [0, 2, 4, 5, 7, 9, 11]
    hz = _hz(snare_midi)
    for b in range(int(seconds / beat) + 1):
        t = b * beat
        chord = MAJOR_PROGRESSION[(b // 2) % 4]
        if b % 2 == 0:
            _add(out, t, kick(rng), 0.5)
        _add(out, t, shell(rng, hz), snare_gain)
        _add(out, t + beat / 2, shell(rng, hz), 0.6 * snare_gain)
        _add(out, t, tone(48 + tonic + chord[0], beat * 0.9, decay=2.0, partials=4), 0.2)
        _add(out, t, tone(72 + tonic + chord[int(rng.integers(0, 3))], beat / 2 * 0.95, decay=2.5), 0.2)
        _add(out, t + beat / 2, tone(72 + tonic + scale[int(rng.integers(0, 7))], beat / 2 * 0.95, decay=2.5), 0.2)
    return _finish(out[: int(seconds * SR)])
