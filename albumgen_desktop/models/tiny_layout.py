"""Give a tiny model's snapshot every file the manifest lists, in the real repo's layout.

The tiny builders save with today's transformers, which writes a newer layout than the real
repos carry (``processor_config.json`` instead of ``preprocessor_config.json``, ``tokenizer.json``
without ``vocab.json``/``merges.txt``/``special_tokens_map.json``, one ``model.safetensors`` where
musicgen-melody has two shards and an index). "Installed" means every manifest file is there
(models/installed.py), so a tiny install completes the layout the way those files were made:
each one is derived from what the builder wrote (the same vocabulary, merges, special tokens,
feature-extractor settings and tensors), never a placeholder.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from albumgen_desktop.models.manifest import ModelEntry

_SPECIAL_KEYS = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")
_SHARD = re.compile(r"^(?P<stem>.+)-(?P<i>\d{5})-of-(?P<n>\d{5})\.safetensors$")


def _load_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _bpe_files(folder: Path) -> bool:
    """vocab.json and merges.txt (GPT-2/CLIP BPE files, "#version: 0.2" header) from tokenizer.json."""
    source = folder / "tokenizer.json"
    if not source.is_file():
        return False
    model = _load_json(source)["model"]
    if model.get("type") != "BPE":
        return False
    merges = [m if isinstance(m, str) else " ".join(m) for m in model.get("merges", [])]
    (folder / "vocab.json").write_text(json.dumps(model["vocab"], ensure_ascii=False), encoding="utf-8")
    (folder / "merges.txt").write_text("#version: 0.2\n" + "\n".join(merges) + "\n", encoding="utf-8")
    return True


def _special_tokens_map(folder: Path) -> bool:
    """special_tokens_map.json (what transformers 4 wrote beside tokenizer_config.json)."""
    source = folder / "tokenizer_config.json"
    if not source.is_file():
        return False
    config = _load_json(source)
    tokens = {k: config[k] for k in _SPECIAL_KEYS if isinstance(config.get(k), str)}
    extra = config.get("additional_special_tokens") or config.get("extra_special_tokens")
    if isinstance(extra, list) and extra:
        tokens["additional_special_tokens"] = extra
    (folder / "special_tokens_map.json").write_text(json.dumps(tokens, indent=2), encoding="utf-8")
    return True


def _preprocessor_config(folder: Path) -> bool:
    """preprocessor_config.json: the feature extractor or image processor part of processor_config.json."""
    source = folder / "processor_config.json"
    if not source.is_file():
        return False
    config = _load_json(source)
    part = config.get("feature_extractor") or config.get("image_processor")
    if not isinstance(part, dict):
        return False
    if "processor_class" in config:
        part = {**part, "processor_class": config["processor_class"]}
    (folder / "preprocessor_config.json").write_text(json.dumps(part, indent=2), encoding="utf-8")
    return True


def _shards(folder: Path, stem: str, count: int) -> bool:
    """Split ``<stem>.safetensors`` into ``count`` shards plus ``<stem>.safetensors.index.json``
    (transformers' sharded-checkpoint format) and drop the single file, as the real repo has none."""
    from safetensors import safe_open
    from safetensors.torch import save_file

    single = folder / f"{stem}.safetensors"
    if not single.is_file():
        return False
    with safe_open(str(single), framework="pt") as fh:
        names = list(fh.keys())
        metadata = fh.metadata() or {"format": "pt"}
        tensors = {name: fh.get_tensor(name) for name in names}
    weight_map: dict[str, str] = {}
    total = 0
    for i in range(count):
        shard_name = f"{stem}-{i + 1:05d}-of-{count:05d}.safetensors"
        part = {name: tensors[name] for name in names[i::count]}
        save_file(part, str(folder / shard_name), metadata=metadata)
        weight_map.update(dict.fromkeys(part, shard_name))
        total += sum(t.numel() * t.element_size() for t in part.values())
    index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
    (folder / f"{stem}.safetensors.index.json").write_text(json.dumps(index, indent=2), encoding="utf-8")
    single.unlink()
    return True


def complete_layout(entry: ModelEntry, snapshot: Path) -> None:
    """Write every file of ``entry.files`` that the builder left out, derived as described above.
    Raises RuntimeError naming any file that cannot be derived (the tiny model would then not
    count as installed, and a test should say why)."""
    for name in entry.files:
        path = snapshot / name
        if path.exists():
            continue
        folder, base = path.parent, path.name
        shard = _SHARD.match(base)
        if base in ("vocab.json", "merges.txt"):
            _bpe_files(folder)
        elif base == "special_tokens_map.json":
            _special_tokens_map(folder)
        elif base == "preprocessor_config.json":
            _preprocessor_config(folder)
        elif shard:
            _shards(folder, shard.group("stem"), int(shard.group("n")))
        elif base.endswith(".safetensors.index.json"):
            first = next(
                (f for f in entry.files if f.startswith(base.removesuffix(".safetensors.index.json") + "-")), None
            )
            if first and (m := _SHARD.match(Path(first).name)):
                _shards(folder, m.group("stem"), int(m.group("n")))
    missing = [name for name in entry.files if not (snapshot / name).exists()]
    if missing:
        raise RuntimeError(f"the tiny {entry.id} lacks {missing}, which the manifest lists")
