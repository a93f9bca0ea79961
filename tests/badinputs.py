"""A corpus of bad and awkward inputs, made by the tests themselves."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import numpy as np
import soundfile as sf
from PIL import Image


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()


def _wav(samples: np.ndarray, rate: int, subtype: str) -> bytes:
    buf = io.BytesIO()
    sf.write(buf, samples, rate, format="WAV", subtype=subtype)
    return buf.getvalue()


def _empty_wav() -> bytes:
    fmt = struct.pack("<HHIIHH", 1, 1, 16000, 32000, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", 0)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _bomb_png() -> bytes:
    # A valid PNG header declaring 30000x30000 pixels; the check must fire before decoding.
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 30000, 30000, 1, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (1 + 30000 // 8) * 8)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def make_corpus(folder: Path) -> dict[str, tuple[Path, str]]:
    """name -> (path, expectation) where expectation is 'error' or 'ok'."""
    rng = np.random.default_rng(0)
    tone = (0.3 * np.sin(np.arange(16000) * 2 * np.pi * 220 / 16000)).astype(np.float32)
    good_png = _png(Image.new("RGB", (32, 32), (10, 120, 200)))
    good_wav = _wav(tone, 16000, "PCM_16")
    animated = io.BytesIO()
    frames = [Image.new("P", (20, 20), i * 40) for i in range(3)]
    frames[0].save(animated, format="GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    cmyk = io.BytesIO()
    Image.new("CMYK", (24, 24), (0, 255, 255, 0)).save(cmyk, format="JPEG")
    grey16 = Image.fromarray(np.full((16, 16), 32768, dtype=np.uint16))
    palette = Image.new("P", (16, 16), 1)
    palette.paste(0, (0, 0, 16, 8))  # top half uses the transparent index
    palette.putpalette([0, 0, 0, 200, 0, 0] + [0] * 762)
    palette.info["transparency"] = 0
    nan_audio = tone.copy()
    nan_audio[100] = np.nan
    items: dict[str, tuple[str, bytes, str]] = {
        "zero_byte_png": ("zero.png", b"", "error"),
        "zero_byte_wav": ("zero.wav", b"", "error"),
        "truncated_png": ("trunc.png", good_png[: len(good_png) // 2], "error"),
        "truncated_wav": ("trunc.wav", good_wav[:30], "error"),
        "text_as_mp3": ("notes.mp3", b"this is not audio at all\n" * 20, "error"),
        "wav_named_png": ("sound.png", good_wav, "ok"),
        "png_named_wav": ("image.wav", good_png, "ok"),
        "decompression_bomb": ("bomb.png", _bomb_png(), "error"),
        "zero_samples": ("empty.wav", _empty_wav(), "error"),
        "nan_samples": ("nan.wav", _wav(nan_audio, 16000, "FLOAT"), "error"),
        "six_channels": ("surround.wav", _wav(np.tile(tone[:, None], (1, 6)), 16000, "PCM_16"), "ok"),
        "8bit_8khz": ("lofi.wav", _wav(tone[::2], 8000, "PCM_U8"), "ok"),
        "noise_flac": ("noise.flac", b"", "ok"),
        "cmyk_jpeg": ("cmyk.jpg", cmyk.getvalue(), "ok"),
        "grey_16bit": ("grey16.png", _png(grey16), "ok"),
        "palette_alpha": ("palette.png", _png(palette), "ok"),
        "animated_gif": ("anim.gif", animated.getvalue(), "ok"),
        "json_nan": ("nan.json", b'{"energy": NaN}', "error"),
        "json_out_of_range": ("range.json", b'{"tempo_bpm": -20, "energy": 7}', "error"),
        "json_not_object": ("list.json", b"[0.5, 0.2]", "error"),
        "json_broken": ("broken.json", b'{"energy": 0.5', "error"),
        "json_binary": ("binary.json", bytes(range(256)), "error"),
    }
    corpus: dict[str, tuple[Path, str]] = {}
    for name, (filename, data, expect) in items.items():
        path = folder / filename
        if name == "noise_flac":
            sf.write(path, rng.uniform(-0.5, 0.5, 8000).astype(np.float32), 16000, format="FLAC")
        else:
            path.write_bytes(data)
        corpus[name] = (path, expect)
    return corpus
