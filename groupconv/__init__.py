"""groupconv: group-equivariant convolutional networks, exact and in NumPy.

The package is organised by layer, data flowing down (docs/architecture.md): ``groups`` ->
``feature_maps`` -> ``literal`` -> ``fast`` -> ``nn`` -> ``checks`` -> ``viz``, ``cli``.
``groupconv.viz`` (matplotlib) is loaded on first use.
"""

import importlib

from . import feature_maps, groups, literal, nn, scale, se2
from .fast.banks import filter_bank
from .fast.correlate import group_convolution, group_correlation, lifting_correlation
from .fast.engine import Workspace
from .groups import (
    C1, C2, C4, D4, P4, P4M, SE2, Z2, Element, ElementArray, Group, PointGroup,
    ScaleTranslation, SemidirectProduct, get_group, register,
)

__version__ = "0.1.0"

__all__ = [
    "Group", "Element", "ElementArray", "PointGroup", "SemidirectProduct", "get_group",
    "register", "C1", "C2", "C4", "D4", "Z2", "P4", "P4M", "SE2", "ScaleTranslation",
    "filter_bank", "lifting_correlation", "group_correlation", "group_convolution",
    "Workspace", "groups", "feature_maps", "literal", "nn", "se2", "scale", "viz",
]

_LAZY = ("viz", "cli")


def __getattr__(name: str):
    """``groupconv.viz`` and ``groupconv.cli`` load on first use (viz imports matplotlib)."""
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'groupconv' has no attribute {name!r}")
