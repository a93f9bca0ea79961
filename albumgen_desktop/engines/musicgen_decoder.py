"""MusicGen's decoder as a lean sampling loop: the same weights and the same tokens as
transformers' ``generate``, with much less work per step.

A decoding step of musicgen-small on a 2-core CPU is ~25 ms of matrix-vector products
(memory bound) wrapped in ~15 ms of framework bookkeeping: ``generate``'s logits
processors and stopping criteria, per-step causal and cross-attention mask building,
Cache objects, output recorders. Here a step is just the arithmetic:

- q/k/v of self-attention are one fused Linear, the 4 codebook heads are one Linear;
- self-attention keys and values are written into a preallocated buffer (no mask is
  needed: a single new query may see every earlier position);
- cross-attention keys and values of the text are computed once per request;
- sampling is classifier-free guidance, temperature, top-k and one multinomial draw,
  in the order ``generate`` applies them, so a seed gives the same tokens as
  ``MusicgenForConditionalGeneration.generate`` (tests/test_music.py checks this).

MusicGen (small/medium/large) attends to the text through cross-attention; MusicGen-melody
has no cross-attention and puts its conditioning (chroma, then text) in front of the tokens
in the first forward. Both run here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, cast

import torch
from torch import nn
from torch.nn import functional as F


def fused_linear(*linears: nn.Linear) -> nn.Linear:
    """One Linear whose output is the concatenation of ``linears``' outputs (fp32 copy)."""
    weight = torch.cat([lin.weight.detach().float() for lin in linears], dim=0)
    fused = nn.Linear(weight.shape[1], weight.shape[0], bias=any(lin.bias is not None for lin in linears))
    fused.weight = nn.Parameter(weight, requires_grad=False)
    if fused.bias is not None:
        bias = [lin.bias if lin.bias is not None else torch.zeros(lin.out_features) for lin in linears]
        fused.bias = nn.Parameter(torch.cat([b.detach().float() for b in bias]), requires_grad=False)
    return fused


def _direct(module: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """The module's computation without nn.Module's call machinery: a step makes ~250 of these
    calls, and at batch 2 the Python around them costs as much as the arithmetic inside."""
    from torch.ao.nn.quantized.dynamic import Linear as DynamicInt8Linear

    if isinstance(module, DynamicInt8Linear) and module._packed_params.dtype == torch.qint8:
        reduce_range = module.version is not None and module.version >= 4  # as its forward decides
        return functools.partial(
            torch.ops.quantized.linear_dynamic,
            W_prepack=module._packed_params._packed_params,
            reduce_range=reduce_range,
        )
    if type(module) is nn.Linear:
        return functools.partial(F.linear, weight=module.weight, bias=module.bias)
    if type(module) is nn.LayerNorm:
        return functools.partial(
            F.layer_norm, normalized_shape=module.normalized_shape, weight=module.weight, bias=module.bias,
            eps=module.eps,
        )  # fmt: skip
    return module.forward


def _norm(ln: nn.LayerNorm) -> nn.LayerNorm:
    copy = nn.LayerNorm(ln.normalized_shape, eps=ln.eps)
    copy.load_state_dict({k: v.float() for k, v in ln.state_dict().items()})
    return copy


class _Layer(nn.Module):
    has_cross: bool
    heads: int
    head_dim: int
    scaling: float

    def __init__(self, layer: Any) -> None:  # a transformers MusicgenDecoderLayer
        super().__init__()
        sa = layer.self_attn
        self.heads, self.head_dim = sa.num_heads, sa.head_dim
        self.scaling = sa.scaling
        self.ln_self, self.ln_ffn = _norm(layer.self_attn_layer_norm), _norm(layer.final_layer_norm)
        self.qkv = fused_linear(sa.q_proj, sa.k_proj, sa.v_proj)
        self.out = fused_linear(sa.out_proj)
        self.has_cross = hasattr(layer, "encoder_attn")  # MusicGen-melody's layers have none
        if self.has_cross:
            ca = layer.encoder_attn
            self.ln_cross = _norm(layer.encoder_attn_layer_norm)
            self.cross_q, self.cross_kv, self.cross_out = (
                fused_linear(ca.q_proj), fused_linear(ca.k_proj, ca.v_proj), fused_linear(ca.out_proj)
            )  # fmt: skip
        self.fc1, self.fc2 = fused_linear(layer.fc1), fused_linear(layer.fc2)
        self.activation = layer.activation_fn

    def plan(self) -> tuple:
        """Plain callables for one step, in the order forward uses them (no cross-attention: None)."""
        act = self.activation
        activation = F.gelu if type(act).__name__ == "GELUActivation" and act.act is F.gelu else act
        cross = (
            (_direct(self.ln_cross), _direct(self.cross_q), _direct(self.cross_out)) if self.has_cross else (None,) * 3
        )
        return (_direct(self.ln_self), _direct(self.qkv), _direct(self.out), *cross) + (
            _direct(self.ln_ffn), _direct(self.fc1), activation, _direct(self.fc2),
        )  # fmt: skip


class MusicgenDecoderStepper(nn.Module):
    """Holds a MusicGen decoder's weights in a step-friendly layout and samples token columns."""

    embeddings: torch.Tensor  # buffers
    positions: torch.Tensor

    def __init__(self, causal_lm: Any, consume: bool = False) -> None:  # a transformers MusicgenForCausalLM
        """``consume`` frees each of ``causal_lm``'s layers once copied, so the fp32 decoder never
        exists twice (musicgen-medium's is 6 GB); ``causal_lm`` can then no longer run."""
        super().__init__()
        decoder = causal_lm.model.decoder
        cfg = causal_lm.config
        self.num_codebooks = int(cfg.num_codebooks)
        self.vocab = int(cfg.vocab_size)
        self.hidden = int(cfg.hidden_size)
        tables = [emb.weight.detach().float() for emb in decoder.embed_tokens]
        self.rows_per_codebook = tables[0].shape[0]
        self.register_buffer("embeddings", torch.cat(tables, dim=0))  # (K * (vocab + 1), hidden)
        self.register_buffer("positions", decoder.embed_positions.weights.detach().float().clone())
        layers = []
        for i in range(len(decoder.layers)):
            layers.append(_Layer(decoder.layers[i]))
            if consume:
                decoder.layers[i] = nn.Identity()
        self.layers = nn.ModuleList(layers)
        first: _Layer = layers[0]
        self.heads, self.head_dim, self.scaling = first.heads, first.head_dim, first.scaling
        self.has_cross = first.has_cross
        self.ln_final = _norm(decoder.layer_norm)
        self.lm_head = fused_linear(*causal_lm.lm_heads)
        if consume:
            causal_lm.lm_heads = nn.ModuleList()
        self.dtype = torch.float32  # residual stream, norms, cross-attention
        self.attention_dtype = torch.float32  # self-attention and its key/value cache
        self._cache: list[tuple[torch.Tensor, torch.Tensor]] = []
        self._cross: list[tuple[torch.Tensor, torch.Tensor]] = []
        self._cross_mask: torch.Tensor | None = None
        self._plans: list[tuple] = []
        self._prefix: torch.Tensor | None = None
        self._non_finite: torch.Tensor | None = None
        self._ln_final: Callable[[torch.Tensor], torch.Tensor] = _direct(self.ln_final)
        self._lm_head: Callable[[torch.Tensor], torch.Tensor] = _direct(self.lm_head)
        self.length = 0

    # -- precision -------------------------------------------------------------------------
    def quantize_int8(self, self_attention_dtype: torch.dtype = torch.float32) -> None:
        """Dynamic int8 for every Linear (weights int8, activations quantised per call). The
        residual stream stays fp32; self-attention and its cache may run in bf16, which halves
        the bytes a step reads from a cache that grows with the clip."""
        import warnings

        with warnings.catch_warnings():  # torch 2.13 marks the quantized-tensor constructors deprecated
            warnings.simplefilter("ignore", UserWarning)
            warnings.simplefilter("ignore", DeprecationWarning)  # torch.ao still ships in the pinned torch
            torch.ao.quantization.quantize_dynamic(self, {nn.Linear}, dtype=torch.qint8, inplace=True)
        self.attention_dtype = self_attention_dtype

    def cast(self, dtype: torch.dtype, device: torch.device | str | None = None) -> None:
        """Everything (weights, tables, norms, cache) in ``dtype``, on ``device`` (default: where it is),
        in one move: half-precision weights cross to a GPU at half the bytes."""
        self.to(device=device, dtype=dtype)
        self.dtype = self.attention_dtype = dtype

    # -- state -----------------------------------------------------------------------------
    def start(self, encoder_states: torch.Tensor, encoder_mask: torch.Tensor | None, max_length: int) -> None:
        """Reset for a request and allocate self-attention buffers for ``max_length`` token columns.

        With cross-attention (MusicGen), ``encoder_states`` (batch, text, hidden) become each layer's
        cross-attention keys and values once. Without (MusicGen-melody), they are the conditioning
        prefix that the first forward puts in front of the tokens; ``encoder_mask`` is then unused,
        as in transformers' generate."""
        batch = encoder_states.shape[0]
        device = encoder_states.device
        states = encoder_states.to(self.dtype)
        self._cross, self._cross_mask, self._prefix = [], None, None
        layers = cast(list[_Layer], list(self.layers))
        if self.has_cross:
            for layer in layers:
                kv = layer.cross_kv(states)
                k, v = kv.view(batch, -1, 2, self.heads, self.head_dim).permute(2, 0, 3, 1, 4)
                self._cross.append((k.contiguous(), v.contiguous()))
            if encoder_mask is not None and not bool(encoder_mask.all()):
                # an additive mask; a row with nothing to see (the unconditional half of CFG) sees zero
                # keys and values either way, so the finite minimum gives it a zero output, not NaN
                visible = encoder_mask.bool()[:, None, None, :]
                self._cross_mask = torch.zeros(visible.shape, dtype=self.dtype, device=device).masked_fill(
                    ~visible, torch.finfo(self.dtype).min
                )
        else:
            self._prefix = states
            max_length += states.shape[1]
        if max_length > self.positions.shape[0]:
            raise ValueError(f"at most {self.positions.shape[0]} decoder positions, asked for {max_length}")
        self._plans = [layer.plan() for layer in layers]  # after any change of precision
        self._ln_final, self._lm_head = _direct(self.ln_final), _direct(self.lm_head)
        shape = (batch, self.heads, max_length, self.head_dim)
        adt = self.attention_dtype
        self._cache = [
            (torch.empty(shape, dtype=adt, device=device), torch.empty(shape, dtype=adt, device=device))
            for _ in self.layers
        ]
        self._non_finite = torch.zeros((), dtype=torch.bool, device=device)
        self.length = 0

    def release(self) -> None:
        self._cache, self._cross, self._cross_mask, self._plans, self._prefix = [], [], None, [], None
        self.length = 0

    def note_logits(self, logits: torch.Tensor) -> None:
        """Remember whether ``logits`` held NaN or infinity (fp16/bf16 overflow). The flag lives on
        the device and is only read by ``saw_non_finite``, so steps never wait for the host."""
        if self._non_finite is not None:
            # one reduction: the fp32 sum of finite logits stays finite (|logit| << 1e30), and any NaN or
            # infinity makes it NaN or infinite; 4x cheaper here than isfinite().all() (43 vs ~170 us)
            self._non_finite |= ~torch.isfinite(logits.sum())

    def saw_non_finite(self) -> bool:
        """Whether any logits noted since ``start`` held NaN or infinity (one host sync)."""
        return self._non_finite is not None and bool(self._non_finite.item())

    # -- one forward -----------------------------------------------------------------------
    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """ids (batch * K, T) at positions length..length+T-1 -> fp32 logits (batch * K, vocab) of the last."""
        k_books, hidden = self.num_codebooks, self.hidden
        batch, steps = ids.shape[0] // k_books, ids.shape[1]
        offsets = torch.arange(k_books, device=ids.device).repeat(batch)[:, None] * self.rows_per_codebook
        x = F.embedding(ids + offsets, self.embeddings).view(batch, k_books, steps, hidden).sum(dim=1)
        if self._prefix is not None:  # MusicGen-melody's first forward: conditioning, then tokens
            x = torch.cat([self._prefix, x], dim=1)
            steps += self._prefix.shape[1]
            self._prefix = None
        pos = self.length
        end = pos + steps
        x = x + self.positions[pos:end]
        causal = None
        if steps > 1:
            rows = torch.arange(pos, end, device=ids.device)[:, None]
            causal = torch.arange(end, device=ids.device)[None, :] <= rows
        dtype, adt = self.dtype, self.attention_dtype
        convert = dtype != adt
        heads, hd, scale = self.heads, self.head_dim, self.scaling
        sdpa, cross_mask = F.scaled_dot_product_attention, self._cross_mask
        cross: list = self._cross or [(None, None)] * len(self._plans)
        for plan, (k_cache, v_cache), (ck, cv) in zip(self._plans, self._cache, cross, strict=True):
            ln_self, qkv, out, ln_cross, cross_q, cross_out, ln_ffn, fc1, act, fc2 = plan
            proj = qkv(ln_self(x))
            if convert:
                proj = proj.to(adt)
            q, k, v = proj.view(batch, steps, 3, heads, hd).permute(2, 0, 3, 1, 4)
            k_cache[:, :, pos:end] = k
            v_cache[:, :, pos:end] = v
            a = sdpa(q, k_cache[:, :, :end], v_cache[:, :, :end], attn_mask=causal, scale=scale)
            a = a.transpose(1, 2).reshape(batch, steps, hidden)
            x = x + out(a.to(dtype) if convert else a)
            if cross_q is not None:
                q = cross_q(ln_cross(x)).view(batch, steps, heads, hd).transpose(1, 2)
                a = sdpa(q, ck, cv, attn_mask=cross_mask, scale=scale)
                x = x + cross_out(a.transpose(1, 2).reshape(batch, steps, hidden))
            x = x + fc2(act(fc1(ln_ffn(x))))
        self.length = end
        logits = self._lm_head(self._ln_final(x[:, -1])).float()  # (batch, K * vocab)
        return logits.view(batch * k_books, self.vocab)


def sample_next(logits: torch.Tensor, guidance: float | None, temperature: float, top_k: int) -> torch.Tensor:
    """One token per row, processed exactly as transformers' generate does (CFG, temperature, top-k)."""
    if guidance is not None and guidance > 1:
        cond, uncond = logits.split(logits.shape[0] // 2, dim=0)
        logits = uncond + (cond - uncond) * guidance
    if temperature != 1.0:
        logits = logits / temperature
    # NaN/inf logits (reduced-precision overflow) would make multinomial fail, on CUDA with a device-side
    # assert that ends the process; the stepper has flagged them, and the caller stops at the next chunk.
    # For finite logits this is the identity, so tokens still match transformers' generate.
    logits = torch.nan_to_num(logits)
    if top_k:
        kth = torch.topk(logits, min(top_k, logits.shape[-1]))[0][..., -1, None]
        logits = logits.masked_fill(logits < kth, -float("inf"))
    probs = F.softmax(logits, dim=-1)
    return torch.multinomial(probs, num_samples=1).squeeze(1)


def run_sampling(
    stepper: MusicgenDecoderStepper,
    ids: torch.Tensor,
    delay_mask: torch.Tensor,
    max_length: int,
    guidance: float | None,
    temperature: float,
    top_k: int,
    on_step: Callable[[torch.Tensor], bool],
) -> torch.Tensor:
    """Fill the token matrix up to ``max_length`` columns; ``on_step(ids_so_far)`` runs after every
    step and returns True to stop. ``ids`` (batch * K, start) already carries the delay mask."""
    rows, start = ids.shape
    out = torch.empty(rows, max_length, dtype=torch.long, device=ids.device)
    out[:, :start] = ids
    cfg = guidance is not None and guidance > 1
    step_input = ids
    for length in range(start, max_length):
        model_input = torch.cat([step_input, step_input]) if cfg else step_input
        logits = stepper(model_input)
        stepper.note_logits(logits)
        token = sample_next(logits, guidance, temperature, top_k)
        pad = delay_mask[:, length]
        out[:, length] = torch.where(pad == -1, token, pad)
        step_input = out[:, length : length + 1]
        if on_step(out[:, : length + 1]):
            return out[:, : length + 1]
    return out
