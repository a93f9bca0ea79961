"""The genre vocabulary: suggestions for the GUI and the guard against invented genres.

Free text is allowed in a user's own Features (it is their record), but data that
comes from a model (a VLM's JSON, zero-shot scores) must land on this list: the
AlbumGen VLM invented genres such as "male", and a prompt built on those is noise.
"""

from __future__ import annotations

import re

GENRES: tuple[str, ...] = (
    "acoustic",
    "afrobeat",
    "alternative rock",
    "ambient",
    "blues",
    "bossa nova",
    "classical",
    "country",
    "dance",
    "disco",
    "drum and bass",
    "dub",
    "dubstep",
    "edm",
    "electronic",
    "emo",
    "experimental",
    "folk",
    "funk",
    "gospel",
    "grunge",
    "hard rock",
    "heavy metal",
    "hip hop",
    "house",
    "indie folk",
    "indie pop",
    "indie rock",
    "industrial",
    "jazz",
    "k-pop",
    "latin",
    "lo-fi",
    "metal",
    "new wave",
    "orchestral",
    "pop",
    "pop punk",
    "post-rock",
    "psychedelic rock",
    "punk",
    "r&b",
    "reggae",
    "reggaeton",
    "rock",
    "shoegaze",
    "singer-songwriter",
    "soul",
    "soundtrack",
    "synth-pop",
    "synthwave",
    "techno",
    "trance",
    "trap",
    "trip hop",
    "world",
)

# Spellings people (and models) use for the same genre.
_SYNONYMS: dict[str, str] = {
    "hiphop": "hip hop",
    "hip-hop": "hip hop",
    "rap": "hip hop",
    "rnb": "r&b",
    "r and b": "r&b",
    "rhythm and blues": "r&b",
    "dnb": "drum and bass",
    "drum n bass": "drum and bass",
    "drum & bass": "drum and bass",
    "synthpop": "synth-pop",
    "synth pop": "synth-pop",
    "lofi": "lo-fi",
    "lo fi": "lo-fi",
    "kpop": "k-pop",
    "k pop": "k-pop",
    "electronica": "electronic",
    "electro": "electronic",
    "edm": "edm",
    "metal": "metal",
    "alt rock": "alternative rock",
    "alternative": "alternative rock",
    "post rock": "post-rock",
    "trip-hop": "trip hop",
    "triphop": "trip hop",
    "singer songwriter": "singer-songwriter",
    "film score": "soundtrack",
    "score": "soundtrack",
    "world music": "world",
    "classic rock": "rock",
    "heavy-metal": "heavy metal",
}

_GENRE_SET = frozenset(GENRES)


def _squash(text: str) -> str:
    text = re.sub(r"\s+", " ", text.strip().lower())
    return re.sub(r"\s+music$", "", text)


def canonical_genre(text: str) -> str | None:
    """The vocabulary entry ``text`` names, or None when it names none."""
    key = _squash(text)
    if key in _GENRE_SET:
        return key
    return _SYNONYMS.get(key)
