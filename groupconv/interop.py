"""Other libraries' conventions, as data, and converters to and from groupconv's.

A regular feature field in another library is an array whose point axis holds the values at
that library's group elements, in its own order, often flattened with the channels; its
expanded filter bank, as fed to conv2d / conv3d, is (C_out·S, C_in·S_in, *k^d). Conventions
differ by the order of the elements (what each index on the point axis means) and by the
layout of the arrays. Derivations and tables: docs/interop.md.

An element order σ is a permutation of 0..S-1 read in one direction only: **the convention's
element j is groupconv's element σ[j]**, so a field converts as ours[:, c, σ[j]] =
theirs[:, c, j]. Every converter takes, as ``convention``, a name (``CONVENTIONS``) or such a
σ itself (a sequence of S distinct indices, for any registered group, in any dimension). The
names:

    groupconv           every registered group: σ the identity
    groupy              z2, p4, p4m: the identity (GrouPy's conventions are groupconv's)
    escnn, e2cnn        the 13 wallpaper groups (C_N and D_N: element j = f N + θ is
                        R^θ F^f, "flip first, then rotate"), and for escnn the octahedral
                        group on R^3 (P432, ``octaOnR3``); measured with escnn 1.0.11 on the
                        square lattice and on P432, derived on the hexagonal lattice
    hexaconv            z2, p4, p4m (GrouPy's) and p6, p6m (HexaConv's axial coordinates turn
                        the other way: element 6m + r is M^m R6^-r)

``ELEMENT_ORDER[convention][group]`` holds σ for every named pair, ``GENERATORS`` the matrices
each named convention builds its elements from (in groupconv's coordinates: (u, v) = (row,
column) in 2D). Layouts (``LAYOUTS``): "flat_cs" (B, C·S, *n), the default; "flat_sc"
(B, S·C, *n); "split" (B, C, S, *n); "last_cs" (B, *n, C·S) and "last_sc" (B, *n, S·C) with
the channels last (NHWC).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import numpy as np

from array_api_compat import array_namespace, device

from .arguments import did_you_mean, real_array
from .fast.backend import namespace, to_numpy
from .fast.banks import LatticeBank, bank_for
from .fast.validation import check_weights
from .groups import AffineGroup, Kind, SemidirectProduct, get_group

__all__ = ["CONVENTIONS", "ELEMENT_ORDER", "GENERATORS", "LAYOUTS", "DEFAULT_TOLERANCE",
           "ESCNN_OCTAHEDRAL_AXES", "element_order", "order_of_matrices", "fields_to_groupconv",
           "fields_from_groupconv", "weights_from_bank", "bank_from_weights"]

#: The named conventions (element orders); any permutation of 0..S-1 is one too.
CONVENTIONS = ("groupconv", "groupy", "escnn", "e2cnn", "hexaconv")
#: The layouts of regular fields: flat C·S or S·C channels, split (C, S), channels last.
LAYOUTS = ("flat_cs", "flat_sc", "split", "last_cs", "last_sc")
#: Each layout's shape, in words (for errors).
_SHAPES = {"flat_cs": "(B, C·S, *n)", "flat_sc": "(B, S·C, *n)", "split": "(B, C, S, *n)",
           "last_cs": "(B, *n, C·S)", "last_sc": "(B, *n, S·C)"}

_I = ((1, 0), (0, 1))
_HALF_TURN = ((-1, 0), (0, -1))
_R = ((0, -1), (1, 0))            # np.rot90(x, 1): the same sense in GrouPy and escnn
_UP_DOWN = ((-1, 0), (0, 1))      # groupconv's and GrouPy's mirror M
_LEFT_RIGHT = ((1, 0), (0, -1))   # escnn's default flip (axis pi/2) = M R^2
_DIAGONAL = ((0, 1), (1, 0))      # S: the mirror across the line u = v
_R3 = ((-1, -1), (1, 0))          # 120 degrees in axial coordinates
_R6 = ((0, -1), (1, 1))           # 60 degrees: e1 -> e2
_ALONG_E1 = ((1, 1), (0, -1))     # the mirror across the line of e1
_ACROSS_E1 = ((-1, -1), (0, 1))   # the mirror across the line perpendicular to e1
_R6_CLOCKWISE = ((1, 1), (-1, 0))  # HexaConv's 60-degree turn, R6^-1 on groupconv's arrays

#: convention -> group -> {generator: matrix in groupconv's coordinates}. escnn and e2cnn
#: build C_N from "rotation" (by 2 pi / N) and D_N from it and "flip", with element
#: j = f N + θ = R^θ F^f; GrouPy and HexaConv build p4m / p6m as j = m N + r = M^m R^r.
GENERATORS: Mapping[str, Mapping[str, Mapping[str, tuple]]] = MappingProxyType({
    "groupy": MappingProxyType({
        "z2": MappingProxyType({}),
        "p4": MappingProxyType({"r": _R}),
        "p4m": MappingProxyType({"m": _UP_DOWN, "r": _R}),
    }),
    "escnn": MappingProxyType({
        "z2": MappingProxyType({"rotation": _I}),
        "p2": MappingProxyType({"rotation": _HALF_TURN}),
        "pm": MappingProxyType({"rotation": _I, "flip": _UP_DOWN}),            # axis 0
        "cm": MappingProxyType({"rotation": _I, "flip": _DIAGONAL}),           # axis 3 pi / 4
        "pmm": MappingProxyType({"rotation": _HALF_TURN, "flip": _LEFT_RIGHT}),  # pi / 2
        "cmm": MappingProxyType({"rotation": _HALF_TURN, "flip": _DIAGONAL}),  # 3 pi / 4
        "p4": MappingProxyType({"rotation": _R}),
        "p4m": MappingProxyType({"rotation": _R, "flip": _LEFT_RIGHT}),        # pi / 2
        "p3": MappingProxyType({"rotation": _R3}),
        "p3m1": MappingProxyType({"rotation": _R3, "flip": _ACROSS_E1}),       # axis 0
        "p31m": MappingProxyType({"rotation": _R3, "flip": _ALONG_E1}),        # pi / 2
        "p6": MappingProxyType({"rotation": _R6}),
        "p6m": MappingProxyType({"rotation": _R6, "flip": _ALONG_E1}),         # pi / 2
    }),
    "hexaconv": MappingProxyType({
        "z2": MappingProxyType({}),
        "p4": MappingProxyType({"r": _R}),
        "p4m": MappingProxyType({"m": _UP_DOWN, "r": _R}),
        "p6": MappingProxyType({"r": _R6_CLOCKWISE}),
        "p6m": MappingProxyType({"m": _ACROSS_E1, "r": _R6_CLOCKWISE}),
    }),
})

#: escnn's octaOnR3: its element j (the j-th of ``group.elements``, quaternions, the order of
#: the regular representation's basis) is groupconv's P432 element σ[j]. Derived from escnn's
#: standard representation ρ: groupconv's matrix of σ[j] is P ρ(g_j) P^T with P the map from
#: escnn's (x, y, z) to groupconv's (u, v, w) below; measured against escnn's banks.
_ESCNN_OCTAHEDRAL = (4, 6, 2, 0, 16, 14, 12, 22, 8, 20, 18, 10, 13, 21, 1, 3, 17, 11, 9, 15,
                     23, 19, 7, 5)
#: escnn's (x, y, z) in groupconv's (u, v, w) = (depth, row, column), the columns of P: x = -w,
#: y = v, z = u (a proper rotation of frames, det P = 1, so that escnn's rotation by an angle
#: about an axis a is groupconv's rotation by that angle about P a; -P conjugates alike).
ESCNN_OCTAHEDRAL_AXES = ((0, 0, 1), (0, 1, 0), (-1, 0, 0))


def _from_generators(group_name: str, generators: Mapping[str, tuple], flip_first: bool
                     ) -> tuple[int, ...]:
    """σ of a convention whose elements are R^θ F^f (``flip_first``: escnn's j = f N + θ) or
    M^m R^r (GrouPy's j = m N + r), read off the group's own matrices."""
    stab = get_group(group_name).stabiliser
    d = stab.dim
    mats = {name: np.array(m, dtype=np.int64) for name, m in generators.items()}
    rotation = mats.get("rotation", mats.get("r", np.eye(d, dtype=np.int64)))
    flip = mats.get("flip", mats.get("m"))
    n = next(a for a in range(1, 7) if np.array_equal(np.linalg.matrix_power(rotation, a),
                                                       np.eye(d, dtype=np.int64)))
    sigma = []
    for f in ((0, 1) if flip is not None else (0,)):
        for theta in range(n):
            turn = np.linalg.matrix_power(rotation, theta)
            mirror = np.linalg.matrix_power(flip, f) if flip is not None else \
                np.eye(d, dtype=np.int64)
            sigma.append(stab.index_of_matrix(turn @ mirror if flip_first else mirror @ turn))
    if sorted(sigma) != list(range(stab.order)):
        raise AssertionError(f"the generators of {group_name} do not give its elements")
    return tuple(sigma)


def _orders() -> Mapping[str, Mapping[str, tuple[int, ...]]]:
    escnn = {name: _from_generators(name, gens, True) for name, gens in GENERATORS["escnn"].items()}
    groupy = {name: _from_generators(name, gens, False)
              for name, gens in GENERATORS["groupy"].items()}
    hexaconv = {name: _from_generators(name, gens, False)
                for name, gens in GENERATORS["hexaconv"].items()}
    return MappingProxyType({
        "groupy": MappingProxyType(groupy),
        "escnn": MappingProxyType(dict(escnn, p432=_ESCNN_OCTAHEDRAL)),
        "e2cnn": MappingProxyType(escnn),
        "hexaconv": MappingProxyType(hexaconv),
    })


#: convention -> group name (lower case) -> σ: the convention's element j is groupconv's σ[j].
#: ("groupconv" is the identity on every registered group and is not listed.)
ELEMENT_ORDER: Mapping[str, Mapping[str, tuple[int, ...]]] = _orders()

#: Largest relative deviation from a G-bank that ``weights_from_bank`` accepts by default:
#: escnn samples its bases in float32, so its banks are G-banks only to about 1e-6 (up to
#: 1.2e-6 measured at k = 11; docs/interop.md), and 1e-5 leaves a margin.
DEFAULT_TOLERANCE = 1e-5


def element_order(convention: str | Sequence[int] | np.ndarray,
                  group: AffineGroup | str) -> np.ndarray:
    """σ for ``convention`` on ``group``: the convention's element j is groupconv's σ[j].

    Parameters
    ----------
    convention : str or sequence of int
        A name in ``CONVENTIONS`` or an explicit order: S distinct indices 0..S-1, σ itself
        (or written as the command line takes it, "0,3,2,1").
    group : AffineGroup or str
        Any registered group (any dimension, lattice or sampled).

    Returns
    -------
    numpy.ndarray
        σ, int64 of length S.

    Examples
    --------
    >>> from groupconv import interop
    >>> interop.element_order("escnn", "p4m").tolist()
    [0, 1, 2, 3, 6, 5, 4, 7]
    >>> interop.element_order("hexaconv", "p6").tolist()
    [0, 5, 4, 3, 2, 1]
    >>> interop.element_order([0, 3, 2, 1], "pmm").tolist()
    [0, 3, 2, 1]
    >>> interop.element_order("0,3,2,1", "p4").tolist()
    [0, 3, 2, 1]
    """
    group = get_group(group)
    s = group.samples
    if isinstance(convention, str) and ("," in convention or convention.strip().isdigit()):
        try:            # "0,3,2,1", as the CLI takes it (or "0", a one-element group's)
            convention = [int(v) for v in convention.split(",")]
        except ValueError:
            raise ValueError(f"convention must be a name or indices such as '0,3,2,1', got "
                             f"{convention!r}") from None
    if isinstance(convention, str):
        named = convention.strip().lower()
        convention = named if named in CONVENTIONS else convention
        if convention == "groupconv":
            return np.arange(s, dtype=np.int64)
        if convention not in CONVENTIONS:
            raise ValueError(f"convention must be one of {CONVENTIONS} or an element order (a "
                             f"permutation of 0..S-1), got {convention!r}"
                             f"{did_you_mean(convention, CONVENTIONS)}")
        name = group.name.lower()
        if name not in ELEMENT_ORDER[convention] or get_group(name) != group:
            raise ValueError(f"the {convention} convention is recorded for the registered "
                             f"groups {sorted(ELEMENT_ORDER[convention])}, not for this "
                             f"{group.name} (another group, or its elements in another order); "
                             f"give the element order itself (convention=[...], S = {s} "
                             f"indices)")
        return np.array(ELEMENT_ORDER[convention][name], dtype=np.int64)
    try:
        sigma = np.asarray(convention)
    except (TypeError, ValueError):
        sigma = np.array([])
    if isinstance(convention, (list, tuple)) and any(isinstance(v, (bool, np.bool_))
                                                     for v in convention):
        sigma = np.array([])                   # True is not an index
    if sigma.dtype == bool or sigma.dtype.kind not in "iu" or sigma.ndim != 1 or \
            sorted(sigma.tolist()) != list(range(s)):
        raise ValueError(f"convention must be one of {CONVENTIONS} or an element order: a "
                         f"permutation of 0..{s - 1} (S = {s} for {group.name}), got "
                         f"{convention!r}")
    return sigma.astype(np.int64)


def order_of_matrices(matrices: Any, group: AffineGroup | str, frame: Any = None
                      ) -> np.ndarray:
    """σ for a library whose element j acts by the matrix ``matrices[j]`` on its own
    coordinates: σ[j] is the index of groupconv's element P M_j P^-1, where the frame P maps
    the library's coordinates to groupconv's (array axes, (depth, row, column) in 3D).

    Parameters
    ----------
    matrices : array, (S, d, d)
        The library's point elements, in its order, as matrices (rounded to integers: from
        scipy's rotations, say).
    group : AffineGroup or str
        A lattice group on Z^d whose point group holds them (on the hexagonal lattice, as
        integer matrices in its lattice basis, not Cartesian cos and sin).
    frame : array (d, d), optional
        P: column i is where the library's axis i lies in groupconv's axes (a signed
        permutation; default the identity). (x, y, z) = (W, H, D) is ``[[0, 0, 1], [0, 1, 0],
        [1, 0, 0]]``.

    Returns
    -------
    numpy.ndarray
        σ, int64 of length S, to pass as ``convention=``.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import interop
    >>> quarter = np.array([[0, -1], [1, 0]])          # a library's R, and R^3, R^2, e
    >>> mats = [np.linalg.matrix_power(quarter, r) for r in (1, 3, 2, 0)]
    >>> interop.order_of_matrices(mats, "p4").tolist()
    [1, 3, 2, 0]
    """
    group = get_group(group)
    if not isinstance(group, SemidirectProduct):
        raise TypeError(f"order_of_matrices: group must be a lattice group (its point group's "
                        f"matrices are exact), got {group.name}")
    point, d = group.stabiliser, group.dim
    raw = np.asarray(real_array(matrices, "order_of_matrices: matrices"), dtype=np.float64)
    if raw.shape != (point.order, d, d):
        raise ValueError(f"order_of_matrices: matrices must have shape ({point.order}, {d}, "
                         f"{d}) for {group.name}, got {raw.shape}")
    frame_ = np.eye(d) if frame is None else np.asarray(
        real_array(frame, "order_of_matrices: frame"), dtype=np.float64)
    if frame_.shape == (d, d) and np.allclose(frame_, np.round(frame_), atol=1e-6):
        frame_ = np.round(frame_)                      # (computed in floats: 6e-17 is 0)
    if frame_.shape != (d, d) or not np.array_equal(np.abs(frame_) @ np.abs(frame_).T,
                                                    np.eye(d)):
        raise ValueError(f"order_of_matrices: frame must be a {d} x {d} signed permutation "
                         f"matrix, got {frame_.tolist()}")
    sigma = []
    for j, m in enumerate(raw):
        ours = frame_ @ m @ frame_.T                     # P^-1 = P^T for a signed permutation
        if not np.allclose(ours, np.round(ours), atol=1e-6):
            basis = " (on the hexagonal lattice, give them in its lattice basis)" \
                if group.lattice == "hexagonal" else ""
            raise ValueError(f"order_of_matrices: matrices[{j}] is not an integer matrix in "
                             f"groupconv's frame: {np.round(ours, 6).tolist()}{basis}")
        exact = np.round(ours).astype(np.int64)
        try:
            sigma.append(point.index_of_matrix(exact))
        except ValueError:
            raise ValueError(f"order_of_matrices: matrices[{j}], {exact.tolist()} in "
                             f"groupconv's frame, is not an element of {point.name} (a "
                             f"reflection for a rotation, or another frame?)") from None
    if len(set(sigma)) != len(sigma):
        j = next(i for i, v in enumerate(sigma) if sigma.index(v) != i)
        raise ValueError(f"order_of_matrices: matrices[{j}] repeats matrices"
                         f"[{sigma.index(sigma[j])}]: an order names each element once")
    return np.array(sigma, dtype=np.int64)


def _array(a: Any, what: str, ndim: int, shape: str, hint: str = "") -> Any:
    """An array of real numbers with ``ndim`` axes, in its own library (its values untouched,
    so that a JAX tracer passes under jit); lists as NumPy arrays. ``shape``: the expected
    shape in words, and ``hint`` what the error adds, for the error."""
    if hasattr(a, "shape") and hasattr(a, "dtype") and not isinstance(a, np.ndarray):
        xp = namespace(a, op=what)
        try:
            real = xp.isdtype(a.dtype, ("real floating", "integral"))
        except (TypeError, ValueError):
            real = False
        if not real:
            raise TypeError(f"{what} must be real numbers (a floating or integer dtype), got "
                            f"{a.dtype}")
        arr = a
    else:
        arr = real_array(a, what)
    if arr.ndim != ndim:
        raise ValueError(f"{what} must have {ndim} axes, {shape}, got shape "
                         f"{tuple(arr.shape)}{hint}")
    return arr


def _taken(a: Any, order: np.ndarray, axis: int) -> Any:
    """a[..., order, ...] along ``axis``, in a's library: a gather, which JAX traces."""
    xp = array_namespace(a)
    return xp.take(a, xp.asarray(order, device=device(a)), axis=axis)


def _layout(layout: str) -> str:
    """One of ``LAYOUTS``, read in any case, or a ValueError."""
    named = layout.strip().lower() if isinstance(layout, str) else layout
    if named not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}"
                         f"{did_you_mean(layout, LAYOUTS) if isinstance(layout, str) else ''}")
    return named


def fields_to_groupconv(x: Any, convention: str | Sequence[int],
                        group: AffineGroup | str, *, layout: str = "flat_cs") -> np.ndarray:
    """Regular fields in a convention's element order and layout -> groupconv's
    (B, C, S, *n): ours[b, c, σ[j]] = theirs' value of channel c at their element j.

    Parameters
    ----------
    x : array
        (B, C·S, *n) for "flat_cs" (channel c·S + j), (B, S·C, *n) for "flat_sc"
        (channel j·C + c), (B, C, S, *n) for "split", (B, *n, C·S) / (B, *n, S·C) for
        "last_cs" / "last_sc"; n the group's d spatial sides.
    convention : str or sequence of int
        A name or an element order σ (``element_order``).
    group : AffineGroup or str
        Any registered group.
    layout : str
        One of ``LAYOUTS``.

    Returns
    -------
    array
        (B, C, S, *n), in x's array library (NumPy for lists; under ``jax.jit`` too).

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import interop
    >>> x = np.arange(2 * 8 * 3 * 3.0).reshape(2, 8, 3, 3)       # C = 2 fields on pmm (S = 4)
    >>> ours = interop.fields_to_groupconv(x, [0, 3, 2, 1], "pmm")
    >>> ours.shape, np.array_equal(interop.fields_from_groupconv(ours, [0, 3, 2, 1], "pmm"), x)
    ((2, 2, 4, 3, 3), True)
    """
    group = get_group(group)
    sigma = element_order(convention, group)
    d, s = group.dim, len(sigma)
    layout = _layout(layout)
    x = _array(x, "fields", 2 + d + (layout == "split"), f"{_SHAPES[layout]} in the layout "
               f"{layout!r} (n: {group.name}'s {d} spatial sides)")
    if layout == "split":
        if x.shape[2] != s:
            raise ValueError(f"fields on {group.name} in the layout 'split' are (B, C, {s}, "
                             f"*n), got shape {x.shape}")
        fields = x
    else:
        xp = array_namespace(x)
        if layout.startswith("last"):
            x = xp.moveaxis(x, -1, 1)
        if x.shape[1] % s:
            raise ValueError(f"a regular field on {group.name} has C·{s} channels, got "
                             f"{x.shape[1]} (shape {tuple(x.shape)} in the layout {layout!r})")
        c, rest = x.shape[1] // s, tuple(x.shape[2:])
        fields = xp.reshape(x, (x.shape[0], c, s) + rest) if layout.endswith("cs") else \
            xp.moveaxis(xp.reshape(x, (x.shape[0], s, c) + rest), 1, 2)
    return _taken(fields, np.argsort(sigma), 2)      # ours[:, :, σ[j]] = theirs[:, :, j]


def fields_from_groupconv(y: Any, convention: str | Sequence[int],
                          group: AffineGroup | str, *, layout: str = "flat_cs") -> np.ndarray:
    """The inverse of ``fields_to_groupconv``: groupconv's (B, C, S, *n) -> the convention's
    element order and ``layout``.

    Parameters
    ----------
    y : array
        (B, C, S, *n).
    convention, group, layout
        As in ``fields_to_groupconv``.

    Returns
    -------
    array
        The fields in ``layout``, in y's array library.

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import interop
    >>> y = np.zeros((1, 3, 8, 5, 5))
    >>> interop.fields_from_groupconv(y, "escnn", "p4m", layout="last_cs").shape
    (1, 5, 5, 24)
    """
    group = get_group(group)
    sigma = element_order(convention, group)
    d, s = group.dim, len(sigma)
    layout = _layout(layout)
    y = _array(y, "fields", 3 + d, f"(B, C, {s}, *n) (n: {group.name}'s {d} spatial sides)")
    if y.shape[2] != s:
        raise ValueError(f"fields on {group.name} have S = {s}: (B, C, {s}, *n), got shape "
                         f"{tuple(y.shape)}")
    xp = array_namespace(y)
    theirs = _taken(y, sigma, 2)
    if layout == "split":
        return theirs
    if layout.endswith("sc"):
        theirs = xp.moveaxis(theirs, 1, 2)
    flat = xp.reshape(theirs, (y.shape[0], -1) + tuple(y.shape[3:]))
    return xp.moveaxis(flat, 1, -1) if layout.startswith("last") else flat


def _kind(kind: str) -> Kind:
    parsed = Kind.parse(kind)
    if parsed is Kind.CONVOLUTION:
        raise ValueError(f"kind must be 'lifting' or 'correlation', got {kind!r}")
    return parsed


def bank_from_weights(w: Any, convention: str | Sequence[int], group: AffineGroup | str,
                      kind: str) -> np.ndarray:
    """groupconv weights (C_out, C_in, [J,] *k^d) -> the convention's expanded bank
    (C_out·S, C_in·S_in, *K^d), as its conv2d / conv3d takes it: output channel o·S + j for
    their element j, input channel c·S_in + j'.

    On the hexagonal lattice the weights outside the hexagon of each k x k filter are left out
    (zero in the bank), as the layers ignore them.

    Parameters
    ----------
    w : array
        Lifting weights (C_out, C_in, *k^d) or group weights (C_out, C_in, J, *k^d).
    convention : str or sequence of int
        A name or an element order σ.
    group : AffineGroup or str
        Any registered group (a sampled group's bank is its interpolated filters, K >= k).
    kind : str
        "lifting" or "correlation".

    Returns
    -------
    array
        In w's array library (integers as float64; under ``jax.jit`` too).

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import interop
    >>> w = np.random.default_rng(0).normal(size=(3, 2, 8, 3, 3))
    >>> interop.bank_from_weights(w, "escnn", "p4m", "correlation").shape
    (24, 16, 3, 3)
    """
    parsed = _kind(kind)
    group = get_group(group)
    sigma = element_order(convention, group)
    d, s = group.dim, len(sigma)
    taps = ", ".join(["k"] * d)
    shapes = {Kind.LIFTING: f"(C_out, C_in, {taps})",
              Kind.CORRELATION: f"(C_out, C_in, {group.samples}, {taps})"}
    other = Kind.LIFTING if parsed is Kind.CORRELATION else Kind.CORRELATION
    ndim = 2 + d + (parsed is Kind.CORRELATION)
    w = _array(w, "weights", ndim, f"{shapes[parsed]} for a {parsed.value} layer on "
               f"{group.name}", f" (a {other.value} layer's weights are {shapes[other]}: "
               f"kind={other.value!r}?)" if getattr(w, "ndim", None) == 2 + d + (
                   other is Kind.CORRELATION) else "")
    bank = bank_for(group, parsed)
    w = check_weights(w, bank, "bank_from_weights")      # (integers become float64)
    xp = array_namespace(w)
    expanded = bank.expand(w)
    c_out, c_in = w.shape[0], w.shape[1]
    s_in = bank.input_space.samples
    size = expanded.shape[1]
    # engine layout (C_out S, *K^d, C_in S_in) -> (C_out, S, C_in, S_in, *K^d)
    grouped = xp.moveaxis(xp.reshape(expanded, (c_out, s) + (size,) * d + (c_in, s_in)),
                          (-2, -1), (2, 3))
    grouped = _taken(grouped, sigma, 1)
    if parsed is Kind.CORRELATION:
        grouped = _taken(grouped, sigma, 3)
    return xp.reshape(grouped, (c_out * s, c_in * s_in) + (size,) * d)


def weights_from_bank(bank: Any, convention: str | Sequence[int],
                      group: SemidirectProduct | str, kind: str, *,
                      tolerance: float = DEFAULT_TOLERANCE) -> np.ndarray:
    """The convention's expanded bank (C_out·S, C_in·S_in, *k^d) -> groupconv weights
    (C_out, C_in, [S,] *k^d): the slices of the identity's output orientation.

    On the hexagonal lattice the weights outside each filter's hexagon come back as zeros.
    The bank must be a G-bank: every other slice the transformed filter; a relative deviation
    (max |bank - expand(w)| / max |bank|) above ``tolerance`` is a ValueError that says how far
    it is. Lattice groups only (a sampled group's bank is interpolated: its weights are not
    slices of it).

    Parameters
    ----------
    bank : array
        (C_out·S, C_in·S_in, *k^d), output channel o·S + j for the convention's element j.
    convention : str or sequence of int
        A name or an element order σ.
    group : SemidirectProduct or str
        A lattice group Z^d x| H.
    kind : str
        "lifting" or "correlation".
    tolerance : float
        The largest relative deviation from a G-bank accepted (default ``DEFAULT_TOLERANCE``).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv import interop
    >>> w = np.random.default_rng(0).normal(size=(3, 2, 4, 3, 3))
    >>> bank = interop.bank_from_weights(w, [0, 3, 2, 1], "p4", "correlation")
    >>> np.array_equal(interop.weights_from_bank(bank, [0, 3, 2, 1], "p4", "correlation"), w)
    True
    """
    parsed = _kind(kind)
    group = get_group(group)
    if not isinstance(group, SemidirectProduct):
        raise ValueError(f"weights_from_bank reads the weights off a lattice group's bank; "
                         f"{group.name}'s bank is interpolated (give a lattice group)")
    sigma = element_order(convention, group)
    d, s = group.dim, len(sigma)
    bank = _array(to_numpy(bank) if hasattr(bank, "shape") else bank, "bank", 2 + d,
                  f"(C_out·S, C_in·S_in, {', '.join(['k'] * d)}) on {group.name}")
    lifting = parsed is Kind.LIFTING
    s_in = 1 if lifting else s
    k = bank.shape[-1]
    if bank.shape[0] % s or bank.shape[1] % s_in or set(bank.shape[2:]) != {k} or \
            0 in bank.shape:
        raise ValueError(f"a {parsed.value} bank on {group.name} has shape (C_out·{s}, "
                         f"C_in·{s_in}, {', '.join(['k'] * d)}) with every size positive, got "
                         f"{bank.shape}")
    if isinstance(tolerance, (bool, np.bool_)) or \
            not isinstance(tolerance, (int, float, np.integer, np.floating)) or \
            not 0 <= tolerance < np.inf:
        raise ValueError(f"tolerance must be a non-negative number, got {tolerance!r}")
    if not np.all(np.isfinite(bank)):
        raise ValueError("the bank holds NaN or infinite values: a G-bank of finite weights is "
                         "finite")
    theirs = bank.reshape((bank.shape[0] // s, s, bank.shape[1] // s_in, s_in) + (k,) * d)
    ours = np.empty_like(theirs)
    ours[:, sigma] = theirs                        # ours[:, σ[j]] = theirs[:, j]
    if not lifting:
        theirs, ours = ours, np.empty_like(ours)
        ours[:, :, :, sigma] = theirs              # and the input orientations likewise
    w = ours[:, 0, :, 0] if lifting else ours[:, 0]
    expanded = LatticeBank(group, parsed).expand_groupy(w)
    scale = float(np.abs(bank).max()) or 1.0
    deviation = float(np.abs(expanded - ours).max(initial=0.0)) / scale
    if not deviation <= tolerance:
        raise ValueError(f"the bank is not a {group.name} {parsed.value} bank in the given "
                         f"convention: its slices differ from the transformed filter by "
                         f"{deviation:.2e} relative (tolerance {tolerance:g})")
    return w
