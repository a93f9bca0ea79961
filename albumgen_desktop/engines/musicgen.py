"""MusicGen through transformers: streaming chunks, cancel, CPU precision paths, long tracks, melody.

Decoding. MusicGen (small/medium/large) runs in the engine's own sampling loop
(engines/musicgen_decoder.py): the same weights and, for a seed, the same tokens as
transformers' generate, with less bookkeeping per step (see benchmarks/bench_music.py).
MusicGen-melody, which puts its conditioning in front of the decoder input instead of
cross-attending to it, runs in the same loop. A callback sees the token matrix after
every step.

Streaming. MusicGen predicts 4 codebooks with a delay pattern: codebook k of
frame j is generated at step j + k + 1, so frame j is complete once step j + K
has run. The per-step callback applies the delay mask, and every ~1 s of complete
frames decodes them with EnCodec. Each chunk is decoded with 0.5 s of earlier
frames as left context (EnCodec's LSTM state) and four later frames as right
context (its non-causal convolutions), so the concatenated chunks equal a
one-shot decode of the same codes to within float rounding.

Long tracks. Past one window (30 s), the next window is generated with the last
10 s of codes as the decoder prompt; the model continues the token stream and
the codec decodes across the seam with the earlier codes as context, so the
seam has no click and needs no crossfade.

Cancel. The same callback checks the cancel token every step and stops generation;
the complete frames so far are decoded and returned with the CancelledError.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from albumgen_desktop.core.errors import BadInputError, CancelledError, NonFiniteOutputError
from albumgen_desktop.core.progress import CancelToken
from albumgen_desktop.engines.packed_linear import pack_linears_bf16
from albumgen_desktop.models.device import Placement, choose_placement, cpu_has_native_bf16

WINDOW_FRAMES = 1500  # 30 s at 50 Hz: MusicGen's training length
CONTINUATION_CONTEXT_FRAMES = 500  # 10 s of codes carried into the next window
FIRST_CHUNK_FRAMES = 12  # 0.24 s: a first "peek" arrives within a couple of seconds on a CPU
CHUNK_FRAMES = 50  # then ~1 s chunks
DECODE_CONTEXT_FRAMES = 25
# EnCodec's first convolution is non-causal with kernel 7 at the frame rate: it looks 3 frames
# ahead, and the upsampling stack after it a few samples more (measured: 3 frames leave errors
# of 4e-3 just before each seam, 4 frames match a one-shot decode to 1e-7).
DECODE_LOOKAHEAD_FRAMES = 4
MAX_DURATION_S = 600.0
# t5-base reads at most 512 tokens (model_max_length in the tokenizer_config.json that every MusicGen
# checkpoint ships); a longer prompt is cut there, with a note.
TEXT_TOKEN_LIMIT = 512
# MusicGen-melody puts chroma and text in front of the tokens, inside the decoder's position table
# (max_position_embeddings 2048 in facebook/musicgen-melody's config.json). A long prompt leaves less
# room, and the window shrinks to fit (the track continues across windows); it never shrinks below
# this, because the text is cut first.
MIN_WINDOW_FRAMES = 250

ChunkCallback = Callable[[np.ndarray, float], None]  # (audio (variations, samples), fraction done)


@dataclass(frozen=True)
class MusicRequest:
    prompt: str
    duration_s: float = 10.0
    seed: int = 0
    guidance: float = 3.0
    temperature: float = 1.0
    top_k: int = 250
    variations: int = 1
    melody: np.ndarray | None = None  # mono float32 at melody_rate
    melody_rate: int = 32000

    def validate(self) -> None:
        if not self.prompt.strip():
            raise BadInputError("the music prompt is empty")
        if not 0.5 <= self.duration_s <= MAX_DURATION_S:
            raise BadInputError(f"duration must be between 0.5 and {MAX_DURATION_S:g} seconds")
        if not 1 <= self.variations <= 8:
            raise BadInputError("variations must be between 1 and 8")
        if not (0.0 < self.temperature <= 3.0) or not (0 <= self.guidance <= 20) or self.top_k < 0:
            raise BadInputError("temperature must be 0..3, guidance 0..20 and top-k non-negative")


class MelodyChroma:
    """MusicGen-melody's conditioning: the dominant pitch class per STFT frame, one-hot.

    Computed here with torch.stft because transformers' feature extractor needs
    torchaudio, which has no build for current torch; only the argmax per frame
    matters, so the spectrogram's scale is irrelevant.
    """

    def __init__(self, sampling_rate: int, n_fft: int, hop_length: int, n_chroma: int, chunk_length: int) -> None:
        from transformers.audio_utils import chroma_filter_bank

        self.sampling_rate, self.n_fft, self.hop_length = sampling_rate, n_fft, hop_length
        self.max_samples = chunk_length * sampling_rate
        self.filters = chroma_filter_bank(
            sampling_rate=sampling_rate, num_frequency_bins=n_fft, tuning=0, num_chroma=n_chroma
        )

    @classmethod
    def from_model_dir(cls, model_dir: Path) -> MelodyChroma:
        import json

        cfg = json.loads((Path(model_dir) / "preprocessor_config.json").read_text())
        return cls(
            sampling_rate=int(cfg.get("sampling_rate", 32000)),
            n_fft=int(cfg.get("n_fft", 16384)),
            hop_length=int(cfg.get("hop_length", 4096)),
            n_chroma=int(cfg.get("num_chroma", cfg.get("n_chroma", 12))),
            chunk_length=int(cfg.get("chunk_length", 30)),
        )

    def __call__(self, audio: np.ndarray, device=None):
        """(1, frames, n_chroma) one-hot float32 on ``device`` (default CPU) for mono float32 audio
        at ``sampling_rate``. The STFT runs on ``device``: melody conditioning stays on the GPU."""
        import torch

        wave = torch.from_numpy(np.ascontiguousarray(audio[: self.max_samples], dtype=np.float32)).to(device)
        if wave.shape[-1] < self.n_fft:
            pad = self.n_fft - wave.shape[-1]
            wave = torch.nn.functional.pad(wave, (pad // 2, pad - pad // 2))
        window = torch.hann_window(self.n_fft, device=wave.device)
        spec = torch.stft(wave, self.n_fft, self.hop_length, window=window, center=True, return_complex=True).abs() ** 2
        filters = torch.from_numpy(self.filters).to(device=wave.device, dtype=torch.float32)
        chroma = filters @ spec  # (n_chroma, frames)
        onehot = torch.nn.functional.one_hot(chroma.argmax(dim=0), num_classes=chroma.shape[0])
        return onehot.to(torch.float32)[None]


class ChunkDecoder:
    """Turns the growing (delay-patterned) token matrix into audio chunks."""

    def __init__(
        self,
        audio_encoder,
        num_codebooks: int,
        delay_mask,
        batch: int,
        emitted_frames: int = 0,
        on_audio: Callable[[np.ndarray], None] | None = None,
        healthy: Callable[[], bool] | None = None,
    ) -> None:
        """``delay_mask`` (batch * K, length) lives on the device of the token matrix; ``healthy``
        is asked before each chunk is decoded (False: the decoder's logits were not finite)."""
        self.audio_encoder = audio_encoder
        self.healthy = healthy
        self.k = num_codebooks
        self.mask = delay_mask
        self.batch = batch
        self.emitted = emitted_frames
        self.on_audio = on_audio
        self.pieces: list[np.ndarray] = []
        self._next = FIRST_CHUNK_FRAMES if emitted_frames == 0 else CHUNK_FRAMES
        self.final_codes = None

    def codes(self, raw_ids):
        """(batch, K, complete_frames) codes from the raw token matrix."""
        import torch

        length = raw_ids.shape[-1]
        mask = self.mask[..., :length]
        ids = torch.where(mask == -1, raw_ids, mask).reshape(self.batch, self.k, length)
        frames = max(0, length - self.k)
        return torch.stack([ids[:, k, k + 1 : k + 1 + frames] for k in range(self.k)], dim=1)

    def _decode(self, codes, start: int, end: int, final: bool) -> np.ndarray:
        import torch

        lo = max(0, start - DECODE_CONTEXT_FRAMES)
        hi = codes.shape[-1] if final else min(codes.shape[-1], end + DECODE_LOOKAHEAD_FRAMES)
        with torch.inference_mode():
            audio = self.audio_encoder.decode(codes[None, :, :, lo:hi], [None] * self.batch).audio_values
        hop = audio.shape[-1] // (hi - lo)
        piece = audio[:, 0, (start - lo) * hop : (end - lo) * hop].float().cpu().numpy()
        if not np.isfinite(piece).all():
            raise NonFiniteOutputError("EnCodec decoded NaN or infinite samples")
        return piece

    def update(self, raw_ids, final: bool = False, end_of_track: bool = True) -> None:
        """Decode what is ready. ``final`` flushes; at the end of a window that another window
        continues, the last DECODE_LOOKAHEAD_FRAMES wait for the next window, which has their right context."""
        if not final and max(0, raw_ids.shape[-1] - self.k) - DECODE_LOOKAHEAD_FRAMES - self.emitted < self._next:
            return  # most steps: no chunk is due, so skip rebuilding the codes
        codes = self.codes(raw_ids)
        if final:
            self.final_codes = codes
        at_end = final and end_of_track
        available = codes.shape[-1] if at_end else codes.shape[-1] - DECODE_LOOKAHEAD_FRAMES
        if available <= self.emitted:
            return
        if not final and available - self.emitted < self._next:
            return
        if self.healthy is not None and not self.healthy():
            raise NonFiniteOutputError("the MusicGen decoder produced NaN or infinite logits")
        piece = self._decode(codes, self.emitted, available, at_end)
        self.emitted = available
        self._next = CHUNK_FRAMES
        self.pieces.append(piece)
        if self.on_audio is not None:
            self.on_audio(piece)

    def audio(self) -> np.ndarray:
        if not self.pieces:
            return np.zeros((self.batch, 0), dtype=np.float32)
        return np.concatenate(self.pieces, axis=1)


class MusicGenEngine:
    """A MusicGen (or MusicGen-melody) checkpoint folder, loaded once and kept warm.

    Device discipline: the weights are loaded on the CPU in fp32, then moved and cast once
    (``_place``); every tensor the sampling loop creates afterwards (delay mask, token matrix,
    attention buffers, the "no melody" chroma, the chroma itself) is made on the device of
    the weights, and audio leaves the device only as finished numpy chunks.
    """

    def __init__(self, model_dir: Path, precision: str = "auto", device: str = "auto") -> None:
        import torch
        from transformers import AutoConfig, AutoTokenizer
        from transformers.utils import logging as hf_logging

        from albumgen_desktop.engines.musicgen_decoder import MusicgenDecoderStepper

        hf_logging.disable_progress_bar()
        # transformers notes that pad/start id 2048 lies outside the 2048-code vocabulary, which is by
        # design in every MusicGen config; the command's stderr is for its own messages
        hf_logging.set_verbosity_error()
        self._torch = torch
        config = AutoConfig.from_pretrained(model_dir)
        self.is_melody = config.model_type == "musicgen_melody"
        from transformers import MusicgenForConditionalGeneration, MusicgenMelodyForConditionalGeneration

        model_class: Any = (
            MusicgenMelodyForConditionalGeneration if self.is_melody else MusicgenForConditionalGeneration
        )
        self.model_dir = Path(model_dir)
        placement: Placement = choose_placement(precision, device)
        model = model_class.from_pretrained(model_dir, use_safetensors=True).eval()
        # the stepper takes over the decoder's weights (fused); transformers' copies are freed
        self.stepper = MusicgenDecoderStepper(model.decoder, consume=True).eval()
        self.model = model
        self.placement = Placement("cpu", "fp32")
        self._place(placement)
        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.chroma = MelodyChroma.from_model_dir(model_dir) if self.is_melody else None
        self.sample_rate = int(self.model.config.audio_encoder.sampling_rate)
        self.num_codebooks = int(self.model.decoder.num_codebooks)
        self.max_positions = int(self.stepper.positions.shape[0])
        if getattr(self.model.decoder.config, "audio_channels", 1) != 1:
            raise BadInputError("stereo MusicGen checkpoints are not supported; use a mono one")
        gen = self.model.generation_config
        self.start_id = int(gen.decoder_start_token_id)
        self.notices: list[str] = []  # what the last generate() changed about the request

    @property
    def device(self):
        """The device the decoder's weights live on; every tensor of a request is made there."""
        return self.stepper.embeddings.device

    def _place(self, placement: Placement) -> None:
        """Move and cast the model as loaded (fp32 on the CPU) to ``placement``, each part in one
        ``.to(device, dtype)``. EnCodec stays fp32: it is small, and the audio it writes should not
        carry half-precision rounding."""
        torch = self._torch
        if self.placement != Placement("cpu", "fp32"):
            raise RuntimeError("a MusicGen engine is placed once, from its fp32 CPU weights")
        model, p = self.model, placement
        half = p.precision in ("bf16", "fp16")
        for name in ("text_encoder", "enc_to_dec_proj", "audio_enc_to_dec_proj"):
            part = getattr(model, name, None)
            if part is not None:
                part.to(device=p.device, dtype=p.torch_dtype if half else None)
        model.audio_encoder.to(p.device)  # (what is left of model.decoder after the stepper took it stays put)
        if p.precision == "int8":
            if "fbgemm" in torch.backends.quantized.supported_engines:
                # fbgemm's int8 GEMV beats the default "x86" dispatcher at batch 2 here: 26.6 vs 30.2 ms
                # for the 192 Linear layers of musicgen-small's decoder.
                torch.backends.quantized.engine = "fbgemm"
            attention = torch.bfloat16 if cpu_has_native_bf16() else torch.float32
            self.stepper.quantize_int8(self_attention_dtype=attention)
        elif half:
            self.stepper.cast(p.torch_dtype, p.device)
            if p.device == "cpu" and p.precision == "bf16":
                pack_linears_bf16(self.stepper)
        else:
            self.stepper.to(p.device)
        self.placement = p

    def text_budget(self) -> int:
        """How many prompt tokens a request may use: t5-base's limit and, for MusicGen-melody, what
        leaves a window of at least MIN_WINDOW_FRAMES in the decoder's position table."""
        limit = min(TEXT_TOKEN_LIMIT, int(getattr(self.tokenizer, "model_max_length", TEXT_TOKEN_LIMIT)))
        if self.is_melody:
            room = self.max_positions - int(self.model.config.chroma_length) - self.num_codebooks - MIN_WINDOW_FRAMES
            limit = min(limit, room)
        if limit < 1:
            raise BadInputError("this MusicGen-melody checkpoint has too few decoder positions for any prompt")
        return limit

    def window_frames(self, text_tokens: int) -> int:
        """Frames one window may hold: 30 s, or less where MusicGen-melody's conditioning prefix
        (chroma_length chroma frames, then the text) and the decoder's start column and delay
        pattern (num_codebooks columns) leave less of its position table."""
        if not self.is_melody:
            return min(WINDOW_FRAMES, self.max_positions - self.num_codebooks)
        prefix = int(self.model.config.chroma_length) + text_tokens
        return min(WINDOW_FRAMES, self.max_positions - prefix - self.num_codebooks)

    def _text_inputs(self, request: MusicRequest, melody: np.ndarray | None):
        texts = [request.prompt] * request.variations
        inputs = dict(
            self.tokenizer(texts, padding=True, truncation=True, max_length=self.text_budget(), return_tensors="pt")
        )
        device = self.device
        if self.chroma is not None and melody is not None:
            inputs["input_features"] = self.chroma(melody, device=device).repeat(request.variations, 1, 1)
        dtype = self.placement.torch_dtype if self.placement.precision in ("bf16", "fp16") else None
        out = {}
        for key, value in inputs.items():
            value = value.to(device)
            if dtype is not None and value.is_floating_point():
                value = value.to(dtype)
            out[key] = value
        return out

    def _melody_at_rate(self, request: MusicRequest) -> np.ndarray | None:
        if request.melody is None:
            return None
        if not self.is_melody:
            raise BadInputError("this MusicGen model has no melody conditioning; choose musicgen-melody")
        from albumgen_desktop.io.audio import resample

        return resample(request.melody.astype(np.float32), request.melody_rate, self.sample_rate)

    def _plan_windows(self, request: MusicRequest) -> tuple[int, int]:
        """(frames per window, frames of continuation context) for this request's prompt; notes
        what was shortened in ``self.notices``."""
        full = len(self.tokenizer(request.prompt, verbose=False)["input_ids"])
        budget = self.text_budget()
        used = min(full, budget)
        if full > budget:
            self.notices.append(
                f"the prompt has {full} tokens; MusicGen reads the first {budget}, the rest was left out"
            )
        window = self.window_frames(used)
        if window < WINDOW_FRAMES and request.duration_s * 50 > window:
            self.notices.append(
                f"a {used}-token prompt and the melody fill part of MusicGen-melody's {self.max_positions} "
                f"positions, so the track is made in {window / 50:.1f} s windows, each continuing the last"
            )
        return window, min(CONTINUATION_CONTEXT_FRAMES, window // 3)

    def generate(
        self,
        request: MusicRequest,
        on_chunk: ChunkCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> np.ndarray:
        """(variations, samples) float32 audio at ``self.sample_rate``. Chunks stream to ``on_chunk``.

        Raises BadInputError for an invalid request, CancelledError (with the audio so far) when
        ``cancel`` fires, NonFiniteOutputError when the decoder's logits or the audio hold NaN or
        infinity (then no chunk after the fault is decoded). ``self.notices`` says what was
        shortened to fit the model (a prompt past 512 tokens, windows under 30 s)."""
        request.validate()
        torch = self._torch
        torch.manual_seed(request.seed)
        self.notices = []
        total_frames = int(round(request.duration_s * 50))
        melody = self._melody_at_rate(request)
        window_frames, context_frames = self._plan_windows(request)
        done_frames = 0
        codes_so_far: Any = None  # (variations, K, frames)
        pieces: list[np.ndarray] = []
        window = 0
        while done_frames < total_frames:
            context = 0 if codes_so_far is None else min(context_frames, codes_so_far.shape[-1])
            new_frames = min(total_frames - done_frames, window_frames - context)
            window_melody = None
            if melody is not None:
                start = (done_frames - context) * self.sample_rate // 50
                window_melody = melody[start : start + (context + new_frames) * self.sample_rate // 50]
                if len(window_melody) < self.sample_rate // 10:
                    window_melody = None
            prompt = None if context == 0 else codes_so_far[..., -context:]

            pieces_in_window: list[np.ndarray] = []

            def collect(piece: np.ndarray, base: int = done_frames, sink: list = pieces_in_window) -> None:
                sink.append(piece)
                if on_chunk is not None:
                    emitted = sum(p.shape[1] for p in sink) * 50 / self.sample_rate
                    on_chunk(piece, min(1.0, (base + emitted) / total_frames))

            last = done_frames + new_frames >= total_frames
            try:
                codes = self._generate_window(request, prompt, new_frames, window_melody, collect, cancel, window, last)
            except CancelledError as exc:
                partial = np.concatenate(pieces + [exc.partial], axis=1) if pieces else exc.partial
                raise CancelledError("Cancelled.", partial=partial) from None
            pieces.append(np.concatenate(pieces_in_window, axis=1))
            new_codes = codes[..., context:]
            codes_so_far = new_codes if codes_so_far is None else torch.cat([codes_so_far, new_codes], dim=-1)
            done_frames += new_codes.shape[-1]
            window += 1
        self.last_codes = codes_so_far  # (variations, K, frames): what the audio was decoded from
        return np.concatenate(pieces, axis=1)

    def _generate_window(self, request, prompt, new_frames, melody, on_audio, cancel, window, last):
        torch = self._torch
        k = self.num_codebooks
        n = request.variations
        device = self.device
        inputs = self._text_inputs(request, melody)
        context = 0 if prompt is None else prompt.shape[-1]
        max_new_tokens = new_frames + k - 1
        start = torch.full((n * k, 1), self.start_id, dtype=torch.long, device=device)
        if prompt is not None:
            prompt_ids = prompt.reshape(n * k, context).to(device)
            start = torch.cat([start, prompt_ids], dim=-1)
        max_length = start.shape[-1] + max_new_tokens
        # transformers builds both on start's device; the mask stays there, beside the ids it is merged with
        first_ids, delay_mask = self.model.decoder.build_delay_pattern_mask(
            start, pad_token_id=self.start_id, max_length=max_length
        )
        held = DECODE_LOOKAHEAD_FRAMES if context else 0  # the previous window left its last frames to us
        decoder = ChunkDecoder(
            self.model.audio_encoder, k, delay_mask, n, emitted_frames=context - held, on_audio=on_audio,
            healthy=lambda: not self.stepper.saw_non_finite(),
        )  # fmt: skip
        torch.manual_seed(request.seed + 7919 * window)
        guidance = request.guidance if request.guidance > 1 else None
        with torch.inference_mode():
            self._sample(inputs, first_ids, delay_mask, max_length, guidance, request, decoder, cancel, last)
        return decoder.final_codes

    def _encoder_states(self, inputs: dict, cfg: bool):
        """The conditioning as the decoder sees it, built as transformers builds it for generate:
        for MusicGen the text its cross-attention reads, for MusicGen-melody the chroma-then-text
        prefix. With classifier-free guidance the second half of the batch is the null condition."""
        torch = self._torch
        model = self.model
        states = model.text_encoder(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"])[0]
        mask = inputs["attention_mask"]
        decoder_cfg = model.decoder.config
        projected = model.text_encoder.config.hidden_size != decoder_cfg.hidden_size
        if self.is_melody:
            if projected:
                states = model.enc_to_dec_proj(states)
            if cfg:
                states = torch.cat([states, torch.zeros_like(states)])
                mask = torch.cat([mask, torch.zeros_like(mask)])
            states = states * mask[..., None]
            return torch.cat([self._chroma_states(inputs, states.shape[0], cfg), states], dim=1), mask
        if cfg:
            states = torch.cat([states, torch.zeros_like(states)])
            mask = torch.cat([mask, torch.zeros_like(mask)])
        if projected and decoder_cfg.cross_attention_hidden_size is None:
            states = model.enc_to_dec_proj(states)
        return states * mask[..., None], mask

    def _chroma_states(self, inputs: dict, batch: int, cfg: bool):
        """MusicGen-melody's chroma prefix, (batch, chroma_length, hidden); "no melody" is the
        one-hot of the first pitch class, as in transformers."""
        import math

        torch = self._torch
        model = self.model
        features = inputs.get("input_features")
        rows = batch // 2 if cfg else batch
        weight = model.audio_enc_to_dec_proj.weight
        length = 1 if features is None else features.shape[1]
        null = torch.zeros((rows, length, model.config.num_chroma), dtype=weight.dtype, device=weight.device)
        null[:, :, 0] = 1
        chroma = null if features is None else features.to(weight.dtype)
        if cfg:
            chroma = torch.cat([chroma, null])
        if model.config.num_chroma != model.decoder.config.hidden_size:
            chroma = model.audio_enc_to_dec_proj(chroma)
        length = model.config.chroma_length
        if chroma.shape[1] < length:
            chroma = chroma.repeat(1, int(math.ceil(length / chroma.shape[1])), 1)
        return chroma[:, :length]

    def _sample(self, inputs, ids, delay_mask, max_length, guidance, request, decoder, cancel, last):
        from albumgen_desktop.engines.musicgen_decoder import run_sampling

        states, mask = self._encoder_states(inputs, cfg=guidance is not None)

        def on_step(ids_so_far) -> bool:
            if cancel is not None and cancel.cancelled:
                decoder.update(ids_so_far, final=True)
                raise CancelledError("Cancelled.", partial=decoder.audio())
            if ids_so_far.shape[-1] >= max_length:
                decoder.update(ids_so_far, final=True, end_of_track=last)
                return True
            decoder.update(ids_so_far)
            return False

        self.stepper.start(states, mask, max_length)
        try:
            run_sampling(
                self.stepper, ids, delay_mask, max_length, guidance, request.temperature, request.top_k, on_step
            )
        finally:
            self.stepper.release()
