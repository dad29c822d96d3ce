"""Filter banks: the filter seen from every output sample, behind one written protocol.

A layer's weights w are expanded into a bank, a stack of plain d-dimensional filters, so that one
standard correlation computes the layer (``groupconv.fast.correlate``). For every group and
kind the bank is the same formula: the weights slice j(s, t) = idx(h_s^-1 h_t) transformed by the
output sample h_s,

    lifting       bank[o, s, c, 0](x) = (L_{h_s} psi_oc)(x)            = psi_oc(h_s^-1 x)
    correlation   bank[o, s, c, t](x) = (L_{h_s} psi_oc)[t](x)         = psi_oc[j(s, t)](h_s^-1 x)
    convolution   bank[o, s, c, t](x) = (L_{h_s} psi~_oc)[t](x),       psi~(g) = psi(g^-1)

with x measured from the centre of the filter (``fast.action``); the true G-convolution is the
G-correlation with the inverted filter psi~. ``Bank`` states the protocol: the spaces it reads and
writes (``Space``), the expanded kernel size, ``expand`` (the linear map w -> bank) and
``adjoint`` (its transpose, bank gradient -> weight gradient). Two implementations compute it,
chosen by the group alone (``bank_for``):

- ``LatticeBank``, for Z^d x| H (any registered lattice group, any d): h_s permutes the filter's
  cells exactly, so the bank is one gather of precomputed indices (GrouPy's TransformGFilter);
- ``OperatorBank``, for the sampled groups (SE(2)_N, scales): h_s moves the filter by
  interpolation, a linear operator U_s (K^2, k^2) (``interpolation.kernel_operators``), and
  bank[o, s, c, t] = U_s w[o, c, j(s, t)], zero where j(s, t) is not a weight slice.

Layouts: the engine's (C_out S_out, *K^d, C_in S_in) (taps before channels), and GrouPy's
(C_out, S_out, C_in, S_in, *k^d) (``filter_bank``). Every index table is computed once, from the
group alone (no random draws), cached and read-only. Everything runs in the array library of
the weights (array API).
"""

from __future__ import annotations

import abc
import math
from typing import Any

import numpy as np
from array_api_compat import array_namespace

from ..arguments import integer
from ..caching import cached_arrays
from ..groups import AffineGroup, Kind, SemidirectProduct, domain_mask, get_group
from ..groups.wallpaper import check_kernel_side
from .action import transform_indices
from .backend import on_device
from .interpolation import kernel_operators
from .validation import as_float, check_weights

__all__ = ["Bank", "LatticeBank", "OperatorBank", "bank_for", "filter_bank", "bank_index_map"]


class Bank(abc.ABC):
    """The protocol of a filter-bank expansion: w -> bank, a linear map, with its adjoint.

    ``group``, ``kind``: the group and the correlation (``Kind``); ``input_space``,
    ``output_space``: what the layer reads and writes; ``weight_extent``: the length of the
    weights' own point axis (None for planar weights, as for lifting); ``kernel_size(k)``: K,
    the side of the expanded filters (k unless the group enlarges them, as scaling does).
    """

    def __init__(self, group: AffineGroup | str, kind: Kind | str):
        self.group = get_group(group)
        self.kind = Kind.parse(kind)
        self.input_space = self.kind.input_space(self.group)
        self.output_space = self.kind.output_space(self.group)
        self.weight_extent = self.group.weight_samples if self.kind.reads_group else None

    def kernel_size(self, k: int) -> int:
        return self.group.kernel_size(k)

    def weight_shape(self, c_out: int, c_in: int, k: int) -> tuple[int, ...]:
        """(C_out, C_in, *k^d), or (C_out, C_in, weight_extent, *k^d)."""
        extent = () if self.weight_extent is None else (self.weight_extent,)
        return (c_out, c_in) + extent + (k,) * self.group.dim

    @abc.abstractmethod
    def expand(self, w: Any) -> Any:
        """The bank of weights w (``weight_shape``), in the engine layout
        (C_out S_out, *K^d, C_in S_in)."""

    @abc.abstractmethod
    def adjoint(self, dbank: Any, weight_shape: tuple[int, ...]) -> Any:
        """The transpose of ``expand``: a weight gradient of ``weight_shape`` from a bank
        gradient, so that <expand(w), dbank> = <w, adjoint(dbank)>."""

    def domain_mask(self, shape: tuple[int, ...]) -> np.ndarray | None:
        """The cells of an input or output array of spatial ``shape`` that hold the function:
        None for all of them, a bool array otherwise (the hexagonal lattice)."""
        return domain_mask(self.group, shape)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.group.name}, {self.kind.value})"


# ------------------------------------------------------------------ lattice groups
class LatticeBank(Bank):
    """The bank of a lattice group G = Z^d x| H as one gather (see the module docstring)."""

    def __init__(self, group: SemidirectProduct | str, kind: Kind | str):
        super().__init__(group, kind)
        if not isinstance(self.group, SemidirectProduct):
            raise ValueError(f"{self.group.name} is a sampled group, whose filters are moved by "
                             f"interpolation: its bank is groupconv.fast.banks.bank_for(group, "
                             f"kind).expand(w), in the engine's layout (C_out S, *K^d, C_in S_in); "
                             f"GrouPy's layout and filter_bank are for the lattice groups")
        if self.group.lattice is None:
            raise ValueError(f"{self.group.name}'s point group maps no array layout onto itself "
                             f"(its matrices are not signed permutations nor hexagonal): it "
                             f"has no array-level bank; functions with finite support work "
                             f"(groupconv.literal)")

    def index_map(self, k: int) -> np.ndarray:
        """Sources (t', a'_1, ..., a'_d) of every bank entry [s, t, a]: int array
        (S_out, S_in, *k^d, 1 + d), GrouPy's index layout (``make_c4_p4_indices`` and
        friends)."""
        k = integer(k, "k")
        _check_bank_size(self, 1, 1, k, k)        # one channel pair: refused before drawn
        flat = _flat_sources(self.group, k, self.kind)
        d = self.group.dim
        coords = np.unravel_index(flat, (flat.shape[1],) + (k,) * d)
        return np.stack(coords, axis=-1)

    def expand(self, w: Any) -> Any:
        return self._gather(w, "engine")

    def expand_groupy(self, w: Any) -> Any:
        """The bank in GrouPy's layout (C_out, S_out, C_in, S_in, *k^d)."""
        return self._gather(w, "groupy")

    def _on_kernel(self, w: Any) -> Any:
        """w itself on the hypercubic lattices; on the hexagonal lattice w on the hexagon of its
        k x k cells (k odd) and zero elsewhere: the weights outside it are ignored."""
        k = w.shape[-1]
        check_kernel_side(self.group, k, "the bank")
        mask = self.domain_mask((k,) * self.group.dim)
        if mask is None:
            return w
        xp = array_namespace(w)
        return xp.where(on_device(mask, w), w, xp.zeros_like(w))

    def _gather(self, w: Any, layout: str) -> Any:
        xp = array_namespace(w)
        c_out, c_in, k = w.shape[0], w.shape[1], w.shape[-1]
        _check_bank_size(self, c_out, c_in, k, k)
        w = self._on_kernel(w)   # the gather permutes the hexagon's cells: the bank stays on it
        s_in, s_out = self.input_space.samples, self.output_space.samples
        d = self.group.dim
        idx = on_device(_gather_indices(self.group, k, self.kind, c_in, layout), w)
        bank = xp.take(xp.reshape(w, (c_out, c_in * s_in * k**d)), idx, axis=1)
        if layout == "engine":
            return xp.reshape(bank, (c_out * s_out,) + (k,) * d + (c_in * s_in,))
        return xp.reshape(bank, (c_out, s_out, c_in, s_in) + (k,) * d)

    def adjoint(self, dbank: Any, weight_shape: tuple[int, ...]) -> Any:
        """dw = sum_s P_s^T dbank_s: each output sample's gather is a permutation of the
        weights, so the adjoint is one gather of the inverse permutations and a sum over s."""
        xp = array_namespace(dbank)
        s_out = self.output_space.samples
        c_out, c_in, k = weight_shape[0], weight_shape[1], weight_shape[-1]
        q = c_in * self.input_space.samples * k ** self.group.dim
        idx = on_device(_adjoint_indices(self.group, k, self.kind, c_in), dbank)
        flat = xp.reshape(dbank, (c_out, s_out * q))
        grad = xp.sum(xp.reshape(xp.take(flat, idx, axis=1), (c_out, s_out, q)), axis=1)
        return self._on_kernel(xp.reshape(grad, tuple(weight_shape)))


#: The most entries an expanded bank is built with (2^28: 1 GiB in float32, the layers' own
#: bound on weights): a larger one is a mistake in the arguments, refused before it is drawn.
MAX_BANK_ENTRIES = 2**28


#: The largest wiring matrix of a sampled group's bank (S_out S_in, J), 256 MiB in float64:
#: a group correlation on SE(2)_N up to N = 322.
MAX_SELECTION_ENTRIES = 2**25


def _check_bank_size(bank: Bank, c_out: int, c_in: int, k: int, size: int) -> None:
    """A ValueError, before any memory is drawn, for a bank of more than MAX_BANK_ENTRIES."""
    entries = c_out * bank.output_space.samples * c_in * bank.input_space.samples * \
        size ** bank.group.dim
    if entries > MAX_BANK_ENTRIES:
        raise ValueError(f"the filter bank of {c_in} -> {c_out} channels with k = {k} on "
                         f"{bank.group.name} has {entries:,} entries, more than "
                         f"{MAX_BANK_ENTRIES:,}: choose fewer channels or a smaller kernel")


@cached_arrays(maxsize=128)
def _flat_sources(group: SemidirectProduct, k: int, kind: Kind) -> np.ndarray:
    """Flat sources into (S_in, *k^d) of every bank entry [s, t, a]: (S_out, S_in, *k^d)."""
    d = group.dim
    flat = np.stack([transform_indices(group, s, (k,) * d, kind.reads_group)
                     for s in range(group.samples)])
    if kind is Kind.CONVOLUTION:
        flat = _inversion_indices(group, k).reshape(-1)[flat]            # L_{h_s} of psi~
    return flat


def _inversion_indices(group: SemidirectProduct, k: int) -> np.ndarray:
    """Flat sources of psi~[t](x) = psi[idx(h_t^-1)](-h_t^-1 x), about the filter centre."""
    d = group.dim
    size = k**d
    reflect = (size - 1) - np.arange(size)   # x -> -x about the centre: every axis reversed
    out = np.empty((group.samples,) + (k,) * d, dtype=np.int64)
    for t in range(group.samples):
        spatial = transform_indices(group, t, (k,) * d, False)[0].reshape(-1)  # reads h_t^-1 x
        out[t] = (int(group.stabiliser.inverse_table[t]) * size + spatial[reflect]
                  ).reshape((k,) * d)
    return out


@cached_arrays(maxsize=256)
def _gather_indices(group: SemidirectProduct, k: int, kind: Kind, c_in: int, layout: str
                    ) -> np.ndarray:
    """Flat indices into one output channel's weights (C_in, S_in, *k^d), in the order of
    ``layout``: "groupy" (S_out, C_in, S_in, *k^d) or "engine" (S_out, *k^d, C_in, S_in)."""
    within = _flat_sources(group, k, kind)                               # (S_out, S_in, *k^d)
    s_in, d = within.shape[1], group.dim
    c = np.arange(c_in).reshape((1, c_in) + (1,) * (d + 1)) * (s_in * k**d)
    full = c + within[:, None]                                   # (S_out, C_in, S_in, *k^d)
    if layout == "engine":
        full = full.transpose((0,) + tuple(range(3, 3 + d)) + (1, 2))
    return np.ascontiguousarray(full).reshape(-1)


@cached_arrays(maxsize=256)
def _adjoint_indices(group: SemidirectProduct, k: int, kind: Kind, c_in: int) -> np.ndarray:
    """For each output sample s the engine gather is a bijection of one output channel's
    weights; these are the inverse permutations, offset to index the whole bank."""
    idx = _gather_indices(group, k, kind, c_in, "engine").reshape(group.samples, -1)
    s_out, q = idx.shape
    if not np.array_equal(np.sort(idx, axis=1), np.broadcast_to(np.arange(q), idx.shape)):
        raise AssertionError("a bank slice is not a permutation of the weights")
    inverse = np.empty_like(idx)
    rows = np.arange(s_out)[:, None]
    inverse[rows, idx] = np.arange(q)[None, :]
    return (inverse + rows * q).reshape(-1)


# ------------------------------------------------------------------ sampled groups
class OperatorBank(Bank):
    """bank[o, s, c, t] = U_s w[o, c, j(s, t)]: operators U_s (S_out, K^2, k^2) from
    ``interpolation.kernel_operators`` and the wiring j (S_out, S_in) from the group law, -1
    where no weight slice feeds [s, t]. Expansion and adjoint are two matrix products, in the
    array library of the weights."""

    def __init__(self, group: AffineGroup | str, kind: Kind | str):
        super().__init__(group, kind)
        if self.kind is Kind.CONVOLUTION:
            raise ValueError(f"group_convolution: the sampled group {self.group.name} has "
                             f"lifting and group correlations (lifting_correlation, "
                             f"group_correlation); its true G-convolution is not defined here")
        s_in = self.group.samples if self.kind.reads_group else 1
        entries = self.group.samples * s_in * (self.group.weight_samples
                                                if self.kind.reads_group else 1)
        if entries > MAX_SELECTION_ENTRIES:
            raise ValueError(f"a {self.kind.value} on {self.group.name} wires its weights "
                             f"through a ({self.group.samples * s_in}, "
                             f"{entries // (self.group.samples * s_in)}) matrix, more than "
                             f"{MAX_SELECTION_ENTRIES} entries: use fewer orientations")
        self._select = _selection(self.group, self.kind)

    def expand(self, w: Any) -> Any:
        xp = array_namespace(w)
        c_out, c_in, k = w.shape[0], w.shape[1], w.shape[-1]
        s_out, s_in = self.output_space.samples, self.input_space.samples
        size, d = self.kernel_size(k), self.group.dim
        _check_bank_size(self, c_out, c_in, k, size)
        flat = xp.reshape(w, (c_out, c_in, self.weight_extent or 1, k**d))
        read = _read_weights(self.group, k)
        if not read.all():      # weights no operator reads (the disk's corners): selected
            flat = xp.where(on_device(read, w), flat, xp.zeros_like(flat))     # away (a NaN
        picked = xp.matmul(on_device(self._select, w, w.dtype), flat)  # there is ignored too)
        picked = xp.reshape(picked, (c_out, c_in, s_out, s_in, k**d))
        picked = xp.reshape(xp.permute_dims(picked, (2, 0, 1, 3, 4)),
                            (s_out, c_out * c_in * s_in, k**d))
        ops_t = xp.permute_dims(on_device(self._operators(k), w, w.dtype), (0, 2, 1))
        bank = xp.reshape(xp.matmul(picked, ops_t), (s_out, c_out, c_in, s_in, size**d))
        bank = xp.permute_dims(bank, (1, 0, 4, 2, 3))                   # (o, s, K^d, c, t)
        return xp.reshape(bank, (c_out * s_out,) + (size,) * d + (c_in * s_in,))

    def adjoint(self, dbank: Any, weight_shape: tuple[int, ...]) -> Any:
        xp = array_namespace(dbank)
        c_out, c_in, k = weight_shape[0], weight_shape[1], weight_shape[-1]
        s_out, s_in = self.output_space.samples, self.input_space.samples
        d = self.group.dim
        taps = math.prod(dbank.shape[1:1 + d])
        dd = xp.reshape(dbank, (c_out, s_out, taps, c_in, s_in))
        dd = xp.reshape(xp.permute_dims(dd, (1, 0, 3, 4, 2)), (s_out, c_out * c_in * s_in, taps))
        per_entry = xp.matmul(dd, on_device(self._operators(k), dbank, dbank.dtype))
        per_entry = xp.reshape(per_entry, (s_out, c_out, c_in, s_in, k**d))
        per_entry = xp.reshape(xp.permute_dims(per_entry, (1, 2, 0, 3, 4)),
                               (c_out, c_in, s_out * s_in, k**d))
        select_t = xp.permute_dims(on_device(self._select, dbank, dbank.dtype), (1, 0))
        return xp.reshape(xp.matmul(select_t, per_entry), tuple(weight_shape))

    def _operators(self, k: int) -> np.ndarray:
        return kernel_operators(self.group, k)

    def wiring(self) -> np.ndarray:
        """j(s, t): the weight slice that feeds bank entry [s, t], -1 for none."""
        return _wiring(self.group, self.kind)


@cached_arrays(maxsize=64)
def _read_weights(group: AffineGroup, k: int) -> np.ndarray:
    """Which of the k^d weights of a slice any operator U_s reads (k^d,) bool: all but the
    corners outside the disk of ``SE2(N, disk=True)``."""
    return np.any(kernel_operators(group, k) != 0, axis=(0, 1))


@cached_arrays(maxsize=64)
def _wiring(group: AffineGroup, kind: Kind) -> np.ndarray:
    s = np.arange(group.samples)[:, None]
    if not kind.reads_group:
        return np.zeros((group.samples, 1), dtype=np.int64)
    j = np.asarray(group.relative(s, s.T))
    return np.where((j >= 0) & (j < group.weight_samples), j, -1).astype(np.int64)


@cached_arrays(maxsize=64)
def _selection(group: AffineGroup, kind: Kind) -> np.ndarray:
    """The wiring as a 0/1 matrix (S_out S_in, J): a gather of weight slices, and its transpose
    a sum over the bank entries each slice feeds."""
    extent = group.weight_samples if kind.reads_group else 1
    return (_wiring(group, kind).reshape(-1, 1) == np.arange(extent)[None, :]).astype(np.float64)


# ------------------------------------------------------------------ public edge
def bank_for(group: AffineGroup | str, kind: Kind | str) -> Bank:
    """The bank of ``kind`` on ``group``: a gather on a lattice group, interpolation operators
    on a sampled one. The one place where the implementation is chosen."""
    group = get_group(group)
    if isinstance(group, SemidirectProduct):
        return LatticeBank(group, kind)
    return OperatorBank(group, kind)


def bank_index_map(group: SemidirectProduct | str, k: int, kind: Kind | str) -> np.ndarray:
    """Sources (t', a'_1, ..., a'_d) of every bank entry [s, t, a] of ``kind``: int array
    (S_out, S_in, *k^d, 1 + d), GrouPy's index layout."""
    return LatticeBank(group, kind).index_map(k)


def filter_bank(w: Any, group: SemidirectProduct | str, kind: Kind | str | None = None) -> Any:
    """The expanded filter bank of GrouPy's TransformGFilter, layout
    (C_out, S, C_in, S_in, *k^d).

    Parameters
    ----------
    w : array
        Lifting weights (C_out, C_in, *k^d) or group weights (C_out, C_in, S, *k^d) (d = the
        group's dimension).
    group : SemidirectProduct or str
        A lattice group or its registered name.
    kind : {"lifting", "correlation", "convolution"}, optional
        Which weights w are: the bank of a lifting, a G-correlation or (of the inverted filter)
        the true G-convolution. By default the number of axes tells lifting from group weights,
        except where a shape could be either (lifting weights (C_out, C_in, *k^d) with
        C_in = S read like group weights whose C_in axis was left out): then ``kind`` must be
        given, and w is checked against it.

    Returns
    -------
    array
        The bank, (C_out, S, C_in, 1, *k^d) for lifting weights and (C_out, S, C_in, S, *k^d)
        for group weights: entry [o, s, c, t] is the filter of output sample s seen from input
        sample t, (L_{h_s} psi_oc)[t], about the centre.

    Examples
    --------
    >>> import numpy as np
    >>> import groupconv
    >>> w = np.arange(9.0).reshape(1, 1, 3, 3)
    >>> bank = groupconv.filter_bank(w, "p4")
    >>> bank.shape, np.array_equal(bank[0, 1, 0, 0], np.rot90(w[0, 0]))
    ((1, 4, 1, 1, 3, 3), True)
    """
    w = as_float(w, "filter_bank: weights")
    group = get_group(group)
    if kind is None:         # (a sampled group: refused below, whatever the kind)
        if isinstance(group, SemidirectProduct) and w.ndim == 2 + group.dim and \
                w.shape[1] == group.samples > 1:
            raise ValueError(f"filter_bank: weights of shape {tuple(w.shape)} on {group.name} "
                             f"read as lifting weights with C_in = {w.shape[1]} or as group "
                             f"weights (C_out, S = {group.samples}, k, ...) without their C_in "
                             f"axis: say which, kind='lifting' or kind='correlation' (group "
                             f"weights are (C_out, C_in, S, *k^d))")
        kind = Kind.LIFTING if w.ndim == 2 + group.dim else Kind.CORRELATION
    bank = LatticeBank(group, kind)
    return bank.expand_groupy(check_weights(w, bank, "filter_bank"))
