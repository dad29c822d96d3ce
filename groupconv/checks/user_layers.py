"""Checkers for anyone's layer: is a function equivariant, and does it compute the lifting or
group correlation it claims to (and if not, which convention explains the difference)?

    check_equivariance(fn, group, input_space=..., output_space=...)
        fn(L_h x) against L_h fn(x) for every stabiliser element h (D4 as D4: the action of
        each element on the orientation axis, never a cyclic shift), about the array centre,
        and for a translation by one pixel inside a zero border (the input's last row and
        column must be zero; the one-pixel shift then wraps nothing).
    check_layer(fn, group, kind, weights=None, mode="valid")
        fn(x, w) against groupconv's result on random inputs, and its equivariance; on a
        mismatch, the known ways conventions differ are tried and the one that explains it is
        named (``.diagnosis``).

``fn`` may compute in any supported array library: it receives NumPy arrays unless ``x`` (and
``weights``) are given in another library, and its results are compared in float64.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from array_api_compat import array_namespace

from ..fast.action import transform
from ..fast.backend import to_numpy
from ..fast.correlate import group_convolution, group_correlation, lifting_correlation
from ..groups import PointGroup, SemidirectProduct, domain_mask, get_group
from ..interop import ELEMENT_ORDER, element_order
from ..modes import padding_of

__all__ = ["EquivarianceReport", "LayerReport", "check_equivariance", "check_layer"]

_SPACES = ("z2", "group")
_OUTPUTS = ("z2", "group", "invariant")


@dataclass
class EquivarianceReport:
    """The relative error max |fn(L_h x) - L_h fn(x)| / max |fn(x)| per element h."""

    group: str
    errors: dict[str, float] = field(default_factory=dict)

    @property
    def max_error(self) -> float:
        return max(self.errors.values(), default=0.0)

    def __repr__(self) -> str:
        lines = [f"equivariance on {self.group}: max error {self.max_error:.1e}",
                 f"  {'element':<32} {'error':>9}"]
        lines += [f"  {name:<32} {err:9.1e}" for name, err in self.errors.items()]
        return "\n".join(lines)


def _relative(a: Any, b: Any) -> float:
    a, b = np.asarray(to_numpy(a), np.float64), np.asarray(to_numpy(b), np.float64)
    if a.shape != b.shape:
        return float("inf")
    return float(np.abs(a - b).max() / (np.abs(b).max() or 1.0))


def check_equivariance(fn: Callable[[Any], Any], group: SemidirectProduct | str, *,
                       input_space: str = "z2", output_space: str = "group", x: Any = None,
                       channels: int = 2, size: int = 11, translations: bool = True,
                       seed: int = 0) -> EquivarianceReport:
    """fn(L_h x) = L_h fn(x) for every point transformation h of ``group`` (about the array
    centre, on a square input), and for a one-pixel translation within a zero border. On the
    hexagonal lattice (p3 ... p6m; axial coordinates, odd sides) x and both sides are taken on
    the hexagon about the array centre, and translations are not checked (a shift does not
    keep the hexagon).

    ``input_space``: "z2" (x of shape (B, C, H, W)) or "group" ((B, C, S, H, W));
    ``output_space``: "z2", "group" or "invariant" (fn(L_h x) = fn(x)).
    """
    group = get_group(group)
    if input_space not in _SPACES or output_space not in _OUTPUTS:
        raise ValueError(f"input_space must be one of {_SPACES} and output_space one of "
                         f"{_OUTPUTS}, got {input_space!r} and {output_space!r}")
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    on_group_in = input_space == "group"
    if x is None:
        rng = np.random.default_rng(seed)
        s = (group.stabiliser.order,) if on_group_in else ()
        x = np.zeros((2, channels) + s + (size, size))
        x[..., 2:-2, 2:-2] = rng.standard_normal((2, channels) + s + (size - 4, size - 4))
    if x.shape[-1] != x.shape[-2]:
        raise ValueError(f"check_equivariance needs a square input, got shape {tuple(x.shape)}")
    hexagonal = group.lattice == "hexagonal"
    if hexagonal:   # the function lives on the hexagon of the array: the other cells are zero
        x = transform(x, group.identity(), on_group=on_group_in)
    y = fn(x)
    report = EquivarianceReport(group.name)
    for h in group.stabiliser_elements():
        moved = fn(transform(x, h, on_group=on_group_in))
        if output_space == "invariant":
            expected = y
        else:
            expected = transform(y, h, on_group=output_space == "group")
            if hexagonal:   # compare on the hexagon, where L_h acts
                moved = transform(moved, group.identity(), on_group=output_space == "group")
        report.errors[repr(h)] = _relative(moved, expected)
    if translations and not hexagonal:
        shifted = np.roll(to_numpy(x), (1, 1), axis=(-2, -1))
        if not np.any(to_numpy(x)[..., -1:, :]) and not np.any(to_numpy(x)[..., :, -1:]):
            moved = to_numpy(fn(_like(shifted, x)))
            if output_space == "invariant":
                report.errors["translation (1, 1)"] = _relative(moved, y)
            else:   # output (i + 1, j + 1) of the shifted input is output (i, j) of x
                report.errors["translation (1, 1)"] = _relative(moved[..., 1:, 1:],
                                                                to_numpy(y)[..., :-1, :-1])
    return report


def _like(a: np.ndarray, like: Any) -> Any:
    """A NumPy array in the library of ``like``."""
    return a if isinstance(like, np.ndarray) else array_namespace(like).asarray(a)


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
    stab = group.stabiliser
    gens = {name: stab.element(**{name: 1}).matrix()[:2, :2] for name in stab.param_names}
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
                    lambda: lifting_correlation(x, w[..., ::-1, ::-1], group, mode=p)))
    k = w.shape[-1]
    for q in (p - 1, p + 1):
        if 0 <= q <= k - 1:
            out.append((f"agrees with padding {q} instead of {p}: your padding is off by "
                        f"{q - p:+d}", lambda q=q: op(x, w, group, mode=q)))

    def layout():
        ref = op(x, w, group, mode=p)
        b, c, s = ref.shape[:3]
        return ref.transpose(0, 2, 1, 3, 4).reshape(b, c, s, *ref.shape[3:])
    out.append(("agrees with the channels laid out (S, C) instead of (C, S): reshape your "
                "output", layout))
    return out


def check_layer(fn: Callable[[Any, Any], Any], group: SemidirectProduct | str, kind: str, *,
                weights: Any = None, mode: str | int = "valid", x: Any = None,
                channels: tuple[int, int] = (2, 3), k: int = 3, size: int = 9,
                seed: int = 0) -> LayerReport:
    """Does fn(x, w) compute groupconv's ``kind`` ("lifting", "correlation", "convolution") on
    ``group`` with padding ``mode``? Compared on random x (and w unless ``weights`` is given),
    float64; with its equivariance; and, on a mismatch, a diagnosis."""
    group = get_group(group)
    if kind not in _OPS:
        raise ValueError(f"kind must be one of {tuple(_OPS)}, got {kind!r}")
    if not callable(fn):
        raise TypeError(f"fn must be callable, got {type(fn).__name__}")
    rng = np.random.default_rng(seed)
    on_group = kind != "lifting"
    s = (group.stabiliser.order,) if on_group else ()
    c_in, c_out = channels
    w = rng.standard_normal((c_out, c_in) + s + (k, k)) if weights is None \
        else np.asarray(to_numpy(weights), np.float64)
    k = w.shape[-1]
    p = padding_of(mode, k)
    if x is None:
        x = rng.standard_normal((2, w.shape[1]) + s + (size, size))
    x = np.asarray(to_numpy(x), np.float64)
    if group.lattice == "hexagonal":   # functions on hexagons: inputs and outputs compared there
        x = np.where(domain_mask(group, *x.shape[-2:]), x, 0.0)
        w = np.where(domain_mask(group, k, k), w, 0.0)
    reference = _OPS[kind](x, w, group, mode=p)
    got = np.asarray(to_numpy(fn(x, w)), np.float64)
    if group.lattice == "hexagonal" and got.shape == reference.shape:
        got = np.where(domain_mask(group, *got.shape[-2:]), got, 0.0)
    error = _relative(got, reference)
    equivariance = check_equivariance(lambda a: fn(a, w), group,
                                      input_space="group" if on_group else "z2",
                                      translations=False, x=x).max_error
    diagnosis = None
    if error > AGREEMENT:
        diagnosis = "agrees with none of the known conventions: check the formula"
        for sentence, candidate in _candidates(group, kind, x, w, p):
            try:
                if _relative(got, candidate()) <= AGREEMENT:
                    diagnosis = sentence
                    break
            except ValueError:
                continue
    return LayerReport(group.name, kind, error, equivariance, diagnosis)
