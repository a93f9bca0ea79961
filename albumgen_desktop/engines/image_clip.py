"""CLIP for covers: image embeddings (for the reference library) and zero-shot Features.

Zero-shot rules (each axis a pair of prompt sets; value = the softmax share of the
first set at CLIP's own logit scale, so 0.5 means CLIP cannot tell):

* valence       happy, bright, cheerful  vs  sad, dark, gloomy
* energy        intense, energetic, aggressive  vs  calm, peaceful, quiet
* danceability  a dance party, a club  vs  still and contemplative
* acousticness  acoustic instruments, wood, natural textures  vs  neon, synthesizers, digital
* instrumentalness  abstract art with no people  vs  a portrait of the singer
* liveness      a live concert photo with a crowd  vs  studio artwork
* speechiness   spoken word, a rapper with a microphone  vs  a band with instruments
* genre         the most likely of the genre vocabulary, three templates each
* tempo         70 + 90 x (0.6 energy + 0.4 danceability) BPM; loudness -20 + 14 x energy dB;
                mode major when valence >= 0.5; key unknown (a picture has none)

Each prompt set is an ensemble (the mean of its unit text embeddings), as in the CLIP paper.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from albumgen_desktop.core.features import Features
from albumgen_desktop.core.genres import GENRES
from albumgen_desktop.models.device import choose_placement

AXES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "valence": (
        ("a happy, bright, cheerful album cover", "a joyful sunny record sleeve"),
        ("a sad, dark, gloomy album cover", "a melancholic, bleak record sleeve"),
    ),
    "energy": (
        ("an intense, energetic, aggressive album cover", "an explosive, powerful record sleeve"),
        ("a calm, peaceful, quiet album cover", "a gentle, serene record sleeve"),
    ),
    "danceability": (
        ("an album cover of a dance party in a club", "a groovy, rhythmic record sleeve"),
        ("a still, contemplative album cover", "a motionless, meditative record sleeve"),
    ),
    "acousticness": (
        ("an album cover with acoustic instruments, wood and natural textures", "a folk record sleeve, hand-made"),
        ("an album cover with neon lights, synthesizers and digital graphics", "an electronic record sleeve"),
    ),
    "instrumentalness": (
        ("an abstract album cover with no people", "a record sleeve of a landscape"),
        ("an album cover with a portrait of the singer", "a record sleeve showing the vocalist's face"),
    ),
    "liveness": (
        ("a photo of a live concert on stage with a crowd", "a live album recorded in front of an audience"),
        ("studio album cover artwork", "a designed record sleeve"),
    ),
    "speechiness": (
        ("a spoken word album cover", "a rapper holding a microphone on a record sleeve"),
        ("an album cover of a band with instruments", "a record sleeve of an orchestra"),
    ),
}
GENRE_TEMPLATES = ("an album cover of {} music", "the cover art of a {} album", "a {} record sleeve")
GENRE_MIN_PROBABILITY = 0.12


@dataclass(frozen=True)
class ZeroShot:
    values: dict[str, float]
    confidence: dict[str, float]
    top_genres: list[tuple[str, float]]

    def features(self) -> Features:
        v = self.values
        genre, p = self.top_genres[0]
        return Features.from_dict({
            **{name: v[name] for name in AXES},
            "tempo_bpm": 70 + 90 * (0.6 * v["energy"] + 0.4 * v["danceability"]),
            "loudness_db": -20 + 14 * v["energy"],
            "mode": "major" if v["valence"] >= 0.5 else "minor",
            "key": None,
            "genre": genre if p >= GENRE_MIN_PROBABILITY else "",
        })  # fmt: skip


class ClipAnalyser:
    """A CLIPModel and its processor from a snapshot folder (safetensors only), kept warm."""

    def __init__(self, model_dir: Path, model_id: str = "clip", precision: str = "auto", device: str = "auto"):
        import torch
        from transformers import CLIPModel, CLIPProcessor
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        self.model_id = model_id
        self.model = model_id  # the library keys vectors by this name
        placement = choose_placement("auto" if precision == "int8" else precision, device)
        self._torch = torch
        self.clip = CLIPModel.from_pretrained(model_dir, use_safetensors=True, local_files_only=True).eval()
        self.place(placement)
        self.processor = CLIPProcessor.from_pretrained(model_dir, local_files_only=True)
        self._text_cache: dict[tuple[str, ...], np.ndarray] = {}

    def place(self, placement) -> None:
        """The model on ``placement.device``, always in fp32: the library compares vectors across
        runs and machines, so they must not carry a machine's reduced precision."""
        self.clip.to(device=placement.device, dtype=self._torch.float32)
        self.placement = placement

    @property
    def device(self):
        return self.clip.logit_scale.device

    def _text(self, prompts: tuple[str, ...]) -> np.ndarray:
        """The unit-length mean of the prompts' unit text embeddings."""
        if prompts not in self._text_cache:
            self._embed_prompt_sets([prompts])
        return self._text_cache[prompts]

    def _embed_prompt_sets(self, sets: list[tuple[str, ...]], batch: int = 96) -> None:
        """Embed many prompt ensembles in a few batched forward passes (once per model)."""
        torch = self._torch
        flat = [p for s in sets for p in s]
        rows = []
        for start in range(0, len(flat), batch):
            inputs = self.processor(
                text=flat[start : start + batch], return_tensors="pt", padding=True, truncation=True
            )
            with torch.inference_mode():
                emb = self._as_tensor(self.clip.get_text_features(**inputs.to(self.device)))
            rows.append(torch.nn.functional.normalize(emb.float(), dim=-1))
        emb = torch.cat(rows)
        at = 0
        for s in sets:
            mean = emb[at : at + len(s)].mean(0)
            self._text_cache[s] = torch.nn.functional.normalize(mean, dim=0).cpu().numpy()
            at += len(s)

    def _genre_sets(self) -> list[tuple[str, ...]]:
        return [tuple(t.format(g) for t in GENRE_TEMPLATES) for g in GENRES]

    @staticmethod
    def _as_tensor(out):
        return out if hasattr(out, "dim") else out.pooler_output

    def embed(self, images: list[Image.Image], batch: int = 16) -> np.ndarray:
        torch = self._torch
        rows = []
        for start in range(0, len(images), batch):
            part = [im.convert("RGB") for im in images[start : start + batch]]
            inputs = self.processor(images=part, return_tensors="pt").to(self.device)
            with torch.inference_mode():
                emb = self._as_tensor(self.clip.get_image_features(**inputs))
            rows.append(torch.nn.functional.normalize(emb.float(), dim=-1).cpu().numpy())
        return np.concatenate(rows).astype(np.float32)

    @property
    def logit_scale(self) -> float:
        return float(self.clip.logit_scale.exp().clamp(max=100).item())

    def zero_shot(self, image_embedding: np.ndarray) -> ZeroShot:
        e = np.asarray(image_embedding, dtype=np.float32).ravel()
        scale = self.logit_scale
        wanted = [s for pair in AXES.values() for s in pair] + self._genre_sets()
        missing = [s for s in wanted if s not in self._text_cache]
        if missing:
            self._embed_prompt_sets(missing)
        values, confidence = {}, {}
        for name, (pos, neg) in AXES.items():
            logits = scale * np.array([self._text(pos) @ e, self._text(neg) @ e])
            p = float(_softmax(logits)[0])
            values[name] = p
            confidence[name] = min(0.85, 0.35 + abs(p - 0.5))
        genre_texts = np.stack([self._text(s) for s in self._genre_sets()])
        probs = _softmax(scale * (genre_texts @ e))
        order = np.argsort(-probs)[:5]
        top = [(GENRES[i], float(probs[i])) for i in order]
        confidence["genre"] = top[0][1]
        return ZeroShot(values=values, confidence=confidence, top_genres=top)


def _softmax(x: np.ndarray) -> np.ndarray:
    z = np.exp(x - x.max())
    return z / z.sum()
