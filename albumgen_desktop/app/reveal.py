"""Show a file in the system's file manager with the file selected.

Qt has no call for "show this file": ``QDesktopServices.openUrl`` opens a folder only. The ways
each system offers are used instead: the freedesktop.org FileManager1 D-Bus interface
(``ShowItems``; Nautilus, Dolphin, Nemo, Caja, Thunar and others implement it), ``explorer
/select,`` on Windows and ``open -R`` on macOS; else the folder is opened. False means nothing
could be opened (no file manager, no desktop session): the caller says so and gives the path.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from urllib.parse import quote

from PySide6.QtCore import QProcess, QUrl
from PySide6.QtGui import QDesktopServices

DBUS_TIMEOUT_MS = 1500  # the call waits on the GUI thread; a file manager that is there answers at once


def file_url(path: Path) -> QUrl:
    """A ``file:`` URL of ``path`` with its bytes percent-encoded as they are (a name that is not
    UTF-8 survives; ``QUrl.fromLocalFile`` would get a string cut at the first surrogate)."""
    return QUrl.fromEncoded(b"file://" + quote(os.fsencode(path.absolute())).encode("ascii"))


def _show_items_dbus(path: Path) -> bool:
    try:
        from PySide6.QtDBus import QDBus, QDBusConnection, QDBusMessage
    except ImportError:  # Qt built without D-Bus
        return False
    bus = QDBusConnection.sessionBus()
    if not bus.isConnected():
        return False
    call = QDBusMessage.createMethodCall(
        "org.freedesktop.FileManager1", "/org/freedesktop/FileManager1", "org.freedesktop.FileManager1", "ShowItems"
    )
    uri = file_url(path).toString(QUrl.ComponentFormattingOption.FullyEncoded)
    call.setArguments([[uri], f"albumgen-{int(time.time())}"])
    reply = bus.call(call, QDBus.CallMode.Block, DBUS_TIMEOUT_MS)
    return reply.type() == QDBusMessage.MessageType.ReplyMessage


def show_in_file_manager(path: Path) -> bool:
    """Open the file manager at ``path`` with the file selected where the system allows it."""
    if sys.platform == "win32":
        if QProcess.startDetached("explorer.exe", [f"/select,{path}"])[0]:
            return True
    elif sys.platform == "darwin":
        if QProcess.startDetached("open", ["-R", str(path)])[0]:
            return True
    elif _show_items_dbus(path):
        return True
    return QDesktopServices.openUrl(file_url(path.parent))
