"""Bilinear interpolation on the pixel grid: rotating and scaling kernels and images.

The groups of the lecture (SE(2) with N orientations, scales) transform the plane by maps that
do not send pixels to pixels. A function f known on the grid is extended to the plane by
bilinear interpolation, f~, and a transformed copy is sampled back on the grid:

    (L_A f)(x) = f~(A^-1 x),       x measured from the array centre,

zero where A^-1 x falls outside the array. Rotations by multiples of 90 degrees, whose cosines
and sines are computed exactly (no 6e-17), send grid points to grid points: their operators are
exact permutations. One routine computes the four neighbours and weights of the sample points;
kernels use it as a dense (k^2, k^2) matrix (``transform_operator``), images as a gather
(``transform_image``). The filter banks of SE(2)_N and of the scale group are stacks of such
matrices (``rotation_operators``, ``scale_operators``).
"""

from __future__ import annotations

import math

import numpy as np

from ..caching import cached_arrays
from ..groups.continuous import exact_cos_sin, rotation_matrix

__all__ = ["exact_cos_sin", "rotation_matrix", "bilinear_weights", "transform_operator",
           "transform_image", "rotate_image", "scale_image", "disk", "disk_mask",
           "rotation_operators", "scaled_kernel_size", "scale_operators"]

_SNAP = 1e-12  # sample points this close to a grid point are taken as that grid point


def disk(size: int, radius: float) -> np.ndarray:
    """The pixels of a size x size array within ``radius`` of its centre (boolean)."""
    c = np.arange(size) - (size - 1) / 2
    return c[:, None] ** 2 + c[None, :] ** 2 <= radius**2 + 1e-9


def disk_mask(k: int) -> np.ndarray:
    """The k x k pixels within distance (k - 1) / 2 of the centre, ``disk(k, (k - 1) / 2)``: a
    rotation by any angle maps the disk into itself, so masked kernels lose nothing at the
    corners."""
    return disk(k, (k - 1) / 2)


def bilinear_weights(points: np.ndarray, shape: tuple[int, int]
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Flat indices (N, 4) and weights (N, 4) of f~ at points (N, 2) in array coordinates:
    f~(p) = sum_n weights[p, n] f.flat[indices[p, n]]. Outside the array f is 0, so f~ fades
    linearly to 0 over the step beyond the border (its support is the open square (-1, h) x
    (-1, w))."""
    h, w = shape
    pts = np.where(np.abs(points - np.round(points)) < _SNAP, np.round(points), points)
    lo = np.floor(pts).astype(np.int64)
    frac = pts - lo
    indices, weights = [], []
    for du, dv in ((0, 0), (0, 1), (1, 0), (1, 1)):
        i, j = lo[:, 0] + du, lo[:, 1] + dv
        wt = (frac[:, 0] if du else 1 - frac[:, 0]) * (frac[:, 1] if dv else 1 - frac[:, 1])
        inside = (i >= 0) & (i < h) & (j >= 0) & (j < w)
        indices.append(np.where(inside, i * w + j, 0))
        weights.append(np.where(inside, wt, 0.0))
    return np.stack(indices, axis=1), np.stack(weights, axis=1)


def _sample_points(inverse: np.ndarray, shape: tuple[int, int],
                   out_shape: tuple[int, int]) -> np.ndarray:
    """Array coordinates A^-1 x of every output pixel x, both measured from array centres."""
    ho, wo = out_shape
    i, j = np.meshgrid(np.arange(ho) - (ho - 1) / 2, np.arange(wo) - (wo - 1) / 2, indexing="ij")
    src = np.stack([i.ravel(), j.ravel()], axis=1) @ inverse.T
    return src + np.array([(shape[0] - 1) / 2, (shape[1] - 1) / 2])


@cached_arrays(maxsize=512)
def _operator(inverse_key: tuple, k: int, out_k: int, mask: bool) -> np.ndarray:
    inverse = np.array(inverse_key).reshape(2, 2)
    indices, weights = bilinear_weights(_sample_points(inverse, (k, k), (out_k, out_k)), (k, k))
    op = np.zeros((out_k * out_k, k * k))
    np.add.at(op, (np.repeat(np.arange(out_k * out_k), 4), indices.ravel()), weights.ravel())
    if mask:
        op *= disk_mask(out_k).reshape(-1, 1)      # outside the disk after ...
        op *= disk_mask(k).reshape(1, -1)          # ... and before the transformation
    return op


def transform_operator(matrix: np.ndarray, k: int, out_k: int | None = None,
                       mask: bool = False) -> np.ndarray:
    """The (out_k^2, k^2) matrix M with (L_A psi).ravel() = M @ psi.ravel() for a k x k kernel
    psi and the linear map A (2 x 2), both about the kernel centre; ``mask`` restricts both
    sides to ``disk_mask``. Cached; read-only."""
    inverse = np.linalg.inv(np.asarray(matrix, dtype=np.float64))
    inverse = np.where(np.abs(inverse - np.round(inverse)) < _SNAP, np.round(inverse), inverse)
    return _operator(tuple(inverse.ravel().tolist()), k, out_k or k, bool(mask))


def transform_image(x: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """L_A x about the centre of the last two axes, same shape: x~(A^-1 x), 0 outside."""
    x = np.asarray(x)
    h, w = x.shape[-2:]
    inverse = np.linalg.inv(np.asarray(matrix, dtype=np.float64))
    indices, weights = bilinear_weights(_sample_points(inverse, (h, w), (h, w)), (h, w))
    flat = x.reshape(x.shape[:-2] + (h * w,))
    out = (flat[..., indices] * weights).sum(axis=-1)
    return out.reshape(x.shape).astype(np.result_type(x.dtype, np.float32), copy=False)


def rotate_image(x: np.ndarray, angle: float) -> np.ndarray:
    """x rotated counter-clockwise (as displayed) by ``angle`` radians about its centre."""
    return transform_image(x, rotation_matrix(angle))


def scale_image(x: np.ndarray, factor: float) -> np.ndarray:
    """x magnified by ``factor`` about its centre (x(y / factor)), same shape."""
    return transform_image(x, np.eye(2) * factor)


# ---------------------------------------------------- the operators of the lecture's banks
@cached_arrays(maxsize=64)
def rotation_operators(n: int, k: int, mask: bool = True) -> np.ndarray:
    """(N, k^2, k^2): operator r rotates a flattened k x k kernel by r 2 pi / N about its centre
    (bilinear, optionally within the disk). For N divisible by 4, r + N/4 is r followed by the
    exact quarter turn, so that quarter turns commute with the bank exactly."""
    quarter = transform_operator(rotation_matrix(np.pi / 2), k)     # the permutation np.rot90
    ops = np.empty((n, k * k, k * k))
    for r in range(n):
        if n % 4 == 0 and r >= n // 4:
            ops[r] = quarter @ ops[r - n // 4]
        else:
            ops[r] = transform_operator(rotation_matrix(2 * np.pi * r / n), k, mask=mask)
    return ops


def scaled_kernel_size(base: float, n_scales: int, k: int) -> int:
    """K: the odd grid that holds k_s for the largest scale s = base^(n - 1). k~ vanishes at
    distance (k + 1) / 2 from the centre, so k_s at distance s (k + 1) / 2 and beyond: the last
    non-zero offset is ceil(s (k + 1) / 2) - 1 (k, for s = 1 and odd k)."""
    reach = math.ceil(base ** (n_scales - 1) * (k + 1) / 2 - 1e-9) - 1
    return 2 * reach + 1


@cached_arrays(maxsize=64)
def scale_operators(base: float, n_scales: int, k: int) -> np.ndarray:
    """(n, K^2, k^2): operator i maps a flattened k x k kernel to k_{s_i} = k~(x / s_i) / s_i^2
    on the K x K grid (bilinear; for s_0 = 1 an exact, zero-padded copy)."""
    size = scaled_kernel_size(base, n_scales, k)
    return np.stack([transform_operator(np.eye(2) * base**i, k, out_k=size) / base ** (2 * i)
                     for i in range(n_scales)])
