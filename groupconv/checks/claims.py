"""The claims of the theory, as checks on given inputs: group laws, L_g, equivariance.

Each claim is a function of its inputs (group elements, finite-support feature maps, filters)
that evaluates both sides of one equation with independent code and returns the error between
them: 0 for the integer group laws, a relative error (float64 rounding, <= 1e-12) for the
others. ``groupconv verify`` draws random inputs for every claim and group and prints the
table; the test suite feeds the same claims with inputs drawn by hypothesis.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..feature_maps import FeatureMap, L, pointwise, relative_error, restrict
from ..groups import Z2, Element, SemidirectProduct
from ..literal import (
    group_convolution, group_correlation, group_correlation_rewritten, lifting_correlation,
    planar_correlation,
)

__all__ = ["Claim", "CLAIMS", "TOLERANCE", "every_group", "planar_group", "random_element", "random_feature_map",
           "relu", "tanh"]

#: Relative error allowed where the maths is exact: float64 rounding of short sums.
TOLERANCE = 1e-12


def relu(a: np.ndarray) -> np.ndarray:
    return np.maximum(a, 0)


def tanh(a: np.ndarray) -> np.ndarray:
    return np.tanh(a)


# ---------------------------------------------------------------- group laws
def group_axioms(a: Element, b: Element, c: Element) -> float:
    """Closure, (ab)c = a(bc), ea = a = ae, a^-1 a = e = a a^-1: the number that fail."""
    e = a.group.identity()
    closed = np.array_equal((a * b).matrix(), a.matrix() @ b.matrix())
    checks = [closed, (a * b) * c == a * (b * c), e * a == a, a * e == a,
              a.inverse() * a == e, a * a.inverse() == e]
    return float(len(checks) - sum(checks))


def inverse_of_product(a: Element, b: Element) -> float:
    """(ab)^-1 = b^-1 a^-1: 0 when it holds."""
    return float((a * b).inverse() != b.inverse() * a.inverse())


# ------------------------------------------------------------------- L_g
def L_homomorphism(g: Element, h: Element, f: FeatureMap) -> float:
    """L_g L_h f = L_gh f."""
    return relative_error(L(g, L(h, f)), L(g * h, f))


def L_identity(f: FeatureMap) -> float:
    """L_e f = f."""
    return relative_error(L(f.group.identity(), f), f)


def L_translation(t: Element, f: FeatureMap) -> float:
    """L_t f = f o t^-1 for a translation t: the values move by t (the box moves, the array
    does not change), and (L_t f)(x) = f(x - t) at every element of the new support."""
    group = f.group
    shift = group.translation_of(t)
    shifted = FeatureMap(group, f.values, origin=(f.origin[0] - int(shift[0]),
                                                  f.origin[1] - int(shift[1])))
    moved = L(t, f)
    x = moved.support()
    pointwise_err = np.abs(moved(x) - f(t.inverse() * x)).max()
    return max(relative_error(moved, shifted), float(pointwise_err))


# --------------------------------------------------------------- correlations
def sum_scale(f: FeatureMap, psi: list[FeatureMap]) -> float:
    """max |f| * max ||psi||_1: no value of f * psi can exceed it, and float rounding of the
    sum is proportional to it (so errors are measured relative to it, robust to cancellation)."""
    return float(np.abs(f.values).max() * max(np.abs(p.values).sum() for p in psi)) or 1.0


def planar_translation_equivariance(t: Element, f: FeatureMap, psi: list[FeatureMap]) -> float:
    """(L_t f) * psi = L_t (f * psi) for translations t of Z^2."""
    return relative_error(planar_correlation(L(t, f), psi), L(t, planar_correlation(f, psi)),
                          sum_scale(f, psi))


def substitution(f: FeatureMap, psi: list[FeatureMap]) -> float:
    """sum_y f(y) psi(y - x) = sum_y f(x + y) psi(y): the substitution y -> x + y."""
    return relative_error(planar_correlation(f, psi), group_correlation_rewritten(f, psi),
                          sum_scale(f, psi))


def two_forms_agree(f: FeatureMap, psi: list[FeatureMap]) -> float:
    """sum_h f(h) psi(g^-1 h) = sum_h f(g h) psi(h)."""
    return relative_error(group_correlation(f, psi), group_correlation_rewritten(f, psi),
                          sum_scale(f, psi))


def lifting_equivariance(u: Element, f: FeatureMap, psi: list[FeatureMap],
                         group: SemidirectProduct) -> float:
    """(L_u f) * psi = L_u (f * psi) for the lifting correlation, u in G."""
    return relative_error(lifting_correlation(L(u, f), psi, group),
                          L(u, lifting_correlation(f, psi, group)), sum_scale(f, psi))


def group_correlation_equivariance(u: Element, f: FeatureMap, psi: list[FeatureMap]) -> float:
    """(L_u f) * psi = L_u (f * psi) for the G-correlation."""
    return relative_error(group_correlation(L(u, f), psi), L(u, group_correlation(f, psi)),
                          sum_scale(f, psi))


def group_convolution_equivariance(u: Element, f: FeatureMap, psi: list[FeatureMap]) -> float:
    """(L_u f) ∗ psi = L_u (f ∗ psi) for the true G-convolution."""
    return relative_error(group_convolution(L(u, f), psi), L(u, group_convolution(f, psi)),
                          sum_scale(f, psi))


def nonlinearity_equivariance(u: Element, f: FeatureMap) -> float:
    """nu(L_u f) = L_u nu(f) for pointwise nonlinearities (ReLU, tanh)."""
    return max(relative_error(pointwise(nu, L(u, f)), L(u, pointwise(nu, f)))
               for nu in (relu, tanh))


def cropped_correlation_error(t: Element, f: FeatureMap, psi: list[FeatureMap]) -> float:
    """What a fixed window loses: with f and f * psi cut to the window W of f's support,
    | crop_W((crop_W L_t f) * psi) - crop_W L_t crop_W(f * psi) | relative to the exact output.
    Non-zero: content shifted out of the window is lost, zeros shift in."""
    window = f.box
    lhs = restrict(planar_correlation(restrict(L(t, f), window), psi), window)
    rhs = restrict(L(t, restrict(planar_correlation(f, psi), window)), window)
    return relative_error(lhs, rhs, sum_scale(f, psi))


# ------------------------------------------------------------ random inputs
def random_element(group: SemidirectProduct, rng: np.random.Generator, kind: str = "general",
                   spread: int = 4) -> Element:
    """A random element: kind "translation" (h = e), "point" (t = 0) or "general"."""
    h = 0 if kind == "translation" else int(rng.integers(group.stabiliser.order))
    t = (0, 0) if kind == "point" else tuple(int(x) for x in rng.integers(-spread, spread + 1, 2))
    return group.from_parts(h, t)[()]


def random_feature_map(group: SemidirectProduct, rng: np.random.Generator, channels: int = 2,
                       max_size: int = 4, centred: bool = False) -> FeatureMap:
    """Random values on a random box (sizes 1..max_size) with a random origin (or centred)."""
    h, w = (int(n) for n in rng.integers(1, max_size + 1, 2))
    s = group.stabiliser.order
    values = rng.standard_normal((channels, h, w) if s == 1 else (channels, s, h, w))
    origin = "centre" if centred else tuple(int(o) for o in rng.integers(-2, 3, 2))
    return FeatureMap(group, values, origin=origin)


def _kinds(group: SemidirectProduct) -> tuple[str, ...]:
    return ("translation",) if group.stabiliser.order == 1 else ("translation", "point",
                                                                 "general")


def every_group(group: SemidirectProduct) -> bool:
    """Claims stated for every lattice group."""
    return True


def planar_group(group: SemidirectProduct) -> bool:
    """Claims about functions on Z^2 alone (translations only): the group Z2."""
    return group.stabiliser.order == 1


@dataclass(frozen=True)
class Claim:
    """A claim, its equation, which groups it is stated for (a predicate), and a random trial."""

    name: str
    equation: str
    applies_to: Callable[[SemidirectProduct], bool]
    trial: Callable[[SemidirectProduct, np.random.Generator], float]
    expect_equal: bool = True  # False: the claim is that the two sides differ

    def passes(self, error: float) -> bool:
        return error <= TOLERANCE if self.expect_equal else error > 1e-3


def _filters(group, rng, channels, count=2, planar=False):
    on = Z2 if planar else group
    return [random_feature_map(on, rng, channels, max_size=3, centred=True)
            for _ in range(count)]


def _trial_axioms(group, rng):
    return group_axioms(*(random_element(group, rng) for _ in range(3)))


def _trial_inverse(group, rng):
    return inverse_of_product(random_element(group, rng), random_element(group, rng))


def _trial_L_hom(group, rng):
    f = random_feature_map(group, rng)
    return L_homomorphism(random_element(group, rng), random_element(group, rng), f)


def _trial_L_id(group, rng):
    return L_identity(random_feature_map(group, rng))


def _trial_L_t(group, rng):
    return L_translation(random_element(group, rng, "translation"),
                         random_feature_map(group, rng))


def _trial_planar(group, rng):
    f = random_feature_map(group, rng)
    return planar_translation_equivariance(random_element(group, rng, "translation"), f,
                                           _filters(group, rng, f.channels))


def _trial_substitution(group, rng):
    f = random_feature_map(group, rng)
    return substitution(f, _filters(group, rng, f.channels))


def _trial_two_forms(group, rng):
    f = random_feature_map(group, rng)
    return two_forms_agree(f, _filters(group, rng, f.channels))


def _over_kinds(check):
    def trial(group, rng):
        return max(check(group, rng, kind) for kind in _kinds(group))
    return trial


def _trial_lifting(group, rng, kind):
    f = random_feature_map(Z2, rng)
    return lifting_equivariance(random_element(group, rng, kind), f,
                                _filters(group, rng, f.channels, planar=True), group)


def _trial_gcorr(group, rng, kind):
    f = random_feature_map(group, rng)
    return group_correlation_equivariance(random_element(group, rng, kind), f,
                                          _filters(group, rng, f.channels))


def _trial_gconv(group, rng, kind):
    f = random_feature_map(group, rng)
    return group_convolution_equivariance(random_element(group, rng, kind), f,
                                          _filters(group, rng, f.channels))


def _trial_nonlinearity(group, rng, kind):
    return nonlinearity_equivariance(random_element(group, rng, kind),
                                     random_feature_map(group, rng))


def _trial_cropped(group, rng):
    # a window of at least 3 x 3 with content up to its edges, shifted by one pixel
    h, w = (int(n) for n in rng.integers(3, 6, 2))
    f = FeatureMap(group, 1.0 + rng.random((2, h, w)), origin=(h // 2, w // 2))
    t = random_element(group, rng, "translation", spread=1)
    while not any(group.translation_of(t)):
        t = random_element(group, rng, "translation", spread=1)
    psi = [FeatureMap(group, rng.standard_normal((2, 3, 3)), origin="centre")]  # not pointwise
    return cropped_correlation_error(t, f, psi)


ALL = every_group
CLAIMS: tuple[Claim, ...] = (
    Claim("group_axioms", "closure; (ab)c = a(bc); ea = a = ae; a^-1 a = e", ALL,
          _trial_axioms),
    Claim("inverse_of_product", "(ab)^-1 = b^-1 a^-1", ALL, _trial_inverse),
    Claim("L_homomorphism", "L_g L_h f = L_gh f", ALL, _trial_L_hom),
    Claim("L_identity", "L_e f = f", ALL, _trial_L_id),
    Claim("L_translation", "L_t f = f o t^-1", ALL, _trial_L_t),
    Claim("planar_translation_equivariance", "(L_t f) * psi = L_t (f * psi)", planar_group,
          _trial_planar),
    Claim("substitution", "sum_y f(y) psi(y-x) = sum_y f(x+y) psi(y)", planar_group,
          _trial_substitution),
    Claim("two_forms_agree", "sum_h f(h) psi(g^-1 h) = sum_h f(gh) psi(h)", ALL,
          _trial_two_forms),
    Claim("lifting_equivariance", "(L_u f) * psi = L_u (f * psi), lifting", ALL,
          _over_kinds(_trial_lifting)),
    Claim("group_correlation_equivariance", "(L_u f) * psi = L_u (f * psi), on G", ALL,
          _over_kinds(_trial_gcorr)),
    Claim("group_convolution_equivariance", "(L_u f) ∗ psi = L_u (f ∗ psi), true conv.", ALL,
          _over_kinds(_trial_gconv)),
    Claim("nonlinearity_equivariance", "nu(L_u f) = L_u nu(f)", ALL,
          _over_kinds(_trial_nonlinearity)),
    Claim("cropped_correlation_breaks", "crop(L_t f) * psi != L_t crop(f * psi)", planar_group,
          _trial_cropped, expect_equal=False),
)
