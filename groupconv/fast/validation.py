"""The one validation of the array level: weights and inputs against a bank, one dtype rule.

Every array-level correlation (the public functions and every nn layer, for every group) checks
its arguments here and nowhere else. The dtype rule, for every group:

- float32 and float64 are kept; float16 and bfloat16 are computed (and returned) in float32,
  where BLAS works;
- integer and boolean arrays become float64 (exact for integers up to 2^53; JAX without x64
  makes them float32, exact up to 2^24);
- input and weights are brought to their common floating type;
- anything else (complex, object, strings) is a TypeError.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..arguments import counted, plain_array
from ..groups.wallpaper import check_kernel_side
from .backend import namespace, to_numpy

if TYPE_CHECKING:
    from .banks import Bank

__all__ = ["as_array", "as_float", "real_numpy", "check_weights", "check_inputs"]


def as_array(a: Any) -> Any:
    """Nested lists (and tuples) as a NumPy array, as the correlations read them; anything
    else as it is (an array of any library keeps its dtype and library)."""
    return np.asarray(a) if isinstance(a, (list, tuple)) else a


def as_float(a: Any, what: str) -> Any:
    """``a`` as float32 or float64 by the module's rule, in its own array library."""
    plain_array(a, what)
    if isinstance(a, (list, tuple, int, float)):
        try:
            a = np.asarray(a)
        except (TypeError, ValueError):
            raise TypeError(f"{what} must be an array of real numbers, got a ragged or mixed "
                            f"{type(a).__name__}") from None
    dtype = getattr(a, "dtype", None)
    if dtype is None or not hasattr(a, "shape"):
        raise TypeError(f"{what} must be an array, got {type(a).__name__}")
    xp = namespace(a, op=what)
    if isinstance(dtype, np.dtype) and not dtype.isnative:     # big-endian (FITS, some .npy):
        a = a.astype(dtype.newbyteorder("="))                  # the same numbers, native order
        dtype = a.dtype
    try:
        real = xp.isdtype(dtype, "real floating")
        integral = xp.isdtype(dtype, ("integral", "bool"))
    except (TypeError, ValueError):
        real = integral = False
    if real:
        if dtype in (xp.float32, xp.float64):
            return a
        bits = getattr(dtype, "itemsize", 0) * 8 if isinstance(dtype, np.dtype) else 0
        if bits > 64:                                # long double: more than any path keeps
            raise TypeError(f"{what} must be float16, float32 or float64 (computed in float32 "
                            f"or float64), got {dtype}: cast it to float64 first")
        return xp.astype(a, xp.float32)              # float16, bfloat16: computed in float32
    if integral:
        return xp.astype(a, xp.float64)
    raise TypeError(f"{what} must be real numbers (a floating or integer dtype), got {dtype}")


def check_weights(w: Any, bank: Bank, op: str) -> Any:
    """Weights of the shape ``bank.weight_shape`` implies, (C_out, C_in, [J,] *k^d), real."""
    w = as_float(w, f"{op}: weights")
    d = bank.group.dim
    extent = bank.weight_extent
    kernel = ", ".join(["k"] * d)
    expected = (f"(C_out, C_in, {kernel})" if extent is None
                else f"(C_out, C_in, {extent}, {kernel})")
    ndim = 2 + d + (extent is not None)
    shape = tuple(w.shape)
    if len(shape) != ndim or (extent is not None and shape[2] != extent):
        hint = _weights_hint(shape, bank, op)
        raise ValueError(f"{op}: weights on {bank.group.name} must have shape {expected}, "
                         f"got shape {shape}{hint}")
    if len(set(shape[-d:])) != 1:
        hint = ""
        if extent is None and d > 1 and len(set(shape[-d + 1:])) == 1 and \
                shape[-d] in (bank.group.samples, bank.group.weight_samples):
            hint = (f" (the first, {shape[-d]}, reads like a point axis: group-correlation "
                    f"weights, or weights of a {d - 1}D group?)")
        raise ValueError(f"{op}: the weights' filters (their last {d} axes) must be k^{d} "
                         f"cubes of equal sides, got weights of shape {shape}, filters "
                         f"{'x'.join(map(str, shape[-d:]))}{hint}")
    if 0 in shape:
        raise ValueError(f"{op}: weights must not be empty, got shape {shape}")
    check_kernel_side(bank.group, shape[-1], op, f"weights of shape {shape} (k = {shape[-1]})")
    return w


def _weights_hint(shape: tuple[int, ...], bank: Bank, op: str = "") -> str:
    """" (...)": what weights of the wrong number of axes read as: the other operation's
    (lifting (C_out, C_in, *k^e) or group (C_out, C_in, S, *k^e) weights, cubic filters in their
    last e axes) on the group's dimension d, else on a dimension e = d -+ 1."""
    d, extent = bank.group.dim, bank.weight_extent
    bank_op = op.split(":")[0].strip() == "filter_bank"

    def use(kind: str, function: str) -> str:
        return f"kind={kind!r}" if bank_op else function

    def cube(e: int) -> bool:
        return len(set(shape[-e:])) == 1

    if extent is None and len(shape) == 3 + d and cube(d) and \
            shape[2] == bank.group.weight_samples:
        return (f" (these look like group-correlation weights: use "
                f"{use('correlation', 'group_correlation')})")
    if extent is not None and len(shape) == 2 + d and cube(d):
        return f" (these look like lifting weights: use {use('lifting', 'lifting_correlation')})"
    if extent is not None and len(shape) == 3 + d and cube(d):
        return (f" (the point axis has {shape[2]} entries: {bank.group.name}'s filters on the "
                f"group have {extent})")
    for e in (d - 1, d + 1):
        if e not in _GROUPS_OF:
            continue
        for form, axes in (("lifting", 2 + e), ("group", 3 + e)):
            if len(shape) == axes and cube(e):
                return (f" (these read as {form} weights with {e}D filters, but "
                        f"{bank.group.name} acts on Z^{d}: for {e}D use a group on Z^{e} "
                        f"({_GROUPS_OF[e]}))")
    return ""


def check_inputs(x: Any, w: Any, bank: Bank, op: str) -> tuple[Any, Any, Any]:
    """(namespace, x, w): x in the bank's input space (..., C_in, [S_in,] *spatial) and weights
    checked against the bank, both in their common floating dtype, in one array library."""
    x = as_float(x, f"{op}: input")
    w = check_weights(w, bank, op)
    xp = namespace(x, w, op=op, names=("x", "w"))
    dtype = xp.result_type(x.dtype, w.dtype)
    x = x if x.dtype == dtype else xp.astype(x, dtype)
    w = w if w.dtype == dtype else xp.astype(w, dtype)
    space = bank.input_space
    core = space.core + 1
    c_in = w.shape[1]
    if x.ndim < core or x.shape[-core] != c_in or (space.point_axis
                                                   and x.shape[-core + 1] != space.samples):
        raise ValueError(f"{op}: input must have shape {space.layout(c_in)} (C_in = {c_in} from "
                         f"the weights {tuple(w.shape)}), got shape {tuple(x.shape)}"
                         f"{_other_dimension(x, c_in, space)}")
    try:                         # on the hexagonal lattice: a hexagon about a centre cell
        bank.domain_mask(tuple(x.shape[x.ndim - space.dim:]))
    except ValueError as error:
        raise ValueError(f"{op}: input: {error}") from None
    return xp, x, w


#: Groups to name for arrays of each dimension.
_GROUPS_OF = {1: "z1, z1m", 2: "z2, p4, p4m, ...", 3: "z3, P432, Pm-3m, P4/mmm, ..."}


def _other_dimension(x: Any, c_in: int, space: Any) -> str:
    """"; ...": where x would fit the layout with one spatial axis more or less, that the group
    acts on d dimensions and which groups act on x's (with a batch axis before the channels:
    an array that fits without one is more likely a channel count that differs)."""
    for other in (space.dim + 1, space.dim - 1):
        core = other + 1 + bool(space.point_axis)
        if other in _GROUPS_OF and x.ndim > core and x.shape[-core] == c_in and \
                (not space.point_axis or x.shape[-core + 1] == space.samples):
            axes = [counted(n, "spatial axis", "spatial axes") for n in (other, space.dim)]
            return (f"; it reads as an array with {axes[0]}, but {space.group.name} "
                    f"acts on Z^{space.dim} ({axes[1]}): for {other}D arrays use "
                    f"a group on Z^{other} ({_GROUPS_OF[other]})")
    return ""


def real_numpy(a: Any, what: str) -> np.ndarray:
    """``a`` (an array of any library, a list or a number) as a float64 NumPy array, refusing
    what ``as_float`` refuses (complex numbers, strings, objects) with a TypeError."""
    return np.asarray(to_numpy(as_float(a, what)), dtype=np.float64)
