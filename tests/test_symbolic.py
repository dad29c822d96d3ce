"""Symbolic proofs of the group laws (sympy), and that a broken law would be caught."""

import numpy as np
import pytest
import sympy as sp

from groupconv import D4, P4, P4M, Z2, PointGroup, SemidirectProduct
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
