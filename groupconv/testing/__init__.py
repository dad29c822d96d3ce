"""groupconv as the test oracle of another library: run the conformance cases on anyone's layer.

A library's layer is checked case by case. For each case (``groupconv.conformance.Case``: its
group, kind, padding, stride, dilation, options and arrays), a *factory* builds the library's
layer with the case's parameters (``case["w"]``, ``case["b"]``, ``case["gamma"]``, ...) and
returns a *layer*, a function of the case's input x in groupconv's layout:

    layer(x) -> y                       the output, or
    layer(x) -> (y, vjp)                with vjp(dy) -> dx, or (dx, {"w": dw, "b": db, ...})

so that gradients are compared too (the keys name the case's parameters; "gamma" and "beta"
for batch normalisation). Arrays may come from any library (NumPy, torch, JAX, ...). A layer in
another layout or element order is wrapped by ``adapt``; a torch module by ``torch_layer``,
which loads the case's parameters into it and takes its gradients by autograd, so that a torch
author writes

    def factory(case):
        module = MyP4Conv(case.c_in, case.c_out, case.k, padding=case.padding)
        return groupconv.testing.torch_layer(module, case, layout="flat_cs")

and runs ``groupconv conformance --check mymodule:factory`` or, with the pytest plugin that
comes with groupconv (``groupconv.testing.plugin``, registered as ``pytest11``):

    def test_my_layer(groupconv_case):
        groupconv.testing.assert_layer_matches(factory(groupconv_case), groupconv_case)

Tolerances (relative, max norm): every value of the exact cases is an integer (or an integer
over a power of two), so an implementation that sums directly in float64 or float32 reproduces
them bit for bit; by default a layer agrees within ``checks.user_layers.TOLERANCES`` for the
dtype it returns (1e-10 for float64, 1e-5 for float32, 1e-2 for float16, 5e-2 for bfloat16:
room for FFT or Winograd sums), or within the case's own tolerance where it is larger (batch
normalisation, the sampled groups). ``exact=True`` asks for bit-for-bit equality on the exact
cases. On the hexagonal lattice values are compared on the hexagon (the other cells hold no
function).
"""

from __future__ import annotations

import math
import pathlib
import sys
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ..arguments import described, flag
from ..checks.diagnoses import (
    axes_mixed, explain, factor_text, framed, joined_sentences, said_in_convention,
)
from ..checks.equivariance import relative_error
from ..checks.user_layers import (
    _parity_sentence, _precision_held, _precision_note, tolerance_for,
)
from ..conformance import CORRELATIONS, Case, load, names_given, reference
from ..fast.backend import is_torch_array, to_numpy
from ..nn import SpatialPool
from ..groups import Kind, Space, domain_mask, get_group
from ..interop import (
    LAYOUTS, element_order, fields_from_groupconv, fields_to_groupconv,
)

__all__ = ["CaseResult", "adapt", "in_convention", "torch_layer", "jax_layer", "check_case",
           "check_cases", "assert_layer_matches"]

#: Gradient keys: the layer's name for a parameter's gradient -> the case's array.
_GRADIENTS = {"w": "dw", "b": "db", "gamma": "dgamma", "beta": "dbeta"}


@dataclass
class CaseResult:
    """How a layer did on one case: ``passed``, the relative ``errors`` of each compared array
    ("y", "dx", "dw", ...), the ``tolerance`` used and a ``diagnosis`` (None when it passes)."""

    case: Case
    passed: bool
    errors: dict[str, float] = field(default_factory=dict)
    tolerance: float = 0.0
    diagnosis: str | None = None

    def __repr__(self) -> str:
        errors = ", ".join(f"{k} {v:.1e}" for k, v in self.errors.items())
        verdict = "agrees" if self.passed else f"FAILS: {self.diagnosis}"
        return f"{self.case.id}: {verdict} ({errors or 'nothing compared'})"


# ------------------------------------------------------------------ layouts
def _spaces(case: Case) -> tuple[bool, bool]:
    """Whether the case's input and output have a point axis."""
    if case.kind in CORRELATIONS:
        return Kind.parse(case.kind).reads_group, True
    return True, case.kind != "subgroup_pool"


def _to_theirs(a: np.ndarray, points: bool, layout: str, convention, group) -> np.ndarray:
    if points:
        return fields_from_groupconv(a, convention, group, layout=layout)
    return np.moveaxis(a, 1, -1) if layout.startswith("last") else a


def _to_ours(a: Any, points: bool, layout: str, convention, group) -> np.ndarray:
    a = np.asarray(to_numpy(a) if hasattr(a, "shape") else a)
    if points:
        return fields_to_groupconv(a, convention, group, layout=layout)
    return np.moveaxis(a, -1, 1) if layout.startswith("last") else a


def _in_bfloat16_as(out: np.ndarray, like: Any) -> Any:
    """``out`` (converted from ``like``) back in bfloat16 where ``like`` was (exactly: NumPy
    reads bfloat16 as float32), so that check_case holds it to bfloat16's tolerance; else
    ``out``."""
    if "bfloat16" not in str(getattr(like, "dtype", "")):
        return out
    if is_torch_array(like):
        import torch
        return torch.from_numpy(np.ascontiguousarray(out)).to(torch.bfloat16)
    return np.asarray(out).astype(like.dtype)          # ml_dtypes' (JAX's) bfloat16


def _point_weights(case: Case) -> bool:
    """Whether the case's weights "w" have a point axis (the correlations that read G)."""
    return case.kind in CORRELATIONS and Kind.parse(case.kind).reads_group


def _point_axis_back(a: np.ndarray, sigma: Sequence[int]) -> np.ndarray:
    """Weights (or their gradient) with the point axis in the order sigma, back in
    groupconv's: back[:, :, sigma[i]] = a[:, :, i]."""
    back = np.empty_like(a)
    back[:, :, sigma] = a
    return back


def _written_back(ours: Any, given: Any, kept: np.ndarray,
                  to_ours: Callable[[np.ndarray], np.ndarray]) -> None:
    """A change a layer made in place to ``given``, the converted copy of the caller's array
    ``ours`` (``kept`` as it was before the call), carried back into ``ours``, where
    ``check_case`` looks for it: a conversion's copy must not hide a write into the input."""
    now = np.asarray(to_numpy(given))
    if np.array_equal(now, kept, equal_nan=True) or not isinstance(ours, np.ndarray) or \
            not ours.flags.writeable:
        return
    try:
        ours[...] = to_ours(now)
    except (ValueError, TypeError):    # resized in place: no longer convertible, still changed
        ours[...] = np.nan


def in_convention(case: Case, convention: str | Sequence[int]) -> Case:
    """The case as a layer in another element order loads it: the weights' point axis (``w``
    of the correlations on G, a function on the group like x and y) in ``convention``'s order,
    ``w_theirs[:, :, i] = w[:, :, sigma[i]]``; every other array as it is. ``adapt`` with the
    same convention turns the layer's fields and its weight gradient back.

    Parameters
    ----------
    case : Case
        A conformance case.
    convention : str or sequence of int
        The layer's element order (``groupconv.interop.element_order``).

    Returns
    -------
    Case
        The same case, its weights' point axis in that order.

    Examples
    --------
    >>> from groupconv import conformance, testing
    >>> case = conformance.load(groups=["p4"], kinds=["correlation"])[0]
    >>> theirs = testing.in_convention(case, [0, 3, 2, 1])
    >>> bool((theirs["w"][:, :, 1] == case["w"][:, :, 3]).all())
    True
    """
    if not isinstance(case, Case):
        raise TypeError(f"case must be a groupconv.conformance.Case, got {type(case).__name__}")
    sigma = element_order(convention, get_group(case.group))
    if not _point_weights(case):
        return case
    return replace(case, arrays={**case.arrays, "w": case["w"][:, :, sigma]})


def _check_layout(layout: str) -> None:
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {LAYOUTS}, got {layout!r}")


def adapt(layer: Callable[[Any], Any], case: Case, *, layout: str = "split",
          convention: str | Sequence[int] | None = "groupconv") -> Callable[[np.ndarray], Any]:
    """A layer in another layout and element order, as a function of groupconv's x.

    Parameters
    ----------
    layer : callable
        Takes x in ``layout`` and ``convention`` and returns y there, or (y, vjp) with vjp(dy)
        -> dx or (dx, grads) in the same layout (grads keyed by the case's parameter names,
        shaped as the case's arrays, the weights' point axis in ``convention``'s order: a layer
        in another element order loads ``in_convention(case, convention)``).
    case : Case
        The case the layer was built for.
    layout : str
        One of ``groupconv.interop.LAYOUTS``: "split" (B, C, S, *n), "flat_cs" (B, C·S, *n),
        "flat_sc" (B, S·C, *n), "last_cs" / "last_sc" (channels last, NHWC).
    convention : str, sequence of int or None
        The element order of the point axis (``groupconv.interop.element_order``; None:
        groupconv's own, the default).

    Returns
    -------
    callable
        x (groupconv's layout) -> y, or (y, vjp), in groupconv's layout.

    Examples
    --------
    >>> import groupconv
    >>> from groupconv import conformance, testing
    >>> case = conformance.load(groups=["p4"], kinds=["lifting"])[4]
    >>> def nhwc_layer(x):           # a layer that works channels last, flat C·S
    ...     y = groupconv.lifting_correlation(x.transpose(0, 3, 1, 2), case["w"], "p4",
    ...                                       mode=case.padding)
    ...     return y.reshape(y.shape[0], -1, *y.shape[-2:]).transpose(0, 2, 3, 1)
    >>> testing.check_case(testing.adapt(nhwc_layer, case, layout="last_cs"), case).passed
    True
    """
    _check_layout(layout)
    convention = "groupconv" if convention is None else convention
    group = get_group(case.group)
    sigma = element_order(convention, group)  # refuse a bad convention now, not per call
    points_in, points_out = _spaces(case)

    def weights_to_ours(grads: Any) -> Any:
        """The weight gradient's point axis back in groupconv's order."""
        if not isinstance(grads, Mapping) or "w" not in grads or not _point_weights(case):
            return grads
        g = np.asarray(to_numpy(grads["w"]))
        if g.ndim < 3 or g.shape[2] != len(sigma):
            return grads                          # (compared, and refused, as it is)
        return {**grads, "w": _point_axis_back(g, sigma)}

    def wrapped(x):
        theirs = _to_theirs(np.asarray(x), points_in, layout, convention, group)
        kept = np.array(theirs, copy=True)
        result = layer(theirs)
        _written_back(x, theirs, kept, lambda a: _to_ours(a, points_in, layout, convention,
                                                          group))
        if not isinstance(result, tuple):
            return _in_bfloat16_as(_to_ours(result, points_out, layout, convention, group),
                                   result)
        y, vjp = result

        def our_vjp(dy):
            dy_theirs = _to_theirs(np.asarray(dy), points_out, layout, convention, group)
            kept_dy = np.array(dy_theirs, copy=True)
            back = vjp(dy_theirs)
            _written_back(dy, dy_theirs, kept_dy, lambda a: _to_ours(
                a, points_out, layout, convention, group))
            dx, grads = back if isinstance(back, tuple) else (back, {})
            return _to_ours(dx, points_in, layout, convention, group), weights_to_ours(grads)
        return _in_bfloat16_as(_to_ours(y, points_out, layout, convention, group), y), our_vjp
    wrapped.convention = convention           # what check_case says a found order in
    wrapped.autograd = getattr(layer, "autograd", None)    # torch_layer's, jax_layer's
    return wrapped


#: A layer's parameter names that load a case's array by default, by the case's key (batch
#: normalisation's "gamma" and "beta" on its cases; the weights and bias elsewhere): the names
#: of torch ("weight", "bias"), flax ("kernel", "scale") and the case's own.
_DEFAULT_NAMES = {"w": ("weight", "kernel", "w"), "b": ("bias", "b"),
                  "gamma": ("weight", "scale", "gamma"), "beta": ("bias", "beta"),
                  "running_mean": ("running_mean", "mean"),
                  "running_var": ("running_var", "var")}

#: The case's arrays that are statistics, not parameters: loaded (torch's buffers, flax's
#: batch_stats), never trained (no gradient of theirs is compared)
_STATISTICS = ("running_mean", "running_var")


#: What each of the case's parameters is, in words.
_ARRAY_NAMES = {"w": "weights", "b": "bias", "gamma": "scale", "beta": "shift",
                "running_mean": "running mean", "running_var": "running variance"}


def _default_spec(case: Case, names: Iterable[str], library: str,
                  given: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The layer's parameters (dotted names) that load the case's arrays: ``given`` (name ->
    key or (key, to_theirs, to_ours)), and for each key the case has that it does not load,
    by default the name whose last part is one of ``_DEFAULT_NAMES``' (one each; a name of the
    module's own, without a dot, before those of its submodules; none named in ``given``)."""
    if given is not None and not isinstance(given, Mapping):
        raise TypeError(f"params must be a mapping of the layer's parameter names to the "
                        f"case's keys ('w', 'b', ...) or (key, to_theirs, to_ours), got "
                        f"{described(given)}")
    given = dict(given or {})
    for name, item in given.items():
        if not (isinstance(item, str) or isinstance(item, tuple) and len(item) == 3 and
                isinstance(item[0], str) and all(f is None or callable(f) for f in item[1:])):
            raise TypeError(f"params: {name!r} must map to one of the case's keys ('w', 'b', "
                            f"...) or to (key, to_theirs, to_ours), two functions or None, got "
                            f"{described(item)}")
    loaded = {item if isinstance(item, str) else item[0] for item in given.values()}
    names = [name for name in names if name not in given]
    keys = ("gamma", "beta") + _STATISTICS if case.kind == "batchnorm" else ("w", "b")
    spec: dict[str, Any] = dict(given)
    for key in (k for k in keys if k in case.arrays and k not in loaded):
        found = [name for name in names if name.rsplit(".", 1)[-1] in _DEFAULT_NAMES[key]]
        top = [name for name in found if "." not in name]     # the module's own, first
        found = top if len(top) == 1 else found
        if len(found) > 1:
            raise ValueError(f"params: the {library} parameters {found} could each load the "
                             f"case's {key!r}: name the one that does, params={{name: "
                             f"{key!r}}}")
        spec.update({found[0]: key} if found else {})
    return spec


def _regrouped(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    """Whether shapes a and b (of one size) split or merge neighbouring axes of one array in
    the same order, as a reshape that keeps its meaning does: their running products, taken
    together, each divide the next ((C, S·k) and (C·S, k) do; (2, 3) and (3, 2) do not)."""
    marks = sorted({math.prod(a[:i]) for i in range(len(a) + 1)} |
                   {math.prod(b[:i]) for i in range(len(b) + 1)})
    return 0 in marks or all(q % p == 0 for p, q in zip(marks, marks[1:]))


def _plan(case: Case, sigma: Sequence[int], shapes: Mapping[str, tuple[int, ...]],
          spec: Mapping[str, str | tuple[str, Callable, Callable]], library: str
          ) -> dict[str, tuple[str, np.ndarray, Callable[[np.ndarray], np.ndarray]]]:
    """For each parameter of the layer that ``spec`` names (its name -> the case's key, or
    (key, to_theirs, to_ours)): (the key, the case's array in the parameter's shape and the
    layer's element order, and the function that takes the parameter's gradient back to the
    case's array): the loading of ``torch_layer`` and ``jax_layer``."""
    loaded = {item if isinstance(item, str) else item[0] for item in spec.values()}
    unknown = sorted(key for key in loaded if key not in case.arrays)
    if unknown:          # (said first: the arrays it was meant to load are then missed too)
        raise ValueError(f"params: the case has no array {unknown[0]!r}; it has "
                         f"{sorted(case.arrays)}")
    for key in (k for k in _DEFAULT_NAMES if k in case.arrays and k not in loaded):
        # (its own random weights would be judged; a layer without a bias told of its vjp)
        torch = library == "torch"        # (torch_layer loads buffers on batch norm cases)
        buffers = torch and case.kind == "batchnorm"
        not_buffers = ", and only parameters are loaded, not buffers" * (torch and not buffers)
        raise ValueError(f"params: none of the {library} layer's "
                         f"{'parameters and buffers' if buffers else 'parameters'} "
                         f"takes the case's {_ARRAY_NAMES[key]} {key!r} (it has "
                         f"{sorted(shapes) or 'none'}; by default one named "
                         f"{' or '.join(_DEFAULT_NAMES[key])}{not_buffers}"
                         f"): name yours, params={{name: {key!r}}}"
                         + (", or test a layer without a bias on the cases without one"
                            if key == "b" else "")
                         + (" (the case is in evaluation mode: its layer normalises with these "
                            "running statistics, not the batch's)" if key in _STATISTICS
                            else ""))
    plan = {}
    for name, item in spec.items():
        key, to_theirs, to_ours = (item, None, None) if isinstance(item, str) else item
        if name not in shapes:
            raise ValueError(f"params: the {library} layer has no parameter {name!r}; it has "
                             f"{sorted(shapes)}")
        if key not in case.arrays:
            raise ValueError(f"params: the case has no array {key!r}; it has "
                             f"{sorted(case.arrays)}")
        ours = case[key]
        point_weights = key == "w" and _point_weights(case)
        value = ours[:, :, sigma] if point_weights else ours
        value = np.asarray(to_theirs(value) if to_theirs else value)
        if value.size != math.prod(shapes[name]):
            size, s = math.prod(shapes[name]), case.arrays["y"].shape[2]
            per_element = (f": one {_ARRAY_NAMES[key]} value per channel and point element? "
                           f"An equivariant layer has one per channel, shared by the channel's "
                           f"{s} samples (values that differ between them are not "
                           f"equivariant)" if key in ("b", "gamma", "beta") + _STATISTICS and
                           s > 1 and size == ours.size * s else "")
            converted = "" if value.shape == ours.shape else \
                f", {value.shape} ({value.size}) once converted by to_theirs"
            raise ValueError(f"params: parameter {name!r} has shape {tuple(shapes[name])} "
                             f"({size} values); the case's {key!r} has "
                             f"shape {ours.shape} ({ours.size}){converted}{per_element}")
        if not _regrouped(value.shape, tuple(shapes[name])):
            raise ValueError(f"params: parameter {name!r} has shape {tuple(shapes[name])}, the "
                             f"case's {key!r} {value.shape}: as many values, but no reshape "
                             f"of one is the other (axes in another order, such as flax's "
                             f"(*k, C_in, C_out) or (C_in, C_out, *k)?): give the conversion, "
                             f"{{{name!r}: ({key!r}, to_theirs, to_ours)}}")

        def back(g, to_ours=to_ours, point_weights=point_weights, shape=ours.shape,
                 name=name, key=key):
            if to_ours is None:
                g = g.reshape(shape)
            else:
                try:
                    g = np.asarray(to_ours(g))
                except Exception as error:
                    raise _ConversionError(
                        f"params: the to_ours of {name!r} raised {type(error).__name__}: {error} "
                        f"(given {name!r}'s gradient, shape {tuple(g.shape)}, it returns the "
                        f"case's {key!r}, shape {shape})") from error
                if tuple(g.shape) != tuple(shape):
                    raise _ConversionError(
                        f"params: the to_ours of {name!r} returned shape {tuple(g.shape)}; "
                        f"the case's {key!r} has shape {shape}")
            return _point_axis_back(g, sigma) if point_weights else g
        plan[name] = (key, np.ascontiguousarray(value).reshape(tuple(shapes[name])), back)
    return plan


class _ConversionError(ValueError):
    """A conversion given in ``params=`` (its ``to_ours``) failed: the checking's own plumbing,
    said as such, not as the layer's error."""


def torch_layer(module: Any, case: Case,
                params: Mapping[str, str | tuple[str, Callable, Callable]] | None = None, *,
                layout: str = "split", convention: str | Sequence[int] | None = "groupconv",
                dtype: Any = None) -> Callable[[np.ndarray], Any]:
    """A torch module as a layer for ``case``: the case's parameters loaded into it, its
    output and its autograd gradients in groupconv's layout.

    Parameters
    ----------
    module : torch.nn.Module
        The layer under test (on a batch normalisation case put in the case's mode,
        ``module.train(case.options["training"])``).
    case : Case
        The case.
    params : mapping, optional
        The module's parameter names (dotted, as ``named_parameters`` gives them) -> the case's
        array ("w", "b", "gamma", "beta"), loaded by reshaping (the same number of values in
        the same order; a shape that is no reshape of the case's, axes in another order, is
        refused) after the weights' point axis is put in ``convention``'s order; or ->
        (key, to_theirs, to_ours), two functions of NumPy arrays for another layout. Default:
        "weight" -> "w" and "bias" -> "b" (for batch normalisation "gamma" and "beta", and in
        evaluation mode its buffers "running_mean" and "running_var"), those the module and
        the case both have. A case with weights needs a parameter that takes them (buffers
        are loaded for the running statistics only).
    layout, convention
        As in ``adapt``: the module's layout of inputs and outputs and its element order.
    dtype : torch.dtype, optional
        The dtype to compute in (default: the module's first parameter's, else float32).

    Returns
    -------
    callable
        x -> (y, vjp), in groupconv's layout.

    Examples
    --------
    >>> import pytest
    >>> torch = pytest.importorskip("torch")
    >>> from groupconv import conformance, testing
    >>> case = conformance.load(groups=["p4"], kinds=["subgroup_pool"])[0]
    >>> class MaxOverRotations(torch.nn.Module):
    ...     def forward(self, x):
    ...         return x.amax(dim=2)
    >>> testing.check_case(testing.torch_layer(MaxOverRotations(), case), case).errors
    {'y': 0.0, 'dx': 0.0}
    """
    import torch

    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}")
    if not isinstance(case, Case):
        raise TypeError(f"case must be a groupconv.conformance.Case, got {type(case).__name__}")
    _check_layout(layout)
    convention = "groupconv" if convention is None else convention
    group = get_group(case.group)
    sigma = element_order(convention, group)
    named = dict(module.named_parameters())
    # (batch normalisation's running statistics are buffers: loaded, not trained)
    loadable = {**named, **dict(module.named_buffers())} if case.kind == "batchnorm" else named
    plan = _plan(case, sigma, {name: tuple(p.shape) for name, p in loadable.items()},
                 _default_spec(case, loadable, "torch", params), "torch")
    trained = {name: item for name, item in plan.items() if item[0] not in _STATISTICS}
    buffer = next((name for name in trained if name not in named), None)
    if buffer is not None:                 # (refused before anything is loaded into it)
        raise ValueError(f"params: the module's {buffer!r}, which takes the case's "
                         f"{_ARRAY_NAMES[trained[buffer][0]]} {trained[buffer][0]!r}, is a "
                         f"buffer, not a parameter: it would never train (a parameter: "
                         f"torch.nn.Parameter)")
    for name, (_, value, _) in plan.items():
        with torch.no_grad():
            loadable[name].copy_(torch.as_tensor(value, dtype=loadable[name].dtype))
    if case.kind == "batchnorm":        # the case's mode: the batch's or the running statistics
        module.train(case.options["training"])
    first = next(iter(named.values()), None)
    dtype = dtype or (first.dtype if first is not None else torch.float32)
    device = first.device if first is not None else "cpu"
    points_in, points_out = _spaces(case)

    frozen = [name for name in trained if not named[name].requires_grad]

    def layer(x):
        theirs = _to_theirs(np.asarray(x), points_in, layout, convention, group)
        xt = torch.tensor(np.ascontiguousarray(theirs), dtype=dtype, device=device,
                          requires_grad=True)
        kept = to_numpy(xt).copy()   # (bfloat16 as float32: NumPy has none)
        yt = module(xt)
        if not isinstance(yt, torch.Tensor):
            raise TypeError(f"the module returned {described(yt)}, not a tensor: wrap it so "
                            f"that it returns the layer's output alone")
        _written_back(x, xt.detach(), kept, lambda a: _to_ours(a, points_in, layout,
                                                               convention, group))

        def vjp(dy):
            dyt = torch.as_tensor(np.ascontiguousarray(_to_theirs(
                np.asarray(dy), points_out, layout, convention, group)), dtype=yt.dtype,
                device=yt.device)
            kept_dy = to_numpy(dyt).copy()
            if frozen:
                raise RuntimeError(f"the module's parameter {frozen[0]!r} does not require "
                                   f"grad (requires_grad=False): it would never train")
            grads = torch.autograd.grad(yt, [xt] + [named[name] for name in trained],
                                        grad_outputs=dyt, retain_graph=True, allow_unused=True)
            _written_back(dy, dyt, kept_dy, lambda a: _to_ours(a, points_out, layout,
                                                               convention, group))
            out = {}
            for (name, (key, _, back)), g in zip(trained.items(), grads[1:]):
                if g is None:          # detached, or not used: it would never train
                    raise RuntimeError(f"the module's parameter {name!r} gets no gradient "
                                       f"(detached, or not used in forward)")
                out[key] = back(to_numpy(g))
            dx = grads[0]
            dx = np.zeros(np.shape(theirs)) if dx is None else to_numpy(dx)
            return _to_ours(dx, points_in, layout, convention, group), out

        return _in_bfloat16_as(_output_to_ours(to_numpy(yt), points_out, layout, convention,
                                               group, "module", case.arrays["y"].shape),
                               yt), vjp
    layer.convention = convention             # what check_case says a found order in
    layer.autograd = "torch"                  # (its gradients are autograd's: said so)
    return layer


def _output_to_ours(y: np.ndarray, points: bool, layout: str,
                    convention: str | Sequence[int], group: Any, what: str,
                    expected: tuple[int, ...]) -> np.ndarray:
    """The wrapped layer's output in groupconv's layout, or a ValueError that says which
    output did not fit the layout (not groupconv's conversion's own words; an output that is
    the ``expected`` (B, C, S, *n) with its C·S channels at the other end is asked whether it
    has them there)."""
    try:
        return _to_ours(y, points, layout, convention, group)
    except ValueError as error:
        shape = tuple(np.shape(y))
        point = " (has it no point axis, or does it sum over it?)" if points else ""
        if points and layout != "split" and len(shape) == len(expected) - 1:
            b, c, s, spatial = expected[0], expected[1], expected[2], tuple(expected[3:])
            flat = (b, c * s) + spatial
            last = (b,) + spatial + (c * s,)
            other = "last" if layout.startswith("flat") and shape == last else \
                "flat" if layout.startswith("last") and shape == flat else None
            if other is not None:             # the channels sit at the other end
                where = "last axis" if other == "last" else "axis 1"
                point = (f" (its {where} has {c * s} = {c}·{s} values: are its channels "
                         f"{'last' if other == 'last' else 'first'}? then pass "
                         f"layout='{other}_cs' or '{other}_sc')")
        raise ValueError(f"the {what}'s output, of shape {shape}, is not a field "
                         f"in the layout {layout!r}{point}: {error}") from None


def _leaves(tree: Mapping, prefix: str = "") -> Iterable[tuple[str, Any]]:
    """(dotted path, leaf) of nested mappings (flax's {"params": {"conv": {"kernel": ...}}})."""
    for key, value in tree.items():
        if isinstance(value, Mapping):
            yield from _leaves(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}", value


def _replaced(tree: Mapping, values: Mapping[str, Any], prefix: str = "") -> dict:
    """The nested mappings as dicts, the leaves at the paths of ``values`` replaced."""
    return {key: _replaced(value, values, f"{prefix}{key}.") if isinstance(value, Mapping)
            else values.get(f"{prefix}{key}", value) for key, value in tree.items()}


def jax_layer(apply: Callable[[Any, Any], Any], params: Mapping, case: Case,
              names: Mapping[str, str | tuple[str, Callable, Callable]] | None = None, *,
              layout: str = "split", convention: str | Sequence[int] | None = "groupconv",
              dtype: Any = None, jit: bool = True) -> Callable[[np.ndarray], Any]:
    """A JAX function ``apply(params, x) -> y`` as a layer for ``case``: the case's parameters
    loaded into a copy of ``params``, its output and its gradients (``jax.vjp``, under
    ``jax.jit``) in groupconv's layout. The JAX counterpart of ``torch_layer``: flax's
    ``module.apply`` with its variables, haiku's transformed ``apply``, or a function of your
    own.

    Parameters
    ----------
    apply : callable
        (params, x) -> y, x and y in ``layout`` and ``convention``; a pure function of JAX
        arrays (flax's batch norm in training mode: ``lambda v, x: module.apply(v, x,
        mutable=["batch_stats"])[0]``).
    params : mapping
        The parameters as ``apply`` takes them (nested mappings of arrays, such as flax's
        variables): their shapes and the leaves not loaded from the case.
    case : Case
        The case.
    names : mapping, optional
        The parameters' dotted paths through ``params`` ("params.conv.kernel") -> the case's
        array ("w", "b", "gamma", "beta"), loaded by reshaping after the weights' point axis is
        put in ``convention``'s order; or -> (key, to_theirs, to_ours), two functions of NumPy
        arrays for another layout (flax's kernels are (*k^d, C_in, C_out): ``("w", lambda w:
        np.moveaxis(w.reshape(w.shape[0], -1, k, k), (0, 1), (-1, -2)), ...)``). Default:
        the leaves named "kernel", "weight" or "w" -> "w" and "bias" or "b" -> "b" ("scale" or
        "weight" -> "gamma" and "bias" -> "beta" for batch normalisation), those the case has.
    layout, convention
        As in ``adapt``: the layer's layout of inputs and outputs and its element order.
    dtype : optional
        The dtype to compute in (default: the first loaded parameter's where it is a float,
        else JAX's default float, float32, or float64 after
        ``jax.config.update("jax_enable_x64", True)``, which float64 needs).
    jit : bool
        Compile the forward and the backward with ``jax.jit`` (False: eagerly, to debug).

    Returns
    -------
    callable
        x -> (y, vjp), in groupconv's layout.

    Examples
    --------
    >>> import pytest
    >>> jax = pytest.importorskip("jax")
    >>> import groupconv
    >>> from groupconv import conformance, testing
    >>> case = conformance.load(groups=["p4"], kinds=["lifting"])[0]
    >>> def apply(params, x):          # groupconv's own correlation, on JAX arrays
    ...     return groupconv.lifting_correlation(x, params["w"], "p4", mode=case.padding)
    >>> layer = testing.jax_layer(apply, {"w": case["w"]}, case)
    >>> testing.check_case(layer, case).passed
    True
    """
    import jax
    import jax.numpy as jnp

    if not callable(apply):
        raise TypeError(f"apply must be a callable (params, x) -> y, got "
                        f"{type(apply).__name__}")
    if not isinstance(params, Mapping):
        raise TypeError(f"params must be a mapping of the layer's parameters (nested mappings "
                        f"of arrays), got {type(params).__name__}")
    if not isinstance(case, Case):
        raise TypeError(f"case must be a groupconv.conformance.Case, got {type(case).__name__}")
    _check_layout(layout)
    jit = flag(jit, "jit")
    convention = "groupconv" if convention is None else convention
    group = get_group(case.group)
    sigma = element_order(convention, group)
    leaves = dict(_leaves(params))
    shapes = {name: tuple(np.shape(leaf)) for name, leaf in leaves.items()}
    plan = _plan(case, sigma, shapes,
                 _default_spec(case, leaves, "JAX", names), "JAX")
    first = next(iter(plan), None)
    found = jnp.asarray(leaves[first]).dtype if first is not None else None
    # (integer parameters compute in JAX's default float: a gradient of integers is float0)
    dtype = dtype or (found if found is not None and jnp.issubdtype(found, jnp.floating)
                      else jnp.result_type(float))
    tree = _replaced(params, {name: jnp.asarray(value, dtype=dtype)
                              for name, (_, value, _) in plan.items()})
    points_in, points_out = _spaces(case)

    def pullback(p, a, d):
        return jax.vjp(apply, p, a)[1](d)
    forward, backward = (jax.jit(apply), jax.jit(pullback)) if jit else (apply, pullback)

    def layer(x):
        theirs = jnp.asarray(_to_theirs(np.asarray(x), points_in, layout, convention, group),
                             dtype=dtype)
        y = forward(tree, theirs)

        def vjp(dy):
            grads, dx = backward(tree, theirs, jnp.asarray(_to_theirs(
                np.asarray(dy), points_out, layout, convention, group), dtype=y.dtype))
            flat = dict(_leaves(grads))
            out = {key: back(np.asarray(flat[name])) for name, (key, _, back) in plan.items()
                   if key not in _STATISTICS}           # (statistics are not trained)
            return _to_ours(np.asarray(dx), points_in, layout, convention, group), out

        return _output_to_ours(np.asarray(y), points_out, layout, convention, group,
                               "function", case.arrays["y"].shape), vjp
    layer.convention = convention             # what check_case says a found order in
    layer.autograd = "JAX"                    # (its gradients are jax.vjp's: said so)
    return layer


# ------------------------------------------------------------------ comparing
def _on_domain(a: np.ndarray, case: Case) -> np.ndarray:
    """a with the cells outside the hexagon zeroed (hexagonal groups), else a itself."""
    group = get_group(case.group)
    if group.lattice != "hexagonal" or a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        return a
    return np.where(domain_mask(group, a.shape[-2:]), a, 0.0)


def _allowed(case: Case, dtype: Any, exact: bool) -> float:
    if exact and case.exact:
        return 0.0
    return max(case.tolerance, 0.0 if exact else tolerance_for(dtype))


def check_case(layer: Callable[[Any], Any], case: Case, *, exact: bool = False,
               diagnose: bool = True, convention: str | Sequence[int] | None = None
               ) -> CaseResult:
    """Run ``layer`` on the case's x and compare its output (and, where it returns a vjp,
    dx and the parameters' gradients for the case's dy) with the case's.

    Parameters
    ----------
    layer : callable
        x -> y or (y, vjp) (see the module docstring), x in groupconv's layout.
    case : Case
        A conformance case.
    exact : bool
        Ask for bit-for-bit equality on the exact cases.
    diagnose : bool
        On a mismatch, look for the mistake that explains it (the probes call ``layer``
        again).
    convention : str or sequence of int, optional
        The element order ``layer`` was adapted from: an element order the diagnosis finds is
        then said in that convention's terms, the order to pass instead. Default: the one
        ``adapt`` or ``torch_layer`` recorded on the layer they made.

    Returns
    -------
    CaseResult

    Examples
    --------
    >>> import groupconv
    >>> from groupconv import conformance, testing
    >>> case = conformance.load(groups=["p4"], kinds=["lifting"])[0]
    >>> layer = lambda x: groupconv.lifting_correlation(x, case["w"], "p4", mode=case.padding)
    >>> testing.check_case(layer, case, exact=True)
    p4-lifting-k1-p0: agrees (y 0.0e+00)
    """
    if not callable(layer):
        raise TypeError(f"layer must be a function of x (what the factory returns), got "
                        f"{type(layer).__name__}")
    if not isinstance(case, Case):
        raise TypeError(f"case must be a groupconv.conformance.Case, got {type(case).__name__}")
    exact, diagnose = flag(exact, "exact"), flag(diagnose, "diagnose")
    if convention is not None:       # checked now, not only where a diagnosis reads it
        element_order(convention, get_group(case.group))
    x = case["x"]
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(layer, torch.nn.Module):
        return CaseResult(case, False, {}, 0.0, "your layer is a torch module, called on NumPy "
                          "arrays with its own parameters: wrap it with groupconv.testing."
                          "torch_layer(module, case, layout=...), which loads the case's "
                          "parameters into it and converts arrays and layouts")
    try:
        result = layer(x)
    except Exception as error:           # the layer's own error: a failing case, said so
        return CaseResult(case, False, {}, 0.0, f"your layer raised {type(error).__name__}: "
                          f"{error}{_conversion_hint(error) or _layout_hint(error)}")
    if _changed(x, case.arrays["x"]):
        return CaseResult(case, False, {}, 0.0, _IN_PLACE.format("x"))
    if isinstance(result, tuple) and (len(result) != 2 or not callable(result[1])):
        return CaseResult(case, False, {}, 0.0, f"your layer returned {described(result)}: "
                          f"return y, or (y, vjp) with vjp a function of dy")
    y, vjp = result if isinstance(result, tuple) else (result, None)
    if _is_array(y):
        wrong = _not_real(y)
        if wrong is not None:
            return CaseResult(case, False, {"y": float("inf")}, 0.0, f"your layer {wrong}")
    dtype = getattr(y, "dtype", np.float64)
    tol = _allowed(case, dtype, exact)
    got = _on_domain(np.asarray(to_numpy(y), np.float64), case) if _is_array(y) else y
    errors = {"y": _error(got, case["y"], exact and case.exact)}
    if _is_array(got) and not np.all(np.isfinite(got)):
        bad = int(np.count_nonzero(~np.isfinite(got)))
        return CaseResult(case, False, {"y": float("inf")}, tol, f"your layer's output holds "
                          f"{bad} NaN or infinite values of {np.size(got)}, where every "
                          f"expected value is finite")
    again = _second_call(layer, x, got, tol, case)
    if again is not None:
        return CaseResult(case, False, errors, tol, again)
    gradients: dict[str, np.ndarray] = {}
    if vjp is not None and "dy" in case.arrays and _is_array(got) and \
            np.shape(got) == case.arrays["y"].shape:   # (else the output's shape is the news)
        dy = case["dy"]
        try:
            back = vjp(dy)
        except Exception as error:       # the layer's own error: a failing case, said so
            errors["dx"] = float("inf")
            said = f"{error}" if isinstance(error, _ConversionError) else \
                f"your vjp raised {type(error).__name__}: {error}"
            return CaseResult(case, False, errors, tol, said)
        if _changed(dy, case.arrays["dy"]) or _changed(x, case.arrays["x"]):
            errors["dx"] = float("inf")
            which = "dy" if _changed(dy, case.arrays["dy"]) else "x"
            return CaseResult(case, False, errors, tol, _IN_PLACE.format(which))
        dx, grads = back if isinstance(back, tuple) and len(back) == 2 else (back, {})
        unknown = [key for key in grads if _GRADIENTS.get(key) not in case.arrays] \
            if isinstance(grads, Mapping) else []
        if unknown:
            return CaseResult(case, False, errors, tol, f"the vjp returned gradients for "
                              f"{unknown}: name them as the case's parameters "
                              f"{[k for k in _GRADIENTS if k in case.arrays]}")
        if isinstance(dx, tuple) or not isinstance(grads, Mapping) or not _is_array(dx) or \
                not all(_is_array(g) for g in grads.values()):
            errors["dx"] = float("inf")
            return CaseResult(case, False, errors, tol, f"your vjp returned "
                              f"{described(back)}: return dx, or (dx, {{name: gradient}}) "
                              f"with arrays")
        missing = [key for key in _GRADIENTS if key in case.arrays and key not in grads]
        if grads and missing:          # some parameters' gradients, not all of them
            errors.update({_GRADIENTS[key]: float("inf") for key in missing})
            return CaseResult(case, False, errors, tol, f"your vjp gives no gradient for "
                              f"{', '.join(missing)}: a parameter without one does not train "
                              f"(is it detached, or left out of the returned dict?)")
        gradients = {"dx": dx, **{_GRADIENTS[key]: g for key, g in grads.items()}}
        gradients = {key: _on_domain(np.asarray(to_numpy(g), np.float64), case)
                     for key, g in gradients.items()}
        shaped = next((key for key, g in gradients.items()
                       if g.shape != case.arrays[key].shape), None)
        if shaped is not None:
            errors[shaped] = float("inf")
            return CaseResult(case, False, errors, tol, f"your vjp's {shaped} has shape "
                              f"{gradients[shaped].shape}; it must have the shape of "
                              f"{'x' if shaped == 'dx' else shaped[1:]}, "
                              f"{case.arrays[shaped].shape}")
        errors.update({key: _error(g, case[key], exact and case.exact)
                       for key, g in gradients.items()})
    passed = all(e <= tol for e in errors.values())
    diagnosis = None
    if not passed:
        declared = convention if convention is not None else \
            getattr(layer, "convention", None)
        diagnosis = _diagnose(layer, case, got, errors, tol, gradients if vjp else {},
                              declared) \
            if diagnose else ", ".join(f"{k} differs by {v:.1e}" for k, v in errors.items()
                                       if v > tol)
    return CaseResult(case, passed, errors, tol, diagnosis)


def _conversion_hint(error: BaseException) -> str:
    """" (...)" where the error was raised in groupconv's own conversion of layouts or element
    orders (``adapt``, ``torch_layer``), not in the layer: a conversion done twice?"""
    frames = traceback.extract_tb(error.__traceback__)
    here = pathlib.Path(__file__)

    def converting(frame: traceback.FrameSummary) -> bool:
        return pathlib.Path(frame.filename) == here and frame.name in ("_to_theirs", "_to_ours")

    def interop(frame: traceback.FrameSummary) -> bool:
        path = pathlib.Path(frame.filename)
        return path.name == "interop.py" and path.parent == here.parent.parent

    # raised in interop, called by this module's conversion (not by the user's layer)
    inner = len(frames)
    while inner and interop(frames[inner - 1]):
        inner -= 1
    if inner < len(frames) and inner and converting(frames[inner - 1]):
        return (" (raised by groupconv's conversion of layouts or element orders around your "
                "layer, not by the layer: is it converted twice, by --layout or --convention "
                "and by the factory's own adapt or torch_layer?)")
    return ""


def _layout_hint(error: BaseException) -> str:
    """" (...)" where the layer's error speaks of shapes: it may read another layout than the
    one it was given (channels last, the point axis first)."""
    said = f"{type(error).__name__} {error}".lower()
    if "shape" not in said and "size" not in said and "dimension" not in said:
        return ""
    frames = traceback.extract_tb(error.__traceback__)
    ours = pathlib.Path(__file__).parent.parent
    if frames and pathlib.Path(frames[-1].filename).is_relative_to(ours):
        return ""        # groupconv's own conversion raised it, and said what it knows
    return (" (a shape your layer did not expect: does it take another layout? torch_layer, "
            "jax_layer and adapt take layout=, one of " + ", ".join(map(repr, LAYOUTS)) +
            " ('last_cs': channels last, as flax's); groupconv conformance --check names the "
            "layout in which the failing cases agree)")


def _second_call(layer, x: np.ndarray, got: Any, tol: float, case: Case) -> str | None:
    """A sentence when the layer, called again on the same x, gives another output (weights
    changed in place, state kept between calls, randomness), or None; compared where the
    first was (on the hexagon, on the hexagonal lattice)."""
    if not _is_array(got):
        return None
    try:
        result = layer(x.copy())
        y = result[0] if isinstance(result, tuple) else result
        again = _on_domain(np.asarray(to_numpy(y), np.float64), case)
    except Exception as error:       # the layer's own error, on its second call
        return (f"your layer raised {type(error).__name__} when called a second time on the "
                f"same input ({error}): does it keep state between calls?")
    if again.shape != np.shape(got) or relative_error(again, got) > tol:
        return ("your layer gives another output when called a second time on the same input: "
                "does it change its weights in place (w *= ..., param.data.mul_), keep state "
                "between calls, or draw random numbers (dropout left in training mode)?")
    return None


_IN_PLACE = ("your layer changes its input {} in place (an operation with out=, +=, or an "
             "assignment into it): the caller's array is altered; work on a copy")


def _changed(given: np.ndarray, original: np.ndarray) -> bool:
    """Whether a layer wrote into the copy ``given`` of the case's ``original``."""
    return not np.array_equal(given, original, equal_nan=True)


def _not_real(y: Any) -> str | None:
    """What is wrong with a result that should be an array of real numbers, or None."""
    try:
        a = to_numpy(y) if hasattr(y, "shape") else np.asarray(y)
    except (TypeError, ValueError) as error:
        return f"returned {described(y)}, which is not an array ({error})"
    if np.iscomplexobj(a):
        return "returned complex values: the correlations of real inputs are real"
    if a.dtype.kind not in "iuf":
        return f"returned {a.dtype} values: return real numbers"
    return None


def _is_array(a: Any) -> bool:
    """An array of any library (a nested list is not: a layer returns arrays)."""
    return hasattr(a, "shape") and hasattr(a, "dtype")


def _error(got: Any, expected: np.ndarray, exact: bool) -> float:
    if not _is_array(got):
        return float("inf")
    got = np.asarray(got, np.float64)
    if exact:
        return 0.0 if got.shape == expected.shape and np.array_equal(got, expected) \
            else max(relative_error(got, expected), np.finfo(np.float64).tiny)
    return relative_error(got, expected)


# ------------------------------------------------------------------ diagnosing a case
def _diagnose(layer, case: Case, got: Any, errors: dict[str, float], tol: float,
              gradients: dict[str, np.ndarray],
              convention: str | Sequence[int] | None = None) -> str:
    """The mistake that explains a failing case, as far as one case can tell."""
    if errors["y"] <= tol:
        wrong = [k for k, v in errors.items() if not v <= tol]     # NaN too
        notes = [_gradient_note(k, errors[k], gradients.get(k), case[k], tol) for k in wrong]
        if any(_LOW_PRECISION in note for note in notes):
            # the others of that size: the same precision (their values need not be its
            # numbers: a gradient summed in float32 from products of bfloat16 ones)
            notes = [note if not note.endswith(_NOT_ADJOINT) or
                     errors[k] > tolerance_for("bfloat16") else
                     f"{k} differs by {errors[k]:.1e}, of the same size: likely the same low "
                     f"precision" for k, note in zip(wrong, notes)]
        library = getattr(layer, "autograd", None)
        if library and any(note.endswith(_NOT_ADJOINT) for note in notes):
            # (the same cause for each gradient: said once, after the last)
            notes = [note.removesuffix(f": {_NOT_ADJOINT}") for note in notes]
            notes[-1] += (f": {library}'s autograd took the gradients, the adjoint of the "
                          f"forward it recorded, so a part of the computation is likely cut "
                          f"from the graph (a detach(), torch.no_grad(), .data, "
                          f"jax.lax.stop_gradient, a copy of the weights made before the loaded "
                          f"parameter reaches it), or a backward of your own is wrong (an "
                          f"autograd.Function, jax.custom_vjp, or the to_ours of params=)")
        return "the output agrees, the gradients do not: " + "; ".join(notes)
    if not _is_array(got):
        return f"your layer returned {described(got)}, not an array: return y as an array " \
            f"of any library"
    values = np.asarray(to_numpy(got))
    coarse = _precision_note(values.astype(np.float64), np.asarray(case["y"], np.float64),
                             errors["y"], tol, values.dtype) if values.dtype.kind == "f" else None
    if coarse is not None:        # (as check_layer says it)
        return coarse
    if case.kind in CORRELATIONS:
        return _correlation_note(layer, case, np.asarray(got, np.float64), tol, convention)
    return _layer_note(case, np.asarray(got, np.float64), tol)


def _gradient_note(key: str, error: float, got: np.ndarray | None, expected: np.ndarray,
                   tol: float) -> str:
    """How a gradient differs: NaN or infinite values, a constant factor, the rounding of a
    lower precision, or not the adjoint at all."""
    if got is not None and np.issubdtype(got.dtype, np.number) and not np.all(np.isfinite(got)):
        largest = float(np.abs(expected).max(initial=0.0))
        overflow = "" if largest <= float(np.finfo(np.float16).max) or \
            not np.any(np.isinf(got)) else \
            (f" (the expected values reach {largest:,.0f}, past float16's largest, 65,504: a "
             f"step in float16 overflows)")
        return (f"{key} holds {np.count_nonzero(~np.isfinite(got))} NaN or infinite values of "
                f"{got.size}, where every expected value is finite{overflow}")
    if got is not None and got.shape == expected.shape and np.abs(expected).max() > 0:
        zero = (got == 0) & (expected != 0)
        if zero.any() and relative_error(np.where(zero, expected, got), expected) <= 1e-6:
            where = "everywhere" if not np.any(got) else \
                f"in {np.count_nonzero(zero)} of its {got.size} entries where the expected " \
                f"is not, and right elsewhere"
            return (f"{key} is exactly zero {where}: a part of the input or weights cut from "
                    f"the computation's graph (under autograd, a detach(), torch.no_grad(), "
                    f".data or jax.lax.stop_gradient on it), or a gradient left unwritten")
        factor = float(np.sum(got * expected) / np.sum(expected * expected))
        if relative_error(got, factor * expected) <= 1e-6:
            return (f"{key} is {factor_text(factor)} times the expected (a wrong factor or "
                    f"sign)")
    name = _precision_held(got.astype(np.float64), error, tol) if got is not None and \
        got.shape == expected.shape and np.issubdtype(got.dtype, np.floating) else None
    if name is not None:
        return (f"{key}: every value is a {name} number (error {error:.1e}, {name}'s rounding): "
                f"the backward computes in {name} (x, dy or the weights cast to it?)")
    if key == "dx" and got is not None and got.shape == expected.shape and got.shape[0] > 1:
        first = relative_error(got[:1], expected[:1]) <= 1e-6
        if first and relative_error(got[1:], expected[1:]) > 1e-6:
            return (f"{key} agrees on image 0 of the batch but not on the others: does your "
                    f"backward handle a batch (B > 1) image by image?")
    sized = next((name for name in ("float32", "float16", "bfloat16") if
                  tol < tolerance_for(name) and error <= tolerance_for(name)), None)
    # a rounding touches nearly every entry; a wrong entry or two is no precision
    spread = got is not None and got.shape == expected.shape and \
        np.count_nonzero(got != expected) >= 0.5 * np.count_nonzero(expected)
    if sized is not None and np.isfinite(error) and spread:
        # (its values need not be that precision's numbers: rounded kernels' gradients are
        # summed over the bank's copies of each weight in the wider type)
        within, names = ("a 16-bit float's", "float16 or bfloat16") if sized == "float16" \
            else (f"{sized}'s", sized)
        return (f"{key} differs by {error:.1e}, within {within} rounding: likely the backward "
                f"computes in {names} somewhere (the weights, their bank, x or dy cast to it)")
    shape = "" if got is None or got.shape == expected.shape else \
        f" (shape {got.shape}, expected {expected.shape})"
    return f"{key} differs by {error:.1e}{shape}: {_NOT_ADJOINT}"


_NOT_ADJOINT = "the backward pass is not the adjoint of the forward"
_LOW_PRECISION = "the backward computes in"


def _only_y(layer):
    def probe(x):
        result = layer(x)
        return result[0] if isinstance(result, tuple) else result
    return probe


def _correlation_note(layer, case: Case, got: np.ndarray, tol: float,
                      convention: str | Sequence[int] | None = None) -> str:
    group = get_group(case.group)
    tol = max(tol, 1e-9)
    if case.stride > 1 or case.dilation > 1 or case.bias:
        return framed(_variant_note(case, group, got, tol, convention), convention, group)
    findings = explain(got, _only_y(layer), case["x"], case["w"], group, case.kind,
                       case.padding, tolerance=tol)
    square = _square_only(layer, case, tol)
    if square:
        findings.sentences.insert(0, square)
    declared = said_in_convention(findings, convention, group,
                                  Kind.parse(case.kind).reads_group)
    note = _joined(findings.shape, findings.sentences) or findings.unexplained(
        f"differs by {relative_error(got, case['y']):.1e} and agrees with none of the known "
        f"mistakes")
    return note if declared else framed(note, convention, group)


def _joined(shape: list[str], sentences: list[str]) -> str:
    return " / ".join(list(shape) + ([joined_sentences(sentences)] if sentences else []))


def _variant_note(case: Case, group, got: np.ndarray, tol: float,
                  convention: str | Sequence[int] | None = None) -> str:
    """A case with a stride, a dilation or a bias: the usual mistakes under the case's
    settings, and under each setting a layer may have ignored (a bias tiled over the point
    axis in the layer's own element order, where it declares one)."""
    d = group.dim
    per_sample = _bias_per_sample(case, got, tol, convention) if case.bias else None
    if per_sample is not None:
        return per_sample
    bias = "per channel" if case.bias else None
    settings = [("", case.stride, case.dilation, bias)]
    settings += [("your layer ignores the stride", 1, case.dilation, bias)] * (case.stride > 1)
    settings += [(f"your layer keeps one output in {case.stride} starting at {start}, not at 0 "
                  f"(out[i] = full[{case.stride} i + {start}])", (case.stride, start),
                  case.dilation, bias) for start in range(1, case.stride)]
    settings += [("your layer ignores the dilation", case.stride, 1, bias)] * \
        (case.dilation > 1)
    settings += [("your layer ignores the stride and the dilation", 1, 1, bias)] * \
        (case.stride > 1 and case.dilation > 1)
    settings += [("your layer does not add the bias", case.stride, case.dilation, None)] * \
        case.bias
    settings += [("your bias is laid out (S, C): a vector of C_out S values made with "
                  "np.tile(b, S), where the (C, S) layout repeats each channel's bias S times "
                  "(np.repeat(b, S))", case.stride, case.dilation, "tiled")] * \
        (case.bias and case.c_out > 1 and group.samples > 1)
    first = None
    for prefix, stride, dilation, bias in settings:
        b = None if bias is None else case["b"]
        if bias == "tiled":             # (C, S) entry [c, s] of np.tile(b, S), in its order
            b = np.tile(b, group.samples).reshape(b.shape[0], group.samples)
            if convention is not None:   # theirs[:, j] is ours[:, σ[j]]
                b = b[:, np.argsort(element_order(convention, group))]

        def after(a, stride=stride, b=b):
            step, start = stride if isinstance(stride, tuple) else (stride, 0)
            a = a[(Ellipsis,) + (slice(start, None, step),) * d]
            return a if b is None else a + b.reshape(b.shape + (1,) * (a.ndim - 1 - b.ndim))
        w = case["w"]
        dilated = np.zeros(w.shape[:-d] + (dilation * (case.k - 1) + 1,) * d)
        dilated[(Ellipsis,) + (slice(None, None, dilation),) * d] = w
        findings = explain(got, None, case["x"], dilated, group, case.kind, case.padding,
                           tolerance=tol, after=after)
        if first is None:
            first = findings
        sentences = [s for s in findings.sentences if s != "agrees"]
        # (a setting that the output's shape refutes explains nothing: a strided layer's output
        # is every second one of the stride-1 output, not a layer that ignores its stride)
        if prefix and findings.sentences and not findings.shape:
            return prefix + (f"; with that, {_joined([], sentences)}" if sentences else "")
        if not prefix and sentences:
            return _joined(findings.shape, sentences)
    return _joined(first.shape, []) or first.unexplained(
        f"differs by {relative_error(got, case['y']):.1e} and agrees with none of the usual "
        f"mistakes (with this case's stride, dilation and bias; the layer is not probed here, "
        f"so a mistake in how its kernels are turned or its elements ordered is named by the "
        f"cases without a stride, a dilation or a bias)", advice="")


def _bias_per_sample(case: Case, got: np.ndarray, tol: float,
                     convention: str | Sequence[int] | None = None) -> str | None:
    """A sentence where the layer's output is the case's without its bias, plus a constant per
    channel and point sample that differs between the samples (a bias per element; not the
    (S, C) layout, np.tile(b, S), in the layer's element order: ``_variant_note`` names it)."""
    plain = reference(case["x"], case["w"], case.group, case.kind, padding=case.padding,
                      stride=case.stride, dilation=case.dilation)
    if got.shape != plain.shape or got.ndim < 4:
        return None
    added = (got - plain).reshape(got.shape[:3] + (-1,))
    per = added[0, :, :, 0]                               # (C_out, S): the value added
    scale = float(np.abs(case["y"]).max()) or 1.0
    tiled = np.tile(case["b"], per.shape[1]).reshape(per.shape)   # (the (S, C) layout: said
    if convention is not None:
        tiled = tiled[:, np.argsort(element_order(convention, get_group(case.group)))]
    if np.abs(added - per[None, :, :, None]).max() > tol * scale or \
            np.abs(per - per[:, :1]).max() <= tol * scale or \
            np.abs(per - tiled).max() <= tol * scale:     # by _variant_note's settings)
        return None
    c = int(np.argmax(np.ptp(per, axis=1)))
    shown = ", ".join(f"{v:.3g}" for v in per[c, :6]) + (", ..." if per.shape[1] > 6 else "")
    return (f"your layer adds a bias that differs between the point samples (on channel {c}: "
            f"{shown}, where the case's bias is {case['b'][c]:.3g} on every sample): an "
            f"equivariant bias has one value per channel, shared by the channel's "
            f"{per.shape[1]} samples (one that differs between them is not equivariant)")


def _square_only(layer, case: Case, tol: float) -> str | None:
    """A sentence when the layer agrees on a square crop of the case's (non-square) input: on
    squares of both parities (it mixes up the axes), or of one parity only (a centre taken as
    n // 2)."""
    x = case["x"]
    group = get_group(case.group)
    sides = x.shape[x.ndim - group.dim:]
    if len(set(sides)) == 1 or not _agrees_on_square(layer, case, min(sides), tol):
        return None
    for other in (min(sides) - 1, min(sides) + 1):    # a square of the other parity
        if 0 < other <= min(sides):
            agrees = _agrees_on_square(layer, case, other, tol)
            if agrees is False:
                return _parity_sentence((min(sides),) * group.dim, (other,) * group.dim)
            if agrees:
                break
    shape, mixed = axes_mixed(group.dim)
    return f"agrees on {shape} inputs only: on the case's {sides} input your layer {mixed}"


def _agrees_on_square(layer, case: Case, side: int, tol: float) -> bool | None:
    """Whether the layer agrees with the reference on a square (cubic) crop of the case's x of
    ``side`` (None where the reference takes no such input)."""
    x = case["x"]
    group = get_group(case.group)
    square = x[(Ellipsis,) + (slice(0, side),) * group.dim]
    try:
        expected = reference(square, case["w"], group, case.kind, padding=case.padding)
    except ValueError:             # too small for the kernel
        return None
    try:
        got = np.asarray(to_numpy(_only_y(layer)(square)), np.float64)
    except Exception:              # the layer's own errors: it does not agree
        return False
    return relative_error(got, expected) <= tol


def _layer_note(case: Case, got: np.ndarray, tol: float) -> str:
    x = case["x"]
    tol = max(tol, 1e-9)
    candidates = {}
    if case.kind == "subgroup_pool":
        candidates = {f"agrees with the {name} over the point axis where the case asks for "
                      f"the {case.options['reduction']}": f(x, axis=2)
                      for name, f in (("max", np.max), ("mean", np.mean), ("sum", np.sum))
                      if name != case.options["reduction"]}
        candidates["agrees with a pool over the channels (axis 1) where the point axis "
                   "(axis 2) is meant"] = x.max(axis=1) if case.options["reduction"] == "max" \
            else x.mean(axis=1)
    elif case.kind == "spatial_pool":
        other = "mean" if case.options["reduction"] == "max" else "max"
        pool = SpatialPool(case.options["size"], case.options["stride"], other,
                           space=Space.on_group(get_group(case.group)))
        candidates[f"agrees with {other} pooling where the case asks for "
                   f"{case.options['reduction']}"] = np.asarray(pool(x))
    elif case.kind == "batchnorm":
        shape = (1, -1) + (1,) * (x.ndim - 2)
        gamma, beta = case["gamma"].reshape(shape), case["beta"].reshape(shape)
        eps = case.options["eps"]
        per_channel = (0,) + tuple(range(2, x.ndim))

        def normalised(axes, ddof=0, epsilon=eps, outside=False, stats=None):
            mean, var = stats or (x.mean(axis=axes, keepdims=True),
                                  x.var(axis=axes, keepdims=True, ddof=ddof))
            scale = np.sqrt(var) + epsilon if outside else np.sqrt(var + epsilon)
            return gamma * (x - mean) / scale + beta

        defaults = gamma * x / np.sqrt(1 + eps) + beta   # running statistics 0 and 1
        if case.options["training"]:
            candidates = {
                "agrees with statistics per channel and point sample (over the batch and "
                "space): a G-channel shares one mean and variance over its point axis":
                    normalised((0,) + tuple(range(3, x.ndim))),
                "agrees with the unbiased variance (n - 1) where batch normalisation divides "
                "by n": normalised(per_channel, ddof=1),
                "agrees without eps in the square root": normalised(per_channel, epsilon=0.0),
                "agrees with statistics per image (over its point axis and space, not over "
                "the batch): instance normalisation, where batch normalisation shares them "
                "over the batch": normalised(tuple(range(2, x.ndim))),
                "agrees with eps added outside the square root, (x - mean) / (sqrt(var) + "
                "eps), where it is inside: sqrt(var + eps)": normalised(per_channel,
                                                                        outside=True),
                "agrees with the running statistics (evaluation mode) where the case asks "
                "for the batch's (training mode)": defaults}
        else:
            running = (case["running_mean"].reshape(shape), case["running_var"].reshape(shape))
            candidates = {
                "agrees with the batch's statistics (training mode) where the case asks for "
                "the running ones (evaluation mode: the layer normalises with the "
                "running_mean and running_var it was given)": normalised(per_channel),
                "agrees without eps in the square root": normalised((), epsilon=0.0,
                                                                    stats=running),
                "agrees with eps added outside the square root, (x - mean) / (sqrt(var) + "
                "eps), where it is inside: sqrt(var + eps)": normalised((), outside=True,
                                                                        stats=running),
                "agrees with the running statistics' defaults (mean 0, variance 1) where the "
                "case gives its own: are they loaded?": defaults}
    found = [s for s, c in candidates.items() if got.shape == c.shape and
             relative_error(got, c) <= tol]
    if found:
        return "; ".join(found)
    if got.shape != case["y"].shape:
        ceil = ""
        if case.kind == "spatial_pool":
            d = get_group(case.group).dim
            size, stride = case.options["size"], case.options["stride"]
            if got.shape[-d:] == tuple(-(-(n - size) // stride) + 1 for n in x.shape[-d:]):
                ceil = (" (a last window that does not fit is kept: ceil_mode; groupconv drops "
                        "it, as torch's default ceil_mode=False does)")
        return f"your output has shape {got.shape} where the case's is {case['y'].shape}{ceil}"
    return f"differs by {relative_error(got, case['y']):.1e} and agrees with none of the usual " \
           f"mistakes of this layer"


# ------------------------------------------------------------------ many cases
def check_cases(factory: Callable[[Case], Callable[[Any], Any]],
                cases: Iterable[Case] | None = None, *, groups: Sequence[str] | None = None,
                kinds: Sequence[str] | None = None, exact: bool = False,
                diagnose: bool = True, convention: str | Sequence[int] | None = None
                ) -> list[CaseResult]:
    """Build a layer for every case with ``factory`` and check it (``check_case``).

    Parameters
    ----------
    factory : callable
        case -> layer (a function of x; see the module docstring). An error raised by the
        factory fails that case with its message.
    cases : iterable of Case, optional
        Default: the shipped set (``groupconv.conformance.load``).
    groups, kinds : sequence of str, optional
        Keep these groups and kinds only.
    exact, diagnose, convention
        As in ``check_case``.

    Returns
    -------
    list of CaseResult

    Examples
    --------
    >>> import groupconv
    >>> from groupconv import testing
    >>> def factory(case):
    ...     return lambda x: groupconv.lifting_correlation(x, case["w"], case.group,
    ...                                                    mode=case.padding)
    >>> results = testing.check_cases(factory, groups=["p6", "p31m"], kinds=["lifting"])
    >>> len(results), all(r.passed for r in results)
    (8, True)
    """
    if not callable(factory):
        raise TypeError(f"factory must be a function of a case, got {type(factory).__name__}")
    groups = names_given(groups, "check_cases: groups")
    kinds = names_given(kinds, "check_cases: kinds")
    if cases is None:
        cases = load(groups=groups, kinds=kinds)
    else:
        wanted_groups = None if groups is None else {get_group(g).name for g in groups}
        cases = [c for c in cases if (wanted_groups is None or c.group in wanted_groups)
                 and (kinds is None or c.kind in kinds)]
    cases = list(cases)
    if not cases:
        raise ValueError(f"check_cases: no case of groups={groups!r} and kinds={kinds!r} (the "
                         f"shipped set has the wallpaper groups, P4/mmm and P432; write others "
                         f"with groupconv conformance --out)")
    results = []
    for case in cases:
        try:
            layer = factory(case)
        except Exception as error:       # the factory's own error: this case fails, say why
            results.append(CaseResult(case, False, {}, 0.0, f"the factory raised "
                                      f"{type(error).__name__}: {error}"))
            continue
        if not callable(layer):
            results.append(CaseResult(case, False, {}, 0.0, f"the factory returned "
                                      f"{type(layer).__name__}, not a function of x"))
            continue
        results.append(check_case(layer, case, exact=exact, diagnose=diagnose,
                                  convention=convention))
    return results


def assert_layer_matches(layer: Callable[[Any], Any], case: Case, *,
                         exact: bool = False) -> None:
    """Raise an AssertionError that carries the diagnosis unless ``layer`` agrees with the
    case (output, and gradients where the layer returns a vjp).

    Parameters
    ----------
    layer : callable
        x -> y or (y, vjp), built for ``case``.
    case : Case
        A conformance case (the pytest plugin's ``groupconv_case``).
    exact : bool
        Ask for bit-for-bit equality on the exact cases.

    Examples
    --------
    >>> import groupconv
    >>> from groupconv import conformance, testing
    >>> case = conformance.load(groups=["p4"], kinds=["correlation"])[3]
    >>> testing.assert_layer_matches(
    ...     lambda x: groupconv.group_correlation(x, case["w"], "p4", mode=case.padding), case)
    >>> testing.assert_layer_matches(  # doctest: +ELLIPSIS
    ...     lambda x: groupconv.group_convolution(x, case["w"], "p4", mode=case.padding), case)
    Traceback (most recent call last):
    AssertionError: p4-correlation-k3-p0: FAILS: agrees with a G-convolution: ...
    """
    result = check_case(layer, case, exact=exact)
    if not result.passed:
        raise AssertionError(repr(result))
