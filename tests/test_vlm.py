"""Constrained decoding of the Features JSON, on a tiny random Idefics3 (SmolVLM's architecture)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from albumgen_desktop.cli import main
from albumgen_desktop.core.features import Features
from albumgen_desktop.core.json_grammar import Grammar, TokenConstraint, features_pieces, parse_features
from albumgen_desktop.models.manifest import find_model
from albumgen_desktop.models.tiny import build_tiny_vlm, install_tiny


@pytest.fixture(scope="module")
def vlm_folder(tmp_path_factory) -> Path:
    return build_tiny_vlm(tmp_path_factory.mktemp("vlm") / "smolvlm")


@pytest.fixture(scope="module")
def vlm(vlm_folder: Path):
    from albumgen_desktop.engines.vlm import FeaturesVlm

    return FeaturesVlm(vlm_folder)


def test_the_stand_in_has_smolvlm_256m_files_settings_and_token_ids(vlm_folder: Path, vlm) -> None:
    """What behaviour depends on, as in HuggingFaceTB/SmolVLM-256M-Instruct (sources in models/tiny.py)."""
    from transformers import AutoConfig, AutoProcessor

    assert (vlm_folder / "chat_template.json").exists() and not (vlm_folder / "chat_template.jinja").exists()
    assert (vlm_folder / "preprocessor_config.json").exists() and (vlm_folder / "processor_config.json").exists()
    config = AutoConfig.from_pretrained(vlm_folder)
    assert (config.scale_factor, config.image_token_id, config.text_config.vocab_size) == (4, 49190, 49280)
    assert (config.vision_config.image_size, config.vision_config.patch_size) == (512, 16)
    processor = AutoProcessor.from_pretrained(vlm_folder)
    images = processor.image_processor
    assert images.do_image_splitting is True and images.size["longest_edge"] == 2048
    assert images.max_image_size == {"longest_edge": 512} and processor.image_seq_len == 64
    tok = processor.tokenizer
    ids = {
        t: tok.convert_tokens_to_ids(t)
        for t in (
            "<|im_start|>",
            "<|im_end|>",
            "<global-img>",
            "<fake_token_around_image>",
            "<image>",
            "<end_of_utterance>",
        )
    }
    assert ids == {"<|im_start|>": 1, "<|im_end|>": 2, "<global-img>": 49152, "<fake_token_around_image>": 49189,
                   "<image>": 49190, "<end_of_utterance>": 49279}  # fmt: skip
    assert vlm.eos_ids == {49279}
    assert vlm._prompt("").startswith("<|im_start|>User:<image>") and vlm._prompt("").endswith("Assistant:")


@pytest.mark.parametrize("size", [(1000, 1000), (1400, 600), (300, 300)])
def test_a_cover_is_one_512_px_tile_not_the_processors_17(vlm, size: tuple[int, int]) -> None:
    """The processor's default splits a cover into up to 16 tiles plus a global one (17 x 64 image
    tokens); the engine asks for the global view only: 64 tokens, whatever the cover's size."""
    cover = Image.new("RGB", size, (120, 30, 60))
    inputs = vlm.inputs([cover])
    assert int((inputs["input_ids"] == 49190).sum()) == 64 and inputs["pixel_values"].shape[1] == 1
    default = vlm.processor(text=[vlm._prompt("")], images=[[cover]], return_tensors="pt")
    tiles = default["pixel_values"].shape[1]
    assert int((default["input_ids"] == 49190).sum()) == 64 * tiles
    if size == (1000, 1000):
        assert tiles == 17  # resized to 2048, a 4 x 4 grid of 512 px tiles and the global view


@pytest.mark.slow
def test_the_trie_walk_allows_exactly_what_a_scan_of_the_whole_vocabulary_allows(vlm) -> None:
    """On the stand-in's 49,280-token vocabulary, at states along random valid outputs."""
    grammar, constraint = vlm.grammar, vlm.constraint
    usable = {i: t for i, t in vlm.token_texts.items() if t and t.isascii() and t.isprintable()}
    usable = {i: t for i, t in usable.items() if i not in vlm.eos_ids}
    rng = random.Random(5)
    checked = 0
    for _ in range(3):
        text = grammar.random_text(rng)
        for cut in sorted(rng.sample(range(len(text)), 12)):
            states = grammar.advance(grammar.start(), text[:cut])
            scan = sorted(i for i, t in usable.items() if grammar.advance(states, t))
            assert constraint.allowed(states) == scan, text[:cut]
            checked += 1
    assert checked == 36 and len(vlm.token_texts) == 49280


def test_random_walks_through_the_grammar_always_give_valid_features() -> None:
    grammar = Grammar(features_pieces())
    rng = random.Random(3)
    for _ in range(300):
        text = grammar.random_text(rng)  # a dead end would leave no next character: IndexError
        assert len(text) <= grammar.max_chars
        assert isinstance(parse_features(text), Features)


def test_grammar_refuses_what_albumgen_got_wrong() -> None:
    grammar = Grammar(features_pieces())
    start = grammar.start()
    ok = '{"acousticness": 0.50, "danceability": '
    assert grammar.advance(start, ok)
    assert not grammar.advance(start, '{"acousticness": 1.017')  # AlbumGen's out-of-range loudness
    assert not grammar.advance(start, '{"acousticness": 0.5,')  # off the grid: two decimals
    genre_at = (
        '{"acousticness": 0.50, "danceability": 0.50, "energy": 0.50, "instrumentalness": 0.50, "liveness": 0.50, '
        '"speechiness": 0.50, "valence": 0.50, "loudness_db": -8, "tempo_bpm": 120, "key": "A", "mode": "minor", '
        '"time_signature": 4, "genre": "'
    )
    assert grammar.advance(start, genre_at)
    assert not grammar.advance(start, genre_at + "male")  # an invented genre
    assert grammar.is_complete(grammar.advance(start, genre_at + 'rock"}'))
    assert not grammar.advance(start, genre_at.replace('"tempo_bpm": 120', '"tempo_bpm": 30'))


def test_token_constraint_allows_only_eos_once_complete() -> None:
    grammar = Grammar(features_pieces())
    texts = {0: "{", 1: '"', 2: "x", 3: "0.5", 4: " ", 5: "<eos>"}
    constraint = TokenConstraint(grammar, texts, eos_ids={5})
    assert constraint.allowed(grammar.start()) == [0]
    assert not grammar.advance(grammar.start(), json.dumps({}))  # not a prefix of any valid object
    f = Features(key=9, genre="jazz")
    values = {k: v for k, v in f.to_dict().items() if k != "style"}
    text = "{" + ", ".join(
        f'"{k}": ' + (f'"{v}"' if isinstance(v, str) else f"{v:.2f}" if isinstance(v, float) and k not in
                      ("loudness_db", "tempo_bpm") else str(int(v)))
        for k, v in {**values, "key": "A"}.items()
    ) + "}"  # fmt: skip
    assert grammar.is_complete(grammar.advance(grammar.start(), text)), text
    assert constraint.allowed(grammar.advance(grammar.start(), text)) == [5]


@pytest.mark.slow
def test_200_generations_from_a_random_model_all_parse_and_validate(vlm) -> None:
    rng = np.random.default_rng(0)
    outputs = []
    for batch in range(10):
        images = [Image.fromarray(rng.integers(0, 256, (int(rng.integers(24, 80)), 48, 3), dtype=np.uint8))
                  for _ in range(20)]  # fmt: skip
        context = "" if batch % 2 else "Albums whose covers look similar: Band - Record (metal): energy 0.95"
        outputs += vlm.generate(images, context=context, seed=batch, sample=True, temperature=1.0)
    assert len(outputs) == 200
    for text, features in outputs:
        data = json.loads(text)  # parses
        assert Features.from_dict({**data, "key": features.key}) == features  # validates without clamping
        assert 0 <= features.energy <= 1 and -60 <= features.loudness_db <= 0 and 40 <= features.tempo_bpm <= 220
    assert len({text for text, _ in outputs}) > 150  # a random model, sampled: varied, yet always valid


def test_greedy_generation_is_deterministic(vlm) -> None:
    image = Image.new("RGB", (64, 64), (200, 40, 90))
    assert vlm.generate([image])[0][0] == vlm.generate([image])[0][0]


def test_cli_analyze_with_vlm_step_and_evidence(tmp_path: Path, capsys) -> None:
    from albumgen_desktop.core.warm_models import release_all

    release_all()
    cover = tmp_path / "cover.png"
    Image.new("RGB", (80, 80), (30, 30, 120)).save(cover)
    assert main(["analyze", str(cover), "--engine", "neural", "--vlm"]) == 3
    assert "clip-b32" in capsys.readouterr().err
    install_tiny(find_model("clip-b32"))
    assert main(["analyze", str(cover), "--engine", "neural", "--vlm"]) == 3
    assert "smolvlm-256m" in capsys.readouterr().err
    install_tiny(find_model("smolvlm-256m"))
    assert main(["analyze", str(cover), "--engine", "neural", "--vlm", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    vlm_evidence = next(e for e in out["evidence"] if e["type"] == "vlm")
    assert json.loads(vlm_evidence["json"])["genre"] == out["features"]["genre"]
    assert out["source"]["energy"] == "vlm"
    release_all()
