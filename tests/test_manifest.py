from __future__ import annotations

import json
from pathlib import Path

import pytest

from albumgen_desktop.core.errors import BadInputError
from albumgen_desktop.models.manifest import MANIFEST_PATH, find_model, load_manifest

ROOT = Path(__file__).resolve().parents[1]


def test_top_level_manifest_is_the_packaged_one() -> None:
    assert (ROOT / "models_manifest.json").read_bytes() == MANIFEST_PATH.read_bytes()


def test_manifest_validates_and_every_model_has_a_licence() -> None:
    entries = load_manifest()
    assert entries
    for e in entries:
        assert e.license.name and e.license.summary and e.size_bytes > 0
        assert any(f.endswith(".safetensors") for f in e.files), e.id


def test_pickle_weights_are_refused(tmp_path: Path) -> None:
    data = json.loads(MANIFEST_PATH.read_text())
    data["models"][0]["files"].append("pytorch_model.bin")
    bad = tmp_path / "m.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(BadInputError, match="pickle"):
        load_manifest(bad)


def test_find_model_by_id_or_repo() -> None:
    assert find_model("facebook/musicgen-small").id == "musicgen-small"
    with pytest.raises(BadInputError, match="known models"):
        find_model("nope")


def test_installed_state_follows_hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HOME", str(tmp_path))
    entry = find_model("taesd")
    assert not entry.is_installed()
    snap = tmp_path / "hub" / "models--madebyollin--taesd" / "snapshots" / "abc"
    snap.mkdir(parents=True)
    (snap / "diffusion_pytorch_model.safetensors").write_bytes(b"x")
    assert entry.is_installed()
