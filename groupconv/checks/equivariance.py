"""Measured equivariance of the lecture's groups, where it is only approximate.

On the pixel grid a rotation by an angle that is not a multiple of 90 degrees (or a scaling)
needs interpolation, both of the input and of the kernels. These functions measure how far the
layers are from equivariant, as the relative L2 error inside a central disk (away from the
border, where rotated inputs lose their corners and padding enters):

    error(theta) = || Phi(L_theta f) - L_theta Phi(f) ||_disk / || L_theta Phi(f) ||_disk,

with L_theta the same bilinear rotation on input and output (on SE(2) feature maps also a cyclic
shift of the orientation axis by theta N / 2 pi, linear between orientations), and the cost of
the interpolation alone, || L_-theta L_theta f - f || / || f ||.
``benchmarks/equivariance_error.py`` prints and plots them; ``groupconv.viz`` draws them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .. import nn
from ..fast.interpolation import disk, rotate_image, scale_image
from ..groups import SE2, ScaleTranslation

__all__ = ["disk", "relative_l2_error", "shift_axis", "se2_lifting", "se2_network",
           "scale_lifting", "rotation_curve", "interpolation_curve", "scale_curve"]


def relative_l2_error(a: np.ndarray, b: np.ndarray, region: np.ndarray) -> float:
    """||a - b||_2 / ||b||_2 over the pixels in ``region`` (the last two axes), all other axes.
    A ValueError where the region is empty or b vanishes on it (no relative error exists)."""
    norm = float(np.linalg.norm(b[..., region]))
    if not np.any(region) or norm == 0:
        raise ValueError("relative_l2_error: the reference is zero on the region (or the region "
                         "is empty), so there is no relative error")
    return float(np.linalg.norm((a - b)[..., region]) / norm)


def shift_axis(f: np.ndarray, shift: float, axis: int = -3, periodic: bool = True
               ) -> np.ndarray:
    """g[t] = f[t - shift] along ``axis``, linear between entries; periodic, or zero (NaN-free)
    beyond the ends when not periodic."""
    n = f.shape[axis]
    t = np.arange(n) - shift
    lo = np.floor(t).astype(int)
    frac = (t - lo).reshape((-1,) + (1,) * (-axis - 1))
    if periodic:
        return (1 - frac) * np.take(f, lo % n, axis=axis) + frac * np.take(f, (lo + 1) % n,
                                                                          axis=axis)
    parts = []
    for idx, weight in ((lo, 1 - frac), (lo + 1, frac)):
        valid = ((idx >= 0) & (idx < n)).reshape(frac.shape)
        parts.append(np.where(valid, weight * np.take(f, np.clip(idx, 0, n - 1), axis=axis), 0))
    return parts[0] + parts[1]


def se2_lifting(n: int, channels: int = 4, k: int = 5, seed: int = 0
                ) -> Callable[[np.ndarray], np.ndarray]:
    """A random SE2(N) lifting layer ("same" padding): (H, W) -> (C, N, H, W), float64."""
    layer = nn.LiftingConv(SE2(n), 1, channels, k, mode="same", dtype=np.float64, rng=seed)
    return lambda image: layer(image[None, None])[0]


def se2_network(n: int, channels: int = 4, k: int = 5, seed: int = 0
                ) -> Callable[[np.ndarray], np.ndarray]:
    """A random 3-layer SE2(N) network ("same" padding, ReLU) followed by the projection over
    theta (max): (H, W) -> (C, H, W), float64. Receptive field: 3 (k - 1) + 1 pixels."""
    rng = np.random.default_rng(seed)
    opts = dict(mode="same", dtype=np.float64, rng=rng)
    group = SE2(n)
    net = nn.Sequential([nn.LiftingConv(group, 1, channels, k, **opts), nn.ReLU(),
                         nn.GroupConv(group, channels, channels, k, **opts), nn.ReLU(),
                         nn.GroupConv(group, channels, channels, k, **opts),
                         nn.SubgroupPool("max")])
    return lambda image: net(image[None, None])[0]


def scale_lifting(n_scales: int = 5, base: float = 2 ** 0.5, channels: int = 4, k: int = 3,
                  seed: int = 0) -> Callable[[np.ndarray], np.ndarray]:
    """A random scale lifting layer ("same"): (H, W) -> (C, n, H, W), float64."""
    layer = nn.LiftingConv(ScaleTranslation(base), 1, channels, k, n_scales=n_scales,
                           mode="same", dtype=np.float64, rng=seed)
    return lambda image: layer(image[None, None])[0]


def rotation_curve(phi: Callable[[np.ndarray], np.ndarray], image: np.ndarray,
                   angles_deg: Sequence[float], radius: float, n: int | None = None
                   ) -> np.ndarray:
    """error(theta) for every angle: phi(L_theta f) against L_theta phi(f). ``n`` given: phi's
    output has an orientation axis (-3) of N entries, shifted by theta N / 360 degrees."""
    region = disk(image.shape[-1], radius)
    reference = phi(image)
    errors = []
    for degrees in angles_deg:
        theta = np.deg2rad(degrees)
        expected = rotate_image(reference, theta)
        if n is not None:
            expected = shift_axis(expected, degrees * n / 360.0)
        errors.append(relative_l2_error(phi(rotate_image(image, theta)), expected, region))
    return np.array(errors)


def interpolation_curve(image: np.ndarray, angles_deg: Sequence[float], radius: float
                        ) -> np.ndarray:
    """What the interpolation alone costs: || L_-theta L_theta f - f || / || f || in the disk."""
    region = disk(image.shape[-1], radius)
    return np.array([relative_l2_error(rotate_image(rotate_image(image, np.deg2rad(d)),
                                                 -np.deg2rad(d)), image, region)
                     for d in angles_deg])


def scale_curve(phi: Callable[[np.ndarray], np.ndarray], image: np.ndarray,
                factors: Sequence[float], radius: float, base: float) -> np.ndarray:
    """error(lambda) at the middle scale s_m (m = n // 2) of phi's output: phi(L_lambda f) at
    s_m against (L_lambda phi(f)) at s_{m - log_base lambda}, linear between scales. Its source
    stays inside the truncated scale axis for factors base^-m .. base^(n - 1 - m)."""
    region = disk(image.shape[-1], radius)
    reference = phi(image)
    m = reference.shape[-3] // 2
    errors = []
    for factor in factors:
        expected = shift_axis(scale_image(reference, factor), np.log(factor) / np.log(base),
                              periodic=False)
        got = phi(scale_image(image, factor))
        errors.append(relative_l2_error(got[..., m, :, :], expected[..., m, :, :], region))
    return np.array(errors)
