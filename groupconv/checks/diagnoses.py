"""Why a layer's output differs from groupconv's: the usual mistakes, each computed with
groupconv's own pieces, and a systematic search for the conventions a correlation layer may use.

``explain(got, probe, x, w, group, kind, padding)`` takes a layer's output ``got`` on ``x`` with
weights ``w``, and ``probe``, the layer as a function of its input alone (weights fixed), and
returns ``Findings``: every explanation that reproduces ``got``, and the element orders found.
Three stages:

1. Shapes, said in the layout's own terms ((B, C, S, *n) expected; a point axis before the
   channels, flat channels, no point axis, a wrong channel count, the spatial axes swapped,
   another padding), with the output rearranged where that is the only difference.
2. Named mistakes, each a candidate output: a convolution for a correlation (and the
   reverse), the channels laid out (S, C) on the output, the input or the weights, the spatial
   axes swapped, the image turned instead of the kernel, r - s for s - r, planes not shifted,
   kernels not turned, no sum over the group, the rotation sense reversed, the mirror about the
   other axis, the named conventions of ``groupconv.interop``.
3. A systematic search (lattice groups, kernels of side 2 or more): the layer's effective
   filter bank is read off by probing it with one delta per input channel and point sample;
   if the layer is that bank's correlation, every slice of the bank is identified as a
   transformed slice of the weights (under every symmetry of the lattice), and the element
   orders of the input, the output and the weights (any permutations), a transformation of the
   kernels, and the (S, C) layouts that explain it are solved for.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..fast.action import transform
from ..fast.backend import to_numpy
from ..fast.banks import LatticeBank, _inversion_indices
from ..fast.correlate import group_convolution, group_correlation, lifting_correlation
from ..fast.engine import correlate
from ..groups import (
    SE2, AffineGroup, Kind, PointGroup, SemidirectProduct, Space, describe, domain_mask,
    get_group,
)
from ..groups.core import exact_inverse
from ..interop import CONVENTIONS, ELEMENT_ORDER, element_order
from .equivariance import relative_error

__all__ = ["Findings", "axes_mixed", "explain", "name_order", "declared_convention", "framed",
           "order_to_declare", "said_in_convention", "joined_sentences"]

_OPS = {Kind.LIFTING: lifting_correlation, Kind.CORRELATION: group_correlation,
        Kind.CONVOLUTION: group_convolution}
#: Relative deviation within which a probed filter is identified with a transformed weight
#: slice (float32 layers round at 1e-7; distinct random kernels differ by order 1).
_IDENTIFY = 1e-4
#: The symmetry group of each lattice's cells: every transformation a kernel can undergo.
_SYMMETRY = {"square": "p4m", "cubic": "Pm-3m", "hexagonal": "p6m"}
_LINE = SemidirectProduct(PointGroup("D1 of the line", {"m": [[-1]]}), name="line symmetries")
#: Plain names of the square lattice's kernel transformations, by matrix.
_NAMES_2D = {((1, 0), (0, 1)): "left as they are",
             ((-1, 0), (0, 1)): "flipped up-down", ((1, 0), (0, -1)): "flipped left-right",
             ((-1, 0), (0, -1)): "turned by 180° (flipped in both axes)",
             ((0, 1), (1, 0)): "transposed (rows and columns swapped)",
             ((0, -1), (-1, 0)): "transposed across the other diagonal",
             ((0, -1), (1, 0)): "turned by 90° counter-clockwise",
             ((0, 1), (-1, 0)): "turned by 90° clockwise"}


@dataclass
class Findings:
    """The explanations that reproduce a layer's output (``sentences``, the most specific
    first), the shape problems found on the way (``shape``), the element orders found
    (``orders``: "input", "output", "weights" -> σ, their element j is groupconv's σ[j]), and
    where the output differs when nothing explains it (``where``: the output samples)."""

    sentences: list[str] = field(default_factory=list)
    shape: list[str] = field(default_factory=list)
    orders: dict[str, list[int]] = field(default_factory=dict)
    where: str | None = None
    #: whether ``orders`` alone explain the output (no (S, C) layout, no kernel transformation)
    orders_alone: bool = False

    def unexplained(self, lead: str, advice: str = ": check the formula") -> str:
        """``lead`` ("agrees with none of the known mistakes"), and where the output differs
        when that is known, else ``advice``."""
        return f"{lead}; it {self.where}" if self.where else lead + advice

    def add(self, sentence: str) -> None:
        if sentence not in self.sentences:
            self.sentences.append(sentence)


def _numpy(a: Any) -> np.ndarray | None:
    try:
        return np.asarray(to_numpy(a) if hasattr(a, "shape") else a, dtype=np.float64)
    except (TypeError, ValueError):
        return None


def _layout(group: AffineGroup, shape: tuple[int, ...]) -> str:
    names = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}[group.dim]
    return "(" + ", ".join(["B", "C", "S"] + list(names)) + ") = " + str(tuple(shape))


# ------------------------------------------------------------------ 1. shapes
def _shape_stage(got: np.ndarray, ref: np.ndarray, group: AffineGroup, findings: Findings,
                 x: np.ndarray, w: np.ndarray, kind: Kind, padding: int,
                 after: Callable[[np.ndarray], np.ndarray]
                 ) -> list[tuple[str, Callable[[np.ndarray], np.ndarray]]]:
    """Name what is wrong with the output's shape; return the rearrangements (sentence, fix)
    under which it has groupconv's shape (none: the shape says it all)."""
    b, c, s = ref.shape[:3]
    spatial, d = ref.shape[3:], group.dim
    fixes: list[tuple[str, Callable]] = []
    expected = f"groupconv's layout is {_layout(group, ref.shape)}, yours is {got.shape}"
    if got.ndim == ref.ndim and got.shape[3:] == spatial and got.shape[:3] == (b, s, c):
        findings.shape.append(f"your output is (B, S, C, ...): the point axis comes before the "
                              f"channels; {expected}")
        fixes.append(("once the point axis is moved after the channels",
                      lambda a: np.swapaxes(a, 1, 2)))
    elif got.ndim == ref.ndim - 1 and got.shape[0] == b and got.shape[2:] == spatial:
        if got.shape[1] == c * s:
            findings.shape.append(f"your output has flat channels (B, C·S, ...); {expected}: "
                                  f"reshape it")
            fixes.append(("once its flat channels are read as (C, S)",
                          lambda a: a.reshape((a.shape[0], c, s) + a.shape[2:])))
            fixes.append(("once its flat channels are read as (S, C)", lambda a: np.swapaxes(
                a.reshape((a.shape[0], s, c) + a.shape[2:]), 1, 2)))
        elif got.shape[1] == c:
            sums = [name for name, r in (("sum", ref.sum(axis=2)), ("maximum", ref.max(axis=2)),
                                         ("mean", ref.mean(axis=2)))
                    if relative_error(got, r) <= 1e-6]
            what = f" (it is the {sums[0]} over the point axis)" if sums else ""
            findings.shape.append(f"your output has no point axis{what}: {expected}; a "
                                  f"{kind.value} gives one output per element of the point "
                                  f"group (S = {s})")
        else:
            findings.shape.append(f"your output has {got.ndim} axes where {ref.ndim} are "
                                  f"expected; {expected}")
    elif got.ndim == ref.ndim and got.shape[:3] == (b, c, s) and d >= 2 and \
            sorted(got.shape[3:]) == sorted(spatial) and got.shape[3:] != spatial and \
            len(set(spatial)) == d:
        names = ("D", "H", "W")[3 - d:]     # the spatial axes' order, read off their sides
        order = tuple(spatial.index(n) for n in got.shape[3:])
        said = ", ".join(names[i] for i in order)
        findings.shape.append(f"your output's spatial axes are "
                              f"{'swapped' if d == 2 else 'in the order'} ({said}); {expected}")
        back = tuple(range(3)) + tuple(3 + order.index(i) for i in range(d))
        fixes.append(("once its spatial axes are put back in order",
                      lambda a: np.transpose(a, back)))
    elif got.ndim == ref.ndim and got.shape[:3] == (b, c, s):
        steps = {g - r for g, r in zip(got.shape[3:], spatial)}
        if len(steps) == 1 and (steps.pop() % 2 == 0):
            q = padding + (got.shape[3] - spatial[0]) // 2
            k = w.shape[-1]
            findings.shape.append(f"your output's spatial sides are {got.shape[3:]} where "
                                  f"padding {padding} gives {spatial}: your padding is {q} "
                                  f"(off by {q - padding:+d}; 'valid' is 0, 'same' k // 2 = "
                                  f"{k // 2}, 'full' k - 1 = {k - 1}, k = {k} the kernel's "
                                  f"extent, a dilation's gaps included)")
            if 0 <= q <= k - 1 and \
                    relative_error(got, after(_OPS[kind](x, w, group, mode=q))) <= 1e-6:
                findings.add(f"agrees with padding {q} instead of {padding}: your padding is "
                             f"off by {q - padding:+d}")
        else:
            stride = next((t for t in range(2, 5) if got.shape[3:] ==
                           tuple(-(-n // t) for n in spatial)), None)
            nth = {2: "second", 3: "third", 4: "fourth"}.get(stride)
            k = w.shape[-1]
            kept = got.shape[3:] == tuple(x.shape[x.ndim - d:]) and k % 2 == 0
            # torch's and TensorFlow's "same" for an even k: k // 2 - 1 zeros before, k // 2
            # after, groupconv's padding k // 2 less its first output along each axis
            same = kept and relative_error(got, after(_OPS[kind](x, w, group, mode=k // 2))[
                (Ellipsis,) + (slice(1, None),) * d]) <= 1e-6
            what = f" (every {nth} of them, from the first: a stride of {stride}?)" \
                if stride else (f": your output keeps the input's size, and its values are "
                                f"those of torch's and TensorFlow's padding=\"same\" with an "
                                f"even kernel (k - 1 = {k - 1} zeros, {k // 2 - 1} before and "
                                f"{k // 2} after); this pads {padding} on each side: give your "
                                f"layer that padding (conv2d's padding={padding}, and no "
                                f"cropping after it); {expected}"
                                if same else f": your output keeps the input's size; {expected}"
                                if kept else f"; {expected}")
            findings.shape.append(f"your output's spatial sides are {got.shape[3:]} where "
                                  f"padding {padding} gives {spatial}{what}")
            every = (Ellipsis,) + (slice(None, None, stride),) * d
            if stride and relative_error(got, after(_OPS[kind](x, w, group, mode=padding))[
                    every]) <= 1e-6:
                findings.add(f"agrees with every {nth} output along each axis: your layer "
                             f"has a stride of {stride}, and this check is of stride 1 "
                             f"(conformance's stride cases check a strided layer: groupconv "
                             f"conformance --check, docs/testing.md)")
    elif got.ndim == ref.ndim and got.shape[0] == b and got.shape[3:] == spatial:
        if got.shape[1] != c and got.shape[2] == s:
            other = " (that is C_in: the in- and out-channel axes of w swapped?)" \
                if got.shape[1] == w.shape[1] else ""
            findings.shape.append(f"your output has {got.shape[1]} channels where the weights "
                                  f"(C_out, C_in, ...) = {w.shape} have C_out = {c}{other}; "
                                  f"{expected}")
        elif got.shape[2] != s:
            findings.shape.append(f"your output's point axis has {got.shape[2]} samples where "
                                  f"{group.name} has S = {s}; {expected}")
        else:
            findings.shape.append(expected)
    elif got.ndim >= d + 2 and got.shape[0] == b and got.shape[1:1 + d] == spatial and \
            got.shape[1 + d:] in ((c, s), (s, c), (c * s,)):
        _channels_last(got.shape[1 + d:], (c, s), group, expected, findings, fixes)
    else:
        findings.shape.append(expected)
    return fixes


def _channels_last(last: tuple[int, ...], cs: tuple[int, int], group: AffineGroup,
                   expected: str, findings: Findings,
                   fixes: list[tuple[str, Callable[[np.ndarray], np.ndarray]]]) -> None:
    """An output (B, *spatial, ...) with the channels and the point axis last (NHWC, as flax
    and TensorFlow lay them out): said, with the rearrangements that read it."""
    c, s = cs
    d = group.dim
    names = ", ".join(("L",) if d == 1 else ("H", "W") if d == 2 else ("D", "H", "W"))
    axes = (-2, -1), (1, 2)
    if len(last) == 1:
        findings.shape.append(f"your output is channels last with flat channels (B, {names}, "
                              f"C·S); {expected}: groupconv.testing.adapt, torch_layer and "
                              f"jax_layer read it with layout='last_cs' (or 'last_sc')")
        fixes.append(("once its last axis is read as (C, S) and moved after the batch axis",
                      lambda a: np.moveaxis(a.reshape(a.shape[:-1] + (c, s)), *axes)))
        fixes.append(("once its last axis is read as (S, C) and moved after the batch axis",
                      lambda a: np.moveaxis(a.reshape(a.shape[:-1] + (s, c)), (-1, -2), (1, 2))))
        return
    said = "C, S" if last == (c, s) else "S, C"
    findings.shape.append(f"your output is channels last, (B, {names}, {said}); {expected}: "
                          f"move the channel and point axes after the batch axis "
                          "(np.moveaxis(y, (-2, -1), (1, 2)) for (C, S) last)")
    if last == (c, s):
        fixes.append(("once its channel and point axes are moved after the batch axis",
                      lambda a: np.moveaxis(a, *axes)))
    if last == (s, c):
        fixes.append(("once its point and channel axes are moved after the batch axis, "
                      "channels first", lambda a: np.moveaxis(a, (-1, -2), (1, 2))))


# ------------------------------------------------------------------ banks and their outputs
def _turn(kernels: np.ndarray, group: SemidirectProduct, s: int) -> np.ndarray:
    """L_{h_s} of kernels (..., *k^d) about their centre."""
    return np.asarray(transform(kernels, group.point_elements()[s], Space.on_plane(group)))


def _turn_about_tap(kernels: np.ndarray, group: SemidirectProduct, s: int,
                    wrap: bool = True) -> np.ndarray:
    """L_{h_s} of kernels (..., *k^d) about the tap k // 2 on every axis: the centre of an odd
    kernel, half a tap off that of an even one (whose centre is (k - 1) / 2); taps turned off
    the grid wrap around, or (``wrap`` False) are lost, their places zero."""
    d, k = group.dim, kernels.shape[-1]
    inverse = exact_inverse(np.asarray(group.stabiliser.matrices)[s])
    taps = np.indices((k,) * d).reshape(d, -1)
    source = inverse @ (taps - k // 2) + k // 2
    inside = np.all((source >= 0) & (source < k), axis=0)
    flat = kernels.reshape(kernels.shape[:kernels.ndim - d] + (k**d,))
    out = flat[..., np.ravel_multi_index(tuple(source % k), (k,) * d)]
    if not wrap:
        out = np.where(inside, out, 0.0)
    return out.reshape(kernels.shape)


def _bank(w: np.ndarray, group: SemidirectProduct, wiring: np.ndarray | None,
          turned: bool = True, parts: np.ndarray | None = None,
          turn: Callable[[np.ndarray, SemidirectProduct, int], np.ndarray] | None = None
          ) -> np.ndarray:
    """bank[o, s, c, t] = L_{h_s} w[o, c, wiring[s, t]] (GrouPy's layout (C_out, S, C_in,
    S_in, *k^d)); lifting weights (wiring None): S_in = 1; ``turned`` False leaves the kernels
    as they are; ``parts`` turns sample s's kernels by element parts[s] instead; ``turn``
    turns them another way than L_h about their centre."""
    planes = w[:, :, None] if wiring is None else w
    table = np.zeros((group.samples, 1), dtype=np.int64) if wiring is None else wiring
    out = []
    for s in range(group.samples):
        picked = planes[:, :, table[s]]                      # (C_out, C_in, S_in, *k^d)
        element = s if parts is None else int(parts[s])
        out.append((turn or _turn)(picked, group, element) if turned else picked)
    return np.stack(out, axis=1)


def _determinant(stab: PointGroup, name: str) -> int:
    """The determinant of the generator ``name`` of a point group."""
    return round(float(np.linalg.det(stab.element(**{name: 1}).matrix())))


def _proper_parts(stab: PointGroup) -> np.ndarray | None:
    """For each element, the index of the element with its improper generators' parameters
    (mirrors, inversion) set to 0: its rotation part; None if H has no improper generator."""
    improper = [i for i, n in enumerate(stab.param_names) if _determinant(stab, n) < 0]
    if not improper:
        return None
    params = stab.params_of(np.arange(stab.order))
    params[:, improper] = 0
    return stab.index(params)


def _rotation_parts(group: SemidirectProduct) -> np.ndarray | None:
    """For each element h, the index of det(h) h (the rotation that the "mirrors left out" of
    a group holding the inversion -I gives: every improper element replaced by its product
    with -I); None where some det(h) h is not in the group, or where that is no other map."""
    stab = group.stabiliser
    try:
        found = np.array([stab.index_of_matrix(round(np.linalg.det(m)) * m)
                          for m in stab.matrices])
    except ValueError:          # some det(h) h is not in the group (no inversion)
        return None
    return None if np.array_equal(found, np.arange(stab.order)) else found


def _apply_bank(x: np.ndarray, bank: np.ndarray, group: AffineGroup, padding: int
                ) -> np.ndarray:
    """The correlation of x (B, C_in, [S_in,] *n) with a bank (C_out, S, C_in, S_in, *k^d)."""
    d = group.dim
    c_out, s, c_in, s_in = bank.shape[:4]
    flat = x.reshape((x.shape[0], c_in * s_in) + x.shape[x.ndim - d:])
    mask = domain_mask(group, flat.shape[2:]) if group.lattice == "hexagonal" else None
    if mask is not None:
        flat = flat * mask
    engine = np.moveaxis(bank.reshape((c_out * s, c_in * s_in) + bank.shape[4:]), 1, -1)
    y = np.asarray(correlate(flat, engine, padding))
    if group.lattice == "hexagonal":
        y = y * domain_mask(group, y.shape[2:])
    return y.reshape((x.shape[0], c_out, s) + y.shape[2:])


def _sc(a: np.ndarray, axis: int) -> np.ndarray:
    """An array whose axes (axis, axis + 1) = (C, S) hold data laid out (S, C) in memory, as a
    layer that reads it so sees it."""
    c, s = a.shape[axis], a.shape[axis + 1]
    merged = a.reshape(a.shape[:axis] + (s, c) + a.shape[axis + 2:])
    return np.swapaxes(merged, axis, axis + 1)


def _cs(a: np.ndarray, axis: int) -> np.ndarray:
    """The axes (axis, axis + 1) = (C, S) of ``a`` transposed and reshaped back to (C, S):
    what a layer that writes x.swapaxes(1, 2).reshape(x.shape) reads (the inverse of _sc)."""
    return np.swapaxes(a, axis, axis + 1).reshape(a.shape)


def _inverted_turned_back(w: np.ndarray, group: SemidirectProduct) -> np.ndarray:
    """The G-convolution's inverted filter psi~(z, h) = psi(-h^-1 z, h^-1) with its planes
    turned by h^-1 instead of h: psi(-h z, h^-1), flip(L_{h^-1} w[h^-1]) at each h (the
    G-convolution of w is the G-correlation with flip(L_h w[h^-1]))."""
    inverse = np.asarray(group.stabiliser.inverse_table)      # h_t^-1 by index
    return np.stack([np.flip(_turn(w[:, :, s], group, s), axis=tuple(range(-group.dim, 0)))
                     for s in inverse], axis=2)


# ------------------------------------------------------------------ 2. named mistakes
def _candidates(x: np.ndarray, w: np.ndarray, group: AffineGroup, kind: Kind, p: int
                ) -> list[tuple[str, Callable[[], np.ndarray]]]:
    """What a layer with each usual mistake returns, with the sentence that names it."""
    op = _OPS[kind]
    d = group.dim
    out: list[tuple[str, Callable[[], np.ndarray]]] = []
    if kind is Kind.CORRELATION and isinstance(group, SemidirectProduct):
        out.append(("agrees with a G-convolution: your layer convolves where it should "
                    "correlate", lambda: group_convolution(x, w, group, mode=p)))
    elif kind is Kind.CONVOLUTION:
        out.append(("agrees with a G-correlation: your layer correlates where it should "
                    "convolve", lambda: group_correlation(x, w, group, mode=p)))
        if isinstance(group, SemidirectProduct):
            out.append(("agrees with the G-convolution's inverted filter turned the wrong way: "
                        "psi(g^-1) at g = (z, h) is psi(-h^-1 z, h^-1), and your layer takes "
                        "psi(-h z, h^-1) (each plane of the inverted filter turned by h^-1 "
                        "where h is meant)",
                        lambda: group_correlation(x, _inverted_turned_back(w, group), group,
                                                  mode=p)))
    elif kind is Kind.LIFTING:
        out.append(("agrees with a convolution (flipped kernels): your layer convolves where "
                    "it should correlate",
                    lambda: op(x, np.flip(w, axis=tuple(range(-d, 0))), group, mode=p)))
    ref = op(x, w, group, mode=p)
    out.append(("agrees with the output's channels laid out (S, C) instead of (C, S): your "
                "output is (B, S, C, ...) in memory, reshaped as (B, C, S, ...)",
                lambda: np.swapaxes(ref, 1, 2).reshape(ref.shape)))
    if ref.shape[1] != ref.shape[2]:
        out.append(("agrees with the output's (C, S) data reshaped as (S, C) and the axes then "
                    "swapped: your layer writes y.reshape(B, S, C, ...).swapaxes(1, 2), where "
                    "the output already is (B, C, S, ...)",
                    lambda: _sc(ref, 1)))
    if kind.reads_group and x.shape[1] > 1:
        out.append(("agrees with the input read as laid out (S, C) instead of (C, S): your "
                    "layer reshapes (B, C·S, ...) as (B, S, C, ...)",
                    lambda: op(_sc(x, 1), w, group, mode=p)))
        if x.shape[1] != x.shape[2]:
            out.append(("agrees with the input's channel and point axes transposed and "
                        "reshaped back: your layer reads x as x.swapaxes(1, 2).reshape("
                        "x.shape), a (B, S, C, ...) view taken for (B, C, S, ...)",
                        lambda: op(_cs(x, 1), w, group, mode=p)))
    if kind is Kind.CORRELATION and isinstance(group, SemidirectProduct):
        out.append(("agrees with every kernel flipped in space (turned by half a turn, "
                    "np.flip over the spatial axes): your layer convolves each plane where it "
                    "should correlate",
                    lambda: op(x, np.flip(w, axis=tuple(range(-d, 0))), group, mode=p)))
    if kind.reads_group and w.shape[1] > 1:
        out.append(("agrees with the weights read as laid out (S, C) instead of (C, S): your "
                    "layer reshapes w (C_out, C_in·S, ...) as (C_out, S, C_in, ...)",
                    lambda: op(x, _sc(w, 1), group, mode=p)))
    if d >= 2:
        out.append(("agrees with the spatial axes of the output swapped: your layer "
                    "transposes H and W (a view or reshape with (W, H)?)",
                    lambda: np.swapaxes(ref, -1, -2)))
    if x.shape[1] > 1:
        out.append(("agrees with the input channels read in reverse order (or the weights' C_in "
                    "axis reversed): channel c read as C_in - 1 - c",
                    lambda: op(x[:, ::-1], w, group, mode=p)))
    if w.shape[0] == w.shape[1] > 1:
        out.append(("agrees with the weights' C_out and C_in axes swapped: your layer reads w "
                    "(C_out, C_in, ...) as (C_in, C_out, ...)",
                    lambda: op(x, np.swapaxes(w, 0, 1), group, mode=p)))
    for c in range(x.shape[1] if x.shape[1] > 1 else 0):
        out.append((f"agrees with input channel {c} left out: your layer ignores input channel "
                    f"{c} (or its weights)", lambda c=c: op(_without(x, c), w, group, mode=p)))
    for c in range(x.shape[1] if x.shape[1] > 2 else 0):     # (with two: one left out, above)
        out.append((f"agrees with input channel {c} alone: your layer reads only input channel "
                    f"{c} of {x.shape[1]} (no sum over the input channels?)",
                    lambda c=c: op(_only(x, c), w, group, mode=p)))
    if isinstance(group, SemidirectProduct):
        out += _lattice_candidates(x, w, group, kind, p, ref)
    elif isinstance(group, SE2):
        out += _se2_candidates(x, w, group, kind, p)
    for a in (a for a in (1, -1, 2, -2) if abs(a) <= p):   # the right size, padded more on
        #                                                      one side: shifted by 1 or 2
        def uneven(a=a):
            widths = [(0, 0)] * (x.ndim - d) + [(p + a, p - a)] * d
            return op(np.pad(x, widths), w, group, mode=0)
        out.append((f"agrees with the padding split unevenly, {p + a} before and {p - a} after "
                    f"on each axis where groupconv pads {p} on each side: your output has the "
                    f"right size, shifted by {'one' if abs(a) == 1 else 'two'}", uneven))
        for axis in range(d) if d > 1 else ():                # ... or along one axis only
            def uneven_on(a=a, axis=axis):
                widths = [(0, 0)] * (x.ndim - d) + [(p, p)] * d
                widths[x.ndim - d + axis] = (p + a, p - a)
                return op(np.pad(x, widths), w, group, mode=0)
            out.append((f"agrees with the padding split unevenly along {'DHW'[3 - d + axis]} "
                        f"only, {p + a} before and {p - a} after where groupconv pads {p} on "
                        f"each side: your output has the right size, shifted by "
                        f"{'one' if abs(a) == 1 else 'two'} along that axis", uneven_on))
    # arrays read with their axes in another order: every array (volumes), or the images but
    # not the kernels (a transpose of the images and back)
    names = "DHW"[3 - d:]
    for order in itertools.permutations(range(d)) if d >= 2 else ():
        if order == tuple(range(d)):
            continue

        def read_in(order=order, kernels=True):   # arrays read with their axes in this order
            def moved(a):
                lead = a.ndim - d
                return np.transpose(a, tuple(range(lead)) + tuple(lead + i for i in order))
            back = np.argsort(order)
            y = op(moved(x), moved(w) if kernels else w, group, mode=p)
            return np.transpose(y, tuple(range(y.ndim - d)) +
                                tuple(y.ndim - d + int(i) for i in back))
        axes = ", ".join(names[i] for i in order)
        other = ""
        if isinstance(group, SemidirectProduct):      # the symmetry about other axes?
            turn = np.eye(d, dtype=np.int64)[list(order)]
            mats = np.asarray(group.stabiliser.matrices)
            if {m.tobytes() for m in turn @ mats @ turn.T} != {m.tobytes() for m in mats}:
                other = (f" (so its {group.name} acts about other axes than groupconv's, "
                         f"whose arrays are ({', '.join(names)}))")
        if d == 3:    # (in 2D, a conjugation by the diagonal mirror: an element order, named)
            out.append((f"agrees with every array read with its spatial axes in the order "
                        f"({axes}): your layer takes the input, the kernels and the output as "
                        f"({axes}) for ({', '.join(names)}){other}", read_in))
        out.append((f"agrees with the input and the output read with their spatial axes in the "
                    f"order ({axes}), the kernels as ({', '.join(names)}): your layer transposes "
                    f"the images' axes (and back) but not the kernels'",
                    functools.partial(read_in, order, False)))
    return out


def _se2_candidates(x, w, group: SE2, kind: Kind, p: int
                    ) -> list[tuple[str, Callable[[], np.ndarray]]]:
    """SE(2)_N's usual mistakes: the disk mask of its interpolated kernels, and (a group
    correlation) the filter's point axis read the wrong way."""
    op = _OPS[kind]
    other = SE2(group.n, disk=not group.disk)
    out = [(f"agrees with kernels not masked to the disk of radius (k - 1) / 2 before they "
            f"are turned (groupconv's {other.name}): {group.name} masks them, so that no "
            f"corner of the k x k square turns in or out of it; mask your kernels (or check "
            f"against {other.name}, if that is what you meant)" if group.disk else
            f"agrees with kernels masked to the disk of radius (k - 1) / 2 before they are "
            f"turned (groupconv's {other.name}), where {group.name} turns the whole k x k "
            f"square; check against {other.name} if the disk is what you meant",
            lambda: op(x, w, other, mode=p))] if w.shape[-1] >= 3 else []
    if kind is Kind.CORRELATION and group.n > 2:
        out.append(("agrees with the filter's point axis read at h_t^-1 h_s (r - s) where "
                    "h_s^-1 h_t (s - r) is meant: output sample s reads the filter plane of "
                    "angle θ_s - θ_t, not θ_t - θ_s",
                    lambda: op(x, w[:, :, (-np.arange(group.n)) % group.n], group, mode=p)))
    return out


def _without(x: np.ndarray, c: int) -> np.ndarray:
    """x with input channel c zeroed."""
    out = x.copy()
    out[:, c] = 0.0
    return out


def _only(x: np.ndarray, c: int) -> np.ndarray:
    """x with every input channel but c zeroed."""
    out = np.zeros_like(x)
    out[:, c] = x[:, c]
    return out


def axes_mixed(d: int) -> tuple[str, str]:
    """("square", "mixes up H and W (...)") in 2D, ("cubic", ...) in 3D: the words for a layer
    right only on inputs of equal sides."""
    if d == 3:
        return "cubic", ("mixes up the spatial axes (a view or reshape with (W, H, D) for (D, H, "
                         "W)?)")
    return "square", "mixes up H and W (a view or reshape with (W, H) for (H, W)?)"


def constant_factor(got: np.ndarray, ref: np.ndarray, tolerance: float) -> float | None:
    """c where got = c ref within ``tolerance`` (relative) for a constant c other than 0 and 1
    (the least-squares c), else None."""
    norm = float(np.sum(ref * ref)) if got.shape == ref.shape else 0.0
    if not norm:
        return None
    factor = float(np.sum(got * ref)) / norm
    if abs(factor) < 1e-6 or abs(factor - 1) <= tolerance or \
            relative_error(got, factor * ref) > tolerance:      # (zeros are not a factor)
        return None
    return factor


def factor_text(factor: float) -> str:
    """A factor with the digits that tell it from 1 (1.0000001, not 1)."""
    digits = 6 if factor == 1 else max(6, 2 - int(np.floor(np.log10(abs(factor - 1)))))
    return f"{factor:.{digits}g}"


def _scaled(got: np.ndarray, ref: np.ndarray, tolerance: float) -> str | None:
    """A sentence if the output is groupconv's times a constant other than 1."""
    factor = constant_factor(got, ref, tolerance)
    if factor is None:
        return None
    return (f"your output is {factor_text(factor)} times groupconv's: a constant factor (a mean "
            f"for a sum, a normalisation, a scaled initialisation read as the weights, a sign)")


def constant_offset(got: np.ndarray, ref: np.ndarray, tolerance: float) -> float | None:
    """c where got = ref + c within ``tolerance`` (relative to ref's largest value) for a
    constant c beyond it (the mean difference), else None (NaN or infinite values too)."""
    if got.shape != ref.shape or not got.size:
        return None
    difference = got - ref
    if not np.all(np.isfinite(difference)):
        return None
    scale = float(np.abs(ref).max()) or 1.0
    mean = float(difference.mean())
    if float(np.ptp(difference)) > tolerance * scale or abs(mean) <= tolerance * scale:
        return None
    return mean


def _offset(got: np.ndarray, ref: np.ndarray, tolerance: float) -> str | None:
    """A sentence if the output is groupconv's plus a constant (not a tolerance's worth)."""
    offset = constant_offset(got, ref, tolerance)
    if offset is None:
        return None
    scale = float(np.abs(ref).max()) or 1.0
    return (f"your output is groupconv's plus {offset:.6g} everywhere ({abs(offset) / scale:.1e} "
            f"of its largest value): a constant added (a bias or an offset the case does not "
            f"have)")


def _first_images(got: np.ndarray, ref: np.ndarray, tolerance: float) -> str | None:
    """A sentence if the output agrees on the first images of the batch only."""
    if got.shape != ref.shape or got.shape[0] < 2:
        return None
    right = [relative_error(got[b], ref[b]) <= tolerance for b in range(got.shape[0])]
    if not right[0] or all(right):
        return None
    wrong = [b for b, ok in enumerate(right) if not ok]
    return (f"agrees on image 0 of the batch but not on "
            f"{'image' if len(wrong) == 1 else 'images'} {', '.join(map(str, wrong))}: does "
            f"your layer handle a batch (B > 1) image by image?")


def _batch_channels_reshaped(got: np.ndarray, ref: np.ndarray, tolerance: float) -> str | None:
    """A sentence if the output is groupconv's computed with the channels before the batch,
    (C, B, ...), then reshaped (not transposed) to (B, C, ...)."""
    if got.shape != ref.shape or got.ndim < 2 or min(got.shape[:2]) < 2:
        return None
    moved = np.reshape(np.swapaxes(ref, 0, 1), ref.shape)
    if relative_error(got, moved) > tolerance:
        return None
    return ("agrees with groupconv's output computed as (C, B, ...) and then reshaped to (B, "
            "C, ...): your layer puts the output channels before the batch, and a reshape does "
            "not move axes (a transpose or np.moveaxis does)")


def _each_alone(probe: Callable[[Any], Any], fix: Callable[[np.ndarray], np.ndarray],
                x: np.ndarray, ref: np.ndarray, tolerance: float) -> bool:
    """Whether the layer agrees on every image of x given alone (a batch of one)."""
    for b in range(x.shape[0]):
        try:
            alone = _numpy(probe(x[b:b + 1]))
            if alone is None or relative_error(fix(alone), ref[b:b + 1]) > tolerance:
                return False
        except Exception:         # the layer's own error on a batch of one: not this mistake
            return False
    return True


def _bank_candidates(x, w, group: SemidirectProduct, lifting: bool, p: int
                     ) -> list[tuple[str, Callable[[], np.ndarray]]]:
    """The mistakes made in building a correlation's bank from w: lifting weights, or a group
    correlation's (the G-convolution's own, once turned into the filter it correlates with)."""
    s_count = group.samples
    out = []
    right = None if lifting else np.asarray(group.relative(np.arange(s_count)[:, None],
                                                           np.arange(s_count)[None, :]))
    if s_count > 1:
        out.append(("agrees with kernels that are not turned: every output sample uses the "
                    "filter as it is (apply L_h, the rotation or mirror, to the kernel for each "
                    "output sample h)",
                    lambda: _apply_bank(x, _bank(w, group, right, turned=False), group, p)))
    k = w.shape[-1]
    for wrap in (True, False) if s_count > 1 and k % 2 == 0 else ():
        how = "wrapping around" if wrap else "taps turned off the grid lost"
        out.append((f"agrees with kernels turned about the tap k // 2 = {k // 2} ({how}), not "
                    f"about their centre (k - 1) / 2 = {(k - 1) / 2:g}: right for odd k only, "
                    f"where the centre is a tap",
                    lambda wrap=wrap: _apply_bank(x, _bank(
                        w, group, right, turn=lambda a, g, e: _turn_about_tap(a, g, e, wrap)),
                        group, p)))
    if not lifting and s_count > 1:
        inverse = right.T                                       # idx(h_t^-1 h_s)
        out.append(("agrees with the filter's point axis read at h_t^-1 h_s (r - s) where "
                    "h_s^-1 h_t (s - r) is meant: output sample s reads the filter plane of "
                    "t^-1 s, not s^-1 t",
                    lambda: _apply_bank(x, _bank(w, group, inverse), group, p)))
        unshifted = np.broadcast_to(np.arange(s_count), (s_count, s_count))
        out.append(("agrees with planes not shifted: output sample s reads filter plane t for "
                    "input plane t, where the correlation reads plane idx(h_s^-1 h_t) (the "
                    "filter's point axis must move with s)",
                    lambda: _apply_bank(x, _bank(w, group, unshifted), group, p)))
        table, inv = np.asarray(group.stabiliser.cayley), np.asarray(
            group.stabiliser.inverse_table)
        if np.any(inv != np.arange(s_count)):
            out.append(("agrees with the kernels turned by h_s^-1 instead of h_s (the planes "
                        "read right): output sample s turns its kernels the other way",
                        lambda: _apply_bank(x, _bank(w, group, right, parts=inv), group, p)))
        # idx(h_t h_s^-1): the product the other way round, another wiring where H is not
        # abelian
        wrong_side = table[np.arange(s_count)[None, :], inv[:, None]]
        if np.any(table != right):       # idx(h_s h_t): the inverse of h_s left out
            out.append(("agrees with the filter's point axis read at h_s h_t where h_s^-1 h_t "
                        "is meant: output sample s reads the filter plane of s t, not s^-1 t "
                        "(the inverse of h_s is missing)",
                        lambda: _apply_bank(x, _bank(w, group, table), group, p)))
        if np.any(wrong_side != right):
            out.append(("agrees with the filter's point axis read at h_t h_s^-1 where "
                        "h_s^-1 h_t is meant: the product is taken in the wrong order (the "
                        "same in an abelian group such as p4, not in this one)",
                        lambda: _apply_bank(x, _bank(w, group, wrong_side), group, p)))
        out.append(("agrees with no sum over the group: output sample s sees input sample s "
                    "only; the correlation sums over every input sample t",
                    lambda: _apply_bank(x, _bank(w, group, right) * np.eye(s_count).reshape(
                        (1, s_count, 1, s_count) + (1,) * group.dim), group, p)))
    stab = group.stabiliser
    proper = _proper_parts(stab)
    if proper is not None and proper.any():      # (pm's: the kernels not turned, above)
        names = ", ".join(f"{n} = 0" for n in stab.param_names
                          if _determinant(stab, n) < 0)
        out.append((f"agrees with the mirrors left out: output sample h uses the kernel turned "
                    f"by h's rotation alone (h with {names}), not by h itself",
                    lambda: _apply_bank(x, _bank(w, group, right, parts=proper), group, p)))
    rotations = _rotation_parts(group) if proper is not None else None
    if rotations is not None and (proper is None or np.any(rotations != proper)):
        out.append(("agrees with the mirrors left out as det(h) h: output sample h uses the "
                    "kernel turned by the rotation det(h) h (each mirror or rotoinversion "
                    "times the inversion -I), not by h itself",
                    lambda: _apply_bank(x, _bank(w, group, right, parts=rotations), group, p)))
    return out


def _ordered(candidate: Callable[[], np.ndarray], orders: dict[str, list[int]]
             ) -> Callable[[], np.ndarray]:
    """A candidate explained by element orders alone ("output", "input", "weights" -> σ):
    ``explain`` records them with its sentence (``Findings.orders``)."""
    candidate.orders = orders
    return candidate


def _lattice_candidates(x, w, group: SemidirectProduct, kind: Kind, p: int, ref: np.ndarray
                        ) -> list[tuple[str, Callable[[], np.ndarray]]]:
    op = _OPS[kind]
    s_count = group.samples
    out = []
    if kind is Kind.CONVOLUTION:   # the G-convolution correlates with psi~(g) = psi(g^-1)
        size = math.prod(w.shape[2:])
        flipped = w.reshape(w.shape[:2] + (size,))[..., _inversion_indices(
            group, w.shape[-1]).reshape(-1)].reshape(w.shape)
        out += [(f"{sentence} (in the filter psi~(g) = psi(g^-1) that the G-convolution "
                 f"correlates with)", candidate)
                for sentence, candidate in _bank_candidates(x, flipped, group, False, p)]
    else:
        out += _bank_candidates(x, w, group, kind is Kind.LIFTING, p)
    stab = group.stabiliser
    if s_count > 1:
        def image_turned():
            # out[s] = L_{h_s}^-1 of the correct plane s, spatially
            planes = [np.asarray(transform(ref[:, :, s],
                                           group.point_elements()[s].inverse(),
                                           Space.on_plane(group))) for s in range(s_count)]
            return np.stack(planes, axis=2)
        out.append(("agrees with the image turned instead of the kernel and the result not "
                    "turned back: output sample s is L_h^-1 of what it should be",
                    image_turned))
    for convention, orders in ELEMENT_ORDER.items():
        sigma = orders.get(group.name.lower())
        if sigma is None or list(sigma) == list(range(s_count)) or convention == "e2cnn":
            continue
        sigma = np.array(sigma)

        # a layer in that order reads its sample j as groupconv's sigma[j] (ours: its
        # argsort(sigma)[i]) and writes groupconv's sigma[j] as its j (a review: the inverse
        # order was tried, the same only where sigma is its own inverse, not escnn's P432)
        def in_order(sigma=sigma):
            back = np.argsort(sigma)
            xs = x[:, :, back] if kind.reads_group else x
            ws = w[:, :, back] if kind.reads_group else w
            return op(xs, ws, group, mode=p)[:, :, sigma]
        axes = ("output", "input", "weights") if kind.reads_group else ("output",)
        out.append((f"agrees in {convention}'s element order {sigma.tolist()} (their element j "
                    f"is groupconv's σ[j]): convert with groupconv.interop, "
                    f"convention={convention!r}",
                    _ordered(in_order, {axis: sigma.tolist() for axis in axes})))
        if kind.reads_group:
            def in_order_weights_ours(sigma=sigma):
                return op(x[:, :, np.argsort(sigma)], w, group, mode=p)[:, :, sigma]
            out.append((f"agrees with the input and output in {convention}'s element order "
                        f"{sigma.tolist()} but the weights in groupconv's: convert the "
                        f"weights too (groupconv.interop, convention={convention!r})",
                        _ordered(in_order_weights_ours, {
                            "output": sigma.tolist(), "input": sigma.tolist(),
                            "weights": list(range(s_count))})))
    gens = {name: stab.element(**{name: 1}).matrix()[:group.dim, :group.dim]
            for name in stab.param_names}
    if "r" in gens and group.dim == 2:
        inverse_r = np.rint(np.linalg.inv(gens["r"])).astype(np.int64)
        try:
            clockwise = SemidirectProduct(PointGroup(f"{stab.name}~cw", dict(gens, r=inverse_r)),
                                          name=f"{group.name}~cw")
            out.append(("agrees after reversing the rotation sense: your kernels turn "
                        "clockwise", lambda: op(x, w, clockwise, mode=p)))
        except ValueError:
            pass
    if "m" in gens and group.dim == 2:
        other = SemidirectProduct(PointGroup(f"{stab.name}~lr", dict(gens, m=-gens["m"])),
                                  name=f"{group.name}~lr")
        if other.lattice == group.lattice:
            sentence = ("agrees with the mirror about the other axis: your flip is left-right "
                        "(groupconv's M is up-down)" if np.array_equal(gens["m"], [[-1, 0],
                                                                                   [0, 1]])
                        else "agrees with the mirror about the perpendicular axis: your mirror "
                        "is groupconv's -m")
            out.append((sentence, lambda: op(x, w, other, mode=p)))
    return out


# ------------------------------------------------------------------ 3. the systematic search
def _symmetries(group: SemidirectProduct) -> SemidirectProduct:
    """The group of every symmetry of the lattice's cells (it contains ``group``'s)."""
    if group.lattice == "line":
        return _LINE
    return get_group(_SYMMETRY[group.lattice])


def _kernel_name(matrix: np.ndarray, label: str) -> str:
    key = tuple(map(tuple, np.asarray(matrix).tolist()))
    if key in _NAMES_2D:
        return _NAMES_2D[key]
    if np.array_equal(matrix, -np.eye(len(matrix))):
        return "reflected through their centre (x -> -x)"
    return f"transformed by the {label}"


def name_order(sigma: list[int] | np.ndarray, group: AffineGroup | str) -> str:
    """A plain description of an element order σ on ``group``'s point samples: a named
    convention, every element inverted, a conjugation, a shift by an element, or "" when none
    fits.

    Parameters
    ----------
    sigma : sequence of int
        A permutation of 0..S-1 (their element j is groupconv's σ[j]).
    group : AffineGroup or str
        A lattice group.

    Returns
    -------
    str

    Examples
    --------
    >>> from groupconv.checks.diagnoses import name_order
    >>> name_order([0, 3, 2, 1], "p4")
    'every element inverted (for rotations: the rotation sense reversed)'
    >>> name_order([0, 1, 2, 3, 6, 5, 4, 7], "p4m")
    "escnn's order"
    """
    group = get_group(group)
    sigma = [int(v) for v in sigma]
    s = group.samples
    if sigma == list(range(s)) or not isinstance(group, SemidirectProduct):
        return ""
    for convention, orders in ELEMENT_ORDER.items():
        if list(orders.get(group.name.lower(), ())) == sigma and convention != "e2cnn":
            return f"{convention}'s order"
    stab = group.stabiliser
    if sigma == stab.inverse_table.tolist():
        return "every element inverted (for rotations: the rotation sense reversed)"
    full = _symmetries(group).stabiliser
    labels = describe(full)
    mats = stab.matrices
    for q in range(full.order):
        m = full.matrices[q]
        mi = np.rint(np.linalg.inv(m)).astype(np.int64)
        try:
            conj = [stab.index_of_matrix(m @ mats[j] @ mi) for j in range(s)]
        except ValueError:
            continue
        if conj == sigma:
            reversed_sense = group.dim == 2 and round(np.linalg.det(m)) == -1
            extra = " (the rotation sense reversed)" if reversed_sense else ""
            return f"every element conjugated by the {labels[q]}{extra}"
    for g in range(1, s):
        if sigma == [int(stab.cayley[j, g]) for j in range(s)]:
            return f"every element multiplied by {describe(stab)[g]} on the right (h -> h g)"
        if sigma == [int(stab.cayley[g, j]) for j in range(s)]:
            return f"every element multiplied by {describe(stab)[g]} on the left (h -> g h)"
    return ""


def _extract(probe: Callable[[np.ndarray], Any], fix: Callable[[np.ndarray], np.ndarray],
             group: SemidirectProduct, kind: Kind, k: int, c_in: int, c_out: int, p: int
             ) -> np.ndarray | None:
    """The layer's effective bank (C_out, S, C_in, S_in, *k^d), read off its responses to one
    delta per input channel and point sample (at the centre of a (2k - 1)^d input), less its
    response to zero; None if the layer refuses the probes or returns another shape."""
    d, s = group.dim, group.samples
    s_in = s if kind.reads_group else 1
    n = 2 * k - 1
    z = k - 1
    count = c_in * s_in
    probes = np.zeros((count, c_in * s_in) + (n,) * d)
    probes[(np.arange(count), np.arange(count)) + (z,) * d] = 1.0
    shape = (count, c_in) + ((s,) if kind.reads_group else ()) + (n,) * d
    try:
        responses = _numpy(fix(_numpy(probe(probes.reshape(shape)))))
        baseline = _numpy(fix(_numpy(probe(np.zeros((1,) + shape[1:])))))
    except Exception:      # the layer's own errors: no probing, only the named mistakes
        return None
    n_out = n + 2 * p - k + 1
    if responses is None or baseline is None or \
            responses.shape != (count, c_out, s) + (n_out,) * d:
        return None
    window = tuple(slice(z + p - k + 1, z + p + 1) for _ in range(d))
    taps = (responses - baseline)[(Ellipsis,) + window]
    taps = np.flip(taps, axis=tuple(range(-d, 0)))          # y(i) = W(z - i + p)
    bank = taps.reshape((c_in, s_in, c_out, s) + (k,) * d)
    return np.moveaxis(bank, (2, 3), (0, 1))                  # (C_out, S, C_in, S_in, *k^d)


def _identify(blocks: np.ndarray, table: np.ndarray) -> np.ndarray | None:
    """For each block (N, F) the index of the one table row (M, F) equal to it (-2 for a zero
    block); None if a block matches no row or several."""
    scale = max(float(np.abs(table).max(initial=0.0)), 1e-300)
    tol = _IDENTIFY * scale
    rng = np.random.default_rng(0)
    r = rng.standard_normal(table.shape[1])
    keys = table @ r
    order = np.argsort(keys)
    sorted_keys = keys[order]
    slack = tol * float(np.abs(r).sum())
    found = np.full(len(blocks), -1, dtype=np.int64)
    for i, block in enumerate(blocks):
        if np.abs(block).max(initial=0.0) <= tol:
            found[i] = -2
            continue
        key = block @ r
        lo, hi = np.searchsorted(sorted_keys, [key - slack, key + slack])
        hits = [j for j in order[lo:hi] if np.abs(table[j] - block).max() <= tol]
        if len(hits) != 1:
            return None
        found[i] = hits[0]
    return found


@dataclass
class _Model:
    """A convention that reproduces a layer: kernels transformed by f (an index of the
    lattice's symmetries, None for none) before being turned by each output sample, and the
    element orders of the output, input and weights, with the (S, C) layouts."""

    f: int | None
    out: list[int]
    inp: list[int] | None
    wts: list[int] | None
    layouts: tuple[str, ...]
    residual: float = 0.0     # the kernels' largest difference left (relative to the weights')


def _solve(q: np.ndarray, b: np.ndarray, group: SemidirectProduct, full: PointGroup,
           lifting: bool) -> list[tuple[int | None, list[int], list[int] | None,
                                        list[int] | None]]:
    """Models (f, σ_out, σ_in, σ_w) with q[s', t'] = h_{σ_out[s']} f and
    σ_w[b[s', t']] = idx(h_{σ_out[s']}^-1 h_{σ_in[t']}); f None when it is the identity. The
    element orders alone (f the identity) when they explain it; otherwise one f per coset."""
    stab = group.stabiliser
    s = group.samples
    if np.any(q < 0) or np.any(b < 0) or np.any(q != q[:, :1]):
        return []
    qs = q[:, 0]
    in_h = {full.index_of_matrix(m): i for i, m in enumerate(stab.matrices)}
    found = []
    for f in range(full.order):           # f = 0 first: the identity
        fm_inv = np.rint(np.linalg.inv(full.matrices[f])).astype(np.int64)
        try:
            out = [in_h[full.index_of_matrix(full.matrices[qq] @ fm_inv)] for qq in qs]
        except (KeyError, ValueError):
            continue
        if sorted(out) != list(range(s)) or (f and f in in_h):
            continue                      # an f in H is an element order: found with f = 0
        f_id = None if f == 0 else f
        if lifting:
            found.append((f_id, out, None, None))
        else:
            found += [(f_id, out) + wiring for wiring in _wirings(b, out, stab)]
        if found and f == 0:
            break
    return found


def _wirings(b: np.ndarray, out: list[int], stab: PointGroup
             ) -> list[tuple[list[int], list[int]]]:
    """(σ_in, σ_w) with σ_w[b[s', t']] = idx(h_{out[s']}^-1 h_{σ_in[t']}) for all s', t'."""
    s = len(out)
    inv, cayley = stab.inverse_table, stab.cayley
    found = []
    for first in range(s):
        wts = [-1] * s
        ok = True
        for sp in range(s):
            value = int(cayley[inv[out[sp]], first])
            if wts[b[sp, 0]] not in (-1, value):
                ok = False
                break
            wts[b[sp, 0]] = value
        if not ok or sorted(wts) != list(range(s)):
            continue
        inp = [first] + [int(cayley[out[0], wts[b[0, tp]]]) for tp in range(1, s)]
        if sorted(inp) != list(range(s)):
            continue
        if all(wts[b[sp, tp]] == int(cayley[inv[out[sp]], inp[tp]])
               for sp in range(s) for tp in range(s)):
            found.append((inp, wts))
    return found


def _probed_bank(probe, fix, x: np.ndarray, got: np.ndarray, w: np.ndarray,
                 group: AffineGroup, kind: Kind, p: int, tolerance: float
                 ) -> np.ndarray | None:
    """The layer's effective bank (``_extract``) where the layer is the correlation with it on
    the test input (a lattice group, kernels of side 2 or more), else None."""
    k = w.shape[-1]
    if probe is None or not isinstance(group, SemidirectProduct) or group.lattice is None or \
            k < 2:
        return None
    effective = _extract(probe, fix, group, kind, k, w.shape[1], w.shape[0], p)
    if effective is None or \
            relative_error(got, _apply_bank(x, effective, group, p)) > max(tolerance, 1e-6) * 10:
        return None
    return effective


def _slices(w: np.ndarray, group: SemidirectProduct, kind: Kind) -> tuple[np.ndarray, int]:
    """Every weight slice under every symmetry of the lattice, as rows (Q J, C_out C_in k^d)
    (row q J + b: slice b moved by symmetry q), and J (1 for a lifting)."""
    symmetric = _symmetries(group)
    planes = w if kind.reads_group else w[:, :, None]            # (C_out, C_in, J, *k^d)
    table = np.stack([np.asarray(transform(planes, e, Space.on_plane(symmetric)))
                      for e in symmetric.point_elements()])      # (Q, C_out, C_in, J, *k)
    j = planes.shape[2]
    return np.moveaxis(table, 3, 1).reshape(table.shape[0] * j, -1), j


def _kernel_weights(w: np.ndarray, group: SemidirectProduct, kind: Kind) -> np.ndarray:
    """The weights a layer's kernels are slices of: w, or for a convolution the weights w~ of
    the correlation it equals."""
    return LatticeBank(group, Kind.CONVOLUTION).expand_groupy(w)[:, 0] \
        if kind is Kind.CONVOLUTION else w


def _search(effective: np.ndarray | None, w: np.ndarray, group: SemidirectProduct,
            kind: Kind) -> list[_Model]:
    """The systematic search of stage 3 (see the module docstring), on the layer's probed
    bank (``_probed_bank``; None: nothing to search)."""
    if effective is None:
        return []
    weights = _kernel_weights(w, group, kind)
    c_out, c_in = w.shape[0], w.shape[1]
    full = _symmetries(group).stabiliser
    reads = kind.reads_group
    s = group.samples
    models = []
    layouts_in = ("CS", "SC") if reads and c_in > 1 else ("CS",)
    layouts_w = ("CS", "SC") if reads and c_in > 1 else ("CS",)
    tables = {lw: _slices(weights if lw == "CS" else _sc(weights, 1), group, kind)
              for lw in layouts_w}
    for lo in ("CS", "SC") if c_out > 1 else ("CS",):
        for li in layouts_in:
            for lw in layouts_w:
                u = effective
                if lo == "SC":
                    u = _sc(u, 0)
                if li == "SC":
                    u = _sc(u, 2)
                rows, j = tables[lw]
                s_in = u.shape[3]
                blocks = np.moveaxis(u, (1, 3), (0, 1)).reshape(s * s_in, -1)
                hit = _identify(blocks, rows)
                if hit is None:
                    continue
                # (identified within _IDENTIFY: what a second, smaller difference leaves)
                found = hit >= 0
                residual = float(np.abs(blocks[found] - rows[hit[found]]).max(initial=0.0)) / \
                    max(float(np.abs(rows).max(initial=0.0)), 1e-300)
                hit = hit.reshape(s, s_in)
                q = np.where(hit >= 0, hit // j, -1)
                b = np.where(hit >= 0, hit % j, -1)
                for f, out, inp, wts in _solve(q, b, group, full, not reads):
                    models.append(_Model(f, out, inp, wts, (lo, li, lw), residual))
    return sorted(models, key=_cost)[:1]


def _cost(model: _Model) -> tuple[int, int, int, int]:
    """The simplest explanation first: fewest (S, C) layouts, no kernel transformation, fewest
    distinct element orders (one order on input, output and weights counts once), input in
    the output's order."""
    ident = list(range(len(model.out)))
    orders = [o for o in (model.out, model.inp, model.wts) if o is not None and o != ident]
    return (sum(lo == "SC" for lo in model.layouts), model.f is not None,
            len({tuple(o) for o in orders}), model.inp is not None and model.inp != model.out)


def _describe_model(model: _Model, group: SemidirectProduct) -> str:
    full = _symmetries(group).stabiliser
    ident = list(range(group.samples))
    whose = {"output": "your output's", "input": "your input's", "weights": "your weights'"}
    parts = [f"{whose[axis][:-2] if axis != 'weights' else 'your weights'} "
             f"{'are' if axis == 'weights' else 'is'} laid out (S, C) instead of (C, S)"
             for axis, layout in zip(("output", "input", "weights"), model.layouts)
             if layout == "SC"]
    if model.f is not None:
        label = describe(full)[model.f]
        parts.append(f"your kernels are {_kernel_name(full.matrices[model.f], label)} before "
                     f"they are turned")
    orders = {"output": model.out, "input": model.inp, "weights": model.wts}
    moved = {a: o for a, o in orders.items() if o is not None and o != ident}
    if moved and len(moved) == 3 and len({tuple(o) for o in moved.values()}) == 1:
        sigma = moved["output"]
        named = name_order(sigma, group)
        parts.append(f"your layer uses the element order {sigma}{f' ({named})' if named else ''}"
                     f" on its input, output and weights (their element j is groupconv's "
                     f"σ[j]: groupconv.interop converts with convention={sigma})")
    else:
        if list(moved) == ["output"] and not parts:
            return _output_order_sentence(moved["output"], group)
        for axis, sigma in moved.items():
            named = name_order(sigma, group)
            parts.append(f"{whose[axis]} point axis is in the order {sigma}"
                         f"{f' ({named})' if named else ''}")
        if moved:
            parts[-1] += " (their element j is groupconv's σ[j])"
    return "agrees if " + "; ".join(parts) if parts else ""


def _output_order_sentence(sigma: list[int], group: AffineGroup) -> str:
    named = name_order(sigma, group)
    return (f"agrees if only your output's point axis is in the order {sigma}"
            f"{f' ({named})' if named else ''} (their element j is groupconv's σ[j])")


def _border_only(got: np.ndarray, ref: np.ndarray, padding: int, d: int,
                 tolerance: float) -> str | None:
    """A sentence where the layer agrees on every output whose window lies inside the input
    (outputs padding..n' - 1 - padding along each axis) and differs only nearer the border:
    its padding is not zeros. None otherwise."""
    inner = (Ellipsis,) + (slice(padding, -padding),) * d
    if padding == 0 or got.shape != ref.shape or ref.ndim < d or \
            min(ref.shape[-d:]) <= 2 * padding or \
            not relative_error(got[inner], ref[inner]) <= tolerance:
        return None
    return (f"agrees on every output whose window lies inside the input, and differs only "
            f"within {padding} of the border: your layer pads with something other than "
            f"zeros (circular, reflecting or replicating padding?)")


def _planes_that_differ(got: np.ndarray, ref: np.ndarray, group: AffineGroup,
                        tolerance: float, effective: np.ndarray | None = None,
                        w: np.ndarray | None = None, kind: Kind | None = None) -> str | None:
    """A sentence naming the output samples s where the layer differs, while it agrees on
    the others (each the kernel moved by one element h_s: a wrong element in a table), or
    None. With the layer's ``effective`` bank (``_extract``), the weights and the kind, each
    such sample is explained where it can be (``_sample_explained``)."""
    if got.shape != ref.shape or ref.ndim < 3 or ref.shape[2] != group.samples or \
            group.samples < 2:
        return None
    scale = max(float(np.abs(ref).max(initial=0.0)), 1e-300)
    wrong = [s for s in range(ref.shape[2])
             if not np.abs(got[:, :, s] - ref[:, :, s]).max(initial=0.0) <= tolerance * scale]
    if not wrong or len(wrong) == ref.shape[2]:
        return None
    if not isinstance(group, SemidirectProduct):      # a sampled group: exact and measured
        interpolated = set(np.asarray(group.measured_samples()).tolist())
        if not set(wrong) <= interpolated:
            return None
        return (f"agrees on the {ref.shape[2] - len(wrong)} output samples groupconv computes "
                f"exactly and differs on {len(wrong)} of the {len(interpolated)} it computes "
                f"by interpolation ({', '.join(map(str, wrong))}): there groupconv moves the "
                f"kernels by bilinear interpolation (on SE(2)_N masked to the disk of radius "
                f"(k - 1) / 2); a layer with another interpolation (or none, or no disk) "
                f"differs there as much as one with a wrong angle, so this check cannot judge "
                f"those samples; nor can check_equivariance tell an angle a few degrees off "
                f"from interpolation's own error (it measures both together): compare your "
                f"layer's turned kernels at those samples with groupconv.interop."
                f"bank_from_weights(w, 'groupconv', group, kind)")
    said = describe(group.stabiliser)
    why = [_sample_explained(effective, w, group, kind, s) if effective is not None else ""
           for s in wrong[:4]]
    shown = "; ".join(f"s = {s}: {said[s]}{f', {reason}' if reason else ''}"
                      for s, reason in zip(wrong, why)) + ("; ..." if len(wrong) > 4 else "")
    tail = "" if all(why) else (": the kernels moved by those elements (a table of the point "
                                "group's elements with a wrong entry?)")
    return (f"agrees on {ref.shape[2] - len(wrong)} of the {ref.shape[2]} output samples and "
            f"differs on {len(wrong)} ({shown}){tail}{_repeated_samples(got, ref, tolerance)}")


def _repeated_samples(got: np.ndarray, ref: np.ndarray, tolerance: float) -> str:
    """"; ...": the output samples j equal to an earlier sample i where groupconv's two
    differ (a list of elements with repeats), or ""."""
    scale = max(float(np.abs(ref).max(initial=0.0)), 1e-300)

    def same(a: np.ndarray, i: int, j: int) -> bool:
        return bool(np.abs(a[:, :, i] - a[:, :, j]).max(initial=0.0) <= tolerance * scale)
    repeats = [(j, i) for j in range(got.shape[2]) if np.any(got[:, :, j])   # (not unset)
               for i in [next((i for i in range(j) if same(got, i, j)), None)]
               if i is not None and not same(ref, i, j)]
    if not repeats:
        return ""
    shown = ", ".join(f"{j} repeats {i}" for j, i in repeats[:6]) + \
        (", ..." if len(repeats) > 6 else "")
    return (f"; only {got.shape[2] - len(repeats)} of your {got.shape[2]} output samples are "
            f"distinct where groupconv's differ ({shown}): your layer moves the "
            f"kernels by fewer distinct elements than the point group has (an element listed "
            f"twice, or a subgroup's elements listed again?)")


def _sample_explained(effective: np.ndarray, w: np.ndarray, group: SemidirectProduct,
                      kind: Kind, s: int) -> str:
    """What the layer does at output sample s, from its effective bank (C_out, S, C_in, S_in,
    *k^d): every kernel of the sample identified as a weight slice moved by one symmetry M of
    the lattice, read at the input samples of one element h: said as "computed as element j"
    (M and the wiring both h_j's), "its kernels moved by M" (the wiring h_s's), or that no
    symmetry moves the weights onto its kernels (a matrix that is not a signed permutation);
    "" where none of these fits."""
    full, stab = _symmetries(group).stabiliser, group.stabiliser
    reads = kind.reads_group
    rows, j = _slices(_kernel_weights(w, group, kind), group, kind)
    blocks = np.moveaxis(effective[:, s], 2, 0).reshape(effective.shape[3], -1)
    hit = _identify(blocks, rows)
    if hit is None or (hit < 0).any():
        if hit is None and _kernels_found(effective[:, s], rows, w.shape[-1] ** group.dim):
            return ("your kernels there are the weights' kernels, each moved by a symmetry of "
                    "the lattice, but not as this element moves them together (output or input "
                    "channels swapped or mixed at this element, or its kernels moved by "
                    "different symmetries?)")
        if hit is None:
            why = ("turned about tap k // 2 rather than the kernel's centre, which an even k "
                   "has between taps, so that taps leave the window?" if w.shape[-1] % 2 == 0
                   else "a matrix that is not a signed permutation, such as a rotation matrix "
                   "computed in floating point and truncated to integers?")
            return (f"your kernels there are w moved by none of the lattice's {full.order} "
                    f"symmetries (taps lost or merged: {why})")
        return ""
    moved, read = set((hit // j).tolist()), (hit % j).tolist()
    if len(moved) != 1:
        return ""
    q = moved.pop()
    labels = describe(full)
    inverse = stab.inverse_table

    def wiring(e: int) -> list[int]:
        return [int(stab.cayley[inverse[e], t]) for t in range(j)] if reads else [0]
    for e in range(stab.order):
        if e != s and full.index_of_matrix(stab.matrices[e]) == q and read == wiring(e):
            return f"computed as element {e} ({describe(stab)[e]})"
    if read == wiring(s):
        return f"your kernels moved there by the {labels[q]} instead"
    if reads and full.index_of_matrix(stab.matrices[s]) == q:      # turned right, read wrong
        other = next((e for e in range(stab.order) if read == wiring(e)), None)
        as_other = "" if other is None else \
            f" as element {other} ({describe(stab)[other]}) reads them"
        return (f"your kernels are turned right there, but read the filter's point axis in "
                f"another order{as_other} (its row of the table idx(h_s^-1 h_t) wrong?)")
    return ""


def _kernels_found(kernels: np.ndarray, rows: np.ndarray, taps: int) -> bool:
    """Whether every single kernel of one output sample (C_out, C_in, S_in, *k^d) is some
    weight kernel moved by a symmetry (``rows``: every weight slice moved, ``_slices``), each
    on its own: the kernels are right, their places among the channels are not."""
    single = _identify(kernels.reshape(-1, taps), rows.reshape(-1, taps))
    return single is not None


def _output_order(got: np.ndarray, ref: np.ndarray, tolerance: float, axis: int = 2
                  ) -> list[int] | None:
    """σ with got[:, :, j] = ref[:, :, σ[j]] for every j (each plane matching exactly one), or
    None; along ``axis`` 1, the output channels' order."""
    if got.shape != ref.shape or ref.ndim <= axis or ref.shape[axis] < 2:
        return None
    s = ref.shape[axis]
    scale = max(float(np.abs(ref).max(initial=0.0)), 1e-300)
    got, ref = np.moveaxis(got, axis, 0), np.moveaxis(ref, axis, 0)
    sigma = []
    for j in range(s):
        hits = [i for i in range(s) if np.abs(got[j] - ref[i]).max() <= tolerance * scale]
        if len(hits) != 1:
            return None
        sigma.append(hits[0])
    return sigma if sorted(sigma) == list(range(s)) and sigma != list(range(s)) else None


# ------------------------------------------------------------------ the whole
def explain(got: Any, probe: Callable[[Any], Any] | None, x: np.ndarray, w: np.ndarray,
            group: AffineGroup | str, kind: Kind | str, padding: int, *,
            tolerance: float = 1e-5,
            after: Callable[[np.ndarray], np.ndarray] | None = None) -> Findings:
    """Every explanation of why ``got`` (a layer's output on ``x`` with weights ``w``) differs
    from groupconv's ``kind`` on ``group`` with ``padding``.

    Parameters
    ----------
    got : array
        The layer's output on x.
    probe : callable or None
        The layer as a function of its input (the weights fixed to w), for the systematic
        search; None to skip it.
    x, w : numpy.ndarray
        The input and the weights, in groupconv's layout (float64).
    group : AffineGroup or str
        The group.
    kind : Kind or str
        "lifting", "correlation" or "convolution".
    padding : int
        The padding on each side.
    tolerance : float
        The relative error within which an explanation reproduces ``got``.
    after : callable, optional
        What the layer does to a correlation's output (a stride, a bias): applied to the
        reference and to every candidate (no systematic search then).

    Returns
    -------
    Findings

    Examples
    --------
    >>> import numpy as np
    >>> import groupconv
    >>> from groupconv.checks.diagnoses import explain
    >>> x = np.random.default_rng(0).normal(size=(2, 1, 7, 8))
    >>> w = np.random.default_rng(1).normal(size=(3, 1, 3, 3))
    >>> clockwise = groupconv.lifting_correlation(x, w, "p4")[:, :, [0, 3, 2, 1]]
    >>> explain(clockwise, None, x, w, "p4", "lifting", 0).sentences[0]
    'agrees after reversing the rotation sense: your kernels turn clockwise'
    """
    group = get_group(group)
    kind = Kind.parse(kind)
    findings = Findings()
    got_array = _numpy(got)
    if after is not None:
        probe = None
    else:
        def after(a):
            return a
    ref = after(_OPS[kind](x, w, group, mode=padding))
    if got_array is None:
        findings.shape.append(f"your layer returned {type(got).__name__}, not an array")
        return findings
    fixes: list[tuple[str, Callable[[np.ndarray], np.ndarray]]] = [("", lambda a: a)]
    if got_array.shape != ref.shape:
        fixes = _shape_stage(got_array, ref, group, findings, x, w, kind, padding, after)
    elif ref.ndim > 3 and ref.shape[1:] == ref.shape[3:] + ref.shape[1:3]:
        # channels last, (B, *spatial, C, S), of groupconv's very shape (sides equal to C and
        # S): the rearrangement is tried too (a review found a 3 x 4 output of 3 x 4 fields)
        fixes.append(("once read as channels last, (B, *spatial, C, S), its channel and point "
                      "axes moved after the batch axis", lambda a: np.moveaxis(a, (-2, -1),
                                                                               (1, 2))))
    for note, fix in fixes:
        fixed = fix(got_array)
        suffix = f" ({note})" if note else ""
        if relative_error(fixed, ref) <= tolerance:
            findings.add(f"agrees {note}" if note else "agrees")
            continue
        for sentence, candidate in _candidates(x, w, group, kind, padding):
            try:
                if relative_error(fixed, after(candidate())) <= tolerance:
                    findings.add(sentence + suffix)
                    orders = getattr(candidate, "orders", None)
                    if orders is not None and not findings.orders:
                        findings.orders, findings.orders_alone = dict(orders), True
            except ValueError:
                continue
        batch = _first_images(fixed, ref, tolerance) or \
            _batch_channels_reshaped(fixed, ref, tolerance)
        if batch is not None:
            findings.add(batch + suffix)
        elif probe is not None and x.shape[0] > 1 and _each_alone(probe, fix, x, ref,
                                                                  tolerance):
            findings.add("agrees on each image alone, but not in a batch: your layer's output "
                         "for one image depends on the others (statistics over the batch, as "
                         "batch normalisation in training mode?)" + suffix)
        scaled = _scaled(fixed, ref, tolerance) or _offset(fixed, ref, tolerance)
        if scaled is not None:
            findings.add(scaled + suffix)
        channels = _output_order(fixed, ref, tolerance, axis=1)
        if channels is not None:
            findings.add(f"agrees with the output channels in the order {channels} (your "
                         f"output channel o is groupconv's {channels}[o]): the channels written "
                         f"in another order, or the weights' C_out axis read so" + suffix)
        sigma = _output_order(fixed, ref, tolerance)
        if sigma is not None:
            findings.add(_output_order_sentence(sigma, group) + suffix)
            if not findings.orders:
                findings.orders, findings.orders_alone = {"output": sigma}, True
        effective = _probed_bank(probe, fix, x, fixed, w, group, kind, padding, tolerance)
        if sigma is None and findings.where is None:
            border = _border_only(fixed, ref, padding, group.dim, tolerance)
            if border is not None:
                findings.add(border + suffix)
            else:
                findings.where = _planes_that_differ(fixed, ref, group, tolerance, effective,
                                                     w, kind)
        if effective is not None:
            for model in _search(effective, w, group, kind):
                sentence = _describe_model(model, group)
                # what the model leaves: in the kernels, and added to the output (the probed
                # bank is the response less the response to zero)
                remains = max(model.residual, relative_error(fixed, _apply_bank(
                    x, effective, group, padding))) if sentence else 0.0
                left = remains > tolerance
                if sentence and left:     # the model is the larger part of the difference
                    sentence = sentence.replace(
                        "agrees if", f"agrees up to {remains:.1e} (relative) if", 1) + (
                        "; that much remains: a second, smaller difference (a factor near 1, "
                        "weights rounded to a lower precision, a small term added?)")
                if sentence:
                    findings.add(sentence + suffix)
                    if not findings.orders:
                        findings.orders_alone = model.f is None and not left and \
                            all(layout == "CS" for layout in model.layouts)
                        findings.orders = {axis: order for axis, order in
                                           (("output", model.out), ("input", model.inp),
                                            ("weights", model.wts)) if order is not None}
    return findings


# ------------------------------------------------------------------ declared conventions
def declared_convention(convention, group) -> tuple[np.ndarray, str] | None:
    """A declared convention other than groupconv's own: its element order c (its element j is
    groupconv's c[j]) and its name as the user gave it; None for none or groupconv's."""
    if convention is None:
        return None
    c = element_order(convention, group)
    if np.array_equal(c, np.arange(len(c))):
        return None
    return c, convention if isinstance(convention, str) else ",".join(map(str, c))


def framed(note: str, convention, group) -> str:
    """``note`` said of the converted layer where a convention was declared: its sentences
    ("your kernels turn clockwise") are in groupconv's terms, of your layer once converted."""
    declared = declared_convention(convention, group)
    if declared is None:
        return note
    return (f"(said of your layer once converted from the declared convention {declared[1]}, "
            f"in groupconv's terms) {note}")


def order_to_declare(orders: Mapping[str, Sequence[int]], convention, group,
                     reads_group: bool, command_line: bool = True) -> str:
    """An element order found on a layer converted from ``convention`` (whose element j is
    groupconv's c[j]), said as the convention to declare instead: the layer's element j is
    then groupconv's σ[c[j]] (σ the order found). "" without a convention or an order.
    ``command_line``: name the flag of ``groupconv conformance --check`` too."""
    declared = declared_convention(convention, group)
    if declared is None or not orders:
        return ""
    c, named = declared
    found = [np.asarray(order, dtype=np.int64) for order in orders.values()]
    # one order for the whole layer: its output's, and on G its input's too (a layer right in
    # the convention on some axes only is told what each axis reads, not another convention)
    if "output" not in orders or (reads_group and "input" not in orders) or \
            any(not np.array_equal(f, found[0]) for f in found):
        return ""
    if np.array_equal(found[0], np.arange(len(c))):
        return ""                          # the declared order is the layer's: nothing to say
    order = found[0][c]
    if np.array_equal(order, np.arange(len(order))):
        return (f"your layer is in groupconv's own element order, not in the declared "
                f"convention {named}: drop the convention")
    known = [name for name in CONVENTIONS
             if np.array_equal(_order_of(name, group), order)]     # (None: recorded for none)
    # how it relates to the declared order: every element inverted (matrices transposed), ...
    relation = name_order(found[0], group) if isinstance(group, SemidirectProduct) else ""
    relation = "" if relation.endswith("'s order") else relation
    also = f" ({known[0]}'s order)" if known else ""
    also += f", the declared order with {relation}" if relation else ""
    inverted = relation.startswith("every element inverted")
    instead = known[0] if known else ",".join(map(str, order))
    flag = f" in Python, --convention {instead} on the command line" if command_line else ""
    advice = (": if your layer turns its kernels by transposed matrices (the inverse action), "
              "fix that, since a layer on G is no relabelling away from right; if it only labels "
              "its elements so, declare that order instead" if inverted else
              ": declare that instead" if reads_group else
              ": declare that instead, if it is how your layer labels the elements (a lifting "
              "layer's output cannot tell a labelling from kernels moved by other elements "
              "than meant: check your group correlation with the same order; where it fails "
              "there, fix how the kernels are moved)")
    return (f"in the terms of the declared convention {named}, your layer's element order is "
            f"{','.join(map(str, order))}{also}{advice} (convention={instead!r}{flag})")


def _order_of(name: str, group) -> np.ndarray | None:
    """The element order of a named convention on ``group``, or None where none is recorded."""
    try:
        return element_order(name, group)
    except ValueError:
        return None


def said_in_convention(findings: Findings, convention, group, reads_group: bool,
                       command_line: bool = True) -> bool:
    """``findings`` on a layer converted from a declared ``convention``, said in its terms where
    they hold an element order: the convention to declare instead, alone where that order
    explains the whole layer (groupconv's sentences about the converted layer, "your kernels
    turn clockwise", would describe the user's code the wrong way round), else followed by
    what groupconv sees. Whether it did: where not, frame the note with ``framed``."""
    declared = order_to_declare(findings.orders, convention, group, reads_group, command_line)
    if not declared:
        return False
    if findings.orders_alone or not findings.sentences:
        findings.sentences = [declared]
    else:
        findings.sentences = [declared + "; what groupconv sees once your layer is converted: "
                              + joined_sentences(findings.sentences)]
    return True


def joined_sentences(sentences: Sequence[str]) -> str:
    """One sentence, or several numbered: "2 explanations fit: (1) ...; (2) ..."."""
    if len(sentences) == 1:
        return sentences[0]
    return f"{len(sentences)} explanations fit: " + "; ".join(
        f"({i}) {s}" for i, s in enumerate(sentences, 1))
