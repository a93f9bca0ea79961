"""Benchmark the diffusion cover engine: the real SDXS-512 architecture with random weights.

Speed does not depend on weight values, so the real-size parts are built from their
configs (SD 2.1's 23-layer 1024-wide CLIP text encoder, the SDXS UNet, TAESD and,
for the naive path, SD's full KL autoencoder) and run through the app's own engine
at 512 x 512:

- naive:   everything fp32, final decode with the full KL VAE;
- default: the app's CPU path (UNet and text encoder in bf16 where the CPU has native
           bf16, fp16 on CUDA), final decode with TAESD in fp32.

    python benchmarks/bench_cover.py [--quick] [--device auto|cpu|cuda]

The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import threading
import time

from timing import median_seconds  # benchmarks/ is on sys.path when a script runs


def build_pipeline():
    import torch
    from diffusers import (
        AutoencoderKL,
        AutoencoderTiny,
        EulerDiscreteScheduler,
        StableDiffusionPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel

    from albumgen_desktop.models import tiny_diffusion as td

    td._quiet()
    torch.manual_seed(0)
    pipe = StableDiffusionPipeline(
        unet=UNet2DConditionModel(**td.SDXS_UNET).eval(),
        vae=AutoencoderTiny().eval(),  # the library defaults are TAESD's real config
        text_encoder=CLIPTextModel(CLIPTextConfig(**td.SD21_TEXT_ENCODER)).eval(),
        tokenizer=td.clip_tokenizer(),
        scheduler=EulerDiscreteScheduler.from_config(td.ONE_STEP_SCHEDULER),
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    full_vae = AutoencoderKL(**td.SD_VAE).eval()
    return pipe, full_vae


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (under 3 minutes on 2 cores)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    args = parser.parse_args(argv)

    import torch

    from albumgen_desktop.core.errors import CancelledError
    from albumgen_desktop.core.progress import CancelToken
    from albumgen_desktop.engines.diffusion import CoverDiffusionEngine, DiffusionRequest, ModelDefaults
    from albumgen_desktop.models.device import Placement, choose_placement

    wall = time.perf_counter()
    placement = choose_placement("auto", args.device)
    runs = 1 if args.quick else 3
    start = time.perf_counter()
    pipe, full_vae = build_pipeline()
    build_s = time.perf_counter() - start
    pipe.to(placement.device)
    full_vae.to(placement.device)
    defaults = ModelDefaults(steps=1, guidance=0.0, native_size=512)
    request = DiffusionRequest(prompt="an album cover, dark ambient, deep blue night sky, film grain", seed=1)

    naive = CoverDiffusionEngine(pipe, Placement(placement.device, "fp32"), defaults, decoder=full_vae)
    naive.generate(request)  # warm-up (allocator, oneDNN kernels)
    naive_s = median_seconds(lambda: naive.generate(request), runs)

    pipe.unet.to(placement.torch_dtype)
    pipe.text_encoder.to(placement.torch_dtype)
    default = CoverDiffusionEngine(pipe, placement, defaults)
    default.generate(request)
    default_s = median_seconds(lambda: default.generate(request), runs + 1)

    with torch.inference_mode():
        latents = torch.randn(1, 4, 64, 64, device=placement.device)
        emb = torch.randn(1, 77, 1024, device=placement.device, dtype=placement.torch_dtype)
        t = torch.tensor([999], device=placement.device)
        step_s = median_seconds(lambda: pipe.unet(latents.to(placement.torch_dtype), t, emb), runs + 1)
        decode_s = median_seconds(lambda: default.decode(latents), runs + 1)
        naive_decode_s = median_seconds(lambda: naive.decode(latents), 1)
        preview_s = median_seconds(lambda: default.preview(latents), runs + 1)

    # Cancel in the middle of a 4-step run: the time from the request to the engine giving up.
    cancel = CancelToken()
    asked: list[float] = []

    def on_step(step: int, _total: int, _preview: object) -> None:
        if step == 1:

            def later() -> None:
                asked.append(time.perf_counter())
                cancel.cancel()

            threading.Timer(step_s / 2, later).start()

    try:
        default.generate(DiffusionRequest(prompt=request.prompt, steps=4), on_step=on_step, cancel=cancel)
        cancel_s = float("nan")
    except CancelledError:
        cancel_s = time.perf_counter() - asked[0]

    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result = {
        "naive_s": round(naive_s, 3),
        "default_s": round(default_s, 3),
        "speedup": round(naive_s / default_s, 2),
        "step_s": round(step_s, 3),
        "decode_s": round(decode_s, 3),
        "naive_decode_s": round(naive_decode_s, 3),
        "preview_s": round(preview_s, 3),
        "cancel_s": round(cancel_s, 3),
        "peak_rss_mb": round(peak_rss_mb),
        "device": placement.device,
        "precision": placement.precision,
        "threads": torch.get_num_threads(),
        "size": 512,
        "build_s": round(build_s, 1),
        "wall_s": round(time.perf_counter() - wall, 1),
        "goal_default_le_5s": default_s <= 5.0,
        "goal_speedup_ge_4": naive_s / default_s >= 4.0,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
