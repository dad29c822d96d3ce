"""The one validation of the array level: weights and inputs against a bank, one dtype rule.

Every array-level correlation (the public functions, the SE(2) and scale ones, every nn layer)
checks its arguments here and nowhere else. The dtype rule, for every group:

- float32 and float64 are kept; float16 is computed (and returned) in float32, where BLAS
  works;
- integer and boolean arrays become float64 (exact for integers up to 2^53);
- input and weights are brought to their common floating type;
- anything else (complex, object, strings) is a TypeError.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .backend import namespace

if TYPE_CHECKING:
    from .banks import Bank

__all__ = ["as_float", "check_weights", "check_inputs"]


def as_float(a: Any, what: str) -> Any:
    """``a`` as float32 or float64 by the module's rule, in its own array library."""
    if isinstance(a, (list, tuple, int, float)):
        a = np.asarray(a)
    xp = namespace(a, op=what)
    dtype = getattr(a, "dtype", None)
    if dtype is None:
        raise TypeError(f"{what} must be an array, got {type(a).__name__}")
    if xp.isdtype(dtype, "real floating"):
        if dtype in (xp.float32, xp.float64):
            return a
        return xp.astype(a, xp.float32)              # float16, bfloat16: computed in float32
    if xp.isdtype(dtype, ("integral", "bool")):
        return xp.astype(a, xp.float64)
    raise TypeError(f"{what} must be real numbers (a floating or integer dtype), got {dtype}")


def check_weights(w: Any, bank: Bank, op: str) -> Any:
    """Weights of the shape ``bank.weight_shape`` implies, (C_out, C_in, [extent,] k, k), real."""
    w = as_float(w, f"{op}: weights")
    expected = ("(C_out, C_in, k, k)" if bank.weight_extent is None
                else f"(C_out, C_in, {bank.weight_extent}, k, k)")
    ndim = 4 if bank.weight_extent is None else 5
    shape = tuple(w.shape)
    if len(shape) != ndim or (ndim == 5 and shape[2] != bank.weight_extent):
        raise ValueError(f"{op}: weights on {bank.output_space.name} must have shape {expected}, "
                         f"got shape {shape}")
    if shape[-1] != shape[-2]:
        raise ValueError(f"{op}: filters must be square k x k, got {shape[-2]}x{shape[-1]}")
    if 0 in shape:
        raise ValueError(f"{op}: weights must not be empty, got shape {shape}")
    return w


def check_inputs(x: Any, w: Any, bank: Bank, op: str) -> tuple[Any, Any, Any]:
    """(namespace, x, w): x (..., C_in, [S_in,] H, W) and weights checked against the bank,
    both in their common floating dtype, in one array library."""
    x = as_float(x, f"{op}: input")
    w = check_weights(w, bank, op)
    xp = namespace(x, w, op=op)
    dtype = xp.result_type(x.dtype, w.dtype)
    x = x if x.dtype == dtype else xp.astype(x, dtype)
    w = w if w.dtype == dtype else xp.astype(w, dtype)
    space = bank.input_space
    core = 3 if space.is_plane else 4
    c_in = w.shape[1]
    if x.ndim < core or x.shape[-core] != c_in or (not space.is_plane
                                                   and x.shape[-3] != space.size):
        raise ValueError(f"{op}: input must have shape {space.layout(c_in)} (C_in = {c_in} from "
                         f"the weights {tuple(w.shape)}), got shape {tuple(x.shape)}")
    return xp, x, w
