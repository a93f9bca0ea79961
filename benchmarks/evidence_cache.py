"""Per-file analyser evidence cached next to a labelled set's truth.json, keyed by the code that
computes it (so a refit after a change to the model alone reads the cache, and a change to the
evidence recomputes it). Used by fit_tempo.py and fit_key.py."""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterable
from multiprocessing import Pool
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


# The code between the decoded samples and the evidence both fits read: audio_dsp.analysis_signal
# (above analyse_samples) and the content check it runs (DC removal, signal_checks.py).
ANALYSER_VIEW: list[tuple[str, str | None]] = [("audio_dsp.py", "analyse_samples"), ("signal_checks.py", None)]


def analyser_signal(path: Path) -> Any:
    """engines/audio_signal.Signal of the file at ``path`` as the analyser computes it: its analysis
    window (audio_dsp.choose_window) through audio_dsp.analysis_signal. Raises BadInputError naming
    the file when the analyser refuses it (a training render that is silent or noise is broken)."""
    from albumgen_desktop.core.errors import BadInputError
    from albumgen_desktop.engines.audio_dsp import SR, analysis_signal, choose_window
    from albumgen_desktop.io.audio import load_audio

    start, length = choose_window(path)
    y = load_audio(path, sample_rate=SR, start_seconds=start, max_seconds=length).samples
    try:
        return analysis_signal(y)[2]
    except BadInputError as exc:
        raise BadInputError(f"{path}: {exc}") from None


def code_hash(modules: list[tuple[str, str | None]]) -> str:
    """16 hex digits over the code (not the comments or docstrings) of each engines/ module in
    ``modules``, (file name, name of the first top-level function not to include, None for the
    whole file), up to that function: the evidence, not the model fitted on it."""
    parts = []
    for name, stop in modules:
        tree = ast.parse((ROOT / "albumgen_desktop" / "engines" / name).read_text())
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
                if isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
                    body[0] = ast.Pass()
        for node in tree.body:
            if stop is not None and isinstance(node, ast.FunctionDef) and node.name == stop:
                break
            parts.append(ast.dump(node))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _compute(job: tuple[Callable[[Path], Any], Path]) -> Any:
    compute, path = job
    return compute(path)


def cached_evidence(
    truth: Path, cache_name: str, key: str, compute: Callable[[Path], Any], workers: int = 1
) -> list[tuple[dict, Any]]:
    """(truth item, evidence) for every file of ``truth``: ``compute(path)`` (JSON-serialisable, a
    picklable top-level function when ``workers`` > 1), read from ``truth.parent / cache_name``
    when that was written by the same code (``key``, see code_hash), else computed and saved."""
    cache_path = truth.parent / cache_name
    cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}
    if cache.get("key") != key:
        cache = {"key": key, "rows": {}}
    items = json.loads(truth.read_text())
    todo = [item["file"] for item in items if item["file"] not in cache["rows"]]
    if todo:
        print(f"{truth.parent.name}: computing evidence for {len(todo)} files", file=sys.stderr, flush=True)
        jobs = [(compute, truth.parent / name) for name in todo]
        with contextlib.ExitStack() as stack:
            if workers > 1:
                pool = stack.enter_context(Pool(min(workers, os.cpu_count() or 1)))
                results: Iterable[Any] = pool.imap(_compute, jobs, chunksize=2)
            else:
                results = map(_compute, jobs)
            for done, (name, evidence) in enumerate(zip(todo, results, strict=True), 1):
                cache["rows"][name] = evidence
                if done % 50 == 0 or done == len(todo):  # a long run keeps what it has computed
                    _save(cache_path, cache)
    return [(item, cache["rows"][item["file"]]) for item in items]


def _save(path: Path, cache: dict) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(cache))
    tmp.replace(path)
