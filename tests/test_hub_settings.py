"""Cache location, offline mode and the library reading what we wrote, each checked in a fresh
process: huggingface_hub reads its environment once, at import, so only a new interpreter shows
what it really does with a variable (tests/download_child.py runs there, network refused)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from albumgen_desktop.models.hub_settings import hub_cache_dir, may_send_token

ROOT = Path(__file__).resolve().parents[1]
CHILD = str(ROOT / "tests" / "download_child.py")
SETTINGS = ("HF_HOME", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "XDG_CACHE_HOME", "HF_HUB_OFFLINE",
            "TRANSFORMERS_OFFLINE")  # fmt: skip


def run_child(args: list[str], env_changes: dict[str, str], home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    env.update(HOME=str(home), PYTHONPATH=str(ROOT), **env_changes)
    out = subprocess.run([sys.executable, CHILD, *args], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_cache_is_found_through_each_environment_variable(tmp_path: Path) -> None:
    home = tmp_path / "home"
    base = tmp_path / "base"
    cases = [
        ({"HF_HUB_CACHE": str(tmp_path / "a")}, tmp_path / "a"),
        ({"HUGGINGFACE_HUB_CACHE": str(tmp_path / "b")}, tmp_path / "b"),
        (
            {
                "HF_HUB_CACHE": str(tmp_path / "a"),
                "HUGGINGFACE_HUB_CACHE": str(tmp_path / "b"),
                "HF_HOME": str(tmp_path / "c"),
            },
            tmp_path / "a",
        ),  # fmt: skip
        ({"HUGGINGFACE_HUB_CACHE": str(tmp_path / "b"), "HF_HOME": str(tmp_path / "c")}, tmp_path / "b"),
        ({"HF_HOME": "~/hf-home"}, home / "hf-home" / "hub"),
        ({"HF_HOME": "$MODEL_BASE/hf", "MODEL_BASE": str(base)}, base / "hf" / "hub"),
        ({"HF_HUB_CACHE": "~/cache-here"}, home / "cache-here"),
        ({"XDG_CACHE_HOME": str(tmp_path / "xdg")}, tmp_path / "xdg" / "huggingface" / "hub"),
        ({}, home / ".cache" / "huggingface" / "hub"),
    ]
    for env, expected in cases:
        where = run_child(["where"], env, home)
        assert Path(where["ours"]) == expected == Path(where["library"]), (env, where)


@pytest.mark.parametrize(
    ("env", "offline"),
    [({"HF_HUB_OFFLINE": "1"}, True), ({"TRANSFORMERS_OFFLINE": "yes"}, True), ({"HF_HUB_OFFLINE": "TRUE"}, True),
     ({"HF_HUB_OFFLINE": "0"}, False), ({}, False)],
)  # fmt: skip
def test_offline_follows_both_variables_as_the_library_does(tmp_path: Path, env: dict, offline: bool) -> None:
    where = run_child(["where"], env, tmp_path)
    assert where["ours_offline"] is where["library_offline"] is offline


def test_the_cache_follows_a_change_made_while_the_app_runs(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HF_HOME", str(tmp_path / "one"))
    assert hub_cache_dir() == tmp_path / "one" / "hub"
    monkeypatch.setenv("HF_HOME", str(tmp_path / "two"))  # the model-folder setting, or the self-test
    assert hub_cache_dir() == tmp_path / "two" / "hub"


def test_the_token_goes_to_hub_origins_only() -> None:
    resolve = "https://huggingface.co/org/m/resolve/main/model.safetensors"
    assert may_send_token(resolve, "https://huggingface.co/api/resolve-cache/models/org/m/abc/config.json")
    assert may_send_token(resolve, "https://hf.co/org/m/resolve/main/x")
    assert not may_send_token(resolve, "https://cas-bridge.xethub.hf.co/xet-bridge-us/abc?X-Amz-Signature=1")
    assert not may_send_token(resolve, "https://cdn-lfs.hf.co/repos/ab/cd/abc")
    assert not may_send_token(resolve, "http://huggingface.co/org/m")  # another scheme is another origin
    assert not may_send_token("http://127.0.0.1:8000/a", "http://127.0.0.1:8001/b")  # another port too


@pytest.mark.slow
def test_huggingface_hub_and_transformers_read_what_we_wrote(hub, tmp_path: Path) -> None:
    """The real clip-b32 entry, a tiny CLIP in its place on the hub; after our download a fresh
    process loads it by repo id with snapshot_download and from_pretrained, offline."""
    from albumgen_desktop.models.download import download_model
    from albumgen_desktop.models.manifest import find_model
    from albumgen_desktop.models.tiny import build_tiny_clip
    from albumgen_desktop.models.tiny_layout import complete_layout

    entry = find_model("clip-b32")
    source = build_tiny_clip(tmp_path / "clip")
    complete_layout(entry, source)
    for name in entry.files:
        hub.files[(entry.repo, name)] = (source / name).read_bytes()
    snapshot = download_model(entry)
    assert entry.is_installed()
    env = {"HF_HOME": os.environ["HF_HOME"], "HF_HUB_OFFLINE": "1"}
    loaded = run_child(["load", entry.repo, entry.revision], env, tmp_path)
    assert Path(loaded["snapshot"]) == snapshot
    assert loaded["parameters"] > 0 and loaded["tokens"] > 2
