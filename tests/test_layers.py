"""The layer rules of docs/DESIGN.md ("Layers"), checked on the source and on what actually gets imported."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "albumgen_desktop"
HEAVY = {"torch", "transformers", "diffusers"}
QT = {"PySide6", "qasync", "shiboken6"}
RULES = {
    "core": HEAVY | QT,
    "io": HEAVY | QT,
    "engines": QT,
    "models": QT,
    "services": QT,
    "library": QT,
}


def imported_top_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("layer", sorted(RULES))
def test_layer_imports(layer: str) -> None:
    offenders = []
    for path in (PKG / layer).rglob("*.py"):
        bad = imported_top_modules(path) & RULES[layer]
        if bad:
            offenders.append(f"{path.relative_to(PKG)}: {sorted(bad)}")
    assert not offenders, offenders


def test_cli_and_core_do_not_load_torch_or_qt() -> None:
    code = (
        "import sys, albumgen_desktop.cli, albumgen_desktop.core.prompts, albumgen_desktop.io.metadata, "
        "albumgen_desktop.services.analyse\n"
        "print(sorted(m for m in ('torch', 'transformers', 'diffusers', 'PySide6') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# Imports point down only: app > cli > services > library > engines > models > core, io.
BELOW = {
    "library": {"services", "app", "cli"},
    "engines": {"services", "library", "app", "cli"},
    "models": {"services", "library", "engines", "app", "cli"},
    "core": {"services", "library", "engines", "models", "app", "cli", "io"},
    "io": {"services", "library", "engines", "models", "app", "cli"},
}


def _own_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("albumgen_desktop."):
            names.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            names |= {a.name.split(".")[1] for a in node.names if a.name.startswith("albumgen_desktop.")}
    return names


@pytest.mark.parametrize("layer", sorted(BELOW))
def test_imports_point_down(layer: str) -> None:
    offenders = [
        f"{path.relative_to(PKG)}: {sorted(_own_imports(path) & BELOW[layer])}"
        for path in (PKG / layer).rglob("*.py")
        if _own_imports(path) & BELOW[layer]
    ]
    assert not offenders, offenders
