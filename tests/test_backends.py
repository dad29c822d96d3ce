"""The fast path on other array libraries: array-api-strict (proves that only the standard is
used), PyTorch (when installed) and CuPy on a GPU (skipped cleanly where there is none)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import groupconv
from groupconv import P4, P4M, SE2, Z2, ScaleTranslation, Space, filter_bank, nn
from groupconv.fast.action import transform
from groupconv.fast.correlate import group_convolution, group_correlation, lifting_correlation
from groupconv.fast.engine import Workspace

OPS = {"lifting": lifting_correlation, "correlation": group_correlation,
       "convolution": group_convolution}


def random_case(seed, group, kind, mode, k, dtype=np.float64):
    rng = np.random.default_rng(seed)
    s = group.stabiliser.order
    axis = () if kind == "lifting" else (s,)
    x = rng.standard_normal((2, 2) + axis + (k + 3, k + 2)).astype(dtype)
    w = rng.standard_normal((3, 2) + axis + (k, k)).astype(dtype)
    return x, w


# ------------------------------------------------------------ array-api-strict
xps = pytest.importorskip("array_api_strict")


@settings(max_examples=30)
@given(group=st.sampled_from([Z2, P4, P4M]), kind=st.sampled_from(list(OPS)),
       mode=st.sampled_from(["valid", "same", "full"]), k=st.integers(1, 5),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 999))
def test_array_api_strict_runs_the_fast_path(group, kind, mode, k, dtype, seed):
    x, w = random_case(seed, group, kind, mode, k, dtype)
    expected = OPS[kind](x, w, group, mode=mode)
    got = OPS[kind](xps.asarray(x), xps.asarray(w), group, mode=mode, workspace=Workspace())
    assert type(got) is type(xps.asarray(x))
    assert got.dtype == xps.asarray(x).dtype
    # the same operations in the same order: equal up to the libraries' summation order
    assert np.allclose(np.asarray(got), expected, rtol=0,
                       atol=(1e-5 if dtype == np.float32 else 1e-12) * np.abs(expected).max())


def test_array_api_strict_banks_transforms_and_literal():
    x, w = random_case(0, P4M, "correlation", "valid", 3)
    assert np.array_equal(np.asarray(filter_bank(xps.asarray(w), P4M)), filter_bank(w, P4M))
    h = P4M.element(m=1, r=3)
    assert np.array_equal(np.asarray(transform(xps.asarray(x), h, Space.on_group(P4M))),
                          transform(x, h, Space.on_group(P4M)))
    lit = group_correlation(xps.asarray(x), xps.asarray(w), P4M, method="literal")
    assert type(lit) is type(xps.asarray(x))
    assert np.allclose(np.asarray(lit), group_correlation(x, w, P4M), rtol=0, atol=1e-12 * 50)


# ---------------------------------------------------------------------- torch
@pytest.mark.torch
def test_torch_tensors_in_torch_tensors_out():
    torch = pytest.importorskip("torch")
    x, w = random_case(1, P4, "correlation", "same", 3, np.float32)
    got = group_correlation(torch.from_numpy(x), torch.from_numpy(w), P4, mode="same")
    assert isinstance(got, torch.Tensor) and got.dtype == torch.float32
    expected = group_correlation(x, w, P4, mode="same")
    assert np.allclose(got.numpy(), expected, rtol=0, atol=1e-5 * np.abs(expected).max())
    # and torch's own conv2d on the expanded bank agrees (GrouPy's flat channel layout)
    bank = filter_bank(w, P4).reshape(3 * 4, 2 * 4, 3, 3)
    ref = torch.nn.functional.conv2d(torch.from_numpy(x.reshape(2, 8, 6, 5)),
                                     torch.from_numpy(bank), padding=1)
    assert np.allclose(ref.numpy().reshape(expected.shape), expected, rtol=0,
                       atol=1e-5 * np.abs(expected).max())


# ---------------------------------------------------------------------- CuPy
def _cupy_with_gpu():
    cupy = pytest.importorskip("cupy", reason="CuPy is not installed (extra 'gpu')")
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            pytest.skip("no CUDA GPU")
    except Exception as error:  # no driver, no device: CuPy raises its own errors
        pytest.skip(f"no usable CUDA GPU ({type(error).__name__})")
    return cupy


@pytest.mark.gpu
@pytest.mark.parametrize("kind", list(OPS))
@pytest.mark.parametrize("group", [P4, P4M], ids=["P4", "P4M"])
def test_cupy_on_the_gpu_matches_numpy(kind, group):
    cupy = _cupy_with_gpu()
    for mode in ("valid", "same", "full"):
        x, w = random_case(2, group, kind, mode, 3, np.float32)
        got = OPS[kind](cupy.asarray(x), cupy.asarray(w), group, mode=mode)
        assert isinstance(got, cupy.ndarray) and got.dtype == cupy.float32
        expected = OPS[kind](x, w, group, mode=mode)
        # float32 rounding: the GPU sums in another order
        assert np.allclose(got.get(), expected, rtol=0, atol=1e-5 * np.abs(expected).max())


@pytest.mark.torch
@settings(max_examples=20)
@given(group=st.sampled_from([Z2, P4, P4M]), kind=st.sampled_from(list(OPS)),
       mode=st.sampled_from(["valid", "same", "full"]), k=st.integers(1, 5),
       dtype=st.sampled_from([np.float32, np.float64]), seed=st.integers(0, 999))
def test_torch_native_path_equals_numpy(group, kind, mode, k, dtype, seed):
    torch = pytest.importorskip("torch")
    x, w = random_case(seed, group, kind, mode, k, dtype)
    got = OPS[kind](torch.from_numpy(x), torch.from_numpy(w), group, mode=mode)
    assert isinstance(got, torch.Tensor) and got.dtype == torch.from_numpy(x).dtype
    expected = OPS[kind](x, w, group, mode=mode)
    # float rounding of the same sums, in torch's order
    tol = (1e-5 if dtype == np.float32 else 1e-12) * max(np.abs(expected).max(), 1)
    assert np.abs(got.numpy() - expected).max() <= tol


@pytest.mark.torch
@pytest.mark.parametrize("d", [1, 2, 3])
def test_torch_correlates_and_never_convolves(d):
    """torch's native path (conv1d/2d/3d and their weight gradients) against the generic engine
    on kernels with no symmetry, for every padding: a kernel flipped on its way to torch (a
    convolution instead of the correlation) fails on every entry."""
    torch = pytest.importorskip("torch")
    from groupconv.fast import engine

    rng = np.random.default_rng(d)
    x = rng.standard_normal((2, 3) + (5, 6, 4)[:d])
    w = rng.standard_normal((2,) + (3,) * d + (3,))
    for p in range(3):
        expected = engine.correlate(x, w, p)
        got = engine.correlate(torch.from_numpy(x), torch.from_numpy(w), p)
        assert isinstance(got, torch.Tensor)
        # float64 sums of at most 81 products, in two orders
        assert np.abs(got.numpy() - expected).max() <= 1e-12 * np.abs(expected).max()
        dy = rng.standard_normal(expected.shape)
        dw = engine.weight_gradient(x, dy, 3, p)
        got_dw = engine.weight_gradient(torch.from_numpy(x), torch.from_numpy(dy), 3, p)
        assert np.abs(got_dw.numpy() - dw).max() <= 1e-12 * np.abs(dw).max()


@pytest.mark.parametrize("d", [1, 2, 3])
def test_jax_correlates_and_never_convolves(jax64, d):
    """JAX's native path (conv_general_dilated, its dimension numbers in each d, and the weight
    gradient through jax.vjp) against the generic engine, on kernels with no symmetry, every
    padding, several input channels (from a mutation round: a 3D layout with H and D swapped,
    a 1D padding off by one and a weight gradient reading the channels reversed passed every
    test: the JAX tests were 2D and took gradients with jax.grad)."""
    from groupconv.fast import engine
    jnp = jax64.numpy

    rng = np.random.default_rng(d)
    x = rng.standard_normal((2, 3) + (5, 6, 4)[:d])
    w = rng.standard_normal((2,) + (3,) * d + (3,))
    for p in range(3):
        expected = engine.correlate(x, w, p)
        got = engine.correlate(jnp.asarray(x), jnp.asarray(w), p)
        assert isinstance(got, jax64.Array) and got.shape == expected.shape
        # float64 sums of at most 81 products, in two orders
        assert np.abs(np.asarray(got) - expected).max() <= 1e-12 * np.abs(expected).max()
        dy = rng.standard_normal(expected.shape)
        dw = engine.weight_gradient(x, dy, 3, p)
        got_dw = engine.weight_gradient(jnp.asarray(x), jnp.asarray(dy), 3, p)
        assert np.abs(np.asarray(got_dw) - dw).max() <= 1e-12 * np.abs(dw).max()


@pytest.mark.torch
@pytest.mark.parametrize("layer", [nn.LiftingConv("p4", 1, 2, 3, rng=0),
                                   nn.LiftingConv("p4", 1, 2, 3, dtype=np.float64, rng=0),
                                   nn.Linear(4, 3, rng=0), nn.BatchNorm(1)])
def test_a_torch_backward_casts_dy_to_the_forward_dtype(layer):
    """(Found by a review: torch refuses to mix dtypes, so a float64 or integer dy failed deep
    inside a float32 layer's backward, where NumPy promoted.) dy is cast to the dtype the
    forward computed in, on every library alike; the gradients are those of that dy."""
    torch = pytest.importorskip("torch")
    dtype = getattr(torch, str(layer.dtype))
    x = torch.randn((2, 4) if isinstance(layer, nn.Linear) else (2, 1, 9, 9), dtype=dtype)
    y, cache = layer.forward(x, training=True)
    dy = torch.ones(y.shape, dtype=dtype)
    want = layer.backward(cache, dy)
    for other in (torch.float64, torch.float32, torch.int64):
        dx, grads = layer.backward(cache, dy.to(other))
        assert dx.dtype == dtype
        torch.testing.assert_close(dx, want[0])      # (the same products: rounding only)
        for key in want[1]:
            torch.testing.assert_close(grads[key], want[1][key])
    _, grads = layer.backward(cache, dy.to(torch.float64), input_grad=False)
    for key in want[1]:
        torch.testing.assert_close(grads[key], want[1][key])


@pytest.mark.torch
def test_torch_autograd_equals_the_layers_backward():
    """A torch gradient through the bank gather and conv2d equals nn's backward (float64)."""
    torch = pytest.importorskip("torch")
    from groupconv import nn

    layer = nn.GroupConv(P4M, 2, 3, 3, mode="same", dtype=np.float64, rng=0, bias=False)
    x = np.random.default_rng(1).standard_normal((2, 2, 8, 6, 6))
    y, cache = layer.forward(x, training=True)
    dy = np.random.default_rng(2).standard_normal(y.shape)
    dx, grads = layer.backward(cache, dy)
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(layer.params["weight"], requires_grad=True)
    yt = group_correlation(xt, wt, P4M, mode="same")
    (yt * torch.from_numpy(dy)).sum().backward()
    assert np.abs(yt.detach().numpy() - y).max() <= 1e-12 * np.abs(y).max()
    assert np.abs(xt.grad.numpy() - dx).max() <= 1e-12 * np.abs(dx).max()
    assert np.abs(wt.grad.numpy() - grads["weight"]).max() <= 1e-12 * np.abs(grads["weight"]).max()


@pytest.mark.torch
def test_torch_runs_the_lecture_groups():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal((2, 2, 9, 9)), rng.standard_normal((3, 2, 3, 3))
    for group in (SE2(8), ScaleTranslation(2.0, n_scales=3)):
        got = lifting_correlation(torch.from_numpy(x), torch.from_numpy(w), group, mode="same")
        expected = lifting_correlation(x, w, group, mode="same")
        assert isinstance(got, torch.Tensor)
        assert np.abs(got.numpy() - expected).max() <= 1e-12 * np.abs(expected).max()


# ------------------------------------------------------------------------ JAX
@pytest.mark.parametrize("kind", list(OPS))
@pytest.mark.parametrize("group", [Z2, P4, P4M], ids=["Z2", "P4", "P4M"])
def test_jax_jit_equals_numpy(jax64, kind, group):
    jnp = jax64.numpy
    for mode in ("valid", "same", "full"):
        x, w = random_case(4, group, kind, mode, 3)
        expected = OPS[kind](x, w, group, mode=mode)
        run = jax64.jit(lambda a, b: OPS[kind](a, b, group, mode=mode))
        got = run(jnp.asarray(x), jnp.asarray(w))
        assert isinstance(got, jax64.Array) and got.dtype == jnp.float64
        assert np.abs(np.asarray(got) - expected).max() <= 1e-12 * np.abs(expected).max()


def test_the_literal_sums_refuse_a_jax_tracer(jax64):
    """method='literal' computes in NumPy on concrete values: under jax.jit it is refused by
    name (it was a ConcretizationTypeError from inside JAX); outside, it runs."""
    x, w = jax64.numpy.ones((1, 1, 5, 5)), jax64.numpy.ones((1, 1, 3, 3))
    literal = jax64.jit(lambda a, b: groupconv.lifting_correlation(a, b, "p4", method="literal"))
    with pytest.raises(TypeError, match=r"method='literal' .* but x is a JAX tracer \(inside "
                                        r"jax.jit, grad or vmap\): use method='fast'"):
        literal(x, w)
    assert float(groupconv.lifting_correlation(x, w, "p4", method="literal").max()) == 9.0


def test_stateful_layers_refuse_a_traced_training_forward(jax64):
    """BatchNorm's running statistics and Dropout's generator are the layers' own state: a
    traced training forward stored tracers in them (the layer then failed on its next call;
    a jitted step replayed the first dropout mask). It is refused, naming the layer and what
    to do; the evaluation forward traces, and the layers work eagerly afterwards."""
    from groupconv import nn

    jnp = jax64.numpy
    x = jnp.asarray(np.random.default_rng(0).standard_normal((4, 2, 4, 5, 5)))
    for layer, what in ((nn.BatchNorm(2, dtype=np.float64), "running statistics"),
                        (nn.Dropout(0.5, rng=0), "random generator")):
        layer.to(x)
        for trace in (jax64.jit, jax64.grad):
            with pytest.raises(TypeError, match=f"a training forward updates its {what} in "
                                                f"place, which jax.jit and jax.grad cannot"):
                trace(lambda a, layer=layer: jnp.sum(layer.forward(a, True)[0]))(x)
        assert np.array_equal(np.asarray(jax64.jit(layer)(x)), np.asarray(layer(x)))
        assert layer.forward(x, True)[0].shape == x.shape         # eagerly, as fit runs it


def test_jax_grad_equals_the_layers_backward(jax64):
    from groupconv import nn

    jnp = jax64.numpy
    layer = nn.LiftingConv(P4, 2, 3, 3, mode="same", dtype=np.float64, rng=0, bias=False)
    x = np.random.default_rng(5).standard_normal((2, 2, 7, 7))
    y, cache = layer.forward(x, training=True)
    dy = np.random.default_rng(6).standard_normal(y.shape)
    dx, grads = layer.backward(cache, dy)

    def loss(xj, wj):
        return jnp.sum(lifting_correlation(xj, wj, P4, mode="same") * dy)

    gx, gw = jax64.jit(jax64.grad(loss, argnums=(0, 1)))(jnp.asarray(x),
                                                         jnp.asarray(layer.params["weight"]))
    assert np.abs(np.asarray(gx) - dx).max() <= 1e-12 * np.abs(dx).max()
    assert np.abs(np.asarray(gw) - grads["weight"]).max() <= 1e-12 * np.abs(grads["weight"]).max()


# ----------------------------------------------------------------------- Dask
def test_dask_is_lazy_chunked_and_equals_numpy():
    da = pytest.importorskip("dask.array")
    import dask

    rng = np.random.default_rng(7)
    x = rng.standard_normal((6, 2, 9, 9))
    w1, w2 = rng.standard_normal((3, 2, 3, 3)), rng.standard_normal((2, 3, 4, 3, 3))
    lazy = da.from_array(x, chunks=(2, 1, 9, 9))
    y = lifting_correlation(lazy, w1, P4, mode="same")
    z = group_convolution(y, w2, P4, mode=1)
    assert isinstance(z, da.Array) and z.chunks[0] == (2, 2, 2)
    with dask.config.set(scheduler="synchronous"):
        got = z.compute()
    expected = group_convolution(lifting_correlation(x, w1, P4, mode="same"), w2, P4, mode=1)
    assert np.abs(got - expected).max() <= 1e-12 * np.abs(expected).max()
    with pytest.raises(ValueError, match="input must have shape"):
        lifting_correlation(da.zeros((2, 3, 9, 9)), w1, P4)


@pytest.mark.parametrize("name", ["p4m", "pm", "p2", "P432", "Pm-3m", "P4/mmm", "SE2(8)",
                                  "p6m", "scale", "z1m"])
def test_dask_transforms_equal_numpy_chunk_by_chunk(name):
    """(A microscopist's review: L_h of a 200^3 Dask volume built a flat index of the whole
    volume, 1 GiB for 31 MiB of data, and returned it as one chunk.) On the square and cubic
    lattices the pixels move by flips and a transpose, the chunks with them; equal to NumPy's
    gather, exactly, on non-square arrays (a quarter turn swaps their axes), with a point axis
    or without (a truncated one too: the scales)."""
    da = pytest.importorskip("dask.array")
    import dask

    group = groupconv.get_group(name)
    d = group.dim
    shape = (5,) * d if name == "p6m" else tuple(range(4, 4 + d))
    rng = np.random.default_rng(3)
    for space in (Space.on_plane(group), Space.on_group(group)):
        full = (2, 1) + ((group.samples,) if space.point_axis else ()) + shape
        x = rng.standard_normal(full)
        lazy = da.from_array(x, chunks=full[:-d] + tuple(n // 2 for n in shape))
        elements = [group.point_elements()[s] for s in group.exact_samples().tolist()]
        got = [transform(lazy, h, space) for h in elements]
        assert all(isinstance(y, da.Array) for y in got)
        if name != "p6m":       # (the hexagon: a gather of its cells)
            assert all(len(y.chunks[-1]) > 1 for y in got)
        for h, y in zip(elements, dask.compute(*got, scheduler="synchronous")):
            assert np.array_equal(y, transform(x, h, space)), (space, h)
    unknown = lazy[lazy.sum(axis=tuple(range(1, lazy.ndim))) > -np.inf]   # (a boolean index)
    with pytest.raises(ValueError, match=r"transform: the Dask array x has chunks of unknown "
                                         r"size .* x.compute_chunk_sizes\(\) first"):
        transform(unknown, group.point_elements()[0], space)


def test_a_network_runs_on_dask_chunks():
    da = pytest.importorskip("dask.array")
    import dask
    from groupconv import nn

    net = nn.p4cnn(width=2, dtype=np.float64)
    x = np.random.default_rng(8).standard_normal((4, 1, 28, 28))
    lazy = net(da.from_array(x, chunks=(2, 1, 28, 28)))
    assert isinstance(lazy, da.Array)
    with dask.config.set(scheduler="threads"):
        got = lazy.compute()
    expected = net(x)
    assert np.abs(got - expected).max() <= 1e-12 * np.abs(expected).max()


# ----------------------------------------------------------------- nn anywhere
def test_nn_trains_on_array_api_strict_like_numpy():
    """Two Adam steps of a small P4 network: the same numbers in array-api-strict as in NumPy
    (float64; the same operations, up to summation order)."""
    from groupconv import nn

    rng = np.random.default_rng(9)
    x = rng.standard_normal((8, 1, 12, 12))
    y = np.arange(8) % 3

    def train(data, labels):
        net = nn.Sequential([nn.LiftingConv(P4, 1, 3, 3, dtype=np.float64, rng=0),
                             nn.BatchNorm(3, dtype=np.float64), nn.ReLU(),
                             nn.SpatialPool(2), nn.GroupConv(P4, 3, 3, 3, dtype=np.float64,
                                                             rng=1),
                             nn.SubgroupPool("max"), nn.GlobalPool("max")])
        history = nn.fit(net, data, labels, epochs=2, batch_size=4, progress=False)
        return net, history

    net_np, hist_np = train(x, y)
    net_xp, hist_xp = train(xps.asarray(x), xps.asarray(y))
    assert type(net_xp.params["0.weight"]) is type(xps.asarray(x))
    for a, b in zip(hist_np, hist_xp):
        assert abs(a["loss"] - b["loss"]) <= 1e-10
    for name, value in net_np.params.items():
        assert np.abs(np.asarray(net_xp.params[name]) - value).max() <= 1e-10, name
    assert net_xp.layers[1].running_var.__class__ is type(xps.asarray(x))


@pytest.mark.gpu
def test_cupy_trains_on_the_gpu():
    cupy = _cupy_with_gpu()
    from groupconv import nn

    x = np.random.default_rng(10).standard_normal((8, 1, 28, 28)).astype(np.float32)
    y = np.arange(8) % 10
    net = nn.p4cnn(width=2)
    history = nn.fit(net, cupy.asarray(x), cupy.asarray(y), epochs=1, batch_size=4,
                     progress=False)
    assert isinstance(net.params["0.weight"], cupy.ndarray)
    assert np.isfinite(history[0]["loss"])


# ------------------------------------------------------------ the pooled workspace
def test_functional_calls_reuse_a_pooled_workspace():
    from groupconv import release_memory
    from groupconv.fast.engine import POOL_LIMIT

    release_memory()
    x, w = random_case(11, P4, "correlation", "same", 3, np.float32)
    first = group_correlation(x, w, P4, mode="same")
    held = release_memory()
    assert 0 < held <= POOL_LIMIT
    assert release_memory() == 0
    again = group_correlation(x, w, P4, mode="same")
    assert np.array_equal(first, again)


@pytest.mark.parametrize("chunk, k, mode", [(3, 5, "same"), (2, 5, "same"), (3, 5, "full"),
                                            (4, 3, "valid"), (5, 3, "same"), (1, 2, 1)])
def test_dask_keeps_small_chunks_small_and_same_mirrors_the_input(chunk, k, mode):
    """From a 3D researcher's review: chunks shorter than the halo (K - 1) merged into one
    block holding the whole axis, silently (the out-of-memory route made whole again), and a
    "same" output's chunks did not start where the input's did (a Zarr store then rechunks).
    Now a short chunk takes only as many of the next as the halo needs, and with "same" (odd K)
    the output is chunked as the input."""
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1, 1, 16, 16, 16))
    w = rng.standard_normal((2, 1) + (k,) * 3)
    lazy = lifting_correlation(da.from_array(x, chunks=(1, 1) + (chunk,) * 3), w, "P432",
                               mode=mode)
    expected = lifting_correlation(x, w, "P432", mode=mode)
    assert np.allclose(lazy.compute(), expected, rtol=0, atol=1e-12 * np.abs(expected).max())
    for sizes in lazy.chunks[3:]:
        assert max(sizes) <= max(chunk, k - 1) + k - 1 < 16       # no axis in one block
    if mode == "same" and k % 2:
        given = da.from_array(x, chunks=(1, 1) + (chunk,) * 3).chunks[2:]
        merged = lifting_correlation(da.from_array(x, chunks=(1, 1) + (6, 5, 8)), w, "P432",
                                     mode=mode).chunks[3:]
        assert merged == ((6, 6, 4), (5, 5, 5, 1), (8, 8))       # the input's chunks
        assert chunk < k - 1 or lazy.chunks[3:] == given


@pytest.mark.parametrize("name,shape,k", [("p4m", (3, 2, 17, 13), 3), ("p4", (2, 1, 9, 11), 2),
                                          ("P432", (1, 1, 9, 8, 7), 3), ("p6", (1, 1, 13, 13), 3),
                                          ("se2_8", (1, 1, 12, 12), 3)])
@pytest.mark.parametrize("mode", ["valid", "same", "full", 1])
def test_dask_chunked_along_space_equals_the_whole_array(name, shape, k, mode):
    """A Dask array chunked along its spatial axes too (4 voxels a chunk): every block reads a
    halo from its neighbours, and the result is the in-memory one (to the summation order of
    BLAS, which differs with the block's size)."""
    da = pytest.importorskip("dask.array")
    group = groupconv.get_group(name)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    w = rng.standard_normal((2, shape[1]) + (k,) * group.dim)
    lazy = lifting_correlation(da.from_array(x, chunks=(2, 1) + (4,) * group.dim), w, group,
                               mode=mode)
    assert len(lazy.chunks[-1]) > 1                    # chunked along space, lazily
    expected = lifting_correlation(x, w, group, mode=mode)
    assert np.allclose(lazy.compute(), expected, rtol=0, atol=1e-12 * np.abs(expected).max())
    y = expected[:, :1]
    wg = rng.standard_normal((1, 1, group.weight_samples) + (k,) * group.dim)
    lazy_g = group_correlation(da.from_array(y, chunks=(1, 1, -1) + (5,) * group.dim), wg,
                               group, mode=mode)
    expected_g = group_correlation(y, wg, group, mode=mode)
    assert np.allclose(lazy_g.compute(), expected_g, rtol=0,
                       atol=1e-12 * np.abs(expected_g).max())


def test_dask_blocks_hold_the_weights_not_the_bank_and_free_their_scratch():
    """From a 3D user's review: the expanded bank ((C S)^2 k^3 values; 15.6 MiB for Pm-3m with
    8 channels, against 0.3 MiB of weights) was built once and put in the graph, and every
    Dask thread kept up to POOL_LIMIT of scratch memory after the computation."""
    da = pytest.importorskip("dask.array")
    cloudpickle = pytest.importorskip("cloudpickle")
    from groupconv.fast import engine

    rng = np.random.default_rng(0)
    group = groupconv.get_group("Pm-3m")
    w = rng.standard_normal((8, 8, 48, 3, 3, 3))
    x = da.from_array(rng.standard_normal((1, 8, 48, 8, 8, 8)), chunks=(1, 8, 48, 5, 8, 8))
    lazy = group_correlation(x, w, group)
    graph = len(cloudpickle.dumps(dict(lazy.__dask_graph__())))
    assert graph < 2 * w.nbytes + x.nbytes + 2**20 < 8 * 48 * w.nbytes, graph
    groupconv.release_memory()
    got = lazy.compute(scheduler="synchronous")        # blocks in this thread
    assert groupconv.release_memory() == 0              # its pool untouched
    assert np.allclose(got, group_correlation(x.compute(), w, group), rtol=0,
                       atol=1e-12 * np.abs(got).max())
    assert engine.POOL_LIMIT > 0


def test_dask_blocks_too_large_for_memory_are_refused_or_warned_of(monkeypatch):
    """One block is computed in memory (Dask's default chunks can make a volume one block):
    larger than the machine, refused when the graph is built; more than an eighth of it,
    a warning that says to rechunk."""
    da = pytest.importorskip("dask.array")
    from groupconv.fast import correlate

    w = np.ones((4, 1, 3, 3, 3))
    monkeypatch.setattr(correlate, "physical_memory", lambda: 2**30)
    with pytest.warns(UserWarning, match=r"an output block would have shape \(1, 4, 24, 62, "
                                         r"62, 62\), 0\.2 GiB, and this machine has 1\.0 GiB "
                                         r"\(Dask computes about one block per thread"):
        lifting_correlation(da.zeros((1, 1, 64, 64, 64), chunks=-1), w, "P432")
    with pytest.raises(ValueError, match=r"1\.4 GiB, and this machine has 1\.0 GiB: rechunk "
                                         r"x smaller"):
        lifting_correlation(da.zeros((1, 1, 128, 128, 128), chunks=-1), w, "P432")
    small = lifting_correlation(da.zeros((1, 1, 128, 128, 128), chunks=32), w, "P432")
    assert max(small.chunks[-1]) <= 32                  # chunked: neither
    # the warning names the caller's line, however deep in groupconv it was found
    monkeypatch.setattr(correlate, "physical_memory", lambda: 2**29)
    layer = nn.LiftingConv("P432", 1, 4, 3, rng=0)
    net = nn.Sequential([nn.LiftingConv("P432", 1, 4, 3, rng=0), nn.ReLU()])
    x = da.zeros((1, 1, 64, 64, 64), chunks=-1, dtype=np.float32)
    for call in (lambda: lifting_correlation(x, w, "P432"), lambda: layer(x),
                 lambda: layer.forward(x, False), lambda: net(x)):
        with pytest.warns(UserWarning, match="an output block would have shape") as seen:
            call()
        assert [r.filename for r in seen] == [__file__]


def test_dask_chunks_that_make_too_many_blocks_are_warned_of(monkeypatch):
    """Chunks of a few voxels make a task each: millions of them take long to schedule before
    anything is computed (from a 3D user's review: 96^3 in chunks of 2, 35 s of graph)."""
    da = pytest.importorskip("dask.array")
    from groupconv.fast import correlate

    monkeypatch.setattr(correlate, "MANY_BLOCKS", 100)
    w = np.ones((2, 1, 3, 3, 3))
    with pytest.warns(UserWarning, match=r"the chunks of x make 125 blocks \(chunks of 4x4x4 "
                                         r"voxels along space\).*at least K - 1 = 2"):
        lifting_correlation(da.zeros((1, 1, 20, 20, 20), chunks=4), w, "P432", mode="same")
    lifting_correlation(da.zeros((1, 1, 20, 20, 20), chunks=5), w, "P432", mode="same")
