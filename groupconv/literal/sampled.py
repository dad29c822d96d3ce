"""The correlations of the sampled groups (SE(2)_N, scales) as their direct sums.

Both are sums over the input's samples t of the point part and over the kernel's offsets y,

    out[b, o, s, i, j] = sum_c sum_t sum_y k^(s)_{o, c, j(s, t)}(y) x_pad[b, c, t, (i, j) + y],

with the kernel transformed by the output's point part s and evaluated point by point from the
bilinear extension k~ of the k x k weights (written out here, independently of the operators
of the fast path):

    SE(2)_N   k^(s)(y) = k~(R_s^-1 y),          j(s, t) = t - s mod N    (lifting: t = j = 0)
    scales    k^(s)(y) = k~(y / s_s) / s_s^2,   j(s, t) = t - s if 0 <= t - s < m, else no term

where k~(p) = sum_{a, b} k[a, b] max(0, 1 - |p_0 - a|) max(0, 1 - |p_1 - b|), p in array
coordinates. The turned SE(2) kernel is read on the k x k grid of the kernel; with ``mask``
(``SE2(N, disk=True)``) it lives on the disk of radius (k - 1) / 2: both y and the kernel are
restricted to it (weights off the disk are not read). A scaled kernel is summed over its whole
support, however far it reaches (the array level must hold it on its K x K grid). Every offset
of the K x K grid is a term, a zero of the kernel too: an inf or NaN pixel spreads to every
output whose K x K window holds it (0 inf is NaN), as in any correlation with that K x K
filter. Slow on purpose; NumPy, float64.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..groups import SE2, AffineGroup, Kind, ScaleTranslation
from ..groups.sampled import exact_cos_sin
from ..modes import check_size

__all__ = ["bilinear_value", "correlation", "se2_correlation", "scale_correlation"]

#: Offsets this close to the disk's radius are inside it (sums of squares of half-integers).
_EDGE = 1e-9


def bilinear_value(psi: np.ndarray, point: np.ndarray) -> float:
    """k~(p) = sum_{a, b} psi[a, b] max(0, 1 - |p_0 - a|) max(0, 1 - |p_1 - b|)."""
    a = np.arange(psi.shape[0])
    b = np.arange(psi.shape[1])
    wa = np.maximum(0.0, 1.0 - np.abs(point[0] - a))
    wb = np.maximum(0.0, 1.0 - np.abs(point[1] - b))
    return float(wa @ psi @ wb)


def correlation(x: np.ndarray, w: np.ndarray, group: AffineGroup, p: int, kind: Kind
                ) -> np.ndarray:
    """The ``kind`` correlation (lifting or group correlation) of a sampled group as its direct
    sum: the equation of ``group`` (SE(2)_N or the scale group)."""
    if kind is Kind.CONVOLUTION:
        raise ValueError(f"the sampled group {group.name} has lifting and group correlations; "
                         f"its true G-convolution is not defined here")
    lifting = kind is Kind.LIFTING
    if isinstance(group, SE2):
        return se2_correlation(x, w, group.n, p, lifting=lifting, mask=group.disk)
    if isinstance(group, ScaleTranslation):
        return scale_correlation(x, w, group.base, group.n_scales, p, lifting=lifting,
                                 size=group.kernel_size(w.shape[-1]))
    raise TypeError(f"no literal sum is written for {group.name}")


def se2_correlation(x: np.ndarray, w: np.ndarray, n: int, p: int, *, lifting: bool,
                    mask: bool = True) -> np.ndarray:
    """SE(2)_N ``lifting`` (x (B, C, 1, H, W), w (O, C, 1, k, k)) or group correlation
    (x (B, C, N, H, W), w (O, C, N, k, k)) with padding p: (B, O, N, H', W'). The turned kernel
    lives on the k x k grid of the kernel (on its disk with ``mask``)."""
    k = w.shape[-1]
    centre = (k - 1) / 2
    radius2 = centre**2 + _EDGE

    def kernel(psi: np.ndarray, s: int, y: np.ndarray) -> float:
        if max(abs(y)) > centre:
            return 0.0                   # the turned kernel is read on the k x k grid
        if mask:
            if y @ y > radius2:
                return 0.0
            c = np.arange(k) - centre      # weights off the disk are not read (not even a NaN)
            psi = np.where(c[:, None] ** 2 + c[None, :] ** 2 <= radius2, psi, 0.0)
        cos, sin = exact_cos_sin(2 * np.pi * s / n)
        return bilinear_value(psi, np.array([[cos, sin], [-sin, cos]]) @ y + centre)

    return _direct_sum(x, w, n, p, k, k // 2, kernel,
                       lambda s, t: 0 if lifting else (t - s) % n)


def scale_correlation(x: np.ndarray, w: np.ndarray, base: float, n_scales: int, p: int, *,
                      lifting: bool, size: int) -> np.ndarray:
    """Scale ``lifting`` (x (B, C, 1, H, W), w (O, C, 1, k, k)) or truncated scale-group
    correlation (x (B, C, n, H, W), w (O, C, m, k, k)), padding p on the K x K grid ``size`` of
    the array level (which fixes the output's size and position). The sum runs over the whole
    support of each scaled kernel, |y| < s (k + 1) / 2, wherever it reaches."""
    k = w.shape[-1]
    m = w.shape[2]
    reach = int(np.ceil(base ** (n_scales - 1) * (k + 1) / 2))

    def kernel(psi: np.ndarray, i: int, y: np.ndarray) -> float:
        s = base**i
        return bilinear_value(psi, y / s + (k - 1) / 2) / s**2

    def relative(i: int, t: int) -> int | None:
        if lifting:
            return 0
        return t - i if 0 <= t - i < m else None

    return _direct_sum(x, w, n_scales, p, size, reach, kernel, relative)


def _direct_sum(x: np.ndarray, w: np.ndarray, n_out: int, p: int, size: int, reach: int,
                kernel: Callable[[np.ndarray, int, np.ndarray], float],
                relative: Callable[[int, int], int | None]) -> np.ndarray:
    """out[b, o, s, i] = sum_{c, t, y} kernel(w[o, c, relative(s, t)], s, y)
    x[b, c, t, i - p + K // 2 + y] (zero outside x), y over |y| <= reach (measured from the
    grid's centre: half-integers for even K), for a K x K array level (``size``), padding p."""
    ho, wo = check_size(x.shape[-2:], size, p)
    margin = reach + size + p
    xp = np.pad(np.asarray(x, np.float64), [(0, 0)] * 3 + [(margin, margin)] * 2)
    w = np.asarray(w, np.float64)
    out = np.zeros((x.shape[0], w.shape[0], n_out, ho, wo))
    first = margin - p + size // 2 - reach      # padded index of output 0 at y = -reach
    half = size // 2 - (size - 1) / 2           # offsets from the centre: half-integers, even K
    for o in range(w.shape[0]):
        for s in range(n_out):
            for c in range(w.shape[1]):
                for t in range(x.shape[2]):
                    j = relative(s, t)
                    if j is None:
                        continue
                    for a in range(2 * reach + 1):
                        for b in range(2 * reach + 1):
                            y = np.array([a - reach, b - reach]) + half
                            value = kernel(w[o, c, j], s, y)
                            if value or max(abs(y)) <= (size - 1) / 2:    # the K x K grid's
                                # zeros are terms of the sum (0 inf is NaN, as IEEE says)
                                out[:, o, s] += value * xp[:, c, t, first + a:first + a + ho,
                                                           first + b:first + b + wo]
    return out
