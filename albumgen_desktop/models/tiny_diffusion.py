"""Tiny random-weight Stable Diffusion pipelines and TAESD, saved in the real diffusers layout.

The folder a builder writes looks like the hub repo (model_index.json, unet/, vae/,
text_encoder/, tokenizer/, scheduler/), so tests and `albumgen selftest` load it with
the same StableDiffusionPipeline.from_pretrained call as the real weights.
``SDXS_UNET`` and friends are the real-size configs the benchmark builds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# SD 2.1-base text encoder (OpenCLIP ViT-H text tower, 23 layers), used by SD-Turbo and SDXS-512.
SD21_TEXT_ENCODER = {
    "hidden_size": 1024, "intermediate_size": 4096, "num_attention_heads": 16, "num_hidden_layers": 23,
    "max_position_embeddings": 77, "hidden_act": "gelu", "projection_dim": 512, "vocab_size": 49408,
    "bos_token_id": 0, "eos_token_id": 2, "pad_token_id": 1,
}  # fmt: skip

# SDXS-512-0.9's UNet: SD 2.1's attention settings with the block-removed layout of
# BK-SDM-Tiny (three stages, one layer per block, no mid block). The repo's own
# unet/config.json could not be read offline; this layout has 326.8M parameters, and
# the published fp32 file is 1.31 GB = 327.5M parameters, so the cost per step matches.
SDXS_UNET = {
    "sample_size": 64, "in_channels": 4, "out_channels": 4, "block_out_channels": [320, 640, 1280],
    "down_block_types": ["CrossAttnDownBlock2D"] * 3, "up_block_types": ["CrossAttnUpBlock2D"] * 3,
    "layers_per_block": 1, "mid_block_type": None, "attention_head_dim": [5, 10, 20],
    "cross_attention_dim": 1024, "use_linear_projection": True,
}  # fmt: skip

# SD 1.5's UNet (stable-diffusion-v1-5 unet/config.json; /work/shared/MODELS.md's table): diffusers'
# UNet2DConditionModel defaults with CLIP-L's 768-wide cross-attention, 8 heads, 64 px latents.
SD15_UNET = {
    "sample_size": 64, "in_channels": 4, "out_channels": 4, "block_out_channels": [320, 640, 1280, 1280],
    "layers_per_block": 2, "cross_attention_dim": 768, "attention_head_dim": 8,
    "down_block_types": ["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"],
    "up_block_types": ["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3,
}  # fmt: skip

# SD 1.x/2.x KL autoencoder (the full-size VAE: the "naive" decode in bench_cover.py).
SD_VAE = {
    "block_out_channels": [128, 256, 512, 512], "down_block_types": ["DownEncoderBlock2D"] * 4,
    "up_block_types": ["UpDecoderBlock2D"] * 4, "layers_per_block": 2, "latent_channels": 4,
    "norm_num_groups": 32, "sample_size": 512,
}  # fmt: skip

# One step from pure noise at t=999: "trailing" spacing puts the single step there.
ONE_STEP_SCHEDULER = {
    "_class_name": "EulerDiscreteScheduler", "num_train_timesteps": 1000, "beta_start": 0.00085,
    "beta_end": 0.012, "beta_schedule": "scaled_linear", "prediction_type": "epsilon",
    "timestep_spacing": "trailing", "steps_offset": 1,
}  # fmt: skip


def _byte_symbols() -> list[str]:
    """GPT-2/CLIP's printable stand-ins for the 256 byte values."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    extra = iter(range(256, 512))
    return [chr(b) if b in printable else chr(next(extra)) for b in range(256)]


def clip_tokenizer(max_length: int = 77):
    """A character-level CLIP BPE tokenizer built from nothing: the 256 byte symbols,
    each also with CLIP's end-of-word mark, and no merges."""
    from transformers import CLIPTokenizer

    symbols = _byte_symbols()
    vocab = {s: i for i, s in enumerate(symbols + [s + "</w>" for s in symbols])}
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    return CLIPTokenizer(vocab=vocab, merges=[], model_max_length=max_length)


def quiet_libraries() -> None:
    """transformers' and diffusers' logging to errors only, no progress bars."""
    from diffusers.utils import logging as d_logging
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    d_logging.set_verbosity_error()
    d_logging.disable_progress_bar()


_quiet = quiet_libraries


def tiny_unet(cross_attention_dim: int = 32) -> Any:
    from diffusers import UNet2DConditionModel

    unet: Any = UNet2DConditionModel(
        sample_size=16, in_channels=4, out_channels=4, block_out_channels=[32, 64], layers_per_block=1,
        down_block_types=["CrossAttnDownBlock2D", "DownBlock2D"], up_block_types=["UpBlock2D", "CrossAttnUpBlock2D"],
        attention_head_dim=[2, 4], cross_attention_dim=cross_attention_dim, norm_num_groups=8,
        use_linear_projection=True,
    )  # fmt: skip
    return unet.eval()


def tiny_taesd():
    from diffusers import AutoencoderTiny

    return AutoencoderTiny(
        encoder_block_out_channels=(8, 8, 8, 8), decoder_block_out_channels=(8, 8, 8, 8),
        num_encoder_blocks=(1, 1, 1, 1), num_decoder_blocks=(1, 1, 1, 1), latent_channels=4,
    ).eval()  # fmt: skip


def tiny_kl_vae():
    from diffusers import AutoencoderKL

    return AutoencoderKL(
        block_out_channels=[8, 8, 16, 16], down_block_types=["DownEncoderBlock2D"] * 4,
        up_block_types=["UpDecoderBlock2D"] * 4, layers_per_block=1, latent_channels=4, norm_num_groups=8,
        sample_size=64,
    ).eval()  # fmt: skip


def tiny_text_encoder(hidden_act: str = "gelu"):
    """CLIP's text tower at toy width. ``hidden_act``: "gelu" for SD 2.x's OpenCLIP-H encoder (SDXS,
    SD21_TEXT_ENCODER above), "quick_gelu" for SD 1.x's OpenAI CLIP-L."""
    from transformers import CLIPTextConfig, CLIPTextModel

    config = CLIPTextConfig(
        hidden_size=32, intermediate_size=37, num_attention_heads=4, num_hidden_layers=2, vocab_size=600,
        max_position_embeddings=77, projection_dim=16, bos_token_id=512, eos_token_id=513, pad_token_id=513,
        hidden_act=hidden_act,
    )  # fmt: skip
    return CLIPTextModel(config).eval()


def build_tiny_sd(
    out_dir: Path, seed: int = 0, vae: str = "tiny", scheduler: dict | None = None, variant: str | None = None
) -> Path:
    """A StableDiffusionPipeline folder. ``vae="tiny"`` gives the SDXS layout (TAESD as
    the VAE, one-step scheduler); ``vae="kl"`` gives the SD 1.5 layout with a KL VAE
    and a multi-step scheduler."""
    import torch
    from diffusers import DPMSolverMultistepScheduler, EulerDiscreteScheduler, StableDiffusionPipeline

    _quiet()
    torch.manual_seed(seed)
    if scheduler is None and vae == "tiny":
        sched = EulerDiscreteScheduler.from_config(ONE_STEP_SCHEDULER)
    elif scheduler is None:
        sched = DPMSolverMultistepScheduler(
            beta_schedule="scaled_linear", beta_start=0.00085, beta_end=0.012, steps_offset=1
        )
    else:
        sched = EulerDiscreteScheduler.from_config(scheduler)
    pipe: Any = StableDiffusionPipeline(
        unet=tiny_unet(),
        vae=tiny_taesd() if vae == "tiny" else tiny_kl_vae(),
        text_encoder=tiny_text_encoder("gelu" if vae == "tiny" else "quick_gelu"),
        tokenizer=clip_tokenizer(),
        scheduler=sched,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    out_dir = Path(out_dir)
    if variant == "fp16":  # like the hub's *.fp16.safetensors files: half-precision weights
        pipe.to(torch.float16)
    pipe.save_pretrained(out_dir, safe_serialization=True, variant=variant)
    return out_dir


def build_tiny_taesd(out_dir: Path, seed: int = 0) -> Path:
    import torch

    _quiet()
    torch.manual_seed(seed)
    out_dir = Path(out_dir)
    tiny_taesd().save_pretrained(out_dir, safe_serialization=True)
    return out_dir


def build_tiny_sd15(out_dir: Path, seed: int = 0) -> Path:
    """SD 1.5's layout as the manifest pins it: the fp16 variant files."""
    return build_tiny_sd(out_dir, seed=seed, vae="kl", variant="fp16")
