"""Screenshots of the real window in its main states, saved to OUT (run under Xvfb by `make screenshot`).

    python scripts/screenshots.py OUT [--size 1366x768]

States: 1 first launch offline, 2 cover analysed, 3 music generating (tiny MusicGen: progress
and time left), 4 music done with its waveform, 5 four cover takes with the second shown large,
6 the library window with its covers, 7 the model manager with a missing and a damaged model (a
tiny model whose weights were truncated; the window's engine menu says so too). Everything happens in temporary folders (models, library, history,
settings); the whole X screen is grabbed, so dialogs show over the window as a person sees them.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def _cover_art(path: Path, size: int = 600) -> Path:
    """A synthetic album cover: a dusk gradient, a low sun and a dark skyline."""
    y = np.linspace(0.0, 1.0, size)[:, None, None]
    top, bottom = np.array([40, 20, 70]), np.array([240, 120, 60])
    sky = (top + (bottom - top) * y) * np.ones((1, size, 1))
    image = Image.fromarray(sky.astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(image)
    draw.ellipse((size * 0.32, size * 0.45, size * 0.68, size * 0.81), fill=(255, 200, 90))
    rng = np.random.default_rng(3)
    x = 0
    while x < size:
        w, h = int(rng.integers(30, 80)), int(rng.integers(90, 260))
        draw.rectangle((x, size - h, x + w, size), fill=(18, 12, 30))
        x += w + int(rng.integers(0, 8))
    image.filter(ImageFilter.SMOOTH).save(path)
    return path


def _library(path: Path, music: Path, n: int = 14) -> None:
    """A small reference library of sketch-painted covers with plausible metadata, its rows shaped
    as a music folder import writes them (one album folder each: a track and its cover.png), so
    the library window finds each cover as it would after a real import."""
    import soundfile as sf

    from albumgen_desktop.core.features import Features
    from albumgen_desktop.engines.cover_sketch import paint
    from albumgen_desktop.library.embedders import SketchEmbedder
    from albumgen_desktop.library.store import Library

    names = ["Tidal Lights", "Paper Moons", "Low Orbit", "Glass Harbour", "Night Ferry", "Copper Fields",
             "Static Bloom", "Warm Static", "Blue Hour", "Slow Rivers", "Neon Gardens", "Dust & Echo",
             "Northern Wire", "Soft Machines"]  # fmt: skip
    genres = ["synthwave", "indie folk", "ambient", "house", "jazz", "shoegaze", "hip hop"]
    embedder = SketchEmbedder()
    rng = np.random.default_rng(7)
    with Library(path) as library:
        for i in range(n):
            f = Features(energy=float(rng.uniform(0.1, 0.95)), valence=float(rng.uniform(0.1, 0.9)),
                         tempo_bpm=float(rng.uniform(70, 150)), genre=genres[i % len(genres)])  # fmt: skip
            cover = paint(f, 256, seed=i)
            album = music / f"album-{i:02d}"
            album.mkdir(parents=True, exist_ok=True)
            cover.save(album / "cover.png")
            track = album / "01.wav"
            sf.write(track, np.zeros(800, np.float32), 8000)
            vector = embedder.embed([cover])[0]
            library.put(title=names[i % len(names)], artist=f"Artist {i % 5 + 1}", features=f, source="folder",
                        source_key=str(track), stamp="1", embeddings={embedder.model: vector})  # fmt: skip


class Shooter:
    def __init__(self, app, out: Path, tag: str) -> None:
        self.app, self.out, self.tag, self.count = app, out, tag, 0

    def pump(self, seconds: float = 0.3, until: Callable[[], bool] | None = None, limit: float = 300.0) -> None:
        """Run the event loop for ``seconds``, or until ``until()`` holds (at most ``limit`` s)."""
        end = time.monotonic() + (limit if until else seconds)
        while time.monotonic() < end:
            self.app.processEvents()
            if until is not None and until():
                break
            time.sleep(0.02)
        for _ in range(5):
            self.app.processEvents()
            time.sleep(0.02)

    def shoot(self, name: str) -> Path:
        self.pump(0.4)
        path = self.out / f"{self.tag}-{name}.png"
        self.app.primaryScreen().grabWindow(0).save(str(path))
        self.count += 1
        print(f"  {path}")
        return path


def idle(window) -> bool:
    """No job of any kind left (generation, analysis, history writes)."""
    return not any(r.handles for r in (window.generation_runner, window.analysis_runner, window.history_runner))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?", default="out")
    ap.add_argument("--size", default="", help="the screen size, for the file names (e.g. 1366x768)")
    args = ap.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="albumgen-shots-"))
    for var, sub in (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"), ("XDG_CACHE_HOME", "cache"),
                     ("XDG_STATE_HOME", "state"), ("HF_HOME", "hf")):  # fmt: skip
        os.environ[var] = str(tmp / sub)
    os.environ["HF_HUB_OFFLINE"] = "1"  # first launch, offline
    from albumgen_desktop.app.first_launch import FirstLaunchDialog
    from albumgen_desktop.app.main import make_app
    from albumgen_desktop.app.window import MainWindow

    app = make_app()  # named, with its icon, as `albumgen gui` starts it
    screen = app.primaryScreen().size()
    shots = Shooter(app, out, args.size or f"{screen.width()}x{screen.height()}")
    window = MainWindow(tmp / "history")
    window.setGeometry(app.primaryScreen().availableGeometry())
    window.show()
    window.restore_history()
    shots.pump(1.5)
    welcome = FirstLaunchDialog(window, online=False)  # HF_HUB_OFFLINE=1: what offer_first_launch shows
    welcome.show()
    shots.shoot("1-first-launch-offline")
    welcome.close()

    from albumgen_desktop.app.imports import import_lock
    from albumgen_desktop.models.manifest import model_for_role
    from albumgen_desktop.models.tiny import install_tiny

    with import_lock:  # the window's warm-up imports torch on its own thread
        install_tiny(model_for_role("music"))  # a tiny random-weight MusicGen in the real on-disk layout
    window.refresh_engines()
    window.open_path(_cover_art(tmp / "dusk.png"))
    shots.pump(until=lambda: "analysed" in window.status.text())
    window.session.set_title("Night Ferry")
    shots.shoot("2-cover-analysed")

    window.session.set_option("engine", "musicgen")
    window.session.set_option("duration_s", 12.0)
    handle = window.jobs.music()
    assert handle is not None
    shots.pump(until=lambda: handle.fraction >= 0.3 or not handle.alive, limit=600)
    shots.shoot("3-music-generating")
    shots.pump(until=lambda: idle(window), limit=600)

    window.session.set_option("engine", "sketch")
    window.session.set_option("duration_s", 30.0)
    window.jobs.music()
    shots.pump(until=lambda: idle(window))
    window.transport.seek(11.0)  # the playhead part-way, as after listening for a while
    shots.shoot("4-music-done")

    window.session.set_option("cover_engine", "sketch")
    window.session.set_option("cover_size", 768)
    window.session.set_option("variations", 4)
    window.jobs.cover()
    shots.pump(until=lambda: idle(window))
    covers = [r for r in window.history.results() if r.is_cover]
    window.history.select(covers[1])
    shots.shoot("5-four-covers-second-large")

    from albumgen_desktop.library.store import default_library_path

    _library(default_library_path(), tmp / "music")
    library = window.show_library()
    library.move(window.x() + 120, window.y() + 80)
    shots.pump(until=lambda: not library.runner.handles)  # the covers are read on the library's thread
    shots.shoot("6-library")
    library.close()

    from albumgen_desktop.models.manifest import installed_snapshot

    snapshot = installed_snapshot(model_for_role("music"))
    assert snapshot is not None
    weights = sorted(snapshot.rglob("*.safetensors"))[0].resolve()
    with open(weights, "r+b") as fh:  # a damaged download: the weights cut short
        fh.truncate(max(1, weights.stat().st_size // 3))
    window.refresh_engines()  # the window learns it too: its engine menu and status say what the manager says
    shots.pump(until=lambda: "Sketch engines ready" in window.engines_label.text(), limit=30)
    window.show_models("musicgen-small").move(window.x() + 80, window.y() + 60)
    shots.shoot("7-model-manager")
    window.close()
    shots.pump(0.2)
    print(f"wrote {shots.count} screenshots to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
