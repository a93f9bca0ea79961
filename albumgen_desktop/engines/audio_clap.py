"""CLAP zero-shot analysis: genre, mood and timbre features from text prompts.

Each feature is a pair of opposing captions; its value is the softmax probability
of the first caption under CLAP's logit scale. Genres are scored against the
whole vocabulary ("a <genre> song"). The audio is embedded in windows of the
model's own length across the analysed stretch and the embeddings averaged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from albumgen_desktop.core.genres import GENRES

PAIRS: dict[str, tuple[str, str]] = {
    "valence": ("happy, cheerful, uplifting music", "sad, dark, melancholic music"),
    "energy": ("energetic, intense, loud music", "calm, soft, quiet music"),
    "danceability": ("danceable music with a steady groove", "music with no steady beat"),
    "acousticness": ("acoustic instruments played by musicians", "electronic music made with synthesizers"),
    "instrumentalness": ("instrumental music without vocals", "a song with a singer"),
    "speechiness": ("spoken words, speech or rap", "music without speech"),
    "liveness": ("a live concert recording with an audience", "a clean studio recording"),
}


@dataclass
class ClapResult:
    values: dict[str, float]
    genre: str
    genre_probability: float
    top_genres: list[tuple[str, float]] = field(default_factory=list)


class ClapAnalyser:
    """Loads a CLAP checkpoint folder (safetensors only) and scores audio against captions."""

    def __init__(self, model_dir: Path, device: str = "auto") -> None:
        """``device``: "auto" (CUDA when present), "cuda" or "cpu"; the model runs in fp32 there."""
        import torch
        from transformers import ClapModel, ClapProcessor
        from transformers.utils import logging as hf_logging

        from albumgen_desktop.models.device import choose_placement

        hf_logging.disable_progress_bar()
        self._torch = torch
        self.model = ClapModel.from_pretrained(model_dir, use_safetensors=True).eval()
        self.place(choose_placement("fp32", device))
        self.processor = ClapProcessor.from_pretrained(model_dir)
        self.sample_rate = int(self.processor.feature_extractor.sampling_rate)
        self.window = int(self.processor.feature_extractor.nb_max_samples)
        captions = [c for pair in PAIRS.values() for c in pair] + [f"a {g} song" for g in GENRES]
        self._text = self._embed_text(captions)

    def place(self, placement) -> None:
        """The model on ``placement.device`` in fp32 (its scores are compared with fixed captions)."""
        self.model.to(device=placement.device, dtype=self._torch.float32)
        self.placement = placement

    @property
    def device(self):
        return self.model.logit_scale_a.device

    @staticmethod
    def _as_tensor(output):  # transformers 5 returns a ModelOutput, 4.x a tensor
        return output if hasattr(output, "norm") else output.pooler_output

    def _embed_text(self, captions: list[str]) -> np.ndarray:
        inputs = self.processor(text=captions, return_tensors="pt", padding=True).to(self.device)
        with self._torch.no_grad():
            emb = self._as_tensor(self.model.get_text_features(**inputs))
        emb = emb / emb.norm(dim=-1, keepdim=True)
        return emb.cpu().numpy()

    def embed_audio(self, samples: np.ndarray) -> np.ndarray:
        """Mean normalised embedding of up to four model-length windows of mono audio."""
        n = len(samples)
        if n <= self.window:
            chunks = [samples]
        else:
            starts = np.linspace(0, n - self.window, num=min(4, int(np.ceil(n / self.window)))).astype(int)
            chunks = [samples[s : s + self.window] for s in starts]
        inputs = self.processor(audio=chunks, sampling_rate=self.sample_rate, return_tensors="pt").to(self.device)
        with self._torch.no_grad():
            emb = self._as_tensor(self.model.get_audio_features(**inputs))
        emb = emb / emb.norm(dim=-1, keepdim=True)
        mean = emb.mean(dim=0)
        return (mean / mean.norm()).cpu().numpy()

    def analyse(self, samples: np.ndarray) -> ClapResult:
        audio = self.embed_audio(samples)
        scale = float(self.model.logit_scale_a.exp().clamp(max=100).item())
        logits = scale * (self._text @ audio)
        values: dict[str, float] = {}
        for i, name in enumerate(PAIRS):
            pair = logits[2 * i : 2 * i + 2]
            p = np.exp(pair - pair.max())
            values[name] = float(p[0] / p.sum())
        g_logits = logits[2 * len(PAIRS) :]
        g = np.exp(g_logits - g_logits.max())
        g /= g.sum()
        order = np.argsort(g)[::-1]
        top = [(GENRES[i], float(g[i])) for i in order[:5]]
        return ClapResult(values=values, genre=top[0][0], genre_probability=top[0][1], top_genres=top)
