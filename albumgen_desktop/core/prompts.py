"""Prompts as pure, deterministic functions of Features (and a title for covers).

The concise music prompt mimics MusicGen's training captions: one or two short
sentences naming mood, genre, tempo, key, instrumentation and production. The
descriptive style is AlbumGen's long template with its grammar bugs fixed
(articles are chosen per word, never "a a"; time signatures read "3/4", never
"a 30 time signature"). Cover prompts follow the album-cover finding that a
prompt built from album name + genre beats naive embedding fusion.
"""

from __future__ import annotations

import re

from albumgen_desktop.core.errors import BadInputError
from albumgen_desktop.core.features import Features

PROMPT_STYLES: tuple[str, ...] = ("concise", "descriptive")
CONCISE_MAX_WORDS = 59
TITLE_MAX_CHARS = 100

# AlbumGen's tempo words, by lower bound in BPM.
_TEMPO_WORDS: tuple[tuple[float, str], ...] = (
    (180, "very fast"),
    (160, "fast"),
    (140, "upbeat"),
    (120, "moderately fast"),
    (100, "moderate"),
    (80, "slow"),
    (60, "very slow"),
)

# Mood words on a 3x3 grid: rows valence low/mid/high, columns energy low/mid/high.
_MOODS: tuple[tuple[tuple[str, str], ...], ...] = (
    (("melancholic", "somber"), ("brooding", "moody"), ("dark", "aggressive")),
    (("calm", "reflective"), ("easygoing", "bittersweet"), ("driving", "intense")),
    (("warm", "peaceful"), ("cheerful", "bright"), ("euphoric", "energetic")),
)

# (acoustic instruments, electronic instruments) for genre families.
_INSTRUMENTS: dict[str, tuple[str, str]] = {
    "jazz": ("upright bass, piano, brushed drums and saxophone", "electric piano, synth bass and programmed drums"),
    "classical": ("strings, woodwinds and piano", "synth strings and piano"),
    "orchestral": ("full orchestra with strings, brass and timpani", "hybrid orchestral synths and strings"),
    "soundtrack": ("strings, piano and soft percussion", "cinematic synth pads and pulses"),
    "blues": ("electric guitar, harmonica, bass and drums", "overdriven guitar, organ and drums"),
    "country": ("acoustic guitar, fiddle, pedal steel and bass", "electric guitar, bass and drums"),
    "folk": ("acoustic guitar, fiddle and hand percussion", "guitar, soft synth pads and light drums"),
    "indie folk": ("acoustic guitar, banjo and hand percussion", "guitar, soft synth pads and light drums"),
    "hip hop": ("sampled soul loops, live bass and drums", "808 bass, hi-hats and punchy drums"),
    "trap": ("piano, bass and drums", "808 bass, rolling hi-hats and snares"),
    "metal": ("distorted guitars, bass and double-kick drums", "down-tuned guitars, synths and drums"),
    "heavy metal": ("distorted guitars, bass and double-kick drums", "down-tuned guitars, synths and drums"),
    "reggae": ("offbeat guitar skanks, organ, bass and drums", "dub bass, echo effects and drums"),
    "latin": ("nylon guitar, congas, piano and brass", "synth bass, congas and programmed drums"),
    "bossa nova": ("nylon guitar, soft percussion and upright bass", "nylon guitar, electric piano and soft beat"),
    "ambient": ("piano, strings and field recordings", "evolving synth pads and textures"),
}
_DEFAULT_INSTRUMENTS = ("acoustic guitar, piano, bass and drums", "synthesizers, bass and drum machines")
_MIXED_INSTRUMENTS = "guitars, synths, bass and drums"

_GENRE_IMAGERY: dict[str, str] = {
    "synthwave": "retro neon grid, sunset",
    "techno": "industrial geometry, strobe light",
    "house": "club lights, warm haze",
    "ambient": "vast horizon, soft mist",
    "metal": "stark dramatic shadows",
    "heavy metal": "stark dramatic shadows",
    "jazz": "smoky club, mid-century design",
    "classical": "fine-art painting, timeless",
    "country": "open fields, dusty road",
    "folk": "forest, handmade paper",
    "indie folk": "forest, handmade paper",
    "hip hop": "urban street photography",
    "lo-fi": "cozy room, soft grain",
    "punk": "photocopied collage, torn paper",
    "reggae": "tropical sunlight",
    "psychedelic rock": "swirling psychedelic patterns",
    "shoegaze": "blurred dreamy light",
}

NEGATIVE_PROMPT = (
    "text, letters, words, watermark, signature, logo, blurry, low quality, lowres, "
    "jpeg artifacts, deformed, distorted, frame, border, cropped, duplicate"
)

_VOWEL_SOUND_WORDS = ("r&b", "edm", "idm", "ebm", "mpb", "8", "11", "18", "hour", "honest")
_CONSONANT_SOUND_PREFIXES = ("uni", "use", "usu", "uto", "one", "eu")


def article(word: str) -> str:
    """'a' or 'an' for the next word, by how it sounds, not how it is spelt."""
    w = word.strip().lower()
    if not w:
        return "a"
    if w.startswith(_VOWEL_SOUND_WORDS):
        return "an"
    if w.startswith(_CONSONANT_SOUND_PREFIXES):
        return "a"
    return "an" if w[0] in "aeiou" else "a"


def with_article(phrase: str) -> str:
    return f"{article(phrase)} {phrase}"


def tempo_word(bpm: float) -> str:
    for lower, word in _TEMPO_WORDS:
        if bpm > lower:
            return word
    return "extremely slow"


def _band(value: float) -> int:
    return 0 if value < 1 / 3 else (1 if value < 2 / 3 else 2)


def mood_words(f: Features) -> tuple[str, str]:
    return _MOODS[_band(f.valence)][_band(f.energy)]


def _instruments(f: Features) -> str:
    acoustic, electronic = _INSTRUMENTS.get(f.genre, _DEFAULT_INSTRUMENTS)
    if f.acousticness >= 0.6:
        return acoustic
    if f.acousticness <= 0.35:
        return electronic
    return _MIXED_INSTRUMENTS if f.genre not in _INSTRUMENTS else acoustic


def _vocals(f: Features) -> str:
    if f.speechiness >= 0.66:
        return "spoken word"
    if f.speechiness >= 0.33:
        return "rap vocals"
    if f.instrumentalness >= 0.6:
        return "no vocals"
    if f.energy < 0.35:
        return "soft vocals"
    return "powerful vocals" if f.energy > 0.7 else "vocals"


def _groove(f: Features) -> str:
    if f.danceability >= 0.7:
        return "a steady danceable groove"
    if f.danceability <= 0.3:
        return "a loose, free-flowing rhythm"
    return "a relaxed groove" if f.energy < 0.5 else "a solid groove"


def _production(f: Features) -> str:
    if f.liveness >= 0.6:
        return "live concert recording with crowd ambience"
    if f.loudness_db >= -7:
        return "loud, punchy modern mix"
    if f.loudness_db <= -20:
        return "quiet, dynamic recording"
    return "warm analog production" if f.acousticness >= 0.6 else "polished studio production"


def _tonality(f: Features) -> str:
    return f"in {f.key_label}" if f.key is not None else f"in {with_article(f.mode)} key"


def _metre(f: Features) -> str:
    return f"in {f.time_signature}/4 time"


def _words(text: str) -> int:
    return len(text.split())


def _collapse_doubles(text: str) -> str:
    # User text (genre, style) can meet template words ("inspired by By Blue"); a
    # prompt never repeats a word back to back, even at the cost of "Talk Talk".
    out: list[str] = []
    for word in text.split(" "):
        if out and word.lower() == out[-1].lower():
            continue
        out.append(word)
    return " ".join(out)


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.;])", r"\1", text)
    text = _collapse_doubles(text)
    text = re.sub(r"([.!?] )(\w)", lambda m: m.group(1) + m.group(2).upper(), text)
    return text[:1].upper() + text[1:]


def music_prompt(f: Features, style: str = "concise") -> str:
    """The MusicGen prompt for ``f`` in the given style ("concise" or "descriptive")."""
    if style == "concise":
        return _concise(f)
    if style == "descriptive":
        return _descriptive(f)
    raise BadInputError(f"prompt style must be one of {', '.join(PROMPT_STYLES)}, got {style!r}")


def _concise(f: Features) -> str:
    mood_a, mood_b = mood_words(f)
    subject = f"{f.genre} track" if f.genre else "track"
    head = f"{mood_a}, {mood_b} {subject} at {round(f.tempo_bpm)} BPM {_tonality(f)}"
    if f.time_signature != 4:
        head += f", {_metre(f)}"
    core = f"{_instruments(f)} with {_vocals(f)}"
    # Optional clauses, dropped from the end until the prompt fits MusicGen's caption length.
    optional = [_groove(f), _production(f)]
    if f.style:
        optional.append(f"inspired by {f.style}")
    while True:
        tail = "; ".join([core, *optional])
        prompt = _tidy(f"{head}. {tail}.")
        if _words(prompt) <= CONCISE_MAX_WORDS or not optional:
            return prompt
        optional.pop()


def _descriptive(f: Features) -> str:
    subject = f"{f.genre} song" if f.genre else "song"
    parts = [f"This is {with_article(subject)}"]
    if f.style:
        parts[0] += f" in the style of {f.style}"
    parts[0] += "."
    tonal = f"is in the key of {f.key_label}" if f.key is not None else f"is in {with_article(f.mode)} key"
    tword = tempo_word(f.tempo_bpm)
    parts.append(
        f"It has {with_article(tword)} tempo of {round(f.tempo_bpm)} BPM, {tonal} "
        f"and uses {with_article(f'{f.time_signature}/4')} time signature."
    )
    acoustic = (
        "mostly acoustic"
        if f.acousticness >= 0.6
        else "mostly electronic"
        if f.acousticness <= 0.35
        else "a blend of acoustic and electronic sounds"
    )
    dance = (
        "very danceable"
        if f.danceability >= 0.7
        else "hardly danceable"
        if f.danceability <= 0.3
        else "moderately danceable"
    )
    energy = "high" if f.energy >= 2 / 3 else "low" if f.energy < 1 / 3 else "medium"
    mood_a, mood_b = mood_words(f)
    parts.append(
        f"The music is {acoustic} and {dance}, with {energy} energy and {with_article(mood_a)}, {mood_b} mood."
    )
    parts.append(f"It features {_instruments(f)} with {_vocals(f)}.")
    parts.append(f"It sounds like {with_article(_production(f))}.")
    return _tidy(" ".join(parts))


def _palette(f: Features) -> str:
    warm = f.valence >= 0.5
    vivid = f.energy >= 0.5
    if warm and vivid:
        return "vivid warm colours, saturated reds, oranges and yellows"
    if warm:
        return "soft pastel colours, gentle warm light"
    if vivid:
        return "high-contrast cold colours, electric blues and magentas"
    return "muted cold colours, deep blues and greys"


def _composition(f: Features) -> str:
    if f.tempo_bpm >= 120 or f.danceability >= 0.7:
        return "dynamic diagonal composition with rhythmic repeating shapes"
    if f.tempo_bpm < 85:
        return "calm minimalist composition with wide negative space"
    return "balanced centred composition"


def _texture(f: Features) -> str:
    if f.acousticness >= 0.6:
        return "analog film grain and painterly natural textures"
    if f.acousticness <= 0.35:
        return "clean digital gradients and glowing light"
    return "mixed media collage textures"


def clean_title(title: str | None) -> str:
    """Validate an album title for prompts and typography."""
    if title is None:
        return ""
    if not isinstance(title, str):
        raise BadInputError(f"title must be text, got {title!r}")
    text = re.sub(r"\s+", " ", title).strip().replace('"', "'")
    if any(not ch.isprintable() for ch in text):
        raise BadInputError("title contains control characters")
    if len(text) > TITLE_MAX_CHARS:
        raise BadInputError(f"title is too long ({len(text)} characters, at most {TITLE_MAX_CHARS})")
    return text


def cover_prompt(f: Features, title: str | None = None) -> tuple[str, str]:
    """(prompt, negative prompt) for a Stable-Diffusion-family cover."""
    name = clean_title(title)
    mood_a, mood_b = mood_words(f)
    subject = f"{f.genre} album" if f.genre else "music album"
    head = f'album cover art for "{name}", {subject}' if name else f"album cover art, {subject}"
    parts = [head, f"{mood_a} and {mood_b} mood", _palette(f), _composition(f), _texture(f)]
    if f.genre in _GENRE_IMAGERY:
        parts.append(_GENRE_IMAGERY[f.genre])
    if f.style:
        parts.append(f"inspired by {f.style}")
    parts.append("professional artwork, high detail")
    return _collapse_doubles(re.sub(r"\s+", " ", ", ".join(parts))), NEGATIVE_PROMPT
