from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from albumgen_desktop.core.errors import BadInputError
from albumgen_desktop.core.features import Features
from albumgen_desktop.core.prompts import (
    article,
    cover_prompt,
    music_prompt,
    tempo_word,
)
from tests.strategies import features


def doubled_word(text: str) -> str | None:
    words = text.split()
    for a, b in zip(words, words[1:], strict=False):
        if a.lower() == b.lower():
            return a
    return None


def numbers_in_range(text: str) -> bool:
    for bpm in re.findall(r"(\d+) BPM", text):
        if not 40 <= int(bpm) <= 220:
            return False
    for beats in re.findall(r"\b(\d+)/4\b", text):
        if not 3 <= int(beats) <= 7:
            return False
    return True


@given(features, st.sampled_from(["concise", "descriptive"]))
@settings(max_examples=400)
def test_music_prompt_properties(f: Features, style: str) -> None:
    prompt = music_prompt(f, style)
    assert doubled_word(prompt) is None, prompt
    assert "None" not in prompt
    assert len(re.findall(r"\b\d+ BPM\b", prompt)) == 1, prompt
    assert numbers_in_range(prompt), prompt
    assert " a a " not in f" {prompt.lower()} "
    if style == "concise":
        assert len(prompt.split()) < 60, prompt
    assert music_prompt(f, style) == prompt  # deterministic


@given(features, st.text(alphabet="abcdefghij XYZ", max_size=40))
@settings(max_examples=200)
def test_cover_prompt_properties(f: Features, title: str) -> None:
    prompt, negative = cover_prompt(f, title)
    assert doubled_word(prompt) is None, prompt
    assert "None" not in prompt
    assert "text" in negative and "watermark" in negative
    assert cover_prompt(f, title) == (prompt, negative)


def test_concise_prompt_content() -> None:
    f = Features(genre="synthwave", tempo_bpm=118.4, key=9, mode="minor", valence=0.2, energy=0.9, acousticness=0.1)
    p = music_prompt(f)
    assert p.startswith("Dark, aggressive synthwave track at 118 BPM in A minor.")
    assert "synthesizers" in p.lower()


def test_descriptive_prompt_fixes_albumgen_grammar() -> None:
    f = Features(genre="electronic", time_signature=3, tempo_bpm=125, key=None, energy=0.9, valence=0.9)
    p = music_prompt(f, "descriptive")
    assert "This is an electronic song." in p
    assert "a moderately fast tempo of 125 BPM" in p
    assert "a 3/4 time signature" in p and "30" not in p
    assert "a euphoric" in p


def test_time_signature_only_when_not_common_time() -> None:
    assert "/4" not in music_prompt(Features(time_signature=4))
    assert "in 7/4 time" in music_prompt(Features(time_signature=7))


@pytest.mark.parametrize(
    "bpm, word",
    [(181, "very fast"), (180, "fast"), (161, "fast"), (150, "upbeat"), (121, "moderately fast"), (101, "moderate"),
     (81, "slow"), (61, "very slow"), (60, "extremely slow"), (40, "extremely slow")],
)  # fmt: skip
def test_albumgen_tempo_words(bpm: float, word: str) -> None:
    assert tempo_word(bpm) == word


@pytest.mark.parametrize(
    "word, art",
    [("electronic", "an"), ("euphoric", "a"), ("r&b", "an"), ("edm", "an"), ("upbeat", "an"), ("unique", "a"),
     ("8/4", "an"), ("hip hop", "a"), ("ambient", "an")],
)  # fmt: skip
def test_articles(word: str, art: str) -> None:
    assert article(word) == art


def test_unknown_style_is_rejected() -> None:
    with pytest.raises(BadInputError):
        music_prompt(Features(), "poetic")


def test_cover_prompt_names_title_and_genre() -> None:
    prompt, _ = cover_prompt(Features(genre="jazz"), 'Night "Drive"')
    assert prompt.startswith("album cover art for \"Night 'Drive'\", jazz album")
