"""Read and validate models_manifest.json: the one place that names models, revisions and licences."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from albumgen_desktop.core.errors import AlbumGenError, BadInputError, ModelMissingError
from albumgen_desktop.models.hub_settings import hub_cache_dir
from albumgen_desktop.models.installed import ModelState, SnapshotCheck, check_snapshot, repo_folder

__all__ = [
    "Bundle", "License", "ModelEntry", "ModelState", "hub_cache_dir", "installed_snapshot", "role_label", "role_noun",
]  # fmt: skip

MANIFEST_PATH = Path(__file__).with_name("models_manifest.json")
ROLES = ("music", "melody", "cover", "cover-quality", "preview-decoder", "image-analysis", "audio-analysis", "vlm")
TIERS = ("cpu", "cuda")

# What each role does, for people: a column heading's worth (the model manager's "Use" column)
# and the noun a sentence names the model by ("the music model (MusicGen small) is not downloaded").
_ROLE_LABELS = {  # the model manager's Use column shows these words (app/models_dialog.py role_name)
    "music": ("Music", "the music model"),
    "melody": ("Music that follows a melody", "the melody model"),
    "cover": ("Covers", "the cover model"),
    "cover-quality": ("Covers, higher quality (graphics card)", "the higher-quality cover model"),
    "preview-decoder": ("Live previews while a cover paints", "the preview decoder"),
    "image-analysis": ("Reading covers", "the cover-reading model"),
    "audio-analysis": ("Reading tracks", "the track-reading model"),
    "vlm": ("Describing covers in detail", "the cover-describing model"),
}


def role_label(role: str) -> str:
    """What a model of ``role`` does, in a few words for people: "preview-decoder" -> "Live previews
    while a cover paints", "vlm" -> "Describing covers in detail". An unknown role is returned as it is."""
    return _ROLE_LABELS.get(role, (role, ""))[0]


def role_noun(role: str) -> str:
    """How a sentence names a model of ``role``: "the music model", "the preview decoder"
    ("the model" for an unknown role)."""
    return _ROLE_LABELS.get(role, ("", "the model"))[1] or "the model"


@dataclass(frozen=True)
class License:
    name: str
    summary: str
    commercial: bool


@dataclass(frozen=True)
class ModelEntry:
    id: str
    role: str
    repo: str
    revision: str
    files: tuple[str, ...]
    size_bytes: int
    license: License
    ram_gb: float
    tiers: tuple[str, ...]
    why: str
    sha256: dict[str, str] = field(default_factory=dict)  # file name -> hex digest, where known
    optional_files: tuple[str, ...] = ()  # fetched when the repo has them (a 404 is not an error)
    variant: str | None = None  # diffusers weight variant the files are, e.g. "fp16"
    defaults: dict[str, Any] = field(default_factory=dict)  # sampling defaults (steps, guidance, size)
    name: str = ""  # for people: "MusicGen small" (the id stays for what a person types)
    summary: str = ""  # one plain sentence for the artist: what it does for them (the model manager shows it)

    @property
    def display_name(self) -> str:
        """The model's name for people ("MusicGen small"), its id when the manifest gives none."""
        return self.name or self.id

    def label(self) -> str:
        """The model in a sentence: "the music model (MusicGen small)"."""
        return f"{role_noun(self.role)} ({self.display_name})"

    def cache_dir(self) -> Path:
        """Where huggingface_hub keeps this repo: ``<cache>/models--org--name`` (see hub_settings)."""
        return repo_folder(self)

    def check(self) -> SnapshotCheck:
        """The state of this model in the cache with the reasons (models/installed.py); no network."""
        return check_snapshot(self)

    def state(self) -> ModelState:
        """ "installed", "not downloaded", "incomplete" or "damaged" (a ``str`` enum; ``.label`` is
        the wording for a person, e.g. "damaged: download again")."""
        return check_snapshot(self).state

    def is_installed(self) -> bool:
        """True only when the model is usable: every manifest file in place with its size."""
        return check_snapshot(self).state is ModelState.INSTALLED

    def availability_note(self) -> str:
        """Why the model cannot be used now, in a few words for people: "the music model (MusicGen
        small) is damaged (download it again)"."""
        state = self.state()
        advice = {
            ModelState.NOT_DOWNLOADED: "is not downloaded",
            ModelState.INCOMPLETE: "is only partly downloaded",
            ModelState.DAMAGED: "is damaged (download it again)",
            ModelState.INSTALLED: "is installed",
        }[state]
        return f"{self.label()} {advice}"

    def missing(self, instead: str = "use --engine sketch") -> ModelMissingError:
        """The error for a neural path whose weights are not usable (exit code 3): one line naming
        the model, what is wrong and the fix (the id only where it is to be typed)."""
        result = check_snapshot(self)
        command = f"'albumgen models download {self.id}'"
        if result.state is ModelState.DAMAGED:
            why = f" ({result.problems[0]})" if result.problems else ""
            return ModelMissingError(
                f"{self.label()} is damaged{why}; run {command} to download it again, or {instead}"
            )
        if result.state is ModelState.INCOMPLETE:
            return ModelMissingError(
                f"{self.label()} is only partly downloaded; run {command} to finish it, or {instead}"
            )
        return ModelMissingError(f"{self.label()} is not downloaded; run {command} or {instead}")


def _require(entry: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = entry.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise BadInputError(f"manifest entry {entry.get('id', '?')!r}: {key!r} must be {kind}")
    return value


def _entry(raw: Any) -> ModelEntry:
    if not isinstance(raw, dict):
        raise BadInputError("manifest: every model must be an object")
    lic = _require(raw, "license", dict)
    files = _require(raw, "files", list)
    if not files or not all(isinstance(f, str) for f in files):
        raise BadInputError(f"manifest entry {raw.get('id')!r}: files must list file names or patterns")
    weights = [f for f in files if f.endswith((".bin", ".pt", ".pth", ".ckpt", ".pkl"))]
    if weights:
        raise BadInputError(f"manifest entry {raw.get('id')!r}: pickle weights are not allowed ({weights})")
    role = _require(raw, "role", str)
    if role not in ROLES:
        raise BadInputError(f"manifest entry {raw.get('id')!r}: unknown role {role!r}")
    tiers = tuple(_require(raw, "tiers", list))
    if not set(tiers) <= set(TIERS):
        raise BadInputError(f"manifest entry {raw.get('id')!r}: tiers must be among {TIERS}")
    return ModelEntry(
        id=_require(raw, "id", str),
        role=role,
        repo=_require(raw, "repo", str),
        revision=_require(raw, "revision", str),
        files=tuple(files),
        size_bytes=_require(raw, "size_bytes", int),
        license=License(
            name=_require(lic, "name", str),
            summary=_require(lic, "summary", str),
            commercial=bool(lic.get("commercial")),
        ),
        ram_gb=float(_require(raw, "ram_gb", (int, float))),
        tiers=tiers,
        why=_require(raw, "why", str),
        sha256=_hashes(raw),
        optional_files=tuple(_optional_list(raw, "optional_files")),
        variant=raw.get("variant") if isinstance(raw.get("variant"), str) else None,
        defaults=_defaults(raw),
        name=_require(raw, "name", str),
        summary=_require(raw, "summary", str),
    )


def _optional_list(raw: dict[str, Any], key: str) -> list[str]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise BadInputError(f"manifest entry {raw.get('id')!r}: {key} must list file names")
    if any(v.endswith((".bin", ".pt", ".pth", ".ckpt", ".pkl")) for v in value):
        raise BadInputError(f"manifest entry {raw.get('id')!r}: pickle weights are not allowed")
    return value


def _defaults(raw: dict[str, Any]) -> dict[str, Any]:
    value = raw.get("defaults", {})
    if not isinstance(value, dict):
        raise BadInputError(f"manifest entry {raw.get('id')!r}: defaults must be an object")
    checks: dict[str, type | tuple[type, ...]] = {
        "steps": int, "guidance": (int, float), "native_size": int, "scheduler": str,
    }  # fmt: skip
    for key, kind in checks.items():
        if key in value and (not isinstance(value[key], kind) or isinstance(value[key], bool)):
            raise BadInputError(f"manifest entry {raw.get('id')!r}: defaults.{key} has the wrong type")
    unknown = set(value) - set(checks)
    if unknown:
        raise BadInputError(f"manifest entry {raw.get('id')!r}: unknown defaults {sorted(unknown)}")
    return dict(value)


@dataclass(frozen=True)
class Bundle:
    id: str
    name: str
    models: tuple[str, ...]
    summary: str

    def entries(self, entries: list[ModelEntry] | None = None) -> list[ModelEntry]:
        return [find_model(m, entries) for m in self.models]

    def size_bytes(self, entries: list[ModelEntry] | None = None) -> int:
        return sum(e.size_bytes for e in self.entries(entries))


def load_bundles(path: Path | None = None) -> list[Bundle]:
    path = path or MANIFEST_PATH
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    entries = load_manifest(path)
    ids = {e.id for e in entries}
    bundles = []
    for raw in data.get("bundles", []):
        if not isinstance(raw, dict) or not isinstance(raw.get("models"), list):
            raise BadInputError("manifest: every bundle must be an object with a models list")
        missing = [m for m in raw["models"] if m not in ids]
        if missing:
            raise BadInputError(f"bundle {raw.get('id')!r} names unknown models {missing}")
        bundles.append(Bundle(
            id=_require(raw, "id", str), name=_require(raw, "name", str), models=tuple(raw["models"]),
            summary=_require(raw, "summary", str),
        ))  # fmt: skip
    return bundles


def find_bundle(bundle_id: str, path: Path | None = None) -> Bundle:
    bundles = load_bundles(path)
    for bundle in bundles:
        if bundle.id == bundle_id:
            return bundle
    raise BadInputError(f"unknown bundle {bundle_id!r}; known bundles: {', '.join(b.id for b in bundles)}")


def _hashes(raw: dict[str, Any]) -> dict[str, str]:
    hashes = raw.get("sha256", {})
    if not isinstance(hashes, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and len(v) == 64 for k, v in hashes.items()
    ):
        raise BadInputError(f"manifest entry {raw.get('id')!r}: sha256 must map file names to 64-hex digests")
    return dict(hashes)


def load_manifest(path: Path = MANIFEST_PATH) -> list[ModelEntry]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise AlbumGenError(f"the models manifest {path} cannot be read: {exc}") from None
    if not isinstance(data, dict) or data.get("schema_version") != 1 or not isinstance(data.get("models"), list):
        raise BadInputError("the models manifest must be an object with schema_version 1 and a models list")
    entries = [_entry(m) for m in data["models"]]
    ids = [e.id for e in entries]
    if len(set(ids)) != len(ids):
        raise BadInputError("the models manifest names a model id twice")
    return entries


def find_model(model_id: str, entries: list[ModelEntry] | None = None) -> ModelEntry:
    entries = load_manifest() if entries is None else entries
    for entry in entries:
        if entry.id == model_id or entry.repo == model_id:
            return entry
    known = ", ".join(e.id for e in entries)
    raise BadInputError(f"unknown model {model_id!r}; known models: {known}")


def installed_snapshot(entry: ModelEntry) -> Path | None:
    """The snapshot folder of ``entry``'s pinned revision when the model is installed (every
    manifest file there with its size, see models/installed.py), else None."""
    result = check_snapshot(entry)
    return result.snapshot if result.state is ModelState.INSTALLED else None


def model_for_role(role: str, entries: list[ModelEntry] | None = None) -> ModelEntry:
    entries = load_manifest() if entries is None else entries
    for entry in entries:
        if entry.role == role:
            return entry
    raise AlbumGenError(f"the models manifest names no model for {role}")
