"""Rhythm and pitch cases issue 16 found failing, each with its true value (tests/grooves.py renders them)."""

from __future__ import annotations

import numpy as np
import pytest

from albumgen_desktop.engines.audio_dsp import SR, analyse_samples
from albumgen_desktop.engines.audio_key import estimate_key
from albumgen_desktop.engines.audio_signal import estimate_tuning, prepare
from tests import grooves


@pytest.mark.parametrize(
    ("tonic", "mode", "cents", "a4"),
    [
        (0, "major", 46.0, 440.0),  # C major 46 cents sharp: read as F minor before tuning was estimated
        (0, "major", 0.0, 452.0),  # the same with A4 = 452 Hz
        (9, "minor", 46.0, 440.0),  # A minor 46 cents sharp: read as F major before
        (9, "minor", 0.0, 452.0),
        (9, "minor", -40.0, 440.0),
        (2, "major", -33.0, 440.0),
        (7, "minor", 28.0, 440.0),
        (10, "major", 0.0, 432.0),  # A4 = 432 Hz, 32 cents flat
    ],
)
def test_key_and_mode_exact_off_440(tonic: int, mode: str, cents: float, a4: float) -> None:
    y = grooves.progression(tonic, mode, cents=cents, a4=a4)
    sig = prepare(y)
    expected_cents = cents + 1200 * np.log2(a4 / 440.0)
    assert abs(100 * sig.tuning - expected_cents) <= 5, (sig.tuning, expected_cents)
    key, got_mode, _ = estimate_key(sig)
    assert (key, got_mode) == (tonic, mode)


def test_tuning_of_unpitched_input_is_zero() -> None:
    rng = np.random.default_rng(0)
    assert estimate_tuning(np.zeros(22050 * 3, dtype=np.float32)) == 0.0
    assert -0.5 <= estimate_tuning(rng.standard_normal(22050 * 3).astype(np.float32)) <= 0.5


def test_detuned_render_reads_its_key_through_the_whole_analysis() -> None:
    y = grooves.slow_groove(96, tonic=4)
    ratio = 2 ** (46 / 1200)  # a tape 46 cents fast: pitch and tempo both scale
    import soxr

    sharp = soxr.resample(y, int(round(22050 * ratio)), 22050).astype(np.float32)
    result = analyse_samples(sharp)
    assert (result.key, result.mode) == (4, "major")


def _within(got: float, want: float, tol: float = 0.04) -> bool:
    return abs(got - want) <= tol * want


@pytest.mark.parametrize("bpm", [60.0, 64.0, 68.0, 70.0, 76.0, 82.0, 88.0])
def test_slow_backbeat_groove_reads_at_the_kick_snare_level(bpm: float) -> None:
    # Kick on 1 and 3, snare on 2 and 4, hi-hat and bass on every eighth: read as 2x before.
    result = analyse_samples(grooves.slow_groove(bpm))
    assert _within(result.tempo_bpm, bpm), result.tempo_bpm
    assert result.time_signature == 4


BACKBEAT_MIXES = [
    {"bpm": 64, "tonic": 7}, {"bpm": 70, "tonic": 2}, {"bpm": 58, "tonic": 10}, {"bpm": 72, "tonic": 4, "mode": "minor"},
    {"bpm": 84, "tonic": 9}, {"bpm": 64, "hats": 1.5}, {"bpm": 62, "tonic": 5, "hats": 3.0}, {"bpm": 76, "bass": 2.0},
    {"bpm": 70, "drums": 0.6}, {"bpm": 60, "ride": True}, {"bpm": 66, "per_beat": 4}, {"bpm": 166, "tonic": 3},
]  # fmt: skip


@pytest.mark.parametrize("mix", BACKBEAT_MIXES, ids=lambda m: "-".join(f"{k}{v}" for k, v in m.items()))
def test_backbeat_reads_at_the_kick_snare_level_in_any_key_and_balance(mix: dict) -> None:
    """A tester's mix of the issue's groove (hi-hats as loud as the kick or louder, other keys, a
    ride, sixteenths) read 11 of these 12 at double tempo, most with confidence 0.95."""
    result = analyse_samples(grooves.backbeat_mix(**mix))
    assert _within(result.tempo_bpm, mix["bpm"]), result.tempo_bpm


@pytest.mark.parametrize(("bpm", "rate"), [(100.0, 16000), (72.0, 16000), (64.0, 8000)])
def test_backbeat_in_a_band_limited_file_reads_at_the_kick_snare_level(bpm: float, rate: int, tmp_path) -> None:
    """At 16 kHz (nothing above 8 kHz) the same groove read 200 and 144."""
    import soundfile as sf

    from albumgen_desktop.engines.audio_dsp import analyse_file

    path = tmp_path / "groove.wav"
    sf.write(path, grooves.backbeat_mix(bpm, tonic=2, sr=rate, seconds=12.0), rate, subtype="PCM_24")
    result = analyse_file(path)
    assert _within(result.tempo_bpm, bpm), result.tempo_bpm


@pytest.mark.parametrize(("bpm", "tonic", "mode"), [(50.0, 2, "minor"), (58.0, 9, "major")])
def test_slow_movement_over_steady_eighths_reads_at_the_quarter(bpm: float, tonic: int, mode: str) -> None:
    result = analyse_samples(grooves.slow_movement(bpm, tonic=tonic, mode=mode))
    assert _within(result.tempo_bpm, bpm), result.tempo_bpm
    assert (result.key, result.mode) == (tonic, mode)


@pytest.mark.parametrize("bpm", [66.0, 104.0])
def test_compound_six_eight_reads_at_the_dotted_quarter(bpm: float) -> None:
    result = analyse_samples(grooves.compound_jig(bpm))
    assert _within(result.tempo_bpm, bpm), result.tempo_bpm  # not 3/2 (quarters) nor 3x (eighths)
    assert result.time_signature == 6


@pytest.mark.parametrize("bpm", [48.0, 58.0, 68.0])
def test_rocking_siciliano_reads_at_the_dotted_quarter_or_its_eighths_never_in_two(bpm: float) -> None:
    """Bass-chord-chord eighths under long-short figures: a plain fast waltz at 3x note for note
    (see the next tests), so the signal cannot say which level the notation counts; the rendered
    sicilianos, where tempo, timbre and melody say more, read at the dotted quarter (25 of 25 in
    300 dev renders the model was not fitted on). A rule that took such patterns for the beat moved 10
    of 120 dev renders 2-4 times faster, all 10 away from the right level, so they are no longer
    overridden; what this holds is Accuracy2 and never two beats for three."""
    tempo = analyse_samples(grooves.siciliano(bpm)).tempo_bpm
    assert _within(tempo, bpm) or _within(tempo, 3 * bpm), tempo


@pytest.mark.parametrize("bpm", [150.0, 168.0, 186.0])
def test_fast_waltz_reads_at_the_quarter_in_three(bpm: float) -> None:
    result = analyse_samples(grooves.fast_waltz(bpm, eighths=True))
    assert _within(result.tempo_bpm, bpm), result.tempo_bpm  # not the bar (1/3) nor 2/3
    assert result.time_signature == 3


@pytest.mark.parametrize("bpm", [168.0, 186.0])
def test_plain_fast_waltz_reads_at_the_quarter_or_the_bar_never_in_two(bpm: float) -> None:
    """Oom-pah-pah under dotted halves and quarters, nothing between the quarters, is a 6/8 at a
    third of the tempo note for note (a siciliano's rocking bass-chord-chord under dotted-quarter
    and three-eighth figures): the signal cannot say which the notation is, and the rendered sets
    label both (their 6/8s at the dotted quarter). Issue 16's fault was reading fast triple metre
    at 3:2; the quarter or the bar (Accuracy2) is right, two beats a bar never."""
    tempo = analyse_samples(grooves.fast_waltz(bpm)).tempo_bpm
    assert _within(tempo, bpm) or _within(tempo, bpm / 3), tempo


@pytest.mark.parametrize("clap", [True, False])
@pytest.mark.parametrize("bpm", [118.0, 124.0, 128.0, 136.0])
def test_four_on_the_floor_reads_at_the_kick(bpm: float, clap: bool) -> None:
    # Dance music (a kind the eval set does not render): a kick on every beat, offbeat hi-hat.
    result = analyse_samples(grooves.four_on_the_floor(bpm, clap=clap))
    assert _within(result.tempo_bpm, bpm), result.tempo_bpm
    assert result.time_signature == 4


def test_confidence_drops_when_two_levels_compete() -> None:
    from albumgen_desktop.engines.audio_signal import prepare
    from albumgen_desktop.engines.audio_tempo import level_probabilities, tempo_candidates

    clear = analyse_samples(grooves.slow_groove(70.0)).confidence["tempo_bpm"]
    assert clear >= 0.9
    # Two levels with the same evidence (here: the same groove's candidates, one duplicated) split
    # the probability between them; the pick's confidence is then at most a half.
    candidates, _ = tempo_candidates(prepare(grooves.slow_groove(70.0)))
    features = [f for _, f in candidates]
    p = level_probabilities(features)
    best = features[int(np.argmax(p))]
    q = level_probabilities([*features, dict(best)])
    assert abs(q[int(np.argmax(p))] - q[-1]) < 1e-9 and q.max() <= 0.5 + 1e-9
    # In cross-validation the confidence was calibrated (benchmarks/fit_tempo.py: picks at 0.95
    # and above right 99.5% of the time, at 0.5-0.8 67%); the clear groove reads 0.95.


def _click_track(bpm: float, seconds: float = 12.0, seed: int = 2) -> np.ndarray:
    """Noise clicks (9 ms, decaying) on every beat and nothing else: the sparsest rhythm there is."""
    rng = np.random.default_rng(seed)
    y = np.zeros(int(seconds * SR), dtype=np.float32)
    for t in np.arange(0, seconds, 60 / bpm):
        i = int(t * SR)
        y[i : i + 200] += rng.standard_normal(200).astype(np.float32) * np.exp(-np.arange(200) / 40) * 0.6
    return y


@pytest.mark.parametrize("bpm", [100, 120, 132, 140, 156, 168, 180])
def test_a_click_track_reads_at_its_clicks(bpm: float) -> None:
    """Sparse input: each rhythm stream is scaled to its peak, not to a ~0 percentile, so a faint
    leak in one stream does not move the beat phase off the clicks (it read 120 as 60)."""
    assert abs(analyse_samples(_click_track(bpm)).tempo_bpm - bpm) <= 0.04 * bpm


@pytest.mark.parametrize(("bpm", "tom_hz"), [(140, 110.0), (100, 146.8), (180, 98.0), (75, 65.4)])
def test_drums_with_a_tuned_tom_have_no_key(bpm: float, tom_hz: float) -> None:
    """Drums alone were given a key (F# minor at confidence 0.44): a tuned tom is pitched sound,
    but it fits no key. The tempo is still read."""
    result = analyse_samples(grooves.drum_kit(bpm, tom_hz))
    assert result.key is None and result.confidence["key"] <= 0.05
    assert any("no key" in w for w in result.warnings), result.warnings
    assert abs(result.tempo_bpm - bpm) <= 0.04 * bpm or abs(result.tempo_bpm - bpm / 2) <= 0.04 * bpm / 2


def test_a_march_whose_snare_rings_at_one_pitch_keeps_a_key() -> None:
    """TimGM6mb's snare rings at C-C#, loud enough in a march's mean chroma to pull its key
    clarity under the old 0.5 gate, so marches lost their key (12 of 50 dev renders) though
    the model read most of them right. A ring tuned exactly to C#4 still gets a key, not "no
    key". Which key is not asserted: a ring on the tuning grid is a note to any pitch evidence,
    and it pulls the key towards keys that hold it (on 30 such marches, five tonics, rings at C
    and C#, three levels, the key is right for 13; see the README). The resonant snare below,
    shaped on TimGM6mb's, must keep its exact key."""
    result = analyse_samples(grooves.ringing_snare_march(110, tonic=0, snare_midi=61, snare_gain=0.4))
    assert result.key is not None and result.confidence["key"] > 0.05, result.warnings
    assert not any("no key" in w for w in result.warnings), result.warnings


@pytest.mark.parametrize(
    ("tonic", "snare_midi", "snare_gain"),
    [(4, 48.6, 1.2), (8, 48.6, 1.2), (10, 48.6, 1.2), (8, 55.6, 1.6), (10, 55.6, 1.6), (4, 49.0, 1.6)],
)
def test_a_march_whose_snare_resonates_keeps_its_key(tonic: int, snare_midi: float, snare_gain: float) -> None:
    """A snare body resonating in a band around C3-C#3 (as TimGM6mb's does) or G#3, louder than
    the tune: with the three bins of each semitone summed, the key read E major as A major, Ab
    as C# and Bb as Bb minor. The key is read from the tuned pitch alone (tuned_semitones), which
    a band of noise across the three bins does not reach."""
    y = grooves.ringing_snare_march(110, tonic, snare_midi=snare_midi, snare_gain=snare_gain, seed=tonic, resonant=True)
    key, mode, _ = estimate_key(prepare(y))
    assert (key, mode) == (tonic, "major")


@pytest.mark.parametrize("cents", [-40.0, -36.0, 36.0, 40.0])
@pytest.mark.parametrize("depth", [20.0, 30.0])
@pytest.mark.parametrize("seed", [0, 1])
def test_a_tune_with_vibrato_keeps_its_tuning_and_key(cents: float, depth: float, seed: int) -> None:
    """A vibrato dwells at its extremes, so a tune 36-40 cents off with +-20-30 cents of vibrato
    piles its pitch deviations up on both sides of the +-50 cent wrap. The tuning is their
    circular mean: within 4 cents, key exact. librosa's histogram peak read 8 of these 16 more
    than 10 cents off, 3 of them across the wrap (a semitone off; two renders of the eval set
    too)."""
    y = grooves.vibrato_tune(7, cents, depth, seed=seed)
    assert abs(100 * estimate_tuning(y) - cents) <= 4.0
    key, mode, _ = estimate_key(prepare(y))
    assert (key, mode) == (7, "major")


@pytest.mark.parametrize(
    ("midis", "sine"),
    [([69], True), ([45], True), ([57], False), ([36], False), ([79], False), ([52, 59], False), ([60, 64, 67], False)],
)
def test_one_held_note_or_chord_has_no_key(midis: list[int], sine: bool) -> None:
    """A held 440 Hz sine read D major at 0.79 and a harmonic tone on A3 A major at 0.95 (its
    partials spell A major); one note, interval or chord held throughout sets no key."""
    result = analyse_samples(grooves.held_notes(midis, partials=1 if sine else 6))
    assert result.key is None and result.confidence["key"] <= 0.05
    assert any("no key" in w for w in result.warnings), result.warnings


def test_cli_line_of_a_held_note_says_unknown_key_without_a_mode(tmp_path, capsys) -> None:
    """With no key found the mode is a placeholder: the line said "unknown key, major"."""
    import soundfile as sf

    from albumgen_desktop.cli.main import main

    path = tmp_path / "held.wav"
    sf.write(path, grooves.held_notes([69], partials=1), SR)
    assert main(["analyze", "--engine", "sketch", str(path)]) == 0
    out = capsys.readouterr().out
    assert "unknown key," in out and "major" not in out and "minor" not in out, out


@pytest.mark.parametrize("cents", [0.0, 30.0, -45.0])
def test_tuned_semitones_keep_notes_and_drop_a_band_of_noise(cents: float) -> None:
    """Per semitone, the centre bin of three (on the recording's tuning) less half its neighbours:
    harmonic tones on the tuning grid keep about a quarter of the three bins' sum, a resonant
    band of noise (resonant_snare's ring, sustained) under a tenth, wherever the tuning lies."""
    t = np.arange(10 * SR) / SR
    tones = sum(
        np.sin(2 * np.pi * 440 * 2 ** ((m + cents / 100 - 69) / 12) * k * t) / k for m in (57, 64) for k in range(1, 5)
    )
    sig = prepare((0.2 * tones).astype(np.float32))
    assert sig.cqt_tuned[24:72].sum() >= 0.2 * sig.cqt_harmonic[24:72].sum()
    band = grooves.resonant_noise(np.random.default_rng(0), 440 * 2 ** ((60.5 - 69) / 12), len(t))
    sig = prepare((0.3 * band / np.abs(band).max()).astype(np.float32))
    assert sig.cqt_tuned[24:72].sum() <= 0.1 * sig.cqt_harmonic[24:72].sum()
