"""Convolution layers of a G-CNN, with gradients: one class, ``BankConv``, for every group.

A layer is a filter bank (``groupconv.fast.banks``: any ``Bank``) and one bias per output
channel, shared across the stabiliser. Forward and backward go through the one array-level
path, ``groupconv.fast.correlate``:

    forward        y = correlate(x, expand(w), p) + b
    input grad     dx = correlate(dy, flip(expand(w))^T, K - 1 - p)      (the adjoint)
    weight grad    dw = expand^T(x ⋆ dy)

For a lattice group the input gradient of a G-correlation is the G-convolution of dy with the
same filter, channels swapped (the G-convolution is its adjoint); the tests and
``groupconv verify`` check that identity against ``group_convolution``.

``LiftingConv`` and ``GroupConv`` build the layer for any group: a lattice group or its name
("z2", "p4", "p4m", ...), ``SE2(N)`` or ``ScaleTranslation(base)`` (see ``fast.banks``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from array_api_compat import array_namespace, is_writeable_array

from ..fast.banks import Bank, correlation_bank, lifting_bank
from ..fast.correlate import backward, forward, padding_for
from ..fast.engine import DEFAULT_MAX_WORKSPACE, Workspace
from .base import Layer

__all__ = ["BankConv", "LiftingConv", "GroupConv"]


class BankConv(Layer):
    """A correlation layer on a filter bank: x (B, C_in, [S_in,] H, W) -> (B, C_out, S_out, H', W'),
    plus one bias per output channel.

    ``mode``: "valid", "same", "full" or a padding in 0..K-1, for the expanded kernel size K
    (k, or larger for the scale group's banks). Weights are drawn from N(0, 2 / fan_in) with
    the true fan-in C_in S_in k k (He initialisation for ReLU networks), from the given ``rng``
    (no global random state), in ``dtype``. The layer keeps its own ``Workspace``, so repeated
    calls reuse the engine's memory (at most ``max_workspace`` bytes of it).
    """

    def __init__(self, bank: Bank, c_in: int, c_out: int, k: int, *, mode: str | int = "valid",
                 bias: bool = True, rng: np.random.Generator | int | None = None,
                 dtype: Any = np.float32, max_workspace: int = DEFAULT_MAX_WORKSPACE):
        super().__init__()
        if not isinstance(bank, Bank):
            raise TypeError(f"BankConv needs a Bank (groupconv.fast.banks), got "
                            f"{type(bank).__name__}")
        for name, value in (("c_in", c_in), ("c_out", c_out), ("k", k)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        self.bank = bank
        self.c_in, self.c_out, self.k = c_in, c_out, k
        self.padding = padding_for(mode, bank, k, type(self).__name__)
        self.mode = mode
        rng = np.random.default_rng(rng)
        fan_in = c_in * bank.s_in * k * k
        shape = bank.weight_shape(c_out, c_in, k)
        self.params["weight"] = (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(dtype)
        if bias:
            self.params["bias"] = np.zeros(c_out, dtype=dtype)
        self.max_workspace = max_workspace
        self.workspace = Workspace()   # this layer's own scratch memory, reused between calls

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Any]:
        """y = correlate(x, expand(w), p) + b, and the cache ``backward`` needs."""
        if not self.follows(x):
            self.to(x)
        y, saved = forward(x, self.params["weight"], self.bank, self.padding,
                           max_workspace=self.max_workspace, workspace=self.workspace,
                           op=repr(self))   # errors name the layer
        if "bias" in self.params:
            b = self.params["bias"]
            bias = array_namespace(b).reshape(b, (-1, 1, 1, 1))
            if is_writeable_array(y):
                y += bias           # y is the engine's fresh output: no copy
            else:
                y = y + bias
        return y, saved

    def backward(self, cache: Any, dy: Any, input_grad: bool = True
                 ) -> tuple[Any, dict[str, Any]]:
        """(dL/dx, {"weight": dL/dw, "bias": dL/db}) from dy = dL/dy; dL/dx is the adjoint
        correlation (None without ``input_grad``)."""
        dx, dw = backward(cache, dy, self.bank, input_grad=input_grad,
                          max_workspace=self.max_workspace, workspace=self.workspace)
        grads = {"weight": dw}
        if "bias" in self.params:
            channel = dy.ndim - 4          # (..., C_out, S_out, H', W')
            grads["bias"] = array_namespace(dy).sum(
                dy, axis=tuple(a for a in range(dy.ndim) if a != channel))
        return dx, grads

    def __repr__(self) -> str:
        return (f"BankConv({self.bank!r}, c_in={self.c_in}, c_out={self.c_out}, k={self.k}, "
                f"mode={self.mode!r})")


def LiftingConv(group: Any, c_in: int, c_out: int, k: int, *, mode: str | int = "valid",
                bias: bool = True, rng: np.random.Generator | int | None = None,
                dtype: Any = np.float32, max_workspace: int = DEFAULT_MAX_WORKSPACE,
                mask: bool | None = None, n_scales: int | None = None) -> BankConv:
    """Lifting correlation (f * psi)(g) = sum_y sum_c f_c(y) psi_c(g^-1 y) + b:
    (B, C_in, H, W) -> (B, C_out, S, H', W'), for any group: a lattice group or its name, SE2(N)
    (``mask``: kernels on the disk, default True) or ScaleTranslation(base) (``n_scales``).

    ``mode``: "valid", "same" (padding k // 2), "full" (k - 1) or the padding itself;
    ``bias``: one bias per output channel; ``rng``: the weights' random draws (He
    initialisation); ``dtype``: the parameters' dtype; ``max_workspace``: bytes of scratch
    memory. Returns a ``BankConv``, whose ``forward(x, training)`` and ``backward(cache, dy)``
    give y and the gradients.

    Lattice groups: layer(L_h x) = L_h layer(x) for the rotations and mirrors h about the array
    centre, exactly (float rounding) for square inputs in every mode and for every k
    (docs/fast_path.md); translations at the array level only away from the border.
    """
    return BankConv(lifting_bank(group, **_bank_options(mask, n_scales, None)), c_in, c_out, k,
                    mode=mode, bias=bias, rng=rng, dtype=dtype, max_workspace=max_workspace)


def GroupConv(group: Any, c_in: int, c_out: int, k: int, *, mode: str | int = "valid",
              bias: bool = True, rng: np.random.Generator | int | None = None,
              dtype: Any = np.float32, max_workspace: int = DEFAULT_MAX_WORKSPACE,
              mask: bool | None = None, n_scales: int | None = None,
              scale_extent: int | None = None) -> BankConv:
    """Group correlation (f * psi)(g) = sum_h sum_c f_c(h) psi_c(g^-1 h) + b:
    (B, C_in, S, H, W) -> (B, C_out, S, H', W'), for any group; options as ``LiftingConv``
    (the scale group also takes ``scale_extent``, the scale offsets m, default 2). Equivariant
    like ``LiftingConv``; its input gradient is the G-convolution of dy with the same filter."""
    return BankConv(correlation_bank(group, **_bank_options(mask, n_scales, scale_extent)),
                    c_in, c_out, k, mode=mode, bias=bias, rng=rng, dtype=dtype,
                    max_workspace=max_workspace)


def _bank_options(mask, n_scales, scale_extent) -> dict:
    given = {"mask": mask, "n_scales": n_scales, "scale_extent": scale_extent}
    return {key: value for key, value in given.items() if value is not None}
