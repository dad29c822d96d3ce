"""Array-level lifting correlation, group correlation and group convolution: fast and literal.

These are the layers of a G-CNN on fixed-size arrays, in the layout of DESIGN.md:

    lifting_correlation  x (..., C_in, H, W),     w (C_out, C_in, k, k)
    group_correlation    x (..., C_in, S, H, W),  w (C_out, C_in, S, k, k)
    group_convolution    same shapes as group_correlation (the true G-convolution)
    output               (..., C_out, S, H', W')

``mode`` is "valid", "same" (zero padding k // 2 on each side) or "full" (k - 1 on each side),
or the padding p itself (an int in 0..k-1), so H' = H + 2 p - k + 1. Rotations and mirrors
act about the centre of every array.

``method="fast"`` (the default) expands the filter bank with one gather and runs one standard 2D
correlation as matrix products (``groupconv.engine``), in the array library of the input.
``method="literal"`` evaluates the same array through the literal sums of ``groupconv.literal``
(the ground truth; slow, NumPy, float64), reading each output entry as one group element:

    correlation   y[o, s, i, j] = (x * w_o)(T(i + k//2 - p + d_s, j + k//2 - p + d_s) h_s)
    convolution   y[o, s, i, j] = (X ∗ w_o)(T(i + k - 1 - k//2 - p, j + ...) h_s),
                  where X(T(u + d_t, v + d_t) h_t) = x[t, u, v].

For odd k, d_s = 0. For even k, a k x k filter rotated about its geometric centre (what the
array level does, as GrouPy does) is the filter transformed by T(d_s) h_s, with the integer
d_s = (h_s (1, 1) - (1, 1)) / 2: slice s of the output sits at a shifted origin.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import literal
from .backend import as_real_float, from_numpy, namespace, to_numpy
from .banks import check_weights, expand
from .engine import DEFAULT_MAX_WORKSPACE, Workspace, check_size, correlate2d, padding_of
from .feature_maps import FeatureMap
from .groups import Z2, SemidirectProduct, get_group

__all__ = ["lifting_correlation", "group_correlation", "group_convolution", "slice_shifts",
           "bank_correlation", "check_bank_inputs"]

METHODS = ("fast", "literal")


def lifting_correlation(x: Any, w: Any, group: SemidirectProduct | str, *, mode: str = "valid",
                        method: str = "fast", max_workspace: int = DEFAULT_MAX_WORKSPACE,
                        workspace: Workspace | None = None) -> Any:
    """(f * psi)(g) = sum_y sum_c f_c(y) psi_c(g^-1 y), from Z^2 to G:
    x (..., C_in, H, W) -> (..., C_out, S, H', W').

    w has shape (C_out, C_in, k, k). See the module docstring for modes and methods; pass a
    ``Workspace`` kept between calls to reuse the engine's memory.
    """
    return _layer(x, w, group, "lifting", mode, method, max_workspace, workspace,
                  "lifting_correlation")


def group_correlation(x: Any, w: Any, group: SemidirectProduct | str, *, mode: str = "valid",
                      method: str = "fast", max_workspace: int = DEFAULT_MAX_WORKSPACE,
                      workspace: Workspace | None = None) -> Any:
    """(f * psi)(g) = sum_h sum_c f_c(h) psi_c(g^-1 h), from G to G:
    x (..., C_in, S, H, W) -> (..., C_out, S, H', W').

    w has shape (C_out, C_in, S, k, k).
    """
    return _layer(x, w, group, "correlation", mode, method, max_workspace, workspace,
                  "group_correlation")


def group_convolution(x: Any, w: Any, group: SemidirectProduct | str, *, mode: str = "valid",
                      method: str = "fast", max_workspace: int = DEFAULT_MAX_WORKSPACE,
                      workspace: Workspace | None = None) -> Any:
    """(f ∗ psi)(g) = sum_h sum_c f_c(h) psi_c(h^-1 g), the true G-convolution; shapes as
    ``group_correlation``. It is the adjoint of the G-correlation: the gradient of a
    G-correlation with respect to its input is a G-convolution with the same filter."""
    return _layer(x, w, group, "convolution", mode, method, max_workspace, workspace,
                  "group_convolution")


def slice_shifts(group: SemidirectProduct, k: int) -> np.ndarray:
    """d_s for every stabiliser element: (S, 2) ints, zero for odd k (see the module docstring)."""
    if k % 2:
        return np.zeros((group.stabiliser.order, 2), dtype=np.int64)
    return (group.stabiliser.matrices @ np.ones(2, np.int64) - 1) // 2


def bank_correlation(x: Any, w: Any, expansion, *, mode: str | int = "valid",
                     max_workspace: int = DEFAULT_MAX_WORKSPACE,
                     workspace: Workspace | None = None, op: str = "correlation") -> np.ndarray:
    """The correlation of x with the bank of any expansion (``LatticeBank``, ``se2.SE2Bank``,
    ``scale.ScaleBank``: ``expand``, ``kind``, ``s_in``, ``s_out``, ``weight_shape`` and
    optionally ``bank_size``), NumPy: x (B, C_in, [S_in,] H, W) -> (B, C_out, S_out, H', W').
    ``mode`` refers to the bank's size."""
    x, w = check_bank_inputs(x, w, expansion, op)
    k = w.shape[-1]
    size = expansion.bank_size(k) if hasattr(expansion, "bank_size") else k
    try:
        p = padding_of(mode, size)
        check_size(x.shape[-2], x.shape[-1], size, p, mode)
    except ValueError as error:
        raise ValueError(f"{op}: {error}") from None
    flat = x.reshape(x.shape[0], -1, x.shape[-2], x.shape[-1])
    y = correlate2d(flat, expansion.expand(w), p, max_workspace=max_workspace,
                    workspace=workspace)
    return y.reshape(x.shape[0], w.shape[0], expansion.s_out, y.shape[-2], y.shape[-1])


def check_bank_inputs(x: Any, w: Any, expansion, op: str) -> tuple[np.ndarray, np.ndarray]:
    """x and w as NumPy arrays of a common real floating dtype, with the shapes the expansion
    expects; a TypeError or ValueError that names them otherwise."""
    x, w = np.asarray(x), np.asarray(w)
    for name, a in (("input", x), ("weights", w)):
        if a.dtype == np.bool_ or not (np.issubdtype(a.dtype, np.floating)
                                       or np.issubdtype(a.dtype, np.integer)):
            raise TypeError(f"{op}: {name} must be real numbers, got {a.dtype}")
    dtype = np.result_type(x.dtype, w.dtype, np.float32)
    x, w = x.astype(dtype, copy=False), w.astype(dtype, copy=False)
    lifting = expansion.kind == "lifting"
    extent = None if lifting else expansion.weight_shape(1, 1, 1)[2]
    expected = "(C_out, C_in, k, k)" if lifting else f"(C_out, C_in, {extent}, k, k)"
    if w.ndim != (4 if lifting else 5) or w.shape[-1] != w.shape[-2] or \
            (not lifting and w.shape[2] != extent):
        raise ValueError(f"{op}: weights must have shape {expected}, got {w.shape}")
    core = (w.shape[1],) if lifting else (w.shape[1], expansion.s_in)
    if x.ndim != 3 + len(core) or x.shape[1:1 + len(core)] != core:
        layout = "(B, C_in, H, W)" if lifting else f"(B, C_in, {expansion.s_in}, H, W)"
        raise ValueError(f"{op}: input must have shape {layout} with C_in = {w.shape[1]}, "
                         f"got {x.shape}")
    return x, w


# ------------------------------------------------------------------ checks
def _layer(x, w, group, kind, mode, method, max_workspace, workspace, op):
    group = get_group(group)
    if method not in METHODS:
        raise ValueError(f"{op}: method must be 'fast' or 'literal', got {method!r}")
    x = as_real_float(x, f"{op}: input")
    w = check_weights(w, group, kind, op)
    xp = namespace(x, w, op=op)
    dtype = xp.result_type(x.dtype, w.dtype)
    x = x if x.dtype == dtype else xp.astype(x, dtype)
    w = w if w.dtype == dtype else xp.astype(w, dtype)
    s_in = 1 if kind == "lifting" else group.stabiliser.order
    c_out, c_in, k = w.shape[0], w.shape[1], w.shape[-1]
    core = 3 if kind == "lifting" else 4
    layout = "(..., C_in, H, W)" if kind == "lifting" else f"(..., C_in, {s_in}, H, W)"
    if x.ndim < core:
        raise ValueError(f"{op}: input must have shape {layout}, got shape {tuple(x.shape)}")
    if x.shape[-core] != c_in or (kind != "lifting" and x.shape[-3] != s_in):
        raise ValueError(f"{op}: input must have shape {layout} with C_in = {c_in} (from the "
                         f"weights {tuple(w.shape)}), got shape {tuple(x.shape)}")
    h, wd = x.shape[-2], x.shape[-1]
    try:
        p = padding_of(mode, k)
        check_size(h, wd, k, p, mode)
    except ValueError as error:
        raise ValueError(f"{op}: {error}") from None
    ho, wo = h + 2 * p - k + 1, wd + 2 * p - k + 1
    lead = tuple(x.shape[:-core])
    s_out = group.stabiliser.order
    if method == "literal":
        out = _literal(x, w, group, kind, mode)
    else:
        batch = int(np.prod(lead, dtype=np.int64))
        flat = xp.reshape(x, (batch, c_in * s_in, h, wd))
        bank = expand(w, group, kind, layout="engine")
        out = correlate2d(flat, bank, mode, max_workspace=max_workspace, workspace=workspace)
    return xp.reshape(out, lead + (c_out, s_out, ho, wo))


# ------------------------------------------------------------------ literal
def _literal(x, w, group: SemidirectProduct, kind: str, mode: str | int):
    """The same array as the fast path, entry by entry through the literal sums (float64)."""
    xn = to_numpy(x).astype(np.float64)
    wn = to_numpy(w).astype(np.float64)
    k = wn.shape[-1]
    p = padding_of(mode, k)
    core = 3 if kind == "lifting" else 4
    xn = xn.reshape((-1,) + xn.shape[-core:])
    psis = [_feature_map(Z2 if kind == "lifting" else group, wo, origin="centre") for wo in wn]
    shifts = slice_shifts(group, k)
    # output entry [s, i, j] is the element T((i, j) + offset_s) h_s (see the module docstring)
    if kind == "convolution":
        offsets = np.full_like(shifts, k - 1 - k // 2 - p)
    else:
        offsets = k // 2 - p + shifts
    ho, wo = xn.shape[-2] + 2 * p - k + 1, xn.shape[-1] + 2 * p - k + 1
    grid = np.stack(np.meshgrid(np.arange(ho), np.arange(wo), indexing="ij"), axis=-1)
    elements = group.from_parts(np.arange(len(shifts))[:, None, None],
                                grid[None] + offsets[:, None, None, :])
    outs = []
    for xb in xn:
        if kind == "lifting":
            exact = literal.lifting_correlation(FeatureMap(Z2, xb), psis, group)
        elif kind == "correlation":
            exact = literal.group_correlation(_feature_map(group, xb), psis)
        else:
            exact = literal.group_convolution(_placed(xb, group, shifts), psis)
        outs.append(exact(elements))
    return from_numpy(np.stack(outs), x)


def _placed(xb: np.ndarray, group: SemidirectProduct, shifts: np.ndarray) -> FeatureMap:
    """The function X on G with X(T(u + d_t, v + d_t) h_t) = xb[:, t, u, v]."""
    c, s, h, wd = xb.shape
    lo = shifts.min(axis=0)
    hi = shifts.max(axis=0)
    values = np.zeros((c, s, h + hi[0] - lo[0], wd + hi[1] - lo[1]))
    for t in range(s):
        du, dv = shifts[t] - lo
        values[:, t, du:du + h, dv:dv + wd] = xb[:, t]
    return _feature_map(group, values, origin=(-int(lo[0]), -int(lo[1])))


def _feature_map(group: SemidirectProduct, values: np.ndarray, origin=(0, 0)) -> FeatureMap:
    """A FeatureMap from array-level values (C, [S,] H, W); on Z2 the S = 1 axis is dropped."""
    if group.stabiliser.order == 1 and values.ndim == 4:
        values = values[:, 0]
    return FeatureMap(group, values, origin=origin)
