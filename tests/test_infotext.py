"""PNG ``parameters`` as A1111 writes it, checked with the published readers (sd-parsers,
sd-prompt-reader) and with A1111's own quoting rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from albumgen_desktop.cli import main
from albumgen_desktop.core.infotext import a1111_sampler, format_infotext, parse_infotext, quote, split_pasted
from albumgen_desktop.io import png

sd_parsers = pytest.importorskip("sd_parsers")
image_data_reader = pytest.importorskip("sd_prompt_reader.image_data_reader")

# An infotext as A1111 1.10 writes it (prompt over two lines, quoted values holding ", " and ":").
PASTED = (
    "masterpiece, a lighthouse in fog,\n(dramatic light:1.2)\n"
    "Negative prompt: lowres, bad anatomy, text\n"
    "Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 3141592653, Size: 512x768, "
    'Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Lora hashes: "fog: 1a2b3c, light: 4d5e6f", '
    "Version: v1.10.1"
)


def _readers(path: Path) -> tuple[dict, dict]:
    """What sd-parsers and sd-prompt-reader make of a PNG: prompt, negative, seed, steps."""
    info = sd_parsers.ParserManager().parse(str(path))
    assert info is not None, "sd-parsers found no A1111 parameters"
    sampler = info.samplers[0]
    a = {
        "prompt": sampler.prompts[0].value if sampler.prompts else "",
        "negative": sampler.negative_prompts[0].value if sampler.negative_prompts else "",
        "seed": int(sampler.parameters["seed"]),
        "steps": int(sampler.parameters["steps"]),
        "sampler": sampler.name,
    }
    reader = image_data_reader.ImageDataReader(str(path))
    assert reader.tool == "A1111 webUI"
    b = {
        "prompt": reader.positive,
        "negative": reader.negative,
        "seed": int(reader.parameter["seed"]),
        "steps": int(reader.parameter["steps"]),
        "sampler": reader.parameter["sampler"],
    }
    return a, b


def test_quote_follows_a1111() -> None:
    assert quote("Euler a") == "Euler a"
    assert quote("a, b") == '"a, b"' and quote("x: y") == '"x: y"' and quote("a\nb") == '"a\\nb"'
    assert quote("Zoë, ✓") == '"Zoë, ✓"'  # ensure_ascii=False, as A1111 writes it
    assert quote(7.5) == "7.5" and quote(0.0) == "0" and quote(42) == "42"


def test_parse_reads_a1111_text_and_its_quoted_values() -> None:
    parsed = parse_infotext(PASTED)
    assert parsed.prompt == "masterpiece, a lighthouse in fog,\n(dramatic light:1.2)"
    assert parsed.negative_prompt == "lowres, bad anatomy, text"
    assert parsed.settings["Lora hashes"] == "fog: 1a2b3c, light: 4d5e6f"
    assert parsed.settings["Schedule type"] == "Karras" and parsed.seed == 3141592653
    assert split_pasted("a plain prompt, with commas: and a colon") is None


_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(str.strip)


@given(prompt=_text, negative=_text, value=_text, seed=st.integers(0, 2**32 - 1))
@settings(max_examples=150, deadline=None)
def test_format_then_parse_is_identity(prompt: str, negative: str, value: str, seed: int) -> None:
    prompt, negative, value = " ".join(prompt.split()), " ".join(negative.split()), value.strip()
    if prompt.startswith("Negative prompt:") or split_pasted(prompt) is not None:
        return  # a prompt that is itself infotext is split on purpose
    text = format_infotext(prompt, negative, [("Steps", 3), ("Sampler", "Euler"), ("Seed", seed), ("Note", value)])
    back = parse_infotext(text)
    assert (back.prompt, back.negative_prompt, back.seed, back.settings["Note"]) == (prompt, negative, seed, value)


def test_sampler_names_follow_the_diffusers_a1111_table() -> None:
    assert a1111_sampler("EulerAncestralDiscreteScheduler", {}) == "Euler a"
    assert a1111_sampler("DPMSolverMultistepScheduler", {"algorithm_type": "dpmsolver++"}) == "DPM++ 2M"
    assert (
        a1111_sampler("DPMSolverMultistepScheduler", {"algorithm_type": "sde-dpmsolver++", "use_karras_sigmas": True})
        == "DPM++ 2M SDE Karras"
    )
    assert a1111_sampler("FlowMatchEulerDiscreteScheduler", {}) == "FlowMatchEulerDiscreteScheduler"


def test_sketch_cover_is_read_by_the_published_readers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sketch.png"
    code = main(["cover", "-o", str(out), "--engine", "sketch", "--size", "512", "--seed", "4242",
                 "--title", "Café Nuit ✓", "--negative", "blurry, text"])  # fmt: skip
    assert code == 0
    assert "the sketch painter ignores the negative prompt" in capsys.readouterr().err
    assert b"iTXtparameters" in out.read_bytes()  # the title's check mark is not Latin-1
    recipe = json.loads(png.read_text(out)["albumgen"])
    assert "Café Nuit ✓" in recipe["prompt"]
    a, b = _readers(out)
    for got in (a, b):
        # the sketch painter used no negative prompt, so none is written
        assert got == {
            "prompt": recipe["prompt"],
            "negative": "",
            "seed": 4242,
            "steps": 1,
            "sampler": "Sketch painter",
        }


@pytest.mark.slow
def test_diffusion_cover_and_pasted_infotext_round_trip(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("diffusers")
    from albumgen_desktop.models.manifest import find_model
    from albumgen_desktop.models.tiny import install_tiny

    install_tiny(find_model("sd15"))
    out = tmp_path / "diffusion.png"
    args = ["cover", "-o", str(out), "--engine", "diffusion", "--model", "sd15", "--steps", "3"]
    code = main([*args, "--size", "1024", "--seed", "1234", "--prompt", "a quiet harbour at dusk, oil",
                 "--negative", "blurry, lowres: bad"])  # fmt: skip
    assert code == 0
    text = png.read_text(out)["parameters"]
    assert text.splitlines()[-1].startswith("Steps: 3, Sampler: DPM++ 2M, CFG scale: 7.5, Seed: 1234, Size: 512x512")
    assert "Postprocess upscale to: 1024x1024, Postprocess upscaler: Lanczos" in text
    for got in _readers(out):
        assert got == {"prompt": "a quiet harbour at dusk, oil", "negative": "blurry, lowres: bad", "seed": 1234,
                       "steps": 3, "sampler": "DPM++ 2M"}  # fmt: skip
    capsys.readouterr()

    pasted = tmp_path / "pasted.png"
    assert main([*args, "--size", "512", "--prompt", PASTED, "-o", str(pasted)]) == 0
    err = capsys.readouterr().err
    assert "took its prompt, negative prompt, seed 3141592653" in err and "Lora hashes" in err
    for got in _readers(pasted):
        assert got["prompt"] == "masterpiece, a lighthouse in fog,\n(dramatic light:1.2)"
        assert got["negative"] == "lowres, bad anatomy, text" and got["seed"] == 3141592653
    recipe = json.loads(png.read_text(pasted)["albumgen"])
    assert recipe["seed"] == 3141592653 and "Steps:" not in recipe["prompt"]
