"""benchmarks/eval_analysis.py reports each labelled set on its own beside the whole, so the same
pieces rendered with two soundfonts can be compared in one run."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import soundfile as sf

from tests import grooves

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import eval_analysis


def _labelled_set(folder: Path, bpms: list[float]) -> Path:
    folder.mkdir()
    truth = []
    for i, bpm in enumerate(bpms):
        name = f"{i:03d}_groove.wav"
        sf.write(folder / name, grooves.slow_groove(bpm, tonic=0, seconds=12.0), grooves.SR)
        truth.append({"file": name, "kind": "groove", "part": "test", "tempo_bpm": bpm, "key": "C", "mode": "major"})
    (folder / "truth.json").write_text(json.dumps(truth))
    return folder / "truth.json"


def test_each_set_is_reported_beside_the_whole(tmp_path, capsys):
    a = _labelled_set(tmp_path / "render-a", [70.0])
    b = _labelled_set(tmp_path / "render-b", [76.0, 82.0])
    assert eval_analysis.main(["--truth", str(a), "--truth", str(b), "--no-baseline"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["n"] == 3
    assert set(report["by_set"]) == {"render-a", "render-b"}
    assert report["by_set"]["render-a"]["n"] == 1 and report["by_set"]["render-b"]["n"] == 2
    assert "by_part" not in report  # one part: nothing to break down
