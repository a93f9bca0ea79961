"""Benchmark the cover VLM: the real SmolVLM-256M architecture with random weights, one cover.

Speed does not depend on weight values, so SmolVLM-256M-Instruct's architecture (SigLIP
B/16 at 512 px, 12 layers 768 wide; pixel shuffle by 4; SmolLM2-135M, 30 layers 576 wide,
9 query and 3 key/value heads) is built from its config values with random weights, saved
in the real layout with the real processor settings and loaded through the app's engine.

The tokenizer cannot be downloaded, so one with the real vocabulary size is trained here:
a byte-level BPE (digits split one by one) trained to 49,152 entries on the text of this
environment's installed Python packages (source and docs: English and code, like SmolLM2's
corpus), plus SmolVLM's 128 added tokens at their real ids. How long the grammar constraint
takes depends on how many of those tokens fit the Features JSON at each step, so it is
timed on this vocabulary too, beside the previous algorithm (a scan of every token that
starts with an allowed character, checked character by character).

    python benchmarks/bench_vlm.py [--device auto|cpu|cuda] [--corpus-mb 45] [--skip-split]

One cover end to end = the engine's ``generate`` for one image, greedy: image processing,
vision tower, prefill, and the constrained decoding of one Features object. The last line
printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

SMOLVLM_256M_VISION = {
    "hidden_size": 768,
    "intermediate_size": 3072,
    "num_hidden_layers": 12,
    "num_attention_heads": 12,
}
SMOLVLM_256M_TEXT = {"hidden_size": 576, "intermediate_size": 1536, "num_hidden_layers": 30, "num_attention_heads": 9,
                     "num_key_value_heads": 3, "head_dim": 64}  # fmt: skip


def package_text(limit_bytes: int) -> list[str]:
    """Up to ``limit_bytes`` of text from the installed packages (.py, .md, .rst, .txt), in a fixed order."""
    import sysconfig

    root = Path(sysconfig.get_paths()["purelib"])
    texts: list[str] = []
    total = 0
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".py", ".md", ".rst", ".txt") or not path.is_file():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        texts.append(text)
        total += len(text)
        if total >= limit_bytes:
            break
    return texts


def build_real_size(folder: Path, corpus_mb: float) -> tuple[Path, float, int, int]:
    import torch
    from transformers import Idefics3ForConditionalGeneration
    from transformers.utils import logging as hf_logging

    from albumgen_desktop.models import tiny

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    start = time.perf_counter()
    corpus = package_text(int(corpus_mb * 1e6)) + tiny.vlm_corpus()
    tokenizer = tiny.smolvlm_tokenizer(corpus, trained_size=tiny.VLM_BASE_VOCAB)
    trained = sum(1 for t in tokenizer.get_vocab() if not t.startswith("<unused_"))
    tokenizer_s = time.perf_counter() - start
    torch.manual_seed(0)
    config = tiny.smolvlm_config(tokenizer, SMOLVLM_256M_VISION, SMOLVLM_256M_TEXT)
    model = Idefics3ForConditionalGeneration(config).eval()
    params = sum(p.numel() for p in model.parameters())
    gen = model.generation_config
    gen.bos_token_id, gen.eos_token_id, gen.pad_token_id = 1, 49279, 2
    model.save_pretrained(folder, safe_serialization=True)
    tiny.save_smolvlm_processor(folder, tokenizer)
    return folder, tokenizer_s, trained, params


def scan_allowed(grammar, token_texts: dict[int, str], eos_ids: set[int], states) -> list[int]:
    """The previous constraint: every token whose first character is allowed, checked character by character."""
    by_first: dict[str, list[tuple[int, str]]] = {}
    for token_id, text in token_texts.items():
        if text and text.isascii() and text.isprintable() and token_id not in eos_ids:
            by_first.setdefault(text[0], []).append((token_id, text))
    return sorted(
        token_id
        for ch in grammar.next_chars(states)
        for token_id, text in by_first.get(ch, ())
        if grammar.advance(states, text)
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--corpus-mb", type=float, default=45.0, help="text the tokenizer is trained on")
    parser.add_argument("--skip-split", action="store_true", help="do not time the processor's 17-tile default")
    args = parser.parse_args(argv)

    import random

    import numpy as np
    import torch
    from PIL import Image

    from albumgen_desktop.core.json_grammar import Grammar, TokenConstraint, TokenTrie, features_pieces
    from albumgen_desktop.engines import vlm as vlm_module
    from albumgen_desktop.engines.vlm import FeaturesVlm

    wall = time.perf_counter()
    rng = np.random.default_rng(0)
    covers = [Image.fromarray(rng.integers(0, 256, (1000, 1000, 3), dtype=np.uint8)) for _ in range(3)]

    def sync() -> None:
        if torch.cuda.is_available() and args.device != "cpu":
            torch.cuda.synchronize()

    with tempfile.TemporaryDirectory() as tmp:
        folder, tokenizer_s, trained, params = build_real_size(Path(tmp) / "smolvlm", args.corpus_mb)
        start = time.perf_counter()
        engine = FeaturesVlm(folder, device=args.device)
        load_s = time.perf_counter() - start

        def one_cover(cover: Image.Image) -> tuple[float, int, int]:
            inputs = engine.inputs([cover])
            sync()
            start = time.perf_counter()
            engine.generate([cover])
            sync()
            return time.perf_counter() - start, int(inputs["input_ids"].shape[1]), engine.last_output_tokens[0]

        cold_s, prompt_tokens, output_tokens = one_cover(covers[0])  # the session's first: fills the caches
        warm_s, _, _ = one_cover(covers[1])  # another cover: what each later one costs

        split = {}
        if not args.skip_split:
            vlm_module.IMAGE_SPLITTING, vlm_module.IMAGE_SIZE = True, {"longest_edge": 2048}
            try:
                split_s, split_prompt, _ = one_cover(covers[2])
            finally:
                vlm_module.IMAGE_SPLITTING, vlm_module.IMAGE_SIZE = False, {"longest_edge": 512}
            split = {"split_17_tiles_s_per_cover": round(split_s, 2), "split_prompt_tokens": split_prompt}

        # The grammar constraint alone, on this vocabulary: trie walk against the previous scan,
        # over the states of 20 random valid outputs (fresh caches for both).
        grammar = Grammar(features_pieces())
        walk = random.Random(1)
        states = []
        for _ in range(20):
            text = grammar.random_text(walk)
            states += [grammar.advance(grammar.start(), text[:i]) for i in range(len(text))]
        distinct = list(dict.fromkeys(states))
        start = time.perf_counter()
        TokenTrie._cache.clear()
        trie_constraint = TokenConstraint(grammar, engine.token_texts, engine.eos_ids)
        trie_build_s = time.perf_counter() - start
        start = time.perf_counter()
        for s in distinct:
            trie_constraint.allowed(s)
        trie_s = time.perf_counter() - start
        sample = distinct[:: max(1, len(distinct) // 40)]
        start = time.perf_counter()
        for s in sample:
            assert scan_allowed(grammar, engine.token_texts, engine.eos_ids, s) == trie_constraint.allowed(s)
        scan_s_per_state = (time.perf_counter() - start) / len(sample)

    result = {
        "s_per_cover": round(warm_s, 2),
        "first_cover_s": round(cold_s, 2),
        "prompt_tokens": prompt_tokens,
        "image_tokens": 64,
        "output_tokens": output_tokens,
        **split,
        "constraint_trie_build_s": round(trie_build_s, 2),
        "constraint_trie_ms_per_state": round(1000 * trie_s / len(distinct), 2),
        "constraint_scan_ms_per_state": round(1000 * scan_s_per_state, 1),
        "constraint_states": len(distinct),
        "vocabulary": len(engine.token_texts),
        "trained_vocabulary": trained,
        "tokenizer_train_s": round(tokenizer_s, 1),
        "params_m": round(params / 1e6, 1),
        "load_s": round(load_s, 1),
        "device": engine.placement.device,
        "precision": engine.placement.precision,
        "threads": torch.get_num_threads(),
        "wall_s": round(time.perf_counter() - wall, 1),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
