"""The fast path on other array libraries: array-api-strict (proves that only the standard is
used), PyTorch (when installed) and CuPy on a GPU (skipped cleanly where there is none)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groupconv import P4, P4M, Z2, filter_bank
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
    assert np.array_equal(np.asarray(transform(xps.asarray(x), h, on_group=True)),
                          transform(x, h, on_group=True))
    lit = group_correlation(xps.asarray(x), xps.asarray(w), P4M, method="literal")
    assert type(lit) is type(xps.asarray(x))
    assert np.allclose(np.asarray(lit), group_correlation(x, w, P4M), rtol=0, atol=1e-12 * 50)


# ---------------------------------------------------------------------- torch
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
