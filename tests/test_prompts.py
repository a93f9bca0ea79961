from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from albumgen_desktop.core.errors import BadInputError
from albumgen_desktop.core.features import Features
from albumgen_desktop.core.genres import GENRES
from albumgen_desktop.core.prompts import (
    CLIP_MAX_TOKENS,
    PROMPT_MAX_CHARS,
    article,
    clip_token_estimate,
    cover_prompt,
    mood_words,
    music_prompt,
    tempo_word,
)
from tests.strategies import features

STYLES = ("concise", "descriptive")
# Words that name a voice. MusicGen was trained on music with the vocals removed and cannot
# sing words (model card, Limitations), so none may appear for instrumental features.
VOICE_WORDS = re.compile(r"\b(vocals?|voices?|vocalists?|sing\w*|singers?|sung|rap\w*|lyrics?|spoken)\b", re.I)
ALLOWED_VOICES = ("wordless vocals", "vocal chops", "chopped vocal samples")


def template_words(prompt: str, f: Features) -> list[str]:
    """The prompt's own words: the user's genre and style text replaced by placeholders, so that
    a property about our wording is not tripped by what a person typed ("ambient ambient")."""
    text = prompt
    for user in sorted({f.genre, f.style} - {""}, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(user)}(?!\w)", " USERTEXT ", text, flags=re.I)
    return [w for w in re.findall(r"[\w'-]+", text) if w != "USERTEXT"]


def same_stem(a: str, b: str) -> bool:
    """'mood'/'moody', 'dark'/'darkwave', 'warm'/'warmth': one word a prefix of the other (>= 4 letters)."""
    x, y = a.lower().strip("'-"), b.lower().strip("'-")
    if x == y:
        return True
    short, long = sorted((x, y), key=len)
    return len(short) >= 4 and long.startswith(short)


def stem_repeat(words: list[str], span: int = 2) -> tuple[str, str] | None:
    for i, a in enumerate(words):
        for b in words[i + 1 : i + 1 + span]:
            if same_stem(a, b) and a.lower() not in ("and", "a", "an", "the", "of", "in", "with", "at"):
                return a, b
    return None


@given(features, st.sampled_from(STYLES))
@settings(max_examples=400)
def test_music_prompt_properties(f: Features, style: str) -> None:
    prompt = music_prompt(f, style)
    words = template_words(prompt, f)
    assert stem_repeat(words) is None, prompt
    for mood in mood_words(f):  # a mood adjective is never echoed ("a brooding, moody mood")
        assert sum(same_stem(mood, w) for w in words) <= 1, prompt
    assert "None" not in prompt and "This is" not in prompt and "mood" not in words
    bpm = re.findall(r"\b(\d+) bpm\b", prompt)
    assert bpm == [str(round(f.tempo_bpm))], prompt
    for beats in re.findall(r"\b(\d+)/4\b", prompt):
        assert int(beats) == f.time_signature != 4
    assert " a a " not in f" {' '.join(words).lower()} "
    assert len(prompt) <= PROMPT_MAX_CHARS[style], (len(prompt), prompt)
    assert music_prompt(f, style) == prompt  # deterministic


@given(features, st.sampled_from(STYLES))
@settings(max_examples=300)
def test_no_voice_unless_the_features_say_so(f: Features, style: str) -> None:
    words = " ".join(template_words(music_prompt(f, style), f))
    voices = VOICE_WORDS.findall(words)
    if f.instrumentalness > 0.25:
        assert not voices, words
    else:
        assert sum(phrase in words for phrase in ALLOWED_VOICES) == 1, words
    assert "with vocals" not in words


@given(st.integers(0, 11), st.sampled_from(["major", "minor"]), st.sampled_from(STYLES))
def test_key_spelled_by_its_key_signature(pc: int, mode: str, style: str) -> None:
    """music21 is the oracle: the spelling in the prompt names the same pitch class and has no
    more accidentals in its key signature than the enharmonic alternative (F#/Gb major and
    D#/Eb minor, six either way, may go either way)."""
    from music21 import key, pitch

    prompt = music_prompt(Features(key=pc, mode=mode), style)
    match = re.search(r"\b([A-G][#b]?) (major|minor)\b", prompt)
    assert match and match.group(2) == mode, prompt
    tonic = match.group(1)
    assert pitch.Pitch(tonic.replace("b", "-")).pitchClass == pc
    ours = abs(key.Key(tonic.replace("b", "-") if mode == "major" else tonic.replace("b", "-").lower()).sharps)
    for other in pitch.Pitch(tonic.replace("b", "-")).getAllCommonEnharmonics():
        if len(other.name) <= 2:  # single accidentals only: no double sharps/flats
            name = other.name if mode == "major" else other.name.lower()
            assert ours <= abs(key.Key(name).sharps), (prompt, other.name)
    if mode == "major" and pc in (10, 3, 8, 1):  # Bb, Eb, Ab, Db major: the flats musicians read
        assert "b major" in prompt


def test_flat_keys_read_as_flats() -> None:
    assert "Bb major" in music_prompt(Features(key=10, mode="major"))
    assert "Eb major" in music_prompt(Features(key=3, mode="major"), "descriptive")
    assert "A# " not in music_prompt(Features(key=10, mode="major"))


def test_prompt_reads_like_musicgen_captions() -> None:
    f = Features(genre="synthwave", tempo_bpm=118.4, key=9, mode="minor", valence=0.2, energy=0.9, acousticness=0.1)
    assert music_prompt(f) == (
        "Dark, aggressive synthwave track with synth bass, arpeggiated synths and drum machines. "
        "Solid groove, polished studio mix, 118 bpm, A minor."
    )
    d = music_prompt(f, "descriptive")
    assert d.startswith("A dark, aggressive synthwave track with synth bass")
    assert "The tempo is moderate at 118 bpm, in A minor." in d


def test_voice_only_as_sounds_musicgen_can_make() -> None:
    def folk(instrumentalness: float, speechiness: float = 0.05) -> Features:
        return Features(genre="folk", acousticness=0.8, instrumentalness=instrumentalness, speechiness=speechiness)

    assert "wordless vocals" in music_prompt(folk(0.05))
    assert "vocal chops" in music_prompt(Features(genre="house", acousticness=0.1, instrumentalness=0.0))
    rap = Features(genre="hip hop", instrumentalness=0.02, speechiness=0.5)
    assert "chopped vocal samples" in music_prompt(rap) and "rap" not in music_prompt(rap).replace("hip hop", "")
    assert not VOICE_WORDS.search(music_prompt(folk(0.5)))  # the default
    assert not VOICE_WORDS.search(music_prompt(folk(0.26, 0.9)))


@pytest.mark.parametrize(
    ("genre", "start"),
    [("", "Laid-back, easygoing track with"), ("zouk bass", "Laid-back, easygoing zouk bass track with"),
     ("lo-fi beat", "Laid-back, easygoing lo-fi beat with"), ("classical", "Laid-back, easygoing classical piece"),
     ("dark ambient", "Laid-back, easygoing dark ambient track")],
)  # fmt: skip
def test_empty_and_unknown_genres(genre: str, start: str) -> None:
    for style in STYLES:
        prompt = music_prompt(Features(genre=genre), style)
        assert prompt.removeprefix("A ").lower().startswith(start.lower()), prompt
        assert "  " not in prompt and ", ." not in prompt and " ." not in prompt


def test_genre_word_is_not_echoed_by_the_mood() -> None:
    prompt = music_prompt(Features(genre="dark ambient", valence=0.1, energy=0.9))
    assert prompt.startswith("Aggressive dark ambient track"), prompt


def test_longest_inputs_fit_the_box() -> None:
    f = Features(genre="g" * 40, style="S" * 80, time_signature=7, key=1, mode="minor", instrumentalness=0.0,
                 speechiness=0.5, acousticness=0.8, liveness=0.9)  # fmt: skip
    for style in STYLES:
        prompt = music_prompt(f, style)
        assert len(prompt) <= PROMPT_MAX_CHARS[style] and "bpm" in prompt and "C# minor" in prompt


def test_time_signature_only_when_not_common_time() -> None:
    assert "/4" not in music_prompt(Features(time_signature=4))
    assert "7/4 time" in music_prompt(Features(time_signature=7))
    assert "in Bb major and 3/4 time" in music_prompt(Features(key=10, time_signature=3), "descriptive")


def test_no_key_reads_as_mode() -> None:
    assert music_prompt(Features(key=None, mode="minor")).endswith("bpm, minor key.")
    assert "in a minor key" in music_prompt(Features(key=None, mode="minor"), "descriptive")


@given(features, st.text(alphabet="abcdefghij XYZ", max_size=40))
@settings(max_examples=200)
def test_cover_prompt_properties(f: Features, title: str) -> None:
    prompt, negative = cover_prompt(f, title)
    words = template_words(prompt, f)
    if title.strip():
        words = template_words(prompt.replace(f'"{" ".join(title.split())}"', " "), f)
    long_words = [w for w in words if len(w) >= 4]
    repeated = [(a, b) for i, a in enumerate(long_words) for b in long_words[i + 1 :] if same_stem(a, b)]
    assert not repeated, prompt
    assert "None" not in prompt and "mood" not in words
    assert "text" in negative and "watermark" in negative
    assert cover_prompt(f, title) == (prompt, negative)


@given(st.tuples(features, st.sampled_from(GENRES)).map(lambda t: replace(t[0], style="", genre=t[1])))
@settings(max_examples=200)
def test_cover_prompt_leaves_room_for_a_title_in_clips_77_tokens(f: Features) -> None:
    prompt, negative = cover_prompt(f)
    assert clip_token_estimate(prompt) <= 60, prompt
    assert clip_token_estimate(negative) <= CLIP_MAX_TOKENS - 2


def test_clip_token_estimate_counts_pieces() -> None:
    assert clip_token_estimate("album cover art") == 3
    assert clip_token_estimate("118 bpm, it's") == 3 + 1 + 1 + 1 + 1  # digits split, comma, 's
    assert clip_token_estimate("psychedelic") == 2


def test_cover_palette_follows_music_colour_associations() -> None:
    sad_loud, _ = cover_prompt(Features(valence=0.1, energy=0.9))
    sad_quiet, _ = cover_prompt(Features(valence=0.1, energy=0.1))
    happy_loud, _ = cover_prompt(Features(valence=0.9, energy=0.9))
    assert "reds and black" in sad_loud and "blues and greys" in sad_quiet and "yellows" in happy_loud


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
    assert prompt.startswith("jazz album cover art for \"Night 'Drive'\"")
    assert cover_prompt(Features(genre=""))[0].startswith("album cover art, ")
