"""Lattice groups G = Z^2 x| H: translations of the pixel grid and a point group H.

An element g = (h, t) = T(t) h, with h in H and t = (u, v) in Z^2, has the matrix

    [[h, t], [0, 1]],      g x = h x + t,

and the law of the semidirect product (the product of the matrices):

    (h1, t1)(h2, t2) = (h1 h2, t1 + h1 t2),      (h, t)^-1 = (h^-1, -h^-1 t).

The groups of the paper are instances: Z2 = Z^2 x| C1 with parameters (u, v), P4 = Z^2 x| C4 with
(r, u, v) and P4M = Z^2 x| D4 with (m, r, u, v). With H = D4 the law reads

    (m1, r1, t1)(m2, r2, t2) = (m1 + m2 mod 2, (-1)^m2 r1 + r2 mod 4, t1 + M^m1 R^r1 t2),

which the Cayley table of D4 computes exactly. Another lattice group needs only its point
group's generators: ``SemidirectProduct(PointGroup("C2", {"r": R @ R}), name="P2")``, and
``register`` makes it known by name to every part of the library (``get_group("p2")``): the
literal sums, the fast path, the layers and ``groupconv verify``.

The registry is the one piece of module state that a call can change, and it only grows: a
name, once taken, always names the same group.
"""

from __future__ import annotations

import numpy as np

from .core import Element, ElementArray, Group, as_int_array, check_coordinates
from .point import C1, C4, D4, PointGroup

__all__ = ["SemidirectProduct", "Z2", "P4", "P4M", "get_group", "register", "registered"]


class SemidirectProduct(Group):
    """The group Z^2 x| H of translations and point transformations, g = T(u, v) h.

    Parameters are H's parameters followed by (u, v); e.g. P4M: (m, r, u, v).
    """

    def __init__(self, stabiliser: PointGroup, name: str | None = None):
        if not isinstance(stabiliser, PointGroup):
            raise TypeError(f"stabiliser must be a PointGroup, got {type(stabiliser).__name__}")
        self.stabiliser = stabiliser
        self.name = name or f"Z2x{stabiliser.name}"
        self.param_names = stabiliser.param_names + ("u", "v")
        self._lattice = _lattice(stabiliser.matrices)

    @property
    def lattice(self) -> str | None:
        """"square" when every point transformation is a signed permutation (it maps the square
        cells of an array about its centre onto themselves), "hexagonal" when every one keeps
        the hexagonal norm max(|u|, |v|, |u + v|) of axial coordinates, else None (no array
        layout is exact for the group; functions with finite support still are)."""
        return self._lattice

    @property
    def order(self) -> None:
        """Infinite: there is no finite order (``stabiliser.order`` is |H|)."""
        return None

    # ------------------------------------------------------------- the law
    def _split(self, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Stabiliser index and translation (..., 2) of parameter arrays."""
        k = self.stabiliser.n_params
        return self.stabiliser.index(a[..., :k]), a[..., k:]

    def _join(self, index: np.ndarray, t: np.ndarray) -> np.ndarray:
        index = np.asarray(index)
        shape = t.shape[:-1]
        if index.shape != shape:   # broadcast only when needed (this is on the hot path)
            shape = np.broadcast_shapes(index.shape, shape)
            index = np.broadcast_to(index, shape)
            t = np.broadcast_to(t, shape + (2,))
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
        out = np.zeros(t.shape[:-1] + (3, 3), dtype=np.int64)
        out[..., :2, :2] = self.stabiliser.matrices[i]
        out[..., :2, 2] = t
        out[..., 2, 2] = 1
        return out

    def _check_range(self, params):
        self.stabiliser._check_range(params[..., : self.stabiliser.n_params], owner=self.name)

    def _key(self):
        return ("semidirect", self.name, self.stabiliser._key())

    # ----------------------------------------------------- named elements
    def point_index(self, g: Element | ElementArray) -> np.ndarray:
        """Stabiliser index of the point part h of g = T(t) h (an int, or an int array)."""
        self._check_same(g, "point_index")
        params = g._array() if isinstance(g, Element) else g.params
        return self._split(params)[0]

    def translation_of(self, g: Element | ElementArray) -> np.ndarray:
        """Translation t of g = T(t) h, shape (..., 2)."""
        self._check_same(g, "translation_of")
        params = g._array() if isinstance(g, Element) else g.params
        return self._split(params)[1]

    def from_parts(self, point_index, translation) -> ElementArray:
        """Elements T(t) h_s from stabiliser indices s (...) and translations t (..., 2)."""
        index = as_int_array(point_index, f"stabiliser indices of {self.name}")
        t = check_coordinates(as_int_array(translation, f"translations of {self.name}"),
                              f"translations of {self.name}")
        if t.ndim == 0 or t.shape[-1] != 2:
            raise ValueError(f"translations must have shape (..., 2), got shape {t.shape}")
        if index.size and (index.min() < 0 or index.max() >= self.stabiliser.order):
            raise ValueError(f"stabiliser indices of {self.name} must be in "
                             f"0..{self.stabiliser.order - 1}")
        return ElementArray(self, self._join(index, t))

    def stabiliser_elements(self) -> ElementArray:
        """The elements h_s = T(0) h_s of the stabiliser of the origin, in index order."""
        return self.from_parts(np.arange(self.stabiliser.order), np.zeros((1, 2), np.int64))

    def embed(self, g: Element | ElementArray) -> Element | ElementArray:
        """The same transformation of the plane as an element of this group.

        Allowed when g's point part lies in this group's stabiliser (a Z2 translation into P4,
        a P4 element into P4M); otherwise a ValueError.
        """
        if not isinstance(g, (Element, ElementArray)):
            raise TypeError(f"embed: expected a group element, got {type(g).__name__}")
        if g.group == self:
            return g
        mats = g.matrix()
        lookup = {m.tobytes(): i for i, m in enumerate(self.stabiliser.matrices)}
        linear = np.ascontiguousarray(mats[..., :2, :2]).reshape(-1, 2, 2)
        try:
            index = np.array([lookup[m.tobytes()] for m in linear], dtype=np.int64)
        except KeyError:
            raise ValueError(f"embed: an element of {g.group.name} whose linear part is not in "
                             f"{self.stabiliser.name} is not an element of {self.name}") from None
        out = self.from_parts(index.reshape(mats.shape[:-2]), mats[..., :2, 2])
        return out[()] if isinstance(g, Element) else out


def _lattice(matrices: np.ndarray) -> str | None:
    mags = np.abs(matrices)
    if np.all(mags.sum(axis=-2) == 1) and np.all(mags.sum(axis=-1) == 1):
        return "square"
    ring = np.array([[1, 0], [0, 1], [-1, 1], [-1, 0], [0, -1], [1, -1]])   # |x|_hex = 1
    moved = np.einsum("hij,nj->hni", matrices, ring)
    if np.all(np.abs(moved).max(axis=-1) <= 1) and np.all(np.abs(moved.sum(axis=-1)) <= 1):
        return "hexagonal"
    return None


#: Translations of Z^2, elements (u, v).
Z2 = SemidirectProduct(C1, name="Z2")
#: Translations and rotations by multiples of 90 degrees, elements (r, u, v) = T(u, v) R^r.
P4 = SemidirectProduct(C4, name="P4")
#: Translations, rotations and mirrors, elements (m, r, u, v) = T(u, v) M^m R^r.
P4M = SemidirectProduct(D4, name="P4M")

#: The registry of lattice groups by lower-case name (see ``register``).
_REGISTRY: dict[str, SemidirectProduct] = {}


def register(group: SemidirectProduct, *names: str) -> SemidirectProduct:
    """Make a lattice group known by name (its own, lower-cased, and any ``names``), so that
    ``get_group(name)`` and every function taking ``group="name"`` accept it. Registering the
    same group again is allowed; a name already taken by another group is a ValueError."""
    if not isinstance(group, SemidirectProduct):
        raise TypeError(f"register takes a SemidirectProduct (a lattice group Z^2 x| H), "
                        f"got {type(group).__name__}")
    keys = [group.name.lower()] + [str(n).lower() for n in names]
    for key in keys:
        if not key.isidentifier():
            raise ValueError(f"a group name must be a Python identifier, got {key!r}")
        taken = _REGISTRY.get(key)
        if taken is not None and taken != group:
            raise ValueError(f"the name {key!r} is taken by another group, {taken!r}")
    for key in keys:
        _REGISTRY[key] = group
    return group


def registered() -> dict[str, SemidirectProduct]:
    """A copy of the registry: every name and the group it names."""
    return dict(_REGISTRY)


def get_group(group: str | SemidirectProduct) -> SemidirectProduct:
    """The lattice group of a registered name (any case; ``"z2"``, ``"p4"``, ``"p4m"``, and any
    that ``register`` added), or the group itself."""
    if isinstance(group, SemidirectProduct):
        return group
    if isinstance(group, str) and group.lower() in _REGISTRY:
        return _REGISTRY[group.lower()]
    raise ValueError(f"group must be one of {sorted(_REGISTRY)} or a SemidirectProduct, "
                     f"got {group!r}")


for _group in (Z2, P4, P4M):
    register(_group)
del _group
