"""Groups of the theory: point groups (stabilisers) in d = 1, 2, 3 dimensions, lattice groups
Z^d x| H, the sampled continuous groups of the lecture, and the typed spaces of the array level.

``Z2``, ``P4``, ``P4M`` are the groups of Cohen & Welling (2016) with GrouPy's parameterisation;
``C1``, ``C2``, ``C4``, ``D4`` their point groups; ``wallpaper`` holds the 13 symmorphic
wallpaper groups and ``cubic`` the groups of the cube (3D G-CNNs: P432 = O, Pm-3m = Oh,
P4/mmm = D4h, ...). A new lattice group, in any
dimension, needs only its point group's generators (``SemidirectProduct(PointGroup(...))``);
``register`` makes it known by name everywhere. ``SE2`` and ``ScaleTranslation`` are the
lecture's groups, under the same contract (``AffineGroup``). ``finite`` holds the tables of
finite groups (Cayley table, subgroups, cosets, regular representation, geometric labels);
``symbolic`` proves the group laws with sympy; ``spaces`` names where feature maps live
(``Space``) and the three correlations (``Kind``). Nothing here imports the layers above
(fast path, nn, figures).
"""

from .core import AffineGroup, Element, ElementArray, Group
from .cubic import CUBIC, P23, P222, P422, P432, P4MMM, P_43M, PM_3M
from .finite import (
    cayley_table, coinvariants, cosets, describe, labels, regular_representation, subgroups,
)
from .lattice import (
    LATTICES, P4, P4M, TRANSLATIONS, Z1, Z1M, Z2, Z3, SemidirectProduct, UnknownGroup, get_group,
    register, registered,
)
from .point import C1, C2, C4, D4, M, R, PointGroup
from .sampled import SE2, ScaleTranslation
from .spaces import Kind, Space
from .wallpaper import (
    C3, C6, CM, CMM, D1, D2, D3, D6, P1, P2, P3, P3M1, P6, P6M, P31M, PM, PMM, WALLPAPER,
    D1c, D2c, D3c, domain_mask, hexagon_mask, lattice_of,
)

__all__ = [
    "Group", "AffineGroup", "Element", "ElementArray", "PointGroup", "SemidirectProduct",
    "C1", "C2", "C4", "D4", "R", "M", "Z1", "Z1M", "Z2", "Z3", "TRANSLATIONS", "P4", "P4M",
    "get_group", "register", "registered", "UnknownGroup",
    "LATTICES", "SE2", "ScaleTranslation", "Space", "Kind",
    "cayley_table", "labels", "describe", "subgroups", "cosets",
    "regular_representation", "coinvariants",
    "D1", "D1c", "D2", "D2c", "C3", "D3", "D3c", "C6", "D6", "P1", "P2", "PM", "CM", "PMM",
    "CMM", "P3", "P3M1", "P31M", "P6", "P6M", "WALLPAPER", "lattice_of", "hexagon_mask",
    "domain_mask", "CUBIC", "P222", "P422", "P4MMM", "P23", "P_43M", "P432", "PM_3M",
]
