"""The labs' graders (groupconv.labs.grading): for every exercise, the right answers pass (float32
included) and typical wrong answers fail with a message that says what is wrong and where to
look, not the solution.

The wrong answers are the mistakes students make: rotation the wrong way, b a for a b, a missing
inverse, correlation vs convolution, the kernel flip off by one, channel and group axes swapped,
a transposed Cayley table, no sum over the group, a network without its p4 layers, ... Each is
listed with a pattern its message must match."""

from __future__ import annotations

import array
import collections
import itertools
import math
import pathlib
import threading
import re
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
import sympy
from numpy.lib.stride_tricks import sliding_window_view

import groupconv
from groupconv import C4, P4, nn
from groupconv.labs import EXERCISES, Passed, WrongAnswer, grade

R = np.array([[0, -1], [1, 0]])
M = np.diag([-1, 1])


def corr2d(x, k):
    windows = sliding_window_view(x, k.shape[-2:], axis=(-2, -1))
    return np.einsum("...ijab,...ab->...ij", windows, k)


def turn(a, q):
    return np.rot90(a, q, axes=(-2, -1))


class _Identity(nn.ReLU):
    """A "ReLU" that passes its input through: the network is linear."""

    def forward(self, x, training=False):
        return x, None


class _ZeroNetwork(nn.Sequential):
    """The right layers, and constant logits: invariant, and no network."""

    def __call__(self, x):
        return np.zeros((len(x), 10))


def _zeroes_responses(resp, cs):
    resp[...] = 0
    return [0] * len(cs)


def _padded_to_width(x, w):
    """Right wherever H <= W: the image padded to a square of side W, then cropped."""
    h, width = x.shape[-2:]
    k = w.shape[-1]
    xs = np.pad(x, ((0, 0), (0, 0), (0, width - h), (0, 0)))
    return np.stack([turn(corr2d(turn(xs, -r)[:, None], w[None]).sum(2), r)
                     [..., :h - k + 1, :width - k + 1] for r in range(4)], axis=2)


def _two_images(x, w):
    """A loop over the batch written for two images."""
    return np.stack([my_group_correlation(x[i:i + 1], w)[0] for i in range(2)])


# ------------------------------------------------------------------ the right answers
def c4_matrix(r):
    return np.linalg.matrix_power(R, r % 4)


def p4_product(a, b):
    t = np.array(a[1:]) + c4_matrix(a[0]) @ np.array(b[1:])
    return ((a[0] + b[0]) % 4, int(t[0]), int(t[1]))


def p4_inverse(a):
    t = -c4_matrix(-a[0]) @ np.array(a[1:])
    return ((-a[0]) % 4, int(t[0]), int(t[1]))


def _d4_matrices(order="mr"):
    if order == "mr":
        return [np.linalg.matrix_power(M, i // 4) @ c4_matrix(i % 4) for i in range(8)]
    return [c4_matrix(i % 4) @ np.linalg.matrix_power(M, i // 4) for i in range(8)]


def d4_table(order="mr"):
    mats = _d4_matrices(order)
    return np.array([[next(k for k in range(8) if np.array_equal(mats[a] @ mats[b], mats[k]))
                      for b in range(8)] for a in range(8)])


def my_lifting(x, w, turn_by=lambda r: r, flip=False):
    planes = []
    for r in range(4):
        k = turn(np.flip(w, (-2, -1)) if flip else w, turn_by(r))
        planes.append(corr2d(x[:, None], k[None]).sum(axis=2))
    return np.stack(planes, axis=2)


def my_group_correlation(x, w, index=lambda r, s: (s - r) % 4, turn_by=lambda r: r):
    planes = []
    for r in range(4):
        total = 0
        for s in range(4):
            j = index(r, s)
            if j is None:
                continue
            total = total + corr2d(x[:, None, :, s], turn(w[None, :, :, j], turn_by(r))).sum(2)
        planes.append(total)
    return np.stack(planes, axis=2)


def p4_bank(w, index=lambda r, s: (s - r) % 4, turn_by=lambda r: r):
    c_out, c_in, _, k, _ = w.shape
    bank = np.empty((c_out, 4, c_in, 4, k, k))
    for r in range(4):
        for s in range(4):
            bank[:, r, :, s] = turn(w[:, :, index(r, s)], turn_by(r))
    return bank


def folded_bank(w):
    """p4_bank's blocks folded into planar kernels (C_out 4, C_in 4, k, k): 2.3's answer."""
    return p4_bank(w).reshape(w.shape[0] * 4, w.shape[1] * 4, *w.shape[-2:])


def _int32_angles(n):
    a = np.arange(0, 360, 90, dtype=np.int32)
    return a[a * n % 360 == 0].tolist()          # n becomes int32 too: 270 n overflows


def _float32_product(a, b):
    t = np.array(a[1:], np.float32) + c4_matrix(a[0]).astype(np.float32) @ \
        np.array(b[1:], np.float32)
    return (a[0] + b[0]) % 4, int(t[0]), int(t[1])


def _float32_inverse(a):
    t = -(c4_matrix(-a[0]).astype(np.float32) @ np.array(a[1:], np.float32))
    return (-a[0]) % 4, int(t[0]), int(t[1])


def small_p4_network(layers=None):
    return nn.Sequential(layers if layers is not None else [
        nn.LiftingConv("p4", 1, 6, 3, rng=0), nn.ReLU(),
        nn.GroupConv("p4", 6, 6, 3, rng=1), nn.ReLU(),
        nn.SubgroupPool("max"), nn.GlobalPool("mean"), nn.Linear(6, 10, rng=2)])


def exact_angles(n):
    return [a for a in range(0, 360, 90) if a * n % 360 == 0]


def best_scales(responses, centres):
    return [int(np.argmax(responses[:, int(round(r)), int(round(c))])) for r, c in centres]


def _first_kept():
    """best_scales that keeps the first responses of each shape (a student's cache)."""
    kept = {}

    def answer(responses, centres):
        return best_scales(kept.setdefault(responses.shape, responses), centres)
    return answer


def _pixels_kept():
    """best_scales that rounds the first call's centres once and reads those pixels after."""
    kept = []

    def answer(responses, centres):
        kept.extend([] if kept else [(int(np.floor(r + 0.5)), int(np.floor(c + 0.5)))
                                     for r, c in centres])
        return [int(np.argmax(responses[:, i, j])) for i, j in kept]
    return answer


def _steps_in_one_array(n):
    if n > 10**9:
        raise MemoryError(f"Unable to allocate {8 * n / 2**30:.1f} GiB for an array with shape "
                          f"({n},) and data type int64")
    steps = np.arange(n, dtype=np.int64) * 360
    return [int(a) for a in steps[steps % n == 0] // n if a % 90 == 0]


RIGHT = {
    "1.1": [(c4_matrix,),
            (lambda r: sympy.Array(np.linalg.matrix_power(R, r % 4).tolist()),),  # (were refused)
            (lambda r: np.linalg.matrix_power(R, r),),                   # negative powers: exact
            (lambda r: [[0, -1], [1, 0]] if r % 4 == 1 else
             np.linalg.matrix_power(R, r % 4).tolist(),),
            (lambda r: sympy.Matrix([[0, -1], [1, 0]]) ** (r % 4),),    # lab 1 uses sympy
            (lambda r: np.array(sympy.Matrix([[0, -1], [1, 0]]) ** (r % 4)),),  # object array
            (lambda r: [[Fraction(int(v)) for v in row] for row in c4_matrix(r)],)],
    "1.2": [(p4_product, p4_inverse),
            (lambda a, b: [float(v) for v in p4_product(a, b)], p4_inverse),    # whole floats
            (lambda a, b: tuple(Fraction(v) for v in p4_product(a, b)), p4_inverse),  # exact
            (lambda a, b: tuple(sympy.Integer(v) for v in p4_product(a, b)), p4_inverse),
            # sympy's integers in an object array, sympy's column vector and its Tuple
            (lambda a, b: np.array([sympy.Integer(v) for v in p4_product(a, b)]),
             lambda a: sympy.Matrix(p4_inverse(a))),
            (lambda a, b: sympy.Tuple(*p4_product(a, b)), p4_inverse)],
    "1.3": [(d4_table,), (lambda: [[Fraction(v) for v in row] for row in d4_table()],),
            (lambda: np.array(d4_table()).astype(np.uint8),)],    # indices: never negative
    "2.1": [(my_lifting,),
            (lambda x, w: my_lifting(x.astype(np.float32), w.astype(np.float32)),),
            # turning the input the other way and the result back is the same correlation
            (lambda x, w: np.stack([turn(corr2d(turn(x, -r)[:, None], w[None]).sum(2), r)
                                    for r in range(4)], axis=2),),
            (lambda x, w: my_lifting(x, w).tolist(),)],                   # nested lists
    "2.2": [(my_group_correlation,),
            (lambda x, w: my_group_correlation(x.astype(np.float32), w.astype(np.float32)),),
            # a number read off the library's group is not the library computing the answer
            (lambda x, w: np.stack([sum(corr2d(x[:, None, :, s],
                                               turn(w[None, :, :, (s - r) % P4.samples], r)
                                               ).sum(2) for s in range(P4.samples))
                                    for r in range(P4.samples)], 2),)],
    "2.3": [(lambda w: p4_bank(w).reshape(w.shape[0] * 4, w.shape[1] * 4, *w.shape[-2:]),),
            (lambda w: p4_bank(w).reshape(w.shape[0] * 4, w.shape[1] * 4,
                                          *w.shape[-2:]).astype(np.float32),)],
    "3.1": [(small_p4_network,),
            (lambda: nn.Sequential([                                       # blocks, nested
                nn.Sequential([nn.LiftingConv("p4", 1, 6, 3, rng=0), nn.ReLU()]),
                nn.Sequential([nn.GroupConv("p4", 6, 6, 3, rng=1), nn.ReLU()]),
                nn.SubgroupPool("max"), nn.GlobalPool("mean"), nn.Linear(6, 10, rng=2)]),),
            (lambda: small_p4_network([      # relu after a max over H: the same function
                nn.LiftingConv("p4", 1, 6, 3, rng=0), nn.ReLU(),
                nn.GroupConv("p4", 6, 6, 3, rng=1), nn.SubgroupPool("max"), nn.ReLU(),
                nn.GlobalPool("mean"), nn.Linear(6, 10, rng=2)]),),
            (lambda: small_p4_network([      # a Flatten of the pooled (B, C): the same too
                nn.LiftingConv("p4", 1, 6, 3, rng=0), nn.ReLU(),
                nn.GroupConv("p4", 6, 6, 3, rng=1), nn.ReLU(), nn.SubgroupPool("max"),
                nn.GlobalPool("mean"), nn.Flatten(), nn.Linear(6, 10, rng=2)]),)],
    "4.1": [(exact_angles,), (lambda n: np.array(exact_angles(n)),),
            (lambda n: collections.deque(exact_angles(n)),),       # (were refused, and array)
            (lambda n: array.array("q", exact_angles(n)),),
            (lambda n: [Fraction(a) for a in range(0, 360, 90)                 # exact, too
                        if Fraction(a * n, 360).denominator == 1],),
            (lambda n: (Decimal(a) for a in exact_angles(n)),),
            (lambda n: np.array([sympy.Integer(a) for a in exact_angles(n)]),)],
    "4.2": [(best_scales,), (lambda resp, cs: np.array(best_scales(resp, cs)),),
            (lambda resp, cs: [np.array(i) for i in best_scales(resp, cs)],),     # 0-d arrays
            (lambda resp, cs: np.array([sympy.Integer(i) for i in best_scales(resp, cs)]),),
            (lambda resp, cs: [int(np.argmax(resp[:, int(np.floor(r + 0.5)),
                                                  int(np.floor(c + 0.5))])) for r, c in cs],)],
}


@pytest.mark.parametrize("exercise, index", [(e, i) for e, answers in RIGHT.items()
                                             for i in range(len(answers))])
def test_right_answers_pass(exercise, index):
    result = grade(exercise, *RIGHT[exercise][index])
    assert isinstance(result, Passed) and result.exercise == exercise
    assert repr(result).startswith(f"Exercise {exercise} passed: ")


def test_every_exercise_has_a_grader_and_right_answers():
    assert list(EXERCISES) == ["1.1", "1.2", "1.3", "2.1", "2.2", "2.3", "3.1", "4.1", "4.2"]
    assert set(RIGHT) == set(EXERCISES) == {e for e, _, _, _ in WRONG}


def test_a_debug_print_of_a_library_object_is_not_a_library_call(capsys):
    """Showing a group or a layer as text (repr, str, format) computes nothing for the student:
    a right answer with a debug print passes; a call that computes is still refused."""
    relu = nn.ReLU()

    def lifting(x, w):
        print(f"lifting on {P4}: x {x.shape}, {P4!r}, {str(relu)}")
        return my_lifting(x, w)

    assert isinstance(grade("2.1", lifting), Passed)
    assert "lifting on" in capsys.readouterr().out
    with pytest.raises(WrongAnswer, match="calls groupconv"):
        grade("2.1", lambda x, w: my_lifting(x, w) + 0 * P4.element(r=1).matrix()[0, 0])


def test_4_2_says_it_checked_the_lab_only_when_given():
    assert "on the lab" not in repr(grade("4.2", best_scales))


def test_the_lab_scene_of_4_2():
    responses = np.zeros((4, 9, 9))
    responses[2, 4, 5] = 1.0
    responses[1, 2, 2] = 1.0
    assert "and on the lab" in repr(grade("4.2", best_scales, responses=responses,
                                          centres=[(4.2, 5.4), (1.9, 2.1)]))
    with pytest.raises(WrongAnswer, match="not the largest response"):
        grade("4.2", lambda resp, cs: [1, 1] if len(cs) == 2 else best_scales(resp, cs),
              responses=responses, centres=[(4.2, 5.4), (1.9, 2.1)])


def test_the_fresh_scene_of_4_2_changes_the_best_scale_at_every_centre():
    # the grader draws it unseeded: an answer keeping the first scene's responses or answers
    # must be wrong at every centre of every draw, not at most of them
    from groupconv.labs.grading import _best, _fresh_scene, _scene
    first = _scene(np.random.default_rng(42), 4, (17, 17), 5)
    for _ in range(200):
        fresh, centres = _fresh_scene(*first)
        assert fresh.shape == first[0].shape and centres == first[1]
        assert all(not a & b for a, b in zip(_best(fresh, centres), _best(*first)))


def test_4_2_names_clipping_wherever_a_centre_is_below_zero():
    # the unseeded fresh scene has all-negative centres now and then: the clipped answer must
    # be told about clipping there too, not that it keeps old responses (CI saw that)
    def clipped(resp, cs):
        return [int(np.argmax(np.maximum(resp[:, int(np.floor(r + 0.5)), int(np.floor(c + 0.5))],
                                         0))) for r, c in cs]
    for _ in range(40):
        with pytest.raises(WrongAnswer, match=r"all below zero.*np\.maximum\(responses, 0\)"):
            grade("4.2", clipped)


# ------------------------------------------------------------------ the wrong answers
def _rot_product(turn_sign=1, order="ab", rotate_by="a", reduce=True):
    def product(a, b):
        if order == "ba":
            a, b = b, a
        k = {"a": a[0], "b": b[0], "none": 0}[rotate_by] * turn_sign
        t = np.array(a[1:]) + c4_matrix(k) @ np.array(b[1:])
        r = a[0] + b[0]
        return (r % 4 if reduce else r, int(t[0]), int(t[1]))
    return product


def _inverse(turn_sign=-1, negate=True, reduce=True, rotate=True):
    def inverse(a):
        t = -(c4_matrix(turn_sign * a[0] if rotate else 0) @ np.array(a[1:]))
        r = -a[0] if negate else a[0]
        return (r % 4 if reduce else r, int(t[0]), int(t[1]))
    return inverse


def _g_convolution(x, w):
    """The true G-convolution, by hand: out_r = sum_s x_s correlated with the flipped kernel
    plane r - s turned by s."""
    planes = []
    for r in range(4):
        total = 0
        for s in range(4):
            k = np.flip(turn(w[:, :, (r - s) % 4], s), (-2, -1))
            total = total + corr2d(x[:, None, :, s], k[None]).sum(2)
        planes.append(total)
    return np.stack(planes, axis=2)


def _hw_view(x, w):
    """The lifting correlation of x viewed with (W, H) for (H, W), viewed back: right on square
    images only."""
    b, c, h, width = x.shape
    y = my_lifting(x.reshape(b, c, width, h), w)
    return y.reshape(*y.shape[:3], h - 2, width - 2)


def _lifting_rot90_default_axes(x, w):
    """np.rot90 with its default axes: turns a kernel's output and input channels."""
    return np.stack([corr2d(x[:, None], np.rot90(w, r)[None]).sum(axis=2) for r in range(4)],
                    axis=2)


def _relabelled(table, i, j):
    """A Cayley table with the elements at indices i and j swapped (rows, columns, entries)."""
    p = np.arange(8)
    p[[i, j]] = p[[j, i]]
    return p[table[np.ix_(p, p)]]


def _q8_table():
    """The quaternion group's table, ±1, ±i, ±j, ±k at 0..7 (the other non-commutative group
    of order 8), from its 2 x 2 complex matrices."""
    one, i = np.eye(2), np.array([[1j, 0], [0, -1j]])
    j, k = np.array([[0, 1], [-1, 0]]), np.array([[0, 1j], [1j, 0]])
    units = [one, i, j, k, -one, -i, -j, -k]
    return np.array([[next(c for c, u in enumerate(units) if np.allclose(a @ b, u))
                      for b in units] for a in units])


def _kept_by_shape(fn):
    """fn with its results kept between calls, keyed on the arguments' shapes: right once."""
    kept = {}

    def answer(*args):
        key = tuple(np.shape(a) for a in args)
        if key not in kept:
            kept[key] = fn(*args)
        return kept[key]
    return answer


def _kernels_kept_by_shape():
    """A lifting correlation that turns the kernels of its first call only (per shape)."""
    kept = {}

    def answer(x, w):
        turned = kept.setdefault(w.shape, [turn(w, r) for r in range(4)])
        return np.stack([corr2d(x[:, None], t[None]).sum(2) for t in turned], axis=2)
    return answer


def _relu_in_place(fn):
    """fn after a ReLU written into its input."""
    return lambda x, w: fn(np.maximum(x, 0, out=x), w)


def _turns_w_in_place(x, w):
    """The right values, but w left turned by a quarter turn."""
    y = my_lifting(x, w)
    w[...] = turn(w, 1)
    return y


def _folded(bank):
    return bank.reshape(bank.shape[0] * 4, bank.shape[2] * 4, *bank.shape[-2:])


def _net(*layers):
    return lambda: nn.Sequential(list(layers))


def _lift(group="p4", c_in=1, c_out=6, k=3, **kw):
    return nn.LiftingConv(group, c_in, c_out, k, rng=0, **kw)


def _group(group="p4", c_in=6, c_out=6, k=3, **kw):
    return nn.GroupConv(group, c_in, c_out, k, rng=1, **kw)


def _fixed_fft(x, w, n=12):
    """The lifting correlation through FFTs of a fixed size: right on images up to n."""
    spectrum = np.fft.fft2(x, s=(n, n))
    k = w.shape[-1]
    planes = [np.real(np.fft.ifft2(np.einsum("bchw,ochw->bohw", spectrum, np.conj(
        np.fft.fft2(turn(w, r), s=(n, n))))))[..., :x.shape[-2] - k + 1, :x.shape[-1] - k + 1]
        for r in range(4)]
    return np.stack(planes, axis=2)


def _fixed_fft_group(x, w, n):
    """The group correlation through FFTs of a fixed size n: right on images up to n."""
    k = w.shape[-1]
    planes = []
    for r in range(4):
        turned = np.stack([turn(w[:, :, (s - r) % 4], r) for s in range(4)], axis=2)
        spectrum = np.einsum("bcshw,ocshw->bohw", np.fft.fft2(x, s=(n, n)),
                             np.conj(np.fft.fft2(turned, s=(n, n))))
        planes.append(np.real(np.fft.ifft2(spectrum))[..., :x.shape[-2] - k + 1,
                                                      :x.shape[-1] - k + 1])
    return np.stack(planes, axis=2)


def _turned_by_s(x, w):
    """Kernel plane s - r turned by the input's rotation s (not the output's r)."""
    return np.stack([sum(corr2d(x[:, None, :, s], turn(w[None, :, :, (s - r) % 4], s)).sum(2)
                         for s in range(4)) for r in range(4)], axis=2)


def _float32_first(a, b):
    """a's translation held in float32 (b's in Python ints)."""
    t = np.array(a[1:], dtype=np.float32) + np.array(c4_matrix(a[0])) @ np.array(b[1:])
    return (a[0] + b[0]) % 4, int(t[0]), int(t[1])


def _searched_inverse(a):
    """The inverse found by a search over translations in -10..10."""
    return next((r, u, v) for r in range(4) for u in range(-10, 11) for v in range(-10, 11)
                if p4_product(a, (r, u, v)) == (0, 0, 0))


def _height_for_width(responses, centres):
    """Right only where H == W: the row length taken as H."""
    flat = responses.reshape(len(responses), -1)
    return [int(np.argmax(flat[:, round(r) * responses.shape[1] + round(c)]))
            for r, c in centres]


def _sorts_centres(responses, centres):
    centres.sort()
    return best_scales(responses, centres)


def _bfloat16(x, w):
    ml_dtypes = pytest.importorskip("ml_dtypes")     # JAX's bfloat16, in the test extra
    return my_lifting(x, w).astype(ml_dtypes.bfloat16)


def _bank_for_three_only(w):
    """Right where k = 3: the kernel size written into the code."""
    c_out, c_in, k = w.shape[0], w.shape[1], 3
    bank = np.zeros((c_out, 4, c_in, 4) + w.shape[-2:])
    for r in range(4):
        for s in range(4):
            bank[:, r, :, s, :k, :k] = turn(w[:, :, (s - r) % 4, :k, :k], r)
    return bank.reshape(c_out * 4, c_in * 4, *w.shape[-2:])


def _c4_truncated(r):
    """cos and sin of r quarter turns, truncated to integers: right up to |r| = 10^6 + 3."""
    c, s = np.cos(r * np.pi / 2), np.sin(r * np.pi / 2)
    return np.array([[c, -s], [s, c]]).astype(int)


def _p4_product_truncated(a, b):
    """b's translation turned with float cos and sin, truncated by int()."""
    c, s = np.cos(a[0] * np.pi / 2), np.sin(a[0] * np.pi / 2)
    return ((a[0] + b[0]) % 4, int(a[1] + c * b[1] - s * b[2]), int(a[2] + s * b[1] + c * b[2]))


def _lifting_strided(x, w):
    """Windows by as_strided with the strides of a C-contiguous array of x's shape: right on
    contiguous arrays only."""
    b, c, h, wd = x.shape
    k = w.shape[-1]
    item = x.itemsize
    strides = (c * h * wd * item, h * wd * item, wd * item, item, wd * item, item)
    windows = np.lib.stride_tricks.as_strided(x, (b, c, h - k + 1, wd - k + 1, k, k), strides)
    return np.stack([np.einsum("bcijpq,ocpq->boij", windows, turn(w, r)) for r in range(4)], 2)


def _group_correlation_item8(x, w):
    """x's strides taken as multiples of 8 bytes, a float64 answer's: right on float64 arrays
    only (read from a buffer twice x's size, so that float32's wrong reads stay inside it)."""
    x = np.ascontiguousarray(x)
    buffer = np.zeros(2 * x.size, x.dtype)
    buffer[:x.size] = x.ravel()
    strides = tuple(s // x.itemsize * 8 for s in x.strides)
    return my_group_correlation(np.lib.stride_tricks.as_strided(buffer, x.shape, strides), w)


def _buffered(answer):
    """answer, writing its result into one array kept per shape (returned by every call)."""
    kept = {}

    def run(*args):
        out = np.asarray(answer(*args))
        buffer = kept.setdefault(out.shape, np.zeros(out.shape))
        buffer[...] = out
        return buffer
    return run


def _torch_buffered(answer):
    """answer, writing its result into one torch tensor kept per shape."""
    kept = {}

    def run(*args):
        import torch
        out = torch.from_numpy(np.asarray(answer(*args), dtype=np.float64))
        buffer = kept.setdefault(tuple(out.shape), torch.zeros(out.shape, dtype=torch.float64))
        buffer.copy_(out)
        return buffer
    return run


def _exact_angles_int64(n):
    """The products a n in NumPy's int64: they wrap around past 2^63 - 1."""
    with np.errstate(over="ignore"):
        angles = np.array([0, 90, 180, 270], dtype=np.int64)
        return angles[angles * np.int64(n) % 360 == 0].tolist()


def _exact_angles_isclose(n):
    """Membership of 90 k among the group's float angles, with np.isclose's tolerance."""
    angles = np.arange(n) * (360 / n)
    return [a for a in (0, 90, 180, 270) if np.isclose(angles, a).any()]


WRONG = [
    # 1.1 the matrices of C4
    ("1.1", "clockwise", (lambda r: np.linalg.matrix_power(R.T, r % 4),), "clockwise"),
    ("1.1", "cos and sin truncated", (_c4_truncated,), r"c4_matrix\(100000000\).*modulo 4 "
     r"with integers first"),
    ("1.2", "float cos and sin truncated", (_p4_product_truncated, p4_inverse),
     "off by one in a translation entry.*exact integer matrices"),
    ("2.1", "windows from the shape's strides", (_lifting_strided,),
     r"not on views with other strides"),
    ("2.2", "input channel 0 alone", (lambda x, w: my_group_correlation(x[:, :1], w[:, :1]),),
     "reads input channel 0 alone"),
    ("2.2", "computed (O, B, ...), reshaped to (B, O, ...)", (lambda x, w: np.reshape(
        np.swapaxes(my_group_correlation(x, w), 0, 1), (x.shape[0], w.shape[0], 4) +
        my_group_correlation(x, w).shape[3:]),), r"computed as \(C, B, \.\.\.\) and then "
     r"reshaped to \(B, C, \.\.\.\)"),
    ("2.2", "wrong with one input channel only", (lambda x, w: my_group_correlation(x, w) * (
        1 if x.shape[1] > 1 else 2),), r"not for one image of one input channel at the same "
     r"size"),
    ("2.2", "output planes reversed", (lambda x, w: my_group_correlation(x, w)[:, :, ::-1],),
     r"rotation planes are in the order \[3, 2, 1, 0\]"),
    ("2.3", "built (o, c, r, s)", (lambda w: p4_bank(w).transpose(0, 2, 1, 3, 4, 5).reshape(
        w.shape[0] * 4, w.shape[1] * 4, *w.shape[-2:]),), r"laid out as \(o, c, r, s\)"),
    ("4.1", "np.isclose", (_exact_angles_isclose,), "np.isclose"),
    ("4.2", "a set", (lambda resp, cs: set(best_scales(resp, cs)),), "returned a set"),
    ("4.2", "the first centres' pixels kept for later calls", (_pixels_kept(),),
     r"returned 5 answers for 8 centres.*earlier call.*keep centres, pixels"),
    ("4.2", "the first responses kept for later calls of their shape", (_first_kept(),),
     "right on the first scene, but not on new responses of the same shape"),
    ("1.1", "identity", (lambda r: np.eye(2, dtype=int),), r"sends \(1, 0\) to \(1, 0\)"),
    ("1.1", "cos and sin, not rounded",
     (lambda r: np.array([[np.cos(r * np.pi / 2), -np.sin(r * np.pi / 2)],
                          [np.sin(r * np.pi / 2), np.cos(r * np.pi / 2)]]),), "exact integers"),
    ("1.1", "elementwise power", (lambda r: R ** (r % 4),), r"c4_matrix\(0\)|applied 2 times"),
    ("1.1", "a table without modulo", (lambda r: [c4_matrix(k) for k in range(4)][r],),
     r"c4_matrix\(4\) raised IndexError.*modulo 4 .*read at r % 4"),
    ("1.1", "a dict keyed 0..3", (lambda r: {k: c4_matrix(k) for k in range(4)}[r],),
     r"c4_matrix\(4\) raised KeyError: 4: r is defined modulo 4"),
    ("1.1", "modulo of the entries", (lambda r: np.linalg.matrix_power(R, r) % 4,),
     r"c4_matrix\(1\) sends"),
    ("1.1", "homogeneous 3x3", (lambda r: np.eye(3, dtype=int),),
     r"2x2 matrix, got shape \(3, 3\)"),
    ("1.1", "the library's", (lambda r: C4.element(r=r % 4).matrix()[:2, :2],),
     "calls groupconv"),
    ("1.1", "wrong period", (lambda r: np.linalg.matrix_power(R, r % 3),), r"c4_matrix\(3\)"),
    ("1.1", "negative r ignored", (lambda r: np.linalg.matrix_power(R, abs(r)),),
     r"c4_matrix\(-\d\) differs"),
    ("1.1", "forgot to return", (lambda r: None,), "forget to return"),
    # 1.2 p4's law
    ("1.2", "b a for a b", (_rot_product(order="ba"), p4_inverse), "other order"),
    ("1.2", "a pure rotation is its own inverse",
     (p4_product, lambda a: tuple(a) if a[1] == a[2] == 0 else p4_inverse(a)),
     r"p4_inverse is wrong .* for a = \(1, 0, 0\)"),
    ("1.2", "no modulo when b has no translation",
     (lambda a, b: (a[0] + b[0], *a[1:]) if b[1] == b[2] == 0 else p4_product(a, b),
      p4_inverse), "the rotation part is not reduced"),
    ("1.2", "b a when b's first translation entry is 0",
     (lambda a, b: p4_product(b, a) if b[1] == 0 else p4_product(a, b), p4_inverse),
     "p4_product is wrong"),
    ("1.2", "b's own rotation", (_rot_product(rotate_by="b"), p4_inverse), "b's own rotation"),
    ("1.2", "rotation the wrong way", (_rot_product(turn_sign=-1), p4_inverse),
     "wrong way"),
    ("1.2", "translations only added", (_rot_product(rotate_by="none"), p4_inverse),
     "only added"),
    ("1.2", "no modulo", (_rot_product(reduce=False), p4_inverse), "not reduced"),
    ("1.2", "missing inverse of the rotation", (p4_product, _inverse(rotate=False)),
     "does not turn it"),
    ("1.2", "inverse turned the wrong way", (p4_product, _inverse(turn_sign=1)),
     "turned the wrong way"),
    ("1.2", "rotation not inverted", (p4_product, _inverse(negate=False)), "does not undo"),
    ("1.2", "inverse not reduced", (p4_product, _inverse(reduce=False)), "not reduced"),
    ("1.2", "both wrong", (_rot_product(order="ba"), _inverse(rotate=False)),
     r"(?s)p4_product is wrong.*p4_inverse is wrong"),
    ("1.2", "floats from cos and sin",
     (lambda a, b: tuple(np.array(p4_product(a, b)) + 1e-7), p4_inverse), "exact integers"),
    ("1.2", "a pair instead of a triple", (lambda a, b: p4_product(a, b)[:2], p4_inverse),
     r"tuple \(r, u, v\) of three integers"),
    ("1.2", "inverse 4 - r (unreduced at r = 0)",
     (p4_product, lambda a: (4 - a[0],) + p4_inverse(a)[1:]), r"p4_inverse\(\(0, .*not reduced"),
    ("1.2", "a product that raises on one input",
     (lambda a, b: 1 / 0 if (a[0], b[0]) == (3, 2) else p4_product(a, b), p4_inverse),
     r"p4_product\(\(-?\d+, -?\d+, -?\d+\), \(-?\d+, -?\d+, -?\d+\)\) raised "
     r"ZeroDivisionError"),
    ("1.2", "the library's elements",
     (lambda a, b: (P4.element(r=a[0], u=a[1], v=a[2]) * P4.element(r=b[0], u=b[1], v=b[2])
                    ).params, p4_inverse), "calls groupconv"),
    # 1.3 D4's Cayley table
    ("1.3", "transposed table", (lambda: d4_table().T,), "holds b a"),
    ("1.3", "R^r M^m", (lambda: d4_table("rm"),), "the mirror first"),     # = transposed
    ("1.3", "order 2 r + m", (lambda: (lambda p: p[d4_table()[np.ix_(np.argsort(p),
                                                                      np.argsort(p))]])(
        np.array([2 * (i % 4) + i // 4 for i in range(8)])),), "ordered 2 r \\+ m"),
    ("1.3", "M R and M R^2 at each other's index", (lambda: _relabelled(d4_table(), 5, 6),),
     r"D4's with some elements at other indices.*\(1, 1\) is read at index 6"),
    ("1.3", "C8's table (r + r' mod 8)", (lambda: np.add.outer(np.arange(8), np.arange(8)) % 8,),
     "a commutative one"),
    ("1.3", "the quaternions' table", (_q8_table,), r"group of order 8, but not D4.*6 of order 4"),
    ("1.3", "zeros", (lambda: np.zeros((8, 8), int),), "repeats an element"),
    ("1.3", "a row one entry short", (lambda: d4_table().tolist()[:7] + [
        d4_table().tolist()[7][:7]],), r"rows differ in length \(row 7 has 7 entries, the "
     r"others 8\)"),
    ("1.3", "indices from 1", (lambda: d4_table() + 1,),
     "run from 1 to 8: the indices count from 0"),
    ("1.3", "matrices instead of indices", (lambda: np.array(_d4_matrices()),),
     "8 x 8 array of element indices"),
    ("1.3", "the library's table",
     (lambda: groupconv.groups.cayley_table(groupconv.D4).table,), "calls groupconv"),
    # 2.1 the lifting correlation
    ("2.1", "convolution (flipped kernels)", (lambda x, w: my_lifting(x, w, flip=True),),
     "flipped|convolves"),
    ("2.1", "rotation the wrong way", (lambda x, w: my_lifting(x, w, turn_by=lambda r: -r),),
     "clockwise"),
    ("2.1", "kernels not turned", (lambda x, w: my_lifting(x, w, turn_by=lambda r: 0),),
     "not turned"),
    ("2.1", "off by one rotation", (lambda x, w: my_lifting(x, w, turn_by=lambda r: r + 1),),
     "off by one"),
    ("2.1", "transposed kernels", (lambda x, w: my_lifting(np.asarray(x),
                                                           np.swapaxes(w, -1, -2)),),
     "transposed"),
    ("2.1", "rotation and channel axes swapped",
     (lambda x, w: np.swapaxes(my_lifting(x, w), 1, 2),), "order"),
    ("2.1", "no sum over input channels",
     (lambda x, w: np.stack([corr2d(x[:, None], turn(w, r)[None]) for r in range(4)], 3),),
     "extra axis of length 3"),
    ("2.1", "same padding",
     (lambda x, w: my_lifting(np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1))), w),), "'same'"),
    ("2.1", "the output turned instead of the kernel",
     (lambda x, w: np.stack([turn(corr2d(x[:, None], w[None]).sum(2), r) for r in range(4)],
                            axis=2),), "works on square images"),
    ("2.1", "the input turned, not turned back",
     (lambda x, w: np.stack([corr2d(turn(x, -r)[:, None], w[None]).sum(2) for r in range(4)],
                            axis=2),), "works on square images"),
    ("2.1", "the input turned, not turned back (square images only)",
     (lambda x, w: np.stack([corr2d(turn(x, -r)[:, None], w[None]).sum(2) for r in range(4)],
                            axis=2) if x.shape[-1] == x.shape[-2] else my_lifting(x, w),),
     "turned about its centre"),
    ("2.1", "shifted by a pixel (window off by one)",
     (lambda x, w: np.roll(my_lifting(x, w), 1, axis=-1),), "shifted by"),
    ("2.1", "float16", (lambda x, w: my_lifting(x.astype(np.float16), w.astype(np.float16)),),
     "float16"),
    ("2.1", "float16 inside, float64 returned",
     (lambda x, w: my_lifting(x.astype(np.float16), w.astype(np.float16)).astype(float),),
     "float16"),
    ("2.1", "np.rot90 on its default axes (the channels)", (_lifting_rot90_default_axes,),
     r"turned a 4D array with np.rot90 on axes \(0, 1\), its default.*not the rows and "
     r"columns"),
    ("2.1", "np.rot90 with axes=2 (an int)", (lambda x, w: np.stack([corr2d(
        x[:, None], np.rot90(w, r, axes=2)[None]).sum(axis=2) for r in range(4)], axis=2),),
     r"^Exercise 2\.1 \(my_lifting\): my_lifting\(x, w\) .* raised TypeError"),
    ("2.1", "rows and columns mixed up by a view", (_hw_view,),
     "rows and columns must keep their own sizes"),
    ("2.1", "summed over the output channels",
     (lambda x, w: np.repeat(my_lifting(x, w).sum(1, keepdims=True), 3, axis=1),),
     "input channels where 5 output channels"),
    ("2.1", "rows and columns swapped", (lambda x, w: np.swapaxes(my_lifting(x, w), -1, -2),),
     "column, row"),
    ("2.1", "no rotation axis", (lambda x, w: my_lifting(x, w)[:, :, 0],), "no rotation axis"),
    ("2.1", "the library's", (lambda x, w: groupconv.lifting_correlation(x, w, "p4"),),
     "calls groupconv"),
    ("2.1", "a ReLU written into x", (_relu_in_place(my_lifting),), "changed its input x"),
    ("2.1", "right values, w turned in place", (_turns_w_in_place,), "changed its input w"),
    ("2.1", "results kept by shape", (_kept_by_shape(my_lifting),),
     "returns the first input's result again"),
    ("2.1", "turned kernels kept by shape", (_kernels_kept_by_shape(),),
     "keep results or kernels"),
    ("2.1", "wrong batch handling", (lambda x, w: my_lifting(x[:1], w),), "batch axis"),
    ("2.1", "3x3 kernels assumed",
     (lambda x, w: np.stack([sum(x[:, None, :, a:a + x.shape[-2] - 2, b:b + x.shape[-1] - 2]
                                 * turn(w, r)[None, :, :, a, b, None, None]
                                 for a in range(3) for b in range(3)).sum(2)
                             for r in range(4)], axis=2),), "assume a kernel size"),
    # 2.2 the group correlation
    ("2.2", "r - s for s - r", (lambda x, w: my_group_correlation(
        x, w, index=lambda r, s: (r - s) % 4),), "the wrong way round"),
    ("2.2", "planes not shifted", (lambda x, w: my_group_correlation(
        x, w, index=lambda r, s: s),), "not shifted"),
    ("2.2", "s + r", (lambda x, w: my_group_correlation(x, w, index=lambda r, s: (s + r) % 4),),
     "wrong way"),
    ("2.2", "shift off by one", (lambda x, w: my_group_correlation(
        x, w, index=lambda r, s: (s - r + 1) % 4),), "one too many"),
    ("2.2", "kernels not turned", (lambda x, w: my_group_correlation(
        x, w, turn_by=lambda r: 0),), "not turned"),
    ("2.2", "kernels turned clockwise", (lambda x, w: my_group_correlation(
        x, w, turn_by=lambda r: -r),), "clockwise"),
    ("2.2", "both the wrong way round", (lambda x, w: my_group_correlation(
        x, w, index=lambda r, s: (s + r) % 4, turn_by=lambda r: -r),), "reverse order"),
    ("2.2", "no sum over the group (only s = r)", (lambda x, w: my_group_correlation(
        x, w, index=lambda r, s: 0 if s == r else None),), "no sum over the input's rotations"),
    ("2.2", "no sum over the group (extra axis)",
     (lambda x, w: np.stack([np.stack([corr2d(x[:, None, :, s],
                                              turn(w[None, :, :, (s - r) % 4], r)).sum(2)
                                       for s in range(4)], 2) for r in range(4)], 3),),
     "extra axis of length 4"),
    ("2.2", "G-convolution", (_g_convolution,), "G-convolution"),
    ("2.2", "channel and group axes of the input swapped",
     (lambda x, w: my_group_correlation(np.swapaxes(x, 1, 2), w),), "raised|shape"),
    ("2.2", "output axes swapped", (lambda x, w: np.swapaxes(my_group_correlation(x, w), 1, 2),),
     "order"),
    ("2.2", "rotations summed away first",
     (lambda x, w: np.repeat(my_lifting(x.sum(2), w.sum(2))[:, :, :1], 4, 2) * 0
      + my_lifting(x.sum(2), w.sum(2)),), "summed away"),
    ("2.2", "three input channels assumed", (lambda x, w: my_group_correlation(
        x, w) if x.shape[1] == 3 else np.zeros((x.shape[0], w.shape[0], 4, 5, 5)),),
     "number of channels"),
    ("2.2", "float16", (lambda x, w: my_group_correlation(x.astype(np.float16),
                                                          w.astype(np.float16)),), "float16"),
    ("2.2", "the library's", (lambda x, w: groupconv.group_correlation(x, w, "p4"),),
     "calls groupconv"),
    ("2.2", "convolution (flipped kernels)",
     (lambda x, w: my_group_correlation(x, np.flip(w, (-2, -1))),), "flipped"),
    ("2.2", "a ReLU written into x", (_relu_in_place(my_group_correlation),),
     "changed its input x"),
    # 2.3 folding into channels
    ("2.3", "not folded", (p4_bank,), "fold it"),
    ("2.3", "r and s swapped", (lambda w: p4_bank(w).transpose(0, 3, 2, 1, 4, 5).reshape(
        w.shape[0] * 4, w.shape[1] * 4, 3, 3),), r"\[o, s, c, r\]"),
    ("2.3", "folded rotation-major", (lambda w: p4_bank(w).transpose(1, 0, 3, 2, 4, 5).reshape(
        w.shape[0] * 4, w.shape[1] * 4, 3, 3),), "r \\* C_out \\+ o"),
    ("2.3", "r - s", (lambda w: p4_bank(w, index=lambda r, s: (r - s) % 4).reshape(
        w.shape[0] * 4, w.shape[1] * 4, 3, 3),), "holds kernel plane"),
    ("2.3", "not turned", (lambda w: p4_bank(w, turn_by=lambda r: 0).reshape(
        w.shape[0] * 4, w.shape[1] * 4, 3, 3),), "turned by 0 quarter turns"),
    ("2.3", "r - s, named", (lambda w: _folded(p4_bank(w, index=lambda r, s: (r - s) % 4)),),
     "the wrong way round"),
    ("2.3", "planes not shifted", (lambda w: _folded(p4_bank(w, index=lambda r, s: s)),),
     "not shifted"),
    ("2.3", "s + r", (lambda w: _folded(p4_bank(w, index=lambda r, s: (s + r) % 4)),),
     "wrong way"),
    ("2.3", "kernels turned clockwise", (lambda w: _folded(p4_bank(w, turn_by=lambda r: -r)),),
     "clockwise"),
    ("2.3", "float16", (lambda w: _folded(p4_bank(w)).astype(np.float16),), "float16"),
    ("2.3", "sizes assumed", (lambda w: p4_bank(w).reshape(20, 12, 3, 3) if w.shape[0] == 5
                              else np.zeros((8, 4, 2, 2)),), "assume a kernel size"),
    ("2.3", "the library's", (lambda w: groupconv.filter_bank(w, "p4").reshape(
        w.shape[0] * 4, w.shape[1] * 4, 3, 3),), "calls groupconv"),
    ("2.3", "flipped kernels", (lambda w: _folded(p4_bank(np.flip(w, (-2, -1)))),), "flipped"),
    ("2.3", "w normalised in place",
     (lambda w: _folded(p4_bank(np.divide(w, np.abs(w).max(), out=w))),), "changed its input w"),
    ("2.3", "banks kept by shape", (_kept_by_shape(lambda w: _folded(p4_bank(w))),),
     "returns the first bank again"),
    # 3.1 a p4 network
    ("3.1", "no p4 layer at all",
     (_net(nn.GlobalPool("mean", space=groupconv.Space.on_plane(groupconv.Z2)),
           nn.Linear(1, 10)),), "no p4 layer"),
    ("3.1", "a batch norm before the lifting layer",
     (_net(nn.BatchNorm(1), _lift(), nn.ReLU(), _group(), nn.ReLU(), nn.SubgroupPool("max"),
           nn.GlobalPool("mean"), nn.Linear(6, 10)),),
     r"layer 0, BatchNorm\(1\), comes before the lifting layer"),
    ("3.1", "a nonlinearity before the lifting layer",
     (_net(nn.SiLU(), _lift(), nn.ReLU(), _group(), nn.ReLU(), nn.SubgroupPool("max"),
           nn.GlobalPool("mean"), nn.Linear(6, 10)),),
     r"layer 0, SiLU\(\), comes before the lifting layer"),
    ("3.1", "no nonlinearities", (_net(_lift(), _group(), nn.SubgroupPool("max"),
                                       nn.GlobalPool("mean"), nn.Linear(6, 10)),),
     "no nonlinearity"),
    ("3.1", "lifting only", (_net(_lift(), nn.ReLU(), nn.SubgroupPool("max"),
                                  nn.GlobalPool("mean"), nn.Linear(6, 10)),), "no group layer"),
    ("3.1", "no pooling over the rotations",
     (_net(_lift(), nn.ReLU(), _group(), nn.ReLU(), nn.GlobalPool("mean"), nn.Flatten(),
           nn.Linear(24, 10)),), "never pools over the rotations"),
    ("3.1", "pooling over the rotations too early",
     (_net(_lift(), nn.ReLU(), nn.SubgroupPool("max"), _group(), nn.ReLU(),
           nn.GlobalPool("mean"), nn.Linear(6, 10)),), "raised ValueError"),
    ("3.1", "p4m", (_net(_lift("p4m"), nn.ReLU(), _group("p4m"), nn.ReLU(),
                         nn.SubgroupPool("max"), nn.GlobalPool("mean"), nn.Linear(6, 10)),),
     "is on P4M"),
    ("3.1", "a plain CNN", (_net(_lift("z2"), nn.ReLU(), _group("z2"), nn.ReLU(),
                                 nn.SubgroupPool("max"), nn.GlobalPool("mean"),
                                 nn.Linear(6, 10)),), "is on Z2"),
    ("3.1", "five classes", (_net(_lift(), nn.ReLU(), _group(), nn.ReLU(),
                                  nn.SubgroupPool("max"), nn.GlobalPool("mean"),
                                  nn.Linear(6, 5)),), "10 classes"),
    ("3.1", "the second nonlinearity after the pooling",
     (_net(_lift(), nn.ReLU(), _group(), nn.SubgroupPool("mean"), nn.GlobalPool("mean"),
           nn.ReLU(), nn.Linear(6, 10)),), "before the pooling"),
    ("3.1", "a strided pooling", (_net(_lift(), nn.ReLU(), nn.SpatialPool(2), _group(),
                                       nn.ReLU(), nn.SubgroupPool("max"), nn.GlobalPool("mean"),
                                       nn.Linear(6, 10)),), "moves by one pixel"),
    ("3.1", "a list, not a Sequential", (lambda: [_lift(), nn.ReLU()],), "nn.Sequential"),
    ("3.1", "forgot to return", (lambda: None,), "NoneType"),
    ("3.1", "other widths", (_net(_lift(c_out=8), nn.ReLU(), _group(c_in=8, c_out=8),
                                  nn.ReLU(), nn.SubgroupPool("max"), nn.GlobalPool("mean"),
                                  nn.Linear(8, 10)),), "6 channels"),
    ("3.1", "two lifting layers", (_net(_lift(), nn.ReLU(), _lift(c_in=6), nn.ReLU(),
                                        nn.SubgroupPool("max"), nn.GlobalPool("mean"),
                                        nn.Linear(6, 10)),), "raised ValueError|lifting"),
    ("3.1", "three input channels", (_net(_lift(c_in=3), nn.ReLU(), _group(), nn.ReLU(),
                                          nn.SubgroupPool("max"), nn.GlobalPool("mean"),
                                          nn.Linear(6, 10)),), "one"),
    ("3.1", "a linear layer before the pooling",
     (_net(_lift(mode="same"), nn.ReLU(), _group(mode="same"), nn.ReLU(), nn.SubgroupPool("max"),
           nn.Flatten(), nn.Linear(6 * 28 * 28, 10), nn.ReLU(), nn.Linear(10, 10)),),
     "global pooling|linear layer comes before"),
    ("3.1", "SE(2)_4", (_net(_lift(groupconv.SE2(4)), nn.ReLU(), _group(groupconv.SE2(4)),
                             nn.ReLU(), nn.SubgroupPool("max"), nn.GlobalPool("mean"),
                             nn.Linear(6, 10)),), "is on SE2"),
    # 4.1 exact angles
    ("4.1", "integer division", (lambda n: [a for a in range(0, 360, 90)
                                            if a % (360 // n) == 0],), "misses|includes"),
    ("4.1", "always the quarter turns", (lambda n: [0, 90, 180, 270],), "not one of"),
    ("4.1", "long doubles that float64 rounds to the angle",
     (lambda n: [k * (np.longdouble(360) / n) for k in
                 (a * n // 360 for a in (0, 90, 180, 270) if a * n % 360 == 0)],),
     "not exactly 180: floating-point arithmetic rounded it"),
    ("4.1", "a Fraction a hair from 90",
     (lambda n: [Fraction(a) + Fraction(int(a == 90), 10**30) for a in exact_angles(n)],),
     "not exactly 90: floating-point arithmetic rounded it"),
    ("4.1", "360 included", (lambda n: [a for a in range(0, 361, 90) if a * n % 360 == 0],),
     r"\[0, 360\)"),
    ("4.1", "all the group's angles", (lambda n: [360 * k / n for k in range(n)],),
     "does not map the square pixel grid"),
    ("4.1", "only N divisible by 4", (lambda n: [0, 90, 180, 270] if n % 4 == 0 else [0],),
     "misses 180"),
    ("4.1", "radians", (lambda n: [np.deg2rad(a) for a in exact_angles(n)],),
     "right angles in radians: give them in degrees"),
    ("4.1", "an angle twice", (lambda n: exact_angles(n) + [0],), "twice"),
    ("4.1", "angles from floating-point degrees",
     (lambda n: [float(np.degrees(2 * np.pi * k / n)) for k in range(n)
                 if abs(np.degrees(2 * np.pi * k / n) / 90 - round(np.degrees(2 * np.pi * k / n)
                                                                   / 90)) < 1e-9],),
     "not exactly 180: floating-point"),
    ("4.1", "strings", (lambda n: [str(a) for a in exact_angles(n)],), "numbers"),
    ("4.1", "a mask of the quarter turns",
     (lambda n: [a * n % 360 == 0 for a in (0, 90, 180, 270)],), "numbers"),
    ("4.1", "float modulo (360 / 14 is not exact)",
     (lambda n: [a for a in (0, 90, 180, 270) if a % (360 / n) == 0],), "misses 180"),
    # 4.2 the best scales
    ("4.2", "the scale, not its index", (lambda resp, cs: [2 ** i for i in best_scales(resp, cs)],),
     "scale s = 2\\^i"),
    ("4.2", "index plus one", (lambda resp, cs: [i + 1 for i in best_scales(resp, cs)],),
     "i \\+ 1"),
    ("4.2", "hard-coded", (lambda resp, cs: [0, 1, 2],), "one scale index per centre"),
    ("4.2", "flat argmax", (lambda resp, cs: [int(np.argmax(resp)) for _ in cs],),
     "flattened"),
    ("4.2", "row and column swapped",
     (lambda resp, cs: [int(np.argmax(resp[:, int(round(c)), int(round(r))])) for r, c in cs],),
     "row first|not the largest"),
    ("4.2", "argmin", (lambda resp, cs: [int(np.argmin(resp[:, int(round(r)), int(round(c))]))
                                        for r, c in cs],), "smallest"),
    ("4.2", "truncated centres", (lambda resp, cs: [int(np.argmax(resp[:, int(r), int(c)]))
                                                   for r, c in cs],), "cut to integers"),
    # types that only look right
    ("1.2", "strings", (lambda a, b: tuple(str(v) for v in p4_product(a, b)), p4_inverse),
     "three integers"),
    ("4.1", "a dict of the angles", (lambda n: {a: True for a in exact_angles(n)},), "numbers"),
    ("4.1", "float division", (lambda n: [a for a in range(0, 360, 90)
                                          if (a / (360 / n)).is_integer()],), "76\\) misses 270"),
    ("4.1", "float steps of the group", (lambda n: [k * (360 / n) for k in range(n)
                                                    if k * (360 / n) % 90 == 0],),
     "78\\) misses 180"),
    ("4.1", "decreasing", (lambda n: exact_angles(n)[::-1],), "increasing order"),
    ("4.1", "a linspace of the group's angles", (lambda n: [a for a in np.linspace(
        0, 360, n, endpoint=False) if a % 90 == 0],), "not exact in floating point"),
    ("2.3", "output channels folded r * C_out + o", (lambda w: np.moveaxis(
        p4_bank(w).reshape(w.shape[0], 4, w.shape[1], 4, 3, 3), 1, 0).reshape(
        w.shape[0] * 4, w.shape[1] * 4, 3, 3),), "output channels are folded as r \\* C_out"),
    ("1.3", "rows 1 and 3 swapped", (lambda: d4_table()[[0, 3, 2, 1, 4, 5, 6, 7]],),
     "entries disagree with D4"),
    ("4.1", "an angle too large for a float", (lambda n: [10**400],), "too large"),
    ("1.1", "a table for r = -4..8 only", (lambda r: {k: c4_matrix(k) for k in range(-4, 9)}.get(
        r, np.eye(2, dtype=int)),), r"c4_matrix\(-9\) differs from c4_matrix\(3\)"),
    ("4.1", "32-bit integers (numpy's default int on Windows before NumPy 2)",
     (lambda n: [int(a) for a in np.arange(0, 360, 90, dtype=np.int32)
                 if (a * np.int32(n % 2**31)) % 360 == 0],), r"exact_angles\(8000004\) misses"),
    ("4.1", "a set", (lambda n: set(exact_angles(n)),), "a set has no order"),
    ("4.2", "a scale too large for a float", (lambda resp, cs: [10**400] * len(cs),), "too large"),
    ("1.2", "an element too large for a float", (lambda a, b: (10**400, 0, 0), p4_inverse),
     "three integers"),
    ("3.1", "a ReLU that is not one", (lambda: small_p4_network([
        nn.LiftingConv("p4", 1, 6, 3, rng=0), _Identity(), nn.GroupConv("p4", 6, 6, 3, rng=1),
        _Identity(), nn.SubgroupPool("max"), nn.GlobalPool("mean"), nn.Linear(6, 10, rng=2)]),),
     "_Identity is not one of groupconv.nn's layers"),
    ("4.2", "strings", (lambda resp, cs: [str(i) for i in best_scales(resp, cs)],), "numbers"),
    ("4.2", "one string of digits",
     (lambda resp, cs: "".join(str(i) for i in best_scales(resp, cs)),), "numbers"),
    ("4.2", "a slot left NaN", (lambda resp, cs: [np.nan] + best_scales(resp, cs)[1:],),
     "NaN or infinity"),
    ("4.2", "changes the responses", (_zeroes_responses,), "changed its input responses"),
    ("1.1", "unsigned integers", (lambda r: c4_matrix(r).astype(np.uint8),), "unsigned"),
    # right on the shapes tried first only
    ("2.1", "padded to a square of the width", (_padded_to_width,), "taller than wide"),
    ("2.2", "two images hard-coded", (_two_images,), "a batch size"),
    # 3.1: more than the exercise asks for, or a network that is not one
    ("3.1", "an extra group layer", (lambda: small_p4_network([
        nn.LiftingConv("p4", 1, 6, 3, rng=0), nn.ReLU(), nn.GroupConv("p4", 6, 6, 3, rng=1),
        nn.ReLU(), nn.GroupConv("p4", 6, 6, 3, rng=1), nn.ReLU(), nn.SubgroupPool("max"),
        nn.GlobalPool("mean"), nn.Linear(6, 10, rng=2)]),), "3 correlation layers"),
    ("3.1", "a hidden linear layer", (lambda: small_p4_network([
        nn.LiftingConv("p4", 1, 6, 3, rng=0), nn.ReLU(), nn.GroupConv("p4", 6, 6, 3, rng=1),
        nn.ReLU(), nn.SubgroupPool("max"), nn.GlobalPool("mean"), nn.Linear(6, 6, rng=2),
        nn.ReLU(), nn.Linear(6, 10, rng=2)]),), "one linear layer"),
    ("3.1", "a subclass that returns zeros", (lambda: _ZeroNetwork(small_p4_network().layers),),
     "a subclass"),
    # 3.1: invariant networks, but not the one the exercise asks for
    ("3.1", "a global max over space", (_net(
        _lift(), nn.ReLU(), _group(), nn.ReLU(), nn.SubgroupPool("max"), nn.GlobalPool("max"),
        nn.Linear(6, 10, rng=2)),), "asks for a global mean over space"),
    ("3.1", "SiLU for ReLU", (_net(
        _lift(), nn.SiLU(), _group(), nn.ReLU(), nn.SubgroupPool("max"), nn.GlobalPool("mean"),
        nn.Linear(6, 10, rng=2)),), "a SiLU layer"),
    ("3.1", "a batch norm added", (_net(
        _lift(), nn.BatchNorm(6), nn.ReLU(), _group(), nn.ReLU(), nn.SubgroupPool("max"),
        nn.GlobalPool("mean"), nn.Linear(6, 10, rng=2)),), "a BatchNorm layer"),
    ("3.1", "space pooled before the rotations", (_net(
        _lift(), nn.ReLU(), _group(), nn.ReLU(), nn.GlobalPool("mean"), nn.SubgroupPool("max"),
        nn.Linear(6, 10, rng=2)),), "then one global mean over space"),
    ("3.1", "a third ReLU after the pooling", (_net(
        _lift(), nn.ReLU(), _group(), nn.ReLU(), nn.SubgroupPool("max"), nn.GlobalPool("mean"),
        nn.ReLU(), nn.Linear(6, 10, rng=2)),), "3 ReLUs"),
    ("3.1", "a second lifting layer after pooling", (_net(
        _lift(), nn.ReLU(), nn.SubgroupPool("max"), _lift(c_in=6), nn.ReLU(),
        nn.SubgroupPool("max"), nn.GlobalPool("mean"), nn.Linear(6, 10, rng=2)),),
     "a second lifting layer"),
    # answers rounded (a float64 result is held to float64's rounding)
    ("2.1", "rounded to 4 decimals", (lambda x, w: np.round(my_lifting(x, w), 4),),
     "rounded to 4 decimals"),
    ("2.2", "rounded to 4 decimals", (lambda x, w: np.round(my_group_correlation(x, w), 4),),
     "rounded to 4 decimals"),
    ("2.3", "rounded to 4 decimals", (lambda w: np.round(folded_bank(w), 4),),
     "rounded to 4 decimals"),
    ("2.1", "noise of 1e-6", (lambda x, w: my_lifting(x, w) * (
        1 + 1e-6 * np.random.default_rng(0).standard_normal(my_lifting(x, w).shape)),),
     "close, but further off than float64 rounding.*did you round"),
    ("2.3", "noise of 1e-4", (lambda w: folded_bank(w) * (
        1 + 1e-4 * np.random.default_rng(0).standard_normal(folded_bank(w).shape)),),
     "close to the right one.*further off than float64 rounding"),
    ("2.1", "a mean over the input channels", (lambda x, w: my_lifting(x, w) / x.shape[1],),
     "divided by 3: a mean over the input channels"),
    ("2.2", "a mean over the rotations", (lambda x, w: my_group_correlation(x, w) / 4,),
     "divided by 4: a mean over the input's rotations"),
    ("2.1", "a largest image size", (_fixed_fft,), "28 x 28"),
    # from a third student's review: a power of two at least MNIST's 28 (right up to 32)
    ("2.1", "a 32-point FFT", (lambda x, w: _fixed_fft(x, w, 32),), "37 x 41"),
    ("2.2", "a 32-point FFT", (lambda x, w: _fixed_fft_group(x, w, 32),), "37 x 41"),
    ("1.2", "a's translation in float32", (_float32_first, p4_inverse), "narrow number type"),
    ("2.2", "kernels turned by s", (_turned_by_s,), "turned by the input's rotation s"),
    ("2.2", "a sum over range(3)", (lambda x, w: my_group_correlation(
        x, w, index=lambda r, s: (s - r) % 4 if s < 3 else None),), "leaves out s = 3"),
    ("2.2", "a sum over range(1, 4)", (lambda x, w: my_group_correlation(
        x, w, index=lambda r, s: (s - r) % 4 if s > 0 else None),), "leaves out s = 0"),
    ("1.2", "an inverse in float32", (p4_product, _float32_inverse), "narrow number type"),
    ("1.2", "an inverse searched in a window", (p4_product, _searched_inverse),
     "raised StopIteration"),
    ("1.2", "int8 translations", (lambda a, b: tuple(np.array(p4_product(a, b)).astype(np.int8)
                                                    .tolist()), p4_inverse), "not a b"),
    ("4.2", "height used for width", (_height_for_width,), "height for a width"),
    ("4.2", "centres sorted in place", (_sorts_centres,), "changed its input centres"),
    ("2.1", "bfloat16", (_bfloat16,), "bfloat16 values"),
    # from a student's review: messages that pointed elsewhere
    ("2.3", "a bank for 3 x 3 kernels only", (_bank_for_three_only,),
     r"right for w of shape \(5, 3, 4, 3, 3\).*assume a kernel size \(k = 3\)"),
    ("4.2", "argmax over a flattened slice", (lambda resp, cs: [
        int(np.argmax(resp[:, int(np.floor(r + 0.5))])) for r, c in cs],),
     "an index into a flattened array"),
    ("4.1", "quarter turns", (lambda n: [a // 90 for a in exact_angles(n)],),
     "counts quarter turns"),
    ("2.1", "one window short", (lambda x, w: my_lifting(x, w)[..., :-1, :-1],),
     r"one output position too few along each axis.*H - k \+ 1"),
    # from a second student's review: an endless iterator hung the kernel, and messages that
    # pointed elsewhere
    ("4.1", "an endless map", (lambda n: map(int, itertools.repeat(0)),),
     r"returned an iterator of more than 1000000 items \(an endless one\?\)"),
    ("4.1", "int32 arithmetic", (_int32_angles,),
     r"270 x 8000004 = 2,160,001,080 is more than 2\^31 - 1.*32-bit integers overflows"),
    ("2.1", "an output of integers", (lambda x, w: my_lifting(x, w).astype(np.int64),),
     r"returned int64 values for real-valued inputs: an output array of integers truncates"),
    ("2.3", "a bank of integers", (lambda w: p4_bank(w).astype(np.int64),),
     r"returned int64 values for real-valued inputs"),
    ("1.1", "booleans", (lambda r: np.abs(c4_matrix(r)).astype(bool),), "returned booleans"),
    ("1.2", "float32 arithmetic", (_float32_product, _float32_inverse),
     r"right for translations up to 1,000,000, but .* a narrow number type loses digits"),
    ("2.2", "kernels turned r + 1 times",
     (lambda x, w: my_group_correlation(x, w, turn_by=lambda r: r + 1),),
     "turned one quarter turn too many or too few"),
    ("2.2", "output planes rolled by one",
     (lambda x, w: np.roll(my_group_correlation(x, w), 1, axis=2),),
     "the output planes are rolled by one"),
    ("2.2", "w read as (O, S, C)",
     (lambda x, w: my_group_correlation(x, np.swapaxes(w, 1, 2).reshape(w.shape)),),
     "input-channel and rotation axes swapped"),
    ("2.2", "r - s and clockwise",
     (lambda x, w: my_group_correlation(x, w, index=lambda r, s: (r - s) % 4,
                                        turn_by=lambda r: -r),), "two mistakes at once"),
    ("3.1", "a mean projection", (lambda: small_p4_network([
        nn.LiftingConv("p4", 1, 6, 3, rng=0), nn.ReLU(), nn.GroupConv("p4", 6, 6, 3, rng=1),
        nn.ReLU(), nn.SubgroupPool("mean"), nn.GlobalPool("mean"), nn.Linear(6, 10, rng=2)]),),
     r"projection over the rotations takes the mean.*SubgroupPool\(\"max\"\)"),
    ("2.1", "one buffer returned by every call", (_buffered(my_lifting),),
     r"the array my_lifting\(x, w\) .* returned changed when your function was called again"),
    ("4.2", "a rounding threshold of .45", (lambda resp, cs: [int(np.argmax(resp[
        :, math.floor(r + 0.45), math.floor(c + 0.45)])) for r, c in cs],),
     r"for the centre \(.*\) you answer scale index \d, which is not the largest response"),
    ("2.3", "one buffer returned by every call", (_buffered(folded_bank),),
     r"the array p4_bank\(w\) .* returned changed when your function was called again"),
    ("2.1", "float32 rounded to 4 decimals", (lambda x, w: np.round(
        my_lifting(x, w).astype(np.float32), 4),), r"multiple of 1e-4: your result is the right "
     r"one rounded to 4 decimals"),
    ("2.1", "whole numbers of the wrong shape", (lambda x, w: np.ones((2, 5, 7, 9)),),
     r"your output has shape \(2, 5, 7, 9\); expected \(2, 5, 4, 7, 9\)"),
    ("2.1", "rounded to whole numbers", (lambda x, w: np.round(my_lifting(x, w)),),
     r"every entry of my_lifting\(x, w\) is a whole number: your result is the right one "
     r"rounded to whole numbers"),
    ("2.2", "float32 rounded to 4 decimals", (lambda x, w: np.round(
        my_group_correlation(x, w).astype(np.float32), 4),), r"rounded to 4 decimals"),
    ("2.3", "rounded to 3 decimals", (lambda w: np.round(folded_bank(w), 3),),
     r"rounded to 3 decimals"),
    ("2.1", "plus 0.01", (lambda x, w: my_lifting(x, w) + 0.01,),
     r"close, but your result is the right one plus 0.01 everywhere"),
    ("2.2", "plus 0.01", (lambda x, w: my_group_correlation(x, w) + 0.01,),
     r"close, but your result is the right one plus 0.01 everywhere"),
    ("2.3", "plus 0.001", (lambda w: folded_bank(w) + 0.001,),
     r"the right one plus 0.001 everywhere"),
    ("2.3", "times 1.001", (lambda w: folded_bank(w) * 1.001,),
     r"the right one times 1.001: a constant factor"),
    ("2.1", "a ReLU on the output", (lambda x, w: np.maximum(my_lifting(x, w), 0),),
     r"positive part \(a ReLU\) of the lifting correlation"),
    ("2.2", "the absolute value", (lambda x, w: np.abs(my_group_correlation(x, w)),),
     r"absolute value of the group correlation"),
    ("2.3", "kernels transposed", (lambda w: np.swapaxes(p4_bank(w), -1, -2).reshape(
        w.shape[0] * 4, w.shape[1] * 4, *w.shape[-2:]),), r"every kernel of your bank is the "
     r"right one transposed"),
    ("4.1", "int64 products", (_exact_angles_int64,), r"exact_angles\(1000000000000000002\) "
     r"misses 180.*product of 64-bit integers overflows"),
    ("2.2", "strides of 8-byte items", (_group_correlation_item8,),
     r"right on float64 arrays, but not on float32 ones.*8-byte items"),
    ("3.1", "'same' padding", (lambda: small_p4_network([
        nn.LiftingConv("p4", 1, 6, 3, mode="same", rng=0), nn.ReLU(),
        nn.GroupConv("p4", 6, 6, 3, mode="same", rng=1), nn.ReLU(),
        nn.SubgroupPool("max"), nn.GlobalPool("mean"), nn.Linear(6, 10, rng=2)]),),
     r"layer 0, .*pads its input \(mode='same'\); the exercise's correlations are valid"),
    ("3.1", "a group layer padded by one", (lambda: small_p4_network([
        nn.LiftingConv("p4", 1, 6, 3, rng=0), nn.ReLU(),
        nn.GroupConv("p4", 6, 6, 3, mode=1, rng=1), nn.ReLU(),
        nn.SubgroupPool("max"), nn.GlobalPool("mean"), nn.Linear(6, 10, rng=2)]),),
     r"layer 2, .*pads its input \(mode=1\)"),
    ("3.1", "no bias", (lambda: small_p4_network([
        nn.LiftingConv("p4", 1, 6, 3, rng=0), nn.ReLU(),
        nn.GroupConv("p4", 6, 6, 3, bias=False, rng=1), nn.ReLU(),
        nn.SubgroupPool("max"), nn.GlobalPool("mean"), nn.Linear(6, 10, rng=2)]),),
     r"layer 2, .*without a bias"),
    ("3.1", "a G-convolution", (lambda: small_p4_network([
        nn.LiftingConv("p4", 1, 6, 3, rng=0), nn.ReLU(),
        nn.GroupConv("p4", 6, 6, 3, kind="convolution", rng=1), nn.ReLU(),
        nn.SubgroupPool("max"), nn.GlobalPool("mean"), nn.Linear(6, 10, rng=2)]),),
     "is a G-convolution; the exercise's p4 group layer is the G-correlation"),
    ("4.2", "an index counted from the end", (lambda resp, cs: [
        int(np.argmax(resp[::-1, int(round(r)), int(round(c))])) - len(resp) for r, c in cs],),
     "a negative index counts from the end of the scale axis"),
    # from a third student's review: mistakes that show only above the grader's largest input
    ("2.1", "one image returned without its batch axis", (
        lambda x, w: my_lifting(x, w)[0] if len(x) == 1 else my_lifting(x, w),),
     r"returned shape \(2, 4, 26, 26\), where the output is \(1, 2, 4, 26, 26\) \(an axis "
     r"of length 1 dropped"),
    ("4.1", "math.isclose (a tolerance of 1e-9)", (lambda n: [
        a for a in (0, 90, 180, 270) if math.isclose(a, round(a / (360 / n)) * (360 / n))],),
     r"exact_angles\(4000000001\) includes 90.*a comparison with a tolerance"),
    ("4.1", "n held as a float32", (lambda n: exact_angles(int(np.float32(n))),),
     r"exact_angles\(16777217\) = \[0, 90, 180, 270\] is the answer for n = 16,777,216, the "
     r"float32 nearest to 16,777,217: n, or a product or quotient of n, held as a float32"),
    ("4.1", "n held as a float64", (lambda n: exact_angles(int(float(n))),),
     r"exact_angles\(9007199254740993\) = \[0, 90, 180, 270\] is the answer for n = "
     r"9,007,199,254,740,992, the float64 nearest"),
    ("4.1", "a step's Fraction with denominators up to 10^6", (lambda n: [
        a for a in (0, 90, 180, 270)
        if a % Fraction(360 / n).limit_denominator() == 0],), r"exact_angles\(\d{7,}\)"),
    ("1.1", "cos and sin rounded to the nearest (right up to 2^53, where r * pi / 2 loses r)",
     (lambda r: np.rint([[np.cos(r * np.pi / 2), -np.sin(r * np.pi / 2)],
                         [np.sin(r * np.pi / 2), np.cos(r * np.pi / 2)]]).astype(int),),
     r"c4_matrix\(9007199254740993\) differs.*cos and sin of r pi / 2 in floating point"),
    ("4.1", "every step of the group, as one NumPy array (too large for memory at 4 10^9: "
            "the allocation's error raised here, where a test cannot allocate 30 GiB)",
     (_steps_in_one_array,),
     r"exact_angles\(4000000001\) raised MemoryError: .*decide from n without listing"),
    ("1.1", "r reduced in floating point", (lambda r: c4_matrix(int(r - 4 * np.floor(r / 4))),),
     r"c4_matrix\(9007199254740993\) differs.*r itself as a float .* is exact up to 2\^53"),
    ("4.2", "responses clipped at zero", (lambda resp, cs: [
        int(np.argmax(np.maximum(resp[:, int(np.floor(r + 0.5)), int(np.floor(c + 0.5))], 0)))
        for r, c in cs],), r"all below zero.*np\.maximum\(responses, 0\)"),
]


#: Patterns no message may contain: pieces of the solutions.
GIVEAWAYS = [r"matrix_power", r"np\.rot90\(w", r"\(s - r\) % 4", r"s - r\b", r"\[\[0, -1\], \[1, 0\]\]",
             r"R\^-r t", r"-R\^-r", r"-h\^-1 t", r"h1 t2", r"\bis meant\b"]


@pytest.mark.parametrize("exercise, name, answer, pattern", WRONG,
                         ids=[f"{e} {n}" for e, n, _, _ in WRONG])
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # the int32 answer's
def test_wrong_answers_fail_with_a_helpful_message(exercise, name, answer, pattern):
    with pytest.raises(WrongAnswer) as failure:
        grade(exercise, *answer)
    message = str(failure.value)
    assert message.startswith(f"Exercise {exercise}"), message
    assert re.search(pattern, message), message
    for giveaway in GIVEAWAYS:
        assert not re.search(giveaway, message), (giveaway, message)


def test_grade_says_how_many_functions_an_exercise_takes():
    with pytest.raises(TypeError, match=r"exercise 1.2 takes 2 functions, p4_product and "
                                        r"p4_inverse: .*got 1 argument"):
        grade("1.2", p4_product)
    with pytest.raises(TypeError, match="as separate arguments, not one tuple"):
        grade("1.2", (p4_product, p4_inverse))
    with pytest.raises(TypeError, match="exercise 2.1 takes 1 function, my_lifting: .*got 2"):
        grade("2.1", my_lifting, my_lifting)
    # a keyword the grader does not take (dtype= is 2.1's and 2.2's): named, not a TypeError
    # from inside the grader
    with pytest.raises(TypeError, match=r"exercise 2.3 takes no keyword argument, got dtype="):
        grade("2.3", p4_bank, dtype=np.float32)
    with pytest.raises(TypeError, match=r"exercise 2.1 takes the keyword arguments dtype=, got "
                                        r"dtyp="):
        grade("2.1", my_lifting, dtyp=np.float32)


def _buffered_group_correlation(x, w):
    """A right answer whose output is np.zeros(shape): float64 whatever the inputs' dtype."""
    out = np.zeros((x.shape[0], w.shape[0], 4, x.shape[-2] - w.shape[-2] + 1,
                    x.shape[-1] - w.shape[-1] + 1))
    out[...] = my_group_correlation(x, w)
    return out


def test_float32_inputs_are_held_to_float32_rounding_whatever_the_output_dtype():
    """grade(..., dtype=np.float32) gives the answer float32 inputs: a right answer that
    returns float64 (an np.zeros buffer) passes, as lab 2's cell says; graded on float64
    inputs through a cast of its own it fails float64's 1e-10, as the grader cannot see the
    cast."""
    assert "every input float32" in str(grade("2.2", _buffered_group_correlation,
                                              dtype=np.float32))
    assert "every input float32" in str(grade("2.1", my_lifting, dtype=np.float32))
    with pytest.raises(WrongAnswer, match="further off than float64 rounding"):
        grade("2.2", lambda x, w: _buffered_group_correlation(x.astype(np.float32),
                                                              w.astype(np.float32)))
    with pytest.raises(ValueError, match=r"dtype \(of the inputs the grader gives my_group_correlation\) must be float32 or float64"):
        grade("2.2", my_group_correlation, dtype=np.float16)


def test_a_result_finer_than_float64_is_held_to_float64_rounding():
    """A long double result rounded to 5 decimals is no float32 result: refused (named as
    rounded), and so is one off by 1e-9 relative (held to float64's 1e-10, not float32's)."""
    with pytest.raises(WrongAnswer, match="rounded to 5 decimals"):
        grade("2.1", lambda x, w: np.round(my_lifting(x, w), 5).astype(np.longdouble))
    with pytest.raises(WrongAnswer, match="further off than float64 rounding"):
        grade("2.1", lambda x, w: (my_lifting(x, w) * (1 + 1e-9 * np.sin(
            np.arange(my_lifting(x, w).size)).reshape(my_lifting(x, w).shape))
                                   ).astype(np.longdouble))
    with pytest.raises(WrongAnswer, match=r"the right one times 1\.000000001: a constant"):
        grade("2.1", lambda x, w: (my_lifting(x, w) * (1 + 1e-9)).astype(np.longdouble))


def test_check_layer_is_relayed_without_its_solution_fragments():
    """check_layer speaks to library users and names the right index (h_s^-1 h_t (s - r) is
    meant); a grader relays its other explanations only, and filters at least GIVEAWAYS."""
    from groupconv.labs.grading import SOLUTION_FRAGMENTS, _relayed

    assert set(GIVEAWAYS) <= set(SOLUTION_FRAGMENTS)
    report = groupconv.check_layer(
        lambda x, w: my_group_correlation(x, w, index=lambda r, s: (r - s) % 4), "p4",
        "correlation")
    assert re.search(r"s - r\b", report.diagnosis)
    relayed = _relayed(report)
    assert relayed is not None and "[0, 3, 2, 1]" in relayed, relayed
    for giveaway in GIVEAWAYS:
        assert not re.search(giveaway, relayed), (giveaway, relayed)


def test_an_unsolved_exercise_shows_its_hint():
    def unsolved(x, w):
        raise NotImplementedError("Exercise 2.1: the hint")

    with pytest.raises(NotImplementedError, match="Exercise 2.1: the hint"):
        grade("2.1", unsolved)


def test_grade_refuses_what_is_not_an_exercise():
    with pytest.raises(ValueError, match="exercise must be one of '1.1', '1.2'"):
        grade("5.1", c4_matrix)
    with pytest.raises(TypeError, match="exercise must be a string.*got float 1.1"):
        grade(1.1, c4_matrix)
    with pytest.raises(TypeError, match=r"small_p4_network itself, got Sequential, a network"):
        grade("3.1", small_p4_network())
    with pytest.raises(TypeError, match="takes your function c4_matrix"):
        grade("1.1", "R")
    with pytest.raises(TypeError):
        grade("1.2", p4_product)      # the inverse is missing


def test_the_watch_on_library_calls_leaves_the_profiler_as_it_was():
    import sys

    def mine(frame, event, arg):
        return None

    sys.setprofile(mine)
    try:
        grade("1.1", c4_matrix)
        with pytest.raises(WrongAnswer):
            grade("1.1", lambda r: C4.element(r=r % 4).matrix()[:2, :2])
        assert sys.getprofile() is mine
    finally:
        sys.setprofile(None)



class _Lazy:
    """A result that computes with groupconv when NumPy reads it."""

    def __init__(self, x, w):
        self.x, self.w = x.copy(), w.copy()

    def __array__(self, dtype=None, copy=None):
        return groupconv.lifting_correlation(self.x, self.w, "p4")


def _in_a_thread(r):
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: C4.element(r=r % 4).matrix()[:2, :2]).result()


def _watch_off(r):
    import sys

    sys.setprofile(None)
    return C4.element(r=r % 4).matrix()[:2, :2]


def _reads_the_graders_frames(resp, cs):
    import sys

    frame = sys._getframe(1)
    while frame is not None and "best" not in frame.f_locals:
        frame = frame.f_back
    return list(frame.f_locals["best"])


def _patches_the_grader(x, w):
    import groupconv.labs.grading as grading

    grading._close = lambda a, b: a.shape == b.shape
    return np.zeros((x.shape[0], w.shape[0], 4, x.shape[-2] - 2, x.shape[-1] - 2))


def _exits(r):
    import sys

    sys.exit(3)


def _in_a_subprocess(r):
    import pickle
    import subprocess
    import sys

    code = ("import pickle, sys; from groupconv import C4; "
            f"sys.stdout.buffer.write(pickle.dumps(C4.element(r={r} % 4).matrix()[:2, :2]))")
    return pickle.loads(subprocess.run([sys.executable, "-c", code], capture_output=True,
                                       check=True).stdout)


def _reads_the_graders_objects(resp, cs):
    import gc

    gc.get_referrers(cs[0])          # the way to the grader's own scene
    return [0] * len(cs)


class _LateFloat(float):
    """A float whose value is computed when the grader reads it, from the grader's frames."""

    def __new__(cls, i):
        made = super().__new__(cls, 0.0)
        made.i = i
        return made

    def __float__(self):
        import sys

        frame = sys._getframe(1)
        while "best" not in frame.f_locals:
            frame = frame.f_back
        return float(min(frame.f_locals["best"][self.i]))


def _patches_the_grader_on_a_retry(x, w):
    """Raises on the non-square input; on the grader's square retry, patches the grader."""
    if x.shape[-1] != x.shape[-2]:
        raise ValueError("not square")
    import groupconv.labs.grading as grading

    grading._close = lambda a, b: a.shape == b.shape
    return np.zeros(1)


def test_a_second_import_of_groupconv_is_groupconv(tmp_path):
    """A copy imported under another name through a symlink runs groupconv's code."""
    import importlib.util
    import sys

    alias = tmp_path / "alias"
    try:
        alias.symlink_to(pathlib.Path(groupconv.__file__).parent, target_is_directory=True)
    except OSError:
        pytest.skip("no symlinks here")
    spec = importlib.util.spec_from_file_location("groupconv_alias", alias / "__init__.py",
                                                  submodule_search_locations=[str(alias)])
    module = importlib.util.module_from_spec(spec)
    sys.modules["groupconv_alias"] = module
    try:
        spec.loader.exec_module(module)
        with pytest.raises(WrongAnswer, match="calls groupconv"):
            grade("1.1", lambda r: module.C4.element(r=r % 4).matrix()[:2, :2])
    finally:
        for name in [n for n in sys.modules if n.startswith("groupconv_alias")]:
            del sys.modules[name]


def test_a_table_of_the_graders_draws_does_not_pass():
    """The second draw is fresh, not seeded: results recorded from earlier attempts (outside
    the grader) do not answer it."""
    table, pending = {}, []

    def lookup(x, w):
        key = (x.shape, w.shape, x.tobytes(), w.tobytes())
        if key not in table:
            pending.append((x.copy(), w.copy()))
            return np.zeros((x.shape[0], w.shape[0], 4, x.shape[-2] - 2, x.shape[-1] - 2))
        return table[key]

    for _ in range(8):
        with pytest.raises(WrongAnswer):
            grade("2.2", lookup)
        for x, w in pending:
            table[x.shape, w.shape, x.tobytes(), w.tobytes()] = \
                groupconv.group_correlation(x, w, "p4")
        pending.clear()


def _patches_numpy_random(x, w, seeded=np.random.default_rng):
    """Makes the grader's fresh draws repeat one seed (numpy.random is a submodule)."""
    np.random.default_rng = lambda seed=None: seeded(21)
    return my_lifting(x, w)


@pytest.mark.parametrize("exercise, answer, pattern", [
    ("2.1", lambda x, w: _Lazy(x, w), "calls groupconv"),
    ("4.1", lambda n: (a for a in [C4.element(r=0).matrix()[0, 0] * 0]), "calls groupconv"),
    ("1.1", _in_a_thread, "calls groupconv"),
    ("1.1", _watch_off, "calls sys.setprofile"),
    ("2.3", lambda w: __import__("groupconv.labs.grading").labs.grading._bank_variant(
        w, lambda r, s: (s - r) % 4, lambda r, s: r).reshape(w.shape[0] * 4, w.shape[1] * 4, 3, 3),
     "calls groupconv \\(groupconv.labs.grading._bank_variant\\)"),
    ("4.2", _reads_the_graders_frames, "calls sys._getframe"),
    ("2.1", _patches_the_grader, "changed groupconv.labs.grading._close \\(the change is undone"),
    ("1.1", _exits, "called sys.exit"),
    ("1.1", _in_a_subprocess, "calls subprocess.Popen"),
    ("4.2", _reads_the_graders_objects, "calls gc.get_referrers"),
    ("4.2", lambda resp, cs: [_LateFloat(i) for i in range(len(cs))], "calls sys._getframe"),
    ("2.1", _patches_the_grader_on_a_retry, "raised ValueError: not square"),
    ("2.1", _patches_numpy_random,
     "changed numpy.random.default_rng \\(the change is undone"),
], ids=["lazy result", "lazy iterator", "thread", "watch off", "grader's helper",
        "grader's frames", "patched grader", "sys.exit", "subprocess", "grader's objects",
        "a float read late", "a retry that patches", "numpy.random rebound"])
def test_answers_that_get_round_the_watch_are_refused(exercise, answer, pattern):
    import groupconv.labs.grading as grading

    close = grading._close
    with pytest.raises(WrongAnswer, match=pattern):
        grade(exercise, answer)
    assert grading._close is close             # a patch is undone
    grade("2.2", RIGHT["2.2"][0][0])           # and the graders work as before


@pytest.mark.torch
def test_a_torch_answer_whose_result_requires_grad_passes():
    torch = pytest.importorskip("torch")

    def lifting(x, w):
        weights = torch.tensor(w, requires_grad=True)
        return torch.stack([torch.nn.functional.conv2d(torch.tensor(x), torch.rot90(
            weights, r, dims=(-2, -1))) for r in range(4)], 2)
    assert isinstance(grade("2.1", lifting), Passed)


def test_answers_that_run_past_their_time_are_stopped_and_told_why(monkeypatch):
    """Right, but listing the n angles (4.1) or turning |r| times (1.1): stopped past
    ``SECONDS`` (here 0.3 s) on the first large input, by the alarm in the main thread and by
    the clock thread in another thread; an answer's own ``except Exception``, or a bare
    ``except:`` that goes on, does not hold it; the caller's timer and alarm handler are put
    back."""
    import signal
    from groupconv.labs import grading
    monkeypatch.setattr(grading, "SECONDS", 0.3)
    small = {n: exact_angles(n) for n in range(1, 10**4)}

    def listing(n):
        try:
            return [a for a in (0, 90, 180, 270) if a in {360 * k // n for k in range(n)
                                                        if 360 * k % n == 0}]
        except Exception:
            return exact_angles(n)

    finished = []                # listings that ran to the end after the time ran out

    def holding(n):              # a bare except, and then the same again
        try:
            return listing(n)
        except:  # noqa: E722 (the student's)
            finished.append(listing(n))
            return finished[-1]

    def listing_large_only(n, listing=listing):     # the grader's small n answered at once
        return small[n] if n in small else exact_angles(n) if n < 10**7 else listing(n)

    def turning(r):              # 1.1: r % 4 turns, but |r| of them on the largest r
        m = np.eye(2, dtype=int)
        for _ in range(abs(r) if abs(r) > 2**53 else r % 4):
            m = R @ m
        return m

    angles = (r"exact_angles\(16777217\) ran for more than 0.3 s: decide from n without "
              r"listing SE\(2\)_16777217's 16,777,217 angles")
    turns = (r"c4_matrix\(9007199254740993\) ran for more than 0.3 s: r quarter turns are the "
             r"same rotation as r % 4")
    has_timer = hasattr(signal, "setitimer")
    if has_timer:
        kept = signal.signal(signal.SIGALRM, signal.SIG_IGN)      # the caller's
        signal.setitimer(signal.ITIMER_REAL, 500.0)
    try:
        for exercise, answer, pattern in (("4.1", listing_large_only, angles),
                                          ("4.1", lambda n: listing_large_only(n, holding),
                                           angles),
                                          ("1.1", turning, turns)):
            with pytest.raises(WrongAnswer, match=pattern):
                grade(exercise, answer)
            if has_timer:
                assert signal.getsignal(signal.SIGALRM) is signal.SIG_IGN
                assert 0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 500     # put back
    finally:
        if has_timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, kept)
    caught = []

    def in_a_thread():
        for answer in (listing_large_only, lambda n: listing_large_only(n, holding)):
            try:
                grade("4.1", answer)
            except WrongAnswer as error:
                caught.append(str(error))
    thread = threading.Thread(target=in_a_thread)
    thread.start()
    thread.join(120)
    assert len(caught) == 2 and all(re.search(angles, c) for c in caught), caught
    assert not finished, "a bare except: held the time limit off; the listing ran to its end"


def test_1_2_a_law_wrong_only_where_check_group_law_draws_is_named_without_a_crash():
    """(An answer right on the grader's own pairs but not on check_group_law's draws, and one
    that goes wrong after some calls.) Each gets a WrongAnswer that says what it found."""
    from groupconv import check_group_law

    asked = []                        # the pairs check_group_law asks on its own (its seed)
    check_group_law(lambda a, b: asked.append((a, b)) or p4_product(a, b), p4_inverse, P4)
    calls = []                        # every pair the grader asks, in order
    grade("1.2", lambda a, b: calls.append((tuple(a), tuple(b))) or p4_product(a, b),
          p4_inverse)
    own = calls[:(len(calls) - len(asked)) // 2]       # its own pairs, before check_group_law's
    only_drawn = next((a, b) for a, b in asked if (a, b) not in set(own) and
                      p4_product(a, b) != p4_product(b, a))
    with pytest.raises(WrongAnswer, match=r"right on the grader's \d+ pairs, but not on "
                                          r"check_group_law's") as failure:
        grade("1.2", lambda a, b: p4_product(b, a) if (tuple(a), tuple(b)) == only_drawn
              else p4_product(a, b), p4_inverse)
    assert "check_group_law says" in str(failure.value)

    def raising(a, b):                  # an exception on a drawn pair only: named with its call
        if (tuple(a), tuple(b)) == only_drawn:
            raise ValueError("not written for this case")
        return p4_product(a, b)

    with pytest.raises(WrongAnswer, match="^" + re.escape(
            f"Exercise 1.2 (p4_product): p4_product({only_drawn[0]}, {only_drawn[1]}) raised "
            f"ValueError")):
        grade("1.2", raising, p4_inverse)

    def library_once(a, b):           # the library called on a drawn pair only: named so, not
        if (tuple(a), tuple(b)) == only_drawn:        # "right on the grader's pairs"
            return (P4.element(r=a[0], u=a[1], v=a[2]) * P4.element(r=b[0], u=b[1], v=b[2])
                    ).params
        return p4_product(a, b)

    with pytest.raises(WrongAnswer, match=r"^Exercise 1\.2 \(p4_product\): your code calls "
                                          r"groupconv"):
        grade("1.2", library_once, p4_inverse)
    count = iter(range(10**6))
    with pytest.raises(WrongAnswer, match=r"gave .* the first time and .* when called again"):
        grade("1.2", lambda a, b: p4_product(b, a) if next(count) >= len(calls) - len(own)
              else p4_product(a, b), p4_inverse)


def test_1_1_a_sympy_power_wrong_for_large_r_is_named_as_sympy():
    """(sympy's Matrix ** r without a modulo: the message blamed floating-point cos and sin.)
    Only where this sympy gets such a power wrong; a sympy that gets every one right passes."""
    R = sympy.Matrix([[0, -1], [1, 0]])
    asked = [10**8, -(10**8) - 1, 2**53 + 1, -(2**53) - 3]
    if all(np.array_equal(np.array(R**r, dtype=np.int64),
                          np.linalg.matrix_power(np.array([[0, -1], [1, 0]]), r % 4))
           for r in asked):
        assert isinstance(grade("1.1", lambda r: R**r), Passed)
        return
    with pytest.raises(WrongAnswer, match=r"sympy's Matrix power is not exact") as failure:
        grade("1.1", lambda r: R**r)
    assert "cos and sin" not in str(failure.value)


def test_every_call_of_an_answer_has_a_time_limit(monkeypatch):
    """A loop that never ends in any exercise is stopped past ``ANSWER_SECONDS`` (here 0.3 s)
    and named; 1.2's calls, each a few integer operations, past ``SECONDS`` (an inverse found
    by searching the plane)."""
    from groupconv.labs import grading
    monkeypatch.setattr(grading, "ANSWER_SECONDS", 0.3)
    monkeypatch.setattr(grading, "SECONDS", 0.3)

    def endless(x, w):
        while True:
            pass

    with pytest.raises(WrongAnswer, match=r"my_lifting\(x, w\) .* ran for more than 0.3 s: a "
                                          r"right answer takes well under a second"):
        grade("2.1", endless)

    def searching(a):                      # the r that undoes a's turn, then t by search
        r = (-a[0]) % 4
        for n in itertools.count():
            for u in range(-n, n + 1):
                for v in range(-n, n + 1):
                    if p4_product(a, (r, u, v)) == (0, 0, 0):
                        return r, u, v

    with pytest.raises(WrongAnswer, match=r"p4_inverse\(.*\) ran for more than 0.3 s: a "
                                          r"product or an inverse in p4 is a few integer"):
        grade("1.2", p4_product, searching)

    def never_returns(r):     # for every r: no advice to reduce r (from an instructor's run:
        while True:           # "c4_matrix(0) ... reduce r modulo 4 first")
            pass

    with pytest.raises(WrongAnswer, match=r"c4_matrix\(0\) ran for more than 0.3 s: a right "
                                          r"answer takes well under a second"):
        grade("1.1", never_returns)


def test_library_code_is_told_from_an_answers_by_its_folder():
    """From a student's review: JAX installed with pip --user, in Debian's dist-packages or on
    PYTHONPATH reads frames when it traces, and was refused as the answer's own code; a file
    beside the package (groupconv_answers/) was taken for groupconv."""
    from groupconv.labs import grading
    for folder in ("site-packages", "dist-packages"):
        assert grading._library(f"/usr/lib/python3/{folder}/jax/_src/api.py")
    assert not grading._library("/home/student/lab2.py")
    package = str(grading._PACKAGE)
    assert grading._in_package(f"{package}/labs/grading.py")
    assert not grading._in_package(f"{package}_answers/lab4.py")
    source = "def exact_angles(n):\n    return [a for a in range(0, 360, 90) if a * n % 360 == 0]"
    namespace = {}
    exec(compile(source, f"{package}_answers/lab4.py", "exec"), namespace)
    assert isinstance(grade("4.1", namespace["exact_angles"]), Passed)


@pytest.mark.torch
def test_a_torch_buffer_returned_by_every_call_is_refused():
    """From a student's review: the returned-buffer check read NumPy arrays only."""
    pytest.importorskip("torch")
    with pytest.raises(WrongAnswer, match=r"the array my_lifting\(x, w\) .* returned changed "
                                          r"when your function was called again"):
        grade("2.1", _torch_buffered(my_lifting))
