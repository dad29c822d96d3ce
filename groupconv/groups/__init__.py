"""Groups of the theory: point groups (stabilisers), lattice groups Z^2 x| H, and the sampled
continuous groups of the lecture.

``Z2``, ``P4``, ``P4M`` are the groups of Cohen & Welling (2016) with GrouPy's parameterisation;
``C1``, ``C2``, ``C4``, ``D4`` their point groups. A new lattice group needs only its point
group's generators (``SemidirectProduct(PointGroup(...))``); ``register`` makes it known by
name everywhere. ``SE2`` and ``ScaleTranslation`` are the lecture's groups. ``finite`` holds
the tables of finite groups (Cayley table, subgroups, cosets, regular representation);
``symbolic`` proves the group laws with sympy. Nothing here imports the layers above (fast
path, nn, figures).
"""

from .continuous import SE2, ScaleTranslation
from .finite import cayley_table, coinvariants, cosets, labels, regular_representation, subgroups
from .core import Element, ElementArray, Group
from .lattice import P4, P4M, Z2, SemidirectProduct, get_group, register, registered
from .point import C1, C2, C4, D4, M, R, PointGroup
from .wallpaper import (
    C3, C6, CM, CMM, D1, D2, D3, D6, P1, P2, P3, P3M1, P6, P6M, P31M, PM, PMM, WALLPAPER,
    D1c, D2c, D3c, domain_mask, hexagon_mask, lattice_of,
)

__all__ = [
    "Group", "Element", "ElementArray", "PointGroup", "SemidirectProduct",
    "C1", "C2", "C4", "D4", "R", "M", "Z2", "P4", "P4M", "get_group", "register", "registered",
    "SE2", "ScaleTranslation", "cayley_table", "labels", "subgroups", "cosets",
    "regular_representation", "coinvariants",
    "D1", "D1c", "D2", "D2c", "C3", "D3", "D3c", "C6", "D6", "P1", "P2", "PM", "CM", "PMM",
    "CMM", "P3", "P3M1", "P31M", "P6", "P6M", "WALLPAPER", "lattice_of", "hexagon_mask",
    "domain_mask",
]
