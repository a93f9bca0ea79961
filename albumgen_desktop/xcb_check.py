"""Can Qt start on X11 here? Which system libraries its xcb platform plugin still lacks.

Qt loads its X11 backend from PySide6's ``plugins/platforms/libqxcb.so``. When a library that
plugin links against is missing, Qt aborts with a message that names only libxcb-cursor0
("xcb-cursor0 or libxcb-cursor0 is needed", Qt 6.5+), whichever library is really missing.
This module asks the dynamic loader instead: ``ldd`` on the plugin lists every library it
needs, directly or through Qt's own libraries, and "not found" for the missing ones. It
imports neither Qt nor torch, so it can run before the window (and after a failed start).

Run as ``python -m albumgen_desktop.xcb_check`` (what ``make run`` does first); exit code 0
when Qt can start or X11 is not in use, 1 with the missing libraries and the command that
installs them otherwise.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# Debian/Ubuntu packages for the libraries Qt's xcb plugin links against (Qt 6 "X11
# Requirements", doc.qt.io/qt-6/linux-requirements.html, and the NEEDED entries of
# PySide6's libqxcb.so and libQt6XcbQpa.so.6).
DEBIAN_PACKAGES: dict[str, str] = {
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
}

_NOT_FOUND = re.compile(r"^\s*(\S+)\s+=>\s+not found\s*$")


def parse_ldd(output: str) -> list[str]:
    """The sonames ``ldd`` reports as "not found", in order, each once.

    ``ldd`` (glibc) prints one line per needed library: ``libfoo.so.1 => /path (0x...)`` when
    found, ``libfoo.so.1 => not found`` when not.
    """
    missing: list[str] = []
    for line in output.splitlines():
        match = _NOT_FOUND.match(line)
        if match and match.group(1) not in missing:
            missing.append(match.group(1))
    return missing


def debian_package(soname: str) -> str:
    """The Debian/Ubuntu package that ships ``soname``: from the table above, else by Debian
    Policy 8.1's naming rule (libfoo.so.1 is in libfoo1; a name ending in a digit takes a
    hyphen: libfoo2.so.0 is in libfoo2-0)."""
    if soname in DEBIAN_PACKAGES:
        return DEBIAN_PACKAGES[soname]
    match = re.match(r"^(lib.+?)\.so\.(\d+)", soname)
    if not match:
        return soname
    name, version = match.group(1).lower(), match.group(2)
    return f"{name}-{version}" if name[-1].isdigit() else f"{name}{version}"


def xcb_plugin() -> Path | None:
    """PySide6's xcb platform plugin, found without importing Qt; None when PySide6 has none."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        plugin = Path(root) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None


def missing_libraries(plugin: Path) -> list[str] | None:
    """Sonames ``plugin`` needs that the loader cannot find; None when ``ldd`` cannot tell."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return None
    try:
        done = subprocess.run([ldd, str(plugin)], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if done.returncode != 0 and "not found" not in done.stdout:
        return None  # not a dynamic executable, or ldd itself failed
    return parse_ldd(done.stdout)


def uses_xcb(environ: dict[str, str] | os._Environ[str] = os.environ) -> bool:
    """Whether Qt will pick its xcb (X11) backend: on Linux, unless QT_QPA_PLATFORM names
    another platform or the session is Wayland (where Qt 6 prefers its Wayland backend)."""
    if not sys.platform.startswith("linux"):
        return False
    platform = environ.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.split(";")[0].split(":")[0] == "xcb"
    return not (environ.get("WAYLAND_DISPLAY") and environ.get("XDG_SESSION_TYPE") == "wayland")


@dataclass(frozen=True)
class Diagnosis:
    """What stops Qt's xcb backend, as sentences for people; ``ok`` when nothing does."""

    missing: tuple[str, ...] = ()
    no_display: bool = False

    @property
    def ok(self) -> bool:
        return not self.missing and not self.no_display

    @property
    def packages(self) -> list[str]:
        return list(dict.fromkeys(debian_package(s) for s in self.missing))

    def message(self) -> str:
        lines = []
        if self.missing:
            lines.append(
                "The window cannot open: Qt's X11 (xcb) platform plugin needs system libraries that are not "
                f"installed: {', '.join(self.missing)}."
            )
            lines.append(f"On Debian or Ubuntu: sudo apt-get install {' '.join(self.packages)}")
            lines.append("(Qt itself would only say that libxcb-cursor0 is needed, whichever library is missing.)")
        if self.no_display:
            lines.append(
                "The window cannot open: there is no X display (DISPLAY is not set). Start it from a desktop "
                "session, or under a virtual display: xvfb-run -a make run"
            )
        return "\n".join(lines)


def diagnose(environ: dict[str, str] | os._Environ[str] = os.environ, plugin: Path | None = None) -> Diagnosis:
    """Why Qt's xcb backend would fail to start here, if it would be used at all."""
    if not uses_xcb(environ):
        return Diagnosis()
    plugin = plugin or xcb_plugin()
    missing = missing_libraries(plugin) if plugin is not None else None
    return Diagnosis(missing=tuple(missing or ()), no_display=not environ.get("DISPLAY"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m albumgen_desktop.xcb_check", description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="print nothing when Qt can start")
    parser.add_argument("--libraries", action="store_true", help="check the libraries only, not the display")
    args = parser.parse_args(argv)
    result = diagnose()
    if args.libraries:
        result = Diagnosis(missing=result.missing)
    if result.ok:
        if not args.quiet:
            plugin = xcb_plugin()
            where = f" ({plugin})" if plugin else ""
            print(f"Qt's xcb platform plugin finds every library it needs{where}.")
        return 0
    print(result.message(), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
