"""Array-level modes: how much zero padding a correlation takes, and the output size it gives.

A mode is "valid" (no padding), "same" (k // 2 on each side), "full" (k - 1 on each side), or
the padding p itself, an int in 0..k-1. Along an axis of n pixels a k-tap correlation with
padding p gives

    n' = n + 2 p - k + 1

outputs, on every spatial axis alike. Strings are parsed here, once, at the public edge;
inside, a padding is an int.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .arguments import did_you_mean, integer

__all__ = ["PADDING", "MAX_KERNEL", "padding_of", "output_size", "check_size"]

#: The largest kernel side a correlation takes.
MAX_KERNEL = 2**20

#: Zero padding on each side in each named mode, for a kernel of size k.
PADDING = {"valid": lambda k: 0, "same": lambda k: k // 2, "full": lambda k: k - 1}


def padding_of(mode: str | int, k: int) -> int:
    """Zero padding on each side: "valid" 0, "same" k // 2, "full" k - 1, or an int in 0..k-1."""
    k = integer(k, "the kernel size k", 1, MAX_KERNEL)
    if isinstance(mode, str):
        if mode not in PADDING:
            raise ValueError(f"mode must be 'valid', 'same', 'full' or a padding in 0..{k - 1}, "
                             f"got {mode!r}{did_you_mean(mode, list(PADDING))}")
        return PADDING[mode](k)
    if isinstance(mode, (bool, np.bool_)) or not isinstance(mode, (int, np.integer)) or \
            not 0 <= mode <= k - 1:
        raise ValueError(f"mode must be 'valid', 'same', 'full' or a padding in 0..{k - 1}, "
                         f"got {mode!r}")
    return int(mode)


def output_size(n: int, k: int, p: int) -> int:
    """n' = n + 2 p - k + 1: outputs along one axis of n pixels, k taps, padding p."""
    return n + 2 * p - k + 1


def check_size(shape: Sequence[int], k: int, p: int) -> tuple[int, ...]:
    """The output's spatial shape, or a ValueError unless a k^d kernel with padding p leaves an
    output pixel on every axis."""
    k = integer(k, "the kernel size k", 1, MAX_KERNEL)
    p = integer(p, "the padding", 0, k - 1)
    if not isinstance(shape, Sequence) or any(isinstance(n, bool) or not isinstance(
            n, (int, np.integer)) or n < 0 for n in shape):
        raise TypeError(f"shape must be a sequence of sizes (non-negative ints), got {shape!r}")
    out = tuple(output_size(int(n), k, p) for n in shape)
    if min(out, default=1) < 1:
        need = k - 2 * p
        raise ValueError(f"a {'x'.join([str(k)] * len(shape))} kernel with padding {p} needs "
                         f"an input of at least {'x'.join([str(need)] * len(shape))} pixels, "
                         f"got {'x'.join(str(n) for n in shape)}")
    return out
