"""Device and precision policy, in one place for every engine.

CUDA: fp16. CPU: bf16 where the processor has native bf16 (AVX512-BF16 or AMX),
else fp32; "fast" is an opt-in CPU mode that quantises the decoder's Linear layers
to int8 (dynamic quantisation). Memory bandwidth bounds a decoder step on a CPU,
so fewer bytes per weight is what makes it faster (the README's Music section measures each path).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

PRECISIONS = ("auto", "fp32", "bf16", "fp16", "int8")
_threads_set = False


@lru_cache(maxsize=1)
def cpu_has_native_bf16() -> bool:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            flags = fh.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


@dataclass(frozen=True)
class Placement:
    """A device for the weights and a precision. Engines treat any device but "cpu" as an
    accelerator (the device tests place engines on the fake "meta" device)."""

    device: str  # "cuda" | "cpu"
    precision: str  # "fp16" | "bf16" | "fp32" | "int8"

    @property
    def torch_dtype(self):
        import torch

        return {"fp16": torch.float16, "bf16": torch.bfloat16}.get(self.precision, torch.float32)


def choose_placement(precision: str = "auto", device: str = "auto") -> Placement:
    """Where and in which precision a model runs. ``device``: "auto" (CUDA when torch sees a GPU and
    ALBUMGEN_DEVICE is not "cpu"), "cuda" or "cpu"; ``precision``: one of PRECISIONS.
    Raises BadInputError for an unknown value, or "cuda" when torch sees no CUDA device."""
    import torch

    from albumgen_desktop.core.errors import BadInputError

    if precision not in PRECISIONS:
        raise BadInputError(f"precision must be one of {', '.join(PRECISIONS)}, got {precision!r}")
    if device not in ("auto", "cuda", "cpu"):
        raise BadInputError(f"device must be auto, cuda or cpu, got {device!r}")
    if device == "cuda" and not torch.cuda.is_available():
        build = "a CPU-only build" if torch.version.cuda is None else f"CUDA {torch.version.cuda}"
        raise BadInputError(f"CUDA was asked for, but torch {torch.__version__} ({build}) sees no CUDA device")
    if device == "auto":
        wanted = os.environ.get("ALBUMGEN_DEVICE", "auto")  # the app's Settings ▸ Device
        device = "cuda" if torch.cuda.is_available() and wanted != "cpu" else "cpu"
    if precision == "auto":
        if device == "cuda":
            precision = "fp16"
        else:
            precision = "bf16" if cpu_has_native_bf16() else "fp32"
    if device == "cuda" and precision == "int8":
        precision = "fp16"  # dynamic int8 quantisation is a CPU path
    if device == "cpu" and precision == "fp16":
        precision = "fp32"  # fp16 matmuls are slow or missing on CPUs
    set_threads_once()
    return Placement(device=device, precision=precision)


def set_threads_once(threads: int | None = None) -> None:
    """Give torch every core (on 2-core machines reserving one for the GUI costs 40%)."""
    global _threads_set
    if _threads_set:
        return
    import torch

    wanted = threads or int(os.environ.get("ALBUMGEN_THREADS", "0")) or (os.cpu_count() or 1)
    torch.set_num_threads(max(1, wanted))
    _threads_set = True
