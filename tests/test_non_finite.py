"""NaN and infinity never become a file: music and covers check what their models produce.

Two kinds of fault, on tiny models loaded from the cache as the app loads them:
- weights that overflow in every precision (a UNet's input convolution scaled by 1e38, a
  decoder's output heads set to infinity, saved in the real layout): a clear one-line error,
  exit 1, no file and no sidecar;
- a model that overflows only in reduced precision (what fp16 does to a UNet or a decoder on
  a GPU, simulated with a forward hook because a CPU runs bf16 with fp32's range): one retry
  in fp32, a finite result, a note, and the recipe says fp32.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from albumgen_desktop.cli import main
from albumgen_desktop.core.features import Features
from albumgen_desktop.core.warm_models import release_all
from albumgen_desktop.models.manifest import find_model
from albumgen_desktop.models.tiny import install_tiny
from albumgen_desktop.services import cover as cover_service
from albumgen_desktop.services import music as music_service
from albumgen_desktop.services.cover import CoverJob, generate_cover
from albumgen_desktop.services.music import MusicJob, generate_music


@pytest.fixture(autouse=True)
def _fresh_engines():
    release_all()
    yield
    release_all()


def _damage_saved_weights(folder: Path, model_class, names: tuple[str, ...], change) -> None:
    model = model_class.from_pretrained(folder, use_safetensors=True)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.startswith(names):
                change(param)
    model.save_pretrained(folder, safe_serialization=True)


def _nan_in_reduced_precision(module: torch.nn.Module, dtype_of) -> None:
    """The module's output turns to NaN whenever it runs in anything but fp32."""

    def hook(mod, args, output):
        if dtype_of(mod) == torch.float32:
            return None
        if isinstance(output, tuple):  # a UNet called with return_dict=False
            return (torch.full_like(output[0], float("nan")), *output[1:])
        return torch.full_like(output, float("nan"))

    module.register_forward_hook(hook)


def test_a_unet_that_overflows_in_fp32_too_gives_one_line_and_no_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from diffusers import UNet2DConditionModel

    snapshot = install_tiny(find_model("sdxs-512"))
    _damage_saved_weights(snapshot / "unet", UNet2DConditionModel, ("conv_in.",), lambda p: p.mul_(1e38))
    out = tmp_path / "cover.png"
    code = main(["cover", "-o", str(out), "--engine", "diffusion", "--size", "512", "--precision", "fp32"])
    err = capsys.readouterr().err.strip().splitlines()
    ours = [line for line in err if line.startswith("albumgen:")]
    assert code == 1 and "Traceback" not in "\n".join(err)
    assert len(ours) == 1 and "NaN or infinite" in ours[0] and "nothing was written" in ours[0], err
    assert "internal error" not in ours[0]
    assert not out.exists() and list(tmp_path.iterdir()) == []
    # in reduced precision it is retried in fp32 once, then the same clear error
    assert main(["cover", "-o", str(out), "--engine", "diffusion", "--size", "512", "--precision", "bf16"]) == 1
    retried = capsys.readouterr().err
    assert "in bf16 and again in fp32" in retried and not out.exists()


def test_a_unet_that_overflows_in_half_precision_is_retried_in_fp32() -> None:
    snapshot = install_tiny(find_model("sdxs-512"))
    entry = find_model("sdxs-512")
    engine = cover_service._engine(entry, snapshot, "bf16")
    assert engine.placement.precision == "bf16"
    _nan_in_reduced_precision(engine.pipe.unet, lambda m: m.dtype)
    result = generate_cover(CoverJob(features=Features(), size=512, engine="diffusion", precision="bf16", variations=2))
    assert len(result.images) == 2
    assert all(np.asarray(im).std() > 1.0 for im in result.images)  # real pictures, not the black of NaN
    assert [r.params["precision"] for r in result.recipes] == ["fp32", "fp32"]
    assert any("overflowed in bf16" in n and "again in fp32" in n for n in result.notices), result.notices


def test_a_decoder_that_overflows_in_fp32_too_gives_one_line_and_no_wav(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from transformers import MusicgenForConditionalGeneration

    snapshot = install_tiny(find_model("musicgen-small"))
    _damage_saved_weights(
        snapshot, MusicgenForConditionalGeneration, ("decoder.lm_heads.",), lambda p: p.fill_(float("inf"))
    )
    out = tmp_path / "x.wav"
    code = main(["music", "-o", str(out), "--engine", "musicgen", "--duration", "2"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and "NaN or infinite" in err[-1] and "nothing was written" in err[-1], err
    assert "internal error" not in err[-1] and "Traceback" not in "\n".join(err)
    assert list(tmp_path.iterdir()) == []


def test_a_decoder_that_overflows_in_reduced_precision_is_retried_in_fp32() -> None:
    snapshot = install_tiny(find_model("musicgen-small"))
    engine = music_service._musicgen(snapshot, "bf16")
    _nan_in_reduced_precision(engine.stepper, lambda m: m.dtype)
    chunks: list[np.ndarray] = []
    result = generate_music(
        MusicJob(features=Features(), duration_s=2.0, precision="bf16"), on_chunk=lambda a, f: chunks.append(a)
    )
    assert result.audio.shape == (1, 64000) and np.isfinite(result.audio).all() and result.audio.std() > 0
    assert result.recipes[0].params["precision"] == "fp32"
    assert any("overflowed in bf16" in n for n in result.notices), result.notices
    assert chunks == []  # nothing streamed from the bad run (its first chunk was never decoded)
