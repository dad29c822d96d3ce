"""Every reproducer of the hardening issue: each refuses with a ValueError or TypeError that
names what was expected and what came, or answers exactly."""

import numpy as np
import pytest

import groupconv
from groupconv import P4, SE2, Z2, PointGroup, ScaleTranslation, nn
from groupconv.feature_maps import FeatureMap, box_of, relative_error


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
    with pytest.raises(ValueError, match="SpatialPool size must be a positive int, got -3"):
        nn.SpatialPool(-3)


def test_engine_options_are_checked():
    x, w = np.ones((1, 1, 5, 5)), np.ones((1, 1, 3, 3))
    with pytest.raises(TypeError, match="workspace must be a groupconv Workspace"):
        groupconv.lifting_correlation(x, w, "p4", workspace={})
    with pytest.raises(TypeError, match="max_workspace must be a positive int"):
        groupconv.lifting_correlation(x, w, "p4", max_workspace=float("inf"))


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
    net = nn.p4cnn(width=4)
    with pytest.raises(ValueError, match=rf"layer 6, SpatialPool.*got {size - 4}x{size - 4}"):
        net(np.zeros((1, 1, size, size), np.float32))


def test_errors_inside_a_network_name_the_layer():
    with pytest.raises(ValueError, match=r"layer 19, BankConv\(LatticeBank\(P4, correlation\).*"
                                         r"needs an input of at least 4x4 pixels, got 3x3"):
        nn.p4cnn(width=4)(np.zeros((1, 1, 26, 26), np.float32))


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
