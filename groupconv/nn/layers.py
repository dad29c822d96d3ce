"""Pointwise, pooling, normalisation and dense layers of a G-CNN, with their gradients.

Feature maps on G have the layout (B, C, S, *n), on Z^d (B, C, *n), with d = 1, 2, 3 spatial
axes. The pooling layers act on the point axis or the spatial axes, so they need to know the
space they read: give ``space=`` or put them in a ``Sequential``, which binds them. Each
docstring says how the layer transforms under the group, L_h acting about the array centre
(``groupconv.fast.transform``): equivariant (layer(L_h x) = L_h layer(x)) or invariant
(layer(L_h x) = layer(x)), and when that is exact. Every layer computes in the array library
of its input (array API), on real floats: integer inputs become float64, float16 float32, and
complex input is a TypeError (the rule of ``groupconv.fast.validation``).
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
from array_api_compat import array_namespace, is_writeable_array
from array_api_compat import device as _device

from ..arguments import choice, flag, float_dtype, generator, integer
from ..fast.action import project
from ..fast.backend import on_device
from ..groups import Space, domain_mask
from .base import (
    MOST_WEIGHTS, Layer, _in_dtype, checked_cache, checked_dy, checked_input, dtype_name,
    space_config, untraced_state,
)

__all__ = ["ReLU", "SiLU", "SubgroupPool", "SpatialPool", "BatchNorm", "GlobalPool", "Linear",
           "Flatten", "Dropout"]

_REDUCTIONS = ("max", "mean", "sum")


def _one_hot(xp, index: Any, n: int, axis: int) -> Any:
    """Boolean array with True at ``index`` along a new axis ``axis`` of length n."""
    shape = [1] * (index.ndim + 1)
    shape[axis] = n
    return xp.reshape(xp.arange(n, device=_device(index)), tuple(shape)) == \
        xp.expand_dims(index, axis=axis)


class ReLU(Layer):
    """max(x, 0), pointwise: equivariant to every permutation of pixels and orientations, so
    exactly equivariant under L_h.

    Parameters
    ----------
    space : Space, optional
        The space it reads; default: bound to the first space it is used on (or by
        ``Sequential``).

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> nn.ReLU()(np.array([[-1.0, 2.0]])).tolist()
    [[0.0, 2.0]]
    """

    keeps_channels = True

    def forward(self, x, training=False):
        x = checked_input(self, x, training)
        y = array_namespace(x).maximum(x, 0.0)
        return y, y          # the derivative is 1 where y > 0, and 0 elsewhere

    def backward(self, cache, dy, input_grad=True):
        dy = checked_dy(self, dy, checked_cache(self, cache, None).shape)
        xp = array_namespace(dy)
        return dy * xp.astype(cache > 0, dy.dtype), {}     # (a product: where() is slower)

    def config(self) -> dict[str, Any]:
        return {"type": "ReLU"}


class SiLU(Layer):
    """x * sigmoid(x), a smooth pointwise nonlinearity: exactly equivariant, like ReLU.

    Parameters
    ----------
    space : Space, optional
        The space it reads; default: bound to the first space it is used on (or by
        ``Sequential``).

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> np.round(nn.SiLU()(np.array([[-1.0, 0.0, 2.0]])), 4).tolist()
    [[-0.2689, 0.0, 1.7616]]
    """

    keeps_channels = True

    def forward(self, x, training=False):
        x = checked_input(self, x, training)
        xp = array_namespace(x)
        sig = 1.0 / (1.0 + xp.exp(-x))
        return x * sig, (x, sig)

    def backward(self, cache, dy, input_grad=True):
        x, sig = checked_cache(self, cache, 2)
        dy = checked_dy(self, dy, x.shape)
        return dy * (sig + x * sig * (1.0 - sig)), {}

    def config(self) -> dict[str, Any]:
        return {"type": "SiLU"}


class SubgroupPool(Layer):
    """Projection over the point axis (``groupconv.fast.project``): (B, C, S, *n) ->
    (B, C, *n) by max, mean or sum over the S samples.

    Invariant to the point group's permutation of the point axis, so the output transforms like
    a function on Z^d: layer(L_h x) = L_h layer(x) spatially, exactly.

    Parameters
    ----------
    reduction : str
        "max", "mean" or "sum" over the S samples.
    space : Space, optional
        The space it reads; default: bound to the first space it is used on (or by
        ``Sequential``): one with a point axis.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> from groupconv import P4, Space
    >>> x = np.arange(2 * 3 * 4 * 5 * 5, dtype=float).reshape(2, 3, 4, 5, 5)
    >>> y = nn.SubgroupPool("max", space=Space.on_group(P4))(x)
    >>> y.shape, bool((y == x.max(axis=2)).all())
    ((2, 3, 5, 5), True)
    """

    keeps_channels = True

    def __init__(self, reduction: str = "max", *, space: Space | None = None):
        choice(reduction, "SubgroupPool reduction", _REDUCTIONS)
        self.reduction = reduction
        super().__init__(space)

    def accepts(self, space: Space) -> bool:
        return space.point_axis and (self.space is None or self.space == space)

    def output_space_for(self, space: Space) -> Space:
        return space.without_points()

    def forward(self, x, training=False):
        x = checked_input(self, x, training)
        space = self._bound()
        self._checked_layout(x)
        xp = array_namespace(x)
        arg = xp.argmax(x, axis=2) if self.reduction == "max" else None   # for backward
        return project(x, space, self.reduction), (tuple(x.shape), arg)

    def backward(self, cache, dy, input_grad=True):
        shape, arg = checked_cache(self, cache, 2)
        dy = checked_dy(self, dy, shape[:2] + shape[3:])
        xp = array_namespace(dy)
        spread = xp.expand_dims(dy, axis=2)
        if self.reduction == "max":
            hit = _one_hot(xp, arg, shape[2], axis=2)
            return xp.astype(hit, dy.dtype) * spread, {}
        scale = 1.0 / shape[2] if self.reduction == "mean" else 1.0
        return xp.zeros(shape, dtype=dy.dtype, device=_device(dy)) + spread * scale, {}

    def config(self) -> dict[str, Any]:
        return {"type": "SubgroupPool", "reduction": self.reduction,
                "space": space_config(self.space)}

    def __repr__(self) -> str:
        return f"SubgroupPool({self.reduction!r})"


class SpatialPool(Layer):
    """Max or mean pooling over the d spatial axes, window ``size``^d, ``stride``, no
    padding: n' = (n - size) // stride + 1 on every axis.

    Equivariant under rotations and mirrors about the array centre exactly when the pooling
    grid is symmetric about the centre, that is when the windows start at 0 and the last one
    ends at n: (n - size) % stride == 0 on every axis (``exact_for``). Otherwise the windows of
    the rotated input are not the rotated windows, and the output differs. With ``exact=True``
    the layer refuses such inputs (a network whose invariance depends on it). Cubic windows are
    for the hypercubic lattices: on hexagonal arrays (p3 ... p6m) a window is not a hexagon,
    and the layer refuses them.

    Parameters
    ----------
    size : int
        The window's side.
    stride : int, optional
        The step between windows (default: ``size``).
    kind : str
        "max" or "mean".
    exact : bool
        Refuse inputs whose sides make the pooling grid asymmetric about the centre.
    space : Space, optional
        The space it reads; default: bound to the first space it is used on (or by
        ``Sequential``).

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> from groupconv import P4, Space
    >>> pool = nn.SpatialPool(2, exact=True, space=Space.on_group(P4))
    >>> pool(np.ones((1, 3, 4, 6, 6))).shape          # (6 - 2) % 2 == 0: symmetric
    (1, 3, 4, 3, 3)
    """

    keeps_channels = True

    def __init__(self, size: int = 2, stride: int | None = None, kind: str = "max", *,
                 exact: bool = False, space: Space | None = None):
        self.exact = flag(exact, "SpatialPool exact")
        choice(kind, "SpatialPool kind", ("max", "mean"))
        stride = size if stride is None else stride
        size, stride = (integer(v, f"SpatialPool {n}", 1, 2**20)
                        for n, v in (("size", size), ("stride", stride)))
        self.size, self.stride, self.kind = size, stride, kind
        super().__init__(space)

    def accepts(self, space: Space) -> bool:
        return space.spatial and (self.space is None or self.space == space)

    def bind(self, space: Space) -> SpatialPool:
        """As ``Layer.bind``; a space on the hexagonal lattice is a ValueError: square windows
        pool a hexagonal array into no hexagonal array, and commute with none of its
        rotations."""
        if isinstance(space, Space) and space.spatial and space.group.lattice == "hexagonal":
            raise ValueError(f"{self!r} pools square windows, and {space.group.name}'s arrays "
                             f"are hexagons (docs/wallpaper.md): its output would be no "
                             f"hexagonal array, and not equivariant; pool the whole plane "
                             f"(GlobalPool), or shrink the maps by 'valid' layers")
        return super().bind(space)

    def exact_for(self, *shape: int) -> bool:
        """Whether pooling an array of this spatial shape commutes with rotations and mirrors
        about the centre."""
        return all((n - self.size) % self.stride == 0 for n in shape)

    def _windows(self, x):
        return self._windows_of(tuple(x.shape))

    def _windows_of(self, full: tuple[int, ...]):
        """The index of every tap of the windows, for an input of shape ``full``."""
        d = self._bound().dim
        shape = full[len(full) - d:]
        if min(shape) < self.size:
            raise ValueError(f"SpatialPool({self.size}) needs at least "
                             f"{'x'.join([str(self.size)] * d)} pixels, got "
                             f"{'x'.join(map(str, shape))}")
        if self.exact and not self.exact_for(*shape):
            raise ValueError(f"{self!r} is exactly equivariant only for sizes n with "
                             f"(n - {self.size}) % {self.stride} == 0 on every axis, got "
                             f"{'x'.join(map(str, shape))}")
        out = [(n - self.size) // self.stride + 1 for n in shape]
        for taps in itertools.product(range(self.size), repeat=d):
            yield (Ellipsis,) + tuple(slice(a, a + self.stride * (m - 1) + 1, self.stride)
                                      for a, m in zip(taps, out))

    def forward(self, x, training=False):
        """The windows' maxima (or means), tap by tap on strided views."""
        x = checked_input(self, x, training)
        self._checked_layout(x)
        xp = array_namespace(x)
        windows = list(self._windows(x))
        y = x[windows[0]]
        for index in windows[1:]:
            y = y + x[index] if self.kind == "mean" else xp.maximum(y, x[index])
        if self.kind == "mean":
            return y / len(windows), (tuple(x.shape), None, None)
        return y, (tuple(x.shape), x, y)

    def backward(self, cache, dy, input_grad=True):
        """dy to the tap each maximum came from, the first in the windows' row-major order
        where several taps tie (as argmax); or spread evenly, for the mean."""
        shape, x, y = checked_cache(self, cache, 3)
        d = self._bound().dim
        dy = checked_dy(self, dy, shape[:len(shape) - d] + tuple(
            (n - self.size) // self.stride + 1 for n in shape[len(shape) - d:]))
        xp = array_namespace(dy)
        windows = list(self._windows_of(shape))

        def taps():          # each tap's share of dy, one at a time
            taken = None
            for index in windows:
                if x is None:
                    yield dy / len(windows)
                    continue
                hit = x[index] == y
                if taken is not None:
                    hit = xp.logical_and(hit, xp.logical_not(taken))
                taken = hit if taken is None else xp.logical_or(taken, hit)
                yield dy * xp.astype(hit, dy.dtype)

        parts = taps()
        dx = xp.zeros(shape, dtype=dy.dtype, device=_device(dy))
        if not is_writeable_array(dx):              # JAX: placed by padding, then added
            return sum(self._placed(xp, part, tap, shape) for tap, part in enumerate(parts)), {}
        tiled = self.stride >= self.size          # windows that do not overlap: assign
        for index, part in zip(windows, parts):
            dx[index] = part if tiled else dx[index] + part
        return dx, {}

    def _placed(self, xp, part: Any, tap: int, shape: tuple[int, ...]) -> Any:
        """An array of ``shape``, zero but for ``part`` at the positions of window tap ``tap``
        (a + stride j on every spatial axis), without writing into an array."""
        d = self._bound().dim
        offsets = np.unravel_index(tap, (self.size,) * d)
        for axis, a in zip(range(part.ndim - d, part.ndim), offsets):
            m = part.shape[axis]
            if self.stride > 1:   # j -> stride j: interleave stride - 1 zeros, drop the last
                gaps = xp.zeros(part.shape + (self.stride - 1,), dtype=part.dtype,
                                device=_device(part))
                spread = xp.concat([xp.expand_dims(part, axis=-1), gaps], axis=-1)
                spread = xp.moveaxis(spread, -1, axis + 1)
                full = part.shape[:axis] + (m * self.stride,) + part.shape[axis + 1:]
                part = xp.reshape(spread, full)[(slice(None),) * axis +
                                                (slice(0, self.stride * (m - 1) + 1),)]
            before, after = int(a), shape[axis] - int(a) - part.shape[axis]
            pads = [xp.zeros(part.shape[:axis] + (n,) + part.shape[axis + 1:],
                             dtype=part.dtype, device=_device(part)) for n in (before, after)]
            part = xp.concat([pads[0], part, pads[1]], axis=axis)
        return part

    def config(self) -> dict[str, Any]:
        return {"type": "SpatialPool", "size": self.size, "stride": self.stride,
                "kind": self.kind, "exact": self.exact, "space": space_config(self.space)}

    def __repr__(self) -> str:
        exact = ", exact=True" if self.exact else ""
        return f"SpatialPool(size={self.size}, stride={self.stride}, kind={self.kind!r}{exact})"


class NotFinite(ValueError):
    """A layer's training input holds values that are not finite (what ``fit`` reads as a
    diverged step, its data having been checked)."""


class BatchNorm(Layer):
    """Batch normalisation per G-channel: one mean and variance per channel c, shared over the
    batch, the stabiliser and the spatial axes (as in the paper), so that the orientations of a
    channel stay comparable; gamma, beta per channel.

    In training mode, with n the number of entries each statistic averages:

        running_mean <- (1 - momentum) running_mean + momentum mean
        running_var  <- (1 - momentum) running_var + momentum var n / (n - 1)   (unbiased)

    and evaluation mode uses the running statistics. Equivariant, exactly: rotations and mirrors
    permute the entries each statistic averages over, and in training mode a batch and its
    rotated copy have the same statistics.

    Parameters
    ----------
    channels : int
        C, of inputs (B, C, ...).
    eps : float
        Added to the variance, in (0, 1).
    momentum : float
        Of the running statistics, in [0, 1].
    dtype : dtype
        Of gamma, beta and the running statistics: float32 or float64.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> bn = nn.BatchNorm(2)
    >>> x = np.random.default_rng(0).normal(3.0, 2.0, size=(8, 2, 4, 5, 5)).astype(np.float32)
    >>> y, _ = bn.forward(x, training=True)
    >>> bool(abs(y.mean()) < 1e-5), bool(abs(y.std() - 1) < 1e-3), bn.running_mean.round(1)
    (True, True, array([0.3, 0.3], dtype=float32))
    """

    keeps_channels = True

    buffers = ("running_mean", "running_var")

    def __init__(self, channels: int, *, eps: float = 1e-5, momentum: float = 0.1,
                 dtype: Any = np.float32):
        super().__init__()
        channels = integer(channels, "BatchNorm channels", 1, MOST_WEIGHTS)
        for name, value, low, high in (("eps", eps, 0, 1), ("momentum", momentum, 0, 1)):
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
                raise TypeError(f"BatchNorm {name} must be a number, got {value!r}")
            if not (low < value < high if name == "eps" else low <= value <= high):
                interval = "(0, 1)" if name == "eps" else "[0, 1]"
                raise ValueError(f"BatchNorm {name} must be a number in {interval}, got "
                                 f"{value!r}")
        dtype = float_dtype(dtype, "dtype")
        self.params["gamma"] = np.ones(channels, dtype=dtype)
        self.params["beta"] = np.zeros(channels, dtype=dtype)
        self.params.freeze()
        self.running_mean = np.zeros(channels, dtype=dtype)
        self.running_var = np.ones(channels, dtype=dtype)
        self.eps, self.momentum = float(eps), float(momentum)

    @property
    def input_channels(self) -> int:
        return int(self.params["gamma"].shape[0])

    def forward(self, x, training=False):
        x = checked_input(self, x, training)
        if training:
            untraced_state(self, x, "its running statistics")
        if not self.follows(x):
            self.to(x)
        x = _in_dtype(x, self.dtype)     # computes in its parameters' dtype
        xp = array_namespace(x)
        channels = self.params["gamma"].shape[0]
        if x.ndim < 2 or x.shape[1] != channels:
            raise ValueError(f"BatchNorm({channels}) expects (B, {channels}, ...), got shape "
                             f"{tuple(x.shape)}")
        shape = tuple(x.shape)
        # (B, C, N): statistics over B and N (N written out: -1 is ambiguous for an empty batch),
        # of the values on the domain (the hexagon's cells; the others read as zeros)
        flat = self._on_domain(xp.reshape(x, (shape[0], channels, math.prod(shape[2:]))), shape)
        if training:
            n = math.prod(shape) // channels
            if n < 2:
                raise ValueError(f"BatchNorm({channels}) in training mode averages over the "
                                 f"batch and the other axes, but x of shape {shape} holds "
                                 f"{'no value' if n == 0 else 'one value'} per channel: a "
                                 f"variance needs two (a batch of one vector; a last batch of "
                                 f"one example? choose another batch_size)")
            mean = xp.sum(flat, axis=(0, 2)) / n
            centred = flat - mean[:, None]
            var = _channel_dot(xp, centred, centred) / n
            if not bool(xp.all(xp.isfinite(mean)) and xp.all(xp.isfinite(var))):
                raise NotFinite(f"BatchNorm({channels}) in training mode: x holds NaN or inf, "
                                 f"or values whose variance overflows {x.dtype} (its running "
                                 f"statistics are left as they were)")
            m = self.momentum     # assigned, not written in place: JAX arrays are immutable
            self.running_mean = xp.astype((1 - m) * self.running_mean + m * mean,
                                          self.running_mean.dtype)
            self.running_var = xp.astype(
                (1 - m) * self.running_var + m * var * (n / (n - 1)),
                self.running_var.dtype)
        else:             # fixed statistics: one affine map, y = x scale + shift
            inv = 1.0 / array_namespace(self.running_var).sqrt(self.running_var + self.eps)
            scale = self.params["gamma"] * inv
            shift = self.params["beta"] - self.running_mean * scale
            y = self._on_domain(_affine(xp, flat * _column(scale), 1.0, _column(shift)),
                                shape)
            return xp.reshape(xp.astype(y, x.dtype, copy=False), shape), (flat, inv, training,
                                                                          shape)
        inv = 1.0 / array_namespace(var).sqrt(var + self.eps)
        # y = xhat gamma + beta with xhat = centred inv, never formed: one pass fewer (measured:
        # 15% faster on the P4CNN's first block); the backward takes xhat as centred inv too
        y = self._on_domain(_affine(xp, centred * _column(self.params["gamma"] * inv), 1.0,
                                    _column(self.params["beta"])), shape)
        return xp.reshape(xp.astype(y, x.dtype, copy=False), shape), (centred, inv, training,
                                                                      shape)

    def _on_domain(self, a: Any, shape: tuple[int, ...]) -> Any:
        """a (B, C, N), zero outside the domain of the space the layer is bound to (the
        hexagon, on the hexagonal lattice: a function there lives on it, and the layers ignore
        the other cells and return zero there), else a itself. The statistics count the other
        cells as zeros, the same before and after any point transformation."""
        space = self.input_space
        if space is None or not space.spatial or len(shape) < 2 + space.group.dim:
            return a
        domain = _cells(space, shape, a)
        if domain is None:
            return a
        xp = array_namespace(a)
        n = a.shape[-1] // domain[0].shape[0]      # (a point axis before the cells)
        cells = xp.reshape(xp.broadcast_to(xp.reshape(domain[0], (1, -1)),
                                           (n, domain[0].shape[0])), (1, 1, -1))
        return xp.where(cells, a, xp.zeros_like(a))

    def backward(self, cache, dy, input_grad=True):
        centred, inv, training, shape = checked_cache(self, cache, 4)   # in evaluation mode, the input, not centred
        dy = checked_dy(self, dy, shape)
        xp = array_namespace(dy)
        d = self._on_domain(xp.reshape(dy, centred.shape), shape)   # y = 0 outside: constant
        scale = _column(self.params["gamma"] * inv)
        if not training:  # fixed statistics: an affine map
            xhat = (centred - _column(self.running_mean)) * _column(inv)
            grads = {"gamma": _channel_dot(xp, d, xhat), "beta": xp.sum(d, axis=(0, 2))}
            return xp.reshape(d * scale, shape), grads
        # xhat = centred inv: gamma' = sum d xhat = inv sum d centred
        grads = {"gamma": _channel_dot(xp, d, centred) * inv, "beta": xp.sum(d, axis=(0, 2))}
        n = centred.shape[0] * centred.shape[2]
        # dx = scale (d - beta' / n - xhat gamma' / n), with one fresh array where writable
        t = _affine(xp, centred * _column(inv * grads["gamma"] / n), 1.0,
                    _column(grads["beta"] / n))
        if is_writeable_array(t):
            t -= d
            t *= -scale
            dx = t
        else:
            dx = (d - t) * scale
        dx = self._on_domain(dx, shape)            # the other cells are read as zeros
        return xp.reshape(xp.astype(dx, dy.dtype, copy=False), shape), grads

    def config(self) -> dict[str, Any]:
        return {"type": "BatchNorm", "channels": int(self.params["gamma"].shape[0]),
                "eps": self.eps, "momentum": self.momentum,
                "dtype": dtype_name(self.params["gamma"].dtype)}

    def __repr__(self) -> str:
        return f"BatchNorm({self.params['gamma'].shape[0]})"


def _cells(space: Space, shape: tuple[int, ...], like: Any) -> tuple[Any, int] | None:
    """The cells of the domain (the hexagon) of arrays of ``shape`` in ``space``, flat (N,),
    on like's device, and their number; None where every cell counts (the square and cubic
    lattices)."""
    d = space.group.dim
    mask = domain_mask(space.group, tuple(shape[len(shape) - d:]))
    if mask is None:
        return None
    return on_device(np.ascontiguousarray(mask.reshape(-1)), like), int(mask.sum())


def _column(a: Any) -> Any:
    """A per-channel vector as a column (C, 1), reshaped in its own library (the statistics of
    a Dask input stay NumPy)."""
    return array_namespace(a).reshape(a, (-1, 1))


def _channel_dot(xp, a: Any, b: Any) -> Any:
    """sum_{b, n} a[b, c, n] b[b, c, n] for (B, C, N) arrays: one number per channel."""
    if hasattr(xp, "vecdot"):
        return xp.sum(xp.vecdot(a, b, axis=-1), axis=0)
    return xp.sum(a * b, axis=(0, 2))


def _affine(xp, a: Any, scale: Any, shift: Any) -> Any:
    """a * scale + shift, in place where the library allows (a is a fresh intermediate here;
    a scale of 1.0 or a shift of 0.0 costs no pass)."""
    writable = is_writeable_array(a)
    if not (isinstance(scale, float) and scale == 1.0):
        if writable:
            a *= scale
        else:
            a = a * scale
    if not (isinstance(shift, float) and shift == 0.0):
        if writable:
            a += shift
        else:
            a = a + shift
    return a


class GlobalPool(Layer):
    """Mean or max over the d spatial axes: (B, C, [S,] *n) -> (B, C, [S]).

    Invariant to rotations and mirrors of the spatial axes about the centre, exactly; on G the
    point axis is still permuted (follow with ``SubgroupPool`` or precede by it).

    Parameters
    ----------
    kind : str
        "mean" or "max".
    space : Space, optional
        The space it reads; default: bound to the first space it is used on (or by
        ``Sequential``): one with spatial axes.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> from groupconv import P4, Space
    >>> pool = nn.GlobalPool("max", space=Space.on_group(P4))
    >>> pool(np.arange(2 * 3 * 4 * 5 * 5.0).reshape(2, 3, 4, 5, 5)).shape
    (2, 3, 4)
    """

    keeps_channels = True

    def __init__(self, kind: str = "mean", *, space: Space | None = None):
        choice(kind, "GlobalPool kind", ("mean", "max"))
        self.kind = kind
        super().__init__(space)

    def accepts(self, space: Space) -> bool:
        return space.spatial and (self.space is None or self.space == space)

    def output_space_for(self, space: Space) -> Space:
        return space.without_spatial()

    def forward(self, x, training=False):
        x = checked_input(self, x, training)
        space = self._bound()
        self._checked_layout(x)
        pixels = math.prod(x.shape[x.ndim - space.dim:])
        if pixels == 0:
            raise ValueError(f"{self!r} needs at least one pixel, got shape {tuple(x.shape)}")
        xp = array_namespace(x)
        flat = xp.reshape(x, tuple(x.shape[:x.ndim - space.dim]) + (pixels,))
        domain = _cells(space, tuple(x.shape), x)
        if domain is not None:      # the hexagon's cells only: the layers ignore the others
            cells, count = domain
            if self.kind == "mean":
                total = xp.sum(xp.where(cells, flat, xp.zeros_like(flat)), axis=-1)
                return total / count, (tuple(x.shape), None)
            flat = xp.where(cells, flat, xp.full_like(flat, -xp.inf))
        if self.kind == "mean":
            return xp.mean(flat, axis=-1), (tuple(x.shape), None)
        return xp.max(flat, axis=-1), (tuple(x.shape), xp.argmax(flat, axis=-1))

    def backward(self, cache, dy, input_grad=True):
        shape, arg = checked_cache(self, cache, 2)
        d = self._bound().dim
        dy = checked_dy(self, dy, shape[:len(shape) - d])
        xp = array_namespace(dy)
        n = math.prod(shape[len(shape) - d:])
        flat_shape = shape[:len(shape) - d] + (n,)
        spread = xp.expand_dims(dy, axis=-1)
        zeros = xp.zeros(flat_shape, dtype=dy.dtype, device=_device(dy))
        if self.kind == "mean":
            domain = _cells(self._bound(), shape, dy)
            if domain is not None:
                cells, count = domain
                return xp.reshape(xp.where(cells, zeros + spread / count, zeros), shape), {}
            return xp.reshape(zeros + spread / n, shape), {}
        hit = _one_hot(xp, arg, n, axis=arg.ndim)
        return xp.reshape(xp.astype(hit, dy.dtype) * spread, shape), {}

    def config(self) -> dict[str, Any]:
        return {"type": "GlobalPool", "kind": self.kind, "space": space_config(self.space)}

    def __repr__(self) -> str:
        return f"GlobalPool({self.kind!r})"


class Flatten(Layer):
    """(B, ...) -> (B, F). Invariance is whatever the input had.

    Parameters
    ----------
    space : Space, optional
        The space it reads; default: bound to the first space it is used on (or by
        ``Sequential``): one without a point axis or spatial axes (an invariant).

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> nn.Flatten()(np.zeros((2, 3))).shape
    (2, 3)
    """

    def output_space_for(self, space: Space) -> Space | None:
        return space if not (space.point_axis or space.spatial) else None

    def forward(self, x, training=False):
        x = checked_input(self, x, training)
        if x.ndim < 1:
            raise ValueError(f"Flatten expects (B, ...), got shape {tuple(x.shape)}")
        xp = array_namespace(x)
        return xp.reshape(x, (x.shape[0], math.prod(x.shape[1:]))), tuple(x.shape)

    def backward(self, cache, dy, input_grad=True):
        if not isinstance(cache, tuple) or not cache or \
                not all(isinstance(n, int) for n in cache):
            checked_cache(self, cache, -1)          # not the input's shape: refused, named
        dy = checked_dy(self, dy, (cache[0], math.prod(cache[1:])))
        return array_namespace(dy).reshape(dy, cache), {}

    def config(self) -> dict[str, Any]:
        return {"type": "Flatten"}


class Linear(Layer):
    """y = x W^T + b on (B, F_in) -> (B, F_out). Invariant inputs give invariant outputs.

    Parameters
    ----------
    f_in, f_out : int
        The features in and out.
    rng : numpy.random.Generator or int, optional
        Draws the weights, normal with variance 1 / f_in (the bias is zero).
    dtype : dtype
        float32 or float64.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> lin = nn.Linear(3, 2, rng=0)
    >>> lin(np.ones((4, 3), np.float32)).shape, lin.params["weight"].shape
    ((4, 2), (2, 3))
    """

    reads_vectors = True

    def __init__(self, f_in: int, f_out: int, *, rng: np.random.Generator | int | None = None,
                 dtype: Any = np.float32):
        super().__init__()
        f_in, f_out = integer(f_in, "Linear f_in"), integer(f_out, "Linear f_out")
        if f_in * f_out > MOST_WEIGHTS:
            raise ValueError(f"Linear({f_in}, {f_out}) would hold {f_in * f_out:,} weights, more "
                             f"than {MOST_WEIGHTS:,}: choose fewer features")
        dtype = float_dtype(dtype, "dtype")
        rng = generator(rng, "rng")
        self.params["weight"] = (rng.standard_normal((f_out, f_in))
                                 * np.sqrt(1.0 / f_in)).astype(dtype)
        self.params["bias"] = np.zeros(f_out, dtype=dtype)
        self.params.freeze()

    def output_space_for(self, space: Space) -> Space | None:
        return space if not (space.point_axis or space.spatial) else None

    @property
    def input_channels(self) -> int:
        return int(self.params["weight"].shape[1])

    def output_channels_for(self, channels: int | None) -> int:
        return int(self.params["weight"].shape[0])

    def forward(self, x, training=False):
        x = checked_input(self, x, training)
        if not self.follows(x):
            self.to(x)
        x = _in_dtype(x, self.dtype)     # computes in its parameters' dtype
        if x.ndim != 2 or x.shape[1] != self.params["weight"].shape[1]:
            raise ValueError(f"Linear expects (B, {self.params['weight'].shape[1]}), "
                             f"got shape {tuple(x.shape)}")
        return x @ self.params["weight"].T + self.params["bias"], x

    def backward(self, cache, dy, input_grad=True):
        cache = checked_cache(self, cache, None)
        dy = checked_dy(self, dy, (cache.shape[0], self.params["weight"].shape[0]))
        xp = array_namespace(dy)
        return dy @ self.params["weight"], {"weight": dy.T @ cache, "bias": xp.sum(dy, axis=0)}

    def config(self) -> dict[str, Any]:
        f_out, f_in = self.params["weight"].shape
        return {"type": "Linear", "f_in": int(f_in), "f_out": int(f_out),
                "dtype": dtype_name(self.params["weight"].dtype)}

    def __repr__(self) -> str:
        f_out, f_in = self.params["weight"].shape
        return f"Linear({f_in}, {f_out})"


class Dropout(Layer):
    """In training, each G-channel (all its samples and pixels together; ``per="channel"``) or
    each entry (``per="element"``) is zeroed with probability p and the others scaled by
    1 / (1 - p); in evaluation, the identity.

    Dropping whole channels keeps the layer equivariant in training: a channel's samples stay
    together, so L_h commutes with the mask. Dropping entries (as the Z2CNN of Cohen &
    Welling's released code does) is equivariant in distribution only: the mask of a rotated
    input is not the rotated mask. The random draws come from the layer's own ``rng``, made in
    the data's own library and on its device (NumPy, CuPy, PyTorch, JAX; other libraries get
    NumPy's draws). On NumPy a call keeps unit u where ``rng.random(units)[u] >= p``, units
    (B, C) per channel or x's shape per element (``groupconv verify`` replays it).

    Parameters
    ----------
    p : float
        The probability of dropping, in [0, 1).
    per : str
        "channel" (a G-channel whole) or "element".
    rng : numpy.random.Generator or int, optional
        The layer's generator (share one between layers to draw from one stream).

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import nn
    >>> drop = nn.Dropout(0.5, rng=0)
    >>> y, _ = drop.forward(np.ones((2, 3, 4, 5, 5)), training=True)
    >>> sorted(set(y.reshape(2, 3, -1).min(axis=2).ravel().tolist()))    # whole channels
    [0.0, 2.0]
    >>> bool((drop(np.ones((2, 3))) == 1).all())         # evaluation: the identity
    True
    """

    keeps_channels = True

    def __init__(self, p: float = 0.5, *, per: str = "channel",
                 rng: np.random.Generator | int | None = None):
        super().__init__()
        if isinstance(p, (bool, np.bool_)) or not isinstance(p, (int, float, np.integer,
                                                                 np.floating)) or not 0 <= p < 1:
            raise ValueError(f"Dropout p must be a probability in [0, 1), got {p!r}")
        p = float(p)
        choice(per, "Dropout per", ("channel", "element"))
        self.p, self.per = float(p), per
        self.rng = generator(rng, "rng")
        self._draws: dict = {}   # the layer's generator in each other library, seeded from rng

    def forward(self, x, training=False):
        x = checked_input(self, x, training)
        if not training or self.p == 0:
            return x, (tuple(x.shape), None)
        untraced_state(self, x, "its random generator")
        xp = array_namespace(x)
        drawn = tuple(x.shape) if self.per == "element" else tuple(x.shape[:2])
        keep = _random_uniform(self, drawn, x) >= self.p
        scale = xp.astype(keep, x.dtype) * (1.0 / (1.0 - self.p))
        mask = xp.reshape(scale, drawn + (1,) * (x.ndim - len(drawn)))
        return x * mask, (tuple(x.shape), mask)

    def backward(self, cache, dy, input_grad=True):
        shape, mask = checked_cache(self, cache, 2)
        dy = checked_dy(self, dy, shape)
        return (dy if mask is None else dy * mask), {}

    def config(self) -> dict[str, Any]:
        """p, per and the state of ``rng`` (JSON), so that a loaded network draws the masks the
        saved one would have drawn next (NumPy's draws; the other libraries' generators are
        seeded from it afresh)."""
        return {"type": "Dropout", "p": self.p, "per": self.per,
                "rng_state": generator_state(self.rng)}

    @classmethod
    def from_config(cls, p: float, per: str, rng_state: dict | None = None) -> Dropout:
        """The layer ``config`` describes, its generator restored to ``rng_state``."""
        layer = cls(p, per=per)
        if rng_state is not None:
            layer.set_generator(generator_from_state(rng_state))
        return layer

    def set_generator(self, rng: np.random.Generator) -> None:
        """Draw the masks from ``rng`` from now on (the other libraries' generators are seeded
        from it afresh); layers given one generator share its stream."""
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"Dropout rng must be a numpy.random.Generator, got "
                            f"{type(rng).__name__}")
        self.rng, self._draws = rng, {}

    def __repr__(self) -> str:
        per = ", per='element'" if self.per == "element" else ""
        return f"Dropout(p={self.p}{per})"


def generator_state(rng: np.random.Generator) -> dict[str, Any]:
    """The state of a NumPy generator as JSON values (``generator_from_state`` takes it back)."""
    return _plain(rng.bit_generator.state)


def generator_from_state(state: Any) -> np.random.Generator:
    """A NumPy generator in ``state`` (what ``generator_state`` gave): it draws next what the
    saved one would have drawn."""
    if not isinstance(state, dict) or not hasattr(np.random, str(state.get("bit_generator"))):
        raise ValueError(f"Dropout rng_state must be a NumPy bit generator's state, got "
                         f"{state!r}")
    bits = getattr(np.random, state["bit_generator"])()
    bits.state = state
    return np.random.Generator(bits)


def _plain(state: Any) -> Any:
    """A bit generator's state as JSON values: its arrays (MT19937's key, Philox's counter,
    SFC64's state) as lists of ints, which the state's setter takes back."""
    if isinstance(state, dict):
        return {key: _plain(value) for key, value in state.items()}
    return state.tolist() if isinstance(state, np.ndarray) else state


def _random_uniform(layer: Dropout, shape: tuple[int, ...], like: Any) -> Any:
    """Uniform draws in [0, 1) of ``shape`` in the library and on the device of ``like``, from
    ``layer.rng`` (NumPy) or a generator of that library seeded from it once."""
    from array_api_compat import is_cupy_array, is_jax_array, is_numpy_array, is_torch_array

    if is_numpy_array(like):
        return layer.rng.random(shape)
    if is_torch_array(like):
        import torch

        gen = layer._draws.get(("torch", str(like.device)))
        if gen is None:
            gen = torch.Generator(device=like.device)
            gen.manual_seed(int(layer.rng.integers(2**62)))
            layer._draws[("torch", str(like.device))] = gen
        return torch.rand(shape, generator=gen, device=like.device, dtype=like.dtype)
    if is_cupy_array(like):
        import cupy

        gen = layer._draws.get("cupy")
        if gen is None:
            gen = layer._draws["cupy"] = cupy.random.default_rng(int(layer.rng.integers(2**62)))
        return gen.random(shape)
    if is_jax_array(like):
        import jax

        key = layer._draws.get("jax")
        if key is None:
            key = jax.random.PRNGKey(int(layer.rng.integers(2**31)))
        key, sub = jax.random.split(key)
        layer._draws["jax"] = key
        return jax.random.uniform(sub, shape, dtype=like.dtype)
    xp = array_namespace(like)
    return xp.asarray(layer.rng.random(shape), device=_device(like))
