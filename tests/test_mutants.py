"""Checks that a mutation test found missing: each fails on one planted mistake that the rest
of the suite and ``groupconv verify`` let through (the mistake named in each docstring)."""

import numpy as np
import pytest

import groupconv
from groupconv import P4M, ScaleTranslation, nn
from groupconv.fast.banks import bank_for
from groupconv.nn.gradcheck import check_gradients


def test_the_scale_group_with_three_scales_of_extent_agrees_with_its_literal_sum():
    """(A wiring t - i accepted only below m - 1 when m > 2.) Every other comparison used a
    scale extent of 2."""
    group = ScaleTranslation(2.0, n_scales=3, scale_extent=3)
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((1, 1, 3, 8, 8)), rng.standard_normal((1, 1, 3, 3, 3))
    fast = groupconv.group_correlation(x, w, group, mode="same")
    literal = groupconv.group_correlation(x, w, group, mode="same", method="literal")
    assert np.abs(fast - literal).max() <= 1e-12 * np.abs(literal).max()
    wiring = bank_for(ScaleTranslation(2.0, n_scales=3, scale_extent=2),
                      "correlation").wiring()     # (j <= J accepted: an entry for scale 2)
    assert wiring.tolist() == [[0, 1, -1], [-1, 0, 1], [-1, -1, 0]]


def test_batch_norm_gradients_in_evaluation_mode_with_running_statistics():
    """(x-hat without the running mean in the backward pass.) Frozen statistics, as when
    fine-tuning, with a running mean and variance far from 0 and 1; and training mode with a
    batch of 6 (a dbeta zeroed from batch 5 on)."""
    bn = nn.BatchNorm(2, dtype=np.float64)
    bn.running_mean = np.array([3.0, -1.5])
    bn.running_var = np.array([0.5, 4.0])
    bn.params["gamma"][:] = [1.5, -0.7]
    bn.params["beta"][:] = [0.2, 0.3]
    x = np.random.default_rng(1).standard_normal((6, 2, 4, 3, 3))
    for training in (False, True):
        errors = check_gradients(bn, x, training=training)
        assert max(errors.values()) < 1e-6, (training, errors)


def test_sgd_weight_decay_pulls_weights_towards_zero():
    """(The decay's sign flipped.)"""
    p = {"w": np.ones(1)}
    nn.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.5).step({"w": np.zeros(1)})
    assert p["w"].tolist() == [pytest.approx(0.95)]


def test_adam_steps_every_parameter_as_the_first():
    """(The step count advanced once per parameter.) On the first step every parameter moves
    by lr against its gradient's sign, whatever its gradient's size."""
    params = {"a": np.zeros(2), "b": np.zeros(3)}
    nn.Adam(params, lr=0.1).step({"a": np.array([1.0, -2.0]), "b": np.array([0.5, 3.0, -1.0])})
    assert np.allclose(params["a"], [-0.1, 0.1]) and np.allclose(params["b"], [-0.1, -0.1, 0.1])


def test_he_initialisation_counts_the_input_point_axis():
    """(The fan-in without S_in.) Weights of a p4m group layer: variance 2 / (C_in S_in k^2)."""
    layer = nn.GroupConv("p4m", 16, 16, 3, rng=0, dtype=np.float64)
    expected = 2 / (16 * 8 * 9)
    assert abs(layer.params["weight"].var() / expected - 1) < 0.1


def test_a_saved_layer_keeps_its_workspace_bound(tmp_path):
    """(max_workspace left out of the architecture.)"""
    net = nn.Sequential([nn.LiftingConv("p4", 1, 2, 3, max_workspace=12345, rng=0)])
    nn.save(net, tmp_path / "net.npz")
    assert nn.load(tmp_path / "net.npz").layers[0].max_workspace == 12345


def test_point_indices_and_coordinates_at_the_edges_of_their_range():
    """(Index S accepted by from_parts, wrapping to the identity; 2^40 + 1 accepted.)"""
    with pytest.raises(ValueError, match="point ind"):
        P4M.from_parts(8, [0, 0])
    assert P4M.from_parts(7, [0, 0])[()].params[:2] == (1, 3)
    assert P4M.array(u=[2**40]).shape == (1,)
    with pytest.raises(ValueError, match=r"-2\^40\.\.2\^40"):
        P4M.array(u=[2**40 + 1])
