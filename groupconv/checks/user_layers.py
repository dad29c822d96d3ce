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
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import math

import numpy as np

from ..arguments import choice, flag, integer
from ..fast.action import transform
from ..fast.correlate import group_convolution, group_correlation, lifting_correlation
from ..fast.validation import as_float, real_numpy
from ..groups import AffineGroup, Kind, PointGroup, SemidirectProduct, Space, domain_mask, get_group
from ..interop import ELEMENT_ORDER, element_order
from ..modes import padding_of
from ..nn.base import Layer
from .equivariance import EquivarianceReport, equivariance_errors, relative_error

__all__ = ["EquivarianceReport", "LayerReport", "check_equivariance", "check_layer",
           "parse_space"]

#: The spaces by name, parsed here, at the public edge.
_SPACES = {"plane": Space.on_plane, "group": Space.on_group,
           "points": Space.on_points, "invariant": Space.invariant}
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


def _default_input(space: Space, channels: int, size: int | None, seed: int) -> np.ndarray:
    """Random values with a zero border of two pixels (so a one-pixel shift wraps nothing);
    on the hexagonal lattice, square of odd side."""
    rng = np.random.default_rng(seed)
    d = space.dim
    n = size or _SIZE.get(d, 1)
    if space.group.lattice == "hexagonal" and n % 2 == 0:
        n += 1
    lead = (2, channels) + ((space.samples,) if space.point_axis else ())
    x = np.zeros(_drawn(lead + (n,) * d, "the input"))
    inner = tuple(slice(2, -2) if n > 4 else slice(None) for _ in range(d))
    x[(Ellipsis,) + inner] = rng.standard_normal(x[(Ellipsis,) + inner].shape)
    return x


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
                       translations: bool = True, seed: int = 0) -> EquivarianceReport:
    """fn(L_h x) = L_h fn(x) for every point sample h of the group, about the array centre (on
    an input of equal sides), and for a one-pixel translation within a zero border.

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
        The default input's channels and sides.
    translations : bool
        Check the one-pixel translation too (not on the hexagonal lattice).
    seed : int
        The default input's random draws.

    Returns
    -------
    EquivarianceReport
        ``errors`` per exact element (rounding only for an equivariant fn), ``max_error``, and
        ``measured`` per element that acts by interpolation (the sampled groups).

    Examples
    --------
    >>> import groupconv
    >>> from groupconv import nn
    >>> report = groupconv.check_equivariance(nn.GroupConv("p4m", 2, 3, 3, mode="same", rng=0))
    >>> report.max_error < 1e-6
    True
    """
    if not callable(fn):
        raise TypeError(f"fn must be a groupconv layer or a callable, got {type(fn).__name__}")
    channels = None if channels is None else integer(channels, "channels")
    size = None if size is None else integer(size, "size")
    translations = flag(translations, "translations")
    seed = integer(seed, "seed", 0)
    if isinstance(fn, Layer):
        if input_space is not None or output_space is not None:
            raise TypeError("a groupconv layer states its own spaces: give input_space and "
                            "output_space only for a plain callable")
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
    return _check(fn, space_in, space_out, x, channels, size, translations, seed)


def _generic_layer(layer: Layer, group: AffineGroup, x, channels, size, translations, seed
                   ) -> EquivarianceReport:
    """A layer that acts on any space, checked on every space of ``group`` it accepts."""
    report = EquivarianceReport(group.name)
    for space in (Space.on_plane(group), Space.on_group(group)):
        if not layer.accepts(space):
            continue
        bound = copy.deepcopy(layer).bind(space)
        part = _check(bound, space, bound.output_space, x if x is not None and
                      np.ndim(x) == space.core + 2 else None, channels, size, translations, seed)
        where = "on the plane" if not space.point_axis else "on the group"
        report.errors.update({f"{name} ({where})": e for name, e in part.errors.items()})
        report.measured.update({f"{name} ({where})": e for name, e in part.measured.items()})
    return report


def _check(fn, space_in: Space, space_out: Space, x, channels, size, translations, seed
           ) -> EquivarianceReport:
    if isinstance(fn, Layer):
        layer = fn
        channels = channels or layer.input_channels
        fn = (lambda a: layer(a))
    if x is None:
        x = _default_input(space_in, 2 if channels is None else channels, size, seed)
    elif not hasattr(x, "shape") or not hasattr(x, "dtype"):
        raise TypeError(f"x must be an array in {space_in.layout()}, got {type(x).__name__}")
    else:
        x = as_float(x, "check_equivariance: x")     # real numbers, in x's own library
    if np.ndim(x) < space_in.core + 1 or (space_in.spatial and
                                           len(set(x.shape[x.ndim - space_in.dim:])) != 1):
        raise ValueError(f"check_equivariance needs an input {space_in.layout()} with equal "
                         f"spatial sides, got shape {tuple(x.shape)}")
    return equivariance_errors(fn, x, space_in, space_out, translations=translations)


@dataclass
class LayerReport:
    """How a user's layer compares with groupconv: ``reference_error`` (relative, against
    groupconv's result), ``equivariance_error``, and ``diagnosis`` (None when it agrees)."""

    group: str
    kind: str
    reference_error: float
    equivariance_error: float
    diagnosis: str | None

    def __repr__(self) -> str:
        verdict = "agrees with groupconv" if self.diagnosis is None else self.diagnosis
        return (f"LayerReport({self.kind} on {self.group}): reference error "
                f"{self.reference_error:.1e}, equivariance error {self.equivariance_error:.1e}"
                f"\n  {verdict}")


_OPS = {"lifting": lifting_correlation, "correlation": group_correlation,
        "convolution": group_convolution}

#: Relative error below which a user's layer agrees (float32 layers round at about 1e-7).
AGREEMENT = 1e-5


def _variant_group(group: SemidirectProduct, name: str, generators: dict) -> SemidirectProduct:
    return SemidirectProduct(PointGroup(f"{group.stabiliser.name}~{name}", generators),
                             name=f"{group.name}~{name}")


def _candidates(group: SemidirectProduct, kind: str, x: np.ndarray, w: np.ndarray, p: int
                ) -> list[tuple[str, Callable[[], np.ndarray]]]:
    """What a layer following another convention would return, with the sentence that says
    so."""
    op = _OPS[kind]
    on_group = kind != "lifting"
    if not isinstance(group, SemidirectProduct):
        return []
    stab = group.stabiliser
    d = group.dim
    gens = {name: stab.element(**{name: 1}).matrix()[:d, :d] for name in stab.param_names}
    out = []
    if "r" in gens:   # r^-1 for r: the same group, turned the other way
        reversed_gens = dict(gens, r=np.rint(np.linalg.inv(gens["r"])).astype(np.int64))
        clockwise = _variant_group(group, "cw", reversed_gens)
        out.append(("agrees after reversing the rotation sense: your kernels turn clockwise",
                    lambda: op(x, w, clockwise, mode=p)))
    if "m" in gens:   # -m: the mirror about the perpendicular axis
        other = _variant_group(group, "lr", dict(gens, m=-gens["m"]))
        out.append(("agrees with the mirror about the other axis: your flip is left-right "
                    "(groupconv's M is up-down)" if np.array_equal(gens["m"], [[-1, 0], [0, 1]])
                    else "agrees with the mirror about the perpendicular axis: your mirror is "
                    "groupconv's -m", lambda: op(x, w, other, mode=p)))
    if "m" in gens and group.name.lower() in ELEMENT_ORDER["escnn"]:
        sigma = element_order("escnn", group)

        def escnn_order():
            xs = x[:, :, sigma] if on_group else x
            ws = w[:, :, sigma] if on_group else w
            inverse = np.argsort(sigma)
            return op(xs, ws, group, mode=p)[:, :, inverse]
        out.append(("agrees in escnn's element order (4 f + θ, flip first): map your fields "
                    "with groupconv.interop", escnn_order))
    if kind == "correlation":
        out.append(("agrees with a G-convolution: your layer convolves where it should "
                    "correlate", lambda: group_convolution(x, w, group, mode=p)))
    elif kind == "convolution":
        out.append(("agrees with a G-correlation: your layer correlates where it should "
                    "convolve", lambda: group_correlation(x, w, group, mode=p)))
    else:
        out.append(("agrees with a convolution (flipped kernels): your layer convolves where "
                    "it should correlate",
                    lambda: lifting_correlation(x, np.flip(w, axis=tuple(range(-d, 0))), group,
                                                mode=p)))
    k = w.shape[-1]
    for q in (p - 1, p + 1):
        if 0 <= q <= k - 1:
            out.append((f"agrees with padding {q} instead of {p}: your padding is off by "
                        f"{q - p:+d}", lambda q=q: op(x, w, group, mode=q)))

    def layout():
        ref = op(x, w, group, mode=p)
        b, c, s = ref.shape[:3]
        return np.swapaxes(ref, 1, 2).reshape(b, c, s, *ref.shape[3:])
    out.append(("agrees with the channels laid out (S, C) instead of (C, S): reshape your "
                "output", layout))
    return out


def check_layer(fn: Callable[[Any, Any], Any], group: AffineGroup | str, kind: str, *,
                weights: Any = None, mode: str | int = "valid", x: Any = None,
                channels: tuple[int, int] = (2, 3), k: int = 3, size: int = 9,
                seed: int = 0) -> LayerReport:
    """Does fn(x, w) compute groupconv's ``kind`` ("lifting", "correlation", "convolution") on
    ``group`` with padding ``mode``? Compared on random x (and w unless ``weights`` is given),
    float64; with its equivariance; and, on a mismatch, a diagnosis."""
    group = get_group(group)
    parsed = Kind.parse(kind)
    kind = parsed.value
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    if not isinstance(channels, (tuple, list)) or len(channels) != 2:
        raise TypeError(f"channels must be a pair (C_in, C_out), got {channels!r}")
    c_in, c_out = (integer(c, f"channels[{i}]") for i, c in enumerate(channels))
    k, size, seed = integer(k, "k"), integer(size, "size"), integer(seed, "seed", 0)
    rng = np.random.default_rng(seed)
    d = group.dim
    on_group = parsed.reads_group
    s = (group.samples,) if on_group else ()
    w = rng.standard_normal(_drawn((c_out, c_in) + ((group.weight_samples,) if on_group else ())
                                   + (k,) * d, "the weights")) if weights is None \
        else real_numpy(weights, "check_layer: weights")
    if w.ndim < 2 + d:
        raise ValueError(f"check_layer: weights must have shape (C_out, C_in, [J,] "
                         f"{', '.join(['k'] * d)}), got shape {w.shape}")
    k = w.shape[-1]
    p = padding_of(mode, group.kernel_size(k))
    if x is None:
        x = rng.standard_normal(_drawn((2, w.shape[1]) + s + (size,) * d, "the input"))
    x = real_numpy(x, "check_layer: x")
    if group.lattice == "hexagonal":   # functions on hexagons: inputs and outputs compared there
        x = np.where(domain_mask(group, x.shape[-2:]), x, 0.0)
        w = np.where(domain_mask(group, (k, k)), w, 0.0)
    reference = _OPS[kind](x, w, group, mode=p)
    got = real_numpy(fn(x, w), "check_layer: fn's result")
    if group.lattice == "hexagonal" and got.shape == reference.shape:
        got = np.where(domain_mask(group, got.shape[-2:]), got, 0.0)
    error = relative_error(got, reference)
    equivariance = check_equivariance(lambda a: fn(a, w), group,
                                      input_space=parsed.input_space(group),
                                      output_space=parsed.output_space(group),
                                      translations=False, x=x).max_error
    diagnosis = None
    if not error <= AGREEMENT:
        diagnosis = "agrees with none of the known conventions: check the formula"
        for sentence, candidate in _candidates(group, kind, x, w, p):
            try:
                if relative_error(got, candidate()) <= AGREEMENT:
                    diagnosis = sentence
                    break
            except ValueError:
                continue
    return LayerReport(group.name, kind, error, equivariance, diagnosis)
