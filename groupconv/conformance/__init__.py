"""Conformance vectors for other libraries' tests: inputs, weights, groupconv's outputs and
gradients of the lifting correlation, group correlation and group convolution (with stride,
dilation and bias), of pooling over the point axis, spatial pooling and batch normalisation
over G-channels, written to files (``write``, ``groupconv conformance --out DIR``) or loaded from
the small set shipped inside the package (``load``). Schema: docs/conformance.md.

    DIR/manifest.json   {"library", "version", "conventions", "seed", "cases": [...]}, each case
                        {"file", "id", "group", "kind", "k", "padding", "stride", "dilation",
                        "bias", "options", "tolerance", "exact", "dtype", "x_shape", "y_shape",
                        "h"}
    DIR/<case>.npz      x, y, dy, dx and the parameters and their gradients (w, dw; b, db;
                        gamma, dgamma, beta, dbeta), in groupconv's layout
                        (docs/conventions.md); bank, the expanded filter bank (C_out, S, C_in,
                        S_in, *k^d); h, a point sample other than the identity, with x_h = L_h x
                        and y_h, the output for x_h; loadable with allow_pickle=False

On the lattice groups x, the parameters and dy are integers (-M..M), so that every output and
every gradient is an integer, exact in float64 and in float32: M is the largest (up to
``MOST``) for which every partial sum of every output and gradient stays below 2^24 whatever
the order of summation (``_most``), so that a correct implementation that sums in either
reproduces them bit for bit, on any BLAS; and the values are too large for half precision,
whose integers are exact only to 2048, so that a layer that computes in float16 or bfloat16
does not pass. Cases whose values
are not integers (batch normalisation, the sampled groups) carry the relative tolerance that
rounding needs (``Case.tolerance``).

The reference layer with stride s, dilation δ and bias b is the correlation of the dilated
filter (δ - 1 zeros between taps), then every s-th output along each spatial axis, then b added
per output channel: what conv2d / conv3d do with the expanded bank (``reference``, ``vjp``).
"""

from __future__ import annotations

import json
import math
import os
import pathlib
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..fast.action import transform
from ..fast.backend import to_numpy
from ..fast.validation import real_numpy
from ..arguments import did_you_mean, flag, integer
from ..fast.banks import MAX_BANK_ENTRIES, LatticeBank, bank_for
from ..fast.correlate import (
    backward, forward, group_convolution, group_correlation, lifting_correlation,
)
from ..groups import (
    WALLPAPER, AffineGroup, Kind, SemidirectProduct, Space, UnknownGroup, domain_mask, get_group,
    registered,
)
from ..modes import padding_of
from ..nn import BatchNorm, SpatialPool, SubgroupPool

__all__ = ["Case", "KINDS", "CORRELATIONS", "LAYERS", "VARIANTS", "SHIPPED", "SHIPPED_PLAN",
           "CONVENTIONS_TEXT", "BATCHNORM_TOLERANCE", "SAMPLED_TOLERANCE", "MAX_TOLERANCE",
           "MOST", "cases", "shipped",
           "write", "load", "reference", "vjp"]

SHIPPED = pathlib.Path(__file__).parent / "data"
#: The correlations (layers with filters).
CORRELATIONS = ("lifting", "correlation", "convolution")
#: The layers without filters: pooling over the point axis, spatial pooling, batch norm.
LAYERS = ("subgroup_pool", "spatial_pool", "batchnorm")
#: Every kind of case.
KINDS = CORRELATIONS + LAYERS
#: The largest kernel size of a case (a case of k = 31 takes seconds to compute).
MAX_K = 15

#: Variants of a correlation case at one kernel size: stride 2, dilation 2, a bias, all three.
VARIANTS = ("stride", "dilation", "bias", "all")
#: Relative tolerance of batch normalisation's vectors (a square root and a division, rounded
#: in float64; the integers of the other cases need none).
BATCHNORM_TOLERANCE = 1e-12
#: Relative tolerance of the sampled groups' vectors (interpolated filters, rounded in float64).
SAMPLED_TOLERANCE = 1e-12
#: The largest tolerance a manifest may give a case (relative: float32's rounding, 1e-5, with
#: room for other summation orders; more would let a wrong layer pass).
MAX_TOLERANCE = 1e-4
_OPS = {"lifting": lifting_correlation, "correlation": group_correlation,
        "convolution": group_convolution}
#: The largest integer drawn (x, w, b, dy: -MOST..MOST, or less where the sums need it).
MOST = 60
#: Partial sums of integers stay exact in float32 below this.
_EXACT32 = 2**24
CONVENTIONS_TEXT = (
    "groupconv = GrouPy: pixel (u, v) = (row, column); R(u, v) = (-v, u) (np.rot90(x, 1)); "
    "M negates u (up-down flip); p4 element index r, p4m index 4m + r for M^m R^r; "
    "x (B, C, [S,] *n), y (B, C_out, S, *n') at the array level, entry [c, s, i] = "
    "f_c(T(i) h_s); correlation y = sum f(h) psi(g^-1 h); filters centred, index a <-> a - k//2 "
    "(even k about the geometric centre); padding p on each side, stride s and dilation δ as "
    "conv2d's: n' = (n + 2p - δ(k - 1) - 1) // s + 1; bias per output channel, shared over the "
    "point axis; in 3D (u, v, w) = (depth, row, column); hexagonal lattice (p3, p3m1, p31m, p6, "
    "p6m): axial coordinates (u, v) = u e1 + v e2, e2 = e1 turned by 60 degrees, "
    "R6(u, v) = (-v, u + v), arrays square of odd side, only the hexagon "
    "max(|u|, |v|, |u + v|) <= H // 2 about the centre holds the function (other cells zero in "
    "x, w, y and the gradients), k odd")

#: The shipped set: (groups, kinds, kernel sizes, variants) per part.
SHIPPED_PLAN: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[int, ...],
                          tuple[str, ...]], ...] = (
    (tuple(WALLPAPER), CORRELATIONS, (1, 2, 3), ()),
    (("P4/mmm", "P432", "Pm-3m"), CORRELATIONS, (2,), ()),
    (("P432",), ("lifting", "correlation"), (3,), ()),
    (("z2", "p4", "p4m", "P4/mmm", "P432"), CORRELATIONS, (), VARIANTS),
    (("p4", "p4m", "P4/mmm", "P432"), LAYERS, (), ()),
)


@dataclass(frozen=True)
class Case:
    """One conformance case: what it computes and its arrays.

    ``kind`` is one of ``KINDS``; ``k``, ``padding``, ``stride``, ``dilation`` and ``bias``
    describe a correlation (k = 0 for the other layers); ``options`` holds a layer's settings
    ("reduction", "size", "eps"); ``tolerance`` is the relative error rounding needs (0 for the
    exact, integer cases). ``case["x"]`` is an array; ``case.c_in``, ``case.c_out`` the
    channels.
    """

    id: str
    group: str
    kind: str
    k: int
    padding: int
    arrays: Mapping[str, np.ndarray]
    stride: int = 1
    dilation: int = 1
    bias: bool = False
    options: Mapping[str, Any] = field(default_factory=dict)
    tolerance: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.id, str):
            raise TypeError(f"Case id must be a str, got {type(self.id).__name__}")
        _check_fields(self.group, self.kind, self.k, self.padding, self.stride, self.dilation,
                      self.bias, self.options, self.tolerance)
        _check_arrays(self.kind, self.bias, self.arrays, self.options.get("training"))

    def __getitem__(self, key: str) -> np.ndarray:
        """A fresh copy of the case's array ``key`` (a layer that writes into its input does
        not alter the case)."""
        return self.arrays[key].copy()

    def __contains__(self, key: object) -> bool:
        """Whether the case holds an array ``key`` ("b" only where it has a bias, "dy" where
        it has gradients)."""
        return key in self.arrays

    @property
    def c_in(self) -> int:
        """The input channels."""
        return int(self.arrays["x"].shape[1])

    @property
    def c_out(self) -> int:
        """The output channels."""
        return int(self.arrays["y"].shape[1])

    @property
    def exact(self) -> bool:
        """Whether every value is an integer (reproducible bit for bit)."""
        return self.tolerance == 0

    def __repr__(self) -> str:
        return f"Case({self.id})"


# ------------------------------------------------------------------ the reference layers
def _dilate(w: np.ndarray, dilation: int, d: int) -> np.ndarray:
    """The filter with dilation - 1 zeros between taps along each of the last d axes."""
    if dilation == 1:
        return w
    k = w.shape[-1]
    size = dilation * (k - 1) + 1
    out = np.zeros(w.shape[:-d] + (size,) * d, dtype=w.dtype)
    out[(Ellipsis,) + (slice(None, None, dilation),) * d] = w
    return out


def _check_options(group: AffineGroup, kind: Kind, stride: int, dilation: int,
                   w: np.ndarray | None = None) -> None:
    """Stride and dilation: positive ints, where the group allows them; a dilated filter of at
    most ``MAX_BANK_ENTRIES`` values (checked before it is formed)."""
    for name, value in (("stride", stride), ("dilation", dilation)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    d = group.dim
    if w is not None and w.ndim > d:
        size = int(dilation) * (w.shape[-1] - 1) + 1
        if math.prod(w.shape[:-d]) * size ** d > MAX_BANK_ENTRIES:
            raise ValueError(f"dilation {dilation} spreads the {w.shape[-1]}-tap filters over "
                             f"{size} pixels a side: more than {MAX_BANK_ENTRIES} values; give "
                             f"a smaller dilation")
    if stride > 1 and group.lattice == "hexagonal":
        raise ValueError(f"a stride on the hexagonal lattice ({group.name}) does not keep the "
                         f"hexagon about the centre: stride must be 1 there, got {stride}")
    if dilation > 1 and not isinstance(group, SemidirectProduct):
        raise ValueError(f"{group.name}'s filters are interpolated: dilating them is not the "
                         f"dilation of the expanded bank; dilation must be 1, got {dilation}")


def reference(x: Any, w: Any, group: AffineGroup | str, kind: str, *, padding: int | str = 0,
              stride: int = 1, dilation: int = 1, bias: Any = None,
              method: str = "fast") -> np.ndarray:
    """The reference correlation layer: ``kind`` on ``group`` with zero padding, stride,
    dilation and a bias per output channel (float64, NumPy).

    y = every stride-th output (along each spatial axis, from the first) of the correlation
    of x with the dilated filter (dilation - 1 zeros between taps), plus bias[o] on output
    channel o: what conv2d / conv3d compute with the expanded bank. For a lattice group the
    bank of the dilated filter is the dilated bank (the point group acts linearly about the
    filter's centre), so this is the G-correlation layer with a dilated bank.

    Parameters
    ----------
    x : array
        (B, C_in, [S,] *n).
    w : array
        (C_out, C_in, [J,] *k^d).
    group : AffineGroup or str
        Any registered group (dilation > 1 on lattice groups only; stride > 1 not on the
        hexagonal lattice).
    kind : str
        "lifting", "correlation" or "convolution".
    padding : int or str
        Zero padding on each side (or "valid", "same", "full" of the dilated filter).
    stride, dilation : int
        As conv2d's.
    bias : array, optional
        (C_out,).
    method : {"fast", "literal"}
        The fast path, or the literal sums (``groupconv.literal``).

    Returns
    -------
    numpy.ndarray
        (B, C_out, S, *n'), n' = (n + 2 padding - dilation (k - 1) - 1) // stride + 1.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import conformance
    >>> x = np.ones((1, 1, 6, 7))
    >>> w = np.ones((2, 1, 3, 3))
    >>> conformance.reference(x, w, "p4", "lifting", padding=1, stride=2, dilation=2,
    ...                       bias=np.array([1.0, -1.0])).shape
    (1, 2, 4, 2, 3)
    """
    group = get_group(group)
    parsed = Kind.parse(kind)
    x, w = real_numpy(x, "reference: x"), real_numpy(w, "reference: w")
    _check_options(group, parsed, stride, dilation, w)
    d = group.dim
    wd = _dilate(w, dilation, d)
    y = _OPS[parsed.value](x, wd, group, mode=padding, method=method)
    y = np.asarray(to_numpy(y))[(Ellipsis,) + (slice(None, None, stride),) * d]
    if bias is not None:
        b = real_numpy(bias, "reference: bias")
        if b.shape != (w.shape[0],):
            raise ValueError(f"bias must have shape ({w.shape[0]},) (one per output channel), "
                             f"got {b.shape}")
        y = y + b.reshape((1, -1) + (1,) * (1 + d))
        mask = domain_mask(group, y.shape[-d:])
        if mask is not None:                  # the hexagon's functions: zero outside it
            y = np.where(mask, y, 0.0)
    return y


def vjp(x: Any, w: Any, dy: Any, group: AffineGroup | str, kind: str, *,
        padding: int | str = 0, stride: int = 1, dilation: int = 1,
        bias: bool = False) -> dict[str, np.ndarray]:
    """The vector-Jacobian products of ``reference``: dx, dw (and db with ``bias``) for an
    output gradient dy, so that <dy, y(x', w)> = <dx, x'> and <dy, y(x, w')> = <dw, w'> (without
    bias).

    Parameters
    ----------
    x, w, group, kind, padding, stride, dilation
        As in ``reference``.
    dy : array
        The output gradient, shaped like the output.
    bias : bool
        Whether the layer has a bias (then db = the sum of dy over all but the channel axis).

    Returns
    -------
    dict
        {"dx": ..., "dw": ...} and "db" with ``bias``.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import conformance
    >>> x, w = np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3))
    >>> grads = conformance.vjp(x, w, np.ones((1, 1, 4, 3, 3)), "p4", "lifting")
    >>> float(grads["dw"].sum()), grads["dx"].shape
    (324.0, (1, 1, 5, 5))
    """
    group = get_group(group)
    parsed = Kind.parse(kind)
    x, w = real_numpy(x, "vjp: x"), real_numpy(w, "vjp: w")
    dy, bias = real_numpy(dy, "vjp: dy"), flag(bias, "vjp: bias")
    _check_options(group, parsed, stride, dilation, w)
    d = group.dim
    bank = bank_for(group, parsed)
    wd = _dilate(w, dilation, d)
    p = padding_of(padding, bank.kernel_size(wd.shape[-1]))
    y_full, saved = forward(x, wd, bank, p)
    strided = (Ellipsis,) + (slice(None, None, stride),) * d
    if y_full[strided].shape != dy.shape:
        raise ValueError(f"dy must have the output's shape {y_full[strided].shape}, got "
                         f"{dy.shape}")
    dy_full = np.zeros(y_full.shape)
    dy_full[strided] = dy
    dx, dwd = backward(saved, dy_full, bank)
    grads = {"dx": np.asarray(dx), "dw": np.asarray(dwd)[(Ellipsis,) + (slice(None, None,
                                                                               dilation),) * d]}
    if bias:        # (the bias reaches the hexagon's cells only)
        mask = domain_mask(group, dy.shape[-d:])
        grads["db"] = (dy if mask is None else np.where(mask, dy, 0.0)).sum(
            axis=tuple(a for a in range(dy.ndim) if a != 1))
    return grads


# ------------------------------------------------------------------ the cases
def _slug(name: str) -> str:
    return name.lower().replace("/", "_")


def _group_named(name: Any) -> AffineGroup:
    """A registered group by any of its names, or by the name its case ids carry (``_slug``:
    "p4_mmm" for P4/mmm)."""
    try:
        return get_group(name)
    except ValueError:
        found = [g for g in registered().values() if isinstance(name, str) and
                 _slug(g.name) == name.lower()]
        if not found:
            raise
        return found[0]


def _rng(seed: int, case: str) -> np.random.Generator:
    """A generator per case: a case does not depend on which others are written with it."""
    return np.random.default_rng([seed, zlib.crc32(case.encode())])


def _integers(rng: np.random.Generator, shape: tuple[int, ...], most: int = MOST
               ) -> np.ndarray:
    """Integers -most..most, as float64."""
    return rng.integers(-most, most + 1, size=shape).astype(np.float64)


def _most(terms: int) -> int:
    """The largest draw M (at most ``MOST``) for which sums of ``terms`` products of two draws,
    and one more draw (a bias), stay below 2^24 in every order: terms M^2 + M < 2^24."""
    most = min(MOST, math.isqrt(_EXACT32 // max(terms, 1)))
    while most > 1 and terms * most * most + most >= _EXACT32:
        most -= 1
    return most


def _distinct(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Distinct integers (no ties: the maximum and its gradient are unique)."""
    n = int(np.prod(shape))
    return (rng.permutation(n) - n // 2).astype(np.float64).reshape(shape)


def _test_element(group: AffineGroup, rng: np.random.Generator) -> int | None:
    """A point sample other than the identity among those that act exactly (None if none)."""
    mats = np.asarray(group.point_matrices(), dtype=np.float64)
    identity = np.all(np.isclose(mats, np.eye(group.dim)), axis=(-2, -1))
    choices = [int(s) for s in group.exact_samples() if not identity[int(s)]]
    return int(rng.choice(choices)) if choices else None


def _with_element(arrays: dict, group: AffineGroup, space: Space, rng, layer) -> int | None:
    """Add h, x_h = L_h x and y_h = layer(x_h) to a case's arrays; return h."""
    h = _test_element(group, rng)
    if h is not None:
        element = group.point_elements()[h]
        x_h = np.asarray(transform(arrays["x"], element, space))
        arrays.update(h=np.array(h), x_h=x_h, y_h=layer(x_h))
    return h


def _groupy_bank(w: np.ndarray, group: AffineGroup, kind: Kind) -> np.ndarray:
    """The expanded bank (C_out, S, C_in, S_in, *K^d) conv2d / conv3d takes (for the true
    G-convolution, the bank of the inverted filter)."""
    if isinstance(group, SemidirectProduct):
        return np.asarray(LatticeBank(group, kind).expand_groupy(w))
    bank = bank_for(group, kind)
    expanded = np.asarray(bank.expand(w))              # (C_out S, *K^d, C_in S_in)
    d, size = group.dim, expanded.shape[1]
    c_out, c_in = w.shape[0], w.shape[1]
    return np.moveaxis(expanded.reshape((c_out, bank.output_space.samples) + (size,) * d
                                        + (c_in, bank.input_space.samples)), (-2, -1), (2, 3))


def _spatial(group: AffineGroup, k: int, extra: int = 0, turn: int = 0) -> tuple[int, ...]:
    """A case's input sides for an expanded kernel of side k: k + 2, k + 3 (non-square) on the
    square lattice, k + 1, k + 2, k + 3 in 3D, moved round by ``turn`` places (the padding:
    k + 3, k + 2 for odd ones in 2D, so that the set holds inputs taller than wide as well as
    wider than tall); on the line k + 2 for an even ``turn``, k + 3 for an odd one (so that
    outputs of both parities occur: n + 2p - k + 1 is odd, then even); square of odd side on
    the hexagonal lattice."""
    if group.lattice == "hexagonal":
        n = k + 2 + extra
        return (n + (n % 2 == 0),) * 2
    if group.dim == 1:
        return (k + extra + 2 + turn % 2,)
    first = k + extra + (1 if group.dim == 3 else 2)
    sides = [first + a for a in range(group.dim)]
    turn %= group.dim
    return tuple(sides[-turn:] + sides[:-turn]) if turn else tuple(sides)


def _batch(group: AffineGroup) -> int:
    """Two inputs per case: a layer that handles the first image only does not pass."""
    return 2


def _correlation_case(group: AffineGroup, kind: Kind, k: int, p: int, stride: int,
                      dilation: int, bias: bool, seed: int, suffix: str) -> Case:
    case_id = f"{_slug(group.name)}-{kind.value}-k{k}-p{p}{suffix}"
    rng = _rng(seed, case_id)
    d = group.dim
    axis = (group.samples,) if kind.reads_group else ()
    size = _spatial(group, group.kernel_size(dilation * (k - 1) + 1), extra=stride - 1, turn=p)
    # channels 2 -> 3 or 3 -> 2 by the parity of k + p, so that each group and kind has both
    # (a layer that reads a fixed number of channels, whatever it is given, fails some cases)
    c_in, c_out = (2, 3) if (k + p) % 2 == 0 else (3, 2)
    batch = _batch(group)
    s_in = group.weight_samples if kind.reads_group else 1
    outputs = math.prod((n + 2 * p - dilation * (k - 1) - 1) // stride + 1 for n in size)
    # the longest sum: an output (C_in S_in k^d terms), an input gradient (C_out S k^d) or a
    # weight gradient (B S outputs)
    most = _most(max(max(c_in * s_in, c_out * group.samples) * k**d,
                     batch * group.samples * outputs))
    x = _integers(rng, (batch, c_in) + axis + size, most)
    w = _integers(rng, (c_out, c_in) + ((s_in,) if kind.reads_group else ()) + (k,) * d, most)
    mask = domain_mask(group, size)
    if mask is not None:                       # functions on the hexagon: zero outside
        x, w = x * mask, w * domain_mask(group, (k, k))
    b = _integers(rng, (c_out,), most) if bias else None
    options = dict(padding=p, stride=stride, dilation=dilation)

    def layer(inputs):
        return reference(inputs, w, group, kind.value, bias=b, **options)

    y = layer(x)
    dy = _integers(rng, y.shape, most)
    mask_out = domain_mask(group, y.shape[-2:]) if group.lattice == "hexagonal" else None
    if mask_out is not None:
        dy = dy * mask_out
    grads = vjp(x, w, dy, group, kind.value, bias=bias, **options)
    arrays = {"x": x, "w": w, "y": y, "bank": _groupy_bank(w, group, kind), "dy": dy,
              **{key: value for key, value in grads.items()}}
    if bias:
        arrays["b"] = b
    _with_element(arrays, group, kind.input_space(group), rng, layer)
    tolerance = 0.0 if isinstance(group, SemidirectProduct) else SAMPLED_TOLERANCE
    return Case(case_id, group.name, kind.value, k, p, arrays, stride, dilation, bias, {},
                tolerance)


def _layer_case(group: AffineGroup, kind: str, option: str, seed: int) -> Case:
    case_id = f"{_slug(group.name)}-{kind}-{option}"
    rng = _rng(seed, case_id)
    space = Space.on_group(group)
    size = {1: (6,), 2: (4, 6), 3: (2, 4, 6)}[group.dim]   # (sides that differ: axes mixed
    #                                                         up show)
    if kind == "spatial_pool":      # odd sides: a window that does not fit is dropped (floor)
        size = tuple(n + 1 for n in size)
    shape = (_batch(group), 3, group.samples) + size
    tolerance, options = 0.0, {}
    if kind == "subgroup_pool":
        layer = SubgroupPool(option, space=space)
        options = {"reduction": option}
    elif kind == "spatial_pool":
        layer = SpatialPool(2, 2, option, space=space)
        options = {"reduction": option, "size": 2, "stride": 2}
    else:
        layer = BatchNorm(shape[1], dtype=np.float64)
        layer.params["gamma"][...] = rng.choice([-3, -2, -1, 1, 2, 3], size=shape[1])
        layer.params["beta"][...] = _integers(rng, (shape[1],))
        if option == "eval":   # running statistics, one per channel, as training leaves them
            layer.set_buffer("running_mean", _integers(rng, (shape[1],)).astype(np.float64))
            layer.set_buffer("running_var", rng.choice([0.5, 2.0, 4.0, 9.0], size=shape[1]))
        options = {"eps": layer.eps, "training": option == "train"}
        tolerance = BATCHNORM_TOLERANCE
    x = _distinct(rng, shape) if option == "max" else _integers(rng, shape)
    # a mean over S samples, S not a power of two (the cube's 24): exact where every sum over
    # the point axis is a multiple of S (the last sample evens it up) and dy too
    whole = group.samples if option == "mean" and group.samples & (group.samples - 1) else 1
    if whole > 1:
        x[:, :, -1] -= np.sum(x, axis=2) % whole
    training = options.get("training", True)
    running = {name: getattr(layer, name).copy() for name in layer.buffers}
    y, cache = layer.forward(x, training=training)
    dy = _integers(rng, y.shape) * whole
    dx, grads = layer.backward(cache, dy)
    arrays = {"x": x, "y": np.asarray(y), "dy": dy, "dx": np.asarray(dx)}
    if kind == "batchnorm":
        arrays.update(gamma=layer.params["gamma"].copy(), beta=layer.params["beta"].copy(),
                      dgamma=grads["gamma"], dbeta=grads["beta"])
        if not training:
            arrays.update(running)

    def forward_only(inputs):
        fresh = BatchNorm(shape[1], dtype=np.float64) if kind == "batchnorm" else layer
        if kind == "batchnorm":
            fresh.params.update(gamma=arrays["gamma"], beta=arrays["beta"])
            for name, value in running.items():
                fresh.set_buffer(name, value)
        return np.asarray(fresh.forward(inputs, training=training)[0])

    _with_element(arrays, group, space, rng, forward_only)
    return Case(case_id, group.name, kind, 0, 0, arrays, options=options, tolerance=tolerance)


_LAYER_OPTIONS = {"subgroup_pool": ("max", "mean"), "spatial_pool": ("max", "mean"),
                  "batchnorm": ("train", "eval")}


def _check_names(kinds: Sequence[str], variants: Sequence[str]) -> None:
    for what, values, allowed in (("kinds", kinds, KINDS), ("variants", variants, VARIANTS)):
        if isinstance(values, str):
            hint = f": [{values!r}]" if values in allowed else did_you_mean(values, allowed)
            raise ValueError(f"{what} must be a list of {allowed}, got the string "
                             f"{values!r}{hint}")
        if not isinstance(values, Iterable):
            raise TypeError(f"{what} must be a list of {allowed}, got {values!r}")
        if not all(v in allowed for v in values):
            wrong = next(v for v in values if v not in allowed)
            raise ValueError(f"{what} must be a list of {allowed}, got {values!r}"
                             f"{did_you_mean(wrong, allowed)}")


def cases(groups: Sequence[AffineGroup | str] = tuple(WALLPAPER),
          ks: Iterable[int] | None = None, seed: int = 0, *,
          kinds: Sequence[str] = CORRELATIONS, variants: Sequence[str] = ()) -> Iterator[Case]:
    """Every case of ``groups`` and ``kinds``: each correlation with every kernel size in ``ks``
    and every padding 0..k-1, each of ``variants`` (stride 2, dilation 2, a bias, all three)
    at k = 3 (k = 2 in 3D) with padding 1, and the layers of ``LAYERS`` named in ``kinds``.

    Inputs are non-square on the hypercubic lattices and square of odd side, zero outside the
    hexagon, on the hexagonal lattice (k odd there). ``ks`` defaults to 1..5 (1..3 in 3D).

    Parameters
    ----------
    groups : sequence of AffineGroup or str
        Any registered groups (the sampled ones: lifting and correlation only; the layers'
        cases on the line, the square and the cubic lattice only). A request that gives no
        case at all is a ValueError that says why.
    ks : iterable of int, optional
        Kernel sizes of the plain correlation cases.
    seed : int
        Each case draws from its own generator (the seed and the case's id).
    kinds : sequence of str
        Some of ``KINDS``.
    variants : sequence of str
        Some of ``VARIANTS`` (lattice groups; stride not on the hexagonal lattice).

    Returns
    -------
    iterator of Case

    Examples
    --------
    >>> from groupconv import conformance
    >>> [c.id for c in conformance.cases(["p4"], ks=[2], kinds=["lifting"])]
    ['p4-lifting-k2-p0', 'p4-lifting-k2-p1']
    """
    _check_names(kinds, variants)
    if isinstance(ks, (str, bytes)) or (ks is not None and not isinstance(ks, Iterable)):
        raise TypeError(f"ks must be kernel sizes (ints), got {ks!r}")
    wanted = None if ks is None else tuple(integer(k, "ks: a kernel size", 1, MAX_K)
                                           for k in ks)
    named = [get_group(name) for name in
             ([groups] if isinstance(groups, (str, AffineGroup)) else groups)]
    count = 0
    for group in named:
        for case in _group_cases(group, wanted, seed, kinds, variants):
            count += 1
            yield case
    if count == 0 and named:            # asked for, and nothing to give: said, not silent
        sizes = "" if wanted is None else f" with k in {list(wanted)}"
        raise ValueError(f"no conformance case of the kinds {list(kinds)}{sizes} on "
                         f"{', '.join(group.name for group in named)}: on the hexagonal lattice "
                         f"k is odd, the convolution and the variants need a lattice group, and "
                         f"the layers' cases (pools, batch normalisation) a group with a point "
                         f"axis on the line, the square or the cubic lattice")


def _group_cases(group: AffineGroup, wanted: tuple[int, ...] | None, seed: int,
                 kinds: Sequence[str], variants: Sequence[str]) -> Iterator[Case]:
    """The cases of one group (``cases``)."""
    lattice = isinstance(group, SemidirectProduct)
    hexagonal = group.lattice == "hexagonal"
    for kind in (Kind.parse(k) for k in kinds if k in CORRELATIONS):
        if kind is Kind.CONVOLUTION and not lattice:
            continue
        default = (1, 2, 3) if group.dim == 3 else (1, 2, 3, 4, 5)
        if getattr(group, "disk", False):      # (SE(2)_N's disk holds no pixel of a 2 x 2)
            default = tuple(k for k in default if k != 2)
        for k in default if wanted is None else wanted:
            if k % 2 or not hexagonal:
                for p in range(k):
                    yield _correlation_case(group, kind, k, p, 1, 1, False, seed, "")
        for variant in (variants if lattice else ()):
            stride = 2 if variant in ("stride", "all") and not hexagonal else 1
            dilation = 2 if variant in ("dilation", "all") else 1
            bias = variant in ("bias", "all")
            if variant == "stride" and hexagonal:
                continue
            suffix = "".join([f"-s{stride}" if stride > 1 else "",
                              f"-d{dilation}" if dilation > 1 else "",
                              "-bias" if bias else ""])
            k = 2 if group.dim == 3 else 3
            yield _correlation_case(group, kind, k, 1, stride, dilation, bias, seed, suffix)
    for kind in (k for k in kinds if k in LAYERS):
        if group.samples > 1 and group.lattice in ("line", "square", "cubic"):
            for option in _LAYER_OPTIONS[kind]:
                yield _layer_case(group, kind, option, seed)


def shipped(seed: int = 0) -> Iterator[Case]:
    """The cases of the set shipped with groupconv (``SHIPPED_PLAN``), computed afresh."""
    for groups, kinds, ks, variants in SHIPPED_PLAN:
        if ks:
            yield from cases(groups, ks, seed, kinds=kinds)
        if variants or not ks:
            yield from cases(groups, (), seed, kinds=kinds, variants=variants)


def _entry(case: Case, file: str) -> dict[str, Any]:
    h = case.arrays.get("h")
    return {"file": file, "id": case.id, "group": case.group, "kind": case.kind, "k": case.k,
            "padding": case.padding, "stride": case.stride, "dilation": case.dilation,
            "bias": case.bias, "options": dict(case.options), "tolerance": case.tolerance,
            "exact": case.exact, "dtype": "float64", "x_shape": list(case["x"].shape),
            "y_shape": list(case["y"].shape), "h": None if h is None else int(h)}


def _compact(a: np.ndarray) -> np.ndarray:
    """An integer-valued array in the smallest integer type that holds it (the files stay
    small); anything else as it is."""
    if a.dtype.kind != "f" or not np.array_equal(a, np.round(a)):
        return a
    for dtype in (np.int8, np.int16, np.int32):
        info = np.iinfo(dtype)
        if a.size == 0 or (a.min() >= info.min and a.max() <= info.max):
            return a.astype(dtype)
    return a


def write(out: str | pathlib.Path, groups: Sequence[str] = tuple(WALLPAPER), seed: int = 0,
          ks: Iterable[int] | None = None, *, kinds: Sequence[str] = CORRELATIONS,
          variants: Sequence[str] = (), which: Iterable[Case] | None = None) -> dict[str, Any]:
    """Write every case as DIR/<id>.npz and DIR/manifest.json; returns the manifest.

    Parameters
    ----------
    out : str or pathlib.Path
        The folder (made if missing).
    groups, seed, ks, kinds, variants
        As in ``cases``.
    which : iterable of Case, optional
        The cases to write instead (e.g. ``shipped()``).

    Returns
    -------
    dict
        The manifest.

    Examples
    --------
    >>> import tempfile
    >>> from groupconv import conformance
    >>> manifest = conformance.write(tempfile.mkdtemp(), ["p4"], ks=[1])
    >>> [c["id"] for c in manifest["cases"]]
    ['p4-lifting-k1-p0', 'p4-correlation-k1-p0', 'p4-convolution-k1-p0']
    """
    from .. import __version__

    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    out = pathlib.Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"the output folder {str(out)!r} is a file; name a folder")
    found = list(cases(groups, ks, seed, kinds=kinds, variants=variants) if which is None
                 else which)
    if not all(isinstance(case, Case) for case in found):
        raise TypeError(f"which must be conformance Cases, got "
                        f"{sorted({type(c).__name__ for c in found if not isinstance(c, Case)})}")
    if not found:       # (groups that give no case: cases() says why)
        raise ValueError("no case to write: which is empty, or no group was given")
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for case in found:
        file = f"{case.id}.npz"
        np.savez_compressed(out / file, **{key: _compact(value)
                                           for key, value in case.arrays.items()})
        entries.append(_entry(case, file))
    manifest = {"library": "groupconv", "version": __version__, "seed": seed,
                "conventions": CONVENTIONS_TEXT, "cases": entries}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


def names_given(value: Any, name: str) -> list[str] | None:
    """``groups=`` or ``kinds=`` as a list: one name as [name], any iterable of names read once
    (a generator is used up by a second read), None as None; a TypeError naming ``name``
    else."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if not isinstance(value, Iterable) or isinstance(value, Mapping):
        raise TypeError(f"{name} must be a name or a sequence of names, got "
                        f"{type(value).__name__}")
    return list(value)


def load(path: str | pathlib.Path | None = None, *, groups: Sequence[str] | None = None,
         kinds: Sequence[str] | None = None) -> list[Case]:
    """The cases of a conformance folder (default: the set shipped with groupconv), ready for
    ``pytest.mark.parametrize("case", load(), ids=lambda c: c.id)``.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        A folder written by ``write`` (default ``SHIPPED``).
    groups : sequence of str, optional
        Keep the cases of these groups only (any registered name, any case); a group the
        folder holds no case of (among ``kinds``) is a ValueError that names it, never left
        out in silence.
    kinds : sequence of str, optional
        Keep the cases of these kinds only (``KINDS``).

    Returns
    -------
    list of Case

    Examples
    --------
    >>> from groupconv import conformance
    >>> [c.id for c in conformance.load(groups=["p4"], kinds=["subgroup_pool"])]
    ['p4-subgroup_pool-max', 'p4-subgroup_pool-mean']
    """
    if path is not None and not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"load: path must be a folder's path (str or path-like), got "
                        f"{type(path).__name__}")
    groups, kinds = names_given(groups, "load: groups"), names_given(kinds, "load: kinds")
    folder = SHIPPED if path is None else pathlib.Path(path)
    if not (folder / "manifest.json").is_file():
        raise ValueError(f"{str(folder)!r} holds no manifest.json: name a folder written by "
                         f"groupconv conformance --out")
    wanted_groups = None if groups is None else {_group_named(g).name for g in groups}
    if kinds is not None:
        _check_names(kinds, ())
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except (ValueError, RecursionError) as error:     # (nested too deep for the decoder)
        raise ValueError(f"{str(folder / 'manifest.json')!r} is not JSON a manifest can be: "
                         f"{type(error).__name__}: {error}") from None
    entries = manifest.get("cases") if isinstance(manifest, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f"{str(folder / 'manifest.json')!r} has no list of cases (schema: "
                         f"docs/conformance.md)")
    found = []
    for number, entry in enumerate(entries):
        _check_entry(entry, number, folder)
        if wanted_groups is not None and get_group(entry["group"]).name not in wanted_groups \
                or kinds is not None and entry["kind"] not in kinds:
            continue
        try:
            with np.load(folder / entry["file"], allow_pickle=False) as data:
                arrays = {key: data[key] for key in data.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as error:
            raise ValueError(f"case {number} of {str(folder)!r}: {entry['file']!r} cannot be "
                             f"read ({type(error).__name__}: {error})") from error
        try:               # real and finite first, then in float64 (h: element indices)
            _check_arrays(entry["kind"], entry.get("bias", False), arrays,
                          entry.get("options", {}).get("training"))   # (checked: a mapping)
            found.append(Case(entry.get("id", entry["file"].removesuffix(".npz")),
                              entry["group"], entry["kind"], entry["k"], entry["padding"],
                              {key: a if key == "h" else a.astype(np.float64)
                               for key, a in arrays.items()},
                              entry.get("stride", 1), entry.get("dilation", 1),
                              entry.get("bias", False), entry.get("options", {}),
                              entry.get("tolerance", 0.0)))
        except (TypeError, ValueError) as error:
            raise ValueError(f"case {number} of {str(folder)!r}, {entry['file']!r}: "
                             f"{error}") from None
    if groups is not None:
        held = {get_group(case.group).name for case in found}
        missing = [name for name in dict.fromkeys(_group_named(g).name for g in groups)
                   if name not in held]
        if missing:
            source = "the shipped set" if path is None else repr(str(folder))
            among = "" if kinds is None else f" among the kinds {list(kinds)}"
            everything = sorted({get_group(entry["group"]).name for entry in entries})
            raise ValueError(f"{source} holds no case of {', '.join(missing)}{among} (its "
                             f"groups: {', '.join(everything)}): write cases of "
                             f"{'them' if len(missing) > 1 else 'it'} with groupconv "
                             f"conformance --out DIR --groups {' '.join(missing)}, and read "
                             f"that folder (--cases DIR, load(DIR))")
    return found


def _check_entry(entry: Any, number: int, folder: pathlib.Path) -> None:
    """A manifest's case as the schema has it (docs/conformance.md), or a ValueError saying
    which field of which case is wrong: a tolerance of 1e300 would let any layer pass."""
    where = f"case {number} of {str(folder / 'manifest.json')!r}"
    if not isinstance(entry, dict):
        raise ValueError(f"{where} must be an object, got {type(entry).__name__}")
    for key in ("file", "group", "kind", "k", "padding"):
        if key not in entry:
            raise ValueError(f"{where} has no {key!r}")
    if not isinstance(entry["file"], str) or pathlib.Path(entry["file"]).name != entry["file"]:
        raise ValueError(f"{where}: file must be a file name in the folder, got "
                         f"{entry['file']!r}")
    try:
        get_group(entry["group"])          # (a case built in code may name a group unregistered)
        _check_fields(entry["group"], entry["kind"], entry["k"], entry["padding"],
                      entry.get("stride", 1), entry.get("dilation", 1),
                      entry.get("bias", False), entry.get("options", {}),
                      entry.get("tolerance", 0.0))
    except UnknownGroup as error:
        raise ValueError(f"{where}: {error}; a group of your own: register it first "
                         f"(groupconv.register), or on the command line name it with --groups "
                         f"MODULE:NAME, which imports and registers it") from error
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: {error}") from error


#: The settings each layer's case holds in its options, and what each must be.
_OPTIONS = {"subgroup_pool": {"reduction": ("max", "mean")},
            "spatial_pool": {"reduction": ("max", "mean"), "size": int, "stride": int},
            "batchnorm": {"eps": float, "training": bool}}


def _check_fields(group: Any, kind: Any, k: Any, padding: Any, stride: Any, dilation: Any,
                  bias: Any, options: Any, tolerance: Any) -> None:
    """A case's settings as the schema has them (docs/conformance.md), or a ValueError that
    names the one that is not: a tolerance of 1e300 would let any layer pass, a pooling case
    without its reduction could not say what a layer got wrong."""
    if not isinstance(group, str):
        raise TypeError(f"group must be a group's name, got {type(group).__name__}")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    for key, value, low in (("k", k, 0), ("padding", padding, 0), ("stride", stride, 1),
                            ("dilation", dilation, 1)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{key} must be an int >= {low}, got {value!r}")
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or \
            not 0 <= tolerance <= MAX_TOLERANCE:
        raise ValueError(f"tolerance must be a number in [0, {MAX_TOLERANCE:g}] (a relative "
                         f"rounding error), got {tolerance!r}")
    if not isinstance(bias, bool) or not isinstance(options, Mapping):
        raise ValueError(f"bias must be true or false and options a mapping, got "
                         f"{bias!r} and {options!r}")
    for key, wanted in _OPTIONS.get(kind, {}).items():
        value = options.get(key)
        if isinstance(wanted, tuple):
            right = value in wanted
        elif wanted is bool:
            right = isinstance(value, bool)
        elif wanted is int:
            right = isinstance(value, int) and not isinstance(value, bool) and value >= 1
        else:
            right = isinstance(value, (int, float)) and not isinstance(value, bool) and \
                0 < value < 1
        if not right:
            expected = f"one of {wanted}" if isinstance(wanted, tuple) else \
                {bool: "true or false", int: "an int >= 1"}.get(wanted, "a number in (0, 1)")
            raise ValueError(f"a {kind} case's options need {key!r}, {expected}, got "
                             f"{'nothing' if key not in options else repr(value)}")


def _check_arrays(kind: str, bias: bool, arrays: Any, training: Any = None) -> None:
    """A case's arrays as a layer is judged against them: x and y (and w for a correlation,
    b with a bias, gamma and beta for batch normalisation, and its running_mean and
    running_var in evaluation mode, ``training`` False), each real and finite, with one
    batch; or a ValueError that names the array (an expected output of NaNs, or one made
    complex and read as real, would judge a right layer wrong or a wrong one right)."""
    if not isinstance(arrays, Mapping):
        raise TypeError(f"arrays must be a mapping of names to arrays, got "
                         f"{type(arrays).__name__}")
    needed = ["x", "y"] + (["w"] if kind in CORRELATIONS else []) + \
        (["b"] if bias else []) + (["gamma", "beta"] if kind == "batchnorm" else []) + \
        (["running_mean", "running_var"] if kind == "batchnorm" and training is False else [])
    lacking = [key for key in needed if key not in arrays]
    if lacking:
        raise ValueError(f"a {kind} case{' with a bias' * bias} holds {', '.join(needed)}; "
                         f"it has no {' and no '.join(lacking)}")
    for key, a in arrays.items():
        if not isinstance(a, np.ndarray) or a.dtype.kind not in "fiu" or \
                key == "h" and a.dtype.kind == "f":
            what = a.dtype if isinstance(a, np.ndarray) else type(a).__name__
            raise ValueError(f"the case's {key!r} must be a NumPy array of real numbers "
                             f"({'integers' if key == 'h' else 'floats or integers'}), got "
                             f"{what}")
        if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
            raise ValueError(f"the case's {key!r} holds NaN or infinite values: a case is "
                             f"finite")
    x, y = arrays["x"], arrays["y"]
    if x.ndim < 3 or y.ndim < 3 or 0 in x.shape or x.shape[0] != y.shape[0]:
        raise ValueError(f"the case's x and y must be non-empty (B, C, ...) arrays of one "
                         f"batch B, got shapes {x.shape} and {y.shape}")
    if kind == "batchnorm":          # one value per channel; a variance is not negative
        for key in ("gamma", "beta", "running_mean", "running_var"):
            if key in arrays and arrays[key].shape != (x.shape[1],):
                raise ValueError(f"the case's {key!r} must have one value per channel of x, "
                                 f"shape ({x.shape[1]},), got {arrays[key].shape}")
        if "running_var" in arrays and np.any(arrays["running_var"] < 0):
            raise ValueError("the case's 'running_var' holds negative values: a variance is "
                             "not negative")
    for grad, key in (("dx", "x"), ("dy", "y"), ("dw", "w"), ("db", "b"), ("dgamma", "gamma"),
                      ("dbeta", "beta")):   # a gradient has its array's shape
        if grad in arrays and key in arrays and arrays[grad].shape != arrays[key].shape:
            raise ValueError(f"the case's {grad!r} must have the shape of {key!r}, "
                             f"{arrays[key].shape}, got {arrays[grad].shape}")
