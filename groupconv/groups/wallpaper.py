"""The 13 symmorphic wallpaper groups, each Z^2 x| H from its point group's generators.

A symmorphic wallpaper group is a lattice of translations and a point group H that fixes a
lattice point; in the lattice's basis, H is a finite group of 2x2 integer matrices, and the
group is ``SemidirectProduct(H)``. Names (``get_group(name)``, any case):

    square lattice, basis (1, 0), (0, 1); coordinates (u, v) = (row, column):
        p1 (= z2)  C1   {e}
        p2         C2   r = -I                       (half turn)
        pm         D1   m = M = diag(-1, 1)          mirror along a lattice vector
        cm         D1'  m = S = [[0, 1], [1, 0]]     mirror along a diagonal
        pmm        D2   m = M, r = -I
        cmm        D2'  m = S, r = -I
        p4         C4   r = R = [[0, -1], [1, 0]]
        p4m        D4   m = M, r = R
    hexagonal lattice, axial coordinates: (u, v) is the point u e1 + v e2, |e1| = |e2| = 1 at
    60 degrees (e2 is e1 turned by 60 degrees, counter-clockwise):
        p3         C3   r = R3 = [[-1, -1], [1, 0]]  (120 degrees)
        p3m1       D3   m = S, r = R3                mirrors across the shortest vectors
        p31m       D3'  m = [[1, 1], [0, -1]], r = R3  mirrors along the shortest vectors
        p6         C6   r = R6 = [[0, -1], [1, 1]]   (60 degrees: e1 -> e2 -> e2 - e1)
        p6m        D6   m = S, r = R6

Elements are h = m^a r^b in normal form (as D4's), index a |r| + b.

Groups that look alike but are not the same: pm and cm have the same abstract point group
(one mirror) but pm's mirror runs along a lattice vector and cm's along a diagonal of the square
cell; pmm and cmm likewise; p3m1's mirrors run across the shortest lattice vectors (through
the centres of the lattice's triangles) and p31m's along them. Each pair is told apart by an
invariant of conjugacy in GL(2, Z): the coinvariants Z^2 / sum_h (I - h) Z^2
(``groups.finite.coinvariants``): Z/2 + Z for pm, Z for cm; Z/2 + Z/2 for pmm, Z/2 for cmm;
0 for p3m1, Z/3 for p31m.

The hexagonal groups act exactly on functions on the hexagonal lattice (``feature_maps``); at
the array level, a hexagonal function is an array of axial coordinates whose valid cells form
a hexagon about the centre (``hexagon_mask``: 7 cells at radius 1, 19 at radius 2).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..arguments import counted
from ..caching import cached_arrays
from .core import AffineGroup
from .lattice import P4, P4M, Z2, SemidirectProduct, get_group, register
from .point import C2, M, PointGroup

__all__ = [
    "S", "R3", "R6", "M31", "D1", "D1c", "D2", "D2c", "C3", "D3", "D3c", "C6", "D6",
    "P1", "P2", "PM", "CM", "PMM", "CMM", "P3", "P3M1", "P31M", "P6", "P6M", "WALLPAPER",
    "lattice_of", "hexagon_mask", "domain_mask",
]

#: The diagonal mirror (u, v) -> (v, u): on the hexagonal lattice, e1 <-> e2.
S = np.array([[0, 1], [1, 0]], dtype=np.int64)
#: Rotation by 60 degrees in axial coordinates: e1 -> e2, e2 -> e2 - e1.
R6 = np.array([[0, -1], [1, 1]], dtype=np.int64)
#: Rotation by 120 degrees, R6^2.
R3 = R6 @ R6
#: p31m's mirror in axial coordinates: fixes e1, e2 -> e1 - e2.
M31 = np.array([[1, 1], [0, -1]], dtype=np.int64)
_HALF_TURN = -np.eye(2, dtype=np.int64)
for _matrix in (S, R6, R3, M31, _HALF_TURN):
    _matrix.flags.writeable = False   # constants: no module state to change
del _matrix

#: pm's point group: the mirror M = diag(-1, 1), along a lattice vector.
D1 = PointGroup("D1", {"m": M})
#: cm's point group: the diagonal mirror S.
D1c = PointGroup("D1'", {"m": S})
#: pmm's point group: M and the half turn.
D2 = PointGroup("D2", {"m": M, "r": _HALF_TURN})
#: cmm's point group: S and the half turn.
D2c = PointGroup("D2'", {"m": S, "r": _HALF_TURN})
#: p3's point group: rotations by 120 degrees (axial coordinates).
C3 = PointGroup("C3", {"r": R3})
#: p3m1's point group: R3 and the mirror S, across the shortest lattice vectors.
D3 = PointGroup("D3", {"m": S, "r": R3})
#: p31m's point group: R3 and the mirror M31, along the shortest lattice vectors.
D3c = PointGroup("D3'", {"m": M31, "r": R3})
#: p6's point group: rotations by 60 degrees.
C6 = PointGroup("C6", {"r": R6})
#: p6m's point group: R6 and the mirror S.
D6 = PointGroup("D6", {"m": S, "r": R6})

#: p1 = Z2: the translations alone.
P1 = Z2
#: p2: translations and the half turn.
P2 = SemidirectProduct(C2, name="P2")
#: pm: translations and a mirror along a lattice vector.
PM = SemidirectProduct(D1, name="PM")
#: cm: translations and a diagonal mirror.
CM = SemidirectProduct(D1c, name="CM")
#: pmm: translations, two perpendicular mirrors along lattice vectors.
PMM = SemidirectProduct(D2, name="PMM")
#: cmm: translations, the two diagonal mirrors.
CMM = SemidirectProduct(D2c, name="CMM")
#: p3: the hexagonal lattice and rotations by 120 degrees.
P3 = SemidirectProduct(C3, name="P3")
#: p3m1: p3 and mirrors across the shortest lattice vectors.
P3M1 = SemidirectProduct(D3, name="P3M1")
#: p31m: p3 and mirrors along the shortest lattice vectors.
P31M = SemidirectProduct(D3c, name="P31M")
#: p6: the hexagonal lattice and rotations by 60 degrees.
P6 = SemidirectProduct(C6, name="P6")
#: p6m: p6 and the mirrors.
P6M = SemidirectProduct(D6, name="P6M")

#: The 13 symmorphic wallpaper groups by name, square lattice first.
WALLPAPER: dict[str, SemidirectProduct] = {
    "p1": P1, "p2": P2, "pm": PM, "cm": CM, "pmm": PMM, "cmm": CMM, "p4": P4, "p4m": P4M,
    "p3": P3, "p3m1": P3M1, "p31m": P31M, "p6": P6, "p6m": P6M,
}

register(Z2, "p1")
for _name, _group in WALLPAPER.items():
    register(_group, _name)
del _name, _group


def lattice_of(group: SemidirectProduct) -> str:
    """The array layout on which ``group``'s point transformations act exactly about the
    centre: "line", "square" or "cubic" (signed permutations, by d), or "hexagonal" (axial
    coordinates); otherwise a ValueError (no array layout is exact for the group). ``group``
    may be a name ``get_group`` reads."""
    if isinstance(group, str):
        from .lattice import get_group
        group = get_group(group)
    if not hasattr(group, "name"):
        raise TypeError(f"lattice_of: group must be a group or a group's name, got "
                        f"{type(group).__name__}")
    lattice = getattr(group, "lattice", None)
    if lattice is None:
        matrices = getattr(group, "point_matrices", lambda: "none")()
        raise ValueError(f"{getattr(group, 'name', group)!r}'s point group maps neither square "
                         f"nor hexagonal arrays onto themselves: "
                         f"{np.asarray(matrices).tolist()}")
    return lattice


def hexagon_mask(size: int) -> np.ndarray:
    """The valid cells of a hexagonal array of side ``size`` (odd) in axial coordinates: (u, v)
    about the centre with max(|u|, |v|, |u + v|) <= size // 2; 3 r (r + 1) + 1 cells for
    r = size // 2 (7 for size 3, 19 for size 5). Read-only bool array (size, size)."""
    return _hexagon(hexagon_side(size, "hexagon_mask: size"))


def hexagon_side(size: Any, what: str) -> int:
    """``size`` as the side of a hexagonal array, an odd int in 1..2^14 (it has a centre
    cell), or an error that names ``what``."""
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
        raise TypeError(f"{what} must be an odd int (a hexagonal array has a centre cell), got "
                        f"{size!r}")
    if size < 1 or size % 2 == 0 or size > 2**14:
        raise ValueError(f"{what} must be an odd int in 1..2^14 (a hexagonal array has a "
                         f"centre cell), got {size!r}")
    return int(size)


@cached_arrays(maxsize=64)
def _hexagon(size: int) -> np.ndarray:
    r = size // 2
    u = np.arange(-r, r + 1)        # |u|, |v| <= r on the array: the hexagon is |u + v| <= r,
    return (u[None, :] >= -r - u[:, None]) & (u[None, :] <= r - u[:, None])  # bools only


def check_kernel_side(group: AffineGroup, k: int, what: str | None = None,
                      got: str | None = None) -> None:
    """A ValueError where a k^d kernel cannot lie on ``group``'s lattice: on the hexagonal
    lattice a kernel is the hexagon of its k x k array about a centre cell, so k is odd.
    ``what`` prefixes the message (the caller's name), ``got`` says what came (else k)."""
    if group.lattice == "hexagonal" and k % 2 == 0:
        raise ValueError(f"{what + ': ' if what else ''}kernels on {group.name} (hexagonal "
                         f"lattice) are hexagons about a centre cell, so k must be odd; got "
                         f"{got or f'k = {k}'}")


def domain_mask(group: AffineGroup, shape: tuple[int, ...]) -> np.ndarray | None:
    """The cells of an array with spatial ``shape`` on which ``group``'s point transformations
    act about the centre: None for every cell (the hypercubic lattices, the sampled groups),
    the hexagon for the hexagonal lattice (square arrays of odd side only; anything else is a
    ValueError)."""
    group = get_group(group)
    if not isinstance(shape, (tuple, list)) or len(shape) != group.dim or any(
            isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1 for n in shape):
        raise ValueError(f"shape must be {counted(group.dim, 'positive int')} (the spatial "
                         f"sides), got "
                         f"{shape!r}")
    if group.lattice != "hexagonal":
        return None
    height, width = shape
    if height != width or height % 2 == 0:
        raise ValueError(f"arrays on the hexagonal lattice ({group.name}) are square in axial "
                         f"coordinates, of odd side (a hexagon about a centre cell), got "
                         f"{height} x {width}")
    return hexagon_mask(height)
