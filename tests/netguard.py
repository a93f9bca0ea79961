"""Refuse every connection and name lookup that would leave this machine.

The download tests talk to tests/hubserver.py on 127.0.0.1 and 127.0.0.2 only; huggingface_hub
also makes calls of its own (it fetches ``{ENDPOINT}/api/agent-harnesses`` once a day while it
builds its user agent). With this guard on, anything aimed at the real network fails at once
instead of reaching it. Used in-process (a fixture) and in the child processes the tests start.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

_LOCAL_NAMES = {"localhost", "localhost.localdomain", ""}


def _is_local(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if not isinstance(host, str):
        return False
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


class RealNetworkBlocked(OSError):
    pass


def wrappers() -> tuple[Any, Any]:
    """(getaddrinfo, socket.connect) replacements that refuse anything but loopback."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _is_local(host):
            raise RealNetworkBlocked(f"test tried to resolve {host!r}: the real network is off limits")
        return real_getaddrinfo(host, *args, **kwargs)

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_local(address[0]):
            raise RealNetworkBlocked(f"test tried to connect to {address!r}: the real network is off limits")
        return real_connect(self, address)

    return getaddrinfo, connect


def install() -> None:
    """Patch the socket module of this whole process (for child processes the tests start)."""
    getaddrinfo, connect = wrappers()
    setattr(socket, "getaddrinfo", getaddrinfo)  # noqa: B010  (setattr: the type checker allows patching so)
    setattr(socket.socket, "connect", connect)  # noqa: B010
