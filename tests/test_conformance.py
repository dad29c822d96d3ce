"""Conformance with GrouPy (tests/data/reference.npz, computed by the paper's implementation):
group laws are in test_groups.py; here the filter banks, GrouPy's raw index arrays and the
layer outputs. Integers equal; floats to float64 rounding (1e-12 relative: the same products
summed in another order)."""

import pathlib

import numpy as np
import pytest

from groupconv import P4, P4M, conformance, filter_bank, group_correlation, lifting_correlation
from groupconv.fast.banks import bank_index_map

REF = np.load(pathlib.Path(__file__).parent / "data" / "reference.npz", allow_pickle=False)
GROUPS = {"p4": P4, "p4m": P4M}


@pytest.mark.parametrize("name", ["p4", "p4m"])
@pytest.mark.parametrize("k", [3, 5])
def test_lifting_banks(name, k):
    psi = REF[f"a_z2_filter_k{k}"]
    bank = filter_bank(psi[None, None], GROUPS[name])
    assert bank.shape == (1, GROUPS[name].stabiliser.order, 1, 1, k, k)
    assert np.array_equal(bank[0, :, 0, 0], REF[f"a_{name}_lift_bank_k{k}"])


def test_even_lifting_bank():
    bank = filter_bank(REF["a_z2_filter_k4_even"][None, None], P4)
    assert np.array_equal(bank[0, :, 0, 0], REF["a_p4_lift_bank_k4_even"])


@pytest.mark.parametrize("key,group", [("p4_p4_bank_k3", P4), ("p4m_p4m_bank_k3", P4M),
                                       ("p4_p4_bank_k4_even", P4)])
def test_group_banks(key, group):
    filt = REF["b_" + key.split("_")[0] + "_filter_k" + key.split("_k")[1]]
    bank = filter_bank(filt[None, None], group)
    assert np.array_equal(bank[0, :, 0], REF["b_" + key])


@pytest.mark.parametrize("key,group,kind", [
    ("d_idx_c4_z2_k3", P4, "lifting"), ("d_idx_c4_p4_k3", P4, "correlation"),
    ("d_idx_d4_z2_k3", P4M, "lifting"), ("d_idx_d4_p4m_k3", P4M, "correlation")])
def test_groupy_index_arrays(key, group, kind):
    assert np.array_equal(bank_index_map(group, 3, kind), REF[key])


@pytest.mark.parametrize("name", ["p4", "p4m"])
@pytest.mark.parametrize("method", ["fast", "literal"])
def test_layer_outputs(name, method):
    group = GROUPS[name]
    lifted = lifting_correlation(REF["c_lift_input"], REF[f"c_{name}_lift_weight"][:, :, 0],
                                 group, method=method)
    expected = REF[f"c_{name}_lift_output"]
    assert np.allclose(lifted, expected, rtol=0, atol=1e-12 * np.abs(expected).max())
    out = group_correlation(REF[f"c_{name}_group_input"], REF[f"c_{name}_group_weight"], group,
                            method=method)
    expected = REF[f"c_{name}_group_output"]
    assert np.allclose(out, expected, rtol=0, atol=1e-12 * np.abs(expected).max())


def test_a_batch_norm_case_has_one_statistic_per_channel_and_no_negative_variance():
    """(A fuzz: load took a hand-edited running_mean of shape (3, 4) and a negative
    running_var.)"""
    case = next(c for c in conformance.load(groups=["p4"], kinds=["batchnorm"])
                if not c.options["training"])
    for key, value, said in (("running_mean", np.zeros((3, 4)), r"'running_mean' must have one "
                              r"value per channel of x, shape \(3,\), got \(3, 4\)"),
                             ("running_var", -np.ones(3), "negative values"),
                             ("gamma", np.ones(2), r"'gamma' must have one value per channel"),
                             ("dgamma", np.ones((3, 4)), r"'dgamma' must have the shape of "
                              r"'gamma', \(3,\)"),
                             ("dx", np.ones((2, 3)), r"'dx' must have the shape of 'x'")):
        with pytest.raises(ValueError, match=said):
            conformance.Case(case.id, case.group, case.kind, 0, 0,
                             {**case.arrays, key: value}, options=case.options,
                             tolerance=case.tolerance)
