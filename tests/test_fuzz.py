"""The public API under a hostile fuzz (tests/fuzz.py: one entry per public function): only
ValueError or TypeError for bad input, no answer where a refusal is due, no NaN from finite
input, sizes refused before allocating, dy checked by every backward, no hang. Bounded in
time: the fast targets under hypothesis, the slow ones (networks, figures) a few times each."""

import importlib
import inspect
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fuzz
from fuzz import TARGETS, call

FAST = [i for i in range(len(TARGETS)) if fuzz.weight(i) == 1.0]
SLOW = [i for i in range(len(TARGETS)) if fuzz.weight(i) < 1.0]


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(target=st.sampled_from(FAST), seed=st.integers(0, 2**32 - 1))
def test_the_public_api_refuses_bad_input_clearly(target, seed):
    outcome, detail = call(target, np.random.default_rng(seed), seconds=10.0)
    assert outcome in ("answered", "refused"), f"{outcome}: {detail}"


@pytest.mark.parametrize("target", SLOW, ids=[TARGETS[i][0] for i in SLOW])
def test_the_slow_public_functions_refuse_bad_input_clearly(target):
    for seed in range(3):
        outcome, detail = call(target, np.random.default_rng([target, seed]), seconds=30.0)
        assert outcome in ("answered", "refused"), f"{outcome}: {detail}"


#: Public callables the fuzz leaves out, and why.
EXEMPT = {
    "Group": "abstract", "AffineGroup": "abstract", "Bank": "abstract", "Layer": "abstract",
    "Element": "made by a group's element()", "ElementArray": "made by a group's array()",
    "Parameters": "made by a Sequential", "CayleyTable": "made by cayley_table",
    "LayerParameters": "made by a layer (test_hardening: what it takes and refuses)",
    "Workspace": "no arguments", "release_memory": "no arguments", "registered": "no arguments",
    "p4_filter": "no arguments", "p4m_filter": "no arguments", "cayley_p4m": "no arguments",
    "wallpaper_gallery": "no arguments",
    "output_size": "arithmetic on three ints, for check_size",
    "UnknownGroup": "an exception, raised by get_group",
}

#: The modules whose public functions (``__all__``) the fuzz covers: the documented API.
MODULES = ["groupconv", "groupconv.groups", "groupconv.groups.finite",
           "groupconv.feature_maps", "groupconv.literal", "groupconv.fast",
           "groupconv.fast.interpolation", "groupconv.nn", "groupconv.hexagonal",
           "groupconv.interop", "groupconv.viz", "groupconv.modes", "groupconv.images"]


def _public_callables():
    found = {}
    for name in MODULES:
        module = importlib.import_module(name)
        for attribute in module.__all__:
            value = getattr(module, attribute)
            if callable(value) and not inspect.ismodule(value):
                found.setdefault(id(value), (f"{name}.{attribute}", attribute, value))
    return found.values()


def test_the_fuzz_covers_every_public_function():
    called = {id(target[1]) for target in TARGETS} | {id(f) for f in fuzz.COVERED}
    missing = [qualified for qualified, name, value in _public_callables()
               if id(value) not in called and name not in EXEMPT]
    assert missing == []


def test_the_fuzz_sees_a_wrong_exception_and_an_accepted_bad_input(monkeypatch):
    """The fuzz can fail: a function raising AttributeError, and one answering bad input."""
    def broken(x):
        raise AttributeError("deep inside")

    monkeypatch.setattr(fuzz, "TARGETS", [("broken", broken, (fuzz.integer(1, 3),), {}),
                                          ("lax", lambda x: 1.0, (fuzz.integer(1, 3),), {})])
    outcomes = {fuzz.call(i % 2, np.random.default_rng(i))[0] for i in range(200)}
    assert {"wrong-type", "accepted-bad"} <= outcomes


def test_the_fuzz_sees_an_allocation_before_a_refusal_nan_and_a_hang(monkeypatch):
    def allocates(n):
        if n > 10:
            _ = np.ones(2**18)        # 2 MiB (over the limit set here) for a huge size
            raise ValueError("too large")
        return np.array([np.nan])

    monkeypatch.setattr(fuzz, "ALLOCATION_LIMIT", 2**20)

    def hangs():
        time.sleep(5)

    monkeypatch.setattr(fuzz, "TARGETS", [("allocates", allocates, (fuzz.choice(
        [1], [fuzz.Value(2**62, True, huge=True)]),), {}), ("hangs", hangs, (), {})])
    outcomes = {fuzz.call(0, np.random.default_rng(i))[0] for i in range(40)}
    assert {"allocated", "nan"} <= outcomes
    assert fuzz.call(1, np.random.default_rng(0), seconds=0.2)[0] == "hang"


def test_the_fuzz_sees_a_backward_that_broadcasts_dy(monkeypatch):
    """dy of shape (1, ...) or complex must be refused: a layer that multiplies it in without
    a check is an accepted bad input."""
    from groupconv import nn

    class Lax(nn.Layer):
        def forward(self, x, training=False):
            return x * 2.0, None

        def backward(self, cache, dy, input_grad=True):
            return dy * 2.0, {}

    monkeypatch.setattr(fuzz, "_LAYERS", [lambda: (Lax(), np.ones((2, 3)))])
    index = next(i for i, t in enumerate(TARGETS) if t[0] == "nn backward (dy)")
    outcomes = {fuzz.call(index, np.random.default_rng(i))[0] for i in range(60)}
    assert "accepted-bad" in outcomes
