"""The correlations of the sampled groups (SE(2)_N, scales) as their direct sums.

Both are sums over the input's samples t of the point part and over the kernel's offsets y,

    out[b, o, s, i, j] = sum_c sum_t sum_y k^(s)_{o, c, j(s, t)}(y) x_pad[b, c, t, (i, j) + y],

with the kernel transformed by the output's point part s and evaluated point by point from the
bilinear extension k~ of the k x k weights (written out here, independently of the operators
of the fast path):

    SE(2)_N   k^(s)(y) = k~(R_s^-1 y),          j(s, t) = t - s mod N    (lifting: t = j = 0)
    scales    k^(s)(y) = k~(y / s_s) / s_s^2,   j(s, t) = t - s if 0 <= t - s < m, else no term

where k~(p) = sum_{a, b} k[a, b] max(0, 1 - |p_0 - a|) max(0, 1 - |p_1 - b|), p in array
coordinates. With ``mask``, SE(2) kernels live on the disk of radius (k - 1) / 2: both y and
the kernel are restricted to it. Slow on purpose; NumPy, float64.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..groups.continuous import exact_cos_sin
from ..modes import check_size

__all__ = ["bilinear_value", "se2_correlation", "scale_correlation"]

#: Offsets this close to the disk's radius are inside it (sums of squares of half-integers).
_EDGE = 1e-9


def bilinear_value(psi: np.ndarray, point: np.ndarray) -> float:
    """k~(p) = sum_{a, b} psi[a, b] max(0, 1 - |p_0 - a|) max(0, 1 - |p_1 - b|)."""
    a = np.arange(psi.shape[0])
    b = np.arange(psi.shape[1])
    wa = np.maximum(0.0, 1.0 - np.abs(point[0] - a))
    wb = np.maximum(0.0, 1.0 - np.abs(point[1] - b))
    return float(wa @ psi @ wb)


def se2_correlation(x: np.ndarray, w: np.ndarray, n: int, p: int, *, lifting: bool,
                    mask: bool = True) -> np.ndarray:
    """SE(2)_N ``lifting`` (x (B, C, 1, H, W), w (O, C, 1, k, k)) or group correlation
    (x (B, C, N, H, W), w (O, C, N, k, k)) with padding p: (B, O, N, H', W')."""
    k = w.shape[-1]
    centre = (k - 1) / 2
    radius2 = centre**2 + _EDGE

    def kernel(psi: np.ndarray, s: int, y: np.ndarray) -> float:
        if mask:
            if y @ y > radius2:
                return 0.0
            c = np.arange(k) - centre
            psi = psi * (c[:, None] ** 2 + c[None, :] ** 2 <= radius2)
        cos, sin = exact_cos_sin(2 * np.pi * s / n)
        return bilinear_value(psi, np.array([[cos, sin], [-sin, cos]]) @ y + centre)

    return _direct_sum(x, w, n, p, kernel, lambda s, t: 0 if lifting else (t - s) % n)


def scale_correlation(x: np.ndarray, w: np.ndarray, base: float, n_scales: int, size: int,
                      p: int, *, lifting: bool) -> np.ndarray:
    """Scale ``lifting`` (x (B, C, 1, H, W), w (O, C, 1, k, k)) or truncated scale-group
    correlation (x (B, C, n, H, W), w (O, C, m, k, k)) on the K x K grid ``size``, padding p."""
    k = w.shape[-1]
    m = w.shape[2]

    def kernel(psi: np.ndarray, i: int, y: np.ndarray) -> float:
        s = base**i
        return bilinear_value(psi, y / s + (k - 1) / 2) / s**2

    def relative(i: int, t: int) -> int | None:
        if lifting:
            return 0
        return t - i if 0 <= t - i < m else None

    return _direct_sum(x, w, n_scales, p, kernel, relative, size=size)


def _direct_sum(x: np.ndarray, w: np.ndarray, n_out: int, p: int,
                kernel: Callable[[np.ndarray, int, np.ndarray], float],
                relative: Callable[[int, int], int | None], size: int | None = None
                ) -> np.ndarray:
    """out[b, o, s, i, j] = sum_{c, t, y} kernel(w[o, c, relative(s, t)], s, y)
    x_pad[b, c, t, (i, j) + y], y over the size x size grid about its centre."""
    size = size or w.shape[-1]
    ho, wo = check_size(x.shape[-2], x.shape[-1], size, p)
    xp = np.pad(np.asarray(x, np.float64), [(0, 0)] * 3 + [(p, p), (p, p)])
    w = np.asarray(w, np.float64)
    out = np.zeros((x.shape[0], w.shape[0], n_out, ho, wo))
    centre = (size - 1) / 2
    for o in range(w.shape[0]):
        for s in range(n_out):
            for c in range(w.shape[1]):
                for t in range(x.shape[2]):
                    j = relative(s, t)
                    if j is None:
                        continue
                    for a in range(size):
                        for b in range(size):
                            value = kernel(w[o, c, j], s, np.array([a - centre, b - centre]))
                            if value:
                                out[:, o, s] += value * xp[:, c, t, a:a + ho, b:b + wo]
    return out
