"""Device discipline: every tensor an engine's loop creates lives on the model's device.

No GPU here, so the engines run on a virtual accelerator (tests/virtual_accelerator.py):
real arithmetic on the CPU, CUDA's rule that one op may not mix devices. Weights load as
real CPU tensors, as from_pretrained loads them; each engine then moves them with its own
placement code, as it does on a CUDA machine, and runs end to end.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from albumgen_desktop.models.device import Placement
from tests.virtual_accelerator import AcceleratorTensor, DeviceMixError, VirtualAccelerator

# diffusers' schedulers call np.array() on tensors in a way numpy 2 deprecates
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
ACCELERATOR = Placement("meta", "fp16")  # what choose_placement gives on a CUDA machine, on the virtual device


def test_the_virtual_accelerator_catches_mixing() -> None:
    """The harness: mixing raises, a CPU scalar and CPU indices do not, values are real."""
    with VirtualAccelerator():
        ids = torch.arange(40, device="meta").view(4, 10)
        assert isinstance(ids, AcceleratorTensor) and ids.device.type == "meta"
        with pytest.raises(DeviceMixError):
            torch.where(torch.zeros(4, 10, dtype=torch.long) == -1, ids, ids)  # a CPU mask beside device ids
        with pytest.raises(DeviceMixError):
            torch.cat([ids, torch.zeros(1, 10, dtype=torch.long)])
        assert int((ids + torch.tensor(1))[3, 9].item()) == 40  # a 0-dim CPU scalar is fine, values are real
        assert ids[torch.tensor([1, 2])].shape == (2, 10)  # CPU indices too, as on CUDA
        assert ids.cpu().numpy()[1, 0] == 10
        with pytest.raises(TypeError):
            ids.numpy()  # as for a CUDA tensor: copy it to the CPU first
        lin = torch.nn.Linear(10, 3).to("meta", torch.float16)
        assert isinstance(lin.weight, AcceleratorTensor) and lin(ids.half()).device.type == "meta"


@pytest.fixture(scope="module")
def musicgen_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from albumgen_desktop.models.tiny import build_tiny_musicgen

    return build_tiny_musicgen(tmp_path_factory.mktemp("mg") / "musicgen")


@pytest.fixture(scope="module")
def melody_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from albumgen_desktop.models.tiny import build_tiny_musicgen_melody

    return build_tiny_musicgen_melody(tmp_path_factory.mktemp("mgm") / "melody")


def _loaded(folder: Path):
    """Real weights on the CPU, as from_pretrained loads them (outside the virtual accelerator:
    transformers builds its empty models on the meta device)."""
    from albumgen_desktop.engines.musicgen import MusicGenEngine

    return MusicGenEngine(folder, precision="fp32", device="cpu")


def _place(engine):
    """What MusicGenEngine.__init__ does on a CUDA machine (fp16), on the virtual device."""
    engine._place(ACCELERATOR)
    assert isinstance(engine.stepper.embeddings, AcceleratorTensor) and engine.stepper.dtype == torch.float16
    return engine


def test_musicgen_streams_across_windows_on_the_accelerator(
    musicgen_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Streaming chunks (delay mask, token matrix, EnCodec decode) and a continuation window,
    with CFG and two variations, never mix devices; the audio leaves as finished numpy chunks."""
    from albumgen_desktop.engines import musicgen
    from albumgen_desktop.engines.musicgen import MusicRequest

    monkeypatch.setattr(musicgen, "WINDOW_FRAMES", 60)  # 1.2 s windows: the continuation path runs too
    chunks: list[np.ndarray] = []
    engine = _loaded(musicgen_folder)
    with VirtualAccelerator():
        _place(engine)
        audio = engine.generate(
            MusicRequest(prompt="warm jazz trio", duration_s=2.0, variations=2), on_chunk=lambda a, f: chunks.append(a)
        )
    assert audio.shape == (2, 2 * 32000) and np.isfinite(audio).all()
    assert np.array_equal(np.concatenate(chunks, axis=1), audio) and len(chunks) >= 3
    assert isinstance(engine.last_codes, AcceleratorTensor)


def test_musicgen_melody_with_a_reference_on_the_accelerator(melody_folder: Path) -> None:
    """The reference's chroma, the "no melody" chroma of CFG's unconditional half and the
    conditioning prefix are all made on the device; so is the prefix without a reference."""
    from albumgen_desktop.engines.musicgen import MusicRequest

    t = np.arange(3 * 32000) / 32000
    melody = (0.4 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    engine = _loaded(melody_folder)
    with VirtualAccelerator():
        _place(engine)
        audio = engine.generate(MusicRequest(prompt="folk waltz", duration_s=1.0, melody=melody, guidance=3.0))
        unconditioned = engine.generate(MusicRequest(prompt="folk waltz", duration_s=0.5, guidance=3.0))
    assert audio.shape == (1, 32000) and unconditioned.shape == (1, 16000)


@pytest.mark.parametrize("layout", ["sdxs", "sd15"])
def test_diffusion_text_to_image_and_img2img_with_previews_on_the_accelerator(tmp_path: Path, layout: str) -> None:
    """The whole pipeline on the device: noise, UNet steps with TAESD previews (or the linear
    latent map), the final decode with its finiteness check, and img2img's reference encoding."""
    from albumgen_desktop.engines.diffusion import CoverDiffusionEngine, DiffusionRequest, ModelDefaults
    from albumgen_desktop.models import tiny_diffusion

    if layout == "sdxs":
        folder, preview = tiny_diffusion.build_tiny_sd(tmp_path / "p"), None
        defaults = ModelDefaults(native_size=128)
    else:
        folder = tiny_diffusion.build_tiny_sd(tmp_path / "p", vae="kl")
        defaults = ModelDefaults(steps=3, guidance=7.5, native_size=128)
        preview = tiny_diffusion.build_tiny_taesd(tmp_path / "taesd")
    engine = CoverDiffusionEngine.load(folder, defaults, precision="fp32", device="cpu", preview_folder=preview)
    previews: list[Image.Image | None] = []
    with VirtualAccelerator():
        engine.place(ACCELERATOR)
        assert isinstance(engine.pipe.unet.conv_in.weight, AcceleratorTensor)
        request = DiffusionRequest(prompt="a calm blue cover", negative_prompt="text", seed=3)
        image = engine.generate(request, on_step=lambda i, n, p: previews.append(p))[0]
        reference = Image.new("RGB", (96, 64), (200, 40, 90))
        again = engine.generate(DiffusionRequest(prompt="a cover", reference=reference, strength=0.7))[0]
    assert image.size == again.size == (128, 128)
    if layout == "sd15":
        assert sum(p is not None for p in previews) == 2  # a preview after every step but the last


@pytest.mark.slow
def test_clip_clap_and_vlm_on_the_accelerator(tmp_path: Path) -> None:
    from albumgen_desktop.engines.audio_clap import ClapAnalyser
    from albumgen_desktop.engines.image_clip import ClipAnalyser
    from albumgen_desktop.engines.vlm import FeaturesVlm
    from albumgen_desktop.models.tiny import build_tiny_clap, build_tiny_clip, build_tiny_vlm

    clip = ClipAnalyser(build_tiny_clip(tmp_path / "clip"), device="cpu")
    clap = ClapAnalyser(build_tiny_clap(tmp_path / "clap"), device="cpu")
    vlm = FeaturesVlm(build_tiny_vlm(tmp_path / "vlm"), precision="fp32", device="cpu")
    cover = Image.new("RGB", (64, 48), (10, 200, 30))
    with VirtualAccelerator():
        for engine in (clip, clap):
            engine.place(Placement("meta", "fp32"))
        vlm.place(ACCELERATOR)
        embedding = clip.embed([cover])[0]
        assert clip.zero_shot(embedding).features() is not None
        assert clap.analyse(np.zeros(3 * 48000, dtype=np.float32)).genre
        text, features = vlm.generate([cover], context="Albums whose covers look similar: none")[0]
    assert embedding.shape == (16,) and features is not None and text.startswith("{")
