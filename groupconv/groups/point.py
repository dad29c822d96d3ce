"""Point groups: finite groups H of integer 2x2 matrices, the stabilisers of the origin.

A point group is given by named generators g_1, ..., g_k (integer matrices). Its elements are
written in the normal form

    h = g_1^a_1 g_2^a_2 ... g_k^a_k,   0 <= a_i < order(g_i),

the exponents a_i are the element's parameters, and its index (the position on the stabiliser
axis of a feature map) is the mixed-radix number a_1 a_2 ... a_k. For the groups of the paper:

    C4: generator r = R (rotation by 90 degrees), h = R^r,          index r;
    D4: generators m = M, r = R,                  h = M^m R^r,      index 4m + r;

with R = [[0, -1], [1, 0]] and M = diag(-1, 1). The Cayley table, inverse table and matrices
are computed once, exactly, from the generators.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import numpy as np

from .core import ElementArray, Group, as_int_array

__all__ = ["PointGroup", "R", "M", "C1", "C2", "C4", "D4"]

#: Rotation by 90 degrees, counter-clockwise as displayed: R (u, v) = (-v, u).
R = np.array([[0, -1], [1, 0]], dtype=np.int64)
#: Mirror that negates the row coordinate u: M (u, v) = (-u, v).
M = np.array([[-1, 0], [0, 1]], dtype=np.int64)

_MAX_GENERATOR_ORDER = 6   # finite-order elements of GL(2, Z) have order 1, 2, 3, 4 or 6
_MAX_ORDER = 12            # and finite subgroups of GL(2, Z) have at most 12 elements
_MAX_ENTRY = 2**20         # generators' entries beyond this are refused (not of use here)


class PointGroup(Group):
    """A finite group of integer 2x2 matrices given by named generators, in normal form
    h = g_1^a_1 ... g_k^a_k; parameters (a_1, ..., a_k), index = mixed radix of the a_i."""

    def __init__(self, name: str, generators: Mapping[str, object]):
        if not isinstance(name, str):
            raise TypeError(f"a point group's name must be a str, got {type(name).__name__}")
        if not isinstance(generators, Mapping) or not all(isinstance(k, str) and k.isidentifier()
                                                          for k in generators):
            raise TypeError(f"generators must be a mapping from parameter names to 2x2 integer "
                            f"matrices, got {generators!r:.80}")
        self.name = name
        self.param_names = tuple(generators)
        gens = []
        for key, value in generators.items():
            mat = as_int_array(value, f"generator {key!r} of {name}")
            if mat.shape != (2, 2):
                raise ValueError(f"generator {key!r} of {name} must be a 2x2 matrix, "
                                 f"got shape {mat.shape}")
            if np.abs(mat).max() > _MAX_ENTRY:
                raise ValueError(f"generator {key!r} of {name} has an entry beyond 2^20: "
                                 f"{mat.tolist()}; a finite point group's matrices are small")
            if abs(int(mat[0, 0] * mat[1, 1] - mat[0, 1] * mat[1, 0])) != 1:
                raise ValueError(f"generator {key!r} of {name} must have determinant +-1 "
                                 f"(an automorphism of Z^2), got {mat.tolist()}")
            gens.append(mat)
        self.generator_orders = tuple(_order(g, key) for g, key in zip(gens, self.param_names))
        self._generators = tuple(gens)
        self._identity = ("point", name, self.param_names, tuple(g.tobytes() for g in gens))

        count = int(np.prod(self.generator_orders, dtype=np.int64))
        if count > _MAX_ORDER:
            raise ValueError(f"the normal forms of {name} number {count}, more than the "
                             f"{_MAX_ORDER} elements a finite subgroup of GL(2, Z) can have")
        # every normal form, in index order (last exponent fastest)
        mats = []
        for exps in itertools.product(*(range(n) for n in self.generator_orders)):
            h = np.eye(2, dtype=np.int64)
            for g, a in zip(gens, exps):
                h = h @ np.linalg.matrix_power(g, a)
            mats.append(h)
        self.matrices = np.array(mats, dtype=np.int64).reshape(-1, 2, 2)
        self.matrices.flags.writeable = False
        lookup = {m.tobytes(): i for i, m in enumerate(self.matrices)}
        if len(lookup) != len(mats):
            raise ValueError(f"the normal forms g_1^a_1 ... g_k^a_k of {name} are not distinct: "
                             f"give generators whose normal form is unique")
        n = len(mats)
        table = np.empty((n, n), dtype=np.int64)
        for i, j in itertools.product(range(n), range(n)):
            product = (self.matrices[i] @ self.matrices[j]).tobytes()
            if product not in lookup:
                raise ValueError(f"the normal forms of {name} are not closed under "
                                 f"multiplication: give generators whose normal form is a group")
            table[i, j] = lookup[product]
        self.cayley = table
        self.cayley.flags.writeable = False
        self.inverse_table = np.argmax(table == 0, axis=1)  # index 0 is the identity
        self.inverse_table.flags.writeable = False
        radices = np.ones(len(gens), dtype=np.int64)
        for i in range(len(gens) - 2, -1, -1):
            radices[i] = radices[i + 1] * self.generator_orders[i + 1]
        self._radices = radices
        self._orders = np.array(self.generator_orders, np.int64)

    @property
    def order(self) -> int:
        """|H|, the number of elements (the length S of the stabiliser axis)."""
        return len(self.matrices)

    def index(self, params: np.ndarray) -> np.ndarray:
        """Stabiliser index of point parameters (..., k): the mixed-radix number a_1 ... a_k."""
        return np.asarray(params, dtype=np.int64) @ self._radices

    def params_of(self, index: np.ndarray) -> np.ndarray:
        """Point parameters (..., k) of stabiliser indices (...)."""
        index = np.asarray(index, dtype=np.int64)
        return (index[..., None] // self._radices) % self._orders

    def elements(self) -> ElementArray:
        """All elements, in index order."""
        return ElementArray(self, self.params_of(np.arange(self.order)))

    def _compose(self, a, b):
        return self.params_of(self.cayley[self.index(a), self.index(b)])

    def _inverse(self, a):
        return self.params_of(self.inverse_table[self.index(a)])

    def _matrix(self, a):
        lin = self.matrices[self.index(a)]
        out = np.zeros(lin.shape[:-2] + (3, 3), dtype=np.int64)
        out[..., :2, :2] = lin
        out[..., 2, 2] = 1
        return out

    def _check_range(self, params, owner: str | None = None):
        for j, (key, n) in enumerate(zip(self.param_names, self.generator_orders)):
            col = params[..., j]
            if col.size and (col.min() < 0 or col.max() >= n):
                bad = col[(col < 0) | (col >= n)].ravel()[0]
                raise ValueError(f"{owner or self.name} parameter {key} must be in 0..{n - 1}, "
                                 f"got {bad}")

    def _key(self):
        return self._identity


def _order(g: np.ndarray, key: str) -> int:
    """The order of g, with exact (Python int) products: a matrix of infinite order is
    refused, never mistaken for one of finite order by wrapped arithmetic."""
    g = [[int(v) for v in row] for row in g.tolist()]
    h = g
    for n in range(1, _MAX_GENERATOR_ORDER + 1):
        if h == [[1, 0], [0, 1]]:
            return n
        h = [[sum(h[i][k] * g[k][j] for k in range(2)) for j in range(2)] for i in range(2)]
    raise ValueError(f"generator {key!r} has infinite order (no power up to "
                     f"{_MAX_GENERATOR_ORDER} is the identity); a point group must be finite")


#: The trivial group {e}: the stabiliser of Z2.
C1 = PointGroup("C1", {})
#: Rotations by 180 degrees: {e, R^2}, parameter r in {0, 1} meaning R^(2r).
C2 = PointGroup("C2", {"r": R @ R})
#: Rotations by multiples of 90 degrees, h = R^r, index r.
C4 = PointGroup("C4", {"r": R})
#: Rotations and mirrors, h = M^m R^r, index 4m + r.
D4 = PointGroup("D4", {"m": M, "r": R})
