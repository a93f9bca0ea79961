"""benchmarks/eval_analysis.py reports each labelled set on its own beside the whole, so the same
pieces rendered with two soundfonts can be compared in one run."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests import grooves

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import eval_analysis
import truth_labels


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


def test_a_csv_labelled_for_tempo_only_where_it_knows_it(tmp_path, capsys):
    """Annotators' sets come as CSV with their own column names and key spellings ("A minor" as
    GiantSteps writes it, a "bpm" column as the Ballroom set's files give it), and not every file
    is labelled for every measure: each measure is scored over the files labelled for it."""
    for name, bpm in (("a.wav", 70.0), ("b.wav", 82.0)):
        sf.write(tmp_path / name, grooves.slow_groove(bpm, tonic=9, seconds=12.0), grooves.SR)
    (tmp_path / "labels.csv").write_text("Filename,BPM,Key,Time_Signature\na.wav,70,,4/4\nb.wav,82,A minor,\n")
    assert eval_analysis.main(["--truth", str(tmp_path / "labels.csv"), "--no-baseline"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["n"] == 2 and report["n_key"] == 1 and report["n_metre"] == 1
    assert report["tempo_acc1"] == 1.0 and report["metre_acc"] == 1.0
    assert "tempo_acc1" in report and "failed" not in report


def test_a_file_that_cannot_be_analysed_is_a_miss_and_the_run_goes_on(tmp_path, capsys):
    """A missing file and a silent one used to end the run with a traceback at that file; now
    each is listed under "failed" with the reason and scores as a miss on what it is labelled for."""
    sf.write(tmp_path / "groove.wav", grooves.slow_groove(70.0, tonic=0, seconds=12.0), grooves.SR)
    sf.write(tmp_path / "silent.wav", np.zeros(grooves.SR * 5), grooves.SR)
    truth = [
        {"file": "groove.wav", "tempo_bpm": 70, "key": "C", "mode": "major"},
        {"file": "silent.wav", "tempo_bpm": 70, "key": "C", "mode": "major"},
        {"file": "gone.wav", "tempo_bpm": 70},
    ]
    (tmp_path / "truth.json").write_text(json.dumps(truth))
    assert eval_analysis.main(["--truth", str(tmp_path / "truth.json"), "--no-baseline"]) == 0
    out = capsys.readouterr()
    report = json.loads(out.out.strip().splitlines()[-1])
    assert report["n"] == 3 and report["n_key"] == 2
    assert report["tempo_acc1"] == round(1 / 3, 4) and report["key_score"] == 0.5
    assert set(report["failed"]) == {f"{tmp_path.name}/silent.wav", f"{tmp_path.name}/gone.wav"}
    assert "silent" in report["failed"][f"{tmp_path.name}/silent.wav"]
    assert "Traceback" not in out.err


def test_an_unreadable_label_stops_the_run_naming_the_file(tmp_path, capsys):
    """A typo in a label is not silently left unscored: exit 2, one line naming the entry."""
    (tmp_path / "truth.json").write_text(json.dumps([{"file": "a.wav", "key": "H", "mode": "minor"}]))
    assert eval_analysis.main(["--truth", str(tmp_path / "truth.json")]) == 2
    err = capsys.readouterr().err
    assert "a.wav" in err and "'H'" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "spelling", ["C# minor", "Db major", "bb minor", "G major", "Ab minor", "F# major", "e minor", "B major"]
)
def test_whole_key_spellings_read_as_mir_eval_reads_them(spelling):
    """mir_eval (the published MIREX scorer) is the oracle for "tonic mode" spellings."""
    import mir_eval

    assert truth_labels.labels({"file": "x", "key": spelling}).key == mir_eval.key.split_key_string(spelling)


@pytest.mark.parametrize(
    ("entry", "key"),
    [
        ({"key": "Gbm"}, (6, "minor")),
        ({"key": "F#m"}, (6, "minor")),
        ({"key": "B♭", "mode": "minor"}, (10, "minor")),
        ({"key": "F sharp minor"}, (6, "minor")),
        ({"key": "c#:maj"}, (1, "major")),
        ({"key": "Cb"}, (11, "major")),
        ({"key": 5, "mode": 0}, (5, "minor")),  # Spotify: key 0..11, mode 1 major, 0 minor
        ({"key": 11, "mode": 1}, (11, "major")),
        ({"key": -1, "mode": 1}, None),  # Spotify: no key detected
        ({"key": "X"}, None),  # mir_eval: no key
    ],
)
def test_other_key_spellings(entry, key):
    assert truth_labels.labels({"file": "x", **entry}).key == key


@pytest.mark.parametrize(
    ("value", "beats"),
    [("6/8", 6), ("12/8", 6), (12, 6), ("3/4", 3), ("2/4", 4), (2, 4), ("2/2", 4), ("C", 4), (3, 3), ("5/4", 5)],
)
def test_time_signature_spellings_count_beats_as_features_do(value, beats):
    assert truth_labels.labels({"file": "x", "time_signature": value}).time_signature == beats


def _truth(tmp_path: Path, name: str, data: bytes | str) -> list[truth_labels.Labels]:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return [truth_labels.labels(e, name) for e in truth_labels.read_truth(path)]


def test_spreadsheet_tables_read_as_annotators_save_them(tmp_path):
    """Semicolon-separated (a spreadsheet in a comma-decimal locale), headers with spaces and
    units, the mode in a "Scale" column, pandas' whole floats, Windows-1252 text, rows of empty
    cells: all read, none silently dropped."""
    text = "File;Tempo (BPM);Key;Scale;Time Signature\nmüde.wav;100.0;A;minor;3/4\nb.wav;82;5.0;1.0;4.0\n;;;;\n"
    assert _truth(tmp_path, "t.csv", text.encode("cp1252")) == [
        truth_labels.Labels("müde.wav", 100.0, (9, "minor"), 3),
        truth_labels.Labels("b.wav", 82.0, (5, "major"), 4),
    ]
    assert _truth(tmp_path, "t.tsv", "file\tbpm\nx.wav\t120 BPM\n".encode("utf-16")) == [
        truth_labels.Labels("x.wav", 120.0, None, None)
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'file,bpm,notes\na.wav,120,"live take\nb.wav,100,ok\n',
            "line 2: a quote is opened",
        ),  # an unclosed quote ate the rows
        ("file,bpm\n", "no entries"),
        ("[]", "no entries"),
        ('[{"file": "a.wav", "key": "A minor", "mode": "major"}]', "disagrees"),
        ('[{"file": "a.wav", "time_signature": "4/0"}]', "time signature"),
        ('[{"file": "a.wav", "bpm": true}]', "tempo"),
        ('[{"file": "a.wav", "bpm": 120, "tempo": 90}]', "disagree"),  # two columns, one measure
        ('[{"file": "a.wav", "key": "C", "mode": 1, "scale": "minor"}]', "disagree"),
    ],
)
def test_a_malformed_truth_file_is_refused_naming_it(tmp_path, text, message):
    name = "t.csv" if text.startswith("file") else "t.json"
    with pytest.raises(ValueError, match=message):
        _truth(tmp_path, name, text)


@pytest.mark.parametrize(
    ("entry", "labelled"),
    [
        ({"key": "A Minor"}, (9, "minor")),  # Beatport's capitals
        ({"key": "Bb MAJOR"}, (10, "major")),
        ({"key": "-1.0", "mode": "0"}, None),
        ({"key": "N"}, None),
    ],
)
def test_key_spellings_in_any_case(entry, labelled):
    assert truth_labels.labels({"file": "x", **entry}).key == labelled


def test_headers_without_spaces_or_underscores_and_pandas_minus_one():
    """'File Name' and 'TimeSignature' are the same columns as 'filename' and 'time_signature';
    pandas writes -1.0 where Spotify's -1 means no label; agreeing duplicates are fine."""
    (labelled,) = [
        truth_labels.labels(e)
        for e in [{"File Name": "x.wav", "TimeSignature": "3/4", "Tempo (BPM)": "-1.0", "bpm": -1.0, "Key": "-1.0"}]
    ]
    assert labelled == truth_labels.Labels("x.wav", None, None, 3)
    assert truth_labels.labels({"file": "x", "bpm": "120", "tempo": 120.0, "metre": 3, "time_signature": "3/4"}) == (
        truth_labels.Labels("x", 120.0, None, 3)
    )


def test_spotify_zeros_mean_no_label():
    """Spotify writes tempo 0 and time_signature 0 or 1 where it found none: unscored, not wrong."""
    lab = truth_labels.labels({"file": "x", "tempo": 0, "time_signature": 1})
    assert lab.tempo_bpm is None and lab.time_signature is None


def test_every_truth_file_is_checked_before_anything_is_analysed(tmp_path, capsys):
    """A typo in the second truth file used to surface only after the first set was analysed."""
    good = _labelled_set(tmp_path / "good", [70.0])
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"file": "a.wav", "key": "H"}]))
    assert eval_analysis.main(["--truth", str(good), "--truth", str(bad), "--no-baseline", "--verbose"]) == 2
    out = capsys.readouterr()
    assert "'H'" in out.err
    assert out.out == ""  # --verbose prints a line for every file analysed: none was
