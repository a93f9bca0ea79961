"""Which system library stops Qt's X11 backend: asked of the real dynamic loader (ldd)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from albumgen_desktop.xcb_check import Diagnosis, debian_package, diagnose, missing_libraries, parse_ldd, xcb_plugin

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux") or not shutil.which("ldd"), reason="ldd on Linux")

# The first lines of `ldd libqxcb.so` on this machine, with two libraries uninstalled: the
# shape of glibc's output ("=> not found"), as on a machine without libxcb-icccm4/keysyms1.
CAPTURED_LDD = """\
\tlinux-vdso.so.1 (0x00007ff936cf5000)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/plugins/platforms/../../lib/libQt6XcbQpa.so.6 (0x00007ff936c27000)
\tlibGL.so.1 => /lib/x86_64-linux-gnu/libGL.so.1 (0x00007ff936b95000)
\tlibxkbcommon-x11.so.0 => /lib/x86_64-linux-gnu/libxkbcommon-x11.so.0 (0x00007ff936b42000)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007ff936b3b000)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-util.so.1 => /lib/x86_64-linux-gnu/libxcb-util.so.1 (0x00007ff936b2c000)
\tlibxcb-keysyms.so.1 => not found
\tlibxcb-icccm.so.4 => not found
\t/lib64/ld-linux-x86-64.so.2 (0x00007ff936cf7000)
"""


def test_parser_lists_each_missing_library_once() -> None:
    assert parse_ldd(CAPTURED_LDD) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert parse_ldd("\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x1)\n") == []


def test_message_names_the_missing_libraries_and_their_packages() -> None:
    message = Diagnosis(missing=tuple(parse_ldd(CAPTURED_LDD))).message()
    assert "libxcb-icccm.so.4, libxcb-keysyms.so.1" in message
    assert "sudo apt-get install libxcb-icccm4 libxcb-keysyms1" in message


@pytest.mark.parametrize(
    ("soname", "package"),
    [("libxcb-render-util.so.0", "libxcb-render-util0"), ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
     ("libxcb-cursor.so.0", "libxcb-cursor0"), ("libfoo.so.3", "libfoo3"), ("libbar2.so.0", "libbar2-0")],
)  # fmt: skip
def test_debian_package_names(soname: str, package: str) -> None:
    assert debian_package(soname) == package


@linux_only
def test_the_real_plugin_has_every_library_here() -> None:
    """setup_env.sh installed what Qt's xcb plugin needs on this machine: ldd finds all of it."""
    plugin = xcb_plugin()
    assert plugin is not None and plugin.name == "libqxcb.so"
    assert missing_libraries(plugin) == []
    assert diagnose({"DISPLAY": ":99"}).ok


@linux_only
def test_a_plugin_whose_library_is_really_missing_is_reported(tmp_path: Path) -> None:
    """A copy of the real plugin asking for sonames no system has (same-length renames in its
    dynamic string table): the real loader cannot find them and the check says which."""
    plugin = xcb_plugin()
    assert plugin is not None
    (tmp_path / "plugins" / "platforms").mkdir(parents=True)
    (tmp_path / "lib").symlink_to(plugin.parents[2] / "lib")  # the plugin's RUNPATH is $ORIGIN/../../lib
    data = plugin.read_bytes()
    for real, gone in (
        (b"libxcb-icccm.so.4\0", b"libxcb-icccm.so.9\0"),
        (b"libxcb-keysyms.so.1\0", b"libxcb-keysyms.so.8\0"),
    ):
        assert data.count(real) == 1
        data = data.replace(real, gone)
    copy = tmp_path / "plugins" / "platforms" / "libqxcb.so"
    copy.write_bytes(data)
    assert missing_libraries(copy) == ["libxcb-icccm.so.9", "libxcb-keysyms.so.8"]
    result = diagnose({"DISPLAY": ":0"}, plugin=copy)
    assert not result.ok and "libxcb-icccm.so.9" in result.message()


def test_only_x11_sessions_are_checked() -> None:
    assert diagnose({"QT_QPA_PLATFORM": "offscreen"}).ok
    assert diagnose({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}).ok
    if sys.platform.startswith("linux"):
        no_display = diagnose({"QT_QPA_PLATFORM": "xcb"})
        assert no_display.no_display and "xvfb-run" in no_display.message()


@linux_only
def test_module_runs_as_a_script() -> None:
    import os

    env = {**os.environ, "DISPLAY": ":99"}
    env.pop("QT_QPA_PLATFORM", None)
    done = subprocess.run([sys.executable, "-m", "albumgen_desktop.xcb_check"], capture_output=True, text=True, env=env)
    assert done.returncode == 0 and "finds every library" in done.stdout
    env.pop("DISPLAY")
    env.pop("WAYLAND_DISPLAY", None)
    done = subprocess.run([sys.executable, "-m", "albumgen_desktop.xcb_check"], capture_output=True, text=True, env=env)
    assert done.returncode == 1 and "no X display" in done.stderr


def test_gui_command_says_what_is_missing_instead_of_qts_abort(monkeypatch, capsys) -> None:
    from albumgen_desktop.cli import main

    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.delenv("DISPLAY", raising=False)
    assert main(["gui"]) == 1
    err = capsys.readouterr().err
    assert "no X display" in err and "Traceback" not in err


@pytest.mark.slow
@pytest.mark.skipif(not shutil.which("xvfb-run") or not shutil.which("make"), reason="needs xvfb-run and make")
def test_make_run_opens_the_window_on_a_real_x_server(tmp_path: Path) -> None:
    """`make run` under Xvfb, through Qt's xcb plugin (QT_QPA_PLATFORM unset): the app writes the
    start-up probe once its window is shown, then quits."""
    import os

    root = Path(__file__).resolve().parents[1]
    probe = tmp_path / "shown"
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY")}
    env.update(ALBUMGEN_STARTUP_PROBE=str(probe), HOME=str(tmp_path))
    done = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1366x768x24", "make", "-o", "setup", "run"],
        cwd=root, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    seconds, torch_loaded = probe.read_text().split()
    assert float(seconds) > 0 and torch_loaded == "False"
