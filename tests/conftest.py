from __future__ import annotations

import os

import pytest
from hypothesis import settings

from tests.hubserver import hub  # noqa: F401  (the local hub fixture, for every test module)

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The engines' torch on one thread (models/device.py reads this): the tiny models' ops are too small to
# share, and on a shared CPU OpenMP's waiting made two threads ~30x slower (5 s of tiny MusicGen: 35-40 s
# on 2 threads, 1.3 s on 1, at load 13).
os.environ.setdefault("ALBUMGEN_THREADS", "1")
# CI explores the same examples every run (a failure reproduces); local runs explore new ones.
settings.register_profile("ci", derandomize=True, deadline=None)
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory, monkeypatch):
    """No test reads or writes the real model cache or user data."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HF_HOME", str(home / "hf"))
    monkeypatch.delenv("HF_HUB_CACHE", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))


@pytest.fixture(autouse=True)
def _no_real_network(monkeypatch):
    """Only loopback: a test (or a library it calls) that reaches for the real network fails at once."""
    import socket

    from tests import netguard

    getaddrinfo, connect = netguard.wrappers()
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
