"""Pointwise, pooling, normalisation and dense layers of a G-CNN, with their gradients.

Feature maps on G have the layout (B, C, S, H, W), on Z^2 (B, C, H, W). Each docstring says how
the layer transforms under the group, L_h acting about the array centre (``arrays.transform``):
equivariant (layer(L_h x) = L_h layer(x)) or invariant (layer(L_h x) = layer(x)), and when
that is exact.
"""

from __future__ import annotations

import numpy as np

from ..fast.action import project
from .base import Layer

__all__ = ["ReLU", "SiLU", "SubgroupPool", "SpatialPool", "BatchNorm", "GlobalPool", "Linear",
           "Flatten"]

_REDUCTIONS = ("max", "mean", "sum")


class ReLU(Layer):
    """max(x, 0), pointwise: equivariant to every permutation of pixels and orientations, so
    exactly equivariant under L_h."""

    def forward(self, x, training=False):
        return np.maximum(x, 0), x > 0

    def backward(self, cache, dy, input_grad=True):
        return dy * cache, {}


class SiLU(Layer):
    """x * sigmoid(x), a smooth pointwise nonlinearity: exactly equivariant, like ReLU."""

    def forward(self, x, training=False):
        sig = 1.0 / (1.0 + np.exp(-x))
        return x * sig, (x, sig)

    def backward(self, cache, dy, input_grad=True):
        x, sig = cache
        return dy * (sig + x * sig * (1.0 - sig)), {}


class SubgroupPool(Layer):
    """Projection over the stabiliser H: (B, C, S, H, W) -> (B, C, H, W) by max, mean or sum
    over the S orientations.

    Invariant to the stabiliser's permutation of the orientation axis, so the output transforms
    like a function on Z^2: layer(L_h x) = L_h layer(x) spatially, exactly.
    """

    def __init__(self, reduction: str = "max"):
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction

    def forward(self, x, training=False):
        if x.ndim != 5:
            raise ValueError(f"SubgroupPool expects (B, C, S, H, W), got shape {x.shape}")
        arg = np.argmax(x, axis=2) if self.reduction == "max" else None   # for backward
        return project(x, self.reduction), (x.shape, arg)

    def backward(self, cache, dy, input_grad=True):
        shape, arg = cache
        if self.reduction == "max":
            dx = np.zeros(shape, dtype=dy.dtype)
            np.put_along_axis(dx, arg[:, :, None], dy[:, :, None], axis=2)
            return dx, {}
        scale = 1.0 / shape[2] if self.reduction == "mean" else 1.0
        return np.broadcast_to(dy[:, :, None] * scale, shape).copy(), {}

    def __repr__(self) -> str:
        return f"SubgroupPool({self.reduction!r})"


class SpatialPool(Layer):
    """Max or average pooling over the last two axes, window ``size``, ``stride``, no padding:
    H' = (H - size) // stride + 1.

    Equivariant under rotations and mirrors about the array centre exactly when the pooling
    grid is symmetric about the centre, that is when the windows start at 0 and the last one
    ends at H: (H - size) % stride == 0, and the same for W (``exact_for``). Otherwise the
    windows of the rotated input are not the rotated windows, and the output differs.
    """

    def __init__(self, size: int = 2, stride: int | None = None, kind: str = "max"):
        super().__init__()
        if kind not in ("max", "avg"):
            raise ValueError(f"kind must be 'max' or 'avg', got {kind!r}")
        self.size, self.stride, self.kind = size, stride or size, kind

    def exact_for(self, h: int, w: int) -> bool:
        """Whether pooling an h x w array commutes with rotations and mirrors about the centre."""
        return (h - self.size) % self.stride == 0 and (w - self.size) % self.stride == 0

    def _windows(self, x):
        h, w = x.shape[-2:]
        if h < self.size or w < self.size:
            raise ValueError(f"SpatialPool({self.size}) needs at least {self.size}x{self.size} "
                             f"pixels, got {h}x{w}")
        ho, wo = (h - self.size) // self.stride + 1, (w - self.size) // self.stride + 1
        for a in range(self.size):
            for b in range(self.size):
                yield a, b, (Ellipsis, slice(a, a + self.stride * (ho - 1) + 1, self.stride),
                             slice(b, b + self.stride * (wo - 1) + 1, self.stride))

    def forward(self, x, training=False):
        y = None
        for _, _, index in self._windows(x):
            if y is None:
                y = x[index].copy()
            elif self.kind == "avg":
                y += x[index]
            else:
                np.maximum(y, x[index], out=y)
        if self.kind == "avg":
            y /= self.size**2
        return y, (x, y)

    def backward(self, cache, dy, input_grad=True):
        x, y = cache
        dx = np.zeros(x.shape, dtype=dy.dtype)
        taken = np.zeros(y.shape, dtype=bool) if self.kind == "max" else None
        for _, _, index in self._windows(x):
            if self.kind == "avg":
                dx[index] += dy / self.size**2
            else:  # the first tap equal to the maximum gets the gradient, as argmax would
                first = (x[index] == y) & ~taken
                taken |= first
                dx[index] += dy * first
        return dx, {}

    def __repr__(self) -> str:
        return f"SpatialPool(size={self.size}, stride={self.stride}, kind={self.kind!r})"


class BatchNorm(Layer):
    """Batch normalisation per G-channel: one mean and variance per channel c, shared over the
    batch, the stabiliser and the spatial axes (as in the paper), so that the orientations of a
    channel stay comparable; gamma, beta per channel. Running statistics (``momentum``) are
    used in evaluation mode.

    Equivariant, exactly: rotations and mirrors permute the entries each statistic averages
    over, and in training mode a batch and its rotated copy have the same statistics.
    """

    def __init__(self, channels: int, *, eps: float = 1e-5, momentum: float = 0.1,
                 dtype=np.float32):
        super().__init__()
        self.params["gamma"] = np.ones(channels, dtype=dtype)
        self.params["beta"] = np.zeros(channels, dtype=dtype)
        self.running_mean = np.zeros(channels, dtype=dtype)
        self.running_var = np.ones(channels, dtype=dtype)
        self.eps, self.momentum = eps, momentum

    def _shape(self, x):
        return (1, x.shape[1]) + (1,) * (x.ndim - 2)

    def forward(self, x, training=False):
        axes = (0,) + tuple(range(2, x.ndim))
        if training:
            mean, var = x.mean(axis=axes), x.var(axis=axes)
            m = self.momentum
            n = x.size / x.shape[1]
            self.running_mean[...] = (1 - m) * self.running_mean + m * mean
            self.running_var[...] = (1 - m) * self.running_var + m * var * n / max(n - 1, 1)
        else:
            mean, var = self.running_mean, self.running_var
        shape = self._shape(x)
        inv = 1.0 / np.sqrt(var + self.eps)
        xhat = (x - mean.reshape(shape)) * inv.reshape(shape)
        y = self.params["gamma"].reshape(shape) * xhat + self.params["beta"].reshape(shape)
        return y.astype(x.dtype, copy=False), (xhat, inv, training)

    def backward(self, cache, dy, input_grad=True):
        xhat, inv, training = cache
        axes = (0,) + tuple(range(2, dy.ndim))
        shape = self._shape(dy)
        grads = {"gamma": (dy * xhat).sum(axis=axes), "beta": dy.sum(axis=axes)}
        g = self.params["gamma"].reshape(shape) * inv.reshape(shape)
        if not training:  # fixed statistics: an affine map
            return dy * g, grads
        n = dy.size / dy.shape[1]
        dx = g / n * (n * dy - grads["beta"].reshape(shape)
                      - xhat * grads["gamma"].reshape(shape))
        return dx.astype(dy.dtype, copy=False), grads

    def __repr__(self) -> str:
        return f"BatchNorm({len(self.params['gamma'])})"


class GlobalPool(Layer):
    """Mean or max over the two spatial axes: (B, C, [S,] H, W) -> (B, C, [S]).

    Invariant to rotations and mirrors of the spatial axes about the centre, exactly; on G the
    stabiliser axis is still permuted (follow with ``SubgroupPool`` or precede by it).
    """

    def __init__(self, kind: str = "mean"):
        super().__init__()
        if kind not in ("mean", "max"):
            raise ValueError(f"kind must be 'mean' or 'max', got {kind!r}")
        self.kind = kind

    def forward(self, x, training=False):
        flat = x.reshape(x.shape[:-2] + (-1,))
        if self.kind == "mean":
            return flat.mean(axis=-1), (x.shape, None)
        arg = np.argmax(flat, axis=-1)
        return np.take_along_axis(flat, arg[..., None], axis=-1)[..., 0], (x.shape, arg)

    def backward(self, cache, dy, input_grad=True):
        shape, arg = cache
        n = shape[-2] * shape[-1]
        if self.kind == "mean":
            return np.broadcast_to((dy / n)[..., None, None], shape).copy(), {}
        dx = np.zeros(shape[:-2] + (n,), dtype=dy.dtype)
        np.put_along_axis(dx, arg[..., None], dy[..., None], axis=-1)
        return dx.reshape(shape), {}

    def __repr__(self) -> str:
        return f"GlobalPool({self.kind!r})"


class Flatten(Layer):
    """(B, ...) -> (B, F). Invariance is whatever the input had."""

    def forward(self, x, training=False):
        return x.reshape(x.shape[0], -1), x.shape

    def backward(self, cache, dy, input_grad=True):
        return dy.reshape(cache), {}


class Linear(Layer):
    """y = x W^T + b on (B, F_in) -> (B, F_out). Invariant inputs give invariant outputs."""

    def __init__(self, f_in: int, f_out: int, *, rng: np.random.Generator | int | None = None,
                 dtype=np.float32):
        super().__init__()
        rng = np.random.default_rng(rng)
        self.params["weight"] = (rng.standard_normal((f_out, f_in))
                                 * np.sqrt(1.0 / f_in)).astype(dtype)
        self.params["bias"] = np.zeros(f_out, dtype=dtype)

    def forward(self, x, training=False):
        if x.ndim != 2 or x.shape[1] != self.params["weight"].shape[1]:
            raise ValueError(f"Linear expects (B, {self.params['weight'].shape[1]}), "
                             f"got shape {x.shape}")
        return x @ self.params["weight"].T + self.params["bias"], x

    def backward(self, cache, dy, input_grad=True):
        return dy @ self.params["weight"], {"weight": dy.T @ cache, "bias": dy.sum(axis=0)}

    def __repr__(self) -> str:
        f_out, f_in = self.params["weight"].shape
        return f"Linear({f_in}, {f_out})"
