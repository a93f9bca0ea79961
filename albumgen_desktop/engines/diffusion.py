"""Covers from a prompt with a Stable-Diffusion-family pipeline (diffusers), on CUDA or CPU.

The pipeline runs to latents only; decoding is ours, so that the UNet and text
encoder can run in bf16/fp16 while the autoencoder stays in fp32 (TAESD loses
quality in half precision, as the SDXS card warns), and so that a preview decoder
(TAESD) can show the latents after every step. A reference image is encoded here
too and handed to the img2img pipeline as latents.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from albumgen_desktop.core.errors import AlbumGenError, BadInputError, CancelledError, NonFiniteOutputError
from albumgen_desktop.core.progress import CancelToken
from albumgen_desktop.models.device import Placement, choose_placement

PIPELINE_CLASSES = ("StableDiffusionPipeline",)  # what model_index.json may name; never custom code
MAX_VARIATIONS = 8
# SD 1.x/2.x latent channels -> RGB, a least-squares fit used for previews when no TAESD is around.
_LATENT_RGB = ((0.298, 0.207, 0.208), (0.187, 0.286, 0.173), (-0.158, 0.189, 0.264), (-0.184, -0.271, -0.473))

StepCallback = Callable[[int, int, "Image.Image | None"], None]


@dataclass(frozen=True)
class ModelDefaults:
    """Sampling defaults of one checkpoint (from the manifest's ``defaults``)."""

    steps: int = 1
    guidance: float = 0.0
    native_size: int = 512

    @property
    def one_step(self) -> bool:
        return self.steps == 1


@dataclass(frozen=True)
class DiffusionRequest:
    prompt: str
    negative_prompt: str = ""
    seed: int = 0
    steps: int | None = None
    guidance: float | None = None
    reference: Image.Image | None = None
    strength: float = 0.6
    variations: int = 1

    def validate(self) -> None:
        if not self.prompt.strip():
            raise BadInputError("the cover prompt is empty")
        if self.steps is not None and not 1 <= self.steps <= 100:
            raise BadInputError("steps must be between 1 and 100")
        if self.guidance is not None and not 0.0 <= self.guidance <= 20.0:
            raise BadInputError("guidance must be between 0 and 20")
        if not 0.05 <= self.strength <= 1.0:
            raise BadInputError("strength must be between 0.05 and 1")
        if not 1 <= self.variations <= MAX_VARIATIONS:
            raise BadInputError(f"variations must be between 1 and {MAX_VARIATIONS}")


def check_pipeline_folder(folder: Path) -> None:
    """Refuse a folder whose model_index.json asks for a pipeline class we do not ship."""
    import json

    try:
        index = json.loads((folder / "model_index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AlbumGenError(f"{folder} is not a diffusers pipeline folder: {exc}") from None
    if index.get("_class_name") not in PIPELINE_CLASSES:
        raise AlbumGenError(f"{folder}: pipeline class {index.get('_class_name')!r} is not supported")


def img2img_steps(steps: int, strength: float, one_step: bool) -> int:
    """The scheduler length that makes img2img run ``int(n * strength)`` steps, at least one.
    A one-step model runs exactly one step, entered at the noise level ``strength`` sets."""
    if one_step:
        return max(1, math.ceil(1.0 / strength - 1e-9))
    return max(steps, math.ceil(1.0 / strength - 1e-9))


class CoverDiffusionEngine:
    """One loaded text-to-image pipeline plus its final and preview decoders."""

    def __init__(
        self,
        pipe: Any,
        placement: Placement,
        defaults: ModelDefaults,
        decoder: Any | None = None,
        preview_decoder: Any | None = None,
    ) -> None:
        import torch

        self.pipe = pipe
        self.placement = placement
        self.defaults = defaults
        self.decoder = decoder if decoder is not None else pipe.vae
        self.preview_decoder = preview_decoder
        if preview_decoder is None and type(self.decoder).__name__ == "AutoencoderTiny":
            self.preview_decoder = self.decoder
        self._img2img: Any = None
        self._torch = torch
        pipe.set_progress_bar_config(disable=True)

    @classmethod
    def load(
        cls,
        folder: Path,
        defaults: ModelDefaults,
        precision: str = "auto",
        device: str = "auto",
        preview_folder: Path | None = None,
        variant: str | None = None,
        scheduler: str | None = None,
    ) -> CoverDiffusionEngine:
        """Load a pipeline folder (hub snapshot layout) through from_pretrained, safetensors only."""
        import torch
        from transformers.utils import logging as hf_logging

        # the command's stderr is for its own one-line messages: no progress bars, no library notes
        # (set before diffusers is imported: its pipelines note a missing torchvision on import)
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        from diffusers import AutoencoderTiny, StableDiffusionPipeline
        from diffusers.utils import logging as d_logging

        d_logging.set_verbosity_error()
        d_logging.disable_progress_bar()
        folder = Path(folder)
        check_pipeline_folder(folder)
        placement = choose_placement("auto" if precision == "int8" else precision, device)
        dtype = {"unet": placement.torch_dtype, "text_encoder": placement.torch_dtype, "default": torch.float32}
        pipe = StableDiffusionPipeline.from_pretrained(
            folder, dtype=dtype, use_safetensors=True, safety_checker=None, feature_extractor=None,
            requires_safety_checker=False, local_files_only=True, variant=variant,
        )  # fmt: skip
        if scheduler == "dpm++":
            from diffusers import DPMSolverMultistepScheduler

            pipe.scheduler = DPMSolverMultistepScheduler.from_config(
                pipe.scheduler.config, algorithm_type="dpmsolver++"
            )
        elif scheduler is not None:
            raise AlbumGenError(f"unknown scheduler {scheduler!r} in the models manifest")
        preview = None
        if preview_folder is not None:
            preview = AutoencoderTiny.from_pretrained(preview_folder, use_safetensors=True, local_files_only=True)
            preview = preview.eval()
        engine = cls(pipe, Placement("cpu", "fp32"), defaults, preview_decoder=preview)
        engine.place(placement)
        return engine

    def place(self, placement: Placement) -> None:
        """Every part on ``placement.device``, each in one ``.to(device, dtype)``: UNet and text
        encoder in the placement's precision, the decoders in fp32."""
        import torch

        half = placement.torch_dtype
        for name in ("unet", "text_encoder"):
            getattr(self.pipe, name).to(device=placement.device, dtype=half)
        for part in {id(p): p for p in (self.pipe.vae, self.decoder, self.preview_decoder) if p is not None}.values():
            part.to(device=placement.device, dtype=torch.float32)
        self.placement = placement

    # -- decoding ---------------------------------------------------------------------------

    def _to_images(self, pixels: Any) -> list[Image.Image]:
        return self.pipe.image_processor.postprocess(pixels.float().cpu(), output_type="pil")

    def decode(self, latents: Any) -> list[Image.Image]:
        """The final images; NonFiniteOutputError when the latents or the pixels hold NaN or
        infinity (an all-black picture would otherwise pass for a cover)."""
        torch = self._torch
        with torch.inference_mode():
            _check_finite(latents, "the diffusion model produced NaN or infinite latents")
            scaled = (
                latents.to(device=self.decoder.device, dtype=self.decoder.dtype) / self.decoder.config.scaling_factor
            )
            pixels = self.decoder.decode(scaled).sample
            _check_finite(pixels, "the image decoder produced NaN or infinite pixels")
            return self._to_images(pixels)

    def preview(self, latents: Any) -> Image.Image:
        """A quick look at the latents: TAESD (at half resolution on a CPU), else a linear map."""
        torch = self._torch
        with torch.inference_mode():
            lat = latents[:1].float()
            if self.preview_decoder is not None:
                if self.placement.device == "cpu":
                    lat = torch.nn.functional.avg_pool2d(lat, 2)
                lat = lat.to(self.preview_decoder.device) / self.preview_decoder.config.scaling_factor
                return self._to_images(self.preview_decoder.decode(lat).sample)[0]
            unscaled = lat / self.decoder.config.scaling_factor * 0.18215
            rgb = torch.einsum("bchw,cr->brhw", unscaled, torch.tensor(_LATENT_RGB, device=lat.device))
            img = self._to_images(rgb.clamp(-1, 1))[0]
            return img.resize((img.width * 8, img.height * 8), Image.Resampling.BILINEAR)

    def encode_reference(self, image: Image.Image, generator: Any) -> Any:
        torch = self._torch
        size = self.defaults.native_size
        square = _centre_square(image.convert("RGB")).resize((size, size), Image.Resampling.LANCZOS)
        pixels = self.pipe.image_processor.preprocess(square).to(self.decoder.device, self.decoder.dtype)
        with torch.inference_mode():
            encoded = self.decoder.encode(pixels)
            latents = encoded.latents if hasattr(encoded, "latents") else encoded.latent_dist.sample(generator)
        return latents * self.decoder.config.scaling_factor

    # -- generation -------------------------------------------------------------------------

    def _image_pipe(self) -> Any:
        if self._img2img is None:
            from diffusers import StableDiffusionImg2ImgPipeline

            self._img2img = StableDiffusionImg2ImgPipeline(**self.pipe.components, requires_safety_checker=False)
            self._img2img.set_progress_bar_config(disable=True)
        return self._img2img

    def generate(
        self, request: DiffusionRequest, on_step: StepCallback | None = None, cancel: CancelToken | None = None
    ) -> list[Image.Image]:
        """``request.variations`` images; variation i uses seed ``seed + i``, so asking for
        more variations never changes the first ones."""
        request.validate()
        return [self._one(request, request.seed + i, on_step, cancel) for i in range(request.variations)]

    def _one(
        self, request: DiffusionRequest, seed: int, on_step: StepCallback | None, cancel: CancelToken | None
    ) -> Image.Image:
        torch = self._torch
        if cancel is not None:
            cancel.raise_if_cancelled()
        steps = request.steps or self.defaults.steps
        guidance = self.defaults.guidance if request.guidance is None else request.guidance
        size = self.defaults.native_size
        generator = torch.Generator(device="cpu").manual_seed(seed)

        def step_end(pipe: Any, i: int, _t: Any, kwargs: dict) -> dict:
            if cancel is not None and cancel.cancelled:
                raise CancelledError("cover generation cancelled")
            total = pipe.num_timesteps
            if on_step is not None:
                last = i + 1 >= total
                on_step(i + 1, total, None if last else self.preview(kwargs["latents"]))
            return kwargs

        common = {
            "prompt": request.prompt,
            "negative_prompt": (request.negative_prompt or None) if guidance > 1.0 else None,
            "guidance_scale": guidance,
            "generator": generator,
            "output_type": "latent",
            "callback_on_step_end": step_end,
            "callback_on_step_end_tensor_inputs": ["latents"],
        }
        with torch.inference_mode():
            if request.reference is None:
                latents = self.pipe(
                    num_inference_steps=steps, height=size, width=size,
                    latents=self._noise(generator, size), **common,
                ).images  # fmt: skip
            else:
                init = self.encode_reference(request.reference, generator).to(self.pipe.unet.dtype)
                n = img2img_steps(steps, request.strength, self.defaults.one_step)
                latents = self._image_pipe()(
                    image=init, strength=request.strength, num_inference_steps=n, **common
                ).images
        if cancel is not None:
            cancel.raise_if_cancelled()
        return self.decode(latents)[0]

    def _noise(self, generator: Any, size: int) -> Any:
        """Starting noise drawn on the CPU in fp32, so a seed gives the same cover on any device."""
        torch = self._torch
        shape = (1, self.pipe.unet.config.in_channels, size // 8, size // 8)
        noise = torch.randn(shape, generator=generator, dtype=torch.float32)
        return noise.to(self.pipe.unet.device, self.pipe.unet.dtype)


def _check_finite(tensor: Any, message: str) -> None:
    """Raise NonFiniteOutputError(message) when ``tensor`` holds NaN or infinity (one host sync)."""
    import torch

    if bool((~torch.isfinite(tensor)).any().item()):
        raise NonFiniteOutputError(message)


def _centre_square(image: Image.Image) -> Image.Image:
    w, h = image.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    return image.crop((left, top, left + side, top + side))
