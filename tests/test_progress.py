"""Progress that moves: the sketch engines report fractions as they go, through the services' callback."""

from __future__ import annotations

import pytest

from albumgen_desktop.core.features import Features
from albumgen_desktop.core.progress import Progress, stage


def _fractions(reports: list[Progress]) -> list[float]:
    return [p.fraction for p in reports]


def _moves_forward(fractions: list[float], at_least: int, max_step: float) -> None:
    assert len(fractions) >= at_least, fractions
    assert all(b >= a for a, b in zip(fractions, fractions[1:], strict=False)), fractions
    assert fractions[0] == 0.0 and fractions[-1] == 1.0, fractions
    inner = sorted(set(fractions))
    assert max(b - a for a, b in zip(inner, inner[1:], strict=False)) <= max_step, inner


def test_stage_maps_clamps_and_never_goes_back() -> None:
    seen: list[Progress] = []
    part = stage(seen.append, 0.2, 0.6, "rendering")
    for fraction in (0.0, 0.5, 0.25, 1.0, 2.0, -1.0):
        part(fraction)
    assert _fractions(seen) == pytest.approx([0.2, 0.4, 0.6])
    assert {p.message for p in seen} == {"rendering"}
    with pytest.raises(ValueError):
        stage(seen.append, 0.5, 0.4, "backwards")


def test_sketch_render_reports_four_steps_a_bar() -> None:
    from albumgen_desktop.engines.music_sketch import render

    seen: list[float] = []
    render(Features(tempo_bpm=120, time_signature=4), 4.0, on_progress=seen.append)  # 2 bars
    assert seen == pytest.approx([0.125 * i for i in range(1, 9)])


@pytest.mark.parametrize("variations", [1, 2])
def test_a_short_sketch_music_job_reports_several_increasing_fractions(variations: int) -> None:
    from albumgen_desktop.services.music import MusicJob, generate_music

    seen: list[Progress] = []
    job = MusicJob(Features(tempo_bpm=100), duration_s=3.0, engine="sketch", variations=variations)
    generate_music(job, on_progress=seen.append)
    fractions = _fractions(seen)
    _moves_forward(fractions, at_least=6 * variations, max_step=0.2)
    assert 0.0 < fractions[len(fractions) // 2] < 1.0
    assert any(p.message == "mastering" for p in seen)


@pytest.mark.parametrize("variations", [1, 3])
def test_a_sketch_cover_job_reports_fractions_while_painting(variations: int) -> None:
    from albumgen_desktop.services.cover import CoverJob, generate_cover

    seen: list[Progress] = []
    for features in (Features(danceability=0.9, tempo_bpm=130), Features(danceability=0.2, tempo_bpm=80)):
        seen.clear()
        generate_cover(CoverJob(features, size=512, engine="sketch", variations=variations), on_progress=seen.append)
        _moves_forward(_fractions(seen), at_least=4 * variations, max_step=0.5 / variations)
