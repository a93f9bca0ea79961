"""One registry of warm models: a slot holds one model, a new key lets the old go first, and
release_all reaches every slot, including ones it was never told about."""

from __future__ import annotations

import gc
import weakref

import pytest

from albumgen_desktop.core.warm_models import WarmSlot, release_all, warm_slots


class Model:
    pass


def test_a_new_key_releases_the_old_model_before_loading() -> None:
    slot: WarmSlot[Model] = WarmSlot("test-one")
    first = slot.get("a", Model)
    assert slot.get("a", Model) is first
    gone = weakref.ref(first)
    del first
    seen_while_loading: list[bool] = []

    def load() -> Model:
        gc.collect()
        seen_while_loading.append(gone() is None)  # the old model was let go before this one was built
        return Model()

    slot.get("b", load)
    assert seen_while_loading == [True]


def test_release_all_reaches_every_registered_slot() -> None:
    a: WarmSlot[Model] = WarmSlot("test-a")
    b: WarmSlot[Model] = WarmSlot("test-b")
    a.get(1, Model)
    b.get(2, Model)
    assert {a, b} <= set(warm_slots())
    released = release_all()
    assert {"test-a", "test-b"} <= set(released) and not a.loaded and not b.loaded
    assert "test-a" not in release_all()


def test_the_services_register_their_engines() -> None:
    import albumgen_desktop.library.embedders
    import albumgen_desktop.services.analyse
    import albumgen_desktop.services.cover
    import albumgen_desktop.services.music  # noqa: F401

    assert {"musicgen", "diffusion", "clap", "vlm", "clip"} <= {s.name for s in warm_slots()}


def test_a_failed_load_leaves_the_slot_empty() -> None:
    slot: WarmSlot[Model] = WarmSlot("test-fail")
    slot.get("a", Model)

    def broken() -> Model:
        raise OSError("weights unreadable")

    with pytest.raises(OSError, match="unreadable"):
        slot.get("b", broken)
    assert not slot.loaded
