"""The one session-state object: features with their provenance, both prompts with their locks,
the shared title and the generation options. Widgets bind to it; jobs are built from it.

Modelled on krita-ai-diffusion's observable model (``model/properties.py``): every value has a
``*_changed`` signal, setters emit only on a real change, and widgets never keep state of their own.
The last-used options persist in QSettings (``options/<name>``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from PySide6.QtCore import QObject, Signal

from albumgen_desktop.core.errors import AlbumGenError
from albumgen_desktop.core.features import Features
from albumgen_desktop.core.prompts import PROMPT_STYLES, cover_prompt, music_prompt

USER_SOURCE = "you"  # the provenance of a value the artist set by hand


@dataclass(frozen=True)
class Options:
    """Generation options (persisted). Units: seconds, pixels; ``cover_steps`` 0 and
    ``cover_guidance`` < 0 mean the model's own default."""

    engine: str = "auto"  # music engine: auto | sketch | musicgen
    duration_s: float = 10.0
    seed: int = 0
    variations: int = 1
    prompt_style: str = "concise"
    cover_engine: str = "auto"  # auto | sketch | diffusion
    cover_size: int = 1024
    reference: str = ""  # img2img start picture ("" for none); not persisted
    strength: float = 0.6
    # The title (and the style field as artist) lettered on the cover. None: the engine's own
    # default, as on the command line (cli/parser.py --typography: on for sketch, off for diffusion); a
    # new cover engine brings that default back, a tick or untick by the artist overrides it.
    typography: bool | None = None
    advanced: bool = False
    music_guidance: float = 3.0
    temperature: float = 1.0
    cover_steps: int = 0
    cover_guidance: float = -0.5


NOT_PERSISTED = {"reference"}


def _coerce(raw: Any, default: Any) -> Any:
    """A QSettings value (ini files give back strings) as the type of ``default``."""
    if isinstance(default, bool) or default is None:  # None: an optional flag (typography)
        if raw is None or (default is None and str(raw).lower() in ("", "none", "@invalid()")):
            return None if default is None else default
        return raw if isinstance(raw, bool) else str(raw).lower() in ("true", "1")
    return type(default)(raw)


def load_options(store: Any, engine_default: str = "auto") -> Options:
    """Options from a QSettings ``store``; a missing or unreadable value takes its default."""
    base = Options(engine=engine_default)
    values = {}
    for f in fields(Options):
        default = getattr(base, f.name)
        if f.name in NOT_PERSISTED:
            continue
        try:
            values[f.name] = _coerce(store.value(f"options/{f.name}", default), default)
        except (TypeError, ValueError):
            values[f.name] = default
    if values.get("prompt_style") not in PROMPT_STYLES:
        values["prompt_style"] = "concise"
    return replace(base, **values)


class SessionState(QObject):
    features_changed = Signal(object)  # Features
    provenance_changed = Signal(object, object)  # confidence {name: 0..1}, source {name: label}
    analysis_changed = Signal(object)  # the last Analysis (evidence, warnings) or None
    music_prompt_changed = Signal(str, bool)  # text, locked
    cover_prompt_changed = Signal(str, str, bool)  # prompt, negative prompt, locked
    title_changed = Signal(str)
    options_changed = Signal(object)  # Options

    def __init__(self, store: Any = None, engine_default: str = "auto", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self.features = Features()
        self.confidence: dict[str, float] = {}
        self.source: dict[str, str] = {}
        self.analysis: Any = None
        self.title = ""
        self.options = load_options(store, engine_default) if store is not None else Options(engine=engine_default)
        self.music_prompt = ""
        self.music_prompt_locked = False
        self.cover_prompt = ""
        self.cover_negative = ""
        self.cover_prompt_locked = False
        self._regenerate()

    # -- features ------------------------------------------------------------------------

    def set_features(
        self,
        features: Features,
        confidence: dict[str, float] | None = None,
        source: dict[str, str] | None = None,
        analysis: Any = None,
    ) -> None:
        """A new input was analysed: its features and their provenance replace the old ones, and
        both prompts go back to the ones built from them (an edit made for the old input would
        contradict the new sliders)."""
        self.music_prompt_locked = self.cover_prompt_locked = False
        self._replace(features, confidence, source, analysis)

    def _replace(
        self,
        features: Features,
        confidence: dict[str, float] | None = None,
        source: dict[str, str] | None = None,
        analysis: Any = None,
    ) -> None:
        self.features = features
        self.confidence = dict(confidence or {})
        self.source = dict(source or {})
        self.analysis = analysis
        self.features_changed.emit(features)
        self.provenance_changed.emit(self.confidence, self.source)
        self.analysis_changed.emit(analysis)
        self._regenerate()

    def edit_feature(self, name: str, value: Any) -> bool:
        """The artist set one value by hand; it is validated (False when refused) and marked as theirs."""
        if getattr(self.features, name) == value:
            return True
        try:
            features = replace(self.features, **{name: value})
        except (AlbumGenError, TypeError, ValueError):
            return False
        self.features = features
        self.confidence[name] = 1.0
        self.source[name] = USER_SOURCE
        self.features_changed.emit(features)
        self.provenance_changed.emit(self.confidence, self.source)
        self._regenerate()
        return True

    # -- prompts -----------------------------------------------------------------------------

    def set_music_prompt(self, text: str) -> None:
        """An edit by the artist: the prompt is locked (the sliders no longer rewrite it)."""
        if text == self.music_prompt and self.music_prompt_locked:
            return
        self.music_prompt, self.music_prompt_locked = text, True
        self.music_prompt_changed.emit(text, True)

    def reset_music_prompt(self) -> None:
        self.music_prompt_locked = False
        self._regenerate()

    def set_cover_prompt(self, prompt: str, negative: str) -> None:
        if (prompt, negative) == (self.cover_prompt, self.cover_negative) and self.cover_prompt_locked:
            return
        self.cover_prompt, self.cover_negative, self.cover_prompt_locked = prompt, negative, True
        self.cover_prompt_changed.emit(prompt, negative, True)

    def reset_cover_prompt(self) -> None:
        self.cover_prompt_locked = False
        self._regenerate()

    def set_title(self, title: str) -> None:
        if title != self.title:
            self.title = title
            self.title_changed.emit(title)
            self._regenerate()

    def _regenerate(self) -> None:
        """Rewrite the unlocked prompts from the features (and title)."""
        if not self.music_prompt_locked:
            text = music_prompt(self.features, self.options.prompt_style)
            if text != self.music_prompt:
                self.music_prompt = text
            self.music_prompt_changed.emit(text, False)
        if not self.cover_prompt_locked:
            try:
                prompt, negative = cover_prompt(self.features, self.title)
            except AlbumGenError:  # a title the prompt cannot carry: keep the last good prompt
                return
            self.cover_prompt, self.cover_negative = prompt, negative
            self.cover_prompt_changed.emit(prompt, negative, False)

    # -- options -----------------------------------------------------------------------------

    def set_option(self, name: str, value: Any) -> None:
        """Change one option; it persists (except the reference picture) and is announced."""
        if getattr(self.options, name) == value:
            return
        self.options = replace(self.options, **{name: value})
        if name == "cover_engine":
            self.options = replace(self.options, typography=None)  # the new engine's own default
        if self._store is not None and name not in NOT_PERSISTED:
            self._store.setValue(f"options/{name}", value)
            if name == "cover_engine":
                self._store.remove("options/typography")
        self.options_changed.emit(self.options)
        if name == "prompt_style":
            self._regenerate()

    # -- recipes and jobs ------------------------------------------------------------------------

    def apply_recipe(self, recipe: Any) -> None:
        """'Use this recipe' or an export opened: features, prompt, title, seed and duration come back.

        A recipe carries one prompt (its kind's), and only when the artist had edited it; every
        prompt it does not carry goes back to the one built from its features, unlocked, so nothing
        edited for the previous state stays behind to contradict the restored sliders."""
        self.music_prompt_locked = recipe.kind == "music" and bool(recipe.prompt_locked)
        self.cover_prompt_locked = recipe.kind != "music" and bool(recipe.prompt_locked)
        if self.music_prompt_locked:
            self.music_prompt = recipe.prompt
            self.music_prompt_changed.emit(recipe.prompt, True)
        if self.cover_prompt_locked:
            self.cover_prompt, self.cover_negative = recipe.prompt, recipe.negative_prompt
            self.cover_prompt_changed.emit(recipe.prompt, recipe.negative_prompt, True)
        self.set_title(recipe.title)
        duration = recipe.params.get("duration_s")
        if recipe.kind == "music" and isinstance(duration, (int, float)) and not isinstance(duration, bool):
            self.set_option("duration_s", float(duration))
        self.set_option("seed", int(recipe.seed) % (2**31))
        names = [f.name for f in fields(Features)]
        self._replace(recipe.features, dict.fromkeys(names, 1.0), dict.fromkeys(names, "recipe"))

    def music_job(self, precision: str = "auto") -> Any:
        from albumgen_desktop.services.music import MusicJob

        o = self.options
        return MusicJob(
            features=self.features,
            prompt=self.music_prompt if self.music_prompt_locked else "",
            prompt_locked=self.music_prompt_locked,
            duration_s=o.duration_s,
            seed=o.seed,
            engine=o.engine,
            variations=o.variations,
            title=self.title.strip(),
            precision=precision,
            guidance=o.music_guidance if o.advanced else 3.0,  # MusicGen's own default otherwise
            temperature=o.temperature if o.advanced else 1.0,
        )

    def cover_job(self, reference: Any = None, precision: str = "auto", model_id: str | None = None) -> Any:
        """A CoverJob; ``reference`` is the loaded img2img picture (the caller loads ``options.reference``)."""
        from albumgen_desktop.services.cover import CoverJob

        o = self.options
        return CoverJob(
            features=self.features,
            title=self.title.strip(),
            prompt=self.cover_prompt if self.cover_prompt_locked else "",
            negative_prompt=self.cover_negative if self.cover_prompt_locked else None,
            seed=o.seed,
            engine=o.cover_engine,
            size=o.cover_size,
            reference=reference,
            strength=o.strength,
            typography=o.typography,  # None: the engine's default (services/cover.py), as the CLI
            variations=o.variations,
            precision=precision,
            model_id=model_id,
            steps=(o.cover_steps or None) if o.advanced else None,
            guidance=o.cover_guidance if o.advanced and o.cover_guidance >= 0 else None,
        )
