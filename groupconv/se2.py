"""SE(2) discretised to N orientations: the lecture's regular group convolutions.

Elements (theta, x) with theta = r 2 pi / N and x in R^2; the group correlations of Bekkers'
lecture, on the pixel grid, with kernels rotated by bilinear interpolation:

    lifting      (k *~ f)(x, theta) = sum_y sum_c k_c~(R_theta^-1 y) f_c(x + y)
    group        (k * f)(x, theta)  = sum_y sum_theta' sum_c
                                          k_c~(R_theta^-1 y, theta' - theta) f_c(x + y, theta')
    projection   max or mean over theta

where k~ is the bilinear extension of the k x k kernel (``groupconv.interpolation``), optionally
restricted to the disk of radius (k - 1) / 2 so that no corner leaks in or out. The rotated
kernels are precomputed as (k^2, k^2) operators, one per orientation, so that the filter bank
is a linear map of the weights and every layer runs on the correlation engine of the fast path.

Exact and approximate: when N is divisible by 4, the operators of the orientations r + N/4
are those of r composed with the exact quarter-turn permutation, so rotating the input by a
multiple of 90 degrees rotates the output and shifts the orientation axis by N/4, exactly. For
N = 4 the bank is P4's (np.rot90), without interpolation. Other angles are approximate: see
docs/lecture_groups.md for the measured errors.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from .arrays import project
from .correlation import bank_correlation, check_bank_inputs
from .engine import DEFAULT_MAX_WORKSPACE, Workspace, check_size, padding_of
from .groups.core import Group
from .interpolation import bilinear_weights, disk_mask, exact_cos_sin, transform_operator
from .nn.conv import BankConv

__all__ = ["SE2", "rotation_operators", "SE2Bank", "lifting_correlation", "group_correlation",
           "lifting_correlation_literal", "group_correlation_literal", "project",
           "LiftingConv", "GroupConv"]


class SE2(Group):
    """SE(2) with N orientations: elements (r, u, v) = (rotation by r 2 pi / N, translation
    (u, v) in R^2); (r1, t1)(r2, t2) = (r1 + r2 mod N, t1 + R(r1) t2), exact in r."""

    param_dtype = np.dtype(np.float64)
    integer_params = ("r",)

    def __init__(self, n: int):
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"SE2 needs a positive integer number of orientations, got {n!r}")
        self.n = int(n)
        self.name = f"SE2({self.n})"
        self.param_names = ("r", "u", "v")
        self._rotations = np.array([_rotation(self.n, r) for r in range(self.n)])

    def angle(self, r: int) -> float:
        """theta_r = r 2 pi / N."""
        return 2 * np.pi * r / self.n

    def _check_range(self, params):
        r = params[..., 0]
        if r.size and (r.min() < 0 or r.max() >= self.n):
            raise ValueError(f"{self.name} parameter r must be an integer in 0..{self.n - 1}, "
                             f"got {r[(r < 0) | (r >= self.n)].ravel()[0]:g}")

    def _key(self):
        return ("SE2", self.n)

    def _compose(self, a, b):
        r1 = a[..., 0].astype(np.int64)
        t = a[..., 1:] + np.einsum("...ij,...j->...i", self._rotations[r1], b[..., 1:])
        r = (r1 + b[..., 0].astype(np.int64)) % self.n
        return np.concatenate([np.broadcast_to(r, t.shape[:-1])[..., None].astype(float), t],
                              axis=-1)

    def _inverse(self, a):
        r = (-a[..., 0].astype(np.int64)) % self.n
        t = -np.einsum("...ij,...j->...i", self._rotations[r], a[..., 1:])
        return np.concatenate([r[..., None].astype(float), t], axis=-1)

    def _matrix(self, a):
        r = a[..., 0].astype(np.int64)
        out = np.zeros(a.shape[:-1] + (3, 3))
        out[..., :2, :2] = self._rotations[r]
        out[..., :2, 2] = a[..., 1:]
        out[..., 2, 2] = 1.0
        return out


def _rotation(n: int, r: int) -> np.ndarray:
    c, s = exact_cos_sin(2 * np.pi * r / n)
    return np.array([[c, -s], [s, c]])


@functools.lru_cache(maxsize=64)
def rotation_operators(n: int, k: int, mask: bool = True) -> np.ndarray:
    """(N, k^2, k^2): operator r rotates a flattened k x k kernel by r 2 pi / N about its centre
    (bilinear, optionally within the disk). For N divisible by 4, r + N/4 is r followed by the
    exact quarter turn, so that quarter turns commute with the bank exactly."""
    quarter = transform_operator(_rotation(4, 1), k)            # the permutation np.rot90
    ops = np.empty((n, k * k, k * k))
    for r in range(n):
        if n % 4 == 0 and r >= n // 4:
            ops[r] = quarter @ ops[r - n // 4]
        else:
            ops[r] = transform_operator(_rotation(n, r), k, mask=mask)
    ops.flags.writeable = False
    return ops


class SE2Bank:
    """Filter banks of SE2(N) layers as linear maps of the weights, with their adjoints (the
    expansion interface of ``groupconv.nn.BankConv``):

        lifting       bank[o, s, c](y)    = (R_s w[o, c])(y)
        correlation   bank[o, s, c, t](y) = (R_s w[o, c, t - s mod N])(y)

    R_s the rotation operator of orientation s.
    """

    def __init__(self, n: int, kind: str, mask: bool = True):
        if kind not in ("lifting", "correlation"):
            raise ValueError(f"kind must be 'lifting' or 'correlation', got {kind!r}")
        self.group = SE2(n)
        self.n, self.kind, self.mask = self.group.n, kind, bool(mask)
        self.s_out = self.n
        self.s_in = 1 if kind == "lifting" else self.n

    def weight_shape(self, c_out: int, c_in: int, k: int) -> tuple[int, ...]:
        return (c_out, c_in) + ((self.n,) if self.kind == "correlation" else ()) + (k, k)

    def _shifted(self, k: int) -> np.ndarray:
        """Index of w's orientation read by bank entry [s, t]: (t - s) mod N."""
        s, t = np.meshgrid(np.arange(self.n), np.arange(self.n), indexing="ij")
        return (t - s) % self.n

    def expand(self, w: np.ndarray) -> np.ndarray:
        """The bank in the engine layout (C_out N, k, k, C_in S_in)."""
        k = w.shape[-1]
        ops = rotation_operators(self.n, k, self.mask).astype(w.dtype, copy=False)
        c_out, c_in = w.shape[:2]
        if self.kind == "lifting":
            bank = np.einsum("snm,ocm->osnc", ops, w.reshape(c_out, c_in, k * k))
            return bank.reshape(c_out * self.n, k, k, c_in)
        flat = w.reshape(c_out, c_in, self.n, k * k)[:, :, self._shifted(k)]  # (o, c, s, t, m)
        bank = np.einsum("snm,cstm->snct", ops, flat.reshape(-1, self.n, self.n, k * k)
                         ).reshape(self.n, k * k, c_out, c_in, self.n)
        return np.moveaxis(bank, 2, 0).reshape(c_out * self.n, k, k, c_in * self.n)

    def adjoint(self, dbank: np.ndarray, weight_shape: tuple[int, ...]) -> np.ndarray:
        """Weight gradient from a bank gradient in the engine layout: the transpose of expand."""
        k, c_in = dbank.shape[1], weight_shape[1]
        ops = rotation_operators(self.n, k, self.mask).astype(dbank.dtype, copy=False)
        c_out = dbank.shape[0] // self.n
        if self.kind == "lifting":
            d = dbank.reshape(c_out, self.n, k * k, c_in)
            return np.einsum("snm,osnc->ocm", ops, d).reshape(c_out, c_in, k, k)
        d = dbank.reshape(c_out, self.n, k * k, c_in, self.n)
        per_entry = np.einsum("snm,osnct->ocstm", ops, d)                 # R_s^T dbank[s, t]
        dw = np.zeros((c_out, c_in, self.n, k * k), dtype=dbank.dtype)
        shifted = self._shifted(k)
        for s in range(self.n):
            dw[:, :, shifted[s]] += per_entry[:, :, s]                     # j = t - s mod N
        return dw.reshape(c_out, c_in, self.n, k, k)

    def __repr__(self) -> str:
        return f"SE2Bank(N={self.n}, {self.kind!r}, mask={self.mask})"


# ------------------------------------------------------------------ fast
def lifting_correlation(x: Any, w: np.ndarray, n: int, *, mode: str | int = "valid",
                        mask: bool = True, max_workspace: int = DEFAULT_MAX_WORKSPACE,
                        workspace: Workspace | None = None) -> np.ndarray:
    """(k *~ f)(x, theta_s) = sum_y sum_c k_c~(R_s^-1 y) f_c(x + y):
    x (B, C_in, H, W), w (C_out, C_in, k, k) -> (B, C_out, N, H', W')."""
    return bank_correlation(x, w, SE2Bank(n, "lifting", mask), mode=mode,
                            max_workspace=max_workspace, workspace=workspace,
                            op="SE2 lifting")


def group_correlation(x: Any, w: np.ndarray, n: int, *, mode: str | int = "valid",
                      mask: bool = True, max_workspace: int = DEFAULT_MAX_WORKSPACE,
                      workspace: Workspace | None = None) -> np.ndarray:
    """(k * f)(x, theta_s) = sum_y sum_t sum_c k_c~(R_s^-1 y, theta_t - theta_s) f_c(x + y, theta_t)
    with the periodic shift theta_t - theta_s:
    x (B, C_in, N, H, W), w (C_out, C_in, N, k, k) -> (B, C_out, N, H', W')."""
    return bank_correlation(x, w, SE2Bank(n, "correlation", mask), mode=mode,
                            max_workspace=max_workspace, workspace=workspace,
                            op="SE2 group correlation")


# ------------------------------------------------------------------ literal
def _rotated_kernel_value(psi: np.ndarray, angle: float, y: np.ndarray, mask: bool) -> float:
    """k~(R_theta^-1 y): the bilinear extension of psi at the rotated point, y from the centre;
    with the disk mask, both y and the kernel are restricted to the disk."""
    k = psi.shape[-1]
    centre = (k - 1) / 2
    if mask:
        if y @ y > centre**2 + 1e-9:
            return 0.0
        psi = psi * disk_mask(k)
    c, s = exact_cos_sin(angle)
    source = np.array([[c, s], [-s, c]]) @ y + centre                  # R^-1 y, array coords
    indices, weights = bilinear_weights(source[None], (k, k))
    return float(psi.ravel()[indices[0]] @ weights[0])


def lifting_correlation_literal(x, w, n: int, *, mode: str | int = "valid",
                                mask: bool = True) -> np.ndarray:
    """The lifting correlation as its sum, evaluating k~(R_theta^-1 y) point by point."""
    x, w = check_bank_inputs(x, w, SE2Bank(n, "lifting", mask), "SE2 lifting")
    return _literal(x[:, :, None], w[:, :, None], n, mode, mask, lifting=True)


def group_correlation_literal(x, w, n: int, *, mode: str | int = "valid",
                              mask: bool = True) -> np.ndarray:
    """The group correlation as its sum, with the periodic shift theta_t - theta_s."""
    x, w = check_bank_inputs(x, w, SE2Bank(n, "correlation", mask), "SE2 group correlation")
    return _literal(x, w, n, mode, mask, lifting=False)


def _literal(x, w, n, mode, mask, lifting):
    """out[b, o, s, i, j] = sum_{c, t, y} k~_{o, c, t - s}(R_s^-1 y) x_pad[b, c, t, (i, j) + y]."""
    group = SE2(n)
    k = w.shape[-1]
    p = padding_of(mode, k)
    check_size(x.shape[-2], x.shape[-1], k, p, mode)
    xp = np.pad(x.astype(np.float64), [(0, 0)] * 3 + [(p, p), (p, p)])
    ho, wo = xp.shape[-2] - k + 1, xp.shape[-1] - k + 1
    s_in = x.shape[2]
    out = np.zeros((x.shape[0], w.shape[0], n, ho, wo))
    centre = (k - 1) / 2
    for o in range(w.shape[0]):
        for s in range(n):
            for c in range(w.shape[1]):
                for t in range(s_in):
                    psi = w[o, c, 0 if lifting else (t - s) % n]
                    for a in range(k):
                        for b in range(k):
                            y = np.array([a - centre, b - centre])
                            value = _rotated_kernel_value(psi, group.angle(s), y, mask)
                            if value:
                                out[:, o, s] += value * xp[:, c, t, a:a + ho, b:b + wo]
    return out.astype(x.dtype, copy=False)


# ------------------------------------------------------------------ layers
class LiftingConv(BankConv):
    """SE2(N) lifting layer, (B, C_in, H, W) -> (B, C_out, N, H', W'), with gradients.
    Exactly equivariant to quarter turns of square inputs when N is divisible by 4;
    approximately to other angles (docs/lecture_groups.md)."""

    def __init__(self, n: int, c_in: int, c_out: int, k: int, *, mask: bool = True, **kwargs):
        super().__init__(SE2Bank(n, "lifting", mask), c_in, c_out, k, **kwargs)


class GroupConv(BankConv):
    """SE2(N) group correlation layer, (B, C_in, N, H, W) -> (B, C_out, N, H', W'), with
    gradients; equivariance as ``LiftingConv``."""

    def __init__(self, n: int, c_in: int, c_out: int, k: int, *, mask: bool = True, **kwargs):
        super().__init__(SE2Bank(n, "correlation", mask), c_in, c_out, k, **kwargs)
