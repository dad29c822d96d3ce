"""The claims of the theory, as checks on given inputs: group laws, L_g, equivariance, and the
array level (fast path against the literal sums, array-level equivariance, gradients).

Each claim is a function of its inputs (group elements, finite-support feature maps, filters,
arrays) that evaluates both sides of one equation with independent code and returns the error
between them: 0 for the integer group laws, a relative error (float64 rounding, <= 1e-12) for
the others, 1e-6 for central differences. ``groupconv verify`` draws random inputs for every
claim and group and prints the
table; the test suite feeds the same claims with inputs drawn by hypothesis.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import nn
from ..fast.action import transform
from ..fast.banks import LatticeBank
from ..fast.correlate import group_convolution as convolution_array
from ..fast.correlate import group_correlation as correlation_array
from ..fast.correlate import lifting_correlation as lifting_array
from ..feature_maps import FeatureMap, L, box_of, pointwise, relative_error, restrict
from ..groups import P4, Z2, Element, SemidirectProduct, lattice_of
from ..literal import (
    group_convolution, group_correlation, group_correlation_rewritten, lifting_correlation,
    planar_correlation,
)

__all__ = ["Claim", "CLAIMS", "TOLERANCE", "every_group", "planar_group", "random_element",
           "random_feature_map",
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
    tolerance: float = TOLERANCE
    level: str = "exact"       # "exact" (functions with finite support) or "array"

    def passes(self, error: float) -> bool:
        """Equal sides: error <= tolerance; differing sides: error > 1e-3. NaN never passes."""
        if not np.isfinite(error):
            return False
        return error <= self.tolerance if self.expect_equal else error > 1e-3


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


# ---------------------------------------------------------------- the array level
def _array_scale(x: np.ndarray, w: np.ndarray) -> float:
    """max |x| * max_o ||w_o||_1: the largest value an output entry can take (rounding scales
    with it)."""
    return float(np.abs(x).max() * np.abs(w).reshape(w.shape[0], -1).sum(axis=1).max()) or 1.0


_ARRAY_OPS = {"lifting": lifting_array, "correlation": correlation_array,
              "convolution": convolution_array}


def _random_layer(group: SemidirectProduct, rng: np.random.Generator, kind: str, k: int,
                  size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    s = group.stabiliser.order
    axis = () if kind == "lifting" else (s,)
    c_in, c_out = (int(n) for n in rng.integers(1, 3, 2))
    x = rng.standard_normal((1, c_in) + axis + size)
    w = rng.standard_normal((c_out, c_in) + axis + (k, k))
    return x, w


def _hexagonal(group: SemidirectProduct) -> bool:
    return lattice_of(group) == "hexagonal"


def _draw_k(group: SemidirectProduct, rng: np.random.Generator, largest: int = 4) -> int:
    """A kernel size in 1..largest: odd and even on the square lattice, odd on the hexagonal
    one (a hexagonal kernel has a centre cell)."""
    if _hexagonal(group):
        return 2 * int(rng.integers(0, (largest + 1) // 2)) + 1
    return int(rng.integers(1, largest + 1))


def _draw_size(group: SemidirectProduct, rng: np.random.Generator, k: int, spread: int = 3,
               square: bool = False) -> tuple[int, int]:
    """An input size of at least k: non-square too on the square lattice; square of odd side
    (k + an even number) on the hexagonal one."""
    if _hexagonal(group):
        n = k + 2 * int(rng.integers(0, (spread + 1) // 2 + 1))
        return n, n
    h = k + int(rng.integers(0, spread))
    return (h, h) if square else (h, k + int(rng.integers(0, spread)))


def fast_equals_literal(group: SemidirectProduct, x: np.ndarray, w: np.ndarray, kind: str,
                        mode: str | int) -> float:
    """The fast path (bank gather + engine) equals the literal sums read on the array."""
    op = _ARRAY_OPS[kind]
    fast, slow = op(x, w, group, mode=mode), op(x, w, group, mode=mode, method="literal")
    return float(np.abs(fast - slow).max()) / _array_scale(x, w)


def _trial_fast_literal(group, rng):
    worst = 0.0
    for kind in _ARRAY_OPS:
        k = _draw_k(group, rng)                              # odd and even (square lattice)
        mode = ["valid", "same", "full", int(rng.integers(0, k))][int(rng.integers(4))]
        x, w = _random_layer(group, rng, kind, k, _draw_size(group, rng, k))
        worst = max(worst, fast_equals_literal(group, x, w, kind, mode))
    return worst


def convolution_value(f: FeatureMap, psi: list[FeatureMap]) -> float:
    """sum_h f(h) psi(h^-1 g) = sum_h f(h) psi~(g^-1 h) with psi~(k) = psi(k^-1): the true
    G-convolution is the G-correlation with the inverted filter."""
    inverted = []
    for p in psi:
        support = p.support()                                 # elements k of psi's support
        tilde_support = support.inverse()                     # psi~ lives on their inverses
        box = box_of(f.group.translation_of(tilde_support))
        values = np.zeros((p.channels, f.group.stabiliser.order,
                           box[1][0] - box[0][0] + 1, box[1][1] - box[0][1] + 1))
        t = f.group.translation_of(tilde_support) - np.array(box[0])
        s = f.group.point_index(tilde_support)
        values[:, s, t[..., 0], t[..., 1]] = p(support)      # psi~(k^-1) = psi(k)
        inverted.append(_on_group(f.group, values, box))
    return relative_error(group_convolution(f, psi), group_correlation(f, inverted),
                          sum_scale(f, psi))


def _on_group(group, values, box):
    s = group.stabiliser.order
    return FeatureMap(group, values if s > 1 else values[:, 0], origin=(-box[0][0], -box[0][1]))


def _trial_convolution_value(group, rng):
    f = random_feature_map(group, rng)
    return convolution_value(f, _filters(group, rng, f.channels))


def array_equivariance(group: SemidirectProduct, x: np.ndarray, w: np.ndarray, kind: str,
                       mode: str | int) -> float:
    """layer(L_h x) = L_h layer(x) about the array centre, for every stabiliser element h, on a
    square input (exact for every mode and k at the array level)."""
    op = _ARRAY_OPS[kind]
    y = op(x, w, group, mode=mode)
    worst = 0.0
    for h in group.stabiliser_elements():
        moved = op(transform(x, h, on_group=kind != "lifting"), w, group, mode=mode)
        worst = max(worst, float(np.abs(moved - transform(y, h, on_group=True)).max()))
    return worst / _array_scale(x, w)


def _trial_array_equivariance(group, rng):
    worst = 0.0
    for kind in _ARRAY_OPS:
        k = _draw_k(group, rng)
        mode = ["valid", "same", "full"][int(rng.integers(3))]
        x, w = _random_layer(group, rng, kind, k, _draw_size(group, rng, k, 4, square=True))
        worst = max(worst, array_equivariance(group, x, w, kind, mode))
    return worst


def input_gradient_is_convolution(group: SemidirectProduct, x: np.ndarray, w: np.ndarray,
                                  p: int) -> float:
    """d<x * psi, dy>/dx = dy ∗ psi (channels swapped, padding k - 1 - p): a G-correlation
    layer's backward pass against the public G-convolution."""
    layer = nn.BankConv(LatticeBank.correlation(group), w.shape[1], w.shape[0], w.shape[-1],
                        mode=p, bias=False, dtype=np.float64)
    layer.params["weight"][...] = w
    y, cache = layer.forward(x, training=True)
    dy = np.random.default_rng(0).standard_normal(y.shape)
    dx, _ = layer.backward(cache, dy)
    expected = convolution_array(dy, np.swapaxes(w, 0, 1), group, mode=w.shape[-1] - 1 - p)
    return float(np.abs(dx - expected).max()) / (_array_scale(dy, w) or 1.0)


def _trial_input_gradient(group, rng):
    k = _draw_k(group, rng)
    x, w = _random_layer(group, rng, "correlation", k, (k + 2, k + 2) if _hexagonal(group)
                         else (k + 2, k + 3))
    return input_gradient_is_convolution(group, x, w, int(rng.integers(0, k)))


def finite_difference_gradient(group: SemidirectProduct, rng: np.random.Generator) -> float:
    """Backward passes of a small network (lifting, ReLU, group correlation, pooling) against
    central differences (float64, eps 1e-6): relative error O(1e-9). On the hexagonal lattice
    the group layer's kernel is 3 x 3 and the pooling global (2 x 2 cells are not hexagons)."""
    hexagonal = _hexagonal(group)
    net = nn.Sequential([nn.LiftingConv(group, 1, 2, 3, mode="same", dtype=np.float64,
                                        rng=rng), nn.ReLU(),
                         nn.GroupConv(group, 2, 2, 3 if hexagonal else 2, dtype=np.float64,
                                      rng=rng),
                         nn.SubgroupPool("max"),
                         nn.GlobalPool("mean") if hexagonal else nn.SpatialPool(2, kind="max")])
    x = rng.standard_normal((2, 1, 5, 5))
    return max(nn.check_gradients(net, x, max_entries=12, seed=int(rng.integers(2**31))).values())


def se2_n4_is_p4(x: np.ndarray, w: np.ndarray, wg: np.ndarray) -> float:
    """SE(2) with N = 4 (interpolation operators, unmasked) is p4 (index gathers), exactly:
    the larger relative error of the lifting and the group layer."""
    from .. import se2

    lifted = se2.lifting_correlation(x, w, 4, mask=False)
    grouped = se2.group_correlation(lifted, wg, 4, mask=False)
    return max(float(np.abs(lifted - lifting_array(x, w, "p4")).max()) / _array_scale(x, w),
               float(np.abs(grouped - correlation_array(lifted, wg, "p4")).max())
               / _array_scale(lifted, wg))


def _trial_se2(group, rng):
    x = rng.standard_normal((1, 2, 7, 7))
    return se2_n4_is_p4(x, rng.standard_normal((2, 2, 3, 3)),
                        rng.standard_normal((2, 2, 4, 3, 3)))


def scale_dilation(f: np.ndarray, w: np.ndarray) -> float:
    """Base 2: dilating the input by zero insertion moves every response one scale up on the
    even sublattice, (D f * k_{s_{i+1}})(2x) = (f * k_{s_i})(x) / 4, exactly."""
    from .. import scale

    dilated = np.zeros(f.shape[:-2] + (2 * f.shape[-2] - 1, 2 * f.shape[-1] - 1))
    dilated[..., ::2, ::2] = f
    y = scale.lifting_correlation(f, w, 3, 2.0)
    yd = scale.lifting_correlation(dilated, w, 3, 2.0)
    return max(float(np.abs(yd[:, :, i + 1, ::2, ::2] - y[:, :, i] / 4).max())
               for i in range(2)) / (float(np.abs(y).max()) or 1.0)


def _trial_scale(group, rng):
    return scale_dilation(rng.standard_normal((1, 1, 9, 9)), rng.standard_normal((2, 1, 3, 3)))


#: The documented paddings of the modes, written here independently of groupconv.modes.
_MODE_PADDING = {"valid": lambda k: 0, "same": lambda k: k // 2, "full": lambda k: k - 1}


def mode_sizes(group: SemidirectProduct, k: int, n: int) -> float:
    """H' = H + 2 p - k + 1 with p = 0, k // 2, k - 1 for "valid", "same", "full": the number
    of output sizes that differ (0 when the claim holds)."""
    m = n if _hexagonal(group) else n + 1       # hexagonal arrays are square
    x = np.zeros((1, 1, n, m))
    w = np.zeros((1, 1, k, k))
    wrong = 0
    for mode, pad in _MODE_PADDING.items():
        shape = lifting_array(x, w, group, mode=mode).shape[-2:]
        wrong += shape != (n + 2 * pad(k) - k + 1, m + 2 * pad(k) - k + 1)
    return float(wrong)


def _trial_modes(group, rng):
    k = _draw_k(group, rng, 5)
    return mode_sizes(group, k, _draw_size(group, rng, k, 4)[0])


def rotation_convention(group: SemidirectProduct, f: np.ndarray) -> float:
    """L_R f = f o R^-1 is np.rot90(f) and L_M f is f[::-1, :] on an array centred at the
    origin (GrouPy's conventions, docs/conventions.md), for the elements R, M in the group."""
    fmap = FeatureMap(Z2, f, origin="centre")
    worst = 0.0
    for matrix, expected in ((np.array([[0, -1], [1, 0]]), np.rot90(f, 1, axes=(-2, -1))),
                             (np.array([[-1, 0], [0, 1]]), f[..., ::-1, :])):
        found = [i for i, m in enumerate(group.stabiliser.matrices) if np.array_equal(m, matrix)]
        if found:
            g = group.from_parts(found[0], (0, 0))[()]
            worst = max(worst, float(np.abs(L(g, fmap).values - expected).max()))
    return worst


def _trial_convention(group, rng):
    n = 2 * int(rng.integers(1, 4)) + 1
    return rotation_convention(group, rng.standard_normal((2, n, n)))


def _has_rotation_or_mirror(group: SemidirectProduct) -> bool:
    return any(np.array_equal(m, r) for m in group.stabiliser.matrices
               for r in (np.array([[0, -1], [1, 0]]), np.array([[-1, 0], [0, 1]])))


def _is_p4(group: SemidirectProduct) -> bool:
    return group == P4


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
    Claim("convolution_value", "f ∗ psi = f * psi~, psi~(k) = psi(k^-1)", ALL,
          _trial_convolution_value),
    Claim("rotation_convention", "L_R f = rot90(f), L_M f = f[::-1, :]",
          _has_rotation_or_mirror, _trial_convention),
    Claim("mode_sizes", "H' = H + 2p - k + 1, p = 0, k//2, k-1", ALL, _trial_modes,
          level="array"),
    Claim("fast_equals_literal", "fast path = literal sums, each kind, mode, k", ALL,
          _trial_fast_literal, level="array"),
    Claim("array_equivariance", "layer(L_h x) = L_h layer(x), every h, each kind", ALL,
          _trial_array_equivariance, level="array"),
    Claim("input_gradient_is_convolution", "d<x * psi, dy>/dx = dy ∗ psi", ALL,
          _trial_input_gradient, level="array"),
    # central differences: O(eps^2) truncation and O(u / eps) rounding, about 1e-9 relative
    Claim("finite_difference_gradient", "backward = central differences (small network)", ALL,
          finite_difference_gradient, tolerance=1e-6, level="array"),
    Claim("se2_n4_is_p4", "SE(2)_4 layers (operators) = p4 layers (gathers)", _is_p4,
          _trial_se2, level="array"),
    Claim("scale_dilation", "(Df * k_{s_i+1})(2x) = (f * k_{s_i})(x) / 4", planar_group,
          _trial_scale, level="array"),
)
