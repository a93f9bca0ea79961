"""Benchmark cover analysis: CLIP ViT-B/32 at its real size (random weights), the sketch analyser,
and exact retrieval over a 10k-album library.

    python benchmarks/bench_image.py [--device auto|cpu|cuda]

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import functools
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from timing import median_seconds  # benchmarks/ is on sys.path when a script runs


def build_clip(folder: Path) -> Path:
    """laion/CLIP-ViT-B-32-laion2B-s34B-b79K's architecture, saved in the real layout."""
    import torch
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel, CLIPProcessor
    from transformers.utils import logging as hf_logging

    from albumgen_desktop.models.tiny_diffusion import clip_tokenizer

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    torch.manual_seed(0)
    config = CLIPConfig(
        text_config={"hidden_size": 512, "intermediate_size": 2048, "num_hidden_layers": 12, "num_attention_heads": 8,
                     "vocab_size": 49408, "max_position_embeddings": 77, "hidden_act": "gelu"},
        vision_config={"hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12,
                       "num_attention_heads": 12, "image_size": 224, "patch_size": 32, "hidden_act": "gelu"},
        projection_dim=512,
    )  # fmt: skip
    CLIPModel(config).save_pretrained(folder, safe_serialization=True)
    CLIPProcessor(image_processor=CLIPImageProcessor(), tokenizer=clip_tokenizer()).save_pretrained(folder)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    args = parser.parse_args(argv)

    import numpy as np
    from PIL import Image

    from albumgen_desktop.engines.image_clip import ClipAnalyser
    from albumgen_desktop.engines.image_sketch import analyse_colours, sketch_embedding
    from albumgen_desktop.library.retrieval import top_k

    rng = np.random.default_rng(0)
    cover = Image.fromarray(rng.integers(0, 256, (1024, 1024, 3), dtype=np.uint8))
    sketch_s = median_seconds(lambda: analyse_colours(cover), 5)
    sketch_embed_s = median_seconds(lambda: sketch_embedding(cover), 5)

    matrix = rng.normal(size=(10_000, 512)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    queries = rng.normal(size=(50, 512)).astype(np.float32)
    retrieval = [median_seconds(functools.partial(top_k, q, matrix, 5), 1) for q in queries]

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        clip = ClipAnalyser(build_clip(Path(tmp) / "clip"), device=args.device)
        load_s = time.perf_counter() - start
        clip.embed([cover])
        embed_s = median_seconds(lambda: clip.embed([cover]), 5)
        batch = [cover] * 16
        batch_s = median_seconds(lambda: clip.embed(batch), 2) / len(batch)
        emb = clip.embed([cover])[0]
        start = time.perf_counter()
        clip.zero_shot(emb)  # first call embeds the prompt ensembles
        prompts_s = time.perf_counter() - start
        zero_shot_s = median_seconds(lambda: clip.zero_shot(emb), 5)
    result = {
        "sketch_analyse_s": round(sketch_s, 4),
        "sketch_embed_s": round(sketch_embed_s, 4),
        "retrieval_10k_ms": round(1000 * statistics.median(retrieval), 3),
        "retrieval_10k_max_ms": round(1000 * max(retrieval), 3),
        "clip_load_s": round(load_s, 2),
        "clip_embed_s": round(embed_s, 4),
        "clip_embed_batch16_per_image_s": round(batch_s, 4),
        "clip_prompt_ensembles_s": round(prompts_s, 3),
        "clip_zero_shot_s": round(zero_shot_s, 5),
        "device": clip.placement.device,
        "precision": "fp32",
        "goal_sketch_le_1s": sketch_s <= 1.0,
        "goal_retrieval_le_50ms": max(retrieval) <= 0.05,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
