"""Native 2D correlations: where an array library has its own convolution, the engine hands
the work to it.

All compute the engine's correlation, weights in its layout (O, k, k, C) (taps before channels):

    y[b, o, i, j] = sum_{c, a, a'} x_pad[b, c, i + a, j + a'] w[o, a, a', c],

and its weight gradient dw[o, a, a', c] = sum_{b, i, j} dy[b, o, i, j] x_pad[b, c, i + a, j + a'].

- PyTorch: ``torch.nn.functional.conv2d``, weight gradient ``torch.nn.grad.conv2d_weight``;
  differentiable (autograd flows through the bank gather and the convolution); cuDNN's TF32
  is switched off for the call, so float32 stays float32.
- JAX: ``jax.lax.conv_general_dilated`` (dimension numbers NCHW, OHWI, NCHW; precision
  HIGHEST), weight gradient by its VJP; functional, so ``jax.jit`` and ``jax.grad`` work
  through the whole path.
- any other library: None, the generic array-API engine (``groupconv.fast.engine``).

A new backend with a native convolution adds one entry to ``NATIVE``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from array_api_compat import is_jax_namespace, is_torch_namespace

__all__ = ["Native", "NATIVE", "native_for"]


class Native(NamedTuple):
    """A library's own correlation and weight gradient, both for padding p."""

    name: str
    accepts: Callable[[Any], bool]                       # the namespace is this library's
    correlate: Callable[[Any, Any, int], Any]            # (x, w, p) -> y
    weight_gradient: Callable[[Any, Any, int, int], Any]  # (x, dy, k, p) -> dw


def _torch_correlate(x: Any, w: Any, p: int) -> Any:
    import torch

    with torch.backends.cudnn.flags(enabled=True, allow_tf32=False):
        return torch.nn.functional.conv2d(x, w.permute(0, 3, 1, 2), padding=p)


def _torch_weight_gradient(x: Any, dy: Any, k: int, p: int) -> Any:
    import torch

    shape = (dy.shape[1], x.shape[1], k, k)
    with torch.backends.cudnn.flags(enabled=True, allow_tf32=False):
        grad = torch.nn.grad.conv2d_weight(x, shape, dy, padding=p)
    return grad.permute(0, 2, 3, 1)


def _jax_correlate(x: Any, w: Any, p: int) -> Any:
    import jax

    return jax.lax.conv_general_dilated(
        x, w, window_strides=(1, 1), padding=[(p, p), (p, p)],
        dimension_numbers=("NCHW", "OHWI", "NCHW"), precision=jax.lax.Precision.HIGHEST)


def _jax_weight_gradient(x: Any, dy: Any, k: int, p: int) -> Any:
    import jax
    import jax.numpy as jnp

    zeros = jnp.zeros((dy.shape[1], k, k, x.shape[1]), dtype=x.dtype)
    _, pull = jax.vjp(lambda w: _jax_correlate(x, w, p), zeros)
    return pull(dy)[0]


#: The libraries whose own convolution the engine uses.
NATIVE: tuple[Native, ...] = (
    Native("torch", is_torch_namespace, _torch_correlate, _torch_weight_gradient),
    Native("jax", is_jax_namespace, _jax_correlate, _jax_weight_gradient),
)


def native_for(xp: Any) -> Native | None:
    """The native correlation of namespace ``xp``, or None (the generic engine)."""
    for entry in NATIVE:
        if entry.accepts(xp):
            return entry
    return None
