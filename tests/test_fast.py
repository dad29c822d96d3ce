"""The fast path against the literal sums (the ground truth), array-level equivariance, dtypes,
chunking, transforms and bad input. Backends and conformance have files of their own."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import groupconv
from groupconv import P4, P4M, Z2, filter_bank
from groupconv.fast.action import transform
from groupconv.fast.correlate import group_convolution, group_correlation, lifting_correlation
from groupconv.fast.engine import Workspace, correlate2d

from strategies import GROUPS

OPS = {"lifting": lifting_correlation, "correlation": group_correlation,
       "convolution": group_convolution}
MODES = ("valid", "same", "full")
# Relative to max|x| * max_o ||w_o||_1 (the largest possible output), the rounding error of a
# sum of n <= C_in S k^2 = 2 * 8 * 25 = 400 products is at most n * eps: 4.4e-14 in float64,
# 2.4e-5 in float32.
TOL = {np.float32: 4e-5, np.float64: 1e-12}


def inputs(rng, group, kind, shape, c_in, c_out, k, dtype):
    s = group.stabiliser.order
    x = rng.standard_normal(shape[:-2] + (c_in,) + (() if kind == "lifting" else (s,))
                            + shape[-2:]).astype(dtype)
    w = rng.standard_normal((c_out, c_in) + (() if kind == "lifting" else (s,))
                            + (k, k)).astype(dtype)
    return x, w


def scale(x, w):
    return float(np.abs(x).max() * np.abs(w.reshape(len(w), -1)).sum(axis=1).max()) or 1.0


@settings(max_examples=40)
@given(group=st.sampled_from(GROUPS), kind=st.sampled_from(list(OPS)),
       mode=st.sampled_from(MODES), k=st.integers(1, 5),
       batch=st.lists(st.integers(1, 2), max_size=2), hw=st.tuples(st.integers(0, 3),
                                                                    st.integers(0, 3)),
       channels=st.tuples(st.integers(1, 2), st.integers(1, 2)),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2**16))
def test_fast_equals_literal(group, kind, mode, k, batch, hw, channels, dtype, seed):
    """Random batch shapes, channels, k in 1..5, even/odd non-square H, W, every mode, group,
    kind and dtype: the fast path reproduces the literal sums."""
    rng = np.random.default_rng(seed)
    h, w_ = (k + hw[0], k + hw[1]) if mode == "valid" else (1 + hw[0], 1 + hw[1])
    x, w = inputs(rng, group, kind, tuple(batch) + (h, w_), channels[0], channels[1], k, dtype)
    fast = OPS[kind](x, w, group, mode=mode)
    truth = OPS[kind](x.astype(np.float64), w.astype(np.float64), group, mode=mode,
                      method="literal")
    assert fast.dtype == dtype and fast.shape == truth.shape
    assert np.abs(fast - truth).max() <= TOL[dtype] * scale(x, w)
    # method="literal" returns the same array type and dtype too
    assert OPS[kind](x, w, group, mode=mode, method="literal").dtype == dtype


@pytest.mark.parametrize("group", [P4, P4M], ids=["P4", "P4M"])
@pytest.mark.parametrize("kind", list(OPS))
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_array_level_equivariance_is_exact(group, kind, mode, k):
    """op(L_h x) = L_h op(x) for every h of the stabiliser, rotating and flipping about the
    array centre (the stabiliser axis permuted by the group law): exact, float64 rounding, for
    every mode and every k, odd and even (even k: filters rotate about their centre and 'same'
    pads k // 2 on both sides, so the output, H + 1 wide, is centred like the input)."""
    rng = np.random.default_rng(k)
    for size in (k + 4, k + 5):  # even and odd squares
        x, w = inputs(rng, group, kind, (2, size, size), 2, 2, k, np.float64)
        y = OPS[kind](x, w, group, mode=mode)
        for h in group.stabiliser_elements():
            lhs = OPS[kind](transform(x, h, on_group=kind != "lifting"), w, group, mode=mode)
            assert np.abs(lhs - transform(y, h, on_group=True)).max() <= 1e-12 * scale(x, w)


@pytest.mark.parametrize("group", [P4, P4M], ids=["P4", "P4M"])
@pytest.mark.parametrize("k", [2, 4])
def test_size_preserving_same_padding_with_even_k_is_not_equivariant(group, k):
    """The 'same' of TensorFlow / PyTorch keeps the size H for even k by padding (k-1)//2 before
    and k//2 after: the output grid's centre moves by half a pixel, and no pixel of a rotated
    output is right. Measured here (seed 0, 16 x 16): the largest error is of the order of the
    output itself (relative errors 1.1 to 1.7 for these k and groups)."""
    rng = np.random.default_rng(0)
    x, w = inputs(rng, group, "lifting", (16, 16), 1, 1, k, np.float64)

    def asymmetric_same(a):
        return lifting_correlation(np.pad(a, ((0, 0), ((k - 1) // 2, k // 2), ((k - 1) // 2,
                                                                                k // 2))),
                                   w, group, mode="valid")

    y = asymmetric_same(x)
    assert y.shape[-1] == 16
    worst = max(np.abs(asymmetric_same(transform(x, h)) - transform(y, h, on_group=True)).max()
                for h in group.stabiliser_elements())
    assert worst / np.abs(y).max() > 0.5


def test_non_square_inputs_rotate_into_swapped_shapes():
    rng = np.random.default_rng(0)
    x, w = inputs(rng, P4, "lifting", (7, 10), 1, 1, 3, np.float64)
    y = lifting_correlation(x, w, P4, mode="same")
    r = P4.element(r=1)
    rotated = lifting_correlation(transform(x, r), w, P4, mode="same")
    assert rotated.shape[-2:] == (10, 7)
    assert np.abs(rotated - transform(y, r, on_group=True)).max() <= 1e-12 * scale(x, w)


# ------------------------------------------------------------- transforms
@pytest.mark.parametrize("size", [(3, 3), (4, 4), (4, 6)])
def test_transform_is_rot90_and_flipud(size):
    x = np.arange(2 * 8 * size[0] * size[1], dtype=float).reshape(2, 8, *size)
    for r in range(4):
        assert np.array_equal(transform(x[:, 0], P4.element(r=r)), np.rot90(x[:, 0], r, (-2, -1)))
    assert np.array_equal(transform(x[:, 0], P4M.element(m=1)), x[:, 0, ::-1, :])
    # on G: slice t of L_h f is slice idx(h^-1 h_t) of f, rotated
    y = transform(x, P4M.element(m=1, r=1), on_group=True)
    for t in range(8):
        src = P4M.stabiliser.cayley[P4M.stabiliser.inverse_table[5], t]
        assert np.array_equal(y[:, t], np.rot90(x[:, src], 1, (-2, -1))[:, ::-1, :])


def test_transform_checks():
    with pytest.raises(ValueError, match="zero translation"):
        transform(np.zeros((1, 3, 3)), P4.element(r=1, u=1))
    with pytest.raises(ValueError, match="stabiliser axis of an array on P4 must have length 4"):
        transform(np.zeros((1, 8, 3, 3)), P4.element(r=1), on_group=True)
    assert np.array_equal(transform(np.eye(3)[None], P4.stabiliser.element(r=1), group=P4),
                          np.rot90(np.eye(3))[None])


# ---------------------------------------------------------------- dtypes
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_dtypes_are_kept(dtype):
    x, w = np.ones((1, 5, 5), dtype), np.ones((1, 1, 3, 3), dtype)
    assert lifting_correlation(x, w, "p4").dtype == dtype
    assert filter_bank(w, "p4").dtype == dtype


def test_integers_are_promoted_and_other_dtypes_refused():
    x, w = np.ones((1, 5, 5), np.int32), np.ones((1, 1, 3, 3), np.int64)
    y = lifting_correlation(x, w, "p4")
    assert y.dtype == np.float64 and y[0, 0, 0, 0] == 9
    assert lifting_correlation(np.ones((1, 5, 5), np.float32), np.ones((1, 1, 3, 3)),
                               "p4").dtype == np.float64   # float32 with float64 -> float64
    with pytest.raises(TypeError, match="real numbers.*complex128"):
        lifting_correlation(np.ones((1, 5, 5), complex), np.ones((1, 1, 3, 3)), "p4")
    with pytest.raises(TypeError, match="real numbers.*object"):
        lifting_correlation(np.ones((1, 5, 5), object), np.ones((1, 1, 3, 3)), "p4")
    with pytest.raises(TypeError, match="weights must be real numbers.*complex"):
        filter_bank(np.ones((1, 1, 3, 3), complex), "p4")


# -------------------------------------------------------- chunked workspace
@pytest.mark.parametrize("budget", [1, 20_000, 200_000, 10**9])
def test_chunks_give_the_same_result_within_the_workspace_bound(budget):
    """Tiny budgets force bands of rows, medium ones several images per chunk; the workspace
    stays within max_workspace whenever the bound allows one output row (k input rows)."""
    rng = np.random.default_rng(1)
    for c_in, k in ((2, 3), (64, 3)):       # the im2col and the rows strategies
        x = rng.standard_normal((5, c_in, 11, 9))
        w = rng.standard_normal((3, k, k, c_in))
        ws = Workspace()
        y = correlate2d(x, w, "same", max_workspace=budget, workspace=ws)
        ref = correlate2d(x, w, "same", max_workspace=10**9)
        assert np.allclose(y, ref, rtol=0, atol=1e-12 * scale(x, w))
        # one output row needs k padded input rows of width W + 2 = 11: the smallest chunk
        taps = k * k if k * k * c_in <= 512 else k
        products = 3 if taps == k * k else 3 * k
        one_row = 8 * k * 11 * (c_in + taps * c_in + products)
        assert ws.nbytes <= max(budget, one_row)


def test_workspace_is_reused_between_calls():
    x, w = np.ones((2, 3, 8, 8)), np.ones((4, 3, 3, 3))
    ws = Workspace()
    correlate2d(x, w, workspace=ws)
    held = ws.nbytes
    correlate2d(x, w, workspace=ws)
    assert ws.nbytes == held > 0


# -------------------------------------------------------------- bad input
def test_bad_input():
    x, w = np.ones((2, 5, 5)), np.ones((3, 2, 3, 3))
    with pytest.raises(ValueError, match="mode must be 'valid', 'same', 'full' or a padding in "
                                         "0..2, got 'wrap'"):
        lifting_correlation(x, w, "p4", mode="wrap")
    with pytest.raises(ValueError, match="method must be 'fast' or 'literal'"):
        lifting_correlation(x, w, "p4", method="slow")
    with pytest.raises(ValueError, match="group must be one of"):
        lifting_correlation(x, w, "p5")
    with pytest.raises(ValueError, match=r"C_in = 2 from the weights \(3, 2, 3, 3\)\), "
                                         r"got shape \(3, 5, 5\)"):
        lifting_correlation(np.ones((3, 5, 5)), w, "p4")
    with pytest.raises(ValueError, match=r"input must have shape \(\.\.\., 2, H, W\)"):
        lifting_correlation(np.ones((5, 5)), w, "p4")
    with pytest.raises(ValueError, match=r"weights on P4 must have shape \(C_out, C_in, 4, k, k\)"):
        group_correlation(np.ones((2, 4, 5, 5)), np.ones((3, 2, 8, 3, 3)), "p4")
    with pytest.raises(ValueError, match=r"input must have shape \(\.\.\., 2, 8, H, W\)"):
        group_correlation(np.ones((2, 4, 5, 5)), np.ones((3, 2, 8, 3, 3)), "p4m")
    with pytest.raises(ValueError, match="filters must be square k x k, got 3x2"):
        lifting_correlation(x, np.ones((3, 2, 3, 2)), "p4")
    with pytest.raises(ValueError, match="needs an input of at least 3x3 pixels, got 2x5"):
        lifting_correlation(np.ones((2, 2, 5)), w, "p4")
    with pytest.raises(TypeError, match="one array library"):
        import array_api_strict as xps
        lifting_correlation(xps.asarray(x), w, "p4")


def test_top_level_names():
    for name in ("filter_bank", "lifting_correlation", "group_correlation", "group_convolution"):
        assert callable(getattr(groupconv, name))
    assert groupconv.group_correlation is group_correlation
    with pytest.raises(ValueError):
        groupconv.lifting_correlation(np.ones((1, 5, 5)), np.ones((1, 1, 3, 3)), Z2, mode="x")
