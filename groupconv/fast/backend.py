"""Array libraries: which namespace an array belongs to, and constants on the device that uses them.

The fast path is written against the Python array API standard through array-api-compat, so
NumPy, CuPy, PyTorch, JAX, Dask and array-api-strict arrays all work; results come back in the
library (and on the device) they came from. The dtype rule is ``fast.validation``'s.

Index tables and interpolation operators are computed once in NumPy, cached and read-only.
``on_device`` gives such a table in another library and on another device, copied there once
and kept for as long as the table lives: a layer called again on a GPU finds its indices there,
with no host-to-device copy per call.
"""

from __future__ import annotations

import os
import weakref
from typing import Any

import numpy as np
from array_api_compat import (
    array_namespace, device, is_cupy_array, is_jax_array, is_numpy_array, is_torch_array,
)

__all__ = ["namespace", "to_numpy", "from_numpy", "on_device", "indices", "physical_memory"]

#: Copies of cached NumPy tables in other libraries and on other devices, keyed by the table's
#: identity, the library, the device and the dtype; an entry goes when its table is freed.
_ON_DEVICE: dict[tuple, Any] = {}


def namespace(*arrays: Any, op: str = "groupconv", names: tuple[str, ...] = ()):
    """The common array API namespace of the arrays, with a clear error when there is none
    (each array said by its name in ``names``, where given)."""
    try:
        return array_namespace(*arrays)
    except TypeError:
        kinds = [f"{type(a).__module__}.{type(a).__name__}" for a in arrays]
        said = ", ".join(f"{name} {kind}" for name, kind in zip(names, kinds)) \
            if len(names) == len(arrays) else ", ".join(sorted(set(kinds)))
        hint = ""
        if len(names) == 2 and kinds[1].startswith("dask.") and not kinds[0].startswith("dask."):
            hint = (f" (Dask weights go with a Dask {names[0]} only: give {names[1]} as a "
                    f"NumPy array, {names[1]}.compute(), or {names[0]} as a Dask array)")
        raise TypeError(f"{op}: expected arrays of one array library (NumPy, CuPy, PyTorch, "
                        f"JAX, Dask or another array API library), got {said}{hint}") from None


def to_numpy(a: Any) -> np.ndarray:
    """A NumPy copy of an array from any supported library (the GPU's copied to the host);
    nested lists and numbers as NumPy reads them; a TypeError for anything else."""
    if is_numpy_array(a):
        return a
    if is_cupy_array(a):
        return a.get()
    if hasattr(a, "compute") and not hasattr(a, "__dlpack__"):   # a lazy (Dask) array
        return np.asarray(a.compute())
    if not hasattr(a, "__dlpack__"):
        if a is None or isinstance(a, (str, bytes)):
            raise TypeError(f"to_numpy: a must be an array of any library, a nested list or a "
                            f"number, got {type(a).__name__}")
        return np.asarray(a)
    if is_torch_array(a):       # a tensor that requires grad does not export; one on a GPU
        a = a.detach().cpu()    # must come to the host first
        if str(a.dtype) == "torch.bfloat16":      # NumPy has no bfloat16: as float32, exactly
            a = a.float()
    elif "bfloat16" in str(getattr(a, "dtype", "")):   # JAX's (ml_dtypes): as float32, exactly
        return np.asarray(a).astype(np.float32)
    return np.from_dlpack(a)


def from_numpy(a: np.ndarray, like: Any) -> Any:
    """``a`` in the library and on the device of ``like``, with ``like``'s dtype."""
    xp = array_namespace(like)
    if is_jax_array(like):
        return xp.asarray(a, dtype=like.dtype)
    return xp.asarray(a, dtype=like.dtype, device=device(like))


def indices(values: np.ndarray, like: Any) -> Any:
    """Fresh integer indices (a batch's, say) in the library and on the device of ``like``:
    copied once each, not cached."""
    if is_numpy_array(like):
        return values
    xp = array_namespace(like)
    if is_jax_array(like):
        return xp.asarray(values)
    return xp.asarray(values, device=device(like))


def on_device(table: np.ndarray, like: Any, dtype: Any = None) -> Any:
    """A cached, read-only NumPy ``table`` in the library and on the device of ``like`` (in
    ``dtype`` of that library when given: operators take the data's float dtype), copied once.

    NumPy data gets the table itself (cast where a dtype is asked for, and cast once)."""
    if is_numpy_array(like):
        if dtype is None or table.dtype == dtype:
            return table
    xp = array_namespace(like)
    jax = is_jax_array(like)          # under jax.jit a tracer has no device: constants then
    where = None if jax or is_numpy_array(like) else device(like)
    x64 = False     # JAX's 64-bit mode: an int64 table kept from it would be truncated, with a
    if jax:         # warning, by every use after it is switched off
        import jax as _jax

        x64 = bool(_jax.config.jax_enable_x64)
    key = (id(table), id(xp), str(where), str(dtype), x64)
    found = _ON_DEVICE.get(key)
    if found is None:
        host = np.array(table)        # a writeable copy: some libraries refuse read-only memory
        if is_numpy_array(like):
            found = host.astype(dtype)
            found.flags.writeable = False
        elif jax:   # a concrete constant, even while jax.jit traces: safe to keep
            with _jax.ensure_compile_time_eval():
                found = xp.asarray(host, dtype=dtype)
        else:
            found = xp.asarray(host, dtype=dtype, device=where)
        _ON_DEVICE[key] = found
        weakref.finalize(table, _ON_DEVICE.pop, key, None)
    return found


#: Where Linux states a container's memory limit (cgroup v2, v1), in bytes.
_CGROUP_LIMITS = ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes")


def physical_memory() -> int | None:
    """The memory this process may use, in bytes: the machine's (POSIX sysconf), or a
    container's limit where Linux sets a smaller one (cgroups); None where the system does
    not say."""
    try:
        memory = int(os.sysconf("SC_PHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, OSError, ValueError):       # Windows; an unknown name
        return None
    for path in _CGROUP_LIMITS:
        try:
            with open(path) as file:
                memory = min(memory, int(file.read().strip()))     # "max": no limit
        except (OSError, ValueError):
            pass
    return memory
