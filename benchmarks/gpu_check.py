"""Check every neural engine end to end on a device, then time the real-size architectures there.

    python benchmarks/gpu_check.py [--device cuda|cpu] [--skip-real-size] [--only NAME[,NAME...]] [--steps N]
                                   [--threads N]

Part 1, engines: tiny stand-ins (the real configs' values, widths and depths shrunk, saved in
the real on-disk layout) run through the app's engines on ``--device`` at the app's precision
for it (CUDA fp16; CPU bf16 where the processor has native bf16, else fp32):

  musicgen_stream     MusicGen, 3 s x 2 variations with CFG, streamed in chunks that must
                      equal the final audio, finite, made on the device
  musicgen_melody     MusicGen-melody with a reference melody and a 700-token prompt, 32 s:
                      the prompt is cut to 512 tokens and the windows shrink to fit 2048
                      positions, continuing across them
  diffusion_txt2img   the SD 1.5 layout: 3 DPM++ steps with CFG and a TAESD preview per step
  diffusion_img2img   the SDXS layout: one step entered from a reference picture
  clip, clap, vlm     embeddings, zero-shot scores, one constrained Features JSON

Part 2, real-size architectures with random weights (speed does not depend on the values),
timed on the device at the app's precision:

  musicgen_small_decoder   ms per decoder step of musicgen-small (1024 wide, 24 layers), CFG
  musicgen_melody_decoder  the same for musicgen-melody (1536 wide, 48 layers, 235 chroma + text prefix)
  sdxs                     one UNet step (guidance 0) and one TAESD decode at 512 px
  sd15                     one UNet step at batch 2 (CFG) and one KL-VAE decode at 512 px

Decoders run in fp32, as the app runs them. The last line printed is one JSON object; the
exit status is 1 when an engine check failed.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

ENGINE_CHECKS = (
    "musicgen_stream", "musicgen_melody", "diffusion_txt2img", "diffusion_img2img", "clip", "clap", "vlm",
)  # fmt: skip
REAL_SIZE = ("musicgen_small_decoder", "musicgen_melody_decoder", "sdxs", "sd15")
# Decoder sizes: convert_musicgen_transformers.py (small) and convert_musicgen_melody_transformers.py (melody).
MUSICGEN_DECODERS = {
    "musicgen_small_decoder": {"hidden_size": 1024, "num_hidden_layers": 24, "num_attention_heads": 16},
    "musicgen_melody_decoder": {"hidden_size": 1536, "num_hidden_layers": 48, "num_attention_heads": 24},
}


class Check:
    def __init__(self, device: str) -> None:
        import torch

        self.torch = torch
        self.device = device

    def sync(self) -> None:
        if self.device == "cuda":
            self.torch.cuda.synchronize()

    def timed(self, fn: Callable[[], object], runs: int, warmup: int = 1) -> float:
        """Median seconds of ``runs`` calls after ``warmup`` calls, synchronised on CUDA."""
        import statistics

        for _ in range(warmup):
            fn()
        self.sync()
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            fn()
            self.sync()
            times.append(time.perf_counter() - start)
        return statistics.median(times)


# -- part 1: the engines on the device ----------------------------------------------------------


def check_musicgen_stream(c: Check, tmp: Path) -> dict:
    import numpy as np

    from albumgen_desktop.engines.musicgen import MusicGenEngine, MusicRequest
    from albumgen_desktop.models.tiny import build_tiny_musicgen

    engine = MusicGenEngine(build_tiny_musicgen(tmp / "musicgen"), device=c.device)
    assert engine.device.type == c.device, engine.device
    chunks: list = []
    audio = engine.generate(
        MusicRequest(prompt="warm jazz trio", duration_s=3.0, variations=2), on_chunk=lambda a, f: chunks.append(a)
    )
    assert audio.shape == (2, 3 * 32000) and np.isfinite(audio).all()
    assert np.array_equal(np.concatenate(chunks, axis=1), audio) and len(chunks) >= 3
    return {"precision": engine.placement.precision, "chunks": len(chunks)}


def check_musicgen_melody(c: Check, tmp: Path) -> dict:
    import numpy as np

    from albumgen_desktop.engines.musicgen import MusicGenEngine, MusicRequest
    from albumgen_desktop.models.tiny import build_tiny_musicgen_melody

    engine = MusicGenEngine(build_tiny_musicgen_melody(tmp / "melody"), device=c.device)
    assert engine.device.type == c.device and engine.max_positions == 2048
    words = "warm jazz trio with brushed drums upright bass and a slow melancholic piano in a smoky club".split()
    prompt = " ".join(words[i % len(words)] for i in range(700))
    t = np.arange(12 * 32000) / 32000
    melody = (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
    audio = engine.generate(MusicRequest(prompt=prompt, duration_s=32.0, melody=melody))
    assert audio.shape == (1, 32 * 32000) and np.isfinite(audio).all()
    notes = " ".join(engine.notices)
    assert "first 512" in notes and "windows" in notes, notes
    return {"precision": engine.placement.precision, "window_s": engine.window_frames(512) / 50}


def _diffusion(c: Check, tmp: Path, layout: str):
    from albumgen_desktop.engines.diffusion import CoverDiffusionEngine, ModelDefaults
    from albumgen_desktop.models import tiny_diffusion

    if layout == "sd15":
        folder = tiny_diffusion.build_tiny_sd15(tmp / "sd15")
        preview = tiny_diffusion.build_tiny_taesd(tmp / "taesd")
        defaults = ModelDefaults(steps=3, guidance=7.5, native_size=256)
        return CoverDiffusionEngine.load(
            folder, defaults, device=c.device, preview_folder=preview, variant="fp16", scheduler="dpm++"
        )
    folder = tiny_diffusion.build_tiny_sd(tmp / "sdxs")
    return CoverDiffusionEngine.load(folder, ModelDefaults(native_size=256), device=c.device)


def check_diffusion_txt2img(c: Check, tmp: Path) -> dict:
    import numpy as np

    from albumgen_desktop.engines.diffusion import DiffusionRequest

    engine = _diffusion(c, tmp, "sd15")
    assert engine.pipe.unet.device.type == c.device
    previews: list = []
    image = engine.generate(
        DiffusionRequest(prompt="a calm blue album cover", negative_prompt="text", seed=1),
        on_step=lambda i, n, p: previews.append(p),
    )[0]
    assert image.size == (256, 256) and np.asarray(image).std() > 0
    assert sum(p is not None for p in previews) == 2, previews
    return {"precision": engine.placement.precision, "steps": len(previews)}


def check_diffusion_img2img(c: Check, tmp: Path) -> dict:
    from PIL import Image

    from albumgen_desktop.engines.diffusion import DiffusionRequest

    engine = _diffusion(c, tmp, "sdxs")
    reference = Image.new("RGB", (300, 200), (200, 40, 90))
    image = engine.generate(DiffusionRequest(prompt="a cover", reference=reference, strength=0.6, variations=2))
    assert len(image) == 2 and image[0].size == (256, 256)
    return {"precision": engine.placement.precision}


def check_clip(c: Check, tmp: Path) -> dict:
    from PIL import Image

    from albumgen_desktop.engines.image_clip import ClipAnalyser
    from albumgen_desktop.models.tiny import build_tiny_clip

    clip = ClipAnalyser(build_tiny_clip(tmp / "clip"), device=c.device)
    assert clip.device.type == c.device
    vectors = clip.embed([Image.new("RGB", (300, 300), (10, 200, 30)), Image.new("RGB", (64, 90), (0, 0, 0))])
    features = clip.zero_shot(vectors[0]).features()
    return {"dim": int(vectors.shape[1]), "genre": features.genre}


def check_clap(c: Check, tmp: Path) -> dict:
    import numpy as np

    from albumgen_desktop.engines.audio_clap import ClapAnalyser
    from albumgen_desktop.models.tiny import build_tiny_clap

    clap = ClapAnalyser(build_tiny_clap(tmp / "clap"), device=c.device)
    assert clap.device.type == c.device
    t = np.arange(5 * 48000) / 48000
    result = clap.analyse((0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32))
    return {"genre": result.genre}


def check_vlm(c: Check, tmp: Path) -> dict:
    from PIL import Image

    from albumgen_desktop.engines.vlm import FeaturesVlm
    from albumgen_desktop.models.tiny import build_tiny_vlm

    vlm = FeaturesVlm(build_tiny_vlm(tmp / "vlm"), device=c.device)
    assert vlm.model.device.type == c.device
    text, features = vlm.generate([Image.new("RGB", (800, 800), (120, 30, 60))], context="none")[0]
    return {"precision": vlm.placement.precision, "json_chars": len(text), "genre": features.genre}


# -- part 2: real-size architectures, timed -----------------------------------------------------


def _random_init(module, std: float = 0.02) -> None:
    """Small random values in place (the library's initialisers take minutes for 1.5B parameters on a CPU)."""
    import torch

    with torch.no_grad():
        for p in module.parameters():
            p.normal_(0.0, std)


def time_musicgen_decoder(c: Check, name: str, steps: int) -> dict:
    import torch
    from transformers import MusicgenDecoderConfig
    from transformers.models.musicgen.modeling_musicgen import MusicgenForCausalLM
    from transformers.models.musicgen_melody.modeling_musicgen_melody import (
        MusicgenMelodyDecoderConfig,
        MusicgenMelodyForCausalLM,
    )

    from albumgen_desktop.engines.musicgen_decoder import MusicgenDecoderStepper, sample_next
    from albumgen_desktop.engines.packed_linear import pack_linears_bf16
    from albumgen_desktop.models.device import choose_placement

    placement = choose_placement("auto", c.device)
    size = MUSICGEN_DECODERS[name]
    melody = name == "musicgen_melody_decoder"
    common: dict[str, Any] = {**size, "ffn_dim": 4 * size["hidden_size"], "num_codebooks": 4, "vocab_size": 2048,
              "max_position_embeddings": 2048, "pad_token_id": 2048, "bos_token_id": 2048}  # fmt: skip
    config_class: Any
    model_class: Any
    config_class, model_class = (
        (MusicgenMelodyDecoderConfig, MusicgenMelodyForCausalLM)
        if melody
        else (MusicgenDecoderConfig, MusicgenForCausalLM)
    )
    start = time.perf_counter()
    decoder: Any
    with torch.device("meta"):
        decoder = model_class(config_class(**common))
    decoder.to_empty(device="cpu")
    _random_init(decoder)
    stepper = MusicgenDecoderStepper(decoder, consume=True).eval()
    decoder = None  # consumed: its layers are the stepper's now
    gc.collect()
    if placement.precision in ("fp16", "bf16"):
        stepper.cast(placement.torch_dtype, placement.device)
        if placement.device == "cpu":
            pack_linears_bf16(stepper)
    else:
        stepper.to(placement.device)
    build_s = time.perf_counter() - start
    hidden, batch, text = size["hidden_size"], 2, 20  # CFG: conditional and unconditional rows
    device = torch.device(placement.device)
    prefix = (235 + text) if melody else text
    states = torch.randn(batch, prefix, hidden, device=device, dtype=stepper.dtype)
    mask = torch.ones(batch, text, dtype=torch.long, device=device)
    ids = torch.full((batch * 4, 1), 2048, dtype=torch.long, device=device)
    max_length = 1 + steps + 1
    per_step: list[float] = []
    with torch.inference_mode():
        stepper.start(states, None if melody else mask, max_length)
        logits = stepper(ids)  # the prefill: start column (and for melody the whole prefix)
        c.sync()
        for _ in range(steps):
            t0 = time.perf_counter()
            token = sample_next(logits, 3.0, 1.0, 250)
            logits = stepper(token.repeat(2)[:, None] % 2048)
            c.sync()
            per_step.append(time.perf_counter() - t0)
        stepper.release()
    ms = sorted(per_step)[len(per_step) // 2] * 1000
    return {"ms_per_step": round(ms, 2), "realtime_factor": round(20.0 / ms, 3), "precision": placement.precision,
            "steps": steps, "build_s": round(build_s, 1)}  # fmt: skip


def time_diffusion(c: Check, name: str) -> dict:
    import torch
    from diffusers import AutoencoderKL, AutoencoderTiny, UNet2DConditionModel

    from albumgen_desktop.models import tiny_diffusion as td
    from albumgen_desktop.models.device import choose_placement

    placement = choose_placement("auto", c.device)
    # On a CPU an SD 1.5 step and a KL decode take tens of seconds: one run, no warm-up, is enough.
    runs, warmup = (3, 1) if c.device == "cuda" else (1, 0 if name == "sd15" else 1)
    start = time.perf_counter()
    decoder: Any
    unet: Any
    if name == "sdxs":
        unet_config, batch, cross = td.SDXS_UNET, 1, 1024
        decoder = AutoencoderTiny()  # diffusers' defaults are TAESD's real config
    else:
        unet_config, batch, cross = td.SD15_UNET, 2, 768
        decoder = AutoencoderKL(**td.SD_VAE)
    with torch.device("meta"):
        unet = UNet2DConditionModel(**unet_config)
    unet.to_empty(device="cpu")
    _random_init(unet)
    unet = unet.to(device=placement.device, dtype=placement.torch_dtype).eval()
    decoder = decoder.to(placement.device).eval()
    build_s = time.perf_counter() - start
    device = torch.device(placement.device)
    latents = torch.randn(batch, 4, 64, 64, device=device, dtype=placement.torch_dtype)
    emb = torch.randn(batch, 77, cross, device=device, dtype=placement.torch_dtype)
    t = torch.tensor([999], device=device)
    with torch.inference_mode():
        step_s = c.timed(lambda: unet(latents, t, emb), runs, warmup)
        one = latents[:1].float()
        decode_s = c.timed(lambda: decoder.decode(one), runs, warmup)
    params = sum(p.numel() for p in unet.parameters())
    return {"unet_step_s": round(step_s, 3), "decode_s": round(decode_s, 3), "batch": batch,
            "unet_precision": placement.precision, "decoder_precision": "fp32", "unet_params_m": round(params / 1e6, 1),
            "build_s": round(build_s, 1)}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=("cuda", "cpu"), default=None, help="default: cuda when torch sees one")
    parser.add_argument("--skip-real-size", action="store_true", help="only the engine checks (part 1)")
    parser.add_argument("--only", default="", help="comma-separated names of checks and timings to run")
    parser.add_argument("--steps", type=int, default=0, help="decoder steps to time (default 50 on CUDA, 12 on a CPU)")
    parser.add_argument(
        "--threads", type=int, default=0, help="CPU threads for part 2 (default: every core, as the app)"
    )
    args = parser.parse_args(argv)

    import os

    import torch

    from albumgen_desktop.core.errors import BadInputError
    from albumgen_desktop.models.device import choose_placement, set_threads_once
    from albumgen_desktop.models.tiny_diffusion import quiet_libraries

    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cpu":
        # The tiny models' ops are too small to share between threads, and on a loaded machine
        # OpenMP's waiting makes two threads many times slower than one; part 2 uses every core.
        set_threads_once(1)
    try:
        placement = choose_placement("auto", device)
    except BadInputError as exc:  # cuda asked for where torch sees none
        print(f"gpu_check: error: {exc}", file=sys.stderr)
        return 2
    quiet_libraries()
    wanted = {n.strip() for n in args.only.split(",") if n.strip()}
    unknown = wanted - set(ENGINE_CHECKS) - set(REAL_SIZE)
    if unknown:
        parser.error(f"unknown check {sorted(unknown)}; choose from {', '.join(ENGINE_CHECKS + REAL_SIZE)}")
    steps = args.steps or (50 if device == "cuda" else 12)
    c = Check(device)
    wall = time.perf_counter()
    engines: dict[str, dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in ENGINE_CHECKS:
            if wanted and name not in wanted:
                continue
            start = time.perf_counter()
            try:
                info = globals()[f"check_{name}"](c, Path(tmp) / name)
                engines[name] = {"ok": True, "s": round(time.perf_counter() - start, 2), **info}
            except Exception as exc:  # noqa: BLE001 - every failure is reported, the others still run
                engines[name] = {"ok": False, "s": round(time.perf_counter() - start, 2),
                                 "error": f"{type(exc).__name__}: {exc}"[:400]}  # fmt: skip
                traceback.print_exc()
            print(f"{name}: {json.dumps(engines[name])}", file=sys.stderr)
    real: dict[str, dict] = {}
    torch.set_num_threads(args.threads or int(os.environ.get("ALBUMGEN_THREADS", "0")) or os.cpu_count() or 1)
    if not args.skip_real_size:
        for name in REAL_SIZE:
            if wanted and name not in wanted:
                continue
            start = time.perf_counter()
            try:
                real[name] = time_musicgen_decoder(c, name, steps) if "decoder" in name else time_diffusion(c, name)
                gc.collect()  # the model just timed is gone before the next is built
            except Exception as exc:  # noqa: BLE001 - a timing that fails is reported, the others still run
                real[name] = {"error": f"{type(exc).__name__}: {exc}"[:400]}
                traceback.print_exc()
            real[name]["s"] = round(time.perf_counter() - start, 1)
            print(f"{name}: {json.dumps(real[name])}", file=sys.stderr)
    ok = all(e["ok"] for e in engines.values())
    result = {
        "ok": ok,
        "device": device,
        "device_name": torch.cuda.get_device_name(0) if device == "cuda" else "cpu",
        "precision": placement.precision,
        "precision_note": {
            "cuda": "fp16 (the app's CUDA precision)",
            "cpu": "bf16 where the CPU has native bf16, else fp32 (the app's CPU precision); fp16 is not a CPU path",
        }[device],  # fmt: skip
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "threads": {"engines": 1 if device == "cpu" else torch.get_num_threads(), "real_size": torch.get_num_threads()},
        "engines": engines,
        "real_size": real,
        "wall_s": round(time.perf_counter() - wall, 1),
    }
    print(json.dumps(result))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
