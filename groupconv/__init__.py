"""groupconv: group-equivariant convolutional networks, exact and in NumPy."""

from .groups import (
    C1, C2, C4, D4, P4, P4M, Z2, Element, ElementArray, Group, PointGroup, SemidirectProduct,
    get_group,
)

from . import scale, se2
from .banks import filter_bank
from .correlation import group_convolution, group_correlation, lifting_correlation
from .engine import Workspace

__version__ = "0.1.0"

__all__ = [
    "Group", "Element", "ElementArray", "PointGroup", "SemidirectProduct", "get_group",
    "C1", "C2", "C4", "D4", "Z2", "P4", "P4M",
    "filter_bank", "lifting_correlation", "group_correlation", "group_convolution",
    "Workspace", "se2", "scale",
]
