"""The correlation engine against a naive NumPy correlation, with each of its strategies (and
their variants: im2col written straight into the output, scatter tap by tap) forced on the same
inputs (d = 1, 2, 3, every mode, odd and even k, sides that differ, several chunk sizes), and its
weight gradient and adjoint against the definitions."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import groupconv
import groupconv.fast.engine as engine
from groupconv.fast.engine import Workspace, adjoint_weights, correlate, weight_gradient


def windows(x, k, p):
    """x_pad's k^d windows: (B, C, *n', *k^d)."""
    d = x.ndim - 2
    xp = np.pad(x, ((0, 0), (0, 0)) + ((p, p),) * d)
    return np.lib.stride_tricks.sliding_window_view(xp, (k,) * d, axis=tuple(range(2, 2 + d)))


def naive(x, w, p):
    """y[b, o, i] = sum_{c, a} x_pad[b, c, i + a] w[o, a, c], with NumPy."""
    d = x.ndim - 2
    letters = "ijk"[:d]
    taps = "uvt"[:d]
    return np.einsum(f"bc{letters}{taps},o{taps}c->bo{letters}", windows(x, w.shape[1], p), w)


STRATEGIES = {
    # force one strategy by moving the thresholds that choose between them
    "im2col": dict(_IM2COL_MAX_K=10**9, _MAX_GROWTH=10**9, _DIRECT_MIN_POSITIONS=10**9,
                   _TWO_STEPS_RATIO=10**9, _STACKED_MAX_K=0),
    # its taps stacked in two steps: the other axes' taps, then the first axis's as row ranges
    "im2col-two-steps": dict(_IM2COL_MAX_K=10**9, _MAX_GROWTH=10**9,
                             _DIRECT_MIN_POSITIONS=10**9, _TWO_STEPS_RATIO=0, _STACKED_MAX_K=0),
    # im2col written straight into the output, one image or a slab of one per chunk
    "im2col-direct": dict(_IM2COL_MAX_K=10**9, _MAX_GROWTH=10**9, _DIRECT_MIN_POSITIONS=0,
                          _STACKED_MAX_K=0),
    # images outermost, one stacked GEMM per chunk of images into the output (the workspace
    # bound of one byte falls back to "im2col"); chunks of one image or of all of them
    "stacked": dict(_IM2COL_MAX_K=10**9, _MAX_GROWTH=10**9, _DIRECT_MIN_POSITIONS=10**9,
                    _STACKED_MAX_K=10**9),
    "stacked-small-chunks": dict(_IM2COL_MAX_K=10**9, _MAX_GROWTH=10**9,
                                 _DIRECT_MIN_POSITIONS=10**9, _STACKED_MAX_K=10**9,
                                 STACKED_TARGET_COLUMNS=1),
    "rows": dict(_IM2COL_MAX_K=0, _MAX_WASTE=10**9, _MAX_ROWS_WASTE=10**9, _MAX_GROWTH=10**9),
    # "rows" on slabs of k - 1 output rows (images larger than the chunks' columns)
    "rows-slabs": dict(_IM2COL_MAX_K=0, _MAX_WASTE=10**9, _MAX_ROWS_WASTE=10**9,
                       _MAX_GROWTH=10**9, TARGET_COLUMNS=1, _ROWS_SLABS_PER_TAP=1),
    "scatter": dict(_MAX_GROWTH=0.0),
    # the transposed form tap by tap (products of one tap at a time): a cache threshold of 0
    "scatter-taps": dict(_MAX_GROWTH=0.0, _CACHE_BYTES=0),
}


@pytest.fixture(params=list(STRATEGIES))
def strategy(request, monkeypatch):
    for name, value in STRATEGIES[request.param].items():
        monkeypatch.setattr(engine, name, value)
    return request.param


# the fixture only sets constant thresholds: sharing it between examples is intended
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(d=st.integers(1, 3), batch=st.integers(1, 6), c_in=st.integers(1, 4), o=st.integers(1, 3),
       k=st.integers(1, 5), extra=st.lists(st.integers(0, 3), min_size=3, max_size=3),
       mode=st.sampled_from(["valid", "same", "full", 1]), budget=st.sampled_from([1, 2000, 10**9]),
       seed=st.integers(0, 999))
def test_every_strategy_is_the_naive_correlation(strategy, d, batch, c_in, o, k, extra, mode,
                                                 budget, seed):
    rng = np.random.default_rng(seed)
    if mode == 1 and k < 2:
        mode = "same"
    if d == 3:
        k = min(k, 3)
    p = engine.padding_of(mode, k)
    x = rng.standard_normal((batch, c_in) + tuple(max(1, k - 2 * p) + e for e in extra[:d]))
    w = rng.standard_normal((o,) + (k,) * d + (c_in,))
    got = correlate(x, w, mode, max_workspace=budget, workspace=Workspace())
    # float64 rounding of sums of at most 4 * 64 products of normal numbers
    assert np.allclose(got, naive(x, w, p), rtol=0, atol=1e-12 * k**d * c_in * 10)
    dy = rng.standard_normal(got.shape)
    if seed % 2:                       # laid out otherwise: read as it is, or copied first
        dy = np.asfortranarray(dy)
    dw = weight_gradient(x, dy, k, mode, max_workspace=budget)
    letters, taps = "ijk"[:d], "uvt"[:d]
    expected_dw = np.einsum(f"bo{letters},bc{letters}{taps}->o{taps}c", dy, windows(x, k, p))
    assert np.allclose(dw, expected_dw, rtol=0, atol=1e-10 * dy.size)
    dx = correlate(dy, adjoint_weights(w), k - 1 - p)
    assert dx.shape == x.shape
    assert abs(np.sum(got * dy) - np.sum(x * dx)) <= 1e-10 * np.sum(np.abs(got * dy))


def test_the_strategies_are_chosen_by_shape():
    x_thin, x_wide = np.zeros((2, 3, 32, 32)), np.zeros((2, 64, 32, 32))
    # 27 <= 80 stacked taps: a lifting layer, images outermost; im2col where one image's 27
    # taps (and the products of the weight gradient) pass the workspace bound
    assert engine._strategy(x_thin, 8, 3, 0, 2**28) == "stacked"
    assert engine._strategy(x_thin, 8, 3, 0, 2**28, forward=False) == "stacked"
    assert engine._strategy(x_thin, 8, 3, 0, 8 * (3 * 32 * 32 + 27 * (30 * 30 + 8) +
                                                  8 * 30 * 30) - 1) == "im2col"
    assert engine._strategy(np.zeros((2, 10, 32, 32)), 8, 3, 0, 2**28) == "im2col"  # 90 taps
    assert engine._strategy(np.zeros((2, 1, 64, 64)), 8, 3, 1, 2**28) == "direct"  # 66^2
    assert engine._strategy(np.zeros((2, 1, 64, 64)), 8, 3, 1, 2**28, forward=False) == \
        "stacked"
    assert engine._strategy(x_wide, 8, 3, 0, 2**28) == "rows"        # wide, 32x32
    assert engine._strategy(np.zeros((2, 64, 4, 4)), 8, 3, 0, 2**28) == "im2col"  # small map
    assert engine._strategy(np.zeros((2, 64, 2, 2)), 8, 4, 3, 2**28) == "scatter"  # 5x5 from 2x2
    assert engine._strategy(np.zeros((2, 64, 32)), 8, 3, 0, 2**28) == "im2col"    # d = 1
    # 3D and weight gradients: "rows" while the first axis has fewer than 1.75x as many padded
    # rows as output rows (14 -> 12: 1.17x; 10 -> 8: 1.25x; 5 -> 3: 1.67x; 4 -> 2: 2x)
    for side, chosen in ((14, "rows"), (10, "rows"), (5, "rows"), (4, "im2col")):
        x_cube = np.zeros((2, 96, side, side, side))
        assert engine._strategy(x_cube, 96, 3, 0, 2**28) == chosen
        assert engine._strategy(x_cube, 96, 3, 0, 2**28, forward=False) == chosen
    # a 2D forward looks at the padded grid instead: 10x10 -> 8x8 has 1.56x the outputs
    assert engine._strategy(np.zeros((2, 96, 10, 10)), 96, 3, 0, 2**28) == "im2col"
    assert engine._strategy(np.zeros((2, 96, 10, 10)), 96, 3, 0, 2**28, forward=False) == "rows"
    # its adjoint, 12^3 -> 14^3 (1.59x the positions): "rows"; 6^3 -> 8^3 (2.37x): "scatter"
    assert engine._strategy(np.zeros((2, 96, 12, 12, 12)), 96, 3, 2, 2**28) == "rows"
    assert engine._strategy(np.zeros((2, 96, 6, 6, 6)), 96, 3, 2, 2**28) == "scatter"


def test_rows_chunks_keep_enough_output_rows():
    """Images larger than a chunk go in slabs of the first axis; "rows" forms the products of a
    slab's k - 1 extra input rows in vain, so its slabs hold at least 5 (k - 1) output rows
    while the workspace allows (one row at least), and other strategies take what fits."""
    assert engine._chunk_shape(1, 100, 3, 50, 200, 10**6, min_slabs=10) == (1, 10)
    assert engine._chunk_shape(1, 100, 3, 50, 200, 10**6) == (1, 2)        # 200 // 50 - 2
    assert engine._chunk_shape(1, 100, 3, 50, 200, 300, min_slabs=10) == (1, 4)  # the budget
    assert engine._chunk_shape(1, 100, 3, 50, 200, 1, min_slabs=10) == (1, 1)
    assert engine._chunk_shape(1, 6, 3, 50, 200, 10**6, min_slabs=10) == (1, 6)   # all rows
    assert engine._chunk_shape(9, 6, 3, 5, 200, 10**6, min_slabs=10) == (5, 6)    # images
    x = np.zeros((1, 64, 40, 30, 30))       # 900 positions a row: 8192 // 900 - 2 = 7 rows
    assert engine._strategy(x, 64, 3, 0, 2**28) == "rows"
    slabs = [rows for _, _, _, rows, _ in engine._blocks(
        np, Workspace(), x, 3, 0, 0, 2**28, min_slabs=engine._rows_min_slabs("rows", 3))]
    assert slabs == [10, 10, 9, 9]          # 38 output rows, in nearly equal parts of <= 10


def test_bad_engine_input():
    with pytest.raises(ValueError, match=r"weights must have shape \(O, k, k, 3\)"):
        correlate(np.zeros((1, 3, 5, 5)), np.zeros((2, 3, 3, 4)))
    with pytest.raises(ValueError, match=r"weights must have shape \(O, k, k, k, 3\)"):
        correlate(np.zeros((1, 3, 5, 5, 5)), np.zeros((2, 3, 3, 3)))
    with pytest.raises(ValueError, match="a padding in 0..2, got 3"):
        correlate(np.zeros((1, 3, 5, 5)), np.zeros((2, 3, 3, 3)), 3)
    with pytest.raises(ValueError, match=r"dy must have shape \(1, 2, 3, 3\)"):
        weight_gradient(np.zeros((1, 3, 5, 5)), np.zeros((1, 2, 4, 4)), 3)


@pytest.mark.parametrize("d", [2, 3])
def test_the_rows_weight_gradient_counts_every_image_of_a_chunk(monkeypatch, d):
    """The "rows" weight gradient (forced) with several images in one chunk, against its
    definition and the im2col strategy: a gradient that forgot the image count (images lie
    innermost in a chunk) would pair dy with the wrong image's taps."""
    rng = np.random.default_rng(7)
    k, p, o = 3, 1, 2
    x = rng.standard_normal((3, 4) + (6, 7, 5)[:d])
    dy = rng.standard_normal((3, o) + x.shape[2:])          # "same": the input's size
    for name, value in STRATEGIES["rows"].items():
        monkeypatch.setattr(engine, name, value)
    assert engine._strategy(x, o, k, p, 10**9, forward=False) == "rows"
    chunks = [nb for _, nb, _, _, _ in engine._blocks(np, Workspace(), x, k, p, 0, 10**9)]
    assert chunks == [3]                                   # all three images in one chunk
    rows = weight_gradient(x, dy, k, p, max_workspace=10**9)
    letters, taps = "ijk"[:d], "uvt"[:d]
    expected = np.einsum(f"bo{letters},bc{letters}{taps}->o{taps}c", dy, windows(x, k, p))
    # float64 sums of 3 * 210 products of normal numbers, in two orders
    assert np.allclose(rows, expected, rtol=0, atol=1e-10)
    for name, value in STRATEGIES["im2col"].items():
        monkeypatch.setattr(engine, name, value)
    assert engine._strategy(x, o, k, p, 10**9, forward=False) == "im2col"
    assert np.allclose(rows, weight_gradient(x, dy, k, p, max_workspace=10**9), rtol=0,
                       atol=1e-10)


@pytest.mark.parametrize("d", [2, 3])
def test_a_batch_is_its_images_one_by_one(strategy, d):
    """Nine images (more than the per-image fill, in one chunk or several) give what each
    gives alone, forward and weight gradient, in every strategy."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal((9, 2) + (6, 5, 4)[:d])
    w = rng.standard_normal((3,) + (3,) * d + (2,))
    together = correlate(x, w, "same")
    alone = np.concatenate([correlate(x[i:i + 1], w, "same") for i in range(9)])
    assert np.allclose(together, alone, rtol=0, atol=1e-12)
    dy = rng.standard_normal(together.shape)
    summed = sum(weight_gradient(x[i:i + 1], dy[i:i + 1], 3, "same") for i in range(9))
    assert np.allclose(weight_gradient(x, dy, 3, "same"), summed, rtol=0, atol=1e-10)


def test_a_workspace_keeps_a_buffer_per_dtype():
    """A float64 call after a float32 one in the same workspace: float64 sums (a buffer shared
    across dtypes would hold the float64 taps in float32, an error of about 1e-7)."""
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((2, 3, 9, 8)), rng.standard_normal((4, 3, 3, 3))
    ws = Workspace()
    correlate(x.astype(np.float32), w.astype(np.float32), "same", workspace=ws)
    got = correlate(x, w, "same", workspace=ws)
    assert got.dtype == np.float64
    # float64 rounding of sums of 27 products of normal numbers
    assert np.allclose(got, naive(x, w, 1), rtol=0, atol=1e-12)


def test_a_layer_called_from_several_threads_computes_as_from_one():
    """(Found by a review: threads sharing a layer's Workspace wrote over each other's
    buffers, relative errors of order 1, in silence.) Each thread gets buffers of its own."""
    from concurrent.futures import ThreadPoolExecutor

    from groupconv import nn

    for group, x_shape in (("p4m", (8, 2, 8, 24, 24)), ("P4/mmm", (8, 2, 16, 12, 12, 12))):
        layer = nn.GroupConv(group, 2, 3, 3, mode="same", dtype=np.float64, rng=0)
        x = np.random.default_rng(3).standard_normal(x_shape)
        alone = [layer(x[i:i + 1]) for i in range(8)]
        with ThreadPoolExecutor(4) as pool:
            together = list(pool.map(lambda i: layer(x[i:i + 1]), range(8)))
        for a, b in zip(alone, together):      # the same calls: rounding only, if any
            assert np.abs(a - b).max() <= 1e-12 * np.abs(a).max()
    ws = Workspace()              # a buffer of its own in each thread, reused within one
    mine = ws.buffer(np, "t", (4,), np.float64, np.empty(0))
    with ThreadPoolExecutor(1) as pool:
        theirs = pool.submit(ws.buffer, np, "t", (4,), np.float64, np.empty(0)).result()
    assert not np.shares_memory(mine, theirs)
    assert np.shares_memory(mine, ws.buffer(np, "t", (4,), np.float64, np.empty(0)))
    w = np.ones((3, 3, 3, 1))                                    # (O, k, k, C)
    with ThreadPoolExecutor(2) as pool:
        ys = list(pool.map(lambda n: correlate(np.full((1, 1, 20, 20), float(n)), w,
                                               workspace=ws), range(6)))
    assert all(np.all(y == 9.0 * n) for n, y in enumerate(ys))     # integers: exact


def test_a_smaller_workspace_never_costs_more_memory():
    """A review's: with heavy padding (a "full" 3D layer, a kernel larger than the volume) a
    budget too small for "scatter" fell back to im2col, whose least chunk (one output slab and
    its k^3 taps) was 33 times larger (383 MiB against 11.5; 46 GiB with k = 101): the
    smaller budget now keeps "scatter" while im2col's least chunk is larger still."""
    import tracemalloc
    x = np.random.default_rng(0).standard_normal((1, 1, 10, 10, 10))
    w = np.random.default_rng(1).standard_normal((1, 1, 21, 21, 21))
    peaks, outputs = {}, {}
    for budget in (2**24, 2**20, 2**14):
        tracemalloc.start()
        outputs[budget] = groupconv.lifting_correlation(x, w, "O", mode="full",
                                                        max_workspace=budget)
        peaks[budget] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peaks[2**20] <= 1.5 * peaks[2**24] and peaks[2**14] <= 1.5 * peaks[2**24], peaks
    for budget in (2**20, 2**14):      # (different arrangements: rounding only)
        np.testing.assert_allclose(outputs[budget], outputs[2**24], rtol=1e-12,
                                   atol=1e-12 * np.abs(outputs[2**24]).max())
