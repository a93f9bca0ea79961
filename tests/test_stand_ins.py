"""The tiny stand-ins carry the real checkpoints' values wherever behaviour depends on them
(sources in the builders' docstrings and comments, albumgen_desktop/models/tiny.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch


def test_musicgen_stand_ins_have_the_real_limits_and_codec(tmp_path: Path) -> None:
    from transformers import AutoConfig

    from albumgen_desktop.models.tiny import build_tiny_musicgen, build_tiny_musicgen_melody

    for builder in (build_tiny_musicgen, build_tiny_musicgen_melody):
        config = AutoConfig.from_pretrained(builder(tmp_path / builder.__name__))
        decoder, codec = config.decoder, config.audio_encoder
        assert decoder.max_position_embeddings == 2048 and decoder.num_codebooks == 4 and decoder.vocab_size == 2048
        assert (
            codec.use_conv_shortcut is False and codec.codebook_size == 2048 and codec.upsampling_ratios == [8, 5, 4, 4]
        )
        assert codec.sampling_rate == 32000 and codec.target_bandwidths == [2.2]
    assert (config.chroma_length, config.num_chroma) == (235, 12)


def test_clip_stand_in_uses_gelu_and_pools_at_the_first_end_of_text(tmp_path: Path) -> None:
    """OpenCLIP's gelu in both towers; the text embedding is read at the first end-of-text token,
    so padding a prompt (with that same token) does not change its embedding."""
    from transformers import CLIPModel, CLIPProcessor

    from albumgen_desktop.models.tiny import build_tiny_clip

    folder = build_tiny_clip(tmp_path / "clip")
    model = CLIPModel.from_pretrained(folder).eval()
    processor = CLIPProcessor.from_pretrained(folder)
    text, vision = model.config.text_config, model.config.vision_config
    assert text.hidden_act == vision.hidden_act == "gelu"
    assert text.eos_token_id == processor.tokenizer.eos_token_id == processor.tokenizer.pad_token_id
    assert (vision.image_size, vision.patch_size, text.max_position_embeddings) == (224, 32, 77)
    with torch.no_grad():
        alone = model.get_text_features(**processor(text=["a calm cover"], return_tensors="pt"))
        padded = model.get_text_features(
            **processor(
                text=["a calm cover", "a much longer prompt about a loud cover"], return_tensors="pt", padding=True
            )
        )
    alone = alone if isinstance(alone, torch.Tensor) else alone.pooler_output
    padded = padded if isinstance(padded, torch.Tensor) else padded.pooler_output
    assert torch.allclose(alone[0], padded[0], atol=1e-5)


@pytest.mark.parametrize(("layout", "activation"), [("tiny", "gelu"), ("kl", "quick_gelu")])
def test_diffusion_text_encoders_use_their_families_activation(tmp_path: Path, layout: str, activation: str) -> None:
    from transformers import CLIPTextConfig

    from albumgen_desktop.models.tiny_diffusion import build_tiny_sd

    folder = build_tiny_sd(tmp_path / layout, vae=layout)
    assert CLIPTextConfig.from_pretrained(folder / "text_encoder").hidden_act == activation
