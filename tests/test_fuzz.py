"""The public API under a hostile fuzz (tests/fuzz.py: one line per public function): only
ValueError or TypeError for bad input (MemoryError for absurd sizes), no answer where a refusal
is due, no NaN from finite input, no hang. Bounded in time: the profile decides how many."""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz import TARGETS, call


@pytest.mark.slow
@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(target=st.integers(0, len(TARGETS) - 1), seed=st.integers(0, 2**32 - 1))
def test_the_public_api_refuses_bad_input_clearly(target, seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)   # inf and NaN inputs on purpose
        outcome, detail = call(target, np.random.default_rng(seed), seconds=10.0)
    assert outcome in ("answered", "refused"), f"{outcome}: {detail}"


def test_the_fuzz_sees_a_wrong_exception_and_an_accepted_bad_input(monkeypatch):
    """The fuzz can fail: a function raising AttributeError, and one answering bad input."""
    import fuzz

    def broken(x):
        raise AttributeError("deep inside")

    monkeypatch.setattr(fuzz, "TARGETS", [("broken", broken, (fuzz.integer(1, 3),), {}),
                                          ("lax", lambda x: 1.0, (fuzz.integer(1, 3),), {})])
    outcomes = {fuzz.call(i % 2, np.random.default_rng(i))[0] for i in range(200)}
    assert {"wrong-type", "accepted-bad"} <= outcomes
