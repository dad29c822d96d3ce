"""Convolution layers of a G-CNN: lifting and group correlation, with their gradients.

Both are the array-level correlations of ``groupconv.correlation`` plus one bias per output
channel shared across the stabiliser. A bank expansion (``LatticeBank`` for Z2, P4, P4M; other
groups provide the same interface) turns weights into the filter bank, and the correlation
engine does the rest, forwards and backwards:

    forward        y = correlate(x, bank(w)) + b
    input grad     dx = correlate(dy, flip(bank)^T, padding k - 1 - p)      (the adjoint)
    weight grad    dbank = correlate(x, dy) over the batch;  dw = bank^T(dbank)

For the group correlation the adjoint is a G-convolution with the same filter, input and output
channels swapped: dx = group_convolution(dy, w^T, padding k - 1 - p); ``GroupConv`` computes it
that way, through the fast path.
"""

from __future__ import annotations

import numpy as np

from ..banks import LatticeBank
from ..correlation import group_convolution
from ..engine import (
    DEFAULT_MAX_WORKSPACE, Workspace, adjoint_weights, correlate2d, padding_of, weight_gradient,
)
from ..groups import SemidirectProduct
from .base import Layer

__all__ = ["BankConv", "LiftingConv", "GroupConv"]


class BankConv(Layer):
    """A correlation layer defined by a bank expansion: x (B, C_in, [S_in,] H, W) ->
    (B, C_out, S_out, H', W'), with one bias per output channel.

    ``expansion`` provides ``kind`` ("lifting" or not), ``s_in``, ``s_out``,
    ``weight_shape(c_out, c_in, k)``, ``expand(w)`` (the bank in the engine layout
    (C_out S_out, K, K, C_in S_in)), ``adjoint(dbank, weight_shape)`` (its transpose) and,
    when the bank is larger than the k x k weights, ``bank_size(k)`` (K; the mode's padding
    refers to it).

    Weights are drawn from N(0, 2 / fan_in) with the true fan-in C_in S_in k k (He
    initialisation for ReLU networks), from the given ``rng`` (no global random state).
    """

    def __init__(self, expansion, c_in: int, c_out: int, k: int, *, mode: str | int = "valid",
                 bias: bool = True, rng: np.random.Generator | int | None = None,
                 dtype=np.float32, max_workspace: int = DEFAULT_MAX_WORKSPACE):
        super().__init__()
        for name, value in (("c_in", c_in), ("c_out", c_out), ("k", k)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        self.expansion = expansion
        self.c_in, self.c_out, self.k = c_in, c_out, k
        # the bank may be larger than the weights (kernels at larger scales)
        self.bank_size = expansion.bank_size(k) if hasattr(expansion, "bank_size") else k
        self.padding = padding_of(mode, self.bank_size)
        self.mode = mode
        rng = np.random.default_rng(rng)
        fan_in = c_in * expansion.s_in * k * k
        shape = expansion.weight_shape(c_out, c_in, k)
        self.params["weight"] = (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(dtype)
        if bias:
            self.params["bias"] = np.zeros(c_out, dtype=dtype)
        self.max_workspace = max_workspace
        self.workspace = Workspace()   # this layer's own scratch memory, reused between calls

    def _flat_input(self, x: np.ndarray) -> np.ndarray:
        """(B, C_in, H, W) for lifting, (B, C_in, S_in, H, W) otherwise -> (B, C_in S_in, H, W)."""
        s_in = self.expansion.s_in
        core = (self.c_in,) if self.expansion.kind == "lifting" else (self.c_in, s_in)
        if x.ndim != 3 + len(core) or tuple(x.shape[1:1 + len(core)]) != core:
            raise ValueError(f"{type(self).__name__} expects input of shape "
                             f"(B, {', '.join(map(str, core))}, H, W), got {tuple(x.shape)}")
        return x.reshape(x.shape[0], self.c_in * s_in, x.shape[-2], x.shape[-1])

    def forward(self, x, training=False):
        xf = self._flat_input(x)
        bank = self.expansion.expand(self.params["weight"])
        y = correlate2d(xf, bank, self.padding, max_workspace=self.max_workspace,
                        workspace=self.workspace)
        y = y.reshape(y.shape[0], self.c_out, self.expansion.s_out, y.shape[-2], y.shape[-1])
        if "bias" in self.params:
            y += self.params["bias"][:, None, None, None]
        return y, (xf, bank, x.shape)

    def backward(self, cache, dy, input_grad=True):
        xf, bank, x_shape = cache
        dyf = dy.reshape(dy.shape[0], -1, dy.shape[-2], dy.shape[-1])
        dx = self._input_gradient(dy, dyf, bank).reshape(x_shape) if input_grad else None
        dbank = weight_gradient(xf, dyf, self.bank_size, self.padding,
                                max_workspace=self.max_workspace, workspace=self.workspace)
        grads = {"weight": self.expansion.adjoint(dbank, self.params["weight"].shape)}
        if "bias" in self.params:
            grads["bias"] = dy.sum(axis=(0, 2, 3, 4))
        return dx, grads

    def _input_gradient(self, dy, dyf, bank):
        """The adjoint correlation: flipped, transposed bank, padding k - 1 - p."""
        return correlate2d(dyf, adjoint_weights(bank), self.bank_size - 1 - self.padding,
                           max_workspace=self.max_workspace, workspace=self.workspace)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}({self.expansion!r}, c_in={self.c_in}, "
                f"c_out={self.c_out}, k={self.k}, mode={self.mode!r})")


class LiftingConv(BankConv):
    """Lifting correlation (f * psi)(g) = sum_y sum_c f_c(y) psi_c(g^-1 y) + b:
    (B, C_in, H, W) -> (B, C_out, S, H', W').

    Equivariant: layer(L_h x) = L_h layer(x) for the rotations and mirrors h of the group about
    the array centre, exactly (float rounding) for square inputs in every mode and for every k
    (see docs/fast_path.md); translations at the array level only away from the border.
    """

    def __init__(self, group: SemidirectProduct | str, c_in: int, c_out: int, k: int, **kwargs):
        super().__init__(LatticeBank(group, "lifting"), c_in, c_out, k, **kwargs)


class GroupConv(BankConv):
    """Group correlation (f * psi)(g) = sum_h sum_c f_c(h) psi_c(g^-1 h) + b:
    (B, C_in, S, H, W) -> (B, C_out, S, H', W').

    Equivariant like ``LiftingConv`` (exact for square inputs, every mode and k). Its input
    gradient is the G-convolution of dy with the same filter (channels swapped): the
    G-convolution is the adjoint of the G-correlation.
    """

    def __init__(self, group: SemidirectProduct | str, c_in: int, c_out: int, k: int, **kwargs):
        super().__init__(LatticeBank(group, "correlation"), c_in, c_out, k, **kwargs)

    def _input_gradient(self, dy, dyf, bank):
        w_t = np.swapaxes(self.params["weight"], 0, 1)
        return group_convolution(dy, w_t, self.expansion.group, mode=self.k - 1 - self.padding,
                                 max_workspace=self.max_workspace, workspace=self.workspace)
