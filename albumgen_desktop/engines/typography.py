"""Album title and artist set over a cover, in bundled open-licence fonts (DejaVu, Aileron)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from albumgen_desktop.core.errors import BadInputError

FONT_DIR = Path(__file__).resolve().parents[1] / "resources" / "fonts"
FONTS: dict[str, str] = {
    "sans": "DejaVuSans-Bold.ttf",
    "serif": "DejaVuSerif-Bold.ttf",
    "condensed": "DejaVuSansCondensed-Oblique.ttf",
    "aileron": "",  # Pillow's own bundled font (CC0)
}
PLACEMENTS = ("bottom", "top", "centre")


def _font(name: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    if name not in FONTS:
        raise BadInputError(f"font must be one of {', '.join(FONTS)}, got {name!r}")
    if not FONTS[name]:
        return ImageFont.load_default(size)
    return ImageFont.truetype(str(FONT_DIR / FONTS[name]), size)


def _fit(
    draw: ImageDraw.ImageDraw, text: str, font_name: str, max_width: int, size: int
) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    while size > 10:
        font = _font(font_name, size)
        if draw.textlength(text, font=font) <= max_width:
            return font
        size = int(size * 0.9)
    return _font(font_name, size)


def set_title(
    image: Image.Image, title: str, artist: str = "", font: str = "sans", placement: str = "bottom"
) -> Image.Image:
    """A copy of ``image`` with the title (and artist below it) legible on any background:
    light text with a soft dark halo, sized to fit 86% of the width."""
    if placement not in PLACEMENTS:
        raise BadInputError(f"placement must be one of {', '.join(PLACEMENTS)}")
    out = image.convert("RGB").copy()
    if not title and not artist:
        return out
    w, h = out.size
    draw = ImageDraw.Draw(out)
    title_font = _fit(draw, title or " ", font, int(w * 0.86), max(12, w // 11))
    artist_font = _fit(draw, artist or " ", font, int(w * 0.86), max(10, w // 24))
    title_h = title_font.getbbox(title or "A")[3] if title else 0
    artist_h = artist_font.getbbox(artist or "A")[3] if artist else 0
    block = title_h + (int(artist_h * 1.4) if artist else 0)
    top = {"bottom": h - block - h // 12, "top": h // 12, "centre": (h - block) // 2}[placement]
    layer = Image.new("RGBA", out.size, (0, 0, 0, 0))
    halo = ImageDraw.Draw(layer)
    lines = [(title, title_font, top)]
    if artist:
        lines.append((artist, artist_font, top + title_h + int(artist_h * 0.4)))
    for text, fnt, y in lines:
        x = (w - draw.textlength(text, font=fnt)) / 2
        halo.text(
            (x, y), text, font=fnt, fill=(0, 0, 0, 200), stroke_width=max(2, w // 256), stroke_fill=(0, 0, 0, 200)
        )
    layer = layer.filter(ImageFilter.GaussianBlur(max(2, w // 200)))
    out.paste(layer, (0, 0), layer)
    draw = ImageDraw.Draw(out)
    for text, fnt, y in lines:
        x = (w - draw.textlength(text, font=fnt)) / 2
        draw.text((x, y), text, font=fnt, fill=(250, 248, 240))
    return out
