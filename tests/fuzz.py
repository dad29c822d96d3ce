"""A fuzz of the public API with bad and unusual input, as a hostile user would try it.

Every public function is one entry of ``TARGETS``: the function and one *slot* per argument.
A slot draws either a good value or a hostile one; each hostile value says whether the call
must refuse it (a ValueError or TypeError) or may answer, and whether it is a huge size (which
must be refused before anything is allocated for it). A call's outcome is one of:

    answered      a result, finite wherever every input was finite
    refused       ValueError or TypeError, as the contract says
    wrong-type    any other exception (AttributeError, IndexError, OverflowError, ...)
    accepted-bad  a result although some argument had to be refused
    nan           a non-finite result from finite input
    allocated     a huge size refused only after allocating for it (a MemoryError, or more
                  than ``ALLOCATION_LIMIT`` bytes allocated before the refusal)
    hang          no answer within the time limit

The oracles of the classes: arguments are refused with a ValueError or TypeError (never another
exception), complex arrays are refused everywhere, sizes are checked before allocating, results
of finite input are finite, and every layer's backward checks dy (its shape: no broadcasting;
its dtype: no complex). ``COVERED`` lists the public functions the targets exercise;
tests/test_fuzz.py checks that no public function is left out.

    python tests/fuzz.py --calls 30000 [--seed 0]     # the report: outcomes by class

``tests/test_fuzz.py`` runs the same calls under hypothesis, bounded in time.
"""

from __future__ import annotations

import argparse
import collections
import math
import signal
import sys
import tempfile
import time
import tracemalloc
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

import groupconv
from groupconv import (
    C4, D4, P4, P4M, SE2, Z2, PointGroup, ScaleTranslation, SemidirectProduct, Space, nn,
)
from groupconv import groups as groups_module
from groupconv import hexagonal, interop, literal, modes, viz
from groupconv.fast import (
    LatticeBank, OperatorBank, bank_for, bank_index_map, interpolation, project, transform,
)
from groupconv.feature_maps import FeatureMap, L, box_of, pointwise, relative_error, restrict
from groupconv.images import grace_hopper

#: A refusal after allocating more than this many bytes counts as "allocated".
ALLOCATION_LIMIT = 2**27


@dataclass(frozen=True)
class Value:
    """A drawn argument: the value, whether the call must refuse it, and whether it is a huge
    size (to be refused before allocating)."""

    value: Any
    must_refuse: bool = False
    huge: bool = False


Slot = Callable[[np.random.Generator], Value]

HOSTILE_COMMON = [None, "3", object(), [1, "a"]]


def _pick(rng: np.random.Generator, good: Callable[[], Any], hostile: list[Value],
          p_bad: float = 0.3, common: bool = True) -> Value:
    if hostile and rng.random() < p_bad:
        if common and rng.random() < 0.3:
            return Value(HOSTILE_COMMON[rng.integers(len(HOSTILE_COMMON))], True)
        return hostile[rng.integers(len(hostile))]
    return Value(good())


def integer(lo: int, hi: int, bounded: bool = True) -> Slot:
    """A size or count (``bounded``: values outside lo..hi must be refused) or a coordinate:
    good in lo..hi; hostile: out of range, floats, bools, 2^62, 10^30 (huge sizes)."""
    def draw(rng):
        return _pick(rng, lambda: int(rng.integers(lo, hi + 1)), [
            Value(lo - 1, bounded), Value(-3, bounded and -3 < lo), Value(2.5, True),
            Value(True, True), Value(2**62, True, huge=True), Value(np.int64(lo)),
            Value(10**30, True, huge=True)])
    return draw


def real(lo: float, hi: float) -> Slot:
    def draw(rng):
        return _pick(rng, lambda: float(rng.uniform(lo, hi)), [
            Value(float("inf"), True), Value(float("nan"), True), Value(-1.0, lo > -1.0),
            Value(0.0, lo > 0.0), Value("1.5", True), Value(True, True), Value(1 + 2j, True)])
    return draw


def choice(good: list, hostile: list[Value], common: bool = True) -> Slot:
    def draw(rng):
        return _pick(rng, lambda: good[rng.integers(len(good))], hostile, common=common)
    return draw


def fixed(value: Any) -> Slot:
    """Always the same good value."""
    return lambda rng: Value(value)


def flag() -> Slot:
    """True or False; hostile: strings, ints, None."""
    return choice([True, False], [Value("yes", True), Value(1, True), Value(None, True)],
                  common=False)


def name(good: list[str], typos: list[str]) -> Slot:
    """One of a few names; hostile: typos, other types."""
    return choice(good, [Value(t, True) for t in typos] + [Value(3, True), Value("", True)])


def array(shape: Callable[[np.random.Generator], tuple], dtype=np.float64,
          any_shape: bool = False, common: bool = True) -> Slot:
    """A random array of a shape drawn per call; hostile: complex, strings, objects, empty,
    0-d, wrong rank (refused unless ``any_shape``), int and bool arrays (which may be accepted:
    integers are exact)."""
    rank = not any_shape

    def draw(rng):
        def good():
            return rng.standard_normal(shape(rng)).astype(dtype)
        size = shape(rng)
        return _pick(rng, good, [
            Value(np.ones(size, np.complex64), True), Value(np.full(size, "a"), True),
            Value(np.empty(size, object), True), Value(np.zeros((0,) + size[1:]), False),
            Value(np.float64(1.0), rank), Value(np.ones(size[-1:]), rank),
            Value(rng.integers(-3, 3, size)), Value(np.ones(size, bool)),
            Value(np.ones(size, np.float16)), Value(np.full(size, np.inf)),
            Value(np.ones(size + (1,)), rank), Value(np.ones((1,) * 9), rank)], common=common)
    return draw


def dims(lo: int = 1, hi: int = 3) -> Callable:
    return lambda rng: int(rng.integers(lo, hi + 1))


GROUPS = ["z2", "p4", "p4m", P4, P4M, Z2]
BAD_GROUPS = [Value("p5", True), Value(3, True), Value("", True)]
MODES = ["valid", "same", "full", 0, 1]
BAD_MODES = [Value(-1, True), Value(10**9, True), Value("wrap", True), Value(1.5, True),
             Value(True, True), Value("vaild", True)]
KINDS = ["lifting", "correlation", "convolution"]
BAD_KINDS = [Value("corelation", True), Value(2, True)]


def lifting_input(rng):
    return (int(rng.integers(1, 3)), 2, int(rng.integers(3, 8)), int(rng.integers(3, 8)))


def weights(rng):
    return (2, 2, 3, 3)


def group_input(s):
    return lambda rng: (int(rng.integers(1, 3)), 2, s, int(rng.integers(3, 7)),
                        int(rng.integers(3, 7)))


def group_weights(s):
    return lambda rng: (2, 2, s, 3, 3)


def square(lo: int, hi: int):
    def shape(rng):
        n = int(rng.integers(lo, hi + 1))
        return (n, n)
    return shape


def element(group, interpolated_refused: bool = True) -> Slot:
    """An element of ``group``; hostile: elements of other groups, a tuple, and a rotation by
    45 degrees (refused unless interpolation is allowed)."""
    def draw(rng):
        good = lambda: group.from_parts(int(rng.integers(group.samples)),  # noqa: E731
                                        (int(rng.integers(-3, 4)), int(rng.integers(-3, 4))))[()]
        return _pick(rng, good, [Value(P4M.element(m=1)), Value(SE2(4).element(r=1)),
                                 Value(SE2(8).element(r=1), interpolated_refused),
                                 Value((0, 1), True)])
    return draw


def feature_map(group, planar: bool = False) -> Slot:
    def draw(rng):
        s = group.samples

        def good():
            shape = (2, int(rng.integers(1, 4)), int(rng.integers(1, 4)))
            return FeatureMap(group, rng.standard_normal(shape if s == 1 else
                                                         (shape[0], s) + shape[1:]),
                              origin=(int(rng.integers(-2, 3)), int(rng.integers(-2, 3))))
        return _pick(rng, good, [Value(np.ones((2, 3, 3)), True), Value("f", True)])
    return draw


def point_group() -> Slot:
    return choice([C4, D4, groups_module.C1, groups_module.C6, groups_module.D3],
                  [Value(P4, True), Value("C4", True)])


# ------------------------------------------------------------------ wrappers
def _lifting_on(x, w, n, mode):
    return groupconv.lifting_correlation(x, w, SE2(n), mode=mode)


def _scales(x, w, n, base):
    return groupconv.lifting_correlation(x, w, ScaleTranslation(base, n_scales=n,
                                                                scale_extent=1), mode="same")


def _backward(index: int, dy: str, training: bool):
    """A layer's forward on a good input, then its backward with a dy of the kind drawn:
    "good" (the output's shape, float), "int" (integers: exact, accepted), "broadcast" (a
    leading 1), "size" (the right number of values, flat), "complex", "none"."""
    layer, x = _LAYERS[index]()
    y, cache = layer.forward(x, training)
    grads = {"good": lambda: np.ones(y.shape), "int": lambda: np.ones(y.shape, np.int64),
             "broadcast": lambda: np.ones((1,) + tuple(y.shape[1:])),
             "size": lambda: np.ones(int(np.prod(y.shape))),
             "complex": lambda: np.ones(y.shape, complex), "none": lambda: None}
    dx, param_grads = layer.backward(cache, grads[dy]())
    return (dx,) + tuple(param_grads.values())


_LAYERS: list[Callable[[], tuple[nn.Layer, np.ndarray]]] = [
    lambda: (nn.LiftingConv("p4", 1, 2, 3, dtype=np.float64, rng=0), np.ones((2, 1, 5, 5))),
    lambda: (nn.GroupConv(SE2(4), 2, 2, 3, dtype=np.float64, rng=0), np.ones((2, 2, 4, 5, 5))),
    lambda: (nn.ReLU(), np.ones((2, 3))),
    lambda: (nn.SiLU(), np.ones((2, 3))),
    lambda: (nn.SubgroupPool("max", space=Space.on_group(P4)), np.ones((2, 1, 4, 4, 4))),
    lambda: (nn.SpatialPool(2, space=Space.on_plane(P4)), np.ones((2, 1, 4, 4))),
    lambda: (nn.BatchNorm(1, dtype=np.float64), np.arange(50.0).reshape(2, 1, 5, 5)),
    lambda: (nn.GlobalPool("max", space=Space.on_plane(P4)), np.ones((2, 1, 4, 4))),
    lambda: (nn.Flatten(), np.ones((2, 3, 2))),
    lambda: (nn.Linear(3, 2, rng=0, dtype=np.float64), np.ones((2, 3))),
    lambda: (nn.Dropout(0.5, rng=0), np.ones((2, 3))),
    lambda: (nn.Sequential([nn.Flatten(), nn.Linear(6, 2, rng=0, dtype=np.float64)]),
             np.ones((2, 3, 2))),
]

_DY = choice(["good", "int"], [Value("broadcast", True), Value("size", True),
                               Value("complex", True), Value("none", True)], common=False)


def _forward(index: int, x, training):
    layer, _ = _LAYERS[index]()
    return layer.forward(x, training)[0]


def _train(x, y, epochs, batch_size, lr_schedule):
    return nn.fit(nn.Sequential([nn.Flatten(), nn.Linear(4, 3)]), x, y, epochs=epochs,
                  batch_size=batch_size, lr_schedule=lr_schedule, progress=False)


def _tiny():
    return nn.Sequential([nn.Flatten(), nn.Linear(4, 3, rng=0)])


def _network(builder, width, size):
    net = builder(width=width)
    return net(np.zeros((1, 1) + (size,) * net.input_space.dim, np.float32))


def _optimiser(kind, lr, grad):
    params = {"w": np.ones(3)}
    kind(params, lr=lr).step({"w": grad})
    return params["w"]


def _save_and_load(width, architecture, into_width):
    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/net.npz"
        net = nn.p4cnn(width=width)
        nn.save(net, path, optimizer=nn.SGD(net.params), architecture=architecture)
        into = into_width if into_width is None or isinstance(into_width, str) else \
            nn.p4cnn(width=into_width)
        loaded = nn.load(path, into=into)
        return loaded.n_parameters, nn.load_optimizer(path, loaded).lr


def _check_gradients(x, eps, entries):
    return tuple(nn.check_gradients(nn.LiftingConv("p4", 1, 1, 3, dtype=np.float64, rng=0), x,
                                    eps=eps, max_entries=entries).values())


def _check_layer(kind, size, k, convention, dtype):
    ops = {"lifting": groupconv.lifting_correlation, "correlation": groupconv.group_correlation,
           "convolution": groupconv.group_convolution}
    return groupconv.check_layer(lambda x, w: ops[kind](x, w, "p4"), "p4", kind, size=size,
                                 k=k, convention=convention, dtype=dtype).reference_error


def _check_equivariance(size, channels, translations, tolerance):
    return groupconv.check_equivariance(nn.ReLU(), "p4", size=size, channels=channels,
                                        translations=translations,
                                        tolerance=tolerance).max_error


def _group_law(group, trials):
    def product(a, b):
        return (group.element(**dict(zip(group.param_names, a)))
                * group.element(**dict(zip(group.param_names, b)))).params

    def inverse(a):
        return group.element(**dict(zip(group.param_names, a))).inverse().params
    return groupconv.check_group_law(product, inverse, group, trials=trials).ok


def _figure(make, *args):
    figure = make(*args)
    return len(figure.axes)


def _animation(size, fps, dpi):
    with tempfile.TemporaryDirectory() as folder:
        return viz.p4_feature_map_animation(f"{folder}/a.gif", size=size, fps=fps,
                                            dpi=dpi).stat().st_size > 0


def _save_all(only, dpi, fmt):
    with tempfile.TemporaryDirectory() as folder:
        return len(viz.save_all(folder, only=only, dpi=dpi, progress=lambda line: None,
                                fmt=fmt))


def _point_matrices(rng: np.random.Generator) -> Value:
    """p4m's eight point matrices in a drawn order (another library's); hostile: a matrix
    repeated, one out of the group (a shear), too few, non-integers, NaN."""
    mats = groups_module.get_group("p4m").stabiliser.matrices
    return _pick(rng, lambda: mats[rng.permutation(len(mats))].tolist(), [
        Value(np.repeat(mats[:1], 8, axis=0), True),
        Value(np.concatenate([mats[:7], [[[1, 1], [0, 1]]]]), True),
        Value(mats[:7], True), Value(mats + 0.25, True), Value(np.full((8, 2, 2), np.nan), True),
        Value(mats.astype(np.float32))])


def keywords(**slots: Slot) -> dict[str, Slot]:
    return slots


#: Every fuzzed public function: (name, function, positional slots, keyword slots[, weight]).
#: The weight (default 1) makes slow targets (figures) rarer.
TARGETS: list[tuple] = [
    # ---------------------------------------------------------------- correlations
    ("lifting_correlation", groupconv.lifting_correlation,
     (array(lifting_input), array(weights), choice(GROUPS, BAD_GROUPS)),
     keywords(mode=choice(MODES, BAD_MODES))),
    ("lifting_correlation literal", lambda x, w, mode, method: groupconv.lifting_correlation(
        x, w, "p4", mode=mode, method=method),
     (array(lifting_input), array(weights), choice(MODES, BAD_MODES),
      name(["fast", "literal"], ["fst", "Literal"])), {}),
    ("group_correlation", groupconv.group_correlation,
     (array(group_input(4)), array(group_weights(4)), choice(["p4", P4], BAD_GROUPS)),
     keywords(mode=choice(MODES, BAD_MODES))),
    ("group_convolution", groupconv.group_convolution,
     (array(group_input(8)), array(group_weights(8)), choice(["p4m"], BAD_GROUPS)),
     keywords(mode=choice(MODES, BAD_MODES))),
    ("filter_bank", groupconv.filter_bank, (array(weights), choice(GROUPS, BAD_GROUPS)),
     keywords(kind=choice([None, "lifting"], BAD_KINDS, common=False))),
    ("lifting_correlation on SE2(N)", _lifting_on,
     (array(lifting_input), array(weights), integer(1, 8), choice(MODES, BAD_MODES)), {}),
    ("group_correlation on SE2(4)", groupconv.group_correlation,
     (array(group_input(4)), array(group_weights(4)), choice([SE2(4)], [Value(SE2(5), True)])),
     {}),
    ("lifting_correlation on scales", _scales,
     (array(lifting_input), array(weights), integer(1, 3), real(1.2, 2.5)), {}),
    ("transform", transform, (array(lifting_input, any_shape=True), element(P4, False)),
     keywords(interpolate=flag())),
    ("project", project, (array(group_input(4), any_shape=True), choice([Space.on_group(P4)], [
        Value(Space.on_plane(P4), True), Value("group", True)])),
     keywords(reduction=name(["max", "mean", "sum"], ["mx", "Max"]))),
    ("bank_for", lambda group, kind: repr(bank_for(group, kind)),
     (choice(GROUPS + [SE2(4)], BAD_GROUPS), name(["lifting", "correlation"], ["lift"])), {}),
    ("LatticeBank", lambda group, kind, k: LatticeBank(group, kind).expand(
        np.ones(LatticeBank(group, kind).weight_shape(1, 1, k))),
     (choice(GROUPS, BAD_GROUPS + [Value(SE2(4), True)]), name(KINDS, ["conv"]),
      integer(1, 4)), {}),
    ("OperatorBank", lambda group, kind, k: OperatorBank(group, kind).expand(
        np.ones(OperatorBank(group, kind).weight_shape(1, 1, k))),
     (choice([SE2(4), SE2(8), ScaleTranslation(2.0)], [Value("p5", True)]),
      name(["lifting", "correlation"], ["convolution", "lifing"]), integer(1, 4)), {}),
    ("bank_index_map", bank_index_map,
     (choice(GROUPS, BAD_GROUPS), integer(1, 4), name(KINDS, ["lifitng"])), {}),
    # ------------------------------------------------------------------ interpolation
    ("kernel_operators", interpolation.kernel_operators,
     (choice([SE2(4), SE2(6), ScaleTranslation(2.0), P4], [Value("se2_8", True)]),
      integer(1, 5)), {}),
    ("bilinear_weights", interpolation.bilinear_weights,
     (array(lambda rng: (int(rng.integers(1, 6)), 2), any_shape=True),
      choice([(3, 3), (4, 5)], [Value((-3, 3), True), Value((10**6, 10**6), True, huge=True),
                                Value((2.5, 3), True), Value(3, True)])), {}),
    ("transform_operator", interpolation.transform_operator,
     (choice([np.eye(2), [[0.6, -0.8], [0.8, 0.6]], np.eye(2) * 2], [
         Value(np.zeros((2, 2)), True), Value(np.eye(3), True),
         Value(np.full((2, 2), np.nan), True), Value(np.eye(2, dtype=complex), True)]),
      integer(1, 5)), keywords(mask=flag())),
    ("image_tables", interpolation.image_tables,
     (choice([np.eye(2), [[0.0, -1.0], [1.0, 0.0]]], [Value(np.zeros((2, 2)), True),
                                                      Value("eye", True)]),
      choice([(3, 3), (5, 4)], [Value((-3, 3), True), Value((10**6, 10**6), True, huge=True),
                                Value((0, 3), True)])), {}),
    ("transform_image", interpolation.transform_image,
     (array(square(2, 6), any_shape=True), choice([np.eye(2), np.eye(2) * 0.5], [
         Value(np.zeros((2, 2)), True), Value(np.ones(2), True)])), {}),
    ("rotate_image", interpolation.rotate_image,
     (array(square(2, 6), any_shape=True), real(-7.0, 7.0)), {}),
    ("scale_image", interpolation.scale_image,
     (array(square(2, 6), any_shape=True), real(0.25, 4.0)), {}),
    ("disk", interpolation.disk, (integer(1, 9), real(0.0, 5.0)), {}),
    ("disk_mask", interpolation.disk_mask, (integer(1, 9),), {}),
    # ------------------------------------------------------------------ groups
    ("P4.element", lambda r, u: P4.element(r=r, u=u),
     (integer(0, 3), integer(-9, 9, bounded=False)), {}),
    ("P4.from_parts", P4.from_parts, (integer(0, 3), choice([(1, 2)], [
        Value((0.5, 1.9), True), Value((2**63, 0), True), Value((1,), True)])), {}),
    ("compose", lambda a, b: a * b, (choice([P4.element(r=1, u=2)], [], common=False),
                                     element(P4)), {}),
    ("compose arrays", lambda a, b: C4.array(np.zeros(a + (1,), np.int64)) * C4.array(
        np.zeros(b + (1,), np.int64)),
     (choice([(3,), (1,)], [Value((2,), True)]), choice([(3,)], [])), {}),
    ("PointGroup", PointGroup, (choice(["H"], [Value(3, True), Value(None, True)],
                                       common=False), choice(
        [{"r": [[0, -1], [1, 0]]}], [Value({"r": [[2**62, 1], [1, 0]]}, True),
                                     Value({"r": [[1, 1], [0, 1]]}, True),
                                     Value({"r": [[2, 0], [0, 1]]}, True),
                                     Value({"r": [[0.5, 0], [0, 1]]}, True)])), {}),
    ("SemidirectProduct", lambda h: SemidirectProduct(h).samples,
     (choice([C4, D4], [Value(P4, True), Value("C4", True)]),), {}),
    ("SE2", SE2, (integer(1, 16),), keywords(disk=flag())),
    ("ScaleTranslation", ScaleTranslation, (real(1.1, 3.0),),
     keywords(n_scales=integer(1, 4), scale_extent=integer(1, 1))),
    ("get_group", groupconv.get_group, (choice(GROUPS + ["SE2(12)"],
                                               BAD_GROUPS + [Value("SE2(0)", True)]),), {}),
    ("register", lambda group, alias: groupconv.register(group, alias) and None,
     (choice([P4], [Value("p4", True), Value(None, True)]),
      choice(["p4"], [Value(None, True), Value("", True), Value("p4m", True)])), {}),
    ("Space", lambda group, point_axis, spatial: Space(group, point_axis, spatial).layout(),
     (choice([P4, SE2(4)], [Value("p4", True)]), flag(), flag()), {}),
    ("Kind.parse", groupconv.Kind.parse, (name(KINDS, ["lifting ", "corelation"]),), {}),
    ("finite", lambda f, group: f(group),
     (choice([groups_module.cayley_table, groups_module.labels, groups_module.describe,
              groups_module.subgroups, groups_module.regular_representation,
              groups_module.coinvariants], [], common=False), point_group()), {}),
    ("cosets", groups_module.cosets, (point_group(), choice([(0,), [0]], [
        Value((0, 99), True), Value((), True), Value(["a"], True)])),
     keywords(side=name(["left", "right"], ["lft"]))),
    ("lattice_of", groups_module.lattice_of,
     (choice([P4, P4M, groups_module.P6], [Value(C4, True), Value("p4", False),
                                            Value("no such group", True), Value(None, True)]),),
     {}),
    ("hexagon_mask", groups_module.hexagon_mask, (choice([1, 3, 5, 7], [
        Value(2, True), Value(0, True), Value(2**63 - 1, True, huge=True), Value(2.0, True),
        Value(10**6 + 1, True, huge=True)]),), {}),
    ("domain_mask", groups_module.domain_mask,
     (choice([P4, groups_module.P6, SE2(4)], [Value("p6", False), Value(3, True)]),
      choice([(3, 3), (5, 5)], [Value((-1, 3), True), Value((2**40, 2**40), False, huge=True),
                                Value(3, True)])), {}),
    # ------------------------------------------------------------------ feature maps, literal
    ("FeatureMap", FeatureMap, (choice(GROUPS, BAD_GROUPS + [Value(SE2(4), True)]),
                                array(lambda rng: (2, 3, 3))), {}),
    ("box_of", box_of, (choice([[[0, 1], [2, 3]]], [Value([[0.5, 1.5]], True),
                                                    Value([], True)]),), {}),
    ("L", L, (element(P4), feature_map(P4)), {}),
    ("restrict", restrict, (feature_map(P4), choice([((0, 0), (2, 2)), ((-1, -2), (1, 0))], [
        Value(((2, 2), (0, 0)), True), Value(((2**62, 0), (2**62, 0)), True, huge=True),
        Value(((0, 0), (2**13, 2**13)), True, huge=True), Value(((0,), (1,)), True)])), {}),
    ("pointwise", pointwise, (choice([np.tanh, lambda a: np.maximum(a, 0)], [
        Value(lambda a: a + 1, True), Value(np.exp, True), Value("relu", True)]),
        feature_map(P4)), {}),
    ("relative_error", relative_error, (feature_map(P4), feature_map(P4)),
     keywords(scale=choice([0.5, 1.0, None], [Value(0.0, True), Value(-1.0, True),
                                             Value(float("inf"), True), Value("1", True)],
                           common=False))),
    ("literal planar", lambda f, psi, op: op(f, psi),
     (feature_map(Z2), feature_map(Z2), choice([literal.planar_correlation,
                                                literal.planar_convolution], [])), {}),
    ("literal lifting", literal.lifting_correlation,
     (feature_map(Z2), feature_map(Z2), choice(["p4", P4M], BAD_GROUPS)), {}),
    ("literal group", lambda f, psi, op: op(f, psi),
     (feature_map(P4), choice([None], [Value("planar", True)]),
      choice([literal.group_correlation, literal.group_correlation_rewritten,
              literal.group_convolution], [])), {}),
    # ------------------------------------------------------------------ nn
    ("nn.LiftingConv", nn.LiftingConv, (choice(GROUPS + [SE2(4)], BAD_GROUPS[:2]), integer(1, 3),
                                         integer(1, 3), integer(1, 3)),
     keywords(mode=choice(MODES, BAD_MODES))),
    ("nn.GroupConv", nn.GroupConv, (choice(["p4", SE2(4)], BAD_GROUPS[:2]), integer(1, 3),
                                     integer(1, 3), integer(1, 3)),
     keywords(kind=name(["correlation"], ["lifting", "corelation"]))),
    ("nn.BankConv", lambda bank, c: nn.BankConv(bank, c, 1, 3),
     (choice([bank_for("p4", "lifting")], [Value("p4", True)]), integer(1, 3)), {}),
    ("nn forward", _forward, (choice(list(range(len(_LAYERS))), [], common=False),
                              array(lambda rng: (2, 3), any_shape=True), flag()), {}),
    ("nn backward (dy)", _backward, (choice(list(range(len(_LAYERS))), [], common=False),
                                     _DY, flag()), {}),
    ("nn.SpatialPool", lambda size, x: nn.SpatialPool(size, space=Space.on_plane(P4))(x),
     (integer(1, 3), array(lifting_input, any_shape=True)), {}),
    ("nn.SpatialPool options", nn.SpatialPool,
     (integer(1, 3), choice([None, 1, 2], [Value(0, True), Value(2.5, True),
                                           Value(10**30, True, huge=True)], common=False),
      name(["max", "mean"], ["avg", "men"])), keywords(exact=flag())),
    ("nn.BatchNorm", lambda c, eps, x: nn.BatchNorm(c, eps=eps)(x),
     (integer(2, 2, bounded=False), real(1e-6, 0.5), array(lifting_input, any_shape=True)), {}),
    ("nn.Linear", lambda i, o, x: nn.Linear(i, o)(x),
     (integer(4, 4), integer(1, 3), array(lambda rng: (2, 4))), {}),
    ("nn.ReLU", lambda x: nn.ReLU()(x), (array(lifting_input, any_shape=True),), {}),
    ("nn.SubgroupPool", lambda x, reduction: nn.SubgroupPool(
        reduction, space=Space.on_group(P4))(x),
     (array(group_input(4)), name(["max", "mean", "sum"], ["avg"])), {}),
    ("nn.GlobalPool", lambda x, kind: nn.GlobalPool(kind, space=Space.on_plane(P4))(x),
     (array(lifting_input), name(["mean", "max"], ["avg"])), {}),
    ("nn.Dropout", lambda p, per, x: nn.Dropout(p, per=per, rng=0).forward(x, True)[0],
     (real(0.0, 0.9), name(["channel", "element"], ["elements"]),
      array(lifting_input, any_shape=True)), {}),
    ("nn.Flatten", lambda x: nn.Flatten()(x), (array(lifting_input, any_shape=True),), {}),
    ("nn.Sequential", lambda layers, name_: nn.Sequential(layers, name=name_).n_parameters,
     (choice([[nn.ReLU()], [nn.Flatten(), nn.Linear(2, 2)]], [Value([nn.ReLU, 3], True),
                                                            Value([3], True)]),
      choice([None, "net"], [Value(3, True)], common=False)), {}),
    ("nn.InputSizes", nn.InputSizes, (integer(1, 30), integer(1, 3)), {}),
    ("nn networks", _network, (choice([nn.p4cnn, nn.z2cnn, nn.p6cnn], [], common=False),
                               integer(1, 2), choice([28, 15, 30], [Value(14, True),
                                                                    Value(8, True)])), {}, 0.3),
    ("nn.gcnn", lambda group, width, size: nn.gcnn(group, width, input_size=size).n_parameters,
     (choice(["p4", "z2"], [Value("p6", True), Value(SE2(4), True)]), integer(1, 2),
      choice([28, 32], [Value(29, True), Value(8, True), Value(28.0, True)])), {}, 0.3),
    ("nn.hexagonal_gcnn", lambda group, size: nn.hexagonal_gcnn(
        group, 1, input_size=size).n_parameters,
     (choice(["p6", "p3"], [Value("p4", True)]), choice([5, 7], [Value(6, True),
                                                                  Value(3, True)])), {}, 0.3),
    ("nn.voxel_gcnn", lambda group, size: nn.voxel_gcnn(group, 1, input_size=size).n_parameters,
     (choice(["z3", "P422"], [Value("p4", True)]), choice([5, 6], [Value(4, True)])), {}, 0.3),
    ("nn.line_gcnn", lambda group, size: nn.line_gcnn(group, 1, input_size=size).n_parameters,
     (choice(["z1", "z1m"], [Value("p4", True), Value("P432", True)]),
      choice([5, 12, 64], [Value(4, True), Value(12.0, True), Value(2**21, True)])), {}, 0.3),
    ("nn.network_sizes", nn.network_sizes, (choice([28, 30, 64], [
        Value(27, True), Value(28.0, True), Value(-4, True), Value(8, True)]),), {}),
    ("nn.softmax_cross_entropy", nn.softmax_cross_entropy,
     (array(lambda rng: (3, 4)), choice([np.array([0, 3, 1])], [
         Value(np.array([0, 4, 1]), True), Value(np.array([-1, 0, 1]), True),
         Value(np.array([0, 1]), True), Value(np.array([0.5, 1, 2]), True)])), {}),
    ("nn.fit", _train,
     (array(lambda rng: (4, 2, 2), any_shape=True), choice([np.array([0, 1, 2, 1])], [
         Value(np.array([0, 1, 2, 1, 0, 1]), True), Value(np.array([0, 1]), True),
         Value(np.array([0, 1, 7, 1]), True), Value(np.array([-1, 1, 2, 1]), True)]),
      integer(1, 2), integer(1, 4), choice([None, lambda epoch: 0.01 / (1 + epoch)], [
          Value(lambda epoch: 0.0, True), Value(lambda epoch: float("nan"), True),
          Value(lambda epoch: "0.01", True), Value(0.01, True)],
          common=False)), {}),                      # (None is no schedule: allowed)
    ("nn.predict", lambda x, b: nn.predict(_tiny(), x, b),
     (array(lambda rng: (3, 2, 2), any_shape=True), integer(1, 4)), {}),
    ("nn.evaluate/accuracy", lambda f, x, y, b: f(_tiny(), x, y, b),
     (choice([nn.evaluate, nn.accuracy], [], common=False),
      array(lambda rng: (3, 2, 2), any_shape=True),
      choice([np.array([0, 1, 2])], [Value(np.array([0, 1, 5]), True),
                                     Value(np.array([0, 1]), True)]), integer(1, 4)), {}),
    ("nn optimisers", _optimiser, (choice([nn.SGD, nn.Adam], [], common=False),
                                   real(1e-4, 1.0), choice([np.ones(3), np.zeros(3)], [
                                       Value(np.ones(1), True), Value(np.ones((3, 1)), True),
                                       Value(np.ones(3, complex), True),
                                       Value(np.ones(3, int), True)])), {}),
    ("nn.Adam options", lambda betas, eps: nn.Adam({"w": np.ones(2)}, betas=betas, eps=eps).t,
     (choice([(0.9, 0.999), (0.0, 0.5)], [Value((1.0, 0.5), True), Value((0.9,), True),
                                          Value(0.9, True)]), real(1e-9, 1e-3)), {}),
    ("nn.minibatches", lambda n, b, rng_: [len(i) for i in nn.minibatches(n, b, rng_)],
     (integer(0, 20), integer(1, 5), choice([np.random.default_rng(0)], [
         Value(0, True), Value(np.random.RandomState(0), True)])), {}),
    ("nn.check_gradients", _check_gradients,
     (choice([np.ones((1, 1, 4, 4))], [Value(np.ones((1, 1, 4, 4), np.float32), True),
                                       Value([[1.0]], True)]),
      real(1e-7, 1e-4), integer(1, 5)), {}),
    ("nn.save/load", _save_and_load, (integer(1, 2), flag(),
                                      choice([None, 1, 2], [Value("net", True)], common=False)),
     {}, 0.3),
    # ------------------------------------------------------------------ checks
    ("check_layer", _check_layer, (name(KINDS, ["corr"]), integer(3, 7, bounded=False),
                                   integer(1, 3),
                                   choice([None, "groupy", "escnn", [0, 3, 2, 1]],
                                          [Value("escnm", True), Value([0, 1, 1, 2], True),
                                           Value([0, 1], True), Value(3, True)],
                                          common=False),       # (None is a convention here)
                                   choice([None, np.float32, "float64"],
                                          [Value(np.float16, True), Value("complex64", True),
                                           Value([32], True), Value(np.zeros(2), True)],
                                          common=False)), {}),
    ("check_equivariance", _check_equivariance,
     (choice([None, 5, 7], [Value(0, True), Value(10**6, True, huge=True), Value(2.5, True)],
             common=False),
      choice([None, 1, 2], [Value(0, True), Value(-1, True)], common=False), flag(),
      choice([None, 1e-6], [Value(-1e-3, True), Value("1e-3", True), Value(1.0, True),
                            Value(float("nan"), True)], common=False)), {}),
    ("check_equivariance x", lambda x: groupconv.check_equivariance(
        nn.LiftingConv("p4", 2, 1, 3, rng=0), x=x).max_error,
     (array(lambda rng: (1, 2, 7, 7), common=False),), {}),
    ("check_group_law", _group_law, (choice([C4, D4, P4, groups_module.C1], [
        Value(SE2(4), True)]), integer(1, 50)), {}),
    # ------------------------------------------------------------------ hexagonal, interop
    ("hexagonal.cell_centres", hexagonal.cell_centres, (choice([1, 3, 5], [
        Value(4, True), Value(2**63 - 1, True, huge=True)]), real(0.1, 4.0)), {}),
    ("hexagonal.from_image", hexagonal.from_image,
     (array(square(2, 12), any_shape=True), choice([3, 5], [Value(4, True)])),
     keywords(spacing=choice([None, 1.0, 2.5], [Value(0.0, True), Value(np.inf, True),
                                                Value("1", True)], common=False))),
    ("hexagonal.to_image", hexagonal.to_image,
     (array(lambda rng: (5, 5), any_shape=True), integer(1, 12)),
     keywords(spacing=choice([None, 1.0, 1e-300], [Value(0.0, True), Value(np.nan, True)],
                             common=False),
              fill=choice([np.nan, 0.0, 1], [Value("a", True), Value(1j, True)]))),
    ("interop.element_order", interop.element_order,
     (name(list(interop.CONVENTIONS), ["escn"]), choice(["p4", "p4m"], BAD_GROUPS)), {}),
    ("interop.order_of_matrices", interop.order_of_matrices,
     (_point_matrices, choice(["p4m"], BAD_GROUPS + [Value("p4", True)])),
     keywords(frame=choice([None, [[0, 1], [1, 0]], [[-1, 0], [0, 1]]],
                           [Value([[1, 1], [0, 1]], True), Value(np.eye(3), True),
                            Value([[0.5, 0], [0, 2]], True)], common=False))),
    ("interop fields", lambda x, convention: interop.fields_from_groupconv(
        interop.fields_to_groupconv(x, convention, "p4"), convention, "p4"),
     (array(lambda rng: (1, 8, 3, 3)), name(list(interop.CONVENTIONS), ["groupy2", "esccn"])), {}),
    ("interop banks", lambda w, convention, kind: interop.weights_from_bank(
        interop.bank_from_weights(w, convention, "p4", kind), convention, "p4", kind),
     (array(weights), name(list(interop.CONVENTIONS), ["esc"]),
      choice(["lifting"], [Value("convolution", True), Value("lift", True)])), {}),
    # ------------------------------------------------------------------ modes, images, viz
    ("padding_of", modes.padding_of, (choice(MODES, BAD_MODES), integer(2, 5, bounded=False)),
     {}),
    ("check_size", modes.check_size, (choice([(5, 5), (9,)], [Value((0, 5), True),
                                                            Value((2.5, 5), True)]),
                                      integer(1, 3), integer(0, 0)), {}),
    ("grace_hopper", grace_hopper, (integer(1, 64),), {}),
    ("viz figures of images", _figure,
     (choice([viz.p4_feature_map, viz.p4m_feature_map, viz.boundary_effect,
              viz.p6_feature_map], [], common=False),
      array(square(8, 12), any_shape=True, common=False), integer(8, 12, bounded=False)),
     {}, 0.02),
    ("viz.se2_pipeline", lambda image, n: _figure(viz.se2_pipeline, image, 16, n),
     (array(square(16, 16), common=False), integer(2, 4)), {}, 0.02),
    ("viz.equivariance_vs_angle", lambda ns, step: _figure(
        viz.equivariance_vs_angle, None, 24, ns, step),
     (choice([(4,)], [Value((0,), True), Value(4, True), Value(("a",), True)]),
      choice([90], [Value(0, True), Value(400, True), Value(1.5, True)])), {}, 0.02),
    ("viz.scale_translation", lambda size, radii, n: _figure(viz.scale_translation, size,
                                                             radii, n),
     (integer(16, 24), choice([(2.0,), (1.0, 3.0)], [Value((-1.0,), True), Value((), True),
                                                     Value(2.0, True)]), integer(1, 2)),
     {}, 0.02),
    ("viz.p6_filter", lambda seed: _figure(viz.p6_filter, seed),
     (choice([0, 3, 2**62], [Value(-1, True), Value(2.5, True), Value("3", True)]),), {},
     0.02),
    ("viz.cubic_feature_map", lambda size: _figure(viz.cubic_feature_map, size),
     (integer(3, 5),), {}, 0.02),
    ("viz.cubic_filter", lambda group: _figure(viz.cubic_filter, group),
     (choice(["P432", "P4/mmm"], [Value("p4", True), Value("z1", True), Value(3, True)]),),
     {}, 0.02),
    ("viz.p4_feature_map clip", lambda clip: _figure(viz.p4_feature_map, None, 8, None, clip),
     (choice([0.6, 1, 0.1], [Value(0, True), Value(1.5, True), Value("0.6", True)]),), {},
     0.02),
    ("viz.p4_feature_map_animation", _animation,
     (integer(8, 10, bounded=False), integer(1, 4), integer(10, 20)), {}, 0.01),
    # only=None is valid (every figure): the common hostile values but None
    ("viz.save_all", _save_all, (choice(["cayley_p4m"], [Value("cayley", True), Value(3, True)]
                                        + [Value(v, True) for v in HOSTILE_COMMON[1:]],
                                        common=False),
                                 integer(10, 20),
                                 choice(["png", "svg", "pdf"], [Value("jpg", True),
                                                                Value("PNG", True)])), {}, 0.01),
]


#: The public functions the targets call (beyond the targets' own functions).
COVERED = [
    groupconv.filter_bank, groupconv.lifting_correlation, groupconv.group_correlation,
    groupconv.group_convolution, P4.element, P4.from_parts, PointGroup, SemidirectProduct, SE2,
    ScaleTranslation, groupconv.get_group, groupconv.register, Space, groupconv.Kind,
    groupconv.check_equivariance, groupconv.check_layer, groupconv.check_group_law,
    LatticeBank, OperatorBank, bank_for, groups_module.cayley_table, groups_module.labels,
    groups_module.describe, groups_module.subgroups, groups_module.regular_representation,
    groups_module.coinvariants, literal.planar_correlation, literal.planar_convolution,
    literal.group_correlation, literal.group_correlation_rewritten, literal.group_convolution,
    nn.LiftingConv, nn.GroupConv, nn.BankConv, nn.ReLU, nn.SiLU, nn.SubgroupPool,
    nn.SpatialPool, nn.BatchNorm, nn.GlobalPool, nn.Flatten, nn.Linear, nn.Dropout,
    nn.Sequential, nn.InputSizes, nn.gcnn, nn.z2cnn, nn.p4cnn, nn.p4mcnn, nn.hexagonal_gcnn,
    nn.p6cnn, nn.p6mcnn, nn.voxel_gcnn, nn.line_gcnn, nn.fit, nn.predict, nn.evaluate, nn.accuracy,
    nn.SGD, nn.Adam, nn.minibatches, nn.check_gradients, nn.save, nn.load, nn.load_optimizer,
    interop.fields_to_groupconv, interop.fields_from_groupconv, interop.weights_from_bank,
    interop.bank_from_weights, viz.p4_feature_map, viz.p4m_feature_map, viz.boundary_effect,
    viz.p6_feature_map, viz.se2_pipeline, viz.equivariance_vs_angle, viz.scale_translation,
    viz.p6_filter, viz.cubic_feature_map, viz.cubic_filter, viz.p4_feature_map_animation,
    viz.save_all,
]


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang


def _finite(value: Any) -> bool:
    if isinstance(value, np.ndarray) and value.dtype.kind in "fc":
        return bool(np.all(np.isfinite(value)))
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, (tuple, list)):
        return all(_finite(v) for v in value)
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, FeatureMap):
        return bool(np.all(np.isfinite(value.values)))
    return True


def _all_finite(values: list[Value]) -> bool:
    return all(_finite(v.value) for v in values if not isinstance(v.value, (str, type(None))))


def weight(index: int) -> float:
    target = TARGETS[index]
    return target[4] if len(target) > 4 else 1.0


def call(index: int, rng: np.random.Generator, seconds: float = 10.0) -> tuple[str, str]:
    """One fuzzed call of TARGETS[index]: (outcome, detail)."""
    name_, function, positional, keyword = TARGETS[index][:4]
    args = [slot(rng) for slot in positional]
    kwargs = {key: slot(rng) for key, slot in keyword.items()}
    drawn = args + list(kwargs.values())
    bad = any(v.must_refuse for v in drawn)
    huge = any(v.huge for v in drawn)
    use_alarm = hasattr(signal, "SIGALRM")
    if use_alarm:
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    if huge:
        tracemalloc.start()
    peak = 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)   # inf and NaN inputs on purpose
            result = function(*(v.value for v in args),
                              **{k: v.value for k, v in kwargs.items()})
    except MemoryError:
        return "allocated", f"{name_}: MemoryError for {[v.value for v in drawn]!r:.300}"
    except (ValueError, TypeError) as error:
        if huge:
            peak = tracemalloc.get_traced_memory()[1]
        if peak > ALLOCATION_LIMIT:
            return "allocated", (f"{name_}: {peak / 2**20:.0f} MiB allocated before "
                                 f"{type(error).__name__}: {error!s:.200}")
        return "refused", f"{name_}: {type(error).__name__}"
    except Hang:
        return "hang", f"{name_}: {[v.value for v in drawn]!r:.300}"
    except Exception as error:  # noqa: BLE001 - this is what the fuzz looks for
        return "wrong-type", f"{name_}: {type(error).__name__}: {error!s:.200}"
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        if huge:
            tracemalloc.stop()
    if bad:
        return "accepted-bad", (f"{name_}: "
                                f"{[v.value for v in drawn if v.must_refuse]!r:.300}")
    if _all_finite(drawn) and not _finite(result):
        return "nan", f"{name_}: {[v.value for v in drawn]!r:.300}"
    return "answered", name_


OUTCOMES = ("answered", "refused", "wrong-type", "accepted-bad", "nan", "allocated", "hang")


def run(calls: int, seed: int) -> tuple[collections.Counter, dict[str, list[str]]]:
    """``calls`` fuzzed calls, targets drawn by weight: the outcomes, and up to five examples
    of each failing class."""
    rng = np.random.default_rng(seed)
    weights = np.array([weight(i) for i in range(len(TARGETS))])
    counts: collections.Counter = collections.Counter()
    examples: dict[str, list[str]] = collections.defaultdict(list)
    for _ in range(calls):
        outcome, detail = call(int(rng.choice(len(TARGETS), p=weights / weights.sum())), rng)
        counts[outcome] += 1
        if outcome not in ("answered", "refused") and len(examples[outcome]) < 5:
            examples[outcome].append(detail)
    return counts, examples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    start = time.perf_counter()
    counts, examples = run(args.calls, args.seed)
    print(f"{args.calls} calls over {len(TARGETS)} targets in "
          f"{time.perf_counter() - start:.0f} s (seed {args.seed}):")
    for outcome in OUTCOMES:
        print(f"  {outcome:<13} {counts[outcome]}")
        for detail in examples.get(outcome, []):
            print(f"      {detail}")
    return 0 if all(counts[o] == 0 for o in OUTCOMES[2:]) else 1


if __name__ == "__main__":
    sys.exit(main())
