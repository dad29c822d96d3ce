"""Lattice groups G = Z^d x| H: translations of the pixel grid and a point group H, d = 1, 2, 3;
and the registry of groups by name.

An element g = (h, t) = T(t) h, with h in H and t in Z^d, has the matrix

    [[h, t], [0, 1]],      g x = h x + t,

and the law of the semidirect product (the product of the matrices):

    (h1, t1)(h2, t2) = (h1 h2, t1 + h1 t2),      (h, t)^-1 = (h^-1, -h^-1 t).

The groups of the paper are instances: Z2 = Z^2 x| C1 with parameters (u, v), P4 = Z^2 x| C4 with
(r, u, v) and P4M = Z^2 x| D4 with (m, r, u, v). With H = D4 the law reads

    (m1, r1, t1)(m2, r2, t2) = (m1 + m2 mod 2, (-1)^m2 r1 + r2 mod 4, t1 + M^m1 R^r1 t2),

which the Cayley table of D4 computes exactly. The dimension d comes from H: the translations
are (u,) on the line, (u, v) in the plane and (u, v, w) in space, a point's coordinates being
its array indices in axis order. Another lattice group needs only its point group's generators:
``SemidirectProduct(PointGroup("C2", {"r": R @ R}), name="P2")``, and ``register`` makes it
known by name to every part of the library (``get_group("p2")``): the literal sums, the fast
path, the layers and ``groupconv verify``.

The registry holds every group a G-CNN can use by name, lattice or sampled (SE(2)_N, scales).
It is the one piece of module state that a call can change, and it only grows: a name, once
taken, always names the same group.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..arguments import did_you_mean
from .core import AffineGroup, Element, ElementArray
from .point import C1, C4, D4, PointGroup

__all__ = ["SemidirectProduct", "Z1", "Z1M", "Z2", "Z3", "P4", "P4M", "TRANSLATIONS", "get_group",
           "register", "registered", "UnknownGroup", "LATTICES"]

#: The names of the hypercubic lattice Z^d, whose cells signed permutations map onto themselves.
LATTICES = {1: "line", 2: "square", 3: "cubic"}


class SemidirectProduct(AffineGroup):
    """The group Z^d x| H of translations and point transformations, g = T(t) h.

    Parameters are H's parameters followed by the translation in axis order; e.g. P4M:
    (m, r, u, v).

    Parameters
    ----------
    stabiliser : PointGroup
        H, a finite group of integer d x d matrices.
    name : str, optional
        The group's name (default "Z<d>x<H>").

    Examples
    --------
    >>> from groupconv.groups import PointGroup, SemidirectProduct
    >>> diagonal = SemidirectProduct(PointGroup("D1diag", {"d": [[0, 1], [1, 0]]}), name="diag")
    >>> diagonal.dim, diagonal.samples, diagonal.param_names
    (2, 2, ('d', 'u', 'v'))
    >>> diagonal.element(d=1, u=3, v=0).act([1, 2]).tolist()    # (v, u) + (3, 0)
    [5, 1]
    """

    def __init__(self, stabiliser: PointGroup, name: str | None = None):
        if not isinstance(stabiliser, PointGroup):
            raise TypeError(f"stabiliser must be a PointGroup, got {type(stabiliser).__name__}")
        if name is not None and not isinstance(name, str):
            raise TypeError(f"a group's name must be a str, got {type(name).__name__}")
        self.stabiliser = stabiliser
        self.dim = stabiliser.dim
        self.name = name or f"Z{self.dim}x{stabiliser.name}"
        taken = sorted(set(stabiliser.param_names) & set(self.translation_names))
        if taken:
            raise ValueError(f"the point group's generators {taken} are named like the "
                             f"translations {self.translation_names}: name them otherwise")
        self.param_names = stabiliser.param_names + self.translation_names
        self._lattice = _lattice(stabiliser.matrices)

    @property
    def lattice(self) -> str | None:
        """"line", "square" or "cubic" (by d) when every point transformation is a signed
        permutation (it maps the cells of an array about its centre onto themselves),
        "hexagonal" (d = 2) when every one keeps the hexagonal norm max(|u|, |v|, |u + v|) of
        axial coordinates, else None (no array layout is exact for the group; functions with
        finite support still are)."""
        return self._lattice

    @property
    def samples(self) -> int:
        """S = |H|: the length of a feature map's point axis."""
        return self.stabiliser.order

    @property
    def order(self) -> None:
        """Infinite: there is no finite order (``stabiliser.order`` is |H|)."""
        return None

    def point_matrices(self) -> np.ndarray:
        return self.stabiliser.matrices

    def _relative(self, s: np.ndarray, t: np.ndarray) -> np.ndarray:
        """idx(h_s^-1 h_t), read off the Cayley table."""
        stab = self.stabiliser
        return stab.cayley[stab.inverse_table[np.asarray(s)], np.asarray(t)]

    def _point_params(self, s):
        return self.stabiliser.params_of(s)

    def _point_index(self, params):
        return self.stabiliser.index(params)

    # ------------------------------------------------------------- the law
    def _split(self, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Stabiliser index and translation (..., d) of parameter arrays."""
        k = self.stabiliser.n_params
        return self.stabiliser.index(a[..., :k]), a[..., k:]

    def _join(self, index: np.ndarray, t: np.ndarray) -> np.ndarray:
        index = np.asarray(index)
        shape = t.shape[:-1]
        if index.shape != shape:   # broadcast only when needed (this is on the hot path)
            shape = np.broadcast_shapes(index.shape, shape)
            index = np.broadcast_to(index, shape)
            t = np.broadcast_to(t, shape + (self.dim,))
        return np.concatenate([self.stabiliser.params_of(index), t], axis=-1)

    def _compose(self, a, b):
        i, ta = self._split(a)
        j, tb = self._split(b)
        h_i = self.stabiliser.matrices[i]
        t = ta + np.einsum("...ij,...j->...i", h_i, tb)
        return self._join(self.stabiliser.cayley[i, j], t)

    def _inverse(self, a):
        i, t = self._split(a)
        k = self.stabiliser.inverse_table[i]
        return self._join(k, -np.einsum("...ij,...j->...i", self.stabiliser.matrices[k], t))

    def _matrix(self, a):
        i, t = self._split(a)
        d = self.dim
        # (sympy symbols as t: the proofs run this code, groupconv.groups.symbolic)
        out = np.zeros(t.shape[:-1] + (d + 1, d + 1), dtype=object if t.dtype == object
                       else np.int64)
        out[..., :d, :d] = self.stabiliser.matrices[i]
        out[..., :d, d] = t
        out[..., d, d] = 1
        return out

    def _check_range(self, params):
        self.stabiliser._check_range(params[..., : self.stabiliser.n_params], owner=self.name)

    def _key(self):
        return ("semidirect", self.name, self.stabiliser._key())

    # ----------------------------------------------------- named elements
    def embed(self, g: Element | ElementArray) -> Element | ElementArray:
        """The same transformation of Z^d as an element of this group.

        Allowed when g's point part lies in this group's stabiliser (a Z2 translation into P4,
        a P4 element into P4M); otherwise a ValueError.
        """
        if not isinstance(g, (Element, ElementArray)):
            raise TypeError(f"embed: expected a group element, got {type(g).__name__}")
        if g.group == self:
            return g
        d = self.dim
        if getattr(g.group, "dim", None) != d or g.group.param_dtype.kind != "i":
            raise ValueError(f"embed: an element of {g.group.name} is not an element of "
                             f"{self.name} (it does not act on Z^{d} by integer matrices)")
        mats = g.matrix()
        lookup = {m.tobytes(): i for i, m in enumerate(self.stabiliser.matrices)}
        linear = np.ascontiguousarray(mats[..., :d, :d]).reshape(-1, d, d)
        try:
            index = np.array([lookup[m.tobytes()] for m in linear], dtype=np.int64)
        except KeyError:
            raise ValueError(f"embed: an element of {g.group.name} whose linear part is not in "
                             f"{self.stabiliser.name} is not an element of {self.name}") from None
        out = self.from_parts(index.reshape(mats.shape[:-2]), mats[..., :d, d])
        return out[()] if isinstance(g, Element) else out


def _lattice(matrices: np.ndarray) -> str | None:
    dim = matrices.shape[-1]
    mags = np.abs(matrices)
    if np.all(mags.sum(axis=-2) == 1) and np.all(mags.sum(axis=-1) == 1):
        return LATTICES[dim]
    if dim != 2:
        return None
    ring = np.array([[1, 0], [0, 1], [-1, 1], [-1, 0], [0, -1], [1, -1]])   # |x|_hex = 1
    moved = np.einsum("hij,nj->hni", matrices, ring)
    if np.all(np.abs(moved).max(axis=-1) <= 1) and np.all(np.abs(moved.sum(axis=-1)) <= 1):
        return "hexagonal"
    return None


#: Translations of the line Z, elements (u,).
Z1 = SemidirectProduct(PointGroup("C1", {}, dim=1), name="Z1")
#: Translations and the mirror of the line (Z x| {1, m}, the infinite dihedral group),
#: elements (m, u) = T(u) M^m with M = [-1]: x -> -x.
Z1M = SemidirectProduct(PointGroup("D1line", {"m": [[-1]]}), name="Z1m")
#: Translations of Z^2, elements (u, v).
Z2 = SemidirectProduct(C1, name="Z2")
#: Translations of Z^3, elements (u, v, w).
Z3 = SemidirectProduct(PointGroup("C1", {}, dim=3), name="Z3")
#: The translations of Z^d alone, by d: the group of functions on the plane (a lifting's input).
TRANSLATIONS = {1: Z1, 2: Z2, 3: Z3}
#: Translations and rotations by multiples of 90 degrees, elements (r, u, v) = T(u, v) R^r.
P4 = SemidirectProduct(C4, name="P4")
#: Translations, rotations and mirrors, elements (m, r, u, v) = T(u, v) M^m R^r.
P4M = SemidirectProduct(D4, name="P4M")

#: The registry of groups by lower-case name (see ``register``).
_REGISTRY: dict[str, AffineGroup] = {}


def register(group: AffineGroup, *names: str) -> AffineGroup:
    """Make a group known by name (its own, lower-cased, and any ``names``), so that
    ``get_group(name)`` and every function taking ``group="name"`` accept it.

    Parameters
    ----------
    group : AffineGroup
        A lattice group (``SemidirectProduct``) or a sampled group (``SE2``,
        ``ScaleTranslation``).
    *names : str
        More names for it (any case; each starting with a letter and holding letters, digits,
        spaces and _ - / ( ) . , =: a Python identifier, a crystallographer's name such as
        "P4/mmm" or "Pm-3m", or a sampled group's, "SE2(8, disk=False)").

    Returns
    -------
    AffineGroup
        The group. Registering the same group again is allowed; a name already taken by another
        group is a ValueError.

    Examples
    --------
    >>> from groupconv.groups import PointGroup, SemidirectProduct, get_group, register
    >>> g = register(SemidirectProduct(PointGroup("D1diag", {"d": [[0, 1], [1, 0]]}),
    ...                                name="diag_doc"))
    >>> get_group("DIAG_DOC") is g
    True
    """
    if not isinstance(group, AffineGroup):
        raise TypeError(f"register takes a group of a G-CNN (a SemidirectProduct Z^d x| H, "
                        f"SE2 or ScaleTranslation), got {type(group).__name__}")
    keys = [_registry_key(group.name, "the group's name")]
    keys += [_registry_key(n, "a name") for n in names]
    from .sampled import from_name    # the names that parse as sampled groups are taken too

    for key in keys:
        taken = _REGISTRY.get(key)
        if taken is None:
            try:
                taken = from_name(key)
            except ValueError:
                taken = None
        if taken is not None and (taken != group or taken.param_names != group.param_names):
            raise ValueError(f"the name {key!r} is taken by another group, {taken!r}"
                             f"{' (with other parameter names)' if taken == group else ''}")
    for key in keys:
        _REGISTRY[key] = group
    return group


def _registry_key(name: Any, what: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a str, got {type(name).__name__}")
    key = name.lower()
    if not key or not all(c.isalnum() or c in "_-/()., =" for c in key) or not key[0].isalpha():
        raise ValueError(f"{what} must start with a letter and hold only letters, digits, "
                         f"spaces and _ - / ( ) . , =, got {name!r}")
    return key


def registered() -> dict[str, AffineGroup]:
    """A copy of the registry: every name and the group it names."""
    return dict(_REGISTRY)


#: Names of the groups in other libraries and in words, and the registered names they mean.
_OTHER_NAMES = {
    "octahedral": "; the octahedral group (escnn's octaOnR3): 'O' (P432), or 'Oh' (Pm-3m) "
                  "with the mirrors",
    "full octahedral": "; the full octahedral group: 'Oh' (Pm-3m)",
    "cube": "; the cube's rotations: 'O' (P432); all its symmetries: 'Oh' (Pm-3m)",
    "cubic": "; the cube's rotations: 'O' (P432); all its symmetries: 'Oh' (Pm-3m)",
    "rotations": "; the plane's quarter turns: 'p4'; the cube's rotations: 'O' (P432)",
    "c4": "; the quarter turns with translations: 'p4' (Cohen & Welling's p4)",
    "d4": "; the square's symmetries with translations of the plane: 'p4m'; Winkels & Cohen's "
          "3D D4 (the square prism's rotations): 'P422'",
    "se2": "; the sampled rotation group SE(2)_N: e.g. 'SE2(8)'",
    "se(2)": "; the sampled rotation group SE(2)_N: e.g. 'SE2(8)'",
    "dinf": "; the line with its mirror (Z x| {1, m}, the infinite dihedral group): 'z1m'",
    "line": "; the line's translations: 'z1'; with its mirror u -> -u: 'z1m'",
}


class UnknownGroup(ValueError):
    """A group name that no group is registered under (a user's own group is registered with
    ``register``; the command line's ``--groups MODULE:NAME`` does it)."""


def get_group(group: str | AffineGroup) -> AffineGroup:
    """The group of a registered name (any case: ``"z2"``, ``"p4"``, ``"p4m"``, ``"P432"``,
    ``"se2_8"``, and any that ``register`` added), of a sampled group's ``name``
    (``"SE2(12)"``, ``"Scale(2, n=3, m=2)"``), or the group itself.

    Parameters
    ----------
    group : str or AffineGroup
        A registered name, or a group (returned as it is).

    Returns
    -------
    AffineGroup

    Raises
    ------
    UnknownGroup
        A ValueError, for a name no group is registered under (the message names the
        registered ones, and the group meant where the name is another library's or a word).
    TypeError
        For anything but a str or a group.

    Examples
    --------
    >>> from groupconv.groups import get_group
    >>> get_group("P4M").param_names
    ('m', 'r', 'u', 'v')
    >>> get_group("SE2(12)").samples
    12
    """
    if isinstance(group, AffineGroup):
        return group
    if isinstance(group, str):
        found = _REGISTRY.get(group.lower())
        if found is not None:
            return found
        from .sampled import from_name    # (sampled.py registers its groups here)

        found = from_name(group)
        if found is not None:
            return found
        hint = _OTHER_NAMES.get(" ".join(group.lower().replace("-", " ").split()), "") or \
            did_you_mean(group, list(_REGISTRY))
        raise UnknownGroup(f"group must be a registered name or a group, got {group!r}{hint} "
                           f"(the names: {', '.join(sorted(_REGISTRY))})")
    raise TypeError(f"group must be a registered name (str) or a group, got "
                    f"{type(group).__name__}")


for _group in (Z1, Z2, Z3, P4, P4M):
    register(_group)
del _group
register(Z1M)
