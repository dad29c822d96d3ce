"""The fast path against the literal sums (the ground truth), array-level equivariance, dtypes,
chunking, transforms and bad input, for every kind of group in one, two and three dimensions.
Backends and conformance have files of their own."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import groupconv
from groupconv import P4, P4M, SE2, Z2, Kind, Space, filter_bank
from groupconv.feature_maps import FeatureMap, L
from groupconv.fast.action import transform
from groupconv.fast.correlate import group_convolution, group_correlation, lifting_correlation
from groupconv.fast.engine import Workspace, correlate

from strategies import ARRAY_GROUPS, LINE, SPACE

OPS = {Kind.LIFTING: lifting_correlation, Kind.CORRELATION: group_correlation,
       Kind.CONVOLUTION: group_convolution}
MODES = ("valid", "same", "full")
# Relative to max|x| * max_o ||w_o||_1 (the largest possible output), the rounding error of a
# sum of n <= C_in S k^d = 2 * 8 * 25 = 400 products (2 * 4 * 27 in 3D; interpolated kernels of
# the sampled groups add a handful of terms each) is at most n * eps: 4.4e-14 in float64, 2.4e-5
# in float32.
TOL = {np.float32: 4e-5, np.float64: 1e-12}


def kinds(group):
    """The correlations a group has: the sampled groups have no true G-convolution here."""
    lattice = isinstance(group, groupconv.SemidirectProduct)
    return list(Kind) if lattice else [Kind.LIFTING, Kind.CORRELATION]


def inputs(rng, group, kind, lead, spatial, c_in, c_out, k, dtype):
    s = () if kind is Kind.LIFTING else (group.samples,)
    j = () if kind is Kind.LIFTING else (group.weight_samples,)
    x = rng.standard_normal(lead + (c_in,) + s + spatial).astype(dtype)
    w = rng.standard_normal((c_out, c_in) + j + (k,) * group.dim).astype(dtype)
    return x, w


def scale(x, w):
    return float(np.abs(x).max() * np.abs(w.reshape(len(w), -1)).sum(axis=1).max()) or 1.0


@settings(max_examples=60)
@given(group=st.sampled_from(ARRAY_GROUPS), kind=st.sampled_from(list(Kind)),
       mode=st.sampled_from(MODES), k=st.integers(1, 5),
       batch=st.lists(st.integers(1, 2), max_size=2),
       extra=st.lists(st.integers(0, 3), min_size=3, max_size=3),
       channels=st.tuples(st.integers(1, 2), st.integers(1, 2)),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 2**16))
def test_fast_equals_literal(group, kind, mode, k, batch, extra, channels, dtype, seed):
    """Random batch shapes, channels, k, sides that differ, every mode, group (1D, 2D, 3D,
    sampled), kind and dtype: the fast path reproduces the literal sums."""
    if kind not in kinds(group):
        kind = Kind.CORRELATION
    d = group.dim
    if d == 3:
        k, extra, channels = min(k, 3), [min(e, 1) for e in extra], (1, channels[1])
    if group.samples > 4 and not isinstance(group, groupconv.SemidirectProduct):
        k, channels = min(k, 3), (1, 1)                   # the sampled groups' sums are slow
    if k == 2 and getattr(group, "disk", False):
        k = 3                                 # SE(2)'s disk holds no pixel of a 2 x 2 kernel
    rng = np.random.default_rng(seed)
    size = group.kernel_size(k)
    spatial = tuple((size if mode == "valid" else 1) + e for e in extra[:d])
    x, w = inputs(rng, group, kind, tuple(batch), spatial, channels[0], channels[1], k, dtype)
    fast = OPS[kind](x, w, group, mode=mode)
    truth = OPS[kind](x.astype(np.float64), w.astype(np.float64), group, mode=mode,
                      method="literal")
    assert fast.dtype == dtype and fast.shape == truth.shape
    assert np.abs(fast - truth).max() <= TOL[dtype] * scale(x, w)
    # method="literal" returns the same array type and dtype too
    assert OPS[kind](x, w, group, mode=mode, method="literal").dtype == dtype


@pytest.mark.parametrize("group", [P4, P4M, LINE, SPACE], ids=["P4", "P4M", "line", "space"])
@pytest.mark.parametrize("kind", list(Kind), ids=[k.value for k in Kind])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("k", [1, 2, 3, 4])
def test_array_level_equivariance_is_exact(group, kind, mode, k):
    """op(L_h x) = L_h op(x) for every h of the point group, rotating and flipping about the
    array centre (the point axis permuted by the group law): exact, float64 rounding, for every
    mode and every k, odd and even (even k: filters rotate about their centre and 'same' pads
    k // 2 on both sides, so the output, n + 1 wide, is centred like the input)."""
    rng = np.random.default_rng(k)
    d = group.dim
    space_in, space_out = kind.input_space(group), kind.output_space(group)
    for size in (k + 3, k + 4):  # even and odd sides
        x, w = inputs(rng, group, kind, (2,), (size,) * d, 2, 2, k, np.float64)
        y = OPS[kind](x, w, group, mode=mode)
        for h in group.point_elements():
            lhs = OPS[kind](transform(x, h, space_in), w, group, mode=mode)
            assert np.abs(lhs - transform(y, h, space_out)).max() <= 1e-12 * scale(x, w)


@pytest.mark.parametrize("n", [4, 8])
@pytest.mark.parametrize("kind", [Kind.LIFTING, Kind.CORRELATION], ids=["lifting", "corr"])
def test_sampled_groups_are_exact_at_their_exact_samples(n, kind):
    """SE(2)_N: quarter turns of the input turn the output and shift the orientation axis by
    N/4, exactly (the operators of r + N/4 are those of r after the exact quarter turn)."""
    group = SE2(n)
    rng = np.random.default_rng(n)
    x, w = inputs(rng, group, kind, (1,), (9, 9), 2, 2, 5, np.float64)
    y = OPS[kind](x, w, group, mode="same")
    assert group.exact_samples().tolist() == list(range(0, n, n // 4))
    for s in group.exact_samples():
        h = group.point_elements()[int(s)]
        lhs = OPS[kind](transform(x, h, kind.input_space(group)), w, group, mode="same")
        assert np.abs(lhs - transform(y, h, kind.output_space(group))).max() <= \
            1e-12 * scale(x, w)
    if n == 8:   # 45 degrees: through interpolation only
        with pytest.raises(ValueError, match="interpolate=True"):
            transform(y, group.point_elements()[1], Space.on_group(group))


@pytest.mark.parametrize("group", [P4, P4M], ids=["P4", "P4M"])
@pytest.mark.parametrize("k", [2, 4])
def test_size_preserving_same_padding_with_even_k_is_not_equivariant(group, k):
    """The 'same' of TensorFlow / PyTorch keeps the size H for even k by padding (k-1)//2 before
    and k//2 after: the output grid's centre moves by half a pixel, and no pixel of a rotated
    output is right. Measured here (seed 0, 16 x 16): the largest error is of the order of the
    output itself (relative errors 1.1 to 1.7 for these k and groups)."""
    rng = np.random.default_rng(0)
    x, w = inputs(rng, group, Kind.LIFTING, (), (16, 16), 1, 1, k, np.float64)

    def asymmetric_same(a):
        return lifting_correlation(np.pad(a, ((0, 0), ((k - 1) // 2, k // 2), ((k - 1) // 2,
                                                                                k // 2))),
                                   w, group, mode="valid")

    y = asymmetric_same(x)
    assert y.shape[-1] == 16
    worst = max(np.abs(asymmetric_same(transform(x, h)) -
                       transform(y, h, Space.on_group(group))).max()
                for h in group.point_elements())
    assert worst / np.abs(y).max() > 0.5


def test_inputs_of_unequal_sides_rotate_into_swapped_shapes():
    rng = np.random.default_rng(0)
    x, w = inputs(rng, P4, Kind.LIFTING, (), (7, 10), 1, 1, 3, np.float64)
    y = lifting_correlation(x, w, P4, mode="same")
    r = P4.element(r=1)
    rotated = lifting_correlation(transform(x, r), w, P4, mode="same")
    assert rotated.shape[-2:] == (10, 7)
    assert np.abs(rotated - transform(y, r, Space.on_group(P4))).max() <= 1e-12 * scale(x, w)


# ------------------------------------------------------------- transforms
@pytest.mark.parametrize("size", [(3, 3), (4, 4), (4, 6)])
def test_transform_is_rot90_and_flipud(size):
    x = np.arange(2 * 8 * size[0] * size[1], dtype=float).reshape(2, 8, *size)
    for r in range(4):
        assert np.array_equal(transform(x[:, 0], P4.element(r=r)), np.rot90(x[:, 0], r, (-2, -1)))
    assert np.array_equal(transform(x[:, 0], P4M.element(m=1)), x[:, 0, ::-1, :])
    # on G: slice t of L_h f is slice idx(h^-1 h_t) of f, rotated
    y = transform(x, P4M.element(m=1, r=1), Space.on_group(P4M))
    for t in range(8):
        src = P4M.stabiliser.cayley[P4M.stabiliser.inverse_table[5], t]
        assert np.array_equal(y[:, t], np.rot90(x[:, src], 1, (-2, -1))[:, ::-1, :])


@pytest.mark.parametrize("group", [P4M, LINE, SPACE], ids=["P4M", "line", "space"])
def test_transform_is_the_exact_L_of_a_function_on_the_group(group):
    """The array action (pixels by L on Z^d, the point axis by the law) is the one L_g of
    feature_maps acting on the array read as a function on G."""
    rng = np.random.default_rng(0)
    d = group.dim
    x = rng.standard_normal((2, group.samples) + tuple(3 + a for a in range(d)))
    for h in group.point_elements():
        moved = L(h, FeatureMap(group, x)).values
        assert np.array_equal(transform(x[None], h, Space.on_group(group))[0], moved)
    # and L_a L_b = L_ab on arrays
    a, b = group.point_elements()[-1], group.point_elements()[1]
    space = Space.on_group(group)
    assert np.array_equal(transform(transform(x, b, space), a, space), transform(x, a * b, space))


def test_transform_checks():
    with pytest.raises(ValueError, match="zero translation"):
        transform(np.zeros((1, 3, 3)), P4.element(r=1, u=1))
    with pytest.raises(ValueError, match=r"transform: x must have shape \(\.\.\., C, 4, H, W\)"):
        transform(np.zeros((1, 8, 3, 3)), P4.element(r=1), Space.on_group(P4))
    with pytest.raises(ValueError, match="the space is"):
        transform(np.zeros((1, 4, 3, 3)), P4.element(r=1), Space.on_group(P4M))
    assert np.array_equal(transform(np.eye(3)[None], P4.stabiliser.element(r=1),
                                    Space.on_plane(P4)), np.rot90(np.eye(3))[None])


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
@pytest.mark.parametrize("d", [1, 2, 3])
def test_chunks_give_the_same_result_within_the_workspace_bound(budget, d):
    """Tiny budgets force slabs of the first axis, medium ones several images per chunk; the
    workspace stays within max_workspace whenever the bound allows one output slab."""
    rng = np.random.default_rng(1)
    spatial = (11, 9, 7)[:d]
    for c_in, k in ((2, 3), (64, 3)):       # the im2col and the rows strategies
        x = rng.standard_normal((5, c_in) + spatial)
        w = rng.standard_normal((3,) + (k,) * d + (c_in,))
        ws = Workspace()
        y = correlate(x, w, "same", max_workspace=budget, workspace=ws)
        ref = correlate(x, w, "same", max_workspace=10**9)
        assert np.allclose(y, ref, rtol=0, atol=1e-12 * scale(x, w))
        # one output slab needs k padded input slabs: the smallest chunk
        slab = k * math.prod(n + 2 for n in spatial[1:])
        one = 8 * slab * (c_in + k**d * c_in + 3 * k**d)
        assert ws.nbytes <= max(budget, one)


def test_workspace_is_reused_between_calls():
    x, w = np.ones((2, 3, 8, 8)), np.ones((4, 3, 3, 3))
    ws = Workspace()
    correlate(x, w, workspace=ws)
    held = ws.nbytes
    correlate(x, w, workspace=ws)
    assert ws.nbytes == held > 0


# -------------------------------------------------------------- bad input
def test_bad_input():
    x, w = np.ones((2, 5, 5)), np.ones((3, 2, 3, 3))
    with pytest.raises(ValueError, match="mode must be 'valid', 'same', 'full' or a padding in "
                                         "0..2, got 'wrap'"):
        lifting_correlation(x, w, "p4", mode="wrap")
    with pytest.raises(ValueError, match=r"method must be one of \('fast', 'literal'\)"):
        lifting_correlation(x, w, "p4", method="slow")
    with pytest.raises(ValueError, match="did you mean .*'p4'"):
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
    with pytest.raises(ValueError, match="look like group-correlation weights"):
        lifting_correlation(x, np.ones((3, 2, 4, 3, 3)), "p4")
    with pytest.raises(ValueError, match=r"lifting_correlation: the weights' filters \(their "
                                         r"last 2 axes\) must be k\^2 cubes of equal sides, "
                                         r"got weights of shape \(3, 2, 3, 2\), filters 3x2"):
        lifting_correlation(x, np.ones((3, 2, 3, 2)), "p4")
    with pytest.raises(ValueError, match=r"filters 4x3x3 \(the first, 4, reads like a point axis"):
        lifting_correlation(np.ones((1, 2, 6, 6, 6)), np.ones((3, 2, 4, 3, 3)), "p222")
    with pytest.raises(ValueError, match=r"give the space, transform\(x, h, Space.on_plane"):
        transform(np.ones((1, 3, 3)), P4.stabiliser.element(r=1))   # h of the point group C4
    with pytest.raises(ValueError, match="needs an input of at least 3x3 pixels, got 2x5"):
        lifting_correlation(np.ones((2, 2, 5)), w, "p4")
    with pytest.raises(ValueError, match=r"weights on LineM must have shape \(C_out, C_in, k\)"):
        lifting_correlation(np.ones((2, 5)), w, LINE)
    with pytest.raises(ValueError, match="true G-convolution is not defined"):
        group_convolution(np.ones((1, 8, 5, 5)), np.ones((1, 1, 8, 3, 3)), SE2(8))
    with pytest.raises(TypeError, match=r"one array library .*, got x array_api_strict\..*, "
                                        r"w numpy.ndarray$"):
        import array_api_strict as xps
        lifting_correlation(xps.asarray(x), w, "p4")
    da = pytest.importorskip("dask.array")
    with pytest.raises(TypeError, match=r"got x numpy.ndarray, w dask.array.core.Array \(Dask "
                                        r"weights go with a Dask x only: give w as a NumPy "
                                        r"array, w.compute\(\), or x as a Dask array\)"):
        lifting_correlation(np.ones((1, 1, 6, 6)), da.from_array(np.ones((2, 1, 3, 3))), "p4")


def test_top_level_names():
    for name in ("filter_bank", "lifting_correlation", "group_correlation", "group_convolution",
                 "transform"):
        assert callable(getattr(groupconv, name))
    assert groupconv.group_correlation is group_correlation
    with pytest.raises(ValueError):
        groupconv.lifting_correlation(np.ones((1, 5, 5)), np.ones((1, 1, 3, 3)), Z2, mode="x")
