"""The models kept warm between jobs, registered in one place so they can all be let go at once.

Each engine's service holds its loaded model in a ``WarmSlot``: one model at a time (loading
another lets the first go before the new one is built, so two never share the memory), keyed by
what it was loaded from (snapshot folder, precision, ...). Every slot registers itself when it is
made, so ``release_all`` reaches every loaded model without knowing the modules that hold them.
Pure Python: the slots hold whatever the engines build; nothing here imports torch.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")

_SLOTS: list[WarmSlot] = []
_SLOTS_LOCK = threading.Lock()


class WarmSlot(Generic[T]):
    """At most one loaded model of one kind (``name``: "musicgen", "diffusion", "clap", ...)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._key: Hashable | None = None
        self._model: T | None = None
        self._lock = threading.RLock()
        with _SLOTS_LOCK:
            _SLOTS.append(self)

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        """The model loaded for ``key``; a different key releases the old model first, then calls
        ``load()`` (whose errors pass through, leaving the slot empty)."""
        with self._lock:
            if self._model is None or self._key != key:
                self.release()
                self._model = load()
                self._key = key
            return self._model

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def release(self) -> bool:
        """Let the model go; True when there was one."""
        with self._lock:
            had = self._model is not None
            self._key = self._model = None
            return had


def warm_slots() -> tuple[WarmSlot, ...]:
    """Every slot made so far (one per engine whose service module has been imported)."""
    with _SLOTS_LOCK:
        return tuple(_SLOTS)


def release_all() -> list[str]:
    """Let every warm model go; returns the names of the slots that held one."""
    return [slot.name for slot in warm_slots() if slot.release()]
