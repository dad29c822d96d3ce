"""Caches of arrays, read-only: the only memory kept between calls besides the group registry.

``cached_arrays`` is ``functools.lru_cache`` for functions that return NumPy arrays (or tuples
of them): every array it hands out is marked read-only, so that no caller can change what a
later call returns. Writing into one raises ``ValueError: assignment destination is read-only``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

__all__ = ["cached_arrays", "read_only"]

F = TypeVar("F", bound=Callable[..., Any])


def read_only(value: Any) -> Any:
    """Mark every NumPy array in ``value`` (an array or a tuple of them) read-only; return it."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, tuple):
        for item in value:
            read_only(item)
    return value


def cached_arrays(maxsize: int = 256) -> Callable[[F], F]:
    """``lru_cache(maxsize)`` whose results are read-only arrays."""
    def decorate(function: F) -> F:
        @functools.lru_cache(maxsize=maxsize)
        @functools.wraps(function)
        def cached(*args: Any, **kwargs: Any) -> Any:
            return read_only(function(*args, **kwargs))
        return cached  # type: ignore[return-value]
    return decorate
