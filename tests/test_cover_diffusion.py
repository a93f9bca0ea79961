"""The diffusion cover engine on tiny random pipelines saved in the real diffusers layout."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from albumgen_desktop.cli import main
from albumgen_desktop.core.errors import AlbumGenError, CancelledError, ModelMissingError
from albumgen_desktop.core.features import Features
from albumgen_desktop.core.progress import CancelToken
from albumgen_desktop.core.warm_models import release_all
from albumgen_desktop.engines.diffusion import (
    CoverDiffusionEngine,
    DiffusionRequest,
    ModelDefaults,
    check_pipeline_folder,
    img2img_steps,
)
from albumgen_desktop.io import png
from albumgen_desktop.io.metadata import read_recipe
from albumgen_desktop.models import tiny_diffusion
from albumgen_desktop.models.manifest import find_model
from albumgen_desktop.models.tiny import install_tiny
from albumgen_desktop.services.cover import CoverJob, generate_cover

pytest.importorskip("diffusers")


@pytest.fixture(scope="module")
def one_step_folder(tmp_path_factory) -> Path:
    return tiny_diffusion.build_tiny_sd(tmp_path_factory.mktemp("sdxs") / "pipe")


@pytest.fixture(scope="module")
def multi_step_folder(tmp_path_factory) -> Path:
    return tiny_diffusion.build_tiny_sd15(tmp_path_factory.mktemp("sd15") / "pipe")


@pytest.fixture(scope="module")
def one_step(one_step_folder) -> CoverDiffusionEngine:
    return CoverDiffusionEngine.load(one_step_folder, ModelDefaults(1, 0.0, 128))


@pytest.fixture(autouse=True)
def _fresh_engine_cache():
    release_all()
    yield
    release_all()


def _array(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.int16)


def test_pipeline_folder_is_the_real_layout(one_step_folder: Path) -> None:
    index = json.loads((one_step_folder / "model_index.json").read_text())
    assert index["_class_name"] == "StableDiffusionPipeline"
    assert index["vae"] == ["diffusers", "AutoencoderTiny"]
    for part in ("unet", "vae"):
        assert (one_step_folder / part / "diffusion_pytorch_model.safetensors").is_file()
    assert (one_step_folder / "text_encoder" / "model.safetensors").is_file()
    assert not list(one_step_folder.rglob("*.bin"))


def test_seed_decides_the_cover_and_variations_extend(one_step: CoverDiffusionEngine) -> None:
    a = one_step.generate(DiffusionRequest("a dark ambient cover", seed=3))[0]
    again = one_step.generate(DiffusionRequest("a dark ambient cover", seed=3))[0]
    pair = one_step.generate(DiffusionRequest("a dark ambient cover", seed=3, variations=2))
    other = one_step.generate(DiffusionRequest("a dark ambient cover", seed=4))[0]
    assert np.array_equal(_array(a), _array(again))
    assert np.array_equal(_array(pair[0]), _array(a))
    assert np.array_equal(_array(pair[1]), _array(other))
    assert np.abs(_array(a) - _array(other)).mean() > 0.5


def test_reference_image_moves_the_result_by_strength(one_step: CoverDiffusionEngine) -> None:
    ref = Image.new("RGB", (300, 200), (220, 30, 30))
    plain = _array(one_step.generate(DiffusionRequest("cover", seed=1))[0])
    weak = _array(one_step.generate(DiffusionRequest("cover", seed=1, reference=ref, strength=0.2))[0])
    strong = _array(one_step.generate(DiffusionRequest("cover", seed=1, reference=ref, strength=0.95))[0])
    assert np.abs(weak - plain).mean() > 0.5
    assert not np.array_equal(weak, strong)


@pytest.mark.parametrize(("strength", "expected"), [(1.0, 1), (0.9, 2), (0.5, 2), (0.3, 4), (0.05, 20)])
def test_one_step_img2img_runs_exactly_one_step(strength: float, expected: int) -> None:
    n = img2img_steps(1, strength, one_step=True)
    assert n == expected and int(n * strength) == 1


def test_multi_step_model_sends_previews_and_cancels_within_a_step(multi_step_folder: Path, tmp_path: Path) -> None:
    taesd = tiny_diffusion.build_tiny_taesd(tmp_path / "taesd")
    engine = CoverDiffusionEngine.load(
        multi_step_folder, ModelDefaults(4, 7.5, 128), preview_folder=taesd, variant="fp16"
    )
    seen: list[tuple[int, int, object]] = []
    engine.generate(DiffusionRequest("a bright cover", negative_prompt="blurry"), on_step=lambda *a: seen.append(a))
    assert [(s, n) for s, n, _ in seen] == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert all(isinstance(p, Image.Image) for _, _, p in seen[:-1]) and seen[-1][2] is None

    cancel = CancelToken()
    steps: list[int] = []

    def stop_after_first(step: int, total: int, preview: object) -> None:
        steps.append(step)
        cancel.cancel()

    with pytest.raises(CancelledError):
        engine.generate(DiffusionRequest("a bright cover"), on_step=stop_after_first, cancel=cancel)
    assert steps == [1]


def test_preview_without_taesd_uses_the_linear_latent_map(multi_step_folder: Path) -> None:
    engine = CoverDiffusionEngine.load(multi_step_folder, ModelDefaults(2, 7.5, 128), variant="fp16")
    import torch

    preview = engine.preview(torch.randn(1, 4, 16, 16))
    assert preview.size == (128, 128)


def test_a_custom_pipeline_class_is_refused(tmp_path: Path) -> None:
    (tmp_path / "model_index.json").write_text(json.dumps({"_class_name": "SomeonesCustomPipeline"}))
    with pytest.raises(AlbumGenError, match="not supported"):
        check_pipeline_folder(tmp_path)


def test_service_uses_the_cached_model_records_it_and_sets_type_only_when_asked(tmp_path: Path) -> None:
    install_tiny(find_model("sdxs-512"))
    f = Features(genre="synthwave", valence=0.7, energy=0.8)
    plain = generate_cover(CoverJob(features=f, title="Night Drive", size=512, engine="auto"))
    assert plain.recipe.engine == "diffusion" and plain.notices == []
    assert plain.recipe.model is not None and plain.recipe.model.id == "sdxs-512"
    assert plain.image.size == (512, 512) and plain.recipe.params["typography"] is False
    typed = generate_cover(CoverJob(features=f, title="Night Drive", size=512, engine="diffusion", typography=True))
    assert typed.recipe.params["typography"] is True
    assert np.abs(_array(typed.image) - _array(plain.image)).mean() > 0.5


def test_cli_diffusion_with_reference_and_variations(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    install_tiny(find_model("sdxs-512"))
    ref = tmp_path / "ref.png"
    Image.new("RGB", (640, 480), (20, 90, 200)).save(ref)
    out = tmp_path / "x.png"
    args = ["cover", "-o", str(out), "--engine", "diffusion", "--reference", str(ref), "--strength", "0.5"]
    code = main([*args, "--variations", "2", "--size", "512", "--seed", "9", "--title", "Blue"])
    assert code == 0, capsys.readouterr().err
    second = tmp_path / "x-2.png"
    for path, seed in ((out, 9), (second, 10)):
        recipe = read_recipe(path)
        assert recipe is not None and recipe.engine == "diffusion" and recipe.seed == seed
        assert recipe.params["reference"] is True and recipe.params["strength"] == 0.5
        assert "parameters" in png.read_text(path)


def test_diffusion_without_weights_exits_3_and_auto_falls_back(tmp_path: Path, capsys) -> None:
    out = tmp_path / "x.png"
    assert main(["cover", "-o", str(out), "--engine", "diffusion", "--size", "512"]) == 3
    err = capsys.readouterr().err
    assert "sdxs-512" in err and "not downloaded" in err and "Traceback" not in err
    assert not out.exists()
    assert main(["cover", "-o", str(out), "--engine", "auto", "--size", "512"]) == 0
    assert "sketch" in capsys.readouterr().err
    assert read_recipe(out).engine == "sketch"


def test_service_cancel_keeps_finished_variations() -> None:
    install_tiny(find_model("sdxs-512"))
    cancel = CancelToken()
    steps: list[str] = []

    def progress(p) -> None:
        if p.message.startswith("step"):
            steps.append(p.message)
            if len(steps) == 2:  # the second variation's only step: it is dropped, the first is kept
                cancel.cancel()

    with pytest.raises(CancelledError) as info:
        generate_cover(
            CoverJob(features=Features(), size=512, engine="diffusion", variations=3), on_progress=progress,
            cancel=cancel,
        )  # fmt: skip
    assert len(steps) == 2
    kept = info.value.partial
    assert [im.size for im in kept.images] == [(512, 512)] and [r.seed for r in kept.recipes] == [0]


def test_missing_model_error_names_the_download_command() -> None:
    with pytest.raises(ModelMissingError, match="albumgen models download sdxs-512"):
        generate_cover(CoverJob(features=Features(), size=512, engine="diffusion"))
