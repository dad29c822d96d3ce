"""The sums of the theory, written as sums: the ground truth every fast path is tested against.

- ``lattice``: the six sums on Z^2 and on lattice groups G = Z^2 x| H, on functions with finite
  support (exact, "full" support), one function per equation;
- ``arrays``: the same sums read on fixed-size arrays, entry by entry (``method="literal"`` of
  the array-level functions);
- ``sampled``: the correlations of SE(2)_N and of the scale group as their direct sums, the
  transformed kernel evaluated point by point.

``groupconv.literal.lifting_correlation`` and friends are the lattice sums.
"""

from .lattice import (
    group_convolution, group_correlation, group_correlation_rewritten, lifting_correlation,
    planar_convolution, planar_correlation,
)

__all__ = [
    "planar_correlation", "planar_convolution", "lifting_correlation", "group_correlation",
    "group_correlation_rewritten", "group_convolution",
]
