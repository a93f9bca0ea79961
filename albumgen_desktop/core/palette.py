"""The cover palette: Features -> named colours, the one source both the cover prompt and the
sketch painter use, so that the painting shows the colours the prompt names.

Which colours: music-colour associations read in the listener's direction.

* Palmer, Schloss, Xu & Prado-Leon 2013 (PNAS 110:8836): faster music in the major mode (happy,
  energetic) goes with lighter, more saturated, yellower colours; slower music in the minor
  mode (sad, calm) with darker, desaturated, bluer ones.
* Whiteford, Schloss, Helwig & Palmer 2018 (i-Perception 9(6)): loud, agitated, distorted
  music goes with darker, redder, more saturated colours.

So a 3 x 3 grid of valence x energy (the same bands as the mood words in core/prompts.py):
brightness and yellowness rise with valence, saturation and redness with energy. Genres with a
strong colour identity of their own (neon synthwave, black-and-red metal, navy-and-gold jazz,
earthy folk, ...) take their own palette instead; these are AlbumGen's conventions, not a study's.

Which values: every colour is an ISCC-NBS colour-name centroid (Kelly & Judd 1976, "Color:
Universal Language and Dictionary of Names", NBS Special Publication 440), as sRGB 0..255 in
Jaffer's tabulation of the NBS-ISCC centroids. ``word`` is the everyday name the prompt uses
("deep red", "lavender"), ``iscc_nbs`` the dictionary name whose centroid it is.
"""

from __future__ import annotations

from dataclasses import dataclass

from albumgen_desktop.core.features import Features

SOURCES = (
    "Palmer et al. 2013, PNAS 110:8836 (music-colour associations)",
    "Whiteford et al. 2018, i-Perception 9(6) (loud, agitated music and dark, red colours)",
    "Kelly & Judd 1976, NBS Special Publication 440 (ISCC-NBS colour-name centroids, sRGB)",
)


@dataclass(frozen=True)
class NamedColour:
    """One colour: the ``word`` a prompt uses, its ISCC-NBS name and its sRGB value (0..255 each)."""

    word: str
    iscc_nbs: str
    rgb: tuple[int, int, int]

    @property
    def rgb01(self) -> tuple[float, float, float]:
        """The sRGB value as 0..1 floats (the painter's working range)."""
        r, g, b = self.rgb
        return r / 255, g / 255, b / 255


@dataclass(frozen=True)
class Palette:
    """A cover palette: ``ground`` fills most of the picture, ``main`` the shapes, ``accent`` the
    highlights. ``adjective`` qualifies it in the prompt ("muted", "neon"; may be ''), ``source``
    says which rule chose it (a study's association or a genre's convention)."""

    key: str
    adjective: str
    ground: NamedColour
    main: NamedColour
    accent: NamedColour
    source: str

    @property
    def colours(self) -> tuple[NamedColour, NamedColour, NamedColour]:
        """(ground, main, accent), largest area first."""
        return self.ground, self.main, self.accent

    def words(self) -> tuple[str, ...]:
        """The colour words in the order the prompt names them: main, accent, ground (the shapes
        first, as a reader sees them), each once."""
        seen: list[str] = []
        for c in (self.main, self.accent, self.ground):
            if c.word not in seen:
                seen.append(c.word)
        return tuple(seen)

    def phrase(self, with_adjective: bool = True) -> str:
        """'muted palette of steel blue, ash grey and slate' (no trailing punctuation)."""
        words = self.words()
        listing = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
        head = f"{self.adjective} palette" if with_adjective and self.adjective else "palette"
        return f"{head} of {listing}"


def _c(word: str, iscc_nbs: str, hex_value: str) -> NamedColour:
    value = int(hex_value.lstrip("#"), 16)
    return NamedColour(word, iscc_nbs, ((value >> 16) & 255, (value >> 8) & 255, value & 255))


# ISCC-NBS centroids (sRGB) used below, by everyday name.
BLACK = _c("black", "black", "#222222")
DEEP_RED = _c("deep red", "deep red", "#841b2d")
CRIMSON = _c("crimson", "vivid red", "#be0032")
INDIGO = _c("indigo", "dark purplish blue", "#252440")
SLATE = _c("slate", "dark grayish blue", "#36454f")
MUTED_VIOLET = _c("muted violet", "moderate violet", "#604e81")
STEEL_BLUE = _c("steel blue", "moderate blue", "#436b95")
ASH_GREY = _c("ash grey", "medium gray", "#848482")
SAGE = _c("sage green", "grayish green", "#5e716a")
MIST = _c("mist grey", "light greenish gray", "#b2beb5")
SAND = _c("sand", "pale orange yellow", "#fad6a5")
TEAL = _c("teal", "moderate greenish blue", "#367588")
OCHRE = _c("ochre", "dark orange yellow", "#be8a3d")
NAVY = _c("navy", "deep blue", "#00416a")
ORANGE = _c("orange", "vivid orange", "#f38400")
SKY_BLUE = _c("sky blue", "brilliant blue", "#4997d0")
PINK = _c("blush pink", "light pink", "#f9ccca")
LAVENDER = _c("lavender", "very light violet", "#dcd0ff")
MINT = _c("mint", "very light bluish green", "#96ded1")
CREAM = _c("cream", "pale yellow", "#f3e5ab")
CORAL = _c("coral", "strong yellowish pink", "#f99379")
POWDER_BLUE = _c("powder blue", "very light blue", "#a1caf1")
YELLOW = _c("sunny yellow", "vivid yellow", "#f3c300")
RED_ORANGE = _c("red-orange", "vivid reddish orange", "#e25822")
DEEP_VIOLET = _c("deep violet", "deep violet", "#32174d")
MAGENTA = _c("hot magenta", "vivid purplish red", "#ce4676")
CYAN = _c("cyan", "vivid blue", "#00a1c2")
GOLD = _c("gold", "strong yellow", "#d4af37")
BROWN = _c("umber", "moderate brown", "#6f4e37")
OLIVE = _c("olive green", "moderate olive green", "#4a5d23")
TAN = _c("tan", "light yellowish brown", "#c19a6b")
ICE_BLUE = _c("ice blue", "very pale blue", "#bcd4e6")
FOREST = _c("forest green", "deep green", "#00543d")

_ASSOCIATION = "music-colour association (Palmer 2013; Whiteford 2018)"

# Rows valence low / mid / high, columns energy low / mid / high (core/prompts.py's bands).
_GRID: tuple[tuple[Palette, ...], ...] = (
    (
        Palette("sad-calm", "muted", SLATE, STEEL_BLUE, ASH_GREY, _ASSOCIATION),
        Palette("sad-tense", "shadowy", INDIGO, MUTED_VIOLET, SLATE, _ASSOCIATION),
        Palette("sad-intense", "high-contrast", BLACK, DEEP_RED, CRIMSON, _ASSOCIATION),
    ),
    (
        Palette("neutral-calm", "soft", MIST, SAGE, SAND, _ASSOCIATION),
        Palette("neutral", "mellow", TEAL, OCHRE, SAND, _ASSOCIATION),
        Palette("neutral-intense", "bold", NAVY, ORANGE, SKY_BLUE, _ASSOCIATION),
    ),
    (
        Palette("happy-calm", "pastel", PINK, LAVENDER, MINT, _ASSOCIATION),
        Palette("happy", "sunlit", CREAM, CORAL, POWDER_BLUE, _ASSOCIATION),
        Palette("happy-intense", "vivid", YELLOW, ORANGE, RED_ORANGE, _ASSOCIATION),
    ),
)

_GENRE_CONVENTION = "AlbumGen's colour convention for the genre"
GENRE_PALETTES: dict[str, Palette] = {
    "synthwave": Palette("synthwave", "neon", DEEP_VIOLET, MAGENTA, CYAN, _GENRE_CONVENTION),
    "metal": Palette("metal", "high-contrast", BLACK, DEEP_RED, CRIMSON, _GENRE_CONVENTION),
    "heavy metal": Palette("metal", "high-contrast", BLACK, DEEP_RED, CRIMSON, _GENRE_CONVENTION),
    "jazz": Palette("jazz", "", NAVY, GOLD, SAND, _GENRE_CONVENTION),
    "folk": Palette("folk", "earthy", TAN, BROWN, OLIVE, _GENRE_CONVENTION),
    "indie folk": Palette("folk", "earthy", TAN, BROWN, OLIVE, _GENRE_CONVENTION),
    "ambient": Palette("ambient", "hazy", ICE_BLUE, LAVENDER, MINT, _GENRE_CONVENTION),
    "techno": Palette("techno", "stark", BLACK, CYAN, SLATE, _GENRE_CONVENTION),
    "house": Palette("house", "glowing", CORAL, MAGENTA, YELLOW, _GENRE_CONVENTION),
    "reggae": Palette("reggae", "", FOREST, YELLOW, CRIMSON, _GENRE_CONVENTION),
}


def _band(value: float) -> int:
    """0, 1 or 2 for a 0..1 value: below 1/3, below 2/3, above (the mood grid's bands)."""
    return 0 if value < 1 / 3 else (1 if value < 2 / 3 else 2)


def relative_luminance(colour: NamedColour) -> float:
    """WCAG 2.x relative luminance Y of an sRGB colour, 0 (black) .. 1 (white): each channel
    linearised (IEC 61966-2-1 transfer curve), then weighted 0.2126 R + 0.7152 G + 0.0722 B."""

    def linear(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(v) for v in colour.rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


# A ground above this luminance reads as a light picture (about CIELAB L* 70).
LIGHT_GROUND_Y = 0.4


def cover_palette(f: Features) -> Palette:
    """The palette for ``f``: the genre's own (GENRE_PALETTES) when it has one and it does not
    contradict the mood, else the valence x energy cell of the association grid (module
    docstring). Sad music (the low valence band) never gets a light genre palette (ambient's
    ice blue, house's coral): Palmer 2013's strongest association is sad with dark, so a dark
    red and black picture read as "ambient" is not painted in pastels. Deterministic; never raises."""
    own = GENRE_PALETTES.get(f.genre)
    row = _band(f.valence)
    if own is not None and not (row == 0 and relative_luminance(own.ground) > LIGHT_GROUND_Y):
        return own
    return _GRID[row][_band(f.energy)]
