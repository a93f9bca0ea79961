"""The window names models as the rest of the app does (the manifest's label, never a bare id), and
"Set the title on the cover" follows the command line's default for the chosen engine."""

from __future__ import annotations

import argparse

import pytest

pytest.importorskip("PySide6")

from albumgen_desktop.app.model_state import INSTALLED, EngineState
from albumgen_desktop.app.window import MainWindow
from albumgen_desktop.app.wording import failure_notice, model_notice
from albumgen_desktop.core.errors import ModelMissingError
from albumgen_desktop.models.manifest import ROLES, load_manifest, role_label
from tests.guitools import no_dialogs, window

__all__ = ["no_dialogs", "window"]  # fixtures


@pytest.mark.parametrize("entry", load_manifest(), ids=lambda e: e.id)
@pytest.mark.parametrize("state", ["not downloaded", "incomplete", "damaged"])
def test_model_notices_name_the_model_by_its_manifest_label(entry, state: str) -> None:
    label = entry.label()
    text = model_notice(entry.id, state).text
    assert text.startswith(label[0].upper() + label[1:]), text
    assert entry.id not in text.replace(entry.display_name, "")  # the id only where the name is the id
    error = ModelMissingError(f"model {entry.id} ({entry.repo}) is not downloaded")
    for offline in ("", " (offline)"):
        failed = failure_notice("cover", error, str(error) + offline, entry.id)
        assert label[1:] in failed.text and entry.id not in failed.text.replace(entry.display_name, "")
        assert failed.model_id == entry.id  # Download… opens the manager at it


def test_the_model_manager_uses_the_manifests_role_words() -> None:
    from albumgen_desktop.app.models_dialog import ROLE_NAMES, role_name

    assert all(role_name(role) == role_label(role) for role in ROLES)
    assert ROLE_NAMES == {role: role_label(role) for role in ROLES}


def _cli_typography_default() -> object:
    """What `albumgen cover` passes as typography when the flag is not given."""
    from albumgen_desktop.cli import build_parser

    parser = build_parser()
    args = parser.parse_args(["cover", "-o", "out.png"])
    assert isinstance(args, argparse.Namespace)
    return args.typography


def test_lettering_follows_the_engine_as_on_the_command_line(window: MainWindow, qtbot) -> None:
    from albumgen_desktop.services.cover import CoverJob

    ready = {"diffusion": EngineState("diffusion", "sdxs-512", INSTALLED)}
    options, session = window.options, window.session
    session.set_option("cover_engine", "diffusion")
    assert not options.typography.isChecked()  # off for diffusion, as `albumgen cover --engine diffusion`
    assert session.cover_job().typography == _cli_typography_default()
    session.set_option("cover_engine", "sketch")
    assert options.typography.isChecked()  # on for the sketch painter
    options.typography.setChecked(False)  # the artist's choice overrides the default …
    assert session.cover_job().typography is False
    session.set_option("cover_engine", "auto")  # … until another engine is chosen
    options.set_engine_states(ready)  # auto: the diffusion model is installed, so it runs
    assert not options.typography.isChecked() and session.cover_job().typography is None
    options.set_engine_states({})  # auto: nothing installed, the sketch painter runs
    assert options.typography.isChecked()
    assert CoverJob.__dataclass_fields__["typography"].default is None  # the services decide per engine
