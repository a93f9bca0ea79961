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


def _safetensors(n: int) -> bytes:
    import numpy as np
    from safetensors.numpy import save

    return save({"w": np.zeros(n, dtype=np.float32)})


def test_installed_state_follows_the_cache_and_the_pinned_revision(tmp_path: Path, monkeypatch) -> None:
    from albumgen_desktop.models.manifest import ModelState

    monkeypatch.setenv("HF_HOME", str(tmp_path))
    entry = find_model("taesd")  # revision "main": the snapshot is the one refs/main names
    assert entry.state() is ModelState.NOT_DOWNLOADED and not entry.is_installed()
    repo = tmp_path / "hub" / "models--madebyollin--taesd"
    snap = repo / "snapshots" / "abc"
    snap.mkdir(parents=True)
    (snap / "diffusion_pytorch_model.safetensors").write_bytes(_safetensors(100))
    assert entry.state() is ModelState.NOT_DOWNLOADED  # no ref names it: not the pinned revision
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("abc")
    assert entry.state() is ModelState.INCOMPLETE  # weights alone are not a model: config.json is missing
    assert entry.check().problems == ("config.json is missing",)
    (snap / "config.json").write_text("{}")
    assert entry.state() is ModelState.INSTALLED and entry.is_installed()
    weights = snap / "diffusion_pytorch_model.safetensors"
    full = weights.stat().st_size
    weights.write_bytes(weights.read_bytes()[:-10])  # truncated: its own header says so
    assert entry.check().problems == (f"diffusion_pytorch_model.safetensors has {full - 10} of {full} bytes",)
    assert entry.state() is ModelState.DAMAGED
    weights.write_bytes(b"garbage that is not a safetensors file")
    assert entry.check().problems == ("diffusion_pytorch_model.safetensors is not a valid safetensors file",)
    assert "damaged" in str(entry.missing()) and "albumgen models download taesd" in str(entry.missing())
    assert entry.availability_note() == "taesd is damaged (download it again)"


def test_state_labels_are_the_wording_for_people() -> None:
    from albumgen_desktop.models.manifest import ModelState

    assert [s.value for s in ModelState] == ["installed", "not downloaded", "incomplete", "damaged"]
    assert ModelState.DAMAGED.label == "damaged: download again" and ModelState.DAMAGED == "damaged"


def test_bundles_name_known_models_and_show_sizes() -> None:
    from albumgen_desktop.models.manifest import find_bundle, load_bundles

    bundles = {b.id: b for b in load_bundles()}
    assert set(bundles) == {"cpu-starter", "cuda-full"}
    starter = find_bundle("cpu-starter")
    roles = {e.role for e in starter.entries()}
    assert {"music", "cover"} <= roles  # both directions
    assert all("cpu" in e.tiers for e in starter.entries())
    assert starter.size_bytes() < bundles["cuda-full"].size_bytes()
    entries = load_manifest()
    assert set(bundles["cuda-full"].models) == {e.id for e in entries}  # the full bundle is everything


def test_every_role_has_a_model_and_cover_models_have_sampling_defaults() -> None:
    from albumgen_desktop.models.manifest import ROLES, model_for_role

    for role in ROLES:
        model_for_role(role)
    for entry in load_manifest():
        if entry.role in ("cover", "cover-quality"):
            assert {"steps", "guidance", "native_size"} <= set(entry.defaults)


def test_bad_defaults_and_unknown_bundle_models_are_refused(tmp_path: Path) -> None:
    import json

    from albumgen_desktop.models.manifest import MANIFEST_PATH, load_bundles

    data = json.loads(MANIFEST_PATH.read_text())
    data["models"][0]["defaults"] = {"steps": "many"}
    bad = tmp_path / "m.json"
    bad.write_text(json.dumps(data))
    with pytest.raises(BadInputError, match="defaults.steps"):
        load_manifest(bad)
    data = json.loads(MANIFEST_PATH.read_text())
    data["bundles"][0]["models"].append("no-such-model")
    bad.write_text(json.dumps(data))
    with pytest.raises(BadInputError, match="unknown models"):
        load_bundles(bad)


def test_manifest_matches_its_json_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((MANIFEST_PATH.parent / "manifest.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads(MANIFEST_PATH.read_text())
    jsonschema.validate(data, schema)
    data["models"][0]["files"].append("pytorch_model.bin")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)
