"""Checkers for anyone's layer: is a function equivariant, and does it compute the lifting or
group correlation it claims to (and if not, which convention explains the difference)?

    check_equivariance(layer)
    check_equivariance(fn, group, input_space=..., output_space=...)
        fn(L_h x) against L_h fn(x) for every point sample h (D4 as D4: the action of each
        element on the point axis, never a cyclic shift), about the array centre, and for a
        translation by one pixel inside a zero border (the input's last slices must be zero;
        the shift then wraps nothing); for a sampled group, measured at the samples that act by
        interpolation. A groupconv layer states its spaces itself; a plain callable names them.
    check_layer(fn, group, kind, weights=None, mode="valid")
        fn(x, w) against groupconv's result on random inputs, and its equivariance; on a
        mismatch, the known ways conventions differ are tried and the one that explains it is
        named (``.diagnosis``).

``fn`` may compute in any supported array library: it receives NumPy arrays unless ``x`` (and
``weights``) are given in another library, and its results are compared in float64.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import math
import re

import numpy as np
from array_api_compat import array_namespace, device, is_writeable_array

from ..arguments import choice, described, flag, float_dtype, informative, integer, number
from ..fast.backend import to_numpy
from ..fast.correlate import group_convolution, group_correlation, lifting_correlation
from ..fast.validation import as_array, as_float, real_numpy
from ..groups import AffineGroup, Kind, SemidirectProduct, Space, domain_mask, get_group
from ..interop import ELEMENT_ORDER
from ..modes import padding_of
from ..nn.base import Layer
from .diagnoses import (
    Findings, axes_mixed, constant_factor, constant_offset, declared_convention, explain,
    framed, said_in_convention,
)
from .equivariance import (
    _BROKEN, _EXACT, PERMUTED_ADVICE, EquivarianceReport, equivariance_errors, relative_error,
)

__all__ = ["EquivarianceReport", "LayerReport", "TOLERANCES", "check_equivariance",
           "check_layer", "parse_space", "tolerance_for"]

#: The spaces by name, parsed here, at the public edge.
_SPACES = {"plane": Space.on_plane, "group": Space.on_group,
           "points": Space.on_points, "invariant": Space.invariant}
#: How the explanations of a layer that agrees on the first inputs and not on check_layer's
#: further draws begin (the labs' graders relay them).
OTHER_DRAWS = ("agrees on the inputs above, but not on",
               "agrees on inputs drawn from a normal distribution, but not on one with exact "
               "zeros",
               "agrees with the first weights, but not with new weights of the same shape",
               "agrees on batches of two images, but not on a batch of three",
               "agrees with the first channel counts, but not with one more input and one "
               "more output channel")
#: Default input sides by dimension.
_SIZE = {1: 15, 2: 11, 3: 7}
#: The most values a drawn input (or drawn weights) may hold: larger ones are refused before
#: they are drawn.
MAX_DRAWN = 2**24


def parse_space(space: Space | str, group: AffineGroup, what: str) -> Space:
    """A Space, or one named "plane", "group", "points" or "invariant" on ``group``."""
    if isinstance(space, Space):
        return space
    return _SPACES[choice(space, f"{what} (a groupconv Space or a name)", tuple(_SPACES))](group)


def _default_input(space: Space, channels: int, size: int | None, seed: int,
                   bordered: bool = True) -> np.ndarray:
    """Random values with a zero border (so a one-pixel shift wraps nothing) of two pixels,
    or one where two would leave fewer than three random ones along an axis (side 5 or 6; a
    single random pixel at the centre is fixed by every rotation, and shows nothing); sides
    under 5 are random throughout, and so is every side without ``bordered``. On the hexagonal
    lattice, square of odd side."""
    rng = np.random.default_rng(seed)
    d = space.dim
    n = size or _SIZE.get(d, 1)
    if space.group.lattice == "hexagonal" and n % 2 == 0:
        raise ValueError(f"size: arrays on the hexagonal lattice ({space.group.name}) are square "
                         f"of odd side (a hexagon about a centre cell), got {n}")
    lead = (2, channels) + ((space.samples,) if space.point_axis else ())
    x = np.zeros(_drawn(lead + (n,) * d, "the input"))
    border = min(2, (n - 3) // 2) if n >= 5 and bordered else 0
    inner = tuple(slice(border, n - border) for _ in range(d))
    x[(Ellipsis,) + inner] = rng.standard_normal(x[(Ellipsis,) + inner].shape)
    return x


def _default_sides(layer: Layer | None, dim: int) -> tuple[int, int]:
    """The two sides of the drawn inputs: ``_SIZE``'s side and the next (odd and even), or, for
    a network that states its ``input_sizes``, the first two of those from that side on."""
    n = _SIZE.get(dim, 1)
    sizes = getattr(layer, "input_sizes", None)
    if sizes is None:
        return n, n + 1
    first = sizes.least + max(0, -(-(n - sizes.least) // sizes.step)) * sizes.step
    return first, first + sizes.step


def _drawn(shape: tuple[int, ...], what: str) -> tuple[int, ...]:
    """``shape``, or a ValueError if an array of it would hold more than ``MAX_DRAWN`` values."""
    if math.prod(shape) > MAX_DRAWN:
        raise ValueError(f"{what} would have shape {shape}: more than {MAX_DRAWN} values; "
                         f"ask for fewer channels or smaller sizes")
    return shape


def check_equivariance(fn: Callable[[Any], Any] | Layer, group: AffineGroup | str | None = None,
                       *, input_space: Space | str | None = None,
                       output_space: Space | str | None = None, x: Any = None,
                       channels: int | None = None, size: int | None = None,
                       translations: bool = True, seed: int = 0,
                       convention: str | Sequence[int] | None = None,
                       tolerance: float | None = None) -> EquivarianceReport:
    """fn(L_h x) = L_h fn(x) for every point sample h of the group, about the array centre (on
    an input of any sides: a quarter turn swaps two of them; on the hexagonal lattice, of
    equal sides), and for a one-pixel translation within a zero border; without
    ``x`` or ``size``, on two inputs, of an odd side and an even one (the centre on a pixel, and
    between pixels); without ``x``, the point samples once more on an input without a zero
    border.

    Parameters
    ----------
    fn : groupconv layer or callable
        A layer (``groupconv.nn``; its own input and output spaces are read, and a layer that
        acts on any space is checked on the plane and on the group of ``group``), or a function
        of one array.
    group : AffineGroup or str, optional
        The group, for a plain callable or a layer that acts on any space.
    input_space, output_space : Space or str, optional
        For a plain callable: "plane" (x of shape (B, C, *n)), "group" ((B, C, S, *n)),
        "points" ((B, C, S)) or "invariant" (fn(L_h x) = fn(x)); default "plane" -> "group".
    x : array, optional
        The input (default: random, with a zero border; in its library, fn computes there).
    channels, size : int, optional
        The default input's channels and side (default: two inputs, of sides 15 and 16 in 1D,
        11 and 12 in 2D, 7 and 8 in 3D, or, for a network that states its ``input_sizes``, the
        first two of those from there on; on the hexagonal lattice one, of odd side).
    translations : bool
        Check the one-pixel translation too (not on the hexagonal lattice).
    seed : int
        The default input's random draws.
    convention : str or sequence of int, optional
        For a plain callable written in another element order (``groupconv.interop``:
        "escnn", ... or σ): its input and output on G are read with their point axis in that
        order.
    tolerance : float, optional
        The largest relative error at an exact element that passes (default: ``tolerance_for``
        the output's dtype, rounding with a margin: 1e-10 in float64, 1e-5 in float32).

    Returns
    -------
    EquivarianceReport
        ``errors`` per exact element (rounding only for an equivariant fn), ``max_error``,
        ``passed`` (every exact element within ``tolerance``), and ``measured`` per element
        that acts by interpolation (the sampled groups; approximate by nature, not judged).

    Examples
    --------
    >>> import groupconv
    >>> from groupconv import nn
    >>> report = groupconv.check_equivariance(nn.GroupConv("p4m", 2, 3, 3, mode="same", rng=0))
    >>> report.passed, report.tolerance        # the layer computes in float32
    (True, 1e-05)
    """
    if not callable(fn):
        raise TypeError(f"fn must be a groupconv layer or a callable, got {type(fn).__name__}")
    channels = None if channels is None else integer(channels, "channels")
    size = None if size is None else integer(size, "size")
    translations = flag(translations, "translations")
    seed = integer(seed, "seed", 0)
    if tolerance is not None:
        tolerance = number(tolerance, "tolerance", 0, 1, open_high=True)
    return _judged(_check_equivariance(fn, group, input_space, output_space, x, channels, size,
                                       translations, seed, convention), tolerance)


def _judged(report: EquivarianceReport, tolerance: float | None) -> EquivarianceReport:
    """The report with the tolerance it is judged by: the one given, or its output dtype's;
    failed within float32's rounding at its dtype's, a first note that says so."""
    report.tolerance = tolerance_for(report.dtype) if tolerance is None else tolerance
    float32 = TOLERANCES["float32"]
    if tolerance is None and not report.passed and report.tolerance < float32 and \
            report.max_error <= float32:
        report.notes.insert(0, f"every exact element's error is within float32's rounding (at "
                               f"most {report.max_error:.1e}), above the tolerance "
                               f"{report.tolerance:g} of a {report.dtype} output: either some "
                               f"of the layer's numbers are float32's ({_FLOAT32_SOMEWHERE}; "
                               f"tolerance=1e-5 holds it to float32's rounding), or it "
                               f"adds a small term that is not equivariant (check_layer "
                               f"compares it with groupconv's correlation)")
    return report


def _check_equivariance(fn, group, input_space, output_space, x, channels, size, translations,
                        seed, convention) -> EquivarianceReport:
    """``check_equivariance`` once its scalar arguments are checked."""
    if isinstance(fn, Layer):
        if input_space is not None or output_space is not None or convention is not None:
            raise TypeError("a groupconv layer states its own spaces, in groupconv's element "
                            "order: give input_space, output_space and convention only for a "
                            "plain callable")
        if fn.input_space is None:
            if group is None:
                raise ValueError(f"{fn!r} acts on any space: give the group to check it on, "
                                 f"check_equivariance(layer, group)")
            return _generic_layer(fn, get_group(group), x, channels, size, translations, seed)
        space_in, space_out = fn.input_space, fn.output_space
        if space_out is None:
            raise ValueError(f"{fn!r} writes values that transform in no way the library names "
                             f"(a flattened point axis, say): check a part of it that does")
        if group is not None and get_group(group) != space_in.group:
            raise ValueError(f"{fn!r} is a layer on {space_in.group.name}, not on "
                             f"{get_group(group).name}")
        return _check(fn, space_in, space_out, x, channels, size, translations, seed)
    if group is None:
        raise TypeError("check_equivariance(fn, group): a plain callable needs its group")
    group = get_group(group)
    space_in = parse_space("plane" if input_space is None else input_space, group,
                           "input_space")
    space_out = parse_space("group" if output_space is None else output_space, group,
                            "output_space")
    for name, space in (("input_space", space_in), ("output_space", space_out)):
        if space.group != group:
            raise ValueError(f"{name} is {space!r}, a space of {space.group.name}, but the "
                             f"group checked is {group.name}")
    declared = declared_convention(convention, group)
    plain = fn
    if declared is not None:
        fn = _fields_in_order(plain, declared[0], space_in, space_out)
    advice = PERMUTED_ADVICE if declared is None else (   # not "declare one", to one who has
        f"the declared convention {declared[1]} may not be your layer's order (drop it if the "
        f"layer is in groupconv's), and check_layer(fn, group, kind, convention="
        f"{declared[1]!r}) names the order to declare")
    report = _check(fn, space_in, space_out, x, channels, size, translations, seed, advice)
    if declared is None and space_in.point_axis and _worst(report) > _BROKEN:
        # a layer on G in another library's element order, input and output: no permutation
        # of the output explains it (L_h moves the input's samples by groupconv's law)
        for name, orders in ELEMENT_ORDER.items():
            if group.name.lower() not in orders or get_group(group.name) != group:
                continue
            sigma = np.asarray(orders[group.name.lower()])
            if np.array_equal(sigma, np.arange(len(sigma))):
                continue
            try:
                fits = _check(_fields_in_order(plain, sigma, space_in, space_out), space_in,
                              space_out, x, channels, size, False, seed, advice)
            except ValueError:
                continue
            if _worst(fits) <= _EXACT:
                report.notes.append(
                    f"read in {name}'s element order {sigma.tolist()} (its element j is "
                    f"groupconv's σ[j]), input and output, every point sample holds (error "
                    f"{_worst(fits):.1e}): declare it, convention={name!r}")
                break
    return report


def _fields_in_order(plain: Callable[[Any], Any], sigma: np.ndarray, space_in: Space,
                     space_out: Space) -> Callable[[Any], Any]:
    """``plain`` read in the element order σ (its element j is groupconv's σ[j]): groupconv's
    input put in that order, and its output put back in groupconv's."""
    back = np.argsort(sigma)

    def fn(a):
        a = _point_axis_in(a, sigma) if space_in.point_axis else a
        y = plain(a)
        return _point_axis_in(y, back) if space_out.point_axis else y
    return fn


def _generic_layer(layer: Layer, group: AffineGroup, x, channels, size, translations, seed
                   ) -> EquivarianceReport:
    """A layer that acts on any space, checked on every space of ``group`` it accepts."""
    report = EquivarianceReport(group.name)
    spaces = [space for space in (Space.on_plane(group), Space.on_group(group))
              if layer.accepts(space)]
    if x is not None and not any(np.ndim(x) == space.core + 2 for space in spaces):
        raise ValueError(f"x must be an input of {layer!r} in one of "
                         f"{[space.layout() for space in spaces]} (with a batch axis), got "
                         f"shape {tuple(np.shape(x))}")
    for space in spaces:
        bound = copy.deepcopy(layer).bind(space)
        part = _check(bound, space, bound.output_space, x if x is not None and
                      np.ndim(x) == space.core + 2 else None, channels, size, translations, seed)
        where = "on the plane" if not space.point_axis else "on the group"
        report.dtype = part.dtype
        report.errors.update({f"{name} ({where})": e for name, e in part.errors.items()})
        report.measured.update({f"{name} ({where})": e for name, e in part.measured.items()})
    return report


def _without_border(fn, space_in: Space, space_out: Space, channels: int, n: int, seed: int,
                    advice: str, report: EquivarianceReport) -> None:
    """The exact elements once more on an input of side n without a zero border, into
    ``report`` (the larger error of each element): a layer that breaks equivariance only where
    a border keeps its output zero (a corner it overwrites, in "full" mode) passed on the
    bordered inputs, which the one-pixel shift needs. A note where it fails there only."""
    try:
        bare = _check(fn, space_in, space_out, _default_input(space_in, channels, n, seed,
                                                              bordered=False),
                      None, None, False, seed, advice, measured=False)
    except ValueError:           # (an input the layer refuses: the bordered ones stand)
        return
    worst = _worst(report)
    for name, value in bare.errors.items():
        report.errors[name] = float(np.max([report.errors.get(name, 0.0), value]))
    if not _worst(bare) <= max(_EXACT, 100 * worst):
        report.notes.append(
            f"every element holds on the inputs with a zero border (error {worst:.1e}) but "
            f"not on one without (side {n}, error {_worst(bare):.1e}): the layer changes "
            f"values where a zero border keeps its output zero (pixels it overwrites or masks, "
            f"at fixed places?)")


def _check(fn, space_in: Space, space_out: Space, x, channels, size, translations, seed,
           advice: str = PERMUTED_ADVICE, measured: bool = True) -> EquivarianceReport:
    if isinstance(fn, Layer):
        layer = fn
        if channels is not None and layer.input_channels is not None and \
                channels != layer.input_channels:
            raise ValueError(f"check_equivariance: channels is {channels}, but {layer!r} takes "
                             f"{layer.input_channels} input channels: leave channels out")
        channels = channels or layer.input_channels
        fn = (lambda a: layer(a))
    else:
        layer = None
    if x is None:         # an odd side and an even one: each parity of centre checked
        n, second = (size, size + 1) if size else _default_sides(layer, space_in.dim)
        channels = 2 if channels is None else channels
        default = _default_input(space_in, channels, n, seed)
        refused: list[Exception] = []     # the layer's own errors, not the checker's

        def watched(a, fn=fn):
            try:
                return fn(a)
            except Exception as error:     # whatever the layer's library raises
                refused.append(error)
                raise
        try:
            report = _check(watched, space_in, space_out, default, None, None, translations,
                            seed, advice)
        except Exception as error:   # a layer that takes other inputs: say how to give one
            if not any(error is e for e in refused) or _unwritten(error):
                raise                  # (not written yet: its own message is the one to read)
            raise ValueError(f"check_equivariance: the layer raised {type(error).__name__} "
                             f"on the drawn input of shape {default.shape} ({error}); pass "
                             f"channels= (its input channels; {channels} here), size= or x= "
                             f"with an input it takes") from error
        if not space_in.spatial or space_in.group.lattice == "hexagonal":
            return report
        if size is not None:
            if not _worst(report) > _BROKEN:
                _without_border(fn, space_in, space_out, channels, n, seed, advice, report)
            return report
        try:
            other = _check(fn, space_in, space_out, _default_input(space_in, channels, second,
                                                                   seed),
                           None, None, translations, seed, advice)
        except ValueError:    # a side the layer refuses (exact pooling): the one side it took
            return report
        note = _sides_note({n: report, second: other})
        for table, more in ((report.errors, other.errors), (report.measured, other.measured)):
            for name, value in more.items():      # the larger error of each element (NaN kept)
                table[name] = float(np.max([table.get(name, 0.0), value]))
        said = {n.split(" (error")[0] for n in report.notes}   # a note once, from either side
        report.notes += [n for n in other.notes if n.split(" (error")[0] not in said]
        report.notes += [note] if note else []
        if not _worst(report) > _BROKEN:
            _without_border(fn, space_in, space_out, channels, n, seed, advice, report)
        return report
    x = as_array(x)
    if not hasattr(x, "shape") or not hasattr(x, "dtype"):
        raise TypeError(f"x must be an array in {space_in.layout()}, got {type(x).__name__}")
    else:
        x = as_float(x, "check_equivariance: x")     # real numbers, in x's own library
    hexagonal = space_in.spatial and space_in.group.lattice == "hexagonal"
    if np.ndim(x) < space_in.core + 1 or (hexagonal and
                                           len(set(x.shape[x.ndim - space_in.dim:])) != 1):
        raise ValueError(f"check_equivariance needs an input {space_in.layout()}"
                         f"{' with equal spatial sides (a hexagon)' if hexagonal else ''}, got "
                         f"shape {tuple(x.shape)}")
    informative(np.asarray(to_numpy(x)), "check_equivariance: x")
    return equivariance_errors(fn, x, space_in, space_out, translations=translations,
                               advice=advice, measured=measured)


def _other_shape(report: LayerReport, k: int, got: tuple[int, ...], expected: tuple[int, ...],
                 x_shape: tuple[int, ...], p: int, convention: bool) -> LayerReport:
    """A report that passed with kernels of one side, and the output shape its layer gives
    with drawn kernels of side ``k`` (groupconv's padding p): the padding that shape implies,
    n' = n + 2 p - k + 1, said per axis. Failed; or, where ``convention`` ("same" with an even
    k: libraries pad it in several ways), the report as it was with that said in a note."""
    sides = len(expected) - 3
    implied = []
    if len(got) == len(expected):
        for n, m in zip(x_shape[-sides:], got[-sides:]):
            twice = m - n + k - 1
            implied.append(f"{twice // 2}" if twice % 2 == 0 else f"{twice / 2:g}")
    implied = implied[:1] if len(set(implied)) == 1 else implied
    said = (f": as if padded by {', '.join(implied)} on each side, where groupconv's padding "
            f"for k = {k} is {p} (a padding computed for odd kernels only, (k - 1) // 2 for "
            f"k // 2, or an even kernel padded to odd side?)") if implied else ""
    sentence = (f"agrees with kernels of side {k - 1}, but with drawn kernels of side {k} your "
                f"output has shape {tuple(got)}, groupconv's {tuple(expected)} on the same "
                f"{tuple(x_shape[-sides:])} input{said}")
    if convention:
        report.notes.append(f"{sentence}; for an even kernel \"same\" is a convention (groupconv "
                            f"pads k // 2 on each side, n + 1 outputs): not compared; "
                            f"check_layer(..., k={k}) compares it")
        return report
    return LayerReport(report.group, report.kind, float("inf"), report.equivariance_error,
                       sentence, [sentence], {}, report.tolerance,
                       report.reference_equivariance_error)


def _worst(report: EquivarianceReport) -> float:
    """The largest error of the point group's exact elements (NaN where one is NaN)."""
    return float(np.max([e for name, e in report.errors.items() if name != "translation by 1"]
                        or [0.0]))


def _sides_note(reports: dict[int, EquivarianceReport]) -> str | None:
    """A note where every element of the point group holds on one side and not on the other:
    the pattern of a layer that subsamples."""
    worst = {n: _worst(r) for n, r in reports.items()}
    good = [n for n, e in worst.items() if e <= _EXACT]
    bad = [n for n, e in worst.items() if not e <= _BROKEN]     # NaN counts as broken
    if len(good) != 1 or len(bad) != 1:
        return None
    return (f"every element holds on side {good[0]} (error {worst[good[0]]:.1e}) but not on "
            f"side {bad[0]} ({worst[bad[0]]:.1e}): a layer that subsamples (a stride, strided "
            f"pooling) keeps its sampling grid symmetric about the centre only on sides where "
            f"n + 2 * padding - k is a multiple of its stride; check it on such sides "
            f"(size=)")


#: Relative error (max norm) within which a layer agrees with groupconv, by the dtype it
#: returns: float64 sums of a few hundred products round at 1e-15, float32 ones at 1e-7, half
#: precision at 1e-3; the margins admit other summation orders (FFT, Winograd). An output in
#: another dtype (integers, say) is held to float64's.
TOLERANCES = MappingProxyType({"float64": 1e-10, "float32": 1e-5, "float16": 1e-2,
                               "bfloat16": 5e-2})


def tolerance_for(dtype: Any) -> float:
    """The relative error within which a layer computing in ``dtype`` agrees (``TOLERANCES``;
    float64's for anything else).

    Parameters
    ----------
    dtype : dtype or str
        The dtype of a layer's output, in any array library ("float32", np.float32,
        torch.float32, ...).

    Returns
    -------
    float

    Examples
    --------
    >>> from groupconv.checks.user_layers import tolerance_for
    >>> tolerance_for("float32"), tolerance_for("float64")
    (1e-05, 1e-10)
    """
    name = str(dtype).rsplit(".", 1)[-1].strip("'>")
    return TOLERANCES.get(name, TOLERANCES["float64"])


@dataclass
class LayerReport:
    """How a user's layer compares with groupconv.

    ``reference_error`` (relative, against groupconv's result), ``equivariance_error`` (at
    the point group's exact elements, on a square input), ``reference_equivariance_error``
    (groupconv's own on the same input: rounding, except where the array level is not exact,
    such as "same" with an even kernel), ``tolerance`` (the agreement threshold for the layer's
    dtype, ``TOLERANCES``), ``passed`` (the reference error within it, and the equivariance
    error within it of groupconv's), ``diagnosis`` (None when it passes; otherwise every
    explanation found, or what the shapes say), ``explanations`` (the same, one per entry) and
    ``element_order`` (the orders found: "input", "output", "weights" -> σ, their element j is
    groupconv's σ[j], to pass back as ``convention`` to ``groupconv.interop``; with a declared
    convention, the orders to declare instead); ``notes``
    (how the layer was compared, where that is not plain: an even kernel's size-preserving
    "same")."""

    group: str
    kind: str
    reference_error: float
    equivariance_error: float
    diagnosis: str | None
    explanations: list[str] = field(default_factory=list)
    element_order: dict[str, list[int]] = field(default_factory=dict)
    tolerance: float = TOLERANCES["float64"]
    reference_equivariance_error: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when the layer agrees with groupconv within ``tolerance``, and is as
        equivariant as groupconv's result, within it too."""
        return self.diagnosis is None and self.reference_error <= self.tolerance and \
            self.equivariance_error <= self.reference_equivariance_error + self.tolerance

    def __repr__(self) -> str:
        verdict = "agrees with groupconv" if self.diagnosis is None else self.diagnosis
        return (f"LayerReport({self.kind} on {self.group}): reference error "
                f"{self.reference_error:.1e} (tolerance {self.tolerance:.0e}), equivariance "
                f"error {self.equivariance_error:.1e}\n  {verdict}"
                + "".join(f"\n  note: {note}" for note in self.notes))


_OPS = {"lifting": lifting_correlation, "correlation": group_correlation,
        "convolution": group_convolution}


def _compose(findings: Findings, lead: list[str], notes: list[str]) -> str:
    """One diagnosis from the findings: the shape problems, then every explanation (several
    numbered when several fit), then notes."""
    lines = list(findings.shape)
    if len(findings.sentences) == 1:
        lines.append(findings.sentences[0])
    elif findings.sentences:
        lines.append(f"{len(findings.sentences)} explanations fit (equivalent on this input): "
                     + "; ".join(f"({i}) {s}" for i, s in enumerate(findings.sentences, 1)))
    elif not findings.shape:
        lines.append(findings.unexplained("agrees with none of the known mistakes"))
    return "\n  ".join(lead + lines + notes)


def _inputs(group: AffineGroup, c_in: int, on_group: bool, size: int, rng
            ) -> tuple[np.ndarray, np.ndarray | None]:
    """A square input of side size + 1 and a non-square one of sides size, size + 2, ... (in
    1D: of side size), so that every axis has an odd side in one and an even side in the
    other (a centre on a pixel, and between pixels); on the hexagonal lattice, whose arrays
    are square of odd side, the square one alone, of side size (or size + 1, if even)."""
    d = group.dim
    s = (group.samples,) if on_group else ()
    if group.lattice == "hexagonal":
        return rng.standard_normal((2, c_in) + s + (size + 1 - size % 2,) * d), None
    square = rng.standard_normal((2, c_in) + s + (size + 1,) * d)
    return square, rng.standard_normal((2, c_in) + s + tuple(size + 2 * a for a in range(d)))


def _parity(sides: tuple[int, ...]) -> str:
    """"odd" or "even" for sides of one parity, else ""."""
    kinds = {("even", "odd")[n % 2] for n in sides}
    return kinds.pop() if len(kinds) == 1 else ""


def _parity_sentence(right: tuple[int, ...], wrong: tuple[int, ...]) -> str:
    """A layer right on an input of sides ``right`` and wrong on sides ``wrong``, of the other
    parity: where n is even, the centre of the axis lies between two pixels."""
    return (f"agrees on inputs of {_parity(right)} sides only: on a {wrong} input your layer "
            f"differs (the centre of an axis of side n is (n - 1) / 2, a pixel for odd n and "
            f"between two pixels for even n: a mirror, rotation or shift about another centre, "
            f"n // 2 or n / 2, is right for one parity only)")


def check_layer(fn: Callable[[Any, Any], Any], group: AffineGroup | str, kind: str, *,
                weights: Any = None, mode: str | int = "valid", x: Any = None,
                channels: tuple[int, int] = (2, 3), k: int = 3, size: int = 9,
                seed: int = 0, tolerance: float | None = None,
                convention: str | Sequence[int] | None = None,
                dtype: Any = None) -> LayerReport:
    """Does fn(x, w) compute groupconv's ``kind`` on ``group`` with padding ``mode``, and if
    not, which mistake explains the difference?

    fn runs on random x (non-square on the square and cubic lattices, so that a layer that
    mixes up H and W is caught) and w (unless ``weights`` is given), in float64 (or ``dtype``,
    or the dtype of the x given), and its output
    is compared with groupconv's, then on a square input too (so that a layer that treats
    square inputs apart is caught), whose sides have the other parity (so that a layer right
    only where the centre lies on a pixel, or only between pixels, is caught: in 1D the two
    inputs differ in that alone); its equivariance is measured on the square input. A layer
    that agrees meets further draws: an input of sides in decreasing order and mixed parity,
    one with exact zeros, new weights of the same shape, three images. On a
    mismatch the shapes are described in the layout's terms, the usual mistakes are tried, and
    the layer's effective filter bank is probed and searched for the element orders,
    layouts and kernel transformations that explain it (``groupconv.checks.diagnoses``).

    Parameters
    ----------
    fn : callable
        fn(x, w) -> y in groupconv's layout: x (B, C_in, [S,] *n), w (C_out, C_in, [S,] *k^d),
        y (B, C_out, S, *n'). Any array library: fn receives NumPy arrays unless x and
        ``weights`` are given in another.
    group : AffineGroup or str
        Any registered group.
    kind : str
        "lifting", "correlation" or "convolution".
    weights : array, optional
        The weights (default: random), in groupconv's element order whatever ``convention``
        says (fn receives them converted).
    mode : str or int
        "valid", "same", "full" or the padding.
    x : array, optional
        The input (default: random, as above).
    channels : (int, int)
        (C_in, C_out) of the random input and weights.
    k, size : int
        The random weights' side and the random inputs' (at least the expanded kernel's
        side K + 2): sides size, size + 2, ... and a square of side size + 1.
    seed : int
        The random draws.
    tolerance : float, optional
        The agreement threshold (default: ``tolerance_for`` the output's dtype).
    convention : str or sequence of int, optional
        The element order fn works in (``groupconv.interop.element_order``: "escnn",
        "groupy", ... or σ itself): fn receives x and the weights with their point axis in
        that order, and returns y in it; an element order found is then said as the
        convention to declare instead, and other explanations as said of the converted layer.
    dtype : optional
        np.float32 or np.float64 (default): the dtype of the drawn inputs and weights fn
        receives (a layer's float32 path is checked with float32; a given x keeps its own
        dtype, and so do given weights).

    Returns
    -------
    LayerReport

    Examples
    --------
    >>> import numpy as np
    >>> import groupconv
    >>> def clockwise(x, w):         # kernels turned the wrong way
    ...     return groupconv.lifting_correlation(x, w, "p4")[:, :, [0, 3, 2, 1]]
    >>> report = groupconv.check_layer(clockwise, "p4", "lifting")
    >>> report.passed, "turn clockwise" in report.diagnosis
    (False, True)
    """
    if dtype is not None:
        if x is not None:
            raise ValueError("check_layer: dtype is the drawn inputs' dtype; the x given keeps "
                             "its own: give one of them")
        dtype = float_dtype(dtype, "check_layer: dtype")
    return _checked_layer(fn, group, kind, weights=weights, mode=mode, x=x, channels=channels,
                          k=k, size=size, seed=seed, tolerance=tolerance, convention=convention,
                          ordered=False, dtype=dtype)


def _checked_layer(fn: Callable[[Any, Any], Any], group: AffineGroup | str, kind: str, *,
                   weights: Any, mode: str | int, x: Any, channels: tuple[int, int], k: int,
                   size: int, seed: int, tolerance: float | None,
                   convention: str | Sequence[int] | None, ordered: bool,
                   dtype: np.dtype | None = None) -> LayerReport:
    """``check_layer``; ``ordered``: fn is already in groupconv's element order (a layer of
    this check), whatever ``convention`` the report is said in; ``dtype``: of the draws."""
    group = get_group(group)
    parsed = Kind.parse(kind)
    kind = parsed.value
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):             # (some builtins have none: called as they are)
        signature = None
    if signature is not None:
        try:
            signature.bind(None, None)
        except TypeError:
            raise TypeError(f"check_layer calls fn(x, weights), with the input and the layer's "
                            f"weights; fn takes {signature}: wrap a layer that holds its own "
                            f"weights as lambda x, w: ... (see the docstring), or use "
                            f"check_equivariance") from None
    declared = declared_convention(convention, group)   # a bad convention refused here
    if declared is not None and not ordered:
        fn = _in_order(fn, declared[0], parsed.reads_group)
    if not isinstance(channels, (tuple, list)) or len(channels) != 2:
        raise TypeError(f"channels must be a pair (C_in, C_out), got {channels!r}")
    c_in, c_out = (integer(c, f"channels[{i}]") for i, c in enumerate(channels))
    k, size, seed = integer(k, "k"), integer(size, "size"), integer(seed, "seed", 0)
    if tolerance is not None and (isinstance(tolerance, bool) or
                                  not isinstance(tolerance, (int, float)) or
                                  not 0 <= tolerance < 1):
        raise ValueError(f"tolerance must be a number in [0, 1), got {tolerance!r}")
    # the library and dtype fn's arguments come in: x's, or NumPy arrays of ``dtype``
    library_x = (x if hasattr(x, "dtype") else None) if x is not None else \
        None if dtype is None else np.empty(0, dtype)      # (an x given as a list: NumPy)
    rng = _Draws(seed, library_x)
    d = group.dim
    on_group = parsed.reads_group
    if x is not None and weights is None and hasattr(x, "shape") and len(x.shape) > 1:
        c_in = int(x.shape[1])                   # the weights drawn for the x given
    w = rng.standard_normal(_drawn((c_out, c_in) + ((group.weight_samples,) if on_group else ())
                                   + (k,) * d, "the weights")) if weights is None \
        else real_numpy(weights, "check_layer: weights")
    if weights is not None:
        informative(w, "check_layer: weights")
    if w.ndim < 2 + d:
        raise ValueError(f"check_layer: weights must have shape (C_out, C_in, [J,] "
                         f"{', '.join(['k'] * d)}), got shape {w.shape}")
    k = w.shape[-1]
    p = padding_of(mode, group.kernel_size(k))
    size = max(size, group.kernel_size(k) + 2)    # room for the expanded kernel (scales)
    if x is None:
        sides = max((size + 1,) * d, tuple(size + 2 * a for a in range(d)), key=math.prod)
        _drawn((2, w.shape[1]) + ((group.samples,) if on_group else ()) + sides, "the input")
        square, rect = _inputs(group, w.shape[1], on_group, size, rng)
    else:
        square = real_numpy(x, "check_layer: x")
        informative(square, "check_layer: x")
        space = parsed.input_space(group)
        if square.ndim != space.core + 2 or (on_group and square.shape[2] != group.samples):
            raise ValueError(f"check_layer: x must have shape (B, "
                             f"{space.layout().removeprefix('(..., ')} for the {kind} on "
                             f"{group.name}, got shape {tuple(square.shape)}")
        sides = square.shape[square.ndim - d:]
        rect = None
        if len(set(sides)) > 1:
            square, rect = None, square
    if group.lattice == "hexagonal":   # functions on hexagons: inputs and outputs compared there
        if square is None:
            raise ValueError(f"x on the hexagonal lattice ({group.name}) must be square of odd "
                             f"side, got shape {tuple(rect.shape)}")
        w = np.where(domain_mask(group, (k, k)), w, 0.0)
        square = np.where(domain_mask(group, square.shape[-2:]), square, 0.0)
    if library_x is None:
        weights_given = w
    elif weights is None:                          # drawn here: in x's library, like x
        weights_given = _like(w, library_x)
    else:
        weights_given = weights
        if type(weights).__module__.split(".")[0] != type(library_x).__module__.split(".")[0]:
            raise TypeError(f"check_layer: x and weights must be in one array library, got "
                            f"{type(library_x).__module__}.{type(library_x).__name__} and "
                            f"{type(weights).__module__}.{type(weights).__name__}")
    if mode == "same" and group.kernel_size(k) % 2 == 0 and group.lattice != "hexagonal" and \
            not getattr(fn, "_padded_to_same", False):
        padded = _size_preserving_same(fn, rect if rect is not None else square, w, group,
                                       kind, p, library_x, weights_given)
        if padded is not None:      # checked as groupconv's "same", with the row it leaves out
            layer, note = padded
            report = _checked_layer(layer, group, kind, weights=weights, mode=mode, x=x,
                                    channels=channels, k=k, size=size, seed=seed,
                                    tolerance=tolerance, convention=convention, ordered=True,
                                    dtype=dtype)
            report.notes.append(note)
            return report
    changed: list[str] = []         # the arguments the layer changed in place

    def called(a: np.ndarray, wa: np.ndarray) -> Any:
        """fn on copies of a and wa, in the library of the x given (NumPy by default)."""
        return fn(*((a.copy(), wa.copy()) if library_x is None else
                    (_like(a, library_x), _like(wa, library_x))))

    def probe(a):
        given = a.copy() if library_x is None else _like(a, library_x)
        w_given = weights_given.copy() if isinstance(weights_given, np.ndarray) else \
            weights_given
        before = {"x": np.array(to_numpy(given)), "w": np.array(to_numpy(w_given))}
        out = fn(given, w_given)
        for name, now in (("x", given), ("w", w_given)):
            if name not in changed and not np.array_equal(to_numpy(now), before[name],
                                                          equal_nan=True):
                changed.append(name)
        return out

    def twin() -> np.ndarray:
        """A square input of the non-square one's parity: which of the two differences
        (square or not, odd or even sides) a layer right on one of them only trips on."""
        return rng.standard_normal(rect.shape[:rect.ndim - d] + (rect.shape[-d],) * d)

    def failed(report: LayerReport, error: float, sentence: str) -> LayerReport:
        """A passing report, failed by a further draw: its error and the sentence that says
        which."""
        return LayerReport(group.name, kind, error, report.equivariance_error, sentence,
                           [sentence], {}, report.tolerance, report.reference_equivariance_error)

    def other_kernel(report: LayerReport) -> LayerReport:
        """A passing report checked once more with drawn weights of side k + 1, the other
        parity (lattice groups): an even kernel's centre lies between two taps. A layer that
        refuses that side keeps its report."""
        if not report.passed or weights is not None or \
                not isinstance(group, SemidirectProduct) or group.lattice == "hexagonal":
            return report
        x2 = rect if rect is not None else square
        w2 = rng.standard_normal(w.shape[:w.ndim - d] + (k + 1,) * d)
        try:
            expected = _OPS[kind](x2, w2, group, mode=padding_of(mode, k + 1))
        except ValueError:            # no room for the larger kernel
            return report
        try:
            got2 = _as_output(called(x2, w2), expected, group)
            error2 = relative_error(got2, expected)
        except Exception:             # the layer's own error: one kernel side only
            return report
        padded = ""
        if np.shape(got2) != expected.shape:
            # another shape: an even kernel's size-preserving "same" padding, a convention
            # (TensorFlow's, torch's padding="same"), compared with groupconv's correlation
            # under that padding, split either way; another shape still is left alone
            splits = {(k // 2, (k + 1) // 2), ((k + 1) // 2, k // 2)}
            if mode != "same" or np.shape(got2)[-d:] != x2.shape[-d:]:
                return _other_shape(report, k + 1, np.shape(got2), expected.shape, x2.shape,
                                    padding_of(mode, k + 1), mode == "same" and k % 2 == 1)
            errors = {}
            for lo, hi in sorted(splits):
                spread = np.pad(x2, [(0, 0)] * (x2.ndim - d) + [(lo, hi)] * d)
                errors[lo, hi] = relative_error(got2, _OPS[kind](spread, w2, group, mode=0))
            (lo, hi), error2 = min(errors.items(), key=lambda item: item[1])
            if error2 <= report.tolerance:
                return report
            padded = (f" (its output keeps the input's size, so it was compared with "
                      f"groupconv's correlation padded {lo} before and {hi} after)")
        elif error2 <= report.tolerance:
            return report
        sentence = (f"agrees with kernels of side {k}, but not with drawn kernels of side "
                    f"{k + 1}{padded} (error {error2:.1e} on the same {x2.shape[-d:]} input): the "
                    f"centre of a kernel of side k is (k - 1) / 2, a tap for odd k and between "
                    f"two taps for even k; a kernel turned or mirrored about k // 2 is right "
                    f"for odd k only (so is a padding split unevenly between the two sides, "
                    f"which gives the output of the right size, shifted)")
        return failed(report, error2, sentence)

    def other_draws(report: LayerReport) -> LayerReport:
        """A passing report checked once more on drawn inputs of sides in decreasing order and
        of mixed parity (size + d - 1, ..., size: H > W, one side odd, one even), then with
        exact zeros (half the values, and all of image 1: what a ReLU passes on), then with
        new weights of the same shape (unless weights are given), then on three images, then
        (unless x or weights are given) with one more input and output channel: a layer right
        only where H <= W, or where every side has one parity, or on inputs without zeros, or
        that keeps its bank from one call to the next (a cache keyed on the shapes), or written
        for two images, or that reads two input channels whatever it is given, must not pass (a
        layer that refuses the other channel counts, one of fixed channels, is not failed for
        it). With ``x`` given, the draws that keep its shape (its zeros, new weights, one image
        more); what was not drawn is said in the notes."""
        if not report.passed or group.lattice == "hexagonal":
            return report
        if x is None:
            sides = tuple(size + d - 1 - a for a in range(d))
            plain = rng.standard_normal((2, w.shape[1]) + ((group.samples,) if on_group else ())
                                        + sides)
        else:
            plain = square if square is not None else rect
        zeros = np.maximum(plain, 0.0)
        zeros[1:2] = 0.0
        trials = [] if x is not None else [
            (plain, w, f"{OTHER_DRAWS[0]} a {sides} input (sides in decreasing order, of "
                       f"mixed parity): does your layer assume H <= W, or one parity for "
                       f"every side?")]
        trials.append((zeros, w, f"{OTHER_DRAWS[1]} (half its values, and all of image 1: what "
                                 f"a ReLU passes on): does it divide by a value, or take its "
                                 f"logarithm or sign?"))
        if weights is None:
            trials.append((zeros, rng.standard_normal(w.shape),
                           f"{OTHER_DRAWS[2]}: does your layer keep its filter bank or its "
                           f"results from one call to the next (a cache keyed on the "
                           f"shapes)?"))
        trials.append((np.concatenate([plain, plain[:1]]), w,
                       f"{OTHER_DRAWS[3]}: does your layer assume a batch size?"))
        if weights is None and x is None:   # a layer of fixed channels may refuse these
            trials.append((rng.standard_normal(plain.shape[:1] + (w.shape[1] + 1,) +
                                               plain.shape[2:]),
                           rng.standard_normal((w.shape[0] + 1, w.shape[1] + 1) + w.shape[2:]),
                           f"{OTHER_DRAWS[4]} ({w.shape[1] + 1} -> {w.shape[0] + 1}): does "
                           f"your layer read a fixed number of channels, or mix them up?"))
        for a, wa, sentence in trials:
            expected, got = _OPS[kind](a, wa, group, mode=p), None
            try:
                got = _as_output(called(a, wa), expected, group)
                error = relative_error(got, expected)
            except Exception as failure:      # the layer's own error, on this input only
                if sentence.startswith(OTHER_DRAWS[4]):
                    continue
                error, sentence = float("inf"), (f"{sentence} (it raises "
                                                 f"{type(failure).__name__}: {failure})")
            if not error <= report.tolerance:
                if isinstance(got, np.ndarray) and not np.all(np.isfinite(got)):
                    sentence += (f" (your layer's output holds "
                                 f"{np.count_nonzero(~np.isfinite(got))} NaN or infinite "
                                 f"values of {got.size})")
                return failed(report, error, sentence)
        skipped = (["inputs of other sides"] if x is not None else []) + \
            (["new weights (a cache keyed on the shapes would pass)"] if weights is not None
             else []) + (["one more channel"] if x is not None or weights is not None else [])
        if skipped:
            given = " and ".join(name for name, value in (("x", x), ("weights", weights))
                                 if value is not None)
            report.notes.append(f"with {given} given, not drawn: {', '.join(skipped)}")
        return report

    def outside_hexagon(report: LayerReport) -> LayerReport:
        """On the hexagonal lattice, a passing report checked once more with values in the
        cells outside the hexagon of x (and of the drawn kernels), which groupconv's layers
        ignore: every draw above is zero there, so a layer that reads them passed."""
        if not report.passed or group.lattice != "hexagonal":
            return report
        a = square + np.where(domain_mask(group, square.shape[-2:]), 0.0,
                              rng.standard_normal(square.shape))
        wa = w if weights is not None else w + np.where(domain_mask(group, (k, k)), 0.0,
                                                        rng.standard_normal(w.shape))
        expected = _OPS[kind](square, w, group, mode=p)
        try:
            error = relative_error(_as_output(called(a, wa), expected, group), expected)
        except Exception:             # the layer's own error on such values: not this check's
            return report
        if error <= report.tolerance:
            return report
        sentence = (f"agrees where x{'' if weights is not None else ' and the kernels'} are "
                    f"zero outside their hexagons, but not with values in the cells outside "
                    f"them (error {error:.1e}): groupconv's layers ignore those cells (an "
                    f"array on the hexagonal lattice holds its function on the hexagon, "
                    f"docs/wallpaper.md); mask them, groupconv.groups.hexagon_mask")
        return failed(report, error, sentence)

    main = rect if rect is not None else square
    lead: list[str] = []

    def first_call(a):
        """The layer's output on ``a``; what it raises, as a ValueError saying what to give."""
        try:
            return probe(a)
        except Exception as error:      # whatever the layer's library raises
            if _unwritten(error):       # not written yet: its own message is the one to read
                raise
            raise ValueError(
                f"check_layer: the layer raised {type(error).__name__} on the drawn input of "
                f"shape {a.shape} with weights of shape {w.shape} ({error}); pass channels= "
                f"(C_in, C_out; {w.shape[1]}, {w.shape[0]} here), k=, size=, or x= and "
                f"weights= that it takes") from error

    try:
        got = probe(main)
    except Exception as error:      # a layer that only takes some inputs: say which, go on
        if rect is None or square is None:
            first_call(main)
        parity = d == 1 or not _runs(probe, twin())
        lead.append(f"your layer raises {type(error).__name__} on a {main.shape[-d:]} input "
                     f"({error}): it fails where " + (
                         f"the sides are {_parity(main.shape[-d:])}; on "
                         f"{_parity(square.shape[-d:])} ones:" if parity else
                         "the sides differ; on square inputs:"))
        main, rect = square, None
        got = first_call(main)
    out_dtype = getattr(got, "dtype", np.float64)
    tol = tolerance_for(out_dtype) if tolerance is None else float(tolerance)
    if changed:
        sentence = (f"your layer changes its input {' and '.join(changed)} in place (an "
                    f"operation with out=, +=, or an assignment into it): the caller's array "
                    f"is altered (a network's backward pass reads it again); work on a copy")
        return LayerReport(group.name, kind, float("inf"), float("nan"), sentence, [sentence],
                           {}, tol)
    if not (hasattr(got, "shape") and hasattr(got, "dtype")):
        sentence = (f"your layer returned {described(got)}, not an array: return the output "
                    f"{Space.on_group(group).layout()} as an array of any library")
        return LayerReport(group.name, kind, float("inf"), float("nan"), sentence, [sentence],
                           {}, tol)
    reference = _OPS[kind](main, w, group, mode=p)
    got_np = _as_output(got, reference, group)
    error = relative_error(got_np, reference)
    if isinstance(got_np, np.ndarray) and got_np.shape == reference.shape and \
            not np.all(np.isfinite(got_np)):
        sentence = (f"your layer's output holds {np.count_nonzero(~np.isfinite(got_np))} NaN "
                    f"or infinite values of {got_np.size}, where every expected value is "
                    f"finite")
        return LayerReport(group.name, kind, float("inf"), float("nan"), sentence, [sentence],
                           {}, tol)
    turned = square if square is not None else \
        _inputs(group, w.shape[1], on_group, size, rng)[0]
    equivariance_report = _equivariance(probe, group, parsed, turned)
    equivariance = _max_error(equivariance_report)
    allowed = _max_error(_equivariance(lambda a: _OPS[kind](a, w, group, mode=p), group,
                                       parsed, turned))
    if error <= tol and not lead and rect is not None and square is not None:
        # the non-square input alone is not enough: a layer may treat square inputs apart
        return other_kernel(other_draws(_stateless(_square_too(
            probe, square, rect, twin, w, group, parsed, p, error, equivariance, tol),
            allowed)))
    if error <= tol and not lead:
        return outside_hexagon(other_kernel(other_draws(_stateless(LayerReport(
            group.name, kind, error, equivariance, None, [], {}, tol), allowed))))
    plain = _plain_reason(called, got_np, reference, error, tol, main, w,
                          lambda a, b: _OPS[kind](a, b, group, mode=p), group, out_dtype,
                          weights is None)
    if plain is not None and not lead:    # (a structural search would read noise or a bias)
        return LayerReport(group.name, kind, error, equivariance, plain, [plain], {}, tol,
                           allowed)
    findings = explain(got_np, probe, main, w, group, parsed, p, tolerance=max(tol, 1e-9))
    notes: list[str] = []
    if rect is not None and square is not None:
        square_reference = _OPS[kind](square, w, group, mode=p)
        got_square = _as_output(probe(square), square_reference, group)
        square_error = relative_error(got_square, square_reference)
        shape, mixed = axes_mixed(d)
        if square_error <= tol and (d == 1 or not _agrees(probe, twin(), w, group, kind, p,
                                                           tol)):
            findings.sentences.insert(0, _parity_sentence(square.shape[-d:], main.shape[-d:]))
        elif square_error <= tol:
            findings.sentences.insert(0, f"agrees on {shape} inputs only: on a "
                                      f"{main.shape[-d:]} input your layer {mixed}")
        elif not findings.sentences:
            on_square = explain(got_square, probe, square, w, group, parsed, p,
                                tolerance=max(tol, 1e-9))
            findings.sentences += [f"{s} (on {shape} inputs; on others your layer also "
                                   f"{mixed.split(' (')[0]})" for s in on_square.sentences]
            findings.orders = findings.orders or on_square.orders
    note = _precision_note(got_np, reference, error, tol, out_dtype) or \
        _rounded_inputs_note(got_np, error, tol, lambda a, b: _OPS[kind](a, b, group, mode=p),
                             main, w)
    if note is not None and not findings.sentences and not findings.shape:
        findings.add(note)                 # the explanation, not "none of the known mistakes"
    elif note is not None:
        notes.append(note)
    subgroup = _subgroup_sentence(equivariance_report, max(tol, 1e-9))
    if subgroup is not None and not findings.sentences and not findings.shape:
        notes.append(subgroup)     # (an output of another shape, cropped, breaks it alone)
    orders = findings.orders
    if declared is not None and tuple(np.shape(got_np))[:3] != reference.shape[:3]:
        # the convention reorders the output's point axis (B, C, S, ...): in another layout
        # it was left as it is, and the orders found are the layer's own
        lead.insert(0, f"(your output is not in groupconv's layout, so the declared convention "
                       f"{declared[1]} was not applied to its point axis: what follows is said "
                       f"of your layer as it is; put its output in groupconv's layout and "
                       f"check again with the convention)")
    elif declared is not None:          # the orders to declare: the layer's element j is σ[c[j]]
        orders = {axis: [int(j) for j in np.asarray(order)[declared[0]]]
                  for axis, order in orders.items()}
        if not said_in_convention(findings, convention, group, parsed.reads_group,
                                  command_line=False):
            lead.insert(0, framed("", convention, group).strip())
    return LayerReport(group.name, kind, error, equivariance, _compose(findings, lead, notes),
                       list(findings.sentences), orders, tol, allowed)


def _point_axis_in(a: Any, order: np.ndarray) -> Any:
    """a (B, C, S, ...) with its point axis in ``order``: a[:, :, order], in a's library; a of
    another shape as it is (compared, and named, as it is)."""
    if not hasattr(a, "shape") or len(a.shape) < 3 or a.shape[2] != len(order):
        return a
    xp = array_namespace(a)
    return xp.take(a, xp.asarray(order, device=device(a)), axis=2)


def _in_order(fn: Callable[[Any, Any], Any], c: np.ndarray, reads_group: bool
              ) -> Callable[[Any, Any], Any]:
    """fn, written in an element order c (its element j is groupconv's c[j]), seen in
    groupconv's: x on G and the weights' point axis put in c's order (f_c[:, :, j] =
    f[:, :, c[j]]) before the call, the output's point axis put back after it; a change fn
    makes to its arguments in place is made to the caller's, where the check sees it."""
    back = np.argsort(c)

    def converted(x: Any, w: Any) -> Any:
        given = [(x, _point_axis_in(x, c) if reads_group else x),
                 (w, _point_axis_in(w, c) if reads_group else w)]
        y = fn(given[0][1], given[1][1])
        for mine, theirs in given:   # fn's changes to its arguments, made on the caller's too
            if theirs is not mine and is_writeable_array(mine):
                back_in_order = _point_axis_in(theirs, back)
                if not np.array_equal(to_numpy(back_in_order), to_numpy(mine), equal_nan=True):
                    mine[...] = back_in_order
        # (B, C_out, S, ...) only: another layout keeps its axes (a channels-last W of S
        # pixels is not a point axis)
        in_layout = hasattr(y, "shape") and len(y.shape) > 2 and \
            tuple(y.shape[:2]) == (x.shape[0], w.shape[0])
        return _point_axis_in(y, back) if in_layout else y
    return converted


#: The precisions an error's size can point to: (name, its relative rounding, whether a
#: float64 value is one of its numbers).
#: The coarsest first: a bfloat16 number (within float16's range) is a float16 number too.
_PRECISIONS = (
    ("bfloat16", TOLERANCES["bfloat16"],     # float32 numbers with 16 low bits of zeros
     lambda a: np.array_equal(a.astype(np.float32).astype(np.float64), a) and
     not np.any(a.astype(np.float32).view(np.uint32) & 0xFFFF)),
    ("float16", TOLERANCES["float16"],
     lambda a: np.array_equal(a.astype(np.float16).astype(np.float64), a)),
    ("float32", TOLERANCES["float32"],
     lambda a: np.array_equal(a.astype(np.float32).astype(np.float64), a)),
)


def _precision_note(got: Any, reference: np.ndarray, error: float, tol: float, out_dtype: Any
                    ) -> str | None:
    """The precision the layer computes in, where the error has the size of its rounding and
    every value the layer returned is a number of that precision (an error of that size alone
    has other causes too: then nothing is said); or that it rounds to whole numbers."""
    if not isinstance(got, np.ndarray) or not np.isfinite(error):
        return None
    if got.shape == reference.shape and np.array_equal(np.round(got), got) and \
            not np.array_equal(np.round(reference), reference) and \
            np.max(np.abs(got - reference)) <= 0.5 + 1e-9 * np.max(np.abs(reference)):
        # (whole numbers are bfloat16 numbers too, up to 256: checked first)
        return (f"every value your layer returns is the expected one rounded to a whole "
                f"number (np.round, an integer dtype, integer arithmetic?) (error "
                f"{error:.1e})")
    name = _precision_held(got, error, tol)
    if name is not None:
        return (f"every value your layer returns is a {name} number: it computes in {name} but "
                f"returns {out_dtype} (the error {error:.1e} is {name} rounding)")
    return None


def _precision_held(got: np.ndarray, error: float, tol: float) -> str | None:
    """The lower precision (bfloat16, float16, float32) whose rounding the error has the size
    of and whose numbers every value of ``got`` is, or None."""
    for name, rounding, holds in _PRECISIONS:
        with np.errstate(over="ignore"):
            if tol < rounding and error <= rounding and holds(got):
                return name
    return None


def _rounded_inputs_note(got: Any, error: float, tol: float, op: Callable, x: np.ndarray,
                         w: np.ndarray) -> str | None:
    """Where the error has the size of a precision's rounding and the layer's output is the
    exact correlation of its inputs rounded to that precision (x, w or both), a sentence that
    says so; else None."""
    if not isinstance(got, np.ndarray) or not np.isfinite(error):
        return None
    for name, dtype in (("float16", np.float16), ("float32", np.float32)):
        rounding = TOLERANCES[name]
        if not tol < rounding or not error <= rounding:
            continue
        # what may remain: float32 arithmetic on the rounded inputs at most (held to 1e-6),
        # not a second difference (a factor of 1 + 2e-6 hid behind error / 100)
        left = max(tol, min(error / 100, TOLERANCES["float32"] / 10))
        # rounded straight from float64 (NumPy), or through float32 first (torch's .half() of
        # a float64 tensor: a value near a tie can round the other way)
        for via in ((), (np.float32,)) if dtype == np.float16 else ((),):
            with np.errstate(over="ignore"):
                rx, rw = (_rounded(a, via + (dtype,)) for a in (x, w))
            for which, a, b in (("x and the weights", rx, rw), ("x", rx, w),
                                ("the weights", x, rw)):
                again = op(a, b)
                if got.shape == again.shape and relative_error(got, again) <= left:
                    return (f"your layer's output is the correlation of {which} rounded to "
                            f"{name} (error {error:.1e}, {name}'s rounding): it casts its "
                            f"inputs down; compute in the inputs' dtype")
    return None


#: What makes a float64 layer's numbers float32's (said by check_layer and
#: check_equivariance alike).
_FLOAT32_SOMEWHERE = ("kernels sampled or stored in float32, as escnn's and e2cnn's are, or a "
                      "float32 step")


def _unwritten(error: BaseException) -> bool:
    """Whether ``error`` is a NotImplementedError raised by the caller's own code (an exercise
    not written yet), not by a library it calls (torch raises one for shapes it does not
    support): the frame that raised it lies outside any site-packages or dist-packages
    folder."""
    if not isinstance(error, NotImplementedError):
        return False
    frame = error.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    name = frame.tb_frame.f_code.co_filename if frame is not None else ""
    return not any(folder in name for folder in ("site-packages", "dist-packages"))


def _plain_reason(called: Callable[[Any, Any], Any], got: np.ndarray, reference: np.ndarray,
                  error: float, tol: float, x: np.ndarray, w: np.ndarray,
                  op: Callable[[np.ndarray, np.ndarray], np.ndarray], group: AffineGroup,
                  out_dtype: Any, drawn: bool) -> str | None:
    """A reason for the difference that needs no search of conventions, or None: a float64
    output within float32's rounding (a layer whose numbers are float32's somewhere: escnn
    samples its filters in float32), an output that ignores the weights it is given (where
    they were ``drawn``: weights given may be the layer's own), or one bias added per output
    channel. An output of zeros, or groupconv's times a constant, is left to the search, which
    names it."""
    if got.shape != reference.shape or not np.any(got) or \
            constant_factor(got, reference, max(tol, 1e-12)) is not None:
        return None
    float32 = TOLERANCES["float32"]
    if tol < float32 and error <= float32 and _linear_at_zero(called, x, w):
        # (a small term added, not a correlation's rounding, keeps fn(0) away from zero)
        return (_precision_note(got, reference, error, tol, out_dtype) or
                _rounded_inputs_note(got, error, tol, op, x, w) or
                f"your layer agrees with groupconv to {error:.1e} (relative), within float32's "
                f"rounding, above the tolerance {tol:g} for its output's dtype: some of its "
                f"numbers are float32's ({_FLOAT32_SOMEWHERE}); pass tolerance=1e-5 to hold it "
                f"to float32's rounding, or compute in float64 throughout")
    again = None
    try:
        if drawn:
            again = _as_output(called(x, 2 * w), reference, group)
    except Exception:          # noqa: BLE001 - the layer's own error: other checks say it
        pass
    if again is not None and again.shape == got.shape and relative_error(again, got) <= tol:
        return ("your layer's output does not change when the weights double: it ignores the "
                "weights given (its own parameters, or a filter expanded and cached before: "
                "escnn's R2Conv keeps one in eval mode); check_layer needs a layer that "
                "computes with w. A layer whose weights cannot be set: check_equivariance, or "
                "read its expanded filter and pass weights= (docs/testing.md)")
    offsets = []                       # one constant per output channel (C_out, axis 1)?
    for c in range(got.shape[1]):
        offset = constant_offset(got[:, c], reference[:, c], max(tol, 1e-9))
        if offset is None and relative_error(got[:, c], reference[:, c]) > max(tol, 1e-9):
            return None
        offsets.append(offset or 0.0)
    if len(offsets) > 1 and np.ptp(offsets) > 0:     # (one for all: the search names it)
        return (f"your output is groupconv's plus a constant per output channel (a bias, "
                f"{np.array2string(np.array(offsets), precision=3, threshold=6)}): check_layer "
                f"compares the correlation without one; set the bias to zero (bias=False), or "
                f"check with groupconv conformance, whose bias cases load it")
    return None


def _linear_at_zero(called: Callable[[Any, Any], Any], x: np.ndarray, w: np.ndarray) -> bool:
    """Whether the layer (``called`` on x and w) gives exact zeros on a zero input, as a
    correlation does (whatever its rounding); False where it raises."""
    try:
        return not np.any(np.asarray(to_numpy(called(np.zeros_like(x), w)), np.float64))
    except Exception:          # noqa: BLE001 - the layer's own error: other checks say it
        return False


def _rounded(a: np.ndarray, dtypes: tuple) -> np.ndarray:
    """a cast to each of ``dtypes`` in turn, and back to float64."""
    for dtype in dtypes:
        a = a.astype(dtype)
    return a.astype(np.float64)


def _stateless(report: LayerReport, allowed: float) -> LayerReport:
    """The report of a layer that agrees with groupconv on the inputs compared, with
    groupconv's own equivariance error: a diagnosis if the layer's is larger (it agrees on some
    inputs and not on their turned copies: state kept between calls, or random draws)."""
    report.reference_equivariance_error = allowed
    if report.diagnosis is None and not report.equivariance_error <= allowed + report.tolerance:
        sentence = (f"agrees with groupconv on the inputs compared, but not on turned copies of "
                    f"a square input: equivariance error {report.equivariance_error:.1e} "
                    f"(groupconv's: {allowed:.1e}); does your layer keep results or kernels "
                    f"from one call to the next (a cache keyed on the shapes?), or draw random "
                    f"numbers (dropout in training mode)?")
        report.diagnosis, report.explanations = sentence, [sentence]
    return report


def _size_preserving_same(fn, x: np.ndarray, w: np.ndarray, group: AffineGroup, kind: str,
                          p: int, like: Any, w_given: Any) -> tuple[Callable, str] | None:
    """An even kernel's size-preserving "same" (torch's and TensorFlow's padding="same": p - 1
    zeros on one side, p on the other, n outputs), as groupconv's "same" (p on each side,
    n + 1 outputs, about the kernel's centre): the layer's own n outputs on the caller's array,
    completed by the extra row along each axis of a call given one more row of zeros on the side
    it pads less (whichever side matches better), and a note; None where its output does not
    keep the input's size."""
    d = group.dim

    def given(a: np.ndarray) -> Any:
        return a.copy() if like is None else _like(a, like)

    try:
        out = fn(given(x), w_given.copy() if isinstance(w_given, np.ndarray) else w_given)
        if tuple(np.shape(out))[-d:] != x.shape[-d:]:
            return None
    except Exception:               # the layer's own error: the checks say it
        return None
    expected = _OPS[kind](x, w, group, mode=p)

    def padded_layer(before: int) -> Callable:
        def layer(a, wa):
            if np.shape(wa)[-1] % 2:                # an odd kernel: its own "same" is ours
                return fn(a, wa)
            own = fn(a, wa)       # on the caller's own array: its values and in-place changes
            values = np.asarray(to_numpy(a))
            widths = [(0, 0)] * (values.ndim - d) + [(before, 1 - before)] * d
            padded = np.pad(values, widths)
            full = np.array(to_numpy(fn(padded if like is None else _like(padded, a), wa)),
                            dtype=np.float64)
            mine = np.asarray(to_numpy(own), dtype=np.float64)
            inner = (Ellipsis,) + tuple(slice(before, before + n) for n in values.shape[-d:])
            if full.shape[:full.ndim - d] != mine.shape[:mine.ndim - d] or \
                    full[inner].shape != mine.shape:
                return own                          # another shape: the checks say it
            full[inner] = mine    # the extra row alone from the padded call: every other
            return full           # value the layer computed on the data as it is
        layer._padded_to_same = True
        return layer

    errors = {}
    for before in (1, 0):
        try:
            got = _as_output(padded_layer(before)(given(x), w_given), expected, group)
            errors[before] = relative_error(got, expected)
        except Exception:           # the layer's own error: the checks say it
            errors[before] = float("inf")
    # torch's and TensorFlow's side (the extra zero after) unless the other fits clearly better
    before = 0 if errors[0] < 0.5 * errors[1] else 1
    low, high = p - before, p - 1 + before
    # the split named only where it fits (a wrong layer, or one that pads each axis its own
    # way, fits neither)
    split = f"{low} zeros before and {high} after on each axis" \
        if min(errors.values()) <= 1e-6 else f"{p - 1} zeros on one side and {p} on the other"
    note = (f"your layer keeps the input's size with an even kernel (as torch's and "
            f"TensorFlow's padding=\"same\" does: {split}); it was checked as groupconv's "
            f"mode=\"same\" ({p} on each side, n + 1 outputs about the kernel's centre): its "
            f"own outputs, and the extra row along each axis from a call "
            f"given one more row of zeros {'before' if before else 'after'} the input" + (
                ". The equivariance error above is that of the completed output: the layer's "
                "own n outputs are not equivariant (a turn or mirror about the centre moves "
                "the row it leaves out to the other side)" if group.samples > 1 else ""))
    return padded_layer(before), note


def _runs(probe: Callable[[np.ndarray], Any], x: np.ndarray) -> bool:
    """Whether the layer returns on x (rather than raising)."""
    try:
        probe(x)
    except Exception:           # the layer's own error, whatever it is
        return False
    return True


def _agrees(probe: Callable[[np.ndarray], Any], x: np.ndarray, w: np.ndarray,
            group: AffineGroup, kind: str, p: int, tol: float) -> bool:
    """Whether the layer agrees with groupconv on x (an error raised is a disagreement)."""
    reference = _OPS[kind](x, w, group, mode=p)
    try:
        return relative_error(_as_output(probe(x), reference, group), reference) <= tol
    except Exception:           # the layer's own error: it does not agree there
        return False


def _square_too(probe: Callable[[np.ndarray], Any], square: np.ndarray, rect: np.ndarray,
                twin: Callable[[], np.ndarray], w: np.ndarray, group: AffineGroup, kind: Kind,
                p: int, rect_error: float, equivariance: float, tol: float) -> LayerReport:
    """The report of a layer that agrees with groupconv on the non-square input (in 1D, the
    input of ``size``): it passes if it agrees on the square input (of the other parity) too;
    otherwise what it does there is diagnosed: a layer that takes square inputs apart, H == W,
    or one right for one parity of side only (told apart on ``twin()``, a square input of the
    non-square one's parity), must not pass."""
    d = group.dim
    reference = _OPS[kind.value](square, w, group, mode=p)
    sides, other = square.shape[-d:], rect.shape[-d:]
    try:
        got = _as_output(probe(square), reference, group)
    except Exception as error:      # the layer's own error, on square inputs only
        sentence = (f"agrees on inputs of {_parity(other)} sides only: your layer raises "
                    f"{type(error).__name__} on a {sides} input ({error})"
                    if d == 1 or _runs(probe, twin()) else
                    f"agrees on non-square inputs only: your layer raises "
                    f"{type(error).__name__} on a square {sides} input ({error})")
        return LayerReport(group.name, kind.value, float("inf"), equivariance, sentence,
                           [sentence], {}, tol)
    error = relative_error(got, reference)
    if error <= tol:
        return LayerReport(group.name, kind.value, max(rect_error, error), equivariance, None,
                           [], {}, tol)
    findings = explain(got, probe, square, w, group, kind, p, tolerance=max(tol, 1e-9))
    if d == 1 or _agrees(probe, twin(), w, group, kind.value, p, tol):
        findings.sentences = [_parity_sentence(other, sides)] + [
            f"{s} (on the {sides} input)" for s in findings.sentences]
    else:
        findings.sentences = [f"{s} (on a square {sides} input; on the non-square {other} one "
                              f"your layer agrees)" for s in findings.sentences] or [
            f"agrees on non-square inputs only: on a square {sides} input your layer differs "
            f"from groupconv (does it treat square inputs apart?)"]
    return LayerReport(group.name, kind.value, error, equivariance,
                       _compose(findings, [], []), list(findings.sentences), findings.orders,
                       tol)


def _as_output(got: Any, reference: np.ndarray, group: AffineGroup) -> Any:
    """The output in float64, on the hexagon (other cells zero) where the group's arrays
    are hexagonal, a copy (a layer that returns one buffer every call overwrites it); anything
    that is not an array as it is."""
    if hasattr(got, "dtype") and hasattr(got, "shape"):     # an array: real numbers only
        out = np.array(real_numpy(got, "check_layer: fn's result"))
    else:
        try:
            out = np.asarray(to_numpy(got), np.float64)
        except (TypeError, ValueError):
            return got
    if group.lattice == "hexagonal" and out.shape == reference.shape:
        out = np.where(domain_mask(group, out.shape[-2:]), out, 0.0)
    return out


class _Draws:
    """Standard normal draws (float64 arrays) held to the values the layer is given them as:
    rounded through ``like``'s library and dtype (x's, or an array of the ``dtype`` asked for),
    so that groupconv's reference reads the very numbers the layer reads (a float32 layer that
    computes in float64 is held to float64's tolerance against them, not against draws it never
    saw); float64, or no ``like``: as drawn."""

    def __init__(self, seed: int, like: Any) -> None:
        self._rng = np.random.default_rng(seed)
        dtype = getattr(like, "dtype", None)
        try:
            wide = like is None or (isinstance(like, np.ndarray) and like.dtype.kind != "f") \
                or array_namespace(like).finfo(dtype).bits >= 64
        except (TypeError, ValueError):      # not a floating dtype: the draws as they are
            wide = True
        self._like = None if wide else like

    def standard_normal(self, shape: tuple[int, ...]) -> np.ndarray:
        a = self._rng.standard_normal(shape)
        if self._like is None:
            return a
        xp = array_namespace(self._like)     # via float32, which holds bfloat16 and float16
        rounded = xp.astype(_like(a, self._like), xp.float32)
        return np.asarray(to_numpy(rounded), dtype=np.float64)


def _like(a: np.ndarray, like: Any) -> Any:
    """a in the array library and floating dtype of ``like`` (a user's input: a float32 x
    keeps the layer on its float32 path)."""
    if isinstance(like, np.ndarray):          # (a copy: fn may write into what it is given)
        return a.astype(like.dtype if np.issubdtype(like.dtype, np.floating) else a.dtype)

    xp = array_namespace(like)
    return xp.asarray(a, dtype=like.dtype)


def _equivariance(probe, group: AffineGroup, kind: Kind, square: np.ndarray
                  ) -> EquivarianceReport | None:
    """The layer's equivariance under each point element on a square input (None if its
    output cannot be read as a function on the group: a wrong shape)."""
    try:
        return check_equivariance(probe, group, input_space=kind.input_space(group),
                                  output_space=kind.output_space(group), translations=False,
                                  x=square)
    except (ValueError, TypeError, IndexError):
        return None


def _max_error(report: EquivarianceReport | None) -> float:
    return float("nan") if report is None else report.max_error


def _subgroup_sentence(report: EquivarianceReport | None, tol: float) -> str | None:
    """A sentence when the layer is equivariant under some elements besides the identity but
    not under all (a subgroup's: its point group acts as another group's, or part of it)."""
    if report is None:
        return None
    errors = {re.sub(r"(, [uvw]=0)+\)$", ")", name): e for name, e in report.errors.items()}
    good = [name for name, e in errors.items() if e <= tol]
    bad = [name for name, e in errors.items() if not e <= tol]
    if len(good) < 2 or not bad:
        return None
    shown = ", ".join(bad[:4]) + (f" and {len(bad) - 4} more" if len(bad) > 4 else "")
    return (f"your layer is equivariant under {len(good)} of the {len(errors)} point elements "
            f"only (a subgroup: {', '.join(good[:8])}{' ...' if len(good) > 8 else ''}), not "
            f"under {shown}: those elements act on its input, output or kernels as other ones")
