"""Filter banks: the filter seen from every output orientation, behind one written protocol.

A layer's weights w are expanded into a bank, a stack of plain 2D filters, so that one standard
correlation computes the layer (``groupconv.fast.correlate``). ``Bank`` is the protocol every
expansion follows: the space it reads from and the space it writes to (``Space``: the plane
Z^2, or a group with S samples of its point part), the expanded kernel size, ``expand`` (the
linear map w -> bank) and ``adjoint`` (its transpose, bank gradient -> weight gradient). Two
kinds of bank implement it:

``LatticeBank``, for Z^2 x| H (Z2, P4, P4M and any registered group): one gather of precomputed
indices (GrouPy's TransformGFilter),

    lifting       bank[o, s, c, 0](x) = psi_oc(h_s^-1 x)                     = (L_{h_s} psi)(x)
    correlation   bank[o, s, c, t](x) = psi_oc[idx(h_s^-1 h_t)](h_s^-1 x)    = (L_{h_s} psi)[t](x)
    convolution   bank[o, s, c, t](x) = psi_oc[idx(h_t^-1 h_s)](-h_t^-1 x)   = (L_{h_s} psi~)[t](x)

with x measured from the centre of the k x k filter (array level: ``fast.action``), and
psi~(g) = psi(g^-1) the inverted filter (the true G-convolution is the G-correlation with psi~).

``OperatorBank``, for the sampled groups SE(2)_N and scales: linear operators U_s (K^2, k^2)
that transform a kernel (bilinear interpolation, ``fast.interpolation``), and a wiring table
j(s, t) that says which slice of the weights feeds bank entry [s, t]:

    bank[o, s, c, t] = U_s w[o, c, j(s, t)]     (zero where j(s, t) is undefined)

Layouts: the engine's (C_out S_out, K, K, C_in S_in) (taps before channels), and GrouPy's
(C_out, S_out, C_in, S_in, k, k) (``filter_bank``). Every index table is computed once, from the
group alone (no random draws), cached and read-only. Everything runs in the array library of
the weights (array API).
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any

import numpy as np
from array_api_compat import array_namespace

from ..caching import cached_arrays
from ..groups import SE2, ScaleTranslation, SemidirectProduct, domain_mask, get_group
from .action import transform_indices
from .backend import constant_like, indices_like
from .interpolation import rotation_operators, scale_operators, scaled_kernel_size
from .validation import as_float, check_weights

__all__ = ["Space", "PLANE", "Bank", "LatticeBank", "OperatorBank", "SE2Bank", "ScaleBank",
           "filter_bank", "bank_index_map", "lattice_bank", "lifting_bank", "correlation_bank"]


@dataclass(frozen=True)
class Space:
    """Where a feature map lives: the plane Z^2 (``size`` 1, arrays (..., C, H, W)), or a group
    sampled at ``size`` point parts (arrays (..., C, S, H, W))."""

    name: str
    size: int

    @property
    def is_plane(self) -> bool:
        """Functions on the pixel grid Z^2, without a stabiliser axis (a lifting's input)."""
        return self.name == PLANE_NAME

    def layout(self, channels: int | str = "C") -> str:
        """The array layout, e.g. "(..., 3, H, W)" or "(..., C, 4, H, W)"."""
        return (f"(..., {channels}, H, W)" if self.is_plane
                else f"(..., {channels}, {self.size}, H, W)")


PLANE_NAME = "Z^2"
#: Functions on the pixel grid: images, and the input of a lifting layer. (Functions on the
#: group Z2 are arrays with a stabiliser axis of length 1: ``Space("Z2", 1)``.)
PLANE = Space(PLANE_NAME, 1)


class Bank(abc.ABC):
    """The protocol of a filter-bank expansion: w -> bank, a linear map, with its adjoint.

    ``input_space``, ``output_space``: what the layer reads and writes; ``s_in``, ``s_out``
    their stabiliser sizes. ``weight_extent``: the length of the weights' own point axis
    (None when the weights are planar, as for lifting). ``kernel_size(k)``: K, the size of the
    expanded filters (k unless the bank enlarges them, as scaling does).
    """

    input_space: Space
    output_space: Space
    weight_extent: int | None

    @property
    def s_in(self) -> int:
        return self.input_space.size

    @property
    def s_out(self) -> int:
        return self.output_space.size

    def kernel_size(self, k: int) -> int:
        return k

    def weight_shape(self, c_out: int, c_in: int, k: int) -> tuple[int, ...]:
        """(C_out, C_in, k, k), or (C_out, C_in, weight_extent, k, k)."""
        extent = () if self.weight_extent is None else (self.weight_extent,)
        return (c_out, c_in) + extent + (k, k)

    @abc.abstractmethod
    def expand(self, w: Any) -> Any:
        """The bank of weights w (``weight_shape``), in the engine layout
        (C_out S_out, K, K, C_in S_in)."""

    @abc.abstractmethod
    def adjoint(self, dbank: Any, weight_shape: tuple[int, ...]) -> Any:
        """The transpose of ``expand``: a weight gradient of ``weight_shape`` from a bank
        gradient, so that <expand(w), dbank> = <w, adjoint(dbank)>."""

    def domain_mask(self, height: int, width: int) -> np.ndarray | None:
        """The cells of a (height, width) input or output array that hold the function: None
        for all of them (the default), a bool array otherwise (the hexagonal lattice)."""
        return None


# ------------------------------------------------------------------ lattice groups
class LatticeBank(Bank):
    """The bank of a lattice group G = Z^2 x| H as one gather (see the module docstring):
    ``LatticeBank.lifting(G)``, ``.correlation(G)`` or ``.convolution(G)`` (the bank of the
    inverted filter psi~, for the true G-convolution)."""

    def __init__(self, group: SemidirectProduct | str, *, lifting: bool, inverted: bool = False):
        self.group = get_group(group)
        if lifting and inverted:
            raise ValueError("a lifting bank reads functions on Z^2: there is no inverted filter")
        self.inverted = bool(inverted)
        self.output_space = Space(self.group.name, self.group.stabiliser.order)
        self.input_space = PLANE if lifting else self.output_space
        self.weight_extent = None if lifting else self.output_space.size

    @classmethod
    def lifting(cls, group: SemidirectProduct | str) -> LatticeBank:
        """(f * psi)(g) = sum_y f(y) psi(g^-1 y): from Z^2 to G."""
        return cls(group, lifting=True)

    @classmethod
    def correlation(cls, group: SemidirectProduct | str) -> LatticeBank:
        """(f * psi)(g) = sum_h f(h) psi(g^-1 h): from G to G."""
        return cls(group, lifting=False)

    @classmethod
    def convolution(cls, group: SemidirectProduct | str) -> LatticeBank:
        """(f ∗ psi)(g) = sum_h f(h) psi(h^-1 g): the correlation with psi~(g) = psi(g^-1)."""
        return cls(group, lifting=False, inverted=True)

    def domain_mask(self, height: int, width: int) -> np.ndarray | None:
        return domain_mask(self.group, height, width)

    def index_map(self, k: int) -> np.ndarray:
        """Sources (t', a', b') of every bank entry [s, t, a, b]: int array (S_out, S_in, k, k, 3),
        GrouPy's index layout (``make_c4_p4_indices`` and friends)."""
        return _index_map(self.group, k, self.input_space.is_plane, self.inverted)

    def expand(self, w: Any) -> Any:
        return self._gather(w, "engine")

    def expand_groupy(self, w: Any) -> Any:
        """The bank in GrouPy's layout (C_out, S_out, C_in, S_in, k, k)."""
        return self._gather(w, "groupy")

    def _on_kernel(self, w: Any) -> Any:
        """w itself on the square lattice; on the hexagonal lattice w on the hexagon of its
        k x k cells (k odd) and zero elsewhere: the weights outside it are ignored."""
        k = w.shape[-1]
        if self.group.lattice == "hexagonal" and k % 2 == 0:
            raise ValueError(f"kernels on {self.group.name} (hexagonal lattice) are hexagons "
                             f"about a centre cell: k must be odd, got k = {k}")
        mask = domain_mask(self.group, k, k)
        if mask is None:
            return w
        xp = array_namespace(w)
        return xp.where(indices_like(mask, w), w, xp.zeros_like(w))

    def _gather(self, w: Any, layout: str) -> Any:
        xp = array_namespace(w)
        c_out, c_in, k = w.shape[0], w.shape[1], w.shape[-1]
        w = self._on_kernel(w)   # the gather permutes the hexagon's cells: the bank stays on it
        s_in, s_out = self.s_in, self.s_out
        idx = indices_like(_gather_indices(self.group, k, self.input_space.is_plane,
                                           self.inverted, c_in, layout), w)
        bank = xp.take(xp.reshape(w, (c_out, c_in * s_in * k * k)), idx, axis=1)
        if layout == "engine":
            return xp.reshape(bank, (c_out * s_out, k, k, c_in * s_in))
        return xp.reshape(bank, (c_out, s_out, c_in, s_in, k, k))

    def adjoint(self, dbank: Any, weight_shape: tuple[int, ...]) -> Any:
        """dw = sum_s P_s^T dbank_s: each output orientation's gather is a permutation of the
        weights, so the adjoint is one gather of the inverse permutations and a sum over s."""
        xp = array_namespace(dbank)
        s_out = self.s_out
        c_out, c_in, k = weight_shape[0], weight_shape[1], weight_shape[-1]
        q = c_in * self.s_in * k * k
        idx = indices_like(_adjoint_indices(self.group, k, self.input_space.is_plane,
                                            self.inverted, c_in), dbank)
        flat = xp.reshape(dbank, (c_out, s_out * q))
        grad = xp.sum(xp.reshape(xp.take(flat, idx, axis=1), (c_out, s_out, q)), axis=1)
        return self._on_kernel(xp.reshape(grad, tuple(weight_shape)))

    def __repr__(self) -> str:
        how = ("lifting" if self.input_space.is_plane
               else "convolution" if self.inverted else "correlation")
        return f"LatticeBank.{how}({self.group.name})"


@cached_arrays(maxsize=128)
def _index_map(group: SemidirectProduct, k: int, lifting: bool, inverted: bool) -> np.ndarray:
    on_group = not lifting
    flat = np.stack([transform_indices(group, s, k, k, on_group)
                     for s in range(group.stabiliser.order)])             # (S_out, S_in, k, k)
    if inverted:
        flat = _inversion_indices(group, k).reshape(-1)[flat]            # L_{h_s} of psi~
    return np.stack([flat // (k * k), flat // k % k, flat % k], axis=-1)


def _inversion_indices(group: SemidirectProduct, k: int) -> np.ndarray:
    """Flat sources of psi~[t](x) = psi[idx(h_t^-1)](-h_t^-1 x), about the filter centre."""
    stab = group.stabiliser
    reflect = (k * k - 1) - np.arange(k * k)   # x -> -x about the centre: [::-1, ::-1]
    out = np.empty((stab.order, k, k), dtype=np.int64)
    for t in range(stab.order):
        spatial = transform_indices(group, t, k, k, False)[0].reshape(-1)   # reads h_t^-1 x
        out[t] = (int(stab.inverse_table[t]) * k * k + spatial[reflect]).reshape(k, k)
    return out


@cached_arrays(maxsize=256)
def _gather_indices(group: SemidirectProduct, k: int, lifting: bool, inverted: bool, c_in: int,
                    layout: str) -> np.ndarray:
    """Flat indices into one output channel's weights (C_in, S_in, k, k), in the order of
    ``layout``: "groupy" (S_out, C_in, S_in, k, k) or "engine" (S_out, k, k, C_in, S_in)."""
    src = _index_map(group, k, lifting, inverted)
    s_in = src.shape[1]
    within = src[..., 0] * k * k + src[..., 1] * k + src[..., 2]       # (S_out, S_in, k, k)
    c = np.arange(c_in)[None, :, None, None, None] * (s_in * k * k)
    full = c + within[:, None]                                          # (S_out, C_in, S_in, k, k)
    if layout == "engine":
        full = full.transpose(0, 3, 4, 1, 2)
    return np.ascontiguousarray(full).reshape(-1)


@cached_arrays(maxsize=256)
def _adjoint_indices(group: SemidirectProduct, k: int, lifting: bool, inverted: bool,
                     c_in: int) -> np.ndarray:
    """For each output orientation s the engine gather is a bijection of one output channel's
    weights; these are the inverse permutations, offset to index the whole bank."""
    idx = _gather_indices(group, k, lifting, inverted, c_in, "engine").reshape(
        group.stabiliser.order, -1)
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
    ``operators(k)`` and the wiring j (S_out, S_in), -1 where no weight slice feeds [s, t].
    Expansion and adjoint are two matrix products, in the array library of the weights."""

    def __init__(self, output_space: Space, input_space: Space, wiring: np.ndarray,
                 weight_extent: int | None):
        self.output_space, self.input_space = output_space, input_space
        wiring = np.asarray(wiring, dtype=np.int64)
        if wiring.shape != (self.s_out, self.s_in):
            raise ValueError(f"wiring must have shape {(self.s_out, self.s_in)}, "
                             f"got {wiring.shape}")
        self.weight_extent = weight_extent
        extent = weight_extent or 1
        # the wiring as a 0/1 matrix (S_out S_in, J): a gather of weight slices, and its
        # transpose a sum over the bank entries each slice feeds
        select = (wiring.reshape(-1, 1) == np.arange(extent)[None, :]).astype(np.float64)
        select.flags.writeable = False
        self._select = select

    @abc.abstractmethod
    def operators(self, k: int) -> np.ndarray:
        """U_s for every output sample s: (S_out, K^2, k^2), float64, read-only."""

    def expand(self, w: Any) -> Any:
        xp = array_namespace(w)
        c_out, c_in, k = w.shape[0], w.shape[1], w.shape[-1]
        s_out, s_in, size = self.s_out, self.s_in, self.kernel_size(k)
        flat = xp.reshape(w, (c_out, c_in, self.weight_extent or 1, k * k))
        picked = xp.matmul(constant_like(self._select, w), flat)       # (o, c, S_out S_in, k^2)
        picked = xp.reshape(picked, (c_out, c_in, s_out, s_in, k * k))
        picked = xp.reshape(xp.permute_dims(picked, (2, 0, 1, 3, 4)),
                            (s_out, c_out * c_in * s_in, k * k))
        ops_t = xp.permute_dims(constant_like(self.operators(k), w), (0, 2, 1))  # (s, k^2, K^2)
        bank = xp.reshape(xp.matmul(picked, ops_t), (s_out, c_out, c_in, s_in, size * size))
        bank = xp.permute_dims(bank, (1, 0, 4, 2, 3))                   # (o, s, K^2, c, t)
        return xp.reshape(bank, (c_out * s_out, size, size, c_in * s_in))

    def adjoint(self, dbank: Any, weight_shape: tuple[int, ...]) -> Any:
        xp = array_namespace(dbank)
        c_out, c_in, k = weight_shape[0], weight_shape[1], weight_shape[-1]
        s_out, s_in, size = self.s_out, self.s_in, dbank.shape[1]
        d = xp.reshape(dbank, (c_out, s_out, size * size, c_in, s_in))
        d = xp.reshape(xp.permute_dims(d, (1, 0, 3, 4, 2)),
                       (s_out, c_out * c_in * s_in, size * size))
        per_entry = xp.matmul(d, constant_like(self.operators(k), dbank))   # (s, o c t, k^2)
        per_entry = xp.reshape(per_entry, (s_out, c_out, c_in, s_in, k * k))
        per_entry = xp.reshape(xp.permute_dims(per_entry, (1, 2, 0, 3, 4)),
                               (c_out, c_in, s_out * s_in, k * k))
        select_t = xp.permute_dims(constant_like(self._select, dbank), (1, 0))
        return xp.reshape(xp.matmul(select_t, per_entry), tuple(weight_shape))


class SE2Bank(OperatorBank):
    """Banks of SE2(N) layers, R_s the rotation of orientation s (``rotation_operators``):

        lifting       bank[o, s, c](y)    = (R_s w[o, c])(y)
        correlation   bank[o, s, c, t](y) = (R_s w[o, c, t - s mod N])(y)
    """

    def __init__(self, group: SE2 | int, *, lifting: bool, mask: bool = True):
        self.group = group if isinstance(group, SE2) else SE2(group)
        self.n, self.mask = self.group.n, bool(mask)
        space = Space(self.group.name, self.n)
        s = np.arange(self.n)[:, None]
        wiring = np.zeros((self.n, 1)) if lifting else self.group.relative(s, s.T)
        super().__init__(space, PLANE if lifting else space, wiring,
                         None if lifting else self.n)

    def operators(self, k: int) -> np.ndarray:
        return rotation_operators(self.n, k, self.mask)

    def __repr__(self) -> str:
        how = "lifting" if self.input_space.is_plane else "correlation"
        return f"SE2Bank(N={self.n}, {how}, mask={self.mask})"


class ScaleBank(OperatorBank):
    """Banks of scale-translation layers over scales s_0..s_{n-1}, U_i the scaling by s_i
    (``scale_operators``), truncated (no wrap-around in scale):

        lifting      bank[o, i, c](y)        = (U_i w[o, c])(y)
        correlation  bank[o, i, c, i + j](y) = (U_i w[o, c, j])(y),   0 <= j < m, i + j < n
    """

    def __init__(self, group: ScaleTranslation | float, n_scales: int, *, lifting: bool,
                 scale_extent: int = 1):
        self.group = group if isinstance(group, ScaleTranslation) else ScaleTranslation(group)
        if isinstance(n_scales, bool) or not isinstance(n_scales, int) or n_scales < 1:
            raise ValueError(f"n_scales must be a positive int, got {n_scales!r}")
        if isinstance(scale_extent, bool) or not isinstance(scale_extent, int) or \
                not 1 <= scale_extent <= n_scales:
            raise ValueError(f"scale_extent must be an int in 1..{n_scales}, "
                             f"got {scale_extent!r}")
        self.base, self.n, self.m = self.group.base, n_scales, scale_extent
        space = Space(self.group.name, n_scales)
        i = np.arange(n_scales)[:, None]
        j = self.group.relative(i, i.T)
        wiring = np.zeros((n_scales, 1)) if lifting else np.where((j >= 0) & (j < self.m), j, -1)
        super().__init__(space, PLANE if lifting else space, wiring,
                         None if lifting else self.m)

    def kernel_size(self, k: int) -> int:
        return scaled_kernel_size(self.base, self.n, k)

    def operators(self, k: int) -> np.ndarray:
        return scale_operators(self.base, self.n, k)

    def __repr__(self) -> str:
        how = "lifting" if self.input_space.is_plane else f"correlation, scale_extent={self.m}"
        return f"ScaleBank(base={self.base:g}, n_scales={self.n}, {how})"


# ------------------------------------------------------------------ public edge
def lattice_bank(group: SemidirectProduct | str, kind: str) -> LatticeBank:
    """The bank named by ``kind``, "lifting", "correlation" or "convolution": the one place
    where that string is read."""
    makers = {"lifting": LatticeBank.lifting, "correlation": LatticeBank.correlation,
              "convolution": LatticeBank.convolution}
    if kind not in makers:
        raise ValueError(f"kind must be one of {tuple(makers)}, got {kind!r}")
    return makers[kind](group)


def bank_index_map(group: SemidirectProduct | str, k: int, kind: str) -> np.ndarray:
    """Sources (t', a', b') of every bank entry [s, t, a, b] of ``kind``: int array
    (S_out, S_in, k, k, 3), GrouPy's index layout."""
    return lattice_bank(group, kind).index_map(k)


def filter_bank(w: Any, group: SemidirectProduct | str) -> Any:
    """The expanded filter bank of GrouPy's TransformGFilter, layout (C_out, S, C_in, S_in, k, k).

    Lifting weights w (C_out, C_in, k, k) give (C_out, S, C_in, 1, k, k); group weights
    (C_out, C_in, S, k, k) give (C_out, S, C_in, S, k, k); entry [o, s, c, t] is the filter of
    output orientation s seen from input orientation t: (L_{h_s} psi_oc)[t], about the centre.
    """
    w = as_float(w, "filter_bank: weights")
    bank = LatticeBank(group, lifting=w.ndim == 4)
    return bank.expand_groupy(check_weights(w, bank, "filter_bank"))


def lifting_bank(group: Any, **options: Any) -> Bank:
    """The lifting bank of any group: a lattice group (or its name), ``SE2`` (option ``mask``)
    or ``ScaleTranslation`` (option ``n_scales``, required)."""
    return _bank_for(group, True, options)


def correlation_bank(group: Any, **options: Any) -> Bank:
    """The group-correlation bank of any group (options as ``lifting_bank``; the scale group
    also takes ``scale_extent``, the number of scale offsets m, default 2)."""
    return _bank_for(group, False, options)


def _bank_for(group: Any, lifting: bool, options: dict) -> Bank:
    allowed: tuple[str, ...] = ()
    if isinstance(group, SE2):
        allowed = ("mask",)
    elif isinstance(group, ScaleTranslation):
        allowed = ("n_scales",) if lifting else ("n_scales", "scale_extent")
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise TypeError(f"a bank on {group!r} takes the options {allowed}, got {unknown}")
    if isinstance(group, SE2):
        return SE2Bank(group, lifting=lifting, **options)
    if isinstance(group, ScaleTranslation):
        if "n_scales" not in options:
            raise TypeError("a bank on the scale group needs n_scales=")
        extent = 1 if lifting else options.get("scale_extent", 2)
        return ScaleBank(group, options["n_scales"], lifting=lifting, scale_extent=extent)
    return LatticeBank(group, lifting=lifting)
