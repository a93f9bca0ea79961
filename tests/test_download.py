"""The downloader against tests/hubserver.py, a local hub shaped on the real one (no real network:
tests/netguard.py refuses anything but loopback, here and in the child processes)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import namedtuple
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np
import pytest

from albumgen_desktop.cli import main
from albumgen_desktop.core.errors import AlbumGenError, CancelledError, ModelMissingError
from albumgen_desktop.core.progress import CancelToken
from albumgen_desktop.models.download import download_model, remove_model, verify_model
from albumgen_desktop.models.installed import ModelState, read_record, size_on_disk
from albumgen_desktop.models.manifest import License, ModelEntry, find_model
from albumgen_desktop.models.verify import verify_report
from tests.hubserver import COMMIT, Hub, git_blob_sha1, xet_hash

ROOT = Path(__file__).resolve().parents[1]
REPO = "test-org/tiny-model"
OTHER_COMMIT = "fedcba9876543210fedcba9876543210fedcba98"


def weights(nbytes: int, seed: int = 0) -> bytes:
    """A real safetensors file of about ``nbytes`` (one float32 tensor of random values)."""
    from safetensors.numpy import save

    rng = np.random.default_rng(seed)
    return save({"weight": rng.standard_normal(max(1, nbytes // 4)).astype(np.float32)})


def make_entry(hub: Hub, files: dict[str, bytes], repo: str = REPO, **changes) -> ModelEntry:
    for name, data in files.items():
        hub.files[(repo, name)] = data
    entry = ModelEntry(
        id="tiny-model", role="music", repo=repo, revision="main", files=tuple(files),
        size_bytes=sum(len(d) for d in files.values()), license=License("MIT", "any use", True), ram_gb=0.1,
        tiers=("cpu",), why="test",
    )  # fmt: skip
    return replace(entry, **changes)


def small_model(hub: Hub, mb: int = 12) -> ModelEntry:
    return make_entry(hub, {
        "config.json": json.dumps({"hidden_size": 32, "layers": list(range(40))}).encode(),
        "tokenizer.json": json.dumps({"model": {"type": "BPE", "vocab": {"a": 0}}}).encode() * 3,
        "model.safetensors": weights(mb * 1_000_000),
    })  # fmt: skip


def cancel_after(token: CancelToken, nbytes: int):
    def report(p) -> None:
        if p.filename == "model.safetensors" and p.file_done >= nbytes:
            token.cancel()

    return report


def byte_gets(hub: Hub, name: str) -> list[str]:
    return [rng for method, n, rng in hub.log if method == "GET" and n == name]


# -- the protocol --------------------------------------------------------------------------------


def test_full_download_with_a_token_that_never_leaves_the_hub(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_secret_for_the_hub_only")
    entry = small_model(hub)
    seen: list = []
    snapshot = download_model(entry, on_progress=seen.append)
    for name in entry.files:
        assert (snapshot / name).read_bytes() == hub.files[(REPO, name)]
    assert snapshot.name == COMMIT and (entry.cache_dir() / "refs" / "main").read_text() == COMMIT
    total = sum(len(hub.files[(REPO, n)]) for n in entry.files)
    assert seen[-1].done == seen[-1].total == total
    # small files came through the 307 to /api/resolve-cache, whose own body is not the file
    assert any(r.method == "HEAD" and r.path.startswith("/api/resolve-cache/models/") for r in hub.requests)
    record = read_record(entry, COMMIT)["files"]
    assert record["config.json"] == {
        "size": len(hub.files[(REPO, "config.json")]), "etag": git_blob_sha1(hub.files[(REPO, "config.json")]),
        "xet_hash": None,
    }  # fmt: skip
    data = hub.files[(REPO, "model.safetensors")]
    assert record["model.safetensors"]["etag"] == hashlib.sha256(data).hexdigest()
    assert record["model.safetensors"]["xet_hash"] == xet_hash(data)  # X-Xet-Hash, parsed by huggingface_hub
    # the token went to the hub and never to the CDN (a second origin, 127.0.0.2)
    assert any(r.headers.get("authorization") == "Bearer hf_secret_for_the_hub_only" for r in hub.requests)
    assert hub.cdn_requests and all("authorization" not in r.headers for r in hub.cdn_requests)
    assert entry.state() is ModelState.INSTALLED and entry.is_installed()
    report = verify_report(entry)
    assert report.problems == [] and sorted(report.hashed) == sorted(entry.files)


def test_renamed_repo_is_followed_both_ways(hub: Hub) -> None:
    for how in ("relative", "absolute"):
        old = f"old-org/{how}-name"
        entry = make_entry(hub, {"config.json": b'{"a": 1}', "model.safetensors": weights(300_000)},
                           repo=f"new-org/{how}-name")  # fmt: skip
        entry = replace(entry, repo=old, id=f"renamed-{how}")
        hub.renamed[old] = (f"new-org/{how}-name", how)
        snapshot = download_model(entry, backoff_s=0)
        assert snapshot.parent.parent.name == f"models--old-org--{how}-name"
        assert (snapshot / "model.safetensors").read_bytes() == hub.files[(f"new-org/{how}-name", "model.safetensors")]
        assert any(r.path.startswith(f"/new-org/{how}-name/resolve/") for r in hub.requests)
        assert entry.is_installed()


def test_errors_name_the_problem(hub: Hub) -> None:
    entry = small_model(hub, mb=1)
    with pytest.raises(AlbumGenError, match="is not available"):
        download_model(replace(entry, repo="nobody/nothing"), backoff_s=0)
    with pytest.raises(AlbumGenError, match="has no revision 'v9'"):
        download_model(replace(entry, revision="v9"), backoff_s=0)
    hub.gated.add(REPO)
    with pytest.raises(AlbumGenError, match="is gated"):
        download_model(entry, backoff_s=0)
    hub.gated.clear()
    with pytest.raises(AlbumGenError, match=r"nope.json was not found in test-org/tiny-model .*HTTP 404"):
        download_model(replace(entry, files=(*entry.files, "nope.json")), backoff_s=0)
    absent_optional = replace(entry, optional_files=("chat_template.json",))
    assert download_model(absent_optional, backoff_s=0).is_dir()
    assert not (entry.cache_dir() / "snapshots" / COMMIT / "chat_template.json").exists()


@pytest.mark.parametrize("variable", ["HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"])
def test_offline_refuses_before_any_request(hub: Hub, monkeypatch: pytest.MonkeyPatch, variable: str) -> None:
    entry = small_model(hub, mb=1)
    monkeypatch.setenv(variable, "1")
    with pytest.raises(ModelMissingError, match="offline"):
        download_model(entry)
    assert not hub.requests and not hub.cdn_requests


# -- resuming -------------------------------------------------------------------------------------


def test_cancel_then_resume_fetches_only_the_rest(hub: Hub) -> None:
    entry = small_model(hub)
    token = CancelToken()
    with pytest.raises(CancelledError):
        download_model(entry, on_progress=cancel_after(token, 3_000_000), cancel=token)
    partial = list((entry.cache_dir() / "blobs").glob("*.incomplete"))
    assert len(partial) == 1
    kept = partial[0].stat().st_size
    assert 3_000_000 <= kept < len(hub.files[(REPO, "model.safetensors")])
    assert entry.state() is ModelState.INCOMPLETE
    hub.log.clear()
    download_model(entry)
    assert byte_gets(hub, "model.safetensors") == [f"bytes={kept}-"]
    assert byte_gets(hub, "config.json") == []  # already in place
    assert verify_model(entry) == [] and not list(entry.cache_dir().rglob("*.incomplete"))


def _child_env(hub: Hub) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_TOKEN")}
    env.update(HF_ENDPOINT=hub.url, PYTHONPATH=str(ROOT))
    return env


@pytest.mark.slow
def test_killed_process_resumes_after_a_new_start_without_refetching(hub: Hub, tmp_path: Path) -> None:
    entry = small_model(hub)
    size = len(hub.files[(REPO, "model.safetensors")])
    spec = tmp_path / "entry.json"
    spec.write_text(json.dumps(asdict(entry)))
    release = threading.Event()
    hub.pause_after["model.safetensors"] = (4_000_000, release)
    child = [sys.executable, str(ROOT / "tests" / "download_child.py"), "download", str(spec)]
    first = subprocess.Popen(child, env=_child_env(hub), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    partial = (
        entry.cache_dir()
        / "blobs"
        / (hashlib.sha256(hub.files[(REPO, "model.safetensors")]).hexdigest() + ".incomplete")
    )
    deadline = time.monotonic() + 120
    while not (partial.exists() and partial.stat().st_size >= 4_000_000):
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "the first download never got halfway"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)  # no clean-up code runs: as a crash or a power cut
    first.wait(30)
    release.set()
    kept = partial.stat().st_size
    assert kept == 4_000_000
    before = len(hub.cdn_requests)
    hub.log.clear()
    second = subprocess.run(child, env=_child_env(hub), capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr
    gets = [r for r in hub.cdn_requests[before:] if r.method == "GET"]
    assert [r.headers.get("range") for r in gets] == [f"bytes={kept}-"]
    assert sum(r.sent for r in gets) == size - kept  # nothing that was on disk came again
    assert byte_gets(hub, "config.json") == [] and verify_model(entry) == []


def test_dropped_connections_and_server_errors_are_resumed_or_retried(hub: Hub) -> None:
    entry = small_model(hub)
    hub.drop_after["model.safetensors"] = 2_500_000
    hub.fail_next["config.json"] = 2
    download_model(entry, backoff_s=0.01)
    ranges = byte_gets(hub, "model.safetensors")
    assert ranges[0] == "" and ranges[1].startswith("bytes=") and int(ranges[1][6:-1]) >= 2_000_000
    assert verify_model(entry) == []
    remove_model(entry)
    hub.fail_next["model.safetensors"] = 10
    with pytest.raises(AlbumGenError, match=r"model.safetensors of tiny-model failed: .*HTTP 503"):
        download_model(entry, retries=2, backoff_s=0.01)


def test_a_server_that_ignores_range_sends_the_file_again_and_it_still_checks_out(hub: Hub) -> None:
    entry = small_model(hub)
    token = CancelToken()
    with pytest.raises(CancelledError):
        download_model(entry, on_progress=cancel_after(token, 2_000_000), cancel=token)
    hub.ignore_range = True
    download_model(entry)
    assert verify_model(entry) == []


def test_corrupted_bytes_are_caught_by_their_hash_and_fetched_again(hub: Hub) -> None:
    entry = small_model(hub, mb=2)
    hub.corrupt_next.update({"model.safetensors", "config.json"})
    snapshot = download_model(entry, backoff_s=0.01)
    for name in ("model.safetensors", "config.json"):  # sha256 for the LFS file, git sha1 for the other
        assert (snapshot / name).read_bytes() == hub.files[(REPO, name)]
        assert len(byte_gets(hub, name)) == 2


# -- what "installed" means --------------------------------------------------------------------------


def test_a_snapshot_missing_one_manifest_file_is_not_installed(hub: Hub) -> None:
    entry = small_model(hub, mb=1)
    snapshot = download_model(entry)
    (snapshot / "tokenizer.json").unlink()
    check = entry.check()
    assert check.state is ModelState.INCOMPLETE and not entry.is_installed()
    assert check.problems == ("tokenizer.json is missing",) and check.state.label == "incomplete: download to finish"
    hub.log.clear()
    download_model(entry)
    assert [n for m, n, _ in hub.log if m == "GET"] == []  # its blob was still there: linked again, not fetched
    blob = entry.cache_dir() / "blobs" / git_blob_sha1(hub.files[(REPO, "config.json")])
    blob.unlink()  # a dangling link: damaged, not installed
    assert entry.state() is ModelState.DAMAGED and entry.state().label == "damaged: download again"
    download_model(entry)
    assert entry.is_installed()


def test_the_pinned_revision_counts_not_the_newest_snapshot(hub: Hub) -> None:
    entry = small_model(hub, mb=1)
    hub.refs[(REPO, "refs/pr/1")] = COMMIT
    pinned = replace(entry, revision=COMMIT)
    download_model(pinned)
    newer = entry.cache_dir() / "snapshots" / OTHER_COMMIT
    newer.mkdir()
    (newer / "model.safetensors").write_bytes(weights(1000))  # newer, but not what the manifest pins
    assert pinned.check().snapshot == entry.cache_dir() / "snapshots" / COMMIT and pinned.is_installed()
    assert not replace(entry, revision=OTHER_COMMIT).is_installed()
    pr = replace(entry, revision="refs/pr/1")
    assert pr.state() is ModelState.NOT_DOWNLOADED  # no ref recorded for it yet
    download_model(pr)
    assert (entry.cache_dir() / "refs" / "refs" / "pr" / "1").read_text() == COMMIT and pr.is_installed()


@pytest.mark.slow
def test_truncated_weights_fail_verify_and_the_music_engine_exits_3(hub: Hub, tmp_path: Path, capsys) -> None:
    real = find_model("musicgen-small")
    hub.commits[real.repo] = real.revision
    files = {name: (weights(500_000) if name.endswith(".safetensors") else b"{}") for name in real.files}
    for name, data in files.items():
        hub.files[(real.repo, name)] = data
    download_model(real)
    assert real.is_installed()
    blob = real.cache_dir() / "blobs" / hashlib.sha256(files["model.safetensors"]).hexdigest()
    with open(blob, "r+b") as fh:
        fh.truncate(300_000)
    assert real.state() is ModelState.DAMAGED
    assert main(["models", "verify", "musicgen-small"]) == 1
    out = capsys.readouterr().out
    assert "musicgen-small: damaged: download again: model.safetensors has 300000 of" in out
    code = main(["music", "-o", str(tmp_path / "a.wav"), "--engine", "musicgen", "--duration", "1"])
    err = capsys.readouterr().err.strip()
    assert code == 3 and len(err.splitlines()) == 1
    assert "musicgen-small" in err and "damaged" in err and "albumgen models download musicgen-small" in err
    assert not (tmp_path / "a.wav").exists()
    assert main(["music", "-o", str(tmp_path / "b.wav"), "--engine", "auto", "--duration", "1"]) == 0
    err = capsys.readouterr().err
    assert "musicgen-small is damaged (download it again); using" in err and (tmp_path / "b.wav").is_file()
    assert main(["models", "list", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["musicgen-small"]["state"] == "damaged" and rows["musicgen-small"]["installed"] is False


def test_same_size_garbage_is_found_by_verify_marked_damaged_and_repaired(hub: Hub) -> None:
    entry = small_model(hub, mb=1)
    snapshot = download_model(entry)
    weights_file = (snapshot / "model.safetensors").resolve()
    data = bytearray(weights_file.read_bytes())
    data[-1000:] = bytes(1000)  # the header still adds up: only hashing can tell
    weights_file.write_bytes(bytes(data))
    assert entry.state() is ModelState.INSTALLED
    problems = verify_model(entry)
    assert problems == ["model.safetensors does not match its blob name"]
    assert entry.state() is ModelState.DAMAGED  # remembered until the file changes
    hub.log.clear()
    download_model(entry)
    assert len(byte_gets(hub, "model.safetensors")) == 1 and byte_gets(hub, "config.json") == []
    assert entry.is_installed() and verify_model(entry) == []


# -- the disk ------------------------------------------------------------------------------------------


def _disk(monkeypatch: pytest.MonkeyPatch, free: int) -> None:
    import shutil

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage(10 * free + 1, 0, free))


def test_the_disk_check_asks_for_exactly_what_will_be_written(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    entry = small_model(hub, mb=4)
    need = sum(len(hub.files[(REPO, n)]) for n in entry.files)
    _disk(monkeypatch, need - 1)
    with pytest.raises(AlbumGenError, match="not enough disk space for tiny-model"):
        download_model(entry)
    assert not hub.cdn_requests and byte_gets(hub, "config.json") == []
    token = CancelToken()
    _disk(monkeypatch, need)
    with pytest.raises(CancelledError):
        download_model(entry, on_progress=cancel_after(token, 1_000_000), cancel=token)
    kept = next((entry.cache_dir() / "blobs").glob("*.incomplete")).stat().st_size
    _disk(monkeypatch, need - kept)  # what is already on disk is not asked for again
    download_model(entry)
    assert entry.is_installed()


def test_without_symlinks_files_are_hard_linked_or_moved_never_copied(hub: Hub, monkeypatch) -> None:
    entry = small_model(hub, mb=2)
    total = sum(len(hub.files[(REPO, n)]) for n in entry.files)

    def no_links(*args, **kwargs):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(os, "symlink", no_links)
    snapshot = download_model(entry)
    pointer = snapshot / "model.safetensors"
    blob = entry.cache_dir() / "blobs" / hashlib.sha256(pointer.read_bytes()).hexdigest()
    assert not pointer.is_symlink() and pointer.stat().st_ino == blob.stat().st_ino  # one file, two names
    assert size_on_disk(entry) == total
    remove_model(entry)
    monkeypatch.setattr(os, "link", no_links)
    snapshot = download_model(entry)
    assert not list((entry.cache_dir() / "blobs").iterdir())  # each blob moved into the snapshot
    assert size_on_disk(entry) == total and verify_model(entry) == []
    hub.log.clear()
    download_model(entry)
    assert [m for m, _, _ in hub.log if m == "GET"] == []  # found in place: nothing fetched again


# -- removing -----------------------------------------------------------------------------------------


def test_remove_also_removes_the_xet_shared_blobs_only_this_model_used(hub: Hub) -> None:
    from huggingface_hub.utils._shared_blobs import publish_blob_to_shared_store, shared_blob_path

    from albumgen_desktop.models.hub_settings import hub_cache_dir

    data = weights(500_000)
    first = make_entry(hub, {"config.json": b"{}", "model.safetensors": data}, repo="org/first")
    second = replace(make_entry(hub, {"config.json": b"{}", "model.safetensors": data}, repo="org/second"), id="b")
    xh = xet_hash(data)
    for entry in (first, second):  # what huggingface_hub does after a Xet download (file_download.py)
        download_model(entry)
        blob = entry.cache_dir() / "blobs" / hashlib.sha256(data).hexdigest()
        assert publish_blob_to_shared_store(blob_path=str(blob), xet_hash=xh, cache_dir=hub_cache_dir(),
                                            expected_size=len(data))  # fmt: skip
        assert entry.is_installed()
    store = shared_blob_path(hub_cache_dir(), xh)
    assert store.is_file()
    assert remove_model(first) and not first.cache_dir().exists()
    assert store.is_file() and second.is_installed(), second.check()  # still used by the other model
    assert remove_model(second) and not store.exists()
    assert not remove_model(second)


# -- the CLI ------------------------------------------------------------------------------------------


def test_cli_download_list_verify_remove(hub: Hub, capsys) -> None:
    taesd = find_model("taesd")
    for name in taesd.files:
        hub.files[(taesd.repo, name)] = weights(50_000) if name.endswith(".safetensors") else b'{"latent": 4}'
    assert main(["models", "download", "taesd"]) == 0
    assert main(["models", "verify", "taesd"]) == 0
    assert "taesd: ok (2 files hashed)" in capsys.readouterr().out
    assert main(["models", "list", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["taesd"]["state"] == "installed" and rows["taesd"]["resolved_commit"] == COMMIT
    assert rows["musicgen-small"]["state"] == "not downloaded" and rows["musicgen-small"]["installed"] is False
    assert main(["models", "list"]) == 0
    assert "not downloaded" in capsys.readouterr().out
    assert main(["models", "remove", "taesd"]) == 0
    assert main(["models", "verify", "taesd"]) == 1
    assert "taesd is not downloaded" in capsys.readouterr().out


def test_cli_downloads_a_bundle_once(hub: Hub, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from albumgen_desktop.models.manifest import find_bundle

    bundle = find_bundle("cpu-starter")
    for entry in bundle.entries():
        hub.commits[entry.repo] = entry.revision if len(entry.revision) == 40 else COMMIT
        for name in entry.files:
            hub.files[(entry.repo, name)] = weights(2000) if name.endswith(".safetensors") else name.encode()
    assert main(["models", "download", "cpu-starter"]) == 0
    err = capsys.readouterr().err
    assert "CPU starter" in err and "3 to download" in err
    assert all(e.is_installed() for e in bundle.entries())
    assert main(["models", "download", "cpu-starter"]) == 0
    assert "0 to download" in capsys.readouterr().err
