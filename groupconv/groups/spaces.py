"""The typed vocabulary of the array level: where a feature map lives (``Space``) and which of the
theory's operations maps between spaces (``Kind``).

A ``Space`` names a group G and the axes an array on it has after its channel axis:

    on the plane    (..., C, *spatial)       functions on Z^d (images; a lifting's input)
    on the group    (..., C, S, *spatial)    functions on G, S = G.samples point samples
    on the points   (..., C, S)              functions on the point samples alone (a global pool)
    invariant       (..., C)                 vectors that G leaves unchanged (logits)

with d = G.dim spatial axes. Every layer states the space it reads and the space it writes in
these terms, and the checkers read them (``check_equivariance(layer)``). A ``Kind`` is one of
the three correlations of the theory, parsed once from its name at the public edge:

    lifting       (f * psi)(g) = sum_y f(y) psi(g^-1 y)      plane -> group
    correlation   (f * psi)(g) = sum_h f(h) psi(g^-1 h)      group -> group
    convolution   (f ∗ psi)(g) = sum_h f(h) psi(h^-1 g)      group -> group
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from ..arguments import did_you_mean, flag
from .core import AffineGroup

__all__ = ["Space", "Kind", "SPATIAL_NAMES"]

#: The spatial axes in d dimensions, as the layouts print them.
SPATIAL_NAMES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


@dataclass(frozen=True)
class Space:
    """Where a feature map lives: a group and the axes its arrays have after the channel axis
    (a point axis of length ``group.samples``, and ``group.dim`` spatial axes).

    Parameters
    ----------
    group : AffineGroup
        The group acting on it.
    point_axis : bool
        Whether its arrays have a point axis (functions on G: lifted feature maps).
    spatial : bool
        Whether they have the d spatial axes (False: invariant vectors, or points of H).

    Examples
    --------
    >>> from groupconv import P4
    >>> from groupconv.groups import Space
    >>> Space.on_group(P4).layout(3), Space.on_plane(P4).layout()
    ('(..., 3, 4, H, W)', '(..., C, H, W)')
    """

    group: AffineGroup
    point_axis: bool
    spatial: bool

    def __post_init__(self) -> None:
        if not isinstance(self.group, AffineGroup):
            raise TypeError(f"a Space needs a group (an AffineGroup), got "
                            f"{type(self.group).__name__}")
        flag(self.point_axis, "point_axis")
        flag(self.spatial, "spatial")

    @classmethod
    def on_plane(cls, group: AffineGroup) -> Space:
        """Functions on Z^d, (..., C, *spatial), on which ``group`` acts."""
        return cls(group, point_axis=False, spatial=True)

    @classmethod
    def on_group(cls, group: AffineGroup) -> Space:
        """Functions on G, (..., C, S, *spatial)."""
        return cls(group, point_axis=True, spatial=True)

    @classmethod
    def on_points(cls, group: AffineGroup) -> Space:
        """Functions on the point samples alone, (..., C, S)."""
        return cls(group, point_axis=True, spatial=False)

    @classmethod
    def invariant(cls, group: AffineGroup) -> Space:
        """Vectors that G leaves unchanged, (..., C)."""
        return cls(group, point_axis=False, spatial=False)

    @property
    def dim(self) -> int:
        """The number of spatial axes: d, or 0."""
        return self.group.dim if self.spatial else 0

    @property
    def samples(self) -> int:
        """The length of the point axis: S, or 1 where there is none."""
        return self.group.samples if self.point_axis else 1

    @property
    def core(self) -> int:
        """The number of axes after the channel axis."""
        return int(self.point_axis) + self.dim

    def without_spatial(self) -> Space:
        """The space of the values left after pooling over the spatial axes."""
        return Space(self.group, self.point_axis, spatial=False)

    def without_points(self) -> Space:
        """The space of the values left after pooling over the point axis."""
        return Space(self.group, point_axis=False, spatial=self.spatial)

    def layout(self, channels: int | str = "C") -> str:
        """The array layout, e.g. "(..., 3, H, W)" or "(..., C, 4, D, H, W)"."""
        axes = [str(channels)] + ([str(self.group.samples)] if self.point_axis else [])
        axes += list(SPATIAL_NAMES[self.group.dim]) if self.spatial else []
        return "(..., " + ", ".join(axes) + ")"

    def __repr__(self) -> str:
        what = {(False, True): "on_plane", (True, True): "on_group",
                (True, False): "on_points", (False, False): "invariant"}
        return f"Space.{what[(self.point_axis, self.spatial)]}({self.group.name})"


class Kind(enum.Enum):
    """One of the three correlations of the theory: LIFTING, (f * psi)(g) = sum_y sum_c
    f_c(y) psi_c(g^-1 y) for f on Z^d; CORRELATION, (f * psi)(g) = sum_h sum_c f_c(h)
    psi_c(g^-1 h) for f on G; CONVOLUTION, (f * psi)(g) = sum_h sum_c f_c(h) psi_c(h^-1 g).

    Parameters
    ----------
    value : str
        "lifting", "correlation" or "convolution" (``Kind.parse`` also takes a kind).

    Examples
    --------
    >>> from groupconv import Kind
    >>> Kind.parse("lifting"), Kind("correlation")
    (<Kind.LIFTING: 'lifting'>, <Kind.CORRELATION: 'correlation'>)
    """

    LIFTING = "lifting"
    CORRELATION = "correlation"
    CONVOLUTION = "convolution"

    @classmethod
    def parse(cls, kind: Any) -> Kind:
        """The kind of a name ("lifting", "correlation", "convolution") or the kind itself."""
        if isinstance(kind, cls):
            return kind
        if isinstance(kind, str):
            for member in cls:
                if member.value == kind.lower():
                    return member
        names = tuple(m.value for m in cls)
        raise ValueError(f"kind must be one of {names}, got {kind!r}{did_you_mean(kind, names)}")

    @property
    def reads_group(self) -> bool:
        """Whether the input is a function on G (False for lifting: on the plane)."""
        return self is not Kind.LIFTING

    def input_space(self, group: AffineGroup) -> Space:
        return Space.on_group(group) if self.reads_group else Space.on_plane(group)

    def output_space(self, group: AffineGroup) -> Space:
        return Space.on_group(group)
