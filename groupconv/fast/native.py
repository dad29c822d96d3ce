"""Native correlations: where an array library has its own convolution, the engine hands the work
to it, in d = 1, 2, 3 dimensions.

All compute the engine's correlation, weights in its layout (O, *k^d, C) (taps before channels):

    y[b, o, i] = sum_{c, a} x_pad[b, c, i + a] w[o, a, c],

and its weight gradient dw[o, a, c] = sum_{b, i} dy[b, o, i] x_pad[b, c, i + a].

- PyTorch: ``torch.nn.functional.conv1d`` / ``conv2d`` / ``conv3d``, weight gradient
  ``torch.nn.grad.conv{1,2,3}d_weight``; differentiable (autograd flows through the bank gather
  and the convolution); cuDNN's TF32 is switched off for the call, so float32 stays float32.
- JAX: ``jax.lax.conv_general_dilated`` with the dimension numbers of the layouts (NCW, OWI,
  NCW in 1D; NCHW, OHWI, NCHW in 2D; NCDHW, ODHWI, NCDHW in 3D; precision HIGHEST), weight
  gradient by its VJP; functional, so ``jax.jit`` and ``jax.grad`` work through the whole path.
- any other library: None, the generic array-API engine (``groupconv.fast.engine``).

A new backend with a native convolution adds one entry to ``NATIVE``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from array_api_compat import is_jax_namespace, is_torch_namespace

__all__ = ["Native", "NATIVE", "native_for", "DIMENSION_NUMBERS"]

#: The layouts as jax.lax dimension numbers (input, weights, output), by d.
DIMENSION_NUMBERS = {1: ("NCW", "OWI", "NCW"), 2: ("NCHW", "OHWI", "NCHW"),
                     3: ("NCDHW", "ODHWI", "NCDHW")}


class Native(NamedTuple):
    """A library's own correlation and weight gradient, both for padding p."""

    name: str
    accepts: Callable[[Any], bool]                       # the namespace is this library's
    correlate: Callable[[Any, Any, int], Any]            # (x, w, p) -> y
    weight_gradient: Callable[[Any, Any, int, int], Any]  # (x, dy, k, p) -> dw


def _torch_channels_first(w: Any) -> Any:
    d = w.ndim - 2
    return w.permute((0, d + 1) + tuple(range(1, d + 1)))


def _torch_correlate(x: Any, w: Any, p: int) -> Any:
    import torch

    d = x.ndim - 2
    conv = (torch.nn.functional.conv1d, torch.nn.functional.conv2d,
            torch.nn.functional.conv3d)[d - 1]
    with torch.backends.cudnn.flags(enabled=True, allow_tf32=False):
        return conv(x, _torch_channels_first(w), padding=p)


def _torch_weight_gradient(x: Any, dy: Any, k: int, p: int) -> Any:
    import torch

    d = x.ndim - 2
    grad_fn = (torch.nn.grad.conv1d_weight, torch.nn.grad.conv2d_weight,
               torch.nn.grad.conv3d_weight)[d - 1]
    shape = (dy.shape[1], x.shape[1]) + (k,) * d
    with torch.backends.cudnn.flags(enabled=True, allow_tf32=False):
        grad = grad_fn(x, shape, dy, padding=p)
    return grad.permute((0,) + tuple(range(2, d + 2)) + (1,))


def _jax_correlate(x: Any, w: Any, p: int) -> Any:
    import jax

    d = x.ndim - 2
    return jax.lax.conv_general_dilated(
        x, w, window_strides=(1,) * d, padding=[(p, p)] * d,
        dimension_numbers=DIMENSION_NUMBERS[d], precision=jax.lax.Precision.HIGHEST)


def _jax_weight_gradient(x: Any, dy: Any, k: int, p: int) -> Any:
    import jax
    import jax.numpy as jnp

    d = x.ndim - 2
    zeros = jnp.zeros((dy.shape[1],) + (k,) * d + (x.shape[1],), dtype=x.dtype)
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
