"""Prompts as pure, deterministic functions of Features (and a title for covers).

Music prompts are written the way MusicGen was taught to read. Its text conditioning saw
short production-music descriptions ("80s pop track with bassy drums and synth", "a light
and cheerly EDM track, with syncopated drums, aery pads, and strong emotions bpm: 130", the
examples of the MusicGen model card and demo), with metadata merged in as ``bpm: 120`` and
``key: ...`` (audiocraft ``data/music_dataset.py``, ``augment_music_info_description``), and
was evaluated on MusicCaps, whose captions name genre, mood, instruments, tempo and recording
quality in plain sentences (Agostinelli et al. 2023). So:

* concise: "Brooding, tense synthwave track with synth bass, arpeggiated synths and drum
  machines. Steady danceable groove, polished studio mix, 118 bpm, A minor."
* descriptive: the same facts as three or four MusicCaps-style sentences ("The tempo is
  moderately fast at 118 bpm, in A minor.").

Both stay short enough for the prompt box (:data:`PROMPT_MAX_CHARS`): optional clauses are
dropped from the end until they fit. Keys are spelled by key signature (``core/keys.py``:
Bb major, never A# major). Vocals are mentioned only when the features call for them, and
then only as sounds MusicGen can make (see :func:`vocals`).

Cover prompts follow the album-cover finding that a prompt built from album name + genre
beats naive embedding fusion; their palette follows the colour-emotion associations that the
cover reading (``engines/image_sketch.py``) uses in the other direction.
"""

from __future__ import annotations

import re

from albumgen_desktop.core.errors import BadInputError
from albumgen_desktop.core.features import Features

PROMPT_STYLES: tuple[str, ...] = ("concise", "descriptive")
# The longest prompt each style writes, in characters, whatever the Features (genre and style
# text at their longest included): the GUI sizes the prompt box for these.
PROMPT_MAX_CHARS: dict[str, int] = {"concise": 230, "descriptive": 380}
# CLIP's text encoder reads 77 tokens (start and end included); diffusers truncates the rest.
CLIP_MAX_TOKENS = 77
TITLE_MAX_CHARS = 100

# Spotify's audio-features thresholds (Web API reference, "Get Track's Audio Features"):
# speechiness above 0.66 is probably all spoken words, 0.33..0.66 music and speech (e.g. rap);
# instrumentalness above 0.5 is meant to represent instrumental tracks, with confidence rising
# towards 1. A voice is taken as present only when instrumentalness is at most 0.25, half-way
# from that line to certainty, because a vocal MusicGen cannot honour costs more than a vocal
# left out (see vocals()).
SPEECH_MIN = 0.33
RAP_SPEECH_MAX = 0.66
VOICE_MAX_INSTRUMENTALNESS = 0.25

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

# Mood adjectives on Russell's circumplex (Russell 1980), as a 3 x 3 grid: rows valence
# low/mid/high, columns energy (arousal) low/mid/high. The middle cell depends on the mode:
# minor at middling valence reads wistful, major laid-back. No word repeats another's stem.
_MOODS: tuple[tuple[tuple[str, str], ...], ...] = (
    (("melancholic", "somber"), ("brooding", "tense"), ("dark", "aggressive")),
    (("calm", "reflective"), ("laid-back", "easygoing"), ("driving", "intense")),
    (("warm", "peaceful"), ("cheerful", "bright"), ("euphoric", "energetic")),
)
_MIDDLE_MINOR = ("wistful", "bittersweet")

Instruments = tuple[str, ...]
# (acoustic, electronic) instrumentation per genre, in MusicCaps' vocabulary of instruments.
_INSTRUMENTS: dict[str, tuple[Instruments, Instruments]] = {
    "jazz": (
        ("upright bass", "piano", "brushed drums", "saxophone"),
        ("electric piano", "synth bass", "programmed drums"),
    ),
    "classical": (("strings", "woodwinds", "piano"), ("synth strings", "piano")),
    "orchestral": (("full orchestra", "brass", "timpani"), ("hybrid orchestral synths", "strings")),
    "soundtrack": (("strings", "piano", "soft percussion"), ("cinematic synth pads", "pulsing bass")),
    "blues": (("electric guitar", "harmonica", "bass", "drums"), ("overdriven guitar", "organ", "drums")),
    "country": (("acoustic guitar", "fiddle", "pedal steel", "bass"), ("electric guitar", "bass", "drums")),
    "folk": (("acoustic guitar", "fiddle", "hand percussion"), ("guitar", "soft synth pads", "light drums")),
    "indie folk": (("acoustic guitar", "banjo", "hand percussion"), ("guitar", "soft synth pads", "light drums")),
    "hip hop": (("sampled soul loops", "live bass", "drums"), ("808 bass", "hi-hats", "punchy drums")),
    "trap": (("piano", "bass", "drums"), ("808 bass", "rolling hi-hats", "snares")),
    "lo-fi": (("mellow piano", "upright bass", "dusty drums"), ("mellow keys", "vinyl crackle", "boom-bap drums")),
    "metal": (("distorted guitars", "bass", "double-kick drums"), ("down-tuned guitars", "synths", "drums")),
    "reggae": (("offbeat guitar", "organ", "bass", "drums"), ("dub bass", "echoing snares", "drums")),
    "latin": (("nylon guitar", "congas", "piano", "brass"), ("synth bass", "congas", "programmed drums")),
    "bossa nova": (("nylon guitar", "soft percussion", "upright bass"), ("nylon guitar", "electric piano")),
    "ambient": (("piano", "strings", "field recordings"), ("evolving synth pads", "soft textures")),
    "synthwave": (
        ("electric guitar", "synth bass", "live drums"),
        ("synth bass", "arpeggiated synths", "drum machines"),
    ),
    "techno": (("live percussion", "bass"), ("pounding kick drum", "synth stabs", "hi-hats")),
    "house": (("piano chords", "bass", "congas"), ("four-on-the-floor kick", "synth bass", "piano chords")),
    "trance": (("strings", "piano"), ("supersaw leads", "rolling bass", "four-on-the-floor kick")),
    "drum and bass": (("breakbeats", "upright bass"), ("fast breakbeats", "reese bass", "synth pads")),
    "dubstep": (("drums", "bass"), ("wobble bass", "half-time drums", "synths")),
    "rock": (("electric guitars", "bass", "drums"), ("distorted guitars", "synths", "bass", "drums")),
    "punk": (("fast distorted guitars", "bass", "drums"), ("distorted guitars", "synths", "drums")),
    "pop": (("acoustic guitar", "piano", "bass", "drums"), ("synths", "bass", "punchy drums")),
    "funk": (("slap bass", "clean guitar", "horns", "drums"), ("synth bass", "clavinet", "drum machine")),
    "soul": (("organ", "bass", "drums", "horns"), ("electric piano", "synth bass", "drum machine")),
    "r&b": (("electric piano", "bass", "drums"), ("smooth synths", "808 bass", "crisp drums")),
    "disco": (("strings", "bass", "drums", "rhythm guitar"), ("synth bass", "strings", "four-on-the-floor kick")),
    "shoegaze": (("washed-out guitars", "bass", "drums"), ("walls of distorted guitar", "synths", "drums")),
    "post-rock": (("clean guitars", "bass", "drums", "strings"), ("delayed guitars", "synths", "drums")),
    "gospel": (("organ", "piano", "bass", "drums"), ("organ", "synths", "drums")),
    "world": (("hand drums", "flute", "plucked strings"), ("hand drums", "synth pads")),
}
# A genre outside the table takes the entry of the first family word it contains.
_FAMILIES: tuple[tuple[str, str], ...] = (
    ("metal", "metal"), ("punk", "punk"), ("rock", "rock"), ("folk", "folk"), ("jazz", "jazz"),
    ("house", "house"), ("techno", "techno"), ("hip hop", "hip hop"), ("pop", "pop"), ("wave", "synthwave"),
    ("soul", "soul"), ("funk", "funk"), ("blues", "blues"), ("ambient", "ambient"), ("dub", "reggae"),
)  # fmt: skip
_DEFAULT_INSTRUMENTS: tuple[Instruments, Instruments] = (
    ("acoustic guitar", "piano", "bass", "drums"),
    ("synths", "bass", "drum machines"),
)
_MIXED_INSTRUMENTS: Instruments = ("guitars", "synths", "bass", "drums")
# Genres whose music is a "piece" rather than a "track".
_PIECES = frozenset({"classical", "orchestral", "soundtrack"})
# A genre typed as a noun phrase already ("lo-fi beat", "folk song") needs no noun after it.
_NOUNS = frozenset({"track", "song", "beat", "beats", "tune", "piece", "instrumental", "groove", "jam"})

_GENRE_IMAGERY: dict[str, str] = {
    "synthwave": "retro neon grid, sunset",
    "techno": "industrial geometry, strobe light",
    "house": "club lights, warm haze",
    "ambient": "vast horizon, drifting mist",
    "metal": "stark dramatic shadows",
    "heavy metal": "stark dramatic shadows",
    "jazz": "smoky club, mid-century design",
    "classical": "fine-art painting, timeless",
    "country": "open fields, dusty road",
    "folk": "forest, handmade paper",
    "indie folk": "forest, handmade paper",
    "hip hop": "urban street photography",
    "lo-fi": "cozy bedroom window at dusk",
    "punk": "photocopied zine aesthetic, torn paper",
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
    """``phrase`` after the article its first sound takes: 'an upbeat tempo', 'a euphoric mood'."""
    return f"{article(phrase)} {phrase}"


def tempo_word(bpm: float) -> str:
    """AlbumGen's tempo word for ``bpm`` (beats per minute): 'slow', 'moderately fast', ..."""
    for lower, word in _TEMPO_WORDS:
        if bpm > lower:
            return word
    return "extremely slow"


def _band(value: float) -> int:
    return 0 if value < 1 / 3 else (1 if value < 2 / 3 else 2)


def mood_words(f: Features) -> tuple[str, str]:
    """Two mood adjectives for ``f``'s valence x energy cell (Russell's circumplex), mode-aware."""
    row, col = _band(f.valence), _band(f.energy)
    if (row, col) == (1, 1) and f.mode == "minor":
        return _MIDDLE_MINOR
    return _MOODS[row][col]


def _stem(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", word.lower())


def shares_stem(a: str, b: str) -> bool:
    """True when two words are one word in two forms ('mood'/'moody', 'dark'/'darkwave').

    Our own rule, not a stemmer's: Porter and Snowball keep 'mood' and 'moody' apart, which
    is exactly the repetition a reader hears. Either word, stripped to letters and digits,
    starting with the other one of at least three characters counts.
    """
    x, y = _stem(a), _stem(b)
    if len(x) < 3 or len(y) < 3:
        return x == y and bool(x)
    return x.startswith(y) or y.startswith(x)


def _moods_for(f: Features) -> list[str]:
    """The mood adjectives that do not echo a word of the genre ('dark' before 'dark ambient')."""
    genre_words = f.genre.split()
    return [m for m in mood_words(f) if not any(shares_stem(m, g) for g in genre_words)]


def _genre_family(genre: str) -> str | None:
    if genre in _INSTRUMENTS:
        return genre
    for word, family in _FAMILIES:
        if word in genre:
            return family
    return None


def vocals(f: Features) -> str:
    """The voice to name in a music prompt, or '' for none (the usual answer).

    The released MusicGen checkpoints were trained on music whose vocals had been removed
    (by tag, then with HT-Demucs source separation), and "the model is not able to generate
    realistic vocals" (MusicGen model card, Limitations; Copet et al. 2023). Words cannot be
    sung, so a prompt never asks for singing or rapping. Where the features say a voice is
    clearly there (instrumentalness <= 0.25, see VOICE_MAX_INSTRUMENTALNESS) it is named as
    a sound the model can make: "vocal chops" on electronic music, "wordless vocals" on
    acoustic music, and "chopped vocal samples" when speechiness is in Spotify's speech/rap
    range (>= 0.33). Instrumental features (instrumentalness above 0.25) get no mention at all.
    """
    if f.instrumentalness > VOICE_MAX_INSTRUMENTALNESS:
        return ""
    if f.speechiness >= SPEECH_MIN:
        return "chopped vocal samples"
    return "wordless vocals" if f.acousticness >= 0.5 else "vocal chops"


def instruments(f: Features) -> Instruments:
    """The instruments to name, by genre family and acousticness, with any voice last."""
    acoustic, electronic = _INSTRUMENTS.get(_genre_family(f.genre) or "", _DEFAULT_INSTRUMENTS)
    if f.acousticness >= 0.6:
        chosen = acoustic
    elif f.acousticness <= 0.35:
        chosen = electronic
    else:
        chosen = acoustic if _genre_family(f.genre) else _MIXED_INSTRUMENTS
    voice = vocals(f)
    return (*chosen, voice) if voice else chosen


def _listing(items: Instruments) -> str:
    """'a, b and c' (no serial comma, as MusicCaps captions mostly write)."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _subject(f: Features) -> str:
    """'synthwave track', 'classical piece', 'lo-fi beat' or plain 'track' without a genre."""
    if not f.genre:
        return "track"
    if f.genre.split()[-1] in _NOUNS:
        return f.genre
    return f"{f.genre} {'piece' if f.genre in _PIECES else 'track'}"


def _groove(f: Features, sentence: bool) -> str:
    if f.danceability >= 0.7:
        return "The beat is steady and danceable." if sentence else "steady danceable groove"
    if f.danceability <= 0.3:
        return "The rhythm is loose and free-flowing." if sentence else "loose free-flowing rhythm"
    word = "relaxed" if f.energy < 0.5 else "solid"
    return f"The groove is {word}." if sentence else f"{word} groove"


def _production(f: Features) -> str:
    if f.liveness >= 0.6:
        return "live recording with crowd ambience"
    if f.loudness_db >= -7:
        return "loud punchy mix"
    if f.loudness_db <= -20:
        return "quiet dynamic recording"
    return "vintage analog recording" if f.acousticness >= 0.6 else "polished studio mix"


def _tonality(f: Features) -> str:
    """'Bb major' (spelled by key signature), or 'minor key' when no key is set."""
    return f.key_label if f.key is not None else f"{f.mode} key"


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"\s+([,.;])", r"\1", text)
    text = re.sub(r"([.!?] )(\w)", lambda m: m.group(1) + m.group(2).upper(), text)
    return text[:1].upper() + text[1:]


def music_prompt(f: Features, style: str = "concise") -> str:
    """The MusicGen prompt for ``f`` in ``style`` ("concise" or "descriptive").

    At most PROMPT_MAX_CHARS[style] characters; deterministic. Raises BadInputError for an
    unknown style.
    """
    if style == "concise":
        return _fit(_concise(f), PROMPT_MAX_CHARS[style])
    if style == "descriptive":
        return _fit(_descriptive(f), PROMPT_MAX_CHARS[style])
    raise BadInputError(f"prompt style must be one of {', '.join(PROMPT_STYLES)}, got {style!r}")


def _fit(versions: list[str], limit: int) -> str:
    """The first (fullest) version within ``limit`` characters; versions drop clauses in turn."""
    for text in versions:
        if len(text) <= limit:
            return text
    return versions[-1]  # pragma: no cover - PROMPT_MAX_CHARS is chosen so the shortest fits


def _concise(f: Features) -> list[str]:
    moods = _moods_for(f)
    mood = ", ".join(moods) + " " if moods else ""
    head = f"{mood}{_subject(f)} with {_listing(instruments(f))}"
    facts = f"{round(f.tempo_bpm)} bpm, {_tonality(f)}" + (
        f", {f.time_signature}/4 time" if f.time_signature != 4 else ""
    )
    style = f", inspired by {f.style}" if f.style else ""
    optional = [_groove(f, sentence=False), _production(f)]
    versions = []
    for keep in (2, 1, 0):
        middle = ", ".join([*optional[:keep], facts])
        versions.append(_tidy(f"{head}{style}. {middle}."))
    if style:
        versions.append(_tidy(f"{head}. {facts}."))
    return versions


def _descriptive(f: Features) -> list[str]:
    moods = _moods_for(f)
    mood = ", ".join(moods) + " " if moods else ""
    opening = f"{with_article(mood + _subject(f))} with {_listing(instruments(f))}."
    metre = f" and {f.time_signature}/4 time" if f.time_signature != 4 else ""
    tonal = f"in {_tonality(f)}{metre}" if f.key is not None else f"in {with_article(_tonality(f))}{metre}"
    tempo = f"The tempo is {tempo_word(f.tempo_bpm)} at {round(f.tempo_bpm)} bpm, {tonal}."
    groove = _groove(f, sentence=True)
    production = f"It sounds like {with_article(_production(f))}."
    style = f" It is inspired by {f.style}." if f.style else ""
    return [
        _tidy(f"{opening} {tempo} {groove} {production}{style}"),
        _tidy(f"{opening} {tempo} {groove}{style}"),
        _tidy(f"{opening} {tempo}{style}"),
        _tidy(f"{opening} {tempo}"),
    ]


# --- covers ---------------------------------------------------------------------------------


def _palette(f: Features) -> str:
    """Colours from valence x energy, following music-colour associations in the listener's
    direction: happy, fast music goes with lighter, more saturated, yellower colours and sad,
    slow music with darker, desaturated, bluer ones (Palmer et al. 2013, PNAS 110:8836);
    loud, agitated music with darker, redder, more saturated ones (Whiteford et al. 2018,
    i-Perception 9(6))."""
    happy = f.valence >= 0.5
    vivid = f.energy >= 0.5
    if happy and vivid:
        return "vivid saturated colours, sunny yellows and oranges"
    if happy:
        return "soft pastel colours, gentle diffuse light"
    if vivid:
        return "high-contrast palette of deep reds and black"
    return "muted palette of deep blues and greys"


def _composition(f: Features) -> str:
    if f.tempo_bpm >= 120 or f.danceability >= 0.7:
        return "dynamic diagonal composition, rhythmic repeating shapes"
    if f.tempo_bpm < 85:
        return "minimalist composition, wide negative space"
    return "balanced centred composition"


def _texture(f: Features) -> str:
    if f.acousticness >= 0.6:
        return "analog film grain, painterly natural textures"
    if f.acousticness <= 0.35:
        return "clean digital gradients, luminous edges"
    return "mixed media collage"


def clean_title(title: str | None) -> str:
    """Validate an album title for prompts and typography: whitespace folded, '"' made "'".

    Raises BadInputError for non-text, control characters or more than TITLE_MAX_CHARS.
    """
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


_CLIP_PRETOKEN = re.compile(r"'s|'t|'re|'ve|'m|'ll|'d|[^\W\d_]+|\d|[^\s\w]+|_+", re.IGNORECASE)


def clip_token_estimate(text: str) -> int:
    """An upper-leaning estimate of CLIP's BPE token count for ``text``, start/end excluded.

    CLIP's tokenizer (Radford et al. 2021, ``simple_tokenizer.py``) first splits text with
    the pattern copied in spirit here (letter runs, single digits, punctuation runs, English
    contractions), then BPE-encodes each piece: a common English word is one token, a rare
    or long one several. Words longer than eight letters are counted as two; the real
    vocabulary is not shipped offline, so this stays an estimate.
    """
    count = 0
    for piece in _CLIP_PRETOKEN.findall(text):
        count += 2 if len(piece) > 8 and piece.isalpha() else 1
    return count


def cover_prompt(f: Features, title: str | None = None) -> tuple[str, str]:
    """(prompt, negative prompt) for a Stable-Diffusion-family cover.

    Subject first, then mood, genre imagery, palette, composition and texture, so that what
    diffusers cuts past CLIP's 77 tokens is the least important; the template itself stays
    within about 60 estimated tokens (clip_token_estimate), leaving room for a title.
    """
    name = clean_title(title)
    moods = _moods_for(f)
    subject = f"{f.genre} album cover art" if f.genre else "album cover art"
    parts = [f'{subject} for "{name}"' if name else subject]
    if moods:
        parts.append(f"{' and '.join(moods)} atmosphere")
    if f.genre in _GENRE_IMAGERY:
        parts.append(_GENRE_IMAGERY[f.genre])
    parts += [_palette(f), _composition(f), _texture(f)]
    if f.style:
        parts.append(f"inspired by {f.style}")
    parts.append("professional artwork")
    return re.sub(r"\s+", " ", ", ".join(parts)), NEGATIVE_PROMPT
