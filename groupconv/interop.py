"""Other libraries' conventions, as data, and converters to and from groupconv's.

A regular feature field in another library is an array (B, C·S, H, W) whose channel c·S + j
holds the value at that library's group element j; its expanded filter bank, as fed to conv2d,
is (C_out·S, C_in·S_in, k, k). Conventions differ by the order of the elements (and so by what
each element index means); all of the conventions below agree with groupconv on the pixel axes
(row, column), on the sense of the generator rotation (np.rot90(x, 1)) and on correlation as
what conv2d computes. Derivations and tables: docs/interop.md.

    groupconv, groupy   element j = groupconv's element j (GrouPy's conventions are these)
    escnn, e2cnn        C4: j = r, the same. D4: j = 4 f + θ means "flip first, then rotate"
                        R^θ F, with F the left-right flip = M R^2 (M: groupconv's up-down flip);
                        R^θ M R^2 = M R^(2-θ), so j -> groupconv's 4 + (2 - θ) mod 4:
                        SIGMA = [0, 1, 2, 3, 6, 5, 4, 7]

``ELEMENT_ORDER[convention][group]`` is that permutation σ (convention's j -> groupconv's σ[j]),
``GENERATORS[convention][group]`` the matrices of each named generator in groupconv's (u, v)
coordinates. ``weights_from_bank`` checks that a bank really is a G-bank, to a relative
deviation ``tolerance`` (default 1e-6: escnn samples its basis in float32, so its own filters
break their symmetry by about 1e-7).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .arguments import choice
from .fast.backend import to_numpy
from .fast.banks import LatticeBank, filter_bank
from .groups import Kind, SemidirectProduct, get_group

__all__ = ["CONVENTIONS", "ELEMENT_ORDER", "GENERATORS", "DEFAULT_TOLERANCE", "element_order",
           "fields_to_groupconv", "fields_from_groupconv", "weights_from_bank",
           "bank_from_weights"]

CONVENTIONS = ("groupconv", "groupy", "escnn", "e2cnn")

_IDENTITY = {"z2": [0], "p4": [0, 1, 2, 3], "p4m": [0, 1, 2, 3, 4, 5, 6, 7]}
_ESCNN = {"z2": [0], "p4": [0, 1, 2, 3], "p4m": [0, 1, 2, 3, 6, 5, 4, 7]}

#: convention -> group name -> σ: the convention's element j is groupconv's element σ[j].
ELEMENT_ORDER: dict[str, dict[str, list[int]]] = {
    "groupconv": _IDENTITY, "groupy": _IDENTITY, "escnn": _ESCNN, "e2cnn": _ESCNN,
}

_R = [[0, -1], [1, 0]]           # np.rot90(x, 1): the same sense in every convention here
_UP_DOWN = [[-1, 0], [0, 1]]     # groupconv's and GrouPy's mirror M
_LEFT_RIGHT = [[1, 0], [0, -1]]  # escnn's flip F = M R^2
#: convention -> group name -> {generator: 2x2 matrix acting on (u, v) = (row, column)}.
GENERATORS: dict[str, dict[str, dict[str, list[list[int]]]]] = {
    "groupconv": {"p4": {"r": _R}, "p4m": {"m": _UP_DOWN, "r": _R}},
    "groupy": {"p4": {"r": _R}, "p4m": {"m": _UP_DOWN, "r": _R}},
    "escnn": {"p4": {"rotation": _R}, "p4m": {"flip": _LEFT_RIGHT, "rotation": _R}},
    "e2cnn": {"p4": {"rotation": _R}, "p4m": {"flip": _LEFT_RIGHT, "rotation": _R}},
}

#: Largest relative deviation from a G-bank that ``weights_from_bank`` accepts by default.
DEFAULT_TOLERANCE = 1e-6


def element_order(convention: str, group: SemidirectProduct | str) -> np.ndarray:
    """σ for ``convention`` and ``group``: the convention's element j is groupconv's σ[j]."""
    choice(convention, "convention", tuple(ELEMENT_ORDER))
    group = get_group(group)
    name = group.name.lower()
    if name not in ELEMENT_ORDER[convention]:
        raise ValueError(f"the {convention} convention is recorded for "
                         f"{sorted(ELEMENT_ORDER[convention])}, not {group.name}")
    return np.array(ELEMENT_ORDER[convention][name], dtype=np.int64)


def _array(a: Any, what: str, ndim: int) -> np.ndarray:
    arr = to_numpy(a) if hasattr(a, "shape") else np.asarray(a)
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"{what} must be real numbers, got {arr.dtype}")
    if arr.ndim != ndim:
        raise ValueError(f"{what} must have {ndim} axes, got shape {arr.shape}")
    return arr


def fields_to_groupconv(x: Any, convention: str, group: SemidirectProduct | str) -> np.ndarray:
    """A regular field (B, C·S, H, W) in the convention's element order -> (B, C, S, H, W):
    out[b, c, σ[j]] = x[b, c·S + j]."""
    sigma = element_order(convention, group)
    x = _array(x, "fields", 4)
    s = len(sigma)
    if x.shape[1] % s:
        raise ValueError(f"a regular field on {get_group(group).name} has C·{s} channels, got "
                         f"{x.shape[1]}")
    fields = x.reshape(x.shape[0], x.shape[1] // s, s, x.shape[2], x.shape[3])
    out = np.empty_like(fields)
    out[:, :, sigma] = fields
    return out


def fields_from_groupconv(y: Any, convention: str, group: SemidirectProduct | str) -> np.ndarray:
    """The inverse of ``fields_to_groupconv``: (B, C, S, H, W) -> (B, C·S, H, W)."""
    sigma = element_order(convention, group)
    y = _array(y, "fields", 5)
    if y.shape[2] != len(sigma):
        raise ValueError(f"fields on {get_group(group).name} have S = {len(sigma)}, got shape "
                         f"{y.shape}")
    return y[:, :, sigma].reshape(y.shape[0], -1, y.shape[3], y.shape[4])


def _kind(kind: str) -> bool:
    if Kind.parse(kind) is Kind.CONVOLUTION:
        raise ValueError(f"kind must be 'lifting' or 'correlation', got {kind!r}")
    return Kind.parse(kind) is Kind.LIFTING


def bank_from_weights(w: Any, convention: str, group: SemidirectProduct | str,
                      kind: str) -> np.ndarray:
    """groupconv weights (C_out, C_in, [S,] k, k) -> the convention's expanded bank
    (C_out·S, C_in·S_in, k, k), as its conv2d takes it."""
    lifting = _kind(kind)
    sigma = element_order(convention, group)
    w = _array(w, "weights", 4 if lifting else 5)
    bank = filter_bank(w, group)                   # (C_out, S, C_in, S_in, k, k), ours
    bank = bank[:, sigma]                          # output orientation j of the convention
    if not lifting:
        bank = bank[:, :, :, sigma]
    c_out, s, c_in, s_in, k = bank.shape[0], bank.shape[1], bank.shape[2], bank.shape[3], \
        bank.shape[-1]
    return bank.reshape(c_out * s, c_in * s_in, k, k)


def weights_from_bank(bank: Any, convention: str, group: SemidirectProduct | str, kind: str,
                      *, tolerance: float = DEFAULT_TOLERANCE) -> np.ndarray:
    """The convention's expanded bank (C_out·S, C_in·S_in, k, k) -> groupconv weights
    (C_out, C_in, [S,] k, k): the slices of the identity's output orientation. The bank must be
    a G-bank: every other slice the transformed filter; a relative deviation (max |bank -
    expand(w)| / max |bank|) above ``tolerance`` is a ValueError that says how far it is."""
    lifting = _kind(kind)
    group = get_group(group)
    sigma = element_order(convention, group)
    bank = _array(bank, "bank", 4)
    s = len(sigma)
    s_in = 1 if lifting else s
    if bank.shape[0] % s or bank.shape[1] % s_in or bank.shape[2] != bank.shape[3]:
        raise ValueError(f"a {kind} bank on {group.name} has shape (C_out·{s}, C_in·{s_in}, k, "
                         f"k), got {bank.shape}")
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or \
            not 0 <= tolerance < np.inf:
        raise ValueError(f"tolerance must be a non-negative number, got {tolerance!r}")
    k = bank.shape[-1]
    theirs = bank.reshape(bank.shape[0] // s, s, bank.shape[1] // s_in, s_in, k, k)
    ours = np.empty_like(theirs)
    ours[:, sigma] = theirs                        # ours[:, σ[j]] = theirs[:, j]
    if not lifting:
        theirs, ours = ours, np.empty_like(ours)
        ours[:, :, :, sigma] = theirs              # and the input orientations likewise
    w = ours[:, 0, :, 0] if lifting else ours[:, 0]
    expanded = LatticeBank(group, Kind.LIFTING if lifting else Kind.CORRELATION
                           ).expand_groupy(w)
    scale = float(np.abs(bank).max()) or 1.0
    deviation = float(np.abs(expanded - ours).max()) / scale
    if deviation > tolerance:
        raise ValueError(f"the bank is not a {group.name} {kind} bank in the {convention} "
                         f"convention: its slices differ from the transformed filter by "
                         f"{deviation:.2e} relative (tolerance {tolerance:g})")
    return w
