"""A1111 "infotext": the PNG ``parameters`` text image tools write and read.

The shape is the one AUTOMATIC1111's stable-diffusion-webui writes (``create_infotext`` in
modules/processing.py) and parses (``parse_generation_parameters`` in modules/infotext_utils.py)::

    a prompt, which may run over several lines
    Negative prompt: a negative prompt, which may also run over lines
    Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 965400086, Size: 512x512, Model: name, ...

The last line holds ``Key: value`` pairs joined by ", "; a value that contains a comma, a colon
or a newline is written as a JSON string (A1111's ``quote()``). Readers key on the order of the
first pairs: sd-prompt-reader looks for a line starting with ``Steps:``, sd-parsers needs a
``Sampler`` and at least three of Steps/Sampler/CFG scale/Seed, and A1111 itself takes the last
line as settings only when it holds three or more pairs. So every cover we write starts its
settings line with Steps, Sampler, CFG scale, Seed, Size, Model, then our own keys.

A prompt pasted from another tool often carries a whole infotext; ``split_pasted`` takes it
apart so that it is not nested inside ours.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

NEGATIVE_LABEL = "Negative prompt:"
# One "Key: value" pair: a key of words, spaces, dashes or slashes; a JSON string or text up to a comma.
_PAIR = re.compile(r'\s*(\w[\w \-/]*):\s*("(?:\\.|[^\\"])+"|[^,]*)(?:,|$)')
# Keys any A1111 settings line starts with; a pasted line needs one of them to count as settings.
_CORE_KEYS = ("Steps", "Sampler", "CFG scale", "Seed")


def quote(value: object) -> str:
    """A value as A1111 writes it: as is, or as a JSON string when it holds ',' ':' or a newline."""
    text = value if isinstance(value, str) else _plain(value)
    if any(c in text for c in ",:\n"):
        return json.dumps(text, ensure_ascii=False)
    return text


def unquote(text: str) -> str:
    """The inverse of ``quote``: a JSON string is decoded, anything else returned as is."""
    if len(text) >= 2 and text[0] == text[-1] == '"':
        try:
            value = json.loads(text)
        except ValueError:
            return text
        return value if isinstance(value, str) else text
    return text


def _plain(value: object) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def format_infotext(prompt: str, negative_prompt: str, settings: Iterable[tuple[str, object]]) -> str:
    """The ``parameters`` text: prompt, ``Negative prompt:`` line when there is one, settings line.

    ``settings`` are (key, value) pairs in order; None values are left out. Keys must not hold
    ':' or ','. Raises ValueError for such a key (a programming error, not user input).
    """
    pairs = []
    for key, value in settings:
        if value is None:
            continue
        if any(c in key for c in ":,\n"):
            raise ValueError(f"infotext key {key!r} holds ':' ',' or a newline")
        pairs.append(f"{key}: {quote(value)}")
    lines = [prompt.strip()]
    if negative_prompt.strip():
        lines.append(f"{NEGATIVE_LABEL} {negative_prompt.strip()}")
    lines.append(", ".join(pairs))
    return "\n".join(lines)


@dataclass(frozen=True)
class Infotext:
    """A parsed infotext: the prompt, the negative prompt and the settings as text."""

    prompt: str
    negative_prompt: str = ""
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def seed(self) -> int | None:
        """The ``Seed`` setting as a whole number 0..2**32-1, else None."""
        raw = self.settings.get("Seed", "").strip()
        if not raw.isdigit():
            return None
        seed = int(raw)
        return seed if seed <= 2**32 - 1 else None


def parse_settings_line(line: str) -> dict[str, str]:
    """``Key: value`` pairs of one settings line (quoted values decoded); {} when it holds none."""
    out: dict[str, str] = {}
    for key, value in _PAIR.findall(line):
        key = key.strip()
        if key and key not in out:
            out[key] = unquote(value.strip())
    return out


def _is_settings_line(line: str) -> dict[str, str] | None:
    pairs = parse_settings_line(line)
    if len(pairs) >= 3 and any(k in pairs for k in _CORE_KEYS):
        return pairs
    return None


def parse_infotext(text: str) -> Infotext:
    """Split an infotext the way A1111 does: the last line is settings when it holds three or
    more ``Key: value`` pairs (one of them Steps, Sampler, CFG scale or Seed); lines before a
    line starting ``Negative prompt:`` are the prompt, the rest the negative prompt."""
    lines = text.strip().replace("\r\n", "\n").split("\n")
    settings = _is_settings_line(lines[-1]) or {}
    if settings:
        lines = lines[:-1]
    prompt: list[str] = []
    negative: list[str] = []
    target = prompt
    for line in lines:
        stripped = line.strip()
        if target is prompt and stripped.startswith(NEGATIVE_LABEL):
            target = negative
            stripped = stripped[len(NEGATIVE_LABEL) :].strip()
        target.append(stripped)
    return Infotext("\n".join(prompt).strip(), "\n".join(negative).strip(), settings)


def split_pasted(text: str) -> Infotext | None:
    """A prompt pasted from another image tool, taken apart; None when ``text`` is a plain prompt.

    It counts as pasted infotext when it has a line starting ``Negative prompt:`` or ends in a
    settings line (see ``parse_infotext``) after at least one prompt line.
    """
    if not text.strip():
        return None
    parsed = parse_infotext(text)
    has_negative = any(line.strip().startswith(NEGATIVE_LABEL) for line in text.splitlines())
    if not parsed.settings and not has_negative:
        return None
    if not parsed.prompt:
        return None
    return parsed


# diffusers scheduler class -> the A1111/k-diffusion sampler name, from the mapping table in the
# diffusers documentation ("Schedulers" overview: A1111/k-diffusion vs Diffusers).
_SAMPLERS = {
    "EulerDiscreteScheduler": "Euler",
    "EulerAncestralDiscreteScheduler": "Euler a",
    "HeunDiscreteScheduler": "Heun",
    "LMSDiscreteScheduler": "LMS",
    "KDPM2DiscreteScheduler": "DPM2",
    "KDPM2AncestralDiscreteScheduler": "DPM2 a",
    "DPMSolverSinglestepScheduler": "DPM++ SDE",
    "DPMSolverSDEScheduler": "DPM++ SDE",
    "DDIMScheduler": "DDIM",
    "PNDMScheduler": "PLMS",
    "LCMScheduler": "LCM",
    "UniPCMultistepScheduler": "UniPC",
}


def a1111_sampler(scheduler_class: str, config: Mapping[str, Any]) -> str:
    """The A1111 sampler name for a diffusers scheduler (class name and its config).

    DPMSolverMultistepScheduler is "DPM++ 2M" ("DPM++ 2M SDE" with an SDE algorithm type);
    ``use_karras_sigmas`` adds " Karras". A class with no A1111 counterpart keeps its own name.
    """
    if scheduler_class == "DPMSolverMultistepScheduler":
        algorithm = str(config.get("algorithm_type", "dpmsolver++"))
        name = "DPM++ 2M SDE" if algorithm.startswith("sde-") else "DPM++ 2M"
    else:
        name = _SAMPLERS.get(scheduler_class, scheduler_class)
    if config.get("use_karras_sigmas"):
        name += " Karras"
    return name
