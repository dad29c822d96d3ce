"""The claims of the theory, as checks on given inputs: group laws, L_g, equivariance, and the
array level (fast path against the literal sums, array-level equivariance, gradients), for every
group of the contract: lattice groups in d = 1, 2, 3 and the sampled groups.

Each claim is a function of its inputs (group elements, finite-support feature maps, filters,
arrays) that evaluates both sides of one equation with independent code and returns the error
between them: 0 for the integer group laws, a relative error (float64 rounding, <= 1e-12) for
the others, 1e-6 for central differences; a *measured* claim (equivariance of a sampled group
at samples that act by interpolation) compares its error with a stated bound instead.
``groupconv verify`` draws random inputs for every claim and group and prints the table; the
test suite feeds the same claims with inputs drawn by hypothesis.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import nn
from ..fast.action import transform
from ..fast import banks, engine
from ..fast.banks import bank_for
from ..fast.correlate import group_convolution as convolution_array
from ..fast.correlate import group_correlation as correlation_array
from ..fast.correlate import lifting_correlation as lifting_array
from ..feature_maps import FeatureMap, L, box_of, pointwise, relative_error, restrict
from ..groups import (
    P4, SE2, TRANSLATIONS, AffineGroup, Element, Kind, ScaleTranslation, SemidirectProduct, Space,
    domain_mask,
)
from ..groups.sampled import exact_cos_sin
from ..literal import (
    group_convolution, group_correlation, group_correlation_rewritten, lifting_correlation,
    planar_convolution, planar_correlation,
)
from ..literal.sampled import bilinear_value
from .equivariance import equivariance_errors

__all__ = ["Claim", "CLAIMS", "TOLERANCE", "MEASURED_BOUND", "every_group", "lattice_group",
           "sampled_group", "planar_group", "random_element", "random_feature_map", "relu",
           "tanh"]

#: Relative error allowed where the maths is exact: float64 rounding of short sums.
TOLERANCE = 1e-12
#: Largest relative L2 error a sampled group's layer may show at a sample that acts by
#: interpolation (a measured claim). Measured over 40 seeds of smooth inputs: SE(2)_8 at 45°
#: 0.03-0.11, the scale group at x2 and x4 0.06-0.30 (the sampling of magnified content);
#: a kernel turned the wrong way or a wrong wiring is near 1.
MEASURED_BOUND = 0.5


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


def sampled_group_laws(a: Element, b: Element, c: Element) -> float:
    """The laws of a sampled group, on the elements' homogeneous matrices: ab is the product
    of the matrices, (ab)c = a(bc), ea = a = ae, a^-1 a = e = a a^-1, (ab)^-1 = b^-1 a^-1.
    The rotation or scale index composes exactly; the real translations to float rounding:
    the largest deviation, relative to the largest entry."""
    e = a.group.identity()

    def m(g: Element) -> np.ndarray:
        return np.asarray(g.matrix(), np.float64)

    pairs = [(m(a * b), m(a) @ m(b)), (m((a * b) * c), m(a * (b * c))), (m(e * a), m(a)),
             (m(a * e), m(a)), (m(a.inverse() * a), m(e)), (m(a * a.inverse()), m(e)),
             (m((a * b).inverse()), m(b.inverse() * a.inverse()))]
    scale = max(1.0, *(float(np.abs(y).max()) for _, y in pairs))
    return max(float(np.abs(x - y).max()) for x, y in pairs) / scale


# ------------------------------------------------------------------- L_g
def matrix_and_action(group: SemidirectProduct, s: int, t: np.ndarray, x: np.ndarray
                      ) -> float:
    """g = T(t) h_s has the matrix [[A_s, t], [0, 1]] (A_s the point group's matrix of sample
    s, t the translation it was built from, both written out here) and acts on points by
    g x = A_s x + t: the number of entries that differ (the laws alone cannot see a
    consistently wrong matrix: conjugated by -I, the translations' signs flip and every law
    still holds)."""
    d = group.dim
    g = group.from_parts(s, t)[()]
    expected = np.eye(d + 1, dtype=np.int64)
    expected[:d, :d] = group.point_matrices()[s]
    expected[:d, d] = t
    moved = x @ group.point_matrices()[s].T + t
    return float(np.count_nonzero(g.matrix() != expected) +
                 np.count_nonzero(g.act(x) != moved))


def _trial_matrix(group, rng):
    d = group.dim
    return matrix_and_action(group, int(rng.integers(group.samples)),
                             rng.integers(-5, 6, d), rng.integers(-5, 6, (4, d)))


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
    shifted = FeatureMap(group, f.values, origin=tuple(o - int(s)
                                                       for o, s in zip(f.origin, shift)))
    moved = L(t, f)
    x = moved.support()
    pointwise_err = np.abs(moved(x) - f(t.inverse() * x)).max()
    return max(relative_error(moved, shifted), float(pointwise_err))


def L_definition(g: Element, f: FeatureMap) -> float:
    """(L_g f)(x) = f(g^-1 x) at every element x of L_g f's support, for any g (on a function
    on G, x and g^-1 x are elements of G: the point axis moves by the group law too), and
    nothing of f lost (the sums of |values| agree)."""
    moved = L(g, f)
    x = moved.support()
    pointwise_err = float(np.abs(moved(x) - f(g.inverse() * x)).max(initial=0.0))
    lost = abs(float(np.abs(moved.values).sum()) - float(np.abs(f.values).sum()))
    return max(pointwise_err, lost) / (float(np.abs(f.values).max()) or 1.0)


# --------------------------------------------------------------- correlations
def sum_scale(f: FeatureMap, psi: list[FeatureMap]) -> float:
    """max |f| * max ||psi||_1: no value of f * psi can exceed it, and float rounding of the
    sum is proportional to it (so errors are measured relative to it, robust to cancellation)."""
    return float(np.abs(f.values).max() * max(np.abs(p.values).sum() for p in psi)) or 1.0


def planar_translation_equivariance(t: Element, f: FeatureMap, psi: list[FeatureMap]) -> float:
    """(L_t f) * psi = L_t (f * psi) for translations t of Z^d."""
    return relative_error(planar_correlation(L(t, f), psi), L(t, planar_correlation(f, psi)),
                          sum_scale(f, psi))


def substitution(f: FeatureMap, psi: list[FeatureMap]) -> float:
    """sum_y f(y) psi(y - x) = sum_y f(x + y) psi(y): the substitution y -> x + y."""
    return relative_error(planar_correlation(f, psi), group_correlation_rewritten(f, psi),
                          sum_scale(f, psi))


def planar_convolution_value(f: FeatureMap, psi: list[FeatureMap]) -> float:
    """sum_y f(y) psi(x - y) = sum_y f(y) psi~(y - x), psi~(k) = psi(-k): the convolution on
    Z^d is the correlation with the filter reflected through the origin (its values flipped
    on every axis, its box reflected, written out here)."""
    d = f.group.dim
    # entry i sits at i - origin; flipped, entry j = n - 1 - i sits at origin - i
    reflected = [FeatureMap(p.group, np.flip(p.values, axis=tuple(range(1, d + 1))),
                            origin=tuple(n - 1 - o for o, n in zip(p.origin,
                                                                   p.values.shape[1:])))
                 for p in psi]
    return relative_error(planar_convolution(f, psi), planar_correlation(f, reflected),
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
#: Sides of random feature maps and filters by dimension: small enough for the literal sums of
#: the cube's 48 samples, large enough to hold every kind of overlap.
_MAP_SIZE = {1: 6, 2: 4, 3: 2}
_FILTER_SIZE = {1: 4, 2: 3, 3: 2}


def random_element(group: SemidirectProduct, rng: np.random.Generator, kind: str = "general",
                   spread: int = 4) -> Element:
    """A random element: kind "translation" (h = e), "point" (t = 0) or "general"."""
    h = 0 if kind == "translation" else int(rng.integers(group.samples))
    t = (0,) * group.dim if kind == "point" else \
        tuple(int(x) for x in rng.integers(-spread, spread + 1, group.dim))
    return group.from_parts(h, t)[()]


def random_feature_map(group: SemidirectProduct, rng: np.random.Generator, channels: int = 2,
                       max_size: int | None = None, centred: bool = False) -> FeatureMap:
    """Random values on a random box (sides 1..max_size) with a random origin (or centred)."""
    d = group.dim
    sides = tuple(int(n) for n in rng.integers(1, (max_size or _MAP_SIZE[d]) + 1, d))
    s = group.samples
    values = rng.standard_normal((channels,) + sides if s == 1 else (channels, s) + sides)
    origin = "centre" if centred else tuple(int(o) for o in rng.integers(-2, 3, d))
    return FeatureMap(group, values, origin=origin)


def _kinds(group: SemidirectProduct) -> tuple[str, ...]:
    return ("translation",) if group.samples == 1 else ("translation", "point", "general")


def every_group(group: AffineGroup) -> bool:
    """Claims stated for every group."""
    return True


def lattice_group(group: AffineGroup) -> bool:
    """Claims about lattice groups Z^d x| H (exact integer laws, functions with finite support)."""
    return isinstance(group, SemidirectProduct)


def array_lattice(group: AffineGroup) -> bool:
    """Claims about the array level of a lattice group (one whose point group acts on arrays)."""
    return lattice_group(group) and group.lattice is not None


def array_group(group: AffineGroup) -> bool:
    """Claims about the array level of any group: a lattice group with an array layout, or a
    sampled group."""
    return not lattice_group(group) or group.lattice is not None


def sampled_group(group: AffineGroup) -> bool:
    """Claims about the sampled groups (SE(2)_N, scales), whose samples act by interpolation."""
    return not lattice_group(group)


def planar_group(group: AffineGroup) -> bool:
    """Claims about functions on Z^d alone (translations only): Z1, Z2, Z3."""
    return lattice_group(group) and group.samples == 1


@dataclass(frozen=True)
class Claim:
    """A claim, its equation, which groups it is stated for (a predicate), and a random trial."""

    name: str
    equation: str
    applies_to: Callable[[AffineGroup], bool]
    trial: Callable[[AffineGroup, np.random.Generator], float]
    expect_equal: bool = True  # False: the claim is that the two sides differ
    tolerance: float = TOLERANCE
    level: str = "exact"       # "exact" (functions with finite support), "array", "measured"

    def passes(self, error: float) -> bool:
        """Equal sides: error <= tolerance; differing sides: error > 1e-3. NaN never passes."""
        if not np.isfinite(error):
            return False
        return error <= self.tolerance if self.expect_equal else error > 1e-3


def _filters(group, rng, channels, count=2, planar=False):
    on = TRANSLATIONS[group.dim] if planar else group
    return [random_feature_map(on, rng, channels, max_size=_FILTER_SIZE[group.dim],
                               centred=True) for _ in range(count)]


def _trial_axioms(group, rng):
    return group_axioms(*(random_element(group, rng) for _ in range(3)))


def _trial_inverse(group, rng):
    return inverse_of_product(random_element(group, rng), random_element(group, rng))


def _trial_sampled_laws(group, rng):
    """Elements of every sample (those that act by interpolation too) with real translations."""
    return sampled_group_laws(*(group.from_parts(int(rng.integers(group.samples)),
                                                 tuple(rng.uniform(-4, 4, group.dim)))[()]
                                for _ in range(3)))


def _general_element(group, rng):
    """A random element with a point part other than the identity (where H has one) and a
    translation other than zero: the law of the semidirect product shows only on those."""
    while True:
        g = random_element(group, rng)
        if (group.samples == 1 or int(group.point_index(g)) != 0) and \
                np.any(group.translation_of(g)):
            return g


def _trial_L_hom(group, rng):
    f = random_feature_map(group, rng)
    return L_homomorphism(_general_element(group, rng), _general_element(group, rng), f)


def _trial_L_id(group, rng):
    return L_identity(random_feature_map(group, rng))


def _trial_L_t(group, rng):
    return L_translation(random_element(group, rng, "translation"),
                         random_feature_map(group, rng))


def _trial_L_definition(group, rng):
    return L_definition(random_element(group, rng), random_feature_map(group, rng))


def _trial_planar_convolution(group, rng):
    f = random_feature_map(group, rng)
    return planar_convolution_value(f, _filters(group, rng, f.channels))


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
    f = random_feature_map(TRANSLATIONS[group.dim], rng)
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
    # a window of at least 3 on every axis with content up to its edges, shifted by one pixel
    d = group.dim
    sides = tuple(int(n) for n in rng.integers(3, 6 if d < 3 else 4, d))
    f = FeatureMap(group, 1.0 + rng.random((2,) + sides), origin=tuple(n // 2 for n in sides))
    t = random_element(group, rng, "translation", spread=1)
    while not any(group.translation_of(t)):
        t = random_element(group, rng, "translation", spread=1)
    psi = [FeatureMap(group, rng.standard_normal((2,) + (3,) * d), origin="centre")]
    return cropped_correlation_error(t, f, psi)


def convolution_value(f: FeatureMap, psi: list[FeatureMap]) -> float:
    """sum_h f(h) psi(h^-1 g) = sum_h f(h) psi~(g^-1 h) with psi~(k) = psi(k^-1): the true
    G-convolution is the G-correlation with the inverted filter."""
    group = f.group
    inverted = []
    for p in psi:
        support = p.support()                                 # elements k of psi's support
        tilde_support = support.inverse()                     # psi~ lives on their inverses
        box = box_of(group.translation_of(tilde_support))
        values = np.zeros((p.channels, group.samples) +
                          tuple(b - a + 1 for a, b in zip(*box)))
        t = group.translation_of(tilde_support) - np.array(box[0])
        s = group.point_index(tilde_support)
        values[(slice(None), s) + tuple(t[..., a] for a in range(group.dim))] = p(support)
        inverted.append(FeatureMap(group, values if group.samples > 1 else values[:, 0],
                                   origin=tuple(-a for a in box[0])))
    return relative_error(group_convolution(f, psi), group_correlation(f, inverted),
                          sum_scale(f, psi))


def _trial_convolution_value(group, rng):
    f = random_feature_map(group, rng)
    return convolution_value(f, _filters(group, rng, f.channels))


def rotation_convention(group: SemidirectProduct, f: np.ndarray) -> float:
    """L_R f = f o R^-1 is np.rot90(f) and L_M f is f[::-1, :] on an array centred at the
    origin (GrouPy's conventions, docs/conventions.md), for the elements R, M in the group."""
    fmap = FeatureMap(TRANSLATIONS[2], f, origin="centre")
    worst = 0.0
    for matrix, expected in ((np.array([[0, -1], [1, 0]]), np.rot90(f, 1, axes=(-2, -1))),
                             (np.array([[-1, 0], [0, 1]]), f[..., ::-1, :])):
        found = [i for i, m in enumerate(group.point_matrices()) if np.array_equal(m, matrix)]
        if found:
            g = group.from_parts(found[0], (0, 0))[()]
            worst = max(worst, float(np.abs(L(g, fmap).values - expected).max()))
    return worst


def _trial_convention(group, rng):
    n = 2 * int(rng.integers(1, 4)) + 1
    return rotation_convention(group, rng.standard_normal((2, n, n)))


# The documented elements (docs/conventions.md for the line, docs/wallpaper.md, docs/cubic.md),
# written out here apart from the groups' code: each registered point group's generators in
# order, (matrix, order); element index a_1 ... a_n in mixed radix (the last generator fastest)
# is g_1^a_1 ... g_n^a_n.
_I2, _M, _S = -np.eye(2, dtype=int), np.array([[-1, 0], [0, 1]]), np.array([[0, 1], [1, 0]])
_R, _R3, _R6 = np.array([[0, -1], [1, 0]]), np.array([[-1, -1], [1, 0]]), \
    np.array([[0, -1], [1, 1]])
_M31 = np.array([[1, 1], [0, -1]])
# 3D, on (u, v, w) = (depth, row, column): r (u, -w, v); c (w, u, v); h a half turn about w; i
# the inversion; s u -> -u; m v -> -v; q and y half turns about v; x about u; d v <-> w
_r3 = np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]])
_c3 = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0]])
_h3, _i3 = np.diag([-1, -1, 1]), -np.eye(3, dtype=int)
_s3, _m3 = np.diag([-1, 1, 1]), np.diag([1, -1, 1])
_x3, _y3 = np.diag([1, -1, -1]), np.diag([-1, 1, -1])
_d3 = np.array([[1, 0, 0], [0, 0, 1], [0, 1, 0]])
DOCUMENTED_GENERATORS: dict[str, tuple[tuple[np.ndarray, int], ...]] = {
    "z1": (), "z1m": ((-np.eye(1, dtype=int), 2),), "z2": (), "z3": (),
    "p2": ((_I2, 2),), "pm": ((_M, 2),), "cm": ((_S, 2),), "pmm": ((_M, 2), (_I2, 2)),
    "cmm": ((_S, 2), (_I2, 2)), "p4": ((_R, 4),), "p4m": ((_M, 2), (_R, 4)),
    "p3": ((_R3, 3),), "p3m1": ((_S, 2), (_R3, 3)), "p31m": ((_M31, 2), (_R3, 3)),
    "p6": ((_R6, 6),), "p6m": ((_S, 2), (_R6, 6)),
    "p222": ((_x3, 2), (_y3, 2)), "p422": ((_y3, 2), (_r3, 4)),
    "p4/mmm": ((_s3, 2), (_m3, 2), (_r3, 4)), "p23": ((_c3, 3), (_x3, 2), (_y3, 2)),
    "p-43m": ((_d3, 2), (_c3, 3), (_x3, 2), (_y3, 2)), "p432": ((_c3, 3), (_h3, 2), (_r3, 4)),
    "pm-3m": ((_i3, 2), (_c3, 3), (_h3, 2), (_r3, 4)),
}


def documented_elements(group: SemidirectProduct) -> float:
    """The number of point elements (and hexagon sizes) that differ from the documentation:
    h_index = g_1^a_1 ... g_n^a_n, index the mixed radix of (a_1, ..., a_n); on the hexagonal
    lattice a kernel of side 2r + 1 holds 3 r (r + 1) + 1 cells."""
    generators = DOCUMENTED_GENERATORS[group.name.lower()]
    d = group.dim
    expected = []
    for exponents in np.ndindex(*(order for _, order in generators)):
        h = np.eye(d, dtype=int)
        for (g, _), a in zip(generators, exponents):
            h = h @ np.linalg.matrix_power(g, a)
        expected.append(h)
    found = list(group.point_matrices())
    wrong = abs(len(found) - len(expected))
    if len(found) == len(expected):
        wrong += sum(not np.array_equal(a, b) for a, b in zip(found, expected))
    if group.lattice == "hexagonal":
        wrong += sum(int(domain_mask(group, (2 * r + 1,) * 2).sum()) != 3 * r * (r + 1) + 1
                     for r in range(4))
    return float(wrong)


def _documented(group: AffineGroup) -> bool:
    return lattice_group(group) and group.name.lower() in DOCUMENTED_GENERATORS


def _has_rotation_or_mirror(group: AffineGroup) -> bool:
    return lattice_group(group) and group.dim == 2 and any(
        np.array_equal(m, r) for m in group.point_matrices()
        for r in (np.array([[0, -1], [1, 0]]), np.array([[-1, 0], [0, 1]])))


# ---------------------------------------------------------------- the array level
_ARRAY_OPS = {Kind.LIFTING: lifting_array, Kind.CORRELATION: correlation_array,
              Kind.CONVOLUTION: convolution_array}


def _kinds_of(group: AffineGroup) -> tuple[Kind, ...]:
    """The correlations of a group: the sampled groups have no true G-convolution here."""
    return tuple(Kind) if lattice_group(group) else (Kind.LIFTING, Kind.CORRELATION)


def _array_scale(x: np.ndarray, w: np.ndarray) -> float:
    """max |x| * max_o ||w_o||_1: the largest value an output entry can take (rounding scales
    with it)."""
    return float(np.abs(x).max() * np.abs(w).reshape(w.shape[0], -1).sum(axis=1).max()) or 1.0


def _random_layer(group: AffineGroup, rng: np.random.Generator, kind: Kind, k: int,
                  size: tuple[int, ...], channels: int = 2, mixed: bool = False
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Random x in the kind's input space and weights of the kind, float64; ``mixed``: exactly
    ``channels`` input channels (a layer that mixes them up shows) and one output channel,
    else 1 to ``channels`` of each."""
    c_in, c_out = (int(n) for n in rng.integers(1, channels + 1, 2))
    c_in, c_out = (channels, 1) if mixed else (c_in, c_out)
    x_axis = (group.samples,) if kind.reads_group else ()
    w_axis = (group.weight_samples,) if kind.reads_group else ()
    x = rng.standard_normal((1, c_in) + x_axis + size)
    w = rng.standard_normal((c_out, c_in) + w_axis + (k,) * group.dim)
    return x, w


def _hexagonal(group: AffineGroup) -> bool:
    return group.lattice == "hexagonal"


def _draw_k(group: AffineGroup, rng: np.random.Generator, largest: int | None = None) -> int:
    """A kernel size: odd and even on the hypercubic lattices (at most 4 in 1D and 2D, 2 in
    3D), odd on the hexagonal one (a hexagonal kernel has a centre cell), not 2 on SE(2)."""
    largest = largest or (2 if group.dim == 3 else 4)
    if _hexagonal(group):
        return 2 * int(rng.integers(0, (largest + 1) // 2)) + 1
    k = int(rng.integers(1, largest + 1))
    # SE(2)'s disk holds no pixel of a 2 x 2 filter (refused: every filter would be zero)
    return 3 if k == 2 and isinstance(group, SE2) and group.disk else k


def _draw_size(group: AffineGroup, rng: np.random.Generator, k: int, spread: int = 3,
               equal: bool = False) -> tuple[int, ...]:
    """An input shape of at least the expanded kernel on every axis: sides that differ too on
    the hypercubic lattices (unless ``equal``); square of odd side (K + an even number) on the
    hexagonal one."""
    size = group.kernel_size(k)
    if _hexagonal(group):
        n = size + 2 * int(rng.integers(0, (spread + 1) // 2 + 1))
        return n, n
    spread = min(spread, 2) if group.dim == 3 else spread
    first = size + int(rng.integers(0, spread))
    return tuple(first if equal or a == 0 else size + int(rng.integers(0, spread))
                 for a in range(group.dim))


def fast_equals_literal(group: AffineGroup, x: np.ndarray, w: np.ndarray, kind: Kind,
                        mode: str | int) -> float:
    """The fast path (bank expansion + engine) equals the literal sums read on the array."""
    op = _ARRAY_OPS[kind]
    fast, slow = op(x, w, group, mode=mode), op(x, w, group, mode=mode, method="literal")
    if not np.any(slow):      # random x and w: an output of zeros is a trial that shows nothing
        return float("inf")
    # the engine's chunks: six images in one call (image i scaled by 2^i, exactly), and the
    # smallest chunks a workspace bound of one byte leaves (slabs of one output row)
    b = x.shape[0]
    batch = op(np.concatenate([x * 2.0**i for i in range(6)]), w, group, mode=mode)
    sliced = op(x, w, group, mode=mode, max_workspace=1)
    errors = [fast - slow, sliced - slow] + [batch[i * b:(i + 1) * b] / 2.0**i - slow
                                             for i in range(6)]
    return max(float(np.abs(e).max()) for e in errors) / _array_scale(x, w)


def _trial_fast_literal(group, rng):
    """The worst error over the kinds, and the draw that gave it (said where it fails)."""
    worst, drawn = 0.0, ""
    for kind in _kinds_of(group):
        # odd and even (hypercubic); in 3D the lifting draws k = 2 or 3 (its literal sums on a
        # 3 x 3 x 3 kernel take a tenth of a second; the group correlation's take seconds)
        k = 2 + int(rng.integers(2)) if group.dim == 3 and kind is Kind.LIFTING else \
            _draw_k(group, rng)
        size = group.kernel_size(k)
        mode = ["valid", "same", "full", int(rng.integers(0, size))][int(rng.integers(4))]
        # two input channels always in 3D and on the sampled groups, whose literal sums cost
        # the most (channels mixed up show; elsewhere one or two are drawn)
        x, w = _random_layer(group, rng, kind, k, _draw_size(group, rng, k), 2,
                             mixed=group.dim == 3 or sampled_group(group))
        error = fast_equals_literal(group, x, w, kind, mode)
        if not error <= worst:
            worst, drawn = error, (f"the {kind.value}, k = {k}, mode {mode!r}, x of shape "
                                   f"{x.shape}, w of shape {w.shape}")
    return worst, drawn


def fast_float32(group: AffineGroup, x: np.ndarray, w: np.ndarray, kind: Kind,
                 mode: str | int) -> float:
    """The fast path on float32 x and w against the literal sums of the same values in
    float64: float32 rounding alone (a path taken for float32 only shows here; every other
    claim computes in float64)."""
    op = _ARRAY_OPS[kind]
    x32, w32 = x.astype(np.float32), w.astype(np.float32)
    fast = op(x32, w32, group, mode=mode)
    slow = op(x32.astype(np.float64), w32.astype(np.float64), group, mode=mode,
              method="literal")
    if fast.dtype != np.float32 or not np.any(slow):
        return float("inf")
    return float(np.abs(fast - slow).max()) / _array_scale(x, w)


def _trial_fast_float32(group, rng):
    """One kind, k and mode drawn per trial, on the smallest inputs (the literal sums are the
    cost; the other array claims vary the shapes)."""
    kinds = _kinds_of(group)
    kind = kinds[int(rng.integers(len(kinds)))]
    k = _draw_k(group, rng)
    mode = ["valid", "same", "full"][int(rng.integers(3))]
    x, w = _random_layer(group, rng, kind, k, _draw_size(group, rng, k, spread=1), 2)
    return fast_float32(group, x, w, kind, mode)


def layer_equivariance(group: AffineGroup, rng: np.random.Generator) -> float:
    """Each of the library's layers, every parameter and statistic drawn (biases, gamma, beta,
    running mean and variance), commutes with L_h at every exact h about the array centre
    (``equivariance_errors``, the one routine): the lifting and group correlation with their
    bias, batch normalisation in evaluation mode, ReLU, SiLU, pooling over the point axis
    (max, mean), 2 x 2 spatial pooling (max, mean; not on the hexagonal lattice, on sides
    it pools exactly) and global pooling (mean, max). The largest relative error, float64."""
    d = group.dim
    on_g = Space.on_group(group)
    hexagonal = _hexagonal(group)
    side = max(8 if d < 3 else 6, group.kernel_size(3) + 2)
    side += (side % 2 == 0) if hexagonal else side % 2       # odd on hexagons, else even
    x_plane = rng.standard_normal((2, 2) + (side,) * d)
    x_group = rng.standard_normal((2, 2, group.samples) + (side,) * d)
    lifting = nn.LiftingConv(group, 2, 2, 3, mode="same", dtype=np.float64, rng=rng)
    grouped = nn.GroupConv(group, 2, 2, 3, mode="same", dtype=np.float64, rng=rng)
    for conv in (lifting, grouped):
        conv.params["bias"] = rng.standard_normal(2)
    norm = nn.BatchNorm(2, dtype=np.float64)
    norm.params["gamma"], norm.params["beta"] = rng.standard_normal(2), rng.standard_normal(2)
    norm.running_mean, norm.running_var = rng.standard_normal(2), rng.uniform(0.5, 2.0, 2)
    layers = [(lifting, x_plane), (grouped, x_group)] + [
        (layer.bind(on_g), x_group) for layer in
        [norm, nn.ReLU(), nn.SiLU(), nn.SubgroupPool("max"), nn.SubgroupPool("mean"),
         nn.GlobalPool("mean"), nn.GlobalPool("max")] +
        ([] if hexagonal else [nn.SpatialPool(2, kind="max"), nn.SpatialPool(2, kind="mean")])]
    worst = 0.0
    for layer, x in layers:
        report = equivariance_errors(lambda a, layer=layer: layer.forward(a, False)[0], x,
                                     layer.input_space, layer.output_space, measured=False,
                                     translations=False)
        worst = max(worst, report.max_error)
    return worst


def array_equivariance(group: AffineGroup, x: np.ndarray, w: np.ndarray, kind: Kind,
                       mode: str | int) -> float:
    """layer(L_h x) = L_h layer(x) about the array centre, for every exact sample h, on an
    input of equal sides (exact for every mode and k at the array level): the one equivariance
    routine (``checks.equivariance``), relative to the largest output value."""
    op = _ARRAY_OPS[kind]
    report = equivariance_errors(lambda a: op(a, w, group, mode=mode), x,
                                 kind.input_space(group), kind.output_space(group),
                                 measured=False, translations=False)
    y = op(x, w, group, mode=mode)
    if not np.any(y):         # random x and w: an output of zeros is a trial that shows nothing
        return float("inf")
    return report.max_error * float(np.abs(y).max()) / _array_scale(x, w)


def _trial_array_equivariance(group, rng):
    """Each kind, with k drawn and the modes taken in turn from a drawn one (three kinds: each
    mode once a trial)."""
    worst = 0.0
    first = int(rng.integers(3))
    for i, kind in enumerate(_kinds_of(group)):
        k = _draw_k(group, rng)
        mode = ["valid", "same", "full"][(first + i) % 3]
        x, w = _random_layer(group, rng, kind, k,
                             _draw_size(group, rng, k, 4 if group.dim < 3 else 2, equal=True))
        worst = max(worst, array_equivariance(group, x, w, kind, mode))
    return worst


def adjoint_identity(group: AffineGroup, x: np.ndarray, w: np.ndarray, kind: Kind,
                     p: int, rng: np.random.Generator) -> float:
    """<layer(x; w), dy> = <x, dx> = <w, dw> for the backward pass of a layer without bias
    (linear in x and in w): the input gradient is the adjoint of the layer, the weight gradient
    the adjoint of w -> layer(x; w). Relative to sum |products| (rounding scales with it)."""
    layer = nn.BankConv(bank_for(group, kind), w.shape[1], w.shape[0], w.shape[-1], mode=p,
                        bias=False, dtype=np.float64)
    layer.params["weight"][...] = w
    y, cache = layer.forward(x, training=True)
    dy = rng.standard_normal(y.shape)
    dx, grads = layer.backward(cache, dy)
    lhs = float(np.sum(y * dy))
    scale = float(np.sum(np.abs(y * dy))) or 1.0
    return max(abs(lhs - float(np.sum(x * dx))), abs(lhs - float(np.sum(w * grads["weight"])))
               ) / scale


def _trial_adjoint(group, rng):
    worst = 0.0
    for kind in _kinds_of(group):
        k = _draw_k(group, rng)
        x, w = _random_layer(group, rng, kind, k, _draw_size(group, rng, k))
        worst = max(worst, adjoint_identity(group, x, w, kind,
                                            int(rng.integers(0, group.kernel_size(k))), rng))
    return worst


def input_gradient_is_convolution(group: SemidirectProduct, x: np.ndarray, w: np.ndarray,
                                  p: int) -> float:
    """d<x * psi, dy>/dx = dy ∗ psi (channels swapped, padding k - 1 - p): a G-correlation
    layer's backward pass against the public G-convolution."""
    layer = nn.BankConv(bank_for(group, Kind.CORRELATION), w.shape[1], w.shape[0], w.shape[-1],
                        mode=p, bias=False, dtype=np.float64)
    layer.params["weight"][...] = w
    y, cache = layer.forward(x, training=True)
    dy = np.random.default_rng(0).standard_normal(y.shape)
    dx, _ = layer.backward(cache, dy)
    expected = convolution_array(dy, np.swapaxes(w, 0, 1), group, mode=w.shape[-1] - 1 - p)
    return float(np.abs(dx - expected).max()) / (_array_scale(dy, w) or 1.0)


def _trial_input_gradient(group, rng):
    k = _draw_k(group, rng)
    size = (k + 2, k + 2) if _hexagonal(group) else \
        tuple(k + 2 + (a > 0) for a in range(group.dim))
    x, w = _random_layer(group, rng, Kind.CORRELATION, k, size)
    return input_gradient_is_convolution(group, x, w, int(rng.integers(0, k)))


def finite_difference_gradient(group: AffineGroup, rng: np.random.Generator) -> float:
    """Backward passes of two small networks against central differences (float64, eps 1e-6,
    six random entries of the input and of each parameter), in training mode and, for the
    first, in evaluation mode (three entries each): relative error O(1e-9). Between
    them every kind of layer and every reduction: lifting, ReLU or SiLU, group correlation,
    batch normalisation, pooling over the point axis (max; mean), spatial pooling (max, 2 x 2;
    average over overlapping 3 x 3 windows of stride 2), a mean or a maximum over space, a
    linear layer; on an input of unequal sides (sides 5 x 7, 4 x 5 x 6), where a layer could
    count a side for another. On the hexagonal lattice and for the sampled groups the group
    layer's kernel is 3 x 3, the input square and there is no spatial pooling (2 x 2 cells are
    not hexagons). Central differences cannot see a tie, where a maximum has no derivative:
    the max poolings' backward is also checked on inputs of 0s and 1s (``tied_maxima``)."""
    square = not (_hexagonal(group) or sampled_group(group))
    d = group.dim
    k2 = 2 if square else 3
    sides = {1: (6,), 2: (5, 7), 3: (4, 5, 6)}[d] if square else \
        (group.kernel_size(3) + 2,) * d
    x = rng.standard_normal((2, 1) + sides)
    worst = 0.0
    for nonlinearity, point, spatial, space in ((nn.ReLU(), "max", nn.SpatialPool(2), "mean"),
                                                (nn.SiLU(), "mean",
                                                 nn.SpatialPool(3, stride=2, kind="mean"), "max")):
        net = nn.Sequential([
            nn.LiftingConv(group, 1, 2, 3 if d < 3 else 2, mode="same", dtype=np.float64,
                           rng=rng),
            nonlinearity,
            nn.GroupConv(group, 2, 2, k2, mode="valid" if square else "same",
                         dtype=np.float64, rng=rng),
            nn.BatchNorm(2, dtype=np.float64),
            nn.SubgroupPool(point)] + [spatial] * square + [
            nn.GlobalPool(space), nn.Linear(2, 3, rng=rng, dtype=np.float64)])
        worst = max(worst, *nn.check_gradients(net, x, max_entries=6,
                                               seed=int(rng.integers(2**31))).values())
        if isinstance(nonlinearity, nn.ReLU):   # one network in evaluation mode too, on the
            worst = max(worst, *nn.check_gradients(   # statistics its training forward left
                net, x, training=False, max_entries=3,
                seed=int(rng.integers(2**31))).values())
    return max(worst, tied_maxima(group, rng))


def tied_maxima(group: AffineGroup, rng: np.random.Generator) -> float:
    """Each window of a max pooling passes its dy to one of its maxima, ties included: on an
    input of 0s and 1s (many ties), the backward of the maximum over the point axis, over
    space and over 2 x 2 windows puts each dy on exactly one input. The larger of the relative
    difference of sum(dx) and sum(dy) and the number of nonzero dx entries beyond one per
    window (0 when it holds)."""
    square = not (_hexagonal(group) or sampled_group(group))
    side = 4 if square else group.kernel_size(3)
    x = rng.integers(0, 2, (2, 2, group.samples) + (side,) * group.dim).astype(np.float64)
    on_group = Space.on_group(group)
    worst = 0.0
    for layer in [nn.SubgroupPool("max"), nn.GlobalPool("max")] + [nn.SpatialPool(2)] * square:
        layer.bind(on_group)
        y, cache = layer.forward(x, True)
        dy = rng.uniform(1.0, 2.0, np.shape(y))
        dx = np.asarray(layer.backward(cache, dy)[0])
        worst = max(worst, abs(float(dx.sum() - dy.sum())) / float(dy.sum()),
                    float(max(0, np.count_nonzero(dx) - dy.size)))
    return worst


#: The engine's arrangements of its GEMMs and a shape that takes each, by dimension:
#: (strategy, input channels, side, k, padding); "direct" and "stacked" write "im2col"'s GEMM
#: straight into the output (NumPy: one image of ``engine._DIRECT_MIN_POSITIONS`` padded
#: positions or more; a chunk of smaller images with few taps). Checked against the engine's
#: own choice on every trial, so that a shape that stops taking its path fails here. "scatter"
#: twice: "full" padding and a smaller one (k = 5, p = 3), where windows run past one end only.
_ENGINE_PATHS = {1: (("im2col", 30, 9, 3, 1), ("stacked", 2, 9, 3, 1), ("direct", 1, 2100, 3, 1),
                     ("scatter", 1, 3, 3, 2), ("scatter", 1, 3, 5, 3)),
                 2: (("im2col", 10, 7, 3, 1), ("stacked", 2, 7, 3, 1), ("direct", 1, 46, 3, 1),
                     ("rows", 24, 14, 3, 0), ("scatter", 2, 4, 3, 2), ("scatter", 1, 3, 5, 3)),
                 3: (("im2col", 4, 3, 3, 0), ("stacked", 2, 3, 3, 0), ("direct", 1, 11, 3, 1),
                     ("rows", 8, 6, 3, 1), ("scatter", 2, 3, 3, 2), ("scatter", 1, 3, 5, 3))}


def _windows(x: np.ndarray, k: int, p: int) -> np.ndarray:
    """x (B, C, *n) zero-padded by p, as its k^d windows (B, C, *n', *k^d)."""
    d = x.ndim - 2
    padded = np.pad(x, [(0, 0), (0, 0)] + [(p, p)] * d)
    return np.lib.stride_tricks.sliding_window_view(padded, (k,) * d,
                                                    axis=tuple(range(2, d + 2)))


def _summed_over_taps(windows: np.ndarray, w: np.ndarray) -> np.ndarray:
    """y[b, o, i] = sum_{c, a} x_pad[b, c, i + a] w[o, a, c], of the windows of x_pad and w
    (O, *k^d, C): one standard correlation, written out."""
    d = w.ndim - 2
    taps = tuple(range(d + 2, 2 * d + 2))
    return np.moveaxis(np.tensordot(windows, np.moveaxis(w, -1, 1),
                                    axes=((1,) + taps, tuple(range(1, d + 2)))), -1, 1)


def engine_paths(x: np.ndarray, w: np.ndarray, p: int, strategy: str,
                 rng: np.random.Generator) -> float:
    """y[b, o, i] = sum_{c, a} x_pad[b, c, i + a] w[o, a, c] and its weight gradient
    dw[o, a, c] = sum_{b, i} dy[b, o, i] x_pad[b, c, i + a], written out here with sliding
    windows, against the engine on a shape that takes ``strategy`` (the layers of the other
    claims are too small to reach every arrangement of its GEMMs), in one call, in chunks of
    one image's "stacked" workspace and in the smallest chunks (a workspace bound of one
    byte); inf if the shape takes another path."""
    d = x.ndim - 2
    k = w.shape[1]
    if engine._strategy(x, w.shape[0], k, p, engine.DEFAULT_MAX_WORKSPACE) != strategy:
        return float("inf")
    windows = _windows(x, k, p)
    space = tuple(range(2, d + 2))
    expected = _summed_over_taps(windows, w)
    dy = rng.standard_normal(expected.shape)
    dw_expected = np.moveaxis(np.tensordot(dy, windows, axes=((0,) + space, (0,) + space)),
                              1, -1)
    scale, dw_scale = _array_scale(x, w), float(np.abs(dy).max() * np.abs(x).max() *
                                                dy[:, 0].size) or 1.0
    errors = []
    # one call; chunks of one image where it is "stacked" (more than one chunk: a bound of one
    # byte takes "im2col" instead); and the smallest chunks
    for bound in (engine.DEFAULT_MAX_WORKSPACE, engine._stacked_bytes(x, w.shape[0], k, p), 1):
        y = engine.correlate(x, w, p, max_workspace=bound)
        dw = engine.weight_gradient(x, dy, k, p, max_workspace=bound)
        errors += [float(np.abs(y - expected).max()) / scale,
                   float(np.abs(dw - dw_expected).max()) / dw_scale]
    return max(errors)


def _trial_engine_paths(group, rng):
    """Each arrangement on a batch of as many images as a chunk copies one by one
    (``engine._FILL_PER_IMAGE``), or one more (one permuted copy), in turn."""
    worst = 0.0
    for i, (strategy, channels, side, k, p) in enumerate(_ENGINE_PATHS[group.dim]):
        batch = engine._FILL_PER_IMAGE + i % 2
        x = rng.standard_normal((batch, channels) + (side,) * group.dim)
        w = rng.standard_normal((int(rng.integers(2, 5)),) + (k,) * group.dim + (channels,))
        worst = max(worst, engine_paths(x, w, p, strategy, rng))
    return worst


def filter_bank_layout(group: SemidirectProduct, x: np.ndarray, w: np.ndarray, kind: Kind,
                       p: int) -> float:
    """GrouPy's layout of the bank, ``filter_bank``: (C_out, S, C_in, S_in, *k^d), entry
    [o, s, c, t] = (L_{h_s} psi_oc)[t], read as one plain correlation of x's C_in S_in
    channels with C_out S filters (as a port hands it to its library's conv) and summed over
    sliding windows here, equals the literal sums (on the hexagonal lattice, of x zero outside
    the hexagon, and zero outside it). Relative to the largest output value."""
    bank = banks.filter_bank(w, group, kind.value)
    c_out, s, c_in, s_in = bank.shape[:4]
    d, k = group.dim, bank.shape[-1]
    mask = domain_mask(group, tuple(x.shape[-d:]))
    x_in = x if mask is None else np.where(mask, x, 0.0)
    plain = np.moveaxis(bank.reshape((c_out * s, c_in * s_in) + (k,) * d), 1, -1)
    y = _summed_over_taps(_windows(x_in.reshape((x.shape[0], c_in * s_in) + x.shape[-d:]),
                                   k, p), plain)
    y = y.reshape((x.shape[0], c_out, s) + y.shape[2:])
    out_mask = domain_mask(group, tuple(y.shape[-d:]))
    y = y if out_mask is None else np.where(out_mask, y, 0.0)
    slow = _ARRAY_OPS[kind](x, w, group, mode=p, method="literal")
    if y.shape != slow.shape or not np.any(slow):
        return float("inf")
    return float(np.abs(y - slow).max()) / _array_scale(x, w)


def _trial_filter_bank(group, rng):
    """Each kind (in 3D, where the literal sums cost the most, one drawn), two input channels
    (a bank that mixes them up with the point axis shows)."""
    kinds = _kinds_of(group)
    kinds = (kinds[int(rng.integers(len(kinds)))],) if group.dim == 3 else kinds
    worst = 0.0
    for kind in kinds:
        k = _draw_k(group, rng)
        x, w = _random_layer(group, rng, kind, k, _draw_size(group, rng, k, 1), 2, mixed=True)
        worst = max(worst, filter_bank_layout(group, x, w, kind,
                                              int(rng.integers(0, group.kernel_size(k)))))
    return worst


def layer_formulas(group: AffineGroup, rng: np.random.Generator) -> float:
    """Batch normalisation, dropout and the pooling over the point axis against their
    formulas, written out here on x (B, C, S, *n) (zero outside the hexagon on the hexagonal
    lattice), statistics per channel over the batch, the point axis and space:

    - training: y = (x - mean) / sqrt(var + eps) gamma + beta, running_mean <- (1 - m)
      running_mean + m mean, running_var <- (1 - m) running_var + m var n / (n - 1);
      evaluation: the same map with the running statistics;
    - dropout in training: each channel (per="channel"; all its samples and pixels) or entry
      (per="element") either 0 or x / (1 - p), its backward the same mask on dy; evaluation:
      x itself;
    - the point axis's max (backward: dy to the maximum), mean (dy / S) and sum (dy).

    The largest relative error."""
    d, on_g = group.dim, Space.on_group(group)
    hexagonal = _hexagonal(group)
    side = max(5, group.kernel_size(1)) | 1 if hexagonal else 4
    x = rng.standard_normal((3, 2, group.samples) + (side,) * d)
    mask = domain_mask(group, (side,) * d)
    x = x if mask is None else np.where(mask, x, 0.0)

    def error(got, expected) -> float:
        return float(np.abs(np.asarray(got) - expected).max()) / (float(np.abs(expected).max())
                                                                   or 1.0)
    errors = []
    momentum, eps = float(rng.uniform(0.05, 0.5)), float(rng.uniform(1e-3, 1e-1))
    norm = nn.BatchNorm(2, eps=eps, momentum=momentum, dtype=np.float64).bind(on_g)
    gamma, beta = rng.standard_normal(2), rng.standard_normal(2)
    norm.params["gamma"], norm.params["beta"] = gamma.copy(), beta.copy()
    mean0, var0 = rng.standard_normal(2), rng.uniform(0.5, 2.0, 2)
    norm.running_mean, norm.running_var = mean0.copy(), var0.copy()
    column = (1, 2) + (1,) * (d + 1)
    n = x.size // 2
    mean = x.sum(axis=tuple(a for a in range(x.ndim) if a != 1)) / n
    var = ((x - mean.reshape(column)) ** 2).sum(axis=tuple(a for a in range(x.ndim) if a != 1)
                                                ) / n

    def normalised(m, v):
        y = (x - m.reshape(column)) / np.sqrt(v.reshape(column) + eps) * gamma.reshape(column) \
            + beta.reshape(column)
        return y if mask is None else np.where(mask, y, 0.0)
    errors.append(error(norm.forward(x, True)[0], normalised(mean, var)))
    running = ((1 - momentum) * mean0 + momentum * mean,
               (1 - momentum) * var0 + momentum * var * n / (n - 1))
    errors += [error(norm.running_mean, running[0]), error(norm.running_var, running[1])]
    errors.append(error(norm.forward(x, False)[0], normalised(*running)))
    for per, drawn in (("channel", 2), ("element", x.ndim)):
        p = float(rng.uniform(0.2, 0.8))
        seed = int(rng.integers(2**31))
        drop = nn.Dropout(p, per=per, rng=seed).bind(on_g)
        y, cache = drop.forward(x, True)
        dy = rng.standard_normal(x.shape)
        dx = drop.backward(cache, dy)[0]
        # the documented draw: unit u (a channel, or an entry) kept where rng.random(units) >= p
        units = x.shape[:drawn]
        keep = (np.random.default_rng(seed).random(units) >= p).reshape(
            units + (1,) * (x.ndim - drawn))
        errors += [error(y, np.where(keep, x / (1 - p), 0.0)),
                   error(dx, np.where(keep, dy / (1 - p), 0.0)),
                   error(drop.forward(x, False)[0], x)]
    for reduction, reduce, spread in (
            ("max", x.max(axis=2), lambda g: np.where(   # (ties: to the first maximum)
                np.arange(group.samples).reshape((-1,) + (1,) * d) ==
                np.argmax(x, axis=2)[:, :, None], g[:, :, None], 0.0)),
            ("mean", x.mean(axis=2), lambda g: np.repeat(g[:, :, None] / group.samples,
                                                         group.samples, axis=2)),
            ("sum", x.sum(axis=2), lambda g: np.repeat(g[:, :, None], group.samples, axis=2))):
        pool = nn.SubgroupPool(reduction).bind(on_g)
        y, cache = pool.forward(x, True)
        dy = rng.standard_normal(np.shape(y))
        errors += [error(y, reduce), error(pool.backward(cache, dy)[0], spread(dy))]
    return max(errors)


def se2_n4_is_p4(x: np.ndarray, w: np.ndarray, wg: np.ndarray) -> float:
    """SE(2) with N = 4 (interpolation operators, kernels on the whole square) is p4 (index
    gathers), exactly: the larger relative error of the lifting and the group layer."""
    group = SE2(4, disk=False)
    lifted = lifting_array(x, w, group)
    grouped = correlation_array(lifted, wg, group)
    return max(float(np.abs(lifted - lifting_array(x, w, "p4")).max()) / _array_scale(x, w),
               float(np.abs(grouped - correlation_array(lifted, wg, "p4")).max())
               / _array_scale(lifted, wg))


def _trial_se2(group, rng):
    x = rng.standard_normal((1, 2, 7, 7))
    return se2_n4_is_p4(x, rng.standard_normal((2, 2, 3, 3)),
                        rng.standard_normal((2, 2, 4, 3, 3)))


def scale_dilation(group: ScaleTranslation, f: np.ndarray, w: np.ndarray) -> float:
    """An integer base b: dilating the input by zero insertion moves every response one scale up
    on the sublattice, (D f * k_{s_{i+1}})(b x) = (f * k_{s_i})(x) / b^2, exactly, for the
    scales i < n - 1 (the lifting layer of the group)."""
    b = int(round(group.base))
    dilated = np.zeros(f.shape[:-2] + (b * (f.shape[-2] - 1) + 1, b * (f.shape[-1] - 1) + 1))
    dilated[..., ::b, ::b] = f
    y = lifting_array(f, w, group, mode="same")
    yd = lifting_array(dilated, w, group, mode="same")
    return max(float(np.abs(yd[:, :, i + 1, ::b, ::b] - y[:, :, i] / b**2).max())
               for i in range(group.samples - 1)) / (float(np.abs(y).max()) or 1.0)


def _integer_scales(group: AffineGroup) -> bool:
    return isinstance(group, ScaleTranslation) and float(group.base).is_integer()


def _trial_scale(group, rng):
    k = 3
    n = group.kernel_size(k) // group.base ** (group.samples - 1) + 5
    return scale_dilation(group, rng.standard_normal((1, 1, int(n), int(n))),
                          rng.standard_normal((2, 1, k, k)))


def _smooth_field(rng: np.random.Generator, shape: tuple[int, ...], width: float) -> np.ndarray:
    """A random field smoothed by a Gaussian of ``width`` pixels (FFT), unit variance: what
    bilinear interpolation moves with small error, unlike white noise."""
    noise = rng.standard_normal(shape)
    freqs = np.meshgrid(*(np.fft.fftfreq(n) for n in shape[-2:]), indexing="ij")
    gauss = np.exp(-2 * (np.pi * width) ** 2 * sum(f**2 for f in freqs))
    field = np.real(np.fft.ifft2(np.fft.fft2(noise) * gauss))
    return field / (field.std() or 1.0)


def interpolated_transform(group: AffineGroup, x: np.ndarray, s: int) -> float:
    """The L_h by which the checks move images, for the point sample s of a sampled group, read
    pixel by pixel: (L_h f)(p) = f~(A_s^-1 (p - c) + c), c the array's centre and f~ the
    bilinear extension (0 beyond the array), with A_s^-1 = R(-theta_s) (SE(2)_N) or 1 / s_s
    (scales) written out here; on the group the point axis moves too: the orientations of
    SE(2)_N cyclically, (L_h f)(t, p) = f~(t - s mod N, ...), the scales along a truncated
    axis, (L_h f)(t, p) = f~(t - s, ...) where 0 <= t - s < n and 0 elsewhere (values fall off
    its ends). The largest error relative to the largest |f|."""
    if isinstance(group, SE2):
        cos, sin = exact_cos_sin(2 * np.pi * s / group.n)
        inverse = np.array([[cos, sin], [-sin, cos]])
    else:
        inverse = np.eye(2) / group.base**s
    h = group.from_parts(s, (0.0, 0.0))[()]
    shape = x.shape[-2:]
    centre = (np.array(shape) - 1) / 2
    plane = np.array([[bilinear_value(x[0, 0], inverse @ (np.array([i, j]) - centre) + centre)
                       for j in range(shape[1])] for i in range(shape[0])])
    errors = [np.abs(transform(x, h, Kind.LIFTING.input_space(group), interpolate=True)[0, 0]
                     - plane).max()]
    n = group.samples
    on_group = np.broadcast_to(x[:, :, None], (1, 1, n) + shape) * \
        np.arange(1.0, n + 1)[:, None, None]                    # sample t holds (t + 1) f
    moved = transform(on_group, h, Space.on_group(group), interpolate=True)[0, 0]
    for t in range(n):
        source = (t - s) % n if isinstance(group, SE2) else t - s
        expected = (source + 1) * plane if 0 <= source < n else np.zeros(shape)
        errors.append(np.abs(moved[t] - expected).max())
    return float(max(errors)) / (float(np.abs(x).max()) or 1.0)


def _trial_interpolated(group, rng):
    # square (of either parity): a quarter turn of a non-square array swaps its axes
    # every sample: a draw of an exact one (the identity, a quarter turn) shows nothing of
    # the interpolation (the self-test's nearest-pixel variant slipped through on such a draw)
    n = int(rng.integers(6, 12))
    x = rng.standard_normal((1, 1, n, n))
    return max(interpolated_transform(group, x, s) for s in range(group.samples))


def measured_equivariance(group: AffineGroup, x: np.ndarray, w: np.ndarray) -> float:
    """The largest relative L2 error of a lifting layer at the samples that act only by
    interpolation, inside the inscribed disk (at the middle sample of a truncated point axis):
    approximate by nature, compared with ``MEASURED_BOUND``."""
    if not len(group.measured_samples()):
        return 0.0
    report = equivariance_errors(lambda a: lifting_array(a, w, group, mode="same"), x,
                                 Kind.LIFTING.input_space(group), Space.on_group(group),
                                 translations=False)
    return max(report.measured.values())


def _trial_measured(group, rng):
    # smooth inputs and kernels: bilinear interpolation moves them with small error, so the
    # number measures the layer, not the interpolation of noise; SE(2)'s kernels oriented
    # (Gaussian derivatives at random angles), so that a kernel turned the wrong way or not at
    # all at an interpolated angle shows (errors near 0.8 and 1.4, against 0.1; smooth random
    # kernels look alike at every angle and hid both)
    size = max(41, group.kernel_size(3) + 16)
    x = _smooth_field(rng, (1, 1, size, size), 4.0)
    w = _oriented_kernels(rng, 2, 7, 1.5) if isinstance(group, SE2) else \
        _smooth_field(rng, (2, 1, 3, 3), 1.0)
    return measured_equivariance(group, x, w)


def _oriented_kernels(rng: np.random.Generator, count: int, k: int, width: float
                      ) -> np.ndarray:
    """(count, 1, k, k) derivatives of a Gaussian of ``width`` pixels, each along a random
    direction phi: (u cos phi + v sin phi) exp(-(u^2 + v^2) / (2 width^2))."""
    u, v = np.meshgrid(np.arange(k) - (k - 1) / 2, np.arange(k) - (k - 1) / 2, indexing="ij")
    phi = rng.uniform(0.0, 2 * np.pi, count)[:, None, None]
    return ((u * np.cos(phi) + v * np.sin(phi)) * np.exp(-(u**2 + v**2) / (2 * width**2))
            )[:, None]


#: The documented paddings of the modes, written here independently of groupconv.modes.
_MODE_PADDING = {"valid": lambda k: 0, "same": lambda k: k // 2, "full": lambda k: k - 1}


def mode_sizes(group: AffineGroup, k: int, n: int) -> float:
    """n' = n + 2 p - K + 1 with p = 0, K // 2, K - 1 for "valid", "same", "full" on every
    axis (K the expanded kernel): the number of output shapes that differ (0 when it holds)."""
    d = group.dim
    shape = (n,) * d if _hexagonal(group) else tuple(n + a for a in range(d))
    size = group.kernel_size(k)
    x = np.zeros((1, 1) + shape)
    w = np.zeros((1, 1) + (k,) * d)
    wrong = 0
    for mode, pad in _MODE_PADDING.items():
        out = lifting_array(x, w, group, mode=mode).shape[-d:]
        wrong += tuple(out) != tuple(m + 2 * pad(size) - size + 1 for m in shape)
    return float(wrong)


def _trial_modes(group, rng):
    # k and k + 1, an odd and an even kernel (odd only on the hexagonal lattice; on SE(2)'s
    # disk, which holds no 2 x 2 filter, 1 goes with 3): "same" pads k // 2, which only an odd
    # k tells from (k + 1) // 2 and only an even one from (k - 1) // 2
    k = _draw_k(group, rng, 5 if group.dim < 3 else 3)
    disk = isinstance(group, SE2) and group.disk
    sides = [k] if _hexagonal(group) else [k, 3 if disk and k == 1 else k + 1]
    return max(mode_sizes(group, side, _draw_size(group, rng, side, 4)[0]) for side in sides)


def _is_p4(group: AffineGroup) -> bool:
    return group == P4


LAT, ARR = lattice_group, array_group
CLAIMS: tuple[Claim, ...] = (
    Claim("group_axioms", "closure; (ab)c = a(bc); ea = a = ae; a^-1 a = e", LAT,
          _trial_axioms),
    Claim("inverse_of_product", "(ab)^-1 = b^-1 a^-1", LAT, _trial_inverse),
    Claim("matrix_and_action", "T(t) h_s = [[A_s, t], [0, 1]], g x = A_s x + t", LAT,
          _trial_matrix),
    # the translations are real numbers: float64 rounding of products of a few matrices
    Claim("sampled_group_laws", "closure; (ab)c = a(bc); e; a^-1; (ab)^-1 = b^-1 a^-1",
          sampled_group, _trial_sampled_laws),
    Claim("L_homomorphism", "L_g L_h f = L_gh f", LAT, _trial_L_hom),
    Claim("L_identity", "L_e f = f", LAT, _trial_L_id),
    Claim("L_translation", "L_t f = f o t^-1", LAT, _trial_L_t),
    Claim("L_definition", "(L_g f)(x) = f(g^-1 x), any g, nothing lost", LAT,
          _trial_L_definition),
    Claim("planar_translation_equivariance", "(L_t f) * psi = L_t (f * psi)", planar_group,
          _trial_planar),
    Claim("substitution", "sum_y f(y) psi(y-x) = sum_y f(x+y) psi(y)", planar_group,
          _trial_substitution),
    Claim("planar_convolution_value", "sum_y f(y) psi(x-y) = f * psi~, psi~(k) = psi(-k)",
          planar_group, _trial_planar_convolution),
    Claim("two_forms_agree", "sum_h f(h) psi(g^-1 h) = sum_h f(gh) psi(h)", LAT,
          _trial_two_forms),
    Claim("lifting_equivariance", "(L_u f) * psi = L_u (f * psi), lifting", LAT,
          _over_kinds(_trial_lifting)),
    Claim("group_correlation_equivariance", "(L_u f) * psi = L_u (f * psi), on G", LAT,
          _over_kinds(_trial_gcorr)),
    Claim("group_convolution_equivariance", "(L_u f) ∗ psi = L_u (f ∗ psi), true conv.", LAT,
          _over_kinds(_trial_gconv)),
    Claim("nonlinearity_equivariance", "nu(L_u f) = L_u nu(f)", LAT,
          _over_kinds(_trial_nonlinearity)),
    Claim("cropped_correlation_breaks", "crop(L_t f) * psi != L_t crop(f * psi)", planar_group,
          _trial_cropped, expect_equal=False),
    Claim("convolution_value", "f ∗ psi = f * psi~, psi~(k) = psi(k^-1)", LAT,
          _trial_convolution_value),
    Claim("documented_elements", "h_i = g_1^a_1 ... g_n^a_n as documented, i = (a_1...a_n)",
          _documented, lambda group, rng: documented_elements(group)),
    Claim("rotation_convention", "L_R f = rot90(f), L_M f = f[::-1, :]",
          _has_rotation_or_mirror, _trial_convention),
    Claim("mode_sizes", "n' = n + 2p - k + 1, p = 0, k//2, k-1", ARR, _trial_modes,
          level="array"),
    Claim("fast_equals_literal", "fast path = literal sums, each kind, mode, k", ARR,
          _trial_fast_literal, level="array"),
    Claim("array_equivariance", "layer(L_h x) = L_h layer(x), every exact h, each kind", ARR,
          _trial_array_equivariance, level="array"),
    Claim("layer_equivariance", "nn layers, biases and statistics drawn: L_h commutes", ARR,
          layer_equivariance, level="array"),
    # float32 rounding of sums of at most 2 x 48 x 2^3 products (Pm-3m's, k = 2) of normals
    Claim("fast_float32", "fast path in float32 = literal sums, to float32 rounding", ARR,
          _trial_fast_float32, tolerance=1e-4, level="array"),
    Claim("adjoint_identity", "<x * psi, dy> = <x, dx> = <psi, dw>", ARR, _trial_adjoint,
          level="array"),
    Claim("engine_paths", "engine = sum over taps, every GEMM arrangement, y and dw",
          planar_group, _trial_engine_paths, level="array"),
    Claim("filter_bank_layout", "filter_bank read as one conv = literal sums",
          LAT, _trial_filter_bank, level="array"),
    Claim("layer_formulas", "batch norm, dropout, point pools = formulas, gradients",
          ARR, layer_formulas, level="array"),
    Claim("input_gradient_is_convolution", "d<x * psi, dy>/dx = dy ∗ psi", array_lattice,
          _trial_input_gradient, level="array"),
    # central differences: O(eps^2) truncation and O(u / eps) rounding, about 1e-9 relative
    Claim("finite_difference_gradient", "backward = central differences (two networks)", ARR,
          finite_difference_gradient, tolerance=1e-6, level="array"),
    Claim("se2_n4_is_p4", "SE(2)_4 layers (operators) = p4 layers (gathers)", _is_p4,
          _trial_se2, level="array"),
    Claim("scale_dilation", "(Df * k_{s_i+1})(b x) = (f * k_{s_i})(x) / b^2", _integer_scales,
          _trial_scale, level="array"),
    # float64 rounding of the four bilinear products and of the inverse matrix
    Claim("interpolated_transform", "(L_h f)(p) = f~(A_h^-1 (p - c) + c), pixel by pixel",
          sampled_group, _trial_interpolated, level="array"),
    # measured, not exact: bilinear interpolation of smooth inputs, relative L2 in the disk
    Claim("measured_equivariance", "||layer(L_h x) - L_h layer(x)|| at interpolated h",
          sampled_group, _trial_measured, tolerance=MEASURED_BOUND, level="measured"),
)
