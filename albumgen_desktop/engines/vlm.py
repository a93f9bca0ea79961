"""A small vision-language model writes the Features JSON for a cover, under constrained decoding.

The model (SmolVLM: Idefics3 in transformers, no remote code) sees the cover and,
as context, the albums the reference library retrieved with their Features. A
logits processor lets it pick only tokens that keep the output a prefix of a valid
Features object (see json_grammar), so every output parses and every value is in
range by construction; AlbumGen's untuned VLM managed 21% valid JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from albumgen_desktop.core.errors import CancelledError
from albumgen_desktop.core.evidence import NeighbourAlbum
from albumgen_desktop.core.features import Features
from albumgen_desktop.core.json_grammar import Grammar, TokenConstraint, features_pieces, parse_features
from albumgen_desktop.core.progress import CancelToken
from albumgen_desktop.models.device import Placement, choose_placement

# One 512 px tile per cover, not the processor's default split. SmolVLM's preprocessor_config.json
# turns image splitting on with longest_edge 2048: any cover becomes a 4 x 4 grid of 512 px tiles
# plus a global view, 17 x 64 = 1088 image tokens, for reading fine print in documents. A cover's
# mood, palette and genre are global properties, which the global view alone carries; one tile is
# 64 tokens, and the prompt is about 17 times shorter (benchmarks/bench_vlm.py times both). The
# cover is resized once, to the tile's 512 px (the processor would first scale it to 2048 px).
IMAGE_SPLITTING = False
IMAGE_SIZE = {"longest_edge": 512}

INSTRUCTION = (
    "You are a music producer. Write the audio features of music that fits this album cover, as one JSON object "
    "with acousticness, danceability, energy, instrumentalness, liveness, speechiness and valence (0 to 1), "
    "loudness_db (-60 to 0), tempo_bpm, key, mode, time_signature and genre."
)


def context_text(neighbours: Sequence[NeighbourAlbum]) -> str:
    """The retrieved albums (retrieval evidence) as a few lines of context for the VLM."""
    if not neighbours:
        return ""
    lines = ["Albums whose covers look similar, with their features:"]
    for n in neighbours:
        bits = ", ".join(
            f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in n.features.items() if v not in (None, "")
        )
        who = f"{n.artist} - {n.title}" if n.artist else n.title
        lines.append(f"- {who} (similarity {n.similarity:.2f}): {bits}")
    return "\n".join(lines)


class FeaturesVlm:
    def __init__(self, model_dir: Path, precision: str = "auto", device: str = "auto") -> None:
        import torch
        from transformers import AutoModelForImageTextToText, AutoProcessor
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        self._torch = torch
        placement = choose_placement("auto" if precision == "int8" else precision, device)
        self.model = AutoModelForImageTextToText.from_pretrained(
            model_dir, use_safetensors=True, local_files_only=True, dtype=placement.torch_dtype
        ).eval()
        self.place(placement)
        self.processor = AutoProcessor.from_pretrained(model_dir, local_files_only=True)
        tok = self.processor.tokenizer
        tok.padding_side = "left"  # batched generation with a decoder-only text model
        self.tokenizer = tok
        ids = list(range(len(tok)))
        texts = tok.batch_decode([[i] for i in ids], clean_up_tokenization_spaces=False)
        self.token_texts = dict(zip(ids, texts, strict=True))
        eos = {tok.eos_token_id}
        end = tok.convert_tokens_to_ids("<end_of_utterance>")
        if isinstance(end, int) and end != tok.unk_token_id:
            eos.add(end)
        self.eos_ids = {i for i in eos if i is not None}
        self.grammar = Grammar(features_pieces())
        self.constraint = TokenConstraint(self.grammar, self.token_texts, self.eos_ids)
        self._allowed: dict[tuple[frozenset, str], Any] = {}  # automaton state -> allowed ids as a tensor, per device

    def _allowed_ids(self, states: frozenset, device: Any) -> Any:
        key = (states, str(device))
        if key not in self._allowed:
            ids = self.constraint.allowed(states)
            self._allowed[key] = self._torch.tensor(ids, dtype=self._torch.long).to(device)
        return self._allowed[key]

    def place(self, placement: Placement) -> None:
        """The model on ``placement.device`` in its precision, in one ``.to(device, dtype)``; in bf16
        on a CPU its Linear layers get prepacked weights (engines/packed_linear.py)."""
        self.model.to(device=placement.device, dtype=placement.torch_dtype)
        if placement.device == "cpu" and placement.precision == "bf16":
            from albumgen_desktop.engines.packed_linear import pack_linears_bf16

            pack_linears_bf16(self.model)
        self.placement = placement

    def _prompt(self, context: str) -> str:
        text = INSTRUCTION + ("\n" + context if context else "")
        messages = [{"role": "user", "content": [{"type": "image"}, {"type": "text", "text": text}]}]
        return self.processor.apply_chat_template(messages, add_generation_prompt=True)

    def inputs(self, images: list[Image.Image], context: str = "") -> Any:
        """The processor's tensors for ``images`` (one 512 px tile each, see IMAGE_SPLITTING) and the
        instruction with ``context``, on the model's device, pixels in the model's precision."""
        prompt = self._prompt(context)
        inputs = self.processor(
            text=[prompt] * len(images), images=[[im.convert("RGB")] for im in images], return_tensors="pt",
            padding=True, do_image_splitting=IMAGE_SPLITTING, size=IMAGE_SIZE,
        ).to(self.model.device)  # fmt: skip
        if "pixel_values" in inputs:
            inputs["pixel_values"] = inputs["pixel_values"].to(self.placement.torch_dtype)
        return inputs

    def generate(
        self,
        images: list[Image.Image],
        context: str = "",
        seed: int = 0,
        sample: bool = False,
        temperature: float = 0.8,
        cancel: CancelToken | None = None,
    ) -> list[tuple[str, Features]]:
        """One (JSON text, Features) per image; greedy unless ``sample``."""
        torch = self._torch
        from transformers import LogitsProcessor, LogitsProcessorList, StoppingCriteria, StoppingCriteriaList

        inputs = self.inputs(images, context)
        start = inputs["input_ids"].shape[1]
        grammar, constraint, texts, allowed = self.grammar, self.constraint, self.token_texts, self._allowed_ids
        states = [grammar.start() for _ in images]

        class Constrain(LogitsProcessor):
            def __call__(self, input_ids, scores):
                if input_ids.shape[1] > start:
                    for b, token in enumerate(input_ids[:, -1].tolist()):
                        if not grammar.is_complete(states[b]) and token not in constraint.eos_ids:
                            states[b] = grammar.advance(states[b], texts.get(token, ""))
                mask = torch.full_like(scores, float("-inf"))
                for b, state in enumerate(states):
                    mask[b].index_fill_(0, allowed(state, scores.device), 0.0)
                return scores + mask

        class Cancel(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):
                if cancel is not None and cancel.cancelled:
                    raise CancelledError("cover analysis cancelled")
                return torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)

        torch.manual_seed(seed)
        with torch.inference_mode():
            out = self.model.generate(
                **inputs, max_new_tokens=grammar.max_chars + 2, do_sample=sample,
                temperature=temperature if sample else None, top_k=None, top_p=None,
                logits_processor=LogitsProcessorList([Constrain()]),
                stopping_criteria=StoppingCriteriaList([Cancel()]),
                eos_token_id=sorted(self.eos_ids), pad_token_id=self.tokenizer.pad_token_id,
            )  # fmt: skip
        results = []
        self.last_output_tokens = []  # tokens each row generated (benchmarks/bench_vlm.py)
        for row in out[:, start:].tolist():
            kept = [t for t in row if t not in self.eos_ids and t != self.tokenizer.pad_token_id]
            text = "".join(texts.get(t, "") for t in kept)
            self.last_output_tokens.append(len(kept))
            results.append((text, parse_features(text)))
        return results
