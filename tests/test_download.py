"""The downloader against a local imitation of the hub on 127.0.0.1 (no real network)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from albumgen_desktop.cli import main
from albumgen_desktop.core.errors import AlbumGenError, CancelledError, ModelMissingError
from albumgen_desktop.core.progress import CancelToken
from albumgen_desktop.models.download import download_model, remove_model, verify_model
from albumgen_desktop.models.manifest import License, ModelEntry
from tests.hubserver import Hub

REPO = "test-org/tiny-model"


@pytest.fixture
def hub(monkeypatch: pytest.MonkeyPatch):
    import huggingface_hub.constants

    server = Hub()
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    yield server
    server.close()


def make_entry(hub: Hub, sizes: dict[str, int], with_hashes: bool = True) -> ModelEntry:
    rng = np.random.default_rng(0)
    hashes = {}
    for name, size in sizes.items():
        data = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
        hub.files[(REPO, name)] = data
        hashes[name] = hashlib.sha256(data).hexdigest()
    return ModelEntry(
        id="tiny-model", role="music", repo=REPO, revision="main", files=tuple(sizes),
        size_bytes=sum(sizes.values()), license=License("MIT", "any use", True), ram_gb=0.1, tiers=("cpu",),
        why="test", sha256=hashes if with_hashes else {},
    )  # fmt: skip


FILES = {"config.json": 200, "model.safetensors": 12_000_000}


def cancel_after(token: CancelToken, nbytes: int):
    """A progress callback that cancels once the weights file has ``nbytes`` on disk."""

    def report(p) -> None:
        if p.filename == "model.safetensors" and p.file_done >= nbytes:
            token.cancel()

    return report


def test_full_download_with_progress_and_verify(hub: Hub) -> None:
    entry = make_entry(hub, FILES)
    seen = []
    snapshot = download_model(entry, on_progress=seen.append)
    assert (snapshot / "model.safetensors").read_bytes() == hub.files[(REPO, "model.safetensors")]
    assert seen[-1].done == entry.size_bytes and seen[-1].total == entry.size_bytes
    assert entry.is_installed() and verify_model(entry) == []
    assert (entry.cache_dir() / "refs" / "main").read_text() == "0123456789abcdef0123456789abcdef01234567"


def test_cancelled_halfway_then_resumed_without_refetching(hub: Hub) -> None:
    entry = make_entry(hub, FILES)
    token = CancelToken()
    with pytest.raises(CancelledError):
        download_model(entry, on_progress=cancel_after(token, 5_000_000), cancel=token)
    partial = list(entry.cache_dir().rglob("*.part"))
    assert len(partial) == 1 and 5_000_000 <= partial[0].stat().st_size < FILES["model.safetensors"]
    kept = partial[0].stat().st_size
    hub.log.clear()
    download_model(entry)  # as after a restart: a new call finds the .part file
    ranges = [r for method, name, r in hub.log if method == "GET" and name == "model.safetensors"]
    assert ranges == [f"bytes={kept}-"]
    assert verify_model(entry) == [] and not list(entry.cache_dir().rglob("*.part"))


def test_corrupted_file_is_caught_by_sha256_and_fetched_again(hub: Hub) -> None:
    entry = make_entry(hub, FILES)
    hub.corrupt_next.add("model.safetensors")
    snapshot = download_model(entry)
    assert (
        hashlib.sha256((snapshot / "model.safetensors").read_bytes()).hexdigest() == entry.sha256["model.safetensors"]
    )
    gets = [name for method, name, _ in hub.log if method == "GET" and name == "model.safetensors"]
    assert len(gets) == 2


def test_server_errors_are_retried_then_reported(hub: Hub) -> None:
    entry = make_entry(hub, FILES)
    hub.fail_next["model.safetensors"] = 2
    download_model(entry, backoff_s=0.01)
    assert verify_model(entry) == []
    remove_model(entry)
    hub.fail_next["model.safetensors"] = 10
    with pytest.raises(AlbumGenError, match="failed"):
        download_model(entry, retries=2, backoff_s=0.01)


def test_missing_file_and_denied_repo_give_clear_messages(hub: Hub) -> None:
    entry = make_entry(hub, FILES)
    del hub.files[(REPO, "config.json")]
    with pytest.raises(AlbumGenError, match="404"):
        download_model(entry)
    hub.status_override = 401
    with pytest.raises(AlbumGenError, match="gated or private"):
        download_model(make_entry(hub, FILES))


def test_offline_and_disk_full_refuse_before_starting(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = make_entry(hub, FILES)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelMissingError, match="offline"):
        download_model(entry)
    monkeypatch.delenv("HF_HUB_OFFLINE")
    huge = ModelEntry(**{**entry.__dict__, "size_bytes": 10**18})
    with pytest.raises(AlbumGenError, match="disk space"):
        download_model(huge)
    assert not hub.log


def test_cli_download_verify_remove_list(hub: Hub, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys) -> None:
    taesd_files = {"config.json": 300, "diffusion_pytorch_model.safetensors": 50_000}
    for name, size in taesd_files.items():
        hub.files[("madebyollin/taesd", name)] = bytes(size)
    assert main(["models", "download", "taesd"]) == 0
    assert main(["models", "verify", "taesd"]) == 0
    assert "taesd: ok" in capsys.readouterr().out
    assert main(["models", "list", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["taesd"]["installed"] is True and rows["musicgen-small"]["installed"] is False
    assert main(["models", "remove", "taesd"]) == 0
    assert main(["models", "verify", "taesd"]) == 1


def test_weights_behind_a_cdn_redirect_resume_there(hub: Hub) -> None:
    hub.redirect_weights = True
    entry = make_entry(hub, FILES)
    token = CancelToken()
    with pytest.raises(CancelledError):
        download_model(entry, on_progress=cancel_after(token, 3_000_000), cancel=token)
    hub.log.clear()
    snapshot = download_model(entry)
    assert (snapshot / "model.safetensors").read_bytes() == hub.files[(REPO, "model.safetensors")]
    assert snapshot.name == "0123456789abcdef0123456789abcdef01234567"
    cdn_gets = [r for method, name, r in hub.log if method == "GET" and name == "model.safetensors"]
    assert cdn_gets and cdn_gets[-1].startswith("bytes=")


def test_optional_files_are_fetched_when_present_and_skipped_when_absent(hub: Hub) -> None:
    from dataclasses import replace

    entry = make_entry(hub, {"config.json": 100, "model.safetensors": 5000, "chat_template.json": 50})
    entry = replace(entry, files=("config.json", "model.safetensors"), optional_files=("chat_template.json", "x.txt"))
    snapshot = download_model(entry, backoff_s=0)
    assert (snapshot / "chat_template.json").is_file()
    assert not (snapshot / "x.txt").exists()
    assert verify_model(entry) == []


def test_cli_downloads_a_bundle_and_lists_resolved_commits(hub: Hub, monkeypatch, capsys) -> None:
    from albumgen_desktop.models import download
    from albumgen_desktop.models.manifest import find_bundle
    from tests.hubserver import COMMIT

    bundle = find_bundle("cpu-starter")
    for entry in bundle.entries():
        for name in entry.files:
            hub.files[(entry.repo, name)] = f"{entry.id}/{name}".encode() * 10
    monkeypatch.setattr(download, "check_disk_space", lambda entry, folder=None: None)  # real sizes are GBs
    assert main(["models", "download", "cpu-starter"]) == 0
    err = capsys.readouterr().err
    assert "CPU starter" in err and "3 to download" in err
    assert all(e.is_installed() for e in bundle.entries())
    assert main(["models", "list", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["sdxs-512"]["resolved_commit"] == COMMIT and rows["sd15"]["resolved_commit"] is None
    assert main(["models", "download", "cpu-starter"]) == 0  # nothing left to fetch
    assert "0 to download" in capsys.readouterr().err
