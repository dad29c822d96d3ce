"""A fuzz of the public API with bad and unusual input, as a hostile user would try it.

Every public function is one line of ``TARGETS``: the function and one *slot* per argument.
A slot draws either a good value or a hostile one; each hostile value says whether the call
must refuse it (a ValueError or TypeError, or a MemoryError for an absurd size) or may answer.
A call's outcome is one of:

    answered      a result, finite wherever every input was finite
    refused       ValueError or TypeError (or MemoryError for absurd sizes), as the contract says
    wrong-type    any other exception (AttributeError, IndexError, OverflowError, ...)
    accepted-bad  a result although some argument had to be refused
    nan           a non-finite result from finite input
    hang          no answer within the time limit

    python tests/fuzz.py --calls 20000 [--seed 0]     # the report: outcomes by class

``tests/test_fuzz.py`` runs the same calls under hypothesis, bounded in time.
"""

from __future__ import annotations

import argparse
import collections
import math
import signal
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

import groupconv
from groupconv import P4, P4M, SE2, Z2, PointGroup, ScaleTranslation, Space, nn
from groupconv.fast import transform
from groupconv.feature_maps import FeatureMap, L, box_of, relative_error


@dataclass(frozen=True)
class Value:
    """A drawn argument: the value, and whether the call must refuse it."""

    value: Any
    must_refuse: bool = False


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
    good in lo..hi; hostile: out of range, floats, bools, 2^62, 10^30."""
    def draw(rng):
        return _pick(rng, lambda: int(rng.integers(lo, hi + 1)), [
            Value(lo - 1, bounded), Value(-3, bounded and -3 < lo), Value(2.5, True),
            Value(True, True), Value(2**62, True), Value(np.int64(lo)), Value(10**30, True)])
    return draw


def real(lo: float, hi: float) -> Slot:
    def draw(rng):
        return _pick(rng, lambda: float(rng.uniform(lo, hi)), [
            Value(float("inf"), True), Value(-1.0, lo > -1.0), Value(0.0, lo > 0.0),
            Value("1.5", True), Value(True, True)])
    return draw


def choice(good: list, hostile: list[Value], common: bool = True) -> Slot:
    def draw(rng):
        return _pick(rng, lambda: good[rng.integers(len(good))], hostile, common=common)
    return draw


def array(shape: Callable[[np.random.Generator], tuple], dtype=np.float64,
          any_shape: bool = False) -> Slot:
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
            Value(np.ones(size + (1,)), rank), Value(np.ones((1,) * 9), rank)])
    return draw


def dims(lo: int = 1, hi: int = 3) -> Callable:
    return lambda rng: int(rng.integers(lo, hi + 1))


GROUPS = ["z2", "p4", "p4m", P4, P4M, Z2]
BAD_GROUPS = [Value("p5", True), Value(3, True), Value("", True)]
MODES = ["valid", "same", "full", 0, 1]
BAD_MODES = [Value(-1, True), Value(10**9, True), Value("wrap", True), Value(1.5, True),
             Value(True, True)]


def lifting_input(rng):
    return (int(rng.integers(1, 3)), 2, int(rng.integers(3, 8)), int(rng.integers(3, 8)))


def weights(rng):
    return (2, 2, 3, 3)


def group_input(s):
    return lambda rng: (int(rng.integers(1, 3)), 2, s, int(rng.integers(3, 7)),
                        int(rng.integers(3, 7)))


def group_weights(s):
    return lambda rng: (2, 2, s, 3, 3)


def element(group) -> Slot:
    def draw(rng):
        good = lambda: group.from_parts(int(rng.integers(group.samples)),  # noqa: E731
                                        (int(rng.integers(-3, 4)), int(rng.integers(-3, 4))))[()]
        return _pick(rng, good, [Value(P4M.element(m=1)),
                                 Value(SE2(4).element(r=1)), Value(SE2(8).element(r=1), True),
                                 Value((0, 1), True)])
    return draw


def feature_map(group) -> Slot:
    def draw(rng):
        s = group.samples

        def good():
            shape = (2, int(rng.integers(1, 4)), int(rng.integers(1, 4)))
            return FeatureMap(group, rng.standard_normal(shape if s == 1 else
                                                         (shape[0], s) + shape[1:]))
        return _pick(rng, good, [Value(np.ones((2, 3, 3)), True), Value("f", True)])
    return draw


def keywords(**slots: Slot) -> dict[str, Slot]:
    return slots


#: Every fuzzed public function: (name, function, positional slots, keyword slots).
TARGETS: list[tuple[str, Callable, tuple[Slot, ...], dict[str, Slot]]] = [
    ("lifting_correlation", groupconv.lifting_correlation,
     (array(lifting_input), array(weights), choice(GROUPS, BAD_GROUPS)),
     keywords(mode=choice(MODES, BAD_MODES))),
    ("group_correlation", groupconv.group_correlation,
     (array(group_input(4)), array(group_weights(4)), choice(["p4", P4], BAD_GROUPS)),
     keywords(mode=choice(MODES, BAD_MODES))),
    ("group_convolution", groupconv.group_convolution,
     (array(group_input(8)), array(group_weights(8)), choice(["p4m"], BAD_GROUPS)),
     keywords(mode=choice(MODES, BAD_MODES))),
    ("filter_bank", groupconv.filter_bank, (array(weights), choice(GROUPS, BAD_GROUPS)), {}),
    ("lifting_correlation on SE2(N)",
     lambda x, w, n, mode: groupconv.lifting_correlation(x, w, SE2(n), mode=mode),
     (array(lifting_input), array(weights), integer(1, 8)),
     keywords(mode=choice(MODES, BAD_MODES))),
    ("group_correlation on SE2(4)", groupconv.group_correlation,
     (array(group_input(4)), array(group_weights(4)), choice([SE2(4)], [Value(SE2(5), True)])),
     {}),
    ("lifting_correlation on scales",
     lambda x, w, n, base: groupconv.lifting_correlation(
         x, w, ScaleTranslation(base, n_scales=n, scale_extent=1), mode="same"),
     (array(lifting_input), array(weights), integer(1, 3), real(1.2, 2.5)), {}),
    ("transform", transform, (array(lifting_input, any_shape=True), element(P4)), {}),
    ("P4.element", lambda r, u: P4.element(r=r, u=u),
     (integer(0, 3), integer(-9, 9, bounded=False)), {}),
    ("P4.from_parts", P4.from_parts, (integer(0, 3), choice([(1, 2)], [
        Value((0.5, 1.9), True), Value((2**63, 0), True), Value((1,), True)])), {}),
    ("compose", lambda a, b: a * b, (choice([P4.element(r=1, u=2)], [], common=False),
                                     element(P4)), {}),
    ("PointGroup", PointGroup, (choice(["H"], [Value(3, True), Value(None, True)],
                                       common=False), choice(
        [{"r": [[0, -1], [1, 0]]}], [Value({"r": [[2**62, 1], [1, 0]]}, True),
                                     Value({"r": [[1, 1], [0, 1]]}, True),
                                     Value({"r": [[2, 0], [0, 1]]}, True),
                                     Value({"r": [[0.5, 0], [0, 1]]}, True)])), {}),
    ("SE2", SE2, (integer(1, 16),), {}),
    ("ScaleTranslation", ScaleTranslation, (real(1.1, 3.0),), {}),
    ("get_group", groupconv.get_group, (choice(GROUPS, BAD_GROUPS),), {}),
    ("FeatureMap", FeatureMap, (choice(GROUPS, BAD_GROUPS + [Value(SE2(4), True)]),
                                array(lambda rng: (2, 3, 3))), {}),
    ("box_of", box_of, (choice([[[0, 1], [2, 3]]], [Value([[0.5, 1.5]], True),
                                                    Value([], True)]),), {}),
    ("L", L, (element(P4), feature_map(P4)), {}),
    ("relative_error", relative_error, (feature_map(P4), feature_map(P4)),
     keywords(scale=choice([0.5, 1.0, None], [Value(0.0, True), Value(-1.0, True),
                                             Value(float("inf"), True), Value("1", True)],
                           common=False))),
    ("nn.LiftingConv", nn.LiftingConv, (choice(GROUPS + [SE2(4)], BAD_GROUPS[:2]), integer(1, 3),
                                         integer(1, 3), integer(1, 3)),
     keywords(mode=choice(MODES, BAD_MODES))),
    ("nn.SpatialPool", lambda size, x: nn.SpatialPool(size, space=Space.on_plane(P4))(x),
     (integer(1, 3), array(lifting_input, any_shape=True)), {}),
    ("nn.BatchNorm", lambda c, x: nn.BatchNorm(c)(x), (integer(2, 2, bounded=False),
                                                         array(lifting_input, any_shape=True)),
     {}),
    ("nn.Linear", lambda i, o, x: nn.Linear(i, o)(x),
     (integer(4, 4), integer(1, 3), array(lambda rng: (2, 4))), {}),
    ("nn.ReLU", lambda x: nn.ReLU()(x), (array(lifting_input, any_shape=True),), {}),
    ("nn.SubgroupPool", lambda x: nn.SubgroupPool("max", space=Space.on_group(P4))(x),
     (array(group_input(4)),), {}),
    ("nn.softmax_cross_entropy", nn.softmax_cross_entropy,
     (array(lambda rng: (3, 4)), choice([np.array([0, 3, 1])], [
         Value(np.array([0, 4, 1]), True), Value(np.array([-1, 0, 1]), True),
         Value(np.array([0, 1]), True), Value(np.array([0.5, 1, 2]), True)])), {}),
    ("nn.fit", lambda x, y, e, b: nn.fit(nn.Sequential([nn.Flatten(), nn.Linear(4, 3)]), x, y,
                                         epochs=e, batch_size=b, progress=False),
     (array(lambda rng: (4, 2, 2), any_shape=True), choice([np.array([0, 1, 2, 1])], [
         Value(np.array([0, 1, 2, 1, 0, 1]), True), Value(np.array([0, 1]), True)]),
      integer(1, 2), integer(1, 4)), {}),
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
    if isinstance(value, tuple):
        return all(_finite(v) for v in value)
    return True


def _all_finite(values: list[Value]) -> bool:
    return all(_finite(v.value) for v in values if not isinstance(v.value, (str, type(None))))


def call(index: int, rng: np.random.Generator, seconds: float = 10.0) -> tuple[str, str]:
    """One fuzzed call of TARGETS[index]: (outcome, detail)."""
    name, function, positional, keyword = TARGETS[index]
    args = [slot(rng) for slot in positional]
    kwargs = {key: slot(rng) for key, slot in keyword.items()}
    drawn = args + list(kwargs.values())
    bad = any(v.must_refuse for v in drawn)
    use_alarm = hasattr(signal, "SIGALRM")
    if use_alarm:
        previous = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, seconds)
    start = time.perf_counter()
    try:
        result = function(*(v.value for v in args), **{k: v.value for k, v in kwargs.items()})
    except (ValueError, TypeError, MemoryError) as error:
        if isinstance(error, MemoryError) and time.perf_counter() - start > seconds:
            return "hang", f"{name}: MemoryError after {time.perf_counter() - start:.1f} s"
        return "refused", f"{name}: {type(error).__name__}"
    except Hang:
        return "hang", f"{name}: {[v.value for v in drawn]!r:.300}"
    except Exception as error:  # noqa: BLE001 - this is what the fuzz looks for
        return "wrong-type", f"{name}: {type(error).__name__}: {error!s:.200}"
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    if bad:
        return "accepted-bad", f"{name}: {[v.value for v in drawn if v.must_refuse]!r:.300}"
    if _all_finite(drawn) and not _finite(result):
        return "nan", f"{name}: {[v.value for v in drawn]!r:.300}"
    return "answered", name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    counts: collections.Counter = collections.Counter()
    examples: dict[str, list[str]] = collections.defaultdict(list)
    start = time.perf_counter()
    for n in range(args.calls):
        outcome, detail = call(n % len(TARGETS), rng)
        counts[outcome] += 1
        if outcome not in ("answered", "refused") and len(examples[outcome]) < 5:
            examples[outcome].append(detail)
    print(f"{args.calls} calls over {len(TARGETS)} public functions in "
          f"{time.perf_counter() - start:.0f} s (seed {args.seed}):")
    for outcome in ("answered", "refused", "wrong-type", "accepted-bad", "nan", "hang"):
        print(f"  {outcome:<13} {counts[outcome]}")
        for detail in examples.get(outcome, []):
            print(f"      {detail}")
    return 0 if all(counts[o] == 0 for o in ("wrong-type", "accepted-bad", "nan", "hang")) else 1


if __name__ == "__main__":
    sys.exit(main())
