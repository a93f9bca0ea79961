from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from albumgen_desktop.cli import main
from albumgen_desktop.core.errors import CancelledError, ModelMissingError
from albumgen_desktop.core.features import Features
from albumgen_desktop.core.progress import CancelToken
from albumgen_desktop.engines.audio_dsp import SR, analyse_samples
from albumgen_desktop.engines.loudness import integrated_lufs, normalise, true_peak
from albumgen_desktop.engines.music_sketch import RATE, render
from albumgen_desktop.io.audio import resample
from albumgen_desktop.io.metadata import read_recipe
from albumgen_desktop.models.manifest import model_for_role
from albumgen_desktop.services.music import MusicJob, generate_music


@pytest.fixture(scope="module")
def tiny_musicgen(tmp_path_factory: pytest.TempPathFactory):
    from albumgen_desktop.engines.musicgen import MusicGenEngine
    from albumgen_desktop.models.tiny import build_tiny_musicgen

    folder = build_tiny_musicgen(tmp_path_factory.mktemp("mg") / "musicgen")
    return MusicGenEngine(folder, precision="fp32")


def _full_decode(engine) -> np.ndarray:
    import torch

    codes = engine.last_codes
    with torch.inference_mode():
        out = engine.model.audio_encoder.decode(codes[None], [None] * codes.shape[0]).audio_values
    return out[:, 0].numpy()


@pytest.mark.parametrize("seconds", [3.0, pytest.param(45.0, marks=pytest.mark.slow)])
def test_streamed_chunks_equal_one_shot_decode(tiny_musicgen, seconds: float) -> None:
    from albumgen_desktop.engines.musicgen import MusicRequest

    chunks: list[np.ndarray] = []
    audio = tiny_musicgen.generate(
        MusicRequest(prompt="warm jazz trio", duration_s=seconds, variations=2), on_chunk=lambda a, f: chunks.append(a)
    )
    assert audio.shape == (2, int(seconds * 32000))
    assert np.array_equal(np.concatenate(chunks, axis=1), audio)
    assert chunks[0].shape[1] == 12 * 640  # the first chunk is a quarter second: sound arrives early
    full = _full_decode(tiny_musicgen)
    assert full.shape == audio.shape
    assert np.max(np.abs(full - audio)) < 1e-5  # across the 30 s window seam too


@pytest.mark.slow
def test_continuation_reaches_two_minutes(tiny_musicgen) -> None:
    from albumgen_desktop.engines.musicgen import MusicRequest

    audio = tiny_musicgen.generate(MusicRequest(prompt="ambient drone", duration_s=125.0))
    assert audio.shape == (1, 125 * 32000)
    assert tiny_musicgen.last_codes.shape[-1] == 125 * 50
    assert np.max(np.abs(_full_decode(tiny_musicgen) - audio)) < 1e-5


def test_seed_decides_the_tokens(tiny_musicgen) -> None:
    from albumgen_desktop.engines.musicgen import MusicRequest

    def codes(seed: int):
        tiny_musicgen.generate(MusicRequest(prompt="x", duration_s=1.0, seed=seed))
        return tiny_musicgen.last_codes.clone()

    a, b, c = codes(3), codes(3), codes(4)
    assert (a == b).all() and not (a == c).all()


def _opinionated(folder: Path, model_class):
    """Scale a tiny model's weights up so that its next-token distributions are peaked and depend
    on the conditioning. (At the default init every distribution is almost uniform, and a sampler
    with the wrong guidance or filtering would still draw the same tokens from the same numbers.)"""
    import torch

    from albumgen_desktop.engines.musicgen import MusicGenEngine

    model = model_class.from_pretrained(folder, use_safetensors=True)
    prefixes = ("decoder.", "enc_to_dec_proj.", "audio_enc_to_dec_proj.", "text_encoder.")
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.startswith(prefixes) and param.dim() == 2:
                param.mul_(25.0 if "lm_heads" in name else 6.0)
    model.save_pretrained(folder, safe_serialization=True)
    return MusicGenEngine(folder, precision="fp32")


@pytest.fixture(scope="module")
def opinionated_musicgen(tmp_path_factory: pytest.TempPathFactory):
    from transformers import MusicgenForConditionalGeneration

    from albumgen_desktop.models.tiny import build_tiny_musicgen

    folder = build_tiny_musicgen(tmp_path_factory.mktemp("mg-sharp") / "musicgen")
    return _opinionated(folder, MusicgenForConditionalGeneration)


@pytest.fixture(scope="module")
def opinionated_melody(tmp_path_factory: pytest.TempPathFactory):
    from transformers import MusicgenMelodyForConditionalGeneration

    from albumgen_desktop.models.tiny import build_tiny_musicgen_melody

    folder = build_tiny_musicgen_melody(tmp_path_factory.mktemp("mgm-sharp") / "melody")
    return _opinionated(folder, MusicgenMelodyForConditionalGeneration)


@pytest.mark.parametrize(("with_melody", "guidance"), [(True, 3.0), (False, 3.0), (True, 1.0)])
def test_lean_decoder_melody_samples_what_transformers_generate_samples(
    opinionated_melody, with_melody: bool, guidance: float
) -> None:
    """MusicGen-melody (conditioning prefix, no cross-attention) in the engine's loop and in
    transformers' generate: the same audio for a seed, with and without a reference melody."""
    import torch
    from transformers import AutoTokenizer, MusicgenMelodyForConditionalGeneration

    from albumgen_desktop.engines.musicgen import MusicRequest

    engine = opinionated_melody
    t = np.arange(3 * 32000) / 32000
    melody = (0.4 * np.sin(2 * np.pi * 220 * t * (1 + t / 3))).astype(np.float32) if with_melody else None
    request = MusicRequest(prompt="folk waltz", duration_s=2.0, seed=5, guidance=guidance, top_k=20, melody=melody)
    ours = engine.generate(request)
    reference = MusicgenMelodyForConditionalGeneration.from_pretrained(engine.model_dir, use_safetensors=True).eval()
    inputs = dict(AutoTokenizer.from_pretrained(engine.model_dir)([request.prompt], return_tensors="pt"))
    if with_melody:
        inputs["input_features"] = engine.chroma(melody[: 2 * 32000])  # the window the engine conditions on
    torch.manual_seed(request.seed)
    with torch.inference_mode():
        theirs = reference.generate(
            **inputs, max_new_tokens=100 + 3, do_sample=True, guidance_scale=guidance if guidance > 1 else None,
            top_k=20,
        )[:, 0].numpy()  # fmt: skip
    assert theirs.shape == ours.shape
    assert np.max(np.abs(theirs - ours)) < 1e-5


def test_melody_continues_past_one_window_and_streams_exactly(opinionated_melody) -> None:
    """A second window of MusicGen-melody: conditioning prefix, then 10 s of code prompt."""
    from albumgen_desktop.engines.musicgen import MusicRequest

    t = np.arange(40 * 32000) / 32000
    melody = (0.4 * np.sin(2 * np.pi * 196 * t)).astype(np.float32)
    chunks: list[np.ndarray] = []
    audio = opinionated_melody.generate(
        MusicRequest(prompt="slow ballad", duration_s=33.0, melody=melody), on_chunk=lambda a, f: chunks.append(a)
    )
    assert audio.shape == (1, 33 * 32000)
    assert np.array_equal(np.concatenate(chunks, axis=1), audio)
    assert np.max(np.abs(_full_decode(opinionated_melody) - audio)) < 1e-5


@pytest.mark.parametrize(
    ("guidance", "temperature", "top_k", "variations"), [(3.0, 1.0, 250, 1), (1.0, 0.7, 0, 2), (4.5, 1.3, 5, 2)]
)
def test_lean_decoder_samples_what_transformers_generate_samples(
    opinionated_musicgen, guidance: float, temperature: float, top_k: int, variations: int
) -> None:
    """The engine's own sampling loop and transformers' generate give the same audio for a seed."""
    import torch
    from transformers import AutoTokenizer, MusicgenForConditionalGeneration

    from albumgen_desktop.engines.musicgen import MusicRequest

    tiny_musicgen = opinionated_musicgen

    request = MusicRequest(
        prompt="dusty soul groove", duration_s=2.0, seed=11, guidance=guidance, temperature=temperature,
        top_k=top_k, variations=variations,
    )  # fmt: skip
    ours = tiny_musicgen.generate(request)
    assert tiny_musicgen.stepper is not None
    folder = tiny_musicgen.model_dir
    reference = MusicgenForConditionalGeneration.from_pretrained(folder, use_safetensors=True).eval()
    inputs = AutoTokenizer.from_pretrained(folder)([request.prompt] * variations, return_tensors="pt")
    torch.manual_seed(request.seed)
    with torch.inference_mode():
        theirs = reference.generate(
            **inputs, max_new_tokens=100 + 3, do_sample=True, guidance_scale=guidance if guidance > 1 else None,
            temperature=temperature, top_k=top_k,
        )[:, 0].numpy()  # fmt: skip
    assert theirs.shape == ours.shape
    assert np.max(np.abs(theirs - ours)) < 1e-5


def test_lean_decoder_logits_match_transformers_with_a_prompt_and_padding(opinionated_musicgen) -> None:
    """Prefill of a code prompt (as a continuation window does), then single steps, against one
    transformers forward; two prompts of different lengths exercise the cross-attention mask."""
    import torch
    from transformers import MusicgenForConditionalGeneration

    tiny_musicgen = opinionated_musicgen

    reference = MusicgenForConditionalGeneration.from_pretrained(tiny_musicgen.model_dir, use_safetensors=True).eval()
    k, steps = tiny_musicgen.num_codebooks, 30
    inputs = dict(tiny_musicgen.tokenizer(["a", "a long and winding prompt"], padding=True, return_tensors="pt"))
    assert not bool(inputs["attention_mask"].all())
    torch.manual_seed(0)
    ids = torch.randint(0, 64, (2 * k, steps))
    with torch.inference_mode():
        expected = reference(**inputs, decoder_input_ids=ids).logits  # (2K, steps, vocab)
        states, mask = tiny_musicgen._encoder_states(inputs, cfg=False)
        stepper = tiny_musicgen.stepper
        stepper.start(states, mask, steps)
        got = [stepper(ids[:, : steps - 5])]
        got += [stepper(ids[:, t : t + 1]) for t in range(steps - 5, steps)]
        stepper.release()
    assert expected.std() > 1.0  # logits far from uniform: a wrong mask or position would show
    for i, logits in enumerate(got):
        assert torch.allclose(logits, expected[:, steps - 6 + i], atol=1e-4, rtol=1e-5), i


@pytest.mark.parametrize("precision", ["bf16", "int8"])
def test_reduced_precision_steps_track_fp32(opinionated_musicgen, precision: str) -> None:
    """The bf16 and int8 steppers compute the same function as fp32, up to their rounding."""
    import torch

    from albumgen_desktop.engines.musicgen import MusicGenEngine, MusicRequest

    reduced = MusicGenEngine(opinionated_musicgen.model_dir, precision=precision)
    k, steps = reduced.num_codebooks, 24
    request = MusicRequest(prompt="night drive synthwave")
    torch.manual_seed(1)
    ids = torch.randint(0, 64, (2 * k, steps))
    logits = {}
    with torch.inference_mode():
        for name, engine in (("fp32", opinionated_musicgen), (precision, reduced)):
            states, mask = engine._encoder_states(engine._text_inputs(request, None), cfg=True)
            engine.stepper.start(states, mask, steps)
            engine.stepper(ids[:, : steps - 4])
            logits[name] = torch.stack([engine.stepper(ids[:, t : t + 1]) for t in range(steps - 4, steps)])
            engine.stepper.release()
    a, b = logits["fp32"].flatten(0, 1), logits[precision].flatten(0, 1)
    cosine = torch.nn.functional.cosine_similarity(a, b, dim=-1)
    assert cosine.min() > 0.99, cosine.min()
    assert (a.argmax(-1) == b.argmax(-1)).float().mean() > 0.8


def test_cancel_keeps_partial_audio_and_is_quick(tiny_musicgen) -> None:
    from albumgen_desktop.engines.musicgen import MusicRequest

    token = CancelToken()
    seen: list[np.ndarray] = []
    stamp: dict[str, float] = {}

    def on_chunk(piece: np.ndarray, fraction: float) -> None:
        seen.append(piece)
        if len(seen) == 2:
            stamp["cancel"] = time.perf_counter()
            token.cancel()

    with pytest.raises(CancelledError) as info:
        tiny_musicgen.generate(MusicRequest(prompt="x", duration_s=20.0), on_chunk=on_chunk, cancel=token)
    elapsed = time.perf_counter() - stamp["cancel"]
    partial = info.value.partial
    assert elapsed < 1.0
    assert partial.shape[1] >= sum(p.shape[1] for p in seen) and partial.shape[1] < 20 * 32000


def test_loudness_is_normalised_under_a_true_peak_ceiling() -> None:
    song = render(Features(energy=0.9, tempo_bpm=128), 10.0, seed=1)
    for target in (-30.0, -18.0, -12.0):
        out, report = normalise(song, RATE, target)
        assert abs(integrated_lufs(out, RATE) - target) < 0.5, (target, report)
        assert 20 * np.log10(true_peak(out)) <= -0.9
    # Louder than a clean limiter can go: as close as the ceiling allows, never over it.
    out, report = normalise(song, RATE, -6.0)
    assert report.limited and report.output_lufs > -12.0 and report.true_peak_dbtp <= -0.9


def test_sketch_is_deterministic_and_fast() -> None:
    f = Features(tempo_bpm=100, key=4, mode="minor", energy=0.8)
    a = render(f, 10.0, seed=5)
    assert np.array_equal(a, render(f, 10.0, seed=5)) and not np.array_equal(a, render(f, 10.0, seed=6))
    t0 = time.perf_counter()
    render(f, 30.0, seed=1)
    assert (time.perf_counter() - t0) / 30.0 < 0.08  # tens of milliseconds per second of audio


@pytest.mark.slow  # 20 renders analysed: 15-40 s on the shared machine
def test_sketch_round_trip_through_the_analyser() -> None:
    """20 random Features (tempo 60..180 BPM, the range the analyser is evaluated on):
    the analysed sketch gives back its tempo within 2% and its key and mode."""
    rng = np.random.default_rng(1)
    misses = []
    for i in range(20):
        f = Features(
            acousticness=rng.random(), danceability=rng.random(), energy=rng.random(), valence=rng.random(),
            instrumentalness=rng.random(), tempo_bpm=float(rng.uniform(60, 180)), key=int(rng.integers(12)),
            mode=("major", "minor")[int(rng.integers(2))], time_signature=int(rng.choice([3, 4])),
        )  # fmt: skip
        r = analyse_samples(resample(render(f, 20.0, seed=i), RATE, SR))
        if abs(r.tempo_bpm - f.tempo_bpm) > 0.02 * f.tempo_bpm or (r.key, r.mode) != (f.key, f.mode):
            misses.append((f.tempo_bpm, f.key, f.mode, r.tempo_bpm, r.key, r.mode))
    assert not misses, misses


def test_cli_music_sketch_writes_wav_with_recipe(tmp_path: Path) -> None:
    from PIL import Image

    cover = tmp_path / "cover.png"
    Image.new("RGB", (64, 64), (20, 40, 160)).save(cover)
    out = tmp_path / "x.wav"
    assert main(["music", str(cover), "-o", str(out), "--engine", "sketch", "--duration", "8"]) == 0
    info = sf.info(str(out))
    assert abs(info.duration - 8.0) < 1e-3
    recipe = read_recipe(out)
    assert recipe is not None and recipe.engine == "sketch" and recipe.kind == "music"
    assert abs(integrated_lufs(sf.read(out)[0], info.samplerate) - recipe.features.loudness_db) < 0.6


def test_offline_without_weights(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from PIL import Image

    cover = tmp_path / "img.png"
    Image.new("RGB", (32, 32), (200, 30, 30)).save(cover)
    assert main(["music", str(cover), "-o", str(tmp_path / "x.wav"), "--engine", "musicgen"]) == 3
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "not downloaded" in err[-1]  # a note about the cover sketch, then the one error
    assert not (tmp_path / "x.wav").exists()
    assert main(["music", str(cover), "-o", str(tmp_path / "y.wav"), "--engine", "auto", "--duration", "3"]) == 0
    assert "not downloaded, so the sketch engine made this" in capsys.readouterr().err
    with pytest.raises(ModelMissingError):
        generate_music(MusicJob(features=Features(), engine="musicgen"))


def test_service_uses_tiny_musicgen_from_the_cache_and_records_the_model(tmp_path: Path) -> None:
    from albumgen_desktop.models.tiny import install_tiny

    install_tiny(model_for_role("music"))
    result = generate_music(MusicJob(features=Features(loudness_db=-20.0), duration_s=2.0, variations=2))
    assert result.audio.shape == (2, 64000)
    assert result.recipes[0].engine == "musicgen" and result.recipes[0].model.id == "musicgen-small"
    assert result.recipes[0].model.license == "CC-BY-NC-4.0"


def test_melody_conditioning_with_tiny_melody_model(tmp_path: Path) -> None:
    from albumgen_desktop.models.tiny import install_tiny

    install_tiny(model_for_role("melody"))
    ref = tmp_path / "ref.wav"
    t = np.arange(4 * 22050) / 22050
    sf.write(ref, (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32), 22050)
    result = generate_music(MusicJob(features=Features(), duration_s=2.0, melody=ref))
    assert result.recipes[0].model.id == "musicgen-melody" and result.audio.shape == (1, 64000)


@pytest.mark.parametrize("precision", ["bf16", "int8"])
def test_cpu_precision_paths_generate(tmp_path: Path, precision: str) -> None:
    from albumgen_desktop.engines.musicgen import MusicGenEngine, MusicRequest
    from albumgen_desktop.models.tiny import build_tiny_musicgen

    engine = MusicGenEngine(build_tiny_musicgen(tmp_path / "mg"), precision=precision)
    assert engine.placement.precision in (precision, "fp32")  # fp32 where the CPU has no native bf16
    audio = engine.generate(MusicRequest(prompt="test", duration_s=1.0))
    assert audio.shape == (1, 32000) and np.isfinite(audio).all()


def _prompt_of(tokenizer, tokens: int) -> str:
    """A prompt of at least ``tokens`` tokens, from ordinary music words."""
    words = "warm jazz trio with brushed drums upright bass and a slow melancholic piano in a smoky club".split()
    text, i = "", 0
    while len(tokenizer(text)["input_ids"]) < tokens:
        text += ("" if not text else " ") + words[i % len(words)]
        i += 1
    return text


@pytest.mark.slow
@pytest.mark.parametrize("tokens", [120, 330, 470, 2000])
def test_melody_prompts_of_any_length_fit_the_real_position_limit(opinionated_melody, tokens: int) -> None:
    """MusicGen-melody's 2048 positions (the real config) hold 235 chroma frames, the text and the
    window. A prompt of up to ~300 tokens leaves a full 30 s window; a longer one shrinks the
    windows (the track continues across them); past t5-base's 512 tokens the text is cut."""
    from albumgen_desktop.engines.musicgen import MusicRequest

    engine = opinionated_melody
    assert engine.max_positions == 2048 and engine.model.config.chroma_length == 235
    prompt = _prompt_of(engine.tokenizer, tokens)
    t = np.arange(40 * 32000) / 32000
    melody = (0.4 * np.sin(2 * np.pi * 196 * t)).astype(np.float32)
    audio = engine.generate(MusicRequest(prompt=prompt, duration_s=31.0, melody=melody))
    assert audio.shape == (1, 31 * 32000) and np.isfinite(audio).all()
    used = min(tokens, 512)
    window = min(1500, 2048 - 235 - len(engine.tokenizer(prompt, truncation=True, max_length=512)["input_ids"]) - 4)
    assert engine.window_frames(used) >= 1297  # a 512-token prompt still leaves 25.9 s windows
    notes = " ".join(engine.notices)
    assert ("first 512" in notes) == (tokens > 512)
    assert ("windows" in notes) == (window < 1500)


@pytest.mark.slow
def test_cli_melody_with_a_long_prompt_writes_32_seconds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The command that used to end in 'internal error: ValueError: at most 2048 decoder positions'."""
    from albumgen_desktop.models.tiny import install_tiny, t5_tokenizer

    install_tiny(model_for_role("melody"))
    ref = tmp_path / "ref.wav"
    t = np.arange(12 * 22050) / 22050
    sf.write(ref, (0.3 * np.sin(2 * np.pi * 330 * t)).astype(np.float32), 22050)
    prompt = _prompt_of(t5_tokenizer(), 700)
    out = tmp_path / "long.wav"
    args = ["music", "--model", "musicgen-melody", "--melody", str(ref), "--duration", "32", "--prompt", prompt]
    assert main([*args, "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "internal error" not in err and "first 512" in err and "windows" in err, err
    info = sf.info(str(out))
    assert info.frames == 32 * info.samplerate
    assert read_recipe(out).prompt == prompt  # the recipe keeps what was asked for


def test_the_fallback_note_is_said_once_a_session_and_every_time_on_the_cli(tmp_path: Path, capsys) -> None:
    """The window's engine menu already reads "Auto (Sketch for now)": it hears "the music model is
    not downloaded, so the sketch engine made this" after the first take only; each CLI run hears it."""
    from albumgen_desktop.services.music import MusicJob, generate_music

    job = MusicJob(features=Features(), duration_s=1.0, engine="auto")
    first, second = generate_music(job), generate_music(job)
    note = "the music model (MusicGen small) is not downloaded, so the sketch engine made this"
    assert [n for n in first.notices if note in n] and not [n for n in second.notices if note in n]
    assert second.recipes[0].engine == "sketch"
    for i in range(2):
        assert main(["music", "-o", str(tmp_path / f"m{i}.wav"), "--duration", "1"]) == 0
        assert note in capsys.readouterr().err


def test_bf16_linears_are_packed_only_where_onednn_has_a_bf16_path() -> None:
    """oneDNN's bf16 reorder needs AVX512-BW/VL/DQ or AVX-NE-CONVERT; on an AVX2-only CPU it
    raised RuntimeError, so asking for bf16 crashed generation. There the layers stay torch's
    own bf16 Linear and still run."""
    import torch

    from albumgen_desktop.engines.packed_linear import pack_linears_bf16

    model = torch.nn.Sequential(torch.nn.Linear(8, 4)).to(torch.bfloat16)
    expected = hasattr(torch.ops.mkldnn, "_linear_pointwise") and torch.ops.mkldnn._is_mkldnn_bf16_supported()
    assert pack_linears_bf16(model) == (1 if expected else 0)
    out = model(torch.ones(2, 8, dtype=torch.bfloat16))
    assert out.shape == (2, 4) and torch.isfinite(out.float()).all()
