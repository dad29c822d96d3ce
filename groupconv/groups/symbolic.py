"""Symbolic proofs of the group laws with sympy: exact, for every point part, for all translations,
of the library's own law: ``compose`` and ``inverse`` below run ``SemidirectProduct._compose``
and ``_inverse`` (the code ``a * b`` and ``a.inverse()`` run) on sympy symbols.

An element of G = Z^2 x| H is written with its point part h (each of the finitely many values in
turn) and a *symbolic* translation t = (u, v). Its matrix is

    A(h, t) = [[h, t], [0, 1]],

and the law of the group, on parameters, is (h1, t1)(h2, t2) = (h1 h2, t1 + h1 t2). Each check
below compares two sympy expressions for every combination of point parts and returns the
residuals, which are identically zero (as polynomials in the translation symbols) when the
claim holds. For P4 and P4M the matrices are also built from the paper's trigonometric formula

    [[(-1)^m cos(r pi/2), -(-1)^m sin(r pi/2), u], [sin(r pi/2), cos(r pi/2), v], [0, 0, 1]]

and the library's composition law checked against its closed form
(m1 + m2, (-1)^m2 r1 + r2, t1 + M^m1 R^r1 t2).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import sympy as sp

from .lattice import SemidirectProduct

__all__ = [
    "Proof", "SymbolicElement", "symbolic_element", "matrix", "compose", "inverse",
    "closure", "associativity", "identity", "inverses", "inverse_of_product",
    "trigonometric_matrix", "matrix_formula", "closed_form_law", "all_proofs",
]


@dataclass(frozen=True)
class SymbolicElement:
    """g = T(t) h_index with a symbolic translation t (a 2x1 sympy Matrix)."""

    group: SemidirectProduct
    index: int
    t: sp.Matrix

    def __repr__(self) -> str:
        params = self.group.stabiliser.params_of(self.index).tolist()
        names = self.group.stabiliser.param_names
        point = ", ".join(f"{k}={p}" for k, p in zip(names, params))
        return f"{self.group.name}({point}{', ' if point else ''}u={self.t[0]}, v={self.t[1]})"


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
    if isinstance(residual, sp.MatrixBase):
        return all(sp.expand(x) == 0 for x in residual)
    return sp.expand(residual) == 0


def symbolic_element(group: SemidirectProduct, index: int, name: str = "") -> SymbolicElement:
    """T(u_name, v_name) h_index with fresh integer symbols u_name, v_name."""
    u, v = sp.symbols(f"u{name} v{name}", integer=True)
    return SymbolicElement(group, int(index), sp.Matrix([u, v]))


def _h(group: SemidirectProduct, index: int) -> sp.Matrix:
    return sp.Matrix(group.stabiliser.matrices[index].tolist())


def matrix(g: SymbolicElement) -> sp.Matrix:
    """A(h, t) = [[h, t], [0, 1]] as an exact sympy matrix."""
    h = _h(g.group, g.index)
    return sp.Matrix([[h[0, 0], h[0, 1], g.t[0]], [h[1, 0], h[1, 1], g.t[1]], [0, 0, 1]])


def _params(a: SymbolicElement) -> np.ndarray:
    """The element's parameter vector (point parameters, then the symbols u, v), as objects."""
    point = a.group.stabiliser.params_of(a.index).tolist()
    return np.array(point + [a.t[0], a.t[1]], dtype=object)


def _element(group: SemidirectProduct, params: np.ndarray) -> SymbolicElement:
    k = group.stabiliser.n_params
    index = int(group.stabiliser.index(np.array(params[:k].tolist(), dtype=np.int64)))
    return SymbolicElement(group, index, sp.Matrix([sp.expand(params[k]),
                                                    sp.expand(params[k + 1])]))


def compose(a: SymbolicElement, b: SymbolicElement) -> SymbolicElement:
    """The library's own law (``SemidirectProduct._compose``, what ``a * b`` runs), applied to
    symbolic translations: (h1, t1)(h2, t2) = (h1 h2, t1 + h1 t2) if the library is right."""
    return _element(a.group, a.group._compose(_params(a), _params(b)))


def inverse(a: SymbolicElement) -> SymbolicElement:
    """The library's own inverse (``SemidirectProduct._inverse``) on symbolic translations:
    (h, t)^-1 = (h^-1, -h^-1 t) if the library is right."""
    return _element(a.group, a.group._inverse(_params(a)))


def _difference(a: SymbolicElement, b: SymbolicElement) -> sp.Matrix:
    """Zero exactly when a == b: the matrices' difference (point parts and translations)."""
    return matrix(a) - matrix(b)


def _points(group: SemidirectProduct) -> range:
    return range(group.stabiliser.order)


def closure(group: SemidirectProduct) -> Proof:
    """A(a) A(b) = A(ab): the product of two element matrices is the matrix of an element,
    and its parameters are those of the composition law."""
    residuals = []
    example = None
    for i, j in itertools.product(_points(group), repeat=2):
        a, b = symbolic_element(group, i, "1"), symbolic_element(group, j, "2")
        product = matrix(a) * matrix(b)
        residuals.append(product - matrix(compose(a, b)))
        if example is None or (i, j) == (1, 1):
            example = sp.Eq(sp.MatMul(matrix(a), matrix(b)), product, evaluate=False)
    return Proof("closure", group.name, "A(a) A(b) = A(ab)", len(residuals), residuals, example)


def associativity(group: SemidirectProduct) -> Proof:
    """(ab)c = a(bc) for the composition law on parameters."""
    residuals = []
    for i, j, k in itertools.product(_points(group), repeat=3):
        a, b, c = (symbolic_element(group, n, s) for n, s in ((i, "1"), (j, "2"), (k, "3")))
        residuals.append(_difference(compose(compose(a, b), c), compose(a, compose(b, c))))
    return Proof("associativity", group.name, "(ab)c = a(bc)", len(residuals), residuals)


def identity(group: SemidirectProduct) -> Proof:
    """ea = a = ae with e = (identity, 0)."""
    e = SymbolicElement(group, 0, sp.zeros(2, 1))
    residuals = []
    for i in _points(group):
        a = symbolic_element(group, i)
        residuals += [_difference(compose(e, a), a), _difference(compose(a, e), a)]
    return Proof("identity", group.name, "ea = a = ae", len(residuals), residuals,
                 sp.Eq(matrix(e), sp.eye(3), evaluate=False))


def inverses(group: SemidirectProduct) -> Proof:
    """a^-1 a = e = a a^-1, and A(a^-1) is the matrix inverse of A(a)."""
    e = SymbolicElement(group, 0, sp.zeros(2, 1))
    residuals = []
    example = None
    for i in _points(group):
        a = symbolic_element(group, i)
        residuals += [_difference(compose(inverse(a), a), e),
                      _difference(compose(a, inverse(a)), e),
                      matrix(inverse(a)) - matrix(a).inv()]
        if example is None or i == 1:
            example = sp.Eq(sp.Inverse(matrix(a)), matrix(inverse(a)), evaluate=False)
    return Proof("inverses", group.name, "a^-1 a = e = a a^-1", len(residuals), residuals,
                 example)


def inverse_of_product(group: SemidirectProduct) -> Proof:
    """(ab)^-1 = b^-1 a^-1."""
    residuals = []
    for i, j in itertools.product(_points(group), repeat=2):
        a, b = symbolic_element(group, i, "1"), symbolic_element(group, j, "2")
        residuals.append(_difference(inverse(compose(a, b)), compose(inverse(b), inverse(a))))
    return Proof("inverse_of_product", group.name, "(ab)^-1 = b^-1 a^-1", len(residuals),
                 residuals)


# ----------------------------------------------------------- the paper's closed forms
def _mr(group: SemidirectProduct, index: int) -> tuple[int, int]:
    params = dict(zip(group.stabiliser.param_names,
                      group.stabiliser.params_of(index).tolist()))
    return params.get("m", 0), params.get("r", 0)


def _has_closed_form(group: SemidirectProduct) -> bool:
    return group.stabiliser.param_names in (("r",), ("m", "r")) and \
        group.stabiliser.generator_orders in ((4,), (2, 4))


def trigonometric_matrix(m: int, r: int, u, v) -> sp.Matrix:
    """The paper's matrix of (m, r, u, v), from exact sympy trigonometry."""
    c, s = sp.cos(r * sp.pi / 2), sp.sin(r * sp.pi / 2)
    sign = (-1) ** m
    return sp.Matrix([[sign * c, -sign * s, u], [s, c, v], [0, 0, 1]])


def matrix_formula(group: SemidirectProduct) -> Proof:
    """The integer matrices of P4 / P4M equal the paper's trigonometric formula."""
    if not _has_closed_form(group):
        raise ValueError(f"the trigonometric formula is stated for P4 and P4M, not {group.name}")
    residuals = []
    for i in _points(group):
        a = symbolic_element(group, i)
        residuals.append(matrix(a) - trigonometric_matrix(*_mr(group, i), *a.t))
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


def all_proofs(group: SemidirectProduct) -> list[Proof]:
    """Every symbolic check that applies to ``group``."""
    proofs = [closure(group), associativity(group), identity(group), inverses(group),
              inverse_of_product(group)]
    if _has_closed_form(group):
        proofs += [matrix_formula(group), closed_form_law(group)]
    return proofs
