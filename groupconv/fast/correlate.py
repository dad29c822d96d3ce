"""The one array-level correlation path, with its adjoint and weight gradient; and the public
lifting correlation, group correlation and group convolution of lattice groups.

Every array-level layer is a bank expansion (``groupconv.fast.banks``) followed by one standard
2D correlation (``groupconv.fast.engine``). This module is the only place that puts the two
together, for every caller: the public functions below, ``groupconv.se2``, ``groupconv.scale``
and every nn layer, forwards and backwards. With B the batch, p the padding and K the expanded
kernel size:

    forward          y = correlate2d(x, expand(w), p)                     (B, C_out S_out, H', W')
    input gradient   dx = correlate2d(dy, flip(expand(w))^T, K - 1 - p)    (the adjoint)
    weight gradient  dw = adjoint(sum_b x_pad ⋆ dy)                        (bank^T of the taps)

Layouts (docs/conventions.md): x (..., C_in, H, W) on Z^2 or (..., C_in, S_in, H, W) on G; w
(C_out, C_in, k, k) or (C_out, C_in, S, k, k); output (..., C_out, S_out, H', W'). On the
hexagonal lattice (p3, p3m1, p31m, p6, p6m; axial coordinates) arrays are square of odd side
and only the hexagon about their centre holds the function: x's other cells are ignored, the
output's are zero, and kernels are hexagons of k x k arrays (k odd).

The public functions take ``mode`` "valid", "same" (zero padding k // 2 on each side), "full"
(k - 1), or the padding p itself (an int in 0..k-1), so H' = H + 2 p - k + 1; rotations and
mirrors act about the centre of every array. ``method="fast"`` (the default) runs the path
above in the array library of the input; ``method="literal"`` evaluates the same array entry by
entry through the literal sums (``groupconv.literal.arrays``: the ground truth; slow, NumPy,
float64 internally, returned in the input's dtype and library).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from array_api_compat import array_namespace, is_dask_array

from ..literal.arrays import array_correlation, slice_shifts
from ..modes import check_size, padding_of
from .backend import from_numpy, indices_like, to_numpy
from .banks import Bank, LatticeBank
from .engine import DEFAULT_MAX_WORKSPACE, Workspace, adjoint_weights, correlate2d, weight_gradient
from .validation import check_inputs

__all__ = ["lifting_correlation", "group_correlation", "group_convolution", "correlate",
           "correlate_literal", "forward", "backward", "padding_for", "slice_shifts", "METHODS"]

METHODS = ("fast", "literal")


# ------------------------------------------------------------------ the one path
def padding_for(mode: str | int, bank: Bank, k: int, op: str = "correlate") -> int:
    """The padding p of ``mode`` for k x k weights on ``bank`` (modes refer to the expanded
    kernel size K = ``bank.kernel_size(k)``)."""
    try:
        return padding_of(mode, bank.kernel_size(k))
    except ValueError as error:
        raise ValueError(f"{op}: {error}") from None


def correlate(x: Any, w: Any, bank: Bank, mode: str | int = "valid", *,
              max_workspace: int = DEFAULT_MAX_WORKSPACE, workspace: Workspace | None = None,
              op: str = "correlate") -> Any:
    """y = x ⋆ expand(w) with the padding of ``mode``: x (..., C_in, [S_in,] H, W) ->
    (..., C_out, S_out, H', W'), in the array library of x. A Dask array gives a lazy Dask
    array, computed chunk by chunk (see ``forward``)."""
    if is_dask_array(x):
        return _dask(x, w, bank, mode, max_workspace, op)
    xp, x, w = check_inputs(x, w, bank, op)
    p = padding_for(mode, bank, w.shape[-1], op)
    return _forward(xp, x, w, bank, p, max_workspace, workspace, op)[0]


def correlate_literal(x: Any, w: Any, bank: Bank, mode: str | int,
                      sums: Callable[[np.ndarray, np.ndarray, int], np.ndarray],
                      op: str = "correlate") -> Any:
    """The array ``correlate`` gives, computed by literal sums instead: ``sums(x, w, p)`` on
    NumPy float64 x (B, C_in, S_in, H, W) and w (C_out, C_in, J, k, k) (S_in = J = 1 for
    lifting) returns (B, C_out, S_out, H', W'); the result comes back in x's library and dtype."""
    xp, x, w = check_inputs(x, w, bank, op)
    p = padding_for(mode, bank, w.shape[-1], op)
    core = 3 if bank.input_space.is_plane else 4
    lead = tuple(x.shape[:-core])
    h, wd, k = x.shape[-2], x.shape[-1], w.shape[-1]
    try:
        check_size(h, wd, bank.kernel_size(k), p)
    except ValueError as error:
        raise ValueError(f"{op}: {error}") from None
    xn = to_numpy(x).astype(np.float64).reshape((-1, x.shape[-core], bank.s_in, h, wd))
    wn = to_numpy(w).astype(np.float64).reshape(
        (w.shape[0], w.shape[1], bank.weight_extent or 1, k, k))
    out = sums(xn, wn, p)
    return xp.reshape(from_numpy(out, x), lead + tuple(out.shape[1:]))


def forward(x: Any, w: Any, bank: Bank, padding: int, *,
            max_workspace: int = DEFAULT_MAX_WORKSPACE, workspace: Workspace | None = None,
            op: str = "correlate") -> tuple[Any, tuple]:
    """``correlate``, and what ``backward`` needs (the flat input and the expanded bank).

    A Dask array x gives a lazy Dask array: each chunk of the leading (batch) axes goes through
    this path in NumPy (the other axes are joined into one chunk), so a layer runs over an
    image set larger than memory, or on a dask.distributed cluster. Nothing is saved for a
    backward pass then (None)."""
    if is_dask_array(x):
        return _dask(x, w, bank, padding, max_workspace, op), None
    xp, x, w = check_inputs(x, w, bank, op)
    return _forward(xp, x, w, bank, padding, max_workspace, workspace, op)


def _forward(xp, x, w, bank: Bank, padding: int, max_workspace, workspace, op):
    """``forward`` on checked arrays."""
    _check_engine_options(max_workspace, workspace, op)
    size = bank.kernel_size(w.shape[-1])
    core = 3 if bank.input_space.is_plane else 4
    lead = tuple(x.shape[:-core])
    h, wd = x.shape[-2], x.shape[-1]
    try:
        ho, wo = check_size(h, wd, size, padding)
    except ValueError as error:
        raise ValueError(f"{op}: {error}") from None
    flat = _on_domain(xp.reshape(x, (math.prod(lead), w.shape[1] * bank.s_in, h, wd)), bank)
    expanded = bank.expand(w)
    y = correlate2d(flat, expanded, padding, max_workspace=max_workspace, workspace=workspace)
    y = xp.reshape(_on_domain(y, bank), lead + (w.shape[0], bank.s_out, ho, wo))
    return y, (flat, expanded, tuple(x.shape), tuple(w.shape), padding)


def backward(saved: tuple, dy: Any, bank: Bank, *, input_grad: bool = True,
             max_workspace: int = DEFAULT_MAX_WORKSPACE, workspace: Workspace | None = None
             ) -> tuple[Any, Any]:
    """(dL/dx, dL/dw) from dy = dL/dy and what ``forward`` saved: the adjoint correlation with
    the flipped, transposed bank (padding K - 1 - p), and the bank's adjoint of the tap
    gradient. dL/dx is None without ``input_grad``."""
    if saved is None:
        raise TypeError("backward: no gradients through Dask arrays (the forward pass was lazy); "
                        "run the layer on NumPy, CuPy, PyTorch or array-api-strict chunks")
    flat, expanded, x_shape, w_shape, p = saved
    xp = array_namespace(dy)
    size = expanded.shape[1]
    dyf = _on_domain(xp.reshape(dy, (flat.shape[0], expanded.shape[0], dy.shape[-2],
                                     dy.shape[-1])), bank)
    dx = None
    if input_grad:
        dx = correlate2d(dyf, adjoint_weights(expanded), adjoint_padding(size, p),
                         max_workspace=max_workspace, workspace=workspace)
        dx = xp.reshape(_on_domain(dx, bank), x_shape)
    dbank = weight_gradient(flat, dyf, size, p, max_workspace=max_workspace,
                            workspace=workspace)
    return dx, bank.adjoint(dbank, w_shape)


def _on_domain(a: Any, bank: Bank) -> Any:
    """a (N, C, H, W) with the cells outside the bank's domain set to zero: on the hexagonal
    lattice an array is a function on the hexagon about its centre, and the cells outside it
    are ignored on input and zero on output (so every layer is exactly equivariant); on the
    square lattice and the sampled groups, a itself."""
    mask = bank.domain_mask(a.shape[-2], a.shape[-1])
    if mask is None:
        return a
    xp = array_namespace(a)
    return xp.where(indices_like(mask, a), a, xp.zeros_like(a))   # NaN outside stays outside


def adjoint_padding(size: int, p: int) -> int:
    """The padding of the adjoint of a correlation with K x K taps and padding p: K - 1 - p."""
    return size - 1 - p


def _dask(x: Any, w: Any, bank: Bank, mode: str | int, max_workspace: int, op: str) -> Any:
    """The lazy correlation of a Dask array x: every chunk of its leading axes in NumPy."""
    import dask.array as da

    if is_dask_array(w):
        w = w.compute()
    w = to_numpy(w) if hasattr(w, "__array_namespace__") or hasattr(w, "__dlpack__") \
        else np.asarray(w)
    core = 3 if bank.input_space.is_plane else 4
    if x.ndim < core:
        raise ValueError(f"{op}: input must have shape {bank.input_space.layout()}, "
                         f"got shape {tuple(x.shape)}")
    # check shapes and dtypes on one image's worth of a stand-in, before building the graph
    stand_in = np.broadcast_to(np.zeros((), x.dtype), (1,) + tuple(x.shape[-core:]))
    _, probe, w = check_inputs(stand_in, w, bank, op)
    p = padding_for(mode, bank, w.shape[-1], op)
    _check_engine_options(max_workspace, None, op)
    try:
        ho, wo = check_size(x.shape[-2], x.shape[-1], bank.kernel_size(w.shape[-1]), p)
    except ValueError as error:
        raise ValueError(f"{op}: {error}") from None
    lead = x.ndim - core
    x = x.astype(probe.dtype).rechunk({axis: -1 for axis in range(lead, x.ndim)})
    chunks = x.chunks[:lead] + ((w.shape[0],), (bank.s_out,), (ho,), (wo,))

    def block(xb: np.ndarray) -> np.ndarray:
        return correlate(xb, w, bank, p, max_workspace=max_workspace, op=op)

    new_axis = [lead + 1] if bank.input_space.is_plane else None
    return da.map_blocks(block, x, chunks=chunks, new_axis=new_axis, dtype=probe.dtype,
                         meta=np.empty((0,) * (lead + 4), probe.dtype))


def _check_engine_options(max_workspace: Any, workspace: Any, op: str) -> None:
    if isinstance(max_workspace, bool) or not isinstance(max_workspace, int) or \
            max_workspace < 1:
        raise TypeError(f"{op}: max_workspace must be a positive int (bytes), "
                        f"got {max_workspace!r}")
    if workspace is not None and not isinstance(workspace, Workspace):
        raise TypeError(f"{op}: workspace must be a groupconv Workspace or None, "
                        f"got {type(workspace).__name__}")


# ------------------------------------------------------------------ public edge
def lifting_correlation(x: Any, w: Any, group: Any, *, mode: str | int = "valid",
                        method: str = "fast", max_workspace: int = DEFAULT_MAX_WORKSPACE,
                        workspace: Workspace | None = None) -> Any:
    """(f * psi)(g) = sum_y sum_c f_c(y) psi_c(g^-1 y), from Z^2 to G:
    x (..., C_in, H, W), w (C_out, C_in, k, k) -> (..., C_out, S, H', W').

    x, w: real arrays of one library (NumPy, CuPy, PyTorch, JAX, Dask or any array-API
    library; the result is in the same library). Dtypes: float32 and float64 are computed as
    given (x and w in their common dtype), float16 and bfloat16 in float32, integers and bools
    in float64; complex numbers are refused (TypeError).

    group: a lattice group or its registered name ("z2", "p4", "p4m", ...).
    mode: "valid" (no padding, H' = H - k + 1), "same" (zero padding k // 2 on each side,
        H' = H for odd k), "full" (k - 1, H' = H + k - 1), or the padding p itself (an int in
        0..k-1, H' = H + 2 p - k + 1). Rotations and mirrors act about the array centre.
    method: "fast" (a filter bank gathered once, then one 2D correlation in x's library) or
        "literal" (the same array entry by entry through the literal sums of
        ``groupconv.literal``: the ground truth, slow, float64 inside, returned in x's dtype
        and library).
    max_workspace, workspace: pass a ``Workspace`` kept between calls to reuse the engine's
        memory; ``max_workspace`` bounds it, in bytes.
    """
    return _lattice(x, w, LatticeBank.lifting(group), mode, method, max_workspace, workspace,
                    "lifting_correlation")


def group_correlation(x: Any, w: Any, group: Any, *, mode: str | int = "valid",
                      method: str = "fast", max_workspace: int = DEFAULT_MAX_WORKSPACE,
                      workspace: Workspace | None = None) -> Any:
    """(f * psi)(g) = sum_h sum_c f_c(h) psi_c(g^-1 h), from G to G:
    x (..., C_in, S, H, W), w (C_out, C_in, S, k, k) -> (..., C_out, S, H', W'), S the order of
    the group's stabiliser (4 for p4, 8 for p4m), in the stabiliser's element order.

    x, w, group, mode, method, max_workspace, workspace: as in ``lifting_correlation`` (the
    array library, the dtypes rule, the padding modes and the two methods).
    """
    return _lattice(x, w, LatticeBank.correlation(group), mode, method, max_workspace,
                    workspace, "group_correlation")


def group_convolution(x: Any, w: Any, group: Any, *, mode: str | int = "valid",
                      method: str = "fast", max_workspace: int = DEFAULT_MAX_WORKSPACE,
                      workspace: Workspace | None = None) -> Any:
    """(f ∗ psi)(g) = sum_h sum_c f_c(h) psi_c(h^-1 g), the true G-convolution; shapes as
    ``group_correlation``. It is the adjoint of the G-correlation: the gradient of a
    G-correlation with respect to its input is a G-convolution with the same filter.

    x, w, group, mode, method, max_workspace, workspace: as in ``lifting_correlation``.
    """
    return _lattice(x, w, LatticeBank.convolution(group), mode, method, max_workspace,
                    workspace, "group_convolution")


def _lattice(x, w, bank: LatticeBank, mode, method, max_workspace, workspace, op):
    if method == "fast":
        return correlate(x, w, bank, mode, max_workspace=max_workspace, workspace=workspace,
                         op=op)
    if method == "literal":
        def sums(xn, wn, p):
            return array_correlation(xn, wn, bank.group, p, lifting=bank.input_space.is_plane,
                                     inverted=bank.inverted)
        return correlate_literal(x, w, bank, mode, sums, op)
    raise ValueError(f"{op}: method must be 'fast' or 'literal', got {method!r}")
