"""SE(2) discretised to N orientations: the lecture's regular group convolutions, in one place
for users; every piece lives in its layer (group, bank, literal sum, layer) and comes from there.

Elements (theta, x) with theta = r 2 pi / N and x in R^2; the group correlations of Bekkers'
lecture, on the pixel grid, with kernels rotated by bilinear interpolation:

    lifting      (k *~ f)(x, theta) = sum_y sum_c k_c~(R_theta^-1 y) f_c(x + y)
    group        (k * f)(x, theta)  = sum_y sum_theta' sum_c
                                          k_c~(R_theta^-1 y, theta' - theta) f_c(x + y, theta')
    projection   max or mean over theta

where k~ is the bilinear extension of the k x k kernel, optionally restricted to the disk of
radius (k - 1) / 2 so that no corner leaks in or out. The rotated kernels are precomputed as
(k^2, k^2) operators (``SE2Bank``), and every layer runs through the one correlation path.

Exact and approximate: when N is divisible by 4, the operators of the orientations r + N/4 are
those of r composed with the exact quarter-turn permutation, so rotating the input by a multiple
of 90 degrees rotates the output and shifts the orientation axis by N/4, exactly. For N = 4 the
bank is P4's (np.rot90), without interpolation. Other angles are approximate: see
docs/lecture_groups.md for the measured errors.
"""

from __future__ import annotations

from typing import Any

from .fast.action import project
from .fast.banks import SE2Bank
from .fast.correlate import correlate, correlate_literal
from .fast.engine import DEFAULT_MAX_WORKSPACE, Workspace
from .fast.interpolation import rotation_operators
from .groups import SE2
from .literal.sampled import se2_correlation
from .nn.conv import BankConv
from .nn.conv import GroupConv as _GroupConv
from .nn.conv import LiftingConv as _LiftingConv

__all__ = ["SE2", "rotation_operators", "SE2Bank", "lifting_correlation", "group_correlation",
           "lifting_correlation_literal", "group_correlation_literal", "project",
           "LiftingConv", "GroupConv"]


def lifting_correlation(x: Any, w: Any, n: int, *, mode: str | int = "valid", mask: bool = True,
                        max_workspace: int = DEFAULT_MAX_WORKSPACE,
                        workspace: Workspace | None = None) -> Any:
    """(k *~ f)(x, theta_s) = sum_y sum_c k_c~(R_s^-1 y) f_c(x + y):
    x (..., C_in, H, W), w (C_out, C_in, k, k) -> (..., C_out, N, H', W')."""
    return correlate(x, w, SE2Bank(n, lifting=True, mask=mask), mode,
                     max_workspace=max_workspace, workspace=workspace, op="SE2 lifting")


def group_correlation(x: Any, w: Any, n: int, *, mode: str | int = "valid", mask: bool = True,
                      max_workspace: int = DEFAULT_MAX_WORKSPACE,
                      workspace: Workspace | None = None) -> Any:
    """(k * f)(x, theta_s) = sum_y sum_t sum_c k_c~(R_s^-1 y, theta_t - theta_s) f_c(x + y, theta_t)
    with the periodic shift theta_t - theta_s:
    x (..., C_in, N, H, W), w (C_out, C_in, N, k, k) -> (..., C_out, N, H', W')."""
    return correlate(x, w, SE2Bank(n, lifting=False, mask=mask), mode,
                     max_workspace=max_workspace, workspace=workspace,
                     op="SE2 group correlation")


def lifting_correlation_literal(x: Any, w: Any, n: int, *, mode: str | int = "valid",
                                mask: bool = True) -> Any:
    """The lifting correlation as its sum, evaluating k~(R_theta^-1 y) point by point."""
    return _literal(x, w, SE2Bank(n, lifting=True, mask=mask), mode, "SE2 lifting")


def group_correlation_literal(x: Any, w: Any, n: int, *, mode: str | int = "valid",
                              mask: bool = True) -> Any:
    """The group correlation as its sum, with the periodic shift theta_t - theta_s."""
    return _literal(x, w, SE2Bank(n, lifting=False, mask=mask), mode, "SE2 group correlation")


def LiftingConv(n: int, c_in: int, c_out: int, k: int, *, mask: bool = True,
                **options: Any) -> BankConv:
    """SE2(N) lifting layer, (B, C_in, H, W) -> (B, C_out, N, H', W'), with gradients.
    Exactly equivariant to quarter turns of square inputs when N is divisible by 4;
    approximately to other angles (docs/lecture_groups.md)."""
    return _LiftingConv(SE2(n), c_in, c_out, k, mask=mask, **options)


def GroupConv(n: int, c_in: int, c_out: int, k: int, *, mask: bool = True,
              **options: Any) -> BankConv:
    """SE2(N) group correlation layer, (B, C_in, N, H, W) -> (B, C_out, N, H', W'), with
    gradients; equivariance as ``LiftingConv``."""
    return _GroupConv(SE2(n), c_in, c_out, k, mask=mask, **options)


def _literal(x, w, bank: SE2Bank, mode, op):
    def sums(xn, wn, p):
        return se2_correlation(xn, wn, bank.n, p, lifting=bank.input_space.is_plane,
                               mask=bank.mask)
    return correlate_literal(x, w, bank, mode, sums, op)
