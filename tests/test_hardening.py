"""Every reproducer of the hardening issue: each refuses with a ValueError or TypeError that
names what was expected and what came, or answers exactly."""

import re

import numpy as np
import pytest

import groupconv
from groupconv import P4, SE2, Z2, PointGroup, ScaleTranslation, nn
from groupconv.feature_maps import FeatureMap, box_of, relative_error, restrict


def test_the_group_law_never_wraps():
    with pytest.raises(ValueError, match=r"-2\^40\.\.2\^40"):
        P4.element(u=2**62)
    with pytest.raises(ValueError, match=r"-2\^40\.\.2\^40"):
        P4.element(u=2**63)
    big = P4.element(u=2**40)
    with pytest.raises(ValueError, match="result's P4 parameters"):
        big * big
    assert (P4.element(u=2**39) * P4.element(u=2**39)).u == 2**40     # exact up to the bound
    assert big.inverse().u == -2**40
    with pytest.raises(ValueError, match=r"-2\^40"):
        P4.element(r=1).act([2**41, 0])


def test_generators_of_infinite_order_are_refused():
    with pytest.raises(ValueError, match=r"beyond 2\^20"):
        PointGroup("H", {"r": [[2**62, 1], [1, 0]]})
    with pytest.raises(ValueError, match="infinite order"):
        PointGroup("H", {"r": [[2, 1], [1, 1]]})          # det 1, hyperbolic
    with pytest.raises(TypeError, match="mapping"):
        PointGroup("H", [[0, -1], [1, 0]])


def test_no_silent_truncation():
    with pytest.raises(TypeError, match="must be integers, got float64"):
        P4.from_parts(0.5, (0.5, 1.9))
    with pytest.raises(ValueError, match="fit in int64"):
        P4.array(u=np.array([2**64 - 1], np.uint64))
    with pytest.raises(TypeError, match="must be integers, got float64"):
        box_of([[0.5, 1.5]])
    with pytest.raises(ValueError, match="larger than|must lie in -2\\^40"):
        FeatureMap(Z2, np.ones((1, 2, 2))).on_box(((-2**62, 0), (2**62, 0)))


def test_cross_entropy_refuses_bad_labels_and_logits():
    logits = np.zeros((2, 10))
    with pytest.raises(ValueError, match=r"labels must be in 0\.\.9, got values in -1\.\.0"):
        nn.softmax_cross_entropy(logits, np.array([-1, 0]))
    with pytest.raises(ValueError, match=r"in 0\.\.9, got values in 0\.\.10"):
        nn.softmax_cross_entropy(logits, np.array([10, 0]))
    with pytest.raises(TypeError, match="logits must be real floats, got int64"):
        nn.softmax_cross_entropy(np.zeros((2, 10), np.int64), np.array([1, 0]))
    with pytest.raises(TypeError, match="logits must be real floats, got uint8"):
        nn.softmax_cross_entropy(np.zeros((2, 10), np.uint8), np.array([1, 0]))


def _tiny_net():
    return nn.Sequential([nn.Flatten(), nn.Linear(4, 3, rng=0)])


def test_fit_refuses_what_it_cannot_train_on():
    x = np.random.default_rng(0).standard_normal((8, 2, 2)).astype(np.float32)
    with pytest.raises(ValueError, match=r"y must hold one label per example of x, \(8,\), "
                                         r"got shape \(10,\)"):
        nn.fit(_tiny_net(), x, np.zeros(10, int), progress=False)
    with pytest.raises(ValueError, match=r"one label per example .* got shape \(7,\)"):
        nn.fit(_tiny_net(), x, np.zeros(7, int), progress=False)
    with pytest.raises(ValueError, match="at least one example"):
        nn.fit(_tiny_net(), x[:0], np.zeros(0, int), progress=False)
    with pytest.raises(ValueError, match="diverged"), np.errstate(over="ignore",
                                                                  invalid="ignore"):
        net = _tiny_net()
        nn.fit(net, x * 1e20, np.arange(8) % 3, epochs=50, progress=False,
               optimizer=nn.SGD(net.params, lr=1e30))
    with pytest.raises(TypeError, match=r"y \(the labels\) must be an integer array, got None"):
        nn.accuracy(_tiny_net(), x, None)


def test_layers_refuse_complex_and_compute_integers_as_float64():
    layer = nn.LiftingConv("p4", 1, 2, 3, dtype=np.float64, rng=0)
    y = layer(np.ones((1, 1, 5, 5), np.int64))
    assert y.dtype == np.float64
    with pytest.raises(TypeError, match="got complex64"):
        layer(np.ones((1, 1, 5, 5), np.complex64))
    with pytest.raises(TypeError, match="got complex64"):
        nn.ReLU()(np.ones(3, np.complex64))
    with pytest.raises(ValueError, match=r"SpatialPool size must be an int in 1\.\.1048576, "
                                         r"got -3"):
        nn.SpatialPool(-3)


def test_engine_options_are_checked():
    x, w = np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3))
    with pytest.raises(TypeError, match="workspace must be a groupconv Workspace"):
        groupconv.lifting_correlation(x, w, "p4", workspace={})
    with pytest.raises(TypeError, match="max_workspace must be a positive int"):
        groupconv.lifting_correlation(x, w, "p4", max_workspace=float("inf"))
    for bad in (0, -1):                  # a bad value of the right type: a ValueError
        with pytest.raises(ValueError, match=f"max_workspace must be a positive int .*got {bad}"):
            groupconv.lifting_correlation(x, w, "p4", max_workspace=bad)


def test_dask_input_is_refused_or_answered_as_numpy_is():
    """A review's: a masked Dask array's mask was ignored (NumPy refuses a masked array); an
    empty batch with padding failed inside map_overlap; a shape error named a stand-in's shape
    (1, ...), not the caller's."""
    da = pytest.importorskip("dask.array")
    x = np.arange(250.0).reshape(2, 1, 5, 5, 5)
    w = np.ones((1, 1, 3, 3, 3))
    with pytest.raises(TypeError, match=r"lifting_correlation: input is a Dask array of masked "
                                        r"chunks, whose masks would be ignored"):
        groupconv.lifting_correlation(da.ma.masked_greater(da.from_array(x, chunks=3), 100),
                                      w, "O", mode="same")
    for shape, group, wshape in (((0, 2, 7), "z1m", (2, 2, 3)),
                                 ((0, 2, 6, 6), "p4", (3, 2, 3, 3)),
                                 ((0, 2, 5, 5, 5), "O", (1, 2, 3, 3, 3))):
        empty = np.zeros(shape)
        lazy = da.from_array(empty, chunks=2)
        ww = np.ones(wshape)
        expected = groupconv.lifting_correlation(empty, ww, group, mode="same")
        got = groupconv.lifting_correlation(lazy, ww, group, mode="same").compute()
        assert got.shape == expected.shape and np.array_equal(got, expected)
    with pytest.raises(ValueError, match=r"got shape \(4, 1, 6, 7, 8\); it reads as an array "
                                         r"with 3 spatial axes"):
        groupconv.lifting_correlation(da.zeros((4, 1, 6, 7, 8), chunks=3), np.ones((2, 1, 3, 3)),
                                      "p4")
    with pytest.raises(ValueError, match=r"C_in = 1 from the weights .*got shape \(4, 3, 6, 7\)"):
        groupconv.lifting_correlation(da.zeros((4, 3, 6, 7), chunks=3), np.ones((2, 1, 3, 3)),
                                      "p4")


@pytest.mark.torch
def test_the_literal_sums_refuse_arrays_that_need_a_gradient():
    """method='literal' computes in NumPy: a torch tensor that requires grad lost its gradient
    silently; now refused by name (a JAX tracer too: test_backends)."""
    torch = pytest.importorskip("torch")
    x = torch.randn(1, 1, 4, 4, dtype=torch.float64, requires_grad=True)
    w = torch.randn(1, 1, 3, 3, dtype=torch.float64)
    with pytest.raises(TypeError, match=r"method='literal' computes its sums in NumPy and gives "
                                        r"no gradient, but x requires grad"):
        groupconv.lifting_correlation(x, w, "p4", method="literal")
    y = groupconv.lifting_correlation(x.detach(), w, "p4", method="literal")
    with torch.no_grad():             # no gradient asked for: an nn.Parameter checked, say
        assert torch.equal(y, groupconv.lifting_correlation(x, w, "p4", method="literal"))


def test_cheap_arguments_are_checked_first_no_hang():
    with pytest.raises(ValueError, match="at most 4096"):
        SE2(10**9)
    with pytest.raises(ValueError, match="k must be a positive int"):
        nn.LiftingConv(SE2(8), 1, 2, -3)


def test_relative_error_scale_must_be_positive():
    f = FeatureMap(Z2, np.ones((1, 2, 2)))
    g = FeatureMap(Z2, np.zeros((1, 2, 2)))
    with pytest.raises(ValueError, match="scale must be a positive finite number, got 0"):
        relative_error(f, g, scale=0)


def test_empty_batches_give_empty_results_for_every_group():
    x, w = np.ones((0, 2, 9, 9)), np.ones((3, 2, 3, 3))
    assert groupconv.lifting_correlation(x, w, "p4").shape == (0, 3, 4, 7, 7)
    assert groupconv.lifting_correlation(x, w, SE2(8)).shape == (0, 3, 8, 7, 7)
    assert groupconv.lifting_correlation(x, w, "scale", mode="same").shape[:3] == (0, 3, 3)


@pytest.mark.parametrize("fast", [
    lambda x, w: groupconv.lifting_correlation(x, w, "p4"),
    lambda x, w: groupconv.lifting_correlation(x, w, "p4m"),
    lambda x, w: groupconv.lifting_correlation(x, w, SE2(8)),
    lambda x, w: groupconv.lifting_correlation(x, w, ScaleTranslation(2.0), mode="same"),
], ids=["p4", "p4m", "se2", "scale"])
def test_one_dtype_rule_for_every_group(fast):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 1, 9, 9)), rng.standard_normal((2, 1, 3, 3))
    assert fast(x.astype(np.float16), w.astype(np.float16)).dtype == np.float32
    assert fast((x > 0).astype(np.uint8), w.astype(np.float32)).dtype == np.float64
    assert fast(x.astype(np.float32), w.astype(np.float32)).dtype == np.float32
    assert fast(x.astype(np.float32), w).dtype == np.float64


@pytest.mark.parametrize("size", [29, 31, 33])
def test_networks_refuse_sizes_where_invariance_is_not_exact(size):
    with pytest.raises(ValueError, match=rf"P4CNN takes inputs \(B, 1, H, W\) with each side even "
                                         rf"and at least 28: got shape \(1, 1, {size}, {size}\)$"):
        nn.p4cnn(width=4)(np.zeros((1, 1, size, size), np.float32))
    # the same layers in a network that does not know its sizes: the pooling layer refuses,
    # and the message says what the input became there
    with pytest.raises(ValueError, match=rf"layer 6, SpatialPool.*got {size - 4}x{size - 4} "
                                         rf"\(the input, of shape \(1, 1, {size}, {size}\), "
                                         rf"reaches layer 6 as \(1, 4, 4, {size - 4}, "
                                         rf"{size - 4}\)\)"):
        nn.Sequential(nn.p4cnn(width=4).layers)(np.zeros((1, 1, size, size), np.float32))


def test_errors_inside_a_network_name_the_layer():
    with pytest.raises(ValueError, match=r"layer 19, BankConv\(LatticeBank\(P4, correlation\).*"
                                         r"needs an input of at least 4x4 pixels, got 3x3"):
        nn.Sequential(nn.p4cnn(width=4).layers)(np.zeros((1, 1, 26, 26), np.float32))


def test_cli_usage_errors_exit_2_in_one_line(tmp_path, capsys):
    from groupconv import cli

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["verify", "--seed", "-3"])
    assert exit_info.value.code == 2
    assert "expected a seed in 0..2^63-1, got -3" in capsys.readouterr().err
    existing = tmp_path / "a-file"
    existing.write_text("")
    assert cli.main(["figures", "--out", str(existing), "--only", "p4_filter"]) == 2
    assert "is a file; name a folder" in capsys.readouterr().err


def test_equivariance_vs_angle_refuses_a_too_small_image():
    from groupconv import viz

    with pytest.raises(ValueError, match=r"at least 24 x 24 pixels .*got 16 x 16"):
        viz.equivariance_vs_angle(None, size=16, ns=(4,), step=90)


# ------------------------------------------------ the fuzz's root causes (issue 24)
def test_hexagonal_conversions_take_real_arrays_and_positive_spacings():
    from groupconv import hexagonal

    with pytest.raises(ValueError, match=r"hexagonal arrays \(\.\.\., n, n\), got shape \(\)"):
        hexagonal.to_image(np.float64(1.0), 16)
    with pytest.raises(ValueError, match=r"spacing must be in \(0, inf\], got 0\.0"):
        hexagonal.to_image(np.ones((3, 3)), 5, spacing=0.0)
    with pytest.raises(TypeError, match="to_image: values must be real numbers.*complex128"):
        hexagonal.to_image(np.ones((3, 3), complex), 5)
    with pytest.raises(TypeError, match="fill must be a real number.*got 'a'"):
        hexagonal.to_image(np.ones((3, 3)), 5, fill="a")
    with pytest.raises(TypeError, match="from_image: image must be real numbers.*complex128"):
        hexagonal.from_image(np.ones((5, 5), complex), 3)
    with pytest.raises(ValueError, match="spacing must be a finite number"):
        hexagonal.from_image(np.ones((5, 5)), 3, spacing=np.inf)
    assert np.isnan(hexagonal.to_image(np.ones((3, 3)), 1, fill=np.nan)).sum() == 0  # 1 pixel
    # a spacing so small that every pixel lies far outside the hexagon: fill, not garbage
    assert np.isnan(hexagonal.to_image(np.ones((3, 3)), 5, spacing=1e-300)).sum() == 24


def test_boxes_near_2_to_the_63_are_refused():
    f = FeatureMap(Z2, np.ones((1, 2, 2)))
    with pytest.raises(ValueError, match=r"-2\^40\.\.2\^40"):
        restrict(f, ((2**63 - 2, 0), (2**63 - 1, 0)))
    with pytest.raises(ValueError, match=r"-2\^40\.\.2\^40"):
        f.on_box(((-2**63, 0), (-2**63 + 1, 0)))


def test_minibatches_check_their_arguments():
    with pytest.raises(TypeError, match="rng must be a numpy.random.Generator, got int"):
        list(nn.minibatches(10, 3, 0))
    with pytest.raises(ValueError, match=r"n must be an int in 0\.\.1099511627776, got -1"):
        list(nn.minibatches(-1, 3, np.random.default_rng()))
    with pytest.raises(ValueError, match=r"batch_size must be an int in 1\.\.10000000, got 0"):
        list(nn.minibatches(10, 0, np.random.default_rng()))
    assert [len(b) for b in nn.minibatches(10, 4, np.random.default_rng(0))] == [4, 4, 2]


@pytest.mark.parametrize("optimizer", [nn.SGD, nn.Adam])
def test_optimisers_need_one_gradient_per_parameter_and_finite_rates(optimizer):
    name = optimizer.__name__
    with pytest.raises(ValueError, match=rf"{name}.step: grads must hold a gradient for every "
                                         rf"parameter; missing \['w'\]"):
        optimizer(dict(w=np.ones(3))).step({})
    with pytest.raises(ValueError, match=r"the gradient of 'w' must have the parameter's "
                                         r"shape \(3,\), got shape \(1,\)"):
        optimizer(dict(w=np.ones(3))).step({"w": np.ones(1)})       # no broadcasting
    with pytest.raises(TypeError, match="the gradient of 'w' must be an array of real floats"):
        optimizer(dict(w=np.ones(3))).step({"w": np.ones(3, complex)})
    for lr in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match=rf"{name} lr must be a finite number in \(0, inf\)"):
            optimizer(dict(w=np.ones(3)), lr=lr)


def test_gradient_checks_check_their_arguments_and_restore_running_statistics():
    layer = nn.LiftingConv("p4", 1, 1, 3, dtype=np.float64, rng=0)
    x = np.random.default_rng(0).standard_normal((2, 1, 5, 5))
    with pytest.raises(ValueError, match=r"eps must be in \[1e-10, 0\.01\], got 0\.0"):
        nn.check_gradients(layer, x, eps=0.0)
    with pytest.raises(TypeError, match="x must be a float64 NumPy array.*got NoneType"):
        nn.check_gradients(layer, None)
    da = pytest.importorskip("dask.array")        # from a review: "..., got float64"
    with pytest.raises(TypeError, match="x must be a float64 NumPy array.*got dask Array of "
                                        "float64"):
        nn.check_gradients(layer, da.from_array(x))
    # training-mode forwards replace batch normalisation's statistics: they come back after
    net = nn.Sequential([layer, nn.BatchNorm(1, dtype=np.float64)])
    before = {name: np.array(value) for name, value in net.buffer_values().items()}
    nn.check_gradients(net, x)
    for name, value in net.buffer_values().items():
        assert np.array_equal(value, before[name]), name


def test_sampled_groups_refuse_sizes_and_counts_before_allocating():
    """The reproducers named se2.rotation_operators and scale.scale_operators; their successors
    are the groups' constructors and ``fast.interpolation.kernel_operators``."""
    import tracemalloc

    from groupconv.fast.interpolation import image_tables, kernel_operators

    with pytest.raises(ValueError, match=r"k must be an int in 1\.\.4096, got -3"):
        kernel_operators(SE2(4), -3)
    with pytest.raises(ValueError, match=r"k must be an int in 1\.\.4096, got 0"):
        kernel_operators(SE2(4), 0)
    with pytest.raises(TypeError, match="group must be a group object.*got str"):
        kernel_operators("se2_8", 3)
    with pytest.raises(ValueError, match=r"orientations\) must be a positive integer at most "
                                         r"4096, got 0"):
        SE2(0)
    with pytest.raises(ValueError, match="base must be a finite number > 1, got 1.0"):
        ScaleTranslation(1.0)
    with pytest.raises(ValueError, match=r"n_scales must be an int in 1\.\.16"):
        ScaleTranslation(2.0, n_scales=2**63)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="largest scale 1e\\+20: its kernels would need grids"):
            groupconv.lifting_correlation(np.ones((1, 1, 9, 9)), np.ones((1, 1, 3, 3)),
                                          ScaleTranslation(1e10))
        with pytest.raises(ValueError, match="would take .* GiB, more than 1 GiB"):
            kernel_operators(SE2(4), 1000)
        with pytest.raises(ValueError, match="would take .* GiB, more than 1 GiB"):
            kernel_operators(ScaleTranslation(2.0, n_scales=4), 100)
        with pytest.raises(ValueError, match=r"shape 1000000 x 1000000 has more than"):
            image_tables(np.eye(2), (10**6, 10**6))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**24          # refused before anything large was allocated


def test_interpolation_tables_check_their_matrices_points_and_shapes():
    from groupconv.fast.interpolation import bilinear_weights, image_tables

    with pytest.raises(ValueError, match="matrix must be finite and invertible"):
        image_tables(np.zeros((2, 2)), (3, 3))
    with pytest.raises(ValueError, match="matrix must be finite and invertible"):
        image_tables(np.full((2, 2), np.nan), (3, 3))
    with pytest.raises(ValueError, match=r"points must have shape \(N, 2\), got shape \(3,\)"):
        bilinear_weights(np.ones(3), (3, 3))
    with pytest.raises(ValueError, match=r"shape\[0\] must be a positive int, got -3"):
        image_tables(np.eye(2), (-3, 3))
    # points that are not finite, or far away, read nothing (f~ is 0 beyond one step out)
    _, weights = bilinear_weights(np.array([[np.nan, 0.0], [np.inf, 1.0], [1e300, -1e300]]),
                                  (3, 3))
    assert np.array_equal(weights, np.zeros((3, 4)))


def test_point_group_element_arrays_that_do_not_broadcast_are_a_value_error():
    from groupconv import C4

    a, b = C4.array(np.zeros((3, 1), np.int64)), C4.array(np.zeros((2, 1), np.int64))
    with pytest.raises(ValueError, match=r"element arrays of shapes \(3,\) and \(2,\) do not"):
        a * b
    with pytest.raises(ValueError, match=r"elements of shape \(3,\) and points of shape"):
        a.act(np.zeros((2, 2), np.int64))


def test_checkers_name_what_they_cannot_take():
    from groupconv import C4, check_equivariance, check_layer
    from groupconv.groups import lattice_of

    with pytest.raises(ValueError, match="C4.*maps neither square nor hexagonal arrays"):
        lattice_of(C4)
    layer = nn.LiftingConv("p4", 1, 1, 3, dtype=np.float64, rng=0)
    with pytest.raises(ValueError, match=r"needs an input \(\.\.\., C, H, W\), got shape "
                                         r"\(5,\)"):
        check_equivariance(layer, x=np.zeros(5))
    with pytest.raises(ValueError, match=r"needs an input \(\.\.\., C, H, W\), got shape "
                                         r"\(1, 1\)"):
        check_equivariance(layer, x=[[1.0]])          # a list read as an array, as elsewhere
    hexagonal = nn.LiftingConv("p6", 1, 1, 3, dtype=np.float64, rng=0)
    with pytest.raises(ValueError, match=r"with equal spatial sides \(a hexagon\), got shape "
                                         r"\(1, 1, 7, 9\)"):
        check_equivariance(hexagonal, x=np.zeros((1, 1, 7, 9)))
    # from a review: any other box is checked, a quarter turn swapping two of its sides
    x = np.zeros((2, 1, 4, 6, 7))
    x[..., 1:-1, 1:-1, 1:-1] = np.random.default_rng(0).standard_normal((2, 1, 2, 4, 5))
    for group in ("P4/mmm", "P432"):
        box = nn.LiftingConv(group, 1, 2, 3, mode="same", dtype=np.float64, rng=0)
        assert check_equivariance(box, x=x).passed
        assert not check_equivariance(lambda a: box(a)[..., ::-1], group, x=x).passed
    with pytest.raises(TypeError, match=r"x must be an array in \(\.\.\., C, H, W\), got str"):
        check_equivariance(layer, x="x")
    with pytest.raises(TypeError, match="check_layer: weights must be real numbers.*complex"):
        check_layer(lambda x, w: groupconv.lifting_correlation(x, w, "p4"), "p4", "lifting",
                    weights=np.ones((1, 1, 3, 3), complex))
    with pytest.raises(ValueError, match="the input would have shape .* more than"):
        check_layer(lambda x, w: x, "p4", "lifting", size=10**5)
    with pytest.raises(ValueError, match="size must be a positive int, got 0"):
        check_equivariance(layer, size=0)


def test_predict_flatten_and_figures_refuse_or_answer_clearly():
    xps = pytest.importorskip("array_api_strict")
    from groupconv import viz

    net = nn.Sequential([nn.Flatten(), nn.Linear(4, 3, rng=0)])
    x = np.random.default_rng(0).standard_normal((5, 2, 2)).astype(np.float32)
    got = nn.predict(net, xps.asarray(x), batch_size=2)   # slices end at the batch's end
    assert np.allclose(np.asarray(got), nn.predict(net, x), rtol=0, atol=1e-6)
    with pytest.raises(ValueError, match=r"Flatten expects \(B, \.\.\.\), got shape \(\)"):
        nn.Flatten().forward(3, True)
    with pytest.raises(ValueError, match="n must be even, got 3"):
        viz.se2_pipeline(np.zeros((12, 12)), n=3)
    with pytest.raises(TypeError, match="image must be real numbers.*complex128"):
        viz.p4_feature_map(np.ones((12, 12), complex))


def test_module_constants_are_read_only_and_huge_hexagons_refused():
    from groupconv import hexagonal
    from groupconv.groups import M, R, hexagon_mask

    for constant in (R, M, hexagonal.BASIS):
        with pytest.raises(ValueError, match="read-only"):
            constant[0, 0] = 5
    with pytest.raises(ValueError, match=r"hexagon_mask: size must be an odd int in 1\.\.2\^14"):
        hexagon_mask(2**63 - 1)


def test_options_of_every_kind_are_checked():
    from groupconv import C1, Space, check_group_law, register
    from groupconv.fast import OperatorBank, project

    with pytest.raises(TypeError, match="BatchNorm eps must be a number, got 'a'"):
        nn.BatchNorm(3, eps="a")
    with pytest.raises(ValueError, match=r"BatchNorm eps must be a number in \(0, 1\)"):
        nn.BatchNorm(3, eps=0.0)
    with pytest.raises(TypeError, match="a name must be a str, got NoneType"):
        register(P4, None)
    with pytest.raises(TypeError, match="workspace must be a groupconv Workspace"):
        groupconv.lifting_correlation(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), "p4",
                                      method="literal", workspace={})
    for dtype in (complex, object, "datetime64[s]"):
        with pytest.raises(TypeError, match="project acts on arrays of real numbers"):
            project(np.ones((1, 1, 4, 3, 3)).astype(dtype), Space.on_group(P4))
    with pytest.raises(TypeError, match="input_size must be a positive int, got 28.0"):
        nn.network_sizes(28.0)
    with pytest.raises(ValueError, match=r"accuracy: y: labels must be in 0\.\.2, got values "
                                         r"in 5\.\.7"):
        nn.accuracy(_tiny_net(), np.ones((2, 2, 2)), np.array([5, 7]))
    assert check_group_law(lambda a, b: (), lambda a: (), C1).ok     # the trivial law
    with pytest.raises(ValueError, match="kernels on P6 .* so k must be odd; got k = 4"):
        nn.LiftingConv("p6", 1, 1, 4)
    with pytest.raises(ValueError, match="did you mean 'lifting'"):
        OperatorBank(SE2(4), "lifitng")
    with pytest.raises(ValueError, match=r"labels must be in 0\.\.2, got values in -1\.\.0"):
        nn.fit(_tiny_net(), np.ones((2, 2, 2)), np.array([-1, 0]), progress=False)


def test_figures_refuse_an_output_folder_they_cannot_make(tmp_path):
    from groupconv import viz

    (tmp_path / "a-file").write_text("")
    with pytest.raises(ValueError, match="cannot be made: Not a directory"):
        viz.save_all(tmp_path / "a-file" / "sub", only="cayley_p4m")
    assert not (tmp_path / "a-file" / "sub").exists()


# ---------------------------------------------------- error messages in a user's terms
def test_a_network_says_which_inputs_it_takes():
    net = nn.p4cnn(width=2)
    x = np.zeros((1, 1, 28, 28), np.float32)
    with pytest.raises(ValueError, match=r"^P4CNN takes inputs \(B, 1, H, W\) with each side even "
                                         r"and at least 28: got shape \(1, 28, 28\) \(one "
                                         r"example\? a batch of one is x\[None\]\)$"):
        net(x[0])
    with pytest.raises(ValueError, match=r"^P4CNN takes .*: got shape \(1, 1, 27, 27\)$"):
        net(np.zeros((1, 1, 27, 27), np.float32))
    with pytest.raises(ValueError, match=r"^P4MCNN takes .*: got shape \(1, 1, 8, 8\)$"):
        nn.p4mcnn(width=2)(np.zeros((1, 1, 8, 8), np.float32))
    with pytest.raises(ValueError, match=r"^P6CNN takes inputs \(B, 1, n, n\) with n odd and at "
                                         r"least 15: got shape \(1, 1, 13, 13\)$"):
        nn.p6cnn(width=2)(np.zeros((1, 1, 13, 13), np.float32))
    with pytest.raises(ValueError,
                       match=r"takes inputs \(B, 1, D, H, W\) with each side at least 5"):
        nn.voxel_gcnn("P432", 2, input_size=7)(np.zeros((1, 1, 4, 4, 4), np.float32))
    assert net(np.zeros((1, 1, 30, 30), np.float32)).shape == (1, 10)
    assert net(np.zeros((1, 1, 28, 34), np.float32)).shape == (1, 10)   # any box, as it says
    with pytest.raises(ValueError, match=r"^P4CNN takes .*: got shape \(1, 1, 28, 29\)$"):
        net(np.zeros((1, 1, 28, 29), np.float32))
    assert nn.p6cnn(width=2)(np.zeros((1, 1, 17, 17), np.float32)).shape == (1, 10)


@pytest.mark.parametrize("build", [nn.p4cnn, nn.p6cnn,
                                   lambda width: nn.voxel_gcnn("P432", width, input_size=7)],
                         ids=["p4cnn", "p6cnn", "voxel"])
def test_the_sizes_a_network_states_are_the_sizes_it_runs_on(build):
    """What ``input_sizes`` says agrees with the layers themselves, size by size."""
    net = build(width=1)
    d = net.input_space.dim
    layers = nn.Sequential(net.layers)          # the same layers, no stated sizes
    for n in range(1, 34 if d == 2 else 10):
        x = np.zeros((1, 1) + (n,) * d, np.float32)
        try:
            layers(x)
            runs = True
        except ValueError:
            runs = False
        assert net.input_sizes.accepts(n) == runs, n


def test_the_paper_networks_sizes_are_those_of_network_sizes():
    sizes = nn.p4cnn(width=1).input_sizes
    for n in range(1, 80):
        try:
            nn.network_sizes(n)
            valid = True
        except ValueError:
            valid = False
        assert sizes.accepts(n) == valid, n


def test_a_saved_network_keeps_its_name_and_sizes(tmp_path):
    net = nn.p4cnn(width=2)
    nn.save(net, tmp_path / "net.npz")
    again = nn.load(tmp_path / "net.npz")
    assert (again.name, again.input_sizes) == ("P4CNN", nn.InputSizes(28, 2))
    with pytest.raises(ValueError, match="P4CNN takes inputs"):
        again(np.zeros((1, 1, 27, 27), np.float32))


def _layers_and_inputs():
    """Every layer of groupconv.nn with an input it takes."""
    from groupconv import Space

    rng = np.random.default_rng(0)
    plane, on_group = Space.on_plane(P4), Space.on_group(P4)
    return [
        (nn.LiftingConv("p4", 1, 2, 3, dtype=np.float64, rng=0), rng.standard_normal((2, 1, 5, 5))),
        (nn.GroupConv(SE2(4), 2, 2, 3, dtype=np.float64, rng=0),
         rng.standard_normal((2, 2, 4, 5, 5))),
        (nn.ReLU(), rng.standard_normal((2, 3))),
        (nn.SiLU(), rng.standard_normal((2, 3))),
        (nn.SubgroupPool("max", space=on_group), rng.standard_normal((2, 1, 4, 4, 4))),
        (nn.SpatialPool(2, space=plane), rng.standard_normal((2, 1, 4, 4))),
        (nn.SpatialPool(2, kind="mean", space=plane), rng.standard_normal((2, 1, 4, 4))),
        (nn.BatchNorm(1, dtype=np.float64), rng.standard_normal((2, 1, 5, 5))),
        (nn.GlobalPool("max", space=plane), rng.standard_normal((2, 1, 4, 4))),
        (nn.Flatten(), rng.standard_normal((2, 3, 2))),
        (nn.Linear(3, 2, rng=0, dtype=np.float64), rng.standard_normal((2, 3))),
        (nn.Dropout(0.5, rng=0), rng.standard_normal((2, 3))),
        (nn.Sequential([nn.Flatten(), nn.Linear(6, 2, rng=0, dtype=np.float64)]),
         rng.standard_normal((2, 3, 2))),
    ]


@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("layer, x", _layers_and_inputs(), ids=lambda v: repr(v)[:24])
def test_every_backward_names_the_shape_of_dy_it_needs(layer, x, training):
    y, cache = layer.forward(x, training)
    shape = re.escape(str(tuple(y.shape)))
    for wrong in (np.ones((1,) + y.shape[1:]), np.ones(y.size + 5)):   # broadcast, reshape
        with pytest.raises(ValueError, match=rf"dy must have the shape of the (layer's )?output "
                                             rf"{shape}, got shape"):
            layer.backward(cache, wrong)
    with pytest.raises(TypeError, match="dy must be real numbers.*got complex128"):
        layer.backward(cache, np.ones(y.shape, complex))
    dx, _ = layer.backward(cache, np.ones(y.shape))
    assert dx.shape == x.shape


@pytest.mark.parametrize("layer, x", _layers_and_inputs(), ids=lambda v: repr(v)[:24])
def test_training_must_be_a_bool(layer, x):
    with pytest.raises(TypeError, match="training must be True or False, got 'yes'"):
        layer.forward(x, training="yes")


def test_the_literal_group_correlation_blames_f_for_a_planar_f():
    from groupconv import literal

    f, psi = FeatureMap(Z2, np.ones((1, 3, 3))), FeatureMap(P4, np.ones((1, 4, 3, 3)))
    with pytest.raises(ValueError, match=r"group_correlation: f must be a function on P4 like "
                                         r"psi, got one on Z2 \(lift it first"):
        literal.group_correlation(f, [psi])
    with pytest.raises(ValueError, match="psi must be a function on P4 like f, got one on Z2"):
        literal.group_correlation(FeatureMap(P4, np.ones((1, 4, 3, 3))), [f])


def test_filter_bank_takes_an_explicit_kind():
    w = np.arange(108.0).reshape(3, 4, 3, 3)     # lifting weights with C_in = |C4| = 4
    assert groupconv.filter_bank(w, "p4", kind="lifting").shape == (3, 4, 4, 1, 3, 3)
    with pytest.raises(ValueError, match=r"say which, kind='lifting' or kind='correlation'"):
        groupconv.filter_bank(w, "p4")                # C_in = S: either reading fits
    assert groupconv.filter_bank(w[:, :3], "p4").shape == (3, 4, 3, 1, 3, 3)
    with pytest.raises(ValueError, match=r"weights on P4 must have shape \(C_out, C_in, 4, k, "
                                         r"k\), got shape \(3, 4, 3, 3\)"):
        groupconv.filter_bank(w, "p4", kind="correlation")
    g = np.arange(216.0).reshape(3, 2, 4, 3, 3)
    assert np.array_equal(groupconv.filter_bank(g, "p4", kind="correlation"),
                          groupconv.filter_bank(g, "p4"))
    assert not np.array_equal(groupconv.filter_bank(g, "p4", kind="convolution"),
                              groupconv.filter_bank(g, "p4"))


def test_filter_bank_on_a_sampled_group_says_where_its_bank_is():
    with pytest.raises(ValueError, match=r"sampled group.*bank_for\(group, kind\)"):
        groupconv.filter_bank(np.ones((2, 1, 3, 3)), "se2(8)")


@pytest.mark.parametrize("call, hint", [
    (lambda: groupconv.get_group("p4n"), "'p4'"),
    (lambda: groupconv.lifting_correlation(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), "p4",
                                           mode="vaild"), "'valid'"),
    (lambda: groupconv.lifting_correlation(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), "p4",
                                           method="literl"), "'literal'"),
    (lambda: nn.GroupConv("p4", 1, 1, 3, kind="corelation"), "'correlation'"),
    (lambda: nn.SubgroupPool("mx"), "'max'"),
    (lambda: nn.SpatialPool(2, kind="meen"), "'mean'"),
    (lambda: nn.GlobalPool("maen"), "'mean'"),
    (lambda: nn.Dropout(0.5, per="elment"), "'element'"),
    (lambda: groupconv.check_equivariance(lambda x: x, "p4", input_space="plain"), "'plane'"),
], ids=["group", "mode", "method", "kind", "reduction", "pool", "global", "dropout", "space"])
def test_names_with_typos_get_did_you_mean(call, hint):
    with pytest.raises(ValueError, match=f"did you mean {hint}"):
        call()


def test_verify_lists_the_claims_and_groups_for_an_unknown_name():
    from groupconv.checks import verify

    with pytest.raises(ValueError, match=r"only names no claim and no group: 'p5'; did you mean "
                                         r"'p4'.*\(the claims: group_axioms, .*; the groups: "):
        verify.run(only="p5")
    with pytest.raises(ValueError, match="did you mean 'symbolic_closure'"):
        verify.run(only="symbolic_closur")
    with pytest.raises(ValueError, match="side must be one of .*did you mean 'left'"):
        groupconv.groups.cosets(groupconv.C4, (0,), side="lft")


# ------------------------------------------------------------------ the third review's inputs
def test_layers_refuse_dtypes_seeds_flags_and_sizes_they_cannot_use():
    """Integer, bool or complex parameters (zero or True weights), typos, seeds and flags of the
    wrong kind, and sizes no memory holds: refused when the layer is built, naming the
    argument, before anything is allocated."""
    for dtype, error in ((np.int32, ValueError), (bool, ValueError), (np.complex64, ValueError),
                         ("flaot32", TypeError)):
        for build in (lambda: nn.LiftingConv("P432", 1, 2, 3, dtype=dtype),
                      lambda: nn.Linear(3, 2, dtype=dtype), lambda: nn.BatchNorm(2, dtype=dtype)):
            with pytest.raises(error, match="dtype must be a"):
                build()
    with pytest.raises(TypeError, match="bias must be True or False, got 'no'"):
        nn.LiftingConv("p4", 1, 2, 3, bias="no")
    with pytest.raises(TypeError, match="rng must be a numpy Generator"):
        nn.LiftingConv("p4", 1, 2, 3, rng="x")
    with pytest.raises(ValueError, match="rng must be a non-negative int seed"):
        nn.Linear(2, 2, rng=-1)
    for build in (lambda: nn.LiftingConv("P432", 10**6, 10**6, 3),
                  lambda: nn.LiftingConv("P432", 1, 2, 10**6),
                  lambda: nn.gcnn("p4", 2, n_classes=10**12), lambda: nn.Linear(10**6, 10**6)):
        with pytest.raises(ValueError, match="weights"):
            build()
    with pytest.raises(ValueError, match=r"input_size must be an int in 5\.\.1024"):
        nn.voxel_gcnn("P432", 1, input_size=10**9)
    assert nn.voxel_gcnn("P432", 1, input_size=np.int64(7), n_classes=10)(
        np.zeros((1, 1, 7, 7, 7))).shape \
        == (1, 10)
    with pytest.raises(TypeError, match="dropout_after must be a sequence"):
        nn.gcnn("p4", 2, dropout=0.3, dropout_after=5)
    with pytest.raises(ValueError, match="dropout_per must be one of"):
        nn.gcnn("p4", 2, dropout_per="nope")
    assert groupconv.lifting_correlation(np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3)), "p4",
                                         mode=np.int64(1)).shape == (1, 1, 4, 5, 5)


def test_banks_no_memory_holds_are_refused_before_they_are_drawn():
    """A 301^3 kernel on the cube's rotations: 654 million bank entries (2.6 GB), refused at
    once, in the correlations and in the converters alike."""
    w = np.ones((1, 1, 301, 301, 301), np.float32)
    with pytest.raises(ValueError, match="654,501,624 entries"):
        groupconv.lifting_correlation(np.ones((1, 1, 5, 5, 5), np.float32), w, "P432",
                                      mode="same")
    with pytest.raises(ValueError, match="more than 268,435,456"):
        groupconv.interop.bank_from_weights(w, "escnn", "P432", "lifting")


def test_empty_batches_and_non_finite_values_never_poison_a_result():
    bn = nn.BatchNorm(2)
    with pytest.raises(ValueError, match="holds no value per channel"):
        bn.forward(np.ones((1, 2, 0, 3, 3, 3), np.float32), True)
    assert np.all(np.isfinite(bn.running_mean)) and np.all(np.isfinite(bn.running_var))
    assert bn.forward(np.ones((0, 2, 3, 3), np.float32), False)[0].shape == (0, 2, 3, 3)
    assert nn.Flatten()(np.ones((0, 3, 3))).shape == (0, 9)
    bank = groupconv.interop.bank_from_weights(np.ones((2, 1, 3, 3)), "escnn", "p4", "lifting")
    for bad in (np.inf, np.nan):
        poisoned = np.random.default_rng(0).standard_normal(bank.shape)
        poisoned[0, 0, 0, 0] = bad
        with pytest.raises(ValueError, match="NaN or infinite"):
            groupconv.interop.weights_from_bank(poisoned, "escnn", "p4", "lifting")
    with pytest.raises(ValueError, match="every size positive"):
        groupconv.interop.weights_from_bank(np.ones((4, 1, 0, 0)), "escnn", "p4", "lifting")
    se2 = SE2(8)
    with pytest.raises(ValueError, match="overflow the floating-point range"):
        se2.element(u=1e308) * se2.element(u=1e308)
    with pytest.raises(ValueError, match=r"parameter i must lie in -1023\.\.1023"):
        ScaleTranslation().element(i=2000)
    with pytest.raises(ValueError, match=r"parameter i must lie in"):
        ScaleTranslation().element(i=5) * ScaleTranslation().element(i=1020)
    with pytest.raises(ValueError, match="largest scale"):
        ScaleTranslation(1e300)
    with pytest.raises(ValueError, match=r"B, K >= 1"):
        nn.softmax_cross_entropy(np.zeros((2, 0)), np.array([0, 1]))


def test_fit_and_the_optimisers_check_everything_before_the_first_step():
    net = nn.voxel_gcnn("P432", 1, input_size=5, n_classes=3)
    x = np.random.default_rng(0).normal(size=(4, 1, 5, 5, 5))
    y = np.array([0, 1, 2, 0])
    with pytest.raises(ValueError, match=r"validation_data\[1\]: labels must be in 0\.\.2"):
        nn.fit(net, x, y, validation_data=(x, np.array([0, 1, 7, 0])), progress=False)
    with pytest.raises(ValueError,
                       match=r"validation_data\[0\] of shape \(4, 1, 5, 5\) does not fit"):
        nn.fit(net, x, y, validation_data=(x[:, :, 0], y), progress=False)
    with pytest.raises(TypeError, match="progress must be True, False or None"):
        nn.fit(net, x, y, progress="yes")
    assert net.epochs_trained == 0
    with pytest.raises(TypeError, match="params must be a model's params"):
        nn.SGD(np.ones(2))
    with pytest.raises(ValueError, match="holds no parameter"):
        nn.Adam({})
    with pytest.raises(TypeError, match="parameter 'w' must be an array of real floats"):
        nn.SGD({"w": "abc"})


def test_load_says_what_is_wrong_with_a_file_and_save_where_it_cannot_write(tmp_path):
    import json

    net = nn.voxel_gcnn("P432", 1, input_size=5, n_classes=3)
    good = tmp_path / "good.npz"
    nn.save(net, good)
    with np.load(good) as data:
        arrays = dict(data)
    header = json.loads(str(arrays["architecture"]))

    def variant(name, **changes):
        path = tmp_path / name
        np.savez(path, **{**arrays, **changes})
        return path

    (tmp_path / "text.npz").write_text("not an archive")
    np.save(tmp_path / "plain.npy", np.ones(3))
    weight = next(key for key in arrays if key.endswith("weight"))
    cases = {
        tmp_path / "text.npz": "not an .npz archive",
        tmp_path / "plain.npy": r"holds one array \(\.npy\)",
        variant("badjson.npz", architecture=np.array("{nope")): "architecture .* not readable",
        variant("nomodel.npz", architecture=np.array(json.dumps(
            {k: v for k, v in header.items() if k != "model"}))): "holds no architecture",
        variant("nogroups.npz", architecture=np.array(json.dumps(
            {k: v for k, v in header.items() if k != "groups"}))): "no readable record of its "
                                                                   "groups",
        variant("othergroups.npz", architecture=np.array(json.dumps(
            {**header, "groups": {}}))): r"records the matrices of the groups \[\], and its "
                                         r"architecture names \['P432'\]",
        variant("number.npz", architecture=np.array("3")): "not a JSON header",
        variant("extra.npz", architecture=np.array(json.dumps(
            {**header, "model": {**header["model"], "evil": 1}}))): "unexpected keyword",
        variant("epochs.npz", architecture=np.array(json.dumps(
            {**header, "epochs_trained": -7}))): "epochs_trained = -7",
        variant("nan.npz", **{weight: np.full_like(arrays[weight], np.nan)}): "NaN or infinite",
    }
    for path, message in cases.items():
        with pytest.raises(ValueError, match=message):
            nn.load(path)
    with pytest.raises(ValueError, match="path must name a file"):
        nn.save(net, "")
    with pytest.raises(ValueError, match="cannot write"):
        nn.save(net, good / "under_a_file.npz")


def test_conformance_folders_are_checked_field_by_field(tmp_path):
    """A tampered manifest cannot make a wrong layer pass: a tolerance of 1e300 is refused, as
    is every other field out of its schema; an empty selection is no vacuous pass."""
    import json
    import shutil

    from groupconv import conformance, testing

    source = conformance.SHIPPED
    manifest = json.loads((source / "manifest.json").read_text())
    entry = next(e for e in manifest["cases"] if e["group"] == "Z2")
    for change, message in (({"tolerance": 1e300}, "tolerance must be a number in"),
                            ({"tolerance": -1}, "tolerance must be a number in"),
                            ({"k": "x"}, "k must be an int"),
                            ({"group": "nope"}, "group must be a registered"),
                            ({"kind": "pool"}, "kind must be one of"),
                            ({"file": "../x.npz"}, "file must be a file name")):
        folder = tmp_path / str(len(list(tmp_path.iterdir())))
        folder.mkdir()
        shutil.copy(source / entry["file"], folder / entry["file"])
        (folder / "manifest.json").write_text(json.dumps({"cases": [{**entry, **change}]}))
        with pytest.raises(ValueError, match=message):
            conformance.load(folder)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "manifest.json").write_text("{}")
    with pytest.raises(ValueError, match="no list of cases"):
        conformance.load(tmp_path / "empty")
    with pytest.raises(ValueError, match=r"holds no case of SE2\(8\) .*--groups SE2\(8\)"):
        testing.check_cases(lambda case: (lambda x: x), groups=["se2_8"])
    # a group named as its case ids name it (p4_mmm-lifting-k2-p0), as well as registered
    assert [c.id for c in conformance.load(groups=["p4_mmm"])] == \
        [c.id for c in conformance.load(groups=["P4/mmm"])] != []
    with pytest.raises(ValueError, match="did you mean"):
        conformance.load(groups=["p4_mm"])
    y_complex = next(iter(conformance.load(groups="z2", kinds="lifting")))
    result = testing.check_case(lambda x: y_complex["y"] + 5j, y_complex)
    assert not result.passed and "complex" in result.diagnosis


def test_the_command_line_refuses_options_that_would_be_ignored(capsys):
    from groupconv import cli

    for argv, message in ((["verify", "--self-test", "--only", "p4"], "--only does not apply"),
                          (["verify", "--self-test", "--trials", "2"], "--trials does not apply"),
                          (["verify", "--quick", "--trials", "2"], "give --quick or --trials"),
                          (["figures", "--out", ""], "output folder must be named"),
                          (["labs", "--out", ""], "out must name a folder"),
                          (["conformance", "--out", "unused", "--cases", "x"],
                           "--cases goes with --check")):
        assert cli.main(argv) == 2
        assert message in capsys.readouterr().err, argv


def test_dask_input_of_unknown_chunk_sizes_is_refused_with_the_way_out():
    da = pytest.importorskip("dask.array")
    x = da.from_array(np.random.default_rng(0).normal(size=(4, 1, 8, 8)), chunks=(2, 1, 4, 4))
    x = x[x[:, 0, 0, 0] > -10]                      # a boolean selection: sizes unknown
    with pytest.raises(ValueError, match=r"compute_chunk_sizes\(\)"):
        groupconv.lifting_correlation(x, np.ones((1, 1, 3, 3)), "p4")
    assert groupconv.lifting_correlation(x.compute_chunk_sizes(), np.ones((1, 1, 3, 3)),
                                         "p4").shape == (4, 1, 4, 6, 6)


def test_an_array_of_the_wrong_dimension_is_told_which_groups_act_on_it():
    with pytest.raises(ValueError, match=r"3 spatial axes, but P4 acts on Z\^2 .* P432"):
        groupconv.lifting_correlation(np.zeros((2, 1, 9, 9, 9)), np.zeros((4, 1, 3, 3)), "p4")
    with pytest.raises(ValueError, match=r"2 spatial axes, but P432 acts on Z\^3 .* p4m"):
        groupconv.lifting_correlation(np.zeros((2, 1, 9, 9)), np.zeros((4, 1, 3, 3, 3)), "P432")
    with pytest.raises(ValueError) as error:     # a batch of 2 is not C_in = 2 of a volume
        groupconv.lifting_correlation(np.ones((2, 1, 9, 9)), np.ones((3, 2, 3, 3)), "p4")
    assert "C_in = 2" in str(error.value) and "spatial axes" not in str(error.value)
    with pytest.raises(ValueError, match="did you mean 'centre'"):
        FeatureMap(Z2, np.zeros((1, 3, 3)), origin="center")
    with pytest.raises(TypeError, match=r"one-hot rows\? pass the class indices"):
        nn.fit(nn.p4cnn(width=1), np.zeros((2, 1, 28, 28)), np.eye(10)[:2], progress=False)


# ------------------------------------------------------------------ a third review's reproducers
def test_integer_feature_maps_sum_exactly_or_refuse():
    """int8 products used to wrap (100 * 100 * 4 gave 64); int64 sums that could overflow are
    refused before they are formed."""
    from groupconv import literal

    f = FeatureMap(Z2, np.full((1, 2, 2), 100, np.int8))
    assert f.dtype == np.int64 and literal.planar_correlation(f, f).values[0, 1, 1] == 40000
    huge = FeatureMap(Z2, np.full((1, 2, 2), 2**40, np.int64))
    with pytest.raises(ValueError, match="could overflow the int64 sums"):
        literal.planar_correlation(huge, huge)
    psi = FeatureMap(Z2, np.arange(9.0).reshape(1, 3, 3), origin="centre")
    assert psi(np.array([255, 0], np.uint8))[0] == 0.0          # (255, 0), not (-1, 0)
    with pytest.raises(ValueError, match="points must fit in int64"):
        psi(np.array([2**64 - 1, 0], np.uint64))
    with pytest.raises(TypeError, match="psi must be a FeatureMap"):
        literal.group_correlation(FeatureMap(P4, np.ones((1, 4, 3, 3))), 3)


def test_masked_arrays_are_refused_not_unmasked():
    masked = np.ma.masked_array(np.ones((1, 1, 3, 3)), mask=np.eye(3, dtype=bool)[None, None])
    for call in (lambda: groupconv.lifting_correlation(masked, np.ones((1, 1, 3, 3)), "p4"),
                 lambda: FeatureMap(Z2, masked[0]),
                 lambda: P4.array(r=np.ma.masked_array([1, 2]))):
        with pytest.raises(TypeError, match="masked array, whose mask would be ignored"):
            call()
    # from a review: an np.matrix (always 2D) met an IndexError or an unnamed ValueError
    matrix = np.matrix(np.arange(9.0))
    z1m = groupconv.get_group("z1m")
    for call, name in ((lambda: groupconv.lifting_correlation(matrix, np.ones((2, 1, 3)), "z1m"),
                        "lifting_correlation: input"),
                       (lambda: groupconv.lifting_correlation(matrix, np.ones((2, 1, 3)), "z1m",
                                                              method="literal"),
                        "lifting_correlation: input"),
                       (lambda: groupconv.transform(matrix, z1m.element(m=1)), "transform: x")):
        with pytest.raises(TypeError, match=f"{name} is an np.matrix, which is always 2D"):
            call()


def test_an_output_larger_than_memory_is_refused_before_it_is_allocated():
    """From a review: a 47 GiB output met a MemoryError from inside array_api_compat (and,
    where memory is overcommitted, an allocation that succeeds and swaps). 71,526 GiB here:
    more than any machine's memory."""
    from groupconv.fast.backend import physical_memory
    if physical_memory() is None:
        pytest.skip("the system does not say how much memory it has")
    x = np.broadcast_to(np.float32(1), (1, 1, 200, 200, 200))         # no memory of its own
    with pytest.raises(ValueError, match=r"lifting_correlation: the output would have shape "
                                         r"\(1, 100000, 24, 200, 200, 200\), 71,525\.6 GiB, "
                                         r"more than this machine's memory .* Dask array"):
        groupconv.lifting_correlation(x, np.ones((100000, 1, 3, 3, 3), np.float32), "P432",
                                      mode="same")


@pytest.mark.torch
def test_a_torch_output_larger_than_memory_is_refused_before_it_is_allocated():
    """A review's: on torch (CPU) the same output was a RuntimeError from torch's allocator."""
    torch = pytest.importorskip("torch")
    from groupconv.fast.backend import physical_memory
    if physical_memory() is None:
        pytest.skip("the system does not say how much memory it has")
    x = torch.ones(1, 1, 1, 1, 1).expand(1, 1, 200, 200, 200)        # no memory of its own
    with pytest.raises(ValueError, match=r"the output would have shape \(1, 100000, 24, 200, "
                                         r"200, 200\), 71,525\.6 GiB, more than this machine"):
        groupconv.lifting_correlation(x, torch.ones(100000, 1, 3, 3, 3), "P432", mode="same")


def test_a_jax_output_larger_than_memory_is_refused_before_it_is_allocated():
    """A review's: on JAX (CPU) the output was a lazy array that failed when computed."""
    jnp = pytest.importorskip("jax.numpy")
    from groupconv.fast.backend import physical_memory
    if physical_memory() is None:
        pytest.skip("the system does not say how much memory it has")
    x = jnp.broadcast_to(jnp.float32(1), (1, 1, 200, 200, 200))
    with pytest.raises(ValueError, match=r"the output would have shape \(1, 100000, 24, 200, "
                                         r"200, 200\), 71,525\.6 GiB, more than this machine"):
        groupconv.lifting_correlation(x, jnp.ones((100000, 1, 3, 3, 3), jnp.float32), "P432",
                                      mode="same")


@pytest.mark.torch
def test_sparse_torch_tensors_are_refused_by_name():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="input is a sparse torch tensor .*to_dense"):
        groupconv.lifting_correlation(torch.ones(1, 1, 5).to_sparse(), torch.ones(2, 1, 3),
                                      "z1m")


def test_indices_outside_the_samples_are_refused_not_wrapped():
    scale = groupconv.get_group("scale")
    with pytest.raises(ValueError, match="not one of .* 3 samples"):
        scale.point_index(scale.element(i=-1))
    with pytest.raises(ValueError, match=r"s must be sample indices in 0\.\.3, got -1"):
        P4.relative(-1, 0)
    assert P4.relative(3, 0) == 1
    from groupconv.groups import C4, cosets
    for subgroup in ((0, 2.7), "02", (0, True)):
        with pytest.raises(TypeError, match="subgroup must be a sequence of element indices"):
            cosets(C4, subgroup)


def test_layers_refuse_what_is_not_a_batch_of_real_numbers():
    layer = nn.LiftingConv("p4", np.int64(1), 2, 3, rng=0)        # NumPy ints are ints
    x = np.random.default_rng(0).normal(size=(1, 1, 5, 5))
    for bad in (x.astype(str), x.astype("datetime64[D]"), x.astype(object)):
        with pytest.raises(TypeError, match="input must be real numbers"):
            layer(bad)
    assert layer(x.tolist()).shape == (1, 2, 4, 3, 3)
    space = groupconv.Space.on_group(P4)
    with pytest.raises(ValueError, match=r"expects \(B, C, 4, H, W\) \(Space.on_group\(P4\)\), "
                                         r"got shape \(6,\)"):
        nn.SpatialPool(space=space)(np.ones(6))
    with pytest.raises(ValueError, match="needs at least one pixel"):
        nn.GlobalPool(space=space)(np.ones((1, 1, 4, 0, 0)))
    assert nn.p4cnn(width=2)(np.zeros((0, 1, 28, 28), np.float32)).shape == (0, 10)
    for bad_layer, dy in ((nn.ReLU(), np.ones(3)), (nn.Flatten(), np.ones((1, 3))),
                          (nn.BatchNorm(3), np.ones((1, 3, 2, 2)))):
        with pytest.raises(TypeError, match="backward takes the cache this layer's forward"):
            bad_layer.backward(None, dy)
    with pytest.raises(TypeError, match="ReLU.*got tuple"):
        nn.ReLU().backward(nn.SiLU().forward(np.ones(3))[1], np.ones(3))


def test_builders_and_optimisers_name_their_own_arguments():
    with pytest.raises(ValueError, match="n_classes must be an int >= 2, got 0"):
        nn.p4cnn(width=2, n_classes=0)
    with pytest.raises(TypeError, match="width must be a positive int, got 1.5"):
        nn.p4cnn(width=1.5)
    assert repr(nn.Dropout(np.float32(0.5))) == "Dropout(p=0.5)"
    x = np.random.default_rng(0).normal(size=(4, 1, 28, 28)).astype(np.float32)
    a, b = nn.p4cnn(width=2), nn.p4cnn(width=2)
    with pytest.raises(ValueError, match="optimizer updates other parameters"):
        nn.fit(a, x, np.arange(4), progress=False, optimizer=nn.Adam(b.params, lr=1e-2))
    params = {"w": np.ones(3, np.float32)}
    nn.SGD(params, lr=0.1).step({"w": np.ones(3)})
    assert params["w"].dtype == np.float32                         # not float64
    assert list(a.feature_maps(x[:1], at="ReLU[0]")) == ["ReLU[0]"]


def test_more_messages_name_the_operation_and_the_argument():
    from groupconv.feature_maps import L

    with pytest.raises(ValueError, match="parameter u must be finite"):
        SE2(8).element(u=10**400)
    with pytest.raises(TypeError, match="L_g: g must be an element of a lattice group"):
        L(SE2(8).element(r=1), FeatureMap(Z2, np.ones((1, 3, 3))))
    with pytest.raises(ValueError, match="^group_convolution: the sampled group"):
        groupconv.group_convolution(np.ones((1, 1, 8, 9, 9)), np.ones((1, 1, 8, 3, 3)), "se2_8")
    with pytest.raises(ValueError, match="lifting_correlation: input: .* of odd side .* 8 x 8"):
        groupconv.lifting_correlation(np.ones((1, 1, 8, 8)), np.ones((1, 1, 3, 3)), "p6")
    dask = pytest.importorskip("dask.array")
    x = dask.ones((2, 1, 9, 9), chunks=(1, 1, 9, 9))
    with pytest.raises(TypeError, match="method='literal' takes arrays in memory"):
        groupconv.lifting_correlation(x, np.ones((1, 1, 3, 3)), "p4", method="literal")
    with pytest.raises(TypeError, match="workspace must be a groupconv Workspace"):
        groupconv.lifting_correlation(x, np.ones((1, 1, 3, 3)), "p4", workspace="junk")
    from groupconv.groups import cayley_table
    with pytest.raises(TypeError, match=r"for Z\^3 x\| H use group.stabiliser"):
        cayley_table(groupconv.get_group("P432"))


# ------------------------------------------------------------------ a fourth review's reproducers
def test_conventions_are_recorded_for_the_registered_groups_only():
    from groupconv import interop
    from groupconv.groups import M, R, PointGroup, SemidirectProduct

    same_name = SemidirectProduct(PointGroup("D4", {"r": R, "m": M}), name="P4M")  # R^a M^b
    with pytest.raises(ValueError, match="not for this P4M"):
        interop.element_order("escnn", same_name)
    with pytest.raises(ValueError, match=r"weights on P4M must have shape \(C_out, C_in, 8"):
        interop.bank_from_weights(np.ones((3, 2, 4, 3, 3)), "escnn", "p4m", "correlation")


def test_reports_and_references_do_not_hide_or_coerce():
    from groupconv import conformance

    report = groupconv.check_equivariance(lambda a: np.stack([a] * 4, axis=2), "p4")
    assert report.max_error == 0.0
    report.errors["r"] = float("nan")            # a NaN error is the largest, not skipped
    assert np.isnan(report.max_error)
    x, w = np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3))
    for bad in (x * (1 + 5j), np.full((1, 1, 5, 5), "2")):
        with pytest.raises(TypeError, match="reference: x must be real numbers"):
            conformance.reference(bad, w, "p4", "lifting")
    with pytest.raises(TypeError, match="vjp: bias must be True or False"):
        conformance.vjp(x, w, np.ones((1, 1, 4, 3, 3)), "p4", "lifting", bias="no")
    with pytest.raises(ValueError, match="dilation 100000 spreads"):
        conformance.reference(x, w, "p4", "lifting", dilation=10**5)
    grads = conformance.vjp(np.ones((0, 1, 5, 5)), w, np.ones((0, 1, 4, 3, 3)), "p4",
                            "lifting")                       # an empty batch: zero gradients
    assert grads["dx"].shape == (0, 1, 5, 5) and not grads["dw"].any()


def test_conformance_sets_refuse_what_gives_no_case(tmp_path):
    from groupconv import conformance

    for ks, error, pattern in (([-1], ValueError, r"in 1\.\.15, got -1"),
                               ([10**4], ValueError, "got 10000"),
                               ("3", TypeError, "ks must be kernel sizes")):
        with pytest.raises(error, match=pattern):
            conformance.write(tmp_path, ["p4"], ks=ks)
    with pytest.raises(ValueError, match=r"no conformance case of the kinds .* with k in "
                                         r"\[2\] on P6: on the hexagonal lattice k is odd"):
        conformance.write(tmp_path, ["p6"], ks=[2])
    with pytest.raises(ValueError, match="no case to write: which is empty"):
        conformance.write(tmp_path, which=[])
    with pytest.raises(TypeError, match="which must be conformance Cases"):
        conformance.write(tmp_path, which=[1, 2])
    assert len(conformance.write(tmp_path, "p4", ks=[1])["cases"]) == 3   # one group by name
    scale = conformance.write(tmp_path / "scale", ["scale"], ks=[1])     # inputs fit 5 x 5
    assert len(scale["cases"]) == 2


def test_saving_and_loading_name_the_path(tmp_path):
    model = nn.p4cnn(width=1)
    with pytest.raises(ValueError, match="is a folder"):
        nn.save(model, tmp_path)
    with pytest.raises(TypeError, match="path must be a file path"):
        nn.save(model, None)
    with pytest.raises(ValueError, match="load: cannot read .*missing.npz"):
        nn.load(tmp_path / "missing.npz")
    nn.save(model, tmp_path / "noext")                 # NumPy writes noext.npz
    assert type(nn.load(tmp_path / "noext")) is nn.Sequential


def test_more_bounds_and_names():
    from groupconv import bench, hexagonal, images, labs
    from groupconv.checks.user_groups import check_group_law
    from groupconv.groups import ScaleTranslation, register

    with pytest.raises(ValueError, match=r"wires its weights through a \(16777216, 4096\)"):
        nn.GroupConv("se2(4096)", 1, 1, 3, rng=0)       # 64 GiB of wiring, refused at once
    with pytest.raises(ValueError, match="from_image: .* more than"):
        hexagonal.from_image(np.ones((20, 20)), 16383)
    with pytest.raises(ValueError, match="name 'se2\\(9\\)' is taken by another group"):
        register(ScaleTranslation(3.0), "se2(9)")
    with pytest.raises(ValueError, match="group must be a registered name"):
        groupconv.get_group("se2(" + "9" * 5000 + ")")
    with pytest.raises(TypeError, match="overwrite must be True or False"):
        labs.write("/nonexistent/never", overwrite="no")
    with pytest.raises(ValueError, match="without double quotes or backslashes"):
        labs.write("/nonexistent/never", install="pkg\\")
    with pytest.raises(TypeError, match="space must be a groupconv Space"):
        groupconv.transform(np.ones((1, 1, 3, 3)), P4.element(r=1), "p4")
    with pytest.raises(ValueError, match="input_space is Space.on_plane\\(P4M\\)"):
        groupconv.check_equivariance(lambda a: a, "p4",
                                     input_space=groupconv.Space.on_plane(groupconv.P4M))
    with pytest.raises(ValueError, match="x must be an input of ReLU"):
        groupconv.check_equivariance(nn.ReLU(), "p4", x=np.ones((1, 5, 5)))
    inverse = lambda a: P4.element(r=a[0], u=a[1], v=a[2]).inverse().params  # noqa: E731
    with pytest.raises(TypeError, match="product must return a tuple of 3 integers, got '0'"):
        check_group_law(lambda a, b: str((a[0] + b[0]) % 4), inverse, "p4")
    assert images.grace_hopper(np.int64(8)).shape == (8, 8)
    with pytest.raises(ValueError, match="repeats must be a positive int"):
        bench.median_time(lambda: None, 0)
    with pytest.raises(ValueError, match="repeats must be a positive int"):
        bench.interleaved_times({"a": lambda: None}, 0)
    calls: list[str] = []
    times = bench.interleaved_times({"a": lambda: calls.append("a"),
                                     "b": lambda: calls.append("b")}, 3)
    assert set(times) == {"a", "b"} and calls == ["a", "b"] * 4   # a warm-up, then in turn
    for bad in (-0.1, "0.2", True, 11):
        with pytest.raises(ValueError, match="pause must be a number of seconds in"):
            bench.interleaved_times({"a": lambda: None}, 1, pause=bad)
    calls.clear()
    rested = bench.interleaved_times({"a": lambda: calls.append("a"),
                                      "b": lambda: calls.append("b")}, 2, pause=0.01)
    # a warm-up, then in turn, each turn an untimed call and a timed one
    assert set(rested) == {"a", "b"} and calls == ["a", "b"] + ["a", "a", "b", "b"] * 2


# ------------------------------------------------------------------ a fifth review's reproducers
def test_gradient_checks_give_no_verdict_they_cannot_back():
    class Tripled(nn.BankConv):         # a backward three times too large, with a minus sign
        def backward(self, cache, dy, input_grad=True):
            dx, grads = super().backward(cache, dy, input_grad)
            return -3 * dx, {k: -3 * v for k, v in grads.items()}

    x = np.random.default_rng(0).standard_normal((2, 2, 4, 6, 6))
    bank = nn.GroupConv("p4", 2, 3, 3, rng=0).bank
    with pytest.raises(TypeError, match="parameters must be float64"):
        nn.check_gradients(Tripled(bank, 2, 3, 3, rng=0), x)          # float32: noise only
    wrong = Tripled(bank, 2, 3, 3, dtype=np.float64, rng=0)
    assert min(nn.check_gradients(wrong, x).values()) > 1.0
    with pytest.raises(ValueError, match="finite numbers"):
        nn.check_gradients(wrong, np.full_like(x, np.nan))
    with pytest.raises(ValueError, match="eps must be in"):
        nn.check_gradients(wrong, x, eps=1e-300)
    right = nn.GroupConv("p4", 2, 3, 3, dtype=np.float64, rng=0)
    right.params["weight"] = np.asfortranarray(right.params["weight"])
    for given in (np.asfortranarray(x), np.broadcast_to(x[:1], x.shape)):  # copies read
        assert max(nn.check_gradients(right, given).values()) < 1e-6
    with pytest.raises(ValueError, match="draws random numbers"):
        nn.check_gradients(nn.Sequential([right, nn.Dropout(0.5)]), x)


def _small_model():
    return nn.Sequential([nn.LiftingConv("p4", 1, 2, 3, rng=0), nn.ReLU(),
                          nn.SubgroupPool("max"), nn.GlobalPool("mean"), nn.Linear(2, 3, rng=0)])


_X = np.random.default_rng(0).standard_normal((6, 1, 7, 7)).astype(np.float32)
_Y = np.array([0, 1, 2, 0, 1, 2])


def test_training_reports_and_stops_honestly():
    model = _small_model()
    broken = _small_model()
    broken.params["0.weight"] = np.full_like(broken.params["0.weight"], np.nan)
    assert nn.accuracy(broken, _X, _Y) == 0.0          # NaN logits: argmax of NaN is no hit
    with pytest.raises(TypeError, match=r"callbacks\[0\] returned float"):
        nn.fit(model, _X, _Y, epochs=3, progress=False, callbacks=[lambda r, m: r["loss"]])


@pytest.mark.torch
def test_training_on_torch_keeps_to_its_data():
    torch = pytest.importorskip("torch")
    model = _small_model()
    with pytest.raises(TypeError, match="augment must return a batch in the array library"):
        nn.fit(model, _X, _Y, progress=False, augment=lambda b, rng: torch.from_numpy(b))
    data = torch.from_numpy(_X).requires_grad_(True)       # no graph grows across the steps
    nn.fit(model, data, torch.from_numpy(_Y), epochs=2, progress=False)
    assert model.params["0.weight"].grad_fn is None


def test_jax_traces_and_precision_are_kept_apart():
    jax = pytest.importorskip("jax")
    jnp = jax.numpy
    x = jnp.ones((1, 1, 5, 5), jnp.float32)
    layer = nn.LiftingConv("p4", 1, 2, 3, rng=0)
    with pytest.raises(TypeError, match="must already be JAX arrays"):
        jax.jit(layer)(x)
    layer.to(x)
    jax.jit(layer)(x)
    assert layer(x).shape == (1, 2, 4, 3, 3)                  # no tracer was stored
    if not jax.config.jax_enable_x64:
        wide = nn.LiftingConv("p4", 1, 2, 3, rng=0, dtype=np.float64)
        with pytest.raises(TypeError, match="jax_enable_x64 is off"):
            wide(x)
        assert wide.dtype == np.float64


def test_literal_sums_read_only_their_windows():
    """A NaN pixel reaches the outputs whose windows hold it, in the literal sums as in the
    fast path (it reached every output: 0 * NaN over the whole support)."""
    x = np.random.default_rng(0).standard_normal((1, 1, 13, 13))
    x[0, 0, 0, 0] = np.nan
    w = np.random.default_rng(1).standard_normal((1, 1, 3, 3))
    fast = groupconv.lifting_correlation(x, w, "p4")
    literal = groupconv.lifting_correlation(x, w, "p4", method="literal")
    assert np.array_equal(np.isnan(fast), np.isnan(literal)) and np.isnan(fast).sum() == 4
    np.testing.assert_allclose(literal, fast, atol=1e-12)


def test_check_equivariance_names_a_result_that_is_not_an_array():
    with pytest.raises(TypeError, match="fn returned NoneType, not an array"):
        groupconv.check_equivariance(lambda a: None, "p4")
    w = np.random.default_rng(0).standard_normal((3, 2, 3, 3, 3))
    with pytest.raises(ValueError, match=r"fn's output must have shape \(\.\.\., C, 4, D, H, "
                                         r"W\) \(output_space Space.on_group\(P222\)\), got "
                                         r"shape \(2, 3, 7, 7, 7, 4\)"):
        groupconv.check_equivariance(lambda a: np.moveaxis(groupconv.lifting_correlation(
            a, w, "p222", mode="same"), 2, -1), "p222", size=7)     # the point axis moved last


@pytest.mark.torch
def test_check_layer_keeps_to_the_library_of_x():
    torch = pytest.importorskip("torch")
    layer = lambda a, b: groupconv.lifting_correlation(a, b, "p4")    # noqa: E731
    x = torch.randn(2, 1, 9, 9, dtype=torch.float64)
    assert groupconv.check_layer(layer, "p4", "lifting", x=x).passed  # weights drawn alike
    with pytest.raises(TypeError, match="x and weights must be in one array library"):
        groupconv.check_layer(layer, "p4", "lifting", x=x.numpy(),
                              weights=torch.randn(3, 1, 3, 3, dtype=torch.float64))


def test_interpolated_transforms_compute_in_floating_point_and_keep_nan_in_place():
    h = SE2(8).element(r=1)                      # 45 degrees: bilinear interpolation
    ints = groupconv.transform(np.full((1, 3, 3), 200, np.uint8), h, interpolate=True)
    floats = groupconv.transform(np.full((1, 3, 3), 200.0), h, interpolate=True)
    assert np.allclose(ints, floats) and ints[0, 1, 1] == 200    # not cast to uint8 weights
    flags = groupconv.transform(np.ones((1, 5, 5), bool), h, interpolate=True)
    assert flags.max() <= 1 and np.allclose(flags, groupconv.transform(
        np.ones((1, 5, 5)), h, interpolate=True))
    x = np.zeros((1, 3, 3))
    x[0, 0, 0] = np.nan               # read by the pixels whose taps reach (0, 0) only
    y = groupconv.transform(x, h, interpolate=True)
    clean = groupconv.transform(np.where(np.isnan(x), 1.0, x), h, interpolate=True)
    assert np.array_equal(np.isnan(y), clean != 0)


def test_long_double_is_refused_not_rounded_to_float32():
    w = np.full((1, 1, 1), 0.1, np.longdouble)
    if np.finfo(np.longdouble).bits <= 64:      # (where long double is double, it is float64)
        pytest.skip("long double is float64 here")
    with pytest.raises(TypeError, match="cast it to float64"):
        groupconv.lifting_correlation(np.ones((1, 1, 5)), w, "z1")


def test_small_arguments_are_checked():
    from groupconv.fast import bank_index_map

    with pytest.raises(ValueError, match="k must be a positive int"):
        P4.kernel_size(-3)
    with pytest.raises(TypeError, match="k must be a positive int"):
        ScaleTranslation().kernel_size(2.5)
    with pytest.raises(ValueError, match=r"the points g x \(P4\) must lie in -2\^40"):
        P4.element(u=2**40).act([2**40, 0])
    with pytest.raises(ValueError, match="more than 268,435,456"):
        bank_index_map("p4", 2**21, "lifting")            # refused before it is drawn
    with pytest.raises(ValueError, match=r"points must have shape \(\.\.\., 2\)"):
        FeatureMap(Z2, np.ones((1, 2, 2))).covers(np.array([0, 0, 0]))
    with pytest.raises(ValueError, match="a box of .* pixels is larger"):
        groupconv.literal.lifting_correlation(
            FeatureMap(Z2, np.ones((1, 2, 2))), FeatureMap(Z2, np.ones((1, 1, 1)),
                                                           origin=(2**20, 0)), P4)
    f = FeatureMap(Z2, np.ones((1, 2, 2)))
    assert relative_error(f, f, scale=np.int64(2)) == 0.0        # NumPy numbers are numbers
    with pytest.raises(TypeError, match="space must be a Space"):
        groupconv.fast.action.project(np.ones((1, 1, 4, 3, 3)), "p4")
    with pytest.raises(ValueError, match="permutation of 0..3"):
        groupconv.interop.element_order([True, False, 2, 3], "p4")
    layer = nn.LiftingConv("p4", 1, 1, 3, rng=0)
    y, cache = layer.forward(np.ones((1, 1, 5, 5), np.float32))
    with pytest.raises(TypeError, match="input_grad"):
        layer.backward(cache, np.ones_like(y), input_grad=1)
    with pytest.raises(TypeError, match="progress must be a function"):
        groupconv.viz.save_all("unused", only="p4_filter", progress=3)


def test_the_figures_dpi_states_one_range(capsys):
    from groupconv import cli

    for text in ("0", "5", "601"):
        with pytest.raises(SystemExit):
            cli.main(["figures", "--dpi", text])
        assert "expected an integer in 10..600" in capsys.readouterr().err


def test_literal_sums_of_half_precision_maps_run_in_float32():
    from groupconv import literal

    f = FeatureMap(Z2, np.full((1, 1, 1), 300, np.float16))
    value = literal.planar_correlation(f, f).on_box(((0, 0), (0, 0)))
    assert value.dtype == np.float32 and float(value.ravel()[0]) == 90000.0


def test_big_endian_floats_keep_their_precision():
    """A big-endian float64 array (FITS files, some .npy) is float64: it was read as 'another
    float' and computed in float32 (an error of 4e-6)."""
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(2, 3, 10, 10)), rng.normal(size=(4, 3, 3, 3))
    expected = groupconv.lifting_correlation(x, w, "p4")
    for x_order, w_order in ((">f8", ">f8"), (">f8", "<f8")):
        got = groupconv.lifting_correlation(x.astype(x_order), w.astype(w_order), "p4")
        assert got.dtype == np.float64 and np.array_equal(got, expected)
    literal = groupconv.lifting_correlation(x.astype(">f8"), w.astype(">f8"), "p4",
                                            method="literal")
    assert literal.dtype == np.float64
    assert np.allclose(literal, expected, rtol=0, atol=1e-12)     # float64 sums of 27 products


@pytest.mark.parametrize("call, hint", [
    (lambda: groupconv.lifting_correlation(np.zeros((2, 1, 9, 9, 9)), np.zeros((4, 1, 3, 3, 3)),
                                           "p4"),
     r"read as lifting weights with 3D filters, but P4 acts on Z\^2"),
    (lambda: groupconv.group_correlation(np.zeros((2, 4, 4, 9, 9)), np.zeros((5, 4, 4, 3, 3)),
                                         "P432"),
     r"read as group weights with 2D filters, but P432 acts on Z\^3"),
    (lambda: groupconv.lifting_correlation(np.zeros((2, 1, 4, 9, 9)),
                                           np.zeros((4, 1, 4, 3, 3)), "p4"),
     "look like group-correlation weights: use group_correlation"),
    (lambda: groupconv.group_correlation(np.zeros((2, 1, 4, 9, 9)), np.zeros((4, 1, 3, 3)), "p4"),
     "look like lifting weights: use lifting_correlation"),
    (lambda: nn.p4cnn(width=2)(np.zeros((3, 28, 28), np.float32)),
     r"no channel axis\? x\[:, None\] adds it"),
    (lambda: nn.p4cnn(width=2)(np.zeros((1, 28, 28), np.float32)), r"one example\?"),
    (lambda: nn.LiftingConv("P432", 3, 2, 3, rng=0)(np.zeros((2, 3, 10, 10))),
     r"with 2 spatial axes, but P432 acts on Z\^3"),
    # from a 3D author's review: data on the plane given to a layer on the group, and a 2D
    # image of one channel to a 3D network, were both told "one example?" only
    (lambda: nn.GroupConv("P432", 2, 2, 3)(np.zeros((2, 2, 7, 7, 7))),
     r"data on the plane\? .* without the point axis of 24 samples"),
    (lambda: nn.voxel_gcnn("P432", 2, rng=0)(np.zeros((1, 1, 9, 9))),
     r"one example\? a batch of one is x\[None\]; or 2D arrays\? .* P432 acts on Z\^3"),
    (lambda: nn.SpatialPool(2).bind(groupconv.Space.on_group(groupconv.get_group("P432")))(
        np.zeros((2, 2, 24, 8, 8))), r"\(2D arrays\? it reads as \(B, C, S, \.\.\.\) with 2"),
])
def test_a_wrong_number_of_axes_gets_the_hint_that_fits(call, hint):
    with pytest.raises(ValueError, match=hint):
        call()


def test_other_names_of_groups_point_to_ours():
    for name, pointer in (("octahedral", "'O' (P432)"), ("Cube", "'Oh' (Pm-3m)"),
                          ("D4", "'P422'"), ("se(2)", "'SE2(8)'")):
        with pytest.raises(ValueError, match=re.escape(pointer)):
            groupconv.get_group(name)


def test_check_layer_names_the_call_it_makes():
    with pytest.raises(TypeError, match=r"check_layer calls fn\(x, weights\).*fn takes \(x\)"):
        groupconv.check_layer(lambda x: x, "p4", "lifting")


def test_a_progress_bar_asked_for_without_tqdm_is_refused(monkeypatch):
    import importlib.util
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "tqdm" else real(name, *a))
    x = np.zeros((2, 1, 28, 28), np.float32)
    with pytest.raises(ValueError, match="progress=True shows tqdm's bar, and tqdm is not"):
        nn.fit(nn.p4cnn(width=1), x, np.array([0, 1]), progress=True)


def test_se2_refuses_a_kernel_its_disk_leaves_empty():
    """The disk of radius (k - 1) / 2 holds none of a 2 x 2 kernel's pixels: a layer of zeros,
    silently, before; without the disk the kernel is whole."""
    x, w = np.ones((1, 1, 6, 6)), np.ones((1, 1, 2, 2))
    with pytest.raises(ValueError, match=r"holds none of a 2 x 2 kernel's pixels.*k = 1 or "
                                         r"k >= 3, or SE2\(8, disk=False\)"):
        groupconv.lifting_correlation(x, w, "SE2(8)")
    assert np.abs(groupconv.lifting_correlation(x, w, SE2(8, disk=False))).max() > 0
    assert np.abs(groupconv.lifting_correlation(x, np.ones((1, 1, 3, 3)), "SE2(8)")).max() > 0


def _clockwise_lifting(x, w):
    """A wrong p4 lifting layer: its kernels turn clockwise."""
    return np.stack([groupconv.lifting_correlation(x, np.rot90(w, -r, axes=(-2, -1)), "z2")[:, :, 0]
                     for r in range(4)], axis=2)


def test_checks_refuse_inputs_that_could_show_nothing():
    """An empty batch, all-zero weights or input, NaN: every layer, right or wrong, passed."""
    assert not groupconv.check_layer(_clockwise_lifting, "p4", "lifting").passed
    for kwargs, message in (({"x": np.zeros((0, 2, 9, 9))}, r"x holds no values \(shape"),
                            ({"x": np.zeros((2, 2, 9, 9))}, "x is all zeros"),
                            ({"weights": np.zeros((3, 2, 3, 3))}, "weights is all zeros"),
                            ({"x": np.full((2, 2, 9, 9), np.nan)}, "x must hold finite")):
        with pytest.raises(ValueError, match="check_layer: " + message):
            groupconv.check_layer(_clockwise_lifting, "p4", "lifting", **kwargs)
    with pytest.raises(ValueError, match=r"check_equivariance: x holds no values"):
        groupconv.check_equivariance(lambda x: x, "p4", input_space="plane",
                                     output_space="plane", x=np.zeros((0, 1, 7, 7)))
    with pytest.raises(ValueError, match=r"check_gradients: x holds no values"):
        nn.check_gradients(nn.LiftingConv("p4", 1, 1, 3, dtype=np.float64), np.zeros((0, 1, 5, 5)))


def test_batch_norm_refuses_non_finite_training_batches_and_keeps_its_statistics():
    bn = nn.BatchNorm(2)
    x = np.random.default_rng(0).standard_normal((4, 2, 3, 3)).astype(np.float32)
    bn.forward(x, training=True)
    mean, var = bn.running_mean.copy(), bn.running_var.copy()
    x[0, 1, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"BatchNorm\(2\) in training mode: x holds NaN"):
        bn.forward(x, training=True)
    assert np.array_equal(bn.running_mean, mean) and np.array_equal(bn.running_var, var)


@pytest.mark.torch
def test_backward_names_a_dy_from_another_library():
    torch = pytest.importorskip("torch")
    layer = nn.LiftingConv("p4", 2, 3, 3, mode="same", rng=0, dtype=np.float64)
    y, cache = layer.forward(torch.randn(2, 2, 7, 7, dtype=torch.float64), training=True)
    with pytest.raises(TypeError, match=r"dy must be in the array library of the forward pass "
                                        r"\(torch\), got numpy.ndarray"):
        layer.backward(cache, np.ones(tuple(y.shape)))
    with pytest.raises(TypeError, match="saved is None: pass what forward returned"):
        layer.backward(None, y)


def test_names_lists_and_wrong_kinds_are_read_or_named():
    """From a review of bad inputs: what came through raw, or was refused while its
    neighbours accept it."""
    from groupconv.groups import Space, lattice_of
    from groupconv.interop import to_numpy
    assert lattice_of("p6") == "hexagonal" and lattice_of("P432") == "cubic"
    with pytest.raises(TypeError, match="lattice_of: group must be a group or a group's name"):
        lattice_of(None)
    for bad in (None, "abc"):
        with pytest.raises(TypeError, match="to_numpy: a must be an array"):
            to_numpy(bad)
    x = np.arange(25.0).reshape(1, 1, 5, 5)
    r = P4.element(r=1)
    assert np.array_equal(groupconv.transform(x.tolist(), r), groupconv.transform(x, r))
    with pytest.raises(ValueError, match=r"transform: x must have shape \(\.\.\., C, H, W\)"):
        groupconv.transform(np.ones((5, 5)), r)
    with pytest.raises(TypeError, match="transform: h must be a group element"):
        groupconv.transform(x, 1)
    planes = np.ones((1, 2, 4, 3, 3)).tolist()
    from groupconv.fast import project
    assert np.array_equal(project(planes, Space.on_group(P4)), np.ones((1, 2, 3, 3)))
    with pytest.raises(TypeError, match=r"Sequential takes a list of Layers, got ReLU: "
                                        r"Sequential\(\[ReLU"):
        nn.Sequential(nn.ReLU())
    with pytest.raises(TypeError, match="Sequential takes a list of Layers, got NoneType"):
        nn.Sequential(None)
    with pytest.raises(ValueError, match="channels is 3, but .* takes 2 input channels"):
        groupconv.check_equivariance(nn.LiftingConv("p4", 2, 2, 3, rng=0), channels=3)
    with pytest.raises(ValueError, match="group-correlation weights: use kind='correlation'"):
        groupconv.filter_bank(np.ones((3, 2, 4, 3, 3)), "p4", "lifting")
    with pytest.raises(ValueError, match=r"data on the plane\? it reads as \(B, C, \*spatial\)"):
        nn.SubgroupPool("max", space=Space.on_group(SE2(8)))(np.ones((2, 3, 8, 8)))


def test_large_finite_values_and_sizes_are_answered_or_refused_up_front():
    """(Found by a review: a scale of 1e155 or a radius of 1e200 overflowed when squared, a
    hexagon mask of side 16383 took 10 GiB of int64 grids, cell_centres 12 GiB, an
    ElementArray indexed by a string raised IndexError.)"""
    from groupconv import C4
    from groupconv.fast import interpolation
    from groupconv.groups import hexagon_mask
    from groupconv.hexagonal import MAX_VALUES, cell_centres

    image = np.arange(9.0).reshape(3, 3)
    assert np.array_equal(interpolation.scale_image(image, 1e155), np.full((3, 3), 4.0))
    assert interpolation.disk(5, 1e200).all() and interpolation.disk(5, 1.0).sum() == 5
    with pytest.raises(ValueError, match="matrix must be finite and invertible"):
        interpolation.transform_image(image, [[1e155, 1e155], [1e155, 1e155]])
    for n in (1, 3, 5, 9):             # the hexagon max(|u|, |v|, |u + v|) <= r, from bools
        r = n // 2
        u, v = np.meshgrid(np.arange(-r, r + 1), np.arange(-r, r + 1), indexing="ij")
        assert np.array_equal(hexagon_mask(n),
                              np.maximum(np.maximum(abs(u), abs(v)), abs(u + v)) <= r)
    side = int(np.sqrt(MAX_VALUES / 2)) + 1
    with pytest.raises(ValueError, match=r"cell_centres: size \d+ gives [\d,]+ coordinates, "
                                         r"more than"):
        cell_centres(side + 1 - side % 2)
    for index in ("a", 1.5, np.float64(1.0)):
        with pytest.raises(TypeError, match="an ElementArray is indexed by ints"):
            C4.elements()[index]


def test_a_parameter_is_replaced_only_by_an_array_of_its_shape_and_dtype(tmp_path):
    """params[name] = new was taken as it came: a 5x5 kernel in a k = 3 layer was used as it
    was (a 5x5 output from a 9x9 input) and saved under a config that load then refused."""
    net = nn.Sequential([nn.LiftingConv("p4", 1, 2, 3, rng=0), nn.ReLU()])
    layer = net.layers[0]
    for params, name in ((net.params, "0.weight"), (layer.params, "weight")):
        with pytest.raises(ValueError, match=re.escape(
                f"params[{name!r}] must be an array of shape (2, 1, 3, 3) and dtype float32 (the "
                f"layer's architecture and dtype: build a new layer for others), got shape "
                f"(2, 1, 5, 5) and dtype float32")):
            params[name] = np.ones((2, 1, 5, 5), np.float32)
        with pytest.raises(ValueError, match="got shape \\(2, 1, 3, 3\\) and dtype float64"):
            params[name] = np.ones((2, 1, 3, 3))
        with pytest.raises(TypeError, match="must be an array of shape .* got list"):
            params[name] = np.ones((2, 1, 3, 3), np.float32).tolist()
        with pytest.raises(TypeError, match="cannot be removed"):
            del params[name]
    # a name the constructor did not make (a bias on a layer built without one, a typo), or
    # the whole mapping replaced: refused the same way (from a review of the first version)
    bare = nn.LiftingConv("p4", 1, 2, 3, bias=False, rng=0)
    for name in ("bias", "wieght"):
        with pytest.raises(ValueError, match=f"has no parameter {name!r} \\(its parameters: "
                                             f"weight\\): its parameters are fixed"):
            bare.params[name] = np.zeros(2, np.float32)
    with pytest.raises(ValueError, match=r"params\['weight'\] must be an array of shape "
                                         r"\(2, 1, 3, 3\)"):
        bare.params = {"weight": np.zeros((2, 1, 5, 5), np.float32)}
    with pytest.raises(ValueError, match=r"params must keep the names \['weight'\]"):
        bare.params = {"weight": np.zeros((2, 1, 3, 3), np.float32), "bias": np.zeros(2)}
    conv = nn.LiftingConv("p4", 1, 2, 3, rng=0)
    before = conv.params["bias"]
    with pytest.raises(ValueError, match=r"params\['weight'\] must be"):   # none changed
        conv.params = {"bias": np.ones(2, np.float32), "weight": np.zeros((2, 1, 5, 5))}
    assert conv.params["bias"] is before
    bare.params = {"weight": np.ones((2, 1, 3, 3), np.float32)}      # the same names: checked
    assert bare.params["weight"].sum() == 18 and bare.config()["bias"] is False

    class Scaled(nn.Layer):            # a user's layer: names added by its own code, any time
        def __init__(self):
            super().__init__()
            self.params = {"scale": np.ones(1)}

    scaled = Scaled()
    scaled.params["shift"] = np.zeros(1)
    assert sorted(scaled.params) == ["scale", "shift"]
    with pytest.raises(ValueError, match="must be an array of shape \\(1,\\)"):
        scaled.params["scale"] = np.ones(2)
    assert net(np.ones((1, 1, 9, 9), np.float32)).shape == (1, 2, 4, 7, 7)
    new = np.full((2, 1, 3, 3), 0.5, np.float32)
    net.params["0.weight"] = new                     # as the optimisers do
    assert layer.params["weight"] is new
    nn.save(net, tmp_path / "net.npz")
    assert np.array_equal(nn.load(tmp_path / "net.npz").params["0.weight"], new)


def test_size_errors_name_what_the_user_gave():
    """A small even input is too small (it was said to be odd); a sampled group's kernel size
    is the k given, spread by the group; a point axis of the wrong length is named as such;
    the hexagonal helpers name their own argument."""
    from groupconv import hexagonal
    for n in (2, 4, 6, 26):
        with pytest.raises(ValueError, match=f"input size {n} is too small for 7 layers"):
            nn.network_sizes(n)
    with pytest.raises(ValueError, match="exact only when .* got n = 29"):
        nn.network_sizes(29)
    rng = np.random.default_rng(0)
    with pytest.raises(ValueError, match=r"needs an input of at least 11x11 pixels, got 9x9 "
                                         r"\(Scale\(2, n=3, m=2\) spreads the k = 2 kernel over "
                                         r"11 pixels a side"):
        groupconv.lifting_correlation(rng.standard_normal((1, 3, 9, 9)),
                                      rng.standard_normal((4, 3, 2, 2)), "scale")
    with pytest.raises(ValueError, match=r"the point axis has 3 entries: Scale\(2, n=3, m=2\)'s "
                                         r"filters on the group have 2\)"):
        groupconv.group_correlation(rng.standard_normal((1, 3, 3, 9, 9)),
                                    rng.standard_normal((4, 3, 3, 3, 3)), "scale")
    with pytest.raises(ValueError, match=r"^to_image: values \(\.\.\., n, n\): n must be an odd"):
        hexagonal.to_image(np.ones((8, 8)), 20)
    with pytest.raises(ValueError, match="^from_image: size must be an odd int"):
        hexagonal.from_image(np.ones((20, 20)), 8)


def test_physical_memory_is_a_containers_limit_where_one_is_set(tmp_path, monkeypatch):
    """The output-size checks compare with the memory this process may use: in a container,
    its cgroup limit, not the host's memory (from a review: they could never fire there)."""
    from groupconv.fast import backend

    host = backend.physical_memory()
    if host is None:
        pytest.skip("the system does not say how much memory it has")
    limit, unlimited = tmp_path / "memory.max", tmp_path / "unlimited"
    limit.write_text("1073741824\n")
    unlimited.write_text("max\n")
    monkeypatch.setattr(backend, "_CGROUP_LIMITS", (str(unlimited), str(tmp_path / "absent")))
    assert backend.physical_memory() == host
    monkeypatch.setattr(backend, "_CGROUP_LIMITS", (str(limit),))
    assert backend.physical_memory() == min(host, 2**30)


def test_the_memory_is_not_asked_for_small_outputs(monkeypatch):
    """Reading a container's limit costs a file read (30 us): every forward of a small layer
    paid it, and verify's gradient checks took a third longer; outputs of at most 64 MiB fit
    any machine that runs NumPy."""
    from groupconv.fast import correlate

    def asked():
        raise AssertionError("physical_memory read for a small output")

    monkeypatch.setattr(correlate, "physical_memory", asked)
    x = np.ones((2, 1, 9, 9))
    assert groupconv.lifting_correlation(x, np.ones((2, 1, 3, 3)), "p4").shape == (2, 2, 4, 7, 7)
    with pytest.raises(AssertionError, match="read for a small output"):   # a large one asks
        groupconv.lifting_correlation(np.ones((1, 1, 1100, 1100)), np.ones((8, 1, 3, 3)), "p4")


def test_torch_names_are_answered_with_groupconvs():
    """From a newcomer's first hour: padding=, in_channels= and net.train() gave Python's bare
    "unexpected keyword argument" and "no attribute"; each now says what to give instead."""
    x, w = np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 3, 3))
    with pytest.raises(TypeError, match=r"lifting_correlation\(\) got an unexpected keyword "
                                        r"argument 'padding' \(torch's name\): groupconv's is "
                                        r"mode"):
        groupconv.lifting_correlation(x, w, "p4", padding=1)
    with pytest.raises(TypeError, match=r"'stride' \(torch's name\): groupconv's correlations "
                                        r"have no stride"):
        groupconv.group_correlation(np.zeros((1, 1, 4, 5, 5)), np.zeros((1, 1, 4, 3, 3)), "p4",
                                    stride=2)
    with pytest.raises(TypeError, match=r"LiftingConv\(\) .* 'in_channels' .* groupconv's is "
                                        r"c_in"):
        nn.LiftingConv("p4", in_channels=1, out_channels=2, kernel_size=3)
    with pytest.raises(TypeError, match=r"GroupConv\(\) .* 'kernel_size' .* groupconv's is k"):
        nn.GroupConv("p4", 1, 2, kernel_size=3)
    with pytest.raises(TypeError, match="unexpected keyword argument 'foo'"):
        nn.GroupConv("p4", 1, 2, 3, foo=1)          # any other name: Python's own error
    net = nn.p4cnn(width=2)
    with pytest.raises(AttributeError, match=r"Sequential has no attribute 'train' \(torch's "
                                             r"train\(\): .*forward\(x, training=True\)"):
        net.train()
    with pytest.raises(AttributeError, match=r"'state_dict' \(torch's state_dict\(\): "
                                             r"nn.save"):
        nn.ReLU().state_dict()
    with pytest.raises(AttributeError, match=r"'ReLU' object has no attribute 'weights'$"):
        nn.ReLU().weights

    class Misspelt(nn.ReLU):          # a property whose getter fails names its own miss
        @property
        def thing(self):
            return self.misspelt

    with pytest.raises(AttributeError, match="'misspelt'"):
        Misspelt().thing
    assert not hasattr(net, "parameters") and getattr(net, "eval", None) is None
