"""Tiny random-weight models built offline from configs, saved in the real on-disk layout.

Tests and `albumgen selftest` load them through the same from_pretrained path as
the real checkpoints (safetensors, no remote code); only the sizes differ. Like
transformers' own test suites, the architectures are real and the weights random.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from albumgen_desktop.models.manifest import ModelEntry

_TOKENIZER_CORPUS = (
    "a happy song with piano", "sad melancholic music", "electronic dance music with synthesizers",
    "live concert recording with audience", "instrumental music without vocals", "speech and rap",
    "calm soft quiet ambient", "energetic loud rock with drums", "jazz blues folk pop hip hop classical",
)  # fmt: skip


def _byte_level_bpe_files(folder: Path, vocab_size: int = 400) -> tuple[Path, Path]:
    from tokenizers import ByteLevelBPETokenizer

    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        list(_TOKENIZER_CORPUS) * 4,
        vocab_size=vocab_size,
        min_frequency=1,
        special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
        show_progress=False,
    )
    bpe.save_model(str(folder))
    return folder / "vocab.json", folder / "merges.txt"


def build_tiny_clap(out_dir: Path, seed: int = 0) -> Path:
    """A ClapModel with the HTSAT + RoBERTa architecture at toy size, plus its processor."""
    import torch
    from transformers import ClapConfig, ClapFeatureExtractor, ClapModel, ClapProcessor, RobertaTokenizerFast
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    torch.manual_seed(seed)
    config = ClapConfig(
        text_config={
            "vocab_size": 400, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2,
            "intermediate_size": 37, "max_position_embeddings": 80, "type_vocab_size": 1,
            "pad_token_id": 1, "bos_token_id": 0, "eos_token_id": 2,
        },
        audio_config={
            "spec_size": 64, "patch_size": 4, "patch_stride": [4, 4], "num_mel_bins": 16,
            "patch_embeds_hidden_size": 16, "hidden_size": 64, "depths": [1, 1, 1],
            "num_attention_heads": [2, 2, 2], "window_size": 4, "enable_fusion": False,
        },
        projection_dim=16,
    )  # fmt: skip
    model = ClapModel(config).eval()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        vocab, merges = _byte_level_bpe_files(Path(tmp))
        tokenizer = RobertaTokenizerFast(vocab_file=str(vocab), merges_file=str(merges), model_max_length=77)
    extractor = ClapFeatureExtractor(
        feature_size=16, sampling_rate=48000, max_length_s=2, fft_window_size=512, hop_length=480,
        truncation="rand_trunc", padding="repeatpad",
    )  # fmt: skip
    model.save_pretrained(out_dir, safe_serialization=True)
    ClapProcessor(feature_extractor=extractor, tokenizer=tokenizer).save_pretrained(out_dir)
    return out_dir


BUILDERS = {"clap-music": build_tiny_clap}


def install_tiny(entry: ModelEntry, revision: str = "tiny0000") -> Path:
    """Put a tiny model where huggingface_hub would have put the real one (HF_HOME honoured)."""
    builder = BUILDERS.get(entry.id)
    if builder is None:
        raise KeyError(f"no tiny builder for {entry.id}")
    snapshot = entry.cache_dir() / "snapshots" / revision
    builder(snapshot)
    refs = entry.cache_dir() / "refs"
    refs.mkdir(parents=True, exist_ok=True)
    (refs / "main").write_text(revision)
    return snapshot
