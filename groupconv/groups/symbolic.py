"""Symbolic proofs of the group laws with sympy: exact, for every point part, for all translations,
of the library's own law: the proofs run ``SemidirectProduct._compose`` and ``_inverse`` (the code
``a * b`` and ``a.inverse()`` run) on sympy symbols, in any dimension d.

An element of G = Z^d x| H is written with its point part h (each of the finitely many values in
turn) and a *symbolic* translation t = (u, v[, w]). Its matrix is

    A(h, t) = [[h, t], [0, 1]],

and the law of the group is (h1, t1)(h2, t2) = (h1 h2, t1 + h1 t2). The library's law is run
once on every pair of point parts (h_i, h_j) with free symbols t1, t2: sympy returns the product's
point part and its translation, an expression that must be affine in the symbols,

    T_ij(t1, t2) = P_ij t1 + Q_ij t2 + c_ij,

whose integer coefficient matrices sympy reads off (``law_coefficients``; a term that is not
affine fails every proof). Since the symbols are free, these coefficients are the law for all
translations, and each claim becomes an identity of integer matrices checked for every case:

    closure             A(a) A(b) = A(ab):      h_k = h_i h_j, P_ij = I, Q_ij = h_i, c_ij = 0,
                                                and the library's matrix of (h_i, t) is A(h_i, t)
    associativity       (ab)c = a(bc):          both sides' coefficients, for every triple
    identity            ea = a = ae
    inverses            a^-1 a = e = a a^-1, and A(a^-1) = A(a)^-1
    inverse_of_product  (ab)^-1 = b^-1 a^-1

So the 110,592 triples of the cube's 48 point parts cost one symbolic product per pair. For P4
and P4M the matrices are also built from the paper's trigonometric formula

    [[(-1)^m cos(r pi/2), -(-1)^m sin(r pi/2), u], [sin(r pi/2), cos(r pi/2), v], [0, 0, 1]]

and the library's composition law checked against its closed form
(m1 + m2, (-1)^m2 r1 + r2, t1 + M^m1 R^r1 t2).
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from .core import exact_inverse
from .lattice import SemidirectProduct
from .sampled import SE2, ScaleTranslation

__all__ = [
    "Proof", "SymbolicElement", "symbolic_element", "matrix", "library_matrix", "compose",
    "inverse",
    "law_coefficients", "closure", "associativity", "identity", "inverses",
    "inverse_of_product", "trigonometric_matrix", "matrix_formula", "closed_form_law",
    "all_proofs", "sampled_points", "sampled_law", "point_law", "matrix_rounding", "MAX_SAMPLED_POINTS",
    "ROUNDING_EPS",
]


@dataclass(frozen=True)
class SymbolicElement:
    """g = T(t) h_index with a symbolic translation t (a d x 1 sympy Matrix)."""

    group: SemidirectProduct
    index: int
    t: sp.Matrix

    def __repr__(self) -> str:
        params = self.group.stabiliser.params_of(self.index).tolist()
        point = [f"{k}={p}" for k, p in zip(self.group.stabiliser.param_names, params)]
        moves = [f"{k}={x}" for k, x in zip(self.group.translation_names, self.t)]
        return f"{self.group.name}({', '.join(point + moves)})"


@dataclass
class Proof:
    """The verdict of one symbolic check: the claim, how many cases, and every residual."""

    claim: str
    group: str
    equation: str
    cases: int
    residuals: list = field(repr=False)
    example: object = field(default=None, repr=False)

    @property
    def holds(self) -> bool:
        """True when every residual is identically zero."""
        return all(_is_zero(r) for r in self.residuals)


def _is_zero(residual) -> bool:
    if isinstance(residual, np.ndarray):
        return residual.dtype != object and not np.any(residual)
    if isinstance(residual, sp.MatrixBase):
        return all(sp.expand(x) == 0 for x in residual)
    return sp.expand(residual) == 0


def _symbols(group: SemidirectProduct, name: str) -> sp.Matrix:
    return sp.Matrix(sp.symbols(" ".join(f"{k}{name}" for k in group.translation_names),
                                integer=True, seq=True))


def symbolic_element(group: SemidirectProduct, index: int, name: str = "") -> SymbolicElement:
    """T(t) h_index with fresh integer symbols t = (u_name, v_name[, w_name])."""
    return SymbolicElement(group, int(index), _symbols(group, name))


def _h(group: SemidirectProduct, index: int) -> sp.Matrix:
    return sp.Matrix(group.stabiliser.matrices[index].tolist())


def matrix(g: SymbolicElement) -> sp.Matrix:
    """A(h, t) = [[h, t], [0, 1]] as an exact sympy matrix."""
    d = g.group.dim
    top = _h(g.group, g.index).row_join(g.t)
    return top.col_join(sp.Matrix([[0] * d + [1]]))


def library_matrix(g: SymbolicElement) -> sp.Matrix:
    """The library's own matrix of g (``SemidirectProduct._matrix``, what ``g.matrix()`` and
    ``g.act`` run) on the symbolic translation: A(h, t) if the library is right."""
    return sp.Matrix(g.group._matrix(_params(g)).tolist())


def _params(a: SymbolicElement) -> np.ndarray:
    """The element's parameter vector (point parameters, then the symbols), as objects."""
    point = a.group.stabiliser.params_of(a.index).tolist()
    return np.array(point + list(a.t), dtype=object)


def _element(group: SemidirectProduct, params: np.ndarray) -> SymbolicElement:
    k = group.stabiliser.n_params
    index = int(group.stabiliser.index(np.array(params[:k].tolist(), dtype=np.int64)))
    return SymbolicElement(group, index, sp.Matrix([sp.expand(p) for p in params[k:]]))


def compose(a: SymbolicElement, b: SymbolicElement) -> SymbolicElement:
    """The library's own law (``SemidirectProduct._compose``, what ``a * b`` runs), applied to
    symbolic translations: (h1, t1)(h2, t2) = (h1 h2, t1 + h1 t2) if the library is right."""
    return _element(a.group, a.group._compose(_params(a), _params(b)))


def inverse(a: SymbolicElement) -> SymbolicElement:
    """The library's own inverse (``SemidirectProduct._inverse``) on symbolic translations:
    (h, t)^-1 = (h^-1, -h^-1 t) if the library is right."""
    return _element(a.group, a.group._inverse(_params(a)))


# ------------------------------------------------------------ the law's coefficients
@dataclass(frozen=True)
class _Affine:
    """Point indices and affine coefficients of the library's law for every case."""

    point: np.ndarray      # (...,) index of the result's point part
    linear: tuple          # integer matrices (..., d, d), one per symbolic argument
    constant: np.ndarray   # (..., d)
    invalid: int           # expressions not affine in the symbols, and point parameters that
    #                        are no whole number in their range (0..order - 1 of a generator)


def _coefficients(expressions: np.ndarray, arguments: list[sp.Matrix], real: bool = False
                  ) -> tuple[tuple[np.ndarray, ...], np.ndarray, int]:
    """Integer coefficients of affine expressions (..., d) in the symbols of each argument (or,
    ``real``, their float coefficients, exactly as the library computed them: a sampled
    group's law); and how many terms were not affine with such coefficients."""
    shape = expressions.shape
    d = shape[-1]
    kind, dtype = (float, np.float64) if real else (int, np.int64)
    linear = [np.zeros(shape + (d,), dtype=dtype) for _ in arguments]
    constant = np.zeros(shape, dtype=dtype)
    position = {s: (n, j) for n, arg in enumerate(arguments) for j, s in enumerate(arg)}
    nonlinear = 0
    for index in np.ndindex(shape):
        expr = sp.expand(sp.sympify(expressions[index]))
        for term, coefficient in expr.as_coefficients_dict().items():
            if not (coefficient.is_number if real else coefficient.is_integer):
                nonlinear += 1
            elif term == 1:
                constant[index] = kind(coefficient)
            elif term in position:
                n, j = position[term]
                linear[n][index + (j,)] = kind(coefficient)
            else:
                nonlinear += 1
    return tuple(linear), constant, nonlinear


def law_coefficients(group: SemidirectProduct) -> tuple[_Affine, _Affine]:
    """The library's product and inverse, run once on symbols for every point part (pair):
    (a b)(t1, t2) = (point[i, j], P[i, j] t1 + Q[i, j] t2 + c[i, j]) and
    a^-1(t) = (point[i], V[i] t + c[i])."""
    n, k = group.stabiliser.order, group.stabiliser.n_params
    t1, t2 = _symbols(group, "1"), _symbols(group, "2")
    points = group.stabiliser.params_of(np.arange(n)).astype(object)
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")

    def params(point_rows, t):
        return np.concatenate([point_rows, np.broadcast_to(np.array(list(t), dtype=object),
                                                           point_rows.shape[:-1] + (len(t),))],
                              axis=-1)

    product = group._compose(params(points[i], t1), params(points[j], t2))
    linear, constant, bad = _coefficients(product[..., k:], [t1, t2])
    point, outside = _point_index(group, product[..., :k])
    law = _Affine(point, linear, constant, bad + outside)
    inv = group._inverse(params(points, t1))
    linear, constant, bad = _coefficients(inv[..., k:], [t1])
    point, outside = _point_index(group, inv[..., :k])
    return law, _Affine(point, linear, constant, bad + outside)


def _point_index(group: SemidirectProduct, params: np.ndarray) -> tuple[np.ndarray, int]:
    """The index of point parameters (..., k) the law returned, and how many are no whole
    number in their generator's range 0..order - 1 (those count against every proof; their
    index is taken as 0: an index computed from -1 would wrap to the last element)."""
    orders = group.stabiliser.generator_orders
    valid = np.zeros(params.shape, dtype=bool)
    values = np.zeros(params.shape, dtype=np.int64)
    for index in np.ndindex(params.shape):
        value = sp.sympify(params[index])
        if value.is_integer and value.is_number and 0 <= int(value) < orders[index[-1]]:
            valid[index], values[index] = True, int(value)
    point = np.where(np.all(valid, axis=-1), group.stabiliser.index(values), 0)
    return point, int(np.count_nonzero(~valid))


Coefficients = tuple[_Affine, _Affine]


def _affine(group: SemidirectProduct, law: Coefficients | None) -> tuple:
    law, inv = law_coefficients(group) if law is None else law
    P, Q = law.linear
    return law.point, P, Q, law.constant, inv.point, inv.linear[0], inv.constant, \
        law.invalid + inv.invalid


def _stack(*parts: np.ndarray) -> np.ndarray:
    """Residuals of one case per leading index, flattened and joined."""
    lead = parts[0].shape[:1]
    return np.concatenate([np.asarray(p).reshape(lead + (-1,)) for p in parts], axis=1)


def _rows(residual: np.ndarray, invalid: int) -> list:
    rows = list(residual.reshape(len(residual), -1))
    return rows + ([np.array([invalid])] if invalid else [])


def closure(group: SemidirectProduct, law: Coefficients | None = None) -> Proof:
    """A(a) A(b) = A(ab): the product of two element matrices is the matrix of an element,
    and its parameters are those of the composition law; A is the library's own matrix
    (``library_matrix``, what ``g.matrix()`` runs), equal to [[h, t], [0, 1]] for every point
    part h and all t.

    Parameters
    ----------
    group : SemidirectProduct
        A lattice group Z^d x| H.
    law : Coefficients, optional
        The law's coefficients (``law_coefficients(group)``, computed when not given).

    Returns
    -------
    Proof
        Its ``example`` is the product of two symbolic matrices, as a sympy equation.

    Examples
    --------
    >>> from groupconv import P4
    >>> from groupconv.groups import symbolic
    >>> proof = symbolic.closure(P4)
    >>> proof.holds, proof.cases          # 16 pairs of point parts, and the 4 matrices
    (True, 20)
    """
    k, P, Q, c, *_, bad = _affine(group, law)
    h = group.stabiliser.matrices
    n, d = len(h), group.dim
    eye = np.eye(d, dtype=np.int64)
    product = np.einsum("iab,jbc->ijac", h, h)
    residual = _stack((h[k] - product).reshape(n * n, -1), (P - eye).reshape(n * n, -1),
                      (Q - h[:, None]).reshape(n * n, -1), c.reshape(n * n, -1))
    # ... where A is the library's own matrix (g.matrix()), for every point part and all t
    built = [library_matrix(a) - matrix(a) for a in
             (symbolic_element(group, i) for i in range(n))]
    a, b = symbolic_element(group, min(1, n - 1), "1"), symbolic_element(group, min(1, n - 1), "2")
    example = sp.Eq(sp.MatMul(library_matrix(a), library_matrix(b)),
                    library_matrix(a) * library_matrix(b), evaluate=False)
    return Proof("closure", group.name, "A(a) A(b) = A(ab)", n * n + n,
                 _rows(residual, bad) + built, example)


def associativity(group: SemidirectProduct, law: Coefficients | None = None) -> Proof:
    """(ab)c = a(bc) for the composition law on parameters, for every triple of point parts."""
    k, P, Q, c, *_, bad = _affine(group, law)
    n = len(k)
    i, j, m = np.meshgrid(np.arange(n), np.arange(n), np.arange(n), indexing="ij")
    ab, bc = k[i, j], k[j, m]
    left_point, right_point = k[ab, m], k[i, bc]
    # (ab)c: P[ab, m] (P_ij t1 + Q_ij t2 + c_ij) + Q[ab, m] t3 + c[ab, m]
    # a(bc): P[i, bc] t1 + Q[i, bc] (P_jm t2 + Q_jm t3 + c_jm) + c[i, bc]
    mul = functools.partial(np.einsum, "...ab,...bc->...ac")
    vec = functools.partial(np.einsum, "...ab,...b->...a")
    residual = _stack(
        (left_point - right_point).reshape(n**3, 1),
        (mul(P[ab, m], P[i, j]) - P[i, bc]).reshape(n**3, -1),
        (mul(P[ab, m], Q[i, j]) - mul(Q[i, bc], P[j, m])).reshape(n**3, -1),
        (Q[ab, m] - mul(Q[i, bc], Q[j, m])).reshape(n**3, -1),
        (vec(P[ab, m], c[i, j]) + c[ab, m] - vec(Q[i, bc], c[j, m]) - c[i, bc]
         ).reshape(n**3, -1))
    return Proof("associativity", group.name, "(ab)c = a(bc)", n**3, _rows(residual, bad))


def identity(group: SemidirectProduct, law: Coefficients | None = None) -> Proof:
    """ea = a = ae with e = (identity, 0)."""
    k, P, Q, c, *_, bad = _affine(group, law)
    n, d = len(k), group.dim
    eye = np.eye(d, dtype=np.int64)
    index = np.arange(n)
    residual = _stack((k[0, index] - index)[:, None], (Q[0, index] - eye).reshape(n, -1),
                      c[0, index], (k[index, 0] - index)[:, None],
                      (P[index, 0] - eye).reshape(n, -1), c[index, 0])
    e = SymbolicElement(group, 0, sp.zeros(d, 1))
    return Proof("identity", group.name, "ea = a = ae", 2 * n, _rows(residual, bad),
                 sp.Eq(matrix(e), sp.eye(d + 1), evaluate=False))


def inverses(group: SemidirectProduct, law: Coefficients | None = None) -> Proof:
    """a^-1 a = e = a a^-1, and A(a^-1) is the matrix inverse of A(a)."""
    k, P, Q, c, inv, V, cv, bad = _affine(group, law)
    h = group.stabiliser.matrices
    n = len(h)
    index = np.arange(n)
    mul = functools.partial(np.einsum, "...ab,...bc->...ac")
    vec = functools.partial(np.einsum, "...ab,...b->...a")
    h_inverse = exact_inverse(h)                  # (a float inverse rounds large entries)
    residual = _stack(
        k[inv, index][:, None], (mul(P[inv, index], V) + Q[inv, index]).reshape(n, -1),
        vec(P[inv, index], cv) + c[inv, index],                       # a^-1 a = e
        k[index, inv][:, None], (P[index, inv] + mul(Q[index, inv], V)).reshape(n, -1),
        vec(Q[index, inv], cv) + c[index, inv],                       # a a^-1 = e
        (h[inv] - h_inverse).reshape(n, -1), (V + h_inverse).reshape(n, -1), cv)  # A(a)^-1
    a = symbolic_element(group, min(1, n - 1))
    example = sp.Eq(sp.Inverse(matrix(a)), matrix(inverse(a)), evaluate=False)
    return Proof("inverses", group.name, "a^-1 a = e = a a^-1", 3 * n, _rows(residual, bad),
                 example)


def inverse_of_product(group: SemidirectProduct, law: Coefficients | None = None) -> Proof:
    """(ab)^-1 = b^-1 a^-1, for every pair of point parts."""
    k, P, Q, c, inv, V, cv, bad = _affine(group, law)
    n = len(k)
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    mul = functools.partial(np.einsum, "...ab,...bc->...ac")
    vec = functools.partial(np.einsum, "...ab,...b->...a")
    ab = k[i, j]
    # (ab)^-1: V[ab] (P_ij t1 + Q_ij t2 + c_ij) + cv[ab]
    # b^-1 a^-1: P[inv j, inv i] (V_j t2 + cv_j) + Q[inv j, inv i] (V_i t1 + cv_i) + c[..]
    pj, pi = inv[j], inv[i]
    residual = _stack(
        (inv[ab] - k[pj, pi]).reshape(n * n, 1),
        (mul(V[ab], P[i, j]) - mul(Q[pj, pi], V[i])).reshape(n * n, -1),
        (mul(V[ab], Q[i, j]) - mul(P[pj, pi], V[j])).reshape(n * n, -1),
        (vec(V[ab], c[i, j]) + cv[ab] - vec(P[pj, pi], cv[j]) - vec(Q[pj, pi], cv[i])
         - c[pj, pi]).reshape(n * n, -1))
    return Proof("inverse_of_product", group.name, "(ab)^-1 = b^-1 a^-1", n * n,
                 _rows(residual, bad))


# ----------------------------------------------------------- the paper's closed forms
def _points(group: SemidirectProduct) -> range:
    return range(group.stabiliser.order)


def _mr(group: SemidirectProduct, index: int) -> tuple[int, int]:
    params = dict(zip(group.stabiliser.param_names,
                      group.stabiliser.params_of(index).tolist()))
    return params.get("m", 0), params.get("r", 0)


def _has_closed_form(group: SemidirectProduct) -> bool:
    """Whether the paper's closed forms are claimed of the group: p4 and p4m, by name (a group
    whose generators are only named like theirs is another group; p4 with a wrong matrix is
    still p4, and must fail them)."""
    return group.name.upper() in ("P4", "P4M") and group.dim == 2 and \
        group.stabiliser.param_names in (("r",), ("m", "r")) and \
        group.stabiliser.generator_orders in ((4,), (2, 4))


def trigonometric_matrix(m: int, r: int, u, v) -> sp.Matrix:
    """The paper's matrix of (m, r, u, v), from exact sympy trigonometry."""
    c, s = sp.cos(r * sp.pi / 2), sp.sin(r * sp.pi / 2)
    sign = (-1) ** m
    return sp.Matrix([[sign * c, -sign * s, u], [s, c, v], [0, 0, 1]])


def matrix_formula(group: SemidirectProduct) -> Proof:
    """The integer matrices of P4 / P4M (the library's own, ``library_matrix``) equal the
    paper's trigonometric formula."""
    if not _has_closed_form(group):
        raise ValueError(f"the trigonometric formula is stated for P4 and P4M, not {group.name}")
    residuals = []
    for i in _points(group):
        a = symbolic_element(group, i)
        residuals.append(library_matrix(a) - trigonometric_matrix(*_mr(group, i), *a.t))
    return Proof("matrix_formula", group.name,
                 "A(m, r, u, v) = [[(-1)^m cos, -(-1)^m sin, u], [sin, cos, v], [0, 0, 1]]",
                 len(residuals), residuals)


def closed_form_law(group: SemidirectProduct) -> Proof:
    """The library's law (``compose``) equals the paper's closed form
    (m1, r1, t1)(m2, r2, t2) = (m1 + m2 mod 2, (-1)^m2 r1 + r2 mod 4, t1 + M^m1 R^r1 t2),
    with M^m1 R^r1 from the trigonometric formula, for every pair of point parts."""
    if not _has_closed_form(group):
        raise ValueError(f"the closed-form law is stated for P4 and P4M, not {group.name}")
    residuals = []
    for i, j in itertools.product(_points(group), repeat=2):
        a, b = symbolic_element(group, i, "1"), symbolic_element(group, j, "2")
        (m1, r1), (m2, r2) = _mr(group, i), _mr(group, j)
        linear = trigonometric_matrix(m1, r1, 0, 0)[:2, :2]
        expected = ((m1 + m2) % 2, ((-1) ** m2 * r1 + r2) % 4, a.t + linear * b.t)
        got = compose(a, b)
        m, r = _mr(group, got.index)
        residuals.append(sp.Matrix([m - expected[0], r - expected[1]]).col_join(
            got.t - expected[2]))
    return Proof("closed_form_law", group.name,
                 "(m1,r1,t1)(m2,r2,t2) = (m1+m2, (-1)^m2 r1 + r2, t1 + M^m1 R^r1 t2)",
                 len(residuals), residuals)


# ------------------------------------------------------------- the sampled groups
#: The most point parts whose pairs the sampled groups' proofs run (SE(2)_N up to N = 32; the
#: scale group's i in -(n-1)..(n-1) always fits): larger N is refused, not cut short.
MAX_SAMPLED_POINTS = 32
#: How far a sampled group's stored matrix may lie from the exact one, entry by entry, in units
#: of float64's eps: the angle 2 pi r / N is pi rounded, then a product and a quotient rounded
#: (at most 1.2 eps relative, 7.4 eps absolute below 2 pi), and cos and sin add at most 1 eps
#: (base^i: 1 eps relative). Measured: 4.8 eps at most over SE(2)_N, N <= 32.
ROUNDING_EPS = 9


def sampled_points(group: SE2 | ScaleTranslation) -> list[int]:
    """The point parameters the proofs run on: SE(2)_N's N rotations; the scale group's i in
    -(n-1)..(n-1) (its samples and their inverses; every integer i is an element)."""
    if isinstance(group, SE2):
        points = list(range(group.n))
    elif isinstance(group, ScaleTranslation):
        points = list(range(1 - group.n_scales, group.n_scales))
    else:
        raise TypeError(f"the sampled proofs are stated for SE2 and ScaleTranslation, not "
                        f"{type(group).__name__}")
    if len(points) > MAX_SAMPLED_POINTS:
        raise ValueError(f"the sampled proofs run every pair of point parts, at most "
                         f"{MAX_SAMPLED_POINTS} of them; {group.name} has {len(points)}")
    return points


def _sampled_parts(group, points: np.ndarray, t: sp.Matrix) -> np.ndarray:
    """Rows (p, *t) as objects: point parameters with the symbols t."""
    rows = np.empty(points.shape + (1 + len(t),), dtype=object)
    rows[..., 0] = points
    for j, symbol in enumerate(t):
        rows[..., 1 + j] = symbol
    return rows


def _point_part(group, value) -> int | None:
    """A point parameter the library's law returned, or None where it is not one of the
    group's: not an integer, or out of the range its elements take (SE(2)_N: 0..N-1, not
    reduced here; the scale group: base^i a finite number)."""
    number = float(value)
    if not np.isfinite(number) or number != round(number):
        return None
    try:
        group._check_range(np.array([[number, 0.0, 0.0]]))
    except ValueError:
        return None
    return int(round(number))


def _element_matrix(group, p: int) -> np.ndarray:
    """The library's own matrix A_p of the point part p (``_matrix`` of (p, 0, 0))."""
    return group._matrix(np.array([float(p), 0.0, 0.0]))[:2, :2]


def sampled_law(group: SE2 | ScaleTranslation) -> Proof:
    """The library's law of a sampled group, run on symbols, is the semidirect law with its own
    matrices: (p1, t1)(p2, t2) = (p1 p2, t1 + A_p1 t2) and (p, t)^-1 = (p^-1, -A_{p^-1} t),
    coefficient for coefficient, for every pair of point parts (the translations are real
    symbols, so this holds for all of them). With ``point_law`` (the A_p multiply as the exact
    matrices do) and ``matrix_rounding`` (A_p is the exact matrix to a few roundings), the
    library's group is the exact one, its matrices rounded.

    Parameters
    ----------
    group : SE2 or ScaleTranslation
        A sampled group (SE(2)_N with N <= ``MAX_SAMPLED_POINTS``, or a scale group).

    Returns
    -------
    Proof
        ``cases``: the pairs and the inverses.

    Examples
    --------
    >>> from groupconv.groups import SE2, symbolic
    >>> proof = symbolic.sampled_law(SE2(8))
    >>> proof.holds, proof.cases
    (True, 72)
    """
    points = np.array(sampled_points(group), dtype=object)
    n = len(points)
    t1 = sp.Matrix(sp.symbols("u1 v1", real=True))
    t2 = sp.Matrix(sp.symbols("u2 v2", real=True))
    i, j = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    product = group._compose(_sampled_parts(group, points[i], t1),
                             _sampled_parts(group, points[j], t2))
    (P, Q), c, bad = _coefficients(product[..., 1:], [t1, t2], real=True)
    inverse_rows = group._inverse(_sampled_parts(group, points, t1))
    (V,), cv, bad_inverse = _coefficients(inverse_rows[..., 1:], [t1], real=True)
    eye = np.eye(2)
    residuals = []
    outside = np.array([1.0])      # the residual of a point part that is not the group's
    for a, b in zip(i.ravel(), j.ravel()):
        residuals.append(outside if _point_part(group, product[a, b, 0]) is None else
                         np.concatenate([(P[a, b] - eye).ravel(), c[a, b],
                                         (Q[a, b] - _element_matrix(group, points[a])).ravel()]))
    for a in range(n):
        p_inverse = _point_part(group, inverse_rows[a, 0])
        residuals.append(outside if p_inverse is None else np.concatenate(
            [(V[a] + _element_matrix(group, p_inverse)).ravel(), cv[a]]))
    if bad or bad_inverse:
        residuals.append(np.array([bad + bad_inverse]))
    return Proof("sampled_law", group.name,
                 "(p1,t1)(p2,t2) = (p1 p2, t1 + A_p1 t2), (p,t)^-1 = (p^-1, -A_{p^-1} t)",
                 n * n + n, residuals)


def _rotation_ring(n: int, p: int) -> np.ndarray:
    """2 R_p, the rotation by 2 pi p / N doubled, with entries in Z[i][z] / (z^N - 1): an int
    array (2, 2, N, 2) of the coefficients of z^0 .. z^(N-1), real and imaginary. With
    zeta = e^(2 pi i / N) for z, 2 cos = z^p + z^-p and 2 sin = -i (z^p - z^-p)."""
    ring = np.zeros((2, 2, n, 2), dtype=np.int64)
    up, down = p % n, (-p) % n
    for diagonal in ((0, 0), (1, 1)):
        ring[diagonal + (up, 0)] += 1
        ring[diagonal + (down, 0)] += 1
    ring[1, 0, up, 1] -= 1                      # sin
    ring[1, 0, down, 1] += 1
    ring[0, 1, up, 1] += 1                      # -sin
    ring[0, 1, down, 1] -= 1
    return ring


def _ring_product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Matrix products of ring matrices (..., 2, 2, N, 2), exactly (integers): each entry's
    product is a cyclic convolution of coefficients (z^N = 1) with i^2 = -1."""
    n = a.shape[-2]
    shift = (np.arange(n)[:, None] - np.arange(n)[None, :]) % n      # z^e from z^f z^(e-f)
    circulant = b[..., shift, :]                                     # (..., 2, 2, N, N, 2)

    def part(x: np.ndarray, c: np.ndarray) -> np.ndarray:    # sum_k,f c[k, c, e, f] x[r, k, f]
        return (c[..., None, :, :, :, :] @ x[..., :, :, None, :, None])[..., 0].sum(axis=-3)

    real = part(a[..., 0], circulant[..., 0]) - part(a[..., 1], circulant[..., 1])
    imaginary = part(a[..., 0], circulant[..., 1]) + part(a[..., 1], circulant[..., 0])
    return np.stack([real, imaginary], axis=-1)


def point_law(group: SE2 | ScaleTranslation) -> Proof:
    """The library's point law against the exact matrices: R_p1 R_p2 = R_{p1 p2} and
    R_p R_{p^-1} = I, with p1 p2 and p^-1 as the library's law computes them, for every pair.
    Exact: SE(2)_N's rotations in integer arithmetic in Z[i][z] / (z^N - 1) (cos and sin of
    2 pi p / N through zeta = e^(2 pi i / N); what vanishes modulo z^N - 1 vanishes at zeta);
    the scale group's base^p I in sympy's rationals (base: the exact value of the float).

    Examples
    --------
    >>> from groupconv.groups import SE2, symbolic
    >>> symbolic.point_law(SE2(8)).holds
    True
    """
    points = sampled_points(group)
    pairs = list(itertools.product(points, repeat=2))
    products = [_point_part(group, group._compose(np.array([float(p1), 0.0, 0.0]),
                                                  np.array([float(p2), 0.0, 0.0]))[0])
                for p1, p2 in pairs]
    inverses = [_point_part(group, group._inverse(np.array([float(p), 0.0, 0.0]))[0])
                for p in points]
    # each case (p, q, r): R_p R_q = R_r, with p p^-1 = 0, the identity; a point part the law
    # gave that is not the group's (None) fails its case with residual 1
    cases = [(p1, p2, r) for (p1, p2), r in zip(pairs, products)] + \
        [(p, q, 0) for p, q in zip(points, inverses)]
    valid = [q is not None and r is not None for _, q, r in cases]
    residuals: list = [np.array([1])] * len(cases)
    if isinstance(group, SE2):
        ring = np.stack([_rotation_ring(group.n, p) for p in range(group.n)])     # 2 R_p
        kept = [case for case, ok in zip(cases, valid) if ok]
        if kept:
            first = ring[[p for p, _, _ in kept]]
            second = ring[[q for _, q, _ in kept]]
            expected = 2 * ring[[r for _, _, r in kept]]          # (2 R_p)(2 R_q) = 2 (2 R_r)
            computed = iter((_ring_product(first, second) - expected).reshape(len(kept), -1))
            residuals = [next(computed) if ok else res for ok, res in zip(valid, residuals)]
    else:
        base = sp.Rational(group.base)
        residuals = [sp.Matrix([base**p * base**q - base**r]) if ok else res
                     for (p, q, r), ok, res in zip(cases, valid, residuals)]
    return Proof("point_law", group.name,
                 "R_p1 R_p2 = R_{p1 p2}, R_p R_{p^-1} = I (exact matrices)",
                 len(cases), residuals)


def matrix_rounding(group: SE2 | ScaleTranslation) -> float:
    """The largest distance, entry by entry, between the library's matrices (each element's
    A_p over the points of the proofs, and the samples' ``point_matrices``, which the filter
    banks read) and the exact ones (sympy's cos and sin of 2 pi p / N, or base^p, to 40
    digits), in units of float64's eps: at most ``ROUNDING_EPS`` if they are the exact ones
    rounded.

    Examples
    --------
    >>> from groupconv.groups import SE2, symbolic
    >>> symbolic.matrix_rounding(SE2(8)) <= symbolic.ROUNDING_EPS
    True
    """
    def exact(p: int) -> sp.Matrix:
        if isinstance(group, SE2):
            angle = 2 * sp.pi * p / group.n
            return sp.Matrix([[sp.cos(angle), -sp.sin(angle)], [sp.sin(angle), sp.cos(angle)]])
        return sp.Rational(group.base) ** p * sp.eye(2)

    # the element's matrix (what the law uses) and the samples' (what the banks read)
    stored = [(p, _element_matrix(group, p)) for p in sampled_points(group)]
    stored += [(p, np.asarray(m)) for p, m in enumerate(group.point_matrices())]
    worst = 0.0
    for p, matrix in stored:
        target = exact(p)
        scale = max(1.0, float(np.abs(matrix).max()))
        for (r, c), value in np.ndenumerate(matrix):
            error = abs(sp.Float(float(value), 40) - target[r, c].evalf(40))
            worst = max(worst, float(error) / scale / float(np.finfo(np.float64).eps))
    return worst


def all_proofs(group: SemidirectProduct) -> list[Proof]:
    """Every symbolic check that applies to ``group``: closure, associativity, identity,
    inverses, (ab)^-1 = b^-1 a^-1, and where the group has one, its closed-form law.

    Each check runs the library's own law on symbols (translations as sympy symbols, every
    point part), so a proof that holds covers every element of the group.

    Parameters
    ----------
    group : SemidirectProduct
        A lattice group Z^d x| H.

    Returns
    -------
    list of Proof
        One per check: ``claim``, ``equation``, ``cases`` (symbolic cases checked) and
        ``holds``.

    Examples
    --------
    >>> from groupconv import P4M
    >>> from groupconv.groups import symbolic
    >>> [(p.claim, p.cases, p.holds) for p in symbolic.all_proofs(P4M)][:3]
    [('closure', 72, True), ('associativity', 512, True), ('identity', 16, True)]
    """
    law = law_coefficients(group)
    proofs = [check(group, law) for check in (closure, associativity, identity, inverses,
                                              inverse_of_product)]
    if _has_closed_form(group):
        proofs += [matrix_formula(group), closed_form_law(group)]
    return proofs
