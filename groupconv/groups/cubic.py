"""The groups of 3D G-CNNs: Z^3 x| H for point groups H of the cube, each from its generators.

On the cubic grid Z^3 the cube's symmetries are signed permutations of the coordinates, so they
map voxels to voxels: every operation of groupconv is exact for these groups, as p4's are in
the plane. Coordinates are array indices in axis order, (u, v, w) = (depth, row, column) of a
(..., D, H, W) volume, measured from the centre; a quarter turn about the u axis turns every
depth slice like p4's R. Names (``get_group(name)``, any case), crystallographers' and papers':

    z3                   {e}           the translations of Z^3 alone
    P222    (V)          D2, 4         CubeNet's Klein four-group: the half turns about u, v, w
    P422                 D4, 8         the square prism's rotations about u (Winkels & Cohen's D4)
    P4/mmm  (D4h)        D4h, 16       the square prism's symmetries: D4 with the mirrors
                                       (anisotropic CT voxels: the 4-fold axis along depth)
    P23     (T)          T, 12         the tetrahedron's rotations
    P-43m   (Td)         Td, 24        the tetrahedron's symmetries (rotations and mirrors)
    P432    (O)          O, 24         the cube's rotations
    Pm-3m   (Oh)         Oh, 48        the cube's symmetries (O with the inversion -I)

with the generators (integer matrices acting on (u, v, w); the element index is the mixed
radix of the exponents, last generator fastest):

    r = quarter turn about u: (u, v, w) -> (u, -w, v)       (p4's R on every depth slice)
    c = 120 degrees about (1, 1, 1): (u, v, w) -> (w, u, v)
    h = half turn about w: (u, v, w) -> (-u, -v, w)
    i = the inversion -I
    s = the mirror across the slice plane: u -> -u;  m = p4m's M on every slice: v -> -v
    q = half turn about v: (u, v, w) -> (-u, v, -w)
    x, y = half turns about u and v;  d = the mirror swapping v and w

    O   = {c^a h^b r^k},  index 8a + 4b + k: the first four turn every slice about u
    Oh  = {i^a c^b h^e r^k}, index 24a + (O's index): the rotations first, then their negatives
    D4h = {s^a m^b r^k}, index 8a + (p4m's index 4m + r, slice by slice)

``groupconv.groups.describe(H)`` names each element ("rotation by 90° about (1, 0, 0)",
"mirror ⊥ (1, 0, 0)", "inversion", ...).
"""

from __future__ import annotations

import numpy as np

from .lattice import Z3, SemidirectProduct, register
from .point import PointGroup

__all__ = ["CUBIC", "Q_U", "C_111", "H_W", "INVERSION", "S_U", "M_V", "Q_V", "X_U", "Y_V",
           "D_VW", "V", "D4_3D", "D4H", "T", "TD", "O", "OH", "P222", "P422", "P4MMM", "P23",
           "P_43M", "P432", "PM_3M"]

#: A quarter turn about the u (depth) axis: (u, v, w) -> (u, -w, v).
Q_U = np.array([[1, 0, 0], [0, 0, -1], [0, 1, 0]], dtype=np.int64)
#: 120 degrees about (1, 1, 1): the cyclic permutation (u, v, w) -> (w, u, v).
C_111 = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0]], dtype=np.int64)
#: A half turn about the w axis.
H_W = np.diag([-1, -1, 1]).astype(np.int64)
#: The inversion x -> -x.
INVERSION = -np.eye(3, dtype=np.int64)
#: The mirror across the slice plane, u -> -u.
S_U = np.diag([-1, 1, 1]).astype(np.int64)
#: p4m's mirror M on every depth slice, v -> -v.
M_V = np.diag([1, -1, 1]).astype(np.int64)
#: A half turn about the v axis.
Q_V = np.diag([-1, 1, -1]).astype(np.int64)
#: Half turns about the u and the v axes.
X_U = np.diag([1, -1, -1]).astype(np.int64)
Y_V = Q_V
#: The mirror swapping v and w.
D_VW = np.array([[1, 0, 0], [0, 0, 1], [0, 1, 0]], dtype=np.int64)
for _matrix in (Q_U, C_111, H_W, INVERSION, S_U, M_V, Q_V, X_U, D_VW):
    _matrix.flags.writeable = False   # constants: no module state to change
del _matrix

#: CubeNet's Klein four-group: the half turns about u and v (and their product, about w).
V = PointGroup("V", {"x": X_U, "y": Y_V})
#: The square prism's rotations about u: {q^a r^k}.
D4_3D = PointGroup("D4", {"q": Q_V, "r": Q_U})
#: The square prism's symmetries: {s^a m^b r^k}, p4m on every slice and the slice mirror.
D4H = PointGroup("D4h", {"s": S_U, "m": M_V, "r": Q_U})
#: The tetrahedron's rotations: {c^a x^b y^k}.
T = PointGroup("T", {"c": C_111, "x": X_U, "y": Y_V})
#: The tetrahedron's symmetries: {d^a c^b x^e y^k}.
TD = PointGroup("Td", {"d": D_VW, "c": C_111, "x": X_U, "y": Y_V})
#: The cube's rotations: {c^a h^b r^k}.
O = PointGroup("O", {"c": C_111, "h": H_W, "r": Q_U})
#: The cube's symmetries: {i^a c^b h^e r^k}, the rotations first.
OH = PointGroup("Oh", {"i": INVERSION, "c": C_111, "h": H_W, "r": Q_U})

#: Z^3 x| V (CubeNet's group).
P222 = SemidirectProduct(V, name="P222")
#: Z^3 x| D4 (Winkels & Cohen's D4).
P422 = SemidirectProduct(D4_3D, name="P422")
#: Z^3 x| D4h (Winkels & Cohen's D4h).
P4MMM = SemidirectProduct(D4H, name="P4/mmm")
#: Z^3 x| T.
P23 = SemidirectProduct(T, name="P23")
#: Z^3 x| Td.
P_43M = SemidirectProduct(TD, name="P-43m")
#: Z^3 x| O: the cube's rotations (Winkels & Cohen's O, CubeNet's S4).
P432 = SemidirectProduct(O, name="P432")
#: Z^3 x| Oh: all 48 symmetries of the cube.
PM_3M = SemidirectProduct(OH, name="Pm-3m")

#: The groups of the cube by name, smallest first, with their papers' names.
CUBIC: dict[str, SemidirectProduct] = {
    "z3": Z3, "P222": P222, "P422": P422, "P4/mmm": P4MMM, "P23": P23, "P-43m": P_43M,
    "P432": P432, "Pm-3m": PM_3M,
}

for _group, _alias in ((P222, "V"), (P422, None), (P4MMM, "D4h"), (P23, "T"), (P_43M, "Td"),
                       (P432, "O"), (PM_3M, "Oh")):
    register(_group, *((_alias,) if _alias else ()))
del _group, _alias
