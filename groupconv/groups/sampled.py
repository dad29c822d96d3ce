"""The continuous groups of the lecture, sampled: SE(2) with N orientations, and scalings.

    SE2(N)               elements (r, u, v): rotation by theta_r = r 2 pi / N, then the
                         translation (u, v) in R^2;
                         (r1, t1)(r2, t2) = (r1 + r2 mod N, t1 + R(theta_r1) t2)
    ScaleTranslation(b)  elements (i, u, v): x -> b^i x + (u, v), i in Z;
                         (i1, t1)(i2, t2) = (i1 + i2, t1 + b^i1 t2)

Both follow the contract of every group of a G-CNN (``core.AffineGroup``), with real
translations (``param_dtype`` float64) and an integer point parameter, and carry their
sampling: SE(2)_N samples its rotations at the N angles (and, with ``disk``, keeps kernels on
the disk that every rotation maps into itself); the scale group samples the scales
s_0 = 1, s_1 = b, ..., s_{n-1} (``n_scales``), and its group correlations read ``scale_extent``
scales above each one (the axis is truncated, not periodic). Their point parts do not map pixels
to pixels (but for quarter turns), so their filter banks are interpolation operators, exact only
at the exact samples (``exact_samples``); elsewhere equivariance is measured. Rotation matrices
take cos and sin exactly at multiples of 90 degrees.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from ..arguments import integer
from .core import AffineGroup
from .lattice import register

__all__ = ["SE2", "ScaleTranslation", "SE2_8", "SCALE", "exact_cos_sin", "rotation_matrix",
           "MAX_ORIENTATIONS", "MAX_SCALES", "scaled_kernel_size"]

#: SE2(N) keeps one 2x2 matrix per orientation; more than this many is refused.
MAX_ORIENTATIONS = 4096
#: The scale group samples at most this many scales.
MAX_SCALES = 16
#: The largest scaled kernel grid a scale group may need (the side K of ``kernel_size``).
MAX_SCALED_KERNEL = 1025


def exact_cos_sin(angle: float) -> tuple[float, float]:
    """cos and sin, exact (0, +-1) at multiples of 90 degrees."""
    quarter = angle / (np.pi / 2)
    if abs(quarter - round(quarter)) < 1e-12:
        return [(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0)][round(quarter) % 4]
    return float(np.cos(angle)), float(np.sin(angle))


def rotation_matrix(angle: float) -> np.ndarray:
    """R(angle) acting on (u, v) = (row, column): counter-clockwise as displayed."""
    c, s = exact_cos_sin(angle)
    return np.array([[c, -s], [s, c]])


def _positive_int(value: Any, name: str, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be a positive int, got {value!r}")
    if not 1 <= value <= most:
        raise ValueError(f"{name} must be an int in 1..{most}, got {value!r}")
    return int(value)


class _Sampled(AffineGroup):
    """What the two sampled groups share: elements (p, u, v) with an integer point parameter p
    and real translations, in the plane."""

    param_dtype = np.dtype(np.float64)
    dim = 2

    def _point_params(self, s):
        return np.asarray(s, dtype=np.float64)[..., None]

    def _point_index(self, params):
        return np.asarray(params[..., 0]).astype(np.int64)

    def point_matrices(self) -> np.ndarray:
        return self._matrices

    def exact_samples(self) -> np.ndarray:
        """The samples whose matrices are integer signed permutations: they map pixels to
        pixels (the quarter turns of SE(2)_N; the identity)."""
        mats = self._matrices
        integer = np.all(mats == np.round(mats), axis=(-2, -1))
        perm = np.all(np.abs(mats).sum(axis=-1) == 1, axis=-1)
        return np.flatnonzero(integer & perm)


class SE2(_Sampled):
    """SE(2) with N orientations: elements (r, u, v) = (rotation by r 2 pi / N, translation
    (u, v) in R^2); (r1, t1)(r2, t2) = (r1 + r2 mod N, t1 + R(r1) t2), exact in r.

    Parameters
    ----------
    n : int
        N, the number of orientations (1..4096).
    disk : bool
        Kernels live on the disk of radius (k - 1) / 2 that every rotation maps into itself
        (default True), so no corner leaks in or out when they are turned.

    Examples
    --------
    >>> from groupconv.groups import SE2
    >>> g = SE2(8)
    >>> g.samples, g.exact_samples().tolist(), g.measured_samples().tolist()
    (8, [0, 2, 4, 6], [1, 3, 5, 7])
    """

    def __init__(self, n: int, *, disk: bool = True):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"SE2: n (the number of orientations) must be a positive integer, "
                            f"got {n!r}")
        if not 1 <= n <= MAX_ORIENTATIONS:
            raise ValueError(f"SE2: n (the number of orientations) must be a positive integer "
                             f"at most {MAX_ORIENTATIONS}, got {n}")
        if not isinstance(disk, (bool, np.bool_)):
            raise TypeError(f"disk must be True or False, got {disk!r}")
        self.n = int(n)
        self.disk = bool(disk)
        self.name = f"SE2({self.n})" if self.disk else f"SE2({self.n}, disk=False)"
        self.param_names = ("r", "u", "v")
        self.integer_params = ("r",)
        rotations = np.array([rotation_matrix(self.angle(r)) for r in range(self.n)])
        rotations.flags.writeable = False
        self._matrices = rotations

    def kernel_size(self, k: int) -> int:
        """K = k; on the disk, not k = 2: the disk of radius (k - 1) / 2 holds none of a 2 x 2
        kernel's pixels, and every filter would be zero."""
        k = integer(k, "k", 1)
        if self.disk and k == 2:
            raise ValueError(f"{self.name} keeps kernels on the disk of radius (k - 1) / 2 = 0.5, "
                             f"which holds none of a 2 x 2 kernel's pixels: every filter would "
                             f"be zero; take k = 1 or k >= 3, or SE2({self.n}, disk=False)")
        return k

    @property
    def samples(self) -> int:
        """N: the length of the orientation axis of a feature map on SE2(N)."""
        return self.n

    def angle(self, r: Any) -> Any:
        """theta_r = r 2 pi / N."""
        return 2 * np.pi * np.asarray(r) / self.n

    def _relative(self, s: np.ndarray, t: np.ndarray) -> np.ndarray:
        """The orientation of h_s^-1 h_t: (t - s) mod N."""
        return (np.asarray(t) - np.asarray(s)) % self.n

    def _check_range(self, params):
        r = params[..., 0]
        if r.size and (r.min() < 0 or r.max() >= self.n):
            raise ValueError(f"{self.name} parameter r must be an integer in 0..{self.n - 1}, "
                             f"got {r[(r < 0) | (r >= self.n)].ravel()[0]:g}")

    def _key(self):
        return ("SE2", self.n, self.disk)

    def _compose(self, a, b):
        r1 = a[..., 0].astype(np.int64)
        t = a[..., 1:] + np.einsum("...ij,...j->...i", self._matrices[r1], b[..., 1:])
        r = (r1 + b[..., 0].astype(np.int64)) % self.n
        return np.concatenate([np.broadcast_to(r, t.shape[:-1])[..., None].astype(float), t],
                              axis=-1)

    def _inverse(self, a):
        r = (-a[..., 0].astype(np.int64)) % self.n
        t = -np.einsum("...ij,...j->...i", self._matrices[r], a[..., 1:])
        return np.concatenate([r[..., None].astype(float), t], axis=-1)

    def _matrix(self, a):
        r = a[..., 0].astype(np.int64)
        out = np.zeros(a.shape[:-1] + (3, 3))
        out[..., :2, :2] = self._matrices[r]
        out[..., :2, 2] = a[..., 1:]
        out[..., 2, 2] = 1.0
        return out


def scaled_kernel_size(base: float, n_scales: int, k: int) -> int:
    """K: the odd grid that holds k_s for the largest scale s = base^(n - 1). k~ vanishes at
    distance (k + 1) / 2 from the centre, so k_s at distance s (k + 1) / 2 and beyond: the last
    non-zero offset is ceil(s (k + 1) / 2) - 1 (k, for s = 1 and odd k)."""
    reach = math.ceil(base ** (n_scales - 1) * (k + 1) / 2 - 1e-9) - 1
    return 2 * reach + 1


class ScaleTranslation(_Sampled):
    """Elements (i, u, v): x -> base^i x + (u, v); (i1, t1)(i2, t2) = (i1 + i2, t1 + s_i1 t2);
    sampled at the scales s_0 = 1, ..., s_{n-1} = base^(n-1).

    Parameters
    ----------
    base : float
        The ratio of neighbouring scales, > 1.
    n_scales : int
        n, the number of scales a feature map holds (the length of its point axis).
    scale_extent : int
        m, the number of scales a group-correlation filter spans (its point axis), 1..n: the
        output at scale s_i reads the input at s_i .. s_{i + m - 1} (truncated at s_{n-1}).

    Examples
    --------
    >>> from groupconv.groups import ScaleTranslation
    >>> g = ScaleTranslation(2.0, n_scales=3, scale_extent=2)
    >>> g.samples, g.weight_samples, g.kernel_size(3)
    (3, 2, 15)
    """

    def __init__(self, base: float = 2.0, *, n_scales: int = 3, scale_extent: int = 2):
        if isinstance(base, bool) or not isinstance(base, (int, float, np.integer, np.floating)):
            raise TypeError(f"the scale base must be a real number, got {base!r}")
        if not 1 < base < np.inf:
            raise ValueError(f"the scale base must be a finite number > 1, got {base!r}")
        self.base = float(base)
        self.n_scales = _positive_int(n_scales, "n_scales", MAX_SCALES)
        self.scale_extent = _positive_int(scale_extent, "scale_extent", self.n_scales)
        if (self.n_scales - 1) * math.log(self.base) + math.log(4) > \
                math.log(MAX_SCALED_KERNEL):
            largest = math.exp(min((self.n_scales - 1) * math.log(self.base), 700.0))
            raise ValueError(f"base {self.base:g} and {self.n_scales} scales make the largest "
                             f"scale {largest:.3g}{' or more' if largest > 1e300 else ''}: its "
                             f"kernels would need grids beyond {MAX_SCALED_KERNEL} pixels")
        base_text = f"{self.base:g}" if float(f"{self.base:g}") == self.base else repr(self.base)
        self.name = f"Scale({base_text}, n={self.n_scales}, m={self.scale_extent})"
        self.param_names = ("i", "u", "v")
        self.integer_params = ("i",)
        mats = np.array([np.eye(2) * self.base**i for i in range(self.n_scales)])
        mats.flags.writeable = False
        self._matrices = mats

    @property
    def samples(self) -> int:
        """n: the number of scales of a feature map."""
        return self.n_scales

    @property
    def weight_samples(self) -> int:
        """m: the scales a group-correlation filter spans."""
        return self.scale_extent

    def scale(self, i: Any) -> Any:
        """s_i = base^i."""
        return self.base ** np.asarray(i, dtype=np.float64)

    def _relative(self, s: np.ndarray, t: np.ndarray) -> np.ndarray:
        """The scale index of h_s^-1 h_t, t - s, where it is a sample (0 <= t - s < n)."""
        j = np.asarray(t) - np.asarray(s)
        return np.where((j >= 0) & (j < self.n_scales), j, -1)

    def kernel_size(self, k: int) -> int:
        return scaled_kernel_size(self.base, self.n_scales, integer(k, "k", 1))

    def _check_range(self, params):
        # every integer i is a scale, base^i, while it and its inverse are finite numbers
        reach = math.floor(math.log(np.finfo(np.float64).max) / math.log(self.base)) - 1
        i = np.abs(np.asarray(params[..., 0]).ravel())
        if i.size and i.max() > reach:
            raise ValueError(f"{self.name} parameter i must lie in -{reach}..{reach} (base^i a "
                             f"finite number), got {i.max():g} in absolute value")

    def _key(self):
        return ("ScaleTranslation", self.base, self.n_scales, self.scale_extent)

    def _compose(self, a, b):
        t = a[..., 1:] + self.scale(a[..., 0])[..., None] * b[..., 1:]
        i = np.broadcast_to(a[..., 0] + b[..., 0], t.shape[:-1])
        return np.concatenate([i[..., None], t], axis=-1)

    def _inverse(self, a):
        t = -self.scale(-a[..., 0])[..., None] * a[..., 1:]        # -A_{i^-1} t, A as _matrix
        return np.concatenate([-a[..., :1], t], axis=-1)

    def _matrix(self, a):
        out = np.zeros(a.shape[:-1] + (3, 3))
        s = self.scale(a[..., 0])
        out[..., 0, 0] = out[..., 1, 1] = s
        out[..., :2, 2] = a[..., 1:]
        out[..., 2, 2] = 1.0
        return out


#: SE(2) with 8 orientations (kernels on the disk) and the scale group with base 2, three scales
#: and filters over two of them: the sampled groups ``groupconv verify`` checks by default.
#: (read without spaces; more digits: no group)
_SE2_NAME = re.compile(r"se2\((\d{1,9})(,disk=false)?\)")
_SCALE_NAME = re.compile(r"scale\(([0-9.e+-]{1,30}),n=(\d{1,9}),m=(\d{1,9})\)")


def from_name(name: str) -> AffineGroup | None:
    """The sampled group whose ``name`` is ``name`` (any case): "SE2(12)",
    "SE2(8, disk=False)", "Scale(2, n=3, m=2)", with or without spaces; None for other
    names."""
    text = "".join(name.lower().split())
    if match := _SE2_NAME.fullmatch(text):
        return SE2(int(match[1]), disk=match[2] is None)
    if match := _SCALE_NAME.fullmatch(text):
        try:
            base = float(match[1])
        except ValueError:
            return None
        return ScaleTranslation(base, n_scales=int(match[2]), scale_extent=int(match[3]))
    return None


SE2_8 = register(SE2(8), "se2_8")
SCALE = register(ScaleTranslation(2.0, n_scales=3, scale_extent=2), "scale")
