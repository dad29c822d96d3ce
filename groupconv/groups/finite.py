"""Finite groups as tables: the labelled Cayley table, subgroups and cosets, and the regular
representation, for the point groups (C4, D4, the cube's groups, any ``PointGroup``).

    labels(H)                 each element's normal form, e.g. "mr³"
    describe(H)               each element as geometry: "rotation by 90° about (0, 0, 1)",
                              "mirror ⊥ (1, 0, 0)", "inversion", ...
    cayley_table(H)           table[a, b] = a b, with element labels; repr and HTML for notebooks
    subgroups(H)              every subgroup, as sorted tuples of element indices
    cosets(H, K, side)        the left cosets h K (or right cosets K h), a partition of H
    regular_representation(H) permutation matrices P(g), P(g)[idx(g h), idx(h)] = 1, so that
                              P(g) P(g') = P(g g') (checked when built)
    coinvariants(H)           the group Z^d / sum_h (I - h) Z^d as its invariant factors: the
                              same for conjugate point groups P H P^-1 (P in GL(d, Z)), so two
                              groups with different coinvariants are not conjugate

Elements are named by their normal form g_1^a_1 ... g_k^a_k (D4: e, r, r², r³, m, mr, mr², mr³).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..arguments import choice
from .point import PointGroup

__all__ = ["CayleyTable", "labels", "describe", "cayley_table", "subgroups", "cosets",
           "regular_representation", "coinvariants"]

_SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def _check(group: PointGroup) -> PointGroup:
    if not isinstance(group, PointGroup):
        dim = getattr(group, "dim", None)
        hint = f"; for Z^{dim} x| H use group.stabiliser" if hasattr(group, "stabiliser") \
            else ""
        raise TypeError(f"expected a finite point group (a PointGroup such as C4 or D4), got "
                        f"{type(group).__name__}{hint}")
    return group


def labels(group: PointGroup) -> list[str]:
    """The name of every element, in index order: its normal form, e.g. "mr³" (factors joined
    by "·" where a generator's name is longer than one letter)."""
    group = _check(group)
    sep = "" if all(len(k) == 1 for k in group.param_names) else "·"
    names = []
    for params in group.params_of(np.arange(group.order)):
        parts = [key if a == 1 else f"{key}{str(a).translate(_SUPERSCRIPT)}"
                 for key, a in zip(group.param_names, params.tolist()) if a]
        names.append(sep.join(parts) or "e")
    return names


def describe(group: PointGroup) -> list[str]:
    """What every element does, in index order, read off its matrix (coordinates in axis
    order, e.g. (u, v, w)): "identity", "rotation by 90° about (0, 0, 1)" (counter-clockwise
    looking down the axis, right-handed), "mirror ⊥ (1, 0, 0)" (the plane it fixes is normal to
    that vector), "inversion", "rotoinversion by 90° about (0, 0, 1)" (inversion after the
    rotation); in the plane "rotation by 90°" (counter-clockwise as displayed) and "mirror
    fixing (0, 1)"; on the line "mirror".

    Examples
    --------
    >>> from groupconv.groups import D4, describe
    >>> describe(D4)[:2], describe(D4)[4]
    (['identity', 'rotation by 90°'], 'mirror fixing (0, 1)')
    """
    group = _check(group)
    return [_describe(m) for m in group.matrices]


def _primitive(v: np.ndarray) -> tuple[int, ...]:
    """An integer vector divided by the gcd of its entries, first non-zero entry positive."""
    v = np.asarray(np.rint(v), dtype=np.int64)
    g = np.gcd.reduce(np.abs(v)) or 1
    v = v // g
    first = v[np.flatnonzero(v)[0]] if np.any(v) else 1
    return tuple(int(x) for x in (v if first > 0 else -v))


def _fixed(m: np.ndarray) -> tuple[int, ...]:
    """A primitive integer vector fixed by m (an eigenvector of eigenvalue 1)."""
    import sympy as sp

    basis = (sp.Matrix(m.tolist()) - sp.eye(m.shape[0])).nullspace()
    v = basis[0] * sp.ilcm(*[term.q for term in basis[0]])
    return _primitive(np.array([int(x) for x in v]))


def _angle(trace: float, d: int) -> int:
    """The rotation angle in degrees of a rotation with this trace (2 cos θ, or 1 + 2 cos θ)."""
    c = (trace - (d - 2)) / 2
    return int(round(np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))))


def _axis_angle(rot: np.ndarray) -> tuple[tuple[int, ...], int]:
    """(axis, angle) of a rotation of Z^3: the axis a primitive integer vector whose first
    non-zero entry is positive, the angle in degrees, counter-clockwise looking down the axis
    (right-handed), in 0..359."""
    angle = _angle(float(np.trace(rot)), 3)
    if angle == 180:
        return _fixed(rot), 180
    anti = np.array([rot[2, 1] - rot[1, 2], rot[0, 2] - rot[2, 0], rot[1, 0] - rot[0, 1]])
    axis = _primitive(anti)   # 2 sin(angle) n, first non-zero entry made positive
    return axis, angle if np.dot(axis, anti) > 0 else 360 - angle


def _describe(m: np.ndarray) -> str:
    d = m.shape[0]
    det = round(np.linalg.det(m))
    if np.array_equal(m, np.eye(d)):
        return "identity"
    if d == 1:
        return "mirror"
    if d == 2:
        if det == 1:
            angle = _angle(float(np.trace(m)), 2)
            return f"rotation by {angle if m[1, 0] > 0 or angle == 180 else 360 - angle}°"
        return f"mirror fixing {_fixed(m)}"
    if det == -1 and np.array_equal(m, -np.eye(3)):
        return "inversion"
    axis, angle = _axis_angle(m if det == 1 else -m)
    if det == 1:
        return f"rotation by {angle}° about {axis}"
    if angle == 180:
        return f"mirror ⊥ {axis}"
    return f"rotoinversion by {angle}° about {axis}"


@dataclass(frozen=True)
class CayleyTable:
    """The multiplication table of a finite group: ``table[a, b]`` is the index of a b ("a
    after b"); ``labels`` name the elements. Shown as a table by ``repr`` and in notebooks."""

    group: str
    labels: tuple[str, ...]
    table: np.ndarray

    def __repr__(self) -> str:
        width = max(len(s) for s in self.labels) + 1
        head = " " * width + "│" + "".join(f"{s:>{width}}" for s in self.labels)
        rows = [f"Cayley table of {self.group} (row a, column b: a b)", head,
                "─" * width + "┼" + "─" * (width * len(self.labels))]
        for a, row in enumerate(self.table):
            rows.append(f"{self.labels[a]:>{width}}│" +
                        "".join(f"{self.labels[c]:>{width}}" for c in row))
        return "\n".join(rows)

    def _repr_html_(self) -> str:
        head = "".join(f"<th>{s}</th>" for s in self.labels)
        body = "".join(
            f"<tr><th>{self.labels[a]}</th>" +
            "".join(f"<td>{self.labels[c]}</td>" for c in row) + "</tr>"
            for a, row in enumerate(self.table))
        return (f"<table><caption>Cayley table of {self.group} (row a, column b: a b)"
                f"</caption><tr><th></th>{head}</tr>{body}</table>")


def cayley_table(group: PointGroup) -> CayleyTable:
    """The labelled Cayley table of a finite group: row a, column b holds a b.

    Parameters
    ----------
    group : PointGroup
        A finite point group, e.g. ``C4``, ``D4`` or ``G.stabiliser`` of a lattice group G.

    Returns
    -------
    CayleyTable
        ``table[a, b]`` is the index of a b; its ``repr`` is the table with the elements named.

    Examples
    --------
    >>> from groupconv.groups import C4, cayley_table
    >>> print(cayley_table(C4))
    Cayley table of C4 (row a, column b: a b)
       │  e  r r² r³
    ───┼────────────
      e│  e  r r² r³
      r│  r r² r³  e
     r²│ r² r³  e  r
     r³│ r³  e  r r²
    """
    group = _check(group)
    return CayleyTable(group.name, tuple(labels(group)), group.cayley)


def _closure(group: PointGroup, generators: tuple[int, ...]) -> tuple[int, ...]:
    found = {0}
    frontier = [0]
    while frontier:
        a = frontier.pop()
        for g in generators:
            b = int(group.cayley[a, g])
            if b not in found:
                found.add(b)
                frontier.append(b)
    return tuple(sorted(found))


def subgroups(group: PointGroup) -> list[tuple[int, ...]]:
    """Every subgroup, as the sorted indices of its elements, smallest first: the trivial group,
    then every subgroup generated by a known one and one more element, until none is new.

    Parameters
    ----------
    group : PointGroup
        A finite point group.

    Returns
    -------
    list of tuple of int
        The subgroups, each as the indices of its elements (``labels(group)`` names them).

    Examples
    --------
    >>> from groupconv.groups import C4, subgroups
    >>> subgroups(C4)                 # {e}, {e, r²}, C4
    [(0,), (0, 2), (0, 1, 2, 3)]
    """
    group = _check(group)
    found = {(0,)}
    frontier = [(0,)]
    while frontier:
        nxt = []
        for sub in frontier:
            for g in range(group.order):
                if g not in sub:
                    bigger = _closure(group, sub + (g,))
                    if bigger not in found:
                        found.add(bigger)
                        nxt.append(bigger)
        frontier = nxt
    return sorted(found, key=lambda s: (len(s), s))


def cosets(group: PointGroup, subgroup: tuple[int, ...] | list[int], side: str = "left"
           ) -> list[tuple[int, ...]]:
    """The left cosets h K = {h k : k in K} (``side="left"``) or right cosets K h of a subgroup
    K (element indices), each sorted: a partition of the group into |H| / |K| parts.

    Parameters
    ----------
    group : PointGroup
        A finite point group.
    subgroup : sequence of int
        The indices of a subgroup's elements.
    side : {"left", "right"}
        h K or K h.

    Returns
    -------
    list of tuple of int
        The cosets.

    Examples
    --------
    >>> from groupconv.groups import D4, cosets
    >>> cosets(D4, (0, 4))             # {e, m} and its left cosets: r{e, m} = {r, rm = mr³}
    [(0, 4), (1, 7), (2, 6), (3, 5)]
    """
    group = _check(group)
    members = _indices(subgroup, "subgroup")
    if not members or min(members) < 0 or max(members) >= group.order:
        raise ValueError(f"a subgroup of {group.name} is a set of indices in "
                         f"0..{group.order - 1}, got {subgroup!r}")
    if _closure(group, members) != members:
        raise ValueError(f"{list(members)} is not a subgroup of {group.name}: it is not closed "
                         f"under the group law")
    choice(side, "side", ("left", "right"))
    table = group.cayley
    parts = {tuple(sorted(int(table[h, k] if side == "left" else table[k, h])
                          for k in members)) for h in range(group.order)}
    return sorted(parts)


def _indices(values: Any, name: str) -> tuple[int, ...]:
    """Element indices, sorted and without repeats: a sequence of ints (no floats, bools or
    strings), or a TypeError naming ``name``."""
    if isinstance(values, (str, bytes)) or not isinstance(values, (tuple, list, set, frozenset,
                                                                     range, np.ndarray)):
        raise TypeError(f"{name} must be a sequence of element indices (ints), got "
                        f"{values!r}")
    items = list(np.ravel(values)) if isinstance(values, np.ndarray) else list(values)
    if any(isinstance(k, (bool, np.bool_)) or not isinstance(k, (int, np.integer))
           for k in items):
        raise TypeError(f"{name} must be a sequence of element indices (ints), got "
                        f"{values!r}")
    return tuple(sorted({int(k) for k in items}))


def regular_representation(group: PointGroup) -> np.ndarray:
    """P (|H|, |H|, |H|): P[g] is the permutation matrix of g acting on functions on H by
    left translation, P[g][idx(g h), idx(h)] = 1 (so (P[g] f)(h) = f(g^-1 h)); a
    homomorphism, P[g] P[g'] = P[g g'], checked here.

    Parameters
    ----------
    group : PointGroup
        A finite point group.

    Returns
    -------
    numpy.ndarray of int64, shape (|H|, |H|, |H|)
        The matrices, read-only.

    Examples
    --------
    >>> from groupconv.groups import C4, regular_representation
    >>> P = regular_representation(C4)
    >>> P[1].tolist()                  # r: e -> r -> r² -> r³ -> e
    [[0, 0, 0, 1], [1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]
    >>> bool((P[1] @ P[1] == P[2]).all())
    True
    """
    group = _check(group)
    n = group.order
    mats = np.zeros((n, n, n), dtype=np.int64)
    for g in range(n):
        mats[g, group.cayley[g], np.arange(n)] = 1
    products = np.einsum("aij,bjk->abik", mats, mats)
    if not np.array_equal(products, mats[group.cayley]):
        raise AssertionError(f"the regular representation of {group.name} is not a homomorphism")
    mats.flags.writeable = False
    return mats


def coinvariants(group: PointGroup) -> tuple[int, ...]:
    """Z^d / sum_h (I - h) Z^d as invariant factors (d_1, ..., d_d), the group Z/d_1 + ... with
    Z/0 = Z and Z/1 = 0: in the plane (1, 1) is trivial, (1, 0) is Z, (2, 0) is Z/2 + Z, (1, 3)
    is Z/3.

    Conjugation by P in GL(d, Z) maps each (I - h) Z^d to P (I - h) Z^d, so conjugate point
    groups have the same coinvariants: groups with different ones (pm and cm, pmm and cmm,
    p3m1 and p31m) are different wallpaper groups, though their point groups are isomorphic.
    Computed exactly: the Smith normal form of the integer matrices I - h side by side (sympy).
    """
    import sympy as sp
    from sympy.matrices.normalforms import smith_normal_form

    group = _check(group)
    # the columns of [I - h_1 | I - h_2 | ...] span sum_h (I - h) Z^2
    d = group.dim
    stacked = sp.Matrix(np.concatenate([np.eye(d, dtype=np.int64) - h
                                        for h in group.matrices], axis=1).tolist())
    snf = smith_normal_form(stacked, domain=sp.ZZ)
    return tuple(int(abs(snf[i, i])) for i in range(d))
