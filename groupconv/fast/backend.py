"""Array libraries: which namespace an array belongs to, and the dtype rules of the fast path.

The fast path is written against the Python array API standard through array-api-compat, so
NumPy, CuPy, PyTorch, JAX, Dask and array-api-strict arrays all work; results come back in the
library (and on the device) they came from. The dtype rule is ``fast.validation``'s.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from array_api_compat import (
    array_namespace, device, is_cupy_array, is_jax_array, is_numpy_array,
)

__all__ = ["namespace", "to_numpy", "from_numpy", "indices_like", "constant_like"]


def namespace(*arrays: Any, op: str = "groupconv"):
    """The common array API namespace of the arrays, with a clear error when there is none."""
    try:
        return array_namespace(*arrays)
    except TypeError:
        kinds = ", ".join(sorted({f"{type(a).__module__}.{type(a).__name__}" for a in arrays}))
        raise TypeError(f"{op}: expected arrays of one array library (NumPy, CuPy, PyTorch, "
                        f"or another array API library), got {kinds}") from None


def to_numpy(a: Any) -> np.ndarray:
    """A NumPy copy of an array from any supported library (the GPU's copied to the host)."""
    if is_numpy_array(a):
        return a
    if is_cupy_array(a):
        return a.get()
    return np.from_dlpack(a)


def from_numpy(a: np.ndarray, like: Any) -> Any:
    """``a`` in the library and on the device of ``like``, with ``like``'s dtype."""
    xp = array_namespace(like)
    if is_jax_array(like):
        return xp.asarray(a, dtype=like.dtype)
    return xp.asarray(a, dtype=like.dtype, device=device(like))


def indices_like(indices: np.ndarray, like: Any) -> Any:
    """Precomputed (read-only, cached) NumPy indices in the library and on the device of
    ``like``; other libraries get a copy, since they may not take read-only memory."""
    xp = array_namespace(like)
    if is_numpy_array(like):
        return indices
    if is_jax_array(like):   # constants under jax.jit, where a tracer has no device
        return xp.asarray(np.array(indices))
    return xp.asarray(np.array(indices), device=device(like))


def constant_like(values: np.ndarray, like: Any) -> Any:
    """Precomputed float64 NumPy values (operators, selections) in the library, on the device
    and in the dtype of ``like``."""
    if is_numpy_array(like):
        return values.astype(like.dtype, copy=False)
    return from_numpy(np.array(values), like)
