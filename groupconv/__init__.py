"""groupconv: group-equivariant convolutional networks, exact and in NumPy.

The package is organised by layer, data flowing down (docs/architecture.md): ``groups`` ->
``feature_maps`` -> ``literal`` -> ``fast`` -> ``nn`` -> ``checks`` -> ``viz``, ``cli``.
Only the groups load with the package; every other module and name loads on first use, so
``import groupconv.groups`` loads nothing above the groups and ``import groupconv`` no
matplotlib.
"""

import importlib

from .groups import (
    C1, C2, C4, D4, P4, P4M, SE2, Z1, Z1M, Z2, Z3, AffineGroup, Element, ElementArray, Group,
    Kind, PointGroup, ScaleTranslation, SemidirectProduct, Space, get_group, register,
)

__version__ = "0.1.0"

#: Names that load on first use, and the module that holds each.
_LAZY = {
    "filter_bank": "fast.banks", "transform": "fast.action",
    "lifting_correlation": "fast.correlate",
    "group_correlation": "fast.correlate", "group_convolution": "fast.correlate",
    "Workspace": "fast.engine", "release_memory": "fast.engine",
    "check_equivariance": "checks.user_layers",
    "check_layer": "checks.user_layers", "check_group_law": "checks.user_groups",
}
_MODULES = ("feature_maps", "literal", "fast", "nn", "checks", "images", "hexagonal",
            "interop", "conformance", "viz", "cli", "testing", "labs", "widget")

__all__ = [
    "Group", "AffineGroup", "Element", "ElementArray", "PointGroup", "SemidirectProduct",
    "get_group", "register", "Space", "Kind", "C1", "C2", "C4", "D4", "Z1", "Z1M", "Z2", "Z3",
    "P4", "P4M", "SE2", "ScaleTranslation", "filter_bank", "lifting_correlation",
    "group_correlation", "group_convolution", "transform", "Workspace", "release_memory",
    "check_equivariance", "check_layer", "check_group_law", "groups", "feature_maps",
    "literal", "fast", "nn", "checks", "hexagonal", "interop", "conformance", "viz",
]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    if name in _MODULES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'groupconv' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | set(_MODULES))
