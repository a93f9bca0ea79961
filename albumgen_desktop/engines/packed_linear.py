"""bf16 Linear layers with oneDNN-prepacked weights, for CPU inference (MusicGen's decoder, the VLM)."""

from __future__ import annotations

from typing import Any


def pack_linears_bf16(module: Any) -> int:
    """Swap every bf16 nn.Linear under ``module`` for one with oneDNN-prepacked weights.

    A decoder step multiplies a batch of 2 (CFG) by every weight once. With plain bf16
    weights torch re-lays them out on each call and a step is no faster than fp32; with
    the weights packed once the linear layers of musicgen-small take 39 ms instead of
    63 ms here (benchmarks/bench_music.py). Returns how many layers were swapped: 0 where this
    torch has no oneDNN linear kernels, or where oneDNN has no bf16 path on this CPU (it needs
    AVX512-BW/VL/DQ or AVX-NE-CONVERT; on an AVX2-only CPU the reorder raised RuntimeError, so a
    bf16 request crashed instead of running on torch's own bf16 kernels).
    """
    import torch

    mkldnn = torch.ops.mkldnn
    if not (torch.backends.mkldnn.is_available() and hasattr(mkldnn, "_linear_pointwise")):
        return 0
    if hasattr(mkldnn, "_is_mkldnn_bf16_supported") and not mkldnn._is_mkldnn_bf16_supported():
        return 0

    class PackedLinear(torch.nn.Module):
        def __init__(self, linear: torch.nn.Linear) -> None:
            super().__init__()
            self.in_features, self.out_features = linear.in_features, linear.out_features
            self.register_buffer("packed", torch.ops.mkldnn._reorder_linear_weight(linear.weight.detach(), 2))
            self.bias = None if linear.bias is None else linear.bias.detach()

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            flat = x.reshape(-1, self.in_features)
            out = torch.ops.mkldnn._linear_pointwise(flat, self.packed, self.bias, "none", [], "")
            return out.reshape(*x.shape[:-1], self.out_features)

    count = 0
    for parent in list(module.modules()):
        for name, child in list(parent.named_children()):
            if isinstance(child, torch.nn.Linear) and child.weight.dtype == torch.bfloat16:
                setattr(parent, name, PackedLinear(child))
                count += 1
    return count
