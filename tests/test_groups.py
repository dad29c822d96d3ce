"""Groups: elements, laws (against matrices, the paper's closed form and GrouPy's vectors),
vectorised element arrays, point groups, the generic construction, and bad input."""

import pathlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from groupconv import C1, C2, C4, D4, P4, P4M, Z2, PointGroup, SemidirectProduct, get_group
from groupconv.groups import M, R

from strategies import GROUP_IDS, GROUPS, elements

REF = np.load(pathlib.Path(__file__).parent / "data" / "reference.npz", allow_pickle=False)
groups = pytest.mark.parametrize("group", GROUPS, ids=GROUP_IDS)


# ----------------------------------------------------------------- elements
def test_element_repr_and_keywords():
    g = P4M.element(m=1, r=3, u=2, v=-1)
    assert repr(g) == "P4M(m=1, r=3, u=2, v=-1)"
    assert repr(P4.element(r=1, u=0, v=2)) == "P4(r=1, u=0, v=2)"
    assert repr(Z2.element(u=1, v=2)) == "Z2(u=1, v=2)"
    assert (g.m, g.r, g.u, g.v) == (1, 3, 2, -1)
    assert P4.element(u=1, v=2) == P4.element(r=0, u=1, v=2)  # left-out parameters are 0


def test_elements_are_immutable_hashable_equal_by_value():
    a, b = P4.element(r=1, u=2, v=3), P4.element(r=1, u=2, v=3)
    assert a == b and hash(a) == hash(b) and len({a, b}) == 1
    assert a != P4.element(r=2, u=2, v=3)
    assert P4.element(u=1) != Z2.element(u=1)  # same motion, different groups
    with pytest.raises(AttributeError):
        a.params = (0, 0, 0)


@groups
@given(data=st.data())
def test_composition_is_matrix_product(group, data):
    a, b = data.draw(elements(group)), data.draw(elements(group))
    assert np.array_equal((a * b).matrix(), a.matrix() @ b.matrix())
    assert np.array_equal(a.inverse().matrix() @ a.matrix(), np.eye(3, dtype=np.int64))
    assert (a * b).matrix().dtype == np.int64  # exact integers, no rounded trigonometry


@groups
@given(data=st.data())
def test_action_is_matrix_on_homogeneous_points(group, data):
    g = data.draw(elements(group))
    points = np.array(data.draw(st.lists(st.tuples(st.integers(-9, 9), st.integers(-9, 9)),
                                         min_size=1, max_size=5)))
    homogeneous = np.concatenate([points, np.ones((len(points), 1), np.int64)], axis=1)
    assert np.array_equal(g.act(points), (g.matrix() @ homogeneous.T).T[:, :2])
    h = data.draw(elements(group))
    assert np.array_equal((g * h).act(points), g.act(h.act(points)))  # a group action


@given(m1=st.integers(0, 1), r1=st.integers(0, 3), m2=st.integers(0, 1), r2=st.integers(0, 3),
       t=st.lists(st.integers(-9, 9), min_size=4, max_size=4))
def test_p4m_law_is_the_papers_closed_form(m1, r1, m2, r2, t):
    a = P4M.element(m=m1, r=r1, u=t[0], v=t[1])
    b = P4M.element(m=m2, r=r2, u=t[2], v=t[3])
    t12 = np.array(t[:2]) + np.linalg.matrix_power(M, m1) @ np.linalg.matrix_power(R, r1) \
        @ np.array(t[2:])
    expected = P4M.element(m=(m1 + m2) % 2, r=((-1) ** m2 * r1 + r2) % 4,
                           u=int(t12[0]), v=int(t12[1]))
    assert a * b == expected


def test_rotation_and_mirror_conventions():
    r, m = P4M.element(r=1), P4M.element(m=1)
    assert np.array_equal(r.act([1, 0]), [0, 1])  # R(u, v) = (-v, u)
    assert np.array_equal(r.act([0, 1]), [-1, 0])
    assert np.array_equal(m.act([2, 3]), [-2, 3])  # M negates the row coordinate
    assert m * r == r.inverse() * m  # M R = R^-1 M


# ----------------------------------------------------- vectorised element arrays
@groups
@given(data=st.data())
def test_element_arrays_broadcast_like_numpy(group, data):
    a = [data.draw(elements(group)) for _ in range(3)]
    b = [data.draw(elements(group)) for _ in range(2)]
    A = group.array(np.array([g.params for g in a]))
    B = group.array(np.array([g.params for g in b]))
    products = A.reshape(3, 1) * B.reshape(1, 2)
    assert products.shape == (3, 2)
    for i in range(3):
        for j in range(2):
            assert products[i, j] == a[i] * b[j]
    assert all(A.inverse()[i] == a[i].inverse() for i in range(3))
    assert np.array_equal(A.matrix(), np.stack([g.matrix() for g in a]))
    assert np.all((a[0] * B) == B.__rmul__(a[0]))
    points = np.arange(6).reshape(3, 2)
    assert np.array_equal(A.act(points), np.stack([g.act(p) for g, p in zip(a, points)]))


def test_element_array_by_keyword_and_attributes():
    A = P4.array(r=[0, 1, 2], u=5, v=np.array([[1], [2]]))
    assert A.shape == (2, 3)
    assert np.array_equal(A.r, [[0, 1, 2], [0, 1, 2]]) and np.all(A.u == 5)
    assert A[1, 2] == P4.element(r=2, u=5, v=2)
    assert len(A.ravel()) == 6 and len(A.tolist()) == 2
    # a 0-d array lists as its element, as NumPy's 0-d tolist gives a scalar
    assert P4.from_parts(1, (2, 3)).tolist() == P4.element(r=1, u=2, v=3)


# ---------------------------------------------------------------- point groups
def test_point_group_tables():
    assert (C1.order, C2.order, C4.order, D4.order) == (1, 2, 4, 8)
    assert np.array_equal(C4.cayley, (np.arange(4)[:, None] + np.arange(4)) % 4)
    assert np.array_equal(C4.inverse_table, [0, 3, 2, 1])
    for i in range(8):
        m1, r1 = divmod(i, 4)
        assert np.array_equal(D4.matrices[i], np.linalg.matrix_power(M, m1)
                              @ np.linalg.matrix_power(R, r1))  # index 4m + r is M^m R^r
        for j in range(8):
            m2, r2 = divmod(j, 4)
            assert D4.cayley[i, j] == 4 * ((m1 + m2) % 2) + ((-1) ** m2 * r1 + r2) % 4
    assert np.array_equal(D4.cayley[np.arange(8), D4.inverse_table], np.zeros(8))
    assert D4.element(m=1, r=1) * D4.element(m=1, r=1) == D4.identity()


def test_point_group_elements_act_on_points():
    assert np.array_equal(C4.element(r=1).act([[1, 0], [0, 1]]), [[0, 1], [-1, 0]])
    assert [repr(h) for h in D4.elements()][:2] == ["D4(m=0, r=0)", "D4(m=0, r=1)"]


def test_a_new_lattice_group_needs_only_its_generators():
    """p2 (translations and the 180-degree rotation) from one generator, R^2."""
    P2 = SemidirectProduct(PointGroup("C2", {"r": R @ R}), name="P2")
    assert P2.param_names == ("r", "u", "v") and P2.stabiliser.order == 2
    g = P2.element(r=1, u=2, v=-1)
    assert np.array_equal(g.act([3, 4]), [-1, -5])  # -x + t
    assert g * g == P2.element(u=0, v=0)  # (R^2, t)^2 = (e, t - t)
    assert g.inverse() == g
    assert P4.embed(g) == P4.element(r=2, u=2, v=-1)
    h = P2.element(r=0, u=1, v=1)
    assert np.array_equal((g * h).matrix(), g.matrix() @ h.matrix())


def test_any_generating_set_in_any_order_gives_the_group():
    """D4 from {M, S}, {S, M} and {R, M}: the closure is D4 (8 elements) every time; a normal form
    is picked from the shortest products when the generators as given are none."""
    S = [[0, 1], [1, 0]]
    for gens in ({"m": M, "s": S}, {"s": S, "m": M}, {"r": R, "m": M}):
        H = PointGroup("D4", gens)
        assert H.order == 8 and H.element_set == D4.element_set
        assert np.array_equal(H.cayley[np.arange(8), H.inverse_table], np.zeros(8))
    from_m_s = PointGroup("D4", {"m": M, "s": S})
    assert from_m_s.param_names == ("m", "ms") and from_m_s == D4    # M^a (MS)^b = M^a R^b
    assert PointGroup("D4", {"r": R, "m": M}) != D4                  # R^a M^b: another order
    assert PointGroup("C4", {"a": R, "b": R}).param_names == ("a",)   # a repeated generator
    assert PointGroup("C2", {"a": R @ R, "b": R @ R}).order == 2
    with_e = PointGroup("C4", {"r": R, "e": np.eye(2, dtype=int)})     # the identity as well
    assert with_e.param_names == ("r",) and with_e == C4
    assert SemidirectProduct(with_e).param_names == ("r", "u", "v")
    assert PointGroup("C1", {"e": np.eye(2, dtype=int)}).param_names == ()


def test_bad_generators_are_refused():
    with pytest.raises(ValueError, match="infinite order"):
        PointGroup("X", {"s": [[1, 1], [0, 1]]})                       # a shear
    with pytest.raises(ValueError, match="infinite order"):
        PointGroup("X", {"a": [[1, 0], [0, -1]], "b": [[1, 1], [0, -1]]})   # their product
    with pytest.raises(ValueError, match="determinant"):
        PointGroup("X", {"s": [[2, 0], [0, 1]]})
    with pytest.raises(TypeError, match="integers"):
        PointGroup("X", {"s": [[0.0, -1.0], [1.0, 0.0]]})
    with pytest.raises(ValueError, match="d x d"):
        PointGroup("X", {"s": np.eye(4, dtype=int)})
    with pytest.raises(ValueError, match="dim"):
        PointGroup("X", {})
    with pytest.raises(ValueError, match="3 x 3"):
        PointGroup("X", {"a": R, "b": np.eye(3, dtype=int)}, dim=3)


def test_get_group():
    assert get_group("p4m") is P4M and get_group("Z2") is Z2 and get_group(P4) is P4
    with pytest.raises(ValueError, match=r"got 'p5'; did you mean .*'p4'.*the names: .*p4m"):
        get_group("p5")
    with pytest.raises(TypeError, match="registered name"):
        get_group(None)


# ------------------------------------------------------- GrouPy conformance
@pytest.mark.parametrize("name,group", [("p4", P4), ("p4m", P4M)])
def test_groupy_group_laws(name, group):
    a, b = group.array(REF[f"d_{name}_a"]), group.array(REF[f"d_{name}_b"])
    assert np.array_equal((a * b).params, REF[f"d_{name}_ab"])
    assert np.array_equal(a.inverse().params, REF[f"d_{name}_a_inv"])
    assert np.array_equal(a.matrix(), REF[f"d_{name}_a_hmat"])


def test_groupy_action_and_tables():
    a = P4M.array(REF["d_p4m_a"])
    assert np.array_equal(a.act(REF["d_z2_points"]), REF["d_p4m_a_acting_on_points"])
    assert np.array_equal(D4.cayley, REF["d_d4_cayley"])
    assert np.array_equal(D4.inverse_table, REF["d_d4_inverse"])


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("params,error,message", [
    (dict(r=4), ValueError, "P4M parameter r must be in 0..3, got 4"),
    (dict(m=2), ValueError, "P4M parameter m must be in 0..1, got 2"),
    (dict(r=-1), ValueError, "P4M parameter r must be in 0..3, got -1"),
    (dict(u=0.5), TypeError, "P4M parameter u must be an int, got 0.5"),
    (dict(u=1.0), TypeError, "must be an int, got 1.0"),
    (dict(v=True), TypeError, "must be an int, got True"),
    (dict(s=1), TypeError, r"takes? parameters \('m', 'r', 'u', 'v'\), got \['s'\]"),
])
def test_bad_parameters(params, error, message):
    with pytest.raises(error, match=message):
        P4M.element(**params)


def test_bad_arrays():
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 3\)"):
        P4.array(np.zeros((5, 4), np.int64))
    with pytest.raises(TypeError, match="must be integers, got float64"):
        P4.array(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="P4 parameter r must be in 0..3, got 7"):
        P4.array(r=[0, 7])
    with pytest.raises(ValueError, match=r"points must have shape \(\.\.\., 2\)"):
        P4.element(r=1).act([1, 2, 3])


def test_composing_elements_of_different_groups():
    with pytest.raises(TypeError, match="expected an element of P4, got an element of P4M"):
        P4.element(r=1) * P4M.element(m=1)
    with pytest.raises(TypeError, match="expected an element of P4M, got an element of Z2"):
        P4M.array(r=[1, 2]) * Z2.element(u=1)
    with pytest.raises(ValueError, match="not an element of P4"):
        P4.embed(P4M.element(m=1))


#: The generators of every registered lattice group, as the docs state them (each point
#: group's element order, and so every array's point axis and every converter, follows from
#: these): a generator turned the other way, or a mirror about another axis, would still make
#: a group and pass its laws; this table pins the convention.
PINNED_GENERATORS = {
    "P4": {"r": [[0, -1], [1, 0]]},                       # a quarter turn, (1, 0) -> (0, 1)
    "P4M": {"m": [[-1, 0], [0, 1]], "r": [[0, -1], [1, 0]]},    # m flips the rows (up-down)
    "P2": {"r": [[-1, 0], [0, -1]]},
    "PM": {"m": [[-1, 0], [0, 1]]},
    "PMM": {"m": [[-1, 0], [0, 1]], "r": [[-1, 0], [0, -1]]},
    "CM": {"m": [[0, 1], [1, 0]]},
    "CMM": {"m": [[0, 1], [1, 0]], "r": [[-1, 0], [0, -1]]},
    "P6": {"r": [[0, -1], [1, 1]]},                       # axial: e1 -> e2, e2 -> e2 - e1
    "P6M": {"m": [[0, 1], [1, 0]], "r": [[0, -1], [1, 1]]},
    "P3": {"r": [[-1, -1], [1, 0]]},
    "P3M1": {"m": [[0, 1], [1, 0]], "r": [[-1, -1], [1, 0]]},
    "P31M": {"m": [[1, 1], [0, -1]], "r": [[-1, -1], [1, 0]]},
    "P432": {"c": [[0, 0, 1], [1, 0, 0], [0, 1, 0]],      # c: u -> v -> w -> u
             "h": [[-1, 0, 0], [0, -1, 0], [0, 0, 1]],    # h: a half turn about w
             "r": [[1, 0, 0], [0, 0, -1], [0, 1, 0]]},    # r: a quarter turn about u
    "Pm-3m": {"i": [[-1, 0, 0], [0, -1, 0], [0, 0, -1]],
              "c": [[0, 0, 1], [1, 0, 0], [0, 1, 0]],
              "h": [[-1, 0, 0], [0, -1, 0], [0, 0, 1]],
              "r": [[1, 0, 0], [0, 0, -1], [0, 1, 0]]},
    "P-43m": {"d": [[1, 0, 0], [0, 0, 1], [0, 1, 0]],     # d: the mirror swapping v and w
              "c": [[0, 0, 1], [1, 0, 0], [0, 1, 0]],
              "x": [[1, 0, 0], [0, -1, 0], [0, 0, -1]],
              "y": [[-1, 0, 0], [0, 1, 0], [0, 0, -1]]},
    "P4/mmm": {"s": [[-1, 0, 0], [0, 1, 0], [0, 0, 1]],  # s: the mirror across u = 0
               "m": [[1, 0, 0], [0, -1, 0], [0, 0, 1]],
               "r": [[1, 0, 0], [0, 0, -1], [0, 1, 0]]},  # the principal axis is u
    "P422": {"q": [[-1, 0, 0], [0, 1, 0], [0, 0, -1]], "r": [[1, 0, 0], [0, 0, -1], [0, 1, 0]]},
    "P222": {"x": [[1, 0, 0], [0, -1, 0], [0, 0, -1]], "y": [[-1, 0, 0], [0, 1, 0], [0, 0, -1]]},
    "P23": {"c": [[0, 0, 1], [1, 0, 0], [0, 1, 0]], "x": [[1, 0, 0], [0, -1, 0], [0, 0, -1]],
            "y": [[-1, 0, 0], [0, 1, 0], [0, 0, -1]]},
}


@pytest.mark.parametrize("name", sorted(PINNED_GENERATORS))
def test_every_group_has_the_generators_its_docs_state(name):
    group = get_group(name)
    stab = group.stabiliser
    assert stab.param_names == tuple(PINNED_GENERATORS[name])
    for param, matrix in PINNED_GENERATORS[name].items():
        got = stab.element(**{param: 1}).matrix()[:group.dim, :group.dim]
        assert got.tolist() == matrix, (param, got.tolist())


def test_elements_pickle_copy_and_compare_both_ways():
    import copy
    import pickle

    g = P4.element(r=1, u=2, v=3)
    assert pickle.loads(pickle.dumps(g)) == g and copy.deepcopy([g])[0] == g
    row = P4.array(r=[0, 1, 2, 3])
    assert (row != P4.array(r=[0, 1, 0, 3])).tolist() == [False, False, True, False]
    assert (P4.element(r=1) == row).tolist() == (row == P4.element(r=1)).tolist()
    with pytest.raises(ValueError, match=r"shapes \(4,\) and \(3,\) do not broadcast"):
        row == P4.array(r=[0, 1, 2])


def test_user_groups_that_would_mislead_are_refused():
    from groupconv.groups import register

    with pytest.raises(ValueError, match="named like the translations"):
        SemidirectProduct(PointGroup("Cu", {"u": R}), name="pu")
    with pytest.raises(ValueError, match="taken by another group.*other parameter names"):
        register(SemidirectProduct(PointGroup("D4 from M, S", {"m": M, "s": [[0, 1], [1, 0]]}),
                                   name="P4M"))
    a = [[10001, -100, -100], [1000100, -10000, -10001], [-100, 1, 0]]   # Oh, conjugated by
    b = [[100, -1, -100], [10000, -100, -10001], [-10001, 100, 0]]       # a skewed basis
    with pytest.raises(ValueError, match="entries up to 100030001, beyond 2\\^20"):
        PointGroup("Oh_conj", {"a": a, "b": b})      # its points would wrap int64 in act


def test_verify_states_the_papers_closed_forms_for_p4_and_p4m_only():
    """A group named like p4 (a generator r of order 4) but turning the other way is another
    group: the closed forms of p4 are not its claims (they used to fail on it)."""
    from groupconv.checks import verify
    from groupconv.groups import register

    register(SemidirectProduct(PointGroup("C4cw", {"r": [[0, 1], [-1, 0]]}), name="p4cw"))
    rows = verify.run(trials=1, only="p4cw")
    assert rows and all(row.passed for row in rows)
    assert not any("closed_form" in row.claim or "matrix_formula" in row.claim for row in rows)
    assert any("closed_form" in row.claim for row in verify.run(trials=1, only="p4"))


def test_exact_inverse_is_exact_in_every_dimension():
    from groupconv.groups.core import exact_inverse

    for m in ([[-1]], [[0, -1], [1, 0]], [[1, 0, 0], [0, 0, -1], [0, 1, 0]],
              [[1000200, -10001, 0], [100030001, -1000200, 0], [0, 0, -1]]):   # float: wrong
        m = np.array(m)
        assert np.array_equal(m @ exact_inverse(m), np.eye(len(m), dtype=np.int64))
    with pytest.raises(ValueError, match="determinant 2"):
        exact_inverse([[2, 0], [0, 1]])


def test_groups_with_other_elements_or_names_are_other_groups():
    """(A mutation review: a point group's key without its matrices made D1, D1' and C2 one
    group, and the caches keyed on groups then gave one group's tables to another: every
    check ran one group at a time.) Groups are equal only with the same elements and name."""
    from groupconv.fast import transform
    from groupconv.groups import PointGroup, SemidirectProduct, registered
    from groupconv.groups.wallpaper import C2, D1, D1c

    assert len({D1, D1c, C2}) == 3 and D1 != D1c and D1 != C2
    # (other tests register groups of their own: one with the same elements as another is
    # the same group, so the pairs compared are those whose names or elements differ)
    groups = list({id(g): g for g in registered().values()}.values())   # each object once
    points = list({id(g.stabiliser): g.stabiliser for g in groups
                   if isinstance(g, SemidirectProduct)}.values())

    def elements(point):
        return sorted(m.tobytes() for m in point.matrices)

    for i, g in enumerate(points):
        assert all(g != h for h in points[i + 1:] if elements(g) != elements(h)), g
    for i, g in enumerate(groups):
        assert all(g != h for h in groups[i + 1:] if g.name != h.name), g
    assert SemidirectProduct(C2, name="a") != SemidirectProduct(C2, name="b")
    x = np.arange(12.0).reshape(1, 3, 4)[:, :, :3]
    rows = SemidirectProduct(PointGroup("mirror", {"m": [[-1, 0], [0, 1]]}))
    swap = SemidirectProduct(PointGroup("mirror", {"m": [[0, 1], [1, 0]]}))
    assert rows != swap
    for _ in range(2):                    # each after the other, in both orders, one process
        assert np.array_equal(transform(x, rows.element(m=1)), x[:, ::-1])
        assert np.array_equal(transform(x, swap.element(m=1)), x.swapaxes(-1, -2))
