"""A virtual accelerator for CPU-only machines: real arithmetic, CUDA's device rules.

Tensors placed on the accelerator are ``AcceleratorTensor`` wrappers whose ``device`` is
"meta" while their values live in an ordinary CPU tensor inside. Every aten op, inside
``VirtualAccelerator()``, first checks what CUDA checks, then runs on the CPU values:

- an op may not mix accelerator and CPU tensors ("Expected all tensors to be on the same
  device"), except 0-dim CPU tensors (scalars, allowed as on CUDA), copies between
  devices (``.to``, ``copy_``) and CPU index tensors for advanced indexing;
- a factory op (``zeros``, ``arange``, ``randn``, ...) given the accelerator as its device,
  and ``.to(accelerator)``, give accelerator tensors; ``.cpu()`` gives a plain tensor;
- ``.numpy()`` of an accelerator tensor raises, as it does for a CUDA tensor.

Why not ``FakeTensorMode`` (torch._subclasses.fake_tensor), which raises
``FakeTensorDeviceMismatchError`` the same way? Fake tensors hold no values, and the
libraries the engines call read values on the device: transformers' EnCodec computes its
conv padding from tensor buffers (``max(padding_left, padding_right)``), diffusers'
schedulers look timesteps up with ``nonzero()``, ``generate`` checks its stopping flags.
Each raises ``DataDependentOutputException`` under fake tensors, so no engine could run
end to end. (Fake "cuda" tensors also abort this CPU-only build inside C++ on the first
slice: it has no CUDA device guard; "meta" has one, so it stands in for the GPU here.)
"""

from __future__ import annotations

from typing import Any

import torch
from torch.overrides import TorchFunctionMode
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_flatten, tree_map

DEVICE = torch.device("meta")
_CROSS_DEVICE_OPS = {"aten::_to_copy", "aten::copy_", "aten::copy"}
_INDEXING_OPS = {"aten::index", "aten::index_put", "aten::index_put_", "aten::_index_put_impl_"}


class DeviceMixError(RuntimeError):
    """What CUDA raises when one op gets tensors from two devices."""


class AcceleratorTensor(torch.Tensor):
    """A tensor that says it is on the accelerator; its values are ``self.payload`` (CPU)."""

    payload: torch.Tensor

    @staticmethod
    def __new__(cls, inner: torch.Tensor) -> AcceleratorTensor:
        # Never an inference tensor itself: views of a wrapper made inside inference_mode must be able
        # to share the version counter of a wrapper made outside it (a parameter). The values may be.
        with torch.inference_mode(False):
            wrapper = torch.Tensor._make_wrapper_subclass(
                cls, inner.size(), strides=inner.stride(), storage_offset=inner.storage_offset(),
                dtype=inner.dtype, layout=inner.layout, device=DEVICE, requires_grad=inner.requires_grad,
            )  # fmt: skip
        wrapper.payload = inner
        return wrapper

    def __repr__(self) -> str:  # type: ignore[override]
        return f"AcceleratorTensor({self.payload!r})"

    def numpy(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError(  # torch's words for a CUDA tensor
            f"can't convert {DEVICE.type} device type tensor to numpy. Use Tensor.cpu() to copy the tensor to "
            "host memory first."
        )

    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        return _run(func, args, kwargs or {})


def _device_of(x: Any) -> str | None:
    if isinstance(x, AcceleratorTensor):
        return "accelerator"
    if isinstance(x, torch.Tensor):
        return None if x.dim() == 0 and x.device.type == "cpu" else x.device.type
    return None


def _run(func, args: tuple, kwargs: dict) -> Any:
    name = func._schema.name
    checked_args = (args[0], *args[2:]) if name in _INDEXING_OPS else args  # CPU index tensors are allowed
    devices = {d for d in map(_device_of, tree_flatten((checked_args, kwargs))[0]) if d is not None}
    if len(devices) > 1 and name not in _CROSS_DEVICE_OPS:
        raise DeviceMixError(
            f"Expected all tensors to be on the same device, but found at least two devices, {sorted(devices)} "
            f"(in {name})"
        )
    given = [x for x in tree_flatten((args, kwargs))[0] if isinstance(x, torch.device)]  # to.device, factories
    if given:
        on_accelerator = any(d.type == DEVICE.type for d in given)
        cpu = torch.device("cpu")
        args, kwargs = tree_map(lambda x: cpu if isinstance(x, torch.device) else x, (args, kwargs))
    elif name in ("aten::copy_", "aten::copy"):
        on_accelerator = isinstance(args[0], AcceleratorTensor)
    else:
        on_accelerator = "accelerator" in devices
    wrappers = {id(a.payload): a for a in tree_flatten((args, kwargs))[0] if isinstance(a, AcceleratorTensor)}
    unwrap = lambda x: x.payload if isinstance(x, AcceleratorTensor) else x  # noqa: E731
    out = func(*tree_map(unwrap, args), **tree_map(unwrap, kwargs))

    def wrap(x: Any) -> Any:
        if not isinstance(x, torch.Tensor):
            return x
        if id(x) in wrappers:  # the op returned its input: in place, or a no-op .to()
            return wrappers[id(x)] if on_accelerator else x.clone()  # .cpu() copies, as from a GPU
        return AcceleratorTensor(x) if on_accelerator else x

    return tree_map(wrap, out)


def _cpu_index(index: Any) -> Any:
    """Python lists in an index as CPU index tensors (allowed, as on CUDA)."""
    if isinstance(index, tuple):
        return tuple(_cpu_index(i) for i in index)
    return torch.tensor(index) if isinstance(index, list) else index


class _FromDataMode(TorchFunctionMode):
    """Calls that build tensors from Python data inside C++, out of the dispatch mode's sight:
    ``torch.tensor(data, device="meta")`` (an empty meta tensor: no data lives on a meta
    device) is made on the CPU and moved; list indices and number values of ``t[...]`` and
    ``t[...] = v`` become CPU tensors (a CUDA tensor takes those too); ``.tolist()``, which
    refuses tensor subclasses, reads a CPU copy, as torch does for a CUDA tensor."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if args and isinstance(args[0], AcceleratorTensor):
            if func is torch.Tensor.tolist:
                return args[0].cpu().tolist()
            if func is torch.Tensor.__getitem__:
                return func(args[0], _cpu_index(args[1]))
            if func is torch.Tensor.__setitem__:
                value = args[2]
                if isinstance(value, (int, float, bool)):
                    value = torch.tensor(value, dtype=args[0].dtype)
                return func(args[0], _cpu_index(args[1]), value)
        device = kwargs.get("device")
        if func in (torch.tensor, torch.as_tensor, torch.asarray) and device is not None:
            if torch.device(device).type == DEVICE.type:
                return func(*args, **{**kwargs, "device": "cpu"}).to(DEVICE)
        return func(*args, **kwargs)


class VirtualAccelerator(TorchDispatchMode):
    """While active, every op follows the rules in the module docstring.

    ``Module.to`` normally swaps a converted parameter in with ``param.data = new``, which for a
    wrapper would change its dtype but not the values inside; while active, modules get new
    Parameter objects instead (torch.__future__'s overwrite flag), so a second ``.to(dtype)``
    of a module already on the accelerator converts its values as it does on a GPU."""

    def __enter__(self) -> VirtualAccelerator:
        self._overwrite = torch.__future__.get_overwrite_module_params_on_conversion()
        torch.__future__.set_overwrite_module_params_on_conversion(True)
        self._from_data = _FromDataMode()
        self._from_data.__enter__()
        return super().__enter__()

    def __exit__(self, *exc: Any) -> None:
        super().__exit__(*exc)
        self._from_data.__exit__(*exc)
        torch.__future__.set_overwrite_module_params_on_conversion(self._overwrite)

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        return _run(func, args, kwargs or {})
