"""The labelled eval set keeps the score's bar lines: repeats start on a whole bar and the backing
follows the tune's downbeats, also when the tune opens with a pickup (benchmarks/make_eval_set.py)."""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import make_eval_set as evalset


def _tune(numerator: int, denominator: int, pickup: float, bars: int, final_bar: float) -> evalset.Piece:
    """A tune with a `pickup` (ql) before its first bar line, `bars` full bars of eighths, and a
    final bar whose notes last `final_bar` ql (O'Neill's jigs often write it full, pickup or not)."""
    bar = numerator * 4.0 / denominator
    first = pickup - bar if pickup else 0.0
    notes = [(t * 0.5, 0.5, 60 + int(t) % 7, 0) for t in range(int((pickup + (bars - 1) * bar) / 0.5))]
    end = pickup + (bars - 1) * bar
    notes.append((end, final_bar, 60, 0))
    starts = [first + k * bar for k in range(bars + 1)]
    return evalset.Piece("t", "test", 0, "major", numerator, denominator, notes, starts, end + final_bar)


@pytest.mark.parametrize(
    ("metre", "pickup", "bars", "final_bar", "period"),
    [
        ((6, 8), 0.5, 16, 3.0, 48.0),  # Morgan Rattler: 48.5 ql, the pickup takes the final bar's last eighth
        ((6, 8), 0.5, 16, 2.5, 48.0),  # the final bar written short to make room for the pickup
        ((3, 4), 1.0, 12, 2.0, 36.0),  # a waltz with a one-beat pickup and a two-beat final note
        ((3, 4), 0.0, 12, 2.0, 36.0),  # no pickup, the final bar ends on a rest
        ((4, 4), 0.0, 8, 4.0, 32.0),  # whole bars: unchanged
        ((2, 4), 1.5, 8, 0.5, 16.0),
    ],
)
def test_a_repeat_starts_on_the_bar_line(metre, pickup, bars, final_bar, period):
    piece = _tune(*metre, pickup, bars, final_bar)
    assert piece.period_ql == period
    bar_line = piece.bar_starts[1] if pickup else 0.0
    assert (period % piece.bar_ql, (bar_line + period) % piece.bar_ql) == (0.0, bar_line % piece.bar_ql)
    times = [t for t, *_ in evalset.passes(piece, piece.notes, 3)]
    assert times == sorted(times)  # no note of a pass overlaps the next pass's pickup
    ends = [t + d for t, _, d, *_ in evalset.passes(piece, piece.notes, 1)]
    assert max(ends) <= period


@pytest.mark.parametrize("style", ["jig", "rocking", "block", "oompah", "band", "stride"])
@pytest.mark.parametrize(("metre", "pickup"), [((6, 8), 0.5), ((6, 8), 1.0), ((3, 4), 1.0), ((2, 4), 0.5)])
def test_the_backing_plays_on_the_tunes_beats(style, metre, pickup):
    piece = _tune(*metre, pickup, 16, 3.0 if metre == (6, 8) else 2.0)
    bass = sorted(t for t, _, _, v in evalset.backing(piece, style, random.Random(0)) if v == 2)
    assert bass and bass[0] == piece.bar_starts[1]  # in on the first downbeat, not under the pickup
    step = piece.beat_ql / ((3 if piece.compound else 2) if style == "band" else 1)
    steps_from_bar_line = [(t - piece.bar_starts[1]) / step for t in bass]
    assert all(abs(s - round(s)) < 1e-9 for s in steps_from_bar_line), style


def test_a_missing_soundfont_is_refused_before_rendering(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(evalset.shutil, "which", lambda name: "/usr/bin/" + name)
    rendered: list[str] = []
    monkeypatch.setattr(evalset, "render", lambda *a, **k: rendered.append(a[4]) or {})
    code = evalset.main([str(tmp_path / "set"), "--soundfont", str(tmp_path / "none.sf2"), "--per-kind", "1"])
    assert code == 2
    assert "no soundfont at" in capsys.readouterr().err
    assert rendered == []
    assert not (tmp_path / "set" / "truth.json").exists()


def test_another_soundfont_renders_the_same_pieces_and_labels_them(tmp_path, monkeypatch):
    """The same seed with another soundfont: the same files, tempos and keys, rendered with the
    font asked for, and the truth names it."""
    monkeypatch.setattr(evalset.shutil, "which", lambda name: "/usr/bin/" + name)
    fonts: list[str] = []

    def fake_render(job, out_wav, tempo, rng, sf2, seconds):
        fonts.append(sf2)
        return {"tuning_cents": 0.0, "sample_rate": 22050, "channels": 1}

    monkeypatch.setattr(evalset, "render", fake_render)
    default_font, other = tmp_path / "Default_GM.sf2", tmp_path / "Other_GM.sf2"
    for font in (default_font, other):
        font.write_bytes(b"RIFF")
    monkeypatch.setattr(evalset, "SOUNDFONTS", [str(default_font)])
    args = ["--part", "dev", "--seed", "3", "--per-kind", "2", "--kinds", "jig,waltz"]
    assert evalset.main([str(tmp_path / "a"), *args]) == 0
    default = fonts[:]
    fonts.clear()
    assert evalset.main([str(tmp_path / "b"), *args, "--soundfont", str(other)]) == 0
    assert set(fonts) == {str(other)} and len(fonts) == len(default) == 4
    assert set(default) == {str(default_font)}
    a = json.loads((tmp_path / "a" / "truth.json").read_text())
    b = json.loads((tmp_path / "b" / "truth.json").read_text())
    same = ("file", "tempo_bpm", "key", "mode", "metre")
    assert [[x[k] for k in same] for x in a] == [[x[k] for k in same] for x in b]
    assert {x["soundfont"] for x in b} == {"Other_GM.sf2"}
    assert {x["soundfont"] for x in a} == {"Default_GM.sf2"}
