"""Paint the sketch covers of five contrasting recipes into out/ so anyone can look at them."""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

from albumgen_desktop.core.features import Features
from albumgen_desktop.engines.cover_sketch import paint

RECIPES = {
    "dark-slow-acoustic": (
        Features(
            valence=0.15,
            energy=0.2,
            danceability=0.2,
            acousticness=0.9,
            tempo_bpm=64,
            genre="folk",
            style="The Quiet Ones",
        ),
        "Low Tide",
    ),
    "bright-fast-electronic": (
        Features(
            valence=0.9,
            energy=0.9,
            danceability=0.85,
            acousticness=0.05,
            tempo_bpm=140,
            genre="house",
            style="Sunset Club",
        ),
        "Night Drive",
    ),
    "neon-synthwave": (
        Features(
            valence=0.5,
            energy=0.7,
            danceability=0.7,
            acousticness=0.1,
            tempo_bpm=118,
            genre="synthwave",
            style="Grid Runner",
        ),
        "Neon Avenue",
    ),
    "dark-heavy": (
        Features(
            valence=0.1, energy=0.95, danceability=0.4, acousticness=0.2, tempo_bpm=170, genre="metal", style="Iron Ash"
        ),
        "Furnace",
    ),
    "calm-ambient": (
        Features(
            valence=0.7, energy=0.15, danceability=0.1, acousticness=0.6, tempo_bpm=70, genre="ambient", style="Drift"
        ),
        "Weightless",
    ),
}


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    tiles = []
    for name, (features, title) in RECIPES.items():
        image = paint(features, 1024, seed=7, title=title)
        image.save(out / f"sketch-cover-{name}.png")
        tiles.append(image.resize((320, 320)))
    sheet = Image.new("RGB", (320 * len(tiles), 320))
    for i, tile in enumerate(tiles):
        sheet.paste(tile, (320 * i, 0))
    sheet.save(out / "sketch-covers.png")
    print(f"wrote {len(tiles)} covers and a contact sheet to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "out")))
