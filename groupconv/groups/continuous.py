"""The continuous groups of the lecture, sampled: SE(2) with N orientations, and scalings.

    SE2(N)               elements (r, u, v): rotation by theta_r = r 2 pi / N, then the
                         translation (u, v) in R^2;
                         (r1, t1)(r2, t2) = (r1 + r2 mod N, t1 + R(theta_r1) t2)
    ScaleTranslation(b)  elements (i, u, v): x -> b^i x + (u, v), i in Z;
                         (i1, t1)(i2, t2) = (i1 + i2, t1 + b^i1 t2)

Both reuse the ``Group`` abstraction with real translations (``param_dtype`` float64) and an
integer point parameter. Their point parts do not map pixels to pixels (but for quarter turns),
so their filter banks are interpolation operators (``groupconv.fast.banks.OperatorBank``).
Rotation matrices take cos and sin exactly at multiples of 90 degrees.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .core import Group

__all__ = ["SE2", "ScaleTranslation", "exact_cos_sin", "rotation_matrix", "MAX_ORIENTATIONS"]

#: SE2(N) keeps one 2x2 matrix per orientation; more than this many is refused.
MAX_ORIENTATIONS = 4096


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


class SE2(Group):
    """SE(2) with N orientations: elements (r, u, v) = (rotation by r 2 pi / N, translation
    (u, v) in R^2); (r1, t1)(r2, t2) = (r1 + r2 mod N, t1 + R(r1) t2), exact in r."""

    param_dtype = np.dtype(np.float64)
    integer_params = ("r",)

    def __init__(self, n: int):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
            raise TypeError(f"SE2 needs a positive integer number of orientations, got {n!r}")
        if not 1 <= n <= MAX_ORIENTATIONS:
            raise ValueError(f"SE2 needs a positive integer number of orientations, at most "
                             f"{MAX_ORIENTATIONS}, got {n}")
        self.n = int(n)
        self.name = f"SE2({self.n})"
        self.param_names = ("r", "u", "v")
        rotations = np.array([rotation_matrix(self.angle(r)) for r in range(self.n)])
        rotations.flags.writeable = False
        self._rotations = rotations

    @property
    def point_order(self) -> int:
        """N: the length of the orientation axis of a feature map on SE2(N)."""
        return self.n

    def angle(self, r: int) -> float:
        """theta_r = r 2 pi / N."""
        return 2 * np.pi * r / self.n

    def relative(self, s: Any, t: Any) -> Any:
        """The orientation of h_s^-1 h_t: (t - s) mod N."""
        return (np.asarray(t) - np.asarray(s)) % self.n

    def _check_range(self, params):
        r = params[..., 0]
        if r.size and (r.min() < 0 or r.max() >= self.n):
            raise ValueError(f"{self.name} parameter r must be an integer in 0..{self.n - 1}, "
                             f"got {r[(r < 0) | (r >= self.n)].ravel()[0]:g}")

    def _key(self):
        return ("SE2", self.n)

    def _compose(self, a, b):
        r1 = a[..., 0].astype(np.int64)
        t = a[..., 1:] + np.einsum("...ij,...j->...i", self._rotations[r1], b[..., 1:])
        r = (r1 + b[..., 0].astype(np.int64)) % self.n
        return np.concatenate([np.broadcast_to(r, t.shape[:-1])[..., None].astype(float), t],
                              axis=-1)

    def _inverse(self, a):
        r = (-a[..., 0].astype(np.int64)) % self.n
        t = -np.einsum("...ij,...j->...i", self._rotations[r], a[..., 1:])
        return np.concatenate([r[..., None].astype(float), t], axis=-1)

    def _matrix(self, a):
        r = a[..., 0].astype(np.int64)
        out = np.zeros(a.shape[:-1] + (3, 3))
        out[..., :2, :2] = self._rotations[r]
        out[..., :2, 2] = a[..., 1:]
        out[..., 2, 2] = 1.0
        return out


class ScaleTranslation(Group):
    """Elements (i, u, v): x -> base^i x + (u, v); (i1, t1)(i2, t2) = (i1 + i2, t1 + s_i1 t2)."""

    param_dtype = np.dtype(np.float64)
    integer_params = ("i",)

    def __init__(self, base: float = 2.0):
        if isinstance(base, bool) or not isinstance(base, (int, float, np.integer, np.floating)):
            raise TypeError(f"the scale base must be a real number, got {base!r}")
        if not 1 < base < np.inf:
            raise ValueError(f"the scale base must be a finite number > 1, got {base!r}")
        self.base = float(base)
        self.name = f"ScaleTranslation({self.base:g})"
        self.param_names = ("i", "u", "v")

    def scale(self, i: Any) -> Any:
        """s_i = base^i."""
        return self.base ** np.asarray(i, dtype=np.float64)

    def relative(self, s: Any, t: Any) -> Any:
        """The scale index of h_s^-1 h_t: t - s."""
        return np.asarray(t) - np.asarray(s)

    def _check_range(self, params):
        pass  # every integer i is a scale: base^i

    def _key(self):
        return ("ScaleTranslation", self.base)

    def _compose(self, a, b):
        t = a[..., 1:] + self.scale(a[..., 0])[..., None] * b[..., 1:]
        i = np.broadcast_to(a[..., 0] + b[..., 0], t.shape[:-1])
        return np.concatenate([i[..., None], t], axis=-1)

    def _inverse(self, a):
        t = -a[..., 1:] / self.scale(a[..., 0])[..., None]
        return np.concatenate([-a[..., :1], t], axis=-1)

    def _matrix(self, a):
        out = np.zeros(a.shape[:-1] + (3, 3))
        s = self.scale(a[..., 0])
        out[..., 0, 0] = out[..., 1, 1] = s
        out[..., :2, 2] = a[..., 1:]
        out[..., 2, 2] = 1.0
        return out
