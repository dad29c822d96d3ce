"""Finite groups as tables: labels, the Cayley table, subgroups and cosets, the regular
representation, checked against the group law and against Lagrange's theorem."""

import numpy as np
import pytest

from groupconv.groups import C2, C4, D4, P4, cayley_table, cosets, labels, \
    regular_representation, subgroups


def test_labels_are_the_normal_forms():
    assert labels(C4) == ["e", "r", "r²", "r³"]
    assert labels(D4) == ["e", "r", "r²", "r³", "m", "mr", "mr²", "mr³"]


def test_the_cayley_table_is_the_law_and_prints_as_a_table():
    table = cayley_table(D4)
    elements = D4.elements()
    for a in range(8):
        for b in range(8):
            assert D4.elements()[int(table.table[a, b])] == elements[a] * elements[b]
    text = repr(table)
    assert "Cayley table of D4" in text and text.count("\n") == 10
    assert "<table>" in table._repr_html_() and "mr³" in table._repr_html_()


def test_subgroups_of_c4_and_d4():
    assert subgroups(C4) == [(0,), (0, 2), (0, 1, 2, 3)]
    found = subgroups(D4)
    assert len(found) == 10                                    # D4 has 10 subgroups
    assert sorted(len(s) for s in found) == [1, 2, 2, 2, 2, 2, 4, 4, 4, 8]
    for s in found:                                           # each is closed under the law
        assert all(int(D4.cayley[a, b]) in s for a in s for b in s)


@pytest.mark.parametrize("side", ["left", "right"])
def test_cosets_partition_the_group(side):
    for subgroup in subgroups(D4):
        parts = cosets(D4, subgroup, side)
        assert sorted(i for part in parts for i in part) == list(range(8))
        assert all(len(part) == len(subgroup) for part in parts)      # Lagrange
    mirror = (0, 4)                                           # {e, m}: not normal
    assert cosets(D4, mirror, "left") != cosets(D4, mirror, "right")
    with pytest.raises(ValueError, match="not a subgroup"):
        cosets(D4, (0, 1))


def test_the_regular_representation_is_a_homomorphism_of_permutations():
    for group in (C2, C4, D4):
        mats = regular_representation(group)
        n = group.order
        assert mats.shape == (n, n, n)
        assert np.all(mats.sum(axis=1) == 1) and np.all(mats.sum(axis=2) == 1)
        for a in range(n):
            for b in range(n):
                assert np.array_equal(mats[a] @ mats[b], mats[int(group.cayley[a, b])])
    with pytest.raises(TypeError, match="group.stabiliser"):
        cayley_table(P4)
