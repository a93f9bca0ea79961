"""Run in a separate process by tests/test_download.py (a fresh interpreter: huggingface_hub reads
its settings from this process's environment, as a new app start would).

    python tests/download_child.py download ENTRY.json   # download_model, printing progress lines
    python tests/download_child.py load REPO REVISION     # read the cache with huggingface_hub and transformers
    python tests/download_child.py where                  # our cache folder and offline flag beside the library's
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import netguard

netguard.install()


def download(entry_json: str) -> None:
    from albumgen_desktop.models.download import download_model
    from albumgen_desktop.models.manifest import License, ModelEntry

    raw = json.loads(Path(entry_json).read_text())
    raw["license"] = License(**raw["license"])
    for key in ("files", "optional_files", "tiers"):
        raw[key] = tuple(raw.get(key, ()))
    entry = ModelEntry(**raw)

    def report(p) -> None:
        print(f"progress {p.filename} {p.file_done} {p.file_total}", flush=True)

    snapshot = download_model(entry, on_progress=report, backoff_s=0.01)
    print(f"done {snapshot}", flush=True)


def load(repo: str, revision: str) -> None:
    from huggingface_hub import snapshot_download
    from transformers import CLIPModel, CLIPProcessor

    folder = snapshot_download(repo, revision=revision, local_files_only=True)
    model = CLIPModel.from_pretrained(repo, revision=revision, local_files_only=True, use_safetensors=True)
    processor = CLIPProcessor.from_pretrained(repo, revision=revision, local_files_only=True)
    ids = processor.tokenizer(["a happy song"])["input_ids"][0]
    print(json.dumps({
        "snapshot": folder, "parameters": sum(p.numel() for p in model.parameters()), "tokens": len(ids),
        "model_file": model.config._name_or_path,
    }))  # fmt: skip


def where() -> None:
    import huggingface_hub.constants as constants

    from albumgen_desktop.models.hub_settings import hub_cache_dir, hub_offline

    print(json.dumps({
        "ours": str(hub_cache_dir()), "library": str(constants.HF_HUB_CACHE),
        "ours_offline": hub_offline(), "library_offline": constants.HF_HUB_OFFLINE,
    }))  # fmt: skip


if __name__ == "__main__":
    command, *rest = sys.argv[1:]
    if command == "download":
        download(*rest)
    elif command == "load":
        load(*rest)
    else:
        where()
