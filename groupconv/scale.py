"""The scale-translation group: translations and scalings x -> s x, on the pixel grid.

Elements (i, u, v) act by x -> s_i x + (u, v) with s_i = base^i (i in Z); the layers use the
scales s_0 = 1, s_1 = base, ..., s_{n-1}. A kernel k on a k x k grid is extended to the plane
by bilinear interpolation (k~, which fades to 0 over one grid step beyond the kernel's
square: support radius (k + 1) / 2) and scaled as in the lecture,

    k_s(x) = k~(x / s) / s^2,

sampled on a common K x K grid that holds the largest scaled support (``bank_size``). The
1/s^2 keeps sum_x k_s(x) close to sum_y k(y), so the response to a constant input does not
grow with the scale. The correlations:

    lifting  (k *~ f)(x, s_i) = sum_y sum_c k_{c, s_i}(y) f_c(x + y)
    group    (k * f)(x, s_i)  = sum_y sum_{j < m} sum_c k_{c, j, s_i}(y) f_c(x + y, s_{i + j})

The scale axis is truncated, not periodic: the group correlation at scale s_i reads the input
scales s_i .. s_{i + m - 1} that exist, and terms beyond s_{n-1} are missing (zero), so the
largest scales see fewer terms: equivariance to scalings holds only away from that boundary.
Projection: max or mean over scales (``project``). Scaling by a factor that is not a power of
the base needs interpolation and is approximate; docs/lecture_groups.md gives measured errors.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from .arrays import project
from .correlation import bank_correlation, check_bank_inputs
from .engine import DEFAULT_MAX_WORKSPACE, Workspace, check_size, padding_of
from .groups.core import Group
from .interpolation import bilinear_weights, transform_operator
from .nn.conv import BankConv

__all__ = ["ScaleTranslation", "scale_operators", "ScaleBank", "lifting_correlation",
           "group_correlation", "lifting_correlation_literal", "group_correlation_literal",
           "project", "LiftingConv", "GroupConv"]


class ScaleTranslation(Group):
    """Elements (i, u, v): x -> base^i x + (u, v); (i1, t1)(i2, t2) = (i1 + i2, t1 + s_i1 t2)."""

    param_dtype = np.dtype(np.float64)
    integer_params = ("i",)

    def __init__(self, base: float = 2.0):
        if not isinstance(base, (int, float)) or isinstance(base, bool) or not base > 1:
            raise ValueError(f"the scale base must be a number > 1, got {base!r}")
        self.base = float(base)
        self.name = f"ScaleTranslation({self.base:g})"
        self.param_names = ("i", "u", "v")

    def scale(self, i: Any) -> Any:
        """s_i = base^i."""
        return self.base ** np.asarray(i, dtype=np.float64)

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


def bank_size(base: float, n_scales: int, k: int) -> int:
    """K: the odd grid that holds k_s for the largest scale s = base^(n - 1). k~ vanishes at
    distance (k + 1) / 2 from the centre, so k_s at distance s (k + 1) / 2 and beyond: the last
    non-zero offset is ceil(s (k + 1) / 2) - 1 (k, for s = 1 and odd k)."""
    reach = math.ceil(base ** (n_scales - 1) * (k + 1) / 2 - 1e-9) - 1
    return 2 * reach + 1


@functools.lru_cache(maxsize=64)
def scale_operators(base: float, n_scales: int, k: int) -> np.ndarray:
    """(n, K^2, k^2): operator i maps a flattened k x k kernel to k_{s_i} = k~(x / s_i) / s_i^2
    on the K x K grid (bilinear; for s_0 = 1 an exact, zero-padded copy)."""
    size = bank_size(base, n_scales, k)
    ops = np.stack([transform_operator(np.eye(2) * base**i, k, out_k=size) / base ** (2 * i)
                    for i in range(n_scales)])
    ops.flags.writeable = False
    return ops


class ScaleBank:
    """Filter banks of scale-translation layers as linear maps of the weights, with adjoints
    (the expansion interface of ``groupconv.nn.BankConv``):

        lifting      bank[o, i, c](y)        = (U_i w[o, c])(y)
        correlation  bank[o, i, c, i + j](y) = (U_i w[o, c, j])(y),   0 <= j < m, i + j < n

    U_i the scaling operator of s_i; no wrap-around in scale.
    """

    def __init__(self, base: float, n_scales: int, kind: str, scale_extent: int = 1):
        if kind not in ("lifting", "correlation"):
            raise ValueError(f"kind must be 'lifting' or 'correlation', got {kind!r}")
        if isinstance(n_scales, bool) or not isinstance(n_scales, int) or n_scales < 1:
            raise ValueError(f"n_scales must be a positive int, got {n_scales!r}")
        if not 1 <= scale_extent <= n_scales:
            raise ValueError(f"scale_extent must be in 1..{n_scales}, got {scale_extent!r}")
        self.group = ScaleTranslation(base)
        self.base, self.n, self.kind, self.m = self.group.base, n_scales, kind, scale_extent
        self.s_out = n_scales
        self.s_in = 1 if kind == "lifting" else n_scales

    def bank_size(self, k: int) -> int:
        return bank_size(self.base, self.n, k)

    def weight_shape(self, c_out: int, c_in: int, k: int) -> tuple[int, ...]:
        return (c_out, c_in) + ((self.m,) if self.kind == "correlation" else ()) + (k, k)

    def expand(self, w: np.ndarray) -> np.ndarray:
        """The bank in the engine layout (C_out n, K, K, C_in S_in)."""
        k = w.shape[-1]
        ops = scale_operators(self.base, self.n, k).astype(w.dtype, copy=False)
        size = int(math.isqrt(ops.shape[1]))
        c_out, c_in = w.shape[:2]
        if self.kind == "lifting":
            bank = np.einsum("inm,ocm->oinc", ops, w.reshape(c_out, c_in, k * k))
            return bank.reshape(c_out * self.n, size, size, c_in)
        bank = np.zeros((c_out, self.n, size * size, c_in, self.n), dtype=w.dtype)
        flat = w.reshape(c_out, c_in, self.m, k * k)
        for i in range(self.n):
            for j in range(min(self.m, self.n - i)):
                bank[:, i, :, :, i + j] = np.einsum("nm,ocm->onc", ops[i], flat[:, :, j])
        return bank.reshape(c_out * self.n, size, size, c_in * self.n)

    def adjoint(self, dbank: np.ndarray, weight_shape: tuple[int, ...]) -> np.ndarray:
        """Weight gradient from a bank gradient in the engine layout: the transpose of expand."""
        size = dbank.shape[1]
        c_out, c_in, k = weight_shape[0], weight_shape[1], weight_shape[-1]
        ops = scale_operators(self.base, self.n, k).astype(dbank.dtype, copy=False)
        if self.kind == "lifting":
            d = dbank.reshape(c_out, self.n, size * size, c_in)
            return np.einsum("inm,oinc->ocm", ops, d).reshape(c_out, c_in, k, k)
        d = dbank.reshape(c_out, self.n, size * size, c_in, self.n)
        dw = np.zeros((c_out, c_in, self.m, k * k), dtype=dbank.dtype)
        for i in range(self.n):
            for j in range(min(self.m, self.n - i)):
                dw[:, :, j] += np.einsum("nm,onc->ocm", ops[i], d[:, i, :, :, i + j])
        return dw.reshape(c_out, c_in, self.m, k, k)

    def __repr__(self) -> str:
        return (f"ScaleBank(base={self.base:g}, n_scales={self.n}, {self.kind!r}, "
                f"scale_extent={self.m})")


# ------------------------------------------------------------------ fast
def lifting_correlation(x: Any, w: np.ndarray, n_scales: int, base: float = 2.0, *,
                        mode: str | int = "same", max_workspace: int = DEFAULT_MAX_WORKSPACE,
                        workspace: Workspace | None = None) -> np.ndarray:
    """(k *~ f)(x, s_i) = sum_y sum_c k_{c, s_i}(y) f_c(x + y):
    x (B, C_in, H, W), w (C_out, C_in, k, k) -> (B, C_out, n, H', W'). ``mode`` refers to the
    K x K bank (``bank_size``): "same" keeps H, W for every scale."""
    return bank_correlation(x, w, ScaleBank(base, n_scales, "lifting"), mode=mode,
                            max_workspace=max_workspace, workspace=workspace,
                            op="scale lifting")


def group_correlation(x: Any, w: np.ndarray, n_scales: int, base: float = 2.0, *,
                      mode: str | int = "same", max_workspace: int = DEFAULT_MAX_WORKSPACE,
                      workspace: Workspace | None = None) -> np.ndarray:
    """(k * f)(x, s_i) = sum_y sum_{j < m} sum_c k_{c, j, s_i}(y) f_c(x + y, s_{i + j}), truncated:
    x (B, C_in, n, H, W), w (C_out, C_in, m, k, k) -> (B, C_out, n, H', W')."""
    return bank_correlation(x, w, ScaleBank(base, n_scales, "correlation", _extent(w)),
                            mode=mode, max_workspace=max_workspace, workspace=workspace,
                            op="scale group correlation")


def _extent(w) -> int:
    w = np.asarray(w)
    if w.ndim != 5:
        raise ValueError(f"scale group correlation: weights must have shape "
                         f"(C_out, C_in, m, k, k), got {w.shape}")
    return w.shape[2]


# ------------------------------------------------------------------ literal
def _scaled_kernel_value(psi: np.ndarray, s: float, y: np.ndarray) -> float:
    """k_s(y) = k~(y / s) / s^2, y measured from the centre."""
    k = psi.shape[-1]
    indices, weights = bilinear_weights((y / s + (k - 1) / 2)[None], (k, k))
    return float(psi.ravel()[indices[0]] @ weights[0]) / s**2


def lifting_correlation_literal(x, w, n_scales: int, base: float = 2.0, *,
                                mode: str | int = "same") -> np.ndarray:
    """The scale lifting as its sum, evaluating k~(y / s) / s^2 point by point."""
    bank = ScaleBank(base, n_scales, "lifting")
    x, w = check_bank_inputs(x, w, bank, "scale lifting")
    return _literal(x[:, :, None], w[:, :, None], bank, mode)


def group_correlation_literal(x, w, n_scales: int, base: float = 2.0, *,
                              mode: str | int = "same") -> np.ndarray:
    """The truncated scale-group correlation as its sum."""
    bank = ScaleBank(base, n_scales, "correlation", _extent(w))
    x, w = check_bank_inputs(x, w, bank, "scale group correlation")
    return _literal(x, w, bank, mode)


def _literal(x, w, bank: ScaleBank, mode):
    """out[b, o, i, pos] = sum_{c, j, y} k_{o, c, j, s_i}(y) x_pad[b, c, i + j, pos + y]."""
    k = w.shape[-1]
    size = bank.bank_size(k)
    p = padding_of(mode, size)
    check_size(x.shape[-2], x.shape[-1], size, p, mode)
    xp = np.pad(x.astype(np.float64), [(0, 0)] * 3 + [(p, p), (p, p)])
    ho, wo = xp.shape[-2] - size + 1, xp.shape[-1] - size + 1
    out = np.zeros((x.shape[0], w.shape[0], bank.n, ho, wo))
    centre = (size - 1) / 2
    lifting = bank.kind == "lifting"
    for o in range(w.shape[0]):
        for i in range(bank.n):
            s = bank.base**i
            for c in range(w.shape[1]):
                for j in range(1 if lifting else min(bank.m, bank.n - i)):
                    t = 0 if lifting else i + j          # the input scale s_{i + j}
                    for a in range(size):
                        for b in range(size):
                            value = _scaled_kernel_value(w[o, c, j], s,
                                                         np.array([a - centre, b - centre]))
                            if value:
                                out[:, o, i] += value * xp[:, c, t, a:a + ho, b:b + wo]
    return out.astype(x.dtype, copy=False)


# ------------------------------------------------------------------ layers
class LiftingConv(BankConv):
    """Scale lifting layer, (B, C_in, H, W) -> (B, C_out, n, H', W'), with gradients;
    ``mode`` refers to the bank of the largest scale ("same" keeps the size)."""

    def __init__(self, n_scales: int, c_in: int, c_out: int, k: int, *, base: float = 2.0,
                 mode: str | int = "same", **kwargs):
        super().__init__(ScaleBank(base, n_scales, "lifting"), c_in, c_out, k, mode=mode,
                         **kwargs)


class GroupConv(BankConv):
    """Scale-group correlation layer over m scale offsets, truncated at the largest scale:
    (B, C_in, n, H, W) -> (B, C_out, n, H', W'), with gradients."""

    def __init__(self, n_scales: int, c_in: int, c_out: int, k: int, *, scale_extent: int = 2,
                 base: float = 2.0, mode: str | int = "same", **kwargs):
        super().__init__(ScaleBank(base, n_scales, "correlation", scale_extent), c_in, c_out, k,
                         mode=mode, **kwargs)
