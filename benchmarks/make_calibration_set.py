"""Build a labelled calibration set for the eight descriptors, every label known by construction.

Each piece (a Bach chorale or a harmonised O'Neill tune from music21's corpus, the same
sources as make_eval_set.py) is arranged and rendered with FluidSynth in several versions:

* ``inst_acoustic``   instrumental, studio, acoustic General MIDI instruments and kit
* ``inst_synth``      the same arrangement on synth patches (square/saw leads, pads, synth
                      bass) with an electronic drum kit (GM drum bank presets 24/25)
* ``sung``            the melody sung by espeak-ng over the acoustic backing (one word per
                      note: synthesised monotone at the nearest espeak pitch, pitch-corrected
                      to the note and time-stretched to its length)
* ``spoken``          espeak-ng reading sentences over the backing, a little under it in level
* ``live_inst``, ``live_sung``, ``live_synth``  the same music in a hall with an audience
* ``calm`` / ``intense``   one piece arranged softly (slower, quiet, legato, no drums) and
                      loudly (faster, doubled, drums with eighth-note hats, crashes): an energy pair
* ``groove`` / ``rubato``  steady drums and bass at a dance tempo, against slow rubato without
                      drums: a danceability pair
* ``bright`` / ``dark``    major, fast, high and bright instruments against the same tune in the
                      parallel minor, slow, low and dark: a valence pair

"Live" is made procedurally (nothing recorded is used):

* the room is a stochastic impulse response after Polack (1988): Gaussian noise under an
  exponential decay, in three bands with their own RT60 (1.2..2.6 s in the middle, 0.6x of
  that above 4 kHz), plus a few early reflections in the first 60 ms; left and right use
  independent noise, so the tail is diffuse. Direct-to-reverberant ratio -6..0 dB (a far mic);
* applause after Peltola et al. (2007, IEEE TASLP 15(3), "Synthesis of hand clapping
  sounds"): 30..150 clappers at 3..5 Hz with timing jitter, each clap a 1 ms noise burst
  through a two-pole resonance (0.6..2.2 kHz) decaying in a few ms; it swells at the start
  and/or the end of the excerpt;
* crowd murmur: pink noise in the speech band (200..4000 Hz) with shallow 2..6 Hz modulation
  (many talkers average out), 24..34 dB under the music; a few whistles and shouts.

Studio versions keep FluidSynth's own small reverb and half of them get a short extra room
(RT60 0.3..0.6 s, DRR +6..+12 dB), so reverberation alone does not mean "live".

Pieces are split by index into a tuning part and a held-back part; the two parts also use
different espeak voices, lyrics and random seeds.

    python benchmarks/make_calibration_set.py OUT_DIR [--pieces 24] [--seed 0] [--seconds 20]

Writes OUT_DIR/*.wav and OUT_DIR/labels.json (one row per file) and prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from calibration_pieces import Piece, bach_pieces, folk_pieces
from make_eval_set import soundfont

SR = 22050
PEAK = 0.89  # -1 dBFS: every render is peak-normalised the same way, as a mastering engineer would

# General MIDI programs (0-based).
ACOUSTIC = {
    "melody": [73, 40, 71, 68, 56, 0, 24, 41, 65, 11, 22],  # flute, violin, clarinet, oboe, trumpet, piano, ...
    "harmony": [0, 24, 25, 48, 46, 19, 21, 49],  # piano, guitars, strings, harp, organ, accordion
    "bass": [32, 43, 42, 58],  # acoustic bass, contrabass, cello, tuba
    "kits": [0, 8, 32, 40],  # standard, room, jazz, brush
}
SYNTH = {
    "melody": [80, 81, 84, 87, 82, 62, 85],  # square, saw, charang, bass+lead, calliope, synth brass, voice lead
    "harmony": [88, 89, 90, 94, 50, 51, 91, 95],  # pads, polysynth, synth strings
    "bass": [38, 39, 87],  # synth bass 1/2, bass+lead
    "kits": [24, 25],  # electronic, TR-808
}
BRIGHT = {"melody": [73, 72, 9, 13, 56, 10], "harmony": [0, 46, 8, 25], "bass": [32, 33]}
DARK = {"melody": [42, 70, 60, 57, 71], "harmony": [48, 19, 42, 49], "bass": [43, 58, 42]}
CALM = {"melody": [73, 40, 0, 68, 71], "harmony": [48, 49, 0, 88, 89, 19], "bass": [43, 32, 42]}
INTENSE = {"melody": [30, 29, 61, 56, 81], "harmony": [30, 29, 61, 62, 18], "bass": [33, 34, 38]}

VOICES = {
    "tune": ["en-us+m3", "en+f3", "en-gb+m1", "en+f2"],
    "held": ["en+m5", "en-us+f4", "en-gb-x-rp+m7", "en+f5"],
}
LYRICS = {
    "tune": (
        "morning light is falling on the river where we wait and the long road home is calling "
        "every heart that stays awake hold the lantern high my friend till the winter turns to green "
        "all the songs we sang together drift like silver on the stream"
    ),
    "held": (
        "over hills the swallows gather in the gold of evening air tell me why the stars are turning "
        "when the night is cold and bare I will walk beside the water I will wait beneath the tree "
        "till the morning bells are ringing and the sea comes back to me"
    ),
}
SPEECH = {
    "tune": [
        "Good evening and welcome back to the programme.",
        "Tonight we are talking about the history of the harbour and the people who built it.",
        "My first guest has spent twenty years studying the old shipping records.",
        "Before we begin, a quick reminder about the weather for the weekend.",
        "It will be dry in the north, with rain moving in from the west on Sunday.",
        "Now, tell me, what surprised you most when you opened those boxes?",
    ],
    "held": [
        "This is the afternoon report from the city desk.",
        "The council met this morning to discuss the new bridge across the valley.",
        "Several residents spoke about the noise and the traffic during construction.",
        "A decision is expected before the end of the month, officials said.",
        "In sport, the local team won their third match in a row on Saturday.",
        "Stay with us for the news at the top of the hour.",
    ],
}


@dataclass
class Arrangement:
    """How to play a piece: instruments, tempo, loudness, texture and groove."""

    melody: int
    harmony: int
    bass: int
    kit: int | None
    tempo: float
    velocity: tuple[int, int]
    texture: str = "normal"  # normal | calm | intense | groove
    rubato: float = 0.0  # relative tempo swing of a slow sinusoidal rubato
    transpose: int = 0
    mode: str | None = None  # "minor" or "major": play the piece in that parallel mode (valence pair)
    octave: int = 0  # register shift of melody and harmony, in octaves
    play_melody: bool = True


def _time_map(arr: Arrangement, rng: random.Random):
    """Quarter-length position -> seconds, with optional slow rubato."""
    spb = 60.0 / arr.tempo
    if arr.rubato <= 0:
        return lambda ql: ql * spb
    grid = np.arange(0, 400, 0.05)
    period, phase = rng.uniform(5, 9), rng.uniform(0, 2 * np.pi)
    local = spb / (1 + arr.rubato * np.sin(2 * np.pi * grid * spb / period + phase))
    seconds = np.concatenate([[0.0], np.cumsum(local[:-1] * 0.05)])
    return lambda ql: float(np.interp(ql, grid, seconds))


def _to_mode(pitch: int, tonic: int, mode: str) -> int:
    """The pitch in the parallel mode: major -> harmonic minor lowers degrees 3 and 6; minor ->
    major raises them (and the seventh, where the tune uses the natural one)."""
    degree = (pitch - tonic) % 12
    if mode == "minor":
        return pitch - 1 if degree in (4, 9) else pitch
    return pitch + 1 if degree in (3, 8, 10) else pitch


def arrange_midi(piece: Piece, arr: Arrangement, seconds: float, rng: random.Random):
    """A PrettyMIDI of the piece under ``arr``, repeated to fill ``seconds``, and the melody's
    notes as (start s, end s, MIDI pitch) for a singer."""
    import pretty_midi

    when = _time_map(arr, rng)
    pm = pretty_midi.PrettyMIDI(initial_tempo=arr.tempo)
    voices = sorted({v for *_, v in piece.notes})
    top, low = voices[0], voices[-1]
    inst = {
        "melody": pretty_midi.Instrument(program=arr.melody),
        "harmony": pretty_midi.Instrument(program=arr.harmony),
        "bass": pretty_midi.Instrument(program=arr.bass),
    }
    melody: list[tuple[float, float, int]] = []
    end_time = seconds + 1.0
    lo, hi = arr.velocity
    legato = 1.0 if arr.texture == "calm" else (0.6 if arr.texture in ("intense", "groove") else 0.92)
    reps = 1
    while when(reps * piece.length_ql) < end_time and reps < 50:
        reps += 1
    tonic = (piece.tonic + arr.transpose) % 12
    for r in range(reps):
        base = r * piece.length_ql
        for onset, dur, pitch, v in piece.notes:
            t0, t1 = when(base + onset), when(base + onset + dur)
            if t0 >= end_time:
                continue
            role = "melody" if v == top else ("bass" if v == low and len(voices) > 1 else "harmony")
            p = pitch + arr.transpose
            if arr.mode is not None and arr.mode != piece.mode:
                p = _to_mode(p, tonic, arr.mode)
            if role != "bass":
                p += 12 * arr.octave
            p = int(min(max(p, 24), 103))
            vel = rng.randint(lo, hi)
            if role == "melody":
                melody.append((t0, t1, p))
                if not arr.play_melody:
                    continue
            note_end = t0 + max(0.06, (t1 - t0) * legato)
            if role == "bass" and arr.texture in ("intense", "groove"):
                # Bass in eighth notes through the written note (a driving bass line).
                step = (when(base + onset + 0.5) - t0) or 0.1
                t = t0
                while t < t1 - 0.02:
                    inst["bass"].notes.append(pretty_midi.Note(vel, p, t, t + step * 0.8))
                    t += step
                continue
            inst[role].notes.append(pretty_midi.Note(vel, p, t0, note_end))
            if role == "melody" and arr.texture == "intense":
                inst["melody"].notes.append(pretty_midi.Note(vel, min(p + 12, 108), t0, note_end))
    pm.instruments.extend(i for i in inst.values() if i.notes)
    if arr.kit is not None:
        pm.instruments.append(_drums(piece, arr, reps, when, end_time, rng))
    return pm, melody


def _drums(piece: Piece, arr: Arrangement, reps: int, when, end_time: float, rng: random.Random):
    import pretty_midi

    kit = pretty_midi.Instrument(program=arr.kit or 0, is_drum=True)
    lo, hi = arr.velocity
    subdivisions = (0, 0.5) if arr.texture != "intense" else (0, 0.25, 0.5, 0.75)
    for r in range(reps):
        base = r * piece.length_ql
        for bar in piece.bar_starts:
            for beat in range(piece.beats):
                t = when(base + bar + beat)
                if t < 0 or t >= end_time:
                    continue
                if piece.beats == 4:
                    hit = 36 if beat in (0, 2) else 38
                else:
                    hit = 36 if beat == 0 else 38
                kit.notes.append(pretty_midi.Note(min(127, rng.randint(lo, hi) + 10), hit, t, t + 0.1))
                if arr.texture == "intense" and beat == 0 and rng.random() < 0.5:
                    kit.notes.append(pretty_midi.Note(min(127, hi), 49, t, t + 0.5))
                for sub in subdivisions:
                    th = when(base + bar + beat + sub)
                    kit.notes.append(pretty_midi.Note(max(1, rng.randint(lo, hi) - 25), 42, th, th + 0.05))
    return kit


def render_midi(pm, seconds: float, sf2: str, reverb: bool = True) -> np.ndarray:
    """(samples, 2) float32 at SR from FluidSynth."""
    with tempfile.TemporaryDirectory() as tmp:
        mid, raw = Path(tmp) / "x.mid", Path(tmp) / "x.wav"
        pm.write(str(mid))
        cmd = ["fluidsynth", "-ni", "-q", "-g", "0.5", "-r", str(SR), "-T", "wav", "-F", str(raw)]
        if not reverb:
            cmd += ["-R", "0"]
        subprocess.run([*cmd, sf2, str(mid)], check=True, capture_output=True)
        audio, _ = sf.read(raw, dtype="float32", always_2d=True)
    n = int(seconds * SR)
    if audio.shape[0] < n:
        audio = np.pad(audio, ((0, n - audio.shape[0]), (0, 0)))
    return audio[:n]


# --- voice ------------------------------------------------------------------------------------


class Singer:
    """espeak-ng words at a chosen pitch. espeak's -p (0..99) moves a monotone voice's f0 about
    exponentially; the map is measured once per voice, then each word is synthesised at the
    nearest -p and pitch-corrected to the note (so the singer is in tune, as singers are)."""

    def __init__(self, voice: str, tmp: Path) -> None:
        self.voice, self.tmp = voice, tmp
        self.cache: dict[tuple[str, int], np.ndarray] = {}
        self.f0 = {p: self._f0(self._say("la la", p)) for p in (0, 50, 99)}

    def _say(self, text: str, p: int, speed: int = 95) -> np.ndarray:
        out = self.tmp / "w.wav"
        ssml = f'<speak><prosody range="0%">{text}</prosody></speak>'
        subprocess.run(["espeak-ng", "-m", "-v", self.voice, "-s", str(speed), "-p", str(p), "-w", str(out), ssml],
                       check=True, capture_output=True)  # fmt: skip
        y, rate = sf.read(out, dtype="float32")
        assert rate == SR, rate
        nz = np.flatnonzero(np.abs(y) > 0.01 * (np.abs(y).max() + 1e-9))
        return y[nz[0] : nz[-1] + 1] if nz.size else y

    @staticmethod
    def _f0(y: np.ndarray) -> float:
        import librosa

        f0 = librosa.yin(y, fmin=50, fmax=700, sr=SR, frame_length=2048)
        rms = librosa.feature.rms(y=y, frame_length=2048, hop_length=512)[0][: len(f0)]
        return float(np.median(f0[: len(rms)][rms > 0.3 * rms.max()]))

    def _p_for(self, hz: float) -> tuple[int, float]:
        """The -p whose monotone f0 is nearest, and the f0 it gives (log-linear between the measured points)."""
        ps = np.array([0, 50, 99])
        logs = np.log([self.f0[0], self.f0[50], self.f0[99]])
        p = int(np.clip(np.interp(np.log(hz), logs, ps), 0, 99))
        return p, float(np.exp(np.interp(p, ps, logs)))

    def word(self, word: str, hz: float, seconds: float) -> np.ndarray:
        import librosa

        p, base = self._p_for(hz)
        key = (word, p)
        if key not in self.cache:
            self.cache[key] = self._say(word, p)
        y = self.cache[key]
        steps = 12 * np.log2(hz / base)
        if abs(steps) > 0.05:
            y = librosa.effects.pitch_shift(y, sr=SR, n_steps=float(steps))
        rate = len(y) / max(1, int(seconds * SR))
        y = librosa.effects.time_stretch(y, rate=float(np.clip(rate, 0.35, 2.5)))[: int(seconds * SR)]
        fade = min(len(y) // 4, int(0.02 * SR))
        if fade:
            y[:fade] *= np.linspace(0, 1, fade)
            y[-fade:] *= np.linspace(1, 0, fade)
        return y

    def speak(self, text: str, speed: int) -> np.ndarray:
        out = self.tmp / "s.wav"
        subprocess.run(["espeak-ng", "-v", self.voice, "-s", str(speed), "-w", str(out), text], check=True,
                       capture_output=True)  # fmt: skip
        y, _ = sf.read(out, dtype="float32")
        return y


def sing(singer: Singer, melody: list[tuple[float, float, int]], words: list[str], seconds: float,
         rng: random.Random) -> np.ndarray:  # fmt: skip
    """The melody sung, one word per note; notes under 0.15 s join the previous word."""
    out = np.zeros(int(seconds * SR) + SR, dtype=np.float32)
    k = rng.randrange(len(words))
    # Move the tune into the singer's range (about A2..A4 for men, an octave up for women).
    pitches = [p for _, _, p in melody]
    centre = 62 if "+f" in singer.voice else 52
    shift = 12 * round((centre - float(np.median(pitches))) / 12) if pitches else 0
    for t0, t1, p in melody:
        if t0 >= seconds or t1 - t0 < 0.15:
            continue
        hz = 440.0 * 2 ** ((p + shift - 69) / 12)
        y = singer.word(words[k % len(words)], hz, min(t1 - t0, 1.6) * 0.95)
        k += 1
        i = int(t0 * SR)
        out[i : i + len(y)] += y[: len(out) - i]
    return out[: int(seconds * SR)]


def speak(singer: Singer, sentences: list[str], seconds: float, rng: random.Random) -> np.ndarray:
    out = np.zeros(int(seconds * SR), dtype=np.float32)
    t = rng.uniform(0.2, 1.0)
    order = sentences[:]
    rng.shuffle(order)
    for sentence in order * 3:
        if t >= seconds:
            break
        y = singer.speak(sentence, rng.randint(150, 185))
        i = int(t * SR)
        out[i : i + len(y)] += y[: len(out) - i]
        t += len(y) / SR + rng.uniform(0.25, 0.7)
    return out


# --- rooms and audiences ------------------------------------------------------------------------


def _band(x: np.ndarray, lo: float | None, hi: float | None, order: int = 4) -> np.ndarray:
    from scipy.signal import butter, sosfilt

    if lo and hi:
        sos = butter(order, [lo, hi], btype="band", fs=SR, output="sos")
    elif lo:
        sos = butter(order, lo, btype="high", fs=SR, output="sos")
    else:
        sos = butter(order, hi, btype="low", fs=SR, output="sos")
    return sosfilt(sos, x, axis=0)


def impulse_response(rt60: float, rng: np.random.Generator, early: bool = True) -> np.ndarray:
    """(n, 2) stochastic room response (Polack 1988) with frequency-dependent decay, unit energy."""
    n = int(min(4.0, 1.3 * rt60) * SR)
    t = np.arange(n) / SR
    ir = np.zeros((n, 2))
    for lo, hi, scale in ((None, 500.0, 1.1), (500.0, 4000.0, 1.0), (4000.0, None, 0.6)):
        noise = _band(rng.standard_normal((n, 2)), lo, hi)
        ir += noise * np.exp(-6.91 * t / (rt60 * scale))[:, None]
    onset = int(rng.uniform(0.008, 0.025) * SR)
    ir[:onset] = 0
    ir[onset:] *= np.minimum(1.0, np.arange(n - onset) / (0.01 * SR))[:, None]  # diffuse build-up
    if early:
        for _ in range(rng.integers(5, 10)):
            i = int(rng.uniform(0.004, 0.06) * SR)
            ir[i, rng.integers(0, 2)] += rng.uniform(0.3, 0.8) * np.sqrt(np.sum(ir**2) / n) * 40
    return ir / np.sqrt(np.sum(ir**2) + 1e-12)


def reverberate(x: np.ndarray, ir: np.ndarray, drr_db: float) -> np.ndarray:
    """Dry plus the wet part at a direct-to-reverberant ratio of ``drr_db``."""
    from scipy.signal import fftconvolve

    mono = x.mean(axis=1) if x.ndim == 2 else x
    wet = np.stack([fftconvolve(mono, ir[:, c])[: len(mono)] for c in range(2)], axis=1)
    dry = x if x.ndim == 2 else np.stack([x, x], axis=1)
    gain = np.sqrt(np.mean(dry**2) / (np.mean(wet**2) + 1e-12)) * 10 ** (-drr_db / 20)
    return dry + gain * wet


def applause(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """(n,) applause after Peltola et al. (2007): many clappers, each a train of resonant noise bursts."""
    from scipy.signal import lfilter

    n = int(seconds * SR)
    out = np.zeros(n)
    for _ in range(6):  # six hand configurations, each its own resonance
        centre, q = rng.uniform(600, 2200), rng.uniform(2, 6)
        r = np.exp(-np.pi * centre / q / SR)
        a = [1, -2 * r * np.cos(2 * np.pi * centre / SR), r * r]
        train = np.zeros(n)
        for _ in range(int(rng.integers(5, 26))):
            rate = rng.uniform(3, 5)
            t = rng.uniform(0, 1 / rate)
            while t < seconds:
                train[int(t * SR)] += rng.lognormal(0, 0.4) * rng.choice((-1, 1))
                t += rng.normal(1 / rate, 0.1 / rate)
        burst = rng.standard_normal(int(0.001 * SR) + 1)
        out += lfilter([1 - r], a, np.convolve(train, burst)[:n])
    return out / (np.sqrt(np.mean(out**2)) + 1e-12)


def murmur(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """(n,) crowd murmur: speech-band pink noise with the shallow modulation of many talkers."""
    n = int(seconds * SR)
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / SR)
    pink = np.fft.irfft(spec / np.sqrt(np.maximum(f, 20.0)), n)
    x = _band(pink, 200.0, 4000.0, order=2)
    t = np.arange(n) / SR
    mod = sum(np.sin(2 * np.pi * rng.uniform(2, 6) * t + rng.uniform(0, 6.3)) for _ in range(24)) / np.sqrt(24)
    x = x * (1 + 0.25 * mod)
    return x / (np.sqrt(np.mean(x**2)) + 1e-12)


def shouts(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """(n,) a few whistles and 'woo' calls from the audience."""
    n = int(seconds * SR)
    out = np.zeros(n)
    for _ in range(int(rng.integers(1, 4))):
        dur = rng.uniform(0.3, 0.9)
        m = int(dur * SR)
        i = int(rng.uniform(0, max(0.1, seconds - dur)) * SR)
        t = np.arange(m) / SR
        env = np.sin(np.pi * t / dur) ** 2
        if rng.random() < 0.5:  # whistle
            f = rng.uniform(1800, 3200) * (1 + 0.15 * t / dur)
            s = np.sin(2 * np.pi * np.cumsum(f) / SR)
        else:  # "woo": a rising harmonic voice-like call through a vowel-ish band
            f0 = rng.uniform(250, 420) * (1 + 0.4 * t / dur)
            ph = 2 * np.pi * np.cumsum(f0) / SR
            s = _band(sum(np.sin(k * ph) / k for k in range(1, 12)), 300.0, 2500.0, order=2)
        out[i : i + m] += env * s / (np.abs(s).max() + 1e-9)
    return out


def audience(seconds: float, rng: np.random.Generator) -> np.ndarray:
    """(n, 2) audience sound in the hall: applause swelling at the start and/or end, murmur, calls."""
    n = int(seconds * SR)
    t = np.arange(n) / SR
    env = np.zeros(n)
    start, end = rng.random() < 0.7, rng.random() < 0.6
    if not (start or end):
        start = True
    if start:
        length = rng.uniform(2.0, 5.0)
        env += np.clip(1 - t / length, 0, 1) ** 1.5
    if end:
        length = rng.uniform(2.0, 4.0)
        env += np.clip((t - (seconds - length)) / length, 0, 1) ** 1.5
    env += rng.uniform(0.03, 0.1)  # scattered clapping and shuffling throughout
    clap = applause(seconds, rng) * env
    crowd = 10 ** (rng.uniform(-14, -6) / 20) * murmur(seconds, rng) + 0.5 * shouts(seconds, rng)
    mono = clap + crowd
    return np.stack([mono, np.roll(mono, int(0.0007 * SR))], axis=1)


# --- the set -------------------------------------------------------------------------------------


def _normalise(x: np.ndarray) -> np.ndarray:
    return (x / (np.abs(x).max() + 1e-9) * PEAK).astype(np.float32)


def _mix(music: np.ndarray, voice: np.ndarray, voice_db: float) -> np.ndarray:
    gain = np.sqrt(np.mean(music**2) / (np.mean(voice**2) + 1e-12)) * 10 ** (voice_db / 20)
    return music + gain * voice[:, None]


def _pick(rng: random.Random, table: dict[str, list[int]]) -> dict[str, int]:
    return {k: rng.choice(v) for k, v in table.items() if k != "kits"}


def make_piece(piece: Piece, split: str, index: int, seconds: float, sf2: str, out: Path, tmp: Path,
               seed: int) -> list[dict]:  # fmt: skip
    rng = random.Random(seed * 1000 + index)
    nrng = np.random.default_rng(seed * 1000 + index)
    rows: list[dict] = []
    tempo = round(rng.uniform(84, 132), 1)
    transpose = rng.randint(-4, 5)
    drums = rng.random() < 0.6
    acoustic = _pick(rng, ACOUSTIC)
    synth = _pick(rng, SYNTH)
    a_kit = rng.choice(ACOUSTIC["kits"]) if drums else None
    s_kit = rng.choice(SYNTH["kits"])
    stem = f"{split}_{index:02d}"

    def write(name: str, audio: np.ndarray, **labels: object) -> None:
        path = out / f"{stem}_{name}.wav"
        sf.write(path, _normalise(audio), SR, subtype="PCM_16")
        rows.append({"file": path.name, "split": split, "piece": f"{stem}:{piece.name}", "version": name,
                     "tempo_bpm": labels.pop("tempo", tempo), **labels})  # fmt: skip

    def studio(x: np.ndarray) -> np.ndarray:
        if rng.random() < 0.5:
            return reverberate(x, impulse_response(rng.uniform(0.3, 0.6), nrng), rng.uniform(6, 12))
        return x

    def live(x: np.ndarray) -> np.ndarray:
        room = impulse_response(rng.uniform(1.2, 2.6), nrng)
        hall = reverberate(x, room, rng.uniform(-3, 6))
        crowd = reverberate(audience(seconds, nrng), room, rng.uniform(-3, 3))
        level = np.sqrt(np.mean(hall**2)) * 10 ** (rng.uniform(-20, -8) / 20)
        return hall + crowd / (np.sqrt(np.mean(crowd**2)) + 1e-12) * level

    base = Arrangement(**acoustic, kit=a_kit, tempo=tempo, velocity=(60, 100), transpose=transpose)
    midi, melody = arrange_midi(piece, base, seconds, rng)
    inst = render_midi(midi, seconds, sf2)
    backing_arr = Arrangement(**{**base.__dict__, "play_melody": False})
    backing = render_midi(arrange_midi(piece, backing_arr, seconds, random.Random(rng.random()))[0], seconds, sf2)
    syn_arr = Arrangement(**synth, kit=s_kit, tempo=tempo, velocity=(60, 100), transpose=transpose)
    syn = render_midi(arrange_midi(piece, syn_arr, seconds, rng)[0], seconds, sf2)

    singer = Singer(rng.choice(VOICES[split]), tmp)
    words = LYRICS[split].split()
    sung = _mix(backing, sing(singer, melody, words, seconds, rng), rng.uniform(-1, 4))
    spoken = _mix(backing, speak(singer, SPEECH[split], seconds, rng), rng.uniform(3, 9))

    common = {"instrumental": 1, "speech": 0, "live": 0}
    write("inst_acoustic", studio(inst), **common, acoustic=1)
    write("inst_synth", studio(syn), **common, acoustic=0)
    write("sung", studio(sung), **{**common, "instrumental": 0}, acoustic=1)
    write("spoken", studio(spoken), **{**common, "instrumental": 0, "speech": 1}, acoustic=1)
    write("live_inst", live(inst), **{**common, "live": 1}, acoustic=1)
    write("live_sung", live(sung), **{**common, "instrumental": 0, "live": 1}, acoustic=1)
    write("live_synth", live(syn), **{**common, "live": 1}, acoustic=0)

    # Energy pair: the same piece soft and slow against loud, fast and dense.
    calm = Arrangement(**_pick(rng, CALM), kit=None, tempo=round(tempo * rng.uniform(0.7, 0.85), 1),
                       velocity=(30, 55), texture="calm", transpose=transpose)  # fmt: skip
    hard = Arrangement(**_pick(rng, INTENSE), kit=rng.choice([0, 16, 24]), tempo=round(tempo * rng.uniform(1.15, 1.35), 1),
                       velocity=(100, 127), texture="intense", transpose=transpose)  # fmt: skip
    write("calm", studio(render_midi(arrange_midi(piece, calm, seconds, rng)[0], seconds, sf2)), **common,
          acoustic=None, energy_pair=f"{stem}:energy", energy_rank=0, tempo=calm.tempo)  # fmt: skip
    write("intense", studio(render_midi(arrange_midi(piece, hard, seconds, rng)[0], seconds, sf2)), **common,
          acoustic=None, energy_pair=f"{stem}:energy", energy_rank=1, tempo=hard.tempo)  # fmt: skip

    # Danceability pair: steady drums and bass at a dance tempo against slow rubato without drums.
    groove = Arrangement(**acoustic, kit=rng.choice([0, 8, 24, 25]), tempo=round(rng.uniform(100, 128), 1),
                         velocity=(75, 105), texture="groove", transpose=transpose)  # fmt: skip
    free = Arrangement(**_pick(rng, CALM), kit=None, tempo=round(rng.uniform(60, 80), 1), velocity=(45, 80),
                       texture="calm", rubato=rng.uniform(0.12, 0.2), transpose=transpose)  # fmt: skip
    write("groove", studio(render_midi(arrange_midi(piece, groove, seconds, rng)[0], seconds, sf2)), **common,
          acoustic=None, dance_pair=f"{stem}:dance", dance_rank=1, tempo=groove.tempo)  # fmt: skip
    write("rubato", studio(render_midi(arrange_midi(piece, free, seconds, rng)[0], seconds, sf2)), **common,
          acoustic=None, dance_pair=f"{stem}:dance", dance_rank=0, tempo=free.tempo)  # fmt: skip

    # Valence pair: major, fast, high and bright against parallel minor, slow, low and dark.
    bright = Arrangement(**_pick(rng, BRIGHT), kit=a_kit, tempo=round(rng.uniform(130, 160), 1), velocity=(70, 100),
                         transpose=transpose, mode="major", octave=1 if rng.random() < 0.5 else 0)  # fmt: skip
    dark = Arrangement(**_pick(rng, DARK), kit=None, tempo=round(rng.uniform(56, 72), 1), velocity=(45, 75),
                       texture="calm", transpose=transpose, mode="minor", octave=-1)  # fmt: skip
    write("bright", studio(render_midi(arrange_midi(piece, bright, seconds, rng)[0], seconds, sf2)), **common,
          acoustic=None, valence_pair=f"{stem}:valence", valence_rank=1, tempo=bright.tempo)  # fmt: skip
    write("dark", studio(render_midi(arrange_midi(piece, dark, seconds, rng)[0], seconds, sf2)), **common,
          acoustic=None, valence_pair=f"{stem}:valence", valence_rank=0, tempo=dark.tempo)  # fmt: skip
    return rows


# Instrumental studio renders in styles a listener would not call danceable or energetic.
# (style, melody, harmony, bass, kit, tempo range, velocities, texture, transpose to)
SANITY = [
    ("chorale, organ", 19, 19, 19, None, (60, 76), (60, 90), "normal", None),
    ("chorale, strings", 48, 48, 48, None, (56, 72), (55, 85), "calm", None),
    ("grave, strings in F major", 48, 49, 42, None, (40, 50), (50, 80), "calm", ("F", "major")),
    ("adagio, piano", 0, 0, 0, None, (50, 66), (40, 70), "calm", None),
    ("slow movement, string quartet", 40, 41, 42, None, (52, 70), (45, 75), "calm", None),
    ("quartet, allegro", 40, 41, 42, None, (110, 132), (70, 100), "normal", None),
    ("ragtime-like, piano", 0, 0, 0, None, (90, 110), (70, 105), "groove", None),
    ("march, brass band", 56, 61, 58, 48, (108, 120), (85, 115), "normal", None),
    ("waltz, piano and strings", 0, 48, 32, None, (140, 170), (60, 95), "normal", None),
    ("band, drums, slow", 25, 0, 33, 0, (60, 90), (70, 100), "groove", None),
    ("band, drums, fast", 30, 27, 34, 16, (150, 180), (90, 120), "intense", None),
]
NOTE_INDEX = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def make_sanity(pieces: list[Piece], count: int, seconds: float, sf2: str, out: Path, seed: int) -> list[dict]:
    """``count`` instrumental studio renders cycling through SANITY's styles (held back: never tuned on)."""
    rng = random.Random(seed * 7919 + 5)
    rows = []
    for i in range(count):
        style, mel, har, bass, kit, (t_lo, t_hi), vel, texture, target = SANITY[i % len(SANITY)]
        piece = pieces[i % len(pieces)]
        if target is not None:
            transpose = (NOTE_INDEX[target[0]] - piece.tonic + 6) % 12 - 6
            mode = target[1]
        else:
            transpose, mode = rng.randint(-4, 5), None
        arr = Arrangement(melody=mel, harmony=har, bass=bass, kit=kit, tempo=round(rng.uniform(t_lo, t_hi), 1),
                          velocity=vel, texture=texture, transpose=transpose, mode=mode)  # fmt: skip
        audio = render_midi(arrange_midi(piece, arr, seconds, rng)[0], seconds, sf2)
        path = out / f"held_sanity_{i:02d}.wav"
        sf.write(path, _normalise(audio), SR, subtype="PCM_16")
        rows.append({"file": path.name, "split": "held", "piece": f"sanity:{piece.name}", "version": "sanity",
                     "style": style, "tempo_bpm": arr.tempo, "instrumental": 1, "speech": 0, "live": 0,
                     "acoustic": None if kit in (16, 24, 25) or mel in (25, 27, 30) else 1})  # fmt: skip
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--pieces", type=int, default=16, help="pieces in all; the second half is held back")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=15.0)
    ap.add_argument(
        "--sanity", type=int, default=20, help="extra instrumental studio renders in varied styles (held back)"
    )
    args = ap.parse_args(argv)
    for tool in ("fluidsynth", "espeak-ng"):
        if shutil.which(tool) is None:
            print(f"{tool} is not installed: apt-get install fluidsynth fluid-soundfont-gm espeak-ng", file=sys.stderr)
            return 2
    sf2 = soundfont()
    rng = random.Random(args.seed + 101)
    n_bach = args.pieces // 2
    pieces = bach_pieces(n_bach, rng) + [p for p in folk_pieces(args.pieces * 2, rng) if p.harmonised]
    pieces = pieces[:n_bach] + pieces[n_bach : n_bach + args.pieces - n_bach]
    rng.shuffle(pieces)
    half = len(pieces) // 2
    args.out.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, piece in enumerate(pieces):
            split = "tune" if i < half else "held"
            rows += make_piece(piece, split, i, args.seconds, sf2, args.out, Path(tmp), args.seed)
            (args.out / "labels.partial.json").write_text(json.dumps(rows, indent=1))
            print(f"{i + 1}/{len(pieces)} {piece.name}: {len(rows)} files", file=sys.stderr, flush=True)
        rows += make_sanity(pieces[half:], args.sanity, args.seconds, sf2, args.out, args.seed)
    (args.out / "labels.json").write_text(json.dumps(rows, indent=1))
    (args.out / "labels.partial.json").unlink(missing_ok=True)
    print(json.dumps({"files": len(rows), "pieces": len(pieces), "out": str(args.out)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
