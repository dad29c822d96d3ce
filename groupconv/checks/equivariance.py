"""Equivariance, measured: the one routine that every checker runs (``groupconv verify``'s
claims, ``check_equivariance``, ``check_layer``, the tests), and the curves of the lecture's
groups where equivariance is only approximate.

For a map fn from one space to another and an input x, for every point sample h of the group:

    exact samples      max |fn(L_h x) - L_h fn(x)| / max |L_h fn(x)|     (relative, rounding)
    measured samples   || fn(L_h x) - L_h fn(x) ||_disk / || L_h fn(x) ||_disk

L_h acting about the array centre (``groupconv.fast.transform``), on the point axis by the group
law, on the pixels exactly where h maps the grid onto itself (every sample of a lattice group;
the quarter turns of SE(2)_N), and through bilinear interpolation elsewhere, where the error is
measured inside the disk inscribed in the array (the corners leave the array when it turns) as
a relative L2 error. A one-pixel translation is checked too where the input has a zero border.

The curves (``rotation_curve``, ``scale_curve``) measure the same error at any angle or factor,
not only at the group's samples; ``benchmarks/equivariance_error.py`` prints and plots them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from array_api_compat import array_namespace

from .. import nn
from ..fast.action import transform
from ..fast.backend import to_numpy
from ..fast.interpolation import disk, rotate_image, scale_image
from ..groups import SE2, ScaleTranslation, Space

__all__ = ["EquivarianceReport", "equivariance_errors", "relative_error", "relative_l2_error",
           "shift_axis", "se2_lifting", "se2_network", "scale_lifting", "rotation_curve",
           "interpolation_curve", "scale_curve", "disk"]


@dataclass
class EquivarianceReport:
    """fn(L_h x) against L_h fn(x): ``errors`` per exact element (relative, max norm; rounding
    only when fn is equivariant), ``measured`` per element that acts by interpolation (relative
    L2 in the inscribed disk: approximate by nature), ``notes``: what the errors' pattern
    says (a layer that subsamples, say), and ``passed``: every exact element's error within
    ``tolerance`` (``check_equivariance`` sets it for the output's dtype: rounding, with a
    margin)."""

    group: str
    input_space: Space | None = None
    output_space: Space | None = None
    errors: dict[str, float] = field(default_factory=dict)
    measured: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    tolerance: float = 1e-10
    dtype: str = "float64"        # of fn's output

    @property
    def passed(self) -> bool:
        """Every exact element's error within ``tolerance`` (NaN fails). The measured elements
        are approximate by nature and not judged."""
        return all(error <= self.tolerance for error in self.errors.values())

    @property
    def max_error(self) -> float:
        """The largest error at the exact elements (NaN if any is NaN: a comparison with NaN
        is never the largest, and would hide it)."""
        values = list(self.errors.values())
        return float(np.max(values)) if values else 0.0

    def __repr__(self) -> str:
        spaces = "" if self.input_space is None else \
            f" ({self.input_space!r} -> {self.output_space!r})"
        verdict = "passed" if self.passed else "FAILED"
        lines = [f"equivariance on {self.group}{spaces}: max error {self.max_error:.1e} at the "
                 f"exact elements: {verdict} (tolerance {self.tolerance:.0e}, {self.dtype})",
                 f"  {'element':<40} {'error':>9}"]
        lines += [f"  {name:<40} {err:9.1e}" for name, err in self.errors.items()]
        if self.measured:
            lines.append("  measured (interpolated; relative L2 in the inscribed disk):")
            lines += [f"  {name:<40} {err:9.1e}" for name, err in self.measured.items()]
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)


def relative_error(a: Any, b: Any) -> float:
    """max |a - b| / max |b| in float64 (inf when the shapes differ; NaN stays NaN)."""
    a, b = np.asarray(to_numpy(a), np.float64), np.asarray(to_numpy(b), np.float64)
    if a.shape != b.shape:
        return float("inf")
    diff = np.abs(a - b)
    if np.isnan(diff).any():
        return float("nan")
    return float(diff.max(initial=0.0) / (np.abs(b).max(initial=0.0) or 1.0))


def relative_l2_error(a: np.ndarray, b: np.ndarray, region: np.ndarray) -> float:
    """||a - b||_2 / ||b||_2 over the pixels in ``region`` (the last two axes), all other axes.
    A ValueError where the region is empty or b vanishes on it (no relative error exists)."""
    norm = float(np.linalg.norm(b[..., region]))
    if not np.any(region) or norm == 0:
        raise ValueError("relative_l2_error: the reference is zero on the region (or the region "
                         "is empty), so there is no relative error")
    return float(np.linalg.norm((a - b)[..., region]) / norm)


def _on_domain(a: Any, space: Space) -> Any:
    """a with the cells outside the space's domain zeroed (the hexagon), else a itself."""
    if space.spatial and space.group.lattice == "hexagonal":
        return transform(a, space.group.identity(), space)
    return a


#: What the note on a permuted point axis advises by default (``check_equivariance`` says
#: another thing where an order was declared).
PERMUTED_ADVICE = ("a layer written in another element order? Declare it (convention="
                   "\"escnn\", or σ), or let check_layer(fn, group, kind) find the order")


def equivariance_errors(fn: Callable[[Any], Any], x: Any, input_space: Space,
                        output_space: Space, *, measured: bool = True,
                        translations: bool = True, radius: float | None = None,
                        advice: str = PERMUTED_ADVICE) -> EquivarianceReport:
    """fn(L_h x) against L_h fn(x) for every point sample h of the input space's group (see
    the module docstring); ``measured``: the interpolated samples too; ``translations``: a
    one-pixel shift along every spatial axis, where x's last slices are zero; ``radius``: of the
    disk the measured errors are taken in (default: inscribed, one pixel in); ``advice``: what
    the note on an output right up to a permuted point axis advises."""
    group = input_space.group
    x = _on_domain(x, input_space)
    y = fn(x)
    if not (hasattr(y, "shape") and hasattr(y, "dtype")):
        raise TypeError(f"check_equivariance: fn returned {type(y).__name__}, not an array: it "
                        f"must return its output {output_space.layout()} as an array")
    core = output_space.core
    if y.ndim < core + 1 or (output_space.point_axis and
                             y.shape[y.ndim - core] != output_space.samples):
        n = output_space.samples
        hint = ""
        flat = y.shape[y.ndim - core] if y.ndim >= core + 1 else 0
        if output_space.point_axis and y.ndim == core + 1 and flat % n == 0 and flat:
            hint = (f": the channels look flat (C·S = {flat}, S = {n}): reshape them, "
                    f"y.reshape(B, -1, {n}, *spatial) where the channel is outer (C, S), or "
                    f"y.reshape(B, {n}, -1, *spatial).swapaxes(1, 2) where the element is")
        elif output_space.point_axis and y.ndim == core + 2 and y.shape[-1] == n:
            hint = ": channels last? move the channel and point axes after the batch axis"
        raise ValueError(f"check_equivariance: fn's output must have shape "
                         f"{output_space.layout()} (output_space {output_space!r}), got shape "
                         f"{tuple(y.shape)}{hint}")
    report = EquivarianceReport(group.name, input_space, output_space,
                                dtype=str(y.dtype).rsplit(".", 1)[-1])
    exact = set(group.exact_samples().tolist())
    # each element right up to a permutation of S? (moved's sample j is expected's order[s][j])
    orders: dict[int, np.ndarray] | None = {} if output_space.point_axis else None
    shapes = None                       # (h, fn(L_h x)'s shape, L_h fn(x)'s) where they differ
    for s, h in enumerate(group.point_elements()):
        if s in exact:
            moved = _on_domain(fn(transform(x, h, input_space)), output_space) \
                if output_space.spatial else fn(transform(x, h, input_space))
            expected = transform(y, h, output_space)
            report.errors[repr(h)] = relative_error(moved, expected)
            if tuple(moved.shape) != tuple(expected.shape) and shapes is None:
                shapes = (h, tuple(moved.shape), tuple(expected.shape))
            if orders is not None:
                order = np.arange(group.samples) if report.errors[repr(h)] <= _EXACT else \
                    _slices_permuted(moved, expected, output_space)
                orders = None if order is None else {**orders, s: order}
        elif measured:
            moved = fn(transform(x, h, input_space, interpolate=True))
            expected = transform(y, h, output_space, interpolate=True)
            if output_space.point_axis and np.any(group.relative(s, np.arange(group.samples))
                                                  < 0):
                # a truncated point axis (the scales): values fall off its ends, so compare one
                # sample whose source stays inside it: the middle one, or the first above it
                middle = max(group.samples // 2, int(np.argmax(
                    group.relative(s, np.arange(group.samples)) >= 0)))
                axis = np.asarray(to_numpy(moved)).ndim - output_space.core
                moved = np.take(to_numpy(moved), [middle], axis=axis)
                expected = np.take(to_numpy(expected), [middle], axis=axis)
            report.measured[repr(h)] = _disk_error(moved, expected, output_space, radius)
    if shapes is not None:
        report.notes.append(
            f"the output's sides do not turn with the input's: a padding or crop of one side "
            f"more than another? (error inf: fn(L_h x) has shape {shapes[1]} where L_h fn(x) "
            f"has {shapes[2]}, h = {shapes[0]})")
    permuted = orders is not None and _one_order(orders, group) and \
        not all(e <= _EXACT for e in report.errors.values())
    if permuted:
        report.notes.append("under every exact element the output holds the right values with "
                            "its point axis permuted: " + advice)
    elif shapes is None:
        _zero_input(fn, x, input_space, output_space, report)
    if translations and input_space.spatial and group.lattice != "hexagonal":
        _translation(fn, x, y, input_space, output_space, report)
    if report.measured:
        report.notes.append(
            "the measured rows are approximate by nature (the input, the output and a layer's "
            "kernels moved by bilinear interpolation): on white noise they are large for a "
            "right layer too, and cannot tell a small mistake from interpolation; a layer whose "
            "weights you can pass is compared with groupconv's own, sample by sample, by "
            "check_layer(fn, group, kind)")
    return report


def _zero_input(fn, x: Any, input_space: Space, output_space: Space,
                report: EquivarianceReport) -> None:
    """A note where a point element h breaks the equivariance and fn(0) is not fixed by L_h:
    L_h 0 = 0, so an equivariant fn has L_h fn(0) = fn(0); a constant that differs between
    the samples of the point axis (one bias per channel and element) breaks that, whatever
    the weights. A layer that refuses a zero input gets no note."""
    group = input_space.group
    exact = set(group.exact_samples().tolist())
    broken = [h for s, h in enumerate(group.point_elements())
              if s in exact and not report.errors[repr(h)] <= _BROKEN]
    if not (broken and output_space.point_axis and output_space.spatial):
        return
    try:
        y0 = fn(_like(np.zeros(np.shape(to_numpy(x))), x))
        host = np.asarray(to_numpy(y0), np.float64)
        # a constant per channel and point sample: where it differs between the samples, no
        # kernel explains it (the layer's own response to a constant input may, near edges)
        d = output_space.dim
        planes = host.reshape(host.shape[:host.ndim - d] + (-1,))
        if not np.any(host) or np.ptp(planes, axis=-1).max(initial=0.0) > \
                _EXACT * np.abs(host).max():
            return
        moved = {repr(h): relative_error(turned, y0) for h in broken
                 if (turned := transform(y0, h, output_space)).shape == y0.shape}
    except Exception:           # the layer's own error: it refuses a zero input
        return
    changed = [name for name, error in moved.items() if not error <= _EXACT]
    if changed:
        report.notes.append(
            f"on a zero input the output is one constant per channel and point sample, and "
            f"not fixed by L_h: L_h fn(0) differs from fn(0) at {changed[0]} (error "
            f"{moved[changed[0]]:.1e}), where an equivariant layer has L_h fn(0) = fn(L_h 0) "
            f"= fn(0): a bias per channel and element? (an equivariant bias has one value per "
            f"channel, shared by its samples)")


def _slices_permuted(moved: Any, expected: Any, space: Space) -> np.ndarray | None:
    """The permutation that takes the point axis of ``expected`` to ``moved``'s, slice for slice
    (moved's slice j equal, to ``_EXACT``, to expected's order[j] and to no other), or None."""
    a, b = np.asarray(to_numpy(moved), np.float64), np.asarray(to_numpy(expected), np.float64)
    if a.shape != b.shape or not np.all(np.isfinite(a)) or not np.all(np.isfinite(b)):
        return None
    axis = a.ndim - space.core
    a = np.moveaxis(a, axis, 0).reshape(a.shape[axis], -1)
    b = np.moveaxis(b, axis, 0).reshape(b.shape[axis], -1)
    scale = float(np.abs(b).max(initial=0.0)) or 1.0
    # |a_i - b_j|^2 for every pair by one product; equal slices: within _EXACT of the scale
    squared = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    close = np.sqrt(np.maximum(squared, 0.0)) <= _EXACT * scale * np.sqrt(a.shape[1])
    if not (np.all(close.sum(1) == 1) and np.all(close.sum(0) == 1)):
        return None
    return np.argmax(close, axis=1)


def _one_order(orders: dict[int, np.ndarray], group) -> bool:
    """Whether the permutations ``_slices_permuted`` found at each exact sample s come from one
    element order σ (their sample j is groupconv's σ[j]): an output A_σ y, (A_σ y)[j] =
    y[σ[j]], of an equivariant y. Under L_h (sample t read from R_s(t) = idx(h_s^-1 h_t)),
    moved = A_σ L_h y and expected = L_h A_σ y, so order_s = R_s^-1 σ^-1 R_s σ: σ conjugates
    Q_s = R_s order_s into R_s, σ Q_s = R_s σ. Tried with each σ^-1(e) = a (σ then follows:
    σ(Q_s(a)) = R_s(e)); without one, each element's permutation explains only itself (a
    gain per sample of a layer whose samples are alike, say)."""
    n = group.samples
    samples = sorted(orders)
    rel = {s: np.asarray(group.relative(s, np.arange(n)), dtype=np.int64) for s in samples}
    if any(np.any(r < 0) for r in rel.values()):
        return False                        # (a truncated axis: no permutations to conjugate)
    q = {s: rel[s][orders[s]] for s in samples}
    for a in range(n):                      # (the identity is sample 0)
        sigma = np.full(n, -1)
        for s in samples:
            if sigma[q[s][a]] not in (-1, rel[s][0]):
                break
            sigma[q[s][a]] = rel[s][0]
        else:
            # σ on the samples the exact elements reach from a (all of them on a lattice
            # group; a quarter of SE(2)_8's), one to one, and σ Q_s = R_s σ there
            known = sigma >= 0
            values = sigma[known]
            if len(set(values.tolist())) == len(values) and all(
                    np.array_equal(sigma[q[s][known]], rel[s][sigma[known]])
                    for s in samples if np.all(known[q[s][known]])):
                return True
    return False


def _disk_error(moved: Any, expected: Any, space: Space, radius: float | None) -> float:
    a, b = np.asarray(to_numpy(moved), np.float64), np.asarray(to_numpy(expected), np.float64)
    if a.shape != b.shape:
        return float("inf")
    if not space.spatial:
        return float(np.linalg.norm(a - b) / (np.linalg.norm(b) or 1.0))
    n = min(a.shape[-2:])
    region = disk(n, max((n - 1) / 2 - 1, 0.0) if radius is None else radius)
    if not region.any():              # a map too small for a disk inside it: every pixel
        region = np.ones((n, n), dtype=bool)
    pad = [(a.shape[-2] - n) // 2, (a.shape[-1] - n) // 2]
    a = a[..., pad[0]:pad[0] + n, pad[1]:pad[1] + n]
    b = b[..., pad[0]:pad[0] + n, pad[1]:pad[1] + n]
    if not np.any(b[..., region]):
        return 0.0 if not np.any(a[..., region]) else float("inf")
    return relative_l2_error(a, b, region)


#: Differences within this (relative) are float64 rounding: a translation is then not
#: checked again inside a wider border.
_ROUNDING = 1e-12
#: Differences within this (relative) count as exact when the errors' pattern is read for a
#: note (float32 rounding, as ``check_layer``'s float32 tolerance); above ``_BROKEN``, as broken.
_EXACT, _BROKEN = 1e-5, 1e-3


def _translation(fn, x, y, input_space: Space, output_space: Space,
                 report: EquivarianceReport) -> None:
    """A shift by one pixel along every spatial axis, within x's zero border (for an output
    without space, within a wider one)."""
    d = input_space.dim
    host = to_numpy(x)
    last = [(Ellipsis,) + (slice(None),) * a + (slice(-1, None),) + (slice(None),) * (d - 1 - a)
            for a in range(d)]
    if any(np.any(host[index]) for index in last):
        return
    if output_space.spatial:   # output i + 1 of the shifted input is output i of x
        shifted = np.roll(host, (1,) * d, axis=tuple(range(-d, 0)))
        moved, y = to_numpy(fn(_like(shifted, x))), to_numpy(y)
        od = output_space.dim
        error = report.errors["translation by 1"] = relative_error(
            moved[(Ellipsis,) + (slice(1, None),) * od], y[(Ellipsis,) + (slice(None, -1),) * od])
        if error > _EXACT and od == d:
            _away_from_edges(fn, x, host, y, d, error, report)
            error = report.errors["translation by 1"]
        for stride in (2, 3, 4, 8) if error > _BROKEN and od == d else ():
            if any(np.any(host[(Ellipsis,) + (slice(None),) * a + (slice(-stride, None),)])
                   for a in range(d)):
                break                # a shift by s would wrap x's values around
            # a layer that subsamples by s: a shift by s moves its output by one sample
            moved = to_numpy(fn(_like(np.roll(host, (stride,) * d, axis=tuple(range(-d, 0))),
                                      x)))
            by_stride = relative_error(moved[(Ellipsis,) + (slice(1, None),) * od],
                                       y[(Ellipsis,) + (slice(None, -1),) * od])
            if by_stride <= _EXACT:
                report.notes.append(
                    f"a shift by {stride} pixels moves the output by one sample (error "
                    f"{by_stride:.1e}): the layer subsamples by {stride} (a stride, strided "
                    f"pooling), which is equivariant to shifts by multiples of {stride} only; "
                    f"the one-pixel shift's error is what subsampling does")
                break
        return
    # an output without space (pooled): every window that sees x must still fit after the
    # shift. Within x's own border first; where that differs beyond float64 rounding, again
    # inside a zero border as wide as x (a "valid" layer's receptive field reaches further
    # than two pixels), unless the layer refuses that larger input
    shifted = np.roll(host, (1,) * d, axis=tuple(range(-d, 0)))
    error = relative_error(to_numpy(fn(_like(shifted, x))), to_numpy(y))
    if error > _ROUNDING:
        # (a network that takes some sides only, n = 33 + 4 j say, gets the first border of
        # n to n + 32 pixels that it takes: one of sides in steps of up to 64; a refusal
        # costs little)
        for extra in range(33):
            wide = np.pad(host, [(0, 0)] * (host.ndim - d) +
                          [(n + extra, n + extra) for n in host.shape[-d:]])
            try:
                y_wide = to_numpy(fn(_like(wide, x)))
            except Exception:   # the layer's own error: not this side
                y_wide = None
                continue
            try:
                moved = to_numpy(fn(_like(np.roll(wide, (1,) * d, axis=tuple(range(-d, 0))),
                                          x)))
                error = relative_error(moved, y_wide)
            except Exception:
                y_wide = None
            break
        if error > _BROKEN and y_wide is not None:
            _subsampled_invariance(fn, x, d, wide, y_wide, report)
    report.errors["translation by 1"] = error


def _away_from_edges(fn, x: Any, host: np.ndarray, y: Any, d: int, error: float,
                     report: EquivarianceReport) -> None:
    """The one-pixel shift again with x inside a zero border as wide as x, compared on the
    outputs of x's own window only: where it holds there (to float32 rounding), the error
    within x's border came from the output's edges, which stay where they are while the
    content moves (a "same" padding met by a receptive field wider than the border, or values
    on the zero border: a bias), and the report keeps this error with a note saying so. A
    layer that refuses the wider input keeps the first error."""
    n = host.shape[-d:]
    wide = np.pad(host, [(0, 0)] * (host.ndim - d) + [(m, m) for m in n])
    try:
        y_wide = to_numpy(fn(_like(wide, x)))
        moved = to_numpy(fn(_like(np.roll(wide, (1,) * d, axis=tuple(range(-d, 0))), x)))
    except Exception:          # the layer's own error: it takes x's sizes only
        return
    out = to_numpy(y).shape[-d:]
    if y_wide.shape[-d:] != tuple(m + 2 * a for m, a in zip(out, n)):
        return                  # not a stride-1 layer after all
    window = tuple(slice(a, a + m - 1) for a, m in zip(n, out))
    inner = relative_error(moved[(Ellipsis,) + tuple(slice(w.start + 1, w.stop + 1)
                                                     for w in window)],
                           y_wide[(Ellipsis,) + window])
    if inner > _EXACT:
        return
    varies = _varies_on_zeros(fn, host, x, d)
    if varies:                  # not the edges' effect: the first error stands
        report.notes.append(
            f"the one-pixel shift fails (error {error:.1e}): on a zero input the output is not "
            f"the same at every position ({varies}), so the layer adds something that depends "
            f"on the position (a value at fixed pixels or rows), which no shift moves (with x "
            f"inside a zero border as wide as x, its window alone compared, the shift holds)")
    else:                       # (judged, like every error, by the output dtype's tolerance)
        report.errors["translation by 1"] = inner
        report.notes.append(
            f"the one-pixel shift holds away from the array's edges (error {inner:.1e}, with x "
            f"inside a zero border as wide as x) but not within x's own zero border (error "
            f"{error:.1e}): the output near the edges does not move with the content, as when a "
            f"\"same\" padding meets a receptive field wider than the border, or a bias puts "
            f"values on it; pass an x with a wider zero border to see the shift hold on it")


def _varies_on_zeros(fn, host: np.ndarray, x: Any, d: int) -> str:
    """Where fn's output on a zero input of x's shape differs between positions of one plane
    farther from the edges than fn's reach (measured: how far the response to one pixel
    spreads), said; else "". A layer that commutes with shifts gives one value per plane
    there: within its reach of the edges a padding may differ from the input (a layer that
    normalises its input first turns the zeros into a constant the padding is not), beyond it
    every window sees the same. "" also where fn refuses these inputs or gives NaN."""
    zeros = np.zeros_like(host)
    centre = tuple(n // 2 for n in host.shape[-d:])
    large = 100 * (1 + float(np.abs(host).max(initial=0.0)))
    try:
        y0 = np.asarray(to_numpy(fn(_like(zeros, x))), np.float64)
        responses = []
        for value in (1.0, -1.0, large, -large):   # (a ReLU may cut one sign or size off)
            impulse = zeros.copy()
            impulse[(Ellipsis,) + centre] = value
            responses.append(np.asarray(to_numpy(fn(_like(impulse, x))), np.float64) - y0)
    except Exception:       # the layer's own error: it refuses these inputs
        return ""
    if y0.ndim < d or not (np.all(np.isfinite(y0)) and np.all(np.isfinite(responses))):
        return ""
    out = y0.shape[-d:]
    reached = np.zeros(out, dtype=bool)
    for response in responses:
        scale = max(float(np.abs(response).max(initial=0.0)), 1e-300)
        reached |= (np.abs(response) > _EXACT * scale).reshape((-1,) + out).any(axis=0)
    if not reached.any():
        return ""
    # output i sees the input about i + o: the edges' effects reach the layer's reach and |o|
    # more into the output (a "full" output is larger than its input, o < 0)
    offset = [(n - m) // 2 for n, m in zip(host.shape[-d:], out)]
    reach = int(np.abs(np.argwhere(reached) - (np.array(centre) - offset)).max())
    margins = [reach + abs(o) + (n - m) % 2 for o, n, m in zip(offset, host.shape[-d:], out)]
    inner = (Ellipsis,) + tuple(slice(a, m - a) for a, m in zip(margins, out))
    core = y0[inner]
    if not core.size:
        return ""
    planes = core.reshape(core.shape[:core.ndim - d] + (-1,))
    spread = np.ptp(planes, axis=-1)
    if spread.max() <= _EXACT * max(float(np.abs(y0).max()), 1e-300):
        return ""
    plane = np.unravel_index(int(np.argmax(spread)), spread.shape)
    values = core[plane]
    where = np.unravel_index(int(np.argmax(np.abs(values - np.median(values)))), values.shape)
    at = tuple(int(i) + a for i, a in zip(where, margins))
    return (f"at {at}, {values[where]:.3g} against {np.median(values):.3g}, farther from the "
            f"edges than the layer's reach of {reach} pixels")


def _subsampled_invariance(fn, x: Any, d: int, wide: np.ndarray, y_wide: np.ndarray,
                           report: EquivarianceReport) -> None:
    """A note where an output without space changes under a one-pixel shift but not under a
    shift by s = 2, 4, ..., 32 of ``wide`` (x inside a zero border, on d spatial axes; its
    output ``y_wide``): the layer subsamples by s (strided pooling, a stride) and is invariant
    to shifts by multiples of s only."""
    try:
        for s in (2, 4, 8, 16, 32):
            if any(np.any(wide[(Ellipsis,) + (slice(None),) * a + (slice(-s, None),)])
                   for a in range(d)):             # a shift within the zero border only
                return
            moved = to_numpy(fn(_like(np.roll(wide, (s,) * d, axis=tuple(range(-d, 0))), x)))
            error = relative_error(moved, y_wide)
            if error <= _EXACT:
                report.notes.append(
                    f"a shift by {s} pixels leaves the output unchanged (error {error:.1e}): "
                    f"the layer subsamples by {s} (strided pooling, a stride) and is invariant "
                    f"to shifts by multiples of {s} only; the one-pixel shift's error is what "
                    f"subsampling does")
                return
    except Exception:       # the layer's own error: it takes x's size only
        return


def _like(a: np.ndarray, like: Any) -> Any:
    """A NumPy array in the library of ``like``."""
    return a if isinstance(like, np.ndarray) else array_namespace(like).asarray(a)


# ------------------------------------------------------------- curves at any angle
def se2_lifting(n: int, channels: int = 4, k: int = 5, seed: int = 0
                ) -> Callable[[np.ndarray], np.ndarray]:
    """A random SE2(N) lifting layer ("same" padding): (H, W) -> (C, N, H, W), float64."""
    layer = nn.LiftingConv(SE2(n), 1, channels, k, mode="same", dtype=np.float64, rng=seed)
    return lambda image: layer(image[None, None])[0]


def se2_network(n: int, channels: int = 4, k: int = 5, seed: int = 0
                ) -> Callable[[np.ndarray], np.ndarray]:
    """A random 3-layer SE2(N) network ("same" padding, ReLU) followed by the projection over
    theta (max): (H, W) -> (C, H, W), float64. Receptive field: 3 (k - 1) + 1 pixels."""
    rng = np.random.default_rng(seed)
    opts = dict(mode="same", dtype=np.float64, rng=rng)
    group = SE2(n)
    net = nn.Sequential([nn.LiftingConv(group, 1, channels, k, **opts), nn.ReLU(),
                         nn.GroupConv(group, channels, channels, k, **opts), nn.ReLU(),
                         nn.GroupConv(group, channels, channels, k, **opts),
                         nn.SubgroupPool("max")])
    return lambda image: net(image[None, None])[0]


def scale_lifting(n_scales: int = 5, base: float = 2 ** 0.5, channels: int = 4, k: int = 3,
                  seed: int = 0) -> Callable[[np.ndarray], np.ndarray]:
    """A random scale lifting layer ("same"): (H, W) -> (C, n, H, W), float64."""
    layer = nn.LiftingConv(ScaleTranslation(base, n_scales=n_scales, scale_extent=1), 1,
                           channels, k, mode="same", dtype=np.float64, rng=seed)
    return lambda image: layer(image[None, None])[0]


def shift_axis(f: np.ndarray, shift: float, axis: int = -3, periodic: bool = True
               ) -> np.ndarray:
    """g[t] = f[t - shift] along ``axis``, linear between entries; periodic, or zero (NaN-free)
    beyond the ends when not periodic."""
    n = f.shape[axis]
    t = np.arange(n) - shift
    lo = np.floor(t).astype(int)
    frac = (t - lo).reshape((-1,) + (1,) * (-axis - 1))
    if periodic:
        return (1 - frac) * np.take(f, lo % n, axis=axis) + frac * np.take(f, (lo + 1) % n,
                                                                          axis=axis)
    parts = []
    for idx, weight in ((lo, 1 - frac), (lo + 1, frac)):
        valid = ((idx >= 0) & (idx < n)).reshape(frac.shape)
        parts.append(np.where(valid, weight * np.take(f, np.clip(idx, 0, n - 1), axis=axis), 0))
    return parts[0] + parts[1]


def rotation_curve(phi: Callable[[np.ndarray], np.ndarray], image: np.ndarray,
                   angles_deg: Sequence[float], radius: float, n: int | None = None
                   ) -> np.ndarray:
    """error(theta) for every angle: phi(L_theta f) against L_theta phi(f). ``n`` given: phi's
    output has an orientation axis (-3) of N entries, shifted by theta N / 360 degrees."""
    region = disk(image.shape[-1], radius)
    reference = phi(image)
    errors = []
    for degrees in angles_deg:
        theta = np.deg2rad(degrees)
        expected = rotate_image(reference, theta)
        if n is not None:
            expected = shift_axis(expected, degrees * n / 360.0)
        errors.append(relative_l2_error(phi(rotate_image(image, theta)), expected, region))
    return np.array(errors)


def interpolation_curve(image: np.ndarray, angles_deg: Sequence[float], radius: float
                        ) -> np.ndarray:
    """What the interpolation alone costs: || L_-theta L_theta f - f || / || f || in the disk."""
    region = disk(image.shape[-1], radius)
    return np.array([relative_l2_error(rotate_image(rotate_image(image, np.deg2rad(d)),
                                                 -np.deg2rad(d)), image, region)
                     for d in angles_deg])


def scale_curve(phi: Callable[[np.ndarray], np.ndarray], image: np.ndarray,
                factors: Sequence[float], radius: float, base: float) -> np.ndarray:
    """error(lambda) at the middle scale s_m (m = n // 2) of phi's output: phi(L_lambda f) at
    s_m against (L_lambda phi(f)) at s_{m - log_base lambda}, linear between scales. Its source
    stays inside the truncated scale axis for factors base^-m .. base^(n - 1 - m)."""
    region = disk(image.shape[-1], radius)
    reference = phi(image)
    m = reference.shape[-3] // 2
    errors = []
    for factor in factors:
        expected = shift_axis(scale_image(reference, factor), np.log(factor) / np.log(base),
                              periodic=False)
        got = phi(scale_image(image, factor))
        errors.append(relative_l2_error(got[..., m, :, :], expected[..., m, :, :], region))
    return np.array(errors)
