"""Generation from the session state: music, cover or both, each a job handle with its own row in
the progress panel. Cancel (and Escape) stays enabled while any handle is alive; streamed music and
diffusion previews show in the result view while the job that owns the view runs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject

from albumgen_desktop.app.history import Result
from albumgen_desktop.app.imports import import_gently, modules_for
from albumgen_desktop.app.jobs import JobHandle
from albumgen_desktop.app.model_state import INSTALLED, engine_model, model_state
from albumgen_desktop.app.wording import Notice, duration_text, failure_notice, model_notice

if TYPE_CHECKING:
    from albumgen_desktop.app.window import MainWindow

STREAM_RATE = 32000  # every MusicGen checkpoint decodes at 32 kHz (services.music.STREAM_SAMPLE_RATE)


class Generation(QObject):
    def __init__(self, main: MainWindow) -> None:
        super().__init__(main)
        self.main = main
        self.handles: list[JobHandle] = []
        self.live_owner: JobHandle | None = None  # the job whose previews the result view shows
        self._streamed: dict[int, list[np.ndarray]] = {}
        self._outcomes: list[tuple[str, str]] = []  # (sentence, level) of the jobs started together
        self.said = ""  # the status text of the last outcome, while it is still shown

    # -- starting -------------------------------------------------------------------------------

    def _model_id(self, neural: str, chosen: str) -> str | None:
        if chosen not in (neural, "auto"):
            return None
        return engine_model(neural, self.main.settings.get("cover_model")).id

    def _model_usable(self, neural: str, chosen: str) -> bool:
        """False (with a notice offering the download) when the artist chose a neural engine without its model."""
        if chosen != neural:
            return True
        from albumgen_desktop.app.window import offline

        entry = engine_model(neural, self.main.settings.get("cover_model"))
        state = model_state(entry)
        if state == INSTALLED:
            return True
        self.main.warn(model_notice(entry.id, state, offline()))
        return False

    def _imports(self, neural: str, chosen: str) -> list[str]:
        """What the job will import: the sketch engines always, the neural one when it will run."""
        if chosen == "sketch":
            return modules_for(["sketch"])
        entry = engine_model(neural, self.main.settings.get("cover_model"))
        return modules_for(["sketch", neural] if model_state(entry) == INSTALLED else ["sketch"])

    def music(self) -> JobHandle | None:
        from albumgen_desktop.services.music import generate_music

        options = self.main.session.options
        if not self._model_usable("musicgen", options.engine):
            return None
        job = self.main.session.music_job(precision=self.main.settings.get("precision"))
        modules = self._imports("musicgen", options.engine)

        def run(report, token):
            import_gently(modules)  # a no-op once the warm-up has run
            return generate_music(job, on_progress=report, cancel=token)

        handle = self.main.generation_runner.submit(run, "music")
        self._track(handle, "Music", self._model_id("musicgen", options.engine))
        total = job.duration_s
        handle.chunk.connect(lambda piece, _fraction, h=handle: self._chunk(h, piece, total))
        handle.finished.connect(self._music_done)
        return handle

    def cover(self) -> JobHandle | None:
        from albumgen_desktop.core.errors import AlbumGenError
        from albumgen_desktop.services.cover import generate_cover

        options = self.main.session.options
        if not self._model_usable("diffusion", options.cover_engine):
            return None
        reference = None
        if options.reference:
            from pathlib import Path

            from albumgen_desktop.io.images import load_image

            try:
                reference = load_image(Path(options.reference))
            except AlbumGenError as exc:
                self.main.warn(Notice(f"The reference picture cannot be used: {exc}"))
                return None
        cover_model = self.main.settings.get("cover_model")
        job = self.main.session.cover_job(
            reference, self.main.settings.get("precision"), None if cover_model == "auto" else cover_model
        )
        modules = self._imports("diffusion", options.cover_engine)

        def run(report, token):
            import_gently(modules)
            return generate_cover(job, on_progress=report, cancel=token)

        handle = self.main.generation_runner.submit(run, "cover")
        self._track(handle, "Cover", self._model_id("diffusion", options.cover_engine))
        handle.preview.connect(lambda image, _fraction, h=handle: self._preview(h, image))
        handle.finished.connect(self._cover_done)
        return handle

    def both(self) -> None:
        """A matching pair: the music and the cover share the sliders, title and seed."""
        self.music()
        self.cover()

    def _track(self, handle: JobHandle, title: str, model_id: str | None) -> None:
        if not self.alive():
            self._outcomes = []  # a new round: the last one's outcome is old news
        self.handles.append(handle)
        self.live_owner = handle
        self.main.progress.track(handle, title)
        handle.failed.connect(lambda failure: self._failed(handle.kind, failure, model_id))
        handle.cancelled.connect(lambda partial: self._cancelled(handle.kind, partial))
        handle.ended.connect(lambda: self._ended(handle))
        self.main.notice.dismiss()
        self.main.say(f"{title}: started.")
        self._update_buttons()

    def cancel_all(self) -> None:
        for handle in self.alive():
            handle.cancel()

    def alive(self) -> list[JobHandle]:
        return [h for h in self.handles if h.alive]

    def _ended(self, handle: JobHandle) -> None:
        self.handles = [h for h in self.handles if h is not handle]
        self._streamed.pop(handle.job_id, None)
        if self.live_owner is handle:
            self.live_owner = None
        self._update_buttons()

    def _update_buttons(self) -> None:
        kinds = {h.kind for h in self.alive()}
        self.main.cancel_button.setEnabled(bool(kinds))
        self.main.music_button.setEnabled("music" not in kinds)
        self.main.cover_button.setEnabled("cover" not in kinds)
        self.main.both_button.setEnabled(not kinds)

    # -- while running --------------------------------------------------------------------------

    def _chunk(self, handle: JobHandle, piece: Any, total_s: float) -> None:
        """Streamed MusicGen audio (variations, samples): it plays at once and the waveform grows."""
        if piece.shape[1] == 0:
            return
        parts = self._streamed.setdefault(handle.job_id, [])
        transport = self.main.transport
        if transport.available:
            if not parts:
                transport.stream_start(handle, piece[0], STREAM_RATE)
            elif transport.owner is handle:
                transport.stream_append(piece[0])
        parts.append(np.asarray(piece[0], dtype=np.float32))
        if handle is self.live_owner:
            samples = np.concatenate(parts)
            made = f"{duration_text(len(samples) / STREAM_RATE)} of {duration_text(total_s)} made so far"
            self.main.result_view.show_live_music(samples, STREAM_RATE, f"Music: generating (live), {made}")

    def _preview(self, handle: JobHandle, image: Any) -> None:
        if handle is self.live_owner:
            self.main.result_view.show_live_image(image, "Cover: taking shape (live preview)")

    # -- outcomes -----------------------------------------------------------------------------

    def _keep_music(self, result) -> None:
        n = len(result.recipes)
        for i, (audio, recipe) in enumerate(zip(result.audio, result.recipes, strict=True)):
            take = (i + 1, n) if n > 1 else None
            self.main.results.keep(Result(recipe, None, audio=audio, rate=result.sample_rate, take=take), i == 0, i)

    def _keep_covers(self, result, of: int = 0) -> None:
        n = max(of, len(result.images))
        for i, (image, recipe) in enumerate(zip(result.images, result.recipes, strict=True)):
            take = (i + 1, n) if n > 1 else None
            self.main.results.keep(Result(recipe, None, image=image, take=take), i == 0, i)

    def _music_done(self, result) -> None:
        self._keep_music(result)
        self._done("Music", result.notices)

    def _cover_done(self, result) -> None:
        self._keep_covers(result)
        self._done("Cover", result.notices)

    def _done(self, what: str, notices: list[str]) -> None:
        from albumgen_desktop.app.wording import sentence

        extra = " ".join(sentence(n) for n in notices)
        self._report(f"{what}: done. {extra}".strip(), "info")

    def _failed(self, kind: str, failure, model_id: str | None) -> None:
        notice = failure_notice(kind, failure.error, failure.message, model_id)
        self.main.warn(notice)
        self._report(notice.text, "error")

    def _cancelled(self, kind: str, partial) -> None:
        kept = ""
        if kind == "cover" and partial is not None:  # finished variations are kept
            self._keep_covers(partial, self.main.session.options.variations)
            n = len(partial.images)
            kept = f" ({n} take{'s' if n != 1 else ''} kept)"
        self._report(f"{'Music' if kind == 'music' else 'Cover'}: cancelled{kept}.", "info")

    def _report(self, text: str, level: str) -> None:
        """The outcome of one job, said together with those of the jobs started with it
        ("Music: cancelled. Cover: cancelled."), in the status bar and under the progress rows."""
        self._outcomes.append((text, level))
        combined = " ".join(t for t, _ in self._outcomes)
        worst = "error" if any(lv == "error" for _, lv in self._outcomes) else "info"
        self.main.say(combined)
        self.main.progress.show_outcome(combined, worst)
        self.said = self.main.status.text()

    def outcome_overtaken(self) -> None:
        """The artist moved on (chose another result): the last jobs' outcome line, its words in
        the status bar and the notices about those jobs go; anything said since stays."""
        if self.said and self.main.status.text() == self.said:
            self.main.status.setText("")
        self.said = ""
        self.main.progress.show_outcome("")
        self.main.notice.dismiss_topic("music", "cover")

    # -- memory ---------------------------------------------------------------------------------

    def check_memory(self) -> None:
        """Under memory pressure, let the warm models go (only between jobs)."""
        from albumgen_desktop.services.models_in_memory import available_memory_gb, unload_if_memory_low

        free = available_memory_gb()
        if not self.alive() and free is not None and free < 1.0:
            self.main.generation_runner.submit(lambda report, token: unload_if_memory_low(1.0), "free")
            self.main.say(f"Memory is low ({free:.1f} GB free): models unloaded.")

    def free_models(self) -> JobHandle:
        from albumgen_desktop.services.models_in_memory import unload_all

        self.main.say("Models unloaded.")
        return self.main.generation_runner.submit(lambda report, token: unload_all(), "free")
