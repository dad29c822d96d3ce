"""Point groups: finite groups H of integer d x d matrices (d = 1, 2, 3), the stabilisers of the
origin.

A point group is given by any generating set, in any order, as named integer matrices; the group
is their closure (as emlp derives a group from its generators). Its elements are written in a
normal form

    h = g_1^a_1 g_2^a_2 ... g_k^a_k,   0 <= a_i < order(g_i),

the exponents a_i are the element's parameters, and its index (the position on the point axis of
a feature map) is the mixed-radix number a_1 a_2 ... a_k. When the generators as given make
every element unique in this form, they are the normal form; otherwise one is picked from the
shortest products of the generators (``{"m": M, "s": S}`` gives h = m^a (ms)^b, with ms = R).
For the groups of the paper:

    C4: generator r = R (rotation by 90 degrees), h = R^r,          index r;
    D4: generators m = M, r = R,                  h = M^m R^r,      index 4m + r;

with R = [[0, -1], [1, 0]] and M = diag(-1, 1). The closure, the normal form, the Cayley table,
the inverse table and the matrices are computed once, exactly, from the generators. A finite
subgroup of GL(d, Z) for d <= 3 has at most 48 elements and every element has order 1, 2, 3, 4
or 6: a generating set that produces anything else (a shear, say) is refused.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

import numpy as np

from .core import MAX_DIM, ElementArray, Group, as_int_array

__all__ = ["PointGroup", "R", "M", "C1", "C2", "C4", "D4", "MAX_ORDER"]

#: Rotation by 90 degrees, counter-clockwise as displayed: R (u, v) = (-v, u).
R = np.array([[0, -1], [1, 0]], dtype=np.int64)
#: Mirror that negates the row coordinate u: M (u, v) = (-u, v).
M = np.array([[-1, 0], [0, 1]], dtype=np.int64)
for _matrix in (R, M):
    _matrix.flags.writeable = False   # constants: no module state to change
del _matrix

#: Finite-order elements of GL(d, Z), d <= 3, have order 1, 2, 3, 4 or 6.
_MAX_ELEMENT_ORDER = 6
#: The largest finite subgroup of GL(d, Z), d <= 3: the 48 symmetries of the cube.
MAX_ORDER = 48
_MAX_ENTRY = 2**20         # generators' entries beyond this are refused (not of use here)
_MAX_FACTORS = 6           # a normal form of a group of order <= 48 has at most 6 factors


class PointGroup(Group):
    """A finite group of integer d x d matrices from named generators (any generating set, in
    any order), written in a normal form h = g_1^a_1 ... g_k^a_k; parameters (a_1, ..., a_k),
    index = mixed radix of the a_i.

    Parameters
    ----------
    name : str
        The group's name, for display.
    generators : mapping of str to integer matrices
        Parameter names (Python identifiers) to d x d integer matrices of determinant +-1.
    dim : int, optional
        d; needed only when there are no generators (the trivial group).

    Examples
    --------
    >>> import numpy as np
    >>> from groupconv.groups import D4, PointGroup
    >>> S = [[0, 1], [1, 0]]
    >>> H = PointGroup("D4 from M, S", {"m": [[-1, 0], [0, 1]], "s": S})
    >>> H.order, H.param_names
    (8, ('m', 'ms'))
    >>> H == D4          # the same elements in the same order: M^a R^b
    True
    >>> H2 = PointGroup("D4 from R, M", {"r": [[0, -1], [1, 0]], "m": [[-1, 0], [0, 1]]})
    >>> H2 == D4, H2.element_set == D4.element_set    # R^a M^b: another order
    (False, True)
    """

    def __init__(self, name: str, generators: Mapping[str, Any], *, dim: int | None = None):
        if not isinstance(name, str):
            raise TypeError(f"a point group's name must be a str, got {type(name).__name__}")
        self.name = name
        names, gens, self.dim = _parse_generators(name, generators, dim)
        elements = _closure(name, names, gens, self.dim)
        largest = max(int(np.abs(m).max()) for _, m in elements)
        if largest > _MAX_ENTRY:      # (then A x of a point within 2^40 could wrap in int64)
            raise ValueError(f"{name}'s elements have entries up to {largest}, beyond 2^20: "
                             f"a finite point group's matrices are small in a reduced basis")
        self.param_names, normal, self.generator_orders = _normal_form(names, gens, elements)
        self.matrices = _normal_form_matrices(normal, self.generator_orders, self.dim)
        self.cayley, self.inverse_table = _tables(self.matrices)
        self._generators = tuple(normal)
        self._radices = _radices(self.generator_orders)
        self._orders = np.array(self.generator_orders, np.int64)

    @property
    def order(self) -> int:
        """|H|, the number of elements."""
        return len(self.matrices)

    @property
    def element_set(self) -> frozenset:
        """The elements as a set of matrices (tuples of rows): the subgroup of GL(d, Z) that H
        is, whatever its generators and element order."""
        return frozenset(tuple(map(tuple, m)) for m in self.matrices.tolist())

    def index(self, params: np.ndarray) -> np.ndarray:
        """Index of point parameters (..., k): the mixed-radix number a_1 ... a_k."""
        return np.asarray(params, dtype=np.int64) @ self._radices

    def params_of(self, index: np.ndarray) -> np.ndarray:
        """Point parameters (..., k) of indices (...)."""
        index = np.asarray(index, dtype=np.int64)
        return (index[..., None] // self._radices) % self._orders

    def elements(self) -> ElementArray:
        """All elements, in index order."""
        return ElementArray(self, self.params_of(np.arange(self.order)))

    def index_of_matrix(self, matrix: Any) -> int:
        """The index of the element with this d x d matrix; a ValueError if none has it."""
        mat = as_int_array(matrix, f"a matrix of {self.name}")
        found = np.flatnonzero(np.all(self.matrices == mat, axis=(-2, -1))) \
            if mat.shape == (self.dim, self.dim) else []
        if len(found) == 0:
            raise ValueError(f"{mat.tolist()} is not an element of {self.name}")
        return int(found[0])

    def _compose(self, a, b):
        return self.params_of(self.cayley[self.index(a), self.index(b)])

    def _inverse(self, a):
        return self.params_of(self.inverse_table[self.index(a)])

    def _matrix(self, a):
        d = self.dim
        lin = self.matrices[self.index(a)]
        out = np.zeros(lin.shape[:-2] + (d + 1, d + 1), dtype=np.int64)
        out[..., :d, :d] = lin
        out[..., d, d] = 1
        return out

    def _check_range(self, params, owner: str | None = None):
        for j, (key, n) in enumerate(zip(self.param_names, self.generator_orders)):
            col = params[..., j]
            if col.size and (col.min() < 0 or col.max() >= n):
                bad = col[(col < 0) | (col >= n)].ravel()[0]
                raise ValueError(f"{owner or self.name} parameter {key} must be in 0..{n - 1}, "
                                 f"got {bad}")

    def _key(self):
        # the element order is the group's identity here (it is the layout of the point axis);
        # the parameters' names are only how elements are written
        return ("point", self.dim, self.generator_orders, self.matrices.tobytes())


# ------------------------------------------------------------------ construction steps
def _parse_generators(name: str, generators: Mapping[str, Any], dim: int | None
                      ) -> tuple[list[str], list[np.ndarray], int]:
    """Names and integer matrices of the generators, all d x d with determinant +-1."""
    if not isinstance(generators, Mapping) or not all(isinstance(k, str) and k.isidentifier()
                                                      for k in generators):
        raise TypeError(f"generators must be a mapping from parameter names to d x d integer "
                        f"matrices, got {generators!r:.80}")
    if dim is not None and (isinstance(dim, bool) or not isinstance(dim, (int, np.integer))
                            or not 1 <= dim <= MAX_DIM):
        raise ValueError(f"dim must be 1, 2 or 3, got {dim!r}")
    names, gens = [], []
    for key, value in generators.items():
        mat = as_int_array(value, f"generator {key!r} of {name}")
        d = mat.shape[0] if mat.ndim == 2 else 0
        if mat.ndim != 2 or mat.shape != (d, d) or not 1 <= d <= MAX_DIM:
            raise ValueError(f"generator {key!r} of {name} must be a d x d matrix with d = 1, 2 "
                             f"or 3, got shape {mat.shape}")
        if dim is not None and d != dim:
            raise ValueError(f"generator {key!r} of {name} must be {dim} x {dim} (dim = {dim}), "
                             f"got shape {mat.shape}")
        dim = d
        if ((mat < -_MAX_ENTRY) | (mat > _MAX_ENTRY)).any():     # |-2^63| wraps in int64
            raise ValueError(f"generator {key!r} of {name} has an entry beyond 2^20: "
                             f"{mat.tolist()}; a finite point group's matrices are small")
        if abs(_det(mat)) != 1:
            raise ValueError(f"generator {key!r} of {name} must have determinant +-1 "
                             f"(an automorphism of Z^{d}), got {mat.tolist()}")
        names.append(key)
        gens.append(mat)
    if dim is None:
        raise ValueError(f"{name} has no generators: give its dimension, dim=1, 2 or 3")
    return names, gens, int(dim)


def _det(mat: np.ndarray) -> int:
    """The determinant, exactly (Python ints; Laplace expansion along the first row)."""
    rows = [[int(v) for v in row] for row in mat.tolist()]
    if len(rows) == 1:
        return rows[0][0]
    return sum((-1) ** j * rows[0][j] * _det(np.array([r[:j] + r[j + 1:] for r in rows[1:]]))
               for j in range(len(rows)))


def _key(mat: np.ndarray) -> bytes:
    return np.ascontiguousarray(mat, dtype=np.int64).tobytes()


def _order(g: np.ndarray, what: str) -> int:
    """The order of g, with exact (Python int) products: a matrix of infinite order is
    refused, never mistaken for one of finite order by wrapped arithmetic."""
    d = g.shape[0]
    rows = [[int(v) for v in row] for row in g.tolist()]
    identity = [[int(i == j) for j in range(d)] for i in range(d)]
    h = rows
    for n in range(1, _MAX_ELEMENT_ORDER + 1):
        if h == identity:
            return n
        h = [[sum(h[i][k] * rows[k][j] for k in range(d)) for j in range(d)] for i in range(d)]
    raise ValueError(f"{what} has infinite order (no power up to {_MAX_ELEMENT_ORDER} is the "
                     f"identity; a shear, say); a point group must be finite")


def _closure(name: str, names: list[str], gens: list[np.ndarray], dim: int
             ) -> list[tuple[str, np.ndarray]]:
    """Every element as (word, matrix), breadth first from the identity: each element's word is
    its shortest product of the generators (the first found, in the generators' order)."""
    for key, g in zip(names, gens):
        _order(g, f"generator {key!r} of {name}")
    # the name of a product: "ms" for one-letter generator names, "rot_flip" otherwise
    sep = "" if all(len(key) == 1 for key in names) else "_"
    found = {_key(np.eye(dim, dtype=np.int64)): ("", np.eye(dim, dtype=np.int64))}
    frontier = list(found.values())
    while frontier:
        nxt = []
        for word, h in frontier:
            for key, g in zip(names, gens):
                product = h @ g
                k = _key(product)
                if k in found:
                    continue
                label = f"{word}{sep}{key}" if word else key
                _order(product, f"the product {label} of the generators of {name}")
                if len(found) == MAX_ORDER:
                    raise ValueError(f"the generators of {name} generate more than {MAX_ORDER} "
                                     f"elements, more than a finite subgroup of GL({dim}, Z) "
                                     f"can have: they generate an infinite group")
                found[k] = (label, product)
                nxt.append((label, product))
        frontier = nxt
    return list(found.values())


def _products(gens: list[np.ndarray], orders: list[int]) -> list[np.ndarray]:
    """g_1^a_1 ... g_k^a_k for every exponent vector, in mixed-radix order (last fastest)."""
    powers = [[np.linalg.matrix_power(g, a) for a in range(n)] for g, n in zip(gens, orders)]
    dim = gens[0].shape[0] if gens else 0
    out = []
    for picks in itertools.product(*powers):
        h = np.eye(dim, dtype=np.int64)
        for p in picks:
            h = h @ p
        out.append(h)
    return out


def _exact(gens: list[np.ndarray], orders: list[int], size: int) -> bool:
    """Whether g_1^a_1 ... g_k^a_k are ``size`` distinct elements (a normal form)."""
    if int(np.prod(orders, dtype=np.int64)) != size:
        return False
    return len({_key(h) for h in _products(gens, orders)}) == size


def _normal_form(names: list[str], gens: list[np.ndarray],
                 elements: list[tuple[str, np.ndarray]]
                 ) -> tuple[tuple[str, ...], list[np.ndarray], tuple[int, ...]]:
    """(parameter names, normal-form generators, their orders): the generators as given when
    they form a normal form; otherwise the fewest factors, taken from the shortest products of
    the generators (each cyclic subgroup once), that do. A generator that is the identity
    (order 1) adds no parameter, as a repeated one adds none."""
    size = len(elements)
    orders = [_order(g, n) for g, n in zip(gens, names)]
    kept = [i for i, n in enumerate(orders) if n > 1]
    names, gens, orders = [names[i] for i in kept], [gens[i] for i in kept], \
        [orders[i] for i in kept]
    if _exact(gens, orders, size):
        return tuple(names), gens, tuple(orders)
    candidates, seen = [], set()
    for word, h in elements[1:]:
        n = _order(h, word)
        cyclic = frozenset(_key(np.linalg.matrix_power(h, a)) for a in range(n))
        if cyclic not in seen:
            seen.add(cyclic)
            candidates.append((word, h, n))
    for length in range(1, _MAX_FACTORS + 1):
        for combo in itertools.permutations(range(len(candidates)), length):
            picked = [candidates[i] for i in combo]
            if int(np.prod([c[2] for c in picked])) != size:
                continue
            mats, ns = [c[1] for c in picked], [c[2] for c in picked]
            if _exact(mats, ns, size):
                return tuple(c[0] for c in picked), mats, tuple(ns)
    raise ValueError("no normal form g_1^a_1 ... g_k^a_k found for the group")   # pragma: no cover


def _normal_form_matrices(gens: list[np.ndarray], orders: tuple[int, ...], dim: int
                          ) -> np.ndarray:
    """Every element's matrix in index order (last exponent fastest), read-only."""
    mats = np.array(_products(list(gens), list(orders)) if gens
                    else [np.eye(dim, dtype=np.int64)], dtype=np.int64).reshape(-1, dim, dim)
    mats.flags.writeable = False
    return mats


def _tables(matrices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The Cayley table (index of h_i h_j) and the inverse table, read-only."""
    lookup = {_key(m): i for i, m in enumerate(matrices)}
    products = np.einsum("aij,bjk->abik", matrices, matrices)
    n = len(matrices)
    table = np.array([[lookup[_key(products[i, j])] for j in range(n)] for i in range(n)],
                     dtype=np.int64)
    inverse = np.argmax(table == 0, axis=1)   # index 0 is the identity
    table.flags.writeable = False
    inverse.flags.writeable = False
    return table, inverse


def _radices(orders: tuple[int, ...]) -> np.ndarray:
    radices = np.ones(len(orders), dtype=np.int64)
    for i in range(len(orders) - 2, -1, -1):
        radices[i] = radices[i + 1] * orders[i + 1]
    return radices


#: The trivial group {e} of the plane: the stabiliser of Z2.
C1 = PointGroup("C1", {}, dim=2)
#: Rotations by 180 degrees: {e, R^2}, parameter r in {0, 1} meaning R^(2r).
C2 = PointGroup("C2", {"r": R @ R})
#: Rotations by multiples of 90 degrees, h = R^r, index r.
C4 = PointGroup("C4", {"r": R})
#: Rotations and mirrors, h = M^m R^r, index 4m + r.
D4 = PointGroup("D4", {"m": M, "r": R})
