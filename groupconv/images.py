"""Test images that ship with matplotlib (no download): the grace_hopper photograph, in grey."""

from __future__ import annotations

import numpy as np

from .arguments import integer
from .caching import cached_arrays

__all__ = ["grace_hopper"]


@cached_arrays(maxsize=8)
def _photo() -> np.ndarray:
    from matplotlib import cbook
    from matplotlib.image import imread

    with cbook.get_sample_data("grace_hopper.jpg") as f:
        rgb = imread(f, format="jpg").astype(np.float64) / 255.0
    grey = rgb[..., :3] @ np.array([0.299, 0.587, 0.114])
    side = min(grey.shape)
    top, left = (grey.shape[0] - side) // 2, (grey.shape[1] - side) // 2
    return grey[top:top + side, left:left + side]


def grace_hopper(size: int = 64) -> np.ndarray:
    """The photograph, grey, values in [0, 1], centre-cropped to a square and reduced to
    size x size by averaging blocks (which smooths it: good for interpolation)."""
    size = integer(size, "size")
    photo = _photo()
    block = photo.shape[0] // size
    if block < 1:
        raise ValueError(f"size must be at most {photo.shape[0]}, got {size}")
    cropped = photo[:block * size, :block * size]
    return cropped.reshape(size, block, size, block).mean(axis=(1, 3))
