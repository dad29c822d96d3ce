"""The scale-translation group: translations and scalings x -> s x, on the pixel grid, in one
place for users; every piece lives in its layer (group, bank, literal sum, layer).

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

from typing import Any

from .fast.action import project
from .fast.banks import ScaleBank
from .fast.correlate import correlate, correlate_literal
from .fast.engine import DEFAULT_MAX_WORKSPACE, Workspace
from .fast.interpolation import scale_operators
from .fast.interpolation import scaled_kernel_size as bank_size
from .groups import ScaleTranslation
from .literal.sampled import scale_correlation
from .nn.conv import BankConv
from .nn.conv import GroupConv as _GroupConv
from .nn.conv import LiftingConv as _LiftingConv

__all__ = ["ScaleTranslation", "scale_operators", "bank_size", "ScaleBank",
           "lifting_correlation", "group_correlation", "lifting_correlation_literal",
           "group_correlation_literal", "project", "LiftingConv", "GroupConv"]


def lifting_correlation(x: Any, w: Any, n_scales: int, base: float = 2.0, *,
                        mode: str | int = "same", max_workspace: int = DEFAULT_MAX_WORKSPACE,
                        workspace: Workspace | None = None) -> Any:
    """(k *~ f)(x, s_i) = sum_y sum_c k_{c, s_i}(y) f_c(x + y):
    x (..., C_in, H, W), w (C_out, C_in, k, k) -> (..., C_out, n, H', W'). ``mode`` refers to
    the K x K bank (``bank_size``): "same" keeps H, W for every scale."""
    return correlate(x, w, ScaleBank(base, n_scales, lifting=True), mode,
                     max_workspace=max_workspace, workspace=workspace, op="scale lifting")


def group_correlation(x: Any, w: Any, n_scales: int, base: float = 2.0, *,
                      mode: str | int = "same", max_workspace: int = DEFAULT_MAX_WORKSPACE,
                      workspace: Workspace | None = None) -> Any:
    """(k * f)(x, s_i) = sum_y sum_{j < m} sum_c k_{c, j, s_i}(y) f_c(x + y, s_{i + j}), truncated:
    x (..., C_in, n, H, W), w (C_out, C_in, m, k, k) -> (..., C_out, n, H', W')."""
    return correlate(x, w, _group_bank(w, n_scales, base), mode, max_workspace=max_workspace,
                     workspace=workspace, op="scale group correlation")


def lifting_correlation_literal(x: Any, w: Any, n_scales: int, base: float = 2.0, *,
                                mode: str | int = "same") -> Any:
    """The scale lifting as its sum, evaluating k~(y / s) / s^2 point by point."""
    return _literal(x, w, ScaleBank(base, n_scales, lifting=True), mode, "scale lifting")


def group_correlation_literal(x: Any, w: Any, n_scales: int, base: float = 2.0, *,
                              mode: str | int = "same") -> Any:
    """The truncated scale-group correlation as its sum."""
    return _literal(x, w, _group_bank(w, n_scales, base), mode, "scale group correlation")


def LiftingConv(n_scales: int, c_in: int, c_out: int, k: int, *, base: float = 2.0,
                mode: str | int = "same", **options: Any) -> BankConv:
    """Scale lifting layer, (B, C_in, H, W) -> (B, C_out, n, H', W'), with gradients;
    ``mode`` refers to the bank of the largest scale ("same" keeps the size)."""
    return _LiftingConv(ScaleTranslation(base), c_in, c_out, k, n_scales=n_scales, mode=mode,
                        **options)


def GroupConv(n_scales: int, c_in: int, c_out: int, k: int, *, scale_extent: int = 2,
              base: float = 2.0, mode: str | int = "same", **options: Any) -> BankConv:
    """Scale-group correlation layer over m = ``scale_extent`` scale offsets, truncated at the
    largest scale: (B, C_in, n, H, W) -> (B, C_out, n, H', W'), with gradients."""
    return _GroupConv(ScaleTranslation(base), c_in, c_out, k, n_scales=n_scales,
                      scale_extent=scale_extent, mode=mode, **options)


def _group_bank(w: Any, n_scales: int, base: float) -> ScaleBank:
    """The bank whose scale extent m is that of the weights (C_out, C_in, m, k, k)."""
    shape = tuple(getattr(w, "shape", ()))
    if len(shape) != 5:
        raise ValueError(f"scale group correlation: weights must have shape "
                         f"(C_out, C_in, m, k, k), got shape {shape}")
    return ScaleBank(base, n_scales, lifting=False, scale_extent=shape[2])


def _literal(x, w, bank: ScaleBank, mode, op):
    def sums(xn, wn, p):
        return scale_correlation(xn, wn, bank.base, bank.n, bank.kernel_size(wn.shape[-1]), p,
                                 lifting=bank.input_space.is_plane)
    return correlate_literal(x, w, bank, mode, sums, op)
