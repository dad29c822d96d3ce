"""Hexagonal arrays in the plane: where the cells sit, and conversion from and to square-pixel
images (for examples and figures).

A hexagonal array (side n odd) holds axial coordinates about its centre: entry [i, j] is the
lattice point u e1 + v e2 with (u, v) = (i - n // 2, j - n // 2), |e1| = |e2| = 1, e2 = e1
turned by 60 degrees counter-clockwise; only the hexagon max(|u|, |v|, |u + v|) <= n // 2 is
valid (``groups.hexagon_mask``). Drawn with e1 pointing right, R6 turns counter-clockwise.

The group actions on these arrays are exact (``fast.action.transform``). The conversions here
are not: ``from_image`` samples a square-pixel image at the cell centres (bilinear), and
``to_image`` reads each pixel's nearest cell, so a round trip loses detail like any
resampling.
"""

from __future__ import annotations

import math

import numpy as np

from .arguments import integer, number
from .fast.interpolation import bilinear_weights
from .fast.validation import real_numpy
from .groups.wallpaper import hexagon_mask, hexagon_side

__all__ = ["BASIS", "cell_centres", "from_image", "to_image"]

#: The plane coordinates (x right, y up) of e1 and e2, as columns.
BASIS = np.array([[1.0, 0.5], [0.0, np.sqrt(3.0) / 2.0]])
BASIS.flags.writeable = False

#: The largest square image ``to_image`` draws (pixels on a side).
MAX_PIXELS = 2**14
#: The most values ``from_image`` and ``to_image`` compute at once (their outputs and the
#: tables behind them, about 16 values per cell or pixel): 2^25, 256 MiB of float64.
MAX_VALUES = 2**25


def _check_work(lead: tuple[int, ...], cells: int, op: str) -> None:
    """A ValueError where an output of ``lead`` x ``cells`` (and its tables) is too large."""
    work = max(math.prod(lead), 16) * cells
    if work > MAX_VALUES:
        raise ValueError(f"{op}: {math.prod(lead)} arrays of {cells} cells or pixels would "
                         f"compute about {work:,} values, more than {MAX_VALUES:,}: give a "
                         f"smaller size")


def cell_centres(size: int, spacing: float = 1.0) -> np.ndarray:
    """(size, size, 2): the plane position (x, y) of every cell of a hexagonal array,
    spacing * (u e1 + v e2), centre at the origin (cells outside the hexagon included)."""
    r = hexagon_side(size, "cell_centres: size") // 2
    if 2 * size * size > MAX_VALUES:        # (size, size, 2) coordinates, refused up front
        raise ValueError(f"cell_centres: size {size} gives {2 * size * size:,} coordinates, "
                         f"more than {MAX_VALUES:,}: give a smaller size")
    spacing = number(spacing, "spacing", 0, np.inf, open_low=True)
    u, v = np.meshgrid(np.arange(-r, r + 1), np.arange(-r, r + 1), indexing="ij")
    return spacing * np.stack([u, v], axis=-1) @ BASIS.T


def from_image(image: np.ndarray, size: int, spacing: float | None = None) -> np.ndarray:
    """The hexagonal array (..., size, size) of an image (..., H, W): the image sampled at the
    cell centres, bilinearly, its centre on the array's centre (zero outside the image and
    outside the hexagon). ``spacing`` is the distance of neighbouring cells in pixels (default:
    the hexagon just fits in the image). Approximate: a resampling."""
    image = real_numpy(image, "from_image: image")
    if image.ndim < 2 or min(image.shape[-2:]) < 2:
        raise ValueError(f"from_image takes an image (..., H, W) of at least 2 x 2 pixels, got "
                         f"shape {image.shape}")
    h, w = image.shape[-2:]
    _check_work(image.shape[:-2], integer(size, "size", 1, 2**14) ** 2, "from_image")
    r = hexagon_side(size, "from_image: size") // 2
    if spacing is None:
        spacing = (min(h, w) - 1) / 2 / max(r, 1)
    xy = cell_centres(size, spacing).reshape(-1, 2)
    points = np.stack([(h - 1) / 2 - xy[:, 1], (w - 1) / 2 + xy[:, 0]], axis=1)  # y up, rows down
    indices, weights = bilinear_weights(points, (h, w))
    flat = image.reshape(image.shape[:-2] + (h * w,))
    out = (flat[..., indices] * weights).sum(axis=-1).reshape(image.shape[:-2] + (size, size))
    return np.where(hexagon_mask(size), out, 0.0)


def to_image(values: np.ndarray, pixels: int, spacing: float | None = None,
             fill: float = np.nan) -> np.ndarray:
    """A square image (..., pixels, pixels) of a hexagonal array (..., n, n): each pixel takes
    the value of its nearest cell (``fill`` outside the hexagon). Approximate: for display."""
    values = real_numpy(values, "to_image: values")
    if values.ndim < 2 or values.shape[-2] != values.shape[-1]:
        raise ValueError(f"to_image takes hexagonal arrays (..., n, n), got shape {values.shape}")
    n = values.shape[-1]
    r = hexagon_side(n, "to_image: values (..., n, n): n") // 2
    pixels = integer(pixels, "pixels", 1, MAX_PIXELS)
    _check_work(values.shape[:-2], pixels * pixels, "to_image")
    if isinstance(fill, (bool, np.bool_)) or not isinstance(fill, (int, float, np.integer,
                                                                    np.floating)):
        raise TypeError(f"fill must be a real number (NaN by default), got {fill!r}")
    if spacing is None:
        spacing = max((pixels - 1) / 2 / max(r, 1), 0.5)
    spacing = number(spacing, "spacing", 0, np.inf, open_low=True)
    rows, cols = np.meshgrid(np.arange(pixels), np.arange(pixels), indexing="ij")
    xy = np.stack([cols - (pixels - 1) / 2, (pixels - 1) / 2 - rows], axis=-1) / spacing
    uv = xy @ np.linalg.inv(BASIS).T                     # fractional axial coordinates
    uv = np.clip(uv, -(r + 2), r + 2)                    # farther is outside all the same
    u, v = _nearest_cell(uv[..., 0], uv[..., 1])
    inside = np.maximum(np.maximum(np.abs(u), np.abs(v)), np.abs(u + v)) <= r
    picked = values[..., np.clip(u + r, 0, n - 1), np.clip(v + r, 0, n - 1)]
    return np.where(inside, picked, fill)


def _nearest_cell(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The nearest lattice point of fractional axial coordinates (cube-coordinate rounding)."""
    x, z = u, v
    y = -x - z
    rx, ry, rz = np.round(x), np.round(y), np.round(z)
    dx, dy, dz = np.abs(rx - x), np.abs(ry - y), np.abs(rz - z)
    rx = np.where((dx > dy) & (dx > dz), -ry - rz, rx)
    rz = np.where(~((dx > dy) & (dx > dz)) & ~(dy > dz), -rx - ry, rz)
    return rx.astype(int), rz.astype(int)



