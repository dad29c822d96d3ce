"""Bilinear interpolation on the pixel grid: rotating and scaling kernels and images.

The groups of the lecture (SE(2) with N orientations, scales) transform the plane by maps that
do not send pixels to pixels. A function f known on the grid is extended to the plane by
bilinear interpolation, f~, and a transformed copy is sampled back on the grid:

    (L_A f)(x) = f~(A^-1 x),       x measured from the array centre,

zero where A^-1 x falls outside the array. Rotations by multiples of 90 degrees, whose cosines
and sines are computed exactly (no 6e-17), send grid points to grid points: their operators are
exact permutations. One routine computes the four neighbours and weights of the sample points;
kernels use it as a dense (k^2, k^2) matrix (``transform_operator``), images as a gather
(``transform_image``).
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["exact_cos_sin", "rotation_matrix", "bilinear_weights", "transform_operator",
           "transform_image", "rotate_image", "scale_image", "disk_mask"]

_SNAP = 1e-12  # sample points this close to a grid point are taken as that grid point


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


def disk_mask(k: int) -> np.ndarray:
    """The k x k pixels within distance (k - 1) / 2 of the centre: a rotation by any angle maps
    the disk into itself, so masked kernels lose nothing at the corners."""
    c = np.arange(k) - (k - 1) / 2
    return (c[:, None] ** 2 + c[None, :] ** 2) <= ((k - 1) / 2) ** 2 + 1e-9


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


@functools.lru_cache(maxsize=512)
def _operator(inverse_key: tuple, k: int, out_k: int, mask: bool) -> np.ndarray:
    inverse = np.array(inverse_key).reshape(2, 2)
    indices, weights = bilinear_weights(_sample_points(inverse, (k, k), (out_k, out_k)), (k, k))
    op = np.zeros((out_k * out_k, k * k))
    np.add.at(op, (np.repeat(np.arange(out_k * out_k), 4), indices.ravel()), weights.ravel())
    if mask:
        op *= disk_mask(out_k).reshape(-1, 1)      # outside the disk after ...
        op *= disk_mask(k).reshape(1, -1)          # ... and before the transformation
    op.flags.writeable = False
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
