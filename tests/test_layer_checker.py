"""check_layer on wrong layers: each usual mistake is named (the conventions of other libraries,
the students' mistakes of the labs, layouts and shapes said in the layout's terms), any element
order is found and reproduces the layer when passed back, a layer that is right on square
inputs only (or on non-square inputs only) never passes, and a right layer passes in float64 and
float32."""

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

import groupconv
from groupconv import (
    conformance, group_convolution, group_correlation, interop, lifting_correlation, testing,
)
from groupconv.checks.diagnoses import name_order
from groupconv.checks.user_layers import TOLERANCES, tolerance_for
from strategies import LINE

OPS = {"lifting": lifting_correlation, "correlation": group_correlation}


def corr2d(x, k):
    windows = sliding_window_view(x, k.shape[-2:], axis=(-2, -1))
    return np.einsum("...ijab,...ab->...ij", windows, k)


def student_group_correlation(wiring="s - r", turn=True, summed=True):
    """Exercise 2.2 of the labs, written as a student would, with a switch per mistake."""
    def fn(x, w):
        planes = []
        for r in range(4):
            turned = np.rot90(w, r if turn else 0, axes=(-2, -1))
            total = 0
            for s in (range(4) if summed else [r]):
                j = {"s - r": (s - r) % 4, "r - s": (r - s) % 4, "s": s}[wiring]
                total = total + corr2d(x[:, None, :, s], turned[None, :, :, j]).sum(axis=2)
            planes.append(total)
        return np.stack(planes, axis=2)
    return fn


def student_p4m_correlation(mirrors=True):
    """A p4m group correlation by hand: output sample s = (m, r) reads filter plane
    idx(h_s^-1 h_t) for input plane t, turned by r and (m = 1) flipped up-down."""
    rel = np.asarray(groupconv.P4M.relative(np.arange(8)[:, None], np.arange(8)[None, :]))

    def fn(x, w):
        planes = []
        for s in range(8):
            turned = np.rot90(w[:, :, rel[s]], s % 4, axes=(-2, -1))
            if mirrors and s >= 4:
                turned = turned[..., ::-1, :]
            planes.append(sum(corr2d(x[:, None, :, t], turned[None, :, :, t]).sum(axis=2)
                              for t in range(8)))
        return np.stack(planes, axis=2)
    return fn


def test_the_hand_written_p4m_correlation_is_right():
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(2, 2, 8, 7, 6)), rng.normal(size=(3, 2, 8, 3, 3))
    np.testing.assert_allclose(student_p4m_correlation()(x, w),
                               group_correlation(x, w, "p4m"), atol=1e-12)


def ordered(group, kind, inp=None, out=None, wts=None):
    """groupconv's layer on a library whose element j is groupconv's σ[j] on the input, the
    output and the weights (each σ None for groupconv's own order)."""
    op = OPS[kind]
    s = groupconv.get_group(group).samples
    inp, out, wts = [np.arange(s) if o is None else np.asarray(o) for o in (inp, out, wts)]

    def fn(x, w):
        if kind != "lifting":
            ours_x, ours_w = np.empty_like(x), np.empty_like(w)
            ours_x[:, :, inp], ours_w[:, :, wts] = x, w
            x, w = ours_x, ours_w
        return op(x, w, group)[:, :, out]
    return fn


def _sc(a, axis=1):
    """(C, S) axes holding data laid out (S, C)."""
    c, s = a.shape[axis], a.shape[axis + 1]
    return np.swapaxes(a.reshape(a.shape[:axis] + (s, c) + a.shape[axis + 2:]), axis, axis + 1)


def uva_lifting(x, w):
    """The UvA tutorial's lifting layer: the output viewed as (..., W, H)."""
    y = lifting_correlation(x, w, "p4")
    b, c, s, h, width = y.shape
    return y.reshape(b, c, s, width, h)


CASES = [
    # the issue's six situations
    ("p4m", "correlation", lambda x, w: group_correlation(
        x[:, :, interop.element_order("escnn", "p4m")], w, "p4m")[
        :, :, np.argsort(interop.element_order("escnn", "p4m"))],
     "the weights in groupconv's"),
    ("p4", "correlation", ordered("p4", "correlation", out=[0, 3, 2, 1]),
     "only your output's point axis is in the order [0, 3, 2, 1]"),
    ("p4", "correlation", lambda x, w: group_correlation(_sc(x), w, "p4"),
     "input read as laid out (S, C)"),
    ("p4", "correlation", lambda x, w: group_correlation(x, _sc(w), "p4"),
     "weights read as laid out (S, C)"),
    ("pmm", "correlation", ordered("pmm", "correlation", [0, 3, 2, 1], [0, 3, 2, 1],
                                   [0, 3, 2, 1]),
     "element order [0, 3, 2, 1] on its input, output and weights"),
    ("p4", "correlation", student_group_correlation("r - s"), "(r - s)"),
    ("p4", "correlation", student_group_correlation(turn=False), "kernels that are not turned"),
    ("p4", "correlation", student_group_correlation("s"), "planes not shifted"),
    ("p4", "correlation", student_group_correlation(summed=False), "no sum over the group"),
    # conventions
    ("p4", "lifting", ordered("p4", "lifting", out=[0, 3, 2, 1]), "turn clockwise"),
    ("p4m", "lifting", lambda x, w: np.stack(
        [corr2d(x[:, None], (np.rot90(w, r, axes=(-2, -1))[..., :, ::-1] if m else
                             np.rot90(w, r, axes=(-2, -1)))[None]).sum(axis=2)
         for m in (0, 1) for r in range(4)], axis=2), "mirror about the other axis"),
    ("p4m", "lifting", lambda x, w: np.stack(          # the mirror of m = 1 forgotten
        [corr2d(x[:, None], np.rot90(w, r, axes=(-2, -1))[None]).sum(axis=2)
         for m in (0, 1) for r in range(4)], axis=2), "mirrors left out"),
    ("p4m", "correlation", student_p4m_correlation(mirrors=False), "mirrors left out"),
    ("p4", "correlation", lambda x, w: group_correlation(x, w[..., ::-1, ::-1], "p4"),
     "convolves each plane where it should correlate"),
    ("p4m", "correlation", lambda x, w: group_correlation(x.swapaxes(1, 2).reshape(x.shape), w,
                                                          "p4m"),
     "reads x as x.swapaxes(1, 2).reshape(x.shape)"),
    ("p4m", "lifting", ordered("p4m", "lifting", out=interop.element_order("escnn", "p4m")),
     "escnn's element order"),
    ("p4", "lifting", lambda x, w: lifting_correlation(x, w[..., ::-1, ::-1], "p4"),
     "convolves where it should correlate"),
    ("p4", "correlation", lambda x, w: group_convolution(x, w, "p4"),
     "convolves where it should correlate"),
    ("p4", "convolution", lambda x, w: group_correlation(x, w, "p4"),
     "correlates where it should convolve"),
    ("p4", "lifting", lambda x, w: lifting_correlation(x, np.swapaxes(w, -1, -2), "p4"),
     "before they are turned"),
    ("p4", "lifting", lambda x, w: np.stack([groupconv.transform(
        lifting_correlation(x, w, "p4")[:, :, s], groupconv.P4.point_elements()[s].inverse())
        for s in range(4)], axis=2), "image turned instead of the kernel"),
    ("p4", "lifting", lambda x, w: np.swapaxes(lifting_correlation(x, w, "p4"), 1, 2).reshape(
        (x.shape[0], 3, 4) + tuple(n - 2 for n in x.shape[-2:])),
     "output's channels laid out (S, C)"),
    ("p4m", "convolution", lambda x, w: group_convolution(
        x[:, :, interop.element_order("escnn", "p4m")], w[:, :, interop.element_order(
            "escnn", "p4m")], "p4m")[:, :, np.argsort(interop.element_order("escnn", "p4m"))],
     "agrees in escnn's element order"),
    ("P432", "correlation", ordered("P432", "correlation",
                                    *[interop.element_order("escnn", "P432")] * 3),
     "escnn's order"),
    ("p6", "correlation", ordered("p6", "correlation",
                                  *[interop.element_order("hexaconv", "p6")] * 3),
     "hexaconv's order"),
    # shapes, in the layout's terms
    ("p4", "lifting", lambda x, w: np.swapaxes(lifting_correlation(x, w, "p4"), 1, 2),
     "the point axis comes before the channels"),
    ("p4", "lifting", lambda x, w: lifting_correlation(x, w, "p4").reshape(
        x.shape[0], -1, x.shape[-2] - 2, x.shape[-1] - 2), "flat channels (B, C·S, ...)"),
    ("p4", "lifting", lambda x, w: lifting_correlation(x, w, "p4").max(axis=2),
     "no point axis (it is the maximum over the point axis)"),
    ("p4", "lifting", lambda x, w: lifting_correlation(x, w[:2], "p4"),
     "your output has 2 channels where the weights"),
    ("p4", "lifting", lambda x, w: lifting_correlation(x, w, "p4", mode="same"),
     "your padding is 1 (off by +1"),
    ("p4", "lifting", uva_lifting, "agrees on square inputs only"),
    ("p4", "lifting", lambda x, w: np.swapaxes(lifting_correlation(x, w, "p4"), -1, -2),
     "spatial axes are swapped (W, H)"),
    # (a 3D library author's review: only the shapes were shown)
    ("P432", "lifting", lambda x, w: np.swapaxes(lifting_correlation(x, w, "P432"), -1, -3),
     "spatial axes are in the order (W, H, D)"),
    ("P432", "lifting", lambda x, w: np.moveaxis(lifting_correlation(x, w, "P432"), -3, -1),
     "spatial axes are in the order (H, W, D); groupconv's layout is (B, C, S, D, H, W) = "
     "(2, 3, 24, 3, 5, 7), yours is (2, 3, 24, 5, 7, 3)\n  agrees once its spatial axes are "
     "put back in order"),
    ("P432", "lifting", lambda x, w: np.moveaxis(lifting_correlation(x, w, "P432"), -1, -3),
     "spatial axes are in the order (W, D, H); groupconv's layout is (B, C, S, D, H, W) = "
     "(2, 3, 24, 3, 5, 7), yours is (2, 3, 24, 7, 3, 5)\n  agrees once its spatial axes are "
     "put back in order"),
]


@pytest.mark.parametrize("group, kind, layer, expected", CASES,
                         ids=[f"{c[0]}-{c[1]}-{i}" for i, c in enumerate(CASES)])
def test_each_mistake_is_named(group, kind, layer, expected):
    kw = dict(k=2, size=4) if groupconv.get_group(group).dim == 3 else {}
    report = groupconv.check_layer(layer, group, kind, **kw)
    assert not report.passed and report.reference_error > 1e-3
    assert expected in report.diagnosis, report.diagnosis
    assert f"LayerReport({kind}" in repr(report)


def test_several_explanations_are_all_said():
    """Clockwise kernels on p4 are also the output's order [0, 3, 2, 1]: both are said, with the
    order to pass back."""
    report = groupconv.check_layer(ordered("p4", "lifting", out=[0, 3, 2, 1]), "p4", "lifting")
    assert report.diagnosis.startswith("2 explanations fit")
    assert len(report.explanations) == 2 and report.element_order["output"] == [0, 3, 2, 1]


@settings(max_examples=12)
@given(data=st.data(), group=st.sampled_from(["p4", "p4m", "pmm", "p6m", "P4/mmm"]),
       kind=st.sampled_from(["lifting", "correlation"]))
def test_any_element_order_is_found_and_reproduces_the_layer(data, group, kind):
    """Independent permutations of the point axis on input, output and weights: check_layer
    finds orders that, passed back, reproduce the layer (the input's and the weights' orders
    are found up to a relabelling that gives the same layer)."""
    g = groupconv.get_group(group)
    s = g.samples
    orders = [data.draw(st.permutations(range(s))) for _ in range(3)]
    if kind == "lifting":
        orders[0] = orders[2] = list(range(s))
    layer = ordered(group, kind, *orders)
    kw = dict(k=2, size=4) if g.dim == 3 else {}
    report = groupconv.check_layer(layer, group, kind, **kw)
    if orders == [list(range(s))] * 3:
        assert report.passed
        return
    found = report.element_order
    assert not report.passed and found, report.diagnosis
    again = ordered(group, kind, found.get("input"), found["output"], found.get("weights"))
    rng = np.random.default_rng(1)
    axis = (s,) if kind != "lifting" else ()
    x = rng.standard_normal((1, 2) + axis + (5,) * g.dim)
    w = rng.standard_normal((3, 2) + axis + (3,) * g.dim)
    if g.lattice == "hexagonal":
        x, w = x * groupconv.groups.hexagon_mask(5), w * groupconv.groups.hexagon_mask(3)
    assert np.allclose(again(x, w), layer(x, w), rtol=0, atol=1e-12 * np.abs(layer(x, w)).max())


def test_a_layer_right_on_square_inputs_only_never_passes():
    report = groupconv.check_layer(uva_lifting, "p4", "lifting")
    assert not report.passed and "mixes up H and W" in report.diagnosis
    square = groupconv.check_layer(uva_lifting, "p4", "lifting",
                                   x=np.random.default_rng(0).standard_normal((2, 2, 9, 9)))
    assert square.passed          # the user's own square input cannot tell: the default can


def test_r_minus_s_is_said_the_right_way_round():
    """Output sample s, input sample t: the layer of the labs' mistake r - s reads the filter
    plane of t^-1 s where s^-1 t is meant (not the other way round)."""
    report = groupconv.check_layer(student_group_correlation("r - s"), "p4", "correlation")
    assert "reads the filter plane of t^-1 s, not s^-1 t" in report.diagnosis, report.diagnosis


def test_a_layer_right_on_non_square_inputs_only_never_passes():
    """The other way round: a layer that takes square inputs apart (here it turns the image
    instead of the kernel and does not turn the result back, which only runs when H == W)
    agrees on the non-square input, and is diagnosed on the square one."""
    def square_apart(x, w):
        if x.shape[-1] != x.shape[-2]:
            return lifting_correlation(x, w, "p4")
        return np.stack([corr2d(np.rot90(x, -r, axes=(-2, -1))[:, None], w[None]).sum(axis=2)
                         for r in range(4)], axis=2)

    report = groupconv.check_layer(square_apart, "p4", "lifting")
    assert not report.passed and report.reference_error > 1e-3
    assert "image turned instead of the kernel" in report.diagnosis, report.diagnosis
    assert "on the non-square (9, 11) one your layer agrees" in report.diagnosis

    def zero_when_square(x, w):
        y = lifting_correlation(x, w, "p4")
        return y * 0 if x.shape[-1] == x.shape[-2] else y

    report = groupconv.check_layer(zero_when_square, "p4", "lifting")
    assert not report.passed
    assert report.diagnosis.startswith("agrees on non-square inputs only"), report.diagnosis

    def raises_when_square(x, w):
        if x.shape[-1] == x.shape[-2]:
            raise ValueError("square")
        return lifting_correlation(x, w, "p4")

    report = groupconv.check_layer(raises_when_square, "p4", "lifting")
    assert not report.passed and "raises ValueError on a square (10, 10) input" in report.diagnosis


def _mirrored(x, axis, doubled_centre):
    """x mirrored along ``axis``: index i to c - i (wrapping round), c = doubled_centre(n)."""
    n = x.shape[axis]
    return np.take(x, (doubled_centre(n) - np.arange(n)) % n, axis=axis)


#: The mirror of the first spatial axis alone, in 3D.
MIRROR_3D = groupconv.groups.SemidirectProduct(
    groupconv.groups.PointGroup("M", {"m": [[-1, 0, 0], [0, 1, 0], [0, 0, 1]]}), name="MirrorD")


@pytest.mark.parametrize("group, d, axis", [(LINE, 1, -1), ("pm", 2, -2), (MIRROR_3D, 3, -3)],
                         ids=["1D", "2D", "3D"])
@pytest.mark.parametrize("right_for", ["odd", "even"])
def test_a_layer_right_for_one_parity_of_side_never_passes(group, d, axis, right_for):
    """The mirror about the centre (n - 1) / 2 is i -> n - 1 - i; one written i -> 2 (n // 2)
    - i is right for odd n only, one written for even n only is wrong for odd n: the default
    inputs have both parities on every axis, in 1D, 2D and 3D, and the parity is named."""
    group = groupconv.groups.get_group(group)
    mirror = group.stabiliser.element(**{group.stabiliser.param_names[0]: 1})
    linear = np.asarray(mirror.matrix())[:d, :d]             # (homogeneous: the last row, 1)
    assert linear[axis, axis] == -1 and np.abs(linear).sum() == d   # that axis's mirror alone
    doubled = (lambda n: 2 * (n // 2)) if right_for == "odd" else \
        (lambda n: n - 1 if n % 2 == 0 else n)
    plain = groupconv.groups.get_group({1: "z1", 2: "z2", 3: "z3"}[d])

    def layer(x, w):
        turned = _mirrored(lifting_correlation(_mirrored(x, axis, doubled), w, plain)[:, :, 0],
                           axis, doubled)
        return np.stack([lifting_correlation(x, w, plain)[:, :, 0], turned], axis=2)

    wrong_side = 10 if right_for == "odd" else 9
    x = np.random.default_rng(0).standard_normal((2, 2) + (wrong_side,) * d)
    w = np.random.default_rng(1).standard_normal((3, 2) + (3,) * d)
    assert np.abs(layer(x, w) - lifting_correlation(x, w, group)).max() > 0.1   # wrong there
    report = groupconv.check_layer(layer, group, "lifting")
    assert not report.passed
    assert report.diagnosis.startswith(f"agrees on inputs of {right_for} sides only"), \
        report.diagnosis
    if right_for == "odd":    # its equivariance fails on the even input of check_equivariance
        assert groupconv.check_equivariance(lambda a: layer(a, w), group).max_error > 0.1


@pytest.mark.parametrize("refused", ["odd", "even"])
def test_a_layer_that_raises_on_one_parity_of_side_is_named(refused):
    """A layer that raises on odd sides, or on even ones, is told apart from one that takes
    square inputs apart: the message names the parity, in 2D and in 1D."""
    for group in ("p4", LINE):
        def layer(x, w):
            if x.shape[-1] % 2 == (1 if refused == "odd" else 0):
                raise ValueError(f"no {refused} sides")
            return lifting_correlation(x, w, group)

        report = groupconv.check_layer(layer, group, "lifting")
        assert not report.passed
        assert f"sides are {refused}" in report.diagnosis or \
            f"agrees on inputs of {'even' if refused == 'odd' else 'odd'} sides only" in \
            report.diagnosis, report.diagnosis
        assert "square" not in report.diagnosis, report.diagnosis


def test_check_equivariance_keeps_the_side_a_layer_takes():
    """Exact pooling takes sides n with (n - 3) % 2 == 0 only: the default 11 is checked, the
    even 12 it refuses is left out (not an error), and a wrong layer still fails there."""
    pool = groupconv.nn.SpatialPool(3, stride=2, exact=True,
                                    space=groupconv.Space.on_group(groupconv.P4))
    assert groupconv.check_equivariance(pool, translations=False).max_error <= 1e-15

    def shifted(x):
        y = pool(x)
        return np.roll(y, 1, axis=-1)

    assert groupconv.check_equivariance(shifted, "p4", input_space="group",
                                        output_space="group", translations=False
                                        ).max_error > 0.1


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_check_equivariance_gives_a_verdict_for_the_output_dtype(dtype):
    """passed: every exact element within the output dtype's tolerance (or the one given); a
    layer off by one pixel fails, and a float32 layer's rounding passes float32's tolerance
    only."""
    w = np.random.default_rng(0).standard_normal((2, 2, 3, 3)).astype(dtype)

    def right(x):
        return groupconv.lifting_correlation(np.asarray(x, dtype), w, "p4m", mode="same")

    report = groupconv.check_equivariance(right, "p4m")
    assert report.passed and report.dtype == np.dtype(dtype).name
    assert report.tolerance == tolerance_for(dtype)
    assert ("passed" in repr(report).splitlines()[0]) and "FAILED" not in repr(report)
    if dtype == np.float32:       # its rounding, judged by float64's tolerance, fails
        assert report.max_error > 1e-10
        assert not groupconv.check_equivariance(right, "p4m", tolerance=1e-10).passed
    wrong = groupconv.check_equivariance(lambda x: np.roll(right(x), 1, axis=-1), "p4m")
    assert not wrong.passed and "FAILED" in repr(wrong).splitlines()[0]
    nan = groupconv.check_equivariance(lambda x: right(x) * np.nan, "p4m")
    assert not nan.passed                              # NaN is never within a tolerance
    for bad in (-1e-3, 1.0, "1e-3", True, float("nan")):
        with pytest.raises((TypeError, ValueError), match="tolerance"):
            groupconv.check_equivariance(right, "p4m", tolerance=bad)


def _float32_only_bug(x, w):
    """Right in float64; in float32 two output orientations swapped."""
    y = groupconv.lifting_correlation(x, w, "p4m")
    return y[:, :, [0, 2, 1, 3, 4, 5, 6, 7]] if x.dtype == np.float32 else y


def test_check_layer_reaches_a_float32_path():
    """With dtype=np.float32, or a float32 x, fn receives float32 arrays (a given x used to
    arrive as float64), so that a mistake on its float32 path alone is caught."""
    assert groupconv.check_layer(_float32_only_bug, "p4m", "lifting").passed
    drawn = groupconv.check_layer(_float32_only_bug, "p4m", "lifting", dtype=np.float32)
    assert not drawn.passed and drawn.tolerance == 1e-5
    rng = np.random.default_rng(0)
    x, w = (rng.standard_normal(shape).astype(np.float32)
            for shape in ((2, 2, 9, 9), (3, 2, 3, 3)))
    assert not groupconv.check_layer(_float32_only_bug, "p4m", "lifting", x=x,
                                     weights=w).passed
    with pytest.raises(ValueError, match="check_layer: dtype must be float32 or float64"):
        groupconv.check_layer(_float32_only_bug, "p4m", "lifting", dtype=np.float16)
    with pytest.raises(ValueError, match="give one of them"):
        groupconv.check_layer(_float32_only_bug, "p4m", "lifting", dtype=np.float32, x=x)


def test_another_output_shape_with_the_other_kernel_parity_is_said():
    """The draw of side k + 1: a "valid" layer whose output there has another shape than
    groupconv's fails, with the padding its shape implies (it used to pass in silence); a
    "same" layer padding an even kernel otherwise passes with a note (a convention)."""
    def valid_padded_to_odd(x, w):       # an even kernel padded to odd side
        if w.shape[-1] % 2 == 0:
            w = np.pad(w, [(0, 0)] * 2 + [(0, 1)] * 2)
        return groupconv.lifting_correlation(x, w, "p4")

    report = groupconv.check_layer(valid_padded_to_odd, "p4", "lifting")
    assert not report.passed and "with drawn kernels of side 4 your output has shape" in \
        report.diagnosis, report
    assert "as if padded by -0.5" in report.diagnosis

    def same_k_minus_1(x, w):
        return groupconv.lifting_correlation(x, w, "p4", mode=(w.shape[-1] - 1) // 2)

    report = groupconv.check_layer(same_k_minus_1, "p4", "lifting", mode="same")
    assert report.passed and any("as if padded by 1 on each side, where groupconv's padding "
                                 "for k = 4 is 2" in n and "not compared" in n
                                 for n in report.notes), report
    assert not groupconv.check_layer(same_k_minus_1, "p4", "lifting", mode="same", k=4).passed


def test_check_equivariance_notes_a_layer_in_another_element_order():
    w = np.random.default_rng(0).standard_normal((2, 2, 3, 3))
    order = [0, 3, 2, 1, 4, 7, 6, 5]             # every element inverted: an order, not a bug

    def other_order(x):
        return groupconv.lifting_correlation(x, w, "p4m")[:, :, order]

    report = groupconv.check_equivariance(other_order, "p4m")
    assert not report.passed and any("another element order" in n for n in report.notes)
    shifted = groupconv.check_equivariance(lambda x: np.roll(other_order(x), 1, axis=-1),
                                           "p4m")
    assert not any("another element order" in n for n in shifted.notes)


def test_check_equivariance_notes_a_constant_that_depends_on_the_point_element():
    """fn(0) must be fixed by every L_h (L_h 0 = 0): a bias per channel and element is named
    from the zero input; a right bias, or a wrong layer with a right bias, gets no such note."""
    rng = np.random.default_rng(1)
    for group, dim in (("p4", 2), ("P432", 3)):
        s = groupconv.get_group(group).stabiliser.order
        w = rng.standard_normal((3, 2) + (3,) * dim)

        def layer(x, bias, group=group, w=w, dim=dim):
            return groupconv.lifting_correlation(x, w, group, mode="same") + \
                bias.reshape(bias.shape + (1,) * dim)

        per_element = groupconv.check_equivariance(
            lambda x: layer(x, np.arange(3.0 * s).reshape(3, s)), group)
        assert not per_element.passed
        assert any("on a zero input the output is one constant per channel and point "
                   "sample, and not fixed by L_h" in n and
                   "a bias per channel and element?" in n for n in per_element.notes), per_element
        per_channel = groupconv.check_equivariance(
            lambda x: layer(x, np.broadcast_to(np.arange(3.0)[:, None], (3, s))), group)
        assert per_channel.passed and not any("zero input" in n for n in per_channel.notes)
        turned_wrong = groupconv.check_equivariance(
            lambda x: np.flip(layer(x, np.broadcast_to(np.arange(3.0)[:, None], (3, s))),
                              axis=-1), group)
        assert not turned_wrong.passed
        assert not any("zero input" in n for n in turned_wrong.notes), turned_wrong

        def normalised_one_plane_mirrored(x, w=w, dim=dim, group=group):
            """A review's: a wrong kernel at one sample, the input normalised first (so that
            fn(0) is the response to a constant image, not a constant): no bias to blame."""
            x = (x - 0.5) / 0.25
            y = groupconv.lifting_correlation(x, w, group, mode="same")
            y[:, :, 1] = groupconv.lifting_correlation(x, np.flip(w, -1), group,
                                                       mode="same")[:, :, 1]
            return y + np.arange(3.0).reshape((3, 1) + (1,) * dim)
        mirrored = groupconv.check_equivariance(normalised_one_plane_mirrored, group)
        assert not mirrored.passed
        assert not any("zero input" in n for n in mirrored.notes), mirrored


def test_an_order_found_under_a_declared_convention_is_related_to_it():
    """A layer in escnn's order whose kernels turn the inverse way: the order to declare is
    escnn's with every element inverted, said so, with the advice to fix transposed matrices
    rather than relabel (a layer on G would still fail)."""
    inverted = [groupconv.P4M.point_index(h.inverse()) for h in groupconv.P4M.point_elements()]

    def inverse_action(x, w):
        y = groupconv.lifting_correlation(x, w, "p4m")[:, :, inverted]
        return groupconv.interop.fields_from_groupconv(y, "escnn", "p4m", layout="split")

    report = groupconv.check_layer(inverse_action, "p4m", "lifting", convention="escnn")
    assert not report.passed
    assert "the declared order with every element inverted" in report.diagnosis, report
    assert "transposed matrices (the inverse action), fix that" in report.diagnosis


def test_the_mistakes_of_a_1d_layer_are_named():
    """On the line: a flipped kernel is a convolution and a kernel reflected through its centre
    (the line's one symmetry); an output whose point axis is reversed is named as an order."""
    flipped = groupconv.check_layer(
        lambda x, w: lifting_correlation(x, w[..., ::-1], "z1"), "z1", "lifting")
    assert "your layer convolves where it should correlate" in flipped.diagnosis
    assert "reflected through their centre (x -> -x)" in flipped.diagnosis, flipped.diagnosis
    reversed_axis = groupconv.check_layer(
        lambda x, w: np.flip(lifting_correlation(x, w, LINE), 2), LINE, "lifting")
    assert "output's point axis is in the order [1, 0]" in reversed_axis.diagnosis


def test_right_layers_pass_in_float64_and_float32():
    def float32(x, w):
        return lifting_correlation(x.astype(np.float32), w.astype(np.float32), "p4m")

    report = groupconv.check_layer(float32, "p4m", "lifting")
    assert report.passed and report.tolerance == TOLERANCES["float32"]
    assert 0 < report.reference_error < 1e-6
    cast_back = groupconv.check_layer(lambda x, w: float32(x, w).astype(np.float64), "p4m",
                                      "lifting")
    assert not cast_back.passed and "computes in float32 but returns float64" in \
        cast_back.diagnosis
    assert "none of the known mistakes" not in cast_back.diagnosis     # (it said both)
    assert tolerance_for("torch.float32") == 1e-5 and tolerance_for(np.int64) == 1e-10


def test_the_precision_a_layer_computes_in_is_said_only_where_its_values_show_it():
    """A layer that returns float32 but computes in float16 is named; a float64 layer whose
    error merely has float32's size (a small non-equivariant term) is not said to round."""
    def half(x, w):
        return lifting_correlation(x.astype(np.float16).astype(np.float32),
                                   w.astype(np.float16).astype(np.float32), "p4"
                                   ).astype(np.float16).astype(np.float32)

    report = groupconv.check_layer(half, "p4", "lifting")
    assert not report.passed and "computes in float16 but returns float32" in report.diagnosis

    def nudged(x, w):
        y = lifting_correlation(x, w, "p4")
        y[:, :, 0] += 1e-7
        return y

    report = groupconv.check_layer(nudged, "p4", "lifting")
    assert not report.passed and "rounding" not in report.diagnosis, report.diagnosis


def test_whole_numbers_and_inputs_cast_down_are_named_not_read_as_a_precision():
    """Whole numbers are bfloat16 numbers too (up to 256): a layer that rounds its output is
    asked about rounding, not told it computes in bfloat16; a layer whose output is the exact
    correlation of inputs cast to float16 or float32 (x, w or both) is told so, not "none of
    the known mistakes"."""
    for rounded in (lambda x, w: np.round(lifting_correlation(x, w, "p4")),
                    lambda x, w: np.round(lifting_correlation(x, w, "p4")).astype(np.int64)):
        report = groupconv.check_layer(rounded, "p4", "lifting")
        assert not report.passed and "every value your layer returns is the expected one " \
            "rounded to a whole number" in report.diagnosis and "bfloat16" not in \
            report.diagnosis, report.diagnosis
    for dtype, which, cast in (
            ("float16", "x and the weights", lambda x, w: (x.astype(np.float16),
                                                           w.astype(np.float16))),
            ("float16", "x", lambda x, w: (x.astype(np.float16).astype(np.float64), w)),
            ("float32", "the weights", lambda x, w: (x, w.astype(np.float32)
                                                     .astype(np.float64)))):
        report = groupconv.check_layer(
            lambda x, w, cast=cast: lifting_correlation(*cast(x, w), "p4").astype(np.float64),
            "p4", "lifting")
        assert not report.passed and f"the correlation of {which} rounded to {dtype}" in \
            report.diagnosis, (dtype, which, report.diagnosis)


def test_a_layer_that_changes_its_inputs_in_place_never_passes():
    """The reference is computed on the caller's arrays: a layer that writes into x or w
    (before or after computing its output) fails, and is told so; in any library."""
    def relu_first(x, w):
        np.maximum(x, 0, out=x)
        return lifting_correlation(x, w, "p4")

    def scales_after(x, w):
        y = lifting_correlation(x, w, "p4")
        w *= 2
        return y

    for layer, name in ((relu_first, "x"), (scales_after, "w")):
        report = groupconv.check_layer(layer, "p4", "lifting")
        assert not report.passed and f"changes its input {name} in place" in report.diagnosis


def test_bfloat16_results_of_jax_are_read():
    """NumPy has no bfloat16: JAX's are read as float32 (exactly), at bfloat16's tolerance."""
    jnp = pytest.importorskip("jax.numpy")
    report = groupconv.check_layer(
        lambda x, w: jnp.asarray(lifting_correlation(x, w, "p4")).astype(jnp.bfloat16), "p4",
        "lifting")
    assert report.passed and report.tolerance == TOLERANCES["bfloat16"]


@pytest.mark.torch
def test_bfloat16_results_are_read_and_named():
    """torch's bfloat16 results are read as float32 (exactly), held to bfloat16's tolerance,
    and a float64 result with bfloat16 values is said to compute in bfloat16."""
    torch = pytest.importorskip("torch")

    def through(dtype, back=None):
        def layer(x, w):
            y = torch.as_tensor(lifting_correlation(x, w, "p4")).to(dtype)
            return y if back is None else y.to(back)
        return layer

    report = groupconv.check_layer(through(torch.bfloat16), "p4", "lifting")
    assert report.passed and report.tolerance == TOLERANCES["bfloat16"]
    report = groupconv.check_layer(through(torch.bfloat16, torch.float64), "p4", "lifting")
    assert not report.passed and "computes in bfloat16" in report.diagnosis


def test_a_layer_that_keeps_state_between_calls_never_passes():
    """Right on every input it has not seen the shape of, stale afterwards: it agrees on the
    compared inputs, and its equivariance error (turned copies of one shape) gives it away."""
    kept = {}

    def cached(x, w):
        return kept.setdefault(x.shape, lifting_correlation(x, w, "p4"))

    report = groupconv.check_layer(cached, "p4", "lifting")
    assert report.reference_error < 1e-12 and report.equivariance_error > 0.1
    assert not report.passed and "keep results or kernels" in report.diagnosis
    assert report.reference_equivariance_error < 1e-12       # groupconv's own: rounding only


def test_batches_channels_and_outputs_that_are_not_arrays_are_named():
    def first_image(x, w):
        y = lifting_correlation(x[:1], w, "p4")
        return np.repeat(y, x.shape[0], axis=0)

    report = groupconv.check_layer(first_image, "p4", "lifting")
    assert "agrees on image 0 of the batch but not on image 1" in report.diagnosis

    def one_channel(x, w):
        return lifting_correlation(x[:, [0, 2]], w[:, [0, 2]], "p4")

    report = groupconv.check_layer(one_channel, "p4", "lifting", channels=(3, 2))
    assert "ignores input channel 1" in report.diagnosis and \
        "ignores input channel 2" not in report.diagnosis
    for returned, said in (((lambda y: y.tolist()), "a nested list of shape (2, 3, 4, 7, 9)"),
                           ((lambda y: (y, None)), "a tuple of 2 items"),
                           ((lambda y: None), "NoneType")):
        report = groupconv.check_layer(lambda x, w: returned(lifting_correlation(x, w, "p4")),
                                       "p4", "lifting")
        assert not report.passed and f"returned {said}" in report.diagnosis, report.diagnosis
        assert "not an array" in report.diagnosis
        assert len(report.diagnosis) < 300      # (a nested list was described item by item:
        #                                          24,148 characters for a 3D output)


def test_a_formula_nobody_writes_is_said_to_be_unknown():
    report = groupconv.check_layer(lambda x, w: lifting_correlation(x, w, "p4") ** 2, "p4",
                                   "lifting")
    assert report.diagnosis == "agrees with none of the known mistakes: check the formula"
    assert report.explanations == [] and not report.element_order


def test_name_order_says_what_an_order_is():
    assert name_order([0, 1, 2, 3, 6, 5, 4, 7], "p4m") == "escnn's order"
    assert "inverted" in name_order([0, 3, 2, 1], "p4")
    assert "on the right" in name_order([1, 2, 3, 0], "p4")
    assert "conjugated by the mirror" in name_order([0, 3, 2, 1, 4, 7, 6, 5], "p4m")
    assert name_order([0, 1, 2, 3], "p4") == ""


def test_bad_arguments_say_what_was_expected():
    with pytest.raises(TypeError, match="fn must be callable"):
        groupconv.check_layer("not a layer", "p4", "lifting")
    with pytest.raises(ValueError, match="tolerance must be a number"):
        groupconv.check_layer(lambda x, w: x, "p4", "lifting", tolerance=-1)
    with pytest.raises(ValueError, match="kind must be one of"):
        groupconv.check_layer(lambda x, w: x, "p4", "pooling")
    rng = np.random.default_rng(0)
    for group, kind, shape in (("p222", "lifting", (2, 2, 9, 9)),       # 2D x for a 3D group
                               (LINE, "correlation", (2, 2, 9)),          # no point axis
                               ("p4", "correlation", (2, 2, 3, 9, 9))):   # 3 samples, not 4
        with pytest.raises(ValueError, match=r"check_layer: x must have shape \(B, C, "):
            groupconv.check_layer(lambda x, w: x, group, kind, x=rng.standard_normal(shape))


def test_the_sampled_groups_are_checked_and_their_output_order_found():
    """SE(2)_8 and the scale group: a right layer passes (the input is made large enough for
    the expanded kernel), a layer whose output order is reversed is named."""
    right = groupconv.check_layer(lambda x, w: group_correlation(x, w, "scale"), "scale",
                                  "correlation")
    assert right.passed
    reversed_out = groupconv.check_layer(
        lambda x, w: lifting_correlation(x, w, "se2_8")[:, :, ::-1], "se2_8", "lifting", k=5)
    assert "only your output's point axis is in the order [7, 6, 5, 4, 3, 2, 1, 0]" in \
        reversed_out.diagnosis
    assert reversed_out.element_order == {"output": [7, 6, 5, 4, 3, 2, 1, 0]}


def test_check_layer_draws_a_kernel_of_the_other_parity():
    """A kernel turned about index k // 2 is right for odd k only: check_layer, given k = 3,
    also draws a kernel of side 4 and names the centre; a layer that refuses side 4 passes."""
    def about_k_half(x, w):          # turns each kernel about k // 2 (np.roll for even k)
        planes = []
        for r in range(4):
            turned = np.rot90(w, r, axes=(-2, -1))
            if w.shape[-1] % 2 == 0 and r:
                turned = np.roll(turned, 1, axis=-1)
            planes.append(groupconv.lifting_correlation(x, turned, "z2")[:, :, 0])
        return np.stack(planes, 2)

    assert groupconv.check_layer(lambda x, w: groupconv.lifting_correlation(x, w, "p4"),
                                 "p4", "lifting").passed
    report = groupconv.check_layer(about_k_half, "p4", "lifting")
    assert not report.passed and "not with drawn kernels of side 4" in report.diagnosis

    def odd_only(x, w):
        if w.shape[-1] % 2 == 0:
            raise ValueError("odd kernels only")
        return about_k_half(x, w)
    assert groupconv.check_layer(odd_only, "p4", "lifting").passed


def test_check_layer_names_nan_outputs():
    def nan_layer(x, w):
        y = groupconv.lifting_correlation(x, w, "p4")
        y[0, 0, 0, 0, 0] = np.nan
        return y
    report = groupconv.check_layer(nan_layer, "p4", "lifting")
    assert not report.passed and "1 NaN or infinite values" in report.diagnosis


def test_check_layer_names_a_constant_factor_and_a_subgroup():
    report = groupconv.check_layer(lambda x, w: 2 * lifting_correlation(x, w, "p4"), "p4",
                                   "lifting")
    assert not report.passed and "2 times groupconv's" in report.diagnosis
    # plus a term symmetric under the half turn only: equivariant under {e, R^2}
    a = np.random.default_rng(5).standard_normal((1, 1, 3, 3))
    half = a + np.rot90(a, 2, axes=(-2, -1))

    def half_turn_only(x, w):
        return lifting_correlation(x, w, "p4") + \
            lifting_correlation(x.sum(1, keepdims=True), half, "z2")
    report = groupconv.check_layer(half_turn_only, "p4", "lifting")
    assert not report.passed
    assert "equivariant under 2 of the 4 point elements only" in report.diagnosis
    assert "P4(r=0), P4(r=2)" in report.diagnosis


def test_check_equivariance_shifts_a_pooled_output_within_a_wide_border():
    """A "valid" correlation and a global pool are translation invariant; a one-pixel shift
    within a two-pixel border moved content out of the first window, a false failure."""
    from groupconv import nn
    net = nn.Sequential([nn.LiftingConv("z2", 1, 2, 3, rng=0, dtype=np.float64, bias=False),
                         nn.GlobalPool()])
    assert groupconv.check_equivariance(net).errors["translation by 1"] < 1e-12
    strided = nn.Sequential([nn.LiftingConv("p4", 1, 2, 3, rng=0, dtype=np.float64),
                             nn.SpatialPool(2), nn.GlobalPool()])   # not invariant by a pixel
    report = groupconv.check_equivariance(strided)
    assert report.errors["translation by 1"] > 1e-3
    # and the report says why (from a 1D user's review: the pool alone got a note, a network
    # ending in an invariant output none): a shift by the pool's stride leaves it unchanged
    assert any(n.startswith("a shift by 2 pixels leaves the output unchanged") and
               "invariant to shifts by multiples of 2 only" in n for n in report.notes), report
    assert groupconv.check_equivariance(net).notes == []
    line = nn.Sequential([nn.LiftingConv("z1m", 1, 2, 3, rng=0, dtype=np.float64),
                          nn.ReLU(), nn.SpatialPool(4), nn.GlobalPool()])
    assert "a shift by 4 pixels leaves" in " ".join(
        groupconv.check_equivariance(line, size=16).notes)
    exact_pool = nn.Sequential([nn.LiftingConv("p4", 1, 2, 3, rng=0),
                                nn.SpatialPool(2, exact=True)])      # refuses side 11
    with pytest.raises(ValueError, match="raised ValueError on the drawn input .* pass "
                                         "channels= .* size= or x="):
        groupconv.check_equivariance(exact_pool)

    def three_channels(x):                # what torch says of a wrong channel count
        if x.shape[1] != 3:
            raise RuntimeError(f"expected input to have 3 channels, but got {x.shape[1]}")
        return x
    with pytest.raises(ValueError, match=r"raised RuntimeError .* pass channels= \(its input "
                                         r"channels; 2 here\)"):
        groupconv.check_equivariance(three_channels, "p4", input_space="plane",
                                     output_space="plane")
    assert groupconv.check_equivariance(three_channels, "p4", input_space="plane",
                                        output_space="plane", channels=3).errors


@pytest.mark.parametrize("group", ["p4", "P432"])
def test_check_equivariance_says_when_a_layer_subsamples(group):
    """From the oracle's review: a stride-2 layer failed with no word why. Its pattern is
    named: a shift by the stride moves the output by one sample, and the point group holds on
    one side's parity only. A correct layer, and one that crops off the centre (wrong on both
    sides, and not for a shift), get no such note."""
    d = groupconv.get_group(group).dim
    w = np.random.default_rng(0).standard_normal((2, 2) + (3,) * d)

    def strided(x):
        return lifting_correlation(x, w, group)[(Ellipsis,) + (slice(None, None, 2),) * d]

    def cropped(x):
        return lifting_correlation(x, w, group)[(Ellipsis,) + (slice(1, None),) * d]
    report = groupconv.check_equivariance(strided, group)
    assert report.max_error > 0.1
    odd = 11 if d == 2 else 7            # n - k even: the stride's grid is centred
    notes = " ".join(report.notes)
    assert "a shift by 2 pixels moves the output by one sample" in notes, report
    assert f"every element holds on side {odd} " in notes and "not on side" in notes, report
    assert "multiples of 2" in repr(report)
    assert groupconv.check_equivariance(lambda x: lifting_correlation(x, w, group),
                                        group).notes == []
    assert groupconv.check_equivariance(cropped, group).notes == []


@pytest.mark.parametrize("group, kind", [("z1m", "lifting"), ("p4m", "correlation"),
                                         ("P432", "lifting")])
def test_channel_mistakes_are_named(group, kind):
    """(A 1D review: the weights' C_out and C_in swapped, the output channels reversed and the
    input channels reversed were each "check the formula", in 1D, 2D and 3D.)"""
    op = lifting_correlation if kind == "lifting" else group_correlation
    said = {
        "agrees with the weights' C_out and C_in axes swapped":
            lambda x, w: op(x, np.swapaxes(w, 0, 1), group),
        "agrees with the output channels in the order [2, 1, 0]":
            lambda x, w: op(x, w, group)[:, ::-1],
        "agrees with the input channels read in reverse order":
            lambda x, w: op(x[:, ::-1], w, group),
    }
    for sentence, layer in said.items():
        report = groupconv.check_layer(layer, group, kind, channels=(3, 3))
        assert not report.passed and report.diagnosis.startswith(sentence), report.diagnosis


def test_a_channels_last_output_of_groupconv_s_very_shape_is_read_as_one():
    """(A review of the conformance command: a channels-last output (B, H, W, C, S) of a 4 x 5
    input, 3 x 4 pixels of 3 x 4 fields, has groupconv's shape, and was "check the
    formula".)"""
    w = np.random.default_rng(0).standard_normal((3, 1, 2, 2))
    x = np.random.default_rng(1).standard_normal((2, 1, 4, 5))

    def channels_last(x, w):
        return np.moveaxis(lifting_correlation(x, w, "p4"), (1, 2), (-2, -1))
    report = groupconv.check_layer(channels_last, "p4", "lifting", x=x, weights=w)
    assert not report.passed and report.diagnosis == (
        "agrees once read as channels last, (B, *spatial, C, S), its channel and point axes "
        "moved after the batch axis"), report.diagnosis


def test_a_network_that_takes_some_sides_only_is_told_it_subsamples():
    """(A 1D review: line_gcnn(input_size=33), which takes sides 33 + 4 j, refused the input
    inside a border as wide as itself, 99, and its failure came with no word.) The wide input
    takes the first border from n to n + 3 pixels that the network takes."""
    for n, s in ((33, 4), (257, 32)):       # (sides 257 + 32 j: a second review)
        report = groupconv.check_equivariance(groupconv.nn.line_gcnn("z1m", 2, input_size=n))
        assert not report.passed
        assert any(f"a shift by {s} pixels leaves the output unchanged" in note
                   for note in report.notes), report


def test_check_equivariance_draws_inputs_that_can_show_a_mistake():
    """From a review of the dimension contract: size=5 drew one random pixel (a two-pixel
    border on each side), fixed by every rotation, so a position-dependent function passed;
    a correct stack of three "same" layers failed the one-pixel shift, its receptive field
    wider than the border; the paper's networks, which state their input sizes, could not be
    checked without size=; a strided pool on side 8 failed with no word why."""
    from groupconv import nn
    for group in ("p4", "P432", "z1m"):
        space = groupconv.Space.on_plane(groupconv.get_group(group))
        ramp = groupconv.check_equivariance(lambda x: x * (np.arange(x.shape[-1]) - 0.3),
                                            group, input_space=space, output_space=space,
                                            size=5, translations=False)
        assert not ramp.passed and ramp.max_error > 0.1, (group, ramp)
        crop = groupconv.check_equivariance(lambda x: x[..., :2], group, input_space=space,
                                            output_space=space, size=5)
        assert not crop.passed, (group, crop)
        same = [nn.LiftingConv(group, 1, 2, 3, rng=0, mode="same", dtype=np.float64)]
        for i in range(3):
            same += [nn.ReLU(), nn.GroupConv(group, 2, 2, 3, rng=i + 1, mode="same",
                                             dtype=np.float64)]
        report = groupconv.check_equivariance(nn.Sequential(same))
        assert report.passed and report.errors["translation by 1"] < 1e-12, report
        assert any("holds away from the array's edges" in n for n in report.notes), report
        strided = nn.Sequential([nn.LiftingConv(group, 1, 2, 3, rng=0, dtype=np.float64),
                                 nn.SpatialPool(2, exact=True)])
        report = groupconv.check_equivariance(strided, size=8)
        assert "a shift by 2 pixels moves the output by one sample" in " ".join(report.notes)
    # a position-dependent stack is not excused by the wider border
    shifty = nn.Sequential([nn.LiftingConv("z1m", 1, 2, 3, rng=0, mode="same",
                                           dtype=np.float64)])
    report = groupconv.check_equivariance(
        lambda x: shifty(x) * np.linspace(1, 2, x.shape[-1]), "z1m", channels=1)
    assert not report.passed and report.errors["translation by 1"] > 1e-3
    assert not any("away from the array's edges" in n for n in report.notes)
    for net in (nn.line_gcnn("z1m", 1), nn.p4cnn(2, rng=0, dtype=np.float64)):
        report = groupconv.check_equivariance(net)       # sides the network takes
        rotations = [e for name, e in report.errors.items() if name != "translation by 1"]
        assert max(rotations) < 1e-10, report


def test_the_new_probes_keep_correct_layers_passing():
    """From a review: an even kernel's "same" padding is a convention (another output shape
    is no centre mistake); a pooled layer that takes one input size only falls back to its
    own border, whatever it raises; groupconv's own argument errors keep their words."""
    def padding_half_k_down(x, w):        # conv2d(padding=(k - 1) // 2): "same" for odd k
        p = (w.shape[-1] - 1) // 2
        return lifting_correlation(x, w, "p4", mode=p)
    assert groupconv.check_layer(padding_half_k_down, "p4", "lifting", mode="same").passed

    w = np.random.default_rng(0).standard_normal((3, 1, 3, 3))

    def one_size(x):
        if x.shape[-1] != 28:
            raise RuntimeError("a readout for 28 x 28 inputs")
        return lifting_correlation(x, w, "p4").mean(axis=(-2, -1)).max(axis=-1)
    x = np.zeros((2, 1, 28, 28))
    x[..., 4:-4, 4:-4] = np.random.default_rng(1).standard_normal((2, 1, 20, 20))
    report = groupconv.check_equivariance(one_size, "p4", input_space="plane",
                                          output_space="invariant", x=x)
    assert "translation by 1" in report.errors
    with pytest.raises(ValueError, match="fn's output must have shape") as failure:
        groupconv.check_equivariance(lambda a: a, "p4", input_space="plane",
                                     output_space="group")
    assert "on the drawn input" not in str(failure.value)


def _size_preserving_p4_lifting(about_floor):
    """A p4 lifting layer as TensorFlow's or torch's padding="same" runs it: (k - 1) // 2
    zeros before, k // 2 after; its kernel turned about (k - 1) / 2 (np.rot90: right for every
    k), or about k // 2 with wrap-around (right for odd k only)."""
    def turn(w, r):
        k = w.shape[-1]
        if not about_floor:
            return np.rot90(w, r, axes=(-2, -1))
        i, j = np.meshgrid(np.arange(k), np.arange(k), indexing="ij")
        for _ in range(r):      # a quarter turn about (k // 2, k // 2): reads w[j, -i]
            i, j = j, (2 * (k // 2) - i) % k
        return w[..., i, j]

    def fn(x, w):
        k = w.shape[-1]
        padded = np.pad(x, [(0, 0), (0, 0), ((k - 1) // 2, k // 2), ((k - 1) // 2, k // 2)])
        return np.stack([corr2d(padded[:, None], turn(w, r)[None]).sum(axis=2)
                         for r in range(4)], axis=2)
    return fn


@pytest.mark.parametrize("group, stride", [("p4", 3), ("P432", 2)])
def test_check_layer_names_a_stride(group, stride):
    """From a 3D author's review: a strided layer was told its sides, then that it is
    "equivariant under 3 of the 24 point elements only", which is not the cause."""
    d = groupconv.get_group(group).dim

    def strided(x, w):
        return lifting_correlation(x, w, group, mode="same")[(Ellipsis,) +
                                                             (slice(None, None, stride),) * d]
    report = groupconv.check_layer(strided, group, "lifting", mode="same")
    nth = {2: "second", 3: "third"}[stride]
    assert not report.passed and f"a stride of {stride}?" in report.diagnosis and \
        f"agrees with every {nth} output along each axis: your layer has a stride of " \
        f"{stride}" in report.diagnosis, report.diagnosis


@pytest.mark.parametrize("group, pad", [("p4m", "reflect"), ("P432", "wrap")])
def test_check_layer_names_a_padding_other_than_zeros(group, pad):
    """From a 3D author's review: circular padding got a bare "check the formula"."""
    d = groupconv.get_group(group).dim

    def padded(x, w):
        p = w.shape[-1] // 2
        x = np.pad(x, [(0, 0), (0, 0)] + [(p, p)] * d, mode=pad)
        return lifting_correlation(x, w, group, mode="valid")
    report = groupconv.check_layer(padded, group, "lifting", mode="same")
    assert not report.passed and "differs only within 1 of the border: your layer pads with " \
        "something other than zeros" in report.diagnosis, report.diagnosis


def _cube_correlation(turn_inverse=False, wrong_side=False, product=False):
    """A P432 group correlation by hand: output sample s turns the kernels by h_s and reads
    filter plane idx(h_s^-1 h_t) for input plane t; two mistakes that an abelian group (p4)
    cannot show: kernels turned by h_s^-1, and the product taken as h_t h_s^-1."""
    group = groupconv.get_group("P432")
    stab, elements = group.stabiliser, group.point_elements()
    cayley, inverse = np.asarray(stab.cayley), np.asarray(stab.inverse_table)

    def fn(x, w):
        planes = []
        for s in range(24):
            wiring = [cayley[t, inverse[s]] if wrong_side else cayley[s, t] if product else
                      cayley[inverse[s], t] for t in range(24)]
            turn = elements[int(inverse[s]) if turn_inverse else s]
            kernels = groupconv.transform(w[:, :, wiring], turn, groupconv.Space.on_plane(group))
            flat = np.asarray(kernels).reshape(w.shape[0], -1, *w.shape[-3:])
            y = lifting_correlation(x.reshape(x.shape[0], -1, *x.shape[-3:]), flat, "z3",
                                    mode="same")
            planes.append(y[:, :, 0])
        return np.stack(planes, axis=2)
    return fn


def test_check_layer_names_the_mistakes_of_a_group_that_is_not_abelian():
    """From a 3D author's review: both were caught but told "a table of the point group's
    elements with a wrong entry?", pointing the wrong way."""
    def check(fn):
        return groupconv.check_layer(fn, "P432", "correlation", mode="same", size=5,
                                     channels=(1, 1))
    assert check(_cube_correlation()).passed
    report = check(_cube_correlation(turn_inverse=True))
    assert not report.passed and "kernels turned by h_s^-1 instead of h_s" in \
        report.diagnosis, report.diagnosis
    report = check(_cube_correlation(wrong_side=True))
    assert not report.passed and "read at h_t h_s^-1 where h_s^-1 h_t is meant" in \
        report.diagnosis, report.diagnosis
    # from a second 3D author's review: the group axis permuted by g h (h_s h_t), the inverse
    # of h_s left out, was "a table with a wrong entry?"
    report = check(_cube_correlation(product=True))
    assert not report.passed and "read at h_s h_t where h_s^-1 h_t is meant" in \
        report.diagnosis, report.diagnosis


def test_check_layer_names_mirrors_left_out_as_det_h_h_and_an_output_reshaped_the_wrong_way():
    """From a 3D author's review: a D4h lifting whose kernels turn by the rotation det(h) h
    (the D4 x {1, -I} route of leaving the mirrors out) and an output (B, C, S) reshaped as
    (S, C) and swapped back were "none of the known mistakes"."""
    group = groupconv.get_group("P4/mmm")
    matrices = np.asarray(group.point_matrices())
    elements = group.point_elements()
    rotation = [next(j for j, b in enumerate(matrices)
                     if np.array_equal(b, round(np.linalg.det(a)) * a)) for a in matrices]

    def det_h(x, w):
        planes = [lifting_correlation(x, groupconv.transform(
            w, elements[rotation[s]], groupconv.Space.on_plane(group)), "z3", mode="same")
            for s in range(group.samples)]
        return np.concatenate(planes, axis=2)
    report = groupconv.check_layer(det_h, group, "lifting", mode="same", size=5)
    assert not report.passed and "mirrors left out as det(h) h" in report.diagnosis, \
        report.diagnosis

    def reshaped(x, w):
        y = lifting_correlation(x, w, group, mode="same")
        return np.ascontiguousarray(y.reshape(y.shape[0], y.shape[2], y.shape[1],
                                              *y.shape[3:]).swapaxes(1, 2))
    report = groupconv.check_layer(reshaped, group, "lifting", mode="same", size=5)
    assert not report.passed and "reshaped as (S, C) and the axes then swapped" in \
        report.diagnosis, report.diagnosis


def test_check_layer_names_a_layer_that_reads_the_spatial_axes_in_another_order():
    """From a 3D author's review: a D4h layer written for (W, H, D) volumes, the classic
    mistake with anisotropic CT data, was told only "a table with a wrong entry?"."""
    def reversed_axes(x, w):
        turn = lambda a: np.ascontiguousarray(np.swapaxes(a, -1, -3))   # noqa: E731
        return turn(lifting_correlation(turn(x), turn(w), "P4/mmm", mode="same"))
    report = groupconv.check_layer(reversed_axes, "P4/mmm", "lifting", mode="same")
    assert not report.passed and "read with its spatial axes in the order (W, H, D)" in \
        report.diagnosis and "acts about other axes than groupconv's" in report.diagnosis, \
        report.diagnosis


def test_check_layer_says_what_to_give_a_layer_that_raises():
    """From a 3D author's review: the layer's own error came through raw (check_equivariance
    wrapped it already)."""
    with pytest.raises(ValueError, match=r"check_layer: the layer raised ZeroDivisionError on "
                                         r"the drawn input .* pass channels= \(C_in, C_out; "
                                         r"2, 3 here\)") as raised:
        groupconv.check_layer(lambda x, w: 1 / 0, "p4", "lifting")
    assert isinstance(raised.value.__cause__, ZeroDivisionError)

    def three_channels(x, w):
        if x.shape[1] != 3:
            raise RuntimeError(f"expected 3 input channels, got {x.shape[1]}")
        return lifting_correlation(x, w, "p4")
    assert groupconv.check_layer(three_channels, "p4", "lifting", channels=(3, 2)).passed


def test_check_layer_compares_a_size_preserving_same_padding_with_that_padding():
    """From a 3D author's review: an even kernel's size-preserving "same" output (another shape
    than groupconv's n + 1) was let through as a convention, so a kernel turned about k // 2,
    wrong for even k, passed. It is compared with groupconv's correlation under the same
    padding: the right layer still passes, the wrong one fails and the centre is named."""
    report = groupconv.check_layer(_size_preserving_p4_lifting(True), "p4", "lifting",
                                   mode="same")
    assert not report.passed and "not with drawn kernels of side 4 (its output keeps the " \
        "input's size" in report.diagnosis and "centre of a kernel" in report.diagnosis, report
    assert groupconv.check_layer(_size_preserving_p4_lifting(False), "p4", "lifting",
                                 mode="same").passed


@pytest.mark.parametrize("k", [2, 4])
def test_check_layer_checks_an_even_kernels_size_preserving_same_as_groupconvs(k):
    """From a library author's review: torch's padding="same" passed with k = 3 and failed at
    k = 2 on the output's shape. The layer is checked as groupconv's "same", given the row of
    zeros it leaves out, and the note says so; a wrong one still fails and is named."""
    report = groupconv.check_layer(_size_preserving_p4_lifting(False), "p4", "lifting",
                                   mode="same", k=k)
    assert report.passed and report.diagnosis is None
    assert report.notes and f"{k // 2 - 1} zeros before and {k // 2} after" in report.notes[0]
    assert "note: your layer keeps the input's size" in repr(report)
    # the equivariance measured is the completed output's, and the note says the layer's own
    # outputs are not equivariant (from a 1D user's review: the figure read as the layer's);
    # on the translations alone they are, and the note does not say otherwise
    assert "own n outputs are not equivariant" in report.notes[0]

    def plain(x, w):
        k = w.shape[-1]
        padded = np.pad(x, [(0, 0), (0, 0)] + [((k - 1) // 2, k // 2)] * 2)
        return lifting_correlation(padded, w, "z2")
    translations = groupconv.check_layer(plain, "z2", "lifting", mode="same", k=k)
    assert translations.passed and translations.notes and \
        "not equivariant" not in translations.notes[0]
    wrong = groupconv.check_layer(_size_preserving_p4_lifting(True), "p4", "lifting",
                                  mode="same", k=k)
    assert not wrong.passed and wrong.notes, wrong
    assert not groupconv.check_layer(_size_preserving_p4_lifting(False), "p4", "lifting",
                                     mode=k // 2, k=k).passed       # (a padding of k // 2 asked)
    right = _size_preserving_p4_lifting(False)

    def drops_first(x, w):         # a review's: the input's first row and column lost
        return right(np.pad(x[..., 1:, 1:], [(0, 0), (0, 0), (1, 0), (1, 0)]), w)

    def zeroes_input(x, w):        # and one that writes into its input
        y = right(x, w)
        x *= 0
        return y
    assert not groupconv.check_layer(drops_first, "p4", "lifting", mode="same", k=k).passed
    changed = groupconv.check_layer(zeroes_input, "p4", "lifting", mode="same", k=k)
    assert not changed.passed and "changes its input x in place" in changed.diagnosis


def test_a_case_asking_padding_k_half_names_torchs_same():
    case = next(c for c in conformance.load(groups=["p4"], kinds=["lifting"])
                if c.k == 2 and c.padding == 1)
    result = testing.check_case(lambda x: _size_preserving_p4_lifting(False)(x, case["w"]),
                                case)
    assert not result.passed and "keeps the input's size, and its values are those of " \
        "torch's and TensorFlow's padding=\"same\" with an even kernel" in result.diagnosis, \
        result.diagnosis
    # the same size, other values (a layer that pads before only): the size alone is said
    shifted = testing.check_case(lambda x: np.roll(_size_preserving_p4_lifting(False)(
        x, case["w"]), 1, axis=-1), case)
    assert "keeps the input's size; groupconv's layout" in shifted.diagnosis, shifted.diagnosis


def _p4_lifting(x, w):
    return lifting_correlation(x, w, "p4")


def _portrait_clockwise(x, w):            # wrong, but only where H > W
    y = _p4_lifting(x, w)
    return y[:, :, [0, 3, 2, 1]] if x.shape[-2] > x.shape[-1] else y


def _mixed_parity_clockwise(x, w):        # wrong, but only where H and W differ in parity
    y = _p4_lifting(x, w)
    return y[:, :, [0, 3, 2, 1]] if (x.shape[-2] - x.shape[-1]) % 2 else y


def _cached_by_shape():
    banks = {}

    def fn(x, w):                         # the bank of the first weights of each shape, kept
        bank = banks.setdefault(w.shape, np.array(w))
        return _p4_lifting(x, bank)
    return fn


def _nan_on_zeros(x, w):                  # x * |x| / |x|: NaN where x is exactly 0
    with np.errstate(invalid="ignore", divide="ignore"):
        return _p4_lifting(x * (np.abs(x) / np.abs(x)), w)


def _two_images(x, w):                    # a loop written for the batch of two it was tried on
    return np.stack([_p4_lifting(x[i:i + 1], w)[0] for i in range(2)])


def _first_two_channels(x, w):            # reads the two input channels it was written for
    return _p4_lifting(x[:, :2], w[:, :2])


def _fixed_channels(x, w):                # right, for its two input channels only
    if x.shape[1] != 2:
        raise ValueError(f"this layer takes 2 input channels, got {x.shape[1]}")
    return _p4_lifting(x, w)


@pytest.mark.parametrize("fn, said", [
    (_first_two_channels, r"not with one more input and one more output channel \(3 -> 4\)"),
    (_portrait_clockwise, "sides in decreasing order"),
    (_mixed_parity_clockwise, "of mixed parity"),
    (_cached_by_shape(), "new weights of the same shape"),
    (_nan_on_zeros, "exact zeros.*NaN or infinite"),
    (_two_images, "a batch of three"),
])
def test_check_layer_tries_portrait_mixed_parity_zeros_new_weights_and_three_images(fn, said):
    """Each of these layers agreed with groupconv on every input check_layer drew before (9 x 11
    and 10 x 10 normal draws, one weight array, two images, 2 -> 3 channels) and passed; a
    layer of fixed channels, right on them, still passes."""
    report = groupconv.check_layer(fn, "p4", "lifting")
    assert not report.passed and re.search(said, report.diagnosis), report.diagnosis
    assert groupconv.check_layer(_p4_lifting, "p4", "lifting").passed
    assert groupconv.check_layer(_fixed_channels, "p4", "lifting").passed
    w = np.random.default_rng(0).standard_normal((3, 2, 3, 3))   # given weights: no new draw
    assert groupconv.check_layer(_first_two_channels, "p4", "lifting", weights=w).passed


@pytest.mark.parametrize("fn, said", [(_cached_by_shape, "new weights of the same shape"),
                                      (lambda: _nan_on_zeros, "exact zeros"),
                                      (lambda: _two_images, "a batch of three")])
def test_check_layer_with_x_given_draws_what_keeps_its_shape(fn, said):
    """From a JAX author's review: x given (the one way to hand a layer JAX arrays) turned off
    every further draw, so a layer keeping its bank between calls passed; those that keep x's
    shape run, and the notes say what was not drawn."""
    x = np.random.default_rng(1).standard_normal((2, 2, 9, 11))
    report = groupconv.check_layer(fn(), "p4", "lifting", x=x)
    assert not report.passed and said in report.diagnosis, report.diagnosis
    right = groupconv.check_layer(_p4_lifting, "p4", "lifting", x=x)
    assert right.passed and right.notes == ["with x given, not drawn: inputs of other sides, "
                                            "one more channel"]
    w = np.random.default_rng(2).standard_normal((3, 2, 3, 3))
    given = groupconv.check_layer(_cached_by_shape(), "p4", "lifting", x=x, weights=w)
    assert given.passed and "new weights (a cache keyed on the shapes would pass)" in \
        given.notes[0]


def test_check_layer_names_a_layer_whose_images_depend_on_each_other():
    """Right on every image alone, wrong in a batch (a statistic over the batch): named."""
    def batch_centred(x, w):
        y = lifting_correlation(x, w, "p4")
        return 2 * y - y.mean(axis=0, keepdims=True)
    report = groupconv.check_layer(batch_centred, "p4", "lifting")
    assert not report.passed and "agrees on each image alone, but not in a batch" in \
        report.diagnosis, report.diagnosis


def test_check_layer_names_the_output_samples_a_layer_gets_wrong():
    """One wrong entry in a layer's table of the cube's rotations: the sample and its rotation
    are named (before: "agrees with none of the known mistakes")."""
    def one_rotation_wrong(x, w):
        y = lifting_correlation(x, w, "P432")
        y[:, :, 7] = lifting_correlation(x, np.flip(w, -1), "P432")[:, :, 7]
        return y
    report = groupconv.check_layer(one_rotation_wrong, "P432", "lifting", size=7)
    # the kernel of s = 7 is R_7 F w (F the flip of the last axis): R_7 F is the rotoinversion
    # by 90° about (1, 0, 0) (R_7 (x, y, z) = (-x, -z, -y))
    assert not report.passed and "none of the known mistakes; it agrees " \
        "on 23 of the 24 output samples and differs on 1 (s = 7: rotation by 180° about " \
        "(0, 1, -1), your kernels moved there by the rotoinversion by 90° about (1, 0, 0) " \
        "instead)" in report.diagnosis, report.diagnosis


def test_check_layer_names_output_samples_that_repeat_others():
    """A list of the cube's rotations with the first 12 given twice (a subgroup's elements
    listed again, in the helper's case): the repeated samples are named; a layer whose
    samples differ gets no such sentence."""
    twice = list(range(12)) * 2
    report = groupconv.check_layer(
        lambda x, w: lifting_correlation(x, w, "P432")[:, :, twice], "P432", "lifting", size=5)
    assert not report.passed and "only 12 of your 24 output samples are distinct where " \
        "groupconv's differ (12 repeats 0, 13 repeats 1," in report.diagnosis, report.diagnosis
    swapped = groupconv.check_layer(
        lambda x, w: lifting_correlation(x, w, "p4")[:, :, [0, 1, 2, 1]], "p4", "lifting")
    assert "(3 repeats 1)" in swapped.diagnosis, swapped.diagnosis
    one_wrong = groupconv.check_layer(
        _one_sample_by("P432", 7, lambda w: np.flip(w, -1)), "P432", "lifting", size=5)
    assert not one_wrong.passed and "repeats" not in one_wrong.diagnosis, one_wrong.diagnosis

    def two_planes_only(x, w):          # a review's: samples left at zero are not repeats
        y = lifting_correlation(x, w, "p4")
        y[:, :, 2:] = 0
        return y
    unset = groupconv.check_layer(two_planes_only, "p4", "lifting")
    assert not unset.passed and "repeats" not in unset.diagnosis, unset.diagnosis


def _one_sample_by(group, s, kernel_of):
    """A lifting layer right on every output sample but s, whose kernels are kernel_of(w)."""
    def fn(x, w):
        y = lifting_correlation(x, w, group, mode="same")
        y[:, :, s] = lifting_correlation(x, kernel_of(w), "z3", mode="same")[:, :, 0]
        return y
    return fn


def test_check_layer_says_what_a_wrong_table_entry_did():
    """From a 3D author's review: Oh's inversion implemented as a half turn, and a rotation
    matrix computed in floating point and truncated to integers, were both "a table with a
    wrong entry?"; the sample is now said to be computed as another element, or with kernels
    that no symmetry of the cube gives."""
    group = groupconv.get_group("Pm-3m")
    labels = groupconv.groups.describe(group.stabiliser)
    inversion, half_turn = labels.index("inversion"), \
        labels.index("rotation by 180° about (0, 0, 1)")
    turned = _one_sample_by(group, inversion, lambda w: np.flip(w, (-3, -2)))  # x, y -> -x, -y
    report = groupconv.check_layer(turned, group, "lifting", mode="same", size=5)
    assert not report.passed and f"differs on 1 (s = {inversion}: inversion, computed as " \
        f"element {half_turn} (rotation by 180° about (0, 0, 1)))" in report.diagnosis, \
        report.diagnosis

    def truncated(w):    # R_7's matrix with its 1s rounded down to 0: the taps pile up
        matrix = np.trunc(np.asarray(group.point_matrices()[7]) * (1 - 1e-9)).astype(int)
        out = np.zeros_like(w)
        for tap in np.ndindex(*w.shape[-3:]):
            moved = matrix @ (np.array(tap) - 1) + 1
            out[(Ellipsis,) + tuple(moved)] += w[(Ellipsis,) + tap]
        return out
    report = groupconv.check_layer(_one_sample_by(group, 7, truncated), group, "lifting",
                                   mode="same", size=5)
    assert not report.passed and "(s = 7: rotation by 180° about (0, 1, -1), your kernels " \
        "there are w moved by none of the lattice's 48 symmetries (taps lost or merged: a matrix " \
        "that is not a signed permutation" in \
        report.diagnosis, report.diagnosis


def test_check_layer_names_a_padding_split_unevenly():
    """From a library author's review: padding (p + 1, p - 1) gives the right size, shifted:
    "check the formula", and on p4m a wrong "equivariant under 2 of the 8 elements only"."""
    def shifted(x, w):
        p = w.shape[-1] // 2
        x = np.pad(x, [(0, 0)] * 3 + [(p + 1, p - 1)] * 2)
        return group_correlation(x, w, "p4m", mode="valid")
    report = groupconv.check_layer(shifted, "p4m", "correlation", mode="same")
    assert not report.passed and "agrees with the padding split unevenly, 2 before and 0 " \
        "after on each axis where groupconv pads 1 on each side" in report.diagnosis, report

    def full_shifted(x, w):        # from a 3D author's review: "full" padded (0, 2p), unnamed
        p = w.shape[-1] - 1
        return lifting_correlation(np.pad(x, [(0, 0)] * 2 + [(0, 2 * p)] * 3), w, "P432")
    report = groupconv.check_layer(full_shifted, "P432", "lifting", mode="full", k=3, size=5)
    assert not report.passed and "split unevenly, 0 before and 4 after on each axis where " \
        "groupconv pads 2 on each side: your output has the right size, shifted by two" in \
        report.diagnosis, report.diagnosis


def _turned_by_hand(w, matrix, centre, wrap=True):
    """w (..., k, k) turned by an integer matrix about the tap (centre, centre), written out:
    out[i] = w[A^-1 (i - c) + c], wrapping around or (wrap False) zero off the grid."""
    k = w.shape[-1]
    inverse = np.rint(np.linalg.inv(matrix)).astype(int)
    out = np.zeros_like(w)
    for i in range(k):
        for j in range(k):
            a, b = inverse @ np.array([i - centre, j - centre]) + centre
            if wrap:
                a, b = a % k, b % k
            elif not (0 <= a < k and 0 <= b < k):
                continue
            out[..., i, j] = w[..., a, b]
    return out


def _planar(x, kernels):
    """sum_c x[b, c] correlated with kernels[o, c] (valid), written as a sliding-window sum."""
    k = kernels.shape[-1]
    windows = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(-2, -1))
    return np.einsum("bchwij,ocij->bohw", windows, kernels)


@pytest.mark.parametrize("wrap", [True, False])
def test_a_case_names_an_even_kernel_turned_about_a_tap(wrap):
    """From a library author's review: a kernel turned about pixel k // 2 (right for odd k)
    was named by check_layer's k + 1 draw but not by a case of even k."""
    group = groupconv.get_group("p4m")
    case = next(c for c in conformance.load(groups=["p4m"], kinds=["lifting"])
                if c.k == 2 and c.padding == 0)
    matrices = np.asarray(group.stabiliser.matrices)

    def layer(x):
        return np.stack([_planar(x, _turned_by_hand(case["w"], m, 1, wrap)) for m in matrices],
                        axis=2)
    result = testing.check_case(layer, case)
    how = "wrapping around" if wrap else "taps turned off the grid lost"
    assert not result.passed and f"agrees with kernels turned about the tap k // 2 = 1 ({how})" \
        in result.diagnosis, result.diagnosis


def test_a_g_convolutions_bank_mistake_is_named():
    """From a library author's review: mistakes named on the correlation (planes not shifted)
    were "none of the known mistakes" on the G-convolution. This one, written out: output
    sample s correlates input plane t with psi~[t] turned by h_s, psi~(t, y) =
    psi(t^-1, -A_t^-1 y), where the G-convolution reads psi~[h_s^-1 h_t]."""
    group = groupconv.get_group("p4m")
    case = next(c for c in conformance.load(groups=["p4m"], kinds=["convolution"])
                if c.k == 3 and c.padding == 0)
    w, matrices = case["w"], np.asarray(group.stabiliser.matrices)
    index = {m.tobytes(): i for i, m in enumerate(matrices)}
    inverse = [index[np.rint(np.linalg.inv(m)).astype(matrices.dtype).tobytes()]
               for m in matrices]
    tilde = np.stack([_turned_by_hand(w[:, :, inverse[t]], -matrices[t], 1)
                      for t in range(8)], axis=2)       # psi(t^-1, -A_t^-1 y)

    def layer(x):
        return np.stack([sum(_planar(x[:, :, t], _turned_by_hand(tilde[:, :, t], matrices[s], 1))
                             for t in range(8)) for s in range(8)], axis=2)
    right = lambda x: np.stack([sum(_planar(x[:, :, t], _turned_by_hand(      # noqa: E731
        tilde[:, :, index[(np.rint(np.linalg.inv(matrices[s])).astype(matrices.dtype)
                           @ matrices[t]).tobytes()]], matrices[s], 1)) for t in range(8))
        for s in range(8)], axis=2)
    assert testing.check_case(right, case).passed          # the hand-written form is right
    result = testing.check_case(layer, case)
    assert not result.passed and "agrees with planes not shifted" in result.diagnosis and \
        "that the G-convolution correlates with" in result.diagnosis, result.diagnosis


@pytest.mark.parametrize("group", ["p4m", "P432"])
def test_images_transposed_but_not_the_kernels_is_said_in_words(group):
    """From a library author's review: a layer that swaps H and W of its input (and back) but
    not of its kernels was told only an element order multiplied by a mirror."""
    d = groupconv.get_group(group).dim

    def swapped(x, w):
        return np.swapaxes(lifting_correlation(np.swapaxes(x, -1, -2), w, group), -1, -2)
    report = groupconv.check_layer(swapped, group, "lifting", size=7 if d == 3 else 9)
    names = "H, W" if d == 2 else "D, H, W"
    order = "W, H" if d == 2 else "D, W, H"
    assert not report.passed and f"the input and the output read with their spatial axes in " \
        f"the order ({order}), the kernels as ({names}): your layer transposes the images' " \
        f"axes (and back) but not the kernels'" in report.diagnosis, report


def test_a_sampled_groups_measured_rows_say_what_they_cannot_tell():
    """From a library author's review: on SE2(8) check_equivariance gave numbers only, and a
    layer that leaves its odd orientations unturned measured like a right one; check_layer
    compares such a layer with groupconv's own exactly."""
    group = groupconv.get_group("SE2(8)")
    rng = np.random.default_rng(0)
    w = rng.standard_normal((2, 1, 5, 5))

    def unturned(x, weights=w):
        y = lifting_correlation(x, weights, group, mode="same")
        y[:, :, 1::2] = y[:, :, 0::2]
        return y
    report = groupconv.check_equivariance(unturned, group, channels=1)
    assert report.measured and any("approximate by nature" in n and "check_layer(fn, group, "
                                   "kind)" in n for n in report.notes), report
    assert not groupconv.check_layer(unturned, group, "lifting", mode="same", k=5).passed
    assert groupconv.check_layer(lambda x, weights: lifting_correlation(
        x, weights, group, mode="same"), group, "lifting", mode="same", k=5).passed


def test_check_layer_draws_a_whole_image_of_zeros():
    """From a mutation review: a layer that divides each image by its own largest value is
    right wherever an image holds a nonzero value, and NaN on an image of zeros; the draw
    "with exact zeros" promises one whole zero image, and a test pins that it keeps it."""
    def normalised(x, w):
        s = np.abs(x).max(axis=(1, 2, 3), keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return lifting_correlation(x / s, w, "p4") * s[:, :, None]
    report = groupconv.check_layer(normalised, "p4", "lifting")
    assert not report.passed and "all of image 1" in report.diagnosis, report


def test_an_order_that_is_not_its_own_inverse_is_named_and_declared_the_right_way():
    """(Found by a review: with escnn's P432 order c, whose inverse is not c, a layer in
    groupconv's order declared escnn was told to declare c o c, which fails too; a layer in
    the order c^-1 was called escnn's.) The order told is the layer's, and declaring it
    passes."""
    from groupconv import interop

    c = np.asarray(interop.element_order("escnn", "P432"))
    assert not np.array_equal(c[c], np.arange(24))

    def in_order(order):         # a lifting layer whose element j is groupconv's order[j]
        def layer(x, w):
            return groupconv.lifting_correlation(x, w, "P432", mode="valid")[:, :, order]
        return layer

    settings = dict(size=5, channels=(1, 2), k=2)
    right = groupconv.check_layer(in_order(np.arange(24)), "P432", "lifting",
                                  convention="escnn", **settings)
    assert not right.passed and "drop the convention" in right.diagnosis
    for order in (c[c], np.argsort(c)):
        told = groupconv.check_layer(in_order(order), "P432", "lifting", convention="escnn",
                                     **settings)
        assert f"your layer's element order is {','.join(map(str, order))}" in told.diagnosis
        assert groupconv.check_layer(in_order(order), "P432", "lifting",
                                     convention=[int(i) for i in order], **settings).passed
    inverse = groupconv.check_layer(in_order(np.argsort(c)), "P432", "lifting", **settings)
    assert "escnn" not in inverse.diagnosis, inverse.diagnosis


def test_check_equivariance_with_a_declared_order_does_not_advise_declaring_one():
    """(Found by a review: a layer in groupconv's order declared escnn was told "a layer
    written in another element order? Declare it".)"""
    w = np.random.default_rng(0).standard_normal((1, 1, 2, 2, 2))

    def fn(x):
        return groupconv.lifting_correlation(x, w, "P432", mode="valid")
    report = groupconv.check_equivariance(fn, "P432", input_space="plane",
                                          output_space="group", convention="escnn",
                                          channels=1, size=5)
    assert not report.passed
    assert any("the declared convention escnn may not be your layer's order" in note
               for note in report.notes), report.notes
    assert not any("Declare it" in note for note in report.notes)


def test_a_sampled_layer_right_at_the_exact_samples_only_is_told_which_are_interpolated():
    """(Found by a review: an SE(2)_8 layer with its own bilinear rotation, right at the
    quarter turns, got "agrees with none of the known mistakes: check the formula" alone.)"""
    group = groupconv.get_group("se2_8")

    def own_interpolation(x, w):       # groupconv's at the quarter turns, another at 45 degrees
        y = groupconv.lifting_correlation(x, w, group, mode="same")
        unmasked = groupconv.lifting_correlation(x, w, groupconv.SE2(8, disk=False),
                                                 mode="same")
        y[:, :, 1::2] = unmasked[:, :, 1::2]
        return y
    report = groupconv.check_layer(own_interpolation, group, "lifting", mode="same", k=5,
                                   size=11, channels=(1, 2))
    assert not report.passed
    assert "agrees on the 4 output samples groupconv computes exactly and differs on 4 of the 4 " \
           "it computes by interpolation (1, 3, 5, 7)" in report.diagnosis, report.diagnosis
    # (a review: it sent the user to check_equivariance, which cannot tell an angle 5 degrees
    # off from interpolation's own error)
    assert "nor can check_equivariance tell an angle a few degrees off" in report.diagnosis
    assert "bank_from_weights(w, 'groupconv', group, kind)" in report.diagnosis


@pytest.mark.parametrize("name", ["SE2(8)", "SE2(6)", "SE2(4, disk=False)"])
def test_an_se2_correlation_reading_its_filter_backwards_is_named(name):
    """(A review: on p4 this mistake was named, on SE(2)_N, SE2(4, disk=False) = p4 included,
    it was "check the formula".)"""
    group = groupconv.SE2(int(name[4]), disk="disk=False" not in name)

    def backwards(x, w):
        return groupconv.group_correlation(x, w[:, :, (-np.arange(group.n)) % group.n], group)
    report = groupconv.check_layer(backwards, group, "correlation")
    assert not report.passed
    assert "filter's point axis read at h_t^-1 h_s (r - s) where h_s^-1 h_t (s - r) is meant" \
        in report.diagnosis, report.diagnosis


@pytest.mark.parametrize("layer_disk", [False, True])
def test_an_se2_layer_with_the_other_disk_is_named(layer_disk):
    """(A review: a layer that does not mask its kernels to the disk, SE(2)_N's default, got
    "check the formula", though it differs at the exact samples too.)"""
    kind = "correlation" if layer_disk else "lifting"
    op = groupconv.group_correlation if layer_disk else groupconv.lifting_correlation

    def other_disk(x, w):
        return op(x, w, groupconv.SE2(8, disk=layer_disk))
    report = groupconv.check_layer(other_disk, groupconv.SE2(8, disk=not layer_disk), kind)
    assert not report.passed
    said = "masked to the disk" if layer_disk else "not masked to the disk"
    assert f"agrees with kernels {said} of radius (k - 1) / 2" in report.diagnosis, \
        report.diagnosis


def test_a_layer_that_computes_float32_inputs_in_float64_passes():
    """(A 3D library author: groupconv's own correlation, given float32 x and upcasting it,
    failed at 2.6e-8 against 1e-10: the layer read float32-rounded weights drawn in float64,
    the reference the unrounded ones.) Draws are held to the dtype the layer is given them in,
    so the reference reads the numbers the layer reads; float32 arithmetic returned as float64
    is still named."""
    import groupconv

    def upcast(x, w):
        return groupconv.lifting_correlation(np.asarray(x, np.float64),
                                             np.asarray(w, np.float64), "P432")

    x = np.random.default_rng(0).normal(size=(1, 2, 5, 7, 6)).astype(np.float32)
    report = groupconv.check_layer(upcast, "P432", "lifting", x=x, k=2)
    assert report.passed and report.tolerance == 1e-10, report
    for kind, op in (("lifting", groupconv.lifting_correlation),
                     ("correlation", groupconv.group_correlation)):
        report = groupconv.check_layer(
            lambda x, w: op(np.asarray(x, np.float64), np.asarray(w, np.float64), "p4"),
            "p4", kind, dtype=np.float32)
        assert report.passed and report.tolerance == 1e-10, report
    in_float32 = groupconv.check_layer(
        lambda x, w: groupconv.lifting_correlation(x, w, "p4").astype(np.float64), "p4",
        "lifting", dtype=np.float32)
    assert not in_float32.passed
    assert "computes in float32 but returns float64" in in_float32.explanations[0]
    # an x given as nested lists is read as NumPy (it raised inside, "list is not a supported
    # array type")
    plain = x[:, :, 0].astype(np.float64).tolist()
    assert groupconv.check_layer(lambda x, w: groupconv.lifting_correlation(x, w, "p4"), "p4",
                                 "lifting", x=plain).passed


@pytest.mark.torch
def test_bfloat16_draws_are_rounded_through_the_layers_library():
    """(A review: bfloat16, which NumPy has no dtype for, left the draws unrounded: a layer
    upcasting torch's bfloat16 failed at 2e-3 against 1e-10.)"""
    torch = pytest.importorskip("torch")
    import groupconv

    x = torch.tensor(np.random.default_rng(0).normal(size=(2, 2, 6, 7)), dtype=torch.bfloat16)
    report = groupconv.check_layer(lambda x, w: groupconv.lifting_correlation(
        x.to(torch.float64), w.to(torch.float64), "p4"), "p4", "lifting", x=x)
    assert report.passed and report.tolerance == 1e-10, report


def _cube_correlation_wrong_at(s_wrong, wiring_of=None, kernels_of=None):
    """A P432 group correlation right on every output sample but s_wrong, which reads the
    filter's point axis in the order of wiring_of (an element), or turns its kernels by
    kernels_of(w) (the planes read right)."""
    group = groupconv.get_group("P432")
    stab, elements = group.stabiliser, group.point_elements()
    cayley, inverse = np.asarray(stab.cayley), np.asarray(stab.inverse_table)

    def fn(x, w):
        y = group_correlation(x, w, group, mode="same")
        s = s_wrong
        by = s if wiring_of is None else wiring_of
        planes = w[:, :, [cayley[inverse[by], t] for t in range(24)]]
        kernels = np.asarray(groupconv.transform(planes, elements[s], groupconv.Space.on_plane(
            group))) if kernels_of is None else kernels_of(planes)
        flat = kernels.reshape(w.shape[0], -1, *w.shape[-3:])
        y[:, :, s] = lifting_correlation(x.reshape(x.shape[0], -1, *x.shape[-3:]), flat, "z3",
                                         mode="same")[:, :, 0]
        return y
    return fn


def test_check_layer_says_what_one_wrong_sample_of_a_group_correlation_does():
    """From a 3D author's review: one sample whose kernels are turned right but read the
    filter's point axis as another element does was "kernels moved by"; kernels that no
    symmetry gives (taps piled up) were "a table with a wrong entry?" in a group correlation,
    where a lifting layer named them."""
    labels = groupconv.groups.describe(groupconv.get_group("P432").stabiliser)

    def check(fn):
        return groupconv.check_layer(fn, "P432", "correlation", mode="same", size=5,
                                     channels=(1, 1))
    report = check(_cube_correlation_wrong_at(9, wiring_of=10))
    assert not report.passed and f"differs on 1 (s = 9: {labels[9]}, your kernels are turned " \
        f"right there, but read the filter's point axis in another order as element 10 " \
        f"({labels[10]}) reads them" in report.diagnosis, report.diagnosis

    def piled(w):        # every tap moved to the centre's plane along the first axis
        out = np.zeros_like(w)
        out[..., 1, :, :] = w.sum(axis=-3)
        return out
    report = check(_cube_correlation_wrong_at(7, kernels_of=piled))
    assert not report.passed and f"(s = 7: {labels[7]}, your kernels there are w moved by " \
        f"none of the lattice's 48 symmetries (taps lost or merged" in report.diagnosis, \
        report.diagnosis


@pytest.mark.parametrize("group", ["p4", "P432"])
def test_check_layer_names_a_channels_last_output(group):
    """(B, *n, C, S), as a flax or TensorFlow layer writes it: said, and read back (from a 3D
    author's review: only the two layouts were shown)."""
    d = groupconv.get_group(group).dim

    def channels_last(x, w):
        y = lifting_correlation(x, w, group)
        return np.moveaxis(y, (1, 2), (-2, -1))
    report = groupconv.check_layer(channels_last, group, "lifting")
    assert not report.passed and "your output is channels last, (B, " + \
        ("H, W" if d == 2 else "D, H, W") + ", C, S)" in report.diagnosis and \
        "agrees once its channel and point axes are moved after the batch axis" in \
        report.diagnosis, report.diagnosis


def test_check_layer_names_inputs_rounded_to_float16_through_float32():
    """torch's .half() of a float64 tensor rounds through float32: a value near a tie rounds
    the other way than NumPy's direct cast (from a 3D author's review: "check the formula" on
    a group correlation)."""
    def via_float32(x, w):
        x, w = (a.astype(np.float32).astype(np.float16).astype(np.float64) for a in (x, w))
        return group_correlation(x, w, "P432")
    report = groupconv.check_layer(via_float32, "P432", "correlation")
    assert not report.passed and "the correlation of x and the weights rounded to float16" in \
        report.diagnosis, report.diagnosis


def test_a_cropped_output_is_not_said_to_be_equivariant_under_a_subgroup():
    """An output one voxel short: the crop breaks the symmetry by itself (from a 3D author's
    review: "equivariant under 4 of the 24 point elements only")."""
    report = groupconv.check_layer(lambda x, w: lifting_correlation(x, w, "P432")[..., :-1],
                                   "P432", "lifting")
    assert not report.passed and "spatial sides" in report.diagnosis and \
        "equivariant under" not in report.diagnosis, report.diagnosis


def _p4m_bank_layer(bank):
    """A p4m lifting layer by one conv2d-like correlation with a given bank (O S, C, k, k),
    'same' padding, its output (B, O, S, H, W): a layer whose weights are its own."""
    def fn(x):
        flat = lifting_correlation(x, bank, "z2", mode=1)[:, :, 0]
        return flat.reshape(flat.shape[0], -1, 8, *flat.shape[-2:])
    return fn


def test_a_float64_layer_accurate_to_float32_is_told_so_not_searched():
    """From an escnn author's review: escnn samples its filters in float32, so its float64
    layers agree to about 1e-7; at float64's tolerance both checks failed with false
    explanations ("kernels moved by the rotation by 90° instead", "a subgroup")."""
    rng = np.random.default_rng(0)
    w = rng.standard_normal((2, 1, 3, 3))
    bank = np.asarray(groupconv.filter_bank(w, "p4m")).reshape(16, 1, 3, 3)
    fn = _p4m_bank_layer(bank * (1 + 1e-7 * rng.standard_normal(bank.shape)))
    report = groupconv.check_layer(lambda x, w_: fn(x), "p4m", "lifting", mode=1, weights=w)
    assert not report.passed and report.diagnosis.startswith(
        "your layer agrees with groupconv to ") and "within float32's rounding" in \
        report.diagnosis and "tolerance=1e-5" in report.diagnosis, report.diagnosis
    assert groupconv.check_layer(lambda x, w_: fn(x), "p4m", "lifting", mode=1, weights=w,
                                 tolerance=1e-5).passed
    equivariance = groupconv.check_equivariance(fn, "p4m", channels=1)
    assert not equivariance.passed and "within float32's rounding" in \
        equivariance.notes[0], equivariance.notes
    assert groupconv.check_equivariance(fn, "p4m", channels=1, tolerance=1e-5).passed


def test_a_layer_that_ignores_its_weights_or_adds_a_bias_per_channel_is_named():
    """From an escnn author's review: both were "check the formula"."""
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal((3, 2, 3, 3))
    report = groupconv.check_layer(lambda x, w: lifting_correlation(x, w0, "p4", mode=1),
                                   "p4", "lifting", mode=1)
    assert not report.passed and "does not change when the weights double: it ignores the " \
        "weights given" in report.diagnosis, report.diagnosis
    # weights given may be the layer's own: no such probe then
    b = np.array([0.5, -1.0, 2.0])
    biased = groupconv.check_layer(
        lambda x, w: lifting_correlation(x, w0, "p4", mode=1) + b[:, None, None, None], "p4",
        "lifting", mode=1, weights=w0)
    assert not biased.passed and "plus a constant per output channel (a bias, [ 0.5 -1.   2. ])" \
        in biased.diagnosis and "ignores" not in biased.diagnosis, biased.diagnosis


def test_channels_mixed_at_one_element_are_not_said_to_lose_taps():
    """Two output fields swapped at one element: every kernel is a weight kernel moved by a
    symmetry, in another channel's place (from an escnn author's review: "taps lost or merged:
    a matrix that is not a signed permutation")."""
    def swapped(x, w):
        y = lifting_correlation(x, w, "p4m", mode=1)
        y[:, [0, 1], 5] = y[:, [1, 0], 5]
        return y
    report = groupconv.check_layer(swapped, "p4m", "lifting", mode=1)
    assert not report.passed and "(s = 5: " in report.diagnosis and "the weights' kernels, " \
        "each moved by a symmetry of the lattice, but not as this element moves them" in \
        report.diagnosis and "taps lost" not in report.diagnosis, report.diagnosis


def test_a_convention_is_not_applied_to_an_output_in_another_layout():
    """A channels-last output in escnn's order, convention="escnn" declared: the convention
    reorders the point axis of (B, C, S, ...) and could not be applied; the order found is the
    layer's own (from an escnn author's review: "your layer is in groupconv's own element
    order: drop the convention", which then failed)."""
    c = groupconv.interop.element_order("escnn", "p4m")

    def channels_last(x, w):
        y = lifting_correlation(x, w, "p4m", mode=1)[:, :, c]      # escnn's element j
        return np.moveaxis(y, (1, 2), (-2, -1))
    report = groupconv.check_layer(channels_last, "p4m", "lifting", mode=1, convention="escnn")
    assert not report.passed and "the declared convention escnn was not applied to its point " \
        "axis" in report.diagnosis and "drop the convention" not in report.diagnosis, \
        report.diagnosis
    assert "escnn's element order" in report.diagnosis, report.diagnosis


def test_check_equivariance_says_how_to_read_a_flat_or_channels_last_output():
    """From an escnn author's review: escnn's (B, C·S, H, W) output was refused by its shape
    alone."""
    w = np.random.default_rng(2).standard_normal((2, 1, 3, 3))

    def flat(x):
        y = lifting_correlation(x, w, "p4m", mode=1)
        return y.reshape(y.shape[0], -1, *y.shape[-2:])
    with pytest.raises(ValueError, match=r"got shape \(2, 16, 11, 11\): the channels look flat "
                                          r"\(C·S = 16, S = 8\): reshape them"):
        groupconv.check_equivariance(flat, "p4m", channels=1)
    with pytest.raises(ValueError, match=r"\(2, 11, 11, 2, 8\): channels last\? move the "
                                          r"channel and point axes"):
        groupconv.check_equivariance(
            lambda x: np.moveaxis(lifting_correlation(x, w, "p4m", mode=1), (1, 2), (-2, -1)),
            "p4m", channels=1)


def test_the_plain_reasons_leave_factors_and_zeros_to_the_search():
    """From a review of the change that added them: a layer that normalises its weights was
    told it ignores them, one scaled by 1 + 1e-6 that its numbers were float32's, and one that
    returns zeros that it ignores its weights; each is groupconv's times a constant (zeros:
    none), which the search names."""
    def normalised(x, w):
        return lifting_correlation(x, w / np.linalg.norm(w), "p4")
    said = groupconv.check_layer(normalised, "p4", "lifting").diagnosis
    assert "times groupconv's: a constant factor" in said and "ignores" not in said, said
    said = groupconv.check_layer(lambda x, w: lifting_correlation(x, w, "p4") * (1 + 1e-6),
                                 "p4", "lifting").diagnosis
    assert "1.000001 times groupconv's" in said and "float32" not in said, said
    said = groupconv.check_layer(lambda x, w: np.zeros_like(lifting_correlation(x, w, "p4")),
                                 "p4", "lifting").diagnosis
    assert "ignores" not in said, said


def test_a_convention_is_not_applied_to_a_channels_last_axis_of_s_pixels():
    """A channels-last output whose last spatial side equals S: that axis is no point axis,
    and the convention leaves it as it is (from a review: W = S was reordered as one)."""
    c = groupconv.interop.element_order("escnn", "p4m")
    x = np.random.default_rng(3).standard_normal((2, 2, 10, 10))

    def channels_last(x, w):
        y = lifting_correlation(x, w, "p4m")[:, :, c]
        return np.moveaxis(y, (1, 2), (-2, -1))                    # (B, 8, 8, C, S)
    report = groupconv.check_layer(channels_last, "p4m", "lifting", x=x, convention="escnn")
    assert not report.passed and "was not applied to its point axis" in report.diagnosis and \
        "agrees in escnn's element order [0, 1, 2, 3, 6, 5, 4, 7]" in report.diagnosis and \
        "(once its channel and point axes are moved after the batch axis)" in \
        report.diagnosis, report.diagnosis


def test_an_explanation_does_not_hide_a_second_smaller_difference():
    """From a fuzz of the oracle: an element order found by the search (kernels identified to
    1e-4) was said as the whole story for a layer also scaled by 1 + 1e-6, and inputs rounded
    to float16 explained a layer also scaled by 1 + 2e-6 (a residual of error / 100 allowed)."""
    def turned_and_scaled(x, w):
        return 1.000001 * lifting_correlation(x, np.rot90(w, 3, axes=(-2, -1)), "p4")
    said = groupconv.check_layer(turned_and_scaled, "p4", "lifting", channels=(2, 2),
                                 seed=1).diagnosis
    assert "agrees up to 1.0e-06 (relative) if only your output's point axis " \
        "is in the order [3, 0, 1, 2]" in said and "a second, smaller difference" in said, said

    def rounded_and_scaled(x, w):
        x16 = x.astype(np.float16).astype(np.float64)
        return 1.000002 * lifting_correlation(x16, w, "p4")
    said = groupconv.check_layer(rounded_and_scaled, "p4", "lifting").diagnosis
    assert "rounded to float16" not in said, said


def test_a_layer_that_returns_one_buffer_is_judged_on_what_it_returned_first():
    """From a fuzz of the oracle: the output kept without a copy was overwritten by later calls,
    and the diagnosis read the last call's values (a bfloat16 precision that was not there)."""
    buffers = {}

    def one_buffer(x, w):
        y = lifting_correlation(x, w.astype(np.float32).astype(np.float64), "pm")
        return np.copyto(buffers.setdefault(y.shape, np.empty_like(y)), y) or buffers[y.shape]
    said = groupconv.check_layer(one_buffer, "pm", "lifting", channels=(3, 3), seed=630).diagnosis
    assert "the correlation of the weights rounded to float32" in said, said


@pytest.mark.parametrize("where", [(3, 3), (2, 7), "row 4"])
def test_check_equivariance_fails_a_value_added_at_fixed_pixels(where):
    """On z2 (shifts only) a layer that adds 0.5 at one fixed output pixel, or along one row,
    passed: the one-pixel shift was retried with a wide zero border and compared on x's
    window only, as for a "same" padding's edge effects (from a fuzz of the oracle). A zero
    input tells them apart beyond the layer's reach of the edges: a layer that commutes with
    shifts gives one value per plane there (within it, a padding may differ from the input, and
    a value at an edge pixel is not told from that)."""
    w = np.random.default_rng(1).standard_normal((1, 2, 3, 3))

    def layer(x):
        y = np.array(lifting_correlation(x, w, "z2", mode="same"))
        if where == "row 4":
            y[..., 4, :] += 0.5
        else:
            y[(Ellipsis,) + where] += 0.5
        return y
    report = groupconv.check_equivariance(layer, "z2", channels=2)
    assert not report.passed and "on a zero input the output is not the same at every " \
        "position" in report.notes[0], report.notes
    right = groupconv.check_equivariance(
        lambda x: lifting_correlation(x, w, "z2", mode="same") + 0.5, "z2", channels=2)
    assert right.passed, right


def test_check_equivariance_sees_a_change_its_zero_border_would_hide():
    """(A fuzz of check_equivariance: a "full" layer that zeroes a fixed 2 x 2 corner passed:
    the drawn inputs' zero border kept that corner zero anyway.) The exact elements are checked
    once more on an input without a border, and a note says where only that one fails."""
    w = np.random.default_rng(0).standard_normal((2, 2, 3, 3))

    def masked(x):
        y = np.array(lifting_correlation(x, w, "p4", mode="full"))
        y[..., :2, :2] = 0
        return y
    report = groupconv.check_equivariance(masked, "p4")
    assert not report.passed
    assert "but not on one without (side 11, error 4.3e-01): the layer changes values where a " \
        "zero border keeps its output zero" in report.notes[-1], report.notes
    right = groupconv.check_equivariance(lambda x: lifting_correlation(x, w, "p4", mode="full"),
                                         "p4")
    assert right.passed and right.errors["translation by 1"] == 0.0, right
    assert not groupconv.check_equivariance(masked, "p4", size=9).passed


def test_check_equivariance_names_an_element_order_only_where_one_explains_every_element():
    """(The fuzz: a gain per point sample of a layer whose samples are alike, a 1 x 1 lifting,
    was told "a layer written in another element order? Declare it": each element's slices
    were a permutation of the expected ones, but no one order gives them all.) An order that
    is not its own inverse (escnn's on P432) is still recognised."""
    w1 = np.random.default_rng(0).standard_normal((2, 2, 1, 1))

    def gain(x):
        return lifting_correlation(x, w1, "p4") * np.arange(1.0, 5.0)[None, None, :, None, None]
    report = groupconv.check_equivariance(gain, "p4")
    assert not report.passed and not any("element order" in n for n in report.notes), report
    sigma = groupconv.interop.element_order("escnn", "P432")
    w3 = np.random.default_rng(1).standard_normal((2, 2, 3, 3, 3))
    report = groupconv.check_equivariance(
        lambda x: lifting_correlation(x, w3, "P432", mode="same")[:, :, sigma], "P432")
    assert not report.passed and any("another element order" in n for n in report.notes)


@pytest.mark.parametrize("group, convention", [("p4m", "escnn"), ("P432", "escnn"),
                                               ("p6m", "hexaconv")])
def test_a_group_layer_in_another_library_s_order_is_told_which(group, convention):
    """(A review: a group correlation in escnn's order, input and output, failed with no note:
    no permutation of its output explains it.) The named orders of the group are tried."""
    sigma = groupconv.interop.element_order(convention, group)
    g = groupconv.get_group(group)
    w = np.random.default_rng(0).standard_normal((2, 2, g.samples) + (3,) * g.dim)

    def theirs(x):
        return group_correlation(x[:, :, np.argsort(sigma)], w, g, mode="same")[:, :, sigma]
    size = 5 if g.dim == 3 else None
    report = groupconv.check_equivariance(theirs, g, input_space="group", size=size)
    assert not report.passed
    assert any(n.startswith(f"read in {convention}'s element order {sigma.tolist()}") and
               n.endswith(f"declare it, convention={convention!r}") for n in report.notes), report
    assert groupconv.check_equivariance(theirs, g, input_space="group", size=size,
                                        convention=convention).passed


def test_check_equivariance_says_an_output_whose_sides_do_not_turn():
    """(The fuzz: one axis padded more than the other, with a right bias, was told "a bias per
    channel and element?": a zero input's output, not square, changed shape when turned.)"""
    rng = np.random.default_rng(0)
    w, b = rng.standard_normal((2, 2, 3, 3)), rng.standard_normal(2)

    def one_side_padded(x):
        y = lifting_correlation(np.pad(x, [(0, 0), (0, 0), (1, 0), (0, 0)]), w, "p4")
        return y + b[None, :, None, None, None]
    report = groupconv.check_equivariance(one_side_padded, "p4")
    assert not report.passed
    assert len(report.notes) == 1 and report.notes[0].startswith(
        "the output's sides do not turn with the input's: a padding or crop of one side more "
        "than another? (error inf: fn(L_h x) has shape (2, 2, 4, 10, 9) where L_h fn(x) has "
        "(2, 2, 4, 9, 10)"), report.notes


def test_an_unwritten_layer_raises_its_own_hint():
    """A lab's demo cell checks the student's function before it is written: its
    NotImplementedError (the exercise's hint) passes through, not "pass channels=" (from an
    instructor's run of lab 2)."""
    def unwritten(x, w=None):
        raise NotImplementedError("Exercise 2.1: write my_lifting")
    with pytest.raises(NotImplementedError, match="Exercise 2.1"):
        groupconv.check_layer(unwritten, "p4", "lifting")
    with pytest.raises(NotImplementedError, match="Exercise 2.1"):
        groupconv.check_equivariance(unwritten, "p4")


def test_the_reach_and_the_second_difference_from_a_review_of_their_commit():
    """A right layer with a "full" output (larger than its input: the edges' effects reach |o|
    further) failed check_equivariance as a value at fixed pixels; a single +1 impulse under a
    ReLU measured no reach; a constant added beside an element order was not said (the
    probed bank cannot see it); a NotImplementedError raised inside a library (torch's, for a
    shape it does not support) is the library's, not an unwritten exercise."""
    w = np.random.default_rng(4).standard_normal((2, 2, 3, 3))
    for mode in ("full", 2):
        right = groupconv.check_equivariance(
            lambda x, mode=mode: lifting_correlation(x + 0.7, w, "p4", mode=mode), "p4")
        assert right.passed, (mode, right)
    centred = np.full((1, 1, 3, 3), -1.0)
    centred[..., 1, 1] = 5.0
    relu = groupconv.check_equivariance(
        lambda x: np.maximum(lifting_correlation(x + 1, centred, "z2", mode="same"), 0), "z2",
        channels=1)
    assert relu.passed, relu

    def turned_and_shifted(x, w):
        return lifting_correlation(x, np.rot90(w, 3, axes=(-2, -1)), "p4") + 1e-7
    said = groupconv.check_layer(turned_and_shifted, "p4", "lifting", channels=(2, 2),
                                 seed=1).diagnosis
    assert "agrees up to" in said and "a small term added?" in said, said
    from groupconv.checks.user_layers import _unwritten
    library = compile("raise NotImplementedError('no such shape')",
                      "/usr/lib/python3/site-packages/somelibrary/pad.py", "exec")
    try:
        exec(library)
    except NotImplementedError as error:
        assert not _unwritten(error)
    try:
        raise NotImplementedError("Exercise 2.1")
    except NotImplementedError as error:
        assert _unwritten(error)
