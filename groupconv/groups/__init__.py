"""Groups of the theory: point groups (stabilisers) and lattice groups Z^2 x| H.

``Z2``, ``P4``, ``P4M`` are the groups of Cohen & Welling (2016) with GrouPy's parameterisation;
``C1``, ``C2``, ``C4``, ``D4`` their point groups. ``symbolic`` proves the group laws with sympy.
"""

from .core import Element, ElementArray, Group
from .point import C1, C2, C4, D4, M, R, PointGroup
from .wallpaper import P4, P4M, Z2, SemidirectProduct, get_group

__all__ = [
    "Group", "Element", "ElementArray", "PointGroup", "SemidirectProduct",
    "C1", "C2", "C4", "D4", "R", "M", "Z2", "P4", "P4M", "get_group",
]
