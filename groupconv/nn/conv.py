"""Convolution layers of a G-CNN, with gradients: one class, ``BankConv``, for every group and every
dimension.

A layer is a filter bank (``groupconv.fast.banks``: any ``Bank``) and one bias per output
channel, shared across the point axis. Forward and backward go through the one array-level
path, ``groupconv.fast.correlate``:

    forward        y = correlate(x, expand(w), p) + b
    input grad     dx = correlate(dy, flip(expand(w))^T, K - 1 - p)      (the adjoint)
    weight grad    dw = expand^T(x ⋆ dy)

For a lattice group the input gradient of a G-correlation is the G-convolution of dy with the
same filter, channels swapped (the G-convolution is its adjoint); the tests and
``groupconv verify`` check that identity against ``group_convolution``.

``LiftingConv`` and ``GroupConv`` build the layer for any group, by name or object: a lattice
group in any dimension ("z2", "p4", "p4m", "p6", "P432", "Pm-3m", a registered one of your own),
``SE2(N)`` or ``ScaleTranslation(base, n_scales=..., scale_extent=...)``; the group carries
everything its bank needs. A layer reads ``input_space`` and writes ``output_space``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from array_api_compat import array_namespace, is_writeable_array

from ..arguments import flag, float_dtype, generator, integer, other_names
from ..fast.backend import on_device
from ..fast.banks import Bank, bank_for
from ..fast.correlate import backward, check_dy, forward, padding_for
from ..fast.engine import DEFAULT_MAX_WORKSPACE, Workspace
from ..groups import AffineGroup, Kind, Space
from ..groups.wallpaper import check_kernel_side
from .base import MOST_WEIGHTS, Layer, _in_dtype, checked_input, dtype_name, group_name

__all__ = ["BankConv", "LiftingConv", "GroupConv"]


class BankConv(Layer):
    """A correlation layer on a filter bank: x (B, C_in, [S_in,] *n) -> (B, C_out, S_out, *n'),
    plus one bias per output channel.

    ``mode``: "valid", "same", "full" or a padding in 0..K-1, for the expanded kernel size K
    (k, or larger for the scale group's banks). Weights are drawn from N(0, 2 / fan_in) with
    the true fan-in C_in S_in k^d (He initialisation for ReLU networks), from the given ``rng``
    (no global random state), in ``dtype``. The layer keeps its own ``Workspace``, so repeated
    calls reuse the engine's memory (at most ``max_workspace`` bytes of it).

    Parameters
    ----------
    bank : Bank
        The filter bank (``groupconv.fast.banks``: ``LatticeBank``, the sampled groups' banks),
        which fixes the group, the kind and the spaces read and written.
    c_in, c_out : int
        Channels in and out.
    k : int
        The kernel's side.
    mode : str or int
        "valid", "same", "full", or the padding.
    bias : bool
        One bias per output channel (shared by its samples, so equivariant).
    rng : numpy.random.Generator or int, optional
        Draws the weights.
    dtype : dtype
        float32 or float64.
    max_workspace : int
        Bytes of scratch memory the engine may keep.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> from groupconv.fast.banks import LatticeBank
    >>> layer = nn.BankConv(LatticeBank("p4m", "correlation"), 2, 3, 3, mode="same", rng=0)
    >>> layer(np.ones((1, 2, 8, 9, 9), np.float32)).shape, layer.params["weight"].shape
    ((1, 3, 8, 9, 9), (3, 2, 8, 3, 3))
    """

    def __init__(self, bank: Bank, c_in: int, c_out: int, k: int, *, mode: str | int = "valid",
                 bias: bool = True, rng: np.random.Generator | int | None = None,
                 dtype: Any = np.float32, max_workspace: int = DEFAULT_MAX_WORKSPACE):
        super().__init__()
        if not isinstance(bank, Bank):
            raise TypeError(f"BankConv needs a Bank (groupconv.fast.banks), got "
                            f"{type(bank).__name__}")
        c_in, c_out, k = (integer(value, name) for name, value in
                          (("c_in", c_in), ("c_out", c_out), ("k", k)))
        dtype = float_dtype(dtype, "dtype")
        bias = flag(bias, "bias")
        shape = bank.weight_shape(c_out, c_in, k)
        if math.prod(shape) > MOST_WEIGHTS:
            raise ValueError(f"c_in = {c_in}, c_out = {c_out} and k = {k} on {bank.group.name} "
                             f"make {math.prod(shape):,} weights {shape}, more than "
                             f"{MOST_WEIGHTS:,}: choose fewer channels or a smaller kernel")
        self.bank = bank
        self.c_in, self.c_out, self.k = c_in, c_out, k
        self.padding = padding_for(mode, bank, k, type(self).__name__)
        check_kernel_side(bank.group, k)
        self.mode = mode
        rng = generator(rng, "rng")
        fan_in = c_in * bank.input_space.samples * k ** bank.group.dim
        self.params["weight"] = (rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)).astype(dtype)
        if bias:
            self.params["bias"] = np.zeros(c_out, dtype=dtype)
        self.params.freeze()
        self.max_workspace = integer(max_workspace, f"{type(self).__name__} max_workspace (bytes)",
                                     1)
        self.workspace = Workspace()   # this layer's own scratch memory, reused between calls
        self.space = bank.input_space

    def output_space_for(self, space: Space) -> Space:
        return self.bank.output_space

    @property
    def input_channels(self) -> int:
        return self.c_in

    def output_channels_for(self, channels: int | None) -> int:
        return self.c_out

    def forward(self, x: Any, training: bool = False) -> tuple[Any, Any]:
        """y = correlate(x, expand(w), p) + b, and the cache ``backward`` needs."""
        x = checked_input(self, x, training)
        self._checked_layout(x)
        if not self.follows(x):
            self.to(x)
        x = _in_dtype(x, self.dtype)     # computes in its parameters' dtype
        y, saved = forward(x, self.params["weight"], self.bank, self.padding,
                           max_workspace=self.max_workspace, workspace=self.workspace,
                           op=repr(self))   # errors name the layer
        if "bias" in self.params:
            b = self.params["bias"]
            bias = array_namespace(b).reshape(b, (-1,) + (1,) * (1 + self.bank.group.dim))
            mask = self._mask(y)
            if mask is not None:        # the hexagon's functions: the bias inside it only
                xp = array_namespace(b)
                bias = xp.where(mask, bias, xp.zeros_like(bias))
            if is_writeable_array(y):
                y += bias           # y is the engine's fresh output: no copy
            else:
                y = y + bias
        return y, saved

    def backward(self, cache: Any, dy: Any, input_grad: bool = True
                 ) -> tuple[Any, dict[str, Any]]:
        """(dL/dx, {"weight": dL/dw, "bias": dL/db}) from dy = dL/dy; dL/dx is the adjoint
        correlation (None without ``input_grad``)."""
        dy = check_dy(cache, dy, self.bank, repr(self))
        input_grad = flag(input_grad, "backward: input_grad")
        dx, dw = backward(cache, dy, self.bank, input_grad=input_grad,
                          max_workspace=self.max_workspace, workspace=self.workspace)
        grads = {"weight": dw}
        if "bias" in self.params:
            channel = dy.ndim - 2 - self.bank.group.dim      # (..., C_out, S_out, *n')
            mask = self._mask(dy)
            xp = array_namespace(dy)
            grads["bias"] = xp.sum(dy if mask is None else xp.where(mask, dy, xp.zeros_like(dy)),
                                   axis=tuple(a for a in range(dy.ndim) if a != channel))
        return dx, grads

    def _mask(self, like: Any) -> Any:
        """The bank's domain on ``like``'s spatial axes (the hexagon, a boolean array in
        ``like``'s library and on its device), or None where every cell is in it."""
        d = self.bank.group.dim
        mask = self.bank.domain_mask(tuple(like.shape[like.ndim - d:]))
        return None if mask is None else on_device(mask, like)

    def config(self) -> dict[str, Any]:
        return {"type": "BankConv", "group": group_name(self.bank.group),
                "kind": self.bank.kind.value, "c_in": self.c_in, "c_out": self.c_out,
                "k": self.k, "mode": self.mode, "bias": "bias" in self.params,
                "dtype": dtype_name(self.params["weight"].dtype),
                "max_workspace": self.max_workspace}

    def __repr__(self) -> str:
        return (f"BankConv({self.bank!r}, c_in={self.c_in}, c_out={self.c_out}, k={self.k}, "
                f"mode={self.mode!r})")


@other_names("padding", "in_channels", "out_channels", "kernel_size", "stride",
             "dilation")
def LiftingConv(group: AffineGroup | str, c_in: int, c_out: int, k: int, *,
                mode: str | int = "valid", bias: bool = True,
                rng: np.random.Generator | int | None = None, dtype: Any = np.float32,
                max_workspace: int = DEFAULT_MAX_WORKSPACE) -> BankConv:
    """Lifting correlation (f * psi)(g) = sum_y sum_c f_c(y) psi_c(g^-1 y) + b:
    (B, C_in, *n) -> (B, C_out, S, *n'), for any group, in its dimension d.

    Parameters
    ----------
    group : AffineGroup or str
        A lattice group or its name ("p4", "P432", ...), ``SE2(N)`` or
        ``ScaleTranslation(base, n_scales=...)``.
    c_in, c_out, k : int
        Input and output channels, and the kernel side.
    mode : {"valid", "same", "full"} or int
        The padding: 0, k // 2, k - 1, or the padding itself (of the expanded kernel K).
    bias : bool
        One bias per output channel.
    rng : Generator, int or None
        The weights' random draws (He initialisation; no global random state).
    dtype : dtype
        The parameters' dtype.
    max_workspace : int
        Bytes of scratch memory.

    Returns
    -------
    BankConv
        Its ``forward(x, training)`` and ``backward(cache, dy)`` give y and the gradients.

    Notes
    -----
    Lattice groups: layer(L_h x) = L_h layer(x) for the rotations and mirrors h about the array
    centre, exactly (float rounding) for inputs of equal sides in every mode and for every k
    (docs/fast_path.md); translations at the array level only away from the border. Sampled
    groups: exactly at their exact samples (quarter turns of SE(2)_N), measured elsewhere.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> layer = nn.LiftingConv("p4m", 1, 2, 3, mode="same", rng=0)
    >>> layer(np.ones((1, 1, 5, 5))).shape, layer.output_space
    ((1, 2, 8, 5, 5), Space.on_group(P4M))
    """
    return BankConv(bank_for(group, Kind.LIFTING), c_in, c_out, k, mode=mode, bias=bias,
                    rng=rng, dtype=dtype, max_workspace=max_workspace)


@other_names("padding", "in_channels", "out_channels", "kernel_size", "stride",
             "dilation")
def GroupConv(group: AffineGroup | str, c_in: int, c_out: int, k: int, *,
              mode: str | int = "valid", bias: bool = True,
              rng: np.random.Generator | int | None = None, dtype: Any = np.float32,
              max_workspace: int = DEFAULT_MAX_WORKSPACE, kind: str = "correlation"
              ) -> BankConv:
    """Group correlation (f * psi)(g) = sum_h sum_c f_c(h) psi_c(g^-1 h) + b:
    (B, C_in, S, *n) -> (B, C_out, S, *n'), for any group; with ``kind="convolution"`` the true
    G-convolution (lattice groups).

    Parameters
    ----------
    group, c_in, c_out, k, mode, bias, rng, dtype, max_workspace
        As in ``LiftingConv``.
    kind : {"correlation", "convolution"}
        The G-correlation (the paper's layer) or the true G-convolution.

    Returns
    -------
    BankConv
        Equivariant like ``LiftingConv``; its input gradient is the G-convolution of dy with
        the same filter.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> layer = nn.GroupConv("p4", 2, 3, 3, mode="same", rng=0)
    >>> layer(np.ones((1, 2, 4, 5, 5))).shape
    (1, 3, 4, 5, 5)
    """
    parsed = Kind.parse(kind)
    if parsed is Kind.LIFTING:
        raise ValueError("GroupConv reads functions on G: kind must be 'correlation' or "
                         "'convolution' (use LiftingConv to lift)")
    return BankConv(bank_for(group, parsed), c_in, c_out, k, mode=mode, bias=bias, rng=rng,
                    dtype=dtype, max_workspace=max_workspace)
