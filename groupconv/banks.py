"""Filter banks: the filter seen from every output orientation, as one gather of precomputed
indices (GrouPy's TransformGFilter).

For weights psi (one per output and input channel) the expanded bank is

    lifting       bank[o, s, c, 0](x) = psi_oc(h_s^-1 x)                     = (L_{h_s} psi)(x)
    correlation   bank[o, s, c, t](x) = psi_oc[idx(h_s^-1 h_t)](h_s^-1 x)    = (L_{h_s} psi)[t](x)
    convolution   bank[o, s, c, t](x) = psi_oc[idx(h_t^-1 h_s)](-h_t^-1 x)   = (L_{h_s} psi~)[t](x)

with x measured from the centre of the k x k filter (array level), and psi~(g) = psi(g^-1) the
inverted filter (the true G-convolution is the G-correlation with psi~). Layout (GrouPy's):
(C_out, S_out, C_in, S_in, k, k), entry [o, s, c, t] = the filter of output orientation s seen
from input orientation t. The indices depend only on the group, the kind and k, and are
computed once (no random draws) and cached.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from array_api_compat import array_namespace

from .arrays import transform_indices
from .backend import as_real_float, indices_like
from .groups import SemidirectProduct, get_group

__all__ = ["filter_bank", "bank_index_map", "expand", "expand_adjoint", "LatticeBank",
           "check_weights"]

KINDS = ("lifting", "correlation", "convolution")


@functools.lru_cache(maxsize=128)
def bank_index_map(group: SemidirectProduct, k: int, kind: str) -> np.ndarray:
    """Sources (t', a', b') of every bank entry [s, t, a, b]: int array (S_out, S_in, k, k, 3),
    GrouPy's index layout (``make_c4_p4_indices`` and friends)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    stab = group.stabiliser
    on_group = kind != "lifting"
    s_in = stab.order if on_group else 1
    flat = np.stack([transform_indices(group, s, s_in, k, k, on_group)
                     for s in range(stab.order)])                       # (S_out, S_in, k, k)
    if kind == "convolution":
        flat = _inversion_indices(group, k).reshape(-1)[flat]          # L_{h_s} of psi~
    out = np.stack([flat // (k * k), flat // k % k, flat % k], axis=-1)
    out.flags.writeable = False
    return out


def _inversion_indices(group: SemidirectProduct, k: int) -> np.ndarray:
    """Flat sources of psi~[t](x) = psi[idx(h_t^-1)](-h_t^-1 x), about the filter centre."""
    stab = group.stabiliser
    reflect = (k * k - 1) - np.arange(k * k)   # x -> -x about the centre: [::-1, ::-1]
    out = np.empty((stab.order, k, k), dtype=np.int64)
    for t in range(stab.order):
        spatial = transform_indices(group, t, 1, k, k, False)[0].reshape(-1)   # reads h_t^-1 x
        out[t] = (int(stab.inverse_table[t]) * k * k + spatial[reflect]).reshape(k, k)
    return out


@functools.lru_cache(maxsize=256)
def _gather_indices(group: SemidirectProduct, k: int, kind: str, c_in: int, layout: str
                    ) -> np.ndarray:
    """Flat indices into one output channel's weights (C_in, S_in, k, k), in the order of
    ``layout``: "groupy" (S_out, C_in, S_in, k, k) or "engine" (S_out, k, k, C_in, S_in)."""
    src = bank_index_map(group, k, kind)
    s_in = src.shape[1]
    within = src[..., 0] * k * k + src[..., 1] * k + src[..., 2]       # (S_out, S_in, k, k)
    c = np.arange(c_in)[None, :, None, None, None] * (s_in * k * k)
    full = c + within[:, None]                                          # (S_out, C_in, S_in, k, k)
    if layout == "engine":
        full = full.transpose(0, 3, 4, 1, 2)
    out = np.ascontiguousarray(full).reshape(-1)
    out.flags.writeable = False
    return out


def expand(w: Any, group: SemidirectProduct, kind: str, layout: str = "groupy") -> Any:
    """The bank of ``kind`` from weights w (C_out, C_in, [S_in,] k, k): one gather.

    layout "groupy": (C_out, S_out, C_in, S_in, k, k); "engine": (C_out S_out, k, k, C_in S_in).
    """
    xp = array_namespace(w)
    c_out, c_in, k = w.shape[0], w.shape[1], w.shape[-1]
    s_out = group.stabiliser.order
    s_in = 1 if kind == "lifting" else s_out
    idx = indices_like(_gather_indices(group, k, kind, c_in, layout), w)
    bank = xp.take(xp.reshape(w, (c_out, c_in * s_in * k * k)), idx, axis=1)
    if layout == "engine":
        return xp.reshape(bank, (c_out * s_out, k, k, c_in * s_in))
    return xp.reshape(bank, (c_out, s_out, c_in, s_in, k, k))


@functools.lru_cache(maxsize=256)
def _adjoint_indices(group: SemidirectProduct, k: int, kind: str, c_in: int) -> np.ndarray:
    """For each output orientation s the engine gather is a bijection of one output channel's
    weights; these are the inverse permutations, offset to index the whole bank."""
    idx = _gather_indices(group, k, kind, c_in, "engine").reshape(group.stabiliser.order, -1)
    s_out, q = idx.shape
    if not np.array_equal(np.sort(idx, axis=1), np.broadcast_to(np.arange(q), idx.shape)):
        raise AssertionError("a bank slice is not a permutation of the weights")
    inverse = np.empty_like(idx)
    rows = np.arange(s_out)[:, None]
    inverse[rows, idx] = np.arange(q)[None, :]
    out = (inverse + rows * q).reshape(-1)
    out.flags.writeable = False
    return out


def expand_adjoint(dbank: Any, group: SemidirectProduct, kind: str, c_in: int) -> Any:
    """The adjoint of ``expand(w, group, kind, layout="engine")``: bank gradient -> weight
    gradient, dw = sum_s P_s^T dbank_s, one gather and a sum over output orientations."""
    xp = array_namespace(dbank)
    s_out = group.stabiliser.order
    s_in = 1 if kind == "lifting" else s_out
    k = dbank.shape[1]
    c_out = dbank.shape[0] // s_out
    q = c_in * s_in * k * k
    idx = indices_like(_adjoint_indices(group, k, kind, c_in), dbank)
    flat = xp.reshape(dbank, (c_out, s_out * q))
    grad = xp.sum(xp.reshape(xp.take(flat, idx, axis=1), (c_out, s_out, q)), axis=1)
    return xp.reshape(grad, (c_out, c_in) + ((s_in,) if kind != "lifting" else ()) + (k, k))


class LatticeBank:
    """The bank expansion of one layer kind on a lattice group, as a linear map w -> bank with
    its adjoint: the interface the nn layers use (other groups provide the same methods)."""

    def __init__(self, group: SemidirectProduct | str, kind: str):
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
        self.group = get_group(group)
        self.kind = kind
        self.s_out = self.group.stabiliser.order
        self.s_in = 1 if kind == "lifting" else self.s_out

    def weight_shape(self, c_out: int, c_in: int, k: int) -> tuple[int, ...]:
        return (c_out, c_in) + ((self.s_in,) if self.kind != "lifting" else ()) + (k, k)

    def expand(self, w: Any) -> Any:
        """Bank in the engine layout (C_out S_out, k, k, C_in S_in)."""
        return expand(w, self.group, self.kind, layout="engine")

    def adjoint(self, dbank: Any, weight_shape: tuple[int, ...]) -> Any:
        """Weight gradient (of ``weight_shape``) from a bank gradient in the engine layout."""
        return expand_adjoint(dbank, self.group, self.kind, weight_shape[1])

    def __repr__(self) -> str:
        return f"LatticeBank({self.group.name}, {self.kind!r})"


def check_weights(w: Any, group: SemidirectProduct, kind: str, op: str) -> Any:
    """Weights (C_out, C_in, k, k) for lifting, (C_out, C_in, S, k, k) otherwise; real floats."""
    w = as_real_float(w, f"{op}: weights")
    s = group.stabiliser.order
    expected = "(C_out, C_in, k, k)" if kind == "lifting" else f"(C_out, C_in, {s}, k, k)"
    if w.ndim != (4 if kind == "lifting" else 5):
        raise ValueError(f"{op}: {kind} weights must have shape {expected}, "
                         f"got shape {tuple(w.shape)}")
    if w.shape[-1] != w.shape[-2]:
        raise ValueError(f"{op}: filters must be square k x k, got {w.shape[-2]}x{w.shape[-1]}")
    if kind != "lifting" and w.shape[2] != s:
        raise ValueError(f"{op}: weights on {group.name} must have shape {expected} "
                         f"(S = {s}), got shape {tuple(w.shape)}")
    if 0 in tuple(w.shape):
        raise ValueError(f"{op}: weights must not be empty, got shape {tuple(w.shape)}")
    return w


def filter_bank(w: Any, group: SemidirectProduct | str) -> Any:
    """The expanded filter bank of GrouPy's TransformGFilter, layout (C_out, S, C_in, S_in, k, k).

    Lifting weights w (C_out, C_in, k, k) give (C_out, S, C_in, 1, k, k); group weights
    (C_out, C_in, S, k, k) give (C_out, S, C_in, S, k, k); entry [o, s, c, t] is the filter of
    output orientation s seen from input orientation t: (L_{h_s} psi_oc)[t], about the centre.
    """
    group = get_group(group)
    kind = "lifting" if len(getattr(w, "shape", np.shape(w))) == 4 else "correlation"
    return expand(check_weights(w, group, kind, "filter_bank"), group, kind)
