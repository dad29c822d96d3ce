"""Symbolic proofs of the group laws (sympy), and that a broken law would be caught."""

import numpy as np
import pytest
import sympy as sp

from groupconv import D4, P4, P4M, Z2, PointGroup, SemidirectProduct
from groupconv.groups import SE2, ScaleTranslation
from groupconv.checks import verify
from groupconv.groups import symbolic

from strategies import GROUP_IDS, GROUPS


@pytest.mark.parametrize("group", GROUPS, ids=GROUP_IDS)
@pytest.mark.parametrize("proof", [symbolic.closure, symbolic.associativity, symbolic.identity,
                                   symbolic.inverses, symbolic.inverse_of_product])
def test_group_laws_hold_symbolically(group, proof):
    result = proof(group)
    assert result.holds
    assert result.cases >= group.stabiliser.order  # every point part, for all translations


@pytest.mark.parametrize("group", [P4, P4M], ids=["P4", "P4M"])
def test_papers_trigonometric_formula_and_closed_form_law(group):
    assert symbolic.matrix_formula(group).holds
    assert symbolic.closed_form_law(group).holds
    with pytest.raises(ValueError, match="not Z2"):
        symbolic.closed_form_law(Z2)


def test_symbolic_matrices_are_exact_with_symbolic_translations():
    u, v = sp.symbols("u v", integer=True)
    a = symbolic.SymbolicElement(P4M, 4 * 1 + 1, sp.Matrix([u, v]))  # m = 1, r = 1
    assert symbolic.matrix(a) == sp.Matrix([[0, 1, u], [1, 0, v], [0, 0, 1]])
    assert symbolic.trigonometric_matrix(1, 1, u, v) == symbolic.matrix(a)
    assert symbolic.inverse(symbolic.inverse(a)).t == a.t
    assert repr(a) == "P4M(m=1, r=1, u=u, v=v)"


def test_examples_for_a_lab():
    closure = symbolic.closure(P4)
    assert isinstance(closure.example, sp.Eq)
    lhs, rhs = closure.example.lhs.doit(), closure.example.rhs
    assert lhs == rhs  # the displayed product is the product
    assert rhs[0, 2] == sp.Symbol("u1", integer=True) - sp.Symbol("v2", integer=True)


def test_a_broken_law_is_caught():
    """Tamper with D4's Cayley table (use h_j h_i instead of h_i h_j): closure must fail."""
    broken = PointGroup("D4", {"m": D4.matrices[4], "r": D4.matrices[1]})
    broken.cayley = np.ascontiguousarray(D4.cayley.T)
    group = SemidirectProduct(broken, name="broken")
    assert not symbolic.closure(group).holds
    assert symbolic.closure(P4M).holds


class _MatrixOfTheInverse(SemidirectProduct):
    """g.matrix() gives point part 1 the matrix of its inverse; the law is right."""

    def _matrix(self, a):
        out = super()._matrix(a)
        i, _ = self._split(a)
        d = self.dim
        out[..., :d, :d] = self.stabiliser.matrices[
            np.where(i == 1, self.stabiliser.inverse_table[1], i)]
        return out


class _InverseUnreduced(SemidirectProduct):
    """The inverse's rotation parameter -r, not reduced modulo its order (-1 for 3)."""

    def _inverse(self, a):
        out = np.array(super()._inverse(a), dtype=object)
        out[..., 0] = -a[..., 0]
        return out


@pytest.mark.parametrize("stabiliser", [P4.stabiliser, P4M.stabiliser], ids=["P4", "P4M"])
def test_the_proofs_run_the_librarys_own_matrices(stabiliser):
    """closure (and the paper's formula) read g.matrix(), not matrices rebuilt beside it: a
    matrix code that gives one point part its inverse's matrix fails them, the law still
    right."""
    group = _MatrixOfTheInverse(stabiliser, name=stabiliser.name.replace("D4", "P4M")
                                .replace("C4", "P4"))
    assert symbolic.associativity(group).holds and symbolic.inverses(group).holds
    assert not symbolic.closure(group).holds
    assert not symbolic.matrix_formula(group).holds


def test_a_point_parameter_out_of_its_range_fails_the_proofs():
    """An inverse that returns r = -1 for 3: its index would wrap to the last element, the
    right one on p4; it is counted against every proof of the law instead."""
    group = _InverseUnreduced(P4.stabiliser, name="P4")
    for proof in (symbolic.closure, symbolic.associativity, symbolic.identity,
                  symbolic.inverses, symbolic.inverse_of_product):
        assert not proof(group).holds
    assert symbolic.law_coefficients(group)[1].invalid == 3     # r = 1, 2, 3 as -1, -2, -3
    assert symbolic.law_coefficients(P4)[1].invalid == 0


# ------------------------------------------------------------------ the sampled groups
MAX = symbolic.MAX_SAMPLED_POINTS
SAMPLED = [SE2(1), SE2(3), SE2(8), SE2(7, disk=False), SE2(MAX),
           ScaleTranslation(2.0), ScaleTranslation(1.5, n_scales=4, scale_extent=2)]


@pytest.mark.parametrize("group", SAMPLED, ids=[g.name for g in SAMPLED])
def test_sampled_groups_are_the_exact_groups_with_rounded_matrices(group):
    law, point = symbolic.sampled_law(group), symbolic.point_law(group)
    points = len(symbolic.sampled_points(group))
    assert law.holds and point.holds
    assert law.cases == point.cases == points**2 + points
    assert symbolic.matrix_rounding(group) <= symbolic.ROUNDING_EPS


def test_every_se2_n_the_proofs_run_on_is_within_the_rounding_bound():
    worst = max(symbolic.matrix_rounding(SE2(n)) for n in range(1, MAX + 1))
    assert 1 < worst <= symbolic.ROUNDING_EPS          # (4.8 eps, N = 14 and 28)


def test_the_matrices_of_a_power_of_two_scale_are_exact():
    assert symbolic.matrix_rounding(ScaleTranslation(2.0, n_scales=5, scale_extent=2)) == 0


class _Subtracting(SE2):
    def _compose(self, a, b):                      # the point parts as r1 - r2
        product = super()._compose(a, b)
        product[..., 0] = (a[..., 0].astype(np.int64) - b[..., 0].astype(np.int64)) % self.n
        return product


class _Swapped(SE2):
    def _compose(self, a, b):                      # t2 + R(r2) t1
        return super()._compose(b, a)


class _Unturned(SE2):
    def _inverse(self, a):                         # (r, t)^-1 = (-r, -R(r) t)
        r = a[..., 0].astype(np.int64)
        t = -np.einsum("...ij,...j->...i", self._matrices[r % self.n], a[..., 1:])
        return np.concatenate([((-r) % self.n)[..., None].astype(float), t], axis=-1)


class _Squared(SE2):
    def _compose(self, a, b):                      # not affine: t1 + R(r1) t2 + t2^2
        product = super()._compose(a, b)
        product[..., 1] = product[..., 1] + b[..., 1] * b[..., 1]
        return product


class _Unreduced(SE2):
    def _compose(self, a, b):                      # r1 + r2 without mod N: not an element
        product = super()._compose(a, b)
        product[..., 0] = a[..., 0] + b[..., 0]
        return product


class _HalfScale(ScaleTranslation):
    def _compose(self, a, b):                      # a point part between the scales
        product = super()._compose(a, b)
        product[..., 0] = product[..., 0] + 0.5
        return product


def test_the_sampled_proofs_fail_on_point_parts_that_are_not_the_groups():
    """From a review: r1 + r2 without mod N passed both proofs (the proof reduced it), and a
    point part between the scales escaped verify as a traceback."""
    assert not symbolic.point_law(_Unreduced(8)).holds
    assert not symbolic.sampled_law(_Unreduced(8)).holds
    half = _HalfScale(2.0)
    assert not symbolic.point_law(half).holds and not symbolic.sampled_law(half).holds
    rows, why = verify._proof_rows(half, None)
    assert not why and {r.claim: r.passed for r in rows}["symbolic_point_law"] is False


def test_the_rounding_row_reads_the_matrices_the_banks_use():
    """The scale group's banks read point_matrices; the law reads scale(): both are compared."""
    group = ScaleTranslation(1.5, n_scales=3, scale_extent=2)
    assert symbolic.matrix_rounding(group) <= symbolic.ROUNDING_EPS
    group._matrices = np.array([np.eye(2) / 1.5**i for i in range(3)])     # base^-i
    assert symbolic.matrix_rounding(group) > 1e14


def test_the_sampled_proofs_fail_on_wrong_laws():
    assert not symbolic.point_law(_Subtracting(8)).holds
    assert symbolic.sampled_law(_Subtracting(8)).holds        # its translations are right
    assert not symbolic.sampled_law(_Swapped(8)).holds
    assert not symbolic.sampled_law(_Unturned(8)).holds
    assert not symbolic.sampled_law(_Squared(8)).holds
    turned = SE2(8)
    turned._matrices = np.ascontiguousarray(np.swapaxes(turned._matrices, -1, -2))  # R(-theta)
    assert symbolic.sampled_law(turned).holds and symbolic.point_law(turned).holds
    assert symbolic.matrix_rounding(turned) > 1e15                 # 0.7 / eps: caught here
    assert symbolic.matrix_rounding(SE2(8)) < 1


def test_the_sampled_proofs_refuse_what_they_cannot_run():
    with pytest.raises(ValueError, match=f"at most {MAX}"):
        symbolic.sampled_law(SE2(MAX + 1))
    with pytest.raises(TypeError, match="SE2 and ScaleTranslation"):
        symbolic.point_law(P4)


def test_verify_runs_the_sampled_proofs_and_says_where_it_does_not():
    rows = {r.claim: r for r in verify.run(trials=1, only="SE2(8)")}
    assert rows["symbolic_sampled_law"].passed and rows["symbolic_sampled_law"].cases == 72
    assert rows["symbolic_point_law"].passed and rows["matrix_rounding"].passed
    assert 0 < rows["matrix_rounding"].worst <= symbolic.ROUNDING_EPS * np.finfo(float).eps
    said = []
    rows = verify.run(trials=1, only=f"SE2({MAX + 1})", progress=said.append)
    assert not any(r.claim.startswith("symbolic_") for r in rows)
    assert any("not run" in line and f"at most {MAX}" in line for line in said)
    assert [r.group for r in verify.run(only="matrix_rounding")] == ["SE2(8)", "Scale(2, n=3, m=2)"]
